// Package digest computes the weekly on-call digest from the incident
// history (state.History): incidents by service and urgency, time to
// acknowledge and to resolve, business hours against outside, the load of
// each on-call person, and the noisiest alerts. Compute is pure; fetching
// the events and posting the report are the remind function's (package
// reminder), rendering is package message's.
//
// # Definitions
//
// Events are grouped by IncidentID; an event id seen twice counts once.
//
//   - An incident's trigger is its earliest "triggered" event. The
//     incidents of the week are those whose trigger is inside [from, to).
//     Every figure but the acknowledgements of each person is about them
//     only: an incident triggered before from is not counted, even when it
//     was acknowledged or resolved during the week (last week's digest
//     counted it), and an incident triggered late in the week counts with
//     its acknowledgement and resolution after to, when the events given
//     reach that far (see Horizon).
//   - Its service, urgency and fingerprint are the trigger's.
//   - Responded: it has a response at or after the trigger — an
//     acknowledgement in PagerDuty, or "I'm on it" or a resolve in chat
//     (incident.Taken, ResolvedInChat), whichever came first. Time to first
//     response = the first such event − the trigger; FirstInChat and
//     FirstInPagerDuty count where it was made. A later unacknowledge and
//     acknowledge again do not change it. A resolution in PagerDuty is not
//     a response (monitors resolve on their own).
//   - Resolved: its latest "resolved" event comes after its latest
//     "reopened" one (a reopened incident that was not resolved again is
//     open). Time to resolve = the latest resolve − the trigger: a reopened
//     incident's time to resolve spans every open period and the time it
//     was resolved in between, since it was not over until then.
//   - Median and 90th percentile use the nearest-rank method over the
//     incidents that have the value: the p-th percentile of n sorted
//     values is the ⌈p·n/100⌉-th; the median is the 50th percentile, i.e.
//     the lower middle value when n is even, never an average.
//   - Business hours or outside: the trigger's WorkingTime.
//   - Each person: OnShift counts the incidents whose trigger names them
//     on call (OnCall, which is empty outside business hours). Responded
//     counts the incidents they responded to during the week (a response
//     as above inside [from, to) whose Agent is their name — the sheet's
//     name for a response in chat — each incident once), whenever the
//     incident was triggered: it is the work they did that week, on call
//     or not; RespondedOutside counts those outside business hours. Names are matched
//     without regard to case or surrounding spaces; a person is shown with
//     the name the rotation sheet gives (OnCall), else the agent's.
//   - Escalations: per level of the escalation ladder, the incidents of
//     the week with a step of that level (incident.LadderStep, its Agent the
//     level), each incident once a level: an incident that reached the
//     lead also counts for the backups.
//   - Noisiest alerts: the fingerprints with the most incidents of the
//     week, at most MaxAlerts, ties by fingerprint; incidents without a
//     fingerprint are left out.
package digest

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// Horizon is how far past the week the events for a digest should reach:
// fetch [from, to+Horizon) so that an incident triggered late in the week
// counts with its acknowledgement and resolution. What the events do not
// show yet does not count: the scheduled digest runs on Monday at 10:00, so
// an incident of Sunday night acknowledged at 11:00 is "never acknowledged"
// there; a later remind --digest --week gives it its time.
const Horizon = 7 * 24 * time.Hour

// MaxAlerts is how many of the noisiest fingerprints a Report keeps.
const MaxAlerts = 5

// Urgencies as PagerDuty names them.
const (
	High = "high"
	Low  = "low"
)

