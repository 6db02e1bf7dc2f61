package memory

// Alerts in memory. An alert's record is its firing count, the instants of
// its first and latest firings, the event id of its latest firing and what
// was known before that firing ("prev"), so that a redelivery of that event
// answers as the first delivery did without counting again: as the
// DynamoDB store keeps it, with the same limit (only the latest firing is
// recognised as a redelivery).

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/pd2chat/pd2chat/shared/state"
)

// MaxAlerts bounds the fingerprints a Store keeps: past it, the one that
// fired least recently is forgotten.
const MaxAlerts = 10_000

// errNoAlert is returned by RecordSighting without a fingerprint or an event
// id: a bug of the caller, not a store failure.
var errNoAlert = errors.New("empty fingerprint or event id")

// alertName names an alert in errors, as the DynamoDB store's key does.
func alertName(fingerprint string) string { return "alert#" + fingerprint }

// alertRecord is an alert's record.
type alertRecord struct {
	count       int
	first, last time.Time
	lastEvent   string
	prev        state.Sighting // before the latest firing
}

// fire records the firing of event at (if it is not the latest firing
// again) and gives what was known before it.
func (a *alertRecord) fire(event string, at time.Time) state.Sighting {
	if a.count > 0 && a.lastEvent == event {
		return a.prev
	}
	a.prev = state.Sighting{Count: a.count}
	if a.count > 0 {
		a.prev.First, a.prev.Last = a.first, a.last
	} else {
		a.first = at
	}
	a.count++
	a.last, a.lastEvent = at, event
	return a.prev
}

// alertInstant is at as the DynamoDB store keeps it: UTC, whole
// milliseconds (epoch ms); now when at is zero.
func alertInstant(at, now time.Time) time.Time {
	if at.IsZero() {
		at = now
	}
	return at.UTC().Truncate(time.Millisecond)
}

// memAlerts is the Store's part for Alerts, with its own lock.
type memAlerts struct {
	mu      sync.Mutex
	byPrint map[string]*list.Element // of *memAlert
	byWrite *list.List               // least recently written first
}

type memAlert struct {
	fingerprint string
	rec         alertRecord
	written     time.Time
}

// RecordSighting implements state.Alerts. Records are forgotten
// state.AlertTTL after their last firing, or beyond MaxAlerts, least
// recently fired first.
func (m *Store) RecordSighting(ctx context.Context, fingerprint, eventID string, at time.Time) (state.Sighting, error) {
	if fingerprint == "" || eventID == "" {
		return state.Sighting{}, fmt.Errorf("state: seen %s event %q: %w", alertName(fingerprint), eventID, errNoAlert)
	}
	now := m.now()
	at = alertInstant(at, now)
	a := &m.alerts
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.byPrint == nil {
		a.byPrint, a.byWrite = make(map[string]*list.Element), list.New()
	}
	for e := a.byWrite.Front(); e != nil && now.Sub(e.Value.(*memAlert).written) >= state.AlertTTL; e = a.byWrite.Front() {
		a.byWrite.Remove(e)
		delete(a.byPrint, e.Value.(*memAlert).fingerprint)
	}

	e, ok := a.byPrint[fingerprint]
	if !ok {
		e = a.byWrite.PushBack(&memAlert{fingerprint: fingerprint})
		a.byPrint[fingerprint] = e
		for a.byWrite.Len() > MaxAlerts {
			old := a.byWrite.Front()
			a.byWrite.Remove(old)
			delete(a.byPrint, old.Value.(*memAlert).fingerprint)
		}
	}
	ma := e.Value.(*memAlert)
	redelivery := ma.rec.count > 0 && ma.rec.lastEvent == eventID
	s := ma.rec.fire(eventID, at)
	if !redelivery { // a redelivery writes nothing, as on DynamoDB
		ma.written = now
		a.byWrite.MoveToBack(e)
	}
	return s, nil
}
