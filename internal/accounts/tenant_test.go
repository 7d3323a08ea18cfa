package accounts

import (
	"errors"
	"testing"
)

// TestTenantIsolation: a user of organisation A, however privileged within A, reaches
// nothing of organisation B, learns nothing about it, and changes nothing.
func TestTenantIsolation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		orgA, a := e.customer(admin, business("Alpha"))
		orgB, b := e.customer(admin, business("Bravo"))
		subB := e.subUser(b, orgB.ID, "dev@bravo.nl", PermTechnical)
		tokB, _, err := e.s.CreateAPIToken(e.ctx, b, "ci", []Scope{ScopeWrite}, 0)
		if err != nil {
			t.Fatal(err)
		}
		aUsers := e.subUser(a, orgA.ID, "hr@alpha.nl", PermUsers, PermBilling, PermTechnical)
		before := e.snapshot()

		for _, p := range []Principal{a, aUsers} {
			hidden := func(name string, err error) {
				t.Helper()
				if !errors.Is(err, ErrNotFound) {
					t.Errorf("%s as %s: err = %v, want ErrNotFound", name, p.User.Email, err)
				}
			}
			_, err := e.s.GetOrganisation(e.ctx, p, orgB.ID)
			hidden("GetOrganisation", err)
			_, err = e.s.UpdateOrganisation(e.ctx, p, orgB.ID, orgInput(orgB))
			hidden("UpdateOrganisation", err)
			hidden("SetIPAllowlist", e.s.SetIPAllowlist(e.ctx, p, orgB.ID, []string{"203.0.113.0/24"}, "203.0.113.1"))
			_, err = e.s.ListUsers(e.ctx, p, orgB.ID)
			hidden("ListUsers", err)
			_, err = e.s.CountUsers(e.ctx, p, orgB.ID)
			hidden("CountUsers", err)
			if own, err := e.s.OwnOrganisation(p); err != nil || own.ID != orgA.ID {
				t.Errorf("OwnOrganisation as %s: %d %v", p.User.Email, own.ID, err)
			}
			if n, err := e.s.CountUsers(e.ctx, p, orgA.ID); err != nil || n != 2 {
				t.Errorf("CountUsers of its own organisation as %s: %d %v", p.User.Email, n, err)
			}
			_, err = e.s.GetUser(e.ctx, p, subB.User.ID)
			hidden("GetUser", err)
			_, err = e.s.SetUserPermissions(e.ctx, p, subB.User.ID, Permissions, nil)
			hidden("SetUserPermissions", err)
			hidden("SetUserDisabled", e.s.SetUserDisabled(e.ctx, p, subB.User.ID, true))
			hidden("ResetUserMFA", e.s.ResetUserMFA(e.ctx, p, b.User.ID))
			hidden("RevokeAPIToken", e.s.RevokeAPIToken(e.ctx, p, tokB.ID))
			_, err = e.s.CreateUser(e.ctx, p, UserInput{OrgID: orgB.ID, Email: "mole@alpha.nl", Name: "Mole"})
			hidden("CreateUser", err)
			// Ids that do not exist answer exactly like ids of others.
			_, err = e.s.GetOrganisation(e.ctx, p, 9999)
			hidden("GetOrganisation(missing)", err)
			_, err = e.s.GetUser(e.ctx, p, 9999)
			hidden("GetUser(missing)", err)
			hidden("RevokeAPIToken(missing)", e.s.RevokeAPIToken(e.ctx, p, 9999))

			if err := e.s.SetOrganisationDisabled(e.ctx, p, orgB.ID, true); !errors.Is(err, ErrNotFound) {
				t.Errorf("SetOrganisationDisabled: %v", err)
			}
			list, total, err := e.s.ListOrganisations(e.ctx, p, OrgFilter{ResellerID: orgB.ID, Query: "Bravo"})
			if err != nil || total != 0 || len(list) != 0 {
				t.Errorf("ListOrganisations: %v %d %v", list, total, err)
			}
			toks, err := e.s.ListAPITokens(e.ctx, p)
			for _, tk := range toks {
				if tk.OrgID != orgA.ID {
					t.Errorf("ListAPITokens shows %+v (%v)", tk, err)
				}
			}
		}
		// A principal whose Org does not match its user is refused outright.
		forged := a
		forged.Org = &orgB
		_, err = e.s.GetOrganisation(e.ctx, forged, orgB.ID)
		if !errors.Is(err, ErrForbidden) {
			t.Errorf("forged principal: %v", err)
		}
		// Neither is it taken at its word about its own organisation.
		if _, err := e.s.OwnOrganisation(forged); !errors.Is(err, ErrForbidden) {
			t.Errorf("forged principal's own organisation: %v", err)
		}
		for _, p := range []Principal{forged, admin} {
			if _, err := e.s.CountUsers(e.ctx, p, orgB.ID); (p.User.ID == admin.User.ID) != (err == nil) {
				t.Errorf("CountUsers of B as %s: %v", p.User.Email, err)
			}
		}
		if _, err := e.s.OwnOrganisation(admin); !errors.Is(err, ErrNotFound) {
			t.Errorf("staff have no organisation of their own: %v", err)
		}
		e.sameAs(before)
		if _, err := e.s.Authenticate(e.ctx, subB.Session.Token, homeIP); err != nil {
			t.Fatalf("B's user was affected: %v", err)
		}
	})
}
