// Package dynamodb is the state.Store on one DynamoDB table, for AWS. It
// passes the suite every store passes (shared/state/statetest), as the
// in-memory store (shared/state/memory) does.
//
// The store keeps everything in ONE table: partition key "pk" (S), sort key
// "sk" (S), TTL attribute "expires_at" (N, epoch seconds), on-demand
// (PAY_PER_REQUEST). CreateTableInput and UpdateTimeToLiveInput describe
// it; the stack must match them.
//
// Delivery — one item per (key, destination):
//
//	pk          S  "delivery#<key>"
//	sk          S  "dest#<dest>"
//	status      S  "claimed" | "posted" | "failed"
//	lease_until N  epoch ms; only while claimed
//	ref         S  chat id of the message (Slack ts); only when known
//	updated_at  N  epoch ms of the last write
//	expires_at  N  epoch s: last write + state.DeliveryTTL
//
// Claim is ONE conditional PutItem of a claimed item:
// attribute_not_exists(pk) OR (status = claimed AND lease_until < now).
// When the condition fails the old item comes back with the error
// (ReturnValuesOnConditionCheckFailure=ALL_OLD; servers that ignore it, such
// as dynalite, cost a consistent GetItem) and tells AlreadyPosted, InFlight
// or AlreadyFailed apart. Done is an UpdateItem that records the outcome
// unless one is there (a post overrides anything but an earlier post; a
// failure overrides only a claim), and also writes when the claim item is
// gone. Release is a DeleteItem conditioned on status = claimed.
//
// Incident — one item per incident:
//
//	pk          S  "incident#<id>"
//	sk          S  "meta"
//	id          S  the incident id
//	number      N  omitted until known
//	title, service, urgency, priority, url  S  omitted until known
//	steps       L  of M {kind S, agent S (omitted when empty), at S (RFC 3339, ns)},
//	               oldest first, at most state.MaxSteps
//	threads     M  destination → S thread parent (Slack ts)
//	version     N  bumped by every Record; absent on an item only SetThread wrote
//	updated_at  N  epoch ms of the last Record
//	expires_at  N  epoch s: last write + state.IncidentTTL
//
// Record is an optimistic read-modify-write: a consistent GetItem, the
// merge rule of every store (state.Incident.With: sorting, dedupe and the
// MaxSteps cap cannot be written as an update expression), then an
// UpdateItem of Record's own attributes conditioned on the version read
// (attribute_not_exists(version) for a new item), retried on conflict a
// few times. RecordOver skips the first read: it starts from the incident
// as read before, at its state.Incident.Version. The write leaves
// "threads" alone, so Record and SetThread never lose each other's updates.
// SetThread is an UpdateItem SET threads.#dest = :ref conditioned on
// attribute_exists(threads) AND attribute_not_exists(threads.#dest); when
// threads is missing (an incident SetThread sees before Record) a second
// UpdateItem creates the map, conditioned on attribute_not_exists(threads).
//
// History and follow-up items (the only ones read by Query): see
// alerts.go, history.go and followups.go.
package dynamodb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
)

// The table's key and TTL attribute names.
const (
	PartitionKey = "pk"
	SortKey      = "sk"
	TTLAttribute = "expires_at"
)

// DefaultTimeout bounds one DynamoDB store operation (with the SDK's own
// retries, and Record's) when Store.Timeout is zero.
const DefaultTimeout = 3 * time.Second

// API is the part of *dynamodb.Client (of the AWS SDK) the store uses.
type API interface {
	GetItem(ctx context.Context, in *awsdynamodb.GetItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *awsdynamodb.PutItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *awsdynamodb.UpdateItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.UpdateItemOutput, error)
	DeleteItem(ctx context.Context, in *awsdynamodb.DeleteItemInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.DeleteItemOutput, error)
	// Query reads the history of a day and the pending follow-ups
	// (history.go, followups.go).
	Query(ctx context.Context, in *awsdynamodb.QueryInput, optFns ...func(*awsdynamodb.Options)) (*awsdynamodb.QueryOutput, error)
}

var _ API = (*awsdynamodb.Client)(nil)

