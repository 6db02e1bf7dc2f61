package message

import (
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// ReminderKind says which rotation reminder a message is.
type ReminderKind int

// The reminders.
const (
	// MorningReminder (10:00) tells today's on-call people that they are on
	// call until the end of business hours.
	MorningReminder ReminderKind = iota
	// EveningReminder (17:00) tells the next working day's on-call people,
	// with the pre-on-call checklist and the manual.
	EveningReminder
)

// String is the kind's name as the remind function takes it: "morning",
// "evening".
func (k ReminderKind) String() string {
	if k == EveningReminder {
		return "evening"
	}
	return "morning"
}

// Reminder is everything a rotation reminder says.
type Reminder struct {
	Kind ReminderKind

	// Date is the day the reminder is about: today for the morning
	// reminder, the next working day for the evening one.
	Date rotation.Date

	// From and Until are business hours on Date, as offsets from midnight
	// (10h and 17h for 10:00–17:00).
	From, Until time.Duration

	// OnCall are the people on call on Date, mentioned with their handle in
	// the chat, or by name as plain text when they have none. Nobody (no
	// one with a name or a handle) makes the message a warning that the
	// rotation is empty for Date, mentioning no one, so someone fills it.
	OnCall []rotation.Member

	// Unmatched are the texts of Date's rotation cells that name no member
	// (rotation.Roster.Unmatched), each shown as a warning line, as on an
	// alert (see Input.Unmatched).
	Unmatched []string

	// DaysOff are the holidays on business weekdays between today and Date
	// (evening reminder): they explain why the next working day is not the
	// next weekday.
	DaysOff []DayOff

	// AlertChannels are where the alerts go (ALERT_DESTINATIONS), named so
	// the people on call know where to look.
	AlertChannels []Channel

	// ManualURL links the on-call manual; empty for none. It is a link only
	// when it is a plain http(s) URL (see Render's rules); otherwise it is
	// shown as text.
	ManualURL string

	// Checklist is the evening reminder's pre-on-call checklist, one item
	// per line, shown as written (made inert for the chat). The morning
	// reminder does not show it.
	Checklist []string

	// Open are the incidents still open to hand over: in the morning those
	// triggered outside business hours since the last working day's end,
	// in the evening every one still open. Oldest first; at most MaxOpen
	// are listed.
	Open []OpenIncident
	// Location is the zone of the times shown (Open's); nil: UTC.
	Location *time.Location
}

// OpenIncident is an incident still open, as a reminder lists it.
type OpenIncident struct {
	Incident     incident.Incident
	TriggeredAt  time.Time
	Acknowledged bool // someone responded (PagerDuty or chat)
}

// MaxOpen bounds the open incidents a reminder lists.
const MaxOpen = 10

// DayOff is one named day off.
type DayOff struct {
	Date rotation.Date
	Name string // "Labor Thanksgiving Day", "Company holiday"
}

// Channel is a chat destination that a message refers to.
type Channel struct {
	Dialect Dialect // the chat it is in: Slack, Typetalk or Console
	ID      string  // Slack channel ID (C…), Typetalk topic ID; empty for the console
}

// Caps for reminders, in characters.
const (
	checklistMax = 20 // items shown
	daysOffMax   = 10 // days off listed before "and N more"
)

// RenderReminder returns the text of reminder r in dialect d. Like Render it
// is pure, escapes every text that comes from the sheet or the settings with
// the same rules, and never exceeds the chat's limit. Reminders are inside
// business hours by definition: the on-call people are always mentioned.
func RenderReminder(d Dialect, r Reminder) string { return renderReminder(d.chat(), r) }

// renderReminder is RenderReminder in chat c.
func renderReminder(c dialect, r Reminder) string {
	w := writer{chat: c}
	w.b.Grow(512 + len(r.ManualURL) + 64*len(r.OnCall))
	if !anyShown(r.OnCall) {
		w.emptyRotation(&r)
	} else if r.Kind == EveningReminder {
		w.evening(&r)
	} else {
		w.morning(&r)
	}
	w.open(&r)
	w.unmatched(r.Unmatched)
	w.manual(r.ManualURL)
	s := w.b.String()
	return fit(s, len(s), w.chat)
}

// morning:
//
//	🌅 On call today — Friday 2026-11-20, 10:00–17:00
//	Hi @takahashi @tanaka: you are on call today until 17:00. Alerts in … mention you until 17:00.
//	On-call manual: https://…
func (w *writer) morning(r *Reminder) {
	w.symbol(":sunrise:", "🌅")
	w.strong("On call today")
	w.raw(" — ")
	w.day(r.Date)
	w.raw(", ")
	w.hours(r.From, r.Until)
	w.b.WriteByte('\n')
	w.greet(r.OnCall)
	w.raw(" you are on call today until ")
	w.clock(r.Until)
	w.raw(".")
	if w.channels(r.AlertChannels, " Alerts in ") {
		w.raw(" mention you until ")
		w.clock(r.Until)
		w.raw(".")
	}
}

// evening:
//
//	🌙 On call next working day — Tuesday 2026-11-24, 10:00–17:00
//	Days off before then: Monday 2026-11-23 Labor Thanksgiving Day
//	Hi @ito Watanabe: you are on call on Tuesday 2026-11-24 from 10:00 to 17:00. Alerts in … will mention you then.
//	Before your shift:
//	- …
//	On-call manual: https://…
func (w *writer) evening(r *Reminder) {
	w.symbol(":crescent_moon:", "🌙")
	w.strong("On call next working day")
	w.raw(" — ")
	w.day(r.Date)
	w.raw(", ")
	w.hours(r.From, r.Until)
	w.daysOff(r.DaysOff)
	w.b.WriteByte('\n')
	w.greet(r.OnCall)
	w.raw(" you are on call on ")
	w.day(r.Date)
	w.raw(" from ")
	w.clock(r.From)
	w.raw(" to ")
	w.clock(r.Until)
	w.raw(".")
	if w.channels(r.AlertChannels, " Alerts in ") {
		w.raw(" will mention you then.")
	}
	items := 0
	for _, item := range r.Checklist {
		item = strings.TrimSpace(item)
		if item == "" || items == checklistMax {
			continue
		}
		if items == 0 {
			w.b.WriteByte('\n')
			w.strong("Before your shift:")
		}
		items++
		w.b.WriteByte('\n')
		w.raw(w.chat.bullet())
		w.text(item, fieldMax)
	}
}

// emptyRotation is the warning that nobody is on call on r.Date:
//
//	⚠️ Nobody is on call next working day — Tuesday 2026-11-24
//	The rotation sheet has no one for that day: please add the on-call people. Until then alerts in … mention no one.
func (w *writer) emptyRotation(r *Reminder) {
	w.symbol(":warning:", "⚠️")
	if r.Kind == EveningReminder {
		w.strong("Nobody is on call next working day")
	} else {
		w.strong("Nobody is on call today")
	}
	w.raw(" — ")
	w.day(r.Date)
	w.raw(", ")
	w.hours(r.From, r.Until)
	if r.Kind == EveningReminder {
		w.daysOff(r.DaysOff)
	}
	if len(r.Unmatched) > 0 {
		w.raw("\nNo name in the rotation sheet for that day matches a member: correct the names below, or add the people to the members tab.")
	} else {
		w.raw("\nThe rotation sheet has no one for that day: please add the on-call people.")
	}
	if w.channels(r.AlertChannels, " Until then alerts in ") {
		w.raw(" mention no one.")
	} else {
		w.raw(" Until then alerts mention no one.")
	}
}

// symbol writes an emoji and a space, as the chat shows it given its Slack
// short code and its Unicode character; nothing in a chat without emoji.
func (w *writer) symbol(code, char string) {
	if e := w.chat.emoji(code, char); e != "" {
		w.raw(e)
		w.b.WriteByte(' ')
	}
}

// greet writes "Hi" and the people: a mention with their handle in this
// chat, or their name as plain text (member writes the space before each).
func (w *writer) greet(members []rotation.Member) {
	w.raw("Hi")
	for i := range members {
		w.member(&members[i])
	}
	w.raw(":")
}

// day writes "Friday 2026-11-20".
func (w *writer) day(d rotation.Date) {
	wd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
	w.raw(wd.String())
	w.b.WriteByte(' ')
	w.raw(d.String())
}

// hours writes "10:00–17:00".
func (w *writer) hours(from, until time.Duration) {
	w.clock(from)
	w.raw("–")
	w.clock(until)
}

// clock writes an offset from midnight as HH:MM (24:00 for midnight at the
// end of the day).
func (w *writer) clock(d time.Duration) {
	m := int(d / time.Minute)
	if m < 0 {
		m = 0
	}
	h, m := m/60, m%60
	if h < 10 {
		w.b.WriteByte('0')
	}
	w.int(h)
	w.b.WriteByte(':')
	if m < 10 {
		w.b.WriteByte('0')
	}
	w.int(m)
}

// daysOff writes "\nDays off before then: Monday 2026-11-23 (Labor
// Thanksgiving Day), …", or nothing.
func (w *writer) daysOff(days []DayOff) {
	if len(days) == 0 {
		return
	}
	w.raw("\nDays off before then: ")
	for i, off := range days {
		if i == daysOffMax {
			w.raw(" and ")
			w.int(len(days) - daysOffMax)
			w.raw(" more")
			return
		}
		if i > 0 {
			w.raw(", ")
		}
		w.day(off.Date)
		if name := strings.TrimSpace(off.Name); name != "" {
			w.raw(" (")
			w.text(name, nameMax)
			w.raw(")")
		}
	}
}

// channels writes lead and the alert channels ("<#C0123> and Typetalk topic
// 42"), and reports whether it wrote anything.
func (w *writer) channels(chs []Channel, lead string) bool {
	if len(chs) == 0 {
		return false
	}
	w.raw(lead)
	for i := range chs {
		switch {
		case i == 0:
		case i == len(chs)-1:
			w.raw(" and ")
		default:
			w.raw(", ")
		}
		w.channel(&chs[i])
	}
	return true
}

// channel names one chat destination as its chat names it: a channel link
// in a message to the same Slack, otherwise in words.
func (w *writer) channel(c *Channel) {
	c.Dialect.chat().channel(w, strings.TrimSpace(c.ID))
}

// manual writes "\nOn-call manual: URL": a link when the URL is safe to
// link, otherwise inert text; nothing when url is empty.
func (w *writer) manual(url string) {
	url = strings.TrimSpace(url)
	if url == "" {
		return
	}
	w.raw("\nOn-call manual: ")
	if linkable(url) {
		w.chat.link(w, url, "")
	} else {
		w.text(url, fieldMax)
	}
}

// open lists the incidents still open:
//
//	🔥 Still open from outside business hours (2):
//	- #1236 orders-db: replication lag > 30s (triggered Fri 03:10, acknowledged)
func (w *writer) open(r *Reminder) {
	if len(r.Open) == 0 {
		return
	}
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	w.b.WriteByte('\n')
	w.symbol(":fire:", "🔥")
	if r.Kind == EveningReminder {
		w.strong("Still open")
	} else {
		w.strong("Still open from outside business hours")
	}
	w.raw(" (")
	w.int(len(r.Open))
	w.raw("):")
	for i := range r.Open {
		if i == MaxOpen {
			w.raw("\n… ")
			w.int(len(r.Open) - i)
			w.raw(" more")
			break
		}
		o := &r.Open[i]
		w.b.WriteByte('\n')
		w.raw(w.chat.bullet())
		w.ref(&o.Incident)
		w.raw(" (triggered ")
		w.raw(o.TriggeredAt.In(loc).Format("Mon 15:04"))
		if o.Acknowledged {
			w.raw(", someone is on it")
		} else {
			w.raw(", nobody on it yet")
		}
		w.raw(")")
	}
}
