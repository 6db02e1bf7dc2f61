// Package message renders an incident event as the text of one chat message,
// in the dialect of the chat it goes to (Slack mrkdwn, Typetalk plain text,
// the console). It is pure: no I/O, no clock; the same Input always gives the
// same text, which the golden files in testdata spell out.
//
// Every message has the same shape:
//
//	headline   what happened, and the incident: number, title (a link on Slack)
//	seen       on a trigger: "First time this alert has fired", or how often
//	           and when it fired before (Input.Seen)
//	facts      service, urgency, priority: whichever are known
//	link       the incident's URL on its own line (Typetalk, console)
//	details    assignees, escalation policy, the note or reply, quoted; on a
//	           trigger, the runbook links (Input.Runbooks)
//	footer     the incident's tag, the on-call mention, the operational notice
//
// Text that comes from PagerDuty or from the rotation sheet is data, never
// markup:
//   - control characters and bidirectional overrides are dropped, invalid
//     UTF-8 becomes U+FFFD, and single-line fields (title, names) never break
//     a line, so they cannot forge a footer line;
//   - Slack: &, < and > are escaped as &amp; &lt; &gt;, so a title can never
//     produce <!channel>, <@U…> or a link. The only links are the incident's
//     own URL and the runbooks' (from the sheet), and only when they are
//     plain http(s) URLs; a runbook's note is link text, escaped. The Slack
//     poster must post the text as is (slack-go: MsgOptionText(text, false))
//     and must not set link_names or parse=full;
//   - Typetalk: a zero-width space (U+200B) is inserted after every @ and #
//     (and their full-width and small forms ＠ ＃ ﹫ ﹟) so that "@all" or
//     "#prod" in a title is shown but never mentions or tags. Full-width
//     replacement was rejected: Japanese services commonly treat ＠ and ＃ as
//     mention and hashtag signs too.
//
// A message never exceeds its chat's limit (Slack 3,900, Typetalk 4,000,
// console 10,000 characters, counted in UTF-16 code units, which is never
// fewer than characters). When it would, the details and then the facts are
// cut on a character boundary and end with "…"; the footer (tag, mentions,
// notice) is always kept whole.
package message

