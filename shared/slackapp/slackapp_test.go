package slackapp_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"github.com/pd2chat/pd2chat/shared/locale"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	slackapi "github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/slackapp"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
	"github.com/pd2chat/pd2chat/shared/workday"
)

const (
	secret  = "8f742231b10e8888abcd99yyyzzz85a5"
	channel = "C0ALERTS"
)

type source struct{ r *rotation.Roster }

func (s source) Roster(context.Context) (*rotation.Roster, error) { return s.r, nil }

type env struct {
	h     http.Handler
	q     *queue.Memory
	slack *fakeslack.Server
	now   time.Time
}

func newEnv(t *testing.T, mods ...func(*slackapp.Config)) *env {
	t.Helper()
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	hours, err := workday.ParseHours("Mon-Fri 10:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	roster, problems := rotation.Parse(
		[][]string{{"date", "oncall", "oncall"}, {"2026-11-20", "Takahashi", "Tanaka"}, {"2026-11-24", "Suzuki", "Tanaka"}},
		[][]string{{"name", "slack"}, {"Takahashi", "U01TAKAHASH"}, {"Tanaka", "U01TANAKA01"}, {"Suzuki", "U01SUZUKI01"}})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	e := &env{q: queue.NewMemory(), slack: fakeslack.New(t), now: time.Date(2026, 11, 20, 11, 0, 0, 0, tokyo)}
	cfg := slackapp.Config{
		SigningSecret: secret,
		Channels:      []string{channel},
		Queue:         e.q,
		Slack:         slack.NewApp(slack.Options{Token: "xoxb-test", APIURL: e.slack.APIURL(), HTTPClient: e.slack.Client()}),
		Rotation:      source{roster},
		Calendar:      workday.New(tokyo, hours, workday.JP()),
		Now:           func() time.Time { return e.now },
	}
	for _, m := range mods {
		m(&cfg)
	}
	h, err := slackapp.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	h.Register(mux)
	e.h = mux
	return e
}

// sign signs body as Slack does (https://api.slack.com/authentication/verifying-requests-from-slack):
// v0=HMAC-SHA256(secret, "v0:" + timestamp + ":" + body).
func sign(req *http.Request, body string, key string, at time.Time) {
	ts := strconv.FormatInt(at.Unix(), 10)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte("v0:" + ts + ":" + body))
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", "v0="+hex.EncodeToString(mac.Sum(nil)))
}

// do sends a signed request (signed now, by the real clock, as slack-go's
// verifier reads it).
func (e *env) do(t *testing.T, path, contentType, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	sign(req, body, secret, time.Now())
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	return rec
}

func interaction(t *testing.T, cb slackapi.InteractionCallback) string {
	t.Helper()
	b, err := json.Marshal(cb)
	if err != nil {
		t.Fatal(err)
	}
	return url.Values{"payload": {string(b)}}.Encode()
}

func press(user, name, action, value, ts string) slackapi.InteractionCallback {
	var cb slackapi.InteractionCallback
	cb.Type = slackapi.InteractionTypeBlockActions
	cb.User = slackapi.User{ID: user, Name: name}
	cb.Channel.ID = channel
	cb.TriggerID = "T-" + ts
	cb.ActionCallback.BlockActions = []*slackapi.BlockAction{{BlockID: "pd2chat_actions", ActionID: action, Value: value, ActionTs: ts}}
	return cb
}

// jobs drains the queue.
func (e *env) jobs(t *testing.T) []deliver.Job {
	t.Helper()
	var out []deliver.Job
	for {
		got, err := e.q.Receive(context.Background(), 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			return out
		}
		for _, r := range got { // one incident's messages come one at a time, in order
			var j deliver.Job
			if err := json.Unmarshal(r.Body, &j); err != nil {
				t.Fatal(err)
			}
			out = append(out, j)
			_ = e.q.Delete(context.Background(), r)
		}
	}
}

