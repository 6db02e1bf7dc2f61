package slack

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
)

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, path, answer string
		want               string // "" for no error
		temporary          bool
	}{
		{"all fine", "", "", "", false},
		{"token revoked", "/api/auth.test", `{"ok":false,"error":"token_revoked"}`, "token_revoked", false},
		{"invalid auth", "/api/auth.test", `{"ok":false,"error":"invalid_auth"}`, "invalid_auth", false},
		{"channel gone", "/api/conversations.info", `{"ok":false,"error":"channel_not_found"}`, "channel_not_found", false},
		{"archived", "/api/conversations.info", `{"ok":true,"channel":{"id":"C1","is_member":true,"is_archived":true}}`, "is_archived", false},
		{"bot not invited", "/api/conversations.info", `{"ok":true,"channel":{"id":"C1","is_member":false}}`, "not_in_channel", false},
		{"Slack down", "/api/auth.test", "", "500", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fake := fakeslack.New(t)
			fake.SetBefore(func(w http.ResponseWriter, r *http.Request) bool {
				if r.URL.Path != tc.path {
					return false
				}
				if tc.answer == "" {
					http.Error(w, "down", http.StatusInternalServerError)
					return true
				}
				_, _ = io.WriteString(w, tc.answer)
				return true
			})
			err := New(Options{Token: "xoxb-check-token", APIURL: fake.APIURL(), Channel: "C1"}).Check(context.Background())
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "slack: check C1") {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
			if temporary, _ := chat.IsTemporary(err); temporary != tc.temporary {
				t.Errorf("temporary %v, want %v", temporary, tc.temporary)
			}
			if strings.Contains(err.Error(), "xoxb-check-token") {
				t.Error("the token is in the error")
			}
		})
	}
}
