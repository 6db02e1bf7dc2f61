package message

import (
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/locale"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// markdown is a chat that none of the content knows: Markdown with
// [label](url) links, which close with the URL after the label. That
// Render and RenderReminder speak it through the dialect alone shows that
// a new chat is one implementation of dialect.
type markdown struct{}

var markdownEscapes = escapes{ascii: [0x80]string{
	'*': `\*`, '_': `\_`, '[': `\[`, ']': `\]`, '`': "\\`", '\\': `\\`, '@': `\@`,
}}

func (markdown) name() string                   { return "markdown" }
func (markdown) limit() int                     { return 4000 }
func (markdown) escapes() *escapes              { return &markdownEscapes }
func (markdown) bold() (open, close string)     { return "**", "**" }
func (markdown) italic() (open, close string)   { return "_", "_" }
func (markdown) bullet() string                 { return "* " }
func (markdown) emoji(code, char string) string { return char }
func (markdown) openLink(w *writer, _ string) bool {
	w.raw("[")
	return true
}
func (markdown) closeLink(w *writer, url string) {
	w.raw("](")
	w.raw(url)
	w.raw(")")
}
func (markdown) link(w *writer, url, label string) {
	w.raw("[")
	if label == "" {
		label = url
	}
	w.text(label, fieldMax)
	w.raw("](")
	w.raw(url)
	w.raw(")")
}
func (markdown) mention(w *writer, m *rotation.Member, name string) {
	w.raw("@")
	w.text(name, nameMax)
}
func (markdown) card() bool                   { return false }
func (markdown) here() string                 { return "@channel" }
func (markdown) channel(w *writer, id string) { w.raw("~"); w.text(id, nameMax) }
func (markdown) trimCut(s string) string      { return s }

func TestNewDialect(t *testing.T) {
	in := triggeredInput()
	in.Event.Incident.Title = "Disk *full* on [db]"
	in.Notice = "Nobody_else"
	in.Runbooks = []rotation.Runbook{{URL: "https://wiki.example.com/db", Note: "DB runbook"}}
	got := render(writer{chat: markdown{}}, in)
	want := "🚨 **Triggered** — [#1234 Disk \\*full\\* on \\[db\\]](https://example.pagerduty.com/incidents/Q1ABCDEF2GH3IJ)\n" +
		"Service: checkout-api · Urgency: high · Priority: P1\n" +
		"Assigned to: Sato Taro, Suzuki Hanako\n" +
		"Runbook: [DB runbook](https://wiki.example.com/db)\n" +
		"#pd1234\n" +
		"On call: @Sato Taro @Suzuki Hanako\n" +
		"_Nobody\\_else_"
	if got != want {
		t.Errorf("Render in Markdown =\n%s\nwant\n%s", got, want)
	}
	if n := units(got); n > (markdown{}).limit() {
		t.Errorf("%d units, over the limit", n)
	}

	r := Reminder{
		Kind: EveningReminder, Date: tue24, From: 10 * time.Hour, Until: 17 * time.Hour,
		OnCall: []rotation.Member{ito}, AlertChannels: []Channel{{Dialect: Slack, ID: "C0ALERTS"}},
		ManualURL: manualURL, Checklist: []string{"Log in_to PagerDuty"},
	}
	got = renderReminder(writer{chat: markdown{}}, r)
	want = "🌙 **On call next working day** — Tuesday 2026-11-24, 10:00–17:00\n" +
		"Hi @Ito: you are on call on Tuesday 2026-11-24 from 10:00 to 17:00. Alerts in Slack channel C0ALERTS will mention you then.\n" +
		"**Before your shift:**\n" +
		"* Log in\\_to PagerDuty\n" +
		"On-call manual: [" + manualURL + "](" + manualURL + ")"
	if got != want {
		t.Errorf("RenderReminder in Markdown =\n%s\nwant\n%s", got, want)
	}
}

// ourLink is a link the renderer makes on Teams: the incident's, a job's.
var ourLink = regexp.MustCompile(`\]\((https://example\.pagerduty\.com/incidents/[A-Z0-9]+|https://ci\.example\.com/job/restart/42/)\)`)

// TestNewChatsInert: outside text never makes a Chatwork tag or a Google
// Chat mention or link, in any message.
func TestNewChatsInert(t *testing.T) {
	for _, c := range goldenCases() {
		for _, d := range []Dialect{Chatwork, GoogleChat, Teams, Chatwork.In(locale.Japanese), GoogleChat.In(locale.Japanese), Teams.In(locale.Japanese)} {
			got := Render(d, c.in)
			// Only the footer's own mentions may be live.
			body := got
			if i := strings.LastIndex(got, "\n"+d.Language().T("footer.on_call")); i >= 0 {
				body = got[:i]
			}
			if d.Chat() == Teams {
				// Teams: the only link is the incident's, the only tag ours.
				body = ourLink.ReplaceAllString(body, "")
			}
			for _, live := range map[Dialect][]string{Chatwork: {"[toall]", "[To:", "[/info]", "[info]"}, GoogleChat: {"<users/", "<!", "<http"},
				Teams: {"<at", "](", "<!", "<http"}}[d.Chat()] {
				if strings.Contains(body, live) {
					t.Errorf("%s %v: live %q:\n%s", c.name, d, live, got)
				}
			}
		}
	}
}

// TestURLsCannotMakeMarkup: brackets and parentheses in an alert's or a
// runbook's URL (which the alert's sender chooses) are percent-encoded,
// so they cannot make a Chatwork tag or end a Teams link early.
func TestURLsCannotMakeMarkup(t *testing.T) {
	ev := triggered()
	ev.Source = &incident.Link{Label: "Grafana", URL: "https://grafana.example/d/x?[toall]"}
	ev.Links = []incident.Link{{Label: "logs", URL: "https://logs.example/q=[/info][To:999]"}, {URL: "https://app.datadoghq.com/a)[click](https://evil.example/x"}}
	in := Input{Event: ev, Tag: "pd1234", Runbooks: []rotation.Runbook{{URL: "https://wiki.example/x[toall](y)", Note: "rb"}}}
	for _, d := range []Dialect{Chatwork, Teams, GoogleChat, Slack} {
		got := Render(d, in)
		for _, bad := range []string{"[toall]", "[/info]", "[To:999]", "](https://evil", "[click]"} {
			if strings.Contains(got, bad) {
				t.Errorf("%v: %q in:\n%s", d, bad, got)
			}
		}
		if !strings.Contains(got, "https://grafana.example/d/x?%5Btoall%5D") {
			t.Errorf("%v: the URL is not kept, encoded:\n%s", d, got)
		}
	}
}
