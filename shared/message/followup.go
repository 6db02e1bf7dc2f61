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

	// Level is the escalation ladder's step this follow-up is (package
	// escalation: "pair", "backup", "lead", "here"); "": a follow-up of
	// ACK_REMINDER_AFTER, which asks the pair again. The headline says
	// whom it escalates to; "here" also mentions everyone in the channel
	// where the chat can (Slack's <!here>).
	Level string
	// Missing: the sheet has nobody at Level today (no backup, no lead),
	// and OnCall are the pair, asked again; the message says so.
	Missing bool
}

// RenderFollowup renders f: who is asked again, about which incident, how
// long it has waited. On Slack it goes into the incident's thread; on
// Typetalk the tag ties it to the incident. Pure, like Render.
func RenderFollowup(d Dialect, f Followup) string {
	w := d.writer()
	w.b.Grow(256 + len(f.Incident.Title) + 32*len(f.OnCall))
	switch f.Level {
	case "backup", "lead", "here":
		w.symbol(":arrow_double_up:", "⏫")
		w.strong(w.lang.T("followup.escalated_" + f.Level))
	default:
		w.symbol(":bell:", "🔔")
		if f.AckReaction != "" {
			w.strong(w.lang.T("followup.nobody_on_it"))
		} else {
			w.strong(w.lang.T("followup.not_acknowledged"))
		}
	}
	if f.Waiting > 0 {
		w.say("followup.after", "After", w.sub(func(v *writer) { v.duration(f.Waiting) }))
	}
	w.say("headline.ref", "Ref", w.sub(func(v *writer) { v.ref(&f.Incident) }))
	w.url(&f.Incident)
	w.b.WriteByte('\n')
	if f.AckReaction != "" {
		w.say("followup.ask_chat", "Reaction", w.sub(func(v *writer) {
			v.symbol(":"+f.AckReaction+":", ":"+f.AckReaction+":")
		}))
	} else {
		w.say("followup.ask_pagerduty")
	}
	switch {
	case f.Max > 0 && f.Level != "":
		w.say("followup.step", "N", f.N, "Max", f.Max)
	case f.Max > 0:
		w.say("followup.count", "N", f.N, "Max", f.Max)
	}
	if f.Missing && (f.Level == "backup" || f.Level == "lead") {
		w.b.WriteByte('\n')
		w.say("followup.missing_" + f.Level)
	}
	foot := w.b.Len()
	w.footer(&Input{Tag: f.Tag, OnCall: f.OnCall, Mention: true, Here: f.Level == "here"})
	return fit(w.b.String(), foot, w.chat)
}
