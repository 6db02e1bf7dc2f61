package deliver

import (
	"context"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/routing"
	"github.com/pd2chat/pd2chat/shared/state"
)

// RouteDestination is the queue destination of the events to route
// (ROUTES): the webhook sends each event there once, in its incident's
// group, and the routing step sends it on to its route's destinations.
const RouteDestination = "route"

// route sends an event on to the destinations of its incident's route:
// the rule the incident already follows (Incident.Route, while ROUTES
// still has it), else the first rule its event matches — for an event
// that carries only a reference (a note), with what the store knows of
// the incident. Every message of an incident follows the same route. The
// messages keep the event's key: sent twice, they are posted once.
func (h *Handler) route(ctx context.Context, r queue.Received, job Job) Outcome {
	switch {
	case len(h.cfg.Routes) == 0 || h.cfg.Requeue == nil:
		return Outcome{Verdict: DeadLetter, Reason: "an event to route was queued but ROUTES is not set here"}
	case job.Event == nil:
		return h.routeText(ctx, r, job)
	}
	ev := *job.Event
	stored, _, err := h.cfg.State.Incident(ctx, ev.Incident.ID)
	switch {
	case err != nil && storeDown(err):
		return h.retry(r, "state store: "+err.Error())
	case err != nil:
		return Outcome{Verdict: DeadLetter, Reason: "state store refused it: " + err.Error()}
	}
	rt, ok := routing.ByText(h.cfg.Routes, stored.Route)
	if !ok {
		inc := ev.Incident
		reference := inc.Service.Name == "" && inc.Service.ID == "" && inc.Urgency == "" && inc.Priority == ""
		if reference {
			inc.Service.Name, inc.Urgency, inc.Priority = stored.Service, stored.Urgency, stored.Priority
		}
		rt, _ = routing.Match(h.cfg.Routes, inc)
		if where := stored.Destinations(); stored.Route != "" && len(where) > 0 {
			// The rules changed under an open incident: it stays where it
			// is (its threads), with the options of the rule it matches now.
			rt.Destinations = where
		}
		if !reference || stored.Route != "" {
			// The incident's route is decided now, before its messages are
			// posted: its next event (a note, in the same group) follows it.
			mark := incident.Event{Incident: incident.Incident{ID: ev.Incident.ID}, Route: rt.Text}
			if _, err := h.cfg.State.RecordOver(ctx, stored, mark); err != nil {
				if storeDown(err) {
					return h.retry(r, "state store: "+err.Error())
				}
				return Outcome{Verdict: DeadLetter, Reason: "state store refused it: " + err.Error()}
			}
		}
	}
	ev.Route = rt.Text
	var msgs []queue.Message
	for _, dest := range rt.Destinations {
		m, err := Job{Destination: dest, Key: job.Key, ReceivedAt: job.ReceivedAt, Event: &ev,
			NoMention: rt.NoMention, RotationTab: rt.RotationTab}.Message()
		if err != nil {
			return Outcome{Verdict: DeadLetter, Reason: err.Error()}
		}
		msgs = append(msgs, m)
	}
	if err := h.cfg.Requeue.Send(ctx, msgs...); err != nil {
		return h.retry(r, "delivery queue: "+err.Error())
	}
	h.cfg.Log.Info("routed", "incident_id", ev.Incident.ID, "key", job.Key, "route", rt.Text, "destinations", rt.Destinations)
	return Outcome{Verdict: Done}
}

// routeText sends a text that belongs to no incident (PagerDuty's test
// event) to every rule's destinations, once each.
func (h *Handler) routeText(ctx context.Context, r queue.Received, job Job) Outcome {
	var msgs []queue.Message
	seen := map[string]bool{}
	for _, rt := range h.cfg.Routes {
		for _, dest := range rt.Destinations {
			if seen[dest] {
				continue
			}
			seen[dest] = true
			m, err := Job{Destination: dest, Key: job.Key, ReceivedAt: job.ReceivedAt, Text: job.Text}.Message()
			if err != nil {
				return Outcome{Verdict: DeadLetter, Reason: err.Error()}
			}
			msgs = append(msgs, m)
		}
	}
	if err := h.cfg.Requeue.Send(ctx, msgs...); err != nil {
		return h.retry(r, "delivery queue: "+err.Error())
	}
	return Outcome{Verdict: Done}
}

