package relay

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// staticRoster is a rotation source of the given tabs, read on 2026-11-30.
func staticRoster(t *testing.T, rows ...[]string) sourceFunc {
	t.Helper()
	r, _ := rotation.ParseTabs(rotation.Tabs{
		Rotation: rows,
		Members:  [][]string{{"name", "slack"}, {"Sato", "U01SATO0001"}, {"Ito", "U01ITO00001"}},
		Today:    rotation.Date{Year: 2026, Month: 11, Day: 30},
	})
	return func(context.Context) (*rotation.Roster, error) { return r, nil }
}

// An alert inside business hours on a working day that mentions nobody
// says why, in the chat and in the delivery's log line; the trigger
// fixture is Friday 2026-11-20 11:15 JST.
func TestNobodyMentionedSaysWhy(t *testing.T) {
	cases := []struct {
		name string
		src  rotation.Source
		want string
		warn string // a warning line the post must have
	}{
		{"no row for the day", staticRoster(t, []string{"date", "oncall"}, []string{"2026-11-24", "Sato"}),
			"Nobody mentioned: the rotation sheet has nobody on call for Fri 2026-11-20 (no row covers it).", ""},
		{"a row whose date cannot be read", staticRoster(t, []string{"date", "oncall"}, []string{"2026/11/20(水)", "Sato"}),
			"Nobody mentioned: the rotation sheet has nobody on call for Fri 2026-11-20 (no row covers it; rows left out for their date: 1, the first at rotation!A2, see make oncall).", ""},
		{"a row without names", staticRoster(t, []string{"date", "oncall"}, []string{"2026-11-20", ""}),
			"Nobody mentioned: the rotation sheet's row for Fri 2026-11-20 names nobody.", ""},
		{"names nobody has", staticRoster(t, []string{"date", "oncall", "oncall"}, []string{"2026-11-20", "休み", "<!channel>"}),
			"Nobody mentioned: no name in the rotation sheet for Fri 2026-11-20 matches a member.",
			`⚠ "休み" in the sheet matches no member`},
		{"the sheet cannot be read", sourceFunc(func(context.Context) (*rotation.Roster, error) {
			return nil, errors.New("sheets: read spreadsheet X: the spreadsheet is not shared")
		}), "Nobody mentioned: the rotation sheet could not be read.", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hs := newHarness(t, func(c *setup) { c.Deliver.Rotation = tc.src })
			body := fixture(t, "v3/incident.triggered.json")
			if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
				t.Fatalf("status %d", rec.Code)
			}
			got := hs.slack.got()
			if len(got) != 1 || !strings.Contains(got[0], tc.want) || strings.Contains(got[0], "<@") || strings.Contains(got[0], "<!channel>") {
				t.Fatalf("Slack got %q\nwant one post without mentions saying %q", got, tc.want)
			}
			if tc.warn != "" && !strings.Contains(got[0], tc.warn) {
				t.Errorf("the post lacks the warning %q:\n%s", tc.warn, got[0])
			}
			why := strings.TrimPrefix(tc.want, "Nobody mentioned: ")
			if logs := hs.logs.String(); !strings.Contains(logs, `"msg":"delivered"`) || !strings.Contains(logs, `"unmentioned":"`+why) {
				t.Errorf("the delivery log line lacks unmentioned=%q:\n%s", why, logs)
			}
		})
	}
}

// A name nobody has beside a member: the member is mentioned, the cell is
// a warning, and nothing says "nobody".
func TestUnmatchedNameBesideAMember(t *testing.T) {
	hs := newHarness(t, func(c *setup) {
		c.Deliver.Rotation = staticRoster(t, []string{"date", "oncall", "oncall"}, []string{"2026-11-20", "Sato", "Tanaka (swap)"})
	})
	body := fixture(t, "v3/incident.triggered.json")
	if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	got := hs.slack.got()
	if len(got) != 1 || !strings.Contains(got[0], "On call: <@U01SATO0001>") || !strings.Contains(got[0], `⚠ "Tanaka (swap)" in the sheet matches no member`) ||
		strings.Contains(got[0], "Nobody mentioned") {
		t.Errorf("Slack got %q, want Sato mentioned and a warning for Tanaka", got)
	}
}

