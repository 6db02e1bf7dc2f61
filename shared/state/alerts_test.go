package state_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/pd2chat/pd2chat/shared/state"
)

// The Alerts suite runs against Memory and dynalite, as testStore does
// (testAlerts could join testStore's list).

// testAlerts is the behaviour every Alerts has; testStore runs it against
// Memory, dynalite, and dynalite answering failed conditions with the old item.
func testAlerts(t *testing.T, newStore newStoreFunc) {
	t.Run("seen", func(t *testing.T) { testSeen(t, newStore) })
	t.Run("concurrent firings", func(t *testing.T) { testConcurrentFirings(t, newStore) })
	t.Run("concurrent redeliveries", func(t *testing.T) { testConcurrentRedeliveries(t, newStore) })
	t.Run("bad arguments", func(t *testing.T) { testSeenBadArguments(t, newStore) })
}

// alerts is s as Alerts.
func alerts(t testing.TB, s state.Store) state.Alerts {
	t.Helper()
	a, ok := s.(state.Alerts)
	if !ok {
		t.Fatalf("%T is not a state.Alerts", s)
	}
	return a
}

// fired is a call of Seen and the Sighting it must give.
type fired struct {
	fp, event string
	at        time.Time
	want      state.Sighting
}

func sighting(count int, first, last time.Time) state.Sighting {
	return state.Sighting{Count: count, First: first, Last: last}
}

func equalSighting(a, b state.Sighting) bool {
	return a.Count == b.Count && a.First.Equal(b.First) && a.Last.Equal(b.Last)
}

