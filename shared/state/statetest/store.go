package statetest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
)

// A delivery op, for scripts of deliveries.
type op struct {
	do   string        // claim, posted, failed, release, abandon, wait
	dest string        // "" means "slack:C1"
	wait time.Duration // for wait
	want state.ClaimResult
}

func testDeliveries(t *testing.T, newStore NewStore) {
	claim := func(want state.ClaimResult) op { return op{do: "claim", want: want} }
	posted, failed, release, abandon := op{do: "posted"}, op{do: "failed"}, op{do: "release"}, op{do: "abandon"}
	wait := func(d time.Duration) op { return op{do: "wait", wait: d} }
	tests := []struct {
		name   string
		script []op
	}{
		{"claim, post, redelivery", []op{claim(state.Claimed), posted, claim(state.AlreadyPosted), wait(Lease * 2), claim(state.AlreadyPosted)}},
		{"destinations are separate", []op{claim(state.Claimed), posted, {do: "claim", dest: "slack:C2", want: state.Claimed}, {do: "claim", dest: "slack:C2", want: state.InFlight}}},
		{"claim, release, claim again", []op{claim(state.Claimed), release, claim(state.Claimed), posted, claim(state.AlreadyPosted)}},
		{"in flight until the lease ends", []op{claim(state.Claimed), claim(state.InFlight), wait(Lease), claim(state.InFlight)}},
		{"expired lease is taken over", []op{claim(state.Claimed), wait(Lease + time.Millisecond), claim(state.TakenOver), claim(state.InFlight)}},
		{"taken-over claim gets its own lease", []op{claim(state.Claimed), wait(Lease + time.Millisecond), claim(state.TakenOver), wait(Lease), claim(state.InFlight), wait(time.Millisecond), claim(state.TakenOver)}},
		{"failed stays failed", []op{claim(state.Claimed), failed, claim(state.AlreadyFailed), release, wait(Lease * 2), claim(state.AlreadyFailed)}},
		{"abandoned: taken over at once", []op{claim(state.Claimed), abandon, claim(state.TakenOver), claim(state.InFlight), abandon, claim(state.TakenOver), posted, claim(state.AlreadyPosted)}},
		{"abandon does not undo a post", []op{claim(state.Claimed), posted, abandon, claim(state.AlreadyPosted)}},
		{"abandon of nothing does nothing", []op{abandon, claim(state.Claimed)}},
		{"release does not undo a post", []op{claim(state.Claimed), posted, release, claim(state.AlreadyPosted)}},
		{"release of nothing does nothing", []op{release, claim(state.Claimed)}},
		{"a late failure does not undo a post", []op{claim(state.Claimed), posted, failed, claim(state.AlreadyPosted)}},
		{"a post overrides a failure", []op{claim(state.Claimed), failed, posted, claim(state.AlreadyPosted)}},
		{"done without a claim is recorded", []op{posted, claim(state.AlreadyPosted)}},
		{"kept at least DeliveryTTL", []op{claim(state.Claimed), posted, wait(state.DeliveryTTL - time.Second), claim(state.AlreadyPosted)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := NewClock()
			s := newStore(t, clk.Now)
			ctx := t.Context()
			for i, o := range tt.script {
				dest := o.dest
				if dest == "" {
					dest = "slack:C1"
				}
				var err error
				switch o.do {
				case "claim":
					var got state.ClaimResult
					got, err = s.Claim(ctx, "ev1", dest, Lease)
					if err == nil && got != o.want {
						t.Fatalf("step %d: Claim = %v, want %v", i, got, o.want)
					}
				case "posted", "failed":
					err = s.Done(ctx, "ev1", dest, o.do == "posted", "1700000000.000100")
				case "release":
					err = s.Release(ctx, "ev1", dest)
				case "abandon":
					err = s.Abandon(ctx, "ev1", dest)
				case "wait":
					clk.Add(o.wait)
				}
				if err != nil {
					t.Fatalf("step %d (%s): %v", i, o.do, err)
				}
			}
		})
	}
}

func testConcurrentClaims(t *testing.T, newStore NewStore) {
	s := newStore(t, NewClock().Now)
	const rounds, claimers = 50, 16
	for round := range rounds {
		key := fmt.Sprintf("ev-%d", round)
		results := make([]state.ClaimResult, claimers)
		errs := make([]error, claimers)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range claimers {
			wg.Go(func() {
				<-start
				results[i], errs[i] = s.Claim(t.Context(), key, "slack:C1", Lease)
			})
		}
		close(start)
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		count := map[state.ClaimResult]int{}
		for _, r := range results {
			count[r]++
		}
		if count[state.Claimed] != 1 || count[state.InFlight] != claimers-1 {
			t.Fatalf("round %d: results %v, want 1 claimed and %d in flight", round, count, claimers-1)
		}
	}
}

