package main

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/pd2chat/pd2chat/shared/testkit/fakechatwork"
	"github.com/pd2chat/pd2chat/shared/testkit/fakeslack"
)

// writeSheet writes the rotation and members tabs as CSV files in a new
// directory and gives ROTATION_SOURCE for it.
func writeSheet(t *testing.T, rotation, members string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range map[string]string{"rotation.csv": rotation, "members.csv": members} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return "csv:" + dir
}

// japaneseMembers are the members of the sheets below, named in Japanese.
const japaneseMembers = "name,slack,typetalk\n高橋,U01TAKAHASH,takahashi\n田中,U01TANAKA01,tanaka\nIto,U01ITO00001,ito\n"

// staffed is a rotation tab with 高橋 and 田中 on every weekday from
// 2026-11-16 to 2026-12-31, but those of skip.
func staffed(skip ...string) string {
	var b strings.Builder
	b.WriteString("date,primary,secondary\n")
	for d := time.Date(2026, 11, 16, 12, 0, 0, 0, time.UTC); d.Before(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 1) {
		day := d.Format(time.DateOnly)
		if d.Weekday() == time.Saturday || d.Weekday() == time.Sunday || strings.Contains(strings.Join(skip, " "), day) {
			continue
		}
		fmt.Fprintf(&b, "%s,高橋,田中\n", day)
	}
	return b.String()
}

// The exit status of the check is what a team can gate on.
func TestCheckExitStatus(t *testing.T) {
	clean := writeSheet(t, staffed(), japaneseMembers)
	problem := writeSheet(t, staffed()+"2026-13-01,Ito\n", japaneseMembers)
	gap := writeSheet(t, staffed("2026-11-27"), japaneseMembers) // a Friday with nobody
	for _, tc := range []struct {
		name   string
		source string
		args   []string
		code   int
		want   []string
	}{
		{"clean sheet", clean, nil, exitOK, []string{
			"Working days in the next 14 days with nobody on call: none\n", "Problems in the sheet: none\n"}},
		{"a problem", problem, nil, exitFailed, []string{
			"Problems in the sheet: 1\n", `  rotation!A`, `: "2026-13-01" is not a date`}},
		{"nobody on a working day within --days", gap, nil, exitFailed, []string{
			"Working days in the next 14 days with nobody on call: 1\n  Friday  2026-11-27  no row in the rotation tab\n"}},
		{"nobody on the last day of --days", gap, []string{"--days", "8"}, exitFailed, []string{
			"Working days in the next 8 days with nobody on call: 1\n"}},
		{"nobody only beyond --days", gap, []string{"--days", "7"}, exitOK, []string{
			"Working days in the next 7 days with nobody on call: none\n"}},
		{"a name that matches no member is nobody", writeSheet(t, staffed("2026-11-25")+"2026-11-25,休み\n", japaneseMembers), nil, exitFailed, []string{
			"  2026-11-25  Wed  ⚠ nobody, ⚠ \"休み\" matches no member\n",
			"Working days in the next 14 days with nobody on call: 1\n  Wednesday  2026-11-25  only \"休み\", which matches no member\n",
			"Problems in the sheet: 1\n  rotation!B",
			`"休み" matches no member`}},
		{"a day off needs nobody", writeSheet(t, staffed("2026-11-23"), japaneseMembers), nil, exitOK, []string{
			"  2026-11-23  Mon  -           Labor Thanksgiving Day\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"--check", "--at", "2026-11-20"}, tc.args...)
			res := runLocal(t, map[string]string{"ROTATION_SOURCE": tc.source}, args...)
			if res.code != tc.code {
				t.Errorf("exit %d, want %d\n%s%s", res.code, tc.code, res.stdout, res.stderr)
			}
			for _, want := range tc.want {
				if !strings.Contains(res.stdout, want) {
					t.Errorf("the check lacks %q:\n%s", want, res.stdout)
				}
			}
			if failed := strings.Contains(res.stderr, "remind: check failed: "); failed != (tc.code != exitOK) {
				t.Errorf("stderr:\n%s", res.stderr)
			}
		})
	}
	if res := runLocal(t, map[string]string{"ROTATION_SOURCE": clean}, "--check", "--days", "0"); res.code != exitUsage {
		t.Errorf("--days 0: exit %d, want %d", res.code, exitUsage)
	}
}

