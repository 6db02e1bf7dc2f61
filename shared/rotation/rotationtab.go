package rotation

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// The rotation tab's header decides its columns; see ParseTabs.

// dateHeaders are the headers of column A that start the rotation (and
// holidays) rows, as headerKey gives them; weekHeaders say each row is a
// week.
var (
	dateHeaders = map[string]bool{
		"date": true, "dates": true, "day": true, "days": true, "when": true, "period": true, "range": true,
		"日付": true, "日": true, "日にち": true, "年月日": true, "月日": true, "期間": true, "当番日": true, "対象日": true,
		"日程": true, "日時": true, "勤務日": true, "担当日": true, "オンコール日": true,
	}
	// startHeaders say each date starts a shift that runs until the next
	// row's date.
	startHeaders = map[string]bool{
		"startdate": true, "start": true, "from": true, "starting": true, "startingfrom": true, "effectivefrom": true,
		"開始日": true, "開始": true, "適用開始日": true, "交代日": true, "から": true,
	}
	weekHeaders = map[string]bool{
		"week": true, "weekof": true, "weeks": true, "weekstarting": true, "weekstart": true, "weekbeginning": true,
		"週": true, "週開始": true, "週の初め": true, "開始週": true, "週開始日": true, "週の開始日": true,
	}
)

// peopleHeaders are the headers of the columns that hold the people on
// call, as headerKey gives them without a trailing number ("担当1" is
// "担当", "oncall2" is "oncall"). An empty header is a people column too.
var peopleHeaders = map[string]bool{
	"oncall": true, "oncallengineer": true, "person": true, "people": true, "name": true, "names": true,
	"member": true, "members": true, "engineer": true, "responder": true, "responders": true, "pair": true,
	"primary": true, "secondary": true, "tertiary": true, "main": true, "sub": true,
	"1st": true, "2nd": true, "3rd": true, "first": true, "second": true,
	"担当": true, "担当者": true, "担当者名": true, "正担当": true, "副担当": true, "主担当": true, "担当正": true, "担当副": true, "当番": true, "当番者": true, "当番者名": true, "オンコール": true, "オンコール担当": true,
	"名前": true, "氏名": true, "メンバー": true, "正": true, "副": true, "主": true, "メイン": true, "サブ": true, "ペア": true,
	"プライマリ": true, "セカンダリ": true, "プライマリー": true, "セカンダリー": true,
}

// otherHeaders are headers of columns that are known not to hold the
// people on call: notes, and the backup (the escalation step, not on
// call). They are skipped without a word.
var otherHeaders = map[string]bool{
	"note": true, "notes": true, "memo": true, "comment": true, "comments": true, "remarks": true, "reason": true,
	"backup": true, "backups": true, "escalation": true, "weekday": true, "dow": true,
	"備考": true, "メモ": true, "コメント": true, "理由": true, "補足": true, "連絡": true, "曜日": true, "曜": true,
	"バックアップ": true, "予備": true, "エスカレーション": true, "バックアップ担当": true, "予備担当": true, "backupescalation": true,
}

// backupHeaders are the other columns that hold the day's backups: not
// on call, the escalation ladder's step after the pair (Roster.Backups).
var backupHeaders = map[string]bool{"backup": true, "backups": true, "escalation": true, "バックアップ": true, "予備": true,
	"エスカレーション": true, "バックアップ担当": true, "予備担当": true, "backupescalation": true}

// columnKey is a header cell as the column rules read it: headerKey of its
// NFKC form ("Ｐｒｉｍａｒｙ" is "primary"), without a parenthesised
// comment ("当番（正）", "On-call (primary)") and a trailing number or '#'
// ("担当1", "oncall #2").
func columnKey(s string) string {
	k := headerKey(withoutComments(s))
	return strings.TrimRightFunc(k, func(r rune) bool { return unicode.IsDigit(r) || r == '#' || r == '.' })
}

