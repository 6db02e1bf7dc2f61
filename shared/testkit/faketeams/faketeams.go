// Package faketeams is a Teams Workflows webhook for tests: POST
// /workflows/{name}/triggers/manual/paths/invoke?...&sig=… with a message
// holding one Adaptive Card; it checks the card as Teams would (content
// type, schema version, every <at>…</at> of the text backed by a mention
// entity) and answers 202 Accepted, or 400 with the reason. A wrong
// signature is 401. Fail injects answers.
package faketeams

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/pd2chat/pd2chat/shared/testkit/faults"
)

// Card is one posted card.
type Card struct {
	Flow     string
	Version  string
	Texts    []string          // the TextBlocks' texts, in order
	Facts    map[string]string // the FactSet's
	Actions  []string          // "title → url"
	Mentions map[string]string // "<at>Name</at>" → the mentioned id
}

// Server is the fake.
type Server struct {
	*httptest.Server
	faults.Script // Fail: the next requests' answers
	Sig           string

	mu    sync.Mutex
	cards []Card
}

// New starts a fake; it stops when the test ends.
func New(tb interface{ Cleanup(func()) }) *Server {
	s := &Server{Sig: "fake-signature"}
	s.Server = httptest.NewServer(s)
	tb.Cleanup(s.Close)
	return s
}

// WebhookURL is the URL of workflow flow.
func (s *Server) WebhookURL(flow string) string {
	return s.URL + "/workflows/" + flow + "/triggers/manual/paths/invoke?api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&sig=" + s.Sig
}

// Status is a failure answering code, with headers h (name, value…).
func Status(code int, h ...string) func(w http.ResponseWriter) bool {
	return faults.Status(code, `{"error":{"code":"`+strconv.Itoa(code)+`","message":"fake failure"}}`, h...)
}

// Cards is every card posted, in order.
func (s *Server) Cards() []Card {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Card(nil), s.cards...)
}

var atRE = regexp.MustCompile(`<at>[^<]*</at>`)

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.Answered(w) {
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/workflows/")
	flow, _, _ := strings.Cut(rest, "/")
	if !ok || r.Method != http.MethodPost || r.URL.Query().Get("sig") != s.Sig {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":{"code":"DirectApiAuthorizationRequired","message":"The request must be authenticated"}}`))
		return
	}
	var msg struct {
		Type        string `json:"type"`
		Attachments []struct {
			ContentType string `json:"contentType"`
			Content     struct {
				Type    string `json:"type"`
				Version string `json:"version"`
				Body    []struct {
					Type  string `json:"type"`
					Text  string `json:"text"`
					Facts []struct {
						Title string `json:"title"`
						Value string `json:"value"`
					} `json:"facts"`
				} `json:"body"`
				Actions []struct {
					Type  string `json:"type"`
					Title string `json:"title"`
					URL   string `json:"url"`
				} `json:"actions"`
				MSTeams struct {
					Entities []struct {
						Type      string `json:"type"`
						Text      string `json:"text"`
						Mentioned struct {
							ID   string `json:"id"`
							Name string `json:"name"`
						} `json:"mentioned"`
					} `json:"entities"`
				} `json:"msteams"`
			} `json:"content"`
		} `json:"attachments"`
	}
	bad := func(why string) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"error":{"code":"InvalidRequestContent","message":"` + why + `"}}`))
	}
	if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
		bad("not JSON")
		return
	}
	if msg.Type != "message" || len(msg.Attachments) != 1 || msg.Attachments[0].ContentType != "application/vnd.microsoft.card.adaptive" ||
		msg.Attachments[0].Content.Type != "AdaptiveCard" || msg.Attachments[0].Content.Version == "" {
		bad("not a message with one Adaptive Card")
		return
	}
	c := msg.Attachments[0].Content
	card := Card{Flow: flow, Version: c.Version, Facts: map[string]string{}, Mentions: map[string]string{}}
	for _, e := range c.MSTeams.Entities {
		if e.Type != "mention" || e.Mentioned.ID == "" {
			bad("a mention entity without its user")
			return
		}
		card.Mentions[e.Text] = e.Mentioned.ID
	}
	for _, b := range c.Body {
		switch b.Type {
		case "TextBlock":
			card.Texts = append(card.Texts, b.Text)
			for _, at := range atRE.FindAllString(b.Text, -1) {
				if _, ok := card.Mentions[at]; !ok {
					bad(at + " has no mention entity")
					return
				}
			}
		case "FactSet":
			for _, f := range b.Facts {
				card.Facts[f.Title] = f.Value
			}
		}
	}
	for _, a := range c.Actions {
		card.Actions = append(card.Actions, a.Title+" → "+a.URL)
	}
	s.mu.Lock()
	s.cards = append(s.cards, card)
	s.mu.Unlock()
	w.WriteHeader(http.StatusAccepted)
}
