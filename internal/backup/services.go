package backup

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
)

// Enrolled is a service that is backed up, with its last good backup.
type Enrolled struct {
	ID         int64     `json:"id"`
	ServiceID  int64     `json:"service_id"` // the provisioning service
	OrgID      int64     `json:"org_id"`
	Ref        string    `json:"ref"`
	Kind       string    `json:"kind"`
	Name       string    `json:"name"`
	Domain     string    `json:"domain,omitempty"`
	ServerID   int64     `json:"server_id"`
	ServerName string    `json:"server_name"`
	Enabled    bool      `json:"enabled"`
	LastGoodAt time.Time `json:"last_good_at,omitzero"`
	LastStatus string    `json:"last_status,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Enrolment puts a provisioning service on a backup server.
type Enrolment struct {
	ServiceID int64  `json:"service_id"`
	OrgID     int64  `json:"org_id"`
	Ref       string `json:"ref"`
	Kind      string `json:"kind"`
	Name      string `json:"name"`
	Domain    string `json:"domain"`
	ServerID  int64  `json:"server_id"`
}

const enrolledCols = `b.id, b.service_id, b.org_id, b.ref, b.kind, b.name, b.domain, b.server_id, v.name, b.enabled, b.last_good_at, b.last_status, b.created_at`
const enrolledFrom = ` FROM backup_services b JOIN backup_servers v ON v.id = b.server_id `

func scanEnrolled(r interface{ Scan(...any) error }) (Enrolled, error) {
	var e Enrolled
	var good sql.NullTime
	err := r.Scan(&e.ID, &e.ServiceID, &e.OrgID, &e.Ref, &e.Kind, &e.Name, &e.Domain, &e.ServerID, &e.ServerName, &e.Enabled, &good, &e.LastStatus, &e.CreatedAt)
	if good.Valid {
		e.LastGoodAt = good.Time
	}
	return e, err
}

func (s *Service) enrolled(ctx context.Context, q store.Querier, where string, args ...any) ([]Enrolled, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+enrolledCols+enrolledFrom+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Enrolled
	for rows.Next() {
		e, err := scanEnrolled(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *Service) getEnrolled(ctx context.Context, q store.Querier, id int64) (Enrolled, error) {
	es, err := s.enrolled(ctx, q, `WHERE b.id = $1`, id)
	if err != nil {
		return Enrolled{}, err
	}
	if len(es) == 0 {
		return Enrolled{}, accounts.ErrNotFound
	}
	return es[0], nil
}

// Enroll puts a service on a backup server; enrolling it again changes nothing.
func (s *Service) Enroll(ctx context.Context, by accounts.Principal, in Enrolment) (Enrolled, error) {
	if err := mayManage(by); err != nil {
		return Enrolled{}, err
	}
	in.Ref = strings.TrimSpace(in.Ref)
	if in.ServiceID <= 0 || in.OrgID <= 0 || !validRef(in.Ref) || in.Kind == "" {
		return Enrolled{}, invalid("service_id", "backup.enrol_service")
	}
	if _, err := s.server(ctx, s.db, in.ServerID); err != nil {
		return Enrolled{}, invalid("server_id", "backup.enrol_server")
	}
	now := s.now()
	var id int64
	err := s.db.InTx(accounts.ActorContext(ctx, by), func(q store.Querier) error {
		err := q.QueryRowContext(ctx, `INSERT INTO backup_services (service_id, org_id, ref, kind, name, domain, server_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (service_id) DO NOTHING RETURNING id`,
			in.ServiceID, in.OrgID, in.Ref, in.Kind, in.Name, in.Domain, in.ServerID, now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return q.QueryRowContext(ctx, `SELECT id FROM backup_services WHERE service_id = $1`, in.ServiceID).Scan(&id)
		}
		if err != nil {
			return err
		}
		return record(accounts.ActorContext(ctx, by), q, now, in.OrgID, "backup.enrolled", "backup_service", id, fmt.Sprintf("%s on server %d", in.Ref, in.ServerID))
	})
	if err != nil {
		return Enrolled{}, err
	}
	return s.getEnrolled(ctx, s.db, id)
}

// validRef: the provisioning ref, letters and digits (it becomes a restic tag and a
// directory name).
func validRef(r string) bool {
	if r == "" || len(r) > 64 {
		return false
	}
	for _, c := range r {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// CustomerServices lists an organisation's backed-up services (backup.read).
func (s *Service) CustomerServices(ctx context.Context, by accounts.Principal, orgID int64) ([]Enrolled, error) {
	if err := by.Check(accounts.BackupRead, accounts.OrgID(orgID)); err != nil {
		return nil, err
	}
	return s.enrolled(ctx, s.db, `WHERE b.org_id = $1 ORDER BY b.id`, orgID)
}

// ServiceBackups is one service's backups that can be restored, newest first, for
// the customer (backup.read; another organisation's service is not found).
func (s *Service) ServiceBackups(ctx context.Context, by accounts.Principal, id int64) (Enrolled, []Run, error) {
	e, err := s.getEnrolled(ctx, s.db, id)
	if err != nil {
		return Enrolled{}, nil, err
	}
	if err := by.Check(accounts.BackupRead, accounts.OrgID(e.OrgID)); err != nil {
		return Enrolled{}, nil, err
	}
	runs, err := s.runs(ctx, s.db, `WHERE r.bservice_id = $1 AND r.status = 'done' AND r.forgotten_at IS NULL ORDER BY r.day DESC`, id)
	return e, runs, err
}

// StaffFilter narrows the staff list of services.
type StaffFilter struct {
	// Stale: only services without a good backup within Settings.StaleAfter.
	Stale bool
}

// Page is a keyset page: rows after the id After, at most Limit.
type Page struct {
	After int64
	Limit int
}

func (p Page) limit() int {
	if p.Limit <= 0 || p.Limit > 200 {
		return 50
	}
	return p.Limit
}

// StaffServices lists every backed-up service with its last good backup, by id
// (keyset); Stale keeps those without a good backup within StaleAfter.
func (s *Service) StaffServices(ctx context.Context, by accounts.Principal, f StaffFilter, p Page) ([]Enrolled, error) {
	if err := by.Check(accounts.BackupRead, accounts.Provider); err != nil {
		return nil, err
	}
	where := `WHERE b.id > $1`
	args := []any{p.After}
	if f.Stale {
		where += ` AND b.enabled AND (b.last_good_at IS NULL OR b.last_good_at < $2)`
		args = append(args, s.now().Add(-s.set.StaleAfter))
	}
	return s.enrolled(ctx, s.db, where+fmt.Sprintf(` ORDER BY b.id LIMIT %d`, p.limit()), args...)
}

// Msg is a message key for the pages.
func Msg(key string, args ...any) i18n.Msg { return i18n.T(key, args...) }
