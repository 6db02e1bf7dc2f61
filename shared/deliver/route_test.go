package deliver_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/rotation/csvfile"
	"github.com/pd2chat/pd2chat/shared/routing"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
	"github.com/pd2chat/pd2chat/shared/testkit/testlog"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// TestRoutes: two teams in one deployment, each with its channel and its
// rotation tab. The payments incident goes to its team's channel and
// mentions its tab's people; its note, which carries no service, follows it
// into its thread; a low-urgency incident goes to its channel without a
// mention; everything else goes to the catch-all with the main rotation.
func TestRoutes(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"rotation.csv":          "date,oncall\n2026-11-20,Sato\n",
		"rotation_payments.csv": "date,oncall\n2026-11-20,Suzuki\n",
		"members.csv":           "name,slack\nSato,U01SATO0001\nSuzuki,U01SUZUKI01\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	routes, errs := routing.Parse("service=payments|PSVCPAY -> slack:C111 rotation=rotation_payments; urgency=low -> slack:C222 nomention; * -> slack:C000",
		func(d string) (string, error) { return d, nil })
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	payments := csvfile.New(dir)
	payments.RotationTab = "rotation_payments"
	loc, _ := time.LoadLocation("Asia/Tokyo")
	hours, _ := workday.ParseHours("Mon-Fri 10:00-17:00")
	r := &rig{slack: fakeslack.New(t), q: queue.NewMemory(), store: memory.New(), logs: &testlog.Buffer{}}
	var dests []fanout.Destination
	for _, ch := range []string{"C111", "C222", "C000"} {
		dests = append(dests, fanout.Destination{Name: "slack:" + ch, Dialect: message.Slack,
			Poster: slack.New(slack.Options{Token: "xoxb-t", APIURL: r.slack.APIURL(), Channel: ch, HTTPClient: r.slack.Client()})})
	}
	r.h = deliver.New(deliver.Config{
		Destinations: dests, Calendar: workday.New(loc, hours, workday.JP()), State: r.store,
		Rotation: csvfile.New(dir), Rotations: map[string]rotation.Source{"rotation_payments": payments},
		Routes: routes, Requeue: r.q, Log: slog.New(slog.NewJSONHandler(r.logs, nil)),
		AttemptTimeout: 300 * time.Millisecond, Lease: 200 * time.Millisecond, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond,
	})
	routed := func(j deliver.Job) deliver.Job { j.Destination = deliver.RouteDestination; return j }
	pay := event("pay-t", incident.Triggered, "QPAY", 0)
	pay.Event.Incident.Service = incident.Service{ID: "PSVCPAY", Name: "payments"}
	note := event("pay-n", incident.Annotated, "QPAY", 1)
	note.Event.Incident = incident.Incident{ID: "QPAY"} // a reference only
	low := event("low-t", incident.Triggered, "QLOW", 2)
	low.Event.Incident.Urgency = "low"
	other := event("oth-t", incident.Triggered, "QOTH", 3)
	r.send(t, routed(pay), routed(note), routed(low), routed(other))
	r.run(t, 2)

	byChannel := map[string][]fakeslack.Post{}
	for _, p := range r.slack.Posts() {
		byChannel[p.Channel] = append(byChannel[p.Channel], p)
	}
	if ps := byChannel["C111"]; len(ps) != 2 || !strings.Contains(ps[0].Text, "<@U01SUZUKI01>") || ps[1].ThreadTS != ps[0].TS {
		t.Errorf("payments channel: %+v; want the trigger mentioning Suzuki and the note in its thread", ps)
	}
	if ps := byChannel["C222"]; len(ps) != 1 || strings.Contains(ps[0].Text, "<@") {
		t.Errorf("low-urgency channel: %+v; want the trigger, mentioning nobody", ps)
	}
	if ps := byChannel["C000"]; len(ps) != 1 || !strings.Contains(ps[0].Text, "<@U01SATO0001>") || strings.Contains(ps[0].Text, "QPAY") {
		t.Errorf("catch-all channel: %+v; want the other trigger mentioning Sato", ps)
	}
	if inc, _, _ := r.store.Incident(t.Context(), "QPAY"); inc.Route != routes[0].Text {
		t.Errorf("the incident keeps route %q, want %q", inc.Route, routes[0].Text)
	}
	if w, _ := r.store.Waiting(t.Context()); len(w) != 2 {
		t.Errorf("waiting for follow-ups %+v: want the two routes that mention (not nomention)", w)
	}
	// A nomention route's incident is still recorded as in business hours.
	evs, _ := r.store.Between(t.Context(), friday.Add(-time.Hour), friday.Add(time.Hour))
	for _, e := range evs {
		if e.IncidentID == "QLOW" && !e.WorkingTime {
			t.Errorf("the nomention route's trigger is recorded outside business hours: %+v", e)
		}
	}

	// PagerDuty's test event (a text of no incident) reaches every rule's
	// destinations.
	r.send(t, deliver.Job{Destination: deliver.RouteDestination, Key: "ping-1", ReceivedAt: time.Now(), Text: "ping"})
	r.run(t, 1)
	pings := map[string]bool{}
	for _, p := range r.slack.Posts() {
		if p.Text == "ping" {
			pings[p.Channel] = true
		}
	}
	if len(pings) != 3 {
		t.Errorf("the ping reached %v, want the three channels", pings)
	}

	// The rules change under the open payments incident: its next note
	// stays in its thread, where it is.
	changed, errs := routing.Parse("service=payments|PSVCPAY -> slack:C000; * -> slack:C000", func(d string) (string, error) { return d, nil })
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	r.h = deliver.New(deliver.Config{
		Destinations: dests, Calendar: workday.New(loc, hours, workday.JP()), State: r.store,
		Rotation: csvfile.New(dir), Routes: changed, Requeue: r.q, Log: slog.New(slog.NewJSONHandler(r.logs, nil)),
		AttemptTimeout: 300 * time.Millisecond, Lease: 200 * time.Millisecond, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond,
	})
	note2 := event("pay-n2", incident.Annotated, "QPAY", 4)
	note2.Event.Incident = incident.Incident{ID: "QPAY"}
	r.send(t, routed(note2))
	r.run(t, 1)
	for _, p := range r.slack.Posts() {
		if strings.HasPrefix(p.Key, "pay-n2/") && (p.Channel != "C111" || p.ThreadTS == "") {
			t.Errorf("after the rules changed, the note went to %s (thread %q), want the incident's thread in C111", p.Channel, p.ThreadTS)
		}
	}
}

