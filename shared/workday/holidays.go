package workday

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/rickar/cal/v2/jp"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// Holidays says which calendar days are days off, whatever their weekday.
// IsHoliday reports the day's name (for logs and messages) and whether d is
// a holiday. Implementations must be safe for concurrent use; all in this
// package are.
type Holidays interface {
	IsHoliday(d rotation.Date) (name string, ok bool)
}

// HolidayFunc adapts a function to Holidays.
type HolidayFunc func(d rotation.Date) (name string, ok bool)

// IsHoliday calls f(d).
func (f HolidayFunc) IsHoliday(d rotation.Date) (string, bool) { return f(d) }

// None has no holidays (HOLIDAYS=none).
func None() Holidays { return none{} }

type none struct{}

func (none) IsHoliday(rotation.Date) (string, bool) { return "", false }

// DayOffName is the name Dates gives its days.
const DayOffName = "Company holiday"

// Dates is a fixed set of days off, such as the company days of the sheet's
// "holidays" tab; each is named DayOffName. The set is copied.
func Dates(ds ...rotation.Date) Holidays {
	set := make(dateSet, len(ds))
	for _, d := range ds {
		set[d] = struct{}{}
	}
	return set
}

type dateSet map[rotation.Date]struct{}

func (s dateSet) IsHoliday(d rotation.Date) (string, bool) {
	if _, ok := s[d]; ok {
		return DayOffName, true
	}
	return "", false
}

// Union is a holiday when any of hs says so, named by the first that does
// (so list JP() before company days to keep the public holiday's name).
// Nil elements are skipped.
func Union(hs ...Holidays) Holidays {
	u := make(union, 0, len(hs))
	for _, h := range hs {
		if h != nil {
			u = append(u, h)
		}
	}
	return u
}

type union []Holidays

func (u union) IsHoliday(d rotation.Date) (string, bool) {
	for _, h := range u {
		if name, ok := h.IsHoliday(d); ok {
			return name, true
		}
	}
	return "", false
}

// JP is the Japanese public holidays (HOLIDAYS=jp), in English names:
//
//   - the national holidays ("国民の祝日") as github.com/rickar/cal/v2/jp
//     computes them by rule (equinoxes by formula, Monday holidays, the
//     Emperor's Birthday on 23 February);
//   - substitute holidays ("振替休日", named "Substitute holiday for …"): when
//     a national holiday falls on a Sunday, the first following day that is
//     not a national holiday (e.g. 2026-05-06);
//   - citizens' holidays ("国民の休日"): a day that is not a national holiday
//     between two national holidays (e.g. 2026-09-22).
//
// The substitute and citizens' rules are applied here, as the law (in force
// since 2007) words them, to the library's national holidays, rather than
// taken from the library's per-holiday offsets and hard-coded years.
// Dates from 2022 on match the Cabinet Office list (2026 and 2027 are tested
// day by day); earlier one-off changes are not all known to the library, and
// neither is a holiday a future special law may declare. Company days off (including 29 Dec – 3 Jan, which are not public
// holidays) belong in Dates.
//
// Each year is computed once, on first use, and kept; lookups after that are
// a map read without locks or allocation. JP is safe for concurrent use and
// every call returns the same shared table.
func JP() Holidays { return jpTable }

var jpTable = &yearCache{compute: computeJP}

// yearCache computes a year of holidays on first use and keeps it.
// Readers load an immutable map through an atomic pointer; a writer copies
// the map, adds the year, and publishes the copy.
type yearCache struct {
	compute func(year int) map[rotation.Date]string
	mu      sync.Mutex // serialises writers
	years   atomic.Pointer[map[int]map[rotation.Date]string]
}

func (c *yearCache) IsHoliday(d rotation.Date) (string, bool) {
	year, ok := c.year(d.Year)
	if !ok {
		year = c.add(d.Year)
	}
	name, ok := year[d]
	return name, ok
}

func (c *yearCache) year(y int) (map[rotation.Date]string, bool) {
	if m := c.years.Load(); m != nil {
		days, ok := (*m)[y]
		return days, ok
	}
	return nil, false
}

func (c *yearCache) add(y int) map[rotation.Date]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if days, ok := c.year(y); ok {
		return days
	}
	days := c.compute(y)
	next := make(map[int]map[rotation.Date]string)
	if m := c.years.Load(); m != nil {
		for k, v := range *m {
			next[k] = v
		}
	}
	next[y] = days
	c.years.Store(&next)
	return days
}

// calMu serialises calls into rickar/cal/v2/jp: some of its holiday
// functions write to the package-level *cal.Holiday they are given
// (VernalEquinoxDay sets its Day), which is a data race when two goroutines
// compute at once.
var calMu sync.Mutex

// computeJP gives the Japanese public holidays of one year.
func computeJP(year int) map[rotation.Date]string {
	days := make(map[rotation.Date]string, 24)
	calMu.Lock()
	for _, h := range jp.Holidays {
		actual, _ := h.Calc(year)
		if actual.IsZero() {
			continue
		}
		d := rotation.DateOf(actual)
		if d.Year != year {
			continue
		}
		if _, dup := days[d]; !dup {
			days[d] = h.Name
		}
	}
	calMu.Unlock()

	national := func(d rotation.Date) bool { _, ok := days[d]; return ok }
	extra := make(map[rotation.Date]string)
	// Citizens' holiday: a day between two national holidays.
	for d := range days {
		mid, next := d.AddDays(1), d.AddDays(2)
		if !national(mid) && national(next) && mid.Weekday() != time.Sunday {
			extra[mid] = "Citizens' holiday"
		}
	}
	// Substitute holiday: a national holiday on a Sunday moves the day off to
	// the first following day that is not a national holiday.
	for d, name := range days {
		if d.Weekday() != time.Sunday {
			continue
		}
		sub := d.AddDays(1)
		for national(sub) {
			sub = sub.AddDays(1)
		}
		extra[sub] = "Substitute holiday for " + name
	}
	for d, name := range extra {
		if d.Year == year {
			days[d] = name
		}
	}
	return days
}
