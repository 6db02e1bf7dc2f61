// Package major gives a major incident its own Slack channel, the way
// teams that run incidents with the Incident Commander model (PagerDuty's
// incident response guide) do it by hand: when an incident is triggered
// with, or raised to, a priority of MAJOR_PRIORITIES (default P1, P2),
// pd2chat creates #inc-<number>-<slug of the title>, invites the on-call
// pair, whoever answered in chat and the members whose role includes
// "major", sets the channel's topic and bookmarks to the incident (and
// the meeting's link, MAJOR_MEETING_URL), and posts the channel in the
// alert's thread and in MAJOR_ANNOUNCE_CHANNEL, where the rest of the
// company watches. From then on the incident's status updates and the
// operations jobs reported for it (/notify) are posted in the channel too.
//
// It runs in the deliver step, on the delivery queue's "major"
// destination, which gets every event of the incident in order (one
// group per incident). A redelivered event, or two at once, make one
// channel: the channel is recorded with the incident (the store's first
// writer wins) and a channel pd2chat's own bot created before a crash is
// found again by its name instead of made twice.
package major

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/fallback"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// Slack is what a major incident asks of Slack; slack.App is one.
type Slack interface {
	CreateChannel(ctx context.Context, name string) (string, error)
	OwnChannel(ctx context.Context, name string) (id string, ours bool, err error)
	Invite(ctx context.Context, channel string, users []string) error
	SetTopic(ctx context.Context, channel, topic string) error
	Bookmark(ctx context.Context, channel, title, link string) error
	// SayOnce posts m, or with lookUp first looks for a post carrying
	// m.Key in the channel and returns its ts (slack.App.SayOnce).
	SayOnce(ctx context.Context, channel string, m chat.Message, lookUp bool) (string, error)
	Pin(ctx context.Context, channel, ts string) error
	Edit(ctx context.Context, channel, ts, text string) error
	EditActions(ctx context.Context, channel, ts, text string, actions []chat.Action) error
	Archive(ctx context.Context, channel string) error
}

// Store is what it asks of the state store.
type Store interface {
	Incident(ctx context.Context, id string) (state.Incident, bool, error)
	SetThread(ctx context.Context, id, dest, ref string) (string, error)
}

// Thread keys of the incident record (state.Incident.Threads) that hold
// its major channel and whether the channel was set up.
const (
	ChannelKey  = "major"
	SetUpKey    = "major:setup"
	TimelineKey = "major:timeline" // the pinned timeline's message ts
	RolesKey    = "major:roles"    // the pinned roles message's ts
	// Steps of the setup, recorded once done.
	BookmarksKey = "major:bookmarks"
	WelcomeKey   = "major:welcome"
	LinkedKey    = "major:linked"
	AnnouncedKey = "major:announced"
	ClosedKey    = "major:closed" // when the closing message was posted (RFC 3339)
	// ArchivedKey: when the sweep archived the channel (RFC 3339), or why
	// nothing more goes there ("in Slack": archived or deleted by a
	// person; "not_in_channel": the bot removed from it).
	ArchivedKey = "major:archived"
)

// DefaultPriorities are MAJOR_PRIORITIES' default.
var DefaultPriorities = []string{"P1", "P2"}

// Config wires Handle.
type Config struct {
	Slack Slack
	Store Store
	// Priorities make an incident major (MAJOR_PRIORITIES).
	Priorities []string
	// AlertDestination is the Slack alert destination ("slack:C0123")
	// whose thread of the incident gets the channel's link.
	AlertDestination string
	// Announce is the channel told of every major incident
	// (MAJOR_ANNOUNCE_CHANNEL); "" for none.
	Announce string
	// MeetingURL is the conference bridge's link (MAJOR_MEETING_URL); ""
	// for none.
	MeetingURL string
	// PostmortemURL links the postmortem template in the closing message
	// (POSTMORTEM_TEMPLATE_URL); "" for none.
	PostmortemURL string
	// ArchiveAfter is how long after its closing message a channel is
	// archived by ArchiveSweep (MAJOR_ARCHIVE_AFTER, default 7 days); 0
	// keeps it.
	ArchiveAfter time.Duration
	// History is the incident history the timeline is read from (and
	// where the channel's opening is recorded); nil: no timeline.
	History  state.History
	Calendar *workday.Calendar
	Rotation rotation.Source
	Language locale.Language
	Log      *slog.Logger
	// Fallback pages when a step of the channel is refused for good (the
	// bot not in the announcement channel, say); nil: the "undeliverable"
	// log line alone.
	Fallback fallback.Notifier
	Now      func() time.Time
}

// Enabled reports whether major incidents get channels.
func (c Config) Enabled() bool { return c.Slack != nil && c.Store != nil }

