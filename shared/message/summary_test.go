package message

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
)

func TestSummaryGolden(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	at := func(hhmm string) time.Time {
		ts, err := time.ParseInLocation("2006-01-02 15:04", "2026-11-20 "+hhmm, tokyo)
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	inc := incident.Incident{ID: "Q1ABCDEF", Number: 1234, Title: "checkout-api: 5xx rate above 5% <!here>",
		Urgency: "high", Priority: "P1", Service: incident.Service{Name: "checkout-api"}, URL: "https://acme.pagerduty.com/incidents/Q1ABCDEF"}
	step := func(k incident.Kind, agent, hhmm string) Step { return Step{Kind: k, Agent: agent, At: at(hhmm)} }
	cases := []struct {
		name  string
		steps []Step
	}{
		{"triggered", []Step{step(incident.Triggered, "", "11:15")}},
		{"acknowledged", []Step{step(incident.Triggered, "", "11:15"), step(incident.Acknowledged, "Taro Yamada", "11:19")}},
		{"resolved", []Step{step(incident.Triggered, "", "11:15"), step(incident.Acknowledged, "Taro Yamada", "11:19"), step(incident.Resolved, "Hanako Suzuki", "12:40")}},
		{"acknowledged_first", []Step{step(incident.Acknowledged, "Taro Yamada", "11:19")}},
		// Responses in chat: a second taker is added, each named once.
		{"taken_in_chat", []Step{step(incident.Triggered, "", "11:15"), step(incident.Taken, "Tanaka", "11:17"),
			step(incident.Taken, "Suzuki <!channel>", "11:18"), step(incident.Taken, "Tanaka", "11:20")}},
		{"resolved_in_chat", []Step{step(incident.Triggered, "", "11:15"), step(incident.Taken, "Tanaka", "11:17"),
			step(incident.ResolvedInChat, "Tanaka", "11:45")}},
		{"merged", []Step{step(incident.Triggered, "", "11:15"), {Kind: incident.Resolved, Agent: "Taro Yamada", At: at("11:18"), Merged: true}}},
		// Resolved, then a late 👀 and an acknowledgement: still resolved,
		// nobody shown as taking it.
		{"late_responses", []Step{step(incident.Triggered, "", "11:15"), step(incident.ResolvedInChat, "Tanaka", "11:45"),
			step(incident.Taken, "Suzuki", "11:50"), step(incident.Acknowledged, "SRE Bot", "11:52")}},
	}
	triaged := &incident.Triage{
		Assignees: []string{"Taro Yamada"}, Seen: &incident.Sighting{Count: 3, Last: at("11:15").Add(-72 * time.Hour)}, At: at("11:15"),
		Source:   &incident.Link{Label: "Datadog", URL: "https://app.datadoghq.com/monitors/1234567"},
		Details:  []incident.Detail{{Key: "host", Value: "web-3 <!channel>"}},
		Runbooks: []incident.Link{{Label: "HTTP 5xx errors", URL: "https://wiki.example.com/runbooks/http-5xx"}},
	}
	for _, c := range cases {
		for _, d := range dialects {
			name := c.name + "." + d.String() + ".golden"
			t.Run(name, func(t *testing.T) {
				s := Summary{Incident: inc, Tag: "pd1234", Steps: c.steps, Location: tokyo}
				if c.name == "acknowledged" {
					s.Triage = triaged // the header keeps the first message's triage lines
				}
				got := RenderSummary(d, s)
				checkGolden(t, filepath.Join("testdata", "summary", name), got)
			})
		}
	}
}

func TestElapsed(t *testing.T) {
	ev := incident.Event{Kind: incident.Resolved, Agent: "Hanako", Incident: incident.Incident{Number: 7, Title: "x"}}
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{0, "Resolved by Hanako — "},
		{45 * time.Second, "after 45s"},
		{4*time.Minute + 29*time.Second, "after 4m"},
		{4*time.Minute + 31*time.Second, "after 5m"},
		{85 * time.Minute, "after 1h 25m"},
		{2 * time.Hour, "after 2h —"},
		{51 * time.Hour, "after 2d 3h"},
	} {
		if got := Render(Console, Input{Event: ev, Elapsed: tc.d}); !strings.Contains(got, tc.want) {
			t.Errorf("%v: %q lacks %q", tc.d, got, tc.want)
		}
	}
}

