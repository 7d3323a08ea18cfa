package dns

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

var (
	support = accounts.Principal{User: accounts.User{ID: 2, Email: "support@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}}
	sales   = accounts.Principal{User: accounts.User{ID: 3, Email: "sales@provider.test", Roles: []accounts.Role{accounts.RoleSales}}}
	t0      = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
)

// customer is the admin user of organisation org.
func customer(org int64) accounts.Principal {
	return accounts.Principal{User: accounts.User{ID: 5000 + org, OrgID: org, OrgAdmin: true, Email: "admin@customer.test"},
		Org: &accounts.Organisation{ID: org}}
}

// hosting stands in for provisioning: the services per organisation.
type hosting struct {
	mu  sync.Mutex
	per map[int64][]Hosted
}

func (h *hosting) HostedServices(_ context.Context, orgID int64) ([]Hosted, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.per[orgID], nil
}

type env struct {
	t   *testing.T
	ctx context.Context
	db  *store.DB
	clk *clock.Fake
	svc *Service
	h   *hosting
}

func newEnv(t *testing.T, db *store.DB) *env {
	clk := clock.NewFake(t0)
	h := &hosting{per: map[int64][]Hosted{
		77: {{Kind: "webhosting", Domain: "klant.test", IPv4: "127.0.0.10", IPv6: "::1"}, {Kind: "email", Domain: "klant.test", IPv4: "127.0.0.11"}},
		78: {{Kind: "webhosting", Domain: "ander.test", IPv4: "127.0.0.20"}},
	}}
	return &env{t: t, ctx: context.Background(), db: db, clk: clk, h: h, svc: New(db, clk, Deps{Keys: secrets.Ephemeral(), Hosting: h})}
}

// each runs fn on SQLite and, when configured, PostgreSQL, and checks the audit trail.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		e := newEnv(t, db)
		fn(t, e)
		if _, problems, err := audit.Verify(e.ctx, db); err != nil || len(problems) > 0 {
			t.Fatalf("audit trail: %v %v", err, problems)
		}
	}, audit.Schema, Schema)
}

// must returns v, or ends the test with err (a panic fails the test with its stack).
func must[T any](v T, err error) T {
	if err != nil {
		panic(fmt.Sprintf("unexpected error: %v", err))
	}
	return v
}

// fieldErr returns the field errors of err, failing when it is not one.
func fieldErr(t testing.TB, err error) accounts.FieldErrors {
	t.Helper()
	fe, ok := err.(accounts.FieldErrors)
	if !ok {
		t.Fatalf("want field errors, got %v", err)
	}
	return fe
}
