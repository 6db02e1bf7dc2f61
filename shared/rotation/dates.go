package rotation

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"
)

// DateForms says what a date cell may hold; the errors that refuse a date
// end with it.
const DateForms = "write 2026-11-20, 2026/11/20, 2026.11.20, 2026年11月20日 or 11/20(金), " +
	"or a range such as 2026/11/16〜2026/11/20"

// maxSpan bounds a range row, so that a typo ("2026/11/16〜2036/11/20")
// cannot fill the roster with ten years.
const maxSpan = 366

// ParseDate reads one date as the sheet may hold it (see parseDate):
// "2026-11-20", "2026/11/20", "2026.11.20", "2026年11月20日", each with an
// optional weekday ("(金)", "(Fri)", "(月・祝)"), full-width digits too, or
// a Sheets date serial number, the days since 1899-12-30, of a date in
// 2000–2099 ("46346" is 2026-11-20; a fraction, the time of day, is
// ignored). A date without its year is
// refused: ParseDate has no day to take the year from.
func ParseDate(s string) (Date, error) {
	d, err := parseDate(s, Date{})
	if err != nil {
		return Date{}, fmt.Errorf("rotation: %w", err)
	}
	return d, nil
}

// IsDate reports whether s, a cell of column A, is one date (not a range,
// not a header), read as the rotation tab reads it on day today.
func IsDate(s string, today Date) bool {
	sp, err := parseSpan(s, today, false)
	return err == nil && !sp.ranged
}

// span is the days a date cell covers, first to last (equal for one date).
type span struct {
	first, last Date
	ranged      bool // written as a range, or a week
}

// days is how many days s covers.
func (s span) days() int { return daysBetween(s.first, s.last) + 1 }

// parseSpan reads column A of a rotation or holidays row: one date
// (parseDate) or a range of two joined by 〜, ~, -, –, — or から
// ("2026/11/16〜2026/11/20", "2026-11-16 - 2026-11-20", "11/16-11/20",
// "2026/11/16〜20"). The end of a range may leave out what it shares with
// the start: its year ("11/16〜11/20" after a year-less start takes the
// start's year, rolling over into the next when it ends in January), or its
// year and month ("2026/11/16〜20"). A range covers every day from its start
// to its end, at most maxSpan days. With week, one date covers the seven
// days from it (the tab's header says the rows are weeks).
func parseSpan(s string, today Date, week bool) (span, error) {
	t := dateText(s)
	if t == "" {
		return span{}, errors.New("empty date")
	}
	if len(t) > maxDateText {
		return span{}, fmt.Errorf("%q is not a date; %s", cut(s), DateForms)
	}
	if d, err := parseDate(t, today); err == nil {
		if week {
			return span{d, addDays(d, 6), true}, nil
		}
		return span{d, d, false}, nil
	}
	var rangeErr error
	for _, sep := range []string{"〜", "~", "から", "–", "—", "−", "-"} {
		for i := 0; ; {
			j := strings.Index(t[i:], sep)
			if j < 0 {
				break
			}
			j += i
			i = j + len(sep)
			left, right := strings.TrimSpace(t[:j]), strings.TrimSpace(t[j+len(sep):])
			if left == "" || right == "" {
				continue
			}
			first, err := parseDate(left, today)
			if err != nil {
				continue
			}
			last, err := parseEnd(right, first)
			if err != nil {
				continue
			}
			switch n := daysBetween(first, last) + 1; {
			case n < 1:
				rangeErr = fmt.Errorf("%q ends before it starts (%s to %s)", s, first, last)
				continue
			case n > maxSpan:
				rangeErr = fmt.Errorf("%q covers %d days, more than a year: is a year mistyped?", s, n)
				continue
			}
			return span{first, last, true}, nil
		}
	}
	if rangeErr != nil {
		return span{}, rangeErr
	}
	_, err := parseDate(t, today)
	return span{}, err
}

// maxDateText bounds a date cell: no date or range is longer, and a longer
// cell is not searched for separators.
const maxDateText = 64

