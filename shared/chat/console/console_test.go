package console_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/console"
)

func TestPost(t *testing.T) {
	tests := []struct {
		name  string
		label string
		msgs  []chat.Message
		want  string
	}{
		{
			name:  "one message",
			label: "alerts",
			msgs:  []chat.Message{{Text: "[#42] Triggered: DB down\n<@U111> <@U222>"}},
			want:  "--- alerts ---\n[#42] Triggered: DB down\n<@U111> <@U222>\n\n",
		},
		{
			name:  "two messages, trailing newline not doubled, thread ignored",
			label: "reminders",
			msgs:  []chat.Message{{Text: "first\n"}, {Text: "second", ThreadTS: "1.2"}},
			want:  "--- reminders ---\nfirst\n\n--- reminders ---\nsecond\n\n",
		},
		{
			name: "default label",
			msgs: []chat.Message{{Text: "x"}},
			want: "--- console ---\nx\n\n",
		},
		{
			name:  "empty text",
			label: "alerts",
			msgs:  []chat.Message{{}},
			want:  "--- alerts ---\n\n\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			p := console.New(&buf, tt.label)
			for _, m := range tt.msgs {
				if err := p.Post(t.Context(), m); err != nil {
					t.Fatalf("Post: %v", err)
				}
			}
			if got := buf.String(); got != tt.want {
				t.Errorf("wrote %q, want %q", got, tt.want)
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("broken pipe") }

func TestPostErrors(t *testing.T) {
	err := console.New(failingWriter{}, "alerts").Post(t.Context(), chat.Message{Text: "x"})
	if err == nil || err.Error() != "console: write to alerts: broken pipe" {
		t.Errorf("err = %v", err)
	}
	if temp, _ := chat.IsTemporary(err); temp {
		t.Error("a write error is temporary")
	}

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var buf bytes.Buffer
	err = console.New(&buf, "alerts").Post(ctx, chat.Message{Text: "x"})
	if temp, _ := chat.IsTemporary(err); !temp || !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want temporary context.Canceled", err)
	}
	if buf.Len() != 0 {
		t.Errorf("wrote %q after the context ended", buf.String())
	}
}

// chunkyWriter writes each call in two halves, so an unlocked Post would
// interleave blocks. It is not itself safe for concurrent use: the race
// detector also catches a missing lock.
type chunkyWriter struct{ buf bytes.Buffer }

func (w *chunkyWriter) Write(p []byte) (int, error) {
	h := len(p) / 2
	w.buf.Write(p[:h])
	w.buf.Write(p[h:])
	return len(p), nil
}

func TestPostConcurrent(t *testing.T) {
	var w chunkyWriter
	p := console.New(&w, "alerts")
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := p.Post(t.Context(), chat.Message{Text: fmt.Sprintf("message %02d\nline two", i)}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()

	blocks := strings.Split(strings.TrimSuffix(w.buf.String(), "\n\n"), "\n\n")
	if len(blocks) != n {
		t.Fatalf("got %d blocks, want %d:\n%s", len(blocks), n, w.buf.String())
	}
	seen := map[string]bool{}
	for _, b := range blocks {
		var i int
		if _, err := fmt.Sscanf(b, "--- alerts ---\nmessage %02d\nline two", &i); err != nil || seen[b] {
			t.Errorf("garbled or repeated block %q", b)
		}
		seen[b] = true
	}
}

func TestString(t *testing.T) {
	if got := console.New(&bytes.Buffer{}, "alerts").String(); got != "console" {
		t.Errorf("String() = %q", got)
	}
}

// Posters made with As share one lock: concurrent blocks to one writer
// never interleave (go test -race sees the writer used from one at a time).
func TestAsSharesTheLock(t *testing.T) {
	var buf strings.Builder
	base := console.New(&buf, "")
	var wg sync.WaitGroup
	for i := range 8 {
		p := base.As(fmt.Sprint("d", i))
		wg.Go(func() {
			for range 20 {
				if err := p.Post(t.Context(), chat.Message{Text: "line"}); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if n := strings.Count(buf.String(), "--- d"); n != 160 {
		t.Errorf("%d blocks, want 160", n)
	}
}
