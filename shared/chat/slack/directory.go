package slack

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	slackapi "github.com/slack-go/slack"

	"github.com/pd2chat/pd2chat/shared/chat"
)

// Directory finds a member's Slack user ID from their email address with
// the Web API method users.lookupByEmail (bot scope users:read.email), for
// sheets that list an email but no Slack ID. Answers are cached: found IDs
// for FoundTTL, "no such user" for MissingTTL; failures are not cached. It
// is safe for concurrent use.
type Directory struct {
	client *slackapi.Client
	token  string

	// FoundTTL and MissingTTL default to 24 h and 1 h.
	FoundTTL, MissingTTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu    sync.Mutex
	cache map[string]lookup
}

type lookup struct {
	id      string
	expires time.Time
}

// NewDirectory returns a Directory using o.Token, o.APIURL and o.HTTPClient
// (o.Channel is not used).
func NewDirectory(o Options) *Directory {
	return &Directory{client: New(o).client, token: o.Token, cache: map[string]lookup{}}
}

func (d *Directory) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// SlackID is the user ID of the Slack account with this email, or "" when
// Slack has none (users_not_found). Errors name the method, never the token
// or the address.
func (d *Directory) SlackID(ctx context.Context, email string) (string, error) {
	key := strings.ToLower(strings.TrimSpace(email))
	if key == "" {
		return "", nil
	}
	now := d.now()
	d.mu.Lock()
	hit, ok := d.cache[key]
	d.mu.Unlock()
	if ok && now.Before(hit.expires) {
		return hit.id, nil
	}
	user, err := d.client.GetUserByEmailContext(ctx, key)
	var apiErr slackapi.SlackErrorResponse
	switch {
	case err == nil:
		d.store(key, user.ID, d.ttl(d.FoundTTL, 24*time.Hour))
		return user.ID, nil
	case errors.As(err, &apiErr) && apiErr.Err == "users_not_found":
		d.store(key, "", d.ttl(d.MissingTTL, time.Hour))
		return "", nil
	default:
		return "", chat.Redact(fmt.Errorf("slack: users.lookupByEmail: %w", classify(err)), d.token, key)
	}
}

func (d *Directory) ttl(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

func (d *Directory) store(key, id string, ttl time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.cache[key] = lookup{id: id, expires: d.now().Add(ttl)}
}
