package queue

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/sqs/types"
)

// SQSAPI is the part of the SQS client SQS uses (*sqs.Client has it).
type SQSAPI interface {
	SendMessageBatch(ctx context.Context, in *sqs.SendMessageBatchInput, opts ...func(*sqs.Options)) (*sqs.SendMessageBatchOutput, error)
	SendMessage(ctx context.Context, in *sqs.SendMessageInput, opts ...func(*sqs.Options)) (*sqs.SendMessageOutput, error)
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
	ChangeMessageVisibility(ctx context.Context, in *sqs.ChangeMessageVisibilityInput, opts ...func(*sqs.Options)) (*sqs.ChangeMessageVisibilityOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, opts ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
}

// SQS is a Queue on an Amazon SQS FIFO queue (or any SQS-compatible
// server). Its dead-letter queue is the one named in the queue's redrive
// policy, found on first use. It is safe for concurrent use.
type SQS struct {
	client SQSAPI
	url    string
	// Visibility, when set, overrides the queue's visibility timeout for
	// the messages Receive returns (whole seconds).
	Visibility time.Duration

	dlqOnce sync.Mutex
	dlq     string
}

var _ Queue = (*SQS)(nil)

// NewSQS returns the queue at url (a FIFO queue: ".fifo").
func NewSQS(client SQSAPI, url string) *SQS { return &SQS{client: client, url: url} }

// URL is the queue's URL.
func (q *SQS) URL() string { return q.url }

// id keeps a group or deduplication id inside SQS's 128 characters: longer
// ones become their SHA-256.
func id(s string) string {
	if len(s) <= 128 {
		return s
	}
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// Send enqueues msgs, ten per request, in order.
func (q *SQS) Send(ctx context.Context, msgs ...Message) error {
	for start := 0; start < len(msgs); start += MaxBatch {
		batch := msgs[start:min(start+MaxBatch, len(msgs))]
		entries := make([]types.SendMessageBatchRequestEntry, len(batch))
		for i, m := range batch {
			if len(m.Body) > MaxBody {
				return ErrTooLarge
			}
			entries[i] = types.SendMessageBatchRequestEntry{
				Id:                     aws.String(strconv.Itoa(i)),
				MessageBody:            aws.String(string(m.Body)),
				MessageGroupId:         aws.String(id(m.Group)),
				MessageDeduplicationId: aws.String(id(m.DedupID)),
			}
		}
		out, err := q.client.SendMessageBatch(ctx, &sqs.SendMessageBatchInput{QueueUrl: &q.url, Entries: entries})
		if err != nil {
			return fmt.Errorf("queue: send to %s: %w", q.url, err)
		}
		if len(out.Failed) > 0 {
			f := out.Failed[0]
			return fmt.Errorf("queue: send to %s: %d of %d refused, first: %s %s", q.url, len(out.Failed), len(entries),
				aws.ToString(f.Code), aws.ToString(f.Message))
		}
	}
	return nil
}

// Receive long-polls for up to max messages (wait is cut to whole seconds,
// at most 20).
func (q *SQS) Receive(ctx context.Context, max int, wait time.Duration) ([]Received, error) {
	return q.receive(ctx, q.url, max, wait, q.Visibility)
}

func (q *SQS) receive(ctx context.Context, url string, limit int, wait, visibility time.Duration) ([]Received, error) {
	in := &sqs.ReceiveMessageInput{
		QueueUrl:            &url,
		MaxNumberOfMessages: int32(min(max(limit, 1), MaxBatch)),
		WaitTimeSeconds:     int32(min(wait/time.Second, 20)),
		MessageSystemAttributeNames: []types.MessageSystemAttributeName{
			types.MessageSystemAttributeNameApproximateReceiveCount, types.MessageSystemAttributeNameSentTimestamp,
			types.MessageSystemAttributeNameMessageGroupId, types.MessageSystemAttributeNameMessageDeduplicationId,
		},
		MessageAttributeNames: []string{"reason"},
	}
	if visibility > 0 {
		in.VisibilityTimeout = int32(max(visibility/time.Second, 1))
	}
	out, err := q.client.ReceiveMessage(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("queue: receive from %s: %w", url, err)
	}
	msgs := make([]Received, len(out.Messages))
	for i, m := range out.Messages {
		msgs[i] = FromSQS(aws.ToString(m.MessageId), aws.ToString(m.Body), aws.ToString(m.ReceiptHandle), m.Attributes)
	}
	return msgs, nil
}

// FromSQS is a Received from an SQS message's fields: its system attributes
// as ReceiveMessage and Lambda's SQS event give them.
func FromSQS(id, body, handle string, attrs map[string]string) Received {
	r := Received{ID: id, Body: []byte(body), Handle: handle, Group: attrs["MessageGroupId"], DedupID: attrs["MessageDeduplicationId"]}
	r.ReceiveCount, _ = strconv.Atoi(attrs["ApproximateReceiveCount"])
	if ms, err := strconv.ParseInt(attrs["SentTimestamp"], 10, 64); err == nil {
		r.SentAt = time.UnixMilli(ms)
	}
	return r
}

// Delete removes r.
func (q *SQS) Delete(ctx context.Context, r Received) error {
	_, err := q.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &q.url, ReceiptHandle: &r.Handle})
	if err != nil {
		return fmt.Errorf("queue: delete %s: %w", r.ID, err)
	}
	return nil
}

