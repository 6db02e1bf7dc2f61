package slack_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
)

const (
	token   = "xoxb-1234567890-0987654321-SeCrEtSeCrEtSeCrEt"
	channel = "C123"
	okTS    = "1700000000.000100"
)

// ok answers every call with okTS, whatever the method.
var ok = fakeslack.JSON(`{"ok":true,"channel":"C123","ts":"` + okTS + `","message":{"text":"x","ts":"` + okTS + `"}}`)

func newPoster(t *testing.T, f *fakeslack.Server) *slack.Poster {
	t.Helper()
	return slack.New(slack.Options{Token: token, APIURL: f.URL + "/api", Channel: channel, HTTPClient: f.Client()})
}

func TestPostTS(t *testing.T) {
	tests := []struct {
		name     string
		msg      chat.Message
		respond  http.HandlerFunc
		ctxLimit time.Duration
		wantTS   string
		wantErr  string // substring; "" = success
		wantTemp bool
		wantWait time.Duration
	}{
		{
			name:    "new message",
			msg:     chat.Message{Text: "*[#42] Triggered* <@U111> <https://x.pagerduty.com/incidents/Q1|Q1>"},
			respond: ok,
			wantTS:  okTS,
		},
		{
			name:    "reply in a thread",
			msg:     chat.Message{Text: "resolved", ThreadTS: "1699999999.000001"},
			respond: ok,
			wantTS:  okTS,
		},
		{
			name:    "a key travels as metadata",
			msg:     chat.Message{Text: "triggered", Key: "EV1/slack:C123"},
			respond: ok,
			wantTS:  okTS,
		},
		{
			name:    "a keyed reply in a thread",
			msg:     chat.Message{Text: "acknowledged", ThreadTS: "1699999999.000001", Key: "EV2/slack:C123"},
			respond: ok,
			wantTS:  okTS,
		},
		{name: "channel not found", respond: fakeslack.Error("channel_not_found"), wantErr: "slack: post to C123: channel_not_found"},
		{name: "invalid auth", respond: fakeslack.Error("invalid_auth"), wantErr: "slack: post to C123: invalid_auth"},
		{name: "not in channel", respond: fakeslack.Error("not_in_channel"), wantErr: "slack: post to C123: not_in_channel"},
		{
			name:    "missing scope names the scope",
			respond: fakeslack.JSON(`{"ok":false,"error":"missing_scope","needed":"chat:write","provided":"channels:read"}`),
			wantErr: "slack: post to C123: missing_scope (needed scope: chat:write)",
		},
		{name: "slack internal error", respond: fakeslack.Error("internal_error"), wantErr: "internal_error", wantTemp: true},
		{name: "ratelimited in the body", respond: fakeslack.Error("ratelimited"), wantErr: "ratelimited", wantTemp: true},
		{
			name:     "HTTP 429 with Retry-After",
			respond:  fakeslack.Status(http.StatusTooManyRequests, "Retry-After", "3"),
			wantErr:  "slack: post to C123: slack rate limit exceeded, retry after 3s",
			wantTemp: true,
			wantWait: 3 * time.Second,
		},
		{name: "HTTP 429 without Retry-After", respond: fakeslack.Status(http.StatusTooManyRequests), wantErr: "429", wantTemp: true},
		{
			name:     "HTTP 429 with an HTTP-date Retry-After",
			respond:  fakeslack.Status(http.StatusTooManyRequests, "Retry-After", "Fri, 20 Nov 2026 10:00:30 GMT"),
			wantErr:  "rate limited",
			wantTemp: true,
		},
		{name: "HTTP 503", respond: fakeslack.Status(http.StatusServiceUnavailable), wantErr: "slack: post to C123: slack server error: 503 Service Unavailable", wantTemp: true},
		{name: "HTTP 500", respond: fakeslack.Status(http.StatusInternalServerError), wantErr: "500", wantTemp: true},
		{name: "HTTP 404 is final", respond: fakeslack.Status(http.StatusNotFound), wantErr: "404"},
		{
			// Whether the post went out is unknown: the deliver code looks
			// it up with Find before it posts again.
			name:     "200 that is not JSON is temporary",
			respond:  func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<html>") },
			wantErr:  "slack: post to C123: unreadable answer: invalid character",
			wantTemp: true,
		},
		{
			name:     "200 with an empty body is temporary",
			respond:  func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) },
			wantErr:  "slack: post to C123: unreadable answer: EOF",
			wantTemp: true,
		},
		{
			name:     "200 with a cut-off body is temporary",
			respond:  fakeslack.JSON(`{"ok":true,"ts":"17`),
			wantErr:  "slack: post to C123: unreadable answer: unexpected EOF",
			wantTemp: true,
		},
		{
			name:     "200 with Slack's fields of the wrong type is temporary",
			respond:  fakeslack.JSON(`{"ok":"yes"}`),
			wantErr:  "slack: post to C123: unreadable answer: json: cannot unmarshal",
			wantTemp: true,
		},
		{name: "timeout", respond: fakeslack.Hang, ctxLimit: 20 * time.Millisecond, wantErr: "context deadline exceeded", wantTemp: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakeslack.New(t)
			f.Answer("chat.postMessage", tt.respond)
			p := newPoster(t, f)
			ctx := t.Context()
			if tt.ctxLimit > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxLimit)
				defer cancel()
			}

			ts, err := p.PostRef(ctx, tt.msg)

			got := f.Requests()
			if len(got) != 1 {
				t.Fatalf("Slack received %d requests, want 1", len(got))
			}
			rq := got[0]
			if rq.Method != "chat.postMessage" || rq.Form.Get("channel") != channel || rq.Form.Get("text") != tt.msg.Text ||
				rq.Form.Get("thread_ts") != tt.msg.ThreadTS || rq.Token != token {
				t.Errorf("Slack received %+v, want channel %s, text %q, thread_ts %q and the token", rq, channel, tt.msg.Text, tt.msg.ThreadTS)
			}
			if rq.Form.Get("unfurl_links") != "false" {
				t.Errorf("unfurl_links = %q, want false", rq.Form.Get("unfurl_links"))
			}
			if rq.Form.Has("mrkdwn") && rq.Form.Get("mrkdwn") != "true" {
				t.Errorf("mrkdwn = %q, want it on", rq.Form.Get("mrkdwn"))
			}
			checkMetadata(t, rq, tt.msg.Key)

			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("PostRef: %v", err)
				}
				if ts != tt.wantTS {
					t.Errorf("ts = %q, want %q", ts, tt.wantTS)
				}
				return
			}
			if err == nil {
				t.Fatalf("PostRef succeeded (ts %q), want an error containing %q", ts, tt.wantErr)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "slack: post to C123: ") {
				t.Errorf("err = %q, want it to start with the channel and contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "SeCrEt") {
				t.Errorf("err = %q leaks the token", err)
			}
			temp, wait := chat.IsTemporary(err)
			if temp != tt.wantTemp || wait != tt.wantWait {
				t.Errorf("IsTemporary = %v, %v; want %v, %v", temp, wait, tt.wantTemp, tt.wantWait)
			}
		})
	}
}

