// Package followup re-mentions the on-call people when nobody has
// responded to an incident triggered inside business hours after a while
// (no acknowledgement in PagerDuty, no "I'm on it" in chat):
// on Slack as a reply in the incident's thread, on Typetalk with its tag.
//
// The mechanism is a periodic sweep (the remind function, invoked every
// minute inside business hours by EventBridge Scheduler) over the incidents
// the relay marked as waiting in the state store. It is durable (all it
// knows is in the store: a restart loses nothing) and idempotent (each
// follow-up is claimed per destination before it is posted, and its number
// recorded with a conditional write, so two sweeps at once mention once).
package followup

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/escalation"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/routing"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// Defaults of ACK_REMINDER_AFTER and ACK_REMINDER_MAX.
const (
	DefaultAfter = 10 * time.Minute
	DefaultMax   = 2
)

// Store is what a sweep needs from the state store.
type Store interface {
	state.Followups
	state.Incidents
	state.Deliveries
}

// Config wires Sweep.
type Config struct {
	Calendar     *workday.Calendar
	Rotation     rotation.Source
	Destinations []fanout.Destination // ALERT_DESTINATIONS
	Store        Store
	After        time.Duration // ACK_REMINDER_AFTER; zero: DefaultAfter
	Max          int           // ACK_REMINDER_MAX; zero: DefaultMax
	Retry        chat.RetryPolicy
	Log          *slog.Logger
	// Outbox posts the follow-ups; nil: fanout.Direct with Store and Retry.
	Outbox fanout.Outbox
	// Routes are the ROUTES rules: a routed incident (state.Pending.Route)
	// is followed up in its rule's destinations, mentioning the people of
	// its rotation tab (Rotations[tab]).
	Routes    []routing.Route
	Rotations map[string]rotation.Source
	// AckReaction, when set, says the Slack app takes responses
	// (SLACK_SIGNING_SECRET) and names the reaction that counts as "I'm on
	// it": Slack follow-ups then ask for it or the button, not for
	// PagerDuty.
	AckReaction string
	// Ladder, when set (ESCALATION), replaces After and Max: follow-up n
	// is the ladder's n-th step after the alert (escalation.Ladder
	// FollowUps), due that long after the trigger, mentioning its level's
	// people: the day's pair, its backups (the rotation tab's backup
	// column), the leads (the members tab's role column) or everyone in
	// the channel. A level the sheet has nobody for asks the pair again
	// and says so.
	Ladder escalation.Ladder
	// History, when set, records each ladder step posted (an
	// incident.LadderStep event), for the weekly digest's escalations.
	History state.History
}

// Result counts what a sweep did.
type Result struct {
	Waiting   int // incidents waiting for a response
	Mentioned int // follow-ups posted (per incident, not per destination)
	Settled   int // incidents no longer followed (responded to meanwhile, or Max reached)
	fanout.Result
}

