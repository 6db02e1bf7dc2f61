package sheets

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/api/googleapi"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

const sheetID = "1AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_aBcDe"

func day(s string) rotation.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return rotation.DateOf(t)
}

// logs records what a source logs.
type logs struct {
	mu      sync.Mutex
	records []slog.Record
}

func (l *logs) Enabled(context.Context, slog.Level) bool { return true }
func (l *logs) Handle(_ context.Context, r slog.Record) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.records = append(l.records, r.Clone())
	return nil
}
func (l *logs) WithAttrs([]slog.Attr) slog.Handler { return l }
func (l *logs) WithGroup(string) slog.Handler      { return l }

// problems gives the "problem" of each warning logged since the last call,
// and forgets all records.
func (l *logs) problems() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		if r.Level != slog.LevelWarn {
			continue
		}
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "problem" {
				out = append(out, a.Value.String())
			}
			return true
		})
	}
	l.records = nil
	return out
}

// clock is a settable Now.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newSource is a source on the fake, unauthenticated, through the real
// sheets/v4 client.
func newSource(t testing.TB, f *fakeSheets, log *logs, now func() time.Time) *Source {
	t.Helper()
	if log == nil {
		log = &logs{}
	}
	s, err := New(t.Context(), Options{
		SpreadsheetID: sheetID,
		Endpoint:      f.URL + "/",
		HTTPClient:    &http.Client{},
		Logger:        slog.New(log),
		Now:           now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	sato   = rotation.Member{Name: "Sato", Slack: "U01SATO0001", Typetalk: "sato", Email: "sato@example.com"}
	suzuki = rotation.Member{Name: "Suzuki", Slack: "U01SUZUKI01", Typetalk: "suzuki", Email: "suzuki@example.com"}
)

var members = [][]any{
	{"name", "slack", "typetalk", "email"},
	{"Sato", "U01SATO0001", "sato", "sato@example.com"},
	{"Suzuki", "U01SUZUKI01", "suzuki", "suzuki@example.com"},
}

func TestRoster(t *testing.T) {
	f := newFake(t, sheetID, map[string][][]any{
		// Dates typed into Sheets are numbers once unformatted.
		"rotation": {
			{"date", "primary", "secondary"},
			{46346.0, "Sato", "Suzuki"},      // 2026-11-20
			{"2026/11/24", "Suzuki", "Sato"}, // a date kept as text
			{},
			{46351.75, "Sato"},      // 2026-11-25 18:00, a date-time
			{46352.0, "", "Suzuki"}, // an empty cell
			{46353.0, true},         // a checkbox where a name should be
		},
		"members":  members,
		"holidays": {{"date", "name"}, {46385.0, "Year-end closure"}, {46386.0}}, // 2026-12-29, -30
		"runbooks": {
			{"match", "url", "note"},
			{"/disk (full|space)/", "https://wiki.example.com/runbooks/disk", "Disk full"},
			{500.0, "https://wiki.example.com/runbooks/http-500"}, // a number, typed
		},
	})
	var log logs
	s := newSource(t, f, &log, nil)

	r, err := s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string][]rotation.Member{
		"2026-11-20": {sato, suzuki},
		"2026-11-24": {suzuki, sato},
		"2026-11-25": {sato},
		"2026-11-26": {suzuki},
		"2026-11-27": nil, // the checkbox is a problem (below)
		"2026-11-21": nil,
	} {
		if got := r.OnCall(day(d)); !reflect.DeepEqual(got, want) {
			t.Errorf("OnCall(%s) = %+v, want %+v", d, got, want)
		}
	}
	for d, want := range map[string]string{"2026-12-29": "Year-end closure", "2026-12-30": "Company holiday", "2026-12-31": ""} {
		if name, _ := r.IsHoliday(day(d)); name != want {
			t.Errorf("IsHoliday(%s) = %q, want %q", d, name, want)
		}
	}
	wantRunbooks := []rotation.Runbook{
		{Match: "/disk (full|space)/", URL: "https://wiki.example.com/runbooks/disk", Note: "Disk full"},
		{Match: "500", URL: "https://wiki.example.com/runbooks/http-500"},
	}
	if got := r.Runbooks("Disk full: HTTP 500 on upload", "files"); !reflect.DeepEqual(got, wantRunbooks) {
		t.Errorf("Runbooks = %+v, want %+v", got, wantRunbooks)
	}
	wantProblem := `rotation!B7: "TRUE" matches no member`
	if p := r.Problems(); len(p) != 1 || !strings.HasPrefix(p[0].Error(), wantProblem) {
		t.Errorf("Problems() = %v, want only %s…", p, wantProblem)
	}
	if p := log.problems(); len(p) != 1 || !strings.HasPrefix(p[0], wantProblem) {
		t.Errorf("logged problems %q, want only %s…", p, wantProblem)
	}

	want := []request{{
		ID:                   sheetID,
		Ranges:               []string{"rotation", "members", "holidays", "runbooks"},
		ValueRenderOption:    "UNFORMATTED_VALUE",
		DateTimeRenderOption: "SERIAL_NUMBER",
		MajorDimension:       "ROWS",
	}}
	if got := f.take(); !reflect.DeepEqual(got, want) {
		t.Errorf("requests\n got: %+v\nwant: %+v", got, want)
	}

	// No caching: each call reads the sheet, and sees an edit.
	f.setTab("rotation", [][]any{{46346.0, "Suzuki"}})
	r, err = s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := r.OnCall(day("2026-11-20")); !reflect.DeepEqual(got, []rotation.Member{suzuki}) {
		t.Errorf("after the edit OnCall(2026-11-20) = %+v", got)
	}
	if got := len(f.take()); got != 1 {
		t.Errorf("second call: %d requests, want 1", got)
	}
}

// tabNotes gives "message tab" of each log record since the last call, and
// forgets all records.
func (l *logs) tabNotes() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, r := range l.records {
		tab := ""
		r.Attrs(func(a slog.Attr) bool {
			if a.Key == "tab" {
				tab = a.Value.String()
			}
			return true
		})
		out = append(out, r.Message+" "+tab)
	}
	l.records = nil
	return out
}

