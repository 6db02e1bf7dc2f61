package relay

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/memory"
)

func TestRedeliveryPostsNothing(t *testing.T) {
	hs := newHarness(t, nil)
	body := fixture(t, "v3/incident.triggered.json")
	for i := 0; i < 3; i++ {
		if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
			t.Fatalf("delivery %d: status %d", i, rec.Code)
		}
	}
	if s, tt := len(hs.slack.got()), len(hs.typetalk.got()); s != 1 || tt != 1 {
		t.Errorf("three deliveries of one event: Slack %d, Typetalk %d posts; want 1 each", s, tt)
	}
}

// TestSlackDownThenBack: PagerDuty gets 200 at once; Slack's message
// waits on the queue and is posted once when Slack is back; Typetalk's is
// not posted again.
func TestSlackDownThenBack(t *testing.T) {
	hs := newHarness(t, nil)
	var mu sync.Mutex
	down := true
	hs.slack.fail(func(w http.ResponseWriter) bool {
		mu.Lock()
		defer mu.Unlock()
		if down {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		}
		return down
	})
	body := fixture(t, "v3/incident.triggered.json")
	req := httptest.NewRequest("POST", "/pagerduty", bytes.NewReader(body))
	req.Header = signed(body, secret)
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req) // answered before anything is posted
	if rec.Code != 200 {
		t.Fatalf("status %d, want 200: the queue has it", rec.Code)
	}
	ctx := context.Background()
	for range 3 { // Slack fails a few times
		batch, _ := hs.queue.Receive(ctx, 10, time.Second)
		deliver.Apply(ctx, hs.queue, batch, hs.deliver.Handle(ctx, batch), true, nil)
	}
	if s, tt := len(hs.slack.got()), len(hs.typetalk.got()); s != 0 || tt != 1 {
		t.Fatalf("while Slack is down: Slack %d, Typetalk %d posts", s, tt)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	hs.drain()
	if s, tt := len(hs.slack.got()), len(hs.typetalk.got()); s != 1 || tt != 1 {
		t.Errorf("after Slack is back: Slack %d, Typetalk %d posts; want 1 each", s, tt)
	}
}

func TestConcurrentDuplicateDeliveriesPostOnce(t *testing.T) {
	for round := 0; round < 20; round++ {
		hs := newHarness(t, nil)
		body := fixture(t, "v3/incident.triggered.json")
		var wg sync.WaitGroup
		codes := make([]int, 2)
		for g := range codes {
			wg.Go(func() { codes[g] = hs.do("POST", "/pagerduty", signed(body, secret), body).Code })
		}
		wg.Wait()
		if codes[0] != 200 || codes[1] != 200 {
			t.Fatalf("round %d: statuses %v", round, codes)
		}
		if s, tt := len(hs.slack.got()), len(hs.typetalk.got()); s != 1 || tt != 1 {
			t.Fatalf("round %d: Slack %d, Typetalk %d posts; want 1 each", round, s, tt)
		}
	}
}

func TestSlackThreadPerIncident(t *testing.T) {
	hs := newHarness(t, nil)
	for _, name := range []string{"incident.triggered", "incident.acknowledged", "incident.annotated", "incident.resolved"} {
		body := fixture(t, "v3/"+name+".json")
		if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
			t.Fatalf("%s: status %d", name, rec.Code)
		}
	}
	posts, updates := hs.slack.record()
	if len(posts) != 4 {
		t.Fatalf("%d posts", len(posts))
	}
	parent := posts[0]
	if parent.threadTS != "" {
		t.Errorf("the trigger should start the thread, got thread_ts %q", parent.threadTS)
	}
	for i, p := range posts[1:] {
		if p.threadTS != parent.ts {
			t.Errorf("post %d: thread_ts %q, want the parent's %q", i+1, p.threadTS, parent.ts)
		}
	}
	if !strings.Contains(posts[3].text, "Resolved") || !strings.Contains(posts[3].text, "after 1h 25m") {
		t.Errorf("the resolution should say how long it took:\n%s", posts[3].text)
	}
	if len(updates) != 3 {
		t.Fatalf("%d parent updates, want 3", len(updates))
	}
	last := updates[len(updates)-1]
	if last.ts != parent.ts || !strings.Contains(last.text, "*Resolved* by Hanako Suzuki after 1h 25m") ||
		!strings.Contains(last.text, "*Acknowledged* by Taro Yamada 11:17 (3m)") {
		t.Errorf("parent update:\n%s", last.text)
	}
	for _, text := range hs.typetalk.got() {
		if !strings.Contains(text, "#pd1234") {
			t.Errorf("Typetalk keeps the hashtag:\n%s", text)
		}
	}
}