// fields is FullTrigger's incident without steps or threads.
var fields = state.Incident{
	ID: "Q1", Number: 42, Title: "Disk full", Service: "db", Urgency: "high", Priority: "P1",
	URL: "https://acme.pagerduty.com/incidents/Q1",
}

func with(inc state.Incident, steps ...state.Step) state.Incident {
	inc.Steps = steps
	return inc
}

func step(kind incident.Kind, agent string, at time.Time) state.Step {
	return state.Step{Kind: kind, Agent: agent, At: at}
}

func testRecord(t *testing.T, newStore NewStore) {
	h := func(n int) time.Time { return T0.Add(time.Duration(n) * time.Hour) }
	triggered := step(incident.Triggered, "Monitoring", h(-1))
	refOnly := func(kind incident.Kind) incident.Event {
		ev := StatusEvent(kind, "Ann", h(0))
		ev.Incident.Title = "Disk full" // reference events carry id, title, URL
		return ev
	}
	many := func(n int) ([]incident.Event, []state.Step) {
		var evs []incident.Event
		var steps []state.Step
		for i := range n {
			at := T0.Add(time.Duration(i) * time.Minute)
			evs = append(evs, StatusEvent(incident.Reassigned, "Ann", at))
			steps = append(steps, step(incident.Reassigned, "Ann", at))
		}
		return evs, steps
	}
	sixty, sixtySteps := many(60)
	tests := []struct {
		name   string
		events []incident.Event
		want   state.Incident
		status incident.Kind
	}{
		{
			name:   "first event",
			events: []incident.Event{FullTrigger()},
			want:   with(fields, triggered),
			status: incident.Triggered,
		},
		{
			name:   "reference-only event erases nothing",
			events: []incident.Event{FullTrigger(), refOnly(incident.Annotated)},
			want:   with(fields, triggered),
			status: incident.Triggered,
		},
		{
			name:   "reference-only first, full later",
			events: []incident.Event{refOnly(incident.Annotated), FullTrigger()},
			want:   with(fields, triggered),
			status: incident.Triggered,
		},
		{
			name:   "redelivery adds no step",
			events: []incident.Event{FullTrigger(), FullTrigger(), StatusEvent(incident.Acknowledged, "Ann", h(0)), StatusEvent(incident.Acknowledged, "Ann", h(0))},
			want:   with(fields, triggered, step(incident.Acknowledged, "Ann", h(0))),
			status: incident.Acknowledged,
		},
		{
			name:   "same instant, other agent or kind, is another step",
			events: []incident.Event{StatusEvent(incident.Acknowledged, "Ann", h(0)), StatusEvent(incident.Acknowledged, "Bob", h(0)), StatusEvent(incident.Reassigned, "Ann", h(0))},
			want: with(state.Incident{ID: "Q1"},
				step(incident.Acknowledged, "Ann", h(0)), step(incident.Acknowledged, "Bob", h(0)), step(incident.Reassigned, "Ann", h(0))),
			status: incident.Acknowledged,
		},
		{
			name:   "out of order steps are kept sorted",
			events: []incident.Event{StatusEvent(incident.Resolved, "Ann", h(2)), FullTrigger(), StatusEvent(incident.Acknowledged, "Ann", h(1))},
			want:   with(fields, triggered, step(incident.Acknowledged, "Ann", h(1)), step(incident.Resolved, "Ann", h(2))),
			status: incident.Resolved,
		},
		{
			name:   "non-status kinds add no step",
			events: []incident.Event{refOnly(incident.Annotated), refOnly(incident.ResponderAdded), refOnly(incident.PriorityUpdated)},
			want:   state.Incident{ID: "Q1", Title: "Disk full"},
			status: "",
		},
		{
			name:   "escalations are steps but not statuses",
			events: []incident.Event{FullTrigger(), StatusEvent(incident.Escalated, "", h(0))},
			want:   with(fields, triggered, step(incident.Escalated, "", h(0))),
			status: incident.Triggered,
		},
		{
			name:   "no occurred_at: the step is now",
			events: []incident.Event{StatusEvent(incident.Acknowledged, "Ann", time.Time{})},
			want:   with(state.Incident{ID: "Q1"}, step(incident.Acknowledged, "Ann", T0)),
			status: incident.Acknowledged,
		},
		{
			name:   "at most MaxSteps, the newest",
			events: sixty,
			want:   with(state.Incident{ID: "Q1"}, sixtySteps[10:]...),
			status: "",
		},
		{
			name:   "a step older than a full story is dropped",
			events: append(sixty[:60:60], StatusEvent(incident.Resolved, "Ann", h(-1))),
			want:   with(state.Incident{ID: "Q1"}, sixtySteps[10:]...),
			status: "",
		},
		{
			name:   "other time zones are the same instant",
			events: []incident.Event{StatusEvent(incident.Acknowledged, "Ann", h(0)), StatusEvent(incident.Acknowledged, "Ann", h(0).In(time.FixedZone("JST", 9*3600)))},
			want:   with(state.Incident{ID: "Q1"}, step(incident.Acknowledged, "Ann", h(0))),
			status: incident.Acknowledged,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, NewClock().Now)
			var got state.Incident
			for i, ev := range tt.events {
				var err error
				if got, err = s.Record(t.Context(), ev); err != nil {
					t.Fatalf("Record(event %d): %v", i, err)
				}
			}
			if d := diffIncident(got, tt.want); d != "" {
				t.Errorf("Record returned %s", d)
			}
			if st := got.Status(); st != tt.status {
				t.Errorf("Status() = %q, want %q", st, tt.status)
			}
			stored, ok, err := s.Incident(t.Context(), "Q1")
			if err != nil || !ok {
				t.Fatalf("Incident(Q1) = _, %v, %v; want found", ok, err)
			}
			if d := diffIncident(stored, tt.want); d != "" {
				t.Errorf("Incident returned %s", d)
			}
		})
	}
}

