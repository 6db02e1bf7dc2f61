package deliver

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/state"
)

// WriteBackDestination is the queue destination of the responses made in
// chat that go back to PagerDuty (PAGERDUTY_API_TOKEN): the Slack app
// enqueues one such job beside the chat's, in the incident's own group.
const WriteBackDestination = "pagerduty"

// WriteBack writes a response made in chat to its PagerDuty incident
// (writeback.Writer is one). Errors are classified like a chat's.
type WriteBack interface {
	Write(ctx context.Context, ev incident.Event) error
}

// writeBack handles a job for WriteBackDestination as a post is handled:
// claimed once per key, written, recorded; a temporary failure (429, 5xx,
// no answer) comes back through the queue with the backoff and
// DELIVERY_RETRY_FOR of a failing chat, a final one is dead-lettered with
// its reason (and pages, through Fallback).
func (h *Handler) writeBack(ctx context.Context, r queue.Received, job Job) Outcome {
	dest := WriteBackDestination
	switch {
	case h.cfg.WriteBack == nil:
		return Outcome{Verdict: DeadLetter, Reason: "a PagerDuty write-back was queued but PAGERDUTY_API_TOKEN is not set here"}
	case job.Event == nil || !job.Event.Kind.FromChat():
		return Outcome{Verdict: DeadLetter, Reason: ErrMalformed.Error() + ": a PagerDuty write-back carries a response made in chat"}
	}
	// Only the incidents pd2chat posted: a response it could not record in
	// chat (an unknown incident) is not written either.
	inc, found, err := h.cfg.State.Incident(ctx, job.Event.Incident.ID)
	switch {
	case err != nil && storeDown(err):
		return h.retry(r, "state store: "+err.Error())
	case err != nil:
		return Outcome{Verdict: DeadLetter, Reason: "state store refused it: " + err.Error()}
	case !found || len(inc.Destinations()) == 0:
		return Outcome{Verdict: Done, Reason: "incident unknown to pd2chat: not written to PagerDuty"}
	}
	claim, err := h.cfg.State.Claim(ctx, job.Key, dest, h.cfg.Lease)
	switch {
	case err != nil && storeDown(err):
		return h.retry(r, "state store: "+err.Error())
	case err != nil:
		return Outcome{Verdict: DeadLetter, Reason: "state store refused it: " + err.Error()}
	case claim == state.InFlight:
		return Outcome{Verdict: Retry, Delay: h.cfg.Lease/2 + rand.N(h.cfg.Lease/2+1), Reason: errInFlight.Error()}
	case claim == state.AlreadyPosted || claim == state.AlreadyFailed:
		return Outcome{Verdict: Done, Reason: "posted before"}
	}
	actx, cancel := context.WithTimeout(ctx, h.cfg.AttemptTimeout)
	err = h.cfg.WriteBack.Write(actx, *job.Event)
	cancel()
	if err != nil {
		h.release(ctx, job.Key, dest) // the state change is idempotent; a retry writes again
		temporary, after := chat.IsTemporary(err)
		if !temporary || errors.Is(err, context.Canceled) && ctx.Err() != nil {
			return Outcome{Verdict: DeadLetter, Reason: err.Error()}
		}
		f := h.fail(dest, err)
		if f.lastAt.Sub(f.since) >= h.cfg.RetryFor {
			return Outcome{Verdict: DeadLetter, Reason: fmt.Sprintf("%s has failed since %s (DELIVERY_RETRY_FOR %s): %s",
				dest, f.since.UTC().Format(time.RFC3339), h.cfg.RetryFor, err)}
		}
		return h.retryChat(f, after, err.Error())
	}
	h.recover(dest)
	if err := h.cfg.State.Done(context.WithoutCancel(ctx), job.Key, dest, true, ""); err != nil {
		h.cfg.Log.Warn("written to PagerDuty, but the state store did not record it", "key", job.Key, "error", err.Error())
	}
	h.cfg.Log.Info("written to PagerDuty", "incident_id", job.Event.Incident.ID, "kind", string(job.Event.Kind))
	return Outcome{Verdict: Done}
}
