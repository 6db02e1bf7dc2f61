// Package slack posts rendered messages to one Slack channel through the
// Web API method chat.postMessage, using github.com/slack-go/slack, and
// looks them up again (conversations.history, conversations.replies) by the
// key carried in their message metadata.
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
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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

var (
	_ chat.Poster = (*Poster)(nil)
	_ chat.Finder = (*Poster)(nil)
)

// eventType is the metadata event_type of every message posted with a
// chat.Message.Key; the payload is {"key": Key}.
const eventType = "pd2chat_event"

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

// Post posts m once; see PostRef.
func (p *Poster) Post(ctx context.Context, m chat.Message) error {
	_, err := p.PostRef(ctx, m)
	return err
}

// PostRef posts m once and returns the new message's timestamp ("ts"), its
// reference (chat.Threader), which identifies it for threading: pass it as chat.Message.ThreadTS to reply
// under it. A non-empty m.ThreadTS posts m as a reply in that thread.
//
// A non-empty m.Key is attached as message metadata (event_type
// "pd2chat_event", payload {"key": m.Key, "incident": m.Incident}) so
// that Find can tell later whether this post went out, and IncidentOf
// which incident a message's thread is about. m.Actions become Block Kit
// buttons under the text (see content).
//
// A failure another attempt may fix (rate limited, 5xx, a timeout, a broken
// connection, an unreadable answer, Slack's own internal_error…) is a
// *chat.TemporaryError carrying Slack's Retry-After. Anything else
// (channel_not_found, invalid_auth, not_in_channel, missing_scope…) is
// final. Errors read "slack: post to C123: channel_not_found".
func (p *Poster) PostRef(ctx context.Context, m chat.Message) (string, error) {
	opts := append(content(m, false), slackapi.MsgOptionDisableLinkUnfurl())
	if m.ThreadTS != "" {
		opts = append(opts, slackapi.MsgOptionTS(m.ThreadTS))
		if m.Broadcast {
			opts = append(opts, slackapi.MsgOptionBroadcast())
		}
	}
	if m.Key != "" || m.Incident != "" {
		payload := map[string]any{"key": m.Key}
		if m.Incident != "" {
			payload["incident"] = m.Incident
		}
		opts = append(opts, slackapi.MsgOptionMetadata(slackapi.SlackMetadata{
			EventType:    eventType,
			EventPayload: payload,
		}))
	}
	_, ts, err := p.client.PostMessageContext(ctx, p.channel, opts...)
	if err != nil {
		return "", p.wrap("post to", classify(err))
	}
	return ts, nil
}

const (
	// findPages bounds one Find: at most this many pages of findLimit
	// messages. A message further back counts as not found.
	findPages = 5
	findLimit = 200
	// findSkew widens Find's window backwards: since comes from our clock,
	// the message's ts from Slack's.
	findSkew = 60 * time.Second
)

