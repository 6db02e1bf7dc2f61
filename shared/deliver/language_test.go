package deliver_test

import (
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/message"
)

// TestJapanese: a destination whose dialect is in Japanese (LANGUAGE=ja)
// gets the alert, its buttons and the reason nobody is mentioned in
// Japanese; the log keeps English.
func TestJapanese(t *testing.T) {
	r := newRig(t, func(c *deliver.Config) {
		c.Interactive = true
		c.Destinations[0].Dialect = message.Slack.In(locale.Japanese)
	})
	staffed := event("E1", incident.Triggered, "Q1", 0)
	noRow := event("E2", incident.Triggered, "Q22", 0)
	noRow.Event.OccurredAt = time.Date(2027, 2, 1, 2, 0, 0, 0, time.UTC) // Monday 11:00 JST, after the sheet's last row
	r.send(t, staffed, noRow)
	r.run(t, 1)
	posts := r.slack.Posts()
	if len(posts) != 2 {
		t.Fatalf("%d posts", len(posts))
	}
	// Two incidents: the queue keeps each one's order, not the order
	// between them.
	if strings.Contains(posts[0].Text, "Q22") {
		posts[0], posts[1] = posts[1], posts[0]
	}
	for _, want := range []string{":rotating_light: *発生* — #1002 checkout-api: 5xx on Q1", "サービス: checkout-api", "当番: <@"} {
		if !strings.Contains(posts[0].Text, want) {
			t.Errorf("the alert lacks %q:\n%s", want, posts[0].Text)
		}
	}
	if !strings.Contains(posts[0].Blocks, `"text":"対応します"`) || !strings.Contains(posts[0].Blocks, `"text":"解決"`) {
		t.Errorf("buttons not in Japanese: %s", posts[0].Blocks)
	}
	if want := "_メンションなし: ローテーションシートに2月1日(月)の当番がいません（その日の行がありません）。_"; !strings.Contains(posts[1].Text, want) {
		t.Errorf("the notice is not %q:\n%s", want, posts[1].Text)
	}
	if !strings.Contains(r.logs.String(), "the rotation sheet has nobody on call for Mon 2027-02-01 (no row covers it).") {
		t.Errorf("the log is not in English:\n%s", r.logs.String())
	}
}

// TestMentionOnlyThisTeam: an escalation or a responder request mentions
// the people on call only when it names the team of the sheet (a member,
// or an escalation policy); one to SRE people who are not members is
// read in the thread without a ping.
func TestMentionOnlyThisTeam(t *testing.T) {
	r := newRig(t, func(c *deliver.Config) { c.MentionOn = incident.DefaultMentionOn })
	jobs := []deliver.Job{event("T1", incident.Triggered, "Q1", 0)}
	add := func(id string, kind incident.Kind, min int, set func(*incident.Event)) {
		j := event(id, kind, "Q1", min)
		set(j.Event)
		jobs = append(jobs, j)
	}
	add("E1", incident.Escalated, 1, func(e *incident.Event) { e.Assignees = []string{"Bob SRE"} })
	add("E2", incident.Escalated, 2, func(e *incident.Event) { e.Assignees = []string{"Bob SRE", "Hanako Suzuki"} })
	add("R1", incident.ResponderAdded, 3, func(e *incident.Event) { e.Responder = "Jiro Yamada" })
	add("R2", incident.ResponderAdded, 4, func(e *incident.Event) { e.Responder = "Backend team"; e.ResponderPolicy = true })
	add("R3", incident.ResponderAdded, 5, func(e *incident.Event) { e.Responder = "Ken Sato" })
	r.send(t, jobs...)
	r.run(t, 1)
	mentioned := map[string]bool{}
	for _, p := range r.slack.Posts() {
		key, _, _ := strings.Cut(p.Key, "/")
		mentioned[key] = strings.Contains(p.Text, "<@U01TAKAHASH>")
	}
	for key, want := range map[string]bool{"T1": true, "E1": false, "E2": true, "R1": false, "R2": true, "R3": true} {
		if got, ok := mentioned[key]; !ok || got != want {
			t.Errorf("%s: mentioned %v (posted %v), want %v", key, got, ok, want)
		}
	}
}
