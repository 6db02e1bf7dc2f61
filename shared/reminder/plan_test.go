package reminder

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/rotation/csvfile"
	"github.com/pd2chat/pd2chat/shared/workday"
)

var tokyo = mustLoad("Asia/Tokyo")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

func date(s string) rotation.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return rotation.DateOf(t)
}

// jst is an instant in Tokyo: "2026-11-20 17:00".
func jst(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, tokyo)
	if err != nil {
		panic(err)
	}
	return t
}

func hours(t testing.TB, s string) workday.Hours {
	t.Helper()
	h, err := workday.ParseHours(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// companyDays stand in for the sheet's holidays tab: the year-end closure.
var companyDays = workday.Dates(date("2026-12-29"), date("2026-12-30"), date("2026-12-31"), date("2027-01-04"))

// testSheet is testdata/sheet, the rotation of November 2026 – January 2027.
func testSheet(t testing.TB) *rotation.Roster {
	t.Helper()
	r, err := csvfile.New("../../testdata/sheet").Roster(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// sheet parses rotation rows (date, names…) with testdata's members.
func sheet(t testing.TB, rows ...string) *rotation.Roster {
	t.Helper()
	var cells [][]string
	for _, row := range rows {
		cells = append(cells, strings.Split(row, ","))
	}
	members := [][]string{
		{"name", "slack", "typetalk"},
		{"Ito", "U01ITO00001", "ito"},
		{"Watanabe", "", "watanabe"},
		{"Holiday"}, {"Worker"}, {"Saturday Person"}, {"Sunday Person"}, {"Holiday Person"},
	}
	r, problems := rotation.Parse(cells, members)
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return r
}

// want is what a plan must say. Date "" means skipped; a nil People means
// nobody (the empty-rotation warning).
type want struct {
	Date    string
	People  []string
	DaysOff []string // "2026-11-23 Labor Thanksgiving Day"
	Skip    string   // a part of the reason
}

func names(ms []rotation.Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

// checker returns the check(desc, kind, at, want) closure for one calendar
// and roster.
func checker(t *testing.T, cal *workday.Calendar, roster *rotation.Roster) func(desc string, k Kind, at time.Time, w want) {
	return func(desc string, k Kind, at time.Time, w want) {
		t.Helper()
		d := Plan(cal, roster, k, at)
		var daysOff []string
		for _, off := range d.DaysOff {
			daysOff = append(daysOff, off.Date.String()+" "+off.Name)
		}
		switch {
		case w.Date == "":
			if d.Skip == "" || !strings.Contains(d.Skip, w.Skip) {
				t.Errorf("%s: %s at %s: skip %q, want a skip saying %q (date %s, people %v)", desc, k, at, d.Skip, w.Skip, d.Date, names(d.OnCall))
			}
			if d.Empty() {
				t.Errorf("%s: a skipped plan reports Empty", desc)
			}
		case d.Skip != "":
			t.Errorf("%s: %s at %s: skipped (%s), want %s %v", desc, k, at, d.Skip, w.Date, w.People)
		default:
			if d.Date.String() != w.Date || !slices.Equal(names(d.OnCall), w.People) || !slices.Equal(daysOff, w.DaysOff) {
				t.Errorf("%s: %s at %s:\n got %s %v days off %v\nwant %s %v days off %v",
					desc, k, at, d.Date, names(d.OnCall), daysOff, w.Date, w.People, w.DaysOff)
			}
			if d.Empty() != (len(w.People) == 0) {
				t.Errorf("%s: Empty() = %v with people %v", desc, d.Empty(), names(d.OnCall))
			}
		}
		if got := rotation.DateOf(at.In(tokyo)); d.Today != got || !d.At.Equal(at) || d.At.Location() != tokyo {
			t.Errorf("%s: Today %s At %s, want %s in Asia/Tokyo", desc, d.Today, d.At, got)
		}
	}
}

func TestPlanWeekdaySheet(t *testing.T) {
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), companyDays)
	check := checker(t, cal, testSheet(t))

	// An ordinary week.
	check("morning", Morning, jst("2026-11-20 10:00"), want{Date: "2026-11-20", People: []string{"Takahashi", "Tanaka"}})
	check("evening, Wednesday → Thursday", Evening, jst("2026-11-18 17:00"), want{Date: "2026-11-19", People: []string{"Sato", "Suzuki"}})
	check("evening, Thursday → Friday", Evening, jst("2026-11-19 17:00"), want{Date: "2026-11-20", People: []string{"Takahashi", "Tanaka"}})

	// The instant is the scheduled time, in Tokyo, whatever the clock.
	check("a retried invocation at 10:03 speaks for 10:00", Morning, jst("2026-11-20 10:03"), want{Date: "2026-11-20", People: []string{"Takahashi", "Tanaka"}})
	check("scheduledTime in UTC: 01:00Z is 10:00 JST", Morning, time.Date(2026, 11, 20, 1, 0, 0, 0, time.UTC), want{Date: "2026-11-20", People: []string{"Takahashi", "Tanaka"}})
	check("UTC day before, Tokyo day of", Morning, time.Date(2026, 11, 19, 15, 30, 0, 0, time.UTC), want{Date: "2026-11-20", People: []string{"Takahashi", "Tanaka"}})
	check("evening scheduledTime 08:00Z is Friday 17:00 JST", Evening, time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC), want{
		Date: "2026-11-24", People: []string{"Ito", "Watanabe"}, DaysOff: []string{"2026-11-23 Labor Thanksgiving Day"}})

	// Friday → Monday, or Tuesday when Monday is a holiday.
	check("Friday → Monday", Evening, jst("2026-11-13 17:00"), want{Date: "2026-11-16", People: []string{"Suzuki", "Takahashi"}})
	check("Friday before a Monday holiday → Tuesday", Evening, jst("2026-11-20 17:00"), want{
		Date: "2026-11-24", People: []string{"Ito", "Watanabe"}, DaysOff: []string{"2026-11-23 Labor Thanksgiving Day"}})
	check("Friday before Coming of Age Day → Tuesday", Evening, jst("2027-01-08 17:00"), want{
		Date: "2027-01-12", People: []string{"Watanabe", "Sato"}, DaysOff: []string{"2027-01-11 Coming of Age Day"}})
	check("Monday holiday: no morning reminder", Morning, jst("2026-11-23 10:00"), want{Skip: "2026-11-23 is a holiday: Labor Thanksgiving Day"})
	check("Monday holiday: no evening reminder", Evening, jst("2026-11-23 17:00"), want{Skip: "Labor Thanksgiving Day"})
	check("Saturday: none", Morning, jst("2026-11-21 10:00"), want{Skip: "Saturday 2026-11-21 is not a business day (Mon-Fri 10:00-17:00)"})
	check("Sunday evening: none", Evening, jst("2026-11-22 17:00"), want{Skip: "not a business day"})

	// Month and year boundaries.
	check("month end → 1 December", Evening, jst("2026-11-30 17:00"), want{Date: "2026-12-01", People: []string{"Takahashi", "Tanaka"}})
	check("1 December morning", Morning, jst("2026-12-01 10:00"), want{Date: "2026-12-01", People: []string{"Takahashi", "Tanaka"}})

	// Year end with the company holidays tab: 29–31 Dec, 1 Jan (public), 4 Jan.
	check("last day before the closure → 5 January", Evening, jst("2026-12-28 17:00"), want{
		Date: "2027-01-05", People: []string{"Takahashi", "Tanaka"},
		DaysOff: []string{"2026-12-29 Company holiday", "2026-12-30 Company holiday", "2026-12-31 Company holiday",
			"2027-01-01 New Year's Day", "2027-01-04 Company holiday"}})
	check("company holiday: no reminder, though the sheet names people", Morning, jst("2026-12-29 10:00"), want{Skip: "2026-12-29 is a holiday: Company holiday"})
	check("company holiday evening", Evening, jst("2026-12-31 17:00"), want{Skip: "Company holiday"})
	check("first working day of 2027", Morning, jst("2027-01-05 10:00"), want{Date: "2027-01-05", People: []string{"Takahashi", "Tanaka"}})

	// What the sheet says for the day.
	check("one person", Morning, jst("2026-12-08 10:00"), want{Date: "2026-12-08", People: []string{"Sato"}})
	check("a member without any handle is still named", Evening, jst("2026-12-14 17:00"), want{Date: "2026-12-15", People: []string{"Watanabe", "Yamamoto"}})
	check("a working day missing from the sheet: empty warning", Morning, jst("2026-10-30 10:00"), want{Date: "2026-10-30"})
	check("next working day past the sheet's end: empty warning", Evening, jst("2027-01-29 17:00"), want{Date: "2027-02-01"})
}

// The company days of testdata/sheet's holidays tab, read with the roster.
func TestPlanSheetHolidaysTab(t *testing.T) {
	roster := testSheet(t)
	check := checker(t, NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), roster), roster)
	check("year-end closure from the sheet", Evening, jst("2026-12-28 17:00"), want{
		Date: "2027-01-05", People: []string{"Takahashi", "Tanaka"},
		DaysOff: []string{"2026-12-29 Year-end closure", "2026-12-30 Year-end closure", "2026-12-31 Year-end closure",
			"2027-01-01 New Year's Day", "2027-01-04 New Year closure"}})
	check("a closure day the sheet staffs: no reminder", Morning, jst("2026-12-30 10:00"), want{Skip: "2026-12-30 is a holiday: Year-end closure"})
	check("Friday 25 → Monday 28", Evening, jst("2026-12-25 17:00"), want{Date: "2026-12-28", People: []string{"Ito", "Watanabe"}})
}

