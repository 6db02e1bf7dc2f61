// Package fakechatwork is a Chatwork API v2 server for tests: POST
// /v2/rooms/{room_id}/messages (form field body, header X-ChatWorkToken)
// records the message and answers {"message_id": "…"}; GET
// /v2/rooms/{room_id} answers the room. Rooms must be created with Room;
// another room is 404, a wrong token 401 ({"errors": ["Invalid API token"]}),
// as Chatwork answers. Fail injects answers.
package fakechatwork

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
	Room       string
	Body       string
	SelfUnread string
}

// Server is the fake.
type Server struct {
	*httptest.Server
	faults.Script // Fail: the next requests' answers
	Token         string

	mu    sync.Mutex
	rooms map[string]bool
	posts []Message
}

// New starts a fake that takes token; it stops when the test ends.
func New(tb interface{ Cleanup(func()) }, token string) *Server {
	s := &Server{Token: token, rooms: map[string]bool{}}
	s.Server = httptest.NewServer(s)
	tb.Cleanup(s.Close)
	return s
}

// APIURL is the API base to configure (CHATWORK_API_URL), with /v2.
func (s *Server) APIURL() string { return s.URL + "/v2" }

// Room makes room id exist.
func (s *Server) Room(id string) {
	s.mu.Lock()
	s.rooms[id] = true
	s.mu.Unlock()
}

// Status is a failure answering code, with headers h (name, value…).
func Status(code int, h ...string) func(w http.ResponseWriter) bool {
	return faults.Status(code, `{"errors":["fake failure"]}`, h...)
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
	if r.Header.Get("X-ChatWorkToken") != s.Token {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"errors":["Invalid API token"]}`))
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/v2/rooms/")
	room, tail, _ := strings.Cut(rest, "/")
	s.mu.Lock()
	known := s.rooms[room]
	s.mu.Unlock()
	switch {
	case !ok || !known:
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte(`{"errors":["Resource not found"]}`))
	case r.Method == http.MethodGet && tail == "":
		_ = json.NewEncoder(w).Encode(map[string]any{"room_id": room, "name": "alerts", "role": "member"})
	case r.Method == http.MethodPost && tail == "messages":
		_ = r.ParseForm()
		body := r.PostForm.Get("body")
		if body == "" {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`{"errors":["Parameter body is empty"]}`))
			return
		}
		s.mu.Lock()
		s.posts = append(s.posts, Message{Room: room, Body: body, SelfUnread: r.PostForm.Get("self_unread")})
		n := len(s.posts)
		s.mu.Unlock()
		_ = json.NewEncoder(w).Encode(map[string]string{"message_id": strconv.Itoa(1000 + n)})
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}
