package digest_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/pd2chat/pd2chat/shared/digest"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

var tokyo = mustZone("Asia/Tokyo")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// jst reads "Mon16 10:05": a day of November 2026 and a time, in Tokyo.
func jst(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", "2026-11-"+s[3:5]+" "+s[6:], tokyo)
	if err != nil {
		panic(err)
	}
	if got := t.Weekday().String()[:3]; got != s[:3] {
		panic(fmt.Sprintf("%s is a %s", s, got))
	}
	return t
}

// week builds the events of a test week; every event gets its own id.
type week struct {
	events []incident.HistoryEvent
}

var services = map[string]string{"db": "PDB0001", "web": "PWEB001", "api": "PAPI001"}

var titles = map[string]string{
	"fp-disk":    "Disk almost full",
	"fp-5xx":     "5xx rate above 5%",
	"fp-latency": "p99 latency above 2s",
	"fp-cert":    "Certificate expires in 7 days",
}

func (w *week) add(e incident.HistoryEvent) {
	e.EventID = fmt.Sprintf("E%03d", len(w.events)+1)
	w.events = append(w.events, e)
}

// trigger: incident id triggered at `at` (working: inside business hours,
// with the people on call).
func (w *week) trigger(id, service, urgency, fingerprint, at string, working bool, onCall ...string) {
	w.add(incident.HistoryEvent{
		IncidentID: id, Kind: incident.Triggered, At: jst(at), ServiceID: services[service], Service: service,
		Urgency: urgency, Title: titles[fingerprint], Fingerprint: fingerprint, OnCall: onCall, WorkingTime: working,
	})
}

// then: a later event of incident id.
func (w *week) then(id string, kind incident.Kind, agent, at string, working bool) {
	w.add(incident.HistoryEvent{IncidentID: id, Kind: kind, Agent: agent, At: jst(at), WorkingTime: working})
}

const (
	in  = true  // inside business hours (Mon-Fri 10:00-17:00)
	out = false // outside
)

