// Command infra is pd2chat's CDK app: one stack with the HTTP API, the
// webhook, remind and deliver functions, the reminder schedules, the
// deliveries queue and its DLQ, the state table and the alarms. The settings come from cdk.json (context "pd2chat") and
// are checked before anything is defined; cdk-nag's AwsSolutions rules run
// on every synth, so `cdk deploy` refuses a stack with an unsuppressed
// finding.
//
//	make synth    # make build, then cdk synth into infra/cdk.out
//	make deploy   # make build, then cdk deploy
package main

import (
	"fmt"
	"os"
	_ "time/tzdata" // validate time zones the same on every machine

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

func main() {
	defer jsii.Close()
	app := awscdk.NewApp(nil)
	settings, err := LoadSettings(func(key string) any { return app.Node().TryGetContext(jsii.String(key)) })
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		jsii.Close()
		os.Exit(1)
	}
	stack := NewStack(app, settings.StackName, &StackProps{Settings: settings})
	warn(stack, settings)
	awscdk.Aspects_Of(app).Add(cdknag.NewAwsSolutionsChecks(&cdknag.NagPackProps{Verbose: jsii.Bool(true)}), nil)
	app.Synth(nil)
}

// warn annotates settings that deploy but leave pd2chat half useful.
func warn(stack awscdk.Stack, s Settings) {
	a := awscdk.Annotations_Of(stack)
	if ConsoleOnly(s.AlertDestinations) {
		a.AddWarningV2(jsii.String("pd2chat:consoleAlerts"), jsii.String("alertDestinations is console only: alerts go to the webhook's log group, not to a chat"))
	}
	if s.SpreadsheetID == "" {
		a.AddWarningV2(jsii.String("pd2chat:noSpreadsheet"), jsii.String("spreadsheetId is not set: no rotation, so nobody is mentioned"))
	}
}
