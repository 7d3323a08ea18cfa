package provision

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// svc is a provision_services row.
type svc struct {
	id, subID, orgID, planID, serverID int64
	kind                               driver.Kind
	name, domain, email, ref           string
	state                              State
	reasons                            []driver.SuspendReason
	pkg                                driver.Package
	details                            map[string]string
	secret, sensitive, secretNext      string
	secretReady                        bool
	problem, problemText               string
	createdAt, updatedAt               time.Time
}

const svcCols = `id, subscription_id, org_id, plan_id, COALESCE(server_id, 0), kind, name, domain, email, ref, state, reasons, package, details,
	secret, sensitive, secret_next, secret_ready, problem, problem_text, created_at, updated_at`

func scanSvc(r interface{ Scan(...any) error }) (svc, error) {
	var v svc
	var reasons, pkg, details string
	if err := r.Scan(&v.id, &v.subID, &v.orgID, &v.planID, &v.serverID, &v.kind, &v.name, &v.domain, &v.email, &v.ref, &v.state, &reasons,
		&pkg, &details, &v.secret, &v.sensitive, &v.secretNext, &v.secretReady, &v.problem, &v.problemText, &v.createdAt, &v.updatedAt); err != nil {
		return v, err
	}
	v.reasons = parseReasons(reasons)
	rec := fmt.Sprintf("provisioned service %d", v.id)
	if err := store.DecodeJSON(rec, "package", pkg, &v.pkg); err != nil {
		return v, err
	}
	if err := store.DecodeJSON(rec, "details", details, &v.details); err != nil {
		return v, err
	}
	v.createdAt, v.updatedAt = v.createdAt.UTC(), v.updatedAt.UTC()
	return v, nil
}

func parseReasons(s string) []driver.SuspendReason {
	var out []driver.SuspendReason
	for r := range strings.SplitSeq(s, ",") {
		if r != "" {
			out = append(out, driver.SuspendReason(r))
		}
	}
	return out
}

func joinReasons(rs []driver.SuspendReason) string {
	ss := make([]string, len(rs))
	for i, r := range rs {
		ss[i] = string(r)
	}
	slices.Sort(ss)
	return strings.Join(ss, ",")
}

