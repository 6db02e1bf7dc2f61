// Package oncallfeed serves the on-call shifts of the rotation sheet as an
// iCalendar feed (RFC 5545), GET /oncall.ics?token=ICAL_TOKEN, so that each
// developer sees their shifts in the calendar they already use (Google
// Calendar, Outlook: "subscribe from URL"). One event per person per
// working day — the business hours, or the whole day with &allday=1 —
// named after the person, from 30 days back to 90 days ahead; days off
// (weekends, public and company holidays) have none. &member=NAME keeps
// one person's shifts.
//
// The token is the only secret: a missing or wrong one answers 404, as if
// the URL did not exist, compared in constant time. The answer carries an
// ETag (a hash of the body) and Cache-Control, so a calendar polling it
// gets 304 Not Modified while nothing changed; each event's UID and
// DTSTAMP depend only on its own content, so an unchanged shift is the
// same event at every poll. The iCalendar is written and escaped by
// github.com/arran4/golang-ical.
package oncallfeed

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"

	ics "github.com/arran4/golang-ical"

	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/rotation"
	"github.com/pd2chat/pd2chat/shared/workday"
)

// The feed's window, in days from today.
const (
	DaysBack  = 30
	DaysAhead = 90
)

// Path is where the feed is served.
const Path = "/oncall.ics"

// Config wires the Handler.
type Config struct {
	Calendar *workday.Calendar
	Rotation rotation.Source
	// Token is ICAL_TOKEN: the feed is served only to requests that carry
	// it as ?token=. Empty: the feed is not served.
	Token    string
	Language locale.Language
	// Now is the clock; nil: time.Now.
	Now func() time.Time
	Log *slog.Logger
}

// Handler serves the feed.
type Handler struct {
	cfg   Config
	token [sha256.Size]byte
}

// New returns the feed's Handler, or nil when cfg.Token is empty (the
// feed is then not served at all).
func New(cfg Config) *Handler {
	if cfg.Token == "" {
		return nil
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Handler{cfg: cfg, token: sha256.Sum256([]byte(cfg.Token))}
}

// Register adds GET /oncall.ics to mux.
func (h *Handler) Register(mux *http.ServeMux) { mux.Handle("GET "+Path, h) }

// ServeHTTP answers the feed: 200 with the iCalendar, 304 when the
// client's If-None-Match is the current ETag, 404 without the right token
// or for a member the sheet does not have, 503 when the sheet cannot be
// read.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	given := sha256.Sum256([]byte(q.Get("token")))
	if subtle.ConstantTimeCompare(given[:], h.token[:]) != 1 {
		http.NotFound(w, r)
		return
	}
	roster, err := h.cfg.Rotation.Roster(r.Context())
	if err != nil || roster == nil {
		h.cfg.Log.Warn("oncall.ics: the sheet cannot be read", "error", fmt.Sprint(err))
		w.Header().Set("Retry-After", "60")
		http.Error(w, "the rotation sheet cannot be read now; try again in a minute", http.StatusServiceUnavailable)
		return
	}
	member := strings.TrimSpace(q.Get("member"))
	if member != "" && !hasMember(roster, member) {
		http.Error(w, "no such member in the members tab", http.StatusNotFound)
		return
	}
	allDay := q.Get("allday") == "1" || q.Get("allday") == "true"
	body := Build(h.cfg.Calendar.With(roster), roster, h.cfg.Now(), member, allDay, h.cfg.Language)
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", "private, max-age=900")
	if match(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Header().Set("Content-Disposition", `inline; filename="oncall.ics"`)
	_, _ = w.Write(body)
}

// match reports whether an If-None-Match header names etag (or is "*").
func match(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

func hasMember(roster *rotation.Roster, name string) bool {
	for _, m := range roster.Members() {
		if rotation.SameName(m.Name, name) {
			return true
		}
	}
	return false
}

// Build is the feed at instant now: the shifts of every working day of
// cal from DaysBack days before now's day to DaysAhead days after it, of
// member alone when not empty (matched like the sheet's names), as
// business-hours events or, with allDay, whole days. The same roster and
// day give the same bytes.
func Build(cal *workday.Calendar, roster *rotation.Roster, now time.Time, member string, allDay bool, l locale.Language) []byte {
	loc := cal.Location()
	today := rotation.DateOf(now.In(loc))
	hours := cal.Hours()
	c := ics.NewCalendarFor("pd2chat")
	c.SetMethod(ics.MethodPublish)
	c.SetProductId("-//pd2chat//on-call feed//EN")
	c.SetName(l.T("feed.name"))
	c.SetXWRCalName(l.T("feed.name"))
	c.SetXWRTimezone(loc.String())
	c.SetRefreshInterval("PT15M")
	c.SetXPublishedTTL("PT15M")
	for d := today.AddDays(-DaysBack); !today.AddDays(DaysAhead).Before(d); d = d.AddDays(1) {
		if !cal.IsWorkingDate(d) {
			continue
		}
		people := roster.OnCall(d)
		for i, p := range people {
			if p.Name == "" || (member != "" && !rotation.SameName(p.Name, member)) {
				continue
			}
			var others []string
			for j, o := range people {
				if j != i && o.Name != "" {
					others = append(others, o.Name)
				}
			}
			name := oneLine(p.Name)
			start := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc).Add(hours.Start())
			end := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, loc).Add(hours.End())
			id := sha256.Sum256([]byte(d.String() + "\x00" + name))
			ev := c.AddEvent(hex.EncodeToString(id[:12]) + "@pd2chat")
			// DTSTAMP is this event's own start: stable while the shift
			// is, so a poll with nothing new changes nothing.
			ev.SetDtStampTime(start)
			if allDay {
				day := time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
				ev.SetAllDayStartAt(day)
				ev.SetAllDayEndAt(day.AddDate(0, 0, 1))
			} else {
				ev.SetStartAt(start)
				ev.SetEndAt(end)
			}
			ev.SetSummary(l.T("feed.summary", "Name", name))
			desc := l.T("feed.details", "From", start.Format("15:04"), "Until", end.Format("15:04"))
			if len(others) > 0 {
				desc = l.T("feed.with", "Names", oneLine(strings.Join(others, l.T("list.separator")))) + "\n" + desc
			}
			ev.SetDescription(desc)
			ev.SetTimeTransparency(ics.TransparencyTransparent)
		}
	}
	return []byte(c.Serialize(ics.WithNewLineWindows)) // RFC 5545 §3.1: lines end in CRLF
}

// oneLine is s on one line, without control characters (RFC 5545 TEXT
// allows none but the escaped line break).
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
