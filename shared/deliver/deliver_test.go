package deliver_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
	_ "time/tzdata"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/fallback"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/rotation/csvfile"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
	"github.com/pd2chat/pd2chat/shared/testkit/testlog"
	"github.com/pd2chat/pd2chat/shared/workday"
)

const dest = "slack:C0ALERTS"

var friday = time.Date(2026, 11, 20, 2, 15, 0, 0, time.UTC) // 11:15 JST, on call: Takahashi, Tanaka

type rig struct {
	slack *fakeslack.Server
	q     *queue.Memory
	store *memory.Store
	h     *deliver.Handler
	logs  *testlog.Buffer
}

func newRig(t *testing.T, mod func(*deliver.Config)) *rig {
	t.Helper()
	return buildRig(t, fakeslack.New(t), mod)
}

// newInProcessRig is newRig with Slack answering in process, no socket:
// the rig for a testing/synctest bubble, where leases, visibility
// timeouts and polling pass on the bubble's clock.
func newInProcessRig(t *testing.T, mod func(*deliver.Config)) *rig {
	t.Helper()
	return buildRig(t, fakeslack.NewInProcess(), mod)
}

func buildRig(t *testing.T, fake *fakeslack.Server, mod func(*deliver.Config)) *rig {
	t.Helper()
	r := &rig{slack: fake, q: queue.NewMemory(), store: memory.New(), logs: &testlog.Buffer{}}
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	hours, _ := workday.ParseHours("Mon-Fri 10:00-17:00")
	c := deliver.Config{
		Destinations: []fanout.Destination{{Name: dest, Dialect: message.Slack,
			Poster: slack.New(slack.Options{Token: "xoxb-t", APIURL: r.slack.APIURL(), Channel: "C0ALERTS", HTTPClient: r.slack.Client()})}},
		Calendar:       workday.New(loc, hours, workday.JP()),
		Rotation:       csvfile.New("../../testdata/sheet"),
		State:          r.store,
		Log:            slog.New(slog.NewJSONHandler(r.logs, nil)),
		AttemptTimeout: 300 * time.Millisecond,
		Lease:          200 * time.Millisecond,
		BaseDelay:      time.Millisecond,
		MaxDelay:       5 * time.Millisecond,
	}
	if mod != nil {
		mod(&c)
	}
	r.h = deliver.New(c)
	return r
}

func event(id string, kind incident.Kind, incidentID string, minutes int) deliver.Job {
	ev := incident.Event{ID: id, Kind: kind, OccurredAt: friday.Add(time.Duration(minutes) * time.Minute),
		Incident: incident.Incident{ID: incidentID, Title: "checkout-api: 5xx on " + incidentID, Service: incident.Service{ID: "PSVC", Name: "checkout-api"}}}
	if kind == incident.Triggered {
		ev.Incident.Number = 1000 + len(incidentID)
	}
	if kind == incident.Annotated {
		ev.Note = "looking"
	}
	return deliver.Job{Destination: dest, Key: id, ReceivedAt: time.Now(), Event: &ev}
}

func (r *rig) send(t *testing.T, jobs ...deliver.Job) {
	t.Helper()
	for _, j := range jobs {
		m, err := j.Message()
		if err != nil {
			t.Fatal(err)
		}
		if err := r.q.Send(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
}

// run polls with workers concurrent deliverers until the queue is empty.
func (r *rig) run(t *testing.T, workers int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { _ = deliver.Poll(ctx, r.q, r.h, 10*time.Millisecond) })
	}
	deadline := time.Now().Add(10 * time.Second)
	for r.q.Len() > 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	wg.Wait()
	if n := r.q.Len(); n > 0 {
		t.Fatalf("%d messages still queued", n)
	}
}

// keys counts the posts per metadata key.
func (r *rig) keys() map[string]int {
	out := map[string]int{}
	for _, p := range r.slack.Posts() {
		out[p.Key]++
	}
	return out
}

