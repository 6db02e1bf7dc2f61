package statetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
)

// The benchmarks' bodies, which each store's tests run on their store. When
// requests is not nil it counts the requests the store made so far, and
// their number per operation is reported too ("requests/op").

// BenchClaimDone is what idempotency adds to one delivery to one
// destination: Claim, then Done.
func BenchClaimDone(b *testing.B, s state.Store, requests func() int) {
	ctx := b.Context()
	start := count(requests)
	n := 0
	for b.Loop() {
		key := fmt.Sprint("ev-", n)
		n++
		if r, err := s.Claim(ctx, key, "slack:C1", Lease); err != nil || r != state.Claimed {
			b.Fatalf("Claim = %v, %v", r, err)
		}
		if err := s.Done(ctx, key, "slack:C1", true, "1700000000.000100"); err != nil {
			b.Fatal(err)
		}
	}
	report(b, requests, start, n)
}

// BenchRecord records status events on 64 incidents whose stories grow to
// MaxSteps: the largest items Record reads and writes.
func BenchRecord(b *testing.B, s state.Store, requests func() int) {
	kinds := []incident.Kind{incident.Acknowledged, incident.Reassigned, incident.Escalated, incident.Unacknowledged}
	ctx := b.Context()
	start := count(requests)
	n := 0
	for b.Loop() {
		ev := FullTrigger()
		ev.ID = fmt.Sprint("e", n)
		ev.Incident.ID = fmt.Sprint("Q", n%64)
		ev.Kind = kinds[n%len(kinds)]
		ev.OccurredAt = T0.Add(time.Duration(n) * time.Second)
		n++
		if _, err := s.Record(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
	report(b, requests, start, n)
}

// BenchSeen is what the "first time" note adds to a trigger: firings of
// 64 alerts.
func BenchSeen(b *testing.B, s state.Store, requests func() int) {
	a := alerts(b, s)
	ctx := b.Context()
	start := count(requests)
	n := 0
	for b.Loop() {
		if _, err := a.RecordSighting(ctx, fmt.Sprint("fp", n%64), fmt.Sprint("e", n), T0.Add(time.Duration(n)*time.Second)); err != nil {
			b.Fatal(err)
		}
		n++
	}
	report(b, requests, start, n)
}

func count(requests func() int) int {
	if requests == nil {
		return 0
	}
	return requests()
}

// report adds requests/op over n operations, from start requests.
func report(b *testing.B, requests func() int, start, n int) {
	if requests != nil && n > 0 {
		b.ReportMetric(float64(requests()-start)/float64(n), "requests/op")
	}
}
