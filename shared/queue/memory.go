package queue

import (
	"context"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Memory is an in-process Queue for local runs and tests. What it holds is
// lost when the process ends. It is safe for concurrent use.
type Memory struct {
	// Visibility is how long a received message stays hidden. Zero: 30 s.
	Visibility time.Duration
	// MaxReceives moves a message to the dead-letter queue when it would
	// be received once more. Zero: 50.
	MaxReceives int
	// Now is the clock. Nil: time.Now.
	Now func() time.Time

	mu      sync.Mutex
	changed chan struct{} // closed and replaced whenever messages may have become receivable
	msgs    []*memMessage // in send order
	dead    []*memMessage
	dedup   map[string]time.Time // DedupID → when sent
	seq     int
}

type memMessage struct {
	Received
	visibleAt time.Time
	reason    string
}

// NewMemory returns an empty Memory queue with the default settings.
func NewMemory() *Memory { return &Memory{} }

var _ Queue = (*Memory)(nil)

func (m *Memory) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// signal wakes the receivers; m.mu is held.
func (m *Memory) signal() {
	if m.changed != nil {
		close(m.changed)
	}
	m.changed = make(chan struct{})
}

// Send enqueues msgs.
func (m *Memory) Send(ctx context.Context, msgs ...Message) error {
	for _, msg := range msgs {
		if len(msg.Body) > MaxBody {
			return ErrTooLarge
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	if m.dedup == nil {
		m.dedup = map[string]time.Time{}
	}
	for id, at := range m.dedup {
		if now.Sub(at) >= DedupWindow {
			delete(m.dedup, id)
		}
	}
	for _, msg := range msgs {
		if msg.DedupID != "" {
			if _, dup := m.dedup[msg.DedupID]; dup {
				continue
			}
			m.dedup[msg.DedupID] = now
		}
		m.seq++
		m.msgs = append(m.msgs, &memMessage{Received: Received{
			ID: "m" + strconv.Itoa(m.seq), Body: slices.Clone(msg.Body), Group: msg.Group, DedupID: msg.DedupID, SentAt: now,
		}})
	}
	m.signal()
	return nil
}

// Receive returns up to max messages, at most one per group (as fauxqs
// does; SQS may return several of a group, in order).
func (m *Memory) Receive(ctx context.Context, limit int, wait time.Duration) ([]Received, error) {
	limit = min(limit, MaxBatch)
	deadline := time.Now().Add(wait)
	for {
		m.mu.Lock()
		out, next := m.take(limit)
		changed := m.changed
		if changed == nil {
			m.signal()
			changed = m.changed
		}
		m.mu.Unlock()
		left := time.Until(deadline)
		if len(out) > 0 || left <= 0 {
			return out, nil
		}
		if !next.IsZero() {
			left = min(left, max(next.Sub(m.now()), time.Millisecond))
		}
		t := time.NewTimer(left)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

// take receives up to max messages; next is when the earliest hidden head
// of a group becomes visible (zero: none). m.mu is held.
func (m *Memory) take(limit int) (out []Received, next time.Time) {
	now := m.now()
	visibility := m.Visibility
	if visibility <= 0 {
		visibility = 30 * time.Second
	}
	maxReceives := m.MaxReceives
	if maxReceives <= 0 {
		maxReceives = 50
	}
	heads := map[string]bool{} // groups whose head was looked at
	for i := 0; i < len(m.msgs) && len(out) < limit; i++ {
		msg := m.msgs[i]
		if heads[msg.Group] {
			continue
		}
		heads[msg.Group] = true
		if msg.visibleAt.After(now) {
			if next.IsZero() || msg.visibleAt.Before(next) {
				next = msg.visibleAt
			}
			continue
		}
		if msg.ReceiveCount >= maxReceives {
			msg.reason = "received " + strconv.Itoa(msg.ReceiveCount) + " times"
			m.dead = append(m.dead, msg)
			m.msgs = slices.Delete(m.msgs, i, i+1)
			delete(heads, msg.Group) // the group's next message is its head now
			i--
			continue
		}
		m.seq++
		msg.ReceiveCount++
		msg.Handle = msg.ID + "/" + strconv.Itoa(m.seq)
		msg.visibleAt = now.Add(visibility)
		r := msg.Received
		r.Body = slices.Clone(r.Body)
		out = append(out, r)
	}
	return out, next
}

// find returns the index of the message r was received as, or -1 when that
// receipt is stale (deleted, or received again since).
func (m *Memory) find(r Received) int {
	return slices.IndexFunc(m.msgs, func(msg *memMessage) bool { return msg.Handle == r.Handle && r.Handle != "" })
}

// Delete removes r. A stale receipt is ignored, as SQS ignores it.
func (m *Memory) Delete(ctx context.Context, r Received) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i := m.find(r); i >= 0 {
		m.msgs = slices.Delete(m.msgs, i, i+1)
		m.signal()
	}
	return nil
}

// Retry makes r visible after delay.
func (m *Memory) Retry(ctx context.Context, r Received, delay time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i := m.find(r); i >= 0 {
		m.msgs[i].visibleAt = m.now().Add(max(delay, 0))
		m.signal()
	}
	return nil
}

// DeadLetter moves r to the dead-letter queue with reason.
func (m *Memory) DeadLetter(ctx context.Context, r Received, reason string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if i := m.find(r); i >= 0 {
		msg := m.msgs[i]
		msg.reason = reason
		m.dead = append(m.dead, msg)
		m.msgs = slices.Delete(m.msgs, i, i+1)
		m.signal()
	}
	return nil
}

// Redrive moves the dead-letter queue back, in order.
func (m *Memory) Redrive(ctx context.Context) (int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := len(m.dead)
	for _, msg := range m.dead {
		msg.ReceiveCount, msg.Handle, msg.visibleAt, msg.reason = 0, "", time.Time{}, ""
	}
	m.msgs = append(m.msgs, m.dead...)
	m.dead = nil
	m.signal()
	return n, nil
}

// DeadLettered lists the dead-letter queue's messages and their reasons,
// oldest first.
func (m *Memory) DeadLettered() (msgs []Received, reasons []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, msg := range m.dead {
		msgs = append(msgs, msg.Received)
		reasons = append(reasons, msg.reason)
	}
	return msgs, reasons
}

// Len is the number of messages in the queue, in flight included (not the
// dead-letter queue's).
func (m *Memory) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.msgs)
}
