package state_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
)

// historyOf is the store's History (every Store of this package has one).
func historyOf(t *testing.T, s state.Store) state.History {
	t.Helper()
	h, ok := any(s).(state.History)
	if !ok {
		t.Fatalf("%T is not a state.History", s)
	}
	return h
}

// hev is a history event of incident Q1 with every field set.
func hev(id string, kind incident.Kind, at time.Time) state.HistoryEvent {
	return state.HistoryEvent{
		EventID: id, IncidentID: "Q1", Number: 42, Kind: kind, At: at, Agent: "Ann",
		ServiceID: "S1", Service: "db", Urgency: "high", Title: "Disk full <!here>",
		Fingerprint: "fp-disk", OnCall: []string{"Ito", "Watanabe"}, WorkingTime: true,
	}
}

// ids lists the events' ids, in order.
func ids(evs []state.HistoryEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.EventID
	}
	return out
}

// equalHistory compares events field by field, instants as instants.
func equalHistory(a, b state.HistoryEvent) bool {
	return a.EventID == b.EventID && a.IncidentID == b.IncidentID && a.Number == b.Number &&
		a.Kind == b.Kind && a.At.Equal(b.At) && a.Agent == b.Agent && a.ServiceID == b.ServiceID &&
		a.Service == b.Service && a.Urgency == b.Urgency && a.Title == b.Title &&
		a.Fingerprint == b.Fingerprint && slices.Equal(a.OnCall, b.OnCall) && a.WorkingTime == b.WorkingTime
}

