package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"hash/fnv"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// RestoreTest is one service's restore test of one calendar period.
type RestoreTest struct {
	ID          int64     `json:"id"`
	Period      string    `json:"period"`
	ServiceID   int64     `json:"backup_service_id"`
	RunID       int64     `json:"run_id"`
	Snapshot    string    `json:"snapshot"`
	Status      string    `json:"status"` // running, passed, failed
	Files       int       `json:"files"`
	Mismatches  int       `json:"mismatches"`
	Error       string    `json:"error,omitempty"`
	StartedAt   time.Time `json:"started_at"`
	FinishedAt  time.Time `json:"finished_at,omitzero"`
	ServiceRef  string    `json:"service_ref"`
	ServiceName string    `json:"service_name"`
}

// RestoreTestJob runs the periodic restore test (backup.restore_test,
// cp.security.backup.3) daily; it does work only until the period has a test.
func (s *Service) RestoreTestJob() jobs.Job {
	return jobs.Job{Name: "backup.restore_test", Every: 24 * time.Hour, Run: s.RunRestoreTest}
}

// RunRestoreTest restores a sample of services (Settings.RestoreTestSample, chosen by
// a hash of the period so each period samples others) from their latest backup into
// a scratch directory and checks every file of the snapshot is there with its size;
// restic's --verify has read each restored file back against the snapshot. One row
// per period and service makes it idempotent; a test killed half-way is run again
// after its lease.
func (s *Service) RunRestoreTest(ctx context.Context, now time.Time) error {
	ctx = audit.JobContext(ctx, "backup.restore_test")
	now = store.Now(now)
	pol, _ := s.policy(today(now))
	_, _, period, err := pol.RestoreTestPeriod(today(now))
	if err != nil {
		return nil // the terms promise no backups
	}
	// The period's sample is taken once: services enrolled later do not add tests.
	var taken int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM backup_restore_tests WHERE period = $1 AND status <> 'running'`, period).Scan(&taken); err != nil {
		return err
	}
	if taken >= s.set.RestoreTestSample {
		return nil
	}
	cands, err := s.enrolled(ctx, s.db, `WHERE b.enabled AND v.enabled AND NOT v.demo AND EXISTS (SELECT 1 FROM backup_runs r WHERE r.bservice_id = b.id AND r.status = 'done' AND r.forgotten_at IS NULL) ORDER BY b.id`)
	if err != nil {
		return err
	}
	hash := func(e Enrolled) uint64 {
		h := fnv.New64a()
		h.Write([]byte(period + "/" + e.Ref))
		return h.Sum64()
	}
	slices.SortFunc(cands, func(a, b Enrolled) int {
		ha, hb := hash(a), hash(b)
		switch {
		case ha < hb:
			return -1
		case ha > hb:
			return 1
		}
		return 0
	})
	var errs []error
	for _, e := range cands[:min(len(cands), s.set.RestoreTestSample)] {
		if err := s.testOne(ctx, e, period, now); err != nil {
			if s.failpoint != nil {
				return err
			}
			errs = append(errs, fmt.Errorf("%s: %w", e.Ref, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Service) testOne(ctx context.Context, e Enrolled, period string, now time.Time) error {
	runs, err := s.runs(ctx, s.db, `WHERE r.bservice_id = $1 AND r.status = 'done' AND r.forgotten_at IS NULL ORDER BY r.day DESC LIMIT 1`, e.ID)
	if err != nil || len(runs) == 0 {
		return err
	}
	run := runs[0]
	var id int64
	err = s.db.QueryRowContext(ctx, `INSERT INTO backup_restore_tests (period, bservice_id, run_id, snapshot, status, started_at)
		VALUES ($1, $2, $3, $4, 'running', $5) ON CONFLICT (period, bservice_id) DO NOTHING RETURNING id`, period, e.ID, run.ID, run.Snapshot, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		// Taken before: run it again only when that attempt was killed (still running
		// after the lease).
		res, err := s.db.ExecContext(ctx, `UPDATE backup_restore_tests SET run_id = $1, snapshot = $2, started_at = $3
			WHERE period = $4 AND bservice_id = $5 AND status = 'running' AND started_at < $6`, run.ID, run.Snapshot, now, period, e.ID, now.Add(-s.set.Lease))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if err := s.db.QueryRowContext(ctx, `SELECT id FROM backup_restore_tests WHERE period = $1 AND bservice_id = $2`, period, e.ID).Scan(&id); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if err := s.fail("test-claimed"); err != nil {
		return err
	}
	files, mismatches, terr := s.verifyRestore(ctx, e, run.Snapshot, filepath.Join(s.set.Scratch, fmt.Sprintf("%s-%s-%d", period, e.Ref, id)))
	status := "passed"
	msg := ""
	if terr != nil || mismatches > 0 || files == 0 {
		status = "failed"
		switch {
		case terr != nil:
			msg = clip(terr.Error())
		case files == 0:
			msg = "the snapshot holds no files"
		default:
			msg = fmt.Sprintf("%d of %d files differ from the snapshot", mismatches, files)
		}
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE backup_restore_tests SET status = $1, files = $2, mismatches = $3, error = $4, finished_at = $5 WHERE id = $6`,
			status, files, mismatches, msg, now, id); err != nil {
			return err
		}
		if err := record(ctx, q, now, 0, "backup.restore_tested", "backup_restore_test", id, fmt.Sprintf("%s %s: %s, %d files", period, e.Ref, status, files)); err != nil {
			return err
		}
		if status == "failed" {
			return s.alert(ctx, q, now, fmt.Sprintf("test:%d", id), "restore_test", e, msg)
		}
		return nil
	})
}

