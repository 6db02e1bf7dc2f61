package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/reminder"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/memory"
)

// weekHistory is a history with two incidents in the week of Monday 16
// November 2026 (Tokyo) and one in the week before.
func weekHistory(t *testing.T) *memory.Store {
	t.Helper()
	jst := time.FixedZone("JST", 9*3600)
	at := func(day, hour, minute int) time.Time { return time.Date(2026, 11, day, hour, minute, 0, 0, jst) }
	m := memory.New()
	m.Now = func() time.Time { return at(24, 10, 0) }
	for _, e := range []state.HistoryEvent{
		{EventID: "e1", IncidentID: "P1", Kind: incident.Triggered, At: at(17, 11, 0), ServiceID: "PDB", Service: "db", Urgency: "high", Fingerprint: "fp-disk", Title: "Disk full", OnCall: []string{"Tanaka", "Ito"}, WorkingTime: true},
		{EventID: "e2", IncidentID: "P1", Kind: incident.Acknowledged, At: at(17, 11, 2), Agent: "Ito", WorkingTime: true},
		{EventID: "e3", IncidentID: "P1", Kind: incident.Resolved, At: at(17, 12, 0), Agent: "Ito", WorkingTime: true},
		{EventID: "e4", IncidentID: "P2", Kind: incident.Triggered, At: at(21, 3, 0), ServiceID: "PAPI", Service: "api", Urgency: "low", Fingerprint: "fp-cert", Title: "Certificate expires"},
		{EventID: "e5", IncidentID: "P0", Kind: incident.Triggered, At: at(12, 12, 0), ServiceID: "PDB", Service: "db", Urgency: "high", OnCall: []string{"Takahashi"}, WorkingTime: true},
	} {
		if err := m.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

// runDigest runs the local command with history h; now is Friday 20
// November 2026, 10:00 in Tokyo.
func runDigest(t *testing.T, vars map[string]string, h state.History, args ...string) cmdResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := local(context.Background(), args, env{
		getenv: func(k string) string { return vars[k] },
		stdout: &stdout, stderr: &stderr,
		now:     func() time.Time { return time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC) },
		retry:   noWait,
		history: h,
	})
	return cmdResult{code, stdout.String(), stderr.String()}
}

func TestLocalDigestDryRun(t *testing.T) {
	fake := newFakeChat(t)
	res := runDigest(t, chatEnv(fake), weekHistory(t), "--digest", "--week", "2026-11-16", "--dry-run")
	if res.code != exitOK {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	if fake.attempts() != 0 {
		t.Errorf("a dry run reached the chat %d times", fake.attempts())
	}
	for _, want := range []string{
		"--- dry run: slack:C0ONCALL ---\n:bar_chart: *Weekly on-call digest* — Monday 2026-11-16 to Sunday 2026-11-22\n*2 incidents*: 1 high urgency, 1 low · 1 in business hours, 1 outside\n",
		"--- dry run: typetalk:7 ---\n📊 Weekly on-call digest — Monday 2026-11-16 to Sunday 2026-11-22\n",
		"Time to first response: median 2m, p90 2m (1 responded: 0 in chat, 1 in PagerDuty; 1 never)",
		"- Ito: 1 incident on shift, responded to 1\n",
		"- Disk full (db): 1 incident",
		`"msg":"digest"`,
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, res.stdout)
		}
	}
}

// A dry run records nothing: the real run after it still posts.
func TestLocalDigestDryRunRecordsNothing(t *testing.T) {
	fake := newFakeChat(t)
	vars := chatEnv(fake)
	ledger := memory.New()
	newApp := func() *app {
		a, err := setup(func(k string) string { return vars[k] }, false, io.Discard, slog.New(slog.DiscardHandler), noWait)
		if err != nil {
			t.Fatal(err)
		}
		a.history, a.run.State = weekHistory(t), ledger
		return a
	}
	now := time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC)
	var stderr bytes.Buffer
	if code := newApp().localDigest(context.Background(), now, parseMonday(t, "2026-11-16"), true, io.Discard, &stderr); code != exitOK {
		t.Fatalf("dry run: exit %d: %s", code, stderr.String())
	}
	if code := newApp().localDigest(context.Background(), now, parseMonday(t, "2026-11-16"), false, io.Discard, &stderr); code != exitOK {
		t.Fatalf("real run: exit %d: %s", code, stderr.String())
	}
	if posts := fake.received(); len(posts) != 2 {
		t.Errorf("%d posts after a dry run, want 2", len(posts))
	}
}

