package locale

import (
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// entries are a catalog's messages by ID.
func entries(t *testing.T, l Language) map[string]*i18n.Message {
	t.Helper()
	buf, err := catalogs.ReadFile("catalog/" + l.String() + ".toml")
	if err != nil {
		t.Fatal(err)
	}
	f, err := i18n.ParseMessageFileBytes(buf, l.String()+".toml", map[string]i18n.UnmarshalFunc{"toml": tomlUnmarshal})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*i18n.Message{}
	for _, m := range f.Messages {
		out[m.ID] = m
	}
	return out
}

// TestCatalogsMatch: both catalogs hold the same texts, each with the
// same values ({{.Name}}; a date may use other parts of the date), and
// every English plural text has both forms.
func TestCatalogsMatch(t *testing.T) {
	en, ja := entries(t, English), entries(t, Japanese)
	if len(en) < 150 {
		t.Fatalf("the English catalog has %d texts", len(en))
	}
	for _, id := range slices.Sorted(maps.Keys(en)) {
		j, ok := ja[id]
		if !ok {
			t.Errorf("ja.toml lacks %q", id)
			continue
		}
		if e := en[id]; e.One != "" && e.Other == "" {
			t.Errorf("%q: a plural text without its other form", id)
		}
		if got, want := values(j.Other), values(en[id].Other); !strings.HasPrefix(id, "date.") && !slices.Equal(got, want) {
			t.Errorf("%q: ja uses %v, en %v", id, got, want)
		}
	}
	for id := range ja {
		if _, ok := en[id]; !ok {
			t.Errorf("ja.toml has %q, which en.toml lacks", id)
		}
	}
}

// values are the template values a text uses, sorted: [.After .By].
func values(s string) []string {
	var out []string
	for rest := s; ; {
		i := strings.Index(rest, "{{")
		if i < 0 {
			break
		}
		j := strings.Index(rest[i:], "}}")
		for _, f := range strings.Fields(rest[i+2 : i+j]) {
			if strings.HasPrefix(f, ".") && !slices.Contains(out, f) {
				out = append(out, f)
			}
		}
		rest = rest[i+j:]
	}
	slices.Sort(out)
	return out
}

func TestParse(t *testing.T) {
	for in, want := range map[string]Language{
		"": English, "en": English, "EN-us": English, "ja": Japanese, "ja-JP": Japanese, " ja ": Japanese,
		// GNU gettext's LANGUAGE, as Linux desktops set it
		"ja_JP:ja": Japanese, "en_US:en": English, "ja_JP.UTF-8": Japanese, "fr_FR:ja": Japanese, "C": English, "de@euro:en": English,
	} {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"jp", "fr", "fr_FR:fr", "日本語", "x", ":"} {
		if _, err := Parse(in); err == nil || !strings.Contains(err.Error(), "use en or ja") {
			t.Errorf("Parse(%q): %v", in, err)
		}
	}
	if English.String() != "en" || Japanese.String() != "ja" || Language(9).String() != "Language(9)" {
		t.Error("String")
	}
}

func TestTexts(t *testing.T) {
	cases := []struct {
		got, want string
	}{
		{English.T("kind.resolved"), "Resolved"},
		{Japanese.T("kind.resolved"), "解決"},
		{English.N("ago.days", 1), "1 day ago"},
		{English.N("ago.days", 3), "3 days ago"},
		{Japanese.N("ago.days", 3), "3日前"},
		{English.T("headline.by_after", "By", "Tanaka", "After", "4m"), " by Tanaka after 4m"},
		{Japanese.T("headline.by_after", "By", "田中", "After", "4分"), " （田中、4分後）"},
		{Japanese.T("headline.by_after", "By", "", "After", ""), ""},
		{English.T("no.such.text"), "no.such.text"}, // never lost
		{Language(9).T("kind.resolved"), "Resolved"},
	}
	for i, c := range cases {
		if c.got != c.want {
			t.Errorf("%d: %q, want %q", i, c.got, c.want)
		}
	}
}

// TestHolidayNames: every Japanese public holiday of 2025–2027, and the
// substitute and citizens' holidays, have their Japanese names; English
// keeps the name.
func TestHolidayNames(t *testing.T) {
	jp := workday.JP()
	n := 0
	for d := rotation.DateOf(time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)); d.Year < 2028; d = d.AddDays(1) {
		name, ok := jp.IsHoliday(d)
		if !ok {
			continue
		}
		n++
		if got := Japanese.Holiday(name); got == name || got == "" {
			t.Errorf("%v %q has no Japanese name", d, name)
		}
		if got := English.Holiday(name); got != name {
			t.Errorf("English.Holiday(%q) = %q", name, got)
		}
	}
	if n < 48 {
		t.Errorf("%d holidays in three years", n)
	}
	for name, want := range map[string]string{
		"Labor Thanksgiving Day":                "勤労感謝の日",
		"Substitute holiday for Children's Day": "振替休日",
		"Citizens' holiday":                     "国民の休日",
		"Company holiday":                       "会社の休日",
		"創立記念日":                                 "創立記念日", // a company's own name, as written
	} {
		if got := Japanese.Holiday(name); got != want {
			t.Errorf("Japanese.Holiday(%q) = %q, want %q", name, got, want)
		}
	}
}

// TestTextsAreInert: the catalogs' own words never hold a character that
// means something in a chat (&, <, >, @, #, and their full-width forms):
// they are written into messages as they are (see package message).
func TestTextsAreInert(t *testing.T) {
	for _, l := range []Language{English, Japanese} {
		for id, m := range entries(t, l) {
			for _, form := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
				words := form
				for {
					i := strings.Index(words, "{{")
					if i < 0 {
						break
					}
					j := strings.Index(words[i:], "}}")
					words = words[:i] + words[i+j+2:]
				}
				if strings.ContainsAny(words, "&<>@#＠＃﹫﹟") {
					t.Errorf("%v %q: %q", l, id, form)
				}
			}
		}
	}
}
