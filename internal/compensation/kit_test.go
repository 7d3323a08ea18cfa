package compensation

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// The test kit: in-memory measurements, maintenance, overdue periods and subscriptions
// that feed the real calculator, and the real billing credit.

type memMonitor struct {
	mu      sync.Mutex
	servers map[int64][]monitor.Server // subscription → servers
	checks  map[int64][]sla.Check      // server → checks
}

func (m *memMonitor) ServersOf(_ context.Context, _ store.Querier, sub int64) ([]monitor.Server, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.servers[sub], nil
}

func (m *memMonitor) ServiceChecks(_ context.Context, _ store.Querier, sub int64, from, to time.Time) ([]sla.Check, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []sla.Check
	for _, sv := range m.servers[sub] {
		for _, c := range m.checks[sv.ID] {
			if !c.At.Before(from) && c.At.Before(to) {
				out = append(out, c)
			}
		}
	}
	return out, nil
}

func (m *memMonitor) add(server int64, cs ...sla.Check) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.checks[server] = append(m.checks[server], cs...)
}

type memMaintenance struct {
	mu sync.Mutex
	by map[int64][]sla.Exclusion // server → windows
}

func (m *memMaintenance) MaintenanceFor(_ context.Context, _ store.Querier, ids []int64, from, to time.Time) ([]sla.Exclusion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []sla.Exclusion
	for _, id := range ids {
		for _, e := range m.by[id] {
			if e.From.Before(to) && e.To.After(from) {
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// memBilling has in-memory overdue periods and grants credit through the real billing
// service (its account_credit table and idempotency key).
type memBilling struct {
	*billing.Service
	mu      sync.Mutex
	overdue map[int64][]billing.Span
}

func (b *memBilling) OverdueIntervals(_ context.Context, _ store.Querier, org int64, from, to time.Time) ([]billing.Span, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []billing.Span
	for _, s := range b.overdue[org] {
		if s.From.Before(to) && s.To.After(from) {
			out = append(out, s)
		}
	}
	return out, nil
}

type memSubs struct {
	mu   sync.Mutex
	subs map[int64]Subscription
}

func (m *memSubs) Subscription(_ context.Context, _ store.Querier, id int64) (Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s, ok := m.subs[id]
	if !ok {
		return Subscription{}, sql.ErrNoRows
	}
	return s, nil
}

func (m *memSubs) SLASubscriptions(_ context.Context, _ store.Querier, org int64, from, to terms.Date) ([]Subscription, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Subscription
	for id := int64(1); id <= int64(len(m.subs))+100; id++ {
		s, ok := m.subs[id]
		if !ok || !s.SLA || (org != 0 && s.OrgID != org) || !s.StartOn.Before(to) || (!s.EndsOn.IsZero() && !s.EndsOn.After(from)) {
			continue
		}
		out = append(out, s)
	}
	return out, nil
}

type env struct {
	t     *testing.T
	ctx   context.Context
	db    *store.DB
	clk   *clock.Fake
	svc   *Service
	mon   *memMonitor
	mt    *memMaintenance
	bill  *memBilling
	subs  *memSubs
	staff accounts.Principal
}

var ams = clock.Amsterdam

func at(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, ams).UTC()
}

func newEnv(t *testing.T, db *store.DB, pk *terms.Pack) *env {
	clk := clock.NewFake(at(2026, 3, 1, 0, 0))
	e := &env{t: t, ctx: context.Background(), db: db, clk: clk,
		mon:   &memMonitor{servers: map[int64][]monitor.Server{}, checks: map[int64][]sla.Check{}},
		mt:    &memMaintenance{by: map[int64][]sla.Exclusion{}},
		subs:  &memSubs{subs: map[int64]Subscription{}},
		staff: accounts.Principal{User: accounts.User{ID: 7, Email: "support@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}},
	}
	e.bill = &memBilling{Service: billing.New(db, clk, billing.Deps{Pack: pk}), overdue: map[int64][]billing.Span{}}
	e.svc = New(db, clk, Deps{Pack: pk, Monitor: e.mon, Maintenance: e.mt, Billing: e.bill, Subscriptions: e.subs})
	return e
}

var schemas = []store.Schema{audit.Schema, billing.Schema, Schema}

func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	pk, err := terms.LoadPack("cloudprovider")
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) { fn(t, newEnv(t, db, pk)) }, schemas...)
}

func customer(org int64) accounts.Principal {
	o := accounts.Organisation{ID: org, LegalName: fmt.Sprint("org ", org)}
	return accounts.Principal{User: accounts.User{ID: 1000 + org, OrgID: org, OrgAdmin: true, Email: fmt.Sprintf("c%d@example.test", org)}, Org: &o}
}

// sub adds an SLA webhosting subscription of org placed on server, at 25.00 a month.
func (e *env) sub(id, org, server int64) {
	e.subs.mu.Lock()
	e.subs.subs[id] = Subscription{ID: id, OrgID: org, Name: fmt.Sprint("Webhosting ", id), Kind: "webhosting", SLA: true,
		MonthlyFee: terms.Euros(25), StartOn: terms.D(2026, 1, 1)}
	e.subs.mu.Unlock()
	e.mon.mu.Lock()
	e.mon.servers[id] = append(e.mon.servers[id], monitor.Server{ID: server, Name: fmt.Sprint("web", server)})
	e.mon.mu.Unlock()
}

// outage gives server's component once-a-minute checks from three locations over
// [from-10m, from+down+10m); the locations in failing fail during [from, from+down).
func (e *env) outage(server int64, component string, from time.Time, down int, failing ...string) {
	for _, loc := range []string{"ams1", "fra1", "lon1"} {
		fails := false
		for _, f := range failing {
			fails = fails || f == loc
		}
		var cs []sla.Check
		for i := -10; i < down+10; i++ {
			t := from.Add(time.Duration(i) * time.Minute)
			cs = append(cs, sla.Check{Component: component, Target: fmt.Sprint("web", server), Location: loc, At: t, OK: !(fails && i >= 0 && i < down)})
		}
		e.mon.add(server, cs...)
	}
}

func (e *env) count(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) credit(org int64) terms.Money {
	e.t.Helper()
	var m int64
	if err := e.db.QueryRowContext(e.ctx, `SELECT COALESCE(SUM(amount), 0) FROM account_credit WHERE org_id = $1`, org).Scan(&m); err != nil {
		e.t.Fatal(err)
	}
	return terms.Money(m)
}
