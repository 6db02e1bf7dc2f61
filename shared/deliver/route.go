package deliver

import (
	"context"
	"maps"
	"slices"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/routing"
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
		if stored.Route != "" && len(stored.Threads) > 0 {
			// The rules changed under an open incident: it stays where it
			// is (its threads), with the options of the rule it matches now.
			rt.Destinations = slices.Sorted(maps.Keys(stored.Threads))
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
