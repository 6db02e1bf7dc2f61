package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/pd2chat/pd2chat/shared/chat/googlechat"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/state/dynamodb"
	"github.com/pd2chat/pd2chat/shared/testkit/fakegooglechat"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
	"github.com/pd2chat/pd2chat/shared/testkit/testserver"
)

// TestChaos runs the production topology on loopback — the webhook and
// deliver binaries, fauxqs as the SQS FIFO queue, dynalite (behind a TCP
// proxy that can cut it off) as the store, the fake Slack and a dead
// Typetalk — sends it PagerDuty's traffic with redeliveries, and injects
// faults: Slack failing ~30% of posts (500, 429, hangs, answers lost after
// the post), the store unreachable for 10 s, and each process killed with
// SIGKILL once and restarted. It then checks the delivery contract: every
// event posted exactly once, one thread per incident, the dead chat's
// messages dead-lettered with a reason, and the webhook never refusing.
//
// It runs only with PD2CHAT_CHAOS set (make chaos). PD2CHAT_CHAOS_EVENTS is
// the number of events (default 300), PD2CHAT_CHAOS_SEED fixes the plan
// (not the timing), PD2CHAT_CHAOS_RETRY_FOR is DELIVERY_RETRY_FOR (default
// 20s: the dead chat's messages reach the dead-letter queue within the
// run), PD2CHAT_CHAOS_LOGS a folder that keeps the processes' logs.
func TestChaos(t *testing.T) {
	if os.Getenv("PD2CHAT_CHAOS") == "" {
		t.Skip("set PD2CHAT_CHAOS=1 to run (make chaos)")
	}
	nEvents := 300
	if v := os.Getenv("PD2CHAT_CHAOS_EVENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("PD2CHAT_CHAOS_EVENTS=%q is not a positive number", v)
		}
		nEvents = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("PD2CHAT_CHAOS_SEED"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("PD2CHAT_CHAOS_SEED=%q is not a number", v)
		}
		seed = s
	}
	retryFor := 20 * time.Second
	if v := os.Getenv("PD2CHAT_CHAOS_RETRY_FOR"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			t.Fatalf("PD2CHAT_CHAOS_RETRY_FOR=%q is not a duration of 1s or more", v)
		}
		retryFor = d
	}
	t.Logf("chaos: %d events, seed %d (PD2CHAT_CHAOS_SEED to repeat the plan), DELIVERY_RETRY_FOR %s", nEvents, seed, retryFor)
	began := time.Now()
	ctx := t.Context()

	const (
		secret     = "chaos-signing-secret"
		slackToken = "xoxb-chaos-test-token"
		slackDest  = "slack:C0ALERTS"
		deadDest   = "typetalk:777"
		gchatDest  = "googlechat:chaos" // a second live chat, without a look-up: its request IDs keep it exactly once
		visibility = 5 * time.Second
		outage     = 10 * time.Second
	)

	// Binaries, built for this host.
	binDir := t.TempDir()
	webhookBin := chaosBuild(t, binDir, "webhook", "../webhook")
	deliverBin := chaosBuild(t, binDir, "deliver", ".")

	// The servers.
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	sqsEndpoint := testserver.SQS(t)
	var sdkLog syncLines // why the SDK retried the test's own SQS calls
	sqsClient := sqs.New(sqs.Options{BaseEndpoint: aws.String(sqsEndpoint), Region: "ap-northeast-1", Credentials: creds,
		Retryer: loggingRetryer{retry.NewStandard(), func(err error) {
			sdkLog.add(fmt.Sprintf("%.1fs %v", time.Since(began).Seconds(), err))
		}}})
	name := fmt.Sprintf("chaos-%d", time.Now().UnixNano())
	queueURL, err := queue.Create(ctx, sqsClient, name, queue.CreateOptions{Visibility: visibility})
	if err != nil {
		t.Fatal(err)
	}
	dynamoEndpoint := testserver.Dynalite(t)
	table := name
	db := awsdynamodb.New(awsdynamodb.Options{BaseEndpoint: aws.String(dynamoEndpoint), Region: "ap-northeast-1", Credentials: creds})
	if _, err := db.CreateTable(ctx, dynamodb.CreateTableInput(table)); err != nil {
		t.Fatal(err)
	}
	store := startProxy(t, strings.TrimPrefix(dynamoEndpoint, "http://"))

	slack := fakeslack.New(t)
	faults := injectSlackFaults(slack)
	deadTypetalk := closedPort(t)
	gchat := fakegooglechat.New(t)
	// Google Chat fails now and then too: a 500, a 429, another 500.
	gchat.Fail(fakegooglechat.Status(500), fakegooglechat.Status(429, "Retry-After", "1"), fakegooglechat.Status(503))
	webhookPort := freeTCPPort(t)

	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + binDir,
		"AWS_REGION=ap-northeast-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test", "AWS_EC2_METADATA_DISABLED=true",
		"ALERT_DESTINATIONS=" + slackDest + "," + deadDest + "," + gchatDest,
		`GOOGLECHAT_WEBHOOKS={"chaos": "` + gchat.WebhookURL("CHAOS") + `"}`,
		"SLACK_BOT_TOKEN=" + slackToken, "SLACK_API_URL=" + slack.APIURL(),
		"TYPETALK_TOKEN=chaos-typetalk-token", "TYPETALK_API_URL=http://" + deadTypetalk,
		"ROTATION_SOURCE=csv:../../testdata/sheet",
		"STATE_STORE=dynamodb:" + table, "DYNAMODB_ENDPOINT=http://" + store.Addr(),
		"DELIVERY_QUEUE=sqs:" + queueURL, "SQS_ENDPOINT=" + sqsEndpoint,
		"DELIVERY_RETRY_FOR=" + retryFor.String(),
		"PAGERDUTY_WEBHOOK_SECRETS=" + secret,
		"PORT=" + strconv.Itoa(webhookPort),
	}
	logDir := os.Getenv("PD2CHAT_CHAOS_LOGS") // keep the processes' logs there
	if logDir == "" {
		logDir = t.TempDir()
	} else if err := os.MkdirAll(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	webhook := &proc{name: "webhook", bin: webhookBin, env: env, logDir: logDir}
	worker := &proc{name: "deliver", bin: deliverBin, args: []string{"--visibility", visibility.String()}, env: env, logDir: logDir}
	t.Cleanup(func() {
		webhook.stop()
		worker.stop()
		if t.Failed() {
			for _, p := range []*proc{webhook, worker} {
				t.Logf("%s output (last lines):\n%s", p.name, tail(p.output(), 40))
			}
		}
	})
	webhookURL := fmt.Sprintf("http://127.0.0.1:%d", webhookPort)
	startWebhook := func() error {
		if err := webhook.start(); err != nil {
			return err
		}
		return waitFor(15*time.Second, func() bool {
			resp, err := http.Get(webhookURL + "/healthz")
			if err != nil {
				return false
			}
			resp.Body.Close()
			return resp.StatusCode == http.StatusOK
		})
	}
	startDeliver := func() error {
		if err := worker.start(); err != nil {
			return err
		}
		return waitFor(15*time.Second, func() bool { return strings.Contains(worker.currentOutput(), `"msg":"deliver ready"`) })
	}
	if err := startWebhook(); err != nil {
		t.Fatalf("webhook: %v\n%s", err, webhook.output())
	}
	if err := startDeliver(); err != nil {
		t.Fatalf("deliver: %v\n%s", err, worker.output())
	}

	// The load: nEvents events across ~nEvents/6 incidents.
	plan := newPlan(t, nEvents, seed)
	t.Logf("chaos: %d incidents, %d of them with a trigger and a note sent at the same moment", len(plan.incidents), plan.simultaneous)

	// The faults, each once, when the run reaches it.
	var (
		chaosMu  sync.Mutex
		chaosLog []string
		chaosErr []string
	)
	note := func(format string, args ...any) {
		chaosMu.Lock()
		defer chaosMu.Unlock()
		chaosLog = append(chaosLog, fmt.Sprintf("%6.1fs ", time.Since(began).Seconds())+fmt.Sprintf(format, args...))
	}
	problem := func(format string, args ...any) {
		chaosMu.Lock()
		defer chaosMu.Unlock()
		chaosErr = append(chaosErr, fmt.Sprintf(format, args...))
	}
	snd := newSender(webhookURL+"/pagerduty", secret)
	var (
		faultsDone sync.WaitGroup
		stopFaults = make(chan struct{})
		// When the webhook was down: PagerDuty's connection errors belong there.
		webhookDown, webhookBack time.Time
	)
	faultsDone.Go(func() {
		type step struct {
			name  string
			ready func() bool
			do    func()
		}
		posts := func() int { return len(slack.Posts()) }
		steps := []step{
			{"kill the webhook", func() bool { return snd.answered.Load() >= int64(nEvents*2/5) }, func() {
				note("SIGKILL webhook (%d deliveries answered)", snd.answered.Load())
				chaosMu.Lock()
				webhookDown = time.Now()
				chaosMu.Unlock()
				webhook.kill()
				time.Sleep(time.Second) // PagerDuty meets a closed port meanwhile
				if err := startWebhook(); err != nil {
					problem("restart the webhook: %v", err)
				}
				chaosMu.Lock()
				webhookBack = time.Now()
				chaosMu.Unlock()
				note("webhook back")
			}},
			{"stop the store", func() bool { return posts() >= nEvents*3/20 }, func() {
				note("store unreachable for %s (%d posts)", outage, posts())
				store.SetDown(true)
				time.Sleep(outage)
				store.SetDown(false)
				note("store back (%d posts; %d connections refused meanwhile)", posts(), store.refused.Load())
			}},
			{"kill deliver", func() bool { return posts() >= nEvents*7/20 }, func() {
				note("SIGKILL deliver (%d posts)", posts())
				worker.kill()
				time.Sleep(time.Second)
				if err := startDeliver(); err != nil {
					problem("restart deliver: %v", err)
				}
				note("deliver back")
			}},
		}
		var running sync.WaitGroup
		defer running.Wait()
		for len(steps) > 0 {
			select {
			case <-ctx.Done():
				return
			case <-stopFaults:
				for _, s := range steps {
					problem("fault %q never came due", s.name)
				}
				return
			case <-time.After(50 * time.Millisecond):
			}
			for i := 0; i < len(steps); i++ {
				if s := steps[i]; s.ready() {
					running.Go(s.do)
					steps = append(steps[:i], steps[i+1:]...)
					i--
				}
			}
		}
	})

	endFaults := sync.OnceFunc(func() {
		close(stopFaults)
		faultsDone.Wait()
	})
	defer endFaults() // before the clean-ups stop the processes, even on t.Fatal

	// Send, as PagerDuty does: 16 at a time, retrying on errors.
	sendStart := time.Now()
	plan.send(ctx, snd, seed)
	sendTook := time.Since(sendStart)
	note("all deliveries answered")

	// Drain: the queue empty (nothing visible, in flight or delayed), then
	// quiet for a while.
	drainStart := time.Now()
	drained := false
	quietSince, lastPosts, lastPostAt := time.Now(), -1, time.Now()
	const drainFor = 6 * time.Minute
	for deadline := time.Now().Add(drainFor); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if p := webhook.unexpectedExit(); p != "" {
			t.Fatalf("the webhook exited on its own: %s", p)
		}
		if p := worker.unexpectedExit(); p != "" {
			t.Fatalf("deliver exited on its own: %s", p)
		}
		n := len(slack.Posts())
		if n != lastPosts {
			lastPosts, quietSince, lastPostAt = n, time.Now(), time.Now()
		}
		depth, err := queueDepth(ctx, sqsClient, queueURL)
		if err != nil {
			t.Logf("queue depth: %v", err)
			continue
		}
		if depth == 0 && time.Since(quietSince) >= 3*time.Second {
			drained = true
			break
		}
	}
	endFaults()
	drainTook := time.Since(drainStart)
	chaosMu.Lock()
	for _, l := range chaosLog {
		t.Logf("chaos: %s", l)
	}
	for _, p := range chaosErr {
		t.Errorf("chaos: %s", p)
	}
	chaosMu.Unlock()
	if !drained {
		depth, _ := queueDepth(ctx, sqsClient, queueURL)
		t.Errorf("the queue did not drain within %s of the last delivery: %d message(s) left", drainFor, depth)
	}

	// The contract.
	posts := slack.Posts()
	byKey := map[string]int{}
	for _, p := range posts {
		byKey[p.Key]++
	}
	var lost, dups, strays []string
	for _, ev := range plan.events {
		switch c := byKey[ev.id+"/"+slackDest]; {
		case c == 0:
			lost = append(lost, ev.id)
		case c > 1:
			dups = append(dups, fmt.Sprintf("%s ×%d", ev.id, c))
		}
	}
	for k := range byKey {
		if _, ok := plan.byID[strings.TrimSuffix(k, "/"+slackDest)]; !ok || !strings.HasSuffix(k, "/"+slackDest) {
			strays = append(strays, fmt.Sprintf("%q ×%d", k, byKey[k]))
		}
	}
	sort.Strings(lost)
	sort.Strings(dups)
	sort.Strings(strays)
	if len(lost) > 0 {
		t.Errorf("%d event(s) never posted: %s", len(lost), brief(lost))
		worker.explain(t, lost)
	}
	if len(dups) > 0 {
		t.Errorf("%d event(s) posted more than once: %s", len(dups), brief(dups))
		for i := range dups {
			dups[i], _, _ = strings.Cut(dups[i], " ")
		}
		worker.explain(t, dups)
	}
	if len(strays) > 0 {
		t.Errorf("posts with unexpected keys: %s", brief(strays))
	}

	// One thread per incident: its first post is top-level, every other
	// one replies under it.
	perIncident := map[string][]fakeslack.Post{}
	for _, p := range posts {
		if ev, ok := plan.byID[strings.TrimSuffix(p.Key, "/"+slackDest)]; ok {
			perIncident[ev.incident] = append(perIncident[ev.incident], p)
		}
	}
	var splitThreads, splitGroups, misthreaded []string
	for _, inc := range plan.incidents {
		ps := perIncident[inc.id]
		if len(ps) == 0 {
			continue
		}
		top := 0
		for _, p := range ps {
			if p.ThreadTS == "" {
				top++
			}
		}
		if top > 1 {
			splitThreads = append(splitThreads, fmt.Sprintf("%s (%d top-level messages)", inc.id, top))
			splitGroups = append(splitGroups, slackDest+"/"+inc.id)
		}
		if ps[0].ThreadTS != "" {
			misthreaded = append(misthreaded, fmt.Sprintf("%s: its first message %s replies under %s", inc.id, ps[0].Key, ps[0].ThreadTS))
		}
		for _, p := range ps[1:] {
			if p.ThreadTS != ps[0].TS {
				misthreaded = append(misthreaded, fmt.Sprintf("%s: %s has thread_ts %q, want %s (%s)", inc.id, p.Key, p.ThreadTS, ps[0].TS, ps[0].Key))
			}
		}
	}
	if len(splitThreads) > 0 {
		t.Errorf("%d incident(s) with two top-level messages: %s", len(splitThreads), brief(splitThreads))
		worker.explain(t, splitGroups)
	}
	if len(misthreaded) > 0 {
		t.Errorf("%d post(s) outside their incident's thread: %s", len(misthreaded), brief(misthreaded))
	}

	// Google Chat, the second live chat: every event exactly once (by its
	// request's message ID), each incident in one thread, in order.
	gposts := gchat.Posts()
	gByID := map[string]int{}
	gThreads := map[string]map[string]bool{}
	for _, p := range gposts {
		gByID[p.MessageID]++
	}
	var glost, gdups []string
	for _, inc := range plan.incidents {
		gThreads[inc.id] = map[string]bool{}
	}
	for _, ev := range plan.events {
		switch c := gByID[googlechat.MessageID(ev.id+"/"+gchatDest)]; {
		case c == 0:
			glost = append(glost, ev.id)
		case c > 1:
			gdups = append(gdups, fmt.Sprintf("%s ×%d", ev.id, c))
		}
	}
	for _, p := range gposts {
		if p.ThreadKey != "" && gThreads[p.ThreadKey] != nil {
			gThreads[p.ThreadKey][p.Thread] = true
		}
	}
	var gsplit []string
	for id, threads := range gThreads {
		if len(threads) > 1 {
			gsplit = append(gsplit, fmt.Sprintf("%s (%d threads)", id, len(threads)))
		}
	}
	sort.Strings(glost)
	sort.Strings(gsplit)
	if len(glost) > 0 {
		t.Errorf("%d event(s) never posted to Google Chat: %s", len(glost), brief(glost))
	}
	if len(gdups) > 0 {
		t.Errorf("%d event(s) posted to Google Chat more than once: %s", len(gdups), brief(gdups))
	}
	if len(gsplit) > 0 {
		t.Errorf("%d incident(s) split over Google Chat threads: %s", len(gsplit), brief(gsplit))
	}

	// The dead chat's messages, all in the dead-letter queue with a reason
	// (and nothing of the live one).
	sq := queue.NewSQS(sqsClient, queueURL)
	listed, listedReasons, err := sq.DeadLettered(ctx)
	if err != nil {
		t.Errorf("DeadLettered: %v", err)
	}
	counted, err := sq.DeadLetterCount(ctx)
	if err != nil {
		t.Errorf("DeadLetterCount: %v", err)
	}
	dead, err := drainDLQ(ctx, sq, sqsClient)
	if err != nil {
		t.Errorf("read the dead-letter queue: %v", err)
	}
	if dlq, err := sq.DeadLetterURL(ctx); err == nil {
		if a, err := queueAttrs(ctx, sqsClient, dlq); err == nil && a.total() > 0 {
			t.Errorf("the dead-letter queue still holds %+v after reading it all", a)
		}
	}
	deadKeys := map[string]int{}
	var noReason, deadLive []string
	for _, d := range dead {
		if d.job.Destination != deadDest {
			deadLive = append(deadLive, fmt.Sprintf("%s/%s: %s", d.job.Key, d.job.Destination, d.reason))
			continue
		}
		deadKeys[d.job.Key]++
		if strings.TrimSpace(d.reason) == "" {
			noReason = append(noReason, d.job.Key)
		}
	}
	var notDead, deadTwice []string
	for _, ev := range plan.events {
		switch c := deadKeys[ev.id]; {
		case c == 0:
			notDead = append(notDead, ev.id)
		case c > 1:
			deadTwice = append(deadTwice, fmt.Sprintf("%s ×%d", ev.id, c))
		}
	}
	if len(deadLive) > 0 {
		t.Errorf("%d message(s) for the live chat dead-lettered: %s", len(deadLive), brief(deadLive))
	}
	if len(notDead) > 0 {
		t.Errorf("%d message(s) for %s not in the dead-letter queue: %s", len(notDead), deadDest, brief(notDead))
		worker.explain(t, notDead)
	}
	if len(deadTwice) > 0 {
		t.Errorf("%d message(s) for %s dead-lettered more than once: %s", len(deadTwice), deadDest, brief(deadTwice))
	}
	if len(noReason) > 0 {
		t.Errorf("%d dead-lettered message(s) without a reason: %s", len(noReason), brief(noReason))
	}
	// deliver --dead-letters: the count is the whole queue; the listing
	// shows the first message of each group (FIFO), each with its reason.
	if counted != len(dead) {
		t.Errorf("queue.SQS.DeadLetterCount said %d; the dead-letter queue held %d", counted, len(dead))
	}
	groups := map[string]bool{}
	for _, d := range dead {
		if m, err := d.job.Message(); err == nil {
			groups[m.Group] = true
		}
	}
	if len(listed) != len(groups) {
		// A receive of the test's own whose answer was lost on loopback
		// (the SDK retries it, logged below) leaves what it took hidden
		// for 30 s: list again once that has passed.
		t.Logf("DeadLettered listed %d of %d groups; listing again in 31 s", len(listed), len(groups))
		time.Sleep(31 * time.Second)
		if listed, listedReasons, err = sq.DeadLettered(ctx); err != nil {
			t.Errorf("DeadLettered: %v", err)
		}
	}
	if len(listed) != len(groups) {
		t.Errorf("queue.SQS.DeadLettered listed %d message(s), want the first of each of the %d groups", len(listed), len(groups))
	}
	for i, r := range listedReasons {
		if strings.TrimSpace(r) == "" {
			t.Errorf("DeadLettered listed %s without a reason", listed[i].Group)
		}
	}

	// The webhook never refused a delivery: only connection errors (the
	// kill) were retried.
	if n := snd.non2xx.Load(); n > 0 {
		t.Errorf("the webhook answered non-2xx %d time(s): %s", n, brief(snd.samples()))
	}
	chaosMu.Lock()
	down, back := webhookDown, webhookBack
	chaosMu.Unlock()
	var stray []string
	for _, at := range snd.connErrorTimes() {
		if down.IsZero() || at.Before(down) || at.After(back.Add(time.Second)) {
			stray = append(stray, fmt.Sprintf("%.1fs", at.Sub(began).Seconds()))
		}
	}
	if len(stray) > 0 {
		t.Errorf("%d connection error(s) while the webhook was up (down %.1fs-%.1fs): at %s",
			len(stray), down.Sub(began).Seconds(), back.Sub(began).Seconds(), brief(stray))
	}
	if n := snd.gaveUp.Load(); n > 0 {
		t.Errorf("%d delivery(ies) never accepted by the webhook", n)
	}
	logs := worker.output()
	if strings.Contains(logs, "panic while delivering") {
		t.Errorf("deliver panicked:\n%s", grep(logs, "panic", 10))
	}
	if strings.Contains(logs+webhook.output(), slackToken) {
		t.Errorf("the Slack token reached the logs")
	}

	if l := sdkLog.all(); len(l) > 0 {
		t.Logf("the test's SQS client retried %d time(s): %s", len(l), brief(l))
	}

	// The numbers.
	stats := countLogs(logs)
	t.Logf("events %d (incidents %d), deliveries accepted %d (redeliveries %d, connection errors %d, non-2xx %d), send %s",
		len(plan.events), len(plan.incidents), snd.answered.Load(), snd.redelivered.Load(), snd.connErrs.Load(), snd.non2xx.Load(), sendTook.Round(time.Millisecond))
	t.Logf("slack: %d posts for %d events (lost %d, duplicates %d); faults injected: %s",
		len(posts), len(plan.events), len(lost), len(dups), faults)
	t.Logf("deliver: %d delivered, retries seen %d on %s and %d on %s, %d found the earlier post, %d undeliverable, %d post-unrecorded, %d queue-operation failures, %d runs",
		stats.delivered, stats.retries[slackDest], slackDest, stats.retries[deadDest], deadDest, stats.found, stats.undeliverable, stats.unrecorded, stats.queueFailed, worker.runs)
	t.Logf("dead-letter queue: %d message(s) (DeadLetterCount %d; DeadLettered lists %d, the first of each group), e.g. %q",
		len(dead), counted, len(listed), firstReason(dead))
	var lastDead time.Time
	for _, d := range dead {
		if d.at.After(lastDead) {
			lastDead = d.at
		}
	}
	t.Logf("duration: %s total, drain %s after the last delivery; the last post at %s, the last dead-letter at %s",
		time.Since(began).Round(time.Millisecond), drainTook.Round(time.Millisecond),
		lastPostAt.Sub(began).Round(100*time.Millisecond), lastDead.Sub(began).Round(100*time.Millisecond))
}

