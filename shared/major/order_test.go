package major_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/major"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
)

// The order of an incident's openings and resolutions as the channel sees
// them, and the refusals met along the way (found by trying to break it).

// hb handles each event in turn, failing the test on an error.
func hb(t *testing.T, r *rig, evs ...incident.Event) {
	t.Helper()
	for _, ev := range evs {
		if err := r.cfg.Handle(context.Background(), ev); err != nil {
			t.Fatalf("%s %s: %v", ev.Kind, ev.ID, err)
		}
	}
}

// rec records the events in the store, as the alert's queue group does.
func rec(t *testing.T, r *rig, evs ...incident.Event) {
	t.Helper()
	for _, ev := range evs {
		if _, err := r.store.Record(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
}

// TestResolutionRedeliveredAfterReopening: a resolution redelivered after
// the reopening (PagerDuty's retry, a redrive) ends the opening it ended
// when first handled: no closing message while the incident is open, no
// archive of its channel.
func TestResolutionRedeliveredAfterReopening(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.cfg.History = r.store
	r.cfg.ArchiveAfter = major.DefaultArchiveAfter
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.Priority = "P1"
	res := at(incident.Resolved, "res1", time.Hour)
	reo := at(incident.Reopened, "reo1", 2*time.Hour)
	rec(t, r, trig, res, reo)
	hb(t, r, trig, res, reo)
	if n := closings(r); n != 1 {
		t.Fatalf("%d closings before the redelivery", n)
	}
	hb(t, r, res) // redelivered
	if n := closings(r); n != 1 {
		t.Errorf("the redelivered first resolution posted a closing message for the reopened (open) incident: %d closings", n)
	}
	if n, _ := major.ArchiveSweep(ctx, r.cfg, r.cfg.Now().Add(8*24*time.Hour)); n != 0 {
		t.Errorf("the reopened, still open incident's channel was archived")
	}
}

// TestReopeningsAtOneInstant: two reopenings at the same instant: the one
// handled later is the current opening; the third resolution gets its
// closing message.
func TestReopeningsAtOneInstant(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.Priority = "P1"
	hb(t, r, trig, at(incident.Resolved, "res1", time.Hour),
		at(incident.Reopened, "zzz-reopen", 2*time.Hour), at(incident.Resolved, "res2", 2*time.Hour),
		at(incident.Reopened, "aaa-reopen", 2*time.Hour), at(incident.Resolved, "res3", 3*time.Hour))
	if n := closings(r); n != 3 {
		t.Errorf("%d closing messages for three resolutions (same-instant reopens)", n)
	}
}

// TestReopeningsWithinASecond: reopenings within one second are taken in
// the order handled, not by how their instants sort as text.
func TestReopeningsWithinASecond(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.Priority = "P1"
	hb(t, r, trig, at(incident.Resolved, "res1", time.Hour),
		at(incident.Reopened, "a-reopen", 2*time.Hour), at(incident.Resolved, "res2", 2*time.Hour+200*time.Millisecond),
		at(incident.Reopened, "b-reopen", 2*time.Hour+500*time.Millisecond), at(incident.Resolved, "res3", 3*time.Hour))
	if n := closings(r); n != 3 {
		t.Errorf("%d closing messages for three resolutions (sub-second reopen)", n)
	}
}

// TestReopeningWithoutInstant: a reopening without an instant (occurred_at
// absent) after an earlier one is the current opening: the open incident
// is not archived.
func TestReopeningWithoutInstant(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.cfg.History = r.store
	r.cfg.ArchiveAfter = major.DefaultArchiveAfter
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.Priority = "P1"
	reo2 := at(incident.Reopened, "reo2", 0)
	reo2.OccurredAt = time.Time{}
	hb(t, r, trig, at(incident.Resolved, "res1", time.Hour),
		at(incident.Reopened, "reo1", 2*time.Hour), at(incident.Resolved, "res2", 3*time.Hour), reo2)
	// still open (reo2): not archived
	if n, _ := major.ArchiveSweep(ctx, r.cfg, r.cfg.Now().Add(8*24*time.Hour)); n != 0 {
		t.Errorf("the channel of an incident reopened (zero instant) was archived while open")
	}
}

// TestReopeningWithoutInstantCloses: and its resolution gets a closing
// message.
func TestReopeningWithoutInstantCloses(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.Priority = "P1"
	reo2 := at(incident.Reopened, "reo2", 0)
	reo2.OccurredAt = time.Time{}
	hb(t, r, trig, at(incident.Resolved, "res1", time.Hour),
		at(incident.Reopened, "reo1", 2*time.Hour), at(incident.Resolved, "res2", 3*time.Hour), reo2,
		at(incident.Resolved, "res3", 4*time.Hour))
	if n := closings(r); n != 3 {
		t.Errorf("%d closing messages for three resolutions (zero-instant reopen)", n)
	}
}

// TestResolvedInChatThenInPagerDuty: resolved in chat, then PagerDuty's
// resolution: one closing message.
func TestResolvedInChatThenInPagerDuty(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.Priority = "P1"
	hb(t, r, trig, at(incident.ResolvedInChat, "chat", time.Hour), at(incident.Resolved, "pd", time.Hour+time.Second))
	if n := closings(r); n != 1 {
		t.Errorf("%d closings", n)
	}
}

// TestReopeningRedelivered: a reopening redelivered after the second
// resolution starts no third opening: two closing messages, and the
// channel is archived after.
func TestReopeningRedelivered(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.cfg.History = r.store
	r.cfg.ArchiveAfter = major.DefaultArchiveAfter
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.Priority = "P1"
	reo := at(incident.Reopened, "reo1", 2*time.Hour)
	hb(t, r, trig, at(incident.Resolved, "res1", time.Hour), reo, at(incident.Resolved, "res2", 3*time.Hour), reo,
		at(incident.Resolved, "res2", 3*time.Hour))
	if n := closings(r); n != 2 {
		t.Errorf("%d closings", n)
	}
	if n, _ := major.ArchiveSweep(ctx, r.cfg, r.cfg.Now().Add(8*24*time.Hour)); n != 1 {
		t.Errorf("not archived")
	}
}

// TestRaisedAfterReopeningStepsLag: reopened, then raised to P1 while the
// recorded steps lag behind the reopening this handler saw: the channel
// opens.
func TestRaisedAfterReopeningStepsLag(t *testing.T) {
	r := newRig(t)
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.Priority = "P3"
	res := at(incident.Resolved, "res1", time.Hour)
	rec(t, r, trig, res)
	raised := at(incident.PriorityUpdated, "raised", 2*time.Hour+time.Minute)
	raised.Incident.Priority, raised.Incident.Status = "P1", "triggered"
	hb(t, r, trig, res, at(incident.Reopened, "reo1", 2*time.Hour), raised)
	if n := len(r.slack.Channels()); n != 1 {
		t.Errorf("reopened incident raised to P1 got %d channels (steps lag: inc.Closed())", n)
	}
}

// TestDeclareAfterReopeningStepsLag: Declare pressed on a reopened
// incident whose Reopened step is not recorded yet: the channel opens.
func TestDeclareAfterReopeningStepsLag(t *testing.T) {
	r := newRig(t)
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.Priority = "P3"
	res := at(incident.Resolved, "res1", time.Hour)
	rec(t, r, trig, res)
	decl := at(incident.MajorDeclared, "decl", 2*time.Hour+time.Minute)
	decl.Agent = "Sato"
	hb(t, r, trig, res, at(incident.Reopened, "reo1", 2*time.Hour), decl)
	if n := len(r.slack.Channels()); n != 1 {
		t.Errorf("Declare on the reopened incident: %d channels", n)
	}
}

// TestDeclareAfterReopening: Declare on an incident resolved then
// reopened: the channel opens.
func TestDeclareAfterReopening(t *testing.T) {
	r := newRig(t)
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.Priority = "P3"
	res := at(incident.Resolved, "res1", time.Hour)
	reo := at(incident.Reopened, "reo1", 2*time.Hour)
	rec(t, r, trig, res, reo)
	decl := at(incident.MajorDeclared, "decl", 2*time.Hour+time.Minute)
	hb(t, r, trig, res, reo, decl)
	if n := len(r.slack.Channels()); n != 1 {
		t.Errorf("Declare on the reopened incident: %d channels", n)
	}
}

// TestInviteRefusedThenRetried: an invitation refused for good, then a
// temporary failure later in the same setup: the retry does not page
// again.
func TestInviteRefusedThenRetried(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	welcomeFailed := false
	r.slack.SetBefore(func(w http.ResponseWriter, req *http.Request) bool {
		switch {
		case req.URL.Path == "/api/conversations.invite" && strings.Contains(req.FormValue("users"), "U01TANAKA01"):
			fakeslack.Error("user_is_restricted")(w, req)
			return true
		case req.URL.Path == "/api/chat.postMessage" && strings.HasPrefix(req.FormValue("channel"), "CMAJ") && !welcomeFailed:
			welcomeFailed = true
			fakeslack.Status(429, "Retry-After", "1")(w, req)
			return true
		}
		return false
	})
	retried(t, r, r.event(t, incident.Triggered, "P1"))
}

// TestBridgeBookmarkRefusedThenRetried: the bridge's bookmark refused for
// good, then its post rate limited: the retry does not bookmark or page
// again.
func TestBridgeBookmarkRefusedThenRetried(t *testing.T) {
	r := newRig(t)
	hb(t, r, r.event(t, incident.Triggered, "P1"))
	failed := false
	r.slack.SetBefore(func(w http.ResponseWriter, req *http.Request) bool {
		switch {
		case req.URL.Path == "/api/bookmarks.add":
			fakeslack.Error("restricted_action")(w, req)
			return true
		case req.URL.Path == "/api/chat.postMessage" && !failed:
			failed = true
			fakeslack.Status(503)(w, req)
			return true
		}
		return false
	})
	br := r.event(t, incident.ConferenceBridgeUpdate, "")
	br.Bridge = "https://meet.example.com/war"
	retried(t, r, br)
}

// retried handles ev twice, as the queue does after a temporary failure:
// the first fails for a retry, the second goes through, and one page in
// all says what was refused.
func retried(t *testing.T, r *rig, ev incident.Event) {
	t.Helper()
	if err := r.cfg.Handle(context.Background(), ev); err == nil {
		t.Fatal("no temporary failure")
	}
	if err := r.cfg.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if n := len(r.pages.Pages()); n != 1 {
		t.Errorf("%d pages for one refusal", n)
	}
}

// TestTimelineEditRefused: the timeline's edit refused for good: one page,
// not one an event.
func TestTimelineEditRefused(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	hb(t, r, r.event(t, incident.Triggered, "P1"))
	inc, _, _ := r.store.Incident(context.Background(), "Q1ABC")
	tl := inc.Threads[major.TimelineKey]
	r.slack.SetBefore(func(w http.ResponseWriter, req *http.Request) bool {
		if req.URL.Path == "/api/chat.update" && req.FormValue("ts") == tl {
			fakeslack.Error("restricted_action")(w, req)
			return true
		}
		return false
	})
	for i, k := range []incident.Kind{incident.Annotated, incident.Escalated, incident.Acknowledged} {
		ev := at(k, "n"+string(rune('0'+i)), time.Duration(i+1)*time.Minute)
		hb(t, r, ev)
	}
	if n := len(r.pages.Pages()); n != 1 {
		t.Errorf("%d pages for one refused timeline edit", n)
	}
}

// TestTopicRefusedThenTakes: the topic refused during the setup, then
// roles taken: one page, naming the channel and the reason.
func TestTopicRefusedThenTakes(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	r.slack.Answer("conversations.setTopic", fakeslack.Error("missing_scope"))
	hb(t, r, r.event(t, incident.Triggered, "P1"))
	for i, role := range []string{"commander", "scribe"} {
		hb(t, r, incident.Event{ID: "take" + role, Kind: incident.RoleTaken, OccurredAt: time.Date(2026, 11, 20, 1, 59, i, 0, time.UTC),
			Agent: "Sato", Note: role, Incident: incident.Incident{ID: "Q1ABC"}})
	}
	p := r.pages.Pages()
	if len(p) != 1 {
		t.Fatalf("%d pages", len(p))
	}
	if p[0].Destination != "slack:CMAJ1" || !strings.Contains(p[0].Reason, "missing_scope") || strings.Contains(p[0].Reason, "xoxb") {
		t.Errorf("page for %s: %q; want the channel, the reason, no token", p[0].Destination, p[0].Reason)
	}
}

// TestArchivedByHand: the channel archived by hand while the incident goes
// on: every later event stops there quietly (no page, no dead letter), a
// bridge update too.
func TestArchivedByHand(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	hb(t, r, r.event(t, incident.Triggered, "P1"))
	ch := r.slack.Channels()[0].ID
	r.slack.SetBefore(func(w http.ResponseWriter, req *http.Request) bool {
		if req.FormValue("channel") == ch {
			fakeslack.Error("is_archived")(w, req)
			return true
		}
		return false
	})
	hb(t, r, at(incident.Annotated, "note", time.Minute))
	hb(t, r, at(incident.Reassigned, "re1", 2*time.Minute), at(incident.Delegated, "de1", 3*time.Minute), at(incident.Unacknowledged, "un1", 4*time.Minute))
	if n := len(r.pages.Pages()); n != 0 {
		t.Errorf("%d pages for a channel archived by hand (first: %s)", n, r.pages.Pages()[0].Reason)
	}
	br := at(incident.ConferenceBridgeUpdate, "br", 5*time.Minute)
	br.Bridge = "https://meet.example.com/war"
	if err := r.cfg.Handle(context.Background(), br); err != nil {
		t.Errorf("a bridge update for a hand-archived channel fails the event (dead-letter): %v", err)
	}
}

// TestResolutionRedeliveredThenTheNext: the first resolution redelivered
// after the reopening does not take the reopened opening's closing
// message: the real second resolution gets it.
func TestResolutionRedeliveredThenTheNext(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.Priority = "P1"
	res := at(incident.Resolved, "res1", time.Hour)
	hb(t, r, trig, res, at(incident.Reopened, "reo1", 2*time.Hour), res)
	before := len(r.slack.Posts())
	hb(t, r, at(incident.Resolved, "res2", 5*time.Hour))
	got := false
	for _, p := range r.slack.Posts()[before:] {
		if strings.HasPrefix(p.Text, "✅ Resolved. What happened") {
			got = true
		}
	}
	if !got {
		t.Errorf("the real second resolution got no closing message")
	}
}

// TestReopenedAsP1: a Reopened event carrying P1 opens the channel.
func TestReopenedAsP1(t *testing.T) {
	r := newRig(t)
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.Priority = "P3"
	res := at(incident.Resolved, "res1", time.Hour)
	rec(t, r, trig, res)
	reo := at(incident.Reopened, "reo1", 2*time.Hour)
	reo.Incident.Priority = "P1"
	hb(t, r, trig, res, reo)
	if n := len(r.slack.Channels()); n != 1 {
		t.Errorf("reopen as P1: %d channels", n)
	}
}

// TestNewP1: a brand-new P1 trigger opens the channel.
func TestNewP1(t *testing.T) {
	r := newRig(t)
	trig := at(incident.Triggered, "trig", 0)
	trig.Incident.ID = "QNEW"
	trig.Incident.Priority = "P1"
	trig.OccurredAt = r.cfg.Now().Add(-3 * time.Minute)
	hb(t, r, trig)
	if n := len(r.slack.Channels()); n != 1 {
		t.Errorf("new P1: %d channels", n)
	}
}
