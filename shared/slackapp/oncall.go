package slackapp

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/pd2chat/pd2chat/shared/locale"
	"github.com/pd2chat/pd2chat/shared/reminder"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// command serves /oncall: today's on-call people and the next working
// day's (with the days off between), or with "week" the next 7 days, as an
// answer only the asker sees. Anyone in the workspace may ask.
func (h *Handler) command(w http.ResponseWriter, r *http.Request, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		plain(w, http.StatusBadRequest, "not a slash command")
		return
	}
	l := h.cfg.Language
	arg := strings.ToLower(strings.TrimSpace(form.Get("text")))
	if arg != "" && arg != "week" && arg != "help" {
		ephemeral(w, l.T("oncall.usage"))
		return
	}
	if arg == "help" {
		ephemeral(w, l.T("oncall.help"))
		return
	}
	if h.cfg.Rotation == nil || h.cfg.Calendar == nil {
		ephemeral(w, l.T("oncall.no_sheet"))
		return
	}
	roster, err := h.cfg.Rotation.Roster(r.Context())
	if err != nil || roster == nil {
		h.cfg.Log.Warn("/oncall: the sheet cannot be read", "error", fmt.Sprint(err))
		ephemeral(w, l.T("oncall.unreadable"))
		return
	}
	rep := reminder.Check(h.cfg.Calendar.With(roster), roster, h.cfg.Now(), 7)
	ephemeral(w, OnCallAnswer(l, rep, arg == "week"))
}

// OnCallAnswer is /oncall's text (Slack mrkdwn) in language l for report
// rep: today and the next working day, or the 7 days from today when week
// is set. People are named, not mentioned (an ephemeral answer notifies
// nobody anyway); names are escaped.
func OnCallAnswer(l locale.Language, rep reminder.Report, week bool) string {
	var b strings.Builder
	line := func(id string, d reminder.Day) {
		fmt.Fprintf(&b, "*%s* %s: %s\n", l.T(id), date(l, d.Date), people(l, d))
	}
	if week {
		b.WriteString(l.T("oncall.week", "Hours", escape(l.Hours(rep.Hours))) + "\n")
		for _, d := range rep.Week {
			fmt.Fprintf(&b, "%s: %s\n", date(l, d.Date), people(l, d))
		}
	} else {
		line("oncall.today", rep.Today)
		if rep.Next.Date != (rotation.Date{}) {
			line("oncall.next", rep.Next)
		}
		for _, off := range rep.DaysOff {
			if rep.Today.Date.Before(off.Date) && (rep.Next.Date == (rotation.Date{}) || off.Date.Before(rep.Next.Date)) {
				b.WriteString(l.T("oncall.day_off", "Day", date(l, off.Date), "Name", escape(l.Holiday(off.Name))) + "\n")
			}
		}
		b.WriteString(l.T("oncall.hours", "Hours", escape(l.Hours(rep.Hours))) + "\n")
	}
	if rep.StaleErr != nil {
		b.WriteString(l.T("oncall.stale", "Since", rep.StaleSince.In(rep.At.Location()).Format("01/02 15:04")) + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

// date is "Mon 11/30", in Japanese "11/30(月)".
func date(l locale.Language, d rotation.Date) string {
	wd := strings.ToLower(d.Weekday().String())[:3]
	return l.T("date.compact", "Weekday", l.T("weekday_short."+wd), "Month", int(d.Month), "Day", d.Day)
}

// people is a day's on-call names, or why nobody is, in l.
func people(l locale.Language, d reminder.Day) string {
	if !d.Working {
		if d.BusinessDay && d.DayOff != "" {
			return l.T("oncall.holiday", "Name", escape(l.Holiday(d.DayOff)))
		}
		return l.T("oncall.not_business")
	}
	var names []string
	for _, m := range d.OnCall {
		names = append(names, escape(m.Name))
	}
	for _, u := range d.Unmatched {
		names = append(names, l.T("oncall.not_member", "Name", escape(u)))
	}
	if len(names) == 0 {
		return l.T("oncall.nobody")
	}
	return strings.Join(names, l.T("list.separator"))
}

// escape makes s plain text in Slack mrkdwn (&, <, > are its only control
// characters: https://api.slack.com/reference/surfaces/formatting#escaping).
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
