package rotation

import (
	"context"
	"errors"
	"testing"
)

type fakeIDs map[string]string

func (f fakeIDs) SlackID(_ context.Context, email string) (string, error) {
	if email == "broken@example.com" {
		return "", errors.New("slack: users.lookupByEmail: HTTP 503")
	}
	return f[email], nil
}

type staticSource struct{ r *Roster }

func (s staticSource) Roster(context.Context) (*Roster, error) { return s.r, nil }

func TestWithSlackIDs(t *testing.T) {
	r, problems := Parse(
		[][]string{{"date", "oncall 1", "oncall 2", "oncall 3"}, {"2026-11-20", "Sato", "watanabe", "Kimura"}},
		[][]string{{"name", "slack", "typetalk", "email"},
			{"Sato", "U01SATO0001", "sato", "sato@example.com"},
			{"Watanabe", "", "watanabe", "watanabe@example.com"},
			{"Kimura", "", "", "broken@example.com"}})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	src := WithSlackIDs(staticSource{r}, fakeIDs{"watanabe@example.com": "U01WATANABE", "sato@example.com": "UWRONG"}, nil)
	got, err := src.Roster(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	day := got.OnCall(Date{2026, 11, 20})
	if len(day) != 3 || day[0].Slack != "U01SATO0001" || day[1].Slack != "U01WATANABE" || day[2].Slack != "" || day[2].Name != "Kimura" {
		t.Errorf("on call: %+v", day)
	}
	if m := got.Members(); m[1].Slack != "U01WATANABE" {
		t.Errorf("members: %+v", m)
	}
	if orig := r.OnCall(Date{2026, 11, 20}); orig[1].Slack != "" {
		t.Error("the source's roster must not change")
	}
}
