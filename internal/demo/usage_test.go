package demo

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestDemoUsage: the demo's customers have metered services with three months of
// figures, one of them near its traffic limit and warned at 80%, so the portal's usage
// pages show believable charts; the usage pages are mounted.
func TestDemoUsage(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, store.SQLite, app.Schemas()...)
	a := demoApp(t, db, time.Date(2026, 3, 20, 9, 0, 0, 0, time.UTC))
	ctx := context.Background()
	if err := seed(ctx, a); err != nil {
		t.Fatal(err)
	}
	by := demoAdmin(t, a)
	plans, err := a.Usage.Report(ctx, by, "2026-03")
	if err != nil || len(plans) == 0 {
		t.Fatalf("report %+v %v", plans, err)
	}
	warned := false
	for _, pl := range plans {
		for _, r := range pl.Heaviest {
			su, err := a.Usage.ServiceMonths(ctx, by, r.ServiceID, 3)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range su.Months {
				if m.Samples == 0 || m.Traffic == 0 {
					t.Errorf("%s: %s has no figures", su.Service.Name, m.Month)
				}
			}
			for _, w := range su.Warnings {
				if w.Threshold == 80 {
					warned = true
				}
			}
		}
	}
	if !warned {
		t.Error("no demo service was warned at 80%")
	}
	h, err := a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/portal/usage", nil))
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "login") {
		t.Errorf("GET /portal/usage signed out: %d %q, want the way to the login", rec.Code, rec.Header().Get("Location"))
	}
}
