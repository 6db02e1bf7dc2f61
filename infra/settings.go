package main

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/escalation"
	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/routing"
)

// Settings are the account-specific values of one deployment of pd2chat.
// They live in cdk.json under the context key "pd2chat" (an object); any of
// them can be overridden for one run with `-c pd2chat.KEY=VALUE`. Values use
// the same syntax as the functions' environment variables they become.
type Settings struct {
	StackName            string   // CloudFormation stack name; default "pd2chat"
	AlertDestinations    []string // ALERT_DESTINATIONS items, e.g. "slack:C0123ABCD"; with Routes, every rule's
	Routes               string   // ROUTES, as written; "": none
	ReminderDestinations []string // REMINDER_DESTINATIONS items
	SpreadsheetID        string   // ROTATION_SOURCE becomes sheets:SpreadsheetID when set
	RotationCacheTTL     string   // ROTATION_CACHE_TTL, passed through when set
	OncallManualURL      string   // ONCALL_MANUAL_URL
	Secret               string   // Secrets Manager secret: a name or a complete ARN
	AlarmEmail           string   // optional e-mail subscription of the alarm topic
	Timezone             string   // TIMEZONE and the schedules' time zone
	BusinessHours        string   // BUSINESS_HOURS; the reminders run at its start and end
	Holidays             string   // HOLIDAYS: "jp" or "none"
	BuildDir             string   // holds NAME/bootstrap of each of functionNames
	// HeartbeatDays alarms when no delivery at all reached the webhook for
	// this many days (PagerDuty sends nothing when all is quiet: point a
	// scheduled test event at it); 0, the default, turns it off.
	HeartbeatDays int
	// SignatureFailures is how many deliveries refused as not PagerDuty's
	// in 5 minutes pass without an alarm; default 3.
	SignatureFailures int

	// Env holds the settings passed to every function as they are
	// (passedSettings), by variable name: the Slack reactions, whether the
	// people on call have PagerDuty seats, and the PagerDuty write-back's
	// user and switches (its API key is in the secret).
	Env map[string]string

	// Derived from BusinessHours.
	Schedule ReminderSchedule
}

// ReminderSchedule is when the reminders run: on Days, at the start
// (morning) and at the end (evening) of business hours.
type ReminderSchedule struct {
	Days                       string // EventBridge cron day-of-week field, e.g. "MON-FRI"
	MorningHour, MorningMinute int
	EveningHour, EveningMinute int
}

// Defaults of the optional settings.
const (
	DefaultStackName     = "pd2chat"
	DefaultTimezone      = "Asia/Tokyo"
	DefaultBusinessHours = "Mon-Fri 10:00-17:00"
	DefaultHolidays      = "jp"
	DefaultBuildDir      = "../build"
	// DefaultSignatureFailures refused deliveries in 5 minutes pass
	// without an alarm (a probe of the URL now and then).
	DefaultSignatureFailures = 3
	contextKey               = "pd2chat"
)

// settingKeys are the keys of the "pd2chat" context object, in the order
// the README lists them. Any other key is an error: a typo must not
// silently leave a setting at its default.
var settingKeys = []string{
	"stackName", "alertDestinations", "reminderDestinations", "spreadsheetId",
	"rotationCacheTtl", "oncallManualUrl", "secret", "alarmEmail", "timezone",
	"businessHours", "holidays", "buildDir", "heartbeatDays", "signatureFailures",
	"slackAckReactions", "slackResolveReactions", "pagerdutySeats", "pagerdutyFromEmail",
	"pagerdutyAckOnTake", "pagerdutyResolveFromChat", "mentionOn", "routes", "language",
	"slackOncallUsergroup", "slackOncallUsergroupOffHours", "slackTopicChannels", "escalation",
	"majorChannels", "majorPriorities", "majorAnnounceChannel", "majorMeetingUrl", "majorArchiveAfter", "postmortemTemplateUrl",
}

// userGroupRE is a Slack user group ID.
var userGroupRE = regexp.MustCompile(`^S[A-Z0-9]{2,31}$`)

// validChannel reports whether ch is a Slack conversation ID (C… or G…).
func validChannel(ch string) bool {
	return regexp.MustCompile(`^[CG][A-Z0-9]{2,31}$`).MatchString(ch)
}

