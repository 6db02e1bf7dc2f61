package dynamodb_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
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

// newDynamoDBStore returns a statetest.NewStore on a fresh dynalite table;
// wrap, when not nil, wraps the client.
func newDynamoDBStore(wrap func(dynamodb.API) dynamodb.API) statetest.NewStore {
	return func(t *testing.T, now func() time.Time) state.Store {
		c := newDynamoClient(t)
		var api dynamodb.API = c
		if wrap != nil {
			api = wrap(c)
		}
		s := dynamodb.New(api, newTable(t, c))
		s.Now = now
		return s
	}
}

// TestDynamoDB runs the suite every state.Store passes, on dynalite.
func TestDynamoDB(t *testing.T) {
	statetest.Run(t, newDynamoDBStore(nil))
}

// TestDynamoDBWithOldItems runs the suite as real DynamoDB answers: a failed
// condition returns the old item (ReturnValuesOnConditionCheckFailure),
// which dynalite ignores. allOld adds it, so both of the store's paths run.
func TestDynamoDBWithOldItems(t *testing.T) {
	statetest.Run(t, newDynamoDBStore(func(api dynamodb.API) dynamodb.API { return &allOld{API: api} }))
}

// allOld fills ConditionalCheckFailedException.Item when asked to, as
// DynamoDB does, by reading the item after the fact.
type allOld struct {
	dynamodb.API
	mu       sync.Mutex
	returned int // old items it added
}

func (a *allOld) fill(ctx context.Context, err error, asked types.ReturnValuesOnConditionCheckFailure, table *string, key map[string]types.AttributeValue) error {
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) || asked != types.ReturnValuesOnConditionCheckFailureAllOld {
		return err
	}
	if ccf.Item != nil {
		panic("dynalite returned the old item: drop allOld and update the docs")
	}
	out, getErr := a.API.GetItem(ctx, &awsdynamodb.GetItemInput{TableName: table, Key: key, ConsistentRead: aws.Bool(true)})
	if getErr != nil {
		return getErr
	}
	ccf.Item = out.Item
	a.mu.Lock()
	a.returned++
	a.mu.Unlock()
	return err
}

func (a *allOld) PutItem(ctx context.Context, in *awsdynamodb.PutItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.PutItemOutput, error) {
	out, err := a.API.PutItem(ctx, in, optFns...)
	key := map[string]types.AttributeValue{dynamodb.PartitionKey: in.Item[dynamodb.PartitionKey], dynamodb.SortKey: in.Item[dynamodb.SortKey]}
	return out, a.fill(ctx, err, in.ReturnValuesOnConditionCheckFailure, in.TableName, key)
}

func (a *allOld) UpdateItem(ctx context.Context, in *awsdynamodb.UpdateItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.UpdateItemOutput, error) {
	out, err := a.API.UpdateItem(ctx, in, optFns...)
	return out, a.fill(ctx, err, in.ReturnValuesOnConditionCheckFailure, in.TableName, in.Key)
}

// TestDynamoDBCallsWithOldItems checks that, where DynamoDB returns the
// old item, a redelivery costs one request and no read.
func TestDynamoDBCallsWithOldItems(t *testing.T) {
	c := newDynamoClient(t)
	calls := &counting{API: c}
	old := &allOld{API: calls}
	s := dynamodb.New(old, newTable(t, c))
	ctx := t.Context()
	if _, err := s.Claim(ctx, "ev1", "slack:C1", statetest.Lease); err != nil {
		t.Fatal(err)
	}
	if err := s.Done(ctx, "ev1", "slack:C1", true, "1.1"); err != nil {
		t.Fatal(err)
	}
	calls.reset()
	got, err := s.Claim(ctx, "ev1", "slack:C1", statetest.Lease)
	if err != nil || got != state.AlreadyPosted {
		t.Fatalf("Claim = %v, %v; want already posted", got, err)
	}
	// allOld's own GetItem goes through calls too: 1 PutItem + its 1 GetItem.
	if n := calls.total(); n != 2 || old.returned != 1 {
		t.Errorf("redelivery: %d requests with %d emulated old items, want the PutItem and the emulation's GetItem", n, old.returned)
	}
}

