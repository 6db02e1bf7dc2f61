// Package teams posts rendered messages to a Microsoft Teams channel
// through a Workflows webhook: the Power Automate flow "Post to a channel
// when a webhook request is received"
// (https://support.microsoft.com/en-us/office/create-incoming-webhooks-with-workflows-for-microsoft-teams-8ae491c7-0394-4861-ba59-055e33f75498),
// which replaced the retired Office 365 connectors. The body is a message
// with one Adaptive Card (schema 1.4,
// https://learn.microsoft.com/en-us/adaptive-cards/):
//
//   - the text's first line as the title (bold), its other lines as text
//     blocks;
//   - the incident's facts (service, urgency, priority) as a FactSet, and
//     its pages as Action.OpenUrl buttons (chat.Message.Facts, Links);
//   - real mentions: the renderer writes <at id="UPN">Name</at> (package
//     message, dialect Teams), which becomes <at>Name</at> in the text and
//     an entry of msteams.entities
//     (https://learn.microsoft.com/en-us/microsoftteams/platform/task-modules-and-cards/cards/cards-format#mention-support-within-adaptive-cards).
//
// Workflows cannot reply in a thread: each card carries the incident's
// tag, and a follow-up card names the incident it follows. 202 Accepted
// is success (the flow posts the card itself); 429 and 5xx are
// temporary, other 4xx final. The webhook's URL holds its signature
// (sig=): a secret, never printed.
package teams

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/chat"
)

// MaxPayload is the largest card posted, in bytes: Teams refuses a
// message over about 28 KB.
const MaxPayload = 27 << 10

// MaxLength is the longest text posted, in characters (the renderer's
// limit, 6,000, leaves room for the card under Teams' 28 KB).
const MaxLength = 6500

// Options configure a Poster.
type Options struct {
	// Name is the webhook's name in TEAMS_WEBHOOKS: what logs show.
	Name string
	// URL is the Workflows webhook's URL (a secret).
	URL string
	// HTTPClient carries the requests; nil means a new http.Client.
	HTTPClient *http.Client
	// Now reads the clock for an HTTP-date Retry-After; nil: time.Now.
	Now func() time.Time
}

// Poster posts cards to one Teams channel. It is safe for concurrent use.
type Poster struct {
	name, url string
	client    *http.Client
	now       func() time.Time
}

var (
	_ chat.Poster  = (*Poster)(nil)
	_ chat.Checker = (*Poster)(nil)
)

// New returns a Poster for o's webhook. It does not call Teams.
func New(o Options) *Poster {
	p := &Poster{name: o.Name, url: o.URL, client: chat.NoRedirects(o.HTTPClient), now: o.Now}
	if p.now == nil {
		p.now = time.Now
	}
	return p
}

// String names the destination for logs: "teams:oncall".
func (p *Poster) String() string { return "teams:" + p.name }

// Post posts m as one card.
func (p *Poster) Post(ctx context.Context, m chat.Message) error {
	if n := utf8.RuneCountInString(m.Text); n > MaxLength {
		return p.wrap(fmt.Errorf("message is %d characters, at most %d are posted", n, MaxLength))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // & < > as themselves: six bytes each otherwise
	if err := enc.Encode(Card(m)); err != nil {
		return p.wrap(err)
	}
	payload := buf.Bytes()
	if len(payload) > MaxPayload {
		// Workflows answers 202 before the flow posts, and a card over the
		// limit would fail there, unseen: refuse it here, for good.
		return p.wrap(fmt.Errorf("the card is %d bytes, Teams takes at most about %d", len(payload), MaxPayload))
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, bytes.NewReader(payload))
	if err != nil {
		return p.wrap(errors.New("the webhook URL is not a URL"))
	}
	req.Header.Set("Content-Type", "application/json")
	if _, err := chat.Exchange(p.client, req, chat.RetryAfter(p.now)); err != nil {
		return p.wrap(err)
	}
	return nil
}

// Check verifies what can be without posting (a Workflows webhook has no
// read method): an https URL that carries its signature.
func (p *Poster) Check(context.Context) error {
	u, err := url.Parse(p.url)
	switch {
	case err != nil || u.Host == "":
		return p.wrap(errors.New("the webhook URL is not a URL"))
	case u.Scheme == "https" && u.Query().Get("sig") == "":
		return p.wrap(errors.New("the webhook URL has no sig= signature: copy the whole HTTP POST URL of the workflow's trigger"))
	}
	return nil
}

// wrap names the webhook and scrubs its URL and signature from the text.
func (p *Poster) wrap(err error) error {
	secrets := []string{p.url}
	if u, perr := url.Parse(p.url); perr == nil {
		secrets = append(secrets, u.RawQuery, u.Query().Get("sig"))
	}
	return chat.Redact(fmt.Errorf("teams: post to %s: %w", p.name, err), secrets...)
}

// mentionRE is a mention as the renderer writes it: <at id="UPN">Name</at>.
// Outside text cannot write one (a zero-width space follows its '<').
var mentionRE = regexp.MustCompile(`<at id="([^"<>\s]+)">([^<]*)</at>`)

// Card is the Workflows webhook's body for m: a message with one Adaptive
// Card (see the package documentation).
func Card(m chat.Message) map[string]any {
	var entities []any
	seen := map[string]bool{}
	text := mentionRE.ReplaceAllStringFunc(m.Text, func(s string) string {
		sub := mentionRE.FindStringSubmatch(s)
		at := "<at>" + sub[2] + "</at>"
		if !seen[at+sub[1]] {
			seen[at+sub[1]] = true
			entities = append(entities, map[string]any{
				"type": "mention", "text": at, "mentioned": map[string]string{"id": sub[1], "name": sub[2]},
			})
		}
		return at
	})
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	body := []any{map[string]any{"type": "TextBlock", "text": lines[0], "weight": "Bolder", "size": "Medium", "wrap": true}}
	if len(m.Facts) > 0 {
		var facts []any
		for _, f := range m.Facts {
			facts = append(facts, map[string]string{"title": f.Title, "value": f.Value})
		}
		body = append(body, map[string]any{"type": "FactSet", "facts": facts})
	}
	var rest []string
	for _, l := range lines[1:] {
		if strings.TrimSpace(l) != "" {
			rest = append(rest, l)
		}
	}
	if len(rest) > 0 {
		// One block, its lines as paragraphs: a TextBlock's markdown does
		// not keep single line breaks.
		body = append(body, map[string]any{"type": "TextBlock", "text": strings.Join(rest, "\n\n"), "wrap": true})
	}
	content := map[string]any{
		"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
		"type":    "AdaptiveCard",
		"version": "1.4",
		"body":    body,
		"msteams": map[string]any{"width": "Full"},
	}
	if len(entities) > 0 {
		content["msteams"] = map[string]any{"width": "Full", "entities": entities}
	}
	if len(m.Links) > 0 {
		var actions []any
		for _, l := range m.Links {
			actions = append(actions, map[string]string{"type": "Action.OpenUrl", "title": l.Title, "url": l.URL})
		}
		content["actions"] = actions
	}
	return map[string]any{
		"type": "message",
		"attachments": []any{map[string]any{
			"contentType": "application/vnd.microsoft.card.adaptive",
			"contentUrl":  nil,
			"content":     content,
		}},
	}
}
