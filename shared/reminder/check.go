package reminder

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"

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
	Why     string // why it is not a working day
	DayOff  string // the public or company holiday's name, when it is one

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

// String is the report as remind --check prints it.
func (r Report) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Rotation check at %s %s (%s); business hours %s\n",
		r.At.Weekday(), r.At.Format("2006-01-02 15:04"), r.At.Location(), r.Hours)
	if r.StaleErr != nil {
		fmt.Fprintf(&b, "⚠ The sheet cannot be read now (%s): this is the copy read at %s\n",
			oneLine(r.StaleErr.Error()), r.StaleSince.In(r.At.Location()).Format("2006-01-02 15:04"))
	}

	fmt.Fprintf(&b, "\nToday, %s %s", r.Today.Date.Weekday(), r.Today.Date)
	if !r.Today.Working {
		fmt.Fprintf(&b, ": not a working day (%s): no reminders, no mentions\n", oneLine(r.Today.Why)) // a holiday's name is sheet text
	} else {
		b.WriteString(":\n")
		writePeople(&b, r.Today)
	}

	if r.Next.Date == (rotation.Date{}) {
		b.WriteString("\nNext working day: none within a year\n")
	} else {
		fmt.Fprintf(&b, "\nNext working day, %s %s:\n", r.Next.Date.Weekday(), r.Next.Date)
		writePeople(&b, r.Next)
	}

	b.WriteString("\nThe week ahead:\n")
	rows := [][]string{{"date", "day", "on call", "day off"}}
	for _, d := range r.Week {
		rows = append(rows, []string{d.Date.String(), d.Date.Weekday().String()[:3], weekPeople(d), weekDayOff(d)})
	}
	writeTable(&b, rows)

	fmt.Fprintf(&b, "\nDays off in the next %s:", plural(r.Days, "day"))
	if len(r.DaysOff) == 0 {
		b.WriteString(" none\n")
	} else {
		b.WriteByte('\n')
		rows := make([][]string, 0, len(r.DaysOff))
		for _, off := range r.DaysOff {
			rows = append(rows, []string{off.Date.Weekday().String(), off.Date.String(), oneLine(off.Name)})
		}
		writeTable(&b, rows)
	}

	fmt.Fprintf(&b, "\nWorking days in the next %s with nobody on call: ", plural(r.Days, "day"))
	if len(r.Unstaffed) == 0 {
		b.WriteString("none\n")
	} else {
		fmt.Fprintf(&b, "%d\n", len(r.Unstaffed))
		rows := make([][]string, 0, len(r.Unstaffed))
		for _, d := range r.Unstaffed {
			rows = append(rows, []string{d.Date.Weekday().String(), d.Date.String(), whyNobody(d)})
		}
		writeTable(&b, rows)
	}

	b.WriteString("\nProblems in the sheet: ")
	if len(r.Problems) == 0 {
		b.WriteString("none\n")
	} else {
		fmt.Fprintf(&b, "%d\n", len(r.Problems))
		for _, p := range r.Problems {
			fmt.Fprintf(&b, "  %s\n", oneLine(p.Error()))
		}
	}
	return b.String()
}

// writePeople writes one line per person of working day d with their
// handle in each chat, then one per name that matches no member.
func writePeople(b *strings.Builder, d Day) {
	if len(d.OnCall) == 0 {
		b.WriteString("  nobody: the reminder warns that the rotation is empty, and alerts mention no one\n")
	}
	var rows [][]string
	for _, p := range d.OnCall {
		// A handle is shown as a mention only when the messages mention it:
		// both follow rotation.ValidSlackUserID and ValidTypetalkAccount.
		slack, typetalk := "Slack: no user ID, shown as plain text", "Typetalk: no account, shown as plain text"
		switch {
		case rotation.ValidSlackUserID(p.Slack):
			slack = "Slack <@" + p.Slack + ">"
		case p.Slack != "":
			slack = fmt.Sprintf("Slack: %q is not a user ID, shown as plain text", oneLine(p.Slack))
		case p.Email != "":
			// With a Slack destination and its token, the ID is looked up
			// by email before the check: none was found, or there is no
			// token to ask with.
			slack = "Slack: no user ID found for " + oneLine(p.Email) + ", shown as plain text"
		}
		switch {
		case rotation.ValidTypetalkAccount(p.Typetalk):
			typetalk = "Typetalk @" + p.Typetalk
		case p.Typetalk != "":
			typetalk = fmt.Sprintf("Typetalk: %q is not an account name, shown as plain text", oneLine(p.Typetalk))
		}
		rows = append(rows, []string{oneLine(p.Name), slack, typetalk})
	}
	writeTable(b, rows)
	for _, name := range d.Unmatched {
		fmt.Fprintf(b, "  %s\n", unmatched(name))
	}
}

// unmatched is how the report shows a name that matches no member.
func unmatched(name string) string { return fmt.Sprintf("⚠ %q matches no member", oneLine(name)) }

// weekPeople is the on-call cell of d in the week's table.
func weekPeople(d Day) string {
	var cells []string
	for _, p := range d.OnCall {
		cells = append(cells, oneLine(p.Name))
	}
	if d.Nobody() {
		cells = append(cells, "⚠ nobody")
	}
	for _, name := range d.Unmatched {
		cells = append(cells, unmatched(name))
	}
	if len(cells) == 0 {
		return "-"
	}
	return strings.Join(cells, ", ")
}

// weekDayOff is the day-off cell of d in the week's table.
func weekDayOff(d Day) string {
	switch {
	case d.DayOff != "":
		return oneLine(d.DayOff)
	case !d.Working:
		return "not a business day"
	}
	return ""
}

// whyNobody says why working day d has nobody on call (rotation.Vacancy).
func whyNobody(d Day) string {
	switch d.Vacancy {
	case rotation.OnlyUnmatched:
		quoted := make([]string, len(d.Unmatched))
		for i, name := range d.Unmatched {
			quoted[i] = fmt.Sprintf("%q", oneLine(name))
		}
		if len(quoted) == 1 {
			return "only " + quoted[0] + ", which matches no member"
		}
		return "only " + strings.Join(quoted, ", ") + ", which match no member"
	case rotation.EmptyRow:
		return "its row in the rotation tab names nobody"
	}
	return "no row in the rotation tab"
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
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