func TestAcknowledgedBeforeTriggered(t *testing.T) {
	hs := newHarness(t, nil)
	for _, name := range []string{"incident.acknowledged", "incident.triggered"} {
		body := fixture(t, "v3/"+name+".json")
		if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
			t.Fatalf("%s: status %d", name, rec.Code)
		}
	}
	posts, updates := hs.slack.record()
	if len(posts) != 2 || posts[0].threadTS != "" || posts[1].threadTS != posts[0].ts {
		t.Fatalf("the late trigger should join the acknowledgement's thread: %+v", posts)
	}
	if len(updates) != 1 || !strings.Contains(updates[0].text, "Acknowledged") {
		t.Errorf("updates %+v", updates)
	}
}

// flakyStore is a Memory store that fails every call, as an unreachable
// DynamoDB would, while down is set.
type flakyStore struct {
	*memory.Store
	down  atomic.Bool
	calls atomic.Int64
}

func (f *flakyStore) err() error {
	if !f.down.Load() {
		return nil
	}
	f.calls.Add(1)
	return fmt.Errorf("%w: dial tcp: i/o timeout", state.ErrUnavailable)
}

func (f *flakyStore) Claim(ctx context.Context, key, dest string, lease time.Duration) (state.ClaimResult, error) {
	if err := f.err(); err != nil {
		return 0, err
	}
	return f.Store.Claim(ctx, key, dest, lease)
}

func (f *flakyStore) Record(ctx context.Context, ev incident.Event) (state.Incident, error) {
	if err := f.err(); err != nil {
		return state.Incident{}, err
	}
	return f.Store.Record(ctx, ev)
}

// TestStoreDownWaits: with the store down nothing is posted blindly; the
// messages wait on the queue and are posted once each when it is back.
func TestStoreDownWaits(t *testing.T) {
	store := &flakyStore{Store: memory.New()}
	store.down.Store(true)
	hs := newHarness(t, func(c *setup) { c.Deliver.State = store })
	body := fixture(t, "v3/incident.triggered.json")
	req := httptest.NewRequest("POST", "/pagerduty", bytes.NewReader(body))
	req.Header = signed(body, secret)
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	ctx := context.Background()
	for range 3 {
		batch, _ := hs.queue.Receive(ctx, 10, time.Second)
		deliver.Apply(ctx, hs.queue, batch, hs.deliver.Handle(ctx, batch), true, nil)
	}
	if s, tt := len(hs.slack.got()), len(hs.typetalk.got()); s != 0 || tt != 0 {
		t.Fatalf("store down: Slack %d, Typetalk %d posts; want none (never posted blindly)", s, tt)
	}
	if store.calls.Load() == 0 || hs.queue.Len() != 2 {
		t.Fatalf("store calls %d, queued %d: the messages should wait", store.calls.Load(), hs.queue.Len())
	}
	store.down.Store(false)
	hs.drain()
	if s, tt := len(hs.slack.got()), len(hs.typetalk.got()); s != 1 || tt != 1 {
		t.Errorf("store back: Slack %d, Typetalk %d posts; want 1 each", s, tt)
	}
}

// TestFaultInjection: a chat that fails its first requests (5xx, 429 with
// Retry-After, a timeout) still gets exactly one post, and so does the
// other chat; PagerDuty gets 200.
func TestFaultInjection(t *testing.T) {
	type fault struct {
		name string
		fail func(w http.ResponseWriter, r *http.Request)
	}
	faults := []fault{
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) }},
		{"429 Retry-After 1", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", http.StatusTooManyRequests)
		}},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			select { // hold the request past the poster's attempt timeout
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
		}},
	}
	for _, f := range faults {
		for _, target := range []string{"slack", "typetalk"} {
			t.Run(target+" "+f.name, func(t *testing.T) {
				synctest.Test(t, func(t *testing.T) {
					var mu sync.Mutex
					left := 2
					failing := func(w http.ResponseWriter, r *http.Request) bool {
						mu.Lock()
						fail := left > 0
						if fail {
							left--
						}
						mu.Unlock()
						if fail {
							f.fail(w, r)
						}
						return fail
					}
					// In a bubble: the Retry-After and the timeouts pass on its
					// clock, at once.
					hs := newInProcessHarness(t, func(c *setup) { c.Deliver.AttemptTimeout = 300 * time.Millisecond })
					if target == "slack" {
						hs.slack.SetBefore(failing)
					} else {
						hs.typetalk.fail = failing
					}
					body := fixture(t, "v3/incident.triggered.json")
					rec := hs.do("POST", "/pagerduty", signed(body, secret), body)
					if rec.Code != 200 {
						t.Fatalf("status %d %q", rec.Code, rec.Body)
					}
					if s, tt := len(hs.slack.got()), len(hs.typetalk.got()); s != 1 || tt != 1 {
						t.Errorf("Slack %d, Typetalk %d posts; want exactly 1 each", s, tt)
					}
				})
			})
		}
	}
}