// TestRouteKeepsToChats: a major incident's record keeps the channel's
// records beside its threads ("major", "major:…"); when the ROUTES rules
// change under the incident, its next event goes to its chat threads
// only, not to those records as if they were destinations.
func TestRouteKeepsToChats(t *testing.T) {
	ctx := t.Context()
	loc, _ := time.LoadLocation("Asia/Tokyo")
	hours, _ := workday.ParseHours("Mon-Fri 10:00-17:00")
	r := &rig{slack: fakeslack.New(t), q: queue.NewMemory(), store: memory.New(), logs: &testlog.Buffer{}}
	dests := []fanout.Destination{{Name: "slack:C000", Dialect: message.Slack,
		Poster: slack.New(slack.Options{Token: "xoxb-t", APIURL: r.slack.APIURL(), Channel: "C000", HTTPClient: r.slack.Client()})}}
	// recorded under an older rule that is gone now
	if _, err := r.store.Record(ctx, incident.Event{ID: "x", Kind: incident.Triggered, OccurredAt: time.Now(), Route: "service=old -> slack:C000",
		Incident: incident.Incident{ID: "QPAY", Number: 1}}); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"slack:C000": "1763604900.000100", "major": "CMAJ1", "major:setup": "done",
		"major:event:e1": "1763604900.000200", "major:event:e1:try": "done"} {
		if _, err := r.store.SetThread(ctx, "QPAY", k, v); err != nil {
			t.Fatal(err)
		}
	}
	routes, _ := routing.Parse("* -> slack:C000", func(d string) (string, error) { return d, nil })
	r.h = deliver.New(deliver.Config{
		Destinations: dests, Calendar: workday.New(loc, hours, workday.JP()), State: r.store,
		Rotation: csvfile.New(t.TempDir()), Routes: routes, Requeue: r.q, Log: slog.New(slog.NewJSONHandler(r.logs, nil)),
		AttemptTimeout: 300 * time.Millisecond, Lease: 200 * time.Millisecond, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond,
	})
	note := event("n2", incident.Annotated, "QPAY", 4)
	note.Event.Incident = incident.Incident{ID: "QPAY"}
	note.Destination = deliver.RouteDestination
	r.send(t, note)
	r.run(t, 1)
	if s := r.logs.String(); strings.Contains(s, "major") || strings.Contains(s, "undeliverable") {
		t.Errorf("the incident's major records were taken for destinations:\n%s", s)
	}
	if n := len(r.slack.Posts()); n != 1 {
		t.Errorf("%d posts, want the note in its thread", n)
	}
}
