package message

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

func TestFollowupGolden(t *testing.T) {
	f := Followup{
		Incident: incident.Incident{ID: "Q1ABCDEF", Number: 1234, Title: "checkout-api: 5xx <!channel> @all #prod",
			URL: "https://acme.pagerduty.com/incidents/Q1ABCDEF"},
		Tag:     "pd1234",
		OnCall:  []rotation.Member{{Name: "Takahashi", Slack: "U01TAKAHASH", Typetalk: "takahashi"}, {Name: "Watanabe", Typetalk: "watanabe"}},
		N:       1,
		Max:     2,
		Waiting: 10 * time.Minute,
	}
	for _, d := range dialects {
		t.Run(d.String(), func(t *testing.T) {
			got := RenderFollowup(d, f)
			checkGolden(t, filepath.Join("testdata", "followup", "first."+d.String()+".golden"), got)
			if d == Slack && (strings.Contains(got, "<!channel>") || !strings.Contains(got, "<@U01TAKAHASH>")) {
				t.Errorf("Slack text:\n%s", got)
			}
		})
	}
	// Where people answer in chat, the follow-up asks for that, never for a
	// PagerDuty acknowledgement they cannot make.
	f.AckReaction = "eyes"
	got := RenderFollowup(Slack, f)
	checkGolden(t, filepath.Join("testdata", "followup", "in_chat.slack.golden"), got)
	if strings.Contains(got, "PagerDuty") || !strings.Contains(got, "I'm on it") {
		t.Errorf("in-chat follow-up:\n%s", got)
	}
}

// TestEscalationGolden: each step of the escalation ladder says whom it
// escalates to and mentions them; "here" adds the chat's mention of the
// whole channel (Slack's <!here>, none on Typetalk); a level the sheet
// lacks says so while the pair is asked again.
func TestEscalationGolden(t *testing.T) {
	backups := []rotation.Member{{Name: "Sato", Slack: "U01SATO0001", Typetalk: "sato"}}
	pair := []rotation.Member{{Name: "Takahashi", Slack: "U01TAKAHASH", Typetalk: "takahashi"}, {Name: "Watanabe", Typetalk: "watanabe"}}
	for _, c := range []struct {
		name    string
		level   string
		n       int
		onCall  []rotation.Member
		missing bool
	}{
		{"backup", "backup", 2, backups, false},
		{"lead_missing", "lead", 3, pair, true},
		{"here", "here", 4, pair, false},
	} {
		f := Followup{
			Incident:    incident.Incident{ID: "Q1ABCDEF", Number: 1234, Title: "checkout-api: 5xx", URL: "https://acme.pagerduty.com/incidents/Q1ABCDEF"},
			Tag:         "pd1234",
			OnCall:      c.onCall,
			N:           c.n,
			Max:         4,
			Waiting:     time.Duration(c.n) * 10 * time.Minute,
			AckReaction: "eyes",
			Level:       c.level,
			Missing:     c.missing,
		}
		for _, d := range dialects {
			got := RenderFollowup(d, f)
			checkGolden(t, filepath.Join("testdata", "escalation", c.name+"."+d.String()+".golden"), got)
			if d.Chat() == Slack && strings.Contains(got, "<!here>") != (c.level == "here") {
				t.Errorf("%s %v: <!here> wrongly present or missing:\n%s", c.name, d, got)
			}
		}
	}
}
