package backup

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Forget applies the terms' retention rule to every service's snapshots
// (backup.forget; cp.sla.backups.2, INTERPRETATION.md A05): the snapshots of the
// dates the rule does not keep, and any older snapshot of a kept date, are forgotten
// by their ids; then each repository that lost snapshots is pruned. It reads the
// snapshots from the repository every time, so a run killed half-way is finished by
// the next one.
func (s *Service) Forget(ctx context.Context, now time.Time) error {
	ctx = audit.JobContext(ctx, "backup.forget")
	now = store.Now(now)
	pol, _ := s.policy(today(now))
	if !pol.Terms.Backups.Promised() {
		return nil
	}
	var errs []error
	// The servers to prune, each with the agent of a service on it that can reach
	// its repository (nil: restic here).
	prune := map[int64]Host{}
	after := int64(0)
	for {
		es, err := s.enrolled(ctx, s.db, fmt.Sprintf(`WHERE b.id > $1 AND v.enabled ORDER BY b.id LIMIT %d`, s.set.Batch), after)
		if err != nil {
			return err
		}
		for _, e := range es {
			n, err := s.forgetOne(ctx, pol, e, now)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", e.Ref, err))
			}
			if n > 0 {
				h, herr := s.host(ctx, e)
				if herr != nil {
					errs = append(errs, herr)
				} else if cur, ok := prune[e.ServerID]; !ok || cur == nil {
					prune[e.ServerID] = h
				}
			}
		}
		if len(es) < s.set.Batch {
			break
		}
		after = es[len(es)-1].ID
	}
	if err := s.fail("before-prune"); err != nil {
		return err
	}
	for id, h := range prune {
		repo, err := s.repo(ctx, s.db, id)
		if err == nil && h != nil {
			err = h.Prune(ctx, repo)
		} else if err == nil {
			err = s.engine.Prune(ctx, repo)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("prune server %d: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

// snapshotDay is the day a snapshot is the backup of: its hp-day tag, else its time's
// date in Europe/Amsterdam.
func snapshotDay(sn Snapshot) terms.Date {
	if d, err := terms.ParseDate(sn.Tag("hp-day")); err == nil {
		return d
	}
	return terms.DateIn(sn.Time, clock.Amsterdam)
}

// RetentionPlan is what the rule keeps and forgets of one service's snapshots.
type RetentionPlan struct {
	Keep        []Snapshot
	Forget      []Snapshot
	Explanation terms.Explanation
}

// PlanRetention applies the rule to a service's snapshots: per day the latest
// snapshot is the day's backup; the rule decides which days stay.
func PlanRetention(pol *terms.Policy, snaps []Snapshot) (RetentionPlan, error) {
	latest := map[terms.Date]Snapshot{}
	var plan RetentionPlan
	for _, sn := range snaps {
		d := snapshotDay(sn)
		if cur, ok := latest[d]; ok {
			if sn.Time.After(cur.Time) {
				plan.Forget = append(plan.Forget, cur)
				latest[d] = sn
			} else {
				plan.Forget = append(plan.Forget, sn)
			}
			continue
		}
		latest[d] = sn
	}
	dates := make([]terms.Date, 0, len(latest))
	for d := range latest {
		dates = append(dates, d)
	}
	res, ex, err := pol.BackupRetention(dates)
	if err != nil {
		return plan, err
	}
	for _, d := range res.Keep {
		plan.Keep = append(plan.Keep, latest[d])
	}
	for _, d := range res.Forget {
		plan.Forget = append(plan.Forget, latest[d])
	}
	plan.Explanation = ex
	return plan, nil
}

func (s *Service) forgetOne(ctx context.Context, pol *terms.Policy, e Enrolled, now time.Time) (int, error) {
	repo, err := s.repo(ctx, s.db, e.ServerID)
	if err != nil {
		return 0, err
	}
	var demo bool
	if err := s.db.QueryRowContext(ctx, `SELECT demo FROM backup_servers WHERE id = $1`, e.ServerID).Scan(&demo); err != nil {
		return 0, err
	}
	var snaps []Snapshot
	if demo {
		// The demo server keeps nothing across restarts: its runs are the snapshots.
		runs, err := s.runs(ctx, s.db, `WHERE r.bservice_id = $1 AND r.status = 'done' AND r.forgotten_at IS NULL`, e.ID)
		if err != nil {
			return 0, err
		}
		for _, r := range runs {
			snaps = append(snaps, Snapshot{ID: r.Snapshot, Short: r.Snapshot, Time: r.SnapshotAt, Tags: []string{serviceTag(e.Ref), dayTag(r.Day)}})
		}
	} else if snaps, err = s.snapshots(ctx, e, repo, []string{serviceTag(e.Ref)}); err != nil {
		return 0, err
	}
	plan, err := PlanRetention(pol, snaps)
	if err != nil {
		return 0, err
	}
	if err := s.expireStopped(ctx, pol, e, now, &plan); err != nil {
		return 0, err
	}
	ids := make([]string, 0, len(plan.Forget))
	for _, sn := range plan.Forget {
		ids = append(ids, sn.ID)
	}
	slices.Sort(ids)
	h, err := s.host(ctx, e)
	if err != nil {
		return 0, err
	}
	if h != nil {
		err = h.Forget(ctx, repo, ids)
	} else {
		err = s.engine.Forget(ctx, repo, ids)
	}
	if err != nil {
		return 0, err
	}
	if err := s.fail("after-forget"); err != nil {
		return 0, err
	}
	kept := map[string]bool{}
	for _, sn := range plan.Keep {
		kept[sn.ID], kept[sn.Short] = true, true
	}
	ex, _ := json.Marshal(plan.Explanation)
	err = s.db.InTx(ctx, func(q store.Querier) error {
		// A run's backup is gone once the snapshot it recorded is no longer kept.
		runs, err := s.runs(ctx, q, `WHERE r.bservice_id = $1 AND r.status = 'done' AND r.forgotten_at IS NULL`, e.ID)
		if err != nil {
			return err
		}
		for _, r := range runs {
			if kept[r.Snapshot] || keptByPrefix(kept, r.Snapshot) {
				continue
			}
			if _, err := q.ExecContext(ctx, `UPDATE backup_runs SET forgotten_at = $1 WHERE id = $2`, now, r.ID); err != nil {
				return err
			}
		}
		_, err = q.ExecContext(ctx, `UPDATE backup_services SET retention = $1 WHERE id = $2`, string(ex), e.ID)
		return err
	})
	return len(ids), err
}

// keptByPrefix matches a short snapshot id (what restic 0.14's backup summary gives)
// against the full ids kept.
func keptByPrefix(kept map[string]bool, id string) bool {
	if len(id) < 8 {
		return false
	}
	for k := range kept {
		if len(k) > len(id) && k[:len(id)] == id {
			return true
		}
	}
	return false
}

// expireStopped moves to Forget the kept snapshots of a service that ended whose
// retention of backups (the pack's retention "backups", counted from the day the
// backup was made; cp.sla.backups.2) has passed: no newer backup comes to push them
// out, so without this the rule would keep a terminated service's last backups for
// ever.
func (s *Service) expireStopped(ctx context.Context, pol *terms.Policy, e Enrolled, now time.Time, plan *RetentionPlan) error {
	if e.Enabled {
		return nil
	}
	var stopped sql.NullTime
	if err := s.db.QueryRowContext(ctx, `SELECT stopped_at FROM backup_services WHERE id = $1`, e.ID).Scan(&stopped); err != nil || !stopped.Valid {
		return err
	}
	day := today(now)
	keep := plan.Keep[:0:0]
	for _, sn := range plan.Keep {
		r, _, err := pol.Retention("backups", snapshotDay(sn))
		if err != nil {
			return err
		}
		if day.After(r.Until) {
			plan.Forget = append(plan.Forget, sn)
		} else {
			keep = append(keep, sn)
		}
	}
	plan.Keep = keep
	return nil
}
