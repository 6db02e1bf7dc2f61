package reminder

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// fakeSheet is a Sheet whose days are given as they would be parsed: the
// members on call, the names that match no member, and whether the day has
// a row at all.
type fakeSheet struct {
	onCall     map[rotation.Date][]rotation.Member // a key with no members: a row that names nobody
	unmatched  map[rotation.Date][]string
	problems   []error
	staleSince time.Time
	staleErr   error
}

func (f fakeSheet) OnCall(d rotation.Date) []rotation.Member { return slices.Clone(f.onCall[d]) }
func (f fakeSheet) Unmatched(d rotation.Date) []string       { return slices.Clone(f.unmatched[d]) }
func (f fakeSheet) Problems() []error                        { return slices.Clone(f.problems) }
func (f fakeSheet) Stale() (time.Time, error)                { return f.staleSince, f.staleErr }
func (f fakeSheet) Vacancy(d rotation.Date) rotation.Vacancy {
	ms, ok := f.onCall[d]
	_, unmatched := f.unmatched[d]
	switch {
	case len(ms) > 0:
		return rotation.Staffed
	case unmatched:
		return rotation.OnlyUnmatched
	case ok:
		return rotation.EmptyRow
	}
	return rotation.NoRow
}

// The sheet's own roster is what remind --check gives Check.
var _ Sheet = (*rotation.Roster)(nil)

var (
	takahashiJA = rotation.Member{Name: "高橋", Slack: "U01TAKAHASH", Typetalk: "takahashi"}
	tanakaEN    = rotation.Member{Name: "Tanaka", Slack: "U01TANAKA01", Typetalk: "tanaka"}
	itoJA       = rotation.Member{Name: "伊藤", Typetalk: "ito"}
	satoJA      = rotation.Member{Name: "佐藤", Slack: "U01SATO0001"}
)

// japaneseSheet: two weeks from Friday 2026-11-20 with Japanese names, a
// name that matches no member ("休み", written where someone is off), a row
// that names nobody, a missing row, and a company holiday.
func japaneseSheet() (fakeSheet, workday.Holidays) {
	f := fakeSheet{
		onCall: map[rotation.Date][]rotation.Member{
			date("2026-11-20"): {takahashiJA, tanakaEN},
			date("2026-11-24"): {itoJA},
			date("2026-11-26"): {}, // a row without names
			// 2026-11-27: no row
			date("2026-11-30"): {satoJA, itoJA},
			date("2026-12-02"): {satoJA, takahashiJA},
			date("2026-12-03"): {tanakaEN, itoJA},
		},
		unmatched: map[rotation.Date][]string{
			date("2026-11-24"): {"休み"},
			date("2026-11-25"): {"休み"}, // only a name that matches no member: nobody
		},
		problems: []error{
			&rotation.CellError{Tab: rotation.RotationTab, Row: 6, Col: 2, Err: errors.New(`"休み" matches no member`)},
			errors.New("two\nlines"),
		},
	}
	company := workday.HolidayFunc(func(d rotation.Date) (string, bool) { return "創立記念日", d == date("2026-12-01") })
	return f, company
}

