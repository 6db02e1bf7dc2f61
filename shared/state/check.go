package state

import (
	"errors"
	"fmt"
	"time"
)

// What both stores (shared/state/memory, shared/state/dynamodb) check
// alike. An argument a store refuses is a plain error, never
// ErrUnavailable: a bug of the caller, not a store failure. Each store
// wraps it as "state: <operation> <what>: <reason>".

var errEmptyKey = errors.New("empty key or destination")

// CheckDelivery is the argument check of every Deliveries method: key and
// dest must not be empty.
func CheckDelivery(key, dest string) error {
	if key == "" || dest == "" {
		return errEmptyKey
	}
	return nil
}

var errHistoryEvent = errors.New("event id, incident id and instant are required")

// CheckHistoryEvent is History.Append's argument check: e needs its
// EventID, IncidentID and At.
func CheckHistoryEvent(e HistoryEvent) error {
	if e.EventID == "" || e.IncidentID == "" || e.At.IsZero() {
		return errHistoryEvent
	}
	return nil
}

var errNoPendingID = errors.New("empty incident id")

// CheckMentioned is Followups.Mentioned's argument check: an incident id,
// and follow-ups counted from 1.
func CheckMentioned(incidentID string, n int) error {
	if incidentID == "" {
		return errNoPendingID
	}
	if n < 1 {
		return errors.New("follow-ups count from 1")
	}
	return nil
}

// maxHistoryDays bounds the UTC days one Between reads: the days
// HistoryTTL keeps, and the partial days at both ends.
const maxHistoryDays = int(HistoryTTL/(24*time.Hour)) + 2

// HistoryDays is what History.Between(from, to) reads at now: [lo, hi), the
// part of [from, to) that HistoryTTL still keeps (Between never answers an
// event with now.Sub(At) >= HistoryTTL), and the UTC days it spans, oldest
// first; no days when it is empty. A range longer than history is an error
// (a plain one).
func HistoryDays(from, to, now time.Time) (lo, hi time.Time, days []time.Time, err error) {
	if oldest := now.Add(-HistoryTTL); !from.After(oldest) {
		from = oldest.Add(time.Nanosecond) // At > now - HistoryTTL
	}
	if !from.Before(to) {
		return from, to, nil, nil
	}
	first := utcDay(from)
	last := utcDay(to.Add(-time.Nanosecond))
	n := int(last.Sub(first)/(24*time.Hour)) + 1
	if n > maxHistoryDays {
		return from, to, nil, fmt.Errorf("%d days asked for; history keeps %d", n, maxHistoryDays)
	}
	days = make([]time.Time, n)
	for i := range days {
		days[i] = first.AddDate(0, 0, i)
	}
	return from, to, days, nil
}

// utcDay is the start of t's UTC day.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
