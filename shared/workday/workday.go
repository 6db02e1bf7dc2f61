// Package workday decides business hours and working days: whether an
// instant is inside BUSINESS_HOURS on a day that is not a holiday, and which
// day is the next working day. Everything here is a pure function of the
// time it is given; nothing reads the clock.
//
// A Calendar works in one zone (TIMEZONE, Asia/Tokyo by default): an instant
// is first converted to that zone, so 2026-11-20T01:00:00Z is 10:00 on Friday
// 20 November in Tokyo. Business hours are half-open: with
// "Mon-Fri 10:00-17:00", 10:00:00 is inside and 17:00:00 is outside.
package workday

import (
	"fmt"
	"time"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// Calendar decides working days and working time in one zone. It is
// immutable and safe for concurrent use.
//
// It is the one place that decides "is this a working day?" and "mention
// now?": build it once per run with New (business hours and the built-in
// public holidays, HOLIDAYS), and give each use case the calendar of the
// sheet it read with With (the company's days off, the holidays tab).
type Calendar struct {
	loc      *time.Location
	hours    Hours
	builtin  Holidays // public holidays (HOLIDAYS)
	holidays Holidays // builtin and the company's days off
}

// New is a calendar of business hours h in zone loc, minus holidays (the
// built-in public holidays). A nil loc means UTC; nil holidays means None().
func New(loc *time.Location, h Hours, holidays Holidays) *Calendar {
	if loc == nil {
		loc = time.UTC
	}
	if holidays == nil {
		holidays = None()
	}
	return &Calendar{loc: loc, hours: h, builtin: holidays, holidays: holidays}
}

// With is c with company's days off too (the sheet's holidays tab: a
// *rotation.Roster, possibly nil): the calendar every use case decides
// with once it has read the sheet. A public holiday keeps its own name on a
// day that is both. With(nil) is c's public holidays alone.
func (c *Calendar) With(company Holidays) *Calendar {
	out := *c
	out.holidays = c.builtin
	if company != nil {
		out.holidays = Union(c.builtin, company)
	}
	return &out
}

// IsHoliday reports whether d is a public or company day off, and its name.
func (c *Calendar) IsHoliday(d rotation.Date) (string, bool) { return c.holidays.IsHoliday(d) }

// WhyNotWorking says why d is not a working day ("Saturday 2026-11-21 is not
// a business day (Mon-Fri 10:00-17:00)", "… is a holiday: Labor Thanksgiving
// Day"); "" for a working day.
func (c *Calendar) WhyNotWorking(d rotation.Date) string {
	if !c.hours.HasDay(d.Weekday()) {
		return fmt.Sprintf("%s %s is not a business day (%s)", d.Weekday(), d, c.hours)
	}
	if name, ok := c.IsHoliday(d); ok {
		return fmt.Sprintf("%s %s is a holiday: %s", d.Weekday(), d, name)
	}
	return ""
}

// Location is the calendar's zone; convert an instant with t.In(c.Location())
// before taking its rotation.DateOf.
func (c *Calendar) Location() *time.Location { return c.loc }

// Hours is the calendar's business hours.
func (c *Calendar) Hours() Hours { return c.hours }

// IsWorkingDay reports whether the day of t, in c's zone, is a business-hours
// weekday and not a holiday.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	return c.IsWorkingDate(rotation.DateOf(t.In(c.loc)))
}

// IsWorkingDate reports whether calendar day d is a business-hours weekday
// and not a holiday.
func (c *Calendar) IsWorkingDate(d rotation.Date) bool {
	if !c.hours.HasDay(d.Weekday()) {
		return false
	}
	_, holiday := c.holidays.IsHoliday(d)
	return !holiday
}

// IsWorkingTime reports whether t is inside business hours: t's day in c's
// zone is a working day and start <= t's local time of day < end.
func (c *Calendar) IsWorkingTime(t time.Time) bool {
	lt := t.In(c.loc)
	if !c.hours.HasDay(lt.Weekday()) {
		return false
	}
	hour, minute, sec := lt.Clock()
	if !c.hours.contains(hour*3600 + minute*60 + sec) {
		return false
	}
	_, holiday := c.holidays.IsHoliday(rotation.DateOf(lt))
	return !holiday
}

// maxSearch bounds NextWorkingDay's search.
const maxSearch = 366

// NextWorkingDay is the first working day strictly after t's day in c's
// zone: Friday → Monday, or Tuesday when Monday is a holiday. It looks at
// most a year ahead and returns the zero Date if no day in that year is a
// working day (every day a holiday).
func (c *Calendar) NextWorkingDay(t time.Time) rotation.Date {
	return c.NextWorkingDate(rotation.DateOf(t.In(c.loc)))
}

// NextWorkingDate is the first working day strictly after day d, looking at
// most a year ahead; the zero Date if there is none.
func (c *Calendar) NextWorkingDate(d rotation.Date) rotation.Date {
	for i := 1; i <= maxSearch; i++ {
		if next := d.AddDays(i); c.IsWorkingDate(next) {
			return next
		}
	}
	return rotation.Date{}
}