func TestCheck(t *testing.T) {
	f, company := japaneseSheet()
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), company)

	r := Check(cal, f, jst("2026-11-20 09:00"), DefaultCheckDays)
	if r.Days != 14 || r.Today.Date != date("2026-11-20") || !r.Today.Working || len(r.Today.OnCall) != 2 {
		t.Errorf("today: %+v", r.Today)
	}
	if r.Next.Date != date("2026-11-24") || len(r.Next.OnCall) != 1 || !slices.Equal(r.Next.Unmatched, []string{"休み"}) || r.Next.Nobody() {
		t.Errorf("next: %+v", r.Next)
	}
	var week []string
	for _, d := range r.Week {
		week = append(week, d.Date.String())
	}
	if want := []string{"2026-11-20", "2026-11-21", "2026-11-22", "2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26"}; !slices.Equal(week, want) {
		t.Errorf("week %v", week)
	}
	var offs []string
	for _, off := range r.DaysOff {
		offs = append(offs, off.Date.String()+" "+off.Name)
	}
	if want := []string{"2026-11-23 Labor Thanksgiving Day", "2026-12-01 創立記念日"}; !slices.Equal(offs, want) {
		t.Errorf("days off %v", offs)
	}
	// A day whose only name matches no member has nobody on call, as does
	// a row without names and a missing row; weekends and holidays do not
	// need anyone.
	var unstaffed []string
	for _, d := range r.Unstaffed {
		unstaffed = append(unstaffed, d.Date.String()+" "+whyNobody(locale.English, d))
	}
	if want := []string{
		`2026-11-25 only "休み", which matches no member`,
		"2026-11-26 its row in the rotation tab names nobody",
		"2026-11-27 no row in the rotation tab",
	}; !slices.Equal(unstaffed, want) {
		t.Errorf("unstaffed\n got %q\nwant %q", unstaffed, want)
	}
	if !r.Failed() {
		t.Error("a sheet with problems and unstaffed days passes")
	}

	// --days: today and the days-1 days after it, no more.
	for _, tc := range []struct {
		at        string
		days      int
		unstaffed int
	}{
		{"2026-11-20 09:00", 5, 0}, // to Tuesday 24th
		{"2026-11-20 09:00", 6, 1}, // Wednesday 25th, only "休み"
		{"2026-11-26 09:00", 1, 1}, // today
		{"2026-11-26 09:00", 0, 1}, // fewer than 1 counts as 1
		{"2026-11-28 09:00", 2, 0}, // a weekend needs nobody
		{"2026-11-28 09:00", 6, 0}, // to Thursday 3rd, the sheet's last row
		{"2026-11-28 09:00", 7, 1}, // Friday 4th has no row
	} {
		r := Check(cal, f, jst(tc.at), tc.days)
		if len(r.Unstaffed) != tc.unstaffed {
			t.Errorf("at %s, %d days: unstaffed %v, want %d", tc.at, tc.days, r.Unstaffed, tc.unstaffed)
		}
	}
}

func TestCheckFailed(t *testing.T) {
	f := fakeSheet{onCall: map[rotation.Date][]rotation.Member{}}
	for d := date("2026-11-20"); d != date("2026-12-20"); d = d.AddDays(1) {
		f.onCall[d] = []rotation.Member{tanakaEN}
	}
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), nil)
	at := jst("2026-11-20 10:00")
	if r := Check(cal, f, at, DefaultCheckDays); r.Failed() || len(r.Unstaffed) != 0 {
		t.Errorf("a clean sheet fails: %+v", r)
	}

	problem := f
	problem.problems = []error{errors.New("rotation!A3: bad")}
	if !Check(cal, problem, at, DefaultCheckDays).Failed() {
		t.Error("a problem passes")
	}

	stale := f
	stale.staleSince, stale.staleErr = jst("2026-11-20 09:58"), errors.New("sheets: 503 Service Unavailable")
	r := Check(cal, stale, at, DefaultCheckDays)
	if !r.Failed() || !strings.Contains(r.String(), "⚠ The sheet cannot be read now (sheets: 503 Service Unavailable): this is the copy read at 2026-11-20 09:58\n") {
		t.Errorf("stale roster:\n%s", r.String())
	}
}

func TestReportString(t *testing.T) {
	f, company := japaneseSheet()
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), company)
	r := Check(cal, f, jst("2026-11-20 09:00"), DefaultCheckDays)
	want := `Rotation check at Friday 2026-11-20 09:00 (Asia/Tokyo); business hours Mon-Fri 10:00-17:00

Today, Friday 2026-11-20:
  高橋    Slack <@U01TAKAHASH>  Typetalk @takahashi
  Tanaka  Slack <@U01TANAKA01>  Typetalk @tanaka

Next working day, Tuesday 2026-11-24:
  伊藤  Slack: no user ID, shown as plain text  Typetalk @ito
  ⚠ "休み" matches no member

The week ahead:
  date        day  on call                               day off
  2026-11-20  Fri  高橋, Tanaka
  2026-11-21  Sat  -                                     not a business day
  2026-11-22  Sun  -                                     not a business day
  2026-11-23  Mon  -                                     Labor Thanksgiving Day
  2026-11-24  Tue  伊藤, ⚠ "休み" matches no member
  2026-11-25  Wed  ⚠ nobody, ⚠ "休み" matches no member
  2026-11-26  Thu  ⚠ nobody

Days off in the next 14 days:
  Monday   2026-11-23  Labor Thanksgiving Day
  Tuesday  2026-12-01  創立記念日

Working days in the next 14 days with nobody on call: 3
  Wednesday  2026-11-25  only "休み", which matches no member
  Thursday   2026-11-26  its row in the rotation tab names nobody
  Friday     2026-11-27  no row in the rotation tab

Problems in the sheet: 2
  rotation!B6: "休み" matches no member
  two lines
`
	if got := r.String(); got != want {
		t.Errorf("report\n--- got:\n%s\n--- want:\n%s", got, want)
	}

	r = Check(cal, f, jst("2026-11-21 09:00"), 1)
	got := r.String()
	for _, want := range []string{
		"Today, Saturday 2026-11-21: not a working day (Saturday 2026-11-21 is not a business day (Mon-Fri 10:00-17:00)): no reminders, no mentions\n",
		"Next working day, Tuesday 2026-11-24:\n",
		"Days off in the next 1 day: none\n",
		"Working days in the next 1 day with nobody on call: none\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	r = Check(cal, f, jst("2026-11-25 09:00"), 1)
	if got := r.String(); !strings.Contains(got, "Today, Wednesday 2026-11-25:\n  nobody: the reminder warns that the rotation is empty, and alerts mention no one\n  ⚠ \"休み\" matches no member\n") {
		t.Errorf("a day with only an unmatched name:\n%s", got)
	}
}