// Store is the state.Store on one DynamoDB table (see the package
// documentation for its keys and items). Failures of DynamoDB itself
// (network, throttling, timeouts, 5xx) wrap state.ErrUnavailable.
type Store struct {
	// Now is the clock; nil means time.Now. Set it before first use.
	Now func() time.Time
	// Timeout bounds each operation (Claim, Record…); zero means
	// DefaultTimeout. The caller's context may end it sooner.
	Timeout time.Duration

	client API
	table  string
}

var _ state.Store = (*Store)(nil)

// New returns the store on table, through client.
func New(client API, table string) *Store {
	return &Store{client: client, table: table}
}

// CreateTableInput is the table the store expects, on demand. The stack
// declares the same; tests and local setups create it with this.
func CreateTableInput(table string) *awsdynamodb.CreateTableInput {
	return &awsdynamodb.CreateTableInput{
		TableName:   aws.String(table),
		BillingMode: types.BillingModePayPerRequest,
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String(PartitionKey), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String(SortKey), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String(PartitionKey), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String(SortKey), KeyType: types.KeyTypeRange},
		},
	}
}

// UpdateTimeToLiveInput turns on the table's TTL on TTLAttribute.
func UpdateTimeToLiveInput(table string) *awsdynamodb.UpdateTimeToLiveInput {
	return &awsdynamodb.UpdateTimeToLiveInput{
		TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{
			AttributeName: aws.String(TTLAttribute),
			Enabled:       aws.Bool(true),
		},
	}
}

const (
	// claimAttempts bounds Claim's retries when the item it lost to is gone
	// by the time it is read (released in between).
	claimAttempts = 3
	// recordAttempts bounds Record's optimistic retries; setThreadAttempts
	// SetThread's.
	recordAttempts    = 10
	setThreadAttempts = 3
)

var errTimeout = errors.New("state: dynamodb operation timed out")

// errNoIncidentID is returned by Record for an event without an incident id:
// a decoding bug upstream, not a store failure.
var errNoIncidentID = errors.New("event has no incident id")

// The states of a delivery record, as stored (attribute "status").
const (
	statusClaimed = "claimed"
	statusPosted  = "posted"
	statusFailed  = "failed"
)

// deliveryName names a delivery in errors, as its keys do.
func deliveryName(key, dest string) string {
	return "delivery#" + key + " dest#" + dest
}

func (d *Store) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// bound limits one operation to d.Timeout.
func (d *Store) bound(ctx context.Context) (context.Context, context.CancelFunc) {
	t := d.Timeout
	if t <= 0 {
		t = DefaultTimeout
	}
	return context.WithTimeoutCause(ctx, t, errTimeout)
}

func deliveryKey(key, dest string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		PartitionKey: &types.AttributeValueMemberS{Value: "delivery#" + key},
		SortKey:      &types.AttributeValueMemberS{Value: "dest#" + dest},
	}
}

func incidentKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		PartitionKey: &types.AttributeValueMemberS{Value: "incident#" + id},
		SortKey:      &types.AttributeValueMemberS{Value: "meta"},
	}
}

func num(n int64) *types.AttributeValueMemberN {
	return &types.AttributeValueMemberN{Value: strconv.FormatInt(n, 10)}
}

func str(s string) *types.AttributeValueMemberS {
	return &types.AttributeValueMemberS{Value: s}
}

