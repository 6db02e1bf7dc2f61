package message

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// The triage aids of a trigger: whether the alert fired before, and the
// runbook links. Golden files: testdata/triage/<case>.<dialect>.golden.

var (
	replicationRunbook = rotation.Runbook{Match: "replication lag", URL: "https://wiki.example.com/runbooks/replication-lag", Note: "Replication lag: check the replica"}
	serviceRunbook     = rotation.Runbook{Match: "checkout-api", URL: "https://wiki.example.com/services/checkout-api?tab=owners&view=full", Note: ""}
	diskRunbook        = rotation.Runbook{Match: "/disk/", URL: "https://wiki.example.com/runbooks/disk#free-space", Note: "Disk full: free space safely"}
	fourthRunbook      = rotation.Runbook{Match: "db", URL: "https://wiki.example.com/runbooks/db", Note: "Not shown: the fourth"}
)

// triggered is the golden cases' trigger, at `at`.
func triggered() incident.Event {
	return event(incident.Triggered, full(), func(ev *incident.Event) {
		ev.Agent = "Mackerel"
		ev.Assignees = []string{"Sato Taro", "Suzuki Hanako"}
	})
}

func triageCases() []goldenCase {
	return []goldenCase{
		{"first_time", Input{
			Event: triggered(), Tag: "pd1234", OnCall: pair, Mention: true,
			Seen: &incident.Sighting{Count: 0},
		}},
		{"seen_before", Input{
			Event: triggered(), At: at, Tag: "pd1234", OnCall: pair, Mention: true,
			Seen: &incident.Sighting{Count: 14, First: at.Add(-300 * 24 * time.Hour), Last: at.Add(-3*24*time.Hour - 5*time.Hour)},
		}},
		{"seen_once", Input{
			Event: triggered(), Tag: "pd1234", OnCall: pair, Mention: true,
			Seen: &incident.Sighting{Count: 1, Last: at.Add(-2*time.Hour - 10*time.Minute)}, // At: the event's
		}},
		{"runbooks_1", Input{
			Event: triggered(), Tag: "pd1234", OnCall: pair, Mention: true,
			Runbooks: []rotation.Runbook{replicationRunbook},
		}},
		{"runbooks_3", Input{
			Event: triggered(), At: at, Tag: "pd1234", OnCall: pair, Mention: true,
			Seen:     &incident.Sighting{Count: 2, Last: at.Add(-20 * 24 * time.Hour)},
			Runbooks: []rotation.Runbook{replicationRunbook, serviceRunbook, diskRunbook, fourthRunbook},
		}},
		{"runbook_hostile", Input{
			Event: triggered(), Tag: "pd1234", OnCall: pair, Mention: true,
			Seen: &incident.Sighting{Count: 0},
			Runbooks: []rotation.Runbook{
				{URL: "javascript:alert(1)//https://wiki.example.com", Note: "skipped: not a link"},
				{URL: "https://wiki.example.com/x|<!channel>", Note: "skipped: would end the link"},
				{URL: "https://wiki.example.com/runbooks/x?a=1&b=2", Note: "<!channel> *click* <https://evil|here> @all #prod ＠here\nsecond line"},
			},
		}},
		{"triage_outside_hours", Input{
			Event: triggered(), At: at, Tag: "pd1234", OnCall: pair, Mention: false,
			Seen:     &incident.Sighting{Count: 3, Last: at.Add(-90 * time.Second)},
			Runbooks: []rotation.Runbook{diskRunbook},
		}},
	}
}

func TestTriageGolden(t *testing.T) {
	for _, c := range triageCases() {
		for _, d := range dialects {
			t.Run(c.name+"/"+d.String(), func(t *testing.T) {
				checkGolden(t, filepath.Join("testdata", "triage", c.name+"."+d.String()+".golden"), Render(d, c.in))
			})
		}
	}
	seen := map[string]bool{}
	for _, c := range triageCases() {
		for _, d := range dialects {
			seen[c.name+"."+d.String()+".golden"] = true
		}
	}
	noStaleGolden(t, filepath.Join("testdata", "triage"), seen)
}

