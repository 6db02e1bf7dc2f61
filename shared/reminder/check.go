package reminder

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// DefaultCheckDays is how many days, from today, Check looks at unless told
// otherwise (remind --check --days): a working day among them with nobody
// on call fails the check, and their days off are listed.
const DefaultCheckDays = 14

// weekAhead is how many days, from today, the report's table shows.
const weekAhead = 7

// Sheet is what Check reads of the rotation; *rotation.Roster is one.
type Sheet interface {
	// OnCall is the people of day d matched to the members tab.
	OnCall(d rotation.Date) []rotation.Member
	// Unmatched is the names of day d that match no member.
	Unmatched(d rotation.Date) []string
	// Vacancy says whether anyone is on call on d, and if not why.
	Vacancy(d rotation.Date) rotation.Vacancy
	// Problems is the sheet's located problems.
	Problems() []error
	// Stale reports, for an old read served because the sheet fails now,
	// when it was read and why it cannot be read since.
	Stale() (since time.Time, err error)
}

// Report is the sheet as its editors check it (remind --check): who is on
// call today and on the next working day, the week ahead, the days off and
// the working days nobody is on call in the days checked, and every problem
// found in the sheet. Failed says whether the check fails.
type Report struct {
	At    time.Time // the instant checked, in the calendar's zone
	Hours string    // business hours, as BUSINESS_HOURS reads
	Days  int       // the days checked: today and the Days-1 days after it

	Today Day
	// Next is the first working day after today; its Date is zero when
	// there is none within a year.
	Next Day
	// Week is today and the days after it, weekAhead days in all.
	Week []Day

	// DaysOff are the public and company holidays of the days checked,
	// whatever their weekday.
	DaysOff []message.DayOff
	// Unstaffed are the working days of the days checked that have nobody
	// on call (Day.Nobody): their reminders will be warnings and alerts
	// mention no one.
	Unstaffed []Day
	// Problems are the sheet's located problems (Sheet.Problems), such as
	// `rotation!A17: "2026-13-01" is not a date`.
	Problems []error

	// StaleErr, when not nil, is why the sheet could not be read: the
	// report is of the copy read at StaleSince.
	StaleSince time.Time
	StaleErr   error
}

// Day is one day of the report.
type Day struct {
	Date    rotation.Date
	Working bool
	Why     string // why it is not a working day, in English
	// BusinessDay: d's weekday is one of the business hours' days.
	BusinessDay bool
	DayOff      string // the public or company holiday's name, when it is one

	// Vacancy says whether anyone is on call, and if not why.
	Vacancy rotation.Vacancy
	// OnCall is the people the day names who match the members tab: the
	// ones mentioned.
	OnCall []rotation.Member
	// Unmatched is the names the day gives that match no member (each is
	// also one of the sheet's problems).
	Unmatched []string
}

// Nobody reports whether d is a working day with nobody on call: no name
// of the day matches a member (names that match none do not count).
func (d Day) Nobody() bool { return d.Working && d.Vacancy != rotation.Staffed }

// Failed reports whether the check fails: the sheet has problems, could not
// be read, or a working day of the days checked has nobody on call.
func (r Report) Failed() bool {
	return len(r.Problems) > 0 || len(r.Unstaffed) > 0 || r.StaleErr != nil
}

// Check builds the report of sheet at instant at, looking days days ahead
// from today (today included; fewer than 1 counts as 1). It is pure.
func Check(cal *workday.Calendar, sheet Sheet, at time.Time, days int) Report {
	at = at.In(cal.Location())
	days = max(days, 1)
	today := rotation.DateOf(at)
	day := func(d rotation.Date) Day {
		out := Day{
			Date: d, Working: cal.IsWorkingDate(d), Vacancy: sheet.Vacancy(d),
			OnCall: sheet.OnCall(d), Unmatched: sheet.Unmatched(d),
		}
		out.DayOff, _ = cal.IsHoliday(d)
		out.BusinessDay = cal.Hours().HasDay(d.Weekday())
		if !out.Working {
			out.Why = cal.WhyNotWorking(d)
		}
		return out
	}
	r := Report{At: at, Hours: cal.Hours().String(), Days: days, Today: day(today), Problems: sheet.Problems()}
	r.StaleSince, r.StaleErr = sheet.Stale()
	if next := cal.NextWorkingDate(today); next != (rotation.Date{}) {
		r.Next = day(next)
	}
	for i := range weekAhead {
		r.Week = append(r.Week, day(today.AddDays(i)))
	}
	for i := range days {
		d := day(today.AddDays(i))
		if d.DayOff != "" {
			r.DaysOff = append(r.DaysOff, message.DayOff{Date: d.Date, Name: d.DayOff})
		}
		if d.Nobody() {
			r.Unstaffed = append(r.Unstaffed, d)
		}
	}
	return r
}

