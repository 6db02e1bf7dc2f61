package major_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/fallback"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/major"
	"github.com/pd2chat/pd2chat/shared/rotation/csvfile"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
	"github.com/pd2chat/pd2chat/shared/workday"
)

var tokyo, _ = time.LoadLocation("Asia/Tokyo")

type rig struct {
	slack *fakeslack.Server
	pages *fallback.Memory
	store *memory.Store
	cfg   major.Config
}

func newRig(t *testing.T) *rig {
	fake := fakeslack.New(t)
	store := memory.New()
	if _, err := store.SetThread(context.Background(), "Q1ABC", "slack:C0ALERTS", "1763604900.000100"); err != nil {
		t.Fatal(err)
	}
	hours, _ := workday.ParseHours("Mon-Fri 10:00-17:00")
	pages := &fallback.Memory{}
	return &rig{slack: fake, pages: pages, store: store, cfg: major.Config{
		Fallback: pages,
		Slack:    slack.NewApp(slack.Options{Token: "xoxb-t", APIURL: fake.APIURL(), HTTPClient: fake.Client()}),
		Store:    store, Priorities: major.DefaultPriorities, AlertDestination: "slack:C0ALERTS", Announce: "C0ANNOUNCE",
		MeetingURL: "https://meet.example.com/inc", Calendar: workday.New(tokyo, hours, workday.JP()),
		Rotation: csvfile.New("../../testdata/sheet"), Now: func() time.Time { return time.Date(2026, 11, 20, 11, 0, 0, 0, tokyo) },
	}}
}

func (r *rig) event(t *testing.T, kind incident.Kind, priority string) incident.Event {
	ev := incident.Event{ID: "e-" + string(kind) + priority, Kind: kind, OccurredAt: time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC),
		Incident: incident.Incident{ID: "Q1ABC", Number: 1234, Title: "Checkout API: 5xx rate above 5%", Priority: priority,
			URL: "https://acme.pagerduty.com/incidents/Q1ABC"}}
	if _, err := r.store.Record(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	return ev
}

