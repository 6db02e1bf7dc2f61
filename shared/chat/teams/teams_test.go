package teams_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/pd2chat/pd2chat/shared/chat"
	"github.com/pd2chat/pd2chat/shared/chat/teams"
	"github.com/pd2chat/pd2chat/shared/testkit/faketeams"
)

// TestCard: the title, the facts, the lines, the buttons and real mentions
// (<at>Name</at> with its entity), as the Workflows webhook takes them.
func TestCard(t *testing.T) {
	f := faketeams.New(t)
	p := teams.New(teams.Options{Name: "oncall", URL: f.WebhookURL("alerts"), HTTPClient: f.Client()})
	m := chat.Message{
		Text: "🚨 **Triggered** — [#1234 checkout-api: 5xx](https://acme.pagerduty.com/incidents/Q1)\nAssigned to: Taro Yamada\n#pd1234\n" +
			`On call: <at id="sato.taro@example.co.jp">Sato Taro</at> Suzuki`,
		Facts: []chat.Fact{{Title: "Service", Value: "checkout-api"}, {Title: "Urgency", Value: "high"}},
		Links: []chat.Link{{Title: "Open in PagerDuty", URL: "https://acme.pagerduty.com/incidents/Q1"}},
	}
	if err := p.Post(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	cards := f.Cards()
	if len(cards) != 1 {
		t.Fatalf("%d cards", len(cards))
	}
	c := cards[0]
	if c.Version != "1.4" || c.Texts[0] != "🚨 **Triggered** — [#1234 checkout-api: 5xx](https://acme.pagerduty.com/incidents/Q1)" ||
		c.Texts[1] != "Assigned to: Taro Yamada\n\n#pd1234\n\nOn call: <at>Sato Taro</at> Suzuki" || c.Mentions["<at>Sato Taro</at>"] != "sato.taro@example.co.jp" ||
		c.Facts["Service"] != "checkout-api" || c.Actions[0] != "Open in PagerDuty → https://acme.pagerduty.com/incidents/Q1" {
		t.Errorf("%+v", c)
	}
	if err := p.Check(context.Background()); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestFaults: 429 and 5xx are temporary, other 4xx final; the signature
// is never in an error.
func TestFaults(t *testing.T) {
	f := faketeams.New(t)
	p := teams.New(teams.Options{Name: "oncall", URL: f.WebhookURL("alerts"), HTTPClient: f.Client()})
	for _, c := range []struct {
		answer    func(http.ResponseWriter) bool
		temporary bool
	}{
		{faketeams.Status(429, "Retry-After", "3"), true},
		{faketeams.Status(502), true},
		{faketeams.Status(400), false},
		{faketeams.Status(404), false},
	} {
		f.Fail(c.answer)
		err := p.Post(context.Background(), chat.Message{Text: "x"})
		temp, _ := chat.IsTemporary(err)
		if err == nil || temp != c.temporary || strings.Contains(err.Error(), f.Sig) {
			t.Errorf("%v: temporary %v", err, temp)
		}
	}
	wrong := teams.New(teams.Options{Name: "oncall", URL: strings.Replace(f.WebhookURL("alerts"), f.Sig, "forged", 1), HTTPClient: f.Client()})
	if err := wrong.Post(context.Background(), chat.Message{Text: "x"}); err == nil || strings.Contains(err.Error(), "forged") {
		t.Errorf("a wrong signature: %v", err)
	}
	if err := teams.New(teams.Options{Name: "x", URL: "https://prod.westus.logic.azure.com/workflows/1/triggers/manual/paths/invoke"}).Check(context.Background()); err == nil {
		t.Error("a URL without its signature passed the check")
	}
}

// TestCardSize: the card's JSON keeps & < > as they are, a text at the
// renderer's limit fits, and a card too big for Teams is refused, not
// posted to fail unseen in the flow.
func TestCardSize(t *testing.T) {
	f := faketeams.New(t)
	p := teams.New(teams.Options{Name: "oncall", URL: f.WebhookURL("alerts"), HTTPClient: f.Client()})
	for _, text := range []string{"head\n" + strings.Repeat("&", 6000), "head\n" + strings.Repeat("x\n", 3000), "head\n" + strings.Repeat("あ", 6000)} {
		if err := p.Post(context.Background(), chat.Message{Text: text}); err != nil {
			t.Errorf("%d characters: %v", len(text), err)
		}
	}
	huge := chat.Message{Text: "head", Facts: []chat.Fact{{Title: "x", Value: strings.Repeat("あ", 10000)}}}
	if err := p.Post(context.Background(), huge); err == nil || !strings.Contains(err.Error(), "bytes") {
		t.Errorf("a huge card: %v", err)
	} else if temp, _ := chat.IsTemporary(err); temp {
		t.Error("a huge card is not a temporary failure")
	}
}
