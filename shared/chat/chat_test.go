package chat_test

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"syscall"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
)

func TestStatusError(t *testing.T) {
	body := errors.New(`{"error":"nope"}`)
	tests := []struct {
		status     int
		retryAfter time.Duration
		err        error
		wantNil    bool
		wantTemp   bool
		wantText   string
	}{
		{status: 200, wantNil: true},
		{status: 204, err: body, wantNil: true},
		{status: 400, err: body, wantText: `HTTP 400 Bad Request: {"error":"nope"}`},
		{status: 401, wantText: "HTTP 401 Unauthorized"},
		{status: 404, wantText: "HTTP 404 Not Found"},
		{status: 302, wantText: "HTTP 302 Found"},
		{status: 429, retryAfter: 3 * time.Second, wantTemp: true, wantText: "HTTP 429 Too Many Requests"},
		{status: 500, err: body, wantTemp: true, wantText: `HTTP 500 Internal Server Error: {"error":"nope"}`},
		{status: 503, wantTemp: true, wantText: "HTTP 503 Service Unavailable"},
		{status: 599, wantTemp: true, wantText: "HTTP 599"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status, tt.err != nil), func(t *testing.T) {
			err := chat.StatusError(tt.status, tt.retryAfter, tt.err)
			if tt.wantNil {
				if err != nil {
					t.Fatalf("StatusError = %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatal("StatusError = nil, want an error")
			}
			if err.Error() != tt.wantText {
				t.Errorf("text = %q, want %q", err.Error(), tt.wantText)
			}
			temp, ra := chat.IsTemporary(err)
			if temp != tt.wantTemp || ra != tt.retryAfter && tt.wantTemp {
				t.Errorf("IsTemporary = %v, %v; want %v, %v", temp, ra, tt.wantTemp, tt.retryAfter)
			}
			if tt.err != nil && !errors.Is(err, tt.err) {
				t.Errorf("%v does not wrap %v", err, tt.err)
			}
		})
	}
}

func TestTemporary(t *testing.T) {
	if err := chat.Temporary(nil, time.Second); err != nil {
		t.Errorf("Temporary(nil) = %v, want nil", err)
	}
	base := errors.New("boom")
	wrapped := fmt.Errorf("slack: post to C1: %w", chat.Temporary(base, 2*time.Second))
	if temp, ra := chat.IsTemporary(wrapped); !temp || ra != 2*time.Second {
		t.Errorf("IsTemporary(wrapped) = %v, %v", temp, ra)
	}
	if !errors.Is(wrapped, base) {
		t.Error("the temporary error does not unwrap to its cause")
	}
	if temp, _ := chat.IsTemporary(base); temp {
		t.Error("a plain error is temporary")
	}
	if got := (&chat.TemporaryError{}).Error(); got == "" {
		t.Error("TemporaryError with nil Err has no text")
	}
}

func TestTransportError(t *testing.T) {
	urlErr := func(err error) error { return &url.Error{Op: "Post", URL: "https://example.com/x", Err: err} }
	tests := []struct {
		name     string
		err      error
		wantTemp bool
	}{
		{"deadline", urlErr(context.DeadlineExceeded), true},
		{"canceled", urlErr(context.Canceled), true},
		{"refused", urlErr(&net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), true},
		{"reset", urlErr(&net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}), true},
		{"eof", urlErr(io.EOF), true},
		{"dns", urlErr(&net.DNSError{Err: "no such host", Name: "slack.invalid"}), true},
		{"unknown CA", urlErr(x509.UnknownAuthorityError{}), false},
		{"bad hostname", urlErr(x509.HostnameError{Host: "x"}), false},
		{"already temporary", chat.Temporary(errors.New("x"), time.Second), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := chat.TransportError(tt.err)
			if temp, _ := chat.IsTemporary(err); temp != tt.wantTemp {
				t.Errorf("IsTemporary(TransportError(%v)) = %v, want %v", tt.err, temp, tt.wantTemp)
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("%v does not wrap %v", err, tt.err)
			}
		})
	}
	if chat.TransportError(nil) != nil {
		t.Error("TransportError(nil) != nil")
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"3", 3 * time.Second},
		{" 120 ", 2 * time.Minute},
		{"0", 0},
		{"-5", 0},
		{"soon", 0},
		{"Fri, 20 Nov 2026 10:00:30 GMT", 30 * time.Second},
		{"Fri, 20 Nov 2026 09:59:00 GMT", 0},
		{"99999999999", 24 * time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			if got := chat.ParseRetryAfter(tt.value, now); got != tt.want {
				t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestRedact(t *testing.T) {
	const secret = "tok-SECRET-123"
	if chat.Redact(nil, secret) != nil {
		t.Error("Redact(nil) != nil")
	}
	tests := []struct {
		name     string
		err      error
		want     string
		wantTemp bool
	}{
		{
			name: "secret in text",
			err:  fmt.Errorf("typetalk: post to topic 1: %w", errors.New("bad token "+secret)),
			want: "typetalk: post to topic 1: bad token <redacted>",
		},
		{
			name:     "secret in a temporary error",
			err:      chat.Temporary(errors.New(secret+" rate limited"), time.Second),
			want:     "<redacted> rate limited",
			wantTemp: true,
		},
		{
			name:     "URL with user info and query",
			err:      fmt.Errorf("typetalk: %w", chat.TransportError(&url.Error{Op: "Post", URL: "https://user:pw@typetalk.example/api/v1/topics/1?key=k", Err: io.EOF})),
			want:     `typetalk: Post "https://redacted@typetalk.example/api/v1/topics/1?<redacted>": EOF`,
			wantTemp: true,
		},
		{
			name: "nothing to hide",
			err:  errors.New("channel_not_found"),
			want: "channel_not_found",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := chat.Redact(tt.err, secret, "")
			if err.Error() != tt.want {
				t.Errorf("Redact = %q, want %q", err, tt.want)
			}
			if !errors.Is(err, tt.err) {
				t.Error("the redacted error does not unwrap to the original")
			}
			if temp, _ := chat.IsTemporary(err); temp != tt.wantTemp {
				t.Errorf("IsTemporary = %v, want %v", temp, tt.wantTemp)
			}
		})
	}
}
