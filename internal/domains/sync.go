package domains

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/domains/registry"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// SyncJob is domains.sync.
func (s *Service) SyncJob() jobs.Job {
	return jobs.Job{Name: "domains.sync", Every: time.Hour, Run: s.Sync}
}

// Sync reads each registry's poll queue (storing every message before acknowledging
// it, so a crash between the two stores it once and acks it on the next run) and asks
// the registry about each domain it holds, comparing its view with ours: what the
// registry moved on its own (a scheduled delete that took effect, the end of the
// quarantine) is taken over, and any other difference is reported to staff.
func (s *Service) Sync(ctx context.Context, _ time.Time) error {
	ctx = jobCtx(ctx, "domains.sync")
	tlds, err := s.tlds(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, tld := range tlds {
		reg, err := s.registryFor(ctx, tld)
		if errors.Is(err, ErrNoRegistry) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.poll(ctx, reg, tld); err != nil {
			errs = append(errs, err)
		}
		if err := s.syncTLD(ctx, reg, tld); err != nil {
			errs = append(errs, err)
		}
		_ = reg.Close()
	}
	return errors.Join(errs...)
}

func (s *Service) tlds(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT tld FROM domain_registries WHERE enabled ORDER BY tld`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s *Service) poll(ctx context.Context, reg registry.Registry, tld string) error {
	for range 1000 {
		m, err := reg.Poll(ctx)
		if err != nil || m == nil {
			return err
		}
		err = s.db.InTx(ctx, func(q store.Querier) error {
			now := s.now()
			var queued any
			if !m.Queued.IsZero() {
				queued = store.Now(m.Queued)
			}
			_, err := q.ExecContext(ctx, `INSERT INTO domain_poll_messages (tld, msg_id, queued_at, kind, domain, text, raw, received_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (tld, msg_id) DO NOTHING`,
				tld, m.ID, queued, m.Kind, m.Domain, m.Text, string(m.Raw), now)
			return err
		})
		if err != nil {
			return err
		}
		if err := s.fail("before-ack"); err != nil {
			return err
		}
		if err := reg.Ack(ctx, m.ID); err != nil {
			return err
		}
		if _, err := s.db.ExecContext(ctx, `UPDATE domain_poll_messages SET acked_at = $1 WHERE tld = $2 AND msg_id = $3`, s.now(), tld, m.ID); err != nil {
			return err
		}
	}
	return nil
}

// syncTLD compares the domains of one registry, in keyset batches.
func (s *Service) syncTLD(ctx context.Context, reg registry.Registry, tld string) error {
	var after int64
	for {
		rows, err := s.db.QueryContext(ctx, `SELECT `+domainCols+` FROM domains WHERE tld = $1 AND id > $2
			AND state IN ('active', 'scheduled_delete', 'quarantine', 'pending_transfer') ORDER BY id LIMIT 200`, tld, after)
		if err != nil {
			return err
		}
		var ds []Domain
		for rows.Next() {
			d, err := scanDomain(rows)
			if err != nil {
				rows.Close()
				return err
			}
			ds = append(ds, d)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ds) == 0 {
			return nil
		}
		for _, d := range ds {
			after = d.ID
			info, err := reg.Info(ctx, d.Name)
			if errors.Is(err, registry.ErrNotFound) {
				info = registry.Domain{Name: d.Name, State: registry.StateUnknown}
			} else if err != nil {
				return err
			}
			if err := s.compare(ctx, d, info); err != nil {
				return err
			}
		}
	}
}

// compare takes over what the registry moved on its own and reports the rest.
func (s *Service) compare(ctx context.Context, d Domain, info registry.Domain) error {
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		set := map[string]any{"registry_state": string(info.State)}
		ours := d.State
		theirs := string(info.State)
		// The registry's own moves: a scheduled delete that took effect, the end of the
		// quarantine, a name no longer ours.
		switch {
		case d.State == StateScheduledDelete && info.State == registry.StateQuarantine,
			d.State == StateQuarantine && (info.State == registry.StateReleased || info.State == registry.StateUnknown),
			d.State == StateActive && d.EndedAt != nil && info.State == registry.StateQuarantine:
			st := string(info.State)
			if info.State == registry.StateUnknown {
				st = StateReleased
			}
			set["state"], set["delete_on"] = st, dateOf(info.DeleteDate)
			if err := record(ctx, q, now, d.OrgID, "domain.registry_moved", d.ID, fmt.Sprintf("%s: the registry moved it from %s to %s", d.Name, d.State, st)); err != nil {
				return err
			}
			ours = st
		case d.State == StatePendingTransfer:
			ours = theirs // the transfer step follows it
		}
		var diffs [][3]string
		if ours != theirs && !(ours == StateReleased && info.State == registry.StateUnknown) {
			diffs = append(diffs, [3]string{"state", ours, theirs})
		}
		if !info.Expires.IsZero() && d.State == StateActive {
			if e := terms.DateIn(info.Expires, time.UTC); e != d.ExpiresOn {
				diffs = append(diffs, [3]string{"expires_on", d.ExpiresOn.String(), e.String()})
			}
		}
		if info.Registrant != "" && d.Registrant != "" && info.Registrant != d.Registrant {
			diffs = append(diffs, [3]string{"registrant", d.Registrant, info.Registrant})
		}
		// A report that no longer holds is resolved.
		open := map[string]bool{}
		for _, df := range diffs {
			open[df[0]] = true
		}
		rows, err := q.QueryContext(ctx, `SELECT id, field FROM domain_sync_reports WHERE domain_id = $1 AND resolved_at IS NULL`, d.ID)
		if err != nil {
			return err
		}
		have := map[string]int64{}
		for rows.Next() {
			var id int64
			var f string
			if err := rows.Scan(&id, &f); err != nil {
				rows.Close()
				return err
			}
			have[f] = id
		}
		rows.Close()
		for f, id := range have {
			if !open[f] {
				if _, err := q.ExecContext(ctx, `UPDATE domain_sync_reports SET resolved_at = $1 WHERE id = $2`, now, id); err != nil {
					return err
				}
			}
		}
		for _, df := range diffs {
			if _, ok := have[df[0]]; ok {
				continue
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO domain_sync_reports (domain_id, org_id, field, ours, theirs, found_at) VALUES ($1, $2, $3, $4, $5, $6)`,
				d.ID, d.OrgID, df[0], df[1], df[2], now); err != nil {
				return err
			}
			if err := record(ctx, q, now, d.OrgID, "domain.sync_difference", d.ID, fmt.Sprintf("%s: %s is %q here and %q at the registry", d.Name, df[0], df[1], df[2])); err != nil {
				return err
			}
		}
		if _, err := q.ExecContext(ctx, `UPDATE domains SET last_sync = $1 WHERE id = $2`, now, d.ID); err != nil {
			return err
		}
		return updateDomain(ctx, q, d.ID, set)
	})
}