// chaosBuild compiles the main package in dir for this host.
func chaosBuild(t *testing.T, out, name, dir string) string {
	t.Helper()
	bin := filepath.Join(out, name)
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Dir = dir
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", dir, err, b)
	}
	return bin
}

// ---- the plan: incidents, their events, and how they are sent ----

type chaosEvent struct {
	id       string
	incident string
	kind     string
	body     []byte
}

type chaosIncident struct {
	id           string
	events       []*chaosEvent
	simultaneous bool          // its trigger and first note go at the same moment
	start        time.Duration // after the start of sending
}

type chaosPlan struct {
	incidents    []*chaosIncident
	events       []*chaosEvent
	byID         map[string]*chaosEvent
	simultaneous int
}

// newPlan builds n V3 events from the fixtures in testdata/pagerduty/v3:
// per incident a trigger, an acknowledgement, notes and a resolution.
func newPlan(t *testing.T, n int, seed uint64) *chaosPlan {
	t.Helper()
	fixture := map[string]map[string]any{}
	for _, kind := range []string{"triggered", "acknowledged", "annotated", "resolved"} {
		raw, err := os.ReadFile("../../testdata/pagerduty/v3/incident." + kind + ".json")
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatal(err)
		}
		fixture[kind] = m
	}
	rng := rand.New(rand.NewPCG(seed, 0x636861))
	nInc := max(1, n/6)
	spread := time.Duration(nInc) * 200 * time.Millisecond // incidents start over ~10 s for 300 events
	base := time.Date(2026, 11, 19, 1, 30, 0, 0, time.UTC) // Thursday 10:30 JST: business hours
	p := &chaosPlan{byID: map[string]*chaosEvent{}}
	for i := range nInc {
		k := n / nInc
		if i < n%nInc {
			k++
		}
		inc := &chaosIncident{id: fmt.Sprintf("QCHAOS%04d", i), start: time.Duration(rng.Int64N(int64(spread) + 1))}
		kinds := make([]string, k)
		for j := range kinds {
			kinds[j] = "annotated"
		}
		kinds[0] = "triggered"
		if k >= 2 {
			kinds[k-1] = "resolved"
		}
		if k >= 4 && i%8 == 3 {
			// A new incident's trigger and first note at the same moment.
			inc.simultaneous = true
			kinds[2] = "acknowledged"
			p.simultaneous++
		} else if k >= 3 {
			kinds[1] = "acknowledged"
		}
		title := fmt.Sprintf("chaos-%d-api: 5xx rate above 5%% on POST /v1/orders", i%17) // some alerts fire again
		for j, kind := range kinds {
			ev := &chaosEvent{id: fmt.Sprintf("01CHAOS%04dE%02d", i, j), incident: inc.id, kind: kind}
			body := deepCopy(fixture[kind])
			e := body["event"].(map[string]any)
			e["id"] = ev.id
			e["occurred_at"] = base.Add(time.Duration(i)*time.Minute + time.Duration(j)*7*time.Second).Format(time.RFC3339Nano)
			d := e["data"].(map[string]any)
			htmlURL := "https://acme.pagerduty.com/incidents/" + inc.id
			if kind == "annotated" {
				ref := d["incident"].(map[string]any)
				ref["id"], ref["summary"], ref["html_url"] = inc.id, title, htmlURL
				d["id"] = fmt.Sprintf("PNOTE%04d%02d", i, j)
				d["content"] = fmt.Sprintf("note %d on incident %d: looking into it", j, i)
			} else {
				d["id"], d["number"], d["title"], d["html_url"] = inc.id, 7000+i, title, htmlURL
			}
			b, err := json.Marshal(body)
			if err != nil {
				t.Fatal(err)
			}
			ev.body = b
			inc.events = append(inc.events, ev)
			p.events = append(p.events, ev)
			p.byID[ev.id] = ev
		}
		p.incidents = append(p.incidents, inc)
	}
	return p
}

