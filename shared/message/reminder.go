package message

import (
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/locale"
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
func RenderReminder(d Dialect, r Reminder) string { return renderReminder(d.writer(), r) }

// renderReminder is RenderReminder with w, a new writer.
func renderReminder(w writer, r Reminder) string {
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
	w.title("reminder.morning", r)
	w.b.WriteByte('\n')
	w.say("reminder.morning_greeting", "People", w.people(r.OnCall), "Until", clock(r.Until))
	if chs := w.channels(r.AlertChannels); chs != "" {
		w.say("reminder.morning_alerts", "Channels", chs, "Until", clock(r.Until))
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
	w.title("reminder.evening", r)
	w.daysOff(r.DaysOff)
	w.b.WriteByte('\n')
	w.say("reminder.evening_greeting", "People", w.people(r.OnCall), "Day", w.day(r.Date),
		"From", clock(r.From), "Until", clock(r.Until))
	if chs := w.channels(r.AlertChannels); chs != "" {
		w.say("reminder.evening_alerts", "Channels", chs)
	}
	items := 0
	for _, item := range r.Checklist {
		item = strings.TrimSpace(item)
		if item == "" || items == checklistMax {
			continue
		}
		if items == 0 {
			w.b.WriteByte('\n')
			w.strong(w.lang.T("reminder.checklist"))
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
		w.title("reminder.nobody_next", r)
		w.daysOff(r.DaysOff)
	} else {
		w.title("reminder.nobody_today", r)
	}
	w.b.WriteByte('\n')
	if len(r.Unmatched) > 0 {
		w.say("reminder.nobody_unmatched")
	} else {
		w.say("reminder.nobody_empty")
	}
	w.say("reminder.nobody_alerts", "Channels", w.channels(r.AlertChannels))
}

// symbol writes an emoji and a space, as the chat shows it given its Slack
// short code and its Unicode character; nothing in a chat without emoji.
func (w *writer) symbol(code, char string) {
	if e := w.chat.emoji(code, char); e != "" {
		w.raw(e)
		w.b.WriteByte(' ')
	}
}

// title writes a reminder's first line after its symbol: the words of
// id, in bold, then the day and the hours ("On call today — Friday
// 2026-11-20, 10:00–17:00").
func (w *writer) title(id string, r *Reminder) {
	w.strong(w.lang.T(id))
	w.say("reminder.when", "Day", w.day(r.Date), "From", clock(r.From), "Until", clock(r.Until))
}

// people is the on-call people as the chat mentions them, each after a
// space: a mention with their handle in this chat, or their name as plain
// text.
func (w *writer) people(members []rotation.Member) string {
	return w.sub(func(v *writer) {
		for i := range members {
			v.member(&members[i])
		}
	})
}

// day is the date d with its weekday: "Friday 2026-11-20", in Japanese
// "11月20日(金)".
func (w *writer) day(d rotation.Date) string {
	wd := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
	return w.lang.T("date.day", "Weekday", w.lang.T("weekday."+strings.ToLower(wd.String())),
		"Date", d.String(), "Year", d.Year, "Month", int(d.Month), "Day", d.Day)
}

// Day is day d with its weekday, as reminders write it: "Friday
// 2026-11-20", in Japanese "11月20日(金)".
func Day(l locale.Language, d rotation.Date) string { return (&writer{lang: l}).day(d) }

// ShortDay is day d as a notice names it: "Mon 2026-11-23", in Japanese
// "11月23日(月)".
func ShortDay(l locale.Language, d rotation.Date) string {
	wd := strings.ToLower(time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday().String())
	return l.T("date.short_day", "Weekday", l.T("weekday_short."+wd[:3]),
		"Date", d.String(), "Month", int(d.Month), "Day", d.Day)
}

// at is the instant t (in its location) with its short weekday: "Fri
// 03:10", in Japanese "11月20日(金) 03:10".
func (w *writer) at(t time.Time) string {
	wd := strings.ToLower(t.Weekday().String())
	return w.lang.T("date.at", "Weekday", w.lang.T("weekday_short."+wd[:3]),
		"Month", int(t.Month()), "Day", t.Day(), "Time", t.Format("15:04"))
}

// clock is an offset from midnight as HH:MM (24:00 for midnight at the
// end of the day).
func clock(d time.Duration) string {
	m := int(d / time.Minute)
	if m < 0 {
		m = 0
	}
	h, m := m/60, m%60
	return string([]byte{byte('0' + h/10%10), byte('0' + h%10), ':', byte('0' + m/10), byte('0' + m%10)})
}

// daysOff writes "\nDays off before then: Monday 2026-11-23 (Labor
// Thanksgiving Day), …", or nothing.
func (w *writer) daysOff(days []DayOff) {
	if len(days) == 0 {
		return
	}
	w.b.WriteByte('\n')
	w.raw(w.lang.T("reminder.days_off"))
	for i, off := range days {
		if i == daysOffMax {
			w.raw(w.lang.N("list.more", len(days)-daysOffMax))
			return
		}
		if i > 0 {
			w.raw(w.lang.T("list.separator"))
		}
		w.raw(w.day(off.Date))
		if name := strings.TrimSpace(off.Name); name != "" {
			w.say("reminder.day_off_name", "Name", w.esc(w.lang.Holiday(name), nameMax))
		}
	}
}

// channels is the alert channels as a list ("<#C0123> and Typetalk topic
// 42"); "" for none.
func (w *writer) channels(chs []Channel) string {
	return w.sub(func(v *writer) {
		for i := range chs {
			switch {
			case i == 0:
			case i == len(chs)-1:
				v.raw(v.lang.T("list.and"))
			default:
				v.raw(v.lang.T("list.separator"))
			}
			v.channel(&chs[i])
		}
	})
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
	w.b.WriteByte('\n')
	w.say("reminder.manual", "Link", w.sub(func(v *writer) {
		if Linkable(url) {
			v.chat.link(v, url, "")
		} else {
			v.text(url, fieldMax)
		}
	}))
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
		w.say("reminder.open", "N", len(r.Open))
	} else {
		w.say("reminder.open_overnight", "N", len(r.Open))
	}
	for i := range r.Open {
		if i == MaxOpen {
			w.b.WriteByte('\n')
			w.raw(w.lang.N("alert.more_details", len(r.Open)-i))
			break
		}
		o := &r.Open[i]
		w.b.WriteByte('\n')
		w.raw(w.chat.bullet())
		w.ref(&o.Incident)
		id := "reminder.open_nobody"
		if o.Acknowledged {
			id = "reminder.open_taken"
		}
		w.say(id, "At", w.at(o.TriggeredAt.In(loc)))
	}
}
