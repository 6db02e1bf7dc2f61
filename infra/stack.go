package main

import (
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigatewayv2integrations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatch"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscloudwatchactions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awskms"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdadestinations"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambdaeventsources"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsscheduler"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsschedulertargets"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssns"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssnssubscriptions"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssqs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// Sizing and limits. The webhook answers PagerDuty within its 5 s deadline
// (the relay's own budget is 4 s); 10 s leaves room for a cold start that
// reads the secret (≤ 5 s timeout in wiring.Env) without Lambda killing a
// request the relay would still answer. 256 MB gives the Go binary its
// share of CPU (Lambda scales CPU with memory); the relay itself costs
// ~50 µs per delivery (README, Performance), so time goes to the chat APIs.
//
// The deliver function posts what the webhook and remind enqueue on the
// deliveries queue, a batch of up to 10 messages per run. The queue's
// visibility timeout is 6 × its timeout (AWS's advice for an SQS event
// source: a retried batch never overlaps a run still posting it). A
// message the chats keep refusing is dead-lettered by deliver itself with
// the reason; maxReceiveCount is only the backstop for a poison message
// (at 3 min a receive, 50 receives are 2.5 h of retries).
const (
	webhookMemoryMB  = 256
	webhookTimeoutS  = 10
	remindMemoryMB   = 256
	remindTimeoutS   = 30
	deliverMemoryMB  = 256
	deliverTimeoutS  = 30
	deliverBatchSize = 10 // the most an SQS event source takes from a FIFO queue
	deliveryVisibleS = 6 * deliverTimeoutS
	deliveryMaxTries = 50
	deliveryKeepDays = 14 // SQS's longest retention, for the queue and its DLQ
	deliveryMaxAgeM  = 15 // older deliveries waiting raise an alarm
	logRetention     = awslogs.RetentionDays_THREE_MONTHS
	apiRateLimit     = 25  // requests per second, steady, for the whole API
	apiBurstLimit    = 100 // requests at once: an incident storm at PagerDuty
	reminderRetries  = 3
	reminderMaxAgeH  = 1 // a reminder later than this is no longer useful
	stateTTLAttr     = "expires_at"
	webhookRoutePath = "/pagerduty"
)

// Reminder kinds, the "kind" of the payload the schedules send to remind:
// {"kind":"morning","scheduledTime":"2026-11-20T01:00:00Z"}.
const (
	KindMorning  = "morning"  // today's on-call pair, at the start of business hours
	KindEvening  = "evening"  // the next working day's pair, at the end of business hours
	KindDigest   = "digest"   // last week's digest; the function posts it on the week's first working day
	KindFollowup = "followup" // the sweep re-mentioning unacknowledged incidents, every minute of business hours
)

// stateActions are the DynamoDB actions the functions need on the state
// table: exactly the calls of shared/state/dynamodb's API (single-item
// reads and conditional writes, and Query for the history's day buckets
// and the follow-ups' partition). Nothing scans or touches the table's
// definition; a store that starts to must add its action here.
var stateActions = []string{
	"dynamodb:DeleteItem",
	"dynamodb:GetItem",
	"dynamodb:PutItem",
	"dynamodb:Query",
	"dynamodb:UpdateItem",
}

// StackProps are the settings and the stack's CloudFormation properties.
type StackProps struct {
	awscdk.StackProps
	Settings Settings
}

// NewStack defines pd2chat: the HTTP API and webhook function, the remind
// function and its schedules, the deliveries queue (and its DLQ) with the
// deliver function that posts to the chats, the state table, the alarms.
func NewStack(scope constructs.Construct, id string, props *StackProps) awscdk.Stack {
	s := props.Settings
	sp := props.StackProps
	if sp.Description == nil {
		sp.Description = jsii.String("pd2chat: PagerDuty webhooks to chat, with the on-call rotation from a Google Sheet")
	}
	stack := awscdk.NewStack(scope, &id, &sp)
	awscdk.Tags_Of(stack).Add(jsii.String("project"), jsii.String("pd2chat"), nil)

	secretARN, secretPolicyARN := secretARNs(stack, s.Secret)

	table := awsdynamodb.NewTable(stack, jsii.String("State"), &awsdynamodb.TableProps{
		PartitionKey:        &awsdynamodb.Attribute{Name: jsii.String("pk"), Type: awsdynamodb.AttributeType_STRING},
		SortKey:             &awsdynamodb.Attribute{Name: jsii.String("sk"), Type: awsdynamodb.AttributeType_STRING},
		BillingMode:         awsdynamodb.BillingMode_PAY_PER_REQUEST,
		TimeToLiveAttribute: jsii.String(stateTTLAttr),
		PointInTimeRecoverySpecification: &awsdynamodb.PointInTimeRecoverySpecification{
			PointInTimeRecoveryEnabled: jsii.Bool(true),
		},
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})

	common := map[string]string{
		"ALERT_DESTINATIONS": strings.Join(s.AlertDestinations, ","),
		"TIMEZONE":           s.Timezone,
		"BUSINESS_HOURS":     s.BusinessHours,
		"HOLIDAYS":           s.Holidays,
		"SECRETS_ARN":        *secretARN,
		"STATE_STORE":        "dynamodb:" + *table.TableName(),
	}
	if s.SpreadsheetID != "" {
		common["ROTATION_SOURCE"] = "sheets:" + s.SpreadsheetID
	}
	if s.Routes != "" { // the destinations are in the rules: ALERT_DESTINATIONS must not be set
		delete(common, "ALERT_DESTINATIONS")
		common["ROUTES"] = s.Routes
	}
	for name, v := range s.Env {
		common[name] = v
	}

	// Storage first: the webhook and remind only enqueue what is to be
	// posted (DELIVERY_QUEUE); deliver posts it, retrying until the chats
	// take it.
	deliveries := newDeliveryQueues(stack)
	deliveryQueue := "sqs:" + *deliveries.queue.QueueUrl()

	webhookEnv := clone(common)
	if s.RotationCacheTTL != "" {
		webhookEnv["ROTATION_CACHE_TTL"] = s.RotationCacheTTL
	}
	webhookEnv["DELIVERY_QUEUE"] = deliveryQueue
	webhook := newFunction(stack, functionSpec{
		id:          "Webhook",
		name:        "webhook",
		description: "pd2chat webhook: PagerDuty deliveries to the deliveries queue",
		memoryMB:    webhookMemoryMB,
		timeoutS:    webhookTimeoutS,
		env:         webhookEnv,
		enqueue:     deliveries.queue,
	}, s, table, secretPolicyARN)

	dlq := awssqs.NewQueue(stack, jsii.String("ReminderDLQ"), &awssqs.QueueProps{
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: awscdk.Duration_Days(jsii.Number(14)),
	})
	cdknag.NagSuppressions_AddResourceSuppressions(dlq, &[]*cdknag.NagPackSuppression{{
		Id:     jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is itself the dead-letter queue of the reminder schedules and of the remind function's asynchronous invocations; its depth raises an alarm."),
	}}, jsii.Bool(false))

	remindEnv := clone(common)
	remindEnv["REMINDER_DESTINATIONS"] = strings.Join(s.ReminderDestinations, ",")
	if s.OncallManualURL != "" {
		remindEnv["ONCALL_MANUAL_URL"] = s.OncallManualURL
	}
	remindEnv["DELIVERY_QUEUE"] = deliveryQueue
	remind := newFunction(stack, functionSpec{
		id:          "Remind",
		name:        "remind",
		description: "pd2chat remind: the on-call pair, at the start and the end of business hours",
		memoryMB:    remindMemoryMB,
		timeoutS:    remindTimeoutS,
		env:         remindEnv,
		enqueue:     deliveries.queue,
		state:       true,
		// EventBridge Scheduler invokes asynchronously: a failed run is
		// retried by Lambda, then recorded in the DLQ.
		async: &awslambda.EventInvokeConfigOptions{
			RetryAttempts: jsii.Number(2),
			MaxEventAge:   awscdk.Duration_Hours(jsii.Number(reminderMaxAgeH)),
			OnFailure:     awslambdadestinations.NewSqsDestination(dlq),
		},
	}, s, table, secretPolicyARN)

	// deliver posts alerts and reminders alike: it gets the settings of both.
	// An alert deliver cannot post pages a human here, with its content.
	// Encrypted with the AWS managed key: only deliver publishes to it (a
	// CloudWatch alarm could not, which is why the alarm topic is not).
	fallbackTopic := awssns.NewTopic(stack, jsii.String("Fallback"), &awssns.TopicProps{
		DisplayName: jsii.String("pd2chat undeliverable alerts"),
		EnforceSSL:  jsii.Bool(true),
		MasterKey:   awskms.Alias_FromAliasName(stack, jsii.String("SnsManagedKey"), jsii.String("alias/aws/sns")),
	})
	if s.AlarmEmail != "" {
		fallbackTopic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(s.AlarmEmail), nil))
	}
	deliverEnv := clone(remindEnv)
	if s.RotationCacheTTL != "" {
		deliverEnv["ROTATION_CACHE_TTL"] = s.RotationCacheTTL
	}
	deliverEnv["FALLBACK_TOPIC_ARN"] = *fallbackTopic.TopicArn()
	deliver := newFunction(stack, functionSpec{
		id:          "Deliver",
		name:        "deliver",
		description: "pd2chat deliver: the deliveries queue to the chats",
		memoryMB:    deliverMemoryMB,
		timeoutS:    deliverTimeoutS,
		env:         deliverEnv,
		state:       true,
		enqueue:     routingQueue(s, deliveries.queue), // routing sends each event on to its destinations
	}, s, table, secretPolicyARN)
	// The event source grants what consuming needs on the queue
	// (grantConsumeMessages: Receive, Delete, ChangeMessageVisibility,
	// GetQueueAttributes, GetQueueUrl). deliver dead-letters a message
	// itself, with the reason, to the DLQ it finds from the queue's
	// RedrivePolicy: grantSendMessages (SendMessage, GetQueueAttributes,
	// GetQueueUrl) on the DLQ.
	deliver.AddEventSource(awslambdaeventsources.NewSqsEventSource(deliveries.queue, &awslambdaeventsources.SqsEventSourceProps{
		BatchSize:               jsii.Number(deliverBatchSize),
		ReportBatchItemFailures: jsii.Bool(true),
	}))
	deliveries.dlq.GrantSendMessages(deliver)
	// sns:Publish only: the AWS managed key's own policy lets SNS use it for
	// any principal of the account (grantPublish would add kms:* on key/*).
	deliver.AddToRolePolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("PageFallback"),
		Actions:   jsii.Strings("sns:Publish"),
		Resources: jsii.Strings(*fallbackTopic.TopicArn()),
	}))

	api := newAPI(stack, webhook)
	newSchedules(stack, s, remind, dlq)
	newAlarms(stack, s, api, dlq, deliveries, webhook.LogGroup(), deliver.LogGroup(), webhook, remind, deliver)

	awscdk.NewCfnOutput(stack, jsii.String("WebhookUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("URL of the PagerDuty V3 webhook subscription (and, with ?token=, of a V2 extension)"),
		Value:       jsii.String(*api.ApiEndpoint() + webhookRoutePath),
	})
	awscdk.NewCfnOutput(stack, jsii.String("SlackRequestUrlBase"), &awscdk.CfnOutputProps{
		Description: jsii.String("Base of the Slack app's request URLs: add /slack/interactions, /slack/events or /slack/commands"),
		Value:       api.ApiEndpoint(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("StateTable"), &awscdk.CfnOutputProps{
		Description: jsii.String("DynamoDB table of the functions' state (STATE_STORE)"),
		Value:       table.TableName(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("DeliveryQueueUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("SQS FIFO queue of the messages to post (DELIVERY_QUEUE)"),
		Value:       deliveries.queue.QueueUrl(),
	})
	awscdk.NewCfnOutput(stack, jsii.String("DeliveryDLQUrl"), &awscdk.CfnOutputProps{
		Description: jsii.String("Dead-letter queue of the undeliverable messages; redrive it to DeliveryQueueUrl once fixed"),
		Value:       deliveries.dlq.QueueUrl(),
	})
	return stack
}

// deliveryQueues are the deliveries queue and its dead-letter queue.
type deliveryQueues struct {
	queue, dlq awssqs.Queue
}

// newDeliveryQueues defines the FIFO queue of the messages to post and its
// FIFO dead-letter queue: SQS-managed encryption, TLS only, kept 14 days.
// The senders set MessageDeduplicationId (no content-based deduplication)
// and MessageGroupId; deduplication and throughput are per message group
// (high-throughput FIFO), so one slow chat holds back only its own group.
func newDeliveryQueues(stack awscdk.Stack) deliveryQueues {
	keep := awscdk.Duration_Days(jsii.Number(deliveryKeepDays))
	dlq := awssqs.NewQueue(stack, jsii.String("DeliveriesDLQ"), &awssqs.QueueProps{
		Fifo:            jsii.Bool(true),
		Encryption:      awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:      jsii.Bool(true),
		RetentionPeriod: keep,
	})
	cdknag.NagSuppressions_AddResourceSuppressions(dlq, &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-SQS3"),
		Reason: jsii.String("This queue is itself the dead-letter queue of the deliveries queue: it keeps the undeliverable messages " +
			"(14 days) to be redriven once fixed, and its depth raises an alarm."),
	}}, jsii.Bool(false))
	queue := awssqs.NewQueue(stack, jsii.String("Deliveries"), &awssqs.QueueProps{
		Fifo:                      jsii.Bool(true),
		ContentBasedDeduplication: jsii.Bool(false),
		DeduplicationScope:        awssqs.DeduplicationScope_MESSAGE_GROUP,
		FifoThroughputLimit:       awssqs.FifoThroughputLimit_PER_MESSAGE_GROUP_ID,
		Encryption:                awssqs.QueueEncryption_SQS_MANAGED,
		EnforceSSL:                jsii.Bool(true),
		RetentionPeriod:           keep,
		VisibilityTimeout:         awscdk.Duration_Seconds(jsii.Number(deliveryVisibleS)),
		DeadLetterQueue: &awssqs.DeadLetterQueue{
			Queue:           dlq,
			MaxReceiveCount: jsii.Number(deliveryMaxTries),
		},
	})
	return deliveryQueues{queue: queue, dlq: dlq}
}

// secretARNs gives the ARN the functions read (SECRETS_ARN) and the ARN
// the policy grants. A complete ARN is both. For a name, the functions get
// the partial ARN (GetSecretValue accepts it) and the policy names the
// secret's real ARN, whose six random characters are matched by "-??????".
func secretARNs(stack awscdk.Stack, secret string) (read, policy *string) {
	if strings.HasPrefix(secret, "arn:") {
		return jsii.String(secret), jsii.String(secret)
	}
	arn := func(name string) *string {
		return stack.FormatArn(&awscdk.ArnComponents{
			Service:      jsii.String("secretsmanager"),
			Resource:     jsii.String("secret"),
			ResourceName: jsii.String(name),
			ArnFormat:    awscdk.ArnFormat_COLON_RESOURCE_NAME,
		})
	}
	return arn(secret), arn(secret + "-??????")
}

type functionSpec struct {
	id, name, description string
	memoryMB, timeoutS    float64
	env                   map[string]string
	async                 *awslambda.EventInvokeConfigOptions
	enqueue               awssqs.IQueue // may SendMessage to it, nothing else
	state                 bool          // may use the state table (the webhook only enqueues)
}

// newFunction defines one Go function with its own log group and role.
// The role has no managed policy: it may write to its log group, read the
// one secret, use the state table (f.state) and send to f.enqueue; anything else
// (the deliver function's queues) is granted by the caller.
func newFunction(stack awscdk.Stack, f functionSpec, s Settings, table awsdynamodb.Table, secretPolicyARN *string) awslambda.Function {
	logs := awslogs.NewLogGroup(stack, jsii.String(f.id+"Logs"), &awslogs.LogGroupProps{
		Retention:     logRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	role := awsiam.NewRole(stack, jsii.String(f.id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("pd2chat " + f.name + " function"),
	})
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("WriteOwnLogs"),
		Actions:   jsii.Strings("logs:CreateLogStream", "logs:PutLogEvents"),
		Resources: jsii.Strings(*logs.LogGroupArn()),
	}))
	role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Sid:       jsii.String("ReadSecret"),
		Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
		Resources: jsii.Strings(*secretPolicyARN),
	}))
	if f.state {
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("UseStateTable"),
			Actions:   jsii.Strings(stateActions...),
			Resources: jsii.Strings(*table.TableArn()),
		}))
	}
	if f.enqueue != nil {
		// SendMessage only: the function has the queue's URL (DELIVERY_QUEUE),
		// so it needs neither GetQueueUrl nor GetQueueAttributes.
		role.AddToPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("EnqueueDeliveries"),
			Actions:   jsii.Strings("sqs:SendMessage"),
			Resources: jsii.Strings(*f.enqueue.QueueArn()),
		}))
	}

	env := map[string]*string{}
	for k, v := range f.env {
		env[k] = jsii.String(v)
	}
	fn := awslambda.NewFunction(stack, jsii.String(f.id), &awslambda.FunctionProps{
		Description:   jsii.String(f.description),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          awslambda.Code_FromAsset(jsii.String(filepath.Join(s.BuildDir, f.name)), nil),
		MemorySize:    jsii.Number(f.memoryMB),
		Timeout:       awscdk.Duration_Seconds(jsii.Number(f.timeoutS)),
		Role:          role,
		LogGroup:      logs,
		LoggingFormat: awslambda.LoggingFormat_JSON,
		Environment:   &env,
	})
	if f.async != nil {
		fn.ConfigureAsyncInvoke(f.async)
	}
	return fn
}