// passedSettings are the settings given to every function as is, by the
// environment variable each names (the functions check them again at
// start-up, naming the variable).
var passedSettings = map[string]string{
	"slackAckReactions":        "SLACK_ACK_REACTIONS",
	"slackResolveReactions":    "SLACK_RESOLVE_REACTIONS",
	"pagerdutySeats":           "PAGERDUTY_SEATS",
	"pagerdutyFromEmail":       "PAGERDUTY_FROM_EMAIL",
	"pagerdutyAckOnTake":       "PAGERDUTY_ACK_ON_TAKE",
	"pagerdutyResolveFromChat": "PAGERDUTY_RESOLVE_FROM_CHAT",
	"mentionOn":                "MENTION_ON",
	"language":                 "LANGUAGE",
	// Checked at start-up by the functions (config.Load), naming the
	// variable.
	"slackOncallUsergroup":         "SLACK_ONCALL_USERGROUP",
	"slackOncallUsergroupOffHours": "SLACK_ONCALL_USERGROUP_OFF_HOURS",
	"slackTopicChannels":           "SLACK_TOPIC_CHANNELS",
	"escalation":                   "ESCALATION",
	"majorChannels":                "MAJOR_CHANNELS",
	"majorPriorities":              "MAJOR_PRIORITIES",
	"majorAnnounceChannel":         "MAJOR_ANNOUNCE_CHANNEL",
	"majorMeetingUrl":              "MAJOR_MEETING_URL",
	"majorArchiveAfter":            "MAJOR_ARCHIVE_AFTER",
	"postmortemTemplateUrl":        "POSTMORTEM_TEMPLATE_URL",
}

