package relay

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"github.com/pd2chat/pd2chat/shared/locale"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/chat/typetalk"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/rotation/csvfile"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
	"github.com/pd2chat/pd2chat/shared/testkit/testlog"
	"github.com/pd2chat/pd2chat/shared/workday"
)

const (
	secret     = "test-signing-secret"
	v2Token    = "test-v2-token"
	slackToken = "xoxb-relay-test-token"
	ttToken    = "typetalk-relay-test-token"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("../../testdata/pagerduty/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sign(key string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

func tokyo(t testing.TB) *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func calendar(t testing.TB) *workday.Calendar {
	h, err := workday.ParseHours("Mon-Fri 10:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	return workday.New(tokyo(t), h, workday.JP())
}

// fakeSlack is the shared fake Slack, with the accessors these tests read.
type fakeSlack struct{ *fakeslack.Server }

type slackPost struct{ text, threadTS, ts string }

// got is the texts of the messages posted.
func (f fakeSlack) got() []string { return f.Texts() }

func (f fakeSlack) record() (posts, updates []slackPost) {
	for _, p := range f.Posts() {
		posts = append(posts, slackPost{text: p.Text, threadTS: p.ThreadTS, ts: p.TS})
	}
	for _, p := range f.Updates() {
		updates = append(updates, slackPost{text: p.Text, ts: p.TS})
	}
	return posts, updates
}

// fail makes Slack answer with f while it returns true.
func (f fakeSlack) fail(answer func(w http.ResponseWriter) bool) {
	f.SetBefore(func(w http.ResponseWriter, _ *http.Request) bool { return answer(w) })
}

// fakeTypetalk speaks Typetalk's POST /api/v1/topics/{id}.
type fakeTypetalk struct {
	mu       sync.Mutex
	messages []string
	fail     func(w http.ResponseWriter, r *http.Request) bool
}

func (f *fakeTypetalk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.fail != nil && f.fail(w, r) {
		return
	}
	if r.URL.Path != "/api/v1/topics/42" || r.Header.Get("X-Typetalk-Token") != ttToken {
		http.Error(w, `{"error":"bad request"}`, http.StatusBadRequest)
		return
	}
	_ = r.ParseForm()
	f.mu.Lock()
	f.messages = append(f.messages, r.PostForm.Get("message"))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"topic":{"id":42},"post":{"id":1}}`)
}

func (f *fakeTypetalk) got() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.messages...)
}

type harness struct {
	h        *Handler
	deliver  *deliver.Handler
	queue    *queue.Memory
	slack    fakeSlack
	typetalk *fakeTypetalk
	logs     *testlog.Buffer
}

// setup is what a test may change before the harness is built.
type setup struct {
	Relay   Config
	Deliver deliver.Config
}

// newHarness wires the webhook's Handler, an in-memory queue and the
// deliver Handler to the real Slack and Typetalk posters talking to fake
// servers, with the rotation from testdata/sheet.
func newHarness(t *testing.T, mod func(*setup)) *harness {
	t.Helper()
	return buildHarness(t, false, mod)
}

// newInProcessHarness is newHarness with both chats answering in process,
// no socket between them and the posters: the harness for a
// testing/synctest bubble, where waits (Retry-After, timeouts) take no
// time.
func newInProcessHarness(t *testing.T, mod func(*setup)) *harness {
	t.Helper()
	return buildHarness(t, true, mod)
}

func buildHarness(t *testing.T, inProcess bool, mod func(*setup)) *harness {
	t.Helper()
	hs := &harness{typetalk: &fakeTypetalk{}, logs: &testlog.Buffer{}, queue: queue.NewMemory()}
	var slackOpts slack.Options
	ttOpts := typetalk.Options{Token: ttToken, TopicID: "42"}
	if inProcess {
		hs.slack = fakeSlack{fakeslack.NewInProcess()}
		slackOpts.HTTPClient = hs.slack.Client()
		ttOpts.BaseURL = "http://typetalk.invalid"
		ttOpts.HTTPClient = &http.Client{Transport: fakeslack.InProcess(hs.typetalk)}
	} else {
		hs.slack = fakeSlack{fakeslack.New(t)}
		ttSrv := httptest.NewServer(hs.typetalk)
		t.Cleanup(ttSrv.Close)
		ttOpts.BaseURL = ttSrv.URL
	}
	slackOpts.Token, slackOpts.APIURL, slackOpts.Channel = slackToken, hs.slack.APIURL(), "C0ALERTS"
	log := slog.New(slog.NewJSONHandler(hs.logs, nil))
	src := csvfile.New("../../testdata/sheet")
	src.Logger = log
	dests := []fanout.Destination{
		{Name: "slack:C0ALERTS", Dialect: message.Slack, Poster: slack.New(slackOpts)},
		{Name: "typetalk:42", Dialect: message.Typetalk, Poster: typetalk.New(ttOpts)},
	}
	c := setup{
		Relay: Config{
			Secrets:      []string{"old-secret", secret},
			V2Token:      v2Token,
			Destinations: []string{"slack:C0ALERTS", "typetalk:42"},
			Queue:        hs.queue,
			Log:          log,
		},
		Deliver: deliver.Config{
			Destinations: dests, Calendar: calendar(t), Rotation: src, Log: log,
			AttemptTimeout: 2 * time.Second, BaseDelay: time.Millisecond, MaxDelay: 5 * time.Millisecond,
		},
	}
	if mod != nil {
		mod(&c)
	}
	hs.h = New(c.Relay)
	hs.deliver = deliver.New(c.Deliver)
	return hs
}

type sourceFunc func(ctx context.Context) (*rotation.Roster, error)

func (f sourceFunc) Roster(ctx context.Context) (*rotation.Roster, error) { return f(ctx) }

// do sends one delivery to the handler and returns the answer.
func (hs *harness) do(method, target string, header http.Header, body []byte) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	rec := httptest.NewRecorder()
	hs.h.ServeHTTP(rec, req)
	hs.drain()
	return rec
}

// drain runs the deliver code until the queue is empty (every message
// posted or dead-lettered), for at most 5 s.
func (hs *harness) drain() {
	ctx := context.Background()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline) && hs.queue.Len() > 0; {
		batch, _ := hs.queue.Receive(ctx, queue.MaxBatch, 20*time.Millisecond)
		if len(batch) > 0 {
			deliver.Apply(ctx, hs.queue, batch, hs.deliver.Handle(ctx, batch), true, nil)
		}
	}
}

// deadLetters is the reasons of the dead-lettered messages.
func (hs *harness) deadLetters() []string {
	_, reasons := hs.queue.DeadLettered()
	return reasons
}

func signed(body []byte, key string) http.Header {
	return http.Header{"X-Pagerduty-Signature": {sign(key, body)}, "Content-Type": {"application/json"}}
}

func TestDeliveries(t *testing.T) {
	triggered := fixture(t, "v3/incident.triggered.json")
	v2 := fixture(t, "v2/acknowledge_resolve.json")
	big := append([]byte(`{"event":{"event_type":"incident.triggered","data":{"title":"`), bytes.Repeat([]byte("x"), MaxBody)...)
	big = append(big, `"}}}`...)
	cases := []struct {
		name      string
		method    string
		target    string
		header    http.Header
		body      []byte
		mod       func(*setup)
		status    int
		posts     int // per destination
		inAnswer  string
		inMessage []string
	}{
		{name: "V3 triggered, signed", method: "POST", header: signed(triggered, secret), body: triggered, status: 200, posts: 1,
			inMessage: []string{"#pd1234", "checkout-api"}},
		{name: "V3 signed with the old secret", method: "POST", header: signed(triggered, "old-secret"), body: triggered, status: 200, posts: 1},
		{name: "V3 two signatures in two header values", method: "POST",
			header: http.Header{"X-Pagerduty-Signature": {sign("rotated-out", triggered), sign(secret, triggered)}}, body: triggered, status: 200, posts: 1},
		{name: "V3 forged", method: "POST", header: signed(triggered, "guess"), body: triggered, status: 403, inAnswer: "signature"},
		{name: "V3 unsigned", method: "POST", body: triggered, status: 401, inAnswer: "X-PagerDuty-Signature"},
		{name: "V3 unsigned accepted when no secret is set (local)", method: "POST", body: triggered,
			mod: func(c *setup) { c.Relay.Secrets = nil }, status: 200, posts: 1},
		{name: "non-incident event", method: "POST", header: signed(fixture(t, "v3/service.updated.json"), secret),
			body: fixture(t, "v3/service.updated.json"), status: 200, inAnswer: "ignored"},
		{name: "V2 with token, two messages", method: "POST", target: "/pagerduty?token=" + v2Token, body: v2, status: 200, posts: 2,
			inMessage: []string{"#pd"}},
		{name: "V2 without token", method: "POST", body: v2, status: 401, inAnswer: "token"},
		{name: "V2 wrong token", method: "POST", target: "/pagerduty?token=nope", body: v2, status: 403},
		{name: "V2 not enabled", method: "POST", target: "/pagerduty?token=" + v2Token, body: v2,
			mod: func(c *setup) { c.Relay.V2Token = "" }, status: 403, inAnswer: "PAGERDUTY_V2_TOKEN"},
		{name: "not JSON", method: "POST", header: signed([]byte("{oops"), secret), body: []byte("{oops"), status: 400},
		{name: "wrong shape", method: "POST", header: signed([]byte(`[1,2]`), secret), body: []byte(`[1,2]`), status: 400},
		{name: "empty object", method: "POST", header: signed([]byte(`{}`), secret), body: []byte(`{}`), status: 400},
		{name: "body over 1 MiB", method: "POST", header: signed(big, secret), body: big, status: 413},
		{name: "GET", method: "GET", status: 405},
		{name: "PUT", method: "PUT", body: triggered, header: signed(triggered, secret), status: 405},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, tc.mod)
			target := tc.target
			if target == "" {
				target = "/pagerduty"
			}
			rec := hs.do(tc.method, target, tc.header, tc.body)
			if rec.Code != tc.status {
				t.Fatalf("status %d %q, want %d", rec.Code, rec.Body.String(), tc.status)
			}
			if tc.inAnswer != "" && !strings.Contains(rec.Body.String(), tc.inAnswer) {
				t.Errorf("answer %q lacks %q", rec.Body.String(), tc.inAnswer)
			}
			if got := len(hs.slack.got()); got != tc.posts {
				t.Errorf("Slack got %d posts, want %d", got, tc.posts)
			}
			if got := len(hs.typetalk.got()); got != tc.posts {
				t.Errorf("Typetalk got %d posts, want %d", got, tc.posts)
			}
			for _, want := range tc.inMessage {
				for _, text := range append(hs.slack.got(), hs.typetalk.got()...) {
					if !strings.Contains(text, want) {
						t.Errorf("message lacks %q:\n%s", want, text)
					}
				}
			}
			for _, s := range []string{secret, v2Token, slackToken, ttToken} {
				if strings.Contains(hs.logs.String(), s) || strings.Contains(rec.Body.String(), s) {
					t.Errorf("secret %q leaked:\nlogs: %s\nanswer: %s", s, hs.logs, rec.Body)
				}
			}
		})
	}
}

// at rewrites the triggered fixture's occurred_at.
func at(t *testing.T, instant string) []byte {
	body := fixture(t, "v3/incident.triggered.json")
	const orig = `"occurred_at": "2026-11-20T02:15:00.123Z"`
	if !bytes.Contains(body, []byte(orig)) {
		t.Fatalf("fixture no longer holds %s", orig)
	}
	return bytes.Replace(body, []byte(orig), []byte(`"occurred_at": "`+instant+`"`), 1)
}

func TestMentionsOnlyInBusinessHours(t *testing.T) {
	cases := []struct {
		desc    string
		instant string // occurred_at
		mention []string
	}{
		{"Fri 09:59:59 JST", "2026-11-20T00:59:59Z", nil},
		{"Fri 10:00:00 JST", "2026-11-20T01:00:00Z", []string{"<@U01TAKAHASH>", "<@U01TANAKA01>"}},
		{"Fri 16:59:59 JST", "2026-11-20T07:59:59Z", []string{"<@U01TAKAHASH>", "<@U01TANAKA01>"}},
		{"Fri 17:00:00 JST", "2026-11-20T08:00:00Z", nil},
		{"Sat 11:00 JST", "2026-11-21T02:00:00Z", nil},
		{"Mon 23 Nov, Labour Thanksgiving Day", "2026-11-23T02:00:00Z", nil},
		{"Tue 24 Nov 11:00 JST", "2026-11-24T02:00:00Z", []string{"<@U01ITO00001>", "Watanabe"}},
		{"offset given in JST", "2026-11-19T10:30:00+09:00", []string{"<@U01SATO0001>", "<@U01SUZUKI01>"}},
	}
	for _, tc := range cases {
		t.Run(tc.desc, func(t *testing.T) {
			hs := newHarness(t, nil)
			body := at(t, tc.instant)
			if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
				t.Fatalf("status %d %s", rec.Code, rec.Body)
			}
			texts := hs.slack.got()
			if len(texts) != 1 {
				t.Fatalf("want 1 Slack post, got %d", len(texts))
			}
			if tc.mention == nil && strings.Contains(texts[0], "<@") {
				t.Errorf("mentions outside business hours:\n%s", texts[0])
			}
			for _, m := range tc.mention {
				if !strings.Contains(texts[0], m) {
					t.Errorf("no %s in:\n%s", m, texts[0])
				}
			}
			tt := hs.typetalk.got()
			if len(tt) != 1 {
				t.Fatalf("want 1 Typetalk post, got %d", len(tt))
			}
			if (tc.mention != nil) != strings.Contains(tt[0], "@takahashi") && (tc.mention != nil) != strings.Contains(tt[0], "@ito") && (tc.mention != nil) != strings.Contains(tt[0], "@sato") {
				t.Errorf("Typetalk mention should be %v:\n%s", tc.mention != nil, tt[0])
			}
		})
	}
}

func TestTagFollowsTheIncident(t *testing.T) {
	hs := newHarness(t, nil)
	for _, name := range []string{"incident.triggered", "incident.annotated", "incident.responder.added", "incident.status_update_published", "incident.resolved"} {
		body := fixture(t, "v3/"+name+".json")
		if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
			t.Fatalf("%s: status %d %s", name, rec.Code, rec.Body)
		}
	}
	for _, texts := range [][]string{hs.slack.got(), hs.typetalk.got()} {
		if len(texts) != 5 {
			t.Fatalf("want 5 posts, got %d", len(texts))
		}
		for i, text := range texts {
			if !strings.Contains(text, "#pd1234") {
				t.Errorf("post %d lacks #pd1234:\n%s", i, text)
			}
		}
	}

	// A note about an incident never seen has no number: no tag, still posted.
	fresh := newHarness(t, nil)
	body := fixture(t, "v3/incident.annotated.json")
	if rec := fresh.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if got := fresh.slack.got(); len(got) != 1 || strings.Contains(got[0], "#pd") {
		t.Errorf("want one untagged post, got %q", got)
	}
}

