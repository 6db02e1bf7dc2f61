package rotation

import (
	"slices"
	"strings"
)

// Roster is one snapshot of the sheet: the members, who is on call on each
// date, the company holidays, and the problems found in the sheet. It is
// immutable once built by ParseTabs and safe for concurrent reads; the
// methods return copies. A nil *Roster is an empty roster.
type Roster struct {
	members  []Member
	days     map[Date][]Member
	holidays map[Date]string // the holidays tab: date → name
	problems []error
}

// OnCall is the people on call on day d, in the sheet's column order.
// A name found in the members tab comes back as that member (matched
// ignoring case and repeated spaces, with the members tab's spelling); any
// other name comes back as Member{Name: name}, so it is still shown, as
// plain text. A date missing from the sheet, or a row without names, gives
// nobody (nil).
func (r *Roster) OnCall(d Date) []Member {
	if r == nil {
		return nil
	}
	return slices.Clone(r.days[d])
}

// Members is the members tab, in sheet order.
func (r *Roster) Members() []Member {
	if r == nil {
		return nil
	}
	return slices.Clone(r.members)
}

// Scheduled reports whether the rotation tab has a row for d (even one
// without names).
func (r *Roster) Scheduled(d Date) bool {
	if r == nil {
		return false
	}
	_, ok := r.days[d]
	return ok
}

// nameKey is how names are matched: case and runs of spaces (including the
// full-width space U+3000) do not matter.
func nameKey(name string) string {
	return strings.ToLower(strings.Join(strings.Fields(name), " "))
}

// IsHoliday reports whether d is a company day off listed in the holidays
// tab, and its name there ("Company holiday" when the row names none).
// With this method a *Roster is a workday.Holidays.
func (r *Roster) IsHoliday(d Date) (name string, ok bool) {
	if r == nil {
		return "", false
	}
	name, ok = r.holidays[d]
	return name, ok
}

// Problems is the problems ParseTabs found in the sheet when it built r,
// each a *CellError such as `rotation!A17: "2026-13-01" is not a date`, in
// the order ParseTabs returned them; nil for a clean sheet.
func (r *Roster) Problems() []error {
	if r == nil {
		return nil
	}
	return slices.Clone(r.problems)
}
