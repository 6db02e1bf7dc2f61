package chatwork_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/chatwork"
	"github.com/pd2chat/pd2chat/shared/testkit/fakechatwork"
)

const token = "cw-token-0123456789abcdef"

func poster(f *fakechatwork.Server, room string) *chatwork.Poster {
	return chatwork.New(chatwork.Options{Token: token, APIURL: f.APIURL(), RoomID: room, HTTPClient: f.Client(),
		Now: func() time.Time { return time.Unix(1_800_000_000, 0) }})
}

// TestPost: the body is the box (mentions first, the first line as the
// title), self_unread=0, the token in X-ChatWorkToken.
func TestPost(t *testing.T) {
	f := fakechatwork.New(t, token)
	f.Room("424242")
	text := "🚨 Triggered — #1234 checkout-api: 5xx\nService: checkout-api\n#pd1234\nOn call: [To:1234567]Sato Suzuki"
	if err := poster(f, "424242").Post(context.Background(), chat.Message{Text: text}); err != nil {
		t.Fatal(err)
	}
	posts := f.Posts()
	want := "On call: [To:1234567]Sato Suzuki\n[info][title]🚨 Triggered — #1234 checkout-api: 5xx[/title]Service: checkout-api\n#pd1234[/info]"
	if len(posts) != 1 || posts[0].Body != want || posts[0].SelfUnread != "0" {
		t.Errorf("%+v\nwant %q", posts, want)
	}
	if err := poster(f, "424242").Check(context.Background()); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestFaults: 429 waits as Chatwork says (Retry-After, else
// x-ratelimit-reset), 5xx is temporary, a wrong token, an unknown room or
// a refused body are final; the token is never in an error.
func TestFaults(t *testing.T) {
	f := fakechatwork.New(t, token)
	f.Room("1")
	p := poster(f, "1")
	post := func() error { return p.Post(context.Background(), chat.Message{Text: "x"}) }
	for _, c := range []struct {
		answer    func(http.ResponseWriter) bool
		temporary bool
		wait      time.Duration
	}{
		{fakechatwork.Status(429, "Retry-After", "7"), true, 7 * time.Second},
		{fakechatwork.Status(429, "X-Ratelimit-Reset", "1800000030"), true, 30 * time.Second},
		{fakechatwork.Status(503), true, 0},
		{fakechatwork.Status(401), false, 0},
		{fakechatwork.Status(400), false, 0},
	} {
		f.Fail(c.answer)
		err := post()
		temp, wait := chat.IsTemporary(err)
		if err == nil || temp != c.temporary || wait != c.wait || strings.Contains(err.Error(), token) {
			t.Errorf("%v: temporary %v, wait %v", err, temp, wait)
		}
	}
	if err := poster(f, "999").Post(context.Background(), chat.Message{Text: "x"}); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("unknown room: %v", err)
	}
	bad := chatwork.New(chatwork.Options{Token: "wrong", APIURL: f.APIURL(), RoomID: "1", HTTPClient: f.Client()})
	if err := bad.Check(context.Background()); err == nil || !strings.Contains(err.Error(), "401") || strings.Contains(err.Error(), "wrong") {
		t.Errorf("a wrong token: %v", err)
	}
	if err := p.Post(context.Background(), chat.Message{Text: strings.Repeat("あ", chatwork.MaxLength+1)}); err == nil {
		t.Error("a body over the limit was posted")
	}
}

func TestBox(t *testing.T) {
	for in, want := range map[string]string{
		"one line":               "[info][title]one line[/title][/info]",
		"[toall] everyone\nhead": "[toall] everyone\n[info][title]head[/title][/info]",
		"head\nbody\n":           "[info][title]head[/title]body\n[/info]",
	} {
		if got := chatwork.Box(in); got != want {
			t.Errorf("Box(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestRedirectIsNotFollowed: a redirect from the API is a failure; the
// token is not sent to the host it names.
func TestRedirectIsNotFollowed(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("followed the redirect, with token %q", r.Header.Get("X-ChatWorkToken"))
	}))
	defer other.Close()
	redirect := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer redirect.Close()
	p := chatwork.New(chatwork.Options{Token: token, APIURL: redirect.URL + "/v2", RoomID: "1", HTTPClient: redirect.Client()})
	if err := p.Post(context.Background(), chat.Message{Text: "x"}); err == nil || !strings.Contains(err.Error(), "307") {
		t.Errorf("a redirect: %v", err)
	}
}
