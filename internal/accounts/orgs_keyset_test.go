package accounts

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestCustomerListByKeyset: walking the list page by page with ListOrganisationsAfter
// gives every customer once, in the order of ListOrganisations, and each page is read
// along the index organisations_name: no sort of every customer, and a page after a
// cursor searches the index instead of scanning the table (issue 16).
func TestCustomerListByKeyset(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		// Two names equal but for case: the id orders them.
		for i, name := range []string{"Zeeman BV", "appel BV", "Bakker BV", "bakker bv", "Delta BV", "Echo BV", "charlie BV"} {
			in := business(name)
			in.Email = fmt.Sprintf("info%d@klant.test", i)
			if _, err := e.s.CreateOrganisation(e.ctx, admin, in, &UserInput{Email: fmt.Sprintf("admin%d@klant.test", i), Name: "Admin", Password: goodPW}); err != nil {
				t.Fatal(err)
			}
		}
		all, total, err := e.s.ListOrganisations(e.ctx, admin, OrgFilter{PerPage: 100})
		if err != nil || total != 7 {
			t.Fatalf("ListOrganisations: %d, %v", total, err)
		}
		var walked []int64
		f := OrgFilter{PerPage: 3}
		for range 10 {
			page, err := e.s.ListOrganisationsAfter(e.ctx, admin, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, o := range page {
				walked = append(walked, o.ID)
			}
			if len(page) < f.PerPage {
				break
			}
			f.AfterID = page[len(page)-1].ID
		}
		var want []int64
		for _, o := range all {
			want = append(want, o.ID)
		}
		if !slices.Equal(walked, want) {
			t.Fatalf("keyset walk %v, list order %v", walked, want)
		}

		// The plans, on the engine at hand.
		cond, args, err := orgListWhere(e.db.Dialect, admin, OrgFilter{})
		if err != nil {
			t.Fatal(err)
		}
		first := storetest.Plan(t, e.db, orgsAfterQuery(cond, len(args)+1, 25, false, orgOrder(e.db.Dialect, OrgFilter{})), append(args, "", int64(0))...)
		if !strings.Contains(strings.Join(first, "\n"), "organisations_name") || strings.Contains(strings.Join(first, "\n"), "TEMP B-TREE") ||
			strings.Contains(strings.Join(first, "\n"), "Sort") {
			t.Errorf("first page is not read along organisations_name:\n%s", strings.Join(first, "\n"))
		}
		next := storetest.NoFullScan(t, e.db, []string{"organisations"}, orgsAfterQuery(cond, len(args)+1, 25, true, orgOrder(e.db.Dialect, OrgFilter{})), append(args, "bakker bv", want[2])...)
		if !strings.Contains(strings.Join(next, "\n"), "organisations_name") {
			t.Errorf("a page after a cursor does not use organisations_name:\n%s", strings.Join(next, "\n"))
		}
		t.Logf("first page: %v\nnext page: %v", first, next)
	})
}

// TestResellerCustomerListByKeyset: a reseller's customer list (the same condition as
// staff filtering on a reseller) is read along organisations_reseller_name, without a
// sort on SQLite, on the first page and after a cursor (issue 16).
func TestResellerCustomerListByKeyset(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		cond, args, err := orgListWhere(e.db.Dialect, admin, OrgFilter{ResellerID: 7})
		if err != nil {
			t.Fatal(err)
		}
		for _, after := range []bool{false, true} {
			a := append(slices.Clone(args), "", int64(0))
			if after {
				a = append(slices.Clone(args), "bakker bv", int64(3))
			}
			plan := storetest.NoFullScan(t, e.db, []string{"organisations"}, orgsAfterQuery(cond, len(args)+1, 25, after, orgOrder(e.db.Dialect, OrgFilter{})), a...)
			text := strings.Join(plan, "\n")
			if !strings.Contains(text, "organisations_reseller_name") || strings.Contains(text, "TEMP B-TREE") {
				t.Errorf("after=%v: not along organisations_reseller_name:\n%s", after, text)
			}
		}
	})
}
