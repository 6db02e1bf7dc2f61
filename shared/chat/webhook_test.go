package chat_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
)

// TestExchange: the answer classified the way every HTTP poster needs it;
// a redirect is a final answer, not followed.
func TestExchange(t *testing.T) {
	followed := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.WriteHeader(http.StatusAccepted)
		case "/busy":
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/denied":
			w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
			w.WriteHeader(http.StatusUnauthorized)
		case "/long":
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(strings.Repeat("no ", 300)))
		case "/moved":
			http.Redirect(w, r, "/elsewhere", http.StatusTemporaryRedirect)
		case "/elsewhere":
			followed = true
		}
	}))
	defer srv.Close()
	client := chat.NoRedirects(nil)
	for _, tc := range []struct {
		path      string
		status    int
		temporary bool
		wait      time.Duration
		says      string
	}{
		{"/ok", 202, false, 0, ""},
		{"/busy", 429, true, 7 * time.Second, "HTTP 429 Too Many Requests"},
		{"/denied", 401, false, 0, `HTTP 401 Unauthorized: Bearer error="invalid_token"`},
		{"/long", 400, false, 0, "no no"},
		{"/moved", 307, false, 0, "HTTP 307 Temporary Redirect"},
	} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+tc.path, strings.NewReader("{}"))
		status, err := chat.Exchange(client, req, chat.RetryAfter(time.Now))
		temp, wait := chat.IsTemporary(err)
		if status != tc.status || temp != tc.temporary || wait != tc.wait || (tc.says == "") != (err == nil) ||
			err != nil && !strings.Contains(err.Error(), tc.says) {
			t.Errorf("%s: %d %v (temporary %v, wait %v)", tc.path, status, err, temp, wait)
		}
		if err != nil && len([]rune(err.Error())) > 260 {
			t.Errorf("%s: the reason is not cut: %d characters", tc.path, len([]rune(err.Error())))
		}
	}
	if followed {
		t.Error("the redirect was followed")
	}
	srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/ok", nil)
	if status, err := chat.Exchange(client, req, nil); status != 0 || err == nil {
		t.Errorf("no answer: %d %v", status, err)
	} else if temp, _ := chat.IsTemporary(err); !temp {
		t.Errorf("no answer is not temporary: %v", err)
	}
}

// TestNoRedirectsKeepsTheClient: the copy keeps the given client's
// settings and leaves the original alone.
func TestNoRedirectsKeepsTheClient(t *testing.T) {
	orig := &http.Client{Timeout: 3 * time.Second}
	c := chat.NoRedirects(orig)
	if c == orig || c.Timeout != 3*time.Second || c.CheckRedirect == nil || orig.CheckRedirect != nil {
		t.Errorf("copy %+v, original %+v", c, orig)
	}
}
