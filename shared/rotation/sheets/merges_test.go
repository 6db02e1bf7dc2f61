package sheets

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/api/googleapi"
	sheetsapi "google.golang.org/api/sheets/v4"
)

func TestFillMerges(t *testing.T) {
	type gr = sheetsapi.GridRange
	tests := []struct {
		desc   string
		rows   [][]string
		merges []*gr
		want   [][]string
	}{
		{
			desc: "a column merged down, over ragged rows",
			rows: [][]string{
				{"date", "primary", "secondary"},
				{"2026-11-16", "Tanaka", "Sato"},
				{"2026-11-17", "", "Ito"},
				{"2026-11-18"},
				{"2026-11-19", "Suzuki"},
			},
			merges: []*gr{{StartRowIndex: 1, EndRowIndex: 4, StartColumnIndex: 1, EndColumnIndex: 2}},
			want: [][]string{
				{"date", "primary", "secondary"},
				{"2026-11-16", "Tanaka", "Sato"},
				{"2026-11-17", "Tanaka", "Ito"},
				{"2026-11-18", "Tanaka"},
				{"2026-11-19", "Suzuki"},
			},
		},
		{
			desc:   "a 2x2 block",
			rows:   [][]string{{"x", "Tanaka", "", "y"}, {}, {"z"}},
			merges: []*gr{{StartRowIndex: 0, EndRowIndex: 2, StartColumnIndex: 1, EndColumnIndex: 3}},
			want:   [][]string{{"x", "Tanaka", "Tanaka", "y"}, {"", "Tanaka", "Tanaka"}, {"z"}},
		},
		{
			desc:   "past the trimmed row end",
			rows:   [][]string{{"2026-11-16", "Tanaka"}, {"2026-11-17"}},
			merges: []*gr{{StartRowIndex: 0, EndRowIndex: 3, StartColumnIndex: 1, EndColumnIndex: 2}},
			want:   [][]string{{"2026-11-16", "Tanaka"}, {"2026-11-17", "Tanaka"}, {"", "Tanaka"}},
		},
		{
			desc: "a million rows and every column: as far again as the tab goes",
			rows: [][]string{{"2026-11-16", "Tanaka"}, {"2026-11-17"}},
			merges: []*gr{
				{StartRowIndex: 0, EndRowIndex: 1_000_000, StartColumnIndex: 1, EndColumnIndex: 2},
				{StartRowIndex: 0, EndRowIndex: 1, StartColumnIndex: 1, EndColumnIndex: 18278},
			},
			want: [][]string{
				{"2026-11-16", "Tanaka", "Tanaka", "Tanaka"},
				{"2026-11-17", "Tanaka"},
				{"", "Tanaka"},
				{"", "Tanaka"},
			},
		},
		{
			desc: "empty top-left fills nothing",
			rows: [][]string{{"2026-11-16", ""}, {"2026-11-17", "Ito"}},
			merges: []*gr{
				{StartRowIndex: 0, EndRowIndex: 2, StartColumnIndex: 1, EndColumnIndex: 2},
				{StartRowIndex: 5, EndRowIndex: 8, StartColumnIndex: 0, EndColumnIndex: 2}, // below the values
				{StartRowIndex: 0, EndRowIndex: 2, StartColumnIndex: 4, EndColumnIndex: 6}, // right of them
			},
			want: [][]string{{"2026-11-16", ""}, {"2026-11-17", "Ito"}},
		},
		{
			desc:   "left-out indexes: start 0, end unbounded up to the rows present",
			rows:   [][]string{{"Tanaka", "a"}, {"", "b"}, {}},
			merges: []*gr{{EndColumnIndex: 1}},
			want:   [][]string{{"Tanaka", "a"}, {"Tanaka", "b"}, {"Tanaka"}},
		},
		{
			desc:   "no index at all: the whole tab",
			rows:   [][]string{{"x"}, {"", "y"}},
			merges: []*gr{{}},
			want:   [][]string{{"x", "x"}, {"x", "x"}},
		},
		{
			desc: "overlapping: top-lefts read before filling, the later range wins",
			rows: [][]string{{"a", "b"}, {"c", "d"}},
			merges: []*gr{
				{StartRowIndex: 0, EndRowIndex: 2, StartColumnIndex: 0, EndColumnIndex: 2},
				{StartRowIndex: 1, EndRowIndex: 2, StartColumnIndex: 1, EndColumnIndex: 2},
			},
			want: [][]string{{"a", "a"}, {"a", "d"}},
		},
		{
			desc: "nonsense fills nothing",
			rows: [][]string{{"a", "b"}, {"c", "d"}},
			merges: []*gr{
				nil,
				{StartRowIndex: 1, EndRowIndex: 1, StartColumnIndex: 0, EndColumnIndex: 2},
				{StartRowIndex: 2, EndRowIndex: 1, StartColumnIndex: 0, EndColumnIndex: 2},
				{StartRowIndex: -1, EndRowIndex: 2, StartColumnIndex: 0, EndColumnIndex: 2},
				{StartRowIndex: 0, EndRowIndex: -2, StartColumnIndex: 0, EndColumnIndex: 2},
				{StartRowIndex: 0, EndRowIndex: 2, StartColumnIndex: 0, EndColumnIndex: -1},
			},
			want: [][]string{{"a", "b"}, {"c", "d"}},
		},
		{
			desc:   "no rows",
			merges: []*gr{{StartRowIndex: 0, EndRowIndex: 5, StartColumnIndex: 0, EndColumnIndex: 5}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			before := clone(tt.rows)
			got := fillMerges(tt.rows, tt.merges)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("fillMerges\n got: %q\nwant: %q", got, tt.want)
			}
			if !reflect.DeepEqual(tt.rows, before) {
				t.Errorf("fillMerges changed its input: %q, was %q", tt.rows, before)
			}
		})
	}
}