func parseMonday(t *testing.T, s string) rotation.Date {
	t.Helper()
	d, err := parseWeek(s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestLocalDigestPosts(t *testing.T) {
	fake := newFakeChat(t)
	// No --week: the week before now's (Friday 20 November): 9 November.
	res := runDigest(t, chatEnv(fake), weekHistory(t), "--digest")
	if res.code != exitOK {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	posts := fake.received()
	if len(posts) != 2 {
		t.Fatalf("posts %+v", posts)
	}
	for _, p := range posts {
		if !strings.Contains(p.text, "Monday 2026-11-09 to Sunday 2026-11-15") || !strings.Contains(p.text, "1 incident") {
			t.Errorf("%s post:\n%s", p.chat, p.text)
		}
	}
	if !strings.Contains(res.stdout, `"week":"2026-11-09"`) {
		t.Errorf("log:\n%s", res.stdout)
	}

	fake.setStatus(http.StatusInternalServerError)
	res = runDigest(t, chatEnv(fake), weekHistory(t), "--digest", "--week", "2026-11-16")
	if res.code != exitFailed || !strings.Contains(res.stderr, "digest of the week of 2026-11-16: 2 of 2 destination(s) failed") {
		t.Errorf("500: exit %d\n%s", res.code, res.stderr)
	}
}

func TestLocalDigestUsage(t *testing.T) {
	fake := newFakeChat(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--week", "2026-11-16"}, "--week goes with --digest"},
		{[]string{"--week", "2026-11-16", "--kind", "morning"}, "--week goes with --digest"},
		{[]string{"--digest", "--kind", "morning"}, "--digest takes only --week and --dry-run"},
		{[]string{"--digest", "--check"}, "--digest takes only"},
		{[]string{"--digest", "--at", "2026-11-16T10:00:00+09:00"}, "--digest takes only"},
		{[]string{"--digest", "--week", "2026-11-17"}, "--week 2026-11-17 is a Tuesday: give the Monday that starts the week"},
		{[]string{"--digest", "--week", "last"}, `--week "last" is not a date`},
	} {
		res := runDigest(t, chatEnv(fake), weekHistory(t), tc.args...)
		if res.code != exitUsage || !strings.Contains(res.stderr, tc.want) || !strings.HasSuffix(res.stderr, "\nrun remind -h for usage\n") {
			t.Errorf("%q: exit %d, want %d and %q\n%s", tc.args, res.code, exitUsage, tc.want, res.stderr)
		}
	}
}

func TestParseDigestPayload(t *testing.T) {
	kind, at, err := parsePayload([]byte(`{"kind":"digest","scheduledTime":"2026-11-16T01:00:00Z"}`))
	if err != nil || kind != reminder.Digest || !at.Equal(time.Date(2026, 11, 16, 1, 0, 0, 0, time.UTC)) {
		t.Errorf("%q %v %v", kind, at, err)
	}
	if _, _, err := parsePayload([]byte(`{"kind":"weekly","scheduledTime":"2026-11-16T01:00:00Z"}`)); err == nil ||
		!strings.Contains(err.Error(), `"weekly" is not "morning", "evening", "digest" or "followup"`) {
		t.Errorf("unknown kind: %v", err)
	}
}

// TestHandleDigest is the Lambda handler with digest payloads, posting to a
// recording fake Slack and Typetalk.
func TestHandleDigest(t *testing.T) {
	fake := newFakeChat(t)
	vars := chatEnv(fake)
	var logs bytes.Buffer
	a, err := setup(func(k string) string { return vars[k] }, true, io.Discard, slog.New(slog.NewJSONHandler(&logs, nil)), noWait)
	if err != nil {
		t.Fatal(err)
	}
	if a.history == nil {
		t.Fatal("the memory store has no history")
	}
	a.history = weekHistory(t)
	ctx := context.Background()
	invoke := func(payload string) (response, error) {
		t.Helper()
		return a.handle(ctx, json.RawMessage(payload))
	}

	// Monday 23 November is Labor Thanksgiving Day: nothing.
	out, err := invoke(`{"kind":"digest","scheduledTime":"2026-11-23T01:00:00Z"}`)
	if err != nil || !strings.Contains(out.Skipped, "Labor Thanksgiving Day") || out.Posted != 0 || out.Week != "2026-11-16" {
		t.Errorf("Monday holiday: %+v, %v", out, err)
	}
	// Tuesday 24: the first working day; the week of 16 November.
	out, err = invoke(`{"kind":"digest","scheduledTime":"2026-11-24T01:00:00Z"}`)
	if err != nil || out.Kind != "digest" || out.At != "2026-11-24T01:00:00Z" || out.Week != "2026-11-16" || out.Posted != 2 || out.Skipped != "" {
		t.Fatalf("Tuesday: %+v, %v", out, err)
	}
	posts := fake.received()
	if len(posts) != 2 {
		t.Fatalf("posts %+v", posts)
	}
	for _, p := range posts {
		if !strings.Contains(p.text, "Weekly on-call digest") || !strings.Contains(p.text, "Monday 2026-11-16 to Sunday 2026-11-22") || !strings.Contains(p.text, "2 incidents") {
			t.Errorf("%s post:\n%s", p.chat, p.text)
		}
	}
	// Scheduler retries the invocation: nothing is posted twice.
	out, err = invoke(`{"kind":"digest","scheduledTime":"2026-11-24T01:00:00Z"}`)
	if err != nil || out.Posted != 0 || out.AlreadyPosted != 2 || len(fake.received()) != 2 {
		t.Errorf("retried: %+v, %v", out, err)
	}
	// Wednesday: not the first working day.
	out, err = invoke(`{"kind":"digest","scheduledTime":"2026-11-25T01:00:00Z"}`)
	if err != nil || !strings.Contains(out.Skipped, "Tuesday 2026-11-24 was") || out.Posted != 0 {
		t.Errorf("Wednesday: %+v, %v", out, err)
	}

	// The chat fails: a temporary error, so that the invocation is retried.
	fake.setStatus(http.StatusServiceUnavailable)
	out, err = invoke(`{"kind":"digest","scheduledTime":"2026-11-30T01:00:00Z"}`)
	if temporary, _ := chat.IsTemporary(err); !temporary || out.Temporary != 2 || out.Week != "2026-11-23" {
		t.Errorf("503: %+v, %v", out, err)
	}
	if !strings.Contains(logs.String(), `"msg":"digest"`) || strings.Contains(logs.String(), "remind-token") {
		t.Errorf("logs:\n%s", logs.String())
	}
}