func deepCopy(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// send delivers the plan: each incident's events in order, a short gap
// between them, the incidents interleaved (starting at random moments, so
// out of order across incidents), 20% sent again later with the same id.
func (p *chaosPlan) send(ctx context.Context, s *sender, seed uint64) {
	start := time.Now()
	var wg sync.WaitGroup
	var redeliveries sync.WaitGroup
	for n, inc := range p.incidents {
		rng := rand.New(rand.NewPCG(seed, uint64(n)+1))
		gaps := make([]time.Duration, len(inc.events))
		again := make([]time.Duration, len(inc.events)) // 0: no redelivery
		for j := range inc.events {
			gaps[j] = time.Duration(50+rng.IntN(350)) * time.Millisecond
			if rng.Float64() < 0.2 {
				again[j] = time.Duration(1+rng.IntN(4000)) * time.Millisecond
			}
		}
		wg.Go(func() {
			if !sleepCtx(ctx, inc.start-time.Since(start)) {
				return
			}
			sent := func(j int) {
				if again[j] > 0 {
					redeliveries.Go(func() {
						if sleepCtx(ctx, again[j]) {
							s.redelivered.Add(1)
							s.send(ctx, inc.events[j].body)
						}
					})
				}
			}
			for j := 0; j < len(inc.events); j++ {
				if j == 0 && inc.simultaneous {
					// The trigger and the note race each other.
					var both sync.WaitGroup
					gate := make(chan struct{})
					for _, k := range []int{0, 1} {
						both.Go(func() {
							<-gate
							s.send(ctx, inc.events[k].body)
							sent(k)
						})
					}
					close(gate)
					both.Wait()
					j++
				} else {
					s.send(ctx, inc.events[j].body)
					sent(j)
				}
				if !sleepCtx(ctx, gaps[j]) {
					return
				}
			}
		})
	}
	wg.Wait()
	redeliveries.Wait()
}

func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// sender is PagerDuty: it signs each delivery (X-PagerDuty-Signature:
// v1=HMAC-SHA256 hex of the body), sends 16 at a time, and retries a
// delivery that failed (a connection error or a non-2xx answer).
type sender struct {
	url, secret string
	client      *http.Client
	slots       chan struct{}

	answered, redelivered, connErrs, non2xx, gaveUp atomic.Int64

	mu        sync.Mutex
	seen      []string    // non-2xx answers
	connErrAt []time.Time // when connections failed
}

func (s *sender) connErrorTimes() []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]time.Time(nil), s.connErrAt...)
}

