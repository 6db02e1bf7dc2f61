package message

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/locale"
)

// writer builds one message in one dialect.
type writer struct {
	b    strings.Builder
	chat dialect
	lang locale.Language
	// linked: ref made the incident's title a link to its URL.
	linked bool
}

// say writes text id of the catalog (package locale) in the message's
// language. args are name, value pairs of values already written for the
// chat (esc, sub); the template also gets .B and .E, the chat's bold marks.
func (w *writer) say(id string, args ...any) {
	open, close := w.chat.bold()
	w.b.WriteString(w.lang.T(id, append(args, "B", open, "E", close)...))
}

// esc is outside text s as text writes it.
func (w *writer) esc(s string, max int) string {
	return w.sub(func(v *writer) { v.text(s, max) })
}

// sub is what f writes with a writer of the same chat and language. A link
// that f makes of the incident's title (ref) counts as made by w.
func (w *writer) sub(f func(*writer)) string {
	v := writer{chat: w.chat, lang: w.lang}
	f(&v)
	if v.linked {
		w.linked = true
	}
	return v.b.String()
}

// raw writes text of ours as is. Callers only pass text that is safe in
// every dialect: no &, <, >, @ or #.
func (w *writer) raw(s string) { w.b.WriteString(s) }

// strong writes a word of ours, bold where the chat has bold.
func (w *writer) strong(s string) {
	open, close := w.chat.bold()
	w.b.WriteString(open)
	w.b.WriteString(s)
	w.b.WriteString(close)
}

// int writes n in decimal.
func (w *writer) int(n int) {
	var buf [20]byte
	w.b.Write(strconv.AppendInt(buf[:0], int64(n), 10))
}

// text writes one line of outside text (PagerDuty, the sheet), made inert
// for the dialect. Line breaks become spaces. When max > 0, text longer than
// max characters is cut there and ends with "…".
func (w *writer) text(s string, max int) { w.inert(s, max, " ") }

// quote writes multi-line outside text as a quote whose first "> " the
// caller has written: every line break starts a new "> " line.
func (w *writer) quote(s string) { w.inert(s, 0, "\n> ") }

// inert writes s so that it is shown as written and means nothing to the
// chat: see the package documentation. newline replaces each line break.
func (w *writer) inert(s string, max int, newline string) {
	esc := w.chat.escapes()
	start, n := 0, 0 // start of the run not yet written; characters seen
	for i := 0; i < len(s); {
		c := s[i]
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if max > 0 && n == max {
			w.b.WriteString(s[start:i])
			w.b.WriteString("…")
			return
		}
		n++
		var rep string
		switch {
		case ' ' <= r && r < 0x7f: // printable ASCII: the usual case
			if rep = esc.ascii[c]; rep == "" {
				i++
				continue
			}
		case r == '\n' || r == '\u2028' || r == '\u2029':
			rep = newline
		case r == '\t':
			rep = " "
		case r < ' ' || 0x7f <= r && r < 0xa0: // other controls, \r included: dropped
		case r == utf8.RuneError && size == 1: // invalid UTF-8
			rep = "\ufffd"
		case '\u202a' <= r && r <= '\u202e' || '\u2066' <= r && r <= '\u2069': // bidi overrides: dropped
		default:
			if rep = esc.other.of(r); rep == "" {
				i += size
				continue
			}
		}
		w.b.WriteString(s[start:i])
		w.b.WriteString(rep)
		i += size
		start = i
	}
	w.b.WriteString(s[start:])
}

// Linkable reports whether u may be shown as the incident's link: an
// absolute http(s) URL of printable ASCII without the characters that
// would end a Slack link (<, >, |), quotes, backslashes or user info (@).
func Linkable(u string) bool {
	var rest string
	switch {
	case len(u) > 8 && strings.EqualFold(u[:8], "https://"):
		rest = u[8:]
	case len(u) > 7 && strings.EqualFold(u[:7], "http://"):
		rest = u[7:]
	default:
		return false
	}
	if len(u) > 2048 || !isAlnum(rest[0]) {
		return false
	}
	for i := 0; i < len(u); i++ {
		switch c := u[i]; {
		case c <= ' ' || c >= 0x7f:
			return false
		case c == '<' || c == '>' || c == '|' || c == '"' || c == '\\' || c == '`' || c == '@':
			return false
		}
	}
	return true
}

// linkURL is a linkable URL as a message writes it: its brackets and
// parentheses percent-encoded (%5B %5D %28 %29), which servers read the
// same, so that no chat's markup around a link (Chatwork's [tags],
// Teams' [label](url)) can end early or start inside it.
func linkURL(u string) string { return urlBrackets.Replace(u) }

var urlBrackets = strings.NewReplacer("[", "%5B", "]", "%5D", "(", "%28", ")", "%29")

// units is the length of s in UTF-16 code units: its length for Slack and
// Typetalk, and never less than its number of characters.
func units(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xffff {
			n++
		}
	}
	return n
}

// fit returns s if it is within the chat's limit. Otherwise it cuts s[:foot] (the
// headline, facts and details) so that, followed by "…" and the footer
// s[foot:], it is; and when even the footer alone is too long, it cuts the
// whole message.
func fit(s string, foot int, d dialect) string {
	limit := d.limit()
	// A UTF-8 string has at least as many bytes as UTF-16 code units.
	if len(s) <= limit || units(s) <= limit {
		return s
	}
	const ellipsis = "…"
	head, tail := s[:foot], s[foot:]
	keep := limit - units(tail) - 1
	if keep < 0 {
		head, tail, keep = s, "", limit-1
	}
	head = cut(head, keep, d)
	var b strings.Builder
	b.Grow(len(head) + len(ellipsis) + len(tail))
	b.WriteString(head)
	b.WriteString(ellipsis)
	b.WriteString(tail)
	return b.String()
}

// cut returns the longest prefix of s of at most n UTF-16 code units that
// ends on a character boundary and leaves no construct of d half written
// (d.trimCut). Trailing spaces and line breaks go too.
func cut(s string, n int, d dialect) string {
	u := 0
	for i, r := range s {
		ru := 1
		if r > 0xffff {
			ru = 2
		}
		if u+ru > n {
			s = s[:i]
			break
		}
		u += ru
	}
	return strings.TrimRight(d.trimCut(s), " \t\n")
}
