package reminder

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/workday"
)

func people(ps []Person) []string {
	var out []string
	for _, p := range ps {
		s := p.Name
		if !p.Listed {
			s += "?"
		}
		out = append(out, s)
	}
	return out
}

func TestCheck(t *testing.T) {
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), companyDays)
	roster := testSheet(t)

	r := Check(cal, roster, jst("2026-11-20 09:00"))
	if r.Today.Date != date("2026-11-20") || !r.Today.Working || !slices.Equal(people(r.Today.OnCall), []string{"Takahashi", "Tanaka"}) {
		t.Errorf("today: %+v", r.Today)
	}
	if r.Next.Date != date("2026-11-24") || !slices.Equal(people(r.Next.OnCall), []string{"Ito", "Watanabe"}) {
		t.Errorf("next: %+v", r.Next)
	}
	if len(r.DaysOff) != 1 || r.DaysOff[0].Date != date("2026-11-23") || len(r.Unstaffed) != 0 {
		t.Errorf("days off %v, unstaffed %v", r.DaysOff, r.Unstaffed)
	}

	// A Sunday; the contractor of 15 December is not in members.
	r = Check(cal, roster, jst("2026-12-13 12:00"))
	if r.Today.Working || !strings.Contains(r.Today.Why, "not a business day") {
		t.Errorf("Sunday: %+v", r.Today)
	}
	if r.Next.Date != date("2026-12-14") {
		t.Errorf("next after Sunday: %v", r.Next.Date)
	}
	r = Check(cal, roster, jst("2026-12-14 12:00"))
	if !slices.Equal(people(r.Next.OnCall), []string{"Watanabe", "Yamamoto?"}) {
		t.Errorf("contractor: %v", people(r.Next.OnCall))
	}
	var offs []string
	for _, off := range r.DaysOff {
		offs = append(offs, off.Date.String()+" "+off.Name)
	}
	if want := []string{"2026-12-29 Company holiday", "2026-12-30 Company holiday", "2026-12-31 Company holiday", "2027-01-01 New Year's Day", "2027-01-04 Company holiday", "2027-01-11 Coming of Age Day"}; !slices.Equal(offs, want) {
		t.Errorf("days off\n got %v\nwant %v", offs, want)
	}

	// Near the sheet's end: the working days it does not cover yet.
	r = Check(cal, roster, jst("2027-01-25 10:00"))
	var unstaffed []string
	for _, d := range r.Unstaffed {
		unstaffed = append(unstaffed, d.String())
	}
	want := []string{"2027-02-01", "2027-02-02", "2027-02-03", "2027-02-04", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-12", "2027-02-15", "2027-02-16", "2027-02-17", "2027-02-18", "2027-02-19", "2027-02-22", "2027-02-24"}
	if !slices.Equal(unstaffed, want) {
		t.Errorf("unstaffed\n got %v\nwant %v", unstaffed, want)
	}
}

func TestReportString(t *testing.T) {
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), companyDays)
	r := Check(cal, testSheet(t), jst("2026-11-20 09:00"))
	r.Problems = []error{
		&rotation.CellError{Tab: rotation.RotationTab, Row: 17, Col: 1, Err: errors.New(`"2026-13-01" is not a date`)},
		errors.New("two\nlines"),
	}
	want := `Rotation check at Friday 2026-11-20 09:00 (Asia/Tokyo); business hours Mon-Fri 10:00-17:00

Today, Friday 2026-11-20:
  Takahashi  Slack <@U01TAKAHASH>  Typetalk @takahashi
  Tanaka     Slack <@U01TANAKA01>  Typetalk @tanaka

Next working day, Tuesday 2026-11-24:
  Ito       Slack <@U01ITO00001>                    Typetalk @ito
  Watanabe  Slack: no user ID, shown as plain text  Typetalk @watanabe

Days off in the next 30 days:
  Monday  2026-11-23  Labor Thanksgiving Day

Working days in the next 30 days with nobody on call: none

Problems in the sheet: 2
  rotation!A17: "2026-13-01" is not a date
  two lines
`
	if got := r.String(); got != want {
		t.Errorf("report\n--- got:\n%s\n--- want:\n%s", got, want)
	}

	r = Check(cal, testSheet(t), jst("2026-12-31 09:00"))
	got := r.String()
	for _, want := range []string{
		"Today, Thursday 2026-12-31: not a working day (Thursday 2026-12-31 is a holiday: Company holiday): no reminders, no mentions\n",
		"Next working day, Tuesday 2027-01-05:\n",
		"Problems in the sheet: none\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	r = Check(cal, testSheet(t), jst("2026-12-14 09:00"))
	if got := r.String(); !strings.Contains(got, "  Yamamoto  not in the members tab: shown as plain text, mentioned nowhere\n") {
		t.Errorf("contractor line:\n%s", got)
	}
	r = Check(cal, testSheet(t), jst("2026-10-30 09:00"))
	if got := r.String(); !strings.Contains(got, "Today, Friday 2026-10-30:\n  nobody: the reminder warns") {
		t.Errorf("empty day:\n%s", got)
	}
}

// Check reports the problems the roster carries.
func TestCheckProblems(t *testing.T) {
	roster, _ := rotation.ParseTabs(rotation.Tabs{
		Rotation: [][]string{{"date", "first"}, {"2026-11-20", "Ito"}, {"2026-13-01", "Ito"}},
		Holidays: [][]string{{"2026-11-24", "Offsite"}, {"2026-11-24", "Again"}},
	})
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), roster)
	r := Check(cal, roster, jst("2026-11-20 10:00"))
	if len(r.Problems) != 2 {
		t.Fatalf("problems %v", r.Problems)
	}
	got := r.String()
	for _, want := range []string{"Problems in the sheet: 2\n", "rotation!A3: \"2026-13-01\" is not a date\n", "holidays!A2:",
		"Next working day, Wednesday 2026-11-25:\n", "  Tuesday  2026-11-24  Offsite\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
}
