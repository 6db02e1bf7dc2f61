package config

import (
	"bytes"
	"fmt"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/locale"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata"
)

// testSheet is the repository's sheet, seen from this package's directory.
const testSheet = "csv:../../testdata/sheet"

// env is getenv of m, where ROTATION_SOURCE, unless m has it, is the
// repository's sheet: its default, csv:testdata/sheet, is relative to the
// repository's root (see TestLoadDefaults).
func env(m map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := m[k]; ok || k != "ROTATION_SOURCE" {
			return v
		}
		return testSheet
	}
}

func TestLoadDefaults(t *testing.T) {
	t.Chdir("../..") // the default rotation is testdata/sheet, from the repository's root, as `make run` has it
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
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
		"ALERT_DESTINATIONS":    "slack:#general,hipchat:1",
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
	if !strings.Contains(err.Error(), `"hipchat:1"`) || !strings.Contains(err.Error(), "listed twice") {
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

func TestRotationSource(t *testing.T) {
	dir := t.TempDir()
	write := func(path string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte("x\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	full, noMembers, empty := filepath.Join(dir, "full"), filepath.Join(dir, "no-members"), filepath.Join(dir, "empty")
	write(filepath.Join(full, "rotation.csv"))
	write(filepath.Join(full, "members.csv"))
	write(filepath.Join(noMembers, "rotation.csv"))
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing", "folder")

	cases := []struct {
		value string
		want  RotationSource
		// problems are the lines the error must have, each naming ROTATION_SOURCE.
		problems []string
	}{
		{"csv:" + full, RotationSource{"csv", full}, nil},
		{"csv:" + missing, RotationSource{}, []string{`ROTATION_SOURCE "csv:` + missing + `": no such directory`}},
		{"csv:" + empty, RotationSource{}, []string{
			`ROTATION_SOURCE "csv:` + empty + `": has no rotation.csv`,
			`ROTATION_SOURCE "csv:` + empty + `": has no members.csv`}},
		{"csv:" + noMembers, RotationSource{}, []string{`ROTATION_SOURCE "csv:` + noMembers + `": has no members.csv`}},
		{"csv:" + filepath.Join(full, "rotation.csv"), RotationSource{}, []string{`": is not a directory`}},
		{"sheets:1AbC-dEf_9", RotationSource{"sheets", "1AbC-dEf_9"}, nil},
		{"sheets:https://docs.google.com/spreadsheets/d/1AbC-dEf_9/edit#gid=0", RotationSource{"sheets", "1AbC-dEf_9"}, nil},
		{"sheets:https://docs.google.com/spreadsheets/d/1AbC-dEf_9/edit?usp=sharing", RotationSource{"sheets", "1AbC-dEf_9"}, nil},
		{"sheets:https://docs.google.com/spreadsheets/u/0/d/1AbC-dEf_9/", RotationSource{"sheets", "1AbC-dEf_9"}, nil},
		{"sheets:my sheet", RotationSource{}, []string{`ROTATION_SOURCE "sheets:my sheet": not a spreadsheet ID (letters, digits, - and _) nor the sheet's URL`}},
		{"sheets:1AbC/edit", RotationSource{}, []string{`ROTATION_SOURCE "sheets:1AbC/edit": not a spreadsheet ID`}},
		{"sheets:https://example.com/spreadsheets/d/1AbC/edit", RotationSource{}, []string{`ROTATION_SOURCE "sheets:https://example.com/spreadsheets/d/1AbC/edit": not a spreadsheet ID`}},
		{"sheets:https://docs.google.com/document/d/1AbC/edit", RotationSource{}, []string{`not a spreadsheet ID`}},
		{"sheets:", RotationSource{}, []string{`ROTATION_SOURCE "sheets:" must be csv:DIR or sheets:SPREADSHEET_ID`}},
	}
	for _, tc := range cases {
		t.Run(tc.value, func(t *testing.T) {
			c, err := Load(env(map[string]string{"ROTATION_SOURCE": tc.value, "PORT": "x"}), false)
			if err == nil || !strings.Contains(err.Error(), "PORT") {
				t.Fatalf("the other problems are reported too: %v", err)
			}
			var lines []string
			for _, l := range strings.Split(err.Error(), "\n") {
				if strings.HasPrefix(l, "ROTATION_SOURCE ") {
					lines = append(lines, l)
				}
			}
			if len(lines) != len(tc.problems) {
				t.Fatalf("ROTATION_SOURCE problems %q, want %q", lines, tc.problems)
			}
			for i, want := range tc.problems {
				if !strings.Contains(lines[i], want) {
					t.Errorf("problem %q, want %q", lines[i], want)
				}
			}
			if tc.problems == nil && c.Rotation != tc.want {
				t.Errorf("rotation %+v, want %+v", c.Rotation, tc.want)
			}
		})
	}
}

// The default, csv:testdata/sheet, is checked too outside Lambda (run from
// elsewhere than the repository's root, it is not there), but not in
// Lambda: there an unset ROTATION_SOURCE is a stack without a sheet, which
// still relays alerts.
func TestRotationSourceDefault(t *testing.T) {
	t.Chdir(t.TempDir())
	unset := map[string]string{"ROTATION_SOURCE": "", "STATE_STORE": "memory"}
	_, err := Load(env(unset), false)
	if err == nil || !strings.Contains(err.Error(), `ROTATION_SOURCE "csv:testdata/sheet": no such directory (ROTATION_SOURCE is not set and its default is relative to the working directory`) {
		t.Errorf("the default, away from the repository's root: %v", err)
	}
	if c, err := Load(env(unset), true); err != nil || c.Rotation.String() != DefaultRotation {
		t.Errorf("in Lambda, no sheet: %v %v", c.Rotation, err)
	}
	set := map[string]string{"ROTATION_SOURCE": "csv:testdata/sheet", "STATE_STORE": "memory"}
	if _, err := Load(env(set), true); err == nil || !strings.Contains(err.Error(), `ROTATION_SOURCE "csv:testdata/sheet": no such directory`) {
		t.Errorf("in Lambda, a csv: directory that is set is checked: %v", err)
	}
}

// LoadForCheck lets a chat go without its token (the check posts nothing);
// MissingToken names what it lacks.
func TestLoadForCheck(t *testing.T) {
	vars := map[string]string{"ALERT_DESTINATIONS": "slack:C1,console", "REMINDER_DESTINATIONS": "typetalk:7"}
	if _, err := Load(env(vars), false); err == nil {
		t.Fatal("Load accepted chats without their tokens")
	}
	c, err := LoadForCheck(env(vars))
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[Destination]string{
		c.AlertDestinations[0]: "SLACK_BOT_TOKEN", c.AlertDestinations[1]: "", c.ReminderDestinations[0]: "TYPETALK_TOKEN",
	} {
		if got := c.MissingToken(d); got != want {
			t.Errorf("MissingToken(%s) = %q, want %q", d, got, want)
		}
	}
	vars["SLACK_BOT_TOKEN"] = "xoxb-1"
	if c, _ := LoadForCheck(env(vars)); c.MissingToken(c.AlertDestinations[0]) != "" {
		t.Error("a token that is set is not missing")
	}
	// Every other setting is checked as Load checks it.
	vars["SLACK_BOT_TOKEN"], vars["TIMEZONE"], vars["ROTATION_SOURCE"] = "xoxp-1", "Mars/Olympus", "csv:/missing/folder"
	_, err = LoadForCheck(env(vars))
	for _, want := range []string{"SLACK_BOT_TOKEN is not a bot token", "TIMEZONE", `ROTATION_SOURCE "csv:/missing/folder": no such directory`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q: %v", want, err)
		}
	}
}

func TestSlackReactions(t *testing.T) {
	c, err := Load(env(nil), false)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.SlackAckReactions, []string{"eyes"}) || !slices.Equal(c.SlackResolveReactions, []string{"white_check_mark"}) {
		t.Errorf("defaults: ack %v, resolve %v", c.SlackAckReactions, c.SlackResolveReactions)
	}
	c, err = Load(env(map[string]string{"SLACK_ACK_REACTIONS": ":eyes:, raised_hands", "SLACK_RESOLVE_REACTIONS": "heavy_check_mark,+1"}), false)
	if err != nil || !slices.Equal(c.SlackAckReactions, []string{"eyes", "raised_hands"}) || !slices.Equal(c.SlackResolveReactions, []string{"heavy_check_mark", "+1"}) {
		t.Errorf("ack %v, resolve %v, err %v", c.SlackAckReactions, c.SlackResolveReactions, err)
	}
	for _, tc := range []struct{ ack, resolve, want string }{
		{"eyes", "eyes", "SLACK_RESOLVE_REACTIONS \"eyes\" is also in SLACK_ACK_REACTIONS"},
		{"Eyes Emoji", "", "SLACK_ACK_REACTIONS \"Eyes Emoji\" is not a Slack emoji name"},
	} {
		_, err := Load(env(map[string]string{"SLACK_ACK_REACTIONS": tc.ack, "SLACK_RESOLVE_REACTIONS": tc.resolve}), false)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ack %q resolve %q: %v, want %q", tc.ack, tc.resolve, err, tc.want)
		}
	}
}

func TestPagerDutyWriteBack(t *testing.T) {
	c, err := Load(env(map[string]string{"PAGERDUTY_API_TOKEN": "u+key", "PAGERDUTY_FROM_EMAIL": "oncall-bot@example.com", "PAGERDUTY_ACK_ON_TAKE": "true"}), false)
	if err != nil || c.PagerDutyAPIToken.Reveal() != "u+key" || !c.PagerDutyAckOnTake || c.PagerDutyResolveFromChat || c.PagerDutyAPIURL != DefaultPagerDutyAPIURL {
		t.Errorf("%+v, %v", c, err)
	}
	// The key alone reads (the alerts' details) and writes nothing.
	if c, err := Load(env(map[string]string{"PAGERDUTY_API_TOKEN": "u+key"}), false); err != nil || c.WritesBack() {
		t.Errorf("key alone: writes back %v, %v", c.WritesBack(), err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"PAGERDUTY_FROM_EMAIL": "bot@example.com"}, "PAGERDUTY_API_TOKEN is required by PAGERDUTY_FROM_EMAIL"},
		{map[string]string{"PAGERDUTY_API_TOKEN": "u+key", "PAGERDUTY_RESOLVE_FROM_CHAT": "true"}, "PAGERDUTY_FROM_EMAIL and PAGERDUTY_API_TOKEN are required by"},
		{map[string]string{"PAGERDUTY_ACK_ON_TAKE": "yes"}, "PAGERDUTY_ACK_ON_TAKE"},
	} {
		_, err := Load(env(tc.env), false)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "u+key") {
			t.Errorf("%v: %v, want %q (and no key)", tc.env, err, tc.want)
		}
	}
}