// TestDynamoDBItems reads the raw items: the TTL attribute and the key
// shapes documented in dynamodb.go.
func TestDynamoDBItems(t *testing.T) {
	c := newDynamoClient(t)
	table := newTable(t, c)
	s := dynamodb.New(c, table) // the real clock: expires_at must be real
	ctx := t.Context()
	get := func(t *testing.T, pk, sk string) map[string]types.AttributeValue {
		t.Helper()
		out, err := c.GetItem(ctx, &awsdynamodb.GetItemInput{
			TableName: aws.String(table),
			Key: map[string]types.AttributeValue{
				"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberS{Value: sk},
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		if out.Item == nil {
			t.Fatalf("no item pk=%s sk=%s", pk, sk)
		}
		return out.Item
	}
	number := func(t *testing.T, item map[string]types.AttributeValue, attr string) int64 {
		t.Helper()
		n, ok := item[attr].(*types.AttributeValueMemberN)
		if !ok {
			t.Fatalf("%s is %T, want a number", attr, item[attr])
		}
		v, err := strconv.ParseInt(n.Value, 10, 64)
		if err != nil {
			t.Fatalf("%s: %v", attr, err)
		}
		return v
	}
	text := func(item map[string]types.AttributeValue, attr string) string {
		if s, ok := item[attr].(*types.AttributeValueMemberS); ok {
			return s.Value
		}
		return fmt.Sprintf("%T", item[attr])
	}

	t.Run("delivery", func(t *testing.T) {
		before := time.Now()
		if _, err := s.Claim(ctx, "ev1", "slack:C1", statetest.Lease); err != nil {
			t.Fatal(err)
		}
		item := get(t, "delivery#ev1", "dest#slack:C1")
		if got := text(item, "status"); got != "claimed" {
			t.Errorf("status %s, want claimed", got)
		}
		if got, min := number(t, item, "lease_until"), before.Add(statetest.Lease).UnixMilli(); got < min {
			t.Errorf("lease_until %d, want ≥ %d (epoch ms)", got, min)
		}
		if got, min := number(t, item, "expires_at"), before.Add(72*time.Hour).Unix(); got < min {
			t.Errorf("claimed: expires_at %d, want ≥ now+72h = %d", got, min)
		}

		before = time.Now()
		if err := s.Done(ctx, "ev1", "slack:C1", true, "1700000000.000100"); err != nil {
			t.Fatal(err)
		}
		item = get(t, "delivery#ev1", "dest#slack:C1")
		if got := text(item, "status"); got != "posted" {
			t.Errorf("status %s, want posted", got)
		}
		if got := text(item, "ref"); got != "1700000000.000100" {
			t.Errorf("ref %s", got)
		}
		if _, ok := item["lease_until"]; ok {
			t.Error("lease_until kept after Done")
		}
		if got, min := number(t, item, "expires_at"), before.Add(72*time.Hour).Unix(); got < min {
			t.Errorf("posted: expires_at %d, want ≥ now+72h = %d", got, min)
		}
	})

	t.Run("incident", func(t *testing.T) {
		before := time.Now()
		if _, err := s.Record(ctx, statetest.FullTrigger()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetThread(ctx, "Q1", "slack:C1", "1.1"); err != nil {
			t.Fatal(err)
		}
		item := get(t, "incident#Q1", "meta")
		if got := number(t, item, "number"); got != 42 {
			t.Errorf("number %d", got)
		}
		for attr, want := range map[string]string{"id": "Q1", "title": "Disk full", "service": "db", "urgency": "high", "priority": "P1"} {
			if got := text(item, attr); got != want {
				t.Errorf("%s %s, want %s", attr, got, want)
			}
		}
		steps, ok := item["steps"].(*types.AttributeValueMemberL)
		if !ok || len(steps.Value) != 1 {
			t.Fatalf("steps %#v, want a list of 1", item["steps"])
		}
		st := steps.Value[0].(*types.AttributeValueMemberM).Value
		if text(st, "kind") != "triggered" || text(st, "agent") != "Monitoring" || text(st, "at") != "2026-11-20T09:00:00Z" {
			t.Errorf("step %v", st)
		}
		threads, ok := item["threads"].(*types.AttributeValueMemberM)
		if !ok || text(threads.Value, "slack:C1") != "1.1" {
			t.Errorf("threads %#v", item["threads"])
		}
		if got, min := number(t, item, "expires_at"), before.Add(state.IncidentTTL).Unix(); got < min {
			t.Errorf("expires_at %d, want ≥ now+IncidentTTL = %d", got, min)
		}
	})

	t.Run("table", func(t *testing.T) {
		out, err := c.DescribeTable(ctx, &awsdynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]types.KeyType{}
		for _, k := range out.Table.KeySchema {
			keys[aws.ToString(k.AttributeName)] = k.KeyType
		}
		attrTypes := map[string]types.ScalarAttributeType{}
		for _, a := range out.Table.AttributeDefinitions {
			attrTypes[aws.ToString(a.AttributeName)] = a.AttributeType
		}
		if len(keys) != 2 || keys[dynamodb.PartitionKey] != "HASH" || keys[dynamodb.SortKey] != "RANGE" ||
			attrTypes[dynamodb.PartitionKey] != "S" || attrTypes[dynamodb.SortKey] != "S" {
			t.Errorf("keys %v of types %v, want pk HASH S and sk RANGE S", keys, attrTypes)
		}
		if out.Table.BillingModeSummary == nil || out.Table.BillingModeSummary.BillingMode != "PAY_PER_REQUEST" {
			t.Errorf("billing %+v, want PAY_PER_REQUEST", out.Table.BillingModeSummary)
		}
		if ttl := dynamodb.UpdateTimeToLiveInput(table).TimeToLiveSpecification; aws.ToString(ttl.AttributeName) != "expires_at" || !aws.ToBool(ttl.Enabled) {
			t.Errorf("TTL specification %+v, want expires_at enabled", ttl)
		}
	})
}

// counting counts the requests made through it.
type counting struct {
	dynamodb.API
	mu sync.Mutex
	n  map[string]int
}

func (c *counting) count(op string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[op]++
}

func (c *counting) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n = nil
}

func (c *counting) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, v := range c.n {
		n += v
	}
	return n
}

func (c *counting) GetItem(ctx context.Context, in *awsdynamodb.GetItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.GetItemOutput, error) {
	c.count("GetItem")
	return c.API.GetItem(ctx, in, optFns...)
}

func (c *counting) PutItem(ctx context.Context, in *awsdynamodb.PutItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.PutItemOutput, error) {
	c.count("PutItem")
	return c.API.PutItem(ctx, in, optFns...)
}

func (c *counting) UpdateItem(ctx context.Context, in *awsdynamodb.UpdateItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.UpdateItemOutput, error) {
	c.count("UpdateItem")
	return c.API.UpdateItem(ctx, in, optFns...)
}

func (c *counting) DeleteItem(ctx context.Context, in *awsdynamodb.DeleteItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.DeleteItemOutput, error) {
	c.count("DeleteItem")
	return c.API.DeleteItem(ctx, in, optFns...)
}

// faulty fails the first failures calls with err, then passes calls on.
type faulty struct {
	dynamodb.API
	mu       sync.Mutex
	failures int
	err      error
}

func (f *faulty) fail() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures > 0 {
		f.failures--
		return f.err
	}
	return nil
}

func (f *faulty) GetItem(ctx context.Context, in *awsdynamodb.GetItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.GetItemOutput, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.API.GetItem(ctx, in, optFns...)
}

func (f *faulty) PutItem(ctx context.Context, in *awsdynamodb.PutItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.PutItemOutput, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.API.PutItem(ctx, in, optFns...)
}

func (f *faulty) UpdateItem(ctx context.Context, in *awsdynamodb.UpdateItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.UpdateItemOutput, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.API.UpdateItem(ctx, in, optFns...)
}

func (f *faulty) DeleteItem(ctx context.Context, in *awsdynamodb.DeleteItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.DeleteItemOutput, error) {
	if err := f.fail(); err != nil {
		return nil, err
	}
	return f.API.DeleteItem(ctx, in, optFns...)
}

// storeOps are one call of each Store method, on incident Q1 and delivery
// ev1 → slack:C1, with the prefix each error must carry.
var storeOps = []struct {
	name, prefix string
	call         func(ctx context.Context, s state.Store) error
}{
	{"Claim", "state: claim delivery#ev1 dest#slack:C1: ", func(ctx context.Context, s state.Store) error {
		_, err := s.Claim(ctx, "ev1", "slack:C1", statetest.Lease)
		return err
	}},
	{"Done", "state: done delivery#ev1 dest#slack:C1: ", func(ctx context.Context, s state.Store) error {
		return s.Done(ctx, "ev1", "slack:C1", true, "1.1")
	}},
	{"Release", "state: release delivery#ev1 dest#slack:C1: ", func(ctx context.Context, s state.Store) error {
		return s.Release(ctx, "ev1", "slack:C1")
	}},
	{"Record", "state: record incident#Q1: ", func(ctx context.Context, s state.Store) error {
		_, err := s.Record(ctx, statetest.FullTrigger())
		return err
	}},
	{"Incident", "state: read incident#Q1: ", func(ctx context.Context, s state.Store) error {
		_, _, err := s.Incident(ctx, "Q1")
		return err
	}},
	{"SetThread", "state: set thread of incident#Q1 in slack:C1: ", func(ctx context.Context, s state.Store) error {
		_, err := s.SetThread(ctx, "Q1", "slack:C1", "1.1")
		return err
	}},
}

// TestDynamoDBFaults injects failures in front of dynalite: the store's
// failures are ErrUnavailable, its answers are not, and it recovers.
func TestDynamoDBFaults(t *testing.T) {
	c := newDynamoClient(t)
	table := newTable(t, c)
	tests := []struct {
		name        string
		err         error
		unavailable bool
	}{
		{"provisioned throughput exceeded", &types.ProvisionedThroughputExceededException{Message: aws.String("slow down")}, true},
		{"request limit exceeded", &types.RequestLimitExceeded{Message: aws.String("account limit")}, true},
		{"throttling", &smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, true},
		{"internal server error", &types.InternalServerError{Message: aws.String("oops")}, true},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, true},
		{"deadline", fmt.Errorf("operation error DynamoDB: PutItem: %w", context.DeadlineExceeded), true},
		{"validation", &smithy.GenericAPIError{Code: "ValidationException", Message: "bad expression", Fault: smithy.FaultClient}, false},
		{"table missing", &types.ResourceNotFoundException{Message: aws.String("no table")}, false},
	}
	for _, tt := range tests {
		for _, o := range storeOps {
			t.Run(tt.name+"/"+o.name, func(t *testing.T) {
				f := &faulty{API: c, failures: 1, err: tt.err}
				s := dynamodb.New(f, table)
				err := o.call(t.Context(), s)
				if err == nil {
					t.Fatal("no error")
				}
				if got := errors.Is(err, state.ErrUnavailable); got != tt.unavailable {
					t.Errorf("errors.Is(%v, ErrUnavailable) = %v, want %v", err, got, tt.unavailable)
				}
				if !errors.Is(err, tt.err) && !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("%v does not wrap %v", err, tt.err)
				}
				if !strings.HasPrefix(err.Error(), o.prefix) {
					t.Errorf("%q does not start %q", err, o.prefix)
				}
				if err := o.call(t.Context(), s); err != nil {
					t.Errorf("after the fault: %v", err)
				}
			})
		}
	}
}

