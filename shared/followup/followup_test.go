package followup

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/routing"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// recorder is a chat that records posts; fail, when set, answers first.
type recorder struct {
	mu    sync.Mutex
	posts []chat.Message
	fail  func() error
}

func (r *recorder) Post(ctx context.Context, m chat.Message) error {
	_, err := r.PostRef(ctx, m)
	return err
}

func (r *recorder) PostRef(_ context.Context, m chat.Message) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(); err != nil {
			return "", err
		}
	}
	r.posts = append(r.posts, m)
	return "ts", nil
}

func (r *recorder) Update(context.Context, string, chat.Message) error { return nil }

func (r *recorder) got() []chat.Message {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]chat.Message(nil), r.posts...)
}

// plain is a chat without threads (Typetalk): a Poster only.
type plain struct{ r recorder }

func (p *plain) Post(ctx context.Context, m chat.Message) error { return p.r.Post(ctx, m) }
func (p *plain) got() []chat.Message                            { return p.r.got() }

type source struct{ r *rotation.Roster }

func (s source) Roster(context.Context) (*rotation.Roster, error) { return s.r, nil }

type env struct {
	cfg      Config
	store    *memory.Store
	slack    *recorder
	typetalk *plain
	tokyo    *time.Location
}

func newEnv(t *testing.T) *env {
	t.Helper()
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	hours, err := workday.ParseHours("Mon-Fri 10:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	roster, problems := rotation.Parse(
		[][]string{{"2026-11-20", "Takahashi", "Tanaka"}},
		[][]string{{"name", "slack", "typetalk"}, {"Takahashi", "U01TAKAHASH", "takahashi"}, {"Tanaka", "U01TANAKA01", "tanaka"}})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	e := &env{store: memory.New(), slack: &recorder{}, typetalk: &plain{}, tokyo: tokyo}
	e.cfg = Config{
		Calendar: workday.New(tokyo, hours, workday.JP()),
		Rotation: source{roster},
		Destinations: []fanout.Destination{
			{Name: "slack:C0ALERTS", Dialect: message.Slack, Poster: e.slack},
			{Name: "typetalk:42", Dialect: message.Typetalk, Poster: e.typetalk},
		},
		Store: e.store,
		Retry: chat.RetryPolicy{MaxAttempts: 1},
	}
	return e
}

