package accounts

import (
	"slices"
	"strings"
	"testing"
)

func TestBadInputSavesNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		org, cust := e.customer(admin, business("Acme"))
		before := e.snapshot()

		bad := business("Bad")
		bad.VATID = "NL001234567B01"
		bad.KvK = "1234"
		bad.PostalAddress.PostalCode = "ABCD 12"
		bad.Email = "nope"
		bad.Phone = "call me maybe"
		_, err := e.s.CreateOrganisation(e.ctx, admin, bad, &UserInput{Email: "admin@acme.nl", Name: "", Password: "weak"})
		wantFields(t, err, "vat_id", "kvk", "postal_address.postal_code", "email", "phone", "admin.name", "admin.password")

		consumer := business("Piet")
		consumer.Kind = Consumer
		_, err = e.s.CreateOrganisation(e.ctx, admin, consumer, nil)
		wantFields(t, err, "kvk", "vat_id")

		// Valid organisation, admin address taken: the organisation is not kept either.
		_, err = e.s.CreateOrganisation(e.ctx, admin, business("Other"), &UserInput{Email: "ADMIN@acme.nl", Name: "Dup", Password: goodPW})
		wantFields(t, err, "admin.email")

		_, err = e.s.CreateUser(e.ctx, cust, UserInput{OrgID: org.ID, Email: "admin@acme.nl", Name: "Dup"})
		wantFields(t, err, "email")
		_, err = e.s.CreateUser(e.ctx, cust, UserInput{OrgID: org.ID, Email: "x@acme.nl", Name: strings.Repeat("n", 201), Permissions: []Permission{"root"}, Roles: []Role{RoleAdmin}})
		wantFields(t, err, "name", "permissions", "roles")
		_, err = e.s.CreateUser(e.ctx, admin, UserInput{Email: "staff@provider.test", Name: "S"})
		wantFields(t, err, "roles")

		edit := orgInput(org)
		edit.PostalAddress.Country = "XX"
		_, err = e.s.UpdateOrganisation(e.ctx, admin, org.ID, edit)
		wantFields(t, err, "postal_address.country")
		wantFields(t, e.s.SetIPAllowlist(e.ctx, cust, org.ID, []string{"10.0.0.0/8", "10.1"}, homeIP), "ip_allowlist")
		_, err = e.s.SetUserPermissions(e.ctx, admin, cust.User.ID, []Permission{"everything"}, nil)
		wantFields(t, err, "permissions")
		_, _, err = e.s.CreateAPIToken(e.ctx, cust, strings.Repeat("t", 101), []Scope{ScopeRead}, 0)
		wantFields(t, err, "name")
		wantFields(t, e.s.ResetPassword(e.ctx, "whatever", "short"), "password")

		e.sameAs(before)
	})
}

func TestCustomerLifecycleIsAudited(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		in := business("Acme")
		in.BillingAddress = Address{Street: "Postbus 12", PostalCode: "1000aa", City: "Amsterdam", Country: "NL"}
		org, cust := e.customer(admin, in)
		if org.VATID != "NL004495445B01" || org.BillingAddress.PostalCode != "1000 AA" || org.Language != "nl" {
			t.Fatalf("created %+v", org)
		}
		sub := e.subUser(cust, org.ID, "money@acme.nl", PermBilling)
		if _, err := e.s.SetUserPermissions(e.ctx, cust, sub.User.ID, []Permission{PermBilling, PermTechnical}, nil); err != nil {
			t.Fatal(err)
		}
		edit := orgInput(org)
		edit.Phone, edit.ContactName = "+31 6 1234 5678", "Marie"
		if _, err := e.s.UpdateOrganisation(e.ctx, cust, org.ID, edit); err != nil {
			t.Fatal(err)
		}
		if err := e.s.SetIPAllowlist(e.ctx, cust, org.ID, []string{"192.0.2.0/24"}, homeIP); err != nil {
			t.Fatal(err)
		}
		if err := e.s.SetUserDisabled(e.ctx, cust, sub.User.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := e.s.SetOrganisationDisabled(e.ctx, admin, org.ID, true); err != nil {
			t.Fatal(err)
		}
		got := e.auditActions(org.ID)
		want := []string{"customer.create", "user.create", "user.create", "user.permissions", "customer.update",
			"customer.ip_allowlist", "user.disable", "customer.disable"}
		if !slices.Equal(got, want) {
			t.Fatalf("audit %v\nwant  %v", got, want)
		}
		entries := e.lastAudit()
		if entries.Actor.Kind != "staff" || entries.Actor.ID != admin.User.ID {
			t.Fatalf("actor %+v", entries.Actor)
		}
	})
}

