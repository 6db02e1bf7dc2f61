// Package fakeslack is a fake Slack Web API for the tests, in the spirit of
// goalert's devtools/mockslack: the real slack-go client talks to it over
// HTTP. It speaks chat.postMessage (with message metadata), chat.update,
// conversations.history and conversations.replies (include_all_metadata),
// users.lookupByEmail, auth.test and conversations.info, records every
// request it received, and injects faults: a sequence of answers per
// method (Answer, with Error, JSON, Status, Hang and Slow), or the Before
// and AfterPost hooks for anything else.
package fakeslack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Post is one message the fake received.
type Post struct {
	Channel  string
	Text     string
	ThreadTS string // "" for a top-level message
	TS       string
	Key      string // the pd2chat_event metadata's key
	Metadata string // the metadata field as sent; conversations.history and .replies hand it back
	Token    string // the token the post came with
	Blocks   string // the blocks field as sent (JSON); "" for a text-only message
	User     string // chat.postEphemeral: who sees it
}

// Request is one Web API call the fake received, answered or not.
type Request struct {
	Method string     // the Web API method: "chat.postMessage"
	Token  string     // the bearer token, or the form's token field
	Form   url.Values // the form and query fields; a JSON body's fields as strings
	JSON   bool       // the body was JSON
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

	mu         sync.Mutex
	posts      []Post
	updates    []Post
	ephemerals []Post
	requests   []Request
	answers    map[string]*answers
	users      func(email string) string
	groups     map[string][]string // user group → member IDs
	topics     map[string]string   // channel → topic
	channels   []Channel           // created by conversations.create
	seq        int
	// inProcess: no socket; Client calls ServeHTTP in process.
	inProcess bool
}

// answers is one method's injected answers and how many were used.
type answers struct {
	hs []http.HandlerFunc
	n  int
}

// New starts a fake; it stops when the test ends.
func New(tb interface{ Cleanup(func()) }) *Server {
	s := &Server{}
	s.Server = httptest.NewServer(s)
	tb.Cleanup(s.Close)
	return s
}

// NewInProcess is a fake no socket reaches: its Client serves each request
// in process (InProcess), and its URL only names it. It is the fake for a
// testing/synctest bubble, where a listener's goroutine, blocked on the
// network, would keep the bubble from ever idling and its clock from
// moving. The poster under test must be given Client().
func NewInProcess() *Server {
	s := &Server{inProcess: true}
	s.Server = &httptest.Server{URL: "http://fakeslack.invalid"}
	return s
}

// Client is an HTTP client that reaches the fake: over the loopback
// listener, or in process for NewInProcess.
func (s *Server) Client() *http.Client {
	if s.inProcess {
		return &http.Client{Transport: InProcess(s)}
	}
	return s.Server.Client()
}

// Close stops the listener; an in-process fake has none.
func (s *Server) Close() {
	if !s.inProcess {
		s.Server.Close()
	}
}

// InProcess is a RoundTripper that answers each request with h in the
// caller's process, without a socket: the request's context ends the
// wait (a Hang, a client timeout) as it would over HTTP.
func InProcess(h http.Handler) http.RoundTripper { return inProcess{h} }

type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.RequestURI = req.URL.RequestURI()
	r.RemoteAddr = "192.0.2.1:4711"
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		t.h.ServeHTTP(rec, r)
	}()
	select {
	case <-done:
	case <-req.Context().Done():
		return nil, context.Cause(req.Context())
	}
	resp := rec.Result()
	resp.Request = req
	return resp, nil
}

// APIURL is the base URL to give slack-go (OptionAPIURL).
func (s *Server) APIURL() string { return s.URL + "/api/" }

// ServeHTTP answers the Web API methods above.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rq := record(r)
	s.mu.Lock()
	s.requests = append(s.requests, rq)
	before := s.Before
	var answer http.HandlerFunc
	if a := s.answers[rq.Method]; a != nil && len(a.hs) > 0 {
		answer = a.hs[min(a.n, len(a.hs)-1)]
		a.n++
	}
	s.mu.Unlock()
	if before != nil && before(w, r) {
		return
	}
	if answer != nil {
		answer(w, r)
		return
	}
	s.serveOwn(w, r)
}

