// Package relay is the webhook use case: a PagerDuty delivery comes in, is
// authenticated and decoded, and each incident event in it is put on the
// delivery queue once per destination — nothing more. The answer goes out
// as soon as the queue has the events; the deliver package posts them. It
// depends on interfaces only; the mains wire it.
package relay

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/internal/pagerduty"
	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/queue"
)

// MaxBody is the largest delivery accepted; a larger one is answered 413.
const MaxBody = 1 << 20

// DefaultBudget bounds the enqueue: PagerDuty waits 5 s for an answer.
const DefaultBudget = 3 * time.Second

// Config wires a Handler.
type Config struct {
	// Secrets are the V3 signing secrets. Empty: signatures are not checked
	// (local runs only; the mains refuse it in Lambda).
	Secrets []string
	// V2Token is what a legacy V2 delivery must carry as ?token=. Empty: V2 refused.
	V2Token string
	// Language is what the answer to PagerDuty's test event is written in
	// (LANGUAGE).
	Language locale.Language
	// Destinations are the chats every event goes to ("slack:C0123"…).
	Destinations []string
	// Queue takes the events, one message per event and destination.
	Queue queue.Sender
	Log   *slog.Logger
	// Budget bounds the enqueue; the request's own deadline (the
	// Lambda's) bounds it too. Zero: DefaultBudget.
	Budget time.Duration
	// Now is the clock: when a delivery was received. Nil: time.Now.
	Now func() time.Time
}

// Handler serves POST deliveries from PagerDuty.
type Handler struct {
	cfg     Config
	v2Token [32]byte
}

// New returns a Handler for c.
func New(c Config) *Handler {
	if c.Budget <= 0 {
		c.Budget = DefaultBudget
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: c, v2Token: sha256.Sum256([]byte(c.V2Token))}
}

// problem is an answer that ends a delivery early: status and a short,
// safe reason for the sender.
type problem struct {
	status int
	reason string
	// auth, for a delivery refused as not PagerDuty's, is a fixed code for
	// the log line the signature-failure alarm counts ("auth_failure").
	auth string
}

func (p *problem) Error() string { return p.reason }

func refuse(status int, reason string) error { return &problem{status: status, reason: reason} }

// The auth_failure codes of the log line: one metric filter counts them
// (infra/), so their names are an interface.
const (
	authMissingSignature = "missing signature"
	authNoMatchingSecret = "no matching secret"
	authV2Disabled       = "V2 not enabled"
	authMissingV2Token   = "missing V2 token"
	authBadV2Token       = "bad V2 token"
)

// refuseAuth is refuse for a delivery that is not proven PagerDuty's.
func refuseAuth(status int, code, reason string) error {
	return &problem{status: status, reason: reason, auth: code}
}

// outcome of one delivery, for the answer and the log line.
type outcome struct {
	version  int
	types    string
	numbers  []int
	enqueued int // queue messages: events × destinations
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
	case out.enqueued == 0:
		reason = "ignored: not an incident event"
	}
	attrs := []any{
		"status", status,
		"version", out.version,
		"type", out.types,
		"incident", out.numbers,
		"destinations", h.cfg.Destinations,
		"enqueued", out.enqueued,
		"ms", time.Since(start).Milliseconds(),
	}
	if err != nil {
		attrs = append(attrs, "reason", err.Error())
	}
	if p != nil && p.auth != "" {
		attrs = append(attrs, "auth_failure", p.auth)
	}
	level := slog.LevelInfo
	if status >= 400 {
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

// deliver authenticates, decodes and enqueues one delivery.
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
	if len(sigs) > 0 && len(h.cfg.Secrets) > 0 {
		if err := pagerduty.Verify(body, sigs, h.cfg.Secrets); err != nil {
			if errors.Is(err, pagerduty.ErrNoSignature) {
				return out, refuseAuth(http.StatusUnauthorized, authMissingSignature, "missing or malformed X-PagerDuty-Signature")
			}
			return out, refuseAuth(http.StatusForbidden, authNoMatchingSecret, "signature does not match")
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
			return out, refuseAuth(http.StatusUnauthorized, authMissingSignature, "missing X-PagerDuty-Signature")
		}
	case 2:
		if h.cfg.V2Token == "" {
			return out, refuseAuth(http.StatusForbidden, authV2Disabled, "V2 deliveries are not enabled (PAGERDUTY_V2_TOKEN)")
		}
		tokens := v2Tokens(r.URL.RawQuery)
		if tokens == nil {
			return out, refuseAuth(http.StatusUnauthorized, authMissingV2Token, "missing ?token= for a V2 delivery")
		}
		if !h.v2TokenMatches(tokens) {
			return out, refuseAuth(http.StatusForbidden, authBadV2Token, "token does not match")
		}
	}
	if d.Ping != nil {
		return out, h.ping(r.Context(), d.Ping, body, &out)
	}
	if len(d.Events) == 0 {
		return out, nil
	}
	received := h.cfg.Now()
	webhookID := r.Header.Get("X-Webhook-Id")
	var msgs []queue.Message
	for n, ev := range d.Events {
		out.numbers = append(out.numbers, ev.Incident.Number)
		key := ev.ID
		if key == "" && webhookID != "" {
			key = webhookID + "#" + strconv.Itoa(n)
		}
		if key == "" { // nothing identifies the event: its content does
			sum := sha256.Sum256(body)
			key = "body-" + hex.EncodeToString(sum[:12]) + "#" + strconv.Itoa(n)
		}
		for _, dest := range h.cfg.Destinations {
			m, err := deliver.Job{Destination: dest, Key: key, ReceivedAt: received, Event: &ev}.Message()
			if err != nil { // an event that can never be posted: say why, not "retry"
				return out, refuse(http.StatusBadRequest, err.Error())
			}
			msgs = append(msgs, m)
		}
	}
	return out, h.enqueue(r.Context(), msgs, &out)
}

