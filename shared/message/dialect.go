package message

import "github.com/pd2chat/pd2chat/shared/rotation"

// dialect is how one chat writes what a message says. The content (Render,
// RenderReminder, …) is written once against it; a new chat is one file
// implementing it, plus its entry in chats and its poster.
//
// Methods that write take the writer, so that they escape outside text with
// w.text like the content does.
type dialect interface {
	// name is the Dialect's String: "slack".
	name() string
	// limit is the longest message the chat takes, in UTF-16 code units.
	limit() int
	// escapes says how outside text is made inert in this chat.
	escapes() *escapes
	// bold and italic are the marks around a bold or an italic span; ""
	// when the chat has no such markup.
	bold() (open, close string)
	italic() (open, close string)
	// bullet starts a list item: "• ", "- ".
	bullet() string
	// emoji is what the chat shows for an emoji, given its Slack short code
	// and its Unicode character; "" for none.
	emoji(code, char string) string
	// openLink starts a link to url (linkable) labelled by what the caller
	// writes next, up to closeLink(w, url), and reports whether it did:
	// false when the chat has no labelled links, and the caller shows the
	// URL itself.
	openLink(w *writer, url string) bool
	closeLink(w *writer, url string)
	// link writes a link to url (linkable), labelled by the outside text
	// label when it is not empty.
	link(w *writer, url, label string)
	// mention writes one person: their handle in this chat, or else name
	// (never empty), inert.
	mention(w *writer, m *rotation.Member, name string)
	// card reports whether the chat's poster shows an alert's facts and
	// its incident's link in a card of its own (Facts), so that the text
	// leaves them out.
	card() bool
	// here is the chat's mention of everyone in the channel ("<!here>" on
	// Slack); "" for a chat without one.
	here() string
	// channel names one of this chat's destinations, id, in a message that
	// w writes, perhaps in another chat.
	channel(w *writer, id string)
	// trimCut drops the end of a message cut short (s) that would leave a
	// construct of this chat half written, or a sign made inert without
	// what makes it inert.
	trimCut(s string) string
}

// chats are the dialects by their Dialect.
var chats = [...]dialect{
	Console:    console{},
	Slack:      slack{},
	Typetalk:   typetalk{},
	Chatwork:   chatwork{},
	GoogleChat: googleChat{},
	Teams:      teams{},
}

// chat is the dialect that d names; the console for an unknown Dialect.
func (d Dialect) chat() dialect {
	if c := d.Chat(); int(c) < len(chats) {
		return chats[c]
	}
	return console{}
}

// writer is a new writer of a message in d.
func (d Dialect) writer() writer { return writer{chat: d.chat(), lang: d.Language()} }

// escapes is how a chat makes outside text inert, beyond what every chat
// gets (see inert): the replacement of each character that means something
// to it.
type escapes struct {
	ascii [0x80]string // by printable ASCII character; "": kept as is
	other escapeList   // other characters
}

// escape is the replacement of one character.
type escape struct {
	r   rune
	rep string
}

// noEscapes is for a chat where no printable character means anything.
var noEscapes escapes

// plainLink is a link in a chat without markup: "label — url", or the URL
// alone. The URL is written as is: linkable, it has no @, and a # must stay
// as is to keep the link.
func plainLink(w *writer, url, label string) {
	if label != "" {
		w.text(label, fieldMax)
		w.raw(" — ")
	}
	w.raw(linkURL(url))
}

// escapeList is the replacements of some characters.
type escapeList []escape

// of is r's replacement; "": none.
func (l escapeList) of(r rune) string {
	for _, e := range l {
		if e.r == r {
			return e.rep
		}
	}
	return ""
}
