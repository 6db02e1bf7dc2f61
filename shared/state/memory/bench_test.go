package memory_test

import (
	"testing"

	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/state/statetest"
)

// The stores' benchmarks (shared/state/statetest) on a Store.

func BenchmarkClaimDone(b *testing.B) { statetest.BenchClaimDone(b, memory.New(), nil) }
func BenchmarkRecord(b *testing.B)    { statetest.BenchRecord(b, memory.New(), nil) }
func BenchmarkSeen(b *testing.B)      { statetest.BenchSeen(b, memory.New(), nil) }
