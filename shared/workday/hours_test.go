package workday

import (
	"testing"
	"time"
)

func TestParseHours(t *testing.T) {
	tests := []struct {
		in         string
		want       string // String() of the result
		days       []time.Weekday
		start, end time.Duration
	}{
		{"Mon-Fri 10:00-17:00", "Mon-Fri 10:00-17:00",
			[]time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, 10 * time.Hour, 17 * time.Hour},
		{"Mon,Wed,Fri 09:30-18:00", "Mon,Wed,Fri 09:30-18:00",
			[]time.Weekday{time.Monday, time.Wednesday, time.Friday}, 9*time.Hour + 30*time.Minute, 18 * time.Hour},
		{"Mon-Sun 10:00-17:00", "Mon-Sun 10:00-17:00",
			[]time.Weekday{0, 1, 2, 3, 4, 5, 6}, 10 * time.Hour, 17 * time.Hour},
		{"mon-FRI 9:00-17:30", "Mon-Fri 09:00-17:30",
			[]time.Weekday{1, 2, 3, 4, 5}, 9 * time.Hour, 17*time.Hour + 30*time.Minute},
		{"  Monday - Friday   10:00 - 17:00 ", "Mon-Fri 10:00-17:00",
			[]time.Weekday{1, 2, 3, 4, 5}, 10 * time.Hour, 17 * time.Hour},
		{"Mon-Wed,Fri 10:00-17:00", "Mon-Wed,Fri 10:00-17:00",
			[]time.Weekday{1, 2, 3, 5}, 10 * time.Hour, 17 * time.Hour},
		{"Mon, Tue 10:00-17:00", "Mon-Tue 10:00-17:00",
			[]time.Weekday{1, 2}, 10 * time.Hour, 17 * time.Hour},
		{"Sat-Mon 00:00-24:00", "Mon,Sat-Sun 00:00-24:00",
			[]time.Weekday{0, 1, 6}, 0, 24 * time.Hour},
		{"Sun 10:00-10:01", "Sun 10:00-10:01",
			[]time.Weekday{0}, 10 * time.Hour, 10*time.Hour + time.Minute},
		{"Fri,Mon-Thu 10:00-17:00", "Mon-Fri 10:00-17:00",
			[]time.Weekday{1, 2, 3, 4, 5}, 10 * time.Hour, 17 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h, err := ParseHours(tt.in)
			if err != nil {
				t.Fatalf("ParseHours(%q): %v", tt.in, err)
			}
			if got := h.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			want := map[time.Weekday]bool{}
			for _, d := range tt.days {
				want[d] = true
			}
			for d := time.Sunday; d <= time.Saturday; d++ {
				if h.HasDay(d) != want[d] {
					t.Errorf("HasDay(%v) = %v, want %v", d, h.HasDay(d), want[d])
				}
			}
			if h.Start() != tt.start || h.End() != tt.end {
				t.Errorf("Start, End = %v, %v; want %v, %v", h.Start(), h.End(), tt.start, tt.end)
			}
			// String round-trips.
			again, err := ParseHours(h.String())
			if err != nil || again != h {
				t.Errorf("ParseHours(String()) = %v, %v; want %v", again, err, h)
			}
		})
	}
}

func TestParseHoursErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Mon-Fri 10:00-25:00", `workday: "Mon-Fri 10:00-25:00": end "25:00" is not a time of day`},
		{"Mon-Fri 24:00-17:00", `workday: "Mon-Fri 24:00-17:00": start "24:00" is not a time of day`},
		{"Mon-Fri 10:60-17:00", `workday: "Mon-Fri 10:60-17:00": start "10:60" is not a time of day`},
		{"Mon-Fri 10-17", `workday: "Mon-Fri 10-17": start "10" is not a time of day`},
		{"Mon-Fri 10:00-24:01", `workday: "Mon-Fri 10:00-24:01": end "24:01" is not a time of day`},
		{"Mon-Fri 10:00-17:0", `workday: "Mon-Fri 10:00-17:0": end "17:0" is not a time of day`},
		{"Mon-Fri 17:00-10:00", `workday: "Mon-Fri 17:00-10:00": start 17:00 is not before end 10:00 (the window must lie within one day)`},
		{"Mon-Fri 10:00-10:00", `workday: "Mon-Fri 10:00-10:00": start 10:00 is not before end 10:00 (the window must lie within one day)`},
		{"Mon-Fri 10:00", `workday: "Mon-Fri 10:00": times "10:00" are not a start-end window: write days then times, e.g. "Mon-Fri 10:00-17:00"`},
		{"Mon-Fri 10:00-17:00-18:00", `workday: "Mon-Fri 10:00-17:00-18:00": end "17:00-18:00" is not a time of day`},
		{"Mon-Fri", `workday: "Mon-Fri": no times of day: write days then times, e.g. "Mon-Fri 10:00-17:00"`},
		{"10:00-17:00", `workday: "10:00-17:00": no days: write days then times, e.g. "Mon-Fri 10:00-17:00"`},
		{"", `workday: "": no times of day: write days then times, e.g. "Mon-Fri 10:00-17:00"`},
		{"Mon-Fry 10:00-17:00", `workday: "Mon-Fry 10:00-17:00": "Fry" is not a day name (Mon, Tue, Wed, Thu, Fri, Sat, Sun)`},
		{"Weekdays 10:00-17:00", `workday: "Weekdays 10:00-17:00": "Weekdays" is not a day name (Mon, Tue, Wed, Thu, Fri, Sat, Sun)`},
		{"Mon,,Fri 10:00-17:00", `workday: "Mon,,Fri 10:00-17:00": empty day in "Mon,,Fri"`},
		{"Mon- 10:00-17:00", `workday: "Mon- 10:00-17:00": "" is not a day name (Mon, Tue, Wed, Thu, Fri, Sat, Sun)`},
		{"Mon-Fri １０:00-17:00", `workday: "Mon-Fri １０:00-17:00": start "１０:00" is not a time of day`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			h, err := ParseHours(tt.in)
			if err == nil {
				t.Fatalf("ParseHours(%q) = %v, want error %s", tt.in, h, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseHours(%q) error\n got: %s\nwant: %s", tt.in, err, tt.want)
			}
			if h != (Hours{}) {
				t.Errorf("ParseHours(%q) returned %v with its error, want the zero Hours", tt.in, h)
			}
		})
	}
}

func TestZeroHours(t *testing.T) {
	var h Hours
	if h.String() != "none" {
		t.Errorf("String() = %q, want none", h.String())
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if h.HasDay(d) {
			t.Errorf("zero Hours HasDay(%v)", d)
		}
	}
	if h.HasDay(7) || h.HasDay(-1) {
		t.Error("HasDay accepts an out-of-range weekday")
	}
}
