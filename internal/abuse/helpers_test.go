package abuse

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var (
	abuseDesk = accounts.Principal{User: accounts.User{ID: 4, Email: "abuse@provider.test", Roles: []accounts.Role{accounts.RoleAbuse}}}
	salesP    = accounts.Principal{User: accounts.User{ID: 3, Email: "sales@provider.test", Roles: []accounts.Role{accounts.RoleSales}}}
)

// customers stands in for the organisations table.
type customers map[int64]Recipient

func (c customers) Contact(_ context.Context, _ store.Querier, orgID int64) (Recipient, error) {
	return c[orgID], nil
}

// blocker records the blocks provisioning was asked for, checking the action as
// provision.Service does.
type blocker struct {
	mu      sync.Mutex
	blocked map[int64]bool
	calls   int
}

func (b *blocker) Block(_ context.Context, by accounts.Principal, id int64, _ string) error {
	if err := by.Check(accounts.ServiceBlock, accounts.Provider); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.blocked[id] = true
	b.calls++
	return nil
}

func (b *blocker) Unblock(_ context.Context, by accounts.Principal, id int64, _ string) error {
	if err := by.Check(accounts.ServiceBlock, accounts.Provider); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.blocked, id)
	return nil
}

func (b *blocker) is(id int64) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.blocked[id]
}

type env struct {
	t   *testing.T
	ctx context.Context
	db  *store.DB
	clk *clock.Fake
	svc *Service
	blk *blocker
}

// customer principals of the two organisations.
func customerOf(org int64) accounts.Principal {
	o := accounts.Organisation{ID: org, LegalName: "Org", Language: "en"}
	return accounts.Principal{User: accounts.User{ID: 1000 + org, OrgID: org, OrgAdmin: true, Email: "admin@org.test"}, Org: &o}
}

// Thursday 2 April 2026, 10:00 in Amsterdam: Good Friday and Easter Monday follow.
var t0 = time.Date(2026, 4, 2, 10, 0, 0, 0, clock.Amsterdam)

func each(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		pk, err := terms.LoadPack("cloudprovider")
		if err != nil {
			t.Fatal(err)
		}
		e := &env{t: t, ctx: ctx, db: db, clk: clk, blk: &blocker{blocked: map[int64]bool{}}}
		e.svc = New(db, clk, Deps{Pack: pk, Locator: SQLLocator{}, Blocker: e.blk, DeskEmail: "abuse@provider.test", BaseURL: "https://portal.example",
			Provider: "Cloud Provider B.V.", Customers: customers{
				101: {Email: "shop@customer.test", Name: "Shop Owner", Lang: "en", LegalName: "Shop B.V.", Address: "Straat 1, 1234 AB Amsterdam"},
				102: {Email: "bank@customer.test", Name: "Other Customer", Lang: "nl", LegalName: "Other B.V.", Address: "Weg 2, 8911 BN Leeuwarden"},
			}})
		// Services as provisioning keeps them: an active shop, an ended site, a VPS.
		for _, s := range []struct {
			id, org       int64
			domain, state string
			details       string
		}{{1, 101, "shop-example.nl", "active", `{}`}, {2, 102, "phish-shop.nl", "active", `{}`}, {3, 101, "old-site.nl", "terminated", `{}`},
			{4, 102, "", "active", `{"host":"192.0.2.44"}`}} {
			if _, err := db.ExecContext(ctx, `INSERT INTO provision_services (id, subscription_id, org_id, kind, domain, ref, state, details, created_at, updated_at)
				VALUES ($1, $1, $2, 'webhosting', $3, $4, $5, $6, $7, $7)`, s.id, s.org, s.domain, "hp"+string(rune('0'+s.id)), s.state, s.details, t0); err != nil {
				t.Fatal(err)
			}
		}
		fn(t, e)
		if _, problems, err := audit.Verify(ctx, db); err != nil || len(problems) > 0 {
			t.Fatalf("audit trail: %v %v", err, problems)
		}
	}, audit.Schema, notify.Schema, files.Schema, contracts.Schema, provision.Schema, Schema)
}

func (e *env) at(y int, m time.Month, d, h int) {
	e.clk.Set(time.Date(y, m, d, h, 0, 0, 0, clock.Amsterdam))
}

// mails returns the subjects of the mails queued to addr.
func (e *env) mails(addr string) []string {
	e.t.Helper()
	rows, err := e.db.QueryContext(e.ctx, `SELECT subject FROM mail_outbox WHERE to_addr = $1 ORDER BY id`, addr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func (e *env) body(addr, contains string) string {
	e.t.Helper()
	rows, err := e.db.QueryContext(e.ctx, `SELECT body_text FROM mail_outbox WHERE to_addr = $1 ORDER BY id`, addr)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			e.t.Fatal(err)
		}
		if strings.Contains(s, contains) {
			return s
		}
	}
	return ""
}

func (e *env) get(id int64) Case {
	e.t.Helper()
	c, err := e.svc.Get(e.ctx, abuseDesk, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) ok(err error) {
	e.t.Helper()
	if err != nil {
		e.t.Fatal(err)
	}
}

func notice(email string, urls ...string) Notice {
	return Notice{NotifierName: "Rights Holder", NotifierEmail: email, Lang: "en", URLs: urls, AsksRemoval: true, Ground: "copyright",
		Description: "Our photos are copied.", Accurate: true}
}
