package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// runtimeAPI is a stand-in for the Lambda Runtime API
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html): it hands
// out queued events on GET /invocation/next and collects the function's
// answers.
type runtimeAPI struct {
	srv       *httptest.Server
	events    chan []byte
	responses chan invocationResult
	mu        sync.Mutex
	seq       int
}

type invocationResult struct {
	id    string
	body  []byte
	error bool
}

func newRuntimeAPI(t *testing.T) *runtimeAPI {
	rt := &runtimeAPI{events: make(chan []byte), responses: make(chan invocationResult, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case ev := <-rt.events:
			rt.mu.Lock()
			rt.seq++
			id := fmt.Sprintf("req-%d", rt.seq)
			rt.mu.Unlock()
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", id)
			w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(10*time.Second).UnixMilli()))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:ap-northeast-1:123456789012:function:pd2chat-webhook")
			w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
			_, _ = w.Write(ev)
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rt.responses <- invocationResult{id: r.PathValue("id"), body: b}
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rt.responses <- invocationResult{id: r.PathValue("id"), body: b, error: true}
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/init/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		t.Errorf("function reported an init error: %s", b)
		w.WriteHeader(http.StatusAccepted)
	})
	rt.srv = httptest.NewServer(mux)
	t.Cleanup(rt.srv.Close)
	return rt
}

// invoke hands the function one event and waits for its answer.
func (rt *runtimeAPI) invoke(t *testing.T, event []byte) invocationResult {
	t.Helper()
	select {
	case rt.events <- event:
	case <-time.After(20 * time.Second):
		t.Fatal("the function never asked for its next invocation")
	}
	select {
	case res := <-rt.responses:
		return res
	case <-time.After(20 * time.Second):
		t.Fatal("the function never answered")
	}
	return invocationResult{}
}

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
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}

	rt := newRuntimeAPI(t)
	slack := &slackRecorder{}
	slackSrv := httptest.NewServer(slack)
	defer slackSrv.Close()

	const oldSecret, newSecret = "old-signing-secret", "new-signing-secret"
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	fn := exec.CommandContext(ctx, bin)
	fn.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_RUNTIME_API=" + strings.TrimPrefix(rt.srv.URL, "http://"),
		"AWS_LAMBDA_FUNCTION_NAME=pd2chat-webhook",
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=256",
		"AWS_REGION=ap-northeast-1",
		"PAGERDUTY_WEBHOOK_SECRETS=" + oldSecret + "," + newSecret,
		"ALERT_DESTINATIONS=slack:C0ALERTS",
		"SLACK_BOT_TOKEN=xoxb-test-token",
		"SLACK_API_URL=" + slackSrv.URL + "/api/",
		"ROTATION_SOURCE=csv:../../testdata/sheet",
	}
	var logs bytes.Buffer
	fn.Stdout, fn.Stderr = &logs, &logs
	if err := fn.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		cancel()
		_ = fn.Wait()
		if t.Failed() {
			t.Logf("function output:\n%s", logs.String())
		}
	}()

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
		{"plain body, old secret", "POST", map[string]string{"X-PagerDuty-Signature": sign(oldSecret, body)}, false, 200, 2},
		{"forged signature", "POST", map[string]string{"X-PagerDuty-Signature": forged}, true, 403, 2},
		{"no signature", "POST", nil, false, 401, 2},
		{"wrong method", "GET", nil, false, 405, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := rt.invoke(t, apiGatewayEvent(t, tc.method, "", tc.headers, body, tc.b64))
			if res.error {
				t.Fatalf("invocation error: %s", res.body)
			}
			var resp events.APIGatewayV2HTTPResponse
			if err := json.Unmarshal(res.body, &resp); err != nil {
				t.Fatalf("response %s: %v", res.body, err)
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
	if strings.Contains(logs.String(), "xoxb-test-token") || strings.Contains(logs.String(), newSecret) {
		t.Errorf("a secret reached the logs:\n%s", logs.String())
	}
}
