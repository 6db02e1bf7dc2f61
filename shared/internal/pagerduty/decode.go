package pagerduty

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/incident"
)

// Decode reads a delivery: V3 when the body holds "event", legacy V2 when it
// holds "messages". It returns the incident events in it.
//
// A V3 event of a type pd2chat does not handle (service.*, pagey.ping, an
// incident.* type PagerDuty adds later) gives a Delivery with no events and
// a nil error, and so does a V2 delivery whose messages are all of unknown
// types: the handler logs Delivery.Type and answers 2xx.
//
// Bad JSON or a wrong shape (a missing event type, id or incident id, a
// field of the wrong JSON type) is an error wrapping ErrMalformed: answer
// 400. A timestamp that does not parse is treated as absent (zero
// OccurredAt) rather than losing the alert.
func Decode(body []byte) (Delivery, error) {
	var env envelope
	err := json.Unmarshal(body, &env)
	// A field of the wrong type does not stop encoding/json: the rest is
	// decoded, and the first such error returned. It matters only when it
	// touches a delivery pd2chat handles, so it is judged below.
	var typeErr *json.UnmarshalTypeError
	if err != nil && !errors.As(err, &typeErr) {
		return Delivery{}, invalidJSON(err)
	}
	switch {
	case env.Event != nil && env.Messages != nil:
		return Delivery{}, fmt.Errorf("%w: both event and messages", ErrMalformed)
	case env.Event != nil:
		return decodeV3(env.Event, typeErr)
	case env.Messages != nil:
		if typeErr != nil {
			return Delivery{Version: 2}, wrongType(typeErr)
		}
		return decodeV2(*env.Messages)
	case typeErr != nil:
		return Delivery{}, wrongType(typeErr)
	default:
		return Delivery{}, fmt.Errorf("%w: not a PagerDuty webhook: neither event nor messages", ErrMalformed)
	}
}

// envelope holds both formats; which one is set tells the version.
type envelope struct {
	Event    *v3Event     `json:"event"`
	Messages *[]v2Message `json:"messages"`
}

// ref is a PagerDuty reference ({"id", "type", "summary", ...}) read for
// its summary only: every field decoded costs an allocation.
type ref struct {
	Summary string `json:"summary"`
}

func (r *ref) summary() string {
	if r == nil {
		return ""
	}
	return r.Summary
}

// serviceRef is a service_reference.
type serviceRef struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

func (r *serviceRef) service() incident.Service {
	if r == nil {
		return incident.Service{}
	}
	return incident.Service{ID: r.ID, Name: r.Summary}
}

// timestamp is an ISO 8601 instant; anything else leaves it zero.
type timestamp struct{ time.Time }

// UnmarshalJSON never fails: a missing or unreadable time is zero, and the
// caller then uses the receipt time.
func (t *timestamp) UnmarshalJSON(b []byte) error {
	if err := t.Time.UnmarshalJSON(b); err != nil {
		t.Time = time.Time{}
	}
	return nil
}

// ---- V3 ---------------------------------------------------------------

type v3Event struct {
	ID         string    `json:"id"`
	EventType  string    `json:"event_type"`
	OccurredAt timestamp `json:"occurred_at"`
	Agent      *ref      `json:"agent"`
	Client     *v3Client `json:"client"`
	Data       *v3Data   `json:"data"`
}

// v3Client is the tool an event came through (event.client): a
// monitoring tool's name and its page for the alert.
type v3Client struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

// v3Data is the union of the event.data shapes pd2chat reads: an incident
// (data.type "incident"), or an object that carries data.incident as an
// incident_reference (notes, responders, status updates, conference bridges,
// custom fields, workflows).
type v3Data struct {
	// incident
	ID               string      `json:"id"`
	Number           int         `json:"number"`
	Title            string      `json:"title"`
	Status           string      `json:"status"`
	Urgency          string      `json:"urgency"`
	HTMLURL          string      `json:"html_url"`
	Priority         *ref        `json:"priority"`
	Service          *serviceRef `json:"service"` // also incident_workflow_instance
	Assignees        []ref       `json:"assignees"`
	EscalationPolicy *ref        `json:"escalation_policy"` // also incident_responder
	Teams            []teamRef   `json:"teams"`
	ResolveReason    *struct {
		Type     string       `json:"type"`
		Incident *incidentRef `json:"incident"`
	} `json:"resolve_reason"`

	// objects about an incident
	Incident *incidentRef `json:"incident"`
	Content  string       `json:"content"` // incident_note
	User     *ref         `json:"user"`    // incident_responder
	Message  string       `json:"message"` // incident_responder, incident_status_update
	// ConferenceURL is an incident_conference_bridge's link.
	ConferenceURL string `json:"conference_url"`
}

