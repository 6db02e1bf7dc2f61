package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/pd2chat/pd2chat/shared/lambdatest"
)

// slackRecorder is a fake Slack Web API that records chat.postMessage calls.
type slackRecorder struct {
	mu    sync.Mutex
	posts []url.Values
}

func (s *slackRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/chat.postMessage" {
		http.NotFound(w, r)
		return
	}
	_ = r.ParseForm()
	s.mu.Lock()
	s.posts = append(s.posts, r.PostForm)
	s.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"ok":true,"channel":"`+r.PostForm.Get("channel")+`","ts":"1763604900.000100"}`)
}

func (s *slackRecorder) texts() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, p := range s.posts {
		out = append(out, p.Get("text"))
	}
	return out
}

func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "v1=" + hex.EncodeToString(mac.Sum(nil))
}

// apiGatewayEvent is the payload API Gateway HTTP API (format 2.0) sends
// for a request, from testdata/apigateway/v2-request.json.
func apiGatewayEvent(t *testing.T, method, rawQuery string, headers map[string]string, body []byte, b64 bool) []byte {
	t.Helper()
	raw, err := os.ReadFile("../../testdata/apigateway/v2-request.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev events.APIGatewayV2HTTPRequest
	if err := json.Unmarshal(raw, &ev); err != nil {
		t.Fatal(err)
	}
	ev.RequestContext.HTTP.Method = method
	ev.RawQueryString = rawQuery
	for k, v := range headers {
		ev.Headers[strings.ToLower(k)] = v
	}
	ev.IsBase64Encoded = b64
	ev.Body = string(body)
	if b64 {
		ev.Body = base64.StdEncoding.EncodeToString(body)
	}
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestBootstrapOnLambdaRuntime builds the webhook as Lambda runs it
// (-tags lambda.norpc, CGO off) and drives the binary through a stand-in
// Runtime API with API Gateway v2 events.
func TestBootstrapOnLambdaRuntime(t *testing.T) {
	bin := lambdatest.Build(t, ".")
	rt := lambdatest.NewRuntime(t)
	slack := &slackRecorder{}
	slackSrv := httptest.NewServer(slack)
	defer slackSrv.Close()

	const oldSecret, newSecret = "old-signing-secret", "new-signing-secret"
	fn := rt.Start(t, bin, []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_FUNCTION_NAME=pd2chat-webhook",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_REGION=ap-northeast-1",
		"PAGERDUTY_WEBHOOK_SECRETS=" + oldSecret + "," + newSecret,
		"ALERT_DESTINATIONS=slack:C0ALERTS",
		"SLACK_BOT_TOKEN=xoxb-test-token",
		"SLACK_API_URL=" + slackSrv.URL + "/api/",
		"ROTATION_SOURCE=csv:../../testdata/sheet",
		"STATE_STORE=memory",
	})

	body, err := os.ReadFile("../../testdata/pagerduty/v3/incident.triggered.json")
	if err != nil {
		t.Fatal(err)
	}
	forged := sign("not-the-secret", body)
	cases := []struct {
		name       string
		method     string
		headers    map[string]string
		b64        bool
		wantStatus int
		wantPosts  int
	}{
		// During rotation PagerDuty signs with both secrets; API Gateway
		// keeps the header as one comma-joined value.
		{"base64 body, two signatures, second valid", "POST", map[string]string{"X-PagerDuty-Signature": forged + "," + sign(newSecret, body)}, true, 200, 1},
		// The same event again (PagerDuty redelivers): accepted, not posted twice.
		{"plain body, old secret, a redelivery", "POST", map[string]string{"X-PagerDuty-Signature": sign(oldSecret, body)}, false, 200, 1},
		{"forged signature", "POST", map[string]string{"X-PagerDuty-Signature": forged}, true, 403, 1},
		{"no signature", "POST", nil, false, 401, 1},
		{"wrong method", "GET", nil, false, 405, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := rt.Invoke(t, apiGatewayEvent(t, tc.method, "", tc.headers, body, tc.b64))
			if res.Error {
				t.Fatalf("invocation error: %s", res.Body)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(res.Body, &resp); err != nil {
				t.Fatalf("response %s: %v", res.Body, err)
			}
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d (%q), want %d", resp.StatusCode, resp.Body, tc.wantStatus)
			}
			if got := len(slack.texts()); got != tc.wantPosts {
				t.Errorf("Slack got %d posts in all, want %d", got, tc.wantPosts)
			}
		})
	}
	texts := slack.texts()
	if len(texts) == 0 {
		t.Fatal("nothing posted")
	}
	// 2026-11-20 11:15 JST, a Friday: Takahashi and Tanaka are on call.
	for _, want := range []string{"#pd1234", "<@U01TAKAHASH>", "<@U01TANAKA01>"} {
		if !strings.Contains(texts[0], want) {
			t.Errorf("Slack message lacks %q:\n%s", want, texts[0])
		}
	}
	if logs := fn.Output(); strings.Contains(logs, "xoxb-test-token") || strings.Contains(logs, newSecret) {
		t.Errorf("a secret reached the logs:\n%s", logs)
	}
}
