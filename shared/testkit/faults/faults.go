// Package faults scripts the failures of a fake chat server: the next
// requests are answered by the given answers in turn, then the fake
// answers itself again. The fakes of webhook chats (faketeams,
// fakegooglechat, fakechatwork) embed a Script.
package faults

import (
	"net/http"
	"sync"
)

// Script is a queue of answers, each answering one request in the fake's
// place and reporting whether it did (false: the fake answers). The zero
// Script answers nothing; it is safe for concurrent use.
type Script struct {
	mu   sync.Mutex
	next []func(w http.ResponseWriter) bool
}

// Fail answers the next requests with as in turn.
func (s *Script) Fail(as ...func(w http.ResponseWriter) bool) {
	s.mu.Lock()
	s.next = append(s.next, as...)
	s.mu.Unlock()
}

// Answered takes the next scripted answer, if any, and runs it: true when
// it answered w.
func (s *Script) Answered(w http.ResponseWriter) bool {
	s.mu.Lock()
	var a func(w http.ResponseWriter) bool
	if len(s.next) > 0 {
		a, s.next = s.next[0], s.next[1:]
	}
	s.mu.Unlock()
	return a != nil && a(w)
}

// Status is an answer with status code, JSON body and headers h (name,
// value…).
func Status(code int, body string, h ...string) func(w http.ResponseWriter) bool {
	return func(w http.ResponseWriter) bool {
		for i := 0; i+1 < len(h); i += 2 {
			w.Header().Set(h[i], h[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(body))
		return true
	}
}
