// Package relay is the webhook use case: a PagerDuty delivery comes in, is
// authenticated and decoded, and each incident event in it is rendered for
// every destination and posted, with the on-call people mentioned inside
// business hours. It depends on interfaces only; the mains wire it.
package relay

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/pagerduty"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// MaxBody is the largest delivery accepted; a larger one is answered 413.
const MaxBody = 1 << 20

// Defaults of Config's durations.
const (
	DefaultBudget        = 4 * time.Second // PagerDuty waits 5 s for an answer
	DefaultLookupTimeout = 1 * time.Second
)

// Destination is one chat the alerts go to.
type Destination = fanout.Destination

// Config wires a Handler.
type Config struct {
	// Secrets are the V3 signing secrets. Empty: signatures are not checked
	// (local runs only; the mains refuse it in Lambda).
	Secrets []string
	// V2Token is what a legacy V2 delivery must carry as ?token=. Empty: V2 refused.
	V2Token      string
	Calendar     *workday.Calendar
	Rotation     rotation.Source
	Destinations []Destination
	Log          *slog.Logger
	// Budget bounds the whole answer, retries included; the request's own
	// deadline (the Lambda's) bounds it too. Zero: DefaultBudget.
	Budget time.Duration
	// LookupTimeout bounds the on-call lookup. Zero: DefaultLookupTimeout.
	LookupTimeout time.Duration
	Retry         chat.RetryPolicy
	// Now is the clock for events that carry no time. Nil: time.Now.
	Now func() time.Time
	// State remembers deliveries (to post each once) and incidents (tags,
	// Slack threads). Nil: an in-memory store. A networked store bounds
	// each of its calls itself, well inside Budget.
	State state.Store
}

// Handler serves POST deliveries from PagerDuty.
type Handler struct {
	cfg     Config
	names   []string // destination names, for the log line
	v2Token [32]byte
}

// New returns a Handler for c.
func New(c Config) *Handler {
	if c.Budget <= 0 {
		c.Budget = DefaultBudget
	}
	if c.LookupTimeout <= 0 {
		c.LookupTimeout = DefaultLookupTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.State == nil {
		c.State = state.NewMemory()
	}

	names := make([]string, len(c.Destinations))
	for i, d := range c.Destinations {
		names[i] = d.Name
	}
	return &Handler{cfg: c, names: names, v2Token: sha256.Sum256([]byte(c.V2Token))}
}

// problem is an answer that ends a delivery early: status and a short,
// safe reason for the sender.
type problem struct {
	status int
	reason string
}

func (p *problem) Error() string { return p.reason }

func refuse(status int, reason string) error { return &problem{status, reason} }

// outcome of one delivery, for the answer and the log line.
type outcome struct {
	version   int
	types     string
	numbers   []int
	stateDown bool // the store failed: posted without idempotency
	fanout.Result
}

// ServeHTTP answers a PagerDuty delivery.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	log := h.cfg.Log
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		answer(w, http.StatusMethodNotAllowed, "use POST")
		return
	}
	out, err := h.deliver(r)
	status, reason := http.StatusOK, "ok"
	var p *problem
	switch {
	case errors.As(err, &p):
		status, reason = p.status, p.reason
	case err != nil:
		status, reason = http.StatusInternalServerError, "internal error"
	case out.Temporary > 0:
		status, reason = http.StatusServiceUnavailable, "a destination is unavailable; retry later"
	case len(out.numbers) == 0 && out.Posted == 0 && out.Failed == 0:
		reason = "ignored: not an incident event"
	}
	attrs := []any{
		"status", status,
		"version", out.version,
		"type", out.types,
		"incident", out.numbers,
		"destinations", h.names,
		"posted", out.Posted,
		"skipped", out.Skipped,
		"failed", out.Failed,
		"temporary", out.Temporary,
		"ms", time.Since(start).Milliseconds(),
	}
	if out.stateDown {
		attrs = append(attrs, "state", "unavailable: posted without duplicate check")
	}
	if len(out.Errors) > 0 {
		attrs = append(attrs, "errors", out.Errors)
	}
	if err != nil {
		attrs = append(attrs, "reason", err.Error())
	}
	level := slog.LevelInfo
	if status >= 400 || out.Failed > 0 {
		level = slog.LevelWarn
	}
	log.Log(r.Context(), level, "delivery", attrs...)
	answer(w, status, reason)
}

func answer(w http.ResponseWriter, status int, reason string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, reason+"\n")
}

// deliver authenticates, decodes and posts one delivery.
func (h *Handler) deliver(r *http.Request) (outcome, error) {
	var out outcome
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return out, refuse(http.StatusRequestEntityTooLarge, "body over 1 MiB")
		}
		return out, refuse(http.StatusBadRequest, "cannot read body")
	}
	sigs := r.Header.Values("X-PagerDuty-Signature")
	var token []string
	var hasToken bool
	if r.URL.RawQuery != "" {
		token, hasToken = r.URL.Query()["token"]
	}
	if len(sigs) > 0 && len(h.cfg.Secrets) > 0 {
		if err := pagerduty.Verify(body, sigs, h.cfg.Secrets); err != nil {
			if errors.Is(err, pagerduty.ErrNoSignature) {
				return out, refuse(http.StatusUnauthorized, "missing or malformed X-PagerDuty-Signature")
			}
			return out, refuse(http.StatusForbidden, "signature does not match")
		}
	}
	d, err := pagerduty.Decode(body)
	if err != nil {
		return out, refuse(http.StatusBadRequest, err.Error())
	}
	out.version, out.types = d.Version, d.Type
	switch d.Version {
	case 3:
		if len(h.cfg.Secrets) > 0 && len(sigs) == 0 {
			return out, refuse(http.StatusUnauthorized, "missing X-PagerDuty-Signature")
		}
	case 2:
		if h.cfg.V2Token == "" {
			return out, refuse(http.StatusForbidden, "V2 deliveries are not enabled (PAGERDUTY_V2_TOKEN)")
		}
		if !hasToken || len(token) != 1 {
			return out, refuse(http.StatusUnauthorized, "missing ?token= for a V2 delivery")
		}
		got := sha256.Sum256([]byte(token[0]))
		if subtle.ConstantTimeCompare(got[:], h.v2Token[:]) != 1 {
			return out, refuse(http.StatusForbidden, "token does not match")
		}
	}
	if len(d.Events) == 0 {
		return out, nil
	}
	ctx, cancel := h.budget(r.Context())
	defer cancel()
	jobs := h.plan(ctx, d.Events, r.Header.Get("X-Webhook-Id"), &out)
	out.Result = fanout.Run(ctx, h.cfg.Destinations, jobs, h.cfg.Retry)
	return out, nil
}

// budget is the context every outbound call of a delivery runs under.
func (h *Handler) budget(parent context.Context) (context.Context, context.CancelFunc) {
	return fanout.Budget(parent, h.cfg.Budget, errors.New("relay: delivery budget spent"))
}