func TestMentionOn(t *testing.T) {
	c, err := Load(env(nil), false)
	if err != nil || !slices.Equal(c.MentionOn, incident.DefaultMentionOn) {
		t.Errorf("default %v, %v", c.MentionOn, err)
	}
	c, err = Load(env(map[string]string{"MENTION_ON": "triggered, incident.resolved"}), false)
	if err != nil || !slices.Equal(c.MentionOn, []incident.Kind{incident.Triggered, incident.Resolved}) {
		t.Errorf("%v, %v", c.MentionOn, err)
	}
	if c, err = Load(env(map[string]string{"MENTION_ON": "none"}), false); err != nil || c.MentionOn == nil || len(c.MentionOn) != 0 {
		t.Errorf("none: %v, %v", c.MentionOn, err)
	}
	if _, err = Load(env(map[string]string{"MENTION_ON": "triggered,acked"}), false); err == nil || !strings.Contains(err.Error(), `MENTION_ON "acked" is not an incident event kind`) {
		t.Errorf("bad kind: %v", err)
	}
}

func TestLanguage(t *testing.T) {
	for v, want := range map[string]locale.Language{"": locale.English, "en": locale.English, "ja": locale.Japanese, " JA-jp ": locale.Japanese} {
		c, err := Load(env(map[string]string{"LANGUAGE": v}), false)
		if err != nil || c.Language != want {
			t.Errorf("LANGUAGE=%q: %v, %v; want %v", v, c.Language, err, want)
		}
	}
	if _, err := Load(env(map[string]string{"LANGUAGE": "jp"}), false); err == nil || !strings.Contains(err.Error(), `LANGUAGE unknown language "jp": use en or ja`) {
		t.Errorf("LANGUAGE=jp: %v", err)
	}
}