func TestMissingOptionalTabs(t *testing.T) {
	const (
		noTab    = "rotation sheet has no optional tab"
		tabAgain = "rotation sheet has an optional tab again"
	)
	all := []string{"rotation", "members", "holidays", "runbooks"}
	noHolidays := []string{"rotation", "members", "runbooks"}
	noRunbooks := []string{"rotation", "members", "holidays"}
	required := []string{"rotation", "members"}
	tests := []struct {
		desc    string
		missing []string // the optional tabs the sheet lacks at first
		first   [][]string
		steady  []string
		notes   []string
	}{
		{"no holidays tab", []string{"holidays"}, [][]string{all, noHolidays}, noHolidays, []string{noTab + " holidays"}},
		{"no runbooks tab", []string{"runbooks"}, [][]string{all, noRunbooks}, noRunbooks, []string{noTab + " runbooks"}},
		{"neither", []string{"holidays", "runbooks"}, [][]string{all, noHolidays, required}, required, []string{noTab + " holidays", noTab + " runbooks"}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			tabs := map[string][][]any{
				"rotation": {{"date", "primary"}, {46346.0, "Sato"}},
				"members":  members,
				"holidays": {{"2026-12-29", "Year-end closure"}},
				"runbooks": {{"disk", "https://wiki.example.com/disk"}},
			}
			for _, tab := range tt.missing {
				delete(tabs, tab)
			}
			f := newFake(t, sheetID, tabs)
			clk := &clock{t: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}
			var log logs
			s := newSource(t, f, &log, clk.now)
			check := func(desc string, want ...[]string) *rotation.Roster {
				t.Helper()
				r, err := s.Roster(t.Context())
				if err != nil {
					t.Fatalf("%s: %v", desc, err)
				}
				if got := r.OnCall(day("2026-11-20")); len(got) != 1 || got[0].Name != "Sato" {
					t.Errorf("%s: OnCall(2026-11-20) = %+v", desc, got)
				}
				if got := rangesOf(f.take()); !reflect.DeepEqual(got, want) {
					t.Errorf("%s: requests for %q, want %q", desc, got, want)
				}
				return r
			}

			r := check("first read: 400, then at once without the missing tabs", tt.first...)
			if got := log.tabNotes(); !reflect.DeepEqual(got, tt.notes) {
				t.Errorf("logged %q, want %q", got, tt.notes)
			}
			if _, ok := r.IsHoliday(day("2026-12-29")); ok == slices.Contains(tt.missing, "holidays") {
				t.Errorf("IsHoliday(2026-12-29) = %v", ok)
			}
			if got := len(r.Runbooks("Disk full", "")); got != 1 && !slices.Contains(tt.missing, "runbooks") {
				t.Errorf("%d runbooks, want the one", got)
			}
			check("steady state: one request", tt.steady)
			clk.add(OptionalTabRecheck - time.Second)
			check("before the re-check", tt.steady)
			clk.add(time.Second)
			check("re-check, still missing", tt.first...)
			check("steady state again", tt.steady)
			if got := log.tabNotes(); len(got) != 0 {
				t.Errorf("logged %q, want the missing tabs noted only once", got)
			}

			// Someone adds the tabs: picked up at the next re-check.
			f.setTab("holidays", [][]any{{"2026-12-29", "Year-end closure"}})
			f.setTab("runbooks", [][]any{{"disk", "https://wiki.example.com/disk"}})
			check("added, before the re-check", tt.steady)
			clk.add(OptionalTabRecheck)
			check("added, re-check", all)
			r = check("with every tab, steady state", all)
			var again []string
			for _, tab := range tt.missing {
				again = append(again, tabAgain+" "+tab)
			}
			if got := log.tabNotes(); !reflect.DeepEqual(got, again) {
				t.Errorf("logged %q, want %q", got, again)
			}
			if name, ok := r.IsHoliday(day("2026-12-29")); !ok || name != "Year-end closure" {
				t.Errorf("IsHoliday(2026-12-29) = %q, %v", name, ok)
			}
			if got := len(r.Runbooks("Disk full", "")); got != 1 {
				t.Errorf("%d runbooks, want 1", got)
			}
		})
	}
}

