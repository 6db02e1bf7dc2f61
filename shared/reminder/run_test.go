package reminder

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// recorder is a poster that records what it is given and answers with
// fail(attempt) (nil: success).
type recorder struct {
	mu    sync.Mutex
	texts []string
	calls int
	fail  func(call int) error
}

func (r *recorder) Post(_ context.Context, m chat.Message) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail != nil {
		if err := r.fail(r.calls); err != nil {
			return err
		}
	}
	r.texts = append(r.texts, m.Text)
	return nil
}

type sourceFunc func(ctx context.Context) (*rotation.Roster, error)

func (f sourceFunc) Roster(ctx context.Context) (*rotation.Roster, error) { return f(ctx) }

// noWait retries at once.
var noWait = chat.RetryPolicy{MaxAttempts: 3, Sleep: func(context.Context, time.Duration) error { return nil }}

type runFixture struct {
	cfg                Config
	slack, tt, console *recorder
	logs               *bytes.Buffer
}

func newRun(t *testing.T, src rotation.Source) *runFixture {
	f := &runFixture{slack: &recorder{}, tt: &recorder{}, console: &recorder{}, logs: &bytes.Buffer{}}
	f.cfg = Config{
		Calendar: workday.New(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP()),
		Rotation: src,
		Destinations: []fanout.Destination{
			{Name: "slack:C0REMIND", Dialect: message.Slack, Poster: f.slack},
			{Name: "typetalk:7", Dialect: message.Typetalk, Poster: f.tt},
			{Name: "console", Dialect: message.Console, Poster: f.console},
		},
		AlertChannels: []message.Channel{{Dialect: message.Slack, ID: "C0ALERTS"}},
		ManualURL:     "https://wiki.example.com/oncall",
		Retry:         noWait,
		Log:           slog.New(slog.NewJSONHandler(f.logs, nil)),
	}
	return f
}

func sheetSource(t *testing.T) rotation.Source {
	roster := testSheet(t)
	return sourceFunc(func(context.Context) (*rotation.Roster, error) { return roster, nil })
}

