package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/config"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/reminder"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
)

// post is one message a fake chat received.
type post struct {
	chat, target, text, token string
}

// fakeChat is the shared fake Slack Web API (package fakeslack) and a
// recording Typetalk API (POST /api/v1/topics/{id}). received is the posts
// of both in the order they arrived; setStatus, when not 200, answers every
// post with that HTTP status (nothing is recorded then); setSlackError,
// when not "", answers Slack's posts with that ok:false error code.
type fakeChat struct {
	slack    *fakeslack.Server
	typetalk *httptest.Server

	mu               sync.Mutex
	posts            []post
	typetalkAttempts int
	typetalkStatus   int
}

func newFakeChat(t *testing.T) *fakeChat {
	f := &fakeChat{slack: fakeslack.New(t)}
	// Members are listed by email only here, and Slack knows none of them
	// (fakeslack's users.lookupByEmail without SetUsers).
	f.slack.SetAfterPost(func(w http.ResponseWriter, r *http.Request) bool {
		f.mu.Lock()
		f.posts = append(f.posts, post{"slack", r.PostForm.Get("channel"), r.PostForm.Get("text"), r.PostForm.Get("token")})
		f.mu.Unlock()
		return false
	})
	f.typetalk = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f.mu.Lock()
		defer f.mu.Unlock()
		f.typetalkAttempts++
		if f.typetalkStatus != 0 && f.typetalkStatus != http.StatusOK {
			http.Error(w, "upstream trouble", f.typetalkStatus)
			return
		}
		if r.Method != http.MethodPost || !strings.HasPrefix(r.URL.Path, "/api/v1/topics/") {
			http.NotFound(w, r)
			return
		}
		f.posts = append(f.posts, post{"typetalk", strings.TrimPrefix(r.URL.Path, "/api/v1/topics/"), r.PostForm.Get("message"), r.Header.Get("X-Typetalk-Token")})
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"topic":{},"post":{}}`)
	}))
	t.Cleanup(f.typetalk.Close)
	return f
}

// setStatus answers every post, Slack's and Typetalk's, with the HTTP
// status code; 0 or 200 ends that.
func (f *fakeChat) setStatus(code int) {
	f.mu.Lock()
	f.typetalkStatus = code
	f.mu.Unlock()
	if code == 0 || code == http.StatusOK {
		f.slack.Answer("chat.postMessage")
		return
	}
	f.slack.Answer("chat.postMessage", fakeslack.Status(code))
}

// setSlackError answers Slack's posts with an ok:false error code; ""
// ends that.
func (f *fakeChat) setSlackError(code string) {
	if code == "" {
		f.slack.Answer("chat.postMessage")
		return
	}
	f.slack.Answer("chat.postMessage", fakeslack.Error(code))
}

// attempts is how many times the chats were asked to post (or anything
// else but Slack's users.lookupByEmail).
func (f *fakeChat) attempts() int {
	n := len(f.slack.Requests()) - len(f.slack.Calls("users.lookupByEmail"))
	f.mu.Lock()
	defer f.mu.Unlock()
	return n + f.typetalkAttempts
}

func (f *fakeChat) received() []post {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]post(nil), f.posts...)
}

// chatEnv is the settings of a run against f: reminders to a Slack
// channel and a Typetalk topic, alerts in another Slack channel.
func chatEnv(f *fakeChat, extra ...string) map[string]string {
	m := map[string]string{
		"ROTATION_SOURCE":       "csv:../../testdata/sheet",
		"REMINDER_DESTINATIONS": "slack:C0ONCALL,typetalk:7",
		"ALERT_DESTINATIONS":    "slack:C0ALERTS",
		"SLACK_BOT_TOKEN":       "xoxb-remind-token",
		"SLACK_API_URL":         f.slack.APIURL(),
		"TYPETALK_TOKEN":        "typetalk-remind-token",
		"TYPETALK_API_URL":      f.typetalk.URL,
		"ONCALL_MANUAL_URL":     "https://wiki.example.com/oncall",
		"STATE_STORE":           "memory",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// noWait retries at once, so tests of failing chats take no time.
var noWait = chat.RetryPolicy{MaxAttempts: 3, Sleep: func(context.Context, time.Duration) error { return nil }}

type cmdResult struct {
	code           int
	stdout, stderr string
}

func runLocal(t *testing.T, vars map[string]string, args ...string) cmdResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := local(context.Background(), args, env{
		getenv: func(k string) string { return vars[k] },
		stdout: &stdout, stderr: &stderr,
		now:   func() time.Time { return time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC) }, // Friday 10:00 JST
		retry: noWait,
	})
	return cmdResult{code, stdout.String(), stderr.String()}
}

func TestLocalDryRunPostsNothing(t *testing.T) {
	fake := newFakeChat(t)
	res := runLocal(t, chatEnv(fake), "--kind", "evening", "--at", "2026-11-20T17:00:00+09:00", "--dry-run")
	if res.code != exitOK {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if fake.attempts() != 0 {
		t.Errorf("a dry run reached the chat %d times", fake.attempts())
	}
	for _, want := range []string{
		"--- dry run: slack:C0ONCALL ---\n:crescent_moon: *On call next working day* — Tuesday 2026-11-24",
		"Hi <@U01ITO00001> Watanabe: ",
		"--- dry run: typetalk:7 ---\n🌙 On call next working day",
		"Hi @ito @watanabe: ",
		"<#C0ALERTS>",
		"https://wiki.example.com/oncall",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, res.stdout)
		}
	}
}

func TestLocalDryRunOnADayOff(t *testing.T) {
	fake := newFakeChat(t)
	res := runLocal(t, chatEnv(fake), "--kind=morning", "--at=2026-11-23T10:00:00+09:00", "--dry-run")
	if res.code != exitOK || !strings.Contains(res.stdout, "nothing would be posted: Monday 2026-11-23 is a holiday: Labor Thanksgiving Day\n") {
		t.Errorf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if fake.attempts() != 0 {
		t.Error("posted on a holiday")
	}
}

func TestLocalPosts(t *testing.T) {
	fake := newFakeChat(t)
	res := runLocal(t, chatEnv(fake), "--kind", "evening", "--at", "2026-11-20T17:00:00+09:00")
	if res.code != exitOK {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	posts := fake.received()
	if len(posts) != 2 {
		t.Fatalf("posts: %+v", posts)
	}
	byChat := map[string]post{}
	for _, p := range posts {
		byChat[p.chat] = p
	}
	slack, typetalk := byChat["slack"], byChat["typetalk"]
	if slack.target != "C0ONCALL" || slack.token != "xoxb-remind-token" || !strings.Contains(slack.text, "Hi <@U01ITO00001> Watanabe: you are on call on Tuesday 2026-11-24") {
		t.Errorf("Slack post %+v", slack)
	}
	if typetalk.target != "7" || typetalk.token != "typetalk-remind-token" || !strings.Contains(typetalk.text, "Hi @ito @watanabe: ") {
		t.Errorf("Typetalk post %+v", typetalk)
	}
	// The same renderer as the golden files.
	want := renderWant(t, fake, message.Slack, reminder.Evening, "2026-11-20T17:00:00+09:00")
	if slack.text != want {
		t.Errorf("Slack text\n got: %q\nwant: %q", slack.text, want)
	}
	if !strings.Contains(res.stdout, `"msg":"reminder"`) || strings.Contains(res.stdout+res.stderr, "remind-token") {
		t.Errorf("log:\n%s%s", res.stdout, res.stderr)
	}
}

// renderWant is what package reminder and message make of the test sheet.
func renderWant(t *testing.T, fake *fakeChat, d message.Dialect, k reminder.Kind, at string) string {
	t.Helper()
	vars := chatEnv(fake)
	a, err := setup(func(k string) string { return vars[k] }, false, io.Discard, slog.New(slog.DiscardHandler), noWait)
	if err != nil {
		t.Fatal(err)
	}
	roster, err := a.run.Rotation.Roster(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	when, _ := time.Parse(time.RFC3339, at)
	cal := a.run.Calendar.With(roster)
	plan := reminder.Plan(cal, roster, k, when)
	return message.RenderReminder(d, plan.Reminder(a.run.Calendar.Hours(), a.run.AlertChannels, a.run.ManualURL, reminder.DefaultChecklist))
}

func TestLocalFailures(t *testing.T) {
	t.Run("500 every time: exit 1", func(t *testing.T) {
		fake := newFakeChat(t)
		fake.setStatus(http.StatusInternalServerError)
		res := runLocal(t, chatEnv(fake), "--kind", "morning", "--at", "2026-11-20T10:00:00+09:00")
		if res.code != exitFailed {
			t.Errorf("exit %d, want %d\n%s%s", res.code, exitFailed, res.stdout, res.stderr)
		}
		if fake.attempts() != 2*noWait.MaxAttempts {
			t.Errorf("%d attempts, want %d (every destination, every retry)", fake.attempts(), 2*noWait.MaxAttempts)
		}
		if !strings.Contains(res.stderr, "morning reminder for 2026-11-20: 2 of 2 destination(s) failed") {
			t.Errorf("stderr: %s", res.stderr)
		}
	})
	t.Run("refused for good: exit 1, no retry", func(t *testing.T) {
		fake := newFakeChat(t)
		fake.setSlackError("channel_not_found")
		res := runLocal(t, chatEnv(fake, "REMINDER_DESTINATIONS", "slack:C0ONCALL"), "--kind", "morning", "--at", "2026-11-20T10:00:00+09:00")
		if res.code != exitFailed || fake.attempts() != 1 || !strings.Contains(res.stderr, "channel_not_found") {
			t.Errorf("exit %d, %d attempts\n%s", res.code, fake.attempts(), res.stderr)
		}
	})
}

// A usage error is one line and a hint, not the whole usage; -h gives the
// usage.
func TestLocalUsage(t *testing.T) {
	fake := newFakeChat(t)
	for _, tc := range []struct {
		args []string
		line string
	}{
		{nil, "--kind morning or --kind evening is required (or --check, or --digest)"},
		{[]string{"--kind", "noon"}, `--kind "noon": want morning, evening or followup`},
		{[]string{"--kind", "x"}, `--kind "x": want morning, evening or followup`},
		{[]string{"--kind", "morning", "--at", "tomorrow"}, `--at "tomorrow" is not a date (2026-11-20) or an RFC 3339 time (2026-11-20T17:00:00+09:00)`},
		{[]string{"--kind", "morning", "--at", "2026-11-31"}, `--at "2026-11-31" is not a date`},
		{[]string{"--kind", "morning", "extra"}, `unexpected argument "extra"`},
		{[]string{"--check", "--kind", "morning"}, "--check takes no --kind or --dry-run"},
		{[]string{"--check", "--dry-run"}, "--check takes no --kind or --dry-run"},
		{[]string{"--check", "--days", "0"}, "--days 0: want a number of days from 1 to 366"},
		{[]string{"--check", "--days", "x"}, `invalid value "x" for flag -days`},
		{[]string{"--kind", "morning", "--days", "3"}, "--days goes with --check"},
		{[]string{"--digest", "--days", "3"}, "--digest takes only --week and --dry-run"},
		{[]string{"--no-such-flag"}, "flag provided but not defined: -no-such-flag"},
	} {
		res := runLocal(t, chatEnv(fake), tc.args...)
		lines := strings.Split(strings.TrimSuffix(res.stderr, "\n"), "\n")
		if res.code != exitUsage || len(lines) != 2 || !strings.HasPrefix(lines[0], "remind: "+tc.line) || lines[1] != "run remind -h for usage" || res.stdout != "" {
			t.Errorf("%q: exit %d, want %d, and one line %q and the hint:\n%s", tc.args, res.code, exitUsage, tc.line, res.stderr)
		}
	}
	if res := runLocal(t, chatEnv(fake), "-h"); res.code != exitOK || !strings.HasPrefix(res.stdout, "usage: remind --kind") ||
		!strings.Contains(res.stdout, "-days int") || res.stderr != "" {
		t.Errorf("-h: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if res := runLocal(t, chatEnv(fake, "REMINDER_DESTINATIONS", "slack:C1", "SLACK_BOT_TOKEN", "", "TIMEZONE", "Mars/Olympus"), "--kind", "morning"); res.code != exitFailed ||
		!strings.Contains(res.stderr, "SLACK_BOT_TOKEN") || !strings.Contains(res.stderr, "TIMEZONE") {
		t.Errorf("broken settings: exit %d\n%s", res.code, res.stderr)
	}
}

func TestLocalDefaultsToNow(t *testing.T) {
	// now = Friday 10:00 JST; the reminder goes to the console by default.
	res := runLocal(t, map[string]string{"ROTATION_SOURCE": "csv:../../testdata/sheet"}, "--kind", "morning", "--dry-run")
	if res.code != exitOK || !strings.Contains(res.stdout, "On call today — Friday 2026-11-20") || !strings.Contains(res.stdout, "Hi @Takahashi @Tanaka:") {
		t.Errorf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

func TestParsePayload(t *testing.T) {
	kind, at, err := parsePayload([]byte(`{"kind":"evening","scheduledTime":"2026-11-20T08:00:00Z","extra":1}`))
	if err != nil || kind != reminder.Evening || !at.Equal(time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("%q %v %v", kind, at, err)
	}
	for _, tc := range []struct{ payload, want string }{
		{`{"scheduledTime":"2026-11-20T08:00:00Z"}`, `field "kind" is missing`},
		{`{"kind":"noon","scheduledTime":"2026-11-20T08:00:00Z"}`, `field "kind": "noon" is not`},
		{`{"kind":7,"scheduledTime":"2026-11-20T08:00:00Z"}`, `payload.kind`},
		{`{"kind":"morning"}`, `field "scheduledTime" is missing`},
		{`{"kind":"morning","scheduledTime":"2026-11-20 10:00"}`, `field "scheduledTime": "2026-11-20 10:00" is not an RFC 3339 time`},
		{`"morning"`, `payload is not`},
		{``, `payload is not`},
	} {
		if _, _, err := parsePayload([]byte(tc.payload)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.payload, err, tc.want)
		}
	}
}

func TestHandle(t *testing.T) {
	fake := newFakeChat(t)
	vars := chatEnv(fake)
	var logs bytes.Buffer
	a, err := setup(func(k string) string { return vars[k] }, true, io.Discard, slog.New(slog.NewJSONHandler(&logs, nil)), noWait)
	if err != nil {
		t.Fatalf("setup in Lambda without PAGERDUTY_WEBHOOK_SECRETS: %v", err)
	}
	ctx := context.Background()

	out, err := a.handle(ctx, json.RawMessage(`{"kind":"morning","scheduledTime":"2026-11-20T01:03:00Z"}`))
	if err != nil || out.Date != "2026-11-20" || out.Posted != 2 {
		t.Fatalf("%+v, %v", out, err)
	}
	if posts := fake.received(); !strings.Contains(posts[0].text, "On call today") {
		t.Errorf("posts %+v", posts)
	}

	// Scheduler retries the same invocation: nothing is posted twice.
	out, err = a.handle(ctx, json.RawMessage(`{"kind":"morning","scheduledTime":"2026-11-20T01:00:00Z"}`))
	if err != nil || out.Posted != 0 || out.AlreadyPosted != 2 || len(fake.received()) != 2 {
		t.Errorf("retried invocation: %+v, %v; want nothing posted again", out, err)
	}

	out, err = a.handle(ctx, json.RawMessage(`{"kind":"evening","scheduledTime":"2026-11-21T08:00:00Z"}`))
	if err != nil || out.Skipped == "" || out.Posted != 0 {
		t.Errorf("Saturday: %+v, %v", out, err)
	}

	if _, err := a.handle(ctx, json.RawMessage(`{"kind":"noon","scheduledTime":"2026-11-20T01:00:00Z"}`)); err == nil || !strings.Contains(err.Error(), `"kind"`) {
		t.Errorf("malformed payload: %v", err)
	}

	fake.setStatus(http.StatusServiceUnavailable)
	out, err = a.handle(ctx, json.RawMessage(`{"kind":"morning","scheduledTime":"2026-11-24T01:00:00Z"}`))
	if temporary, _ := chat.IsTemporary(err); !temporary || out.Temporary != 2 {
		t.Errorf("503: %+v, %v; want a temporary error so the invocation is retried", out, err)
	}

	fake.setStatus(0)
	fake.setSlackError("not_in_channel")
	a.run.Destinations = a.run.Destinations[:1] // Slack only
	out, err = a.handle(ctx, json.RawMessage(`{"kind":"morning","scheduledTime":"2026-11-24T01:00:00Z"}`))
	if err == nil || !strings.Contains(err.Error(), "not_in_channel") || out.Failed != 1 {
		t.Errorf("refused for good: %+v, %v; want an error, so that the invocation fails loudly (retries, then its DLQ alarm)", out, err)
	}
	if !strings.Contains(logs.String(), "not_in_channel") {
		t.Errorf("the refusal is not logged:\n%s", logs.String())
	}
	// The bot is invited: the rerun posts; nothing is "already posted".
	fake.setSlackError("")
	out, err = a.handle(ctx, json.RawMessage(`{"kind":"morning","scheduledTime":"2026-11-24T01:00:00Z"}`))
	if err != nil || out.Posted != 1 || out.AlreadyPosted != 0 {
		t.Errorf("after the fix: %+v, %v; want it posted", out, err)
	}
}

// The roster must be read on each invocation, so that a warm Lambda sees
// today's sheet.
func TestHandleReadsTheSheetEachTime(t *testing.T) {
	dir := t.TempDir()
	write := func(rot string) {
		for name, text := range map[string]string{"rotation.csv": rot, "members.csv": "name,slack\nIto,U01ITO00001\n"} {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	write("date,oncall\n2026-11-20,Ito\n")
	fake := newFakeChat(t)
	vars := chatEnv(fake, "ROTATION_SOURCE", "csv:"+dir, "REMINDER_DESTINATIONS", "slack:C0ONCALL")
	a, err := setup(func(k string) string { return vars[k] }, true, io.Discard, slog.New(slog.DiscardHandler), noWait)
	if err != nil {
		t.Fatal(err)
	}
	payload := json.RawMessage(`{"kind":"morning","scheduledTime":"2026-11-20T01:00:00Z"}`)
	if _, err := a.handle(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	write("date,oncall\n2026-11-20,Ito\n2026-11-24,\n")
	payload = json.RawMessage(`{"kind":"morning","scheduledTime":"2026-11-24T01:00:00Z"}`)
	if _, err := a.handle(context.Background(), payload); err != nil {
		t.Fatal(err)
	}
	posts := fake.received()
	if len(posts) != 2 || !strings.Contains(posts[0].text, "<@U01ITO00001>") || !strings.Contains(posts[1].text, "Nobody is on call today") {
		t.Errorf("posts %+v", posts)
	}
}

// TestChecklist: people without a PagerDuty seat are never asked to sign
// in to PagerDuty; where the Slack app listens they are told how to answer.
func TestChecklist(t *testing.T) {
	app := config.Config{SlackSigningSecret: "s", AlertDestinations: []config.Destination{{Kind: "slack", Target: "C0ALERTS"}},
		SlackAckReactions: []string{"raising_hand"}, SlackResolveReactions: []string{"white_check_mark"}}
	seats := app
	seats.PagerDutySeats = true
	for _, tc := range []struct {
		cfg        config.Config
		pagerduty  bool
		answerHere bool
	}{
		{config.Config{}, false, false},
		{app, false, true},
		{config.Config{SlackSigningSecret: "s"}, false, false}, // no Slack alert channel: nobody can answer
		{seats, true, true},
	} {
		got := strings.Join(checklist(tc.cfg), "\n")
		if strings.Contains(got, "PagerDuty") != tc.pagerduty || strings.Contains(got, "I'm on it") != tc.answerHere {
			t.Errorf("seats %v, app %v: checklist\n%s", tc.cfg.PagerDutySeats, tc.cfg.SlackSigningSecret != "", got)
		}
	}
	if got := strings.Join(checklist(app), "\n"); !strings.Contains(got, ":raising_hand:") {
		t.Errorf("the checklist does not name the configured reaction:\n%s", got)
	}
	if strings.Contains(strings.Join(reminder.DefaultChecklist, ""), "I'm on it") {
		t.Error("checklist(…) changed DefaultChecklist")
	}
}
