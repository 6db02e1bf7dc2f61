package csvfile

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// sheetDir is the repository's testdata/sheet, the default local rotation
// (ROTATION_SOURCE=csv:testdata/sheet, run from the repository root).
var sheetDir = filepath.Join("..", "..", "..", "testdata", "sheet")

func day(s string) rotation.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return rotation.DateOf(t)
}

var (
	takahashi = rotation.Member{Name: "Takahashi", Slack: "U01TAKAHASH", Typetalk: "takahashi", Email: "takahashi@example.com"}
	tanaka    = rotation.Member{Name: "Tanaka", Slack: "U01TANAKA01", Typetalk: "tanaka", Email: "tanaka@example.com"}
	ito       = rotation.Member{Name: "Ito", Slack: "U01ITO00001", Typetalk: "ito", Email: "ito@example.com"}
	watanabe  = rotation.Member{Name: "Watanabe", Typetalk: "watanabe", Email: "watanabe@example.com"}
	sato      = rotation.Member{Name: "Sato", Slack: "U01SATO0001", Typetalk: "sato", Email: "sato@example.com"}
)

func TestTestdataSheet(t *testing.T) {
	s := New(sheetDir)
	r, err := s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if p := s.Problems(); len(p) > 0 {
		t.Fatalf("testdata/sheet has problems: %v", p)
	}
	if got := len(r.Members()); got != 7 {
		t.Errorf("%d members, want 7", got)
	}
	tests := []struct {
		day  string
		want []rotation.Member
	}{
		{"2026-11-20", []rotation.Member{takahashi, tanaka}},
		{"2026-11-23", nil}, // Labour Thanksgiving Day: no row
		{"2026-11-24", []rotation.Member{ito, watanabe}},                // Watanabe has no Slack ID
		{"2026-12-08", []rotation.Member{sato}},                         // one person that day
		{"2026-12-15", []rotation.Member{watanabe, {Name: "Yamamoto"}}}, // a contractor, not in members
		{"2027-01-04", []rotation.Member{sato, {Name: "Suzuki", Slack: "U01SUZUKI01", Typetalk: "suzuki", Email: "suzuki@example.com"}}},
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			if got := r.OnCall(day(tt.day)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("OnCall(%s) = %+v, want %+v", tt.day, got, tt.want)
			}
		})
	}

	// The company holidays, on top of the public ones.
	holidays := map[string]string{
		"2026-12-29": "Year-end closure",
		"2026-12-30": "Year-end closure",
		"2026-12-31": "Year-end closure",
		"2027-01-04": "New Year closure",
	}
	for _, d := range []string{"2026-12-28", "2026-12-29", "2026-12-30", "2026-12-31", "2027-01-01", "2027-01-04", "2027-01-05"} {
		name, ok := r.IsHoliday(day(d))
		if want, wantOK := holidays[d]; name != want || ok != wantOK {
			t.Errorf("IsHoliday(%s) = %q, %v; want %q, %v", d, name, ok, want, wantOK)
		}
	}

	// The runbooks, for the fixtures' alerts.
	var urls []string
	for _, rb := range r.Runbooks("orders-db: replication lag > 30s", "orders-db") {
		urls = append(urls, rb.URL)
	}
	if want := []string{"https://wiki.example.com/runbooks/replication-lag", "https://wiki.example.com/services/orders-db"}; !reflect.DeepEqual(urls, want) {
		t.Errorf("runbooks of orders-db's replication lag: %q, want %q", urls, want)
	}

	// The fixture covers every working day of 2026-11-01 .. 2027-01-31, a
	// pair each but on 2026-12-08, and no other day.
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	hours, err := workday.ParseHours("Mon-Fri 10:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	cal := workday.New(loc, hours, workday.JP())
	for d := day("2026-11-01"); d != day("2027-02-01"); d = rotation.DateOf(time.Date(d.Year, d.Month, d.Day+1, 0, 0, 0, 0, time.UTC)) {
		want := 0
		if cal.IsWorkingDate(d) {
			want = 2
			if d == day("2026-12-08") {
				want = 1
			}
		}
		if got := len(r.OnCall(d)); got != want || r.Scheduled(d) != (want > 0) {
			t.Errorf("%s: %d on call (row: %v), want %d", d, got, r.Scheduled(d), want)
		}
	}
}