import (
	"cmp"
	"strconv"
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// Dialect is how one chat's messages are written: its text format (Slack
// mrkdwn, Typetalk plain text, the console) and the language of the words
// (English unless In says otherwise).
type Dialect int

// The dialects, in English. An unknown Dialect renders as Console.
const (
	Console    Dialect = iota // plain text for a terminal or a log
	Slack                     // Slack mrkdwn
	Typetalk                  // Typetalk plain text with @mentions and #hashtags
	Chatwork                  // Chatwork's message notation ([To:…], [info])
	GoogleChat                // Google Chat's text formatting (*bold*, <users/…>)
	Teams                     // the markdown of a Microsoft Teams Adaptive Card's text, with <at> mentions
)

// chatBits are the bits of a Dialect that name its chat; the bits above
// are its locale.Language.
const chatBits = 8

// In is d written in language l: Slack.In(locale.Japanese).
func (d Dialect) In(l locale.Language) Dialect {
	return d.Chat() | Dialect(l)<<chatBits
}

// Chat is d's chat alone, in English: compare it with Slack, Typetalk,
// Console.
func (d Dialect) Chat() Dialect { return d & (1<<chatBits - 1) }

// Language is the language d writes in.
func (d Dialect) Language() locale.Language { return locale.Language(d >> chatBits) }

// String is the chat's lower-case name, console, slack or typetalk, then
// its language after a dot when not English: "slack.ja".
func (d Dialect) String() string {
	c := d.Chat()
	name := "Dialect(" + strconv.Itoa(int(c)) + ")"
	if int(c) < len(chats) {
		name = chats[c].name()
	}
	if l := d.Language(); l != locale.English {
		name += "." + l.String()
	}
	return name
}

// limit is the longest message in d, in UTF-16 code units.
func (d Dialect) limit() int { return d.chat().limit() }

// Input is everything a message says.
type Input struct {
	Event incident.Event

	// Tag is the incident's tag without '#', e.g. "pd1234" (see Tag); empty
	// when the incident number is unknown. Only ASCII letters and digits are
	// kept.
	Tag string

	// OnCall are the people on call at the event's instant.
	OnCall []rotation.Member

	// Here adds the chat's mention of everyone in the channel (Slack's
	// <!here>) to the on-call line; a chat without one mentions OnCall
	// alone. Only with Mention.
	Here bool

	// Mention is true inside business hours: the message then ends with a
	// line mentioning OnCall. When false the message has no on-call line
	// and is otherwise the same.
	Mention bool

	// Elapsed is the time since the incident was triggered, shown on an
	// acknowledgement or resolution ("Resolved by X after 1h 25m"); zero:
	// not shown.
	Elapsed time.Duration

	// Unmatched are the texts of the day's rotation cells that name no
	// member (rotation.Roster.Unmatched). With Mention each is shown as a
	// warning line, `⚠ "休み" in the sheet matches no member`, escaped like
	// any text, at most MaxUnmatched of them.
	Unmatched []string

	// Notice is an optional short operational note shown at the end, e.g.
	// "Nobody mentioned: the rotation sheet could not be read."; empty for
	// none.
	Notice string

	// Seen is what is known of this alert's earlier firings, shown under a
	// trigger's headline: "First time this alert has fired" (Count 0), or
	// "Seen 14 times before, last 3 days ago" (Count and Last; First is not
	// shown). nil: unknown (the store failed), nothing shown. Other kinds
	// never show it.
	Seen *incident.Sighting

	// At is this event's instant: Event.OccurredAt, or when the event was
	// received when its payload had none. Render reads no clock: the age of
	// Seen.Last is told from At. Zero: Event.OccurredAt.
	At time.Time

	// Runbooks are the rotation sheet's links for this alert
	// (rotation.Roster.Runbooks), shown on a trigger in this order, at most
	// rotation.MaxRunbooks; a runbook whose URL is not a plain http(s) URL
	// is skipped. Only URL and Note are used. Other kinds never show them.
	Runbooks []rotation.Runbook
}

// Tag is the tag of incident number: "pd1234", letters and digits only so
// that it is a valid Typetalk hashtag. It is empty for a number ≤ 0 (unknown).
func Tag(number int) string {
	if number <= 0 {
		return ""
	}
	var buf [24]byte
	b := append(buf[:0], "pd"...)
	b = strconv.AppendInt(b, int64(number), 10)
	return string(b)
}

// Render returns the text of the message for in, in dialect d.
func Render(d Dialect, in Input) string { return render(d.writer(), in) }

// render is Render with w, a new writer.
func render(w writer, in Input) string {
	w.b.Grow(estimate(&in))

	ev := &in.Event
	w.headline(ev, in.Elapsed)
	if ev.Kind == incident.Triggered && in.Seen != nil {
		at := in.At
		if at.IsZero() {
			at = ev.OccurredAt
		}
		w.seen(in.Seen, at)
	}
	if !w.chat.card() { // a card shows them as its facts and its button (Facts)
		w.facts(&ev.Incident)
		w.url(&ev.Incident)
	}
	w.details(ev)
	if ev.Kind == incident.Triggered {
		w.alert(ev)
		w.runbooks(in.Runbooks)
	}
	if ev.Kind == incident.ConferenceBridgeUpdate && Linkable(ev.Bridge) {
		w.b.WriteByte('\n')
		w.chat.link(&w, ev.Bridge, w.lang.T("major.join_bridge"))
	}
	if j := ev.Job; ev.Kind == incident.JobReported && j != nil {
		if Linkable(j.URL) {
			w.b.WriteByte('\n')
			w.chat.link(&w, j.URL, w.lang.T("job.view"))
		}
		if j.Unknown > 0 {
			w.b.WriteByte('\n')
			w.say("job.unknown_incident", "Number", j.Unknown)
		}
	}

	foot := w.b.Len()
	w.footer(&in)
	return fit(w.b.String(), foot, w.chat)
}

// estimate is the usual size of the rendered message, so that the builder
// grows once.
func estimate(in *Input) int {
	ev := &in.Event
	n := 256 + len(ev.Agent) + len(ev.Note) + len(ev.Responder) + len(ev.Escalation) + len(string(ev.Kind)) +
		len(ev.Incident.ID) + len(ev.Incident.Title) + len(ev.Incident.Service.Name) + len(ev.Incident.Urgency) +
		len(ev.Incident.Priority) + 2*len(ev.Incident.URL) + len(in.Tag) + len(in.Notice) + 100*min(len(in.Unmatched), MaxUnmatched+1)
	for _, a := range ev.Assignees {
		n += len(a) + 2
	}
	if in.Mention {
		for _, m := range in.OnCall {
			n += len(m.Name) + len(m.Slack) + len(m.Typetalk) + 4
		}
	}
	if ev.Kind == incident.Triggered {
		if in.Seen != nil {
			n += 64
		}
		for i, rb := range in.Runbooks {
			if i == rotation.MaxRunbooks {
				break
			}
			n += 2*len(rb.URL) + len(rb.Note) + 16
		}
	}
	return n + n/8 // room for escapes
}

// Caps on single-line fields, in characters, so that one absurd field
// cannot push the rest of the message out.
const (
	titleMax  = 500
	nameMax   = 100
	fieldMax  = 200
	noticeMax = 500
	// unmatchedMax bounds one unmatched cell's text.
	unmatchedMax = 40
	listMax      = 10 // names listed before "and N more"
)

// headline writes what happened and to which incident.
func (w *writer) headline(ev *incident.Event, elapsed time.Duration) {
	inc := &ev.Incident
	if m := ev.MergedInto; ev.Kind == incident.Resolved && m != nil {
		// Nobody resolved it: it goes on as another incident.
		w.symbol(":link:", "🔗")
		w.say("headline.merged_into", "Ref", w.sub(func(v *writer) { v.shortRef(m) }))
		w.say("headline.ref", "Ref", w.sub(func(v *writer) { v.ref(inc) }))
		return
	}
	if ev.Kind != incident.JobReported { // its emoji says how the job went
		w.emoji(ev.Kind)
	}
	switch ev.Kind {
	case incident.Reassigned:
		w.strong(w.lang.T("kind.reassigned"))
		w.to(ev.Assignees)
		w.by(ev.Agent, 0)
	case incident.Escalated:
		w.strong(w.lang.T("kind.escalated"))
		if len(ev.Assignees) > 0 {
			w.to(ev.Assignees)
		} else if ev.Escalation != "" {
			w.say("headline.to", "To", w.esc(ev.Escalation, fieldMax))
		}
		w.by(ev.Agent, 0)
	case incident.Delegated:
		w.strong(w.lang.T("kind.delegated"))
		if ev.Escalation != "" {
			w.say("headline.to", "To", w.esc(ev.Escalation, fieldMax))
		} else {
			w.to(ev.Assignees)
		}
		w.by(ev.Agent, 0)
	case incident.PriorityUpdated:
		if inc.Priority != "" {
			w.say("headline.priority_changed", "Priority", w.esc(inc.Priority, nameMax))
		} else {
			w.strong(w.lang.T("kind.priority_removed"))
		}
		w.by(ev.Agent, 0)
	case incident.Annotated, incident.NotedInChat:
		w.strong(w.lang.T("kind.note"))
		if ev.Agent != "" {
			w.say("headline.from", "Name", w.esc(ev.Agent, nameMax))
		}
	case incident.ResponderAdded:
		w.strong(w.lang.T("kind.responder_added"))
		if ev.Responder != "" {
			w.say("headline.colon", "Value", w.esc(ev.Responder, nameMax))
		}
	case incident.ResponderReplied:
		who := ev.Responder
		if who == "" {
			who = ev.Agent
		}
		if who != "" {
			w.say("headline.replied", "Name", w.esc(who, nameMax))
		} else {
			w.strong(w.lang.T("kind.responder_replied"))
		}
	case incident.ServiceUpdated:
		w.strong(w.lang.T("kind.service_updated"))
		if inc.Service.Name != "" {
			w.say("headline.to", "To", w.esc(inc.Service.Name, fieldMax))
		}
		w.by(ev.Agent, 0)
	case incident.Taken:
		w.strong(w.lang.T("kind.taken"))
		w.say("headline.colon", "Value", w.esc(cmp.Or(ev.Agent, w.lang.T("someone")), nameMax))
		w.by("", elapsed)
	case incident.WorkflowStarted, incident.WorkflowCompleted:
		w.strong(w.lang.T(kindID(ev.Kind)))
	case incident.JobReported:
		w.jobHeadline(ev)
		if inc.ID == "" && inc.Number == 0 {
			return // a job of no incident, or of one pd2chat does not know
		}
	default:
		id := kindID(ev.Kind)
		if id == "kind.event" {
			w.strong(w.lang.T(id))
			if ev.Kind != "" {
				w.say("headline.colon", "Value", w.esc(string(ev.Kind), nameMax))
			}
		} else {
			w.strong(w.lang.T(id))
		}
		switch ev.Kind {
		case incident.Acknowledged, incident.Resolved, incident.ResolvedInChat:
			w.by(ev.Agent, elapsed)
		case incident.Triggered:
		default:
			w.by(ev.Agent, 0)
		}
	}
	w.say("headline.ref", "Ref", w.sub(func(v *writer) { v.ref(inc) }))
}

// jobHeadline writes a job report's words: "Job started: restart app-3
// (by jenkins)", its emoji by status.
func (w *writer) jobHeadline(ev *incident.Event) {
	j := ev.Job
	if j == nil {
		j = &incident.Job{}
	}
	switch j.Status {
	case incident.JobSucceeded:
		w.symbol(":white_check_mark:", "✅")
	case incident.JobFailed:
		w.symbol(":x:", "❌")
	default:
		w.symbol(":arrow_forward:", "▶️")
	}
	status := j.Status
	if status != incident.JobSucceeded && status != incident.JobFailed {
		status = incident.JobStarted
	}
	w.strong(w.lang.T("job." + status))
	w.say("headline.colon", "Value", w.esc(j.Name, fieldMax))
	w.by(ev.Agent, 0)
}

// kindID is the catalog ID of the headline's word for kind k:
// "kind.resolved"; "kind.event" for a kind without one.
func kindID(k incident.Kind) string {
	switch k {
	case incident.Triggered:
		return "kind.triggered"
	case incident.Acknowledged:
		return "kind.acknowledged"
	case incident.Unacknowledged:
		return "kind.unacknowledged"
	case incident.Resolved:
		return "kind.resolved"
	case incident.Reassigned:
		return "kind.reassigned"
	case incident.Escalated:
		return "kind.escalated"
	case incident.Delegated:
		return "kind.delegated"
	case incident.Reopened:
		return "kind.reopened"
	case incident.StatusUpdatePublished:
		return "kind.status_update"
	case incident.ConferenceBridgeUpdate:
		return "kind.conference_bridge"
	case incident.IncidentTypeChanged:
		return "kind.incident_type"
	case incident.CustomFieldsUpdated:
		return "kind.custom_fields"
	case incident.WorkflowStarted:
		return "kind.workflow_started"
	case incident.WorkflowCompleted:
		return "kind.workflow_completed"
	case incident.ResolvedInChat:
		return "kind.resolved_in_chat"
	}
	return "kind.event"
}

// emoji writes the kind's emoji and a space, as the chat shows it (a Slack
// short code, a Unicode emoji), or nothing in a chat without emoji.
func (w *writer) emoji(k incident.Kind) {
	var code, char string
	switch k {
	case incident.Triggered:
		code, char = ":rotating_light:", "🚨"
	case incident.Acknowledged:
		code, char = ":eyes:", "👀"
	case incident.Unacknowledged:
		code, char = ":warning:", "⚠️"
	case incident.Resolved:
		code, char = ":white_check_mark:", "✅"
	case incident.Reassigned:
		code, char = ":busts_in_silhouette:", "👥"
	case incident.Escalated:
		code, char = ":arrow_double_up:", "⏫"
	case incident.Delegated:
		code, char = ":arrow_right:", "➡️"
	case incident.PriorityUpdated:
		code, char = ":label:", "🏷️"
	case incident.Reopened:
		code, char = ":repeat:", "🔁"
	case incident.Annotated:
		code, char = ":memo:", "📝"
	case incident.ResponderAdded:
		code, char = ":sos:", "🆘"
	case incident.ResponderReplied:
		code, char = ":speech_balloon:", "💬"
	case incident.StatusUpdatePublished:
		code, char = ":loudspeaker:", "📢"
	case incident.ConferenceBridgeUpdate:
		code, char = ":telephone_receiver:", "📞"
	case incident.ServiceUpdated:
		code, char = ":twisted_rightwards_arrows:", "🔀"
	case incident.IncidentTypeChanged:
		code, char = ":bookmark_tabs:", "📑"
	case incident.CustomFieldsUpdated:
		code, char = ":pencil2:", "✏️"
	case incident.WorkflowStarted:
		code, char = ":gear:", "⚙️"
	case incident.WorkflowCompleted:
		code, char = ":checkered_flag:", "🏁"
	case incident.Taken:
		code, char = ":eyes:", "👀"
	case incident.ResolvedInChat:
		code, char = ":white_check_mark:", "✅"
	case incident.NotedInChat:
		code, char = ":memo:", "📝"
	default:
		code, char = ":information_source:", "ℹ️"
	}
	w.symbol(code, char)
}

// Duration is d as English messages write it: "45s", "4m", "1h 25m" or
// "2d 3h", the two largest units, to the nearest minute from a minute on.
func Duration(d time.Duration) string { return DurationIn(locale.English, d) }

// DurationIn is Duration in language l ("3分", "1時間25分" in Japanese).
func DurationIn(l locale.Language, d time.Duration) string {
	w := writer{lang: l}
	w.duration(d)
	return w.b.String()
}

// duration writes d as "45s", "4m", "1h 25m" or "2d 3h" (in the message's
// language): the two largest units, to the nearest minute from a minute on.
func (w *writer) duration(d time.Duration) {
	if d >= time.Minute {
		d = d.Round(time.Minute)
	}
	l := w.lang
	switch {
	case d < time.Minute:
		w.raw(l.N("duration.seconds", int(d/time.Second)))
	case d < time.Hour:
		w.raw(l.N("duration.minutes", int(d/time.Minute)))
	case d < 24*time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			w.raw(l.N("duration.hours", h))
		} else {
			w.raw(l.T("duration.hours_minutes", "H", h, "M", m))
		}
	default:
		days, h := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
		if h == 0 {
			w.raw(l.N("duration.days", days))
		} else {
			w.raw(l.T("duration.days_hours", "D", days, "H", h))
		}
	}
}

