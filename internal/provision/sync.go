package provision

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/store"
)

// SyncJob is the job provision.sync: every hour each enabled server's accounts are
// compared with the services hostpact holds there.
func (s *Service) SyncJob() jobs.Job {
	return jobs.Job{Name: "provision.sync", Every: time.Hour, Run: s.Sync}
}

// Sync lists the accounts of every enabled server and stores, per server, the latest
// report: orphans (on the server, unknown to hostpact) and missing services (active
// or suspended in hostpact, not listed by the server). A server that cannot be listed
// gets a report with the error.
func (s *Service) Sync(ctx context.Context, _ time.Time) error {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM provision_servers WHERE enabled ORDER BY id`)
	if err != nil {
		return err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if err := s.syncServer(ctx, id); err != nil {
			errs = append(errs, fmt.Errorf("provision: sync server %d: %w", id, err))
		}
	}
	return errors.Join(errs...)
}

func (s *Service) syncServer(ctx context.Context, id int64) error {
	r := SyncReport{ServerID: id}
	listed, err := s.list(ctx, id)
	if err != nil {
		r.Error = clip(err.Error())
	} else {
		r.Listed = len(listed)
		// Every service hostpact placed here and did not delete yet, also one that is
		// still being created or moved away, is known; only active and suspended ones
		// must be there.
		known := map[string]State{}
		vs, err := listSvcs(ctx, s.db, `WHERE server_id = $1 AND state <> 'deleted'`, id)
		if err != nil {
			return err
		}
		for _, v := range vs {
			known[v.ref] = v.state
		}
		moving, err := queryTasks(ctx, s.db, `WHERE t.op = 'move' AND t.status <> 'done' AND v.server_id <> $1 AND t.target_server_id = $1`, id)
		if err != nil {
			return err
		}
		for _, t := range moving {
			known[t.Ref] = StateProvisioning
		}
		busy := map[string]bool{}
		open, err := queryTasks(ctx, s.db, `WHERE v.server_id = $1 AND t.status <> 'done'`, id)
		if err != nil {
			return err
		}
		for _, t := range open {
			busy[t.Ref] = true
		}
		on := map[string]bool{}
		for _, l := range listed {
			on[l.Ref] = true
			st, ok := known[l.Ref]
			if !ok {
				r.Orphans = append(r.Orphans, l)
				continue
			}
			if !busy[l.Ref] && (st == StateActive && l.Suspended || st == StateSuspended && !l.Suspended) {
				r.Differ = append(r.Differ, l.Ref)
			}
		}
		slices.Sort(r.Differ)
		for ref, st := range known {
			if (st == StateActive || st == StateSuspended) && !on[ref] {
				r.Missing = append(r.Missing, ref)
			}
		}
		slices.Sort(r.Missing)
		slices.SortFunc(r.Orphans, func(a, b driver.Listed) int { return cmp.Compare(a.Ref, b.Ref) })
	}
	orphans, _ := json.Marshal(orEmptyList(r.Orphans))
	missing, _ := json.Marshal(orEmptyStrings(r.Missing))
	differ, _ := json.Marshal(orEmptyStrings(r.Differ))
	ctx = jobCtx(ctx, "provision.sync")
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		_, err := q.ExecContext(ctx, `INSERT INTO provision_sync_reports (server_id, at, listed, orphans, missing, differ, error)
			VALUES ($1, $2, $3, $4, $5, $6, $7)
			ON CONFLICT (server_id) DO UPDATE SET at = excluded.at, listed = excluded.listed, orphans = excluded.orphans, missing = excluded.missing,
			differ = excluded.differ, error = excluded.error`, id, now, r.Listed, string(orphans), string(missing), string(differ), r.Error)
		return err
	})
}

func orEmptyList(l []driver.Listed) []driver.Listed {
	if l == nil {
		return []driver.Listed{}
	}
	return l
}

func orEmptyStrings(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

func (s *Service) list(ctx context.Context, id int64) ([]driver.Listed, error) {
	d, err := s.driverFor(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	defer release(d)
	lctx, cancel := context.WithTimeout(ctx, driverTimeout)
	defer cancel()
	return d.List(lctx)
}

// SyncReport is the latest synchronisation report of a server (provision.read); a
// server never compared has a zero report with its ServerID.
func (s *Service) SyncReport(ctx context.Context, by accounts.Principal, serverID int64) (SyncReport, error) {
	if err := mayRead(by); err != nil {
		return SyncReport{}, err
	}
	if _, err := s.getServer(ctx, s.db, serverID); err != nil {
		return SyncReport{}, err
	}
	r := SyncReport{ServerID: serverID}
	var orphans, missing, differ string
	err := s.db.QueryRowContext(ctx, `SELECT at, listed, orphans, missing, differ, error FROM provision_sync_reports WHERE server_id = $1`, serverID).
		Scan(&r.At, &r.Listed, &orphans, &missing, &differ, &r.Error)
	if errors.Is(err, sql.ErrNoRows) {
		return r, nil
	}
	if err != nil {
		return r, err
	}
	r.At = r.At.UTC()
	rec := fmt.Sprintf("sync report of server %d", serverID)
	if err := store.DecodeJSON(rec, "orphans", orphans, &r.Orphans); err != nil {
		return r, err
	}
	if err := store.DecodeJSON(rec, "differ", differ, &r.Differ); err != nil {
		return r, err
	}
	return r, store.DecodeJSON(rec, "missing", missing, &r.Missing)
}

// SyncNow compares one server with hostpact's records at once, as the hourly job does,
// for staff who just fixed something on it (provision.manage).
func (s *Service) SyncNow(ctx context.Context, by accounts.Principal, serverID int64) error {
	if err := mayManage(by); err != nil {
		return err
	}
	if _, err := s.getServer(ctx, s.db, serverID); err != nil {
		return err
	}
	return s.syncServer(ctx, serverID)
}
