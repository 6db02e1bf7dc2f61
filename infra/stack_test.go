package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// The CDK tests synthesize real stacks through jsii (node runs aws-cdk-lib)
// and check the CloudFormation template. Synthesis is the slow part, so the
// fully configured stack is synthesized once and shared.

func TestMain(m *testing.M) {
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

// fullSettings sets every setting.
func fullSettings(t testing.TB) Settings {
	t.Helper()
	s, err := LoadSettings(contextOf(map[string]any{"pd2chat": map[string]any{
		"stackName":            "pd2chat-test",
		"alertDestinations":    "slack:C0123ABCD,typetalk:42",
		"reminderDestinations": "slack:C0456ONCALL",
		"spreadsheetId":        "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
		"rotationCacheTtl":     "5m",
		"oncallManualUrl":      "https://wiki.example.com/oncall",
		"secret":               "pd2chat",
		"alarmEmail":           "sre@example.com",
		"buildDir":             fakeBuild(t),
		"slackAckReactions":    "eyes,raised_hands",
		"pagerdutyFromEmail":   "pd2chat-bot@example.com",
		"pagerdutyAckOnTake":   "true",
	}}))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// synthesized is one stack, its template, and its cdk-nag findings.
type synthesized struct {
	resources map[string]resource
	outputs   map[string]any
	nagErrors []string // unsuppressed cdk-nag findings, "path: message"
	nagWarns  []string
}

type resource struct {
	Type           string         `json:"Type"`
	Properties     map[string]any `json:"Properties"`
	Metadata       map[string]any `json:"Metadata"`
	DeletionPolicy string         `json:"DeletionPolicy"`
	UpdateReplace  string         `json:"UpdateReplacePolicy"`
}

func synth(t testing.TB, s Settings) *synthesized {
	t.Helper()
	app := awscdk.NewApp(&awscdk.AppProps{Outdir: jsii.String(t.TempDir()), Context: featureFlags(t)})
	stack := NewStack(app, s.StackName, &StackProps{Settings: s})
	awscdk.Aspects_Of(stack).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Reports: jsii.Bool(false)}), nil)
	tmpl := assertions.Template_FromStack(stack, nil)
	b, err := json.Marshal(tmpl.ToJSON())
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Resources map[string]resource `json:"Resources"`
		Outputs   map[string]any      `json:"Outputs"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	syn := &synthesized{resources: doc.Resources, outputs: doc.Outputs}
	ann := assertions.Annotations_FromStack(stack)
	nag := assertions.Match_StringLikeRegexp(jsii.String("AwsSolutions-.*"))
	for _, m := range *ann.FindError(jsii.String("*"), nag) {
		syn.nagErrors = append(syn.nagErrors, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
	}
	for _, m := range *ann.FindWarning(jsii.String("*"), nag) {
		syn.nagWarns = append(syn.nagWarns, fmt.Sprintf("%s: %v", *m.Id, m.Entry.Data))
	}
	return syn
}

// featureFlags are cdk.json's feature flags (its "@aws-cdk/…" context), so
// the tests see the template `cdk synth` makes.
func featureFlags(t testing.TB) *map[string]any {
	t.Helper()
	b, err := os.ReadFile("cdk.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Context map[string]any `json:"context"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("cdk.json: %v", err)
	}
	flags := map[string]any{}
	for k, v := range doc.Context {
		if strings.HasPrefix(k, "@") {
			flags[k] = v
		}
	}
	return &flags
}

var (
	fullOnce sync.Once
	fullSyn  *synthesized
)

// full is the stack with every setting, synthesized once per test run
// (everything is read from it during synth, so the directories of the
// test that happens to run first may go).
func full(t *testing.T) *synthesized {
	t.Helper()
	fullOnce.Do(func() { fullSyn = synth(t, fullSettings(t)) })
	if fullSyn == nil {
		t.Fatal("synthesizing the stack failed (see the first test)")
	}
	return fullSyn
}