// by writes who did it and after how long since the trigger (" by agent
// after 1h 25m"), each when known (agent not empty, elapsed > 0).
func (w *writer) by(agent string, elapsed time.Duration) {
	if agent == "" && elapsed <= 0 {
		return
	}
	var by, after string
	if agent != "" {
		by = w.esc(agent, nameMax)
	}
	if elapsed > 0 {
		after = w.sub(func(v *writer) { v.duration(elapsed) })
	}
	w.say("headline.by_after", "By", by, "After", after)
}

// to writes " to A, B" when names is not empty.
func (w *writer) to(names []string) {
	if len(names) > 0 {
		w.say("headline.to", "To", w.sub(func(v *writer) { v.names(names) }))
	}
}

// names writes a comma-separated list, at most listMax names.
func (w *writer) names(names []string) {
	for i, n := range names {
		if i == listMax {
			w.raw(w.lang.N("list.more", len(names)-listMax))
			return
		}
		if i > 0 {
			w.raw(w.lang.T("list.separator"))
		}
		w.text(n, nameMax)
	}
}

// ref writes the incident's number and title, linked to the incident when
// its URL is safe to link and the chat has labelled links (see url).
func (w *writer) ref(inc *incident.Incident) {
	w.linked = Linkable(inc.URL) && w.chat.openLink(w, inc.URL)
	if inc.Number > 0 {
		w.text("#", 0) // not a hashtag: inert like outside text
		w.int(inc.Number)
		w.b.WriteByte(' ')
	}
	switch {
	case inc.Title != "":
		w.text(inc.Title, titleMax)
	case inc.ID != "":
		w.say("incident.by_id", "ID", w.esc(inc.ID, nameMax))
	default:
		w.raw(w.lang.T("incident.unknown"))
	}
	if w.linked {
		w.chat.closeLink(w, inc.URL)
	}
}

