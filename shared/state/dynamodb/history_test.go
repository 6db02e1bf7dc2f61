package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/dynamodb"
	"github.com/pd2chat/pd2chat/shared/state/statetest"
)

// limited makes every Query return at most limit items a page, so that
// the stores' pagination runs.
type limited struct {
	dynamodb.API
	limit   int32
	queries int
}

func (l *limited) Query(ctx context.Context, in *awsdynamodb.QueryInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.QueryOutput, error) {
	c := *in
	c.Limit = aws.Int32(l.limit)
	l.queries++
	return l.API.Query(ctx, &c, optFns...)
}

// TestDynamoDBPages runs History and Followups with pages of 2 items.
func TestDynamoDBPages(t *testing.T) {
	var l *limited
	newStore := newDynamoDBStore(func(api dynamodb.API) dynamodb.API {
		l = &limited{API: api, limit: 2}
		return l
	})
	t.Run("history", func(t *testing.T) { statetest.RunHistory(t, newStore) })
	t.Run("followups", func(t *testing.T) { statetest.RunFollowups(t, newStore) })

	h := newStore(t, statetest.NewClock().Now)
	for i := range 7 {
		if err := h.Append(t.Context(), statetest.HistoryEvent(fmt.Sprint("e", i), incident.Annotated, statetest.T0.Add(time.Duration(i)*time.Minute))); err != nil {
			t.Fatal(err)
		}
	}
	l.queries = 0
	got, err := h.Between(t.Context(), statetest.T0, statetest.T0.Add(time.Hour))
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
	s := dynamodb.New(c, table)
	s.Now = statetest.NewClock().Now
	at := time.Date(2026, 11, 20, 0, 30, 0, 0, time.FixedZone("JST", 9*3600)) // 2026-11-19T15:30Z
	if err := s.Append(t.Context(), statetest.HistoryEvent("e1", incident.Triggered, at)); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetItem(t.Context(), &awsdynamodb.GetItemInput{
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
func (f *faulty) Query(ctx context.Context, in *awsdynamodb.QueryInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.QueryOutput, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.API.Query(ctx, in, optFns...)
}

// TestDynamoDBHistoryAndFollowupFaults: DynamoDB's failures are
// ErrUnavailable, its answers are not, and every error says where.
func TestDynamoDBHistoryAndFollowupFaults(t *testing.T) {
	c := newDynamoClient(t)
	table := newTable(t, c)
	ops := []struct {
		name, prefix string
		call         func(ctx context.Context, s *dynamodb.Store) error
	}{
		{"Append", "state: append history event e1 of incident#Q1: ", func(ctx context.Context, s *dynamodb.Store) error {
			return s.Append(ctx, statetest.HistoryEvent("e1", incident.Triggered, statetest.T0))
		}},
		{"Between", "state: read history 2026-11-20T09:00:00Z to 2026-11-20T11:00:00Z: day 2026-11-20: ", func(ctx context.Context, s *dynamodb.Store) error {
			_, err := s.Between(ctx, statetest.T0.Add(-time.Hour), statetest.T0.Add(time.Hour))
			return err
		}},
		{"Await", "state: await pending#Q1: ", func(ctx context.Context, s *dynamodb.Store) error {
			return s.Await(ctx, statetest.Pending("Q1", statetest.T0))
		}},
		{"Settle", "state: settle pending#Q1: ", func(ctx context.Context, s *dynamodb.Store) error {
			return s.Settle(ctx, "Q1")
		}},
		{"Waiting", "state: list pending: ", func(ctx context.Context, s *dynamodb.Store) error {
			_, err := s.Waiting(ctx)
			return err
		}},
		{"Mentioned", "state: record follow-up 1 of pending#Q1: ", func(ctx context.Context, s *dynamodb.Store) error {
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
				s := dynamodb.New(&faulty{API: c, failures: 1, err: tt.err}, table)
				s.Now = statetest.NewClock().Now
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
