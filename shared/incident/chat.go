package incident

// Responses made in chat by the people on call, who have no PagerDuty
// seat: they are pd2chat's own event kinds, never PagerDuty's. Their
// Event.Agent is the responder's name (the sheet's name when their chat
// account is a member's, else the chat's user name) and Event.ChatUser
// their chat user ID.
const (
	// Taken: "I'm on it" (a button, or a reaction such as 👀). It stops the
	// re-mentions of the incident, as an acknowledgement in PagerDuty does.
	Taken Kind = "pd2chat.taken"
	// ResolvedInChat: "Resolved" pressed in chat. pd2chat's view of the
	// incident is resolved; PagerDuty's changes only when write-back is on.
	ResolvedInChat Kind = "pd2chat.resolved"
	// NotedInChat: a note added in chat; Event.Note holds it.
	NotedInChat Kind = "pd2chat.note"
	// LadderStep: a step of the escalation ladder was posted (package
	// escalation); HistoryEvent.Agent holds its level ("backup"). Only in
	// the history, for the weekly digest.
	LadderStep Kind = "pd2chat.escalation"
	// JobReported: an operations job (a CI job restarting a server, taking
	// a heap dump…) reported its start or end to /notify; Event.Job holds
	// it, Event.Agent who ran it.
	JobReported Kind = "pd2chat.job"
	// MajorDeclared: the incident got its own channel (package major).
	MajorDeclared Kind = "pd2chat.major"
	// RoleTaken: someone took an incident role in its major channel;
	// HistoryEvent.Detail holds the role (commander, sme, communications,
	// scribe).
	RoleTaken Kind = "pd2chat.role"
)

// Job is an operations job as /notify reports it.
type Job struct {
	Name   string // "restart app-3"
	Status string // JobStarted, JobSucceeded or JobFailed
	URL    string // the job's page (CI run); "" for none
	// Unknown is the incident number the report named when pd2chat does
	// not know that incident: the report goes to the on-call channel and
	// says so. 0 otherwise.
	Unknown int `json:",omitempty"`
}

// The statuses of a Job.
const (
	JobStarted   = "started"
	JobSucceeded = "succeeded"
	JobFailed    = "failed"
)

// FromChat reports whether k is a response made in chat.
func (k Kind) FromChat() bool {
	return k == Taken || k == ResolvedInChat || k == NotedInChat
}

// Responded reports whether an event of kind k is a response by a person
// (in chat or in PagerDuty): what stops re-mentions, and what the weekly
// digest's time to first response measures.
func (k Kind) Responded() bool {
	return k == Taken || k == ResolvedInChat || k == Acknowledged || k == Resolved
}

// ValidID reports whether id has the shape of a PagerDuty object ID:
// letters and digits only (Q1ABCDEF, PABC123), at most 64. What comes back
// from chat (a button's value, a message's metadata, a form's private
// metadata) is trusted only that far, since it may end up in a REST API
// path.
func ValidID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
