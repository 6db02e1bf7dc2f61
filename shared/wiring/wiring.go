// Package wiring turns validated settings into the concrete pieces the
// functions run with: the chat posters, the rotation source and the
// calendar. It is the one place that names Slack, Typetalk and the rotation
// sources; the mains call it and the use cases see interfaces only.
package wiring

import (
	"context"
	"errors"
	"fmt"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/major"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	dynamodbtypes "github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/chatwork"
	"github.com/pd2chat/pd2chat/shared/chat/console"
	"github.com/pd2chat/pd2chat/shared/chat/googlechat"
	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/chat/teams"
	"github.com/pd2chat/pd2chat/shared/chat/typetalk"
	"github.com/pd2chat/pd2chat/shared/config"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/fallback"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/internal/secrets"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/rotation/csvfile"
	"github.com/pd2chat/pd2chat/shared/rotation/sheets"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/dynamodb"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// HTTPClient is the client every outbound call shares. Each call also has
// its own context deadline; this timeout is the backstop.
func HTTPClient() *http.Client { return &http.Client{Timeout: 5 * time.Second} }

// Checked are the chats to check at start-up and by remind --check: the
// destinations ds, and the Slack channel a major incident is announced in
// (MAJOR_ANNOUNCE_CHANNEL), which the bot must be a member of like any
// alert channel. Only checked: announcements are not posted to it here.
func Checked(cfg config.Config, ds []fanout.Destination, client *http.Client, stdout io.Writer) []fanout.Destination {
	if !cfg.MajorChannels || cfg.MajorAnnounce == "" || cfg.SlackBotToken == "" {
		return ds
	}
	announce := config.Destination{Kind: "slack", Target: cfg.MajorAnnounce}
	if slices.ContainsFunc(ds, func(d fanout.Destination) bool { return d.Name == announce.String() }) {
		return ds
	}
	return append(slices.Clip(ds), Destinations(cfg, []config.Destination{announce}, client, stdout)...)
}

// Destinations builds one poster per destination. console posters write to
// stdout.
func Destinations(cfg config.Config, ds []config.Destination, client *http.Client, stdout io.Writer) []fanout.Destination {
	out := make([]fanout.Destination, 0, len(ds))
	for _, d := range ds {
		switch d.Kind {
		case "slack":
			out = append(out, fanout.Destination{Name: d.String(), Dialect: message.Slack.In(cfg.Language), Poster: slack.New(slack.Options{
				Token: cfg.SlackBotToken.Reveal(), APIURL: cfg.SlackAPIURL, Channel: d.Target, HTTPClient: client,
			})})
		case "typetalk":
			out = append(out, fanout.Destination{Name: d.String(), Dialect: message.Typetalk.In(cfg.Language), Poster: typetalk.New(typetalk.Options{
				Token: cfg.TypetalkToken.Reveal(), BaseURL: cfg.TypetalkAPIURL, TopicID: d.Target, HTTPClient: client,
			})})
		case "chatwork":
			out = append(out, fanout.Destination{Name: d.String(), Dialect: message.Chatwork.In(cfg.Language), Poster: chatwork.New(chatwork.Options{
				Token: cfg.ChatworkToken.Reveal(), APIURL: cfg.ChatworkAPIURL, RoomID: d.Target, HTTPClient: client,
			})})
		case "googlechat":
			out = append(out, fanout.Destination{Name: d.String(), Dialect: message.GoogleChat.In(cfg.Language), Poster: googlechat.New(googlechat.Options{
				Name: d.Target, URL: cfg.GoogleChatWebhooks[d.Target].Reveal(), HTTPClient: client,
			})})
		case "teams":
			out = append(out, fanout.Destination{Name: d.String(), Dialect: message.Teams.In(cfg.Language), Poster: teams.New(teams.Options{
				Name: d.Target, URL: cfg.TeamsWebhooks[d.Target].Reveal(), HTTPClient: client,
			})})
		default:
			out = append(out, fanout.Destination{Name: d.String(), Dialect: message.Console.In(cfg.Language), Poster: console.New(stdout, d.String())})
		}
	}
	return out
}

// Rotation is the rotation source ROTATION_SOURCE names: the CSV files
// (read on every lookup, for local editing) or the Google Sheet behind a
// ROTATION_CACHE_TTL cache. When a Slack destination is configured, members
// with an email and no Slack ID get one through users.lookupByEmail.
func Rotation(cfg config.Config, log *slog.Logger) (rotation.Source, error) {
	return RotationAt(cfg, log, time.Now)
}

// RotationAt is Rotation whose reads are dated by now: a date written
// without its year in the sheet takes the year nearest to now's day (the
// check of another day, remind --check --at).
func RotationAt(cfg config.Config, log *slog.Logger, now func() time.Time) (rotation.Source, error) {
	return rotationSource(cfg, log, now, "")
}

// Rotations are the rotation sources of the ROUTES rules' own tabs
// (rotation=TAB), by tab; empty without such rules.
func Rotations(cfg config.Config, log *slog.Logger) (map[string]rotation.Source, error) {
	out := map[string]rotation.Source{}
	for _, r := range cfg.Routes {
		if tab := r.RotationTab; tab != "" && out[tab] == nil {
			src, err := RotationTab(cfg, log, tab)
			if err != nil {
				return nil, err
			}
			out[tab] = src
		}
	}
	return out, nil
}

// RotationTab is Rotation reading tab as the rotation (a route's own,
// ROUTES rotation=TAB), with the shared members, holidays and runbooks.
func RotationTab(cfg config.Config, log *slog.Logger, tab string) (rotation.Source, error) {
	return rotationSource(cfg, log, time.Now, tab)
}

func rotationSource(cfg config.Config, log *slog.Logger, now func() time.Time, tab string) (rotation.Source, error) {
	var src rotation.Source
	switch cfg.Rotation.Kind {
	case "csv":
		s := csvfile.New(cfg.Rotation.Value)
		s.Logger = log
		s.Now = now
		s.RotationTab = tab
		src = s
	case "sheets":
		s, err := sheets.New(context.Background(), sheets.Options{
			SpreadsheetID:   cfg.Rotation.Value,
			Endpoint:        cfg.SheetsEndpoint,
			CredentialsJSON: []byte(cfg.GoogleCredentialsJSON.Reveal()),
			Logger:          log,
			Now:             now,
			RotationTab:     tab,
		})
		if err != nil {
			return nil, err
		}
		src = s
	default:
		return nil, fmt.Errorf("config: ROTATION_SOURCE %q: unknown source %s", cfg.Rotation.String(), cfg.Rotation.Kind)
	}
	if usesSlack(cfg) {
		src = rotation.WithSlackIDs(src, slack.NewDirectory(slack.Options{
			Token: cfg.SlackBotToken.Reveal(), APIURL: cfg.SlackAPIURL, HTTPClient: HTTPClient(),
		}), log)
	}
	if cfg.Rotation.Kind == "sheets" {
		src = rotation.NewCache(src, cfg.RotationCacheTTL, log)
	}
	return src, nil
}

func usesSlack(cfg config.Config) bool {
	for _, d := range append(append([]config.Destination(nil), cfg.AlertDestinations...), cfg.ReminderDestinations...) {
		if d.Kind == "slack" {
			return true
		}
	}
	return false
}

// Holidays is the built-in holiday calendar HOLIDAYS names.
func Holidays(cfg config.Config) workday.Holidays {
	if cfg.Holidays == "jp" {
		return workday.JP()
	}
	return workday.None()
}

// Calendar is the business-hours calendar of TIMEZONE, BUSINESS_HOURS and HOLIDAYS.
func Calendar(cfg config.Config) *workday.Calendar {
	return workday.New(cfg.Location, cfg.Hours, Holidays(cfg))
}

// Env is getenv with the keys of the SECRETS_ARN secret under it, when that
// variable is set (the functions call it once, at cold start); otherwise
// getenv itself. Variables set in the environment win.
func Env(ctx context.Context, getenv func(string) string) (func(string) string, error) {
	arn := strings.TrimSpace(getenv("SECRETS_ARN"))
	if arn == "" {
		return getenv, nil
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("secrets: AWS configuration for SECRETS_ARN: %w", err)
	}
	values, err := secrets.Load(ctx, secretsmanager.NewFromConfig(awsCfg), arn)
	if err != nil {
		return nil, err
	}
	return secrets.Overlay(getenv, values), nil
}

// State is the store STATE_STORE names: in memory, or a DynamoDB table
// (DYNAMODB_ENDPOINT overrides AWS's endpoint, for tests).
func State(ctx context.Context, cfg config.Config) (state.Store, error) {
	if cfg.State.Kind != "dynamodb" {
		return memory.New(), nil
	}
	client, err := dynamoClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	s := dynamodb.New(client, cfg.State.Table)
	// A hung store must not hold a message long: it is retried.
	s.Timeout = 2 * time.Second
	return s, nil
}

// Queue is the delivery queue DELIVERY_QUEUE names: in memory (the deliver
// code then runs in the same process), or an SQS FIFO queue (SQS_ENDPOINT
// overrides AWS's endpoint, for tests and local servers).
func Queue(ctx context.Context, cfg config.Config) (queue.Queue, error) {
	if cfg.Queue.Kind != "sqs" {
		return queue.NewMemory(), nil
	}
	client, err := SQSClient(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return queue.NewSQS(client, cfg.Queue.URL), nil
}

// SQSClient is the SQS client of the settings.
func SQSClient(ctx context.Context, cfg config.Config) (*sqs.Client, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("queue: AWS configuration for DELIVERY_QUEUE: %w", err)
	}
	return sqs.NewFromConfig(awsCfg, func(o *sqs.Options) {
		if cfg.SQSEndpoint != "" {
			o.BaseEndpoint = &cfg.SQSEndpoint
		}
	}), nil
}

// Deliver is the deliver use case of the settings: the alert and reminder
// destinations, the calendar, the rotation and the store. The roster is
// read once here (at start-up: Lambda's init), so that the first alert of
// a fresh process does not wait for the sheet.
func Deliver(ctx context.Context, cfg config.Config, store state.Store, requeue queue.Sender, stdout io.Writer, log *slog.Logger) (*deliver.Handler, error) {
	src, err := Rotation(cfg, log)
	if err != nil {
		return nil, err
	}
	rotations, err := Rotations(cfg, log)
	if err != nil {
		return nil, err
	}
	dests := Destinations(cfg, cfg.AlertDestinations, HTTPClient(), stdout)
	for _, d := range Destinations(cfg, cfg.ReminderDestinations, HTTPClient(), stdout) {
		if !slices.ContainsFunc(dests, func(o fanout.Destination) bool { return o.Name == d.Name }) {
			dests = append(dests, d)
		}
	}
	notifier, err := Fallback(ctx, cfg, stdout)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	wg.Go(func() { CheckDestinations(pctx, Checked(cfg, dests, HTTPClient(), stdout), notifier, log) })
	if _, err := src.Roster(pctx); err != nil {
		log.Warn("could not read the rotation at start-up; the first alerts may go out without mentions (follow-ups mention later)", "error", err.Error())
	}
	for tab, s := range rotations {
		if _, err := s.Roster(pctx); err != nil {
			// A ROUTES rule names a tab the sheet may not have: said now,
			// not only as "Nobody mentioned" on each of its alerts.
			log.Error("could not read a route's rotation tab at start-up (ROUTES rotation=)", "tab", tab, "error", err.Error())
		}
	}
	wg.Wait()
	return deliver.New(deliver.Config{
		Destinations:       dests,
		Calendar:           Calendar(cfg),
		Rotation:           src,
		State:              store,
		Log:                log,
		RetryFor:           cfg.DeliveryRetryFor,
		Fallback:           notifier,
		Interactive:        cfg.AnswersInChat(),
		MentionOn:          cfg.MentionOn,
		Alerts:             alerts(cfg),
		Routes:             cfg.Routes,
		Requeue:            requeue,
		Rotations:          rotations,
		AlertDestinations:  names(cfg.AlertDestinations),
		OnCallDestinations: names(cfg.ReminderDestinations),
		Major:              majorChannels(cfg, src, store, log, notifier),
		WriteBack:          writeBack(cfg),
	}), nil
}

// CheckDestinations asks each chat that can (chat.Checker: Slack's
// auth.test and conversations.info) whether posting can work at all. A
// destination that cannot — a revoked token, a channel gone or archived,
// the bot not invited — is logged as an error and paged through notifier
// with the fix; start-up goes on (deliveries must still be taken and
// queued, and the other destinations work).
func CheckDestinations(ctx context.Context, dests []fanout.Destination, notifier fallback.Notifier, log *slog.Logger) {
	var wg sync.WaitGroup
	for _, d := range dests {
		c, ok := d.Poster.(chat.Checker)
		if !ok {
			continue
		}
		wg.Go(func() {
			err := c.Check(ctx)
			if err == nil {
				return
			}
			if temporary, _ := chat.IsTemporary(err); temporary {
				log.Warn("could not check a destination at start-up", "destination", d.Name, "error", err.Error())
				return
			}
			log.Error("destination check failed: its alerts will be dead-lettered until this is fixed", "destination", d.Name,
				"error", err.Error(), "fix", fallback.Fix(d.Name, err.Error()))
			if notifier != nil {
				if nerr := notifier.Notify(ctx, fallback.Undeliverable{Destination: d.Name, Reason: "start-up check: " + err.Error(), Key: "start-up check"}); nerr != nil {
					log.Error("fallback notification failed", "error", nerr.Error())
				}
			}
		})
	}
	wg.Wait()
}

// Fallback is where an undeliverable alert pages a human: the SNS topic
// FALLBACK_TOPIC_ARN (SNS_ENDPOINT overrides AWS's endpoint), or the
// console.
func Fallback(ctx context.Context, cfg config.Config, stdout io.Writer) (fallback.Notifier, error) {
	if cfg.FallbackTopicARN == "" {
		return &fallback.Console{W: stdout}, nil
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("fallback: AWS configuration for FALLBACK_TOPIC_ARN: %w", err)
	}
	client := sns.NewFromConfig(awsCfg, func(o *sns.Options) {
		if cfg.SNSEndpoint != "" {
			o.BaseEndpoint = &cfg.SNSEndpoint
		}
	})
	return fallback.SNS{Client: client, Topic: cfg.FallbackTopicARN}, nil
}

// CreateTable creates the STATE_STORE table when it is DynamoDB and
// missing (local servers; in AWS the stack makes it).
func CreateTable(ctx context.Context, cfg config.Config) error {
	if cfg.State.Kind != "dynamodb" {
		return nil
	}
	client, err := dynamoClient(ctx, cfg)
	if err != nil {
		return err
	}
	_, err = client.CreateTable(ctx, dynamodb.CreateTableInput(cfg.State.Table))
	var inUse *dynamodbtypes.ResourceInUseException
	if err != nil && !errors.As(err, &inUse) {
		return fmt.Errorf("state: create table %s: %w", cfg.State.Table, err)
	}
	return nil
}

// dynamoClient is the DynamoDB client of the settings (DYNAMODB_ENDPOINT
// overrides AWS's endpoint).
func dynamoClient(ctx context.Context, cfg config.Config) (*awsdynamodb.Client, error) {
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, fmt.Errorf("state: AWS configuration for STATE_STORE: %w", err)
	}
	return awsdynamodb.NewFromConfig(awsCfg, func(o *awsdynamodb.Options) {
		if cfg.DynamoDBEndpoint != "" {
			o.BaseEndpoint = &cfg.DynamoDBEndpoint
		}
	}), nil
}

