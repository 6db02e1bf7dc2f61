package rotation

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pd2chat/pd2chat/shared/testkit/testlog"
)

// countingSource counts calls; each call answers with next().
type countingSource struct {
	calls atomic.Int64
	next  func(ctx context.Context, n int64) (*Roster, error)
}

func (s *countingSource) Roster(ctx context.Context) (*Roster, error) {
	return s.next(ctx, s.calls.Add(1))
}

func (s *countingSource) String() string { return "fake:sheet" }

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func roster(t testing.TB, name string) *Roster {
	r, problems := Parse([][]string{{"2026-11-20", name}}, [][]string{{name}})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	return r
}

func TestCacheSingleFlightOnColdStart(t *testing.T) {
	synctest.Test(t, testCacheSingleFlightOnColdStart)
}

func testCacheSingleFlightOnColdStart(t *testing.T) {
	release := make(chan struct{})
	src := &countingSource{next: func(ctx context.Context, n int64) (*Roster, error) {
		<-release
		return roster(t, "Sato"), nil
	}}
	c := NewCache(src, time.Minute, nil)
	var wg sync.WaitGroup
	got := make([]*Roster, 1000)
	for i := range got {
		wg.Go(func() {
			r, err := c.Roster(context.Background())
			if err != nil {
				t.Error(err)
			}
			got[i] = r
		})
	}
	synctest.Wait() // every caller is waiting behind the one refresh
	close(release)
	wg.Wait()
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("1000 concurrent cold lookups made %d source calls, want 1", n)
	}
	for i, r := range got {
		if r != got[0] || r == nil {
			t.Fatalf("caller %d got a different roster", i)
		}
	}
}

func TestCacheTTLAndStaleOnError(t *testing.T) { synctest.Test(t, testCacheTTLAndStaleOnError) }

func testCacheTTLAndStaleOnError(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)}
	var fail atomic.Bool
	src := &countingSource{next: func(ctx context.Context, n int64) (*Roster, error) {
		if fail.Load() {
			return nil, errors.New("sheets: HTTP 503")
		}
		return roster(t, "Sato"), nil
	}}
	var logs testlog.Buffer
	c := NewCache(src, time.Minute, slog.New(slog.NewTextHandler(&logs, nil)))
	c.Now = clk.now
	ctx := context.Background()

	check := func(desc string, wantCalls int64, wantErr bool) *Roster {
		t.Helper()
		r, err := c.Roster(ctx)
		if (err != nil) != wantErr {
			t.Fatalf("%s: err = %v, want error %v", desc, err, wantErr)
		}
		// An expired snapshot is served at once and refreshed in the
		// background: wait for that refresh to end.
		synctest.Wait()
		if n := src.calls.Load(); n != wantCalls {
			t.Fatalf("%s: %d source calls, want %d", desc, n, wantCalls)
		}
		return r
	}
	first := check("cold", 1, false)
	clk.add(59 * time.Second)
	if check("warm, 59 s", 1, false) != first {
		t.Fatal("warm lookup gave another roster")
	}
	clk.add(time.Second)
	check("expired at 60 s: one refresh", 2, false)

	fail.Store(true)
	clk.add(time.Minute)
	if r := check("Sheets down: stale", 3, false); r == nil {
		t.Fatal("no stale roster")
	}
	if !strings.Contains(logs.String(), "serving the last good roster") || !strings.Contains(logs.String(), "age=1m0s") {
		t.Errorf("want a warning with the snapshot's age, got:\n%s", logs.String())
	}
	clk.add(5 * time.Second)
	check("inside the back-off: source left alone", 3, false)
	clk.add(5 * time.Second)
	check("after the back-off: asked again", 4, false)
	fail.Store(false)
	clk.add(10 * time.Second)
	check("recovered", 5, false)
	check("fresh again", 5, false)
}

func TestCacheWithoutSnapshotFails(t *testing.T) {
	src := &countingSource{next: func(ctx context.Context, n int64) (*Roster, error) {
		return nil, errors.New("sheets: HTTP 429")
	}}
	c := NewCache(src, time.Minute, nil)
	_, err := c.Roster(context.Background())
	if !errors.Is(err, ErrNoRoster) || !strings.Contains(err.Error(), "429") {
		t.Fatalf("err = %v", err)
	}
}

func TestCacheCallerDeadlineDoesNotCancelTheRefresh(t *testing.T) {
	synctest.Test(t, testCacheCallerDeadlineDoesNotCancelTheRefresh)
}

// testCacheCallerDeadlineDoesNotCancelTheRefresh runs in a bubble: the
// caller's 20 ms pass on its clock.
func testCacheCallerDeadlineDoesNotCancelTheRefresh(t *testing.T) {
	release := make(chan struct{})
	var sawCancel atomic.Bool
	src := &countingSource{next: func(ctx context.Context, n int64) (*Roster, error) {
		select {
		case <-release:
			return roster(t, "Sato"), nil
		case <-ctx.Done():
			sawCancel.Store(true)
			return nil, ctx.Err()
		}
	}}
	c := NewCache(src, time.Minute, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.Roster(ctx); !errors.Is(err, ErrNoRoster) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if waited := time.Since(start); waited > time.Second {
		t.Fatalf("caller waited %v past its deadline", waited)
	}
	close(release)
	r, err := c.Roster(context.Background())
	if err != nil || r == nil || sawCancel.Load() || src.calls.Load() != 1 {
		t.Fatalf("the refresh should have finished for the next caller: %v %v cancel=%v calls=%d", r, err, sawCancel.Load(), src.calls.Load())
	}
}

// BenchmarkCacheWarm is the cost of a lookup served from the snapshot.
func BenchmarkCacheWarm(b *testing.B) {
	src := &countingSource{next: func(context.Context, int64) (*Roster, error) { return roster(b, "Sato"), nil }}
	c := NewCache(src, time.Hour, nil)
	ctx := context.Background()
	if _, err := c.Roster(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Roster(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
	if n := src.calls.Load(); n != 1 {
		b.Fatalf("%d source calls", n)
	}
}
