package accounts

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestShortCustomerSearchByPrefix: a search of one or two characters (no trigram)
// finds the customers whose name or e-mail address starts with it, or the customer
// with that number, through indexes on both engines: no scan of the customers and no
// walk of the name index testing each (issue 16).
func TestShortCustomerSearchByPrefix(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		ids := map[string]int64{}
		for i, name := range []string{"Bakker Hosting BV", "Zeeman & Zonen", "de Vries", "Ärzte Web"} {
			in := business(name)
			in.Email = fmt.Sprintf("%c%d@klant.test", 'p'+i, i)
			o, err := e.s.CreateOrganisation(e.ctx, admin, in, nil)
			if err != nil {
				t.Fatal(err)
			}
			ids[name] = o.ID
		}
		find := func(q string) []string {
			t.Helper()
			list, err := e.s.ListOrganisationsAfter(e.ctx, admin, OrgFilter{Query: q, PerPage: 100})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			var names []string
			for _, o := range list {
				names = append(names, o.LegalName)
			}
			return names
		}
		for q, want := range map[string][]string{
			"ze": {"Zeeman & Zonen"},
			"Z":  {"Zeeman & Zonen"},
			"DE": {"de Vries"},
			"q1": {"Zeeman & Zonen"}, // e-mail q1@klant.test
			"r":  {"de Vries"},       // e-mail r2@klant.test
			"on": nil,                // inside a name, not at its start
			"%":  nil,                // a character, not a wildcard
			"b":  {"Bakker Hosting BV"},
		} {
			if got := find(q); !slices.Equal(got, want) {
				t.Errorf("search %q: %v, want %v", q, got, want)
			}
		}
		// A prefix shared by more customers than a page: the window's page, then the
		// next, in name order, as the ranges would give them.
		for i := range 30 {
			in := business(fmt.Sprintf("Klant %02d", i))
			in.Email = fmt.Sprintf("k%d@klant.test", i)
			if _, err := e.s.CreateOrganisation(e.ctx, admin, in, nil); err != nil {
				t.Fatal(err)
			}
		}
		first, err := e.s.ListOrganisationsAfter(e.ctx, admin, OrgFilter{Query: "kl", PerPage: 25})
		if err != nil || len(first) != 25 || first[0].LegalName != "Klant 00" || first[24].LegalName != "Klant 24" {
			t.Fatalf("first page of kl: %d %v", len(first), err)
		}
		rest, err := e.s.ListOrganisationsAfter(e.ctx, admin, OrgFilter{Query: "kl", PerPage: 25, AfterID: first[24].ID})
		if err != nil || len(rest) != 5 || rest[0].LegalName != "Klant 25" || rest[4].LegalName != "Klant 29" {
			t.Fatalf("second page of kl: %d %v", len(rest), err)
		}
		num := fmt.Sprint(ids["de Vries"])
		if len(num) <= 2 {
			if got := find(num); !slices.Contains(got, "de Vries") {
				t.Errorf("customer number %s: %v", num, got)
			}
		}

		// The window: a range of organisations_name, no scan of the table.
		for _, after := range []int64{0, 3} {
			q, args, err := windowQuery(e.db.Dialect, admin, OrgFilter{Query: "kl", AfterID: after}, map[bool]string{false: "", true: "klant"}[after != 0], nil)
			if err != nil {
				t.Fatal(err)
			}
			// The first window is the first 500 in name order: SQLite calls that walk a
			// SCAN of the index, bounded by its LIMIT.
			tables := []string{"organisations"}
			if after == 0 {
				tables = nil
			}
			text := strings.Join(storetest.NoFullScan(t, e.db, tables, q, args...), "\n")
			if !strings.Contains(text, "organisations_name") {
				t.Errorf("%s: the window is not a range of organisations_name:\n%s", e.db.Dialect, text)
			}
		}
		for _, q := range []string{"ze", "7"} {
			f := OrgFilter{Query: q}
			cond, args, err := orgListWhere(e.db.Dialect, admin, f)
			if err != nil {
				t.Fatal(err)
			}
			for _, after := range []bool{false, true} {
				cursor := []any{"", int64(0)}
				if after {
					cursor = []any{"zeeman", int64(3)}
				}
				plan := storetest.NoFullScan(t, e.db, []string{"organisations"}, orgsAfterQuery(cond, len(args)+1, 25, after, orgOrder(e.db.Dialect, f)), append(args, cursor...)...)
				text := strings.Join(plan, "\n")
				want := []string{"organisations_name", "organisations_email"}
				if e.db.Dialect == store.Postgres {
					want = []string{"organisations_name_c", "organisations_email_c"}
				}
				for _, w := range want {
					if !strings.Contains(text, w) {
						t.Errorf("%s %q: no range of %s:\n%s", e.db.Dialect, q, w, text)
					}
				}
			}
		}
	})
}

// TestOrganisationNames: the names of a list's customers come in one call, each
// only when the principal may see it (issue 16).
func TestOrganisationNames(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		var ids []int64
		for _, name := range []string{"Alfa BV", "Bravo BV"} {
			o, err := e.s.CreateOrganisation(e.ctx, admin, business(name), nil)
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		names, err := e.s.OrganisationNames(e.ctx, admin, append(ids, ids[0], 999999))
		if err != nil || len(names) != 2 || names[ids[0]] != "Alfa BV" || names[ids[1]] != "Bravo BV" {
			t.Fatalf("staff: %v %v", names, err)
		}
		o, err := e.s.GetOrganisation(e.ctx, admin, ids[0])
		if err != nil {
			t.Fatal(err)
		}
		own := Principal{User: User{ID: 5000, OrgID: ids[0], OrgAdmin: true, Email: "a@alfa.test"}, Org: &o}
		names, err = e.s.OrganisationNames(e.ctx, own, ids)
		if err != nil || len(names) != 1 || names[ids[0]] != "Alfa BV" {
			t.Fatalf("a customer: %v %v", names, err)
		}
	})
}