// TestReportColumnsLineUp: every table of the report lines up on a terminal
// with Japanese names, where each of their characters takes two columns.
func TestReportColumnsLineUp(t *testing.T) {
	f, company := japaneseSheet()
	f.onCall[date("2026-11-23")] = []rotation.Member{{Name: "ｽｽﾞｷ"}} // half-width katakana: one column each
	f.onCall[date("2026-11-21")] = []rotation.Member{{Name: "Ａｂｃ"}}  // full-width letters: two columns each
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), company)
	report := Check(cal, f, jst("2026-11-20 09:00"), DefaultCheckDays).String()

	// columns is where each cell of line starts, in terminal columns:
	// cells are two or more spaces apart, after a two-space indent.
	gap := regexp.MustCompile(`  +`)
	columns := func(line string) []int {
		var out []int
		for _, loc := range gap.FindAllStringIndex(line, -1) {
			out = append(out, terminalWidth(line[:loc[1]]))
		}
		return out
	}
	var tables int
	for _, block := range strings.Split(report, "\n\n") {
		lines := strings.Split(strings.TrimSuffix(block, "\n"), "\n")[1:] // after the block's title
		var rows []string
		for _, l := range lines {
			if strings.HasPrefix(l, "  ") && gap.MatchString(l[2:]) {
				rows = append(rows, l)
			}
		}
		if len(rows) < 2 {
			continue
		}
		tables++
		first := columns(rows[0])
		for _, row := range rows[1:] {
			got := columns(row)
			if !slices.Equal(got[:min(len(got), len(first))], first[:min(len(got), len(first))]) {
				t.Errorf("columns of %q start at %v; of %q at %v", row, got, rows[0], first)
			}
		}
	}
	if tables != 4 { // today, the week, days off, nobody on call
		t.Errorf("%d tables checked, want 4:\n%s", tables, report)
	}
	// The widest on-call cell, `⚠ nobody, ⚠ "休み" matches no member`, is 36
	// columns wide; Ａｂｃ is 6.
	if !strings.Contains(report, "  2026-11-21  Sat  Ａｂｃ"+strings.Repeat(" ", 36-6+2)+"not a business day\n") {
		t.Errorf("full-width letters are two columns wide:\n%s", report)
	}
}

// terminalWidth is how many columns a terminal gives s, for the characters
// of these tests: Han, hiragana, full-width katakana and full-width forms
// take two; everything else here (ASCII, half-width katakana, ⚠) one.
func terminalWidth(s string) int {
	n := 0
	for _, r := range s {
		switch {
		case r >= 0xFF61 && r <= 0xFF9F: // half-width katakana
			n++
		case unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana), r >= 0xFF01 && r <= 0xFF60:
			n += 2
		default:
			n++
		}
	}
	return n
}