func TestPostConnectionRefused(t *testing.T) {
	f := fakeslack.New(t)
	f.Close() // nobody listens there any more
	p := slack.New(slack.Options{Token: token, APIURL: f.APIURL(), Channel: channel})

	err := p.Post(t.Context(), chat.Message{Text: "x"})

	if temp, _ := chat.IsTemporary(err); !temp {
		t.Errorf("err = %v, want temporary", err)
	}
	var ue *url.Error
	if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), "slack: post to C123: ") {
		t.Errorf("err = %v, want a wrapped *url.Error", err)
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("err = %q leaks the token", err)
	}
}

// TestTokenNeverInErrors makes Slack echo the token back in its error code:
// the poster must scrub it.
func TestTokenNeverInErrors(t *testing.T) {
	f := fakeslack.New(t)
	f.Answer("chat.postMessage", echoToken)
	p := newPoster(t, f)

	err := p.Post(t.Context(), chat.Message{Text: "x"})

	if err == nil {
		t.Fatal("Post succeeded, want an error")
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("err = %q leaks the token", err)
	}
	if want := "slack: post to C123: bad_token_<redacted>"; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
	if temp, _ := chat.IsTemporary(err); temp {
		t.Errorf("err = %v is temporary, want final", err)
	}
}

// echoToken answers an error code that carries the token the call came with.
func echoToken(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	fakeslack.Error("bad_token_"+r.PostForm.Get("token"))(w, r)
}

