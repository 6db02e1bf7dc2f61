// Package config reads and validates every pd2chat setting in one place.
// Load reports all problems at once, each naming its variable, and never
// repeats a secret's value. LoadForCheck does the same for the check of the
// sheet (remind --check), which posts nothing and so needs no chat token.
package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/escalation"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/rotation/csvfile"
	"github.com/pd2chat/pd2chat/shared/routing"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// Secret is a setting that must never be printed: String, GoString and
// LogValue all give "<secret>". Use Reveal where the value is needed.
type Secret string

func (s Secret) String() string               { return redacted(s) }
func (s Secret) GoString() string             { return redacted(s) }
func (s Secret) LogValue() slog.Value         { return slog.StringValue(redacted(s)) }
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted(s)), nil }

// Reveal is the secret's value, for the one call that needs it.
func (s Secret) Reveal() string { return string(s) }

func redacted(s Secret) string {
	if s == "" {
		return ""
	}
	return "<secret>"
}

// Destination is one chat target: "slack:C0123", "typetalk:42",
// "chatwork:123456", "googlechat:NAME", "teams:NAME" or "console".
type Destination struct {
	Kind   string // "slack", "typetalk", "chatwork", "googlechat", "teams" or "console"
	Target string // channel ID, topic ID, room ID, webhook name; empty for console
}

// String gives the destination back as it is written in the settings.
func (d Destination) String() string {
	if d.Target == "" {
		return d.Kind
	}
	return d.Kind + ":" + d.Target
}

// RotationSource says where the on-call rotation comes from.
type RotationSource struct {
	Kind  string // "csv" or "sheets"
	Value string // DIR for csv; for sheets the SPREADSHEET_ID, even when the setting gave the sheet's URL
}

func (r RotationSource) String() string { return r.Kind + ":" + r.Value }

// Config is every setting of pd2chat, validated.
type Config struct {
	InLambda bool

	Port           int
	WebhookSecrets []Secret
	V2Token        Secret
	// ICalToken is the secret of the on-call calendar feed, GET
	// /oncall.ics?token=… (ICAL_TOKEN, at least 16 characters; package
	// oncallfeed); empty: the feed is not served.
	ICalToken Secret
	// NotifySecrets sign the operations job reports to /notify
	// (NOTIFY_SECRET, comma-separated for rotation; package notify);
	// none: /notify is not served.
	NotifySecrets []Secret

	Rotation              RotationSource
	RotationCacheTTL      time.Duration
	SheetsEndpoint        string
	GoogleCredentialsJSON Secret

	Location *time.Location
	Hours    workday.Hours
	Holidays string // "jp" or "none"

	AlertDestinations    []Destination
	ReminderDestinations []Destination

	SlackBotToken Secret
	SlackAPIURL   string
	// SlackSigningSecret verifies the requests of the Slack app
	// (SLACK_SIGNING_SECRET); empty: the /slack/* URLs are not served.
	SlackSigningSecret Secret
	// SlackOnCallGroup is the Slack user group kept to today's on-call
	// people (SLACK_ONCALL_USERGROUP, S…); SlackOffHoursGroup the group
	// whose members it takes outside business hours
	// (SLACK_ONCALL_USERGROUP_OFF_HOURS); SlackTopicChannels the channels
	// whose topic names them (SLACK_TOPIC_CHANNELS). Package presence.
	SlackOnCallGroup, SlackOffHoursGroup string
	SlackTopicChannels                   []string
	// SlackAckReactions and SlackResolveReactions are the emoji names
	// (without colons) that count as "I'm on it" and as resolved
	// (SLACK_ACK_REACTIONS, SLACK_RESOLVE_REACTIONS).
	SlackAckReactions, SlackResolveReactions []string
	// PagerDutySeats says the on-call people have PagerDuty accounts
	// (PAGERDUTY_SEATS): the evening checklist then asks them to sign in.
	PagerDutySeats bool
	// PagerDutyAPIToken (a REST API key) turns on writing the responses
	// made in chat back to PagerDuty, as PagerDutyFromEmail, at
	// PagerDutyAPIURL; PagerDutyAckOnTake and PagerDutyResolveFromChat
	// let "I'm on it" acknowledge and "Resolved" resolve the incident.
	PagerDutyAPIToken        Secret
	PagerDutyFromEmail       string
	PagerDutyAPIURL          string
	PagerDutyAckOnTake       bool
	PagerDutyResolveFromChat bool
	TypetalkToken            Secret
	TypetalkAPIURL           string
	// ChatworkToken is the Chatwork API token (CHATWORK_TOKEN), sent as
	// X-ChatWorkToken; ChatworkAPIURL the API base with /v2
	// (CHATWORK_API_URL).
	ChatworkToken  Secret
	ChatworkAPIURL string
	// GoogleChatWebhooks are the Google Chat incoming webhooks by the name
	// googlechat:NAME destinations use (GOOGLECHAT_WEBHOOKS, a JSON object
	// of name → URL; the URLs carry their key and token: secrets).
	GoogleChatWebhooks map[string]Secret
	// TeamsWebhooks are the Teams Workflows webhooks by the name teams:NAME
	// destinations use (TEAMS_WEBHOOKS, a JSON object of name → the
	// workflow trigger's HTTP POST URL, signed: secrets).
	TeamsWebhooks map[string]Secret

	OncallManualURL string
	SecretsARN      string

	State            StateStore
	DynamoDBEndpoint string // "" → AWS's

	// Routes are the ROUTES rules (package routing); nil: every alert goes
	// to AlertDestinations, which are then every rule's destinations.
	Routes []routing.Route

	// MentionOn are the event kinds whose message mentions the people on
	// call inside business hours (MENTION_ON; incident.DefaultMentionOn).
	MentionOn []incident.Kind

	// Language is what every text people read is written in (LANGUAGE:
	// en, the default, or ja).
	Language locale.Language

	AckReminderAfter time.Duration // ACK_REMINDER_AFTER
	AckReminderMax   int           // ACK_REMINDER_MAX; 0: no follow-ups
	// MajorChannels turns on major incident channels (MAJOR_CHANNELS=true;
	// package major): MajorPriorities (MAJOR_PRIORITIES, default P1,P2)
	// make an incident major; MajorAnnounce is the channel told
	// (MAJOR_ANNOUNCE_CHANNEL), MajorMeetingURL the bridge
	// (MAJOR_MEETING_URL).
	MajorChannels   bool
	MajorPriorities []string
	MajorAnnounce   string
	MajorMeetingURL string
	// PostmortemURL is the postmortem template a major incident's closing
	// message links (POSTMORTEM_TEMPLATE_URL).
	PostmortemURL string
	// MajorArchiveAfter is how long after its closing message a major
	// incident's channel is archived (MAJOR_ARCHIVE_AFTER: 7d, 36h; 1h to
	// 25d, as the incident's record lives 30 days; 0 keeps it).
	MajorArchiveAfter time.Duration
	// Escalation is the escalation ladder (ESCALATION; package
	// escalation); nil: the follow-ups of ACK_REMINDER_AFTER and
	// ACK_REMINDER_MAX. Set, it replaces them.
	Escalation escalation.Ladder

	Queue            DeliveryQueue // DELIVERY_QUEUE
	SQSEndpoint      string        // SQS_ENDPOINT; "" → AWS's
	DeliveryRetryFor time.Duration // DELIVERY_RETRY_FOR

	FallbackTopicARN string // FALLBACK_TOPIC_ARN; "" → the console
	SNSEndpoint      string // SNS_ENDPOINT; "" → AWS's
}