func TestDifferentIncidentsDifferentTags(t *testing.T) {
	hs := newHarness(t, nil)
	one := fixture(t, "v3/incident.triggered.json")
	two := bytes.ReplaceAll(bytes.ReplaceAll(one, []byte(`"number": 1234`), []byte(`"number": 1235`)), []byte("Q1ABCDEF"), []byte("Q2ZZZZZZ"))
	two = bytes.Replace(two, []byte(`"id": "01JD5K2M3N4P5Q6R7S8T9V0W1X"`), []byte(`"id": "01JD5K2M3N4P5Q6R7S8T9V0W2Y"`), 1)
	for _, b := range [][]byte{one, two} {
		if rec := hs.do("POST", "/pagerduty", signed(b, secret), b); rec.Code != 200 {
			t.Fatalf("status %d", rec.Code)
		}
	}
	got := hs.typetalk.got()
	if len(got) != 2 || !strings.Contains(got[0], "#pd1234") || !strings.Contains(got[1], "#pd1235") {
		t.Errorf("tags: %q", got)
	}
}

// TestOneDestinationFailingNeverBlocksAnother: whatever Slack does,
// PagerDuty gets 200 at once and Typetalk its post; Slack's message is
// retried, then dead-lettered with its reason (at once when final).
func TestOneDestinationFailingNeverBlocksAnother(t *testing.T) {
	body := fixture(t, "v3/incident.triggered.json")
	cases := []struct {
		name   string
		fail   func(w http.ResponseWriter) bool
		reason string
	}{
		{"Slack answers 500 every time", func(w http.ResponseWriter) bool {
			http.Error(w, "oops", http.StatusInternalServerError)
			return true
		}, "DELIVERY_RETRY_FOR"},
		{"Slack rate-limits every time", func(w http.ResponseWriter) bool {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return true
		}, "DELIVERY_RETRY_FOR"},
		{"Slack channel is gone: final", func(w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":false,"error":"channel_not_found"}`)
			return true
		}, "channel_not_found"},
		{"the bot is not in the channel: final", func(w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, `{"ok":false,"error":"not_in_channel"}`)
			return true
		}, "not_in_channel"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, func(c *setup) { c.Deliver.RetryFor = 200 * time.Millisecond })
			hs.slack.fail(tc.fail)
			rec := hs.do("POST", "/pagerduty", signed(body, secret), body)
			if rec.Code != 200 {
				t.Errorf("status %d %q, want 200: a chat never makes PagerDuty retry", rec.Code, rec.Body)
			}
			if got := hs.typetalk.got(); len(got) != 1 {
				t.Errorf("Typetalk got %d posts, want 1", len(got))
			}
			dead := hs.deadLetters()
			if len(dead) != 1 || !strings.Contains(dead[0], tc.reason) {
				t.Errorf("dead-lettered %q, want one with %q", dead, tc.reason)
			}
			if strings.Contains(rec.Body.String(), "oops") || strings.Contains(rec.Body.String(), "channel_not_found") {
				t.Errorf("internal error text in the answer: %q", rec.Body)
			}
			if !strings.Contains(hs.logs.String(), `"msg":"undeliverable"`) {
				t.Errorf("no undeliverable log line:\n%s", hs.logs)
			}
		})
	}
}

