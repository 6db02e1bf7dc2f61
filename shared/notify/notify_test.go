package notify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/notify"
	"github.com/pd2chat/pd2chat/shared/queue"
)

const secret = "notify-secret-0123456789abcdef"

func sign(body, key string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(body))
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

func post(h http.Handler, body string, sig ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/notify", strings.NewReader(body))
	for _, s := range sig {
		req.Header.Add(notify.SignatureHeader, s)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

func TestNotify(t *testing.T) {
	q := queue.NewMemory()
	h := notify.New(notify.Config{Secrets: []string{"old-secret-0123456789", secret}, Queue: q,
		Now: func() time.Time { return time.Date(2026, 11, 20, 2, 30, 0, 0, time.UTC) }})
	body := `{"incident": 1234, "job": "restart app-3", "status": "started", "url": "https://ci.example.com/job/42/", "by": "jenkins"}`

	// Signed with the new secret, among others (rotation): queued.
	if rec := post(h, body, "v1=00ff, "+sign(body, secret)); rec.Code != http.StatusAccepted {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	if q.Len() != 1 {
		t.Fatalf("%d queued", q.Len())
	}
	msgs, err := q.Receive(t.Context(), 10, time.Minute)
	if err != nil || len(msgs) != 1 {
		t.Fatal(msgs, err)
	}
	var job deliver.Job
	if err := json.Unmarshal(msgs[0].Body, &job); err != nil {
		t.Fatal(err)
	}
	ev := job.Event
	if job.Destination != deliver.NotifyDestination || ev.Kind != incident.JobReported || ev.Incident.Number != 1234 || ev.Agent != "jenkins" ||
		*ev.Job != (incident.Job{Name: "restart app-3", Status: "started", URL: "https://ci.example.com/job/42/"}) {
		t.Errorf("%+v %+v", job, ev)
	}

	queued := q.Len()
	for _, c := range []struct {
		body string
		sig  []string
		code int
		want string
	}{
		{body, nil, http.StatusUnauthorized, "X-Pd2chat-Signature"},
		{body, []string{sign(body, "guess-0123456789abcdef")}, http.StatusForbidden, "does not match"},
		{body, []string{sign(body+" ", secret)}, http.StatusForbidden, "does not match"},
		{`{"job": "x"}`, []string{sign(`{"job": "x"}`, secret)}, http.StatusBadRequest, `"status" must be`},
		{`{"job": "x", "status": "done"}`, []string{sign(`{"job": "x", "status": "done"}`, secret)}, http.StatusBadRequest, `"status" must be`},
		{`{"jobb": "x", "status": "started"}`, []string{sign(`{"jobb": "x", "status": "started"}`, secret)}, http.StatusBadRequest, `unknown field "jobb"`},
		{`{"job": "x", "status": "started", "url": "javascript:alert(1)"}`, []string{sign(`{"job": "x", "status": "started", "url": "javascript:alert(1)"}`, secret)}, http.StatusBadRequest, `"url"`},
		{`{"job": "x", "status": "started", "url": "https://ci.example.com/a|b"}`, []string{sign(`{"job": "x", "status": "started", "url": "https://ci.example.com/a|b"}`, secret)}, http.StatusBadRequest, `"url"`},
		{`{"job": "x", "status": "started", "url": "https://ci.example.com/<x>"}`, []string{sign(`{"job": "x", "status": "started", "url": "https://ci.example.com/<x>"}`, secret)}, http.StatusBadRequest, `"url"`},
		{`{"job": "x", "status": "started", "url": "https://user@ci.example.com/"}`, []string{sign(`{"job": "x", "status": "started", "url": "https://user@ci.example.com/"}`, secret)}, http.StatusBadRequest, `"url"`},
		{`{"job": "x", "status": "started", "url": "https://ci.example.com/a b"}`, []string{sign(`{"job": "x", "status": "started", "url": "https://ci.example.com/a b"}`, secret)}, http.StatusBadRequest, `"url"`},
		{`{"job": "x", "status": "started", "incident": -3}`, []string{sign(`{"job": "x", "status": "started", "incident": -3}`, secret)}, http.StatusBadRequest, `"incident"`},
		{`{"job": "x", "status": "started"}}`, []string{sign(`{"job": "x", "status": "started"}}`, secret)}, http.StatusBadRequest, "follows the JSON object"},
		{`{"job": "x", "status": "started"} {}`, []string{sign(`{"job": "x", "status": "started"} {}`, secret)}, http.StatusBadRequest, "follows the JSON object"},
		{`{"job": "x", "status": "started"}]`, []string{sign(`{"job": "x", "status": "started"}]`, secret)}, http.StatusBadRequest, "follows the JSON object"},
	} {
		if rec := post(h, c.body, c.sig...); rec.Code != c.code || !strings.Contains(rec.Body.String(), c.want) || strings.Contains(rec.Body.String(), secret) {
			t.Errorf("%s %v: %d %q, want %d %q", c.body, c.sig, rec.Code, rec.Body, c.code, c.want)
		}
	}
	if q.Len() != queued {
		t.Errorf("a refused report was queued")
	}
	big := `{"job": "` + strings.Repeat("x", notify.MaxBody) + `", "status": "started"}`
	if rec := post(h, big, sign(big, secret)); rec.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("a huge body: %d", rec.Code)
	}
	req := httptest.NewRequest(http.MethodGet, "/notify", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", rec.Code)
	}
	if notify.New(notify.Config{}) != nil {
		t.Error("served without a secret")
	}
}