func (e *env) at(t *testing.T, hhmm string) time.Time {
	ts, err := time.ParseInLocation("2006-01-02 15:04", "2026-11-20 "+hhmm, e.tokyo)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// trigger records incident #1234 triggered at hhmm, waiting, with a Slack thread.
func (e *env) trigger(t *testing.T, hhmm string) {
	ctx := context.Background()
	at := e.at(t, hhmm)
	ev := incident.Event{ID: "ev1", Kind: incident.Triggered, OccurredAt: at,
		Incident: incident.Incident{ID: "Q1ABCDEF", Number: 1234, Title: "checkout-api: 5xx"}}
	if _, err := e.store.Record(ctx, ev); err != nil {
		t.Fatal(err)
	}
	if _, err := e.store.SetThread(ctx, "Q1ABCDEF", "slack:C0ALERTS", "1763604900.001001"); err != nil {
		t.Fatal(err)
	}
	if err := e.store.Await(ctx, state.Pending{IncidentID: "Q1ABCDEF", Number: 1234, Title: "checkout-api: 5xx", TriggeredAt: at}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) sweep(t *testing.T, hhmm string) Result {
	t.Helper()
	res, err := Sweep(context.Background(), e.cfg, e.at(t, hhmm))
	if err != nil {
		t.Fatalf("sweep at %s: %v", hhmm, err)
	}
	return res
}

func TestFollowUpTwiceThenStop(t *testing.T) {
	e := newEnv(t)
	e.trigger(t, "11:15")
	for _, step := range []struct {
		at    string
		posts int // Slack posts so far
	}{
		{"11:20", 0}, {"11:24", 0}, {"11:25", 1}, {"11:26", 1}, {"11:34", 1}, {"11:35", 2}, {"11:45", 2}, {"12:30", 2},
	} {
		e.sweep(t, step.at)
		if got := len(e.slack.got()); got != step.posts {
			t.Fatalf("at %s: %d Slack follow-ups, want %d", step.at, got, step.posts)
		}
		if got := len(e.typetalk.got()); got != step.posts {
			t.Fatalf("at %s: %d Typetalk follow-ups, want %d", step.at, got, step.posts)
		}
	}
	first := e.slack.got()[0]
	if first.ThreadTS != "1763604900.001001" || !strings.Contains(first.Text, "<@U01TAKAHASH>") ||
		!strings.Contains(first.Text, "after 10m") || !strings.Contains(first.Text, "reminder 1 of 2") {
		t.Errorf("first follow-up: %+v", first)
	}
	if tt := e.typetalk.got()[1].Text; !strings.Contains(tt, "#pd1234") || !strings.Contains(tt, "@takahashi") {
		t.Errorf("Typetalk follow-up:\n%s", tt)
	}
	if waiting, _ := e.store.Waiting(context.Background()); len(waiting) != 0 {
		t.Errorf("after the last follow-up the incident should no longer wait: %+v", waiting)
	}
}

func TestAcknowledgedStopsFollowUps(t *testing.T) {
	e := newEnv(t)
	e.trigger(t, "11:15")
	ack := incident.Event{ID: "ev2", Kind: incident.Acknowledged, OccurredAt: e.at(t, "11:20"), Agent: "Takahashi",
		Incident: incident.Incident{ID: "Q1ABCDEF", Number: 1234}}
	if _, err := e.store.Record(context.Background(), ack); err != nil {
		t.Fatal(err)
	}
	// The relay settles on an acknowledgement; even if it could not, the
	// sweep sees the incident's state and stops.
	res := e.sweep(t, "11:30")
	if len(e.slack.got()) != 0 || res.Settled != 1 {
		t.Errorf("acknowledged incident: %d posts, result %+v", len(e.slack.got()), res)
	}
}

// "I'm on it" in chat stops the follow-ups as an acknowledgement does: the
// people on call have no PagerDuty seat to acknowledge with.
func TestTakenInChatStopsFollowUps(t *testing.T) {
	e := newEnv(t)
	e.cfg.AckReaction = "eyes"
	e.trigger(t, "11:15")
	res := e.sweep(t, "11:25") // nobody on it yet: re-mentioned, asked to answer in chat
	if got := e.slack.got(); len(got) != 1 || !strings.Contains(got[0].Text, "I'm on it") || strings.Contains(got[0].Text, "PagerDuty") {
		t.Fatalf("first follow-up: %+v (result %+v)", got, res)
	}
	if tt := e.typetalk.got(); len(tt) != 1 || !strings.Contains(tt[0].Text, "PagerDuty") {
		t.Errorf("Typetalk keeps its text: %+v", tt)
	}
	taken := incident.Event{ID: "slack/U01TANAKA01/1763605000.000100/pd2chat_take", Kind: incident.Taken, OccurredAt: e.at(t, "11:27"),
		Agent: "Tanaka", ChatUser: "U01TANAKA01", Incident: incident.Incident{ID: "Q1ABCDEF"}}
	if _, err := e.store.Record(context.Background(), taken); err != nil {
		t.Fatal(err)
	}
	res = e.sweep(t, "11:35")
	if len(e.slack.got()) != 1 || res.Settled != 1 {
		t.Errorf("taken incident: %d posts, result %+v", len(e.slack.got()), res)
	}
}

func TestNoFollowUpOutsideBusinessHours(t *testing.T) {
	e := newEnv(t)
	e.trigger(t, "16:55")
	e.sweep(t, "17:05")
	e.sweep(t, "18:00")
	if len(e.slack.got()) != 0 {
		t.Errorf("followed up after 17:00")
	}
}

// On a company day off (the sheet's holidays tab) nobody is followed up,
// though the public calendar has business hours.
func TestNoFollowUpOnACompanyDayOff(t *testing.T) {
	e := newEnv(t)
	roster, problems := rotation.ParseTabs(rotation.Tabs{
		Rotation: [][]string{{"2026-11-20", "Takahashi"}},
		Members:  [][]string{{"name", "slack"}, {"Takahashi", "U01TAKAHASH"}},
		Holidays: [][]string{{"date", "name"}, {"2026-11-20", "Company anniversary"}},
	})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	e.cfg.Rotation = source{roster}
	e.trigger(t, "10:00")
	e.sweep(t, "10:30")
	e.sweep(t, "11:30")
	if got := e.slack.got(); len(got) != 0 {
		t.Errorf("followed up on a company day off: %+v", got)
	}
}

func TestConcurrentSweepsMentionOnce(t *testing.T) {
	for round := 0; round < 20; round++ {
		e := newEnv(t)
		e.trigger(t, "11:15")
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() { _, _ = Sweep(context.Background(), e.cfg, e.at(t, "11:25")) })
		}
		wg.Wait()
		if s, tt := len(e.slack.got()), len(e.typetalk.got()); s != 1 || tt != 1 {
			t.Fatalf("round %d: Slack %d, Typetalk %d follow-ups; want 1 each", round, s, tt)
		}
	}
}

