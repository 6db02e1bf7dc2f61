package deliver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/testkit/fakepagerduty"
	"github.com/pd2chat/pd2chat/shared/writeback"
)

// response is a job for a response made in Slack, as the Slack app
// enqueues it.
func response(key string, kind incident.Kind, incidentID, name, user string, minutes int) deliver.Job {
	j := event(key, kind, incidentID, minutes)
	j.Event.Incident = incident.Incident{ID: incidentID}
	j.Event.Agent, j.Event.ChatUser = name, user
	if kind == incident.NotedInChat {
		j.Event.Note = "restarted db-1"
	}
	return j
}

// buttons is the action IDs of a Slack message's blocks.
func buttons(t *testing.T, blocks string) []string {
	t.Helper()
	if blocks == "" {
		return nil
	}
	var bs []struct {
		Type     string `json:"type"`
		Elements []struct {
			ActionID string `json:"action_id"`
		} `json:"elements"`
	}
	if err := json.Unmarshal([]byte(blocks), &bs); err != nil {
		t.Fatalf("blocks %s: %v", blocks, err)
	}
	var ids []string
	for _, b := range bs {
		for _, e := range b.Elements {
			ids = append(ids, e.ActionID)
		}
	}
	return ids
}

// TestRespondInChat: the alert carries the buttons; "I'm on it" and a
// resolve made in chat reply in the thread without mentioning anyone, edit
// the thread's first message to show who took it and stop the follow-ups;
// once resolved only Add note is left.
func TestRespondInChat(t *testing.T) {
	r := newRig(t, func(c *deliver.Config) { c.Interactive = true })
	r.send(t, event("ev-t", incident.Triggered, "Q1", 0))
	r.run(t, 1)
	posts := r.slack.Posts()
	if len(posts) != 1 {
		t.Fatalf("%d posts", len(posts))
	}
	parent := posts[0]
	if got := strings.Join(buttons(t, parent.Blocks), ","); got != chat.ActionTake+","+chat.ActionResolve+","+chat.ActionNote {
		t.Errorf("the alert's buttons: %q", got)
	}
	if !strings.Contains(parent.Metadata, `"incident":"Q1"`) {
		t.Errorf("the alert's metadata does not name its incident: %s", parent.Metadata)
	}
	if waiting, _ := r.store.Waiting(context.Background()); len(waiting) != 1 {
		t.Fatalf("the in-hours trigger should wait for a response: %+v", waiting)
	}

	r.send(t, response("slack/take1", incident.Taken, "Q1", "Tanaka", "U01TANAKA01", 2),
		response("slack/take2", incident.Taken, "Q1", "Suzuki", "U01SUZUKI01", 3))
	r.run(t, 1)
	posts = r.slack.Posts()
	if len(posts) != 3 {
		t.Fatalf("%d posts, want the alert and two replies", len(posts))
	}
	for _, reply := range posts[1:] {
		if reply.ThreadTS != parent.TS || strings.Contains(reply.Text, "<@") || !strings.Contains(reply.Text, "On it") ||
			!strings.Contains(reply.Text, "checkout-api: 5xx on Q1") {
			t.Errorf("reply %+v: want a short reply in the thread that mentions nobody", reply)
		}
	}
	updates := r.slack.Updates()
	last := updates[len(updates)-1]
	if last.TS != parent.TS || !strings.Contains(last.Text, "Taken by* Tanaka") || !strings.Contains(last.Text, "Suzuki") {
		t.Errorf("the thread's first message reads\n%s", last.Text)
	}
	if len(buttons(t, last.Blocks)) != 3 {
		t.Errorf("the edited first message lost its buttons: %s", last.Blocks)
	}
	if waiting, _ := r.store.Waiting(context.Background()); len(waiting) != 0 {
		t.Errorf("taken, the incident still waits for follow-ups: %+v", waiting)
	}
	inc, _, _ := r.store.Incident(context.Background(), "Q1")
	if !inc.Responded() {
		t.Errorf("the store does not know the incident was taken: %+v", inc.Steps)
	}

	r.send(t, response("slack/resolve", incident.ResolvedInChat, "Q1", "Tanaka", "U01TANAKA01", 30))
	r.run(t, 1)
	updates = r.slack.Updates()
	last = updates[len(updates)-1]
	if !strings.Contains(last.Text, "Resolved in chat") || strings.Join(buttons(t, last.Blocks), ",") != chat.ActionNote {
		t.Errorf("resolved in chat, the first message reads\n%s\nwith buttons %v", last.Text, buttons(t, last.Blocks))
	}
}