// ofType is the logical IDs of the resources of type typ, sorted.
func (s *synthesized) ofType(typ string) []string {
	var ids []string
	for id, r := range s.resources {
		if r.Type == typ {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

// one is the only resource of type typ whose logical ID starts with prefix.
func (s *synthesized) one(t *testing.T, typ, prefix string) (string, resource) {
	t.Helper()
	var found []string
	for _, id := range s.ofType(typ) {
		if strings.HasPrefix(id, prefix) {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s %s*: found %v, want exactly one", typ, prefix, found)
	}
	return found[0], s.resources[found[0]]
}

// named is the only resource of type typ whose logical ID is name and
// CDK's 8-character hash ("Deliveries" is not "DeliveriesDLQ").
func (s *synthesized) named(t *testing.T, typ, name string) (string, resource) {
	t.Helper()
	var found []string
	for _, id := range s.ofType(typ) {
		if rest, ok := strings.CutPrefix(id, name); ok && len(rest) == 8 && strings.Trim(rest, "0123456789ABCDEF") == "" {
			found = append(found, id)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%s %s: found %v, want exactly one", typ, name, found)
	}
	return found[0], s.resources[found[0]]
}

func ref(id string) map[string]any       { return map[string]any{"Ref": id} }
func getAtt(id, a string) map[string]any { return map[string]any{"Fn::GetAtt": []any{id, a}} }

func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	// Compare through JSON so numbers and nested types match the template's.
	var g, w any
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	_ = json.Unmarshal(gb, &g)
	_ = json.Unmarshal(wb, &w)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s =\n  %s\nwant\n  %s", what, gb, wb)
	}
}

func TestFunctions(t *testing.T) {
	s := full(t)
	if got := s.ofType("AWS::Lambda::Function"); len(got) != 3 {
		t.Fatalf("functions: %v, want webhook, remind and deliver only", got)
	}
	for _, tc := range []struct {
		prefix           string
		memory, timeoutS float64
	}{
		{"Webhook", 256, 10},
		{"Remind", 256, 30},
		{"Deliver", 256, 30},
	} {
		t.Run(tc.prefix, func(t *testing.T) {
			id, fn := s.one(t, "AWS::Lambda::Function", tc.prefix)
			p := fn.Properties
			equal(t, id+" Runtime", p["Runtime"], "provided.al2023")
			equal(t, id+" Architectures", p["Architectures"], []string{"arm64"})
			equal(t, id+" Handler", p["Handler"], "bootstrap")
			equal(t, id+" MemorySize", p["MemorySize"], tc.memory)
			equal(t, id+" Timeout", p["Timeout"], tc.timeoutS)

			logsID, logs := s.one(t, "AWS::Logs::LogGroup", tc.prefix+"Logs")
			equal(t, id+" LoggingConfig", p["LoggingConfig"], map[string]any{"LogFormat": "JSON", "LogGroup": ref(logsID)})
			equal(t, logsID+" RetentionInDays", logs.Properties["RetentionInDays"], 90)

			roleID, role := s.one(t, "AWS::IAM::Role", tc.prefix+"Role")
			equal(t, id+" Role", p["Role"], getAtt(roleID, "Arn"))
			equal(t, roleID+" trust", role.Properties["AssumeRolePolicyDocument"], map[string]any{
				"Version": "2012-10-17",
				"Statement": []any{map[string]any{
					"Action": "sts:AssumeRole", "Effect": "Allow",
					"Principal": map[string]any{"Service": "lambda.amazonaws.com"},
				}},
			})
		})
	}
}

// TestEnvironment: each function gets exactly its settings, under the
// names shared/config reads, and never a secret: those are keys of the
// Secrets Manager secret, read at cold start.
func TestEnvironment(t *testing.T) {
	s := full(t)
	tableID, _ := s.one(t, "AWS::DynamoDB::Table", "State")
	secretsARN := map[string]any{"Fn::Join": []any{"", []any{
		"arn:", ref("AWS::Partition"), ":secretsmanager:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":secret:pd2chat",
	}}}
	common := map[string]any{
		"ALERT_DESTINATIONS": "slack:C0123ABCD,typetalk:42",
		"ROTATION_SOURCE":    "sheets:1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
		"TIMEZONE":           "Asia/Tokyo",
		"BUSINESS_HOURS":     "Mon-Fri 10:00-17:00",
		"HOLIDAYS":           "jp",
		"SECRETS_ARN":        secretsARN,
		"STATE_STORE":        map[string]any{"Fn::Join": []any{"", []any{"dynamodb:", ref(tableID)}}},
		// Answering in chat and the PagerDuty write-back, as set.
		"SLACK_ACK_REACTIONS":   "eyes,raised_hands",
		"PAGERDUTY_FROM_EMAIL":  "pd2chat-bot@example.com",
		"PAGERDUTY_ACK_ON_TAKE": "true",
	}
	queueID, _ := s.named(t, "AWS::SQS::Queue", "Deliveries")
	common["DELIVERY_QUEUE"] = map[string]any{"Fn::Join": []any{"", []any{"sqs:", ref(queueID)}}}
	webhook := maps.Clone(common)
	webhook["ROTATION_CACHE_TTL"] = "5m"
	remind := maps.Clone(common)
	remind["REMINDER_DESTINATIONS"] = "slack:C0456ONCALL"
	remind["ONCALL_MANUAL_URL"] = "https://wiki.example.com/oncall"
	// deliver posts alerts and reminders: the settings of both.
	deliver := maps.Clone(remind)
	deliver["ROTATION_CACHE_TTL"] = "5m"
	fallbackID, _ := s.one(t, "AWS::SNS::Topic", "Fallback")
	deliver["FALLBACK_TOPIC_ARN"] = ref(fallbackID)

	for prefix, want := range map[string]map[string]any{"Webhook": webhook, "Remind": remind, "Deliver": deliver} {
		id, fn := s.one(t, "AWS::Lambda::Function", prefix)
		equal(t, id+" Environment", fn.Properties["Environment"], map[string]any{"Variables": want})
	}

	b, _ := json.Marshal(s.resources)
	for _, key := range []string{"PAGERDUTY_WEBHOOK_SECRETS", "PAGERDUTY_V2_TOKEN", "SLACK_BOT_TOKEN", "TYPETALK_TOKEN", "GOOGLE_CREDENTIALS_JSON"} {
		if strings.Contains(string(b), key) {
			t.Errorf("the template names the secret %s: secrets belong in the Secrets Manager secret", key)
		}
	}
}

func TestWebhookAPI(t *testing.T) {
	s := full(t)
	apiID, _ := s.one(t, "AWS::ApiGatewayV2::Api", "Api")
	fnID, _ := s.one(t, "AWS::Lambda::Function", "Webhook")

	_, route := s.one(t, "AWS::ApiGatewayV2::Route", "ApiPOSTpagerduty")
	integrationID, integration := s.one(t, "AWS::ApiGatewayV2::Integration", "Api")
	equal(t, "route key", route.Properties["RouteKey"], "POST /pagerduty")
	// The Slack app's request URLs go to the same function, the same way.
	for _, name := range []string{"interactions", "events", "commands"} {
		_, r := s.one(t, "AWS::ApiGatewayV2::Route", "ApiPOSTslack"+name)
		equal(t, name+" route key", r.Properties["RouteKey"], "POST /slack/"+name)
		equal(t, name+" route target", r.Properties["Target"], map[string]any{"Fn::Join": []any{"", []any{"integrations/", ref(integrationID)}}})
		equal(t, name+" route authorization", r.Properties["AuthorizationType"], "NONE")
	}
	_, feed := s.one(t, "AWS::ApiGatewayV2::Route", "ApiGEToncallics")
	equal(t, "feed route key", feed.Properties["RouteKey"], "GET /oncall.ics")
	equal(t, "feed route target", feed.Properties["Target"], map[string]any{"Fn::Join": []any{"", []any{"integrations/", ref(integrationID)}}})
	_, notify := s.one(t, "AWS::ApiGatewayV2::Route", "ApiPOSTnotify")
	equal(t, "notify route key", notify.Properties["RouteKey"], "POST /notify")
	if n := len(s.ofType("AWS::ApiGatewayV2::Route")); n != 6 {
		t.Errorf("%d routes, want 6: /pagerduty, the Slack app's three, the calendar feed and /notify", n)
	}
	equal(t, "route target", route.Properties["Target"], map[string]any{"Fn::Join": []any{"", []any{"integrations/", ref(integrationID)}}})
	equal(t, "route authorization", route.Properties["AuthorizationType"], "NONE")
	equal(t, "integration", integration.Properties, map[string]any{
		"ApiId":                ref(apiID),
		"IntegrationType":      "AWS_PROXY",
		"IntegrationUri":       getAtt(fnID, "Arn"),
		"PayloadFormatVersion": "2.0",
	})

	// API Gateway may invoke the webhook for these four routes only.
	for _, path := range []string{"pagerduty", "slackinteractions", "slackevents", "slackcommands"} {
		_, perm := s.one(t, "AWS::Lambda::Permission", "ApiPOST"+path)
		equal(t, "permission principal", perm.Properties["Principal"], "apigateway.amazonaws.com")
		want := "/*/*/" + strings.Replace(path, "slack", "slack/", 1)
		if src, _ := json.Marshal(perm.Properties["SourceArn"]); !strings.Contains(string(src), want) {
			t.Errorf("permission SourceArn %s is not limited to the %s route", src, want)
		}
	}

	_, stage := s.one(t, "AWS::ApiGatewayV2::Stage", "Api")
	equal(t, "stage name", stage.Properties["StageName"], "$default")
	equal(t, "stage auto-deploy", stage.Properties["AutoDeploy"], true)
	equal(t, "stage throttling", stage.Properties["DefaultRouteSettings"], map[string]any{
		"ThrottlingBurstLimit": apiBurstLimit, "ThrottlingRateLimit": apiRateLimit,
	})
	accessLogsID, accessLogs := s.one(t, "AWS::Logs::LogGroup", "ApiAccessLogs")
	equal(t, accessLogsID+" RetentionInDays", accessLogs.Properties["RetentionInDays"], 90)
	als, _ := stage.Properties["AccessLogSettings"].(map[string]any)
	equal(t, "access log destination", als["DestinationArn"], getAtt(accessLogsID, "Arn"))
	format, _ := als["Format"].(string)
	var fields map[string]string
	if err := json.Unmarshal([]byte(format), &fields); err != nil {
		t.Errorf("access log format is not one JSON object: %v\n%s", err, format)
	}
	for _, want := range []string{"$context.requestId", "$context.status", "$context.routeKey", "$context.integrationErrorMessage"} {
		if !strings.Contains(format, want) {
			t.Errorf("access log format lacks %s", want)
		}
	}
	// A V2 extension sends its token as ?token=: the query string is never logged.
	for _, leak := range []string{"querystring", "requestOverride", "$context.path"} {
		if strings.Contains(strings.ToLower(format), strings.ToLower(leak)) {
			t.Errorf("access log format logs %s", leak)
		}
	}

	equal(t, "WebhookUrl output", s.outputs["WebhookUrl"].(map[string]any)["Value"],
		map[string]any{"Fn::Join": []any{"", []any{getAtt(apiID, "ApiEndpoint"), "/pagerduty"}}})
}

func TestSchedules(t *testing.T) {
	check := func(t *testing.T, s *synthesized, timezone string, want map[string]string) {
		t.Helper()
		remindID, _ := s.one(t, "AWS::Lambda::Function", "Remind")
		dlqID, _ := s.one(t, "AWS::SQS::Queue", "ReminderDLQ")
		roleID, _ := s.one(t, "AWS::IAM::Role", "SchedulerRole")
		if got := s.ofType("AWS::Scheduler::Schedule"); len(got) != 4 {
			t.Fatalf("schedules: %v, want four", got)
		}
		kinds := map[string]string{"MorningReminder": "morning", "EveningReminder": "evening", "WeeklyDigest": "digest", "AckFollowups": "followup"}
		for prefix, cron := range want {
			kind := kinds[prefix]
			id, sched := s.one(t, "AWS::Scheduler::Schedule", prefix)
			p := sched.Properties
			equal(t, id+" expression", p["ScheduleExpression"], cron)
			equal(t, id+" time zone", p["ScheduleExpressionTimezone"], timezone)
			equal(t, id+" state", p["State"], "ENABLED")
			target, _ := p["Target"].(map[string]any)
			equal(t, id+" target", target["Arn"], getAtt(remindID, "Arn"))
			equal(t, id+" role", target["RoleArn"], getAtt(roleID, "Arn"))
			retry := map[string]any{"MaximumEventAgeInSeconds": 3600, "MaximumRetryAttempts": 3}
			if kind == "followup" { // the next minute's sweep does the same work
				retry = map[string]any{"MaximumEventAgeInSeconds": 60, "MaximumRetryAttempts": 0}
			}
			equal(t, id+" retry policy", target["RetryPolicy"], retry)
			equal(t, id+" dead-letter queue", target["DeadLetterConfig"], map[string]any{"Arn": getAtt(dlqID, "Arn")})
			var input map[string]any
			if err := json.Unmarshal([]byte(fmt.Sprint(target["Input"])), &input); err != nil {
				t.Fatalf("%s input %v: %v", id, target["Input"], err)
			}
			equal(t, id+" input", input, map[string]any{"kind": kind, "scheduledTime": "<aws.scheduler.scheduled-time>"})
		}
	}
	t.Run("default hours", func(t *testing.T) {
		check(t, full(t), "Asia/Tokyo", map[string]string{
			"MorningReminder": "cron(0 10 ? * MON-FRI *)",
			"EveningReminder": "cron(0 17 ? * MON-FRI *)",
			"WeeklyDigest":    "cron(0 10 ? * MON-FRI *)",
			"AckFollowups":    "cron(* 10-16 ? * MON-FRI *)",
		})
	})
	t.Run("hours and zone from the settings", func(t *testing.T) {
		s := fullSettings(t)
		s.Timezone = "Europe/Berlin"
		s.BusinessHours = "Mon,Wed,Fri 09:30-18:00"
		var err error
		if s.Schedule, err = parseSchedule(s.BusinessHours); err != nil {
			t.Fatal(err)
		}
		syn := synth(t, s)
		check(t, syn, "Europe/Berlin", map[string]string{
			"MorningReminder": "cron(30 9 ? * MON,WED,FRI *)",
			"EveningReminder": "cron(0 18 ? * MON,WED,FRI *)",
			"WeeklyDigest":    "cron(30 9 ? * MON,WED,FRI *)",
			"AckFollowups":    "cron(* 9-17 ? * MON,WED,FRI *)",
		})
		for _, prefix := range []string{"Webhook", "Remind", "Deliver"} {
			_, fn := syn.one(t, "AWS::Lambda::Function", prefix)
			vars := fn.Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
			equal(t, prefix+" TIMEZONE", vars["TIMEZONE"], "Europe/Berlin")
			equal(t, prefix+" BUSINESS_HOURS", vars["BUSINESS_HOURS"], "Mon,Wed,Fri 09:30-18:00")
		}
	})

	// A reminder that fails in the function is retried, then kept in the same DLQ.
	s := full(t)
	remindID, _ := s.one(t, "AWS::Lambda::Function", "Remind")
	dlqID, dlq := s.one(t, "AWS::SQS::Queue", "ReminderDLQ")
	_, cfg := s.one(t, "AWS::Lambda::EventInvokeConfig", "Remind")
	equal(t, "remind async config", cfg.Properties, map[string]any{
		"FunctionName":             ref(remindID),
		"Qualifier":                "$LATEST",
		"MaximumRetryAttempts":     2,
		"MaximumEventAgeInSeconds": 3600,
		"DestinationConfig":        map[string]any{"OnFailure": map[string]any{"Destination": getAtt(dlqID, "Arn")}},
	})
	equal(t, "DLQ encryption", dlq.Properties["SqsManagedSseEnabled"], true)
	equal(t, "DLQ retention", dlq.Properties["MessageRetentionPeriod"], 14*24*3600)
}

func TestStateTable(t *testing.T) {
	s := full(t)
	if got := s.ofType("AWS::DynamoDB::Table"); len(got) != 1 {
		t.Fatalf("tables: %v, want one", got)
	}
	id, table := s.one(t, "AWS::DynamoDB::Table", "State")
	p := table.Properties
	equal(t, id+" keys", p["KeySchema"], []any{
		map[string]any{"AttributeName": "pk", "KeyType": "HASH"},
		map[string]any{"AttributeName": "sk", "KeyType": "RANGE"},
	})
	equal(t, id+" attributes", p["AttributeDefinitions"], []any{
		map[string]any{"AttributeName": "pk", "AttributeType": "S"},
		map[string]any{"AttributeName": "sk", "AttributeType": "S"},
	})
	equal(t, id+" billing", p["BillingMode"], "PAY_PER_REQUEST")
	equal(t, id+" TTL", p["TimeToLiveSpecification"], map[string]any{"AttributeName": "expires_at", "Enabled": true})
	equal(t, id+" PITR", p["PointInTimeRecoverySpecification"], map[string]any{"PointInTimeRecoveryEnabled": true})
	equal(t, id+" DeletionPolicy", table.DeletionPolicy, "Retain")
	equal(t, id+" UpdateReplacePolicy", table.UpdateReplace, "Retain")
}

// statements is every statement of every IAM policy, by policy ID.
func (s *synthesized) statements(t *testing.T) map[string][]map[string]any {
	t.Helper()
	out := map[string][]map[string]any{}
	for _, id := range s.ofType("AWS::IAM::Policy") {
		doc, _ := s.resources[id].Properties["PolicyDocument"].(map[string]any)
		for _, st := range doc["Statement"].([]any) {
			out[id] = append(out[id], st.(map[string]any))
		}
	}
	return out
}

func list(v any) []any {
	if l, ok := v.([]any); ok {
		return l
	}
	return []any{v}
}

func TestLeastPrivilege(t *testing.T) {
	s := full(t)
	for _, id := range s.ofType("AWS::IAM::Role") {
		p := s.resources[id].Properties
		if p["ManagedPolicyArns"] != nil || p["Policies"] != nil {
			t.Errorf("role %s has managed or inline policies: %v %v", id, p["ManagedPolicyArns"], p["Policies"])
		}
	}
	if got := s.ofType("AWS::IAM::User"); len(got) > 0 {
		t.Errorf("IAM users: %v", got)
	}

	tableID, _ := s.one(t, "AWS::DynamoDB::Table", "State")
	secret := map[string]any{"Fn::Join": []any{"", []any{
		"arn:", ref("AWS::Partition"), ":secretsmanager:", ref("AWS::Region"), ":", ref("AWS::AccountId"), ":secret:pd2chat-??????",
	}}}
	tableUsers := map[string]bool{}
	for policy, sts := range s.statements(t) {
		for _, st := range sts {
			if st["Effect"] != "Allow" {
				continue
			}
			for _, a := range list(st["Action"]) {
				if strings.Contains(fmt.Sprint(a), "*") {
					t.Errorf("%s allows the wildcard action %v", policy, a)
				}
			}
			for _, r := range list(st["Resource"]) {
				if r == "*" {
					t.Errorf("%s allows %v on every resource", policy, st["Action"])
				}
			}
			switch st["Sid"] {
			case "UseStateTable":
				equal(t, policy+" table actions", st["Action"], []string{
					"dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
				})
				equal(t, policy+" table resource", st["Resource"], getAtt(tableID, "Arn"))
				tableUsers[policy] = true
			case "ReadSecret":
				equal(t, policy+" secret actions", st["Action"], "secretsmanager:GetSecretValue")
				equal(t, policy+" secret resource", st["Resource"], secret)
			}
			b, _ := json.Marshal(st)
			if st["Sid"] != "UseStateTable" && strings.Contains(string(b), `"`+tableID+`"`) {
				t.Errorf("%s reaches the table outside UseStateTable: %s", policy, b)
			}
			if st["Sid"] != "ReadSecret" && strings.Contains(string(b), "secretsmanager") {
				t.Errorf("%s reaches Secrets Manager outside ReadSecret: %s", policy, b)
			}
		}
	}
	var users []string
	for p := range tableUsers {
		users = append(users, p)
	}
	sort.Strings(users)
	if len(users) != 2 || !strings.HasPrefix(users[0], "DeliverRole") || !strings.HasPrefix(users[1], "RemindRole") {
		t.Errorf("the table is used by %v, want the remind and deliver roles (the webhook only enqueues)", users)
	}

	// SQS: the webhook and remind may only send to the deliveries queue;
	// deliver consumes it and sends to its DLQ (which it finds from the
	// queue's RedrivePolicy: GetQueueUrl and GetQueueAttributes on both).
	queueID, _ := s.named(t, "AWS::SQS::Queue", "Deliveries")
	dlqID, _ := s.named(t, "AWS::SQS::Queue", "DeliveriesDLQ")
	reminderDLQID, _ := s.named(t, "AWS::SQS::Queue", "ReminderDLQ")
	queues := map[string]string{queueID: "Deliveries", dlqID: "DeliveriesDLQ", reminderDLQID: "ReminderDLQ"}
	sqsActions := map[string]map[string][]string{} // role, queue: actions
	for policy, sts := range s.statements(t) {
		role, _, _ := strings.Cut(policy, "DefaultPolicy")
		for _, st := range sts {
			for _, a := range list(st["Action"]) {
				if !strings.HasPrefix(fmt.Sprint(a), "sqs:") {
					continue
				}
				for _, r := range list(st["Resource"]) {
					b, _ := json.Marshal(r)
					q := string(b)
					for id, name := range queues {
						if reflect.DeepEqual(r, getAtt(id, "Arn")) {
							q = name
						}
					}
					if sqsActions[role] == nil {
						sqsActions[role] = map[string][]string{}
					}
					sqsActions[role][q] = append(sqsActions[role][q], fmt.Sprint(a))
				}
			}
		}
	}
	for _, byQueue := range sqsActions {
		for _, actions := range byQueue {
			slices.Sort(actions)
		}
	}
	send := []string{"sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"} // grantSendMessages
	equal(t, "SQS actions by role and queue", sqsActions, map[string]map[string][]string{
		"WebhookRole": {"Deliveries": {"sqs:SendMessage"}},
		"RemindRole":  {"Deliveries": {"sqs:SendMessage"}, "ReminderDLQ": send},
		"DeliverRole": {
			"Deliveries":    {"sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:ReceiveMessage"},
			"DeliveriesDLQ": send,
		},
		"SchedulerRole": {"ReminderDLQ": {"sqs:SendMessage"}},
	})

	// A complete ARN is granted as it is, and handed to the functions as it is.
	t.Run("secret by ARN", func(t *testing.T) {
		set := fullSettings(t)
		set.Secret = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:pd2chat-AbC123"
		set.AlarmEmail = ""
		syn := synth(t, set)
		for policy, sts := range syn.statements(t) {
			for _, st := range sts {
				if st["Sid"] == "ReadSecret" {
					equal(t, policy+" secret resource", st["Resource"], set.Secret)
				}
			}
		}
		_, fn := syn.one(t, "AWS::Lambda::Function", "Webhook")
		equal(t, "SECRETS_ARN", fn.Properties["Environment"].(map[string]any)["Variables"].(map[string]any)["SECRETS_ARN"], set.Secret)
		if len(syn.nagErrors) > 0 {
			t.Errorf("cdk-nag errors: %v", syn.nagErrors)
		}
		// No alarm e-mail set: no subscription.
		if got := syn.ofType("AWS::SNS::Subscription"); len(got) != 0 {
			t.Errorf("subscriptions without alarmEmail: %v", got)
		}
	})
}

func TestLogRetention(t *testing.T) {
	s := full(t)
	groups := s.ofType("AWS::Logs::LogGroup")
	if len(groups) != 4 {
		t.Errorf("log groups %v, want the three functions' and the API's access log", groups)
	}
	for _, id := range groups {
		equal(t, id+" RetentionInDays", s.resources[id].Properties["RetentionInDays"], 90)
		equal(t, id+" DeletionPolicy", s.resources[id].DeletionPolicy, "Retain")
	}
	if got := s.ofType("Custom::LogRetention"); len(got) > 0 {
		t.Errorf("log retention by custom resource %v: the log groups are explicit", got)
	}
}

func TestAlarms(t *testing.T) {
	s := full(t)
	topicID, topic := s.one(t, "AWS::SNS::Topic", "Alarms")
	equal(t, "topic name", topic.Properties["DisplayName"], "pd2chat alarms")
	_, sub := s.one(t, "AWS::SNS::Subscription", "Alarms")
	equal(t, "subscription", sub.Properties, map[string]any{"Protocol": "email", "Endpoint": "sre@example.com", "TopicArn": ref(topicID)})

	apiID, _ := s.one(t, "AWS::ApiGatewayV2::Api", "Api")
	webhookID, _ := s.one(t, "AWS::Lambda::Function", "Webhook")
	remindID, _ := s.one(t, "AWS::Lambda::Function", "Remind")
	deliverID, _ := s.one(t, "AWS::Lambda::Function", "Deliver")
	dlqID, _ := s.one(t, "AWS::SQS::Queue", "ReminderDLQ")
	queueID, _ := s.named(t, "AWS::SQS::Queue", "Deliveries")
	deliveriesDLQID, _ := s.named(t, "AWS::SQS::Queue", "DeliveriesDLQ")
	fn := func(id string) []any { return []any{map[string]any{"Name": "FunctionName", "Value": ref(id)}} }
	queue := func(id string) []any {
		return []any{map[string]any{"Name": "QueueName", "Value": getAtt(id, "QueueName")}}
	}
	type metric struct {
		namespace, metric, stat string
		dimension               []any
		period                  int    // seconds; 300 when 0
		above                   string // GreaterThanThreshold of this many; ≥ 1 when ""
		describes               string // in the description
	}
	want := map[string]metric{
		"Webhook5xxAlarm":       {namespace: "AWS/ApiGateway", metric: "5xx", stat: "Sum", dimension: []any{map[string]any{"Name": "ApiId", "Value": ref(apiID)}}},
		"WebhookErrorsAlarm":    {namespace: "AWS/Lambda", metric: "Errors", stat: "Sum", dimension: fn(webhookID)},
		"WebhookThrottlesAlarm": {namespace: "AWS/Lambda", metric: "Throttles", stat: "Sum", dimension: fn(webhookID)},
		"RemindErrorsAlarm":     {namespace: "AWS/Lambda", metric: "Errors", stat: "Sum", dimension: fn(remindID)},
		"RemindThrottlesAlarm":  {namespace: "AWS/Lambda", metric: "Throttles", stat: "Sum", dimension: fn(remindID)},
		"DeliverErrorsAlarm":    {namespace: "AWS/Lambda", metric: "Errors", stat: "Sum", dimension: fn(deliverID)},
		"DeliverThrottlesAlarm": {namespace: "AWS/Lambda", metric: "Throttles", stat: "Sum", dimension: fn(deliverID)},
		"ReminderDLQAlarm":      {namespace: "AWS/SQS", metric: "ApproximateNumberOfMessagesVisible", stat: "Maximum", dimension: queue(dlqID)},
		"DeliveryDLQAlarm": {namespace: "AWS/SQS", metric: "ApproximateNumberOfMessagesVisible", stat: "Maximum", dimension: queue(deliveriesDLQID),
			period: 60, above: "0", describes: "an alert could not be delivered; see the deliver log's `undeliverable` lines for the reason, fix it, then redrive"},
		"UndeliverableAlarm": {namespace: "pd2chat", metric: "Undeliverable", stat: "Sum", describes: "an alert could not be posted to a chat"},
		"SignatureFailuresAlarm": {namespace: "pd2chat", metric: "SignatureFailures", stat: "Sum",
			above: "3", describes: "PagerDuty deliveries refused in 5 minutes"},
		"DeliveryAgeAlarm": {namespace: "AWS/SQS", metric: "ApproximateAgeOfOldestMessage", stat: "Maximum", dimension: queue(queueID),
			period: 60, above: "900", describes: "deliveries are waiting: a chat is failing temporarily"},
	}
	// The signature-failure metric counts the webhook's log lines with an
	// auth_failure code (shared/relay's TestAuthFailuresAreLogged).
	logsID, _ := s.one(t, "AWS::Logs::LogGroup", "WebhookLogs")
	_, mf := s.one(t, "AWS::Logs::MetricFilter", "SignatureFailures")
	equal(t, "metric filter", mf.Properties, map[string]any{
		"LogGroupName":          ref(logsID),
		"FilterPattern":         "{ $.auth_failure = \"*\" }",
		"MetricTransformations": []any{map[string]any{"MetricNamespace": "pd2chat", "MetricName": "SignatureFailures", "MetricValue": "1"}},
	})
	deliverLogsID, _ := s.one(t, "AWS::Logs::LogGroup", "DeliverLogs")
	_, uf := s.one(t, "AWS::Logs::MetricFilter", "Undeliverable")
	equal(t, "undeliverable filter", uf.Properties, map[string]any{
		"LogGroupName":          ref(deliverLogsID),
		"FilterPattern":         "{ $.msg = \"undeliverable\" }",
		"MetricTransformations": []any{map[string]any{"MetricNamespace": "pd2chat", "MetricName": "Undeliverable", "MetricValue": "1"}},
	})
	alarms := s.ofType("AWS::CloudWatch::Alarm")
	if len(alarms) != len(want) {
		t.Errorf("alarms %v, want %d", alarms, len(want))
	}
	for prefix, w := range want {
		id, a := s.one(t, "AWS::CloudWatch::Alarm", prefix)
		p := a.Properties
		period, threshold := 300, []any{"GreaterThanOrEqualToThreshold", 1, 1, "notBreaching"}
		if w.period != 0 {
			period = w.period
		}
		if w.above != "" {
			threshold = []any{"GreaterThanThreshold", json.Number(w.above), 1, "notBreaching"}
		}
		equal(t, id+" metric", []any{p["Namespace"], p["MetricName"], p["Statistic"], p["Period"], p["Dimensions"]},
			[]any{w.namespace, w.metric, w.stat, period, w.dimension})
		equal(t, id+" threshold", []any{p["ComparisonOperator"], p["Threshold"], p["EvaluationPeriods"], p["TreatMissingData"]}, threshold)
		if d, _ := p["AlarmDescription"].(string); !strings.Contains(d, w.describes) {
			t.Errorf("%s description %q lacks %q", id, d, w.describes)
		}
		equal(t, id+" actions", []any{p["AlarmActions"], p["OKActions"]}, []any{[]any{ref(topicID)}, []any{ref(topicID)}})
		if d, _ := p["AlarmDescription"].(string); !strings.HasPrefix(d, "pd2chat: ") {
			t.Errorf("%s has no description for the person it wakes", id)
		}
	}
}

// TestNag: cdk-nag's AwsSolutions pack finds no unsuppressed error or
// warning, and each suppression is one we know, with its reason.
// TestHeartbeat: with heartbeatDays, no request to the API for that many
// days alarms (missing data too); without it, no such alarm.
func TestHeartbeat(t *testing.T) {
	set := fullSettings(t)
	set.HeartbeatDays = 7
	s := synth(t, set)
	apiID, _ := s.one(t, "AWS::ApiGatewayV2::Api", "Api")
	id, a := s.one(t, "AWS::CloudWatch::Alarm", "HeartbeatAlarm")
	p := a.Properties
	equal(t, id, []any{p["Namespace"], p["MetricName"], p["Statistic"], p["Period"], p["EvaluationPeriods"], p["ComparisonOperator"], p["Threshold"], p["TreatMissingData"], p["Dimensions"]},
		[]any{"AWS/ApiGateway", "Count", "Sum", 86400, 7, "LessThanThreshold", 1, "breaching", []any{map[string]any{"Name": "ApiId", "Value": ref(apiID)}}})
	for _, id := range full(t).ofType("AWS::CloudWatch::Alarm") {
		if strings.HasPrefix(id, "HeartbeatAlarm") {
			t.Errorf("%s without heartbeatDays", id)
		}
	}
}

// TestFallback: the topic an undeliverable alert pages, TLS only, mailed
// to alarmEmail, published to by deliver alone.
func TestFallback(t *testing.T) {
	s := full(t)
	topicID, topic := s.one(t, "AWS::SNS::Topic", "Fallback")
	equal(t, "topic name", topic.Properties["DisplayName"], "pd2chat undeliverable alerts")
	if k := fmt.Sprint(topic.Properties["KmsMasterKeyId"]); !strings.Contains(k, "alias/aws/sns") {
		t.Errorf("the fallback topic is not encrypted: KmsMasterKeyId %s", k)
	}
	tls := false
	for _, id := range s.ofType("AWS::SNS::TopicPolicy") {
		b, _ := json.Marshal(s.resources[id].Properties)
		if strings.Contains(string(b), topicID) && strings.Contains(string(b), `"aws:SecureTransport":"false"`) {
			tls = true
		}
	}
	if !tls {
		t.Error("the fallback topic does not refuse plain HTTP")
	}
	_, deliver := s.one(t, "AWS::Lambda::Function", "Deliver")
	env := deliver.Properties["Environment"].(map[string]any)["Variables"].(map[string]any)
	equal(t, "FALLBACK_TOPIC_ARN", env["FALLBACK_TOPIC_ARN"], ref(topicID))
	subs := 0
	for _, id := range s.ofType("AWS::SNS::Subscription") {
		if p := s.resources[id].Properties; fmt.Sprint(p["TopicArn"]) == fmt.Sprint(ref(topicID)) {
			subs++
			equal(t, "fallback subscription", p, map[string]any{"Protocol": "email", "Endpoint": "sre@example.com", "TopicArn": ref(topicID)})
		}
	}
	if subs != 1 {
		t.Errorf("%d subscriptions to the fallback topic, want 1", subs)
	}
	publishers := 0
	for _, id := range s.ofType("AWS::IAM::Policy") {
		b, _ := json.Marshal(s.resources[id].Properties)
		if strings.Contains(string(b), `"sns:Publish"`) && strings.Contains(string(b), topicID) {
			publishers++
			if !strings.HasPrefix(id, "DeliverRole") {
				t.Errorf("%s may publish to the fallback topic", id)
			}
		}
	}
	if publishers != 1 {
		t.Errorf("%d policies publish to the fallback topic, want deliver's", publishers)
	}
}

func TestNag(t *testing.T) {
	s := full(t)
	for _, m := range s.nagErrors {
		t.Errorf("cdk-nag error at %s", m)
	}
	for _, m := range s.nagWarns {
		t.Errorf("cdk-nag warning at %s", m)
	}

	got := map[string]string{}
	for id, r := range s.resources {
		nagMeta, _ := r.Metadata["cdk_nag"].(map[string]any)
		if nagMeta == nil {
			continue
		}
		for _, rule := range nagMeta["rules_to_suppress"].([]any) {
			rule := rule.(map[string]any)
			reason, _ := rule["reason"].(string)
			if len(reason) < 40 {
				t.Errorf("%s: suppression of %v gives no real reason: %q", id, rule["id"], reason)
			}
			got[fmt.Sprint(rule["id"])+" on "+strings.TrimRight(id, "0123456789ABCDEF")] = reason
		}
	}
	want := []string{
		"AwsSolutions-APIG4 on ApiGEToncallics",
		"AwsSolutions-APIG4 on ApiPOSTnotify",
		"AwsSolutions-APIG4 on ApiPOSTpagerduty",
		"AwsSolutions-APIG4 on ApiPOSTslackcommands",
		"AwsSolutions-APIG4 on ApiPOSTslackevents",
		"AwsSolutions-APIG4 on ApiPOSTslackinteractions",
		"AwsSolutions-IAM5 on SchedulerRoleDefaultPolicy",
		"AwsSolutions-SQS3 on DeliveriesDLQ",
		"AwsSolutions-SQS3 on ReminderDLQ",
	}
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, want) {
		t.Errorf("cdk-nag suppressions:\n  %v\nwant\n  %v", keys, want)
	}
	for k, reason := range got {
		t.Logf("%s: %s", k, reason)
	}
}

// TestDeliveryQueues: the storage-first path. The deliveries queue is FIFO
// with the senders' deduplication IDs, encrypted, TLS only, kept 14 days,
// and dead-letters to a FIFO DLQ of the same kind; deliver consumes it in
// batches of 10, reporting the items that failed.
func TestDeliveryQueues(t *testing.T) {
	s := full(t)
	if got := s.ofType("AWS::SQS::Queue"); len(got) != 3 {
		t.Errorf("queues %v, want Deliveries, DeliveriesDLQ and ReminderDLQ", got)
	}
	queueID, queue := s.named(t, "AWS::SQS::Queue", "Deliveries")
	dlqID, dlq := s.named(t, "AWS::SQS::Queue", "DeliveriesDLQ")
	const fortnight = 14 * 24 * 3600
	equal(t, queueID+" properties", untagged(queue.Properties), map[string]any{
		"FifoQueue":                 true,
		"ContentBasedDeduplication": false,
		"DeduplicationScope":        "messageGroup",
		"FifoThroughputLimit":       "perMessageGroupId",
		"SqsManagedSseEnabled":      true,
		"MessageRetentionPeriod":    fortnight,
		"VisibilityTimeout":         6 * 30, // 6 × deliver's timeout
		"RedrivePolicy":             map[string]any{"deadLetterTargetArn": getAtt(dlqID, "Arn"), "maxReceiveCount": 50},
	})
	equal(t, dlqID+" properties", untagged(dlq.Properties), map[string]any{
		"FifoQueue":              true,
		"SqsManagedSseEnabled":   true,
		"MessageRetentionPeriod": fortnight,
	})

	// Each queue denies every request not made over TLS.
	policies := map[string]any{}
	for _, id := range s.ofType("AWS::SQS::QueuePolicy") {
		p := s.resources[id].Properties
		for _, q := range list(p["Queues"]) {
			b, _ := json.Marshal(q)
			policies[string(b)] = p["PolicyDocument"]
		}
	}
	for _, id := range []string{queueID, dlqID} {
		b, _ := json.Marshal(ref(id))
		equal(t, id+" queue policy", policies[string(b)], map[string]any{
			"Version": "2012-10-17",
			"Statement": []any{map[string]any{
				"Action":    "sqs:*",
				"Condition": map[string]any{"Bool": map[string]any{"aws:SecureTransport": "false"}},
				"Effect":    "Deny",
				"Principal": map[string]any{"AWS": "*"},
				"Resource":  getAtt(id, "Arn"),
			}},
		})
	}

	deliverID, _ := s.one(t, "AWS::Lambda::Function", "Deliver")
	if got := s.ofType("AWS::Lambda::EventSourceMapping"); len(got) != 1 {
		t.Fatalf("event source mappings %v, want deliver's only", got)
	}
	_, esm := s.one(t, "AWS::Lambda::EventSourceMapping", "Deliver")
	equal(t, "deliver's event source", untagged(esm.Properties), map[string]any{
		"BatchSize":             10,
		"EventSourceArn":        getAtt(queueID, "Arn"),
		"FunctionName":          ref(deliverID),
		"FunctionResponseTypes": []string{"ReportBatchItemFailures"},
	})

	equal(t, "DeliveryQueueUrl output", s.outputs["DeliveryQueueUrl"].(map[string]any)["Value"], ref(queueID))
	equal(t, "DeliveryDLQUrl output", s.outputs["DeliveryDLQUrl"].(map[string]any)["Value"], ref(dlqID))
}

// untagged is p without its Tags (the stack's project tag).
func untagged(p map[string]any) map[string]any {
	out := maps.Clone(p)
	delete(out, "Tags")
	return out
}
