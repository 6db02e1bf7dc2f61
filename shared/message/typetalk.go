package message

import (
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// typetalk is Typetalk plain text with @mentions and #hashtags: a zero-width
// space follows every @ and # of outside text (and their full-width and
// small forms ＠ ＃ ﹫ ﹟), so that it is shown but never mentions or tags.
// No markup; links are URLs on their own.
type typetalk struct{}

// typetalkLimit: Typetalk refuses longer posts.
const typetalkLimit = 4000

// zwsp (ZERO WIDTH SPACE) follows every @ and # of PagerDuty text on
// Typetalk, so that it is never read as a mention or a hashtag.
const zwsp = "\u200b"

var typetalkEscapes = escapes{
	ascii: [0x80]string{
		'@': "@" + zwsp,
		'#': "#" + zwsp,
	},
	other: escapeList{
		{'＠', "＠" + zwsp},
		{'＃', "＃" + zwsp},
		{'﹫', "﹫" + zwsp},
		{'﹟', "﹟" + zwsp},
	},
}

func (typetalk) name() string                   { return "typetalk" }
func (typetalk) limit() int                     { return typetalkLimit }
func (typetalk) escapes() *escapes              { return &typetalkEscapes }
func (typetalk) bold() (open, close string)     { return "", "" }
func (typetalk) italic() (open, close string)   { return "", "" }
func (typetalk) bullet() string                 { return "- " }
func (typetalk) emoji(code, char string) string { return char }

func (typetalk) openLink(*writer, string) bool { return false }
func (typetalk) closeLink(*writer, string)     {}

func (typetalk) link(w *writer, url, label string) { plainLink(w, url, label) }

func (typetalk) mention(w *writer, m *rotation.Member, name string) {
	if rotation.ValidTypetalkAccount(m.Typetalk) {
		w.raw("@")
		w.raw(m.Typetalk)
		return
	}
	w.text(name, nameMax)
}

// here: Typetalk has no mention of everyone in a topic.
func (typetalk) here() string { return "" }

func (typetalk) channel(w *writer, id string) {
	w.say("channel.typetalk", "ID", w.esc(id, nameMax))
}

// trimCut drops an "@account" or "#tag" of ours cut short into another
// one, and an @ or # whose zero-width space was cut off.
func (typetalk) trimCut(s string) string {
	// A run of handle characters (those of rotation.ValidTypetalkAccount)
	// at the end, right after a bare @ or #, is one of our mentions or the
	// tag, cut short: drop it.
	j := len(s)
	for j > 0 && (isAlnum(s[j-1]) || s[j-1] == '-' || s[j-1] == '_' || s[j-1] == '.') {
		j--
	}
	if j > 0 && (s[j-1] == '@' || s[j-1] == '#') {
		s = s[:j-1]
	}
	// A neutralised sign whose zero-width space was cut off.
	for {
		r, size := utf8.DecodeLastRuneInString(s)
		if r != '@' && r != '#' && r != '＠' && r != '＃' && r != '﹫' && r != '﹟' {
			break
		}
		s = s[:len(s)-size]
	}
	return s
}

func (typetalk) card() bool { return false }
