package usage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

const gb = terms.BytesPerGB

// dir is an in-memory Directory and Meter.
type dir struct {
	mu       sync.Mutex
	svcs     map[int64]Metered
	measures map[int64]driver.Usage
	asked    []int64
}

func (d *dir) MeteredService(_ context.Context, id int64) (Metered, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	m, ok := d.svcs[id]
	if !ok {
		return Metered{}, accounts.ErrNotFound
	}
	return m, nil
}

func (d *dir) Running(context.Context) ([]Metered, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []Metered
	for id := int64(1); id <= int64(len(d.svcs))+10; id++ {
		if m, ok := d.svcs[id]; ok && m.Active {
			out = append(out, m)
		}
	}
	return out, nil
}

func (d *dir) Measure(_ context.Context, id int64) (driver.Usage, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.asked = append(d.asked, id)
	return d.measures[id], nil
}

type contacts struct{}

func (contacts) Contact(_ context.Context, _ store.Querier, orgID int64) (Recipient, error) {
	return Recipient{Email: fmt.Sprintf("org%d@example.test", orgID), Name: "Klant", Lang: "nl"}, nil
}

func ptr(v int64) *int64 { return &v }

type fixture struct {
	db  *store.DB
	clk *clock.Fake
	dir *dir
	s   *Service
}

func newFixture(t *testing.T, db *store.DB, pack string) *fixture {
	t.Helper()
	pk, err := terms.LoadPack(pack)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2026, 4, 5, 8, 0, 0, 0, clock.Amsterdam))
	d := &dir{svcs: map[int64]Metered{}, measures: map[int64]driver.Usage{}}
	s := New(db, clk, Deps{Pack: pk, Directory: d, Meter: d, Customers: contacts{}, BaseURL: "https://portal.example.test", Provider: "Provider B.V."})
	return &fixture{db: db, clk: clk, dir: d, s: s}
}

func (f *fixture) add(m Metered) { f.dir.svcs[m.ServiceID] = m }

func schemas() []store.Schema { return []store.Schema{audit.Schema, notify.Schema, Schema} }

func at(day, hour int) time.Time { return time.Date(2026, 3, day, hour, 0, 0, 0, clock.Amsterdam) }

func month(t *testing.T, f *fixture, id int64, m string) Figures {
	t.Helper()
	fig, err := monthFigures(context.Background(), f.db, id, m)
	if err != nil {
		t.Fatal(err)
	}
	return fig
}

// TestRepeatedDeliveryAndCounterReset: a driver that delivers the same sample twice and
// a counter that resets mid-month give the right monthly figure (cp.av.9.3: inbound
// plus outbound).
func TestRepeatedDeliveryAndCounterReset(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "cloudprovider")
		f.add(Metered{ServiceID: 1, OrgID: 10, SubscriptionID: 100, PlanID: 7, Name: "web1", Active: true, TrafficGB: ptr(100)})
		ctx := context.Background()
		in := []Sample{
			{Key: "in-1", ServiceID: 1, Metric: TrafficIn, Value: 10 * gb, MeasuredAt: at(1, 9)}, // baseline
			{Key: "in-2", ServiceID: 1, Metric: TrafficIn, Value: 20 * gb, MeasuredAt: at(5, 9)},
			{Key: "in-3", ServiceID: 1, Metric: TrafficIn, Value: 30 * gb, MeasuredAt: at(10, 9)},
			{Key: "in-4", ServiceID: 1, Metric: TrafficIn, Value: 4 * gb, MeasuredAt: at(15, 9)}, // reset: +4
			{Key: "in-5", ServiceID: 1, Metric: TrafficIn, Value: 9 * gb, MeasuredAt: at(20, 9)},
			{Key: "out-1", ServiceID: 1, Metric: TrafficOut, Value: 1 * gb, MeasuredAt: at(1, 9)},
			{Key: "out-2", ServiceID: 1, Metric: TrafficOut, Value: 6 * gb, MeasuredAt: at(20, 9)},
			{Key: "disk-1", ServiceID: 1, Metric: Disk, Value: 3 * gb, MeasuredAt: at(2, 9)},
			{Key: "disk-2", ServiceID: 1, Metric: Disk, Value: 5 * gb, MeasuredAt: at(12, 9)},
			{Key: "disk-3", ServiceID: 1, Metric: Disk, Value: 4 * gb, MeasuredAt: at(22, 9)},
		}
		res, err := f.s.Ingest(ctx, in[:4], "driver")
		if err != nil || res.Accepted != 4 {
			t.Fatalf("first: %+v %v", res, err)
		}
		// The same delivery again, and the rest with one key repeated inside it.
		res, err = f.s.Ingest(ctx, append(append([]Sample{}, in...), in[5]), "driver")
		if err != nil || res.Accepted != 6 || res.Duplicates != 5 {
			t.Fatalf("second: %+v %v", res, err)
		}
		res, err = f.s.Ingest(ctx, in, "driver")
		if err != nil || res.Accepted != 0 || res.Duplicates != len(in) {
			t.Fatalf("third: %+v %v", res, err)
		}
		fig := month(t, f, 1, "2026-03")
		// in: 10 + 10 + 4 + 5 = 29 GB; out: 5 GB; traffic 34 GB; disk max 5 GB.
		if fig.PerMetric[TrafficIn] != 29*gb || fig.PerMetric[TrafficOut] != 5*gb || fig.Traffic != 34*gb || fig.Storage != 5*gb || fig.Resets != 1 {
			t.Fatalf("figures %+v", fig)
		}
		// A late sample (older than the series has seen) counts the month again from
		// the samples: 10 → 15 → 20 → 30 → 4 → 9 is still 29 GB inbound.
		if _, err := f.s.Ingest(ctx, []Sample{{Key: "in-late", ServiceID: 1, Metric: TrafficIn, Value: 15 * gb, MeasuredAt: at(3, 9)}}, "api"); err != nil {
			t.Fatal(err)
		}
		if got := month(t, f, 1, "2026-03").PerMetric[TrafficIn]; got != 29*gb {
			t.Fatalf("after a late sample: %d", got)
		}
		// No carry-over (cp.av.9.2): April starts at the increase since the last
		// March sample.
		if _, err := f.s.Ingest(ctx, []Sample{{Key: "in-apr", ServiceID: 1, Metric: TrafficIn, Value: 11 * gb, MeasuredAt: time.Date(2026, 4, 2, 9, 0, 0, 0, clock.Amsterdam)}}, "api"); err != nil {
			t.Fatal(err)
		}
		if got := month(t, f, 1, "2026-04").Traffic; got != 2*gb {
			t.Fatalf("april %d", got)
		}
	}, schemas()...)
}

