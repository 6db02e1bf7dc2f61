package rotation

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"regexp/syntax"
	"slices"
	"strings"
)

// The sheet's tab names, as sources read them and problems name them.
// The holidays and runbooks tabs are optional.
const (
	RotationTab = "rotation"
	MembersTab  = "members"
	HolidaysTab = "holidays"
	RunbooksTab = "runbooks"
)

// OptionalTabs are the tabs a sheet may lack, in the order sources ask for
// them (after RotationTab and MembersTab).
var OptionalTabs = []string{HolidaysTab, RunbooksTab}

// CellError is a problem found in one cell of the sheet. Its text locates
// the cell the way a person finds it in the sheet:
//
//	rotation!A17: "2026-13-01" is not a date
type CellError struct {
	Tab string // RotationTab, MembersTab, HolidaysTab or RunbooksTab
	Row int    // 1-based, as the sheet numbers rows
	Col int    // 1-based: A is 1
	Err error  // what is wrong
}

func (e *CellError) Error() string {
	return fmt.Sprintf("%s!%s%d: %v", e.Tab, columnName(e.Col), e.Row, e.Err)
}

func (e *CellError) Unwrap() error { return e.Err }

// DateError is why a rotation row was left out: its column A holds no date
// that can be read (errors.As finds it in a *CellError).
type DateError struct{ Err error }

func (e *DateError) Error() string { return e.Err.Error() }
func (e *DateError) Unwrap() error { return e.Err }

// columnName is the sheet's letter name of 1-based column col: 1 → A,
// 26 → Z, 27 → AA. Columns below 1 are "?".
func columnName(col int) string {
	if col < 1 {
		return "?"
	}
	var b []byte
	for ; col > 0; col = (col - 1) / 26 {
		b = append(b, byte('A'+(col-1)%26))
	}
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}

// Tabs is the cells of the sheet's tabs, as text, row by row as the sheet
// shows them (row 1 first). Rows may be ragged and blank; a nil tab is an
// empty one (Holidays and Runbooks are nil when the sheet has no such tab).
type Tabs struct {
	Rotation, Members, Holidays, Runbooks [][]string

	// Today is the day the sheet is read: a date written without its year
	// ("11/20(金)") takes the year that puts it nearest to Today. Zero: such
	// a date is a problem.
	Today Date
}

// Tab is the field of t that holds the tab named name (RotationTab,
// MembersTab, HolidaysTab, RunbooksTab), so that sources fill tabs by name;
// nil for another name.
func (t *Tabs) Tab(name string) *[][]string {
	switch name {
	case RotationTab:
		return &t.Rotation
	case MembersTab:
		return &t.Members
	case HolidaysTab:
		return &t.Holidays
	case RunbooksTab:
		return &t.Runbooks
	}
	return nil
}