// Check on the repository's sheet: the calendar and the sheet's own
// roster together.
func TestCheckTestdataSheet(t *testing.T) {
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), companyDays)
	roster := testSheet(t)

	r := Check(cal, roster, jst("2026-11-20 09:00"), DefaultCheckDays)
	var names []string
	for _, m := range r.Today.OnCall {
		names = append(names, m.Name+" "+m.Slack)
	}
	if !slices.Equal(names, []string{"Takahashi U01TAKAHASH", "Tanaka U01TANAKA01"}) || r.Next.Date != date("2026-11-24") {
		t.Errorf("today %v, next %v", names, r.Next.Date)
	}
	if len(r.DaysOff) != 1 || r.DaysOff[0].Date != date("2026-11-23") || len(r.Unstaffed) != 0 {
		t.Errorf("days off %v, unstaffed %v", r.DaysOff, r.Unstaffed)
	}

	// Near the sheet's end: the working days it does not cover yet.
	r = Check(cal, roster, jst("2027-01-25 10:00"), 30)
	var unstaffed []string
	for _, d := range r.Unstaffed {
		unstaffed = append(unstaffed, d.Date.String())
	}
	want := []string{"2027-02-01", "2027-02-02", "2027-02-03", "2027-02-04", "2027-02-05", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-12", "2027-02-15", "2027-02-16", "2027-02-17", "2027-02-18", "2027-02-19", "2027-02-22"}
	if !slices.Equal(unstaffed, want) {
		t.Errorf("unstaffed\n got %v\nwant %v", unstaffed, want)
	}
	if r := Check(cal, roster, jst("2027-01-25 10:00"), 7); len(r.Unstaffed) != 0 {
		t.Errorf("the sheet covers the week to Sunday 31st: %v", r.Unstaffed)
	}
}

// Check reports the problems the roster carries.
func TestCheckProblems(t *testing.T) {
	roster, _ := rotation.ParseTabs(rotation.Tabs{
		Rotation: [][]string{{"date", "primary"}, {"2026-11-20", "Ito"}, {"2026-13-01", "Ito"}},
		Members:  [][]string{{"name", "slack"}, {"Ito", "U01ITO00001"}},
		Holidays: [][]string{{"2026-11-24", "Offsite"}, {"2026-11-24", "Again"}},
	})
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), roster)
	r := Check(cal, roster, jst("2026-11-20 10:00"), 1)
	if len(r.Problems) != 2 || !r.Failed() {
		t.Fatalf("problems %v", r.Problems)
	}
	got := r.String()
	for _, want := range []string{"Problems in the sheet: 2\n", "\n  rotation!A3: \"2026-13-01\" is not a date", "\n  holidays!A2:",
		"Next working day, Wednesday 2026-11-25:\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if !regexp.MustCompile(`\n  2026-11-24  Tue  - +Offsite\n`).MatchString(got) {
		t.Errorf("the week ahead lacks the company holiday:\n%s", got)
	}
}

// remind --check shows a handle as a mention exactly when the messages
// mention it (rotation.ValidSlackUserID, ValidTypetalkAccount): a handle
// the sheet's parser would have dropped, or an ID from elsewhere, is shown
// as not mentioning anyone.
func TestReportHandles(t *testing.T) {
	long := "U" + strings.Repeat("A", rotation.MaxSlackUserID) // one too many
	f := fakeSheet{onCall: map[rotation.Date][]rotation.Member{
		date("2026-11-20"): {
			{Name: "Tanaka", Slack: "U01TANAKA01", Typetalk: "田中"},
			{Name: "Sato", Slack: long, Typetalk: "sato h"},
			{Name: "Ito", Slack: "u01ito", Typetalk: "ito", Email: "ito@example.com"},
		},
	}}
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), nil)
	got := Check(cal, f, jst("2026-11-20 09:00"), 1).String()
	for _, cells := range [][]string{
		{"Tanaka", "Slack <@U01TANAKA01>", `Typetalk: "田中" is not an account name, shown as plain text`},
		{"Sato", `Slack: "` + long + `" is not a user ID, shown as plain text`, `Typetalk: "sato h" is not an account name, shown as plain text`},
		{"Ito", `Slack: "u01ito" is not a user ID, shown as plain text`, "Typetalk @ito"},
	} {
		for i := range cells {
			cells[i] = regexp.QuoteMeta(cells[i])
		}
		if !regexp.MustCompile(`\n  ` + strings.Join(cells, "  +") + `\n`).MatchString(got) {
			t.Errorf("report lacks the line %q:\n%s", cells, got)
		}
	}

	// The sheet's own roster: the bad account is a problem, so the check
	// fails, and the member is shown without it.
	roster, _ := rotation.ParseTabs(rotation.Tabs{
		Rotation: [][]string{{"date", "primary"}, {"2026-11-20", "Tanaka"}},
		Members:  [][]string{{"name", "slack", "typetalk"}, {"Tanaka", "U01TANAKA01", "田中"}},
	})
	r := Check(cal, roster, jst("2026-11-20 09:00"), 1)
	got = r.String()
	for _, want := range []string{
		"  Tanaka  Slack <@U01TANAKA01>  Typetalk: no account, shown as plain text\n",
		"Problems in the sheet: 1\n  members!C2: typetalk \"田中\" is not a Typetalk account name",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("report lacks %q:\n%s", want, got)
		}
	}
	if !r.Failed() {
		t.Error("a Typetalk account the alerts cannot mention passes the check")
	}
}