type incidentRef struct {
	ID      string `json:"id"`
	Summary string `json:"summary"` // the incident's title
	HTMLURL string `json:"html_url"`
}

// shape of event.data for an event type.
type shape int

const (
	fullIncident shape = iota + 1 // data is the incident
	reference                     // data.incident references it
)

// v3Kind maps a V3 event type to its kind and the shape of its data.
func v3Kind(eventType string) (incident.Kind, shape, bool) {
	name, ok := strings.CutPrefix(eventType, "incident.")
	if !ok {
		return "", 0, false
	}
	switch k := incident.Kind(name); k {
	case incident.Triggered, incident.Acknowledged, incident.Unacknowledged,
		incident.Resolved, incident.Reassigned, incident.Escalated,
		incident.Delegated, incident.PriorityUpdated, incident.Reopened,
		incident.ServiceUpdated, incident.IncidentTypeChanged:
		return k, fullIncident, true
	case incident.Annotated, incident.ResponderAdded, incident.ResponderReplied,
		incident.StatusUpdatePublished, incident.ConferenceBridgeUpdate,
		incident.CustomFieldsUpdated, incident.WorkflowStarted,
		incident.WorkflowCompleted:
		return k, reference, true
	}
	return "", 0, false
}

func decodeV3(e *v3Event, typeErr *json.UnmarshalTypeError) (Delivery, error) {
	d := Delivery{Version: 3, Type: forLog(e.EventType)}
	if e.EventType == "" {
		if typeErr != nil {
			return d, wrongType(typeErr)
		}
		return d, fmt.Errorf("%w: event.event_type missing", ErrMalformed)
	}
	if e.EventType == "pagey.ping" {
		d.Ping = &Ping{ID: e.ID, OccurredAt: e.OccurredAt.Time}
		return d, nil
	}
	kind, sh, ok := v3Kind(e.EventType)
	if !ok {
		return d, nil // not ours: whatever its shape, answer 2xx
	}
	switch {
	case typeErr != nil:
		return d, wrongType(typeErr)
	case e.ID == "":
		return d, fmt.Errorf("%w: event.id missing", ErrMalformed)
	case e.Data == nil:
		return d, fmt.Errorf("%w: event.data missing", ErrMalformed)
	}
	data := e.Data
	ev := incident.Event{
		ID:         e.ID,
		Kind:       kind,
		OccurredAt: e.OccurredAt.Time,
		Agent:      e.Agent.summary(),
	}
	if sh == fullIncident {
		if data.ID == "" {
			return d, fmt.Errorf("%w: event.data.id missing", ErrMalformed)
		}
		ev.Incident = incident.Incident{
			ID:       data.ID,
			Number:   data.Number,
			Title:    data.Title,
			Status:   data.Status,
			Urgency:  data.Urgency,
			Priority: data.Priority.summary(),
			Service:  data.Service.service(),
			URL:      data.HTMLURL,
			Teams:    teams(data.Teams),
		}
	} else {
		if data.Incident == nil || data.Incident.ID == "" {
			return d, fmt.Errorf("%w: event.data.incident.id missing", ErrMalformed)
		}
		ev.Incident = incident.Incident{
			ID:    data.Incident.ID,
			Title: data.Incident.Summary,
			URL:   data.Incident.HTMLURL,
		}
	}
	switch kind {
	case incident.Triggered, incident.Reassigned:
		ev.Assignees = summaries(data.Assignees)
		if c := e.Client; kind == incident.Triggered && c != nil && isHTTP(c.URL) {
			ev.Source = &incident.Link{Label: strings.TrimSpace(c.Name), URL: c.URL}
		}
	case incident.Resolved:
		if rr := data.ResolveReason; rr != nil && strings.Contains(rr.Type, "merge") && rr.Incident != nil && rr.Incident.ID != "" {
			into := referenced(rr.Incident)
			ev.MergedInto = &into
		}
	case incident.Escalated, incident.Delegated:
		ev.Assignees = summaries(data.Assignees)
		ev.Escalation = data.EscalationPolicy.summary()
	case incident.Annotated:
		ev.Note = data.Content
	case incident.StatusUpdatePublished:
		ev.Note = data.Message
	case incident.ConferenceBridgeUpdate:
		if u := strings.TrimSpace(data.ConferenceURL); len(u) <= 2048 && (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) {
			ev.Bridge = u
		}
	case incident.ResponderAdded:
		ev.Responder = responder(data)
		ev.ResponderPolicy = data.User.summary() == "" && data.EscalationPolicy.summary() != ""
	case incident.ResponderReplied:
		ev.Responder = responder(data)
		ev.Note = data.Message
	case incident.WorkflowStarted, incident.WorkflowCompleted:
		// incident_workflow_instance names the incident's service too.
		ev.Incident.Service = data.Service.service()
	}
	d.Events = []incident.Event{ev}
	return d, nil
}

