package message

import (
	"strings"
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
	w := d.writer()
	w.b.Grow(512 + 64*(len(r.Services)+len(r.People)) + 128*len(r.Noisiest))

	w.symbol(":bar_chart:", "📊")
	w.say("digest.title", "From", w.day(rotation.DateOf(r.From)),
		"To", w.day(rotation.DateOf(r.To.Add(-time.Nanosecond).In(r.To.Location()))))

	w.b.WriteByte('\n')
	if r.Incidents == 0 {
		w.say("digest.no_incidents")
	} else {
		w.digestTotals(&r)
		w.b.WriteByte('\n')
		w.say("digest.first_response", "Stats", w.digestStats(r.FirstResponse), "N", r.FirstResponse.N,
			"InChat", r.FirstInChat, "InPagerDuty", r.FirstInPagerDuty, "Never", r.NoResponse)
		w.b.WriteByte('\n')
		w.say("digest.resolve", "Stats", w.digestStats(r.MTTR), "N", r.MTTR.N,
			"Open", r.Unresolved, "Reopened", r.Reopened, "Merged", r.Merged)
		w.digestServices(r.Services)
	}
	w.digestEscalations(r.Escalations)
	w.digestPeople(r.People)
	w.digestAlerts(r.Noisiest)
	s := w.b.String()
	return fit(s, len(s), w.chat)
}

// digestTotals writes "12 incidents: 8 high urgency, 4 low · 8 in business
// hours, 4 outside".
func (w *writer) digestTotals(r *digest.Report) {
	w.say("digest.totals", "Incidents", w.lang.N("digest.incidents", r.Incidents),
		"Urgencies", w.digestUrgencies(r.High, r.Low, r.Incidents, "digest.high_urgency"),
		"Inside", r.BusinessHours, "Outside", r.OutsideHours)
}

// digestUrgencies is "8 high urgency, 4 low, 1 other" (high is the text id
// of the high count): the high count always, the others when not zero.
func (w *writer) digestUrgencies(high, low, total int, highID string) string {
	var b strings.Builder
	b.WriteString(w.lang.T(highID, "N", high))
	if low > 0 {
		b.WriteString(w.lang.T("list.separator"))
		b.WriteString(w.lang.T("digest.low", "N", low))
	}
	if other := total - high - low; other > 0 {
		b.WriteString(w.lang.T("list.separator"))
		b.WriteString(w.lang.T("digest.other_urgency", "N", other))
	}
	return b.String()
}

// digestStats is "median 5m, p90 30m", or "none".
func (w *writer) digestStats(s digest.Stats) string {
	if s.N == 0 {
		return w.lang.T("digest.none")
	}
	return w.lang.T("digest.stats",
		"Median", w.sub(func(v *writer) { v.duration(s.Median) }),
		"P90", w.sub(func(v *writer) { v.duration(s.P90) }))
}

// digestBullet starts a list item on a new line.
func (w *writer) digestBullet() {
	w.b.WriteByte('\n')
	w.raw(w.chat.bullet())
}

// digestMore writes the line "and N more" after a capped list.
func (w *writer) digestMore(n int) {
	w.digestBullet()
	w.raw(w.lang.N("digest.more", n))
}

func (w *writer) digestServices(services []digest.Service) {
	if len(services) == 0 {
		return
	}
	w.b.WriteByte('\n')
	w.strong(w.lang.T("digest.by_service"))
	for i, s := range services {
		if i == digestServicesMax {
			w.digestMore(len(services) - i)
			break
		}
		w.digestBullet()
		if s.Name != "" {
			w.text(s.Name, fieldMax)
		} else if s.ID != "" {
			w.say("digest.service_by_id", "ID", w.esc(s.ID, nameMax))
		} else {
			w.raw(w.lang.T("digest.unknown_service"))
		}
		w.say("digest.service_count", "N", s.Incidents, "Urgencies", w.digestUrgencies(s.High, s.Low, s.Incidents, "digest.high"))
	}
}

// digestEscalations writes "Escalations: 3 to the backups, 1 to the lead"
// in ladder order; nothing without a ladder step in the week. The pair's
// own follow-ups are not escalations.
func (w *writer) digestEscalations(levels map[string]int) {
	var parts []string
	for _, level := range []string{"backup", "lead", "here"} {
		if n := levels[level]; n > 0 {
			parts = append(parts, w.lang.N("digest.escalated_"+level, n))
		}
	}
	if len(parts) == 0 {
		return
	}
	w.b.WriteByte('\n')
	w.say("digest.escalations", "Levels", strings.Join(parts, w.lang.T("list.separator")))
}

func (w *writer) digestPeople(people []digest.Person) {
	if len(people) == 0 {
		return
	}
	w.b.WriteByte('\n')
	w.strong(w.lang.T("digest.by_person"))
	for i, p := range people {
		if i == digestPeopleMax {
			w.digestMore(len(people) - i)
			break
		}
		w.digestBullet()
		w.text(p.Name, nameMax)
		w.say("digest.person", "Incidents", w.lang.N("digest.incidents", p.OnShift),
			"Responded", p.Responded, "Outside", p.RespondedOutside)
	}
}

func (w *writer) digestAlerts(alerts []digest.Alert) {
	if len(alerts) == 0 {
		return
	}
	w.b.WriteByte('\n')
	w.strong(w.lang.T("digest.noisiest"))
	for _, a := range alerts {
		w.digestBullet()
		if a.Title != "" { // the alert as people know it; the fingerprint is a hash
			w.text(a.Title, fieldMax)
		} else {
			w.text(a.Fingerprint, nameMax)
		}
		if a.Service != "" {
			w.say("digest.alert_service", "Service", w.esc(a.Service, fieldMax))
		}
		w.say("digest.alert_count", "Incidents", w.lang.N("digest.incidents", a.Incidents))
	}
}