// TestResponseToAnUnknownIncident: a press on an incident pd2chat has no
// thread of posts nothing and records nothing; the person alone is told.
func TestResponseToAnUnknownIncident(t *testing.T) {
	r := newRig(t, func(c *deliver.Config) { c.Interactive = true })
	r.send(t, response("slack/old", incident.Taken, "QOLD", "Tanaka", "U01TANAKA01", 0))
	r.run(t, 1)
	if posts := r.slack.Posts(); len(posts) != 0 {
		t.Errorf("posted %+v", posts)
	}
	eph := r.slack.Ephemerals()
	if len(eph) != 1 || eph[0].User != "U01TANAKA01" || eph[0].Channel != "C0ALERTS" || !strings.Contains(eph[0].Text, "does not know this incident") {
		t.Errorf("ephemeral answers %+v", eph)
	}
	if _, found, _ := r.store.Incident(context.Background(), "QOLD"); found {
		t.Error("an unknown incident was recorded")
	}
}

// TestNoButtonsWithoutTheApp: without the Slack app's signing secret the
// alert carries no buttons nobody could answer.
func TestNoButtonsWithoutTheApp(t *testing.T) {
	r := newRig(t, nil)
	r.send(t, event("ev-t", incident.Triggered, "Q1", 0))
	r.run(t, 1)
	if p := r.slack.Posts(); len(p) != 1 || p[0].Blocks != "" {
		t.Errorf("posts %+v", p)
	}
}

