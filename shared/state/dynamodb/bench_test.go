package dynamodb_test

import (
	"testing"

	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/dynamodb"
	"github.com/pd2chat/pd2chat/shared/state/statetest"
)

// The stores' benchmarks (shared/state/statetest) on dynalite, with the
// DynamoDB requests they make.

func bench(b *testing.B, body func(*testing.B, state.Store, func() int)) {
	c := newDynamoClient(b)
	calls := &counting{API: c}
	body(b, dynamodb.New(calls, newTable(b, c)), calls.total)
}

func BenchmarkClaimDone(b *testing.B) { bench(b, statetest.BenchClaimDone) }
func BenchmarkRecord(b *testing.B)    { bench(b, statetest.BenchRecord) }
func BenchmarkSeen(b *testing.B)      { bench(b, statetest.BenchSeen) }