func TestString(t *testing.T) {
	p := slack.New(slack.Options{Token: token, Channel: "C0ABCDEF"})
	if got := p.String(); got != "slack:C0ABCDEF" {
		t.Errorf("String() = %q", got)
	}
}

// TestSendRetries runs chat.Send over the real client: 429, 503, then ok.
func TestSendRetries(t *testing.T) {
	f := fakeslack.New(t)
	f.Answer("chat.postMessage",
		fakeslack.Status(http.StatusTooManyRequests, "Retry-After", "1"),
		fakeslack.Status(http.StatusServiceUnavailable),
		nil, // the fake's own answer: posted
	)
	p := newPoster(t, f)
	var slept []time.Duration
	pol := chat.RetryPolicy{Sleep: func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	}}
	var ts string
	post := chat.PosterFunc(func(ctx context.Context, m chat.Message) (err error) {
		ts, err = p.PostRef(ctx, m)
		return err
	})

	attempts, err := chat.Send(t.Context(), post, chat.Message{Text: "hello"}, pol)

	posts := f.Posts()
	if err != nil || attempts != 3 || len(posts) != 1 || ts != posts[0].TS {
		t.Fatalf("Send = %d, %v (ts %q); want 3 attempts, the one post's ts (posts %+v)", attempts, err, ts, posts)
	}
	if len(slept) != 2 || slept[0] != time.Second {
		t.Errorf("slept %v, want the 1s Retry-After then a back-off", slept)
	}
	if n := len(f.Requests()); n != 3 {
		t.Errorf("Slack received %d requests, want 3", n)
	}
}

func TestThreadAndUpdate(t *testing.T) {
	f := fakeslack.New(t)
	p := newPoster(t, f)
	ctx := context.Background()
	ref, err := p.PostRef(ctx, chat.Message{Text: "parent"})
	if err != nil || len(f.Posts()) != 1 || ref != f.Posts()[0].TS {
		t.Fatalf("PostRef = %q, %v; posts %+v", ref, err, f.Posts())
	}
	if _, err := p.PostRef(ctx, chat.Message{Text: "reply", ThreadTS: ref}); err != nil {
		t.Fatal(err)
	}
	if err := p.Update(ctx, ref, chat.Message{Text: "parent, now resolved"}); err != nil {
		t.Fatal(err)
	}
	got := f.Requests()
	if len(got) != 3 {
		t.Fatalf("%d requests", len(got))
	}
	if got[1].Method != "chat.postMessage" || got[1].Form.Get("thread_ts") != ref {
		t.Errorf("reply: %+v", got[1])
	}
	if got[2].Method != "chat.update" || got[2].Form.Get("ts") != ref || got[2].Form.Get("channel") != channel || got[2].Form.Get("text") != "parent, now resolved" {
		t.Errorf("update: %+v", got[2])
	}

	f.Answer("chat.update", fakeslack.Error("message_not_found"))
	err = p.Update(ctx, "1.2", chat.Message{Text: "x"})
	if err == nil || !strings.Contains(err.Error(), "slack: update C123 1.2: message_not_found") || strings.Contains(err.Error(), token) {
		t.Errorf("err = %v", err)
	}
	if temp, _ := chat.IsTemporary(err); temp {
		t.Error("message_not_found must be final")
	}
}

