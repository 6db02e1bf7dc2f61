package main

import (
	"strings"
	"testing"
)

func TestParseSchedule(t *testing.T) {
	for _, tc := range []struct {
		hours   string
		want    ReminderSchedule
		wantErr string
	}{
		{hours: "Mon-Fri 10:00-17:00", want: ReminderSchedule{Days: "MON-FRI", MorningHour: 10, EveningHour: 17}},
		{hours: "Mon,Wed,Fri 09:30-18:00", want: ReminderSchedule{Days: "MON,WED,FRI", MorningHour: 9, MorningMinute: 30, EveningHour: 18}},
		{hours: "Mon-Wed,Fri 9:30-18:00", want: ReminderSchedule{Days: "MON-WED,FRI", MorningHour: 9, MorningMinute: 30, EveningHour: 18}},
		{hours: "Mon-Sun 10:00-17:00", want: ReminderSchedule{Days: "SUN-SAT", MorningHour: 10, EveningHour: 17}},
		{hours: "Sat-Mon 10:00-17:00", want: ReminderSchedule{Days: "SUN,MON,SAT", MorningHour: 10, EveningHour: 17}},
		{hours: "monday - friday 10:00 - 17:00", want: ReminderSchedule{Days: "MON-FRI", MorningHour: 10, EveningHour: 17}},
		{hours: "Tue,Thu 00:00-23:59", want: ReminderSchedule{Days: "TUE,THU", EveningHour: 23, EveningMinute: 59}},
		{hours: "Mon-Fri 10:00-24:00", wantErr: "24:00 leaves no time"},
		{hours: "Mon-Fri 17:00-10:00", wantErr: "is not before end"},
		{hours: "Mon-Fri 10:00-10:00", wantErr: "is not before end"},
		{hours: "Mon-Fri 10:00-25:00", wantErr: `end "25:00"`},
		{hours: "Mon-Fri 10:60-17:00", wantErr: `start "10:60"`},
		{hours: "Mon-Fri 10-17", wantErr: `start "10"`},
		{hours: "Mon-Fri 10:00", wantErr: "not a start-end window"},
		{hours: "Mon-Fry 10:00-17:00", wantErr: `"Fry" is not a day name`},
		{hours: "Mon,,Fri 10:00-17:00", wantErr: "empty day"},
		{hours: "10:00-17:00", wantErr: "no days"},
		{hours: "Mon-Fri", wantErr: "no times of day"},
		{hours: "", wantErr: "no times of day"},
	} {
		t.Run(tc.hours, func(t *testing.T) {
			got, err := parseSchedule(tc.hours)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseSchedule(%q) error = %v, want one containing %q", tc.hours, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseSchedule(%q): %v", tc.hours, err)
			}
			if got != tc.want {
				t.Errorf("parseSchedule(%q) = %+v, want %+v", tc.hours, got, tc.want)
			}
		})
	}
}