// A *rotation.Roster is the sheet's company holidays for the calendar.
var _ workday.Holidays = (*rotation.Roster)(nil)

func TestHolidaysWithCalendar(t *testing.T) {
	r, err := New(sheetDir).Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	hours, err := workday.ParseHours("Mon-Fri 10:00-17:00")
	if err != nil {
		t.Fatal(err)
	}
	cal := workday.New(loc, hours, workday.Union(workday.JP(), r))
	at := time.Date(2026, time.December, 28, 17, 0, 0, 0, loc)
	if got := cal.NextWorkingDay(at); got != day("2027-01-05") {
		t.Errorf("NextWorkingDay(Mon 28 Dec 17:00) = %s, want 2027-01-05 (29 Dec .. 4 Jan off)", got)
	}
}

// The weekly example of the template: a title row, weeks, a one-day swap,
// two names in one cell and a note column.
func TestSheetTemplateWeekly(t *testing.T) {
	s := New(filepath.Join("..", "..", "..", "testdata", "sheet-template", "weekly"))
	r, err := s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Problems(); len(p) > 0 {
		t.Errorf("the weekly template has problems: %v", p)
	}
	for d, want := range map[string][]string{
		"2027-04-05": {"Sato", "Suzuki"}, "2027-04-09": {"Sato", "Suzuki"},
		"2027-04-13": {"Takahashi", "Tanaka"}, "2027-04-14": {"Suzuki", "Tanaka"}, "2027-04-15": {"Takahashi", "Tanaka"},
		"2027-04-20": {"Suzuki", "Takahashi"}, "2027-04-30": {"Tanaka", "Sato"}, "2027-05-03": nil,
	} {
		var got []string
		for _, m := range r.OnCall(day(d)) {
			got = append(got, m.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("OnCall(%s) = %v, want %v", d, got, want)
		}
	}
}

func TestSheetTemplate(t *testing.T) {
	dir := filepath.Join("..", "..", "..", "testdata", "sheet-template")
	for _, name := range []string{RotationFile, MembersFile, HolidaysFile, RunbooksFile} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("the template has no %s: %v", name, err)
		}
	}
	s := New(dir)
	r, err := s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if p := r.Problems(); len(p) > 0 {
		t.Errorf("the template has problems: %v", p)
	}
	for _, m := range r.Members() {
		if m.Slack == "" || m.Typetalk == "" || m.Email == "" {
			t.Errorf("template member %+v lacks a handle", m)
		}
	}
	if len(r.OnCall(day("2027-04-01"))) != 2 {
		t.Error("the template has no pair on 2027-04-01")
	}
	if _, ok := r.IsHoliday(day("2027-12-29")); !ok {
		t.Error("the template has no holiday on 2027-12-29")
	}
	if rbs := r.Runbooks("Disk full on web-01", "checkout-api"); len(rbs) != 2 {
		t.Errorf("the template's runbooks for a full disk of checkout-api: %+v, want 2", rbs)
	}
}