// TestMissingRequiredTabWithOptional: a sheet without its rotation tab
// fails, however many optional tabs it lacks too.
func TestMissingRequiredTabWithOptional(t *testing.T) {
	f := newFake(t, sheetID, map[string][][]any{"members": members})
	s := newSource(t, f, nil, nil)
	_, err := s.Roster(t.Context())
	if err == nil || !strings.Contains(err.Error(), `the spreadsheet has no tab named "rotation"`) {
		t.Fatalf("error %v, want the missing rotation tab", err)
	}
	if got := len(f.take()); got > 3 {
		t.Errorf("%d requests, want at most 3", got)
	}
}

func TestTemporaryErrors(t *testing.T) {
	budget := errors.New("delivery budget spent")
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	tests := []struct {
		desc    string
		answer  answer
		timeout time.Duration // of the caller's context; 0: none
		url     string        // "" : the fake
		want    []string      // in the error text
		is      error
	}{
		{"429", answer{status: 429, message: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user'."}, 0, "",
			[]string{"sheets: read spreadsheet " + sheetID + ": Google Sheets' rate limit is reached; a later read will try again: HTTP 429: Quota exceeded"}, nil},
		{"503", answer{status: 503, message: "The service is currently unavailable."}, 0, "",
			[]string{"sheets: read spreadsheet " + sheetID + ": Google Sheets is unavailable: HTTP 503: The service is currently unavailable."}, nil},
		{"500", answer{status: 500, message: "Internal error encountered."}, 0, "",
			[]string{"Google Sheets is unavailable: HTTP 500: Internal error encountered."}, nil},
		{"hanging server", answer{hang: true}, 50 * time.Millisecond, "",
			[]string{"sheets: read spreadsheet " + sheetID + ": no answer in time: delivery budget spent"}, budget},
		{"connection refused", answer{}, 0, closed.URL,
			[]string{"sheets: read spreadsheet " + sheetID + ": cannot reach Google Sheets: dial tcp "}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			f := newFake(t, sheetID, map[string][][]any{"rotation": nil, "members": nil, "holidays": nil, "runbooks": nil})
			f.answerNext(tt.answer)
			url := f.URL
			if tt.url != "" {
				url = tt.url
			}
			s, err := New(t.Context(), Options{SpreadsheetID: sheetID, Endpoint: url, HTTPClient: &http.Client{}, Logger: slog.New(&logs{})})
			if err != nil {
				t.Fatal(err)
			}
			ctx := t.Context()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeoutCause(ctx, tt.timeout, budget)
				defer cancel()
			}
			start := time.Now()
			r, err := s.Roster(ctx)
			if err == nil {
				t.Fatalf("Roster() = %v, want an error", r)
			}
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("Roster took %v to fail", elapsed)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !IsTemporary(err) {
				t.Errorf("IsTemporary(%v) = false", err)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v is not %v", err, tt.is)
			}
			if got := len(f.take()); tt.url == "" && got != 1 {
				t.Errorf("%d requests, want 1 (no retry here: the cache decides)", got)
			}
		})
	}
}