// testWeek is the week of Monday 16 November 2026 (Tokyo) and the events
// around it. Business hours are Mon–Fri 10:00–17:00; on call is named
// only inside them.
func testWeek() []incident.HistoryEvent {
	var w week
	// P1: acknowledged after 4m, resolved after 30m. Its trigger is
	// delivered twice.
	w.trigger("P1", "db", "high", "fp-disk", "Mon16 10:05", in, "Suzuki", "Takahashi")
	w.events = append(w.events, w.events[len(w.events)-1])
	w.then("P1", incident.Acknowledged, "Suzuki", "Mon16 10:09", in)
	w.then("P1", incident.Resolved, "Suzuki", "Mon16 10:35", in)
	// P2: 2m, 60m; Ito said "I'm on it" in chat, then acknowledged in
	// PagerDuty: the first response was in chat, and Ito responded once.
	w.trigger("P2", "db", "high", "fp-disk", "Tue17 11:00", in, "Tanaka", "Ito")
	w.then("P2", incident.Taken, "Ito", "Tue17 11:02", in)
	w.then("P2", incident.Acknowledged, "Ito", "Tue17 11:04", in)
	w.then("P2", incident.Resolved, "Ito", "Tue17 12:00", in)
	// P3: outside hours, never acknowledged, resolved by the monitor after 45m.
	w.trigger("P3", "web", "low", "fp-5xx", "Tue17 20:00", out)
	w.then("P3", incident.Resolved, "", "Tue17 20:45", out)
	// P4: acknowledged by "sato" (the sheet says "Sato") after 10m,
	// resolved after 20m, reopened, resolved again the next morning: its
	// time to resolve is 14:00 → 09:00 = 19h, not 20m.
	w.trigger("P4", "web", "high", "fp-5xx", "Wed18 14:00", in, "Watanabe", "Sato")
	w.then("P4", incident.Acknowledged, "sato", "Wed18 14:10", in)
	w.then("P4", incident.Resolved, "sato", "Wed18 14:20", in)
	w.then("P4", incident.Reopened, "", "Wed18 16:00", in)
	w.then("P4", incident.Resolved, "Watanabe", "Thu19 09:00", out)
	// P5: taken in chat after 20m by Tanaka, who is not on call (a
	// PagerDuty acknowledgement by SRE comes later); never resolved.
	w.trigger("P5", "db", "low", "fp-disk", "Thu19 10:30", in, "Sato", "Suzuki")
	w.then("P5", incident.Taken, "Tanaka", "Thu19 10:50", in)
	w.then("P5", incident.Acknowledged, "SRE Bot", "Thu19 10:55", in)
	// P14: 3m, 33m; acknowledged by Sato.
	w.trigger("P14", "web", "high", "fp-5xx", "Thu19 15:00", in, "Sato", "Suzuki")
	w.then("P14", incident.Acknowledged, "Sato", "Thu19 15:03", in)
	w.then("P14", incident.Resolved, "Sato", "Thu19 15:33", in)
	// P6: at night: 30m, 2h.
	w.trigger("P6", "api", "high", "fp-latency", "Fri20 03:00", out)
	w.then("P6", incident.Acknowledged, "Takahashi", "Fri20 03:30", out)
	w.then("P6", incident.Resolved, "Takahashi", "Fri20 05:00", out)
	// P15: 5m, 50m.
	w.trigger("P15", "db", "high", "fp-disk", "Fri20 11:00", in, "Takahashi", "Tanaka")
	w.then("P15", incident.Acknowledged, "Takahashi", "Fri20 11:05", in)
	w.then("P15", incident.Resolved, "Takahashi", "Fri20 11:50", in)
	// P10: never acknowledged, never resolved.
	w.trigger("P10", "api", "low", "fp-cert", "Fri20 16:00", in, "Takahashi", "Tanaka")
	// P11: acknowledged after 1m by Tanaka, unacknowledged, acknowledged
	// again by Takahashi (MTTA stays 1m), resolved after 61m.
	w.trigger("P11", "db", "high", "fp-disk", "Fri20 16:30", in, "Takahashi", "Tanaka")
	w.then("P11", incident.Acknowledged, "Tanaka", "Fri20 16:31", in)
	w.then("P11", incident.Unacknowledged, "", "Fri20 16:45", in)
	w.then("P11", incident.Acknowledged, "Takahashi", "Fri20 16:50", in)
	w.then("P11", incident.Resolved, "Takahashi", "Fri20 17:31", out)
	// P7: on Saturday: 15m, 1h 15m.
	w.trigger("P7", "api", "high", "fp-latency", "Sat21 12:00", out)
	w.then("P7", incident.Acknowledged, "Tanaka", "Sat21 12:15", out)
	w.then("P7", incident.Resolved, "Tanaka", "Sat21 13:15", out)
	// P8: Sunday night, handled after the week: 40m, 2h.
	w.trigger("P8", "web", "low", "fp-5xx", "Sun22 23:30", out)
	w.then("P8", incident.Acknowledged, "Ito", "Mon23 00:10", out)
	w.then("P8", incident.Resolved, "Ito", "Mon23 01:30", out)

	// Not of the week. P9: triggered the Sunday before, acknowledged by
	// Sato and resolved inside the week.
	w.trigger("P9", "db", "high", "fp-disk", "Sun15 23:00", out)
	w.then("P9", incident.Acknowledged, "Sato", "Mon16 00:20", out)
	w.then("P9", incident.Resolved, "Sato", "Mon16 01:00", out)
	// P12: triggered after the week.
	w.trigger("P12", "api", "high", "fp-latency", "Mon23 09:00", out)
	w.then("P12", incident.Acknowledged, "Ito", "Mon23 09:05", out)
	// P13: triggered long ago (not in the events); Watanabe acknowledged
	// it early on Tuesday, reopened, resolved.
	w.then("P13", incident.Reopened, "", "Tue17 09:00", out)
	w.then("P13", incident.Acknowledged, "Watanabe", "Tue17 09:10", out)
	w.then("P13", incident.Resolved, "Watanabe", "Tue17 09:30", out)
	return w.events
}

