package rotation

import (
	"slices"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// visible maps the characters a pasted name hides to nothing (zero-width
// spaces and joiners, the byte order mark, soft hyphens, bidi marks) and
// every other space (no-break, ideographic U+3000, tabs, newlines) to ' ',
// for strings.Map.
func visible(r rune) rune {
	switch r {
	case '\u200b', '\u200c', '\u200d', '\u2060', '\ufeff', '\u00ad', '\u200e', '\u200f', '\u180e':
		return -1
	}
	if unicode.IsSpace(r) {
		return ' '
	}
	if unicode.Is(unicode.Cf, r) { // other format characters: invisible too
		return -1
	}
	return r
}

// clean is a cell's text as shown: invisible characters removed, spaces
// trimmed and runs of spaces made one.
func clean(s string) string {
	return strings.Join(strings.Fields(strings.Map(visible, s)), " ")
}

var fold = cases.Fold()

// normalize is how names, keywords and titles are compared: Unicode NFKC
// (full-width "Ｔａｎａｋａ" reads as "Tanaka", half-width katakana as
// full-width), invisible characters removed, runs of spaces made one,
// case folded (Unicode default case folding).
func normalize(s string) string {
	return fold.String(clean(norm.NFKC.String(s)))
}

// nameKey is a name as names are matched: normalize, without a leading
// '@' (a handle pasted from chat) and without spaces ("田中 太郎" and
// "田中太郎" are one person).
func nameKey(name string) string {
	return strings.ReplaceAll(strings.TrimPrefix(normalize(name), "@"), " ", "")
}

// formulaErrors are the texts Google Sheets (and Excel) show in a cell
// whose formula failed.
var formulaErrors = map[string]bool{
	"#N/A": true, "#REF!": true, "#VALUE!": true, "#NAME?": true, "#ERROR!": true,
	"#DIV/0!": true, "#NUM!": true, "#NULL!": true, "#SPILL!": true, "#CALC!": true,
}

// isFormulaError reports whether a cleaned cell is a formula's error.
func isFormulaError(s string) bool { return formulaErrors[strings.ToUpper(norm.NFKC.String(s))] }

// withoutComments is s without its parenthesised comments: "Tanaka (swap
// with sato)" is "Tanaka", "田中（代理）" is "田中". Full-width brackets
// count (s is NFKC-normalised first).
func withoutComments(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '(' || r == '[' || r == '【':
			depth++
		case (r == ')' || r == ']' || r == '】') && depth > 0:
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// maxNamesCell bounds the cell splitNames splits: longer text is no list
// of names.
const maxNamesCell = 512

// nameSeparators split a cell that names several people: "田中・鈴木",
// "Sato, Ito", "Sato / Ito", "Sato & Ito", "Sato and Ito" (after NFKC,
// so "、" and "，" count too).
var nameSeparators = strings.NewReplacer(
	"・", "\x00", "、", "\x00", ",", "\x00", "/", "\x00", "&", "\x00", ";", "\x00", "\n", "\x00", "\r", "\x00",
	" and ", "\x00", " AND ", "\x00", " And ", "\x00",
)

// splitNames is the parts of a cell that may name several people, empty
// parts dropped; nil when s has no separator.
func splitNames(s string) []string {
	if len(s) > maxNamesCell {
		return nil
	}
	sep := nameSeparators.Replace(norm.NFKC.String(s))
	if !strings.Contains(sep, "\x00") {
		return nil
	}
	var out []string
	for part := range strings.SplitSeq(sep, "\x00") {
		if part = clean(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// matchPeople is the members a rotation cell names: the whole cell (its
// parenthesised comments aside) naming one member, or every part of a cell
// that names several (splitNames) naming one each. ok is false when the
// cell names nobody known: then the cell is shown as written.
func matchPeople(cell string, members map[string]Member) (ms []Member, ok bool) {
	name := withoutComments(cell)
	if m, found := members[nameKey(name)]; found {
		return []Member{m}, true
	}
	// Split the cell as typed: a line break (Alt+Enter) separates names.
	parts := splitNames(strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' {
			return r
		}
		return visible(r)
	}, name))
	if len(parts) == 0 {
		return nil, false
	}
	for _, part := range parts {
		m, found := members[nameKey(part)]
		if !found {
			return nil, false
		}
		ms = append(ms, m)
	}
	return ms, true
}

// SameName reports whether a and b name the same person as the sheet's
// names are matched: Unicode width, case, spaces and a leading '@' aside
// ("田中 太郎" is "田中太郎", "ｔａｎａｋａ" is "Tanaka").
func SameName(a, b string) bool { return nameKey(a) != "" && nameKey(a) == nameKey(b) }

// roles reads a role cell: "Lead, major" is "lead,major".
func roles(s string) string {
	var out []string
	for _, f := range strings.FieldsFunc(normalize(s), func(r rune) bool {
		return r == ',' || r == '/' || r == '・' || r == '、' || r == ';'
	}) {
		if f = strings.TrimSpace(f); f != "" && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	return strings.Join(out, ",")
}
