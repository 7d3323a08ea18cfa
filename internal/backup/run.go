package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// The statuses of a run.
const (
	RunRunning = "running"
	RunDone    = "done"
	RunFailed  = "failed"
	// RunSkipped: nothing to do that day (a VPS without the backup add-on).
	RunSkipped = "skipped"
)

// Run is one service's backup of one day.
type Run struct {
	ID          int64     `json:"id"`
	ServiceID   int64     `json:"backup_service_id"`
	OrgID       int64     `json:"org_id"`
	Day         string    `json:"day"`
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	Snapshot    string    `json:"snapshot,omitempty"`
	SnapshotAt  time.Time `json:"snapshot_at,omitzero"`
	Files       int64     `json:"files"`
	SizeBytes   int64     `json:"size_bytes"`
	AddedBytes  int64     `json:"added_bytes"`
	DurationMS  int64     `json:"duration_ms"`
	Errors      string    `json:"errors,omitempty"`
	Adopted     bool      `json:"adopted"`
	Forgotten   bool      `json:"forgotten"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	ServiceRef  string    `json:"service_ref"`
	ServiceName string    `json:"service_name"`
}

const runCols = `r.id, r.bservice_id, r.org_id, r.day, r.status, r.attempts, r.snapshot, r.snapshot_at, r.files, r.size_bytes, r.added_bytes,
	r.duration_ms, r.errors, r.adopted, r.forgotten_at, r.started_at, r.finished_at, b.ref, b.name`

func (s *Service) runs(ctx context.Context, q store.Querier, where string, args ...any) ([]Run, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+runCols+` FROM backup_runs r JOIN backup_services b ON b.id = r.bservice_id `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Run
	for rows.Next() {
		var r Run
		var snapAt, forgotten, finished sql.NullTime
		if err := rows.Scan(&r.ID, &r.ServiceID, &r.OrgID, &r.Day, &r.Status, &r.Attempts, &r.Snapshot, &snapAt, &r.Files, &r.SizeBytes, &r.AddedBytes,
			&r.DurationMS, &r.Errors, &r.Adopted, &forgotten, &r.StartedAt, &finished, &r.ServiceRef, &r.ServiceName); err != nil {
			return nil, err
		}
		r.SnapshotAt, r.Forgotten, r.FinishedAt = snapAt.Time, forgotten.Valid, finished.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

// Runs lists runs newest first (keyset on id: Page.After is the id to go below; 0
// starts at the newest); serviceID 0 lists every service's (staff), else that
// service's (backup.read).
func (s *Service) Runs(ctx context.Context, by accounts.Principal, serviceID int64, p Page) ([]Run, error) {
	where, args := `WHERE 1 = 1`, []any{}
	if serviceID == 0 {
		if err := by.Check(accounts.BackupRead, accounts.Provider); err != nil {
			return nil, err
		}
	} else {
		e, err := s.getEnrolled(ctx, s.db, serviceID)
		if err != nil {
			return nil, err
		}
		if err := by.Check(accounts.BackupRead, accounts.OrgID(e.OrgID)); err != nil {
			return nil, err
		}
		where, args = `WHERE r.bservice_id = $1`, append(args, serviceID)
	}
	if p.After > 0 {
		args = append(args, p.After)
		where += fmt.Sprintf(` AND r.id < $%d`, len(args))
	}
	return s.runs(ctx, s.db, where+fmt.Sprintf(` ORDER BY r.id DESC LIMIT %d`, p.limit()), args...)
}

// Tags of a service's snapshots: the service, and the day the run is for, by which a
// run killed after restic made its snapshot finds it again.
func serviceTag(ref string) string { return "hp-service=" + ref }
func dayTag(day string) string     { return "hp-day=" + day }

// RunJob makes the day's backups (backup.run); hourly, so a day missed while hostpact
// was down is made up the same day and a failed run is tried again.
func (s *Service) RunJob() jobs.Job {
	return jobs.Job{Name: "backup.run", Every: time.Hour, Run: s.RunDaily}
}

// ForgetJob applies the retention rule (backup.forget).
func (s *Service) ForgetJob() jobs.Job {
	return jobs.Job{Name: "backup.forget", Every: 6 * time.Hour, Run: s.Forget}
}

// RunDaily backs up every enabled service once for the day of now (Europe/Amsterdam,
// cp.sla.backups.1). A service whose run of the day is done is left alone; a run
// killed half-way is taken over after its lease and adopts a snapshot restic already
// made for the day instead of making a second one.
func (s *Service) RunDaily(ctx context.Context, now time.Time) error {
	ctx = audit.JobContext(ctx, "backup.run")
	now = store.Now(now)
	day := today(now)
	pol, _ := s.policy(day)
	if !pol.Terms.Backups.Promised() {
		return nil
	}
	var errs []error
	after := int64(0)
	for {
		es, err := s.enrolled(ctx, s.db, fmt.Sprintf(`WHERE b.id > $1 AND b.enabled AND v.enabled ORDER BY b.id LIMIT %d`, s.set.Batch), after)
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := s.backupOne(ctx, pol, e, day, now); err != nil {
				if s.failpoint != nil {
					return err // a test's crash stops the run as a kill would
				}
				errs = append(errs, fmt.Errorf("%s: %w", e.Ref, err))
			}
		}
		if len(es) < s.set.Batch {
			break
		}
		after = es[len(es)-1].ID
	}
	return errors.Join(errs...)
}

// BackupNow makes the day's backup of one service now (staff, backup.manage); it is
// the same run as the daily job's and as idempotent.
func (s *Service) BackupNow(ctx context.Context, by accounts.Principal, id int64) error {
	if err := mayManage(by); err != nil {
		return err
	}
	e, err := s.getEnrolled(ctx, s.db, id)
	if err != nil {
		return err
	}
	now := s.now()
	pol, _ := s.policy(today(now))
	return s.backupOne(accounts.ActorContext(ctx, by), pol, e, today(now), now)
}

func (s *Service) backupOne(ctx context.Context, pol *terms.Policy, e Enrolled, day terms.Date, now time.Time) error {
	ds := day.String()
	// cp.sla.backups.3: a VPS is backed up only while its customer bought the add-on.
	if e.Kind == string(catalog.KindVPS) && pol.Terms.Backups.VPSOnlyWithAddOn {
		ok := false
		if s.addOns != nil {
			var err error
			if ok, err = s.addOns.HasVPSBackup(ctx, e.OrgID, e.Domain); err != nil {
				return err
			}
		}
		if !ok {
			_, err := s.db.ExecContext(ctx, `INSERT INTO backup_runs (bservice_id, org_id, day, status, errors, started_at, finished_at)
				VALUES ($1, $2, $3, 'skipped', 'no backup add-on for this VPS', $4, $4) ON CONFLICT (bservice_id, day) DO NOTHING`,
				e.ID, e.OrgID, ds, now)
			return err
		}
	}
	runID, recovering, err := s.claimRun(ctx, e, ds, now)
	if err != nil || runID == 0 {
		return err
	}
	if err := s.fail("claimed"); err != nil {
		return err
	}
	repo, err := s.repo(ctx, s.db, e.ServerID)
	if err != nil {
		return s.runFailed(ctx, e, runID, now, err)
	}
	if recovering {
		// The attempt before was killed; restic may have made the day's snapshot.
		snaps, err := s.snapshots(ctx, e, repo, []string{serviceTag(e.Ref), dayTag(ds)})
		if err != nil {
			return s.runFailed(ctx, e, runID, now, err)
		}
		if len(snaps) > 0 {
			latest := snaps[0]
			for _, sn := range snaps[1:] {
				if sn.Time.After(latest.Time) {
					latest = sn
				}
			}
			return s.runDone(ctx, e, runID, now, Result{SnapshotID: latest.ID}, latest.Time, true)
		}
	}
	res, err := s.makeBackup(ctx, e, repo, []string{serviceTag(e.Ref), dayTag(ds)}, now)
	if err != nil {
		return s.runFailed(ctx, e, runID, now, err)
	}
	if err := s.fail("after-backup"); err != nil {
		return err
	}
	return s.runDone(ctx, e, runID, now, res, now, false)
}

// claimRun takes the run of the day: a new one, or one whose attempt was killed
// (lease passed) or failed with attempts left. recovering says an attempt ran before.
func (s *Service) claimRun(ctx context.Context, e Enrolled, day string, now time.Time) (int64, bool, error) {
	var id int64
	lease := now.Add(s.set.Lease)
	err := s.db.QueryRowContext(ctx, `INSERT INTO backup_runs (bservice_id, org_id, day, status, attempts, lease_until, started_at)
		VALUES ($1, $2, $3, 'running', 1, $4, $5) ON CONFLICT (bservice_id, day) DO NOTHING RETURNING id`, e.ID, e.OrgID, day, lease, now).Scan(&id)
	if err == nil {
		return id, false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE backup_runs SET status = 'running', attempts = attempts + 1, lease_until = $1, errors = ''
		WHERE bservice_id = $2 AND day = $3 AND ((status = 'running' AND lease_until < $4) OR (status = 'failed' AND attempts < $5))`,
		lease, e.ID, day, now, s.set.MaxAttempts)
	if err != nil {
		return 0, false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, false, nil // done, skipped, running elsewhere, or out of attempts
	}
	err = s.db.QueryRowContext(ctx, `SELECT id FROM backup_runs WHERE bservice_id = $1 AND day = $2`, e.ID, day).Scan(&id)
	return id, true, err
}

