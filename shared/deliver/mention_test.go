package deliver_test

import (
	"strings"
	"testing"

	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/incident"
)

// TestMentionPolicy: inside business hours the people on call are
// mentioned on the events that need someone, and not on the replies that
// only tell the story (MENTION_ON overrides the list).
func TestMentionPolicy(t *testing.T) {
	kinds := []incident.Kind{incident.Triggered, incident.Acknowledged, incident.Annotated, incident.Escalated,
		incident.Unacknowledged, incident.PriorityUpdated, incident.Reopened, incident.Resolved, incident.ResponderAdded}
	for _, tc := range []struct {
		name      string
		mentionOn []incident.Kind
		want      map[incident.Kind]bool
	}{
		{"default", nil, map[incident.Kind]bool{incident.Triggered: true, incident.Escalated: true, incident.Unacknowledged: true,
			incident.Reopened: true, incident.ResponderAdded: true}},
		{"MENTION_ON=triggered,resolved", []incident.Kind{incident.Triggered, incident.Resolved},
			map[incident.Kind]bool{incident.Triggered: true, incident.Resolved: true}},
		{"MENTION_ON=none", []incident.Kind{}, map[incident.Kind]bool{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, func(c *deliver.Config) { c.MentionOn = tc.mentionOn })
			for i, k := range kinds {
				r.send(t, event("ev-"+string(k), k, "Q1", i))
			}
			r.run(t, 1)
			for _, p := range r.slack.Posts() {
				kind := incident.Kind(strings.TrimSuffix(strings.TrimPrefix(p.Key, "ev-"), "/"+dest))
				if got := strings.Contains(p.Text, "<@U01TAKAHASH>"); got != tc.want[kind] {
					t.Errorf("%s: mentions %v, want %v:\n%s", kind, got, tc.want[kind], p.Text)
				}
			}
		})
	}
}