// newAPI defines the HTTP API: POST /pagerduty, the Slack app's POST
// /slack/* and GET /oncall.ics to the webhook, one
// auto-deployed $default stage with throttling and JSON access logs.
func newAPI(stack awscdk.Stack, webhook awslambda.Function) awsapigatewayv2.HttpApi {
	api := awsapigatewayv2.NewHttpApi(stack, jsii.String("Api"), &awsapigatewayv2.HttpApiProps{
		Description:        jsii.String("pd2chat: PagerDuty webhook deliveries"),
		CreateDefaultStage: jsii.Bool(false),
	})
	accessLogs := awslogs.NewLogGroup(stack, jsii.String("ApiAccessLogs"), &awslogs.LogGroupProps{
		Retention:     logRetention,
		RemovalPolicy: awscdk.RemovalPolicy_RETAIN,
	})
	// No query string in the log: a V2 extension carries its token there.
	format := awsapigateway.AccessLogFormat_Custom(jsii.String(`{"requestId":"$context.requestId","ip":"$context.identity.sourceIp",` +
		`"userAgent":"$context.identity.userAgent","requestTime":"$context.requestTime","routeKey":"$context.routeKey",` +
		`"status":"$context.status","responseLength":"$context.responseLength","latencyMs":"$context.responseLatency",` +
		`"integrationStatus":"$context.integrationStatus","integrationLatencyMs":"$context.integrationLatency",` +
		`"integrationError":"$context.integrationErrorMessage","error":"$context.error.message"}`))
	api.AddStage(jsii.String("DefaultStage"), &awsapigatewayv2.HttpStageOptions{
		StageName:  jsii.String("$default"),
		AutoDeploy: jsii.Bool(true),
		Throttle: &awsapigatewayv2.ThrottleSettings{
			RateLimit:  jsii.Number(apiRateLimit),
			BurstLimit: jsii.Number(apiBurstLimit),
		},
		AccessLogSettings: &accessLogSettings{
			destination: awsapigatewayv2.NewLogGroupLogDestination(accessLogs),
			format:      format,
		},
	})
	integration := awsapigatewayv2integrations.NewHttpLambdaIntegration(jsii.String("Webhook"), webhook,
		&awsapigatewayv2integrations.HttpLambdaIntegrationProps{
			PayloadFormatVersion: awsapigatewayv2.PayloadFormatVersion_VERSION_2_0(),
		})
	routes := *api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String(webhookRoutePath),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Integration: integration,
	})
	for _, r := range routes {
		cdknag.NagSuppressions_AddResourceSuppressions(r.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-APIG4"),
			Reason: jsii.String("PagerDuty cannot send IAM, JWT or Lambda-authorizer credentials. Every delivery is authenticated by the function: " +
				"a V3 delivery must carry an HMAC-SHA256 X-PagerDuty-Signature made with the subscription's signing secret (401/403 otherwise), " +
				"a V2 delivery the ?token= from the secret."),
		}}, jsii.Bool(false))
	}
	for _, path := range slackRoutePaths {
		for _, r := range *api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
			Path:        jsii.String(path),
			Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
			Integration: integration,
		}) {
			cdknag.NagSuppressions_AddResourceSuppressions(r.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
				Id: jsii.String("AwsSolutions-APIG4"),
				Reason: jsii.String("Slack cannot send IAM, JWT or Lambda-authorizer credentials. Every request is authenticated by the function: " +
					"it must carry an X-Slack-Signature (HMAC-SHA256 with the app's signing secret) and a timestamp within 5 minutes (401 otherwise)."),
			}}, jsii.Bool(false))
		}
	}
	// The on-call calendar feed (ICAL_TOKEN in the secret; 404 without it).
	for _, r := range *api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String(feedRoutePath),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_GET},
		Integration: integration,
	}) {
		cdknag.NagSuppressions_AddResourceSuppressions(r.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-APIG4"),
			Reason: jsii.String("Calendar apps (Google Calendar, Outlook) subscribe to a URL and send no credentials. The function serves the feed " +
				"only to a request carrying ?token= equal to ICAL_TOKEN from the secret (constant-time compare; 404 otherwise), and the access log omits the query."),
		}}, jsii.Bool(false))
	}
	// Operations jobs' reports (NOTIFY_SECRET in the secret; 401/403 without
	// a good signature).
	for _, r := range *api.AddRoutes(&awsapigatewayv2.AddRoutesOptions{
		Path:        jsii.String(notifyRoutePath),
		Methods:     &[]awsapigatewayv2.HttpMethod{awsapigatewayv2.HttpMethod_POST},
		Integration: integration,
	}) {
		cdknag.NagSuppressions_AddResourceSuppressions(r.Node().DefaultChild(), &[]*cdknag.NagPackSuppression{{
			Id: jsii.String("AwsSolutions-APIG4"),
			Reason: jsii.String("CI jobs report to /notify with an HMAC-SHA256 X-Pd2chat-Signature of the body under NOTIFY_SECRET from the secret, " +
				"verified by the function in constant time (401 without a signature, 403 with a wrong one), as PagerDuty's deliveries are."),
		}}, jsii.Bool(false))
	}
	return api
}

