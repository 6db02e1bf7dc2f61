package rotation

import (
	"fmt"
	"strings"
	"testing"
)

// sheetOf is a rotation tab of n dated rows, each with the given cells.
func sheetOf(n int, cells ...string) [][]string {
	rows := [][]string{append([]string{"date"}, make([]string, len(cells))...)}
	for i := range n {
		d := addDays(Date{2026, 1, 1}, i%3000)
		rows = append(rows, append([]string{fmt.Sprintf("%d/%d/%d", d.Year, d.Month, d.Day)}, cells...))
	}
	return rows
}

// BenchmarkParseTabs measures the parser on a realistic sheet (the floor)
// and on hostile ones: a thousand columns of names, a huge date cell. The
// hostile ones should stay within a small multiple of the floor per row.
func BenchmarkParseTabs(b *testing.B) {
	members := [][]string{{"name"}, {"Sato"}, {"Suzuki"}}
	wide := make([]string, 1000)
	for i := range wide {
		wide[i] = "Sato・Suzuki・Nobody"
	}
	for _, bc := range []struct {
		name string
		rows [][]string
	}{
		{"floor/3000x2", sheetOf(3000, "Sato", "Suzuki")},
		{"wide/3000x1000", sheetOf(3000, wide...)},
		{"long-date-cell", [][]string{{"date", "oncall"}, {"2026/11/20" + strings.Repeat("-", 50000), "Sato"}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ParseTabs(Tabs{Rotation: bc.rows, Members: members, Today: Date{2026, 11, 30}})
			}
		})
	}
}

// A sheet pasted wrong lists MaxProblems problems and counts the rest.
func TestProblemsCapped(t *testing.T) {
	_, problems := ParseTabs(Tabs{Rotation: sheetOf(2000, "Nobody"), Members: [][]string{{"name"}, {"Sato"}}, Today: Date{2026, 11, 30}})
	if len(problems) != MaxProblems+1 {
		t.Fatalf("%d problems, want %d and a count", len(problems), MaxProblems+1)
	}
	if last := problems[MaxProblems].Error(); !strings.Contains(last, "more problems, not listed") {
		t.Errorf("last problem %q does not count the rest", last)
	}
}
