// Package deliver is the delivery use case: it takes one message off the
// delivery queue — an incident event (or a reminder's text) for one chat —
// and posts it there exactly once, in its incident's order and thread.
//
// One message flows top to bottom (see Handler.deliver): decide (working
// time, on-call people, runbooks) → take stock in the store (claim the
// post, record the incident, its first-seen and history, concurrently) →
// look before posting again (Slack metadata) → post → record the outcome
// and the thread. A temporary failure leaves the message on the queue with
// a backoff; a permanent one moves it to the dead-letter queue with its
// reason. The store being down never posts blindly: the message waits.
package deliver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"encoding/json"

	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/queue"
)

// Job is the body of one delivery-queue message: one event (or one
// rendered text) for one destination. It is JSON on the queue.
type Job struct {
	// Destination is the chat, as in the settings ("slack:C0123").
	Destination string `json:"destination"`
	// Key makes the post idempotent: the PagerDuty event id (or webhook
	// id#n), or a reminder's "kind/date".
	Key string `json:"key"`
	// ReceivedAt is when the webhook took the delivery: the instant of an
	// event that carries none, and the start of the look-before-repost.
	ReceivedAt time.Time `json:"received_at"`
	// Event is the incident event to render and post.
	Event *incident.Event `json:"event,omitempty"`
	// Text is a message rendered already (reminders, follow-ups), posted
	// as is; in the thread of IncidentID when set.
	Text       string `json:"text,omitempty"`
	IncidentID string `json:"incident_id,omitempty"`
	// UnlessResponded: a text about IncidentID (a follow-up) that is not
	// posted once someone has responded to the incident.
	UnlessResponded bool `json:"unless_responded,omitempty"`

	// The event's route (ROUTES), set by the routing step: NoMention
	// mentions nobody (and no follow-up), RotationTab reads the on-call
	// people from that tab.
	NoMention   bool   `json:"no_mention,omitempty"`
	RotationTab string `json:"rotation_tab,omitempty"`
}

// ErrMalformed says a queue message is not a Job.
var ErrMalformed = errors.New("deliver: malformed job")

// incidentID is the incident the job belongs to ("" for none).
func (j Job) incidentID() string {
	if j.Event != nil {
		return j.Event.Incident.ID
	}
	return j.IncidentID
}

// Message is j as a queue message: grouped by destination and incident
// (one incident's events reach one chat in order, one at a time; a dead
// chat holds only its own groups), deduplicated by key and destination.
func (j Job) Message() (queue.Message, error) {
	if err := j.check(); err != nil {
		return queue.Message{}, err
	}
	body, err := json.Marshal(j)
	if err != nil {
		return queue.Message{}, fmt.Errorf("deliver: encode job %s: %w", j.Key, err)
	}
	if len(body) > queue.MaxBody && j.Event != nil {
		// A huge title or note (the webhook takes up to 1 MiB): the chats
		// show only the start of it anyway; keep what fits the queue.
		ev := *j.Event
		ev.Incident.Title, ev.Note = incident.Clip(ev.Incident.Title, maxField), incident.Clip(ev.Note, maxField)
		ev.Details, ev.Links, ev.Triage = nil, nil, nil // the alert's extras: the tool's page (Source) still says where to look
		j.Event = &ev
		if body, err = json.Marshal(j); err != nil {
			return queue.Message{}, fmt.Errorf("deliver: encode job %s: %w", j.Key, err)
		}
	}
	group := j.incidentID()
	if group == "" {
		group = "key/" + j.Key
	}
	return queue.Message{Body: body, Group: j.Destination + "/" + group, DedupID: j.Key + "/" + j.Destination}, nil
}

// maxField is how much of an event's title or note a queue message keeps
// when the whole event would not fit (Slack shows 4,000 characters of a
// message at most before "Show more"; Typetalk takes 4,000).
const maxField = 16 << 10

// decode reads a queue message's Job.
func decode(body []byte) (Job, error) {
	var j Job
	if err := json.Unmarshal(body, &j); err != nil {
		return j, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if err := j.check(); err != nil {
		return j, err
	}
	return j, nil
}

// check says what a Job lacks: a destination, a key, and an event (of an
// incident, with a kind) or a text.
func (j Job) check() error {
	switch {
	case j.Destination == "" || j.Key == "" || (j.Event == nil) == (j.Text == ""):
		return fmt.Errorf("%w: needs a destination, a key, and an event or a text", ErrMalformed)
	case j.Event != nil && (j.Event.Kind == "" || j.Event.Incident.ID == "" && j.Event.Kind != incident.JobReported):
		// A job report may name no incident (or one pd2chat does not know).
		return fmt.Errorf("%w: the event has no kind or no incident id", ErrMalformed)
	}
	return nil
}

// Outbox is the fanout.Outbox of the reminders and follow-ups in AWS: it
// puts one Job per item on the delivery queue, for the deliver function to
// post once (a retried run enqueues the same keys: deduplicated). Queued
// counts what the queue took; on an error every item counts as Temporary,
// and the caller's retry sends them again (safely).
type Outbox struct {
	Queue queue.Sender
	// Now is the clock. Nil: time.Now.
	Now func() time.Time
}

// Post enqueues items.
func (o Outbox) Post(ctx context.Context, key string, items []fanout.Item) fanout.Result {
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	at := now()
	msgs := make([]queue.Message, 0, len(items))
	var res fanout.Result
	for _, it := range items {
		m, err := Job{Destination: it.Destination.Name, Key: key, ReceivedAt: at, Text: it.Message.Text,
			IncidentID: it.IncidentID, UnlessResponded: it.UnlessResponded}.Message()
		if err != nil {
			res.Failed++
			res.Errors = append(res.Errors, it.Destination.Name+": "+err.Error())
			continue
		}
		msgs = append(msgs, m)
	}
	if err := o.Queue.Send(ctx, msgs...); err != nil {
		res.Temporary += len(msgs)
		res.Errors = append(res.Errors, "delivery queue: "+err.Error())
		return res
	}
	res.Queued += len(msgs)
	return res
}
