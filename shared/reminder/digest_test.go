package reminder

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/digest"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/workday"
)

func TestPlanDigest(t *testing.T) {
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), companyDays)
	check := func(cal *workday.Calendar, desc string, at time.Time, week, skip string) {
		t.Helper()
		d := PlanDigest(cal, at)
		if skip == "" && d.Skip != "" || skip != "" && !strings.Contains(d.Skip, skip) {
			t.Errorf("%s (%s): skip %q, want one containing %q", desc, at, d.Skip, skip)
		}
		if d.Week != date(week) {
			t.Errorf("%s: week %s, want %s", desc, d.Week, week)
		}
		from, to := jst(week+" 00:00"), jst(week+" 00:00").AddDate(0, 0, 7)
		if !d.From.Equal(from) || !d.To.Equal(to) || d.From.Location() != tokyo {
			t.Errorf("%s: [%s, %s), want [%s, %s)", desc, d.From, d.To, from, to)
		}
		if !d.At.Equal(at) || d.Today != rotation.DateOf(at.In(tokyo)) {
			t.Errorf("%s: at %s today %s", desc, d.At, d.Today)
		}
	}
	check(cal, "Monday", jst("2026-11-16 10:00"), "2026-11-09", "")
	check(cal, "Tuesday after a working Monday", jst("2026-11-17 10:00"), "2026-11-09", "Monday 2026-11-16 was")
	check(cal, "Friday", jst("2026-11-20 10:00"), "2026-11-09", "not the first working day")
	check(cal, "Sunday", jst("2026-11-22 10:00"), "2026-11-09", "not a business day")
	check(cal, "Monday holiday", jst("2026-11-23 10:00"), "2026-11-16", "Labor Thanksgiving Day")
	check(cal, "Tuesday after a Monday holiday", jst("2026-11-24 10:00"), "2026-11-16", "")
	check(cal, "Wednesday after", jst("2026-11-25 10:00"), "2026-11-16", "Tuesday 2026-11-24 was")

	// Golden Week 2026: Monday 4 to Wednesday 6 May are holidays.
	check(cal, "Greenery Day", jst("2026-05-04 10:00"), "2026-04-27", "Greenery Day")
	check(cal, "Children's Day", jst("2026-05-05 10:00"), "2026-04-27", "Children's Day")
	check(cal, "substitute holiday", jst("2026-05-06 10:00"), "2026-04-27", "Substitute holiday")
	check(cal, "Thursday after Golden Week", jst("2026-05-07 10:00"), "2026-04-27", "")
	check(cal, "Friday after Golden Week", jst("2026-05-08 10:00"), "2026-04-27", "Thursday 2026-05-07 was")

	// The company's closure (the sheet's holidays tab) counts: Monday 4
	// January 2027 is closed, and the week reported is the one before,
	// New Year's Day and all.
	check(cal, "company holiday Monday", jst("2027-01-04 10:00"), "2026-12-28", "Company holiday")
	check(cal, "Tuesday after it", jst("2027-01-05 10:00"), "2026-12-28", "")
	noCompany := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), nil)
	check(noCompany, "without the sheet's days off", jst("2027-01-04 10:00"), "2026-12-28", "")

	// The day is Tokyo's: Monday 00:00 JST is Sunday 15:00 UTC.
	check(cal, "Monday 00:00 JST", time.Date(2026, 11, 15, 15, 0, 0, 0, time.UTC), "2026-11-09", "")
	check(cal, "Sunday 23:59:59 JST", time.Date(2026, 11, 15, 14, 59, 59, 0, time.UTC), "2026-11-02", "not a business day")
}

// recordingHistory remembers what Between was asked; err fails it.
type recordingHistory struct {
	state.History
	from, to time.Time
	err      error
}

func (h *recordingHistory) Between(ctx context.Context, from, to time.Time) ([]state.HistoryEvent, error) {
	h.from, h.to = from, to
	if h.err != nil {
		return nil, h.err
	}
	return h.History.Between(ctx, from, to)
}

