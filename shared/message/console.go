package message

import "github.com/pd2chat/pd2chat/shared/rotation"

// console is plain text for a terminal or a log: no markup, no emoji, no
// mentions ("@Name" says who is on call), links are URLs on their own.
type console struct{}

// consoleLimit keeps a log line bounded.
const consoleLimit = 10000

func (console) name() string                 { return "console" }
func (console) limit() int                   { return consoleLimit }
func (console) escapes() *escapes            { return &noEscapes }
func (console) bold() (open, close string)   { return "", "" }
func (console) italic() (open, close string) { return "", "" }
func (console) bullet() string               { return "- " }
func (console) emoji(string, string) string  { return "" }

func (console) openLink(*writer, string) bool { return false }
func (console) closeLink(*writer, string)     {}

func (console) link(w *writer, url, label string) { plainLink(w, url, label) }

func (console) mention(w *writer, _ *rotation.Member, name string) {
	w.b.WriteByte('@')
	w.text(name, nameMax)
}

func (console) here() string { return "@here" }

func (console) channel(w *writer, _ string) { w.raw(w.lang.T("channel.console")) }

func (console) trimCut(s string) string { return s }

func (console) card() bool { return false }