// TestNoSplitThreads: a new incident's trigger and note sent at the same
// moment, for many incidents at once and four deliverers: one top-level
// message per incident, every reply in its thread, in order.
func TestNoSplitThreads(t *testing.T) {
	r := newRig(t, nil)
	const incidents = 30
	for i := range incidents {
		id := "Q" + strings.Repeat("x", i%5) + string(rune('A'+i%26)) + string(rune('a'+i/26))
		r.send(t, event(id+"-t", incident.Triggered, id, 0), event(id+"-n", incident.Annotated, id, 1), event(id+"-a", incident.Acknowledged, id, 2))
	}
	r.run(t, 4)
	posts := r.slack.Posts()
	if len(posts) != 3*incidents {
		t.Fatalf("%d posts, want %d", len(posts), 3*incidents)
	}
	parents := map[string]string{} // incident id (from the key) → parent ts
	for _, p := range posts {
		id := p.Key[:strings.LastIndex(p.Key, "-")]
		switch {
		case strings.HasSuffix(p.Key, "-t/"+dest):
			if p.ThreadTS != "" {
				t.Errorf("trigger %s is a reply", p.Key)
			}
			parents[id] = p.TS
		default:
			if p.ThreadTS == "" || p.ThreadTS != parents[id] {
				t.Errorf("%s: thread %q, want its incident's parent %q (posted before it)", p.Key, p.ThreadTS, parents[id])
			}
		}
	}
	for k, n := range r.keys() {
		if n != 1 {
			t.Errorf("%s posted %d times", k, n)
		}
	}
}

// TestAmbiguousPostsAreLookedUpNotRepeated: the answer lost after Slack
// took the post, Slack slower than the attempt timeout, an HTML page from
// a proxy after the post: each event is posted exactly once.
func TestAmbiguousPostsAreLookedUpNotRepeated(t *testing.T) {
	cases := map[string]func(w http.ResponseWriter, r *http.Request) bool{
		"answer lost (500 after the post)": func(w http.ResponseWriter, _ *http.Request) bool {
			http.Error(w, "upstream reset", http.StatusBadGateway)
			return true
		},
		"slower than the attempt timeout": func(w http.ResponseWriter, r *http.Request) bool {
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
			return false
		},
		"a proxy's HTML page": func(w http.ResponseWriter, _ *http.Request) bool {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html><body>Gateway</body></html>")
			return true
		},
	}
	for name, after := range cases {
		t.Run(name, func(t *testing.T) {
			r := newRig(t, nil)
			var n atomic.Int64
			r.slack.SetAfterPost(func(w http.ResponseWriter, req *http.Request) bool {
				if n.Add(1) > 1 {
					return false
				}
				return after(w, req)
			})
			r.send(t, event("E1", incident.Triggered, "Q1", 0), event("E2", incident.Acknowledged, "Q1", 2))
			r.run(t, 1)
			posts := r.slack.Posts()
			if len(posts) != 2 || posts[1].ThreadTS != posts[0].TS {
				t.Fatalf("posts %+v, want the trigger once and its acknowledgement in its thread", posts)
			}
			if !strings.Contains(r.logs.String(), "found the earlier post") {
				t.Errorf("no look-up in the logs:\n%s", r.logs)
			}
		})
	}
}

// TestCrashAfterThePost: a deliverer that dies after the post and before
// recording it leaves a claim; the message comes back, waits for the
// claim to lapse, finds the post and posts nothing.
func TestCrashAfterThePost(t *testing.T) {
	r := newRig(t, nil)
	r.q.Visibility = 50 * time.Millisecond
	r.send(t, event("E1", incident.Triggered, "Q1", 0))
	ctx := context.Background()
	batch, _ := r.q.Receive(ctx, 10, 0)
	// The crashed deliverer: claimed and posted, then gone.
	if res, err := r.store.Claim(ctx, "E1", dest, 200*time.Millisecond); err != nil || res != state.Claimed {
		t.Fatal(res, err)
	}
	if _, err := slack.New(slack.Options{Token: "x", APIURL: r.slack.APIURL(), Channel: "C0ALERTS"}).PostRef(ctx,
		chat.Message{Text: "trigger", Key: "E1/" + dest}); err != nil {
		t.Fatal(err)
	}
	_ = batch // never deleted: it comes back after the visibility timeout
	r.run(t, 1)
	if k := r.keys(); k["E1/"+dest] != 1 {
		t.Errorf("posted %d times, want 1", k["E1/"+dest])
	}
}

