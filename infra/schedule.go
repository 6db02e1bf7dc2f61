package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// parseSchedule reads a BUSINESS_HOURS value ("Mon-Fri 10:00-17:00") into
// the reminders' schedule. It accepts what the functions accept (days as
// names, lists and forward ranges that may wrap; H:MM or HH:MM; a
// half-open window within one day), so a value that deploys also starts,
// except an end of 24:00, which no evening cron can name.
//
// The functions parse the same value themselves (shared/workday); infra is
// a separate Go module, so this small parser stands on its own and
// schedule_test.go pins its answers for the documented examples.
func parseSchedule(s string) (ReminderSchedule, error) {
	i := strings.IndexFunc(s, unicode.IsDigit)
	if i < 0 {
		return ReminderSchedule{}, errors.New(`no times of day: write days then times, e.g. "Mon-Fri 10:00-17:00"`)
	}
	if j := strings.LastIndexFunc(s[:i], unicode.IsSpace); j >= 0 {
		i = j
	}
	dayPart := strings.Join(strings.Fields(s[:i]), "")
	timePart := strings.Join(strings.Fields(s[i:]), "")
	if dayPart == "" {
		return ReminderSchedule{}, errors.New(`no days: write days then times, e.g. "Mon-Fri 10:00-17:00"`)
	}
	days, err := parseDays(dayPart)
	if err != nil {
		return ReminderSchedule{}, err
	}
	from, to, ok := strings.Cut(timePart, "-")
	if !ok {
		return ReminderSchedule{}, fmt.Errorf("times %q are not a start-end window", timePart)
	}
	start, err := parseClock(from)
	if err != nil {
		return ReminderSchedule{}, fmt.Errorf("start %q is not a time of day (H:MM)", from)
	}
	if to == "24:00" {
		return ReminderSchedule{}, errors.New("an end of 24:00 leaves no time for the evening reminder: end the window at 23:59 or earlier")
	}
	end, err := parseClock(to)
	if err != nil {
		return ReminderSchedule{}, fmt.Errorf("end %q is not a time of day (H:MM)", to)
	}
	if start >= end {
		return ReminderSchedule{}, fmt.Errorf("start %s is not before end %s (the window must lie within one day)", from, to)
	}
	return ReminderSchedule{
		Days:        cronDays(days),
		MorningHour: start / 60, MorningMinute: start % 60,
		EveningHour: end / 60, EveningMinute: end % 60,
	}, nil
}

var dayNames = map[string]int{ // time.Weekday numbering: Sunday is 0
	"sun": 0, "sunday": 0,
	"mon": 1, "monday": 1,
	"tue": 2, "tues": 2, "tuesday": 2,
	"wed": 3, "wednesday": 3,
	"thu": 4, "thur": 4, "thurs": 4, "thursday": 4,
	"fri": 5, "friday": 5,
	"sat": 6, "saturday": 6,
}

var cronDayNames = [7]string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

func parseDays(s string) ([7]bool, error) {
	var days [7]bool
	for item := range strings.SplitSeq(s, ",") {
		if item == "" {
			return days, fmt.Errorf("empty day in %q", s)
		}
		first, last, isRange := strings.Cut(item, "-")
		from, ok := dayNames[strings.ToLower(first)]
		if !ok {
			return days, fmt.Errorf("%q is not a day name (Mon, Tue, Wed, Thu, Fri, Sat, Sun)", first)
		}
		to := from
		if isRange {
			if to, ok = dayNames[strings.ToLower(last)]; !ok {
				return days, fmt.Errorf("%q is not a day name (Mon, Tue, Wed, Thu, Fri, Sat, Sun)", last)
			}
		}
		for d := from; ; d = (d + 1) % 7 {
			days[d] = true
			if d == to {
				break
			}
		}
	}
	return days, nil
}

// cronDays writes the days as a cron day-of-week field, runs as ranges:
// Mon..Fri → "MON-FRI", Mon, Wed, Fri → "MON,WED,FRI".
func cronDays(days [7]bool) string {
	var parts []string
	for d := 0; d < 7; d++ {
		if !days[d] {
			continue
		}
		end := d
		for end+1 < 7 && days[end+1] {
			end++
		}
		switch {
		case end == d:
			parts = append(parts, cronDayNames[d])
		case end == d+1:
			parts = append(parts, cronDayNames[d], cronDayNames[end])
		default:
			parts = append(parts, cronDayNames[d]+"-"+cronDayNames[end])
		}
		d = end
	}
	return strings.Join(parts, ",")
}

// parseClock parses H:MM or HH:MM (00:00 to 23:59) into minutes since midnight.
func parseClock(s string) (int, error) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 || !digits(hh) || !digits(mm) {
		return 0, errors.New("not H:MM")
	}
	hour, _ := strconv.Atoi(hh)
	minute, _ := strconv.Atoi(mm)
	if hour > 23 || minute > 59 {
		return 0, errors.New("out of range")
	}
	return hour*60 + minute, nil
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