// Report is one week's digest.
type Report struct {
	// From and To are the week, [From, To), in the team's zone.
	From, To time.Time

	// Incidents is how many incidents were triggered in the week; High and
	// Low how many of them had that urgency (the rest had another, or none).
	Incidents, High, Low int
	// BusinessHours and OutsideHours split Incidents by the trigger's
	// WorkingTime.
	BusinessHours, OutsideHours int

	// Services are the incidents by service, most incidents first, then by
	// name.
	Services []Service

	// FirstResponse is the time to first response (in chat or in
	// PagerDuty) over the incidents responded to; NoResponse counts the
	// others. FirstInChat and FirstInPagerDuty split FirstResponse.N by
	// where the first response was made.
	FirstResponse                 Stats
	NoResponse                    int
	FirstInChat, FirstInPagerDuty int
	// MTTR is the time to resolve over the resolved incidents; Unresolved
	// counts the others (still open at the end of the events). Reopened
	// counts the incidents reopened at least once.
	MTTR       Stats
	Unresolved int
	Reopened   int
	// Merged counts the incidents merged into another (resolve_reason
	// merge): neither resolved nor open; the surviving incident counts.
	Merged int

	// People are the on-call people and those who responded: most
	// incidents on shift first, then most responses, then by name.
	People []Person

	// Noisiest are the fingerprints with the most incidents.
	Noisiest []Alert

	// Escalations counts, per level of the escalation ladder ("pair",
	// "backup", "lead", "here": package escalation), the incidents of the
	// week whose ladder reached it; nil without a ladder step.
	Escalations map[string]int
}

// Stats summarises durations: how many, their median and 90th percentile
// (nearest rank). Median and P90 are zero when N is 0.
type Stats struct {
	N           int
	Median, P90 time.Duration
}

// Service is one service's incidents of the week.
type Service struct {
	ID, Name             string // Name may be empty when no event carried it
	Incidents, High, Low int
}

// Person is one person's week.
type Person struct {
	Name string
	// OnShift counts the incidents triggered while they were on call.
	OnShift int
	// Responded counts the incidents they responded to during the week
	// (in chat or in PagerDuty); RespondedOutside those of them outside
	// business hours.
	Responded, RespondedOutside int
}

// Alert is one alert fingerprint's incidents of the week.
type Alert struct {
	Fingerprint string
	Incidents   int
	// Service and Title are those of its latest incident, to recognise it.
	Service, Title string
}

// story is what Compute gathers of one incident.
type story struct {
	trigger     *incident.HistoryEvent // earliest triggered event
	response    time.Time              // first response at or after the trigger
	inChat      bool                   // it was made in chat
	lastResolve time.Time
	lastReopen  time.Time
	mergedAt    time.Time // resolved by a merge into another incident
	reopened    bool
	levels      map[string]bool // escalation ladder levels reached (incident.LadderStep)
}