// TestDynamoDBServerErrors points the real SDK client at failing servers:
// the classification sees the SDK's own error types.
func TestDynamoDBServerErrors(t *testing.T) {
	respond := func(status int, typ string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/x-amz-json-1.0")
			w.WriteHeader(status)
			if typ != "" {
				fmt.Fprintf(w, `{"__type":"com.amazonaws.dynamodb.v20120810#%s","message":"from the test server"}`, typ)
			}
		}
	}
	tests := []struct {
		name        string
		handler     http.HandlerFunc
		unavailable bool
	}{
		{"500 internal server error", respond(500, "InternalServerError"), true},
		{"503 without body", respond(503, ""), true},
		{"throughput exceeded", respond(400, "ProvisionedThroughputExceededException"), true},
		{"throttling", respond(400, "ThrottlingException"), true},
		{"validation", respond(400, "ValidationException"), false},
		{"access denied", respond(400, "AccessDeniedException"), false},
		{"hangs past the timeout", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body) // then the server notices the client hanging up
			select {                           // or gives up by itself: srv.Close waits for handlers
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			c := dynamoClient(srv.URL, func(o *awsdynamodb.Options) { o.RetryMaxAttempts = 1 })
			s := dynamodb.New(c, "pd2chat")
			s.Timeout = 200 * time.Millisecond
			for _, o := range storeOps {
				err := o.call(t.Context(), s)
				if err == nil {
					t.Fatalf("%s: no error", o.name)
				}
				if got := errors.Is(err, state.ErrUnavailable); got != tt.unavailable {
					t.Errorf("%s: errors.Is(%v, ErrUnavailable) = %v, want %v", o.name, err, got, tt.unavailable)
				}
			}
		})
	}
	t.Run("nobody listening", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		l.Close()
		c := dynamoClient("http://"+addr, func(o *awsdynamodb.Options) { o.RetryMaxAttempts = 1 })
		s := dynamodb.New(c, "pd2chat")
		for _, o := range storeOps {
			if err := o.call(t.Context(), s); !errors.Is(err, state.ErrUnavailable) {
				t.Errorf("%s: %v, want ErrUnavailable", o.name, err)
			}
		}
	})
}

