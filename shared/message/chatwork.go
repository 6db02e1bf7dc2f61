package message

import (
	"strings"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// chatwork is Chatwork's message notation
// (https://developer.chatwork.com/docs/message-notation): plain text in
// which [To:ID], [toall], [info], [title], [code], [qt], [rp …] and the
// like are tags. A zero-width space follows every '[' of outside text, so
// that PagerDuty's text shows as written and never makes a tag (a title
// cannot [toall] the room, nor close the poster's [info] box). No bold or
// italics; links are URLs, which Chatwork links itself. The poster puts
// the message in an [info][title]…[/title]…[/info] box with its mentions
// first (package chat/chatwork).
type chatwork struct{}

// chatworkLimit is the longest message pd2chat posts to Chatwork, in
// characters: its API refuses bodies of some tens of thousands of bytes
// (undocumented), and an alert is read at a glance.
const chatworkLimit = 10000

var chatworkEscapes = escapes{
	ascii: [0x80]string{'[': "[" + zwsp},
	other: escapeList{{'［', "［" + zwsp}},
}

func (chatwork) name() string                   { return "chatwork" }
func (chatwork) limit() int                     { return chatworkLimit }
func (chatwork) escapes() *escapes              { return &chatworkEscapes }
func (chatwork) bold() (open, close string)     { return "", "" }
func (chatwork) italic() (open, close string)   { return "", "" }
func (chatwork) bullet() string                 { return "・" }
func (chatwork) emoji(code, char string) string { return char }
func (chatwork) openLink(*writer, string) bool  { return false }
func (chatwork) closeLink(*writer, string)      {}
func (chatwork) here() string                   { return "[toall]" }

func (chatwork) link(w *writer, url, label string) { plainLink(w, url, label) }

// mention is "[To:1234567]Tanaka": the account ID notifies them, the
// name after it is what the room reads.
func (chatwork) mention(w *writer, m *rotation.Member, name string) {
	if rotation.ValidChatworkAccount(m.Chatwork) {
		w.raw("[To:")
		w.raw(m.Chatwork)
		w.raw("]")
	}
	w.text(name, nameMax)
}

func (chatwork) channel(w *writer, id string) {
	w.say("channel.chatwork", "ID", w.esc(id, nameMax))
}

// trimCut drops a tag of ours cut short ("[To:12" or "[toa") and a '['
// whose zero-width space was cut off.
func (chatwork) trimCut(s string) string {
	if i := strings.LastIndexByte(s, '['); i >= 0 && !strings.Contains(s[i:], "]") && !strings.HasPrefix(s[i+1:], zwsp) {
		s = s[:i]
	}
	return s
}

func (chatwork) card() bool { return false }