// shortRef writes "#9502", linked to the incident when its URL is safe, or
// "incident ID" without a number.
func (w *writer) shortRef(inc *incident.Incident) {
	linked := Linkable(inc.URL) && w.chat.openLink(w, inc.URL)
	if inc.Number > 0 {
		w.text("#", 0)
		w.int(inc.Number)
	} else {
		w.say("incident.by_id", "ID", w.esc(inc.ID, nameMax))
	}
	if linked {
		w.chat.closeLink(w, inc.URL)
	}
}

// url writes the incident's URL on its own line when it is safe to link and
// ref did not make the title a link to it.
func (w *writer) url(inc *incident.Incident) {
	if !w.linked && Linkable(inc.URL) {
		w.b.WriteByte('\n')
		w.b.WriteString(linkURL(inc.URL))
	}
}

// facts writes the line "Service: … · Urgency: … · Priority: …" with the
// known facts, or nothing.
func (w *writer) facts(inc *incident.Incident) {
	sep := "\n"
	if inc.Service.Name != "" {
		w.raw(sep)
		w.say("fact.service", "Value", w.esc(inc.Service.Name, fieldMax))
		sep = " · "
	}
	if inc.Urgency != "" {
		w.raw(sep)
		w.say("fact.urgency", "Value", w.esc(inc.Urgency, nameMax))
		sep = " · "
	}
	if inc.Priority != "" {
		w.raw(sep)
		w.say("fact.priority", "Value", w.esc(inc.Priority, nameMax))
	}
}