// LoadSettings reads the settings through getContext (the app's
// TryGetContext; a map in tests) and validates them all, reporting every
// problem at once, each naming its key. Relative BuildDir paths are taken
// from the current directory (infra/ under make and cdk).
func LoadSettings(getContext func(key string) any) (Settings, error) {
	r := reader{values: map[string]string{}}
	switch obj := getContext(contextKey).(type) {
	case nil:
		r.fail(contextKey, "is missing: cdk.json must have a context object \"pd2chat\" (see the README, Deploy)")
	case map[string]any:
		for k, v := range obj {
			if !slices.Contains(settingKeys, k) {
				r.fail(contextKey+"."+k, "is not a setting (known: "+strings.Join(settingKeys, ", ")+")")
				continue
			}
			r.set(k, v)
		}
	default:
		r.fail(contextKey, fmt.Sprintf("must be an object of settings, not %T", obj))
	}
	for _, k := range settingKeys {
		if v := getContext(contextKey + "." + k); v != nil {
			r.set(k, v)
		}
	}

	s := Settings{
		StackName:        r.get("stackName", DefaultStackName),
		SpreadsheetID:    r.get("spreadsheetId", ""),
		RotationCacheTTL: r.get("rotationCacheTtl", ""),
		OncallManualURL:  r.get("oncallManualUrl", ""),
		Secret:           r.get("secret", ""),
		AlarmEmail:       r.get("alarmEmail", ""),
		Timezone:         r.get("timezone", DefaultTimezone),
		BusinessHours:    r.get("businessHours", DefaultBusinessHours),
		Holidays:         strings.ToLower(r.get("holidays", DefaultHolidays)),
		BuildDir:         r.get("buildDir", DefaultBuildDir),
	}
	if !stackNameRE.MatchString(s.StackName) {
		r.fail("stackName", fmt.Sprintf("%q is not a CloudFormation stack name (a letter, then letters, digits and -; at most 128)", s.StackName))
	}
	for key, name := range passedSettings {
		v := r.get(key, "")
		if v == "" {
			continue
		}
		switch key {
		case "pagerdutySeats", "pagerdutyAckOnTake", "pagerdutyResolveFromChat", "majorChannels":
			if v != "true" && v != "false" {
				r.fail(key, fmt.Sprintf("%q is not true or false", v))
			}
		case "mentionOn": // the functions check it at start-up, naming MENTION_ON
		case "slackOncallUsergroup", "slackOncallUsergroupOffHours":
			// Checked here too: a typo would stop every function at start-up.
			if !userGroupRE.MatchString(v) {
				r.fail(key, fmt.Sprintf("%q is not a Slack user group ID (S0123ABC)", v))
			}
		case "majorPriorities", "majorArchiveAfter": // the functions check them at start-up
		case "majorAnnounceChannel":
			if !validChannel(v) {
				r.fail(key, fmt.Sprintf("%q is not a Slack channel ID (C0123ABCD)", v))
			}
		case "majorMeetingUrl", "postmortemTemplateUrl":
			if !strings.HasPrefix(v, "https://") {
				r.fail(key, fmt.Sprintf("%q is not an https URL", v))
			}
		case "slackTopicChannels":
			for _, ch := range strings.Split(v, ",") {
				if ch = strings.TrimSpace(ch); !validChannel(ch) {
					r.fail(key, fmt.Sprintf("%q is not a Slack channel ID (C0123ABCD)", ch))
				}
			}
		case "escalation":
			if _, err := escalation.Parse(v); err != nil {
				r.fail(key, err.Error())
			}
		case "language":
			if _, err := locale.Parse(v); err != nil {
				r.fail(key, err.Error())
			}
		case "pagerdutyFromEmail":
			if !strings.Contains(v, "@") {
				r.fail(key, fmt.Sprintf("%q is not an email address (the PagerDuty user pd2chat writes as)", v))
			}
		default: // reactions
			for _, e := range strings.Split(v, ",") {
				if e = strings.Trim(strings.TrimSpace(e), ":"); !emojiRE.MatchString(e) {
					r.fail(key, fmt.Sprintf("%q is not a Slack emoji name (like eyes or white_check_mark)", e))
				}
			}
		}
		if s.Env == nil {
			s.Env = map[string]string{}
		}
		s.Env[name] = v
	}
	if s.Routes = r.get("routes", ""); s.Routes != "" {
		if r.values["alertDestinations"] != "" {
			r.fail("routes", "and alertDestinations are both set: with routes, the destinations are in its rules")
		}
		routes, errs := routing.Parse(s.Routes, func(d string) (string, error) {
			if !validDestination(d) {
				return d, fmt.Errorf("%q is not a destination (slack:CHANNEL_ID, typetalk:TOPIC_ID, chatwork:ROOM_ID, googlechat:NAME, teams:NAME or console)", d)
			}
			return d, nil
		})
		for _, err := range errs {
			r.fail("routes", err.Error())
		}
		for _, rt := range routes {
			for _, d := range rt.Destinations {
				if !slices.Contains(s.AlertDestinations, d) {
					s.AlertDestinations = append(s.AlertDestinations, d)
				}
			}
		}
	} else {
		s.AlertDestinations = r.destinations("alertDestinations")
	}
	s.ReminderDestinations = r.destinations("reminderDestinations")
	if s.SpreadsheetID != "" && !spreadsheetRE.MatchString(s.SpreadsheetID) {
		r.fail("spreadsheetId", fmt.Sprintf("%q is not a spreadsheet id (the part of the sheet's URL after /d/)", s.SpreadsheetID))
	}
	if s.RotationCacheTTL != "" && !validTTL(s.RotationCacheTTL) {
		r.fail("rotationCacheTtl", fmt.Sprintf("%q is not a duration between 1s and 24h (e.g. 60s, 5m)", s.RotationCacheTTL))
	}
	if s.OncallManualURL != "" {
		if u, err := url.Parse(s.OncallManualURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			r.fail("oncallManualUrl", "is not an http(s) URL with a host")
		}
	}
	switch {
	case s.Secret == "":
		r.fail("secret", "is required: the name or ARN of the Secrets Manager secret holding the tokens (e.g. pd2chat)")
	case strings.HasPrefix(s.Secret, "arn:"):
		if !secretARNRE.MatchString(s.Secret) {
			r.fail("secret", fmt.Sprintf("%q is not a complete secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-xxxxxx, as the console shows it); or give the secret's name", s.Secret))
		}
	case !secretNameRE.MatchString(s.Secret):
		r.fail("secret", fmt.Sprintf("%q is not a secret name (letters, digits and /_+=.@-, at most 512)", s.Secret))
	}
	if v := r.get("heartbeatDays", "0"); v != "0" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 30 {
			r.fail("heartbeatDays", fmt.Sprintf("%q is not a number of days from 1 to 30 (0 or absent: off)", v))
		}
		s.HeartbeatDays = n
	}
	s.SignatureFailures = DefaultSignatureFailures
	if v := r.get("signatureFailures", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 1000 {
			r.fail("signatureFailures", fmt.Sprintf("%q is not a number from 0 to 1000 (refusals in 5 minutes that pass without an alarm)", v))
		}
		s.SignatureFailures = n
	}
	if s.AlarmEmail != "" {
		if a, err := mail.ParseAddress(s.AlarmEmail); err != nil || a.Address != s.AlarmEmail {
			r.fail("alarmEmail", fmt.Sprintf("%q is not an e-mail address (name@example.com)", s.AlarmEmail))
		}
	}
	if _, err := time.LoadLocation(s.Timezone); err != nil || s.Timezone == "Local" {
		r.fail("timezone", fmt.Sprintf("%q is not a known time zone (e.g. Asia/Tokyo)", s.Timezone))
	}
	sched, err := parseSchedule(s.BusinessHours)
	if err != nil {
		r.fail("businessHours", fmt.Sprintf("%q: %v", s.BusinessHours, err))
	}
	s.Schedule = sched
	if s.Holidays != "jp" && s.Holidays != "none" {
		r.fail("holidays", fmt.Sprintf("%q is not one of jp, none", s.Holidays))
	}
	for _, fn := range functionNames {
		p := filepath.Join(s.BuildDir, fn, "bootstrap")
		if fi, err := os.Stat(p); err != nil || !fi.Mode().IsRegular() {
			r.fail("buildDir", fmt.Sprintf("%s is missing: run `make build` first (or set buildDir)", p))
		}
	}

	if len(r.problems) > 0 {
		return s, fmt.Errorf("settings: %d problem(s) in cdk.json context %q:\n%w", len(r.problems), contextKey, errors.Join(r.problems...))
	}
	return s, nil
}

