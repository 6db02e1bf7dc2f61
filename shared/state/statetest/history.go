package statetest

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
)

// historyOf is the store's History.
func historyOf(t *testing.T, s state.Store) state.History {
	t.Helper()
	h, ok := any(s).(state.History)
	if !ok {
		t.Fatalf("%T is not a state.History", s)
	}
	return h
}

// HistoryEvent is a history event of incident Q1 with every field set.
func HistoryEvent(id string, kind incident.Kind, at time.Time) state.HistoryEvent {
	return state.HistoryEvent{
		EventID: id, IncidentID: "Q1", Number: 42, Kind: kind, At: at, Agent: "Ann",
		ServiceID: "S1", Service: "db", Urgency: "high", Title: "Disk full <!here>",
		Fingerprint: "fp-disk", OnCall: []string{"Ito", "Watanabe"}, WorkingTime: true, Detail: "restart app-3: started",
	}
}

// ids lists the events' ids, in order.
func ids(evs []state.HistoryEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.EventID
	}
	return out
}

// equalHistory compares events field by field, instants as instants.
func equalHistory(a, b state.HistoryEvent) bool {
	return a.EventID == b.EventID && a.IncidentID == b.IncidentID && a.Number == b.Number &&
		a.Kind == b.Kind && a.At.Equal(b.At) && a.Agent == b.Agent && a.ServiceID == b.ServiceID &&
		a.Service == b.Service && a.Urgency == b.Urgency && a.Title == b.Title &&
		a.Fingerprint == b.Fingerprint && slices.Equal(a.OnCall, b.OnCall) && a.WorkingTime == b.WorkingTime && a.Detail == b.Detail
}

