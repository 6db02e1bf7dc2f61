package message

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

var (
	fri20 = rotation.Date{Year: 2026, Month: time.November, Day: 20}
	mon23 = rotation.Date{Year: 2026, Month: time.November, Day: 23}
	tue24 = rotation.Date{Year: 2026, Month: time.November, Day: 24}

	ito      = rotation.Member{Name: "Ito", Slack: "U01ITO00001", Typetalk: "ito"}
	watanabe = rotation.Member{Name: "Watanabe", Typetalk: "watanabe"} // no Slack ID

	alertChannels = []Channel{{Dialect: Slack, ID: "C0ALERTS"}, {Dialect: Typetalk, ID: "42"}}
	checklist     = []string{
		"Contact settings: mentions from this channel and the alert channel reach you",
		"Logins: you can sign in to PagerDuty and the monitoring tools",
		"Availability: you are free the whole shift; if not, swap and update the sheet",
	}
)

const manualURL = "https://wiki.example.com/oncall?team=web&lang=en#before-your-shift"

func reminderCases() []struct {
	name string
	r    Reminder
} {
	morning := Reminder{
		Kind: MorningReminder, Date: fri20, From: 10 * time.Hour, Until: 17 * time.Hour,
		OnCall: pair, AlertChannels: alertChannels, ManualURL: manualURL,
	}
	evening := Reminder{
		Kind: EveningReminder, Date: tue24, From: 10 * time.Hour, Until: 17 * time.Hour,
		OnCall:        []rotation.Member{ito, watanabe},
		DaysOff:       []DayOff{{Date: mon23, Name: "Labor Thanksgiving Day"}},
		AlertChannels: alertChannels, ManualURL: manualURL, Checklist: checklist,
	}
	with := func(r Reminder, edit func(*Reminder)) Reminder {
		edit(&r)
		return r
	}
	return []struct {
		name string
		r    Reminder
	}{
		{"morning", morning},
		{"evening", evening},
		{"morning_empty", with(morning, func(r *Reminder) { r.OnCall = nil })},
		{"morning_only_unmatched", with(morning, func(r *Reminder) { r.OnCall = nil; r.Unmatched = []string{"休み", "<!here>"} })},
		{"morning_one_unmatched", with(morning, func(r *Reminder) { r.OnCall = r.OnCall[:1]; r.Unmatched = []string{"Tanaka (swap)"} })},
		{"evening_empty", with(evening, func(r *Reminder) { r.OnCall = []rotation.Member{{}} })},
		{"morning_carry_over", with(morning, func(r *Reminder) {
			tokyo := time.FixedZone("JST", 9*3600)
			r.Location = tokyo
			r.Open = []OpenIncident{
				{Incident: incident.Incident{ID: "PLGCY42", Number: 1236, Title: "orders-db: replication lag > 30s <!here>",
					URL: "https://acme.pagerduty.com/incidents/PLGCY42"}, TriggeredAt: time.Date(2026, 11, 19, 20, 0, 0, 0, tokyo)},
				{Incident: incident.Incident{ID: "Q3", Number: 1240, Title: "disk full"}, TriggeredAt: time.Date(2026, 11, 20, 3, 0, 0, 0, tokyo), Acknowledged: true},
			}
		})},
		{"evening_no_manual", with(evening, func(r *Reminder) { r.ManualURL = ""; r.DaysOff = nil; r.AlertChannels = nil })},
		{"morning_member_without_handle", with(morning, func(r *Reminder) {
			r.OnCall = []rotation.Member{{Name: "Yamamoto"}, watanabe, {Name: "Kobayashi <!here> @all", Slack: "not-an-id>", Typetalk: "bad name!"}}
			r.AlertChannels = []Channel{{Dialect: Slack, ID: "C0ALERTS"}}
		})},
		{"evening_year_end", with(evening, func(r *Reminder) {
			r.Date = rotation.Date{Year: 2027, Month: time.January, Day: 5}
			r.OnCall = []rotation.Member{{Name: "Takahashi", Slack: "U01TAKAHASH", Typetalk: "takahashi"}, {Name: "Tanaka", Slack: "U01TANAKA01", Typetalk: "tanaka"}}
			r.DaysOff = []DayOff{
				{Date: rotation.Date{Year: 2026, Month: time.December, Day: 29}, Name: "Company holiday"},
				{Date: rotation.Date{Year: 2026, Month: time.December, Day: 30}, Name: "Company holiday"},
				{Date: rotation.Date{Year: 2026, Month: time.December, Day: 31}, Name: "Company holiday"},
				{Date: rotation.Date{Year: 2027, Month: time.January, Day: 1}, Name: "New Year's Day"},
				{Date: rotation.Date{Year: 2027, Month: time.January, Day: 4}, Name: "Company holiday"},
			}
		})},
		{"hostile_settings", Reminder{
			Kind: EveningReminder, Date: tue24, From: 9*time.Hour + 30*time.Minute, Until: 24 * time.Hour,
			OnCall:        pair,
			DaysOff:       []DayOff{{Date: mon23, Name: "<!channel> day @all #prod"}},
			AlertChannels: []Channel{{Dialect: Slack, ID: "C0<!here>"}, {Dialect: Console}, {Dialect: Typetalk, ID: "@all"}},
			ManualURL:     "javascript:alert(1)//<!here>",
			Checklist:     []string{"  ", "*bold* <https://evil|click> @channel ＃prod\nsecond line", ""},
		}},
	}
}

