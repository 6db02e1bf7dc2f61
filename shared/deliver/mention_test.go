package deliver_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/alertdetails"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/testkit/fakepagerduty"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
	"sync"
	"testing/synctest"
)

// TestMentionPolicy: inside business hours the people on call are
// mentioned on the events that need someone, and not on the replies that
// only tell the story (MENTION_ON overrides the list).
func TestMentionPolicy(t *testing.T) {
	kinds := []incident.Kind{incident.Triggered, incident.Acknowledged, incident.Annotated, incident.Escalated,
		incident.Unacknowledged, incident.PriorityUpdated, incident.Reopened, incident.Resolved, incident.ResponderAdded}
	for _, tc := range []struct {
		name      string
		mentionOn []incident.Kind
		want      map[incident.Kind]bool
	}{
		{"default", nil, map[incident.Kind]bool{incident.Triggered: true, incident.Escalated: true, incident.Unacknowledged: true,
			incident.Reopened: true, incident.ResponderAdded: true}},
		{"MENTION_ON=triggered,resolved", []incident.Kind{incident.Triggered, incident.Resolved},
			map[incident.Kind]bool{incident.Triggered: true, incident.Resolved: true}},
		{"MENTION_ON=none", []incident.Kind{}, map[incident.Kind]bool{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, func(c *deliver.Config) { c.MentionOn = tc.mentionOn })
			for i, k := range kinds {
				r.send(t, event("ev-"+string(k), k, "Q1", i))
			}
			r.run(t, 1)
			for _, p := range r.slack.Posts() {
				kind := incident.Kind(strings.TrimSuffix(strings.TrimPrefix(p.Key, "ev-"), "/"+dest))
				if got := strings.Contains(p.Text, "<@U01TAKAHASH>"); got != tc.want[kind] {
					t.Errorf("%s: mentions %v, want %v:\n%s", kind, got, tc.want[kind], p.Text)
				}
			}
		})
	}
}

// TestAlertDetails: with a PagerDuty API key the trigger shows its first
// alert's details and links; PagerDuty failing or slow drops only them.
func TestAlertDetails(t *testing.T) {
	pd := fakepagerduty.New(t)
	pd.SetAlert("Q1", map[string]any{"details": map[string]any{"host": "db-1"},
		"contexts": []any{map[string]any{"type": "link", "href": "https://grafana.example.com/d/1", "text": "Dashboard"}}})
	r := newRig(t, func(c *deliver.Config) { c.Alerts = alertdetails.New("u+key", pd.URL, nil) })
	r.send(t, event("ev-1", incident.Triggered, "Q1", 0))
	r.run(t, 1)
	if p := r.slack.Posts(); len(p) != 1 || !strings.Contains(p[0].Text, "\nhost: db-1") || !strings.Contains(p[0].Text, "<https://grafana.example.com/d/1|Dashboard>") {
		t.Errorf("posts %+v", p)
	}

	for name, fail := range map[string]func(w http.ResponseWriter, req *http.Request) bool{
		"500": func(w http.ResponseWriter, req *http.Request) bool {
			w.WriteHeader(http.StatusInternalServerError)
			return true
		},
		"slow": func(w http.ResponseWriter, req *http.Request) bool { <-req.Context().Done(); return true },
	} {
		t.Run(name, func(t *testing.T) {
			pd := fakepagerduty.New(t)
			pd.SetAlert("Q2", map[string]any{"details": map[string]any{"host": "db-2"}})
			pd.Fail(fail)
			r := newRig(t, func(c *deliver.Config) {
				c.Alerts = alertdetails.New("u+key", pd.URL, nil)
				c.AlertTimeout = 50 * time.Millisecond
			})
			r.send(t, event("ev-2", incident.Triggered, "Q2", 0))
			r.run(t, 1)
			if p := r.slack.Posts(); len(p) != 1 || strings.Contains(p[0].Text, "db-2") {
				t.Errorf("posts %+v: want the alert, without details", p)
			}
			if !strings.Contains(r.logs.String(), "could not be read; posted without them") {
				t.Errorf("the failure is not logged:\n%s", r.logs)
			}
		})
	}
}

