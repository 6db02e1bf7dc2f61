package message

import (
	"strings"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// slack is Slack mrkdwn: &, < and > are escaped, so outside text can never
// produce <!channel>, <@U…> or a link; *bold*, _italic_, <url|label>,
// <@U…> mentions and <#C…> channel links.
type slack struct{}

// slackLimit: Slack advises keeping text under 4,000 characters.
const slackLimit = 3900

var slackEscapes = escapes{ascii: [0x80]string{
	'&': "&amp;",
	'<': "&lt;",
	'>': "&gt;",
}}

func (slack) name() string                   { return "slack" }
func (slack) limit() int                     { return slackLimit }
func (slack) escapes() *escapes              { return &slackEscapes }
func (slack) bold() (open, close string)     { return "*", "*" }
func (slack) italic() (open, close string)   { return "_", "_" }
func (slack) bullet() string                 { return "• " }
func (slack) emoji(code, char string) string { return code }

func (slack) openLink(w *writer, url string) bool {
	w.b.WriteByte('<')
	w.text(linkURL(url), 0) // validated; escapes & as &amp;
	w.b.WriteByte('|')
	return true
}

func (slack) closeLink(w *writer, _ string) { w.b.WriteByte('>') }

func (slack) link(w *writer, url, label string) {
	w.b.WriteByte('<')
	w.text(linkURL(url), 0) // validated; escapes & as &amp;
	if label != "" {
		w.b.WriteByte('|')
		w.text(label, fieldMax)
	}
	w.b.WriteByte('>')
}

func (slack) mention(w *writer, m *rotation.Member, name string) {
	if rotation.ValidSlackUserID(m.Slack) {
		w.raw("<@")
		w.raw(m.Slack)
		w.b.WriteByte('>')
		return
	}
	w.text(name, nameMax)
}

func (slack) here() string { return "<!here>" }

// channel is a channel link in a Slack message when id is a conversation
// ID, otherwise in words.
func (slack) channel(w *writer, id string) {
	if _, in := w.chat.(slack); in && channelID(id) {
		w.raw("<#")
		w.raw(id)
		w.b.WriteByte('>')
		return
	}
	w.say("channel.slack", "ID", w.esc(id, nameMax))
}

// trimCut drops an "&amp;" or a "<…>" cut short.
func (slack) trimCut(s string) string {
	if i := strings.LastIndexByte(s, '&'); i >= 0 && strings.IndexByte(s[i:], ';') < 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '<'); i >= 0 && strings.IndexByte(s[i:], '>') < 0 {
		s = s[:i]
	}
	return s
}

// channelID reports whether id looks like a Slack conversation ID
// (C0123ABCD, G…): upper-case letters and digits, so "<#id>" is a channel
// link and nothing else.
func channelID(id string) bool {
	if len(id) < 2 || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func (slack) card() bool { return false }