func testHistory(t *testing.T, newStore newStoreFunc) {
	ctx := t.Context()
	utc := func(s string) time.Time {
		at, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return at
	}
	appendAll := func(t *testing.T, h state.History, evs ...state.HistoryEvent) {
		t.Helper()
		for _, e := range evs {
			if err := h.Append(ctx, e); err != nil {
				t.Fatalf("Append(%s): %v", e.EventID, err)
			}
		}
	}
	between := func(t *testing.T, h state.History, from, to time.Time) []state.HistoryEvent {
		t.Helper()
		got, err := h.Between(ctx, from, to)
		if err != nil {
			t.Fatalf("Between(%s, %s): %v", from, to, err)
		}
		return got
	}

	t.Run("every field comes back", func(t *testing.T) {
		h := historyOf(t, newStore(t, newClock().Now))
		full := hev("e1", incident.Triggered, t0.Add(-time.Hour).In(time.FixedZone("JST", 9*3600)))
		bare := state.HistoryEvent{EventID: "e2", IncidentID: "Q2", Kind: incident.Resolved, At: t0.Add(-30 * time.Minute)}
		appendAll(t, h, full, bare)
		got := between(t, h, t0.Add(-2*time.Hour), t0)
		if len(got) != 2 || !equalHistory(got[0], full) || !equalHistory(got[1], bare) {
			t.Fatalf("Between = %+v\nwant %+v\n and %+v", got, full, bare)
		}
		if got[0].At.Location() != time.UTC {
			t.Errorf("At in %v, want UTC", got[0].At.Location())
		}
		// What Between returns is a copy.
		got[0].OnCall[0] = "Mallory"
		if again := between(t, h, t0.Add(-2*time.Hour), t0); again[0].OnCall[0] != "Ito" {
			t.Errorf("changing a returned event changed the store: %v", again[0].OnCall)
		}
	})

	t.Run("oldest first, whatever the order of appends", func(t *testing.T) {
		h := historyOf(t, newStore(t, newClock().Now))
		base := utc("2026-11-20T09:00:00Z")
		appendAll(t, h,
			hev("c", incident.Resolved, base.Add(2*time.Second)),
			hev("b", incident.Acknowledged, base.Add(500*time.Millisecond)), // 09:00:00.5 sorts after 09:00:00
			hev("z", incident.Triggered, base),
			hev("a", incident.Triggered, base), // same instant: by event id
			hev("d", incident.Annotated, base.Add(time.Nanosecond)),
		)
		if got, want := ids(between(t, h, base, base.Add(time.Hour))), []string{"a", "z", "d", "b", "c"}; !slices.Equal(got, want) {
			t.Errorf("order %v, want %v", got, want)
		}
	})

	t.Run("duplicates", func(t *testing.T) {
		h := historyOf(t, newStore(t, newClock().Now))
		at := t0.Add(-time.Hour)
		first := hev("e1", incident.Triggered, at)
		again := first
		again.Title = "changed" // a redelivery never changes what was recorded
		appendAll(t, h, first, again, hev("e1", incident.Triggered, at.In(time.FixedZone("JST", 9*3600))))
		got := between(t, h, at, t0)
		if len(got) != 1 || got[0].Title != first.Title {
			t.Errorf("after a redelivery: %+v, want the first event once", got)
		}
	})

	t.Run("boundaries", func(t *testing.T) {
		h := historyOf(t, newStore(t, newClock().Now))
		// Across a UTC day, a month end, and the JST day (15:00Z) between.
		from, to := utc("2026-10-31T14:00:00Z"), utc("2026-11-01T16:00:00Z")
		appendAll(t, h,
			hev("before", incident.Triggered, from.Add(-time.Nanosecond)),
			hev("from", incident.Triggered, from),
			hev("oct-last", incident.Acknowledged, utc("2026-10-31T23:59:59.999999999Z")),
			hev("nov-first", incident.Resolved, utc("2026-11-01T00:00:00Z")),
			hev("jst-midnight", incident.Triggered, utc("2026-11-01T15:00:00Z")),
			hev("last", incident.Triggered, to.Add(-time.Nanosecond)),
			hev("to", incident.Triggered, to),
			hev("next-day", incident.Triggered, utc("2026-11-02T00:00:00Z")),
		)
		tests := []struct {
			name     string
			from, to time.Time
			want     []string
		}{
			{"from inclusive, to exclusive", from, to, []string{"from", "oct-last", "nov-first", "jst-midnight", "last"}},
			{"one UTC day", utc("2026-11-01T00:00:00Z"), utc("2026-11-02T00:00:00Z"), []string{"nov-first", "jst-midnight", "last", "to"}},
			{"the last instant of October", utc("2026-10-31T23:59:59.999999999Z"), utc("2026-11-01T00:00:00Z"), []string{"oct-last"}},
			{"the JST day of 1 November", utc("2026-10-31T15:00:00Z"), utc("2026-11-01T15:00:00Z"), []string{"oct-last", "nov-first"}},
			{"everything", utc("2026-10-01T00:00:00Z"), utc("2026-12-01T00:00:00Z"), []string{"before", "from", "oct-last", "nov-first", "jst-midnight", "last", "to", "next-day"}},
			{"empty range", from, from, nil},
			{"reversed range", to, from, nil},
			{"nothing there", utc("2026-11-05T00:00:00Z"), utc("2026-11-06T00:00:00Z"), nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				if got := ids(between(t, h, tt.from, tt.to)); !slices.Equal(got, tt.want) {
					t.Errorf("Between(%s, %s) = %v, want %v", tt.from, tt.to, got, tt.want)
				}
			})
		}
	})

	t.Run("kept HistoryTTL", func(t *testing.T) {
		clk := newClock()
		h := historyOf(t, newStore(t, clk.Now))
		appendAll(t, h,
			hev("expired", incident.Triggered, t0.Add(-state.HistoryTTL)),
			hev("oldest", incident.Triggered, t0.Add(-state.HistoryTTL+time.Second)),
			hev("new", incident.Triggered, t0),
		)
		all := func() []string { return ids(between(t, h, t0.Add(-state.HistoryTTL-time.Hour), t0.Add(time.Hour))) }
		if got, want := all(), []string{"oldest", "new"}; !slices.Equal(got, want) {
			t.Errorf("at t0: %v, want %v", got, want)
		}
		clk.Add(time.Second)
		if got, want := all(), []string{"new"}; !slices.Equal(got, want) {
			t.Errorf("a second later: %v, want %v", got, want)
		}
	})
}

func testHistoryBadArguments(t *testing.T, newStore newStoreFunc) {
	h := historyOf(t, newStore(t, newClock().Now))
	ctx := t.Context()
	ok := hev("e1", incident.Triggered, t0)
	without := func(edit func(*state.HistoryEvent)) state.HistoryEvent {
		e := ok
		edit(&e)
		return e
	}
	tests := []struct {
		name string
		call func() error
	}{
		{"no event id", func() error { return h.Append(ctx, without(func(e *state.HistoryEvent) { e.EventID = "" })) }},
		{"no incident id", func() error { return h.Append(ctx, without(func(e *state.HistoryEvent) { e.IncidentID = "" })) }},
		{"no instant", func() error { return h.Append(ctx, without(func(e *state.HistoryEvent) { e.At = time.Time{} })) }},
		{"a range longer than history", func() error {
			_, err := h.Between(ctx, t0.Add(-time.Hour), t0.Add(2*state.HistoryTTL))
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if err == nil {
				t.Fatal("no error")
			}
			if errors.Is(err, state.ErrUnavailable) || !strings.HasPrefix(err.Error(), "state: ") {
				t.Errorf("%v: want a plain error starting with state: ", err)
			}
		})
	}
	// A whole history is not too long.
	if _, err := h.Between(ctx, t0.Add(-2*state.HistoryTTL), t0.Add(24*time.Hour)); err != nil {
		t.Errorf("Between(the whole history): %v", err)
	}
}