// MaxDelay is the longest Retry delay (SQS: a 12-hour visibility timeout).
const MaxDelay = 12 * time.Hour

// Retry sets r's visibility timeout to delay (whole seconds, rounded up).
func (q *SQS) Retry(ctx context.Context, r Received, delay time.Duration) error {
	secs := int32((min(max(delay, 0), MaxDelay) + time.Second - 1) / time.Second)
	_, err := q.client.ChangeMessageVisibility(ctx, &sqs.ChangeMessageVisibilityInput{
		QueueUrl: &q.url, ReceiptHandle: &r.Handle, VisibilityTimeout: secs,
	})
	if err != nil {
		return fmt.Errorf("queue: retry %s in %s: %w", r.ID, delay, err)
	}
	return nil
}

// DeadLetter sends r to the dead-letter queue with the message attribute
// "reason", then deletes it here.
func (q *SQS) DeadLetter(ctx context.Context, r Received, reason string) error {
	dlq, err := q.DeadLetterURL(ctx)
	if err != nil {
		return err
	}
	_, err = q.client.SendMessage(ctx, &sqs.SendMessageInput{
		QueueUrl:               &dlq,
		MessageBody:            aws.String(string(r.Body)),
		MessageGroupId:         aws.String(id(r.Group)),
		MessageDeduplicationId: aws.String(id(r.DedupID + "#dead#" + r.ID)),
		MessageAttributes: map[string]types.MessageAttributeValue{
			"reason": {DataType: aws.String("String"), StringValue: aws.String(truncate(reason, 1000))},
		},
	})
	if err != nil {
		return fmt.Errorf("queue: dead-letter %s: %w", r.ID, err)
	}
	return q.Delete(ctx, r)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

// DeadLetterURL is the URL of the dead-letter queue named in the queue's
// redrive policy.
func (q *SQS) DeadLetterURL(ctx context.Context) (string, error) {
	q.dlqOnce.Lock()
	defer q.dlqOnce.Unlock()
	if q.dlq != "" {
		return q.dlq, nil
	}
	out, err := q.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: &q.url, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameRedrivePolicy},
	})
	if err != nil {
		return "", fmt.Errorf("queue: read the redrive policy of %s: %w", q.url, err)
	}
	var policy struct {
		DeadLetterTargetArn string `json:"deadLetterTargetArn"`
	}
	raw := out.Attributes[string(types.QueueAttributeNameRedrivePolicy)]
	if raw == "" {
		return "", fmt.Errorf("queue: %s has no redrive policy: give it a dead-letter queue", q.url)
	}
	if err := json.Unmarshal([]byte(raw), &policy); err != nil {
		return "", fmt.Errorf("queue: the redrive policy of %s: %w", q.url, err)
	}
	// arn:aws:sqs:REGION:ACCOUNT:NAME
	parts := strings.Split(policy.DeadLetterTargetArn, ":")
	if len(parts) != 6 || parts[2] != "sqs" {
		return "", fmt.Errorf("queue: the redrive policy of %s names %q, not an SQS queue ARN", q.url, policy.DeadLetterTargetArn)
	}
	in := &sqs.GetQueueUrlInput{QueueName: aws.String(parts[5])}
	if parts[4] != "" {
		in.QueueOwnerAWSAccountId = aws.String(parts[4])
	}
	u, err := q.client.GetQueueUrl(ctx, in)
	if err != nil {
		return "", fmt.Errorf("queue: find the dead-letter queue %s: %w", parts[5], err)
	}
	q.dlq = aws.ToString(u.QueueUrl)
	return q.dlq, nil
}

// Redrive moves the dead-letter queue's messages back, group order kept:
// each is sent again (a new deduplication id, since the first may still be
// remembered) and then deleted from the dead-letter queue.
func (q *SQS) Redrive(ctx context.Context) (int, error) {
	dlq, err := q.DeadLetterURL(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for {
		msgs, err := q.receive(ctx, dlq, MaxBatch, 0, time.Minute)
		if err != nil {
			return n, err
		}
		if len(msgs) == 0 {
			return n, nil
		}
		for _, m := range msgs {
			if err := q.Send(ctx, Message{Body: m.Body, Group: m.Group, DedupID: m.DedupID + "#redrive#" + m.ID}); err != nil {
				return n, err
			}
			if _, err := q.client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: &dlq, ReceiptHandle: &m.Handle}); err != nil {
				return n, fmt.Errorf("queue: delete %s from the dead-letter queue: %w", m.ID, err)
			}
			n++
		}
	}
}

