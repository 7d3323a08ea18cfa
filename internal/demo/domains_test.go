package demo

import (
	"context"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/domains"
)

// TestSeedDomains: the demo's domain orders are registered at the demo registry, and
// a taken name is refused at the order.
func TestSeedDomains(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *seededDemo) {
		a := s.a
		ctx := context.Background()
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
	})
}