func TestHolidaysFile(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, RotationFile, "date,primary\n2026-12-28,Sato\n")
	write(t, dir, MembersFile, "name,slack\nSato,U01SATO0001\n")
	var log logged
	s := New(dir)
	s.Logger = log.logger()

	// No holidays.csv: fine, no holidays.
	r, err := s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.IsHoliday(day("2026-12-29")); ok {
		t.Error("without holidays.csv, 2026-12-29 is a holiday")
	}

	// Adding it shows at once; its problems are located and logged once.
	write(t, dir, HolidaysFile, "\ufeffdate,name\r\n2026-12-29,Year-end closure\r\n2026-12-30\r\n2026-12-32,Typo\r\n")
	r, err = s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]string{"2026-12-29": "Year-end closure", "2026-12-30": "Company holiday"} {
		if name, ok := r.IsHoliday(day(d)); !ok || name != want {
			t.Errorf("IsHoliday(%s) = %q, %v; want %q", d, name, ok, want)
		}
	}
	wantProblems := []string{strconv.Quote(`holidays!A4: "2026-12-32" is not a date; ` + rotation.DateForms)}
	if got := log.take(); !reflect.DeepEqual(got, wantProblems) {
		t.Errorf("logged %q, want %q", got, wantProblems)
	}
	if got := r.Problems(); len(got) != 1 || got[0].Error() != `holidays!A4: "2026-12-32" is not a date; `+rotation.DateForms {
		t.Errorf("Roster.Problems() = %v", got)
	}
	if r2, _ := s.Roster(t.Context()); r2 != r || len(log.take()) != 0 {
		t.Error("unchanged files: want the same roster and nothing logged again")
	}

	// Removing it removes the holidays.
	if err := os.Remove(filepath.Join(dir, HolidaysFile)); err != nil {
		t.Fatal(err)
	}
	r, err = s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := r.IsHoliday(day("2026-12-29")); ok {
		t.Error("after removing holidays.csv, 2026-12-29 is still a holiday")
	}

	// A holidays.csv that is not CSV fails like the other files.
	write(t, dir, HolidaysFile, "date,name\n2026-12-29,\"Year-end\n")
	if _, err := s.Roster(t.Context()); err == nil || !strings.Contains(err.Error(), "csvfile: read holidays tab from ") {
		t.Errorf("bad holidays.csv: error %v", err)
	}
}

func TestRunbooksFile(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, RotationFile, "date,primary\n2026-12-28,Sato\n")
	write(t, dir, MembersFile, "name,slack\nSato,U01SATO0001\n")
	var log logged
	s := New(dir)
	s.Logger = log.logger()
	urls := func(r *rotation.Roster) []string {
		var out []string
		for _, rb := range r.Runbooks("Disk full on db-01", "orders-db") {
			out = append(out, rb.URL)
		}
		return out
	}

	// No runbooks.csv: fine, no runbooks.
	r, err := s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := urls(r); got != nil {
		t.Errorf("without runbooks.csv: runbooks %q", got)
	}

	// Adding it shows at once; its problems are located and logged once.
	write(t, dir, RunbooksFile, "\ufeffmatch,url,note\r\n"+
		"disk full,https://wiki/disk,Disk\r\n"+
		"\r\n"+
		"\"/([/\",https://wiki/bad,Bad\r\n"+
		"/orders-(db|api)/,https://wiki/orders,\"Orders, \"\"the\"\" runbook\"\r\n")
	r, err = s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got, want := urls(r), []string{"https://wiki/disk", "https://wiki/orders"}; !reflect.DeepEqual(got, want) {
		t.Errorf("runbooks %q, want %q", got, want)
	}
	if got := r.Runbooks("orders-api down", "")[0].Note; got != `Orders, "the" runbook` {
		t.Errorf("note %q", got)
	}
	wantProblem := "runbooks!A4: \"/([/\" is not a valid regular expression: missing closing ]: `[`; row ignored"
	if got := log.take(); len(got) != 1 || !strings.Contains(got[0], "runbooks!A4") {
		t.Errorf("logged %q, want %q", got, wantProblem)
	}
	if got := r.Problems(); len(got) != 1 || got[0].Error() != wantProblem {
		t.Errorf("Roster.Problems() = %v, want %s", got, wantProblem)
	}
	if r2, _ := s.Roster(t.Context()); r2 != r || len(log.take()) != 0 {
		t.Error("unchanged files: want the same roster and nothing logged again")
	}

	// An empty file: no runbooks, no problem.
	write(t, dir, RunbooksFile, "")
	if r, err = s.Roster(t.Context()); err != nil || urls(r) != nil || len(r.Problems()) != 0 {
		t.Errorf("empty runbooks.csv: %q, %v, %v", urls(r), r.Problems(), err)
	}

	// Removing it removes the runbooks.
	write(t, dir, RunbooksFile, "disk,https://wiki/disk\n")
	if r, _ = s.Roster(t.Context()); len(urls(r)) != 1 {
		t.Fatalf("runbooks %q, want one", urls(r))
	}
	if err := os.Remove(filepath.Join(dir, RunbooksFile)); err != nil {
		t.Fatal(err)
	}
	if r, err = s.Roster(t.Context()); err != nil || urls(r) != nil {
		t.Errorf("after removing runbooks.csv: %q, %v", urls(r), err)
	}

	// A runbooks.csv that is not CSV fails like the other files.
	write(t, dir, RunbooksFile, "match,url\ndisk,\"https://wiki\n")
	if _, err := s.Roster(t.Context()); err == nil || !strings.Contains(err.Error(), "csvfile: read runbooks tab from ") {
		t.Errorf("bad runbooks.csv: error %v", err)
	}
}