// notifyRoutePath takes the operations jobs' reports (package notify).
const notifyRoutePath = "/notify"

// feedRoutePath is the on-call calendar feed (package oncallfeed).
const feedRoutePath = "/oncall.ics"

// slackRoutePaths are the Slack app's request URLs (interactivity, the
// Events API, the slash command), served by the webhook function when
// SLACK_SIGNING_SECRET is in the secret.
var slackRoutePaths = []string{"/slack/interactions", "/slack/events", "/slack/commands"}

// accessLogSettings is the stage's access log: where and in which format.
type accessLogSettings struct {
	destination awsapigatewayv2.IAccessLogDestination
	format      awsapigateway.AccessLogFormat
}

func (a *accessLogSettings) Destination() awsapigatewayv2.IAccessLogDestination { return a.destination }
func (a *accessLogSettings) Format() awsapigateway.AccessLogFormat              { return a.format }

// newSchedules defines the two reminders, at the start and the end of
// business hours on its days, in the settings' time zone. Holidays are the
// function's business: it posts nothing on a non-working day.
func newSchedules(stack awscdk.Stack, s Settings, remind awslambda.Function, dlq awssqs.Queue) {
	tz := awscdk.TimeZone_Of(jsii.String(s.Timezone))
	// One role for both schedules, assumable by EventBridge Scheduler on
	// behalf of this account's default schedule group only.
	group := stack.FormatArn(&awscdk.ArnComponents{
		Service:      jsii.String("scheduler"),
		Resource:     jsii.String("schedule-group"),
		ResourceName: jsii.String("default"),
		ArnFormat:    awscdk.ArnFormat_SLASH_RESOURCE_NAME,
	})
	role := awsiam.NewRole(stack, jsii.String("SchedulerRole"), &awsiam.RoleProps{
		Description: jsii.String("pd2chat reminder schedules: invoke the remind function, dead-letter to its queue"),
		AssumedBy: awsiam.NewPrincipalWithConditions(
			awsiam.NewServicePrincipal(jsii.String("scheduler.amazonaws.com"), nil),
			&map[string]any{"StringEquals": map[string]any{
				"aws:SourceAccount": stack.Account(),
				"aws:SourceArn":     group,
			}}),
	})
	// The follow-up sweep runs every minute of the business hours' whole
	// hours (10-16 for 10:00-17:00; the function itself checks the exact
	// window and holidays). A failed sweep is not retried: the next
	// minute's sweep does the same work.
	lastHour := s.Schedule.EveningHour
	if s.Schedule.EveningMinute == 0 {
		lastHour--
	}
	for _, r := range []struct {
		id, kind, what string
		minute, hour   string
		retries        int
		maxAge         awscdk.Duration
	}{
		{"MorningReminder", KindMorning, "remind today's on-call pair",
			strconv.Itoa(s.Schedule.MorningMinute), strconv.Itoa(s.Schedule.MorningHour), reminderRetries, awscdk.Duration_Hours(jsii.Number(reminderMaxAgeH))},
		{"EveningReminder", KindEvening, "remind the next working day's on-call pair",
			strconv.Itoa(s.Schedule.EveningMinute), strconv.Itoa(s.Schedule.EveningHour), reminderRetries, awscdk.Duration_Hours(jsii.Number(reminderMaxAgeH))},
		{"WeeklyDigest", KindDigest, "post last week's digest on the week's first working day",
			strconv.Itoa(s.Schedule.MorningMinute), strconv.Itoa(s.Schedule.MorningHour), reminderRetries, awscdk.Duration_Hours(jsii.Number(reminderMaxAgeH))},
		{"AckFollowups", KindFollowup, "re-mention incidents nobody acknowledged",
			"*", strconv.Itoa(s.Schedule.MorningHour) + "-" + strconv.Itoa(lastHour), 0, awscdk.Duration_Minutes(jsii.Number(1))},
	} {
		target := awsschedulertargets.NewLambdaInvoke(remind, &awsschedulertargets.ScheduleTargetBaseProps{
			Input: awsscheduler.ScheduleTargetInput_FromObject(map[string]any{
				"kind":          r.kind,
				"scheduledTime": awsscheduler.ContextAttribute_ScheduledTime(),
			}),
			RetryAttempts:   jsii.Number(r.retries),
			MaxEventAge:     r.maxAge,
			DeadLetterQueue: dlq,
			Role:            role,
		})
		awsscheduler.NewSchedule(stack, jsii.String(r.id), &awsscheduler.ScheduleProps{
			Description: jsii.String("pd2chat: " + r.what + " (" + s.BusinessHours + ", " + s.Timezone + ")"),
			Schedule: awsscheduler.ScheduleExpression_Cron(&awsscheduler.CronOptionsWithTimezone{
				Minute:   jsii.String(r.minute),
				Hour:     jsii.String(r.hour),
				WeekDay:  jsii.String(s.Schedule.Days),
				TimeZone: tz,
			}),
			Target: target,
		})
	}
	// The L2 targets granted lambda:InvokeFunction through grantInvoke, which
	// names the function and "ARN:*" (its versions and aliases).
	cdknag.NagSuppressions_AddResourceSuppressions(role.Node().FindChild(jsii.String("DefaultPolicy")), &[]*cdknag.NagPackSuppression{{
		Id: jsii.String("AwsSolutions-IAM5"),
		Reason: jsii.String("CDK's grantInvoke names the remind function and its versions and aliases (FUNCTION_ARN:*) for lambda:InvokeFunction; " +
			"the wildcard reaches no other function, and the schedules invoke the unqualified function."),
		AppliesTo: &[]any{"Resource::<" + *stack.GetLogicalId(remind.Node().DefaultChild().(awscdk.CfnElement)) + ".Arn>:*"},
	}}, jsii.Bool(true))
}

