package rotation

import (
	"reflect"
	"strings"
	"testing"
)

// The members header is recognised under the names people give its
// columns, in English and Japanese, with a parenthesised comment or not;
// before, each of these headers read as no header at all or as one
// without a name column, and every member was dropped.
func TestParseMembersHeaderSynonyms(t *testing.T) {
	tanaka := Member{Name: "田中", Slack: "U01TANAKA01", Typetalk: "tanaka", Email: "tanaka@example.com"}
	for _, name := range []string{
		"name", "Name", "NAME", "Ｎａｍｅ", "Names", "Full name", "Member", "Members", "Member name", "member_name", "Person", "who", "Who",
		"名前", "氏名", "メンバー", "メンバー名", "担当者", "担当者名",
		"Name (Japanese)", "名前（漢字）", "名前(漢字)", "氏名【フルネーム】", "Member [JP]", " 担当者 （正） ",
	} {
		t.Run(name, func(t *testing.T) {
			rows := [][]string{
				{name, "Slack ID (U…)", "Typetalk", "E-mail"},
				{"田中", "U01TANAKA01", "tanaka", "tanaka@example.com"},
			}
			r, problems := Parse(nil, rows)
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			if got := r.Members(); !reflect.DeepEqual(got, []Member{tanaka}) {
				t.Errorf("Members() = %+v, want %+v", got, []Member{tanaka})
			}
		})
	}
	for _, c := range []struct {
		cell string
		col  int
	}{
		{"Slack", colSlack}, {"Slack member ID", colSlack}, {"slack_user_id", colSlack}, {"SlackメンバーID", colSlack}, {"Slack ID（U から始まる）", colSlack},
		{"Typetalk account", colTypetalk}, {"Typetalk ID", colTypetalk}, {"Typetalkアカウント", colTypetalk}, {"typetalk (without @)", colTypetalk},
		{"email", colEmail}, {"E-mail address", colEmail}, {"Mail address", colEmail}, {"メールアドレス（会社）", colEmail},
	} {
		if got, ok := headerColumn(c.cell); !ok || got != c.col {
			t.Errorf("headerColumn(%q) = %d, %v; want %d (%s)", c.cell, got, ok, c.col, columnNames[c.col])
		}
	}
	// Not headers: a member's row stays a member, and comments alone name
	// nothing.
	for _, cell := range []string{"", "(name)", "（名前）", "Tanaka", "田中 (lead)", "U01TANAKA01", "note", "備考"} {
		if c, ok := headerColumn(cell); ok {
			t.Errorf("headerColumn(%q) = %s, want no column", cell, columnNames[c])
		}
	}
}

// Two columns that both read as the name, once their comments are set
// aside, are one name column and a reported second one.
func TestParseMembersHeaderTwoNames(t *testing.T) {
	r, problems := Parse(nil, [][]string{
		{"Name (Japanese)", "Name (English)", "slack"},
		{"田中", "Tanaka", "U01TANAKA01"},
	})
	if len(problems) != 1 || problems[0].Error() != `members!B1: a second "name" column; column A is used` {
		t.Errorf("problems = %v", problems)
	}
	if got, want := r.Members(), []Member{{Name: "田中", Slack: "U01TANAKA01"}}; !reflect.DeepEqual(got, want) {
		t.Errorf("Members() = %+v, want %+v", got, want)
	}
}

// A title row above the members header does not make the columns
// positional.
func TestMembersTitleRow(t *testing.T) {
	r, problems := ParseTabs(Tabs{Members: [][]string{
		{"メンバー一覧 (2026年度)"},
		{},
		{"name", "typetalk", "slack"},
		{"Sato", "sato", "U01SATO0001"},
	}})
	if len(problems) > 0 {
		t.Fatalf("problems: %v", problems)
	}
	if got := r.Members(); len(got) != 1 || got[0].Slack != "U01SATO0001" || got[0].Typetalk != "sato" {
		t.Errorf("Members() = %+v", got)
	}
}

// TestRosterMember: a PagerDuty user's name finds its member by the
// pagerduty column, the whole name, or one word of it shared by no other
// member.
func TestRosterMember(t *testing.T) {
	r, problems := Parse(nil, [][]string{
		{"name", "slack", "pagerduty"},
		{"Suzuki", "U01SUZUKI01", ""},
		{"田中", "U01TANAKA01", "Taro Tanaka"},
		{"Sato Ken", "U01SATOKEN1", ""},
		{"Ito", "U01ITO00001", ""},
		{"Ito Mika", "U01ITOMIKA1", ""},
	})
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	for name, want := range map[string]string{
		"Hanako Suzuki": "Suzuki", "SUZUKI": "Suzuki", "Taro Tanaka": "田中", "ｔａｒｏ　ｔａｎａｋａ": "田中", "sato ken": "Sato Ken",
		"Ito Mika": "Ito Mika", "Mika Ito": "Ito Mika", "Jiro Yamada": "", "": "", "Ken": "",
	} {
		m, ok := r.Member(name)
		if m.Name != want || ok != (want != "") {
			t.Errorf("Member(%q) = %q, %v; want %q", name, m.Name, ok, want)
		}
	}
	var none *Roster
	if _, ok := none.Member("Suzuki"); ok {
		t.Error("a nil roster found a member")
	}
}