func TestPlanWithoutCompanyDays(t *testing.T) {
	// Without the holidays tab, 29–31 Dec and 4 Jan are working days.
	check := checker(t, NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), nil), testSheet(t))
	check("31 Dec → 4 Jan across the year", Evening, jst("2026-12-31 17:00"), want{
		Date: "2027-01-04", People: []string{"Sato", "Suzuki"}, DaysOff: []string{"2027-01-01 New Year's Day"}})
	check("28 Dec → 29 Dec", Evening, jst("2026-12-28 17:00"), want{Date: "2026-12-29", People: []string{"Suzuki", "Takahashi"}})

	// HOLIDAYS=none: Labour Thanksgiving is a working day the sheet left empty.
	check = checker(t, NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.None(), nil), testSheet(t))
	check("no holidays: Friday → Monday 23", Evening, jst("2026-11-20 17:00"), want{Date: "2026-11-23"})
}

func TestPlanGoldenWeek(t *testing.T) {
	roster := sheet(t,
		"date,first,second",
		"2026-04-28,Ito", "2026-04-30,Watanabe", "2026-05-01,Ito,Watanabe", "2026-05-07,Watanabe,Ito",
		"2026-05-04,Holiday,Worker", // rows for days off are ignored
	)
	check := checker(t, NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), companyDays), roster)
	check("Tuesday before Showa Day → Thursday", Evening, jst("2026-04-28 17:00"), want{
		Date: "2026-04-30", People: []string{"Watanabe"}, DaysOff: []string{"2026-04-29 Showa Day"}})
	check("Showa Day: none", Morning, jst("2026-04-29 10:00"), want{Skip: "Showa Day"})
	check("Thursday → Friday 1 May", Evening, jst("2026-04-30 17:00"), want{Date: "2026-05-01", People: []string{"Ito", "Watanabe"}})
	check("Friday 1 May → Thursday 7 May", Evening, jst("2026-05-01 17:00"), want{
		Date: "2026-05-07", People: []string{"Watanabe", "Ito"},
		DaysOff: []string{"2026-05-04 Greenery Day", "2026-05-05 Children's Day", "2026-05-06 Substitute holiday for Constitution Memorial Day"}})
	check("substitute holiday: none", Morning, jst("2026-05-06 10:00"), want{Skip: "Substitute holiday"})
}