// isDateHeader reports whether a, column A of a row, is the header of the
// rotation's dates, and what a date under it covers.
func isDateHeader(a string) (bool, dateMode) {
	k := columnKey(a)
	switch {
	case weekHeaders[k]:
		return true, weekly
	case startHeaders[k]:
		return true, untilNext
	case dateHeaders[k]:
		return true, oneDay
	case len([]rune(k)) <= 12 && (strings.HasSuffix(k, "週") || strings.HasPrefix(k, "week")):
		return true, weekly // 担当週, 当番週, weekstarting…
	case len([]rune(k)) <= 12 && (strings.HasSuffix(k, "開始日") || strings.HasPrefix(k, "start")):
		return true, untilNext
	}
	return false, oneDay
}

// layout is how a dated tab's rows are read, from its header.
type layout struct {
	header int      // the header's row index; -1: no header
	mode   dateMode // what a date alone in column A covers
	// people[j] is true for the columns that hold people (rotation tab).
	people []bool
	// other[j] is true for the columns known not to hold people (notes,
	// backup); the rest that are not people are unknown (see unknown).
	other []bool
	// backup[j] is true for the backup columns (backupHeaders).
	backup []bool
	// emptyIsPeople: columns without a header hold people (no header
	// names a people column).
	emptyIsPeople bool
}

// dateMode is what a single date in column A covers, from the header.
type dateMode int

const (
	oneDay    dateMode = iota // "date", "日付": that day
	weekly                    // "week", "週": the seven days from it
	untilNext                 // "start date", "開始日", "from": until the next row's date
)

// headerScan is how many rows from the top may hold the header: rows above
// it are titles ("2026年度 オンコール当番表", "最終更新 2026/11/20").
const headerScan = 20

// findLayout finds the header of a dated tab: the first of its top
// headerScan rows whose column A is a date header (isDateHeader), or whose
// column A is empty and whose other cells name a people column ("", "担当",
// "備考"); the rows above it are titles and are skipped. Without such a
// row, the last row above the first date whose column A is text without
// digits is the header (as sheets written for earlier versions have it);
// otherwise there is no header and every column from B holds people.
func findLayout(rows [][]string, today Date) layout {
	l := layout{header: -1}
	end := len(rows) // the first dated row, or the end
	for i, r := range rows[:min(len(rows), headerScan)] {
		if blank(r) {
			continue
		}
		a := cell(r, 0)
		if ok, week := isDateHeader(a); ok {
			l.header, l.mode = i, week
			break
		}
		if a == "" && namesPeopleColumn(r) {
			l.header = i
			break
		}
		if _, err := parseSpan(a, today, false); err == nil && end == len(rows) {
			end = i
		}
	}
	if l.header < 0 {
		// No known header: the last row above the first date whose column A
		// is text without digits ("Shift"), as sheets written for earlier
		// versions have it.
		for i := range rows[:end] {
			if a := cell(rows[i], 0); a != "" && !strings.ContainsAny(norm.NFKC.String(a), "0123456789") {
				l.header = i
			}
		}
	}
	if l.header < 0 {
		return l
	}
	row := rows[l.header]
	l.people = make([]bool, len(row))
	l.other = make([]bool, len(row))
	l.backup = make([]bool, len(row))
	named := false // a header cell names a people column
	for j := 1; j < len(row); j++ {
		switch k := columnKey(cell(row, j)); {
		case k == "":
		case peopleHeaders[k]:
			l.people[j], named = true, true
		case otherHeaders[k]:
			l.other[j] = true
			l.backup[j] = backupHeaders[k]
		}
	}
	// Empty headers hold people only when no header names a people column
	// ("date" alone above the names); past the header's last cell, too.
	l.emptyIsPeople = !named
	for j := 1; j < len(row); j++ {
		if columnKey(cell(row, j)) == "" {
			l.people[j] = l.emptyIsPeople
		}
	}
	return l
}

// unknown reports whether column j is neither a people column nor a known
// other one (a note, the backup), and its header ("" for none): skipped,
// but reported when it names members.
func (l *layout) unknown(j int, header []string) (string, bool) {
	switch {
	case j < 1 || l.isPeople(j):
		return "", false
	case j < len(l.other) && l.other[j]:
		return "", false
	}
	return clean(cell(header, j)), true
}

// namesPeopleColumn reports whether a row's cells from B name a people
// column: a header row whose column A was left empty.
func namesPeopleColumn(row []string) bool {
	for j := 1; j < len(row); j++ {
		if peopleHeaders[columnKey(cell(row, j))] {
			return true
		}
	}
	return false
}

