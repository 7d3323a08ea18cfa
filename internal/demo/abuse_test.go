package demo

import (
	"context"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/disclosure"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// The demo shows a takedown case forwarded to the customer whose site it concerns, and
// a disclosure report assessed with a fix date; a second seed adds nothing.
func TestSeedAbuse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		a := demoApp(t, db, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
		ctx := context.Background()
		for range 2 {
			if _, err := Seed(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		desk := accounts.Principal{User: accounts.User{ID: -1, Roles: []accounts.Role{accounts.RoleAbuse, accounts.RoleSecurity}}}
		cs, err := a.Abuse.List(ctx, desk, abuse.Filter{})
		if err != nil || len(cs) != 1 || cs[0].State != abuse.StateForwarded || cs[0].ServiceID == 0 || cs[0].DueOn.IsZero() {
			t.Fatalf("takedown cases: %+v %v", cs, err)
		}
		rs, err := a.Disclosure.List(ctx, desk, "", 0, 10)
		if err != nil || len(rs) != 1 || rs[0].State != disclosure.StateAccepted {
			t.Fatalf("reports: %+v %v", rs, err)
		}
	}, app.Schemas()...)
}
