package state_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
)

// benchStores are the stores to measure; requests counts DynamoDB requests
// (nil for Memory).
func benchStores(b *testing.B) []struct {
	name     string
	store    func(b *testing.B) (state.Store, *counting)
	requests bool
} {
	return []struct {
		name     string
		store    func(b *testing.B) (state.Store, *counting)
		requests bool
	}{
		{"memory", func(b *testing.B) (state.Store, *counting) { return state.NewMemory(), nil }, false},
		{"dynalite", func(b *testing.B) (state.Store, *counting) {
			c := newDynamoClient(b)
			calls := &counting{DynamoDBAPI: c}
			return state.NewDynamoDB(calls, newTable(b, c)), calls
		}, true},
	}
}

// BenchmarkClaimDone is what idempotency adds to one delivery to one
// destination: Claim, then Done.
func BenchmarkClaimDone(b *testing.B) {
	for _, bs := range benchStores(b) {
		b.Run(bs.name, func(b *testing.B) {
			s, calls := bs.store(b)
			ctx := b.Context()
			n := 0
			for b.Loop() {
				key := fmt.Sprint("ev-", n)
				n++
				if r, err := s.Claim(ctx, key, "slack:C1", 30*time.Second); err != nil || r != state.Claimed {
					b.Fatalf("Claim = %v, %v", r, err)
				}
				if err := s.Done(ctx, key, "slack:C1", true, "1700000000.000100"); err != nil {
					b.Fatal(err)
				}
			}
			if calls != nil {
				b.ReportMetric(float64(calls.total())/float64(n), "requests/op")
			}
		})
	}
}

// BenchmarkRecord records status events on 64 incidents whose stories
// grow to MaxSteps: the largest items Record reads and writes.
func BenchmarkRecord(b *testing.B) {
	kinds := []incident.Kind{incident.Acknowledged, incident.Reassigned, incident.Escalated, incident.Unacknowledged}
	for _, bs := range benchStores(b) {
		b.Run(bs.name, func(b *testing.B) {
			s, calls := bs.store(b)
			ctx := b.Context()
			n := 0
			for b.Loop() {
				ev := full()
				ev.ID = fmt.Sprint("e", n)
				ev.Incident.ID = fmt.Sprint("Q", n%64)
				ev.Kind = kinds[n%len(kinds)]
				ev.OccurredAt = t0.Add(time.Duration(n) * time.Second)
				n++
				if _, err := s.Record(ctx, ev); err != nil {
					b.Fatal(err)
				}
			}
			if calls != nil {
				b.ReportMetric(float64(calls.total())/float64(n), "requests/op")
			}
		})
	}
}
