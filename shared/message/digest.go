package message

import (
	"time"

	"github.com/pd2chat/pd2chat/shared/digest"
	"github.com/pd2chat/pd2chat/shared/rotation"
)

// Caps for the digest's lists.
const (
	digestServicesMax = 10 // services listed before "and N more"
	digestPeopleMax   = 20 // people listed before "and N more"
)

// RenderDigest returns the text of weekly digest r in dialect d:
//
//	📊 Weekly on-call digest — Monday 2026-11-16 to Sunday 2026-11-22
//	12 incidents: 8 high urgency, 4 low · 8 in business hours, 4 outside
//	Time to first response: median 5m, p90 30m (10 responded: 7 in chat, 3 in PagerDuty; 2 never)
//	Time to resolve: median 1h, p90 2h (10 resolved, 2 still open, 1 reopened)
//	By service
//	- db: 5 (4 high, 1 low)
//	By person
//	- Takahashi: 4 incidents on shift, responded to 3 (1 outside business hours)
//	Noisiest alerts
//	- fp-disk: 5 incidents — Disk almost full (db)
//
// Names, services, fingerprints and titles come from PagerDuty and the
// sheet: they are made inert as in Render, and nobody is mentioned. Like
// Render it is pure and never exceeds the chat's limit.
func RenderDigest(d Dialect, r digest.Report) string {
	w := writer{chat: d.chat()}
	w.b.Grow(512 + 64*(len(r.Services)+len(r.People)) + 128*len(r.Noisiest))

	w.symbol(":bar_chart:", "📊")
	w.strong("Weekly on-call digest")
	w.raw(" — ")
	w.day(rotation.DateOf(r.From))
	w.raw(" to ")
	w.day(rotation.DateOf(r.To.Add(-time.Nanosecond).In(r.To.Location())))

	w.b.WriteByte('\n')
	if r.Incidents == 0 {
		w.strong("No incidents")
		w.raw(" this week.")
	} else {
		w.digestTotals(&r)
		w.b.WriteByte('\n')
		w.strong("Time to first response:")
		w.raw(" ")
		w.digestStats(r.FirstResponse)
		w.raw(" (")
		w.int(r.FirstResponse.N)
		w.raw(" responded")
		if r.FirstResponse.N > 0 {
			w.raw(": ")
			w.int(r.FirstInChat)
			w.raw(" in chat, ")
			w.int(r.FirstInPagerDuty)
			w.raw(" in PagerDuty")
		}
		w.raw("; ")
		w.int(r.NoResponse)
		w.raw(" never)")
		w.b.WriteByte('\n')
		w.strong("Time to resolve:")
		w.raw(" ")
		w.digestStats(r.MTTR)
		w.raw(" (")
		w.int(r.MTTR.N)
		w.raw(" resolved, ")
		w.int(r.Unresolved)
		w.raw(" still open")
		if r.Reopened > 0 {
			w.raw(", ")
			w.int(r.Reopened)
			w.raw(" reopened")
		}
		if r.Merged > 0 {
			w.raw(", ")
			w.int(r.Merged)
			w.raw(" merged into others")
		}
		w.raw(")")
		w.digestServices(r.Services)
	}
	w.digestPeople(r.People)
	w.digestAlerts(r.Noisiest)
	s := w.b.String()
	return fit(s, len(s), w.chat)
}

// digestTotals writes "12 incidents: 8 high urgency, 4 low · 8 in business
// hours, 4 outside".
func (w *writer) digestTotals(r *digest.Report) {
	open, close := w.chat.bold()
	w.raw(open)
	w.digestCount(r.Incidents, "incident", "incidents")
	w.raw(close)
	w.raw(": ")
	w.digestUrgencies(r.High, r.Low, r.Incidents, " urgency")
	w.raw(" · ")
	w.int(r.BusinessHours)
	w.raw(" in business hours, ")
	w.int(r.OutsideHours)
	w.raw(" outside")
}

// digestUrgencies writes "8 high<suffix>, 4 low, 1 other": the high count
// always, the others when not zero.
func (w *writer) digestUrgencies(high, low, total int, suffix string) {
	w.int(high)
	w.raw(" high")
	w.raw(suffix)
	if low > 0 {
		w.raw(", ")
		w.int(low)
		w.raw(" low")
	}
	if other := total - high - low; other > 0 {
		w.raw(", ")
		w.int(other)
		w.raw(" other")
	}
}

// digestStats writes "median 5m, p90 30m", or "none".
func (w *writer) digestStats(s digest.Stats) {
	if s.N == 0 {
		w.raw("none")
		return
	}
	w.raw("median ")
	w.duration(s.Median)
	w.raw(", p90 ")
	w.duration(s.P90)
}

// digestCount writes "1 incident" or "3 incidents".
func (w *writer) digestCount(n int, one, many string) {
	w.int(n)
	w.b.WriteByte(' ')
	if n == 1 {
		w.raw(one)
	} else {
		w.raw(many)
	}
}

// digestBullet starts a list item on a new line.
func (w *writer) digestBullet() {
	w.b.WriteByte('\n')
	w.raw(w.chat.bullet())
}

// digestMore writes the line "and N more" after a capped list.
func (w *writer) digestMore(n int) {
	w.digestBullet()
	w.raw("and ")
	w.int(n)
	w.raw(" more")
}

func (w *writer) digestServices(services []digest.Service) {
	if len(services) == 0 {
		return
	}
	w.b.WriteByte('\n')
	w.strong("By service")
	for i, s := range services {
		if i == digestServicesMax {
			w.digestMore(len(services) - i)
			break
		}
		w.digestBullet()
		if s.Name != "" {
			w.text(s.Name, fieldMax)
		} else if s.ID != "" {
			w.raw("service ")
			w.text(s.ID, nameMax)
		} else {
			w.raw("(unknown service)")
		}
		w.raw(": ")
		w.int(s.Incidents)
		w.raw(" (")
		w.digestUrgencies(s.High, s.Low, s.Incidents, "")
		w.raw(")")
	}
}

func (w *writer) digestPeople(people []digest.Person) {
	if len(people) == 0 {
		return
	}
	w.b.WriteByte('\n')
	w.strong("By person")
	for i, p := range people {
		if i == digestPeopleMax {
			w.digestMore(len(people) - i)
			break
		}
		w.digestBullet()
		w.text(p.Name, nameMax)
		w.raw(": ")
		w.digestCount(p.OnShift, "incident", "incidents")
		w.raw(" on shift, responded to ")
		w.int(p.Responded)
		if p.RespondedOutside > 0 {
			w.raw(" (")
			w.int(p.RespondedOutside)
			w.raw(" outside business hours)")
		}
	}
}

func (w *writer) digestAlerts(alerts []digest.Alert) {
	if len(alerts) == 0 {
		return
	}
	w.b.WriteByte('\n')
	w.strong("Noisiest alerts")
	for _, a := range alerts {
		w.digestBullet()
		if a.Title != "" { // the alert as people know it; the fingerprint is a hash
			w.text(a.Title, fieldMax)
		} else {
			w.text(a.Fingerprint, nameMax)
		}
		if a.Service != "" {
			w.raw(" (")
			w.text(a.Service, fieldMax)
			w.raw(")")
		}
		w.raw(": ")
		w.digestCount(a.Incidents, "incident", "incidents")
	}
}
