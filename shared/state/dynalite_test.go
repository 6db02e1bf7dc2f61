package state_test

// A real DynamoDB-compatible server for the tests: dynalite from npm, pinned
// by testdata/dynalite/package-lock.json. One in-memory server per test
// binary, started on first use and stopped by TestMain; a fresh table per
// test. When node_modules is missing the helper runs `npm ci` once; without
// node or npm the dynalite tests are skipped, or fail when CI=true.

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
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/pd2chat/pd2chat/shared/state"
)

const dynaliteDir = "testdata/dynalite"

func TestMain(m *testing.M) {
	code := m.Run()
	dynalite.stop()
	os.Exit(code)
}

// dynalite is the one server of this test binary.
var dynalite dynaliteServer

type dynaliteServer struct {
	once     sync.Once
	endpoint string
	cmd      *exec.Cmd
	stdin    io.Closer
	err      error // why there is no server
}

// errMissingTool says node or npm is not installed.
var errMissingTool = errors.New("not installed (the DynamoDB tests run dynalite from npm: install Node.js and npm)")

// newDynamoClient returns a client of the test binary's dynalite, starting
// it on first use.
func newDynamoClient(tb testing.TB, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	tb.Helper()
	dynalite.once.Do(startDynalite)
	if err := dynalite.err; err != nil {
		if errors.Is(err, errMissingTool) && os.Getenv("CI") != "true" {
			tb.Skipf("dynalite: %v (CI=true makes this a failure)", err)
		}
		tb.Fatalf("dynalite: %v", err)
	}
	return dynamoClient(dynalite.endpoint, optFns...)
}

// dynamoClient is the real SDK client on endpoint, with test credentials.
func dynamoClient(endpoint string, optFns ...func(*dynamodb.Options)) *dynamodb.Client {
	return dynamodb.New(dynamodb.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "ap-northeast-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	}, optFns...)
}

var tableSeq atomic.Int64

// newTable creates a fresh table as the store expects it (dynalite has no
// UpdateTimeToLive; real DynamoDB does) and returns its name.
func newTable(tb testing.TB, c *dynamodb.Client) string {
	tb.Helper()
	ctx := context.Background()
	table := fmt.Sprintf("pd2chat-test-%d", tableSeq.Add(1))
	if _, err := c.CreateTable(ctx, state.CreateTableInput(table)); err != nil {
		tb.Fatalf("create table %s: %v", table, err)
	}
	tb.Cleanup(func() {
		if _, err := c.DeleteTable(context.Background(), &dynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			tb.Errorf("delete table %s: %v", table, err)
		}
	})
	var apiErr smithy.APIError
	if _, err := c.UpdateTimeToLive(ctx, state.UpdateTimeToLiveInput(table)); err != nil &&
		!(errors.As(err, &apiErr) && apiErr.ErrorCode() == "UnknownOperationException") {
		tb.Fatalf("update time to live of %s: %v", table, err)
	}
	// --createTableMs 0 makes the table ACTIVE on dynalite's next tick.
	for deadline := time.Now().Add(5 * time.Second); ; {
		out, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			tb.Fatalf("describe table %s: %v", table, err)
		}
		if out.Table.TableStatus == types.TableStatusActive {
			return table
		}
		if time.Now().After(deadline) {
			tb.Fatalf("table %s still %s after 5s", table, out.Table.TableStatus)
		}
	}
}

func startDynalite() {
	dir, err := filepath.Abs(dynaliteDir)
	if err != nil {
		dynalite.err = err
		return
	}
	node, err := exec.LookPath("node")
	if err != nil {
		dynalite.err = fmt.Errorf("node: %w", errMissingTool)
		return
	}
	if err := installDynalite(dir); err != nil {
		dynalite.err = err
		return
	}
	for range 3 { // the free port may be taken between picking and listening
		if dynalite.err = launchDynalite(node, dir); dynalite.err == nil {
			return
		}
	}
}

// installDynalite runs npm ci when node_modules is missing. It installs into
// a temporary folder and renames node_modules into place, so concurrent test
// binaries never see half an installation.
func installDynalite(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "dynalite", "cli.js")); err == nil {
		return nil
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		return fmt.Errorf("node_modules missing in %s, and npm: %w", dir, errMissingTool)
	}
	tmp, err := os.MkdirTemp(dir, ".install-")
	if err != nil {
		return fmt.Errorf("install dynalite: %w", err)
	}
	defer os.RemoveAll(tmp)
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			return fmt.Errorf("install dynalite: %w", err)
		}
		if err := os.WriteFile(filepath.Join(tmp, f), b, 0o644); err != nil {
			return fmt.Errorf("install dynalite: %w", err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, npm, "ci", "--prefix", tmp, "--no-audit", "--no-fund").CombinedOutput()
	if err != nil {
		return fmt.Errorf("npm ci --prefix %s: %w\n%s", tmp, err, out)
	}
	if err := os.Rename(filepath.Join(tmp, "node_modules"), filepath.Join(dir, "node_modules")); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "node_modules", "dynalite", "cli.js")); statErr == nil {
			return nil // another test binary installed it meanwhile
		}
		return fmt.Errorf("install dynalite: %w", err)
	}
	return nil
}

// launchDynalite starts the server on a free port and waits for its
// "listening" line.
func launchDynalite(node, dir string) error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("pick a port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	cmd := exec.Command(node, filepath.Join(dir, "serve.js"),
		"--host", "127.0.0.1", "--port", fmt.Sprint(port), "--createTableMs", "0", "--deleteTableMs", "0")
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("start dynalite: %w", err)
	}
	stdin, err := cmd.StdinPipe() // serve.js exits when this closes
	if err != nil {
		return fmt.Errorf("start dynalite: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start dynalite: %w", err)
	}
	listening := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ok := false
		for sc.Scan() {
			if !ok && strings.HasPrefix(sc.Text(), "Dynalite listening at:") {
				ok = true
				listening <- true
			}
		}
		if !ok {
			listening <- false
		}
	}()
	timer := time.NewTimer(15 * time.Second)
	defer timer.Stop()
	select {
	case ok := <-listening:
		if ok {
			dynalite.cmd, dynalite.stdin = cmd, stdin
			dynalite.endpoint = fmt.Sprintf("http://127.0.0.1:%d", port)
			return nil
		}
	case <-timer.C:
	}
	stdin.Close()
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return fmt.Errorf("dynalite on port %d did not start: %s", port, stderr.String())
}

// stop ends the server, if it was started.
func (d *dynaliteServer) stop() {
	if d.cmd == nil {
		return
	}
	d.stdin.Close()
	_ = d.cmd.Process.Kill()
	_ = d.cmd.Wait()
}