// TestFirstSeenAndRunbooks: the first trigger of an alert says so; the same
// alert again (another incident, other numbers in its title) says it was
// seen before; the sheet's runbook for the service is linked on both.
func TestFirstSeenAndRunbooks(t *testing.T) {
	hs := newHarness(t, nil)
	one := fixture(t, "v3/incident.triggered.json")
	two := bytes.ReplaceAll(bytes.ReplaceAll(one, []byte(`"number": 1234`), []byte(`"number": 1240`)), []byte("Q1ABCDEF"), []byte("Q2ZZZZZZ"))
	two = bytes.Replace(two, []byte(`"id": "01JD5K2M3N4P5Q6R7S8T9V0W1X"`), []byte(`"id": "01JD5K2M3N4P5Q6R7S8T9V0W2Y"`), 1)
	two = bytes.Replace(two, []byte("5xx rate above 5%"), []byte("5xx rate above 7%"), 1)
	two = bytes.Replace(two, []byte(`"occurred_at": "2026-11-20T02:15:00.123Z"`), []byte(`"occurred_at": "2026-11-23T03:15:00.000Z"`), 1)
	for _, b := range [][]byte{one, two} {
		if rec := hs.do("POST", "/pagerduty", signed(b, secret), b); rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
	}
	for name, texts := range map[string][]string{"slack": hs.slack.got(), "typetalk": hs.typetalk.got()} {
		if len(texts) != 2 {
			t.Fatalf("%s: %d posts", name, len(texts))
		}
		if !strings.Contains(texts[0], "First time this alert has fired") {
			t.Errorf("%s: the first trigger should say it is new:\n%s", name, texts[0])
		}
		if strings.Contains(texts[1], "First time") || !strings.Contains(texts[1], "Seen once before, 3 days ago") {
			t.Errorf("%s: the second should say it was seen before:\n%s", name, texts[1])
		}
		for i, text := range texts {
			if !strings.Contains(text, "wiki.example.com/services/checkout") {
				t.Errorf("%s post %d lacks the checkout runbook:\n%s", name, i, text)
			}
		}
	}
}

// TestHistoryAndFollowups: every event goes into the history with who was
// on call; a trigger in business hours waits for an acknowledgement, which
// ends the wait.
func TestHistoryAndFollowups(t *testing.T) {
	store := memory.New()
	hs := newHarness(t, func(c *setup) { c.Deliver.State = store })
	ctx := context.Background()
	send := func(name string) {
		body := fixture(t, "v3/"+name+".json")
		if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
			t.Fatalf("%s: status %d", name, rec.Code)
		}
	}
	send("incident.triggered")
	waiting, err := store.Waiting(ctx)
	if err != nil || len(waiting) != 1 || waiting[0].IncidentID != "Q1ABCDEF" || waiting[0].Number != 1234 {
		t.Fatalf("after the trigger: waiting %+v, %v", waiting, err)
	}
	send("incident.acknowledged")
	if waiting, _ := store.Waiting(ctx); len(waiting) != 0 {
		t.Errorf("after the acknowledgement: still waiting %+v", waiting)
	}
	events, err := store.Between(ctx, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC))
	if err != nil || len(events) != 2 {
		t.Fatalf("history: %+v, %v", events, err)
	}
	trig, ack := events[0], events[1]
	if trig.Kind != incident.Triggered || !trig.WorkingTime || trig.Fingerprint == "" ||
		strings.Join(trig.OnCall, ",") != "Takahashi,Tanaka" || trig.Service != "checkout-api" {
		t.Errorf("trigger in history: %+v", trig)
	}
	if ack.Kind != incident.Acknowledged || ack.Agent != "Taro Yamada" || ack.Number != 1234 {
		t.Errorf("acknowledgement in history: %+v", ack)
	}
}
