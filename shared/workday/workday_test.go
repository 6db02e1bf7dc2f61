package workday

import (
	"testing"
	"time"
	_ "time/tzdata" // Asia/Tokyo on any machine

	"github.com/pd2chat/pd2chat/shared/rotation"
)

func tokyo(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func mustHours(t testing.TB, s string) Hours {
	t.Helper()
	h, err := ParseHours(s)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// defaultCalendar is the product default: Mon-Fri 10:00-17:00 in Tokyo,
// Japanese public holidays.
func defaultCalendar(t testing.TB) *Calendar {
	return New(tokyo(t), mustHours(t, "Mon-Fri 10:00-17:00"), JP())
}

// at parses an RFC 3339 instant; a time without offset is Tokyo time.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	if ts, err := time.Parse(time.RFC3339, s); err == nil {
		return ts
	}
	ts, err := time.ParseInLocation("2006-01-02T15:04:05", s, tokyo(t))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestIsWorkingTime(t *testing.T) {
	c := defaultCalendar(t)
	check := func(desc, when string, want bool) {
		t.Helper()
		t.Run(desc, func(t *testing.T) {
			t.Helper()
			if got := c.IsWorkingTime(at(t, when)); got != want {
				t.Errorf("IsWorkingTime(%s) = %v, want %v", when, got, want)
			}
		})
	}
	// Friday 2026-11-20, Tokyo.
	check("Fri before opening", "2026-11-20T09:59:59", false)
	check("Fri opening instant is inside", "2026-11-20T10:00:00", true)
	check("Fri last second", "2026-11-20T16:59:59", true)
	check("Fri last nanosecond", "2026-11-20T16:59:59.999999999+09:00", true)
	check("Fri closing instant is outside", "2026-11-20T17:00:00", false)
	check("Fri midnight", "2026-11-20T00:00:00", false)
	check("Fri late evening", "2026-11-20T23:59:59", false)
	// The same instants given in UTC: the zone of t does not matter.
	check("UTC 00:59:59Z is 09:59:59 JST", "2026-11-20T00:59:59Z", false)
	check("UTC 01:00:00Z is 10:00:00 JST", "2026-11-20T01:00:00Z", true)
	check("UTC 07:59:59Z is 16:59:59 JST", "2026-11-20T07:59:59Z", true)
	check("UTC 08:00:00Z is 17:00:00 JST", "2026-11-20T08:00:00Z", false)
	check("other offset", "2026-11-20T02:30:00+01:00", true) // 10:30 JST
	// UTC Thursday evening is already Friday morning in Tokyo.
	check("UTC Thu 23:30Z is Fri 08:30 JST", "2026-11-19T23:30:00Z", false)
	check("UTC Fri 01:30Z is Fri 10:30 JST", "2026-11-20T01:30:00Z", true)
	// UTC Friday working hours end on Friday, but Saturday has begun in Tokyo.
	check("UTC Fri 16:00Z is Sat 01:00 JST", "2026-11-20T16:00:00Z", false)
	check("UTC Sun 23:00Z is Mon 08:00 JST", "2026-11-29T23:00:00Z", false)
	check("UTC Mon 01:00Z is Mon 10:00 JST", "2026-11-30T01:00:00Z", true)
	// Weekends.
	check("Sat noon", "2026-11-21T12:00:00", false)
	check("Sun noon", "2026-11-22T12:00:00", false)
	// Holidays.
	check("Labour Thanksgiving (Mon) 10:00", "2026-11-23T10:00:00", false)
	check("Tue after it", "2026-11-24T10:00:00", true)
	check("Culture Day (Tue)", "2026-11-03T12:00:00", false)
	check("GW substitute holiday Wed 6 May", "2026-05-06T12:00:00", false)
	check("Thu 7 May after GW", "2026-05-07T12:00:00", true)
	check("Silver Week citizens' holiday", "2026-09-22T12:00:00", false)
	check("New Year's Day 2027 (Fri)", "2027-01-01T12:00:00", false)
	// Year-end: not public holidays, so working days (company days go in Dates).
	check("Thu 31 Dec", "2026-12-31T16:59:59", true)
	check("Mon 4 Jan", "2027-01-04T10:00:00", true)
	// Month end.
	check("Mon 30 Nov", "2026-11-30T16:59:59", true)
	check("Tue 1 Dec", "2026-12-01T10:00:00", true)
}

func TestIsWorkingTimeOtherHours(t *testing.T) {
	loc := tokyo(t)
	companyDays := Dates(date("2026-12-29"), date("2026-12-30"), date("2026-12-31"))
	tests := []struct {
		desc string
		cal  *Calendar
		when string
		want bool
	}{
		{"Mon,Wed,Fri: Tue is off", New(loc, mustHours(t, "Mon,Wed,Fri 09:30-18:00"), None()), "2026-11-24T12:00:00", false},
		{"Mon,Wed,Fri: Wed 09:30", New(loc, mustHours(t, "Mon,Wed,Fri 09:30-18:00"), None()), "2026-11-25T09:30:00", true},
		{"Mon,Wed,Fri: Wed 09:29:59", New(loc, mustHours(t, "Mon,Wed,Fri 09:30-18:00"), None()), "2026-11-25T09:29:59", false},
		{"Mon,Wed,Fri: Wed 17:59:59", New(loc, mustHours(t, "Mon,Wed,Fri 09:30-18:00"), None()), "2026-11-25T17:59:59", true},
		{"Mon-Sun: Sat", New(loc, mustHours(t, "Mon-Sun 10:00-17:00"), JP()), "2026-11-21T10:00:00", true},
		{"Mon-Sun: still not on a holiday", New(loc, mustHours(t, "Mon-Sun 10:00-17:00"), JP()), "2026-11-23T10:00:00", false},
		{"None: holiday is a working day", New(loc, mustHours(t, "Mon-Fri 10:00-17:00"), None()), "2026-11-23T10:00:00", true},
		{"nil holidays is None", New(loc, mustHours(t, "Mon-Fri 10:00-17:00"), nil), "2026-11-23T10:00:00", true},
		{"company day off", New(loc, mustHours(t, "Mon-Fri 10:00-17:00"), Union(JP(), companyDays)), "2026-12-29T10:00:00", false},
		{"until 24:00: 23:59:59", New(loc, mustHours(t, "Mon-Fri 00:00-24:00"), None()), "2026-11-20T23:59:59", true},
		{"until 24:00: next midnight is Sat", New(loc, mustHours(t, "Mon-Fri 00:00-24:00"), None()), "2026-11-21T00:00:00", false},
		{"nil zone is UTC", New(nil, mustHours(t, "Mon-Fri 10:00-17:00"), None()), "2026-11-20T10:00:00Z", true},
		{"nil zone is UTC: 01:00Z", New(nil, mustHours(t, "Mon-Fri 10:00-17:00"), None()), "2026-11-20T01:00:00Z", false},
		{"zero Hours: never", New(loc, Hours{}, None()), "2026-11-20T12:00:00", false},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			if got := tt.cal.IsWorkingTime(at(t, tt.when)); got != tt.want {
				t.Errorf("IsWorkingTime(%s) = %v, want %v", tt.when, got, tt.want)
			}
		})
	}
}

