package message

import (
	"strings"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// teams is the text of a Microsoft Teams Adaptive Card's TextBlocks
// (https://learn.microsoft.com/en-us/adaptive-cards/authoring-cards/text-features):
// **bold**, _italic_, [label](url) links, "- " lists, and mentions as
// <at id="UPN">Name</at>, which the poster (package chat/teams) turns into
// <at>Name</at> and the card's msteams.entities. Outside text cannot make
// a link or a mention: '[' and ']' become their full-width forms and a
// zero-width space follows every '<'. The facts and the incident's link
// are the card's (Facts), not the text's.
type teams struct{}

// teamsLimit is the longest text pd2chat puts in a Teams card, in
// characters: a card's whole payload must stay under about 28 KB, and a
// Japanese character takes three bytes.
const teamsLimit = 6000

var teamsEscapes = escapes{
	ascii: [0x80]string{'[': "［", ']': "］", '<': "<" + zwsp},
	other: escapeList{{'＜', "＜" + zwsp}},
}

func (teams) name() string                   { return "teams" }
func (teams) limit() int                     { return teamsLimit }
func (teams) escapes() *escapes              { return &teamsEscapes }
func (teams) bold() (open, close string)     { return "**", "**" }
func (teams) italic() (open, close string)   { return "_", "_" }
func (teams) bullet() string                 { return "- " }
func (teams) emoji(code, char string) string { return char }
func (teams) here() string                   { return "" } // a Workflows card cannot mention a channel
func (teams) card() bool                     { return true }

func (teams) openLink(w *writer, url string) bool {
	w.b.WriteByte('[')
	return true
}

func (teams) closeLink(w *writer, url string) {
	w.raw("](")
	w.raw(linkURL(url)) // linkable, and without brackets or parentheses: it cannot end the link early
	w.b.WriteByte(')')
}

func (teams) link(w *writer, url, label string) {
	if label == "" {
		w.raw(linkURL(url))
		return
	}
	w.b.WriteByte('[')
	w.text(label, fieldMax)
	w.raw("](")
	w.raw(linkURL(url))
	w.b.WriteByte(')')
}

// mention is <at id="UPN">Name</at> for a member with a Teams user (or an
// email), else the name.
func (teams) mention(w *writer, m *rotation.Member, name string) {
	if id := m.TeamsID(); rotation.ValidTeamsUser(id) {
		w.raw(`<at id="`)
		w.raw(id)
		w.raw(`">`)
		// The poster reads the name up to the next '<': the name's own
		// angle brackets and quotes become their full-width forms.
		w.text(strings.NewReplacer("<", "＜", ">", "＞", `"`, "＂").Replace(name), nameMax)
		w.raw("</at>")
		return
	}
	w.text(name, nameMax)
}

func (teams) channel(w *writer, id string) {
	w.say("channel.teams", "ID", w.esc(id, nameMax))
}

// trimCut drops a link or a mention of ours cut short.
func (teams) trimCut(s string) string {
	if i := strings.LastIndex(s, "<at "); i >= 0 && !strings.Contains(s[i:], "</at>") {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '['); i >= 0 && !strings.Contains(s[i:], ")") {
		s = s[:i]
	}
	return s
}