func TestMemoryHistoryBound(t *testing.T) {
	m := state.NewMemory()
	m.Now = newClock().Now
	ctx := t.Context()
	start := t0.Add(-24 * time.Hour)
	at := func(i int) time.Time { return start.Add(time.Duration(i) * time.Millisecond) }
	for i := range state.MaxMemoryHistory + 1 {
		if err := m.Append(ctx, hev(fmt.Sprint("e", i), incident.Annotated, at(i))); err != nil {
			t.Fatal(err)
		}
	}
	// Older than everything kept: in and out at once.
	if err := m.Append(ctx, hev("late", incident.Annotated, at(-1))); err != nil {
		t.Fatal(err)
	}
	got, err := m.Between(ctx, at(-1), t0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != state.MaxMemoryHistory || got[0].EventID != "e1" || got[len(got)-1].EventID != fmt.Sprint("e", state.MaxMemoryHistory) {
		t.Errorf("%d events from %s to %s, want the newest %d", len(got), got[0].EventID, got[len(got)-1].EventID, state.MaxMemoryHistory)
	}
}

// limited makes every Query return at most limit items a page, so that
// the stores' pagination runs.
type limited struct {
	state.DynamoDBAPI
	limit   int32
	queries int
}

func (l *limited) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	c := *in
	c.Limit = aws.Int32(l.limit)
	l.queries++
	return l.DynamoDBAPI.Query(ctx, &c, optFns...)
}

