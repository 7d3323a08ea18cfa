package usage

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

type monthRow struct{ amount, samples, resets int64 }

// expectedMonths counts every series from its samples in the order they were
// measured (ties in the order delivered), as a recount does: what the months must say
// however the samples were delivered and folded.
func expectedMonths(samples []Sample) map[monthKey]monthRow {
	slices.SortStableFunc(samples, func(a, b Sample) int {
		return cmp.Or(cmp.Compare(a.ServiceID, b.ServiceID), cmp.Compare(a.Metric, b.Metric), a.MeasuredAt.Compare(b.MeasuredAt))
	})
	out := map[monthKey]monthRow{}
	for i, sm := range samples {
		k := monthKey{sm.ServiceID, sm.Metric, MonthOf(sm.MeasuredAt)}
		r := out[k]
		r.samples++
		first := i == 0 || samples[i-1].ServiceID != sm.ServiceID || samples[i-1].Metric != sm.Metric
		switch {
		case !sm.Metric.Counter():
			r.amount = max(r.amount, sm.Value)
		case first:
		case sm.Value >= samples[i-1].Value:
			r.amount += sm.Value - samples[i-1].Value
		default:
			r.amount += sm.Value
			r.resets++
		}
		out[k] = r
	}
	return out
}

func storedMonths(t *testing.T, db *store.DB) map[monthKey]monthRow {
	t.Helper()
	rows, err := db.Query(`SELECT service_id, metric, month, amount, samples, resets FROM usage_months`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[monthKey]monthRow{}
	for rows.Next() {
		var k monthKey
		var r monthRow
		if err := rows.Scan(&k.service, &k.metric, &k.month, &r.amount, &r.samples, &r.resets); err != nil {
			t.Fatal(err)
		}
		out[k] = r
	}
	return out
}

func sameMonths(t *testing.T, what string, got, want map[monthKey]monthRow) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %v is %+v, want %+v", what, k, got[k], w)
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: %v is %+v, want no row", what, k, g)
		}
	}
}

// deliveries is a stream of hourly deliveries of a few series across the turn of two
// months in Europe/Amsterdam, with counter resets, keys delivered twice and, now and
// then, a sample delivered days late.
func deliveries(seed uint64) ([][]Sample, []Sample) {
	r := rand.New(rand.NewPCG(seed, 1))
	start := time.Date(2026, 2, 27, 0, 0, 0, 0, clock.Amsterdam)
	var out [][]Sample
	var unique []Sample
	seen := map[string]bool{}
	value := map[seriesKey]int64{}
	metrics := []Metric{TrafficIn, TrafficOut, Disk}
	for h := 0; h < 24*36; h += 1 + r.IntN(5) {
		var batch []Sample
		for id := int64(1); id <= 3; id++ {
			for _, m := range metrics {
				k := seriesKey{id, m}
				at := start.Add(time.Duration(h)*time.Hour + time.Duration(r.IntN(50))*time.Minute)
				if r.IntN(15) == 0 {
					at = at.Add(-time.Duration(24+r.IntN(24*4)) * time.Hour) // late
				}
				v := value[k] + int64(r.IntN(5))*gb
				if m.Counter() && r.IntN(20) == 0 {
					v = int64(r.IntN(3)) * gb // reset
				}
				if !m.Counter() {
					v = int64(1+r.IntN(9)) * gb
				}
				value[k] = v
				sm := Sample{Key: fmt.Sprintf("%d:%s:%d", id, m, h), ServiceID: id, Metric: m, Value: v, MeasuredAt: at}
				batch = append(batch, sm)
				if !seen[sm.Key] {
					seen[sm.Key] = true
					unique = append(unique, sm)
				}
			}
		}
		if len(out) > 0 && r.IntN(6) == 0 {
			batch = append(batch, out[len(out)-1][0]) // delivered again
		}
		out = append(out, batch)
	}
	return out, unique
}

// TestFoldMatchesSamples: however the deliveries are folded (each at once, or many
// deliveries per chunk, chunks cutting deliveries in two), the months say what the
// samples do: counter resets, late samples, repeated keys and Amsterdam months.
func TestFoldMatchesSamples(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, mode := range []struct {
			name  string
			later bool
			chunk int
		}{{"at once", false, 0}, {"by the job, chunks of 7", true, 7}, {"by the job, chunks of 1000", true, 1000}} {
			f := newFixture(t, db, "cloudprovider")
			if _, err := db.Exec(`DELETE FROM usage_samples; DELETE FROM usage_months; UPDATE usage_fold SET last_id = 0`); err != nil {
				t.Fatal(err)
			}
			for id := int64(1); id <= 3; id++ {
				f.add(Metered{ServiceID: id, OrgID: 10 + id, Name: fmt.Sprint("svc", id), Active: true})
			}
			f.s.d.FoldLater = mode.later
			ctx := context.Background()
			batches, unique := deliveries(42)
			r := rand.New(rand.NewPCG(7, 7))
			for _, b := range batches {
				if _, err := f.s.Ingest(ctx, b, "api"); err != nil {
					t.Fatal(err)
				}
				if mode.later && r.IntN(4) == 0 {
					if _, err := f.s.Fold(ctx, mode.chunk); err != nil {
						t.Fatal(err)
					}
				}
			}
			if _, err := f.s.Fold(ctx, mode.chunk); err != nil {
				t.Fatal(err)
			}
			sameMonths(t, mode.name, storedMonths(t, db), expectedMonths(unique))
		}
	}, schemas()...)
}

// TestFoldCrash: a fold killed half-way keeps the chunks it committed, and the next
// fold counts every sample once and sends each warning once.
func TestFoldCrash(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "cloudprovider")
		for id := int64(1); id <= 3; id++ {
			f.add(Metered{ServiceID: id, OrgID: 10 + id, Name: fmt.Sprint("svc", id), Active: true, TrafficGB: ptr(10)})
		}
		f.s.d.FoldLater = true
		ctx := context.Background()
		batches, unique := deliveries(3)
		for _, b := range batches {
			res, err := f.s.Ingest(ctx, b, "api")
			if err != nil || res.Warnings != 0 {
				t.Fatalf("%+v %v", res, err)
			}
		}
		if n := storedMonths(t, db); len(n) != 0 {
			t.Fatalf("months before the fold: %v", n)
		}
		calls := 0
		f.s.failpoint = func(p string) error {
			if p == "fold:before-mark" {
				if calls++; calls == 3 {
					return errors.New("killed")
				}
			}
			return nil
		}
		if _, err := f.s.Fold(ctx, 50); err == nil {
			t.Fatal("no crash")
		}
		f.s.failpoint = nil
		res, err := f.s.Fold(ctx, 50)
		if err != nil {
			t.Fatal(err)
		}
		if want := len(unique) - 2*50; res.Samples != want {
			t.Fatalf("folded %d after the crash, want %d", res.Samples, want)
		}
		sameMonths(t, "after the crash", storedMonths(t, db), expectedMonths(unique))
		// Every service went past 80% and 100% of its 10 GB in March: two warnings
		// each, sent by the fold, once.
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM usage_warnings WHERE month = '2026-03'`).Scan(&n); err != nil || n != 6 {
			t.Fatalf("%d warnings (%v)", n, err)
		}
		if res, err := f.s.Fold(ctx, 50); err != nil || res.Samples != 0 || res.Warnings != 0 {
			t.Fatalf("a fold with nothing new: %+v %v", res, err)
		}
	}, schemas()...)
}
