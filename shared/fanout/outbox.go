package fanout

import (
	"context"
	"log/slog"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/state"
)

// Item is one message for one destination.
type Item struct {
	Destination Destination
	Message     chat.Message
	// IncidentID names the incident whose thread the message belongs in
	// (follow-ups); the queued path finds the thread from it.
	IncidentID string
	// UnlessResponded drops the message when, by the time it is posted,
	// someone has responded to IncidentID (a follow-up waiting on the
	// queue behind an "I'm on it").
	UnlessResponded bool
}

// Outbox posts one message per destination, at most once per key. Direct
// posts now; deliver.Outbox puts them on the delivery queue for the
// deliver function (one path that posts once, retries, dead-letters).
type Outbox interface {
	Post(ctx context.Context, key string, items []Item) Result
}

// Direct is the in-process Outbox: every destination at once, with the
// retry policy, each post claimed in Store first (nil: posted every time).
type Direct struct {
	Store state.Deliveries
	Retry chat.RetryPolicy
	Log   *slog.Logger
}

// Post sends items now and waits for them.
func (d Direct) Post(ctx context.Context, key string, items []Item) Result {
	ledger := NewLedger(d.Store, d.Log)
	dests := make([]Destination, len(items))
	jobs := make([][]Job, len(items))
	for i, it := range items {
		dests[i] = it.Destination
		jobs[i] = []Job{{Message: it.Message, Key: key}}
	}
	return Run(ctx, ledger, dests, jobs, d.Retry)
}
