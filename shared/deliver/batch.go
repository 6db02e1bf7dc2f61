package deliver

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/pd2chat/pd2chat/shared/fallback"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// Handle delivers a batch of messages and returns each one's outcome,
// outcomes[i] for batch[i]. Groups run concurrently; the messages of one
// group run in order, and after one that is not done (Retry, DeadLetter)
// the rest of its group is not tried: it follows the same way (FIFO: a
// later event must not overtake an earlier one).
func (h *Handler) Handle(ctx context.Context, batch []queue.Received) []Outcome {
	outcomes := make([]Outcome, len(batch))
	groups := map[string][]int{}
	var order []string
	for i, r := range batch {
		if _, ok := groups[r.Group]; !ok {
			order = append(order, r.Group)
		}
		groups[r.Group] = append(groups[r.Group], i)
	}
	var wg sync.WaitGroup
	for _, g := range order {
		wg.Go(func() {
			var stop *Outcome
			for _, i := range groups[g] {
				job, err := decode(batch[i].Body)
				switch {
				case stop != nil:
					outcomes[i] = Outcome{Verdict: stop.Verdict, Delay: stop.Delay, Reason: stop.Reason}
					if !strings.HasPrefix(stop.Reason, behind) {
						outcomes[i].Reason = behind + stop.Reason
					}
				case err != nil:
					outcomes[i] = Outcome{Verdict: DeadLetter, Reason: err.Error()}
				default:
					outcomes[i] = h.safely(ctx, batch[i], job)
				}
				h.log(batch[i], job, outcomes[i])
				if outcomes[i].Verdict == DeadLetter {
					h.page(ctx, batch[i], job, outcomes[i])
				}
				if outcomes[i].Verdict != Done {
					stop = &outcomes[i]
				}
			}
		})
	}
	wg.Wait()
	return outcomes
}

// behind starts the reason of a message that followed an earlier one of
// its group.
const behind = "behind an earlier message of its incident: "

