// Package typetalk posts rendered messages to one Typetalk topic with a
// small client of Typetalk's published API: one form POST to
// {base}/api/v1/topics/{topicID} with the bot token in X-Typetalk-Token.
//
// It only moves bytes: the text arrives already rendered and cut to
// Typetalk's limit; a longer one is refused, not cut. Errors are classified
// for chat.Send (429 and 5xx temporary, other 4xx final) and never contain
// the token.
package typetalk

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/chat"
)

// MaxLength is the most characters (runes) Typetalk accepts in one post.
const MaxLength = 4000

// DefaultBaseURL is Typetalk's site.
const DefaultBaseURL = "https://typetalk.com"

// Options configure a Poster.
type Options struct {
	// Token is the bot's token, sent as the X-Typetalk-Token header. It is
	// never printed.
	Token string
	// BaseURL is the site's base URL; "/api/v1/topics/{id}" is appended.
	// Empty means DefaultBaseURL.
	BaseURL string
	// TopicID is the numeric topic to post to ("42").
	TopicID string
	// HTTPClient carries the requests; nil means a new http.Client. Bound
	// each call with the context, not with a client timeout.
	HTTPClient *http.Client
	// Now reads the clock to turn an HTTP-date Retry-After into a delay;
	// nil means time.Now.
	Now func() time.Time
}

// Poster posts to one Typetalk topic. It is safe for concurrent use.
type Poster struct {
	endpoint string
	topic    string
	token    string
	client   *http.Client
	now      func() time.Time
}

var _ chat.Poster = (*Poster)(nil)

// New returns a Poster for o.TopicID. It does not call Typetalk.
func New(o Options) *Poster {
	base := o.BaseURL
	if base == "" {
		base = DefaultBaseURL
	}
	p := &Poster{
		endpoint: strings.TrimRight(base, "/") + "/api/v1/topics/" + url.PathEscape(o.TopicID),
		topic:    o.TopicID,
		token:    o.Token,
		client:   chat.NoRedirects(o.HTTPClient),
		now:      o.Now,
	}
	if p.now == nil {
		p.now = time.Now
	}
	return p
}

// String names the destination for logs: "typetalk:42".
func (p *Poster) String() string { return "typetalk:" + p.topic }

// Post posts m.Text once (m.ThreadTS is ignored).
//
// 2xx is success. 429 and 5xx, a timeout or a broken connection are a
// *chat.TemporaryError carrying the server's Retry-After (seconds or an HTTP
// date). Any other status, an empty topic, or a text longer than MaxLength
// is final. Errors read "typetalk: post to topic 42: HTTP 401 Unauthorized: …".
func (p *Poster) Post(ctx context.Context, m chat.Message) error {
	if p.topic == "" {
		return p.wrap(errors.New("no topic ID"))
	}
	if n := utf8.RuneCountInString(m.Text); n > MaxLength {
		return p.wrap(fmt.Errorf("message is %d characters, Typetalk takes at most %d", n, MaxLength))
	}
	form := url.Values{"message": {m.Text}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return p.wrap(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Typetalk-Token", p.token)

	// The answer's JSON (the topic and the new post) is not needed; an error
	// answer's body says why (chat.Reason).
	if _, err := chat.Exchange(p.client, req, chat.RetryAfter(p.now)); err != nil {
		return p.wrap(err)
	}
	return nil
}

// wrap names the topic and scrubs the token (and any URL's query and user
// info) from the text.
func (p *Poster) wrap(err error) error {
	return chat.Redact(fmt.Errorf("typetalk: post to topic %s: %w", p.topic, err), p.token)
}
