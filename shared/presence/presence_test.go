package presence_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/chat/slack"
	"github.com/pd2chat/pd2chat/shared/fanout"
	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/message"
	"github.com/pd2chat/pd2chat/shared/presence"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/rotation/csvfile"
	"github.com/pd2chat/pd2chat/shared/state/memory"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
	"github.com/pd2chat/pd2chat/shared/workday"
)

var tokyo, _ = time.LoadLocation("Asia/Tokyo")

// jst is a time on a day of November 2026 in Tokyo.
func jst(day, hour, min int) time.Time { return time.Date(2026, 11, day, hour, min, 0, 0, tokyo) }

type rig struct {
	slack *fakeslack.Server
	cfg   presence.Config
}

func newRig(t *testing.T, dir string) *rig {
	t.Helper()
	fake := fakeslack.New(t)
	fake.SetGroup("S0ONCALL", "U0OLD00001")
	fake.SetGroup("S0SRE", "U0SRE00001", "U0SRE00002")
	hours, _ := workday.ParseHours("Mon-Fri 10:00-17:00")
	opts := slack.Options{Token: "xoxb-t", APIURL: fake.APIURL(), HTTPClient: fake.Client()}
	opts.Channel = "C0ONCALL"
	return &rig{slack: fake, cfg: presence.Config{
		Calendar:      workday.New(tokyo, hours, workday.JP()),
		Rotation:      csvfile.New(dir),
		Slack:         slack.NewApp(opts),
		UserGroup:     "S0ONCALL",
		TopicChannels: []string{"C0ALERTS", "C0DEV"},
		Warn:          []fanout.Destination{{Name: "slack:C0ONCALL", Dialect: message.Slack, Poster: slack.New(opts)}},
		Outbox:        fanout.Direct{Store: memory.New()},
	}}
}

func (r *rig) sync(t *testing.T, at time.Time) presence.Result {
	t.Helper()
	res, err := presence.Sync(context.Background(), r.cfg, at)
	if err != nil {
		t.Fatalf("Sync at %v: %v", at, err)
	}
	return res
}

// TestSyncDay: in business hours the group and the topics take today's
// pair, people's own topic text is kept after "|", and a second run with
// nothing new changes nothing.
func TestSyncDay(t *testing.T) {
	r := newRig(t, "../../testdata/sheet")
	r.slack.SetTopic("C0DEV", "Deploys at 15:00 only")
	r.slack.SetTopic("C0ALERTS", "On call: <@U0OLD00001> (until 17:00) | Runbooks: https://wiki.example.com/rb")
	res := r.sync(t, jst(20, 10, 0)) // Friday: Takahashi, Tanaka
	if !res.InHours || !res.GroupChanged || res.TopicsChanged != 2 {
		t.Errorf("first run: %+v", res)
	}
	if got := r.slack.Group("S0ONCALL"); !slices.Equal(got, []string{"U01TAKAHASH", "U01TANAKA01"}) {
		t.Errorf("group %v", got)
	}
	for ch, want := range map[string]string{
		"C0ALERTS": "On call: <@U01TAKAHASH> <@U01TANAKA01> (until 17:00) | Runbooks: https://wiki.example.com/rb",
		"C0DEV":    "On call: <@U01TAKAHASH> <@U01TANAKA01> (until 17:00) | Deploys at 15:00 only",
	} {
		if got := r.slack.Topic(ch); got != want {
			t.Errorf("%s topic %q, want %q", ch, got, want)
		}
	}
	updates, topics := len(r.slack.Calls("usergroups.users.update")), len(r.slack.Calls("conversations.setTopic"))
	if res := r.sync(t, jst(20, 10, 1)); res.GroupChanged || res.TopicsChanged != 0 {
		t.Errorf("second run changed something: %+v", res)
	}
	if len(r.slack.Calls("usergroups.users.update")) != updates || len(r.slack.Calls("conversations.setTopic")) != topics {
		t.Error("an unchanged answer called Slack's update methods")
	}

	// The next working day (Tuesday: Ito, Watanabe without a Slack ID):
	// Watanabe is named in the topic, and the group has Ito alone.
	r.sync(t, jst(24, 10, 0))
	if got := r.slack.Group("S0ONCALL"); !slices.Equal(got, []string{"U01ITO00001"}) {
		t.Errorf("Tuesday's group %v", got)
	}
	if got := r.slack.Topic("C0DEV"); got != "On call: <@U01ITO00001> Watanabe (until 17:00) | Deploys at 15:00 only" {
		t.Errorf("Tuesday's topic %q", got)
	}
}