// isPeople reports whether column j holds people.
func (l *layout) isPeople(j int) bool {
	switch {
	case j < 1:
		return false
	case l.header < 0:
		return true // no header: every column from B
	case j >= len(l.people):
		return l.emptyIsPeople // past the header's last cell: an empty header
	}
	return l.people[j]
}

// day is one date of the rotation: who is on call, and the cells that
// named nobody known.
type day struct {
	people    []Member
	unmatched []string
	backups   []Member // the backup columns' members (not on call)
}

// maxColumns bounds the columns of the rotation tab that are read: no
// rotation has more people (or notes) in a row, and a sheet pasted wrong
// must not take minutes to read.
const maxColumns = 64

// sniffRows is how many rows under the header are looked at for member
// names in a column whose header is not a people column.
const sniffRows = 1000

// maxShift bounds a shift under a start-date header: until the next row's
// date, at most this many days (a quarter).
const maxShift = 93

// weeks turns the single dates of a weekly tab into weeks, and reports
// when the weekday weeks start on is a guess. Weeks start on the weekday
// most single dates fall on (a tie goes to the earliest weekday from
// Monday, whatever the rows' order). Walking the dates in order, a date on
// that weekday starts a week; a date on another weekday inside the current
// week (or inside a range row) is a swap of that day alone; one outside
// every week (a Tuesday after a Monday holiday) starts a week too. Each
// week ends after seven days or before the next week, whichever is first.
func (p *parser) weeks(spans map[int]span, header int) {
	var (
		count   [7]int
		covered = make(map[Date]bool) // days of explicit ranges
		singles []int                 // rows of single dates
	)
	for i, sp := range spans {
		if sp.ranged {
			// A one-day range is a swap, not a range to swap inside.
			for d := sp.first; sp.days() > 1 && !before(sp.last, d); d = addDays(d, 1) {
				covered[d] = true
			}
			continue
		}
		singles = append(singles, i)
	}
	for _, i := range singles {
		if !covered[spans[i].first] {
			count[weekday(spans[i].first)]++
		}
	}
	fromMonday := func(wd time.Weekday) int { return (int(wd) + 6) % 7 }
	start, second := time.Monday, time.Weekday(-1)
	for _, wd := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		if count[wd] > count[start] {
			start = wd
		}
	}
	for wd := range time.Weekday(7) {
		if wd != start && (second < 0 || count[wd] > count[second] || count[wd] == count[second] && fromMonday(wd) < fromMonday(second)) {
			second = wd
		}
	}
	if count[second] >= 2 && 2*count[second] >= count[start] {
		p.report(RotationTab, max(header, 0), 0, "weeks are read as starting on %s (%d rows), but %d rows are on %s: if weeks start on %s, write the %s swaps as one-day ranges (2026/11/18〜2026/11/18)",
			start, count[start], count[second], second, second, start)
	}
	slices.SortFunc(singles, func(a, b int) int {
		return cmp.Or(daysBetween(spans[b].first, spans[a].first), cmp.Compare(a, b))
	})
	var weekRows []int // rows that start a week, by date
	cur := span{}      // the current week
	for _, i := range singles {
		d := spans[i].first
		switch {
		case covered[d]:
			continue // a swap inside a range row
		case weekday(d) != start && cur.first != (Date{}) && !before(cur.last, d):
			continue // a swap inside the current week
		}
		cur = span{d, addDays(d, 6), true}
		weekRows = append(weekRows, i)
	}
	for k, i := range weekRows {
		d := spans[i].first
		last := addDays(d, 6)
		if k+1 < len(weekRows) {
			if next := spans[weekRows[k+1]].first; before(next, addDays(last, 1)) && next != d {
				last = addDays(next, -1)
			}
		}
		spans[i] = span{d, last, true}
	}
}