// TestFillMergesAnyRange: every range with indexes from -1 to 6 over a
// ragged 3x3 tab fills without panicking, within twice the tab.
func TestFillMergesAnyRange(t *testing.T) {
	rows := [][]string{{"a", "", "c"}, {}, {"g", "h"}}
	for r0 := int64(-1); r0 <= 6; r0++ {
		for r1 := int64(-1); r1 <= 6; r1++ {
			for c0 := int64(-1); c0 <= 6; c0++ {
				for c1 := int64(-1); c1 <= 6; c1++ {
					m := &sheetsapi.GridRange{StartRowIndex: r0, EndRowIndex: r1, StartColumnIndex: c0, EndColumnIndex: c1}
					got := fillMerges(rows, []*sheetsapi.GridRange{m, m})
					if len(got) > 6 || slices.ContainsFunc(got, func(row []string) bool { return len(row) > 6 }) {
						t.Fatalf("%+v: filled past twice the tab: %q", m, got)
					}
				}
			}
		}
	}
}

func clone(rows [][]string) [][]string {
	if rows == nil {
		return nil
	}
	out := make([][]string, len(rows))
	for i, row := range rows {
		out[i] = slices.Clone(row)
	}
	return out
}

func TestRangeTab(t *testing.T) {
	for a1, want := range map[string]string{
		"rotation!A1:Z1000":      "rotation",
		"Rotation!A1:C7":         "Rotation",
		"'on call'!A1:Z1000":     "on call",
		"'Tanaka''s'!A1":         "Tanaka's",
		"'a!b'!A1:B2":            "a!b",
		"rotation":               "",
		"'unclosed!A1":           "",
		"":                       "",
		"'ends with quote'''!A1": "ends with quote'",
	} {
		if got := rangeTab(a1); got != want {
			t.Errorf("rangeTab(%q) = %q, want %q", a1, got, want)
		}
	}
}

// TestMergesRequest: besides the values, each Roster asks, at the same
// time, for the tabs' titles and merges only: never for the cells.
func TestMergesRequest(t *testing.T) {
	f := newFake(t, sheetID, map[string][][]any{"rotation": {{46346.0, "Sato"}}, "members": members, "holidays": nil, "runbooks": nil})
	// Each request waits for the other: one after the other, they would
	// never be answered.
	f.answerNext(answer{await: true}, answer{get: true, await: true})
	s := newSource(t, f, nil, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	if _, err := s.Roster(ctx); err != nil {
		t.Fatalf("Roster: %v (are the requests concurrent?)", err)
	}
	want := []getRequest{{ID: sheetID, Fields: "sheets(properties(title),merges)"}}
	if got := f.takeGets(); !reflect.DeepEqual(got, want) {
		t.Errorf("spreadsheets.get requests\n got: %+v\nwant: %+v (no includeGridData, no ranges)", got, want)
	}
	if got := len(f.take()); got != 1 {
		t.Errorf("%d values:batchGet requests, want 1", got)
	}
}

// TestMergesReadErrors: the spreadsheets.get fails the read as the values'
// batchGet would.
func TestMergesReadErrors(t *testing.T) {
	tests := []struct {
		desc      string
		answer    answer
		timeout   time.Duration
		want      string
		temporary bool
		status    int
	}{
		{"429", answer{status: 429, message: "Quota exceeded for quota metric 'Read requests'"}, 0,
			"sheets: read spreadsheet " + sheetID + ": Google Sheets' rate limit is reached; a later read will try again: HTTP 429: Quota exceeded", true, 429},
		{"503", answer{status: 503, message: "The service is currently unavailable."}, 0,
			"Google Sheets is unavailable: HTTP 503: The service is currently unavailable.", true, 503},
		{"hanging", answer{hang: true}, 100 * time.Millisecond,
			"sheets: read spreadsheet " + sheetID + ": no answer in time", true, 0},
		{"403", answer{status: 403, message: "The caller does not have permission"}, 0,
			"the spreadsheet is not shared with the account pd2chat uses", false, 403},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			// No holidays tab: the batchGet's retry runs beside the failing get.
			f := newFake(t, sheetID, map[string][][]any{"rotation": {{46346.0, "Sato"}}, "members": members, "runbooks": nil})
			a := tt.answer
			a.get = true
			f.answerNext(a)
			s := newSource(t, f, nil, nil)
			ctx := t.Context()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			r, err := s.Roster(ctx)
			if err == nil {
				t.Fatalf("Roster() = %v, want an error", r)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if IsTemporary(err) != tt.temporary {
				t.Errorf("IsTemporary(%v) = %v", err, !tt.temporary)
			}
			var gerr *googleapi.Error
			if tt.status != 0 && (!errors.As(err, &gerr) || gerr.Code != tt.status) {
				t.Errorf("error %v: want a *googleapi.Error %d in its chain", err, tt.status)
			}
			if got := len(f.takeGets()); got != 1 {
				t.Errorf("%d spreadsheets.get requests, want 1", got)
			}

			// The canned answer was the get's: the next read works.
			if _, err := s.Roster(t.Context()); err != nil {
				t.Errorf("next read: %v", err)
			}
		})
	}
}