// cut is s cut for an error message.
func cut(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// parseEnd reads the end of a range that starts on first: a whole date, a
// date without its year (the first on or after first: "4/1〜3/31" is a
// fiscal year), or a day of the month alone ("20", "20日", "20(金)": first's
// month, or the next).
func parseEnd(s string, first Date) (Date, error) {
	s, wd, hasWD := stripWeekday(dateText(s))
	s = strings.TrimSuffix(s, "日")
	if len(s) <= 2 && isDigits(s) {
		day, _ := strconv.Atoi(s)
		for i := range 2 {
			y, m := first.Year, first.Month+time.Month(i)
			if m > 12 {
				y, m = y+1, m-12
			}
			if d, ok := validDate(y, m, day); ok && !before(d, first) {
				if hasWD && weekday(d) != wd {
					return Date{}, fmt.Errorf("%s is a %s, not a %s", d, weekday(d), wd)
				}
				return d, nil
			}
		}
		return Date{}, fmt.Errorf("%q is not a day after %s", s, first)
	}
	if m, day, ok := yearless(s); ok {
		for y := first.Year; y <= first.Year+1; y++ {
			if d, ok := validDate(y, m, day); ok && !before(d, first) {
				if hasWD && weekday(d) != wd {
					return Date{}, fmt.Errorf("%s is a %s, not a %s", d, weekday(d), wd)
				}
				return d, nil
			}
		}
		return Date{}, fmt.Errorf("%q is not a date after %s", s, first)
	}
	if hasWD {
		s += "(" + wd.String() + ")"
	}
	return parseDate(s, first)
}

// stripWeekday is t (after dateText) without a weekday written after it,
// and that weekday: "11/20(金)", "11/20（金・祝）", "2026-11-20 Fri". A
// bracket of holiday marks alone ("(祝)") is dropped without a weekday.
func stripWeekday(t string) (string, time.Weekday, bool) {
	m := weekdaySuffix.FindStringSubmatchIndex(t)
	if m == nil {
		return t, 0, false
	}
	word := t[m[2]:m[3]]
	if m[4] >= 0 {
		word = t[m[4]:m[5]]
	} else if m[6] >= 0 {
		word = t[m[6]:m[7]]
	}
	word = strings.ToLower(strings.TrimSpace(word))
	// Holiday marks: "(月・祝)", "(祝)", "(月祝)", "(振休)".
	for _, mark := range []string{"・祝", "祝日", "祝", "・振休", "振休", "・休", "休"} {
		word = strings.TrimSuffix(word, mark)
	}
	word = strings.TrimSpace(strings.TrimSuffix(word, "."))
	if word == "" {
		return strings.TrimSpace(t[:m[0]]), 0, false
	}
	if wd, ok := weekdays[word]; ok {
		return strings.TrimSpace(t[:m[0]]), wd, true
	}
	return t, 0, false
}

var (
	// The forms of a date with its year, after dateText: separators all
	// the same.
	ymdPattern = regexp.MustCompile(`^(\d{4})([-/.])(\d{1,2})([-/.])(\d{1,2})$`)
	ymdKanji   = regexp.MustCompile(`^(\d{4})年(\d{1,2})月(\d{1,2})日?$`)
	// Without the year.
	mdPattern = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})$`)
	mdKanji   = regexp.MustCompile(`^(\d{1,2})月(\d{1,2})日?$`)
	// A weekday after the date: "(金)", "（金曜日）", "(Fri)", " Fri".
	weekdaySuffix = regexp.MustCompile(`(?i)\s*(\(\s*([^()]*?)\s*\)|\s([a-z]{3,9}\.?|[月火水木金土日](曜日?)?))$`)
)

// weekdays are the names a weekday suffix may use.
var weekdays = map[string]time.Weekday{}

func init() {
	ja := []string{"日", "月", "火", "水", "木", "金", "土"}
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		en := strings.ToLower(wd.String())
		weekdays[en] = wd
		weekdays[en[:3]] = wd
		weekdays[ja[wd]] = wd
		weekdays[ja[wd]+"曜"] = wd
		weekdays[ja[wd]+"曜日"] = wd
	}
	weekdays["tues"], weekdays["wed"], weekdays["thur"], weekdays["thurs"] = time.Tuesday, time.Wednesday, time.Thursday, time.Thursday
}

// dateText is a date cell as the date forms read it: full-width digits and
// punctuation made ASCII (Unicode NFKC, so "２０２６／１１／２０" and
// "11/20（金）" read as typed in half width), invisible characters removed,
// spaces trimmed.
func dateText(s string) string {
	return strings.TrimSpace(strings.Map(visible, norm.NFKC.String(s)))
}

// parseDate reads one date (see ParseDate): with its year, as a Sheets
// serial, or — when today is known — without its year ("11/20(金)",
// "11月20日"), taking the year that puts it nearest to today. A weekday
// written after the date must be the date's. Its errors quote s and say
// what is accepted.
func parseDate(s string, today Date) (Date, error) {
	t := dateText(s)
	if t == "" {
		return Date{}, errors.New("empty date")
	}
	if isDigits(t) || (strings.Count(t, ".") == 1 && isDigits(strings.Replace(t, ".", "", 1))) {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil || f < minSerial || f >= maxSerial+1 {
			return Date{}, fmt.Errorf("%q is not a date (as a Sheets date serial it is out of range); %s", s, DateForms)
		}
		return DateOf(serialEpoch.AddDate(0, 0, int(math.Floor(f)))), nil
	}
	t, named, hasName := stripWeekday(t)
	bad := fmt.Errorf("%q is not a date; %s", s, DateForms)
	var d Date
	if m := ymdPattern.FindStringSubmatch(t); m != nil && m[2] == m[4] {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[3])
		day, _ := strconv.Atoi(m[5])
		var ok bool
		if d, ok = validDate(y, time.Month(mo), day); !ok {
			return Date{}, bad
		}
	} else if m := ymdKanji.FindStringSubmatch(t); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		day, _ := strconv.Atoi(m[3])
		var ok bool
		if d, ok = validDate(y, time.Month(mo), day); !ok {
			return Date{}, bad
		}
	} else if mo, day, ok := yearless(t); ok {
		if today == (Date{}) {
			return Date{}, fmt.Errorf("%q has no year; write it as 2026/%d/%d", s, mo, day)
		}
		if d, ok = nearest(mo, day, today, named, hasName); !ok {
			return Date{}, bad
		}
	} else {
		return Date{}, bad
	}
	if hasName && weekday(d) != named {
		return Date{}, fmt.Errorf("%q: %s is a %s: correct the date or the weekday", s, d, weekday(d))
	}
	return d, nil
}

// yearless reads a date without its year, "11/20" or "11月20日" (after
// dateText, without a weekday).
func yearless(t string) (time.Month, int, bool) {
	m := mdPattern.FindStringSubmatch(t)
	if m == nil {
		m = mdKanji.FindStringSubmatch(t)
	}
	if m == nil {
		return 0, 0, false
	}
	mo, _ := strconv.Atoi(m[1])
	day, _ := strconv.Atoi(m[2])
	if mo < 1 || mo > 12 || day < 1 || day > 31 {
		return 0, 0, false
	}
	return time.Month(mo), day, true
}

// weekdayWindow bounds how far from today a written weekday may move a
// year-less date: far enough to settle the half-year either side, not so far
// that a wrong weekday sends this year's row a year back.
const weekdayWindow = 200

// nearest is month/day in the year that puts it nearest to today (last
// year, this year or next): read on 2026-12-28, "1/4" is 2027-01-04. With
// a weekday written beside it, the nearest year where it falls on that
// weekday, within weekdayWindow days ("6/1(火)" read on 2026-11-30 is
// 2027-06-01, the nearer 2026-06-01 being a Monday).
func nearest(m time.Month, day int, today Date, wd time.Weekday, hasWD bool) (Date, bool) {
	if hasWD {
		if d, ok := nearest(m, day, today, 0, false); ok && weekday(d) == wd {
			return d, true
		}
		var (
			best  Date
			found bool
		)
		for y := today.Year - 1; y <= today.Year+1; y++ {
			if d, ok := validDate(y, m, day); ok && weekday(d) == wd && abs(daysBetween(today, d)) <= weekdayWindow &&
				(!found || abs(daysBetween(today, d)) < abs(daysBetween(today, best))) {
				best, found = d, true
			}
		}
		if found {
			return best, true
		}
	}
	var (
		best  Date
		found bool
	)
	for y := today.Year - 1; y <= today.Year+1; y++ {
		d, ok := validDate(y, m, day)
		if !ok {
			continue
		}
		if !found || abs(daysBetween(today, d)) < abs(daysBetween(today, best)) {
			best, found = d, true
		}
	}
	return best, found
}

// validDate is the date y-m-d when it exists (no 2026-02-29).
func validDate(y int, m time.Month, day int) (Date, bool) {
	d := Date{y, m, day}
	if y < 1 || y > 9999 || DateOf(time.Date(y, m, day, 12, 0, 0, 0, time.UTC)) != d {
		return Date{}, false
	}
	return d, true
}

func (d Date) time() time.Time { return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC) }

// addDays is d moved by n days.
func addDays(d Date, n int) Date { return DateOf(d.time().AddDate(0, 0, n)) }

// daysBetween is the days from a to b (negative when b is before a).
func daysBetween(a, b Date) int {
	return int(math.Round(b.time().Sub(a.time()).Hours() / 24))
}

func before(a, b Date) bool { return daysBetween(a, b) > 0 }

func weekday(d Date) time.Weekday { return d.time().Weekday() }

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Serials accepted: 36526 (2000-01-01) to 73050 (2099-12-31). A rotation
// is never dated outside them, and a smaller number in column A is a week
// number, a year or a count ("47", "2026"), not a day of 1900.
const (
	minSerial = 36526
	maxSerial = 73050
)

var serialEpoch = time.Date(1899, time.December, 30, 12, 0, 0, 0, time.UTC)

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
