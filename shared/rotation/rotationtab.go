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
		"日程": true, "日時": true, "開始日": true, "勤務日": true, "担当日": true, "オンコール日": true,
	}
	weekHeaders = map[string]bool{
		"week": true, "weekof": true, "weeks": true, "weekstarting": true, "weekstart": true, "weekbeginning": true,
		"週": true, "週開始": true, "週の初め": true, "開始週": true, "週開始日": true,
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
	"担当": true, "担当者": true, "担当者名": true, "当番": true, "当番者": true, "当番者名": true, "オンコール": true, "オンコール担当": true,
	"名前": true, "氏名": true, "メンバー": true, "正": true, "副": true, "主": true, "メイン": true, "サブ": true, "ペア": true,
	"プライマリ": true, "セカンダリ": true, "プライマリー": true, "セカンダリー": true,
}

// otherHeaders are headers of columns that are known not to hold the
// people on call: notes, and the backup (the escalation step, not on
// call). They are skipped without a word.
var otherHeaders = map[string]bool{
	"note": true, "notes": true, "memo": true, "comment": true, "comments": true, "remarks": true, "reason": true,
	"backup": true, "escalation": true, "weekday": true, "dow": true,
	"備考": true, "メモ": true, "コメント": true, "理由": true, "補足": true, "連絡": true, "曜日": true, "曜": true,
	"バックアップ": true, "予備": true, "エスカレーション": true,
}

// columnKey is a header cell as the column rules read it: headerKey of its
// NFKC form ("Ｐｒｉｍａｒｙ" is "primary"), without a trailing number or
// '#' ("担当1", "oncall #2").
func columnKey(s string) string {
	k := headerKey(clean(norm.NFKC.String(s)))
	return strings.TrimRightFunc(k, func(r rune) bool { return unicode.IsDigit(r) || r == '#' || r == '.' })
}

// isDateHeader reports whether a, column A of a row, is the header of the
// rotation's dates; week when it says the rows are weeks.
func isDateHeader(a string) (ok, week bool) {
	k := headerKey(clean(norm.NFKC.String(a)))
	return dateHeaders[k] || weekHeaders[k], weekHeaders[k]
}

// layout is how a dated tab's rows are read, from its header.
type layout struct {
	header int  // the header's row index; -1: no header
	week   bool // column A holds the first day of each week
	// people[j] is true for the columns that hold people (rotation tab).
	people []bool
	// unknown are the columns whose header is neither people nor a known
	// other column: skipped, but named in a problem when they hold names.
	unknown map[int]string
}

