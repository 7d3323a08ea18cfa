package provision

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/store"
)

// taskSpec is a step to queue. key, when set, makes the step once-only for the
// service (create, terminate, delete); otherwise each call queues a new step.
type taskSpec struct {
	op      Op
	reason  driver.SuspendReason
	target  int64
	payload string
	key     string
}

// enqueue queues a step of v in q. It returns 0 when a step with the same key exists.
func (s *Service) enqueue(ctx context.Context, q store.Querier, now time.Time, v svc, t taskSpec) (int64, error) {
	key := t.key
	if key == "" {
		var seq int
		if err := q.QueryRowContext(ctx, `UPDATE provision_services SET seq = seq + 1 WHERE id = $1 RETURNING seq`, v.id).Scan(&seq); err != nil {
			return 0, err
		}
		key = fmt.Sprintf("%s:%d:%d", t.op, v.id, seq)
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO provision_tasks (service_id, org_id, op, reason, target_server_id, idem_key, payload, status,
		next_attempt_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $8, $8)
		ON CONFLICT (idem_key) DO NOTHING RETURNING id`, v.id, v.orgID, t.op, t.reason, nullID(t.target), key, t.payload, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// task is a provision_tasks row with what execution needs.
type task struct {
	Task
	payload string
}

const taskCols = `t.id, t.service_id, t.org_id, COALESCE(v.server_id, 0), v.ref, v.kind, t.op, t.reason, COALESCE(t.target_server_id, 0), t.status,
	t.attempts, t.next_attempt_at, t.message, t.created_at, t.updated_at, t.done_at, t.payload`

func scanTask(r interface{ Scan(...any) error }) (task, error) {
	var t task
	var done sql.NullTime
	if err := r.Scan(&t.ID, &t.ServiceID, &t.OrgID, &t.ServerID, &t.Ref, &t.Kind, &t.Op, &t.Reason, &t.TargetServerID, &t.Status,
		&t.Attempts, &t.NextAttemptAt, &t.Message, &t.CreatedAt, &t.UpdatedAt, &done, &t.payload); err != nil {
		return t, err
	}
	t.NextAttemptAt, t.CreatedAt, t.UpdatedAt = t.NextAttemptAt.UTC(), t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	if done.Valid {
		t.DoneAt = done.Time.UTC()
	}
	return t, nil
}

func queryTasks(ctx context.Context, q store.Querier, where string, args ...any) ([]Task, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+taskCols+` FROM provision_tasks t JOIN provision_services v ON v.id = t.service_id `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t.Task)
	}
	return out, rows.Err()
}

func getTask(ctx context.Context, q store.Querier, id int64) (task, error) {
	t, err := scanTask(q.QueryRowContext(ctx, `SELECT `+taskCols+` FROM provision_tasks t JOIN provision_services v ON v.id = t.service_id WHERE t.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, accounts.ErrNotFound
	}
	return t, err
}

// Queue lists tasks for staff, newest first (provision.read), a page at a time by
// keyset (f.Before).
func (s *Service) Queue(ctx context.Context, by accounts.Principal, f QueueFilter) ([]Task, error) {
	if err := mayRead(by); err != nil {
		return nil, err
	}
	q, args := queueQuery(f)
	return queryTasks(ctx, s.db, q, args...)
}

// openStatuses are the tasks still to do or that need staff: few, the work
// outstanding, read along provision_tasks_status and sorted.
const openStatuses = "t.status IN ('queued', 'running', 'failed', 'refused')"

// queueQuery is Queue's condition and order: each filter a range of an index in the
// list's order, the first page too "below the largest id", so that a page reads no
// more than itself at any number of tasks (issue 16): a status along
// provision_tasks_status (status, id), the open ones (four statuses) along the same
// index and then sorted (they are the work outstanding, not the history), a service
// along provision_tasks_service (service_id, id).
// A server's tasks are its open ones (the server page) or walk the tasks newest first.
func queueQuery(f QueueFilter) (string, []any) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if f.Status != "" {
		where = append(where, "t.status = "+arg(string(f.Status)))
	}
	if f.Open {
		where = append(where, openStatuses)
	}
	if f.ServerID != 0 {
		where = append(where, "v.server_id = "+arg(f.ServerID))
	}
	if f.ServiceID != 0 {
		where = append(where, "t.service_id = "+arg(f.ServiceID))
	}
	before := f.Before
	if before <= 0 {
		before = math.MaxInt64
	}
	where = append(where, "t.id < "+arg(before))
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 200
	}
	return "WHERE " + strings.Join(where, " AND ") + " ORDER BY t.id DESC LIMIT " + arg(limit), args
}

