package config

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load(env(nil), false)
	if err != nil {
		t.Fatalf("Load with nothing set: %v", err)
	}
	if c.Port != 8080 || c.Rotation.String() != "csv:testdata/sheet" || c.Location.String() != "Asia/Tokyo" ||
		c.Hours.String() != "Mon-Fri 10:00-17:00" || c.Holidays != "jp" || c.SlackAPIURL != DefaultSlackAPIURL ||
		c.TypetalkAPIURL != DefaultTypetalkAPIURL || c.SheetsEndpoint != DefaultSheetsEndpoint || c.RotationCacheTTL != time.Minute {
		t.Errorf("defaults: got %+v", c)
	}
	if len(c.AlertDestinations) != 1 || c.AlertDestinations[0].String() != "console" ||
		len(c.ReminderDestinations) != 1 || c.ReminderDestinations[0].String() != "console" {
		t.Errorf("default destinations: %v %v", c.AlertDestinations, c.ReminderDestinations)
	}
	if len(c.WebhookSecrets) != 0 {
		t.Errorf("no secrets expected, got %d", len(c.WebhookSecrets))
	}
	if c.AckReminderAfter != 10*time.Minute || c.AckReminderMax != 2 {
		t.Errorf("ack reminder defaults: %v %d", c.AckReminderAfter, c.AckReminderMax)
	}
	if c.State.String() != "memory" {
		t.Errorf("state: %v, want memory outside Lambda", c.State)
	}
	if _, err := Load(env(map[string]string{"PAGERDUTY_WEBHOOK_SECRETS": "s"}), true); err == nil || !strings.Contains(err.Error(), "STATE_STORE is required in Lambda") {
		t.Errorf("Lambda without STATE_STORE: %v", err)
	}
	if err := c.CheckWebhook(); err != nil {
		t.Errorf("locally, unsigned deliveries are allowed: %v", err)
	}
	lambda, err := Load(env(map[string]string{"STATE_STORE": "memory"}), true)
	if err != nil {
		t.Fatal(err)
	}
	if err := lambda.CheckWebhook(); err == nil || !strings.Contains(err.Error(), "PAGERDUTY_WEBHOOK_SECRETS is required in Lambda") {
		t.Errorf("Lambda without signing secrets: %v", err)
	}
}

func TestLoadFull(t *testing.T) {
	c, err := Load(env(map[string]string{
		"PORT":                      "9090",
		"PAGERDUTY_WEBHOOK_SECRETS": "old-secret, new-secret",
		"PAGERDUTY_V2_TOKEN":        "tok",
		"ROTATION_SOURCE":           "sheets:1AbCdEf",
		"ROTATION_CACHE_TTL":        "90",
		"TIMEZONE":                  "Europe/Paris",
		"BUSINESS_HOURS":            "Mon-Thu 09:00-18:00",
		"HOLIDAYS":                  "none",
		"ALERT_DESTINATIONS":        "slack:C0123ABCD, typetalk:42,console",
		"REMINDER_DESTINATIONS":     "slack:C999",
		"SLACK_BOT_TOKEN":           "xoxb-1",
		"TYPETALK_TOKEN":            "tt",
		"SLACK_API_URL":             "http://127.0.0.1:1234/api/",
		"ONCALL_MANUAL_URL":         "https://wiki.example.com/oncall",
		"STATE_STORE":               "dynamodb:pd2chat-state",
		"ACK_REMINDER_AFTER":        "15m",
		"ACK_REMINDER_MAX":          "0",
		"DYNAMODB_ENDPOINT":         "http://127.0.0.1:8000",
	}), true)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if c.Port != 9090 || len(c.WebhookSecrets) != 2 || c.WebhookSecrets[1].Reveal() != "new-secret" ||
		c.V2Token.Reveal() != "tok" || c.Rotation != (RotationSource{"sheets", "1AbCdEf"}) ||
		c.Location.String() != "Europe/Paris" || c.RotationCacheTTL != 90*time.Second || c.Holidays != "none" || c.OncallManualURL != "https://wiki.example.com/oncall" {
		t.Errorf("got %+v", c)
	}
	if c.AckReminderAfter != 15*time.Minute || c.AckReminderMax != 0 {
		t.Errorf("ack reminders: %v %d", c.AckReminderAfter, c.AckReminderMax)
	}
	if c.State != (StateStore{"dynamodb", "pd2chat-state"}) || c.DynamoDBEndpoint != "http://127.0.0.1:8000" {
		t.Errorf("state: %v %q", c.State, c.DynamoDBEndpoint)
	}
	want := []Destination{{"slack", "C0123ABCD"}, {"typetalk", "42"}, {"console", ""}}
	if fmt.Sprint(c.AlertDestinations) != fmt.Sprint(want) {
		t.Errorf("alert destinations: got %v want %v", c.AlertDestinations, want)
	}
}