// TestDynamoDBPages runs History and Followups with pages of 2 items.
func TestDynamoDBPages(t *testing.T) {
	var l *limited
	newStore := newDynamoDBStore(func(api state.DynamoDBAPI) state.DynamoDBAPI {
		l = &limited{DynamoDBAPI: api, limit: 2}
		return l
	})
	t.Run("history", func(t *testing.T) { testHistory(t, newStore) })
	t.Run("followups", func(t *testing.T) { testFollowups(t, newStore) })

	h := historyOf(t, newStore(t, newClock().Now))
	for i := range 7 {
		if err := h.Append(t.Context(), hev(fmt.Sprint("e", i), incident.Annotated, t0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	l.queries = 0
	got, err := h.Between(t.Context(), t0, t0.Add(time.Hour))
	if err != nil || len(got) != 7 {
		t.Fatalf("Between = %d events, %v; want 7", len(got), err)
	}
	if l.queries < 4 {
		t.Errorf("%d queries for 7 events in pages of 2", l.queries)
	}
}

// TestDynamoDBHistoryItems reads the raw items: keys, attributes, expiry.
func TestDynamoDBHistoryItems(t *testing.T) {
	c := newDynamoClient(t)
	table := newTable(t, c)
	s := state.NewDynamoDB(c, table)
	s.Now = newClock().Now
	at := time.Date(2026, 11, 20, 0, 30, 0, 0, time.FixedZone("JST", 9*3600)) // 2026-11-19T15:30Z
	if err := s.Append(t.Context(), hev("e1", incident.Triggered, at)); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetItem(t.Context(), &dynamodb.GetItemInput{
		TableName: aws.String(table),
		Key: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "history#2026-11-19"},
			"sk": &types.AttributeValueMemberS{Value: "2026-11-19T15:30:00.000000000Z#e1"},
		},
	})
	if err != nil || out.Item == nil {
		t.Fatalf("no item at the documented key: %v", err)
	}
	want := map[string]string{
		"event_id": "e1", "incident_id": "Q1", "kind": "triggered", "at": "2026-11-19T15:30:00Z",
		"agent": "Ann", "service_id": "S1", "service": "db", "urgency": "high", "title": "Disk full <!here>",
		"fingerprint": "fp-disk",
	}
	for attr, v := range want {
		if s, ok := out.Item[attr].(*types.AttributeValueMemberS); !ok || s.Value != v {
			t.Errorf("%s = %#v, want %q", attr, out.Item[attr], v)
		}
	}
	numAttr := func(attr string) int64 {
		n, ok := out.Item[attr].(*types.AttributeValueMemberN)
		if !ok {
			t.Fatalf("%s is %T, want a number", attr, out.Item[attr])
		}
		v, _ := strconv.ParseInt(n.Value, 10, 64)
		return v
	}
	if got := numAttr("number"); got != 42 {
		t.Errorf("number %d", got)
	}
	if got, want := numAttr("expires_at"), at.Add(state.HistoryTTL).Unix(); got != want {
		t.Errorf("expires_at %d, want At + HistoryTTL = %d", got, want)
	}
	if b, ok := out.Item["working_time"].(*types.AttributeValueMemberBOOL); !ok || !b.Value {
		t.Errorf("working_time %#v", out.Item["working_time"])
	}
	if l, ok := out.Item["on_call"].(*types.AttributeValueMemberL); !ok || len(l.Value) != 2 {
		t.Errorf("on_call %#v", out.Item["on_call"])
	}
}

// Query lets faulty fail Queries too.
func (f *faulty) Query(ctx context.Context, in *dynamodb.QueryInput, optFns ...func(*dynamodb.Options)) (*dynamodb.QueryOutput, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.DynamoDBAPI.Query(ctx, in, optFns...)
}

// TestDynamoDBHistoryAndFollowupFaults: DynamoDB's failures are
// ErrUnavailable, its answers are not, and every error says where.
func TestDynamoDBHistoryAndFollowupFaults(t *testing.T) {
	c := newDynamoClient(t)
	table := newTable(t, c)
	ops := []struct {
		name, prefix string
		call         func(ctx context.Context, s *state.DynamoDB) error
	}{
		{"Append", "state: append history event e1 of incident#Q1: ", func(ctx context.Context, s *state.DynamoDB) error {
			return s.Append(ctx, hev("e1", incident.Triggered, t0))
		}},
		{"Between", "state: read history 2026-11-20T09:00:00Z to 2026-11-20T11:00:00Z: day 2026-11-20: ", func(ctx context.Context, s *state.DynamoDB) error {
			_, err := s.Between(ctx, t0.Add(-time.Hour), t0.Add(time.Hour))
			return err
		}},
		{"Await", "state: await pending#Q1: ", func(ctx context.Context, s *state.DynamoDB) error {
			return s.Await(ctx, pending("Q1", t0))
		}},
		{"Settle", "state: settle pending#Q1: ", func(ctx context.Context, s *state.DynamoDB) error {
			return s.Settle(ctx, "Q1")
		}},
		{"Waiting", "state: list pending: ", func(ctx context.Context, s *state.DynamoDB) error {
			_, err := s.Waiting(ctx)
			return err
		}},
		{"Mentioned", "state: record follow-up 1 of pending#Q1: ", func(ctx context.Context, s *state.DynamoDB) error {
			_, err := s.Mentioned(ctx, "Q1", 1)
			return err
		}},
	}
	tests := []struct {
		name        string
		err         error
		unavailable bool
	}{
		{"throttling", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, true},
		{"internal server error", &types.InternalServerError{Message: aws.String("oops")}, true},
		{"validation", &smithy.GenericAPIError{Code: "ValidationException", Message: "bad expression", Fault: smithy.FaultClient}, false},
	}
	for _, tt := range tests {
		for _, o := range ops {
			t.Run(tt.name+"/"+o.name, func(t *testing.T) {
				s := state.NewDynamoDB(&faulty{DynamoDBAPI: c, failures: 1, err: tt.err}, table)
				s.Now = newClock().Now
				err := o.call(t.Context(), s)
				if err == nil {
					t.Fatal("no error")
				}
				if got := errors.Is(err, state.ErrUnavailable); got != tt.unavailable {
					t.Errorf("errors.Is(%v, ErrUnavailable) = %v, want %v", err, got, tt.unavailable)
				}
				if !errors.Is(err, tt.err) || !strings.HasPrefix(err.Error(), o.prefix) {
					t.Errorf("%q: want it to wrap %v and start %q", err, tt.err, o.prefix)
				}
				if err := o.call(t.Context(), s); err != nil {
					t.Errorf("after the fault: %v", err)
				}
			})
		}
	}
}
