package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// contextOf is a TryGetContext over fixed values.
func contextOf(values map[string]any) func(string) any {
	return func(key string) any { return values[key] }
}

// fakeBuild makes a build directory with a placeholder bootstrap per
// function: the stack packages them as assets and never runs them.
func fakeBuild(t testing.TB) string {
	dir := t.TempDir()
	for _, fn := range functionNames {
		if err := os.MkdirAll(filepath.Join(dir, fn), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, fn, "bootstrap"), []byte("placeholder "+fn+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadSettingsDefaults(t *testing.T) {
	build := fakeBuild(t)
	s, err := LoadSettings(contextOf(map[string]any{"pd2chat": map[string]any{
		"alertDestinations":    "slack:C0123ABCD, typetalk:42",
		"reminderDestinations": "slack:C0456ONCALL",
		"secret":               "pd2chat",
		"buildDir":             build,
	}}))
	if err != nil {
		t.Fatal(err)
	}
	want := Settings{
		StackName:            "pd2chat",
		AlertDestinations:    []string{"slack:C0123ABCD", "typetalk:42"},
		ReminderDestinations: []string{"slack:C0456ONCALL"},
		Secret:               "pd2chat",
		Timezone:             "Asia/Tokyo",
		BusinessHours:        "Mon-Fri 10:00-17:00",
		Holidays:             "jp",
		BuildDir:             build,
		SignatureFailures:    3,
		Schedule:             ReminderSchedule{Days: "MON-FRI", MorningHour: 10, EveningHour: 17},
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("LoadSettings =\n%+v\nwant\n%+v", s, want)
	}
}

func TestLoadSettingsOverrides(t *testing.T) {
	build := fakeBuild(t)
	s, err := LoadSettings(contextOf(map[string]any{
		"pd2chat": map[string]any{
			"alertDestinations": "console", "reminderDestinations": "console",
			"secret": "pd2chat", "buildDir": "/nonexistent", "businessHours": "Mon-Fri 10:00-17:00",
		},
		// `cdk synth -c pd2chat.KEY=VALUE` wins over cdk.json.
		"pd2chat.buildDir":         build,
		"pd2chat.businessHours":    "Mon,Wed,Fri 09:30-18:00",
		"pd2chat.timezone":         "Europe/Berlin",
		"pd2chat.alarmEmail":       "sre@example.com",
		"pd2chat.rotationCacheTtl": 300.0, // a number in cdk.json
	}))
	if err != nil {
		t.Fatal(err)
	}
	if s.BuildDir != build || s.Timezone != "Europe/Berlin" || s.AlarmEmail != "sre@example.com" || s.RotationCacheTTL != "300" ||
		s.Schedule != (ReminderSchedule{Days: "MON,WED,FRI", MorningHour: 9, MorningMinute: 30, EveningHour: 18}) {
		t.Errorf("overrides not applied: %+v", s)
	}
}

// TestLoadSettingsProblems: every problem is reported at once, each naming
// its key.
func TestLoadSettingsProblems(t *testing.T) {
	_, err := LoadSettings(contextOf(map[string]any{"pd2chat": map[string]any{
		"stackName":            "1bad name",
		"alertDestinations":    "slack:#alerts,console,console",
		"reminderDestinations": "",
		"spreadsheetId":        "https://docs.google.com/spreadsheets/d/x",
		"rotationCacheTtl":     "forever",
		"oncallManualUrl":      "wiki/oncall",
		"secret":               "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:pd2chat",
		"alarmEmail":           "sre at example.com",
		"timezone":             "Asia/Tokio",
		"businessHours":        "Mon-Fri 10:00-24:00",
		"holidays":             "us",
		"buildDir":             t.TempDir(),
		"heartbeatDays":        "a week",
		"signatureFailures":    "-1",
		"alertDestination":     "slack:C0123ABCD", // a typo
		"extra":                42,
	}}))
	if err == nil {
		t.Fatal("LoadSettings accepted bad settings")
	}
	for _, want := range []string{
		`pd2chat.stackName "1bad name" is not a CloudFormation stack name`,
		`pd2chat.alertDestinations "slack:#alerts" is not a destination`,
		`pd2chat.alertDestinations "console" is listed twice`,
		`pd2chat.reminderDestinations is required`,
		`pd2chat.spreadsheetId "https://docs.google.com/spreadsheets/d/x" is not a spreadsheet id`,
		`pd2chat.rotationCacheTtl "forever" is not a duration`,
		`pd2chat.oncallManualUrl is not an http(s) URL`,
		`pd2chat.secret "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:pd2chat" is not a complete secret ARN`,
		`pd2chat.alarmEmail "sre at example.com" is not an e-mail address`,
		`pd2chat.timezone "Asia/Tokio" is not a known time zone`,
		`pd2chat.businessHours "Mon-Fri 10:00-24:00": an end of 24:00`,
		`pd2chat.holidays "us" is not one of jp, none`,
		`pd2chat.heartbeatDays "a week" is not a number of days from 1 to 30`,
		`pd2chat.signatureFailures "-1" is not a number from 0 to 1000`,
		`/webhook/bootstrap is missing: run ` + "`make build`",
		`/remind/bootstrap is missing: run ` + "`make build`",
		`/deliver/bootstrap is missing: run ` + "`make build`",
		`pd2chat.alertDestination is not a setting (known: stackName, alertDestinations`,
		`pd2chat.extra is not a setting`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	if n := strings.Count(err.Error(), "\n"); n < 16 {
		t.Errorf("error has %d lines, want one per problem:\n%v", n, err)
	}
}

func TestLoadSettingsShape(t *testing.T) {
	for _, tc := range []struct {
		name    string
		context map[string]any
		want    string
	}{
		{"no object", map[string]any{}, `pd2chat is missing: cdk.json must have a context object "pd2chat"`},
		{"not an object", map[string]any{"pd2chat": "secret=pd2chat"}, "pd2chat must be an object of settings, not string"},
		{"not a string", map[string]any{"pd2chat": map[string]any{"alertDestinations": []any{"console"}}}, "pd2chat.alertDestinations must be a string, not []interface {}"},
		{"no secret", map[string]any{"pd2chat": map[string]any{"alertDestinations": "console"}}, "pd2chat.secret is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadSettings(contextOf(tc.context))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestLoadSettingsSecret(t *testing.T) {
	build := fakeBuild(t)
	for _, tc := range []struct {
		secret string
		ok     bool
	}{
		{"pd2chat", true},
		{"prod/pd2chat", true},
		{"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:pd2chat-AbC123", true},
		{"arn:aws-cn:secretsmanager:cn-north-1:123456789012:secret:prod/pd2chat-AbC123", true},
		{"arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:pd2chat", false},
		{"arn:aws:ssm:ap-northeast-1:123456789012:parameter/pd2chat", false},
		{"pd2chat tokens", false},
	} {
		t.Run(tc.secret, func(t *testing.T) {
			_, err := LoadSettings(contextOf(map[string]any{"pd2chat": map[string]any{
				"alertDestinations": "console", "reminderDestinations": "console",
				"secret": tc.secret, "buildDir": build,
			}}))
			if (err == nil) != tc.ok {
				t.Errorf("LoadSettings(secret %q) error = %v, want ok=%v", tc.secret, err, tc.ok)
			}
		})
	}
}

// TestCDKJSON: the committed cdk.json is valid as it is, so `make synth`
// works on a fresh clone before anyone fills in the settings.
func TestCDKJSON(t *testing.T) {
	b, err := os.ReadFile("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		App     string         `json:"app"`
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	if doc.App != "go run ." {
		t.Errorf("cdk.json app = %q, want \"go run .\"", doc.App)
	}
	obj, _ := doc.Context["pd2chat"].(map[string]any)
	for _, k := range settingKeys {
		if _, ok := obj[k]; !ok {
			t.Errorf("cdk.json: setting %q is not listed (list every setting so a team sees it)", k)
		}
	}
	obj["buildDir"] = fakeBuild(t)
	if _, err := LoadSettings(contextOf(doc.Context)); err != nil {
		t.Errorf("cdk.json settings: %v", err)
	}
}

// TestSlackManifest: the app asks for exactly the scopes of the Web API
// methods and events pd2chat uses, no more, and sends its interactions,
// events and slash command to the stack's routes.
func TestSlackManifest(t *testing.T) {
	b, err := os.ReadFile("slack-app-manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var scopes []string
	inBot := false
	for _, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "#"):
		case trimmed == "bot:":
			inBot = true
		case inBot && strings.HasPrefix(trimmed, "- "):
			scopes = append(scopes, strings.TrimPrefix(trimmed, "- "))
		case inBot && trimmed != "":
			inBot = false
		}
	}
	if want := []string{"channels:history", "channels:read", "chat:write", "commands", "groups:history", "groups:read", "reactions:read",
		"usergroups:read", "usergroups:write", "channels:write.topic", "groups:write.topic", "channels:manage", "bookmarks:write", "bookmarks:read", "pins:write", "users:read", "users:read.email"}; !reflect.DeepEqual(scopes, want) {
		t.Errorf("bot scopes %v, want %v", scopes, want)
	}
	// The app's request URLs are the routes the stack serves.
	for _, path := range slackRoutePaths {
		if !strings.Contains(string(b), "https://API.example.com"+path) {
			t.Errorf("the manifest does not send anything to %s", path)
		}
	}
	for _, want := range []string{"- reaction_added", "command: /oncall", "is_enabled: true"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("the manifest lacks %q", want)
		}
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) == "user:" {
			t.Error("the manifest asks for user-token scopes: pd2chat acts as its bot only")
		}
	}
}

// TestPassedSettings: the answering-in-chat and write-back settings reach
// every function as their variables; bad values are refused at synth.
func TestPassedSettings(t *testing.T) {
	s := fullSettings(t)
	want := map[string]string{"SLACK_ACK_REACTIONS": "eyes,raised_hands", "PAGERDUTY_FROM_EMAIL": "pd2chat-bot@example.com", "PAGERDUTY_ACK_ON_TAKE": "true"}
	if !reflect.DeepEqual(s.Env, want) {
		t.Errorf("Env = %v, want %v", s.Env, want)
	}
	_, err := LoadSettings(contextOf(map[string]any{"pd2chat": map[string]any{
		"buildDir": fakeBuild(t), "pagerdutySeats": "yes", "slackResolveReactions": "White Check", "pagerdutyFromEmail": "bot",
		"language": "jp", "escalation": "pair@0m, boss@5m", "slackOncallUsergroup": "@oncall", "slackTopicChannels": "C0OK1, #dev",
	}}))
	for _, key := range []string{"pd2chat.pagerdutySeats", "pd2chat.slackResolveReactions", "pd2chat.pagerdutyFromEmail", `pd2chat.language unknown language "jp"`, `pd2chat.escalation "boss@5m"`, `pd2chat.slackOncallUsergroup "@oncall" is not a Slack user group ID`, `pd2chat.slackTopicChannels "#dev"`} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("%v: want a problem naming %s", err, key)
		}
	}
}

// TestRoutesSetting: routes replace alertDestinations (both is an error),
// checked with the functions' own rule parser.
func TestRoutesSetting(t *testing.T) {
	s, err := LoadSettings(contextOf(map[string]any{"pd2chat": map[string]any{
		"buildDir": fakeBuild(t), "reminderDestinations": "slack:C0456ONCALL", "secret": "pd2chat",
		"routes": "service=payments -> slack:C0111PAY rotation=rotation_payments; * -> slack:C0000ALL",
	}}))
	if err != nil {
		t.Fatal(err)
	}
	if ja, err := LoadSettings(contextOf(map[string]any{"pd2chat": map[string]any{"buildDir": fakeBuild(t), "language": "ja"}})); (err != nil && strings.Contains(err.Error(), "language")) || ja.Env["LANGUAGE"] != "ja" {
		t.Errorf("language ja: %v, %v", ja.Env, err)
	}
	if !reflect.DeepEqual(s.AlertDestinations, []string{"slack:C0111PAY", "slack:C0000ALL"}) {
		t.Errorf("alert destinations %v", s.AlertDestinations)
	}
	for _, tc := range []struct {
		set  map[string]any
		want string
	}{
		{map[string]any{"routes": "* -> slack:C1", "alertDestinations": "slack:C0123ABCD"}, "pd2chat.routes and alertDestinations are both set"},
		{map[string]any{"routes": "urgency=low -> slack:C0123ABCD"}, `pd2chat.routes the last rule must be "* -> …"`},
		{map[string]any{"routes": "* -> slack:lower"}, `"slack:lower" is not a destination`},
	} {
		set := map[string]any{"buildDir": fakeBuild(t), "reminderDestinations": "slack:C0456ONCALL", "secret": "pd2chat"}
		for k, v := range tc.set {
			set[k] = v
		}
		if _, err := LoadSettings(contextOf(map[string]any{"pd2chat": set})); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: %v, want %q", tc.set, err, tc.want)
		}
	}
	st := synth(t, s)
	_, fn := st.one(t, "AWS::Lambda::Function", "Deliver")
	vars := fn.Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	if vars["ROUTES"] != s.Routes || vars["ALERT_DESTINATIONS"] != nil {
		t.Errorf("deliver's environment: ROUTES %v, ALERT_DESTINATIONS %v", vars["ROUTES"], vars["ALERT_DESTINATIONS"])
	}
	sends := false
	for _, id := range st.ofType("AWS::IAM::Policy") {
		if b, _ := json.Marshal(st.resources[id].Properties); strings.HasPrefix(id, "Deliver") && strings.Contains(string(b), "EnqueueDeliveries") {
			sends = true
		}
	}
	if !sends {
		t.Error("deliver may not send the routed events on (EnqueueDeliveries)")
	}
}

// TestNewChatDestinationsAtSynth: Chatwork, Google Chat and Teams
// destinations pass synth; a malformed one is refused there.
func TestNewChatDestinationsAtSynth(t *testing.T) {
	for item, ok := range map[string]bool{"chatwork:123456": true, "googlechat:oncall": true, "teams:alerts-jp": true,
		"chatwork:abc": false, "teams:a b": false, "googlechat:": false} {
		if validDestination(item) != ok {
			t.Errorf("validDestination(%q) != %v", item, ok)
		}
	}
}
