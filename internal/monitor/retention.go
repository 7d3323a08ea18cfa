package monitor

import (
	"context"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/terms"
)

// RetentionJob deletes old results daily.
func (s *Service) RetentionJob() jobs.Job {
	return jobs.Job{Name: "monitor.retention", Every: 24 * time.Hour, Run: s.Retain}
}

// retentionChunk bounds one DELETE, so a large backlog never holds a long lock.
const retentionChunk = 1000

// Retain deletes the result runs whose last check is older than the pack's
// monitoring.keep_results (cp.av.19.5); outages stay, they are the evidence of the SLA
// figures. Each chunk is its own statement, so a crash half-way leaves only rows that
// the next run deletes.
func (s *Service) Retain(ctx context.Context, now time.Time) error {
	today := terms.DateIn(now, clock.Amsterdam)
	pol, err := s.pack.At(today)
	if err != nil {
		return err
	}
	keep := pol.Terms.Monitoring.KeepResults
	if keep.IsZero() {
		return nil
	}
	cutoff := keep.SubtractFrom(today, pol.Calendar()).Time(clock.Amsterdam)
	for {
		if err := s.fail("retention:before-chunk"); err != nil {
			return err
		}
		res, err := s.db.ExecContext(ctx, `DELETE FROM monitor_results WHERE id IN (SELECT id FROM monitor_results WHERE last_at < $1 ORDER BY id LIMIT $2)`,
			cutoff.UTC(), retentionChunk)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n < retentionChunk {
			break
		}
	}
	// Leases that ended long ago belong to instances that are gone.
	_, err = s.db.ExecContext(ctx, `DELETE FROM monitor_leases WHERE until < $1`, cutoff.UTC())
	return err
}
