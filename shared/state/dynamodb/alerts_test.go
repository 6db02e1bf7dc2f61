package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/pd2chat/pd2chat/shared/state"
	"github.com/pd2chat/pd2chat/shared/state/dynamodb"
	"github.com/pd2chat/pd2chat/shared/state/statetest"
)

// TestDynamoDBAlertItem reads the raw item: the key and attributes documented
// in alerts.go, and the TTL.
func TestDynamoDBAlertItem(t *testing.T) {
	c := newDynamoClient(t)
	table := newTable(t, c)
	calls := &counting{API: c}
	s := dynamodb.New(calls, table) // the real clock: expires_at must be real
	ctx := t.Context()
	before := time.Now()
	if _, err := s.RecordSighting(ctx, "fp1", "e1", statetest.T0); err != nil {
		t.Fatal(err)
	}
	if _, err := s.RecordSighting(ctx, "fp1", "e2", statetest.T0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := calls.total(); n != 2 {
		t.Errorf("two firings took %d requests, want one each", n)
	}
	out, err := c.GetItem(ctx, &awsdynamodb.GetItemInput{
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
		"count": 2, "first": statetest.T0.UnixMilli(), "last": statetest.T0.Add(time.Hour).UnixMilli(),
		"prev_count": 1, "prev_first": statetest.T0.UnixMilli(), "prev_last": statetest.T0.UnixMilli(),
	} {
		if got := number(attr); got != want {
			t.Errorf("%s = %d, want %d", attr, got, want)
		}
	}
	if got, ok := out.Item["last_event"].(*types.AttributeValueMemberS); !ok || got.Value != "e2" {
		t.Errorf("last_event = %#v, want e2", out.Item["last_event"])
	}
	if got, min := number(dynamodb.TTLAttribute), before.Add(state.AlertTTL).Unix(); got < min || got > min+60 {
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
			s := dynamodb.New(&faulty{API: c, failures: 1, err: tt.err}, table)
			fp := fmt.Sprint("fp", i)
			_, err := s.RecordSighting(t.Context(), fp, "e1", statetest.T0)
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
			if s, err := s.RecordSighting(t.Context(), fp, "e1", statetest.T0); err != nil || s.Count != 0 {
				t.Errorf("after the fault: %+v, %v; want the first time (the failed call counted nothing)", s, err)
			}
		})
	}
}
