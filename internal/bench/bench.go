// Package bench measures hostpact's throughput claims on a fresh database:
// `hostpact bench billing --subscriptions N [--db URL] [--baseline]` creates N active
// subscriptions (bulk inserts, outside the timing) and times one billing run over them,
// printing invoices per second and peak memory; with --baseline it then copies the
// run's invoice, line, audit and outbox rows into a second fresh database with plain
// multi-row INSERTs on the same engine and prints the run's time as a multiple of that. `hostpact bench probes --checks N` runs N HTTP
// checks through the probe runner against loopback servers and prints checks per
// minute, start lag, CPU time and peak RSS.
package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Run dispatches `hostpact bench <what>`.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	switch {
	case len(args) > 0 && args[0] == "status":
		return Status(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "pages":
		return Pages(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "portal":
		return Portal(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "serve":
		return Serve(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "probes":
		return Probes(ctx, args[1:], stdout, stderr)
	case len(args) > 0 && args[0] == "usage":
		return Usage(ctx, args[1:], stdout, stderr)
	case len(args) == 0 || args[0] != "billing":
		return errors.New("usage: hostpact bench billing --subscriptions N [--per-customer K] [--db URL] [--baseline]\n" +
			"       hostpact bench probes --checks N [--interval 60s] [--duration 2m]\n" +
			"       hostpact bench usage --samples N [--services S] [--batch B] [--db URL]\n" +
			"       hostpact bench status [--concurrency 50] [--duration 10s]\n" +
			"       hostpact bench pages --customers N --invoices M [--db URL] [--requests 31]\n" +
			"       hostpact bench portal [--concurrency 50] [--duration 10s]\n" +
			"       hostpact bench serve [--concurrency 50] [--duration 20s]")
	}
	return Billing(ctx, args[1:], stdout, stderr)
}

// Customers is a synthetic customer directory: organisation id n is a Dutch consumer
// when n is odd, a Dutch business otherwise, with a full address. It answers from
// memory, so the benchmark times billing, not the accounts package.
type Customers struct{}

// GetOrganisation returns the synthetic organisation id.
func (Customers) GetOrganisation(_ context.Context, _ accounts.Principal, id int64) (accounts.Organisation, error) {
	o := accounts.Organisation{ID: id, Kind: accounts.Consumer, LegalName: fmt.Sprintf("Klant %d", id), Email: fmt.Sprintf("klant%d@example.nl", id),
		Language: "nl", PostalAddress: accounts.Address{Street: "Dorpsstraat 1", PostalCode: "1234 AB", City: "Amsterdam", Country: "NL"}}
	if id%2 == 0 {
		o.Kind, o.KvK, o.VATID = accounts.Business, "12345678", "NL001234567B01"
	}
	o.BillingAddress = o.PostalAddress
	return o, nil
}

// Config is one benchmark run.
type Config struct {
	Subscriptions int
	PerCustomer   int
	DatabaseURL   string // "" = a temporary SQLite file
	Pack          string
	Batch         int // customers per transaction; 0: billing's default
	Baseline      bool
	// UsageLines: every subscription has a usage charge to invoice (issue 15: a run
	// with them stays within 1.5× of one without).
	UsageLines bool
}

// Result is what a run measured.
type Result struct {
	Subscriptions int
	Customers     int
	Invoices      int
	Lines         int
	Setup         time.Duration
	Billing       time.Duration
	BillingCPU    time.Duration // this process's user+system CPU during the run
	// ServerCPU: PostgreSQL on this machine, the user+system CPU of the backends
	// serving the run (HaveServerCPU) and the baseline (serverCPU).
	BillingServerCPU, BaselineServerCPU time.Duration
	HaveServerCPU                       bool
	// Baseline: the run's invoice, line, audit and outbox rows written again with plain
	// multi-row INSERTs into an empty database of the same engine (Config.Baseline).
	Baseline     time.Duration
	BaselineCPU  time.Duration
	BaselineRows map[string]int
	// Indexing: the audit.search job bringing the trail's text search up to the run's
	// Indexed entries after it (SQLite).
	Indexing time.Duration
	Indexed  int
	PeakHeap uint64 // bytes, sampled from runtime.MemStats during the run
	MaxRSS   int64  // bytes, getrusage(RUSAGE_SELF) at the end
}

// Billing parses flags and runs the billing benchmark.
func Billing(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench billing", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("subscriptions", 100000, "number of active subscriptions to create and bill")
	per := fs.Int("per-customer", 2, "subscriptions per customer")
	dbURL := fs.String("db", "", "database URL (postgres://...); default: a temporary SQLite file")
	pack := fs.String("pack", "cloudprovider", "policy pack")
	batch := fs.Int("batch", 0, "customers per transaction in the billing run (0: billing.DefaultRunBatch for the engine)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the run to this file")
	baseline := fs.Bool("baseline", false, "also time plain multi-row INSERTs of the run's invoice, line, audit and outbox rows into an empty database of the same engine")
	usageLines := fs.Bool("usage-lines", false, "give every subscription a usage charge that the run puts on its invoice")
	if err := fs.Parse(args); err != nil {
		return err
	}
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
	fmt.Fprintf(stdout, "bench billing: %d subscriptions, %d per customer, %s\n", *n, *per, engineOf(*dbURL))
	res, err := BillingRun(ctx, Config{Subscriptions: *n, PerCustomer: *per, DatabaseURL: *dbURL, Pack: *pack, Batch: *batch, Baseline: *baseline, UsageLines: *usageLines})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "setup (bulk insert):   %s\n", res.Setup.Round(time.Millisecond))
	fmt.Fprintf(stdout, "billing run:           %s (CPU %s in this process)\n", res.Billing.Round(time.Millisecond), res.BillingCPU.Round(time.Millisecond))
	if res.HaveServerCPU {
		fmt.Fprintf(stdout, "                       (CPU %s in the PostgreSQL backends)\n", res.BillingServerCPU.Round(time.Millisecond))
	}
	if res.Indexed > 0 {
		fmt.Fprintf(stdout, "audit search index:    %s after the run for its %d audit entries (the audit.search job)\n", res.Indexing.Round(time.Millisecond), res.Indexed)
	}
	fmt.Fprintf(stdout, "invoices:              %d (%d lines, %d customers)\n", res.Invoices, res.Lines, res.Customers)
	fmt.Fprintf(stdout, "invoices/second:       %.0f\n", float64(res.Invoices)/res.Billing.Seconds())
	fmt.Fprintf(stdout, "subscriptions/second:  %.0f\n", float64(res.Subscriptions)/res.Billing.Seconds())
	fmt.Fprintf(stdout, "peak Go heap:          %.1f MiB\n", float64(res.PeakHeap)/(1<<20))
	fmt.Fprintf(stdout, "max RSS:               %.1f MiB\n", float64(res.MaxRSS)/(1<<20))
	if *baseline {
		fmt.Fprintf(stdout, "baseline (plain multi-row INSERTs of %d invoices, %d lines, %d audit entries, %d mails):\n",
			res.BaselineRows["invoices"], res.BaselineRows["invoice_lines"], res.BaselineRows["audit_entries"], res.BaselineRows["mail_outbox"])
		fmt.Fprintf(stdout, "                       %s (CPU %s in this process)\n", res.Baseline.Round(time.Millisecond), res.BaselineCPU.Round(time.Millisecond))
		if res.HaveServerCPU {
			fmt.Fprintf(stdout, "                       (CPU %s in the PostgreSQL backends)\n", res.BaselineServerCPU.Round(time.Millisecond))
		}
		fmt.Fprintf(stdout, "run / baseline:        %.2f× (CPU %.2f×)\n", res.Billing.Seconds()/res.Baseline.Seconds(), res.BillingCPU.Seconds()/res.BaselineCPU.Seconds())
		if res.HaveServerCPU {
			run, base := res.BillingCPU+res.BillingServerCPU, res.BaselineCPU+res.BaselineServerCPU
			fmt.Fprintf(stdout, "CPU, both sides:       run %s, baseline %s: %.2f×\n", run.Round(time.Millisecond), base.Round(time.Millisecond), run.Seconds()/base.Seconds())
		}
	}
	fmt.Fprintf(stdout, "load average:          %s\n", loadAverage())
	return nil
}

func engineOf(u string) string {
	if strings.HasPrefix(u, "postgres") {
		return "postgresql"
	}
	return "sqlite"
}

// BillingRun sets up a fresh database with cfg.Subscriptions subscriptions and times
// one billing run over them.
func BillingRun(ctx context.Context, cfg Config) (Result, error) {
	if cfg.Subscriptions <= 0 || cfg.PerCustomer <= 0 {
		return Result{}, errors.New("subscriptions and per-customer must be positive")
	}
	if cfg.Pack == "" {
		cfg.Pack = "cloudprovider"
	}
	res := Result{Subscriptions: cfg.Subscriptions}
	dsn, cleanup, err := freshDatabase(ctx, cfg.DatabaseURL)
	if err != nil {
		return res, err
	}
	defer cleanup()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return res, err
	}
	defer db.Close()
	db.SetMaxIdleConns(20) // keep every backend to the end: serverCPU reads them
	if err := db.Migrate(ctx, audit.Schema, notify.Schema, contracts.Schema, billing.Schema); err != nil {
		return res, err
	}
	pk, err := terms.LoadPack(cfg.Pack)
	if err != nil {
		return res, err
	}
	day := terms.D(2027, 1, 1)
	t0 := time.Now()
	const chunk = 10000
	subs := make([]contracts.BulkSubscription, 0, chunk)
	flush := func() error {
		err := contracts.BulkLoad(ctx, db, cfg.Pack, subs)
		subs = subs[:0]
		return err
	}
	for i := range cfg.Subscriptions {
		org := int64(i/cfg.PerCustomer + 1)
		kind := terms.Consumer
		if org%2 == 0 {
			kind = terms.Business
		}
		b := contracts.BulkSubscription{OrgID: org, CustomerKind: kind, OrgName: fmt.Sprintf("Klant %d", org), Country: "NL",
			Name: "Webhosting Pro", Kind: catalog.KindWebhosting, Billing: catalog.Subscription, Period: terms.MustPeriod("P1M"),
			Price: 795, VATCategory: terms.VATStandard, StartOn: day, TermEnd: day.AddYears(1)}
		if i%10 == 9 {
			b.Name, b.Kind, b.Period, b.Price = ".nl domain", catalog.KindDomain, terms.MustPeriod("P1Y"), 900
		}
		subs = append(subs, b)
		if len(subs) == chunk {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	// Give the planner statistics on what was bulk loaded, as autovacuum would on a
	// live database: fresh from the load, PostgreSQL plans the billing feed as for an
	// empty table (a full scan and sort per page). Billing's own tables are left
	// alone: analysed while empty, their plans would not follow them as the run fills
	// them, which a live database's long-grown tables do not need either.
	if err := db.Analyze(ctx, "subscriptions", "contracts"); err != nil {
		return res, err
	}
	res.Setup = time.Since(t0)

	clk := clock.NewFake(time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC))
	svc := billing.New(db, clk, billing.Deps{Pack: pk, Customers: Customers{}, Config: billing.Config{
		Provider: terms.Provider{VATID: "NL001234567B01", Address: "Hoofdstraat 1, 8731 AA Wommels, NL"},
		IBAN:     "NL91ABNA0417164300", BIC: "ABNANL2A", Mail: true, RunBatch: cfg.Batch}})
	if cfg.UsageLines {
		svc.UseUsage(usageLines{pol: pk.Latest()})
	}

	runtime.GC()
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	s1, haveS1 := serverCPU(ctx, db, appName(dsn))
	t1, c1 := time.Now(), cpuTime()
	rr, err := svc.RunBilling(ctx, clk.Now())
	res.Billing, res.BillingCPU = time.Since(t1), cpuTime()-c1
	s2, haveS2 := serverCPU(ctx, db, appName(dsn))
	res.BillingServerCPU, res.HaveServerCPU = s2-s1, haveS1 && haveS2
	close(stop)
	wg.Wait()
	if err != nil {
		return res, err
	}
	res.Customers, res.Invoices, res.Lines, res.PeakHeap = rr.Customers, rr.Invoices, rr.Lines, peak.Load()
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		res.MaxRSS = ru.Maxrss * 1024 // Linux reports kilobytes
	}
	want := (cfg.Subscriptions + cfg.PerCustomer - 1) / cfg.PerCustomer
	wantLines := cfg.Subscriptions
	if cfg.UsageLines {
		wantLines *= 2
	}
	if res.Invoices != want || res.Lines != wantLines {
		return res, fmt.Errorf("billed %d invoices with %d lines, want %d with %d", res.Invoices, res.Lines, want, wantLines)
	}
	// The audit trail's text search on SQLite is written after the run, by the
	// audit.search job: timed apart, so that the run's figure hides nothing.
	t2 := time.Now()
	if res.Indexed, err = (&audit.SearchIndexer{DB: db}).Run(ctx); err != nil {
		return res, err
	}
	res.Indexing = time.Since(t2)
	if cfg.Baseline {
		if err := baseline(ctx, db, cfg.DatabaseURL, &res); err != nil {
			return res, fmt.Errorf("baseline: %w", err)
		}
	}
	return res, nil
}

// freshDatabase returns the URL of an empty database: a SQLite file in a temporary
// directory, or a new schema in the PostgreSQL database u (dropped by cleanup), whose
// connections carry an application_name of their own (appName).
func freshDatabase(ctx context.Context, u string) (string, func(), error) {
	return keptDatabase(ctx, u, "")
}

var keepName = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// keptDatabase is freshDatabase, except that with a keep name the database is named
// after it (hostpact-bench-<keep>.db in the temporary directory, or the schema
// bench_<keep>), made only when absent and left in place after the run.
func keptDatabase(ctx context.Context, u, keep string) (string, func(), error) {
	if keep != "" && !keepName.MatchString(keep) {
		return "", nil, fmt.Errorf("--keep %q: use lower-case letters, digits and _", keep)
	}
	isPG := strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
	if keep != "" && !isPG && u == "" {
		return filepath.Join(os.TempDir(), "hostpact-bench-"+keep+".db"), func() {}, nil
	}
	if !strings.HasPrefix(u, "postgres://") && !strings.HasPrefix(u, "postgresql://") {
		if u != "" {
			return u, func() {}, nil
		}
		dir, err := os.MkdirTemp("", "hostpact-bench-")
		if err != nil {
			return "", nil, err
		}
		return filepath.Join(dir, "bench.db"), func() { os.RemoveAll(dir) }, nil
	}
	admin, err := store.Open(ctx, u)
	if err != nil {
		return "", nil, err
	}
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema, create := "bench_"+hex.EncodeToString(b[:]), `CREATE SCHEMA `
	if keep != "" {
		schema, create = "bench_"+keep, `CREATE SCHEMA IF NOT EXISTS `
	}
	if _, err := admin.ExecContext(ctx, create+schema); err != nil {
		admin.Close()
		return "", nil, err
	}
	cleanup := func() {
		if keep == "" {
			_, _ = admin.ExecContext(context.Background(), `DROP SCHEMA `+schema+` CASCADE`)
		}
		admin.Close()
	}
	pu, err := url.Parse(u)
	if err != nil {
		cleanup()
		return "", nil, err
	}
	q := pu.Query()
	q.Set("search_path", schema)
	q.Set("application_name", "hostpact-"+schema) // finds the backends (serverCPU)
	pu.RawQuery = q.Encode()
	return pu.String(), cleanup, nil
}

// appName is the application_name of a database URL from freshDatabase ("" for SQLite).
func appName(dsn string) string {
	pu, err := url.Parse(dsn)
	if err != nil || pu.Scheme == "" {
		return ""
	}
	return pu.Query().Get("application_name")
}
