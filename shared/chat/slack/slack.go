// Package slack posts rendered messages to one Slack channel through the
// Web API method chat.postMessage, using github.com/slack-go/slack.
//
// It only moves bytes: the text arrives already rendered (escaped, with
// mentions in Slack's <@U…> syntax) and is sent with mrkdwn on (Slack's
// default, never turned off here) and link unfurling off. Errors are
// classified for chat.Send and never contain the bot token.
package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	slackapi "github.com/slack-go/slack"

	"github.com/pd2chat/pd2chat/shared/chat"
)

// Options configure a Poster.
type Options struct {
	// Token is the bot token (xoxb-…). It is sent to Slack only, never
	// printed; slack-go sends it as the form field "token".
	Token string
	// APIURL is the Web API base URL as slack-go's OptionAPIURL takes it,
	// method names appended ("https://slack.com/api/"). Empty means Slack's;
	// a missing trailing slash is added.
	APIURL string
	// Channel is the channel ID to post to ("C123…").
	Channel string
	// HTTPClient carries the requests; nil means a new http.Client. Bound
	// each call with the context, not with a client timeout.
	HTTPClient *http.Client
}

// Poster posts to one Slack channel. It is safe for concurrent use.
type Poster struct {
	client  *slackapi.Client
	channel string
	token   string // only to scrub it from error text
}

var _ chat.Poster = (*Poster)(nil)

// New returns a Poster for o.Channel. It does not call Slack.
func New(o Options) *Poster {
	opts := []slackapi.Option{}
	if o.APIURL != "" {
		u := o.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		opts = append(opts, slackapi.OptionAPIURL(u))
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	opts = append(opts, slackapi.OptionHTTPClient(hc))
	return &Poster{
		client:  slackapi.New(o.Token, opts...),
		channel: o.Channel,
		token:   o.Token,
	}
}

// String names the destination for logs: "slack:C123".
func (p *Poster) String() string { return "slack:" + p.channel }

// Post posts m once; see PostTS.
func (p *Poster) Post(ctx context.Context, m chat.Message) error {
	_, err := p.PostTS(ctx, m)
	return err
}

// PostTS posts m once and returns the new message's timestamp ("ts"), which
// identifies it for threading: pass it as chat.Message.ThreadTS to reply
// under it. A non-empty m.ThreadTS posts m as a reply in that thread.
//
// A failure another attempt may fix (rate limited, 5xx, a timeout, a broken
// connection, Slack's own internal_error…) is a *chat.TemporaryError carrying
// Slack's Retry-After. Anything else (channel_not_found, invalid_auth,
// not_in_channel, missing_scope…) is final. Errors read
// "slack: post to C123: channel_not_found".
func (p *Poster) PostTS(ctx context.Context, m chat.Message) (string, error) {
	opts := []slackapi.MsgOption{
		slackapi.MsgOptionText(m.Text, false), // already escaped by the renderer
		slackapi.MsgOptionDisableLinkUnfurl(),
	}
	if m.ThreadTS != "" {
		opts = append(opts, slackapi.MsgOptionTS(m.ThreadTS))
	}
	_, ts, err := p.client.PostMessageContext(ctx, p.channel, opts...)
	if err != nil {
		return "", p.wrap(classify(err))
	}
	return ts, nil
}

// PostRef is PostTS: the message's ts is its reference (chat.Threader).
func (p *Poster) PostRef(ctx context.Context, m chat.Message) (string, error) {
	return p.PostTS(ctx, m)
}

// Update replaces the text of the message ts (chat.update), e.g. to show an
// incident's current state on its thread parent. Errors are classified like
// PostTS's and read "slack: update C123 1700000000.000100: message_not_found".
func (p *Poster) Update(ctx context.Context, ts string, m chat.Message) error {
	_, _, _, err := p.client.UpdateMessageContext(ctx, p.channel, ts, slackapi.MsgOptionText(m.Text, false))
	if err != nil {
		return chat.Redact(fmt.Errorf("slack: update %s %s: %w", p.channel, ts, classify(err)), p.token)
	}
	return nil
}

var _ chat.Threader = (*Poster)(nil)

// temporaryAPIErrors are the chat.postMessage error codes Slack documents as
// worth another try; every other code is final.
var temporaryAPIErrors = map[string]bool{
	"ratelimited":         true,
	"rate_limited":        true,
	"internal_error":      true,
	"fatal_error":         true,
	"service_unavailable": true,
	"request_timeout":     true,
}

// classify marks err temporary when another attempt may succeed.
func classify(err error) error {
	var (
		rateLimited *slackapi.RateLimitedError
		status      slackapi.StatusCodeError
		apiErr      slackapi.SlackErrorResponse
		numErr      *strconv.NumError
		urlErr      *url.Error
		syntaxErr   *json.SyntaxError
	)
	switch {
	case errors.As(err, &rateLimited):
		return chat.Temporary(err, rateLimited.RetryAfter)
	case errors.As(err, &status):
		if status.Code == http.StatusTooManyRequests || status.Code >= 500 {
			return chat.Temporary(err, 0)
		}
		return err
	case errors.As(err, &apiErr):
		if apiErr.Needed != "" {
			err = fmt.Errorf("%w (needed scope: %s)", err, apiErr.Needed)
		}
		if temporaryAPIErrors[apiErr.Err] {
			return chat.Temporary(err, 0)
		}
		return err
	case errors.As(err, &numErr):
		// slack-go's only integer parsing on this path is a 429's
		// Retry-After; an HTTP-date value lands here.
		return chat.Temporary(fmt.Errorf("rate limited (Retry-After unreadable): %w", err), 0)
	case errors.As(err, &urlErr):
		return chat.TransportError(err)
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return chat.Temporary(err, 0)
	case errors.As(err, &syntaxErr):
		// A 200 that is not Slack's JSON (a proxy's page): whether the
		// message went out is unknown, and retrying would not tell.
		return fmt.Errorf("unreadable answer: %w", err)
	}
	return err
}

// wrap names the channel and scrubs the token from the text.
func (p *Poster) wrap(err error) error {
	return chat.Redact(fmt.Errorf("slack: post to %s: %w", p.channel, err), p.token)
}
