// Command remind is pd2chat's rotation-reminder function. In AWS Lambda
// (when AWS_LAMBDA_RUNTIME_API is set) EventBridge Scheduler invokes it at
// 10:00 and 17:00 with the payload
//
//	{"kind": "morning" | "evening", "scheduledTime": "<aws.scheduler.scheduled-time>"}
//
// and it posts that reminder to REMINDER_DESTINATIONS. Every weekday at 10:00
// it is also invoked with
//
//	{"kind": "digest", "scheduledTime": "<aws.scheduler.scheduled-time>"}
//
// and on the first working day of the week it posts the digest of the week
// before (see reminder.RunDigest). Anywhere else it runs once and exits:
//
//	remind --kind morning|evening [--at YYYY-MM-DD|RFC3339] [--dry-run]
//	remind --check [--at YYYY-MM-DD|RFC3339] [--days N]
//	remind --digest [--week YYYY-MM-DD] [--dry-run]
//
// --at is the scheduled instant (default now): an RFC 3339 time, or a date
// alone, meaning the start of that day's business hours in TIMEZONE.
// --dry-run prints what would be posted and posts nothing. The exit status
// is 1 when a post failed, 2 on a usage error (told in one line, with a
// hint to run remind -h for the usage).
//
// --check (`make oncall`) prints the sheet as its editors check it: who is
// on call today and on the next working day with their handle in each
// chat, the week ahead as a table (date, weekday, people, day off), the
// days off and the working days with nobody on call in the next --days
// days (default 14, today included), every problem found in the sheet with
// its cell, and whether each chat can be posted to. A name that matches no
// member is shown as such and does not count as someone on call. It exits
// 1 when the sheet has a problem, when a working day of those --days has
// nobody on call, or when a chat cannot be posted to. It posts nothing, so
// a chat's token is not required: the checks of a chat without its token
// are skipped, with a line that says so (config.LoadForCheck).
//
// --digest posts the digest of the week that starts on Monday --week
// (default: the week before this one), whatever the day; the digest's own
// file is digest.go, the check's check.go.
//
// This file only reads the settings and wires package reminder.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"
	_ "time/tzdata" // Asia/Tokyo on provided.al2023, which has no zoneinfo

	"github.com/aws/aws-lambda-go/lambda"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/console"
	"github.com/pd2chat/pd2chat/shared/config"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/followup"
	"github.com/pd2chat/pd2chat/shared/major"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/presence"
	"github.com/pd2chat/pd2chat/shared/reminder"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/wiring"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// Exit statuses of the local command.
const (
	exitOK     = 0
	exitFailed = 1 // a post failed, the sheet has problems, or a setting is wrong
	exitUsage  = 2 // bad flags
)

func main() {
	if os.Getenv("AWS_LAMBDA_RUNTIME_API") == "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		code := local(ctx, os.Args[1:], env{getenv: os.Getenv, stdout: os.Stdout, stderr: os.Stderr, now: time.Now})
		stop()
		os.Exit(code)
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	getenv, err := wiring.Env(context.Background(), os.Getenv)
	var a *app
	if err == nil {
		a, err = setup(getenv, true, os.Stdout, log, chat.DefaultRetry)
	}
	if err != nil {
		log.Error("remind: cannot start", "error", err.Error())
		os.Exit(1)
	}
	lambda.Start(a.handle)
}

// env is what the local command reads and writes; tests supply their own.
type env struct {
	getenv         func(string) string
	stdout, stderr io.Writer
	now            func() time.Time
	retry          chat.RetryPolicy // zero: chat.DefaultRetry
	history        state.History    // nil: the state store's (tests set their own)
}

// app is the wired reminder.
type app struct {
	cfg     config.Config
	run     reminder.Config
	history state.History // the state store's incident history, for the digest
	follow  followup.Config
	// presence keeps the Slack on-call group and topics (package
	// presence); not Enabled without SLACK_ONCALL_USERGROUP or
	// SLACK_TOPIC_CHANNELS.
	presence presence.Config
	// major archives the closed major incidents' channels (the 10:00
	// run); zero when MAJOR_CHANNELS is off.
	major  major.Config
	log    *slog.Logger
	stdout io.Writer
}

