package accounts

import (
	"slices"
	"testing"
)

// Finding 3 of issue 8: a sub-user with the users permission grants or revokes only
// permissions it holds itself (cp.av.3.6); the organisation's admin user holds all.
func TestSubUserGrantsOnlyPermissionsItHolds(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		staff := e.staff("sales@provider.test", RoleSales)
		org, admin := e.customer(staff, business("Bakkerij Jansen"))
		manager := e.subUser(admin, org.ID, "manager@jansen.nl", PermUsers)
		billing := e.subUser(admin, org.ID, "billing@jansen.nl", PermBilling)
		clerk := e.subUser(admin, org.ID, "clerk@jansen.nl", PermReadOnly)

		type step struct {
			name   string
			by     Principal
			target Principal
			perms  []Permission
			ok     bool
		}
		for _, st := range []step{
			{"grant a permission it lacks", manager, clerk, []Permission{PermReadOnly, PermBilling}, false},
			{"grant every permission", manager, clerk, Permissions, false},
			{"revoke a permission it lacks", manager, billing, []Permission{PermReadOnly}, false},
			{"change its own", manager, manager, Permissions, false},
			{"grant what it holds", manager, clerk, []Permission{PermReadOnly, PermUsers}, true},
			{"revoke what it holds", manager, clerk, []Permission{PermReadOnly}, true},
			{"the admin grants anything", admin, clerk, []Permission{PermBilling, PermTechnical}, true},
			{"the admin revokes anything", admin, billing, []Permission{PermReadOnly}, true},
		} {
			before := e.snapshot()
			u, err := e.s.SetUserPermissions(e.ctx, st.by, st.target.User.ID, st.perms, nil)
			if st.ok {
				if err != nil {
					t.Fatalf("%s: %v", st.name, err)
				}
				if !slices.Equal(u.Permissions, st.perms) {
					t.Fatalf("%s: permissions %v, want %v", st.name, u.Permissions, st.perms)
				}
				continue
			}
			if err == nil {
				t.Fatalf("%s: allowed", st.name)
			}
			e.sameAs(before)
		}
		got, err := e.s.GetUser(e.ctx, admin, manager.User.ID)
		if err != nil || !slices.Equal(got.Permissions, []Permission{PermUsers}) {
			t.Fatalf("the manager's permissions became %v (%v)", got.Permissions, err)
		}

		// Creating a user is granting too.
		before := e.snapshot()
		_, err = e.s.CreateUser(e.ctx, manager, UserInput{OrgID: org.ID, Email: "new@jansen.nl", Name: "Nieuw", Password: goodPW,
			Permissions: []Permission{PermBilling, PermTechnical, PermUsers}})
		fe := wantFields(t, err, "permissions")
		if fe["permissions"].IsZero() {
			t.Fatal("no message")
		}
		e.sameAs(before)
		if _, err := e.s.CreateUser(e.ctx, manager, UserInput{OrgID: org.ID, Email: "new@jansen.nl", Name: "Nieuw", Password: goodPW,
			Permissions: []Permission{PermUsers}}); err != nil {
			t.Fatalf("create with a held permission: %v", err)
		}
	})
}
