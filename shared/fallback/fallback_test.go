package fallback_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/pd2chat/pd2chat/shared/fallback"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/testkit/testlog"
	"github.com/pd2chat/pd2chat/shared/testkit/testserver"
)

var trigger = fallback.Undeliverable{
	Destination: "slack:C0ALERTS", Reason: "slack: post to C0ALERTS: not_in_channel", Key: "01E", Attempts: 1,
	Event: &incident.Event{ID: "01E", Kind: incident.Triggered, OccurredAt: time.Date(2026, 11, 20, 2, 15, 0, 0, time.UTC),
		Incident: incident.Incident{ID: "Q1", Number: 1234, Title: "checkout-api: 5xx", Urgency: "high",
			Service: incident.Service{Name: "checkout-api"}, URL: "https://acme.pagerduty.com/incidents/Q1"}},
	OnCall:   []string{"Takahashi", "Tanaka"},
	Location: time.FixedZone("JST", 9*60*60),
}

func TestFix(t *testing.T) {
	for reason, want := range map[string]string{
		"slack: post to C1: not_in_channel":                            "/invite @pd2chat",
		"slack: post to C1: channel_not_found":                         "Check the channel ID C1",
		"slack: post to C1: is_archived":                               "archived",
		"slack: post to C1: token_revoked":                             "SLACK_BOT_TOKEN",
		"slack: post to C1: invalid_auth":                              "SLACK_BOT_TOKEN",
		"slack:C1 has failed since … (DELIVERY_RETRY_FOR 1h0m0s): 503": "status page",
		"something new": "Read the reason",
	} {
		if got := fallback.Fix("slack:C1", reason); !strings.Contains(got, want) {
			t.Errorf("Fix(%q) = %q, want %q in it", reason, got, want)
		}
	}
	for _, c := range []struct{ dest, reason, want string }{
		{"chatwork:1", "chatwork: post to room 1: HTTP 401 Unauthorized", "CHATWORK_TOKEN"},
		{"chatwork:1", "chatwork: post to room 1: HTTP 404 Not Found", "add the account to the room"},
		{"googlechat:oncall", "googlechat: post to oncall: HTTP 404 Not Found", "GOOGLECHAT_WEBHOOKS"},
		{"teams:alerts", "teams: post to alerts: HTTP 401 Unauthorized", "TEAMS_WEBHOOKS"},
	} {
		if got := fallback.Fix(c.dest, c.reason); !strings.Contains(got, c.want) {
			t.Errorf("Fix(%s, %q) = %q, want %q in it", c.dest, c.reason, got, c.want)
		}
	}
}

// TestSNS publishes through the real SNS client to fauxqs, whose topic
// delivers to an SQS queue the test reads: the page carries the alert.
func TestSNS(t *testing.T) {
	ctx := context.Background()
	endpoint := testserver.SQS(t) // fauxqs serves SNS on the same port
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	snsClient := sns.New(sns.Options{BaseEndpoint: aws.String(endpoint), Region: "ap-northeast-1", Credentials: creds})
	sqsClient := sqs.New(sqs.Options{BaseEndpoint: aws.String(endpoint), Region: "ap-northeast-1", Credentials: creds})
	topic, err := snsClient.CreateTopic(ctx, &sns.CreateTopicInput{Name: aws.String("fallback-test")})
	if err != nil {
		t.Fatal(err)
	}
	q, err := sqsClient.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("fallback-inbox")})
	if err != nil {
		t.Fatal(err)
	}
	attrs, err := sqsClient.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: q.QueueUrl,
		AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snsClient.Subscribe(ctx, &sns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"),
		Endpoint: aws.String(attrs.Attributes["QueueArn"]), Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	if err := (fallback.SNS{Client: snsClient, Topic: *topic.TopicArn}).Notify(ctx, trigger); err != nil {
		t.Fatal(err)
	}
	out, err := sqsClient.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: q.QueueUrl, WaitTimeSeconds: 2})
	if err != nil || len(out.Messages) != 1 {
		t.Fatalf("received %v, %v", out, err)
	}
	body := aws.ToString(out.Messages[0].Body)
	for _, want := range []string{"#1234 checkout-api: 5xx", "slack:C0ALERTS", "not_in_channel", "/invite @pd2chat",
		"checkout-api", "high", "https://acme.pagerduty.com/incidents/Q1", "On call:  Takahashi, Tanaka", "2026-11-20 11:15:00 JST"} {
		if !strings.Contains(body, want) {
			t.Errorf("the page lacks %q:\n%s", want, body)
		}
	}
}

func TestConsole(t *testing.T) {
	var out testlog.Buffer
	if err := (&fallback.Console{W: &out}).Notify(context.Background(), trigger); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "FALLBACK: pd2chat: not posted to slack:C0ALERTS") {
		t.Errorf("console:\n%s", out.String())
	}
}

// TestStepText: a step refused for good around a handled event (a major
// incident channel's) says what could not be done, where, why and the
// fix for that step, and that nothing waits in the dead-letter queue.
func TestStepText(t *testing.T) {
	ev := &incident.Event{ID: "E1", Kind: incident.Taken, Incident: incident.Incident{ID: "Q1", Number: 1234, Title: "checkout-api: 5xx",
		URL: "https://acme.pagerduty.com/incidents/Q1"}}
	for _, tc := range []struct {
		step, dest, reason, fix string
	}{
		{"post the channel's link", "slack:C0ANNOUNCE", "slack: post to C0ANNOUNCE: not_in_channel", "Invite the bot to the channel C0ANNOUNCE"},
		{"post the channel's link", "slack:C0ANNOUNCE", "slack: post to C0ANNOUNCE: channel_not_found", "MAJOR_ANNOUNCE_CHANNEL"},
		{"set the topic", "slack:CMAJ1", "slack: conversations.setTopic CMAJ1: missing_scope", "infra/slack-app-manifest.yaml"},
		{"invite U09GUEST", "slack:CMAJ1", "U09GUEST: slack: conversations.invite CMAJ1: user_is_restricted", "invite them by hand"},
	} {
		subject, body := fallback.Text(fallback.Undeliverable{Destination: tc.dest, Reason: tc.reason, Key: ev.ID, Attempts: 1, Event: ev, Step: tc.step})
		if !strings.Contains(subject, "could not "+tc.step+" in "+tc.dest) || !strings.Contains(subject, "#1234") || len(subject) >= 100 {
			t.Errorf("subject %q", subject)
		}
		for _, want := range []string{tc.reason, tc.fix, "nothing to redrive", ev.Incident.URL} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the body lacks %q:\n%s", tc.step, want, body)
			}
		}
		if strings.Contains(body, "then redrive") || strings.Contains(body, "Service:") {
			t.Errorf("%s: an alert's wording:\n%s", tc.step, body)
		}
	}
}