// DeliveryQueue says where the webhook puts events for the deliver code.
type DeliveryQueue struct {
	Kind string // "memory" or "sqs"
	URL  string // for sqs: the FIFO queue's URL
}

func (q DeliveryQueue) String() string {
	if q.Kind == "sqs" {
		return "sqs:" + q.URL
	}
	return q.Kind
}

// StateStore says where pd2chat keeps its state.
type StateStore struct {
	Kind  string // "memory" or "dynamodb"
	Table string // for dynamodb
}

func (s StateStore) String() string {
	if s.Table == "" {
		return s.Kind
	}
	return s.Kind + ":" + s.Table
}

// Defaults of the settings, as documented in the README.
const (
	DefaultPort             = 8080
	DefaultRotation         = "csv:testdata/sheet"
	DefaultRotationCacheTTL = 60 * time.Second
	DefaultAckReminderAfter = 10 * time.Minute
	DefaultAckReminderMax   = 2
	DefaultSheetsEndpoint   = "https://sheets.googleapis.com/"
	DefaultTimezone         = "Asia/Tokyo"
	DefaultBusinessHours    = "Mon-Fri 10:00-17:00"
	DefaultHolidays         = "jp"
	DefaultDestinations     = "console"
	DefaultSlackAPIURL      = "https://slack.com/api/"
	DefaultTypetalkAPIURL   = "https://typetalk.com"
	DefaultChatworkAPIURL   = "https://api.chatwork.com/v2"
	DefaultDeliveryRetryFor = time.Hour
	DefaultPagerDutyAPIURL  = "https://api.pagerduty.com"
	DefaultAckReactions     = "eyes"
	DefaultResolveReactions = "white_check_mark"
)

// Load reads every setting through getenv (os.Getenv in the mains, a map in
// tests). inLambda tightens the rules that keep a deployed relay safe. The
// error, when not nil, lists every problem found, one per line, each naming
// its variable.
//
// ROTATION_SOURCE is checked on disk too: csv:DIR must be a directory with
// rotation.csv and members.csv. A relative DIR is read from the working
// directory, as the default csv:testdata/sheet is by `make run` at the
// repository's root; in Lambda the default is not checked: there it means
// that the stack has no sheet (nobody is mentioned, alerts still flow).
func Load(getenv func(string) string, inLambda bool) (Config, error) {
	return load(getenv, inLambda, false)
}

// LoadForCheck reads the settings as Load does outside Lambda, for the
// check of the sheet (remind --check), which posts nothing: a chat
// destination whose token is not set is not a problem there. MissingToken
// names that token, so that the check can skip that chat's own checks and
// say why.
func LoadForCheck(getenv func(string) string) (Config, error) {
	return load(getenv, false, true)
}