func TestRunPostsEveryDialect(t *testing.T) {
	f := newRun(t, sheetSource(t))
	res, err := Run(context.Background(), f.cfg, Evening, time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if res.Date != date("2026-11-24") || res.Posted != 3 || res.Failed+res.Temporary != 0 {
		t.Errorf("result %+v", res)
	}
	r := res.Reminder(f.cfg.Calendar.Hours(), f.cfg.AlertChannels, f.cfg.ManualURL, DefaultChecklist)
	for _, c := range []struct {
		rec *recorder
		d   message.Dialect
	}{{f.slack, message.Slack}, {f.tt, message.Typetalk}, {f.console, message.Console}} {
		if len(c.rec.texts) != 1 || c.rec.texts[0] != message.RenderReminder(c.d, r) {
			t.Errorf("%v got %q, want the %v rendering", c.d, c.rec.texts, c.d)
		}
	}
	for _, want := range []string{"<@U01ITO00001> Watanabe", "Tuesday 2026-11-24", "Labor Thanksgiving Day", "<#C0ALERTS>", "https://wiki.example.com/oncall", DefaultChecklist[1]} {
		if !strings.Contains(f.slack.texts[0], want) {
			t.Errorf("Slack text lacks %q:\n%s", want, f.slack.texts[0])
		}
	}
	if !strings.Contains(f.tt.texts[0], "@ito @watanabe") {
		t.Errorf("Typetalk text:\n%s", f.tt.texts[0])
	}
	if !strings.Contains(f.logs.String(), `"msg":"reminder"`) || !strings.Contains(f.logs.String(), `"date":"2026-11-24"`) {
		t.Errorf("log:\n%s", f.logs)
	}
}

func TestRunSkipsDaysOff(t *testing.T) {
	f := newRun(t, sheetSource(t))
	for _, at := range []time.Time{jst("2026-11-21 10:00"), jst("2026-11-23 17:00")} {
		res, err := Run(context.Background(), f.cfg, Morning, at)
		if err != nil || res.Skip == "" || res.Posted != 0 {
			t.Errorf("%s: %+v, %v; want a skip", at, res, err)
		}
	}
	if f.slack.calls+f.tt.calls+f.console.calls != 0 {
		t.Errorf("posted on a day off")
	}
	if !strings.Contains(f.logs.String(), `"reason":"Monday 2026-11-23 is a holiday: Labor Thanksgiving Day"`) {
		t.Errorf("the log does not say why:\n%s", f.logs)
	}
}

func TestRunEmptyRotationWarns(t *testing.T) {
	f := newRun(t, sheetSource(t))
	res, err := Run(context.Background(), f.cfg, Morning, jst("2026-10-30 10:00"))
	if err != nil || !res.Empty() || res.Posted != 3 {
		t.Fatalf("%+v, %v", res, err)
	}
	if text := f.slack.texts[0]; !strings.Contains(text, "Nobody is on call today") || strings.Contains(text, "<@") {
		t.Errorf("Slack text:\n%s", text)
	}
	if !strings.Contains(f.logs.String(), `"level":"WARN"`) {
		t.Errorf("an empty rotation is not a warning in the log:\n%s", f.logs)
	}
}

// The company days come from the roster read by the run (the sheet's
// holidays tab): the calendar is rebuilt each time, so an edit counts at once.
func TestRunUsesTheRostersHolidays(t *testing.T) {
	tabs := rotation.Tabs{
		Rotation: [][]string{{"2026-11-20", "Ito"}, {"2026-11-24", "Watanabe"}, {"2026-11-25", "Ito", "Watanabe"}},
	}
	var calls int
	f := newRun(t, sourceFunc(func(context.Context) (*rotation.Roster, error) {
		calls++
		r, _ := rotation.ParseTabs(tabs)
		return r, nil
	}))
	at := jst("2026-11-20 17:00")
	res, err := Run(context.Background(), f.cfg, Evening, at)
	if err != nil || res.Date != date("2026-11-24") {
		t.Fatalf("without a holidays tab: %s, %v; want 2026-11-24", res.Date, err)
	}
	tabs.Holidays = [][]string{{"date", "name"}, {"2026-11-24", "Team offsite"}}
	res, err = Run(context.Background(), f.cfg, Evening, at)
	if err != nil || res.Date != date("2026-11-25") || len(res.DaysOff) != 2 || res.DaysOff[1].Name != "Team offsite" {
		t.Fatalf("with 2026-11-24 off: %s %v, %v; want 2026-11-25 after the public holiday and the offsite", res.Date, res.DaysOff, err)
	}
	if !strings.Contains(f.slack.texts[1], "Monday 2026-11-23 (Labor Thanksgiving Day), Tuesday 2026-11-24 (Team offsite)") {
		t.Errorf("Slack text:\n%s", f.slack.texts[1])
	}
	res, err = Run(context.Background(), f.cfg, Morning, jst("2026-11-24 10:00"))
	if err != nil || !strings.Contains(res.Skip, "Team offsite") {
		t.Errorf("morning on the company holiday: %+v, %v; want a skip", res, err)
	}
	if calls != 3 {
		t.Errorf("%d rotation reads for 3 runs", calls)
	}
}

func TestRunRotationUnreadable(t *testing.T) {
	broken := sourceFunc(func(context.Context) (*rotation.Roster, error) {
		return nil, errors.New("sheets: HTTP 503")
	})
	f := newRun(t, broken)
	_, err := Run(context.Background(), f.cfg, Morning, jst("2026-11-20 10:00"))
	if ok, _ := chat.IsTemporary(err); !ok || !strings.Contains(err.Error(), "read the rotation: sheets: HTTP 503") {
		t.Errorf("working day, unreadable sheet: %v; want a temporary error naming it", err)
	}
	// A weekend or public holiday is a day off whatever the sheet says.
	res, err := Run(context.Background(), f.cfg, Morning, jst("2026-11-23 10:00"))
	if err != nil || !strings.Contains(res.Skip, "Labor Thanksgiving Day") {
		t.Errorf("holiday, unreadable sheet: %+v, %v; want a skip", res, err)
	}
	if f.slack.calls+f.tt.calls+f.console.calls != 0 {
		t.Errorf("posted without a rotation")
	}
}

func TestRunLookupTimeout(t *testing.T) {
	hung := sourceFunc(func(ctx context.Context) (*rotation.Roster, error) {
		<-ctx.Done()
		return nil, context.Cause(ctx)
	})
	f := newRun(t, hung)
	f.cfg.LookupTimeout = 10 * time.Millisecond
	_, err := Run(context.Background(), f.cfg, Morning, jst("2026-11-20 10:00"))
	if ok, _ := chat.IsTemporary(err); !ok || !strings.Contains(err.Error(), "took too long") {
		t.Errorf("%v", err)
	}
}

func TestRunFailures(t *testing.T) {
	temporary := func(int) error { return chat.Temporary(errors.New("HTTP 500"), 0) }
	final := func(int) error { return errors.New("HTTP 404: channel_not_found") }
	onceThenOK := func(call int) error {
		if call == 1 {
			return chat.Temporary(errors.New("HTTP 503"), 0)
		}
		return nil
	}
	tests := []struct {
		desc          string
		slack, tt     func(int) error
		wantErr       bool
		wantTemporary bool
		wantPosted    int
	}{
		{"a retry succeeds", onceThenOK, nil, false, false, 3},
		{"temporary failure: retry the invocation", temporary, nil, true, true, 2},
		{"final failure: not worth a retry", final, nil, true, false, 2},
		{"both: temporary wins", final, temporary, true, true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			f := newRun(t, sheetSource(t))
			f.slack.fail, f.tt.fail = tt.slack, tt.tt
			res, err := Run(context.Background(), f.cfg, Morning, jst("2026-11-20 10:00"))
			temp, _ := chat.IsTemporary(err)
			if (err != nil) != tt.wantErr || temp != tt.wantTemporary || res.Posted != tt.wantPosted {
				t.Errorf("posted %d, err %v (temporary %v); want posted %d, error %v, temporary %v",
					res.Posted, err, temp, tt.wantPosted, tt.wantErr, tt.wantTemporary)
			}
			if len(f.console.texts) != 1 {
				t.Errorf("a failing destination stopped another: console got %d", len(f.console.texts))
			}
			if err != nil && !strings.Contains(err.Error(), "morning reminder for 2026-11-20") {
				t.Errorf("error does not say which reminder: %v", err)
			}
		})
	}
}