// setup reads the settings and wires the reminder.
func setup(getenv func(string) string, inLambda bool, stdout io.Writer, log *slog.Logger, retry chat.RetryPolicy) (*app, error) {
	cfg, err := config.Load(getenv, inLambda)
	if err != nil {
		return nil, err
	}
	return wire(cfg, stdout, log, retry)
}

// wire builds the reminder of settings cfg.
func wire(cfg config.Config, stdout io.Writer, log *slog.Logger, retry chat.RetryPolicy) (*app, error) {
	src, err := wiring.Rotation(cfg, log)
	if err != nil {
		return nil, err
	}
	store, err := wiring.State(context.Background(), cfg)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: log, stdout: stdout}
	cal := wiring.Calendar(cfg) // one calendar for the run's every use
	a.run = reminder.Config{
		Calendar:      cal,
		Rotation:      src,
		Destinations:  wiring.Destinations(cfg, cfg.ReminderDestinations, wiring.HTTPClient(), stdout),
		AlertChannels: alertChannels(cfg.AlertDestinations),
		ManualURL:     cfg.OncallManualURL,
		Checklist:     checklist(cfg),
		Retry:         retry,
		Log:           log,
		State:         store,
		History:       store,
	}
	if cfg.Queue.Kind == "sqs" {
		// One path for every post: the deliver function takes them off the
		// queue, posts once, retries and dead-letters.
		q, err := wiring.Queue(context.Background(), cfg)
		if err != nil {
			return nil, err
		}
		a.run.Outbox = deliver.Outbox{Queue: q}
	}
	a.history = store
	rotations, err := wiring.Rotations(cfg, log)
	if err != nil {
		return nil, err
	}
	a.follow = followup.Config{
		Calendar:     cal,
		Rotation:     src,
		Routes:       cfg.Routes,
		Rotations:    rotations,
		Destinations: wiring.Destinations(cfg, cfg.AlertDestinations, wiring.HTTPClient(), stdout),
		Store:        store,
		After:        cfg.AckReminderAfter,
		Max:          cfg.AckReminderMax,
		Retry:        retry,
		Log:          log,
		Outbox:       a.run.Outbox,
		AckReaction:  ackReaction(cfg),
		Ladder:       cfg.Escalation,
		History:      store,
	}
	a.presence = wiring.Presence(cfg, cal, src, a.run.Destinations, a.run.Outbox, store, retry, log)
	if cfg.MajorChannels {
		a.major = wiring.Major(cfg, src, store, log)
	}
	return a, nil
}

// alertChannels names ALERT_DESTINATIONS for the reminders.
func alertChannels(ds []config.Destination) []message.Channel {
	out := make([]message.Channel, 0, len(ds))
	for _, d := range ds {
		c := message.Channel{Dialect: message.Console, ID: d.Target}
		switch d.Kind {
		case "slack":
			c.Dialect = message.Slack
		case "typetalk":
			c.Dialect = message.Typetalk
		case "chatwork":
			c.Dialect = message.Chatwork
		case "googlechat":
			c.Dialect = message.GoogleChat
		case "teams":
			c.Dialect = message.Teams
		}
		out = append(out, c)
	}
	return out
}

// payload is what EventBridge Scheduler sends.
type payload struct {
	Kind          string `json:"kind"`
	ScheduledTime string `json:"scheduledTime"`
}

// response is the invocation's answer (Scheduler ignores it; logs and
// tests read it).
type response struct {
	Kind    string `json:"kind"`
	At      string `json:"at"`
	Date    string `json:"date,omitempty"`
	Skipped string `json:"skipped,omitempty"`
	Empty   bool   `json:"empty,omitempty"`
	Posted  int    `json:"posted"`
	// AlreadyPosted counts destinations that had this reminder from an
	// earlier try of the same invocation.
	AlreadyPosted int `json:"already_posted"`
	Failed        int `json:"failed"`
	Temporary     int `json:"temporary"`
	// Week is the Monday of the week a digest reports.
	Week string `json:"week,omitempty"`
}

