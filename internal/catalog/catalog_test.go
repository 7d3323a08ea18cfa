package catalog

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var (
	sales    = accounts.Principal{User: accounts.User{ID: 1, Email: "sales@example.test", Roles: []accounts.Role{accounts.RoleSales}}}
	support  = accounts.Principal{User: accounts.User{ID: 2, Email: "support@example.test", Roles: []accounts.Role{accounts.RoleSupport}}}
	customer = accounts.Principal{User: accounts.User{ID: 3, OrgID: 7, OrgAdmin: true, Email: "c@example.test"},
		Org: &accounts.Organisation{ID: 7, Kind: accounts.Consumer}}
)

func count(t *testing.T, db *store.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSeedDemoIdempotent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := New(db, clock.NewFake(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)))
		for _, pack := range []string{"cloudprovider", "5online"} {
			if err := SeedDemo(ctx, svc, pack); err != nil {
				t.Fatalf("seed %s: %v", pack, err)
			}
		}
		products, plans, entries := count(t, db, "catalog_products"), count(t, db, "catalog_plans"), count(t, db, "audit_entries")
		for _, pack := range []string{"cloudprovider", "5online"} {
			if err := SeedDemo(ctx, svc, pack); err != nil {
				t.Fatal(err)
			}
		}
		if count(t, db, "catalog_products") != products || count(t, db, "catalog_plans") != plans || count(t, db, "audit_entries") != entries {
			t.Fatal("second seed changed the catalog")
		}
		nl, err := svc.PlanByCode(ctx, "cloudprovider", "domains", "nl")
		if err != nil {
			t.Fatal(err)
		}
		if nl.ProductKind != KindDomain || !nl.WithdrawalWaivable || nl.Period.String() != "P1Y" || nl.Price != terms.Money(795) || nl.RetentionCategory != "domain-data" {
			t.Fatalf("domain plan: %+v", nl)
		}
		web, err := svc.PlanByCode(ctx, "5online", "website", "pro")
		if err != nil || web.Billing != OneOff || !web.Period.IsZero() {
			t.Fatalf("5online website: %+v %v", web, err)
		}
		kinds := map[Kind]bool{}
		all, err := svc.ListPlans(ctx, PlanFilter{Pack: "cloudprovider", ActiveOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range all {
			kinds[p.ProductKind] = true
		}
		for _, k := range []Kind{KindWebhosting, KindEmail, KindVPS, KindVPSBackup, KindContainers, KindVPN, KindDomain, KindEmailMarketing} {
			if !kinds[k] {
				t.Errorf("cloudprovider catalog lacks %s", k)
			}
		}
		vps, err := svc.ListPlans(ctx, PlanFilter{Pack: "cloudprovider", Kind: KindVPS})
		if err != nil || len(vps) != 3 {
			t.Fatalf("vps plans: %d %v", len(vps), err)
		}
	}, audit.Schema, Schema)
}

func TestCatalogValidationAndAuthorization(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		svc := New(db, clock.NewFake(time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC)))
		if _, err := svc.CreateProduct(ctx, support, ProductInput{Pack: "cloudprovider", Code: "x", Kind: KindVPS, Name: "X"}); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("support created a product: %v", err)
		}
		if _, err := svc.CreateProduct(ctx, customer, ProductInput{Pack: "cloudprovider", Code: "x", Kind: KindVPS, Name: "X"}); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("customer created a product: %v", err)
		}
		_, err := svc.CreateProduct(ctx, sales, ProductInput{Pack: "nope", Code: "Bad Code", Kind: "toaster", Name: "", RetentionCategory: "x"})
		var fe accounts.FieldErrors
		if !errors.As(err, &fe) || fe["pack"].IsZero() || fe["code"].IsZero() || fe["kind"].IsZero() || fe["name"].IsZero() {
			t.Fatalf("bad product: %v", err)
		}
		p, err := svc.CreateProduct(ctx, sales, ProductInput{Pack: "5online", Code: "domains", Kind: KindDomain, Name: "Domains", RetentionCategory: "customer-data"})
		if err != nil {
			t.Fatal(err)
		}
		_, err = svc.CreatePlan(ctx, sales, PlanInput{ProductID: p.ID, Code: "nl", Name: ".nl", Billing: OneOff, Period: "P1Y", Price: -1, SLA: true})
		if !errors.As(err, &fe) || fe["tld"].IsZero() || fe["billing"].IsZero() || fe["price"].IsZero() || fe["period"].IsZero() || fe["sla"].IsZero() {
			t.Fatalf("bad plan: %v", err)
		}
		if n := count(t, db, "catalog_plans"); n != 0 {
			t.Fatalf("bad input saved %d plans", n)
		}
		pl, err := svc.CreatePlan(ctx, sales, PlanInput{ProductID: p.ID, Code: "nl", Name: ".nl", Billing: Subscription, Period: "P1Y", Price: 1250, TLD: ".NL"})
		if err != nil || pl.TLD != "nl" {
			t.Fatalf("plan: %+v %v", pl, err)
		}
		if _, err := svc.CreatePlan(ctx, sales, PlanInput{ProductID: p.ID, Code: "nl", Name: ".nl", Billing: Subscription, Period: "P1Y", Price: 1250, TLD: "nl"}); !errors.As(err, &fe) || fe["code"].IsZero() {
			t.Fatalf("duplicate code: %v", err)
		}
		up, err := svc.UpdatePlan(ctx, sales, pl.ID, PlanInput{Name: ".nl", Billing: Subscription, Period: "P1Y", Price: 1395, TLD: "nl"})
		if err != nil || up.Price != 1395 {
			t.Fatalf("update: %+v %v", up, err)
		}
		if _, err := svc.GetPlan(ctx, 9999); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("missing plan: %v", err)
		}
	}, audit.Schema, Schema)
}