// TestBadSamplesChangeNothing: a batch with a bad item is refused whole, each bad item
// named.
func TestBadSamplesChangeNothing(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "cloudprovider")
		f.add(Metered{ServiceID: 1, OrgID: 10, Active: true})
		ctx := context.Background()
		_, err := f.s.Ingest(ctx, []Sample{
			{Key: "ok", ServiceID: 1, Metric: Disk, Value: 1, MeasuredAt: at(1, 9)},
			{Key: "neg", ServiceID: 1, Metric: Disk, Value: -1, MeasuredAt: at(1, 9)},
			{Key: "", ServiceID: 1, Metric: "bandwidth", Value: 1, MeasuredAt: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
		}, "api")
		var be *BatchError
		if !errors.As(err, &be) || !errors.Is(err, ErrInvalid) || len(be.Items) != 4 {
			t.Fatalf("err %v", err)
		}
		_, err = f.s.Ingest(ctx, []Sample{{Key: "x", ServiceID: 99, Metric: Disk, Value: 1, MeasuredAt: at(1, 9)}}, "api")
		if !errors.As(err, &be) || be.Items[0].Field != "service_id" {
			t.Fatalf("unknown service: %v", err)
		}
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM usage_samples`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d samples stored (%v)", n, err)
		}
	}, schemas()...)
}

// TestWarnedOncePerThreshold: warned at 80% and at 100% of the plan, once each per
// month, whatever is delivered again; an unlimited plan is never warned.
func TestWarnedOncePerThreshold(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "cloudprovider")
		f.add(Metered{ServiceID: 1, OrgID: 10, Name: "web1", Active: true, TrafficGB: ptr(100)})
		f.add(Metered{ServiceID: 2, OrgID: 11, Name: "web2", Active: true})
		ctx := context.Background()
		send := func(key string, id, v int64, day int) Result {
			t.Helper()
			r, err := f.s.Ingest(ctx, []Sample{{Key: key, ServiceID: id, Metric: Traffic, Value: v, MeasuredAt: at(day, 9)}}, "api")
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		send("a0", 1, 0, 1)
		send("b0", 2, 0, 1)
		if r := send("a1", 1, 79*gb, 5); r.Warnings != 0 {
			t.Fatalf("79%%: %+v", r)
		}
		if r := send("a2", 1, 85*gb, 8); r.Warnings != 1 {
			t.Fatalf("85%%: %+v", r)
		}
		if r := send("a3", 1, 90*gb, 9); r.Warnings != 0 {
			t.Fatalf("90%%: %+v", r)
		}
		if r := send("a4", 1, 101*gb, 10); r.Warnings != 1 {
			t.Fatalf("101%%: %+v", r)
		}
		if r := send("b1", 2, 5000*gb, 10); r.Warnings != 0 {
			t.Fatalf("unlimited: %+v", r)
		}
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM mail_outbox WHERE subject LIKE '%dataverkeer%'`).Scan(&n); err != nil || n != 2 {
			t.Fatalf("%d mails (%v)", n, err)
		}
	}, schemas()...)
}