// untilNextRow turns the single dates of a tab headed "start date" into
// shifts: each runs until the day before the next later date of the tab,
// at most maxShift days; the last one runs as long as the shifts before it
// usually do (their median), a week when it is alone.
func untilNextRow(rows [][]string, spans map[int]span) {
	var starts []Date
	for _, sp := range spans {
		if !sp.ranged {
			starts = append(starts, sp.first)
		}
	}
	slices.SortFunc(starts, func(a, b Date) int { return daysBetween(b, a) })
	starts = slices.Compact(starts)
	usual := 7
	if len(starts) > 1 {
		gaps := make([]int, 0, len(starts)-1)
		for k := 1; k < len(starts); k++ {
			gaps = append(gaps, daysBetween(starts[k-1], starts[k]))
		}
		slices.Sort(gaps)
		usual = min(gaps[len(gaps)/2], maxShift)
	}
	for i, sp := range spans {
		if sp.ranged {
			continue
		}
		d := sp.first
		last := addDays(d, usual-1)
		k, _ := slices.BinarySearchFunc(starts, addDays(d, 1), func(a, b Date) int { return daysBetween(b, a) })
		if k < len(starts) {
			last = addDays(starts[k], -1)
			if daysBetween(d, last) >= maxShift {
				last = addDays(d, maxShift-1)
			}
		}
		spans[i] = span{d, last, last != d}
	}
}

// spanRow is a rotation row read: the days it covers and its people.
type spanRow struct {
	row  int
	span span
	day  day
}