func TestRoutes(t *testing.T) {
	spec := "service=payments -> slack:C111 rotation=rotation_payments; urgency=low -> slack:C222,typetalk:7 nomention; * -> slack:C111"
	c, err := Load(env(map[string]string{"ROUTES": spec, "SLACK_BOT_TOKEN": "xoxb-1", "TYPETALK_TOKEN": "t"}), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Routes) != 3 || c.Routes[0].RotationTab != "rotation_payments" || !c.Routes[1].NoMention {
		t.Errorf("routes %+v", c.Routes)
	}
	// The alert destinations are every rule's, once each.
	var got []string
	for _, d := range c.AlertDestinations {
		got = append(got, d.String())
	}
	if strings.Join(got, ",") != "slack:C111,slack:C222,typetalk:7" {
		t.Errorf("alert destinations %v", got)
	}
	// A destination is named as the posters are, whatever its case.
	if c, err := Load(env(map[string]string{"ROUTES": "* -> Slack:C111", "SLACK_BOT_TOKEN": "xoxb-1"}), false); err != nil || c.Routes[0].Destinations[0] != "slack:C111" {
		t.Errorf("upper case: %+v, %v", c.Routes, err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ROUTES": spec, "ALERT_DESTINATIONS": "slack:C1", "SLACK_BOT_TOKEN": "xoxb-1", "TYPETALK_TOKEN": "t"}, "ROUTES and ALERT_DESTINATIONS are both set"},
		{map[string]string{"ROUTES": "urgency=low -> slack:C1", "SLACK_BOT_TOKEN": "xoxb-1"}, `ROUTES the last rule must be "* -> …"`},
		{map[string]string{"ROUTES": "* -> slack:nope"}, `ROUTES rule 1 (* -> slack:nope): "slack:nope": a Slack destination is slack:CHANNEL_ID`},
		{map[string]string{"ROUTES": "* -> slack:C1"}, "SLACK_BOT_TOKEN is required for destination slack:C1"},
	} {
		if _, err := Load(env(tc.env), false); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.env["ROUTES"], err, tc.want)
		}
	}
}