// TestHeaderKeepsTriage: when the thread's first message is edited to the
// incident's state, it keeps what it showed to look into it.
func TestHeaderKeepsTriage(t *testing.T) {
	r := newRig(t, nil)
	trig := event("ev-t", incident.Triggered, "Q1", 0)
	trig.Event.Assignees = []string{"Taro Yamada"}
	trig.Event.Source = &incident.Link{Label: "Datadog", URL: "https://app.datadoghq.com/monitors/1"}
	trig.Event.Details = []incident.Detail{{Key: "host", Value: "db-1"}}
	r.send(t, trig, event("ev-a", incident.Acknowledged, "Q1", 2))
	r.run(t, 1)
	first := r.slack.Posts()[0].Text
	updates := r.slack.Updates()
	if len(updates) == 0 {
		t.Fatal("the first message was not edited")
	}
	header := updates[len(updates)-1].Text
	for _, line := range []string{"First time this alert has fired", "Assigned to: Taro Yamada", "View in Datadog", "host: db-1", "Runbook: <https://wiki.example.com/runbooks/http-5xx|HTTP 5xx errors>"} {
		if !strings.Contains(first, line) {
			t.Errorf("the alert lacks %q:\n%s", line, first)
		}
		if !strings.Contains(header, line) {
			t.Errorf("the edited header lost %q:\n%s", line, header)
		}
	}
	if !strings.Contains(header, "Acknowledged") {
		t.Errorf("the header does not show the state:\n%s", header)
	}
}

// TestTriageBounded: the triage kept with an incident is bounded, whatever
// the alert carries (the store's items have a size limit).
func TestTriageBounded(t *testing.T) {
	pd := fakepagerduty.New(t)
	var links []any
	for range 3000 {
		links = append(links, map[string]any{"type": "link", "href": "https://grafana.example.com/d/1", "text": "x"})
	}
	pd.SetAlert("Q1", map[string]any{"details": map[string]any{strings.Repeat("k", 5000): strings.Repeat("v", 420<<10)}, "contexts": links})
	r := newRig(t, func(c *deliver.Config) { c.Alerts = alertdetails.New("u+key", pd.URL, nil) })
	r.send(t, event("ev-1", incident.Triggered, "Q1", 0))
	r.run(t, 1)
	inc, _, err := r.store.Incident(t.Context(), "Q1")
	if err != nil || inc.Triage == nil {
		t.Fatalf("%+v, %v", inc, err)
	}
	if tr := inc.Triage; len(tr.Links) > 5 || len(tr.Details) != 1 || len(tr.Details[0].Key) > 110 || len(tr.Details[0].Value) > 510 {
		t.Errorf("triage unbounded: %d links, key %d bytes, value %d bytes", len(tr.Links), len(tr.Details[0].Key), len(tr.Details[0].Value))
	}
}

// TestAlertDetailsRateLimited: PagerDuty rate-limits the read of the
// alert's details: the trigger is tried once more ten seconds later and
// gets them; rate-limited again, it goes without (never later than 30 s).
func TestAlertDetailsRateLimited(t *testing.T) {
	for _, limits := range []int{1, 5} {
		pd := fakepagerduty.New(t)
		pd.SetAlert("Q1", map[string]any{"details": map[string]any{"host": "db-1"}})
		var mu sync.Mutex
		left := limits
		pd.Fail(func(w http.ResponseWriter, req *http.Request) bool {
			mu.Lock()
			defer mu.Unlock()
			if left > 0 {
				left--
				fakepagerduty.Error(w, http.StatusTooManyRequests, "Rate Limit Exceeded", 2020)
				return true
			}
			return false
		})
		synctest.Test(t, func(t *testing.T) {
			hc := &http.Client{Transport: fakeslack.InProcess(pd.Config.Handler)}
			r := newInProcessRig(t, func(c *deliver.Config) { c.Alerts = alertdetails.New("u+key", "http://pagerduty.invalid", hc) })
			start := time.Now()
			r.send(t, event("ev-1", incident.Triggered, "Q1", 0))
			r.run(t, 1)
			posts := r.slack.Posts()
			if len(posts) != 1 {
				t.Fatalf("%d posts", len(posts))
			}
			details := strings.Contains(posts[0].Text, "host: db-1")
			if took := time.Since(start); details != (limits == 1) || took < 10*time.Second || took > 30*time.Second {
				t.Errorf("%d rate limits: details %v after %s; want them only after one limit, posted 10–30 s after", limits, details, took)
			}
		})
	}
}
