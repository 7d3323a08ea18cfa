package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/usage"
)

// seedUsage gives the demo's provisioned services three months of believable usage,
// sampled every six hours: traffic that grows through each month with office-hour
// peaks, disk that creeps up. The first service with a traffic limit runs close to
// it this month, so its customer has the 80% warning and the portal's chart shows
// the limit line nearby.
func seedUsage(ctx context.Context, a *app.App, by accounts.Principal, subs []contracts.Subscription) error {
	if a.Usage == nil || a.Provision == nil {
		return nil
	}
	now := a.Clock.Now()
	from := now.AddDate(0, -2, 0)
	from = time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	near := false
	for i, sub := range subs {
		v, err := a.Provision.ServiceOf(ctx, by, sub.ID)
		if err != nil {
			continue // not a provisioned kind (a domain, a project)
		}
		m, err := usageDirectoryOf(ctx, a, v.ID)
		if err != nil {
			return err
		}
		// Traffic per day in bytes: a modest site, or (the first with a limit) one that
		// uses about 85% of its monthly limit by today.
		perDay := int64(400+137*(i%7)) * 1_000_000
		if m.TrafficGB != nil && !near {
			near = true
			perDay = *m.TrafficGB * 1_000_000_000 * 88 / 100 / 30
		}
		var samples []usage.Sample
		var in, out int64
		disk := int64(600+97*(i%5)) * 1_000_000
		for t, n := from, 0; t.Before(now); t, n = t.Add(6*time.Hour), n+1 {
			share := int64(1)
			if h := t.Hour(); h >= 6 && h < 18 {
				share = 3
			}
			in += perDay * share / 8 / 3
			out += perDay * share / 8 * 2 / 3
			disk += int64(n%3) * 150_000
			for _, s := range []usage.Sample{
				{Metric: usage.TrafficIn, Value: in}, {Metric: usage.TrafficOut, Value: out}, {Metric: usage.Disk, Value: disk},
			} {
				s.Key, s.ServiceID, s.MeasuredAt = fmt.Sprintf("demo:%d:%s:%d", v.ID, s.Metric, n), v.ID, t
				samples = append(samples, s)
			}
			if len(samples) >= usage.MaxBatch-3 {
				if _, err := a.Usage.Ingest(ctx, samples, "demo"); err != nil {
					return fmt.Errorf("usage of service %d: %w", v.ID, err)
				}
				samples = samples[:0]
			}
		}
		if len(samples) > 0 {
			if _, err := a.Usage.Ingest(ctx, samples, "demo"); err != nil {
				return fmt.Errorf("usage of service %d: %w", v.ID, err)
			}
		}
	}
	// The months are there when the demo opens, not a minute later at the job's turn.
	_, err := a.Usage.Fold(ctx, 0)
	return err
}

// usageDirectoryOf reads a service's metered facts the way the collector does.
func usageDirectoryOf(ctx context.Context, a *app.App, id int64) (usage.Metered, error) {
	return a.UsageDirectory().MeteredService(ctx, id)
}