func TestSignature(t *testing.T) {
	e := newEnv(t)
	body := `{"type":"url_verification","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","token":"x"}`
	for _, tc := range []struct {
		name string
		key  string
		at   time.Time
		want int
	}{
		{"good", secret, time.Now(), http.StatusOK},
		{"wrong secret", "not-the-secret", time.Now(), http.StatusUnauthorized},
		{"replayed after 6 minutes", secret, time.Now().Add(-6 * time.Minute), http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodPost, "/slack/events", strings.NewReader(body))
			sign(req, body, tc.key, tc.at)
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, req)
			if rec.Code != tc.want {
				t.Fatalf("status %d, want %d: %s", rec.Code, tc.want, rec.Body)
			}
			if tc.want == http.StatusOK && strings.TrimSpace(rec.Body.String()) != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
				t.Fatalf("challenge not echoed: %q", rec.Body)
			}
			if strings.Contains(rec.Body.String(), secret) {
				t.Fatal("the answer shows the secret")
			}
		})
	}
	t.Run("unsigned", func(t *testing.T) {
		for _, path := range []string{"/slack/events", "/slack/interactions", "/slack/commands"} {
			rec := httptest.NewRecorder()
			e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, path, strings.NewReader(body)))
			if rec.Code != http.StatusUnauthorized {
				t.Errorf("%s unsigned: status %d, want 401", path, rec.Code)
			}
		}
		if got := e.jobs(t); len(got) != 0 {
			t.Fatalf("queued %d jobs from unsigned requests", len(got))
		}
	})
}

