package jobs

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the job_leases table.
var Schema = store.SchemaFrom("jobs", migrations, "migrations")

// Job is a named job that runs every Every. Run receives the clock's time at which this
// run was started; it must be idempotent (see the package documentation), because a run
// that is interrupted is run again.
type Job struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context, now time.Time) error
}

const (
	// DefaultLease is how long a job stays claimed without a heartbeat. It bounds how long
	// a job of a dead instance waits before another instance takes it over.
	DefaultLease = 2 * time.Minute
	// DefaultPollInterval bounds how long Run waits before it looks at the table again,
	// so that it notices jobs that another instance released or a clock that was moved.
	DefaultPollInterval = 5 * time.Second

	maxErrorLen = 2000
)

// errLeaseLost is the cause of a job context cancelled because another instance took the
// job over.
var errLeaseLost = errors.New("jobs: lease lost to another instance")

// Runner runs registered jobs when they are due and holds their leases while they run.
type Runner struct {
	db       *store.DB
	clk      clock.Clock
	log      *slog.Logger
	instance string

	// Lease and PollInterval may be changed before Run or RunDue is first called.
	Lease        time.Duration
	PollInterval time.Duration

	mu      sync.Mutex
	jobs    []Job
	ensured map[string]bool
	running map[string]bool
	wake    chan struct{}

	newTicker func(time.Duration) (<-chan time.Time, func())
}

// New returns a Runner for one instance. instanceID names the instance in job_leases
// (locked_by), so staff can see which instance holds a job; a hostname or pod name.
func New(db *store.DB, clk clock.Clock, logger *slog.Logger, instanceID string) *Runner {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Runner{
		db:           db,
		clk:          clk,
		log:          logger.With("component", "jobs", "instance", instanceID),
		instance:     instanceID,
		Lease:        DefaultLease,
		PollInterval: DefaultPollInterval,
		ensured:      map[string]bool{},
		running:      map[string]bool{},
		wake:         make(chan struct{}, 1),
		newTicker: func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		},
	}
}

// Register adds j. Like http.ServeMux.Handle it panics on a programming error: an empty
// name, a duplicate name, a non-positive interval or a nil Run.
func (r *Runner) Register(j Job) {
	if j.Name == "" || j.Every <= 0 || j.Run == nil {
		panic(fmt.Sprintf("jobs: Register(%q): needs a name, a positive Every and a Run func", j.Name))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, have := range r.jobs {
		if have.Name == j.Name {
			panic(fmt.Sprintf("jobs: job %q registered twice", j.Name))
		}
	}
	r.jobs = append(r.jobs, j)
}

func (r *Runner) registered() []Job {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Job(nil), r.jobs...)
}

// RunDue runs, one after the other in registration order, every registered job that is
// due at the clock's current time and not held by another instance, each exactly once.
// It returns the names of the jobs it ran, and the errors of the runs (each recorded in
// job_leases as well) joined with any database error. Tests and the simulate command
// call it after moving a clock.Fake.
func (r *Runner) RunDue(ctx context.Context) (ran []string, err error) {
	now := store.Now(r.clk.Now())
	var errs []error
	for _, j := range r.registered() {
		ok, err := r.acquire(ctx, j, now)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !ok {
			continue
		}
		ran = append(ran, j.Name)
		if err := r.execute(ctx, j, now); err != nil {
			errs = append(errs, fmt.Errorf("jobs: %s: %w", j.Name, err))
		}
	}
	return ran, errors.Join(errs...)
}

// Run runs due jobs until ctx is cancelled, each job in its own goroutine so that a long
// billing run does not hold up the mail sender. On cancellation it starts no new job,
// lets the running ones finish (their context is not cancelled: a job stopped half way
// would only have to be resumed by the next run) and releases their leases before it
// returns. Database errors are logged and retried rather than returned, so a database
// restart does not stop the scheduler; Run returns an error only when no job is
// registered.
func (r *Runner) Run(ctx context.Context) error {
	if len(r.registered()) == 0 {
		return errors.New("jobs: Run: no jobs registered")
	}
	r.log.Info("job runner started")
	jobCtx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			r.log.Info("job runner stopping; waiting for running jobs")
			wg.Wait()
			r.log.Info("job runner stopped")
			return nil
		case <-timer.C:
		case <-r.wake:
		}
		now := store.Now(r.clk.Now())
		for _, j := range r.registered() {
			if ctx.Err() != nil {
				break
			}
			if r.isRunning(j.Name) {
				continue
			}
			ok, err := r.acquire(ctx, j, now)
			if err != nil {
				if ctx.Err() == nil {
					r.log.Error("job acquire failed", "job", j.Name, "err", err)
				}
				continue
			}
			if !ok {
				continue
			}
			r.setRunning(j.Name, true)
			wg.Go(func() {
				defer r.setRunning(j.Name, false)
				_ = r.execute(jobCtx, j, now) // execute logs and records the outcome
			})
		}
		timer.Reset(r.nextWait(ctx, now))
	}
}

