package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awsdynamodb "github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/queue"
	"github.com/pd2chat/pd2chat/shared/state/dynamodb"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
	"github.com/pd2chat/pd2chat/shared/testkit/lambdatest"
	"github.com/pd2chat/pd2chat/shared/testkit/testserver"
)

// TestBootstrapOnLambdaRuntime builds deliver as Lambda runs it and feeds
// it a real SQS event (two groups: one chat answering 500, one fine) through
// a stand-in Runtime API, with fauxqs as the queue and dynalite as the store.
func TestBootstrapOnLambdaRuntime(t *testing.T) {
	bin := lambdatest.Build(t, ".")
	rt := lambdatest.NewRuntime(t)
	slack := fakeslack.New(t)
	slack.SetBefore(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/api/chat.postMessage" && r.FormValue("channel") == "C0DOWN" {
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	creds := credentials.NewStaticCredentialsProvider("test", "test", "")
	sqsEndpoint := testserver.SQS(t)
	url, err := queue.Create(t.Context(), sqs.New(sqs.Options{BaseEndpoint: aws.String(sqsEndpoint), Region: "ap-northeast-1", Credentials: creds}),
		"deliver-test", queue.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	dynamoEndpoint := testserver.Dynalite(t)
	table := fmt.Sprintf("deliver-test-%d", time.Now().UnixNano())
	db := awsdynamodb.New(awsdynamodb.Options{BaseEndpoint: aws.String(dynamoEndpoint), Region: "ap-northeast-1", Credentials: creds})
	if _, err := db.CreateTable(t.Context(), dynamodb.CreateTableInput(table)); err != nil {
		t.Fatal(err)
	}

	fn := rt.Start(t, bin, []string{
		"PATH=" + os.Getenv("PATH"),
		"AWS_LAMBDA_FUNCTION_NAME=pd2chat-deliver",
		"AWS_REGION=ap-northeast-1", "AWS_ACCESS_KEY_ID=test", "AWS_SECRET_ACCESS_KEY=test",
		"ALERT_DESTINATIONS=slack:C0OK,slack:C0DOWN",
		"SLACK_BOT_TOKEN=xoxb-deliver-test-token",
		"SLACK_API_URL=" + slack.APIURL(),
		"ROTATION_SOURCE=csv:../../testdata/sheet",
		"STATE_STORE=dynamodb:" + table, "DYNAMODB_ENDPOINT=" + dynamoEndpoint,
		"DELIVERY_QUEUE=sqs:" + url, "SQS_ENDPOINT=" + sqsEndpoint,
	})

	at := time.Date(2026, 11, 20, 2, 15, 0, 0, time.UTC) // Friday 11:15 JST
	record := func(id, dest string, kind incident.Kind, minutes int) events.SQSMessage {
		ev := incident.Event{ID: id, Kind: kind, OccurredAt: at.Add(time.Duration(minutes) * time.Minute),
			Incident: incident.Incident{ID: "Q1ABCDEF", Number: 1234, Title: "checkout-api: 5xx", Service: incident.Service{ID: "PSVC", Name: "checkout-api"}}}
		m, err := deliver.Job{Destination: dest, Key: id, ReceivedAt: at, Event: &ev}.Message()
		if err != nil {
			t.Fatal(err)
		}
		return events.SQSMessage{MessageId: id + "-" + dest, ReceiptHandle: "handle-" + id + "-" + dest, Body: string(m.Body),
			Attributes: map[string]string{"ApproximateReceiveCount": "1", "SentTimestamp": fmt.Sprint(time.Now().UnixMilli()),
				"MessageGroupId": m.Group, "MessageDeduplicationId": m.DedupID}, EventSource: "aws:sqs"}
	}
	ev := events.SQSEvent{Records: []events.SQSMessage{
		record("E1", "slack:C0OK", incident.Triggered, 0),
		record("E1", "slack:C0DOWN", incident.Triggered, 0),
		record("E2", "slack:C0OK", incident.Acknowledged, 2),
		record("E2", "slack:C0DOWN", incident.Acknowledged, 2),
	}}
	payload, _ := json.Marshal(ev)
	res := rt.Invoke(t, payload)
	if res.Error {
		t.Fatalf("invocation error: %s", res.Body)
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(res.Body, &resp); err != nil {
		t.Fatalf("response %s: %v", res.Body, err)
	}
	var failed []string
	for _, f := range resp.BatchItemFailures {
		failed = append(failed, f.ItemIdentifier)
	}
	if strings.Join(failed, ",") != "E1-slack:C0DOWN,E2-slack:C0DOWN" {
		t.Errorf("batch item failures %v, want both of the failing chat's group (FIFO: the rest of the group fails too)", failed)
	}
	posts := slack.Posts()
	if len(posts) != 2 || posts[0].Channel != "C0OK" || posts[1].ThreadTS != posts[0].TS {
		t.Errorf("posts %+v, want the trigger and its acknowledgement in one thread on C0OK", posts)
	}
	if !strings.Contains(posts[0].Text, "<@U01TAKAHASH>") || posts[0].Key != "E1/slack:C0OK" {
		t.Errorf("trigger %+v", posts[0])
	}
	// The same batch again (a redelivery): nothing posted twice.
	if res := rt.Invoke(t, payload); res.Error {
		t.Fatalf("invocation error: %s", res.Body)
	}
	if n := len(slack.Posts()); n != 2 {
		t.Errorf("%d posts after the redelivery, want still 2", n)
	}
	if logs := fn.Output(); strings.Contains(logs, "xoxb-deliver-test-token") {
		t.Errorf("the token reached the logs:\n%s", logs)
	}
}
