package memory

// History in memory. An event is identified by its EventID and its At: a
// redelivery changes nothing. Events older than state.HistoryTTL are
// dropped lazily, and beyond MaxHistory the oldest are forgotten.

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/pd2chat/pd2chat/shared/state"
)

// MaxHistory bounds the events a Store keeps: past it, the oldest (by At)
// are forgotten.
const MaxHistory = 100_000

// historyKey is an event's identity.
type historyKey struct {
	at time.Time // UTC, monotonic clock stripped
	id string
}

func keyOf(e state.HistoryEvent) historyKey { return historyKey{e.At.UTC().Round(0), e.EventID} }

func compareHistory(a, b state.HistoryEvent) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	return cmp.Compare(a.EventID, b.EventID)
}

func cloneHistory(e state.HistoryEvent) state.HistoryEvent {
	e.OnCall = slices.Clone(e.OnCall)
	return e
}

// memHistory is the Store's history: events sorted by (At, EventID), and
// their keys.
type memHistory struct {
	events []state.HistoryEvent
	keys   map[historyKey]struct{}
}

// Append implements state.History.
func (m *Store) Append(ctx context.Context, e state.HistoryEvent) error {
	if err := state.CheckHistoryEvent(e); err != nil {
		return fmt.Errorf("state: append history event %q: %w", e.EventID, err)
	}
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	h := &m.history
	h.expire(now)

	k := keyOf(e)
	if now.Sub(k.at) >= state.HistoryTTL {
		return nil // expired already, as DynamoDB's TTL would have it
	}
	if _, ok := h.keys[k]; ok {
		return nil
	}
	if h.keys == nil {
		h.keys = make(map[historyKey]struct{})
	}
	e = cloneHistory(e)
	e.At = k.at
	i, _ := slices.BinarySearchFunc(h.events, e, compareHistory)
	h.events = slices.Insert(h.events, i, e)
	h.keys[k] = struct{}{}
	for len(h.events) > MaxHistory {
		delete(h.keys, keyOf(h.events[0]))
		h.events[0] = state.HistoryEvent{}
		h.events = h.events[1:]
	}
	return nil
}

// Between implements state.History.
func (m *Store) Between(ctx context.Context, from, to time.Time) ([]state.HistoryEvent, error) {
	now := m.now()
	from, to, days, err := state.HistoryDays(from, to, now)
	if err != nil {
		return nil, fmt.Errorf("state: read history %s to %s: %w", from.UTC().Format(time.RFC3339Nano), to.UTC().Format(time.RFC3339Nano), err)
	}
	if len(days) == 0 {
		return nil, nil
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	h := &m.history
	h.expire(now)

	lo, _ := slices.BinarySearchFunc(h.events, from, func(e state.HistoryEvent, t time.Time) int { return e.At.Compare(t) })
	var out []state.HistoryEvent
	for _, e := range h.events[lo:] {
		if !e.At.Before(to) {
			break
		}
		out = append(out, cloneHistory(e))
	}
	return out, nil
}

// expire drops the events with now - At >= HistoryTTL. m.mu is held.
func (h *memHistory) expire(now time.Time) {
	n := 0
	for n < len(h.events) && now.Sub(h.events[n].At) >= state.HistoryTTL {
		delete(h.keys, keyOf(h.events[n]))
		n++
	}
	if n > 0 {
		clear(h.events[:n])
		h.events = h.events[n:]
	}
}
