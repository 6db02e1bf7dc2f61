// Package presence shows who is on call today outside the alerts, on
// Slack: a user group (@oncall) whose members are today's on-call people,
// so that anyone can write @oncall in any channel, and the topic of some
// channels ("On call: @a @b (until 17:00)"), the way PagerDuty's own
// pd-oncall-chat-topic does for its schedules.
//
// Sync is run at the start of business hours (the 10:00 reminder), at
// their end (17:00) and by every follow-up sweep (each minute inside
// business hours), so a change of the sheet reaches Slack within a minute.
// It is idempotent: it reads the group's members and each topic first and
// changes only what differs, so a run with nothing new makes no change,
// and two runs at once agree. The group and the topic hold today's on-call
// people only, never backups.
package presence

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// Slack is what Sync asks of Slack; slack.App is one.
type Slack interface {
	UserGroupMembers(ctx context.Context, group string) ([]string, error)
	SetUserGroupMembers(ctx context.Context, group string, users []string) error
	Topic(ctx context.Context, channel string) (string, error)
	SetTopic(ctx context.Context, channel, topic string) error
}

// Config wires Sync.
type Config struct {
	Calendar *workday.Calendar
	Rotation rotation.Source
	Slack    Slack

	// UserGroup is the user group kept to today's on-call people
	// (SLACK_ONCALL_USERGROUP, an ID such as S0123ABC); "" for none.
	UserGroup string
	// OffHoursGroup, when set (SLACK_ONCALL_USERGROUP_OFF_HOURS), is the
	// group whose members UserGroup takes outside business hours (the SRE
	// team's, who PagerDuty pages then); "": UserGroup keeps the day's
	// people.
	OffHoursGroup string
	// TopicChannels are the channels whose topic names today's on-call
	// people (SLACK_TOPIC_CHANNELS).
	TopicChannels []string

	// Warn are the chats told, once a day, that UserGroup keeps its
	// previous members because nobody on call today has a Slack ID (the
	// on-call channel: REMINDER_DESTINATIONS); Outbox posts there.
	Warn   []fanout.Destination
	Outbox fanout.Outbox

	Language locale.Language
	Log      *slog.Logger
}

// Enabled reports whether there is anything to keep in sync.
func (c Config) Enabled() bool { return c.UserGroup != "" || len(c.TopicChannels) > 0 }

// Result says what a Sync did.
type Result struct {
	// InHours: now is inside business hours on a working day.
	InHours bool
	// Members are the group's members Sync wanted ([] when it left the
	// group alone).
	Members []string
	// GroupChanged: the group's members were set.
	GroupChanged bool
	// TopicsChanged counts the topics set.
	TopicsChanged int
	// Warned: the warning that the group keeps its members was posted.
	Warned bool
}

// MaxTopic is the longest topic Slack takes, in characters
// (https://api.slack.com/methods/conversations.setTopic).
const MaxTopic = 250

// Sync makes the group and the topics show the people on call at now (see
// the package documentation). A failure to read the sheet changes
// nothing. Every change is tried; the error joins those that failed,
// classified like the chat's (chat.IsTemporary).
func Sync(ctx context.Context, cfg Config, now time.Time) (Result, error) {
	var res Result
	if !cfg.Enabled() {
		return res, nil
	}
	log := cfg.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	roster, err := cfg.Rotation.Roster(ctx)
	if err != nil {
		return res, chat.Temporary(fmt.Errorf("presence: read the rotation: %w", err), 0)
	}
	cal := cfg.Calendar.With(roster)
	res.InHours = cal.IsWorkingTime(now)
	var errs []error
	if !res.InHours {
		if cfg.UserGroup != "" && cfg.OffHoursGroup != "" {
			members, err := cfg.Slack.UserGroupMembers(ctx, cfg.OffHoursGroup)
			switch {
			case err != nil:
				errs = append(errs, err)
			case len(members) == 0:
				log.Warn("presence: the off-hours group is empty; the on-call group keeps its members", "group", cfg.OffHoursGroup)
			default:
				res.Members = members
				res.GroupChanged, err = setGroup(ctx, cfg, members)
				errs = append(errs, err)
			}
		}
		return res, errors.Join(errs...)
	}

	day := rotation.DateOf(now.In(cal.Location()))
	people := roster.OnCall(day)
	var ids []string
	for _, m := range people {
		if rotation.ValidSlackUserID(m.Slack) && !slices.Contains(ids, m.Slack) {
			ids = append(ids, m.Slack)
		}
	}
	if cfg.UserGroup != "" {
		if len(ids) == 0 {
			// Slack keeps no empty group: the previous members stay, and
			// the on-call channel is told, once a day.
			res.Warned = warn(ctx, cfg, day, people)
		} else {
			res.Members = ids
			res.GroupChanged, err = setGroup(ctx, cfg, ids)
			errs = append(errs, err)
		}
	}
	ours := Topic(cfg.Language, people, cal.Hours().End())
	for _, ch := range cfg.TopicChannels {
		cur, err := cfg.Slack.Topic(ctx, ch)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		next := Compose(ours, cur)
		if next == cur {
			continue
		}
		if err := cfg.Slack.SetTopic(ctx, ch, next); err != nil {
			errs = append(errs, err)
			continue
		}
		res.TopicsChanged++
	}
	if res.GroupChanged || res.TopicsChanged > 0 {
		log.Info("presence: on call shown", "members", res.Members, "group_changed", res.GroupChanged, "topics_changed", res.TopicsChanged)
	}
	return res, errors.Join(errs...)
}