// A sheet that names people every day of the week, weekends included.
func everyDaySheet(t *testing.T) *rotation.Roster {
	return sheet(t,
		"2026-11-20,Ito", "2026-11-21,Saturday Person", "2026-11-22,Sunday Person",
		"2026-11-23,Holiday Person", "2026-11-24,Watanabe",
	)
}

func TestPlanEveryDaySheet(t *testing.T) {
	// Mon-Fri hours: the weekend and holiday rows are not asked for.
	check := checker(t, NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), nil), everyDaySheet(t))
	check("weekday hours skip the sheet's weekend rows", Evening, jst("2026-11-20 17:00"), want{
		Date: "2026-11-24", People: []string{"Watanabe"}, DaysOff: []string{"2026-11-23 Labor Thanksgiving Day"}})
	check("no reminder on a Saturday the sheet staffs", Morning, jst("2026-11-21 10:00"), want{Skip: "not a business day"})

	// Mon-Sun hours: every day is a business day, holidays still are not.
	check = checker(t, NewCalendar(tokyo, hours(t, "Mon-Sun 10:00-17:00"), workday.JP(), nil), everyDaySheet(t))
	check("Friday → Saturday", Evening, jst("2026-11-20 17:00"), want{Date: "2026-11-21", People: []string{"Saturday Person"}})
	check("Saturday morning", Morning, jst("2026-11-21 10:00"), want{Date: "2026-11-21", People: []string{"Saturday Person"}})
	check("Saturday → Sunday", Evening, jst("2026-11-21 17:00"), want{Date: "2026-11-22", People: []string{"Sunday Person"}})
	check("Sunday → Tuesday past the Monday holiday", Evening, jst("2026-11-22 17:00"), want{
		Date: "2026-11-24", People: []string{"Watanabe"}, DaysOff: []string{"2026-11-23 Labor Thanksgiving Day"}})
	check("holiday: none, though the sheet staffs it", Morning, jst("2026-11-23 10:00"), want{Skip: "Labor Thanksgiving Day"})
}

