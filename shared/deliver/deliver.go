package deliver

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/pd2chat/pd2chat/shared/alertdetails"
	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/fallback"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/internal/fingerprint"
	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/routing"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// Defaults of Config's durations.
const (
	DefaultRetryFor       = time.Hour
	DefaultAttemptTimeout = 10 * time.Second
	DefaultLookupTimeout  = 2 * time.Second
	DefaultLease          = 30 * time.Second
	DefaultBaseDelay      = 2 * time.Second
	DefaultMaxDelay       = 15 * time.Minute
	// lookBack is subtracted from a job's first instant when looking for
	// an earlier post of it: the chat's clock and ours may differ.
	lookBack = time.Minute
)

// AlertSource reads what an incident's first alert says
// (alertdetails.Source is one).
type AlertSource interface {
	FirstAlert(ctx context.Context, incidentID string) (alertdetails.Alert, error)
}

// DefaultAlertTimeout bounds reading an alert's details: a trigger waits
// at most this long for them, then goes without.
const DefaultAlertTimeout = 1500 * time.Millisecond

// A trigger whose alert's details PagerDuty rate-limited (429) is tried
// once more after alertRetryDelay, unless that would post it later than
// alertRetryWithin after the webhook took it: then it goes without them.
const (
	alertRetryDelay  = 10 * time.Second
	alertRetryWithin = 30 * time.Second
)

// Store is what delivering asks of the state store (every state.Store is
// one: memory.Store, dynamodb.Store): the claim on each post, the incident
// and its thread, the alert's sightings, the history and the follow-up
// list.
type Store interface {
	Claim(ctx context.Context, key, dest string, lease time.Duration) (state.ClaimResult, error)
	Done(ctx context.Context, key, dest string, posted bool, ref string) error
	Release(ctx context.Context, key, dest string) error
	Abandon(ctx context.Context, key, dest string) error
	Incident(ctx context.Context, id string) (state.Incident, bool, error)
	RecordOver(ctx context.Context, base state.Incident, ev incident.Event) (state.Incident, error)
	SetThread(ctx context.Context, id, dest, ref string) (string, error)
	IndexNumber(ctx context.Context, n int, id string) error
	IncidentID(ctx context.Context, n int) (string, bool, error)
	RecordSighting(ctx context.Context, fingerprint, eventID string, at time.Time) (state.Sighting, error)
	Append(ctx context.Context, e incident.HistoryEvent) error
	Await(ctx context.Context, p state.Pending) error
	Settle(ctx context.Context, incidentID string) error
}

var _ Store = state.Store(nil)

// Config wires a Handler.
type Config struct {
	Destinations []fanout.Destination
	Calendar     *workday.Calendar
	Rotation     rotation.Source
	// State remembers what was posted, incidents and their threads. A
	// failure of it leaves the message on the queue: never posted blindly.
	State Store
	Log   *slog.Logger
	// RetryFor is how long a destination may fail temporarily (counted
	// from the start of its continuous failure, and from a message's first
	// send) before its messages go to the dead-letter queue. Zero:
	// DefaultRetryFor.
	RetryFor time.Duration
	// AttemptTimeout bounds one post (and one look-up). Zero: DefaultAttemptTimeout.
	AttemptTimeout time.Duration
	// LookupTimeout bounds the on-call lookup. Zero: DefaultLookupTimeout.
	LookupTimeout time.Duration
	// Lease is how long a claim on a post holds if its holder dies: longer
	// than a post takes. Zero: DefaultLease.
	Lease time.Duration
	// BaseDelay and MaxDelay bound the exponential backoff between tries
	// of one message (doubling from BaseDelay, jittered; a chat's
	// Retry-After wins when longer). Zero: the defaults.
	BaseDelay, MaxDelay time.Duration
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
	// Fallback pages a human for each dead-lettered message, with the
	// alert's content and the fix. Nil: the log line only.
	Fallback fallback.Notifier
	// Routes are the ROUTES rules: an event sent to RouteDestination is
	// routed (its incident's rule, or the first match) and sent on, with
	// the rule's options, to its destinations through Requeue. Rotations
	// are the rotation sources of the rules' tabs (rotation=TAB).
	Routes  []routing.Route
	Requeue queue.Sender
	// AlertDestinations and OnCallDestinations name the destinations of
	// ALERT_DESTINATIONS and REMINDER_DESTINATIONS: where a job report
	// (NotifyDestination) goes, for an incident and for none.
	AlertDestinations, OnCallDestinations []string
	// Major, when set (MAJOR_CHANNELS), takes every event sent to
	// MajorDestination: a major incident's own channel (package major).
	Major interface {
		Handle(ctx context.Context, ev incident.Event) error
	}
	Rotations map[string]rotation.Source
	// Alerts reads an incident's first alert (its details and links) for
	// its trigger (PAGERDUTY_API_TOKEN). Nil: only what the webhook
	// carried. AlertTimeout bounds the read; zero: DefaultAlertTimeout.
	Alerts       AlertSource
	AlertTimeout time.Duration
	// MentionOn are the kinds whose message mentions the people on call
	// inside business hours (MENTION_ON). Nil: incident.DefaultMentionOn.
	MentionOn []incident.Kind
	// WriteBack writes the responses made in chat to PagerDuty (jobs for
	// WriteBackDestination). Nil: such jobs are dead-lettered.
	WriteBack WriteBack
	// Interactive says the Slack app listens (SLACK_SIGNING_SECRET): an
	// incident's thread parent on Slack carries the response buttons
	// (ResponseActions), and responses made in chat are replied to.
	Interactive bool
}

// Handler delivers queue messages. It is safe for concurrent use.
type Handler struct {
	cfg   Config
	dests map[string]fanout.Destination

	mu      sync.Mutex
	failing map[string]failure // destination → its continuous temporary failure
}

