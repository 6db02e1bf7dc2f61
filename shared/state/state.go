// Package state is pd2chat's durable memory: which deliveries were posted
// where (so that PagerDuty's at-least-once deliveries post once), and what
// is known of each incident (its number for events that lack it, its story
// so far, and the Slack thread of each channel).
//
// This package holds the types and the contracts only: what is
// remembered, the store's interfaces, their TTLs and bounds, and the rules
// every store follows alike (the merge of an event into its incident,
// Incident.With; the argument checks CheckDelivery, CheckHistoryEvent and
// CheckMentioned; the range History.Between reads, HistoryDays). The stores
// are its subpackages, and pass one behaviour suite (shared/state/statetest):
// shared/state/memory (local runs, the default outside Lambda) and
// shared/state/dynamodb (one table, for AWS; its package documentation
// gives the keys and item shapes). Importing state links neither.
package state

import (
	"context"
	"errors"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
)

// Store is everything pd2chat remembers.
type Store interface {
	Deliveries
	Incidents
	Numbers
	Alerts
	History
	Followups
}

// Numbers finds an incident by the number people know it by (#1234, as
// PagerDuty shows it): what an operations job reporting to /notify names.
type Numbers interface {
	// IndexNumber records that incident id has number n, kept as long as
	// incidents are (IncidentTTL); the first id given for n stays. n <= 0
	// or an empty id records nothing.
	IndexNumber(ctx context.Context, n int, id string) error
	// IncidentID is the id of incident number n, and false when unknown.
	IncidentID(ctx context.Context, n int) (string, bool, error)
}

// ClaimResult says what Claim found.
type ClaimResult int

const (
	// Claimed: nobody had posted this to the destination; the caller now
	// holds it until the lease ends, and must call Done or Release.
	Claimed ClaimResult = iota + 1
	// AlreadyPosted: it was posted before; post nothing.
	AlreadyPosted
	// InFlight: another caller holds an unexpired claim; post nothing (if
	// that caller fails it releases the claim and answers 5xx, and the
	// sender's retry posts it).
	InFlight
	// AlreadyFailed: an earlier attempt failed for good (e.g. the channel
	// is gone); post nothing.
	AlreadyFailed
	// TakenOver: Claimed, from an earlier holder whose lease ended (it died
	// mid-way): it may have posted, so look before posting (chat.Finder).
	TakenOver
)

func (r ClaimResult) String() string {
	switch r {
	case Claimed:
		return "claimed"
	case AlreadyPosted:
		return "already posted"
	case InFlight:
		return "in flight"
	case AlreadyFailed:
		return "already failed"
	case TakenOver:
		return "taken over"
	}
	return "unknown"
}

// Deliveries makes posting idempotent per (key, destination). A key is a
// PagerDuty event id (or webhook id), or a reminder's "kind/date".
type Deliveries interface {
	// Claim takes (key, dest) for lease, with a conditional write: only
	// one concurrent caller gets Claimed. An expired claim (its holder
	// died) can be taken again. Records live at least DeliveryTTL.
	Claim(ctx context.Context, key, dest string, lease time.Duration) (ClaimResult, error)
	// Done records the outcome of a claimed post: posted (true) or failed
	// for good (false). ref is the chat's id of the message (Slack ts), if any.
	Done(ctx context.Context, key, dest string, posted bool, ref string) error
	// Release gives a claim back when nothing was sent, so that a retry
	// can post.
	Release(ctx context.Context, key, dest string) error
	// Abandon ends a claim's lease at once but keeps it, after a post that
	// failed in a way that may have reached the chat (a timeout, a lost
	// answer): the next Claim takes it over (TakenOver) and so looks for
	// the post before making it again. Nothing but a claim is changed.
	Abandon(ctx context.Context, key, dest string) error
}

// DeliveryTTL is how long a delivery record is kept: PagerDuty retries for
// up to 48 hours.
const DeliveryTTL = 72 * time.Hour

// IncidentTTL is how long an incident's record is kept after its last event.
const IncidentTTL = 30 * 24 * time.Hour

// Step is one event in an incident's story (the domain's incident.Step).
type Step = incident.Step

// Incident is what is remembered of one incident.
type Incident struct {
	ID       string
	Number   int // 0 until an event carrying it was seen
	Title    string
	Service  string
	Urgency  string
	Priority string
	URL      string
	// Steps are the status-changing events seen (triggered, acknowledged,
	// unacknowledged, resolved, reopened, reassigned, escalated, delegated),
	// oldest first by At, at most MaxSteps (the oldest are dropped).
	Steps []Step
	// Route is the ROUTES rule the incident follows (the text of the rule
	// its first routed event matched); "": none.
	Route string
	// Triage is what the first message showed to help look into the
	// incident (incident.Event.Triage of its first trigger): its thread
	// header keeps it. Nil when unknown.
	Triage *incident.Triage
	// Threads maps a destination ("slack:C0123") to the chat id (Slack ts)
	// of the incident's first message there: its thread parent.
	Threads map[string]string

	// Version is the store's version of this record, for a conditional
	// write over a read (RecordOver writes only if the record is still at
	// this version, and else merges into the newer one); 0 for an incident
	// never stored, and in a store that needs no versions (memory). Callers
	// must not set it.
	Version int64
}