func getSvc(ctx context.Context, q store.Querier, where string, args ...any) (svc, error) {
	v, err := scanSvc(q.QueryRowContext(ctx, `SELECT `+svcCols+` FROM provision_services `+where, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return v, accounts.ErrNotFound
	}
	return v, err
}

func listSvcs(ctx context.Context, q store.Querier, where string, args ...any) ([]svc, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+svcCols+` FROM provision_services `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []svc
	for rows.Next() {
		v, err := scanSvc(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ---- secrets ----

func secretBinding(id int64, what string) string {
	return fmt.Sprintf("provision-service:%d:%s", id, what)
}

func (s *Service) sealString(id int64, what, plain string) (string, error) {
	if plain == "" {
		return "", nil
	}
	sealed, err := s.keys.SealString(secrets.PurposeCredential, secretBinding(id, what), plain)
	return string(sealed), err
}

func (s *Service) openString(id int64, what, sealed string) (string, error) {
	if sealed == "" {
		return "", nil
	}
	plain, err := s.keys.OpenString(secrets.PurposeCredential, secretBinding(id, what), secrets.Sealed(sealed))
	if err != nil {
		return "", fmt.Errorf("provision: %s of service %d: %w", what, id, err)
	}
	return plain, nil
}

// secretAlphabet leaves out letters and digits that are read alike (l, 1, o, 0), since
// a customer may type the password over.
const secretAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newSecret is a 24-character password (about 139 bits) that every driver accepts:
// letters and digits only.
func newSecret() string {
	b := make([]byte, 24)
	rand.Read(b)
	for i := range b {
		b[i] = secretAlphabet[int(b[i])%len(secretAlphabet)]
	}
	return string(b)
}

// ---- views ----

func (s *Service) view(ctx context.Context, q store.Querier, v svc) (ServiceView, error) {
	out := ServiceView{ID: v.id, SubscriptionID: v.subID, OrgID: v.orgID, Kind: v.kind, Name: v.name, Domain: v.domain, Ref: v.ref,
		ServerID: v.serverID, State: v.state, Reasons: v.reasons, Package: v.pkg, Details: v.details, CredentialsReady: v.secretReady,
		Problem: v.problem, ProblemText: v.problemText, CreatedAt: v.createdAt, UpdatedAt: v.updatedAt}
	if v.serverID != 0 {
		var typ string
		if err := q.QueryRowContext(ctx, `SELECT name, driver_type FROM provision_servers WHERE id = $1`, v.serverID).Scan(&out.ServerName, &typ); err != nil {
			return out, err
		}
		out.Panel = s.types[typ].SingleSignOn
	}
	tasks, err := queryTasks(ctx, q, `WHERE t.service_id = $1 AND t.status IN ('queued', 'running') ORDER BY t.id LIMIT 1`, v.id)
	if err != nil {
		return out, err
	}
	if len(tasks) == 0 {
		if tasks, err = queryTasks(ctx, q, `WHERE t.service_id = $1 AND t.status IN ('failed', 'refused')
			AND NOT EXISTS (SELECT 1 FROM provision_tasks d WHERE d.service_id = t.service_id AND d.id > t.id AND d.status = 'done') ORDER BY t.id DESC LIMIT 1`, v.id); err != nil {
			return out, err
		}
	}
	if len(tasks) > 0 {
		out.Task = &tasks[0]
	}
	return out, nil
}

// viewsQuery is a list of services as ServiceViews in one query (where and order on
// the services, alias v): each service with its server's name and type and the task
// view shows (the first queued or running, else the last failed or refused one that no
// later step has put right), each found by probing provision_tasks_service, where the
// list used to ask three queries per service (issue 16).
const viewsQuery = `SELECT v.id, v.subscription_id, v.org_id, v.plan_id, COALESCE(v.server_id, 0), v.kind, v.name, v.domain, v.email, v.ref,
	v.state, v.reasons, v.package, v.details, v.secret, v.sensitive, v.secret_next, v.secret_ready, v.problem, v.problem_text,
	v.created_at, v.updated_at, COALESCE(sv.name, ''), COALESCE(sv.driver_type, ''),
	t.id, t.org_id, t.op, t.reason, t.target_server_id, t.status, t.attempts, t.next_attempt_at, t.message, t.created_at, t.updated_at, t.done_at
	FROM provision_services v
	LEFT JOIN provision_servers sv ON sv.id = v.server_id
	LEFT JOIN provision_tasks t ON t.id = COALESCE(
		(SELECT a.id FROM provision_tasks a WHERE a.service_id = v.id AND a.status IN ('queued', 'running') ORDER BY a.id LIMIT 1),
		(SELECT b.id FROM provision_tasks b WHERE b.service_id = v.id AND b.status IN ('failed', 'refused')
			AND NOT EXISTS (SELECT 1 FROM provision_tasks d WHERE d.service_id = b.service_id AND d.id > b.id AND d.status = 'done')
			ORDER BY b.id DESC LIMIT 1)) `

// listViews lists the services of where (on alias v, with its ORDER BY) as the
// principal may see them, in one query (viewsQuery).
func (s *Service) listViews(ctx context.Context, by accounts.Principal, where string, args ...any) ([]ServiceView, error) {
	rows, err := s.db.QueryContext(ctx, viewsQuery+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ServiceView
	for rows.Next() {
		var v svc
		var reasons, pkg, details, serverName, serverType string
		var tID, tOrg, tTarget sql.NullInt64
		var tOp, tReason, tStatus, tMessage sql.NullString
		var tAttempts sql.NullInt64
		var tNext, tCreated, tUpdated, tDone sql.NullTime
		if err := rows.Scan(&v.id, &v.subID, &v.orgID, &v.planID, &v.serverID, &v.kind, &v.name, &v.domain, &v.email, &v.ref, &v.state, &reasons,
			&pkg, &details, &v.secret, &v.sensitive, &v.secretNext, &v.secretReady, &v.problem, &v.problemText, &v.createdAt, &v.updatedAt,
			&serverName, &serverType, &tID, &tOrg, &tOp, &tReason, &tTarget, &tStatus, &tAttempts, &tNext, &tMessage, &tCreated, &tUpdated, &tDone); err != nil {
			return nil, err
		}
		v.reasons = parseReasons(reasons)
		rec := fmt.Sprintf("provisioned service %d", v.id)
		if err := store.DecodeJSON(rec, "package", pkg, &v.pkg); err != nil {
			return nil, err
		}
		if err := store.DecodeJSON(rec, "details", details, &v.details); err != nil {
			return nil, err
		}
		v.createdAt, v.updatedAt = v.createdAt.UTC(), v.updatedAt.UTC()
		sv := ServiceView{ID: v.id, SubscriptionID: v.subID, OrgID: v.orgID, Kind: v.kind, Name: v.name, Domain: v.domain, Ref: v.ref,
			ServerID: v.serverID, State: v.state, Reasons: v.reasons, Package: v.pkg, Details: v.details, CredentialsReady: v.secretReady,
			Problem: v.problem, ProblemText: v.problemText, CreatedAt: v.createdAt, UpdatedAt: v.updatedAt}
		if v.serverID != 0 {
			sv.ServerName, sv.Panel = serverName, s.types[serverType].SingleSignOn
		}
		if tID.Valid {
			t := Task{ID: tID.Int64, ServiceID: v.id, OrgID: tOrg.Int64, ServerID: v.serverID, Ref: v.ref, Kind: v.kind, Op: Op(tOp.String),
				Reason: driver.SuspendReason(tReason.String), TargetServerID: tTarget.Int64, Status: TaskStatus(tStatus.String),
				Attempts: int(tAttempts.Int64), NextAttemptAt: tNext.Time.UTC(), Message: tMessage.String, CreatedAt: tCreated.Time.UTC(),
				UpdatedAt: tUpdated.Time.UTC()}
			if tDone.Valid {
				t.DoneAt = tDone.Time.UTC()
			}
			sv.Task = &t
		}
		out = append(out, scrub(by, sv))
	}
	return out, rows.Err()
}

// scrub leaves out, for a customer, the server's own words with a refusal or an
// error: they are for staff, who know the server.
func scrub(by accounts.Principal, v ServiceView) ServiceView {
	if by.IsStaff() {
		return v
	}
	v.ProblemText = ""
	if v.Task != nil {
		t := *v.Task
		t.Message = ""
		v.Task = &t
	}
	return v
}

// Services lists an organisation's services, newest first (service.read).
func (s *Service) Services(ctx context.Context, by accounts.Principal, orgID int64) ([]ServiceView, error) {
	if err := by.Check(accounts.ServiceRead, accounts.OrgID(orgID)); err != nil {
		return nil, err
	}
	return s.listViews(ctx, by, `WHERE v.org_id = $1 ORDER BY v.id DESC`, orgID)
}

// ServiceState is a service's subscription and state, what a list of subscriptions
// needs to link each to its service.
type ServiceState struct {
	ID, SubscriptionID int64
	State              State
}

// ServiceStates is Services without packages, details, servers and tasks, for the
// lists that only link a subscription to its service (service.read): the portal home
// asks it on every visit.
func (s *Service) ServiceStates(ctx context.Context, by accounts.Principal, orgID int64) ([]ServiceState, error) {
	if err := by.Check(accounts.ServiceRead, accounts.OrgID(orgID)); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, subscription_id, state FROM provision_services WHERE org_id = $1 ORDER BY id DESC`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ServiceState
	for rows.Next() {
		var v ServiceState
		if err := rows.Scan(&v.ID, &v.SubscriptionID, &v.State); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ServicesOn lists the services on a server, deleted ones left out (provision.read).
func (s *Service) ServicesOn(ctx context.Context, by accounts.Principal, serverID int64) ([]ServiceView, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	return s.listViews(ctx, by, `WHERE v.server_id = $1 AND v.state <> 'deleted' ORDER BY v.ref`, serverID)
}

// Unplaced lists the services that wait for a server with room (provision.read).
func (s *Service) Unplaced(ctx context.Context, by accounts.Principal) ([]ServiceView, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	return s.listViews(ctx, by, `WHERE v.server_id IS NULL AND v.state = 'pending' ORDER BY v.id`)
}

// readable loads a service the principal may read with act; another organisation's
// service answers accounts.ErrNotFound.
func (s *Service) readable(ctx context.Context, by accounts.Principal, act accounts.Action, where string, args ...any) (svc, error) {
	v, err := getSvc(ctx, s.db, where, args...)
	if err != nil {
		return v, err
	}
	return v, by.Check(act, accounts.OrgID(v.orgID))
}

// Service returns one service: its state, what is happening to it and its connection
// details (service.read).
func (s *Service) Service(ctx context.Context, by accounts.Principal, id int64) (ServiceView, error) {
	v, err := s.readable(ctx, by, accounts.ServiceRead, `WHERE id = $1`, id)
	if err != nil {
		return ServiceView{}, err
	}
	sv, err := s.view(ctx, s.db, v)
	return scrub(by, sv), err
}

// ServiceOf returns the service of a subscription (service.read); accounts.ErrNotFound
// when nothing is provisioned for it.
func (s *Service) ServiceOf(ctx context.Context, by accounts.Principal, subscriptionID int64) (ServiceView, error) {
	v, err := s.readable(ctx, by, accounts.ServiceRead, `WHERE subscription_id = $1`, subscriptionID)
	if err != nil {
		return ServiceView{}, err
	}
	sv, err := s.view(ctx, s.db, v)
	return scrub(by, sv), err
}

// Errors callers can test for (errors.Is); each reads as an i18n message (i18n.From).
var (
	ErrNothingToShow = msgErr("provision.err.nothing_to_show")
	ErrNotRunning    = msgErr("provision.err.not_running")
	ErrNoPanel       = msgErr("provision.err.no_panel")
	ErrResetUnderway = msgErr("provision.err.reset_underway")
	ErrNotRetryable  = msgErr("provision.err.not_retryable")
	ErrGone          = msgErr("provision.err.gone")
)

type provErr struct{ key string }

func msgErr(key string) error { return &provErr{key: key} }

func (e *provErr) Error() string { return i18n.T(e.key).Error() }

// As lets i18n.From find the message.
func (e *provErr) As(target any) bool {
	if m, ok := target.(*i18n.Msg); ok {
		*m = i18n.T(e.key)
		return true
	}
	return false
}

// RevealCredentials returns a service's secret and sensitive connection details once,
// to the customer (service.credentials), and wipes them from the database: the next
// call answers ErrNothingToShow until a reset makes new ones. Staff never see them; a
// reset they make on the customer's request is revealed to the customer.
func (s *Service) RevealCredentials(ctx context.Context, by accounts.Principal, id int64) (Credentials, error) {
	if _, err := s.readable(ctx, by, accounts.ServiceCredentials, `WHERE id = $1`, id); err != nil {
		return Credentials{}, err
	}
	if by.IsStaff() {
		return Credentials{}, accounts.ErrForbidden
	}
	ctx = actorFor(ctx, by)
	var out Credentials
	err := s.db.InTx(ctx, func(q store.Querier) error {
		v, err := getSvc(ctx, q, `WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if !v.secretReady {
			return ErrNothingToShow
		}
		if out.Secret, err = s.openString(v.id, "secret", v.secret); err != nil {
			return err
		}
		sens, err := s.openString(v.id, "sensitive", v.sensitive)
		if err != nil {
			return err
		}
		if sens != "" {
			if err := json.Unmarshal([]byte(sens), &out.Sensitive); err != nil {
				return err
			}
		}
		out.Details = v.details
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE provision_services SET secret = '', sensitive = '', secret_ready = FALSE, updated_at = $1
			WHERE id = $2 AND secret_ready`, now, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNothingToShow
		}
		return record(ctx, q, now, v.orgID, "service.credentials_shown", "provision_service", id,
			fmt.Sprintf("credentials of %s (%s) shown once to %s and wiped", v.name, v.ref, by.User.Email))
	})
	if err != nil {
		return Credentials{}, err
	}
	return out, nil
}

// ResetCredentials chooses a new secret for an active or suspended service
// (service.credentials) and queues the reset; the customer sees the new secret once
// after the server took it.
func (s *Service) ResetCredentials(ctx context.Context, by accounts.Principal, id int64) error {
	if _, err := s.readable(ctx, by, accounts.ServiceCredentials, `WHERE id = $1`, id); err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		v, err := getSvc(ctx, q, `WHERE id = $1`, id)
		if err != nil {
			return err
		}
		if v.state != StateActive && v.state != StateSuspended {
			return ErrNotRunning
		}
		if v.secretNext != "" {
			return ErrResetUnderway
		}
		next, err := s.sealString(v.id, "next", newSecret())
		if err != nil {
			return err
		}
		now := s.now()
		if _, err := q.ExecContext(ctx, `UPDATE provision_services SET secret_next = $1, updated_at = $2 WHERE id = $3`, next, now, id); err != nil {
			return err
		}
		if _, err := s.enqueue(ctx, q, now, v, taskSpec{op: OpResetCredentials}); err != nil {
			return err
		}
		return record(ctx, q, now, v.orgID, "service.credentials_reset", "provision_service", id,
			fmt.Sprintf("new credentials chosen for %s (%s); the server takes them next", v.name, v.ref))
	})
}

// LoginURL returns a short-lived link that logs the customer into the service's own
// panel (service.credentials); ErrNoPanel when its server's software has none.
func (s *Service) LoginURL(ctx context.Context, by accounts.Principal, id int64) (string, error) {
	v, err := s.readable(ctx, by, accounts.ServiceCredentials, `WHERE id = $1`, id)
	if err != nil {
		return "", err
	}
	if v.state != StateActive || v.serverID == 0 {
		return "", ErrNotRunning
	}
	d, err := s.driverFor(ctx, s.db, v.serverID)
	if err != nil {
		return "", err
	}
	defer release(d)
	sso, ok := d.(driver.SingleSignOn)
	if !ok {
		return "", ErrNoPanel
	}
	u, err := sso.LoginURL(ctx, v.ref)
	if err != nil {
		return "", err
	}
	err = s.db.InTx(actorFor(ctx, by), func(q store.Querier) error {
		return record(actorFor(ctx, by), q, s.now(), v.orgID, "service.panel_login", "provision_service", id,
			fmt.Sprintf("panel login link for %s (%s) made for %s", v.name, v.ref, by.User.Email))
	})
	return u, err
}

// Usage asks the service's server what the service uses now (service.read): disk,
// databases, memory, transfer as its driver measures them.
func (s *Service) Usage(ctx context.Context, by accounts.Principal, id int64) (driver.Usage, error) {
	v, err := s.readable(ctx, by, accounts.ServiceRead, `WHERE id = $1`, id)
	if err != nil {
		return driver.Usage{}, err
	}
	if (v.state != StateActive && v.state != StateSuspended) || v.serverID == 0 {
		return driver.Usage{}, ErrNotRunning
	}
	d, err := s.driverFor(ctx, s.db, v.serverID)
	if err != nil {
		return driver.Usage{}, err
	}
	defer release(d)
	uctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	return d.Usage(uctx, v.ref)
}