// Find reports whether a message carrying m.Key (in its metadata, see
// PostRef) was posted at or after since (less a minute for clock skew), and
// returns its ts (chat.Finder). With m.ThreadTS set it reads that thread
// (conversations.replies), else the channel's top-level messages
// (conversations.history); either way at most 5 pages of 200 messages,
// newest first for the channel. A message beyond them counts as not
// found: a duplicate post is better than a lost one. A zero since searches
// from the newest message back. An empty m.Key is never found.
//
// It needs the scopes channels:history (public channels) and
// groups:history (private ones). Errors are classified like PostRef's and
// read "slack: find in C123: not_in_channel".
func (p *Poster) Find(ctx context.Context, m chat.Message, since time.Time) (ref string, found bool, err error) {
	if m.Key == "" {
		return "", false, nil
	}
	oldest := ""
	if !since.IsZero() {
		oldest = slackTS(since.Add(-findSkew))
	}
	cursor := ""
	for range findPages {
		var (
			msgs []slackapi.Message
			next string
		)
		if m.ThreadTS == "" {
			var resp *slackapi.GetConversationHistoryResponse
			resp, err = p.client.GetConversationHistoryContext(ctx, &slackapi.GetConversationHistoryParameters{
				ChannelID:          p.channel,
				Cursor:             cursor,
				Inclusive:          true,
				Limit:              findLimit,
				Oldest:             oldest,
				IncludeAllMetadata: true,
			})
			if resp != nil {
				msgs, next = resp.Messages, resp.ResponseMetaData.NextCursor
			}
		} else {
			// slack-go v0.35.0 sends include_all_metadata on
			// conversations.replies too.
			msgs, _, next, err = p.client.GetConversationRepliesContext(ctx, &slackapi.GetConversationRepliesParameters{
				ChannelID:          p.channel,
				Timestamp:          m.ThreadTS,
				Cursor:             cursor,
				Inclusive:          true,
				Limit:              findLimit,
				Oldest:             oldest,
				IncludeAllMetadata: true,
			})
		}
		if err != nil {
			return "", false, p.wrap("find in", classify(err))
		}
		for _, msg := range msgs {
			if hasKey(msg, m.Key) {
				return msg.Timestamp, true, nil
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	return "", false, nil
}

var _ chat.Checker = (*Poster)(nil)

// Check calls auth.test (the token is valid) and conversations.info (the
// channel exists, is not archived, and the bot is a member), so that a
// setting that can never work is reported at start-up rather than on the
// first alert. Errors read "slack: check C123: not_in_channel" and carry
// Slack's code, as a post's would.
func (p *Poster) Check(ctx context.Context) error {
	if _, err := p.client.AuthTestContext(ctx); err != nil {
		return p.wrap("check", classify(err))
	}
	ch, err := p.client.GetConversationInfoContext(ctx, &slackapi.GetConversationInfoInput{ChannelID: p.channel})
	switch {
	case err != nil:
		return p.wrap("check", classify(err))
	case ch.IsArchived:
		return p.wrap("check", errors.New("is_archived"))
	case !ch.IsMember:
		return p.wrap("check", errors.New("not_in_channel"))
	}
	return nil
}

// hasKey reports whether msg carries pd2chat's metadata for key.
func hasKey(msg slackapi.Message, key string) bool {
	if msg.Metadata.EventType != eventType {
		return false
	}
	k, ok := msg.Metadata.EventPayload["key"].(string)
	return ok && k == key
}

// slackTS formats t as a Slack timestamp, "1700000000.000000" (seconds and
// microseconds); times before 1970 read "0.000000".
func slackTS(t time.Time) string {
	if t.Unix() < 0 {
		return "0.000000"
	}
	return fmt.Sprintf("%d.%06d", t.Unix(), t.Nanosecond()/1000)
}

// Update replaces the text of the message ts (chat.update), e.g. to show an
// incident's current state on its thread parent. Errors are classified like
// PostRef's and read "slack: update C123 1700000000.000100: message_not_found".
func (p *Poster) Update(ctx context.Context, ts string, m chat.Message) error {
	_, _, _, err := p.client.UpdateMessageContext(ctx, p.channel, ts, content(m, true)...)
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
		netErr      net.Error
		syntaxErr   *json.SyntaxError
		typeErr     *json.UnmarshalTypeError
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
	case errors.As(err, &syntaxErr), errors.As(err, &typeErr),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		// A 200 that is not Slack's JSON (a proxy's HTML page, an empty or
		// cut-off body): whether a post went out is unknown. Temporary:
		// the deliver code looks the message up with Find (by its Key)
		// before posting again, so a retry does not post it twice.
		return chat.Temporary(fmt.Errorf("unreadable answer: %w", err), 0)
	case errors.As(err, &netErr):
		// The answer's body broke off (a reset while reading it): like an
		// unreadable answer, worth a look-up and another try.
		return chat.TransportError(err)
	}
	return err
}

// wrap names the operation and the channel ("slack: post to C123: …") and
// scrubs the token from the text.
func (p *Poster) wrap(op string, err error) error {
	return chat.Redact(fmt.Errorf("slack: %s %s: %w", op, p.channel, err), p.token)
}

// maxSectionText is the most a Block Kit section's text may hold
// (https://api.slack.com/reference/block-kit/blocks#section).
const maxSectionText = 3000

// content is m's text, with m.Actions as Block Kit buttons when it has
// any: the text split into sections at line ends (each within
// maxSectionText), then an actions block. The plain text stays as the
// notification fallback. A post without actions is the text alone. An
// edit (update) always sends its blocks: chat.update keeps a message's
// earlier blocks when none are sent, and Slack shows blocks before text,
// so an edit without them would leave the old content (and buttons) on
// screen.
func content(m chat.Message, update bool) []slackapi.MsgOption {
	text := slackapi.MsgOptionText(m.Text, false) // already escaped by the renderer
	if len(m.Actions) == 0 && !update {
		return []slackapi.MsgOption{text}
	}
	var blocks []slackapi.Block
	for _, part := range sections(m.Text, maxSectionText) {
		blocks = append(blocks, slackapi.NewSectionBlock(slackapi.NewTextBlockObject(slackapi.MarkdownType, part, false, false), nil, nil))
	}
	if len(m.Actions) > 0 {
		var buttons []slackapi.BlockElement
		for _, a := range m.Actions {
			b := slackapi.NewButtonBlockElement(a.ID, a.Value, slackapi.NewTextBlockObject(slackapi.PlainTextType, a.Label, true, false))
			b.Style = slackapi.Style(a.Style)
			buttons = append(buttons, b)
		}
		blocks = append(blocks, slackapi.NewActionBlock("pd2chat_actions", buttons...))
	}
	return []slackapi.MsgOption{text, slackapi.MsgOptionBlocks(blocks...)}
}

// sections cuts text into parts of at most max bytes, at line ends where
// it can and on a character boundary where a line is longer than max.
// Empty text is one part holding a space (a section's text may not be
// empty).
func sections(text string, max int) []string {
	if strings.TrimSpace(text) == "" {
		return []string{" "}
	}
	var parts []string
	for len(text) > max {
		cut := strings.LastIndexByte(text[:max], '\n')
		if cut <= 0 {
			cut = max
			for cut > 0 && !utf8.RuneStart(text[cut]) {
				cut--
			}
		}
		parts = append(parts, text[:cut])
		text = strings.TrimPrefix(text[cut:], "\n")
	}
	return append(parts, text)
}