// TestCollectCrash: the collector killed half-way and run again asks only the services
// it had not done, and stores every figure once.
func TestCollectCrash(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "cloudprovider")
		for id := int64(1); id <= 4; id++ {
			f.add(Metered{ServiceID: id, OrgID: 10 + id, Name: fmt.Sprint("svc", id), Active: id != 4, TrafficGB: ptr(100)})
			f.dir.measures[id] = driver.Usage{DiskBytes: id * gb, TransferBytes: id * 10 * gb, MeasuredAt: f.clk.Now()}
		}
		ctx := context.Background()
		calls := 0
		f.s.failpoint = func(p string) error {
			if p == "collect:before-commit" {
				calls++
				if calls == 2 {
					return errors.New("killed")
				}
			}
			return nil
		}
		if _, err := f.s.Collect(ctx, f.clk.Now()); err == nil {
			t.Fatal("no crash")
		}
		f.s.failpoint = nil
		f.dir.asked = nil
		res, err := f.s.Collect(ctx, f.clk.Now())
		if err != nil {
			t.Fatal(err)
		}
		if strings.Trim(fmt.Sprint(f.dir.asked), "[]") != "2 3" || res.Asked != 2 {
			t.Fatalf("asked %v after the crash (%+v)", f.dir.asked, res)
		}
		f.dir.asked = nil
		if res, err := f.s.Collect(ctx, f.clk.Now()); err != nil || res.Asked != 0 {
			t.Fatalf("third run %+v %v", res, err)
		}
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM usage_samples`).Scan(&n); err != nil || n != 6 {
			t.Fatalf("%d samples (%v)", n, err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM usage_samples WHERE service_id = 4`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("a terminated service was asked: %d", n)
		}
		// The next hour asks everyone again.
		f.clk.Advance(time.Hour)
		if res, err := f.s.Collect(ctx, f.clk.Now()); err != nil || res.Asked != 3 {
			t.Fatalf("next slot %+v %v", res, err)
		}
	}, schemas()...)
}

// TestSettleOverage: last month's traffic above the plan becomes one usage charge at
// the published price, once, with its explanation (cp.av.9.4).
func TestSettleOverage(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "cloudprovider")
		f.add(Metered{ServiceID: 1, OrgID: 10, SubscriptionID: 100, Name: "web1", Active: true, TrafficGB: ptr(100), StorageMB: ptr(10_000)})
		ctx := context.Background()
		if _, err := f.s.Ingest(ctx, []Sample{
			{Key: "1", ServiceID: 1, Metric: TrafficOut, Value: 0, MeasuredAt: at(1, 9)},
			{Key: "2", ServiceID: 1, Metric: TrafficOut, Value: 120 * gb, MeasuredAt: at(30, 9)},
			{Key: "3", ServiceID: 1, Metric: Disk, Value: 9 * gb, MeasuredAt: at(30, 9)},
		}, "api"); err != nil {
			t.Fatal(err)
		}
		if n, err := f.s.Settle(ctx, time.Date(2026, 4, 1, 12, 0, 0, 0, clock.Amsterdam)); err != nil || n != 0 {
			t.Fatalf("settled too early: %d %v", n, err)
		}
		for range 2 {
			if _, err := f.s.Settle(ctx, time.Date(2026, 4, 2, 1, 0, 0, 0, clock.Amsterdam)); err != nil {
				t.Fatal(err)
			}
		}
		lines, err := f.s.OpenUsageLines(ctx, db)
		if err != nil || len(lines) != 1 {
			t.Fatalf("lines %+v %v", lines, err)
		}
		price := f.s.d.Pack.Latest().Terms.Usage.OveragePrices.TrafficGB
		if lines[0].Amount != price.Mul(20) || !strings.Contains(lines[0].Description, "20.000 GB") || len(lines[0].Explanation.Clauses()) == 0 {
			t.Fatalf("line %+v", lines[0])
		}
		if err := f.s.MarkUsageLineInvoiced(ctx, db, lines[0].ID); err != nil {
			t.Fatal(err)
		}
		if lines, _ := f.s.OpenUsageLines(ctx, db); len(lines) != 0 {
			t.Fatalf("still open: %+v", lines)
		}
	}, schemas()...)
}