func testIncident(t *testing.T, newStore NewStore) {
	s := newStore(t, NewClock().Now)
	if inc, ok, err := s.Incident(t.Context(), "Q1"); err != nil || ok {
		t.Fatalf("Incident(never seen) = %+v, %v, %v; want not found", inc, ok, err)
	}
	if _, err := s.Record(t.Context(), FullTrigger()); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := s.Incident(t.Context(), "Q2"); err != nil || ok {
		t.Fatalf("Incident(other) = _, %v, %v; want not found", ok, err)
	}
	// What Incident returns is a copy: changing it changes nothing stored.
	inc, _, err := s.Incident(t.Context(), "Q1")
	if err != nil {
		t.Fatal(err)
	}
	inc.Steps[0].Agent = "Mallory"
	inc.Threads = map[string]string{"x": "y"}
	again, _, err := s.Incident(t.Context(), "Q1")
	if err != nil {
		t.Fatal(err)
	}
	if d := diffIncident(again, with(fields, step(incident.Triggered, "Monitoring", T0.Add(-time.Hour)))); d != "" {
		t.Errorf("after changing a returned copy: %s", d)
	}
}

// testRecordOver: RecordOver from what Incident read gives what Record
// gives, also when another writer changed the incident in between, and
// With shows the same incident before anything is written.
func testRecordOver(t *testing.T, newStore NewStore) {
	ctx := t.Context()
	s := newStore(t, NewClock().Now)
	base, ok, err := s.Incident(ctx, "Q1")
	if err != nil || ok {
		t.Fatalf("Incident = %v, %v", ok, err)
	}
	trig := FullTrigger()
	if d := diffIncident(base.With(trig, T0), with(fields, step(incident.Triggered, "Monitoring", T0.Add(-time.Hour)))); d != "" {
		t.Errorf("With: %s", d)
	}
	got, err := s.RecordOver(ctx, base, trig)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffIncident(got, with(fields, step(incident.Triggered, "Monitoring", T0.Add(-time.Hour)))); d != "" {
		t.Errorf("over nothing: %s", d)
	}
	// Read, then another writer acknowledges, then a stale RecordOver.
	stale, _, err := s.Incident(ctx, "Q1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Record(ctx, StatusEvent(incident.Acknowledged, "Ann", T0)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetThread(ctx, "Q1", "slack:C1", "1.1"); err != nil {
		t.Fatal(err)
	}
	got, err = s.RecordOver(ctx, stale, StatusEvent(incident.Resolved, "Bob", T0.Add(time.Hour)))
	if err != nil {
		t.Fatal(err)
	}
	want := with(fields, step(incident.Triggered, "Monitoring", T0.Add(-time.Hour)),
		step(incident.Acknowledged, "Ann", T0), step(incident.Resolved, "Bob", T0.Add(time.Hour)))
	want.Threads = map[string]string{"slack:C1": "1.1"}
	if d := diffIncident(got, want); d != "" {
		t.Errorf("over a stale read: %s", d)
	}
	if again, _, _ := s.Incident(ctx, "Q1"); diffIncident(again, want) != "" {
		t.Errorf("stored: %s", diffIncident(again, want))
	}
}

