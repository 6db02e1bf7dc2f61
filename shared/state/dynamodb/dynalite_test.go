package dynamodb_test

// A real DynamoDB-compatible server for the tests: dynalite from npm
// (shared/testkit/testserver), one per test binary; a fresh table per test.

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/smithy-go"

	"github.com/pd2chat/pd2chat/shared/state/dynamodb"
	"github.com/pd2chat/pd2chat/shared/testkit/testserver"
)

// newDynamoClient returns a client of the test binary's dynalite
// (shared/testkit/testserver), starting it on first use.
func newDynamoClient(tb testing.TB, optFns ...func(*awsdynamodb.Options)) *awsdynamodb.Client {
	tb.Helper()
	return dynamoClient(testserver.Dynalite(tb), optFns...)
}

// dynamoClient is the real SDK client on endpoint, with test credentials.
func dynamoClient(endpoint string, optFns ...func(*awsdynamodb.Options)) *awsdynamodb.Client {
	return awsdynamodb.New(awsdynamodb.Options{
		BaseEndpoint: aws.String(endpoint),
		Region:       "ap-northeast-1",
		Credentials:  credentials.NewStaticCredentialsProvider("test", "test", ""),
	}, optFns...)
}

var tableSeq atomic.Int64

// newTable creates a fresh table as the store expects it (dynalite has no
// UpdateTimeToLive; real DynamoDB does) and returns its name.
func newTable(tb testing.TB, c *awsdynamodb.Client) string {
	tb.Helper()
	ctx := context.Background()
	table := fmt.Sprintf("pd2chat-test-%d", tableSeq.Add(1))
	if _, err := c.CreateTable(ctx, dynamodb.CreateTableInput(table)); err != nil {
		tb.Fatalf("create table %s: %v", table, err)
	}
	tb.Cleanup(func() {
		if _, err := c.DeleteTable(context.Background(), &awsdynamodb.DeleteTableInput{TableName: aws.String(table)}); err != nil {
			tb.Errorf("delete table %s: %v", table, err)
		}
	})
	var apiErr smithy.APIError
	if _, err := c.UpdateTimeToLive(ctx, dynamodb.UpdateTimeToLiveInput(table)); err != nil &&
		!(errors.As(err, &apiErr) && apiErr.ErrorCode() == "UnknownOperationException") {
		tb.Fatalf("update time to live of %s: %v", table, err)
	}
	// --createTableMs 0 makes the table ACTIVE on dynalite's next tick.
	for deadline := time.Now().Add(5 * time.Second); ; {
		out, err := c.DescribeTable(ctx, &awsdynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			tb.Fatalf("describe table %s: %v", table, err)
		}
		if out.Table.TableStatus == types.TableStatusActive {
			return table
		}
		if time.Now().After(deadline) {
			tb.Fatalf("table %s still %s after 5s", table, out.Table.TableStatus)
		}
	}
}