func TestPresenceSettings(t *testing.T) {
	c, err := Load(env(map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_ONCALL_USERGROUP": "S0123ABC",
		"SLACK_ONCALL_USERGROUP_OFF_HOURS": "S0SRE01", "SLACK_TOPIC_CHANNELS": "C0123ABCD, G0PRIVATE1"}), false)
	if err != nil || c.SlackOnCallGroup != "S0123ABC" || c.SlackOffHoursGroup != "S0SRE01" || !slices.Equal(c.SlackTopicChannels, []string{"C0123ABCD", "G0PRIVATE1"}) {
		t.Errorf("%+v, %v", c, err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_ONCALL_USERGROUP": "@oncall"}, `SLACK_ONCALL_USERGROUP "@oncall" is not a user group ID`},
		{map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_ONCALL_USERGROUP": "C0123ABC"}, `SLACK_ONCALL_USERGROUP "C0123ABC" is not a user group ID`},
		{map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_ONCALL_USERGROUP_OFF_HOURS": "S0SRE01"}, "SLACK_ONCALL_USERGROUP_OFF_HOURS needs SLACK_ONCALL_USERGROUP"},
		{map[string]string{"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_TOPIC_CHANNELS": "#dev"}, `SLACK_TOPIC_CHANNELS "#dev" is not a channel ID`},
		{map[string]string{"SLACK_ONCALL_USERGROUP": "S0123ABC"}, "SLACK_BOT_TOKEN is required by SLACK_ONCALL_USERGROUP"},
	} {
		if _, err := Load(env(tc.env), false); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.env, err, tc.want)
		}
	}
}