func testThreads(t *testing.T, newStore NewStore) {
	type set struct{ id, dest, ref, want string }
	tests := []struct {
		name        string
		recordFirst bool
		sets        []set
		want        map[string]string
	}{
		{
			name:        "first wins",
			recordFirst: true,
			sets:        []set{{"Q1", "slack:C1", "1.1", "1.1"}, {"Q1", "slack:C1", "2.2", "1.1"}},
			want:        map[string]string{"slack:C1": "1.1"},
		},
		{
			name:        "per destination",
			recordFirst: true,
			sets:        []set{{"Q1", "slack:C1", "1.1", "1.1"}, {"Q1", "slack:C2", "2.2", "2.2"}, {"Q1", "slack:C2", "3.3", "2.2"}},
			want:        map[string]string{"slack:C1": "1.1", "slack:C2": "2.2"},
		},
		{
			name: "before the incident was recorded",
			sets: []set{{"Q1", "slack:C1", "1.1", "1.1"}, {"Q1", "slack:C1", "2.2", "1.1"}, {"Q1", "typetalk:7", "9", "9"}},
			want: map[string]string{"slack:C1": "1.1", "typetalk:7": "9"},
		},
		{
			name:        "destinations with dots and colons",
			recordFirst: true,
			sets:        []set{{"Q1", "slack:C1.x#y", "1.1", "1.1"}, {"Q1", "slack:C1", "2.2", "2.2"}},
			want:        map[string]string{"slack:C1.x#y": "1.1", "slack:C1": "2.2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(t, NewClock().Now)
			ctx := t.Context()
			if tt.recordFirst {
				if _, err := s.Record(ctx, FullTrigger()); err != nil {
					t.Fatal(err)
				}
			}
			for i, st := range tt.sets {
				got, err := s.SetThread(ctx, st.id, st.dest, st.ref)
				if err != nil || got != st.want {
					t.Fatalf("SetThread #%d (%s, %s) = %q, %v; want %q", i, st.dest, st.ref, got, err, st.want)
				}
			}
			// Record keeps the threads, and reports them.
			inc, err := s.Record(ctx, StatusEvent(incident.Acknowledged, "Ann", T0))
			if err != nil {
				t.Fatal(err)
			}
			if !equalThreads(inc.Threads, tt.want) {
				t.Errorf("Record: threads %v, want %v", inc.Threads, tt.want)
			}
			inc, _, err = s.Incident(ctx, "Q1")
			if err != nil {
				t.Fatal(err)
			}
			if !equalThreads(inc.Threads, tt.want) {
				t.Errorf("Incident: threads %v, want %v", inc.Threads, tt.want)
			}
			if tt.recordFirst && inc.Number != 42 {
				t.Errorf("Incident: number %d, want 42 (SetThread lost Record's fields)", inc.Number)
			}
		})
	}
}

