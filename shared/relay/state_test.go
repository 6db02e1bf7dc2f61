package relay

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
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

func TestRetryAfterPartialFailurePostsOnlyWhatIsMissing(t *testing.T) {
	hs := newHarness(t, nil)
	var mu sync.Mutex
	down := true
	hs.slack.fail = func(w http.ResponseWriter) bool {
		mu.Lock()
		defer mu.Unlock()
		if down {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
		}
		return down
	}
	body := fixture(t, "v3/incident.triggered.json")
	if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 503 {
		t.Fatalf("Slack down: status %d, want 503 so that PagerDuty retries", rec.Code)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
		t.Fatalf("retry: status %d", rec.Code)
	}
	if s, tt := len(hs.slack.got()), len(hs.typetalk.got()); s != 1 || tt != 1 {
		t.Errorf("after the retry: Slack %d, Typetalk %d posts; want 1 each (Typetalk not again)", s, tt)
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

// brokenStore fails every call as an unreachable DynamoDB would.
type brokenStore struct{ calls int }

func (b *brokenStore) err() error {
	b.calls++
	return fmt.Errorf("%w: dial tcp: i/o timeout", state.ErrUnavailable)
}
func (b *brokenStore) Claim(context.Context, string, string, time.Duration) (state.ClaimResult, error) {
	return 0, b.err()
}
func (b *brokenStore) Done(context.Context, string, string, bool, string) error { return b.err() }
func (b *brokenStore) Release(context.Context, string, string) error            { return b.err() }
func (b *brokenStore) Record(context.Context, incident.Event) (state.Incident, error) {
	return state.Incident{}, b.err()
}
func (b *brokenStore) Incident(context.Context, string) (state.Incident, bool, error) {
	return state.Incident{}, false, b.err()
}
func (b *brokenStore) SetThread(context.Context, string, string, string) (string, error) {
	return "", b.err()
}

func TestStoreDownStillPosts(t *testing.T) {
	store := &brokenStore{}
	hs := newHarness(t, func(c *Config) { c.State = store })
	body := fixture(t, "v3/incident.triggered.json")
	rec := hs.do("POST", "/pagerduty", signed(body, secret), body)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if s, tt := len(hs.slack.got()), len(hs.typetalk.got()); s != 1 || tt != 1 {
		t.Errorf("Slack %d, Typetalk %d posts; want 1 each", s, tt)
	}
	if store.calls != 1 {
		t.Errorf("the store was asked %d times after it failed; once is enough", store.calls)
	}
	if !strings.Contains(hs.logs.String(), "duplicate check") {
		t.Errorf("the log should say the post went out without the duplicate check:\n%s", hs.logs)
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
		{"500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", 500) }},
		{"429 Retry-After 1", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "slow down", 429)
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
				hs := newHarness(t, func(c *Config) {
					c.Budget = 4 * time.Second
					c.Retry.AttemptTimeout = 300 * time.Millisecond
				})
				if target == "slack" {
					hs.slack.failReq = failing
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
		}
	}
}
func (b *brokenStore) Seen(context.Context, string, string, time.Time) (state.Sighting, error) {
	return state.Sighting{}, b.err()
}
func (b *brokenStore) Append(context.Context, state.HistoryEvent) error { return b.err() }
func (b *brokenStore) Between(context.Context, time.Time, time.Time) ([]state.HistoryEvent, error) {
	return nil, b.err()
}
func (b *brokenStore) Await(context.Context, state.Pending) error           { return b.err() }
func (b *brokenStore) Settle(context.Context, string) error                 { return b.err() }
func (b *brokenStore) Waiting(context.Context) ([]state.Pending, error)     { return nil, b.err() }
func (b *brokenStore) Mentioned(context.Context, string, int) (bool, error) { return false, b.err() }

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
	store := state.NewMemory()
	hs := newHarness(t, func(c *Config) { c.State = store })
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
