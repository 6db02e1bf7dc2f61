// Package queue is the delivery queue between the webhook, which takes a
// PagerDuty delivery into safe keeping, and the deliver code, which posts
// it: a FIFO queue with message groups, as Amazon SQS FIFO queues have
// (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/FIFO-queues.html).
//
// Semantics both implementations share (one behaviour suite tests them):
//   - Messages of one group are received in the order they were sent, and
//     while one of a group's messages is in flight (received, neither
//     deleted nor visible again) no other message of that group is
//     received. Other groups flow.
//   - A message sent again with the same DedupID within DedupWindow is
//     dropped.
//   - A received message is hidden for the visibility timeout; Retry sets
//     when it is received again (the backoff), Delete removes it.
//   - A message received MaxReceives times without being deleted moves to
//     the dead-letter queue (SQS: the queue's redrive policy); DeadLetter
//     moves one there at once with a reason. Redrive moves the dead-letter
//     queue's messages back, in order.
//
// Two implementations: Memory (in-process; a crash loses what it holds)
// and SQS (durable; any SQS-compatible server).
package queue

import (
	"context"
	"errors"
	"time"
)

// Message is one message to send.
type Message struct {
	Body    []byte
	Group   string // message group: messages of one group are received in order, one at a time
	DedupID string // a second send with the same id within DedupWindow is dropped
}

// Received is one received message.
type Received struct {
	ID      string
	Body    []byte
	Group   string
	DedupID string
	// Handle identifies this receipt for Delete, Retry and DeadLetter.
	Handle string
	// ReceiveCount is how many times the message was received, this time
	// included (SQS ApproximateReceiveCount): 1 the first time.
	ReceiveCount int
	// SentAt is when the message was first sent.
	SentAt time.Time
}

// Queue is a FIFO queue with a dead-letter queue.
type Queue interface {
	Sender
	// Receive returns up to max visible messages (at most 10), waiting up
	// to wait for the first one. An empty result is no error.
	Receive(ctx context.Context, max int, wait time.Duration) ([]Received, error)
	// Delete removes a received message: it was handled.
	Delete(ctx context.Context, r Received) error
	// Retry makes a received message visible again after delay (0: now).
	Retry(ctx context.Context, r Received, delay time.Duration) error
	// DeadLetter moves a received message to the dead-letter queue with a
	// reason (SQS: message attribute "reason") and removes it here.
	DeadLetter(ctx context.Context, r Received, reason string) error
	// Redrive moves every message of the dead-letter queue back to this
	// queue, in order, and says how many it moved.
	Redrive(ctx context.Context) (int, error)
}

// Sender is the part of a Queue the webhook needs.
type Sender interface {
	// Send enqueues msgs, in order. On error, some may have been sent:
	// sending them again is safe (DedupID).
	Send(ctx context.Context, msgs ...Message) error
}

// DedupWindow is how long a DedupID is remembered (SQS: 5 minutes).
const DedupWindow = 5 * time.Minute

// MaxBatch is the most messages one Receive returns (SQS: 10).
const MaxBatch = 10

// ErrTooLarge is returned by Send for a message over MaxBody.
var ErrTooLarge = errors.New("queue: message over 256 KiB")

// MaxBody is the largest message body (SQS: 256 KiB).
const MaxBody = 256 << 10
