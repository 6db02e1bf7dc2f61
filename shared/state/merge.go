package state

import (
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
)

// stepKinds are the kinds that become a Step.
var stepKinds = map[incident.Kind]bool{
	incident.Triggered:      true,
	incident.Acknowledged:   true,
	incident.Unacknowledged: true,
	incident.Resolved:       true,
	incident.Reopened:       true,
	incident.Reassigned:     true,
	incident.Escalated:      true,
	incident.Delegated:      true,
	incident.Taken:          true,
	incident.ResolvedInChat: true,
}

// Responded reports whether someone has responded to the incident since it
// last (re)triggered: acknowledged or resolved it in PagerDuty, or said
// "I'm on it" or resolved it in chat (incident.Kind.Responded). An
// incident nobody has responded to is what the follow-ups re-mention.
func (i Incident) Responded() bool {
	for k := len(i.Steps) - 1; k >= 0; k-- {
		switch kind := i.Steps[k].Kind; {
		case kind.Responded():
			return true
		case kind == incident.Triggered || kind == incident.Reopened || kind == incident.Unacknowledged:
			return false
		}
	}
	return false
}

// Destinations are the chat destinations the incident has a thread in
// ("slack:C0123"), sorted: the keys of Threads, less the records package
// major keeps there ("major" and "major:…", its channel and its steps).
func (i Incident) Destinations() []string {
	var out []string
	for k := range i.Threads {
		if k != "major" && !strings.HasPrefix(k, "major:") {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// Closed reports whether the incident's latest opening or closing step is
// a resolution (in PagerDuty or in chat): resolved, until it is reopened
// or triggered again.
func (i Incident) Closed() bool { return incident.Closed(i.Steps) }

// TakenBy reports whether agent said "I'm on it" in chat since the
// incident last (re)triggered.
func (i Incident) TakenBy(agent string) bool {
	for k := len(i.Steps) - 1; k >= 0; k-- {
		switch st := i.Steps[k]; st.Kind {
		case incident.Taken:
			if st.Agent == agent {
				return true
			}
		case incident.Triggered, incident.Reopened:
			return false
		}
	}
	return false
}

// merge folds ev into inc, the one rule both stores follow. Fields are set
// only from non-empty values of ev (a reference-only event with Number 0
// erases nothing). A status-changing ev adds a Step at ev.OccurredAt (now
// when the payload had none), unless a step of the same kind, agent and
// instant is there; steps stay sorted by At (stable for equal instants) and
// only the newest MaxSteps are kept. It reports whether inc changed.
func merge(inc *Incident, ev incident.Event, now time.Time) bool {
	changed := false
	set := func(dst *string, v string) {
		if v != "" && *dst != v {
			*dst = v
			changed = true
		}
	}
	if inc.ID == "" {
		inc.ID = ev.Incident.ID
		changed = true
	}
	if n := ev.Incident.Number; n != 0 && inc.Number != n {
		inc.Number = n
		changed = true
	}
	set(&inc.Title, ev.Incident.Title)
	set(&inc.Service, ev.Incident.Service.Name)
	set(&inc.Urgency, ev.Incident.Urgency)
	set(&inc.Priority, ev.Incident.Priority)
	set(&inc.URL, ev.Incident.URL)

	if ev.Route != "" && inc.Route != ev.Route {
		inc.Route = ev.Route // the routing step's latest decision (it keeps an incident's route while ROUTES has it)
		changed = true
	}
	if ev.Triage != nil && inc.Triage == nil && ev.Kind == incident.Triggered {
		inc.Triage = ev.Triage // the first trigger's: a reopen's message does not replace it
		changed = true
	}
	if !stepKinds[ev.Kind] {
		return changed
	}
	at := ev.OccurredAt
	if at.IsZero() {
		at = now
	}
	step := Step{Kind: ev.Kind, Agent: ev.Agent, At: at.UTC(), Merged: ev.Kind == incident.Resolved && ev.MergedInto != nil}
	for _, s := range inc.Steps {
		if s.Kind == step.Kind && s.Agent == step.Agent && s.At.Equal(step.At) {
			return changed
		}
	}
	// Insert after every step at or before step.At: arrival order breaks ties.
	i := len(inc.Steps)
	for i > 0 && inc.Steps[i-1].At.After(step.At) {
		i--
	}
	if len(inc.Steps) >= MaxSteps && i == 0 {
		return changed // older than everything kept: it would be dropped at once
	}
	inc.Steps = slices.Insert(inc.Steps, i, step)
	if n := len(inc.Steps) - MaxSteps; n > 0 {
		inc.Steps = slices.Delete(inc.Steps, 0, n)
	}
	return true
}

// Clone returns a copy of i that shares no memory with it (Steps,
// Threads): what a store keeps apart from what it returns.
func (i Incident) Clone() Incident {
	i.Steps = slices.Clone(i.Steps)
	i.Threads = maps.Clone(i.Threads)
	return i
}