func TestRunRefusesUnknownKind(t *testing.T) {
	f := newRun(t, sheetSource(t))
	if _, err := Run(context.Background(), f.cfg, "noon", jst("2026-11-20 12:00")); err == nil {
		t.Error("kind noon accepted")
	}
}

func TestRunBudgetFollowsTheDeadline(t *testing.T) {
	var left time.Duration
	f := newRun(t, sourceFunc(func(ctx context.Context) (*rotation.Roster, error) {
		dl, _ := ctx.Deadline()
		left = time.Until(dl)
		return testSheet(t), nil
	}))
	f.cfg.LookupTimeout = time.Minute
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if _, err := Run(ctx, f.cfg, Morning, jst("2026-11-20 10:00")); err != nil {
		t.Fatal(err)
	}
	if left <= 0 || left > 2*time.Second-fanout.DeadlineMargin {
		t.Errorf("lookup had %v left; want under the invocation's deadline less the margin", left)
	}
}

// TestCarryOver: the morning reminder hands over the night's incidents
// still open (triggered outside business hours since the last working
// day's 17:00); the evening one everything still open.
func TestCarryOver(t *testing.T) {
	f := newRun(t, sheetSource(t))
	store := memory.New()
	f.cfg.History = store
	ctx := context.Background()
	add := func(id string, number int, kind incident.Kind, at string, working bool) {
		t.Helper()
		if err := store.Append(ctx, incident.HistoryEvent{EventID: id + string(kind) + at, IncidentID: id, Number: number,
			Kind: kind, At: jst(at), Title: "incident " + id, WorkingTime: working, URL: "https://acme.pagerduty.com/incidents/" + id}); err != nil {
			t.Fatal(err)
		}
	}
	add("P4", 4, incident.Triggered, "2026-11-19 15:00", true) // Thursday, in hours, still open
	add("P0", 10, incident.Triggered, "2026-11-19 16:30", true)
	add("P0", 10, incident.Resolved, "2026-11-19 16:50", true)
	add("P1", 1, incident.Triggered, "2026-11-19 20:00", false) // the night: open
	add("P2", 2, incident.Triggered, "2026-11-19 22:00", false) // resolved in the night
	add("P2", 2, incident.Resolved, "2026-11-19 23:00", false)
	add("P3", 3, incident.Triggered, "2026-11-20 03:00", false) // taken in chat, still open
	add("P3", 3, incident.Taken, "2026-11-20 03:10", false)
	add("P5", 5, incident.Triggered, "2026-11-20 01:00", false) // acknowledged, then the ack timed out
	add("P5", 5, incident.Acknowledged, "2026-11-20 01:05", false)
	add("P5", 5, incident.Unacknowledged, "2026-11-20 01:35", false)
	add("P6", 6, incident.Reopened, "2026-11-20 02:00", false) // an older incident reopened in the night

	if _, err := Run(ctx, f.cfg, Morning, jst("2026-11-20 10:00")); err != nil {
		t.Fatal(err)
	}
	morning := f.slack.texts[0]
	for _, want := range []string{"Still open from outside business hours* (4):", "#5 incident P5> (triggered Fri 01:00, nobody on it yet)", "#6 incident P6>", "<https://acme.pagerduty.com/incidents/P1|#1 incident P1> (triggered Thu 20:00, nobody on it yet)", "#3 incident P3> (triggered Fri 03:00, someone is on it)"} {
		if !strings.Contains(morning, want) {
			t.Errorf("the morning reminder lacks %q:\n%s", want, morning)
		}
	}
	for _, not := range []string{"incident P2", "incident P4", "incident P0"} {
		if strings.Contains(morning, not) {
			t.Errorf("the morning reminder lists %s:\n%s", not, morning)
		}
	}
	if _, err := Run(ctx, f.cfg, Evening, jst("2026-11-20 17:00")); err != nil {
		t.Fatal(err)
	}
	evening := f.slack.texts[1]
	if !strings.Contains(evening, "Still open* (5):") || !strings.Contains(evening, "incident P4") || strings.Contains(evening, "incident P2") {
		t.Errorf("the evening reminder:\n%s", evening)
	}
}
