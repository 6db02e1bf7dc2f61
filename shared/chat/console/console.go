// Package console "posts" messages by writing them to an io.Writer
// (standard output in main), so pd2chat runs on a laptop with no chat
// configured. Each message is one block: a header line naming the
// destination, the text, and a blank line.
package console

import (
	"context"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/pd2chat/pd2chat/shared/chat"
)

// Poster writes messages to w. It is safe for concurrent use: blocks from
// concurrent posts never interleave, nor do those of the posters made from
// it by As (as long as nothing else writes to w).
type Poster struct {
	mu    *sync.Mutex // shared with the posters of As
	w     io.Writer
	label string
}

var _ chat.Poster = (*Poster)(nil)

// New returns a Poster writing to w. label names the destination in each
// block's header ("alerts", "reminders"); empty means "console".
func New(w io.Writer, label string) *Poster {
	if label == "" {
		label = "console"
	}
	return &Poster{mu: new(sync.Mutex), w: w, label: label}
}

// As is a Poster to the same writer under another label, whose blocks
// never interleave with p's: one per destination printed to one terminal.
func (p *Poster) As(label string) *Poster {
	if label == "" {
		label = "console"
	}
	return &Poster{mu: p.mu, w: p.w, label: label}
}

// String names the destination for logs: "console".
func (p *Poster) String() string { return "console" }

// Post writes one block (m.ThreadTS is ignored):
//
//	--- alerts ---
//	text…
//	(blank line)
//
// A write error is final: writing again would not help.
func (p *Poster) Post(ctx context.Context, m chat.Message) error {
	if err := ctx.Err(); err != nil {
		return chat.Temporary(fmt.Errorf("console: write to %s: %w", p.label, err), 0)
	}
	var b strings.Builder
	b.WriteString("--- ")
	b.WriteString(p.label)
	b.WriteString(" ---\n")
	b.WriteString(strings.TrimRight(m.Text, "\n"))
	b.WriteString("\n\n")

	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.w, b.String()); err != nil {
		return fmt.Errorf("console: write to %s: %w", p.label, err)
	}
	return nil
}
