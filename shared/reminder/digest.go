package reminder

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/digest"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// DigestConfig wires RunDigest: the reminders' settings (zone, business
// hours, holidays, the rotation for the company's days off, destinations,
// retries, budget, log, delivery ledger) and the incident history.
type DigestConfig struct {
	Config
	// History is where the relay records incident events; required.
	History state.History
}

// DigestDecision is which week a digest reports, and whether it is posted.
type DigestDecision struct {
	// At is the scheduled instant in the calendar's zone, and Today its
	// day; both zero for a week asked for by name.
	At    time.Time
	Today rotation.Date
	// Skip, when not empty, says why nothing is posted: Today is not the
	// first working day of its week.
	Skip string
	// Week is the Monday that starts the week reported; From and To are
	// that week, [Monday 00:00, next Monday 00:00), in the calendar's zone.
	Week     rotation.Date
	From, To time.Time
}

// PlanDigest decides the scheduled digest at instant at (the Scheduler
// invokes it at 10:00 every weekday). It is pure. The digest is posted on
// the first working day of at's ISO week (Monday to Sunday) — Monday, or
// Tuesday when Monday is a holiday, or Thursday after Golden Week's
// Monday to Wednesday — and reports the week before, Monday to Monday in
// the calendar's zone. On every other day Skip says why not. A week
// without a working day has no digest.
func PlanDigest(cal *workday.Calendar, at time.Time) DigestDecision {
	at = at.In(cal.Location())
	today := rotation.DateOf(at)
	monday := digest.Monday(today)
	d := weekDecision(cal, monday.AddDays(-7))
	d.At, d.Today = at, today
	if !cal.IsWorkingDate(today) {
		d.Skip = cal.WhyNotWorking(today)
		return d
	}
	for day := monday; day != today; day = day.AddDays(1) {
		if cal.IsWorkingDate(day) {
			d.Skip = fmt.Sprintf("%s %s is not the first working day of its week (%s %s was)", today.Weekday(), today, day.Weekday(), day)
			return d
		}
	}
	return d
}

// weekDecision is the digest of the week starting on monday.
func weekDecision(cal *workday.Calendar, monday rotation.Date) DigestDecision {
	d := DigestDecision{Week: monday}
	d.From, d.To = digest.Week(monday, cal.Location())
	return d
}

// DigestResult is what a digest run decided, reported and posted.
type DigestResult struct {
	DigestDecision
	Report digest.Report
	fanout.Result
}

