package sheets

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/pd2chat/pd2chat/shared/rotation"
)

// caseDir is the merged-weekly-primary case: a week's primary typed once
// and merged down over the week (rotation!B2:B6).
var caseDir = filepath.Join("..", "..", "..", "testdata", "sheet-cases", "merged-weekly-primary")

// TestMergedWeeklyPrimary serves the case's tabs and merges through the
// fake: the primary is on call every day of the merged week.
func TestMergedWeeklyPrimary(t *testing.T) {
	merges, err := os.ReadFile(filepath.Join(caseDir, "rotation.merges.json"))
	if err != nil {
		t.Fatal(err)
	}
	tabs := func() map[string][][]any {
		return map[string][][]any{
			"rotation": typed(readCSVFile(t, filepath.Join(caseDir, "rotation.csv"))),
			"members":  typed(readCSVFile(t, filepath.Join(caseDir, "members.csv"))),
		}
	}
	want := map[string][]string{
		"2026-11-16": {"Tanaka", "Sato"},
		"2026-11-17": {"Tanaka", "Ito"},
		"2026-11-18": {"Tanaka", "Suzuki"},
		"2026-11-19": {"Tanaka", "Sato"},
		"2026-11-20": {"Tanaka", "Ito"},
		"2026-11-23": nil,
		"2026-11-24": {"Suzuki", "Sato"},
	}
	onCall := func(r *rotation.Roster, d string) []string {
		var names []string
		for _, m := range r.OnCall(day(d)) {
			names = append(names, m.Name)
		}
		return names
	}

	f := newFake(t, sheetID, tabs())
	f.setMerges("rotation", string(merges))
	var log logs
	r, err := newSource(t, f, &log, nil).Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for d, names := range want {
		if got := onCall(r, d); !reflect.DeepEqual(got, names) {
			t.Errorf("OnCall(%s) = %q, want %q", d, got, names)
		}
	}
	if p := r.Problems(); len(p) > 0 {
		t.Errorf("Problems() = %q", p)
	}
	if tanaka := r.OnCall(day("2026-11-18")); len(tanaka) == 0 || tanaka[0].Slack != "U01TANAKA" {
		t.Errorf("OnCall(2026-11-18) = %+v: want Tanaka as the members tab has him", tanaka)
	}

	// The same sheet read without its merges: Tanaka on Monday only.
	f = newFake(t, sheetID, tabs())
	r, err = newSource(t, f, nil, nil).Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if got := onCall(r, "2026-11-17"); !reflect.DeepEqual(got, []string{"Ito"}) {
		t.Errorf("without merges: OnCall(2026-11-17) = %q, want only the secondary", got)
	}
}

// A date merged down two rows, the primary on one and the secondary on the
// next (a common layout), is one day with both people; a person merged
// down both rows is not counted twice.
func TestDateMergedOverRows(t *testing.T) {
	f := newFake(t, sheetID, map[string][][]any{
		"rotation": {
			{"date", "oncall", "note"},
			{46345.0, "Tanaka", "swap"}, // A2:A3 merged: 2026-11-19
			{nil, "Sato", "swap"},
			{46346.0, "Ito", "x"}, // A4:A5 merged, B4:B5 merged
			{nil, nil, nil},
			{46349.0, "Suzuki"},
		},
		"members": {{"name"}, {"Tanaka"}, {"Sato"}, {"Ito"}, {"Suzuki"}},
	})
	f.setMerges("rotation", `[
		{"sheetId":0,"startRowIndex":1,"endRowIndex":3,"startColumnIndex":0,"endColumnIndex":1},
		{"sheetId":0,"startRowIndex":3,"endRowIndex":5,"startColumnIndex":0,"endColumnIndex":1},
		{"sheetId":0,"startRowIndex":3,"endRowIndex":5,"startColumnIndex":1,"endColumnIndex":2}]`)
	r, err := newSource(t, f, nil, nil).Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string][]string{"2026-11-19": {"Tanaka", "Sato"}, "2026-11-20": {"Ito"}, "2026-11-23": {"Suzuki"}} {
		var got []string
		for _, m := range r.OnCall(day(d)) {
			got = append(got, m.Name)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("OnCall(%s) = %q, want %q", d, got, want)
		}
	}
	if p := r.Problems(); len(p) > 0 {
		t.Errorf("Problems() = %q", p)
	}
}

// A header merged down two header rows is not a date to join, and a week's
// range merged down one row per day is left as rows (its overlaps are
// reported), never one day with everyone.
func TestMergedHeaderAndRangeRows(t *testing.T) {
	f := newFake(t, sheetID, map[string][][]any{
		"rotation": {
			{"日付", "当番", nil, "備考"}, // A1:A2 merged, B1:C1 merged
			{nil, "正", "副"},
			{46346.0, "Tanaka", "Sato"},
			{"2026/11/23〜2026/11/27", "Ito"}, // A4:A5 merged: a range over two day rows
			{nil, "Suzuki"},
		},
		"members": {{"name"}, {"Tanaka"}, {"Sato"}, {"Ito"}, {"Suzuki"}},
	})
	f.setMerges("rotation", `[
		{"sheetId":0,"startRowIndex":0,"endRowIndex":2,"startColumnIndex":0,"endColumnIndex":1},
		{"sheetId":0,"startRowIndex":0,"endRowIndex":1,"startColumnIndex":1,"endColumnIndex":3},
		{"sheetId":0,"startRowIndex":3,"endRowIndex":5,"startColumnIndex":0,"endColumnIndex":1}]`)
	r, err := newSource(t, f, nil, nil).Roster(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range r.OnCall(day("2026-11-20")) {
		got = append(got, m.Name)
	}
	if !reflect.DeepEqual(got, []string{"Tanaka", "Sato"}) {
		t.Errorf("OnCall(2026-11-20) = %q, want Tanaka and Sato under the two-row header", got)
	}
	if n := len(r.OnCall(day("2026-11-24"))); n != 1 {
		t.Errorf("OnCall(2026-11-24) has %d people, want the one of the range's first row", n)
	}
	if len(r.Problems()) == 0 {
		t.Error("the range merged over two rows is not reported")
	}
}