// MissingToken is the variable that destination d needs to post and that
// is not set ("SLACK_BOT_TOKEN", "TYPETALK_TOKEN"), or "" when d has what
// it needs.
func (c Config) MissingToken(d Destination) string {
	switch {
	case d.Kind == "slack" && c.SlackBotToken == "":
		return "SLACK_BOT_TOKEN"
	case d.Kind == "typetalk" && c.TypetalkToken == "":
		return "TYPETALK_TOKEN"
	case d.Kind == "chatwork" && c.ChatworkToken == "":
		return "CHATWORK_TOKEN"
	case d.Kind == "googlechat" && c.GoogleChatWebhooks[d.Target] == "":
		return "GOOGLECHAT_WEBHOOKS"
	case d.Kind == "teams" && c.TeamsWebhooks[d.Target] == "":
		return "TEAMS_WEBHOOKS"
	}
	return ""
}

// load is Load; forCheck lets chat destinations go without their token.
func load(getenv func(string) string, inLambda, forCheck bool) (Config, error) {
	l := loader{getenv: getenv}
	c := Config{InLambda: inLambda}

	c.Port = l.port("PORT", DefaultPort)
	for _, s := range l.list("PAGERDUTY_WEBHOOK_SECRETS") {
		c.WebhookSecrets = append(c.WebhookSecrets, Secret(s))
	}
	c.V2Token = Secret(strings.TrimSpace(getenv("PAGERDUTY_V2_TOKEN")))
	c.ICalToken = Secret(strings.TrimSpace(getenv("ICAL_TOKEN")))
	for _, s := range l.list("NOTIFY_SECRET") {
		if len(s) < 16 {
			l.fail("NOTIFY_SECRET", "holds a secret shorter than 16 characters: use openssl rand -hex 32")
			continue
		}
		c.NotifySecrets = append(c.NotifySecrets, Secret(s))
	}
	if t := c.ICalToken.Reveal(); t != "" && len(t) < 16 {
		// The value is not echoed: it is a secret.
		l.fail("ICAL_TOKEN", "is too short to be a secret: use 16 characters or more (openssl rand -hex 16)")
	}

	c.Rotation = l.rotation("ROTATION_SOURCE", inLambda)
	c.RotationCacheTTL = l.duration("ROTATION_CACHE_TTL", DefaultRotationCacheTTL)
	c.SheetsEndpoint = l.url("GOOGLE_SHEETS_ENDPOINT", DefaultSheetsEndpoint)
	c.GoogleCredentialsJSON = Secret(getenv("GOOGLE_CREDENTIALS_JSON"))

	c.Location = l.location("TIMEZONE")
	c.Hours = l.hours("BUSINESS_HOURS")
	c.Holidays = l.oneOf("HOLIDAYS", DefaultHolidays, "jp", "none")

	c.AlertDestinations = l.destinations("ALERT_DESTINATIONS")
	l.routes(&c)
	c.ReminderDestinations = l.destinations("REMINDER_DESTINATIONS")

	c.SlackBotToken = Secret(strings.TrimSpace(getenv("SLACK_BOT_TOKEN")))
	c.SlackAPIURL = l.url("SLACK_API_URL", DefaultSlackAPIURL)
	c.SlackSigningSecret = Secret(strings.TrimSpace(getenv("SLACK_SIGNING_SECRET")))
	c.SlackAckReactions = l.reactions("SLACK_ACK_REACTIONS", DefaultAckReactions)
	c.SlackResolveReactions = l.reactions("SLACK_RESOLVE_REACTIONS", DefaultResolveReactions)
	for _, r := range c.SlackAckReactions {
		if slices.Contains(c.SlackResolveReactions, r) {
			l.fail("SLACK_RESOLVE_REACTIONS", fmt.Sprintf("%q is also in SLACK_ACK_REACTIONS: one reaction cannot mean both", r))
		}
	}
	c.SlackOnCallGroup = l.slackID("SLACK_ONCALL_USERGROUP", "S", "a user group ID (S0123ABC: the group's page in Slack, or usergroups.list)")
	c.SlackOffHoursGroup = l.slackID("SLACK_ONCALL_USERGROUP_OFF_HOURS", "S", "a user group ID (S0123ABC)")
	for _, ch := range l.list("SLACK_TOPIC_CHANNELS") {
		if !slackIDRE.MatchString(ch) || (ch[0] != 'C' && ch[0] != 'G') {
			l.fail("SLACK_TOPIC_CHANNELS", fmt.Sprintf("%q is not a channel ID (C0123ABCD)", ch))
			continue
		}
		c.SlackTopicChannels = append(c.SlackTopicChannels, ch)
	}
	switch {
	case c.SlackOffHoursGroup != "" && c.SlackOnCallGroup == "":
		l.fail("SLACK_ONCALL_USERGROUP_OFF_HOURS", "needs SLACK_ONCALL_USERGROUP: it names whose members the on-call group takes off hours")
	case c.SlackOffHoursGroup != "" && c.SlackOffHoursGroup == c.SlackOnCallGroup:
		l.fail("SLACK_ONCALL_USERGROUP_OFF_HOURS", "is SLACK_ONCALL_USERGROUP itself")
	}
	if c.SlackBotToken == "" && !forCheck {
		switch {
		case c.SlackOnCallGroup != "":
			l.fail("SLACK_BOT_TOKEN", "is required by SLACK_ONCALL_USERGROUP")
		case len(c.SlackTopicChannels) > 0:
			l.fail("SLACK_BOT_TOKEN", "is required by SLACK_TOPIC_CHANNELS")
		}
	}
	c.PagerDutySeats = l.oneOf("PAGERDUTY_SEATS", "false", "true", "false") == "true"
	c.PagerDutyAPIToken = Secret(strings.TrimSpace(getenv("PAGERDUTY_API_TOKEN")))
	c.PagerDutyFromEmail = strings.TrimSpace(getenv("PAGERDUTY_FROM_EMAIL"))
	c.PagerDutyAPIURL = l.url("PAGERDUTY_API_URL", DefaultPagerDutyAPIURL)
	c.PagerDutyAckOnTake = l.oneOf("PAGERDUTY_ACK_ON_TAKE", "false", "true", "false") == "true"
	c.PagerDutyResolveFromChat = l.oneOf("PAGERDUTY_RESOLVE_FROM_CHAT", "false", "true", "false") == "true"
	switch {
	case c.PagerDutyFromEmail != "" && !strings.Contains(c.PagerDutyFromEmail, "@"):
		l.fail("PAGERDUTY_FROM_EMAIL", "is not an email address (the PagerDuty user pd2chat writes as)")
	case c.PagerDutyFromEmail != "" && c.PagerDutyAPIToken == "":
		l.fail("PAGERDUTY_API_TOKEN", "is required by PAGERDUTY_FROM_EMAIL: writing back to PagerDuty needs a REST API key")
	case (c.PagerDutyAckOnTake || c.PagerDutyResolveFromChat) && !c.WritesBack():
		l.fail("PAGERDUTY_FROM_EMAIL", "and PAGERDUTY_API_TOKEN are required by PAGERDUTY_ACK_ON_TAKE and PAGERDUTY_RESOLVE_FROM_CHAT")
	}
	c.TypetalkToken = Secret(strings.TrimSpace(getenv("TYPETALK_TOKEN")))
	c.ChatworkToken = Secret(strings.TrimSpace(getenv("CHATWORK_TOKEN")))
	c.ChatworkAPIURL = l.url("CHATWORK_API_URL", DefaultChatworkAPIURL)
	if inLambda && !strings.HasPrefix(c.ChatworkAPIURL, "https://") {
		l.fail("CHATWORK_API_URL", "must be https in Lambda: the API token goes with every request")
	}
	c.GoogleChatWebhooks = l.webhooks("GOOGLECHAT_WEBHOOKS", inLambda, "https://chat.googleapis.com/")
	c.TeamsWebhooks = l.webhooks("TEAMS_WEBHOOKS", inLambda, "https://")
	c.TypetalkAPIURL = l.url("TYPETALK_API_URL", DefaultTypetalkAPIURL)
	if t := c.SlackBotToken.Reveal(); t != "" && !strings.HasPrefix(t, "xoxb-") {
		// The value is not echoed: it is a secret.
		l.fail("SLACK_BOT_TOKEN", "is not a bot token (xoxb-…): a user token (xoxp-), an app-level token (xapp-) or an incoming-webhook URL cannot post as the app")
	}
	for _, d := range append(append([]Destination(nil), c.AlertDestinations...), c.ReminderDestinations...) {
		switch name := c.MissingToken(d); {
		case name == "" || forCheck:
		case d.Kind == "googlechat" && len(c.GoogleChatWebhooks) > 0, d.Kind == "teams" && len(c.TeamsWebhooks) > 0:
			l.fail(name, fmt.Sprintf("has no webhook named %q (destination %s)", d.Target, d))
		default:
			l.fail(name, "is required for destination "+d.String())
		}
	}

	if v := strings.TrimSpace(getenv("ONCALL_MANUAL_URL")); v != "" {
		c.OncallManualURL = l.url("ONCALL_MANUAL_URL", "")
	}
	c.SecretsARN = strings.TrimSpace(getenv("SECRETS_ARN"))
	c.State = l.state("STATE_STORE", inLambda)
	c.MentionOn = l.kinds("MENTION_ON", incident.DefaultMentionOn)
	c.Language = l.language("LANGUAGE")
	c.MajorChannels = l.oneOf("MAJOR_CHANNELS", "false", "true", "false") == "true"
	c.MajorPriorities = l.list("MAJOR_PRIORITIES")
	if len(c.MajorPriorities) == 0 {
		c.MajorPriorities = []string{"P1", "P2"}
	}
	c.MajorAnnounce = strings.TrimSpace(getenv("MAJOR_ANNOUNCE_CHANNEL"))
	if c.MajorAnnounce != "" && (!slackIDRE.MatchString(c.MajorAnnounce) || (c.MajorAnnounce[0] != 'C' && c.MajorAnnounce[0] != 'G')) {
		l.fail("MAJOR_ANNOUNCE_CHANNEL", fmt.Sprintf("%q is not a Slack channel ID (C0123ABCD)", c.MajorAnnounce))
	}
	if v := strings.TrimSpace(getenv("MAJOR_MEETING_URL")); v != "" {
		c.MajorMeetingURL = l.url("MAJOR_MEETING_URL", "")
	}
	c.MajorArchiveAfter = 7 * 24 * time.Hour
	const maxArchiveAfter = 25 * 24 * time.Hour
	if v := strings.TrimSpace(getenv("MAJOR_ARCHIVE_AFTER")); v != "" {
		d, err := time.ParseDuration(v)
		if days, ok := strings.CutSuffix(v, "d"); ok {
			var n int
			n, err = strconv.Atoi(days)
			d = time.Duration(n) * 24 * time.Hour
		}
		switch {
		case v == "0":
			c.MajorArchiveAfter = 0
		case err != nil || d < time.Hour || d > maxArchiveAfter:
			// The incident's record (which knows the channel) lives 30 days
			// after its last write (state.IncidentTTL): a longer wait would
			// find nothing to archive.
			l.fail("MAJOR_ARCHIVE_AFTER", fmt.Sprintf("%q is not 0 (keep) or a duration from 1h to 25d (7d, 36h); an incident's record is kept 30 days, so a channel cannot be archived later than that", v))
		default:
			c.MajorArchiveAfter = d
		}
	}
	if v := strings.TrimSpace(getenv("POSTMORTEM_TEMPLATE_URL")); v != "" {
		c.PostmortemURL = l.url("POSTMORTEM_TEMPLATE_URL", "")
	}
	if c.MajorChannels && !forCheck {
		switch {
		case c.SlackBotToken == "":
			l.fail("SLACK_BOT_TOKEN", "is required by MAJOR_CHANNELS")
		case !slices.ContainsFunc(c.AlertDestinations, func(d Destination) bool { return d.Kind == "slack" }):
			l.fail("MAJOR_CHANNELS", "needs a Slack alert destination: the major incident's channel is linked from its thread there")
		case c.SlackSigningSecret == "":
			// Without it /slack/* is not served: the roles' Take buttons
			// would fail and Declare major incident would not show.
			l.fail("SLACK_SIGNING_SECRET", "is required by MAJOR_CHANNELS: the roles' Take buttons and the Declare major incident button are answered on /slack/interactions")
		}
	}
	c.AckReminderAfter = l.duration("ACK_REMINDER_AFTER", DefaultAckReminderAfter)
	c.AckReminderMax = l.count("ACK_REMINDER_MAX", DefaultAckReminderMax, 0, 10)
	if v := strings.TrimSpace(getenv("ESCALATION")); v != "" {
		ladder, err := escalation.Parse(v)
		if err != nil {
			l.fail("ESCALATION", err.Error())
		}
		c.Escalation = ladder
	}
	if v := strings.TrimSpace(getenv("DYNAMODB_ENDPOINT")); v != "" {
		c.DynamoDBEndpoint = l.url("DYNAMODB_ENDPOINT", "")
	}
	c.Queue = l.queue("DELIVERY_QUEUE")
	if v := strings.TrimSpace(getenv("SQS_ENDPOINT")); v != "" {
		c.SQSEndpoint = l.url("SQS_ENDPOINT", "")
	}
	c.DeliveryRetryFor = l.duration("DELIVERY_RETRY_FOR", DefaultDeliveryRetryFor)
	if v := strings.TrimSpace(getenv("FALLBACK_TOPIC_ARN")); v != "" {
		if parts := strings.Split(v, ":"); len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" {
			l.fail("FALLBACK_TOPIC_ARN", fmt.Sprintf("%q is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)", v))
		} else {
			c.FallbackTopicARN = v
		}
	}
	if v := strings.TrimSpace(getenv("SNS_ENDPOINT")); v != "" {
		c.SNSEndpoint = l.url("SNS_ENDPOINT", "")
	}

	if len(l.problems) > 0 {
		return c, fmt.Errorf("config: %d problem(s):\n%w", len(l.problems), errors.Join(l.problems...))
	}
	return c, nil
}

