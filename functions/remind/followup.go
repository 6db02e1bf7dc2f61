package main

import (
	"context"
	"time"

	"github.com/pd2chat/pd2chat/shared/followup"
	"github.com/pd2chat/pd2chat/shared/reminder"
)

// followupBudget bounds one sweep (the function's timeout is 30 s).
const followupBudget = 20 * time.Second

// handleFollowup serves a Scheduler invocation of kind "followup": it
// re-mentions the incidents still unacknowledged (package followup). It
// returns an error whenever a follow-up was not posted (the next minute's
// sweep tries again, after the fix for a refusal).
func (a *app) handleFollowup(ctx context.Context, at time.Time) (response, error) {
	out := response{Kind: string(reminder.Followup), At: at.Format(time.RFC3339)}
	if a.cfg.AckReminderMax == 0 {
		out.Skipped = "ACK_REMINDER_MAX is 0: follow-ups are off"
		return out, nil
	}
	ctx, cancel := context.WithTimeout(ctx, followupBudget)
	defer cancel()
	res, err := followup.Sweep(ctx, a.follow, at)
	out.Posted, out.AlreadyPosted, out.Failed, out.Temporary = res.Posted, res.AlreadyPosted, res.Failed, res.Temporary
	if err != nil {
		// Any failure fails the invocation (retries, then the reminder
		// dead-letter queue's alarm): a refused follow-up must be loud.
		a.log.Error("followup sweep failed", "error", err.Error())
	}
	return out, err
}