func newSender(url, secret string) *sender {
	return &sender{url: url, secret: secret, client: &http.Client{Timeout: 10 * time.Second}, slots: make(chan struct{}, 16)}
}

func (s *sender) send(ctx context.Context, body []byte) {
	mac := hmac.New(sha256.New, []byte(s.secret))
	mac.Write(body)
	sig := "v1=" + hex.EncodeToString(mac.Sum(nil))
	for deadline := time.Now().Add(2 * time.Minute); ; {
		s.slots <- struct{}{}
		status, answer, err := s.post(ctx, body, sig)
		<-s.slots
		switch {
		case err == nil && status/100 == 2:
			s.answered.Add(1)
			return
		case err == nil:
			s.non2xx.Add(1)
			s.mu.Lock()
			s.seen = append(s.seen, fmt.Sprintf("%d %s", status, strings.TrimSpace(answer)))
			s.mu.Unlock()
		default:
			s.connErrs.Add(1)
			s.mu.Lock()
			s.connErrAt = append(s.connErrAt, time.Now())
			s.mu.Unlock()
		}
		if time.Now().After(deadline) || !sleepCtx(ctx, time.Duration(200+rand.IntN(300))*time.Millisecond) {
			s.gaveUp.Add(1)
			return
		}
	}
}

func (s *sender) post(ctx context.Context, body []byte, sig string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "PagerDuty-Webhook/V3.0")
	req.Header.Set("X-PagerDuty-Signature", sig)
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1024))
	if err != nil {
		return 0, "", err
	}
	return resp.StatusCode, string(b), nil
}

