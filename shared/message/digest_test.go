package message

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/digest"
)

var jst = time.FixedZone("JST", 9*3600)

// digestWeek is the report of a busy week (the figures of
// shared/digest's test week).
func digestWeek() digest.Report {
	m := time.Minute
	return digest.Report{
		From: time.Date(2026, 11, 16, 0, 0, 0, 0, jst), To: time.Date(2026, 11, 23, 0, 0, 0, 0, jst),
		Incidents: 12, High: 8, Low: 4, BusinessHours: 8, OutsideHours: 4,
		Services: []digest.Service{
			{ID: "PDB0001", Name: "db", Incidents: 5, High: 4, Low: 1},
			{ID: "PWEB001", Name: "web", Incidents: 4, High: 2, Low: 2},
			{ID: "PAPI001", Name: "api", Incidents: 3, High: 2, Low: 1},
		},
		FirstResponse: digest.Stats{N: 10, Median: 5 * m, P90: 30 * m}, NoResponse: 2, FirstInChat: 2, FirstInPagerDuty: 8,
		MTTR: digest.Stats{N: 10, Median: 60 * m, P90: 19 * time.Hour}, Unresolved: 2, Reopened: 1, Merged: 1,
		People: []digest.Person{
			{Name: "Takahashi", OnShift: 4, Responded: 3, RespondedOutside: 1},
			{Name: "Tanaka", OnShift: 4, Responded: 3, RespondedOutside: 1},
			{Name: "Sato", OnShift: 3, Responded: 3, RespondedOutside: 1},
			{Name: "Suzuki", OnShift: 3, Responded: 1},
			{Name: "Ito", OnShift: 1, Responded: 1},
			{Name: "Watanabe", OnShift: 1, Responded: 0},
		},
		Noisiest: []digest.Alert{
			{Fingerprint: "fp-disk", Incidents: 5, Service: "db", Title: "Disk almost full"},
			{Fingerprint: "fp-5xx", Incidents: 4, Service: "web", Title: "5xx rate above 5%"},
			{Fingerprint: "fp-latency", Incidents: 2, Service: "api", Title: "p99 latency above 2s"},
			{Fingerprint: "fp-cert", Incidents: 1, Service: "api", Title: "Certificate expires in 7 days"},
		},
	}
}

func digestCases() []struct {
	name string
	r    digest.Report
} {
	week := digestWeek()
	quiet := digest.Report{From: week.From, To: week.To}
	acksOnly := quiet
	acksOnly.People = []digest.Person{{Name: "Sato", Responded: 1, RespondedOutside: 1}}
	one := digest.Report{
		From: week.From, To: week.To, Incidents: 1, Low: 0, High: 0, OutsideHours: 1,
		Services:   []digest.Service{{ID: "PX", Incidents: 1}},
		NoResponse: 1, Unresolved: 1,
		Noisiest: []digest.Alert{{Fingerprint: "a1b2c3", Incidents: 1}},
	}
	escalated := digestWeek()
	escalated.Escalations = map[string]int{"pair": 6, "backup": 3, "lead": 1}
	hostile := digestWeek()
	hostile.Services = nil
	for i := range 12 {
		hostile.Services = append(hostile.Services, digest.Service{Name: fmt.Sprintf("svc-%02d <!channel> @all #prod", i), Incidents: 12 - i, High: 1})
	}
	hostile.People = nil
	for i := range 22 {
		hostile.People = append(hostile.People, digest.Person{Name: fmt.Sprintf("<@U0BAD%02d> ＠all\nforged line", i), OnShift: 1})
	}
	hostile.Noisiest = []digest.Alert{{Fingerprint: "<https://evil|click> #tag", Incidents: 3, Service: "&amp; <!here>", Title: strings.Repeat("long ", 100)}}
	return []struct {
		name string
		r    digest.Report
	}{
		{"week", week},
		{"quiet", quiet},
		{"acknowledgements_only", acksOnly},
		{"one_incident", one},
		{"hostile", hostile},
		{"escalations", escalated},
	}
}

// TestDigestGolden compares every digest in every dialect with
// testdata/digest/<case>.<dialect>.golden (go test -update rewrites them).
func TestDigestGolden(t *testing.T) {
	dir := filepath.Join("testdata", "digest")
	seen := map[string]bool{}
	for _, c := range digestCases() {
		for _, d := range dialects {
			name := c.name + "." + d.String() + ".golden"
			seen[name] = true
			t.Run(c.name+"/"+d.String(), func(t *testing.T) {
				checkGolden(t, filepath.Join(dir, name), RenderDigest(d, c.r))
			})
		}
	}
	noStaleGolden(t, dir, seen)
}

// TestDigestInert: nothing from PagerDuty or the sheet mentions, links or
// breaks a line, and a huge report fits the chat.
func TestDigestInert(t *testing.T) {
	var hostile digest.Report
	for _, c := range digestCases() {
		if c.name == "hostile" {
			hostile = c.r
		}
	}
	for _, d := range english {
		got := RenderDigest(d, hostile)
		if d == Slack && (strings.Contains(got, "<!") || strings.Contains(got, "<@") || strings.Contains(got, "<http")) {
			t.Errorf("%v: live markup:\n%s", d, got)
		}
		if d == Typetalk && (strings.Contains(got, "@a") || strings.Contains(got, "#p") || strings.Contains(got, "＠a")) {
			t.Errorf("%v: live mention or tag:\n%s", d, got)
		}
		if strings.Contains(got, "\nforged") {
			t.Errorf("%v: a name broke a line", d)
		}
		if !strings.Contains(got, "and 2 more") {
			t.Errorf("%v: lists not capped:\n%s", d, got)
		}
	}

	big := digestWeek()
	big.Noisiest = nil
	for range 5 {
		big.Noisiest = append(big.Noisiest, digest.Alert{Fingerprint: strings.Repeat("f", 300), Incidents: 1, Title: strings.Repeat("長い", 400), Service: strings.Repeat("s", 400)})
	}
	for range 20 {
		big.People = append(big.People, digest.Person{Name: strings.Repeat("名", 200)})
	}
	for _, d := range english {
		if got := RenderDigest(d, big); units(got) > d.limit() {
			t.Errorf("%v: %d units, over the limit %d", d, units(got), d.limit())
		}
	}
}
