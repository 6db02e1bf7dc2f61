package chat_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
)

var (
	errTemp  = chat.Temporary(errors.New("HTTP 503"), 0)
	errFinal = errors.New("channel_not_found")
)

func errRetryAfter(d time.Duration) error {
	return chat.Temporary(errors.New("HTTP 429"), d)
}

// scripted is a Poster that returns its script's errors in turn, then
// succeeds (or repeats forever when forever is set).
type scripted struct {
	mu        sync.Mutex
	script    []error
	forever   error
	calls     int
	deadlines []time.Duration // time left on each attempt's ctx
}

func (s *scripted) Post(ctx context.Context, m chat.Message) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d, ok := ctx.Deadline(); ok {
		s.deadlines = append(s.deadlines, time.Until(d))
	}
	s.calls++
	if s.calls <= len(s.script) {
		return s.script[s.calls-1]
	}
	return s.forever
}

// recorder is an injected Sleep that records the delays and returns at once.
type recorder struct {
	delays []time.Duration
	err    error
}

func (r *recorder) sleep(ctx context.Context, d time.Duration) error {
	r.delays = append(r.delays, d)
	return r.err
}

type span struct{ lo, hi time.Duration }

func TestSend(t *testing.T) {
	pol := chat.RetryPolicy{
		MaxAttempts: 5,
		BaseDelay:   100 * time.Millisecond,
		MaxDelay:    time.Second,
	}
	tests := []struct {
		name         string
		script       []error
		forever      error
		pol          chat.RetryPolicy
		timeout      time.Duration // ctx deadline; 0 = none
		sleepErr     error
		wantAttempts int
		wantErr      error // nil = success
		wantTemp     bool
		wantDelays   []span
	}{
		{
			name:         "success at once",
			wantAttempts: 1,
		},
		{
			name:         "final error stops at once",
			script:       []error{errFinal},
			wantAttempts: 1,
			wantErr:      errFinal,
		},
		{
			name:         "two temporary failures then success",
			script:       []error{errTemp, errTemp},
			wantAttempts: 3,
			wantDelays:   []span{{50 * time.Millisecond, 100 * time.Millisecond}, {100 * time.Millisecond, 200 * time.Millisecond}},
		},
		{
			name:         "temporary then final",
			script:       []error{errTemp, errFinal},
			wantAttempts: 2,
			wantErr:      errFinal,
			wantDelays:   []span{{50 * time.Millisecond, 100 * time.Millisecond}},
		},
		{
			name:         "retry-after longer than back-off is honoured",
			script:       []error{errRetryAfter(3 * time.Second)},
			timeout:      10 * time.Second,
			wantAttempts: 2,
			wantDelays:   []span{{3 * time.Second, 3 * time.Second}},
		},
		{
			name:         "retry-after shorter than back-off: back-off wins",
			script:       []error{errRetryAfter(time.Millisecond)},
			wantAttempts: 2,
			wantDelays:   []span{{50 * time.Millisecond, 100 * time.Millisecond}},
		},
		{
			name:         "retry-after past the deadline gives up at once",
			script:       []error{errRetryAfter(3 * time.Second)},
			timeout:      time.Second,
			wantAttempts: 1,
			wantErr:      errRetryAfter(3 * time.Second),
			wantTemp:     true,
		},
		{
			name:         "max attempts reached",
			forever:      errTemp,
			wantAttempts: 5,
			wantErr:      errTemp,
			wantTemp:     true,
			wantDelays: []span{
				{50 * time.Millisecond, 100 * time.Millisecond},
				{100 * time.Millisecond, 200 * time.Millisecond},
				{200 * time.Millisecond, 400 * time.Millisecond},
				{400 * time.Millisecond, 800 * time.Millisecond},
			},
		},
		{
			name:         "back-off is capped",
			forever:      errTemp,
			pol:          chat.RetryPolicy{MaxAttempts: 7, BaseDelay: 100 * time.Millisecond, MaxDelay: 300 * time.Millisecond},
			wantAttempts: 7,
			wantErr:      errTemp,
			wantTemp:     true,
			wantDelays: []span{
				{50 * time.Millisecond, 100 * time.Millisecond},
				{100 * time.Millisecond, 200 * time.Millisecond},
				{150 * time.Millisecond, 300 * time.Millisecond},
				{150 * time.Millisecond, 300 * time.Millisecond},
				{150 * time.Millisecond, 300 * time.Millisecond},
				{150 * time.Millisecond, 300 * time.Millisecond},
			},
		},
		{
			name:         "one attempt only",
			forever:      errTemp,
			pol:          chat.RetryPolicy{MaxAttempts: 1},
			wantAttempts: 1,
			wantErr:      errTemp,
			wantTemp:     true,
		},
		{
			name:         "sleep interrupted returns the temporary error",
			forever:      errTemp,
			sleepErr:     context.Canceled,
			wantAttempts: 1,
			wantErr:      errTemp,
			wantTemp:     true,
			wantDelays:   []span{{50 * time.Millisecond, 100 * time.Millisecond}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			p := &scripted{script: tt.script, forever: tt.forever}
			rec := &recorder{err: tt.sleepErr}
			pl := pol
			if tt.pol.MaxAttempts != 0 {
				pl = tt.pol
			}
			pl.Sleep = rec.sleep

			attempts, err := chat.Send(ctx, p, chat.Message{Text: "hi"}, pl)

			if attempts != tt.wantAttempts || p.calls != tt.wantAttempts {
				t.Errorf("attempts = %d (poster saw %d), want %d", attempts, p.calls, tt.wantAttempts)
			}
			switch {
			case tt.wantErr == nil && err != nil:
				t.Errorf("err = %v, want nil", err)
			case tt.wantErr != nil && (err == nil || err.Error() != tt.wantErr.Error()):
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if temp, _ := chat.IsTemporary(err); temp != tt.wantTemp {
				t.Errorf("IsTemporary(%v) = %v, want %v", err, temp, tt.wantTemp)
			}
			if len(rec.delays) != len(tt.wantDelays) {
				t.Fatalf("slept %v, want %d sleeps in %v", rec.delays, len(tt.wantDelays), tt.wantDelays)
			}
			for i, d := range rec.delays {
				if w := tt.wantDelays[i]; d < w.lo || d > w.hi {
					t.Errorf("sleep %d = %v, want in [%v, %v]", i, d, w.lo, w.hi)
				}
			}
		})
	}
}

func TestSendContextAlreadyDone(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	p := &scripted{}
	attempts, err := chat.Send(ctx, p, chat.Message{}, chat.RetryPolicy{})
	if attempts != 0 || p.calls != 0 {
		t.Errorf("attempts = %d, poster called %d times; want 0", attempts, p.calls)
	}
	if temp, _ := chat.IsTemporary(err); !temp || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want a temporary error wrapping context.Canceled", err)
	}
}

