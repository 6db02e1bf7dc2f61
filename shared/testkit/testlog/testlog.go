// Package testlog holds what the tests use to read logs while they are
// written: a Buffer safe for concurrent use.
package testlog

import (
	"bytes"
	"sync"
)

// Buffer is a bytes.Buffer that a logger (or a child process) may write
// while a test reads it. The zero value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is what was written so far.
func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
