package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestPresenceSchedule: the 10:00 reminder gives the on-call group and the
// topic today's pair; a change of the sheet reaches them by the next
// minute's sweep (with follow-ups off too); 17:00 hands the group to the
// off-hours group; a group Slack does not know fails the invocation.
func TestPresenceSchedule(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"rotation.csv", "members.csv"} {
		b, err := os.ReadFile(filepath.Join("../../testdata/sheet", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fake := newFakeChat(t)
	fake.slack.SetGroup("S0ONCALL", "U0OLD00001")
	fake.slack.SetGroup("S0SRE", "U0SRE00001")
	vars := chatEnv(fake, "ROTATION_SOURCE", "csv:"+dir, "SLACK_ONCALL_USERGROUP", "S0ONCALL",
		"SLACK_ONCALL_USERGROUP_OFF_HOURS", "S0SRE", "SLACK_TOPIC_CHANNELS", "C0ALERTS", "ACK_REMINDER_MAX", "0")
	a, err := setup(func(k string) string { return vars[k] }, true, io.Discard, slog.New(slog.DiscardHandler), noWait)
	if err != nil {
		t.Fatal(err)
	}
	invoke := func(kind, at string) error {
		_, err := a.handle(context.Background(), json.RawMessage(`{"kind":"`+kind+`","scheduledTime":"`+at+`"}`))
		return err
	}
	if err := invoke("morning", "2026-11-20T01:00:00Z"); err != nil { // Friday 10:00 JST: Takahashi, Tanaka
		t.Fatal(err)
	}
	if got := fake.slack.Group("S0ONCALL"); !slices.Equal(got, []string{"U01TAKAHASH", "U01TANAKA01"}) {
		t.Errorf("10:00: group %v", got)
	}
	if got := fake.slack.Topic("C0ALERTS"); got != "On call: <@U01TAKAHASH> <@U01TANAKA01> (until 17:00)" {
		t.Errorf("10:00: topic %q", got)
	}

	// Someone swaps Tanaka for Sato in the sheet at 11:00.
	rot, _ := os.ReadFile(filepath.Join(dir, "rotation.csv"))
	swapped := strings.Replace(string(rot), "2026-11-20,Takahashi,Tanaka", "2026-11-20,Takahashi,Sato", 1)
	if err := os.WriteFile(filepath.Join(dir, "rotation.csv"), []byte(swapped), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := invoke("followup", "2026-11-20T02:01:00Z"); err != nil {
		t.Fatal(err)
	}
	if got := fake.slack.Group("S0ONCALL"); !slices.Equal(got, []string{"U01TAKAHASH", "U01SATO0001"}) {
		t.Errorf("after the swap: group %v", got)
	}

	if err := invoke("evening", "2026-11-20T08:00:00Z"); err != nil { // 17:00
		t.Fatal(err)
	}
	if got := fake.slack.Group("S0ONCALL"); !slices.Equal(got, []string{"U0SRE00001"}) {
		t.Errorf("17:00: group %v", got)
	}

	vars["SLACK_ONCALL_USERGROUP"], vars["SLACK_ONCALL_USERGROUP_OFF_HOURS"] = "S0GONE", ""
	if a, err = setup(func(k string) string { return vars[k] }, true, io.Discard, slog.New(slog.DiscardHandler), noWait); err != nil {
		t.Fatal(err)
	}
	if err := invoke("followup", "2026-11-20T02:02:00Z"); err == nil || !strings.Contains(err.Error(), "no_such_subteam") {
		t.Errorf("a group Slack does not know: %v", err)
	}
}

// TestPresenceDryRun: --dry-run reads the group and the topics and prints
// what it would change, changing nothing; without it, a local morning run
// sets them as the scheduled one does.
func TestPresenceDryRun(t *testing.T) {
	fake := newFakeChat(t)
	fake.slack.SetGroup("S0ONCALL", "U0OLD00001")
	vars := chatEnv(fake, "SLACK_ONCALL_USERGROUP", "S0ONCALL", "SLACK_TOPIC_CHANNELS", "C0ALERTS")
	for _, kind := range []string{"followup", "morning"} {
		res := runLocal(t, vars, "--kind", kind, "--at", "2026-11-20T11:00:00+09:00", "--dry-run")
		if res.code != exitOK || !strings.Contains(res.stdout, "Slack user group S0ONCALL would be set to U01TAKAHASH U01TANAKA01") ||
			!strings.Contains(res.stdout, `the topic of Slack channel C0ALERTS would be "On call: <@U01TAKAHASH> <@U01TANAKA01> (until 17:00)"`) {
			t.Errorf("--kind %s --dry-run: exit %d\n%s%s", kind, res.code, res.stdout, res.stderr)
		}
	}
	if n := len(fake.slack.Calls("usergroups.users.update")) + len(fake.slack.Calls("conversations.setTopic")); n != 0 {
		t.Errorf("--dry-run changed Slack %d times", n)
	}
	if res := runLocal(t, vars, "--kind", "morning", "--at", "2026-11-20"); res.code != exitOK || !slices.Equal(fake.slack.Group("S0ONCALL"), []string{"U01TAKAHASH", "U01TANAKA01"}) {
		t.Errorf("a local morning run: exit %d, group %v\n%s", res.code, fake.slack.Group("S0ONCALL"), res.stderr)
	}
}

// TestCheckPresence: make oncall reads the on-call group and the topic
// channels, and fails on a group Slack does not know.
func TestCheckPresence(t *testing.T) {
	fake := newFakeChat(t)
	fake.slack.SetGroup("S0ONCALL", "U0OLD00001")
	vars := chatEnv(fake, "SLACK_ONCALL_USERGROUP", "S0ONCALL", "SLACK_TOPIC_CHANNELS", "C0ALERTS")
	res := runLocal(t, vars, "--check", "--at", "2026-11-20")
	if !strings.Contains(res.stdout, "slack usergroup S0ONCALL ok") || !strings.Contains(res.stdout, "slack topic C0ALERTS") {
		t.Errorf("exit %d\n%s", res.code, res.stdout)
	}
	vars["SLACK_ONCALL_USERGROUP"] = "S0MISSING"
	if res := runLocal(t, vars, "--check", "--at", "2026-11-20"); res.code == exitOK || !strings.Contains(res.stdout, "no_such_subteam") {
		t.Errorf("a missing group: exit %d\n%s", res.code, res.stdout)
	}
}