// Outside business hours nobody is mentioned and nothing says why: that is
// the rule, not a fault.
func TestNobodyMentionedAfterHoursSaysNothing(t *testing.T) {
	hs := newHarness(t, func(c *setup) {
		c.Deliver.Rotation = staticRoster(t, []string{"date", "oncall"}, []string{"2026-11-24", "Sato"})
	})
	body := bytes.Replace(fixture(t, "v3/incident.triggered.json"), []byte("2026-11-20T02:15:00.123Z"), []byte("2026-11-20T09:00:00.000Z"), 1) // 18:00 JST
	if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if got := hs.slack.got(); len(got) != 1 || strings.Contains(got[0], "Nobody mentioned") || strings.Contains(got[0], "⚠") {
		t.Errorf("Slack got %q, want one post that says nothing of the rotation", got)
	}
	if strings.Contains(hs.logs.String(), "unmentioned") {
		t.Errorf("an after-hours alert logged a reason: %s", hs.logs.String())
	}
}

// A roster served from the cache while the sheet fails says how old it is.
func TestNobodyMentionedFromAStaleSheet(t *testing.T) {
	synctest.Test(t, testNobodyMentionedFromAStaleSheet)
}

// testNobodyMentionedFromAStaleSheet runs in a bubble: synctest.Wait lets
// the cache's background refresh fail, with no polling.
func testNobodyMentionedFromAStaleSheet(t *testing.T) {
	good := staticRoster(t, []string{"date", "oncall"}, []string{"2026-11-24", "Sato"})
	var (
		failing atomic.Bool
		mu      sync.Mutex
		now     = time.Now()
	)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	cache := rotation.NewCache(sourceFunc(func(ctx context.Context) (*rotation.Roster, error) {
		if failing.Load() {
			return nil, errors.New("sheets: 503")
		}
		return good(ctx)
	}), time.Minute, nil)
	cache.Now = clock
	if _, err := cache.Roster(t.Context()); err != nil {
		t.Fatal(err)
	}
	failing.Store(true)
	mu.Lock()
	now = now.Add(12 * time.Minute)
	mu.Unlock()
	cache.Roster(t.Context()) // starts the refresh that fails
	synctest.Wait()
	if r, _ := cache.Roster(t.Context()); r == nil {
		t.Fatal("no roster")
	} else if _, err := r.Stale(); err == nil {
		t.Fatal("the cache never said the sheet fails")
	}
	hs := newInProcessHarness(t, func(c *setup) {
		c.Deliver.Rotation = cache
		c.Deliver.Now = clock
	})
	body := fixture(t, "v3/incident.triggered.json")
	if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	want := "(as of the last good read of the sheet, 12m ago: it cannot be read now)."
	if got := hs.slack.got(); len(got) != 1 || !strings.Contains(got[0], want) {
		t.Errorf("Slack got %q, want %q", got, want)
	}
}

// On a company day off (the sheet's holidays tab) an alert in business
// hours mentions nobody and says nothing: a day off, not a fault.
func TestCompanyDayOffMentionsNobody(t *testing.T) {
	r, problems := rotation.ParseTabs(rotation.Tabs{
		Rotation: [][]string{{"date", "oncall"}, {"2026-11-20", "Sato"}},
		Members:  [][]string{{"name", "slack"}, {"Sato", "U01SATO0001"}},
		Holidays: [][]string{{"date", "name"}, {"2026-11-20", "Company anniversary"}},
	})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	hs := newHarness(t, func(c *setup) {
		c.Deliver.Rotation = sourceFunc(func(context.Context) (*rotation.Roster, error) { return r, nil })
	})
	body := fixture(t, "v3/incident.triggered.json") // Friday 2026-11-20 11:15 JST
	if rec := hs.do("POST", "/pagerduty", signed(body, secret), body); rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if got := hs.slack.got(); len(got) != 1 || strings.Contains(got[0], "<@") || strings.Contains(got[0], "Nobody mentioned") {
		t.Errorf("Slack got %q, want one post without mentions or notice", got)
	}
}
