// Package alertdetails fetches what an incident's first alert says — its
// details and its context links — from PagerDuty's REST API
// (GET /incidents/{id}/alerts, https://developer.pagerduty.com/api-reference/,
// "List alerts for an incident", through github.com/PagerDuty/go-pagerduty).
// V3 webhooks carry no alert details; a developer without a PagerDuty seat
// cannot open the incident to read them.
//
// A read-only REST API key is enough. Answers are cached per incident
// (MaxCached, LRU-free: the oldest half is dropped when full), so the
// incident's later messages and several destinations ask once.
package alertdetails

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/PagerDuty/go-pagerduty"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/incident"
)

// ErrRateLimited marks a 429 from PagerDuty (its REST API's rate limit is
// per account): worth one later try.
var ErrRateLimited = errors.New("pagerduty: rate limited")

// MaxCached bounds the incidents whose alert is remembered.
const MaxCached = 1000

// Alert is what an incident's first alert says.
type Alert struct {
	Details []incident.Detail // body.details (or cef_details.details), sorted by key
	Links   []incident.Link   // body.contexts of type link
}

// Source fetches alerts. It is safe for concurrent use.
type Source struct {
	client *pagerduty.Client
	token  string

	mu    sync.Mutex
	cache map[string]Alert
	order []string
}

// New returns a Source for the REST API at apiURL ("": PagerDuty's) with
// a read-only API key. It does not call PagerDuty.
func New(token, apiURL string, hc *http.Client) *Source {
	opts := []pagerduty.ClientOptions{}
	if apiURL != "" {
		opts = append(opts, pagerduty.WithAPIEndpoint(strings.TrimSuffix(apiURL, "/")))
	}
	c := pagerduty.NewClient(token, opts...)
	if hc != nil {
		c.HTTPClient = hc
	}
	return &Source{client: c, token: token, cache: map[string]Alert{}}
}

// FirstAlert is what the first alert of incident id says. An incident
// without alerts is an empty Alert. A failure is classified like a chat's
// (429 and 5xx temporary) and never carries the key.
func (s *Source) FirstAlert(ctx context.Context, id string) (Alert, error) {
	if !incident.ValidID(id) {
		return Alert{}, fmt.Errorf("alertdetails: %q is not an incident ID", id)
	}
	s.mu.Lock()
	a, ok := s.cache[id]
	s.mu.Unlock()
	if ok {
		return a, nil
	}
	resp, err := s.client.ListIncidentAlertsWithContext(ctx, id, pagerduty.ListIncidentAlertsOptions{Limit: 1, SortBy: "created_at:asc"})
	if err != nil {
		err = chat.Redact(fmt.Errorf("pagerduty: alerts of %s: %w", id, err), s.token)
		var ae pagerduty.APIError
		switch {
		case errors.As(err, &ae) && ae.RateLimited():
			return Alert{}, chat.Temporary(fmt.Errorf("%w: %w", ErrRateLimited, err), 0)
		case errors.As(err, &ae) && !ae.Temporary():
			return Alert{}, err
		}
		return Alert{}, chat.Temporary(err, 0)
	}
	if len(resp.Alerts) > 0 {
		a = parse(resp.Alerts[0].Body)
	}
	s.mu.Lock()
	if len(s.order) >= MaxCached {
		for _, old := range s.order[:MaxCached/2] {
			delete(s.cache, old)
		}
		s.order = slices.Clone(s.order[MaxCached/2:])
	}
	if _, dup := s.cache[id]; !dup {
		s.order = append(s.order, id)
	}
	s.cache[id] = a
	s.mu.Unlock()
	return a, nil
}

// parse reads an alert body: details from body.details, or from
// body.cef_details.details (Events API v2 alerts), and links from
// body.contexts.
func parse(body map[string]any) Alert {
	var a Alert
	det, _ := body["details"].(map[string]any)
	if det == nil {
		if cef, ok := body["cef_details"].(map[string]any); ok {
			det, _ = cef["details"].(map[string]any)
		}
	}
	for k, v := range det {
		a.Details = append(a.Details, incident.Detail{Key: k, Value: text(v)})
	}
	slices.SortFunc(a.Details, func(x, y incident.Detail) int { return strings.Compare(x.Key, y.Key) })
	ctxs, _ := body["contexts"].([]any)
	for _, c := range ctxs {
		m, _ := c.(map[string]any)
		if t, _ := m["type"].(string); t != "link" {
			continue
		}
		href, _ := m["href"].(string)
		label, _ := m["text"].(string)
		if href != "" {
			a.Links = append(a.Links, incident.Link{Label: label, URL: href})
		}
	}
	return a
}

// text is a JSON value as text: a string as it is, anything else as JSON.
func text(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