// --at takes a date alone: the start of that day's business hours in
// TIMEZONE.
func TestCheckAtADate(t *testing.T) {
	vars := map[string]string{"ROTATION_SOURCE": writeSheet(t, staffed(), japaneseMembers)}
	date := runLocal(t, vars, "--check", "--at", "2026-11-20")
	full := runLocal(t, vars, "--check", "--at", "2026-11-20T10:00:00+09:00")
	if date.code != exitOK || date.stdout != full.stdout ||
		!strings.Contains(date.stdout, "Rotation check at Friday 2026-11-20 10:00 (Asia/Tokyo)") {
		t.Errorf("--at 2026-11-20: exit %d\n%s\n--at 2026-11-20T10:00:00+09:00:\n%s", date.code, date.stdout, full.stdout)
	}

	vars["TIMEZONE"], vars["BUSINESS_HOURS"] = "Europe/Paris", "Mon-Fri 09:30-18:00"
	res := runLocal(t, vars, "--check", "--at", "2026-11-20")
	if !strings.Contains(res.stdout, "Rotation check at Friday 2026-11-20 09:30 (Europe/Paris)") {
		t.Errorf("a date in Paris:\n%s%s", res.stdout, res.stderr)
	}

	// The reminders read --at the same way.
	res = runLocal(t, map[string]string{"ROTATION_SOURCE": "csv:../../testdata/sheet"}, "--kind", "morning", "--at", "2026-11-23", "--dry-run")
	if res.code != exitOK || !strings.Contains(res.stdout, "nothing would be posted: Monday 2026-11-23 is a holiday: Labor Thanksgiving Day\n") {
		t.Errorf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = runLocal(t, map[string]string{"ROTATION_SOURCE": "csv:../../testdata/sheet"}, "--kind", "morning", "--at", "2026-11-24", "--dry-run")
	if res.code != exitOK || !strings.Contains(res.stdout, "On call today — Tuesday 2026-11-24") {
		t.Errorf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// The sheet is read as on the day checked: a date without its year takes
// the year nearest to --at, not to the machine's clock.
func TestCheckReadsYearlessDatesAsOfAt(t *testing.T) {
	source := writeSheet(t, "日付,担当,担当\n6/1,高橋,田中\n6/2,高橋,田中\n", japaneseMembers)
	res := runLocal(t, map[string]string{"ROTATION_SOURCE": source}, "--check", "--at", "2027-06-01", "--days", "2")
	if res.code != exitOK || !strings.Contains(res.stdout, "Problems in the sheet: none\n") || !strings.Contains(res.stdout, "Today, Tuesday 2027-06-01:\n  高橋") {
		t.Errorf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// The columns of the check line up on a terminal with Japanese names.
func TestCheckJapaneseNamesLineUp(t *testing.T) {
	vars := map[string]string{"ROTATION_SOURCE": writeSheet(t, staffed()+"2026-11-21,Ito\n", japaneseMembers)}
	res := runLocal(t, vars, "--check", "--at", "2026-11-20")
	if res.code != exitOK {
		t.Fatalf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	for _, want := range []string{
		"  高橋  Slack <@U01TAKAHASH>  Typetalk @takahashi\n  田中  Slack <@U01TANAKA01>  Typetalk @tanaka\n",
		"  2026-11-20  Fri  高橋, 田中\n",
		"  2026-11-21  Sat  Ito         not a business day\n",
		"  2026-11-23  Mon  高橋, 田中  Labor Thanksgiving Day\n",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("the check lacks %q:\n%s", want, res.stdout)
		}
	}
	// The display column at which the day-off cell starts, after the people.
	row := regexp.MustCompile(`(?m)^  2026-11-2\d  \S+  \S.*?  +(\S.*)$`)
	starts := map[string]int{}
	for _, m := range row.FindAllStringSubmatchIndex(res.stdout, -1) {
		line := res.stdout[m[0]:m[1]]
		starts[line] = runewidth.StringWidth(res.stdout[m[0]:m[2]])
	}
	columns := map[int]bool{}
	for _, c := range starts {
		columns[c] = true
	}
	if len(starts) != 3 || len(columns) != 1 { // Saturday, Sunday, Monday the holiday
		t.Errorf("the day-off column starts at %v", starts)
	}
}

// A Slack destination without SLACK_BOT_TOKEN: the check still runs (it
// posts nothing) and says that it did not check that chat.
func TestCheckWithoutToken(t *testing.T) {
	vars := map[string]string{
		"ROTATION_SOURCE":       writeSheet(t, staffed(), japaneseMembers),
		"ALERT_DESTINATIONS":    "slack:C0ALERTS,console",
		"REMINDER_DESTINATIONS": "slack:C0ONCALL,slack:C0ALERTS",
	}
	res := runLocal(t, vars, "--check", "--at", "2026-11-20")
	if res.code != exitOK || res.stderr != "" {
		t.Errorf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	want := "\nChats:\n" +
		"  console              nothing to check\n" +
		"  slack:C0ALERTS       not checked: SLACK_BOT_TOKEN is not set (the check needs it only to ask the chat)\n" +
		"  slack:C0ONCALL       not checked: SLACK_BOT_TOKEN is not set (the check needs it only to ask the chat)\n"
	if !strings.HasSuffix(res.stdout, want) {
		t.Errorf("chats:\n%s\nwant the end:\n%s", res.stdout, want)
	}
	// The reminders themselves need it.
	if res := runLocal(t, vars, "--kind", "morning", "--at", "2026-11-20"); res.code != exitFailed || !strings.Contains(res.stderr, "SLACK_BOT_TOKEN is required for destination slack:C0ONCALL") {
		t.Errorf("--kind without the token: exit %d\n%s", res.code, res.stderr)
	}
}

// The check on the repository's sheet, and the settings that keep it from
// starting.
func TestCheck(t *testing.T) {
	res := runLocal(t, map[string]string{"ROTATION_SOURCE": "csv:../../testdata/sheet"}, "--check", "--at", "2026-12-14T09:00:00+09:00", "--days", "30")
	for _, want := range []string{
		"Sheet: csv:../../testdata/sheet\n",
		"Today, Monday 2026-12-14:\n  Tanaka ",
		"Next working day, Tuesday 2026-12-15:\n",
		"  Tuesday    2026-12-29  Year-end closure\n",
		"  Friday     2027-01-01  New Year's Day\n",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("check lacks %q:\n%s", want, res.stdout)
		}
	}

	// A sheet with problems: listed with their cells, exit 1.
	source := writeSheet(t, "date,primary,secondary\n2026-11-20,Ito,Watanabe\n2026-13-01,Ito\n2026-11-20,Ito\n",
		"name,slack,typetalk\nIto,U01ITO00001,ito\nWatanabe,@watanabe,watanabe\n")
	res = runLocal(t, map[string]string{"ROTATION_SOURCE": source}, "--check", "--at", "2026-11-20T09:00:00+09:00", "--days", "1")
	if res.code != exitFailed {
		t.Errorf("exit %d, want %d", res.code, exitFailed)
	}
	for _, want := range []string{
		"Problems in the sheet: 3\n",
		`  members!B3: slack "@watanabe" is not a Slack user ID`,
		`  rotation!A3: "2026-13-01" is not a date`,
		"  rotation!A4: 2026-11-20 is already on row 2; row ignored\n",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("check lacks %q:\n%s", want, res.stdout)
		}
	}
	if res.stderr != "remind: check failed: 3 problem(s) in the sheet\n" {
		t.Errorf("the check logged the problems again:\n%s", res.stderr)
	}

	res = runLocal(t, map[string]string{"ROTATION_SOURCE": "csv:/nonexistent"}, "--check")
	if res.code != exitFailed || !strings.Contains(res.stderr, `cannot start`) || !strings.Contains(res.stderr, `ROTATION_SOURCE "csv:/nonexistent": no such directory`) {
		t.Errorf("missing sheet: exit %d\n%s", res.code, res.stderr)
	}
}

// TestCheckChats: --check asks each Slack channel whether it can be posted
// to, says the fix, and fails when one cannot.
func TestCheckChats(t *testing.T) {
	fake := fakeslack.New(t)
	fake.SetBefore(func(w http.ResponseWriter, r *http.Request) bool {
		if r.URL.Path == "/api/conversations.info" && r.FormValue("channel") == "C0ONCALL" {
			_, _ = io.WriteString(w, `{"ok":true,"channel":{"id":"C0ONCALL","is_member":false}}`)
			return true
		}
		return false
	})
	vars := map[string]string{
		"ROTATION_SOURCE": writeSheet(t, staffed(), japaneseMembers), "SLACK_BOT_TOKEN": "xoxb-remind-token", "SLACK_API_URL": fake.APIURL(),
		"REMINDER_DESTINATIONS": "slack:C0ONCALL", "ALERT_DESTINATIONS": "slack:C0ALERTS",
	}
	res := runLocal(t, vars, "--check", "--at", "2026-11-20")
	if res.code != exitFailed || !strings.Contains(res.stdout, "slack:C0ALERTS       ok") ||
		!strings.Contains(res.stdout, "not_in_channel") || !strings.Contains(res.stdout, "/invite @pd2chat") ||
		!strings.Contains(res.stderr, "remind: check failed: a chat cannot be posted to\n") {
		t.Errorf("exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}

// TestLanguageJapanese: with LANGUAGE=ja the check, the reminders and
// their checklist are in Japanese, holidays by their Japanese names.
func TestLanguageJapanese(t *testing.T) {
	vars := map[string]string{"ROTATION_SOURCE": writeSheet(t, staffed(), japaneseMembers), "LANGUAGE": "ja"}
	res := runLocal(t, vars, "--check", "--at", "2026-11-20")
	for _, want := range []string{
		"ローテーションの確認 2026-11-20 10:00(金) (Asia/Tokyo)",
		"本日 11月20日(金):",
		"次の営業日 11月24日(火):",
		"  月  2026-11-23  勤労感謝の日",
		"チャット:",
		"この先14日間の休日:",
		"シートの問題: なし",
	} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("--check lacks %q:\n%s", want, res.stdout)
		}
	}
	res = runLocal(t, map[string]string{"ROTATION_SOURCE": "csv:../../testdata/sheet", "LANGUAGE": "ja"}, "--kind", "evening", "--at", "2026-11-20", "--dry-run")
	for _, want := range []string{"次の営業日の当番", "11月24日(火) 10:00〜17:00", "それまでの休日: 11月23日(月)（勤労感謝の日）", "当番の前に:", "通知設定:"} {
		if res.code != exitOK || !strings.Contains(res.stdout, want) {
			t.Errorf("exit %d: the evening reminder lacks %q:\n%s%s", res.code, want, res.stdout, res.stderr)
		}
	}
	if res := runLocal(t, map[string]string{"LANGUAGE": "jp"}, "--check"); res.code == exitOK || !strings.Contains(res.stderr, "LANGUAGE") {
		t.Errorf("LANGUAGE=jp: exit %d\n%s", res.code, res.stderr)
	}
}

// TestCheckNewChats: make oncall checks a Chatwork room without posting
// (a room its account is not in fails the check) and the shape of the
// Google Chat and Teams webhook URLs.
func TestCheckNewChats(t *testing.T) {
	cw := fakechatwork.New(t, "cw-token")
	cw.Room("555")
	vars := map[string]string{
		"ROTATION_SOURCE": "csv:../../testdata/sheet", "ALERT_DESTINATIONS": "chatwork:555,googlechat:oncall,teams:alerts",
		"CHATWORK_TOKEN": "cw-token", "CHATWORK_API_URL": cw.APIURL(),
		"GOOGLECHAT_WEBHOOKS": `{"oncall": "https://chat.googleapis.com/v1/spaces/AAAA/messages?key=k&token=t"}`,
		"TEAMS_WEBHOOKS":      `{"alerts": "https://prod-01.japaneast.logic.azure.com:443/workflows/x/triggers/manual/paths/invoke?sig=s"}`,
	}
	res := runLocal(t, vars, "--check", "--at", "2026-11-20")
	for _, want := range []string{"chatwork:555         ok", "googlechat:oncall    ok", "teams:alerts         ok"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("lacks %q:\n%s", want, res.stdout)
		}
	}
	if len(cw.Posts()) != 0 {
		t.Error("the check posted")
	}
	vars["ALERT_DESTINATIONS"] = "chatwork:666"
	if res := runLocal(t, vars, "--check", "--at", "2026-11-20"); res.code == exitOK || !strings.Contains(res.stdout, "HTTP 404") || !strings.Contains(res.stdout, "add the account to the room") {
		t.Errorf("a room it is not in: exit %d\n%s", res.code, res.stdout)
	}
}