// responder is who was asked: a user, or else an escalation policy.
func responder(data *v3Data) string {
	if s := data.User.summary(); s != "" {
		return s
	}
	return data.EscalationPolicy.summary()
}

func summaries(refs []ref) []string {
	if len(refs) == 0 {
		return nil
	}
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		if r.Summary != "" {
			out = append(out, r.Summary)
		}
	}
	return nonEmpty(out)
}

// nonEmpty is s, or nil when s is empty.
func nonEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// ---- V2 ---------------------------------------------------------------

type v2Message struct {
	ID         string       `json:"id"`
	Event      string       `json:"event"`
	CreatedOn  timestamp    `json:"created_on"`
	Incident   *v2Incident  `json:"incident"`
	LogEntries []v2LogEntry `json:"log_entries"`
}

type v2Incident struct {
	ID               string         `json:"id"`
	Number           int            `json:"incident_number"`
	Title            string         `json:"title"`
	Status           string         `json:"status"`
	Urgency          string         `json:"urgency"`
	HTMLURL          string         `json:"html_url"`
	Service          *v2Service     `json:"service"`
	Assignments      []v2Assignment `json:"assignments"`
	Priority         *ref           `json:"priority"`
	EscalationPolicy *ref           `json:"escalation_policy"`
	Teams            []teamRef      `json:"teams"`
}

type v2Service struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Summary string `json:"summary"`
}

type v2Assignment struct {
	Assignee *ref `json:"assignee"`
}

type v2LogEntry struct {
	Agent   *ref       `json:"agent"`
	Channel *v2Channel `json:"channel"`
	Note    string     `json:"note"`
}

type v2Channel struct {
	Summary   string                     `json:"summary"`
	Content   string                     `json:"content"`
	Details   map[string]json.RawMessage `json:"details"`
	Client    string                     `json:"client"`
	ClientURL string                     `json:"client_url"`
}

// v2Kinds maps the legacy V2 message types onto the V3 kinds.
var v2Kinds = map[string]incident.Kind{
	"incident.trigger":       incident.Triggered,
	"incident.acknowledge":   incident.Acknowledged,
	"incident.unacknowledge": incident.Unacknowledged,
	"incident.resolve":       incident.Resolved,
	"incident.assign":        incident.Reassigned,
	"incident.escalate":      incident.Escalated,
	"incident.delegate":      incident.Delegated,
	"incident.annotate":      incident.Annotated,
}

func decodeV2(msgs []v2Message) (Delivery, error) {
	d := Delivery{Version: 2, Type: v2Types(msgs)}
	var events []incident.Event
	for i := range msgs {
		m := &msgs[i]
		kind, ok := v2Kinds[m.Event]
		if !ok {
			continue // unknown V2 types are skipped
		}
		switch {
		case m.ID == "":
			return d, fmt.Errorf("%w: messages[%d].id missing", ErrMalformed, i)
		case m.Incident == nil || m.Incident.ID == "":
			return d, fmt.Errorf("%w: messages[%d].incident.id missing", ErrMalformed, i)
		}
		in := m.Incident
		ev := incident.Event{
			ID:         m.ID,
			Kind:       kind,
			OccurredAt: m.CreatedOn.Time,
			Incident: incident.Incident{
				ID:       in.ID,
				Number:   in.Number,
				Title:    in.Title,
				Status:   in.Status,
				Urgency:  in.Urgency,
				Priority: in.Priority.summary(),
				URL:      in.HTMLURL,
				Teams:    teams(in.Teams),
			},
		}
		if s := in.Service; s != nil {
			name := s.Name
			if name == "" {
				name = s.Summary
			}
			ev.Incident.Service = incident.Service{ID: s.ID, Name: name}
		}
		for _, le := range m.LogEntries {
			if ev.Agent = le.Agent.summary(); ev.Agent != "" {
				break
			}
		}
		switch kind {
		case incident.Triggered:
			ev.Assignees = assignees(in.Assignments)
			ev.Source, ev.Details = v2Alert(m.LogEntries)
		case incident.Reassigned:
			ev.Assignees = assignees(in.Assignments)
		case incident.Escalated, incident.Delegated:
			ev.Assignees = assignees(in.Assignments)
			ev.Escalation = in.EscalationPolicy.summary()
		case incident.Annotated:
			ev.Note = v2Note(m.LogEntries)
		}
		events = append(events, ev)
	}
	d.Events = events
	return d, nil
}

func assignees(as []v2Assignment) []string {
	if len(as) == 0 {
		return nil
	}
	out := make([]string, 0, len(as))
	for _, a := range as {
		if s := a.Assignee.summary(); s != "" {
			out = append(out, s)
		}
	}
	return nonEmpty(out)
}

