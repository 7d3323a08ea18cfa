package backup

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var (
	support = accounts.Principal{User: accounts.User{ID: 2, Email: "support@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}}
	// t0 is a Monday morning in Amsterdam, after the night's backups would run.
	t0 = time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
)

func customer(orgID int64) accounts.Principal {
	o := accounts.Organisation{ID: orgID}
	return accounts.Principal{User: accounts.User{ID: 1000 + orgID, OrgID: orgID, OrgAdmin: true, Email: "admin@org.test"}, Org: &o}
}

type staffDir struct{}

func (staffDir) SupportContacts(context.Context, store.Querier) ([]Contact, error) {
	return []Contact{{Email: "support@provider.test", Lang: "en"}}, nil
}

type custDir struct{}

func (custDir) Contact(_ context.Context, _ store.Querier, orgID int64) (Contact, error) {
	return Contact{Email: "admin@org.test", Name: "Org", Lang: "nl"}, nil
}

type addOns struct {
	mu  sync.Mutex
	has map[int64]bool
}

func (a *addOns) HasVPSBackup(_ context.Context, orgID int64, _ string) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.has[orgID], nil
}

type env struct {
	t    *testing.T
	ctx  context.Context
	db   *store.DB
	clk  *clock.Fake
	svc  *Service
	eng  Engine
	root string
	adds *addOns
}

func pack(t *testing.T) *terms.Pack {
	pk, err := terms.LoadPack("cloudprovider")
	if err != nil {
		t.Fatal(err)
	}
	return pk
}

// each runs fn on both engines with a fresh service over eng (nil: a DemoEngine).
func each(t *testing.T, eng func(t *testing.T) Engine, fn func(t *testing.T, e *env)) {
	storetest.Each(t, setup(eng, fn), audit.Schema, notify.Schema, Schema)
}

// onSQLite runs fn on SQLite alone: the real-restic test spends its time in restic,
// and its SQL is the same the DemoEngine tests run on both engines.
func onSQLite(t *testing.T, eng func(t *testing.T) Engine, fn func(t *testing.T, e *env)) {
	setup(eng, fn)(t, storetest.Open(t, store.SQLite, audit.Schema, notify.Schema, Schema))
}

func setup(eng func(t *testing.T) Engine, fn func(t *testing.T, e *env)) func(t *testing.T, db *store.DB) {
	return func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		var en Engine = &DemoEngine{}
		if eng != nil {
			en = eng(t)
		}
		root := t.TempDir()
		adds := &addOns{has: map[int64]bool{}}
		svc := New(db, clk, Deps{Keys: secrets.Ephemeral(), Pack: pack(t), Engine: en, Source: LocalSource{Root: root},
			AddOns: adds, Staff: staffDir{}, Customers: custDir{}, BaseURL: "https://portal.test", Provider: "Cloud Provider B.V.",
			Settings: Settings{Scratch: filepath.Join(t.TempDir(), "scratch")}})
		fn(t, &env{t: t, ctx: ctx, db: db, clk: clk, svc: svc, eng: en, root: root, adds: adds})
		if _, problems, err := audit.Verify(ctx, db); err != nil || len(problems) > 0 {
			t.Fatalf("audit chain: %v %v", err, problems)
		}
	}
}

func (e *env) server(name, repo string) Server {
	e.t.Helper()
	sv, err := e.svc.AddServer(e.ctx, support, ServerInput{Name: name, Repository: repo, Password: "correct horse battery staple"})
	if err != nil {
		e.t.Fatal(err)
	}
	return sv
}

// service enrols a service of orgID and gives it a data directory with one file.
func (e *env) service(sv Server, serviceID, orgID int64, kind string) Enrolled {
	e.t.Helper()
	ref := "hp" + itoa(serviceID)
	en, err := e.svc.Enroll(e.ctx, support, Enrolment{ServiceID: serviceID, OrgID: orgID, Ref: ref, Kind: kind, Name: "Service " + ref, Domain: ref + ".test", ServerID: sv.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	e.write(en, "index.html", "first")
	return en
}

func (e *env) write(en Enrolled, name, content string) {
	e.t.Helper()
	p := filepath.Join(e.root, en.Ref, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		e.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) read(en Enrolled, name string) string {
	b, err := os.ReadFile(filepath.Join(e.root, en.Ref, name))
	if err != nil {
		return "<" + err.Error() + ">"
	}
	return string(b)
}

func (e *env) count(table, where string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+where, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