// TestReminderGolden compares every reminder in every dialect with
// testdata/reminder/<case>.<dialect>.golden (go test -update rewrites them).
func TestReminderGolden(t *testing.T) {
	dir := filepath.Join("testdata", "reminder")
	seen := map[string]bool{}
	for _, c := range reminderCases() {
		for _, d := range dialects {
			name := c.name + "." + d.String() + ".golden"
			seen[name] = true
			t.Run(c.name+"/"+d.String(), func(t *testing.T) {
				checkGolden(t, filepath.Join(dir, name), RenderReminder(d, c.r))
			})
		}
	}
	noStaleGolden(t, dir, seen)
}

func TestReminderMentions(t *testing.T) {
	r := Reminder{Kind: MorningReminder, Date: fri20, From: 10 * time.Hour, Until: 17 * time.Hour, OnCall: []rotation.Member{sato, watanabe}}
	want := map[Dialect]string{
		Console:  "Hi @Sato Taro @Watanabe: ",
		Slack:    "Hi <@U012AB3CD> Watanabe: ",
		Typetalk: "Hi @sato @watanabe: ",
	}
	for d, line := range want {
		if got := RenderReminder(d, r); !strings.Contains(got, "\n"+line) {
			t.Errorf("%v: want a line starting %q, got:\n%s", d, line, got)
		}
	}
}

// TestReminderEmptyMentionsNobody: the empty-rotation warning names the
// date and mentions no one, whatever the dialect.
func TestReminderEmptyMentionsNobody(t *testing.T) {
	for _, kind := range []ReminderKind{MorningReminder, EveningReminder} {
		for _, onCall := range [][]rotation.Member{nil, {}, {{}, {Email: "x@example.com"}}} {
			r := Reminder{Kind: kind, Date: tue24, From: 10 * time.Hour, Until: 17 * time.Hour, OnCall: onCall, Checklist: checklist, AlertChannels: alertChannels}
			for _, d := range english {
				got := RenderReminder(d, r)
				if !strings.Contains(got, "Nobody is on call") || !strings.Contains(got, "2026-11-24") {
					t.Errorf("%v %v %v: not an empty-rotation warning:\n%s", kind, d, onCall, got)
				}
				if strings.Contains(got, "<@") || strings.Contains(got, "Hi ") || strings.Contains(got, "Before your shift") {
					t.Errorf("%v %v: the warning mentions or briefs someone:\n%s", kind, d, got)
				}
			}
		}
	}
}

func TestReminderChecklistOnlyInTheEvening(t *testing.T) {
	r := Reminder{Date: fri20, From: 10 * time.Hour, Until: 17 * time.Hour, OnCall: pair, Checklist: checklist}
	for _, d := range english {
		r.Kind = MorningReminder
		if got := RenderReminder(d, r); strings.Contains(got, "Before your shift") {
			t.Errorf("%v: the morning reminder shows the checklist:\n%s", d, got)
		}
		r.Kind = EveningReminder
		if got := RenderReminder(d, r); !strings.Contains(got, "Before your shift") || !strings.Contains(got, "Logins:") {
			t.Errorf("%v: the evening reminder lacks the checklist:\n%s", d, got)
		}
	}
}

// TestReminderLimit: however many people and items, a reminder fits its chat.
func TestReminderLimit(t *testing.T) {
	var many []rotation.Member
	for range 300 {
		many = append(many, rotation.Member{Name: strings.Repeat("長い名前", 30)})
	}
	var items []string
	for range 100 {
		items = append(items, strings.Repeat("チェック項目 ", 40))
	}
	r := Reminder{Kind: EveningReminder, Date: tue24, From: 10 * time.Hour, Until: 17 * time.Hour, OnCall: many, Checklist: items, ManualURL: manualURL}
	for _, d := range dialects {
		if got := RenderReminder(d, r); units(got) > d.limit() {
			t.Errorf("%v: %d UTF-16 units, limit %d", d, units(got), d.limit())
		}
	}
}

func TestReminderKindString(t *testing.T) {
	if MorningReminder.String() != "morning" || EveningReminder.String() != "evening" {
		t.Errorf("kinds: %q %q", MorningReminder, EveningReminder)
	}
}