// TestP1TriggerOpensOneChannel: a P1 trigger makes one channel, however
// often it is delivered, and sets it up: invites, topic, bookmarks, the
// alert's thread and the announcement channel told.
func TestP1TriggerOpensOneChannel(t *testing.T) {
	r := newRig(t)
	ev := r.event(t, incident.Triggered, "P1")
	var wg sync.WaitGroup
	for range 3 { // a redelivery, and two at once
		wg.Go(func() {
			if err := r.cfg.Handle(context.Background(), ev); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	chans := r.slack.Channels()
	if len(chans) != 1 || chans[0].Name != "inc-1234-checkout-api-5xx-rate-above-5" {
		t.Fatalf("channels %+v", chans)
	}
	c := chans[0]
	if !strings.Contains(strings.Join(c.Invited, ","), "U01TAKAHASH") || !strings.Contains(strings.Join(c.Invited, ","), "U01TANAKA01") {
		t.Errorf("invited %v", c.Invited)
	}
	if !strings.Contains(strings.Join(c.Bookmarks, "|"), "PagerDuty #1234 → https://acme.pagerduty.com/incidents/Q1ABC") ||
		!strings.Contains(strings.Join(c.Bookmarks, "|"), "Bridge → https://meet.example.com/inc") {
		t.Errorf("bookmarks %v", c.Bookmarks)
	}
	if got := r.slack.Topic(c.ID); !strings.HasPrefix(got, "Major incident 1234: Checkout API: 5xx rate above 5%") {
		t.Errorf("topic %q", got)
	}
	var inThread, announced bool
	for _, p := range r.slack.Posts() {
		if p.Channel == "C0ALERTS" && p.ThreadTS == "1763604900.000100" && strings.Contains(p.Text, "<#"+c.ID+">") {
			inThread = true
		}
		if p.Channel == "C0ANNOUNCE" && strings.Contains(p.Text, "<#"+c.ID+">") {
			announced = true
		}
	}
	if !inThread || !announced {
		t.Errorf("thread %v, announcement %v: %+v", inThread, announced, r.slack.Posts())
	}
}

// TestPriorityRaise: a P3 trigger makes no channel; raising it to P2 does;
// then a status update is posted in the channel.
func TestPriorityRaise(t *testing.T) {
	r := newRig(t)
	for _, ev := range []incident.Event{r.event(t, incident.Triggered, "P3"), r.event(t, incident.Annotated, "")} {
		if err := r.cfg.Handle(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(r.slack.Channels()); n != 0 {
		t.Fatalf("%d channels for a P3", n)
	}
	raise := r.event(t, incident.PriorityUpdated, "P2")
	status := r.event(t, incident.StatusUpdatePublished, "")
	status.Note = "Rolled back the release; error rate falling."
	for _, ev := range []incident.Event{raise, raise, status} {
		if err := r.cfg.Handle(context.Background(), ev); err != nil {
			t.Fatal(err)
		}
	}
	chans := r.slack.Channels()
	if len(chans) != 1 {
		t.Fatalf("%d channels", len(chans))
	}
	found := false
	for _, p := range r.slack.Posts() {
		found = found || (p.Channel == chans[0].ID && strings.Contains(p.Text, "Rolled back the release"))
	}
	if !found {
		t.Errorf("the status update is not in the channel: %+v", r.slack.Posts())
	}
}

// TestNameTaken: a name someone else's channel has gets a suffix; the
// bot's own channel of that name (made before a crash) is taken back.
func TestNameTaken(t *testing.T) {
	r := newRig(t)
	r.slack.AddChannel("COTHER", "inc-1234-checkout-api-5xx-rate-above-5", "U0SOMEONE")
	if err := r.cfg.Handle(context.Background(), r.event(t, incident.Triggered, "P1")); err != nil {
		t.Fatal(err)
	}
	chans := r.slack.Channels()
	if len(chans) != 2 || chans[1].Name != "inc-1234-checkout-api-5xx-rate-above-5-2" {
		t.Errorf("%+v", chans)
	}

	r2 := newRig(t)
	r2.slack.AddChannel("CMINE", "inc-1234-checkout-api-5xx-rate-above-5", "U0BOT")
	if err := r2.cfg.Handle(context.Background(), r2.event(t, incident.Triggered, "P1")); err != nil {
		t.Fatal(err)
	}
	if chans := r2.slack.Channels(); len(chans) != 1 {
		t.Errorf("its own channel was not taken back: %+v", chans)
	}
	inc, _, _ := r2.store.Incident(context.Background(), "Q1ABC")
	if inc.Threads[major.ChannelKey] != "CMINE" {
		t.Errorf("recorded %q", inc.Threads[major.ChannelKey])
	}
}

func TestChannelName(t *testing.T) {
	for _, c := range []struct {
		n     int
		title string
		want  string
	}{
		{1234, "Checkout API: 5xx rate above 5%", "inc-1234-checkout-api-5xx-rate-above-5"},
		{9, "決済APIの障害", "inc-9-api"},
		{9, "データベース停止", "inc-9"},
		{0, "x", "inc-q1abc-x"},
		{1, strings.Repeat("long ", 40), "inc-1-" + strings.TrimRight(strings.Repeat("long-", 13), "-")[:64]},
	} {
		if got := major.ChannelName(c.n, c.title, "Q1ABC"); got != c.want || len(got) > 70 {
			t.Errorf("ChannelName(%d, %q) = %q, want %q", c.n, c.title, got, c.want)
		}
	}
}

// TestWaitsForTheAlertThread: a channel made before the alert's own
// message is posted waits (a temporary error) to link from its thread.
func TestWaitsForTheAlertThread(t *testing.T) {
	r := newRig(t)
	ev := r.event(t, incident.Triggered, "P1")
	ev.Incident.ID = "Q2NEW"
	if _, err := r.store.Record(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	err := r.cfg.Handle(context.Background(), ev)
	if temp, _ := chat.IsTemporary(err); !temp {
		t.Fatalf("want a temporary error, got %v", err)
	}
	if _, err := r.store.SetThread(context.Background(), "Q2NEW", "slack:C0ALERTS", "1763604999.000100"); err != nil {
		t.Fatal(err)
	}
	if err := r.cfg.Handle(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if n := len(r.slack.Channels()); n != 1 {
		t.Errorf("%d channels", n)
	}
}

var update = flag.Bool("update", false, "rewrite the golden files")

// TestLifecycle: a P1 incident's channel keeps a pinned timeline, edited
// as events come (the history's, and the event at hand), and closes with
// the durations, the people and the timeline to paste in a postmortem.
func TestLifecycle(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	r.cfg.PostmortemURL = "https://wiki.example.com/postmortem-template"
	clock := time.Date(2026, 11, 20, 11, 15, 0, 0, tokyo)
	r.cfg.Now = func() time.Time { return clock }
	ctx := context.Background()
	step := func(kind incident.Kind, min int, agent string, edit func(*incident.Event)) {
		t.Helper()
		clock = time.Date(2026, 11, 20, 11, 15+min, 0, 0, tokyo)
		ev := incident.Event{ID: "e" + strconv.Itoa(min), Kind: kind, OccurredAt: clock, Agent: agent,
			Incident: incident.Incident{ID: "Q1ABC", Number: 1234, Title: "Checkout API: 5xx rate above 5%", URL: "https://acme.pagerduty.com/incidents/Q1ABC"}}
		if kind == incident.Triggered {
			ev.Incident.Priority = "P1"
		}
		if edit != nil {
			edit(&ev)
		}
		if _, err := r.store.Record(ctx, ev); err != nil {
			t.Fatal(err)
		}
		he := incident.HistoryEvent{EventID: ev.ID, IncidentID: "Q1ABC", Number: 1234, Kind: kind, At: clock, Agent: agent}
		if ev.Job != nil {
			he.Detail = ev.Job.Name + ": " + ev.Job.Status
		}
		if err := r.store.Append(ctx, he); err != nil {
			t.Fatal(err)
		}
		if err := r.cfg.Handle(ctx, ev); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}
	step(incident.Triggered, 0, "", nil)
	step(incident.Taken, 3, "Tanaka", nil)
	step(incident.JobReported, 10, "jenkins", func(ev *incident.Event) { ev.Job = &incident.Job{Name: "restart app-3", Status: "started"} })
	step(incident.JobReported, 14, "jenkins", func(ev *incident.Event) { ev.Job = &incident.Job{Name: "restart app-3", Status: "succeeded"} })
	step(incident.StatusUpdatePublished, 20, "Sato", func(ev *incident.Event) { ev.Note = "Error rate back to normal." })
	step(incident.Resolved, 85, "Sato", nil)
	step(incident.Resolved, 85, "Sato", nil) // redelivered: one closing message

	c := r.slack.Channels()[0]
	if len(c.Pins) != 2 { // the roles and the timeline
		t.Errorf("pins %v", c.Pins)
	}
	var closing []string
	for _, p := range r.slack.Posts() {
		if p.Channel == c.ID && strings.HasPrefix(p.Text, "✅ Resolved. What happened") {
			closing = append(closing, p.Text)
		}
	}
	if len(closing) != 1 {
		t.Fatalf("%d closing messages", len(closing))
	}
	golden := filepath.Join("testdata", "lifecycle.golden")
	if *update {
		_ = os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, []byte(closing[0]+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if closing[0]+"\n" != string(want) {
		t.Errorf("closing message:\n%s\nwant\n%s", closing[0], want)
	}
	if n := len(r.slack.Calls("chat.update")); n < 4 {
		t.Errorf("the pinned timeline was edited %d times", n)
	}
}

// TestRoles: the channel has a pinned roles message with a Take button a
// role; taking one shows the holder there and the commander in the topic,
// and the timeline and closing message name them.
func TestRoles(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	ctx := context.Background()
	if err := r.cfg.Handle(ctx, r.event(t, incident.Triggered, "P1")); err != nil {
		t.Fatal(err)
	}
	c := r.slack.Channels()[0]
	var roles *fakeslack.Post
	for _, p := range r.slack.Posts() {
		if p.Channel == c.ID && strings.HasPrefix(p.Text, "*Roles*") {
			p := p
			roles = &p
		}
	}
	if roles == nil || !strings.Contains(roles.Blocks, chat.ActionRolePrefix+"commander") || !strings.Contains(roles.Blocks, "Take: Scribe") ||
		!strings.Contains(roles.Text, "*Incident commander*: open") {
		t.Fatalf("roles message %+v", roles)
	}
	take := incident.Event{ID: "slack/U1/1/role", Kind: incident.RoleTaken, OccurredAt: r.cfg.Now(), Agent: "Tanaka", Note: "commander",
		Incident: incident.Incident{ID: "Q1ABC"}}
	for range 2 {
		if err := r.cfg.Handle(ctx, take); err != nil {
			t.Fatal(err)
		}
	}
	var edited bool
	for _, u := range r.slack.Updates() {
		edited = edited || (u.TS == roles.TS && strings.Contains(u.Text, "*Incident commander*: Tanaka"))
	}
	if !edited {
		t.Errorf("the roles message does not name the commander: %+v", r.slack.Updates())
	}
	if got := r.slack.Topic(c.ID); !strings.Contains(got, "Incident commander: Tanaka") {
		t.Errorf("topic %q", got)
	}
}

// TestDeclared: "Declare major incident" pressed on a P3 incident's
// thread makes its channel.
func TestDeclared(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if err := r.cfg.Handle(ctx, r.event(t, incident.Triggered, "P3")); err != nil {
		t.Fatal(err)
	}
	declare := incident.Event{ID: "slack/U1/2/declare", Kind: incident.MajorDeclared, OccurredAt: r.cfg.Now(), Agent: "Tanaka",
		Incident: incident.Incident{ID: "Q1ABC"}}
	for range 2 {
		if err := r.cfg.Handle(ctx, declare); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(r.slack.Channels()); n != 1 {
		t.Errorf("%d channels", n)
	}
}

// TestDeclaredTimeline: the press and the channel's opening are one line
// of the timeline, with who pressed.
func TestDeclaredTimeline(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	ctx := context.Background()
	if err := r.cfg.Handle(ctx, r.event(t, incident.Triggered, "P3")); err != nil {
		t.Fatal(err)
	}
	declare := incident.Event{ID: "slack/U1/2/declare", Kind: incident.MajorDeclared, OccurredAt: r.cfg.Now(), Agent: "Tanaka",
		Incident: incident.Incident{ID: "Q1ABC"}}
	if err := r.cfg.Handle(ctx, declare); err != nil {
		t.Fatal(err)
	}
	var timeline string
	for _, p := range append(r.slack.Posts(), r.slack.Updates()...) {
		if strings.Contains(p.Text, "Major incident channel opened") {
			timeline = p.Text
		}
	}
	if n := strings.Count(timeline, "Major incident channel opened"); n != 1 || !strings.Contains(timeline, "Tanaka") {
		t.Errorf("%d lines of the opening in the timeline, want 1 by Tanaka:\n%s", n, timeline)
	}
}

// TestArchiveSweep: a closed major incident's channel is archived
// ArchiveAfter after its closing message, once; an open one is not.
func TestArchiveSweep(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	r.cfg.ArchiveAfter = major.DefaultArchiveAfter
	ctx := context.Background()
	if err := r.cfg.Handle(ctx, r.event(t, incident.Triggered, "P1")); err != nil {
		t.Fatal(err)
	}
	noon := time.Date(2026, 11, 20, 12, 0, 0, 0, tokyo)
	if n, err := major.ArchiveSweep(ctx, r.cfg, noon.Add(30*24*time.Hour)); err != nil || n != 0 {
		t.Errorf("an open incident's channel: %d archived, %v", n, err)
	}
	resolved := r.event(t, incident.Resolved, "")
	if err := r.cfg.Handle(ctx, resolved); err != nil {
		t.Fatal(err)
	}
	if n, _ := major.ArchiveSweep(ctx, r.cfg, r.cfg.Now().Add(6*24*time.Hour)); n != 0 {
		t.Errorf("archived after 6 days")
	}
	for range 2 {
		major.ArchiveSweep(ctx, r.cfg, r.cfg.Now().Add(8*24*time.Hour))
	}
	if c := r.slack.Channels()[0]; !c.Archived || len(r.slack.Calls("conversations.archive")) != 1 {
		t.Errorf("archived %v, %d calls", c.Archived, len(r.slack.Calls("conversations.archive")))
	}
}

// TestBridge: PagerDuty's conference bridge, set after the channel
// opened, is bookmarked and said there.
func TestBridge(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	if err := r.cfg.Handle(ctx, r.event(t, incident.Triggered, "P1")); err != nil {
		t.Fatal(err)
	}
	bridge := r.event(t, incident.ConferenceBridgeUpdate, "")
	bridge.Bridge = "https://meet.example.com/war-room"
	if err := r.cfg.Handle(ctx, bridge); err != nil {
		t.Fatal(err)
	}
	c := r.slack.Channels()[0]
	if !strings.Contains(strings.Join(c.Bookmarks, "|"), "Bridge → https://meet.example.com/war-room") {
		t.Errorf("bookmarks %v", c.Bookmarks)
	}
}

// TestReviewCases: a late event for an archived channel goes nowhere (no
// error: no page); a Declare on a resolved incident opens nothing; with
// routes the link goes to whichever Slack channel has the alert's thread;
// a long closing message keeps its end.
func TestReviewCases(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	r.cfg.History = r.store
	r.cfg.ArchiveAfter = time.Hour
	r.cfg.PostmortemURL = "https://wiki.example.com/pm"
	if err := r.cfg.Handle(ctx, r.event(t, incident.Triggered, "P1")); err != nil {
		t.Fatal(err)
	}
	for i := range 80 {
		job := r.event(t, incident.JobReported, "")
		job.ID = "job" + strconv.Itoa(i)
		job.Job = &incident.Job{Name: strings.Repeat("restart app-"+strconv.Itoa(i)+" ", 4) + "```", Status: "succeeded"}
		if err := r.store.Append(ctx, incident.HistoryEvent{EventID: job.ID, IncidentID: "Q1ABC", Kind: incident.JobReported, At: r.cfg.Now(), Detail: job.Job.Name}); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.cfg.Handle(ctx, r.event(t, incident.Resolved, "")); err != nil {
		t.Fatal(err)
	}
	var closing string
	for _, p := range r.slack.Posts() {
		if strings.HasPrefix(p.Text, "✅ Resolved. What happened") {
			closing = p.Text
		}
	}
	if len([]rune(closing)) > 3900 || !strings.HasSuffix(closing, "Postmortem template: https://wiki.example.com/pm") || strings.Count(closing, "```") != 2 {
		t.Errorf("closing message of %d characters:\n%s", len([]rune(closing)), closing)
	}
	major.ArchiveSweep(ctx, r.cfg, r.cfg.Now().Add(2*time.Hour))
	if err := r.cfg.Handle(ctx, r.event(t, incident.Annotated, "")); err != nil {
		t.Errorf("a late note for an archived channel: %v", err)
	}

	closed := newRig(t)
	if err := closed.cfg.Handle(ctx, closed.event(t, incident.Resolved, "")); err != nil {
		t.Fatal(err)
	}
	declare := incident.Event{ID: "d1", Kind: incident.MajorDeclared, OccurredAt: closed.cfg.Now(), Incident: incident.Incident{ID: "Q1ABC"}}
	if err := closed.cfg.Handle(ctx, declare); err != nil || len(closed.slack.Channels()) != 0 {
		t.Errorf("a Declare on a resolved incident: %v, %d channels", err, len(closed.slack.Channels()))
	}

	routed := newRig(t)
	routed.cfg.AlertDestination = "slack:C0OTHER"
	if err := routed.cfg.Handle(ctx, routed.event(t, incident.Triggered, "P1")); err != nil {
		t.Fatalf("the alert's thread is in another Slack channel: %v", err)
	}
	linked := false
	for _, p := range routed.slack.Posts() {
		linked = linked || (p.Channel == "C0ALERTS" && p.ThreadTS != "")
	}
	if !linked {
		t.Error("no link in the alert's thread of its route")
	}
}
