// Package writeback writes the responses the people on call make in chat
// back to PagerDuty, through its REST API (github.com/PagerDuty/go-pagerduty),
// so that SRE, who work in PagerDuty, see them:
//
//   - "I'm on it": a note "Taken by NAME (in chat)", and with AckOnTake an
//     acknowledgement (which stops PagerDuty's escalation to SRE);
//   - "Resolved": a note, and with ResolveFromChat the incident resolved;
//   - a note added in chat: the same note on the incident.
//
// Writes are made in the name of one PagerDuty user (the From header,
// https://developer.pagerduty.com/api-reference/8a0e1aa2ec666-update-an-incident),
// with a REST API key. The state change goes first (it is idempotent in
// PagerDuty), the note second, so a retry after a lost answer repeats at
// most the note. Errors are classified for the delivery queue: 429, 5xx
// and transport failures are temporary (chat.TemporaryError,
// without PagerDuty's Retry-After, which go-pagerduty's errors do not
// carry: the queue's backoff spaces the tries), anything else is final.
package writeback

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/incident"
)

// DefaultAPIURL is PagerDuty's REST API.
const DefaultAPIURL = "https://api.pagerduty.com"

// Config wires a Writer.
type Config struct {
	Token string // PAGERDUTY_API_TOKEN: a REST API key
	From  string // PAGERDUTY_FROM_EMAIL: the PagerDuty user pd2chat writes as
	// APIURL is the REST API's base (PAGERDUTY_API_URL); "": DefaultAPIURL.
	APIURL string
	// AckOnTake acknowledges the incident on "I'm on it"
	// (PAGERDUTY_ACK_ON_TAKE); ResolveFromChat resolves it on "Resolved"
	// (PAGERDUTY_RESOLVE_FROM_CHAT).
	AckOnTake, ResolveFromChat bool
	// HTTPClient carries the requests; nil: a new http.Client. Bound calls
	// with the context.
	HTTPClient *http.Client
}

// Writer writes responses to PagerDuty. It is safe for concurrent use.
type Writer struct {
	cfg    Config
	client *pagerduty.Client
}

// New returns a Writer for c. It does not call PagerDuty.
func New(c Config) *Writer {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	client := pagerduty.NewClient(c.Token, pagerduty.WithAPIEndpoint(strings.TrimSuffix(c.APIURL, "/")))
	client.HTTPClient = hc
	return &Writer{cfg: c, client: client}
}

// Write writes ev, a response made in chat (incident.Kind.FromChat), to
// its incident. Other kinds are an error.
func (w *Writer) Write(ctx context.Context, ev incident.Event) error {
	id := ev.Incident.ID
	who := ev.Agent
	if who == "" {
		who = "someone"
	}
	var status, note string
	switch ev.Kind {
	case incident.Taken:
		note = "Taken by " + who + " (in chat, through pd2chat)"
		if w.cfg.AckOnTake {
			status = "acknowledged"
		}
	case incident.ResolvedInChat:
		note = "Resolved in chat by " + who + " (through pd2chat)"
		if w.cfg.ResolveFromChat {
			status = "resolved"
		}
	case incident.NotedInChat:
		note = who + " (in chat): " + ev.Note
	default:
		return fmt.Errorf("writeback: %s is not a response made in chat", ev.Kind)
	}
	if !incident.ValidID(id) {
		return fmt.Errorf("writeback: %q is not a PagerDuty incident ID", id)
	}
	if status != "" {
		_, err := w.client.ManageIncidentsWithContext(ctx, w.cfg.From, []pagerduty.ManageIncidentsOptions{{ID: id, Status: status}})
		if err != nil && !already(err) {
			return w.wrap("set "+id+" "+status, err)
		}
	}
	_, err := w.client.CreateIncidentNoteWithContext(ctx, id, pagerduty.IncidentNote{
		Content: note, User: pagerduty.APIObject{Summary: w.cfg.From},
	})
	if err != nil {
		return w.wrap("note on "+id, err)
	}
	return nil
}

// already reports whether PagerDuty refused a status change because the
// incident is in that state or past it (resolved): nothing to do.
func already(err error) bool {
	var ae pagerduty.APIError
	if !errors.As(err, &ae) || ae.StatusCode != http.StatusBadRequest || !ae.APIError.Valid {
		return false
	}
	text := strings.ToLower(ae.APIError.ErrorObject.Message + " " + strings.Join(ae.APIError.ErrorObject.Errors, " "))
	return strings.Contains(text, "already")
}

// wrap classifies err: temporary for 429, 5xx and transport failures;
// final otherwise. The API key never appears in it.
func (w *Writer) wrap(op string, err error) error {
	err = chat.Redact(fmt.Errorf("pagerduty: %s: %w", op, err), w.cfg.Token)
	var ae pagerduty.APIError
	if errors.As(err, &ae) {
		if ae.Temporary() {
			return chat.Temporary(err, 0)
		}
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return chat.Temporary(err, 0) // no answer: the network, a timeout
}
