package statetest

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/state"
)

// followupsOf is the store's Followups.
func followupsOf(t *testing.T, s state.Store) state.Followups {
	t.Helper()
	f, ok := any(s).(state.Followups)
	if !ok {
		t.Fatalf("%T is not a state.Followups", s)
	}
	return f
}

// Pending is incident id (number 42, "Disk full") waiting since `at`.
func Pending(id string, at time.Time) state.Pending {
	return state.Pending{IncidentID: id, Number: 42, Title: "Disk full", TriggeredAt: at}
}

func equalPending(a, b state.Pending) bool {
	return a.IncidentID == b.IncidentID && a.Number == b.Number && a.Title == b.Title &&
		a.TriggeredAt.Equal(b.TriggeredAt) && a.Mentions == b.Mentions
}

func waitingIDs(t *testing.T, f state.Followups) []string {
	t.Helper()
	ps, err := f.Waiting(t.Context())
	if err != nil {
		t.Fatalf("Waiting: %v", err)
	}
	var out []string
	for _, p := range ps {
		out = append(out, fmt.Sprintf("%s:%d", p.IncidentID, p.Mentions))
	}
	return out
}

// RunFollowups is the part of Run on Followups alone, for a store whose
// reads differ (such as DynamoDB's in small pages).
func RunFollowups(t *testing.T, newStore NewStore) {
	ctx := t.Context()
	await := func(t *testing.T, f state.Followups, ps ...state.Pending) {
		t.Helper()
		for _, p := range ps {
			if err := f.Await(ctx, p); err != nil {
				t.Fatalf("Await(%s): %v", p.IncidentID, err)
			}
		}
	}
	mentioned := func(t *testing.T, f state.Followups, id string, n int, want bool) {
		t.Helper()
		got, err := f.Mentioned(ctx, id, n)
		if err != nil || got != want {
			t.Fatalf("Mentioned(%s, %d) = %v, %v; want %v", id, n, got, err, want)
		}
	}
	check := func(t *testing.T, f state.Followups, want ...string) {
		t.Helper()
		if got := waitingIDs(t, f); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("Waiting = %v, want %v", got, want)
		}
	}

	t.Run("await, then every field is listed", func(t *testing.T) {
		f := followupsOf(t, newStore(t, NewClock().Now))
		p := Pending("Q1", T0.Add(-time.Hour).In(time.FixedZone("JST", 9*3600)))
		bare := state.Pending{IncidentID: "Q2", TriggeredAt: T0}
		await(t, f, p, bare)
		got, err := f.Waiting(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || !equalPending(got[0], p) || !equalPending(got[1], bare) {
			t.Fatalf("Waiting = %+v\nwant %+v\n and %+v", got, p, bare)
		}
	})

	t.Run("awaiting again changes nothing", func(t *testing.T) {
		f := followupsOf(t, newStore(t, NewClock().Now))
		await(t, f, Pending("Q1", T0))
		mentioned(t, f, "Q1", 1, true)
		again := Pending("Q1", T0.Add(time.Hour))
		again.Title = "changed"
		await(t, f, again)
		got, err := f.Waiting(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := Pending("Q1", T0)
		want.Mentions = 1
		if len(got) != 1 || !equalPending(got[0], want) {
			t.Errorf("Waiting = %+v, want %+v", got, want)
		}
	})

	t.Run("oldest trigger first", func(t *testing.T) {
		f := followupsOf(t, newStore(t, NewClock().Now))
		await(t, f, Pending("Q3", T0), Pending("Q1", T0.Add(time.Minute)), Pending("Q2", T0), Pending("Q0", T0.Add(-time.Second)), Pending("Q9", T0.Add(-time.Hour)))
		check(t, f, "Q9:0", "Q0:0", "Q2:0", "Q3:0", "Q1:0")
	})

	t.Run("settle", func(t *testing.T) {
		f := followupsOf(t, newStore(t, NewClock().Now))
		await(t, f, Pending("Q1", T0), Pending("Q2", T0))
		for _, id := range []string{"Q1", "Q1", "never-seen"} {
			if err := f.Settle(ctx, id); err != nil {
				t.Fatalf("Settle(%s): %v", id, err)
			}
		}
		check(t, f, "Q2:0")
		mentioned(t, f, "Q1", 1, false)
		await(t, f, Pending("Q1", T0)) // reopened, waits again
		check(t, f, "Q1:0", "Q2:0")
	})

	t.Run("mentions count up one at a time", func(t *testing.T) {
		f := followupsOf(t, newStore(t, NewClock().Now))
		await(t, f, Pending("Q1", T0))
		mentioned(t, f, "Q1", 2, false) // not before the first
		mentioned(t, f, "Q1", 1, true)
		mentioned(t, f, "Q1", 1, false) // another sweep recorded it
		mentioned(t, f, "Q1", 2, true)
		mentioned(t, f, "Q1", 1, false) // a late sweep
		mentioned(t, f, "Q2", 1, false) // not waiting
		check(t, f, "Q1:2")
	})

	t.Run("concurrent sweeps: one wins each mention", func(t *testing.T) {
		f := followupsOf(t, newStore(t, NewClock().Now))
		await(t, f, Pending("Q1", T0))
		const sweeps = 16
		for n := 1; n <= 3; n++ {
			var wg sync.WaitGroup
			start := make(chan struct{})
			results := make([]bool, sweeps)
			errs := make([]error, sweeps)
			for i := range sweeps {
				wg.Go(func() {
					<-start
					results[i], errs[i] = f.Mentioned(ctx, "Q1", n)
				})
			}
			close(start)
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			won := 0
			for _, r := range results {
				if r {
					won++
				}
			}
			if won != 1 {
				t.Fatalf("Mentioned(Q1, %d) by %d sweeps at once: %d true, want exactly 1", n, sweeps, won)
			}
		}
		check(t, f, "Q1:3")
	})

	t.Run("kept PendingTTL", func(t *testing.T) {
		clk := NewClock()
		f := followupsOf(t, newStore(t, clk.Now))
		await(t, f, Pending("Q1", T0))
		clk.Add(state.PendingTTL - time.Second)
		mentioned(t, f, "Q1", 1, true)
		check(t, f, "Q1:1")
		clk.Add(time.Second)
		check(t, f)
		mentioned(t, f, "Q1", 2, false)
		await(t, f, Pending("Q1", T0)) // waits afresh
		check(t, f, "Q1:0")
	})

	t.Run("bad arguments", func(t *testing.T) {
		f := followupsOf(t, newStore(t, NewClock().Now))
		for name, call := range map[string]func() error{
			"await without id":   func() error { return f.Await(ctx, state.Pending{TriggeredAt: T0}) },
			"settle without id":  func() error { return f.Settle(ctx, "") },
			"mention without id": func() error { _, err := f.Mentioned(ctx, "", 1); return err },
			"mention 0":          func() error { _, err := f.Mentioned(ctx, "Q1", 0); return err },
		} {
			err := call()
			if err == nil || errors.Is(err, state.ErrUnavailable) || !strings.HasPrefix(err.Error(), "state: ") {
				t.Errorf("%s: %v, want a plain error starting with state: ", name, err)
			}
		}
	})
}
