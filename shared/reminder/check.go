package reminder

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// CheckDays is how many days ahead Check looks for days off and for working
// days nobody is on call.
const CheckDays = 30

// Report is the sheet as its editors check it (remind --check): who is on
// call today and on the next working day, the days off coming up, and every
// problem found in the sheet.
type Report struct {
	At    time.Time // the instant checked, in the calendar's zone
	Hours string    // business hours, as BUSINESS_HOURS reads

	Today Day
	// Next is the first working day after today; its Date is zero when
	// there is none within a year.
	Next Day

	// DaysOff are the public and company holidays from today to CheckDays
	// days later, whatever their weekday.
	DaysOff []message.DayOff
	// Unstaffed are the working days in the same span that the sheet has
	// nobody for: their reminders will be warnings and alerts mention no one.
	Unstaffed []rotation.Date
	// Problems are the sheet's located problems (Roster.Problems).
	Problems []error
}

// Day is one day of the report.
type Day struct {
	Date    rotation.Date
	Working bool
	Why     string // why it is not a working day
	OnCall  []Person
}

// Person is one person on call, as each chat will show them.
type Person struct {
	rotation.Member
	Listed bool // found in the members tab; otherwise shown as plain text everywhere
}

// Check builds the report of roster at instant at. It is pure.
func Check(cal Calendar, roster *rotation.Roster, at time.Time) Report {
	at = at.In(cal.Location())
	today := rotation.DateOf(at)
	listed := map[string]bool{}
	for _, m := range roster.Members() {
		listed[m.Name] = true
	}
	day := func(d rotation.Date) Day {
		out := Day{Date: d, Working: cal.IsWorkingDate(d)}
		if !out.Working {
			out.Why = cal.whyNotWorking(d)
		}
		for _, m := range roster.OnCall(d) {
			out.OnCall = append(out.OnCall, Person{Member: m, Listed: listed[m.Name]})
		}
		return out
	}
	r := Report{At: at, Hours: cal.Hours().String(), Today: day(today), Problems: roster.Problems()}
	if next := cal.NextWorkingDate(today); next != (rotation.Date{}) {
		r.Next = day(next)
	}
	for i := 0; i <= CheckDays; i++ {
		d := addDays(today, i)
		if name, ok := cal.IsHoliday(d); ok {
			r.DaysOff = append(r.DaysOff, message.DayOff{Date: d, Name: name})
		}
		if cal.IsWorkingDate(d) && len(roster.OnCall(d)) == 0 {
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

	fmt.Fprintf(&b, "\nToday, %s %s", weekday(r.Today.Date), r.Today.Date)
	if !r.Today.Working {
		fmt.Fprintf(&b, ": not a working day (%s): no reminders, no mentions\n", r.Today.Why)
	} else {
		b.WriteString(":\n")
		writePeople(&b, r.Today.OnCall)
	}

	if r.Next.Date == (rotation.Date{}) {
		b.WriteString("\nNext working day: none within a year\n")
	} else {
		fmt.Fprintf(&b, "\nNext working day, %s %s:\n", weekday(r.Next.Date), r.Next.Date)
		writePeople(&b, r.Next.OnCall)
	}

	fmt.Fprintf(&b, "\nDays off in the next %d days:", CheckDays)
	if len(r.DaysOff) == 0 {
		b.WriteString(" none\n")
	} else {
		b.WriteByte('\n')
		tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
		for _, off := range r.DaysOff {
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", weekday(off.Date), off.Date, oneLine(off.Name))
		}
		_ = tw.Flush()
	}

	fmt.Fprintf(&b, "\nWorking days in the next %d days with nobody on call:", CheckDays)
	if len(r.Unstaffed) == 0 {
		b.WriteString(" none\n")
	} else {
		b.WriteByte('\n')
		for _, d := range r.Unstaffed {
			fmt.Fprintf(&b, "  %s %s\n", weekday(d), d)
		}
	}

	fmt.Fprintf(&b, "\nProblems in the sheet: ")
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

// writePeople writes one line per person with their handle in each chat.
func writePeople(b *strings.Builder, people []Person) {
	if len(people) == 0 {
		b.WriteString("  nobody: the reminder warns that the rotation is empty, and alerts mention no one\n")
		return
	}
	tw := tabwriter.NewWriter(b, 0, 4, 2, ' ', 0)
	for _, p := range people {
		if !p.Listed {
			fmt.Fprintf(tw, "  %s\tnot in the members tab: shown as plain text, mentioned nowhere\n", oneLine(p.Name))
			continue
		}
		slack, typetalk := "Slack: no user ID, shown as plain text", "Typetalk: no account, shown as plain text"
		if p.Slack != "" {
			slack = "Slack <@" + p.Slack + ">"
		}
		if p.Typetalk != "" {
			typetalk = "Typetalk @" + oneLine(p.Typetalk)
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", oneLine(p.Name), slack, typetalk)
	}
	_ = tw.Flush()
}

// oneLine keeps sheet text on one line of the report.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == '\t' }), " ")
}
