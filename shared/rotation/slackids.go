package rotation

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
)

// SlackIDs finds the Slack user ID of an email address ("" when Slack has
// no such user). chat/slack's Directory is one, through users.lookupByEmail.
type SlackIDs interface {
	SlackID(ctx context.Context, email string) (string, error)
}

// WithSlackIDs wraps src so that members listed with an email but no Slack
// ID get their ID from ids, once per roster read (put a Cache around it).
// A failed lookup leaves the member as the sheet has them, shown by name:
// it is logged, never an error.
func WithSlackIDs(src Source, ids SlackIDs, log *slog.Logger) Source {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &slackIDs{src: src, ids: ids, log: log}
}

type slackIDs struct {
	src Source
	ids SlackIDs
	log *slog.Logger
}

func (s *slackIDs) String() string { return fmt.Sprint(s.src) }

func (s *slackIDs) Roster(ctx context.Context) (*Roster, error) {
	r, err := s.src.Roster(ctx)
	if err != nil || r == nil {
		return r, err
	}
	found := map[string]string{}
	for _, m := range r.members {
		if m.Slack != "" || strings.TrimSpace(m.Email) == "" {
			continue
		}
		id, err := s.ids.SlackID(ctx, m.Email)
		if err != nil {
			s.log.Warn("could not find a member's Slack ID by email; shown by name", "member", m.Name, "error", err.Error())
			continue
		}
		if id != "" {
			found[nameKey(m.Name)] = id
		}
	}
	if len(found) == 0 {
		return r, nil
	}
	return r.withMembers(func(m Member) Member {
		if id, ok := found[nameKey(m.Name)]; ok && m.Slack == "" {
			m.Slack = id
		}
		return m
	}), nil
}

// withMembers is a copy of r with f applied to every member, in the members
// tab and on every day.
func (r *Roster) withMembers(f func(Member) Member) *Roster {
	out := *r
	out.members = make([]Member, len(r.members))
	for i, m := range r.members {
		out.members[i] = f(m)
	}
	out.days = make(map[Date][]Member, len(r.days))
	for d, ms := range r.days {
		mapped := make([]Member, len(ms))
		for i, m := range ms {
			mapped[i] = f(m)
		}
		out.days[d] = mapped
	}
	out.backups = make(map[Date][]Member, len(r.backups))
	for d, ms := range r.backups {
		mapped := make([]Member, len(ms))
		for i, m := range ms {
			mapped[i] = f(m)
		}
		out.backups[d] = mapped
	}
	return &out
}