func TestPermanentErrors(t *testing.T) {
	tests := []struct {
		desc   string
		id     string
		answer *answer
		tabs   []string
		want   string
		status int
	}{
		{"not shared", sheetID, &answer{status: 403, message: "The caller does not have permission"}, nil,
			"sheets: read spreadsheet " + sheetID + ": the spreadsheet is not shared with the account pd2chat uses: share it (Viewer is enough) with the service account's email (client_email in its key): HTTP 403: The caller does not have permission", 403},
		{"API disabled", sheetID, &answer{status: 403, message: "Google Sheets API has not been used in project 123456789 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project=123456789 then retry."}, nil,
			"the Google Sheets API is not enabled in the Google Cloud project of the service account: enable it there: HTTP 403: Google Sheets API has not been used in project 123456789", 403},
		{"wrong ID", "1NoSuchSheet", nil, nil,
			"sheets: read spreadsheet 1NoSuchSheet: there is no spreadsheet with this ID: check ROTATION_SOURCE=sheets:ID (the ID is the part of the sheet's URL between /d/ and /edit): HTTP 404: Requested entity was not found.", 404},
		{"no rotation tab", sheetID, nil, []string{"members"},
			`sheets: read spreadsheet ` + sheetID + `: the spreadsheet has no tab named "rotation" (it needs the tabs "rotation" and "members"; "holidays" and "runbooks" are optional): HTTP 400: Unable to parse range: rotation`, 400},
		{"no members tab", sheetID, nil, []string{"rotation", "holidays", "runbooks"},
			`the spreadsheet has no tab named "members"`, 400},
		{"an Excel file", sheetID, &answer{status: 400, message: "This operation is not supported for this document"}, nil,
			"the file is not a Google Sheet (an uploaded Excel file?)", 400},
		{"refused credentials", sheetID, &answer{status: 401, message: "Request had invalid authentication credentials."}, nil,
			"the credentials were refused: check GOOGLE_CREDENTIALS_JSON", 401},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			tabs := map[string][][]any{"rotation": nil, "members": nil, "holidays": nil, "runbooks": nil}
			if tt.tabs != nil {
				tabs = map[string][][]any{}
				for _, name := range tt.tabs {
					tabs[name] = nil
				}
			}
			f := newFake(t, sheetID, tabs)
			if tt.answer != nil {
				f.answerNext(*tt.answer)
			}
			s, err := New(t.Context(), Options{SpreadsheetID: tt.id, Endpoint: f.URL, HTTPClient: &http.Client{}, Logger: slog.New(&logs{})})
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Roster(t.Context())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v\nwant it to contain %s", err, tt.want)
			}
			if IsTemporary(err) {
				t.Errorf("IsTemporary(%v) = true", err)
			}
			var gerr *googleapi.Error
			if !errors.As(err, &gerr) || gerr.Code != tt.status {
				t.Errorf("error %v: want a *googleapi.Error %d in its chain", err, tt.status)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q is not one line", err)
			}
		})
	}
}

