// Package notify serves POST /notify: operations jobs (a CI job that
// restarts a server, detaches it from the load balancer, takes a heap
// dump) report their start and end, and pd2chat posts each report in the
// incident's thread, or in the on-call channel when no incident is named
// (or pd2chat does not know it, which the post says), through the
// delivery queue like any alert. The chat then shows what was done, and
// when.
//
// The request is authenticated like a PagerDuty webhook: the header
// X-Pd2chat-Signature holds one or more v1=<hex> values, each the
// HMAC-SHA256 of the exact body under a secret of NOTIFY_SECRET (several
// secrets, and several signatures, let the secret be rotated), compared in
// constant time (go-pagerduty's webhookv3). There is no timestamp, so no
// replay window, as with PagerDuty: a replayed report posts again.
//
// The body is a JSON object:
//
//	{"incident": 1234, "job": "restart app-3", "status": "started",
//	 "url": "https://ci.example.com/job/42/", "by": "jenkins"}
//
// incident (the number PagerDuty shows) is optional; job (at most 200
// characters) and status (started, succeeded or failed) are required; url
// (an http(s) URL) and by are optional. Unknown fields are refused, so a
// typo does not pass unseen.
//
// Answers: 202 when the report is queued, 400 for a malformed body (with
// the reason), 401 without a v1= signature, 403 with a wrong one, 413 over 64
// KiB, 405 for another method, 503 when the queue cannot take it.
package notify

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/internal/pagerduty"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/queue"
)

// Path is where reports are taken.
const Path = "/notify"

// SignatureHeader carries the report's signatures.
const SignatureHeader = "X-Pd2chat-Signature"

// MaxBody is the largest report taken, in bytes.
const MaxBody = 64 << 10

// MaxJob bounds a job's name, in characters.
const MaxJob = 200

// Config wires the Handler.
type Config struct {
	// Secrets are NOTIFY_SECRET's; none: reports are not taken.
	Secrets []string
	// Queue takes each report, for the deliver step (deliver.NotifyDestination).
	Queue queue.Sender
	Now   func() time.Time
	Log   *slog.Logger
}

// Handler serves POST /notify.
type Handler struct{ cfg Config }

// New returns the Handler, or nil without a secret (then /notify is not
// served at all).
func New(cfg Config) *Handler {
	if len(cfg.Secrets) == 0 {
		return nil
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg}
}

// Register adds POST /notify to mux (another method: 405).
func (h *Handler) Register(mux *http.ServeMux) { mux.Handle(Path, h) }

// Report is a report's body.
type Report struct {
	Incident *int   `json:"incident"`
	Job      string `json:"job"`
	Status   string `json:"status"`
	URL      string `json:"url"`
	By       string `json:"by"`
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "use POST", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		http.Error(w, fmt.Sprintf("body larger than %d bytes", MaxBody), http.StatusRequestEntityTooLarge)
		return
	}
	switch err := pagerduty.Verify(body, r.Header.Values(SignatureHeader), h.cfg.Secrets); {
	case errors.Is(err, pagerduty.ErrNoSignature):
		http.Error(w, "no v1= signature in "+SignatureHeader+" (want v1=<HMAC-SHA256 of the body under NOTIFY_SECRET, hex>; see the README, Operations jobs)", http.StatusUnauthorized)
		return
	case errors.Is(err, pagerduty.ErrMalformed):
		http.Error(w, "empty body", http.StatusBadRequest)
		return
	case err != nil:
		h.cfg.Log.Warn("notify: refused a report: bad signature")
		http.Error(w, "signature does not match", http.StatusForbidden)
		return
	}
	rep, err := Parse(body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	now := h.cfg.Now()
	sum := sha256.Sum256(body)
	// Each request is its own report (the same job may run twice in a
	// day); the queue's deduplication still drops a retry of the same
	// request within its window.
	key := "notify/" + strconv.FormatInt(now.UnixMilli(), 10) + "-" + hex.EncodeToString(sum[:6])
	ev := incident.Event{ID: key, Kind: incident.JobReported, OccurredAt: now, Agent: rep.By,
		Job: &incident.Job{Name: rep.Job, Status: rep.Status, URL: rep.URL}}
	if rep.Incident != nil {
		ev.Incident.Number = *rep.Incident
	}
	m, err := deliver.Job{Destination: deliver.NotifyDestination, Key: key, ReceivedAt: now, Event: &ev}.Message()
	if err == nil {
		err = h.cfg.Queue.Send(r.Context(), m)
	}
	if err != nil {
		h.cfg.Log.Error("notify: the report could not be queued", "error", err.Error())
		http.Error(w, "the delivery queue cannot take the report now; try again", http.StatusServiceUnavailable)
		return
	}
	h.cfg.Log.Info("notify: report queued", "key", key, "incident", ev.Incident.Number, "status", rep.Status)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, _ = w.Write([]byte(`{"queued":true}` + "\n"))
}

// Parse reads and checks a report's body; the error says what is wrong.
func Parse(body []byte) (Report, error) {
	var rep Report
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rep); err != nil {
		return rep, fmt.Errorf("not a report: %v (want {\"incident\": 1234, \"job\": \"…\", \"status\": \"started|succeeded|failed\", \"url\": \"…\", \"by\": \"…\"})", err)
	}
	// Anything after the object but spaces (another value, a stray "}")
	// is refused: dec.More misses a closing delimiter.
	if _, err := dec.Token(); err != io.EOF {
		return rep, errors.New("not a report: something follows the JSON object")
	}
	rep.Job, rep.By, rep.URL = strings.TrimSpace(rep.Job), strings.TrimSpace(rep.By), strings.TrimSpace(rep.URL)
	switch {
	case rep.Job == "":
		return rep, errors.New(`"job" is required: what ran, e.g. "restart app-3"`)
	case utf8.RuneCountInString(rep.Job) > MaxJob:
		return rep, fmt.Errorf(`"job" is longer than %d characters`, MaxJob)
	case rep.Status != incident.JobStarted && rep.Status != incident.JobSucceeded && rep.Status != incident.JobFailed:
		return rep, errors.New(`"status" must be started, succeeded or failed`)
	case rep.Incident != nil && (*rep.Incident <= 0 || *rep.Incident > 1<<40):
		return rep, errors.New(`"incident" must be the incident's number, e.g. 1234`)
	case utf8.RuneCountInString(rep.By) > 100:
		return rep, errors.New(`"by" is longer than 100 characters`)
	}
	if rep.URL != "" {
		// The link every chat can show: without it the message would
		// silently drop the URL the caller sent.
		if u, err := url.Parse(rep.URL); err != nil || u.Host == "" || !message.Linkable(rep.URL) {
			return rep, errors.New(`"url" must be an absolute http(s) URL of at most 2,048 printable ASCII characters, without spaces, quotes, backslashes, <, >, | or user info (@); percent-encode the others`)
		}
	}
	return rep, nil
}