// safely is deliver with a panic turned into a failure of that message only.
func (h *Handler) safely(ctx context.Context, r queue.Received, job Job) (out Outcome) {
	defer func() {
		if p := recover(); p != nil {
			h.cfg.Log.Error("panic while delivering a message", "message", r.ID, "group", r.Group,
				"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			out = h.retry(r, fmt.Sprintf("panic: %v", p))
		}
	}()
	return h.deliver(ctx, r, job)
}

// log writes one line per message: "delivered", "retry", or
// "undeliverable" (an error: it pages through the dead-letter alarm).
func (h *Handler) log(r queue.Received, job Job, o Outcome) {
	attrs := []any{"message", r.ID, "group", r.Group, "receive", r.ReceiveCount}
	if job.Destination != "" {
		attrs = append(attrs, "destination", job.Destination, "key", job.Key)
	}
	if job.Event != nil {
		attrs = append(attrs, "type", string(job.Event.Kind), "incident", job.Event.Incident.Number, "title", job.Event.Incident.Title)
	}
	switch o.Verdict {
	case Done:
		if o.Reason != "" {
			h.cfg.Log.Info("already posted", attrs...)
			return
		}
		if o.Unmentioned != "" {
			attrs = append(attrs, "unmentioned", o.Unmentioned)
		}
		h.cfg.Log.Info("delivered", attrs...)
	case Retry:
		h.cfg.Log.Warn("retry", append(attrs, "in", o.Delay.Round(time.Millisecond).String(), "reason", o.Reason)...)
	case DeadLetter:
		h.cfg.Log.Error("undeliverable", append(attrs, "reason", o.Reason)...)
	}
}

// page sends the fallback notification of a dead-lettered message. Its
// failure is logged: the dead-letter queue's alarm still fires.
func (h *Handler) page(ctx context.Context, r queue.Received, job Job, o Outcome) {
	if h.cfg.Fallback == nil {
		return
	}
	u := fallback.Undeliverable{Destination: job.Destination, Reason: o.Reason, Key: job.Key, Attempts: r.ReceiveCount, Event: job.Event, Text: job.Text}
	u.OnCall = h.onCall(ctx, job)
	if h.cfg.Calendar != nil {
		u.Location = h.cfg.Calendar.Location()
	}
	if u.Destination == "" {
		u.Destination = "(unreadable message " + r.ID + ")"
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := h.cfg.Fallback.Notify(ctx, u); err != nil {
		h.cfg.Log.Error("fallback notification failed (the dead-letter alarm still fires)", "message", r.ID, "error", err.Error())
	}
}

// onCall names who the sheet has on call at a job's event instant, for the
// page (nil when unknown: no event, the sheet unreadable).
func (h *Handler) onCall(ctx context.Context, job Job) []string {
	if job.Event == nil || h.cfg.Rotation == nil {
		return nil
	}
	at := job.Event.OccurredAt
	if at.IsZero() {
		at = job.ReceivedAt
	}
	roster, err := h.lookup(ctx, job.RotationTab)
	if err != nil {
		return nil
	}
	var names []string
	for _, m := range roster.OnCall(rotation.DateOf(at.In(h.cfg.Calendar.Location()))) {
		names = append(names, m.Name)
	}
	return names
}

// Apply carries out the outcomes on q: delete, retry after the delay, or
// move to the dead-letter queue. deleteDone false leaves done messages to
// the caller (Lambda's event source mapping deletes them). It returns the
// messages that are still on the queue for a later try: every Retry, and
// any whose operation failed.
func Apply(ctx context.Context, q queue.Queue, batch []queue.Received, outcomes []Outcome, deleteDone bool, log *slog.Logger) (failed []queue.Received) {
	ctx = context.WithoutCancel(ctx)
	for i, r := range batch {
		var err error
		switch o := outcomes[i]; o.Verdict {
		case Done:
			if deleteDone {
				err = q.Delete(ctx, r)
			}
		case Retry:
			failed = append(failed, r)
			err = q.Retry(ctx, r, o.Delay)
		case DeadLetter:
			if err = q.DeadLetter(ctx, r, o.Reason); err != nil {
				failed = append(failed, r)
			}
		}
		if err != nil && log != nil {
			log.Error("queue operation failed", "message", r.ID, "outcome", outcomes[i].Verdict.String(), "error", err.Error())
		}
	}
	return failed
}

// Poll receives from q and delivers until ctx ends: the deliver function
// outside Lambda (and `make run`'s in-process worker).
func Poll(ctx context.Context, q queue.Queue, h *Handler, wait time.Duration) error {
	for ctx.Err() == nil {
		batch, err := q.Receive(ctx, queue.MaxBatch, wait)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			h.cfg.Log.Error("receive failed", "error", err.Error())
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		if len(batch) == 0 {
			continue
		}
		Apply(ctx, q, batch, h.Handle(context.WithoutCancel(ctx), batch), true, h.cfg.Log)
	}
	return nil
}

// HandleSQSEvent is the deliver function in Lambda: an SQS event source
// mapping with ReportBatchItemFailures. Messages that are not done are
// reported as failures (with their visibility set to the backoff first);
// dead-lettered ones are moved by us and reported done.
func HandleSQSEvent(ctx context.Context, q queue.Queue, h *Handler, ev events.SQSEvent) events.SQSEventResponse {
	batch := make([]queue.Received, len(ev.Records))
	for i, rec := range ev.Records {
		batch[i] = queue.FromSQS(rec.MessageId, rec.Body, rec.ReceiptHandle, rec.Attributes)
	}
	failed := Apply(ctx, q, batch, h.Handle(ctx, batch), false, h.cfg.Log)
	var resp events.SQSEventResponse
	for _, r := range failed {
		resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: r.ID})
	}
	return resp
}
