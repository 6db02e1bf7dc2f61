// Package pagerduty authenticates and decodes what PagerDuty posts to a
// webhook: V3 webhook subscriptions ({"event": {...}}) and legacy V2 webhook
// extensions ({"messages": [...]}). It turns them into incident.Event values
// and knows no chat.
//
// A handler reads the body once, calls Verify with the raw bytes, then
// Decode, and answers by the error it gets back (errors.Is):
//
//	ErrNoSignature  → 401 Unauthorized
//	ErrBadSignature → 403 Forbidden
//	ErrMalformed    → 400 Bad Request
//
// All three tell PagerDuty that sending the same delivery again cannot help.
// Error texts never contain payload text, only field names, so they may be
// returned to the sender.
package pagerduty

import (
	"errors"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
)

// Errors. Each says which HTTP status a handler should answer.
var (
	// ErrNoSignature: the X-PagerDuty-Signature header is missing or holds no
	// v1= signature. Answer 401 Unauthorized.
	ErrNoSignature = errors.New("pagerduty: no v1 signature in X-PagerDuty-Signature")

	// ErrBadSignature: no v1= signature matches any of the secrets (or none
	// is a valid hex digest, or no secret was given). Answer 403 Forbidden.
	ErrBadSignature = errors.New("pagerduty: signature does not match")

	// ErrMalformed: the body is not JSON, or not shaped like a PagerDuty
	// delivery, or (Verify) empty or larger than MaxBodyBytes. Answer
	// 400 Bad Request. Returned errors wrap it with a short reason that
	// names a field, never its content.
	ErrMalformed = errors.New("pagerduty: malformed delivery")
)

// Delivery is one decoded POST from PagerDuty.
type Delivery struct {
	// Version is 3 for a V3 webhook subscription, 2 for a legacy V2 extension.
	Version int
	// Type is the event type(s) as PagerDuty named them, for logs:
	// "incident.triggered"; for V2 the distinct message types joined with
	// "," ("incident.acknowledge,incident.resolve"). Each is cut to 100 bytes.
	Type string
	// Events are the incident events of the delivery, in order. Nil when it
	// holds none that pd2chat knows (service.updated, pagey.ping, a future
	// incident.* type): the handler logs it and answers 2xx.
	Events []incident.Event
	// Ping is set for a test event (V3 "pagey.ping": PagerDuty's "Send
	// Test Event", or `make ping`), which has no incident: pd2chat answers
	// it with a message in every chat, proving the path end to end.
	Ping *Ping
}

// Ping is a test event.
type Ping struct {
	ID         string
	OccurredAt time.Time // zero when absent
}