// digestHistory is a store whose history holds three incidents of the week
// of 16 November 2026 and one of the week before.
func digestHistory(t *testing.T) *memory.Store {
	m := memory.New()
	m.Now = func() time.Time { return jst("2026-11-24 10:00") }
	for _, e := range []state.HistoryEvent{
		{EventID: "e1", IncidentID: "P1", Kind: incident.Triggered, At: jst("2026-11-16 10:05"), Service: "db <!here>", Urgency: "high", Fingerprint: "fp-disk", Title: "Disk full", OnCall: []string{"Suzuki", "Takahashi"}, WorkingTime: true},
		{EventID: "e2", IncidentID: "P1", Kind: incident.Acknowledged, At: jst("2026-11-16 10:09"), Agent: "Suzuki", WorkingTime: true},
		{EventID: "e3", IncidentID: "P1", Kind: incident.Resolved, At: jst("2026-11-16 10:35"), Agent: "Suzuki", WorkingTime: true},
		{EventID: "e4", IncidentID: "P2", Kind: incident.Triggered, At: jst("2026-11-21 03:00"), Service: "api", Urgency: "low", Fingerprint: "fp-cert"},
		{EventID: "e5", IncidentID: "P3", Kind: incident.Triggered, At: jst("2026-11-22 23:50"), Service: "api", Urgency: "high", Fingerprint: "fp-cert"},
		{EventID: "e6", IncidentID: "P3", Kind: incident.Acknowledged, At: jst("2026-11-23 00:20"), Agent: "Ito"},
		{EventID: "e0", IncidentID: "P0", Kind: incident.Triggered, At: jst("2026-11-13 12:00"), Service: "db", Urgency: "high"},
	} {
		if err := m.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func newDigestRun(t *testing.T) (*runFixture, DigestConfig, *recordingHistory) {
	f := newRun(t, sheetSource(t))
	store := digestHistory(t)
	h := &recordingHistory{History: store}
	f.cfg.State = store
	return f, DigestConfig{Config: f.cfg, History: h}, h
}

func TestRunDigest(t *testing.T) {
	f, cfg, h := newDigestRun(t)
	ctx := context.Background()
	res, err := RunDigest(ctx, cfg, jst("2026-11-24 10:00"), rotation.Date{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Week != date("2026-11-16") || res.Posted != 3 || res.Skip != "" {
		t.Fatalf("result %+v", res)
	}
	// The week and a week after it: P3's acknowledgement on Monday counts.
	if !h.from.Equal(jst("2026-11-16 00:00")) || !h.to.Equal(jst("2026-11-30 00:00")) {
		t.Errorf("read [%s, %s), want the week and digest.Horizon", h.from, h.to)
	}
	// P1 (Monday, inside hours, acknowledged after 4m), P2 (Saturday
	// night, low), P3 (Sunday 23:50, acknowledged on Monday after 30m); not
	// P0 of the week before.
	if r := res.Report; r.Incidents != 3 || r.High != 2 || r.Low != 1 || r.BusinessHours != 1 || r.OutsideHours != 2 ||
		r.FirstResponse != (digest.Stats{N: 2, Median: 4 * time.Minute, P90: 30 * time.Minute}) || r.Unresolved != 2 {
		t.Errorf("report %+v", r)
	}
	for _, c := range []struct {
		rec *recorder
		d   message.Dialect
	}{{f.slack, message.Slack}, {f.tt, message.Typetalk}, {f.console, message.Console}} {
		if len(c.rec.texts) != 1 || c.rec.texts[0] != message.RenderDigest(c.d, res.Report) {
			t.Errorf("%v got %q, want the %v rendering", c.d, c.rec.texts, c.d)
		}
	}
	if !strings.Contains(f.slack.texts[0], "Monday 2026-11-16 to Sunday 2026-11-22") || !strings.Contains(f.slack.texts[0], "db &lt;!here&gt;") {
		t.Errorf("Slack text:\n%s", f.slack.texts[0])
	}
	if !strings.Contains(f.logs.String(), `"msg":"digest"`) || !strings.Contains(f.logs.String(), `"week":"2026-11-16"`) {
		t.Errorf("log:\n%s", f.logs)
	}

	// Retried: posted once per destination.
	res, err = RunDigest(ctx, cfg, jst("2026-11-24 10:00"), rotation.Date{})
	if err != nil || res.Posted != 0 || res.AlreadyPosted != 3 || len(f.slack.texts) != 1 {
		t.Errorf("retried: %+v, %v; want nothing posted again", res, err)
	}

	// The next day: not the first working day of the week.
	res, err = RunDigest(ctx, cfg, jst("2026-11-25 10:00"), rotation.Date{})
	if err != nil || !strings.Contains(res.Skip, "not the first working day") || res.Posted+res.AlreadyPosted != 0 {
		t.Errorf("Wednesday: %+v, %v", res, err)
	}
	if !strings.Contains(f.logs.String(), `"msg":"digest skipped"`) {
		t.Errorf("the skip is not logged:\n%s", f.logs)
	}
}

func TestRunDigestOfAWeek(t *testing.T) {
	f, cfg, h := newDigestRun(t)
	cfg.State = nil
	cfg.Rotation = sourceFunc(func(context.Context) (*rotation.Roster, error) {
		return nil, errors.New("the sheet is down") // only names people: a week by name needs no sheet
	})
	// Any day: the week of 9 November has one incident, P0.
	res, err := RunDigest(context.Background(), cfg, jst("2026-11-25 15:00"), date("2026-11-09"))
	if err != nil || res.Posted != 3 || res.Report.Incidents != 1 || !res.At.IsZero() {
		t.Fatalf("%+v, %v", res, err)
	}
	if !h.from.Equal(jst("2026-11-09 00:00")) || !strings.Contains(f.console.texts[0], "Monday 2026-11-09 to Sunday 2026-11-15") {
		t.Errorf("from %s:\n%s", h.from, f.console.texts[0])
	}
	if _, err := RunDigest(context.Background(), cfg, time.Time{}, date("2026-11-10")); err == nil || !strings.Contains(err.Error(), "is a Tuesday, not a Monday") {
		t.Errorf("a Tuesday: %v", err)
	}
}

func TestRunDigestFailures(t *testing.T) {
	ctx := context.Background()
	tuesday := jst("2026-11-24 10:00")

	t.Run("no history", func(t *testing.T) {
		_, cfg, _ := newDigestRun(t)
		cfg.History = nil
		if _, err := RunDigest(ctx, cfg, tuesday, rotation.Date{}); err == nil {
			t.Error("no error")
		}
	})
	t.Run("history unavailable: temporary", func(t *testing.T) {
		f, cfg, h := newDigestRun(t)
		h.err = fmt.Errorf("state: read history: %w", state.ErrUnavailable)
		_, err := RunDigest(ctx, cfg, tuesday, rotation.Date{})
		if temporary, _ := chat.IsTemporary(err); !temporary || !strings.Contains(err.Error(), "digest of the week of 2026-11-16: read the history") {
			t.Errorf("%v; want a temporary error", err)
		}
		if f.slack.calls != 0 {
			t.Error("posted without the history")
		}
	})
	t.Run("sheet unreadable", func(t *testing.T) {
		_, cfg, _ := newDigestRun(t)
		cfg.Rotation = sourceFunc(func(context.Context) (*rotation.Roster, error) { return nil, errors.New("sheets: 503") })
		res, err := RunDigest(ctx, cfg, jst("2026-11-23 10:00"), rotation.Date{})
		if err != nil || !strings.Contains(res.Skip, "Labor Thanksgiving Day") {
			t.Errorf("public holiday: %+v, %v; want a skip, no retry", res, err)
		}
		_, err = RunDigest(ctx, cfg, tuesday, rotation.Date{})
		if temporary, _ := chat.IsTemporary(err); !temporary || !strings.Contains(err.Error(), "sheets: 503") {
			t.Errorf("working day: %v; want a temporary error (a company holiday may change the answer)", err)
		}
	})
	t.Run("a destination answers 503, then recovers", func(t *testing.T) {
		f, cfg, _ := newDigestRun(t)
		f.slack.fail = func(call int) error {
			if call <= noWait.MaxAttempts {
				return chat.Temporary(errors.New("slack: 503"), 0)
			}
			return nil
		}
		res, err := RunDigest(ctx, cfg, tuesday, rotation.Date{})
		if temporary, _ := chat.IsTemporary(err); !temporary || res.Temporary != 1 || res.Posted != 2 {
			t.Fatalf("%+v, %v; want a temporary error", res, err)
		}
		res, err = RunDigest(ctx, cfg, tuesday, rotation.Date{})
		if err != nil || res.Posted != 1 || res.AlreadyPosted != 2 || len(f.tt.texts) != 1 {
			t.Errorf("retry: %+v, %v; want Slack only", res, err)
		}
	})
}

// TestRunDigestOnACompanyDayOff: the digest's first working day of the
// week counts the sheet's company days off (the one calendar): on Tuesday
// 2026-11-24, a team offsite after Monday's public holiday, it waits for
// Wednesday.
func TestRunDigestOnACompanyDayOff(t *testing.T) {
	_, cfg, _ := newDigestRun(t)
	cfg.Rotation = sourceFunc(func(context.Context) (*rotation.Roster, error) {
		r, _ := rotation.ParseTabs(rotation.Tabs{
			Rotation: [][]string{{"2026-11-24", "Ito"}},
			Holidays: [][]string{{"date", "name"}, {"2026-11-24", "Team offsite"}},
		})
		return r, nil
	})
	res, err := RunDigest(context.Background(), cfg, jst("2026-11-24 10:00"), rotation.Date{})
	if err != nil || !strings.Contains(res.Skip, "Team offsite") || res.Posted != 0 {
		t.Errorf("on the offsite: %+v, %v; want a skip naming it", res, err)
	}
	res, err = RunDigest(context.Background(), cfg, jst("2026-11-25 10:00"), rotation.Date{})
	if err != nil || res.Skip != "" || res.Week != date("2026-11-16") || res.Posted != 3 {
		t.Errorf("the day after: %+v, %v; want last week's digest posted", res, err)
	}
}

// TestSheetNames: the digest names people as the sheet does, mapping
// PagerDuty's names through the members tab's pagerduty column.
func TestSheetNames(t *testing.T) {
	roster, problems := rotation.ParseTabs(rotation.Tabs{
		Rotation: [][]string{{"2026-11-20", "Tanaka"}},
		Members:  [][]string{{"name", "slack", "pagerduty"}, {"Tanaka", "U01TANAKA01", "Taro Tanaka (SRE)"}, {"Sato", "", ""}},
	})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	evs := []state.HistoryEvent{{Agent: "taro tanaka (sre) "}, {Agent: "Someone Else"}, {Agent: ""}}
	got := sheetNames(evs, roster)
	if got[0].Agent != "Tanaka" || got[1].Agent != "Someone Else" || got[2].Agent != "" || evs[0].Agent != "taro tanaka (sre) " {
		t.Errorf("names %q (input %q)", []string{got[0].Agent, got[1].Agent, got[2].Agent}, evs[0].Agent)
	}
}
