package demo

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/config"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// testKeys is the secret key of every demo app in this test process: the audit chain
// key is process-wide (audit.UseKeys), as it is in a running hostpact, and the tests
// run side by side.
var testKeys = secrets.Ephemeral()

// demoApp builds the application as `hostpact demo` does, on db, with the clock fixed
// at the given time; the tests seed it themselves.
func demoApp(t *testing.T, db *store.DB, at time.Time) *app.App {
	t.Helper()
	a, err := buildDemoApp(db, at)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func buildDemoApp(db *store.DB, at time.Time) (*app.App, error) {
	cfg, err := config.Load("", nil)
	if err != nil {
		return nil, err
	}
	cfg.Demo, cfg.Keys = true, testKeys
	// At the default cost one password hash takes many seconds under the race detector,
	// and the demo hashes one per user it creates.
	cfg.PasswordHashCost = config.PasswordHashCost{MemoryKiB: 64, Passes: 1, Threads: 1}
	pack, err := app.LoadPack(cfg)
	if err != nil {
		return nil, err
	}
	return app.Build(cfg, pack, db, nil, clock.NewFake(at))
}

// demoAdmin is the demo's admin staff member, as a principal.
func demoAdmin(t *testing.T, a *app.App) accounts.Principal {
	t.Helper()
	admin, err := a.Accounts.FindUserByEmail(context.Background(), staff[0].email)
	if err != nil {
		t.Fatal(err)
	}
	return accounts.Principal{User: admin}
}

// seededAt is when the shared demo was seeded: 2 March 2026, 09:00 UTC.
var seededAt = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// seededDemo is the demo seeded twice at seededAt on one engine, with what the tests
// compare between the first seed and the second (a second seed adds nothing). Seeding
// is most of these tests' time, so the tests that only read the demo share one per
// engine instead of seeding their own.
type seededDemo struct {
	db *store.DB
	a  *app.App
	// After the first seed: document versions, documents recorded for orders, DNS
	// zones and provisioning servers.
	versions, shown, zones, provServers int
}

var (
	seededMu   sync.Mutex
	seeded     = map[store.Dialect]*seededDemo{}
	seedErrs   = map[store.Dialect]error{}
	seededDrop []func()
)

// sharedDemo returns the demo seeded twice on engine d, seeding it the first time it
// is asked for; the test must only read it.
func sharedDemo(t *testing.T, d store.Dialect) *seededDemo {
	t.Helper()
	seededMu.Lock()
	defer seededMu.Unlock()
	if s, ok := seeded[d]; ok {
		return s
	}
	if err, ok := seedErrs[d]; ok {
		storetest.SkipNoPostgres(t, err)
		t.Fatalf("seeding the shared demo on %s: %v", d, err)
	}
	s, err := seedShared(d)
	if err != nil {
		seedErrs[d] = err
		storetest.SkipNoPostgres(t, err)
		t.Fatalf("seeding the shared demo on %s: %v", d, err)
	}
	seeded[d] = s
	return s
}

// seedMu lets one demo seed run at a time in this test process. The demo driver keeps
// its servers' accounts process-wide, by endpoint (provision/drivers/demo), and every
// seeded database names its services alike: the step the seed makes fail (a reset on
// a VPS whose data it deleted) succeeded when another test's seed created that VPS
// again in between, and TestSeedProvisioning found no open step.
var seedMu sync.Mutex

// seed is Seed, one at a time (seedMu).
func seed(ctx context.Context, a *app.App) error {
	seedMu.Lock()
	defer seedMu.Unlock()
	_, err := Seed(ctx, a)
	return err
}

func seedShared(d store.Dialect) (*seededDemo, error) {
	db, drop, err := storetest.OpenShared(d, app.Schemas()...)
	if err != nil {
		return nil, err
	}
	seededDrop = append(seededDrop, drop)
	a, err := buildDemoApp(db, seededAt)
	if err != nil {
		return nil, err
	}
	ctx := context.Background()
	if err := seed(ctx, a); err != nil {
		return nil, err
	}
	s := &seededDemo{db: db, a: a}
	for q, n := range map[string]*int{`SELECT COUNT(*) FROM document_versions`: &s.versions,
		`SELECT COUNT(*) FROM order_documents`: &s.shown} {
		if err := db.QueryRowContext(ctx, q).Scan(n); err != nil {
			return nil, err
		}
	}
	admin, err := a.Accounts.FindUserByEmail(ctx, staff[0].email)
	if err != nil {
		return nil, err
	}
	by := accounts.Principal{User: admin}
	zones, err := a.DNS.AllZones(ctx, by, 0, "")
	if err != nil {
		return nil, err
	}
	svs, err := a.Provision.Servers(ctx, by)
	if err != nil {
		return nil, err
	}
	s.zones, s.provServers = len(zones), len(svs)
	if err := seed(ctx, a); err != nil {
		return nil, err
	}
	return s, nil
}

// eachSeeded runs fn, beside the other tests, in a subtest per engine ("sqlite",
// "postgres", as storetest.Each) on the shared seeded demo of that engine.
func eachSeeded(t *testing.T, fn func(t *testing.T, s *seededDemo)) {
	t.Helper()
	t.Parallel()
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { fn(t, sharedDemo(t, d)) })
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	for _, drop := range seededDrop {
		drop()
	}
	os.Exit(code)
}