func (p *parser) rotation(rows [][]string, today Date, members map[string]Member) (onCall map[Date][]Member, unmatched map[Date][]string, backups map[Date][]Member) {
	l := findLayout(rows, today)
	// Problems come in the order of the cells, whatever pass finds them.
	defer p.sortFrom(len(p.problems))
	var (
		dated  []spanRow        // one date each, in row order
		ranged []spanRow        // ranges and weeks, in row order
		named  = map[int]bool{} // unknown columns already reported
	)
	// Read column A first: a week's or a shift's end depends on the other
	// rows.
	var headerRow []string
	if l.header >= 0 {
		headerRow = rows[l.header]
	}
	spans := make(map[int]span)
	for i, r := range rows {
		if i < l.header && !blank(r) {
			// A title row above the header; one that reads like a row of the
			// rotation is said to be ignored.
			if _, err := parseSpan(cell(r, 0), today, false); err == nil && p.namesMember(r, members) {
				p.report(RotationTab, i, 0, "this row is above the header (row %d), so it is not read: move it below", l.header+1)
			}
			continue
		}
		if i <= l.header || blank(r) {
			continue
		}
		a := cell(r, 0)
		if a == "" {
			if p.hasPeople(r, &l) {
				p.report(RotationTab, i, 0, "no date for the names in this row; row ignored")
			}
			continue
		}
		if ok, _ := isDateHeader(a); ok {
			continue // the header again (a sheet pasted together): not a row
		}
		sp, err := parseSpan(a, today, false)
		if err != nil {
			if p.hasPeople(r, &l) {
				p.report(RotationTab, i, 0, "%w", &DateError{err})
			}
			// Without names it is a section or separator row ("12月",
			// "----"): nothing to read, nothing lost.
			continue
		}
		spans[i] = sp
	}
	switch l.mode {
	case weekly:
		p.weeks(spans, l.header)
	case untilNext:
		untilNextRow(rows, spans)
	}
	for i, r := range rows {
		sp, ok := spans[i]
		if !ok {
			continue
		}
		sr := spanRow{row: i, span: sp, day: p.people(i, r, &l, members)}
		if i-l.header <= sniffRows {
			for j := 1; j < min(len(r), maxColumns); j++ {
				header, unknown := l.unknown(j, headerRow)
				if !unknown || named[j] {
					continue
				}
				if ms, ok := matchPeople(cell(r, j), members); ok && len(ms) > 0 {
					named[j] = true
					what := fmt.Sprintf("column %q is", header)
					if header == "" {
						what = fmt.Sprintf("column %s has no header, so it is", columnName(j+1))
					}
					p.report(RotationTab, max(l.header, 0), j, "%s not read as people on call (only columns headed oncall, 担当, primary… are), yet %s%d names %s: give it such a header to read it",
						what, columnName(j+1), i+1, ms[0].Name)
				}
			}
		}
		if sp.days() > 1 { // a one-day range is that date, as a date row
			ranged = append(ranged, sr)
		} else {
			dated = append(dated, sr)
		}
	}

	days := make(map[Date]day)
	from := make(map[Date]int) // date → the row that set it
	inRange := make(map[Date]bool)
	for _, sr := range ranged {
		for d := sr.span.first; !before(sr.span.last, d); d = addDays(d, 1) {
			inRange[d] = true
		}
	}
	for _, sr := range dated {
		d := sr.span.first
		if len(sr.day.people) == 0 && len(sr.day.unmatched) == 0 && inRange[d] {
			continue // a note on a day of a week or range (リリース日): not a swap to nobody
		}
		if prev, dup := from[d]; dup {
			p.report(RotationTab, sr.row, 0, "%s is already on row %d; row ignored", d, prev+1)
			continue
		}
		from[d], days[d] = sr.row, sr.day
	}
	// A date row overrides a range or week covering it, and a range inside
	// a longer one overrides it (a two-day swap in a week); two ranges that
	// overlap otherwise are a mistake, and the shorter (then the first) row
	// counts.
	slices.SortStableFunc(ranged, func(a, b spanRow) int { return cmp.Compare(a.span.days(), b.span.days()) })
	fromRange := make(map[Date]int) // day → index in ranged
	for k, sr := range ranged {
		var overlap []Date
		overlapRow := -1
		for d := sr.span.first; !before(sr.span.last, d); d = addDays(d, 1) {
			if _, isDated := from[d]; isDated {
				continue
			}
			if prev, taken := fromRange[d]; taken {
				if in := ranged[prev].span; in.days() < sr.span.days() && !before(in.first, sr.span.first) && !before(sr.span.last, in.last) {
					continue // a shorter range inside this one
				}
				if overlapRow < 0 {
					overlapRow = ranged[prev].row
				}
				overlap = append(overlap, d)
				continue
			}
			fromRange[d], days[d] = k, sr.day
		}
		if len(overlap) > 0 {
			what := overlap[0].String()
			if len(overlap) > 1 {
				what = fmt.Sprintf("%s to %s", overlap[0], overlap[len(overlap)-1])
			}
			hint := "a one-day swap is a row with just that date"
			if l.mode == weekly {
				hint = fmt.Sprintf("to swap only the first day of a week, write it as a one-day range such as %d/%d/%d〜%d/%d/%d",
					sr.span.first.Year, sr.span.first.Month, sr.span.first.Day, sr.span.first.Year, sr.span.first.Month, sr.span.first.Day)
			}
			p.report(RotationTab, sr.row, 0, "%s is already covered by row %d, which counts for those days (%s)", what, overlapRow+1, hint)
		}
	}

	onCall = make(map[Date][]Member, len(days))
	for d, dy := range days {
		onCall[d] = dy.people
		if len(dy.backups) > 0 {
			if backups == nil {
				backups = make(map[Date][]Member)
			}
			backups[d] = dy.backups
		}
		if len(dy.unmatched) > 0 {
			if unmatched == nil {
				unmatched = make(map[Date][]string)
			}
			unmatched[d] = dy.unmatched
		}
	}
	return onCall, unmatched, backups
}

// sortFrom sorts the problems found since the first n by row, then column.
func (p *parser) sortFrom(n int) {
	slices.SortStableFunc(p.problems[n:], func(a, b error) int {
		ca, _ := a.(*CellError)
		cb, _ := b.(*CellError)
		if ca == nil || cb == nil {
			return 0
		}
		return cmp.Or(cmp.Compare(ca.Row, cb.Row), cmp.Compare(ca.Col, cb.Col))
	})
}

// namesMember reports whether a cell of row from column B names a member.
func (p *parser) namesMember(row []string, members map[string]Member) bool {
	for j := 1; j < len(row); j++ {
		if ms, ok := matchPeople(cell(row, j), members); ok && len(ms) > 0 {
			return true
		}
	}
	return false
}

// hasPeople reports whether row has a non-empty people cell.
func (p *parser) hasPeople(row []string, l *layout) bool {
	for j := 1; j < min(len(row), maxColumns); j++ {
		if l.isPeople(j) && clean(cell(row, j)) != "" {
			return true
		}
	}
	return false
}