// TestSendDeadline runs the real timer in a synctest bubble: time is fake, so
// the test does not sleep, but Send's arithmetic with the deadline is real.
func TestSendDeadline(t *testing.T) {
	tests := []struct {
		name     string
		deadline time.Duration
		err      error
	}{
		{"temporary failures", 5 * time.Second, errTemp},
		{"rate limited for 700ms each time", 5 * time.Second, errRetryAfter(700 * time.Millisecond)},
		{"short deadline", 150 * time.Millisecond, errTemp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), tt.deadline)
				defer cancel()
				start := time.Now()
				p := &scripted{forever: tt.err}

				attempts, err := chat.Send(ctx, p, chat.Message{}, chat.RetryPolicy{MaxAttempts: 1000})

				if elapsed := time.Since(start); elapsed >= tt.deadline {
					t.Errorf("Send returned after %v, past the %v deadline", elapsed, tt.deadline)
				}
				if attempts < 2 {
					t.Errorf("attempts = %d, want several within %v", attempts, tt.deadline)
				}
				if temp, _ := chat.IsTemporary(err); !temp {
					t.Errorf("err = %v, want the last temporary error", err)
				}
				if ctx.Err() != nil {
					t.Errorf("Send returned after the deadline: %v", ctx.Err())
				}
			})
		})
	}
}

// hanging blocks until its ctx ends and returns the ctx error unclassified,
// like a careless poster.
type hanging struct {
	calls int
	left  []time.Duration
}

func (h *hanging) Post(ctx context.Context, m chat.Message) error {
	h.calls++
	d, _ := ctx.Deadline()
	h.left = append(h.left, time.Until(d))
	<-ctx.Done()
	return fmt.Errorf("hanging: %w", ctx.Err())
}

func TestSendAttemptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		h := &hanging{}
		start := time.Now()

		attempts, err := chat.Send(ctx, h, chat.Message{}, chat.RetryPolicy{AttemptTimeout: 2 * time.Second})

		// Attempts at 0–2 s, ~2.1–4.1 s, then ~4.3–5 s: the third one starts
		// with more time left than its back-off and ends with the deadline.
		if attempts != 3 {
			t.Errorf("attempts = %d, want 3", attempts)
		}
		if len(h.left) == 0 || h.left[0] != 2*time.Second {
			t.Errorf("first attempt's time = %v, want 2s", h.left)
		}
		for i, l := range h.left {
			if l > 2*time.Second {
				t.Errorf("attempt %d had %v, more than AttemptTimeout", i+1, l)
			}
		}
		if temp, _ := chat.IsTemporary(err); !temp || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want temporary deadline exceeded", err)
		}
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("Send took %v, past the 5s deadline", elapsed)
		}
	})
}

func TestPosterFunc(t *testing.T) {
	var got chat.Message
	p := chat.PosterFunc(func(ctx context.Context, m chat.Message) error { got = m; return nil })
	if _, err := chat.Send(t.Context(), p, chat.Message{Text: "x", ThreadTS: "1.2"}, chat.RetryPolicy{}); err != nil {
		t.Fatal(err)
	}
	if got.Text != "x" || got.ThreadTS != "1.2" {
		t.Errorf("got %+v", got)
	}
}