func TestCompute(t *testing.T) {
	from, to := digest.Week(rotation.Date{Year: 2026, Month: time.November, Day: 16}, tokyo)
	m := time.Minute
	want := digest.Report{
		From: from, To: to,
		// Of the week: P1–P8, P10, P11, P14, P15 = 12 (not P9, P12, P13).
		// High: P1 P2 P4 P6 P7 P11 P14 P15 = 8; low: P3 P5 P8 P10 = 4.
		Incidents: 12, High: 8, Low: 4,
		// Inside: P1 P2 P4 P5 P10 P11 P14 P15 = 8; outside: P3 P6 P7 P8 = 4.
		BusinessHours: 8, OutsideHours: 4,
		Services: []digest.Service{
			{ID: "PDB0001", Name: "db", Incidents: 5, High: 4, Low: 1},  // P1 P2 P11 P15 high, P5 low
			{ID: "PWEB001", Name: "web", Incidents: 4, High: 2, Low: 2}, // P4 P14 high, P3 P8 low
			{ID: "PAPI001", Name: "api", Incidents: 3, High: 2, Low: 1}, // P6 P7 high, P10 low
		},
		// Acknowledged: P11 1m, P2 2m, P14 3m, P1 4m, P15 5m, P4 10m,
		// P7 15m, P5 20m, P6 30m, P8 40m: n = 10 (P11 counts its first
		// acknowledgement; its second, 20m, would make the median 10m).
		// Median: rank ⌈0.5·10⌉ = 5 → 5m. P90: rank ⌈0.9·10⌉ = 9 → 30m.
		FirstResponse:    digest.Stats{N: 10, Median: 5 * m, P90: 30 * m},
		NoResponse:       2, // P3, P10
		FirstInChat:      2, // P2, P5
		FirstInPagerDuty: 8,
		// Resolved: P1 30m, P14 33m, P3 45m, P15 50m, P2 60m, P11 61m,
		// P7 75m, P6 120m, P8 120m, P4 1140m (19h, first trigger to last
		// resolve; counting its first resolve, 20m, would make the median
		// 50m): n = 10. Median: rank 5 → 60m. P90: rank 9 → 120m.
		MTTR:       digest.Stats{N: 10, Median: 60 * m, P90: 120 * m},
		Unresolved: 2, // P5, P10
		Reopened:   1, // P4 (P13 is not of the week)
		People: []digest.Person{
			// On shift: P1 P10 P11 P15. Acknowledged in the week: P6 (03:30,
			// outside), P11 (re-acknowledged), P15.
			{Name: "Takahashi", OnShift: 4, Responded: 3, RespondedOutside: 1},
			// On shift: P2 P10 P11 P15. Acknowledged: P5 (not on call), P7
			// (Saturday), P11.
			{Name: "Tanaka", OnShift: 4, Responded: 3, RespondedOutside: 1},
			// On shift: P4 P5 P14. Acknowledged: P9 (Monday 00:20, outside;
			// triggered the week before), P4 (as "sato"), P14.
			{Name: "Sato", OnShift: 3, Responded: 3, RespondedOutside: 1},
			// On shift: P1 P5 P14. Acknowledged: P1.
			{Name: "Suzuki", OnShift: 3, Responded: 1},
			// On shift: P2. Acknowledged: P2 (P8 and P12 after the week).
			{Name: "Ito", OnShift: 1, Responded: 1},
			// On shift: P4. Acknowledged: P13 (Tuesday 09:10, outside).
			{Name: "Watanabe", OnShift: 1, Responded: 1, RespondedOutside: 1},
			// Acknowledged P5 in PagerDuty after Tanaka took it in chat.
			{Name: "SRE Bot", Responded: 1},
		},
		Noisiest: []digest.Alert{
			{Fingerprint: "fp-disk", Incidents: 5, Service: "db", Title: "Disk almost full"},         // P1 P2 P5 P11 P15
			{Fingerprint: "fp-5xx", Incidents: 4, Service: "web", Title: "5xx rate above 5%"},        // P3 P4 P8 P14
			{Fingerprint: "fp-latency", Incidents: 2, Service: "api", Title: "p99 latency above 2s"}, // P6 P7
			{Fingerprint: "fp-cert", Incidents: 1, Service: "api", Title: "Certificate expires in 7 days"},
		},
	}

	events := testWeek()
	// The events as Between returns them: [from, to + Horizon), and also
	// everything, in any order.
	var fetched []incident.HistoryEvent
	for _, e := range events {
		if !e.At.Before(from) && e.At.Before(to.Add(digest.Horizon)) {
			fetched = append(fetched, e)
		}
	}
	reversed := slices.Clone(events)
	slices.Reverse(reversed)
	for name, evs := range map[string][]incident.HistoryEvent{"fetched": fetched, "all": events, "reversed": reversed} {
		t.Run(name, func(t *testing.T) {
			got := digest.Compute(evs, from, to, tokyo)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Compute:\n got %+v\nwant %+v", got, want)
				diff(t, got, want)
			}
		})
	}
}

