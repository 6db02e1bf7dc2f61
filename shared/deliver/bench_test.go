package deliver_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/relay"
	"github.com/pd2chat/pd2chat/shared/rotation/csvfile"
	"github.com/pd2chat/pd2chat/shared/state/dynamodb"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
	"github.com/pd2chat/pd2chat/shared/testkit/testserver"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// Latency rig of the durable path, as in production but on loopback: the
// webhook handler enqueues to fauxqs (SQS), the deliver code long-polls it
// and posts to a fake Slack that answers after slackDelay; every DynamoDB
// request (dynalite) is delayed by dynamoDelay, as a network hop would.
const (
	slackDelay  = 80 * time.Millisecond
	dynamoDelay = 4 * time.Millisecond
)

// dynamoLog delays and records each DynamoDB request.
type dynamoLog struct {
	mu    sync.Mutex
	spans [][2]time.Time
	next  http.RoundTripper
}

func (l *dynamoLog) RoundTrip(r *http.Request) (*http.Response, error) {
	start := time.Now()
	time.Sleep(dynamoDelay)
	resp, err := l.next.RoundTrip(r)
	l.mu.Lock()
	l.spans = append(l.spans, [2]time.Time{start, time.Now()})
	l.mu.Unlock()
	return resp, err
}

// take returns the requests made since the last call, and how many of
// them ran one after another (the longest chain of requests each starting
// after the previous one ended).
func (l *dynamoLog) take() (total, sequential int) {
	l.mu.Lock()
	spans := l.spans
	l.spans = nil
	l.mu.Unlock()
	sort.Slice(spans, func(i, j int) bool { return spans[i][1].Before(spans[j][1]) })
	var end time.Time
	for _, s := range spans {
		if !s[0].Before(end) {
			sequential++
			end = s[1]
		}
	}
	return len(spans), sequential
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkDeliveryLatency measures, per event, the time from the
// webhook's request to the post reaching Slack, for a trigger and for the
// acknowledgement that follows it, and reports it as a ratio to the floor
// measured in the same run: one Slack round trip + two DynamoDB round
// trips + one queue send and receive. Also: DynamoDB requests per event
// (total, and sequential on the critical path) and CPU per event.
func BenchmarkDeliveryLatency(b *testing.B) {
	ctx := context.Background()
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	sqsEndpoint, dynamoEndpoint := testserver.SQS(b), testserver.Dynalite(b)
	sqsClient := sqs.New(sqs.Options{BaseEndpoint: aws.String(sqsEndpoint), Region: "ap-northeast-1", Credentials: creds})
	url, err := queue.Create(ctx, sqsClient, fmt.Sprintf("bench-%d", time.Now().UnixNano()), queue.CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	q := queue.NewSQS(sqsClient, url)
	dlog := &dynamoLog{next: http.DefaultTransport}
	db := awsdynamodb.New(awsdynamodb.Options{BaseEndpoint: aws.String(dynamoEndpoint), Region: "ap-northeast-1", Credentials: creds,
		HTTPClient: &http.Client{Transport: dlog}})
	table := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	if _, err := db.CreateTable(ctx, dynamodb.CreateTableInput(table)); err != nil {
		b.Fatal(err)
	}
	store := dynamodb.New(db, table)

	fake := fakeslack.New(b)
	posted := make(chan time.Time, 16)
	fake.SetAfterPost(func(w http.ResponseWriter, r *http.Request) bool {
		time.Sleep(slackDelay)
		posted <- time.Now()
		return false
	})
	loc, _ := time.LoadLocation("Asia/Tokyo")
	hours, _ := workday.ParseHours("Mon-Fri 10:00-17:00")
	h := deliver.New(deliver.Config{
		Destinations: []fanout.Destination{{Name: dest, Dialect: message.Slack,
			Poster: slack.New(slack.Options{Token: "xoxb-bench", APIURL: fake.APIURL(), Channel: "C0ALERTS"})}},
		Calendar: workday.New(loc, hours, workday.JP()), Rotation: csvfile.New("../../testdata/sheet"),
		State: store, Log: slog.New(slog.DiscardHandler),
	})
	pollCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() { _ = deliver.Poll(pollCtx, q, h, 20*time.Second) }()
	webhook := relay.New(relay.Config{Destinations: []string{dest}, Queue: q})

	// The floor's parts, measured here.
	floor := func() time.Duration {
		start := time.Now()
		if _, err := slack.New(slack.Options{Token: "x", APIURL: fake.APIURL(), Channel: "C0FLOOR"}).PostRef(ctx, chatMessage("floor")); err != nil {
			b.Fatal(err)
		}
		<-posted
		slackRT := time.Since(start)
		start = time.Now()
		for range 2 {
			if _, _, err := store.Incident(ctx, "floor"); err != nil {
				b.Fatal(err)
			}
		}
		dynamoRT := time.Since(start)
		dlog.take()
		probe := queue.NewSQS(sqsClient, mustCreate(b, sqsClient))
		start = time.Now()
		if err := probe.Send(ctx, queue.Message{Body: []byte("x"), Group: "g", DedupID: "d"}); err != nil {
			b.Fatal(err)
		}
		if rs, err := probe.Receive(ctx, 1, time.Second); err != nil || len(rs) != 1 {
			b.Fatal(rs, err)
		}
		return slackRT + dynamoRT + time.Since(start)
	}()

	var trigger, ack []time.Duration
	var totalReq, seqReq int
	cpu0 := cpuTime()
	n := 0
	for b.Loop() {
		n++
		id := fmt.Sprintf("QB%d-%d", time.Now().UnixNano(), n)
		for k, kind := range []string{"incident.triggered", "incident.acknowledged"} {
			body := fmt.Appendf(nil, `{"event":{"id":"%s-%d","event_type":"%s","resource_type":"incident","occurred_at":"2026-11-20T02:%02d:00Z","agent":{"summary":"Taro Yamada","type":"user_reference"},"data":{"id":"%s","type":"incident","number":%d,"title":"checkout-api: 5xx","status":"triggered","urgency":"high","service":{"id":"PSVC","summary":"checkout-api"},"html_url":"https://acme.pagerduty.com/incidents/%s"}}}`,
				id, k, kind, 15+k*2, id, n, id)
			start := time.Now()
			rec := httptest.NewRecorder()
			webhook.ServeHTTP(rec, httptest.NewRequest("POST", "/pagerduty", bytes.NewReader(body)))
			if rec.Code != 200 {
				b.Fatalf("status %d %s", rec.Code, rec.Body)
			}
			lat := (<-posted).Sub(start) // until Slack answers the post, as in the floor
			if k == 0 {
				trigger = append(trigger, lat)
			} else {
				ack = append(ack, lat)
			}
			time.Sleep(20 * time.Millisecond) // let the outcome writes finish before the next event
			t, s := dlog.take()
			totalReq += t
			seqReq += s
		}
	}
	cpu := cpuTime() - cpu0
	median := func(ds []time.Duration) time.Duration {
		slices.Sort(ds)
		return ds[len(ds)/2]
	}
	b.ReportMetric(float64(floor.Microseconds())/1000, "floor-ms")
	b.ReportMetric(float64(median(trigger).Microseconds())/1000, "trigger-ms")
	b.ReportMetric(float64(median(ack).Microseconds())/1000, "ack-ms")
	b.ReportMetric(float64(median(trigger))/float64(floor), "trigger/floor")
	b.ReportMetric(float64(median(ack))/float64(floor), "ack/floor")
	b.ReportMetric(float64(totalReq)/float64(2*n), "dynamo-req/event")
	b.ReportMetric(float64(seqReq)/float64(2*n), "dynamo-seq/event")
	b.ReportMetric(float64(cpu.Microseconds())/float64(2*n), "cpu-µs/event")
}

func mustCreate(b *testing.B, c *sqs.Client) string {
	url, err := queue.Create(context.Background(), c, fmt.Sprintf("probe-%d", time.Now().UnixNano()), queue.CreateOptions{})
	if err != nil {
		b.Fatal(err)
	}
	return url
}
