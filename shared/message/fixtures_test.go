package message

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/pd2chat/pd2chat/shared/internal/pagerduty"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// TestFixtureGolden renders every PagerDuty delivery in testdata/pagerduty,
// as the decoder reads it, in every dialect: testdata/fixtures/<version>_<file>[_<n>].<dialect>.golden.
// Events whose payload lacks the number get the tag of incident 1234, as the
// relay would give them after seeing its trigger.
func TestFixtureGolden(t *testing.T) {
	onCall := []rotation.Member{
		{Name: "Takahashi", Slack: "U01TAKAHASH", Typetalk: "takahashi", Chatwork: "7654321", GoogleChat: "users/998877665544"},
		{Name: "Watanabe", Typetalk: "watanabe"},
	}
	files, err := filepath.Glob("../../testdata/pagerduty/v*/*.json")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	seen := map[string]bool{}
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		d, err := pagerduty.Decode(body)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		base := filepath.Base(filepath.Dir(file)) + "_" + strings.TrimSuffix(filepath.Base(file), ".json")
		for i, ev := range d.Events {
			name := base
			if len(d.Events) > 1 {
				name += "_" + strconv.Itoa(i+1)
			}
			number := ev.Incident.Number
			if number == 0 {
				number = 1234
			}
			in := Input{Event: ev, Tag: Tag(number), OnCall: onCall, Mention: true}
			for _, dl := range dialects {
				golden := name + "." + dl.String() + ".golden"
				seen[golden] = true
				t.Run(golden, func(t *testing.T) {
					checkGolden(t, filepath.Join("testdata", "fixtures", golden), Render(dl, in))
				})
			}
		}
	}
	noStaleGolden(t, filepath.Join("testdata", "fixtures"), seen)
}