// Handle takes one event of an incident: it makes the incident major when
// the event raises it to a major priority, and posts in its channel what
// belongs there. An error is the store's or Slack's, classified as they
// classify them (chat.IsTemporary, state.ErrUnavailable).
//
// What the channel can do without (the invitations, the topic, the
// bookmarks, the link in the alert's thread, the announcement, the pins,
// the timeline's edit) does not stop the rest when Slack refuses it for
// good: it pages at once, once (see page and refusable), and the event
// goes on. Each post is made once (see once): a retry or a redelivery
// does not post it again. The channel archived, deleted or left by the
// bot in Slack stops later events there (the bot's removal pages once).
func (c Config) Handle(ctx context.Context, ev incident.Event) error {
	err := c.handle(ctx, ev)
	switch {
	case gone(err):
		// Archived (or deleted) in Slack by a person: nothing more goes
		// there, and later events skip it.
		c.log().Warn("major: the incident's channel was archived or deleted in Slack; nothing more is posted there", "incident_id", ev.Incident.ID)
		_, err = c.Store.SetThread(ctx, ev.Incident.ID, ArchivedKey, "in Slack")
	case removed(err):
		// The bot was removed from the channel: said once, then later
		// events skip it (rather than each failing and paging).
		ch := ""
		if inc, _, rerr := c.Store.Incident(ctx, ev.Incident.ID); rerr == nil {
			ch = inc.Threads[ChannelKey]
		}
		c.page(ctx, ev, ch, "post in the incident's channel (nothing more is posted there)", err)
		_, err = c.Store.SetThread(ctx, ev.Incident.ID, ArchivedKey, "not_in_channel")
	}
	return err
}

// gone reports whether err is Slack's answer that the channel is archived
// or deleted. Only errors about the incident's channel reach Handle: a
// post elsewhere (the link, the announcement) handles its own.
func gone(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "is_archived") || strings.Contains(err.Error(), "channel_not_found"))
}

// removed reports whether err is Slack's answer that the bot is not in
// the channel any more.
func removed(err error) bool {
	return err != nil && strings.Contains(err.Error(), "not_in_channel")
}

func (c Config) handle(ctx context.Context, ev incident.Event) error {
	if ev.Incident.ID == "" {
		return nil
	}
	inc, found, err := c.Store.Incident(ctx, ev.Incident.ID)
	if err != nil {
		return err
	}
	inc.ID = ev.Incident.ID // for once, before the incident is recorded
	// A response in chat carries only the incident's ID: what is known of
	// it names it in the posts and the pages.
	ev.Incident.Number = cmpInt(ev.Incident.Number, inc.Number)
	ev.Incident.Title = cmpStr(ev.Incident.Title, inc.Title)
	ev.Incident.URL = cmpStr(ev.Incident.URL, inc.URL)
	if inc.Threads[ArchivedKey] != "" {
		return nil // its channel is archived: a late event goes nowhere
	}
	ch := inc.Threads[ChannelKey]
	// The incident's openings and resolutions as this handler sees them,
	// in the incident's order (the steps another queue group records may
	// lag behind, or keep only the latest): a reopening starts a new
	// opening, which its own closing message ends.
	closing := "" // for a resolution: the opening it ends
	switch {
	case !found && ev.Kind.FromChat():
		// A response in chat to an incident pd2chat does not know (or
		// no longer): nothing to record, nothing to post.
		return nil
	case ev.Kind == incident.Reopened:
		// Numbered in the order handled; a redelivery keeps its number.
		if _, err := c.Store.SetThread(ctx, ev.Incident.ID, openedPrefix+ev.ID, fmt.Sprintf("%06d", openings(inc)+1)); err != nil {
			return err
		}
	case ev.Kind.Closes():
		// The opening it ends is the one current when it was first
		// handled: a resolution redelivered after a reopening does not
		// end the new opening.
		if closing, err = c.Store.SetThread(ctx, ev.Incident.ID, resolutionPrefix+ev.ID, "o"+opening(inc)); err != nil {
			return err
		}
		closing = strings.TrimPrefix(closing, "o")
		if _, err := c.Store.SetThread(ctx, ev.Incident.ID, resolvedKey+closing, ev.OccurredAt.UTC().Format(time.RFC3339)); err != nil {
			return err
		}
	}
	// A resolved incident is not made major (a priority set for the
	// review, a Declare on an old thread); one never seen is not resolved.
	// Once a reopening was seen here, this handler's own record decides:
	// the stored steps may not have the reopening yet.
	op := opening(inc)
	resolved := ev.Kind != incident.Reopened &&
		(inc.Threads[resolvedKey+op] != "" || op == "" && found && inc.Closed() || ev.Incident.Status == "resolved")
	if ch == "" && c.raises(ev, inc) && !resolved && (found || ev.Kind != incident.MajorDeclared) {
		if ch, err = c.open(ctx, ev, inc); err != nil {
			return err
		}
		if inc, _, err = c.Store.Incident(ctx, ev.Incident.ID); err != nil {
			return err // the channel is recorded: the retry sets it up
		}
		inc.ID = ev.Incident.ID
	}
	if ch == "" {
		return nil
	}
	if inc.Threads[SetUpKey] == "" {
		if alertThread(inc, c.AlertDestination) == "" && c.now().Sub(ev.OccurredAt) < threadWait {
			// The alert's own message (another queue group) is not posted
			// yet: wait for its thread, to link the channel from it.
			return chat.Temporary(errors.New("major: the alert's thread is not posted yet"), 2*time.Second)
		}
		if err := c.setUp(ctx, ch, ev, inc); err != nil {
			return err
		}
	}
	if err := c.tell(ctx, ch, ev, inc); err != nil {
		return err
	}
	if ev.Kind == incident.Taken {
		// "I'm on it" in chat, as the alert channel takes it: not after
		// the resolution, and once a person an opening.
		op := opening(inc)
		if inc.Threads[resolvedKey+op] != "" {
			return nil
		}
		first, err := c.Store.SetThread(ctx, ev.Incident.ID, "major:taken"+op+":"+ev.Agent, ev.ID)
		if err != nil || first != ev.ID {
			return err
		}
		if rotation.ValidSlackUserID(ev.ChatUser) {
			if err := c.refusable(ctx, ev, inc, ch, "major:invite:"+ev.ChatUser, "invite "+ev.ChatUser, func() error {
				return c.Slack.Invite(ctx, ch, []string{ev.ChatUser})
			}); err != nil {
				return err
			}
		}
	}
	if ev.Kind == incident.RoleTaken {
		if err := c.takeRole(ctx, ch, ev); err != nil {
			return err
		}
	}
	if err := c.bridge(ctx, ch, ev, inc); err != nil {
		return err
	}
	if err := c.relay(ctx, ch, ev, inc, doneKey(ev)); err != nil {
		return err
	}
	evs, err := c.timeline(ctx, ch, ev, inc)
	if err != nil {
		return err
	}
	if ev.Kind == incident.RoleTaken {
		if err := c.showRoles(ctx, ch, ev, inc, evs); err != nil {
			return err
		}
	}
	if key := ClosedKey + closing; ev.Kind.Closes() && inc.Threads[key] == "" {
		if err := c.close(ctx, ch, ev, inc, evs, key); err != nil {
			return err
		}
	}
	return nil
}

