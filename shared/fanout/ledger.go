package fanout

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/pd2chat/pd2chat/shared/state"
)

// Ledger makes posts idempotent with a state.Deliveries: a post is claimed
// before it is made and its outcome recorded after, so that a message is
// posted once per (key, destination) however often it is asked for. When
// the store fails, the Ledger stops asking it for the rest of its life
// (one delivery or one reminder run) and lets every post through: a rare
// duplicate is better than a lost alert.
type Ledger struct {
	Store state.Deliveries
	// Lease is how long a claim holds if its holder dies mid-post.
	Lease time.Duration
	// OnError is told of each store failure (for the log); nil ignores them.
	OnError func(action string, err error)

	down atomic.Bool
}

// ClaimLease is how long a claim on a post holds if its holder dies
// mid-way: longer than any post takes, shorter than a sender's retry.
const ClaimLease = 30 * time.Second

// NewLedger is a Ledger on store with ClaimLease, warning log (nil: no
// log) of each store failure.
func NewLedger(store state.Deliveries, log *slog.Logger) *Ledger {
	l := &Ledger{Store: store, Lease: ClaimLease}
	if log != nil {
		l.OnError = func(action string, err error) {
			log.Warn("state store failed; posting without it (a duplicate is possible)", "action", action, "error", err.Error())
		}
	}
	return l
}

// Fail marks the store as failed; the rest of the run goes on without it.
func (l *Ledger) Fail(action string, err error) {
	l.down.Store(true)
	if l.OnError != nil {
		l.OnError(action, err)
	}
}

// Claim says whether (key, dest) should be posted now, and whether it was
// claimed (then Outcome must follow). An empty key, or a nil ledger, never
// claims.
func (l *Ledger) Claim(ctx context.Context, key, dest string) (post, claimed bool) {
	if l == nil || key == "" || l.Store == nil || l.down.Load() {
		return true, false
	}
	res, err := l.Store.Claim(ctx, key, dest, l.Lease)
	switch {
	case err != nil:
		l.Fail("claim "+dest, err)
		return true, false
	case res != state.Claimed && res != state.TakenOver:
		return false, false
	}
	return true, true
}

// Outcome records the outcome of a claimed post: a post is kept; a failure,
// temporary or final, gives the claim back, so that a rerun (after the fix,
// for a final one) posts — "already posted" is only ever said of a post.
func (l *Ledger) Outcome(ctx context.Context, key, dest string, err error, ref string) {
	if ctx.Err() != nil { // the budget is spent, but the outcome must be kept
		ctx = context.WithoutCancel(ctx)
	}
	var serr error
	if err != nil {
		serr = l.Store.Release(ctx, key, dest)
	} else {
		serr = l.Store.Done(ctx, key, dest, true, ref)
	}
	if serr != nil {
		l.Fail("record the post to "+dest, serr)
	}
}
