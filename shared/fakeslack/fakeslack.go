// Package fakeslack is a fake Slack Web API for the tests, in the spirit of
// goalert's devtools/mockslack: the real slack-go client talks to it over
// HTTP. It speaks chat.postMessage (with message metadata), chat.update,
// conversations.history and conversations.replies (include_all_metadata),
// records what it received, and injects faults.
package fakeslack

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
)

// Post is one message the fake received.
type Post struct {
	Channel  string
	Text     string
	ThreadTS string // "" for a top-level message
	TS       string
	Key      string // the pd2chat_event metadata's key
}

// Server is the fake. Its zero value is not usable: call New.
type Server struct {
	*httptest.Server

	// Before, when set, sees each request first and may answer it instead
	// (returning true): an outage, a rate limit, a hang.
	Before func(w http.ResponseWriter, r *http.Request) bool
	// AfterPost, when set, sees each chat.postMessage after it was
	// recorded and may answer instead: the answer lost after the post.
	AfterPost func(w http.ResponseWriter, r *http.Request) bool

	mu      sync.Mutex
	posts   []Post
	updates []Post
	seq     int
}

// New starts a fake; it stops when the test ends.
func New(tb interface{ Cleanup(func()) }) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(s)
	tb.Cleanup(s.Close)
	return s
}

// APIURL is the base URL to give slack-go (OptionAPIURL).
func (s *Server) APIURL() string { return s.URL + "/api/" }

// ServeHTTP answers the Web API methods above.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	before, after := s.Before, s.AfterPost
	s.mu.Unlock()
	if before != nil && before(w, r) {
		return
	}
	_ = r.ParseForm()
	f := r.PostForm
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/api/chat.postMessage":
		s.mu.Lock()
		s.seq++
		p := Post{Channel: f.Get("channel"), Text: f.Get("text"), ThreadTS: f.Get("thread_ts"),
			TS: "1763604900." + strconv.Itoa(100000+s.seq), Key: metadataKey(f.Get("metadata"))}
		s.posts = append(s.posts, p)
		s.mu.Unlock()
		if after != nil && after(w, r) {
			return
		}
		writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS})
	case "/api/chat.update":
		s.mu.Lock()
		s.updates = append(s.updates, Post{Channel: f.Get("channel"), Text: f.Get("text"), TS: f.Get("ts")})
		s.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "channel": f.Get("channel"), "ts": f.Get("ts")})
	case "/api/conversations.history", "/api/conversations.replies":
		q := r.URL.Query()
		get := func(k string) string {
			if v := f.Get(k); v != "" {
				return v
			}
			return q.Get(k)
		}
		replies := r.URL.Path == "/api/conversations.replies"
		var msgs []map[string]any
		for _, p := range s.Posts() {
			if p.Channel != get("channel") || (replies && p.ThreadTS != get("ts") && p.TS != get("ts")) || (!replies && p.ThreadTS != "") {
				continue
			}
			m := map[string]any{"type": "message", "ts": p.TS, "text": p.Text}
			if p.ThreadTS != "" {
				m["thread_ts"] = p.ThreadTS
			}
			if p.Key != "" {
				m["metadata"] = map[string]any{"event_type": "pd2chat_event", "event_payload": map[string]any{"key": p.Key}}
			}
			msgs = append(msgs, m)
		}
		writeJSON(w, map[string]any{"ok": true, "messages": msgs, "has_more": false})
	case "/api/auth.test":
		writeJSON(w, map[string]any{"ok": true, "user_id": "U0BOT", "team": "Acme", "bot_id": "B0BOT"})
	case "/api/conversations.info":
		writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{
			"id": f.Get("channel"), "is_member": true, "is_archived": false,
		}})
	default:
		writeJSON(w, map[string]any{"ok": false, "error": "unknown_method"})
	}
}

func metadataKey(raw string) string {
	var m struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if json.Unmarshal([]byte(raw), &m) != nil || m.EventType != "pd2chat_event" {
		return ""
	}
	k, _ := m.EventPayload["key"].(string)
	return k
}

func writeJSON(w http.ResponseWriter, v any) {
	_ = json.NewEncoder(w).Encode(v)
}

// SetBefore sets Before safely while requests run.
func (s *Server) SetBefore(f func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	s.Before = f
	s.mu.Unlock()
}

// SetAfterPost sets AfterPost safely while requests run.
func (s *Server) SetAfterPost(f func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	s.AfterPost = f
	s.mu.Unlock()
}

// Posts is every message posted, in order.
func (s *Server) Posts() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.posts...)
}

// Texts is the texts of Posts.
func (s *Server) Texts() []string {
	var out []string
	for _, p := range s.Posts() {
		out = append(out, p.Text)
	}
	return out
}

// Updates is every chat.update, in order.
func (s *Server) Updates() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.updates...)
}
