package memory_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/state/statetest"
)

// TestMemory runs the suite every state.Store passes.
func TestMemory(t *testing.T) {
	statetest.Run(t, func(t *testing.T, now func() time.Time) state.Store {
		m := memory.New()
		m.Now = now
		return m
	})
}

// TestMemoryBounds checks the bounds that stand in for TTLs.
func TestMemoryBounds(t *testing.T) {
	ctx := t.Context()
	t.Run("delivery records go after DeliveryTTL", func(t *testing.T) {
		clk := statetest.NewClock()
		m := memory.New()
		m.Now = clk.Now
		if _, err := m.Claim(ctx, "ev1", "slack:C1", statetest.Lease); err != nil {
			t.Fatal(err)
		}
		if err := m.Done(ctx, "ev1", "slack:C1", true, "1.1"); err != nil {
			t.Fatal(err)
		}
		clk.Add(state.DeliveryTTL)
		if got, err := m.Claim(ctx, "ev1", "slack:C1", statetest.Lease); err != nil || got != state.Claimed {
			t.Fatalf("Claim after DeliveryTTL = %v, %v; want claimed", got, err)
		}
	})
	t.Run("incidents go after IncidentTTL", func(t *testing.T) {
		clk := statetest.NewClock()
		m := memory.New()
		m.Now = clk.Now
		if _, err := m.Record(ctx, statetest.FullTrigger()); err != nil {
			t.Fatal(err)
		}
		clk.Add(state.IncidentTTL - time.Second)
		if _, ok, _ := m.Incident(ctx, "Q1"); !ok {
			t.Fatal("gone before IncidentTTL")
		}
		clk.Add(time.Second)
		if _, ok, _ := m.Incident(ctx, "Q1"); ok {
			t.Fatal("kept after IncidentTTL")
		}
	})
	t.Run("the least recently updated incident goes first", func(t *testing.T) {
		clk := statetest.NewClock()
		m := memory.New()
		m.Now = clk.Now
		record := func(id string) {
			ev := statetest.FullTrigger()
			ev.Incident.ID = id
			if _, err := m.Record(ctx, ev); err != nil {
				t.Fatal(err)
			}
			clk.Add(time.Millisecond)
		}
		for i := range memory.MaxIncidents {
			record(fmt.Sprint("P", i))
		}
		record("P0") // P0 is now the most recent; P1 the least
		record("new")
		for id, want := range map[string]bool{"P0": true, "P1": false, "P2": true, "new": true} {
			if _, ok, _ := m.Incident(ctx, id); ok != want {
				t.Errorf("Incident(%s) found = %v, want %v", id, ok, want)
			}
		}
	})
}
