package rotation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache defaults.
const (
	DefaultCacheTTL     = 60 * time.Second
	DefaultFetchTimeout = 4 * time.Second
	maxErrorBackoff     = 10 * time.Second
)

// Cache keeps one snapshot of a Source's roster for a TTL. However many
// callers ask at once, one refresh runs (single flight). Once a good read
// exists no caller waits for the source again: a snapshot older than the
// TTL is served while a refresh runs in the background (stale while
// revalidate). When a refresh fails, the last good snapshot keeps serving,
// whatever its age, and the source is not asked again before a short
// back-off; only with no snapshot at all does Roster fail (and wait). A caller's context bounds its own wait, not the
// refresh, which goes on (up to FetchTimeout) for the callers after it.
type Cache struct {
	src Source
	ttl time.Duration
	log *slog.Logger

	// FetchTimeout bounds one refresh. Zero: DefaultFetchTimeout.
	FetchTimeout time.Duration
	// Now is the clock. Nil: time.Now.
	Now func() time.Time

	group singleflight.Group
	snap  atomic.Pointer[snapshot]

	mu       sync.Mutex
	failedAt time.Time // last failed refresh; zero after a success
	lastErr  error
}

type snapshot struct {
	roster *Roster
	at     time.Time
}

// NewCache caches src for ttl (≤ 0: DefaultCacheTTL). log receives the
// stale-on-error warnings; nil discards them.
func NewCache(src Source, ttl time.Duration, log *slog.Logger) *Cache {
	if ttl <= 0 {
		ttl = DefaultCacheTTL
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Cache{src: src, ttl: ttl, log: log}
}

// String names the cached source, e.g. "sheets:ID (cached 1m0s)".
func (c *Cache) String() string { return fmt.Sprintf("%v (cached %v)", c.src, c.ttl) }

func (c *Cache) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// Roster gives the cached roster, refreshing it when older than the TTL.
func (c *Cache) Roster(ctx context.Context) (*Roster, error) {
	now := c.now()
	snap := c.snap.Load()
	if snap != nil {
		// Stale while revalidate: a good read serves at once; an old one
		// starts a refresh that the next callers see.
		if now.Sub(snap.at) >= c.ttl && c.backingOff(now) == nil {
			ch := c.group.DoChan("roster", func() (any, error) { return c.refresh(context.WithoutCancel(ctx)) })
			go func() {
				if res := <-ch; res.Err != nil {
					_, _ = c.stale(snap, c.now(), res.Err) // logs the warning
				}
			}()
		}
		if err := c.failing(); err != nil {
			return snap.roster.stale(snap.at, err), nil
		}
		return snap.roster, nil
	}
	if err := c.backingOff(now); err != nil {
		return c.stale(snap, now, err)
	}
	ch := c.group.DoChan("roster", func() (any, error) { return c.refresh(ctx) })
	select {
	case res := <-ch:
		if res.Err != nil {
			return c.stale(snap, c.now(), res.Err)
		}
		return res.Val.(*Roster), nil
	case <-ctx.Done():
		return c.stale(snap, c.now(), fmt.Errorf("rotation: waiting for %v: %w", c.src, context.Cause(ctx)))
	}
}

// refresh asks the source once; it outlives the caller that started it.
// A caller that saw a stale snapshot may arrive just after another refresh
// ended: the snapshot is checked again so that it does not ask twice.
func (c *Cache) refresh(ctx context.Context) (*Roster, error) {
	if snap := c.snap.Load(); snap != nil && c.now().Sub(snap.at) < c.ttl {
		return snap.roster, nil
	}
	if err := c.backingOff(c.now()); err != nil {
		return nil, err
	}
	timeout := c.FetchTimeout
	if timeout <= 0 {
		timeout = DefaultFetchTimeout
	}
	fctx, cancel := context.WithTimeoutCause(context.WithoutCancel(ctx), timeout,
		fmt.Errorf("rotation: %v took longer than %v", c.src, timeout))
	defer cancel()
	r, err := c.src.Roster(fctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	if err != nil {
		c.failedAt, c.lastErr = c.now(), err
		return nil, err
	}
	c.failedAt, c.lastErr = time.Time{}, nil
	c.snap.Store(&snapshot{roster: r, at: c.now()})
	return r, nil
}

// backingOff is the last refresh error while the source is left alone
// after a failure, nil otherwise.
func (c *Cache) backingOff(now time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.lastErr != nil && now.Sub(c.failedAt) < min(c.ttl, maxErrorBackoff) {
		return c.lastErr
	}
	return nil
}

// failing is the error of the last refresh when it failed, nil after a
// success.
func (c *Cache) failing() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lastErr
}

// ErrNoRoster wraps the refresh error when there is no snapshot to fall back on.
var ErrNoRoster = errors.New("rotation: no on-call roster available")

func (c *Cache) stale(snap *snapshot, now time.Time, err error) (*Roster, error) {
	if snap == nil {
		return nil, fmt.Errorf("%w: %w", ErrNoRoster, err)
	}
	c.log.Warn("rotation source failing; serving the last good roster",
		"source", fmt.Sprint(c.src), "age", now.Sub(snap.at).Round(time.Second).String(), "error", err.Error())
	return snap.roster.stale(snap.at, err), nil
}
