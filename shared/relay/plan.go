package relay

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/fingerprint"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/state"
)

// delivery is the state of one delivery's posting, shared by its jobs.
type delivery struct {
	h      *Handler
	out    *outcome
	ledger *fanout.Ledger // posts once per (event, destination); knows when the store is down
	// threads[i] is destination i's incident id → thread parent, seeded
	// from the store and updated as this delivery posts parents. Each is
	// used by its destination's goroutine only.
	threads []map[string]string
}

// plan records each event in the store, renders it for every destination
// and gives, per destination, the jobs that post it once.
func (h *Handler) plan(ctx context.Context, events []incident.Event, webhookID string, out *outcome) [][]fanout.Job {
	dl := &delivery{h: h, out: out, threads: make([]map[string]string, len(h.cfg.Destinations))}
	dl.ledger = fanout.NewLedger(h.cfg.State, h.cfg.Log)
	jobs := make([][]fanout.Job, len(h.cfg.Destinations))
	var (
		roster    *rotation.Roster
		lookupErr error
		looked    bool
	)
	for n, ev := range events {
		inc := dl.record(ctx, ev)
		if ev.Incident.Number == 0 {
			ev.Incident.Number = inc.Number
		}
		out.numbers = append(out.numbers, ev.Incident.Number)
		at := ev.OccurredAt
		if at.IsZero() {
			at = h.cfg.Now()
		}
		in := message.Input{Event: ev, Tag: message.Tag(ev.Incident.Number), Elapsed: sinceTrigger(inc, ev)}
		trigger := ev.Kind == incident.Triggered
		working := h.cfg.Calendar.IsWorkingTime(at)
		if (working || trigger) && !looked { // a trigger wants its runbooks at any hour
			roster, lookupErr = h.lookup(ctx)
			looked = true
		}
		day := rotation.DateOf(at.In(h.cfg.Calendar.Location()))
		if _, dayOff := roster.IsHoliday(day); dayOff {
			working = false // a company day off
		}
		switch {
		case working && lookupErr != nil:
			in.Notice = "On-call lookup failed: posted without mentions."
		case working:
			in.Mention = true
			in.OnCall = roster.OnCall(day)
		}
		key := ev.ID
		if key == "" && webhookID != "" {
			key = webhookID + "#" + strconv.Itoa(n)
		}
		fp := ""
		if trigger {
			fp = fingerprint.Of(ev.Incident.Service.ID, ev.Incident.Title)
			in.Runbooks = roster.Runbooks(ev.Incident.Title, ev.Incident.Service.Name)
			in.Seen = dl.seen(ctx, fp, key, at)
		}
		dl.remember(ctx, ev, key, at, fp, working, in)
		var byDialect [3]string
		for i, d := range h.cfg.Destinations {
			text := ""
			if k := int(d.Dialect); k < len(byDialect) {
				if byDialect[k] == "" {
					byDialect[k] = message.Render(d.Dialect, in)
				}
				text = byDialect[k]
			} else {
				text = message.Render(d.Dialect, in)
			}
			jobs[i] = append(jobs[i], dl.job(i, d, key, inc, text))
		}
	}
	if lookupErr != nil {
		h.cfg.Log.Warn("on-call lookup failed; posting without mentions", "error", lookupErr.Error())
	}
	out.stateDown = dl.ledger.Down()
	return jobs
}

// seen records this firing of the alert and tells what was known before
// it; nil (nothing shown) when the store fails.
func (dl *delivery) seen(ctx context.Context, fp, key string, at time.Time) *message.Sighting {
	if dl.ledger.Down() || key == "" {
		return nil
	}
	s, err := dl.h.cfg.State.Seen(ctx, fp, key, at)
	if err != nil {
		dl.ledger.Fail("record the alert's fingerprint", err)
		return nil
	}
	return &message.Sighting{Count: s.Count, Last: s.Last, Now: at}
}

// remember appends the event to the incident history (for the weekly
// digest) and keeps the follow-up list: a trigger inside business hours
// waits for an acknowledgement, which (or a resolution) ends the wait.
func (dl *delivery) remember(ctx context.Context, ev incident.Event, key string, at time.Time, fp string, working bool, in message.Input) {
	if dl.ledger.Down() || ev.Incident.ID == "" {
		return
	}
	st := dl.h.cfg.State
	he := state.HistoryEvent{
		EventID: key, IncidentID: ev.Incident.ID, Number: ev.Incident.Number, Kind: ev.Kind, At: at,
		Agent: ev.Agent, ServiceID: ev.Incident.Service.ID, Service: ev.Incident.Service.Name,
		Urgency: ev.Incident.Urgency, Title: ev.Incident.Title, Fingerprint: fp, WorkingTime: working,
	}
	if in.Mention {
		for _, m := range in.OnCall {
			he.OnCall = append(he.OnCall, m.Name)
		}
	}
	if key != "" {
		if err := st.Append(ctx, he); err != nil {
			dl.ledger.Fail("append to the incident history", err)
			return
		}
	}
	var err error
	switch ev.Kind {
	case incident.Triggered:
		if in.Mention {
			err = st.Await(ctx, state.Pending{IncidentID: ev.Incident.ID, Number: ev.Incident.Number, Title: ev.Incident.Title, TriggeredAt: at})
		}
	case incident.Acknowledged, incident.Resolved:
		err = st.Settle(ctx, ev.Incident.ID)
	}
	if err != nil {
		dl.ledger.Fail("track the acknowledgement", err)
	}
}

