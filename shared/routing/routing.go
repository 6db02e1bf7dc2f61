// Package routing decides where an incident's messages go when one
// deployment serves several developer teams (ROUTES): rules separated by
// ";", each "CONDITIONS -> DESTINATIONS [OPTIONS]", the first match wins.
//
//	service=checkout-api|payments -> slack:C111 rotation=rotation_payments;
//	urgency=low -> slack:C222 nomention;
//	* -> slack:C000
//
// CONDITIONS is "*" or key=value pairs joined by "," (all must hold); a
// value may list alternatives with "|". Keys: service (PagerDuty service
// name or ID), urgency, priority, team (a team's name or ID); values match
// without regard to case. DESTINATIONS is the ALERT_DESTINATIONS syntax
// (a comma list). OPTIONS: nomention (nobody is mentioned for these
// incidents, and no follow-up), rotation=TAB (the on-call people come from
// that tab of the sheet). The last rule must be "*", so that no incident
// matches nothing.
package routing

import (
	"fmt"
	"slices"
	"strings"

	"github.com/pd2chat/pd2chat/shared/incident"
)

// Route is one rule.
type Route struct {
	Text         string      // the rule as written, trimmed: what an incident remembers
	Conds        []Condition // all must hold; none: "*"
	Destinations []string    // "slack:C111", as ALERT_DESTINATIONS
	NoMention    bool        // nomention
	RotationTab  string      // rotation=TAB; "": the rotation tab
}

// Condition is one key=value|value… of a rule.
type Condition struct {
	Key    string   // service, urgency, priority or team
	Values []string // lower case
}

// Keys are the condition keys.
var Keys = []string{"service", "urgency", "priority", "team"}

// Parse reads ROUTES. destination validates one destination
// ("Slack:C111"), as ALERT_DESTINATIONS does, and gives it as the
// destinations are named ("slack:C111"). Every problem is returned, each
// naming its rule ("rule 2 (urgency=low -> …)").
func Parse(spec string, destination func(string) (string, error)) ([]Route, []error) {
	var (
		routes []Route
		errs   []error
	)
	var rules []string
	for r := range strings.SplitSeq(spec, ";") {
		if r = strings.TrimSpace(r); r != "" {
			rules = append(rules, r)
		}
	}
	for i, text := range rules {
		fail := func(format string, args ...any) {
			errs = append(errs, fmt.Errorf("rule %d (%s): %s", i+1, text, fmt.Sprintf(format, args...)))
		}
		conds, rest, ok := strings.Cut(text, "->")
		if !ok {
			fail(`no "->": a rule is CONDITIONS -> DESTINATIONS [OPTIONS]`)
			continue
		}
		r := Route{Text: text}
		if c := strings.TrimSpace(conds); c != "*" {
			for part := range strings.SplitSeq(c, ",") {
				key, values, ok := strings.Cut(strings.TrimSpace(part), "=")
				key = strings.ToLower(strings.TrimSpace(key))
				if !ok || !slices.Contains(Keys, key) {
					fail("%q is not a condition (service=…, urgency=…, priority=… or team=…, or * alone)", strings.TrimSpace(part))
					continue
				}
				cond := Condition{Key: key}
				for v := range strings.SplitSeq(values, "|") {
					if v = strings.ToLower(strings.TrimSpace(v)); v != "" {
						cond.Values = append(cond.Values, v)
					}
				}
				if len(cond.Values) == 0 {
					fail("%s= has no value", key)
					continue
				}
				r.Conds = append(r.Conds, cond)
			}
		}
		for _, field := range strings.Fields(rest) {
			switch {
			case field == "nomention":
				r.NoMention = true
			case strings.HasPrefix(field, "rotation="):
				r.RotationTab = strings.TrimPrefix(field, "rotation=")
				if r.RotationTab == "" {
					fail("rotation= names no tab")
				}
			default:
				for d := range strings.SplitSeq(field, ",") {
					if d = strings.TrimSpace(d); d == "" {
						continue
					}
					name, err := destination(d)
					if err != nil {
						fail("%v", err)
						continue
					}
					if !slices.Contains(r.Destinations, name) {
						r.Destinations = append(r.Destinations, name)
					}
				}
			}
		}
		if len(r.Destinations) == 0 {
			fail("no destination")
		}
		routes = append(routes, r)
	}
	switch {
	case len(rules) == 0:
		errs = append(errs, fmt.Errorf("no rule"))
	case len(routes) > 0 && len(routes[len(routes)-1].Conds) != 0:
		errs = append(errs, fmt.Errorf(`the last rule must be "* -> …", so that no incident matches nothing`))
	}
	return routes, errs
}

// Match is the first route inc matches. inc's service name and ID, its
// urgency, priority and teams are compared without regard to case; a
// condition on a field inc does not carry does not hold. With a last "*"
// rule (Parse makes sure) something always matches; ok is false only for
// no routes.
func Match(routes []Route, inc incident.Incident) (Route, bool) {
	for _, r := range routes {
		if matches(r, inc) {
			return r, true
		}
	}
	return Route{}, false
}

// ByText is the route written as text, when the rules still have it.
func ByText(routes []Route, text string) (Route, bool) {
	for _, r := range routes {
		if r.Text == text {
			return r, true
		}
	}
	return Route{}, false
}

func matches(r Route, inc incident.Incident) bool {
	for _, c := range r.Conds {
		var have []string
		switch c.Key {
		case "service":
			have = []string{inc.Service.Name, inc.Service.ID}
		case "urgency":
			have = []string{inc.Urgency}
		case "priority":
			have = []string{inc.Priority}
		case "team":
			have = inc.Teams
		}
		if !slices.ContainsFunc(have, func(h string) bool {
			return h != "" && slices.Contains(c.Values, strings.ToLower(strings.TrimSpace(h)))
		}) {
			return false
		}
	}
	return true
}