// Problems counts the tasks that need staff (failed or refused), along
// provision_tasks_status: as many as there are problems, not the history
// (provision.read).
func (s *Service) Problems(ctx context.Context, by accounts.Principal) (int, error) {
	if err := mayRead(by); err != nil {
		return 0, err
	}
	var n int
	err := s.db.QueryRowContext(ctx, problemsQuery).Scan(&n)
	return n, err
}

const problemsQuery = `SELECT COUNT(*) FROM provision_tasks WHERE status IN ('failed', 'refused')`

// Task returns one task of the queue (provision.read).
func (s *Service) Task(ctx context.Context, by accounts.Principal, id int64) (Task, error) {
	if err := mayRead(by); err != nil {
		return Task{}, err
	}
	t, err := getTask(ctx, s.db, id)
	return t.Task, err
}

// RunAgain queues a failed or refused task again, at once and with its attempts
// counted afresh (provision.manage); ErrNotRetryable for a task in another status.
func (s *Service) RunAgain(ctx context.Context, by accounts.Principal, taskID int64) error {
	if err := mayManage(by); err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		t, err := getTask(ctx, q, taskID)
		if err != nil {
			return err
		}
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE provision_tasks SET status = 'queued', attempts = 0, next_attempt_at = $1, updated_at = $1
			WHERE id = $2 AND status IN ('failed', 'refused')`, now, taskID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return ErrNotRetryable
		}
		return record(ctx, q, now, t.OrgID, "provision.task_run_again", "provision_task", taskID,
			fmt.Sprintf("%s of %s queued again after it was %s: %s", t.Op, t.Ref, t.Status, t.Message))
	})
}

// RunJob is the job provision.run: every minute it places services that wait for
// room, queues the deletions the terms made due, and executes due tasks.
func (s *Service) RunJob() jobs.Job {
	return jobs.Job{Name: "provision.run", Every: time.Minute, Run: s.Run}
}

// Run places waiting services, queues due deletions and executes due tasks, at most
// Settings.Batch, one at a time per service in the order they were queued. A task
// is claimed with a lease, so a run that was killed half-way leaves it to the next
// run once the lease passed; every driver call is idempotent by ref and a task is
// marked done only by the claim that ran it, so nothing is done twice.
func (s *Service) Run(ctx context.Context, _ time.Time) error {
	ctx = jobCtx(ctx, "provision.run")
	var errs []error
	if err := s.placeWaiting(ctx); err != nil {
		errs = append(errs, err)
	}
	if err := s.DeleteDue(ctx); err != nil {
		errs = append(errs, err)
	}
	for range s.set.Batch {
		t, ok, err := s.claim(ctx)
		if err != nil {
			return errors.Join(append(errs, err)...)
		}
		if !ok {
			break
		}
		if err := s.fail("claimed"); err != nil {
			return err
		}
		if err := s.execute(ctx, t); err != nil {
			return errors.Join(append(errs, err)...)
		}
	}
	return errors.Join(errs...)
}

// claim takes the next due task whose service has no earlier task to do, and marks
// it running until its lease ends. attempts, raised by each claim, fences a claim
// that was taken over.
func (s *Service) claim(ctx context.Context) (task, bool, error) {
	for range 10 {
		now := s.now()
		var id int64
		err := s.db.QueryRowContext(ctx, `SELECT t.id FROM provision_tasks t JOIN provision_services v ON v.id = t.service_id
			LEFT JOIN provision_servers sv ON sv.id = v.server_id
			WHERE ((t.status = 'queued' AND t.next_attempt_at <= $1) OR (t.status = 'running' AND t.lease_until <= $1))
			AND (sv.id IS NULL OR sv.enabled)
			AND NOT EXISTS (SELECT 1 FROM provision_tasks e WHERE e.service_id = t.service_id AND e.id < t.id AND e.status IN ('queued', 'running'))
			ORDER BY t.next_attempt_at, t.id LIMIT 1`, now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return task{}, false, nil
		}
		if err != nil {
			return task{}, false, err
		}
		var t task
		claimed := false
		err = s.db.InTx(ctx, func(q store.Querier) error {
			res, err := q.ExecContext(ctx, `UPDATE provision_tasks SET status = 'running', attempts = attempts + 1, lease_until = $1, updated_at = $2
				WHERE id = $3 AND ((status = 'queued' AND next_attempt_at <= $2) OR (status = 'running' AND lease_until <= $2))`,
				now.Add(s.set.Lease), now, id)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err
			}
			if t, err = getTask(ctx, q, id); err != nil {
				return err
			}
			claimed = true
			if t.Op != OpCreate {
				return nil
			}
			res, err = q.ExecContext(ctx, `UPDATE provision_services SET state = 'provisioning', updated_at = $1 WHERE id = $2 AND state = 'pending'`,
				now, t.ServiceID)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return err
			}
			return record(ctx, q, now, t.OrgID, "provision.provisioning", "provision_service", t.ServiceID,
				fmt.Sprintf("creation of %s started (attempt %d)", t.Ref, t.Attempts))
		})
		if err != nil {
			return task{}, false, err
		}
		if claimed {
			return t, true, nil
		}
	}
	return task{}, false, nil
}

// outcome is what a driver call returned that the commit stores.
type outcome struct {
	created driver.Created
	skipped bool // nothing was asked of the server (an unsuspend while a reason remains)
	monitor int64
}

// driverTimeout bounds one driver call; a server that hangs is retried later.
const driverTimeout = 5 * time.Minute

// execute runs a claimed task: the driver call, then one transaction that marks the
// task done and changes the service. A driver error schedules a retry or records the
// refusal; an error returned here (the database, a failpoint) aborts the run.
func (s *Service) execute(ctx context.Context, t task) error {
	v, err := getSvc(ctx, s.db, `WHERE id = $1`, t.ServiceID)
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, driverTimeout)
	out, callErr := s.call(dctx, t, v)
	cancel()
	if err := s.fail("after-driver"); err != nil {
		return err
	}
	if callErr != nil {
		return s.retry(ctx, t, v, callErr)
	}
	if (t.Op == OpCreate || t.Op == OpMove) && s.monitor != nil && out.monitor != 0 {
		// Placement is idempotent, and made before the commit so that a crash between
		// the two repeats it rather than losing it.
		if err := s.monitor.Place(ctx, s.system, v.subID, v.orgID, out.monitor); err != nil {
			return s.retry(ctx, t, v, fmt.Errorf("monitor placement: %w", err))
		}
	}
	if err := s.fail("before-commit"); err != nil {
		return err
	}
	if err := s.commit(ctx, t, v, out); err != nil {
		return err
	}
	if err := s.fail("committed"); err != nil {
		return err
	}
	if t.Op == OpDelete && s.deletions != nil {
		if err := s.deletions.DeletionDone(ctx, v.subID); err != nil {
			s.log.Error("provision: record deletion", "subscription", v.subID, "err", err)
		}
	}
	return nil
}

// call asks the server what the task says.
func (s *Service) call(ctx context.Context, t task, v svc) (outcome, error) {
	var out outcome
	if (v.state == StateTerminated || v.state == StateDeleted) && t.Op != OpTerminate && t.Op != OpDelete {
		// A step queued (or run again) before the service ended is no longer wanted.
		out.skipped = true
		return out, nil
	}
	if v.serverID == 0 {
		switch t.Op {
		case OpTerminate, OpDelete:
			return out, nil // nothing was ever put on a server
		default:
			return out, errors.New("provision: the service has no server")
		}
	}
	d, err := s.driverFor(ctx, s.db, v.serverID)
	if err != nil {
		return out, err
	}
	defer release(d)
	switch t.Op {
	case OpCreate:
		secret, err := s.openString(v.id, "secret", v.secret)
		if err != nil {
			return out, err
		}
		if secret == "" {
			return out, errors.New("provision: the service's secret is missing")
		}
		out.created, err = d.Create(ctx, s.account(v, secret))
		if err != nil {
			return out, err
		}
		return out, s.monitorOf(ctx, v.serverID, &out)
	case OpSuspend:
		return out, d.Suspend(ctx, v.ref, t.Reason)
	case OpUnsuspend:
		if len(v.reasons) > 0 {
			out.skipped = true
			return out, nil
		}
		return out, d.Unsuspend(ctx, v.ref)
	case OpTerminate:
		return out, d.Terminate(ctx, v.ref)
	case OpDelete:
		return out, d.DeleteData(ctx, v.ref)
	case OpChangePackage:
		var p driver.Package
		if err := json.Unmarshal([]byte(t.payload), &p); err != nil {
			return out, fmt.Errorf("provision: package of task %d: %w", t.ID, err)
		}
		return out, d.ChangePackage(ctx, v.ref, p)
	case OpResetCredentials:
		secret, err := s.openString(v.id, "next", v.secretNext)
		if err != nil {
			return out, err
		}
		if secret == "" {
			return out, errors.New("provision: the new secret is missing")
		}
		out.created, err = d.ResetCredentials(ctx, v.ref, secret)
		return out, err
	case OpMove:
		secret, err := s.openString(v.id, "next", v.secretNext)
		if err != nil {
			return out, err
		}
		if secret == "" {
			return out, errors.New("provision: the new secret is missing")
		}
		nd, err := s.driverFor(ctx, s.db, t.TargetServerID)
		if err != nil {
			return out, err
		}
		defer release(nd)
		if out.created, err = nd.Create(ctx, s.account(v, secret)); err != nil {
			return out, err
		}
		if len(v.reasons) > 0 {
			for _, r := range v.reasons {
				if err := nd.Suspend(ctx, v.ref, r); err != nil {
					return out, err
				}
			}
		}
		// The old account is taken out of service; its data stay until staff copied
		// what the customer needs, and the synchronisation report shows it.
		if err := d.Terminate(ctx, v.ref); err != nil {
			return out, err
		}
		return out, s.monitorOf(ctx, t.TargetServerID, &out)
	}
	return out, fmt.Errorf("provision: unknown operation %q", t.Op)
}

func (s *Service) account(v svc, secret string) driver.Account {
	return driver.Account{Ref: v.ref, Kind: v.kind, Domain: v.domain, Package: v.pkg, Secret: secret, Email: v.email}
}

func (s *Service) monitorOf(ctx context.Context, serverID int64, out *outcome) error {
	var m sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT monitor_server_id FROM provision_servers WHERE id = $1`, serverID).Scan(&m); err != nil {
		return err
	}
	out.monitor = m.Int64
	return nil
}