func (s *sender) samples() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// ---- the fake Slack's faults ----

type slackFaults struct {
	err500, rateLimited, slow500, lost500, lostClosed, lostHang atomic.Int64
	hangs                                                       atomic.Int64 // tries at a long hang (at most 3 hang)
}

func (f *slackFaults) String() string {
	return fmt.Sprintf("500 %d, 429 %d, slow 500 %d, lost answers after the post: 500 %d, connection closed %d, hang past the client timeout %d",
		f.err500.Load(), f.rateLimited.Load(), f.slow500.Load(), f.lost500.Load(), f.lostClosed.Load(), f.lostHang.Load())
}

// injectSlackFaults makes ~30% of chat.postMessage requests fail: before
// the post (500, 429 with Retry-After 1, a 0.5-1 s hang then 500), or after
// it was recorded (the answer lost: 500, the connection closed, or — at
// most 3 times — a hang past the HTTP client's 5 s timeout).
func injectSlackFaults(s *fakeslack.Server) *slackFaults {
	f := &slackFaults{}
	wait := func(r *http.Request, d time.Duration) {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
		}
	}
	// The roster's members without a Slack ID are found by email.
	s.SetUsers(func(email string) string {
		name, _, _ := strings.Cut(email, "@")
		return "U0" + strings.ToUpper(name)
	})
	s.SetBefore(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path != "/api/chat.postMessage" {
			return false
		}
		switch x := rand.Float64(); {
		case x < 0.10:
			f.err500.Add(1)
			http.Error(w, "internal error", http.StatusInternalServerError)
		case x < 0.17:
			f.rateLimited.Add(1)
			w.Header().Set("Retry-After", "1")
			http.Error(w, "ratelimited", http.StatusTooManyRequests)
		case x < 0.21:
			f.slow500.Add(1)
			wait(r, time.Duration(500+rand.IntN(500))*time.Millisecond)
			http.Error(w, "internal error", http.StatusInternalServerError)
		default:
			return false
		}
		return true
	})
	s.SetAfterPost(func(w http.ResponseWriter, r *http.Request) bool {
		switch x := rand.Float64(); {
		case x < 0.06:
			f.lost500.Add(1)
			http.Error(w, "internal error", http.StatusInternalServerError)
		case x < 0.08:
			f.lostClosed.Add(1)
			if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
				conn.Close()
			}
		case x < 0.09 && f.hangs.Add(1) <= 3:
			f.lostHang.Add(1)
			wait(r, 6*time.Second)
			http.Error(w, "internal error", http.StatusInternalServerError)
		default:
			return false
		}
		return true
	})
	return f
}

