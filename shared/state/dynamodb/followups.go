package dynamodb

// Followups.
//
// An incident waits at most state.PendingTTL after Await: past it, it is no
// longer listed by Waiting and Mentioned answers false (DynamoDB's TTL
// deletes the item later, and the store ignores it meanwhile). Waiting
// lists the incidents oldest trigger first, then by id.
//
// One item per waiting incident, all in ONE partition: a team
// has a handful of unacknowledged incidents at a time (each lives minutes
// to hours), far below a partition's limits, and one partition makes
// Waiting a single Query:
//
//	pk           S  "pending"
//	sk           S  "<incident id>"
//	number       N  omitted when 0
//	title        S  omitted when empty
//	triggered_at S  RFC 3339 with nanoseconds, UTC
//	mentions     N  follow-ups posted so far
//	expires_at   N  epoch s: Await + PendingTTL
//
// Await is a PutItem conditioned on attribute_not_exists(pk) OR expires_at
// <= now (a failed condition: it waits already, nothing changes). Settle is
// a DeleteItem. Waiting is a consistent Query of pk = "pending", following
// LastEvaluatedKey. Mentioned(id, n) is an UpdateItem SET mentions = :n
// conditioned on attribute_exists(pk) AND mentions = :n-1 AND expires_at >
// now: of concurrent sweeps exactly one records follow-up n, and a failed
// condition answers false.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pd2chat/pd2chat/shared/state"
)

var _ state.Followups = (*Store)(nil)

// pendingPK is the one partition of the waiting incidents.
const pendingPK = "pending"

var errNoPendingID = errors.New("empty incident id")

func pendingKey(id string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{PartitionKey: str(pendingPK), SortKey: str(id)}
}

func comparePending(a, b state.Pending) int {
	if c := a.TriggeredAt.Compare(b.TriggeredAt); c != 0 {
		return c
	}
	return cmp.Compare(a.IncidentID, b.IncidentID)
}

// pendingItem is a waiting incident as stored.
type pendingItem struct {
	PK          string `dynamodbav:"pk"`
	SK          string `dynamodbav:"sk"`
	Number      int    `dynamodbav:"number,omitempty"`
	Title       string `dynamodbav:"title,omitempty"`
	TriggeredAt string `dynamodbav:"triggered_at"`
	Mentions    int    `dynamodbav:"mentions"`
	Route       string `dynamodbav:"route,omitempty"`
	ExpiresAt   int64  `dynamodbav:"expires_at"`
}

// Await implements state.Followups.
func (d *Store) Await(ctx context.Context, p state.Pending) error {
	if p.IncidentID == "" {
		return fmt.Errorf("state: await incident: %w", errNoPendingID)
	}
	now := d.now()
	item, err := attributevalue.MarshalMap(pendingItem{
		PK: pendingPK, SK: p.IncidentID, Number: p.Number, Title: p.Title,
		TriggeredAt: p.TriggeredAt.UTC().Format(time.RFC3339Nano), Mentions: p.Mentions, Route: p.Route,
		ExpiresAt: now.Add(state.PendingTTL).Unix(),
	})
	if err != nil {
		return fmt.Errorf("state: await pending#%s: encode: %w", p.IncidentID, err)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	_, err = d.client.PutItem(ctx, &awsdynamodb.PutItemInput{
		TableName:                 aws.String(d.table),
		Item:                      item,
		ConditionExpression:       aws.String("attribute_not_exists(#pk) OR #expires_at <= :now"),
		ExpressionAttributeNames:  map[string]string{"#pk": PartitionKey, "#expires_at": TTLAttribute},
		ExpressionAttributeValues: map[string]types.AttributeValue{":now": num(now.Unix())},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) { // on ccf it waits already
		return fmt.Errorf("state: await pending#%s: %w", p.IncidentID, classify(ctx, err))
	}
	return nil
}

// Settle implements state.Followups.
func (d *Store) Settle(ctx context.Context, incidentID string) error {
	if incidentID == "" {
		return fmt.Errorf("state: settle incident: %w", errNoPendingID)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	_, err := d.client.DeleteItem(ctx, &awsdynamodb.DeleteItemInput{
		TableName: aws.String(d.table),
		Key:       pendingKey(incidentID),
	})
	if err != nil {
		return fmt.Errorf("state: settle pending#%s: %w", incidentID, classify(ctx, err))
	}
	return nil
}

// Waiting implements state.Followups. Timeout bounds each Query request (one per
// page); ctx bounds them all.
func (d *Store) Waiting(ctx context.Context) ([]state.Pending, error) {
	now := d.now().Unix()
	in := &awsdynamodb.QueryInput{
		TableName:                 aws.String(d.table),
		KeyConditionExpression:    aws.String("#pk = :pk"),
		ExpressionAttributeNames:  map[string]string{"#pk": PartitionKey},
		ExpressionAttributeValues: map[string]types.AttributeValue{":pk": str(pendingPK)},
		ConsistentRead:            aws.Bool(true),
	}
	var out []state.Pending
	for {
		page, err := d.query(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("state: list pending: %w", err)
		}
		for _, item := range page.Items {
			var it pendingItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return nil, fmt.Errorf("state: list pending: decode item: %w", err)
			}
			if it.ExpiresAt <= now {
				continue // expired; DynamoDB's TTL has not deleted it yet
			}
			at, err := time.Parse(time.RFC3339Nano, it.TriggeredAt)
			if err != nil {
				return nil, fmt.Errorf("state: list pending: pending#%s: decode triggered_at: %w", it.SK, err)
			}
			out = append(out, state.Pending{
				IncidentID: it.SK, Number: it.Number, Title: it.Title, TriggeredAt: at,
				Mentions: it.Mentions, Route: it.Route,
			})
		}
		if len(page.LastEvaluatedKey) == 0 {
			break
		}
		in.ExclusiveStartKey = page.LastEvaluatedKey
	}
	slices.SortFunc(out, comparePending)
	return out, nil
}

// Mentioned implements state.Followups.
func (d *Store) Mentioned(ctx context.Context, incidentID string, n int) (bool, error) {
	if err := state.CheckMentioned(incidentID, n); err != nil {
		return false, fmt.Errorf("state: record follow-up %d of pending#%s: %w", n, incidentID, err)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	_, err := d.client.UpdateItem(ctx, &awsdynamodb.UpdateItemInput{
		TableName:           aws.String(d.table),
		Key:                 pendingKey(incidentID),
		UpdateExpression:    aws.String("SET #mentions = :n"),
		ConditionExpression: aws.String("attribute_exists(#pk) AND #mentions = :prev AND #expires_at > :now"),
		ExpressionAttributeNames: map[string]string{
			"#pk": PartitionKey, "#mentions": "mentions", "#expires_at": TTLAttribute,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":n": num(int64(n)), ":prev": num(int64(n - 1)), ":now": num(d.now().Unix()),
		},
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return true, nil
	case errors.As(err, &ccf): // recorded already, settled, or expired
		return false, nil
	}
	return false, fmt.Errorf("state: record follow-up %d of pending#%s: %w", n, incidentID, classify(ctx, err))
}
