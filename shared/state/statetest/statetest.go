// Package statetest is the behaviour every state.Store has, as one suite
// that each store's tests run (shared/state/memory, shared/state/dynamodb:
// statetest.Run(t, newStore)), with the fixtures and the benchmarks their
// own tests share.
package statetest

import (
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
)

// NewStore returns an empty store whose clock is now.
type NewStore func(t *testing.T, now func() time.Time) state.Store

// Run runs the suite on stores from newStore: the behaviour every Store
// has (Deliveries, Incidents, Alerts, History, Followups).
func Run(t *testing.T, newStore NewStore) {
	t.Run("deliveries", func(t *testing.T) { testDeliveries(t, newStore) })
	t.Run("concurrent claims", func(t *testing.T) { testConcurrentClaims(t, newStore) })
	t.Run("record", func(t *testing.T) { testRecord(t, newStore) })
	t.Run("incident", func(t *testing.T) { testIncident(t, newStore) })
	t.Run("record over a read", func(t *testing.T) { testRecordOver(t, newStore) })
	t.Run("threads", func(t *testing.T) { testThreads(t, newStore) })
	t.Run("concurrent incident writes", func(t *testing.T) { testConcurrentIncidentWrites(t, newStore) })
	t.Run("bad arguments", func(t *testing.T) { testBadArguments(t, newStore) })
	t.Run("triage", func(t *testing.T) { testTriage(t, newStore) })
	t.Run("numbers", func(t *testing.T) { testNumbers(t, newStore) })

	// Alerts, History and Followups: alerts.go, history.go, followups.go.
	t.Run("alerts", func(t *testing.T) { testAlerts(t, newStore) })
	t.Run("history", func(t *testing.T) { RunHistory(t, newStore) })
	t.Run("history bad arguments", func(t *testing.T) { testHistoryBadArguments(t, newStore) })
	t.Run("followups", func(t *testing.T) { RunFollowups(t, newStore) })
}

// T0 is the tests' "now": whole milliseconds, as DynamoDB stores leases.
var T0 = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// Clock is a settable Now for the stores, safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock at T0.
func NewClock() *Clock { return &Clock{now: T0} }

// Now is the clock's instant: pass it as the store's Now.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// Lease is the suite's lease of a claim.
const Lease = 30 * time.Second

// StatusEvent is a status event of incident Q1 (id "e-<kind>"), carrying
// nothing else of the incident.
func StatusEvent(kind incident.Kind, agent string, at time.Time) incident.Event {
	return incident.Event{
		ID: "e-" + string(kind), Kind: kind, OccurredAt: at, Agent: agent,
		Incident: incident.Incident{ID: "Q1"},
	}
}

// FullTrigger is the trigger of incident Q1 (number 42, "Disk full", an
// hour before T0) carrying every field.
func FullTrigger() incident.Event {
	ev := StatusEvent(incident.Triggered, "Monitoring", T0.Add(-time.Hour))
	ev.Incident = incident.Incident{
		ID: "Q1", Number: 42, Title: "Disk full", Status: "triggered", Urgency: "high",
		Priority: "P1", Service: incident.Service{ID: "S1", Name: "db"}, URL: "https://acme.pagerduty.com/incidents/Q1",
	}
	return ev
}

// testNumbers: an incident is found by its number once recorded with it
// and indexed; the first id indexed for a number stays.
func testNumbers(t *testing.T, newStore NewStore) {
	ctx := t.Context()
	s := newStore(t, NewClock().Now)
	if _, ok, err := s.IncidentID(ctx, 1234); err != nil || ok {
		t.Fatalf("an unknown number: %v %v", ok, err)
	}
	ev := incident.Event{ID: "e1", Kind: incident.Triggered, OccurredAt: T0, Incident: incident.Incident{ID: "Q1ABC", Number: 1234, Title: "t"}}
	if _, err := s.Record(ctx, ev); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"Q1ABC", "Q9OTHER"} {
		if err := s.IndexNumber(ctx, 1234, id); err != nil {
			t.Fatal(err)
		}
	}
	if id, ok, err := s.IncidentID(ctx, 1234); err != nil || !ok || id != "Q1ABC" {
		t.Errorf("IncidentID(1234) = %q, %v, %v", id, ok, err)
	}
	for _, n := range []int{0, -1, 999} {
		if _, ok, err := s.IncidentID(ctx, n); err != nil || ok {
			t.Errorf("IncidentID(%d): %v %v", n, ok, err)
		}
	}
	if err := s.IndexNumber(ctx, 0, "Q1"); err != nil {
		t.Error(err)
	}
}
