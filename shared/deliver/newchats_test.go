package deliver_test

import (
	"strings"
	"testing"

	"github.com/pd2chat/pd2chat/shared/chat/chatwork"
	"github.com/pd2chat/pd2chat/shared/chat/googlechat"
	"github.com/pd2chat/pd2chat/shared/chat/teams"
	"github.com/pd2chat/pd2chat/shared/deliver"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/testkit/fakechatwork"
	"github.com/pd2chat/pd2chat/shared/testkit/fakegooglechat"
	"github.com/pd2chat/pd2chat/shared/testkit/faketeams"
)

// TestChatworkAndGoogleChat: an incident's trigger and acknowledgement
// reach Chatwork as boxes (the trigger mentioning the pair first) and
// Google Chat in one thread, beside Slack.
func TestChatworkAndGoogleChat(t *testing.T) {
	cw := fakechatwork.New(t, "cw-token")
	cw.Room("555")
	gc := fakegooglechat.New(t)
	r := newRig(t, func(c *deliver.Config) {
		c.MentionOn = incident.DefaultMentionOn
		c.Destinations = append(c.Destinations,
			fanout.Destination{Name: "chatwork:555", Dialect: message.Chatwork, Poster: chatwork.New(chatwork.Options{
				Token: "cw-token", APIURL: cw.APIURL(), RoomID: "555", HTTPClient: cw.Client()})},
			fanout.Destination{Name: "googlechat:oncall", Dialect: message.GoogleChat, Poster: googlechat.New(googlechat.Options{
				Name: "oncall", URL: gc.WebhookURL("AAAA"), HTTPClient: gc.Client()})})
	})
	trigger, ack := event("T1", incident.Triggered, "Q1", 0), event("A1", incident.Acknowledged, "Q1", 3)
	for _, j := range []deliver.Job{trigger, ack} {
		for _, dest := range []string{"chatwork:555", "googlechat:oncall"} {
			j := j
			j.Destination = dest
			r.send(t, j)
		}
	}
	r.run(t, 1)
	cposts := cw.Posts()
	// testdata/sheet's members have no Chatwork ID: named, in the box.
	if len(cposts) != 2 || !strings.HasPrefix(cposts[0].Body, "[info][title]🚨 Triggered — #1002 checkout-api: 5xx on Q1[/title]") ||
		!strings.HasSuffix(cposts[0].Body, "#pd1002\nOn call: Takahashi Tanaka[/info]") || !strings.HasPrefix(cposts[1].Body, "[info][title]👀 Acknowledged") {
		t.Errorf("Chatwork: %+v", cposts)
	}
	gposts := gc.Posts()
	if len(gposts) != 2 || gposts[0].ThreadKey != "Q1" || gposts[1].Thread != gposts[0].Thread ||
		!strings.HasPrefix(gposts[0].Text, "🚨 *Triggered* — #1002") || gposts[0].MessageID == "" {
		t.Errorf("Google Chat: %+v", gposts)
	}
}

// TestTeams: the trigger reaches Teams as a card whose facts and button
// come from the incident, and whose text has neither the facts line nor
// the bare URL.
func TestTeams(t *testing.T) {
	tf := faketeams.New(t)
	r := newRig(t, func(c *deliver.Config) {
		c.MentionOn = incident.DefaultMentionOn
		c.Destinations = append(c.Destinations, fanout.Destination{Name: "teams:alerts", Dialect: message.Teams,
			Poster: teams.New(teams.Options{Name: "alerts", URL: tf.WebhookURL("alerts"), HTTPClient: tf.Client()})})
	})
	trigger := event("T1", incident.Triggered, "Q1", 0)
	trigger.Event.Incident.URL = "https://acme.pagerduty.com/incidents/Q1"
	trigger.Event.Incident.Urgency = "high"
	trigger.Destination = "teams:alerts"
	r.send(t, trigger)
	r.run(t, 1)
	cards := tf.Cards()
	if len(cards) != 1 {
		t.Fatalf("%d cards", len(cards))
	}
	c := cards[0]
	if c.Facts["Service"] != "checkout-api" || c.Facts["Urgency"] != "high" || len(c.Actions) != 1 ||
		c.Actions[0] != "Open in PagerDuty → https://acme.pagerduty.com/incidents/Q1" ||
		c.Texts[0] != "🚨 **Triggered** — [#1002 checkout-api: 5xx on Q1](https://acme.pagerduty.com/incidents/Q1)" {
		t.Errorf("%+v", c)
	}
	for _, line := range c.Texts {
		if strings.Contains(line, "Service:") || strings.Contains(line, "\n\nhttps://acme.pagerduty.com/incidents/Q1") {
			t.Errorf("the text repeats the card's facts: %q", line)
		}
	}
}