// WritesBack reports whether responses made in chat are written to
// PagerDuty: a REST API key and the user to write as are both set. The key
// alone only reads (the alerts' details).
func (c Config) WritesBack() bool {
	return c.PagerDutyAPIToken != "" && c.PagerDutyFromEmail != ""
}

// FollowsUp reports whether unanswered incidents are followed up inside
// business hours: an escalation ladder, or ACK_REMINDER_MAX above 0.
func (c Config) FollowsUp() bool { return c.Escalation != nil || c.AckReminderMax > 0 }

// AnswersInChat reports whether the people on call can answer in chat:
// the Slack app's signing secret is set and an alert destination is a
// Slack channel (SLACK_ACK_REACTIONS and SLACK_RESOLVE_REACTIONS then name
// at least one reaction each).
func (c Config) AnswersInChat() bool {
	if c.SlackSigningSecret == "" || len(c.SlackAckReactions) == 0 || len(c.SlackResolveReactions) == 0 {
		return false
	}
	for _, d := range c.AlertDestinations {
		if d.Kind == "slack" {
			return true
		}
	}
	return false
}

// CheckWebhook is what the webhook function needs beyond Load: in Lambda,
// the signing secrets (unsigned deliveries are accepted only locally) and
// a durable delivery queue.
func (c Config) CheckWebhook() error {
	var errs []error
	if c.InLambda && len(c.WebhookSecrets) == 0 {
		errs = append(errs, errors.New("PAGERDUTY_WEBHOOK_SECRETS is required in Lambda (set it directly or as a key of the SECRETS_ARN secret): unsigned deliveries are accepted only locally"))
	}
	if c.InLambda && c.Queue.Kind != "sqs" {
		errs = append(errs, errors.New("DELIVERY_QUEUE is required in Lambda: sqs:QUEUE_URL (an in-memory queue would lose what it holds)"))
	}
	return errors.Join(errs...)
}

