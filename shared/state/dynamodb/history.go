package dynamodb

// History.
//
// An event is identified by its EventID and its At: a redelivery (the same
// PagerDuty event, so the same id and occurred_at) changes nothing. The
// relay must therefore record At as the event's own instant, not the time
// it arrived. Events older than state.HistoryTTL are gone: DynamoDB's TTL
// deletes them (within a day or two), and Between leaves out any still
// stored (state.HistoryDays), so that the stores answer alike.
//
// One item per event, partitioned by the UTC day of At so that a
// week is a handful of Queries and no partition grows for ever:
//
//	pk           S     "history#<YYYY-MM-DD>"   UTC day of At
//	sk           S     "<At>#<EventID>"   At in UTC as 2006-01-02T15:04:05.000000000Z
//	event_id     S
//	incident_id  S
//	number       N     omitted when 0
//	kind         S
//	at           S     RFC 3339 with nanoseconds, UTC
//	agent, service_id, service, urgency, title, fingerprint  S  omitted when empty
//	on_call      L     of S; omitted when empty
//	working_time BOOL  omitted when false
//	expires_at   N     epoch s: At + HistoryTTL
//
// The sort key's instant has a fixed width (always nine fractional digits,
// unlike time.RFC3339Nano, which trims zeros and so would sort 10:00:00.5
// before 10:00:00): comparing keys as strings compares instants.
//
// Append is one PutItem conditioned on attribute_not_exists(pk); a failed
// condition is the same event again, not an error. Between runs one Query
// per UTC day in [from, to) with sk BETWEEN "<from>" AND "<to>" (no key is
// equal to either bound, since every key has "#<EventID>" after the
// instant, so this is exactly from <= At < to), following
// LastEvaluatedKey, and filters the decoded events again.

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/state"
)

var _ state.History = (*Store)(nil)

// sortKeyTime is the fixed-width layout of the instant in a history sort key.
const sortKeyTime = "2006-01-02T15:04:05.000000000Z"

func betweenName(from, to time.Time) string {
	return "history " + from.UTC().Format(time.RFC3339Nano) + " to " + to.UTC().Format(time.RFC3339Nano)
}

// historyItem is a history event as stored.
type historyItem struct {
	PK          string   `dynamodbav:"pk"`
	SK          string   `dynamodbav:"sk"`
	EventID     string   `dynamodbav:"event_id"`
	IncidentID  string   `dynamodbav:"incident_id"`
	Number      int      `dynamodbav:"number,omitempty"`
	Kind        string   `dynamodbav:"kind"`
	At          string   `dynamodbav:"at"`
	Agent       string   `dynamodbav:"agent,omitempty"`
	ServiceID   string   `dynamodbav:"service_id,omitempty"`
	Service     string   `dynamodbav:"service,omitempty"`
	Urgency     string   `dynamodbav:"urgency,omitempty"`
	Title       string   `dynamodbav:"title,omitempty"`
	Fingerprint string   `dynamodbav:"fingerprint,omitempty"`
	OnCall      []string `dynamodbav:"on_call,omitempty"`
	WorkingTime bool     `dynamodbav:"working_time,omitempty"`
	Merged      bool     `dynamodbav:"merged,omitempty"`
	URL         string   `dynamodbav:"url,omitempty"`
	Detail      string   `dynamodbav:"detail,omitempty"`
	ExpiresAt   int64    `dynamodbav:"expires_at"`
}

func historyPK(day time.Time) string { return "history#" + day.Format(time.DateOnly) }

