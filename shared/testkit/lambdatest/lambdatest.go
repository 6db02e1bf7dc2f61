// Package lambdatest runs a function's real bootstrap binary in a test, as
// AWS Lambda would: Build compiles it the way `make build` does, and Runtime
// is a stand-in for the Lambda Runtime API
// (https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html) that hands
// the binary one event at a time and collects its answers. (The runtime
// interface emulator is not installable here.)
//
// It is for tests only.
package lambdatest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/testkit/testlog"
)

// Build compiles the main package in dir (relative to the test's directory,
// usually ".") as Lambda runs it — CGO off, -tags lambda.norpc — into a
// temporary directory, and returns the binary's path. It skips the test
// under -short.
func Build(t testing.TB, dir string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the bootstrap binary")
	}
	bin := filepath.Join(t.TempDir(), "bootstrap")
	build := exec.Command("go", "build", "-tags", "lambda.norpc", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", dir, err, out)
	}
	return bin
}

// Result is the function's answer to one invocation.
type Result struct {
	RequestID string
	Body      []byte // the response, or the error document when Error
	Error     bool   // the function reported an invocation error
}

// Runtime is the stand-in Runtime API, served on a local port until the
// test ends.
type Runtime struct {
	// Timeout is each invocation's deadline, sent as
	// Lambda-Runtime-Deadline-Ms; set it before the first Invoke.
	Timeout time.Duration

	srv       *httptest.Server
	events    chan []byte
	responses chan Result
	mu        sync.Mutex
	seq       int
}

// NewRuntime serves the Runtime API. A function that reports an init error
// fails the test.
func NewRuntime(t testing.TB) *Runtime {
	rt := &Runtime{Timeout: 10 * time.Second, events: make(chan []byte), responses: make(chan Result, 16)}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /2018-06-01/runtime/invocation/next", func(w http.ResponseWriter, r *http.Request) {
		select {
		case ev := <-rt.events:
			rt.mu.Lock()
			rt.seq++
			id := fmt.Sprintf("req-%d", rt.seq)
			timeout := rt.Timeout
			rt.mu.Unlock()
			w.Header().Set("Lambda-Runtime-Aws-Request-Id", id)
			w.Header().Set("Lambda-Runtime-Deadline-Ms", fmt.Sprint(time.Now().Add(timeout).UnixMilli()))
			w.Header().Set("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:ap-northeast-1:123456789012:function:pd2chat-test")
			w.Header().Set("Lambda-Runtime-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
			_, _ = w.Write(ev)
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/response", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rt.responses <- Result{RequestID: r.PathValue("id"), Body: b}
		w.WriteHeader(http.StatusAccepted)
	})
	mux.HandleFunc("POST /2018-06-01/runtime/invocation/{id}/error", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rt.responses <- Result{RequestID: r.PathValue("id"), Body: b, Error: true}
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

// Addr is the value of AWS_LAMBDA_RUNTIME_API (host:port).
func (rt *Runtime) Addr() string { return strings.TrimPrefix(rt.srv.URL, "http://") }

// Invoke hands the function one event and waits for its answer.
func (rt *Runtime) Invoke(t testing.TB, event []byte) Result {
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
	return Result{}
}

// Process is a running bootstrap.
type Process struct {
	out testlog.Buffer
}

// Output is what the function wrote to stdout and stderr so far.
func (p *Process) Output() string { return p.out.String() }

// Start runs bin with exactly env plus AWS_LAMBDA_RUNTIME_API pointing at
// rt. The process is killed when the test ends, and its output is logged if
// the test failed.
func (rt *Runtime) Start(t testing.TB, bin string, env []string) *Process {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	fn := exec.CommandContext(ctx, bin)
	fn.Env = append(append([]string(nil), env...), "AWS_LAMBDA_RUNTIME_API="+rt.Addr())
	p := &Process{}
	fn.Stdout, fn.Stderr = &p.out, &p.out
	if err := fn.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = fn.Wait()
		if t.Failed() {
			t.Logf("function output:\n%s", p.Output())
		}
	})
	return p
}