// checkMetadata: a post with a key carries the metadata form field
// {"event_type":"pd2chat_event","event_payload":{"key":key}}; one without
// carries none.
func checkMetadata(t *testing.T, rq fakeslack.Request, key string) {
	t.Helper()
	metadata := rq.Form.Get("metadata")
	if key == "" {
		if rq.Form.Has("metadata") {
			t.Errorf("metadata = %q, want none for a message without a key", metadata)
		}
		return
	}
	var md struct {
		EventType    string         `json:"event_type"`
		EventPayload map[string]any `json:"event_payload"`
	}
	if err := json.Unmarshal([]byte(metadata), &md); err != nil {
		t.Fatalf("metadata = %q: %v", metadata, err)
	}
	if md.EventType != "pd2chat_event" || len(md.EventPayload) != 1 || md.EventPayload["key"] != key {
		t.Errorf("metadata = %s, want event_type pd2chat_event and payload {\"key\": %q}", metadata, key)
	}
}

// msgJSON is one message of a conversations.history or .replies answer;
// a non-empty eventType adds metadata with the payload {"key": key}.
func msgJSON(ts, eventType, key string) string {
	m := map[string]any{"type": "message", "user": "U0BOT", "text": "x", "ts": ts}
	if eventType != "" {
		m["metadata"] = map[string]any{"event_type": eventType, "event_payload": map[string]any{"key": key}}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// page answers one page of conversations.history or .replies; a non-empty
// next asks for another.
func page(next string, msgs ...string) http.HandlerFunc {
	meta := ""
	if next != "" {
		meta = `,"response_metadata":{"next_cursor":"` + next + `"}`
	}
	return fakeslack.JSON(`{"ok":true,"has_more":` + strconv.FormatBool(next != "") +
		`,"messages":[` + strings.Join(msgs, ",") + `]` + meta + `}`)
}

func TestFind(t *testing.T) {
	const (
		key      = "EV1/slack:C123"
		threadTS = "1699999000.000100"
	)
	since := time.Unix(1700000000, 250_000_000) // oldest asked: 1699999940.250000
	tests := []struct {
		name      string
		msg       chat.Message
		respond   []http.HandlerFunc
		wantRef   string
		wantFound bool
		wantCalls int
		wantErr   string // substring; "" = success
		wantTemp  bool
	}{
		{
			name: "found among the channel's messages",
			msg:  chat.Message{Text: "x", Key: key},
			respond: []http.HandlerFunc{page("",
				msgJSON("1700000003.000100", "", ""),
				msgJSON("1700000002.000100", "pd2chat_event", "EV2/slack:C123"),
				msgJSON("1700000001.000100", "pd2chat_event", key),
			)},
			wantRef: "1700000001.000100", wantFound: true, wantCalls: 1,
		},
		{
			name: "found in the thread",
			msg:  chat.Message{Text: "x", ThreadTS: threadTS, Key: key},
			respond: []http.HandlerFunc{page("",
				msgJSON(threadTS, "pd2chat_event", "EV0/slack:C123"), // the parent
				msgJSON("1700000001.000200", "pd2chat_event", key),
			)},
			wantRef: "1700000001.000200", wantFound: true, wantCalls: 1,
		},
		{
			name: "not found",
			msg:  chat.Message{Text: "x", Key: key},
			respond: []http.HandlerFunc{page("",
				msgJSON("1700000003.000100", "", ""),
				msgJSON("1700000002.000100", "someone_elses_event", key),
				msgJSON("1700000001.000100", "pd2chat_event", key+"x"),
			)},
			wantCalls: 1,
		},
		{
			name:      "not found in an empty thread",
			msg:       chat.Message{Text: "x", ThreadTS: threadTS, Key: key},
			respond:   []http.HandlerFunc{page("")},
			wantCalls: 1,
		},
		{
			name: "found on the third page",
			msg:  chat.Message{Text: "x", Key: key},
			respond: []http.HandlerFunc{
				page("cursor2", msgJSON("1700000009.000100", "", "")),
				page("cursor3", msgJSON("1700000008.000100", "pd2chat_event", "EV9/slack:C123")),
				page("", msgJSON("1700000001.000100", "pd2chat_event", key)),
			},
			wantRef: "1700000001.000100", wantFound: true, wantCalls: 3,
		},
		{
			name: "paginated thread",
			msg:  chat.Message{Text: "x", ThreadTS: threadTS, Key: key},
			respond: []http.HandlerFunc{
				page("cursor2", msgJSON(threadTS, "", "")),
				page("", msgJSON("1700000001.000300", "pd2chat_event", key)),
			},
			wantRef: "1700000001.000300", wantFound: true, wantCalls: 2,
		},
		{
			name:      "at most five pages",
			msg:       chat.Message{Text: "x", Key: key},
			respond:   []http.HandlerFunc{page("more", msgJSON("1700000009.000100", "", ""))},
			wantCalls: 5,
		},
		{name: "not in channel is final", msg: chat.Message{Key: key}, respond: []http.HandlerFunc{fakeslack.Error("not_in_channel")},
			wantCalls: 1, wantErr: "slack: find in C123: not_in_channel"},
		{name: "thread not found is final", msg: chat.Message{Key: key, ThreadTS: threadTS}, respond: []http.HandlerFunc{fakeslack.Error("thread_not_found")},
			wantCalls: 1, wantErr: "slack: find in C123: thread_not_found"},
		{
			name:      "missing scope names the scope",
			msg:       chat.Message{Key: key},
			respond:   []http.HandlerFunc{fakeslack.JSON(`{"ok":false,"error":"missing_scope","needed":"channels:history","provided":"chat:write"}`)},
			wantCalls: 1, wantErr: "slack: find in C123: missing_scope (needed scope: channels:history)",
		},
		{name: "HTTP 500 is temporary", msg: chat.Message{Key: key}, respond: []http.HandlerFunc{fakeslack.Status(http.StatusInternalServerError)},
			wantCalls: 1, wantErr: "slack: find in C123: slack server error: 500", wantTemp: true},
		{name: "ratelimited is temporary", msg: chat.Message{Key: key, ThreadTS: threadTS}, respond: []http.HandlerFunc{fakeslack.Status(http.StatusTooManyRequests, "Retry-After", "2")},
			wantCalls: 1, wantErr: "slack: find in C123: slack rate limit exceeded", wantTemp: true},
		{
			name:      "200 that is not JSON is temporary",
			msg:       chat.Message{Key: key},
			respond:   []http.HandlerFunc{func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "<html>") }},
			wantCalls: 1, wantErr: "slack: find in C123: unreadable answer", wantTemp: true,
		},
		{
			name:      "an error on the second page",
			msg:       chat.Message{Key: key},
			respond:   []http.HandlerFunc{page("cursor2", msgJSON("1700000009.000100", "", "")), fakeslack.Status(http.StatusBadGateway)},
			wantCalls: 2, wantErr: "slack: find in C123: slack server error: 502", wantTemp: true,
		},
		{name: "an empty key is never looked up", msg: chat.Message{Text: "x"}, wantCalls: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fakeslack.New(t)
			wantMethod := "conversations.history"
			if tt.msg.ThreadTS != "" {
				wantMethod = "conversations.replies"
			}
			f.Answer(wantMethod, tt.respond...)
			p := newPoster(t, f)

			ref, found, err := p.Find(t.Context(), tt.msg, since)

			got := f.Requests()
			if len(got) != tt.wantCalls {
				t.Fatalf("Slack received %d requests, want %d", len(got), tt.wantCalls)
			}
			for i, rq := range got {
				fm := rq.Form
				if rq.Method != wantMethod || rq.Token != token || fm.Get("channel") != channel {
					t.Errorf("request %d: %s to %s, want %s to %s with the token", i, rq.Method, fm.Get("channel"), wantMethod, channel)
				}
				if fm.Get("ts") != tt.msg.ThreadTS {
					t.Errorf("request %d: ts = %q, want %q", i, fm.Get("ts"), tt.msg.ThreadTS)
				}
				if fm.Get("oldest") != "1699999940.250000" || fm.Get("inclusive") != "1" ||
					fm.Get("include_all_metadata") != "1" || fm.Get("limit") != "200" {
					t.Errorf("request %d: oldest %q, inclusive %q, include_all_metadata %q, limit %q; want 1699999940.250000, 1, 1, 200",
						i, fm.Get("oldest"), fm.Get("inclusive"), fm.Get("include_all_metadata"), fm.Get("limit"))
				}
				wantCursor := ""
				if i > 0 {
					var prev struct {
						Meta struct {
							Next string `json:"next_cursor"`
						} `json:"response_metadata"`
					}
					rec := httptest.NewRecorder()
					tt.respond[min(i-1, len(tt.respond)-1)](rec, httptest.NewRequest(http.MethodPost, "/", nil))
					_ = json.Unmarshal(rec.Body.Bytes(), &prev)
					wantCursor = prev.Meta.Next
				}
				if fm.Get("cursor") != wantCursor {
					t.Errorf("request %d: cursor = %q, want %q", i, fm.Get("cursor"), wantCursor)
				}
			}

			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Find: %v", err)
				}
				if ref != tt.wantRef || found != tt.wantFound {
					t.Errorf("Find = %q, %v; want %q, %v", ref, found, tt.wantRef, tt.wantFound)
				}
				return
			}
			if err == nil {
				t.Fatalf("Find = %q, %v; want an error containing %q", ref, found, tt.wantErr)
			}
			if found || ref != "" {
				t.Errorf("Find = %q, %v with an error; want nothing found", ref, found)
			}
			if !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "slack: find in C123: ") {
				t.Errorf("err = %q, want it to start with the channel and contain %q", err, tt.wantErr)
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "SeCrEt") {
				t.Errorf("err = %q leaks the token", err)
			}
			if temp, _ := chat.IsTemporary(err); temp != tt.wantTemp {
				t.Errorf("IsTemporary = %v, want %v (err %v)", temp, tt.wantTemp, err)
			}
		})
	}
}

