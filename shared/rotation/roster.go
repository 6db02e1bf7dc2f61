package rotation

import (
	"regexp"
	"slices"
	"strings"
	"time"
)

// Roster is one snapshot of the sheet: the members, who is on call on each
// date, the company holidays, the runbook links, and the problems found in
// the sheet. It is immutable once built by ParseTabs and safe for
// concurrent reads; the methods return copies. A nil *Roster is an empty
// roster.
type Roster struct {
	members  []Member
	days     map[Date][]Member
	backups  map[Date][]Member // the rotation tab's backup column, per date
	holidays map[Date]string   // the holidays tab: date → name
	runbooks []runbook         // the runbooks tab, in sheet order
	problems []error

	// unmatched is, per date, the rotation cells (or parts) that name no
	// member, as written (without invisible characters).
	unmatched map[Date][]string

	// Set on a copy by Cache when it serves this roster because the source
	// fails: when the roster was read, and why it could not be read since.
	readAt  time.Time
	readErr error
}

// Unmatched is the text of day d's rotation cells that name no member of
// the members tab ("休み", "#N/A", "Tanaka (swap)" with no member Tanaka),
// as written without invisible characters, in column order; nil when every
// name matched. Each is also one of Problems. The people in OnCall(d) are
// only the matched ones.
func (r *Roster) Unmatched(d Date) []string {
	if r == nil {
		return nil
	}
	return slices.Clone(r.unmatched[d])
}

// Vacancy is why a day has nobody on call, or Staffed.
type Vacancy int

// The vacancies of Roster.Vacancy.
const (
	Staffed       Vacancy = iota // someone on call
	NoRow                        // no row covers the day
	EmptyRow                     // the day's row names nobody
	OnlyUnmatched                // the day's row names only text that matches no member (Unmatched)
)

// Vacancy says whether anyone is on call on day d, and if not, why: the
// one rule behind an alert's "Nobody mentioned: …" and the check's
// unstaffed days.
func (r *Roster) Vacancy(d Date) Vacancy {
	switch {
	case len(r.OnCall(d)) > 0:
		return Staffed
	case !r.Scheduled(d):
		return NoRow
	case len(r.Unmatched(d)) > 0:
		return OnlyUnmatched
	}
	return EmptyRow
}

// Stale reports whether r is an old read served because the source now
// fails: since is when r was read, err why it could not be read again.
// A fresh roster gives the zero time and nil.
func (r *Roster) Stale() (since time.Time, err error) {
	if r == nil {
		return time.Time{}, nil
	}
	return r.readAt, r.readErr
}

// stale is a copy of r marked as read at readAt and failing since with err.
func (r *Roster) stale(readAt time.Time, err error) *Roster {
	out := *r
	out.readAt, out.readErr = readAt, err
	return &out
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

// Backups is day d's backups (the rotation tab's backup column): not on
// call, the escalation ladder's step after the pair; nil for none.
func (r *Roster) Backups(d Date) []Member {
	if r == nil {
		return nil
	}
	return slices.Clone(r.backups[d])
}

// Leads is the members whose role (the members tab's role column) is
// lead: the escalation ladder's step after the backups.
func (r *Roster) Leads() []Member {
	if r == nil {
		return nil
	}
	var out []Member
	for _, m := range r.members {
		if m.HasRole(RoleLead) {
			out = append(out, m)
		}
	}
	return out
}

// Members is the members tab, in sheet order.
func (r *Roster) Members() []Member {
	if r == nil {
		return nil
	}
	return slices.Clone(r.members)
}

// Member is the member a PagerDuty user is, by their name in PagerDuty
// ("Hanako Suzuki"): the members tab's pagerduty column when a member has
// it, else the member's name matched like the sheet's names (case, width
// and spaces ignored): the whole name, in either order of its words ("Ito
// Mika" is "Mika Ito"), or else one of its words ("Suzuki" is "Hanako
// Suzuki"; a word two members share matches neither).
func (r *Roster) Member(pagerDutyName string) (Member, bool) {
	if r == nil || strings.TrimSpace(pagerDutyName) == "" {
		return Member{}, false
	}
	key := nameKey(pagerDutyName)
	for _, m := range r.members {
		if m.PagerDuty != "" && nameKey(m.PagerDuty) == key {
			return m, true
		}
	}
	words := strings.Fields(normalize(pagerDutyName))
	reversed := slices.Clone(words)
	slices.Reverse(reversed)
	for _, k := range []string{key, strings.Join(reversed, "")} { // "Mika Ito" is "Ito Mika"
		for _, m := range r.members {
			if m.Name != "" && nameKey(m.Name) == k {
				return m, true
			}
		}
	}
	var found []Member
	for _, word := range words {
		for _, m := range r.members {
			if m.Name != "" && nameKey(m.Name) == nameKey(word) && !slices.ContainsFunc(found, func(f Member) bool { return f.Name == m.Name }) {
				found = append(found, m)
			}
		}
	}
	if len(found) == 1 {
		return found[0], true
	}
	return Member{}, false
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

// Runbook is one row of the runbooks tab: a link to show on the alerts
// that Match matches.
type Runbook struct {
	Match string // as written in the sheet: a keyword, or /regexp/
	URL   string // an absolute http(s) URL, percent-encoded where needed
	Note  string // the link's text; may be empty
}

// runbook is a Runbook ready to match: a keyword (as matchKey gives it) or
// a regular expression.
type runbook struct {
	Runbook
	keyword string
	re      *regexp.Regexp
}

// MaxRunbooks is how many runbooks Runbooks gives at most.
const MaxRunbooks = 3

// Runbooks is the runbooks whose match matches an alert with this title or
// service name, in sheet order, at most MaxRunbooks; a URL that two rows
// match is given once. A keyword matches when the title or the service
// name contains it, ignoring case and repeated spaces; a /regexp/ when it
// matches the title or the service name, ignoring case. Empty fields match
// nothing.
func (r *Roster) Runbooks(title, service string) []Runbook {
	if r == nil || len(r.runbooks) == 0 || title == "" && service == "" {
		return nil
	}
	titleKey, serviceKey := matchKey(title), matchKey(service)
	var out []Runbook
	for i := range r.runbooks {
		rb := &r.runbooks[i]
		var ok bool
		if rb.re != nil {
			ok = title != "" && rb.re.MatchString(title) || service != "" && rb.re.MatchString(service)
		} else {
			ok = titleKey != "" && strings.Contains(titleKey, rb.keyword) || serviceKey != "" && strings.Contains(serviceKey, rb.keyword)
		}
		if !ok || slices.ContainsFunc(out, func(o Runbook) bool { return o.URL == rb.URL }) {
			continue
		}
		out = append(out, rb.Runbook)
		if len(out) == MaxRunbooks {
			break
		}
	}
	return out
}

// matchKey is how keywords and titles are compared (normalize): width,
// case and runs of spaces do not matter.
func matchKey(s string) string { return normalize(s) }

// Problems is the problems ParseTabs found in the sheet when it built r,
// each a *CellError such as `rotation!A17: "2026-13-01" is not a date`, in
// the order ParseTabs returned them; nil for a clean sheet.
func (r *Roster) Problems() []error {
	if r == nil {
		return nil
	}
	return slices.Clone(r.problems)
}