// ---- the store's outage: a TCP proxy in front of dynalite ----

type tcpProxy struct {
	ln      net.Listener
	target  string
	refused atomic.Int64

	mu    sync.Mutex
	down  bool
	conns map[net.Conn]struct{}
}

func startProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.SetDown(true)
	})
	return p
}

func (p *tcpProxy) Addr() string { return p.ln.Addr().String() }

func (p *tcpProxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.handle(c)
	}
}

// reset closes c with a RST, as a refused or dropped connection looks.
func reset(c net.Conn) {
	if tc, ok := c.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	c.Close()
}

func (p *tcpProxy) track(cs ...net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return false
	}
	for _, c := range cs {
		p.conns[c] = struct{}{}
	}
	return true
}

func (p *tcpProxy) untrack(cs ...net.Conn) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range cs {
		delete(p.conns, c)
	}
}

func (p *tcpProxy) handle(c net.Conn) {
	if !p.track(c) {
		p.refused.Add(1)
		reset(c)
		return
	}
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		p.untrack(c)
		reset(c)
		return
	}
	if !p.track(up) {
		p.untrack(c)
		reset(c)
		reset(up)
		return
	}
	defer p.untrack(c, up)
	done := make(chan struct{})
	go func() {
		_, _ = io.Copy(up, c)
		if tc, ok := up.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		close(done)
	}()
	_, _ = io.Copy(c, up)
	c.Close()
	<-done
	up.Close()
}