// details writes what the kind carries beyond the headline: the assignees of
// a new incident, the escalation policy, the note, reply or status update.
func (w *writer) details(ev *incident.Event) {
	if ev.Kind == incident.Triggered && len(ev.Assignees) > 0 {
		w.assigned(ev.Assignees)
	}
	if ev.Kind == incident.Escalated && len(ev.Assignees) > 0 && ev.Escalation != "" {
		w.b.WriteByte('\n')
		w.say("fact.escalation_policy", "Value", w.esc(ev.Escalation, fieldMax))
	}
	if note := strings.TrimSpace(ev.Note); note != "" {
		w.raw("\n> ")
		w.quote(note)
	}
}

// assigned writes the line "\nAssigned to: A, B".
func (w *writer) assigned(names []string) {
	w.b.WriteByte('\n')
	w.say("fact.assigned", "Names", w.sub(func(v *writer) { v.names(names) }))
}

// seen writes the line under a trigger's headline: the first time the
// alert fired, or how often and when it fired before, the age of s.Last
// told from now, the event's instant (no age when either is zero, or when
// Last is after now).
func (w *writer) seen(s *incident.Sighting, now time.Time) {
	w.b.WriteByte('\n')
	if s.Count <= 0 {
		w.symbol(":new:", "🆕")
		w.strong(w.lang.T("seen.first"))
		return
	}
	w.symbol(":arrows_counterclockwise:", "🔄")
	if s.Last.IsZero() || now.IsZero() || s.Last.After(now) {
		w.raw(w.lang.N("seen.before", s.Count))
		return
	}
	w.raw(w.lang.N("seen.before_last", s.Count, "Ago", w.sub(func(v *writer) { v.ago(now.Sub(s.Last)) })))
}

