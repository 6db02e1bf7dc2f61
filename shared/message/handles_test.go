package message

import (
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// handleCases are Slack and Typetalk handles on either side of the rules
// of rotation.ValidSlackUserID and rotation.ValidTypetalkAccount, among
// them the ones the members tab used to let through (田中, "sato h", a
// Slack ID over 32 characters).
var handleCases = []string{
	"", "U", "U1", "U12", "U012AB3CD", "W012AB3CD", "U02UD2WE3HA",
	"U" + strings.Repeat("A", rotation.MaxSlackUserID-1), "U" + strings.Repeat("A", rotation.MaxSlackUserID),
	"u012ab3cd", "X012AB3CD", "U012ab3cd", "U012AB3C>", "UＡＢＣ",
	"sato", "suzuki-h", "s.tanaka", "s_tanaka", "7sato", "田中", "sato h", "-sato", ".sato", "_sato",
	"sato!", "@sato", "ｓａｔｏ", strings.Repeat("a", rotation.MaxTypetalkAccount), strings.Repeat("a", rotation.MaxTypetalkAccount+1),
}

// The alert and the reminder mention a member exactly when rotation's rule
// accepts their handle, and show them by name otherwise: the members tab,
// remind --check and the messages agree.
func TestMentionFollowsRotationRules(t *testing.T) {
	ev := event(incident.Triggered, full(), nil)
	for _, h := range handleCases {
		m := rotation.Member{Name: "Member Name", Slack: h, Typetalk: h}
		for _, c := range []struct {
			d       Dialect
			valid   bool
			mention string
		}{
			{Slack, rotation.ValidSlackUserID(h), "<@" + h + ">"},
			{Typetalk, rotation.ValidTypetalkAccount(h), "@" + h},
		} {
			want := "Member Name"
			if c.valid {
				want = c.mention
			}
			alert := Render(c.d, Input{Event: ev, Tag: "pd1", OnCall: []rotation.Member{m}, Mention: true})
			if !strings.Contains(alert, "\nOn call: "+want+"\n") && !strings.HasSuffix(alert, "\nOn call: "+want) {
				t.Errorf("%v alert, handle %q (valid %v): no %q:\n%s", c.d, h, c.valid, "On call: "+want, alert)
			}
			reminder := RenderReminder(c.d, Reminder{Kind: MorningReminder, Date: rotation.Date{Year: 2026, Month: 11, Day: 20}, From: 10 * time.Hour, Until: 17 * time.Hour, OnCall: []rotation.Member{m}})
			if !strings.Contains(reminder, "\nHi "+want+": ") {
				t.Errorf("%v reminder, handle %q (valid %v): no %q:\n%s", c.d, h, c.valid, "Hi "+want+":", reminder)
			}
		}
	}
}
