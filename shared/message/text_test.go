package message

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

func inertText(d Dialect, s string, max int) string {
	w := writer{chat: d.chat()}
	w.text(s, max)
	return w.b.String()
}

func TestTextSlack(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Database is down", "Database is down"},
		{"<!here>", "&lt;!here&gt;"},
		{"<!channel>", "&lt;!channel&gt;"},
		{"<!subteam^S123>", "&lt;!subteam^S123&gt;"},
		{"<@U123>", "&lt;@U123&gt;"},
		{"<#C123|general>", "&lt;#C123|general&gt;"},
		{"<https://evil|click>", "&lt;https://evil|click&gt;"},
		{"a & b", "a &amp; b"},
		{"&lt;", "&amp;lt;"}, // already escaped text is shown as written
		{"&amp;lt;", "&amp;amp;lt;"},
		{"x > y < z", "x &gt; y &lt; z"},
		{"@channel #prod", "@channel #prod"}, // inert in Slack unless the poster sets link_names
		{"line\nbreak\r\n", "line break "},
		{"tab\there", "tab here"},
		{"\x1b[31mred\x1b[0m", "[31mred[0m"},
		{"bad \xff byte", "bad \ufffd byte"},
		{"rtl \u202eevil\u202c", "rtl evil"},
		{"日本語のタイトル", "日本語のタイトル"},
		{"🚨 alert", "🚨 alert"},
	} {
		if got := inertText(Slack, c.in, 0); got != c.want {
			t.Errorf("Slack text %q = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTextTypetalk(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Database is down", "Database is down"},
		{"@all deploy #prod", "@\u200ball deploy #\u200bprod"},
		{"＠all ＃prod", "＠\u200ball ＃\u200bprod"},
		{"﹫all ﹟prod", "﹫\u200ball ﹟\u200bprod"},
		{"sato@example.com", "sato@\u200bexample.com"},
		{"<b>&amp;</b>", "<b>&amp;</b>"}, // plain text: nothing to escape
		{"@@##", "@\u200b@\u200b#\u200b#\u200b"},
		{"line\nbreak", "line break"},
		{"\x00nul\x7fdel\u0085nel", "nuldelnel"},
		{"障害: ＃本番 で @全員", "障害: ＃\u200b本番 で @\u200b全員"},
	} {
		if got := inertText(Typetalk, c.in, 0); got != c.want {
			t.Errorf("Typetalk text %q = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTextConsole(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"<!here> & @all #prod", "<!here> & @all #prod"},
		{"\x1b]0;pwned\x07title", "]0;pwnedtitle"},
		{"a\nb", "a b"},
	} {
		if got := inertText(Console, c.in, 0); got != c.want {
			t.Errorf("console text %q = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestTextMax(t *testing.T) {
	for _, c := range []struct {
		d    Dialect
		in   string
		max  int
		want string
	}{
		{Console, "abcdef", 3, "abc…"},
		{Console, "abc", 3, "abc"},
		{Console, "日本語のタイトル", 3, "日本語…"},
		{Slack, "<<<<", 2, "&lt;&lt;…"},
		{Typetalk, "@@@@", 2, "@\u200b@\u200b…"},
	} {
		if got := inertText(c.d, c.in, c.max); got != c.want {
			t.Errorf("%v text %q max %d = %q, want %q", c.d, c.in, c.max, got, c.want)
		}
	}
}

func TestQuote(t *testing.T) {
	w := writer{chat: slack{}}
	w.raw("> ")
	w.quote("one <two>\r\nthree\n\nfour")
	if got, want := w.b.String(), "> one &lt;two&gt;\n> three\n> \n> four"; got != want {
		t.Errorf("quote = %q, want %q", got, want)
	}
}

func TestLinkable(t *testing.T) {
	for _, c := range []struct {
		url  string
		want bool
	}{
		{"https://example.pagerduty.com/incidents/Q1ABC", true},
		{"http://localhost:8080/incidents/Q1", true},
		{"HTTPS://EXAMPLE.PAGERDUTY.COM/incidents/Q1", true},
		{"https://example.pagerduty.com/incidents/Q1?a=1&b=2", true},
		{"", false},
		{"https://", false},
		{"https:///path", false},
		{"javascript:alert(1)", false},
		{"ftp://example.com/x", false},
		{"//example.com/x", false},
		{"https://evil.example|click", false},
		{"https://evil.example>click", false},
		{"https://evil.example<x", false},
		{"https://evil.example/a b", false},
		{"https://evil.example/a\nb", false},
		{"https://evil.example/a\tb", false},
		{"https://good.example@evil.example/", false},
		{"https://例え.jp/", false},
		{"https://example.com/\"onmouseover", false},
	} {
		if got := Linkable(c.url); got != c.want {
			t.Errorf("Linkable(%q) = %v, want %v", c.url, got, c.want)
		}
	}
	// The link Slack gets: & in the URL is escaped as Slack asks.
	ev := event(incident.Triggered, full(), nil)
	ev.Incident.URL = "https://example.pagerduty.com/incidents/Q1?a=1&b=2"
	if got, want := Render(Slack, Input{Event: ev}), "<https://example.pagerduty.com/incidents/Q1?a=1&amp;b=2|#1234 Database is down>"; !strings.Contains(got, want) {
		t.Errorf("Slack link: want %q in:\n%s", want, got)
	}
}

// slackSafe fails the test if s holds Slack markup that is not ours: every
// '<' opens either the incident link or a member mention, and every '&'
// starts one of the three escapes.
func slackSafe(t *testing.T, s string, links ...string) {
	t.Helper()
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			ok := strings.HasPrefix(s[i:], "<@U012AB3CD>") || strings.HasPrefix(s[i:], "<@U045EF6GH>")
			for _, l := range links {
				ok = ok || strings.HasPrefix(s[i:], "<"+l+"|")
			}
			if !ok {
				t.Errorf("Slack markup not ours at %d: %q", i, s[i:min(len(s), i+40)])
			}
		case '&':
			if !strings.HasPrefix(s[i:], "&amp;") && !strings.HasPrefix(s[i:], "&lt;") && !strings.HasPrefix(s[i:], "&gt;") {
				t.Errorf("bare & at %d: %q", i, s[i:min(len(s), i+20)])
			}
		}
	}
}

// active finds what Typetalk would read as a mention or a hashtag: a sign
// followed directly by a letter, digit or '_'.
var active = regexp.MustCompile(`[@#＠＃﹫﹟][\p{L}\p{N}_][\p{L}\p{N}_.\-]*`)

// typetalkSafe fails the test if s mentions or tags anything but allowed.
func typetalkSafe(t *testing.T, s string, allowed ...string) {
	t.Helper()
	for _, m := range active.FindAllString(s, -1) {
		ok := false
		for _, a := range allowed {
			ok = ok || m == a
		}
		if !ok {
			t.Errorf("Typetalk would read %q as a mention or a tag", m)
		}
	}
}

const incidentURL = "https://example.pagerduty.com/incidents/Q1ABCDEF2GH3IJ"

func TestHostile(t *testing.T) {
	var in Input
	for _, c := range goldenCases() {
		if c.name == "hostile_title" {
			in = c.in
		}
	}
	s := Render(Slack, in)
	slackSafe(t, s, incidentURL)
	for _, bad := range []string{"<!channel>", "<!here>", "<!everyone>", "<https://evil", "<@U999>"} {
		if strings.Contains(s, bad) {
			t.Errorf("Slack message holds %q:\n%s", bad, s)
		}
	}
	if n := strings.Count(s, "<"+incidentURL+"|"); n != 1 {
		t.Errorf("Slack message has %d incident links, want 1:\n%s", n, s)
	}
	if lines := strings.Split(s, "\n"); lines[len(lines)-3] != "#pd1234" {
		t.Errorf("Slack: the tag line is not ours: %q", lines[len(lines)-3])
	}

	tt := Render(Typetalk, in)
	typetalkSafe(t, tt, "#pd1234", "@sato", "@suzuki-h")
	if !strings.Contains(tt, "<!channel> & <https://evil|click> @\u200ball #\u200bprod") {
		t.Errorf("Typetalk: the hostile title is not shown as written (inert):\n%s", tt)
	}
}

func TestMemberHandles(t *testing.T) {
	odd := []rotation.Member{
		{Name: "Kobayashi <Saburo> @all", Slack: "U1>|<!here", Typetalk: "bad name!"},
		{Name: "", Slack: "", Typetalk: "@all"},
	}
	ev := event(incident.Triggered, full(), nil)
	s := Render(Slack, Input{Event: ev, Tag: "pd1", OnCall: odd, Mention: true})
	slackSafe(t, s, incidentURL)
	if !strings.HasSuffix(s, "\nOn call: Kobayashi &lt;Saburo&gt; @all @all") {
		t.Errorf("Slack: members without a valid ID are not shown as plain names:\n%s", s)
	}
	tt := Render(Typetalk, Input{Event: ev, Tag: "pd1", OnCall: odd, Mention: true})
	typetalkSafe(t, tt, "#pd1")
	if !strings.HasSuffix(tt, "\nOn call: Kobayashi <Saburo> @\u200ball @\u200ball") {
		t.Errorf("Typetalk: members without a valid account are not shown as plain names:\n%q", tt)
	}
}

func TestCutJapanese(t *testing.T) {
	in := Input{
		Event: event(incident.Annotated, ref(), func(ev *incident.Event) {
			ev.Agent = "佐藤 太郎"
			ev.Note = japaneseNote()
		}),
		Tag: "pd1234", OnCall: pair, Mention: true,
	}
	for _, d := range []Dialect{Slack, Typetalk} {
		s := Render(d, in)
		if !utf8.ValidString(s) {
			t.Errorf("%v: not valid UTF-8", d)
		}
		// Japanese is one code unit per character, and the note is cut
		// between two characters: the message fills the limit exactly.
		if n := units(s); n != d.limit() {
			t.Errorf("%v: %d code units, want exactly the limit %d", d, n, d.limit())
		}
		foot := "…\n#pd1234\nOn call: "
		if !strings.Contains(s, foot) {
			t.Errorf("%v: the cut is not followed by the whole footer:\n%s", d, s[len(s)-200:])
		}
		if !strings.Contains(s, "データベースを再起動しました") {
			t.Errorf("%v: the note was dropped instead of cut", d)
		}
	}
	if s := Render(Console, in); strings.Contains(s, "…") {
		t.Errorf("console: a note under the console's limit was cut")
	}
}

// TestCutAtSlackConstruct cuts right inside an escape and inside a link.
func TestCutAtSlackConstruct(t *testing.T) {
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{"a &amp; b", 4, "a"},
		{"a &amp; b", 7, "a &amp;"},
		{"x <https://e.example/i|#1 t> y", 10, "x"},
		{"x <@U012AB3CD>", 13, "x"},
		{"日本語", 2, "日本"},
		{"a🚨b", 2, "a"}, // 🚨 is two UTF-16 code units
		{"a🚨b", 3, "a🚨"},
		{"abc  \n", 6, "abc"},
	} {
		if got := cut(c.s, c.n, slack{}); got != c.want {
			t.Errorf("cut(%q, %d, Slack) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
	for _, c := range []struct {
		s    string
		n    int
		want string
	}{
		{"note @\u200ball", 6, "note"},                     // '@' without its zero-width space
		{"On call: @sato @suzuki-h", 20, "On call: @sato"}, // no shorter handle
		{"#pd1234", 5, ""},
		{"＃\u200b本番", 1, ""},
	} {
		if got := cut(c.s, c.n, typetalk{}); got != c.want {
			t.Errorf("cut(%q, %d, Typetalk) = %q, want %q", c.s, c.n, got, c.want)
		}
	}
}

// TestCutProperty renders random, long, hostile inputs and checks what
// every message must be: valid UTF-8, within the limit, inert, with its
// footer whole.
func TestCutProperty(t *testing.T) {
	pieces := []string{
		"a", "word ", "Database ", "&", "<", ">", "|", "&amp;", "<!here>", "<@U999>",
		"@", "#", "@all", "#prod", "＠", "＃", "﹫", "日本語", "障害対応中。", "🚨", "👨‍👩‍👧",
		"\n", "\r\n", "\t", "\x00", "\x1b", "\xff", "\xe3\x81", "\u202e", "\u200b", " ",
		"*", "_", "`", "~", "e\u0301",
	}
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(maxPieces int) string {
		var b strings.Builder
		for range rng.IntN(maxPieces + 1) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	kinds := []incident.Kind{incident.Triggered, incident.Annotated, incident.ResponderReplied, incident.Reassigned, "x"}
	for i := range 300 {
		inc := full()
		inc.Title = random(400)
		inc.Service.Name = random(50)
		ev := event(kinds[i%len(kinds)], inc, func(ev *incident.Event) {
			ev.Agent = random(20)
			ev.Note = random(3000)
			ev.Assignees = []string{random(10), random(10)}
		})
		in := Input{Event: ev, Tag: "pd1234", OnCall: pair, Mention: true, Notice: random(30)}
		for _, d := range english {
			s := Render(d, in)
			if !utf8.ValidString(s) {
				t.Fatalf("case %d %v: invalid UTF-8: %q", i, d, s)
			}
			if n, limit := units(s), d.limit(); n > limit || utf8.RuneCountInString(s) > limit {
				t.Fatalf("case %d %v: %d code units, limit %d", i, d, n, limit)
			}
			if !strings.Contains(s, "\n#pd1234\nOn call: ") {
				t.Fatalf("case %d %v: footer lost:\n%s", i, d, s)
			}
			switch d {
			case Slack:
				slackSafe(t, s, incidentURL)
			case Typetalk:
				typetalkSafe(t, s, "#pd1234", "@sato", "@suzuki-h")
			}
			if t.Failed() {
				t.Fatalf("case %d %v:\n%s", i, d, s)
			}
		}
	}
}

// TestCutFooterTooLong: when the footer alone is over the limit (hundreds
// of people on call), the whole message is cut, and still no mention is
// shortened into someone else's.
func TestCutFooterTooLong(t *testing.T) {
	var many []rotation.Member
	for range 600 {
		many = append(many, sato, suzuki)
	}
	in := Input{Event: event(incident.Triggered, full(), nil), Tag: "pd1234", OnCall: many, Mention: true}
	for _, d := range dialects {
		s := Render(d, in)
		if n := units(s); n > d.limit() || !utf8.ValidString(s) || !strings.HasSuffix(s, "…") {
			t.Errorf("%v: %d code units (limit %d), valid %v, ends %q", d, n, d.limit(), utf8.ValidString(s), s[len(s)-10:])
		}
		switch d {
		case Slack:
			slackSafe(t, s, incidentURL)
		case Typetalk:
			typetalkSafe(t, s, "#pd1234", "@sato", "@suzuki-h")
		}
	}
}