// ago writes how long ago d was, in its largest whole unit: "less than a
// minute ago", "5 minutes ago", "1 hour ago", "3 days ago", "2 weeks ago"
// (from 14 days), "4 months ago" (from 60 days, of 30 days), "1 year ago"
// (from 365 days); in Japanese "5分前".
func (w *writer) ago(d time.Duration) {
	const day = 24 * time.Hour
	var n int
	var unit string
	switch {
	case d < time.Minute:
		w.raw(w.lang.T("ago.now"))
		return
	case d < time.Hour:
		n, unit = int(d/time.Minute), "ago.minutes"
	case d < day:
		n, unit = int(d/time.Hour), "ago.hours"
	case d < 14*day:
		n, unit = int(d/day), "ago.days"
	case d < 60*day:
		n, unit = int(d/(7*day)), "ago.weeks"
	case d < 365*day:
		n, unit = int(d/(30*day)), "ago.months"
	default:
		n, unit = int(d/(365*day)), "ago.years"
	}
	w.raw(w.lang.N(unit, n))
}

// runbooks writes a line per runbook, at most rotation.MaxRunbooks, those
// with a linkable URL: "Runbook: " and a link labelled with the note (on
// Slack "<url|note>", in plain text "note — url", the URL alone without a
// note).
func (w *writer) runbooks(rbs []rotation.Runbook) {
	shown := 0
	for i := range rbs {
		if shown == rotation.MaxRunbooks {
			return
		}
		rb := &rbs[i]
		if !Linkable(rb.URL) {
			continue
		}
		shown++
		note := strings.TrimSpace(rb.Note)
		w.b.WriteByte('\n')
		w.say("fact.runbook", "Link", w.sub(func(v *writer) { v.chat.link(v, rb.URL, note) }))
	}
}

