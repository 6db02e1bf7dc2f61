package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	neturl "net/url"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/testkit/lambdatest"
	"github.com/pd2chat/pd2chat/shared/testkit/testserver"
)

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// apiGatewayEvent is the payload API Gateway HTTP API (format 2.0) sends
// for a request, from testdata/apigateway/v2-request.json.
func apiGatewayEvent(t *testing.T, method, rawQuery string, headers map[string]string, body []byte, b64 bool) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/apigateway/v2-request.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev.RequestContext.HTTP.Method = method
	ev.RawQueryString = rawQuery
	for k, v := range headers {
		ev.Headers[strings.ToLower(k)] = v
	}
	ev.IsBase64Encoded = b64
	ev.Body = string(body)
	if b64 {
		ev.Body = base64.StdEncoding.EncodeToString(body)
	}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// deliveryQueue is a new SQS FIFO queue name on the test SQS server: the
// server's endpoint, a client of it, and the queue's URL.
func deliveryQueue(t *testing.T, name string) (endpoint string, client *sqs.Client, url string) {
	t.Helper()
	endpoint = testserver.SQS(t)
	client = sqs.New(sqs.Options{BaseEndpoint: aws.String(endpoint), Region: "ap-northeast-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
	url, err := queue.Create(t.Context(), client, name, queue.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return endpoint, client, url
}

// TestBootstrapOnLambdaRuntime builds the webhook as Lambda runs it
// (-tags lambda.norpc, CGO off) and drives the binary through a stand-in
// Runtime API with API Gateway v2 events.
func TestBootstrapOnLambdaRuntime(t *testing.T) {
	bin := lambdatest.Build(t, ".")
	rt := lambdatest.NewRuntime(t)
	endpoint, client, url := deliveryQueue(t, "webhook-test")
	q := queue.NewSQS(client, url)
	var enqueued []queue.Received
	// received drains the queue (deleting what it takes) and says how many
	// messages the webhook put there in all.
	received := func() int {
		for {
			batch, err := q.Receive(t.Context(), 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(batch) == 0 {
				return len(enqueued)
			}
			for _, r := range batch {
				enqueued = append(enqueued, r)
				if err := q.Delete(t.Context(), r); err != nil {
					t.Fatal(err)
				}
			}
		}
	}

	const oldSecret, newSecret = "old-signing-secret", "new-signing-secret"
	fn := rt.Start(t, bin, []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_FUNCTION_NAME=pd2chat-webhook",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_REGION=ap-northeast-1",
		"PAGERDUTY_WEBHOOK_SECRETS=" + oldSecret + "," + newSecret,
		"ALERT_DESTINATIONS=slack:C0ALERTS",
		"SLACK_BOT_TOKEN=xoxb-test-token",
		"ROTATION_SOURCE=csv:../../testdata/sheet",
		"STATE_STORE=dynamodb:unused", // the webhook never reads it
		"DELIVERY_QUEUE=sqs:" + url,
		"SQS_ENDPOINT=" + endpoint,
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
	})

	body, err := os.ReadFile("../../testdata/pagerduty/v3/incident.triggered.json")
	if err != nil {
		t.Fatal(err)
	}
	forged := sign("not-the-secret", body)
	cases := []struct {
		name       string
		method     string
		headers    map[string]string
		b64        bool
		wantStatus int
		wantQueued int // messages on the queue in all so far
	}{
		// During rotation PagerDuty signs with both secrets; API Gateway
		// keeps the header as one comma-joined value.
		{"base64 body, two signatures, second valid", "POST", map[string]string{"X-PagerDuty-Signature": forged + "," + sign(newSecret, body)}, true, 200, 1},
		// The same event again (PagerDuty redelivers): accepted, not queued twice.
		{"plain body, old secret, a redelivery", "POST", map[string]string{"X-PagerDuty-Signature": sign(oldSecret, body)}, false, 200, 1},
		{"forged signature", "POST", map[string]string{"X-PagerDuty-Signature": forged}, true, 403, 1},
		{"no signature", "POST", nil, false, 401, 1},
		{"wrong method", "GET", nil, false, 405, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := rt.Invoke(t, apiGatewayEvent(t, tc.method, "", tc.headers, body, tc.b64))
			if res.Error {
				t.Fatalf("invocation error: %s", res.Body)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(res.Body, &resp); err != nil {
				t.Fatalf("response %s: %v", res.Body, err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d (%q), want %d", resp.StatusCode, resp.Body, tc.wantStatus)
			}
			if got := received(); got != tc.wantQueued {
				t.Errorf("%d messages queued in all, want %d", got, tc.wantQueued)
			}
		})
	}
	if len(enqueued) == 0 {
		t.Fatal("nothing queued")
	}
	// One message for the one destination, grouped by destination and
	// incident, deduplicated by event and destination.
	if r := enqueued[0]; r.Group != "slack:C0ALERTS/Q1ABCDEF" || !strings.Contains(string(r.Body), `"key":"01JD5K2M3N4P5Q6R7S8T9V0W1X"`) {
		t.Errorf("queued %+v\n%s", r, r.Body)
	}
	// The refusals are counted by the signature-failure alarm (infra/).
	for _, code := range []string{`"auth_failure":"no matching secret"`, `"auth_failure":"missing signature"`} {
		if !strings.Contains(fn.Output(), code) {
			t.Errorf("no %s in the log:\n%s", code, fn.Output())
		}
	}
	if logs := fn.Output(); strings.Contains(logs, "xoxb-test-token") || strings.Contains(logs, newSecret) {
		t.Errorf("a secret reached the logs:\n%s", logs)
	}
}

// slackSign signs body as Slack does: v0=HMAC-SHA256(secret, "v0:ts:body").
func slackSign(secret string, ts int64, body string) map[string]string {
	mac := hmac.New(sha256.New, []byte(secret))
	fmt.Fprintf(mac, "v0:%d:%s", ts, body)
	return map[string]string{
		"X-Slack-Request-Timestamp": strconv.FormatInt(ts, 10),
		"X-Slack-Signature":         "v0=" + hex.EncodeToString(mac.Sum(nil)),
		"Content-Type":              "application/x-www-form-urlencoded",
	}
}

// TestSlackRoutesOnLambdaRuntime drives the Slack app's three request URLs
// through the built bootstrap: the Events API challenge, /oncall, and an
// "I'm on it" press that lands on the delivery queue in the incident's group.
func TestSlackRoutesOnLambdaRuntime(t *testing.T) {
	bin := lambdatest.Build(t, ".")
	rt := lambdatest.NewRuntime(t)
	endpoint, client, url := deliveryQueue(t, "webhook-slack-test")
	const signing = "slack-signing-secret"
	fn := rt.Start(t, bin, []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_FUNCTION_NAME=pd2chat-webhook",
		"AWS_REGION=ap-northeast-1",
		"PAGERDUTY_WEBHOOK_SECRETS=pd-secret",
		"SLACK_SIGNING_SECRET=" + signing,
		"ALERT_DESTINATIONS=slack:C0ALERTS",
		"SLACK_BOT_TOKEN=xoxb-test-token",
		"ROTATION_SOURCE=csv:../../testdata/sheet",
		"STATE_STORE=dynamodb:unused",
		"DELIVERY_QUEUE=sqs:" + url,
		"SQS_ENDPOINT=" + endpoint,
		"AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
	})
	invoke := func(path, body string, headers map[string]string) events.APIGatewayV2HTTPResponse {
		t.Helper()
		var ev events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal(apiGatewayEvent(t, "POST", "", headers, []byte(body), false), &ev); err != nil {
			t.Fatal(err)
		}
		ev.RawPath, ev.RequestContext.HTTP.Path = path, path
		raw, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		res := rt.Invoke(t, raw)
		if res.Error {
			t.Fatalf("invocation error: %s", res.Body)
		}
		var resp events.APIGatewayV2HTTPResponse
		if err := json.Unmarshal(res.Body, &resp); err != nil {
			t.Fatalf("response %s: %v", res.Body, err)
		}
		return resp
	}
	now := time.Now().Unix()

	challenge := `{"type":"url_verification","challenge":"c-123","token":"x"}`
	if r := invoke("/slack/events", challenge, slackSign(signing, now, challenge)); r.StatusCode != 200 || strings.TrimSpace(r.Body) != "c-123" {
		t.Errorf("url_verification: %d %q", r.StatusCode, r.Body)
	}
	if r := invoke("/slack/events", challenge, slackSign("wrong", now, challenge)); r.StatusCode != 401 {
		t.Errorf("forged event: %d, want 401", r.StatusCode)
	}
	if r := invoke("/slack/commands", "command=%2Foncall&text=", slackSign(signing, now, "command=%2Foncall&text=")); r.StatusCode != 200 || !strings.Contains(r.Body, `"response_type":"ephemeral"`) {
		t.Errorf("/oncall: %d %q", r.StatusCode, r.Body)
	}
	payload := `{"type":"block_actions","user":{"id":"U0NOBODY","name":"sato"},"channel":{"id":"C0ALERTS"},"trigger_id":"T1",` +
		`"actions":[{"block_id":"pd2chat_actions","action_id":"pd2chat_take","value":"Q1ABCDEF","action_ts":"1763604960.000100"}]}`
	form := "payload=" + neturl.QueryEscape(payload)
	if r := invoke("/slack/interactions", form, slackSign(signing, now, form)); r.StatusCode != 200 {
		t.Errorf("take: %d %q", r.StatusCode, r.Body)
	}
	got, err := queue.NewSQS(client, url).Receive(t.Context(), 10, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Group != "slack:C0ALERTS/Q1ABCDEF" || !strings.Contains(string(got[0].Body), `"Kind":"pd2chat.taken"`) {
		t.Fatalf("queued %+v", got)
	}
	if logs := fn.Output(); strings.Contains(logs, signing) {
		t.Errorf("the signing secret reached the logs:\n%s", logs)
	}
}