// Compute is the digest of the week [from, to) from events, which may
// reach beyond it both ways (fetch [from, to+Horizon)); loc is the team's
// zone (nil: UTC), in which the report gives From and To. It is pure.
func Compute(events []incident.HistoryEvent, from, to time.Time, loc *time.Location) Report {
	if loc == nil {
		loc = time.UTC
	}
	r := Report{From: from.In(loc), To: to.In(loc)}
	evs := sortedUnique(events)

	// Each incident's story, in time order.
	stories := map[string]*story{}
	var order []string // incident ids by trigger time
	for i := range evs {
		e := &evs[i]
		s := stories[e.IncidentID]
		if s == nil {
			s = &story{}
			stories[e.IncidentID] = s
		}
		switch e.Kind {
		case incident.Triggered:
			if s.trigger == nil {
				s.trigger = e
				order = append(order, e.IncidentID)
			}
		case incident.Acknowledged, incident.Taken, incident.ResolvedInChat:
			if s.trigger != nil && s.response.IsZero() {
				s.response, s.inChat = e.At, e.Kind.FromChat()
			}
		case incident.Resolved:
			if e.Merged {
				s.mergedAt = e.At // merged into another incident: not resolved by anyone
			} else {
				s.lastResolve = e.At
			}
		case incident.Reopened:
			s.lastReopen, s.reopened = e.At, true
		case incident.LadderStep:
			if s.levels == nil {
				s.levels = map[string]bool{}
			}
			s.levels[e.Agent] = true
		}
	}

	people := newPeople()
	services := map[string]*Service{}
	alerts := map[string]*Alert{}
	var ttas, ttrs []time.Duration
	for _, id := range order {
		s := stories[id]
		t := s.trigger
		if t.At.Before(from) || !t.At.Before(to) {
			continue
		}
		r.Incidents++
		urgency := strings.ToLower(strings.TrimSpace(t.Urgency))
		high, low := urgency == High, urgency == Low
		if high {
			r.High++
		}
		if low {
			r.Low++
		}
		if t.WorkingTime {
			r.BusinessHours++
		} else {
			r.OutsideHours++
		}

		key := t.ServiceID
		if key == "" {
			key = "name:" + t.Service
		}
		svc := services[key]
		if svc == nil {
			svc = &Service{ID: t.ServiceID}
			services[key] = svc
		}
		if t.Service != "" {
			svc.Name = t.Service // the latest name, should it change
		}
		svc.Incidents++
		if high {
			svc.High++
		}
		if low {
			svc.Low++
		}

		merged := !s.mergedAt.IsZero() && s.mergedAt.After(s.lastReopen) && !s.mergedAt.Before(s.lastResolve)
		switch {
		case s.response.IsZero() && merged:
			// merged into another before anyone responded: that one counts
		case s.response.IsZero():
			r.NoResponse++
		case s.inChat:
			r.FirstInChat++
			ttas = append(ttas, s.response.Sub(t.At))
		default:
			r.FirstInPagerDuty++
			ttas = append(ttas, s.response.Sub(t.At))
		}
		switch {
		case !s.mergedAt.IsZero() && s.mergedAt.After(s.lastReopen) && !s.mergedAt.Before(s.lastResolve):
			r.Merged++ // the surviving incident counts
		case !s.lastResolve.IsZero() && s.lastResolve.After(s.lastReopen) && !s.lastResolve.Before(t.At):
			ttrs = append(ttrs, s.lastResolve.Sub(t.At))
		default:
			r.Unresolved++
		}
		if s.reopened {
			r.Reopened++
		}
		for level := range s.levels {
			if r.Escalations == nil {
				r.Escalations = map[string]int{}
			}
			r.Escalations[level]++
		}

		seen := map[string]bool{}
		for _, name := range t.OnCall {
			if p := people.get(name, true); p != nil && !seen[fold(name)] {
				seen[fold(name)] = true
				p.OnShift++
			}
		}

		if fp := t.Fingerprint; fp != "" {
			a := alerts[fp]
			if a == nil {
				a = &Alert{Fingerprint: fp}
				alerts[fp] = a
			}
			a.Incidents++
			a.Service, a.Title = t.Service, t.Title
		}
	}

	// Responses made during the week, each incident once a person.
	acked := map[[2]string]bool{}
	for i := range evs {
		e := &evs[i]
		response := e.Kind == incident.Acknowledged || e.Kind == incident.Taken || e.Kind == incident.ResolvedInChat
		if !response || e.At.Before(from) || !e.At.Before(to) {
			continue
		}
		p := people.get(e.Agent, false)
		if p == nil {
			continue
		}
		k := [2]string{fold(e.Agent), e.IncidentID}
		if acked[k] {
			continue
		}
		acked[k] = true
		p.Responded++
		if !e.WorkingTime {
			p.RespondedOutside++
		}
	}

	r.FirstResponse, r.MTTR = summarise(ttas), summarise(ttrs)
	for _, s := range services {
		r.Services = append(r.Services, *s)
	}
	slices.SortFunc(r.Services, func(a, b Service) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
	})
	r.People = people.sorted()
	for _, a := range alerts {
		r.Noisiest = append(r.Noisiest, *a)
	}
	slices.SortFunc(r.Noisiest, func(a, b Alert) int {
		return cmp.Or(cmp.Compare(b.Incidents, a.Incidents), cmp.Compare(a.Fingerprint, b.Fingerprint))
	})
	if len(r.Noisiest) > MaxAlerts {
		r.Noisiest = r.Noisiest[:MaxAlerts]
	}
	return r
}

