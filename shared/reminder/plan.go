package reminder

import (
	"fmt"
	"time"

	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// Kind is what one run of the remind function does, as the Scheduler
// payload's "kind" (and the --kind flag, for the reminders) names it: the
// one list of them.
type Kind string

// The kinds.
const (
	Morning  Kind = "morning"  // 10:00: today's on-call people (Run)
	Evening  Kind = "evening"  // 17:00: the next working day's, with the manual and the checklist (Run)
	Digest   Kind = "digest"   // the weekly digest, on the week's first working day (RunDigest)
	Followup Kind = "followup" // the sweep that re-mentions unacknowledged incidents (package followup)
)

// ParseKind reads a kind: "morning", "evening", "digest" or "followup".
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case Morning, Evening, Digest, Followup:
		return k, nil
	}
	return "", fmt.Errorf("reminder: kind %q is not %q, %q, %q or %q", s, Morning, Evening, Digest, Followup)
}

// IsReminder reports whether k is a reminder of Run (morning, evening).
func (k Kind) IsReminder() bool { return k == Morning || k == Evening }

func (k Kind) message() message.ReminderKind {
	if k == Evening {
		return message.EveningReminder
	}
	return message.MorningReminder
}

// daysOff lists the holidays on business weekdays strictly between from
// and to: the days that make to later than the next weekday.
func daysOff(c *workday.Calendar, from, to rotation.Date) []message.DayOff {
	var out []message.DayOff
	for i, d := 1, from.AddDays(1); i <= 366 && d != to; i, d = i+1, d.AddDays(1) {
		if !c.Hours().HasDay(d.Weekday()) {
			continue
		}
		if name, ok := c.IsHoliday(d); ok {
			out = append(out, message.DayOff{Date: d, Name: name})
		}
	}
	return out
}

// Decision is what a reminder says, decided by Plan.
type Decision struct {
	Kind  Kind
	At    time.Time     // the scheduled instant, in the calendar's zone
	Today rotation.Date // At's day

	// Skip, when not empty, says why nothing is posted: Today is not a
	// working day (or no working day follows it within a year).
	Skip string

	// Date is the day the reminder is about: Today (morning) or the next
	// working day (evening).
	Date rotation.Date
	// OnCall are the people the sheet names for Date; nobody means the
	// reminder is the empty-rotation warning (see Empty).
	OnCall []rotation.Member
	// Unmatched are Date's rotation cells that name no member: warnings
	// in the reminder.
	Unmatched []string
	// DaysOff are the holidays on business weekdays between Today and Date
	// (evening only): why the next working day is not the next weekday.
	DaysOff []message.DayOff
}

// Empty reports whether a reminder is to be posted and the sheet has nobody
// on call for its date: the reminder then warns instead of mentioning.
func (d Decision) Empty() bool {
	if d.Skip != "" {
		return false
	}
	for _, m := range d.OnCall {
		if m.Name != "" || m.Slack != "" || m.Typetalk != "" {
			return false
		}
	}
	return true
}

// Plan decides what the reminder of kind k scheduled at instant at says.
// It is pure: the instant is the scheduled time (a retried invocation at
// 10:03 still speaks for 10:00), taken in cal's zone.
//
//   - On a day that is not a working day (not a day of the business hours,
//     or a public or company holiday) nothing is posted: Skip says why.
//   - Morning: the people on call on that day.
//   - Evening: the people on call on the next working day — the next date
//     that is a day of the business hours and not a holiday, whatever the
//     sheet says for the days in between (Friday → Monday, or Tuesday when
//     Monday is a holiday).
func Plan(cal *workday.Calendar, roster *rotation.Roster, k Kind, at time.Time) Decision {
	at = at.In(cal.Location())
	d := Decision{Kind: k, At: at, Today: rotation.DateOf(at)}
	if !cal.IsWorkingDate(d.Today) {
		d.Skip = cal.WhyNotWorking(d.Today)
		return d
	}
	d.Date = d.Today
	if k == Evening {
		d.Date = cal.NextWorkingDate(d.Today)
		if d.Date == (rotation.Date{}) {
			d.Skip = fmt.Sprintf("no working day in the year after %s", d.Today)
			return d
		}
		d.DaysOff = daysOff(cal, d.Today, d.Date)
	}
	d.OnCall = roster.OnCall(d.Date)
	d.Unmatched = roster.Unmatched(d.Date)
	return d
}

// Reminder is the message of d (which must not be skipped), for the
// renderer: business hours from cal, and the alert channels, manual and
// checklist of the settings.
func (d Decision) Reminder(hours workday.Hours, alerts []message.Channel, manualURL string, checklist []string) message.Reminder {
	r := message.Reminder{
		Kind:          d.Kind.message(),
		Date:          d.Date,
		From:          hours.Start(),
		Until:         hours.End(),
		OnCall:        d.OnCall,
		Unmatched:     d.Unmatched,
		DaysOff:       d.DaysOff,
		AlertChannels: alerts,
		ManualURL:     manualURL,
	}
	if d.Kind == Evening {
		r.Checklist = checklist
	}
	return r
}
