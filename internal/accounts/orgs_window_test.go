package accounts

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestCustomerSearchWindowIsExact: the search's pages are the same whether the window
// of customers in name order fills them or the indexes do: on random terms, common and
// rare, of every searched column, in any case, with ASCII and other characters in the
// rows and the terms, every page walked by keyset is the exact substring answer in
// name order, for a window too small to fill a page as well as one that holds every
// customer; and the window is read along organisations_name, never by a scan of the
// customers (issue 16).
func TestCustomerSearchWindowIsExact(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		admin := e.staff("admin@provider.test", RoleAdmin)
		rnd := rand.New(rand.NewPCG(16, 16))
		names := []string{"Klant", "Bakker Hosting", "Café Noord", "CAFÉ ZUID", "\u212Aelvin BV", "Zeeman & Zonen", "de Vries", "100% Web_Design", "Ärzte Web", "Jansen"}
		cities := []string{"Amsterdam", "Utrecht", "Groningen", "Zürich", "Den Haag"}
		domains := []string{"example.nl", "example.nl", "example.nl", "klant.test", "ÉCOLE.fr"}
		const customers = 120
		for i := range customers {
			in := business(fmt.Sprintf("%s %03d", names[rnd.IntN(len(names))], rnd.IntN(1000)))
			in.Email = fmt.Sprintf("info%d@%s", i, domains[rnd.IntN(len(domains))])
			in.ContactName = []string{"Jan de Vries", "Piet Bakker", "Anneke Öztürk", "KLAAS"}[rnd.IntN(4)]
			in.PostalAddress.City = cities[rnd.IntN(len(cities))]
			in.PostalAddress.PostalCode = fmt.Sprintf("%04d%c%c", 1000+rnd.IntN(9000), 'a'+rnd.IntN(3), 'a'+rnd.IntN(3))
			in.KvK = fmt.Sprintf("%08d", rnd.IntN(100000000))
			if _, err := e.s.CreateOrganisation(e.ctx, admin, in, nil); err != nil {
				t.Fatal(err)
			}
		}
		// Every customer in the list's order, and the searched text of each as the
		// search folds it: the answer a substring test of every row gives.
		var all []Organisation
		for f := (OrgFilter{PerPage: 100}); ; {
			page, err := e.s.ListOrganisationsAfter(e.ctx, admin, f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, page...)
			if len(page) < f.PerPage {
				break
			}
			f.AfterID = page[len(page)-1].ID
		}
		if len(all) != customers {
			t.Fatalf("%d customers listed, want %d", len(all), customers)
		}
		cols := func(o Organisation) []string {
			return []string{o.LegalName, o.Email, o.ContactName, o.KvK, o.VATID, o.PostalAddress.PostalCode, o.PostalAddress.City}
		}
		exact := func(q string) []int64 {
			q = strings.ToLower(strings.TrimSpace(q))
			var out []int64
			for _, o := range all {
				if slices.ContainsFunc(cols(o), func(c string) bool { return strings.Contains(strings.ToLower(c), q) }) {
					out = append(out, o.ID)
				}
			}
			return out
		}
		// Terms: substrings of the rows, three to eight characters, some in capitals,
		// and a few no row holds.
		terms := []string{"example.nl", "EXAMPLE", "klant", "café", "kelvin", "ÉCOLE", "école", "zürich", "öztürk", "100%", "web_d", "web%d", "nowhere", `"q"`}
		for range 40 {
			o := all[rnd.IntN(len(all))]
			c := []rune(cols(o)[rnd.IntN(7)])
			if len(c) < 3 {
				continue
			}
			n := 3 + rnd.IntN(min(6, len(c)-2))
			at := rnd.IntN(len(c) - n + 1)
			term := string(c[at : at+n])
			if rnd.IntN(3) == 0 {
				term = strings.ToUpper(term)
			}
			if strings.TrimSpace(term) != term || utf8.RuneCountInString(term) < 3 {
				continue
			}
			terms = append(terms, term)
		}
		defer func(n int) { searchWindowRows = n }(searchWindowRows)
		var windowFilled, indexFilled int
		for _, rows := range []int{10, 2000} {
			searchWindowRows = rows
			for _, q := range terms {
				want := exact(q)
				var got []int64
				for f := (OrgFilter{Query: q, PerPage: 7}); ; {
					page, err := e.s.ListOrganisationsAfter(e.ctx, admin, f)
					if err != nil {
						t.Fatalf("search %q: %v", q, err)
					}
					// Which path answered: the window's page, when it is full, is the
					// page (the test's point); count them so the test shows both ran.
					if windowed(e.db.Dialect, f) {
						w, whole, err := e.s.searchWindow(e.ctx, admin, f, afterName(t, e, f.AfterID))
						if err != nil {
							t.Fatalf("window %q: %v", q, err)
						}
						if whole || len(w) == f.PerPage {
							windowFilled++
						} else {
							indexFilled++
						}
					} else {
						indexFilled++
					}
					for _, o := range page {
						got = append(got, o.ID)
					}
					if len(page) < f.PerPage {
						break
					}
					f.AfterID = page[len(page)-1].ID
				}
				if !slices.Equal(got, want) {
					t.Errorf("window of %d, search %q: %v, want %v", rows, q, got, want)
				}
				// The indexes alone give the same.
				cond, args, err := orgListWhere(e.db.Dialect, admin, OrgFilter{Query: q})
				if err != nil {
					t.Fatal(err)
				}
				idx, err := e.s.listOrgs(e.ctx, orgsAfterQuery(cond, len(args)+1, 1000, false, orgOrder(e.db.Dialect, OrgFilter{Query: q})), append(args, "", int64(0)))
				if err != nil {
					t.Fatal(err)
				}
				var ids []int64
				for _, o := range idx {
					ids = append(ids, o.ID)
				}
				if !slices.Equal(ids, want) {
					t.Errorf("indexes, search %q: %v, want %v", q, ids, want)
				}
			}
		}
		if windowFilled == 0 || indexFilled == 0 {
			t.Errorf("pages from the window %d, from the indexes %d: both paths must run", windowFilled, indexFilled)
		}

		// The window's plan: a range of organisations_name (the first window, the
		// first rows in name order, SQLite calls a SCAN of that index bounded by its
		// LIMIT), the search tested on its rows, no scan of the customers.
		searchWindowRows = 50
		for _, q := range []string{"example.nl", "kl"} {
			for _, after := range []int64{0, all[3].ID} {
				f := OrgFilter{Query: q, AfterID: after, PerPage: 26}
				name := afterName(t, e, after)
				tables := []string{"organisations"}
				if after == 0 {
					tables = nil // the first rows in name order: SQLite's SCAN of the index, bounded by LIMIT
				}
				var plans []string
				var end *windowKey
				if q != "kl" {
					eq, ea, err := windowEndQuery(e.db.Dialect, admin, f, name)
					if err != nil {
						t.Fatal(err)
					}
					plans = append(plans, strings.Join(storetest.NoFullScan(t, e.db, tables, eq, ea...), "\n"))
					end = &windowKey{name: "zeeman", id: 1 << 40}
				}
				wq, wa, err := windowQuery(e.db.Dialect, admin, f, name, end)
				if err != nil {
					t.Fatal(err)
				}
				plans = append(plans, strings.Join(storetest.NoFullScan(t, e.db, []string{"organisations"}[:len(tables)], wq, wa...), "\n"))
				for _, text := range plans {
					if !strings.Contains(text, "organisations_name") || strings.Contains(text, "organisations_search") && e.db.Dialect == store.Postgres {
						t.Errorf("%s %q: the window is not a range of organisations_name:\n%s", e.db.Dialect, q, text)
					}
					t.Logf("%s window %q after %d:\n%s", e.db.Dialect, q, after, text)
				}
			}
		}
	})
}

// afterName is the cursor's sort key, as ListOrganisationsAfter reads it.
func afterName(t *testing.T, e *env, id int64) string {
	t.Helper()
	if id == 0 {
		return ""
	}
	var name string
	if err := e.db.QueryRowContext(e.ctx, `SELECT LOWER(legal_name) FROM organisations WHERE id = $1`, id).Scan(&name); err != nil {
		t.Fatal(err)
	}
	return name
}