// serveOwn is the fake's own answer, with no fault injected.
func (s *Server) serveOwn(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	after := s.AfterPost
	s.mu.Unlock()
	_ = r.ParseForm()
	f := r.PostForm
	w.Header().Set("Content-Type", "application/json")
	switch r.URL.Path {
	case "/api/chat.postMessage":
		s.mu.Lock()
		s.seq++
		p := Post{Channel: f.Get("channel"), Text: f.Get("text"), ThreadTS: f.Get("thread_ts"),
			TS: "1763604900." + strconv.Itoa(100000+s.seq), Key: metadataKey(f.Get("metadata")),
			Metadata: f.Get("metadata"), Token: token(r), Blocks: f.Get("blocks")}
		s.posts = append(s.posts, p)
		s.mu.Unlock()
		if after != nil && after(w, r) {
			return
		}
		writeJSON(w, map[string]any{"ok": true, "channel": p.Channel, "ts": p.TS})
	case "/api/chat.update":
		s.mu.Lock()
		s.updates = append(s.updates, Post{Channel: f.Get("channel"), Text: f.Get("text"), TS: f.Get("ts"), Blocks: f.Get("blocks")})
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
		thread := get("ts")
		for _, p := range s.Posts() { // like Slack: a reply's ts answers its whole thread
			if replies && p.Channel == get("channel") && p.TS == thread && p.ThreadTS != "" {
				thread = p.ThreadTS
			}
		}
		var msgs []map[string]any
		for _, p := range s.Posts() {
			if p.Channel != get("channel") || (replies && p.ThreadTS != thread && p.TS != thread) || (!replies && p.ThreadTS != "") {
				continue
			}
			m := map[string]any{"type": "message", "ts": p.TS, "text": p.Text}
			if p.Token != "" { // posted through the Web API with a bot token: pd2chat's bot
				m["bot_id"] = "B0BOT"
			}
			if p.ThreadTS != "" {
				m["thread_ts"] = p.ThreadTS
			}
			if p.Metadata != "" && json.Valid([]byte(p.Metadata)) {
				m["metadata"] = json.RawMessage(p.Metadata)
			}
			msgs = append(msgs, m)
		}
		if n, err := strconv.Atoi(get("limit")); err == nil && n > 0 && len(msgs) > n {
			msgs = msgs[:n]
		}
		writeJSON(w, map[string]any{"ok": true, "messages": msgs, "has_more": false})
	case "/api/chat.postEphemeral":
		s.mu.Lock()
		s.ephemerals = append(s.ephemerals, Post{Channel: f.Get("channel"), Text: f.Get("text"), ThreadTS: f.Get("thread_ts"), User: f.Get("user")})
		s.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "message_ts": "1763604999.000001"})
	case "/api/views.open":
		writeJSON(w, map[string]any{"ok": true, "view": map[string]any{"id": "V0NOTE"}})
	case "/api/users.info":
		id := r.Form.Get("user")
		writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": id, "name": strings.ToLower(id),
			"is_bot": strings.HasPrefix(id, "B") || strings.HasPrefix(id, "UBOT"), "profile": map[string]any{"display_name": "user-" + strings.ToLower(id)}}})
	case "/api/auth.test":
		writeJSON(w, map[string]any{"ok": true, "user_id": "U0BOT", "team": "Acme", "bot_id": "B0BOT"})
	case "/api/users.lookupByEmail":
		s.mu.Lock()
		users := s.users
		s.mu.Unlock()
		email := r.Form.Get("email")
		id := ""
		if users != nil {
			id = users(email)
		}
		if id == "" {
			writeJSON(w, map[string]any{"ok": false, "error": "users_not_found"})
			return
		}
		name, _, _ := strings.Cut(email, "@")
		writeJSON(w, map[string]any{"ok": true, "user": map[string]any{"id": id, "name": name, "profile": map[string]any{"email": email}}})
	case "/api/conversations.info":
		ch := r.Form.Get("channel")
		s.mu.Lock()
		topic := s.topics[ch]
		s.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{
			"id": ch, "is_member": true, "is_archived": false, "topic": map[string]any{"value": topic},
		}})
	case "/api/conversations.create":
		name := f.Get("name")
		s.mu.Lock()
		taken := false
		for _, c := range s.channels {
			taken = taken || c.Name == name
		}
		var id string
		if !taken {
			id = "CMAJ" + strconv.Itoa(len(s.channels)+1)
			s.channels = append(s.channels, Channel{ID: id, Name: name, Creator: "U0BOT"})
		}
		s.mu.Unlock()
		if taken {
			writeJSON(w, map[string]any{"ok": false, "error": "name_taken"})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": id, "name": name, "creator": "U0BOT", "is_channel": true}})
	case "/api/conversations.list":
		s.mu.Lock()
		var list []map[string]any
		for _, c := range s.channels {
			list = append(list, map[string]any{"id": c.ID, "name": c.Name, "creator": c.Creator, "is_archived": c.Archived})
		}
		s.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "channels": list, "response_metadata": map[string]string{"next_cursor": ""}})
	case "/api/conversations.invite":
		s.edit(f.Get("channel"), func(c *Channel) { c.Invited = append(c.Invited, strings.Split(f.Get("users"), ",")...) })
		writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": f.Get("channel")}})
	case "/api/bookmarks.add":
		s.edit(f.Get("channel_id"), func(c *Channel) { c.Bookmarks = append(c.Bookmarks, f.Get("title")+" → "+f.Get("link")) })
		writeJSON(w, map[string]any{"ok": true, "bookmark": map[string]any{"id": "Bk1", "title": f.Get("title"), "link": f.Get("link")}})
	case "/api/bookmarks.list":
		var list []map[string]any
		s.mu.Lock()
		for _, c := range s.channels {
			if c.ID == f.Get("channel_id") {
				for _, b := range c.Bookmarks {
					title, link, _ := strings.Cut(b, " → ")
					list = append(list, map[string]any{"id": "Bk1", "channel_id": c.ID, "title": title, "link": link, "type": "link"})
				}
			}
		}
		s.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "bookmarks": list})
	case "/api/pins.add":
		s.edit(f.Get("channel"), func(c *Channel) { c.Pins = append(c.Pins, f.Get("timestamp")) })
		writeJSON(w, map[string]any{"ok": true})
	case "/api/conversations.archive":
		s.edit(f.Get("channel"), func(c *Channel) { c.Archived = true })
		writeJSON(w, map[string]any{"ok": true})
	case "/api/conversations.setTopic":
		ch, topic := f.Get("channel"), f.Get("topic")
		s.mu.Lock()
		if s.topics == nil {
			s.topics = map[string]string{}
		}
		s.topics[ch] = topic
		s.mu.Unlock()
		writeJSON(w, map[string]any{"ok": true, "channel": map[string]any{"id": ch, "topic": map[string]any{"value": topic}}})
	case "/api/usergroups.users.list":
		g := r.Form.Get("usergroup")
		s.mu.Lock()
		users, ok := s.groups[g]
		s.mu.Unlock()
		if !ok {
			writeJSON(w, map[string]any{"ok": false, "error": "no_such_subteam"})
			return
		}
		writeJSON(w, map[string]any{"ok": true, "users": users})
	case "/api/usergroups.users.update":
		g, users := f.Get("usergroup"), strings.Split(f.Get("users"), ",")
		s.mu.Lock()
		_, ok := s.groups[g]
		if ok && f.Get("users") != "" {
			s.groups[g] = users
		}
		s.mu.Unlock()
		switch {
		case !ok:
			writeJSON(w, map[string]any{"ok": false, "error": "no_such_subteam"})
		case f.Get("users") == "":
			writeJSON(w, map[string]any{"ok": false, "error": "invalid_users"})
		default:
			writeJSON(w, map[string]any{"ok": true, "usergroup": map[string]any{"id": g, "users": users}})
		}
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