func TestLoadReportsEveryProblem(t *testing.T) {
	_, err := Load(env(map[string]string{
		"PORT":                  "http",
		"ROTATION_SOURCE":       "ftp:somewhere",
		"ROTATION_CACHE_TTL":    "0.5s",
		"STATE_STORE":           "redis:x",
		"ACK_REMINDER_MAX":      "-1",
		"TIMEZONE":              "Mars/Olympus",
		"BUSINESS_HOURS":        "Mon-Fri 10:00-25:00",
		"HOLIDAYS":              "fr",
		"ALERT_DESTINATIONS":    "slack:#general,teams:1",
		"REMINDER_DESTINATIONS": "typetalk:abc,console,console",
		"SLACK_API_URL":         "not a url",
		"SQS_ENDPOINT":          "localhost:9324",
		"DELIVERY_RETRY_FOR":    "forever",
	}), true)
	if err == nil {
		t.Fatal("Load accepted broken settings")
	}
	for _, name := range []string{"PORT", "ROTATION_SOURCE", "ROTATION_CACHE_TTL", "STATE_STORE", "ACK_REMINDER_MAX", "TIMEZONE", "BUSINESS_HOURS", "HOLIDAYS",
		"ALERT_DESTINATIONS", "REMINDER_DESTINATIONS", "SLACK_API_URL", "SQS_ENDPOINT", "DELIVERY_RETRY_FOR"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
	if !strings.Contains(err.Error(), `"teams:1"`) || !strings.Contains(err.Error(), "listed twice") {
		t.Errorf("error should say which item is wrong:\n%v", err)
	}
}

func TestDeliveryQueue(t *testing.T) {
	cases := []struct {
		value, want, problem string
	}{
		{"", "memory", ""},
		{"memory", "memory", ""},
		{"sqs:https://sqs.ap-northeast-1.amazonaws.com/123456789012/pd2chat-Deliveries.fifo", "sqs:https://sqs.ap-northeast-1.amazonaws.com/123456789012/pd2chat-Deliveries.fifo", ""},
		{"sqs:https://sqs.ap-northeast-1.amazonaws.com/123456789012/standard", "", "not a FIFO queue"},
		{"sqs:sqs.ap-northeast-1.amazonaws.com/1/q.fifo", "", "must be memory or sqs:QUEUE_URL"},
		{"kafka:x", "", "must be memory or sqs:QUEUE_URL"},
	}
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			c, err := Load(env(map[string]string{"DELIVERY_QUEUE": tc.value}), false)
			if tc.problem != "" {
				if err == nil || !strings.Contains(err.Error(), "DELIVERY_QUEUE") || !strings.Contains(err.Error(), tc.problem) {
					t.Fatalf("err %v, want DELIVERY_QUEUE … %s", err, tc.problem)
				}
				return
			}
			if err != nil || c.Queue.String() != tc.want {
				t.Fatalf("queue %s, err %v; want %s", c.Queue, err, tc.want)
			}
		})
	}
	// The webhook in Lambda needs a durable queue; remind does not (yet).
	c, _ := Load(env(map[string]string{"PAGERDUTY_WEBHOOK_SECRETS": "s", "STATE_STORE": "dynamodb:t"}), true)
	if err := c.CheckWebhook(); err == nil || !strings.Contains(err.Error(), "DELIVERY_QUEUE") {
		t.Errorf("CheckWebhook in Lambda without a queue: %v", err)
	}
}

func TestSlackTokenMustBeABotToken(t *testing.T) {
	for token, ok := range map[string]bool{
		"xoxb-1-2-abc": true, "xoxp-1-2-abc": false, "xapp-1-abc": false,
		"https://hooks.slack.com/services/T0/B0/abc": false,
	} {
		_, err := Load(env(map[string]string{"SLACK_BOT_TOKEN": token, "ALERT_DESTINATIONS": "slack:C1"}), false)
		if ok != (err == nil) {
			t.Errorf("%.8s…: err %v", token, err)
		}
		if err != nil && (!strings.Contains(err.Error(), "SLACK_BOT_TOKEN") || strings.Contains(err.Error(), token)) {
			t.Errorf("the error must name SLACK_BOT_TOKEN and not show it: %v", err)
		}
	}
}

func TestLoadNeedsTokensForChats(t *testing.T) {
	_, err := Load(env(map[string]string{"ALERT_DESTINATIONS": "slack:C1", "REMINDER_DESTINATIONS": "typetalk:7"}), false)
	if err == nil || !strings.Contains(err.Error(), "SLACK_BOT_TOKEN is required for destination slack:C1") ||
		!strings.Contains(err.Error(), "TYPETALK_TOKEN is required for destination typetalk:7") {
		t.Fatalf("want both token problems, got %v", err)
	}
}

func TestSecretsNeverPrint(t *testing.T) {
	const secret = "s3cr3t-value"
	c, err := Load(env(map[string]string{
		"PAGERDUTY_WEBHOOK_SECRETS": secret, "PAGERDUTY_V2_TOKEN": secret, "SLACK_BOT_TOKEN": secret,
		"TYPETALK_TOKEN": secret, "GOOGLE_CREDENTIALS_JSON": secret,
		"ALERT_DESTINATIONS": "slack:C1",
		"SLACK_API_URL":      "https://user:" + secret + "@bad host/",
	}), false)
	if err == nil {
		t.Fatal("want an error for SLACK_API_URL")
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&buf, nil))
	log.Info("config", "config", c, "secret", c.SlackBotToken, "secrets", c.WebhookSecrets)
	for name, s := range map[string]string{
		"%v": fmt.Sprintf("%v", c), "%+v": fmt.Sprintf("%+v", c), "%#v": fmt.Sprintf("%#v", c),
		"slog": buf.String(), "error": err.Error(),
	} {
		if strings.Contains(s, secret) {
			t.Errorf("%s shows the secret: %s", name, s)
		}
	}
}