// DeadLettered lists messages of the dead-letter queue and their reasons,
// leaving them there (each is received, then made visible again). A FIFO
// queue hands out one message of a group at a time, so this is the first
// waiting message of each group (incident and chat); DeadLetterCount
// counts them all.
func (q *SQS) DeadLettered(ctx context.Context) ([]Received, []string, error) {
	dlq, err := q.DeadLetterURL(ctx)
	if err != nil {
		return nil, nil, err
	}
	var (
		msgs    []Received
		reasons []string
		handles []string
	)
	defer func() {
		for _, h := range handles {
			_, _ = q.client.ChangeMessageVisibility(context.WithoutCancel(ctx), &sqs.ChangeMessageVisibilityInput{
				QueueUrl: &dlq, ReceiptHandle: aws.String(h), VisibilityTimeout: 0,
			})
		}
	}()
	for {
		out, err := q.client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl: &dlq, MaxNumberOfMessages: MaxBatch, VisibilityTimeout: 30,
			MessageSystemAttributeNames: []types.MessageSystemAttributeName{types.MessageSystemAttributeNameAll},
			MessageAttributeNames:       []string{"reason"},
		})
		if err != nil {
			return msgs, reasons, fmt.Errorf("queue: list the dead-letter queue: %w", err)
		}
		if len(out.Messages) == 0 {
			return msgs, reasons, nil
		}
		for _, m := range out.Messages {
			msgs = append(msgs, FromSQS(aws.ToString(m.MessageId), aws.ToString(m.Body), aws.ToString(m.ReceiptHandle), m.Attributes))
			reasons = append(reasons, aws.ToString(m.MessageAttributes["reason"].StringValue))
			handles = append(handles, aws.ToString(m.ReceiptHandle))
		}
	}
}

// ErrNotFIFO says a queue URL is not a FIFO queue's.
var ErrNotFIFO = errors.New("not a FIFO queue URL (it must end in .fifo)")

// CreateOptions shape the queues Create makes.
type CreateOptions struct {
	// Visibility is the queue's visibility timeout. Zero: 30 s.
	Visibility time.Duration
	// MaxReceives moves a message to the dead-letter queue on its next
	// receive. Zero: 50.
	MaxReceives int
}

// CreateAPI is the part of the SQS client Create uses.
type CreateAPI interface {
	CreateQueue(ctx context.Context, in *sqs.CreateQueueInput, opts ...func(*sqs.Options)) (*sqs.CreateQueueOutput, error)
	GetQueueAttributes(ctx context.Context, in *sqs.GetQueueAttributesInput, opts ...func(*sqs.Options)) (*sqs.GetQueueAttributesOutput, error)
}

// Create makes (or finds, with the same attributes) the FIFO queue
// NAME.fifo and its dead-letter queue NAME-dlq.fifo, as the stack in
// infra/ does in AWS, and returns the queue's URL. It is for local
// topologies and tests.
func Create(ctx context.Context, client CreateAPI, name string, o CreateOptions) (string, error) {
	if o.Visibility <= 0 {
		o.Visibility = 30 * time.Second
	}
	if o.MaxReceives <= 0 {
		o.MaxReceives = 50
	}
	fifo := map[string]string{"FifoQueue": "true", "MessageRetentionPeriod": "1209600"}
	dlq, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + "-dlq.fifo"), Attributes: fifo})
	if err != nil {
		return "", fmt.Errorf("queue: create %s-dlq.fifo: %w", name, err)
	}
	attrs, err := client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: dlq.QueueUrl, AttributeNames: []types.QueueAttributeName{types.QueueAttributeNameQueueArn},
	})
	if err != nil {
		return "", fmt.Errorf("queue: read %s-dlq.fifo: %w", name, err)
	}
	policy, _ := json.Marshal(map[string]string{
		"deadLetterTargetArn": attrs.Attributes[string(types.QueueAttributeNameQueueArn)],
		"maxReceiveCount":     strconv.Itoa(o.MaxReceives),
	})
	main := map[string]string{
		"FifoQueue": "true", "MessageRetentionPeriod": "1209600", "RedrivePolicy": string(policy),
		"VisibilityTimeout": strconv.Itoa(int(o.Visibility / time.Second)),
	}
	out, err := client.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String(name + ".fifo"), Attributes: main})
	if err != nil {
		return "", fmt.Errorf("queue: create %s.fifo: %w", name, err)
	}
	return aws.ToString(out.QueueUrl), nil
}

// DeadLetterCount is how many messages the dead-letter queue holds (SQS's
// ApproximateNumberOfMessages, in flight included).
func (q *SQS) DeadLetterCount(ctx context.Context) (int, error) {
	dlq, err := q.DeadLetterURL(ctx)
	if err != nil {
		return 0, err
	}
	out, err := q.client.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{
		QueueUrl: &dlq,
		AttributeNames: []types.QueueAttributeName{
			types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible,
		},
	})
	if err != nil {
		return 0, fmt.Errorf("queue: count the dead-letter queue: %w", err)
	}
	n := 0
	for _, a := range []types.QueueAttributeName{types.QueueAttributeNameApproximateNumberOfMessages, types.QueueAttributeNameApproximateNumberOfMessagesNotVisible} {
		v, _ := strconv.Atoi(out.Attributes[string(a)])
		n += v
	}
	return n, nil
}
