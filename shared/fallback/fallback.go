// Package fallback pages a human when an alert cannot reach a chat: the
// deliver code hands it each message it dead-letters, and it sends a
// notification saying which incident could not be posted where, why, and
// how to fix it, with the alert's content — for a trigger that reached no
// chat, this notification is the page. In AWS it publishes to an SNS topic
// (FALLBACK_TOPIC_ARN, e-mail subscribers); locally it writes to the
// console. It never replaces a working chat: the other destinations post
// as usual.
package fallback

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sns"

	"github.com/pd2chat/pd2chat/shared/incident"
)

// Undeliverable is a message that could not be posted.
type Undeliverable struct {
	Destination string          // "slack:C0123"
	Reason      string          // why (no secrets)
	Key         string          // the event id (or reminder key)
	Attempts    int             // receives of the queue message
	Event       *incident.Event // nil for a reminder's text
	Text        string          // a reminder's text
	OnCall      []string        // who the sheet has on call at the event's instant, when known
	Location    *time.Location  // TIMEZONE, for the instant shown; nil: UTC
	// Step, when set, is what pd2chat could not do around an event it
	// handled otherwise (a major incident channel's step: "set the
	// topic"): nothing was dead-lettered, so there is nothing to redrive.
	Step string
}

// Fix says what a person should do about reason at dest, from the error
// codes Slack documents for chat.postMessage
// (https://api.slack.com/methods/chat.postMessage#errors).
func Fix(dest, reason string) string {
	kind, target, _ := strings.Cut(dest, ":")
	has := func(codes ...string) bool { return says(reason, codes...) }
	switch {
	case kind == "slack" && has("not_in_channel"):
		return "Invite the bot to the channel " + target + ": /invite @pd2chat, then redrive the dead-letter queue."
	case kind == "slack" && has("channel_not_found"):
		return "Check the channel ID " + target + " in the settings (ALERT_DESTINATIONS, REMINDER_DESTINATIONS); a private channel needs the bot invited. Then redrive."
	case kind == "slack" && has("is_archived"):
		return "The channel " + target + " is archived: unarchive it or change the settings, then redrive."
	case kind == "slack" && has("invalid_auth", "token_revoked", "account_inactive", "not_authed"):
		return "The Slack token was refused: reinstall the app and put the new bot token (xoxb-…) in SLACK_BOT_TOKEN (the secret), then redrive."
	case kind == "chatwork" && has("HTTP 401"):
		return "Chatwork refused the API token: issue a new one (Service integration → API token) and put it in CHATWORK_TOKEN (the secret), then redrive."
	case kind == "chatwork" && has("HTTP 403", "HTTP 404"):
		return "Chatwork room " + target + " does not exist or pd2chat's account is not in it: add the account to the room, or fix the room ID in the settings, then redrive."
	case kind == "googlechat" && has("HTTP 401", "HTTP 403", "HTTP 404"):
		return "Google Chat refused the webhook " + target + " (deleted, or the space gone): add a new webhook in the space and put its URL in GOOGLECHAT_WEBHOOKS (the secret), then redrive."
	case kind == "teams" && has("HTTP 401", "HTTP 403", "HTTP 404"):
		return "Teams refused the workflow " + target + " (turned off, deleted, or its owner gone): recreate the workflow \"Post to a channel when a webhook request is received\" and put its URL in TEAMS_WEBHOOKS (the secret), then redrive."
	case has("missing_scope"):
		return "The Slack app lacks a scope (named in the reason): add it from infra/slack-app-manifest.yaml, reinstall the app, then redrive."
	case has("DELIVERY_RETRY_FOR"):
		return "The chat has been failing for a long time: check its status page and the network; once it is back, redrive."
	case has("malformed", "not configured"):
		return "pd2chat could not read or route this message (a bug, or a destination removed from the settings): read the reason, then redrive or drop it."
	}
	return "Read the reason, fix the cause, then redrive the dead-letter queue (README: Redrive)."
}

// says reports whether reason holds one of the error codes.
func says(reason string, codes ...string) bool {
	return slices.ContainsFunc(codes, func(c string) bool { return strings.Contains(reason, c) })
}

// StepFix says what a person should do about a step refused for good
// (Undeliverable.Step) at dest, from the error codes Slack documents for
// the methods the major incident channels use (conversations.invite,
// .setTopic, bookmarks.add, pins.add, chat.postMessage).
func StepFix(dest, reason string) string {
	kind, target, _ := strings.Cut(dest, ":")
	has := func(codes ...string) bool { return says(reason, codes...) }
	switch {
	case kind == "slack" && has("not_in_channel"):
		return "Invite the bot to the channel " + target + " (/invite @pd2chat)."
	case kind == "slack" && has("channel_not_found"):
		return "Check the channel ID " + target + " (MAJOR_ANNOUNCE_CHANNEL, or the alert channel); a private channel needs the bot invited."
	case kind == "slack" && has("is_archived"):
		return "The channel " + target + " is archived: unarchive it, or change MAJOR_ANNOUNCE_CHANNEL."
	case has("missing_scope"):
		return "The Slack app lacks a scope (named in the reason): add it from infra/slack-app-manifest.yaml and reinstall the app."
	case has("user_is_restricted", "user_is_ultra_restricted", "user_not_found", "user_disabled", "cant_invite", "invalid_users"):
		return "Slack will not invite the person named in the reason (a guest, a deactivated account, an ID from another workspace): invite them by hand, and check their slack column in the sheet's members tab."
	case has("invalid_auth", "token_revoked", "account_inactive", "not_authed"):
		return "The Slack token was refused: reinstall the app and put the new bot token (xoxb-…) in SLACK_BOT_TOKEN (the secret)."
	}
	return "Read the reason and fix the cause; the incident's channel went on without this step."
}