func TestPlanWeekdaySheetEveryDayHours(t *testing.T) {
	// Mon-Sun hours over a weekday-only sheet: the weekend is a working day
	// nobody is on call for, and the reminder says so.
	check := checker(t, NewCalendar(tokyo, hours(t, "Mon-Sun 10:00-17:00"), workday.JP(), companyDays), testSheet(t))
	check("Friday → Saturday, nobody", Evening, jst("2026-11-13 17:00"), want{Date: "2026-11-14"})
	check("Saturday morning, nobody", Morning, jst("2026-11-14 10:00"), want{Date: "2026-11-14"})
	check("Friday before a Monday holiday → Saturday", Evening, jst("2026-11-20 17:00"), want{Date: "2026-11-21"})
	check("year-end: Monday 28 → Saturday 2 January", Evening, jst("2026-12-28 17:00"), want{
		Date: "2027-01-02",
		DaysOff: []string{"2026-12-29 Company holiday", "2026-12-30 Company holiday", "2026-12-31 Company holiday",
			"2027-01-01 New Year's Day"}})
}

func TestPlanOtherHours(t *testing.T) {
	check := checker(t, NewCalendar(tokyo, hours(t, "Mon,Wed,Fri 09:30-18:00"), workday.JP(), nil), testSheet(t))
	check("Monday → Wednesday", Evening, jst("2026-11-16 17:00"), want{Date: "2026-11-18", People: []string{"Watanabe", "Sato"}})
	check("Tuesday: none", Morning, jst("2026-11-17 10:00"), want{Skip: "Tuesday 2026-11-17 is not a business day (Mon,Wed,Fri 09:30-18:00)"})
	check("Friday → Wednesday past the Monday holiday", Evening, jst("2026-11-20 17:00"), want{
		Date: "2026-11-25", People: []string{"Suzuki", "Takahashi"}, DaysOff: []string{"2026-11-23 Labor Thanksgiving Day"}})

	// No business day at all: nothing, and no endless search.
	check = checker(t, NewCalendar(tokyo, workday.Hours{}, nil, nil), testSheet(t))
	check("no business days", Evening, jst("2026-11-20 17:00"), want{Skip: "not a business day"})
	everyDayOff := workday.HolidayFunc(func(d rotation.Date) (string, bool) { return "closed", d != date("2026-11-20") })
	check = checker(t, NewCalendar(tokyo, hours(t, "Mon-Sun 10:00-17:00"), everyDayOff, nil), testSheet(t))
	check("no working day for a year after", Evening, jst("2026-11-20 17:00"), want{Skip: "no working day in the year after 2026-11-20"})
}

