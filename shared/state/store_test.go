package state_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/statetest"
)

func TestMemory(t *testing.T) {
	statetest.Run(t, func(t *testing.T, now func() time.Time) state.Store {
		m := state.NewMemory()
		m.Now = now
		return m
	})
}

func step(kind incident.Kind, agent string, at time.Time) state.Step {
	return state.Step{Kind: kind, Agent: agent, At: at}
}

func TestStatus(t *testing.T) {
	at := func(n int) time.Time { return statetest.T0.Add(time.Duration(n) * time.Minute) }
	tests := []struct {
		name  string
		steps []state.Step
		want  incident.Kind
	}{
		{"none", nil, ""},
		{"triggered", []state.Step{step(incident.Triggered, "", at(0))}, incident.Triggered},
		{"latest wins", []state.Step{step(incident.Triggered, "", at(0)), step(incident.Acknowledged, "", at(1)), step(incident.Resolved, "", at(2))}, incident.Resolved},
		{"reopened", []state.Step{step(incident.Resolved, "", at(0)), step(incident.Reopened, "", at(1))}, incident.Reopened},
		{"unacknowledged", []state.Step{step(incident.Acknowledged, "", at(0)), step(incident.Unacknowledged, "", at(1))}, incident.Unacknowledged},
		{"reassignments are not statuses", []state.Step{step(incident.Acknowledged, "", at(0)), step(incident.Reassigned, "", at(1)), step(incident.Escalated, "", at(2)), step(incident.Delegated, "", at(3))}, incident.Acknowledged},
		{"only reassignments", []state.Step{step(incident.Reassigned, "", at(0))}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := (state.Incident{Steps: tt.steps}).Status(); got != tt.want {
				t.Errorf("Status() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestMemoryBounds checks the bounds that stand in for TTLs.
func TestMemoryBounds(t *testing.T) {
	ctx := t.Context()
	t.Run("delivery records go after DeliveryTTL", func(t *testing.T) {
		clk := statetest.NewClock()
		m := state.NewMemory()
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
		m := state.NewMemory()
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
		m := state.NewMemory()
		m.Now = clk.Now
		record := func(id string) {
			ev := statetest.FullTrigger()
			ev.Incident.ID = id
			if _, err := m.Record(ctx, ev); err != nil {
				t.Fatal(err)
			}
			clk.Add(time.Millisecond)
		}
		for i := range state.MaxMemoryIncidents {
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
