package bench

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestPagesSmoke: on a small seeded database every staff page the bench times answers
// 200 to a signed-in administrator on each engine, and the lists that page reach their
// second page through the rel="next" link.
func TestPagesSmoke(t *testing.T) {
	engines := map[string]string{"sqlite": ""}
	if u := os.Getenv(storetest.EnvPostgres); u != "" {
		engines["postgres"] = u
	}
	for name, u := range engines {
		t.Run(name, func(t *testing.T) {
			res, err := PagesRun(context.Background(), PagesConfig{Customers: 50, Invoices: 100, Paid: 30, DatabaseURL: u, Requests: 1, RouteBudget: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if res.Invoices < 100 || res.Paid != 30 {
				t.Errorf("%d invoices, %d paid; want at least 100, 30 paid", res.Invoices, res.Paid)
			}
			second := map[string]bool{}
			for _, r := range res.Routes {
				if r.Status != 200 || r.Failures > 0 {
					t.Errorf("%s: status %d, %d failures", r.Route, r.Status, r.Failures)
				}
				if r.Next {
					second[r.Parent] = true
				}
			}
			for _, list := range []string{"/staff/customers", "/staff/invoices", "/staff/contracts", "/staff/audit", "/staff/invoices?status=paid"} {
				if !second[list] {
					t.Errorf("%s: no second page reached", list)
				}
			}
		})
	}
}

// TestPortalSmoke: the portal pages and API list endpoints the portal bench loads
// answer 200 to the demo customer's session and read token under concurrent requests.
func TestPortalSmoke(t *testing.T) {
	res, err := PortalRun(context.Background(), PortalConfig{Concurrency: 2, Duration: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Endpoints) != len(portalEndpoints) {
		t.Fatalf("%d endpoints measured, want %d", len(res.Endpoints), len(portalEndpoints))
	}
	for _, e := range res.Endpoints {
		if e.Status != 200 || e.Failed > 0 || e.OK == 0 {
			t.Errorf("%s: status %d, %d ok, %d failed", e.Path, e.Status, e.OK, e.Failed)
		}
	}
	if res.IdleRSS == 0 || res.LoadedPeak < res.IdleRSS {
		t.Errorf("RSS idle %d, loaded peak %d", res.IdleRSS, res.LoadedPeak)
	}
}
