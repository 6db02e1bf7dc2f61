// Package fakepagerduty is a fake of the PagerDuty REST API calls pd2chat
// makes (https://developer.pagerduty.com/api-reference/): PUT /incidents
// (acknowledge, resolve), POST /incidents/{id}/notes and GET
// /incidents/{id}/alerts (the alerts set with SetAlert). It
// records every request with its From and Authorization headers, and a
// test may answer instead (Fail) to inject a rate limit or an outage.
package fakepagerduty

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
)

// Call is one request the fake received.
type Call struct {
	Method, Path string
	From, Auth   string // the From and Authorization headers
	Status, Note string // PUT /incidents: the status set; POST …/notes: the note's content
	IncidentIDs  []string
	Body         map[string]any
}

// Server is the fake; New starts it.
type Server struct {
	*httptest.Server
	mu     sync.Mutex
	calls  []Call
	fail   func(w http.ResponseWriter, r *http.Request) bool
	alerts map[string]map[string]any // incident ID → its first alert's body
}

// SetAlert makes body (an alert's body: details, contexts…) the first
// alert of incident id.
func (s *Server) SetAlert(id string, body map[string]any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.alerts == nil {
		s.alerts = map[string]map[string]any{}
	}
	s.alerts[id] = body
}

// New starts a fake closed at the end of the test.
func New(tb interface{ Cleanup(func()) }) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	tb.Cleanup(s.Close)
	return s
}

// Fail, when f is not nil, sees each request after it is recorded and may
// answer it instead (returning true).
func (s *Server) Fail(f func(w http.ResponseWriter, r *http.Request) bool) {
	s.mu.Lock()
	s.fail = f
	s.mu.Unlock()
}

// Error answers with status and PagerDuty's error object (JSON).
func Error(w http.ResponseWriter, status int, message string, code int, errs ...string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{"message": message, "code": code, "errors": errs}})
}

// Calls is every request received, in order.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Call(nil), s.calls...)
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	c := Call{Method: r.Method, Path: r.URL.Path, From: r.Header.Get("From"), Auth: r.Header.Get("Authorization")}
	_ = json.Unmarshal(b, &c.Body)
	if note, ok := c.Body["note"].(map[string]any); ok {
		c.Note, _ = note["content"].(string)
	}
	if incs, ok := c.Body["incidents"].([]any); ok {
		for _, i := range incs {
			if m, ok := i.(map[string]any); ok {
				id, _ := m["id"].(string)
				c.IncidentIDs = append(c.IncidentIDs, id)
				c.Status, _ = m["status"].(string)
			}
		}
	}
	s.mu.Lock()
	s.calls = append(s.calls, c)
	fail := s.fail
	alerts := s.alerts
	s.mu.Unlock()
	if fail != nil && fail(w, r) {
		return
	}
	w.Header().Set("Content-Type", "application/json")
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/incidents/") && strings.HasSuffix(r.URL.Path, "/alerts"):
		id := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/incidents/"), "/alerts")
		list := []map[string]any{}
		if body, ok := alerts[id]; ok {
			list = append(list, map[string]any{"id": "PALERT1", "type": "alert", "body": body})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"alerts": list, "limit": 1, "more": false})
	case r.Method == http.MethodPut && r.URL.Path == "/incidents":
		var out []map[string]any
		for _, id := range c.IncidentIDs {
			out = append(out, map[string]any{"id": id, "type": "incident", "status": c.Status})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"incidents": out})
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/incidents/") && strings.HasSuffix(r.URL.Path, "/notes"):
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"note": map[string]any{"id": "PNOTE1", "content": c.Note}})
	default:
		Error(w, http.StatusNotFound, "Not Found", 2100)
	}
}