// sinceTrigger is the time from the incident's trigger to ev, for an
// acknowledgement or resolution; 0 otherwise or when unknown.
func sinceTrigger(inc state.Incident, ev incident.Event) time.Duration {
	if ev.Kind != incident.Acknowledged && ev.Kind != incident.Resolved || ev.OccurredAt.IsZero() {
		return 0
	}
	for _, st := range inc.Steps {
		if st.Kind == incident.Triggered && st.At.Before(ev.OccurredAt) {
			return ev.OccurredAt.Sub(st.At)
		}
	}
	return 0
}

// record merges ev into the store and returns the incident; when the store
// fails, what ev itself says.
func (dl *delivery) record(ctx context.Context, ev incident.Event) state.Incident {
	fallback := state.Incident{ID: ev.Incident.ID, Number: ev.Incident.Number}
	if dl.ledger.Down() {
		return fallback
	}
	inc, err := dl.h.cfg.State.Record(ctx, ev)
	if err != nil {
		dl.ledger.Fail("record incident", err)
		return fallback
	}
	return inc
}

// job is the post of one event's text to destination i, once: claimed in
// the store before, recorded after; on Slack in the incident's thread, whose
// parent is then edited to show the incident's state.
func (dl *delivery) job(i int, d fanout.Destination, key string, inc state.Incident, text string) fanout.Job {
	h := dl.h
	threader, threaded := d.Poster.(chat.Threader)
	threaded = threaded && inc.ID != ""
	claimed := false
	parent := ""
	return fanout.Job{
		Message: chat.Message{Text: text},
		Before: func(ctx context.Context, m *chat.Message) bool {
			var post bool
			if post, claimed = dl.ledger.Claim(ctx, key, d.Name); !post {
				return false
			}
			if threaded {
				parent = dl.threads[i][inc.ID] // reading a nil map is fine
				if parent == "" {
					parent = inc.Threads[d.Name]
				}
				m.ThreadTS = parent
			}
			return true
		},
		After: func(ctx context.Context, m chat.Message, ref string, err error) {
			if claimed {
				dl.ledger.Settle(ctx, key, d.Name, err, ref)
			}
			if err != nil || !threaded {
				return
			}
			if parent == "" {
				if ref == "" {
					return
				}
				if dl.threads[i] == nil {
					dl.threads[i] = map[string]string{}
				}
				dl.threads[i][inc.ID] = ref
				if !dl.ledger.Down() {
					stored, serr := h.cfg.State.SetThread(ctx, inc.ID, d.Name, ref)
					if serr != nil {
						dl.ledger.Fail("remember the thread in "+d.Name, serr)
					} else {
						dl.threads[i][inc.ID] = stored
					}
				}
				return
			}
			dl.updateParent(ctx, threader, d, parent, inc)
		},
	}
}

// updateParent edits the thread parent to show the incident's state. It is
// cosmetic: a failure is logged, never retried by PagerDuty.
func (dl *delivery) updateParent(ctx context.Context, t chat.Threader, d fanout.Destination, parent string, inc state.Incident) {
	if len(inc.Steps) == 0 {
		return
	}
	steps := make([]message.Step, len(inc.Steps))
	for k, st := range inc.Steps {
		steps[k] = message.Step{Kind: st.Kind, Agent: st.Agent, At: st.At}
	}
	text := message.RenderSummary(d.Dialect, message.Summary{
		Incident: incident.Incident{ID: inc.ID, Number: inc.Number, Title: inc.Title, Urgency: inc.Urgency,
			Priority: inc.Priority, Service: incident.Service{Name: inc.Service}, URL: inc.URL},
		Tag: message.Tag(inc.Number), Steps: steps, Location: dl.h.cfg.Calendar.Location(),
	})
	err := t.Update(ctx, parent, chat.Message{Text: text})
	if err != nil && !errors.Is(err, context.Canceled) {
		dl.h.cfg.Log.Warn("could not update the incident's thread parent", "destination", d.Name, "error", err.Error())
	}
}

func (h *Handler) lookup(ctx context.Context) (*rotation.Roster, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, h.cfg.LookupTimeout, errors.New("relay: on-call lookup took too long"))
	defer cancel()
	return h.cfg.Rotation.Roster(ctx)
}