func TestSlackRecovers(t *testing.T) {
	hs := newHarness(t, nil)
	var mu sync.Mutex
	failures := 2
	hs.slack.fail(func(w http.ResponseWriter) bool {
		mu.Lock()
		defer mu.Unlock()
		if failures == 0 {
			return false
		}
		failures--
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return true
	})
	body := fixture(t, "v3/incident.triggered.json")
	if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
		t.Fatalf("status %d %q", rec.Code, rec.Body)
	}
	if got := hs.slack.got(); len(got) != 1 {
		t.Errorf("Slack got %d posts, want exactly 1", len(got))
	}
}

func TestRotationDownStillPosts(t *testing.T) {
	cases := []struct {
		name string
		src  sourceFunc
	}{
		{"error", func(context.Context) (*rotation.Roster, error) { return nil, errors.New("sheets: 503") }},
		{"hangs past its deadline", func(ctx context.Context) (*rotation.Roster, error) {
			<-ctx.Done()
			return nil, context.Cause(ctx)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, func(c *setup) { c.Deliver.Rotation = tc.src; c.Deliver.LookupTimeout = 50 * time.Millisecond })
			body := fixture(t, "v3/incident.triggered.json")
			if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			got := hs.slack.got()
			if len(got) != 1 || strings.Contains(got[0], "<@") || !strings.Contains(got[0], "Nobody mentioned: the rotation sheet could not be read.") {
				t.Errorf("want one post without mentions and with a notice, got %q", got)
			}
		})
	}
}

