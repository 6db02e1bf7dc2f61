package main

import (
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/reminder"
	"github.com/pd2chat/pd2chat/shared/testkit/lambdatest"
)

// TestBootstrapOnLambdaRuntime builds the remind function as Lambda runs it
// (-tags lambda.norpc, CGO off) and invokes the binary through a stand-in
// Runtime API with EventBridge Scheduler payloads, posting to a recording
// fake Slack through the real slack-go poster.
func TestBootstrapOnLambdaRuntime(t *testing.T) {
	bin := lambdatest.Build(t, ".")
	rt := lambdatest.NewRuntime(t)
	fake := newFakeChat(t)

	// No PAGERDUTY_WEBHOOK_SECRETS: the reminder does not need it.
	fn := rt.Start(t, bin, []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_FUNCTION_NAME=pd2chat-remind",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128",
		"AWS_REGION=ap-northeast-1",
		"REMINDER_DESTINATIONS=slack:C0ONCALL",
		"ALERT_DESTINATIONS=slack:C0ALERTS",
		"SLACK_BOT_TOKEN=xoxb-remind-token",
		"SLACK_API_URL=" + fake.slack.APIURL(),
		"ROTATION_SOURCE=csv:../../testdata/sheet",
		"STATE_STORE=memory",
		"ONCALL_MANUAL_URL=https://wiki.example.com/oncall",
	})

	invoke := func(t *testing.T, payload string) (response, lambdatest.Result) {
		t.Helper()
		res := rt.Invoke(t, []byte(payload))
		var out response
		if !res.Error {
			if err := json.Unmarshal(res.Body, &out); err != nil {
				t.Fatalf("response %s: %v", res.Body, err)
			}
		}
		return out, res
	}

	t.Run("evening, Friday before a Monday holiday", func(t *testing.T) {
		out, res := invoke(t, `{"kind":"evening","scheduledTime":"2026-11-20T08:00:00Z"}`)
		if res.Error || out.Date != "2026-11-24" || out.Posted != 1 || out.Kind != "evening" || out.At != "2026-11-20T08:00:00Z" {
			t.Fatalf("%+v %s", out, res.Body)
		}
		posts := fake.received()
		if len(posts) != 1 || posts[0].target != "C0ONCALL" {
			t.Fatalf("posts %+v", posts)
		}
		if want := renderWant(t, fake, message.Slack, reminder.Evening, "2026-11-20T08:00:00Z"); posts[0].text != want {
			t.Errorf("Slack text\n got: %q\nwant: %q", posts[0].text, want)
		}
		for _, want := range []string{"<@U01ITO00001> Watanabe", "Tuesday 2026-11-24", "(Labor Thanksgiving Day)", "<#C0ALERTS>", "<https://wiki.example.com/oncall>", "Before your shift"} {
			if !strings.Contains(posts[0].text, want) {
				t.Errorf("Slack text lacks %q:\n%s", want, posts[0].text)
			}
		}
	})

	t.Run("morning on a company holiday: nothing", func(t *testing.T) {
		out, res := invoke(t, `{"kind":"morning","scheduledTime":"2026-12-30T01:00:00Z"}`)
		if res.Error || !strings.Contains(out.Skipped, "Year-end closure") || out.Posted != 0 || len(fake.received()) != 1 {
			t.Errorf("%+v %s", out, res.Body)
		}
	})

	t.Run("malformed payload: an error naming the field", func(t *testing.T) {
		_, res := invoke(t, `{"kind":"morning","scheduledTime":"10:00"}`)
		if !res.Error || !strings.Contains(string(res.Body), `scheduledTime`) {
			t.Errorf("%v %s", res.Error, res.Body)
		}
	})

	t.Run("Slack answers 500: an error, so the invocation is retried", func(t *testing.T) {
		fake.setStatus(http.StatusInternalServerError)
		_, res := invoke(t, `{"kind":"morning","scheduledTime":"2026-11-20T01:00:00Z"}`)
		if !res.Error || !strings.Contains(string(res.Body), "morning reminder for 2026-11-20") {
			t.Errorf("%v %s", res.Error, res.Body)
		}
		if fake.attempts() < 3 {
			t.Errorf("%d attempts in all: the poster did not retry", fake.attempts())
		}
	})

	if logs := fn.Output(); strings.Contains(logs, "xoxb-remind-token") {
		t.Errorf("the token reached the logs:\n%s", logs)
	}
}