func write(t *testing.T, dir, name, text string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// logged collects the "problem" attribute of each warning.
type logged struct {
	mu       sync.Mutex
	problems []string
}

func (l *logged) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		line := string(p)
		if i := strings.Index(line, "problem="); i >= 0 {
			l.problems = append(l.problems, strings.TrimSpace(line[i+len("problem="):]))
		}
		return len(p), nil
	}), nil))
}

func (l *logged) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.problems
	l.problems = nil
	return p
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

func TestProblems(t *testing.T) {
	dir := t.TempDir()
	// A byte order mark, blank lines, CRLF, quoted fields, ragged rows.
	write(t, dir, RotationFile, "\ufeffdate,primary,secondary\r\n"+
		"2026-11-20,Sato,Ito\r\n"+
		"\r\n"+
		"2026-13-01,Sato\r\n"+
		"\"2026/11/24\",\"Ito\",\" Watanabe \",\r\n"+
		"2026-11-20,Tanaka\r\n")
	write(t, dir, MembersFile, "\ufeffname,slack,typetalk,email\n"+
		"Sato,U01SATO0001,sato,sato@example.com\n"+
		"Ito,U01ITO00001,ito,ito@example.com\n"+
		"Watanabe,,watanabe,watanabe@example.com\n"+
		"Sato,U01SATO0002,sato2\n"+
		"Tanaka\n")
	var log logged
	s := New(dir)
	s.Logger = log.logger()

	r, err := s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`members!A5: member "Sato" is already on row 2; row ignored`,
		`rotation!A4: "2026-13-01" is not a date; ` + rotation.DateForms,
		`rotation!A6: 2026-11-20 is already on row 2; row ignored`,
	}
	var got []string
	for _, p := range s.Problems() {
		got = append(got, p.Error())
		var ce *rotation.CellError
		if !errors.As(p, &ce) {
			t.Errorf("problem %v is not a *rotation.CellError", p)
		}
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Problems()\n got: %q\nwant: %q", got, want)
	}
	if l := log.take(); len(l) != len(want) {
		t.Errorf("logged %d problems, want %d: %q", len(l), len(want), l)
	}
	if got := r.OnCall(day("2026-11-20")); !reflect.DeepEqual(got, []rotation.Member{sato, ito}) {
		t.Errorf("OnCall(2026-11-20) = %+v: want the first row's Sato and Ito", got)
	}
	if got := r.OnCall(day("2026-11-24")); !reflect.DeepEqual(got, []rotation.Member{ito, watanabe}) {
		t.Errorf("OnCall(2026-11-24) = %+v, want Ito and Watanabe", got)
	}

	// Unchanged files: the same roster, nothing logged again.
	r2, err := s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if r2 != r {
		t.Error("unchanged files gave a new roster")
	}
	if l := log.take(); len(l) != 0 {
		t.Errorf("unchanged files logged again: %q", l)
	}

	// An edit shows at once; the fixed problem is gone.
	write(t, dir, RotationFile, "date,primary,secondary\n2026-11-20,Tanaka,Sato\n")
	r3, err := s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := r3.OnCall(day("2026-11-20")); len(got) != 2 || got[0].Name != "Tanaka" {
		t.Errorf("after the edit OnCall(2026-11-20) = %+v, want Tanaka, Sato", got)
	}
	if got, want := log.take(), []string{`"members!A5: member \"Sato\" is already on row 2; row ignored"`}; !reflect.DeepEqual(got, want) {
		t.Errorf("after the edit logged %q, want %q", got, want)
	}
	if got := len(s.Problems()); got != 1 {
		t.Errorf("after the edit %d problems, want 1", got)
	}
}

