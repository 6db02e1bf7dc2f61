package message

import (
	"cmp"
	"slices"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// Step is one status change in an incident's story (the domain's
// incident.Step).
type Step = incident.Step

// Summary is an incident's story so far: what its thread parent on Slack
// is edited to show as events arrive.
type Summary struct {
	Incident incident.Incident
	Tag      string // as Input.Tag
	Steps    []Step // oldest first
	Location *time.Location
	// Triage is what the first message showed to look into the incident
	// (first-seen, assignees, the alert's page, details and links,
	// runbooks): kept under the facts. Nil: none.
	Triage *incident.Triage
}

// summaryMaxSteps bounds the timeline line; older steps are left out.
const summaryMaxSteps = 8

// RenderSummary renders s: the current state as the headline ("Resolved by
// Y after 1h 25m — #1234 title"), the facts, a timeline ("Triggered 11:15
// → Acknowledged by X 11:19 (4m) → Resolved by Y 12:40 (1h 25m)") with the
// time since the trigger, and the tag. It is pure, like Render.
func RenderSummary(d Dialect, s Summary) string {
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	w := d.writer()
	w.b.Grow(256 + len(s.Incident.Title) + 64*len(s.Steps))

	var start time.Time
	for _, st := range s.Steps {
		if st.Kind == incident.Triggered {
			start = st.At
			break
		}
	}
	ev := incident.Event{Kind: incident.Triggered, Incident: s.Incident}
	var (
		elapsed time.Duration
		merged  bool
	)
	if n := len(s.Steps); n > 0 {
		last := s.Steps[n-1]
		if k := incident.LastOpenOrClose(s.Steps); k >= 0 && s.Steps[k].Kind.Closes() {
			last = s.Steps[k] // resolved: a later step (a late 👀, an acknowledgement) does not reopen it
		}
		ev.Kind, ev.Agent = last.Kind, last.Agent
		if !start.IsZero() {
			elapsed = last.At.Sub(start)
		}
		merged = last.Merged
	}
	if merged { // nobody resolved it: it goes on as another incident
		w.symbol(":link:", "🔗")
		w.strong(w.lang.T("summary.merged"))
		w.say("headline.ref", "Ref", w.sub(func(v *writer) { v.ref(&s.Incident) }))
	} else {
		w.headline(&ev, elapsed)
	}
	w.facts(&s.Incident)
	w.url(&s.Incident)
	if t := s.Triage; t != nil {
		if t.Seen != nil {
			w.seen(t.Seen, t.At)
		}
		if len(t.Assignees) > 0 {
			w.assigned(t.Assignees)
		}
		w.alert(&incident.Event{Source: t.Source, Details: t.Details, Links: t.Links})
		rbs := make([]rotation.Runbook, len(t.Runbooks))
		for i, rb := range t.Runbooks {
			rbs[i] = rotation.Runbook{URL: rb.URL, Note: rb.Label}
		}
		w.runbooks(rbs)
	}
	w.takers(s.Steps, start, loc)
	steps := s.Steps
	if len(steps) > summaryMaxSteps {
		steps = steps[len(steps)-summaryMaxSteps:]
		w.raw("\n… → ")
	} else if len(steps) > 0 {
		w.b.WriteByte('\n')
	}
	for i, st := range steps {
		if i > 0 {
			w.raw(" → ")
		}
		if st.Merged {
			w.strong(w.lang.T("step.merged"))
		} else {
			w.strong(w.lang.T(stepID(st.Kind)))
			w.by(st.Agent, 0)
		}
		var since time.Duration
		if !start.IsZero() && st.At.After(start) && st.Kind != incident.Triggered {
			since = st.At.Sub(start)
		}
		w.stepTime(st.At.In(loc), since)
	}
	foot := w.b.Len()
	w.footer(&Input{Tag: s.Tag})
	return fit(w.b.String(), foot, w.chat)
}

// stepID is the catalog ID of a status change as the timeline names it.
func stepID(k incident.Kind) string {
	switch k {
	case incident.Triggered, incident.Acknowledged, incident.Unacknowledged, incident.Resolved,
		incident.Reopened, incident.Reassigned, incident.Escalated, incident.Delegated,
		incident.ResolvedInChat:
		return kindID(k)
	case incident.Taken:
		return "step.taken"
	}
	return "step.updated"
}

// stepTime writes " 11:19 (4m)": the time of day of a step, and how long
// after the trigger when since > 0.
func (w *writer) stepTime(at time.Time, since time.Duration) {
	var d string
	if since > 0 {
		d = w.sub(func(v *writer) { v.duration(since) })
	}
	w.say("step.time", "Time", at.Format("15:04"), "Since", d)
}

// takers writes who said "I'm on it" in chat since the incident last
// (re)triggered, each once at their first take, while it is not resolved:
//
//	👀 Taken by tanaka 11:17 (2m), suzuki 11:18 (3m)
func (w *writer) takers(steps []Step, start time.Time, loc *time.Location) {
	k := incident.LastOpenOrClose(steps)
	if k >= 0 && steps[k].Kind.Closes() {
		return
	}
	var takes []Step
	for _, st := range steps[k+1:] {
		if st.Kind == incident.Taken && !slices.ContainsFunc(takes, func(t Step) bool { return t.Agent == st.Agent }) {
			takes = append(takes, st)
		}
	}
	if len(takes) == 0 {
		return
	}
	w.b.WriteByte('\n')
	w.symbol(":eyes:", "👀")
	w.strong(w.lang.T("summary.taken_by"))
	for i, st := range takes {
		if i == listMax {
			w.raw(w.lang.T("list.separator"))
			w.raw("…")
			break
		}
		if i > 0 {
			w.raw(w.lang.T("list.separator"))
		} else {
			w.b.WriteByte(' ')
		}
		w.text(cmp.Or(st.Agent, w.lang.T("someone")), nameMax)
		var since time.Duration
		if !start.IsZero() && st.At.After(start) {
			since = st.At.Sub(start)
		}
		w.stepTime(st.At.In(loc), since)
	}
}

// TimelineLine is one line of a major incident's timeline in dialect d:
// "11:19 Acknowledged by Tanaka", "11:25 Job: restart app-3: started
// (jenkins)", the time in loc, outside text made inert.
func TimelineLine(d Dialect, e incident.HistoryEvent, loc *time.Location) string {
	w := d.writer()
	w.raw(e.At.In(loc).Format("15:04"))
	w.b.WriteByte(' ')
	switch e.Kind {
	case incident.JobReported:
		w.raw(w.lang.T("timeline.job"))
		w.say("headline.colon", "Value", w.esc(e.Detail, fieldMax))
		w.by(e.Agent, 0)
	case incident.MajorDeclared:
		w.raw(w.lang.T("timeline.major"))
		w.by(e.Agent, 0)
	case incident.RoleTaken:
		w.say("timeline.role", "Role", w.esc(w.lang.T("role."+e.Detail), nameMax), "Name", w.esc(e.Agent, nameMax))
	case incident.StatusUpdatePublished, incident.Annotated, incident.NotedInChat, incident.ResponderAdded, incident.PriorityUpdated:
		w.raw(w.lang.T(map[incident.Kind]string{incident.StatusUpdatePublished: "kind.status_update", incident.Annotated: "kind.note",
			incident.NotedInChat: "kind.note", incident.ResponderAdded: "kind.responder_added", incident.PriorityUpdated: "timeline.priority"}[e.Kind]))
		w.by(e.Agent, 0)
	default:
		w.raw(w.lang.T(stepID(e.Kind)))
		w.by(e.Agent, 0)
	}
	return w.b.String()
}
