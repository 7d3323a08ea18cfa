package usage

import (
	"context"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/store"
)

// collectEvery is how often the collector asks the drivers.
const collectEvery = time.Hour

// CollectJob returns the job that asks each running service's driver what it uses.
func (s *Service) CollectJob() jobs.Job {
	return jobs.Job{Name: "usage.collect", Every: collectEvery, Run: func(ctx context.Context, now time.Time) error {
		_, err := s.Collect(ctx, now)
		return err
	}}
}

// CollectResult counts what one collection did.
type CollectResult struct {
	Asked, Skipped, Failed, Samples int
}

// Collect asks the driver of every running service (active or suspended; never a
// terminated or deleted one) for its usage and stores it as samples. A collection
// belongs to an hourly slot: a service done in the slot (usage_collected, written in
// the samples' transaction) is not asked again, so a run killed half-way and run
// again asks only the rest, and the samples' keys (service, metric, slot) make a
// repeated store a no-op. A driver that fails is skipped until the next slot.
func (s *Service) Collect(ctx context.Context, now time.Time) (CollectResult, error) {
	ctx = audit.JobContext(ctx, "usage.collect")
	var res CollectResult
	if s.d.Meter == nil {
		return res, nil
	}
	slot := now.UTC().Truncate(collectEvery).Format("2006-01-02T15")
	if _, err := s.db.ExecContext(ctx, `DELETE FROM usage_collected WHERE slot < $1`, now.UTC().Add(-48*time.Hour).Format("2006-01-02T15")); err != nil {
		return res, err
	}
	done := map[int64]bool{}
	rows, err := s.db.QueryContext(ctx, `SELECT service_id FROM usage_collected WHERE slot = $1`, slot)
	if err != nil {
		return res, err
	}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return res, err
		}
		done[id] = true
	}
	rows.Close()
	running, err := s.d.Meter.Running(ctx)
	if err != nil {
		return res, err
	}
	for _, m := range running {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if !m.Active || done[m.ServiceID] {
			res.Skipped++
			continue
		}
		res.Asked++
		u, err := s.d.Meter.Measure(ctx, m.ServiceID)
		if err != nil {
			res.Failed++
			s.d.Logger.Warn("usage: driver did not answer", "service", m.ServiceID, "err", err)
			continue
		}
		samples := driverSamples(m, u, slot, now)
		if err := s.fail("collect:before-store"); err != nil {
			return res, err
		}
		err = s.inConnTx(ctx, func(q store.Querier) error {
			if len(samples) > 0 {
				if _, err := s.store(ctx, q, samples, map[int64]Metered{m.ServiceID: m}, "driver"); err != nil {
					return err
				}
			}
			if err := s.fail("collect:before-commit"); err != nil {
				return err
			}
			_, err := q.ExecContext(ctx, `INSERT INTO usage_collected (slot, service_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, slot, m.ServiceID)
			return err
		})
		if err != nil {
			return res, err
		}
		res.Samples += len(samples)
	}
	if !s.d.FoldLater {
		_, err := s.Fold(ctx, 0)
		return res, err
	}
	return res, nil
}

// driverSamples turns a driver's measurement into samples. A zero field was not
// measured (driver.Usage) and gives no sample. The driver's transfer is one counter
// for both directions; on a VPN it is the VPN's traffic, kept per day without
// endpoints (cp.privacy VPN).
func driverSamples(m Metered, u driver.Usage, slot string, now time.Time) []Sample {
	at := u.MeasuredAt
	if at.IsZero() || at.After(now.Add(time.Hour)) {
		at = now
	}
	var out []Sample
	add := func(metric Metric, v int64) {
		if v > 0 {
			out = append(out, Sample{Key: fmt.Sprintf("collect:%s:%d:%s", slot, m.ServiceID, metric), ServiceID: m.ServiceID, Metric: metric, Value: v, MeasuredAt: at})
		}
	}
	add(Disk, u.DiskBytes)
	add(Database, u.DatabaseBytes)
	add(Memory, u.MemoryBytes)
	add(CPU, int64(u.CPUSeconds*1000))
	if m.Kind == string(driver.KindVPN) {
		add(VPNTraffic, u.TransferBytes)
	} else {
		add(Traffic, u.TransferBytes)
	}
	return out
}
