// Package locale is the language pd2chat writes in: the catalogs of every
// text people read (chat messages, reminders, the digest, Slack answers, the
// rotation check), and how dates and durations are written in each
// language.
//
// The texts are in embedded TOML catalogs, catalog/en.toml and
// catalog/ja.toml, read with github.com/nicksnyder/go-i18n/v2: one entry per
// text, a Go text/template where values go ({{.Name}}), and CLDR plural
// forms (one/other in English; Japanese has only other) where a count
// decides the words. Both catalogs hold the same entries (a test checks it);
// a text missing from one language falls back to English, and one missing
// from both is written as its ID, so a gap never loses a message.
//
// Values are inserted as given: callers that write into a chat pass text
// already made inert for it (see package message).
package locale

import (
	"embed"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"text/template"

	"github.com/BurntSushi/toml"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Language is a language pd2chat writes in. The zero value is English.
type Language uint8

// The languages.
const (
	English  Language = iota // en, the default
	Japanese                 // ja: the natural choice for teams in Japan
)

// languages are the tags of the languages, by Language.
var languages = [...]language.Tag{English: language.English, Japanese: language.Japanese}

// Parse reads the LANGUAGE setting: "en" or "ja", case-insensitive, with
// or without a region ("ja-JP"). Empty is English. The same variable is
// GNU gettext's language list on Linux desktops ("ja_JP:ja", "en_US:en",
// "ja_JP.UTF-8"), so that form is read too: locale names separated by ':'
// (an encoding after '.' and a modifier after '@' are ignored; "C" and
// "POSIX" are English), the first one pd2chat writes in wins. A value that
// names none of them is an error.
func Parse(s string) (Language, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return English, nil
	}
	for _, name := range strings.Split(s, ":") {
		name, _, _ = strings.Cut(name, ".")
		name, _, _ = strings.Cut(name, "@")
		name = strings.ReplaceAll(strings.TrimSpace(name), "_", "-")
		if name == "C" || name == "POSIX" {
			return English, nil
		}
		tag, err := language.Parse(name)
		if err != nil {
			continue
		}
		base, _ := tag.Base()
		for l, t := range languages {
			if b, _ := t.Base(); b == base {
				return Language(l), nil
			}
		}
	}
	return English, fmt.Errorf("unknown language %q: use en or ja", s)
}

// String is the language's code: "en", "ja".
func (l Language) String() string {
	if int(l) < len(languages) {
		return languages[l].String()
	}
	return "Language(" + strconv.Itoa(int(l)) + ")"
}

//go:embed catalog/*.toml
var catalogs embed.FS

// bundle holds both catalogs, read once at start; localizers are by
// Language, each falling back to English. static are the texts without
// values or plural forms, by Language and ID: T returns them without
// running a template (most texts of a message are such words).
var (
	static     [len(languages)]map[string]string
	bundle     = load()
	localizers = func() (ls [len(languages)]*i18n.Localizer) {
		for l, t := range languages {
			ls[l] = i18n.NewLocalizer(bundle, t.String(), language.English.String())
		}
		return ls
	}()
)

// tomlUnmarshal reads a TOML catalog.
func tomlUnmarshal(data []byte, v any) error { return toml.Unmarshal(data, v) }

func load() *i18n.Bundle {
	b := i18n.NewBundle(language.English)
	b.RegisterUnmarshalFunc("toml", tomlUnmarshal)
	for l, t := range languages {
		f, err := b.LoadMessageFileFS(catalogs, "catalog/"+t.String()+".toml")
		if err != nil {
			panic("locale: " + err.Error()) // the embedded catalogs are tested
		}
		static[l] = make(map[string]string, len(f.Messages))
		for _, m := range f.Messages {
			for _, form := range []string{m.Zero, m.One, m.Two, m.Few, m.Many, m.Other} {
				// A template that does not parse would be written as its ID
				// at the first message that needs it: refuse it at start.
				if _, err := template.New(m.ID).Parse(form); err != nil {
					panic("locale: " + t.String() + ".toml " + m.ID + ": " + err.Error())
				}
			}
			if m.Zero+m.One+m.Two+m.Few+m.Many == "" && !strings.Contains(m.Other, "{{") {
				static[l][m.ID] = m.Other
			}
		}
	}
	return b
}

func (l Language) localizer() *i18n.Localizer {
	if int(l) < len(localizers) {
		return localizers[l]
	}
	return localizers[English]
}

// T is the text id in l, with args (name, value pairs: "Name", "tanaka")
// filled into its template. A text missing from l is taken in English; one
// missing from both is id itself.
func (l Language) T(id string, args ...any) string {
	if int(l) < len(static) {
		if s, ok := static[l][id]; ok {
			return s
		}
	}
	return l.localize(&i18n.LocalizeConfig{MessageID: id, TemplateData: data(args, nil)}, id)
}

// N is T for a text whose words depend on count n, by the language's CLDR
// plural rules ("1 incident", "3 incidents"; Japanese has one form). The
// template gets n as .N besides args.
func (l Language) N(id string, n int, args ...any) string {
	return l.localize(&i18n.LocalizeConfig{MessageID: id, PluralCount: n, TemplateData: data(args, &n)}, id)
}

func (l Language) localize(c *i18n.LocalizeConfig, id string) string {
	s, err := l.localizer().Localize(c)
	if err != nil && s == "" {
		return id
	}
	return s
}

// data turns name, value pairs into a template's data, with .N when n is
// given; nil when there is nothing (the template then has no values).
func data(args []any, n *int) map[string]any {
	if len(args) == 0 && n == nil {
		return nil
	}
	m := make(map[string]any, len(args)/2+1)
	for i := 0; i+1 < len(args); i += 2 {
		k, _ := args[i].(string)
		m[k] = args[i+1]
	}
	if n != nil {
		m["N"] = *n
	}
	return m
}

// Hours is business hours as workday.Hours.String writes them ("Mon-Fri
// 10:00-17:00", "Mon,Wed,Fri 09:30-18:00") in l: in Japanese "月〜金
// 10:00〜17:00".
func (l Language) Hours(s string) string {
	if l == English {
		return s
	}
	pairs := []string{"-", l.T("hours.range"), ",", l.T("list.separator"), "none", l.T("hours.none")}
	for _, d := range []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"} {
		pairs = append(pairs, strings.ToUpper(d[:1])+d[1:], l.T("weekday_short."+d))
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Holiday is the name of a public holiday or day off in l, given its
// English name as package workday gives it ("Culture Day", "Substitute
// holiday for Culture Day", "Citizens' holiday", "Company holiday"): in
// Japanese the name the law gives it (文化の日, 振替休日, 国民の休日); a name
// the catalog does not know is kept as it is.
func (l Language) Holiday(name string) string {
	if l == English || name == "" {
		return name
	}
	if _, ok := strings.CutPrefix(name, "Substitute holiday for "); ok {
		return l.T("holiday.substitute")
	}
	var nf *i18n.MessageNotFoundErr
	s, err := l.localizer().Localize(&i18n.LocalizeConfig{MessageID: "holiday." + name})
	if errors.As(err, &nf) || s == "" {
		return name
	}
	return s
}
