package writeback_test

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/testkit/fakepagerduty"
	"github.com/pd2chat/pd2chat/shared/writeback"
)

func response(kind incident.Kind, note string) incident.Event {
	return incident.Event{ID: "slack/x", Kind: kind, Agent: "Tanaka", ChatUser: "U01TANAKA01", Note: note, Incident: incident.Incident{ID: "Q1ABCDEF"}}
}

// lines is the calls as "METHOD PATH status|note".
func lines(calls []fakepagerduty.Call) string {
	var out []string
	for _, c := range calls {
		out = append(out, strings.TrimSpace(c.Method+" "+c.Path+" "+c.Status+c.Note))
	}
	return strings.Join(out, "\n")
}

func TestWrite(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   writeback.Config
		ev    incident.Event
		calls []string
	}{
		{"taken: a note", writeback.Config{}, response(incident.Taken, ""),
			[]string{"POST /incidents/Q1ABCDEF/notes Taken by Tanaka (in chat, through pd2chat)"}},
		{"taken, acknowledging", writeback.Config{AckOnTake: true}, response(incident.Taken, ""),
			[]string{"PUT /incidents acknowledged", "POST /incidents/Q1ABCDEF/notes Taken by Tanaka (in chat, through pd2chat)"}},
		{"resolved in chat: a note only", writeback.Config{}, response(incident.ResolvedInChat, ""),
			[]string{"POST /incidents/Q1ABCDEF/notes Resolved in chat by Tanaka (through pd2chat)"}},
		{"resolved in chat, resolving", writeback.Config{ResolveFromChat: true}, response(incident.ResolvedInChat, ""),
			[]string{"PUT /incidents resolved", "POST /incidents/Q1ABCDEF/notes Resolved in chat by Tanaka (through pd2chat)"}},
		{"a note", writeback.Config{AckOnTake: true}, response(incident.NotedInChat, "restarted db-1"),
			[]string{"POST /incidents/Q1ABCDEF/notes Tanaka (in chat): restarted db-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pd := fakepagerduty.New(t)
			tc.cfg.Token, tc.cfg.From, tc.cfg.APIURL = "u+secret-key", "pd2chat@example.com", pd.URL
			if err := writeback.New(tc.cfg).Write(context.Background(), tc.ev); err != nil {
				t.Fatal(err)
			}
			for _, c := range pd.Calls() {
				if c.From != "pd2chat@example.com" || c.Auth != "Token token=u+secret-key" {
					t.Errorf("%s %s: From %q, Authorization %q", c.Method, c.Path, c.From, c.Auth)
				}
			}
			if got, want := lines(pd.Calls()), strings.Join(tc.calls, "\n"); got != want {
				t.Errorf("calls\n%s\nwant\n%s", got, want)
			}
		})
	}
}

func TestWriteFailures(t *testing.T) {
	for _, tc := range []struct {
		name      string
		answer    func(w http.ResponseWriter)
		temporary bool
		ok        bool
	}{
		{"rate limited", func(w http.ResponseWriter) {
			fakepagerduty.Error(w, http.StatusTooManyRequests, "Rate Limit Exceeded", 2020)
		}, true, false},
		{"PagerDuty down", func(w http.ResponseWriter) {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>bad gateway</html>")
		}, true, false},
		{"key revoked", func(w http.ResponseWriter) { fakepagerduty.Error(w, http.StatusUnauthorized, "Unauthorized", 2006) }, false, false},
		{"already resolved", func(w http.ResponseWriter) {
			fakepagerduty.Error(w, http.StatusBadRequest, "Invalid Input Provided", 2001, "Incident Already Resolved")
		}, false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pd := fakepagerduty.New(t)
			pd.Fail(func(w http.ResponseWriter, r *http.Request) bool {
				if r.Method != http.MethodPut {
					return false
				}
				tc.answer(w)
				return true
			})
			err := writeback.New(writeback.Config{Token: "u+secret-key", From: "pd2chat@example.com", APIURL: pd.URL, ResolveFromChat: true}).
				Write(context.Background(), response(incident.ResolvedInChat, ""))
			if tc.ok {
				if err != nil || len(pd.Calls()) != 2 {
					t.Fatalf("err %v, calls %+v: want the note written after an already-resolved incident", err, pd.Calls())
				}
				return
			}
			if err == nil {
				t.Fatal("no error")
			}
			if temp, _ := chat.IsTemporary(err); temp != tc.temporary {
				t.Errorf("%v: temporary %v, want %v", err, temp, tc.temporary)
			}
			if strings.Contains(err.Error(), "secret-key") {
				t.Errorf("the error shows the key: %v", err)
			}
			if len(pd.Calls()) != 1 {
				t.Errorf("a note was written after the state change failed: %+v", pd.Calls())
			}
		})
	}
}
