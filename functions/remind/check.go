package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/config"
	"github.com/pd2chat/pd2chat/shared/fallback"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/reminder"
	"github.com/pd2chat/pd2chat/shared/wiring"
)

// checkTimeout bounds reading the sheet for --check.
const checkTimeout = 10 * time.Second

// maxCheckDays is the most --days takes: a year.
const maxCheckDays = 366

// unchecked is a chat destination the check cannot ask anything: the
// token it needs (Token, a variable's name) is not set.
type unchecked struct {
	Name, Token string
}

// checkSheet runs remind --check: it reads the settings for the check (a
// chat's token is not required), wires what it can and prints the report of
// the sheet at instant at, days days ahead. 0 when all is well; 1 on a
// problem, a working day with nobody on call, a chat that cannot be posted
// to, or settings that keep it from starting.
func checkSheet(ctx context.Context, getenv func(string) string, at instant, days int, e env) int {
	cfg, err := config.LoadForCheck(getenv)
	if err != nil {
		fmt.Fprintln(e.stderr, "remind: cannot start:", err)
		return exitFailed
	}
	cfg, skipped := withoutTokenless(cfg)
	// The report is for people: logs only on errors, to stderr (the sheet's
	// problems are in the report).
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	a, err := wire(cfg, e.stdout, log, e.retry)
	if err != nil {
		fmt.Fprintln(e.stderr, "remind: cannot start:", err)
		return exitFailed
	}
	return a.check(ctx, at.in(cfg.Location, cfg.Hours), days, skipped, e.stderr)
}

// withoutTokenless is cfg without the chat destinations whose token is not
// set (config.LoadForCheck lets them be), and those destinations. The check
// cannot ask those chats anything, so it wires none of them (nor, without
// Slack's token, the look-up of members' Slack IDs by email).
func withoutTokenless(cfg config.Config) (config.Config, []unchecked) {
	var skipped []unchecked
	seen := map[config.Destination]bool{}
	keep := func(ds []config.Destination) []config.Destination {
		var out []config.Destination
		for _, d := range ds {
			token := cfg.MissingToken(d)
			if token == "" {
				out = append(out, d)
				continue
			}
			if !seen[d] {
				seen[d] = true
				skipped = append(skipped, unchecked{Name: d.String(), Token: token})
			}
		}
		return out
	}
	cfg.AlertDestinations = keep(cfg.AlertDestinations)
	cfg.ReminderDestinations = keep(cfg.ReminderDestinations)
	return cfg, skipped
}

// check prints the report of the sheet at instant at, days days ahead, and
// the state of each chat: 0 when all is well, 1 when the report fails
// (reminder.Report.Failed), a chat cannot be posted to, or the sheet cannot
// be read.
func (a *app) check(ctx context.Context, at time.Time, days int, skipped []unchecked, stderr io.Writer) int {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	// The sheet is read as on the day checked: a date without its year
	// takes the year nearest to that day, as it will then.
	src, err := wiring.RotationAt(a.cfg, a.log, func() time.Time { return at })
	if err != nil {
		fmt.Fprintln(stderr, "remind: read the rotation:", err)
		return exitFailed
	}
	roster, err := src.Roster(ctx)
	if err != nil {
		fmt.Fprintln(stderr, "remind: read the rotation:", err)
		return exitFailed
	}
	cal := a.run.Calendar.With(roster)
	report := reminder.Check(cal, roster, at, days)
	fmt.Fprintln(a.stdout, a.cfg.Language.T("check.sheet", "Sheet", a.cfg.Rotation.String()))
	_, _ = io.WriteString(a.stdout, report.Text(a.cfg.Language))
	chatsOK := a.checkChats(ctx, skipped)

	var failures []string
	if n := len(report.Problems); n > 0 {
		failures = append(failures, fmt.Sprintf("%d problem(s) in the sheet", n))
	}
	if report.StaleErr != nil {
		failures = append(failures, "the sheet cannot be read now")
	}
	if n := len(report.Unstaffed); n > 0 {
		failures = append(failures, fmt.Sprintf("%d working day(s) with nobody on call in the next %d days", n, report.Days))
	}
	if !chatsOK {
		failures = append(failures, "a chat cannot be posted to")
	}
	if len(failures) > 0 {
		fmt.Fprintf(stderr, "remind: check failed: %s\n", strings.Join(failures, "; "))
		return exitFailed
	}
	return exitOK
}

// checkChats prints whether each chat of the alerts and reminders can be
// posted to at all (chat.Checker: Slack's token, channel, membership),
// with the fix, and which chats were not checked for want of their token;
// false when one cannot be posted to.
func (a *app) checkChats(ctx context.Context, skipped []unchecked) bool {
	ok := true
	seen := map[string]bool{}
	l := a.cfg.Language
	_, _ = io.WriteString(a.stdout, "\n"+l.T("check.chats")+"\n")
	all := append(append([]fanout.Destination(nil), a.follow.Destinations...), a.run.Destinations...)
	for _, d := range wiring.Checked(a.cfg, all, wiring.HTTPClient(), a.stdout) {
		if seen[d.Name] {
			continue
		}
		seen[d.Name] = true
		c, can := d.Poster.(chat.Checker)
		if !can {
			fmt.Fprintf(a.stdout, "  %-20s %s\n", d.Name, l.T("check.chat_nothing"))
			continue
		}
		err := c.Check(ctx)
		switch temporary, _ := chat.IsTemporary(err); {
		case err == nil:
			fmt.Fprintf(a.stdout, "  %-20s %s\n", d.Name, l.T("check.chat_ok"))
		case temporary:
			fmt.Fprintf(a.stdout, "  %-20s %s\n", d.Name, l.T("check.chat_later", "Err", err.Error()))
		default:
			ok = false
			fmt.Fprintf(a.stdout, "  %-20s %v\n  %-20s %s\n", d.Name, err, "", l.T("check.chat_fix", "Fix", fallback.Fix(d.Name, err.Error())))
		}
	}
	// The on-call group and topics are read as each sync reads them.
	if a.presence.Enabled() && a.cfg.SlackBotToken != "" {
		check := func(name string, err error) {
			switch temporary, _ := chat.IsTemporary(err); {
			case err == nil:
				fmt.Fprintf(a.stdout, "  %-20s %s\n", name, l.T("check.chat_ok"))
			case temporary:
				fmt.Fprintf(a.stdout, "  %-20s %s\n", name, l.T("check.chat_later", "Err", err.Error()))
			default:
				ok = false
				fmt.Fprintf(a.stdout, "  %-20s %v\n", name, err)
			}
		}
		for _, g := range []string{a.presence.UserGroup, a.presence.OffHoursGroup} {
			if g != "" {
				_, err := a.presence.Slack.UserGroupMembers(ctx, g)
				check("slack usergroup "+g, err)
			}
		}
		for _, ch := range a.presence.TopicChannels {
			_, err := a.presence.Slack.Topic(ctx, ch)
			check("slack topic "+ch, err)
		}
	}
	for _, s := range skipped {
		fmt.Fprintf(a.stdout, "  %-20s %s\n", s.Name, l.T("check.chat_skipped", "Token", s.Token))
	}
	return ok
}
