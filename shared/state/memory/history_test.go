package memory_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/state/statetest"
)

func TestMemoryHistoryBound(t *testing.T) {
	m := memory.New()
	m.Now = statetest.NewClock().Now
	ctx := t.Context()
	start := statetest.T0.Add(-24 * time.Hour)
	at := func(i int) time.Time { return start.Add(time.Duration(i) * time.Millisecond) }
	for i := range memory.MaxHistory + 1 {
		if err := m.Append(ctx, statetest.HistoryEvent(fmt.Sprint("e", i), incident.Annotated, at(i))); err != nil {
			t.Fatal(err)
		}
	}
	// Older than everything kept: in and out at once.
	if err := m.Append(ctx, statetest.HistoryEvent("late", incident.Annotated, at(-1))); err != nil {
		t.Fatal(err)
	}
	got, err := m.Between(ctx, at(-1), statetest.T0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != memory.MaxHistory || got[0].EventID != "e1" || got[len(got)-1].EventID != fmt.Sprint("e", memory.MaxHistory) {
		t.Errorf("%d events from %s to %s, want the newest %d", len(got), got[0].EventID, got[len(got)-1].EventID, memory.MaxHistory)
	}
}