// NotifyDestination is the queue destination of the operations job
// reports (/notify, package notify): the deliver step finds the incident
// the report names and sends it on to that incident's destinations, or to
// the on-call channel when it names none or one pd2chat does not know.
const NotifyDestination = "notify"

// notify sends a job report on: to its incident's destinations (its
// route's, else the alert destinations), where it is posted in the
// incident's thread; or, without an incident pd2chat knows, to the
// on-call destinations, saying so. The messages keep the report's key.
func (h *Handler) notify(ctx context.Context, r queue.Received, job Job) Outcome {
	if job.Event == nil || job.Event.Job == nil || h.cfg.Requeue == nil {
		return Outcome{Verdict: DeadLetter, Reason: "a job report without its job, or no queue to send it on"}
	}
	ev := *job.Event
	dests := h.cfg.OnCallDestinations
	if n := ev.Incident.Number; n > 0 {
		id, found, err := h.cfg.State.IncidentID(ctx, n)
		var inc state.Incident
		if err == nil && found {
			inc, found, err = h.cfg.State.Incident(ctx, id)
		}
		switch {
		case err != nil && storeDown(err):
			return h.retry(r, "state store: "+err.Error())
		case err != nil:
			return Outcome{Verdict: DeadLetter, Reason: "state store refused it: " + err.Error()}
		case found:
			ev.Incident = incident.Incident{ID: inc.ID, Number: inc.Number, Title: inc.Title, URL: inc.URL,
				Service: incident.Service{Name: inc.Service}, Urgency: inc.Urgency, Priority: inc.Priority}
			dests = h.cfg.AlertDestinations
			if rt, ok := routing.ByText(h.cfg.Routes, inc.Route); ok {
				dests = rt.Destinations
			}
		default:
			j := *ev.Job
			j.Unknown = n
			ev.Job, ev.Incident = &j, incident.Incident{}
		}
	}
	var msgs []queue.Message
	for _, dest := range dests {
		m, err := Job{Destination: dest, Key: job.Key, ReceivedAt: job.ReceivedAt, Event: &ev}.Message()
		if err != nil {
			return Outcome{Verdict: DeadLetter, Reason: err.Error()}
		}
		msgs = append(msgs, m)
	}
	if h.cfg.Major != nil && ev.Incident.ID != "" {
		// A major incident's channel shows the jobs run for it too.
		m, err := Job{Destination: MajorDestination, Key: job.Key, ReceivedAt: job.ReceivedAt, Event: &ev}.Message()
		if err != nil {
			return Outcome{Verdict: DeadLetter, Reason: err.Error()}
		}
		msgs = append(msgs, m)
	}
	if len(msgs) == 0 {
		return Outcome{Verdict: DeadLetter, Reason: "no destination for the job report (ALERT_DESTINATIONS, REMINDER_DESTINATIONS)"}
	}
	if err := h.cfg.Requeue.Send(ctx, msgs...); err != nil {
		return h.retry(r, "delivery queue: "+err.Error())
	}
	h.cfg.Log.Info("job report sent on", "key", job.Key, "incident_id", ev.Incident.ID, "destinations", dests)
	return Outcome{Verdict: Done}
}

// MajorDestination is the queue destination of the events a major
// incident's channel follows (MAJOR_CHANNELS, package major): the webhook
// sends every event there too, in its incident's group.
const MajorDestination = "major"

// major hands an event to the major incident channels: a failure the
// store or Slack may get over is retried; any other is dead-lettered, so
// that a person hears of it.
func (h *Handler) major(ctx context.Context, r queue.Received, job Job) Outcome {
	switch {
	case job.Event == nil:
		return Outcome{Verdict: Done, Reason: "not an incident's event (a test event): nothing for a major channel"}
	case h.cfg.Major == nil:
		return Outcome{Verdict: DeadLetter, Reason: "an event for the major incident channels was queued but MAJOR_CHANNELS is not set here"}
	}
	err := h.cfg.Major.Handle(ctx, *job.Event)
	if err == nil {
		return Outcome{Verdict: Done}
	}
	if temporary, after := chat.IsTemporary(err); temporary || storeDown(err) {
		out := h.retry(r, "major incident channel: "+err.Error())
		out.Delay = max(out.Delay, after) // Slack's Retry-After wins when longer
		return out
	}
	return Outcome{Verdict: DeadLetter, Reason: "major incident channel: " + err.Error()}
}
