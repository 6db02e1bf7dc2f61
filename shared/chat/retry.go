package chat

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// RetryPolicy bounds Send. A zero field takes its value from DefaultRetry, so
// RetryPolicy{} is the default policy and RetryPolicy{MaxAttempts: 1} posts
// once without retrying.
type RetryPolicy struct {
	// MaxAttempts caps the number of Post calls, first one included. The
	// context's deadline usually ends the retries first.
	MaxAttempts int
	// BaseDelay is the back-off after the first failure; it doubles after
	// each further failure, up to MaxDelay. The actual wait is drawn at
	// random between half the back-off and the whole of it (jitter).
	BaseDelay, MaxDelay time.Duration
	// AttemptTimeout bounds each Post call (and the context's deadline
	// bounds it further), so one hung request cannot eat the whole budget.
	AttemptTimeout time.Duration
	// Sleep waits d or until ctx is done, whichever comes first, and returns
	// a non-nil error in the latter case. nil means a real timer. Tests
	// inject one that records the delays.
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultRetry fits a webhook that must answer within PagerDuty's 5 seconds:
// back-off 100 ms, 200 ms, 400 ms… capped at 1 s, 2 s per attempt, at most 6
// attempts, all within the caller's deadline.
var DefaultRetry = RetryPolicy{
	MaxAttempts:    6,
	BaseDelay:      100 * time.Millisecond,
	MaxDelay:       time.Second,
	AttemptTimeout: 2 * time.Second,
}

// errAttemptTimeout is the cause of an attempt's context ending because the
// attempt took longer than RetryPolicy.AttemptTimeout.
var errAttemptTimeout = errors.New("chat: attempt timed out")

func (pol RetryPolicy) withDefaults() RetryPolicy {
	if pol.MaxAttempts <= 0 {
		pol.MaxAttempts = DefaultRetry.MaxAttempts
	}
	if pol.BaseDelay <= 0 {
		pol.BaseDelay = DefaultRetry.BaseDelay
	}
	if pol.MaxDelay <= 0 {
		pol.MaxDelay = DefaultRetry.MaxDelay
	}
	if pol.MaxDelay < pol.BaseDelay {
		pol.MaxDelay = pol.BaseDelay
	}
	if pol.AttemptTimeout <= 0 {
		pol.AttemptTimeout = DefaultRetry.AttemptTimeout
	}
	if pol.Sleep == nil {
		pol.Sleep = DefaultRetry.Sleep
	}
	if pol.Sleep == nil {
		pol.Sleep = sleep
	}
	return pol
}

// backoff is the wait after the n-th failed attempt (n ≥ 1), before jitter.
func (pol RetryPolicy) backoff(n int) time.Duration {
	d := pol.BaseDelay
	for i := 1; i < n && d < pol.MaxDelay; i++ {
		d *= 2
	}
	return min(d, pol.MaxDelay)
}

// jitter draws a wait in [d/2, d].
func jitter(d time.Duration) time.Duration {
	half := d / 2
	return half + rand.N(d-half+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// Send posts m through p, retrying temporary failures.
//
// Each attempt has its own timeout (pol.AttemptTimeout, never past ctx's
// deadline). A final error stops at once. After a temporary error Send
// waits — an exponential back-off with jitter, or the server's Retry-After
// when that is longer — and tries again, until an attempt succeeds,
// pol.MaxAttempts is reached or ctx ends. It never sleeps past ctx's
// deadline: when the wait would end at or after it, Send gives up at once
// and returns the temporary error, so the caller can answer 5xx and let
// PagerDuty deliver again.
//
// attempts is the number of Post calls made. err is nil or the last
// attempt's error, unchanged (IsTemporary tells whether a later delivery may
// succeed) — except that an attempt cut short by its context, whose error
// wraps context.DeadlineExceeded or context.Canceled, counts as temporary
// even if the poster did not say so. When ctx has already ended, Send makes
// no attempt and returns a temporary error wrapping ctx's cause.
func Send(ctx context.Context, p Poster, m Message, pol RetryPolicy) (attempts int, err error) {
	pol = pol.withDefaults()
	if ctx.Err() != nil {
		return 0, Temporary(fmt.Errorf("chat: not sent: %w", context.Cause(ctx)), 0)
	}
	for {
		attempts++
		err = attempt(ctx, p, m, pol.AttemptTimeout)
		if err == nil {
			return attempts, nil
		}
		temporary, retryAfter := IsTemporary(err)
		if !temporary || attempts >= pol.MaxAttempts {
			return attempts, err
		}
		wait := max(jitter(pol.backoff(attempts)), retryAfter)
		if deadline, ok := ctx.Deadline(); ok && wait >= time.Until(deadline) {
			return attempts, err
		}
		if pol.Sleep(ctx, wait) != nil || ctx.Err() != nil {
			return attempts, err
		}
	}
}

// attempt makes one Post call under its own timeout.
func attempt(ctx context.Context, p Poster, m Message, timeout time.Duration) error {
	actx, cancel := context.WithTimeoutCause(ctx, timeout, errAttemptTimeout)
	defer cancel()
	err := p.Post(actx, m)
	if err == nil {
		return nil
	}
	if ok, _ := IsTemporary(err); !ok && actx.Err() != nil &&
		(errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)) {
		// The poster did not classify its timeout: a timeout is temporary.
		return Temporary(err, 0)
	}
	return err
}