// ParseTabs builds a Roster from the tabs of the sheet. It is the one parser
// behind every Source, so the sheet and its CSV copy behave the same.
//
// ParseTabs never gives up: it returns the roster built from the good rows
// and every problem found (also kept in the roster, see Roster.Problems),
// each a *CellError naming the cell, members first, then rotation, then
// holidays, then runbooks. A row with a problem in its key cell (date,
// member name, match, url) is left out; a bad handle leaves the member in
// without that handle.
//
// Tab rotation (see also the README's "The sheet"):
//   - The header is the first row whose column A is a date header ("date",
//     "日付", "day", "期間"…, or "week", "週", "week of"…) above the first
//     dated row; rows above it are titles and are skipped. Without one, a
//     first row whose column A is text without digits is the header, and
//     with no header at all every column from B holds people.
//   - Column A of each row is a date or a range (see parseSpan and
//     ParseDate: "2026-11-20", "11/20(金)", "2026年11月20日",
//     "2026/11/16〜2026/11/20"…; a year-less date takes the year nearest to
//     Tabs.Today). Under a week header a date is the first day of a week
//     and covers seven days; weeks start on the weekday of the first row,
//     and a date on another weekday is that day alone. A date row overrides
//     a range or week covering it (a one-day swap is one extra row, or a
//     one-day range "11/23〜11/23" for a week's first day); a date on two
//     rows, or two ranges over one day, are problems and the first row
//     counts.
//   - People columns are those whose header reads as people ("oncall",
//     "担当", "当番", "primary", "secondary", "person", "name"…, with a
//     number or not: "担当1", "oncall 2"), or is empty. Notes ("note",
//     "備考", "memo", "comment"…), "backup" (the escalation step, not on
//     call) and the weekday are skipped. Any other column is skipped too,
//     and reported once when a cell under it names a member.
//   - A people cell names one member, or several separated by "・", "、",
//     ",", "/", "&" or " and " when every part names one. Names match the
//     members tab after normalisation (see normalize: NFKC, so full width
//     does not matter; zero-width characters and the BOM removed; spaces
//     and case folded; a leading "@" dropped); text in parentheses is a
//     comment ("Tanaka (swap with sato)"). A formula's error ("#N/A",
//     "#REF!"…) and a cell that names no member ("休み") are problems, kept
//     for the day in Roster.Unmatched; the day's people are the members
//     named (Roster.OnCall). A member twice in one row is reported and kept
//     once.
//
// Tab members: columns name, slack, typetalk, email. A first row naming any
// of those columns (in any order and case; "member", "who", "名前",
// "メンバー", "担当者", "Slack ID", "e-mail"… are understood too, a
// parenthesised comment as in "Name (Japanese)" is ignored, other columns
// are ignored) is the header; without one the columns are in that order. Names are matched ignoring case and
// repeated spaces; a name on two rows is a problem and the first row
// counts. A Slack handle must be a user ID (U… or W…, as Slack's "Copy
// member ID" gives it; see ValidSlackUserID) and a Typetalk handle an
// account name (letters, digits, "-", "_" and "."; see
// ValidTypetalkAccount; a leading "@" is dropped): anything else is
// reported and dropped, as a mention of it would not notify anyone, and the
// member is shown by name in that chat.
//
// Tab holidays (optional): company days off that are not working days, one
// a row. Column A is the date or a range of them ("2026/12/29〜2027/1/3",
// as in the rotation tab, with the same optional header), column B an optional name ("Year-end closure"; empty
// means "Company holiday"); further columns are ignored (notes). A date on
// two rows is reported and the first row counts. A holiday may have a
// rotation row too: the row is kept, and callers that ask the calendar
// skip that day.
//
// Tab runbooks (optional): links shown on the alerts they match (see
// Roster.Runbooks), one a row: columns match, url, note. A first row naming
// those columns (any order and case; "keyword", "link" and "description"
// are understood too) is the header; without one the columns are in that
// order. Match is a keyword, found in the incident's title or service name
// ignoring case and repeated spaces, or a regular expression between
// slashes ("/disk (full|space)/", Go's RE2 syntax, ignoring case, tested
// against the title and the service name). The url must be an absolute
// http(s) URL without a user name or password; non-ASCII characters and
// spaces in it are percent-encoded. The note (optional) is the link's text.
// A row with an invalid regular expression or URL is reported and left out.
func ParseTabs(t Tabs) (*Roster, []error) {
	var p parser
	r := &Roster{}
	r.members = p.members(t.Members)
	byKey := make(map[string]Member, len(r.members))
	for _, m := range r.members {
		byKey[nameKey(m.Name)] = m
	}
	r.days, r.unmatched, r.backups = p.rotation(t.Rotation, t.Today, byKey)
	r.holidays = p.holidays(t.Holidays, t.Today)
	r.runbooks = p.runbooks(t.Runbooks)
	problems := p.done()
	r.problems = slices.Clone(problems)
	return r, problems
}

// Parse is ParseTabs of a sheet without a holidays tab.
func Parse(rotationRows, memberRows [][]string) (*Roster, []error) {
	return ParseTabs(Tabs{Rotation: rotationRows, Members: memberRows})
}

type parser struct {
	problems []error
	more     int        // problems past MaxProblems, not kept
	firstOut *CellError // the first of them
}

// MaxProblems is how many problems ParseTabs lists; past it, the last one
// says how many more there are (a sheet pasted wrong can hold millions).
const MaxProblems = 500