func TestFailedDestinationRetriedNextSweep(t *testing.T) {
	e := newEnv(t)
	e.trigger(t, "11:15")
	down := true
	e.typetalk.r.fail = func() error {
		if down {
			return chat.Temporary(errors.New("typetalk: HTTP 503"), 0)
		}
		return nil
	}
	if _, err := Sweep(context.Background(), e.cfg, e.at(t, "11:25")); err == nil {
		t.Fatal("want a temporary error while Typetalk is down")
	}
	down = false
	e.sweep(t, "11:26")
	if s, tt := len(e.slack.got()), len(e.typetalk.got()); s != 1 || tt != 1 {
		t.Errorf("after the retry: Slack %d, Typetalk %d follow-ups; want 1 each", s, tt)
	}
	e.sweep(t, "11:35")
	if s := len(e.slack.got()); s != 2 {
		t.Errorf("second follow-up: Slack %d posts, want 2", s)
	}
}

// TestRoutedFollowUp: an incident routed by ROUTES is followed up only in
// its rule's destinations, mentioning its rotation tab's people.
func TestRoutedFollowUp(t *testing.T) {
	e := newEnv(t)
	routes, errs := routing.Parse("service=payments -> typetalk:42 rotation=rotation_payments; * -> slack:C0ALERTS", func(d string) (string, error) { return d, nil })
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	payments, problems := rotation.Parse([][]string{{"2026-11-20", "Suzuki"}},
		[][]string{{"name", "slack", "typetalk"}, {"Suzuki", "U01SUZUKI01", "suzuki"}})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	e.cfg.Routes = routes
	e.cfg.Rotations = map[string]rotation.Source{"rotation_payments": source{payments}}
	e.trigger(t, "11:15")
	ctx := context.Background()
	if err := e.store.Settle(ctx, "Q1ABCDEF"); err != nil { // waiting again, on its route
		t.Fatal(err)
	}
	if err := e.store.Await(ctx, state.Pending{IncidentID: "Q1ABCDEF", Number: 1234, Title: "checkout-api: 5xx",
		TriggeredAt: e.at(t, "11:15"), Route: routes[0].Text}); err != nil {
		t.Fatal(err)
	}
	e.sweep(t, "11:25")
	if got := e.slack.got(); len(got) != 0 {
		t.Errorf("Slack got %+v: the route posts to Typetalk only", got)
	}
	if got := e.typetalk.got(); len(got) != 1 || !strings.Contains(got[0].Text, "@suzuki") || strings.Contains(got[0].Text, "@takahashi") {
		t.Errorf("Typetalk got %+v: want the follow-up mentioning the payments tab's Suzuki", got)
	}
}