// TestTriageOnlyOnTrigger: the other kinds never show Seen or Runbooks.
func TestTriageOnlyOnTrigger(t *testing.T) {
	for _, k := range []incident.Kind{incident.Acknowledged, incident.Resolved, incident.Reopened, incident.Escalated, incident.Annotated} {
		for _, d := range dialects {
			ev := event(k, full(), func(ev *incident.Event) { ev.Agent = "Sato Taro" })
			plain := Render(d, Input{Event: ev, Tag: "pd1234"})
			with := Render(d, Input{Event: ev, Tag: "pd1234", Seen: &incident.Sighting{Count: 0}, Runbooks: []rotation.Runbook{diskRunbook}})
			if with != plain {
				t.Errorf("%s in %v shows triage aids:\n%s", k, d, with)
			}
		}
	}
}

// TestTriageAddsLines: a trigger with triage aids is the trigger without
// them plus lines; nil Seen and no runbooks change nothing.
func TestTriageAddsLines(t *testing.T) {
	for _, d := range english {
		plain := Render(d, Input{Event: triggered(), Tag: "pd1234", OnCall: pair, Mention: true})
		empty := Render(d, Input{Event: triggered(), Tag: "pd1234", OnCall: pair, Mention: true, Seen: nil, Runbooks: []rotation.Runbook{}})
		if empty != plain {
			t.Errorf("%v: nil Seen and no runbooks changed the message:\n%s", d, empty)
		}
		with := Render(d, Input{Event: triggered(), Tag: "pd1234", OnCall: pair, Mention: true, Seen: &incident.Sighting{Count: 0}, Runbooks: []rotation.Runbook{diskRunbook}})
		lines := strings.Split(with, "\n")
		if !strings.Contains(lines[1], "First time this alert has fired") {
			t.Errorf("%v: the first-time line is not right under the headline:\n%s", d, with)
		}
		without := strings.Join(append(lines[:1:1], lines[2:]...), "\n")
		without = strings.Replace(without, "\nRunbook: "+map[Dialect]string{
			Console:    "Disk full: free space safely — https://wiki.example.com/runbooks/disk#free-space",
			Slack:      "<https://wiki.example.com/runbooks/disk#free-space|Disk full: free space safely>",
			Typetalk:   "Disk full: free space safely — https://wiki.example.com/runbooks/disk#free-space",
			Chatwork:   "Disk full: free space safely — https://wiki.example.com/runbooks/disk#free-space",
			GoogleChat: "Disk full: free space safely — https://wiki.example.com/runbooks/disk#free-space",
			Teams:      "[Disk full: free space safely](https://wiki.example.com/runbooks/disk#free-space)",
		}[d], "", 1)
		if without != plain {
			t.Errorf("%v: without its two lines, the message differs:\n%s\n---\n%s", d, without, plain)
		}
	}
}

