// Package googlechat posts rendered messages to one Google Chat space
// through an incoming webhook
// (https://developers.google.com/workspace/chat/quickstart/webhooks): a
// JSON POST {"text": …, "thread": {"threadKey": INCIDENT}} to the
// webhook's URL with messageReplyOption=REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD,
// so that every message about one incident lands in one thread, which its
// first message starts, as on Slack. Messages without an incident (the
// reminders, the digest) start their own.
//
// Each message with a Key (chat.Message.Key, "EVENT_ID/DESTINATION") is
// created with a request ID and a client-assigned message ID derived from
// it (MessageID; spaces.messages.create's requestId and messageId): Chat
// answers a repeated request ID with the message it created, and refuses
// a second message with the same message ID (409 ALREADY_EXISTS), which
// Post takes as done; so a retry after a lost answer or a crash never
// posts twice.
//
// The webhook URL carries its key and token: it is a secret, never
// printed (errors name the space's name in GOOGLECHAT_WEBHOOKS). Errors
// are classified for chat.Send: 429 (about one message per second per
// space) and 5xx are temporary, other 4xx final.
package googlechat

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/chat"
)

// MaxLength is the longest text Google Chat takes, in characters.
const MaxLength = 4096

// ReplyOption is how a message with a thread key is posted: into the
// key's thread, or as a new one when there is none yet.
const ReplyOption = "REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD"

// Options configure a Poster.
type Options struct {
	// Name is the webhook's name in GOOGLECHAT_WEBHOOKS ("oncall"): what
	// logs and errors show.
	Name string
	// URL is the webhook's URL (a secret).
	URL string
	// HTTPClient carries the requests; nil means a new http.Client.
	HTTPClient *http.Client
	// Now reads the clock for an HTTP-date Retry-After; nil: time.Now.
	Now func() time.Time
}

// Poster posts to one Google Chat space. It is safe for concurrent use.
type Poster struct {
	name, url string
	client    *http.Client
	now       func() time.Time
}

var (
	_ chat.Poster  = (*Poster)(nil)
	_ chat.Checker = (*Poster)(nil)
)

// New returns a Poster for o's webhook. It does not call Google Chat.
func New(o Options) *Poster {
	p := &Poster{name: o.Name, url: o.URL, client: chat.NoRedirects(o.HTTPClient), now: o.Now}
	if p.now == nil {
		p.now = time.Now
	}
	return p
}

// String names the destination for logs: "googlechat:oncall".
func (p *Poster) String() string { return "googlechat:" + p.name }

type body struct {
	Text   string  `json:"text"`
	Thread *thread `json:"thread,omitempty"`
}

type thread struct {
	ThreadKey string `json:"threadKey"`
}

// Post posts m.Text once, in the thread of m.Incident when it is set.
func (p *Poster) Post(ctx context.Context, m chat.Message) error {
	if n := utf8.RuneCountInString(m.Text); n > MaxLength {
		return p.wrap(fmt.Errorf("message is %d characters, Google Chat takes at most %d", n, MaxLength))
	}
	target, err := url.Parse(p.url)
	if err != nil || p.url == "" {
		return p.wrap(errors.New("the webhook URL is not a URL"))
	}
	b := body{Text: m.Text}
	q := target.Query()
	if m.Incident != "" {
		b.Thread = &thread{ThreadKey: m.Incident}
		q.Set("messageReplyOption", ReplyOption)
	}
	if m.Key != "" {
		q.Set("messageId", MessageID(m.Key))
		q.Set("requestId", MessageID(m.Key))
	}
	target.RawQuery = q.Encode()
	payload, err := json.Marshal(b)
	if err != nil {
		return p.wrap(err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(payload))
	if err != nil {
		return p.wrap(errors.New("the webhook URL is not a URL"))
	}
	req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	status, err := chat.Exchange(p.client, req, chat.RetryAfter(p.now))
	switch {
	case err == nil:
		return nil
	case status == http.StatusConflict && m.Key != "":
		return nil // ALREADY_EXISTS: this message ID was posted before
	}
	return p.wrap(err)
}

// MessageID is the client-assigned message ID of the post with key:
// "client-" and 40 hex digits of its SHA-256, within Chat's rules
// (lower-case letters, digits and hyphens, at most 63 characters).
func MessageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "client-" + hex.EncodeToString(sum[:20])
}

// Check verifies what can be without posting: an incoming webhook has no
// read method, so only its URL's shape (Google's host, a space, the key
// and token) is checked.
func (p *Poster) Check(context.Context) error {
	u, err := url.Parse(p.url)
	switch {
	case err != nil || u.Host == "":
		return p.wrap(errors.New("the webhook URL is not a URL"))
	case u.Host == "chat.googleapis.com" && (!strings.HasPrefix(u.Path, "/v1/spaces/") || u.Query().Get("key") == "" || u.Query().Get("token") == ""):
		return p.wrap(errors.New("the webhook URL is not a space's incoming webhook (https://chat.googleapis.com/v1/spaces/…/messages?key=…&token=…)"))
	}
	return nil
}

// wrap names the webhook and scrubs its URL, key and token from the text
// (a transport error's URL loses its query).
func (p *Poster) wrap(err error) error {
	secrets := []string{p.url}
	if u, perr := url.Parse(p.url); perr == nil {
		secrets = append(secrets, u.RawQuery)
		for _, v := range []string{u.Query().Get("key"), u.Query().Get("token")} {
			// As written, and as a re-encoded query writes it (%3D for '=').
			secrets = append(secrets, v, url.QueryEscape(v))
		}
	}
	return chat.Redact(fmt.Errorf("googlechat: post to %s: %w", p.name, err), secrets...)
}