// TestDynamoDBRecordConflicts makes every write lose: Record gives up with
// ErrUnavailable after a bounded number of attempts.
func TestDynamoDBRecordConflicts(t *testing.T) {
	c := newDynamoClient(t)
	s := dynamodb.New(&alwaysConflicting{API: c}, newTable(t, c))
	_, err := s.Record(t.Context(), statetest.StatusEvent(incident.Acknowledged, "Ann", statetest.T0))
	if !errors.Is(err, state.ErrUnavailable) || !strings.HasPrefix(err.Error(), "state: record incident#Q1: ") {
		t.Fatalf("Record under endless conflicts: %v, want ErrUnavailable", err)
	}
}

// alwaysConflicting bumps the item's version before every UpdateItem, as a
// faster writer would.
type alwaysConflicting struct{ dynamodb.API }

func (a *alwaysConflicting) UpdateItem(ctx context.Context, in *awsdynamodb.UpdateItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.UpdateItemOutput, error) {
	_, err := a.API.UpdateItem(ctx, &awsdynamodb.UpdateItemInput{
		TableName:                 in.TableName,
		Key:                       in.Key,
		UpdateExpression:          aws.String("ADD #version :one"),
		ExpressionAttributeNames:  map[string]string{"#version": "version"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":one": &types.AttributeValueMemberN{Value: "1"}},
	})
	if err != nil {
		return nil, err
	}
	return a.API.UpdateItem(ctx, in, optFns...)
}