// TestSyncOutsideHours: after 17:00, on weekends and holidays nothing is
// changed, unless an off-hours group is set: then the on-call group takes
// its members (the SRE team), and the morning gives it back to the pair.
func TestSyncOutsideHours(t *testing.T) {
	r := newRig(t, "../../testdata/sheet")
	for _, at := range []time.Time{jst(20, 17, 0), jst(21, 11, 0), jst(23, 11, 0)} { // Fri 17:00, Saturday, Labor Thanksgiving Day
		if res := r.sync(t, at); res.InHours || res.GroupChanged || res.TopicsChanged != 0 {
			t.Errorf("%v: %+v", at, res)
		}
	}
	if n := len(r.slack.Requests()); n != 0 {
		t.Errorf("%d Slack calls outside business hours", n)
	}
	r.cfg.OffHoursGroup = "S0SRE"
	r.sync(t, jst(20, 17, 0))
	if got := r.slack.Group("S0ONCALL"); !slices.Equal(got, []string{"U0SRE00001", "U0SRE00002"}) {
		t.Errorf("off hours: %v", got)
	}
	r.sync(t, jst(24, 10, 0))
	if got := r.slack.Group("S0ONCALL"); !slices.Equal(got, []string{"U01ITO00001"}) {
		t.Errorf("next morning: %v", got)
	}
}

// TestSyncNobody: a working day nobody is on call keeps the group's
// members (Slack refuses an empty group) and warns the on-call channel
// once that day, however many sweeps run; the topic says so.
func TestSyncNobody(t *testing.T) {
	r := newRig(t, "../../testdata/sheet")
	for m := range 3 {
		r.sync(t, time.Date(2027, 2, 1, 10, m, 0, 0, tokyo)) // after the sheet's last row
	}
	if got := r.slack.Group("S0ONCALL"); !slices.Equal(got, []string{"U0OLD00001"}) {
		t.Errorf("group %v", got)
	}
	posts := r.slack.Posts()
	if len(posts) != 1 || posts[0].Channel != "C0ONCALL" || !strings.Contains(posts[0].Text, "Slack user group S0ONCALL keeps its previous members") {
		t.Errorf("warnings: %+v", posts)
	}
	if got := r.slack.Topic("C0ALERTS"); got != "On call: nobody in the sheet (until 17:00)" {
		t.Errorf("topic %q", got)
	}
}

// TestSyncConcurrent: sweeps at once agree, and the warning is posted once.
func TestSyncConcurrent(t *testing.T) {
	r := newRig(t, "../../testdata/sheet")
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() { _, _ = presence.Sync(context.Background(), r.cfg, time.Date(2027, 2, 1, 10, 0, 0, 0, tokyo)) })
	}
	wg.Wait()
	if n := len(r.slack.Posts()); n != 1 {
		t.Errorf("%d warnings", n)
	}
	for range 8 {
		wg.Go(func() { _, _ = presence.Sync(context.Background(), r.cfg, jst(20, 11, 0)) })
	}
	wg.Wait()
	if got := r.slack.Group("S0ONCALL"); !slices.Equal(got, []string{"U01TAKAHASH", "U01TANAKA01"}) {
		t.Errorf("group %v", got)
	}
}

// TestSyncSlackFails: a refused update is an error, not a panic or a
// silent success, and the topics are still tried.
func TestSyncSlackFails(t *testing.T) {
	r := newRig(t, "../../testdata/sheet")
	r.cfg.UserGroup = "S0MISSING"
	_, err := presence.Sync(context.Background(), r.cfg, jst(20, 11, 0))
	if err == nil || !strings.Contains(err.Error(), "no_such_subteam") || strings.Contains(err.Error(), "xoxb-t") {
		t.Errorf("error %v", err)
	}
	if r.slack.Topic("C0ALERTS") == "" {
		t.Error("topics not tried after the group failed")
	}
}

func TestCompose(t *testing.T) {
	ours := "On call: <@U1> (until 17:00)"
	long := strings.Repeat("あ", 300)
	for _, c := range []struct{ cur, want string }{
		{"", ours},
		{"On call: <@U9> (until 17:00)", ours},
		{"当番: <@U9>（17:00まで） | 手順書はwiki", ours + " | 手順書はwiki"},
		{"Our team channel", ours + " | Our team channel"},
		{"On call: x |", ours},
	} {
		if got := presence.Compose(ours, c.cur); got != c.want {
			t.Errorf("Compose(%q) = %q, want %q", c.cur, got, c.want)
		}
	}
	if got := presence.Compose(ours, long); len([]rune(got)) != presence.MaxTopic || !strings.HasPrefix(got, ours+" | ") || !strings.HasSuffix(got, "…") {
		t.Errorf("long topic: %d characters: %q", len([]rune(got)), got)
	}
}

func TestTopic(t *testing.T) {
	people := []rotation.Member{{Name: "Takahashi", Slack: "U01TAKAHASH"}, {Name: "<!channel> & co"}}
	if got, want := presence.Topic(locale.English, people, 17*time.Hour), "On call: <@U01TAKAHASH> &lt;!channel&gt; &amp; co (until 17:00)"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
	// A '|' in a name does not split the topic where people's text begins.
	piped := presence.Topic(locale.English, []rotation.Member{{Name: "A|B"}}, 17*time.Hour)
	if got := presence.Compose(piped, presence.Compose(piped, "Deploys on Friday")); got != piped+" | Deploys on Friday" {
		t.Errorf("a name with '|': %q", got)
	}
	if got, want := presence.Topic(locale.Japanese, people[:1], 18*time.Hour+30*time.Minute), "当番: <@U01TAKAHASH>（18:30まで）"; got != want {
		t.Errorf("%q, want %q", got, want)
	}
}
