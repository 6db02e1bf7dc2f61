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
