package message

import (
	"strings"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// googleChat is Google Chat's text formatting
// (https://developers.google.com/workspace/chat/format-messages): *bold*,
// _italic_, <users/ID> mentions, <users/all> for everyone, <URL|label>
// links. A zero-width space follows every '<' of outside text, so that a
// title can never mention anyone or make a link. The incident's URL is on
// its own line (Chat links URLs), as on Typetalk: a title with '>' or '|'
// would end a labelled link early.
type googleChat struct{}

// googleChatLimit is Google Chat's limit on a message's text, in
// characters (https://developers.google.com/workspace/chat/api/reference/rest/v1/spaces.messages).
const googleChatLimit = 4096

var googleChatEscapes = escapes{
	ascii: [0x80]string{'<': "<" + zwsp},
	other: escapeList{{'＜', "＜" + zwsp}},
}

func (googleChat) name() string                   { return "googlechat" }
func (googleChat) limit() int                     { return googleChatLimit }
func (googleChat) escapes() *escapes              { return &googleChatEscapes }
func (googleChat) bold() (open, close string)     { return "*", "*" }
func (googleChat) italic() (open, close string)   { return "_", "_" }
func (googleChat) bullet() string                 { return "• " }
func (googleChat) emoji(code, char string) string { return char }
func (googleChat) openLink(*writer, string) bool  { return false }
func (googleChat) closeLink(*writer, string)      {}
func (googleChat) here() string                   { return "<users/all>" }

func (googleChat) link(w *writer, url, label string) { plainLink(w, url, label) }

// mention is <users/123…>: Chat shows the person's name. A member without
// a Google Chat user is named, not mentioned.
func (googleChat) mention(w *writer, m *rotation.Member, name string) {
	if rotation.ValidGoogleChatUser(m.GoogleChat) {
		w.raw("<")
		w.raw(m.GoogleChat)
		w.raw(">")
		return
	}
	w.text(name, nameMax)
}

func (googleChat) channel(w *writer, id string) {
	w.say("channel.googlechat", "ID", w.esc(id, nameMax))
}

// trimCut drops a mention of ours cut short ("<users/12") and a '<' whose
// zero-width space was cut off.
func (googleChat) trimCut(s string) string {
	if i := strings.LastIndexByte(s, '<'); i >= 0 && !strings.Contains(s[i:], ">") && !strings.HasPrefix(s[i+1:], zwsp) {
		s = s[:i]
	}
	return s
}

func (googleChat) card() bool { return false }
