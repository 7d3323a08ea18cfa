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
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/store"
)

// The statuses of a restore.
const (
	RestoreQueued  = "queued"
	RestoreRunning = "running"
	RestoreDone    = "done"
	RestoreFailed  = "failed"
)

// Restore is a request to put a backup back into its service.
type Restore struct {
	ID          int64     `json:"id"`
	ServiceID   int64     `json:"backup_service_id"`
	OrgID       int64     `json:"org_id"`
	RunID       int64     `json:"run_id"`
	Snapshot    string    `json:"snapshot"`
	Day         string    `json:"day"`
	Via         string    `json:"via"` // portal or ticket
	Ticket      string    `json:"ticket,omitempty"`
	RequestedBy int64     `json:"requested_by"`
	Status      string    `json:"status"`
	Attempts    int       `json:"attempts"`
	Error       string    `json:"error,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	DoneAt      time.Time `json:"done_at,omitzero"`
	ServiceRef  string    `json:"service_ref"`
	ServiceName string    `json:"service_name"`
}

// RestoreRequest asks for the backup of one run to be restored into its service.
type RestoreRequest struct {
	ServiceID int64 // the backed-up service (Enrolled.ID)
	RunID     int64
	// Ticket: staff record a request that came in a ticket (its reference); empty is
	// the customer's own request in the portal.
	Ticket string
}

// RequestRestore queues a restore (backup.restore; INTERPRETATION.md A05: on the
// customer's request, from a ticket or the portal, into the same service). Asking for
// the same backup again the same day is the same request.
func (s *Service) RequestRestore(ctx context.Context, by accounts.Principal, in RestoreRequest) (Restore, error) {
	e, err := s.getEnrolled(ctx, s.db, in.ServiceID)
	if err != nil {
		return Restore{}, err
	}
	if err := by.Check(accounts.BackupRestore, accounts.OrgID(e.OrgID)); err != nil {
		return Restore{}, err
	}
	via := "portal"
	in.Ticket = strings.TrimSpace(in.Ticket)
	if in.Ticket != "" {
		if by.User.OrgID != 0 || len(in.Ticket) > 100 {
			return Restore{}, invalid("ticket", "backup.ticket_staff")
		}
		via = "ticket"
	}
	runs, err := s.runs(ctx, s.db, `WHERE r.id = $1 AND r.bservice_id = $2`, in.RunID, e.ID)
	if err != nil {
		return Restore{}, err
	}
	if len(runs) == 0 || runs[0].Status != RunDone || runs[0].Forgotten {
		return Restore{}, invalid("run_id", "backup.not_available")
	}
	r := runs[0]
	now := s.now()
	key := fmt.Sprintf("%d:%d:%s:%s:%s", e.ID, r.ID, today(now), via, in.Ticket)
	var id int64
	actx := accounts.ActorContext(ctx, by)
	err = s.db.InTx(actx, func(q store.Querier) error {
		err := q.QueryRowContext(ctx, `INSERT INTO backup_restores (bservice_id, org_id, run_id, snapshot, day, via, ticket, requested_by, idem_key, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'queued', $10) ON CONFLICT (idem_key) DO NOTHING RETURNING id`,
			e.ID, e.OrgID, r.ID, r.Snapshot, r.Day, via, in.Ticket, by.User.ID, key, now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return q.QueryRowContext(ctx, `SELECT id FROM backup_restores WHERE idem_key = $1`, key).Scan(&id)
		}
		if err != nil {
			return err
		}
		return record(actx, q, now, e.OrgID, "backup.restore_requested", "backup_restore", id, fmt.Sprintf("%s: backup of %s (%s)", e.Ref, r.Day, via))
	})
	if err != nil {
		return Restore{}, err
	}
	return s.restore(ctx, s.db, id)
}

const restoreCols = `x.id, x.bservice_id, x.org_id, x.run_id, x.snapshot, x.day, x.via, x.ticket, x.requested_by, x.status, x.attempts, x.error, x.created_at, x.done_at, b.ref, b.name`

func (s *Service) restores(ctx context.Context, q store.Querier, where string, args ...any) ([]Restore, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+restoreCols+` FROM backup_restores x JOIN backup_services b ON b.id = x.bservice_id `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Restore
	for rows.Next() {
		var r Restore
		var done sql.NullTime
		if err := rows.Scan(&r.ID, &r.ServiceID, &r.OrgID, &r.RunID, &r.Snapshot, &r.Day, &r.Via, &r.Ticket, &r.RequestedBy, &r.Status, &r.Attempts,
			&r.Error, &r.CreatedAt, &done, &r.ServiceRef, &r.ServiceName); err != nil {
			return nil, err
		}
		r.DoneAt = done.Time
		out = append(out, r)
	}
	return out, rows.Err()
}

func (s *Service) restore(ctx context.Context, q store.Querier, id int64) (Restore, error) {
	rs, err := s.restores(ctx, q, `WHERE x.id = $1`, id)
	if err != nil {
		return Restore{}, err
	}
	if len(rs) == 0 {
		return Restore{}, accounts.ErrNotFound
	}
	return rs[0], nil
}

// Restores lists restores newest first (keyset on id); orgID 0 lists all (staff).
func (s *Service) Restores(ctx context.Context, by accounts.Principal, orgID int64, p Page) ([]Restore, error) {
	where, args := `WHERE 1 = 1`, []any{}
	if orgID == 0 {
		if err := by.Check(accounts.BackupRead, accounts.Provider); err != nil {
			return nil, err
		}
	} else {
		if err := by.Check(accounts.BackupRead, accounts.OrgID(orgID)); err != nil {
			return nil, err
		}
		where, args = `WHERE x.org_id = $1`, append(args, orgID)
	}
	if p.After > 0 {
		args = append(args, p.After)
		where += fmt.Sprintf(` AND x.id < $%d`, len(args))
	}
	return s.restores(ctx, s.db, where+fmt.Sprintf(` ORDER BY x.id DESC LIMIT %d`, p.limit()), args...)
}

// RestoreJob carries out queued restores (backup.restore).
func (s *Service) RestoreJob() jobs.Job {
	return jobs.Job{Name: "backup.restore", Every: time.Minute, Run: s.RunRestores}
}

// RunRestores restores each queued restore into its service, and takes over one whose
// run was killed (lease passed): restoring the same snapshot again gives the same
// files, and the customer's mail is queued once, with the restore marked done.
func (s *Service) RunRestores(ctx context.Context, now time.Time) error {
	ctx = audit.JobContext(ctx, "backup.restore")
	now = store.Now(now)
	var errs []error
	var id int64 // each restore once per run: a failed one waits for the next
	for range 100 {
		err := s.db.QueryRowContext(ctx, `SELECT id FROM backup_restores WHERE id > $1 AND (status = 'queued' OR (status = 'running' AND lease_until < $2))
			ORDER BY id LIMIT 1`, id, now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			break
		}
		if err != nil {
			return err
		}
		res, err := s.db.ExecContext(ctx, `UPDATE backup_restores SET status = 'running', attempts = attempts + 1, lease_until = $1
			WHERE id = $2 AND (status = 'queued' OR (status = 'running' AND lease_until < $3))`, now.Add(s.set.Lease), id, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue
		}
		if err := s.restoreOne(ctx, id, now); err != nil {
			if s.failpoint != nil {
				return err
			}
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (s *Service) restoreOne(ctx context.Context, id int64, now time.Time) error {
	x, err := s.restore(ctx, s.db, id)
	if err != nil {
		return err
	}
	e, err := s.getEnrolled(ctx, s.db, x.ServiceID)
	if err != nil {
		return err
	}
	err = s.restoreFiles(ctx, e, x.Snapshot)
	if err != nil {
		return s.restoreFailed(ctx, x, e, now, err)
	}
	if err := s.fail("after-restore"); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE backup_restores SET status = 'done', done_at = $1, error = '', lease_until = NULL WHERE id = $2`, now, id); err != nil {
			return err
		}
		if err := record(ctx, q, now, e.OrgID, "backup.restored", "backup_restore", id, fmt.Sprintf("%s: backup of %s restored", e.Ref, x.Day)); err != nil {
			return err
		}
		return s.mailRestored(ctx, q, now, id, e, x.Day)
	})
}