// TestWriteBack: with PAGERDUTY_API_TOKEN a response made in chat is also
// written to PagerDuty through the queue: once, retried on a rate limit,
// dead-lettered (so it pages) when PagerDuty refuses it for good.
func TestWriteBack(t *testing.T) {
	pd := fakepagerduty.New(t)
	r := newRig(t, func(c *deliver.Config) {
		c.WriteBack = writeback.New(writeback.Config{Token: "u+key", From: "pd2chat@example.com", APIURL: pd.URL, AckOnTake: true})
	})
	limited := 0
	pd.Fail(func(w http.ResponseWriter, req *http.Request) bool {
		if limited < 2 {
			limited++
			fakepagerduty.Error(w, http.StatusTooManyRequests, "Rate Limit Exceeded", 2020)
			return true
		}
		return false
	})
	// A response to an incident pd2chat never posted is not written.
	unknown := response("slack/old", incident.Taken, "QOLD", "Tanaka", "U01TANAKA01", 0)
	unknown.Destination = deliver.WriteBackDestination
	r.send(t, unknown)
	r.run(t, 1)
	if calls := pd.Calls(); len(calls) != 0 {
		t.Fatalf("wrote a response to an unknown incident: %+v", calls)
	}

	r.send(t, event("ev-t", incident.Triggered, "Q1", 0))
	r.run(t, 1)
	take := response("slack/take1", incident.Taken, "Q1", "Tanaka", "U01TANAKA01", 2)
	take.Destination = deliver.WriteBackDestination
	r.send(t, take, take) // the same press twice: written once
	r.run(t, 1)
	var got []string
	for _, c := range pd.Calls() {
		got = append(got, c.Method+" "+c.Path+" "+c.Status+c.Note)
	}
	want := []string{"PUT /incidents acknowledged", "PUT /incidents acknowledged", "PUT /incidents acknowledged",
		"POST /incidents/Q1/notes Taken by Tanaka (in chat, through pd2chat)"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("PagerDuty calls\n%s\nwant (two rate limits, then once)\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if posts := r.slack.Posts(); len(posts) != 1 {
		t.Errorf("a write-back posted to Slack: %+v", posts)
	}

	pd.Fail(func(w http.ResponseWriter, req *http.Request) bool {
		fakepagerduty.Error(w, http.StatusUnauthorized, "Unauthorized", 2006)
		return true
	})
	note := response("slack/note1", incident.NotedInChat, "Q1", "Tanaka", "U01TANAKA01", 5)
	note.Destination = deliver.WriteBackDestination
	r.send(t, note)
	r.run(t, 1)
	if _, reasons := r.q.DeadLettered(); len(reasons) != 1 || !strings.Contains(reasons[0], "Unauthorized") || strings.Contains(reasons[0], "u+key") {
		t.Errorf("dead letters %q, want the refused note with PagerDuty's reason", reasons)
	}
}

// TestResponseOnACompanyDayOff: a response made on one of the sheet's
// company days off (Tue 2026-12-29, a weekday in business hours by the
// public calendar) is recorded as outside business hours, for the digest.
func TestResponseOnACompanyDayOff(t *testing.T) {
	r := newRig(t, func(c *deliver.Config) { c.Interactive = true })
	dayOff := time.Date(2026, 12, 29, 2, 15, 0, 0, time.UTC) // 11:15 JST
	trig := event("ev-t", incident.Triggered, "Q1", 0)
	trig.Event.OccurredAt = dayOff
	take := response("slack/take1", incident.Taken, "Q1", "Tanaka", "U01TANAKA01", 0)
	take.Event.OccurredAt = dayOff.Add(2 * time.Minute)
	r.send(t, trig, take)
	r.run(t, 1)
	evs, err := r.store.Between(context.Background(), dayOff.Add(-time.Hour), dayOff.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 2 {
		t.Fatalf("history %+v", evs)
	}
	for _, e := range evs {
		if e.WorkingTime {
			t.Errorf("%s on a company day off recorded as in business hours", e.Kind)
		}
	}
}

// TestResponseEdges: the cases where a response posts nothing, or a
// follow-up queued behind a response is dropped.
func TestResponseEdges(t *testing.T) {
	r := newRig(t, func(c *deliver.Config) { c.Interactive = true })
	r.send(t, event("ev-t", incident.Triggered, "Q1", 0))
	r.run(t, 1)

	// The same person twice (a press and a 👀): one reply.
	r.send(t, response("slack/take1", incident.Taken, "Q1", "Tanaka", "U01TANAKA01", 2),
		response("slack/Ev9", incident.Taken, "Q1", "Tanaka", "U01TANAKA01", 3))
	r.run(t, 1)
	if n := len(r.slack.Posts()); n != 2 {
		t.Errorf("%d posts, want the alert and one reply", n)
	}

	// A follow-up queued before the take was handled: dropped.
	out := deliver.Outbox{Queue: r.q}
	res := out.Post(context.Background(), "followup/Q1#1", []fanout.Item{{Destination: fanout.Destination{Name: dest}, Message: chat.Message{Text: "🔔 Still nobody on it"},
		IncidentID: "Q1", UnlessResponded: true}})
	if res.Queued != 1 {
		t.Fatalf("queued %+v", res)
	}
	r.run(t, 1)
	if n := len(r.slack.Posts()); n != 2 {
		t.Errorf("a follow-up was posted after the take: %+v", r.slack.Posts())
	}

	// Resolved in PagerDuty, then a 👀: refused, the person alone is told.
	r.send(t, event("ev-r", incident.Resolved, "Q1", 20), response("slack/late", incident.Taken, "Q1", "Suzuki", "U01SUZUKI01", 25))
	r.run(t, 1)
	if eph := r.slack.Ephemerals(); len(eph) != 1 || eph[0].User != "U01SUZUKI01" || !strings.Contains(eph[0].Text, "resolved already") {
		t.Errorf("ephemerals %+v", eph)
	}
	inc, _, _ := r.store.Incident(context.Background(), "Q1")
	if inc.TakenBy("Suzuki") || !inc.Closed() {
		t.Errorf("a take after the resolution was recorded: %+v", inc.Steps)
	}
	evs, _ := r.store.Between(context.Background(), friday.Add(-time.Hour), friday.Add(time.Hour))
	for _, e := range evs {
		if e.Agent == "Suzuki" {
			t.Errorf("the refused take is in the history: %+v", e)
		}
	}
}