// testConcurrentIncidentWrites races Records of distinct steps and
// SetThreads: nothing may be lost, and every SetThread sees the one winner.
func testConcurrentIncidentWrites(t *testing.T, newStore NewStore) {
	s := newStore(t, NewClock().Now)
	const writers, perWriter = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter*2)
	winners := make(chan string, writers*perWriter)
	start := make(chan struct{})
	for w := range writers {
		wg.Go(func() {
			<-start
			for i := range perWriter {
				at := T0.Add(time.Duration(w*perWriter+i) * time.Minute)
				if _, err := s.Record(t.Context(), StatusEvent(incident.Reassigned, fmt.Sprint("agent", w), at)); err != nil {
					errs <- err
				}
				got, err := s.SetThread(t.Context(), "Q1", "slack:C1", fmt.Sprintf("%d.%d", w, i))
				if err != nil {
					errs <- err
				}
				winners <- got
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	close(winners)
	for err := range errs {
		t.Fatal(err)
	}
	inc, _, err := s.Incident(t.Context(), "Q1")
	if err != nil {
		t.Fatal(err)
	}
	if len(inc.Steps) != writers*perWriter {
		t.Errorf("%d steps, want %d: a concurrent Record was lost", len(inc.Steps), writers*perWriter)
	}
	if !slices.IsSortedFunc(inc.Steps, func(a, b state.Step) int { return a.At.Compare(b.At) }) {
		t.Errorf("steps not sorted: %v", inc.Steps)
	}
	for got := range winners {
		if got != inc.Threads["slack:C1"] {
			t.Errorf("SetThread returned %q, stored %q", got, inc.Threads["slack:C1"])
		}
	}
}

func testBadArguments(t *testing.T, newStore NewStore) {
	s := newStore(t, NewClock().Now)
	ctx := t.Context()
	tests := []struct {
		name string
		call func() error
	}{
		{"claim without key", func() error { _, err := s.Claim(ctx, "", "slack:C1", Lease); return err }},
		{"claim without destination", func() error { _, err := s.Claim(ctx, "ev1", "", Lease); return err }},
		{"claim without lease", func() error { _, err := s.Claim(ctx, "ev1", "slack:C1", 0); return err }},
		{"done without key", func() error { return s.Done(ctx, "", "slack:C1", true, "") }},
		{"release without destination", func() error { return s.Release(ctx, "ev1", "") }},
		{"record without incident", func() error { _, err := s.Record(ctx, incident.Event{ID: "e1", Kind: incident.Triggered}); return err }},
		{"set thread without ref", func() error { _, err := s.SetThread(ctx, "Q1", "slack:C1", ""); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, state.ErrUnavailable) {
				t.Errorf("%v is ErrUnavailable: callers would post anyway", err)
			}
			if !strings.HasPrefix(err.Error(), "state: ") {
				t.Errorf("%q does not say where", err)
			}
		})
	}
}

// diffIncident describes how got differs from want ("" when equal), with
// instants compared as instants and no threads equal to empty threads.
func diffIncident(got, want state.Incident) string {
	var d []string
	type fields struct{ ID, Number, Title, Service, Urgency, Priority, URL any }
	g := fields{got.ID, got.Number, got.Title, got.Service, got.Urgency, got.Priority, got.URL}
	w := fields{want.ID, want.Number, want.Title, want.Service, want.Urgency, want.Priority, want.URL}
	if g != w {
		d = append(d, fmt.Sprintf("fields %+v, want %+v", g, w))
	}
	if !slices.EqualFunc(got.Steps, want.Steps, func(a, b state.Step) bool {
		return a.Kind == b.Kind && a.Agent == b.Agent && a.At.Equal(b.At)
	}) {
		d = append(d, fmt.Sprintf("steps %v, want %v", got.Steps, want.Steps))
	}
	if !equalThreads(got.Threads, want.Threads) {
		d = append(d, fmt.Sprintf("threads %v, want %v", got.Threads, want.Threads))
	}
	return strings.Join(d, "; ")
}

func equalThreads(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// testTriage: the first trigger's triage is kept as it was, whole; a
// reopen's does not replace it.
func testTriage(t *testing.T, newStore NewStore) {
	s := newStore(t, NewClock().Now)
	tri := &incident.Triage{
		Assignees: []string{"Taro Yamada"},
		Source:    &incident.Link{Label: "Datadog", URL: "https://app.datadoghq.com/monitors/1"},
		Details:   []incident.Detail{{Key: "host", Value: "db-1"}},
		Links:     []incident.Link{{Label: "Dashboard", URL: "https://grafana.example.com/d/1"}},
		Runbooks:  []incident.Link{{Label: "HTTP 5xx", URL: "https://wiki.example.com/5xx"}},
		Seen:      &incident.Sighting{Count: 2, First: T0.Add(-48 * time.Hour), Last: T0.Add(-24 * time.Hour)},
		At:        T0,
	}
	ev := FullTrigger()
	ev.Triage = tri
	ev.Route = "service=web -> slack:C111"
	if _, err := s.Record(t.Context(), ev); err != nil {
		t.Fatal(err)
	}
	reopen := StatusEvent(incident.Reopened, "", T0.Add(time.Hour))
	reopen.Kind = incident.Triggered
	reopen.ID = "again"
	reopen.Triage = &incident.Triage{Assignees: []string{"Someone Else"}}
	reopen.Route = "service=web -> slack:C111" // the routing step keeps an incident's route
	if _, err := s.Record(t.Context(), reopen); err != nil {
		t.Fatal(err)
	}
	inc, _, err := s.Incident(t.Context(), ev.Incident.ID)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Route != "service=web -> slack:C111" {
		t.Errorf("route %q, want the routed events'", inc.Route)
	}
	if err := s.Await(t.Context(), state.Pending{IncidentID: "QR", TriggeredAt: T0, Route: inc.Route}); err != nil {
		t.Fatal(err)
	}
	if w, err := s.Waiting(t.Context()); err != nil || len(w) != 1 || w[0].Route != inc.Route {
		t.Errorf("waiting %+v, %v: want the route kept", w, err)
	}
	got, _ := json.Marshal(inc.Triage)
	want, _ := json.Marshal(tri)
	if string(got) != string(want) {
		t.Errorf("triage\n%s\nwant\n%s", got, want)
	}
}