// loader collects problems instead of stopping at the first.
type loader struct {
	getenv   func(string) string
	problems []error
}

func (l *loader) fail(name, why string) {
	l.problems = append(l.problems, fmt.Errorf("%s %s", name, why))
}

// slackIDRE is a Slack ID: a capital letter, then capitals and digits.
var slackIDRE = regexp.MustCompile(`^[A-Z][A-Z0-9]{2,31}$`)

// slackID reads a Slack ID that starts with prefix (what is a
// description of it, for the error); unset: "".
func (l *loader) slackID(name, prefix, what string) string {
	v := strings.TrimSpace(l.getenv(name))
	if v != "" && (!slackIDRE.MatchString(v) || !strings.HasPrefix(v, prefix)) {
		l.fail(name, fmt.Sprintf("%q is not %s", v, what))
		return ""
	}
	return v
}

// webhookNameRE is a webhook's name in GOOGLECHAT_WEBHOOKS or
// TEAMS_WEBHOOKS, as a destination names it.
var webhookNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// webhooks reads a JSON object of webhook name → URL (a secret: errors
// name the webhook, never quote its URL). In Lambda each URL must start
// with prefix (the chat's own host, over HTTPS); elsewhere any http(s)
// URL is taken, for local fakes.
func (l *loader) webhooks(name string, inLambda bool, prefix string) map[string]Secret {
	v := strings.TrimSpace(l.getenv(name))
	if v == "" {
		return nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(v), &m); err != nil {
		l.fail(name, `is not a JSON object of name → webhook URL ({"oncall": "https://…"})`)
		return nil
	}
	out := make(map[string]Secret, len(m))
	for k, u := range m {
		u = strings.TrimSpace(u)
		parsed, err := url.Parse(u)
		switch {
		case !webhookNameRE.MatchString(k):
			// Not quoted: a name and its URL swapped would print the URL.
			l.fail(name, "has a name that is not letters, digits, - and _ (at most 64): the object maps names to webhook URLs")
		case err != nil || (parsed.Scheme != "https" && parsed.Scheme != "http") || parsed.Host == "":
			l.fail(name, fmt.Sprintf("%q is not a webhook URL", k))
		case inLambda && !strings.HasPrefix(u, prefix):
			l.fail(name, fmt.Sprintf("%q is not a webhook URL of %s", k, prefix))
		}
		out[k] = Secret(u)
	}
	return out
}

