// Package testserver starts the AWS-compatible servers the tests talk to
// with the real AWS SDK clients: dynalite (DynamoDB) and fauxqs (SQS), both
// from npm, pinned by testdata/servers/package-lock.json. Each test binary
// starts at most one of each, on loopback, on first use; it stops when the
// binary exits (the server exits when its stdin closes). When node_modules
// is missing, the first use runs `npm ci` once. Without node or npm the
// tests that need a server fail, saying so; PD2CHAT_SKIP_SERVERS=1 skips
// them instead, on purpose.
package testserver

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// Dir is testdata/servers of this repository: the npm project and the
// launch scripts.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "servers")
}

// ErrMissingTool says node or npm is not installed.
var ErrMissingTool = errors.New("not installed (the tests run dynalite and fauxqs from npm: install Node.js and npm)")

type server struct {
	once     sync.Once
	endpoint string
	err      error
}

var dynalite, fauxqs server

var (
	pipesMu sync.Mutex
	pipes   []io.Closer // the servers' stdin
)

// Dynalite returns the endpoint ("http://127.0.0.1:PORT") of this test
// binary's DynamoDB-compatible server, starting it on first use.
func Dynalite(tb testing.TB) string {
	tb.Helper()
	return dynalite.get(tb, func() (string, error) {
		var last error
		for range 3 { // the free port may be taken between picking and listening
			port, err := freePort()
			if err != nil {
				return "", err
			}
			_, last = Start("dynalite.js", "Dynalite listening at:", "--host", "127.0.0.1", "--port", fmt.Sprint(port),
				"--createTableMs", "0", "--deleteTableMs", "0")
			if last == nil {
				return fmt.Sprintf("http://127.0.0.1:%d", port), nil
			}
		}
		return "", last
	})
}

// SQS returns the endpoint of this test binary's SQS-compatible server
// (fauxqs), starting it on first use.
func SQS(tb testing.TB) string {
	tb.Helper()
	return fauxqs.get(tb, func() (string, error) {
		line, err := Start("fauxqs.mjs", "fauxqs listening at:", "--port", "0")
		if err != nil {
			return "", err
		}
		return strings.TrimSpace(strings.TrimPrefix(line, "fauxqs listening at:")), nil
	})
}

func (s *server) get(tb testing.TB, start func() (string, error)) string {
	tb.Helper()
	s.once.Do(func() { s.endpoint, s.err = start() })
	if s.err != nil {
		if errors.Is(s.err, ErrMissingTool) {
			if os.Getenv("PD2CHAT_SKIP_SERVERS") == "1" {
				tb.Skipf("test server: %v (skipped: PD2CHAT_SKIP_SERVERS=1)", s.err)
			}
			tb.Fatalf("test server: %v: install Node.js 20 or later with npm (or set PD2CHAT_SKIP_SERVERS=1 to skip the tests that need DynamoDB and SQS)", s.err)
		}
		tb.Fatalf("test server: %v", s.err)
	}
	return s.endpoint
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("pick a port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start runs `node Dir()/script args…` (installing the npm packages first
// when needed), waits for the stdout line starting with ready and returns
// it. The server lives as long as this process: it exits when its stdin,
// held open here, closes.
func Start(script, ready string, args ...string) (string, error) {
	node, err := exec.LookPath("node")
	if err != nil {
		return "", fmt.Errorf("node: %w", ErrMissingTool)
	}
	dir := Dir()
	if err := Install(dir); err != nil {
		return "", err
	}
	cmd := exec.Command(node, append([]string{filepath.Join(dir, script)}, args...)...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", fmt.Errorf("start %s: %w", script, err)
	}
	stdin, err := cmd.StdinPipe() // never closed: the server ends with this process
	if err != nil {
		return "", fmt.Errorf("start %s: %w", script, err)
	}
	pipesMu.Lock()
	pipes = append(pipes, stdin) // kept: a collected pipe would close, and end the server
	pipesMu.Unlock()
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", script, err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if !sent && strings.HasPrefix(sc.Text(), ready) {
				sent = true
				lines <- sc.Text()
			}
		}
		if !sent {
			close(lines)
		}
	}()
	timer := time.NewTimer(30 * time.Second)
	defer timer.Stop()
	select {
	case line, ok := <-lines:
		if ok {
			// A server that dies under a test would look like an outage
			// that never ends: say so, with what it printed.
			go func() {
				err := cmd.Wait()
				fmt.Fprintf(os.Stderr, "testserver: %s %s exited early (%v): %s\n", script, strings.Join(args, " "), err, tail(stderr.String(), 2000))
			}()
			return line, nil
		}
	case <-timer.C:
	}
	stdin.Close()
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return "", fmt.Errorf("%s %s did not start: %s", script, strings.Join(args, " "), stderr.String())
}

// Install runs npm ci in dir when its node_modules is missing. It installs
// into a temporary folder and renames node_modules into place, so that
// concurrent test binaries never see half an installation.
func Install(dir string) error {
	done := func() bool {
		for _, f := range []string{"dynalite/cli.js", "fauxqs/package.json"} {
			if _, err := os.Stat(filepath.Join(dir, "node_modules", f)); err != nil {
				return false
			}
		}
		return true
	}
	if done() {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("node_modules missing in %s, and npm: %w", dir, ErrMissingTool)
	}
	tmp, err := os.MkdirTemp(dir, ".install-")
	if err != nil {
		return fmt.Errorf("install test servers: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, f := range []string{"package.json", "package-lock.json"} {
		if err := copyFile(filepath.Join(dir, f), filepath.Join(tmp, f)); err != nil {
			return fmt.Errorf("install test servers: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, npm, "ci", "--prefix", tmp, "--no-audit", "--no-fund", "--loglevel=error").CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm ci --prefix %s: %w\n%s", tmp, err, out)
	}
	if err := os.Rename(filepath.Join(tmp, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		if done() {
			return nil // another test binary installed it meanwhile
		}
		return fmt.Errorf("install test servers: %w", err)
	}
	return nil
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// tail is the last n bytes of s.
func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}
