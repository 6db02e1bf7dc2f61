package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/pd2chat/pd2chat/shared/followup"
	"github.com/pd2chat/pd2chat/shared/presence"
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
	ctx, cancel := context.WithTimeout(ctx, followupBudget)
	defer cancel()
	// The sheet's answer for today reaches the on-call group and topics
	// within a minute of a change.
	syncErr := a.syncPresence(ctx, at)
	if !a.cfg.FollowsUp() {
		out.Skipped = "ACK_REMINDER_MAX is 0 and ESCALATION is not set: follow-ups are off"
		return out, syncErr
	}
	res, err := followup.Sweep(ctx, a.follow, at)
	out.Posted, out.AlreadyPosted, out.Failed, out.Temporary = res.Posted, res.AlreadyPosted, res.Failed, res.Temporary
	if err != nil {
		// Any failure fails the invocation (retries, then the reminder
		// dead-letter queue's alarm): a refused follow-up must be loud.
		a.log.Error("followup sweep failed", "error", err.Error())
	}
	return out, errors.Join(err, syncErr)
}

// syncPresence shows the people on call at `at` in the Slack on-call
// group and channel topics (package presence); nil when neither is set.
// A failure is logged and returned: a group or topic that cannot be set
// (a missing scope, a group deleted) fails the invocation, so its
// dead-letter queue alarms.
func (a *app) syncPresence(ctx context.Context, at time.Time) error {
	if !a.presence.Enabled() {
		return nil
	}
	if _, err := presence.Sync(ctx, a.presence, at); err != nil {
		a.log.Error("on-call group or topic not updated", "error", err.Error())
		return err
	}
	return nil
}

// localFollowup is remind --kind followup: one sweep at `at`, as the
// Scheduler's every-minute invocation does, against STATE_STORE (with
// --dry-run it prints the follow-ups and records nothing). It prints what
// the sweep did.
func (a *app) localFollowup(ctx context.Context, at time.Time, stdout, stderr io.Writer) int {
	out, err := a.handleFollowup(ctx, at)
	if out.Skipped != "" {
		fmt.Fprintf(stdout, "no sweep: %s\n", out.Skipped)
		return exitOK
	}
	fmt.Fprintf(stdout, "followup sweep at %s: %d posted, %d posted before, %d failed, %d to retry\n",
		at.Format(time.RFC3339), out.Posted, out.AlreadyPosted, out.Failed, out.Temporary)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailed
	}
	return exitOK
}