func TestMalformedSheet(t *testing.T) {
	f := newFake(t, sheetID, map[string][][]any{
		"rotation": {
			{"date", "primary", "secondary"}, // 1
			{46346.0, "Sato", "Suzuki"},      // 2
			{"2026-13-01", "Sato"},           // 3
			{46346.0, "Suzuki"},              // 4: same date
			{"", "Sato"},                     // 5
			{0.0, "Sato"},                    // 6: a number that is no date
			{"2026/11/24", "Suzuki", "Sato"}, // 7
		},
		"members": {
			{"name", "slack"},
			{"Sato", "U01SATO0001"},
			{"Suzuki", "@suzuki"},
		},
		"holidays": {{"date"}, {"2026-12-32"}, {46385.0}},
		"runbooks": {
			{"match", "url", "note"},
			{"/([/", "https://wiki.example.com/x"},
			{"disk", "wiki.example.com/disk"},
			{"cpu", "https://wiki.example.com/cpu", "CPU"},
		},
	})
	var log logs
	s := newSource(t, f, &log, nil)
	want := []string{
		`members!B3: slack "@suzuki" is not a Slack user ID (like U012AB3CD); Suzuki is shown without a Slack mention`,
		`rotation!A3: "2026-13-01" is not a date; ` + rotation.DateForms,
		`rotation!A4: 2026-11-20 is already on row 2; row ignored`,
		`rotation!A5: no date for the names in this row; row ignored`,
		`rotation!A6: "0" is not a date (as a Sheets date serial it is out of range); ` + rotation.DateForms,
		`holidays!A2: "2026-12-32" is not a date; ` + rotation.DateForms,
		"runbooks!A2: \"/([/\" is not a valid regular expression: missing closing ]: `[`; row ignored",
		`runbooks!B3: "wiki.example.com/disk" is not an http(s) URL; row ignored`,
	}
	for refresh := range 2 {
		r, err := s.Roster(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range r.Problems() {
			got = append(got, p.Error())
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("refresh %d: Problems()\n got: %q\nwant: %q", refresh, got, want)
		}
		if got := log.problems(); !reflect.DeepEqual(got, want) {
			t.Errorf("refresh %d: logged\n got: %q\nwant: each problem once: %q", refresh, got, want)
		}
		// The good rows serve.
		if got := r.OnCall(day("2026-11-20")); len(got) != 2 || got[0].Name != "Sato" {
			t.Errorf("OnCall(2026-11-20) = %+v, want the first row's", got)
		}
		if got := r.OnCall(day("2026-11-24")); len(got) != 2 || got[0].Slack != "" || got[1] != (rotation.Member{Name: "Sato", Slack: "U01SATO0001"}) {
			t.Errorf("OnCall(2026-11-24) = %+v", got)
		}
		if _, ok := r.IsHoliday(day("2026-12-29")); !ok {
			t.Error("the good holiday is lost")
		}
		if got := r.Runbooks("CPU high", ""); len(got) != 1 {
			t.Errorf("Runbooks(CPU high) = %+v: the good runbook is lost", got)
		}
	}
}

func TestText(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{nil, ""},
		{"2026-11-20", "2026-11-20"},
		{" Sato ", " Sato "},
		{46346.0, "46346"},
		{46346.5, "46346.5"},
		{46346.999988426, "46346.999988426"},
		{0.0, "0"},
		{-3.0, "-3"},
		{1e20, "100000000000000000000"},
		{true, "TRUE"},
		{false, "FALSE"},
		{json.Number("12"), "12"},
	}
	for _, tt := range tests {
		if got := text(tt.in); got != tt.want {
			t.Errorf("text(%#v) = %q, want %q", tt.in, got, tt.want)
		}
	}
	// What text gives of a serial, ParseDate reads.
	for _, v := range []float64{46346, 46346.5, 46346.999988426} {
		if d, err := rotation.ParseDate(text(v)); err != nil || d != day("2026-11-20") {
			t.Errorf("ParseDate(text(%v)) = %v, %v", v, d, err)
		}
	}
}