// language reads a language setting (locale.Parse); unset: English.
func (l *loader) language(name string) locale.Language {
	lang, err := locale.Parse(l.getenv(name))
	if err != nil {
		l.fail(name, err.Error())
	}
	return lang
}

// get is the trimmed value of name, or def when unset or blank.
func (l *loader) get(name, def string) string {
	if v := strings.TrimSpace(l.getenv(name)); v != "" {
		return v
	}
	return def
}

// kinds reads a comma list of PagerDuty incident event kinds
// ("triggered", "incident.escalated": the prefix is optional); "none"
// means no kind; unset: def.
func (l *loader) kinds(name string, def []incident.Kind) []incident.Kind {
	v := strings.TrimSpace(l.getenv(name))
	switch strings.ToLower(v) {
	case "":
		return def
	case "none":
		return []incident.Kind{}
	}
	if strings.Trim(v, ", ") == "" {
		l.fail(name, fmt.Sprintf("%q names no kind (write none for no mention at all)", v))
		return def
	}
	var out []incident.Kind
	for _, k := range strings.Split(v, ",") {
		k = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(k)), "incident.")
		if k == "" {
			continue
		}
		if !slices.Contains(incident.Kinds, incident.Kind(k)) {
			var known []string
			for _, kk := range incident.Kinds {
				known = append(known, string(kk))
			}
			l.fail(name, fmt.Sprintf("%q is not an incident event kind (known: %s, or none)", k, strings.Join(known, ", ")))
			continue
		}
		out = append(out, incident.Kind(k))
	}
	return out
}

// reactions reads a comma list of Slack emoji names ("eyes", ":eyes:"
// works too): lower-case letters, digits, "_", "-", "+" and "'".
func (l *loader) reactions(name, def string) []string {
	var out []string
	for _, r := range strings.Split(l.get(name, def), ",") {
		r = strings.Trim(strings.TrimSpace(r), ":")
		if r == "" {
			continue
		}
		if strings.Trim(r, "abcdefghijklmnopqrstuvwxyz0123456789_-+'") != "" {
			l.fail(name, fmt.Sprintf("%q is not a Slack emoji name (like eyes or white_check_mark)", r))
			continue
		}
		out = append(out, r)
	}
	return out
}