// parsePayload validates a Scheduler payload; errors name the field.
func parsePayload(raw []byte) (reminder.Kind, time.Time, error) {
	var p payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return "", time.Time{}, fmt.Errorf("remind: payload is not {\"kind\": …, \"scheduledTime\": …}: %w", err)
	}
	if p.Kind == "" {
		return "", time.Time{}, errors.New(`remind: payload field "kind" is missing: want "morning", "evening", "digest" or "followup"`)
	}
	kind, err := reminder.ParseKind(p.Kind)
	if err != nil {
		return "", time.Time{}, fmt.Errorf(`remind: payload field "kind": %q is not "morning", "evening", "digest" or "followup"`, p.Kind)
	}
	if p.ScheduledTime == "" {
		return "", time.Time{}, errors.New(`remind: payload field "scheduledTime" is missing: want the Scheduler's <aws.scheduler.scheduled-time>`)
	}
	at, err := time.Parse(time.RFC3339, p.ScheduledTime)
	if err != nil {
		return "", time.Time{}, fmt.Errorf(`remind: payload field "scheduledTime": %q is not an RFC 3339 time`, p.ScheduledTime)
	}
	return kind, at, nil
}

// handle serves one Scheduler invocation. It returns an error — so that
// the invocation is retried, and then dead-lettered with an alarm — for a
// malformed payload and whenever a post failed, for now or for good (a
// revoked token, a channel gone: a person must act).
func (a *app) handle(ctx context.Context, raw json.RawMessage) (response, error) {
	kind, at, err := parsePayload(raw)
	if err != nil {
		a.log.Error("remind: malformed payload", "error", err.Error())
		return response{}, err
	}
	switch kind {
	case reminder.Digest:
		return a.handleDigest(ctx, at)
	case reminder.Followup:
		return a.handleFollowup(ctx, at)
	}
	res, err := reminder.Run(ctx, a.run, kind, at)
	// The on-call group and topics take the day's people at the start of
	// business hours, and the off-hours group at their end.
	err = errors.Join(err, a.syncPresence(ctx, at))
	if kind == reminder.Morning && a.major.Enabled() {
		// Once a day, the channels of major incidents closed a while ago.
		n, aerr := major.ArchiveSweep(ctx, a.major, at)
		if aerr != nil {
			a.log.Error("major incident channels not all archived", "error", aerr.Error())
		} else if n > 0 {
			a.log.Info("major incident channels archived", "archived", n)
		}
		err = errors.Join(err, aerr)
	}
	out := response{
		Kind: string(kind), At: at.Format(time.RFC3339), Skipped: res.Skip, Empty: res.Empty(),
		Posted: res.Posted, AlreadyPosted: res.AlreadyPosted, Failed: res.Failed, Temporary: res.Temporary,
	}
	if res.Skip == "" && res.Date != (rotation.Date{}) {
		out.Date = res.Date.String()
	}
	// Any failure is an error: the invocation is retried, then its
	// dead-letter queue alarms (a refused post must never pass as done).
	return out, err
}