func (s *Service) runDone(ctx context.Context, e Enrolled, runID int64, now time.Time, res Result, at time.Time, adopted bool) error {
	return s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE backup_runs SET status = 'done', snapshot = $1, snapshot_at = $2, files = $3, size_bytes = $4,
			added_bytes = $5, duration_ms = $6, errors = $7, adopted = $8, finished_at = $9, lease_until = NULL WHERE id = $10`,
			res.SnapshotID, store.Now(at), res.FilesTotal, res.BytesTotal, res.DataAdded, int64(res.Duration*1000),
			clip(strings.Join(res.Errors, "\n")), adopted, now, runID); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `UPDATE backup_services SET last_good_at = $1, last_status = 'done' WHERE id = $2 AND (last_good_at IS NULL OR last_good_at < $1)`,
			store.Now(at), e.ID)
		return err
	})
}

func (s *Service) runFailed(ctx context.Context, e Enrolled, runID int64, now time.Time, cause error) error {
	msg := clip(cause.Error())
	s.log.Warn("backup failed", "service", e.Ref, "run", runID, "err", msg)
	return s.db.InTx(ctx, func(q store.Querier) error {
		var attempts int
		if err := q.QueryRowContext(ctx, `UPDATE backup_runs SET status = 'failed', errors = $1, finished_at = $2, lease_until = NULL WHERE id = $3 RETURNING attempts`,
			msg, now, runID).Scan(&attempts); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE backup_services SET last_status = 'failed' WHERE id = $1`, e.ID); err != nil {
			return err
		}
		return s.alert(ctx, q, now, fmt.Sprintf("run:%d:%d", runID, attempts), "failed", e, msg)
	})
}

func clip(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}

// makeBackup runs restic where the service's data are: on its agent, or here.
func (s *Service) makeBackup(ctx context.Context, e Enrolled, repo Repo, tags []string, now time.Time) (Result, error) {
	h, err := s.host(ctx, e)
	if err != nil {
		return Result{}, err
	}
	if h != nil {
		return h.Backup(ctx, repo, e, tags, now)
	}
	if s.source == nil {
		return Result{}, errors.New("no source of the service's data is configured")
	}
	paths, err := s.source.Paths(ctx, e)
	if err != nil {
		return Result{}, err
	}
	return s.engine.Backup(ctx, repo, paths, tags, now)
}
