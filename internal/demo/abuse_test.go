package demo

import (
	"context"
	"testing"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/disclosure"
)

// The demo shows a takedown case forwarded to the customer whose site it concerns, and
// a disclosure report assessed with a fix date; a second seed adds nothing.
func TestSeedAbuse(t *testing.T) {
	eachSeeded(t, func(t *testing.T, s *seededDemo) {
		a := s.a // seeded twice
		ctx := context.Background()
		desk := accounts.Principal{User: accounts.User{ID: -1, Roles: []accounts.Role{accounts.RoleAbuse, accounts.RoleSecurity}}}
		cs, err := a.Abuse.List(ctx, desk, abuse.Filter{})
		if err != nil || len(cs) != 1 || cs[0].State != abuse.StateForwarded || cs[0].ServiceID == 0 || cs[0].DueOn.IsZero() {
			t.Fatalf("takedown cases: %+v %v", cs, err)
		}
		rs, err := a.Disclosure.List(ctx, desk, "", 0, 10)
		if err != nil || len(rs) != 1 || rs[0].State != disclosure.StateAccepted {
			t.Fatalf("reports: %+v %v", rs, err)
		}
	})
}
