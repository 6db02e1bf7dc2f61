// Package chatwork posts rendered messages to one Chatwork room with a
// small client of Chatwork API v2 (https://developer.chatwork.com/reference):
// one form POST to {api}/rooms/{room_id}/messages with the API token in
// X-ChatWorkToken.
//
// Chatwork has no threads: each message is one box,
//
//	[To:123]Sato Tanaka            ← the mentions, outside the box
//	[info][title]🚨 Triggered — #1234 checkout-api: 5xx[/title]Service: …
//	#pd1234[/info]
//
// whose title is the message's first line and which carries the
// incident's tag, so a room reads one box per event and the tag groups an
// incident. The text arrives rendered (package message, dialect Chatwork:
// outside text cannot make a tag) and cut to the dialect's limit.
//
// Errors are classified for chat.Send: 429 (Chatwork's rate limit: 300
// requests per 5 minutes per token, and per room) and 5xx are temporary,
// with the wait from Retry-After or x-ratelimit-reset; other 4xx are
// final. They never contain the token.
package chatwork

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/chat"
)

// DefaultAPIURL is Chatwork's API base, with its version.
const DefaultAPIURL = "https://api.chatwork.com/v2"

// MaxLength is the longest body posted, in characters: the rendered limit
// (message's chatworkLimit, 10,000) and the box around it. Chatwork
// refuses bodies of some tens of thousands of bytes.
const MaxLength = 10200

// Options configure a Poster.
type Options struct {
	// Token is the API token (X-ChatWorkToken). It is never printed.
	Token string
	// APIURL is the API base including /v2; empty means DefaultAPIURL.
	APIURL string
	// RoomID is the room to post to ("123456789").
	RoomID string
	// HTTPClient carries the requests; nil means a new http.Client.
	HTTPClient *http.Client
	// Now reads the clock for a rate limit's reset time; nil: time.Now.
	Now func() time.Time
}

// Poster posts to one Chatwork room. It is safe for concurrent use.
type Poster struct {
	api, room, token string
	client           *http.Client
	now              func() time.Time
}

var (
	_ chat.Poster  = (*Poster)(nil)
	_ chat.Checker = (*Poster)(nil)
)

// New returns a Poster for o.RoomID. It does not call Chatwork.
func New(o Options) *Poster {
	p := &Poster{api: strings.TrimRight(o.APIURL, "/"), room: o.RoomID, token: o.Token, client: o.HTTPClient, now: o.Now}
	if p.api == "" {
		p.api = DefaultAPIURL
	}
	p.client = chat.NoRedirects(p.client)
	if p.now == nil {
		p.now = time.Now
	}
	return p
}

// String names the destination for logs: "chatwork:123456".
func (p *Poster) String() string { return "chatwork:" + p.room }

// Post posts m.Text once, in its box (see Box).
func (p *Poster) Post(ctx context.Context, m chat.Message) error {
	body := Box(m.Text)
	if n := utf8.RuneCountInString(body); n > MaxLength {
		return p.wrap("post to", fmt.Errorf("message is %d characters, at most %d are posted", n, MaxLength))
	}
	form := url.Values{"body": {body}, "self_unread": {"0"}}
	return p.do(ctx, "post to", http.MethodPost, "/rooms/"+url.PathEscape(p.room)+"/messages", strings.NewReader(form.Encode()))
}

// Check asks for the room (GET /rooms/{room_id}) without posting: a wrong
// token, a room that does not exist or that the token's account is not a
// member of is a final error.
func (p *Poster) Check(ctx context.Context) error {
	return p.do(ctx, "check", http.MethodGet, "/rooms/"+url.PathEscape(p.room), nil)
}

func (p *Poster) do(ctx context.Context, op, method, path string, body io.Reader) error {
	if p.room == "" {
		return p.wrap(op, errors.New("no room ID"))
	}
	req, err := http.NewRequestWithContext(ctx, method, p.api+path, body)
	if err != nil {
		return p.wrap(op, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-ChatWorkToken", p.token)
	if _, err := chat.Exchange(p.client, req, p.retryAfter); err != nil {
		return p.wrap(op, err)
	}
	return nil
}

// retryAfter is how long a 429 asks to wait: Retry-After, or until
// x-ratelimit-reset (Unix seconds), Chatwork's own header.
func (p *Poster) retryAfter(h http.Header) time.Duration {
	if d := chat.ParseRetryAfter(h.Get("Retry-After"), p.now()); d > 0 {
		return d
	}
	if reset, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Ratelimit-Reset")), 10, 64); err == nil {
		if d := time.Unix(reset, 0).Sub(p.now()); d > 0 {
			return min(d, 5*time.Minute)
		}
	}
	return 0
}

// wrap names the room and scrubs the token from the text.
func (p *Poster) wrap(op string, err error) error {
	return chat.Redact(fmt.Errorf("chatwork: %s room %s: %w", op, p.room, err), p.token)
}

// Box lays a rendered message out for Chatwork: its lines that mention
// someone ([To:…] or [toall], which only the renderer writes) first, then
// the rest in an [info] box whose [title] is the first line.
func Box(text string) string {
	var mentions, rest []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, "[To:") || strings.Contains(line, "[toall]") {
			mentions = append(mentions, line)
			continue
		}
		rest = append(rest, line)
	}
	var b strings.Builder
	for _, m := range mentions {
		b.WriteString(m)
		b.WriteByte('\n')
	}
	if len(rest) == 0 {
		return strings.TrimRight(b.String(), "\n")
	}
	b.WriteString("[info][title]")
	b.WriteString(rest[0])
	b.WriteString("[/title]")
	b.WriteString(strings.Join(rest[1:], "\n"))
	b.WriteString("[/info]")
	return b.String()
}
