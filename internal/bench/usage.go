package bench

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
	"github.com/hostpact/hostpact/internal/usage"
)

// usageLines gives the billing run one usage charge per subscription, read from the
// subscriptions themselves, with the explanation a real one carries (bench billing
// --usage-lines).
type usageLines struct{ pol *terms.Policy }

func (u usageLines) OpenUsageLines(ctx context.Context, q store.Querier) ([]billing.UsageLine, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, org_id FROM subscriptions ORDER BY org_id, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	_, ex, err := u.pol.OverageCharge(terms.UsageInput{Resource: terms.ResourceTraffic, Month: "2026-12", Used: 123 * terms.BytesPerGB, Limit: 100 * terms.BytesPerGB})
	if err != nil {
		return nil, err
	}
	var out []billing.UsageLine
	for rows.Next() {
		l := billing.UsageLine{Amount: 1150, Description: "Data traffic 2026-12, 23.000 GB above 100 GB", Explanation: ex}
		if err := rows.Scan(&l.SubscriptionID, &l.OrgID); err != nil {
			return nil, err
		}
		l.ID = l.SubscriptionID
		out = append(out, l)
	}
	return out, rows.Err()
}

func (usageLines) MarkUsageLineInvoiced(context.Context, store.Querier, int64) error { return nil }

// benchDirectory answers for services 1..n from memory: every third has a traffic
// limit, so warnings are checked as in production.
type benchDirectory struct{ n int64 }

func (d benchDirectory) MeteredService(_ context.Context, id int64) (usage.Metered, error) {
	if id < 1 || id > d.n {
		return usage.Metered{}, accounts.ErrNotFound
	}
	m := usage.Metered{ServiceID: id, OrgID: id, SubscriptionID: id, PlanID: 1 + id%3, PlanName: "Webhosting", Name: fmt.Sprint("site", id), Active: true}
	if id%3 == 0 {
		v := int64(1_000_000) // GB: never reached, so no mail is queued
		m.TrafficGB = &v
	}
	return m, nil
}

// Usage parses flags and runs the usage ingest benchmark.
func Usage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench usage", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("samples", 1_000_000, "samples to ingest")
	services := fs.Int("services", 2000, "services the samples are spread over")
	batch := fs.Int("batch", usage.MaxBatch, "samples per delivery (at most 10000)")
	dbURL := fs.String("db", "", "database URL (postgres://...); default: a temporary SQLite file")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the ingest to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n <= 0 || *services <= 0 || *batch <= 0 || *batch > usage.MaxBatch {
		return errors.New("--samples and --services must be positive, --batch 1 to 10000")
	}
	dsn, cleanup, err := freshDatabase(ctx, *dbURL)
	if err != nil {
		return err
	}
	defer cleanup()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Migrate(ctx, audit.Schema, notify.Schema, usage.Schema); err != nil {
		return err
	}
	pk, err := terms.LoadPack("cloudprovider")
	if err != nil {
		return err
	}
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, clock.Amsterdam)
	clk := clock.NewFake(t0.AddDate(0, 6, 0))
	svc := usage.New(db, clk, usage.Deps{Pack: pk, Directory: benchDirectory{n: int64(*services)}, FoldLater: true})

	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		// runtime/metrics reads the heap without stopping the world, which
		// ReadMemStats would do twenty times a second in the middle of the ingest.
		sample := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}, {Name: "/memory/classes/heap/unused:bytes"}}
		for {
			metrics.Read(sample)
			if inuse := sample[0].Value.Uint64() + sample[1].Value.Uint64(); inuse > peak.Load() {
				peak.Store(inuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	// Each delivery is one hour's samples of as many services as fit: traffic in and
	// out (counters, growing, with a reset now and then) and disk (a gauge).
	metrics := []usage.Metric{usage.TrafficIn, usage.TrafficOut, usage.Disk}
	buf := make([]usage.Sample, 0, *batch)
	var accepted int
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	start, c0 := time.Now(), cpuTime()
	for i := 0; i < *n; i++ {
		per := *services * len(metrics)
		hour, rest := i/per, i%per
		sid, m := int64(rest/len(metrics)+1), metrics[rest%len(metrics)]
		v := int64(hour%500) * 37_000_000 * sid % (1 << 40)
		if m == usage.Disk {
			v = sid*1_000_000 + int64(hour%24)*1000
		}
		buf = append(buf, usage.Sample{Key: fmt.Sprintf("b:%06d:%d:%s", hour, sid, m), ServiceID: sid, Metric: m, Value: v,
			MeasuredAt: t0.Add(time.Duration(hour) * time.Hour)})
		if len(buf) == *batch || i == *n-1 {
			r, err := svc.Ingest(ctx, buf, "bench")
			if err != nil {
				close(stop)
				wg.Wait()
				return err
			}
			accepted += r.Accepted
			buf = buf[:0]
		}
	}
	ingestTime, ingestCPU := time.Since(start), cpuTime()-c0
	// The months of everything ingested, as the usage.fold job adds them: the rate
	// counts both.
	fstart, fc0 := time.Now(), cpuTime()
	folded, err := svc.Fold(ctx, 0)
	if err != nil {
		close(stop)
		wg.Wait()
		return err
	}
	foldTime, foldCPU := time.Since(fstart), cpuTime()-fc0
	elapsed, cpu := time.Since(start), cpuTime()-c0
	close(stop)
	wg.Wait()
	var maxRSS int64
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		maxRSS = ru.Maxrss * 1024
	}
	if accepted != *n || folded.Samples != *n {
		return fmt.Errorf("accepted %d and folded %d of %d samples", accepted, folded.Samples, *n)
	}
	var months int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM usage_months`).Scan(&months); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "engine:                %s\n", engineOf(*dbURL))
	fmt.Fprintf(stdout, "samples:               %d over %d services, %d per delivery\n", *n, *services, *batch)
	fmt.Fprintf(stdout, "monthly aggregates:    %d\n", months)
	fmt.Fprintf(stdout, "insert samples:        %s (CPU %s)\n", ingestTime.Round(time.Millisecond), ingestCPU.Round(time.Millisecond))
	fmt.Fprintf(stdout, "fold into months:      %s (CPU %s)\n", foldTime.Round(time.Millisecond), foldCPU.Round(time.Millisecond))
	fmt.Fprintf(stdout, "ingest:                %s (CPU %s)\n", elapsed.Round(time.Millisecond), cpu.Round(time.Millisecond))
	fmt.Fprintf(stdout, "rate:                  %.0f samples/s\n", float64(*n)/elapsed.Seconds())
	fmt.Fprintf(stdout, "peak Go heap:          %.1f MiB\n", float64(peak.Load())/(1<<20))
	fmt.Fprintf(stdout, "max RSS:               %.1f MiB\n", float64(maxRSS)/(1<<20))
	fmt.Fprintf(stdout, "load average:          %s\n", loadAverage())
	return nil
}
