// Package fanout posts rendered messages to every destination at once, with
// the one retry policy of package chat, so that a failing destination never
// holds up another. The relay (alerts) and the reminders both post through
// it.
package fanout

import (
	"context"
	"sync"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/message"
)

// Destination is one chat that messages go to.
type Destination struct {
	Name    string // as in the settings: "slack:C0123", "typetalk:42", "console"
	Dialect message.Dialect
	Poster  chat.Poster
}

// Result counts what happened to the messages of one Post or Run.
type Result struct {
	Posted        int      // messages delivered
	AlreadyPosted int      // messages not posted because they were posted before (the ledger said so)
	Failed        int      // messages that failed for good (a retry cannot help)
	Temporary     int      // messages that failed but may succeed on a later try
	Queued        int      // messages handed to the delivery queue (posted by the deliver function)
	Errors        []string // "destination: error" for each failure; no secrets (posters redact them)
}

// Job is one message for one destination. With a Key (and a Ledger given
// to Run) it is posted at most once: claimed before, recorded after.
type Job struct {
	Message chat.Message
	Key     string
}

// Post sends msgs[i], in order, to dests[i], all destinations at once, and
// waits for all of them. ctx bounds every attempt and retry.
func Post(ctx context.Context, dests []Destination, msgs [][]chat.Message, retry chat.RetryPolicy) Result {
	jobs := make([][]Job, len(msgs))
	for i, ms := range msgs {
		jobs[i] = make([]Job, len(ms))
		for k, m := range ms {
			jobs[i][k] = Job{Message: m}
		}
	}
	return Run(ctx, nil, dests, jobs, retry)
}

// Run sends jobs[i], in order, to dests[i], all destinations at once, and
// waits for all of them. Each job with a Key is, in this order: claimed in
// ledger (posted before: counted, not posted), posted, and its outcome
// recorded. A nil ledger posts every job.
func Run(ctx context.Context, ledger *Ledger, dests []Destination, jobs [][]Job, retry chat.RetryPolicy) Result {
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		res Result
	)
	count := func(d Destination, err error, skipped bool) {
		temporary, _ := chat.IsTemporary(err)
		mu.Lock()
		defer mu.Unlock()
		switch {
		case skipped:
			res.AlreadyPosted++
		case err == nil:
			res.Posted++
		case temporary || ctx.Err() != nil:
			res.Temporary++
			res.Errors = append(res.Errors, d.Name+": "+err.Error())
		default:
			res.Failed++
			res.Errors = append(res.Errors, d.Name+": "+err.Error())
		}
	}
	for i, d := range dests {
		send := func() {
			for _, job := range jobs[i] {
				send, claimed := ledger.Claim(ctx, job.Key, d.Name)
				if !send {
					count(d, nil, true)
					continue
				}
				ref, err := post(ctx, d.Poster, job.Message, retry)
				if claimed {
					ledger.Outcome(ctx, job.Key, d.Name, err, ref)
				}
				count(d, err, false)
			}
		}
		if i == len(dests)-1 {
			send() // the last one on this goroutine: one goroutine fewer per call
		} else {
			wg.Go(send)
		}
	}
	wg.Wait()
	return res
}

// post sends m with retries, keeping the message's reference when the
// poster gives one.
func post(ctx context.Context, p chat.Poster, m chat.Message, retry chat.RetryPolicy) (string, error) {
	t, ok := p.(chat.Threader)
	if !ok {
		_, err := chat.Send(ctx, p, m, retry)
		return "", err
	}
	var ref string
	_, err := chat.Send(ctx, chat.PosterFunc(func(ctx context.Context, m chat.Message) (err error) {
		ref, err = t.PostRef(ctx, m)
		return err
	}), m, retry)
	return ref, err
}

// DeadlineMargin is kept back from the caller's deadline (the Lambda
// invocation's) so that the answer still goes out after the posts stop.
const DeadlineMargin = 250 * time.Millisecond

// Budget is the context a delivery or a run posts under: limit, or less when
// parent ends sooner (less DeadlineMargin). cause says what ran out.
func Budget(parent context.Context, limit time.Duration, cause error) (context.Context, context.CancelFunc) {
	if dl, ok := parent.Deadline(); ok {
		if left := time.Until(dl) - DeadlineMargin; left < limit {
			limit = left
		}
	}
	return context.WithTimeoutCause(parent, limit, cause)
}