func TestNewErrors(t *testing.T) {
	tests := []struct {
		desc string
		id   string
		want string
	}{
		{"no ID", "", "sheets: no spreadsheet ID (ROTATION_SOURCE=sheets:SPREADSHEET_ID)"},
		{"a URL", "https://docs.google.com/spreadsheets/d/1AbC/edit#gid=0", `sheets: "https://docs.google.com/spreadsheets/d/1AbC/edit#gid=0" is not a spreadsheet ID: give the part of the sheet's URL between /d/ and /edit`},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			_, err := New(t.Context(), Options{SpreadsheetID: tt.id, HTTPClient: &http.Client{}})
			if err == nil || err.Error() != tt.want {
				t.Errorf("New() error = %v, want %s", err, tt.want)
			}
		})
	}
}

func TestString(t *testing.T) {
	s, err := New(t.Context(), Options{SpreadsheetID: sheetID, HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	if got := s.String(); got != "sheets:"+sheetID {
		t.Errorf("String() = %q", got)
	}
}

// testKey is a throwaway service-account key whose token_uri is tokenURI.
func testKey(t *testing.T, tokenURI string) (key []byte, pemKey string) {
	t.Helper()
	pk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(pk)
	if err != nil {
		t.Fatal(err)
	}
	pemKey = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	key, err = json.Marshal(map[string]string{
		"type":                        "service_account",
		"project_id":                  "pd2chat-test",
		"private_key_id":              "0123456789abcdef",
		"private_key":                 pemKey,
		"client_email":                "pd2chat@pd2chat-test.iam.gserviceaccount.com",
		"client_id":                   "123456789012345678901",
		"auth_uri":                    "https://accounts.google.com/o/oauth2/auth",
		"token_uri":                   tokenURI,
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
	})
	if err != nil {
		t.Fatal(err)
	}
	return key, pemKey
}

// leaks fails t when msg holds any part of the private key or the token.
func leaks(t *testing.T, msg, pemKey, token string) {
	t.Helper()
	for line := range strings.Lines(pemKey) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "-----") {
			continue
		}
		if strings.Contains(msg, line) {
			t.Errorf("%q holds a line of the private key", msg)
			return
		}
	}
	if token != "" && strings.Contains(msg, token) {
		t.Errorf("%q holds the access token", msg)
	}
}

