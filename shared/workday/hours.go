package workday

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Hours is a parsed BUSINESS_HOURS value: the weekdays that are business
// days and one daily window [start, end) of local time-of-day.
//
// The zero Hours has no days: nothing is ever inside it. Hours values are
// comparable with ==.
type Hours struct {
	days       [7]bool // indexed by time.Weekday
	start, end int     // minutes since midnight; start < end <= 24*60
}

// ParseHours parses a BUSINESS_HOURS value: days, then a time window.
//
//	Mon-Fri 10:00-17:00
//	Mon,Wed,Fri 09:30-18:00
//	Mon-Wed,Fri 9:30-18:00
//	Mon-Sun 10:00-17:00
//
// Day names are English, three letters or in full, in any case. A range
// runs forward through the week and may wrap ("Sat-Mon" is Sat, Sun, Mon).
// Times are H:MM or HH:MM, 24-hour; the window is half-open (the end minute
// is outside) and lies within one day: start must be before end, and the
// end may be 24:00 (midnight at the end of the day). Spaces around "-" and
// "," are ignored.
//
// Errors name the input and what is wrong with it, e.g.
// `workday: "Mon-Fri 10:00-25:00": end "25:00" is not a time of day`.
func ParseHours(s string) (Hours, error) {
	h, err := parseHours(s)
	if err != nil {
		return Hours{}, fmt.Errorf("workday: %q: %w", s, err)
	}
	return h, nil
}

const example = `write days then times, e.g. "Mon-Fri 10:00-17:00"`

func parseHours(s string) (Hours, error) {
	i := strings.IndexFunc(s, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return Hours{}, errors.New("no times of day: " + example)
	}
	// Times start at the field holding the first digit.
	if j := strings.LastIndexFunc(s[:i], unicode.IsSpace); j >= 0 {
		i = j
	}
	dayPart := strings.Join(strings.Fields(s[:i]), "")
	timePart := strings.Join(strings.Fields(s[i:]), "")
	if dayPart == "" {
		return Hours{}, errors.New("no days: " + example)
	}
	var h Hours
	if err := h.parseDays(dayPart); err != nil {
		return Hours{}, err
	}
	from, to, ok := strings.Cut(timePart, "-")
	if !ok {
		return Hours{}, fmt.Errorf("times %q are not a start-end window: %s", timePart, example)
	}
	var err error
	if h.start, err = parseClock(from, false); err != nil {
		return Hours{}, fmt.Errorf("start %q is not a time of day", from)
	}
	if h.end, err = parseClock(to, true); err != nil {
		return Hours{}, fmt.Errorf("end %q is not a time of day", to)
	}
	if h.start >= h.end {
		return Hours{}, fmt.Errorf("start %s is not before end %s (the window must lie within one day)", clock(h.start), clock(h.end))
	}
	return h, nil
}

func (h *Hours) parseDays(s string) error {
	for item := range strings.SplitSeq(s, ",") {
		if item == "" {
			return fmt.Errorf("empty day in %q", s)
		}
		first, last, isRange := strings.Cut(item, "-")
		from, err := parseDay(first)
		if err != nil {
			return err
		}
		to := from
		if isRange {
			if to, err = parseDay(last); err != nil {
				return err
			}
		}
		for d := from; ; d = (d + 1) % 7 {
			h.days[d] = true
			if d == to {
				break
			}
		}
	}
	return nil
}

var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

func parseDay(s string) (time.Weekday, error) {
	if d, ok := dayNames[strings.ToLower(s)]; ok {
		return d, nil
	}
	return 0, fmt.Errorf("%q is not a day name (Mon, Tue, Wed, Thu, Fri, Sat, Sun)", s)
}

// parseClock parses H:MM or HH:MM into minutes since midnight. 24:00 is
// accepted only when isEnd.
func parseClock(s string, isEnd bool) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 || !digits(hh) || !digits(mm) {
		return 0, errors.New("not H:MM")
	}
	hour, _ := strconv.Atoi(hh)
	minute, _ := strconv.Atoi(mm)
	switch {
	case minute > 59:
		return 0, errors.New("minute out of range")
	case hour == 24 && minute == 0 && isEnd:
		return 24 * 60, nil
	case hour > 23:
		return 0, errors.New("hour out of range")
	}
	return hour*60 + minute, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r > unicode.MaxASCII || r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// String formats h as ParseHours reads it, in a canonical form: days from
// Monday to Sunday, consecutive days as a range ("Mon-Fri 10:00-17:00",
// "Mon,Wed,Fri 09:30-18:00"). The zero Hours formats as "none".
func (h Hours) String() string {
	if h.days == [7]bool{} {
		return "none"
	}
	// Walk Monday..Sunday and emit runs of consecutive days.
	var b strings.Builder
	order := [7]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}
	for i := 0; i < len(order); {
		if !h.days[order[i]] {
			i++
			continue
		}
		j := i
		for j+1 < len(order) && h.days[order[j+1]] {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(order[i].String()[:3])
		if j > i {
			b.WriteByte('-')
			b.WriteString(order[j].String()[:3])
		}
		i = j + 1
	}
	b.WriteByte(' ')
	b.WriteString(clock(h.start))
	b.WriteByte('-')
	b.WriteString(clock(h.end))
	return b.String()
}

func clock(minutes int) string { return fmt.Sprintf("%02d:%02d", minutes/60, minutes%60) }

// HasDay reports whether wd is one of h's business days.
func (h Hours) HasDay(wd time.Weekday) bool { return wd >= 0 && int(wd) < len(h.days) && h.days[wd] }

// Start is the opening time as an offset from midnight (10:00 → 10h).
func (h Hours) Start() time.Duration { return time.Duration(h.start) * time.Minute }

// End is the closing time as an offset from midnight (17:00 → 17h); the
// closing instant itself is outside business hours.
func (h Hours) End() time.Duration { return time.Duration(h.end) * time.Minute }

// contains reports whether a time of day, in seconds since midnight, is in
// [start, end).
func (h Hours) contains(sec int) bool { return sec >= h.start*60 && sec < h.end*60 }