// doneKey records ev's own post in the channel (its relay; a bridge's is
// doneKey:bridge).
func doneKey(ev incident.Event) string { return "major:event:" + ev.ID }

// Records of the incident's openings as Handle saw them: each reopening
// (the event ID after openedPrefix, its number in the order handled as
// the value), each resolution (the event ID after resolutionPrefix, the
// opening it ended as the value) and the resolution of an opening
// (resolvedKey and the opening's suffix).
const (
	openedPrefix     = "major:opened:"
	resolutionPrefix = "major:resolution:"
	resolvedKey      = "major:resolved"
)

// openings counts the reopenings recorded.
func openings(inc state.Incident) int {
	n := 0
	for k := range inc.Threads {
		if strings.HasPrefix(k, openedPrefix) {
			n++
		}
	}
	return n
}

// opening names the incident's current opening: "" for the first,
// ":<event ID>" for the one its latest reopening began.
func opening(inc state.Incident) string {
	latest, number := "", ""
	for k, v := range inc.Threads {
		if id, ok := strings.CutPrefix(k, openedPrefix); ok && v > number {
			latest, number = id, v
		}
	}
	if latest == "" {
		return ""
	}
	return ":" + latest
}

// closedKey is where the closing message of the incident's current
// opening is recorded, with when it was posted: a reopened incident
// closes again.
func closedKey(inc state.Incident) string { return ClosedKey + opening(inc) }

// optional takes the outcome of a step the channel can do without, in
// the incident's channel: a failure Slack or the store may get over, or
// the channel archived or deleted (see Handle), is returned; any other
// pages (see page) and the step counts as done, so that the rest of the
// channel goes on.
func (c Config) optional(ctx context.Context, ev incident.Event, channel, what string, err error) error {
	if err == nil || gone(err) || removed(err) || retryable(err) {
		return err
	}
	c.page(ctx, ev, channel, what, err)
	return nil
}

// retryable reports whether a later try may succeed: Slack's temporary
// failures, the store's outages.
func retryable(err error) bool {
	temporary, _ := chat.IsTemporary(err)
	return temporary || errors.Is(err, state.ErrUnavailable)
}