// people reads the people cells of rotation row i: the members they name,
// in column order, each once, and the cells that name nobody known, each
// reported as a problem.
func (p *parser) people(i int, row []string, l *layout, members map[string]Member) day {
	var out day
	seen := make(map[string]int) // member → column
	for j := 1; j < min(len(row), maxColumns); j++ {
		if !l.isPeople(j) {
			continue
		}
		// Each line of a cell (Alt+Enter, or rows joined under a merged
		// date) is read on its own: a placeholder on one line does not hide
		// the name on another.
		for line := range strings.Lines(cell(row, j)) {
			text := clean(line)
			if text == "" || isPlaceholder(text) {
				continue
			}
			if isFormulaError(text) {
				p.report(RotationTab, i, j, "%q is a formula's error, not a name: fix the formula", text)
				out.unmatched = append(out.unmatched, text)
				continue
			}
			ms, ok := matchPeople(line, members)
			if !ok {
				p.report(RotationTab, i, j, "%q matches no member of the %s tab: nobody is mentioned for it (add the person there, or fix the spelling)", text, MembersTab)
				out.unmatched = append(out.unmatched, text)
				continue
			}
			for _, m := range ms {
				key := nameKey(m.Name)
				if prev, dup := seen[key]; dup {
					if prev != j { // the same name twice in one cell is one person
						p.report(RotationTab, i, j, "%q is already on call this day in %s%d", m.Name, columnName(prev+1), i+1)
					}
					continue
				}
				seen[key] = j
				out.people = append(out.people, m)
			}
		}
	}
	for j := 1; j < min(len(row), maxColumns, len(l.backup)); j++ {
		if !l.backup[j] {
			continue
		}
		for line := range strings.Lines(cell(row, j)) {
			text := clean(line)
			if text == "" || isPlaceholder(text) {
				continue
			}
			ms, ok := matchPeople(line, members)
			if !ok {
				p.report(RotationTab, i, j, "backup %q matches no member of the %s tab: the escalation cannot mention them (add the person there, or fix the spelling)", text, MembersTab)
				continue
			}
			for _, m := range ms {
				if _, onCall := seen[nameKey(m.Name)]; !onCall && !slices.ContainsFunc(out.backups, func(b Member) bool { return b.Name == m.Name }) {
					out.backups = append(out.backups, m)
				}
			}
		}
	}
	return out
}

// isPlaceholder reports whether a cell only marks a slot as empty: "-",
// "—", "ー", "…", "・".
func isPlaceholder(s string) bool {
	return strings.Trim(norm.NFKC.String(s), "-—―‐ー−–…・.") == ""
}

// defaultHolidayName names a holiday whose row has no name.
const defaultHolidayName = "Company holiday"

// holidays reads the holidays tab: column A a date or a range (every day of
// it is off), column B the name. A date on two rows is reported and the
// first row counts.
func (p *parser) holidays(rows [][]string, today Date) map[Date]string {
	days := make(map[Date]string)
	from := make(map[Date]int)
	l := findLayout(rows, today)
	for i, r := range rows {
		if i <= l.header || blank(r) {
			continue
		}
		a := cell(r, 0)
		if a == "" {
			p.report(HolidaysTab, i, 0, "no date for this holiday; row ignored")
			continue
		}
		sp, err := parseSpan(a, today, false)
		if err != nil {
			if ok, _ := isDateHeader(a); ok || !strings.ContainsAny(norm.NFKC.String(a), "0123456789") {
				continue // a section ("【臨時】") or the header again
			}
			p.report(HolidaysTab, i, 0, "%v", err)
			continue
		}
		name := clean(cell(r, 1))
		if name == "" {
			name = defaultHolidayName
		}
		if prev, dup := from[sp.first]; dup && !sp.ranged {
			p.report(HolidaysTab, i, 0, "%s is already on row %d; row ignored", sp.first, prev+1)
			continue
		}
		for d := sp.first; !before(sp.last, d); d = addDays(d, 1) {
			if prev, dup := from[d]; dup {
				p.report(HolidaysTab, i, 0, "%s is already on row %d, which counts for it", d, prev+1)
				continue
			}
			from[d], days[d] = i, name
		}
	}
	return days
}