func TestIsWorkingDay(t *testing.T) {
	c := defaultCalendar(t)
	check := func(desc, when string, want bool) {
		t.Helper()
		t.Run(desc, func(t *testing.T) {
			if got := c.IsWorkingDay(at(t, when)); got != want {
				t.Errorf("IsWorkingDay(%s) = %v, want %v", when, got, want)
			}
			d := rotation.DateOf(at(t, when).In(c.Location()))
			if got := c.IsWorkingDate(d); got != want {
				t.Errorf("IsWorkingDate(%s) = %v, want %v", d, got, want)
			}
		})
	}
	check("Fri before hours", "2026-11-20T06:00:00", true)
	check("Fri after hours", "2026-11-20T23:59:59", true)
	check("Sat", "2026-11-21T12:00:00", false)
	check("Sun", "2026-11-22T12:00:00", false)
	check("holiday Mon", "2026-11-23T12:00:00", false)
	check("UTC Sun 15:00Z is Mon 00:00 JST, a holiday", "2026-11-22T15:00:00Z", false)
	check("UTC Mon 15:00Z is Tue 00:00 JST", "2026-11-23T15:00:00Z", true)
	check("UTC Sun 14:59:59Z is Sun in Tokyo", "2026-11-29T14:59:59Z", false)
	check("UTC Sun 15:00:00Z is Mon in Tokyo", "2026-11-29T15:00:00Z", true)
}