type failure struct {
	since  time.Time // first temporary failure of the run
	lastAt time.Time // latest one
	last   string    // its error
}

// New returns a Handler for c.
func New(c Config) *Handler {
	if c.RetryFor <= 0 {
		c.RetryFor = DefaultRetryFor
	}
	if c.AttemptTimeout <= 0 {
		c.AttemptTimeout = DefaultAttemptTimeout
	}
	if c.LookupTimeout <= 0 {
		c.LookupTimeout = DefaultLookupTimeout
	}
	if c.Lease <= 0 {
		c.Lease = DefaultLease
	}
	if c.BaseDelay <= 0 {
		c.BaseDelay = DefaultBaseDelay
	}
	if c.MaxDelay <= 0 {
		c.MaxDelay = DefaultMaxDelay
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.State == nil {
		c.State = memory.New()
	}
	if c.AlertTimeout <= 0 {
		c.AlertTimeout = DefaultAlertTimeout
	}
	if c.MentionOn == nil {
		c.MentionOn = incident.DefaultMentionOn
	}
	h := &Handler{cfg: c, dests: map[string]fanout.Destination{}, failing: map[string]failure{}}
	for _, d := range c.Destinations {
		h.dests[d.Name] = d
	}
	return h
}

// Verdict is what becomes of a message.
type Verdict int

const (
	// Done: delete it (posted, or posted before).
	Done Verdict = iota
	// Retry: leave it on the queue; it comes back after Outcome.Delay.
	Retry
	// DeadLetter: move it to the dead-letter queue with Outcome.Reason.
	DeadLetter
)

func (v Verdict) String() string {
	return [...]string{"done", "retry", "dead-letter"}[v]
}

// Outcome of one message.
type Outcome struct {
	Verdict Verdict
	Delay   time.Duration // Retry: when to try again
	Reason  string        // why (no secrets: posters redact them); Done: "posted before" when nothing was posted
	// Unmentioned says why a posted alert that was due to mention the
	// on-call people mentions nobody ("the rotation sheet has nobody on
	// call for Fri 2026-11-20 (no row covers it)."); "" otherwise.
	Unmentioned string
}

// deliver handles one message: decide → take stock → look → post → record.
func (h *Handler) deliver(ctx context.Context, r queue.Received, job Job) (out Outcome) {
	// A destination failing for RetryFor already: the messages that were
	// waiting at its last failed try go without another try; a newer one
	// is tried, and ends the failure when it succeeds.
	if f, ok := h.failure(job.Destination); ok && f.lastAt.Sub(f.since) >= h.cfg.RetryFor && !r.SentAt.After(f.lastAt) {
		return Outcome{Verdict: DeadLetter, Reason: fmt.Sprintf("%s has failed since %s (DELIVERY_RETRY_FOR %s): %s",
			job.Destination, f.since.UTC().Format(time.RFC3339), h.cfg.RetryFor, f.last)}
	}
	switch job.Destination {
	case WriteBackDestination:
		return h.writeBack(ctx, r, job)
	case RouteDestination:
		return h.route(ctx, r, job)
	case NotifyDestination:
		return h.notify(ctx, r, job)
	case MajorDestination:
		return h.major(ctx, r, job)
	}
	d, ok := h.dests[job.Destination]
	if !ok {
		return Outcome{Verdict: DeadLetter, Reason: "destination " + job.Destination + " is not configured (ALERT_DESTINATIONS, REMINDER_DESTINATIONS)"}
	}

	p, err := h.prepare(ctx, job, d)
	switch {
	case errors.Is(err, errInFlight):
		// Its holder may have died: try again when its lease has lapsed.
		return Outcome{Verdict: Retry, Delay: h.cfg.Lease/2 + rand.N(h.cfg.Lease/2+1), Reason: err.Error()}
	case err != nil && !storeDown(err):
		// The store refused this message (a bad event, a missing table, no
		// permission): retrying cannot help; a person must look.
		return Outcome{Verdict: DeadLetter, Reason: "state store refused it: " + err.Error()}
	case err != nil:
		return h.retry(r, "state store: "+err.Error())
	}
	// PagerDuty rate-limited the alert's details: tried once more later,
	// when that keeps the alert within alertRetryWithin of its arrival;
	// else, or the second time, it goes without them.
	if p.alertLimited && p.post && r.ReceiveCount <= 1 && h.cfg.Now().Sub(job.ReceivedAt)+alertRetryDelay <= alertRetryWithin {
		h.release(ctx, job.Key, d.Name)
		return Outcome{Verdict: Retry, Delay: alertRetryDelay, Reason: "PagerDuty rate-limited the alert's details: one more try"}
	}
	if p.orphan || p.skip != "" {
		if p.post { // the claim is ours: give it back, nothing was posted
			h.release(ctx, job.Key, d.Name)
		}
		if p.orphan {
			return h.orphan(ctx, d, job, p.answer)
		}
		return Outcome{Verdict: Done, Reason: p.skip}
	}
	m := chat.Message{Text: p.text, ThreadTS: p.parent, Key: job.Key + "/" + d.Name}
	if job.Event != nil {
		m.Incident = job.Event.Incident.ID // a chat that groups by incident (Google Chat's thread key)
	}
	for _, f := range p.facts {
		m.Facts = append(m.Facts, chat.Fact{Title: f.Title, Value: f.Value})
	}
	for _, l := range p.links {
		m.Links = append(m.Links, chat.Link{Title: l.Title, URL: l.URL})
	}
	if p.inc != nil {
		m.Incident = p.inc.ID
		if p.parent == "" {
			m.Actions = h.actions(d, *p.inc)
		}
	}
	if !p.post {
		return h.recordAgain(ctx, d, m, p, r, job)
	}

	// The parent's edit is cosmetic and runs beside the reply.
	var (
		edit    sync.WaitGroup
		editErr error
	)
	if t, ok := d.Poster.(chat.Threader); ok && p.parent != "" && p.inc != nil {
		goSafe(&edit, &editErr, func() error { h.editParent(ctx, t, d, p.parent, *p.inc); return nil })
	}
	defer func() {
		if edit.Wait(); editErr != nil {
			h.cfg.Log.Error("editing the thread parent failed", "destination", d.Name, "error", editErr.Error())
		}
	}()

	ref, err := h.post(ctx, d, m, r.ReceiveCount > 1 || p.lookFirst, r, job)
	if err != nil {
		// The post may have reached the chat (a timeout, an answer lost):
		// the claim stays, lapsed, so that whoever posts this next — a
		// retry, a redrive — looks for it first.
		h.abandon(ctx, job.Key, d.Name)
		temporary, after := chat.IsTemporary(err)
		if !temporary {
			return Outcome{Verdict: DeadLetter, Reason: err.Error()}
		}
		f := h.fail(d.Name, err)
		if failing := f.lastAt.Sub(f.since); failing >= h.cfg.RetryFor {
			return Outcome{Verdict: DeadLetter, Reason: fmt.Sprintf("%s has failed since %s (DELIVERY_RETRY_FOR %s): %s",
				d.Name, f.since.UTC().Format(time.RFC3339), h.cfg.RetryFor, err)}
		}
		return h.retryChat(f, after, err.Error())
	}
	h.recover(d.Name)
	out = h.record(ctx, job, d, p, ref, r)
	out.Unmentioned = p.unmentioned
	return out
}

// storeDown reports whether err is the store being unavailable (or slow,
// or a recovered panic): worth another try later.
func storeDown(err error) bool {
	return errors.Is(err, state.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, context.Canceled) || errors.Is(err, errPanic)
}

// goSafe runs f on wg, as wg.Go does, with a panic turned into *errp: a
// bug in a store or a chat fails its message, never the process.
func goSafe(wg *sync.WaitGroup, errp *error, f func() error) {
	wg.Go(func() {
		defer func() {
			if p := recover(); p != nil {
				*errp = fmt.Errorf("%w: %v\n%s", errPanic, p, debug.Stack())
			}
		}()
		*errp = f()
	})
}

// errPanic marks a panic recovered by goSafe.
var errPanic = errors.New("panic")

// errInFlight says another attempt holds the claim on the post.
var errInFlight = errors.New("another attempt holds the claim on this post (its holder may have died: the claim lapses)")

// prepared is what the store and the rotation said before a post.
type prepared struct {
	post      bool   // claimed: post it (false: posted before)
	lookFirst bool   // the claim was taken over from a holder that died: it may have posted
	text      string // rendered for the destination
	// facts and links are what a chat with cards shows beside text
	// (message.Card); nil for the others.
	facts  []message.Fact
	links  []message.Link
	parent string          // thread parent to reply under ("" for a new thread or none)
	ev     *incident.Event // the event, to record after the post
	base   state.Incident  // the incident as read before the post
	inc    *state.Incident // the incident with the event, for the parent's edit and the new thread
	// unmentioned says why an alert due to mention the on-call people
	// mentions nobody (see unmentioned); "" otherwise.
	unmentioned string
	// orphan: a response made in chat to an incident with no thread here
	// (unknown, or older than the store keeps), or a take of a resolved
	// one: nothing is posted; the responder is told why (answer, the
	// catalog ID of the text, package locale).
	orphan bool
	answer string
	// skip says why nothing is posted though the claim was taken (a
	// follow-up after a response, a second take by the same person).
	skip string
	// alertLimited: PagerDuty rate-limited the read of the alert's details.
	alertLimited bool
}

// prepare decides the message and takes stock in the store, concurrently
// (one round trip): the claim, a read of the incident, the alert's
// first-seen, the history and the follow-up list. The incident itself is
// written after the post, beside its outcome. An error means the store
// failed: nothing was posted and the claim, if taken, was given back.
func (h *Handler) prepare(ctx context.Context, job Job, d fanout.Destination) (prepared, error) {
	var (
		wg       sync.WaitGroup
		claim    state.ClaimResult
		claimErr error
		p        prepared
	)
	goSafe(&wg, &claimErr, func() (err error) {
		claim, err = h.cfg.State.Claim(ctx, job.Key, d.Name, h.cfg.Lease)
		return err
	})

	var err error
	if job.Event != nil {
		err = h.prepareEvent(ctx, job, d, &p)
	} else {
		err = h.prepareText(ctx, job, d, &p)
	}
	wg.Wait()
	if err = errors.Join(claimErr, err); err != nil {
		if claim == state.Claimed || claim == state.TakenOver {
			h.release(ctx, job.Key, d.Name)
		}
		return p, err
	}
	switch claim {
	case state.Claimed:
		p.post = true
	case state.TakenOver:
		p.post, p.lookFirst = true, true
	case state.InFlight:
		return p, errInFlight
	}
	return p, nil
}

// prepareEvent renders an incident event: the instant is the event's own
// (occurred_at), or when the webhook took it.
func (h *Handler) prepareEvent(ctx context.Context, job Job, d fanout.Destination, p *prepared) error {
	ev := *job.Event
	at := ev.OccurredAt
	if at.IsZero() {
		at = job.ReceivedAt
	}
	in, working, why, lookupErr := h.decide(ctx, job, ev, at)
	p.unmentioned = why.text(locale.English)
	if why != nil {
		l := d.Dialect.Language()
		in.Notice = l.T("notice.nobody_mentioned", "Why", why.text(l))
	}
	trigger := ev.Kind == incident.Triggered
	fp := ""
	if trigger {
		fp = fingerprint.Of(ev.Incident.Service.ID, ev.Incident.Title)
	}

	var (
		wg                            sync.WaitGroup
		base                          state.Incident
		readErr, seenErr, rememberErr error
		seen                          incident.Sighting
	)
	if ev.Incident.ID != "" {
		goSafe(&wg, &readErr, func() (err error) { base, _, err = h.cfg.State.Incident(ctx, ev.Incident.ID); return err })
	}
	if trigger {
		goSafe(&wg, &seenErr, func() (err error) { seen, err = h.cfg.State.RecordSighting(ctx, fp, job.Key, at); return err })
	}
	var alert alertdetails.Alert
	if trigger && h.cfg.Alerts != nil && len(ev.Details) == 0 && ev.Incident.ID != "" {
		var alertErr error // never the message's failure: it goes without the details
		goSafe(&wg, &alertErr, func() (err error) {
			actx, cancel := context.WithTimeout(ctx, h.cfg.AlertTimeout)
			defer cancel()
			if alert, err = h.cfg.Alerts.FirstAlert(actx, ev.Incident.ID); err != nil {
				p.alertLimited = errors.Is(err, alertdetails.ErrRateLimited)
				h.cfg.Log.Warn("the alert's details could not be read; posted without them (or tried again once, when rate-limited)",
					"destination", d.Name, "incident_id", ev.Incident.ID, "error", err.Error())
			}
			return nil
		})
	}
	if !ev.Kind.FromChat() { // a response is remembered once it is known to be the incident's
		goSafe(&wg, &rememberErr, func() error { return h.remember(ctx, ev, job.Key, at, fp, working, !job.NoMention, in) })
	}
	wg.Wait()
	if err := errors.Join(readErr, seenErr, rememberErr); err != nil {
		return err
	}
	inc := base.With(ev, job.ReceivedAt)
	if lookupErr != nil {
		h.cfg.Log.Warn("on-call lookup failed; posting without mentions (a follow-up mentions them later)",
			"destination", d.Name, "key", job.Key, "error", lookupErr.Error())
	}
	// An event that carries only a reference to its incident (a response
	// made in chat, a note) is shown with what the store knows of it.
	if ev.Incident.Number == 0 || ev.Incident.Title == "" || ev.Incident.URL == "" {
		ev.Incident.Number = cmp.Or(ev.Incident.Number, inc.Number)
		ev.Incident.Title = cmp.Or(ev.Incident.Title, inc.Title)
		ev.Incident.URL = cmp.Or(ev.Incident.URL, inc.URL)
		in.Event = ev
	}
	in.Tag = message.Tag(ev.Incident.Number)
	in.Elapsed = sinceTrigger(inc, ev)
	if trigger {
		in.Seen = &seen
		if len(alert.Details)+len(alert.Links) > 0 {
			in.Event.Details, in.Event.Links = alert.Details, alert.Links
		}
	}
	p.text = message.Render(d.Dialect, in)
	p.facts, p.links = message.Card(d.Dialect, in)
	stored := job.Event
	if trigger {
		// What this first message shows to look into the incident is kept
		// with it: the thread header, edited later, shows it too.
		withTriage := *job.Event
		withTriage.Triage = triage(in)
		stored = &withTriage
		inc = base.With(withTriage, job.ReceivedAt)
	}
	if ev.Incident.ID != "" {
		p.ev, p.base = stored, base
		if _, threaded := d.Poster.(chat.Threader); threaded {
			p.parent = inc.Threads[d.Name]
			p.inc = &inc
		}
	}
	if ev.Kind.FromChat() {
		return h.prepareResponse(ctx, ev, job.Key, at, working, in, base, p)
	}
	return nil
}

// prepareResponse decides what becomes of a response made in chat. It
// answers in the incident's thread, never as a new message: without a
// thread here the incident is not one pd2chat posted (or it was
// forgotten), and nothing of it is recorded. A take of a resolved incident
// is refused the same way; a second take by the same person posts
// nothing. Otherwise the response is remembered (history, follow-ups).
func (h *Handler) prepareResponse(ctx context.Context, ev incident.Event, key string, at time.Time, working bool, in message.Input, base state.Incident, p *prepared) error {
	switch {
	case base.ID == "" || p.parent == "":
		p.orphan = true
		p.answer = "answer.unknown_incident"
		return nil
	case ev.Kind == incident.Taken && base.Closed():
		p.orphan = true
		p.answer = "answer.resolved_already"
		return nil
	case ev.Kind == incident.Taken && base.TakenBy(ev.Agent):
		p.skip = "taken by " + ev.Agent + " already"
		return nil
	}
	return h.remember(ctx, ev, key, at, "", working, false, in)
}

// decide is the message's input before the store is asked: whether to
// mention (working time, company days off), whom, and the runbooks.
//
// why says why the alert mentions nobody when it is due to mention (see
// unmentioned); nil otherwise.
func (h *Handler) decide(ctx context.Context, job Job, ev incident.Event, at time.Time) (in message.Input, working bool, why *nobodyMentioned, lookupErr error) {
	in = message.Input{Event: ev, At: at}
	trigger := ev.Kind == incident.Triggered
	// Outside the public calendar's working time nothing is mentioned, and
	// only a trigger reads the sheet (for its runbooks); inside it, the
	// sheet's company days off decide (the one calendar: workday.With).
	working = h.cfg.Calendar.With(nil).IsWorkingTime(at)
	var roster *rotation.Roster
	if working || trigger {
		roster, lookupErr = h.lookup(ctx, job.RotationTab)
	}
	working = working && h.cfg.Calendar.With(roster).IsWorkingTime(at)
	if ev.Kind.FromChat() {
		// A response made in chat is a short reply that mentions nobody:
		// the people on call are the ones answering. working still says,
		// for the digest, whether it was made in business hours.
		return in, working, nil, nil
	}
	day := rotation.DateOf(at.In(h.cfg.Calendar.Location()))
	// Who is on call is known whenever it is working time (the history
	// keeps it); they are mentioned only on the kinds that need someone
	// (MENTION_ON): an acknowledgement or a note is read in the thread.
	if working && lookupErr == nil {
		in.OnCall = roster.OnCall(day)
		in.Unmatched = roster.Unmatched(day)
	}
	mention := working && !job.NoMention && slices.Contains(h.cfg.MentionOn, ev.Kind) && concernsTeam(&ev, roster)
	switch {
	case mention && lookupErr != nil:
		why = unmentioned(nil, day, lookupErr, h.cfg.Now())
	case mention:
		in.Mention = true
		why = unmentioned(roster, day, nil, h.cfg.Now())
	}
	if trigger {
		in.Runbooks = roster.Runbooks(ev.Incident.Title, ev.Incident.Service.Name)
	}
	return in, working, why, lookupErr
}

// concernsTeam reports whether an escalation or a responder request is
// for the team the rotation sheet lists (issue: mention "escalated to
// this team", "responder.added naming this team"): an escalation to
// assignees of whom one is a member (Roster.Member: the members tab's
// pagerduty column, or the name), a request to a member or to an
// escalation policy (a team: which one cannot be told). An escalation or
// a request to people none of whom is a member (the SRE team's next
// level) mentions nobody: they are paged by PagerDuty. When the sheet
// cannot be read, or the event names nobody, it does concern the team.
// Other kinds always do.
func concernsTeam(ev *incident.Event, roster *rotation.Roster) bool {
	if roster == nil {
		return true
	}
	member := func(name string) bool { _, ok := roster.Member(name); return ok }
	switch ev.Kind {
	case incident.Escalated:
		return len(ev.Assignees) == 0 || slices.ContainsFunc(ev.Assignees, member)
	case incident.ResponderAdded:
		return ev.Responder == "" || ev.ResponderPolicy || member(ev.Responder)
	}
	return true
}

// unmentioned says why an alert inside business hours on a working day
// mentions nobody on day, in one short line for the chat and the log; nil
// when roster has someone on call. lookupErr is the on-call lookup's
// failure (then roster is nil); a stale roster (rotation.Roster.Stale) says
// how old its read is.
func unmentioned(roster *rotation.Roster, day rotation.Date, lookupErr error, now time.Time) *nobodyMentioned {
	if lookupErr != nil {
		return &nobodyMentioned{unreadable: true}
	}
	n := &nobodyMentioned{vacancy: roster.Vacancy(day), day: day}
	switch n.vacancy {
	case rotation.Staffed:
		return nil
	case rotation.NoRow:
		n.unread, n.first = unreadDates(roster)
	}
	if since, err := roster.Stale(); err != nil {
		n.stale = max(now.Sub(since), time.Second)
	}
	return n
}

// nobodyMentioned is why an alert due to mention the people on call
// mentions nobody (unmentioned), to be told in any language.
type nobodyMentioned struct {
	unreadable bool             // the sheet could not be read
	vacancy    rotation.Vacancy // otherwise, what the sheet has for day
	day        rotation.Date
	unread     int           // NoRow: rows left out for their date…
	first      string        // …and the first one's cell
	stale      time.Duration // > 0: the sheet was read this long ago and cannot be read now
}

// text is the reason in language l: "the rotation sheet's row for Mon
// 2026-11-23 names nobody."; "" for nil.
func (n *nobodyMentioned) text(l locale.Language) string {
	if n == nil {
		return ""
	}
	if n.unreadable {
		return l.T("notice.unreadable")
	}
	when := message.ShortDay(l, n.day)
	var why string
	switch n.vacancy {
	case rotation.NoRow:
		why = l.T("notice.no_row", "When", when, "Unread", n.unread, "First", n.first)
	case rotation.OnlyUnmatched:
		why = l.T("notice.only_unmatched", "When", when)
	case rotation.EmptyRow:
		why = l.T("notice.empty_row", "When", when)
	}
	if n.stale > 0 {
		why += l.T("notice.stale", "Ago", message.DurationIn(l, n.stale))
	}
	return l.T("notice.end", "Why", why)
}

// unreadDates is how many rows of the rotation tab were left out because
// their date could not be read (rotation.DateError), and the cell of the
// first ("rotation!A12").
func unreadDates(r *rotation.Roster) (n int, first string) {
	for _, p := range r.Problems() {
		var (
			ce *rotation.CellError
			de *rotation.DateError
		)
		if !errors.As(p, &ce) || ce.Tab != rotation.RotationTab || !errors.As(p, &de) {
			continue
		}
		if n++; n == 1 {
			first, _, _ = strings.Cut(ce.Error(), ":")
		}
	}
	return n, first
}

// prepareText finds the thread of a rendered text's incident.
func (h *Handler) prepareText(ctx context.Context, job Job, d fanout.Destination, p *prepared) error {
	p.text = job.Text
	_, threaded := d.Poster.(chat.Threader)
	if job.IncidentID == "" || !threaded && !job.UnlessResponded {
		return nil
	}
	inc, _, err := h.cfg.State.Incident(ctx, job.IncidentID)
	if err != nil {
		return err
	}
	if job.UnlessResponded && inc.Responded() {
		p.skip = "someone responded to " + job.IncidentID + " meanwhile: not posted"
	}
	if threaded {
		p.parent = inc.Threads[d.Name]
	}
	return nil
}

// remember appends the event to the incident history (for the weekly
// digest) and keeps the follow-up list: a trigger inside business hours
// waits for an acknowledgement — whatever the on-call lookup did, so that
// a sweep mentions the pair later — and an acknowledgement or resolution
// ends the wait. Every write is idempotent per event.
func (h *Handler) remember(ctx context.Context, ev incident.Event, key string, at time.Time, fp string, working, follow bool, in message.Input) error {
	if ev.Incident.ID == "" {
		return nil
	}
	st := h.cfg.State
	he := state.HistoryEvent{
		EventID: key, IncidentID: ev.Incident.ID, Number: ev.Incident.Number, Kind: ev.Kind, At: at,
		Agent: ev.Agent, ServiceID: ev.Incident.Service.ID, Service: ev.Incident.Service.Name,
		Urgency: ev.Incident.Urgency, Title: ev.Incident.Title, Fingerprint: fp, WorkingTime: working,
		Merged: ev.MergedInto != nil, URL: ev.Incident.URL,
	}
	if j := ev.Job; j != nil {
		he.Detail = j.Name + ": " + j.Status
	}
	for _, m := range in.OnCall {
		he.OnCall = append(he.OnCall, m.Name)
	}
	var (
		wg                 sync.WaitGroup
		appendErr, waitErr error
	)
	goSafe(&wg, &appendErr, func() error { return st.Append(ctx, he) })
	switch ev.Kind {
	case incident.Triggered:
		if working && follow { // a nomention route is never followed up
			goSafe(&wg, &waitErr, func() error {
				return st.Await(ctx, state.Pending{IncidentID: ev.Incident.ID, Number: ev.Incident.Number, Title: ev.Incident.Title,
					TriggeredAt: at, Route: ev.Route})
			})
		}
	case incident.Acknowledged, incident.Resolved, incident.Taken, incident.ResolvedInChat:
		goSafe(&wg, &waitErr, func() error { return st.Settle(ctx, ev.Incident.ID) })
	}
	wg.Wait()
	return errors.Join(appendErr, waitErr)
}

// post sends m once. When look is set (the message was received before, or
// its claim taken over: an earlier attempt may have reached the chat — a
// timeout, a crash after the post) it is looked for first on a chat that
// can (chat.Finder), and not posted again when found.
func (h *Handler) post(ctx context.Context, d fanout.Destination, m chat.Message, look bool, r queue.Received, job Job) (string, error) {
	actx, cancel := context.WithTimeoutCause(ctx, h.cfg.AttemptTimeout, errors.New("deliver: post timed out"))
	defer cancel()
	if f, ok := d.Poster.(chat.Finder); ok && look {
		ref, found, err := find(actx, f, m, h.since(r, job))
		switch err = classify(actx, err); {
		case err == nil && found:
			h.cfg.Log.Info("found the earlier post; not posting again", "destination", d.Name, "key", job.Key)
			return ref, nil
		case err != nil:
			if temporary, _ := chat.IsTemporary(err); temporary {
				return "", err
			}
			// The chat will not say (a scope missing): a rare duplicate
			// beats an alert never posted.
			h.cfg.Log.Error("cannot look for an earlier post; posting (a duplicate is possible)", "destination", d.Name, "key", job.Key, "error", err.Error())
		}
	}
	var ref string
	var err error
	if t, ok := d.Poster.(chat.Threader); ok {
		ref, err = t.PostRef(actx, m)
	} else {
		err = d.Poster.Post(actx, m)
	}
	return ref, classify(actx, err)
}

// find looks for m's earlier post in its thread and, not found there, among
// the channel's top-level messages: an attempt made before the thread was
// known (a redrive, a thread starter) posted it there.
func find(ctx context.Context, f chat.Finder, m chat.Message, since time.Time) (string, bool, error) {
	ref, found, err := f.Find(ctx, m, since)
	if err != nil || found || m.ThreadTS == "" {
		return ref, found, err
	}
	m.ThreadTS = ""
	return f.Find(ctx, m, since)
}

// classify makes a timeout of the attempt temporary even when the poster
// did not say so.
func classify(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ok, _ := chat.IsTemporary(err); !ok && ctx.Err() != nil {
		return chat.Temporary(err, 0)
	}
	return err
}

// record keeps the outcome, concurrently (one round trip): the post is
// done, the incident recorded, and a new thread's parent remembered (a
// failure of the last two retries the message: the look-up finds the post,
// and they are written then, so no thread is ever split).
func (h *Handler) record(ctx context.Context, job Job, d fanout.Destination, p prepared, ref string, r queue.Received) Outcome {
	ctx = context.WithoutCancel(ctx) // the post happened: keep what it did
	var (
		wg                     sync.WaitGroup
		doneErr, thErr, recErr error
	)
	goSafe(&wg, &doneErr, func() error { return h.cfg.State.Done(ctx, job.Key, d.Name, true, ref) })
	goSafe(&wg, &recErr, func() error { return h.recordIncident(ctx, p) })
	if p.inc != nil && p.parent == "" && ref != "" {
		goSafe(&wg, &thErr, func() (err error) { _, err = h.cfg.State.SetThread(ctx, p.inc.ID, d.Name, ref); return err })
	}
	wg.Wait()
	if err := errors.Join(thErr, recErr); err != nil {
		return h.retry(r, "state store: remember the incident and its thread: "+err.Error())
	}
	if doneErr != nil {
		// Posted; the claim lapses. A redelivery of the event finds the
		// post (Slack) or the lapsed claim.
		h.cfg.Log.Warn("posted, but the state store did not record it", "destination", d.Name, "key", job.Key, "error", doneErr.Error())
	}
	return Outcome{Verdict: Done}
}

// recordAgain handles a message posted before: what the store knows of the
// incident may lag (a failure after the post), so the incident is recorded
// again, idempotently — and when the post would have started the
// incident's thread but no thread is known, the post is looked up (Slack
// metadata) and its thread remembered, so that no later event starts a
// second one.
func (h *Handler) recordAgain(ctx context.Context, d fanout.Destination, m chat.Message, p prepared, r queue.Received, job Job) Outcome {
	var thErr error
	if f, ok := d.Poster.(chat.Finder); ok && p.inc != nil && p.parent == "" {
		actx, cancel := context.WithTimeout(ctx, h.cfg.AttemptTimeout)
		ref, found, err := find(actx, f, m, h.since(r, job))
		cancel()
		if err != nil {
			return h.retry(r, "look up the earlier post: "+err.Error())
		}
		if found {
			_, thErr = h.cfg.State.SetThread(context.WithoutCancel(ctx), p.inc.ID, d.Name, ref)
		}
	}
	if err := errors.Join(thErr, h.recordIncident(ctx, p)); err != nil {
		return h.retry(r, "state store: remember the incident and its thread: "+err.Error())
	}
	return Outcome{Verdict: Done, Reason: "posted before"}
}

// since is the earliest a first attempt at a job may have posted, less a
// margin for the chat's clock: when this copy was taken or sent, or, for a
// redelivery by PagerDuty (a new copy), when the event occurred — at most
// a day before.
func (h *Handler) since(r queue.Received, job Job) time.Time {
	since := job.ReceivedAt
	if since.IsZero() || (!r.SentAt.IsZero() && r.SentAt.Before(since)) {
		since = r.SentAt
	}
	if job.Event != nil {
		if at := job.Event.OccurredAt; !at.IsZero() && at.Before(since) && since.Sub(at) < 24*time.Hour {
			since = at
		}
	}
	return since.Add(-lookBack)
}

// recordIncident merges the event into its incident, over what prepare read
// (one conditional write when nobody wrote in between).
func (h *Handler) recordIncident(ctx context.Context, p prepared) error {
	if p.ev == nil {
		return nil
	}
	ctx = context.WithoutCancel(ctx)
	if _, err := h.cfg.State.RecordOver(ctx, p.base, *p.ev); err != nil {
		return err
	}
	if n := p.ev.Incident.Number; n > 0 && p.base.Number == 0 {
		// The first event that tells the number: /notify finds the
		// incident by it. A failure only leaves jobs unmatched: logged.
		if err := h.cfg.State.IndexNumber(ctx, n, p.ev.Incident.ID); err != nil {
			h.cfg.Log.Warn("incident number not indexed", "incident_id", p.ev.Incident.ID, "number", n, "error", err.Error())
		}
	}
	return nil
}

// editParent edits the thread parent to show the incident's state. It is
// cosmetic: a failure is logged, never retried.
func (h *Handler) editParent(ctx context.Context, t chat.Threader, d fanout.Destination, parent string, inc state.Incident) {
	if len(inc.Steps) == 0 {
		return
	}
	text := message.RenderSummary(d.Dialect, message.Summary{
		Triage: inc.Triage,
		Incident: incident.Incident{ID: inc.ID, Number: inc.Number, Title: inc.Title, Urgency: inc.Urgency,
			Priority: inc.Priority, Service: incident.Service{Name: inc.Service}, URL: inc.URL},
		Tag: message.Tag(inc.Number), Steps: inc.Steps, Location: h.cfg.Calendar.Location(),
	})
	actx, cancel := context.WithTimeout(ctx, h.cfg.AttemptTimeout)
	defer cancel()
	if err := t.Update(actx, parent, chat.Message{Text: text, Incident: inc.ID, Actions: h.actions(d, inc)}); err != nil {
		h.cfg.Log.Warn("could not update the incident's thread parent", "destination", d.Name, "error", err.Error())
	}
}

// sinceTrigger is the time from the incident's trigger to ev, for a
// response (an acknowledgement or resolution, in PagerDuty or in chat); 0
// otherwise or when unknown.
func sinceTrigger(inc state.Incident, ev incident.Event) time.Duration {
	if !ev.Kind.Responded() || ev.OccurredAt.IsZero() {
		return 0
	}
	for _, st := range inc.Steps {
		if st.Kind == incident.Triggered && st.At.Before(ev.OccurredAt) {
			return ev.OccurredAt.Sub(st.At)
		}
	}
	return 0
}

// lookup reads the roster of the rotation tab ("" : the rotation tab; a
// route's own, ROUTES rotation=TAB, from Config.Rotations).
func (h *Handler) lookup(ctx context.Context, tab string) (*rotation.Roster, error) {
	ctx, cancel := context.WithTimeoutCause(ctx, h.cfg.LookupTimeout, errors.New("deliver: on-call lookup took too long"))
	defer cancel()
	src := h.cfg.Rotation
	if tab != "" {
		var ok bool
		if src, ok = h.cfg.Rotations[tab]; !ok {
			return nil, fmt.Errorf("deliver: no rotation source for tab %q (ROUTES rotation=)", tab)
		}
	}
	return src.Roster(ctx)
}

// abandon lapses a claim after a post that may have gone out.
func (h *Handler) abandon(ctx context.Context, key, dest string) {
	if err := h.cfg.State.Abandon(context.WithoutCancel(ctx), key, dest); err != nil {
		h.cfg.Log.Warn("could not abandon the claim (it lapses)", "destination", dest, "key", key, "error", err.Error())
	}
}

// release gives a claim back so that the retry can post.
func (h *Handler) release(ctx context.Context, key, dest string) {
	if err := h.cfg.State.Release(context.WithoutCancel(ctx), key, dest); err != nil {
		h.cfg.Log.Warn("could not release the claim (it lapses)", "destination", dest, "key", key, "error", err.Error())
	}
}

// retry is a Retry outcome with exponential backoff on the message's
// receive count, jittered (a store failure, a panic).
func (h *Handler) retry(r queue.Received, reason string) Outcome {
	d := h.cfg.BaseDelay
	for i := 1; i < r.ReceiveCount && d < h.cfg.MaxDelay; i++ {
		d *= 2
	}
	return Outcome{Verdict: Retry, Delay: jitter(min(d, h.cfg.MaxDelay)), Reason: reason}
}

// retryChat is the Retry outcome after a chat failed temporarily: the
// wait grows with how long the chat has been failing (so it doubles from
// BaseDelay while the failure lasts, whatever else made the message come
// back), up to MaxDelay; the chat's Retry-After wins when longer.
func (h *Handler) retryChat(f failure, retryAfter time.Duration, reason string) Outcome {
	d := min(max(f.lastAt.Sub(f.since), h.cfg.BaseDelay), h.cfg.MaxDelay)
	return Outcome{Verdict: Retry, Delay: max(jitter(d), retryAfter), Reason: reason}
}

// jitter draws a wait in [d/2, d].
func jitter(d time.Duration) time.Duration { return d/2 + rand.N(d/2+1) }

func (h *Handler) failure(dest string) (failure, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ok := h.failing[dest]
	return f, ok
}

// fail notes a temporary failure of dest and returns its failure so far.
func (h *Handler) fail(dest string, err error) failure {
	h.mu.Lock()
	defer h.mu.Unlock()
	f, ok := h.failing[dest]
	if !ok {
		f.since = h.cfg.Now()
	}
	f.lastAt, f.last = h.cfg.Now(), err.Error()
	h.failing[dest] = f
	return f
}

func (h *Handler) recover(dest string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.failing, dest)
}

