package secrets

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
)

// fakeSecretsManager speaks the Secrets Manager JSON 1.1 protocol for
// GetSecretValue.
func fakeSecretsManager(t *testing.T, secrets map[string]string) *secretsmanager.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") != "secretsmanager.GetSecretValue" {
			http.Error(w, "unexpected target", http.StatusBadRequest)
			return
		}
		if !strings.HasPrefix(r.Header.Get("Authorization"), "AWS4-HMAC-SHA256") {
			http.Error(w, "unsigned", http.StatusForbidden)
			return
		}
		var in struct{ SecretId string }
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &in)
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		v, ok := secrets[in.SecretId]
		if !ok {
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"__type":"ResourceNotFoundException","Message":"Secrets Manager can't find the specified secret."}`)
			return
		}
		out, _ := json.Marshal(map[string]any{"ARN": in.SecretId, "Name": "pd2chat", "SecretString": v, "VersionId": "v1"})
		_, _ = w.Write(out)
	}))
	t.Cleanup(srv.Close)
	return secretsmanager.New(secretsmanager.Options{
		Region:       "ap-northeast-1",
		BaseEndpoint: aws.String(srv.URL),
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
	})
}

func TestLoad(t *testing.T) {
	const arn = "arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:pd2chat-AbCdEf"
	api := fakeSecretsManager(t, map[string]string{
		arn:       `{"SLACK_BOT_TOKEN":"xoxb-from-secret","PAGERDUTY_WEBHOOK_SECRETS":"s1,s2"}`,
		"typo":    `{"SLACK_TOKEN":"xoxb-x"}`,
		"notjson": `xoxb-plain-value`,
		"number":  `{"PAGERDUTY_V2_TOKEN":42}`,
	})
	ctx := context.Background()
	values, err := Load(ctx, api, arn)
	if err != nil {
		t.Fatal(err)
	}
	env := Overlay(func(k string) string {
		return map[string]string{"SLACK_BOT_TOKEN": "xoxb-from-env"}[k]
	}, values)
	if env("SLACK_BOT_TOKEN") != "xoxb-from-env" || env("PAGERDUTY_WEBHOOK_SECRETS") != "s1,s2" || env("TYPETALK_TOKEN") != "" {
		t.Errorf("overlay: env must win, the secret fill the rest")
	}

	for _, tc := range []struct{ id, want string }{
		{"typo", `unknown key "SLACK_TOKEN"`},
		{"notjson", "not a JSON object"},
		{"number", "PAGERDUTY_V2_TOKEN must be a string"},
		{"missing", "ResourceNotFoundException"},
	} {
		_, err := Load(ctx, api, tc.id)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.id, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), "xoxb-") || strings.Contains(err.Error(), "42")) {
			t.Errorf("%s: error shows a secret value: %v", tc.id, err)
		}
	}
}
