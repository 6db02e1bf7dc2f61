package major_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/internal/pagerduty"
	"github.com/pd2chat/pd2chat/shared/major"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
)

// The faults a major incident's channel meets in production (found by
// trying to break it): retries and redeliveries, lost answers and crashes
// between steps, refusals Slack gives for good, hand edits in the channel,
// hostile text. Each says what must happen.

// countIn counts the posts in ch that contain sub.
func countIn(r *rig, ch, sub string) int {
	n := 0
	for _, p := range r.slack.Posts() {
		if p.Channel == ch && strings.Contains(p.Text, sub) {
			n++
		}
	}
	return n
}

// closings counts the closing messages posted.
func closings(r *rig) int {
	n := 0
	for _, p := range r.slack.Posts() {
		if strings.HasPrefix(p.Text, "✅ Resolved. What happened") {
			n++
		}
	}
	return n
}

// handle records and handles an event of each kind in turn (priority
// for the first).
func (r *rig) handle(t *testing.T, priority string, kinds ...incident.Kind) {
	t.Helper()
	for i, k := range kinds {
		p := ""
		if i == 0 {
			p = priority
		}
		if err := r.cfg.Handle(context.Background(), r.event(t, k, p)); err != nil {
			t.Fatalf("%s: %v", k, err)
		}
	}
}

// paged fails the test unless err is nil and n pages were sent, each for
// destination, saying want.
func paged(t *testing.T, r *rig, err error, n int, destination, want string) {
	t.Helper()
	if err != nil {
		t.Errorf("the event failed: %v", err)
	}
	pages := r.pages.Pages()
	if len(pages) != n {
		t.Errorf("%d pages, want %d: %+v", len(pages), n, pages)
	}
	for _, p := range pages {
		if p.Destination != destination || !strings.Contains(p.Reason, want) || p.Event == nil {
			t.Errorf("page %+v, want one for %s saying %q", p, destination, want)
		}
	}
}