// String is the report as remind --check prints it, in English.
func (r Report) String() string { return r.Text(locale.English) }

// Text is the report as remind --check prints it, in language l. The
// sheet's problems (rotation's errors) are in English whatever l.
func (r Report) Text(l locale.Language) string {
	var b strings.Builder
	b.WriteString(l.T("check.title", "Weekday", weekday(l, r.At.Weekday()), "At", r.At.Format("2006-01-02 15:04"),
		"Zone", r.At.Location().String(), "Hours", l.Hours(r.Hours)))
	b.WriteByte('\n')
	if r.StaleErr != nil {
		b.WriteString(l.T("check.stale", "Err", oneLine(r.StaleErr.Error()),
			"Since", r.StaleSince.In(r.At.Location()).Format("2006-01-02 15:04")))
		b.WriteByte('\n')
	}

	b.WriteString("\n" + l.T("check.today", "Day", message.Day(l, r.Today.Date)))
	if !r.Today.Working {
		b.WriteString(l.T("check.not_working", "Why", r.Today.WhyNotWorking(l, r.Hours)) + "\n")
	} else {
		b.WriteString(":\n")
		writePeople(&b, l, r.Today)
	}

	if r.Next.Date == (rotation.Date{}) {
		b.WriteString("\n" + l.T("check.next_none") + "\n")
	} else {
		b.WriteString("\n" + l.T("check.next", "Day", message.Day(l, r.Next.Date)) + "\n")
		writePeople(&b, l, r.Next)
	}

	b.WriteString("\n" + l.T("check.week") + "\n")
	rows := [][]string{{l.T("check.col_date"), l.T("check.col_day"), l.T("check.col_on_call"), l.T("check.col_day_off")}}
	for _, d := range r.Week {
		rows = append(rows, []string{d.Date.String(), shortWeekday(l, d.Date.Weekday()), weekPeople(l, d), weekDayOff(l, d)})
	}
	writeTable(&b, rows)

	b.WriteString("\n" + l.N("check.days_off", r.Days))
	if len(r.DaysOff) == 0 {
		b.WriteString(" " + l.T("check.none") + "\n")
	} else {
		b.WriteByte('\n')
		rows := make([][]string, 0, len(r.DaysOff))
		for _, off := range r.DaysOff {
			rows = append(rows, []string{weekday(l, off.Date.Weekday()), off.Date.String(), oneLine(l.Holiday(off.Name))})
		}
		writeTable(&b, rows)
	}

	b.WriteString("\n" + l.N("check.unstaffed", r.Days) + " ")
	if len(r.Unstaffed) == 0 {
		b.WriteString(l.T("check.none") + "\n")
	} else {
		b.WriteString(l.N("check.days_n", len(r.Unstaffed)) + "\n")
		rows := make([][]string, 0, len(r.Unstaffed))
		for _, d := range r.Unstaffed {
			rows = append(rows, []string{weekday(l, d.Date.Weekday()), d.Date.String(), whyNobody(l, d)})
		}
		writeTable(&b, rows)
	}

	b.WriteString("\n" + l.T("check.problems") + " ")
	if len(r.Problems) == 0 {
		b.WriteString(l.T("check.none") + "\n")
	} else {
		b.WriteString(l.N("check.problems_n", len(r.Problems)) + "\n")
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  %s\n", oneLine(p.Error()))
		}
	}
	return b.String()
}

// weekday is wd's name in l: "Monday", "月".
func weekday(l locale.Language, wd time.Weekday) string {
	return l.T("weekday." + strings.ToLower(wd.String()))
}

// shortWeekday is wd's short name in l: "Mon", "月".
func shortWeekday(l locale.Language, wd time.Weekday) string {
	return l.T("weekday_short." + strings.ToLower(wd.String())[:3])
}

// WhyNotWorking says, in l, why d is not a working day: a holiday (by
// name) or a day outside the business hours hours (Report.Hours); Why in
// any language.
func (d Day) WhyNotWorking(l locale.Language, hours string) string {
	if d.BusinessDay && d.DayOff != "" {
		return oneLine(l.T("check.why_holiday", "Day", message.Day(l, d.Date), "Name", l.Holiday(d.DayOff))) // a holiday's name is sheet text
	}
	return l.T("check.why_not_business", "Day", message.Day(l, d.Date), "Hours", l.Hours(hours))
}