// v2Note is the text of an annotate log entry.
func v2Note(entries []v2LogEntry) string {
	for _, le := range entries {
		if c := le.Channel; c != nil {
			if c.Content != "" {
				return c.Content
			}
			if c.Summary != "" {
				return c.Summary
			}
		}
		if le.Note != "" {
			return le.Note
		}
	}
	return ""
}

// maxV2Types bounds how many distinct types v2Types lists.
const maxV2Types = 8

// v2Types lists the distinct message types in order, for logs: at most
// maxV2Types of them, then "...".
func v2Types(msgs []v2Message) string {
	if len(msgs) == 1 {
		return forLog(msgs[0].Event)
	}
	var seen []string
	for i := range msgs {
		t := forLog(msgs[i].Event)
		if slices.Contains(seen, t) {
			continue
		}
		if len(seen) == maxV2Types {
			seen = append(seen, "...")
			break
		}
		seen = append(seen, t)
	}
	return strings.Join(seen, ",")
}

// ---- errors -----------------------------------------------------------

// maxTypeLen bounds an event type kept for logs.
const maxTypeLen = 100

// forLog cuts s to maxTypeLen bytes without splitting a character.
func forLog(s string) string {
	if len(s) <= maxTypeLen {
		return s
	}
	i := maxTypeLen
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i]
}

// invalidJSON reports a syntax error by its offset only: encoding/json's
// message would quote a character of the payload.
func invalidJSON(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("%w: invalid JSON at byte %d", ErrMalformed, syn.Offset)
	}
	return fmt.Errorf("%w: invalid JSON", ErrMalformed)
}

// wrongType names the field whose JSON type is wrong (never its value).
func wrongType(e *json.UnmarshalTypeError) error {
	if e.Field == "" {
		return fmt.Errorf("%w: body is not a JSON object", ErrMalformed)
	}
	return fmt.Errorf("%w: %s has the wrong JSON type", ErrMalformed, e.Field)
}

// referenced is the incident an incident_reference names: its summary
// reads "[#1234] title" (https://developer.pagerduty.com/api-reference/,
// Incident reference), split into number and title.
func referenced(r *incidentRef) incident.Incident {
	out := incident.Incident{ID: r.ID, Title: r.Summary, URL: r.HTMLURL}
	if rest, ok := strings.CutPrefix(r.Summary, "[#"); ok {
		if num, title, ok := strings.Cut(rest, "] "); ok {
			if n, err := strconv.Atoi(num); err == nil && n > 0 {
				out.Number, out.Title = n, title
			}
		}
	}
	return out
}

// v2Alert is what the trigger log entry of a V2 message says of the alert:
// its tool's page (channel client / client_url) and its details
// (channel.details), sorted by key, values as text.
func v2Alert(entries []v2LogEntry) (*incident.Link, []incident.Detail) {
	for _, le := range entries {
		ch := le.Channel
		if ch == nil || (len(ch.Details) == 0 && ch.ClientURL == "") {
			continue
		}
		var src *incident.Link
		if isHTTP(ch.ClientURL) {
			src = &incident.Link{Label: strings.TrimSpace(ch.Client), URL: ch.ClientURL}
		}
		return src, details(ch.Details)
	}
	return nil, nil
}

// Bounds of an alert's details as decoded: a delivery may carry any
// amount, and a job must fit the delivery queue.
const (
	MaxDetails     = 20
	MaxDetailKey   = 100  // bytes
	MaxDetailValue = 1024 // bytes
)

// details turns a JSON object's fields into key: value text, sorted by
// key: a string as it is, anything else as compact JSON; at most
// MaxDetails, keys and values cut to their bounds.
func details(m map[string]json.RawMessage) []incident.Detail {
	out := make([]incident.Detail, 0, min(len(m), MaxDetails))
	for k, raw := range m {
		var s string
		if json.Unmarshal(raw, &s) != nil {
			var buf bytes.Buffer
			if json.Compact(&buf, raw) == nil {
				s = buf.String()
			} else {
				s = string(raw)
			}
		}
		out = append(out, incident.Detail{Key: incident.Clip(k, MaxDetailKey), Value: incident.Clip(s, MaxDetailValue)})
	}
	slices.SortFunc(out, func(a, b incident.Detail) int { return strings.Compare(a.Key, b.Key) })
	if len(out) > MaxDetails {
		out = out[:MaxDetails]
	}
	return out
}

// isHTTP reports whether u is an absolute http(s) URL.
func isHTTP(u string) bool {
	p, err := url.Parse(u)
	return err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != ""
}

// teamRef is a team_reference.
type teamRef struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

// teams are an incident's teams' names and IDs, for routing (team=).
func teams(refs []teamRef) []string {
	var out []string
	for _, t := range refs {
		for _, v := range []string{t.Summary, t.ID} {
			if v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}