// functionNames are the Lambda functions, each built to BuildDir/NAME/bootstrap.
var functionNames = []string{"webhook", "remind", "deliver"}

var (
	stackNameRE   = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]{0,127}$`)
	spreadsheetRE = regexp.MustCompile(`^[A-Za-z0-9_-]{10,}$`)
	secretNameRE  = regexp.MustCompile(`^[A-Za-z0-9/_+=.@-]{1,512}$`)
	secretARNRE   = regexp.MustCompile(`^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$`)
	slackIDRE     = regexp.MustCompile(`^[A-Z0-9]{2,}$`)
)

// emojiRE is a Slack emoji name without its colons.
var emojiRE = regexp.MustCompile(`^[a-z0-9_+'-]+$`)

type reader struct {
	values   map[string]string
	problems []error
}

func (r *reader) fail(key, why string) {
	if key != contextKey && !strings.HasPrefix(key, contextKey+".") {
		key = contextKey + "." + key
	}
	r.problems = append(r.problems, fmt.Errorf("%s %s", key, why))
}

// set records a value: a string, or a number written without quotes
// (a rotationCacheTtl of 300).
func (r *reader) set(key string, v any) {
	switch v := v.(type) {
	case string:
		r.values[key] = strings.TrimSpace(v)
	case float64:
		r.values[key] = strconv.FormatFloat(v, 'f', -1, 64)
	default:
		r.fail(key, fmt.Sprintf("must be a string, not %T", v))
	}
}

func (r *reader) get(key, def string) string {
	if v := r.values[key]; v != "" {
		return v
	}
	return def
}

// destinations validates a comma list with the syntax of ALERT_DESTINATIONS.
func (r *reader) destinations(key string) []string {
	var out []string
	for item := range strings.SplitSeq(r.values[key], ",") {
		if item = strings.TrimSpace(item); item == "" {
			continue
		}
		if !validDestination(item) {
			r.fail(key, fmt.Sprintf("%q is not a destination (slack:CHANNEL_ID, typetalk:TOPIC_ID, chatwork:ROOM_ID, googlechat:NAME, teams:NAME or console)", item))
			continue
		}
		if slices.Contains(out, item) {
			r.fail(key, fmt.Sprintf("%q is listed twice", item))
			continue
		}
		out = append(out, item)
	}
	if len(out) == 0 && r.values[key] == "" {
		r.fail(key, "is required: a comma list of slack:CHANNEL_ID, typetalk:TOPIC_ID, chatwork:ROOM_ID, googlechat:NAME, teams:NAME or console")
	}
	return out
}

// validDestination reports whether item has the ALERT_DESTINATIONS syntax.
func validDestination(item string) bool {
	kind, target, _ := strings.Cut(item, ":")
	switch {
	case kind == "console" && target == "":
	case kind == "slack" && slackIDRE.MatchString(target):
	case kind == "typetalk" && validTopic(target):
	case kind == "chatwork" && validTopic(target):
	case (kind == "googlechat" || kind == "teams") && webhookNameRE.MatchString(target):
	default:
		return false
	}
	return true
}

// webhookNameRE is the name of a webhook in GOOGLECHAT_WEBHOOKS or
// TEAMS_WEBHOOKS (in the secret), as a destination names it.
var webhookNameRE = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

func validTopic(s string) bool {
	n, err := strconv.ParseUint(s, 10, 64)
	return err == nil && n > 0
}

// validTTL mirrors ROTATION_CACHE_TTL: a Go duration or a number of seconds,
// between 1s and 24h.
func validTTL(v string) bool {
	d, err := time.ParseDuration(v)
	if n, nerr := strconv.Atoi(v); nerr == nil {
		d, err = time.Duration(n)*time.Second, nil
	}
	return err == nil && d >= time.Second && d <= 24*time.Hour
}

// ConsoleOnly reports whether dests send nowhere but the function's log.
func ConsoleOnly(dests []string) bool {
	return !slices.ContainsFunc(dests, func(d string) bool { return d != "console" })
}