// writePeople writes one line per person of working day d with their
// handle in each chat, then one per name that matches no member.
func writePeople(b *strings.Builder, l locale.Language, d Day) {
	if len(d.OnCall) == 0 {
		b.WriteString("  " + l.T("check.nobody") + "\n")
	}
	var rows [][]string
	for _, p := range d.OnCall {
		// A handle is shown as a mention only when the messages mention it:
		// both follow rotation.ValidSlackUserID and ValidTypetalkAccount.
		slack, typetalk := l.T("check.slack_none"), l.T("check.typetalk_none")
		switch {
		case rotation.ValidSlackUserID(p.Slack):
			slack = "Slack <@" + p.Slack + ">"
		case p.Slack != "":
			slack = l.T("check.slack_invalid", "Value", oneLine(p.Slack))
		case p.Email != "":
			// With a Slack destination and its token, the ID is looked up
			// by email before the check: none was found, or there is no
			// token to ask with.
			slack = l.T("check.slack_not_found", "Email", oneLine(p.Email))
		}
		switch {
		case rotation.ValidTypetalkAccount(p.Typetalk):
			typetalk = "Typetalk @" + p.Typetalk
		case p.Typetalk != "":
			typetalk = l.T("check.typetalk_invalid", "Value", oneLine(p.Typetalk))
		}
		rows = append(rows, []string{oneLine(p.Name), slack, typetalk})
	}
	writeTable(b, rows)
	for _, name := range d.Unmatched {
		fmt.Fprintf(b, "  %s\n", unmatched(l, name))
	}
}

// unmatched is how the report shows a name that matches no member.
func unmatched(l locale.Language, name string) string {
	return l.T("check.unmatched", "Name", oneLine(name))
}

// weekPeople is the on-call cell of d in the week's table.
func weekPeople(l locale.Language, d Day) string {
	var cells []string
	for _, p := range d.OnCall {
		cells = append(cells, oneLine(p.Name))
	}
	if d.Nobody() {
		cells = append(cells, l.T("check.week_nobody"))
	}
	for _, name := range d.Unmatched {
		cells = append(cells, unmatched(l, name))
	}
	if len(cells) == 0 {
		return "-"
	}
	return strings.Join(cells, l.T("list.separator"))
}

// weekDayOff is the day-off cell of d in the week's table.
func weekDayOff(l locale.Language, d Day) string {
	switch {
	case d.DayOff != "":
		return oneLine(l.Holiday(d.DayOff))
	case !d.Working:
		return l.T("check.not_business_day")
	}
	return ""
}

// whyNobody says why working day d has nobody on call (rotation.Vacancy).
func whyNobody(l locale.Language, d Day) string {
	switch d.Vacancy {
	case rotation.OnlyUnmatched:
		quoted := make([]string, len(d.Unmatched))
		for i, name := range d.Unmatched {
			quoted[i] = l.T("check.quoted", "Name", oneLine(name))
		}
		return l.N("check.only_unmatched", len(quoted), "Names", strings.Join(quoted, l.T("list.separator")))
	case rotation.EmptyRow:
		return l.T("check.empty_row")
	}
	return l.T("check.no_row")
}

// width measures text as a terminal shows it: a Japanese character takes
// two columns (text/tabwriter would count one per rune, and the columns
// after a Japanese name would not line up). Characters of ambiguous width
// count one, as most terminals show them, whatever the locale.
var width = &runewidth.Condition{EastAsianWidth: false, StrictEmojiNeutral: true}

// writeTable writes rows indented by two spaces, as left-aligned columns
// two spaces apart, each column as wide as its widest cell in display
// width. Rows may have fewer cells; no line ends in spaces.
func writeTable(b *strings.Builder, rows [][]string) {
	var widths []int
	for _, row := range rows {
		for i, cell := range row {
			if i == len(widths) {
				widths = append(widths, 0)
			}
			widths[i] = max(widths[i], width.StringWidth(cell))
		}
	}
	for _, row := range rows {
		var line strings.Builder
		line.WriteString("  ")
		for i, cell := range row {
			line.WriteString(cell)
			if i < len(row)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-width.StringWidth(cell)+2))
			}
		}
		b.WriteString(strings.TrimRight(line.String(), " "))
		b.WriteByte('\n')
	}
}

// oneLine keeps sheet text on one line of the report, and out of the
// terminal's control: line breaks and tabs (also NEL, U+2028 and U+2029)
// become one space, and the characters a terminal or a CI log would act on
// rather than show become U+FFFD: the other C0 controls (ESC starts colour,
// cursor and title sequences), DEL, the C1 controls (CSI, OSC…), the
// bidirectional embeddings, overrides and isolates (U+202A–U+202E,
// U+2066–U+2069), which reorder what follows them, and invalid UTF-8 bytes.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\r' || r == '\t' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			return '\n'
		case r < 0x20 || 0x7f <= r && r <= 0x9f || 0x202a <= r && r <= 0x202e || 0x2066 <= r && r <= 0x2069:
			return utf8.RuneError
		}
		return r // an invalid byte is utf8.RuneError already
	}, s)
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' }), " ")
}
