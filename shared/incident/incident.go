// Package incident holds the domain event that every PagerDuty delivery is
// decoded into. It knows neither PagerDuty's wire formats nor any chat.
package incident

import "time"

// Kind is what happened to an incident. The values are PagerDuty V3 event
// types without the "incident." prefix; legacy V2 types map onto them.
type Kind string

// The incident event types PagerDuty documents for V3 webhooks.
const (
	Triggered              Kind = "triggered"
	Acknowledged           Kind = "acknowledged"
	Unacknowledged         Kind = "unacknowledged"
	Resolved               Kind = "resolved"
	Reassigned             Kind = "reassigned"
	Escalated              Kind = "escalated"
	Delegated              Kind = "delegated"
	PriorityUpdated        Kind = "priority_updated"
	Reopened               Kind = "reopened"
	Annotated              Kind = "annotated"
	ResponderAdded         Kind = "responder.added"
	ResponderReplied       Kind = "responder.replied"
	StatusUpdatePublished  Kind = "status_update_published"
	ConferenceBridgeUpdate Kind = "conference_bridge.updated"
	ServiceUpdated         Kind = "service_updated"
	IncidentTypeChanged    Kind = "incident_type.changed"
	CustomFieldsUpdated    Kind = "custom_field_values.updated"
	WorkflowStarted        Kind = "workflow.started"
	WorkflowCompleted      Kind = "workflow.completed"
)

// Kinds are the PagerDuty kinds above, in their order (for settings that
// name kinds: MENTION_ON).
var Kinds = []Kind{
	Triggered, Acknowledged, Unacknowledged, Resolved, Reassigned, Escalated, Delegated, PriorityUpdated,
	Reopened, Annotated, ResponderAdded, ResponderReplied, StatusUpdatePublished, ConferenceBridgeUpdate,
	ServiceUpdated, IncidentTypeChanged, CustomFieldsUpdated, WorkflowStarted, WorkflowCompleted,
}

// DefaultMentionOn are the kinds whose message mentions the people on call
// inside business hours: the ones that need someone (a new or returning
// incident, an escalation, a request for responders). Acknowledgements,
// resolutions, notes and updates are read in the thread without a ping.
var DefaultMentionOn = []Kind{Triggered, Reopened, Escalated, Unacknowledged, ResponderAdded}

// Service is the PagerDuty service an incident belongs to.
type Service struct {
	ID   string
	Name string
}

// Incident is what is known of the incident an event is about. Events that
// carry only a reference (notes, responders, status updates) leave Number,
// Service, Urgency and Status empty.
type Incident struct {
	ID       string
	Number   int // 0 when the payload does not carry it
	Title    string
	Status   string // triggered, acknowledged, resolved
	Urgency  string // high, low
	Priority string // e.g. "P1"; empty when none
	Service  Service
	URL      string   // the incident's page on PagerDuty
	Teams    []string `json:",omitempty"` // its teams' names and IDs (routing's team=)
}

// Event is one thing that happened to one incident.
type Event struct {
	ID         string    // the event's id (V3 event.id, V2 message id)
	Kind       Kind      // what happened
	OccurredAt time.Time // when it happened; zero when the payload has none
	Agent      string    // who did it (user or service name); empty when unknown
	Incident   Incident

	// Detail of some kinds; empty otherwise.
	Note      string   // annotated: the note; responder.replied: the reply; status update: the message
	Assignees []string // triggered/reassigned/escalated/delegated: who it is assigned to now
	Responder string   // responder.added / responder.replied: who was asked / who replied
	// Bridge is the conference bridge's link a conference_bridge.updated
	// event sets (an http(s) URL); "" otherwise.
	Bridge string `json:",omitempty"`
	// Job is the operations job a JobReported event reports.
	Job *Job `json:",omitempty"`
	// ResponderPolicy: the responder asked (responder.added) is an
	// escalation policy, a team, not a person.
	ResponderPolicy bool   `json:",omitempty"`
	Escalation      string // delegated / escalated: escalation policy name
	ChatUser        string // responses in chat (Kind.FromChat): the responder's chat user ID ("U0123" on Slack)

	// Triggered: what a developer without a PagerDuty seat needs to look
	// into the alert. Source is the monitoring tool's page (V3
	// event.client, V2 channel client_url); Details are the alert's
	// details (V2 log entry channel.details, or fetched from the REST API),
	// sorted by key; Links are the alert's context links.
	Source  *Link    `json:",omitempty"`
	Details []Detail `json:",omitempty"`
	Links   []Link   `json:",omitempty"`

	// MergedInto is, for a resolution by a merge (resolve_reason
	// merge_resolve_reason), the incident this one was merged into: it was
	// not resolved by anyone, and does not count in the time to resolve.
	MergedInto *Incident `json:",omitempty"`

	// Triage is set by the deliver step on a trigger, never by PagerDuty:
	// what the incident's first message showed to help look into it, kept
	// with the incident so that the thread header keeps it when edited.
	Triage *Triage `json:",omitempty"`
	// Route is set by the deliver step when ROUTES are set, never by
	// PagerDuty: the text of the rule the incident follows.
	Route string `json:",omitempty"`
}

