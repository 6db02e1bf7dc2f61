package dynamodb

// Alerts. An alert's record is its firing count, the instants of its first
// and latest firings, the event id of its latest firing and what was known
// before that firing ("prev"), so that a redelivery of that event answers
// as the first delivery did without counting again (the memory store keeps
// the same record).
//
// One item per fingerprint, in the store's one table:
//
//	pk          S  "alert#<fingerprint>"
//	sk          S  "meta"
//	count       N  firings seen
//	first       N  epoch ms of the first firing
//	last        N  epoch ms of the latest firing (in the order RecordSighting was called)
//	last_event  S  the event id of the latest firing
//	prev_count  N  count before the latest firing
//	prev_first  N  first before the latest firing (0 when prev_count is 0)
//	prev_last   N  last before the latest firing (0 when prev_count is 0)
//	expires_at  N  epoch s: last write + state.AlertTTL
//
// RecordSighting is ONE UpdateItem: SET prev_* from the stored values, count =
// if_not_exists(count, 0) + 1, first = if_not_exists(first, :at), last,
// last_event, expires_at, conditioned on last_event <> :event (or no item),
// returning ALL_NEW. DynamoDB applies the updates of one item one after the
// other, so concurrent firings of one alert each count once and each get
// the record as it was just before its own update: no read-modify-write, no
// retry loop, whatever the storm. When the condition fails the event is the
// latest firing, delivered again: the item (with the failure, or a
// consistent GetItem where the server does not return it) holds the prev_*
// values its first delivery was answered with.
//
// The limit of this design: only the LATEST firing is recognised. A
// redelivery of an event after another firing of the same alert counts
// again (A, B, A counts 3). PagerDuty redelivers within seconds to minutes
// of a failure, and pd2chat's delivery records stop a redelivery that was
// posted before anything is rendered, so that is rare, and it errs towards
// "seen before", never towards a false "first time".

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/pd2chat/pd2chat/shared/state"
)

var _ state.Alerts = (*Store)(nil)

// errNoAlert is returned by RecordSighting without a fingerprint or an
// event id: a bug of the caller, not a store failure.
var errNoAlert = errors.New("empty fingerprint or event id")

// seenAttempts bounds RecordSighting's rounds when its event stops being
// the latest firing between its update and the read of the item it lost to.
const seenAttempts = 3

// alertName names an alert in errors, as its DynamoDB key does.
func alertName(fingerprint string) string { return "alert#" + fingerprint }

// alertInstant is at as stored: UTC, whole milliseconds (DynamoDB keeps
// epoch ms); now when at is zero.
func alertInstant(at, now time.Time) time.Time {
	if at.IsZero() {
		at = now
	}
	return at.UTC().Truncate(time.Millisecond)
}

func alertKey(fingerprint string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		PartitionKey: &types.AttributeValueMemberS{Value: alertName(fingerprint)},
		SortKey:      &types.AttributeValueMemberS{Value: "meta"},
	}
}

// RecordSighting implements state.Alerts.
func (d *Store) RecordSighting(ctx context.Context, fingerprint, eventID string, at time.Time) (state.Sighting, error) {
	name := alertName(fingerprint)
	if fingerprint == "" || eventID == "" {
		return state.Sighting{}, fmt.Errorf("state: seen %s event %q: %w", name, eventID, errNoAlert)
	}
	ctx, cancel := d.bound(ctx)
	defer cancel()

	now := d.now()
	at = alertInstant(at, now)
	in := &awsdynamodb.UpdateItemInput{
		TableName: aws.String(d.table),
		Key:       alertKey(fingerprint),
		UpdateExpression: aws.String("SET #prev_count = if_not_exists(#count, :zero), " +
			"#prev_first = if_not_exists(#first, :zero), #prev_last = if_not_exists(#last, :zero), " +
			"#count = if_not_exists(#count, :zero) + :one, #first = if_not_exists(#first, :at), " +
			"#last = :at, #last_event = :event, #expires_at = :expires"),
		ConditionExpression: aws.String("attribute_not_exists(#last_event) OR #last_event <> :event"),
		ExpressionAttributeNames: map[string]string{
			"#count": "count", "#first": "first", "#last": "last", "#last_event": "last_event",
			"#prev_count": "prev_count", "#prev_first": "prev_first", "#prev_last": "prev_last",
			"#expires_at": TTLAttribute,
		},
		ExpressionAttributeValues: map[string]types.AttributeValue{
			":zero":    num(0),
			":one":     num(1),
			":at":      num(at.UnixMilli()),
			":event":   str(eventID),
			":expires": num(now.Add(state.AlertTTL).Unix()),
		},
		ReturnValues:                        types.ReturnValueAllNew,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	}
	for range seenAttempts {
		out, err := d.client.UpdateItem(ctx, in)
		if err == nil {
			s, _, err := decodeAlert(out.Attributes)
			if err != nil {
				return state.Sighting{}, fmt.Errorf("state: seen %s: stored: %w", name, err)
			}
			return s, nil
		}
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return state.Sighting{}, fmt.Errorf("state: seen %s: %w", name, classify(ctx, err))
		}
		old := ccf.Item
		if old == nil { // the server ignored ReturnValuesOnConditionCheckFailure
			out, err := d.client.GetItem(ctx, &awsdynamodb.GetItemInput{
				TableName:      aws.String(d.table),
				Key:            alertKey(fingerprint),
				ConsistentRead: aws.Bool(true),
			})
			if err != nil {
				return state.Sighting{}, fmt.Errorf("state: seen %s: read the firing it repeats: %w", name, classify(ctx, err))
			}
			old = out.Item
		}
		s, last, err := decodeAlert(old)
		if err != nil {
			return state.Sighting{}, fmt.Errorf("state: seen %s: stored: %w", name, err)
		}
		if last == eventID {
			return s, nil // a redelivery of the latest firing
		}
		// Another firing came in between the update and the read: this
		// event is no longer the latest, and counts again (see above).
	}
	return state.Sighting{}, fmt.Errorf("state: seen %s: %d other firings in between: %w", name, seenAttempts, state.ErrUnavailable)
}

// decodeAlert reads the "before" of an alert item, and its last event.
func decodeAlert(item map[string]types.AttributeValue) (state.Sighting, string, error) {
	n := func(attr string) (int64, error) {
		v, ok := item[attr].(*types.AttributeValueMemberN)
		if !ok {
			return 0, fmt.Errorf("%s is %T, want a number", attr, item[attr])
		}
		i, err := strconv.ParseInt(v.Value, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", attr, err)
		}
		return i, nil
	}
	count, err := n("prev_count")
	if err != nil {
		return state.Sighting{}, "", err
	}
	s := state.Sighting{Count: int(count)}
	if count > 0 {
		first, err := n("prev_first")
		if err != nil {
			return state.Sighting{}, "", err
		}
		last, err := n("prev_last")
		if err != nil {
			return state.Sighting{}, "", err
		}
		s.First, s.Last = time.UnixMilli(first).UTC(), time.UnixMilli(last).UTC()
	}
	return s, stringAttr(item, "last_event"), nil
}