// Channel is a channel created through conversations.create, with what
// was done to it.
type Channel struct {
	ID, Name, Creator string
	Invited           []string
	Bookmarks         []string // "title → link"
	Pins              []string // message timestamps
	Archived          bool
}

// edit changes created channel id, if any.
func (s *Server) edit(id string, f func(*Channel)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.channels {
		if s.channels[i].ID == id {
			f(&s.channels[i])
		}
	}
}

// Channels are the channels created, in order.
func (s *Server) Channels() []Channel {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Channel(nil), s.channels...)
}

// AddChannel makes a channel exist, as someone else created it.
func (s *Server) AddChannel(id, name, creator string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.channels = append(s.channels, Channel{ID: id, Name: name, Creator: creator})
}

// SetGroup creates user group id with members (usergroups.users.list
// and .update answer for it; other groups are no_such_subteam).
func (s *Server) SetGroup(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.groups == nil {
		s.groups = map[string][]string{}
	}
	s.groups[id] = members
}

// Group is user group id's members now.
func (s *Server) Group(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.groups[id]...)
}

// SetTopic sets channel's topic as people would.
func (s *Server) SetTopic(channel, topic string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.topics == nil {
		s.topics = map[string]string{}
	}
	s.topics[channel] = topic
}

// Topic is channel's topic now.
func (s *Server) Topic(channel string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.topics[channel]
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

// Ephemerals is the chat.postEphemeral calls received, in order.
func (s *Server) Ephemerals() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.ephemerals...)
}

