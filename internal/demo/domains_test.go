package demo

import (
	"context"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/domains"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestSeedDomains: the demo's domain orders are registered at the demo registry, and
// a taken name is refused at the order.
func TestSeedDomains(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := demoApp(t, db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		ctx := context.Background()
		if _, err := Seed(ctx, a); err != nil {
			t.Fatal(err)
		}
		admin, err := a.Accounts.FindUserByEmail(ctx, staff[0].email)
		if err != nil {
			t.Fatal(err)
		}
		ds, _, err := a.Domains.List(ctx, accounts.Principal{User: admin}, domains.Filter{}, 0, 50)
		if err != nil || len(ds) == 0 {
			t.Fatalf("domains: %v %v", ds, err)
		}
		for _, d := range ds {
			if d.State != domains.StateActive || d.ExpiresOn.IsZero() {
				t.Errorf("demo domain %s: %s %s", d.Name, d.State, d.Problem)
			}
		}
		if err := a.Domains.OrderableDomain(ctx, ds[0].OrgID, "google.nl"); err == nil {
			t.Error("google.nl orderable in the demo")
		}
	}, app.Schemas()...)
}
