package monitor

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// BenchmarkStorageOfADay measures what a day of results costs on SQLite for 96
// components checked once a minute from 3 locations (the 96 monitors Uptime Kuma's
// users report 8 GB for), as the probe runner delivers them: a batch a minute. Each
// location sees a failed check about once an hour at random and every component has
// one 20-minute outage. It reports result rows and database bytes per day.
func BenchmarkStorageOfADay(b *testing.B) {
	const comps, locations, minutes = 96, 3, 24 * 60
	for range b.N {
		db := storetest.Open(b, store.SQLite, audit.Schema, notify.Schema, Schema)
		ctx := context.Background()
		pack, err := terms.LoadPack("cloudprovider")
		if err != nil {
			b.Fatal(err)
		}
		svc := New(db, clock.NewFake(t0), Deps{Pack: pack, Keys: secrets.Ephemeral(), Alerts: AlertConfig{MailTo: []string{"ops@example.test"}}})
		var ids []int64
		for s := range comps / 8 {
			sv, err := svc.CreateServer(ctx, support, ServerInput{Name: fmt.Sprintf("web%02d", s), Kind: "webhosting", Location: "ams"})
			if err != nil {
				b.Fatal(err)
			}
			for i, name := range []string{"http", "https", "mysql", "pop3", "imap", "smtp", "dns", "dns"} {
				c, err := svc.AddComponent(ctx, support, sv.ID, ComponentInput{Name: name, Target: fmt.Sprintf("t%d", i),
					Spec: specFor(name, fmt.Sprintf("127.0.0.1:%d", 20000+i)), Interval: time.Minute})
				if err != nil {
					b.Fatal(err)
				}
				ids = append(ids, c.ID)
			}
		}
		rng := rand.New(rand.NewPCG(1, 2))
		b.ResetTimer()
		for m := range minutes {
			at := t0.Add(time.Duration(m) * time.Minute)
			batch := make([]Result, 0, comps*locations)
			for ci, id := range ids {
				outage := m >= 600+ci && m < 620+ci
				for _, loc := range []string{"ams1", "fra1", "lon1"} {
					ok := !outage && rng.IntN(60) != 0
					r := Result{ComponentID: id, Location: loc, At: at, OK: ok, Latency: time.Duration(5+rng.IntN(20)) * time.Millisecond}
					if !ok {
						r.Reason = "probe.timeout"
					}
					batch = append(batch, r)
				}
			}
			if err := svc.Record(ctx, batch); err != nil {
				b.Fatal(err)
			}
		}
		b.StopTimer()
		var rows int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM monitor_results`).Scan(&rows); err != nil {
			b.Fatal(err)
		}
		var pages, size int64
		_ = db.QueryRowContext(ctx, `PRAGMA page_count`).Scan(&pages)
		_ = db.QueryRowContext(ctx, `PRAGMA page_size`).Scan(&size)
		b.ReportMetric(float64(rows), "rows/day")
		b.ReportMetric(float64(comps*locations*minutes), "results/day")
		b.ReportMetric(float64(pages*size)/(1<<20), "MiB/day")
		if os.Getenv("HOSTPACT_BENCH_VERBOSE") != "" {
			b.Logf("%d results in %d rows, %.1f MiB", comps*locations*minutes, rows, float64(pages*size)/(1<<20))
		}
	}
}
