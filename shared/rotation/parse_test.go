package rotation

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func d(y int, m time.Month, day int) Date { return Date{y, m, day} }

func TestParseDate(t *testing.T) {
	tests := []struct {
		in   string
		want Date
	}{
		{"2026-11-20", d(2026, 11, 20)},
		{"2026/11/20", d(2026, 11, 20)},
		{"2026/1/5", d(2026, 1, 5)},
		{"2026-1-5", d(2026, 1, 5)},
		{"2026/01/05", d(2026, 1, 5)},
		{" 2026-11-20 ", d(2026, 11, 20)},
		{"2024-02-29", d(2024, 2, 29)},
		{"46346", d(2026, 11, 20)},
		{"46346.75", d(2026, 11, 20)}, // a date-time serial: the day counts
		{"46387", d(2026, 12, 31)},
		{"46388", d(2027, 1, 1)},
		{"36526", d(2000, 1, 1)},
		{"73050", d(2099, 12, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("ParseDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestParseDateErrors(t *testing.T) {
	tests := []struct{ in, want string }{
		{"2026-13-01", "rotation: \"2026-13-01\" is not a date; " + DateForms},
		{"2026-02-29", "rotation: \"2026-02-29\" is not a date; " + DateForms},
		{"2026-11-31", "rotation: \"2026-11-31\" is not a date; " + DateForms},
		{"2026-00-10", "rotation: \"2026-00-10\" is not a date; " + DateForms},
		{"2026-11-00", "rotation: \"2026-11-00\" is not a date; " + DateForms},
		{"26/11/20", "rotation: \"26/11/20\" is not a date; " + DateForms},
		{"11/20/2026", "rotation: \"11/20/2026\" is not a date; " + DateForms},
		{"2026-11/20", "rotation: \"2026-11/20\" is not a date; " + DateForms},
		{"2026-11-20T10:00", "rotation: \"2026-11-20T10:00\" is not a date; " + DateForms},
		{"2026-011-20", "rotation: \"2026-011-20\" is not a date; " + DateForms},
		{"2026-+1-20", "rotation: \"2026-+1-20\" is not a date; " + DateForms},
		{"next monday", "rotation: \"next monday\" is not a date; " + DateForms},
		{"", `rotation: empty date`},
		{"0", "rotation: \"0\" is not a date (as a Sheets date serial it is out of range); " + DateForms},
		{"47", "rotation: \"47\" is not a date (as a Sheets date serial it is out of range); " + DateForms},
		{"2026", "rotation: \"2026\" is not a date (as a Sheets date serial it is out of range); " + DateForms},
		{"20261120", "rotation: \"20261120\" is not a date (as a Sheets date serial it is out of range); " + DateForms},
		{"46346.5.1", "rotation: \"46346.5.1\" is not a date; " + DateForms},
		{"-46346", "rotation: \"-46346\" is not a date; " + DateForms},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if err == nil {
				t.Fatalf("ParseDate(%q) = %v, want error %s", tt.in, got, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("ParseDate(%q) error\n got: %s\nwant: %s", tt.in, err, tt.want)
			}
		})
	}
}

var (
	sato     = Member{Name: "Sato", Slack: "U01SATO0001", Typetalk: "sato", Email: "sato@example.com"}
	suzuki   = Member{Name: "Suzuki", Slack: "U01SUZUKI01", Typetalk: "suzuki", Email: "suzuki@example.com"}
	watanabe = Member{Name: "Watanabe", Typetalk: "watanabe", Email: "watanabe@example.com"}
)

var goodMembers = [][]string{
	{"name", "slack", "typetalk", "email"},
	{"Sato", "U01SATO0001", "sato", "sato@example.com"},
	{"Suzuki", "U01SUZUKI01", "suzuki", "suzuki@example.com"},
	{"Watanabe", "", "watanabe", "watanabe@example.com"},
}

func TestParse(t *testing.T) {
	rotationRows := [][]string{
		{"date", "primary", "secondary", "oncall"},
		{"2026-11-20", "Sato", "Suzuki"},
		{"2026/11/24", " suzuki ", "Yamamoto"}, // case and spaces; a contractor not in members
		{},                                     // blank rows are fine
		{"", "  ", ""},
		{"46351", "Watanabe"},            // a serial (2026-11-25), a ragged row
		{"2026-11-26", "", "Sato", ""},   // empty cells are skipped
		{"2026-11-19", "Suzuki", "Sato"}, // any order
		{"2026-11-27"},                   // nobody on call
		{"2026-11-30", "Sato", "Suzuki", "Watanabe"},
	}
	r, problems := Parse(rotationRows, goodMembers)
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), `rotation!C3: "Yamamoto" matches no member`) {
		t.Fatalf("problems: %v, want only Yamamoto's", problems)
	}
	if got := r.Unmatched(d(2026, 11, 24)); !reflect.DeepEqual(got, []string{"Yamamoto"}) {
		t.Errorf("Unmatched(2026-11-24) = %q, want [Yamamoto]", got)
	}
	tests := []struct {
		day  Date
		want []Member
	}{
		{d(2026, 11, 20), []Member{sato, suzuki}},
		{d(2026, 11, 24), []Member{suzuki}}, // Yamamoto is a problem (below)
		{d(2026, 11, 25), []Member{watanabe}},
		{d(2026, 11, 26), []Member{sato}},
		{d(2026, 11, 19), []Member{suzuki, sato}},
		{d(2026, 11, 27), nil},
		{d(2026, 11, 30), []Member{sato, suzuki, watanabe}},
		{d(2026, 11, 21), nil}, // not in the sheet
	}
	for _, tt := range tests {
		t.Run(tt.day.String(), func(t *testing.T) {
			if got := r.OnCall(tt.day); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("OnCall(%s) = %+v, want %+v", tt.day, got, tt.want)
			}
		})
	}
	if !r.Scheduled(d(2026, 11, 27)) || r.Scheduled(d(2026, 11, 21)) {
		t.Error("Scheduled: want a row for 2026-11-27 and none for 2026-11-21")
	}
	if got, want := r.Members(), []Member{sato, suzuki, watanabe}; !reflect.DeepEqual(got, want) {
		t.Errorf("Members() = %+v, want %+v", got, want)
	}
}

