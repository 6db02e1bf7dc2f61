package sheets

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// BenchmarkCachedLookup measures the rotation cache in front of the real
// sheets/v4 client and a fake Sheets API: a cold cache hit by 1,000
// concurrent lookups (one Sheets request, reported as sheets-requests/op),
// and a warm lookup.
func BenchmarkCachedLookup(b *testing.B) {
	tabs := map[string][][]any{
		"rotation": {{"date", "primary", "secondary"}, {46346.0, "Sato", "Suzuki"}},
		"members":  members,
		"holidays": {{"date", "name"}, {46385.0, "Year-end closure"}},
		"runbooks": {{"match", "url", "note"}, {"disk", "https://wiki.example.com/disk", "Disk full"}},
	}
	b.Run("cold_1000_concurrent", func(b *testing.B) {
		f := newFake(b, sheetID, tabs)
		src := newSource(b, f, nil, nil)
		b.ReportAllocs()
		for b.Loop() {
			c := rotation.NewCache(src, time.Minute, nil)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for range 1000 {
				wg.Go(func() {
					<-start
					if _, err := c.Roster(context.Background()); err != nil {
						b.Error(err)
					}
				})
			}
			close(start)
			wg.Wait()
			if got := len(f.take()); got != 1 {
				b.Fatalf("1,000 concurrent cold lookups made %d Sheets requests, want 1", got)
			}
		}
		b.ReportMetric(1, "sheets-requests/op")
	})
	b.Run("warm", func(b *testing.B) {
		f := newFake(b, sheetID, tabs)
		c := rotation.NewCache(newSource(b, f, nil, nil), time.Hour, nil)
		ctx := context.Background()
		if _, err := c.Roster(ctx); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := c.Roster(ctx); err != nil {
				b.Fatal(err)
			}
		}
		if got := len(f.take()); got != 1 {
			b.Fatalf("%d Sheets requests, want 1", got)
		}
	})
}

// TestCacheColdStartOneRequest is the benchmark's claim as a test.
func TestCacheColdStartOneRequest(t *testing.T) {
	f := newFake(t, sheetID, map[string][][]any{"rotation": {{46346.0, "Sato"}}, "members": members, "holidays": {}, "runbooks": {}})
	c := rotation.NewCache(newSource(t, f, nil, nil), time.Minute, nil)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range 1000 {
		wg.Go(func() {
			<-start
			r, err := c.Roster(context.Background())
			if err != nil || len(r.OnCall(rotation.Date{Year: 2026, Month: 11, Day: 20})) != 1 {
				t.Errorf("lookup: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if got := len(f.take()); got != 1 {
		t.Fatalf("1,000 concurrent cold lookups made %d Sheets requests, want 1", got)
	}
}
