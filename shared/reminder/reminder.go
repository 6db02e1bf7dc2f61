// Package reminder is the rotation-reminder use case: at 10:00 on working
// days it mentions today's on-call people in the reminder channel(s), and at
// 17:00 the next working day's, with the on-call manual and a short
// checklist. When the sheet has nobody for that day it posts a warning
// instead, so someone fills it; on a day that is not a working day it posts
// nothing.
//
// Plan decides what to say, purely, from the scheduled instant; Run reads
// the rotation, plans, renders for each destination (package message) and
// posts through its fanout.Outbox: in AWS the delivery queue, the same
// path as the alerts. The package depends on interfaces only; the remind function wires
// it.
package reminder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// Defaults of Config's durations.
const (
	// DefaultBudget bounds a whole run: reading the sheet and posting
	// everywhere, retries included. The invocation's own deadline bounds it
	// further (give the Lambda function a timeout above it).
	DefaultBudget = 6 * time.Second
	// DefaultLookupTimeout bounds reading the rotation.
	DefaultLookupTimeout = 3 * time.Second
)

// DefaultChecklist is the evening reminder's pre-on-call checklist in
// English, for people on call without a PagerDuty seat: they answer alerts
// in chat (Checklist(locale.English, false)).
var DefaultChecklist = Checklist(locale.English, false)

// Checklist is the evening reminder's pre-on-call checklist in language l:
// contact settings, logins, availability. seats: the people on call have
// PagerDuty accounts (PAGERDUTY_SEATS=true), and are asked to sign in to
// PagerDuty too.
func Checklist(l locale.Language, seats bool) []string {
	logins := "checklist.logins"
	if seats {
		logins = "checklist.logins_seats"
	}
	return []string{l.T("checklist.contact"), l.T(logins), l.T("checklist.availability")}
}

// AnswerInChat is the checklist item, in language l, added where the chat
// takes responses (Slack with the app's signing secret), naming the
// reactions that count (emoji names, shown as Slack short codes).
func AnswerInChat(l locale.Language, ack, resolve string) string {
	return l.T("checklist.answer", "Ack", ":"+ack+":", "Resolve", ":"+resolve+":")
}

// Config wires Run.
type Config struct {
	// Calendar is the run's calendar (TIMEZONE, BUSINESS_HOURS, HOLIDAYS:
	// wiring.Calendar); the company days off of the sheet's holidays tab
	// are added on every run, from the roster read then (Calendar.With).
	Calendar *workday.Calendar

	Rotation     rotation.Source
	Destinations []fanout.Destination // REMINDER_DESTINATIONS

	// AlertChannels are ALERT_DESTINATIONS, named in the reminders.
	AlertChannels []message.Channel
	// ManualURL is ONCALL_MANUAL_URL; empty for none.
	ManualURL string
	// Checklist is the evening checklist; nil means DefaultChecklist.
	Checklist []string

	Retry chat.RetryPolicy
	// Budget bounds a run; zero means DefaultBudget.
	Budget time.Duration
	// LookupTimeout bounds reading the rotation; zero means DefaultLookupTimeout.
	LookupTimeout time.Duration
	// Log receives one line per run; nil discards.
	Log *slog.Logger
	// State makes a retried run post only where the reminder is missing;
	// nil posts every time.
	State state.Deliveries
	// Outbox posts the reminder; nil: fanout.Direct with State and Retry.
	Outbox fanout.Outbox
	// History, when set, lists the incidents still open in the reminders
	// (carry-over: the night's in the morning, all in the evening).
	History state.History
}

// outbox is cfg.Outbox, or the in-process one.
func (cfg Config) outbox(log *slog.Logger) fanout.Outbox {
	if cfg.Outbox != nil {
		return cfg.Outbox
	}
	return fanout.Direct{Store: cfg.State, Retry: cfg.Retry, Log: log}
}

// Result is what a run decided and what happened to its posts.
type Result struct {
	Decision
	fanout.Result
}