// Bounds of the triage kept with an incident (incident.Triage): the
// store's item has a size limit (DynamoDB: 400 KB), and the header shows
// no more.
const (
	triageDetails   = 20
	triageKeyMax    = 100 // bytes of a detail's key
	triageValueMax  = 500 // bytes of a detail's value, of a link
	triageLinks     = 5
	triageAssignees = 10
)

// triage is what the trigger's message in shows to look into it, bounded.
func triage(in message.Input) *incident.Triage {
	ev := in.Event
	t := &incident.Triage{Source: ev.Source, Seen: in.Seen, At: in.At}
	for i, a := range ev.Assignees {
		if i == triageAssignees {
			break
		}
		t.Assignees = append(t.Assignees, incident.Clip(a, triageValueMax))
	}
	for i, l := range ev.Links {
		if i == triageLinks {
			break
		}
		if len(l.URL) <= triageValueMax {
			t.Links = append(t.Links, incident.Link{Label: incident.Clip(l.Label, triageValueMax), URL: l.URL})
		}
	}
	if s := t.Source; s != nil && len(s.URL) > triageValueMax {
		t.Source = nil
	}
	for i, d := range ev.Details {
		if i == triageDetails {
			break
		}
		d.Key, d.Value = incident.Clip(d.Key, triageKeyMax), incident.Clip(d.Value, triageValueMax)
		t.Details = append(t.Details, d)
	}
	for _, rb := range in.Runbooks {
		t.Runbooks = append(t.Runbooks, incident.Link{Label: rb.Note, URL: rb.URL})
	}
	return t
}