// diff names the fields that differ.
func diff(t *testing.T, got, want digest.Report) {
	t.Helper()
	g, w := reflect.ValueOf(got), reflect.ValueOf(want)
	for i := range g.NumField() {
		if !reflect.DeepEqual(g.Field(i).Interface(), w.Field(i).Interface()) {
			t.Errorf("%s:\n got %+v\nwant %+v", g.Type().Field(i).Name, g.Field(i).Interface(), w.Field(i).Interface())
		}
	}
}

func TestComputeEdges(t *testing.T) {
	from, to := digest.Week(rotation.Date{Year: 2026, Month: time.November, Day: 16}, tokyo)

	t.Run("no events", func(t *testing.T) {
		got := digest.Compute(nil, from, to, tokyo)
		if !reflect.DeepEqual(got, digest.Report{From: from, To: to}) {
			t.Errorf("%+v", got)
		}
	})

	t.Run("reopened and not resolved again is open", func(t *testing.T) {
		var w week
		w.trigger("P1", "db", "high", "fp-disk", "Mon16 10:00", in, "Ito")
		w.then("P1", incident.Resolved, "Ito", "Mon16 10:30", in)
		w.then("P1", incident.Reopened, "", "Mon16 11:00", in)
		got := digest.Compute(w.events, from, to, tokyo)
		if got.MTTR.N != 0 || got.Unresolved != 1 || got.Reopened != 1 || got.NoResponse != 1 {
			t.Errorf("%+v", got)
		}
	})

	t.Run("the week's edges", func(t *testing.T) {
		var w week
		w.add(incident.HistoryEvent{IncidentID: "first", Kind: incident.Triggered, At: from})
		w.add(incident.HistoryEvent{IncidentID: "last", Kind: incident.Triggered, At: to.Add(-time.Nanosecond)})
		w.add(incident.HistoryEvent{IncidentID: "before", Kind: incident.Triggered, At: from.Add(-time.Nanosecond)})
		w.add(incident.HistoryEvent{IncidentID: "after", Kind: incident.Triggered, At: to})
		// An acknowledgement before the trigger (clocks disagree) is ignored.
		w.add(incident.HistoryEvent{IncidentID: "first", Kind: incident.Acknowledged, Agent: "Ito", At: from.Add(-time.Minute)})
		got := digest.Compute(w.events, from, to, tokyo)
		if got.Incidents != 2 || got.OutsideHours != 2 || got.FirstResponse.N != 0 || got.NoResponse != 2 {
			t.Errorf("%+v", got)
		}
		if got.Services[0].Name != "" || got.Services[0].Incidents != 2 {
			t.Errorf("services without id or name: %+v", got.Services)
		}
	})

	t.Run("noisiest: top five, ties by fingerprint", func(t *testing.T) {
		var w week
		n := 0
		fire := func(fp string, times int) {
			for range times {
				n++
				w.add(incident.HistoryEvent{IncidentID: fmt.Sprint("P", n), Kind: incident.Triggered, At: from.Add(time.Duration(n) * time.Hour), Fingerprint: fp})
			}
		}
		fire("b", 2)
		fire("f", 1)
		fire("", 4) // no fingerprint: not an alert
		fire("c", 3)
		fire("e", 1)
		fire("a", 2)
		fire("d", 1)
		var got []string
		for _, a := range digest.Compute(w.events, from, to, tokyo).Noisiest {
			got = append(got, fmt.Sprint(a.Fingerprint, a.Incidents))
		}
		if want := []string{"c3", "a2", "b2", "d1", "e1"}; !slices.Equal(got, want) {
			t.Errorf("noisiest %v, want %v", got, want)
		}
	})

	t.Run("a person seen only as an agent keeps the agent's name", func(t *testing.T) {
		var w week
		w.trigger("P1", "db", "high", "fp-disk", "Mon16 10:00", in, " ito ", "ITO") // the same person twice
		w.then("P1", incident.Acknowledged, "Yamada Taro", "Mon16 10:01", in)
		w.then("P1", incident.Acknowledged, "YAMADA TARO", "Mon16 10:02", in)
		got := digest.Compute(w.events, from, to, tokyo).People
		want := []digest.Person{{Name: "ito", OnShift: 1}, {Name: "Yamada Taro", Responded: 1}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("people %+v, want %+v", got, want)
		}
	})
}

