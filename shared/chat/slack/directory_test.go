package slack

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
)

// count is how many times Slack was asked for email.
func count(f *fakeslack.Server, email string) int {
	n := 0
	for _, rq := range f.Calls("users.lookupByEmail") {
		if rq.Form.Get("email") == email {
			n++
		}
	}
	return n
}

func TestDirectory(t *testing.T) {
	fake := fakeslack.New(t)
	fake.SetUsers(func(email string) string {
		if email == "watanabe@example.com" {
			return "U01WATANABE"
		}
		return ""
	})
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	d := NewDirectory(Options{Token: "xoxb-dir-token", APIURL: fake.APIURL()})
	d.Now = func() time.Time { return now }
	ctx := context.Background()

	for i := 0; i < 3; i++ {
		id, err := d.SlackID(ctx, " Watanabe@Example.com ")
		if err != nil || id != "U01WATANABE" {
			t.Fatalf("SlackID = %q, %v", id, err)
		}
		id, err = d.SlackID(ctx, "nobody@example.com")
		if err != nil || id != "" {
			t.Fatalf("unknown email: %q, %v", id, err)
		}
	}
	if count(fake, "watanabe@example.com") != 1 || count(fake, "nobody@example.com") != 1 {
		t.Errorf("want one call per email, the rest cached")
	}
	now = now.Add(2 * time.Hour) // the miss expires (1 h), the hit does not (24 h)
	_, _ = d.SlackID(ctx, "watanabe@example.com")
	_, _ = d.SlackID(ctx, "nobody@example.com")
	if count(fake, "watanabe@example.com") != 1 || count(fake, "nobody@example.com") != 2 {
		t.Errorf("after 2 h: the miss should be asked again, the hit not")
	}

	fake.Answer("users.lookupByEmail", fakeslack.Status(http.StatusServiceUnavailable))
	_, err := d.SlackID(ctx, "new@example.com")
	if err == nil || !strings.Contains(err.Error(), "users.lookupByEmail") {
		t.Fatalf("want an error naming the method, got %v", err)
	}
	if strings.Contains(err.Error(), "xoxb-dir-token") || strings.Contains(err.Error(), "new@example.com") {
		t.Errorf("error leaks the token or the address: %v", err)
	}
	fake.Answer("users.lookupByEmail") // Slack is back
	if id, err := d.SlackID(ctx, "new@example.com"); err != nil || id != "" {
		t.Errorf("a failure must not be cached: %q %v", id, err)
	}
}
