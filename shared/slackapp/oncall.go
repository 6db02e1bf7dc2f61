package slackapp

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

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
	arg := strings.ToLower(strings.TrimSpace(form.Get("text")))
	if arg != "" && arg != "week" && arg != "help" {
		ephemeral(w, "Usage: `/oncall` (today and the next working day) or `/oncall week` (the next 7 days).")
		return
	}
	if arg == "help" {
		ephemeral(w, "`/oncall`: who is on call today and on the next working day. `/oncall week`: the next 7 days. From the rotation sheet.")
		return
	}
	if h.cfg.Rotation == nil || h.cfg.Calendar == nil {
		ephemeral(w, "pd2chat has no rotation sheet configured (ROTATION_SOURCE).")
		return
	}
	roster, err := h.cfg.Rotation.Roster(r.Context())
	if err != nil || roster == nil {
		h.cfg.Log.Warn("/oncall: the sheet cannot be read", "error", fmt.Sprint(err))
		ephemeral(w, "The rotation sheet cannot be read right now; try again in a minute.")
		return
	}
	rep := reminder.Check(h.cfg.Calendar.With(roster), roster, h.cfg.Now(), 7)
	ephemeral(w, OnCallAnswer(rep, arg == "week"))
}

// OnCallAnswer is /oncall's text (Slack mrkdwn) for report rep: today and
// the next working day, or the 7 days from today when week is set. People
// are named, not mentioned (an ephemeral answer notifies nobody anyway);
// names are escaped.
func OnCallAnswer(rep reminder.Report, week bool) string {
	var b strings.Builder
	line := func(label string, d reminder.Day) {
		fmt.Fprintf(&b, "*%s* %s: %s\n", label, date(d.Date), people(d))
	}
	if week {
		b.WriteString("*On call, the next 7 days* (" + escape(rep.Hours) + ")\n")
		for _, d := range rep.Week {
			fmt.Fprintf(&b, "%s: %s\n", date(d.Date), people(d))
		}
	} else {
		line("Today", rep.Today)
		if rep.Next.Date != (rotation.Date{}) {
			line("Next working day", rep.Next)
		}
		for _, off := range rep.DaysOff {
			if rep.Today.Date.Before(off.Date) && (rep.Next.Date == (rotation.Date{}) || off.Date.Before(rep.Next.Date)) {
				fmt.Fprintf(&b, "Day off: %s %s\n", date(off.Date), escape(off.Name))
			}
		}
		b.WriteString("Business hours: " + escape(rep.Hours) + "\n")
	}
	if rep.StaleErr != nil {
		fmt.Fprintf(&b, "⚠ The sheet cannot be read now: this is its copy of %s.\n", rep.StaleSince.In(rep.At.Location()).Format("01/02 15:04"))
	}
	return strings.TrimRight(b.String(), "\n")
}

// date is "Mon 11/30".
func date(d rotation.Date) string {
	return fmt.Sprintf("%s %d/%d", d.Weekday().String()[:3], d.Month, d.Day)
}

// people is a day's on-call names, or why nobody is.
func people(d reminder.Day) string {
	if !d.Working {
		return "— " + escape(d.Why)
	}
	var names []string
	for _, m := range d.OnCall {
		names = append(names, escape(m.Name))
	}
	for _, u := range d.Unmatched {
		names = append(names, escape(u)+" (not in members)")
	}
	if len(names) == 0 {
		return "nobody on call in the sheet"
	}
	return strings.Join(names, ", ")
}

// escape makes s plain text in Slack mrkdwn (&, <, > are its only control
// characters: https://api.slack.com/reference/surfaces/formatting#escaping).
func escape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
