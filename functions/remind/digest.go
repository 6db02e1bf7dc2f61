package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/pd2chat/pd2chat/shared/digest"
	"github.com/pd2chat/pd2chat/shared/reminder"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// digestConfig wires reminder.RunDigest.
func (a *app) digestConfig() reminder.DigestConfig {
	return reminder.DigestConfig{Config: a.run, History: a.history}
}

// handleDigest serves a Scheduler invocation of kind "digest": on the first
// working day of the week, the digest of the week before. Like handle, it
// returns an error only when a retry may deliver what is missing.
func (a *app) handleDigest(ctx context.Context, at time.Time) (response, error) {
	res, err := reminder.RunDigest(ctx, a.digestConfig(), at, rotation.Date{})
	out := response{
		Kind: string(reminder.Digest), At: at.Format(time.RFC3339), Skipped: res.Skip,
		Posted: res.Posted, AlreadyPosted: res.AlreadyPosted, Failed: res.Failed, Temporary: res.Temporary,
	}
	if res.Week != (rotation.Date{}) {
		out.Week = res.Week.String()
	}
	// Any failure is an error: the invocation is retried, then its
	// dead-letter queue alarms (a refused post must never pass as done).
	return out, err
}

// localDigest posts (or, dry, prints) the digest of the week starting on
// monday; zero means the week before now's.
func (a *app) localDigest(ctx context.Context, now time.Time, monday rotation.Date, dryRun bool, stdout, stderr io.Writer) int {
	if monday == (rotation.Date{}) {
		monday = lastWeek(now, a.run.Calendar.Location())
	}
	if dryRun {
		a.dryRun()
	}
	cfg := a.digestConfig()
	if dryRun {
		cfg.State = nil // printing is not posting: record nothing
	}
	if _, err := reminder.RunDigest(ctx, cfg, now, monday); err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	return exitOK
}

// lastWeek is the Monday of the week before now's, in loc.
func lastWeek(now time.Time, loc *time.Location) rotation.Date {
	m := digest.Monday(rotation.DateOf(now.In(loc)))
	return rotation.DateOf(time.Date(m.Year, m.Month, m.Day-7, 12, 0, 0, 0, time.UTC))
}

// parseWeek reads --week: a date that is a Monday.
func parseWeek(s string) (rotation.Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return rotation.Date{}, fmt.Errorf("%q is not a date (e.g. 2026-11-16)", s)
	}
	if t.Weekday() != time.Monday {
		return rotation.Date{}, fmt.Errorf("%s is a %s: give the Monday that starts the week", s, t.Weekday())
	}
	return rotation.DateOf(t), nil
}
