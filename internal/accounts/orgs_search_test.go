package accounts

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestCustomerSearchByIndex: the customer search finds a substring of the name,
// e-mail, contact, KvK, VAT id, postal code or city, whatever its case, on both
// engines through the index organisations_search (FTS5 trigram on SQLite, pg_trgm on
// PostgreSQL); the index follows changes of a customer; one- and two-character
// queries and LIKE's wildcards still mean what they say (issue 16).
func TestCustomerSearchByIndex(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		ids := map[string]int64{}
		for i, c := range []struct{ name, city, postal, kvk string }{
			{"Bakker Hosting BV", "Amsterdam", "1015cs", "12345678"},
			{"Zeeman & Zonen", "Utrecht", "3511ab", "87654321"},
			{"Café Noord", "Groningen", "9711aa", "11223344"},
			{"100% Web_Design", "Rotterdam", "3011ad", "55667788"},
		} {
			in := business(c.name)
			in.Email = fmt.Sprintf("info%d@klant%d.test", i, i)
			in.ContactName = fmt.Sprintf("Contact %c", 'A'+i)
			in.PostalAddress.City, in.PostalAddress.PostalCode, in.KvK = c.city, c.postal, c.kvk
			o, err := e.s.CreateOrganisation(e.ctx, admin, in, &UserInput{Email: fmt.Sprintf("admin%d@klant.test", i), Name: "Admin", Password: goodPW})
			if err != nil {
				t.Fatal(err)
			}
			ids[c.name] = o.ID
		}
		find := func(q string) []string {
			t.Helper()
			list, total, err := e.s.ListOrganisations(e.ctx, admin, OrgFilter{Query: q, PerPage: 100})
			if err != nil {
				t.Fatalf("search %q: %v", q, err)
			}
			after, err := e.s.ListOrganisationsAfter(e.ctx, admin, OrgFilter{Query: q, PerPage: 100})
			if err != nil || len(after) != len(list) || total != len(list) {
				t.Fatalf("search %q: keyset %d, list %d, total %d, %v", q, len(after), len(list), total, err)
			}
			var names []string
			for _, o := range list {
				names = append(names, o.LegalName)
			}
			return names
		}
		for q, want := range map[string][]string{
			"bakker":      {"Bakker Hosting BV"},
			"HOSTING":     {"Bakker Hosting BV"},
			"klant1.test": {"Zeeman & Zonen"},
			"contact c":   {"Café Noord"},
			"87654321":    {"Zeeman & Zonen"},
			"3511":        {"Zeeman & Zonen"},
			"groningen":   {"Café Noord"},
			"café":        {"Café Noord"},
			"100%":        {"100% Web_Design"},
			"web%d":       nil,
			"web_d":       {"100% Web_Design"},
			"zz":          nil,
			"ze":          {"Zeeman & Zonen"},
			"@klant":      {"100% Web_Design", "Bakker Hosting BV", "Café Noord", "Zeeman & Zonen"},
			`"quoted"`:    nil,
			"nowhere":     nil,
		} {
			if got := find(q); !slices.Equal(got, want) {
				t.Errorf("search %q: %v, want %v", q, got, want)
			}
		}

		// The index follows a change of name.
		in := business("Vermeer Hosting BV")
		in.Email = "info0@klant0.test"
		if _, err := e.s.UpdateOrganisation(e.ctx, admin, ids["Bakker Hosting BV"], in); err != nil {
			t.Fatal(err)
		}
		if got := find("bakker"); len(got) != 0 {
			t.Errorf("old name still found: %v", got)
		}
		if got := find("vermeer"); !slices.Equal(got, []string{"Vermeer Hosting BV"}) {
			t.Errorf("new name: %v", got)
		}

		// The plan: the search index, not a scan of the customers.
		cond, args, err := orgListWhere(e.db.Dialect, admin, OrgFilter{Query: "hosting"})
		if err != nil {
			t.Fatal(err)
		}
		plan := storetest.NoFullScan(t, e.db, []string{"organisations"}, orgsAfterQuery(cond, len(args)+1, 25, false, orgOrder(e.db.Dialect, OrgFilter{Query: "hosting"})), append(args, "", int64(0))...)
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, "organisations_search") {
			t.Errorf("%s: search not through organisations_search:\n%s", e.db.Dialect, text)
		}
		if e.db.Dialect == store.Postgres && strings.Contains(text, "organisations_name") {
			t.Errorf("search walks the name index:\n%s", text)
		}
		t.Logf("%s search plan:\n%s", e.db.Dialect, text)
	})
}
