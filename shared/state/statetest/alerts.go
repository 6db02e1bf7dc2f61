package statetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/state"
)

// testAlerts is the behaviour every Alerts has.
func testAlerts(t *testing.T, newStore NewStore) {
	t.Run("seen", func(t *testing.T) { testSeen(t, newStore) })
	t.Run("concurrent firings", func(t *testing.T) { testConcurrentFirings(t, newStore) })
	t.Run("concurrent redeliveries", func(t *testing.T) { testConcurrentRedeliveries(t, newStore) })
	t.Run("bad arguments", func(t *testing.T) { testSeenBadArguments(t, newStore) })
}

// alerts is s as Alerts.
func alerts(t testing.TB, s state.Store) state.Alerts {
	t.Helper()
	a, ok := s.(state.Alerts)
	if !ok {
		t.Fatalf("%T is not a state.Alerts", s)
	}
	return a
}

// fired is a call of Seen and the Sighting it must give.
type fired struct {
	fp, event string
	at        time.Time
	want      state.Sighting
}

func sighting(count int, first, last time.Time) state.Sighting {
	return state.Sighting{Count: count, First: first, Last: last}
}

func equalSighting(a, b state.Sighting) bool {
	return a.Count == b.Count && a.First.Equal(b.First) && a.Last.Equal(b.Last)
}

func testSeen(t *testing.T, newStore NewStore) {
	h := func(n int) time.Time { return T0.Add(time.Duration(n) * time.Hour) }
	jst := time.FixedZone("JST", 9*3600)
	tests := []struct {
		name   string
		script []fired
	}{
		{"first, second, third", []fired{
			{"fp1", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e2", h(1), sighting(1, h(0), h(0))},
			{"fp1", "e3", h(72), sighting(2, h(0), h(1))},
		}},
		{"a redelivery changes nothing", []fired{
			{"fp1", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e2", h(1), sighting(1, h(0), h(0))},
			{"fp1", "e2", h(1), sighting(1, h(0), h(0))},
			{"fp1", "e2", h(1), sighting(1, h(0), h(0))},
			{"fp1", "e3", h(2), sighting(2, h(0), h(1))},
		}},
		{"fingerprints are separate", []fired{
			{"fp1", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
			{"fp2", "e2", h(1), sighting(0, time.Time{}, time.Time{})},
			{"fp2", "e3", h(2), sighting(1, h(1), h(1))},
			{"fp1", "e4", h(3), sighting(1, h(0), h(0))},
		}},
		{"the same event id on two alerts counts on each", []fired{
			{"fp1", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
			{"fp2", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
		}},
		{"instants in UTC, to the millisecond", []fired{
			{"fp1", "e1", h(0).In(jst).Add(1500 * time.Microsecond), sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e2", h(1), sighting(1, h(0).Add(time.Millisecond), h(0).Add(time.Millisecond))},
		}},
		{"no instant: the store's now", []fired{
			{"fp1", "e1", time.Time{}, sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e2", h(1), sighting(1, T0, T0)},
		}},
		{"out of order: last is the latest call's", []fired{
			{"fp1", "e1", h(5), sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e2", h(1), sighting(1, h(5), h(5))},
			{"fp1", "e3", h(6), sighting(2, h(5), h(1))},
		}},
		// The documented limit: only the latest firing is recognised.
		{"a redelivery after another firing counts again", []fired{
			{"fp1", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e2", h(1), sighting(1, h(0), h(0))},
			{"fp1", "e1", h(0), sighting(2, h(0), h(1))},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := alerts(t, newStore(t, NewClock().Now))
			for i, f := range tt.script {
				got, err := a.RecordSighting(t.Context(), f.fp, f.event, f.at)
				if err != nil {
					t.Fatalf("step %d: RecordSighting(%s, %s): %v", i, f.fp, f.event, err)
				}
				if !equalSighting(got, f.want) {
					t.Errorf("step %d: RecordSighting(%s, %s, %s) = %+v, want %+v", i, f.fp, f.event, f.at, got, f.want)
				}
				for _, at := range []time.Time{got.First, got.Last} {
					if !at.IsZero() && at.Location() != time.UTC {
						t.Errorf("step %d: instant %v is not in UTC", i, at)
					}
				}
			}
		})
	}
}

// testConcurrentFirings races distinct firings of one alert: each counts
// once, and each is told a different count of earlier firings.
func testConcurrentFirings(t *testing.T, newStore NewStore) {
	a := alerts(t, newStore(t, NewClock().Now))
	const firers, perFirer = 16, 5
	type told struct {
		count int
		at    time.Time
	}
	counts := make(chan told, firers*perFirer)
	errs := make(chan error, firers*perFirer)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for f := range firers {
		wg.Go(func() {
			<-start
			for i := range perFirer {
				at := T0.Add(time.Duration(f*perFirer+i) * time.Second)
				s, err := a.RecordSighting(t.Context(), "fp1", fmt.Sprintf("e%d-%d", f, i), at)
				if err != nil {
					errs <- err
					continue
				}
				counts <- told{s.Count, at}
			}
		})
	}
	close(start)
	wg.Wait()
	close(counts)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var got []int
	var first time.Time // of the firing told it was the first
	for c := range counts {
		got = append(got, c.count)
		if c.count == 0 {
			first = c.at
		}
	}
	slices.Sort(got)
	for i, c := range got {
		if c != i {
			t.Fatalf("counts told %v, want each of 0..%d once: a firing was lost or counted twice", got, firers*perFirer-1)
		}
	}
	s, err := a.RecordSighting(t.Context(), "fp1", "last", T0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if s.Count != firers*perFirer || !s.First.Equal(first) {
		t.Errorf("after the race: %+v, want count %d, first %v (the firing told it was the first)", s, firers*perFirer, first)
	}
}

// testConcurrentRedeliveries races deliveries of one event: it counts once,
// and every delivery is told the same.
func testConcurrentRedeliveries(t *testing.T, newStore NewStore) {
	a := alerts(t, newStore(t, NewClock().Now))
	if _, err := a.RecordSighting(t.Context(), "fp1", "e0", T0); err != nil {
		t.Fatal(err)
	}
	const deliveries = 16
	got := make([]state.Sighting, deliveries)
	errs := make([]error, deliveries)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range deliveries {
		wg.Go(func() {
			<-start
			got[i], errs[i] = a.RecordSighting(t.Context(), "fp1", "e1", T0.Add(time.Hour))
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	want := sighting(1, T0, T0)
	for i, s := range got {
		if !equalSighting(s, want) {
			t.Errorf("delivery %d: %+v, want %+v", i, s, want)
		}
	}
	s, err := a.RecordSighting(t.Context(), "fp1", "e2", T0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := sighting(2, T0, T0.Add(time.Hour)); !equalSighting(s, want) {
		t.Errorf("after the redeliveries: %+v, want %+v", s, want)
	}
}

func testSeenBadArguments(t *testing.T, newStore NewStore) {
	a := alerts(t, newStore(t, NewClock().Now))
	for _, c := range []struct{ fp, event string }{{"", "e1"}, {"fp1", ""}} {
		_, err := a.RecordSighting(t.Context(), c.fp, c.event, T0)
		if err == nil {
			t.Fatalf("RecordSighting(%q, %q): no error", c.fp, c.event)
		}
		if errors.Is(err, state.ErrUnavailable) {
			t.Errorf("%v is ErrUnavailable: callers would treat a bug as an outage", err)
		}
		if !strings.HasPrefix(err.Error(), "state: seen alert#") {
			t.Errorf("%q does not say where", err)
		}
	}
}