func (p *parser) report(tab string, row, col int, format string, args ...any) {
	if len(p.problems) >= MaxProblems {
		if p.more == 0 {
			p.firstOut = &CellError{Tab: tab, Row: row + 1, Col: col + 1}
		}
		p.more++
		return
	}
	p.problems = append(p.problems, &CellError{Tab: tab, Row: row + 1, Col: col + 1, Err: fmt.Errorf(format, args...)})
}

// done is the problems, with one more that counts those not listed.
func (p *parser) done() []error {
	if p.more > 0 {
		out := *p.firstOut
		out.Err = fmt.Errorf("and %d more problems, not listed (only the first %d are)", p.more, MaxProblems)
		p.problems = append(p.problems, &out)
	}
	return p.problems
}

// cell is row[i] trimmed, or "" past the end of a ragged row.
func cell(row []string, i int) string {
	if i < 0 || i >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[i])
}

func blank(row []string) bool {
	for i := range row {
		if cell(row, i) != "" {
			return false
		}
	}
	return true
}

// Runbook columns.
const (
	rbMatch = iota
	rbURL
	rbNote
	numRunbookCols
)

var runbookColumnNames = [numRunbookCols]string{"match", "url", "note"}

// runbookColumn recognises a runbooks header cell.
func runbookColumn(s string) (int, bool) {
	switch headerKey(s) {
	case "match", "keyword", "pattern", "キーワード":
		return rbMatch, true
	case "url", "link", "runbook", "runbookurl", "リンク":
		return rbURL, true
	case "note", "notes", "description", "メモ", "説明":
		return rbNote, true
	}
	return 0, false
}

// headerKey is a header cell as the header matchers compare it: lower case,
// without spaces (full-width ones too), '_' and '-'.
func headerKey(s string) string {
	s = strings.ToLower(s)
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '_' || r == '-' || r == '\u3000' {
			return -1
		}
		return r
	}, s)
}

func (p *parser) runbooks(rows [][]string) []runbook {
	cols := [numRunbookCols]int{0, 1, 2}
	var out []runbook
	first := true
	for i, row := range rows {
		if blank(row) {
			continue
		}
		if first {
			first = false
			if hdr, ok := p.runbookHeader(i, row); ok {
				cols = hdr
				for c := range rbNote { // match and url are required
					if cols[c] < 0 {
						p.report(RunbooksTab, i, 0, "the header has no %q column; no runbook read", runbookColumnNames[c])
						return nil
					}
				}
				continue
			}
		}
		match := cell(row, cols[rbMatch])
		if match == "" {
			p.report(RunbooksTab, i, cols[rbMatch], "no match for this runbook; row ignored")
			continue
		}
		rb := runbook{Runbook: Runbook{Match: match, Note: strings.Join(strings.Fields(cell(row, cols[rbNote])), " ")}}
		if pattern, ok := strings.CutPrefix(match, "/"); ok && len(pattern) > 0 && strings.HasSuffix(pattern, "/") {
			pattern = strings.TrimSuffix(pattern, "/")
			re, err := compilePattern(pattern)
			if err != nil {
				p.report(RunbooksTab, i, cols[rbMatch], "%q is not a valid regular expression: %v; row ignored", match, err)
				continue
			}
			rb.re = re
		} else {
			rb.keyword = matchKey(match)
		}
		raw := cell(row, cols[rbURL])
		if raw == "" {
			p.report(RunbooksTab, i, cols[rbURL], "no url for the runbook of %q; row ignored", match)
			continue
		}
		u, err := runbookURL(raw)
		if err != nil {
			p.report(RunbooksTab, i, cols[rbURL], "%v; row ignored", err)
			continue
		}
		rb.URL = u
		out = append(out, rb)
	}
	return out
}

// runbookHeader recognises row as the runbooks header, and gives the column
// of each field (-1 when absent): a row that names a column and holds no
// URL.
func (p *parser) runbookHeader(i int, row []string) ([numRunbookCols]int, bool) {
	cols := [numRunbookCols]int{-1, -1, -1}
	for j := range row {
		if isHTTP(cell(row, j)) {
			return cols, false
		}
	}
	found := p.header(RunbooksTab, i, row, runbookColumn, runbookColumnNames[:], cols[:])
	return cols, found
}