// backoff is the wait after attempt n (1-based): Backoff doubled per further attempt,
// at most MaxBackoff.
func (s *Service) backoff(n int) time.Duration {
	d := s.set.Backoff
	for i := 1; i < n && d < s.set.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, s.set.MaxBackoff)
}

func clip(msg string) string {
	if len(msg) > 2000 {
		return msg[:2000]
	}
	return msg
}

// retry records a failed driver call: a refusal ends the task as refused with the
// server's words and leaves the service as it was; another error is tried again after
// the back-off, until MaxAttempts, when the task fails and waits for staff.
func (s *Service) retry(ctx context.Context, t task, v svc, callErr error) error {
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		status, problem, msg := TaskQueued, "", callErr.Error()
		var ref *driver.Refusal
		switch {
		case errors.As(callErr, &ref):
			status, problem, msg = TaskRefused, "provision.problem.refused", ref.Message
		case t.Attempts >= s.set.MaxAttempts:
			status, problem = TaskFailed, "provision.problem.failed"
		}
		msg = clip(msg)
		res, err := q.ExecContext(ctx, `UPDATE provision_tasks SET status = $1, message = $2, next_attempt_at = $3, lease_until = NULL, updated_at = $4
			WHERE id = $5 AND status = 'running' AND attempts = $6`, status, msg, now.Add(s.backoff(t.Attempts)), now, t.ID, t.Attempts)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // another run took the task over
		}
		if t.Op == OpCreate {
			// The create waits again: the service is pending, not being created.
			res, err := q.ExecContext(ctx, `UPDATE provision_services SET state = 'pending', updated_at = $1 WHERE id = $2 AND state = 'provisioning'`,
				now, v.id)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if n > 0 && status == TaskQueued {
				return record(ctx, q, now, v.orgID, "provision.pending", "provision_service", v.id,
					fmt.Sprintf("creation of %s failed (attempt %d), tried again from %s: %s", v.ref, t.Attempts,
						now.Add(s.backoff(t.Attempts)).Format(time.RFC3339), msg))
			}
		}
		if status == TaskQueued {
			return nil
		}
		if _, err := q.ExecContext(ctx, `UPDATE provision_services SET problem = $1, problem_text = $2, updated_at = $3 WHERE id = $4`,
			problem, msg, now, v.id); err != nil {
			return err
		}
		return record(ctx, q, now, v.orgID, "provision.task_"+string(status), "provision_task", t.ID,
			fmt.Sprintf("%s of %s %s after %d attempt(s): %s", t.Op, v.ref, status, t.Attempts, msg))
	})
}

