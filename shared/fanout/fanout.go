// Package fanout posts rendered messages to every destination at once, with
// the one retry policy of package chat, so that a failing destination never
// holds up another. The relay (alerts) and the reminders both post through
// it.
package fanout

import (
	"context"
	"sync"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/message"
)

// Destination is one chat that messages go to.
type Destination struct {
	Name    string // as in the settings: "slack:C0123", "typetalk:42", "console"
	Dialect message.Dialect
	Poster  chat.Poster
}

// Result counts what happened to the messages of one Post.
type Result struct {
	Posted    int      // messages delivered
	Failed    int      // messages that failed for good (a retry cannot help)
	Temporary int      // messages that failed but may succeed on a later try
	Errors    []string // "destination: error" for each failure; no secrets (posters redact them)
}

// Post sends msgs[i], in order, to dests[i], all destinations at once, and
// waits for all of them. ctx bounds every attempt and retry.
func Post(ctx context.Context, dests []Destination, msgs [][]chat.Message, retry chat.RetryPolicy) Result {
	var (
		mu  sync.Mutex
		wg  sync.WaitGroup
		res Result
	)
	for i, d := range dests {
		send := func() {
			for _, m := range msgs[i] {
				_, err := chat.Send(ctx, d.Poster, m, retry)
				temporary, _ := chat.IsTemporary(err)
				mu.Lock()
				switch {
				case err == nil:
					res.Posted++
				case temporary || ctx.Err() != nil:
					res.Temporary++
					res.Errors = append(res.Errors, d.Name+": "+err.Error())
				default:
					res.Failed++
					res.Errors = append(res.Errors, d.Name+": "+err.Error())
				}
				mu.Unlock()
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
