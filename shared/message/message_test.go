package message

import (
	"flag"
	"github.com/pd2chat/pd2chat/shared/locale"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// dialects are every chat in every language: the golden files are
// <case>.<chat>[.<language>].golden.
var dialects = []Dialect{Console, Slack, Typetalk, Chatwork, GoogleChat, Teams,
	Console.In(locale.Japanese), Slack.In(locale.Japanese), Typetalk.In(locale.Japanese),
	Chatwork.In(locale.Japanese), GoogleChat.In(locale.Japanese), Teams.In(locale.Japanese)}

// english are the chats in English, for the tests that look for words;
// the Japanese words are spelled out by the golden files.
var english = dialects[:6]

var (
	sato = rotation.Member{Name: "Sato Taro", Slack: "U012AB3CD", Typetalk: "sato", Email: "sato@example.com",
		Chatwork: "1234567", GoogleChat: "users/112233445566", Teams: "sato.taro@example.co.jp"}
	// Suzuki has no Chatwork or Google Chat handle: named there, not mentioned.
	suzuki = rotation.Member{Name: "Suzuki Hanako", Slack: "U045EF6GH", Typetalk: "suzuki-h"}
	pair   = []rotation.Member{sato, suzuki}
)

// full is an incident as the events that carry the whole incident have it.
func full() incident.Incident {
	return incident.Incident{
		ID:       "Q1ABCDEF2GH3IJ",
		Number:   1234,
		Title:    "Database is down",
		Status:   "triggered",
		Urgency:  "high",
		Priority: "P1",
		Service:  incident.Service{ID: "PSVC123", Name: "checkout-api"},
		URL:      "https://example.pagerduty.com/incidents/Q1ABCDEF2GH3IJ",
	}
}

// ref is an incident as the events that carry only a reference have it
// (notes, responders, status updates): no number, service or urgency.
func ref() incident.Incident {
	return incident.Incident{
		ID:    "Q1ABCDEF2GH3IJ",
		Title: "Database is down",
		URL:   "https://example.pagerduty.com/incidents/Q1ABCDEF2GH3IJ",
	}
}

var at = time.Date(2026, 11, 20, 10, 30, 0, 0, time.FixedZone("JST", 9*3600))

func event(k incident.Kind, inc incident.Incident, edit func(*incident.Event)) incident.Event {
	ev := incident.Event{ID: "01EV" + strings.ToUpper(string(k)), Kind: k, OccurredAt: at, Incident: inc}
	if edit != nil {
		edit(&ev)
	}
	return ev
}

// japaneseNote is a long note in Japanese, longer than every chat's limit
// but the console's.
func japaneseNote() string {
	var b strings.Builder
	for i := range 120 {
		b.WriteString("データベースを再起動しました。レプリケーションの遅延を監視しています。")
		if i%4 == 3 {
			b.WriteString("\n")
		}
	}
	return b.String()
}

type goldenCase struct {
	name string
	in   Input
}

func goldenCases() []goldenCase {
	agent := func(name string) func(*incident.Event) {
		return func(ev *incident.Event) { ev.Agent = name }
	}
	return []goldenCase{
		{"triggered", Input{
			Event: event(incident.Triggered, full(), func(ev *incident.Event) {
				ev.Agent = "Mackerel"
				ev.Assignees = []string{"Sato Taro", "Suzuki Hanako"}
			}),
			Tag: "pd1234", OnCall: pair, Mention: true,
		}},
		{"triggered_outside_hours", Input{
			Event: event(incident.Triggered, full(), func(ev *incident.Event) {
				ev.Assignees = []string{"SRE on duty"}
			}),
			Tag: "pd1234", OnCall: pair, Mention: false,
		}},
		{"acknowledged", Input{
			Event: event(incident.Acknowledged, full(), agent("Sato Taro")),
			Tag:   "pd1234", OnCall: pair, Mention: true,
		}},
		{"unacknowledged", Input{
			Event: event(incident.Unacknowledged, full(), nil),
			Tag:   "pd1234", OnCall: pair, Mention: true,
		}},
		{"resolved", Input{
			Event: event(incident.Resolved, full(), agent("Suzuki Hanako")),
			Tag:   "pd1234", OnCall: pair, Mention: true,
		}},
		{"reassigned", Input{
			Event: event(incident.Reassigned, full(), func(ev *incident.Event) {
				ev.Agent = "Sato Taro"
				ev.Assignees = []string{"Suzuki Hanako", "Tanaka Jiro"}
			}),
			Tag: "pd1234", OnCall: pair, Mention: true,
		}},
		{"escalated", Input{
			Event: event(incident.Escalated, full(), func(ev *incident.Event) {
				ev.Assignees = []string{"SRE on duty"}
				ev.Escalation = "Checkout escalation"
			}),
			Tag: "pd1234", OnCall: pair, Mention: false,
		}},
		{"delegated", Input{
			Event: event(incident.Delegated, full(), func(ev *incident.Event) {
				ev.Agent = "Sato Taro"
				ev.Escalation = "Database team"
			}),
			Tag: "pd1234", OnCall: pair, Mention: true,
		}},
		{"priority_updated", Input{
			Event: event(incident.PriorityUpdated, full(), agent("Sato Taro")),
			Tag:   "pd1234", OnCall: pair, Mention: true,
		}},
		{"priority_removed", Input{
			Event: event(incident.PriorityUpdated, func() incident.Incident {
				inc := full()
				inc.Priority = ""
				return inc
			}(), agent("Sato Taro")),
			Tag: "pd1234", OnCall: pair, Mention: true,
		}},
		{"reopened", Input{
			Event: event(incident.Reopened, full(), agent("Suzuki Hanako")),
			Tag:   "pd1234", OnCall: pair, Mention: true,
		}},
		{"annotated", Input{
			Event: event(incident.Annotated, ref(), func(ev *incident.Event) {
				ev.Agent = "Sato Taro"
				ev.Note = "Restarted the primary.\nWatching replication lag.\n"
			}),
			Tag: "pd1234", OnCall: pair, Mention: true,
		}},
		{"responder_added", Input{
			Event: event(incident.ResponderAdded, ref(), func(ev *incident.Event) {
				ev.Agent = "Sato Taro"
				ev.Responder = "Yamada Ichiro"
			}),
			Tag: "pd1234", OnCall: pair, Mention: true,
		}},
		{"responder_replied", Input{
			Event: event(incident.ResponderReplied, ref(), func(ev *incident.Event) {
				ev.Responder = "Yamada Ichiro"
				ev.Note = "On my way, 5 minutes."
			}),
			Tag: "pd1234", OnCall: pair, Mention: true,
		}},
		{"status_update_published", Input{
			Event: event(incident.StatusUpdatePublished, ref(), func(ev *incident.Event) {
				ev.Agent = "Suzuki Hanako"
				ev.Note = "Checkout is degraded; payments are queued and will be retried."
			}),
			Tag: "pd1234", OnCall: pair, Mention: true,
		}},
		{"conference_bridge_updated", Input{
			Event: event(incident.ConferenceBridgeUpdate, full(), agent("Sato Taro")),
			Tag:   "pd1234", OnCall: pair, Mention: true,
		}},
		{"service_updated", Input{
			Event: event(incident.ServiceUpdated, func() incident.Incident {
				inc := full()
				inc.Service = incident.Service{ID: "PSVC456", Name: "payments-api"}
				return inc
			}(), agent("Sato Taro")),
			Tag: "pd1234", OnCall: pair, Mention: true,
		}},
		{"incident_type_changed", Input{
			Event: event(incident.IncidentTypeChanged, full(), agent("Sato Taro")),
			Tag:   "pd1234", OnCall: pair, Mention: true,
		}},
		{"custom_field_values_updated", Input{
			Event: event(incident.CustomFieldsUpdated, full(), agent("Suzuki Hanako")),
			Tag:   "pd1234", OnCall: pair, Mention: true,
		}},
		{"workflow_started", Input{
			Event: event(incident.WorkflowStarted, full(), nil),
			Tag:   "pd1234", OnCall: pair, Mention: true,
		}},
		{"workflow_completed", Input{
			Event: event(incident.WorkflowCompleted, full(), nil),
			Tag:   "pd1234", OnCall: pair, Mention: true,
		}},
		{"unknown_kind", Input{
			Event: event("incident_role.assigned", full(), agent("Sato Taro")),
			Tag:   "pd1234", OnCall: pair, Mention: true,
		}},
		{"unknown_number", Input{
			Event: event(incident.Annotated, incident.Incident{ID: "Q9ZZZ", URL: "https://example.pagerduty.com/incidents/Q9ZZZ"},
				func(ev *incident.Event) {
					ev.Agent = "Sato Taro"
					ev.Note = "Looking into it."
				}),
			Tag: "", OnCall: pair, Mention: true,
		}},
		{"member_without_handles", Input{
			Event: event(incident.Triggered, full(), nil),
			Tag:   "pd1234",
			OnCall: []rotation.Member{
				{Name: "Tanaka Jiro"},
				{Name: "Kobayashi <Saburo> @all", Slack: "not-an-id>", Typetalk: "bad name!"},
				{Typetalk: "handle-only", Slack: "U0HANDLE"},
				{}, // an empty cell: shown as nothing
			},
			Mention: true,
		}},
		{"japanese_long_note", Input{
			Event: event(incident.Annotated, ref(), func(ev *incident.Event) {
				ev.Agent = "佐藤 太郎"
				ev.Note = japaneseNote()
			}),
			Tag: "pd1234", OnCall: pair, Mention: true,
		}},
		{"job_started", Input{
			Event: event(incident.JobReported, full(), func(ev *incident.Event) {
				ev.Agent = "jenkins"
				ev.Job = &incident.Job{Name: "restart app-3", Status: incident.JobStarted, URL: "https://ci.example.com/job/restart/42/"}
			}), Tag: "pd1234"}},
		{"job_failed_no_incident", Input{
			Event: event(incident.JobReported, incident.Incident{}, func(ev *incident.Event) {
				ev.Job = &incident.Job{Name: "heap dump <!channel> @all", Status: incident.JobFailed}
			})}},
		{"job_unknown_incident", Input{
			Event: event(incident.JobReported, incident.Incident{}, func(ev *incident.Event) {
				ev.Agent = "github-actions"
				ev.Job = &incident.Job{Name: "detach app-2 from the load balancer", Status: incident.JobSucceeded, Unknown: 9999}
			})}},
		{"hostile_title", Input{
			Event: event(incident.Triggered, func() incident.Incident {
				inc := full()
				inc.Title = "<!channel> & <https://evil|click> @all #prod [toall] [To:1]x [/info] <users/all>"
				inc.Service.Name = "svc <@U999> &lt;b&gt;"
				return inc
			}(), func(ev *incident.Event) {
				ev.Agent = "@here"
				ev.Assignees = []string{"<!everyone>", "＠all ＃prod"}
				ev.Note = "*bold* `code` <!here>\n> fake quote\n#pd9999 @channel"
			}),
			Tag: "pd1234", OnCall: pair, Mention: true,
			Notice: "On-call lookup failed: <!here> mentions skipped.",
		}},
		{"lookup_failed", Input{
			Event:  event(incident.Triggered, full(), nil),
			Tag:    "pd1234",
			OnCall: nil, Mention: true,
			Notice: "Nobody mentioned: the rotation sheet could not be read.",
		}},
		{"unmatched_names", Input{
			Event:  event(incident.Triggered, full(), nil),
			Tag:    "pd1234",
			OnCall: pair[:1], Mention: true,
			Unmatched: []string{"休み", "<!channel> @here", "#N/A", "Tanaka (swap with sato)"},
		}},
		{"nobody_for_the_day", Input{
			Event:  event(incident.Triggered, full(), nil),
			Tag:    "pd1234",
			OnCall: nil, Mention: true,
			Notice: "Nobody mentioned: the rotation sheet has nobody on call for Fri 2026-11-20 (no row covers it).",
		}},
		{"unsafe_url", Input{
			Event: event(incident.Triggered, func() incident.Incident {
				inc := full()
				inc.URL = "javascript:alert(1)//https://example.pagerduty.com"
				return inc
			}(), nil),
			Tag: "pd1234", OnCall: pair, Mention: true,
		}},
	}
}

// TestGolden compares every case in every dialect with
// testdata/<case>.<dialect>.golden. Run with -update to rewrite them, then
// review the diff like code: the golden files are the message spec.
func TestGolden(t *testing.T) {
	seen := map[string]bool{}
	for _, c := range goldenCases() {
		for _, d := range dialects {
			name := c.name + "." + d.String() + ".golden"
			seen[name] = true
			t.Run(c.name+"/"+d.String(), func(t *testing.T) {
				checkGolden(t, filepath.Join("testdata", name), Render(d, c.in))
			})
		}
	}
	noStaleGolden(t, "testdata", seen)
}

// noStaleGolden fails for a golden file in dir that no case rendered
// (seen holds the base names rendered); under -update it checks nothing.
func noStaleGolden(t *testing.T, dir string, seen map[string]bool) {
	t.Helper()
	if *update {
		return
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.golden"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if !seen[filepath.Base(f)] {
			t.Errorf("%s: no test case renders it; remove it", f)
		}
	}
}

