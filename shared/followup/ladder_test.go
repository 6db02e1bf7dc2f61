package followup

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/escalation"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// ladderEnv is newEnv with the default escalation ladder, a backup for
// the day and a lead in the members tab.
func ladderEnv(t *testing.T, withBackupAndLead bool) *env {
	t.Helper()
	e := newEnv(t)
	rows := [][]string{{"date", "primary", "secondary", "backup"}, {"2026-11-20", "Takahashi", "Tanaka", "Sato"}}
	members := [][]string{{"name", "slack", "typetalk", "role"}, {"Takahashi", "U01TAKAHASH", "takahashi", ""},
		{"Tanaka", "U01TANAKA01", "tanaka", ""}, {"Sato", "U01SATO0001", "sato", ""}, {"Suzuki", "U01SUZUKI01", "suzuki", "lead"}}
	if !withBackupAndLead {
		rows = [][]string{{"date", "primary", "secondary"}, {"2026-11-20", "Takahashi", "Tanaka"}}
		members = members[:3]
	}
	roster, problems := rotation.Parse(rows, members)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	e.cfg.Rotation = source{roster}
	ladder, err := escalation.Parse("default")
	if err != nil {
		t.Fatal(err)
	}
	e.cfg.Ladder = ladder
	e.cfg.History = e.store
	return e
}

// TestLadder: on a constructed timeline each step is posted once at its
// time, naming its level and mentioning its people, in the thread; then
// the incident is no longer followed.
func TestLadder(t *testing.T) {
	e := ladderEnv(t, true)
	e.trigger(t, "11:15")
	want := []struct {
		at, headline, mention string
	}{
		{"11:25", "Still not acknowledged", "<@U01TAKAHASH> <@U01TANAKA01>"},
		{"11:35", "Escalated to the backups", "<@U01SATO0001>"},
		{"11:45", "Escalated to the lead", "<@U01SUZUKI01>"},
		{"11:55", "Escalated to everyone here", "<!here> <@U01TAKAHASH> <@U01TANAKA01>"},
	}
	for _, hhmm := range []string{"11:20", "11:25", "11:26", "11:34", "11:35", "11:44", "11:45", "11:55", "12:30", "13:00"} {
		e.sweep(t, hhmm)
	}
	posts := e.slack.got()
	if len(posts) != len(want) {
		t.Fatalf("%d steps posted, want %d", len(posts), len(want))
	}
	for i, w := range want {
		p := posts[i]
		if !strings.Contains(p.Text, w.headline) || !strings.Contains(p.Text, "On call: "+w.mention) || p.ThreadTS == "" ||
			!strings.Contains(p.Text, "step "+string(rune('1'+i))+" of 4") {
			t.Errorf("step %d at %s:\n%s", i+1, w.at, p.Text)
		}
	}
	if strings.Contains(e.typetalk.got()[3].Text, "here") && strings.Contains(e.typetalk.got()[3].Text, "<!here>") {
		t.Error("Slack's <!here> on Typetalk")
	}
	if waiting, _ := e.store.Waiting(context.Background()); len(waiting) != 0 {
		t.Errorf("still followed after the last step: %+v", waiting)
	}
	events, err := e.store.Between(context.Background(), e.at(t, "11:00"), e.at(t, "13:00"))
	if err != nil {
		t.Fatal(err)
	}
	var levels []string
	for _, ev := range events {
		if ev.Kind == incident.LadderStep {
			levels = append(levels, ev.Agent)
		}
	}
	if strings.Join(levels, ",") != "pair,backup,lead,here" {
		t.Errorf("history of the steps: %v", levels)
	}
}