func (s *Service) restoreFiles(ctx context.Context, e Enrolled, snapshot string) error {
	repo, err := s.repo(ctx, s.db, e.ServerID)
	if err != nil {
		return err
	}
	h, err := s.host(ctx, e)
	if err != nil {
		return err
	}
	if h != nil {
		return h.Restore(ctx, repo, e, snapshot)
	}
	if s.source == nil {
		return errors.New("no source of the service's data is configured")
	}
	paths, err := s.source.Paths(ctx, e)
	if err != nil {
		return err
	}
	target, err := s.source.RestoreTarget(ctx, e)
	if err != nil {
		return err
	}
	for _, p := range paths {
		if err := s.engine.Restore(ctx, repo, snapshot, p, target); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) restoreFailed(ctx context.Context, x Restore, e Enrolled, now time.Time, cause error) error {
	msg := clip(cause.Error())
	status := RestoreQueued
	if x.Attempts >= s.set.MaxAttempts {
		status = RestoreFailed
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `UPDATE backup_restores SET status = $1, error = $2, lease_until = NULL WHERE id = $3`, status, msg, x.ID); err != nil {
			return err
		}
		if status != RestoreFailed {
			return nil
		}
		return s.alert(ctx, q, now, fmt.Sprintf("restore:%d", x.ID), "restore", e, msg)
	})
}