// checkGolden compares got with the golden file at path, or rewrites the
// file under -update.
func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update rewrites it)\n--- got:\n%s\n--- want:\n%s", path, got, want)
	}
}

// TestEveryKind makes sure every kind incident.go knows has its own
// headline, not the fallback for unknown kinds.
func TestEveryKind(t *testing.T) {
	kinds := []incident.Kind{
		incident.Triggered, incident.Acknowledged, incident.Unacknowledged, incident.Resolved,
		incident.Reassigned, incident.Escalated, incident.Delegated, incident.PriorityUpdated,
		incident.Reopened, incident.Annotated, incident.ResponderAdded, incident.ResponderReplied,
		incident.StatusUpdatePublished, incident.ConferenceBridgeUpdate, incident.ServiceUpdated,
		incident.IncidentTypeChanged, incident.CustomFieldsUpdated, incident.WorkflowStarted,
		incident.WorkflowCompleted,
	}
	for _, k := range kinds {
		got := Render(Console, Input{Event: event(k, full(), nil)})
		if strings.HasPrefix(got, "Event") {
			t.Errorf("kind %q renders as an unknown kind: %q", k, got)
		}
		for _, d := range dialects[1:] {
			if got := Render(d, Input{Event: event(k, full(), nil)}); strings.Contains(got, ":information_source:") || strings.Contains(got, "ℹ️") {
				t.Errorf("kind %q in %v has the unknown kind's emoji: %q", k, d, got)
			}
		}
	}
}

