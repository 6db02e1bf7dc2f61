package alertdetails_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/pd2chat/pd2chat/shared/alertdetails"
	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/testkit/fakepagerduty"
)

func TestFirstAlert(t *testing.T) {
	pd := fakepagerduty.New(t)
	pd.SetAlert("Q1ABCDEF", map[string]any{
		"details":  map[string]any{"lag_seconds": 42, "host": "db-1", "tags": []any{"prod", "db"}},
		"contexts": []any{map[string]any{"type": "link", "href": "https://grafana.example.com/d/1", "text": "Dashboard"}, map[string]any{"type": "image", "src": "x"}},
	})
	pd.SetAlert("QCEF", map[string]any{"cef_details": map[string]any{"details": map[string]any{"region": "ap-northeast-1"}}})
	s := alertdetails.New("u+key", pd.URL, nil)
	ctx := context.Background()
	a, err := s.FirstAlert(ctx, "Q1ABCDEF")
	if err != nil {
		t.Fatal(err)
	}
	want := []incident.Detail{{Key: "host", Value: "db-1"}, {Key: "lag_seconds", Value: "42"}, {Key: "tags", Value: `["prod","db"]`}}
	if len(a.Details) != 3 || a.Details[0] != want[0] || a.Details[1] != want[1] || a.Details[2] != want[2] {
		t.Errorf("details %+v", a.Details)
	}
	if len(a.Links) != 1 || a.Links[0] != (incident.Link{Label: "Dashboard", URL: "https://grafana.example.com/d/1"}) {
		t.Errorf("links %+v", a.Links)
	}
	if _, err := s.FirstAlert(ctx, "Q1ABCDEF"); err != nil || len(pd.Calls()) != 1 {
		t.Errorf("asked again: %d calls, %v; want the cache", len(pd.Calls()), err)
	}
	if a, err := s.FirstAlert(ctx, "QCEF"); err != nil || len(a.Details) != 1 || a.Details[0].Value != "ap-northeast-1" {
		t.Errorf("Events API v2 alert: %+v, %v", a, err)
	}
	if a, err := s.FirstAlert(ctx, "QNONE"); err != nil || len(a.Details)+len(a.Links) != 0 {
		t.Errorf("no alert: %+v, %v", a, err)
	}
	if _, err := s.FirstAlert(ctx, "Q1/../x"); err == nil {
		t.Error("a path in an incident ID was sent")
	}
	if c := pd.Calls()[0]; c.Auth != "Token token=u+key" || !strings.HasSuffix(c.Path, "/incidents/Q1ABCDEF/alerts") {
		t.Errorf("call %+v", c)
	}
}

func TestFirstAlertFailures(t *testing.T) {
	for _, tc := range []struct {
		status    int
		temporary bool
	}{{http.StatusTooManyRequests, true}, {http.StatusInternalServerError, true}, {http.StatusUnauthorized, false}} {
		pd := fakepagerduty.New(t)
		pd.Fail(func(w http.ResponseWriter, r *http.Request) bool {
			fakepagerduty.Error(w, tc.status, http.StatusText(tc.status), 2000)
			return true
		})
		_, err := alertdetails.New("u+secret", pd.URL, nil).FirstAlert(context.Background(), "Q1ABCDEF")
		if temp, _ := chat.IsTemporary(err); err == nil || temp != tc.temporary || strings.Contains(err.Error(), "u+secret") {
			t.Errorf("%d: %v (temporary %v), want temporary %v and no key", tc.status, err, temp, tc.temporary)
		}
		if limited := errors.Is(err, alertdetails.ErrRateLimited); limited != (tc.status == http.StatusTooManyRequests) {
			t.Errorf("%d: rate limited %v", tc.status, limited)
		}
	}
}
