// Package rotation says who is on call on a given day. The rotation is kept
// by people in a sheet (tabs "rotation" and "members"); Source implementations
// read those tabs and Parse turns them into a Roster, so every source behaves
// the same.
package rotation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Member is one person who can be on call, with their handle in each chat.
// Handles may be empty: a member without a handle is shown by Name.
type Member struct {
	Name     string
	Slack    string // Slack user ID, e.g. U012AB3CD
	Typetalk string // Typetalk account name
	Email    string
	// PagerDuty is the member's name in PagerDuty (the members tab's
	// optional pagerduty column) when it differs from Name: the weekly
	// digest shows their acknowledgements under Name.
	PagerDuty string
	// Roles is the members tab's optional role column, its roles
	// lower-cased and joined by commas ("lead,major"): "lead" makes the
	// member the escalation ladder's step after the backups (Roster.Leads).
	// A string, so that a Member stays comparable.
	Roles string `json:",omitempty"`
	// Chatwork is the member's Chatwork account ID (digits; the members
	// tab's chatwork column), mentioned as [To:ID].
	Chatwork string `json:",omitempty"`
	// GoogleChat is the member's Google Chat user ("users/123456789"; the
	// googlechat column), mentioned as <users/…>.
	GoogleChat string `json:",omitempty"`
	// Teams is the member's Microsoft Entra ID user principal name
	// ("tanaka@example.co.jp"; the teams column; empty: Email), mentioned
	// in a Teams card.
	Teams string `json:",omitempty"`
}

// TeamsID is who m is in Teams: Teams, else Email; "" for neither.
func (m Member) TeamsID() string {
	if m.Teams != "" {
		return m.Teams
	}
	return m.Email
}

// HasRole reports whether m has role r (RoleLead or RoleMajor; each has its
// Japanese names too: リーダー counts as lead, 重大インシデント as major).
func (m Member) HasRole(r string) bool {
	for have := range strings.SplitSeq(m.Roles, ",") {
		if have == r || slices.Contains(roleNames[r], have) {
			return true
		}
	}
	return false
}

// The members tab roles pd2chat knows (other roles are kept and mean
// nothing to it).
const (
	// RoleLead is the escalation ladder's lead.
	RoleLead = "lead"
	// RoleMajor is invited to every major incident's channel (package
	// major).
	RoleMajor = "major"
)

// roleNames are the other names a role is written with in the sheet.
var roleNames = map[string][]string{
	RoleLead:  {"leader", "リーダー", "リード", "責任者"},
	RoleMajor: {"重大インシデント", "重大", "メジャー"},
}

// Date is a calendar day, without time or zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf is the calendar day of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// Weekday is d's day of the week.
func (d Date) Weekday() time.Weekday { return weekday(d) }

// AddDays is the calendar day n days after d (before it when n < 0).
func (d Date) AddDays(n int) Date { return addDays(d, n) }

// Before reports whether d is an earlier day than e.
func (d Date) Before(e Date) bool {
	if d.Year != e.Year {
		return d.Year < e.Year
	}
	if d.Month != e.Month {
		return d.Month < e.Month
	}
	return d.Day < e.Day
}

// String formats d as 2006-01-02.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Source gives the current roster.
type Source interface {
	Roster(ctx context.Context) (*Roster, error)
}
