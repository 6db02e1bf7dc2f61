package wiring

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/config"
	"github.com/pd2chat/pd2chat/shared/fallback"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
	"github.com/pd2chat/pd2chat/shared/testkit/testlog"
)

// TestCheckDestinations: a channel the bot was never invited to is an
// error line and a page at start-up, with the fix; a good one is silent.
func TestCheckDestinations(t *testing.T) {
	fake := fakeslack.New(t)
	fake.SetBefore(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/api/conversations.info" && r.FormValue("channel") == "C0NOBOT" {
			_, _ = io.WriteString(w, `{"ok":true,"channel":{"id":"C0NOBOT","is_member":false}}`)
			return true
		}
		return false
	})
	dest := func(ch string) fanout.Destination {
		return fanout.Destination{Name: "slack:" + ch, Dialect: message.Slack, Poster: slack.New(slack.Options{Token: "xoxb-t", APIURL: fake.APIURL(), Channel: ch})}
	}
	var logs testlog.Buffer
	p := &fallback.Memory{}
	CheckDestinations(context.Background(), []fanout.Destination{dest("C0NOBOT"), dest("C0FINE")}, p, slog.New(slog.NewJSONHandler(&logs, nil)))
	if got := p.Pages(); len(got) != 1 || got[0].Destination != "slack:C0NOBOT" || !strings.Contains(got[0].Reason, "not_in_channel") {
		t.Errorf("pages %+v", got)
	}
	if !strings.Contains(logs.String(), "/invite @pd2chat") || strings.Contains(logs.String(), "C0FINE") {
		t.Errorf("logs:\n%s", logs.String())
	}
}

// TestCheckedAnnounceChannel: with major incidents on, the announcement
// channel is checked like an alert channel (once, even when it is one);
// without them, or without Slack's token, it is not.
func TestCheckedAnnounceChannel(t *testing.T) {
	alerts := []fanout.Destination{{Name: "slack:C0ALERTS"}}
	cfg := config.Config{MajorChannels: true, MajorAnnounce: "C0ANNOUNCE", SlackBotToken: "xoxb-t"}
	names := func(ds []fanout.Destination) (out []string) {
		for _, d := range ds {
			out = append(out, d.Name)
		}
		return out
	}
	if got := names(Checked(cfg, alerts, HTTPClient(), io.Discard)); !slices.Equal(got, []string{"slack:C0ALERTS", "slack:C0ANNOUNCE"}) {
		t.Errorf("checked %v", got)
	}
	if len(alerts) != 1 {
		t.Errorf("the destinations changed: %v", names(alerts))
	}
	cfg.MajorAnnounce = "C0ALERTS"
	if got := names(Checked(cfg, alerts, HTTPClient(), io.Discard)); len(got) != 1 {
		t.Errorf("the alert channel twice: %v", got)
	}
	cfg.MajorAnnounce, cfg.MajorChannels = "C0ANNOUNCE", false
	if got := names(Checked(cfg, alerts, HTTPClient(), io.Discard)); len(got) != 1 {
		t.Errorf("major incidents off: %v", got)
	}
}
