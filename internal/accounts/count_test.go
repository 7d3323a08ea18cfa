package accounts

import (
	"fmt"
	"testing"
)

// TestCountOrganisationsStops: the dashboard's count of customers stops at its bound
// and says there are more, and counts what the principal may see.
func TestCountOrganisationsStops(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		for i := range 3 {
			in := business(fmt.Sprintf("Klant %d BV", i))
			in.Email = fmt.Sprintf("info%d@klant.test", i)
			if _, err := e.s.CreateOrganisation(e.ctx, admin, in, nil); err != nil {
				t.Fatal(err)
			}
		}
		if n, more, err := e.s.CountOrganisations(e.ctx, admin, 2); err != nil || n != 2 || !more {
			t.Fatalf("up to 2: %d %v %v", n, more, err)
		}
		if n, more, err := e.s.CountOrganisations(e.ctx, admin, 3); err != nil || n != 3 || more {
			t.Fatalf("up to 3: %d %v %v", n, more, err)
		}
	})
}