// commit marks the task done and moves the service to the state the step reached.
func (s *Service) commit(ctx context.Context, t task, v svc, out outcome) error {
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE provision_tasks SET status = 'done', message = '', lease_until = NULL, done_at = $1, updated_at = $1
			WHERE id = $2 AND status = 'running' AND attempts = $3`, now, t.ID, t.Attempts)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err // another run took the task over and commits it
		}
		cur, err := getSvc(ctx, q, `WHERE id = $1`, v.id)
		if err != nil {
			return err
		}
		set := func(sql string, args ...any) error {
			_, err := q.ExecContext(ctx, `UPDATE provision_services SET `+sql+`, problem = '', problem_text = '', updated_at = $1 WHERE id = $2`,
				append([]any{now, v.id}, args...)...)
			return err
		}
		summary := ""
		op := t.Op
		if out.skipped {
			op = ""
			summary = fmt.Sprintf("%s of %s (%s) not needed: the service is %s", t.Op, v.name, v.ref, cur.state)
			if len(cur.reasons) > 0 && cur.state == StateSuspended {
				summary += " (" + joinReasons(cur.reasons) + ")"
			}
		}
		switch op {
		case OpCreate:
			details, sens, err := s.sealedOutcome(v.id, out.created)
			if err != nil {
				return err
			}
			state := cur.state
			if state == StatePending || state == StateProvisioning {
				state = StateActive
			}
			err = set(`state = $3, details = $4, sensitive = $5, secret_ready = TRUE`, state, details, sens)
			if err != nil {
				return err
			}
			summary = fmt.Sprintf("%s (%s) created on its server and %s", v.name, v.ref, state)
		case OpSuspend:
			if cur.state == StateActive && len(cur.reasons) > 0 {
				cur.state = StateSuspended
			}
			if err := set(`state = $3`, cur.state); err != nil {
				return err
			}
			summary = fmt.Sprintf("%s (%s) suspended on its server (%s)", v.name, v.ref, t.Reason)
		case OpUnsuspend:
			if cur.state == StateSuspended && len(cur.reasons) == 0 {
				cur.state = StateActive
			}
			if err := set(`state = $3`, cur.state); err != nil {
				return err
			}
			summary = fmt.Sprintf("%s (%s) back in use on its server", v.name, v.ref)
		case OpTerminate:
			if err := set(`state = 'terminated', reasons = '', secret = '', sensitive = '', secret_next = '', secret_ready = FALSE`); err != nil {
				return err
			}
			summary = fmt.Sprintf("%s (%s) terminated; its data are kept until the retention period passed", v.name, v.ref)
		case OpDelete:
			if err := set(`state = 'deleted', reasons = '', secret = '', sensitive = '', secret_next = '', secret_ready = FALSE, details = '{}'`); err != nil {
				return err
			}
			summary = fmt.Sprintf("%s (%s): data deleted from the server after the retention period", v.name, v.ref)
		case OpChangePackage:
			if err := set(`package = package`); err != nil {
				return err
			}
			summary = fmt.Sprintf("%s (%s) has its new package on its server", v.name, v.ref)
		case OpResetCredentials, OpMove:
			secret, err := s.openString(v.id, "next", cur.secretNext)
			if err != nil {
				return err
			}
			sealed, err := s.sealString(v.id, "secret", secret)
			if err != nil {
				return err
			}
			created := out.created
			if t.Op == OpResetCredentials {
				created.Details = mergeDetails(cur.details, created.Details)
			}
			details, sens, err := s.sealedOutcome(v.id, created)
			if err != nil {
				return err
			}
			if err := set(`secret = $3, secret_next = '', secret_ready = TRUE, details = $4, sensitive = $5`, sealed, details, sens); err != nil {
				return err
			}
			summary = fmt.Sprintf("%s (%s) has new credentials, to be shown once", v.name, v.ref)
			if t.Op == OpMove {
				if _, err := q.ExecContext(ctx, `UPDATE provision_services SET server_id = $1 WHERE id = $2`, t.TargetServerID, v.id); err != nil {
					return err
				}
				summary = fmt.Sprintf("%s (%s) moved from server %d to server %d; new credentials, to be shown once", v.name, v.ref, v.serverID, t.TargetServerID)
			}
		}
		action := "provision." + string(t.Op)
		if out.skipped {
			action = "provision.skipped"
		} else if err := s.mailReady(ctx, q, now, t, v); err != nil {
			return err
		}
		return record(ctx, q, now, v.orgID, action, "provision_service", v.id, summary)
	})
}

func mergeDetails(old, changed map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range old {
		out[k] = v
	}
	for k, v := range changed {
		out[k] = v
	}
	return out
}

// sealedOutcome is the details as JSON and the sensitive details sealed.
func (s *Service) sealedOutcome(id int64, c driver.Created) (string, string, error) {
	d := c.Details
	if d == nil {
		d = map[string]string{}
	}
	details, err := json.Marshal(d)
	if err != nil {
		return "", "", err
	}
	if len(c.Sensitive) == 0 {
		return string(details), "", nil
	}
	b, err := json.Marshal(c.Sensitive)
	if err != nil {
		return "", "", err
	}
	sens, err := s.sealString(id, "sensitive", string(b))
	return string(details), sens, err
}