func TestServiceAccountKey(t *testing.T) {
	const token = "ya29.fake-access-token-0123456789"
	tabs := map[string][][]any{"rotation": {{46346.0, "Sato"}}, "members": members}

	// The key is used by the API library (production) or over a given
	// client; the token comes from the key's token_uri, the fake.
	for _, viaClient := range []bool{false, true} {
		t.Run(map[bool]string{false: "library client", true: "given client"}[viaClient], func(t *testing.T) {
			f := newFake(t, sheetID, tabs)
			f.token = token // before any request
			key, pemKey := testKey(t, f.URL+"/token")
			o := Options{SpreadsheetID: sheetID, Endpoint: f.URL, CredentialsJSON: key}
			if viaClient {
				o.HTTPClient = &http.Client{Timeout: 5 * time.Second}
			}
			s, err := New(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			for range 2 {
				r, err := s.Roster(t.Context())
				if err != nil {
					t.Fatal(err)
				}
				if len(r.OnCall(day("2026-11-20"))) != 1 {
					t.Error("OnCall(2026-11-20): want Sato")
				}
			}
			for _, r := range f.take() {
				if r.Authorization != "Bearer "+token {
					t.Errorf("a request with Authorization %q", r.Authorization)
				}
				if !slices.Equal(r.Ranges[:2], []string{"rotation", "members"}) {
					t.Errorf("ranges %q", r.Ranges)
				}
			}
			for _, g := range f.takeGets() {
				if g.Authorization != "Bearer "+token {
					t.Errorf("a spreadsheets.get with Authorization %q", g.Authorization)
				}
			}
			if n := f.tokenRequests(); n != 1 {
				t.Errorf("%d token requests, want 1 (the token is reused)", n)
			}

			// Errors name the service account, never the key or the token.
			f.answerNext(answer{status: 403, message: "The caller does not have permission"})
			_, err = s.Roster(t.Context())
			want := "the spreadsheet is not shared with the service account pd2chat@pd2chat-test.iam.gserviceaccount.com: share it with that address (Viewer is enough)"
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("403: error %v, want it to contain %s", err, want)
			} else {
				leaks(t, err.Error(), pemKey, token)
			}
		})
	}

	t.Run("token refused", func(t *testing.T) {
		f := newFake(t, sheetID, tabs) // no token: /token answers invalid_grant
		key, pemKey := testKey(t, f.URL+"/token")
		for _, viaClient := range []bool{false, true} {
			o := Options{SpreadsheetID: sheetID, Endpoint: f.URL, CredentialsJSON: key}
			if viaClient {
				o.HTTPClient = &http.Client{}
			}
			s, err := New(t.Context(), o)
			if err != nil {
				t.Fatal(err)
			}
			_, err = s.Roster(t.Context())
			want := "sheets: read spreadsheet " + sheetID + ": cannot get an access token for the service account pd2chat@pd2chat-test.iam.gserviceaccount.com: "
			if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "invalid_grant") {
				t.Fatalf("via client %v: error %v, want the token endpoint's refusal", viaClient, err)
			}
			if IsTemporary(err) {
				t.Errorf("via client %v: a refused key is temporary: %v", viaClient, err)
			}
			leaks(t, err.Error(), pemKey, "")
		}
	})

	t.Run("application default credentials", func(t *testing.T) {
		f := newFake(t, sheetID, tabs)
		f.token = token
		key, _ := testKey(t, f.URL+"/token")
		file := filepath.Join(t.TempDir(), "key.json")
		if err := os.WriteFile(file, key, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("GOOGLE_APPLICATION_CREDENTIALS", file)
		s, err := New(t.Context(), Options{SpreadsheetID: sheetID, Endpoint: f.URL})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Roster(t.Context()); err != nil {
			t.Fatal(err)
		}
		if rs := f.take(); len(rs) == 0 || rs[0].Authorization != "Bearer "+token {
			t.Errorf("requests %+v: want the ADC token", rs)
		}
	})
}

