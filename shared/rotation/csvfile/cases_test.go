package csvfile

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// TestSheetCases reads the sheets in testdata/sheet-cases, each a way people
// really fill a rotation sheet that an earlier version read wrong, through
// the CSV source: the people on call each day are the members the cells
// mean, and the sheet has no problem. (merged-weekly-primary is the Sheets
// source's case: a CSV has no merges; see package sheets.)
func TestSheetCases(t *testing.T) {
	day := func(s string) rotation.Date {
		d, err := rotation.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	tests := []struct {
		dir  string
		want map[string][]string
	}{
		{"weekly-range-rows", map[string][]string{
			"2026-11-16": {"Tanaka", "Sato"}, "2026-11-17": {"Tanaka", "Sato"}, "2026-11-18": {"Tanaka", "Sato"},
			"2026-11-19": {"Tanaka", "Sato"}, "2026-11-20": {"Tanaka", "Sato"}, "2026-11-21": nil, "2026-11-24": {"Suzuki", "Ito"},
		}},
		{"two-names-one-cell", map[string][]string{"2026-11-20": {"Tanaka", "Suzuki"}, "2026-11-24": {"Sato", "Ito"}}},
		{"zero-width-names", map[string][]string{"2026-11-20": {"Tanaka", "Suzuki"}, "2026-11-24": {"Sato", "Ito"}}},
		{"note-column", map[string][]string{"2026-11-20": {"Sato", "Suzuki"}}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			s := New(filepath.Join("..", "..", "..", "testdata", "sheet-cases", tt.dir))
			r, err := s.Roster(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			if p := r.Problems(); len(p) > 0 {
				t.Errorf("problems: %v", p)
			}
			for d, want := range tt.want {
				var got []string
				for _, m := range r.OnCall(day(d)) {
					if m.Slack == "" {
						t.Errorf("%s: %s has no Slack ID: not matched to the members tab", d, m.Name)
					}
					got = append(got, m.Name)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("OnCall(%s) = %q, want %q", d, got, want)
				}
			}
		})
	}
}

// A date without its year takes the year nearest to the day the files are
// read, and the same files read on another day are parsed again.
func TestYearlessDates(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, RotationFile, "日付,担当,担当\n1/4(月),Sato,Ito\n")
	write(t, dir, MembersFile, "name\nSato\nIto\n")
	now := time.Date(2026, 12, 28, 9, 0, 0, 0, time.UTC)
	s := New(dir)
	s.Now = func() time.Time { return now }
	r, err := s.Roster(t.Context())
	if err != nil || len(r.Problems()) > 0 {
		t.Fatal(err, r.Problems())
	}
	if got := r.OnCall(rotation.Date{Year: 2027, Month: 1, Day: 4}); len(got) != 2 {
		t.Errorf("read on 2026-12-28: OnCall(2027-01-04) = %v, want Sato and Ito", got)
	}
	// Read a year later, a weekday that is wrong for the nearest year is a
	// problem: it does not send the row a year back (2028-01-04 is a
	// Tuesday).
	now = time.Date(2028, 1, 3, 9, 0, 0, 0, time.UTC)
	if r, _ = s.Roster(t.Context()); len(r.Problems()) != 1 {
		t.Errorf("read on 2028-01-03: problems %v, want the weekday's", r.Problems())
	}
	write(t, dir, RotationFile, "日付,担当,担当\n1/4,Sato,Ito\n")
	if r, _ = s.Roster(t.Context()); len(r.OnCall(rotation.Date{Year: 2028, Month: 1, Day: 4})) != 2 {
		t.Error("read on 2028-01-03 without a weekday: want 2028-01-04")
	}
}
