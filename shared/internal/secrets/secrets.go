// Package secrets reads pd2chat's secret settings from one AWS Secrets
// Manager secret (SECRETS_ARN) at cold start. The secret's value is a JSON
// object whose keys are the secret variables' names; a variable set in the
// environment always wins over the secret's key, so the same binary runs
// under a test harness or on a laptop unchanged.
package secrets

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// Keys are the settings a secret may hold. Other keys are an error: a typo
// would otherwise silently leave a setting empty.
var Keys = []string{
	"PAGERDUTY_WEBHOOK_SECRETS",
	"PAGERDUTY_V2_TOKEN",
	"PAGERDUTY_API_TOKEN",
	"SLACK_BOT_TOKEN",
	"SLACK_SIGNING_SECRET",
	"TYPETALK_TOKEN",
	"GOOGLE_CREDENTIALS_JSON",
	"ICAL_TOKEN",
	"NOTIFY_SECRET",
	"CHATWORK_TOKEN",
	"GOOGLECHAT_WEBHOOKS",
	"TEAMS_WEBHOOKS",
}

// API is the part of the Secrets Manager client used here.
type API interface {
	GetSecretValue(ctx context.Context, in *secretsmanager.GetSecretValueInput, opts ...func(*secretsmanager.Options)) (*secretsmanager.GetSecretValueOutput, error)
}

// Load reads the secret arn and returns its keys. Errors name the secret,
// never a value.
func Load(ctx context.Context, api API, arn string) (map[string]string, error) {
	out, err := api.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(arn)})
	if err != nil {
		return nil, fmt.Errorf("secrets: read SECRETS_ARN %s: %w", arn, err)
	}
	if out.SecretString == nil {
		return nil, fmt.Errorf("secrets: SECRETS_ARN %s holds a binary secret; store a JSON object of strings", arn)
	}
	var raw map[string]any
	if err := json.Unmarshal([]byte(*out.SecretString), &raw); err != nil {
		// The JSON error could quote a piece of the secret: leave it out.
		return nil, fmt.Errorf("secrets: SECRETS_ARN %s is not a JSON object (keys %v)", arn, Keys)
	}
	values := make(map[string]string, len(raw))
	for k, v := range raw {
		s, ok := v.(string)
		switch {
		case !known(k):
			return nil, fmt.Errorf("secrets: SECRETS_ARN %s has an unknown key %q (known: %v)", arn, k, Keys)
		case !ok:
			return nil, fmt.Errorf("secrets: SECRETS_ARN %s: key %s must be a string", arn, k)
		}
		values[k] = s
	}
	return values, nil
}

func known(k string) bool {
	for _, key := range Keys {
		if k == key {
			return true
		}
	}
	return false
}

// Overlay is getenv with the secret's values under it: a variable set
// (non-empty) in the environment wins, else the secret's key.
func Overlay(getenv func(string) string, values map[string]string) func(string) string {
	return func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return values[name]
	}
}