// utcDay is the start of t's UTC day.
func utcDay(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// Append implements state.History.
func (d *Store) Append(ctx context.Context, e state.HistoryEvent) error {
	if err := state.CheckHistoryEvent(e); err != nil {
		return fmt.Errorf("state: append history event %q: %w", e.EventID, err)
	}
	at := e.At.UTC()
	name := fmt.Sprintf("history event %s of incident#%s", e.EventID, e.IncidentID)
	item, err := attributevalue.MarshalMap(historyItem{
		PK: historyPK(utcDay(at)), SK: at.Format(sortKeyTime) + "#" + e.EventID,
		EventID: e.EventID, IncidentID: e.IncidentID, Number: e.Number, Kind: string(e.Kind),
		At: at.Format(time.RFC3339Nano), Agent: e.Agent, ServiceID: e.ServiceID, Service: e.Service,
		Urgency: e.Urgency, Title: e.Title, Fingerprint: e.Fingerprint, OnCall: e.OnCall,
		WorkingTime: e.WorkingTime, Merged: e.Merged, URL: e.URL, Detail: e.Detail, ExpiresAt: at.Add(state.HistoryTTL).Unix(),
	})
	if err != nil {
		return fmt.Errorf("state: append %s: encode: %w", name, err)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()
	_, err = d.client.PutItem(ctx, &awsdynamodb.PutItemInput{
		TableName:                aws.String(d.table),
		Item:                     item,
		ConditionExpression:      aws.String("attribute_not_exists(#pk)"),
		ExpressionAttributeNames: map[string]string{"#pk": PartitionKey},
	})
	var ccf *types.ConditionalCheckFailedException
	if err != nil && !errors.As(err, &ccf) { // on ccf the event is there already
		return fmt.Errorf("state: append %s: %w", name, classify(ctx, err))
	}
	return nil
}

// Between implements state.History. Timeout bounds each Query request (one per
// UTC day and page); ctx bounds them all.
func (d *Store) Between(ctx context.Context, from, to time.Time) ([]state.HistoryEvent, error) {
	from, to, days, err := state.HistoryDays(from, to, d.now())
	name := betweenName(from, to)
	if err != nil {
		return nil, fmt.Errorf("state: read %s: %w", name, err)
	}
	lo, hi := from.UTC().Format(sortKeyTime), to.UTC().Format(sortKeyTime)
	var out []state.HistoryEvent
	for _, day := range days {
		in := &awsdynamodb.QueryInput{
			TableName:                aws.String(d.table),
			KeyConditionExpression:   aws.String("#pk = :pk AND #sk BETWEEN :lo AND :hi"),
			ExpressionAttributeNames: map[string]string{"#pk": PartitionKey, "#sk": SortKey},
			ExpressionAttributeValues: map[string]types.AttributeValue{
				":pk": str(historyPK(day)), ":lo": str(lo), ":hi": str(hi),
			},
		}
		for {
			page, err := d.query(ctx, in)
			if err != nil {
				return nil, fmt.Errorf("state: read %s: day %s: %w", name, day.Format(time.DateOnly), err)
			}
			for _, item := range page.Items {
				e, err := decodeHistory(item)
				if err != nil {
					return nil, fmt.Errorf("state: read %s: %w", name, err)
				}
				if !e.At.Before(from) && e.At.Before(to) {
					out = append(out, e)
				}
			}
			if len(page.LastEvaluatedKey) == 0 {
				break
			}
			in.ExclusiveStartKey = page.LastEvaluatedKey
		}
	}
	// Days in order, keys in order within a day: out is sorted by (At,
	// EventID) already, since the fixed-width instant decides between
	// different instants and "#<EventID>" between equal ones.
	return out, nil
}

// query is one Query request under d.Timeout.
func (d *Store) query(ctx context.Context, in *awsdynamodb.QueryInput) (*awsdynamodb.QueryOutput, error) {
	ctx, cancel := d.bound(ctx)
	defer cancel()
	out, err := d.client.Query(ctx, in)
	if err != nil {
		return nil, classify(ctx, err)
	}
	return out, nil
}

func decodeHistory(item map[string]types.AttributeValue) (state.HistoryEvent, error) {
	var it historyItem
	if err := attributevalue.UnmarshalMap(item, &it); err != nil {
		return state.HistoryEvent{}, fmt.Errorf("decode history item: %w", err)
	}
	at, err := time.Parse(time.RFC3339Nano, it.At)
	if err != nil {
		return state.HistoryEvent{}, fmt.Errorf("decode history item %s: %w", it.SK, err)
	}
	return state.HistoryEvent{
		EventID: it.EventID, IncidentID: it.IncidentID, Number: it.Number, Kind: incident.Kind(it.Kind),
		At: at, Agent: it.Agent, ServiceID: it.ServiceID, Service: it.Service, Urgency: it.Urgency,
		Title: it.Title, Fingerprint: it.Fingerprint, OnCall: it.OnCall, WorkingTime: it.WorkingTime, Merged: it.Merged, URL: it.URL, Detail: it.Detail,
	}, nil
}