func TestSeenLine(t *testing.T) {
	const day = 24 * time.Hour
	tests := []struct {
		count int
		age   time.Duration
		want  string
	}{
		{0, time.Hour, "First time this alert has fired"},
		{1, 0, "Seen once before, less than a minute ago"},
		{1, 59 * time.Second, "Seen once before, less than a minute ago"},
		{2, time.Minute, "Seen 2 times before, last 1 minute ago"},
		{2, 59*time.Minute + 59*time.Second, "Seen 2 times before, last 59 minutes ago"},
		{2, time.Hour, "Seen 2 times before, last 1 hour ago"},
		{2, 23*time.Hour + 59*time.Minute, "Seen 2 times before, last 23 hours ago"},
		{2, day, "Seen 2 times before, last 1 day ago"},
		{14, 3*day + 23*time.Hour, "Seen 14 times before, last 3 days ago"},
		{2, 14*day - time.Second, "Seen 2 times before, last 13 days ago"},
		{2, 14 * day, "Seen 2 times before, last 2 weeks ago"},
		{2, 60*day - time.Second, "Seen 2 times before, last 8 weeks ago"},
		{2, 60 * day, "Seen 2 times before, last 2 months ago"},
		{2, 365*day - time.Second, "Seen 2 times before, last 12 months ago"},
		{2, 365 * day, "Seen 2 times before, last 1 year ago"},
		{2, 800 * day, "Seen 2 times before, last 2 years ago"},
		{1000, -time.Minute, "Seen 1000 times before"}, // Last after At: no age
	}
	for _, tt := range tests {
		in := Input{Event: triggered(), Seen: &incident.Sighting{Count: tt.count, Last: at.Add(-tt.age)}, At: at}
		if got := strings.Split(Render(Console, in), "\n")[1]; got != tt.want {
			t.Errorf("count %d, age %v: %q, want %q", tt.count, tt.age, got, tt.want)
		}
	}

	// Without At, the event's instant; without either, or without Last,
	// no age.
	ev := triggered()
	in := Input{Event: ev, Seen: &incident.Sighting{Count: 3, Last: at.Add(-2 * time.Hour)}}
	if got, want := strings.Split(Render(Console, in), "\n")[1], "Seen 3 times before, last 2 hours ago"; got != want {
		t.Errorf("no At: %q, want %q", got, want)
	}
	ev.OccurredAt = time.Time{}
	in.Event = ev
	if got, want := strings.Split(Render(Console, in), "\n")[1], "Seen 3 times before"; got != want {
		t.Errorf("no At nor occurred_at: %q, want %q", got, want)
	}
	// An event without occurred_at (received at `at`): the age from At.
	in.At = at
	if got, want := strings.Split(Render(Console, in), "\n")[1], "Seen 3 times before, last 2 hours ago"; got != want {
		t.Errorf("At without occurred_at: %q, want %q", got, want)
	}
	// At wins over occurred_at.
	in = Input{Event: triggered(), Seen: &incident.Sighting{Count: 3, Last: at.Add(-2 * time.Hour)}, At: at.Add(24 * time.Hour)}
	if got, want := strings.Split(Render(Console, in), "\n")[1], "Seen 3 times before, last 1 day ago"; got != want {
		t.Errorf("At after occurred_at: %q, want %q", got, want)
	}
	in = Input{Event: triggered(), Seen: &incident.Sighting{Count: 3}, At: at}
	if got, want := strings.Split(Render(Console, in), "\n")[1], "Seen 3 times before"; got != want {
		t.Errorf("no Last: %q, want %q", got, want)
	}
}

// TestTriageCut: a trigger too long for its chat loses its details, runbooks
// included, never its footer or its first-time line.
func TestTriageCut(t *testing.T) {
	ev := triggered()
	ev.Note = japaneseNote()
	in := Input{Event: ev, Tag: "pd1234", OnCall: pair, Mention: true, Seen: &incident.Sighting{Count: 0},
		Runbooks: []rotation.Runbook{replicationRunbook, diskRunbook}}
	for _, d := range []Dialect{Slack, Typetalk} { // the chats whose limit the note passes
		got := Render(d, in)
		if units(got) > d.limit() {
			t.Errorf("%v: %d units, over the limit %d", d, units(got), d.limit())
		}
		if !strings.Contains(got, "First time this alert has fired") || !strings.HasSuffix(got, map[Dialect]string{
			Slack:    "\nOn call: <@U012AB3CD> <@U045EF6GH>",
			Typetalk: "\nOn call: @sato @suzuki-h",
		}[d]) {
			t.Errorf("%v: the first-time line or the footer is lost:\n%s", d, got)
		}
		if strings.Contains(got, "Runbook:") {
			t.Errorf("%v: the runbooks are kept after a cut note", d)
		}
	}
}
