package routing_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/pd2chat/pd2chat/shared/incident"
	"github.com/pd2chat/pd2chat/shared/routing"
)

func checkDest(d string) (string, error) {
	d = strings.ToLower(d[:min(len(d), 6)]) + d[min(len(d), 6):] // "Slack:" → "slack:"
	if !strings.HasPrefix(d, "slack:C") && !strings.HasPrefix(d, "typetalk:") && d != "console" {
		return d, errors.New(d + " is not a destination")
	}
	return d, nil
}

const example = "service=checkout-api|payments -> slack:C111 rotation=rotation_payments; urgency=low -> slack:C222,typetalk:7 nomention; * -> slack:C000"

func TestParse(t *testing.T) {
	routes, errs := routing.Parse(example, checkDest)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(routes) != 3 {
		t.Fatalf("%+v", routes)
	}
	r := routes[0]
	if r.Text != "service=checkout-api|payments -> slack:C111 rotation=rotation_payments" || r.RotationTab != "rotation_payments" ||
		len(r.Conds) != 1 || r.Conds[0].Key != "service" || strings.Join(r.Conds[0].Values, "|") != "checkout-api|payments" ||
		strings.Join(r.Destinations, ",") != "slack:C111" || r.NoMention {
		t.Errorf("rule 1: %+v", r)
	}
	if r := routes[1]; !r.NoMention || strings.Join(r.Destinations, ",") != "slack:C222,typetalk:7" {
		t.Errorf("rule 2: %+v", r)
	}
	if r := routes[2]; len(r.Conds) != 0 || r.Destinations[0] != "slack:C000" {
		t.Errorf("rule 3: %+v", r)
	}
}

func TestParseProblems(t *testing.T) {
	for _, tc := range []struct{ spec, want string }{
		{"", "no rule"},
		{"urgency=low -> slack:C1", `the last rule must be "* -> …"`},
		{"urgency=low slack:C1; * -> slack:C0", `rule 1 (urgency=low slack:C1): no "->"`},
		{"colour=red -> slack:C1; * -> slack:C0", `rule 1 (colour=red -> slack:C1): "colour=red" is not a condition`},
		{"urgency= -> slack:C1; * -> slack:C0", "urgency= has no value"},
		{"urgency=low -> nowhere; * -> slack:C0", "nowhere is not a destination"},
		{"urgency=low -> nomention; * -> slack:C0", "rule 1 (urgency=low -> nomention): no destination"},
		{"urgency=low -> slack:C1 rotation=; * -> slack:C0", "rotation= names no tab"},
	} {
		_, errs := routing.Parse(tc.spec, checkDest)
		if err := errors.Join(errs...); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %q", tc.spec, err, tc.want)
		}
	}
}

func TestMatch(t *testing.T) {
	routes, errs := routing.Parse(example+"", checkDest)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	routes = append([]routing.Route{}, routes...)
	withTeam, errs := routing.Parse("team=Checkout,priority=P1 -> slack:C9; * -> slack:C0", checkDest)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	for _, tc := range []struct {
		routes []routing.Route
		inc    incident.Incident
		want   string
	}{
		{routes, incident.Incident{Service: incident.Service{Name: "Payments"}, Urgency: "low"}, "slack:C111"}, // first match wins, any case
		{routes, incident.Incident{Service: incident.Service{ID: "PSVC1", Name: "orders"}, Urgency: "low"}, "slack:C222"},
		{routes, incident.Incident{Service: incident.Service{Name: "orders"}, Urgency: "high"}, "slack:C000"},
		{routes, incident.Incident{ID: "Q1"}, "slack:C000"}, // a reference only: the catch-all
		{withTeam, incident.Incident{Teams: []string{"Checkout", "PTEAM01"}, Priority: "P1"}, "slack:C9"},
		{withTeam, incident.Incident{Teams: []string{"Checkout"}, Priority: "P2"}, "slack:C0"}, // all conditions must hold
	} {
		r, ok := routing.Match(tc.routes, tc.inc)
		if !ok || r.Destinations[0] != tc.want {
			t.Errorf("%+v → %+v, want %s", tc.inc, r, tc.want)
		}
	}
	if r, ok := routing.ByText(routes, routes[1].Text); !ok || r.Text != routes[1].Text {
		t.Errorf("ByText: %+v %v", r, ok)
	}
}