// TestMention checks the on-call line is there exactly when Mention is set
// and someone is on call, and that the rest of the message is the same.
func TestMention(t *testing.T) {
	ev := event(incident.Triggered, full(), nil)
	for _, d := range english {
		with := Render(d, Input{Event: ev, Tag: "pd1234", OnCall: pair, Mention: true})
		without := Render(d, Input{Event: ev, Tag: "pd1234", OnCall: pair, Mention: false})
		nobody := Render(d, Input{Event: ev, Tag: "pd1234", OnCall: nil, Mention: true})
		if !strings.Contains(with, "\nOn call: ") {
			t.Errorf("%v: Mention=true: no on-call line:\n%s", d, with)
		}
		if strings.Contains(without, "On call") || strings.Contains(nobody, "On call") {
			t.Errorf("%v: on-call line without Mention or without anyone on call:\n%s\n%s", d, without, nobody)
		}
		if !strings.HasPrefix(with, without+"\nOn call: ") {
			t.Errorf("%v: with mention is not the same message plus the on-call line:\n%s\n---\n%s", d, with, without)
		}
		if without != nobody {
			t.Errorf("%v: nobody on call differs from no mention:\n%s\n---\n%s", d, nobody, without)
		}
	}
	want := map[Dialect]string{
		Console:  "\nOn call: @Sato Taro @Suzuki Hanako",
		Slack:    "\nOn call: <@U012AB3CD> <@U045EF6GH>",
		Typetalk: "\nOn call: @sato @suzuki-h",
	}
	for d, line := range want {
		if got := Render(d, Input{Event: ev, Tag: "pd1234", OnCall: pair, Mention: true}); !strings.HasSuffix(got, line) {
			t.Errorf("%v: want the message to end with %q, got:\n%s", d, line, got)
		}
	}
}