func (r *Runner) isRunning(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.running[name]
}

func (r *Runner) setRunning(name string, on bool) {
	r.mu.Lock()
	if on {
		r.running[name] = true
	} else {
		delete(r.running, name)
	}
	r.mu.Unlock()
	if !on {
		// A finished job's next run may come before the poll timer fires.
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
}

// nextWait tells how long Run may sleep: until the earliest moment a job not running
// here becomes due or its lease expires, at most PollInterval. The clock may be a fake
// that does not move with the timer; the poll bound keeps Run responsive then too.
func (r *Runner) nextWait(ctx context.Context, now time.Time) time.Duration {
	const floor = 50 * time.Millisecond
	wait := r.PollInterval
	rows, err := r.db.QueryContext(ctx, `SELECT name, next_run_at, locked_until FROM job_leases`)
	if err != nil {
		return wait
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var next time.Time
		var lockedUntil sql.NullTime
		if err := rows.Scan(&name, &next, &lockedUntil); err != nil {
			return wait
		}
		if !r.isRegistered(name) || r.isRunning(name) {
			continue
		}
		at := next
		if lockedUntil.Valid && lockedUntil.Time.After(at) {
			at = lockedUntil.Time
		}
		if d := at.Sub(now); d < wait {
			wait = d
		}
	}
	return max(wait, floor)
}

func (r *Runner) isRegistered(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, j := range r.jobs {
		if j.Name == name {
			return true
		}
	}
	return false
}

// ensure creates j's row on first use, due at once: a new job runs as soon as an instance
// that knows it starts, and since jobs are idempotent an early run is harmless.
func (r *Runner) ensure(ctx context.Context, j Job, now time.Time) error {
	r.mu.Lock()
	done := r.ensured[j.Name]
	r.mu.Unlock()
	if done {
		return nil
	}
	if _, err := r.db.ExecContext(ctx, `INSERT INTO job_leases (name, next_run_at) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING`, j.Name, now); err != nil {
		return fmt.Errorf("jobs: register %s: %w", j.Name, err)
	}
	r.mu.Lock()
	r.ensured[j.Name] = true
	r.mu.Unlock()
	return nil
}

// acquire claims j's lease if j is due and nobody holds it. The one UPDATE is the whole
// protocol: only one instance's statement can match the row.
func (r *Runner) acquire(ctx context.Context, j Job, now time.Time) (bool, error) {
	if err := r.ensure(ctx, j, now); err != nil {
		return false, err
	}
	var name string
	err := r.db.QueryRowContext(ctx, `UPDATE job_leases SET locked_by = $2, locked_until = $3, last_started_at = $4
		WHERE name = $1 AND (locked_until IS NULL OR locked_until < $4) AND next_run_at <= $4
		RETURNING name`,
		j.Name, r.instance, store.Now(now.Add(r.Lease)), now).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("jobs: acquire %s: %w", j.Name, err)
	}
	return true, nil
}