// BenchmarkRelay is pd2chat's own cost per delivery, network aside: the
// webhook (verify + decode + enqueue for two destinations, memory queue)
// and the deliver code (roster lookup + render + post for each), posters
// in-process and a store that remembers nothing.
func BenchmarkRelay(b *testing.B) {
	body := fixture(b, "v3/incident.triggered.json")
	roster, problems := rotation.Parse(
		[][]string{{"date", "oncall", "oncall"}, {"2026-11-20", "Takahashi", "Tanaka"}},
		[][]string{{"name", "slack", "typetalk", "email"}, {"Takahashi", "U01TAKAHASH", "takahashi", ""}, {"Tanaka", "U01TANAKA01", "tanaka", ""}})
	if len(problems) > 0 {
		b.Fatal(problems)
	}
	var posted int
	var mu sync.Mutex
	poster := chat.PosterFunc(func(context.Context, chat.Message) error { mu.Lock(); posted++; mu.Unlock(); return nil })
	// Each iteration redelivers one event: a clock that moves 6 minutes a
	// call keeps the queue's deduplication window from dropping it.
	var clock time.Time
	q := &queue.Memory{Now: func() time.Time { clock = clock.Add(6 * time.Minute); return clock }}
	h := New(Config{Secrets: []string{secret}, Destinations: []string{"slack:C1", "typetalk:1"}, Queue: q})
	d := deliver.New(deliver.Config{
		Calendar: calendar(b),
		Rotation: sourceFunc(func(context.Context) (*rotation.Roster, error) { return roster, nil }),
		Destinations: []fanout.Destination{
			{Name: "slack:C1", Dialect: message.Slack, Poster: poster},
			{Name: "typetalk:1", Dialect: message.Typetalk, Poster: poster},
		},
		// pd2chat's own cost: the store's is measured in package state.
		State: passStore{},
	})
	sig := sign(secret, body)
	u, _ := url.Parse("http://localhost/pagerduty")
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := &http.Request{Method: "POST", URL: u, Header: http.Header{"X-Pagerduty-Signature": {sig}},
			Body: io.NopCloser(bytes.NewReader(body)), ContentLength: int64(len(body))}
		req = req.WithContext(ctx)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != 200 {
			b.Fatalf("status %d %s", rec.Code, rec.Body)
		}
		batch, _ := q.Receive(ctx, queue.MaxBatch, 0)
		deliver.Apply(ctx, q, batch, d.Handle(ctx, batch), true, nil)
	}
	if posted != 2*b.N {
		b.Fatalf("posted %d, want %d", posted, 2*b.N)
	}
}

