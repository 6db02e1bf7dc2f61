package message

import (
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// Followup is a re-mention of an incident nobody has responded to yet
// (in chat or in PagerDuty).
type Followup struct {
	Incident incident.Incident
	Tag      string            // as Input.Tag
	OnCall   []rotation.Member // mentioned again
	N, Max   int               // this is follow-up N of at most Max
	Waiting  time.Duration     // since the trigger
	// AckReaction, when set, says the chat takes responses (Slack with
	// the app's signing secret) and names the reaction that counts as
	// "I'm on it" (SLACK_ACK_REACTIONS' first, e.g. "eyes"): the text asks
	// for it or the button instead of a PagerDuty acknowledgement the
	// people on call cannot make.
	AckReaction string
}

// RenderFollowup renders f: who is asked again, about which incident, how
// long it has waited. On Slack it goes into the incident's thread; on
// Typetalk the tag ties it to the incident. Pure, like Render.
func RenderFollowup(d Dialect, f Followup) string {
	w := writer{chat: d.chat()}
	w.b.Grow(256 + len(f.Incident.Title) + 32*len(f.OnCall))
	w.symbol(":bell:", "🔔")
	if f.AckReaction != "" {
		w.strong("Still nobody on it")
	} else {
		w.strong("Still not acknowledged")
	}
	if f.Waiting > 0 {
		w.raw(" after ")
		w.duration(f.Waiting)
	}
	w.raw(" — ")
	w.ref(&f.Incident)
	w.url(&f.Incident)
	if f.AckReaction != "" {
		w.raw("\nReact with ")
		w.symbol(":"+f.AckReaction+":", ":"+f.AckReaction+":")
		w.raw("or press ")
		w.strong("I'm on it")
		w.raw(" on the alert when you take it: the reminders stop.")
	} else {
		w.raw("\nPlease acknowledge it in PagerDuty, or say here who is looking.")
	}
	if f.Max > 0 {
		w.raw(" (reminder ")
		w.int(f.N)
		w.raw(" of ")
		w.int(f.Max)
		w.raw(")")
	}
	foot := w.b.Len()
	w.footer(&Input{Tag: f.Tag, OnCall: f.OnCall, Mention: true})
	return fit(w.b.String(), foot, w.chat)
}
