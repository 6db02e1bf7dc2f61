package sheets

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/rotation/csvfile"
)

// readCSV is the rows of a CSV file of testdata/sheet.
func readCSV(t *testing.T, name string) [][]string {
	t.Helper()
	return readCSVFile(t, filepath.Join("..", "..", "..", "testdata", "sheet", name))
}

// readCSVFile is the rows of a CSV file.
func readCSVFile(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestSameAsCSV runs the same tabs through the csvfile source (files) and
// the sheets source (the fake API, cells typed as Sheets types them) and
// wants the same roster, problems and logged problems from both. A sheet
// with merged cells equals the CSV where they are typed out.
func TestSameAsCSV(t *testing.T) {
	tests := []struct {
		desc                                  string
		rotation, members, holidays, runbooks [][]string // holidays, runbooks nil: no tab, no file

		sheet  map[string][][]string // tab → what the sheet holds instead, with merged cells
		merges map[string]string     // tab → its merges, a JSON array of GridRange
	}{
		{
			desc:     "testdata/sheet",
			rotation: readCSV(t, "rotation.csv"),
			members:  readCSV(t, "members.csv"),
			holidays: readCSV(t, "holidays.csv"),
			runbooks: readCSV(t, "runbooks.csv"),
		},
		{
			desc: "no holidays tab, no headers, serials",
			rotation: [][]string{
				{"46346", "Sato", "Suzuki"},
				{"46350.5", "Suzuki"},
				{"2026/1/5", "Sato"},
			},
			members: [][]string{{"Sato", "U01SATO0001", "@sato", "sato@example.com"}, {"Suzuki"}},
		},
		{
			desc: "a messy sheet",
			rotation: [][]string{
				{},
				{"日付", "担当1", "担当2"},
				{"2026-11-20", " sato ", "Yamamoto"},
				{"", "", ""},
				{"2026-13-01", "Sato"},
				{"46346", "Suzuki"}, // 2026-11-20 again
				{"", "Suzuki"},
				{"2026-11-24", "Sato", "", "SATO"},
				{"0", "Sato"},
				{"2026-11-25", "TRUE", "42"},
				{"next monday"},
			},
			members: [][]string{
				{"Slack ID", "名前", "note", "e-mail", "slack"},
				{"U01SATO0001", "Sato", "lead", "sato@example.com"},
				{"@suzuki", "Suzuki"},
				{"U01DUP00001", "sato"},
				{"U01NONAME01", ""},
			},
			holidays: [][]string{
				{"date", "name", "note"},
				{"2026-12-29", "Year-end   closure", "office closed"},
				{"46386"},
				{"2026-12-29", "Again"},
				{"", "No date"},
				{"2026-12-32"},
				{},
			},
			runbooks: [][]string{
				{},
				{"Note", "Link", "Keyword"},
				{"Replication", "https://wiki.example.com/replication", "replication lag"},
				{"", "https://wiki.example.com/x", "/([/"},
				{"HTTP 500", "https://wiki.example.com/500", "500"},
				{"checkbox", "https://wiki.example.com/true", "TRUE"},
				{"日本語", "https://wiki.example.com/データベース 障害", "データベース"},
				{"no url", "", "cpu"},
				{"bad url", "ftp://wiki.example.com/x", "disk"},
				{"  spaced   note ", "https://wiki.example.com/disk", "/disk (full|space)/"},
			},
		},
		{
			desc: "the forms people type: title rows, weeks, ranges, text dates, swaps, messy names, notes",
			rotation: [][]string{
				{"2026年度 オンコール当番表"},
				{},
				{"week of", "担当1", "担当2", "備考", "Engineer"},
				{"2026/11/16(月)", "Sato・Suzuki", "", "", "Sato"},
				{"11/18(水)", "\u200bSato", "Ｓｕｚｕｋｉ", "swap with sato"},
				{"2026年11月23日", "sato (remote)", "休み"},
				{"2026/11/30〜2026/12/4", "#N/A", "Suzuki"},
				{"2026.12.1", "@Sato"},
				{"２０２６/１２/３", "Sato, Suzuki"},
				{"11/20(木)", "Sato"},
				{"2026/12/2〜2026/12/10", "Suzuki"},
			},
			members: [][]string{{"name", "slack"}, {"Sato", "U01SATO0001"}, {"Suzuki", "U01SUZUKI01"}},
			holidays: [][]string{
				{"date", "name"},
				{"2026/12/29〜2027/1/3", "年末年始"},
			},
		},
		{
			desc:     "empty tabs",
			rotation: [][]string{},
			members:  [][]string{},
			holidays: [][]string{},
			runbooks: [][]string{},
		},
		{
			desc:     "runbooks without holidays",
			rotation: [][]string{{"2026-11-20", "Sato"}},
			members:  [][]string{{"Sato"}},
			runbooks: [][]string{{"match", "url"}, {"disk", "https://wiki.example.com/disk"}},
		},
		{
			desc: "sheet-cases/merged-weekly-primary, the merged primary typed out",
			rotation: [][]string{
				{"date", "primary", "secondary"},
				{"2026-11-16", "Tanaka", "Sato"},
				{"2026-11-17", "Tanaka", "Ito"},
				{"2026-11-18", "Tanaka", "Suzuki"},
				{"2026-11-19", "Tanaka", "Sato"},
				{"2026-11-20", "Tanaka", "Ito"},
				{"2026-11-24", "Suzuki", "Sato"},
			},
			members: readCSVFile(t, filepath.Join(caseDir, "members.csv")),
			sheet:   map[string][][]string{"rotation": readCSVFile(t, filepath.Join(caseDir, "rotation.csv"))},
			merges:  map[string]string{"rotation": string(must(os.ReadFile(filepath.Join(caseDir, "rotation.merges.json"))))},
		},
		{
			desc:    "members header without a name column",
			members: [][]string{{"slack", "email"}, {"U01SATO0001", "sato@example.com"}},
			rotation: [][]string{
				{"date", "primary"},
				{"2026-11-20", "Sato"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			// csvfile, from files.
			dir := t.TempDir()
			writeCSV(t, filepath.Join(dir, csvfile.RotationFile), tt.rotation)
			writeCSV(t, filepath.Join(dir, csvfile.MembersFile), tt.members)
			if tt.holidays != nil {
				writeCSV(t, filepath.Join(dir, csvfile.HolidaysFile), tt.holidays)
			}
			if tt.runbooks != nil {
				writeCSV(t, filepath.Join(dir, csvfile.RunbooksFile), tt.runbooks)
			}
			var csvLog logs
			cs := csvfile.New(dir)
			cs.Logger = slog.New(&csvLog)
			fromCSV, err := cs.Roster(t.Context())
			if err != nil {
				t.Fatal(err)
			}

			// sheets, from the fake.
			tabs := map[string][][]any{"rotation": typed(tt.rotation), "members": typed(tt.members)}
			if tt.holidays != nil {
				tabs["holidays"] = typed(tt.holidays)
			}
			if tt.runbooks != nil {
				tabs["runbooks"] = typed(tt.runbooks)
			}
			for tab, rows := range tt.sheet {
				tabs[tab] = typed(rows)
			}
			f := newFake(t, sheetID, tabs)
			for tab, merges := range tt.merges {
				f.setMerges(tab, merges)
			}
			var sheetsLog logs
			s := newSource(t, f, &sheetsLog, nil)
			fromSheets, err := s.Roster(t.Context())
			if err != nil {
				t.Fatal(err)
			}

			if got, want := describe(fromSheets), describe(fromCSV); got != want {
				t.Errorf("sheets and csv differ\nsheets:\n%s\ncsv:\n%s", got, want)
			}
			if !reflect.DeepEqual(fromSheets, fromCSV) {
				t.Error("the rosters are not deeply equal")
			}
			if got, want := sheetsLog.problems(), csvLog.problems(); !reflect.DeepEqual(got, want) {
				t.Errorf("logged problems differ\nsheets: %q\n   csv: %q", got, want)
			}
		})
	}
}

func writeCSV(t *testing.T, path string, rows [][]string) {
	t.Helper()
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	if err := w.WriteAll(rows); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// probes are alerts (title, service) whose runbooks describe lists.
var probes = [][2]string{
	{"orders-db: replication lag > 30s", "orders-db"},
	{"Disk full on web-01", "checkout-api"},
	{"HTTP 500 rate above 5%", "checkout"},
	{"TRUE", ""},
	{"データベース 障害", "db"},
	{"CPU high", "cpu"},
}

// describe is what a roster says, as text to compare: members, then each
// day of 2025–2027 with people on call, a row or a holiday, then the
// runbooks of the probes, then problems.
func describe(r *rotation.Roster) string {
	var b strings.Builder
	for _, m := range r.Members() {
		fmt.Fprintf(&b, "member %+v\n", m)
	}
	for d := time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC); d.Year() < 2028; d = d.AddDate(0, 0, 1) {
		day := rotation.DateOf(d)
		if r.Scheduled(day) {
			fmt.Fprintf(&b, "%s on call %+v\n", day, r.OnCall(day))
		}
		if name, ok := r.IsHoliday(day); ok {
			fmt.Fprintf(&b, "%s holiday %q\n", day, name)
		}
	}
	for _, p := range probes {
		for _, rb := range r.Runbooks(p[0], p[1]) {
			fmt.Fprintf(&b, "%q on %q: runbook %+v\n", p[0], p[1], rb)
		}
	}
	for _, p := range r.Problems() {
		fmt.Fprintf(&b, "problem %s\n", p)
	}
	return b.String()
}