func TestNewCalendarNamesPublicHolidaysFirst(t *testing.T) {
	company := workday.Dates(date("2027-01-01"), date("2026-12-31"))
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), company)
	for day, want := range map[string]string{"2027-01-01": "New Year's Day", "2026-12-31": workday.DayOffName, "2026-11-23": "Labor Thanksgiving Day", "2026-12-28": ""} {
		name, ok := cal.IsHoliday(date(day))
		if name != want || ok != (want != "") {
			t.Errorf("IsHoliday(%s) = %q, %v; want %q", day, name, ok, want)
		}
		if ok && cal.IsWorkingDate(date(day)) {
			t.Errorf("%s is a holiday but a working day", day)
		}
	}
	// Nil holidays on both sides: only the weekdays count.
	if !NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), nil, nil).IsWorkingDate(date("2026-11-23")) {
		t.Error("without holidays, Monday 23 November is a working day")
	}
}

func TestDecisionReminder(t *testing.T) {
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), nil)
	alerts := []message.Channel{{Dialect: message.Slack, ID: "C0ALERTS"}}
	for _, k := range []Kind{Morning, Evening} {
		d := Plan(cal, testSheet(t), k, jst("2026-11-20 10:00"))
		r := d.Reminder(cal.Hours(), alerts, "https://wiki.example.com/oncall", DefaultChecklist)
		if r.Date != d.Date || r.From != 10*time.Hour || r.Until != 17*time.Hour || r.ManualURL == "" || len(r.AlertChannels) != 1 {
			t.Errorf("%s: reminder %+v", k, r)
		}
		if wantKind := map[Kind]message.ReminderKind{Morning: message.MorningReminder, Evening: message.EveningReminder}[k]; r.Kind != wantKind {
			t.Errorf("%s: kind %v", k, r.Kind)
		}
		if (k == Evening) != (len(r.Checklist) > 0) {
			t.Errorf("%s: checklist %v", k, r.Checklist)
		}
	}
}

func TestParseKind(t *testing.T) {
	for _, s := range []string{"morning", "evening", "digest", "followup"} {
		k, err := ParseKind(s)
		if err != nil || string(k) != s {
			t.Errorf("ParseKind(%q) = %q, %v", s, k, err)
		}
		if k.IsReminder() != (s == "morning" || s == "evening") {
			t.Errorf("%q.IsReminder() = %v", s, k.IsReminder())
		}
	}
	for _, s := range []string{"", "Morning", "noon", " evening"} {
		if _, err := ParseKind(s); err == nil || !strings.Contains(err.Error(), "is not \"morning\", \"evening\", \"digest\" or \"followup\"") {
			t.Errorf("ParseKind(%q): error %v", s, err)
		}
	}
}

// NewCalendar, for the tests, is workday.New(loc, h, builtin).With(company): the calendar
// of business hours h in zone loc whose days off are the built-in holidays
// (HOLIDAYS) and the company days (the sheet's holidays tab: a
// *rotation.Roster). Either may be nil.
func NewCalendar(loc *time.Location, h workday.Hours, builtin, company workday.Holidays) *workday.Calendar {
	return workday.New(loc, h, builtin).With(company)
}