// sortedUnique is events without repeated event ids, oldest first (ties
// by event id).
func sortedUnique(events []incident.HistoryEvent) []incident.HistoryEvent {
	out := slices.Clone(events)
	slices.SortStableFunc(out, func(a, b incident.HistoryEvent) int {
		return cmp.Or(a.At.Compare(b.At), cmp.Compare(a.EventID, b.EventID))
	})
	seen := make(map[string]bool, len(out))
	return slices.DeleteFunc(out, func(e incident.HistoryEvent) bool {
		if e.EventID == "" {
			return false
		}
		dup := seen[e.EventID]
		seen[e.EventID] = true
		return dup
	})
}

// fold is a name as names are compared.
func fold(name string) string { return strings.ToLower(strings.TrimSpace(name)) }

// people are the persons of a report, by folded name.
type people struct {
	by     map[string]*Person
	onCall map[string]bool // the name came from OnCall (the sheet)
}

func newPeople() *people {
	return &people{by: map[string]*Person{}, onCall: map[string]bool{}}
}

// get is the person of name (created), nil for a blank name. A name from
// the sheet replaces one seen only as an agent.
func (ps *people) get(name string, fromSheet bool) *Person {
	k := fold(name)
	if k == "" {
		return nil
	}
	p := ps.by[k]
	if p == nil {
		p = &Person{Name: strings.TrimSpace(name)}
		ps.by[k] = p
	}
	if fromSheet && !ps.onCall[k] {
		p.Name, ps.onCall[k] = strings.TrimSpace(name), true
	}
	return p
}

func (ps *people) sorted() []Person {
	var out []Person
	for _, p := range ps.by {
		out = append(out, *p)
	}
	slices.SortFunc(out, func(a, b Person) int {
		return cmp.Or(cmp.Compare(b.OnShift, a.OnShift), cmp.Compare(b.Responded, a.Responded),
			cmp.Compare(fold(a.Name), fold(b.Name)), cmp.Compare(a.Name, b.Name))
	})
	return out
}

// summarise is the count, median and 90th percentile of ds.
func summarise(ds []time.Duration) Stats {
	if len(ds) == 0 {
		return Stats{}
	}
	slices.Sort(ds)
	return Stats{N: len(ds), Median: Percentile(ds, 50), P90: Percentile(ds, 90)}
}

// Percentile is the p-th percentile (0 < p <= 100) of sorted, by the
// nearest-rank method: the ⌈p·n/100⌉-th smallest of the n values (the
// first for p near 0). Zero when sorted is empty.
func Percentile(sorted []time.Duration, p int) time.Duration {
	n := len(sorted)
	if n == 0 {
		return 0
	}
	rank := (p*n + 99) / 100 // ⌈p·n/100⌉ in integers
	rank = max(1, min(rank, n))
	return sorted[rank-1]
}

// Monday is the Monday of d's week (ISO weeks run Monday to Sunday).
func Monday(d rotation.Date) rotation.Date {
	t := time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
	back := (int(t.Weekday()) + 6) % 7 // days since Monday
	return rotation.DateOf(t.AddDate(0, 0, -back))
}

// Week is the week that starts on monday (a Monday), in loc (nil: UTC):
// [its 00:00, the next Monday's 00:00). A week with a clock change is an
// hour shorter or longer.
func Week(monday rotation.Date, loc *time.Location) (from, to time.Time) {
	if loc == nil {
		loc = time.UTC
	}
	from = time.Date(monday.Year, monday.Month, monday.Day, 0, 0, 0, 0, loc)
	return from, time.Date(monday.Year, monday.Month, monday.Day+7, 0, 0, 0, 0, loc)
}