// TestRetryDoesNotRepost: the timeline's edit rate limited after the
// status update was relayed: the queue's retry does not relay it again;
// nor does a plain redelivery (PagerDuty's retry after the queue's
// deduplication window, a redrive) of a status update or a bridge.
func TestRetryDoesNotRepost(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	ctx := context.Background()
	if err := r.cfg.Handle(ctx, r.event(t, incident.Triggered, "P1")); err != nil {
		t.Fatal(err)
	}
	ch := r.slack.Channels()[0].ID
	st := r.event(t, incident.StatusUpdatePublished, "")
	st.Note = "Rolled back the release."
	r.slack.Answer("chat.update", fakeslack.Status(429, "Retry-After", "1"), nil)
	if err := r.cfg.Handle(ctx, st); err == nil {
		t.Fatal("the rate-limited edit was not retried")
	} else if temporary, _ := chat.IsTemporary(err); !temporary {
		t.Fatalf("a rate limit is final: %v", err)
	}
	br := r.event(t, incident.ConferenceBridgeUpdate, "")
	br.Bridge = "https://meet.example.com/war"
	for range 2 {
		for _, ev := range []incident.Event{st, br} {
			if err := r.cfg.Handle(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
	}
	if n := countIn(r, ch, "Rolled back the release"); n != 1 {
		t.Errorf("the status update posted %d times in the channel", n)
	}
	if n := countIn(r, ch, "meet.example.com/war"); n != 1 {
		t.Errorf("the bridge said %d times", n)
	}
	if bm := r.slack.Channels()[0].Bookmarks; strings.Count(strings.Join(bm, "|"), "meet.example.com/war") != 1 {
		t.Errorf("bookmarks %v", bm)
	}
}

// TestAnswerLost: the announcement went out but Slack's answer was lost
// (a 503 after posting): the retry finds it and does not announce twice.
func TestAnswerLost(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	lost := false
	r.slack.SetAfterPost(func(w http.ResponseWriter, req *http.Request) bool {
		if req.PostForm.Get("channel") == "C0ANNOUNCE" && !lost {
			lost = true
			w.WriteHeader(http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	ev := r.event(t, incident.Triggered, "P1")
	if err := r.cfg.Handle(ctx, ev); err == nil {
		t.Fatal("a 503 was taken for a post")
	}
	if err := r.cfg.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if n := countIn(r, "C0ANNOUNCE", "<#"); n != 1 {
		t.Errorf("announced %d times", n)
	}
}

// flakyStore fails the first write of one thread key, as a crash right
// after the Slack call before it would.
type flakyStore struct {
	major.Store
	failKey string
	failed  bool
}

func (f *flakyStore) SetThread(ctx context.Context, id, dest, ref string) (string, error) {
	if dest == f.failKey && !f.failed {
		f.failed = true
		return "", state.ErrUnavailable
	}
	return f.Store.SetThread(ctx, id, dest, ref)
}

// TestCrashBetweenSteps: a failure between any Slack call of the setup
// and its record leaves, after the retry, one channel, one of each post
// and each bookmark.
func TestCrashBetweenSteps(t *testing.T) {
	for _, key := range []string{major.ChannelKey, major.BookmarksKey, major.WelcomeKey, major.LinkedKey, major.AnnouncedKey, major.RolesKey, major.SetUpKey, major.TimelineKey} {
		r := newRig(t)
		r.cfg.History = r.store
		r.cfg.Store = &flakyStore{Store: r.store, failKey: key}
		ctx := context.Background()
		ev := r.event(t, incident.Triggered, "P1")
		if err := r.cfg.Handle(ctx, ev); !errors.Is(err, state.ErrUnavailable) {
			t.Errorf("%s: %v, want the store's failure", key, err)
		}
		if err := r.cfg.Handle(ctx, ev); err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		counts := map[string]int{}
		for _, p := range r.slack.Posts() {
			counts[p.Channel+": "+string([]rune(p.Text)[:8])]++
		}
		for post, n := range counts {
			if n > 1 {
				t.Errorf("%s: %q posted %d times", key, post, n)
			}
		}
		if c := r.slack.Channels(); len(c) != 1 || len(c[0].Bookmarks) != 2 || len(c[0].Pins) != 2 {
			t.Errorf("%s: channels %+v", key, c)
		}
	}
}

// TestRefusedForGood: what the channel can do without, refused for good
// (the bot not in the announcement channel, one invitee Slack will not
// invite, the topic's scope missing, pins refused), does not stop the
// rest: the other people are invited, the link and the announcement go
// out, the roles and the timeline are posted once; it pages once, at
// once, with the reason, and the next events go through without trying
// it again.
func TestRefusedForGood(t *testing.T) {
	for _, tc := range []struct {
		name, method, channel, answer, destination string
		pages                                      int // one a step: the roles and the timeline are two pins
	}{
		{"announcement channel", "chat.postMessage", "C0ANNOUNCE", "not_in_channel", "slack:C0ANNOUNCE", 1},
		{"topic", "conversations.setTopic", "", "missing_scope", "slack:CMAJ1", 1},
		{"pins", "pins.add", "", "missing_scope", "slack:CMAJ1", 2},
		{"one invitee", "conversations.invite", "", "user_is_restricted", "slack:CMAJ1", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			r.cfg.History = r.store
			r.slack.SetBefore(func(w http.ResponseWriter, req *http.Request) bool {
				if req.URL.Path != "/api/"+tc.method || (tc.channel != "" && req.FormValue("channel") != tc.channel) ||
					(tc.method == "conversations.invite" && !strings.Contains(req.FormValue("users"), "U01TANAKA01")) {
					return false
				}
				fakeslack.Error(tc.answer)(w, req)
				return true
			})
			ctx := context.Background()
			paged(t, r, r.cfg.Handle(ctx, r.event(t, incident.Triggered, "P1")), tc.pages, tc.destination, tc.answer)
			for i := range 3 {
				ev := r.event(t, incident.Annotated, "")
				ev.ID = "note" + strconv.Itoa(i)
				if err := r.cfg.Handle(ctx, ev); err != nil {
					t.Errorf("event %d after the setup: %v", i, err)
				}
			}
			if n := len(r.pages.Pages()); n != tc.pages {
				t.Errorf("%d pages after the next events, want %d", n, tc.pages)
			}
			ch := r.slack.Channels()[0]
			if tc.channel == "" && countIn(r, "C0ANNOUNCE", "<#") != 1 || countIn(r, "C0ALERTS", "<#") != 1 {
				t.Errorf("the link: %d in the announcement channel, %d in the alert's thread", countIn(r, "C0ANNOUNCE", "<#"), countIn(r, "C0ALERTS", "<#"))
			}
			if countIn(r, ch.ID, "*Timeline*") != 1 || countIn(r, ch.ID, "*Roles*") != 1 {
				t.Errorf("%d timelines, %d roles messages", countIn(r, ch.ID, "*Timeline*"), countIn(r, ch.ID, "*Roles*"))
			}
			if tc.method != "pins.add" && len(ch.Pins) != 2 {
				t.Errorf("pins %v", ch.Pins)
			}
			if tc.method == "conversations.invite" {
				if p := r.pages.Pages(); len(p) == 1 && !strings.Contains(p[0].Reason, "U01TANAKA01") {
					t.Errorf("the page does not name who: %s", p[0].Reason)
				}
				if !strings.Contains(strings.Join(ch.Invited, ","), "U01TAKAHASH") {
					t.Errorf("the others were not invited: %v", ch.Invited)
				}
			}
			tries := 0
			for _, req := range r.slack.Calls(tc.method) {
				if tc.channel == "" || req.Form.Get("channel") == tc.channel {
					tries++
				}
			}
			if tc.method != "conversations.invite" && tries != tc.pages {
				t.Errorf("%s tried %d times, want %d", tc.method, tries, tc.pages)
			}
		})
	}
}

// TestLinkWhenTheThreadComesLate: handled after the wait for the alert's
// thread (a late webhook, a backlog), the setup goes on without the link;
// the link goes into the thread with the next event once it is there.
func TestLinkWhenTheThreadComesLate(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	ev := r.event(t, incident.Triggered, "P1")
	ev.Incident.ID = "Q2NEW"
	ev.OccurredAt = r.cfg.Now().Add(-3 * time.Minute)
	if _, err := r.store.Record(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if err := r.cfg.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.SetThread(ctx, "Q2NEW", "slack:C0ALERTS", "1763604999.000100"); err != nil {
		t.Fatal(err)
	}
	st := r.event(t, incident.StatusUpdatePublished, "")
	st.Incident.ID, st.ID = "Q2NEW", "st"
	if err := r.cfg.Handle(ctx, st); err != nil {
		t.Fatal(err)
	}
	if n := countIn(r, "C0ALERTS", "<#"); n != 1 {
		t.Errorf("the alert's thread got the channel's link %d times", n)
	}
}

// TestResolvedIsNotMadeMajor: a priority set to P1 after the resolution
// (for the review) opens no channel and announces nothing.
func TestResolvedIsNotMadeMajor(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.handle(t, "P3", incident.Triggered, incident.Resolved)
	if err := r.cfg.Handle(ctx, r.event(t, incident.PriorityUpdated, "P1")); err != nil {
		t.Fatal(err)
	}
	if n := len(r.slack.Channels()); n != 0 {
		t.Errorf("%d channels, %d announcements", n, countIn(r, "C0ANNOUNCE", "<#"))
	}
}

// TestReopened: a reopened incident's channel is told, is not archived
// while open, and gets a second closing message when resolved again.
func TestReopened(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	r.cfg.ArchiveAfter = major.DefaultArchiveAfter
	ctx := context.Background()
	clock := r.cfg.Now()
	r.cfg.Now = func() time.Time { return clock }
	r.handle(t, "P1", incident.Triggered, incident.Resolved)
	clock = clock.Add(8 * 24 * time.Hour)
	reopened := r.event(t, incident.Reopened, "")
	reopened.OccurredAt = clock
	if _, err := r.store.Record(ctx, reopened); err != nil {
		t.Fatal(err)
	}
	if err := r.cfg.Handle(ctx, reopened); err != nil {
		t.Fatal(err)
	}
	ch := r.slack.Channels()[0].ID
	if countIn(r, ch, "Reopened") == 0 {
		t.Error("the channel was not told of the reopening")
	}
	if n, err := major.ArchiveSweep(ctx, r.cfg, clock.Add(time.Hour)); n != 0 || err != nil || r.slack.Channels()[0].Archived {
		t.Errorf("the open incident's channel archived: %d, %v", n, err)
	}
	again := r.event(t, incident.Resolved, "")
	again.ID, again.OccurredAt = "resolved-again", clock.Add(2*time.Hour)
	if _, err := r.store.Record(ctx, again); err != nil {
		t.Fatal(err)
	}
	for range 2 { // and a redelivery
		if err := r.cfg.Handle(ctx, again); err != nil {
			t.Fatal(err)
		}
	}
	if n := closings(r); n != 2 {
		t.Errorf("%d closing messages for two resolutions", n)
	}
	if n, _ := major.ArchiveSweep(ctx, r.cfg, clock.Add(6*24*time.Hour)); n != 0 {
		t.Error("archived 6 days after the second closing message")
	}
	if n, _ := major.ArchiveSweep(ctx, r.cfg, clock.Add(8*24*time.Hour)); n != 1 {
		t.Error("not archived 8 days after the second closing message")
	}
}

// TestTimelineDeleted: the pinned timeline deleted by hand is not updated
// any more, and nothing else suffers: the events go through, and the
// resolution gets its closing message.
func TestTimelineDeleted(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	ctx := context.Background()
	if err := r.cfg.Handle(ctx, r.event(t, incident.Triggered, "P1")); err != nil {
		t.Fatal(err)
	}
	r.slack.Answer("chat.update", fakeslack.Error("message_not_found"))
	for i := range 3 {
		ev := r.event(t, incident.StatusUpdatePublished, "")
		ev.ID, ev.Note = "s"+strconv.Itoa(i), "update "+strconv.Itoa(i)
		if err := r.cfg.Handle(ctx, ev); err != nil {
			t.Errorf("event %d: %v", i, err)
		}
	}
	if err := r.cfg.Handle(ctx, r.event(t, incident.Resolved, "")); err != nil {
		t.Fatal(err)
	}
	if closings(r) != 1 {
		t.Error("no closing message")
	}
	if n := len(r.slack.Calls("chat.update")); n != 1 {
		t.Errorf("%d edits of the deleted timeline, want 1", n)
	}
}

// TestSweepBotRemoved: the bot removed from a closed incident's channel
// cannot archive it: the sweep says so once, and does not fail the
// morning run day after day.
func TestSweepBotRemoved(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	r.cfg.ArchiveAfter = major.DefaultArchiveAfter
	ctx := context.Background()
	r.handle(t, "P1", incident.Triggered, incident.Resolved)
	r.slack.Answer("conversations.archive", fakeslack.Error("not_in_channel"))
	for d := 8; d < 28; d++ {
		if _, err := major.ArchiveSweep(ctx, r.cfg, r.cfg.Now().Add(time.Duration(d)*24*time.Hour)); err != nil {
			t.Errorf("day %d: %v", d, err)
		}
	}
	if n := len(r.slack.Calls("conversations.archive")); n != 1 {
		t.Errorf("%d archive calls, want 1", n)
	}
}

// TestHostileText: PagerDuty's and chat's text cannot mention everyone,
// mention a person, or inject a link anywhere pd2chat writes in Slack
// (posts, edits, topic, bookmarks), and stays within Slack's sizes; a
// conference bridge carrying markup is not posted at all.
func TestHostileText(t *testing.T) {
	ctx := context.Background()
	bad := []string{"<!channel>", "<!here>", "<@U01TANAKA01>", "<https://evil"}
	check := func(t *testing.T, r *rig) {
		t.Helper()
		c := r.slack.Channels()[0]
		for _, p := range append(r.slack.Posts(), r.slack.Updates()...) {
			for _, b := range bad {
				if strings.Contains(p.Text, b) {
					t.Errorf("%s in %s: %.200q", b, p.Channel, p.Text)
				}
			}
			if n := utf8.RuneCountInString(p.Text); n > 4000 {
				t.Errorf("a post of %d characters in %s", n, p.Channel)
			}
		}
		if tp := r.slack.Topic(c.ID); utf8.RuneCountInString(tp) > 250 || strings.Contains(tp, "<!") {
			t.Errorf("topic %q", tp)
		}
		for _, b := range c.Bookmarks {
			if utf8.RuneCountInString(b) > 300 || strings.Contains(b, "<") {
				t.Errorf("bookmark %q", b)
			}
		}
		if len(c.Name) > 80 {
			t.Errorf("channel name of %d bytes", len(c.Name))
		}
	}
	for _, title := range []string{
		"<!channel> <!here> <@U01TANAKA01> `code` *bold* <https://evil.example|click> &amp; ```",
		strings.Repeat("決済障害", 5000),
		strings.Repeat("a", 200000),
		"\u202e\u200b\n\n\n",
	} {
		r := newRig(t)
		r.cfg.History = r.store
		r.cfg.PostmortemURL = "https://wiki.example.com/pm"
		ev := r.event(t, incident.Triggered, "P1")
		ev.Incident.Title = title
		ev.Agent = "<!channel> agent"
		if _, err := r.store.Record(ctx, ev); err != nil {
			t.Fatal(err)
		}
		job := r.event(t, incident.JobReported, "")
		job.ID, job.Agent = "job1", "<!here>"
		job.Job = &incident.Job{Name: "<!channel> ``` restart", Status: "started", URL: "https://ci.example.com/x"}
		take := incident.Event{ID: "role1", Kind: incident.RoleTaken, OccurredAt: r.cfg.Now(), Agent: "<!channel>*x*", Note: "commander", Incident: incident.Incident{ID: "Q1ABC"}}
		for _, e := range []incident.Event{ev, job, take} {
			if err := r.cfg.Handle(ctx, e); err != nil {
				t.Fatalf("%.10q: %v", title, err)
			}
		}
		r.handle(t, "", incident.Resolved)
		check(t, r)
	}
	t.Run("conference bridge", func(t *testing.T) {
		body, err := os.ReadFile("testdata/bridge_hostile.json")
		if err != nil {
			t.Fatal(err)
		}
		d, err := pagerduty.Decode(body)
		if err != nil || len(d.Events) == 0 {
			t.Fatalf("decode: %v", err)
		}
		ev := d.Events[0]
		ev.Incident.ID = "Q1ABC"
		r := newRig(t)
		if err := r.cfg.Handle(ctx, r.event(t, incident.Triggered, "P1")); err != nil {
			t.Fatal(err)
		}
		if err := r.cfg.Handle(ctx, ev); err != nil {
			t.Fatal(err)
		}
		check(t, r)
	})
}

// at is an event of kind for the rig's incident, not recorded in the
// store: another queue group records the steps, and may be behind.
func at(kind incident.Kind, id string, after time.Duration) incident.Event {
	base := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	return incident.Event{ID: id, Kind: kind, OccurredAt: base.Add(after), Incident: incident.Incident{ID: "Q1ABC", Number: 1234}}
}

// TestOpeningsInOrder: the channel counts the incident's openings from the
// events it handles, in order, not from the steps another queue group
// records (which may lag behind, lack the trigger, or keep only the
// latest 50): a reopened incident closes again, and is archived after
// that; a resolution it saw keeps a late priority raise from opening a
// channel.
func TestOpeningsInOrder(t *testing.T) {
	ctx := context.Background()
	resolveAgain := func(t *testing.T, r *rig, record bool) {
		t.Helper()
		for _, ev := range []incident.Event{at(incident.Reopened, "reopened", 3*time.Hour), at(incident.Resolved, "resolved-again", 4*time.Hour)} {
			if record {
				if _, err := r.store.Record(ctx, ev); err != nil {
					t.Fatal(err)
				}
			}
			if err := r.cfg.Handle(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		if n := closings(r); n != 2 {
			t.Errorf("%d closing messages for two resolutions", n)
		}
	}
	t.Run("no trigger step", func(t *testing.T) {
		r := newRig(t)
		r.cfg.History = r.store
		r.handle(t, "P1", incident.PriorityUpdated, incident.Resolved)
		resolveAgain(t, r, true)
	})
	t.Run("more steps than are kept", func(t *testing.T) {
		r := newRig(t)
		r.cfg.History = r.store
		r.handle(t, "P1", incident.Triggered)
		for i := range state.MaxSteps {
			if _, err := r.store.Record(ctx, at(incident.Escalated, "escalated"+strconv.Itoa(i), time.Duration(i+1)*time.Minute)); err != nil {
				t.Fatal(err)
			}
		}
		r.handle(t, "", incident.Resolved)
		resolveAgain(t, r, true)
	})
	t.Run("steps not recorded yet", func(t *testing.T) {
		r := newRig(t)
		r.cfg.History = r.store
		r.cfg.ArchiveAfter = major.DefaultArchiveAfter
		r.handle(t, "P1", incident.Triggered, incident.Resolved)
		resolveAgain(t, r, false)
		if n, err := major.ArchiveSweep(ctx, r.cfg, r.cfg.Now().Add(8*24*time.Hour)); n != 1 {
			t.Errorf("not archived 8 days after: %d, %v", n, err)
		}
	})
	t.Run("resolution not recorded yet", func(t *testing.T) {
		r := newRig(t)
		r.handle(t, "P3", incident.Triggered)
		raised := at(incident.PriorityUpdated, "raised", 11*time.Minute)
		raised.Incident.Priority = "P1"
		for _, ev := range []incident.Event{at(incident.Resolved, "resolved", 10*time.Minute), raised} {
			if err := r.cfg.Handle(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(r.slack.Channels()); n != 0 {
			t.Errorf("a resolved incident got %d channels", n)
		}
	})
	t.Run("reopening not recorded yet", func(t *testing.T) {
		r := newRig(t)
		r.handle(t, "P3", incident.Triggered, incident.Resolved)
		raised := at(incident.PriorityUpdated, "raised", 2*time.Hour)
		raised.Incident.Priority = "P1"
		for _, ev := range []incident.Event{at(incident.Reopened, "reopened", time.Hour), raised} {
			if err := r.cfg.Handle(ctx, ev); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(r.slack.Channels()); n != 1 {
			t.Errorf("a reopened incident raised to P1 got %d channels", n)
		}
	})
	t.Run("the event says resolved", func(t *testing.T) {
		r := newRig(t)
		raised := r.event(t, incident.PriorityUpdated, "P1")
		raised.Incident.Status = "resolved"
		if err := r.cfg.Handle(ctx, raised); err != nil {
			t.Fatal(err)
		}
		if n := len(r.slack.Channels()); n != 0 {
			t.Errorf("a resolved incident got %d channels", n)
		}
	})
}

// TestRolesRefused: a role taken while Slack refuses the topic for good,
// or after the roles message was deleted by hand: the role is recorded
// and shown where it can be; the refusal pages once, not once a press.
func TestRolesRefused(t *testing.T) {
	ctx := context.Background()
	take := func(i int, role string) incident.Event {
		return incident.Event{ID: "take" + strconv.Itoa(i), Kind: incident.RoleTaken, OccurredAt: time.Date(2026, 11, 20, 1, 59, i, 0, time.UTC),
			Agent: "Sato", Note: role, Incident: incident.Incident{ID: "Q1ABC"}}
	}
	t.Run("topic", func(t *testing.T) {
		r := newRig(t)
		r.cfg.History = r.store
		r.slack.Answer("conversations.setTopic", fakeslack.Error("missing_scope"))
		r.handle(t, "P1", incident.Triggered)
		for i, role := range []string{"commander", "scribe", "sme"} {
			if err := r.cfg.Handle(ctx, take(i, role)); err != nil {
				t.Errorf("take %s: %v", role, err)
			}
		}
		if n := len(r.pages.Pages()); n != 1 {
			t.Errorf("%d pages, want 1", n)
		}
	})
	t.Run("roles message deleted", func(t *testing.T) {
		r := newRig(t)
		r.cfg.History = r.store
		r.handle(t, "P1", incident.Triggered)
		inc, _, _ := r.store.Incident(ctx, "Q1ABC")
		roles := inc.Threads[major.RolesKey]
		r.slack.SetBefore(func(w http.ResponseWriter, req *http.Request) bool {
			if req.URL.Path == "/api/chat.update" && req.FormValue("ts") == roles {
				fakeslack.Error("message_not_found")(w, req)
				return true
			}
			return false
		})
		for i, role := range []string{"commander", "scribe"} {
			if err := r.cfg.Handle(ctx, take(i, role)); err != nil {
				t.Errorf("take %s: %v", role, err)
			}
		}
		if topic := r.slack.Topic(r.slack.Channels()[0].ID); !strings.Contains(topic, "Sato") {
			t.Errorf("the topic does not name the commander: %q", topic)
		}
		if n := len(r.pages.Pages()); n != 1 {
			t.Errorf("%d pages, want 1", n)
		}
	})
}

// failingRead fails the nth read of an incident (0 is the first).
type failingRead struct {
	major.Store
	n, reads int
}

func (f *failingRead) Incident(ctx context.Context, id string) (state.Incident, bool, error) {
	f.reads++
	if f.reads-1 == f.n {
		return state.Incident{}, false, state.ErrUnavailable
	}
	return f.Store.Incident(ctx, id)
}

// TestRereadFails: the store failing to read the incident back after its
// channel was made fails the event for a retry, which sets the channel up
// with the people who answered in chat.
func TestRereadFails(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	r.handle(t, "P3", incident.Triggered)
	taken := r.event(t, incident.Taken, "")
	taken.Agent = "Ito"
	if _, err := r.store.Record(ctx, taken); err != nil {
		t.Fatal(err)
	}
	store := r.cfg.Store
	r.cfg.Store = &failingRead{Store: store, n: 1}
	raised := r.event(t, incident.PriorityUpdated, "P1")
	if err := r.cfg.Handle(ctx, raised); !errors.Is(err, state.ErrUnavailable) {
		t.Fatalf("%v, want the store's failure", err)
	}
	r.cfg.Store = store
	if err := r.cfg.Handle(ctx, raised); err != nil {
		t.Fatal(err)
	}
	if c := r.slack.Channels(); len(c) != 1 || !strings.Contains(strings.Join(c[0].Invited, ","), "U01ITO00001") {
		t.Errorf("channels %+v: want one, Ito invited", c)
	}
}

// TestAnsweredInChat: responses made in chat reach the channel: the one
// who takes the incident is invited and the channel is told; a resolution
// in chat posts the closing message, once, however PagerDuty's own
// resolution follows.
func TestAnsweredInChat(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	ctx := context.Background()
	r.handle(t, "P1", incident.Triggered)
	ch := r.slack.Channels()[0].ID
	taken := r.event(t, incident.Taken, "")
	taken.Agent, taken.ChatUser = "Ito", "U01ITO00001"
	if err := r.cfg.Handle(ctx, taken); err != nil {
		t.Fatal(err)
	}
	if c := r.slack.Channels()[0]; !strings.Contains(strings.Join(c.Invited, ","), "U01ITO00001") {
		t.Errorf("the responder was not invited: %v", c.Invited)
	}
	if countIn(r, ch, "Ito") == 0 {
		t.Error("the channel was not told who took it")
	}
	r.handle(t, "", incident.ResolvedInChat, incident.Resolved)
	if n := closings(r); n != 1 {
		t.Errorf("%d closing messages", n)
	}
}

// TestBotRemoved: the bot removed from the incident's channel: one page
// saying so, then later events skip the channel (no page, no failure
// each); the other chats are not its business.
func TestBotRemoved(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	ctx := context.Background()
	r.handle(t, "P1", incident.Triggered)
	ch := r.slack.Channels()[0].ID
	r.slack.SetBefore(func(w http.ResponseWriter, req *http.Request) bool {
		if req.FormValue("channel") == ch {
			fakeslack.Error("not_in_channel")(w, req)
			return true
		}
		return false
	})
	for i, kind := range []incident.Kind{incident.Annotated, incident.Acknowledged, incident.Resolved} {
		ev := r.event(t, kind, "")
		ev.ID = "after" + strconv.Itoa(i)
		if err := r.cfg.Handle(ctx, ev); err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
	if p := r.pages.Pages(); len(p) != 1 || p[0].Destination != "slack:"+ch || !strings.Contains(p[0].Reason, "not_in_channel") {
		t.Errorf("pages %+v, want one for the channel", p)
	}
}

// TestTakenInChatTwiceOrLate: "I'm on it" by the same person twice, or
// after the resolution, is not posted in the channel again (the alert
// channel skips them too).
func TestTakenInChatTwiceOrLate(t *testing.T) {
	r := newRig(t)
	r.cfg.History = r.store
	r.handle(t, "P1", incident.Triggered)
	ch := r.slack.Channels()[0].ID
	take := func(id string) incident.Event {
		ev := r.event(t, incident.Taken, "")
		ev.ID, ev.Agent, ev.ChatUser = id, "Ito", "U01ITO00001"
		return ev
	}
	hb(t, r, take("take1"), take("take2"))
	if n := countIn(r, ch, "Ito"); n != 1 {
		t.Errorf("taken twice: %d posts", n)
	}
	r.handle(t, "", incident.Resolved)
	hb(t, r, take("take3"))
	if n := countIn(r, ch, "Ito"); n != 1 {
		t.Errorf("taken after the resolution: %d posts", n)
	}
}

// TestChatOnUnknownIncident: a response in chat to an incident pd2chat
// does not know records nothing and posts nothing.
func TestChatOnUnknownIncident(t *testing.T) {
	r := newRig(t)
	ctx := context.Background()
	ev := incident.Event{ID: "slack/U1/1763604960.1/resolve", Kind: incident.ResolvedInChat, OccurredAt: r.cfg.Now(), Incident: incident.Incident{ID: "QUNKNOWN"}}
	if err := r.cfg.Handle(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, found, _ := r.store.Incident(ctx, "QUNKNOWN"); found || len(r.slack.Requests()) != 0 {
		t.Errorf("recorded %v, %d Slack calls", found, len(r.slack.Requests()))
	}
}

// TestBookmarksRefused: bookmarks refused for good (bookmarks:write
// missing) page once for the setup's two and every later bridge.
func TestBookmarksRefused(t *testing.T) {
	r := newRig(t)
	r.slack.Answer("bookmarks.add", fakeslack.Error("missing_scope"))
	r.handle(t, "P1", incident.Triggered)
	for i := range 2 {
		br := r.event(t, incident.ConferenceBridgeUpdate, "")
		br.ID, br.Bridge = "bridge"+strconv.Itoa(i), "https://meet.example.com/war-"+strconv.Itoa(i)
		hb(t, r, br)
	}
	if p := r.pages.Pages(); len(p) != 1 || !strings.Contains(p[0].Reason, "missing_scope") {
		t.Errorf("pages %+v, want one", p)
	}
	if n := countIn(r, r.slack.Channels()[0].ID, "meet.example.com/war-"); n != 2 {
		t.Errorf("the bridges were said %d times, want 2", n)
	}
}