func TestOrganisationEditRights(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		org, cust := e.customer(admin, business("Acme"))
		billing := e.staff("billing@provider.test", RoleBilling)
		abuse := e.staff("abuse@provider.test", RoleAbuse)
		sales := e.staff("sales@provider.test", RoleSales)

		newBilling := orgInput(org)
		newBilling.BillingAddress = Address{Street: "Postbus 1", PostalCode: "1000 AA", City: "Amsterdam", Country: "NL"}
		if _, err := e.s.UpdateOrganisation(e.ctx, billing, org.ID, newBilling); err != nil {
			t.Fatalf("billing edits the billing address: %v", err)
		}
		if a := e.lastAudit(); a.Summary != "changed: billing_address" {
			t.Fatalf("audit %+v", a)
		}
		org, _ = e.s.GetOrganisation(e.ctx, abuse, org.ID)
		rename := orgInput(org)
		rename.LegalName = "Acme Holding"
		_, err := e.s.UpdateOrganisation(e.ctx, billing, org.ID, rename)
		wantErr(t, err, ErrForbidden)
		_, err = e.s.UpdateOrganisation(e.ctx, abuse, org.ID, rename)
		wantErr(t, err, ErrForbidden)
		_, err = e.s.UpdateOrganisation(e.ctx, cust, org.ID, rename)
		wantErr(t, err, ErrForbidden)
		if _, err := e.s.UpdateOrganisation(e.ctx, sales, org.ID, rename); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.CreateOrganisation(e.ctx, billing, business("New"), nil)
		wantErr(t, err, ErrForbidden)
		if _, err := e.s.CreateOrganisation(e.ctx, sales, business("New"), nil); err != nil {
			t.Fatal(err)
		}

		// The customer's admin user edits contact details with a form that leaves out
		// what it may not change.
		contact := OrganisationInput{ContactName: "Marie", Email: "Billing@Acme.nl", Language: "en", PostalAddress: org.PostalAddress}
		got, err := e.s.UpdateOrganisation(e.ctx, cust, org.ID, contact)
		if err != nil {
			t.Fatal(err)
		}
		if got.LegalName != "Acme Holding" || got.Email != "billing@acme.nl" || got.KvK != "12345678" || got.Language != "en" {
			t.Fatalf("after contact edit %+v", got)
		}
		// A sub-user with PermBilling edits the billing address only; a reader nothing.
		money := e.subUser(cust, org.ID, "money@acme.nl", PermBilling)
		reader := e.subUser(cust, org.ID, "reader@acme.nl", PermReadOnly)
		b := OrganisationInput{BillingAddress: Address{Street: "Postbus 2", PostalCode: "1000 AB", City: "Amsterdam", Country: "NL"}}
		if _, err := e.s.UpdateOrganisation(e.ctx, money, org.ID, b); err != nil {
			t.Fatal(err)
		}
		b.Phone = "+31 20 999 9999"
		_, err = e.s.UpdateOrganisation(e.ctx, money, org.ID, b)
		wantErr(t, err, ErrForbidden)
		_, err = e.s.UpdateOrganisation(e.ctx, reader, org.ID, b)
		wantErr(t, err, ErrForbidden)
		// A sub-user with PermUsers manages sub-users (within its own permissions, see
		// TestSubUserGrantsOnlyPermissionsItHolds) but not the admin user.
		usersMgr := e.subUser(cust, org.ID, "hr@acme.nl", PermUsers)
		if _, err := e.s.SetUserPermissions(e.ctx, usersMgr, reader.User.ID, []Permission{PermUsers}, nil); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.SetUserPermissions(e.ctx, usersMgr, usersMgr.User.ID, Permissions, nil)
		wantErr(t, err, ErrForbidden)
		wantErr(t, e.s.SetUserDisabled(e.ctx, usersMgr, cust.User.ID, true), ErrForbidden)
		_, err = e.s.CreateUser(e.ctx, usersMgr, UserInput{OrgID: org.ID, Email: "boss2@acme.nl", Name: "B", OrgAdmin: true})
		wantErr(t, err, ErrForbidden)
		_, err = e.s.CreateUser(e.ctx, reader, UserInput{OrgID: org.ID, Email: "x@acme.nl", Name: "X"})
		wantErr(t, err, ErrForbidden)
		// Customers do not see the staff.
		_, err = e.s.ListUsers(e.ctx, cust, 0)
		wantErr(t, err, ErrForbidden)
		_, err = e.s.GetUser(e.ctx, cust, admin.User.ID)
		wantErr(t, err, ErrNotFound)
		// Staff roles: only admins manage staff.
		_, err = e.s.CreateUser(e.ctx, sales, UserInput{Email: "new@provider.test", Name: "N", Roles: []Role{RoleAdmin}})
		wantErr(t, err, ErrForbidden)
		_, err = e.s.SetUserPermissions(e.ctx, admin, admin.User.ID, nil, []Role{RoleSales})
		wantErr(t, err, ErrForbidden)
		u, err := e.s.SetUserPermissions(e.ctx, admin, sales.User.ID, nil, []Role{RoleSupport, RoleSales})
		if err != nil || !slices.Equal(u.Roles, []Role{RoleSales, RoleSupport}) {
			t.Fatalf("roles %v %v", u.Roles, err)
		}
		if staffList, err := e.s.ListUsers(e.ctx, abuse, 0); err != nil || len(staffList) != 4 {
			t.Fatalf("staff list %d %v", len(staffList), err)
		}
	})
}

