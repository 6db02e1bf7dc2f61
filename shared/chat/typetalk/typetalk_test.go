package typetalk_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/typetalk"
)

const token = "tt-SeCrEt-0123456789abcdef"

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// request is what the fake Typetalk received.
type request struct {
	method, path, token, contentType, message string
}

// fakeTypetalk answers POST /api/v1/topics/{id} and records the requests.
type fakeTypetalk struct {
	mu      sync.Mutex
	got     []request
	respond http.HandlerFunc
}

func (f *fakeTypetalk) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	f.mu.Lock()
	f.got = append(f.got, request{
		method:      r.Method,
		path:        r.URL.Path,
		token:       r.Header.Get("X-Typetalk-Token"),
		contentType: r.Header.Get("Content-Type"),
		message:     r.PostForm.Get("message"),
	})
	f.mu.Unlock()
	f.respond(w, r)
}

func (f *fakeTypetalk) requests() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.got...)
}

func answer(code int, body string, header ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = io.WriteString(w, body)
	}
}

const okBody = `{"topic":{"id":42,"name":"alerts"},"post":{"id":1001,"topicId":42,"message":"x"}}`

func TestPost(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		respond   http.HandlerFunc
		ctxLimit  time.Duration
		wantSent  bool
		wantErr   string // whole text, or a substring when wantPart
		wantPart  bool
		wantTemp  bool
		wantAfter time.Duration
	}{
		{
			name:     "success",
			text:     "[#42] Triggered: DB down @alice #pd42",
			respond:  answer(http.StatusOK, okBody),
			wantSent: true,
		},
		{
			name:     "Japanese text, exactly at the limit",
			text:     strings.Repeat("障", typetalk.MaxLength),
			respond:  answer(http.StatusOK, okBody),
			wantSent: true,
		},
		{
			name:     "bad request is final",
			text:     "x",
			respond:  answer(http.StatusBadRequest, "{\"errors\": [\n {\"field\":\"message\",\"name\":\"error.maxLength\"}]}"),
			wantSent: true,
			wantErr:  `typetalk: post to topic 42: HTTP 400 Bad Request: {"errors": [ {"field":"message","name":"error.maxLength"}]}`,
		},
		{
			name:     "unauthorized is final and says why",
			text:     "x",
			respond:  answer(http.StatusUnauthorized, "", "WWW-Authenticate", `Bearer error="invalid_token"`),
			wantSent: true,
			wantErr:  `typetalk: post to topic 42: HTTP 401 Unauthorized: Bearer error="invalid_token"`,
		},
		{
			name:     "not found is final",
			text:     "x",
			respond:  answer(http.StatusNotFound, ""),
			wantSent: true,
			wantErr:  "typetalk: post to topic 42: HTTP 404 Not Found",
		},
		{
			name:      "rate limited, Retry-After in seconds",
			text:      "x",
			respond:   answer(http.StatusTooManyRequests, "", "Retry-After", "3"),
			wantSent:  true,
			wantErr:   "typetalk: post to topic 42: HTTP 429 Too Many Requests",
			wantTemp:  true,
			wantAfter: 3 * time.Second,
		},
		{
			name:      "rate limited, Retry-After as an HTTP date",
			text:      "x",
			respond:   answer(http.StatusTooManyRequests, "", "Retry-After", "Fri, 20 Nov 2026 10:00:07 GMT"),
			wantSent:  true,
			wantErr:   "typetalk: post to topic 42: HTTP 429 Too Many Requests",
			wantTemp:  true,
			wantAfter: 7 * time.Second,
		},
		{
			name:     "server error is temporary",
			text:     "x",
			respond:  answer(http.StatusInternalServerError, `{"error":"internal"}`),
			wantSent: true,
			wantErr:  `typetalk: post to topic 42: HTTP 500 Internal Server Error: {"error":"internal"}`,
			wantTemp: true,
		},
		{
			name:     "unavailable is temporary",
			text:     "x",
			respond:  answer(http.StatusServiceUnavailable, ""),
			wantSent: true,
			wantErr:  "typetalk: post to topic 42: HTTP 503 Service Unavailable",
			wantTemp: true,
		},
		{
			name:     "timeout is temporary",
			text:     "x",
			respond:  func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
			ctxLimit: 20 * time.Millisecond,
			wantSent: true,
			wantErr:  "context deadline exceeded",
			wantPart: true,
			wantTemp: true,
		},
		{
			name:     "too long is refused without a request",
			text:     strings.Repeat("障", typetalk.MaxLength+1),
			respond:  answer(http.StatusOK, okBody),
			wantErr:  "typetalk: post to topic 42: message is 4001 characters, Typetalk takes at most 4000",
			wantSent: false,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeTypetalk{respond: tt.respond}
			srv := httptest.NewServer(f)
			defer srv.Close()
			p := typetalk.New(typetalk.Options{
				Token: token, BaseURL: srv.URL + "/", TopicID: "42",
				HTTPClient: srv.Client(), Now: func() time.Time { return now },
			})
			ctx := t.Context()
			if tt.ctxLimit > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.ctxLimit)
				defer cancel()
			}

			err := p.Post(ctx, chat.Message{Text: tt.text, ThreadTS: "ignored"})

			got := f.requests()
			switch {
			case !tt.wantSent && len(got) != 0:
				t.Errorf("Typetalk received %d requests, want none", len(got))
			case tt.wantSent && len(got) != 1:
				t.Errorf("Typetalk received %d requests, want 1", len(got))
			case tt.wantSent:
				want := request{"POST", "/api/v1/topics/42", token, "application/x-www-form-urlencoded", tt.text}
				if got[0] != want {
					t.Errorf("Typetalk received %+v,\nwant %+v", got[0], want)
				}
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Post: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Post succeeded, want %q", tt.wantErr)
			}
			if tt.wantPart && !strings.Contains(err.Error(), tt.wantErr) || !tt.wantPart && err.Error() != tt.wantErr {
				t.Errorf("err = %q, want %q", err, tt.wantErr)
			}
			if !strings.HasPrefix(err.Error(), "typetalk: post to topic 42: ") {
				t.Errorf("err = %q does not name the topic", err)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("err = %q leaks the token", err)
			}
			if temp, after := chat.IsTemporary(err); temp != tt.wantTemp || after != tt.wantAfter {
				t.Errorf("IsTemporary = %v, %v; want %v, %v", temp, after, tt.wantTemp, tt.wantAfter)
			}
		})
	}
}

