// Package memory is the state.Store for local runs: maps under a mutex,
// lost on exit. It behaves as the DynamoDB store (shared/state/dynamodb)
// does, and passes the same suite (shared/state/statetest).
package memory

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
)

// MaxIncidents bounds the incidents a Store keeps: past it, the least
// recently updated one is forgotten.
const MaxIncidents = 10_000

// Store is the embedded state.Store for local runs. It behaves as DynamoDB
// does, with bounds instead of TTLs: delivery records are dropped lazily
// once state.DeliveryTTL has passed since their last write, and incidents
// beyond MaxIncidents (or state.IncidentTTL after their last update) are
// forgotten, least recently updated first; alerts and history likewise
// (MaxAlerts, MaxHistory). The zero value is not usable; call New.
type Store struct {
	// Now is the clock; nil means time.Now. Set it before first use.
	Now func() time.Time

	mu         sync.Mutex
	deliveries map[deliveryID]*list.Element // of *memDelivery
	byWrite    *list.List                   // deliveries, least recently written first
	incidents  map[string]*list.Element     // of *memIncident
	byUpdate   *list.List                   // incidents, least recently updated first

	alerts memAlerts // Alerts, under its own lock: see alerts.go

	// History and Followups: see history.go and followups.go.
	history memHistory
	pending map[string]*memPending
}

var _ state.Store = (*Store)(nil)

// The states of a delivery record, as the DynamoDB store keeps them.
const (
	statusClaimed = "claimed"
	statusPosted  = "posted"
	statusFailed  = "failed"
)

type deliveryID struct{ key, dest string }

type memDelivery struct {
	id         deliveryID
	status     string // statusClaimed, statusPosted, statusFailed
	leaseUntil time.Time
	ref        string
	written    time.Time
}

type memIncident struct {
	inc     state.Incident
	updated time.Time
}

// errNoIncidentID is returned by Record for an event without an incident id:
// a decoding bug upstream, not a store failure.
var errNoIncidentID = errors.New("event has no incident id")

// New returns an empty Store.
func New() *Store {
	return &Store{
		deliveries: make(map[deliveryID]*list.Element),
		byWrite:    list.New(),
		incidents:  make(map[string]*list.Element),
		byUpdate:   list.New(),
	}
}

func (m *Store) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// deliveryName names a delivery in errors, as the DynamoDB store's keys do.
func deliveryName(key, dest string) string {
	return "delivery#" + key + " dest#" + dest
}