func (l *loader) list(name string) []string {
	var out []string
	for _, s := range strings.Split(l.getenv(name), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (l *loader) port(name string, def int) int {
	v := l.get(name, strconv.Itoa(def))
	p, err := strconv.Atoi(v)
	if err != nil || p < 1 || p > 65535 {
		l.fail(name, fmt.Sprintf("%q is not a TCP port (1-65535)", v))
		return def
	}
	return p
}

// count reads a whole number in [lo, hi].
func (l *loader) count(name string, def, lo, hi int) int {
	v := l.get(name, strconv.Itoa(def))
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		l.fail(name, fmt.Sprintf("%q is not a whole number from %d to %d", v, lo, hi))
		return def
	}
	return n
}

// duration reads a Go duration ("90s", "2m") or a number of seconds.
func (l *loader) duration(name string, def time.Duration) time.Duration {
	v := l.get(name, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if n, nerr := strconv.Atoi(v); nerr == nil {
		d, err = time.Duration(n)*time.Second, nil
	}
	if err != nil || d < time.Second || d > 24*time.Hour {
		l.fail(name, fmt.Sprintf("%q is not a duration between 1s and 24h (e.g. 60s, 5m)", v))
		return def
	}
	return d
}

func (l *loader) url(name, def string) string {
	v := l.get(name, def)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		// The value is not echoed: a URL may carry a token.
		l.fail(name, "is not an http(s) URL with a host")
		return def
	}
	return v
}

func (l *loader) oneOf(name, def string, allowed ...string) string {
	v := strings.ToLower(l.get(name, def))
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	l.fail(name, fmt.Sprintf("%q is not one of %s", v, strings.Join(allowed, ", ")))
	return def
}

func (l *loader) location(name string) *time.Location {
	v := l.get(name, DefaultTimezone)
	loc, err := time.LoadLocation(v)
	if err != nil {
		l.fail(name, fmt.Sprintf("%q is not a known time zone (e.g. Asia/Tokyo)", v))
		loc, _ = time.LoadLocation(DefaultTimezone)
	}
	return loc
}

func (l *loader) hours(name string) workday.Hours {
	h, err := workday.ParseHours(l.get(name, DefaultBusinessHours))
	if err != nil {
		l.fail(name, fmt.Sprintf("is invalid: %v (e.g. %q)", err, DefaultBusinessHours))
		h, _ = workday.ParseHours(DefaultBusinessHours)
	}
	return h
}

// rotation reads csv:DIR or sheets:SPREADSHEET_ID (or sheets: and the
// sheet's URL, from which the ID is taken). DIR must exist and hold the two
// tabs a roster cannot do without; so must the default's, except in Lambda,
// where an unset ROTATION_SOURCE means that the stack has no sheet.
func (l *loader) rotation(name string, inLambda bool) RotationSource {
	set := strings.TrimSpace(l.getenv(name)) != ""
	v := l.get(name, DefaultRotation)
	kind, value, ok := strings.Cut(v, ":")
	src := RotationSource{Kind: kind, Value: strings.TrimSpace(value)}
	switch {
	case !ok || src.Value == "":
		l.fail(name, fmt.Sprintf("%q must be csv:DIR or sheets:SPREADSHEET_ID", v))
	case kind == "csv" && !set && inLambda:
		// The default, in Lambda: no rotation, nobody is mentioned (infra
		// warns when spreadsheetId is not set); alerts still flow.
	case kind == "csv":
		for _, why := range csvDirProblems(src.Value) {
			if !set {
				why += " (ROTATION_SOURCE is not set and its default is relative to the working directory: run from the repository's root, or set it)"
			}
			l.fail(name, fmt.Sprintf("%q: %s", v, why))
		}
	case kind == "sheets":
		id, ok := spreadsheetID(src.Value)
		if !ok {
			l.fail(name, fmt.Sprintf("%q: not a spreadsheet ID (letters, digits, - and _) nor the sheet's URL (https://docs.google.com/spreadsheets/d/ID/edit)", v))
		}
		src.Value = id
	default:
		l.fail(name, fmt.Sprintf("%q: unknown source %q (csv or sheets)", v, kind))
	}
	return src
}

// csvDirProblems says what keeps dir from being a csv: rotation source:
// not there, not a directory, or without one of the required files.
func csvDirProblems(dir string) []string {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return []string{"no such directory"}
	case err != nil:
		return []string{fmt.Sprintf("cannot read it: %v", err)}
	case !info.IsDir():
		return []string{"is not a directory"}
	}
	var out []string
	for _, f := range []string{csvfile.RotationFile, csvfile.MembersFile} {
		if _, err := os.Stat(filepath.Join(dir, f)); errors.Is(err, fs.ErrNotExist) {
			out = append(out, "has no "+f)
		} else if err != nil {
			out = append(out, fmt.Sprintf("cannot read %s: %v", f, err))
		}
	}
	return out
}