// Text is the notification's subject and body.
func Text(u Undeliverable) (subject, body string) {
	if u.Step != "" {
		return stepText(u)
	}
	var b strings.Builder
	what := "A message"
	if ev := u.Event; ev != nil {
		what = fmt.Sprintf("Incident #%d %s (%s)", ev.Incident.Number, ev.Incident.Title, ev.Kind)
		if ev.Incident.Number == 0 {
			what = fmt.Sprintf("Incident %s %s (%s)", ev.Incident.ID, ev.Incident.Title, ev.Kind)
		}
	}
	subject = cut("pd2chat: not posted to "+u.Destination+": "+what, 99)
	fmt.Fprintf(&b, "%s could not be posted to %s.\n\n", what, u.Destination)
	fmt.Fprintf(&b, "Why: %s\nFix: %s\n\n", u.Reason, Fix(u.Destination, u.Reason))
	loc := u.Location
	if loc == nil {
		loc = time.UTC
	}
	if ev := u.Event; ev != nil {
		fmt.Fprintf(&b, "The alert\n  Title:    %s\n  Service:  %s\n  Urgency:  %s\n  Link:     %s\n  Occurred: %s\n",
			ev.Incident.Title, ev.Incident.Service.Name, ev.Incident.Urgency, ev.Incident.URL, ev.OccurredAt.In(loc).Format("2006-01-02 15:04:05 MST"))
		if ev.Note != "" {
			fmt.Fprintf(&b, "  Note:     %s\n", ev.Note)
		}
		if len(u.OnCall) > 0 {
			fmt.Fprintf(&b, "  On call:  %s\n", strings.Join(u.OnCall, ", "))
		}
	} else if u.Text != "" {
		fmt.Fprintf(&b, "The message\n%s\n", u.Text)
	}
	fmt.Fprintf(&b, "\nEvent %s, tried %d time(s). Other destinations are unaffected.\n", u.Key, u.Attempts)
	return subject, b.String()
}

// stepText is Text for a step refused for good (Undeliverable.Step).
func stepText(u Undeliverable) (subject, body string) {
	var b strings.Builder
	what := "an event"
	if ev := u.Event; ev != nil {
		what = fmt.Sprintf("incident #%d %s", ev.Incident.Number, ev.Incident.Title)
		if ev.Incident.Number == 0 {
			what = "incident " + ev.Incident.ID
		}
	}
	subject = cut("pd2chat: could not "+u.Step+" in "+u.Destination+": "+what, 99)
	fmt.Fprintf(&b, "pd2chat could not %s in %s, for %s; the rest went on.\n\n", u.Step, u.Destination, what)
	fmt.Fprintf(&b, "Why: %s\nFix: %s\n\n", u.Reason, StepFix(u.Destination, u.Reason))
	if ev := u.Event; ev != nil && ev.Incident.URL != "" {
		fmt.Fprintf(&b, "The incident: %s\n", ev.Incident.URL)
	}
	fmt.Fprintf(&b, "Event %s. Nothing was dead-lettered: there is nothing to redrive.\n", u.Key)
	return subject, b.String()
}

// cut keeps the first n bytes of s on a character boundary (SNS subjects
// are under 100 characters, ASCII-safe here).
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	r := []rune(s)
	for len(string(r)) > n {
		r = r[:len(r)-1]
	}
	return string(r)
}

// Notifier sends the notification of an undeliverable message.
type Notifier interface {
	Notify(ctx context.Context, u Undeliverable) error
}

// SNSAPI is the part of the SNS client SNS uses.
type SNSAPI interface {
	Publish(ctx context.Context, in *sns.PublishInput, opts ...func(*sns.Options)) (*sns.PublishOutput, error)
}

// SNS publishes to a topic.
type SNS struct {
	Client SNSAPI
	Topic  string // ARN
}

// Notify publishes u's text.
func (s SNS) Notify(ctx context.Context, u Undeliverable) error {
	subject, body := Text(u)
	if _, err := s.Client.Publish(ctx, &sns.PublishInput{TopicArn: &s.Topic, Subject: &subject, Message: &body}); err != nil {
		return fmt.Errorf("fallback: publish to %s: %w", s.Topic, err)
	}
	return nil
}

// Console writes the notification to w (local runs).
type Console struct {
	mu sync.Mutex
	W  io.Writer
}

// Notify writes u's text.
func (c *Console) Notify(_ context.Context, u Undeliverable) error {
	subject, body := Text(u)
	c.mu.Lock()
	defer c.mu.Unlock()
	_, err := fmt.Fprintf(c.W, "--- FALLBACK: %s ---\n%s\n", subject, body)
	return err
}

// Memory keeps the notifications in memory (tests, and a process that
// wants to show them itself). Safe for concurrent use.
type Memory struct {
	mu    sync.Mutex
	pages []Undeliverable
}

// Notify keeps u.
func (m *Memory) Notify(_ context.Context, u Undeliverable) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.pages = append(m.pages, u)
	return nil
}

// Pages are the notifications so far, oldest first.
func (m *Memory) Pages() []Undeliverable {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Undeliverable(nil), m.pages...)
}