// TestLadderStopsAtAResponse: "I'm on it" after the backup step: no
// lead, no @here.
func TestLadderStopsAtAResponse(t *testing.T) {
	e := ladderEnv(t, true)
	e.trigger(t, "11:15")
	e.sweep(t, "11:25")
	e.sweep(t, "11:35")
	taken := incident.Event{ID: "ev2", Kind: incident.Taken, OccurredAt: e.at(t, "11:37"), Agent: "Sato",
		Incident: incident.Incident{ID: "Q1ABCDEF", Number: 1234}}
	if _, err := e.store.Record(context.Background(), taken); err != nil {
		t.Fatal(err)
	}
	e.sweep(t, "11:45")
	e.sweep(t, "11:55")
	if n := len(e.slack.got()); n != 2 {
		t.Errorf("%d steps, want 2 (then the response)", n)
	}
}

// TestLadderOutsideHours: a step due after 17:00 is not posted, nor the
// next morning.
func TestLadderOutsideHours(t *testing.T) {
	e := ladderEnv(t, true)
	e.trigger(t, "16:40")
	e.sweep(t, "16:50") // pair@10m
	e.sweep(t, "17:00") // backup@20m: business hours are over
	e.sweep(t, "17:10")
	if n := len(e.slack.got()); n != 1 {
		t.Errorf("%d steps, want 1 (inside business hours)", n)
	}
}

// TestLadderMissingLevels: without backups or leads in the sheet, those
// steps ask the pair again and say what is missing.
func TestLadderMissingLevels(t *testing.T) {
	e := ladderEnv(t, false)
	e.trigger(t, "11:15")
	for _, hhmm := range []string{"11:25", "11:35", "11:45"} {
		e.sweep(t, hhmm)
	}
	posts := e.slack.got()
	if len(posts) != 3 || !strings.Contains(posts[1].Text, "no backup today") || !strings.Contains(posts[2].Text, "no lead") ||
		!strings.Contains(posts[2].Text, "<@U01TAKAHASH>") {
		t.Errorf("%+v", posts)
	}
}

// TestLadderConcurrentSweeps: sweeps at once post each step once.
func TestLadderConcurrentSweeps(t *testing.T) {
	e := ladderEnv(t, true)
	e.trigger(t, "11:15")
	for _, hhmm := range []string{"11:25", "11:35"} {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { _, _ = Sweep(context.Background(), e.cfg, e.at(t, hhmm)) })
		}
		wg.Wait()
	}
	if n := len(e.slack.got()); n != 2 {
		t.Errorf("%d Slack posts, want 2", n)
	}
}

// TestLadderNotTheNextMorning: an incident triggered at 16:55 and never
// answered is not followed up the next working day (the morning reminder
// lists it as still open): no burst of every step at 10:00.
func TestLadderNotTheNextMorning(t *testing.T) {
	e := ladderEnv(t, true)
	e.trigger(t, "16:55")
	next := func(hhmm string) time.Time {
		at, _ := time.ParseInLocation("2006-01-02 15:04", "2026-11-24 "+hhmm, e.tokyo)
		return at
	}
	for _, hhmm := range []string{"10:00", "10:01", "10:02", "10:03", "10:30"} {
		if _, err := Sweep(context.Background(), e.cfg, next(hhmm)); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(e.slack.got()); n != 0 {
		t.Errorf("%d follow-ups the next morning", n)
	}
	if waiting, _ := e.store.Waiting(context.Background()); len(waiting) != 0 {
		t.Errorf("still followed: %+v", waiting)
	}
}

// TestLadderHereIsBroadcast: the step that mentions everyone is also sent
// to the channel (a thread reply alone notifies the thread's followers).
func TestLadderHereIsBroadcast(t *testing.T) {
	e := ladderEnv(t, true)
	e.trigger(t, "11:15")
	for _, hhmm := range []string{"11:25", "11:35", "11:45", "11:55"} {
		e.sweep(t, hhmm)
	}
	posts := e.slack.got()
	if len(posts) != 4 || posts[2].Broadcast || !posts[3].Broadcast || posts[3].ThreadTS == "" {
		t.Errorf("broadcast: %+v", posts)
	}
}