// enqueue puts msgs on the delivery queue within the budget; 503 when the
// queue cannot take them (PagerDuty retries).
func (h *Handler) enqueue(ctx context.Context, msgs []queue.Message, out *outcome) error {
	ctx, cancel := context.WithTimeoutCause(ctx, h.cfg.Budget, errors.New("relay: enqueue took too long"))
	defer cancel()
	if err := h.cfg.Queue.Send(ctx, msgs...); err != nil {
		h.cfg.Log.Error("enqueue failed", "error", err.Error())
		return refuse(http.StatusServiceUnavailable, "cannot take the delivery now; retry later")
	}
	out.enqueued = len(msgs)
	return nil
}

// v2Tokens are the readings of the one ?token= of a raw query: as a form
// value ("+" is a space) and as pasted ("+" is a plus), so that a token
// made by `openssl rand -base64` works whether or not it was
// percent-encoded in the extension's URL. Nil when there is not exactly
// one token parameter.
func v2Tokens(rawQuery string) []string {
	var raw []string
	for _, kv := range strings.Split(rawQuery, "&") {
		if k, v, _ := strings.Cut(kv, "="); k == "token" {
			raw = append(raw, v)
		}
	}
	if len(raw) != 1 {
		return nil
	}
	var out []string
	if v, err := url.QueryUnescape(raw[0]); err == nil {
		out = append(out, v)
	}
	if v, err := url.PathUnescape(raw[0]); err == nil {
		out = append(out, v)
	}
	if out == nil {
		out = []string{raw[0]}
	}
	return out
}

// v2TokenMatches compares every reading with PAGERDUTY_V2_TOKEN in
// constant time (SHA-256 of each, so lengths leak nothing).
func (h *Handler) v2TokenMatches(tokens []string) bool {
	ok := 0
	for _, t := range tokens {
		got := sha256.Sum256([]byte(t))
		ok |= subtle.ConstantTimeCompare(got[:], h.v2Token[:])
	}
	return ok == 1
}

// ping answers a test event with a message in every chat, through the
// same queue and deliver code as an alert.
func (h *Handler) ping(ctx context.Context, p *pagerduty.Ping, body []byte, out *outcome) error {
	received := h.cfg.Now()
	key := "ping/" + p.ID
	if p.ID == "" {
		sum := sha256.Sum256(body)
		key = "ping/body-" + hex.EncodeToString(sum[:12])
	}
	text := h.cfg.Language.T("ping.received", "At", received.UTC().Format(time.RFC3339))
	var msgs []queue.Message
	for _, dest := range h.cfg.Destinations {
		m, err := deliver.Job{Destination: dest, Key: key, ReceivedAt: received, Text: text}.Message()
		if err != nil {
			return err
		}
		msgs = append(msgs, m)
	}
	return h.enqueue(ctx, msgs, out)
}