// Updates is every chat.update, in order.
func (s *Server) Updates() []Post {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Post(nil), s.updates...)
}

// record reads what r carries and puts its body back for the handlers.
func record(r *http.Request) Request {
	rq := Request{Method: strings.TrimPrefix(r.URL.Path, "/api/"), Form: url.Values{}}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	for k, vs := range r.URL.Query() {
		rq.Form[k] = append(rq.Form[k], vs...)
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		rq.JSON = true
		var m map[string]any
		_ = json.Unmarshal(body, &m)
		for k, v := range m {
			switch v := v.(type) {
			case string:
				rq.Form.Set(k, v)
			default:
				b, _ := json.Marshal(v)
				rq.Form.Set(k, string(b))
			}
		}
	} else if form, err := url.ParseQuery(string(body)); err == nil {
		for k, vs := range form {
			rq.Form[k] = append(rq.Form[k], vs...)
		}
	}
	rq.Token = rq.Form.Get("token")
	if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		rq.Token = a
	}
	return rq
}

// token is the token r came with, once its form is parsed.
func token(r *http.Request) string {
	if a, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		return a
	}
	return r.PostForm.Get("token")
}

// Requests is every request received, in order, whoever answered it.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// Calls is the requests received for one method ("chat.postMessage").
func (s *Server) Calls(method string) []Request {
	var out []Request
	for _, rq := range s.Requests() {
		if rq.Method == method {
			out = append(out, rq)
		}
	}
	return out
}

// Answer injects answers for one method ("chat.postMessage"): its next
// calls are answered by hs in turn, the last one repeating. A nil answer
// is the fake's own. An answered call is recorded as a request but posts
// or updates nothing. Answer(method) with no answers ends the injection.
func (s *Server) Answer(method string, hs ...http.HandlerFunc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.answers == nil {
		s.answers = map[string]*answers{}
	}
	s.answers[method] = &answers{hs: hs}
}

// SetUsers sets who users.lookupByEmail knows: the Slack ID of an email,
// "" for users_not_found. Without it nobody is known.
func (s *Server) SetUsers(lookup func(email string) string) {
	s.mu.Lock()
	s.users = lookup
	s.mu.Unlock()
}

// Error answers Slack's ok:false with code.
func Error(code string) http.HandlerFunc {
	b, _ := json.Marshal(map[string]any{"ok": false, "error": code})
	return JSON(string(b))
}

// JSON answers 200 with body as it is, valid JSON or not.
func JSON(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, body)
	}
}

// Status answers an HTML page with the HTTP status code, as a proxy or
// Slack's edge does; header is name, value pairs (Retry-After).
func Status(code int, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(code)
		_, _ = fmt.Fprintf(w, "<html>%d</html>", code)
	}
}

// Hang answers nothing until the client gives up.
func Hang(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }

// Slow answers with h (nil: the fake's own answer) after d, or nothing if
// the client gives up first.
func (s *Server) Slow(d time.Duration, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		if h != nil {
			h(w, r)
			return
		}
		s.serveOwn(w, r)
	}
}