// Run posts the reminder of kind k for the scheduled instant at to every
// destination, as Plan decides.
//
// The error is nil when the reminder was posted everywhere, or when there
// was nothing to post (a day off: logged, with the reason in Result.Skip).
// Otherwise it names what failed, and chat.IsTemporary tells whether a
// later try may succeed:
//   - temporary: the rotation could not be read, or a destination answered
//     429/5xx or timed out until the budget ran out. Return it from the
//     Lambda handler so the invocation is retried.
//   - final: a destination refused the post for good (bad token, unknown
//     channel). Log it; retrying would post the same refusal again.
//
// With cfg.State, a retried run posts only to the destinations that do not
// have the reminder yet.
func Run(ctx context.Context, cfg Config, k Kind, at time.Time) (Result, error) {
	start := time.Now()
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if !k.IsReminder() {
		return Result{}, fmt.Errorf("reminder: kind %q is not %q or %q", k, Morning, Evening)
	}
	ctx, cancel := budget(ctx, cfg.Budget)
	defer cancel()

	roster, err := lookup(ctx, cfg)
	if err != nil {
		// Without the sheet the company days are unknown, but a weekend or
		// public holiday is still a day off: nothing to retry then.
		d := Plan(cfg.Calendar.With(nil), nil, k, at)
		if d.Skip != "" {
			log.Warn("reminder skipped; the rotation could not be read", "kind", string(k),
				"at", d.At.Format(time.RFC3339), "reason", d.Skip, "error", err.Error())
			return Result{Decision: d}, nil
		}
		log.Error("reminder not posted: the rotation could not be read", "kind", string(k),
			"at", d.At.Format(time.RFC3339), "error", err.Error())
		return Result{Decision: d}, chat.Temporary(fmt.Errorf("reminder: %s reminder for %s: read the rotation: %w", k, d.Today, err), 0)
	}

	cal := cfg.Calendar.With(roster)
	d := Plan(cal, roster, k, at)
	res := Result{Decision: d}
	if d.Skip != "" {
		log.Info("reminder skipped", "kind", string(k), "at", d.At.Format(time.RFC3339), "reason", d.Skip)
		return res, nil
	}

	checklist := cfg.Checklist
	if checklist == nil {
		checklist = DefaultChecklist
	}
	r := d.Reminder(cfg.Calendar.Hours(), cfg.AlertChannels, cfg.ManualURL, checklist)
	r.Location = cfg.Calendar.Location()
	if cfg.History != nil { // an empty rotation's warning hands over the night's incidents too
		from, onlyOutside := d.At.Add(-openLookBack), false
		if k == Morning {
			from, onlyOutside = lastWorkingEnd(cal, d.Today), true
		}
		open, err := openIncidents(ctx, cfg.History, from, d.At, onlyOutside)
		if err != nil {
			log.Warn("reminder: the incidents still open could not be read; posted without them", "error", err.Error())
		}
		r.Open = open
	}
	// At most one post per (kind, scheduled date, destination): a retried
	// invocation posts only where the reminder is missing.
	key := "reminder/" + string(k) + "/" + d.Today.String()
	items := make([]fanout.Item, len(cfg.Destinations))
	names := make([]string, len(cfg.Destinations))
	for i, dest := range cfg.Destinations {
		items[i] = fanout.Item{Destination: dest, Message: chat.Message{Text: message.RenderReminder(dest.Dialect, r)}}
		names[i] = dest.Name
	}
	res.Result = cfg.outbox(log).Post(ctx, key, items)

	attrs := []any{
		"kind", string(k),
		"at", d.At.Format(time.RFC3339),
		"date", d.Date.String(),
		"on_call", onCallNames(d.OnCall),
		"empty", d.Empty(),
		"destinations", names,
		"posted", res.Posted,
		"queued", res.Queued,
		"already_posted", res.AlreadyPosted,
		"failed", res.Failed,
		"temporary", res.Temporary,
		"ms", time.Since(start).Milliseconds(),
	}
	if len(res.Errors) > 0 {
		attrs = append(attrs, "errors", res.Errors)
	}
	level := slog.LevelInfo
	if d.Empty() || res.Failed > 0 || res.Temporary > 0 {
		level = slog.LevelWarn
	}
	log.Log(ctx, level, "reminder", attrs...)

	if res.Failed == 0 && res.Temporary == 0 {
		return res, nil
	}
	err = fmt.Errorf("reminder: %s reminder for %s: %d of %d destination(s) failed: %s",
		k, d.Date, res.Failed+res.Temporary, len(cfg.Destinations), strings.Join(res.Errors, "; "))
	if res.Temporary > 0 {
		return res, chat.Temporary(err, 0)
	}
	return res, err
}

