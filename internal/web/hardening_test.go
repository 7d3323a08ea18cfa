package web

import (
	"encoding/csv"
	"net/http"
	"strings"
	"testing"
)

// Finding 2 of issue 8: a customer named =HYPERLINK(…) must reach the receivables
// export as text, not as a formula.
func TestReportCSVNeutralisesFormulas(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.staff("anna@provider.test")
		name := `=HYPERLINK("https://evil.example/","Betaal hier")`
		_, u := e.customer(name, "marieke@jansen.test")
		e.invoiced(e.customerPrincipal(u), "webhosting", "start")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/reports/receivables.csv")
		c.expect(r, http.StatusOK, "")
		recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var found bool
		for _, rec := range recs[1:] {
			for _, cell := range rec {
				if strings.HasPrefix(cell, "=") {
					t.Errorf("formula cell in the export: %q", cell)
				}
				if cell == "'"+name {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("the customer's name is not in the export as text:\n%s", r.Body)
		}
	})
}