// SetDown cuts the store off (every connection reset, new ones refused) or
// lets it through again.
func (p *tcpProxy) SetDown(down bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = down
	if down {
		for c := range p.conns {
			reset(c)
			delete(p.conns, c)
		}
	}
}

// ---- the processes ----

// proc is one of the binaries, killed and restarted at will; each run
// writes its output to its own file.
type proc struct {
	name, bin string
	args, env []string
	logDir    string

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	killing bool
	runs    int
	logs    []string
	exitErr string // an exit nobody asked for
}

func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.runs++
	path := filepath.Join(p.logDir, fmt.Sprintf("%s-%d.log", p.name, p.runs))
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = p.env
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		return err
	}
	p.logs = append(p.logs, path)
	done := make(chan struct{})
	p.cmd, p.done, p.killing = cmd, done, false
	go func() {
		err := cmd.Wait()
		f.Close()
		p.mu.Lock()
		if !p.killing {
			p.exitErr = fmt.Sprintf("run %d: %v", p.runs, err)
		}
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

func (p *proc) signal(sig syscall.Signal) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	if cmd == nil {
		p.mu.Unlock()
		return
	}
	p.killing = true
	p.mu.Unlock()
	_ = cmd.Process.Signal(sig)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		<-done
	}
}

// kill is SIGKILL: no clean-up, as a crash.
func (p *proc) kill() { p.signal(syscall.SIGKILL) }

// stop ends the process politely.
func (p *proc) stop() { p.signal(syscall.SIGTERM) }

func (p *proc) unexpectedExit() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.exitErr
}

// output is every run's output, in order.
func (p *proc) output() string {
	p.mu.Lock()
	logs := append([]string(nil), p.logs...)
	p.mu.Unlock()
	var b strings.Builder
	for i, l := range logs {
		out, _ := os.ReadFile(l)
		fmt.Fprintf(&b, "---- %s run %d\n", p.name, i+1)
		b.Write(out)
	}
	return b.String()
}

// currentOutput is the latest run's output.
func (p *proc) currentOutput() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.logs) == 0 {
		return ""
	}
	out, _ := os.ReadFile(p.logs[len(p.logs)-1])
	return string(out)
}

// explain logs what the process said about a few event ids (or groups).
func (p *proc) explain(t *testing.T, ids []string) {
	t.Helper()
	out := p.output()
	for _, id := range ids[:min(len(ids), 5)] {
		t.Logf("%s about %s:\n%s", p.name, id, grep(out, id, 30))
	}
}

func waitFor(limit time.Duration, ok func() bool) error {
	for deadline := time.Now().Add(limit); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if ok() {
			return nil
		}
	}
	return fmt.Errorf("not ready after %s", limit)
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// closedPort is a loopback address nothing listens on: connection refused.
func closedPort(t *testing.T) string {
	t.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(freeTCPPort(t)))
}