// verifyRestore restores the snapshot where the service's restic runs into a scratch
// directory and checks it (VerifyRestore).
func (s *Service) verifyRestore(ctx context.Context, e Enrolled, snapshot, scratch string) (files, mismatches int, err error) {
	repo, err := s.repo(ctx, s.db, e.ServerID)
	if err != nil {
		return 0, 0, err
	}
	h, err := s.host(ctx, e)
	if err != nil {
		return 0, 0, err
	}
	if h != nil {
		return h.Verify(ctx, repo, e, snapshot)
	}
	if s.source == nil {
		return 0, 0, errors.New("no source of the service's data is configured")
	}
	paths, err := s.source.Paths(ctx, e)
	if err != nil {
		return 0, 0, err
	}
	return VerifyRestore(ctx, s.engine, repo, snapshot, paths, scratch)
}

func under(p string, roots []string) bool {
	for _, r := range roots {
		r = filepath.ToSlash(r)
		if p == r || strings.HasPrefix(p, strings.TrimSuffix(r, "/")+"/") {
			return true
		}
	}
	return false
}

// RestoreTests lists the restore tests newest first (staff).
func (s *Service) RestoreTests(ctx context.Context, by accounts.Principal, limit int) ([]RestoreTest, error) {
	if err := by.Check(accounts.BackupRead, accounts.Provider); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	rows, err := s.db.QueryContext(ctx, fmt.Sprintf(`SELECT t.id, t.period, t.bservice_id, t.run_id, t.snapshot, t.status, t.files, t.mismatches, t.error,
		t.started_at, t.finished_at, b.ref, b.name FROM backup_restore_tests t JOIN backup_services b ON b.id = t.bservice_id ORDER BY t.id DESC LIMIT %d`, limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RestoreTest
	for rows.Next() {
		var t RestoreTest
		var fin sql.NullTime
		if err := rows.Scan(&t.ID, &t.Period, &t.ServiceID, &t.RunID, &t.Snapshot, &t.Status, &t.Files, &t.Mismatches, &t.Error, &t.StartedAt, &fin, &t.ServiceRef, &t.ServiceName); err != nil {
			return nil, err
		}
		t.FinishedAt = fin.Time
		out = append(out, t)
	}
	return out, rows.Err()
}

// MissedRestoreTests names the calendar periods, from the one of the first backup up
// to the one before now's, without a passed restore test (cp.security.backup.3); the
// current period is not missed while it lasts.
func (s *Service) MissedRestoreTests(ctx context.Context, by accounts.Principal) ([]string, error) {
	if err := by.Check(accounts.BackupRead, accounts.Provider); err != nil {
		return nil, err
	}
	var first sql.NullString
	if err := s.db.QueryRowContext(ctx, `SELECT MIN(day) FROM backup_runs WHERE status = 'done'`).Scan(&first); err != nil || !first.Valid {
		return nil, err
	}
	d, err := terms.ParseDate(first.String)
	if err != nil {
		return nil, err
	}
	now := today(s.now())
	pol, _ := s.policy(now)
	_, _, current, err := pol.RestoreTestPeriod(now)
	if err != nil {
		return nil, nil
	}
	passed := map[string]bool{}
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT period FROM backup_restore_tests WHERE status = 'passed'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			return nil, err
		}
		passed[p] = true
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var missed []string
	for range 400 {
		_, last, name, err := pol.RestoreTestPeriod(d)
		if err != nil || name == current {
			break
		}
		if !passed[name] {
			missed = append(missed, name)
		}
		d = last.AddDays(1)
	}
	return missed, nil
}