// passStore remembers nothing: every post is new.
type passStore struct{}

func (passStore) Claim(context.Context, string, string, time.Duration) (state.ClaimResult, error) {
	return state.Claimed, nil
}
func (passStore) Done(context.Context, string, string, bool, string) error { return nil }
func (passStore) Release(context.Context, string, string) error            { return nil }
func (passStore) Abandon(context.Context, string, string) error            { return nil }
func (passStore) Record(_ context.Context, ev incident.Event) (state.Incident, error) {
	return state.Incident{ID: ev.Incident.ID, Number: ev.Incident.Number}, nil
}
func (passStore) RecordOver(_ context.Context, _ state.Incident, ev incident.Event) (state.Incident, error) {
	return state.Incident{ID: ev.Incident.ID, Number: ev.Incident.Number}, nil
}
func (passStore) Incident(context.Context, string) (state.Incident, bool, error) {
	return state.Incident{}, false, nil
}
func (passStore) SetThread(_ context.Context, _, _, ref string) (string, error) { return ref, nil }
func (passStore) IndexNumber(context.Context, int, string) error                { return nil }
func (passStore) IncidentID(context.Context, int) (string, bool, error) {
	return "", false, nil
}
func (passStore) RecordSighting(context.Context, string, string, time.Time) (state.Sighting, error) {
	return state.Sighting{}, nil
}
func (passStore) Append(context.Context, state.HistoryEvent) error { return nil }
func (passStore) Between(context.Context, time.Time, time.Time) ([]state.HistoryEvent, error) {
	return nil, nil
}
func (passStore) Await(context.Context, state.Pending) error           { return nil }
func (passStore) Settle(context.Context, string) error                 { return nil }
func (passStore) Waiting(context.Context) ([]state.Pending, error)     { return nil, nil }
func (passStore) Mentioned(context.Context, string, int) (bool, error) { return true, nil }

