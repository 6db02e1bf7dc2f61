package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/config"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/testkit/testserver"
	"github.com/pd2chat/pd2chat/shared/wiring"
)

// waitingIncident wires the remind function in Lambda mode against a fake
// chat, with incident Q1ABCDEF (#1234) triggered on Friday 11:15 JST and
// waiting for an acknowledgement.
func waitingIncident(t *testing.T) (*fakeChat, *app) {
	t.Helper()
	fake := newFakeChat(t)
	vars := chatEnv(fake)
	a, err := setup(func(k string) string { return vars[k] }, true, io.Discard, slog.New(slog.DiscardHandler), noWait)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	triggered := time.Date(2026, 11, 20, 2, 15, 0, 0, time.UTC) // Friday 11:15 JST
	store := a.follow.Store
	if _, err := store.Record(ctx, incident.Event{ID: "ev1", Kind: incident.Triggered, OccurredAt: triggered,
		Incident: incident.Incident{ID: "Q1ABCDEF", Number: 1234, Title: "checkout-api: 5xx"}}); err != nil {
		t.Fatal(err)
	}
	if err := store.Await(ctx, state.Pending{IncidentID: "Q1ABCDEF", Number: 1234, TriggeredAt: triggered}); err != nil {
		t.Fatal(err)
	}
	return fake, a
}

func TestHandleFollowup(t *testing.T) {
	fake, a := waitingIncident(t)
	ctx := context.Background()
	for _, at := range []string{"2026-11-20T02:20:00Z", "2026-11-20T02:25:00Z", "2026-11-20T02:25:00Z"} {
		out, err := a.handle(ctx, json.RawMessage(`{"kind":"followup","scheduledTime":"`+at+`"}`))
		if err != nil {
			t.Fatalf("%s: %+v %v", at, out, err)
		}
	}
	posts := fake.received()
	if len(posts) != 1 || posts[0].target != "C0ALERTS" || !strings.Contains(posts[0].text, "Still not acknowledged") ||
		!strings.Contains(posts[0].text, "<@U01TAKAHASH>") {
		t.Errorf("want one follow-up in the alert channel mentioning the on-call pair, got %+v", posts)
	}
}

// TestFollowupRefusedIsLoud: a follow-up Slack refuses for good
// (invalid_auth) fails the invocation and is not counted as sent: the
// sweep after the fix posts it.
func TestFollowupRefusedIsLoud(t *testing.T) {
	fake, a := waitingIncident(t)
	ctx := context.Background()
	fake.setSlackError("invalid_auth")
	if out, err := a.handle(ctx, json.RawMessage(`{"kind":"followup","scheduledTime":"2026-11-20T02:25:00Z"}`)); err == nil || !strings.Contains(err.Error(), "invalid_auth") {
		t.Errorf("refused for good: %+v, %v; want an error", out, err)
	}
	fake.setSlackError("")
	if out, err := a.handle(ctx, json.RawMessage(`{"kind":"followup","scheduledTime":"2026-11-20T02:26:00Z"}`)); err != nil || len(fake.received()) != 1 {
		t.Errorf("after the fix: %+v, %v, posts %+v; want the follow-up posted", out, err, fake.received())
	}
}

// TestLocalFollowup: remind --kind followup --at T sweeps once against
// STATE_STORE, as the Scheduler's invocation does; --dry-run prints and
// records nothing.
func TestLocalFollowup(t *testing.T) {
	fake := newFakeChat(t)
	// The AWS SDK reads its region and credentials from the process.
	t.Setenv("AWS_REGION", "ap-northeast-1")
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	vars := chatEnv(fake, "STATE_STORE", "dynamodb:remind-followup", "DYNAMODB_ENDPOINT", testserver.Dynalite(t))
	ctx := context.Background()
	cfg, err := config.Load(func(k string) string { return vars[k] }, false)
	if err != nil {
		t.Fatal(err)
	}
	if err := wiring.CreateTable(ctx, cfg); err != nil {
		t.Fatal(err)
	}
	store, err := wiring.State(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	triggered := time.Date(2026, 11, 20, 2, 15, 0, 0, time.UTC) // Friday 11:15 JST
	if _, err := store.Record(ctx, incident.Event{ID: "ev1", Kind: incident.Triggered, OccurredAt: triggered,
		Incident: incident.Incident{ID: "Q1ABCDEF", Number: 1234, Title: "checkout-api: 5xx"}}); err != nil {
		t.Fatal(err)
	}
	if err := store.Await(ctx, state.Pending{IncidentID: "Q1ABCDEF", Number: 1234, TriggeredAt: triggered}); err != nil {
		t.Fatal(err)
	}

	res := runLocal(t, vars, "--kind", "followup", "--at", "2026-11-20T11:25:00+09:00", "--dry-run")
	if res.code != exitOK || !strings.Contains(res.stdout, "--- dry run: slack:C0ALERTS ---") || !strings.Contains(res.stdout, "Still not acknowledged") || fake.attempts() != 0 {
		t.Fatalf("dry run: exit %d, %d chat calls\n%s%s", res.code, fake.attempts(), res.stdout, res.stderr)
	}
	for i, want := range []string{"1 posted", "0 posted"} { // the second sweep at the same time: mentioned already
		res = runLocal(t, vars, "--kind", "followup", "--at", "2026-11-20T11:25:00+09:00")
		if res.code != exitOK || !strings.Contains(res.stdout, want) {
			t.Fatalf("sweep %d: exit %d\n%s%s", i+1, res.code, res.stdout, res.stderr)
		}
	}
	if posts := fake.received(); len(posts) != 1 || posts[0].target != "C0ALERTS" {
		t.Errorf("posts %+v, want one follow-up in the alert channel", posts)
	}
}
