package rotation

import (
	"reflect"
	"strings"
	"testing"
)

// readOn is the day the sheet is read in these tests.
var readOn = d(2026, 11, 30)

func TestParseSpan(t *testing.T) {
	tests := []struct {
		in          string
		today       Date
		week        bool
		first, last Date
	}{
		{"2026/11/16〜2026/11/20", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		{"2026/11/16～2026/11/20", readOn, false, d(2026, 11, 16), d(2026, 11, 20)}, // full-width tilde
		{"2026/11/16~2026/11/20", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		{"2026-11-16 - 2026-11-20", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		{"2026-11-16-2026-11-20", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		{"2026/11/16 – 2026/11/20", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		{"2026/11/16から2026/11/20", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		{"11/16-11/20", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		{"11/16(月)〜11/20(金)", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		{"2026/11/16〜20", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		{"2026/11/30〜4", readOn, false, d(2026, 11, 30), d(2026, 12, 4)},
		{"2026/12/28〜1/4", readOn, false, d(2026, 12, 28), d(2027, 1, 4)},
		{"２０２６／１１／１６〜２０２６／１１／２０", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		{"2026年11月16日〜2026年11月20日", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		// One date; under a week header, seven days.
		{"2026-11-16", readOn, false, d(2026, 11, 16), d(2026, 11, 16)},
		{"2026-11-16", readOn, true, d(2026, 11, 16), d(2026, 11, 22)},
		{"2026/11/16〜2026/11/20", readOn, true, d(2026, 11, 16), d(2026, 11, 20)}, // a range is a range
		// Text dates as typed in Japan.
		{"11/20(金)", readOn, false, d(2026, 11, 20), d(2026, 11, 20)},
		{"11/20（金）", readOn, false, d(2026, 11, 20), d(2026, 11, 20)},
		{"１１/２０（金）", readOn, false, d(2026, 11, 20), d(2026, 11, 20)},
		{"2026年11月20日", readOn, false, d(2026, 11, 20), d(2026, 11, 20)},
		{"2026年11月20日(金曜日)", readOn, false, d(2026, 11, 20), d(2026, 11, 20)},
		{"11月20日", readOn, false, d(2026, 11, 20), d(2026, 11, 20)},
		{"2026.11.24", readOn, false, d(2026, 11, 24), d(2026, 11, 24)},
		{"2026-11-20 Fri", readOn, false, d(2026, 11, 20), d(2026, 11, 20)},
		{"2026/11/20 (Friday)", readOn, false, d(2026, 11, 20), d(2026, 11, 20)},
		{"\u200b2026-11-20\ufeff", readOn, false, d(2026, 11, 20), d(2026, 11, 20)},
		{"46346", readOn, false, d(2026, 11, 20), d(2026, 11, 20)},
		// A year-less date takes the year nearest to the day the sheet is read.
		{"1/4", d(2026, 12, 28), false, d(2027, 1, 4), d(2027, 1, 4)},
		{"12/28", d(2027, 1, 4), false, d(2026, 12, 28), d(2026, 12, 28)},
		{"6/1", d(2026, 11, 30), false, d(2026, 6, 1), d(2026, 6, 1)},
		{"6/1", d(2026, 12, 2), false, d(2027, 6, 1), d(2027, 6, 1)},
		{"2/29", d(2027, 12, 1), false, d(2028, 2, 29), d(2028, 2, 29)},
		// Holiday marks, weekdays and days on a range's end.
		{"11/23(月・祝)", readOn, false, d(2026, 11, 23), d(2026, 11, 23)},
		{"2026/11/23（祝）", readOn, false, d(2026, 11, 23), d(2026, 11, 23)},
		{"11/16(月)〜20(金)", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		{"2026年11月16日〜20日", readOn, false, d(2026, 11, 16), d(2026, 11, 20)},
		{"2026/4/1〜3/31", readOn, false, d(2026, 4, 1), d(2027, 3, 31)}, // a fiscal year
		{"2026-11-20 Fri.", readOn, false, d(2026, 11, 20), d(2026, 11, 20)},
		// A weekday beside it picks the year it is right for.
		{"6/1(火)", d(2027, 5, 31), false, d(2027, 6, 1), d(2027, 6, 1)},
		{"6/1(月)", d(2026, 12, 2), false, d(2026, 6, 1), d(2026, 6, 1)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSpan(tt.in, tt.today, tt.week)
			if err != nil || got.first != tt.first || got.last != tt.last {
				t.Errorf("parseSpan(%q, today %s, week %v) = %s..%s, %v; want %s..%s", tt.in, tt.today, tt.week, got.first, got.last, err, tt.first, tt.last)
			}
		})
	}
}

func TestParseSpanErrors(t *testing.T) {
	tests := []struct {
		in    string
		today Date
		want  string
	}{
		{"11/20(木)", readOn, `"11/20(木)": 2026-11-20 is a Friday: correct the date or the weekday`},
		{"2026/11/20〜2026/11/16", readOn, `"2026/11/20〜2026/11/16" ends before it starts (2026-11-20 to 2026-11-16)`},
		{"2026/11/16〜2027/12/20", readOn, `"2026/11/16〜2027/12/20" covers 400 days, more than a year: is a year mistyped?`},
		{"11/20", Date{}, `"11/20" has no year; write it as 2026/11/20`},
		// A year away is too far for the weekday to move it: a wrong weekday.
		{"12/28(月)", d(2026, 1, 10), `"12/28(月)": 2025-12-28 is a Sunday: correct the date or the weekday`},
		{"2026/11/31〜2026/12/4", readOn, `"2026/11/31〜2026/12/4" is not a date; ` + DateForms},
		{"来週", readOn, `"来週" is not a date; ` + DateForms},
		{"13/1", readOn, `"13/1" is not a date; ` + DateForms},
		{"11/16(月)〜20(木)", readOn, `"11/16(月)〜20(木)" is not a date; ` + DateForms},
		{"2026/11/20" + strings.Repeat("-", 5000), readOn, `"2026/11/20------------------------------…" is not a date; ` + DateForms},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseSpan(tt.in, tt.today, false)
			if err == nil || err.Error() != tt.want {
				t.Errorf("parseSpan(%q) = %v, %v\nwant error: %s", tt.in, got, err, tt.want)
			}
		})
	}
}

// members of the cases: the tabs of ../../../shared/cases/sheet.
var caseMembers = [][]string{
	{"name", "slack", "typetalk", "email"},
	{"Tanaka", "U01TANAKA", "tanaka_t", "tanaka@example.com"},
	{"Suzuki", "U02SUZUKI", "suzuki_j", "suzuki@example.com"},
	{"Sato", "U03SATO", "sato_h", "sato@example.com"},
	{"Ito", "U04ITO", "ito_k", "ito@example.com"},
	{"田中", ""},
	{"鈴木", ""},
	{"さとう", ""},
}

// onCallNames is who r has on call on each date, by name.
func onCallNames(r *Roster, days ...Date) map[Date][]string {
	out := map[Date][]string{}
	for _, day := range days {
		var names []string
		for _, m := range r.OnCall(day) {
			names = append(names, m.Name)
		}
		out[day] = names
	}
	return out
}

func problemTexts(problems []error) []string {
	var out []string
	for _, p := range problems {
		out = append(out, p.Error())
	}
	return out
}

func TestParseRotationForms(t *testing.T) {
	nov := func(day int) Date { return d(2026, 11, day) }
	tests := []struct {
		desc     string
		rows     [][]string
		want     map[Date][]string
		problems []string // prefixes, in order
	}{
		{"weekly range rows", [][]string{
			{"date", "oncall1", "oncall2"},
			{"2026/11/16〜2026/11/20", "Tanaka", "Sato"},
			{"2026-11-24", "Suzuki", "Ito"},
		}, map[Date][]string{nov(16): {"Tanaka", "Sato"}, nov(18): {"Tanaka", "Sato"}, nov(20): {"Tanaka", "Sato"}, nov(21): nil, nov(24): {"Suzuki", "Ito"}}, nil},
		{"a week header: each date covers seven days", [][]string{
			{"週", "担当1", "担当2"},
			{"11/16(月)", "Tanaka", "Sato"},
			{"2026/11/23", "Suzuki", "Ito"},
		}, map[Date][]string{nov(16): {"Tanaka", "Sato"}, nov(22): {"Tanaka", "Sato"}, nov(23): {"Suzuki", "Ito"}, nov(29): {"Suzuki", "Ito"}, nov(30): nil}, nil},
		{"a row of names above the header is reported, not read", [][]string{
			{"2026-11-18", "Ito"},
			{"date", "primary", "secondary"},
			{"2026-11-20", "Sato"},
		}, map[Date][]string{nov(18): nil, nov(20): {"Sato"}}, []string{`rotation!A1: this row is above the header (row 2), so it is not read`}},
		{"a date in the title, a header without A1, notes and a blank column", [][]string{
			{"2026/11/20", "最終更新"},
			{"", "担当", "担当", "備考", ""},
			{"2026/11/20", "Tanaka", "", "Sato is off", ""},
		}, map[Date][]string{nov(20): {"Tanaka"}}, nil},
		{"headers with comments, numbers and separators in the way", [][]string{
			{"date", "On-call (primary)", "当番（正）", "note", "note"},
			{"2026/11/20", "Tanaka", "Sato", "Ito", "Ito"},
			{"12月"},
			{"----"},
			{"date", "On-call (primary)", "当番（正）"},
			{"2026/11/24", "Suzuki"},
		}, map[Date][]string{nov(20): {"Tanaka", "Sato"}, nov(24): {"Suzuki"}}, nil},
		{"a start-date header: each shift runs until the next", [][]string{
			{"開始日", "担当", "担当"},
			{"2026/11/16", "Tanaka", "Sato"},
			{"2026/11/24", "Suzuki", "Ito"},
			{"2026/11/19", "Ito"},
		}, map[Date][]string{nov(16): {"Tanaka", "Sato"}, nov(18): {"Tanaka", "Sato"}, nov(19): {"Ito"}, nov(23): {"Ito"}, nov(24): {"Suzuki", "Ito"},
			nov(28): {"Suzuki", "Ito"}, nov(29): nil}, nil}, // the last shift runs as long as they usually do (5 days here)
		{"a monthly start-date sheet", [][]string{
			{"start date", "oncall"},
			{"2026/10/1", "Tanaka"},
			{"2026/11/1", "Sato"},
			{"2026/12/1", "Ito"},
		}, map[Date][]string{d(2026, 10, 31): {"Tanaka"}, nov(30): {"Sato"}, d(2026, 12, 31): {"Ito"}, d(2027, 1, 1): nil}, nil},
		{"a week after a Monday holiday starts on Tuesday", [][]string{
			{"week", "oncall", "oncall"},
			{"2026-11-24", "Suzuki", "Ito"}, // newest first, a Tuesday on top
			{"2026-11-16", "Tanaka", "Sato"},
			{"2026-11-09", "Ito", "Sato"},
			{"2026-11-30", "Tanaka", "Suzuki"},
		}, map[Date][]string{nov(16): {"Tanaka", "Sato"}, nov(22): {"Tanaka", "Sato"}, nov(24): {"Suzuki", "Ito"}, nov(27): {"Suzuki", "Ito"}, nov(29): {"Suzuki", "Ito"}, nov(30): {"Tanaka", "Suzuki"}}, nil},
		{"one-day swaps in a weekly sheet", [][]string{
			{"week of", "primary", "secondary"},
			{"2026-11-16", "Tanaka", "Sato"}, // weeks start on Mondays
			{"2026-11-18", "Ito", "Sato"},    // a Wednesday: that day alone
			{"2026-11-23", "Suzuki", "Ito"},
			{"2026/11/23〜2026/11/23", "Tanaka"}, // a Monday swap: a one-day range is that date
		}, map[Date][]string{nov(16): {"Tanaka", "Sato"}, nov(18): {"Ito", "Sato"}, nov(19): {"Tanaka", "Sato"}, nov(22): {"Tanaka", "Sato"}, nov(23): {"Tanaka"}, nov(24): {"Suzuki", "Ito"}},
			nil},
		{"a swap in a range", [][]string{
			{"date", "primary", "secondary"},
			{"2026-11-18", "Ito", "Sato"}, // written before the range it overrides
			{"2026/11/16〜2026/11/20", "Tanaka", "Sato"},
		}, map[Date][]string{nov(16): {"Tanaka", "Sato"}, nov(18): {"Ito", "Sato"}, nov(20): {"Tanaka", "Sato"}}, nil},
		{"overlapping ranges: the first row counts", [][]string{
			{"date", "oncall", "oncall"},
			{"11/16〜11/20", "Tanaka", "Sato"},
			{"11/19〜11/25", "Suzuki", "Ito"},
		}, map[Date][]string{nov(18): {"Tanaka", "Sato"}, nov(20): {"Tanaka", "Sato"}, nov(21): {"Suzuki", "Ito"}, nov(25): {"Suzuki", "Ito"}},
			[]string{`rotation!A3: 2026-11-19 to 2026-11-20 is already covered by row 2, which counts for those days`}},
		{"title rows above the header", [][]string{
			{"2026年度 オンコール当番表"},
			{"", "更新: 2026/11/01"},
			{},
			{"日付", "当番", "当番"},
			{"2026/11/20", "Tanaka", "Sato"},
		}, map[Date][]string{nov(20): {"Tanaka", "Sato"}}, nil},
		{"the weeks survive a stray swap row above them", [][]string{
			{"週", "担当", "担当", "備考"},
			{"2026/11/25(水)", "Ito", "Sato", "old swap"},
			{"2026/11/30(月)", "Tanaka", "Sato"},
			{"2026/12/7(月)", "Suzuki", "Ito"},
			{"2026/12/9(水)", "Sato", "Ito", "swap"},
			{"2026/12/14(月)", "Tanaka", "Suzuki"},
		}, map[Date][]string{nov(25): {"Ito", "Sato"}, nov(26): {"Ito", "Sato"}, d(2026, 12, 4): {"Tanaka", "Sato"}, d(2026, 12, 8): {"Suzuki", "Ito"},
			d(2026, 12, 9): {"Sato", "Ito"}, d(2026, 12, 10): {"Suzuki", "Ito"}, d(2026, 12, 15): {"Tanaka", "Suzuki"}},
			[]string{"rotation!A1: weeks are read as starting on Monday (3 rows), but 2 rows are on Wednesday"}},
		{"a note-only row inside a week is a note, week headers pd2chat does not list, placeholders and joined lines", [][]string{
			{"担当週", "正担当", "副担当", "備考"},
			{"2026/11/30(月)", "Ito", "-", ""},
			{"12/2(水)", "", "", "リリース日"},
			{"2026/12/7(月)", "Sato\n-", "Tanaka\nTanaka", ""},
		}, map[Date][]string{nov(30): {"Ito"}, d(2026, 12, 2): {"Ito"}, d(2026, 12, 8): {"Sato", "Tanaka"}}, nil},
		{"a tie goes to Monday, whatever the order", [][]string{
			{"週", "当番"},
			{"2026/10/13(火)", "田中"}, // 10/12 was a holiday
			{"2026/10/15(木)", "鈴木"}, // a swap
			{"2026/10/19(月)", "Sato"},
		}, map[Date][]string{d(2026, 10, 13): {"田中"}, d(2026, 10, 15): {"鈴木"}, d(2026, 10, 18): {"田中"}, d(2026, 10, 19): {"Sato"}, d(2026, 10, 25): {"Sato"}}, nil},
		{"swaps inside a week that starts late, and a two-day swap", [][]string{
			{"week", "oncall"},
			{"2026/11/9", "Ito"},
			{"2026/11/17(火)", "Sato"},
			{"2026/11/19(木)", "Ito"},
			{"2026/11/23", "Tanaka"},
			{"2026/11/25〜2026/11/26", "Suzuki"},
		}, map[Date][]string{nov(18): {"Sato"}, nov(19): {"Ito"}, nov(20): {"Sato"}, nov(24): {"Tanaka"}, nov(25): {"Suzuki"}, nov(26): {"Suzuki"}, nov(27): {"Tanaka"}}, nil},
		{"a header pd2chat does not know, above the dates", [][]string{
			{"2026年度 当番表"},
			{"Shift", "担当", "担当", "備考"},
			{"2026/11/20", "Tanaka", "Sato", "swap: 鈴木 off"},
		}, map[Date][]string{nov(20): {"Tanaka", "Sato"}}, nil},
		{"hiragana names are not split", [][]string{
			{"date", "oncall"},
			{"2026-11-20", "さとう・鈴木"},
		}, map[Date][]string{nov(20): {"さとう", "鈴木"}}, nil},
		{"two names in one cell", [][]string{
			{"date", "primary", "secondary"},
			{"2026-11-20", "Tanaka・Suzuki", ""},
			{"2026-11-24", "Sato, Ito", ""},
			{"2026-11-25", "田中、鈴木"},
			{"2026-11-26", "sato / ito"},
			{"2026-11-27", "Sato & Suzuki"},
			{"2026-11-30", "Tanaka and Ito"},
			{"2026-12-01", "Tanaka\nSato"}, // Alt+Enter in the cell
			{"2026-12-02", "田中\r\n鈴木"},
			{"2026-12-03", "Sato,"},
		}, map[Date][]string{d(2026, 12, 1): {"Tanaka", "Sato"}, d(2026, 12, 2): {"田中", "鈴木"}, d(2026, 12, 3): {"Sato"}, nov(20): {"Tanaka", "Suzuki"}, nov(24): {"Sato", "Ito"}, nov(25): {"田中", "鈴木"}, nov(26): {"Sato", "Ito"}, nov(27): {"Sato", "Suzuki"}, nov(30): {"Tanaka", "Ito"}}, nil},
		{"invisible characters and odd spaces", [][]string{
			{"date", "primary", "secondary"},
			{"2026-11-20", "Tanaka\u200b", "\ufeffSuzuki"},
			{"2026-11-24", "Sato\u00a0", "\u3000Ito"},
			{"2026-11-25", "Ｔａｎａｋａ", "@sato"},
			{"2026-11-26", "TANAKA  ", "s a t o"}, // spaces never matter: "田中 太郎" is "田中太郎"
			{"2026-11-27", "Satoo"},
		}, map[Date][]string{nov(20): {"Tanaka", "Suzuki"}, nov(24): {"Sato", "Ito"}, nov(25): {"Tanaka", "Sato"}, nov(26): {"Tanaka", "Sato"}, nov(27): nil},
			[]string{`rotation!B6: "Satoo" matches no member`}},
		{"the note column is not read as people", [][]string{
			{"date", "oncall1", "oncall2", "note"},
			{"2026-11-20", "Sato", "Suzuki", "swap with sato"},
			{"2026-11-24", "", "", "Tanaka is off"}, // a note alone is no problem
		}, map[Date][]string{nov(20): {"Sato", "Suzuki"}}, nil},
		{"other columns: backup, 備考, 曜日", [][]string{
			{"日付", "曜日", "担当", "担当", "backup", "備考"},
			{"2026/11/20", "金", "Tanaka", "Sato", "Ito", "Ito"},
		}, map[Date][]string{nov(20): {"Tanaka", "Sato"}}, nil},
		{"an unknown column that names people is reported once", [][]string{
			{"date", "primary", "Engineer B"},
			{"2026-11-20", "Tanaka", "Sato"},
			{"2026-11-24", "Suzuki", "Ito"},
		}, map[Date][]string{nov(20): {"Tanaka"}, nov(24): {"Suzuki"}},
			[]string{`rotation!C1: column "Engineer B" is not read as people on call`}},
		{"comments, formula errors, names nobody has", [][]string{
			{"date", "primary", "secondary"},
			{"2026-11-20", "Tanaka (swap with sato)", "Sato（代理）"},
			{"2026-11-24", "#N/A", "Ito"},
			{"2026-11-25", "#REF!", "休み"},
			{"2026-11-26", "Tanaka・Yamada", ""}, // split only when every part is a member
		}, map[Date][]string{nov(20): {"Tanaka", "Sato"}, nov(24): {"Ito"}, nov(25): nil, nov(26): nil},
			[]string{
				`rotation!B3: "#N/A" is a formula's error, not a name`,
				`rotation!B4: "#REF!" is a formula's error`,
				`rotation!C4: "休み" matches no member`,
				`rotation!B5: "Tanaka・Yamada" matches no member`,
			}},
		{"text dates and full-width digits", [][]string{
			{"date", "oncall", "oncall"},
			{"11/20(金)", "Tanaka", ""},
			{"2026年11月24日", "Sato"},
			{"2026.11.25", "Ito"},
			{"２０２６/１１/２６", "Suzuki"},
		}, map[Date][]string{nov(20): {"Tanaka"}, nov(24): {"Sato"}, nov(25): {"Ito"}, nov(26): {"Suzuki"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r, problems := ParseTabs(Tabs{Rotation: tt.rows, Members: caseMembers, Today: readOn})
			got := problemTexts(problems)
			ok := len(got) == len(tt.problems)
			for i := 0; ok && i < len(got); i++ {
				ok = strings.HasPrefix(got[i], tt.problems[i])
			}
			if !ok {
				t.Errorf("problems\n got: %q\nwant: %q…", got, tt.problems)
			}
			var days []Date
			for day := range tt.want {
				days = append(days, day)
			}
			if gotDays := onCallNames(r, days...); tt.want != nil && !reflect.DeepEqual(gotDays, tt.want) {
				t.Errorf("on call\n got: %v\nwant: %v", gotDays, tt.want)
			}
		})
	}
}

func TestUnmatched(t *testing.T) {
	r, _ := ParseTabs(Tabs{Rotation: [][]string{
		{"date", "primary", "secondary"},
		{"2026-11-20", "休み", "\u200bSato"},
		{"2026-11-24", "#N/A", "Ｙａｍａｄａ (new)"},
		{"2026/11/25〜2026/11/27", "Nobody"},
	}, Members: caseMembers, Today: readOn})
	for day, want := range map[Date][]string{
		d(2026, 11, 20): {"休み"},
		d(2026, 11, 24): {"#N/A", "Ｙａｍａｄａ (new)"}, // as written, without invisible characters
		d(2026, 11, 26): {"Nobody"},
		d(2026, 11, 30): nil,
	} {
		if got := r.Unmatched(day); !reflect.DeepEqual(got, want) {
			t.Errorf("Unmatched(%s) = %q, want %q", day, got, want)
		}
	}
	if got := onCallNames(r, d(2026, 11, 20))[d(2026, 11, 20)]; !reflect.DeepEqual(got, []string{"Sato"}) {
		t.Errorf("OnCall(2026-11-20) = %v, want the matched Sato only", got)
	}
	if !r.Scheduled(d(2026, 11, 26)) || len(r.OnCall(d(2026, 11, 26))) != 0 {
		t.Error("2026-11-26: want a row with nobody matched")
	}
}

func TestHolidayRanges(t *testing.T) {
	r, problems := ParseTabs(Tabs{Holidays: [][]string{
		{"date", "name"},
		{"2026/12/29〜2027/1/3", "年末年始"},
		{"2027/1/2", "duplicate"},
	}, Today: readOn})
	if got := problemTexts(problems); len(got) != 1 || got[0] != "holidays!A3: 2027-01-02 is already on row 2; row ignored" {
		t.Errorf("problems = %q", got)
	}
	for _, day := range []Date{d(2026, 12, 29), d(2026, 12, 31), d(2027, 1, 3)} {
		if name, ok := r.IsHoliday(day); !ok || name != "年末年始" {
			t.Errorf("IsHoliday(%s) = %q, %v", day, name, ok)
		}
	}
	if _, ok := r.IsHoliday(d(2027, 1, 4)); ok {
		t.Error("2027-01-04 is not in the range")
	}
}

func TestNameKey(t *testing.T) {
	for in, want := range map[string]string{
		"Tanaka": "tanaka", "Ｔａｎａｋａ": "tanaka", "\u200bTanaka\ufeff": "tanaka", "@tanaka": "tanaka",
		"Mary  Ann": "maryann", "Mary\u3000Ann": "maryann", "田中 太郎": "田中太郎", "ﾀﾅｶ": "タナカ", "STRASSE": "strasse",
	} {
		if got := nameKey(in); got != want {
			t.Errorf("nameKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestVacancy(t *testing.T) {
	r, _ := ParseTabs(Tabs{Rotation: [][]string{
		{"date", "oncall", "oncall"},
		{"2026-11-20", "Sato", "休み"},
		{"2026-11-24", "休み"},
		{"2026-11-25", ""},
	}, Members: caseMembers, Today: readOn})
	var nilRoster *Roster
	for _, tt := range []struct {
		r    *Roster
		day  Date
		want Vacancy
	}{
		{r, d(2026, 11, 20), Staffed},
		{r, d(2026, 11, 24), OnlyUnmatched},
		{r, d(2026, 11, 25), EmptyRow},
		{r, d(2026, 11, 26), NoRow},
		{nilRoster, d(2026, 11, 20), NoRow},
	} {
		if got := tt.r.Vacancy(tt.day); got != tt.want {
			t.Errorf("Vacancy(%s) = %d, want %d", tt.day, got, tt.want)
		}
	}
}