// ResponseActions are the buttons of an incident's thread parent on Slack:
// I'm on it, Resolved and Add note while it is open, Add note once it is
// resolved (in PagerDuty or in chat). Labels are in language l.
func ResponseActions(inc state.Incident, l locale.Language) []chat.Action {
	note := chat.Action{ID: chat.ActionNote, Label: l.T("button.note"), Value: inc.ID}
	if inc.Closed() {
		return []chat.Action{note}
	}
	return []chat.Action{
		{ID: chat.ActionTake, Label: l.T("button.take"), Value: inc.ID, Style: "primary"},
		{ID: chat.ActionResolve, Label: l.T("button.resolve"), Value: inc.ID},
		note,
	}
}

// actions are ResponseActions for a Slack destination when the Slack app
// listens; none otherwise.
func (h *Handler) actions(d fanout.Destination, inc state.Incident) []chat.Action {
	if !h.cfg.Interactive || d.Dialect.Chat() != message.Slack || inc.ID == "" {
		return nil
	}
	actions := ResponseActions(inc, d.Dialect.Language())
	if h.cfg.Major != nil && !inc.Closed() && inc.Threads[majorChannelKey] == "" {
		actions = append(actions, chat.Action{ID: chat.ActionDeclare, Label: d.Dialect.Language().T("button.declare"), Value: inc.ID, Style: "danger"})
	}
	return actions
}