// page says at once that a step in channel was refused for good: an
// "undeliverable" error line, which raises the UndeliverableAlarm, and
// the fallback page with the reason and the fix.
func (c Config) page(ctx context.Context, ev incident.Event, channel, what string, err error) {
	reason := "major incident channel: " + what + ": " + err.Error()
	c.log().Error("undeliverable", "destination", "slack:"+channel, "incident_id", ev.Incident.ID, "incident", ev.Incident.Number, "reason", reason)
	if c.Fallback == nil {
		return
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if nerr := c.Fallback.Notify(pctx, fallback.Undeliverable{Destination: "slack:" + channel, Reason: reason, Key: ev.ID, Attempts: 1, Event: &ev, Location: c.location(), Step: what}); nerr != nil {
		c.log().Error("fallback notification failed (the undeliverable alarm still fires)", "incident_id", ev.Incident.ID, "error", nerr.Error())
	}
}

// location is TIMEZONE, for the times shown; UTC without a calendar.
func (c Config) location() *time.Location {
	if c.Calendar != nil {
		return c.Calendar.Location()
	}
	return time.UTC
}

// bridge bookmarks PagerDuty's conference bridge and says it in the
// channel, when ev sets one a chat can link.
func (c Config) bridge(ctx context.Context, ch string, ev incident.Event, inc state.Incident) error {
	if ev.Kind != incident.ConferenceBridgeUpdate || ev.Bridge == "" {
		return nil
	}
	if !message.Linkable(ev.Bridge) {
		c.log().Warn("major: the conference bridge is not a link Slack can show; left out", "incident_id", ev.Incident.ID)
		return nil
	}
	if err := c.refusable(ctx, ev, inc, ch, bookmarkKey, "bookmark the bridge", func() error {
		return c.Slack.Bookmark(ctx, ch, c.Language.T("major.bridge"), ev.Bridge)
	}); err != nil {
		return err
	}
	_, err := c.once(ctx, inc, doneKey(ev)+":bridge", ch, chat.Message{Text: "📞 " + c.Language.T("major.bridge") + ": " + ev.Bridge})
	return err
}

// once posts m in channel one time for the incident, and records the
// post's ts under key. The attempt is recorded first (key:try), so that a
// retry after a lost answer or a crash looks the post up in Slack by its
// key (in the message's metadata) before posting it again.
func (c Config) once(ctx context.Context, inc state.Incident, key, channel string, m chat.Message) (string, error) {
	if ts := inc.Threads[key]; ts != "" {
		return ts, nil
	}
	tried := inc.Threads[key+":try"] != ""
	if !tried {
		if err := c.mark(ctx, inc.ID, key+":try"); err != nil {
			return "", err
		}
	}
	m.Key = "major/" + inc.ID + "/" + key
	ts, err := c.Slack.SayOnce(ctx, channel, m, tried)
	if err != nil {
		return "", err
	}
	return c.Store.SetThread(ctx, inc.ID, key, ts)
}

// events are the incident's events in the history, ev among them (its
// own record may not be written yet), oldest first.
func (c Config) events(ctx context.Context, ev incident.Event, inc state.Incident) ([]incident.HistoryEvent, error) {
	if c.History == nil {
		return nil, nil
	}
	start := ev.OccurredAt
	for _, st := range inc.Steps {
		if st.Kind == incident.Triggered && st.At.Before(start) {
			start = st.At
		}
	}
	if start.IsZero() || c.now().Sub(start) > 30*24*time.Hour {
		start = c.now().Add(-30 * 24 * time.Hour)
	}
	all, err := c.History.Between(ctx, start.Add(-time.Minute), c.now().Add(time.Minute))
	if err != nil {
		return nil, err
	}
	var out []incident.HistoryEvent
	seen, declared := false, false
	for _, e := range all {
		if e.IncidentID == ev.Incident.ID {
			seen = seen || e.EventID == ev.ID
			if e.Kind == incident.MajorDeclared {
				// The button's press and the channel's opening are one
				// moment of the story: the first says it.
				if declared {
					continue
				}
				declared = true
			}
			out = append(out, e)
		}
	}
	if !seen && ev.ID != "" && !ev.OccurredAt.IsZero() && (ev.Kind != incident.MajorDeclared || !declared) {
		he := incident.HistoryEvent{EventID: ev.ID, IncidentID: ev.Incident.ID, Kind: ev.Kind, At: ev.OccurredAt, Agent: ev.Agent}
		if j := ev.Job; j != nil {
			he.Detail = j.Name + ": " + j.Status
		}
		out = append(out, he)
	}
	slices.SortStableFunc(out, func(a, b incident.HistoryEvent) int { return a.At.Compare(b.At) })
	return out, nil
}

// maxTimeline bounds the pinned timeline's lines (the latest are kept).
const maxTimeline = 40

// timeline keeps the channel's pinned timeline up to date: posted and
// pinned the first time (its message recorded with the incident), edited
// after.
func (c Config) timeline(ctx context.Context, ch string, ev incident.Event, inc state.Incident) ([]incident.HistoryEvent, error) {
	evs, err := c.events(ctx, ev, inc)
	if err != nil || c.History == nil {
		return evs, err
	}
	text := c.timelineText(evs, maxTimeline, false, maxText)
	ts := inc.Threads[TimelineKey]
	switch {
	case inc.Threads[timelineGone] != "":
		return evs, nil
	case ts != "":
		err := c.refusable(ctx, ev, inc, ch, TimelineKey+":edit", "update the timeline", func() error {
			err := c.Slack.Edit(ctx, ch, ts, text)
			if err != nil && (strings.Contains(err.Error(), "message_not_found") || strings.Contains(err.Error(), "cant_update_message")) {
				// Deleted by hand: someone chose not to have it; said once.
				c.log().Warn("major: the pinned timeline was deleted; it is not updated any more", "incident_id", ev.Incident.ID, "channel", ch)
				return c.mark(ctx, ev.Incident.ID, timelineGone)
			}
			return err
		})
		if err != nil {
			return evs, err
		}
	default:
		if ts, err = c.once(ctx, inc, TimelineKey, ch, chat.Message{Text: text}); err != nil {
			return evs, err
		}
	}
	return evs, c.pin(ctx, ch, ev, ts, TimelineKey+":pinned", inc)
}

// timelineGone records that the pinned timeline was deleted by hand.
const timelineGone = TimelineKey + ":gone"

// pin pins message ts once (recorded under key); a refusal (the pins:write
// scope missing) is not worth the event.
func (c Config) pin(ctx context.Context, ch string, ev incident.Event, ts, key string, inc state.Incident) error {
	if inc.Threads[key] != "" {
		return nil
	}
	if err := c.optional(ctx, ev, ch, "pin a message", c.Slack.Pin(ctx, ch, ts)); err != nil {
		return err
	}
	return c.mark(ctx, ev.Incident.ID, key)
}

// maxText is the longest message posted in the channel, in characters
// (Slack shows 4,000 at most before "Show more").
const maxText = 3900

// timelineText is the timeline's text: a title and a line an event, the
// last max, and fewer when longer than room characters (the oldest go);
// in a code block (Markdown to paste in a postmortem) when block.
func (c Config) timelineText(evs []incident.HistoryEvent, max int, block bool, room int) string {
	loc := time.UTC
	if c.Calendar != nil {
		loc = c.Calendar.Location()
	}
	d := message.Slack.In(c.Language)
	var b strings.Builder
	if !block {
		b.WriteString("*" + c.Language.T("timeline.title") + "*\n")
	} else {
		b.WriteString("```\n")
	}
	cut := len(evs) > max
	if cut {
		evs = evs[len(evs)-max:]
	}
	lines := make([]string, len(evs))
	size := b.Len() + 8
	for i, e := range evs {
		lines[i] = message.TimelineLine(d, e, loc)
		if block {
			lines[i] = strings.ReplaceAll(lines[i], "`", "'") // cannot close the block
		}
		size += utf8.RuneCountInString(lines[i]) + 1
	}
	for len(lines) > 1 && size > room {
		size -= utf8.RuneCountInString(lines[0]) + 1
		lines, cut = lines[1:], true
	}
	if cut {
		b.WriteString("…\n")
	}
	for _, line := range lines {
		b.WriteString(clip(line, room))
		b.WriteByte('\n')
	}
	if block {
		b.WriteString("```")
	}
	return strings.TrimRight(b.String(), "\n")
}

// close posts the closing message: the durations, the people and their
// roles, the timeline to paste in a postmortem, the template's link; and
// records under key that it did, and when.
func (c Config) close(ctx context.Context, ch string, ev incident.Event, inc state.Incident, evs []incident.HistoryEvent, key string) error {
	l := c.Language
	var trigger, respond time.Time
	var people []string
	roles := map[string]string{}
	for _, e := range evs {
		switch {
		case e.Kind == incident.Triggered && trigger.IsZero():
			trigger = e.At
		case e.Kind.Responded() && respond.IsZero() && !trigger.IsZero() && e.Kind != incident.Resolved:
			respond = e.At
		case e.Kind == incident.RoleTaken:
			roles[e.Detail] = e.Agent
		}
		if e.Agent != "" && !slices.Contains(people, e.Agent) && e.Kind != incident.JobReported {
			people = append(people, e.Agent)
		}
	}
	var b strings.Builder
	b.WriteString(l.T("major.closed"))
	if !trigger.IsZero() {
		end := ev.OccurredAt
		if end.IsZero() {
			end = c.now()
		}
		b.WriteString("\n" + l.T("major.resolve_after", "After", message.DurationIn(l, end.Sub(trigger))))
		if !respond.IsZero() {
			b.WriteString("\n" + l.T("major.respond_after", "After", message.DurationIn(l, respond.Sub(trigger))))
		}
	}
	if len(people) > 0 {
		b.WriteString("\n" + l.T("major.people", "Names", oneLine(strings.Join(people, l.T("list.separator")), 500)))
	}
	for _, r := range Roles {
		if name := roles[r]; name != "" {
			b.WriteString("\n" + l.T("role."+r) + ": " + oneLine(name, 100))
		}
	}
	tail := ""
	if c.PostmortemURL != "" {
		tail = "\n" + l.T("major.postmortem", "URL", c.PostmortemURL)
	}
	head := clip(b.String(), maxText/2)
	room := maxText - utf8.RuneCountInString(head) - utf8.RuneCountInString(tail) - 1
	text := head + "\n" + c.timelineText(evs, 200, true, room) + tail
	if _, err := c.once(ctx, inc, key+":message", ch, chat.Message{Text: text}); err != nil {
		return err
	}
	_, err := c.Store.SetThread(ctx, ev.Incident.ID, key, c.now().UTC().Format(time.RFC3339))
	return err
}

// Roles are the incident roles of the Incident Commander model, in the
// order the roles message lists them.
var Roles = []string{"commander", "sme", "communications", "scribe"}

// raises reports whether ev makes its incident major: a trigger, a
// reopening or a priority change to one of Priorities, or someone
// declaring it major in chat.
func (c Config) raises(ev incident.Event, inc state.Incident) bool {
	switch ev.Kind {
	case incident.MajorDeclared:
		return true // Declare major incident, pressed in chat
	case incident.Triggered, incident.PriorityUpdated, incident.Reopened:
	default:
		return false
	}
	p := strings.TrimSpace(ev.Incident.Priority)
	if p == "" && ev.Kind != incident.PriorityUpdated {
		p = inc.Priority
	}
	return p != "" && slices.ContainsFunc(c.Priorities, func(q string) bool { return strings.EqualFold(q, p) })
}

// open creates the incident's channel, or finds the one created before,
// and records it; the channel recorded first wins.
func (c Config) open(ctx context.Context, ev incident.Event, inc state.Incident) (string, error) {
	number, title := ev.Incident.Number, ev.Incident.Title
	base := ChannelName(number, title, ev.Incident.ID)
	var id string
	for i := 1; i <= 5 && id == ""; i++ {
		name := base
		if i > 1 {
			name = base + "-" + strconv.Itoa(i)
		}
		got, err := c.Slack.CreateChannel(ctx, name)
		switch {
		case err == nil:
			id = got
		case errors.Is(err, slack.ErrNameTaken):
			own, ours, ferr := c.Slack.OwnChannel(ctx, name)
			if ferr != nil {
				return "", ferr
			}
			if ours {
				id = own // made before a crash, or by a concurrent run
			}
		default:
			return "", err
		}
	}
	if id == "" {
		return "", fmt.Errorf("major: no free channel name for %s (%s and 4 more are taken)", ev.Incident.ID, base)
	}
	if c.History != nil {
		// Before the channel is recorded: the archive sweep finds the
		// channels by this event, and a retry after a failure here opens
		// (finds) the channel again and writes it again.
		opened := incident.HistoryEvent{EventID: "major/" + ev.Incident.ID, IncidentID: ev.Incident.ID, Number: number,
			Kind: incident.MajorDeclared, At: c.now(), Title: title, Agent: agentOf(ev)}
		if err := c.History.Append(ctx, opened); err != nil {
			return "", err
		}
	}
	stored, err := c.Store.SetThread(ctx, ev.Incident.ID, ChannelKey, id)
	if err != nil {
		return "", err
	}
	if stored != id {
		c.log().Warn("major: another run recorded the incident's channel first", "incident_id", ev.Incident.ID, "kept", stored, "spare", id)
	}
	return stored, nil
}

// setUp invites the people, sets the topic and bookmarks, welcomes, posts
// and pins the roles message, then records that the setup is done. Each
// post is made once (see once; invitations and the topic are idempotent,
// bookmarks looked up). The invitations, the topic, the bookmarks and the
// pin are refusable (see Config.refusable).
func (c Config) setUp(ctx context.Context, ch string, ev incident.Event, inc state.Incident) error {
	l := c.Language
	id := ev.Incident.ID
	number, title, url := ev.Incident.Number, ev.Incident.Title, ev.Incident.URL
	if err := c.refusable(ctx, ev, inc, ch, "major:invite", "invite the people", func() error {
		return c.Slack.Invite(ctx, ch, c.people(ctx, inc))
	}); err != nil {
		return err
	}
	if err := c.refusable(ctx, ev, inc, ch, topicKey, "set the topic", func() error {
		return c.Slack.SetTopic(ctx, ch, c.topic(number, title, url, ""))
	}); err != nil {
		return err
	}
	if inc.Threads[BookmarksKey] == "" {
		for _, b := range []struct{ title, link string }{{"PagerDuty #" + strconv.Itoa(number), url}, {l.T("major.bridge"), c.MeetingURL}} {
			if !message.Linkable(b.link) {
				continue
			}
			refused := false
			if err := c.refusable(ctx, ev, inc, ch, bookmarkKey, "bookmark "+b.title, func() error {
				err := c.Slack.Bookmark(ctx, ch, b.title, b.link)
				refused = err != nil && !gone(err) && !removed(err) && !retryable(err)
				return err
			}); err != nil {
				return err
			}
			if refused {
				break // one refusal, one page: the next would be refused alike
			}
		}
		if err := c.mark(ctx, id, BookmarksKey); err != nil {
			return err
		}
	}
	if _, err := c.once(ctx, inc, WelcomeKey, ch, chat.Message{Text: l.T("major.welcome", "Incident", firstLine(c.reference(ev, inc)))}); err != nil {
		return err
	}
	ts, err := c.once(ctx, inc, RolesKey, ch, chat.Message{Text: c.rolesText(nil), Actions: roleButtons(id, l)})
	if err != nil {
		return err
	}
	if err := c.pin(ctx, ch, ev, ts, RolesKey+":pinned", inc); err != nil {
		return err
	}
	return c.mark(ctx, id, SetUpKey)
}

// reference is the incident as its alert's first line shows it.
func (c Config) reference(ev incident.Event, inc state.Incident) string {
	return message.Render(message.Slack.In(c.Language), message.Input{Event: incident.Event{Kind: ev.Kind, Incident: incident.Incident{
		ID: ev.Incident.ID, Number: cmpInt(ev.Incident.Number, inc.Number), Title: cmpStr(ev.Incident.Title, inc.Title),
		URL: cmpStr(ev.Incident.URL, inc.URL), Priority: cmpStr(ev.Incident.Priority, inc.Priority)}}})
}

// tell posts the channel's link outside it, once each: in the alert's
// thread (as soon as there is one: it may come after the setup) and in
// the announcement channel. Both page when refused for good (see Config.page): the
// bot not invited to the announcement channel, say.
func (c Config) tell(ctx context.Context, ch string, ev incident.Event, inc state.Incident) error {
	alert := alertThread(inc, c.AlertDestination)
	var link string
	for _, p := range []struct{ key, channel, thread string }{
		{LinkedKey, strings.TrimPrefix(alert, "slack:"), inc.Threads[alert]},
		{AnnouncedKey, c.Announce, ""},
	} {
		if p.channel == "" || (p.key == LinkedKey && p.thread == "") || inc.Threads[p.key] != "" {
			continue
		}
		if link == "" {
			link = c.Language.T("major.announce", "Channel", "<#"+ch+">", "Incident", firstLine(c.reference(ev, inc)))
		}
		// Outside the incident's channel: that channel archived is a
		// refusal like another.
		if _, err := c.once(ctx, inc, p.key, p.channel, chat.Message{Text: link, ThreadTS: p.thread}); err != nil {
			if retryable(err) {
				return err
			}
			c.page(ctx, ev, p.channel, "post the channel's link", err)
			if err := c.mark(ctx, ev.Incident.ID, p.key); err != nil { // not tried again
				return err
			}
		}
	}
	return nil
}

// mark records that a step of the setup was done.
func (c Config) mark(ctx context.Context, id, key string) error {
	_, err := c.Store.SetThread(ctx, id, key, "done")
	return err
}

// topic is the channel's topic: the incident, its link, the commander
// when there is one, the bridge; within Slack's 250 characters, the
// incident's title cut first.
func (c Config) topic(number int, title, url, commander string) string {
	l := c.Language
	tail := ""
	if commander != "" {
		tail += " | " + l.T("role.commander") + ": " + oneLine(commander, 40)
	}
	if c.MeetingURL != "" && len(c.MeetingURL) < 120 {
		tail += " | " + l.T("major.bridge") + ": " + c.MeetingURL
	}
	for _, max := range []int{120, 60, 20} {
		if t := l.T("major.topic", "Number", number, "Title", oneLine(title, max), "URL", url) + tail; utf8.RuneCountInString(t) <= 250 {
			return t
		}
	}
	return clip(l.T("major.topic", "Number", number, "Title", "", "URL", url)+tail, 250)
}

// alertThread is the Slack destination where the incident's alert has its
// thread: preferred, else any ("slack:C…") — with ROUTES, its route's;
// "" while none is posted.
func alertThread(inc state.Incident, preferred string) string {
	if preferred != "" && inc.Threads[preferred] != "" {
		return preferred
	}
	for _, k := range slices.Sorted(maps.Keys(inc.Threads)) {
		if strings.HasPrefix(k, "slack:") {
			return k
		}
	}
	return ""
}

// agentOf is who made ev, for the timeline ("" for PagerDuty's own).
func agentOf(ev incident.Event) string {
	if ev.Kind == incident.MajorDeclared {
		return ev.Agent
	}
	return ""
}

// roleButtons are a Take button a role.
func roleButtons(incidentID string, l locale.Language) []chat.Action {
	out := make([]chat.Action, len(Roles))
	for i, r := range Roles {
		out[i] = chat.Action{ID: chat.ActionRolePrefix + r, Label: l.T("major.take", "Role", l.T("role."+r)), Value: incidentID}
	}
	return out
}

// rolesText is the roles message: each role with its one-line
// responsibility and who holds it.
func (c Config) rolesText(holders map[string]string) string {
	l := c.Language
	var b strings.Builder
	b.WriteString("*" + l.T("major.roles_title") + "*")
	for _, r := range Roles {
		who := l.T("major.role_open")
		if name := holders[r]; name != "" {
			who = oneLine(name, 100)
		}
		b.WriteString("\n• *" + l.T("role."+r) + "*: " + who + " — " + l.T("major.duty_"+r))
	}
	return b.String()
}

// takeRole records that ev.Agent took the role ev.Note in the history.
func (c Config) takeRole(ctx context.Context, ch string, ev incident.Event) error {
	if !slices.Contains(Roles, ev.Note) {
		return nil
	}
	if c.History == nil {
		return nil
	}
	return c.History.Append(ctx, incident.HistoryEvent{EventID: ev.ID, IncidentID: ev.Incident.ID, Kind: incident.RoleTaken,
		At: cmpTime(ev.OccurredAt, c.now()), Agent: ev.Agent, Detail: ev.Note})
}

// showRoles edits the roles message and the topic to who holds each role
// now (the latest taker).
func (c Config) showRoles(ctx context.Context, ch string, ev incident.Event, inc state.Incident, evs []incident.HistoryEvent) error {
	holders := map[string]string{}
	for _, e := range evs {
		if e.Kind == incident.RoleTaken {
			holders[e.Detail] = e.Agent
		}
	}
	if ts := inc.Threads[RolesKey]; ts != "" {
		if err := c.refusable(ctx, ev, inc, ch, RolesKey+":edit", "show the roles", func() error {
			return c.Slack.EditActions(ctx, ch, ts, c.rolesText(holders), roleButtons(ev.Incident.ID, c.Language))
		}); err != nil {
			return err
		}
	}
	return c.refusable(ctx, ev, inc, ch, topicKey, "set the topic", func() error {
		return c.Slack.SetTopic(ctx, ch, c.topic(inc.Number, inc.Title, inc.URL, holders["commander"]))
	})
}

// topicKey and bookmarkKey record the channel's topic and its bookmarks
// as steps (see refusable): a bookmark refused for good (the scope
// missing) pages once for them all.
const (
	topicKey    = "major:topic"
	bookmarkKey = "major:bookmark"
)

// refusable runs step, which the channel can do without and which later
// events do again (the topic, the roles message's edit), unless Slack
// refused it for good before: a refusal pages once (see page) and is
// recorded under key:refused, so that the next events skip the step.
func (c Config) refusable(ctx context.Context, ev incident.Event, inc state.Incident, ch, key, what string, step func() error) error {
	if inc.Threads[key+":refused"] != "" {
		return nil
	}
	err := step()
	if err == nil || gone(err) || removed(err) || retryable(err) {
		return err
	}
	c.page(ctx, ev, ch, what, err)
	return c.mark(ctx, ev.Incident.ID, key+":refused")
}

func cmpTime(a, b time.Time) time.Time {
	if !a.IsZero() {
		return a
	}
	return b
}

// relay posts in the channel what belongs there: status updates, notes,
// job reports, the resolution.
func (c Config) relay(ctx context.Context, ch string, ev incident.Event, inc state.Incident, key string) error {
	switch ev.Kind {
	case incident.StatusUpdatePublished, incident.Annotated, incident.NotedInChat, incident.JobReported,
		incident.Acknowledged, incident.Taken, incident.Escalated, incident.Resolved, incident.ResolvedInChat, incident.PriorityUpdated,
		incident.Reopened:
	default:
		return nil
	}
	_, err := c.once(ctx, inc, key, ch, chat.Message{Text: message.Render(message.Slack.In(c.Language), message.Input{Event: ev, Tag: message.Tag(ev.Incident.Number)})})
	return err
}

// people are the Slack users invited: the day's on-call people, the
// members whose role includes "major", and the members who answered in
// chat (steps Taken, by their sheet names).
func (c Config) people(ctx context.Context, inc state.Incident) []string {
	if c.Rotation == nil {
		return nil
	}
	roster, err := c.Rotation.Roster(ctx)
	if err != nil {
		c.log().Warn("major: the sheet cannot be read; nobody invited from it", "error", err.Error())
		return nil
	}
	var ids []string
	add := func(m rotation.Member) {
		if rotation.ValidSlackUserID(m.Slack) && !slices.Contains(ids, m.Slack) {
			ids = append(ids, m.Slack)
		}
	}
	loc := time.UTC
	if c.Calendar != nil {
		loc = c.Calendar.Location()
	}
	for _, m := range roster.OnCall(rotation.DateOf(c.now().In(loc))) {
		add(m)
	}
	for _, m := range roster.Members() {
		if m.HasRole(rotation.RoleMajor) {
			add(m)
		}
	}
	for _, st := range inc.Steps {
		if st.Kind == incident.Taken {
			if m, ok := roster.Member(st.Agent); ok {
				add(m)
			}
		}
	}
	return ids
}

// threadWait is how long after its event a new channel waits for the
// alert's thread to link from; later, it is set up without that link.
const threadWait = 2 * time.Minute

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func (c Config) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}