// RunHistory is the part of Run on History alone, for a store whose reads
// differ (such as DynamoDB's in small pages).
func RunHistory(t *testing.T, newStore NewStore) {
	ctx := t.Context()
	utc := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	appendAll := func(t *testing.T, h state.History, evs ...state.HistoryEvent) {
		t.Helper()
		for _, e := range evs {
			if err := h.Append(ctx, e); err != nil {
				t.Fatalf("Append(%s): %v", e.EventID, err)
			}
		}
	}
	between := func(t *testing.T, h state.History, from, to time.Time) []state.HistoryEvent {
		t.Helper()
		got, err := h.Between(ctx, from, to)
		if err != nil {
			t.Fatalf("Between(%s, %s): %v", from, to, err)
		}
		return got
	}

	t.Run("every field comes back", func(t *testing.T) {
		h := historyOf(t, newStore(t, NewClock().Now))
		full := HistoryEvent("e1", incident.Triggered, T0.Add(-time.Hour).In(time.FixedZone("JST", 9*3600)))
		bare := state.HistoryEvent{EventID: "e2", IncidentID: "Q2", Kind: incident.Resolved, At: T0.Add(-30 * time.Minute)}
		appendAll(t, h, full, bare)
		got := between(t, h, T0.Add(-2*time.Hour), T0)
		if len(got) != 2 || !equalHistory(got[0], full) || !equalHistory(got[1], bare) {
			t.Fatalf("Between = %+v\nwant %+v\n and %+v", got, full, bare)
		}
		if got[0].At.Location() != time.UTC {
			t.Errorf("At in %v, want UTC", got[0].At.Location())
		}
		// What Between returns is a copy.
		got[0].OnCall[0] = "Mallory"
		if again := between(t, h, T0.Add(-2*time.Hour), T0); again[0].OnCall[0] != "Ito" {
			t.Errorf("changing a returned event changed the store: %v", again[0].OnCall)
		}
	})

	t.Run("oldest first, whatever the order of appends", func(t *testing.T) {
		h := historyOf(t, newStore(t, NewClock().Now))
		base := utc("2026-11-20T09:00:00Z")
		appendAll(t, h,
			HistoryEvent("c", incident.Resolved, base.Add(2*time.Second)),
			HistoryEvent("b", incident.Acknowledged, base.Add(500*time.Millisecond)), // 09:00:00.5 sorts after 09:00:00
			HistoryEvent("z", incident.Triggered, base),
			HistoryEvent("a", incident.Triggered, base), // same instant: by event id
			HistoryEvent("d", incident.Annotated, base.Add(time.Nanosecond)),
		)
		if got, want := ids(between(t, h, base, base.Add(time.Hour))), []string{"a", "z", "d", "b", "c"}; !slices.Equal(got, want) {
			t.Errorf("order %v, want %v", got, want)
		}
	})

	t.Run("duplicates", func(t *testing.T) {
		h := historyOf(t, newStore(t, NewClock().Now))
		at := T0.Add(-time.Hour)
		first := HistoryEvent("e1", incident.Triggered, at)
		again := first
		again.Title = "changed" // a redelivery never changes what was recorded
		appendAll(t, h, first, again, HistoryEvent("e1", incident.Triggered, at.In(time.FixedZone("JST", 9*3600))))
		got := between(t, h, at, T0)
		if len(got) != 1 || got[0].Title != first.Title {
			t.Errorf("after a redelivery: %+v, want the first event once", got)
		}
	})

	t.Run("boundaries", func(t *testing.T) {
		h := historyOf(t, newStore(t, NewClock().Now))
		// Across a UTC day, a month end, and the JST day (15:00Z) between.
		from, to := utc("2026-10-31T14:00:00Z"), utc("2026-11-01T16:00:00Z")
		appendAll(t, h,
			HistoryEvent("before", incident.Triggered, from.Add(-time.Nanosecond)),
			HistoryEvent("from", incident.Triggered, from),
			HistoryEvent("oct-last", incident.Acknowledged, utc("2026-10-31T23:59:59.999999999Z")),
			HistoryEvent("nov-first", incident.Resolved, utc("2026-11-01T00:00:00Z")),
			HistoryEvent("jst-midnight", incident.Triggered, utc("2026-11-01T15:00:00Z")),
			HistoryEvent("last", incident.Triggered, to.Add(-time.Nanosecond)),
			HistoryEvent("to", incident.Triggered, to),
			HistoryEvent("next-day", incident.Triggered, utc("2026-11-02T00:00:00Z")),
		)
		tests := []struct {
			name     string
			from, to time.Time
			want     []string
		}{
			{"from inclusive, to exclusive", from, to, []string{"from", "oct-last", "nov-first", "jst-midnight", "last"}},
			{"one UTC day", utc("2026-11-01T00:00:00Z"), utc("2026-11-02T00:00:00Z"), []string{"nov-first", "jst-midnight", "last", "to"}},
			{"the last instant of October", utc("2026-10-31T23:59:59.999999999Z"), utc("2026-11-01T00:00:00Z"), []string{"oct-last"}},
			{"the JST day of 1 November", utc("2026-10-31T15:00:00Z"), utc("2026-11-01T15:00:00Z"), []string{"oct-last", "nov-first"}},
			{"everything", utc("2026-10-01T00:00:00Z"), utc("2026-12-01T00:00:00Z"), []string{"before", "from", "oct-last", "nov-first", "jst-midnight", "last", "to", "next-day"}},
			{"empty range", from, from, nil},
			{"reversed range", to, from, nil},
			{"nothing there", utc("2026-11-05T00:00:00Z"), utc("2026-11-06T00:00:00Z"), nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := ids(between(t, h, tt.from, tt.to)); !slices.Equal(got, tt.want) {
					t.Errorf("Between(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
				}
			})
		}
	})

	t.Run("kept HistoryTTL", func(t *testing.T) {
		clk := NewClock()
		h := historyOf(t, newStore(t, clk.Now))
		appendAll(t, h,
			HistoryEvent("expired", incident.Triggered, T0.Add(-state.HistoryTTL)),
			HistoryEvent("oldest", incident.Triggered, T0.Add(-state.HistoryTTL+time.Second)),
			HistoryEvent("new", incident.Triggered, T0),
		)
		all := func() []string { return ids(between(t, h, T0.Add(-state.HistoryTTL-time.Hour), T0.Add(time.Hour))) }
		if got, want := all(), []string{"oldest", "new"}; !slices.Equal(got, want) {
			t.Errorf("at t0: %v, want %v", got, want)
		}
		clk.Add(time.Second)
		if got, want := all(), []string{"new"}; !slices.Equal(got, want) {
			t.Errorf("a second later: %v, want %v", got, want)
		}
	})
}

func testHistoryBadArguments(t *testing.T, newStore NewStore) {
	h := historyOf(t, newStore(t, NewClock().Now))
	ctx := t.Context()
	ok := HistoryEvent("e1", incident.Triggered, T0)
	without := func(edit func(*state.HistoryEvent)) state.HistoryEvent {
		e := ok
		edit(&e)
		return e
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"no event id", func() error { return h.Append(ctx, without(func(e *state.HistoryEvent) { e.EventID = "" })) }},
		{"no incident id", func() error { return h.Append(ctx, without(func(e *state.HistoryEvent) { e.IncidentID = "" })) }},
		{"no instant", func() error { return h.Append(ctx, without(func(e *state.HistoryEvent) { e.At = time.Time{} })) }},
		{"a range longer than history", func() error {
			_, err := h.Between(ctx, T0.Add(-time.Hour), T0.Add(2*state.HistoryTTL))
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, state.ErrUnavailable) || !strings.HasPrefix(err.Error(), "state: ") {
				t.Errorf("%v: want a plain error starting with state: ", err)
			}
		})
	}
	// A whole history is not too long.
	if _, err := h.Between(ctx, T0.Add(-2*state.HistoryTTL), T0.Add(24*time.Hour)); err != nil {
		t.Errorf("Between(the whole history): %v", err)
	}
}
