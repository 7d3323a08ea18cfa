package monitor

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
)

// Lease implements Store: the enabled components instance holds for location until
// until, renewing those it held and taking, up to max in all (0: no limit), those
// nobody at the location holds or whose lease expired. A component whose check does
// not build is skipped (and logged): it cannot be run, and staff see it unmeasured.
func (s *Service) Lease(ctx context.Context, location, instance string, max int, until time.Time) ([]Assignment, error) {
	if location == "" || instance == "" {
		return nil, errors.New("monitor: lease needs a location and an instance")
	}
	now := s.now()
	until = store.Now(until)
	var held []Component
	err := s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `INSERT INTO monitor_locations (name, last_seen) VALUES ($1, $2)
			ON CONFLICT (name) DO UPDATE SET last_seen = excluded.last_seen`, location, now); err != nil {
			return err
		}
		// Let go of components that were disabled or deleted.
		if _, err := q.ExecContext(ctx, `DELETE FROM monitor_leases WHERE location = $1 AND instance = $2
			AND component_id NOT IN (SELECT id FROM monitor_components WHERE enabled)`, location, instance); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `UPDATE monitor_leases SET until = $3 WHERE location = $1 AND instance = $2`,
			location, instance, until); err != nil {
			return err
		}
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM monitor_leases WHERE location = $1 AND instance = $2`,
			location, instance).Scan(&n); err != nil {
			return err
		}
		limit := -1
		if max > 0 {
			limit = max - n
		}
		if limit != 0 {
			// A lease another instance still holds is left alone (the WHERE of the
			// upsert), so two instances taking work at once never share a component.
			q1 := `INSERT INTO monitor_leases (component_id, location, instance, until)
				SELECT c.id, $1, $2, $3 FROM monitor_components c WHERE c.enabled AND NOT EXISTS (
					SELECT 1 FROM monitor_leases l WHERE l.component_id = c.id AND l.location = $1 AND l.until > $4)
				ORDER BY c.id`
			args := []any{location, instance, until, now}
			if limit > 0 {
				q1 += ` LIMIT $5`
				args = append(args, limit)
			}
			q1 += ` ON CONFLICT (component_id, location) DO UPDATE SET instance = excluded.instance, until = excluded.until
				WHERE monitor_leases.until <= $4`
			if _, err := q.ExecContext(ctx, q1, args...); err != nil {
				return fmt.Errorf("monitor: lease: %w", err)
			}
		}
		var err error
		held, _, err = s.components(ctx, q, `WHERE enabled AND id IN (SELECT component_id FROM monitor_leases WHERE location = $1 AND instance = $2) ORDER BY id`,
			location, instance)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Assignment, 0, len(held))
	for _, c := range held {
		chk, err := c.Spec.Build(s.clock)
		if err != nil {
			s.log.Warn("monitor: check does not build", "component", c.ID, "err", err)
			continue
		}
		out = append(out, Assignment{ComponentID: c.ID, Version: c.Version, Check: chk, Interval: c.Interval})
	}
	return out, nil
}

// Record implements Store. Results are stored as runs (see monitor_results): a result
// extends the newest run of its component and location when it has the same outcome and
// reason and comes within the pack's max_check_gap_minutes of it; otherwise it starts a
// new run. A result at or before the newest run's last check is already stored (or
// arrived too late to change the record) and is ignored, so a batch written twice is
// stored once. A batch is one transaction.
func (s *Service) Record(ctx context.Context, results []Result) error {
	if len(results) == 0 {
		return nil
	}
	rs := slices.Clone(results)
	for i := range rs {
		rs[i].At = store.Now(rs[i].At)
		if rs[i].OK {
			rs[i].Reason = ""
		}
	}
	slices.SortStableFunc(rs, func(a, b Result) int {
		return cmp.Or(cmp.Compare(a.ComponentID, b.ComponentID), cmp.Compare(a.Location, b.Location), a.At.Compare(b.At))
	})
	rules, err := s.rules(rs[0].At)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, func(q store.Querier) error {
		for i := 0; i < len(rs); {
			j := i + 1
			for j < len(rs) && rs[j].ComponentID == rs[i].ComponentID && rs[j].Location == rs[i].Location {
				j++
			}
			if err := recordGroup(ctx, q, rules, rs[i:j]); err != nil {
				return err
			}
			i = j
		}
		return nil
	})
}

func recordGroup(ctx context.Context, q store.Querier, rules sla.Rules, rs []Result) error {
	var secs int64
	err := q.QueryRowContext(ctx, `SELECT interval_seconds FROM monitor_components WHERE id = $1`, rs[0].ComponentID).Scan(&secs)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // the component was deleted while the probe ran it
	}
	if err != nil {
		return err
	}
	gap := gapFor(rules, time.Duration(secs)*time.Second)
	var cur run
	var have, dirty bool
	err = q.QueryRowContext(ctx, `SELECT id, first_at, last_at, checks, ok, reason, latency_last_us, latency_max_us FROM monitor_results
		WHERE component_id = $1 AND location = $2 ORDER BY last_at DESC LIMIT 1`, rs[0].ComponentID, rs[0].Location).
		Scan(&cur.id, &cur.first, &cur.last, &cur.count, &cur.ok, &cur.reason, &cur.latLast, &cur.latMax)
	switch {
	case err == nil:
		have = true
		cur.first, cur.last = cur.first.UTC(), cur.last.UTC()
	case !errors.Is(err, sql.ErrNoRows):
		return err
	}
	cur.component, cur.location = rs[0].ComponentID, rs[0].Location
	flush := func() error {
		if !dirty {
			return nil
		}
		dirty = false
		if cur.id != 0 {
			_, err := q.ExecContext(ctx, `UPDATE monitor_results SET last_at = $2, checks = $3, latency_last_us = $4, latency_max_us = $5 WHERE id = $1`,
				cur.id, cur.last, cur.count, cur.latLast, cur.latMax)
			return err
		}
		return q.QueryRowContext(ctx, `INSERT INTO monitor_results (component_id, location, first_at, last_at, checks, ok, reason, latency_last_us, latency_max_us)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			cur.component, cur.location, cur.first, cur.last, cur.count, cur.ok, cur.reason, cur.latLast, cur.latMax).Scan(&cur.id)
	}
	for _, r := range rs {
		if have && !r.At.After(cur.last) {
			continue
		}
		us := r.Latency.Microseconds()
		if have && r.OK == cur.ok && r.Reason == cur.reason && r.At.Sub(cur.last) <= gap {
			cur.last, cur.count, cur.latLast, cur.latMax = r.At, cur.count+1, us, max(cur.latMax, us)
			dirty = true
			continue
		}
		if err := flush(); err != nil {
			return err
		}
		cur = run{component: r.ComponentID, location: r.Location, first: r.At, last: r.At, count: 1, ok: r.OK, reason: r.Reason, latLast: us, latMax: us}
		have, dirty = true, true
	}
	return flush()
}