// local runs the command line once and gives the exit status.
func local(ctx context.Context, args []string, e env) int {
	fs := flag.NewFlagSet("remind", flag.ContinueOnError)
	kindFlag := fs.String("kind", "", `the reminder to post: "morning" (today's on-call people) or "evening" (the next working day's)`)
	atFlag := fs.String("at", "", "the scheduled instant: a date (2026-11-20: the start of that day's business hours in TIMEZONE) or an RFC 3339 time (2026-11-20T17:00:00+09:00); default now")
	dryRun := fs.Bool("dry-run", false, "print what would be posted; post nothing")
	check := fs.Bool("check", false, "print who is on call today, the next working day and the week ahead, the days off and the sheet's problems; exit 1 on a problem or a working day with nobody on call within --days")
	days := fs.Int("days", reminder.DefaultCheckDays, "with --check: how many days, from today, must have someone on call each working day")
	digestFlag := fs.Bool("digest", false, "post the weekly digest of incidents, of --week")
	weekFlag := fs.String("week", "", "with --digest: the Monday that starts the week to report (e.g. 2026-11-16); default the week before this one")
	// Parse reports nothing itself: a mistake is told in one line below,
	// and the usage only when asked for (-h).
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	usage := func(format string, args ...any) int {
		fmt.Fprintf(e.stderr, "remind: "+format+"\nrun remind -h for usage\n", args...)
		return exitUsage
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(e.stdout)
			fmt.Fprintln(e.stdout, "usage: remind --kind morning|evening|followup [--at YYYY-MM-DD|RFC3339] [--dry-run]\n       remind --check [--at YYYY-MM-DD|RFC3339] [--days N]\n       remind --digest [--week YYYY-MM-DD] [--dry-run]")
			fs.PrintDefaults()
			return exitOK
		}
		return usage("%v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if fs.NArg() > 0 {
		return usage("unexpected argument %q", fs.Arg(0))
	}
	var kind reminder.Kind
	var week rotation.Date
	switch {
	case *digestFlag && (*check || *kindFlag != "" || *atFlag != "" || set["days"]):
		return usage("--digest takes only --week and --dry-run")
	case *weekFlag != "" && !*digestFlag:
		return usage("--week goes with --digest")
	case set["days"] && !*check:
		return usage("--days goes with --check")
	case *digestFlag && *weekFlag != "":
		w, err := parseWeek(*weekFlag)
		if err != nil {
			return usage("--week %v", err)
		}
		week = w
	case *digestFlag:
	case *check && (*kindFlag != "" || *dryRun):
		return usage("--check takes no --kind or --dry-run")
	case *check && (*days < 1 || *days > maxCheckDays):
		return usage("--days %d: want a number of days from 1 to %d", *days, maxCheckDays)
	case *check:
	case *kindFlag == "":
		return usage("--kind morning or --kind evening is required (or --check, or --digest)")
	default:
		k, err := reminder.ParseKind(*kindFlag)
		if err != nil || !k.IsReminder() && k != reminder.Followup {
			return usage("--kind %q: want morning, evening or followup", *kindFlag)
		}
		kind = k
	}
	at := instant{t: e.now()}
	if *atFlag != "" {
		i, err := parseInstant(*atFlag)
		if err != nil {
			return usage("--at %v", err)
		}
		at = i
	}

	getenv, err := wiring.Env(ctx, e.getenv)
	if err != nil {
		fmt.Fprintln(e.stderr, "remind: cannot start:", err)
		return exitFailed
	}
	if *check {
		return checkSheet(ctx, getenv, at, *days, e)
	}
	a, err := setup(getenv, false, e.stdout, slog.New(slog.NewJSONHandler(e.stdout, nil)), e.retry)
	if err != nil {
		fmt.Fprintln(e.stderr, "remind: cannot start:", err)
		return exitFailed
	}
	if *digestFlag {
		if e.history != nil {
			a.history = e.history
		}
		return a.localDigest(ctx, at.in(a.cfg.Location, a.cfg.Hours), week, *dryRun, e.stdout, e.stderr)
	}
	if *dryRun {
		a.dryRun()
	}
	if kind == reminder.Followup {
		return a.localFollowup(ctx, at.in(a.cfg.Location, a.cfg.Hours), e.stdout, e.stderr)
	}
	res, err := reminder.Run(ctx, a.run, kind, at.in(a.cfg.Location, a.cfg.Hours))
	// As the scheduled run does: the on-call group and topics (printed,
	// not set, with --dry-run).
	err = errors.Join(err, a.syncPresence(ctx, at.in(a.cfg.Location, a.cfg.Hours)))
	switch {
	case err != nil:
		fmt.Fprintln(e.stderr, err)
		return exitFailed
	case res.Skip != "" && *dryRun:
		fmt.Fprintf(e.stdout, "nothing would be posted: %s\n", res.Skip)
	}
	return exitOK
}

// instant is the --at flag: an RFC 3339 time, or a date alone, which means
// the start of that day's business hours in TIMEZONE (known only once the
// settings are read: see in).
type instant struct {
	t    time.Time     // the time given (or now)
	date rotation.Date // or the date given
}