// execute runs j, whose lease this instance acquired at started, with a heartbeat, and
// then records the outcome and releases the lease. It returns the job's error.
func (r *Runner) execute(ctx context.Context, j Job, started time.Time) error {
	log := r.log.With("job", j.Name)
	log.Debug("job started", "now", started)
	jobCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stop := make(chan struct{})
	var hb sync.WaitGroup
	hb.Go(func() { r.heartbeat(jobCtx, cancel, j.Name, started, stop, log) })

	runErr := r.call(jobCtx, j, started, log)
	close(stop)
	hb.Wait()
	if cause := context.Cause(jobCtx); errors.Is(cause, errLeaseLost) && runErr != nil {
		runErr = fmt.Errorf("%w (%w)", runErr, cause)
	}

	finished := store.Now(r.clk.Now())
	msg := ""
	if runErr != nil {
		msg = errorText(runErr)
		log.Error("job failed", "err", runErr, "took", finished.Sub(started))
	} else {
		// Debug, not Info: mail.send alone finishes 8,640 times a day.
		log.Debug("job finished", "took", finished.Sub(started))
	}
	// Recording must happen even when the caller is shutting down: an unreleased lease
	// would keep the job from running anywhere until it expires.
	res, err := r.db.ExecContext(context.WithoutCancel(ctx), `UPDATE job_leases
		SET locked_by = NULL, locked_until = NULL, last_finished_at = $1, last_error = $2, next_run_at = $3
		WHERE name = $4 AND locked_by = $5 AND last_started_at = $6`,
		finished, msg, store.Now(started.Add(j.Every)), j.Name, r.instance, started)
	if err != nil {
		log.Error("job release failed; the lease will expire", "err", err)
		return errors.Join(runErr, fmt.Errorf("release lease: %w", err))
	}
	if n, err := res.RowsAffected(); err != nil {
		log.Error("job release: rows affected unknown", "err", err)
	} else if n == 0 {
		log.Warn("job lease was taken over while running; outcome not recorded")
	}
	return runErr
}

// errorText makes err storable on both engines: PostgreSQL rejects NUL bytes and
// invalid UTF-8 in TEXT, and a cut at maxErrorLen may split a character.
func errorText(err error) string {
	s := strings.ReplaceAll(err.Error(), "\x00", "")
	if len(s) > maxErrorLen {
		s = s[:maxErrorLen]
	}
	return strings.ToValidUTF8(s, "")
}

// call runs the job, turning a panic into an error so that one broken job neither kills
// the process nor keeps its lease.
func (r *Runner) call(ctx context.Context, j Job, now time.Time, log *slog.Logger) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Error("job panicked", "panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return j.Run(ctx, now)
}

// heartbeat extends the lease every Lease/3 until stop is closed. When the lease turns
// out to belong to someone else, the job is cancelled: another instance is running it.
func (r *Runner) heartbeat(ctx context.Context, cancel context.CancelCauseFunc, name string, started time.Time, stop <-chan struct{}, log *slog.Logger) {
	ticks, stopTicker := r.newTicker(max(r.Lease/3, time.Millisecond))
	defer stopTicker()
	dbCtx := context.WithoutCancel(ctx)
	for {
		select {
		case <-stop:
			return
		case <-ticks:
		}
		until := store.Now(r.clk.Now().Add(r.Lease))
		res, err := r.db.ExecContext(dbCtx, `UPDATE job_leases SET locked_until = $1
			WHERE name = $2 AND locked_by = $3 AND last_started_at = $4`, until, name, r.instance, started)
		if err != nil {
			// The lease is still ours until it expires; try again on the next tick.
			log.Warn("job heartbeat failed", "err", err)
			continue
		}
		if n, err := res.RowsAffected(); err != nil {
			// Whether the lease is still ours is unknown; it is until it expires.
			log.Warn("job heartbeat: rows affected unknown", "err", err)
		} else if n == 0 {
			log.Error("job lease lost to another instance; cancelling this run")
			cancel(errLeaseLost)
			return
		}
	}
}

// Status is a job's row in job_leases, for the staff pages and the simulate command.
type Status struct {
	Name           string
	LockedBy       string
	LockedUntil    *time.Time
	LastStartedAt  *time.Time
	LastFinishedAt *time.Time
	LastError      string
	NextRunAt      time.Time
}

// Statuses returns every job's status, by name.
func Statuses(ctx context.Context, q store.Querier) ([]Status, error) {
	rows, err := q.QueryContext(ctx, `SELECT name, locked_by, locked_until, last_started_at, last_finished_at, last_error, next_run_at
		FROM job_leases ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("jobs: statuses: %w", err)
	}
	defer rows.Close()
	var out []Status
	for rows.Next() {
		var s Status
		var lockedBy sql.NullString
		if err := rows.Scan(&s.Name, &lockedBy, &s.LockedUntil, &s.LastStartedAt, &s.LastFinishedAt, &s.LastError, &s.NextRunAt); err != nil {
			return nil, fmt.Errorf("jobs: statuses: %w", err)
		}
		s.LockedBy = lockedBy.String
		s.NextRunAt = s.NextRunAt.UTC()
		for _, t := range []*time.Time{s.LockedUntil, s.LastStartedAt, s.LastFinishedAt} {
			if t != nil {
				*t = t.UTC()
			}
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