// compilePattern compiles a runbook's regular expression, ignoring case.
// Its error says what is wrong without Go's "error parsing regexp" prefix.
func compilePattern(pattern string) (*regexp.Regexp, error) {
	if pattern == "" {
		return nil, errors.New("it is empty and would match every alert")
	}
	if _, err := regexp.Compile(pattern); err != nil {
		var se *syntax.Error
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s: `%s`", se.Code, se.Expr)
		}
		return nil, err
	}
	return regexp.Compile("(?i)" + pattern)
}

// maxURL bounds a runbook's URL, as chats bound links.
const maxURL = 2048

// runbookURL checks raw, a runbook's url cell, and gives it as a link:
// non-ASCII bytes, spaces, the characters a URL may not hold (" < > \ ^ `
// { | }) and '@' outside the host are percent-encoded, as a browser does.
// Its errors quote raw, never a password in it.
func runbookURL(raw string) (string, error) {
	var b strings.Builder
	b.Grow(len(raw) + 16)
	for i := 0; i < len(raw); i++ {
		switch c := raw[i]; {
		case c < ' ' || c == 0x7f:
			return "", fmt.Errorf("%q is not a URL (it holds a control character)", raw)
		case c >= 0x80 || c == ' ' || strings.IndexByte("\"<>\\^`{|}", c) >= 0:
			fmt.Fprintf(&b, "%%%02X", c)
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	u, err := url.Parse(s)
	switch {
	case err != nil || !isHTTP(s):
		return "", fmt.Errorf("%q is not an http(s) URL", raw)
	case u.User != nil:
		return "", fmt.Errorf("%q has a user name or password in it: link the page without them", u.Redacted())
	case u.Host == "" || !isAlnumByte(u.Host[0]):
		return "", fmt.Errorf("%q is not an http(s) URL (no host name)", raw)
	case len(s) > maxURL:
		return "", fmt.Errorf("the url is longer than %d characters", maxURL)
	}
	// No user info: any '@' is in the path, query or fragment.
	return strings.ReplaceAll(s, "@", "%40"), nil
}

// isHTTP reports whether s starts with http:// or https://, in any case.
func isHTTP(s string) bool {
	return len(s) > 7 && strings.EqualFold(s[:7], "http://") || len(s) > 8 && strings.EqualFold(s[:8], "https://")
}

func isAlnumByte(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
}

// Member columns.
const (
	colName = iota
	colSlack
	colTypetalk
	colEmail
	colPagerDuty
	colRole
	colChatwork
	colGoogleChat
	colTeams
	numCols
)

var columnNames = [numCols]string{"name", "slack", "typetalk", "email", "pagerduty", "role", "chatwork", "googlechat", "teams"}

// headerColumn recognises a members header cell: its headerKey, once
// NFKC-normalised ("Ｎａｍｅ" is "name") and without a parenthesised
// comment ("Name (Japanese)", "名前（漢字）", "Slack ID (U…)").
func headerColumn(s string) (int, bool) {
	switch headerKey(withoutComments(s)) {
	case "name", "names", "fullname", "member", "members", "membername", "person", "who",
		"名前", "氏名", "メンバー", "メンバー名", "担当者", "担当者名":
		return colName, true
	case "slack", "slackid", "slackuserid", "slackmemberid", "slackuser", "slackメンバーid", "slackユーザーid":
		return colSlack, true
	case "typetalk", "typetalkaccount", "typetalkid", "typetalkname", "typetalkアカウント":
		return colTypetalk, true
	case "email", "mail", "emailaddress", "mailaddress", "メール", "メールアドレス":
		return colEmail, true
	case "pagerduty", "pagerdutyname", "pagerdutyuser", "pd", "pagerdutyユーザー", "pagerduty名":
		return colPagerDuty, true
	case "role", "roles", "役割", "ロール", "役職":
		return colRole, true
	case "chatwork", "chatworkid", "chatworkaccountid", "chatworkアカウントid":
		return colChatwork, true
	case "googlechat", "googlechatid", "googlechatuser", "gchat":
		return colGoogleChat, true
	case "teams", "msteams", "microsoftteams", "teamsupn", "teamsid":
		return colTeams, true
	}
	return 0, false
}

func (p *parser) members(rows [][]string) []Member {
	cols := [numCols]int{0, 1, 2, 3, -1, -1, -1, -1, -1} // column index of each field; -1: absent (pagerduty onwards: only by their header)
	var out []Member
	firstRow := make(map[string]int)
	first := true
	title := titleRows(rows)
	for i, row := range rows {
		if blank(row) || i < title {
			continue
		}
		if first {
			first = false
			if hdr, ok := p.memberHeader(i, row); ok {
				cols = hdr
				if cols[colName] < 0 {
					p.report(MembersTab, i, 0, "the header has no %q column; no member read", columnNames[colName])
					return nil
				}
				continue
			}
		}
		name := clean(cell(row, cols[colName]))
		if name == "" {
			p.report(MembersTab, i, cols[colName], "no name for this member; row ignored")
			continue
		}
		key := nameKey(name)
		if prev, dup := firstRow[key]; dup {
			p.report(MembersTab, i, cols[colName], "member %q is already on row %d; row ignored", name, prev+1)
			continue
		}
		firstRow[key] = i
		m := Member{
			Name:     name,
			Slack:    clean(cell(row, cols[colSlack])),
			Typetalk: strings.TrimPrefix(clean(cell(row, cols[colTypetalk])), "@"),
			Email:    clean(cell(row, cols[colEmail])),
		}
		if cols[colPagerDuty] >= 0 {
			m.PagerDuty = clean(cell(row, cols[colPagerDuty]))
		}
		if cols[colRole] >= 0 {
			m.Roles = roles(cell(row, cols[colRole]))
		}
		if c := cols[colChatwork]; c >= 0 {
			if m.Chatwork = clean(cell(row, c)); m.Chatwork != "" && !ValidChatworkAccount(m.Chatwork) {
				p.report(MembersTab, i, c, "chatwork %q is not a Chatwork account ID (digits); %s is shown without a Chatwork mention", m.Chatwork, name)
				m.Chatwork = ""
			}
		}
		if c := cols[colGoogleChat]; c >= 0 {
			if m.GoogleChat = clean(cell(row, c)); m.GoogleChat != "" && !ValidGoogleChatUser(m.GoogleChat) {
				p.report(MembersTab, i, c, "googlechat %q is not a Google Chat user (users/ and digits); %s is named, not mentioned, in Google Chat", m.GoogleChat, name)
				m.GoogleChat = ""
			}
		}
		if c := cols[colTeams]; c >= 0 {
			if m.Teams = clean(cell(row, c)); m.Teams != "" && !ValidTeamsUser(m.Teams) {
				p.report(MembersTab, i, c, "teams %q is not a user principal name (name@domain); %s is named, not mentioned, in Teams", m.Teams, name)
				m.Teams = ""
			}
		}
		if m.Slack != "" && !ValidSlackUserID(m.Slack) {
			p.report(MembersTab, i, cols[colSlack], "slack %q is not a Slack user ID (like U012AB3CD); %s is shown without a Slack mention", m.Slack, name)
			m.Slack = ""
		}
		if m.Typetalk != "" && !ValidTypetalkAccount(m.Typetalk) {
			p.report(MembersTab, i, cols[colTypetalk], "typetalk %q is not a Typetalk account name (letters, digits, '-', '_' and '.'); %s is shown without a Typetalk mention", m.Typetalk, name)
			m.Typetalk = ""
		}
		out = append(out, m)
	}
	return out
}

// titleRows is how many rows above the members header are titles
// ("メンバー一覧"): the index of the first of the top rows that names the
// name column and another one; 0 when none does (the first non-blank row is
// then the header, or a member).
func titleRows(rows [][]string) int {
	for i, row := range rows[:min(len(rows), 20)] {
		var named [numCols]bool
		n := 0
		for j := range row {
			if c, ok := headerColumn(cell(row, j)); ok && !named[c] {
				named[c] = true
				n++
			}
		}
		if named[colName] && n >= 2 {
			return i
		}
	}
	return 0
}

// memberHeader recognises row as the members header and gives the column
// of each field (-1 when absent).
func (p *parser) memberHeader(i int, row []string) ([numCols]int, bool) {
	cols := [numCols]int{-1, -1, -1, -1, -1, -1, -1, -1, -1}
	found := p.header(MembersTab, i, row, headerColumn, columnNames[:], cols[:])
	return cols, found
}

// header reads row i of tab as its header: cols[c] becomes the column of
// field c (recognise names a cell's field; cols holds -1 for the fields not
// found). A field named twice is reported and its first column kept. It
// reports whether any field was named.
func (p *parser) header(tab string, i int, row []string, recognise func(string) (int, bool), names []string, cols []int) bool {
	found := false
	for j := range row {
		c, ok := recognise(cell(row, j))
		if !ok {
			continue
		}
		found = true
		if cols[c] >= 0 {
			p.report(tab, i, j, "a second %q column; column %s is used", names[c], columnName(cols[c]+1))
			continue
		}
		cols[c] = j
	}
	return found
}

// MaxSlackUserID is the longest Slack user ID ValidSlackUserID accepts.
// Slack documents no length (IDs were 9 characters, newer ones are longer,
// and Slack asks apps not to assume a format); 32 leaves room for growth and
// still refuses a pasted sentence.
const MaxSlackUserID = 32

// ValidSlackUserID reports whether s is a Slack user ID that "<@s>"
// mentions, as Slack's "Copy member ID" gives it (U012AB3CD): U, or W on
// Enterprise Grid (https://api.slack.com/changelog/2016-08-11-user-id-format-changes),
// then upper-case ASCII letters and digits, 3 to MaxSlackUserID characters
// in all. It is the one rule for Slack handles: the members tab reports and
// drops any other, alerts and reminders mention only such an ID, and
// remind --check shows only such an ID as a mention.
func ValidSlackUserID(s string) bool {
	if len(s) < 3 || len(s) > MaxSlackUserID || s[0] != 'U' && s[0] != 'W' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// MaxTypetalkAccount is the longest Typetalk account name
// ValidTypetalkAccount accepts.
const MaxTypetalkAccount = 64

// ValidChatworkAccount reports whether s is a Chatwork account ID: 1 to
// 12 digits, without a leading zero.
func ValidChatworkAccount(s string) bool {
	if s == "" || len(s) > 12 || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// ValidGoogleChatUser reports whether s is a Google Chat user resource
// name: "users/" and 1 to 32 digits.
func ValidGoogleChatUser(s string) bool {
	id, ok := strings.CutPrefix(s, "users/")
	if !ok || id == "" || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// ValidTeamsUser reports whether s can be a Microsoft Entra ID user
// principal name: local@domain, printable ASCII without spaces, quotes,
// angle brackets or commas, at most 113 characters (Entra ID's limit).
func ValidTeamsUser(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || len(s) > 113 || !strings.Contains(domain, ".") || strings.Contains(domain, "@") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f || strings.IndexByte(`"<>(),;:\[]`, c) >= 0 {
			return false
		}
	}
	return true
}

// ValidTypetalkAccount reports whether s is a Typetalk account name that
// "@s" mentions: ASCII letters, digits, '-', '_' and '.', starting with a
// letter or digit, 1 to MaxTypetalkAccount characters, without the leading
// '@'. It is the rule pd2chat's messages have always mentioned by (package
// message's former typetalkName): "@田中" or "@sato h" would mention nobody,
// or someone else. It is the one rule for Typetalk handles: the members tab
// reports and drops any other, alerts and reminders mention only such a
// name, and remind --check shows only such a name as a mention.
func ValidTypetalkAccount(s string) bool {
	if s == "" || len(s) > MaxTypetalkAccount || !isAlnumByte(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isAlnumByte(c) && c != '-' && c != '_' && c != '.' {
			return false
		}
	}
	return true
}
