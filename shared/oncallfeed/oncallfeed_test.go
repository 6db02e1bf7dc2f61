package oncallfeed_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/oncallfeed"
	"github.com/pd2chat/pd2chat/shared/rotation/csvfile"
	"github.com/pd2chat/pd2chat/shared/workday"
)

var tokyo, _ = time.LoadLocation("Asia/Tokyo")

// sheet writes a weekly rotation: Takahashi and Tanaka the week of 11-16,
// Sato and Suzuki the week of 11-23 (Monday 11-23 is a holiday), Ito
// swapped in for Sato on Wednesday 11-25.
func sheet(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"rotation.csv": "week,primary,secondary\n2026-11-16,Takahashi,Tanaka\n2026-11-23,Sato,Suzuki\n2026-11-25,Ito,Suzuki\n",
		"members.csv":  "name,slack\nTakahashi,U01TAKAHASH\nTanaka,U01TANAKA01\nSato,U01SATO0001\nSuzuki,U01SUZUKI01\nIto,U01ITO00001\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

type shift struct{ day, who, start, end string }

// parse reads a feed back with the library, as a calendar app would.
func parse(t *testing.T, body string) []shift {
	t.Helper()
	c, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, body)
	}
	var out []shift
	for _, ev := range c.Events() {
		start, end := ev.GetProperty(ics.ComponentPropertyDtStart), ev.GetProperty(ics.ComponentPropertyDtEnd)
		st, err := ev.GetStartAt()
		if err != nil {
			st, err = ev.GetAllDayStartAt()
		}
		if err != nil || start == nil || end == nil {
			t.Fatalf("event %s without its times: %v", ev.Id(), err)
		}
		summary := ev.GetProperty(ics.ComponentPropertySummary).Value
		out = append(out, shift{st.In(tokyo).Format("2006-01-02"), summary, start.Value, end.Value})
	}
	return out
}

func handler(t *testing.T, now time.Time, l locale.Language) *oncallfeed.Handler {
	hours, _ := workday.ParseHours("Mon-Fri 10:00-17:00")
	return oncallfeed.New(oncallfeed.Config{
		Calendar: workday.New(tokyo, hours, workday.JP()), Rotation: csvfile.New(sheet(t)),
		Token: "s3cret-feed", Language: l, Now: func() time.Time { return now },
	})
}

func get(h http.Handler, target string, header ...string) *httptest.ResponseRecorder {
	mux := http.NewServeMux()
	h.(*oncallfeed.Handler).Register(mux)
	req := httptest.NewRequest("GET", target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, req)
	return rec
}