// Sweep posts the follow-ups due at now. Outside business hours it does
// nothing: SRE's escalation in PagerDuty covers those hours. The error is
// temporary when a later sweep may do what this one could not.
func Sweep(ctx context.Context, cfg Config, now time.Time) (Result, error) {
	var res Result
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	after, max := cfg.After, cfg.Max
	if after <= 0 {
		after = DefaultAfter
	}
	if max <= 0 {
		max = DefaultMax
	}
	steps := cfg.Ladder.FollowUps()
	if cfg.Ladder != nil {
		max = len(steps)
	}
	if !cfg.Calendar.With(nil).IsWorkingTime(now) {
		return res, nil // no business hours today by the public calendar: the sheet cannot add any
	}
	waiting, err := cfg.Store.Waiting(ctx)
	if err != nil {
		return res, chat.Temporary(fmt.Errorf("followup: list waiting incidents: %w", err), 0)
	}
	res.Waiting = len(waiting)
	var roster *rotation.Roster
	rosters := map[string]*rotation.Roster{} // a route's rotation tab → its roster, read once a sweep
	var errs []error
	for _, p := range waiting {
		n := p.Mentions + 1
		if n > max {
			res.Settled++
			errs = append(errs, settle(ctx, cfg.Store, p.IncidentID))
			continue
		}
		due := p.TriggeredAt.Add(time.Duration(n) * after)
		var step escalation.Step
		if cfg.Ladder != nil {
			step = steps[n-1]
			due = p.TriggeredAt.Add(step.After)
		}
		if loc := cfg.Calendar.Location(); rotation.DateOf(p.TriggeredAt.In(loc)) != rotation.DateOf(now.In(loc)) {
			// Triggered on an earlier day and never answered: its day's
			// follow-ups are over (the morning reminder lists it as still
			// open); a ladder must not run its every step the next morning.
			res.Settled++
			errs = append(errs, settle(ctx, cfg.Store, p.IncidentID))
			continue
		}
		if now.Before(due) {
			continue
		}
		inc, found, err := cfg.Store.Incident(ctx, p.IncidentID)
		if err != nil {
			errs = append(errs, fmt.Errorf("followup: read incident %s: %w", p.IncidentID, err))
			continue
		}
		if found && inc.Responded() {
			res.Settled++
			errs = append(errs, settle(ctx, cfg.Store, p.IncidentID))
			continue
		}
		if roster == nil {
			if roster, err = cfg.Rotation.Roster(ctx); err != nil {
				log.Warn("followup: on-call lookup failed; mentioning nobody", "error", err.Error())
			}
		}
		day := rotation.DateOf(now.In(cfg.Calendar.Location()))
		if !cfg.Calendar.With(roster).IsWorkingTime(now) {
			return res, nil // a company day off: no business hours today
		}
		// A routed incident is followed up where it was posted, mentioning
		// its route's people (ROUTES rotation=TAB).
		route, routed := routing.ByText(cfg.Routes, p.Route)
		people := roster
		if routed && route.RotationTab != "" {
			var ok bool
			if people, ok = rosters[route.RotationTab]; !ok {
				if src := cfg.Rotations[route.RotationTab]; src != nil {
					if people, err = src.Roster(ctx); err != nil {
						log.Warn("followup: on-call lookup failed; mentioning nobody", "tab", route.RotationTab, "error", err.Error())
					}
				}
				rosters[route.RotationTab] = people
			}
		}
		f := message.Followup{
			Incident: incident.Incident{ID: p.IncidentID, Number: p.Number, Title: p.Title},
			Tag:      message.Tag(p.Number), OnCall: people.OnCall(day), N: n, Max: max,
			Waiting: now.Sub(p.TriggeredAt),
		}
		if cfg.Ladder != nil {
			f.Level = string(step.Level)
			var level []rotation.Member
			switch step.Level {
			case escalation.Backup:
				level, f.Missing = people.Backups(day), true
			case escalation.Lead:
				level, f.Missing = people.Leads(), true
			}
			if len(level) > 0 {
				f.OnCall, f.Missing = level, false
			}
		}
		if found {
			f.Incident.Number, f.Incident.Title, f.Incident.URL = inc.Number, inc.Title, inc.URL
			f.Tag = message.Tag(inc.Number)
		}
		dests := cfg.Destinations
		switch {
		case routed:
			dests = slices.DeleteFunc(slices.Clone(dests), func(d fanout.Destination) bool { return !slices.Contains(route.Destinations, d.Name) })
		case p.Route != "" && len(inc.Destinations()) > 0:
			// Its rule is gone (ROUTES changed): where the incident is.
			dests = slices.DeleteFunc(slices.Clone(dests), func(d fanout.Destination) bool { _, ok := inc.Threads[d.Name]; return !ok })
		}
		r := post(ctx, cfg, dests, f, p.IncidentID, inc, p.IncidentID+"#"+strconv.Itoa(n))
		res.Result.Posted += r.Posted
		res.Result.AlreadyPosted += r.AlreadyPosted
		res.Result.Failed += r.Failed
		res.Result.Temporary += r.Temporary
		res.Result.Queued += r.Queued
		res.Result.Errors = append(res.Result.Errors, r.Errors...)
		if r.Temporary > 0 || r.Failed > 0 {
			// Not recorded as sent: the next sweep posts where it is
			// missing (after the fix, for a refusal).
			continue
		}
		ok, err := cfg.Store.Mentioned(ctx, p.IncidentID, n)
		if err != nil {
			errs = append(errs, fmt.Errorf("followup: record follow-up %d of %s: %w", n, p.IncidentID, err))
		} else if ok && r.Posted+r.Queued > 0 {
			res.Mentioned++
		}
		if ok && err == nil && cfg.Ladder != nil && cfg.History != nil {
			reached := string(step.Level)
			if f.Missing {
				reached = string(escalation.Pair) // nobody at that level: the pair was asked again
			}
			// The digest counts the incidents that reached each level.
			errs = append(errs, cfg.History.Append(ctx, state.HistoryEvent{
				EventID: "escalation/" + p.IncidentID + "/" + strconv.Itoa(n), IncidentID: p.IncidentID,
				Number: f.Incident.Number, Kind: incident.LadderStep, At: now, Agent: reached, Title: f.Incident.Title,
				WorkingTime: true,
			}))
		}
	}
	log.Info("followup sweep", "waiting", res.Waiting, "mentioned", res.Mentioned, "settled", res.Settled,
		"posted", res.Posted, "queued", res.Queued, "failed", res.Failed, "temporary", res.Temporary)
	if err := errors.Join(errs...); err != nil || res.Temporary > 0 {
		return res, chat.Temporary(fmt.Errorf("followup: sweep incomplete (%d destination(s) to retry): %w", res.Temporary, err), 0)
	}
	if res.Failed > 0 {
		return res, fmt.Errorf("followup: %d follow-up post(s) refused for good: %s", res.Failed, strings.Join(res.Errors, "; "))
	}
	return res, nil
}

func settle(ctx context.Context, s Store, id string) error {
	if err := s.Settle(ctx, id); err != nil {
		return fmt.Errorf("followup: settle %s: %w", id, err)
	}
	return nil
}

// post sends follow-up f to every destination once (key), in the
// incident's Slack thread where it has one.
func post(ctx context.Context, cfg Config, dests []fanout.Destination, f message.Followup, incidentID string, inc state.Incident, key string) fanout.Result {
	items := make([]fanout.Item, len(dests))
	for i, d := range dests {
		f := f
		if d.Dialect.Chat() == message.Slack {
			f.AckReaction = cfg.AckReaction
		}
		m := chat.Message{Text: message.RenderFollowup(d.Dialect, f), Incident: incidentID, Broadcast: f.Level == string(escalation.Here)}
		if _, threaded := d.Poster.(chat.Threader); threaded {
			m.ThreadTS = inc.Threads[d.Name]
		}
		items[i] = fanout.Item{Destination: d, Message: m, IncidentID: incidentID, UnlessResponded: true}
	}
	outbox := cfg.Outbox
	if outbox == nil {
		outbox = fanout.Direct{Store: cfg.Store, Retry: cfg.Retry, Log: cfg.Log}
	}
	return outbox.Post(ctx, "followup/"+key, items)
}