func TestRosterIsImmutable(t *testing.T) {
	r, _ := Parse([][]string{{"2026-11-20", "Sato", "Suzuki"}}, goodMembers)
	r.OnCall(d(2026, 11, 20))[0].Name = "changed"
	r.Members()[0].Name = "changed"
	if got := r.OnCall(d(2026, 11, 20))[0].Name; got != "Sato" {
		t.Errorf("after changing OnCall's result, OnCall gives %q", got)
	}
	if got := r.Members()[0].Name; got != "Sato" {
		t.Errorf("after changing Members' result, Members gives %q", got)
	}
}

func TestNilRoster(t *testing.T) {
	var r *Roster
	if r.OnCall(d(2026, 11, 20)) != nil || r.Members() != nil || r.Scheduled(d(2026, 11, 20)) {
		t.Error("a nil roster is not empty")
	}
	if name, ok := r.IsHoliday(d(2026, 12, 29)); ok || name != "" {
		t.Errorf("nil roster: IsHoliday = %q, %v", name, ok)
	}
	if r.Problems() != nil {
		t.Error("nil roster: Problems() is not nil")
	}
	if r.Runbooks("Disk full", "db") != nil {
		t.Error("nil roster: Runbooks() is not nil")
	}
}

func TestParseMembersHeader(t *testing.T) {
	tests := []struct {
		desc string
		rows [][]string
		want []Member
	}{
		{"no header: name, slack, typetalk, email", [][]string{
			{"Sato", "U01SATO0001", "sato", "sato@example.com"},
		}, []Member{sato}},
		{"columns in another order, any case", [][]string{
			{"Email", "NAME", "Typetalk", "Slack"},
			{"sato@example.com", "Sato", "sato", "U01SATO0001"},
		}, []Member{sato}},
		{"spelled otherwise, unknown columns ignored", [][]string{
			{"名前", "Note", "Slack ID", "e-mail", "Typetalk account"},
			{"Sato", "team lead", "U01SATO0001", "sato@example.com", "@sato"},
		}, []Member{sato}},
		{"only some columns", [][]string{
			{"slack", "name"},
			{"U01SATO0001", "Sato", "ignored"},
		}, []Member{{Name: "Sato", Slack: "U01SATO0001"}}},
		{"blank rows before the header", [][]string{
			{},
			{"", ""},
			{"name", "slack"},
			{"Sato", "U01SATO0001"},
		}, []Member{{Name: "Sato", Slack: "U01SATO0001"}}},
		{"spaces trimmed, enterprise W id", [][]string{
			{" name ", " slack "},
			{"  Sato ", " W01SATO0001 "},
		}, []Member{{Name: "Sato", Slack: "W01SATO0001"}}},
		{"empty tab", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r, problems := Parse(nil, tt.rows)
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			if got := r.Members(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Members() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseRotationHeader(t *testing.T) {
	tests := []struct {
		desc string
		rows [][]string
		want int // rows in the roster
	}{
		{"header", [][]string{{"date", "1st", "2nd"}, {"2026-11-20", "Sato"}}, 1},
		{"Japanese header", [][]string{{"日付", "担当"}, {"2026-11-20", "Sato"}}, 1},
		{"no header", [][]string{{"2026-11-20", "Sato"}, {"2026-11-24", "Sato"}}, 2},
		{"serial first", [][]string{{"46346", "Sato"}}, 1},
		{"blank rows, then header", [][]string{{}, {" "}, {"Date", "on call"}, {"2026-11-20", "Sato"}}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r, problems := Parse(tt.rows, [][]string{{"Sato"}})
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			if len(r.days) != tt.want {
				t.Errorf("roster has %d dates, want %d", len(r.days), tt.want)
			}
		})
	}
}

func TestParseProblems(t *testing.T) {
	rotationRows := [][]string{
		{"date", "primary", "secondary"}, // 1
		{"2026-11-20", "Sato", "Suzuki"}, // 2
		{"2026-13-01", "Sato"},           // 3
		{"2026-11-20", "Watanabe"},       // 4: same date again
		{"", "Suzuki"},                   // 5: no date
		{"2026-11-24", "Sato", "sato"},   // 6: same person twice
		{"tomorrow", "Sato"},             // 7
		{"2026-11-25", "Watanabe", "", "", "", "", "", "Suzuki", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "suzuki"}, // 8: AB8
		{"2026/11/26", "Watanabe"}, // 9
	}
	memberRows := [][]string{
		{"name", "slack", "typetalk", "email", "slack"},       // 1: two slack columns
		{"Sato", "U01SATO0001", "sato", "sato@example.com"},   // 2
		{"Suzuki", "@suzuki", "suzuki", "suzuki@example.com"}, // 3: not a user ID
		{"", "U01NONAME01"},                         // 4: no name
		{"sato", "U01SATO0002", "sato2"},            // 5: duplicate, other case
		{"Watanabe", "u01watanabe", "watanabe", ""}, // 6: lower-case id
	}
	r, problems := Parse(rotationRows, memberRows)
	want := []string{
		`members!E1: a second "slack" column; column B is used`,
		`members!B3: slack "@suzuki" is not a Slack user ID (like U012AB3CD); Suzuki is shown without a Slack mention`,
		`members!A4: no name for this member; row ignored`,
		`members!A5: member "sato" is already on row 2; row ignored`,
		`members!B6: slack "u01watanabe" is not a Slack user ID (like U012AB3CD); Watanabe is shown without a Slack mention`,
		`rotation!H1: column H has no header, so it is not read as people on call (only columns headed oncall, 担当, primary… are), yet H8 names Suzuki: give it such a header to read it`,
		`rotation!AB1: column AB has no header, so it is not read as people on call (only columns headed oncall, 担当, primary… are), yet AB8 names Suzuki: give it such a header to read it`,
		`rotation!A3: "2026-13-01" is not a date; ` + DateForms,
		`rotation!A4: 2026-11-20 is already on row 2; row ignored`,
		`rotation!A5: no date for the names in this row; row ignored`,
		`rotation!C6: "Sato" is already on call this day in B6`,
		`rotation!A7: "tomorrow" is not a date; ` + DateForms,
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
		var ce *CellError
		if !errors.As(p, &ce) {
			t.Errorf("problem %q is not a *CellError", p)
		}
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	// The good rows are kept.
	wantMembers := []Member{sato, {Name: "Suzuki", Typetalk: "suzuki", Email: "suzuki@example.com"}, {Name: "Watanabe", Typetalk: "watanabe"}}
	if got := r.Members(); !reflect.DeepEqual(got, wantMembers) {
		t.Errorf("Members() = %+v, want %+v", got, wantMembers)
	}
	onCall := map[Date][]string{
		d(2026, 11, 20): {"Sato", "Suzuki"}, // the first row wins
		d(2026, 11, 24): {"Sato"},
		d(2026, 11, 25): {"Watanabe"}, // Suzuki is in columns without a header
		d(2026, 11, 26): {"Watanabe"},
	}
	for day, want := range onCall {
		var names []string
		for _, m := range r.OnCall(day) {
			names = append(names, m.Name)
		}
		if !reflect.DeepEqual(names, want) {
			t.Errorf("OnCall(%s) = %v, want %v", day, names, want)
		}
	}
	if len(r.days) != len(onCall) {
		t.Errorf("roster has %d dates, want %d", len(r.days), len(onCall))
	}
}

func TestParseMembersHeaderWithoutName(t *testing.T) {
	r, problems := Parse(nil, [][]string{{"slack", "email"}, {"U01SATO0001", "sato@example.com"}})
	if len(problems) != 1 || problems[0].Error() != `members!A1: the header has no "name" column; no member read` {
		t.Errorf("problems = %v", problems)
	}
	if len(r.Members()) != 0 {
		t.Errorf("Members() = %v, want none", r.Members())
	}
}

func TestValidSlackUserID(t *testing.T) {
	long := "U" + strings.Repeat("A", MaxSlackUserID-1) // 32 characters
	for s, want := range map[string]bool{
		"U012AB3CD": true, "W012AB3CD": true, "U02UD2WE3HA": true, "U12": true, long: true,
		"": false, "U": false, "U1": false, long + "A": false,
		"u012ab3cd": false, "U012ab3cd": false, "X012AB3CD": false, "@U012AB3CD": false,
		"U012AB3CD ": false, "U012-AB3CD": false, "<@U012AB3CD>": false, "UＡＢＣ": false, "U田中": false,
	} {
		if got := ValidSlackUserID(s); got != want {
			t.Errorf("ValidSlackUserID(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestValidTypetalkAccount(t *testing.T) {
	long := strings.Repeat("a", MaxTypetalkAccount)
	for s, want := range map[string]bool{
		"sato": true, "Sato": true, "suzuki-h": true, "s.tanaka": true, "s_tanaka": true, "7sato": true, "a": true, long: true,
		"": false, "田中": false, "sato h": false, "@sato": false, "-sato": false, ".sato": false, "_sato": false,
		"sato!": false, "sato@example.com": false, "ｓａｔｏ": false, "sato\u200b": false, long + "a": false,
	} {
		if got := ValidTypetalkAccount(s); got != want {
			t.Errorf("ValidTypetalkAccount(%q) = %v, want %v", s, got, want)
		}
	}
}

// A handle that a chat would not read as a mention is reported, like a bad
// Slack ID, and dropped: the member stays, shown by name in that chat.
func TestParseMemberHandles(t *testing.T) {
	long := "U" + strings.Repeat("A", MaxSlackUserID) // 33 characters
	r, problems := Parse(nil, [][]string{
		{"name", "slack", "typetalk"},     // 1
		{"Tanaka", "U01TANAKA01", "田中"},   // 2
		{"Sato", "U01SATO0001", "sato h"}, // 3
		{"Ito", long, "@ito"},             // 4
		{"Kato", "", "＠kato"},             // 5: a full-width @ is not a Typetalk mention
		{"Suzuki", "U01SUZUKI01", "suzuki-h"},
	})
	want := []string{
		`members!C2: typetalk "田中" is not a Typetalk account name (letters, digits, '-', '_' and '.'); Tanaka is shown without a Typetalk mention`,
		`members!C3: typetalk "sato h" is not a Typetalk account name (letters, digits, '-', '_' and '.'); Sato is shown without a Typetalk mention`,
		`members!B4: slack "` + long + `" is not a Slack user ID (like U012AB3CD); Ito is shown without a Slack mention`,
		`members!C5: typetalk "＠kato" is not a Typetalk account name (letters, digits, '-', '_' and '.'); Kato is shown without a Typetalk mention`,
	}
	var got []string
	for _, p := range problems {
		got = append(got, p.Error())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	wantMembers := []Member{
		{Name: "Tanaka", Slack: "U01TANAKA01"},
		{Name: "Sato", Slack: "U01SATO0001"},
		{Name: "Ito", Typetalk: "ito"},
		{Name: "Kato"},
		{Name: "Suzuki", Slack: "U01SUZUKI01", Typetalk: "suzuki-h"},
	}
	if got := r.Members(); !reflect.DeepEqual(got, wantMembers) {
		t.Errorf("Members() = %+v, want %+v", got, wantMembers)
	}
	for _, m := range r.Members() {
		if m.Slack != "" && !ValidSlackUserID(m.Slack) || m.Typetalk != "" && !ValidTypetalkAccount(m.Typetalk) {
			t.Errorf("member %+v keeps a handle its chat would not mention", m)
		}
	}
}

func TestColumnName(t *testing.T) {
	for col, want := range map[int]string{1: "A", 2: "B", 26: "Z", 27: "AA", 28: "AB", 52: "AZ", 53: "BA", 702: "ZZ", 703: "AAA", 0: "?"} {
		if got := columnName(col); got != want {
			t.Errorf("columnName(%d) = %q, want %q", col, got, want)
		}
	}
}

func TestParseHolidays(t *testing.T) {
	tests := []struct {
		desc string
		rows [][]string
		want map[Date]string
	}{
		{"header, names, default name, notes ignored", [][]string{
			{"date", "name", "note"},
			{"2026-12-29", "Year-end closure", "office closed"},
			{"2026/12/30", "  Year-end   closure "},
			{"46387"}, // 2026-12-31, a serial, no name
			{},
			{"2027-01-04", "", "also closed"},
		}, map[Date]string{
			d(2026, 12, 29): "Year-end closure",
			d(2026, 12, 30): "Year-end closure",
			d(2026, 12, 31): "Company holiday",
			d(2027, 1, 4):   "Company holiday",
		}},
		{"no header", [][]string{{"2026-12-29"}, {"2026-12-30", "Closure"}}, map[Date]string{
			d(2026, 12, 29): "Company holiday",
			d(2026, 12, 30): "Closure",
		}},
		{"Japanese header after blank rows", [][]string{{}, {"", ""}, {"日付", "名称"}, {"2026-12-29", "年末休業"}}, map[Date]string{
			d(2026, 12, 29): "年末休業",
		}},
		{"header only", [][]string{{"date", "name"}}, map[Date]string{}},
		{"no tab", nil, map[Date]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r, problems := ParseTabs(Tabs{Holidays: tt.rows})
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			if !reflect.DeepEqual(r.holidays, tt.want) {
				t.Errorf("holidays = %v, want %v", r.holidays, tt.want)
			}
			for day, want := range tt.want {
				if name, ok := r.IsHoliday(day); !ok || name != want {
					t.Errorf("IsHoliday(%s) = %q, %v; want %q, true", day, name, ok, want)
				}
			}
			if name, ok := r.IsHoliday(d(2026, 12, 28)); ok || name != "" {
				t.Errorf("IsHoliday(2026-12-28) = %q, %v; want no holiday", name, ok)
			}
		})
	}
}

func TestParseTabsProblems(t *testing.T) {
	tabs := Tabs{
		Rotation: [][]string{
			{"date", "primary"},
			{"2026-12-29", "Sato"}, // a holiday may have a rotation row
			{"2026-13-01", "Sato"},
		},
		Members: [][]string{
			{"name", "slack"},
			{"Sato", "sato"},
		},
		Holidays: [][]string{
			{"date", "name"},           // 1
			{"2026-12-29", "Closure"},  // 2
			{"2026-12-29", "Again"},    // 3: same date
			{"", "Forgotten date"},     // 4
			{"2026-12-32", "Too late"}, // 5
			{"2026/13/1"},              // 6
			{"2027/1/4"},               // 7
		},
	}
	r, problems := ParseTabs(tabs)
	want := []string{
		`members!B2: slack "sato" is not a Slack user ID (like U012AB3CD); Sato is shown without a Slack mention`,
		`rotation!A3: "2026-13-01" is not a date; ` + DateForms,
		`holidays!A3: 2026-12-29 is already on row 2; row ignored`,
		`holidays!A4: no date for this holiday; row ignored`,
		`holidays!A5: "2026-12-32" is not a date; ` + DateForms,
		`holidays!A6: "2026/13/1" is not a date; ` + DateForms,
	}
	for name, got := range map[string][]error{"returned": problems, "Problems()": r.Problems()} {
		var texts []string
		for _, p := range got {
			texts = append(texts, p.Error())
			var ce *CellError
			if !errors.As(p, &ce) {
				t.Errorf("%s: problem %q is not a *CellError", name, p)
			}
		}
		if strings.Join(texts, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s problems\n got:\n%s\nwant:\n%s", name, strings.Join(texts, "\n"), strings.Join(want, "\n"))
		}
	}
	wantHolidays := map[Date]string{d(2026, 12, 29): "Closure", d(2027, 1, 4): "Company holiday"}
	if !reflect.DeepEqual(r.holidays, wantHolidays) {
		t.Errorf("holidays = %v, want %v (the good rows)", r.holidays, wantHolidays)
	}
	if got := r.OnCall(d(2026, 12, 29)); len(got) != 1 || got[0].Name != "Sato" {
		t.Errorf("OnCall(2026-12-29) = %+v: the rotation row of a holiday is kept", got)
	}

	// Problems gives a copy.
	r.Problems()[0] = nil
	if r.Problems()[0] == nil {
		t.Error("changing Problems' result changed the roster")
	}
}

func TestParseIsParseTabs(t *testing.T) {
	rot := [][]string{{"date", "primary", "secondary"}, {"2026-11-20", "Sato", "Suzuki"}, {"2026-13-01", "Sato"}}
	r1, p1 := Parse(rot, goodMembers)
	r2, p2 := ParseTabs(Tabs{Rotation: rot, Members: goodMembers})
	if !reflect.DeepEqual(r1, r2) || !reflect.DeepEqual(p1, p2) {
		t.Errorf("Parse and ParseTabs differ:\n%+v %v\n%+v %v", r1, p1, r2, p2)
	}
	if len(r1.Problems()) != 1 {
		t.Errorf("Problems() = %v, want the one bad date", r1.Problems())
	}
}

func TestRunbooks(t *testing.T) {
	rows := [][]string{
		{"match", "url", "note"},
		{"replication lag", "https://wiki.example.com/runbooks/replication-lag", "Replication  lag"}, // 2
		{"/disk (full|space)/", "https://wiki.example.com/runbooks/disk", "Free disk space"},         // 3
		{"orders-db", "https://wiki.example.com/services/orders-db", ""},                             // 4: no note
		{}, // 5: blank
		{"/^5\\d\\d|5xx/", "https://wiki.example.com/runbooks/http-5xx", "HTTP 5xx"},        // 6
		{"Checkout", "https://wiki.example.com/services/checkout", "Checkout"},              // 7
		{"lag", "https://wiki.example.com/runbooks/replication-lag", "the same page again"}, // 8
		{"orders", "https://wiki.example.com/runbooks/orders", "Orders"},                    // 9
		{"  DISK  full ", "http://wiki.example.com/ディスク 満杯?q=a b#s@x", "Japanese page"},     // 10
	}
	r, problems := ParseTabs(Tabs{Runbooks: rows})
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	urls := func(rbs []Runbook) []string {
		var out []string
		for _, rb := range rbs {
			out = append(out, strings.TrimPrefix(rb.URL, "https://wiki.example.com/"))
		}
		return out
	}
	tests := []struct {
		desc, title, service string
		want                 []string
	}{
		{"keyword in the title", "orders-db: Replication LAG > 30s", "", []string{"runbooks/replication-lag", "services/orders-db", "runbooks/orders"}},
		{"keyword in the service", "Something broke", "checkout-api", []string{"services/checkout"}},
		{"keyword ignores repeated spaces", "replication   lag", "", []string{"runbooks/replication-lag"}},
		{"regular expression, ignoring case", "DISK SPACE low on web-01", "", []string{"runbooks/disk"}},
		{"regular expression on the service", "Errors", "5xx-watch", []string{"runbooks/http-5xx"}},
		{"anchored expression on each field", "503 from checkout", "api", []string{"runbooks/http-5xx", "services/checkout"}},
		{"several matches: sheet order, at most 3", "Disk full on orders-db: checkout 500", "checkout", []string{"runbooks/disk", "services/orders-db", "services/checkout"}}, // and orders
		{"a URL matched twice is given once", "lag on replica", "", []string{"runbooks/replication-lag"}},
		{"no match", "CPU high", "web", nil},
		{"empty fields", "", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			got := r.Runbooks(tt.title, tt.service)
			if !reflect.DeepEqual(urls(got), tt.want) {
				t.Errorf("Runbooks(%q, %q) = %q, want %q", tt.title, tt.service, urls(got), tt.want)
			}
			if len(got) > MaxRunbooks {
				t.Errorf("%d runbooks, more than %d", len(got), MaxRunbooks)
			}
		})
	}

	got := r.Runbooks("orders-db replication lag", "")
	want := []Runbook{
		{Match: "replication lag", URL: "https://wiki.example.com/runbooks/replication-lag", Note: "Replication lag"},
		{Match: "orders-db", URL: "https://wiki.example.com/services/orders-db"},
		{Match: "orders", URL: "https://wiki.example.com/runbooks/orders", Note: "Orders"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Runbooks = %+v\nwant %+v", got, want)
	}
	got = r.Runbooks("Disk Full", "")
	want = []Runbook{
		{Match: "/disk (full|space)/", URL: "https://wiki.example.com/runbooks/disk", Note: "Free disk space"},
		{Match: "DISK  full", URL: "http://wiki.example.com/%E3%83%87%E3%82%A3%E3%82%B9%E3%82%AF%20%E6%BA%80%E6%9D%AF?q=a%20b#s%40x", Note: "Japanese page"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Runbooks = %+v\nwant %+v", got, want)
	}

	// The result is a copy.
	got[0].URL = "changed"
	if r.Runbooks("Disk Full", "")[0].URL == "changed" {
		t.Error("changing Runbooks' result changed the roster")
	}
}

func TestRunbooksHeader(t *testing.T) {
	tests := []struct {
		desc string
		rows [][]string
		want []Runbook
	}{
		{"no header", [][]string{{"disk", "https://wiki/disk", "Disk"}}, []Runbook{{"disk", "https://wiki/disk", "Disk"}}},
		{"other order and names", [][]string{{"Description", "Link", "Keyword"}, {"Disk", "https://wiki/disk", "disk"}}, []Runbook{{"disk", "https://wiki/disk", "Disk"}}},
		{"no note column", [][]string{{"match", "url"}, {"disk", "https://wiki/disk"}}, []Runbook{{"disk", "https://wiki/disk", ""}}},
		{"a keyword that names a column is no header", [][]string{{"url", "https://wiki/url"}}, []Runbook{{"url", "https://wiki/url", ""}}},
		{"header only", [][]string{{"match", "url", "note"}}, nil},
		{"empty tab", [][]string{}, nil},
		{"no tab", nil, nil},
		{"blank rows", [][]string{{}, {"", " "}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r, problems := ParseTabs(Tabs{Runbooks: tt.rows})
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			var got []Runbook
			for _, rb := range r.runbooks {
				got = append(got, rb.Runbook)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("runbooks = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRunbooksProblems(t *testing.T) {
	tests := []struct {
		desc string
		rows [][]string
		want []string
		kept int
	}{
		{"bad regular expression", [][]string{
			{"match", "url", "note"},
			{"disk", "https://wiki/disk"},
			{"/([/", "https://wiki/x"},
			{"/(?P<x>a/", "https://wiki/x"},
			{"//", "https://wiki/x"},
			{"cpu", "https://wiki/cpu"},
		}, []string{
			"runbooks!A3: \"/([/\" is not a valid regular expression: missing closing ]: `[`; row ignored",
			"runbooks!A4: \"/(?P<x>a/\" is not a valid regular expression: missing closing ): `(?P<x>a`; row ignored",
			`runbooks!A5: "//" is not a valid regular expression: it is empty and would match every alert; row ignored`,
		}, 2},
		{"bad URLs", [][]string{
			{"a", "ftp://wiki/x"},
			{"b", "wiki.example.com/x"},
			{"c", "/runbooks/x"},
			{"d", "https://"},
			{"e", "https://sato:hunter2@wiki/x"},
			{"f", "https://wiki/x\ty"},
			{"g", "https://wiki/" + strings.Repeat("x", 2048)},
			{"h", "javascript:alert(1)//https://wiki"},
			{"i", "https://[::1]/x"},
			{"j", "HTTPS://wiki/ok"},
		}, []string{
			`runbooks!B1: "ftp://wiki/x" is not an http(s) URL; row ignored`,
			`runbooks!B2: "wiki.example.com/x" is not an http(s) URL; row ignored`,
			`runbooks!B3: "/runbooks/x" is not an http(s) URL; row ignored`,
			`runbooks!B4: "https://" is not an http(s) URL; row ignored`,
			`runbooks!B5: "https://sato:xxxxx@wiki/x" has a user name or password in it: link the page without them; row ignored`,
			`runbooks!B6: "https://wiki/x\ty" is not a URL (it holds a control character); row ignored`,
			`runbooks!B7: the url is longer than 2048 characters; row ignored`,
			`runbooks!B8: "javascript:alert(1)//https://wiki" is not an http(s) URL; row ignored`,
			`runbooks!B9: "https://[::1]/x" is not an http(s) URL (no host name); row ignored`,
		}, 1},
		{"missing cells", [][]string{
			{"", "https://wiki/x", "no match"},
			{"disk"},
			{"cpu", "", "no url"},
		}, []string{
			`runbooks!A1: no match for this runbook; row ignored`,
			`runbooks!B2: no url for the runbook of "disk"; row ignored`,
			`runbooks!B3: no url for the runbook of "cpu"; row ignored`,
		}, 0},
		{"header without url", [][]string{{"match", "note"}, {"disk", "Disk"}}, []string{
			`runbooks!A1: the header has no "url" column; no runbook read`,
		}, 0},
		{"header with two url columns", [][]string{{"url", "match", "link"}, {"https://wiki/disk", "disk", "https://wiki/other"}}, []string{
			`runbooks!C1: a second "url" column; column A is used`,
		}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.desc, func(t *testing.T) {
			r, problems := ParseTabs(Tabs{Runbooks: tt.rows})
			var got []string
			for _, p := range problems {
				got = append(got, p.Error())
				var ce *CellError
				if !errors.As(p, &ce) || ce.Tab != RunbooksTab {
					t.Errorf("problem %q is not a *CellError of the runbooks tab", p)
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("problems\n got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			if len(r.runbooks) != tt.kept {
				t.Errorf("%d runbooks kept, want %d: %+v", len(r.runbooks), tt.kept, r.runbooks)
			}
			for _, p := range problems {
				if strings.Contains(p.Error(), "hunter2") {
					t.Errorf("problem %q shows the password", p)
				}
			}
		})
	}
}

// TestRunbooksAfterOtherProblems: runbooks' problems come last.
func TestRunbooksAfterOtherProblems(t *testing.T) {
	_, problems := ParseTabs(Tabs{
		Rotation: [][]string{{"2026-13-01", "Sato"}},
		Holidays: [][]string{{"date"}, {"2026-12-32"}},
		Runbooks: [][]string{{"/(/", "https://wiki/x"}},
		Members:  [][]string{{"Sato", "sato"}},
	})
	var tabs []string
	for _, p := range problems {
		tabs = append(tabs, p.(*CellError).Tab)
	}
	if want := []string{MembersTab, RotationTab, HolidaysTab, RunbooksTab}; !reflect.DeepEqual(tabs, want) {
		t.Errorf("problems of tabs %q, want %q", tabs, want)
	}
}

func TestTabsTab(t *testing.T) {
	var tabs Tabs
	for name, field := range map[string]*[][]string{
		RotationTab: &tabs.Rotation, MembersTab: &tabs.Members, HolidaysTab: &tabs.Holidays, RunbooksTab: &tabs.Runbooks,
	} {
		if got := tabs.Tab(name); got != field {
			t.Errorf("Tab(%q) is not its field", name)
		}
	}
	if tabs.Tab("Rotation") != nil || tabs.Tab("") != nil {
		t.Error("Tab of an unknown name is not nil")
	}
}