// TestTagLine checks the tag is on every message, sanitised, and absent when
// unknown.
func TestTagLine(t *testing.T) {
	ev := event(incident.Annotated, ref(), func(ev *incident.Event) { ev.Note = "n" })
	for _, d := range dialects {
		for _, c := range []struct{ tag, want string }{
			{"pd1234", "\n#pd1234"},
			{"#pd1234", "\n#pd1234"},            // a stray '#' is not doubled
			{"pd 12<!here>34", "\n#pd12here34"}, // only letters and digits survive
		} {
			if got := Render(d, Input{Event: ev, Tag: c.tag}); !strings.HasSuffix(got, c.want) {
				t.Errorf("%v: Tag %q: want suffix %q, got:\n%s", d, c.tag, c.want, got)
			}
		}
		for _, tag := range []string{"", "#", "<>"} {
			if got := Render(d, Input{Event: ev, Tag: tag}); strings.Contains(got, "\n#") {
				t.Errorf("%v: Tag %q: want no tag line, got:\n%s", d, tag, got)
			}
		}
	}
}

func TestTag(t *testing.T) {
	for _, c := range []struct {
		number int
		want   string
	}{
		{1234, "pd1234"},
		{1, "pd1"},
		{9223372036854775807, "pd9223372036854775807"},
		{0, ""},
		{-5, ""},
	} {
		got := Tag(c.number)
		if got != c.want {
			t.Errorf("Tag(%d) = %q, want %q", c.number, got, c.want)
		}
		for i := 0; i < len(got); i++ {
			if !isAlnum(got[i]) {
				t.Errorf("Tag(%d) = %q: %q is not a letter or digit", c.number, got, got[i])
			}
		}
	}
}