// footer writes the lines that a cut never touches: the tag, the on-call
// mention and the notice.
func (w *writer) footer(in *Input) {
	if tagged(in.Tag) {
		w.raw("\n#")
		for i := 0; i < len(in.Tag); i++ {
			if isAlnum(in.Tag[i]) {
				w.b.WriteByte(in.Tag[i])
			}
		}
	}
	here := ""
	if in.Mention && in.Here {
		here = w.chat.here()
	}
	if in.Mention && (anyShown(in.OnCall) || here != "") {
		w.b.WriteByte('\n')
		w.raw(w.lang.T("footer.on_call"))
		if here != "" {
			w.b.WriteByte(' ')
			w.raw(here)
		}
		for i := range in.OnCall {
			w.member(&in.OnCall[i])
		}
	}
	if in.Mention {
		w.unmatched(in.Unmatched)
	}
	if in.Notice != "" {
		w.b.WriteByte('\n')
		open, close := w.chat.italic()
		w.raw(open)
		w.text(strings.TrimSpace(in.Notice), noticeMax)
		w.raw(close)
	}
}

// unmatched writes one warning line per rotation cell that names no member,
// at most MaxUnmatched, then how many more:
//
//	⚠ "休み" in the sheet matches no member
func (w *writer) unmatched(cells []string) {
	for i, u := range cells {
		if i == MaxUnmatched {
			w.b.WriteByte('\n')
			w.raw(w.lang.N("unmatched.more", len(cells)-i))
			return
		}
		w.b.WriteByte('\n')
		w.say("unmatched.cell", "Cell", w.esc(u, unmatchedMax))
	}
}

