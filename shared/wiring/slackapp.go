package wiring

import (
	"log/slog"

	"github.com/pd2chat/pd2chat/shared/alertdetails"
	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/config"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/notify"
	"github.com/pd2chat/pd2chat/shared/oncallfeed"
	"github.com/pd2chat/pd2chat/shared/presence"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/slackapp"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/workday"
	"github.com/pd2chat/pd2chat/shared/writeback"
)

// SlackApp is the handler of the Slack app's request URLs (/slack/*), or
// nil when SLACK_SIGNING_SECRET is not set (nothing could be verified, so
// nothing is served). Responses go on q for the Slack channels of
// ALERT_DESTINATIONS.
func SlackApp(cfg config.Config, q queue.Sender, log *slog.Logger) (*slackapp.Handler, error) {
	if cfg.SlackSigningSecret == "" {
		return nil, nil
	}
	if !cfg.AnswersInChat() {
		log.Warn("SLACK_SIGNING_SECRET is set but no alert destination is a Slack channel (ALERT_DESTINATIONS): " +
			"presses and reactions will be answered as not in an alert channel; /oncall works")
	}
	var channels []string
	for _, d := range cfg.AlertDestinations {
		if d.Kind == "slack" {
			channels = append(channels, d.Target)
		}
	}
	src, err := Rotation(cfg, log)
	if err != nil {
		return nil, err
	}
	return slackapp.New(slackapp.Config{
		SigningSecret:    cfg.SlackSigningSecret.Reveal(),
		Channels:         channels,
		Queue:            q,
		Slack:            slack.NewApp(slack.Options{Token: cfg.SlackBotToken.Reveal(), APIURL: cfg.SlackAPIURL, HTTPClient: HTTPClient()}),
		Rotation:         src,
		Calendar:         Calendar(cfg),
		Language:         cfg.Language,
		AckReactions:     cfg.SlackAckReactions,
		ResolveReactions: cfg.SlackResolveReactions,
		WriteBack:        cfg.WritesBack(),
		Major:            cfg.MajorChannels,
		Log:              log,
	})
}

// writeBack is the PagerDuty writer of PAGERDUTY_API_TOKEN and
// PAGERDUTY_FROM_EMAIL, or nil.
func writeBack(cfg config.Config) deliver.WriteBack {
	if !cfg.WritesBack() {
		return nil
	}
	return writeback.New(writeback.Config{
		Token: cfg.PagerDutyAPIToken.Reveal(), From: cfg.PagerDutyFromEmail, APIURL: cfg.PagerDutyAPIURL,
		AckOnTake: cfg.PagerDutyAckOnTake, ResolveFromChat: cfg.PagerDutyResolveFromChat, HTTPClient: HTTPClient(),
	})
}

// alerts reads the alerts' details with PAGERDUTY_API_TOKEN (read access
// is enough), or nil.
func alerts(cfg config.Config) deliver.AlertSource {
	if cfg.PagerDutyAPIToken == "" {
		return nil
	}
	return alertdetails.New(cfg.PagerDutyAPIToken.Reveal(), cfg.PagerDutyAPIURL, HTTPClient())
}

// Notify is the operations job reports' endpoint of NOTIFY_SECRET
// (package notify), queuing on q; nil when NOTIFY_SECRET is not set.
func Notify(cfg config.Config, q queue.Sender, log *slog.Logger) *notify.Handler {
	var secrets []string
	for _, s := range cfg.NotifySecrets {
		secrets = append(secrets, s.Reveal())
	}
	return notify.New(notify.Config{Secrets: secrets, Queue: q, Log: log})
}

// Feed is the on-call calendar feed of ICAL_TOKEN (package oncallfeed),
// nil when ICAL_TOKEN is not set.
func Feed(cfg config.Config, log *slog.Logger) (*oncallfeed.Handler, error) {
	if cfg.ICalToken == "" {
		return nil, nil
	}
	src, err := Rotation(cfg, log)
	if err != nil {
		return nil, err
	}
	return oncallfeed.New(oncallfeed.Config{
		Calendar: Calendar(cfg), Rotation: src, Token: cfg.ICalToken.Reveal(), Language: cfg.Language, Log: log,
	}), nil
}

// Presence is the Slack on-call group and topics of SLACK_ONCALL_USERGROUP,
// SLACK_ONCALL_USERGROUP_OFF_HOURS and SLACK_TOPIC_CHANNELS (package
// presence), read from src on calendar cal; its warnings go to warn
// (REMINDER_DESTINATIONS) through outbox, or posted directly, claimed in
// store, when outbox is nil. Not Enabled when none of them is set.
func Presence(cfg config.Config, cal *workday.Calendar, src rotation.Source, warn []fanout.Destination,
	outbox fanout.Outbox, store state.Deliveries, retry chat.RetryPolicy, log *slog.Logger) presence.Config {
	if outbox == nil {
		outbox = fanout.Direct{Store: store, Retry: retry, Log: log}
	}
	return presence.Config{
		Calendar:      cal,
		Rotation:      src,
		Slack:         slack.NewApp(slack.Options{Token: cfg.SlackBotToken.Reveal(), APIURL: cfg.SlackAPIURL, HTTPClient: HTTPClient()}),
		UserGroup:     cfg.SlackOnCallGroup,
		OffHoursGroup: cfg.SlackOffHoursGroup,
		TopicChannels: cfg.SlackTopicChannels,
		Warn:          warn,
		Outbox:        outbox,
		Language:      cfg.Language,
		Log:           log,
	}
}
