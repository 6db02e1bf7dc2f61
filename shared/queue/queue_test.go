package queue_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/testkit/testserver"
)

// suite runs the behaviour every Queue must have. newQueue gives a fresh,
// empty queue whose messages stay hidden 2 s after a receive and move to
// the dead-letter queue on their 4th receive.
func suite(t *testing.T, newQueue func(t *testing.T) queue.Queue) {
	ctx := context.Background()
	msg := func(group, body string) queue.Message {
		return queue.Message{Body: []byte(body), Group: group, DedupID: group + "/" + body}
	}
	bodies := func(rs []queue.Received) []string {
		var out []string
		for _, r := range rs {
			out = append(out, string(r.Body))
		}
		return out
	}
	receive := func(t *testing.T, q queue.Queue) []queue.Received {
		t.Helper()
		rs, err := q.Receive(ctx, 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	// drain receives and deletes until the queue answers nothing.
	drain := func(t *testing.T, q queue.Queue) []string {
		t.Helper()
		var got []string
		for range 50 {
			rs := receive(t, q)
			if len(rs) == 0 {
				return got
			}
			for _, r := range rs {
				got = append(got, string(r.Body))
				if err := q.Delete(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
		}
		t.Fatal("queue never drained")
		return nil
	}

	t.Run("group order, one in flight per group, other groups flow", func(t *testing.T) {
		q := newQueue(t)
		if err := q.Send(ctx, msg("a", "a1"), msg("b", "b1"), msg("a", "a2"), msg("b", "b2")); err != nil {
			t.Fatal(err)
		}
		first := receive(t, q)
		if got := strings.Join(bodies(first), ","); !strings.HasPrefix(got, "a1") || !strings.Contains(got, "b1") {
			t.Fatalf("first receive %s, want a1 and b1 first of their groups", got)
		}
		for _, r := range first {
			if string(r.Body) == "a1" && r.ReceiveCount != 1 {
				t.Errorf("a1 receive count %d, want 1", r.ReceiveCount)
			}
		}
		// Nothing of a group while its head is in flight.
		if rs := receive(t, q); len(rs) != 0 && !(len(first) > 2) {
			t.Fatalf("received %v while both groups were in flight", bodies(rs))
		}
		for _, r := range first {
			if string(r.Body) == "b1" {
				if err := q.Delete(ctx, r); err != nil {
					t.Fatal(err)
				}
			}
		}
		next := receive(t, q)
		if got := bodies(next); len(got) != 1 || got[0] != "b2" {
			t.Fatalf("after b1 was deleted got %v, want [b2] (a still in flight)", got)
		}
	})

	t.Run("a duplicate within the window is dropped", func(t *testing.T) {
		q := newQueue(t)
		if err := q.Send(ctx, msg("a", "x")); err != nil {
			t.Fatal(err)
		}
		if err := q.Send(ctx, msg("a", "x"), msg("a", "y")); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(drain(t, q), ","); got != "x,y" {
			t.Fatalf("got %s, want x,y", got)
		}
	})

	t.Run("retry hides the message for its delay, then it comes back first", func(t *testing.T) {
		q := newQueue(t)
		if err := q.Send(ctx, msg("a", "1"), msg("a", "2")); err != nil {
			t.Fatal(err)
		}
		rs := receive(t, q)
		if len(rs) == 0 || string(rs[0].Body) != "1" {
			t.Fatalf("got %v", bodies(rs))
		}
		if err := q.Retry(ctx, rs[0], time.Second); err != nil {
			t.Fatal(err)
		}
		if rs := receive(t, q); len(rs) != 0 {
			t.Fatalf("got %v during the backoff", bodies(rs))
		}
		again, err := q.Receive(ctx, 10, 3*time.Second) // long poll: returns when it is visible
		if err != nil {
			t.Fatal(err)
		}
		if len(again) == 0 || string(again[0].Body) != "1" || again[0].ReceiveCount != 2 {
			t.Fatalf("after the backoff got %+v, want 1 received twice", again)
		}
		if err := q.Retry(ctx, again[0], 0); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(drain(t, q), ","); got != "1,2" {
			t.Fatalf("got %s, want 1,2", got)
		}
	})

	t.Run("an unhandled message comes back after the visibility timeout", func(t *testing.T) {
		q := newQueue(t)
		if err := q.Send(ctx, msg("a", "1")); err != nil {
			t.Fatal(err)
		}
		if rs := receive(t, q); len(rs) != 1 {
			t.Fatalf("got %v", bodies(rs))
		}
		rs, err := q.Receive(ctx, 10, 4*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 1 || rs[0].ReceiveCount != 2 {
			t.Fatalf("got %+v, want the message again (a crashed consumer)", rs)
		}
	})

	t.Run("dead-letter after max receives, and on demand; redrive brings them back in order", func(t *testing.T) {
		q := newQueue(t)
		if err := q.Send(ctx, msg("a", "poison"), msg("b", "gone"), msg("b", "after")); err != nil {
			t.Fatal(err)
		}
		for range 3 {
			rs := receive(t, q)
			for _, r := range rs {
				switch string(r.Body) {
				case "poison":
					if err := q.Retry(ctx, r, 0); err != nil {
						t.Fatal(err)
					}
				case "gone":
					if err := q.DeadLetter(ctx, r, "not_in_channel"); err != nil {
						t.Fatal(err)
					}
				default:
					if err := q.Retry(ctx, r, 0); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		// "poison" was received 3 times: the next receive moves it.
		got := drain(t, q)
		if strings.Join(got, ",") != "after" {
			t.Fatalf("left in the queue: %v, want [after]", got)
		}
		n, err := q.Redrive(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Fatalf("redrive moved %d, want 2", n)
		}
		rs := drain(t, q)
		if len(rs) != 2 {
			t.Fatalf("after the redrive got %v, want poison and gone", rs)
		}
		if n, _ := q.Redrive(ctx); n != 0 {
			t.Fatalf("a second redrive moved %d", n)
		}
	})
}

func TestMemory(t *testing.T) {
	suite(t, func(t *testing.T) queue.Queue {
		return &queue.Memory{Visibility: 2 * time.Second, MaxReceives: 3}
	})
}

var queueSeq atomic.Int64

func TestSQS(t *testing.T) {
	endpoint := testserver.SQS(t)
	client := sqs.New(sqs.Options{
		BaseEndpoint: aws.String(endpoint), Region: "ap-northeast-1",
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", ""),
	})
	suite(t, func(t *testing.T) queue.Queue {
		name := fmt.Sprintf("test-%d-%d", time.Now().UnixNano(), queueSeq.Add(1))
		url, err := queue.Create(context.Background(), client, name, queue.CreateOptions{Visibility: 2 * time.Second, MaxReceives: 3})
		if err != nil {
			t.Fatal(err)
		}
		return queue.NewSQS(client, url)
	})
}