// majorChannelKey is the incident record's thread key of its major
// channel (package major's ChannelKey).
const majorChannelKey = "major"

// ephemeral is a chat that can show a message to one person only (Slack's
// chat.postEphemeral).
type ephemeral interface {
	PostEphemeral(ctx context.Context, user string, m chat.Message) error
}

// orphan answers a response made in chat to an incident pd2chat has no
// thread of here: the person who pressed or reacted is told so, where the
// chat can show them alone; nothing is posted or recorded.
func (h *Handler) orphan(ctx context.Context, d fanout.Destination, job Job, answer string) Outcome {
	ev := job.Event
	h.cfg.Log.Info("response not recorded", "destination", d.Name, "incident_id", ev.Incident.ID, "kind", string(ev.Kind))
	if e, ok := d.Poster.(ephemeral); ok && ev.ChatUser != "" {
		actx, cancel := context.WithTimeout(ctx, h.cfg.AttemptTimeout)
		defer cancel()
		err := e.PostEphemeral(actx, ev.ChatUser, chat.Message{Text: d.Dialect.Language().T(answer)})
		if err != nil {
			h.cfg.Log.Warn("could not answer the responder", "destination", d.Name, "error", err.Error())
		}
	}
	return Outcome{Verdict: Done, Reason: "response not recorded: " + locale.English.T(answer)}
}