func TestICalToken(t *testing.T) {
	c, err := Load(env(map[string]string{"ICAL_TOKEN": " 0123456789abcdef "}), false)
	if err != nil || c.ICalToken.Reveal() != "0123456789abcdef" {
		t.Errorf("%v", err)
	}
	if _, err := Load(env(map[string]string{"ICAL_TOKEN": "short-secret"}), false); err == nil || !strings.Contains(err.Error(), "ICAL_TOKEN is too short") || strings.Contains(err.Error(), "short-secret") {
		t.Errorf("a short token: %v", err)
	}
}

func TestEscalation(t *testing.T) {
	c, err := Load(env(map[string]string{"ESCALATION": "default", "ACK_REMINDER_MAX": "0"}), false)
	if err != nil || len(c.Escalation) != 5 || !c.FollowsUp() {
		t.Errorf("%v %v", c.Escalation, err)
	}
	if c, _ := Load(env(map[string]string{"ACK_REMINDER_MAX": "0"}), false); c.Escalation != nil || c.FollowsUp() {
		t.Error("no ladder, no follow-ups")
	}
	if _, err := Load(env(map[string]string{"ESCALATION": "pair@0m, boss@10m"}), false); err == nil || !strings.Contains(err.Error(), `ESCALATION "boss@10m": "boss" is not a level`) {
		t.Errorf("%v", err)
	}
}

func TestNewChatDestinations(t *testing.T) {
	hooks := `{"oncall": "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=k&token=t"}`
	c, err := Load(env(map[string]string{"ALERT_DESTINATIONS": "chatwork:123456, googlechat:oncall", "CHATWORK_TOKEN": "cw",
		"GOOGLECHAT_WEBHOOKS": hooks}), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.AlertDestinations) != 2 || c.AlertDestinations[1] != (Destination{Kind: "googlechat", Target: "oncall"}) ||
		c.GoogleChatWebhooks["oncall"].Reveal() == "" || c.ChatworkAPIURL != DefaultChatworkAPIURL {
		t.Errorf("%+v", c)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ALERT_DESTINATIONS": "chatwork:abc"}, "a Chatwork destination is chatwork:ROOM_ID"},
		{map[string]string{"ALERT_DESTINATIONS": "chatwork:1"}, "CHATWORK_TOKEN is required for destination chatwork:1"},
		{map[string]string{"ALERT_DESTINATIONS": "googlechat:dev", "GOOGLECHAT_WEBHOOKS": hooks}, `GOOGLECHAT_WEBHOOKS has no webhook named "dev"`},
		{map[string]string{"ALERT_DESTINATIONS": "googlechat:oncall"}, "GOOGLECHAT_WEBHOOKS is required for destination googlechat:oncall"},
		{map[string]string{"GOOGLECHAT_WEBHOOKS": "https://chat.googleapis.com/x"}, "GOOGLECHAT_WEBHOOKS is not a JSON object"},
		{map[string]string{"GOOGLECHAT_WEBHOOKS": `{"https://chat.googleapis.com/v1/spaces/A/messages?key=secret-host": "oncall"}`}, "has a name that is not letters"},
		{map[string]string{"GOOGLECHAT_WEBHOOKS": `{"x": "ftp://secret-host/k"}`}, `"x" is not a webhook URL`},
	} {
		_, err := Load(env(tc.env), false)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "secret-host") {
			t.Errorf("%v: %v, want %q", tc.env, err, tc.want)
		}
	}
	if _, err := Load(env(map[string]string{"GOOGLECHAT_WEBHOOKS": `{"x": "http://127.0.0.1:8080/v1/spaces/A/messages?key=k&token=t"}`}), true); err == nil ||
		!strings.Contains(err.Error(), `"x" is not a webhook URL of https://chat.googleapis.com/`) || strings.Contains(err.Error(), "token=t") {
		t.Errorf("a local URL in Lambda: %v", err)
	}
}