func TestBadKeys(t *testing.T) {
	good, pemKey := testKey(t, "https://oauth2.googleapis.com/token")
	var k map[string]string
	if err := json.Unmarshal(good, &k); err != nil {
		t.Fatal(err)
	}
	with := func(field, value string) []byte {
		m := map[string]string{}
		for key, v := range k {
			m[key] = v
		}
		if value == "" {
			delete(m, field)
		} else {
			m[field] = value
		}
		b, _ := json.Marshal(m)
		return b
	}
	body := strings.Join(strings.Split(strings.TrimSpace(pemKey), "\n")[1:10], "\n")
	tests := []struct {
		desc string
		key  []byte
		want string
	}{
		{"not JSON", []byte(pemKey), "sheets: GOOGLE_CREDENTIALS_JSON is not JSON (error at byte 2): give the service-account key file's content"},
		{"cut short", good[:len(good)/2], "sheets: GOOGLE_CREDENTIALS_JSON is not JSON"},
		{"an array", must(json.Marshal([]string{body})), "sheets: GOOGLE_CREDENTIALS_JSON is not a service-account key (a JSON object with type, client_email, private_key…)"},
		{"a user's credentials", with("type", "authorized_user"), `sheets: GOOGLE_CREDENTIALS_JSON is not a service-account key (its type is "authorized_user", want "service_account")`},
		{"no email", with("client_email", ""), "sheets: GOOGLE_CREDENTIALS_JSON has no client_email"},
		{"no private key", with("private_key", ""), "sheets: GOOGLE_CREDENTIALS_JSON (pd2chat@pd2chat-test.iam.gserviceaccount.com) has no private_key"},
		{"not PEM", with("private_key", body), "sheets: GOOGLE_CREDENTIALS_JSON (pd2chat@pd2chat-test.iam.gserviceaccount.com): its private_key is not a PEM block"},
		{"damaged key", with("private_key", "-----BEGIN PRIVATE KEY-----\n"+body+"\n-----END PRIVATE KEY-----\n"),
			"sheets: GOOGLE_CREDENTIALS_JSON (pd2chat@pd2chat-test.iam.gserviceaccount.com): its private_key cannot be read as a PKCS #8 or PKCS #1 key"},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			for _, client := range []*http.Client{nil, {}} {
				_, err := New(t.Context(), Options{SpreadsheetID: sheetID, CredentialsJSON: tt.key, HTTPClient: client})
				if err == nil || !strings.Contains(err.Error(), tt.want) {
					t.Fatalf("New() error = %v\nwant it to contain %s", err, tt.want)
				}
				leaks(t, err.Error(), pemKey, "")
			}
		})
	}

	// The good key passes.
	if _, err := New(t.Context(), Options{SpreadsheetID: sheetID, CredentialsJSON: good}); err != nil {
		t.Errorf("New(good key) = %v", err)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// Run with -race.
func TestConcurrent(t *testing.T) {
	f := newFake(t, sheetID, map[string][][]any{"rotation": {{46346.0, "Sato"}}, "members": members})
	s := newSource(t, f, nil, nil)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			r, err := s.Roster(context.Background())
			if err != nil {
				t.Error(err)
				return
			}
			if len(r.OnCall(day("2026-11-20"))) != 1 {
				t.Error("2026-11-20: want Sato")
			}
		})
	}
	wg.Wait()
}

// TestOptionalTabsLogged: the log says what a missing optional tab means.
func TestOptionalTabsLogged(t *testing.T) {
	for _, tab := range rotation.OptionalTabs {
		if withoutTab[tab] == "" {
			t.Errorf("tab %s: the log would not say what its absence means", tab)
		}
	}
}

// TestRotationTab: a route's own rotation tab (ROUTES rotation=TAB) is read
// as the rotation, with the shared members tab.
func TestRotationTab(t *testing.T) {
	f := newFake(t, sheetID, map[string][][]any{
		"rotation":          {{"date", "oncall"}, {46346.0, "Sato"}},
		"rotation_payments": {{"date", "oncall"}, {46346.0, "Suzuki"}},
		"members":           members,
	})
	s, err := New(t.Context(), Options{SpreadsheetID: sheetID, Endpoint: f.URL + "/", HTTPClient: &http.Client{},
		Logger: slog.New(&logs{}), RotationTab: "rotation_payments"})
	if err != nil {
		t.Fatal(err)
	}
	r, err := s.Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := r.OnCall(day("2026-11-20")); !reflect.DeepEqual(got, []rotation.Member{suzuki}) {
		t.Errorf("OnCall = %+v, want the payments tab's Suzuki", got)
	}
}