// ---- the queues ----

type queueCounts struct{ Visible, InFlight, Delayed int }

func (c queueCounts) total() int { return c.Visible + c.InFlight + c.Delayed }

// queueDepth is every message of the queue: visible, in flight, delayed.
func queueDepth(ctx context.Context, client *sqs.Client, url string) (int, error) {
	c, err := queueAttrs(ctx, client, url)
	return c.total(), err
}

func queueAttrs(ctx context.Context, client *sqs.Client, url string) (queueCounts, error) {
	out, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: aws.String(url),
		AttributeNames: []sqstypes.QueueAttributeName{
			sqstypes.QueueAttributeNameApproximateNumberOfMessages,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
			sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed,
		},
	})
	if err != nil {
		return queueCounts{}, err
	}
	var c queueCounts
	for k, p := range map[sqstypes.QueueAttributeName]*int{
		sqstypes.QueueAttributeNameApproximateNumberOfMessages:           &c.Visible,
		sqstypes.QueueAttributeNameApproximateNumberOfMessagesNotVisible: &c.InFlight,
		sqstypes.QueueAttributeNameApproximateNumberOfMessagesDelayed:    &c.Delayed,
	} {
		n, err := strconv.Atoi(out.Attributes[string(k)])
		if err != nil {
			return c, fmt.Errorf("queue attribute %s %q: %w", k, out.Attributes[string(k)], err)
		}
		*p = n
	}
	return c, nil
}

// loggingRetryer tells why the SDK retries a call.
type loggingRetryer struct {
	aws.RetryerV2
	log func(error)
}

func (r loggingRetryer) IsErrorRetryable(err error) bool {
	ok := r.RetryerV2.IsErrorRetryable(err)
	if ok {
		r.log(err)
	}
	return ok
}

type deadMessage struct {
	job    deliver.Job
	reason string
	at     time.Time // when it was dead-lettered
}

// drainDLQ receives and deletes every message of the dead-letter queue
// (the test's own): unlike a listing that leaves them there, it sees past
// the first message of each FIFO group. Messages in flight (a receive whose
// answer was lost keeps them hidden) are waited for, up to 40 s.
func drainDLQ(ctx context.Context, q *queue.SQS, client *sqs.Client) ([]deadMessage, error) {
	dlq, err := q.DeadLetterURL(ctx)
	if err != nil {
		return nil, err
	}
	var out []deadMessage
	for deadline := time.Now().Add(40 * time.Second); ; {
		resp, err := client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: aws.String(dlq), MaxNumberOfMessages: 10, VisibilityTimeout: 5, WaitTimeSeconds: 1,
			MessageAttributeNames:       []string{"reason"},
			MessageSystemAttributeNames: []sqstypes.MessageSystemAttributeName{sqstypes.MessageSystemAttributeNameSentTimestamp},
		})
		if err != nil {
			return out, err
		}
		if len(resp.Messages) == 0 {
			if c, err := queueAttrs(ctx, client, dlq); err != nil || c.total() == 0 || time.Now().After(deadline) {
				return out, err
			}
			continue // some are in flight: they come back
		}
		for _, m := range resp.Messages {
			var d deadMessage
			if err := json.Unmarshal([]byte(aws.ToString(m.Body)), &d.job); err != nil {
				return out, fmt.Errorf("a dead-lettered message is not a job: %w", err)
			}
			if ms, err := strconv.ParseInt(m.Attributes["SentTimestamp"], 10, 64); err == nil {
				d.at = time.UnixMilli(ms)
			}
			if a, ok := m.MessageAttributes["reason"]; ok {
				d.reason = aws.ToString(a.StringValue)
			}
			out = append(out, d)
			if _, err := client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(dlq), ReceiptHandle: m.ReceiptHandle}); err != nil {
				return out, err
			}
		}
	}
}

func firstReason(dead []deadMessage) string {
	if len(dead) == 0 {
		return ""
	}
	return dead[0].reason
}

// ---- the logs ----

type syncLines struct {
	mu    sync.Mutex
	lines []string
}

func (s *syncLines) add(l string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, l)
}

func (s *syncLines) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.lines...)
}

type logStats struct {
	delivered, found, undeliverable, unrecorded, queueFailed int
	retries                                                  map[string]int // by destination
}

// countLogs reads deliver's JSON log lines.
func countLogs(out string) logStats {
	s := logStats{retries: map[string]int{}}
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l struct {
			Msg         string `json:"msg"`
			Destination string `json:"destination"`
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil {
			continue
		}
		switch l.Msg {
		case "delivered":
			s.delivered++
		case "retry":
			s.retries[l.Destination]++
		case "found the earlier post; not posting again":
			s.found++
		case "undeliverable":
			s.undeliverable++
		case "posted, but the state store did not record it":
			s.unrecorded++
		case "queue operation failed":
			s.queueFailed++
		}
	}
	return s
}

// grep is the last max lines of out that contain s.
func grep(out, s string, max int) string {
	var hits []string
	for l := range strings.SplitSeq(out, "\n") {
		if strings.Contains(l, s) {
			hits = append(hits, l)
		}
	}
	return strings.Join(hits[len(hits)-min(len(hits), max):], "\n")
}

func tail(out string, n int) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	return strings.Join(lines[len(lines)-min(len(lines), n):], "\n")
}

// brief is the first few of a list, for an error line.
func brief(items []string) string {
	const show = 10
	if len(items) <= show {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:show], ", ") + fmt.Sprintf(" … (%d more)", len(items)-show)
}
