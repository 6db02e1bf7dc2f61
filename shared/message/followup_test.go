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
