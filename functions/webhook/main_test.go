package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestSetupRefusesBrokenSettings(t *testing.T) {
	cases := []struct {
		name     string
		env      map[string]string
		inLambda bool
		want     []string
	}{
		{"Lambda without signing secrets", nil, true, []string{"PAGERDUTY_WEBHOOK_SECRETS"}},
		{"several problems at once", map[string]string{"PORT": "x", "ALERT_DESTINATIONS": "slack:C1"}, false,
			[]string{"PORT", "SLACK_BOT_TOKEN"}},
		{"missing rotation directory", map[string]string{"ROTATION_SOURCE": "csv:/nonexistent"}, false, []string{"ROTATION_SOURCE"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := setup(t.Context(), func(k string) string { return tc.env[k] }, tc.inLambda, io.Discard, slog.New(slog.DiscardHandler))
			if tc.want == nil {
				if err != nil {
					t.Fatalf("setup refused good settings: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("setup accepted broken settings")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not name %s: %v", w, err)
				}
			}
		})
	}
}

func TestLocalRoutes(t *testing.T) {
	getenv := func(k string) string {
		return map[string]string{"ROTATION_SOURCE": "csv:../../testdata/sheet", "ICAL_TOKEN": "0123456789abcdef"}[k]
	}
	hs, _, err := setup(t.Context(), getenv, false, io.Discard, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(routes(hs))
	defer srv.Close()
	for _, tc := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/healthz", 200},
		{"GET", "/pagerduty", 405},
		{"POST", "/pagerduty", 400}, // empty body
		{"POST", "/elsewhere", 404},
		{"GET", "/oncall.ics?token=0123456789abcdef", 200},
		{"GET", "/oncall.ics?token=guess", 404},
		{"POST", "/oncall.ics?token=0123456789abcdef", 405},
	} {
		req, _ := http.NewRequest(tc.method, srv.URL+tc.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, resp.StatusCode, tc.status)
		}
	}
}