// Claim implements state.Deliveries.
func (d *Store) Claim(ctx context.Context, key, dest string, lease time.Duration) (state.ClaimResult, error) {
	name := deliveryName(key, dest)
	if err := state.CheckDelivery(key, dest); err != nil {
		return 0, fmt.Errorf("state: claim %s: %w", name, err)
	}
	if lease <= 0 {
		return 0, fmt.Errorf("state: claim %s: lease %s is not positive", name, lease)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()

	now := d.now()
	item := deliveryKey(key, dest)
	item["status"] = str(statusClaimed)
	item["lease_until"] = num(now.Add(lease).UnixMilli())
	item["updated_at"] = num(now.UnixMilli())
	item[TTLAttribute] = num(now.Add(state.DeliveryTTL).Unix())
	in := &awsdynamodb.PutItemInput{
		TableName:           aws.String(d.table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(#pk) OR (#status = :claimed AND #lease_until < :now)"),
		ExpressionAttributeNames: map[string]string{
			"#pk": PartitionKey, "#status": "status", "#lease_until": "lease_until",
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":claimed": str(statusClaimed), ":now": num(now.UnixMilli()),
		},
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	for range claimAttempts {
		out, err := d.client.PutItem(ctx, in)
		if err == nil {
			if len(out.Attributes) > 0 { // an expired claim was there
				return state.TakenOver, nil
			}
			return state.Claimed, nil
		}
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return 0, fmt.Errorf("state: claim %s: %w", name, classify(ctx, err))
		}
		old := ccf.Item
		if old == nil { // the server ignored ReturnValuesOnConditionCheckFailure
			out, err := d.client.GetItem(ctx, &awsdynamodb.GetItemInput{
				TableName:      aws.String(d.table),
				Key:            deliveryKey(key, dest),
				ConsistentRead: aws.Bool(true),
			})
			if err != nil {
				return 0, fmt.Errorf("state: claim %s: read the claim it lost to: %w", name, classify(ctx, err))
			}
			if out.Item == nil {
				continue // released since: try again
			}
			old = out.Item
		}
		switch s := stringAttr(old, "status"); s {
		case statusPosted:
			return state.AlreadyPosted, nil
		case statusFailed:
			return state.AlreadyFailed, nil
		case statusClaimed:
			return state.InFlight, nil
		default:
			return 0, fmt.Errorf("state: claim %s: stored status %q is unknown", name, s)
		}
	}
	return 0, fmt.Errorf("state: claim %s: claimed and released %d times by others meanwhile: %w", name, claimAttempts, state.ErrUnavailable)
}

// Done implements state.Deliveries. A post overrides anything but an
// earlier post (whose ref is kept); a failure is recorded only over a claim
// (or nothing).
func (d *Store) Done(ctx context.Context, key, dest string, posted bool, ref string) error {
	name := deliveryName(key, dest)
	if err := state.CheckDelivery(key, dest); err != nil {
		return fmt.Errorf("state: done %s: %w", name, err)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()

	now := d.now()
	status, cond := statusFailed, "attribute_not_exists(#pk) OR #status = :claimed"
	values := map[string]types.AttributeValue{":claimed": str(statusClaimed)}
	if posted {
		status, cond = statusPosted, "attribute_not_exists(#pk) OR #status <> :posted"
		values = map[string]types.AttributeValue{":posted": str(statusPosted)}
	}
	update := "SET #status = :status, #updated_at = :now, #expires_at = :expires"
	values[":status"] = str(status)
	values[":now"] = num(now.UnixMilli())
	values[":expires"] = num(now.Add(state.DeliveryTTL).Unix())
	names := map[string]string{
		"#pk": PartitionKey, "#status": "status", "#updated_at": "updated_at",
		"#expires_at": TTLAttribute, "#lease_until": "lease_until",
	}
	if ref != "" {
		update += ", #ref = :ref"
		names["#ref"] = "ref"
		values[":ref"] = str(ref)
	}
	update += " REMOVE #lease_until"
	_, err := d.client.UpdateItem(ctx, &awsdynamodb.UpdateItemInput{
		TableName:                 aws.String(d.table),
		Key:                       deliveryKey(key, dest),
		UpdateExpression:          aws.String(update),
		ConditionExpression:       aws.String(cond),
		ExpressionAttributeNames:  names,
		ExpressionAttributeValues: values,
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) { // on ccf an outcome is recorded already
		return fmt.Errorf("state: done %s: %w", name, classify(ctx, err))
	}
	return nil
}

// Release implements state.Deliveries. Releasing what is not claimed does
// nothing.
func (d *Store) Release(ctx context.Context, key, dest string) error {
	name := deliveryName(key, dest)
	if err := state.CheckDelivery(key, dest); err != nil {
		return fmt.Errorf("state: release %s: %w", name, err)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()

	_, err := d.client.DeleteItem(ctx, &awsdynamodb.DeleteItemInput{
		TableName:                 aws.String(d.table),
		Key:                       deliveryKey(key, dest),
		ConditionExpression:       aws.String("#status = :claimed"),
		ExpressionAttributeNames:  map[string]string{"#status": "status"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":claimed": str(statusClaimed)},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) { // on ccf there is no claim to give back
		return fmt.Errorf("state: release %s: %w", name, classify(ctx, err))
	}
	return nil
}

// incidentItem is an incident as stored.
type incidentItem struct {
	ID       string            `dynamodbav:"id"`
	Number   int               `dynamodbav:"number,omitempty"`
	Title    string            `dynamodbav:"title,omitempty"`
	Service  string            `dynamodbav:"service,omitempty"`
	Urgency  string            `dynamodbav:"urgency,omitempty"`
	Priority string            `dynamodbav:"priority,omitempty"`
	URL      string            `dynamodbav:"url,omitempty"`
	Steps    []stepItem        `dynamodbav:"steps,omitempty"`
	Threads  map[string]string `dynamodbav:"threads,omitempty"`
	Version  int64             `dynamodbav:"version,omitempty"`
	Triage   string            `dynamodbav:"triage,omitempty"` // incident.Triage as JSON
	Route    string            `dynamodbav:"route,omitempty"`
}

type stepItem struct {
	Kind   string `dynamodbav:"kind"`
	Agent  string `dynamodbav:"agent,omitempty"`
	At     string `dynamodbav:"at"`
	Merged bool   `dynamodbav:"merged,omitempty"`
}

// Abandon implements state.Deliveries: the claim's lease ends now.
func (d *Store) Abandon(ctx context.Context, key, dest string) error {
	name := deliveryName(key, dest)
	if err := state.CheckDelivery(key, dest); err != nil {
		return fmt.Errorf("state: abandon %s: %w", name, err)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()

	_, err := d.client.UpdateItem(ctx, &awsdynamodb.UpdateItemInput{
		TableName:                 aws.String(d.table),
		Key:                       deliveryKey(key, dest),
		UpdateExpression:          aws.String("SET #lease_until = :zero"),
		ConditionExpression:       aws.String("#status = :claimed"),
		ExpressionAttributeNames:  map[string]string{"#status": "status", "#lease_until": "lease_until"},
		ExpressionAttributeValues: map[string]types.AttributeValue{":claimed": str(statusClaimed), ":zero": num(0)},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) { // on ccf there is no claim to abandon
		return fmt.Errorf("state: abandon %s: %w", name, classify(ctx, err))
	}
	return nil
}

// decodeIncident reads an incident item, with its Version.
func decodeIncident(item map[string]types.AttributeValue) (state.Incident, error) {
	var it incidentItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return state.Incident{}, fmt.Errorf("decode item: %w", err)
	}
	inc := state.Incident{
		ID: it.ID, Number: it.Number, Title: it.Title, Service: it.Service,
		Urgency: it.Urgency, Priority: it.Priority, URL: it.URL, Threads: it.Threads,
		Version: it.Version, Route: it.Route,
	}
	if it.Triage != "" {
		var t incident.Triage
		if err := json.Unmarshal([]byte(it.Triage), &t); err != nil {
			return state.Incident{}, fmt.Errorf("decode triage: %w", err)
		}
		inc.Triage = &t
	}
	if len(it.Steps) > 0 {
		inc.Steps = make([]state.Step, len(it.Steps))
	}
	for i, s := range it.Steps {
		at, err := time.Parse(time.RFC3339Nano, s.At)
		if err != nil {
			return state.Incident{}, fmt.Errorf("decode step %d: %w", i, err)
		}
		inc.Steps[i] = state.Step{Kind: incident.Kind(s.Kind), Agent: s.Agent, At: at, Merged: s.Merged}
	}
	return inc, nil
}

// getIncident reads incident id consistently; nil item when absent.
func (d *Store) getIncident(ctx context.Context, id string) (map[string]types.AttributeValue, error) {
	out, err := d.client.GetItem(ctx, &awsdynamodb.GetItemInput{
		TableName:      aws.String(d.table),
		Key:            incidentKey(id),
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return nil, classify(ctx, err)
	}
	return out.Item, nil
}

// Record implements state.Incidents.
func (d *Store) Record(ctx context.Context, ev incident.Event) (state.Incident, error) {
	return d.record(ctx, ev, nil)
}

// RecordOver implements state.Incidents: one conditional UpdateItem when
// base is still the stored version (base.Version).
func (d *Store) RecordOver(ctx context.Context, base state.Incident, ev incident.Event) (state.Incident, error) {
	return d.record(ctx, ev, &base)
}

// record merges ev into the incident with a conditional write on its
// version, starting from base when given (else reading it), and merging
// again into whatever another writer stored in between.
func (d *Store) record(ctx context.Context, ev incident.Event, base *state.Incident) (state.Incident, error) {
	id := ev.Incident.ID
	if id == "" {
		return state.Incident{}, fmt.Errorf("state: record event %s: %w", ev.ID, errNoIncidentID)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()

	var (
		inc   state.Incident // the incident as last seen, at its Version
		known bool           // inc is known without a read
	)
	if base != nil && (base.ID == "" || base.ID == id) {
		inc, known = base.Clone(), true
	}
	for attempt := range recordAttempts {
		if attempt > 0 {
			if err := backoff(ctx, attempt); err != nil {
				return state.Incident{}, fmt.Errorf("state: record incident#%s: %w", id, classify(ctx, err))
			}
		}
		if !known {
			item, err := d.getIncident(ctx, id)
			if err != nil {
				return state.Incident{}, fmt.Errorf("state: record incident#%s: read: %w", id, err)
			}
			if inc, err = decodeIncident(item); err != nil {
				return state.Incident{}, fmt.Errorf("state: record incident#%s: %w", id, err)
			}
		}
		known = false
		now := d.now()
		inc = inc.With(ev, now)
		in, err := d.recordInput(inc, now)
		if err != nil {
			return state.Incident{}, fmt.Errorf("state: record incident#%s: %w", id, err)
		}
		out, err := d.client.UpdateItem(ctx, in)
		var ccf *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			stored, err := decodeIncident(out.Attributes)
			if err != nil {
				return state.Incident{}, fmt.Errorf("state: record incident#%s: stored: %w", id, err)
			}
			return stored, nil
		case errors.As(err, &ccf): // another writer won: merge into its item
			if ccf.Item != nil {
				if inc, err = decodeIncident(ccf.Item); err != nil {
					return state.Incident{}, fmt.Errorf("state: record incident#%s: %w", id, err)
				}
				known = true
			}
		default:
			return state.Incident{}, fmt.Errorf("state: record incident#%s: %w", id, classify(ctx, err))
		}
	}
	return state.Incident{}, fmt.Errorf("state: record incident#%s: %d concurrent writes won over this one: %w", id, recordAttempts, state.ErrUnavailable)
}

// recordInput is the UpdateItem that writes inc over inc.Version.
func (d *Store) recordInput(inc state.Incident, now time.Time) (*awsdynamodb.UpdateItemInput, error) {
	version := inc.Version
	names := map[string]string{
		"#id": "id", "#version": "version", "#threads": "threads",
		"#updated_at": "updated_at", "#expires_at": TTLAttribute,
	}
	values := map[string]types.AttributeValue{
		":id":       str(inc.ID),
		":next":     num(version + 1),
		":nothread": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{}},
		":now":      num(now.UnixMilli()),
		":expires":  num(now.Add(state.IncidentTTL).Unix()),
	}
	update := "SET #id = :id, #version = :next, #threads = if_not_exists(#threads, :nothread), #updated_at = :now, #expires_at = :expires"
	set := func(attr string, v types.AttributeValue) {
		names["#"+attr] = attr
		values[":"+attr] = v
		update += ", #" + attr + " = :" + attr
	}
	if inc.Number != 0 {
		set("number", num(int64(inc.Number)))
	}
	for _, f := range []struct{ attr, v string }{
		{"title", inc.Title}, {"service", inc.Service}, {"urgency", inc.Urgency},
		{"priority", inc.Priority}, {"url", inc.URL}, {"route", inc.Route},
	} {
		if f.v != "" {
			set(f.attr, str(f.v))
		}
	}
	if inc.Triage != nil {
		b, err := json.Marshal(inc.Triage)
		if err != nil {
			return nil, fmt.Errorf("encode triage: %w", err)
		}
		set("triage", str(string(b)))
	}
	if len(inc.Steps) > 0 {
		steps := make([]stepItem, len(inc.Steps))
		for i, s := range inc.Steps {
			steps[i] = stepItem{Kind: string(s.Kind), Agent: s.Agent, At: s.At.UTC().Format(time.RFC3339Nano), Merged: s.Merged}
		}
		av, err := attributevalue.Marshal(steps)
		if err != nil {
			return nil, fmt.Errorf("encode steps: %w", err)
		}
		set("steps", av)
	}
	cond := "attribute_not_exists(#version)"
	if version != 0 {
		cond = "#version = :version"
		values[":version"] = num(version)
	}
	return &awsdynamodb.UpdateItemInput{
		TableName:                           aws.String(d.table),
		Key:                                 incidentKey(inc.ID),
		UpdateExpression:                    aws.String(update),
		ConditionExpression:                 aws.String(cond),
		ExpressionAttributeNames:            names,
		ExpressionAttributeValues:           values,
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}, nil
}

// backoff waits a random moment up to 5ms·2^attempt (at most 200ms), so
// that conflicting writers spread out ("full jitter").
func backoff(ctx context.Context, attempt int) error {
	t := time.NewTimer(rand.N(min(5*time.Millisecond<<attempt, 200*time.Millisecond)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}

// Incident implements state.Incidents.
func (d *Store) Incident(ctx context.Context, id string) (state.Incident, bool, error) {
	ctx, cancel := d.bound(ctx)
	defer cancel()

	item, err := d.getIncident(ctx, id)
	if err != nil {
		return state.Incident{}, false, fmt.Errorf("state: read incident#%s: %w", id, err)
	}
	if item == nil {
		return state.Incident{}, false, nil
	}
	inc, err := decodeIncident(item)
	if err != nil {
		return state.Incident{}, false, fmt.Errorf("state: read incident#%s: %w", id, err)
	}
	return inc, true, nil
}

// SetThread implements state.Incidents. It creates the incident item (with its
// id, threads and expiry only) when Record never wrote it.
func (d *Store) SetThread(ctx context.Context, id, dest, ref string) (string, error) {
	if id == "" || dest == "" || ref == "" {
		return "", fmt.Errorf("state: set thread of incident %q in %q to %q: empty argument", id, dest, ref)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()

	expires := num(d.now().Add(state.IncidentTTL).Unix())
	for range setThreadAttempts {
		// Most often the map exists (Record creates it) without dest.
		_, err := d.client.UpdateItem(ctx, &awsdynamodb.UpdateItemInput{
			TableName:                           aws.String(d.table),
			Key:                                 incidentKey(id),
			UpdateExpression:                    aws.String("SET #threads.#dest = :ref, #expires_at = :expires"),
			ConditionExpression:                 aws.String("attribute_exists(#threads) AND attribute_not_exists(#threads.#dest)"),
			ExpressionAttributeNames:            map[string]string{"#threads": "threads", "#dest": dest, "#expires_at": TTLAttribute},
			ExpressionAttributeValues:           map[string]types.AttributeValue{":ref": str(ref), ":expires": expires},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
		})
		var ccf *types.ConditionalCheckFailedException
		if err == nil {
			return ref, nil
		}
		if !errors.As(err, &ccf) {
			return "", fmt.Errorf("state: set thread of incident#%s in %s: %w", id, dest, classify(ctx, err))
		}
		item := ccf.Item
		if item == nil {
			if item, err = d.getIncident(ctx, id); err != nil {
				return "", fmt.Errorf("state: set thread of incident#%s in %s: read: %w", id, dest, err)
			}
		}
		if threads, ok := item["threads"].(*types.AttributeValueMemberM); ok {
			if old := stringAttr(threads.Value, dest); old != "" {
				return old, nil // the earlier one wins
			}
			continue // the map appeared since: set dest in it
		}
		// No threads map yet: create it holding dest.
		_, err = d.client.UpdateItem(ctx, &awsdynamodb.UpdateItemInput{
			TableName:                aws.String(d.table),
			Key:                      incidentKey(id),
			UpdateExpression:         aws.String("SET #threads = :threads, #id = :id, #expires_at = :expires"),
			ConditionExpression:      aws.String("attribute_not_exists(#threads)"),
			ExpressionAttributeNames: map[string]string{"#threads": "threads", "#id": "id", "#expires_at": TTLAttribute},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":threads": &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{dest: str(ref)}},
				":id":      str(id),
				":expires": expires,
			},
		})
		if err == nil {
			return ref, nil
		}
		if !errors.As(err, &ccf) {
			return "", fmt.Errorf("state: set thread of incident#%s in %s: create threads: %w", id, dest, classify(ctx, err))
		}
		// Another writer created the map meanwhile: go round again.
	}
	return "", fmt.Errorf("state: set thread of incident#%s in %s: %d conflicting writes: %w", id, dest, setThreadAttempts, state.ErrUnavailable)
}

// stringAttr is item[name] when it is a string, else "".
func stringAttr(item map[string]types.AttributeValue, name string) string {
	if s, ok := item[name].(*types.AttributeValueMemberS); ok {
		return s.Value
	}
	return ""
}

// unavailable marks an error of DynamoDB itself: errors.Is(err,
// ErrUnavailable) holds, and the message is the SDK's.
type unavailable struct{ err error }

func (u unavailable) Error() string        { return u.err.Error() }
func (u unavailable) Unwrap() error        { return u.err }
func (u unavailable) Is(target error) bool { return target == state.ErrUnavailable }

// retryables is the SDK's own judgement of transient errors: connection
// failures, 500/502/503/504, throttling codes (ProvisionedThroughputExceeded,
// RequestLimitExceeded, ThrottlingException…), request timeouts.
var retryables = retry.IsErrorRetryables(retry.DefaultRetryables)

// classify wraps err in unavailable when DynamoDB (not the request) is at
// fault: what the SDK would retry, any server fault or 5xx, network errors,
// and deadlines. A cancelled context stays a plain error.
func classify(ctx context.Context, err error) error {
	var (
		apiErr  smithy.APIError
		respErr *smithyhttp.ResponseError
		netErr  net.Error
		sendErr *smithyhttp.RequestSendError
	)
	switch {
	case errors.Is(err, context.Canceled) && !errors.Is(context.Cause(ctx), errTimeout):
		return err // the caller gave up: not DynamoDB's failure
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, errTimeout),
		ctx.Err() != nil && errors.Is(context.Cause(ctx), errTimeout),
		retryables.IsErrorRetryable(err) == aws.TrueTernary,
		errors.As(err, &apiErr) && apiErr.ErrorFault() == smithy.FaultServer,
		errors.As(err, &respErr) && respErr.HTTPStatusCode() >= 500,
		errors.As(err, &netErr),
		errors.As(err, &sendErr):
		return unavailable{err}
	}
	return err
}

// numberKey is the item that maps incident number n to its id.
func numberKey(n int) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		PartitionKey: &types.AttributeValueMemberS{Value: "number#" + strconv.Itoa(n)},
		SortKey:      &types.AttributeValueMemberS{Value: "meta"},
	}
}

// IndexNumber implements state.Numbers: one conditional PutItem of the
// item number#N → id (the first id stays).
func (d *Store) IndexNumber(ctx context.Context, n int, id string) error {
	if n <= 0 || id == "" {
		return nil
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	item := numberKey(n)
	item["id"] = str(id)
	item[TTLAttribute] = num(d.now().Add(state.IncidentTTL).Unix())
	_, err := d.client.PutItem(ctx, &awsdynamodb.PutItemInput{
		TableName:                aws.String(d.table),
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": PartitionKey},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) {
		return fmt.Errorf("state: index number %d: %w", n, classify(ctx, err))
	}
	return nil
}

// IncidentID implements state.Numbers.
func (d *Store) IncidentID(ctx context.Context, n int) (string, bool, error) {
	if n <= 0 {
		return "", false, nil
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	out, err := d.client.GetItem(ctx, &awsdynamodb.GetItemInput{TableName: aws.String(d.table), Key: numberKey(n), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return "", false, fmt.Errorf("state: read number %d: %w", n, classify(ctx, err))
	}
	if out.Item == nil {
		return "", false, nil
	}
	id, _ := out.Item["id"].(*types.AttributeValueMemberS)
	if id == nil || id.Value == "" {
		return "", false, nil
	}
	return id.Value, true, nil
}