// With is the incident after ev, as Record would store it (the one merge
// rule of both stores), without storing it: what a message renders from
// before the store is written. now stands in for an event without an
// instant.
func (i Incident) With(ev incident.Event, now time.Time) Incident {
	i = i.Clone()
	merge(&i, ev, now)
	return i
}

// MaxSteps bounds Incident.Steps.
const MaxSteps = 50

// Status is the incident's current state from its steps: the kind of the
// latest status-changing step ("" when none).
func (i Incident) Status() incident.Kind {
	for k := len(i.Steps) - 1; k >= 0; k-- {
		switch i.Steps[k].Kind {
		case incident.Triggered, incident.Acknowledged, incident.Unacknowledged, incident.Resolved, incident.Reopened:
			return i.Steps[k].Kind
		}
	}
	return ""
}

// Incidents remembers incidents.
type Incidents interface {
	// Record merges ev into its incident (creating it): number, title,
	// service, urgency, priority and URL when ev carries them; a Step for
	// status-changing kinds (a step with the same kind, agent and instant
	// is not added twice, so a redelivery changes nothing). It returns the
	// incident as now stored.
	Record(ctx context.Context, ev incident.Event) (Incident, error)
	// RecordOver is Record starting from base, the incident as Incident
	// read it (the zero Incident when it was not found): it writes without
	// reading first, and when the incident changed since it merges ev into
	// the newer one. The result is the same as Record's.
	RecordOver(ctx context.Context, base Incident, ev incident.Event) (Incident, error)
	// Incident returns the incident, and false when it was never seen.
	Incident(ctx context.Context, id string) (Incident, bool, error)
	// SetThread records ref as the thread parent of incident id in dest,
	// unless one is there already; it returns the parent now stored (the
	// earlier one wins).
	SetThread(ctx context.Context, id, dest, ref string) (string, error)
}

// ErrUnavailable wraps failures of the store itself (network, throttling,
// timeouts), as opposed to answers. Callers prefer a rare duplicate to a
// lost message: on ErrUnavailable they post anyway and log it.
var ErrUnavailable = errors.New("state: store unavailable")

// Alerts remembers alert fingerprints: how often an alert fired, and when
// (the "first time this alert has fired" note).
type Alerts interface {
	// RecordSighting records that the alert with this fingerprint fired at `at`
	// (event eventID) and returns what was known before this firing. The
	// same eventID again (a redelivery) changes nothing and returns the
	// same answer as the first time.
	RecordSighting(ctx context.Context, fingerprint, eventID string, at time.Time) (Sighting, error)
}

// Sighting is an alert's record before one firing (the domain's
// incident.Sighting, which a trigger's message shows).
type Sighting = incident.Sighting

// AlertTTL is how long a fingerprint is kept after it last fired.
const AlertTTL = 400 * 24 * time.Hour

// History is the append-only record of incident events, for the weekly
// digest.
type History interface {
	// Append adds e; the same EventID again changes nothing.
	Append(ctx context.Context, e HistoryEvent) error
	// Between lists the events with from <= At < to, oldest first.
	Between(ctx context.Context, from, to time.Time) ([]HistoryEvent, error)
}

// HistoryEvent is one incident event as the digest needs it; the type is
// the domain's (incident.HistoryEvent), so that the digest and rendering
// need no storage package.
type HistoryEvent = incident.HistoryEvent

// HistoryTTL is how long history is kept.
const HistoryTTL = 400 * 24 * time.Hour

// PendingTTL is how long an incident may wait for an acknowledgement before
// it is forgotten (its resolution was missed, or it was left open).
const PendingTTL = 7 * 24 * time.Hour

// Pending is an incident awaiting acknowledgement, for the follow-up
// re-mentions.
type Pending struct {
	IncidentID  string
	Number      int
	Title       string
	TriggeredAt time.Time
	// Mentions is how many follow-ups were posted so far.
	Mentions int
	// Route is the ROUTES rule the incident follows (its text); "": the
	// alert destinations and the rotation tab.
	Route string
}

// Followups tracks incidents that wait for an acknowledgement.
type Followups interface {
	// Await records that incident p.IncidentID waits for an
	// acknowledgement (a trigger inside business hours). Again for the
	// same incident: nothing changes.
	Await(ctx context.Context, p Pending) error
	// Settle forgets the incident (acknowledged, resolved).
	Settle(ctx context.Context, incidentID string) error
	// Waiting lists the incidents still waiting.
	Waiting(ctx context.Context) ([]Pending, error)
	// Mentioned records that follow-up number n (1, 2…) was posted; it
	// returns false when that follow-up was already recorded (by a
	// concurrent sweep) or the incident is no longer waiting.
	Mentioned(ctx context.Context, incidentID string, n int) (bool, error)
}
