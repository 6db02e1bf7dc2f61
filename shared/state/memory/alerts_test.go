package memory_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/state/statetest"
)

// TestMemoryAlertBounds checks the bounds that stand in for the TTL.
func TestMemoryAlertBounds(t *testing.T) {
	ctx := t.Context()
	t.Run("forgotten AlertTTL after the last firing", func(t *testing.T) {
		clk := statetest.NewClock()
		m := memory.New()
		m.Now = clk.Now
		for i, want := range []int{0, 1} {
			clk.Add(state.AlertTTL - time.Second)
			if s, err := m.RecordSighting(ctx, "fp1", fmt.Sprint("e", i), time.Time{}); err != nil || s.Count != want {
				t.Fatalf("firing %d, AlertTTL-1s after the last: %+v, %v; want count %d", i, s, err, want)
			}
		}
		clk.Add(state.AlertTTL)
		if s, _ := m.RecordSighting(ctx, "fp1", "e9", time.Time{}); s.Count != 0 {
			t.Errorf("AlertTTL after the last firing: %+v, want the first time again", s)
		}
	})
	t.Run("the least recently fired goes first", func(t *testing.T) {
		clk := statetest.NewClock()
		m := memory.New()
		m.Now = clk.Now
		fire := func(fp string) state.Sighting {
			clk.Add(time.Millisecond)
			s, err := m.RecordSighting(ctx, fp, "e-"+clk.Now().String(), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		for i := range memory.MaxAlerts {
			fire(fmt.Sprint("fp", i))
		}
		fire("fp0") // fp0 is now the most recent; fp1 the least
		fire("new")
		for _, c := range []struct {
			fp   string
			want int
		}{{"fp0", 2}, {"fp2", 1}, {"new", 1}, {"fp1", 0}} { // fp1 last: firing it again evicts another
			if s := fire(c.fp); s.Count != c.want {
				t.Errorf("%s: count %d, want %d", c.fp, s.Count, c.want)
			}
		}
	})
}
