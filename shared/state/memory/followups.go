package memory

// Followups in memory. An incident waits at most state.PendingTTL after
// Await: past it, it is dropped (lazily), no longer listed by Waiting, and
// Mentioned answers false. Waiting lists the incidents oldest trigger
// first, then by id.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/pd2chat/pd2chat/shared/state"
)

var errNoPendingID = errors.New("empty incident id")

func comparePending(a, b state.Pending) int {
	if c := a.TriggeredAt.Compare(b.TriggeredAt); c != 0 {
		return c
	}
	return cmp.Compare(a.IncidentID, b.IncidentID)
}

// memPending is one waiting incident.
type memPending struct {
	p       state.Pending
	expires time.Time
}

// expirePending drops the incidents whose PendingTTL has passed. m.mu is
// held.
func (m *Store) expirePending(now time.Time) {
	for id, mp := range m.pending {
		if !now.Before(mp.expires) {
			delete(m.pending, id)
		}
	}
}

// Await implements state.Followups.
func (m *Store) Await(ctx context.Context, p state.Pending) error {
	if p.IncidentID == "" {
		return fmt.Errorf("state: await incident: %w", errNoPendingID)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expirePending(now)

	if _, ok := m.pending[p.IncidentID]; ok {
		return nil
	}
	if m.pending == nil {
		m.pending = make(map[string]*memPending)
	}
	p.TriggeredAt = p.TriggeredAt.UTC().Round(0)
	m.pending[p.IncidentID] = &memPending{p: p, expires: now.Add(state.PendingTTL)}
	return nil
}

// Settle implements state.Followups.
func (m *Store) Settle(ctx context.Context, incidentID string) error {
	if incidentID == "" {
		return fmt.Errorf("state: settle incident: %w", errNoPendingID)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.pending, incidentID)
	return nil
}

// Waiting implements state.Followups.
func (m *Store) Waiting(ctx context.Context) ([]state.Pending, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expirePending(m.now())

	out := make([]state.Pending, 0, len(m.pending))
	for _, mp := range m.pending {
		out = append(out, mp.p)
	}
	slices.SortFunc(out, comparePending)
	return out, nil
}

// Mentioned implements state.Followups.
func (m *Store) Mentioned(ctx context.Context, incidentID string, n int) (bool, error) {
	if err := state.CheckMentioned(incidentID, n); err != nil {
		return false, fmt.Errorf("state: record follow-up %d of pending#%s: %w", n, incidentID, err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.expirePending(m.now())

	mp, ok := m.pending[incidentID]
	if !ok || mp.p.Mentions != n-1 {
		return false, nil
	}
	mp.p.Mentions = n
	return true, nil
}