// parseInstant reads --at.
func parseInstant(s string) (instant, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return instant{t: t}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return instant{date: rotation.DateOf(t)}, nil
	}
	return instant{}, fmt.Errorf("%q is not a date (2026-11-20) or an RFC 3339 time (2026-11-20T17:00:00+09:00)", s)
}

// in is the instant, a date taken as the start of its business hours h in
// zone loc.
func (i instant) in(loc *time.Location, h workday.Hours) time.Time {
	if i.date == (rotation.Date{}) {
		return i.t
	}
	start := h.Start()
	return time.Date(i.date.Year, i.date.Month, i.date.Day, int(start/time.Hour), int(start%time.Hour/time.Minute), 0, 0, loc)
}

// dryRun swaps every destination's poster for one that prints the message,
// in the destination's own dialect, on stdout.
func (a *app) dryRun() {
	dests := make([]fanout.Destination, len(a.run.Destinations))
	out := console.New(a.stdout, "") // one lock: destinations print at once
	for i, d := range a.run.Destinations {
		d.Poster = out.As("dry run: " + d.Name)
		dests[i] = d
	}
	a.run.Destinations = dests
	a.run.State = nil // printing is not posting: record nothing
	follow := make([]fanout.Destination, len(a.follow.Destinations))
	for i, d := range a.follow.Destinations {
		d.Poster = out.As("dry run: " + d.Name)
		follow[i] = d
	}
	a.follow.Destinations = follow
	a.follow.Store = dryStore{a.follow.Store}
	a.follow.Outbox = nil
	a.follow.History = nil
	// The on-call group and topics are read, and what would change is
	// printed; the warning goes to the console.
	if a.presence.Slack != nil {
		a.presence.Slack = drySlack{Slack: a.presence.Slack, out: a.stdout}
	}
	a.presence.Warn = dests
	a.presence.Outbox = fanout.Direct{}
}

// drySlack reads the user groups and topics and prints the changes it
// is asked for instead of making them.
type drySlack struct {
	presence.Slack
	out io.Writer
}

func (d drySlack) SetUserGroupMembers(_ context.Context, group string, users []string) error {
	fmt.Fprintf(d.out, "--- dry run: Slack user group %s would be set to %s\n", group, strings.Join(users, " "))
	return nil
}

func (d drySlack) SetTopic(_ context.Context, channel, topic string) error {
	fmt.Fprintf(d.out, "--- dry run: the topic of Slack channel %s would be %q\n", channel, topic)
	return nil
}

// dryStore is a follow-up store that reads and never writes: a dry run
// shows the follow-ups due and changes nothing.
type dryStore struct{ followup.Store }

func (dryStore) Claim(context.Context, string, string, time.Duration) (state.ClaimResult, error) {
	return state.Claimed, nil
}
func (dryStore) Done(context.Context, string, string, bool, string) error { return nil }
func (dryStore) Release(context.Context, string, string) error            { return nil }
func (dryStore) Abandon(context.Context, string, string) error            { return nil }
func (dryStore) Settle(context.Context, string) error                     { return nil }
func (dryStore) Mentioned(context.Context, string, int) (bool, error)     { return true, nil }

// checklist is the evening checklist: for people without PagerDuty
// accounts, or with PAGERDUTY_SEATS=true for people with them; and how to
// answer in chat, with the configured reactions, when the Slack app
// listens.
func checklist(cfg config.Config) []string {
	list := reminder.Checklist(cfg.Language, cfg.PagerDutySeats)
	if cfg.AnswersInChat() {
		list = slices.Insert(list, 2, reminder.AnswerInChat(cfg.Language, cfg.SlackAckReactions[0], cfg.SlackResolveReactions[0]))
	}
	return list
}

// ackReaction is the reaction the follow-ups ask for ("" when the Slack
// app does not listen).
func ackReaction(cfg config.Config) string {
	if !cfg.AnswersInChat() {
		return ""
	}
	return cfg.SlackAckReactions[0]
}
