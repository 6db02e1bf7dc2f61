package state_test

import (
	"testing"

	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/statetest"
)

// benchStores are the stores to measure; requests counts DynamoDB requests
// (nil for Memory).
func benchStores() []struct {
	name  string
	store func(b *testing.B) (state.Store, func() int)
} {
	return []struct {
		name  string
		store func(b *testing.B) (state.Store, func() int)
	}{
		{"memory", func(b *testing.B) (state.Store, func() int) { return state.NewMemory(), nil }},
		{"dynalite", func(b *testing.B) (state.Store, func() int) {
			c := newDynamoClient(b)
			calls := &counting{DynamoDBAPI: c}
			return state.NewDynamoDB(calls, newTable(b, c)), calls.total
		}},
	}
}

func bench(b *testing.B, body func(*testing.B, state.Store, func() int)) {
	for _, bs := range benchStores() {
		b.Run(bs.name, func(b *testing.B) {
			s, requests := bs.store(b)
			body(b, s, requests)
		})
	}
}

func BenchmarkClaimDone(b *testing.B) { bench(b, statetest.BenchClaimDone) }
func BenchmarkRecord(b *testing.B)    { bench(b, statetest.BenchRecord) }
func BenchmarkSeen(b *testing.B)      { bench(b, statetest.BenchSeen) }