// TestFindZeroSince: a zero since asks for no oldest (newest first, five
// pages at most).
func TestFindZeroSince(t *testing.T) {
	f := fakeslack.New(t)
	f.Answer("conversations.history", page("", msgJSON("5.000001", "pd2chat_event", "K")))
	p := newPoster(t, f)

	ref, found, err := p.Find(t.Context(), chat.Message{Key: "K"}, time.Time{})

	if err != nil || !found || ref != "5.000001" {
		t.Fatalf("Find = %q, %v, %v", ref, found, err)
	}
	if got := f.Requests(); len(got) != 1 || got[0].Form.Has("oldest") {
		t.Errorf("requests %+v, want one without oldest", got)
	}
}

// TestFindTokenNeverInErrors makes Slack echo the token back in its error
// code, on both look-up methods.
func TestFindTokenNeverInErrors(t *testing.T) {
	for _, thread := range []string{"", "1699999000.000100"} {
		f := fakeslack.New(t)
		f.Answer("conversations.history", echoToken)
		f.Answer("conversations.replies", echoToken)
		p := newPoster(t, f)

		_, found, err := p.Find(t.Context(), chat.Message{Key: "K", ThreadTS: thread}, time.Now())

		if err == nil || found {
			t.Fatalf("thread %q: Find found %v, err %v; want an error", thread, found, err)
		}
		if want := "slack: find in C123: bad_token_<redacted>"; err.Error() != want {
			t.Errorf("thread %q: err = %q, want %q", thread, err, want)
		}
		if temp, _ := chat.IsTemporary(err); temp {
			t.Errorf("thread %q: err = %v is temporary, want final", thread, err)
		}
	}
}

// TestPostThenFind: what PostRef sends as metadata, Find recognises when
// Slack hands it back.
func TestPostThenFind(t *testing.T) {
	f := fakeslack.New(t) // hands back the metadata as it was sent
	p := newPoster(t, f)
	m := chat.Message{Text: "triggered", Key: "EV1/slack:C123"}

	ts, err := p.PostRef(t.Context(), m)
	if err != nil {
		t.Fatal(err)
	}
	ref, found, err := p.Find(t.Context(), m, time.Now())

	if err != nil || !found || ref != ts {
		t.Errorf("Find = %q, %v, %v; want %s, true", ref, found, err, ts)
	}
}
