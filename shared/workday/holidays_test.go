package workday

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

func date(s string) rotation.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return rotation.DateOf(t)
}

// holidaysOf lists every holiday of year y, in order.
func holidaysOf(h Holidays, y int) []string {
	var out []string
	for d := date(fmt.Sprintf("%04d-01-01", y)); d.Year == y; d = d.AddDays(1) {
		if _, ok := h.IsHoliday(d); ok {
			out = append(out, d.String())
		}
	}
	return out
}

// The Cabinet Office's lists (内閣府「国民の祝日について」), day by day.
func TestJPWholeYears(t *testing.T) {
	want := map[int][]string{
		2025: {"2025-01-01", "2025-01-13", "2025-02-11", "2025-02-23", "2025-02-24", "2025-03-20",
			"2025-04-29", "2025-05-03", "2025-05-04", "2025-05-05", "2025-05-06", "2025-07-21",
			"2025-08-11", "2025-09-15", "2025-09-23", "2025-10-13", "2025-11-03", "2025-11-23", "2025-11-24"},
		2026: {"2026-01-01", "2026-01-12", "2026-02-11", "2026-02-23", "2026-03-20", "2026-04-29",
			"2026-05-03", "2026-05-04", "2026-05-05", "2026-05-06", "2026-07-20", "2026-08-11",
			"2026-09-21", "2026-09-22", "2026-09-23", "2026-10-12", "2026-11-03", "2026-11-23"},
		2027: {"2027-01-01", "2027-01-11", "2027-02-11", "2027-02-23", "2027-03-21", "2027-03-22",
			"2027-04-29", "2027-05-03", "2027-05-04", "2027-05-05", "2027-07-19", "2027-08-11",
			"2027-09-20", "2027-09-23", "2027-10-11", "2027-11-03", "2027-11-23"},
	}
	for y, days := range want {
		t.Run(fmt.Sprint(y), func(t *testing.T) {
			if got := holidaysOf(JP(), y); !slices.Equal(got, days) {
				t.Errorf("JP holidays of %d\n got: %v\nwant: %v", y, got, days)
			}
		})
	}
}

func TestJPNames(t *testing.T) {
	tests := []struct {
		day  string
		want string // "" = not a holiday
	}{
		// Golden Week 2026: Constitution Day on a Sunday moves to Wednesday 6 May.
		{"2026-04-29", "Showa Day"},
		{"2026-04-30", ""},
		{"2026-05-01", ""},
		{"2026-05-02", ""}, // Saturday, not a holiday (a weekend day for the calendar)
		{"2026-05-03", "Constitution Memorial Day"},
		{"2026-05-04", "Greenery Day"},
		{"2026-05-05", "Children's Day"},
		{"2026-05-06", "Substitute holiday for Constitution Memorial Day"},
		{"2026-05-07", ""},
		// Silver Week 2026: the day between two holidays is a holiday.
		{"2026-09-19", ""},
		{"2026-09-21", "Respect for the Aged Day"},
		{"2026-09-22", "National holiday between Respect for the Aged Day and Autumnal Equinox Day"},
		{"2026-09-23", "Autumnal Equinox Day"},
		{"2026-09-24", ""},
		{"2026-11-23", "Labor Thanksgiving Day"},
		{"2026-11-24", ""},
		{"2026-12-23", ""}, // the Emperor's Birthday moved to 23 Feb
		{"2026-12-31", ""}, // year-end is a company matter, not a public holiday
		{"2027-01-01", "New Year's Day"},
		{"2027-01-02", ""},
		{"2027-03-22", "Substitute holiday for Vernal Equinox Day"},
		// Greenery Day on a Sunday: the substitute skips Children's Day.
		{"2025-05-06", "Substitute holiday for Greenery Day"},
		// A citizens' holiday the library does not hard-code: our rule finds it.
		{"2037-09-21", "Respect for the Aged Day"},
		{"2037-09-22", "Citizens' holiday"},
		{"2037-09-23", "Autumnal Equinox Day"},
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			name, ok := JP().IsHoliday(date(tt.day))
			if ok != (tt.want != "") || name != tt.want {
				t.Errorf("JP().IsHoliday(%s) = %q, %v; want %q", tt.day, name, ok, tt.want)
			}
		})
	}
}

// Run with -race: lookups of new and known years from many goroutines.
func TestJPConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for y := 2000; y < 2060; y++ {
				year := y + g%3
				if _, ok := JP().IsHoliday(rotation.Date{Year: year, Month: time.January, Day: 1}); !ok {
					t.Errorf("%d-01-01 is not a holiday", year)
				}
			}
		})
	}
	wg.Wait()
}

func TestNoneDatesUnion(t *testing.T) {
	companyDays := Dates(date("2026-12-29"), date("2026-12-30"), date("2026-12-31"), date("2027-01-01"))
	jpAndCompany := Union(JP(), nil, companyDays)
	anyFirstOfMonth := HolidayFunc(func(d rotation.Date) (string, bool) { return "first", d.Day == 1 })
	tests := []struct {
		desc string
		h    Holidays
		day  string
		want string
	}{
		{"none", None(), "2027-01-01", ""},
		{"dates: listed", companyDays, "2026-12-30", DayOffName},
		{"dates: not listed", companyDays, "2026-12-28", ""},
		{"dates: empty", Dates(), "2026-12-30", ""},
		{"union: company day", jpAndCompany, "2026-12-31", DayOffName},
		{"union: first match names it", jpAndCompany, "2027-01-01", "New Year's Day"},
		{"union: public holiday", jpAndCompany, "2026-11-23", "Labor Thanksgiving Day"},
		{"union: neither", jpAndCompany, "2027-01-04", ""},
		{"union: empty", Union(), "2027-01-01", ""},
		{"func", anyFirstOfMonth, "2026-02-01", "first"},
		{"func: no", anyFirstOfMonth, "2026-02-02", ""},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			name, ok := tt.h.IsHoliday(date(tt.day))
			if ok != (tt.want != "") || (ok && name != tt.want) {
				t.Errorf("IsHoliday(%s) = %q, %v; want %q", tt.day, name, ok, tt.want)
			}
		})
	}
}