func TestDialectString(t *testing.T) {
	for d, want := range map[Dialect]string{
		Console: "console", Slack: "slack", Typetalk: "typetalk", Dialect(7): "Dialect(7)",
		Slack.In(locale.Japanese): "slack.ja", Slack.In(locale.Japanese).In(locale.English): "slack",
	} {
		if got := d.String(); got != want {
			t.Errorf("Dialect(%d).String() = %q, want %q", int(d), got, want)
		}
	}
	ev := event(incident.Triggered, full(), nil)
	if got, want := Render(Dialect(7), Input{Event: ev}), Render(Console, Input{Event: ev}); got != want {
		t.Errorf("unknown dialect: got %q, want the console's %q", got, want)
	}
}

// triggeredInput is the benchmark's delivery: a new incident, two people on
// call, inside business hours.
func triggeredInput() Input {
	return Input{
		Event: event(incident.Triggered, full(), func(ev *incident.Event) {
			ev.Agent = "Mackerel"
			ev.Assignees = []string{"Sato Taro", "Suzuki Hanako"}
		}),
		Tag: "pd1234", OnCall: pair, Mention: true,
	}
}

// BenchmarkRender reports Render's cost and allocations for a trigger, and
// for one with every triage aid (seen before, runbooks): figures to compare,
// not a test.
func BenchmarkRender(b *testing.B) {
	triage := triggeredInput()
	triage.Seen = &incident.Sighting{Count: 14, Last: at.Add(-72 * time.Hour)}
	triage.At = at
	triage.Runbooks = []rotation.Runbook{replicationRunbook, serviceRunbook, diskRunbook, fourthRunbook}
	for _, d := range []Dialect{Slack, Typetalk} {
		b.Run(d.String(), func(b *testing.B) {
			in := triggeredInput()
			b.ReportAllocs()
			for b.Loop() {
				Render(d, in)
			}
		})
		b.Run(d.String()+"/triage", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Render(d, triage)
			}
		})
	}
	b.Run("slack+typetalk", func(b *testing.B) {
		in := triggeredInput()
		b.ReportAllocs()
		for b.Loop() {
			Render(Slack, in)
			Render(Typetalk, in)
		}
	})
}
