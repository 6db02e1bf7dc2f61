package main

import (
	"errors"
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/workday"
)

// parseSchedule reads a BUSINESS_HOURS value ("Mon-Fri 10:00-17:00") into
// the reminders' schedule with the functions' own parser (workday.ParseHours,
// reached through the replace directive in go.mod), so a value that deploys
// is exactly a value the functions start with — except an end of 24:00,
// which no evening cron can name.
func parseSchedule(s string) (ReminderSchedule, error) {
	h, err := workday.ParseHours(s)
	if err != nil {
		return ReminderSchedule{}, err
	}
	if h.End() == 24*time.Hour {
		return ReminderSchedule{}, errors.New("an end of 24:00 leaves no time for the evening reminder: end the window at 23:59 or earlier")
	}
	var days [7]bool
	for d := range time.Weekday(7) {
		days[d] = h.HasDay(d)
	}
	start, end := int(h.Start()/time.Minute), int(h.End()/time.Minute)
	return ReminderSchedule{
		Days:        cronDays(days),
		MorningHour: start / 60, MorningMinute: start % 60,
		EveningHour: end / 60, EveningMinute: end % 60,
	}, nil
}

var cronDayNames = [7]string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}

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