// lookup reads the rotation under cfg's lookup timeout.
func lookup(ctx context.Context, cfg Config) (*rotation.Roster, error) {
	if cfg.Rotation == nil {
		return nil, errors.New("reminder: no rotation source")
	}
	timeout := cfg.LookupTimeout
	if timeout <= 0 {
		timeout = DefaultLookupTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errors.New("reminder: reading the rotation took too long"))
	defer cancel()
	return cfg.Rotation.Roster(ctx)
}

// budget is the context a run works under: limit, or less when the parent
// (the Lambda invocation) ends sooner.
func budget(parent context.Context, limit time.Duration) (context.Context, context.CancelFunc) {
	if limit <= 0 {
		limit = DefaultBudget
	}
	return fanout.Budget(parent, limit, errors.New("reminder: run budget spent"))
}

func onCallNames(ms []rotation.Member) []string {
	out := make([]string, 0, len(ms))
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

// openLookBack is how far back the evening reminder looks for incidents
// still open.
const openLookBack = 7 * 24 * time.Hour

// lastWorkingEnd is the end of business hours on the last working day
// before today (within 31 days; else today's start): the start of the
// night the morning reminder hands over.
func lastWorkingEnd(cal *workday.Calendar, today rotation.Date) time.Time {
	loc, end := cal.Location(), cal.Hours().End()
	for i := 1; i <= 31; i++ {
		if d := today.AddDays(-i); cal.IsWorkingDate(d) {
			return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc).Add(end)
		}
	}
	return time.Date(today.Year, today.Month, today.Day, 0, 0, 0, 0, loc)
}

// openIncidents lists, oldest first, the incidents of the history
// triggered in [from, to) and neither resolved (in PagerDuty or in chat)
// nor merged by to; onlyOutside keeps those triggered outside business
// hours.
func openIncidents(ctx context.Context, h state.History, from, to time.Time, onlyOutside bool) ([]message.OpenIncident, error) {
	evs, err := h.Between(ctx, from, to)
	if err != nil {
		return nil, err
	}
	type story struct {
		open      message.OpenIncident
		triggered bool
		outside   bool
		closed    bool
	}
	byID := map[string]*story{}
	var order []string
	for _, e := range evs { // oldest first
		s := byID[e.IncidentID]
		if s == nil {
			s = &story{}
			byID[e.IncidentID] = s
		}
		switch {
		case (e.Kind == incident.Triggered || e.Kind == incident.Reopened) && !s.triggered:
			// A trigger, or a reopen of an older incident, opens its story.
			s.triggered, s.outside = true, !e.WorkingTime
			s.open = message.OpenIncident{TriggeredAt: e.At,
				Incident: incident.Incident{ID: e.IncidentID, Number: e.Number, Title: e.Title, URL: e.URL}}
			order = append(order, e.IncidentID)
		case e.Kind == incident.Resolved || e.Kind == incident.ResolvedInChat:
			s.closed = true
		case e.Kind == incident.Reopened || e.Kind == incident.Unacknowledged:
			s.closed, s.open.Acknowledged = false, false
		case e.Kind.Responded():
			s.open.Acknowledged = true
		}
		if s.open.Incident.Title == "" && e.Title != "" { // a reopen may carry less
			s.open.Incident.Title, s.open.Incident.Number, s.open.Incident.URL = e.Title, e.Number, e.URL
		}
	}
	var out []message.OpenIncident
	for _, id := range order {
		if s := byID[id]; !s.closed && (!onlyOutside || s.outside) {
			out = append(out, s.open)
		}
	}
	return out, nil
}