func TestOneLine(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"Tanaka", "Tanaka"},
		{"田中 太郎", "田中 太郎"},
		{"two\nlines\r\n\tand a tab", "two lines and a tab"},
		{"a\u2028b\u2029c\u0085d", "a b c d"},
		{"\x1b[2J\x1b]0;pwned\x07Tanaka\x1b[0m", "\ufffd[2J\ufffd]0;pwned\ufffdTanaka\ufffd[0m"},
		{"nul\x00 bs\x08 vt\v ff\f del\x7f", "nul\ufffd bs\ufffd vt\ufffd ff\ufffd del\ufffd"},
		{"c1 \u009b31m \u009d0;x\u009c", "c1 \ufffd31m \ufffd0;x\ufffd"},
		{"raw c1 \x9b31m", "raw c1 \ufffd31m"}, // an invalid UTF-8 byte
		{"\u202eevil\u202c \u202a\u202b\u202d \u2066\u2067\u2068\u2069", "\ufffdevil\ufffd \ufffd\ufffd\ufffd \ufffd\ufffd\ufffd\ufffd"},
		{"kept: \u200b\u200e\u00a0é😀", "kept: \u200b\u200e\u00a0é😀"},
	} {
		if got := oneLine(c.in); got != c.want {
			t.Errorf("oneLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// No text of the sheet reaches the terminal of remind --check with a
// control character or a bidirectional override in it: names, handles,
// emails, unmatched cells, holiday names, problems and the stale error.
func TestReportHasNoControls(t *testing.T) {
	const evil = "\x1b]0;pwned\x07\x1b[31m\u202e\u2066\x7f\u0085\u009b"
	m := rotation.Member{Name: "Tanaka" + evil, Slack: "U01" + evil, Typetalk: "tanaka" + evil, Email: "t@example.com" + evil}
	f := fakeSheet{
		onCall: map[rotation.Date][]rotation.Member{
			date("2026-11-20"): {m, {Name: "Ito", Email: "ito" + evil}},
			date("2026-11-24"): {m},
		},
		unmatched:  map[rotation.Date][]string{date("2026-11-20"): {"休み" + evil}, date("2026-11-25"): {evil}},
		problems:   []error{errors.New("rotation!B2: " + evil)},
		staleSince: jst("2026-11-20 08:00"), staleErr: errors.New("sheets: " + evil),
	}
	company := workday.HolidayFunc(func(d rotation.Date) (string, bool) {
		return "Offsite" + evil, d == date("2026-11-20") || d == date("2026-11-26")
	})
	cal := NewCalendar(tokyo, hours(t, "Mon-Fri 10:00-17:00"), workday.JP(), company)
	for _, at := range []time.Time{jst("2026-11-20 09:00"), jst("2026-11-19 09:00")} {
		report := Check(cal, f, at, DefaultCheckDays).String()
		for i, r := range report {
			if r < 0x20 && r != '\n' || 0x7f <= r && r <= 0x9f || 0x202a <= r && r <= 0x202e || 0x2066 <= r && r <= 0x2069 || r == 0x2028 || r == 0x2029 {
				t.Errorf("report at %v has %U at byte %d:\n%q", at, r, i, report)
				break
			}
		}
		if !utf8.ValidString(report) {
			t.Errorf("report at %v is not valid UTF-8:\n%q", at, report)
		}
		if !strings.Contains(report, "Offsite\ufffd]0;pwned") {
			t.Errorf("report at %v does not show the holiday's name, made inert:\n%s", at, report)
		}
	}
}