// RunDigest posts the weekly digest to every destination.
//
// With week zero it is the scheduled run at instant at: PlanDigest decides
// whether to post (the sheet's company days off count) and which week.
// With week set (a Monday) it posts the digest of that week, whatever the
// day; at is not used.
//
// The events read are [From, To+digest.Horizon): acknowledgements and
// resolutions up to the run (at most a week after the week) count for the
// incidents triggered late in the week.
//
// With cfg.State the digest is posted once per destination and week (key
// "digest/<Monday>"): a retried invocation, or the next working day's run
// of the same week, posts only where it is missing. Errors are as Run's:
// chat.IsTemporary tells whether a retry may help (the rotation or the
// history could not be read, or a destination answered 429/5xx).
func RunDigest(ctx context.Context, cfg DigestConfig, at time.Time, week rotation.Date) (DigestResult, error) {
	start := time.Now()
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.History == nil {
		log.Error("digest not posted: no history store")
		return DigestResult{}, errors.New("reminder: digest: no history store")
	}
	if week != (rotation.Date{}) && week.Weekday() != time.Monday {
		return DigestResult{}, fmt.Errorf("reminder: digest: week %s is a %s, not a Monday", week, week.Weekday())
	}
	ctx, cancel := budget(ctx, cfg.Budget)
	defer cancel()

	var (
		d      DigestDecision
		roster *rotation.Roster
	)
	if week != (rotation.Date{}) {
		d = weekDecision(cfg.Calendar.With(nil), week)
		roster, _ = lookup(ctx, cfg.Config) // only to name people: without it, PagerDuty's names
	} else {
		var err error
		roster, err = lookup(ctx, cfg.Config)
		if err != nil {
			// Without the sheet the company days off are unknown: a day off
			// of the built-in calendar is one still, but whether a working
			// day is the first of its week cannot be told.
			builtin := cfg.Calendar.With(nil)
			d = PlanDigest(builtin, at)
			if !builtin.IsWorkingDate(d.Today) {
				log.Warn("digest skipped; the rotation could not be read", "at", d.At.Format(time.RFC3339),
					"reason", d.Skip, "error", err.Error())
				return DigestResult{DigestDecision: d}, nil
			}
			log.Error("digest not posted: the rotation could not be read", "at", d.At.Format(time.RFC3339), "error", err.Error())
			return DigestResult{DigestDecision: d}, chat.Temporary(fmt.Errorf("reminder: digest on %s: read the rotation: %w", d.Today, err), 0)
		}
		d = PlanDigest(cfg.Calendar.With(roster), at)
		if d.Skip != "" {
			log.Info("digest skipped", "at", d.At.Format(time.RFC3339), "week", d.Week.String(), "reason", d.Skip)
			return DigestResult{DigestDecision: d}, nil
		}
	}
	res := DigestResult{DigestDecision: d}

	events, err := readHistory(ctx, cfg, d.From, d.To.Add(digest.Horizon))
	if err != nil {
		log.Error("digest not posted: the history could not be read", "week", d.Week.String(), "error", err.Error())
		err = fmt.Errorf("reminder: digest of the week of %s: %w", d.Week, err)
		if errors.Is(err, state.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
			err = chat.Temporary(err, 0)
		}
		return res, err
	}
	res.Report = digest.Compute(sheetNames(events, roster), d.From, d.To, cfg.Calendar.Location())

	key := "digest/" + d.Week.String()
	items := make([]fanout.Item, len(cfg.Destinations))
	names := make([]string, len(cfg.Destinations))
	for i, dest := range cfg.Destinations {
		items[i] = fanout.Item{Destination: dest, Message: chat.Message{Text: message.RenderDigest(dest.Dialect, res.Report)}}
		names[i] = dest.Name
	}
	res.Result = cfg.outbox(log).Post(ctx, key, items)

	attrs := []any{
		"week", d.Week.String(),
		"events", len(events),
		"incidents", res.Report.Incidents,
		"destinations", names,
		"posted", res.Posted,
		"queued", res.Queued,
		"already_posted", res.AlreadyPosted,
		"failed", res.Failed,
		"temporary", res.Temporary,
		"ms", time.Since(start).Milliseconds(),
	}
	if !d.At.IsZero() {
		attrs = append(attrs, "at", d.At.Format(time.RFC3339))
	}
	if len(res.Errors) > 0 {
		attrs = append(attrs, "errors", res.Errors)
	}
	level := slog.LevelInfo
	if res.Failed > 0 || res.Temporary > 0 {
		level = slog.LevelWarn
	}
	log.Log(ctx, level, "digest", attrs...)

	if res.Failed == 0 && res.Temporary == 0 {
		return res, nil
	}
	err = fmt.Errorf("reminder: digest of the week of %s: %d of %d destination(s) failed: %s",
		d.Week, res.Failed+res.Temporary, len(cfg.Destinations), strings.Join(res.Errors, "; "))
	if res.Temporary > 0 {
		return res, chat.Temporary(err, 0)
	}
	return res, err
}

// readHistory reads the events of [from, to) under cfg's lookup timeout.
func readHistory(ctx context.Context, cfg DigestConfig, from, to time.Time) ([]state.HistoryEvent, error) {
	timeout := cfg.LookupTimeout
	if timeout <= 0 {
		timeout = DefaultLookupTimeout
	}
	ctx, cancel := context.WithTimeoutCause(ctx, timeout, errors.New("reminder: reading the history took too long"))
	defer cancel()
	events, err := cfg.History.Between(ctx, from, to)
	if err != nil {
		return nil, fmt.Errorf("read the history: %w", err)
	}
	return events, nil
}

// sheetNames gives each event's agent the members tab's name when the
// members tab maps that PagerDuty name to a member (its pagerduty column),
// so the digest names people as the sheet does. events is not changed.
func sheetNames(events []state.HistoryEvent, roster *rotation.Roster) []state.HistoryEvent {
	if roster == nil {
		return events
	}
	names := map[string]string{}
	for _, m := range roster.Members() {
		if pd := strings.ToLower(strings.TrimSpace(m.PagerDuty)); pd != "" {
			names[pd] = m.Name
		}
	}
	if len(names) == 0 {
		return events
	}
	out := make([]state.HistoryEvent, len(events))
	for i, e := range events {
		if n, ok := names[strings.ToLower(strings.TrimSpace(e.Agent))]; ok {
			e.Agent = n
		}
		out[i] = e
	}
	return out
}