// TestBackupsAndLeads: the rotation tab's backup column names each day's
// backups (not on call), a week's backup covers the week, a backup who
// matches no member is a problem; the members tab's role column makes
// leads.
func TestBackupsAndLeads(t *testing.T) {
	r, problems := ParseTabs(Tabs{
		Rotation: [][]string{
			{"week", "担当1", "担当2", "Backups", "備考"},
			{"2026-11-16", "Takahashi", "Tanaka", "Sato", ""},
			{"2026-11-23", "Sato", "Suzuki", "Ito・Sato", "Sato is on call: not their own backup"},
			{"2026-11-25", "Ito", "Suzuki", "Nobody"},
		},
		Members: [][]string{
			{"name", "slack", "role"},
			{"Takahashi", "U01TAKAHASH", ""},
			{"Tanaka", "U01TANAKA01", "Lead, major"},
			{"Sato", "U01SATO0001", ""},
			{"Suzuki", "U01SUZUKI01", "リーダー"},
			{"Ito", "U01ITO00001", "major, not lead"},
			{"Watanabe", "", "Leader"},
		},
	})
	names := func(ms []Member) (out []string) {
		for _, m := range ms {
			out = append(out, m.Name)
		}
		return out
	}
	for d, want := range map[Date]string{
		{2026, 11, 16}: "Sato", {2026, 11, 20}: "Sato", {2026, 11, 24}: "Ito", {2026, 11, 25}: "", {2026, 12, 1}: "",
	} {
		if got := strings.Join(names(r.Backups(d)), ","); got != want {
			t.Errorf("Backups(%v) = %q, want %q", d, got, want)
		}
	}
	if got := strings.Join(names(r.OnCall(Date{2026, 11, 16})), ","); got != "Takahashi,Tanaka" {
		t.Errorf("the backup counted as on call: %s", got)
	}
	if got := strings.Join(names(r.Leads()), ","); got != "Tanaka,Suzuki,Watanabe" {
		t.Errorf("Leads() = %s", got)
	}
	if len(problems) != 1 || !strings.Contains(problems[0].Error(), `backup "Nobody" matches no member`) {
		t.Errorf("problems: %v", problems)
	}
}

// TestChatColumns: the members tab's chatwork, googlechat and teams
// columns give each chat's handle; a malformed one is a problem and the
// member is named there instead.
func TestChatColumns(t *testing.T) {
	r, problems := Parse(nil, [][]string{
		{"name", "email", "chatwork", "googlechat", "teams"},
		{"田中", "tanaka@example.co.jp", "1234567", "users/112233445566", ""},
		{"Sato", "sato@example.co.jp", "@sato", "sato@example.co.jp", "sato.k@example.co.jp"},
	})
	ms := r.Members()
	if len(ms) != 2 || ms[0].Chatwork != "1234567" || ms[0].GoogleChat != "users/112233445566" || ms[0].TeamsID() != "tanaka@example.co.jp" ||
		ms[1].Chatwork != "" || ms[1].GoogleChat != "" || ms[1].TeamsID() != "sato.k@example.co.jp" {
		t.Errorf("%+v", ms)
	}
	if len(problems) != 2 || !strings.Contains(problems[0].Error(), "not a Chatwork account ID") || !strings.Contains(problems[1].Error(), "not a Google Chat user") {
		t.Errorf("problems: %v", problems)
	}
	for s, want := range map[string]bool{"a@b.co": true, "a b@c.d": false, "<x>@y.z": false, "x@y": false, "x@y.z@w": false} {
		if ValidTeamsUser(s) != want {
			t.Errorf("ValidTeamsUser(%q) != %v", s, want)
		}
	}
}

// TestHasRole: the roles pd2chat knows, in English or Japanese, among
// others in one cell; nothing else counts.
func TestHasRole(t *testing.T) {
	for _, tc := range []struct {
		cell string
		role string
		want bool
	}{
		{"Lead, major", RoleLead, true},
		{"Lead, major", RoleMajor, true},
		{"リーダー", RoleLead, true},
		{"重大インシデント・DBA", RoleMajor, true},
		{"DBA", RoleMajor, false},
		{"majority", RoleMajor, false},
		{"", RoleLead, false},
	} {
		m := Member{Roles: roles(tc.cell)}
		if got := m.HasRole(tc.role); got != tc.want {
			t.Errorf("%q has %s: %v, want %v", tc.cell, tc.role, got, tc.want)
		}
	}
}