func TestFeed(t *testing.T) {
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, tokyo)
	h := handler(t, now, locale.English)
	rec := get(h, "/oncall.ics?token=s3cret-feed")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/calendar") || rec.Header().Get("ETag") == "" {
		t.Fatalf("%d %v", rec.Code, rec.Header())
	}
	if body := rec.Body.String(); strings.Count(body, "\r\n") == 0 || strings.Count(body, "\n") != strings.Count(body, "\r\n") {
		t.Error("lines must end in CRLF (RFC 5545 §3.1)")
	}
	shifts := parse(t, rec.Body.String())
	days := map[string][]string{}
	for _, s := range shifts {
		days[s.day] = append(days[s.day], s.who)
	}
	for day, want := range map[string][]string{
		"2026-11-16": {"On call: Takahashi", "On call: Tanaka"},
		"2026-11-20": {"On call: Takahashi", "On call: Tanaka"},
		"2026-11-21": nil, // Saturday
		"2026-11-23": nil, // Labor Thanksgiving Day
		"2026-11-24": {"On call: Sato", "On call: Suzuki"},
		"2026-11-25": {"On call: Ito", "On call: Suzuki"}, // the swap
		"2026-11-27": {"On call: Sato", "On call: Suzuki"},
	} {
		if got := days[day]; !slices.Equal(got, want) {
			t.Errorf("%s: %v, want %v", day, got, want)
		}
	}
	if s := shifts[0]; s.start != "20261116T010000Z" || s.end != "20261116T080000Z" {
		t.Errorf("business hours in UTC: %+v", s)
	}

	// One person's shifts, whole days.
	mine := parse(t, get(h, "/oncall.ics?token=s3cret-feed&member=%EF%BD%93%EF%BD%81%EF%BD%94%EF%BD%8F&allday=1").Body.String()) // ｓａｔｏ
	if len(mine) != 3 || mine[0].day != "2026-11-24" || mine[0].start != "20261124" || mine[0].end != "20261125" {
		t.Errorf("Sato's all-day shifts: %+v", mine)
	}

	// The token is the secret; a stranger sees no feed at all.
	for _, target := range []string{"/oncall.ics", "/oncall.ics?token=", "/oncall.ics?token=s3cret-fee", "/oncall.ics?token=S3CRET-FEED"} {
		if rec := get(h, target); rec.Code != 404 || strings.Contains(rec.Body.String(), "BEGIN:VCALENDAR") {
			t.Errorf("%s: %d", target, rec.Code)
		}
	}
	if rec := get(h, "/oncall.ics?token=s3cret-feed&member=Nobody"); rec.Code != 404 {
		t.Errorf("unknown member: %d", rec.Code)
	}

	// Polling: the same ETag answers 304 with no body.
	etag := rec.Header().Get("ETag")
	if again := get(h, "/oncall.ics?token=s3cret-feed", "If-None-Match", etag); again.Code != 304 || again.Body.Len() != 0 {
		t.Errorf("If-None-Match: %d", again.Code)
	}
	later := handler(t, now.Add(3*time.Hour), locale.English) // same day, another instant
	if got := get(later, "/oncall.ics?token=s3cret-feed"); got.Body.String() != rec.Body.String() {
		t.Error("the feed changed within the day with the sheet unchanged (DTSTAMP must be stable)")
	}
}

// TestFeedStableEvents: the next day, the shifts both feeds hold are the
// same events, byte for byte (UID and DTSTAMP included).
func TestFeedStableEvents(t *testing.T) {
	day1 := get(handler(t, time.Date(2026, 11, 20, 12, 0, 0, 0, tokyo), locale.English), "/oncall.ics?token=s3cret-feed").Body.String()
	day2 := get(handler(t, time.Date(2026, 11, 21, 12, 0, 0, 0, tokyo), locale.English), "/oncall.ics?token=s3cret-feed").Body.String()
	events := func(s string) []string {
		var out []string
		for _, part := range strings.Split(s, "BEGIN:VEVENT")[1:] {
			out = append(out, strings.Split(part, "END:VEVENT")[0])
		}
		return out
	}
	e1, e2 := events(day1), events(day2)
	if len(e1) == 0 || !slices.Equal(e1, e2) {
		t.Errorf("events differ from one day to the next:\n%d vs %d", len(e1), len(e2))
	}
}

func TestFeedJapaneseAndHostileNames(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "rotation.csv"), []byte("date,primary,secondary\n2026-11-20,\"田中, 太郎;\",Sato\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "members.csv"), []byte("name\n\"田中, 太郎;\"\nSato\n"), 0o644)
	hours, _ := workday.ParseHours("Mon-Fri 10:00-17:00")
	h := oncallfeed.New(oncallfeed.Config{Calendar: workday.New(tokyo, hours, workday.JP()), Rotation: csvfile.New(dir),
		Token: "t", Language: locale.Japanese, Now: func() time.Time { return time.Date(2026, 11, 20, 9, 0, 0, 0, tokyo) }})
	body := get(h, "/oncall.ics?token=t").Body.String()
	got := parse(t, body)
	if len(got) != 2 || got[0].who != "当番: 田中, 太郎;" || got[1].who != "当番: Sato" {
		t.Errorf("%+v\n%s", got, body)
	}
	if !strings.Contains(body, `SUMMARY:当番: 田中\, 太郎\;`) {
		t.Errorf("text not escaped as RFC 5545 says:\n%s", body)
	}
}

func TestFeedOff(t *testing.T) {
	if oncallfeed.New(oncallfeed.Config{}) != nil {
		t.Error("a feed without ICAL_TOKEN")
	}
}