// spreadsheetID is the ID in s: s itself when it is an ID, or the ID in the
// sheet's URL (https://docs.google.com/spreadsheets/d/ID/edit#gid=0, also
// with /u/N/ before /d/). ok is false when s is neither.
func spreadsheetID(s string) (id string, ok bool) {
	if validSpreadsheetID(s) {
		return s, true
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host != "docs.google.com" {
		return s, false
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if len(parts) < 3 || parts[0] != "spreadsheets" {
		return s, false
	}
	for i := 1; i+1 < len(parts); i++ {
		if parts[i] == "d" && validSpreadsheetID(parts[i+1]) {
			return parts[i+1], true
		}
	}
	return s, false
}

// validSpreadsheetID accepts what Google Sheets IDs are made of: letters,
// digits, - and _.
func validSpreadsheetID(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (l *loader) state(name string, inLambda bool) StateStore {
	v := l.get(name, "")
	switch {
	case v == "" && inLambda:
		l.fail(name, "is required in Lambda: dynamodb:TABLE (memory would forget between invocations)")
		return StateStore{Kind: "memory"}
	case v == "" || v == "memory":
		return StateStore{Kind: "memory"}
	}
	kind, table, _ := strings.Cut(v, ":")
	if kind != "dynamodb" || !validTable(table) {
		l.fail(name, fmt.Sprintf("%q must be memory or dynamodb:TABLE (3-255 letters, digits, _ - .)", v))
		return StateStore{Kind: "memory"}
	}
	return StateStore{Kind: kind, Table: table}
}

// queue reads memory or sqs:URL, the URL of a FIFO queue.
func (l *loader) queue(name string) DeliveryQueue {
	v := l.get(name, "")
	if v == "" || v == "memory" {
		return DeliveryQueue{Kind: "memory"}
	}
	kind, raw, _ := strings.Cut(v, ":")
	u, err := url.Parse(strings.TrimSpace(raw))
	switch {
	case kind != "sqs" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		l.fail(name, fmt.Sprintf("%q must be memory or sqs:QUEUE_URL (https://sqs.REGION.amazonaws.com/ACCOUNT/NAME.fifo)", v))
	case !strings.HasSuffix(u.Path, ".fifo"):
		l.fail(name, fmt.Sprintf("%q is not a FIFO queue (its name must end in .fifo): per-incident order needs one", v))
	default:
		return DeliveryQueue{Kind: "sqs", URL: u.String()}
	}
	return DeliveryQueue{Kind: "memory"}
}

func validTable(s string) bool {
	if len(s) < 3 || len(s) > 255 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

// parseDestination reads one destination of the ALERT_DESTINATIONS
// syntax: slack:CHANNEL_ID, typetalk:TOPIC_ID or console.
func parseDestination(item string) (Destination, error) {
	kind, target, _ := strings.Cut(item, ":")
	d := Destination{Kind: strings.ToLower(strings.TrimSpace(kind)), Target: strings.TrimSpace(target)}
	switch {
	case d.Kind == "console" && d.Target == "":
	case d.Kind == "slack" && validID(d.Target):
	case d.Kind == "typetalk" && validTopic(d.Target):
	case d.Kind == "chatwork" && validTopic(d.Target):
	case d.Kind == "googlechat" && webhookNameRE.MatchString(d.Target):
	case d.Kind == "teams" && webhookNameRE.MatchString(d.Target):
	case d.Kind == "slack":
		return d, fmt.Errorf("%q: a Slack destination is slack:CHANNEL_ID (e.g. slack:C0123ABCD)", item)
	case d.Kind == "typetalk":
		return d, fmt.Errorf("%q: a Typetalk destination is typetalk:TOPIC_ID (a number)", item)
	case d.Kind == "chatwork":
		return d, fmt.Errorf("%q: a Chatwork destination is chatwork:ROOM_ID (the number after rid in the room's URL)", item)
	case d.Kind == "googlechat":
		return d, fmt.Errorf("%q: a Google Chat destination is googlechat:NAME, a name of GOOGLECHAT_WEBHOOKS (letters, digits, - and _)", item)
	case d.Kind == "teams":
		return d, fmt.Errorf("%q: a Teams destination is teams:NAME, a name of TEAMS_WEBHOOKS (letters, digits, - and _)", item)
	default:
		return d, fmt.Errorf("%q: unknown destination (slack:CHANNEL_ID, typetalk:TOPIC_ID, chatwork:ROOM_ID, googlechat:NAME, teams:NAME or console)", item)
	}
	return d, nil
}

// routes reads ROUTES (package routing); with it, the alert destinations
// are every rule's, and ALERT_DESTINATIONS must not be set.
func (l *loader) routes(c *Config) {
	spec := strings.TrimSpace(l.getenv("ROUTES"))
	if spec == "" {
		return
	}
	if strings.TrimSpace(l.getenv("ALERT_DESTINATIONS")) != "" {
		l.fail("ROUTES", "and ALERT_DESTINATIONS are both set: with ROUTES, the destinations are in its rules (unset ALERT_DESTINATIONS)")
	}
	routes, errs := routing.Parse(spec, func(item string) (string, error) {
		d, err := parseDestination(item)
		return d.String(), err
	})
	for _, err := range errs {
		l.fail("ROUTES", err.Error())
	}
	c.Routes = routes
	c.AlertDestinations = nil
	seen := map[Destination]bool{}
	for _, r := range routes {
		for _, item := range r.Destinations {
			if d, err := parseDestination(item); err == nil && !seen[d] {
				seen[d] = true
				c.AlertDestinations = append(c.AlertDestinations, d)
			}
		}
	}
}

func (l *loader) destinations(name string) []Destination {
	var out []Destination
	seen := map[Destination]bool{}
	for _, item := range l.list(name) {
		d, err := parseDestination(item)
		if err != nil {
			l.fail(name, err.Error())
			continue
		}
		if seen[d] {
			l.fail(name, fmt.Sprintf("%q is listed twice", item))
			continue
		}
		seen[d] = true
		out = append(out, d)
	}
	if len(out) == 0 && len(l.list(name)) == 0 {
		out = []Destination{{Kind: DefaultDestinations}}
	}
	return out
}

// validID accepts Slack channel IDs: upper-case letters and digits.
func validID(s string) bool {
	if len(s) < 2 {
		return false
	}
	for _, r := range s {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') {
			return false
		}
	}
	return true
}

func validTopic(s string) bool {
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n > 0
}
