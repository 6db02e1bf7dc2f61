package fanout

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/state/memory"
)

// recorder is a poster that records texts, after failing as told.
type recorder struct {
	mu    sync.Mutex
	texts []string
	fail  func(n int) error // n: attempt number from 1; nil → success
	n     int
	block chan struct{} // when set, Post waits for it (or ctx)
}

func (r *recorder) Post(ctx context.Context, m chat.Message) error {
	if r.block != nil {
		select {
		case <-r.block:
		case <-ctx.Done():
			return chat.Temporary(context.Cause(ctx), 0)
		}
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.n++
	if r.fail != nil {
		if err := r.fail(r.n); err != nil {
			return err
		}
	}
	r.texts = append(r.texts, m.Text)
	return nil
}

func TestPost(t *testing.T) {
	fast := chat.RetryPolicy{BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, MaxAttempts: 3}
	ok := &recorder{}
	flaky := &recorder{fail: func(n int) error {
		if n == 1 {
			return chat.Temporary(errors.New("503"), 0)
		}
		return nil
	}}
	gone := &recorder{fail: func(int) error { return errors.New("channel_not_found") }}
	down := &recorder{fail: func(int) error { return chat.Temporary(errors.New("500"), 0) }}
	dests := []Destination{
		{Name: "ok", Dialect: message.Slack, Poster: ok},
		{Name: "flaky", Dialect: message.Typetalk, Poster: flaky},
		{Name: "gone", Dialect: message.Console, Poster: gone},
		{Name: "down", Dialect: message.Console, Poster: down},
	}
	two := []chat.Message{{Text: "one"}, {Text: "two"}}
	res := Post(context.Background(), dests, [][]chat.Message{two, two, two, two}, fast)
	if res.Posted != 4 || res.Failed != 2 || res.Temporary != 2 || len(res.Errors) != 4 {
		t.Errorf("result %+v", res)
	}
	if len(ok.texts) != 2 || ok.texts[0] != "one" || ok.texts[1] != "two" {
		t.Errorf("ok got %q, want in order", ok.texts)
	}
	if len(flaky.texts) != 2 {
		t.Errorf("flaky got %q after its retry", flaky.texts)
	}
}

func TestPostNeverWaitsForASlowDestinationPastTheDeadline(t *testing.T) {
	slow := &recorder{block: make(chan struct{})}
	fine := &recorder{}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	res := Post(ctx, []Destination{{Name: "slow", Poster: slow}, {Name: "fine", Poster: fine}},
		[][]chat.Message{{{Text: "a"}}, {{Text: "a"}}}, chat.RetryPolicy{})
	if res.Posted != 1 || res.Temporary != 1 || len(fine.texts) != 1 {
		t.Errorf("result %+v, fine got %q", res, fine.texts)
	}
}

// threader is a recorder whose messages get references.
type threader struct{ recorder }

func (t *threader) PostRef(ctx context.Context, m chat.Message) (string, error) {
	if err := t.Post(ctx, m); err != nil {
		return "", err
	}
	return "ts-" + m.Text, nil
}

func (t *threader) Update(context.Context, string, chat.Message) error { return nil }

// With a ledger, a keyed job is claimed, posted and recorded in that
// order: run again it is counted as already posted; a failed post gives its
// claim back, so the next run posts it; an unkeyed job always posts.
func TestRunClaims(t *testing.T) {
	th := &threader{}
	store := memory.New()
	dests := []Destination{{Name: "slack:C1", Poster: th}}
	jobs := [][]Job{{{Message: chat.Message{Text: "once"}, Key: "k1"}, {Message: chat.Message{Text: "always"}}}}
	ledger := NewLedger(store, nil)
	if res := Run(t.Context(), ledger, dests, jobs, chat.RetryPolicy{}); res.Posted != 2 || res.AlreadyPosted != 0 {
		t.Errorf("first run: %+v", res)
	}
	if res := Run(t.Context(), ledger, dests, jobs, chat.RetryPolicy{}); res.Posted != 1 || res.AlreadyPosted != 1 {
		t.Errorf("second run: %+v, want the keyed job already posted", res)
	}
	if strings.Join(th.texts, ",") != "once,always,always" {
		t.Errorf("posted %q", th.texts)
	}

	failing := []Destination{{Name: "slack:C2", Poster: chat.PosterFunc(func(context.Context, chat.Message) error {
		return errors.New("channel_not_found")
	})}}
	keyed := [][]Job{{{Message: chat.Message{Text: "x"}, Key: "k2"}}}
	if res := Run(t.Context(), ledger, failing, keyed, chat.RetryPolicy{}); res.Failed != 1 {
		t.Errorf("failing run: %+v", res)
	}
	if res := Run(t.Context(), ledger, dests[:1], [][]Job{{{Message: chat.Message{Text: "x"}, Key: "k2"}}}, chat.RetryPolicy{}); res.Posted != 1 {
		t.Errorf("after the failure elsewhere: %+v, want k2 posted to C1", res)
	}
	if res := Run(t.Context(), ledger, []Destination{{Name: "slack:C2", Poster: th}}, keyed, chat.RetryPolicy{}); res.Posted != 1 {
		t.Errorf("rerun after the fix: %+v, want the released claim posted", res)
	}
	if res := Run(t.Context(), nil, dests, jobs, chat.RetryPolicy{}); res.Posted != 2 {
		t.Errorf("no ledger: %+v, want every job posted", res)
	}
}
