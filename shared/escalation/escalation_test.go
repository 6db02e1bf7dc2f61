package escalation

import (
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	l, err := Parse("default")
	if err != nil || len(l) != 5 || l[2] != (Step{Backup, 20 * time.Minute}) || len(l.FollowUps()) != 4 {
		t.Fatalf("%v %v", l, err)
	}
	var parts []string
	for _, s := range l {
		parts = append(parts, s.String())
	}
	if got := strings.Join(parts, ", "); got != "pair@0s, pair@10m, backup@20m, lead@30m, here@40m" {
		t.Errorf("String: %s", got)
	}
	if l, err := Parse(" Backup@15m ,here@1h30m"); err != nil || len(l.FollowUps()) != 2 || l[1].After != 90*time.Minute {
		t.Errorf("%v %v", l, err)
	}
	for in, want := range map[string]string{
		"backup":               "is not LEVEL@DURATION",
		"boss@10m":             `"boss" is not a level`,
		"pair@ten":             "is not a duration",
		"pair@-1m":             "is not a duration",
		"pair@25h":             "is not a duration",
		"backup@0m, pair@10m":  "the step at 0m is the alert itself",
		"pair@10m, backup@10m": "each step must come after",
		"pair@0m":              "no step after the alert",
		"":                     "no step after the alert",
		strings.Repeat("here@1m,", 1) + "pair@2m,pair@3m,pair@4m,pair@5m,pair@6m,pair@7m,pair@8m,pair@9m,pair@10m,pair@11m": "at most 10",
	} {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%q): %v, want %q", in, err, want)
		}
	}
}