// setGroup makes the group's members users unless they already are (in
// any order), and reports whether it changed them.
func setGroup(ctx context.Context, cfg Config, users []string) (bool, error) {
	cur, err := cfg.Slack.UserGroupMembers(ctx, cfg.UserGroup)
	if err != nil {
		return false, err
	}
	if sameSet(cur, users) {
		return false, nil
	}
	if err := cfg.Slack.SetUserGroupMembers(ctx, cfg.UserGroup, users); err != nil {
		return false, err
	}
	return true, nil
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

// warn tells the Warn chats, once on day, that the group keeps its
// previous members, and reports whether it posted.
func warn(ctx context.Context, cfg Config, day rotation.Date, people []rotation.Member) bool {
	if len(cfg.Warn) == 0 || cfg.Outbox == nil {
		return false
	}
	id := "presence.group_kept_empty"
	if len(people) > 0 {
		id = "presence.group_kept_no_ids"
	}
	items := make([]fanout.Item, len(cfg.Warn))
	for i, d := range cfg.Warn {
		l := d.Dialect.Language()
		items[i] = fanout.Item{Destination: d, Message: chat.Message{Text: l.T(id,
			"Group", cfg.UserGroup, "Day", message.ShortDay(l, day))}}
	}
	r := cfg.Outbox.Post(ctx, "presence/"+cfg.UserGroup+"/"+day.String(), items)
	return r.Posted+r.Queued > 0
}

// Topic is the topic's own part for people on call until the end of
// business hours (an offset from midnight): "On call: <@U1> <@U2> (until
// 17:00)", a person without a Slack ID by name, or that the sheet has
// nobody. Names are escaped for Slack (&, <, >).
func Topic(l locale.Language, people []rotation.Member, until time.Duration) string {
	var names []string
	for _, m := range people {
		switch {
		case rotation.ValidSlackUserID(m.Slack):
			names = append(names, "<@"+m.Slack+">")
		case strings.TrimSpace(m.Name) != "":
			// A '|' would split the topic where people's part begins.
			names = append(names, escape(strings.ReplaceAll(oneLine(m.Name), "|", "｜")))
		}
	}
	hm := fmt.Sprintf("%02d:%02d", int(until/time.Hour), int(until%time.Hour/time.Minute))
	if len(names) == 0 {
		return l.T("presence.topic_nobody", "Until", hm)
	}
	return l.T("presence.topic", "People", strings.Join(names, " "), "Until", hm)
}

// separator parts pd2chat's part of a topic from what people wrote.
const separator = " | "

// Compose is the topic with ours in place of pd2chat's earlier part of
// cur, keeping what people wrote after its "|" — or, when cur is not
// pd2chat's (it does not start with "On call:" in any language), keeping
// all of cur after ours. It is cut to MaxTopic characters, people's part
// first.
func Compose(ours, cur string) string {
	cur = strings.TrimSpace(cur)
	rest := cur
	for _, l := range []locale.Language{locale.English, locale.Japanese} {
		if strings.HasPrefix(cur, l.T("presence.topic_prefix")) {
			rest = ""
			if _, after, ok := strings.Cut(cur, "|"); ok {
				rest = strings.TrimSpace(after)
			}
			break
		}
	}
	if rest == "" {
		return clip(ours, MaxTopic)
	}
	ours = clip(ours, MaxTopic)
	room := MaxTopic - utf8.RuneCountInString(ours) - utf8.RuneCountInString(separator)
	if room <= 0 {
		return ours
	}
	return ours + separator + clip(rest, room)
}

// clip cuts s to n characters, ending with "…" when it was longer.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