// TestV2TokenAsPasted: a token with "+", "/" and "=" (openssl rand -base64)
// works in the extension's URL as pasted and percent-encoded alike.
func TestV2TokenAsPasted(t *testing.T) {
	const tok = "Qa+Tok/9xZ=="
	body := fixture(t, "v2/trigger.json")
	for _, tc := range []struct {
		query  string
		status int
	}{
		{"token=Qa+Tok/9xZ==", 200},
		{"token=Qa%2BTok%2F9xZ%3D%3D", 200},
		{"token=Qa%20Tok/9xZ==", 403}, // a space is not a plus
		{"token=Qa+Tok/9xZ=", 403},
		{"token=Qa+Tok/9xZ==&token=Qa+Tok/9xZ==", 401},
	} {
		t.Run(tc.query, func(t *testing.T) {
			hs := newHarness(t, func(c *setup) { c.Relay.V2Token = tok })
			if rec := hs.do("POST", "/pagerduty?"+tc.query, nil, body); rec.Code != tc.status {
				t.Errorf("status %d %q, want %d", rec.Code, rec.Body, tc.status)
			}
			if strings.Contains(hs.logs.String(), "Tok/9xZ") {
				t.Errorf("the token reached the log:\n%s", hs.logs)
			}
		})
	}
}