// findLayout finds the header of a dated tab: the first row whose column A
// is a date header (isDateHeader) before any row whose column A is a date;
// the rows above it are titles and are skipped. Without such a row, the
// first non-blank row is the header when its column A is text without
// digits that is not a date (as sheets written for earlier versions have
// it); otherwise there is no header and every column from B holds people.
func findLayout(rows [][]string, today Date) layout {
	l := layout{header: -1}
	end := len(rows) // the first dated row, or the end
	for i, r := range rows {
		if blank(r) {
			continue
		}
		a := cell(r, 0)
		if ok, week := isDateHeader(a); ok {
			l.header, l.week = i, week
			break
		}
		if _, err := parseSpan(a, today, false); err == nil {
			end = i
			break
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
	for j := 1; j < len(row); j++ {
		switch k := columnKey(cell(row, j)); {
		case k == "" || peopleHeaders[k]:
			l.people[j] = true
		case otherHeaders[k]:
		default:
			if l.unknown == nil {
				l.unknown = make(map[int]string)
			}
			l.unknown[j] = clean(cell(row, j))
		}
	}
	return l
}

// isPeople reports whether column j holds people.
func (l *layout) isPeople(j int) bool {
	if j < 1 {
		return false
	}
	if l.header < 0 || j >= len(l.people) {
		// No header, or past the header's last cell (an empty header).
		return true
	}
	return l.people[j]
}

// day is one date of the rotation: who is on call, and the cells that
// named nobody known.
type day struct {
	people    []Member
	unmatched []string
}

// spanRow is a rotation row read: the days it covers and its people.
type spanRow struct {
	row  int
	span span
	day  day
}

func (p *parser) rotation(rows [][]string, today Date, members map[string]Member) (map[Date][]Member, map[Date][]string) {
	l := findLayout(rows, today)
	// Problems come in the order of the cells, whatever pass finds them.
	defer p.sortFrom(len(p.problems))
	var (
		dated  []spanRow        // one date each, in row order
		ranged []spanRow        // ranges and weeks, in row order
		named  = map[int]bool{} // unknown columns already reported
	)
	// Read column A first: under a week header, weeks start on the weekday
	// most single dates fall on (ties: the earliest row's), so that a stray
	// swap row cannot turn the weeks into single days.
	spans := make(map[int]span)
	var (
		starts    [7]int
		firstWD   = make(map[time.Weekday]int)
		weekStart time.Weekday
	)
	for i, r := range rows {
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
		sp, err := parseSpan(a, today, false)
		if err != nil {
			p.report(RotationTab, i, 0, "%v", err)
			continue
		}
		spans[i] = sp
		if !sp.ranged {
			wd := weekday(sp.first)
			starts[wd]++
			if _, seen := firstWD[wd]; !seen {
				firstWD[wd] = i
			}
		}
	}
	for wd := range time.Weekday(7) {
		if starts[wd] > starts[weekStart] || starts[wd] == starts[weekStart] && starts[wd] > 0 && firstWD[wd] < firstWD[weekStart] {
			weekStart = wd
		}
	}
	for i, r := range rows {
		sp, ok := spans[i]
		if !ok {
			continue
		}
		if l.week && !sp.ranged && weekday(sp.first) == weekStart {
			// A week; a date on another weekday is that day alone (a swap).
			sp = span{sp.first, addDays(sp.first, 6), true}
		}
		sr := spanRow{row: i, span: sp, day: p.people(i, r, &l, members)}
		for j, header := range l.unknown {
			if !named[j] {
				if ms, ok := matchPeople(cell(r, j), members); ok && len(ms) > 0 {
					named[j] = true
					p.report(RotationTab, l.header, j, "column %q is not read as people on call (its header is not oncall, 担当, primary…), yet %s%d names %s: rename the header to read it", header, columnName(j+1), i+1, ms[0].Name)
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
	for _, sr := range dated {
		d := sr.span.first
		if prev, dup := from[d]; dup {
			p.report(RotationTab, sr.row, 0, "%s is already on row %d; row ignored", d, prev+1)
			continue
		}
		from[d], days[d] = sr.row, sr.day
	}
	// A date row overrides a range or week covering it; two ranges
	// over one day are a mistake, and the first row counts.
	fromRange := make(map[Date]int)
	for _, sr := range ranged {
		var overlap []Date
		overlapRow := -1
		for d := sr.span.first; !before(sr.span.last, d); d = addDays(d, 1) {
			if _, isDated := from[d]; isDated {
				continue
			}
			if prev, taken := fromRange[d]; taken {
				if overlapRow < 0 {
					overlapRow = prev
				}
				overlap = append(overlap, d)
				continue
			}
			fromRange[d], days[d] = sr.row, sr.day
		}
		if len(overlap) > 0 {
			what := overlap[0].String()
			if len(overlap) > 1 {
				what = fmt.Sprintf("%s to %s", overlap[0], overlap[len(overlap)-1])
			}
			hint := "a one-day swap is a row with just that date"
			if l.week {
				hint = fmt.Sprintf("to swap only the first day of a week, write it as a one-day range such as %d/%d/%d〜%d/%d/%d",
					sr.span.first.Year, sr.span.first.Month, sr.span.first.Day, sr.span.first.Year, sr.span.first.Month, sr.span.first.Day)
			}
			p.report(RotationTab, sr.row, 0, "%s is already covered by row %d, which counts for those days (%s)", what, overlapRow+1, hint)
		}
	}

	onCall := make(map[Date][]Member, len(days))
	var unmatched map[Date][]string
	for d, dy := range days {
		onCall[d] = dy.people
		if len(dy.unmatched) > 0 {
			if unmatched == nil {
				unmatched = make(map[Date][]string)
			}
			unmatched[d] = dy.unmatched
		}
	}
	return onCall, unmatched
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

// hasPeople reports whether row has a non-empty people cell.
func (p *parser) hasPeople(row []string, l *layout) bool {
	for j := 1; j < len(row); j++ {
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
	for j := 1; j < len(row); j++ {
		if !l.isPeople(j) {
			continue
		}
		text := clean(cell(row, j))
		if text == "" {
			continue
		}
		if isFormulaError(text) {
			p.report(RotationTab, i, j, "%q is a formula's error, not a name: fix the formula", text)
			out.unmatched = append(out.unmatched, text)
			continue
		}
		ms, ok := matchPeople(text, members)
		if !ok {
			p.report(RotationTab, i, j, "%q matches no member of the %s tab: nobody is mentioned for it (add the person there, or fix the spelling)", text, MembersTab)
			out.unmatched = append(out.unmatched, text)
			continue
		}
		for _, m := range ms {
			key := nameKey(m.Name)
			if prev, dup := seen[key]; dup {
				p.report(RotationTab, i, j, "%q is already on call this day in %s%d", m.Name, columnName(prev+1), i+1)
				continue
			}
			seen[key] = j
			out.people = append(out.people, m)
		}
	}
	return out
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
