package monitor

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
)

// lookback is how far before its last evaluation a component's results are read again,
// so that results a probe location reports late still count. Operational, not a term.
const lookback = 30 * time.Minute

// EvaluateJob turns results into confirmed outages every minute.
func (s *Service) EvaluateJob() jobs.Job {
	return jobs.Job{Name: "monitor.evaluate", Every: time.Minute, Run: s.Evaluate}
}

type evalComponent struct {
	id, serverID       int64
	name, target       string
	interval           time.Duration
	evaluatedTo        time.Time
	alerting, flapping bool
}

// Evaluate reconciles every component's confirmed outages with its results: the
// calculator's sla.ComponentDown (confirm_failures, max_check_gap, majority of
// locations, cp.sla.availability.2) over the results since the last evaluation gives
// the down intervals; a new one is stored as an outage (open while it reaches the newest
// check), an open one that ended is closed. Each component is one transaction, with
// the Hooks calls and the staff alerts, so a crash half-way leaves every component
// either evaluated or not, and an outage is started and ended once.
func (s *Service) Evaluate(ctx context.Context, now time.Time) error {
	now = store.Now(now)
	rules, err := s.rules(now)
	if err != nil {
		return err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, server_id, name, target, interval_seconds, evaluated_to, created_at, alerting, flapping
		FROM monitor_components ORDER BY id`)
	if err != nil {
		return err
	}
	var comps []evalComponent
	for rows.Next() {
		var c evalComponent
		var secs int64
		var evaluated *time.Time
		if err := rows.Scan(&c.id, &c.serverID, &c.name, &c.target, &secs, &evaluated, &c.evaluatedTo, &c.alerting, &c.flapping); err != nil {
			rows.Close()
			return err
		}
		if evaluated != nil {
			c.evaluatedTo = *evaluated
		}
		c.interval, c.evaluatedTo = time.Duration(secs)*time.Second, c.evaluatedTo.UTC()
		comps = append(comps, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ctx = audit.WithActor(ctx, audit.System("monitor.evaluate"))
	for _, c := range comps {
		if err := s.fail("evaluate:before-component"); err != nil {
			return err
		}
		if err := s.db.InTx(ctx, func(q store.Querier) error { return s.evaluate(ctx, q, c, rules, now) }); err != nil {
			return fmt.Errorf("monitor: evaluate component %d: %w", c.id, err)
		}
	}
	return nil
}

func (s *Service) evaluate(ctx context.Context, q store.Querier, c evalComponent, rules sla.Rules, now time.Time) error {
	gap := gapFor(rules, c.interval)
	stored, err := queryOutages(ctx, q, `WHERE o.component_id = $1 AND (o.to_at IS NULL OR o.to_at >= $2) ORDER BY o.from_at`,
		c.id, c.evaluatedTo.Add(-lookback))
	if err != nil {
		return err
	}
	start := c.evaluatedTo.Add(-lookback)
	for _, o := range stored {
		if o.To.IsZero() && o.From.Add(-gap).Before(start) {
			start = o.From.Add(-gap)
		}
	}
	runs, err := queryRuns(ctx, q, `r.component_id = $1 AND r.last_at >= $2`, c.id, start)
	if err != nil {
		return err
	}
	var checks []sla.Check
	var newest time.Time
	for _, r := range runs {
		for _, at := range expand(r, rules.ConfirmFailures, gap) {
			checks = append(checks, sla.Check{Component: r.name, Target: r.target, Location: r.location, At: at, OK: r.ok})
		}
		if r.last.After(newest) {
			newest = r.last
		}
	}
	fresh := !newest.IsZero() && now.Sub(newest) <= gap
	matched := map[int64]bool{}
	for _, iv := range sla.ComponentDown(checks, rules) {
		ongoing := fresh && iv.To.Equal(newest)
		end := iv.To
		if ongoing {
			end = now
		}
		var match *Outage
		for i := range stored {
			o := &stored[i]
			if !o.From.After(end) && (o.To.IsZero() || !o.To.Before(iv.From)) {
				match = o
				break
			}
		}
		switch {
		case match == nil:
			o := Outage{ComponentID: c.id, ServerID: c.serverID, Component: c.name, Target: c.target, From: iv.From, Reason: reasonIn(runs, iv)}
			if !ongoing {
				o.To = iv.To
			}
			inserted, err := s.startOutage(ctx, q, c, &o, now)
			if err != nil || !inserted {
				return err
			}
			if !o.To.IsZero() {
				if err := s.endedOutage(ctx, q, o); err != nil {
					return err
				}
			}
			stored = append(stored, o)
			matched[o.ID] = true
		case match.To.IsZero() && !ongoing:
			if err := s.closeOutage(ctx, q, match, iv.To); err != nil {
				return err
			}
		}
		if match != nil {
			matched[match.ID] = true
		}
	}
	// An open outage no interval covers any more (results from another location
	// arrived late and the majority no longer sees it down) ends at the newest check.
	for i := range stored {
		o := &stored[i]
		if o.To.IsZero() && !matched[o.ID] {
			to := newest
			if !to.After(o.From) {
				to = now
			}
			if err := s.closeOutage(ctx, q, o, to); err != nil {
				return err
			}
		}
	}
	if err := s.fail("evaluate:before-damping"); err != nil {
		return err
	}
	if err := s.damp(ctx, q, c, now); err != nil {
		return err
	}
	_, err = q.ExecContext(ctx, `UPDATE monitor_components SET evaluated_to = $2 WHERE id = $1`, c.id, now)
	return err
}

// reasonIn is the reason of the last failed run within iv.
func reasonIn(runs []run, iv sla.Interval) string {
	var reason string
	var at time.Time
	for _, r := range runs {
		if !r.ok && r.first.Before(iv.To.Add(time.Nanosecond)) && !r.last.Before(iv.From) && !r.first.Before(at) {
			reason, at = r.reason, r.first
		}
	}
	return reason
}

func (s *Service) startOutage(ctx context.Context, q store.Querier, c evalComponent, o *Outage, now time.Time) (bool, error) {
	var to any
	if !o.To.IsZero() {
		to = o.To
	}
	err := q.QueryRowContext(ctx, `INSERT INTO monitor_outages (component_id, server_id, component, target, from_at, to_at, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (component_id, from_at) DO NOTHING RETURNING id`, o.ComponentID, o.ServerID, o.Component, o.Target, o.From, to, o.Reason).Scan(&o.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := audit.Record(ctx, q, now, audit.Change{Action: "monitor.outage_start", ObjectKind: "monitor_outage", ObjectID: fmt.Sprint(o.ID),
		Summary: fmt.Sprintf("outage of %s %s confirmed from %s", o.Component, o.Target, o.From.Format(time.RFC3339))}); err != nil {
		return false, err
	}
	if s.hooks != nil {
		if err := s.hooks.OutageStarted(ctx, q, *o); err != nil {
			return false, err
		}
	}
	return true, s.alertStart(ctx, q, c, *o, now)
}

func (s *Service) closeOutage(ctx context.Context, q store.Querier, o *Outage, to time.Time) error {
	res, err := q.ExecContext(ctx, `UPDATE monitor_outages SET to_at = $2 WHERE id = $1 AND to_at IS NULL`, o.ID, to)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil
	}
	o.To = to
	return s.endedOutage(ctx, q, *o)
}

func (s *Service) endedOutage(ctx context.Context, q store.Querier, o Outage) error {
	if err := audit.Record(ctx, q, s.now(), audit.Change{Action: "monitor.outage_end", ObjectKind: "monitor_outage", ObjectID: fmt.Sprint(o.ID),
		Summary: fmt.Sprintf("outage of %s %s ended at %s", o.Component, o.Target, o.To.Format(time.RFC3339))}); err != nil {
		return err
	}
	if s.hooks != nil {
		return s.hooks.OutageEnded(ctx, q, o)
	}
	return nil
}

// Reevaluate makes the next evaluation read a component's results again from from: a
// probe location that was cut off delivers its buffered results late, beyond the
// evaluator's lookback, and an outage in them must still be found (cp.av.19.5: the
// measurements are the evidence). It never moves the evaluation forward.
func (s *Service) Reevaluate(ctx context.Context, by accounts.Principal, componentID int64, from time.Time) error {
	if err := mayManage(by); err != nil {
		return err
	}
	ctx = staffActor(ctx, by)
	now := s.now()
	from = store.Now(from)
	if from.After(now) {
		return accounts.FieldErrors{"from": i18n.T("monitor.must_not_future")}
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		var name, target string
		err := q.QueryRowContext(ctx, `UPDATE monitor_components SET evaluated_to = $2
			WHERE id = $1 AND (evaluated_to IS NULL OR evaluated_to > $2) RETURNING name, target`, componentID, from).Scan(&name, &target)
		if errors.Is(err, sql.ErrNoRows) {
			if err := q.QueryRowContext(ctx, `SELECT name FROM monitor_components WHERE id = $1`, componentID).Scan(&name); errors.Is(err, sql.ErrNoRows) {
				return accounts.ErrNotFound
			} else if err != nil {
				return err
			}
			return nil // already evaluated from earlier
		}
		if err != nil {
			return err
		}
		return record(ctx, q, now, "monitor.component_reevaluate", "monitor_component", componentID, 0,
			fmt.Sprintf("component %s %s evaluated again from %s", name, target, from.Format(time.RFC3339)))
	})
}