// Triage is what an incident's first message shows to help look into it.
type Triage struct {
	Assignees []string  `json:",omitempty"`
	Source    *Link     `json:",omitempty"` // the monitoring tool's page
	Details   []Detail  `json:",omitempty"` // the alert's details
	Links     []Link    `json:",omitempty"` // the alert's context links
	Runbooks  []Link    `json:",omitempty"` // the sheet's runbooks for it (Label: the note)
	Seen      *Sighting `json:",omitempty"` // the alert's earlier firings
	At        time.Time // the trigger's instant (the age of Seen.Last is told from it)
}

// Link is a labelled URL (the label may be empty).
type Link struct {
	Label, URL string
}

// Detail is one key: value of an alert's details, the value as text
// (JSON for a nested value).
type Detail struct {
	Key, Value string
}

// HistoryEvent is one incident event as the weekly digest needs it: kept
// in the incident history (state.History) for HistoryTTL, read back by
// digest.Compute.
type HistoryEvent struct {
	EventID     string
	IncidentID  string
	Number      int
	Kind        Kind
	At          time.Time
	Agent       string // who acknowledged / resolved…
	ServiceID   string
	Service     string
	Urgency     string
	Title       string
	URL         string   // the incident's page on PagerDuty, when the event carried it
	Fingerprint string   // triggers: the alert's fingerprint
	OnCall      []string // names of the people on call at At (business hours only)
	WorkingTime bool     // At was inside business hours on a working day
	Merged      bool     // a resolution by a merge into another incident (not a resolution by anyone)
	// Detail is what a timeline shows beside the kind: a job's name and
	// status ("restart app-3: started"), a role taken ("commander").
	Detail string `json:",omitempty"`
}

// Step is one status-changing event in an incident's story (triggered,
// acknowledged, resolved…): what the thread parent shows, and what the
// state store keeps.
type Step struct {
	Kind  Kind
	Agent string
	At    time.Time
	// Merged marks a resolution by a merge into another incident
	// (Event.MergedInto): the story ends "Merged", not "Resolved by …".
	Merged bool `json:",omitempty"`
}

// Closes reports whether a step of kind k closes an incident: a
// resolution, in PagerDuty or in chat.
func (k Kind) Closes() bool { return k == Resolved || k == ResolvedInChat }

// LastOpenOrClose is the index of the latest of steps that opens
// (triggered, reopened) or closes (Kind.Closes) the incident; -1 when
// none does.
func LastOpenOrClose(steps []Step) int {
	for k := len(steps) - 1; k >= 0; k-- {
		if kind := steps[k].Kind; kind == Triggered || kind == Reopened || kind.Closes() {
			return k
		}
	}
	return -1
}

// Closed reports whether an incident with these steps (oldest first) is
// resolved: its latest opening or closing step closes it, whatever came
// after (a late acknowledgement or 👀 does not reopen it).
func Closed(steps []Step) bool {
	k := LastOpenOrClose(steps)
	return k >= 0 && steps[k].Kind.Closes()
}