func TestPercentile(t *testing.T) {
	seq := func(n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = time.Duration(i + 1)
		}
		return out
	}
	tests := []struct {
		n, p int
		want time.Duration
	}{
		{0, 50, 0},
		{1, 50, 1}, {1, 90, 1},
		{2, 50, 1}, {2, 90, 2}, // the lower middle, not the mean
		{4, 50, 2}, {4, 90, 4},
		{10, 50, 5}, {10, 90, 9}, {10, 100, 10}, {10, 1, 1},
		{11, 50, 6}, {11, 90, 10}, // ⌈9.9⌉ = 10
		{20, 90, 18},
	}
	for _, tt := range tests {
		if got := digest.Percentile(seq(tt.n), tt.p); got != tt.want {
			t.Errorf("Percentile(1..%d, %d) = %d, want %d", tt.n, tt.p, got, tt.want)
		}
	}
}

func TestWeek(t *testing.T) {
	date := func(s string) rotation.Date {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return rotation.DateOf(d)
	}
	for day, monday := range map[string]string{
		"2026-11-16": "2026-11-16", "2026-11-22": "2026-11-16", "2026-11-23": "2026-11-23",
		"2026-11-19": "2026-11-16", "2027-01-01": "2026-12-28", "2026-03-01": "2026-02-23",
	} {
		if got := digest.Monday(date(day)); got != date(monday) {
			t.Errorf("Monday(%s) = %s, want %s", day, got, monday)
		}
	}
	from, to := digest.Week(date("2026-11-16"), tokyo)
	if from.String() != "2026-11-16 00:00:00 +0900 JST" || to.String() != "2026-11-23 00:00:00 +0900 JST" {
		t.Errorf("Week = %s, %s", from, to)
	}
	// Summer time ends on Sunday 25 October 2026 in Berlin: 169 hours.
	from, to = digest.Week(date("2026-10-19"), mustZone("Europe/Berlin"))
	if to.Sub(from) != 169*time.Hour || to.Hour() != 0 {
		t.Errorf("Berlin week %s – %s: %s", from, to, to.Sub(from))
	}
}

// TestComputeMerge: an incident merged into another is neither resolved
// (its merge is no time to resolve) nor open; the surviving one counts.
func TestComputeMerge(t *testing.T) {
	var w week
	w.trigger("P1", "db", "high", "fp-disk", "Mon16 10:00", in, "Sato")
	w.then("P1", incident.Resolved, "Taro Yamada", "Mon16 10:03", in)
	w.events[len(w.events)-1].Merged = true
	w.trigger("P2", "db", "high", "fp-disk", "Mon16 10:01", in, "Sato")
	w.then("P2", incident.Resolved, "Sato", "Mon16 10:31", in)
	from, to := digest.Week(rotation.Date{Year: 2026, Month: time.November, Day: 16}, tokyo)
	r := digest.Compute(w.events, from, to, tokyo)
	if r.Incidents != 2 || r.Merged != 1 || r.Unresolved != 0 || r.NoResponse != 1 || r.MTTR != (digest.Stats{N: 1, Median: 30 * time.Minute, P90: 30 * time.Minute}) {
		t.Errorf("report %+v", r)
	}
}

// TestComputeEscalations: each incident counts once per level its ladder
// reached; one triggered before the week does not count.
func TestComputeEscalations(t *testing.T) {
	var w week
	w.trigger("P1", "db", "high", "fp-disk", "Mon16 10:00", in, "Sato")
	w.then("P1", incident.LadderStep, "pair", "Mon16 10:10", in)
	w.then("P1", incident.LadderStep, "backup", "Mon16 10:20", in)
	w.then("P1", incident.LadderStep, "lead", "Mon16 10:30", in)
	w.trigger("P2", "db", "high", "fp-disk", "Tue17 11:00", in, "Sato")
	w.then("P2", incident.LadderStep, "pair", "Tue17 11:10", in)
	w.then("P2", incident.LadderStep, "backup", "Tue17 11:20", in)
	w.then("P2", incident.LadderStep, "backup", "Tue17 11:20", in) // recorded twice
	from, to := digest.Week(rotation.Date{Year: 2026, Month: time.November, Day: 16}, tokyo)
	r := digest.Compute(w.events, from, to, tokyo)
	if want := map[string]int{"pair": 2, "backup": 2, "lead": 1}; !reflect.DeepEqual(r.Escalations, want) {
		t.Errorf("escalations %v, want %v", r.Escalations, want)
	}
	if r.NoResponse != 2 {
		t.Errorf("a ladder step is not a response: %+v", r)
	}
}
