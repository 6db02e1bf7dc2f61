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
		{"1", d(1899, 12, 31)},
		{"2958465", d(9999, 12, 31)},
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
		{"2026-13-01", `rotation: "2026-13-01" is not a date`},
		{"2026-02-29", `rotation: "2026-02-29" is not a date`},
		{"2026-11-31", `rotation: "2026-11-31" is not a date`},
		{"2026-00-10", `rotation: "2026-00-10" is not a date`},
		{"2026-11-00", `rotation: "2026-11-00" is not a date`},
		{"26/11/20", `rotation: "26/11/20" is not a date`},
		{"11/20/2026", `rotation: "11/20/2026" is not a date`},
		{"2026-11/20", `rotation: "2026-11/20" is not a date`},
		{"2026-11-20T10:00", `rotation: "2026-11-20T10:00" is not a date`},
		{"2026-011-20", `rotation: "2026-011-20" is not a date`},
		{"2026-+1-20", `rotation: "2026-+1-20" is not a date`},
		{"next monday", `rotation: "next monday" is not a date`},
		{"", `rotation: empty date`},
		{"0", `rotation: "0" is not a date (as a Sheets date serial it is out of range)`},
		{"20261120", `rotation: "20261120" is not a date (as a Sheets date serial it is out of range)`},
		{"46346.5.1", `rotation: "46346.5.1" is not a date`},
		{"-46346", `rotation: "-46346" is not a date`},
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
		{"date", "primary", "secondary"},
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
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	tests := []struct {
		day  Date
		want []Member
	}{
		{d(2026, 11, 20), []Member{sato, suzuki}},
		{d(2026, 11, 24), []Member{suzuki, {Name: "Yamamoto"}}},
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
			r, problems := Parse(tt.rows, nil)
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
		`rotation!A3: "2026-13-01" is not a date`,
		`rotation!A4: 2026-11-20 is already on row 2; row ignored`,
		`rotation!A5: no date for the names in this row; row ignored`,
		`rotation!C6: "sato" is already on call this day in B6`,
		`rotation!A7: "tomorrow" is not a date`,
		`rotation!AB8: "suzuki" is already on call this day in H8`,
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
		d(2026, 11, 25): {"Watanabe", "Suzuki"},
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

func TestColumnName(t *testing.T) {
	for col, want := range map[int]string{1: "A", 2: "B", 26: "Z", 27: "AA", 28: "AB", 52: "AZ", 53: "BA", 702: "ZZ", 703: "AAA", 0: "?"} {
		if got := columnName(col); got != want {
			t.Errorf("columnName(%d) = %q, want %q", col, got, want)
		}
	}
}