func TestNextWorkingDay(t *testing.T) {
	c := defaultCalendar(t)
	check := func(desc, when, want string) {
		t.Helper()
		t.Run(desc, func(t *testing.T) {
			if got := c.NextWorkingDay(at(t, when)); got.String() != want {
				t.Errorf("NextWorkingDay(%s) = %s, want %s", when, got, want)
			}
		})
	}
	check("Mon → Tue", "2026-11-16T17:00:00", "2026-11-17")
	check("Thu → Fri", "2026-11-26T17:00:00", "2026-11-27")
	check("Fri → Mon", "2026-11-27T17:00:00", "2026-11-30")
	check("Fri before a Monday holiday → Tue", "2026-11-20T17:00:00", "2026-11-24")
	check("Sat → Tue over the holiday", "2026-11-21T12:00:00", "2026-11-24")
	check("holiday Mon → Tue", "2026-11-23T17:00:00", "2026-11-24")
	check("Mon before Culture Day (Tue) → Wed", "2026-11-02T17:00:00", "2026-11-04")
	check("Tue before GW → Thu", "2026-04-28T17:00:00", "2026-04-30")
	check("Fri 1 May → Thu 7 May", "2026-05-01T17:00:00", "2026-05-07")
	check("Fri 18 Sep → Thu 24 Sep (Silver Week)", "2026-09-18T17:00:00", "2026-09-24")
	check("Thu 31 Dec → Mon 4 Jan", "2026-12-31T17:00:00", "2027-01-04")
	check("Wed 30 Dec → Thu 31 Dec", "2026-12-30T17:00:00", "2026-12-31")
	check("month end: Mon 30 Nov → Tue 1 Dec", "2026-11-30T17:00:00", "2026-12-01")
	check("UTC instant on Fri in Tokyo", "2026-11-27T08:00:00Z", "2026-11-30")
	check("UTC Thu 16:00Z is Fri in Tokyo", "2026-11-26T16:00:00Z", "2026-11-30")
	check("Fri 8 Jan 2027 → Tue 12 Jan (Coming of Age Day)", "2027-01-08T17:00:00", "2027-01-12")

	company := New(tokyo(t), mustHours(t, "Mon-Fri 10:00-17:00"),
		Union(JP(), Dates(date("2026-12-29"), date("2026-12-30"), date("2026-12-31"), date("2027-01-02"), date("2027-01-03"))))
	if got := company.NextWorkingDay(at(t, "2026-12-28T17:00:00")); got.String() != "2027-01-04" {
		t.Errorf("with company days off, NextWorkingDay(Mon 28 Dec) = %s, want 2027-01-04", got)
	}

	sundays := New(tokyo(t), mustHours(t, "Sun 10:00-17:00"), None())
	if got := sundays.NextWorkingDay(at(t, "2026-11-22T12:00:00")); got.String() != "2026-11-29" {
		t.Errorf("Sun-only calendar: NextWorkingDay(Sun) = %s, want the next Sunday", got)
	}

	never := New(tokyo(t), mustHours(t, "Mon-Sun 10:00-17:00"), HolidayFunc(func(rotation.Date) (string, bool) { return "closed", true }))
	if got := never.NextWorkingDay(at(t, "2026-11-20T12:00:00")); got != (rotation.Date{}) {
		t.Errorf("calendar without working days: NextWorkingDay = %s, want the zero Date", got)
	}
}

func TestCalendarAccessors(t *testing.T) {
	loc := tokyo(t)
	h := mustHours(t, "Mon-Fri 10:00-17:00")
	c := New(loc, h, JP())
	if c.Location() != loc {
		t.Errorf("Location() = %v, want %v", c.Location(), loc)
	}
	if c.Hours() != h {
		t.Errorf("Hours() = %v, want %v", c.Hours(), h)
	}
}

func BenchmarkIsWorkingTime(b *testing.B) {
	c := defaultCalendar(b)
	// A week of instants every 97 minutes: most are outside hours.
	start := at(b, "2026-11-16T08:00:00Z")
	week := make([]time.Time, 64)
	for i := range week {
		week[i] = start.Add(time.Duration(i) * 97 * time.Minute)
	}
	// Inside hours on weekdays: every call reaches the holiday lookup.
	inside := []time.Time{at(b, "2026-11-24T10:00:00"), at(b, "2026-11-25T12:34:56Z"), at(b, "2026-11-27T16:59:59")}
	c.IsWorkingTime(start) // compute the year's holidays outside the loop
	for _, bb := range []struct {
		name     string
		instants []time.Time
	}{{"week", week}, {"inside", inside}} {
		b.Run(bb.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for i := 0; b.Loop(); i++ {
				if c.IsWorkingTime(bb.instants[i%len(bb.instants)]) {
					n++
				}
			}
			if n == 0 {
				b.Fatal("no instant was working time")
			}
		})
	}
}

// With adds the company's days off to the public ones; With(nil) is the
// public calendar alone, and the original calendar is not changed.
func TestWithCompanyDays(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	hours, err := ParseHours("Mon-Fri 10:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	cal := New(tokyo, hours, JP())
	anniversary := rotation.Date{Year: 2026, Month: 11, Day: 20}
	company := HolidayFunc(func(d rotation.Date) (string, bool) { return "Company anniversary", d == anniversary })
	at := time.Date(2026, 11, 20, 11, 15, 0, 0, tokyo)
	if !cal.IsWorkingTime(at) || !cal.With(nil).IsWorkingTime(at) {
		t.Fatal("Friday 11:15 is working time by the public calendar")
	}
	with := cal.With(company)
	if with.IsWorkingTime(at) || with.IsWorkingDate(anniversary) {
		t.Error("a company day off is working time")
	}
	if why := with.WhyNotWorking(anniversary); why != "Friday 2026-11-20 is a holiday: Company anniversary" {
		t.Errorf("WhyNotWorking = %q", why)
	}
	if got := with.NextWorkingDate(rotation.Date{Year: 2026, Month: 11, Day: 19}); got != (rotation.Date{Year: 2026, Month: 11, Day: 24}) {
		t.Errorf("NextWorkingDate(Thu 19) = %s, want Tue 24 (20 off, 23 Labor Thanksgiving Day)", got)
	}
	if !cal.IsWorkingTime(at) {
		t.Error("With changed the calendar it was called on")
	}
	// A public holiday keeps its own name on a day that is both.
	both := cal.With(HolidayFunc(func(rotation.Date) (string, bool) { return "Company", true }))
	if name, _ := both.IsHoliday(rotation.Date{Year: 2026, Month: 11, Day: 23}); name != "Labor Thanksgiving Day" {
		t.Errorf("IsHoliday(11-23) = %q", name)
	}
}