func TestResellerSeesOnlyOwnCustomers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		r1in, r2in := business("Resell One"), business("Resell Two")
		r1in.IsReseller, r2in.IsReseller = true, true
		r1, res1 := e.customer(admin, r1in)
		_, res2 := e.customer(admin, r2in)
		direct, _ := e.customer(admin, business("Direct"))

		// A reseller creates its own customers only, and no resellers.
		c1, c1admin := e.customer(res1, business("End Customer"))
		if c1.ResellerID != r1.ID {
			t.Fatalf("reseller id %d", c1.ResellerID)
		}
		in := business("Sneaky")
		in.ResellerID = direct.ID
		_, err := e.s.CreateOrganisation(e.ctx, res1, in, nil)
		wantErr(t, err, ErrForbidden)
		in = business("Sneaky")
		in.IsReseller = true
		_, err = e.s.CreateOrganisation(e.ctx, res1, in, nil)
		wantErr(t, err, ErrForbidden)
		// Sub-users of a reseller are not its admin.
		sub := e.subUser(res1, r1.ID, "staff@resellone.nl", PermUsers, PermBilling, PermTechnical)
		_, err = e.s.CreateOrganisation(e.ctx, sub, business("Nope"), nil)
		wantErr(t, err, ErrForbidden)

		list, total, err := e.s.ListOrganisations(e.ctx, res1, OrgFilter{ResellerID: 0})
		if err != nil || total != 1 || len(list) != 1 || list[0].ID != c1.ID {
			t.Fatalf("reseller's list %v %d %v", list, total, err)
		}
		if list, total, _ := e.s.ListOrganisations(e.ctx, res2, OrgFilter{}); total != 0 || len(list) != 0 {
			t.Fatalf("other reseller sees %v", list)
		}
		_, err = e.s.GetOrganisation(e.ctx, res2, c1.ID)
		wantErr(t, err, ErrNotFound)
		_, err = e.s.GetOrganisation(e.ctx, res1, direct.ID)
		wantErr(t, err, ErrNotFound)
		if _, err := e.s.GetOrganisation(e.ctx, res1, c1.ID); err != nil {
			t.Fatal(err)
		}
		// The reseller's customer does not see its reseller.
		_, err = e.s.GetOrganisation(e.ctx, c1admin, r1.ID)
		wantErr(t, err, ErrNotFound)
		if list, total, _ := e.s.ListOrganisations(e.ctx, c1admin, OrgFilter{}); total != 1 || list[0].ID != c1.ID {
			t.Fatalf("customer sees %v", list)
		}
		// The reseller manages its customer: edit, users, allowlist.
		edit := orgInput(c1)
		edit.Phone = "+31 10 111 2222"
		if _, err := e.s.UpdateOrganisation(e.ctx, res1, c1.ID, edit); err != nil {
			t.Fatal(err)
		}
		edit.ResellerID = r1.ID + 100
		_, err = e.s.UpdateOrganisation(e.ctx, res1, c1.ID, edit)
		wantErr(t, err, ErrForbidden)
		if _, err := e.s.CreateUser(e.ctx, res1, UserInput{OrgID: c1.ID, Email: "dev@endcustomer.nl", Name: "Dev", Permissions: []Permission{PermTechnical}}); err != nil {
			t.Fatal(err)
		}
		_, err = e.s.CreateUser(e.ctx, res2, UserInput{OrgID: c1.ID, Email: "evil@endcustomer.nl", Name: "Evil"})
		wantErr(t, err, ErrNotFound)
		if err := e.s.SetIPAllowlist(e.ctx, res1, c1.ID, []string{"203.0.113.0/24"}, homeIP); err != nil {
			t.Fatal(err)
		}
		if users, err := e.s.ListUsers(e.ctx, res1, c1.ID); err != nil || len(users) != 2 {
			t.Fatalf("users %v %v", users, err)
		}

		// Staff filter by reseller and search.
		if _, total, _ := e.s.ListOrganisations(e.ctx, admin, OrgFilter{ResellerID: r1.ID}); total != 1 {
			t.Fatalf("staff filter by reseller: %d", total)
		}
		if l, total, _ := e.s.ListOrganisations(e.ctx, admin, OrgFilter{Query: "RESELL"}); total != 2 || len(l) != 2 {
			t.Fatalf("search: %d", total)
		}
		if _, total, _ := e.s.ListOrganisations(e.ctx, admin, OrgFilter{Query: "100%_"}); total != 0 {
			t.Fatalf("LIKE wildcards in a search: %d", total)
		}
		if l, total, _ := e.s.ListOrganisations(e.ctx, admin, OrgFilter{PerPage: 2, Page: 2}); total != 4 || len(l) != 2 {
			t.Fatalf("page 2: %d of %d", len(l), total)
		}
		f := false
		if _, total, _ := e.s.ListOrganisations(e.ctx, admin, OrgFilter{Disabled: &f, Kind: Business}); total != 4 {
			t.Fatalf("filter: %d", total)
		}
		// Staff cannot drop reseller status while customers remain.
		edit = orgInput(r1)
		edit.IsReseller = false
		_, err = e.s.UpdateOrganisation(e.ctx, admin, r1.ID, edit)
		wantFields(t, err, "is_reseller")
		// Only resellers can be named as one.
		in = business("Misfiled")
		in.ResellerID = direct.ID
		_, err = e.s.CreateOrganisation(e.ctx, admin, in, nil)
		wantFields(t, err, "reseller_id")
	})
}