// ChannelName is the major channel's name: "inc-<number>-<slug>", the
// slug the title's ASCII letters and digits in lower case, joined by "-"
// (a Japanese title has none: "inc-1234"), within Slack's 80 characters
// less room for a suffix; without a number, the incident's id.
func ChannelName(number int, title, id string) string {
	name := "inc-" + strconv.Itoa(number)
	if number <= 0 {
		name = "inc-" + strings.ToLower(id)
	}
	words := strings.FieldsFunc(strings.ToLower(title), func(r rune) bool {
		return r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r))
	})
	slug := strings.Join(words, "-")
	if slug != "" {
		name += "-" + slug
	}
	if len(name) > 70 {
		name = strings.TrimRight(name[:70], "-")
	}
	return name
}

func cmpInt(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func cmpStr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func oneLine(s string, max int) string {
	return clip(strings.Join(strings.Fields(strings.NewReplacer("<", "‹", ">", "›", "&", "＆").Replace(s)), " "), max)
}

func clip(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// DefaultArchiveAfter is MAJOR_ARCHIVE_AFTER's default.
const DefaultArchiveAfter = 7 * 24 * time.Hour

// archiveLookBack is how far back ArchiveSweep looks for the channels
// opened (their MajorDeclared events in the history).
const archiveLookBack = 60 * 24 * time.Hour

// ArchiveSweep archives the channels of the major incidents closed at
// least ArchiveAfter before now (and opened within the last 60 days), and
// reports how many it archived. Run once a day (the 10:00 reminder run);
// idempotent: an archived channel is recorded and not archived again.
func ArchiveSweep(ctx context.Context, c Config, now time.Time) (int, error) {
	if c.ArchiveAfter <= 0 || c.History == nil {
		return 0, nil
	}
	evs, err := c.History.Between(ctx, now.Add(-archiveLookBack), now)
	if err != nil {
		return 0, err
	}
	archived := 0
	var errs []error
	seen := map[string]bool{}
	for _, e := range evs {
		if e.Kind != incident.MajorDeclared || seen[e.IncidentID] {
			continue
		}
		seen[e.IncidentID] = true
		inc, found, err := c.Store.Incident(ctx, e.IncidentID)
		if err != nil || !found {
			errs = append(errs, err)
			continue
		}
		// Counted from the closing message of the incident's latest
		// opening: a reopened incident is not archived while open.
		ch, closed := inc.Threads[ChannelKey], inc.Threads[closedKey(inc)]
		at, perr := time.Parse(time.RFC3339, closed)
		if ch == "" || closed == "" || perr != nil || inc.Threads[ArchivedKey] != "" || now.Before(at.Add(c.ArchiveAfter)) {
			continue
		}
		mark := now.UTC().Format(time.RFC3339)
		if err := c.Slack.Archive(ctx, ch); err != nil {
			switch {
			case strings.Contains(err.Error(), "channel_not_found"):
				// Deleted by hand: as good as archived.
			case strings.Contains(err.Error(), "not_in_channel"):
				// The bot was removed from it: it cannot archive it, now
				// or on any later day; said once, not every morning.
				c.log().Warn("major: the bot is not in the incident's channel any more; it is left unarchived", "incident_id", e.IncidentID, "channel", ch)
				mark = "not_in_channel"
			default:
				errs = append(errs, err)
				continue
			}
		}
		if _, err := c.Store.SetThread(ctx, e.IncidentID, ArchivedKey, mark); err != nil {
			errs = append(errs, err)
			continue
		}
		archived++
	}
	return archived, errors.Join(errs...)
}
