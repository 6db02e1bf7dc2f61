// Package chat is the contract between pd2chat and the chats it posts to,
// and the one place that decides whether a failed post is worth another try.
// The subpackages (slack, teams, googlechat, chatwork, typetalk, console)
// only move bytes, the webhook ones through Exchange: they never import the
// renderer or the rotation.
//
// A poster makes exactly one attempt per Post and reports a failure that a
// later attempt may fix as a *TemporaryError (see Temporary, StatusError and
// TransportError). Send wraps any Poster with retries bounded by the
// context's deadline.
package chat

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Message is one chat post, already rendered for the destination's dialect.
type Message struct {
	Text string

	// ThreadTS is Slack only: reply in the thread whose parent message has
	// this timestamp ("1700000000.000100"). Empty posts a new message.
	// Other posters ignore it.
	ThreadTS string

	// Key identifies this post for the chats that can look it up again
	// (Finder): "EVENT_ID/DESTINATION". Slack carries it as message
	// metadata (event_type "pd2chat_event", payload {"key": Key}). Empty:
	// no metadata.
	Key string

	// Incident is the PagerDuty incident the message is about. Slack
	// carries it in the message metadata beside Key, so that a reaction
	// on the message, or on any reply in its thread, finds its incident.
	// Empty: none.
	Incident string

	// Broadcast: a thread reply (ThreadTS) is also sent to the channel
	// (Slack's reply_broadcast, "Also send to channel"): the escalation
	// step that mentions everyone. Other chats ignore it.
	Broadcast bool

	// Facts and Links are what a chat with cards (Teams) shows beside the
	// text: the incident's service, urgency and priority, and buttons to
	// its pages (message.Card). Other chats ignore them: their text holds
	// the same.
	Facts []Fact
	Links []Link

	// Actions are buttons under the text (Slack Block Kit; the other
	// chats ignore them). Text stays the message's notification and
	// accessibility fallback.
	Actions []Action
}

// Fact is one fact of a card: "Service", "checkout-api" (the value is
// text made inert for the chat).
type Fact struct{ Title, Value string }

// Link is a card's button to a page.
type Link struct{ Title, URL string }

// The action IDs of the buttons on an incident's thread parent on Slack
// (the Slack app's interactivity sends them back, with the incident ID as
// the button's value).
const (
	ActionTake    = "pd2chat_take"    // I'm on it
	ActionResolve = "pd2chat_resolve" // Resolved
	ActionNote    = "pd2chat_note"    // Add note (opens a modal)
	// ActionRolePrefix starts the action ID of a major incident channel's
	// role button: "pd2chat_role_commander" (package major's Roles).
	ActionRolePrefix = "pd2chat_role_"
	// ActionDeclare declares the incident major: it gets its own channel.
	ActionDeclare = "pd2chat_declare_major"
)

// Action is a button under a message: ID says what pressing it does (the
// action_id Slack sends back), Value what it applies to (an incident ID).
// Style is "", "primary" or "danger"
// (https://api.slack.com/reference/block-kit/block-elements#button).
type Action struct {
	ID, Label, Value, Style string
}

// Finder is a Poster that can tell whether a message was posted already,
// for a retry whose earlier attempt may have reached the chat (a timeout,
// a reset connection after the request was sent). Find looks for a
// message carrying m.Key posted at or after since: in the thread
// m.ThreadTS when set (Slack: conversations.replies), else among the
// channel's top-level messages (conversations.history). It returns the
// message's reference and true when found. Errors are classified like
// Post's.
type Finder interface {
	Poster
	Find(ctx context.Context, m Message, since time.Time) (ref string, found bool, err error)
}

// Poster posts a message to one destination (a Slack channel, a Typetalk
// topic, the console). Post makes one attempt; retrying is Send's job.
// A failure that another attempt may fix is returned as a *TemporaryError;
// any other error is final.
type Poster interface {
	Post(ctx context.Context, m Message) error
}

// Threader is a Poster whose chat has threads and editable messages
// (Slack). PostRef returns the posted message's id (Slack: its ts), which
// later messages name as Message.ThreadTS and Update edits.
type Threader interface {
	Poster
	PostRef(ctx context.Context, m Message) (ref string, err error)
	Update(ctx context.Context, ref string, m Message) error
}

// Checker is a Poster that can tell, without posting, whether posting can
// work at all (Slack: the token is valid, the channel exists, is not
// archived and has the bot as a member). Check errors are classified like
// Post's: a final one names what a person must fix.
type Checker interface {
	Poster
	Check(ctx context.Context) error
}

// PosterFunc adapts a function to Poster, e.g. to retry a poster method that
// returns more than an error:
//
//	var ts string
//	_, err := chat.Send(ctx, chat.PosterFunc(func(ctx context.Context, m chat.Message) (err error) {
//		ts, err = slackPoster.PostRef(ctx, m)
//		return err
//	}), m, chat.DefaultRetry)
type PosterFunc func(ctx context.Context, m Message) error