func TestTeamsDestination(t *testing.T) {
	hooks := `{"alerts": "https://prod-01.japaneast.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=s3cr3t"}`
	c, err := Load(env(map[string]string{"ALERT_DESTINATIONS": "teams:alerts", "TEAMS_WEBHOOKS": hooks}), true)
	if c.TeamsWebhooks["alerts"] == "" || (err != nil && strings.Contains(err.Error(), "TEAMS")) {
		t.Errorf("%v %v", c.TeamsWebhooks, err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"ALERT_DESTINATIONS": "teams:dev", "TEAMS_WEBHOOKS": hooks}, `TEAMS_WEBHOOKS has no webhook named "dev"`},
		{map[string]string{"ALERT_DESTINATIONS": "teams:a/b"}, "a Teams destination is teams:NAME"},
	} {
		if _, err := Load(env(tc.env), false); err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("%v: %v", tc.env, err)
		}
	}
}

func TestMajorSettings(t *testing.T) {
	c, err := Load(env(map[string]string{"MAJOR_CHANNELS": "true", "SLACK_BOT_TOKEN": "xoxb-1", "ALERT_DESTINATIONS": "slack:C0ALERTS",
		"SLACK_SIGNING_SECRET": "8f742231b10e8888abcd99yyyzzz85a5", "MAJOR_ANNOUNCE_CHANNEL": "C0ANNOUNCE", "MAJOR_MEETING_URL": "https://meet.example.com/x"}), false)
	if err != nil || !c.MajorChannels || !slices.Equal(c.MajorPriorities, []string{"P1", "P2"}) || c.MajorAnnounce != "C0ANNOUNCE" {
		t.Errorf("%+v %v", c, err)
	}
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"MAJOR_CHANNELS": "true"}, "SLACK_BOT_TOKEN is required by MAJOR_CHANNELS"},
		{map[string]string{"MAJOR_CHANNELS": "true", "SLACK_BOT_TOKEN": "xoxb-1", "ALERT_DESTINATIONS": "typetalk:1", "TYPETALK_TOKEN": "t"}, "MAJOR_CHANNELS needs a Slack alert destination"},
		{map[string]string{"MAJOR_CHANNELS": "true", "SLACK_BOT_TOKEN": "xoxb-1", "ALERT_DESTINATIONS": "slack:C0ALERTS"}, "SLACK_SIGNING_SECRET is required by MAJOR_CHANNELS"},
		{map[string]string{"MAJOR_ANNOUNCE_CHANNEL": "#general"}, `MAJOR_ANNOUNCE_CHANNEL "#general" is not a Slack channel ID`},
		{map[string]string{"MAJOR_CHANNELS": "yes"}, "MAJOR_CHANNELS"},
	} {
		if _, err := Load(env(tc.env), false); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.env, err, tc.want)
		}
	}
}

func TestMajorArchiveAfter(t *testing.T) {
	for v, want := range map[string]time.Duration{"": 7 * 24 * time.Hour, "0": 0, "3d": 3 * 24 * time.Hour, "36h": 36 * time.Hour} {
		c, err := Load(env(map[string]string{"MAJOR_ARCHIVE_AFTER": v}), false)
		if err != nil || c.MajorArchiveAfter != want {
			t.Errorf("%q: %v %v", v, c.MajorArchiveAfter, err)
		}
	}
	for _, v := range []string{"soon", "30m", "30d", "-1d"} {
		if _, err := Load(env(map[string]string{"MAJOR_ARCHIVE_AFTER": v}), false); err == nil || !strings.Contains(err.Error(), "MAJOR_ARCHIVE_AFTER") {
			t.Errorf("%q: %v", v, err)
		}
	}
	if c, err := Load(env(map[string]string{"MAJOR_ARCHIVE_AFTER": "25d"}), false); err != nil || c.MajorArchiveAfter != 25*24*time.Hour {
		t.Errorf("25d: %v %v", c.MajorArchiveAfter, err)
	}
}