// member writes " " and one on-call person as the chat mentions them: with
// their handle in this chat, or by name (on the console, always "@Name").
// A member with neither name nor handle is left out.
func (w *writer) member(m *rotation.Member) {
	name := m.Name
	if name == "" {
		name = m.Typetalk
	}
	if name == "" {
		name = m.Slack
	}
	if name == "" { // and so no handle either
		return
	}
	w.b.WriteByte(' ')
	w.chat.mention(w, m, name)
}

// anyShown reports whether one of members has a name or a handle to show.
func anyShown(members []rotation.Member) bool {
	for i := range members {
		if m := &members[i]; m.Name != "" || m.Slack != "" || m.Typetalk != "" {
			return true
		}
	}
	return false
}

// MaxUnmatched is how many unmatched sheet cells a message shows.
const MaxUnmatched = 3

// tagged reports whether tag has a letter or digit to show.
func tagged(tag string) bool {
	for i := 0; i < len(tag); i++ {
		if isAlnum(tag[i]) {
			return true
		}
	}
	return false
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Bounds of an alert's details in a message.
const (
	maxDetails     = 10  // key: value lines; "… N more" after
	detailKeyMax   = 60  // characters of a key
	detailValueMax = 200 // characters of a value
	maxAlertLinks  = 5
)

// alert writes what the alert itself says, for people who cannot open
// PagerDuty: its source tool's page, its details and its context links.
//
//	View in Datadog: https://app.datadoghq.com/monitors/1234567
//	host: db-1
//	lag_seconds: 42
func (w *writer) alert(ev *incident.Event) {
	if s := ev.Source; s != nil && Linkable(s.URL) {
		label := w.lang.T("alert.view_in", "Source", strings.TrimSpace(s.Label))
		if strings.TrimSpace(s.Label) == "" {
			label = w.lang.T("alert.view")
		}
		w.b.WriteByte('\n')
		w.chat.link(w, s.URL, label)
	}
	for i, d := range ev.Details {
		if i == maxDetails {
			w.b.WriteByte('\n')
			w.raw(w.lang.N("alert.more_details", len(ev.Details)-i))
			break
		}
		w.b.WriteByte('\n')
		w.text(d.Key, detailKeyMax)
		w.raw(": ")
		w.text(d.Value, detailValueMax)
	}
	shown := 0
	for _, l := range ev.Links {
		if shown == maxAlertLinks || !Linkable(l.URL) {
			continue
		}
		shown++
		w.b.WriteByte('\n')
		w.chat.link(w, l.URL, cmp.Or(strings.TrimSpace(l.Label), w.lang.T("alert.link")))
	}
}

// Fact is one fact a card shows beside its text: "Service", "checkout-api".
type Fact struct{ Title, Value string }

// Link is a card's button to a page.
type Link struct{ Title, URL string }

// Card is what the poster of a chat with cards (Teams) shows beside the
// text of in's message in dialect d: the incident's service, urgency and
// priority, in d's language, the values made inert for d, and buttons to
// the incident and the alert's source page when their URLs are safe to
// link. Nil facts and links for other chats, whose text holds them.
func Card(d Dialect, in Input) (facts []Fact, links []Link) {
	c := d.chat()
	if !c.card() {
		return nil, nil
	}
	w := d.writer()
	inc := &in.Event.Incident
	for _, f := range []struct{ id, value string }{
		{"card.service", inc.Service.Name}, {"card.urgency", inc.Urgency}, {"card.priority", inc.Priority},
	} {
		if strings.TrimSpace(f.value) != "" {
			facts = append(facts, Fact{Title: w.lang.T(f.id), Value: w.esc(f.value, fieldMax)})
		}
	}
	if Linkable(inc.URL) {
		links = append(links, Link{Title: w.lang.T("card.open"), URL: inc.URL})
	}
	if s := in.Event.Source; s != nil && Linkable(s.URL) && in.Event.Kind == incident.Triggered {
		label := w.lang.T("alert.view")
		if l := strings.TrimSpace(s.Label); l != "" {
			label = w.lang.T("alert.view_in", "Source", l)
		}
		links = append(links, Link{Title: label, URL: s.URL})
	}
	return facts, links
}
