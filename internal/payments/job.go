package payments

import (
	"context"
	"errors"
	"time"

	"github.com/hostpact/hostpact/internal/jobs"
)

// Job is the payments' periodic work: direct debits booked once their settlement date
// has passed without a return, refunds the provider has since paid, and the warnings
// before refund deadlines. Each step is idempotent by its own keys, so an hourly sweep
// is safe and catches up on days a stopped instance missed.
func (s *Service) Job() jobs.Job {
	return jobs.Job{Name: "payments.due", Every: time.Hour, Run: s.RunDue}
}

// RunDue runs the periodic work once (see Job).
func (s *Service) RunDue(ctx context.Context, now time.Time) error {
	_, err1 := s.SettleDirectDebits(ctx, now)
	err2 := s.PollProviderRefunds(ctx, now)
	_, err3 := s.WarnRefundDeadlines(ctx, now)
	return errors.Join(err1, err2, err3)
}
