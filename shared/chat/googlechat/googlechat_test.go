package googlechat_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/googlechat"
	"github.com/pd2chat/pd2chat/shared/testkit/fakegooglechat"
)

// TestThreads: the messages of one incident land in one thread (threadKey
// = the incident, REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD); a message without
// an incident starts its own.
func TestThreads(t *testing.T) {
	f := fakegooglechat.New(t)
	p := googlechat.New(googlechat.Options{Name: "oncall", URL: f.WebhookURL("AAAA"), HTTPClient: f.Client()})
	for _, m := range []chat.Message{
		{Text: "🚨 *Triggered* — #1234", Incident: "Q1ABCDEF"},
		{Text: "👀 *Acknowledged* — #1234", Incident: "Q1ABCDEF"},
		{Text: "🌅 *On call today*"},
		{Text: "✅ *Resolved* — #1234", Incident: "Q1ABCDEF"},
	} {
		if err := p.Post(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	posts := f.Posts()
	if len(posts) != 4 || posts[0].ThreadKey != "Q1ABCDEF" || posts[0].ReplyOption != googlechat.ReplyOption ||
		posts[1].Thread != posts[0].Thread || posts[3].Thread != posts[0].Thread || posts[2].Thread == posts[0].Thread || posts[2].ReplyOption != "" {
		t.Errorf("%+v", posts)
	}
	if err := p.Check(context.Background()); err != nil {
		t.Errorf("Check: %v", err)
	}

	// A retry of a message that went out (its answer lost) is not posted
	// again: the same message ID is ALREADY_EXISTS, which counts as done.
	keyed := chat.Message{Text: "📝 *Note*", Incident: "Q1ABCDEF", Key: "ev9/googlechat:oncall"}
	for range 2 {
		if err := p.Post(context.Background(), keyed); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(f.Posts()); n != 5 || f.Posts()[4].MessageID != googlechat.MessageID("ev9/googlechat:oncall") {
		t.Errorf("%d posts: %+v", n, f.Posts())
	}
}

// TestFaults: 429 and 5xx are temporary (with Retry-After), other 4xx
// final; the webhook's key and token never appear in an error.
func TestFaults(t *testing.T) {
	f := fakegooglechat.New(t)
	url := f.WebhookURL("AAAA")
	p := googlechat.New(googlechat.Options{Name: "oncall", URL: url, HTTPClient: f.Client()})
	for _, c := range []struct {
		answer    func(http.ResponseWriter) bool
		temporary bool
	}{
		{fakegooglechat.Status(429, "Retry-After", "2"), true},
		{fakegooglechat.Status(500), true},
		{fakegooglechat.Status(403), false},
		{fakegooglechat.Status(404), false},
	} {
		f.Fail(c.answer)
		err := p.Post(context.Background(), chat.Message{Text: "x", Incident: "Q1"})
		temp, _ := chat.IsTemporary(err)
		if err == nil || temp != c.temporary || strings.Contains(err.Error(), f.Key) || strings.Contains(err.Error(), f.Token) {
			t.Errorf("%v: temporary %v", err, temp)
		}
	}
	wrong := googlechat.New(googlechat.Options{Name: "oncall", URL: strings.Replace(url, f.Token, "stolen", 1), HTTPClient: f.Client()})
	if err := wrong.Post(context.Background(), chat.Message{Text: "x"}); err == nil || strings.Contains(err.Error(), "stolen") {
		t.Errorf("a wrong token: %v", err)
	}
	down := googlechat.New(googlechat.Options{Name: "oncall", URL: "http://127.0.0.1:1/v1/spaces/A/messages?key=k1&token=t1"})
	if err := down.Post(context.Background(), chat.Message{Text: "x"}); err == nil || strings.Contains(err.Error(), "t1") || strings.Contains(err.Error(), "k1") {
		t.Errorf("unreachable: %v", err)
	} else if temp, _ := chat.IsTemporary(err); !temp {
		t.Errorf("unreachable is not temporary: %v", err)
	}
	if err := googlechat.New(googlechat.Options{Name: "x", URL: "https://chat.googleapis.com/v1/spaces/A/messages"}).Check(context.Background()); err == nil {
		t.Error("a webhook URL without key and token passed the check")
	}
}

// TestEncodedTokenRedacted: an answer that echoes the request's URL, where
// the token is percent-encoded, does not reveal it.
func TestEncodedTokenRedacted(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte("bad request to " + r.URL.String()))
	}))
	defer echo.Close()
	p := googlechat.New(googlechat.Options{Name: "oncall", URL: echo.URL + "/v1/spaces/A/messages?key=K3Y&token=T0K%3D%3D", HTTPClient: echo.Client()})
	err := p.Post(context.Background(), chat.Message{Text: "x", Key: "k"})
	if err == nil || strings.Contains(err.Error(), "T0K") || strings.Contains(err.Error(), "K3Y") {
		t.Errorf("%v", err)
	}
}
