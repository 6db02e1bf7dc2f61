// Package escalation is the escalation ladder inside business hours: who
// is mentioned in an incident's thread, and after how long without a
// response (in chat or in PagerDuty), as the ESCALATION setting says:
//
//	pair@0m, pair@10m, backup@20m, lead@30m, here@40m
//
// Each step is LEVEL@DURATION, DURATION from the trigger (Go's duration
// syntax: 0m, 10m, 1h30m). The levels are the day's on-call pair (the
// rotation tab), the day's backups (its backup column), the leads (the
// members tab's role column) and everyone in the alert channel (Slack's
// @here). The alert itself is the first step, at 0m, and mentions the
// pair; the later steps are the follow-ups (package followup), each posted
// once, which stop at the first response or the resolution. Outside
// business hours nothing escalates in chat: PagerDuty's own escalation,
// SRE's, covers those hours.
package escalation

import (
	"fmt"
	"strings"
	"time"
)

// Level is who a step mentions.
type Level string

// The levels.
const (
	Pair   Level = "pair"   // the day's on-call people
	Backup Level = "backup" // the day's backups (rotation tab, backup column)
	Lead   Level = "lead"   // the leads (members tab, role lead)
	Here   Level = "here"   // everyone in the alert channel (Slack @here)
)

// Levels are the levels in ladder order.
var Levels = []Level{Pair, Backup, Lead, Here}

// Step is one rung: mention Level once the incident has waited After
// since its trigger without a response.
type Step struct {
	Level Level
	After time.Duration
}

// String is the step as ESCALATION writes it: "backup@20m0s" is written
// "backup@20m".
func (s Step) String() string {
	d := s.After.String()
	if strings.HasSuffix(d, "m0s") {
		d = strings.TrimSuffix(d, "0s")
	}
	if strings.HasSuffix(d, "h0m") {
		d = strings.TrimSuffix(d, "0m")
	}
	return string(s.Level) + "@" + d
}

// Ladder is the steps, in order of time.
type Ladder []Step

// Default is the ladder ESCALATION=default means.
const Default = "pair@0m, pair@10m, backup@20m, lead@30m, here@40m"

// Limits of a ladder.
const (
	MaxSteps = 10
	MaxAfter = 24 * time.Hour
)

// Parse reads ESCALATION: comma-separated LEVEL@DURATION steps, or
// "default" for Default. The times must grow strictly; a step at 0m must
// be the pair's (it is the alert itself, which mentions the pair); at
// least one step must come after 0m. Errors name the step.
func Parse(s string) (Ladder, error) {
	s = strings.TrimSpace(s)
	if strings.EqualFold(s, "default") {
		s = Default
	}
	var out Ladder
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		level, after, ok := strings.Cut(part, "@")
		if !ok {
			return nil, fmt.Errorf("%q is not LEVEL@DURATION (like backup@20m)", part)
		}
		l := Level(strings.ToLower(strings.TrimSpace(level)))
		known := false
		for _, k := range Levels {
			known = known || k == l
		}
		if !known {
			return nil, fmt.Errorf("%q: %q is not a level (pair, backup, lead or here)", part, level)
		}
		d, err := time.ParseDuration(strings.TrimSpace(after))
		if err != nil || d < 0 || d > MaxAfter {
			return nil, fmt.Errorf("%q: %q is not a duration from 0m to 24h (like 20m)", part, after)
		}
		if d == 0 && l != Pair {
			return nil, fmt.Errorf("%q: the step at 0m is the alert itself, which mentions the pair", part)
		}
		if n := len(out); n > 0 && d <= out[n-1].After {
			return nil, fmt.Errorf("%q: each step must come after the one before (%s)", part, out[n-1].After)
		}
		out = append(out, Step{Level: l, After: d})
	}
	if len(out) > MaxSteps {
		return nil, fmt.Errorf("%d steps: at most %d", len(out), MaxSteps)
	}
	if len(out.FollowUps()) == 0 {
		return nil, fmt.Errorf("%q has no step after the alert itself (0m)", s)
	}
	return out, nil
}

// FollowUps are the steps after the alert itself (those after 0m): the
// follow-ups, follow-up n being FollowUps()[n-1].
func (l Ladder) FollowUps() []Step {
	for i, s := range l {
		if s.After > 0 {
			return l[i:]
		}
	}
	return nil
}
