package rotation

import (
	"errors"
	"strings"
	"testing"
)

// FuzzParseTabs feeds ParseTabs sheets made of arbitrary cells: it never
// panics, every problem names a cell, and every person on call is a member
// of the members tab.
func FuzzParseTabs(f *testing.F) {
	f.Add("週,担当1,備考\n2026/11/16(月),Sato・Ito,x\n11/18,#N/A,\n", "name\nSato\nIto\n")
	f.Add("2026年度\ndate,primary\n2026/11/16〜20,Ｓａｔｏ (swap)\n2026/12/28〜1/4,Ito\n", "名前\nSato\nIto\n")
	f.Add("date,a\n46346,\u200bSato\ufeff\n11/16-11/20,Sato, Ito\n", "Sato\nIto\n")
	f.Fuzz(func(t *testing.T, rotation, members string) {
		rows := func(s string) [][]string {
			var out [][]string
			for line := range strings.SplitSeq(s, "\n") {
				out = append(out, strings.Split(line, ","))
			}
			return out
		}
		r, problems := ParseTabs(Tabs{Rotation: rows(rotation), Members: rows(members), Holidays: rows(rotation), Today: Date{2026, 11, 30}})
		for _, p := range problems {
			var ce *CellError
			if !errors.As(p, &ce) || ce.Row < 1 || ce.Col < 1 {
				t.Fatalf("problem %q does not name a cell", p)
			}
		}
		known := map[string]bool{}
		for _, m := range r.Members() {
			known[m.Name] = true
		}
		if len(r.days) > 200*maxSpan {
			t.Fatalf("%d days from %d bytes", len(r.days), len(rotation))
		}
		for d, ms := range r.days {
			for _, m := range ms {
				if !known[m.Name] {
					t.Fatalf("%s: %q is on call but not a member", d, m.Name)
				}
			}
		}
	})
}