// TestTakenOverClaimLooksFirst: a later redelivery of the event (a new
// queue message, received once) finds the dead holder's claim lapsed: it
// takes it over and looks before posting.
func TestTakenOverClaimLooksFirst(t *testing.T) { synctest.Test(t, testTakenOverClaimLooksFirst) }

// testTakenOverClaimLooksFirst runs in a bubble: the lease lapses on its
// clock.
func testTakenOverClaimLooksFirst(t *testing.T) {
	r := newInProcessRig(t, nil)
	ctx := context.Background()
	if res, err := r.store.Claim(ctx, "E1", dest, 50*time.Millisecond); err != nil || res != state.Claimed {
		t.Fatal(res, err)
	}
	if _, err := slack.New(slack.Options{Token: "x", APIURL: r.slack.APIURL(), Channel: "C0ALERTS", HTTPClient: r.slack.Client()}).PostRef(ctx,
		chat.Message{Text: "trigger", Key: "E1/" + dest}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(60 * time.Millisecond) // the dead holder's lease lapses
	r.send(t, event("E1", incident.Triggered, "Q1", 0))
	r.run(t, 1)
	if k := r.keys(); k["E1/"+dest] != 1 {
		t.Errorf("posted %d times, want 1", k["E1/"+dest])
	}
}

// TestFailures: what becomes of a message, and the rest of its group.
func TestFailures(t *testing.T) {
	t.Run("permanent: dead-lettered at once with the reason, the rest of the group too", func(t *testing.T) {
		r := newRig(t, nil)
		r.slack.SetBefore(func(w http.ResponseWriter, _ *http.Request) bool {
			_, _ = io.WriteString(w, `{"ok":false,"error":"not_in_channel"}`)
			return true
		})
		r.send(t, event("E1", incident.Triggered, "Q1", 0), event("E2", incident.Acknowledged, "Q1", 2))
		r.run(t, 1)
		_, reasons := r.q.DeadLettered()
		if len(reasons) != 2 || !strings.Contains(reasons[0], "not_in_channel") || !strings.Contains(reasons[1], "not_in_channel") {
			t.Errorf("dead letters %q", reasons)
		}
		if !strings.Contains(r.logs.String(), `"msg":"undeliverable"`) || !strings.Contains(r.logs.String(), "checkout-api: 5xx on Q1") {
			t.Errorf("the undeliverable line must name the alert:\n%s", r.logs)
		}
	})
	t.Run("temporary past DELIVERY_RETRY_FOR: dead-lettered, and the waiting ones without another try", func(t *testing.T) {
		r := newRig(t, func(c *deliver.Config) { c.RetryFor = 100 * time.Millisecond })
		var tries atomic.Int64
		r.slack.SetBefore(func(w http.ResponseWriter, _ *http.Request) bool {
			tries.Add(1)
			http.Error(w, "down", http.StatusServiceUnavailable)
			return true
		})
		for i := range 5 {
			id := string(rune('A' + i))
			r.send(t, event("E"+id, incident.Triggered, "Q"+id, 0))
		}
		r.run(t, 1)
		_, reasons := r.q.DeadLettered()
		if len(reasons) != 5 {
			t.Fatalf("dead letters %q, want 5", reasons)
		}
		for _, reason := range reasons {
			if !strings.Contains(reason, "DELIVERY_RETRY_FOR") {
				t.Errorf("reason %q", reason)
			}
		}
	})
	t.Run("store down: nothing posted blindly; posted once when it is back", func(t *testing.T) {
		down := &downStore{Store: memory.New()}
		down.down.Store(true)
		r := newRig(t, func(c *deliver.Config) { c.State = down })
		r.send(t, event("E1", incident.Triggered, "Q1", 0))
		time.AfterFunc(100*time.Millisecond, func() { down.down.Store(false) })
		r.run(t, 1)
		if k := r.keys(); len(k) != 1 || k["E1/"+dest] != 1 {
			t.Errorf("posts %v", k)
		}
		if down.failed.Load() == 0 {
			t.Error("the store was never down")
		}
	})
	t.Run("a panic fails that message only", func(t *testing.T) {
		r := newRig(t, nil)
		var once atomic.Bool
		r.h = deliver.New(deliver.Config{
			Destinations: []fanout.Destination{{Name: dest, Dialect: message.Slack, Poster: chat.PosterFunc(func(ctx context.Context, m chat.Message) error {
				if strings.Contains(m.Text, "5xx on QP") && once.CompareAndSwap(false, true) {
					panic("boom")
				}
				return nil
			})}},
			Calendar: workday.New(time.UTC, workday.Hours{}, workday.None()), Rotation: csvfile.New("../../testdata/sheet"),
			Log: slog.New(slog.NewJSONHandler(r.logs, nil)), BaseDelay: time.Millisecond, MaxDelay: time.Millisecond, Lease: 100 * time.Millisecond,
		})
		r.send(t, event("E1", incident.Triggered, "QP", 0), event("E2", incident.Triggered, "QF", 0))
		r.run(t, 1)
		if !strings.Contains(r.logs.String(), "panic while delivering") || !strings.Contains(r.logs.String(), `"msg":"delivered"`) {
			t.Errorf("logs:\n%s", r.logs)
		}
	})
}

type downStore struct {
	*memory.Store
	down   atomic.Bool
	failed atomic.Int64
}

func (d *downStore) Claim(ctx context.Context, key, dest string, lease time.Duration) (state.ClaimResult, error) {
	if d.down.Load() {
		d.failed.Add(1)
		return 0, fmt.Errorf("%w: dial tcp: connection refused", state.ErrUnavailable)
	}
	return d.Store.Claim(ctx, key, dest, lease)
}

// TestOutbox: reminders and follow-ups go through the same queue and
// deliver code: a follow-up lands in its incident's thread, once, however
// often the sweep that enqueued it runs again.
func TestOutbox(t *testing.T) {
	r := newRig(t, nil)
	r.send(t, event("E1", incident.Triggered, "Q1", 0))
	r.run(t, 1)
	out := deliver.Outbox{Queue: r.q}
	d := fanout.Destination{Name: dest}
	for range 2 { // a retried sweep
		res := out.Post(context.Background(), "followup/Q1#1", []fanout.Item{{Destination: d, Message: chat.Message{Text: "still waiting"}, IncidentID: "Q1"}})
		if res.Queued != 1 || res.Temporary != 0 {
			t.Fatalf("result %+v", res)
		}
	}
	res := out.Post(context.Background(), "reminder/morning/2026-11-20", []fanout.Item{{Destination: d, Message: chat.Message{Text: "on call today"}}})
	if res.Queued != 1 {
		t.Fatalf("result %+v", res)
	}
	r.run(t, 1)
	posts := map[string]fakeslack.Post{}
	for _, p := range r.slack.Posts() {
		posts[p.Key] = p
	}
	trigger, follow, remind := posts["E1/"+dest], posts["followup/Q1#1/"+dest], posts["reminder/morning/2026-11-20/"+dest]
	if len(posts) != 3 || len(r.slack.Posts()) != 3 || follow.ThreadTS != trigger.TS || remind.ThreadTS != "" || remind.Text != "on call today" {
		t.Errorf("posts %+v: want the follow-up once in the trigger's thread, the reminder top-level", r.slack.Posts())
	}
}

func chatMessage(text string) chat.Message { return chat.Message{Text: text} }

// TestRedriveAfterAnAmbiguousFailure: a post that reached Slack although
// the answer said otherwise, dead-lettered, then redriven: found, not
// posted again, and the incident's next event replies in its thread.
func TestRedriveAfterAnAmbiguousFailure(t *testing.T) {
	r := newRig(t, nil)
	var n atomic.Int64
	r.slack.SetAfterPost(func(w http.ResponseWriter, _ *http.Request) bool {
		if n.Add(1) > 1 {
			return false
		}
		_, _ = io.WriteString(w, `{"ok":false,"error":"not_in_channel"}`) // after the post: a lie, or a race with a kick
		return true
	})
	r.send(t, event("E1", incident.Triggered, "Q1", 0))
	r.run(t, 1)
	if _, reasons := r.q.DeadLettered(); len(reasons) != 1 {
		t.Fatalf("dead letters %q", reasons)
	}
	if _, err := r.q.Redrive(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.send(t, event("E2", incident.Acknowledged, "Q1", 2))
	r.run(t, 1)
	posts := r.slack.Posts()
	if len(posts) != 2 || posts[0].Key != "E1/"+dest || posts[1].ThreadTS != posts[0].TS {
		t.Errorf("posts %+v: want the trigger once and the acknowledgement in its thread", posts)
	}
}

// TestWaitingIsNotFailing: DELIVERY_RETRY_FOR counts how long the chat has
// been failing, not how long a message waited: a message older than it
// that meets one failure of a healthy chat is retried, not dead-lettered.
func TestWaitingIsNotFailing(t *testing.T) { synctest.Test(t, testWaitingIsNotFailing) }

// testWaitingIsNotFailing runs in a bubble: the message waits on its
// clock.
func testWaitingIsNotFailing(t *testing.T) {
	r := newInProcessRig(t, func(c *deliver.Config) { c.RetryFor = 100 * time.Millisecond })
	var n atomic.Int64
	r.slack.SetBefore(func(w http.ResponseWriter, _ *http.Request) bool {
		if n.Add(1) > 1 {
			return false
		}
		http.Error(w, "once", http.StatusInternalServerError)
		return true
	})
	r.send(t, event("E1", incident.Triggered, "Q1", 0))
	time.Sleep(150 * time.Millisecond) // waited longer than DELIVERY_RETRY_FOR
	r.run(t, 1)
	if _, reasons := r.q.DeadLettered(); len(reasons) != 0 {
		t.Fatalf("dead-lettered %q", reasons)
	}
	if k := r.keys(); k["E1/"+dest] != 1 {
		t.Errorf("posts %v", k)
	}
}

// threadOnceDown fails its first SetThread, as a store outage right after
// the post would.
type threadOnceDown struct {
	*memory.Store
	failed atomic.Bool
}

func (s *threadOnceDown) SetThread(ctx context.Context, id, dest, ref string) (string, error) {
	if s.failed.CompareAndSwap(false, true) {
		return "", fmt.Errorf("%w: dial tcp: connection refused", state.ErrUnavailable)
	}
	return s.Store.SetThread(ctx, id, dest, ref)
}

// TestThreadRememberedAfterAStoreFailure: the post of a thread starter is
// recorded but its thread is not (the store failed in between); the retry
// finds the post and remembers the thread, so the next event replies in it.
func TestThreadRememberedAfterAStoreFailure(t *testing.T) {
	store := &threadOnceDown{Store: memory.New()}
	r := newRig(t, func(c *deliver.Config) { c.State = store })
	r.send(t, event("E1", incident.Triggered, "Q1", 0), event("E2", incident.Acknowledged, "Q1", 2))
	r.run(t, 1)
	posts := r.slack.Posts()
	if !store.failed.Load() || len(posts) != 2 || posts[1].ThreadTS != posts[0].TS {
		t.Errorf("posts %+v: want the acknowledgement in the trigger's thread", posts)
	}
}

// TestMalformedJobsAreDeadLettered: what the webhook never makes (no kind,
// no incident, nothing to post) is dead-lettered at once, never posted and
// never left to block its incident.
func TestMalformedJobsAreDeadLettered(t *testing.T) {
	r := newRig(t, nil)
	for i, body := range []string{
		`not json`, `{}`, `{"destination":"slack:C0ALERTS","key":"k1","event":{}}`,
		`{"destination":"slack:C0ALERTS","key":"k2","event":{"Kind":"triggered"}}`,
		`{"destination":"slack:C0ALERTS","key":"k3","text":"x","event":{"Kind":"triggered","Incident":{"ID":"Q"}}}`,
	} {
		if err := r.q.Send(context.Background(), queue.Message{Body: []byte(body), Group: fmt.Sprint("g", i), DedupID: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	r.run(t, 1)
	if _, reasons := r.q.DeadLettered(); len(reasons) != 5 || len(r.slack.Posts()) != 0 {
		t.Errorf("dead letters %q, posts %d", reasons, len(r.slack.Posts()))
	}
}

// TestStoreRefusalIsDeadLettered: a store error that is no outage (a
// missing table, a permission) cannot pass by waiting: dead-lettered, with
// the store's reason.
func TestStoreRefusalIsDeadLettered(t *testing.T) {
	r := newRig(t, func(c *deliver.Config) { c.State = refusingStore{memory.New()} })
	r.send(t, event("E1", incident.Triggered, "Q1", 0))
	r.run(t, 1)
	if _, reasons := r.q.DeadLettered(); len(reasons) != 1 || !strings.Contains(reasons[0], "AccessDenied") {
		t.Errorf("dead letters %q", reasons)
	}
}

type refusingStore struct{ *memory.Store }

func (refusingStore) Claim(context.Context, string, string, time.Duration) (state.ClaimResult, error) {
	return 0, errors.New("state: claim: AccessDeniedException: not authorized to perform dynamodb:PutItem")
}

// TestHugeEventsFitTheQueue: an event whose title alone is over the
// queue's limit is kept, its title cut.
func TestHugeEventsFitTheQueue(t *testing.T) {
	j := event("E1", incident.Triggered, "Q1", 0)
	j.Event.Incident.Title = strings.Repeat("日", 200_000)
	m, err := j.Message()
	if err != nil || len(m.Body) > queue.MaxBody {
		t.Fatalf("message of %d bytes, %v", len(m.Body), err)
	}
}

// TestRedriveAfterLaterEvents: a thread starter dead-lettered after its
// post went out, a later event of its incident posted meanwhile, then the
// redrive: the starter is looked for in the thread and in the channel, and
// not posted again.
func TestRedriveAfterLaterEvents(t *testing.T) {
	r := newRig(t, nil)
	var n atomic.Int64
	r.slack.SetAfterPost(func(w http.ResponseWriter, _ *http.Request) bool {
		if n.Add(1) > 1 {
			return false
		}
		_, _ = io.WriteString(w, `{"ok":false,"error":"not_in_channel"}`)
		return true
	})
	r.send(t, event("E1", incident.Triggered, "Q1", 0))
	r.run(t, 1)
	r.send(t, event("E2", incident.Acknowledged, "Q1", 2))
	r.run(t, 1)
	if _, err := r.q.Redrive(context.Background()); err != nil {
		t.Fatal(err)
	}
	r.run(t, 1)
	if k := r.keys(); k["E1/"+dest] != 1 || k["E2/"+dest] != 1 {
		t.Errorf("posts %v, want each once", k)
	}
}

// panicStore panics in Claim: a bug in a store fails the message, never
// the process.
type panicStore struct{ *memory.Store }

func (panicStore) Claim(context.Context, string, string, time.Duration) (state.ClaimResult, error) {
	panic("store bug")
}

func TestAPanicInAStoreCallFailsOnlyItsMessage(t *testing.T) {
	r := newRig(t, func(c *deliver.Config) { c.State = panicStore{memory.New()} })
	j, _ := event("E1", incident.Triggered, "Q1", 0).Message()
	_ = r.q.Send(context.Background(), j)
	batch, _ := r.q.Receive(context.Background(), 10, time.Second)
	out := r.h.Handle(context.Background(), batch)
	if len(out) != 1 || out[0].Verdict != deliver.Retry || !strings.Contains(out[0].Reason, "store bug") {
		t.Errorf("outcomes %+v", out)
	}
}

// TestUndeliverablePages: each dead-lettered message pages a human through
// the fallback, with the alert and the reason; delivered ones do not.
func TestUndeliverablePages(t *testing.T) {
	p := &fallback.Memory{}
	r := newRig(t, func(c *deliver.Config) { c.Fallback = p })
	r.slack.SetBefore(func(w http.ResponseWriter, req *http.Request) bool {
		if strings.Contains(req.FormValue("text"), "on QGONE") {
			_, _ = io.WriteString(w, `{"ok":false,"error":"not_in_channel"}`)
			return true
		}
		return false
	})
	r.send(t, event("E1", incident.Triggered, "QGONE", 0), event("E2", incident.Triggered, "QOK", 0))
	r.run(t, 1)
	got := p.Pages()
	if len(got) != 1 || got[0].Event == nil || got[0].Event.Incident.ID != "QGONE" || !strings.Contains(got[0].Reason, "not_in_channel") {
		t.Fatalf("pages %+v", got)
	}
	if strings.Join(got[0].OnCall, ",") != "Takahashi,Tanaka" {
		t.Errorf("the page names on call %v, want Takahashi,Tanaka (Friday 2026-11-20)", got[0].OnCall)
	}
}

// TestEveryPermanentSlackError: each code Slack answers for a post that can
// never work dead-letters at once (one try), pages with the code, and
// leaves the next incident's post alone.
func TestEveryPermanentSlackError(t *testing.T) {
	for _, code := range []string{"invalid_auth", "token_revoked", "account_inactive", "channel_not_found", "not_in_channel", "is_archived", "missing_scope"} {
		t.Run(code, func(t *testing.T) {
			p := &fallback.Memory{}
			r := newRig(t, func(c *deliver.Config) { c.Fallback = p })
			r.slack.Answer("chat.postMessage", fakeslack.Error(code))
			r.send(t, event("E1", incident.Triggered, "Q1", 0))
			r.run(t, 1)
			_, reasons := r.q.DeadLettered()
			tries := len(r.slack.Calls("chat.postMessage"))
			if tries != 1 || len(reasons) != 1 || !strings.Contains(reasons[0], code) || len(p.Pages()) != 1 {
				t.Errorf("tries %d, dead letters %q, pages %d", tries, reasons, len(p.Pages()))
			}
		})
	}
}

// TestSeenWithoutOccurredAt: a trigger whose payload has no occurred_at
// tells the age of the alert's last firing from when it was received.
func TestSeenWithoutOccurredAt(t *testing.T) {
	r := newRig(t, nil)
	first, again := event("e1", incident.Triggered, "Q1", 0), event("e2", incident.Triggered, "Q2", 0)
	again.Event.Incident.Title = first.Event.Incident.Title // the same alert
	first.Event.OccurredAt, again.Event.OccurredAt = time.Time{}, time.Time{}
	first.ReceivedAt, again.ReceivedAt = friday, friday.Add(3*24*time.Hour)
	r.send(t, first)
	r.run(t, 1)
	r.send(t, again)
	r.run(t, 1)
	posts := r.slack.Posts()
	if len(posts) != 2 {
		t.Fatalf("%d posts, want 2", len(posts))
	}
	if !strings.Contains(posts[0].Text, "First time this alert has fired") {
		t.Errorf("the first trigger should say it is new:\n%s", posts[0].Text)
	}
	if !strings.Contains(posts[1].Text, "Seen once before, 3 days ago") {
		t.Errorf("the second should say when the alert last fired:\n%s", posts[1].Text)
	}
}