// TestDynamoDBRecordOverVersion: an incident as the store returns it
// carries its Version, so that RecordOver over it is one UpdateItem and no
// read; over a stale read it is refused, and merged into the newer one.
func TestDynamoDBRecordOverVersion(t *testing.T) {
	c := newDynamoClient(t)
	calls := &counting{API: c}
	s := dynamodb.New(calls, newTable(t, c))
	ctx := t.Context()
	if inc, ok, err := s.Incident(ctx, "Q1"); err != nil || ok || inc.Version != 0 {
		t.Fatalf("Incident(never stored) = version %d, %v, %v; want 0, not found", inc.Version, ok, err)
	}
	first, err := s.RecordOver(ctx, state.Incident{}, statetest.FullTrigger())
	if err != nil {
		t.Fatal(err)
	}
	read, _, err := s.Incident(ctx, "Q1")
	if err != nil {
		t.Fatal(err)
	}
	if first.Version == 0 || read.Version != first.Version {
		t.Fatalf("versions: recorded %d, read %d; want the same, not 0", first.Version, read.Version)
	}
	calls.reset()
	second, err := s.RecordOver(ctx, read, statetest.StatusEvent(incident.Acknowledged, "Ann", statetest.T0))
	if err != nil {
		t.Fatal(err)
	}
	if n := calls.total(); n != 1 || second.Version != read.Version+1 {
		t.Errorf("over a fresh read: %d requests, version %d; want 1 (no read), version %d", n, second.Version, read.Version+1)
	}
	calls.reset()
	third, err := s.RecordOver(ctx, read, statetest.StatusEvent(incident.Resolved, "Bob", statetest.T0.Add(time.Hour))) // read is stale now
	if err != nil {
		t.Fatal(err)
	}
	if n := calls.total(); n < 2 || third.Version != second.Version+1 || len(third.Steps) != 3 {
		t.Errorf("over a stale read: %d requests, version %d, %d steps; want a retry, version %d, 3 steps", n, third.Version, len(third.Steps), second.Version+1)
	}
}