func testSeen(t *testing.T, newStore newStoreFunc) {
	h := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Hour) }
	jst := time.FixedZone("JST", 9*3600)
	tests := []struct {
		name   string
		script []fired
	}{
		{"first, second, third", []fired{
			{"fp1", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e2", h(1), sighting(1, h(0), h(0))},
			{"fp1", "e3", h(72), sighting(2, h(0), h(1))},
		}},
		{"a redelivery changes nothing", []fired{
			{"fp1", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e2", h(1), sighting(1, h(0), h(0))},
			{"fp1", "e2", h(1), sighting(1, h(0), h(0))},
			{"fp1", "e2", h(1), sighting(1, h(0), h(0))},
			{"fp1", "e3", h(2), sighting(2, h(0), h(1))},
		}},
		{"fingerprints are separate", []fired{
			{"fp1", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
			{"fp2", "e2", h(1), sighting(0, time.Time{}, time.Time{})},
			{"fp2", "e3", h(2), sighting(1, h(1), h(1))},
			{"fp1", "e4", h(3), sighting(1, h(0), h(0))},
		}},
		{"the same event id on two alerts counts on each", []fired{
			{"fp1", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
			{"fp2", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
		}},
		{"instants in UTC, to the millisecond", []fired{
			{"fp1", "e1", h(0).In(jst).Add(1500 * time.Microsecond), sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e2", h(1), sighting(1, h(0).Add(time.Millisecond), h(0).Add(time.Millisecond))},
		}},
		{"no instant: the store's now", []fired{
			{"fp1", "e1", time.Time{}, sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e2", h(1), sighting(1, t0, t0)},
		}},
		{"out of order: last is the latest call's", []fired{
			{"fp1", "e1", h(5), sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e2", h(1), sighting(1, h(5), h(5))},
			{"fp1", "e3", h(6), sighting(2, h(5), h(1))},
		}},
		// The documented limit: only the latest firing is recognised.
		{"a redelivery after another firing counts again", []fired{
			{"fp1", "e1", h(0), sighting(0, time.Time{}, time.Time{})},
			{"fp1", "e2", h(1), sighting(1, h(0), h(0))},
			{"fp1", "e1", h(0), sighting(2, h(0), h(1))},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := alerts(t, newStore(t, newClock().Now))
			for i, f := range tt.script {
				got, err := a.RecordSighting(t.Context(), f.fp, f.event, f.at)
				if err != nil {
					t.Fatalf("step %d: RecordSighting(%s, %s): %v", i, f.fp, f.event, err)
				}
				if !equalSighting(got, f.want) {
					t.Errorf("step %d: RecordSighting(%s, %s, %s) = %+v, want %+v", i, f.fp, f.event, f.at, got, f.want)
				}
				for _, at := range []time.Time{got.First, got.Last} {
					if !at.IsZero() && at.Location() != time.UTC {
						t.Errorf("step %d: instant %v is not in UTC", i, at)
					}
				}
			}
		})
	}
}

// testConcurrentFirings races distinct firings of one alert: each counts
// once, and each is told a different count of earlier firings.
func testConcurrentFirings(t *testing.T, newStore newStoreFunc) {
	a := alerts(t, newStore(t, newClock().Now))
	const firers, perFirer = 16, 5
	type told struct {
		count int
		at    time.Time
	}
	counts := make(chan told, firers*perFirer)
	errs := make(chan error, firers*perFirer)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for f := range firers {
		wg.Go(func() {
			<-start
			for i := range perFirer {
				at := t0.Add(time.Duration(f*perFirer+i) * time.Second)
				s, err := a.RecordSighting(t.Context(), "fp1", fmt.Sprintf("e%d-%d", f, i), at)
				if err != nil {
					errs <- err
					continue
				}
				counts <- told{s.Count, at}
			}
		})
	}
	close(start)
	wg.Wait()
	close(counts)
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var got []int
	var first time.Time // of the firing told it was the first
	for c := range counts {
		got = append(got, c.count)
		if c.count == 0 {
			first = c.at
		}
	}
	slices.Sort(got)
	for i, c := range got {
		if c != i {
			t.Fatalf("counts told %v, want each of 0..%d once: a firing was lost or counted twice", got, firers*perFirer-1)
		}
	}
	s, err := a.RecordSighting(t.Context(), "fp1", "last", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if s.Count != firers*perFirer || !s.First.Equal(first) {
		t.Errorf("after the race: %+v, want count %d, first %v (the firing told it was the first)", s, firers*perFirer, first)
	}
}

// testConcurrentRedeliveries races deliveries of one event: it counts once,
// and every delivery is told the same.
func testConcurrentRedeliveries(t *testing.T, newStore newStoreFunc) {
	a := alerts(t, newStore(t, newClock().Now))
	if _, err := a.RecordSighting(t.Context(), "fp1", "e0", t0); err != nil {
		t.Fatal(err)
	}
	const deliveries = 16
	got := make([]state.Sighting, deliveries)
	errs := make([]error, deliveries)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range deliveries {
		wg.Go(func() {
			<-start
			got[i], errs[i] = a.RecordSighting(t.Context(), "fp1", "e1", t0.Add(time.Hour))
		})
	}
	close(start)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	want := sighting(1, t0, t0)
	for i, s := range got {
		if !equalSighting(s, want) {
			t.Errorf("delivery %d: %+v, want %+v", i, s, want)
		}
	}
	s, err := a.RecordSighting(t.Context(), "fp1", "e2", t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if want := sighting(2, t0, t0.Add(time.Hour)); !equalSighting(s, want) {
		t.Errorf("after the redeliveries: %+v, want %+v", s, want)
	}
}

func testSeenBadArguments(t *testing.T, newStore newStoreFunc) {
	a := alerts(t, newStore(t, newClock().Now))
	for _, c := range []struct{ fp, event string }{{"", "e1"}, {"fp1", ""}} {
		_, err := a.RecordSighting(t.Context(), c.fp, c.event, t0)
		if err == nil {
			t.Fatalf("RecordSighting(%q, %q): no error", c.fp, c.event)
		}
		if errors.Is(err, state.ErrUnavailable) {
			t.Errorf("%v is ErrUnavailable: callers would treat a bug as an outage", err)
		}
		if !strings.HasPrefix(err.Error(), "state: seen alert#") {
			t.Errorf("%q does not say where", err)
		}
	}
}

// TestMemoryAlertBounds checks the bounds that stand in for the TTL.
func TestMemoryAlertBounds(t *testing.T) {
	ctx := t.Context()
	t.Run("forgotten AlertTTL after the last firing", func(t *testing.T) {
		clk := newClock()
		m := state.NewMemory()
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
		clk := newClock()
		m := state.NewMemory()
		m.Now = clk.Now
		fire := func(fp string) state.Sighting {
			clk.Add(time.Millisecond)
			s, err := m.RecordSighting(ctx, fp, "e-"+clk.Now().String(), time.Time{})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		for i := range state.MaxMemoryAlerts {
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

// TestDynamoDBAlertItem reads the raw item: the key and attributes documented
// in alerts.go, and the TTL.
func TestDynamoDBAlertItem(t *testing.T) {
	c := newDynamoClient(t)
	table := newTable(t, c)
	calls := &counting{DynamoDBAPI: c}
	s := state.NewDynamoDB(calls, table) // the real clock: expires_at must be real
	ctx := t.Context()
	before := time.Now()
	if _, err := s.RecordSighting(ctx, "fp1", "e1", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordSighting(ctx, "fp1", "e2", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := calls.total(); n != 2 {
		t.Errorf("two firings took %d requests, want one each", n)
	}
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "alert#fp1"}, "sk": &types.AttributeValueMemberS{Value: "meta"},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item == nil {
		t.Fatal("no item pk=alert#fp1 sk=meta")
	}
	number := func(attr string) int64 {
		t.Helper()
		n, ok := out.Item[attr].(*types.AttributeValueMemberN)
		if !ok {
			t.Fatalf("%s is %T, want a number", attr, out.Item[attr])
		}
		v, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", attr, err)
		}
		return v
	}
	for attr, want := range map[string]int64{
		"count": 2, "first": t0.UnixMilli(), "last": t0.Add(time.Hour).UnixMilli(),
		"prev_count": 1, "prev_first": t0.UnixMilli(), "prev_last": t0.UnixMilli(),
	} {
		if got := number(attr); got != want {
			t.Errorf("%s = %d, want %d", attr, got, want)
		}
	}
	if got, ok := out.Item["last_event"].(*types.AttributeValueMemberS); !ok || got.Value != "e2" {
		t.Errorf("last_event = %#v, want e2", out.Item["last_event"])
	}
	if got, min := number(state.TTLAttribute), before.Add(state.AlertTTL).Unix(); got < min || got > min+60 {
		t.Errorf("expires_at %d, want now+AlertTTL = %d", got, min)
	}
}

// TestDynamoDBAlertFaults injects failures in front of dynalite: the
// store's failures are ErrUnavailable, its answers are not, and it
// recovers.
func TestDynamoDBAlertFaults(t *testing.T) {
	c := newDynamoClient(t)
	table := newTable(t, c)
	tests := []struct {
		name        string
		err         error
		unavailable bool
	}{
		{"throttling", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, true},
		{"internal server error", &types.InternalServerError{Message: aws.String("oops")}, true},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, true},
		{"deadline", fmt.Errorf("operation error DynamoDB: UpdateItem: %w", context.DeadlineExceeded), true},
		{"validation", &smithy.GenericAPIError{Code: "ValidationException", Message: "bad expression", Fault: smithy.FaultClient}, false},
		{"table missing", &types.ResourceNotFoundException{Message: aws.String("no table")}, false},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := state.NewDynamoDB(&faulty{DynamoDBAPI: c, failures: 1, err: tt.err}, table)
			fp := fmt.Sprint("fp", i)
			_, err := s.RecordSighting(t.Context(), fp, "e1", t0)
			if err == nil {
				t.Fatal("no error")
			}
			if got := errors.Is(err, state.ErrUnavailable); got != tt.unavailable {
				t.Errorf("errors.Is(%v, ErrUnavailable) = %v, want %v", err, got, tt.unavailable)
			}
			if !errors.Is(err, tt.err) && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("%v does not wrap %v", err, tt.err)
			}
			if prefix := "state: seen alert#" + fp + ": "; !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("%q does not start %q", err, prefix)
			}
			if s, err := s.RecordSighting(t.Context(), fp, "e1", t0); err != nil || s.Count != 0 {
				t.Errorf("after the fault: %+v, %v; want the first time (the failed call counted nothing)", s, err)
			}
		})
	}
}

// BenchmarkSeen is what the "first time" note adds to a trigger.
func BenchmarkSeen(b *testing.B) {
	for _, bs := range benchStores(b) {
		b.Run(bs.name, func(b *testing.B) {
			st, calls := bs.store(b)
			a := alerts(b, st)
			ctx := b.Context()
			n := 0
			for b.Loop() {
				if _, err := a.RecordSighting(ctx, fmt.Sprint("fp", n%64), fmt.Sprint("e", n), t0.Add(time.Duration(n)*time.Second)); err != nil {
					b.Fatal(err)
				}
				n++
			}
			if calls != nil {
				b.ReportMetric(float64(calls.total())/float64(n), "requests/op")
			}
		})
	}
}