// TestChatResponseGolden: the thread replies of responses made in chat —
// short, naming who, never mentioning anyone.
func TestChatResponseGolden(t *testing.T) {
	inc := incident.Incident{ID: "Q1ABCDEF", Number: 1234, Title: "checkout-api: 5xx <!here>", URL: "https://acme.pagerduty.com/incidents/Q1ABCDEF"}
	at := time.Date(2026, 11, 20, 2, 17, 0, 0, time.UTC)
	for _, ev := range []incident.Event{
		{Kind: incident.Taken, Agent: "Tanaka", ChatUser: "U01TANAKA01", Incident: inc, OccurredAt: at},
		{Kind: incident.ResolvedInChat, Agent: "Suzuki", ChatUser: "U01SUZUKI01", Incident: inc, OccurredAt: at},
		{Kind: incident.NotedInChat, Agent: "Tanaka", ChatUser: "U01TANAKA01", Incident: inc, OccurredAt: at,
			Note: "restarted db-1 <!channel>\nlag back to 0"},
	} {
		for _, d := range dialects {
			name := strings.TrimPrefix(string(ev.Kind), "pd2chat.") + "." + d.String() + ".golden"
			t.Run(name, func(t *testing.T) {
				got := Render(d, Input{Event: ev, Tag: "pd1234", Elapsed: 2 * time.Minute})
				checkGolden(t, filepath.Join("testdata", "chat", name), got)
				if strings.Contains(got, "<@") || strings.Contains(got, "<!channel>") && d == Slack {
					t.Errorf("a chat response mentions someone:\n%s", got)
				}
			})
		}
	}
}

// TestAlertGolden: what the alert says (its tool's page, details, links)
// on a trigger, escaped like titles and bounded; and a resolution by a
// merge, which names the surviving incident instead of a resolver.
func TestAlertGolden(t *testing.T) {
	inc := incident.Incident{ID: "Q1ABCDEF", Number: 1234, Title: "checkout-api: 5xx", URL: "https://acme.pagerduty.com/incidents/Q1ABCDEF"}
	var details []incident.Detail
	for i := range 12 {
		details = append(details, incident.Detail{Key: fmt.Sprintf("k%02d", i), Value: "v"})
	}
	details[0] = incident.Detail{Key: "<!channel> host", Value: "db-1 @all <https://evil|click> " + strings.Repeat("x", 300)}
	trig := incident.Event{Kind: incident.Triggered, Incident: inc,
		Source:  &incident.Link{Label: "Datadog <!here>", URL: "https://app.datadoghq.com/monitors/1234567"},
		Details: details,
		Links:   []incident.Link{{Label: "Dashboard", URL: "https://grafana.example.com/d/1"}, {Label: "bad", URL: "javascript:alert(1)"}}}
	merged := incident.Event{Kind: incident.Resolved, Agent: "Taro Yamada", Incident: inc,
		MergedInto: &incident.Incident{ID: "Q9502XYZ", Number: 9502, URL: "https://acme.pagerduty.com/incidents/Q9502XYZ"}}
	for name, ev := range map[string]incident.Event{"alert": trig, "merged": merged} {
		for _, d := range dialects {
			t.Run(name+"."+d.String(), func(t *testing.T) {
				got := Render(d, Input{Event: ev, Tag: "pd1234", Elapsed: 3 * time.Minute})
				checkGolden(t, filepath.Join("testdata", "alert", name+"."+d.String()+".golden"), got)
				if d == Slack && (strings.Contains(got, "<!channel>") || strings.Contains(got, "<!here>") || strings.Contains(got, "javascript:")) {
					t.Errorf("hostile text got through:\n%s", got)
				}
				if name == "merged" && strings.Contains(got, "Resolved") {
					t.Errorf("a merge reads as a resolution:\n%s", got)
				}
			})
		}
	}
}