// Claim implements state.Deliveries.
func (m *Store) Claim(ctx context.Context, key, dest string, lease time.Duration) (state.ClaimResult, error) {
	if err := state.CheckDelivery(key, dest); err != nil {
		return 0, fmt.Errorf("state: claim %s: %w", deliveryName(key, dest), err)
	}
	if lease <= 0 {
		return 0, fmt.Errorf("state: claim %s: lease %s is not positive", deliveryName(key, dest), lease)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireDeliveries(now)

	id := deliveryID{key, dest}
	result := state.Claimed
	if e, ok := m.deliveries[id]; ok {
		d := e.Value.(*memDelivery)
		switch d.status {
		case statusPosted:
			return state.AlreadyPosted, nil
		case statusFailed:
			return state.AlreadyFailed, nil
		}
		if !d.leaseUntil.Before(now) {
			return state.InFlight, nil
		}
		// The holder's lease ended: take the claim over.
		result = state.TakenOver
	}
	m.writeDelivery(&memDelivery{id: id, status: statusClaimed, leaseUntil: now.Add(lease), written: now})
	return result, nil
}

// Done implements state.Deliveries. A post overrides anything but an
// earlier post (whose ref is kept); a failure is recorded only over a claim
// (or nothing).
func (m *Store) Done(ctx context.Context, key, dest string, posted bool, ref string) error {
	if err := state.CheckDelivery(key, dest); err != nil {
		return fmt.Errorf("state: done %s: %w", deliveryName(key, dest), err)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireDeliveries(now)

	id := deliveryID{key, dest}
	if e, ok := m.deliveries[id]; ok {
		switch old := e.Value.(*memDelivery).status; {
		case old == statusPosted, old == statusFailed && !posted:
			return nil // an outcome is recorded already
		}
	}
	status := statusFailed
	if posted {
		status = statusPosted
	}
	m.writeDelivery(&memDelivery{id: id, status: status, ref: ref, written: now})
	return nil
}

// Release implements state.Deliveries. Releasing what is not claimed does
// nothing.
func (m *Store) Release(ctx context.Context, key, dest string) error {
	if err := state.CheckDelivery(key, dest); err != nil {
		return fmt.Errorf("state: release %s: %w", deliveryName(key, dest), err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireDeliveries(m.now())

	if e, ok := m.deliveries[deliveryID{key, dest}]; ok && e.Value.(*memDelivery).status == statusClaimed {
		m.byWrite.Remove(e)
		delete(m.deliveries, deliveryID{key, dest})
	}
	return nil
}

// Abandon implements state.Deliveries.
func (m *Store) Abandon(ctx context.Context, key, dest string) error {
	if err := state.CheckDelivery(key, dest); err != nil {
		return fmt.Errorf("state: abandon %s: %w", deliveryName(key, dest), err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if e, ok := m.deliveries[deliveryID{key, dest}]; ok {
		if d := e.Value.(*memDelivery); d.status == statusClaimed {
			d.leaseUntil = time.Time{}
		}
	}
	return nil
}

// writeDelivery stores d as the newest write. m.mu is held.
func (m *Store) writeDelivery(d *memDelivery) {
	if e, ok := m.deliveries[d.id]; ok {
		e.Value = d
		m.byWrite.MoveToBack(e)
		return
	}
	m.deliveries[d.id] = m.byWrite.PushBack(d)
}

// expireDeliveries drops the records last written DeliveryTTL ago or
// earlier. m.mu is held.
func (m *Store) expireDeliveries(now time.Time) {
	for e := m.byWrite.Front(); e != nil; e = m.byWrite.Front() {
		d := e.Value.(*memDelivery)
		if now.Sub(d.written) < state.DeliveryTTL {
			return
		}
		m.byWrite.Remove(e)
		delete(m.deliveries, d.id)
	}
}

// Record implements state.Incidents.
func (m *Store) Record(ctx context.Context, ev incident.Event) (state.Incident, error) {
	id := ev.Incident.ID
	if id == "" {
		return state.Incident{}, fmt.Errorf("state: record event %s: %w", ev.ID, errNoIncidentID)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireIncidents(now)

	mi := m.touchIncident(id, now)
	mi.inc = mi.inc.With(ev, now)
	return mi.inc.Clone(), nil
}

// RecordOver implements state.Incidents: in memory it is Record.
func (m *Store) RecordOver(ctx context.Context, _ state.Incident, ev incident.Event) (state.Incident, error) {
	return m.Record(ctx, ev)
}

// Incident implements state.Incidents.
func (m *Store) Incident(ctx context.Context, id string) (state.Incident, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireIncidents(m.now())

	e, ok := m.incidents[id]
	if !ok {
		return state.Incident{}, false, nil
	}
	return e.Value.(*memIncident).inc.Clone(), true, nil
}

// SetThread implements state.Incidents. Like DynamoDB, it creates the
// incident when it was never recorded.
func (m *Store) SetThread(ctx context.Context, id, dest, ref string) (string, error) {
	if id == "" || dest == "" || ref == "" {
		return "", fmt.Errorf("state: set thread of incident %q in %q to %q: empty argument", id, dest, ref)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireIncidents(now)

	mi := m.touchIncident(id, now)
	if old, ok := mi.inc.Threads[dest]; ok {
		return old, nil
	}
	if mi.inc.Threads == nil {
		mi.inc.Threads = make(map[string]string)
	}
	mi.inc.Threads[dest] = ref
	return ref, nil
}

// touchIncident returns incident id (created when absent) as the most
// recently updated one, forgetting the least recently updated beyond
// MaxIncidents. m.mu is held.
func (m *Store) touchIncident(id string, now time.Time) *memIncident {
	if e, ok := m.incidents[id]; ok {
		mi := e.Value.(*memIncident)
		mi.updated = now
		m.byUpdate.MoveToBack(e)
		return mi
	}
	mi := &memIncident{inc: state.Incident{ID: id}, updated: now}
	m.incidents[id] = m.byUpdate.PushBack(mi)
	for m.byUpdate.Len() > MaxIncidents {
		e := m.byUpdate.Front()
		m.byUpdate.Remove(e)
		delete(m.incidents, e.Value.(*memIncident).inc.ID)
	}
	return mi
}

// expireIncidents forgets the incidents last updated IncidentTTL ago or
// earlier. m.mu is held.
func (m *Store) expireIncidents(now time.Time) {
	for e := m.byUpdate.Front(); e != nil; e = m.byUpdate.Front() {
		mi := e.Value.(*memIncident)
		if now.Sub(mi.updated) < state.IncidentTTL {
			return
		}
		m.byUpdate.Remove(e)
		delete(m.incidents, mi.inc.ID)
	}
}

// IndexNumber implements state.Numbers: the incidents kept in memory
// hold their numbers already.
func (m *Store) IndexNumber(context.Context, int, string) error { return nil }

// IncidentID implements state.Numbers: the first incident kept with
// number n.
func (m *Store) IncidentID(_ context.Context, n int) (string, bool, error) {
	if n <= 0 {
		return "", false, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expireIncidents(m.now())
	for e := m.byUpdate.Front(); e != nil; e = e.Next() {
		if inc := e.Value.(*memIncident).inc; inc.Number == n {
			return inc.ID, true, nil
		}
	}
	return "", false, nil
}