// Post calls f(ctx, m).
func (f PosterFunc) Post(ctx context.Context, m Message) error { return f(ctx, m) }

// TemporaryError marks a failure that a later attempt may fix: a 5xx answer,
// 429 (rate limited), a timeout or a broken connection.
type TemporaryError struct {
	Err        error
	RetryAfter time.Duration // how long the server asked us to wait; 0 when it did not say
}

func (e *TemporaryError) Error() string {
	if e.Err == nil {
		return "temporary failure"
	}
	return e.Err.Error()
}

func (e *TemporaryError) Unwrap() error { return e.Err }

// Temporary wraps err as a *TemporaryError. Temporary(nil, d) is nil.
func Temporary(err error, retryAfter time.Duration) error {
	if err == nil {
		return nil
	}
	if retryAfter < 0 {
		retryAfter = 0
	}
	return &TemporaryError{Err: err, RetryAfter: retryAfter}
}

// IsTemporary reports whether err is worth another try, and how long the
// server asked to wait before it.
func IsTemporary(err error) (bool, time.Duration) {
	var te *TemporaryError
	if errors.As(err, &te) {
		return true, te.RetryAfter
	}
	return false, 0
}

// StatusError classifies an HTTP status the way every poster must:
// 2xx is success (nil), 429 and 5xx are temporary (carrying retryAfter), any
// other status is final. err, which may be nil, is what the server said
// (an excerpt of the body); the result reads "HTTP 503 Service Unavailable: err".
func StatusError(status int, retryAfter time.Duration, err error) error {
	if status >= 200 && status < 300 {
		return nil
	}
	text := "HTTP " + strconv.Itoa(status)
	if st := http.StatusText(status); st != "" {
		text += " " + st
	}
	var e error
	if err == nil {
		e = errors.New(text)
	} else {
		e = fmt.Errorf("%s: %w", text, err)
	}
	if status == http.StatusTooManyRequests || status >= 500 {
		return Temporary(e, retryAfter)
	}
	return e
}

// TransportError classifies an error from http.Client.Do, that is a request
// that got no HTTP answer. Timeouts, deadlines, cancellations, refused or
// reset connections and DNS failures are temporary: the chat may be fine a
// moment later, and a delivery PagerDuty retries can still succeed.
// Certificate errors are final: they need a person. TransportError(nil) is nil.
func TransportError(err error) error {
	if err == nil {
		return nil
	}
	if ok, _ := IsTemporary(err); ok {
		return err
	}
	var (
		certInvalid  x509.CertificateInvalidError
		unknownCA    x509.UnknownAuthorityError
		hostname     x509.HostnameError
		verification *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &certInvalid), errors.As(err, &unknownCA),
		errors.As(err, &hostname), errors.As(err, &verification):
		return err
	}
	return Temporary(err, 0)
}

// ParseRetryAfter reads an HTTP Retry-After header: delay-seconds or an
// HTTP date (relative to now). It returns 0 when the header is absent,
// malformed or in the past.
func ParseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		if secs > int64(24*time.Hour/time.Second) { // nonsense; avoid overflow
			secs = int64(24 * time.Hour / time.Second)
		}
		return time.Duration(secs) * time.Second
	}
	if at, err := http.ParseTime(value); err == nil {
		if d := at.Sub(now); d > 0 {
			return d
		}
	}
	return 0
}

// Redact keeps secrets out of error text: in the URL of a *url.Error in
// err's chain (modified in place) it hides user info and the query, and it
// replaces every occurrence of each non-empty secret in err's text with
// "<redacted>". The result still unwraps to err, so errors.Is, errors.As and
// IsTemporary work as before. Redact(nil, …) is nil.
func Redact(err error, secrets ...string) error {
	if err == nil {
		return nil
	}
	text := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) {
		// Wrappers made by fmt.Errorf hold their text already: replace the
		// URL error's old text in ours too.
		before := ue.Error()
		ue.URL = redactURL(ue.URL)
		text = strings.ReplaceAll(text, before, ue.Error())
	}
	for _, s := range secrets {
		if s != "" {
			text = strings.ReplaceAll(text, s, "<redacted>")
		}
	}
	if text == err.Error() {
		return err
	}
	return &redactedError{text: text, err: err}
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "<redacted>"
	}
	if u.User != nil {
		u.User = url.User("redacted")
	}
	if u.RawQuery != "" {
		u.RawQuery = "<redacted>"
	}
	return u.String()
}

// redactedError shows text, a scrubbed copy of err's text.
type redactedError struct {
	text string
	err  error
}

func (e *redactedError) Error() string { return e.text }
func (e *redactedError) Unwrap() error { return e.err }
