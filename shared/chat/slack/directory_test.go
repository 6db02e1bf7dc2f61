package slack

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeUsers speaks users.lookupByEmail and counts the calls per email.
type fakeUsers struct {
	mu    sync.Mutex
	calls map[string]int
	fail  atomic.Bool
}

func (f *fakeUsers) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/users.lookupByEmail" {
		http.NotFound(w, r)
		return
	}
	_ = r.ParseForm()
	email := r.Form.Get("email")
	f.mu.Lock()
	f.calls[email]++
	fail := f.fail.Load()
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	switch {
	case fail:
		w.WriteHeader(http.StatusServiceUnavailable)
	case email == "watanabe@example.com":
		_, _ = io.WriteString(w, `{"ok":true,"user":{"id":"U01WATANABE","name":"watanabe","profile":{"email":"watanabe@example.com"}}}`)
	default:
		_, _ = io.WriteString(w, `{"ok":false,"error":"users_not_found"}`)
	}
}

func (f *fakeUsers) count(email string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[email]
}

func TestDirectory(t *testing.T) {
	fake := &fakeUsers{calls: map[string]int{}}
	srv := httptest.NewServer(fake)
	defer srv.Close()
	now := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	d := NewDirectory(Options{Token: "xoxb-dir-token", APIURL: srv.URL + "/api/"})
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
	if fake.count("watanabe@example.com") != 1 || fake.count("nobody@example.com") != 1 {
		t.Errorf("want one call per email, the rest cached")
	}
	now = now.Add(2 * time.Hour) // the miss expires (1 h), the hit does not (24 h)
	_, _ = d.SlackID(ctx, "watanabe@example.com")
	_, _ = d.SlackID(ctx, "nobody@example.com")
	if fake.count("watanabe@example.com") != 1 || fake.count("nobody@example.com") != 2 {
		t.Errorf("after 2 h: the miss should be asked again, the hit not")
	}

	fake.fail.Store(true)
	_, err := d.SlackID(ctx, "new@example.com")
	if err == nil || !strings.Contains(err.Error(), "users.lookupByEmail") {
		t.Fatalf("want an error naming the method, got %v", err)
	}
	if strings.Contains(err.Error(), "xoxb-dir-token") || strings.Contains(err.Error(), "new@example.com") {
		t.Errorf("error leaks the token or the address: %v", err)
	}
	fake.fail.Store(false)
	if id, err := d.SlackID(ctx, "new@example.com"); err != nil || id != "" {
		t.Errorf("a failure must not be cached: %q %v", id, err)
	}
}
