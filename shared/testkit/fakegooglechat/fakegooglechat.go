// Package fakegooglechat is a Google Chat incoming-webhook server for
// tests: POST /v1/spaces/{space}/messages?key=…&token=… with a JSON body
// {"text", "thread": {"threadKey"}} records the message and answers it
// back with its space, thread and name, as Chat does. A wrong key or
// token is 401; a thread key with messageReplyOption
// REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD replies in that key's thread
// (started by its first message). Fail injects answers.
package fakegooglechat

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"

	"github.com/pd2chat/pd2chat/shared/testkit/faults"
)

// Message is one posted message.
type Message struct {
	Space, Text, ThreadKey, ReplyOption string
	Thread                              string // the thread it landed in: "spaces/X/threads/N"
	MessageID                           string // the client-assigned ID (?messageId=), if any
}

// Server is the fake.
type Server struct {
	*httptest.Server
	faults.Script // Fail: the next requests' answers
	Key, Token    string

	mu      sync.Mutex
	posts   []Message
	threads map[string]string // space + key → thread name
	ids     map[string]bool   // space + client message ID
}

// New starts a fake; it stops when the test ends.
func New(tb interface{ Cleanup(func()) }) *Server {
	s := &Server{Key: "fake-key", Token: "fake-token", threads: map[string]string{}, ids: map[string]bool{}}
	s.Server = httptest.NewServer(s)
	tb.Cleanup(s.Close)
	return s
}

// WebhookURL is the incoming webhook of space.
func (s *Server) WebhookURL(space string) string {
	return s.URL + "/v1/spaces/" + space + "/messages?key=" + s.Key + "&token=" + s.Token
}

// Status is a failure answering code, with headers h (name, value…).
func Status(code int, h ...string) func(w http.ResponseWriter) bool {
	return faults.Status(code, `{"error":{"code":`+strconv.Itoa(code)+`,"message":"fake failure"}}`, h...)
}

// Posts is every message posted, in order.
func (s *Server) Posts() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.posts...)
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.Answered(w) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	q := r.URL.Query()
	rest, ok := strings.CutPrefix(r.URL.Path, "/v1/spaces/")
	space, tail, _ := strings.Cut(rest, "/")
	switch {
	case q.Get("key") != s.Key || q.Get("token") != s.Token:
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":401,"message":"Request had invalid authentication credentials."}}`))
		return
	case r.Method != http.MethodPost || !ok || tail != "messages":
		w.WriteHeader(http.StatusNotFound)
		return
	}
	var b struct {
		Text   string `json:"text"`
		Thread *struct {
			ThreadKey string `json:"threadKey"`
		} `json:"thread"`
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.Text == "" {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"code":400,"message":"Invalid JSON payload"}}`))
		return
	}
	m := Message{Space: space, Text: b.Text, ReplyOption: q.Get("messageReplyOption"), MessageID: q.Get("messageId")}
	s.mu.Lock()
	if m.MessageID != "" {
		if s.ids[space+"/"+m.MessageID] {
			s.mu.Unlock()
			w.WriteHeader(http.StatusConflict)
			_, _ = w.Write([]byte(`{"error":{"code":409,"message":"Message with this ID already exists.","status":"ALREADY_EXISTS"}}`))
			return
		}
		s.ids[space+"/"+m.MessageID] = true
	}
	n := len(s.posts) + 1
	m.Thread = "spaces/" + space + "/threads/t" + strconv.Itoa(n)
	if b.Thread != nil && b.Thread.ThreadKey != "" {
		m.ThreadKey = b.Thread.ThreadKey
		if t, ok := s.threads[space+"/"+m.ThreadKey]; ok && m.ReplyOption != "" {
			m.Thread = t
		} else {
			s.threads[space+"/"+m.ThreadKey] = m.Thread
		}
	}
	s.posts = append(s.posts, m)
	s.mu.Unlock()
	_ = json.NewEncoder(w).Encode(map[string]any{
		"name": "spaces/" + space + "/messages/m" + strconv.Itoa(n), "text": m.Text, "thread": map[string]string{"name": m.Thread},
	})
}