func TestReadErrors(t *testing.T) {
	tests := []struct {
		desc     string
		rotation string // "" = no file
		members  string
		want     []string // in the error text
		is       error
	}{
		{"no rotation.csv", "", "name\n", []string{"csvfile: read rotation tab: open ", filepath.Join("DIR", RotationFile), "no such file"}, fs.ErrNotExist},
		{"no members.csv", "date\n", "", []string{"csvfile: read members tab: open ", filepath.Join("DIR", MembersFile)}, fs.ErrNotExist},
		{"bad CSV", "date\n2026-11-20,\"Sato\n", "name\n", []string{"csvfile: read rotation tab from ", filepath.Join("DIR", RotationFile), "line 2"}, nil},
		{"bad quote", "date\n", "name\nSa\"to,U01\n", []string{"csvfile: read members tab from ", filepath.Join("DIR", MembersFile), `bare " in non-quoted-field`}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			dir := t.TempDir()
			if tt.rotation != "" {
				write(t, dir, RotationFile, tt.rotation)
			}
			if tt.members != "" {
				write(t, dir, MembersFile, tt.members)
			}
			r, err := New(dir).Roster(t.Context())
			if err == nil {
				t.Fatalf("Roster() = %v, want an error", r)
			}
			msg := strings.ReplaceAll(err.Error(), dir, "DIR")
			for _, w := range tt.want {
				if !strings.Contains(msg, w) {
					t.Errorf("error %q does not contain %q", msg, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
		})
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancelCause(t.Context())
	cause := errors.New("delivery budget spent")
	cancel(cause)
	_, err := New(sheetDir).Roster(ctx)
	if !errors.Is(err, cause) {
		t.Errorf("Roster(canceled) = %v, want the cause %v", err, cause)
	}
}

// Run with -race.
func TestConcurrent(t *testing.T) {
	s := New(sheetDir)
	s.Logger = slog.New(slog.NewTextHandler(&bytes.Buffer{}, nil))
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			r, err := s.Roster(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			if len(r.OnCall(day("2026-11-20"))) != 2 {
				t.Error("2026-11-20: want two on call")
			}
			_ = s.Problems()
		})
	}
	wg.Wait()
}

func TestString(t *testing.T) {
	if got := New("testdata/sheet").String(); got != "csv:testdata/sheet" {
		t.Errorf("String() = %q", got)
	}
}

// TestFilesAreTheTabs: a file per tab, optional exactly when the tab is.
func TestFilesAreTheTabs(t *testing.T) {
	var optional []string
	var tabs rotation.Tabs
	for _, f := range files {
		if tabs.Tab(f.tab) == nil {
			t.Errorf("file %s.csv: no such tab", f.tab)
		}
		if f.optional {
			optional = append(optional, f.tab)
		}
	}
	if !reflect.DeepEqual(optional, rotation.OptionalTabs) {
		t.Errorf("optional files %q, want the optional tabs %q", optional, rotation.OptionalTabs)
	}
}

// TestRotationTab: a route's own rotation tab is DIR/TAB.csv, with the
// shared members.csv.
func TestRotationTab(t *testing.T) {
	dir := t.TempDir()
	for name, body := range map[string]string{
		"rotation.csv":          "date,oncall\n2026-11-20,Sato\n",
		"rotation_payments.csv": "date,oncall\n2026-11-20,Suzuki\n",
		"members.csv":           "name,slack\nSato,U01SATO0001\nSuzuki,U01SUZUKI01\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	s := New(dir)
	s.RotationTab = "rotation_payments"
	r, err := s.Roster(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := r.OnCall(rotation.Date{Year: 2026, Month: 11, Day: 20}); len(got) != 1 || got[0].Name != "Suzuki" {
		t.Errorf("OnCall = %+v, want the payments tab's Suzuki", got)
	}
}