// TestAuthFailuresAreLogged: every delivery refused as not PagerDuty's logs
// a fixed auth_failure code (the signature-failure alarm counts them), never
// the secret or the signature.
func TestAuthFailuresAreLogged(t *testing.T) {
	triggered := fixture(t, "v3/incident.triggered.json")
	v2 := fixture(t, "v2/trigger.json")
	forged := sign("guess", triggered)
	for _, tc := range []struct {
		name, target string
		header       http.Header
		body         []byte
		code         string
	}{
		{"no signature", "/pagerduty", nil, triggered, "missing signature"},
		{"malformed signature", "/pagerduty", http.Header{"X-Pagerduty-Signature": {"v2=abc"}}, triggered, "missing signature"},
		{"another secret", "/pagerduty", http.Header{"X-Pagerduty-Signature": {forged}}, triggered, "no matching secret"},
		{"V2 without token", "/pagerduty", nil, v2, "missing V2 token"},
		{"V2 wrong token", "/pagerduty?token=nope", nil, v2, "bad V2 token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, nil)
			rec := hs.do("POST", tc.target, tc.header, tc.body)
			if rec.Code != 401 && rec.Code != 403 {
				t.Fatalf("status %d", rec.Code)
			}
			logs := hs.logs.String()
			if !strings.Contains(logs, `"auth_failure":"`+tc.code+`"`) {
				t.Errorf("log lacks auth_failure %q:\n%s", tc.code, logs)
			}
			for _, s := range []string{secret, v2Token, strings.TrimPrefix(forged, "v1=")} {
				if strings.Contains(logs, s) {
					t.Errorf("log holds %q", s)
				}
			}
		})
	}
}

// TestPing: PagerDuty's test event (pagey.ping) goes through the whole
// path and says so in every chat, once however often it comes.
func TestPing(t *testing.T) {
	hs := newHarness(t, nil)
	body := fixture(t, "v3/pagey.ping.json")
	for range 2 {
		if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
			t.Fatalf("status %d %q", rec.Code, rec.Body)
		}
	}
	for name, got := range map[string][]string{"slack": hs.slack.got(), "typetalk": hs.typetalk.got()} {
		if len(got) != 1 || !strings.Contains(got[0], "PagerDuty test event received") {
			t.Errorf("%s got %q", name, got)
		}
	}
	if rec := hs.do("POST", "/pagerduty", signed(body, "guess"), body); rec.Code != 403 {
		t.Errorf("a forged ping: %d", rec.Code)
	}

	ja := newHarness(t, func(s *setup) { s.Relay.Language = locale.Japanese })
	if rec := ja.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
		t.Fatalf("status %d %q", rec.Code, rec.Body)
	}
	if got := ja.slack.got(); len(got) != 1 || !strings.Contains(got[0], "PagerDutyのテストイベントを受け取りました") {
		t.Errorf("LANGUAGE=ja: %q", got)
	}
}
