package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/store"
)

// Provisioned is a provisioning service as the enrolment job sees it.
type Provisioned struct {
	ServiceID    int64
	OrgID        int64
	Ref          string
	Kind         string
	Name         string
	Domain       string
	ProvServerID int64 // 0: not placed on a server
	// Live: active or suspended (its data exist and are backed up); Ended:
	// terminated or deleted.
	Live  bool
	Ended bool
}

// Provisioning lists the provisioning services by id (keyset), for the enrolment job;
// app wires it to the provisioning layer's table.
type Provisioning interface {
	ServicesAfter(ctx context.Context, afterID int64, limit int) ([]Provisioned, error)
}

// SetProvisioning sets the source of the enrolment job (app).
func (s *Service) SetProvisioning(p Provisioning) { s.prov = p }

// BackedUpKinds are the kinds of service enrolled automatically: their data live in
// directories a host module names (webhosting: the home; e-mail: the maildirs). A VPS
// is backed up only with the add-on (cp.sla.backups.3) and its disk is not a
// directory the agent backs up with restic yet, so staff enrol one by hand.
var BackedUpKinds = []string{string(catalog.KindWebhosting), string(catalog.KindEmail)}

func backedUp(kind string) bool {
	for _, k := range BackedUpKinds {
		if k == kind {
			return true
		}
	}
	return false
}

// AssignHost says that the services of provisioning server provServerID are backed up
// on backup server serverID (backup.manage); 0 removes the assignment, which stops no
// service already enrolled.
func (s *Service) AssignHost(ctx context.Context, by accounts.Principal, provServerID, serverID int64) error {
	if err := mayManage(by); err != nil {
		return err
	}
	if provServerID <= 0 {
		return invalid("prov_server_id", "backup.enrol_server")
	}
	if serverID != 0 {
		if _, err := s.server(ctx, s.db, serverID); err != nil {
			return invalid("server_id", "backup.enrol_server")
		}
	}
	now := s.now()
	actx := accounts.ActorContext(ctx, by)
	return s.db.InTx(actx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `DELETE FROM backup_hosts WHERE prov_server_id = $1`, provServerID); err != nil {
			return err
		}
		if serverID != 0 {
			if _, err := q.ExecContext(ctx, `INSERT INTO backup_hosts (prov_server_id, server_id, created_at) VALUES ($1, $2, $3)`,
				provServerID, serverID, now); err != nil {
				return err
			}
		}
		return record(actx, q, now, 0, "backup.host_assigned", "backup_host", provServerID, fmt.Sprintf("provisioning server %d to backup server %d", provServerID, serverID))
	})
}

// EnrolJob enrols the services provisioning made live and stops the ended ones
// (backup.enrol).
func (s *Service) EnrolJob() jobs.Job {
	return jobs.Job{Name: "backup.enrol", Every: 15 * time.Minute, Run: s.EnrolAll}
}

// EnrolAll walks the provisioning services: one of a backed-up kind that is live on a
// provisioning server with a backup server assigned is enrolled there (once: the
// unique service id); one that ended is stopped, so no further backup is made and its
// snapshots go when their retention has passed (Forget). It reads the state each
// time and every step is idempotent, so a run killed half-way is finished by the next.
func (s *Service) EnrolAll(ctx context.Context, now time.Time) error {
	if s.prov == nil {
		return nil
	}
	ctx = audit.JobContext(ctx, "backup.enrol")
	now = store.Now(now)
	after := int64(0)
	var errs []error
	for {
		ps, err := s.prov.ServicesAfter(ctx, after, s.set.Batch)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if err := s.enrolOne(ctx, p, now); err != nil {
				if s.failpoint != nil {
					return err
				}
				errs = append(errs, fmt.Errorf("%s: %w", p.Ref, err))
			}
		}
		if len(ps) < s.set.Batch {
			break
		}
		after = ps[len(ps)-1].ServiceID
	}
	return errors.Join(errs...)
}

func (s *Service) enrolOne(ctx context.Context, p Provisioned, now time.Time) error {
	var id int64
	var enabled bool
	err := s.db.QueryRowContext(ctx, `SELECT id, enabled FROM backup_services WHERE service_id = $1`, p.ServiceID).Scan(&id, &enabled)
	known := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	switch {
	case p.Ended && known && enabled:
		return s.db.InTx(ctx, func(q store.Querier) error {
			if _, err := q.ExecContext(ctx, `UPDATE backup_services SET enabled = FALSE, stopped_at = $1 WHERE id = $2 AND enabled`, now, id); err != nil {
				return err
			}
			return record(ctx, q, now, p.OrgID, "backup.stopped", "backup_service", id, p.Ref+" ended")
		})
	case p.Live && !known && backedUp(p.Kind) && p.ProvServerID > 0:
		var serverID int64
		err := s.db.QueryRowContext(ctx, `SELECT h.server_id FROM backup_hosts h JOIN backup_servers v ON v.id = h.server_id
			WHERE h.prov_server_id = $1 AND v.enabled`, p.ProvServerID).Scan(&serverID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // no backup server for that provisioning server
		}
		if err != nil {
			return err
		}
		if err := s.fail("before-enrol"); err != nil {
			return err
		}
		_, err = s.Enroll(ctx, SystemPrincipal, Enrolment{ServiceID: p.ServiceID, OrgID: p.OrgID, Ref: p.Ref, Kind: p.Kind,
			Name: p.Name, Domain: p.Domain, ServerID: serverID})
		return err
	}
	return nil
}