func TestButtons(t *testing.T) {
	e := newEnv(t)
	form := "application/x-www-form-urlencoded"
	take := interaction(t, press("U01TANAKA01", "tanaka.s", slackapp.ActionTake, "Q1ABC", "1763604960.123456"))
	for range 2 { // the same press twice acts once
		if rec := e.do(t, "/slack/interactions", form, take); rec.Code != http.StatusOK {
			t.Fatalf("take: %d %s", rec.Code, rec.Body)
		}
	}
	if rec := e.do(t, "/slack/interactions", form, interaction(t, press("U09GUEST", "guest", slackapp.ActionResolve, "Q1ABC", "1763604990.000001"))); rec.Code != http.StatusOK {
		t.Fatalf("resolve: %d %s", rec.Code, rec.Body)
	}
	jobs := e.jobs(t)
	if len(jobs) != 2 {
		t.Fatalf("%d jobs, want 2 (a take, acted on once, and a resolve): %+v", len(jobs), jobs)
	}
	tk, rs := jobs[0], jobs[1]
	if tk.Destination != "slack:"+channel || tk.Event.Kind != incident.Taken || tk.Event.Incident.ID != "Q1ABC" ||
		tk.Event.Agent != "Tanaka" || tk.Event.ChatUser != "U01TANAKA01" {
		t.Errorf("take job = %+v %+v, want Tanaka's take of Q1ABC in slack:%s", tk, tk.Event, channel)
	}
	if want := time.Unix(1763604960, 123456000); !tk.Event.OccurredAt.Equal(want) {
		t.Errorf("take at %v, want the press's action_ts %v", tk.Event.OccurredAt, want)
	}
	if rs.Event.Kind != incident.ResolvedInChat || rs.Event.Agent != "guest" {
		t.Errorf("resolve by a user not in the members tab = %+v, want kind %s by their Slack name", rs.Event, incident.ResolvedInChat)
	}

	// A press from a channel that is not an alert channel: an ephemeral
	// answer, nothing queued.
	cb := press("U01TANAKA01", "tanaka.s", slackapp.ActionTake, "Q1ABC", "1763605000.000001")
	cb.Channel.ID = "C0ELSEWHERE"
	rec := e.do(t, "/slack/interactions", form, interaction(t, cb))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"ephemeral"`) {
		t.Errorf("press elsewhere: %d %s, want 200 with an ephemeral answer", rec.Code, rec.Body)
	}
	if got := e.jobs(t); len(got) != 0 {
		t.Errorf("press elsewhere queued %+v", got)
	}
	if rec := e.do(t, "/slack/interactions", form, "payload=%7Bnot+json"); rec.Code != http.StatusBadRequest {
		t.Errorf("malformed payload: %d, want 400", rec.Code)
	}
}

func TestNoteModal(t *testing.T) {
	e := newEnv(t)
	form := "application/x-www-form-urlencoded"
	if rec := e.do(t, "/slack/interactions", form, interaction(t, press("U01TANAKA01", "tanaka.s", slackapp.ActionNote, "Q1ABC", "1763604960.000001"))); rec.Code != http.StatusOK {
		t.Fatalf("note button: %d %s", rec.Code, rec.Body)
	}
	opens := e.slack.Calls("views.open")
	if len(opens) != 1 || opens[0].Form.Get("trigger_id") != "T-1763604960.000001" {
		t.Fatalf("views.open calls = %+v, want one with the press's trigger", opens)
	}
	var view slackapi.ModalViewRequest
	if err := json.Unmarshal([]byte(opens[0].Form.Get("view")), &view); err != nil {
		t.Fatal(err)
	}

	submit := func(text string) *httptest.ResponseRecorder {
		var cb slackapi.InteractionCallback
		cb.Type = slackapi.InteractionTypeViewSubmission
		cb.User = slackapi.User{ID: "U01TANAKA01", Name: "tanaka.s"}
		cb.View = slackapi.View{ID: "V0NOTE", Hash: "h-" + text, CallbackID: view.CallbackID, PrivateMetadata: view.PrivateMetadata,
			State: &slackapi.ViewState{Values: map[string]map[string]slackapi.BlockAction{"note": {"text": {Value: text}}}}}
		return e.do(t, "/slack/interactions", form, interaction(t, cb))
	}
	if rec := submit("  "); !strings.Contains(rec.Body.String(), `"response_action":"errors"`) {
		t.Errorf("empty note: %d %s, want the modal to say what is missing", rec.Code, rec.Body)
	}
	if rec := submit("restarted db-1; lag back to 0"); rec.Code != http.StatusOK || rec.Body.Len() != 0 {
		t.Fatalf("note: %d %q, want an empty 200 (closes the modal)", rec.Code, rec.Body)
	}
	jobs := e.jobs(t)
	if len(jobs) != 1 || jobs[0].Event.Kind != incident.NotedInChat || jobs[0].Event.Note != "restarted db-1; lag back to 0" ||
		jobs[0].Event.Incident.ID != "Q1ABC" || jobs[0].Destination != "slack:"+channel {
		t.Fatalf("jobs = %+v, want one note on Q1ABC", jobs)
	}
}

// post puts an incident's thread in the fake Slack through the real
// poster, as the deliver step does: the parent with its metadata, a reply
// by pd2chat and one by a person.
func (e *env) thread(t *testing.T) (parent, reply string) {
	t.Helper()
	p := slack.New(slack.Options{Token: "xoxb-test", APIURL: e.slack.APIURL(), HTTPClient: e.slack.Client(), Channel: channel})
	parent, err := p.PostRef(context.Background(), chat.Message{Text: "alert", Key: "ev1/slack:" + channel, Incident: "Q1ABC"})
	if err != nil {
		t.Fatal(err)
	}
	reply, err = p.PostRef(context.Background(), chat.Message{Text: "a person's reply", ThreadTS: parent})
	if err != nil {
		t.Fatal(err)
	}
	return parent, reply
}

func reaction(t *testing.T, eventID, user, emoji, ts string) string {
	t.Helper()
	inner, err := json.Marshal(slackevents.ReactionAddedEvent{
		Type: "reaction_added", User: user, Reaction: emoji, EventTimestamp: "1763604970.000100",
		Item: slackevents.Item{Type: "message", Channel: channel, Timestamp: ts},
	})
	if err != nil {
		t.Fatal(err)
	}
	raw := json.RawMessage(inner)
	b, err := json.Marshal(slackevents.EventsAPICallbackEvent{
		Type: "event_callback", TeamID: "T0TEAM", APIAppID: "A0APP", EventID: eventID, EventTime: 1763604970, InnerEvent: &raw,
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestReactions(t *testing.T) {
	e := newEnv(t)
	parent, reply := e.thread(t)
	js := "application/json"
	for _, r := range []string{
		reaction(t, "Ev01", "U01SUZUKI01", "eyes", parent),
		reaction(t, "Ev01", "U01SUZUKI01", "eyes", parent), // Slack's retry: acts once
		reaction(t, "Ev02", "U09GUEST", "white_check_mark", reply),
		reaction(t, "Ev03", "U01SUZUKI01", "tada", parent),     // not a response
		reaction(t, "Ev04", "U01SUZUKI01", "eyes", "1.000001"), // a message of no incident
	} {
		if rec := e.do(t, "/slack/events", js, r); rec.Code != http.StatusOK {
			t.Fatalf("event: %d %s", rec.Code, rec.Body)
		}
	}
	jobs := e.jobs(t)
	if len(jobs) != 2 {
		t.Fatalf("%d jobs, want 2: %+v", len(jobs), jobs)
	}
	if ev := jobs[0].Event; ev.Kind != incident.Taken || ev.Incident.ID != "Q1ABC" || ev.Agent != "Suzuki" {
		t.Errorf("👀 on the alert = %+v, want Suzuki taking Q1ABC", ev)
	}
	if ev := jobs[1].Event; ev.Kind != incident.ResolvedInChat || ev.Incident.ID != "Q1ABC" || ev.Agent != "user-u09guest" {
		t.Errorf("✅ on a reply = %+v, want Q1ABC resolved by the Slack user's display name", ev)
	}

	// One users.info per reaction that counts: whether a bot, and the name.
	if n := len(e.slack.Calls("users.info")); n != 3 {
		t.Errorf("%d users.info calls for 3 counted reactions", n)
	}

	// Slack is down: 503, so that Slack delivers the event again.
	e.slack.Answer("conversations.replies", fakeslack.Status(http.StatusInternalServerError))
	if rec := e.do(t, "/slack/events", js, reaction(t, "Ev05", "U01SUZUKI01", "eyes", parent)); rec.Code != http.StatusServiceUnavailable {
		t.Errorf("lookup failed: %d, want 503", rec.Code)
	}
}

func TestOnCallCommand(t *testing.T) {
	e := newEnv(t)
	form := "application/x-www-form-urlencoded"
	cmd := func(text string) string {
		rec := e.do(t, "/slack/commands", form, url.Values{"command": {"/oncall"}, "text": {text}, "user_id": {"U09GUEST"}}.Encode())
		if rec.Code != http.StatusOK {
			t.Fatalf("/oncall %s: %d %s", text, rec.Code, rec.Body)
		}
		var m struct{ ResponseType, Text string }
		if err := json.Unmarshal(rec.Body.Bytes(), &struct {
			ResponseType *string `json:"response_type"`
			Text         *string `json:"text"`
		}{&m.ResponseType, &m.Text}); err != nil {
			t.Fatal(err)
		}
		if m.ResponseType != "ephemeral" {
			t.Errorf("/oncall %s answered %q, want ephemeral", text, m.ResponseType)
		}
		return m.Text
	}
	// Friday 2026-11-20; Monday 11-23 is 勤労感謝の日, so the next working
	// day is Tuesday 11-24.
	want := "*Today* Fri 11/20: Takahashi, Tanaka\n*Next working day* Tue 11/24: Suzuki, Tanaka\n" +
		"Day off: Mon 11/23 Labor Thanksgiving Day\nBusiness hours: Mon-Fri 10:00-17:00"
	if got := cmd(""); got != want {
		t.Errorf("/oncall =\n%s\nwant\n%s", got, want)
	}
	week := cmd("week")
	for _, line := range []string{"Fri 11/20: Takahashi, Tanaka", "Sat 11/21: — not a business day", "Mon 11/23: — holiday: Labor Thanksgiving Day", "Tue 11/24: Suzuki, Tanaka", "Thu 11/26: nobody on call in the sheet"} {
		if !strings.Contains(week, line) {
			t.Errorf("/oncall week lacks %q:\n%s", line, week)
		}
	}
	if got := cmd("tomorrow"); !strings.Contains(got, "Usage") {
		t.Errorf("/oncall tomorrow = %q, want the usage", got)
	}

	// In Japanese (LANGUAGE=ja): the days, the holiday and the hours too.
	ja := newEnv(t, func(c *slackapp.Config) { c.Language = locale.Japanese })
	rec := ja.do(t, "/slack/commands", form, url.Values{"command": {"/oncall"}, "text": {"week"}, "user_id": {"U09GUEST"}}.Encode())
	for _, line := range []string{"*この先7日間の当番*（月〜金 10:00〜17:00）", "11/20(金): Takahashi、Tanaka", "11/21(土): —（営業日ではありません）",
		"11/23(月): —（休日: 勤労感謝の日）", "11/26(木): シートに当番がいません"} {
		if !strings.Contains(rec.Body.String(), line) {
			t.Errorf("/oncall week in Japanese lacks %q:\n%s", line, rec.Body)
		}
	}
}

// TestAlsoQueued: with the PagerDuty write-back on, or the major incident
// channels, a response is queued there too, in the incident's own group
// there (so that the major channel shows it, invites the responder and
// closes on a resolution).
func TestAlsoQueued(t *testing.T) {
	for _, tc := range []struct {
		dest string
		set  func(c *slackapp.Config)
	}{
		{deliver.WriteBackDestination, func(c *slackapp.Config) { c.WriteBack = true }},
		{deliver.MajorDestination, func(c *slackapp.Config) { c.Major = true }},
	} {
		e := newEnv(t, tc.set)
		take := interaction(t, press("U01TANAKA01", "tanaka.s", slackapp.ActionTake, "Q1ABC", "1763604960.123456"))
		if rec := e.do(t, "/slack/interactions", "application/x-www-form-urlencoded", take); rec.Code != http.StatusOK {
			t.Fatalf("take: %d %s", rec.Code, rec.Body)
		}
		got, err := e.q.Receive(context.Background(), 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		groups := map[string]bool{}
		for _, r := range got {
			groups[r.Group] = true
		}
		if len(got) != 2 || !groups["slack:"+channel+"/Q1ABC"] || !groups[tc.dest+"/Q1ABC"] {
			t.Errorf("queued %+v, want one message for the channel and one for %s", got, tc.dest)
		}
	}
}

// blockingSource is a sheet that never answers in time (a cold read).
type blockingSource struct{}

func (blockingSource) Roster(ctx context.Context) (*rotation.Roster, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestSlowSheetDoesNotLoseAPress: naming the responder has its own short
// budget; the press is enqueued under the Slack name.
func TestSlowSheetDoesNotLoseAPress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		q := queue.NewMemory()
		h, err := slackapp.New(slackapp.Config{SigningSecret: secret, Channels: []string{channel}, Queue: q, Rotation: blockingSource{}})
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		h.Register(mux)
		e := &env{h: mux, q: q}
		rec := e.do(t, "/slack/interactions", "application/x-www-form-urlencoded",
			interaction(t, press("U01TANAKA01", "tanaka.s", slackapp.ActionTake, "Q1ABC", "1763604960.123456")))
		if rec.Code != http.StatusOK {
			t.Fatalf("%d %s", rec.Code, rec.Body)
		}
		if jobs := e.jobs(t); len(jobs) != 1 || jobs[0].Event.Agent != "tanaka.s" {
			t.Fatalf("jobs %+v, want the take under the Slack name", jobs)
		}
	})
}

// TestUntrustedInput: what is not pd2chat's, or not an incident, is not a
// response; a refusal by Slack is not retried forever.
func TestUntrustedInput(t *testing.T) {
	e := newEnv(t)
	form, js := "application/x-www-form-urlencoded", "application/json"

	// Another app's message with look-alike metadata.
	other := slack.New(slack.Options{APIURL: e.slack.APIURL(), HTTPClient: e.slack.Client(), Channel: channel})
	ts, err := other.PostRef(context.Background(), chat.Message{Text: "not ours", Key: "x", Incident: "QFAKE"})
	if err != nil {
		t.Fatal(err)
	}
	// A button whose value is no incident ID.
	bad := interaction(t, press("U01TANAKA01", "tanaka.s", slackapp.ActionTake, "Q1/../../abilities", "1763604961.000001"))
	if rec := e.do(t, "/slack/interactions", form, bad); rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "ephemeral") {
		t.Errorf("bad value: %d %s", rec.Code, rec.Body)
	}
	if rec := e.do(t, "/slack/events", js, reaction(t, "Ev10", "U01SUZUKI01", "eyes", ts)); rec.Code != http.StatusOK {
		t.Errorf("reaction on another app's message: %d", rec.Code)
	}
	if got := e.jobs(t); len(got) != 0 {
		t.Errorf("queued %+v", got)
	}

	// A bot's 👀 (bots mark what they process) is no response.
	if rec := e.do(t, "/slack/events", js, reaction(t, "Ev13", "UBOT0001", "eyes", e.mustThread(t))); rec.Code != http.StatusOK {
		t.Errorf("a bot's reaction: %d", rec.Code)
	}
	if got := e.jobs(t); len(got) != 0 {
		t.Errorf("a bot's reaction queued %+v", got)
	}

	// A skin tone is the same reaction.
	parent, _ := e.thread(t)
	if rec := e.do(t, "/slack/events", js, reaction(t, "Ev11", "U01SUZUKI01", "white_check_mark::skin-tone-3", parent)); rec.Code != http.StatusOK {
		t.Errorf("skin tone: %d", rec.Code)
	}
	if got := e.jobs(t); len(got) != 1 || got[0].Event.Kind != incident.ResolvedInChat {
		t.Errorf("skin-toned ✅: %+v", got)
	}

	// Slack refuses the lookup for good: 200 (a retry cannot help).
	e.slack.Answer("conversations.replies", fakeslack.Error("missing_scope"))
	if rec := e.do(t, "/slack/events", js, reaction(t, "Ev12", "U01SUZUKI01", "eyes", parent)); rec.Code != http.StatusOK {
		t.Errorf("missing_scope: %d, want 200", rec.Code)
	}

	// A view submission without its state: 400, no panic.
	var cb slackapi.InteractionCallback
	cb.Type = slackapi.InteractionTypeViewSubmission
	cb.View = slackapi.View{ID: "V1", CallbackID: "pd2chat_note", PrivateMetadata: `{"incident":"Q1ABC","channel":"` + channel + `"}`}
	if rec := e.do(t, "/slack/interactions", form, interaction(t, cb)); rec.Code != http.StatusBadRequest {
		t.Errorf("stateless submission: %d", rec.Code)
	}

	// The challenge is answered exactly.
	body := `{"type":"url_verification","challenge":"abc123","token":"x"}`
	if rec := e.do(t, "/slack/events", js, body); rec.Body.String() != "abc123" {
		t.Errorf("challenge answered %q", rec.Body)
	}
}

func (e *env) mustThread(t *testing.T) string {
	parent, _ := e.thread(t)
	return parent
}

// TestRoleButton: a role button of a major incident's channel (any
// channel: not an alert channel) goes to the major destination, with the
// role; an unknown role is not ours.
func TestRoleButton(t *testing.T) {
	e := newEnv(t)
	form := "application/x-www-form-urlencoded"
	cb := press("U01TANAKA01", "tanaka.s", chat.ActionRolePrefix+"commander", "Q1ABC", "1763605100.000001")
	cb.Channel.ID = "CMAJ1"
	if rec := e.do(t, "/slack/interactions", form, interaction(t, cb)); rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	jobs := e.jobs(t)
	if len(jobs) != 1 || jobs[0].Destination != deliver.MajorDestination || jobs[0].Event.Kind != incident.RoleTaken ||
		jobs[0].Event.Note != "commander" || jobs[0].Event.Agent != "Tanaka" || jobs[0].Event.Incident.ID != "Q1ABC" {
		t.Errorf("%+v", jobs)
	}
	bad := press("U01TANAKA01", "tanaka.s", chat.ActionRolePrefix+"king", "Q1ABC", "1763605100.000002")
	bad.Channel.ID = "CMAJ1"
	e.do(t, "/slack/interactions", form, interaction(t, bad))
	if jobs := e.jobs(t); len(jobs) != 0 {
		t.Errorf("an unknown role was queued: %+v", jobs)
	}
}

// TestDeclareButton: Declare major incident, pressed in an alert channel,
// goes to the major destination.
func TestDeclareButton(t *testing.T) {
	e := newEnv(t)
	cb := press("U01TANAKA01", "tanaka.s", chat.ActionDeclare, "Q1ABC", "1763605200.000001")
	if rec := e.do(t, "/slack/interactions", "application/x-www-form-urlencoded", interaction(t, cb)); rec.Code != http.StatusOK {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	jobs := e.jobs(t)
	if len(jobs) != 1 || jobs[0].Destination != deliver.MajorDestination || jobs[0].Event.Kind != incident.MajorDeclared || jobs[0].Event.Agent != "Tanaka" {
		t.Errorf("%+v", jobs)
	}
}
