package deliver_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/major"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/rotation/csvfile"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
	"github.com/pd2chat/pd2chat/shared/testkit/testlog"
	"github.com/pd2chat/pd2chat/shared/workday"

	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/incident"
)

// TestJobReports: a report naming a known incident is posted in its
// thread; one naming an unknown incident, or none, goes to the on-call
// channel, the unknown one saying so. Nobody is mentioned.
func TestJobReports(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	hours, _ := workday.ParseHours("Mon-Fri 10:00-17:00")
	r := &rig{slack: fakeslack.New(t), q: queue.NewMemory(), store: memory.New(), logs: &testlog.Buffer{}}
	var dests []fanout.Destination
	for _, ch := range []string{"C0ALERTS", "C0ONCALL"} {
		dests = append(dests, fanout.Destination{Name: "slack:" + ch, Dialect: message.Slack,
			Poster: slack.New(slack.Options{Token: "xoxb-t", APIURL: r.slack.APIURL(), Channel: ch, HTTPClient: r.slack.Client()})})
	}
	r.h = deliver.New(deliver.Config{
		Destinations: dests, Calendar: workday.New(loc, hours, workday.JP()), State: r.store,
		Rotation: csvfile.New("../../testdata/sheet"), Requeue: r.q, Log: slog.New(slog.NewJSONHandler(r.logs, nil)),
		MentionOn: incident.DefaultMentionOn, AlertDestinations: []string{"slack:C0ALERTS"}, OnCallDestinations: []string{"slack:C0ONCALL"},
		AttemptTimeout: 300 * time.Millisecond, Lease: 200 * time.Millisecond, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond,
	})
	trigger := event("T1", incident.Triggered, "Q1", 0)
	r.send(t, trigger)
	r.run(t, 1)
	report := func(key string, number int, name string) deliver.Job {
		ev := incident.Event{ID: key, Kind: incident.JobReported, OccurredAt: friday.Add(5 * time.Minute), Agent: "jenkins",
			Job: &incident.Job{Name: name, Status: incident.JobStarted, URL: "https://ci.example.com/job/42/"}}
		ev.Incident.Number = number
		return deliver.Job{Destination: deliver.NotifyDestination, Key: key, ReceivedAt: time.Now(), Event: &ev}
	}
	r.send(t, report("N1", 1002, "restart app-3"), report("N2", 777, "heap dump"), report("N3", 0, "rotate logs"))
	r.run(t, 1)
	posts := r.slack.Posts()
	byKey := map[string]string{}
	threads := map[string]string{}
	for _, p := range posts {
		key, _, _ := strings.Cut(p.Key, "/")
		byKey[key], threads[key] = p.Channel+": "+p.Text, p.ThreadTS
	}
	if got := byKey["N1"]; !strings.HasPrefix(got, "C0ALERTS: :arrow_forward: *Job started*: restart app-3 by jenkins — #1002") || threads["N1"] == "" ||
		strings.Contains(got, "<@") {
		t.Errorf("the report of a known incident: %q, thread %q", got, threads["N1"])
	}
	if got := byKey["N2"]; !strings.HasPrefix(got, "C0ONCALL: :arrow_forward: *Job started*: heap dump") || !strings.Contains(got, "Incident number 777 is not known") {
		t.Errorf("the report of an unknown incident: %q", got)
	}
	if got := byKey["N3"]; !strings.HasPrefix(got, "C0ONCALL: :arrow_forward: *Job started*: rotate logs by jenkins") || strings.Contains(got, "not known") {
		t.Errorf("the report of no incident: %q", got)
	}
}

// TestMajorThroughTheQueue: a P1 trigger sent to the alert channel and to
// the major destination (as the webhook sends it) gets its channel, linked
// from the alert's thread, once; a redelivery changes nothing.
func TestMajorThroughTheQueue(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Tokyo")
	hours, _ := workday.ParseHours("Mon-Fri 10:00-17:00")
	r := &rig{slack: fakeslack.New(t), q: queue.NewMemory(), store: memory.New(), logs: &testlog.Buffer{}}
	app := slack.NewApp(slack.Options{Token: "xoxb-t", APIURL: r.slack.APIURL(), HTTPClient: r.slack.Client()})
	r.h = deliver.New(deliver.Config{
		Destinations: []fanout.Destination{{Name: dest, Dialect: message.Slack,
			Poster: slack.New(slack.Options{Token: "xoxb-t", APIURL: r.slack.APIURL(), Channel: "C0ALERTS", HTTPClient: r.slack.Client()})}},
		Calendar: workday.New(loc, hours, workday.JP()), State: r.store, Rotation: csvfile.New("../../testdata/sheet"),
		Requeue: r.q, Log: slog.New(slog.NewJSONHandler(r.logs, nil)), MentionOn: incident.DefaultMentionOn,
		Major: major.Config{Slack: app, Store: r.store, Priorities: major.DefaultPriorities, AlertDestination: dest,
			Rotation: csvfile.New("../../testdata/sheet"), Calendar: workday.New(loc, hours, workday.JP()), Now: func() time.Time { return friday }},
		AttemptTimeout: 300 * time.Millisecond, Lease: 200 * time.Millisecond, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond,
	})
	trigger := event("T1", incident.Triggered, "Q1", 0)
	trigger.Event.Incident.Priority = "P1"
	toMajor := trigger
	toMajor.Destination = deliver.MajorDestination
	r.send(t, toMajor, trigger, toMajor)
	r.run(t, 1)
	chans := r.slack.Channels()
	if len(chans) != 1 || !strings.HasPrefix(chans[0].Name, "inc-1002-checkout-api-5xx-on-q1") {
		t.Fatalf("channels: %+v", chans)
	}
	linked := false
	for _, p := range r.slack.Posts() {
		linked = linked || (p.Channel == "C0ALERTS" && p.ThreadTS != "" && strings.Contains(p.Text, "<#"+chans[0].ID+">"))
	}
	if !linked {
		t.Errorf("the channel is not linked from the alert's thread: %+v", r.slack.Posts())
	}
}

// stubMajor answers every event with err.
type stubMajor struct{ err error }

func (s stubMajor) Handle(context.Context, incident.Event) error { return s.err }

// TestMajorRetryAfter: Slack's Retry-After on a major channel's rate limit
// is waited for, not the queue's shorter backoff.
func TestMajorRetryAfter(t *testing.T) {
	h := deliver.New(deliver.Config{Major: stubMajor{chat.Temporary(errors.New("slack: conversations.create: ratelimited"), 30*time.Second)}})
	j := event("T1", incident.Triggered, "Q1", 0)
	j.Destination = deliver.MajorDestination
	m, err := j.Message()
	if err != nil {
		t.Fatal(err)
	}
	out := h.Handle(context.Background(), []queue.Received{{ID: "1", Body: m.Body, Group: m.Group, ReceiveCount: 1, SentAt: time.Now()}})
	if out[0].Verdict != deliver.Retry || out[0].Delay < 30*time.Second {
		t.Errorf("verdict %v, delay %v; want a retry after Slack's 30s", out[0].Verdict, out[0].Delay)
	}
}