// newAlarms watches what needs a person: the webhook answering 5xx (a
// delivery PagerDuty had to retry), a function failing or throttled, a
// reminder in the DLQ, a message in the deliveries' DLQ, deliveries
// waiting too long. Each alarm and its recovery go to one SNS topic.
func newAlarms(stack awscdk.Stack, s Settings, api awsapigatewayv2.HttpApi, dlq awssqs.Queue, deliveries deliveryQueues, webhookLogs, deliverLogs awslogs.ILogGroup, fns ...awslambda.Function) {
	topic := awssns.NewTopic(stack, jsii.String("Alarms"), &awssns.TopicProps{
		DisplayName: jsii.String("pd2chat alarms"),
		EnforceSSL:  jsii.Bool(true),
	})
	if s.AlarmEmail != "" {
		topic.AddSubscription(awssnssubscriptions.NewEmailSubscription(jsii.String(s.AlarmEmail), nil))
	}
	action := awscloudwatchactions.NewSnsAction(topic)
	fiveMinutes := awscdk.Duration_Minutes(jsii.Number(5))
	// alarm alarms when one period's metric compares to threshold by op.
	alarm := func(id, description string, metric awscloudwatch.IMetric, op awscloudwatch.ComparisonOperator, threshold float64) {
		a := awscloudwatch.NewAlarm(stack, jsii.String(id), &awscloudwatch.AlarmProps{
			AlarmDescription:   jsii.String(description),
			Metric:             metric,
			Threshold:          jsii.Number(threshold),
			EvaluationPeriods:  jsii.Number(1),
			ComparisonOperator: op,
			TreatMissingData:   awscloudwatch.TreatMissingData_NOT_BREACHING,
		})
		a.AddAlarmAction(action)
		a.AddOkAction(action)
	}
	atLeastOne := func(id, description string, metric awscloudwatch.IMetric) {
		alarm(id, description, metric, awscloudwatch.ComparisonOperator_GREATER_THAN_OR_EQUAL_TO_THRESHOLD, 1)
	}
	above := func(id, description string, metric awscloudwatch.IMetric, threshold float64) {
		alarm(id, description, metric, awscloudwatch.ComparisonOperator_GREATER_THAN_THRESHOLD, threshold)
	}
	sum := &awscloudwatch.MetricOptions{Period: fiveMinutes, Statistic: jsii.String("Sum")}

	atLeastOne("Webhook5xxAlarm", "pd2chat: the webhook answered 5xx (the deliveries queue was unreachable, or the function failed); PagerDuty retries such deliveries.",
		api.MetricServerError(sum))
	for _, fn := range fns {
		name := *fn.Node().Id()
		atLeastOne(name+"ErrorsAlarm", "pd2chat: the "+strings.ToLower(name)+" function failed (crash, timeout or bad settings); see its log group.",
			fn.MetricErrors(sum))
		atLeastOne(name+"ThrottlesAlarm", "pd2chat: the "+strings.ToLower(name)+" function was throttled (account concurrency exhausted).",
			fn.MetricThrottles(sum))
	}
	atLeastOne("ReminderDLQAlarm", "pd2chat: a reminder could not be delivered or failed; its event is in the dead-letter queue.",
		dlq.MetricApproximateNumberOfMessagesVisible(&awscloudwatch.MetricOptions{Period: fiveMinutes, Statistic: jsii.String("Maximum")}))

	maxPerMinute := &awscloudwatch.MetricOptions{Period: awscdk.Duration_Minutes(jsii.Number(1)), Statistic: jsii.String("Maximum")}
	above("DeliveryDLQAlarm", "pd2chat: an alert could not be delivered; see the deliver log's `undeliverable` lines for the reason, "+
		"fix it, then redrive the deliveries' dead-letter queue (README, Deploy: Sizing, logs and alarms).",
		deliveries.dlq.MetricApproximateNumberOfMessagesVisible(maxPerMinute), 0)
	// Every delivery the webhook refuses as not PagerDuty's logs an
	// auth_failure code (shared/relay): a signing secret or V2 token that
	// differs from PagerDuty's refuses every delivery, and PagerDuty does
	// not retry a 4xx.
	failures := awslogs.NewMetricFilter(stack, jsii.String("SignatureFailures"), &awslogs.MetricFilterProps{
		LogGroup:        webhookLogs,
		FilterPattern:   awslogs.FilterPattern_Exists(jsii.String("$.auth_failure")),
		MetricNamespace: jsii.String("pd2chat"),
		MetricName:      jsii.String("SignatureFailures"),
		MetricValue:     jsii.String("1"),
	})
	above("SignatureFailuresAlarm", "pd2chat: more than "+strconv.Itoa(s.SignatureFailures)+" PagerDuty deliveries refused in 5 minutes "+
		"(see the webhook log's auth_failure: a signing secret or V2 token that differs from PagerDuty's, or someone probing the URL); "+
		"PagerDuty does not retry them. Rotate the secret as the README says.",
		failures.Metric(sum), float64(s.SignatureFailures))
	// deliver logs one "undeliverable" line per dead-lettered message.
	undeliverable := awslogs.NewMetricFilter(stack, jsii.String("Undeliverable"), &awslogs.MetricFilterProps{
		LogGroup:        deliverLogs,
		FilterPattern:   awslogs.FilterPattern_StringValue(jsii.String("$.msg"), jsii.String("="), jsii.String("undeliverable")),
		MetricNamespace: jsii.String("pd2chat"),
		MetricName:      jsii.String("Undeliverable"),
		MetricValue:     jsii.String("1"),
	})
	atLeastOne("UndeliverableAlarm", "pd2chat: an alert could not be posted to a chat (the deliver log's `undeliverable` line and the fallback e-mail say which, why and the fix); "+
		"fix it, then redrive the deliveries' dead-letter queue.", undeliverable.Metric(sum))
	if s.HeartbeatDays > 0 {
		// No request at all for HeartbeatDays days: PagerDuty cannot reach
		// pd2chat (a subscription disabled or deleted, a URL changed).
		quiet := awscloudwatch.NewAlarm(stack, jsii.String("HeartbeatAlarm"), &awscloudwatch.AlarmProps{
			AlarmDescription: jsii.String("pd2chat: no PagerDuty delivery reached the webhook for " + strconv.Itoa(s.HeartbeatDays) +
				" day(s): check the webhook subscription in PagerDuty (disabled after failures? URL changed?), then send a test event."),
			Metric:             api.MetricCount(&awscloudwatch.MetricOptions{Period: awscdk.Duration_Days(jsii.Number(1)), Statistic: jsii.String("Sum")}),
			Threshold:          jsii.Number(1),
			EvaluationPeriods:  jsii.Number(float64(s.HeartbeatDays)),
			ComparisonOperator: awscloudwatch.ComparisonOperator_LESS_THAN_THRESHOLD,
			TreatMissingData:   awscloudwatch.TreatMissingData_BREACHING,
		})
		quiet.AddAlarmAction(action)
		quiet.AddOkAction(action)
	}
	above("DeliveryAgeAlarm", "pd2chat: deliveries are waiting: a chat is failing temporarily (the oldest message in the deliveries queue is over "+
		strconv.Itoa(deliveryMaxAgeM)+" min old); see the deliver log.",
		deliveries.queue.MetricApproximateAgeOfOldestMessage(maxPerMinute), deliveryMaxAgeM*60)
}

func clone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// routingQueue is the deliveries queue when ROUTES is set (the deliver
// function's routing step sends each event on to its destinations), nil
// otherwise: deliver then only consumes.
func routingQueue(s Settings, q awssqs.IQueue) awssqs.IQueue {
	if s.Routes == "" {
		return nil
	}
	return q
}
