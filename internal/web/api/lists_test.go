package api

import (
	"net/http"
	"testing"

	"github.com/hostpact/hostpact/internal/contracts"
)

// TestListsAcrossOrganisations: staff list every customer's contracts and quotes in
// pages without naming an organisation; a customer only its own.
func TestListsAcrossOrganisations(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.sell(&f.a)
		f.sell(&f.b)
		draft, err := f.con.CreateQuote(seedCtx(), f.staff, contracts.QuoteInput{OrgID: f.a.org.ID, Title: "Concept",
			Lines: []contracts.QuoteLineInput{{PlanID: f.plan("webhosting", "start").ID, Quantity: 1}}})
		must(t, err)

		var cs ContractList
		expect(t, f.get("/api/v1/contracts?per_page=1", f.staffToken), http.StatusOK, &cs)
		if cs.Total != 2 || len(cs.Items) != 1 || cs.Items[0].ID != f.b.contract.ID || cs.PerPage != 1 || len(cs.Items[0].Subscriptions) != 1 {
			t.Fatalf("staff, page 1: %+v", cs)
		}
		expect(t, f.get("/api/v1/contracts?per_page=1&page=2", f.staffToken), http.StatusOK, &cs)
		if cs.Total != 2 || len(cs.Items) != 1 || cs.Items[0].ID != f.a.contract.ID || cs.Page != 2 {
			t.Fatalf("staff, page 2: %+v", cs)
		}
		expect(t, f.get("/api/v1/contracts?per_page=1&page=3", f.staffToken), http.StatusOK, &cs)
		if cs.Total != 2 || len(cs.Items) != 0 || cs.Items == nil {
			t.Fatalf("staff, past the end: %+v", cs)
		}
		expect(t, f.get("/api/v1/contracts", f.a.readToken), http.StatusOK, &cs)
		if cs.Total != 1 || cs.Items[0].ID != f.a.contract.ID {
			t.Fatalf("customer A: %+v", cs)
		}
		expectProblem(t, f.get("/api/v1/contracts?org_id="+itoa(f.b.org.ID), f.a.token), http.StatusNotFound)

		var qs QuoteList
		expect(t, f.get("/api/v1/quotes", f.staffToken), http.StatusOK, &qs)
		if qs.Total != 3 || len(qs.Items) != 3 || qs.Items[0].ID != draft.ID || qs.Items[1].ID != f.b.quote.ID || qs.Items[2].ID != f.a.quote.ID {
			t.Fatalf("staff quotes: %+v", qs)
		}
		expect(t, f.get("/api/v1/quotes?per_page=1&page=2&status=sent", f.staffToken), http.StatusOK, &qs)
		if qs.Total != 2 || len(qs.Items) != 1 || qs.Items[0].ID != f.a.quote.ID {
			t.Fatalf("staff sent quotes, page 2: %+v", qs)
		}
		expect(t, f.get("/api/v1/quotes", f.a.token), http.StatusOK, &qs)
		if qs.Total != 1 || qs.Items[0].ID != f.a.quote.ID {
			t.Fatalf("customer A's quotes: %+v", qs)
		}
		expectProblem(t, f.get("/api/v1/quotes?org_id="+itoa(f.b.org.ID), f.a.token), http.StatusNotFound)

		// Terms versions: the current one and the list, for staff and customers.
		var tvs TermsVersions
		expect(t, f.get("/api/v1/terms-versions", f.a.token), http.StatusOK, &tvs)
		if tvs.Current == "" || tvs.Items == nil || len(tvs.Items) != 0 {
			t.Fatalf("before publishing: %+v", tvs)
		}
		f.staffObjects()
		for _, tok := range []string{f.staffToken, f.a.readToken} {
			expect(t, f.get("/api/v1/terms-versions", tok), http.StatusOK, &tvs)
			if len(tvs.Items) != 1 || tvs.Items[0].ID != f.tvID || tvs.Items[0].Version != "2099-test" || tvs.Items[0].TerminationAsOf == "" {
				t.Fatalf("terms versions: %+v", tvs)
			}
		}
	})
}