// TestTokenNeverInErrors: a server that echoes the token, and a base URL
// carrying credentials that ends up in a *url.Error.
func TestTokenNeverInErrors(t *testing.T) {
	echo := func(w http.ResponseWriter, r *http.Request) {
		answer(http.StatusUnauthorized, `{"error":"bad token `+r.Header.Get("X-Typetalk-Token")+`"}`)(w, r)
	}
	srv := httptest.NewServer(&fakeTypetalk{respond: echo})
	defer srv.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	tests := []struct {
		name     string
		base     string
		wantTemp bool
	}{
		{"server echoes the token", srv.URL, false},
		{"credentials in the base URL", strings.Replace(closed.URL, "http://", "http://"+token+"@", 1) + "/?key=" + token, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := typetalk.New(typetalk.Options{Token: token, BaseURL: tt.base, TopicID: "42"})

			err := p.Post(t.Context(), chat.Message{Text: "x"})

			if err == nil {
				t.Fatal("Post succeeded, want an error")
			}
			if strings.Contains(err.Error(), token) || strings.Contains(err.Error(), "SeCrEt") {
				t.Errorf("err = %q leaks the token", err)
			}
			if temp, _ := chat.IsTemporary(err); temp != tt.wantTemp {
				t.Errorf("err = %v: temporary %v, want %v", err, temp, tt.wantTemp)
			}
		})
	}
}

func TestPostWithoutTopic(t *testing.T) {
	p := typetalk.New(typetalk.Options{Token: token})
	err := p.Post(t.Context(), chat.Message{Text: "x"})
	if err == nil || err.Error() != "typetalk: post to topic : no topic ID" {
		t.Errorf("err = %v", err)
	}
	if temp, _ := chat.IsTemporary(err); temp {
		t.Error("a missing topic is temporary")
	}
}

func TestString(t *testing.T) {
	if got := typetalk.New(typetalk.Options{TopicID: "123"}).String(); got != "typetalk:123" {
		t.Errorf("String() = %q", got)
	}
}

// TestSendRetries runs chat.Send over the client: 503, 429, then ok.
func TestSendRetries(t *testing.T) {
	var n int
	var mu sync.Mutex
	f := &fakeTypetalk{respond: func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		switch i {
		case 1:
			answer(http.StatusServiceUnavailable, "")(w, r)
		case 2:
			answer(http.StatusTooManyRequests, "", "Retry-After", "2")(w, r)
		default:
			answer(http.StatusOK, okBody)(w, r)
		}
	}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	p := typetalk.New(typetalk.Options{Token: token, BaseURL: srv.URL, TopicID: "42", HTTPClient: srv.Client()})
	var slept []time.Duration
	pol := chat.RetryPolicy{Sleep: func(ctx context.Context, d time.Duration) error {
		slept = append(slept, d)
		return nil
	}}

	attempts, err := chat.Send(t.Context(), p, chat.Message{Text: "hello"}, pol)

	if err != nil || attempts != 3 {
		t.Fatalf("Send = %d, %v; want 3 attempts, success", attempts, err)
	}
	if len(slept) != 2 || slept[1] != 2*time.Second {
		t.Errorf("slept %v, want a back-off then the 2s Retry-After", slept)
	}
}
