package monitor

import (
	"context"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var (
	support  = accounts.Principal{User: accounts.User{ID: 1, Email: "support@example.test", Roles: []accounts.Role{accounts.RoleSupport}}}
	billingP = accounts.Principal{User: accounts.User{ID: 2, Email: "billing@example.test", Roles: []accounts.Role{accounts.RoleBilling}}}
	customer = accounts.Principal{User: accounts.User{ID: 3, OrgID: 7, OrgAdmin: true, Email: "c@example.test"},
		Org: &accounts.Organisation{ID: 7}}
)

// t0 is a Monday morning in the cloudprovider pack's terms (max_check_gap 3 minutes,
// confirm_failures 2).
var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// recHooks records the Hooks calls that were committed: a call made in a transaction
// that rolled back is dropped, as the status page's rows would be.
type recHooks struct{}

func (h *recHooks) add(ctx context.Context, q store.Querier, kind string, o Outage) error {
	// Write a marker row in the transaction so that a rolled back call leaves nothing.
	_, err := q.ExecContext(ctx, `INSERT INTO hook_calls (kind, outage_id) VALUES ($1, $2)`, kind, o.ID)
	return err
}

func (h *recHooks) OutageStarted(ctx context.Context, q store.Querier, o Outage) error {
	return h.add(ctx, q, "start", o)
}
func (h *recHooks) OutageEnded(ctx context.Context, q store.Querier, o Outage) error {
	return h.add(ctx, q, "end", o)
}

type env struct {
	t   *testing.T
	ctx context.Context
	db  *store.DB
	clk *clock.Fake
	svc *Service
}

func each(t *testing.T, cfg AlertConfig, fn func(t *testing.T, e *env)) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, `CREATE TABLE hook_calls (kind TEXT NOT NULL, outage_id BIGINT NOT NULL, UNIQUE (kind, outage_id))`); err != nil {
			t.Fatal(err)
		}
		pack, err := terms.LoadPack("cloudprovider")
		if err != nil {
			t.Fatal(err)
		}
		clk := clock.NewFake(t0)
		if cfg.MailTo == nil {
			cfg.MailTo = []string{"ops@example.test"}
		}
		svc := New(db, clk, Deps{Pack: pack, Keys: secrets.Ephemeral(), Hooks: &recHooks{}, Alerts: cfg})
		fn(t, &env{t: t, ctx: ctx, db: db, clk: clk, svc: svc})
	}, audit.Schema, notify.Schema, Schema)
}

func (e *env) server(name, kind string) Server {
	e.t.Helper()
	sv, err := e.svc.CreateServer(e.ctx, support, ServerInput{Name: name, Kind: kind, Location: "ams"})
	if err != nil {
		e.t.Fatal(err)
	}
	return sv
}

func (e *env) component(sv Server, name, target string) Component {
	e.t.Helper()
	c, err := e.svc.AddComponent(e.ctx, support, sv.ID, ComponentInput{Name: name, Target: target,
		Spec: specFor(name, target), Interval: time.Minute})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) count(table, where string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM `+table+` WHERE `+where, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// results reports one result per minute from..to (inclusive) at loc; ok decides each.
func results(comp int64, loc string, from time.Time, n int, ok func(i int) bool) []Result {
	var out []Result
	for i := range n {
		r := Result{ComponentID: comp, Location: loc, At: from.Add(time.Duration(i) * time.Minute), OK: ok(i), Latency: time.Duration(10+i) * time.Millisecond}
		if !r.OK {
			r.Reason = "probe.connect.refused"
		}
		out = append(out, r)
	}
	return out
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s: got %v, want %v", what, got, want)
	}
}

// specFor is a valid check of component name at target, with a monitoring password
// where the kind takes one.
func specFor(name, target string) probe.Spec {
	sp := probe.Spec{Kind: probe.Kind(name), Address: target}
	switch sp.Kind {
	case probe.KindPOP3, probe.KindIMAP, probe.KindSMTP:
		sp.Security = "starttls"
		if sp.Kind != probe.KindSMTP {
			sp.User, sp.Password = "monitor", "s3cret-pw"
		}
	case probe.KindMySQL:
		sp.User, sp.Password = "monitor", "s3cret-pw"
	case probe.KindHTTP:
		sp.URL, sp.Address = "http://"+target+"/", ""
	case probe.KindHTTPS:
		sp.URL, sp.Address = "https://"+target+"/", ""
	case probe.KindDNS:
		sp.Zone = "example.test"
	}
	return sp
}