// names are the destinations as the queue names them ("slack:C0123").
func names(ds []config.Destination) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.String()
	}
	return out
}

// majorChannels is the major incident channels of MAJOR_CHANNELS (package
// major), or nil when off: as an interface, nil is no handler at all.
func majorChannels(cfg config.Config, src rotation.Source, store state.Store, log *slog.Logger, notifier fallback.Notifier) interface {
	Handle(ctx context.Context, ev incident.Event) error
} {
	if !cfg.MajorChannels {
		return nil
	}
	c := Major(cfg, src, store, log)
	c.Fallback = notifier
	return c
}

// Major is the major incident channels' configuration of MAJOR_CHANNELS
// and the settings beside it (package major).
func Major(cfg config.Config, src rotation.Source, store state.Store, log *slog.Logger) major.Config {
	var alert string
	for _, d := range cfg.AlertDestinations {
		if d.Kind == "slack" {
			alert = d.String()
			break
		}
	}
	return major.Config{
		Slack:            slack.NewApp(slack.Options{Token: cfg.SlackBotToken.Reveal(), APIURL: cfg.SlackAPIURL, HTTPClient: HTTPClient()}),
		Store:            store,
		History:          store,
		PostmortemURL:    cfg.PostmortemURL,
		ArchiveAfter:     cfg.MajorArchiveAfter,
		Priorities:       cfg.MajorPriorities,
		AlertDestination: alert,
		Announce:         cfg.MajorAnnounce,
		MeetingURL:       cfg.MajorMeetingURL,
		Calendar:         Calendar(cfg),
		Rotation:         src,
		Language:         cfg.Language,
		Log:              log,
	}
}
