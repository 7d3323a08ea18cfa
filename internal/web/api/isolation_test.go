package api

import (
	"encoding/json"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
)

// isolationCase is one attempt by customer A on an object of customer B.
type isolationCase struct {
	route string // "METHOD /pattern", as in the OpenAPI document
	path  string // the pattern with B's id filled in
	body  any
	// list: a listing filtered by B's id may also answer 200 without any of B's data.
	list bool
	// create: a create naming B's id may also succeed if the new object does not end
	// up in B (the service used the caller's own organisation instead).
	create bool
	// public: the object is no customer's (the catalog); reading it may answer 200,
	// as long as nothing of B's is in the answer.
	public bool
}

// isolationCases tries every operation that takes an object id — in the path, the
// query or the body — with customer B's ids. TestTenantIsolation fails when an
// operation of the document that takes an id has no case here.
func isolationCases(f *fixture) []isolationCase {
	b := f.b
	org, user, sub, tok := orgPath(b.org.ID), userPath(b.admin.ID), userPath(b.sub.ID), tokenPath(b.tokenID)
	return append([]isolationCase{
		{route: "GET /api/v1/organisations/{id}", path: org},
		{route: "PUT /api/v1/organisations/{id}", path: org, body: orgBody("Overgenomen")},
		{route: "POST /api/v1/organisations/{id}/disable", path: org + "/disable"},
		{route: "POST /api/v1/organisations/{id}/enable", path: org + "/enable"},
		{route: "PUT /api/v1/organisations/{id}/ip-allowlist", path: org + "/ip-allowlist",
			body: map[string]any{"ip_allowlist": []string{"203.0.113.0/24"}}},
		{route: "GET /api/v1/organisations/{id}/users", path: org + "/users"},
		{route: "GET /api/v1/users/{id}", path: user},
		{route: "GET /api/v1/users/{id}", path: sub},
		{route: "PUT /api/v1/users/{id}/permissions", path: sub + "/permissions",
			body: map[string]any{"permissions": []string{"read", "billing", "technical", "users"}}},
		{route: "POST /api/v1/users/{id}/disable", path: user + "/disable"},
		{route: "POST /api/v1/users/{id}/disable", path: sub + "/disable"},
		{route: "POST /api/v1/users/{id}/enable", path: sub + "/enable"},
		{route: "DELETE /api/v1/tokens/{id}", path: tok},
		{route: "GET /api/v1/audit", path: "/api/v1/audit?org_id=" + itoa(b.org.ID)},
		{route: "GET /api/v1/mail", path: "/api/v1/mail?org_id=" + itoa(b.org.ID)},
		{route: "GET /api/v1/organisations", path: "/api/v1/organisations?reseller_id=" + itoa(b.org.ID), list: true},
		{route: "POST /api/v1/users", path: "/api/v1/users", create: true, body: map[string]any{
			"org_id": b.org.ID, "email": "insider@b.test", "name": "Insider", "password": testPassword,
			"permissions": []string{"read", "billing", "technical", "users"},
		}},
		{route: "POST /api/v1/organisations", path: "/api/v1/organisations", create: true, body: func() map[string]any {
			o := orgBody("Onder B")
			o["reseller_id"] = b.org.ID
			return o
		}()},
	}, append(contractCases(f), billingCases(f)...)...)
}

// contractCases are the catalog, quote, order and contract operations, tried on B's
// contract, subscription, quote and organisation (fixture.sell must have run for B).
func contractCases(f *fixture) []isolationCase {
	b := f.b
	pro, business := f.plan("webhosting", "pro"), f.plan("webhosting", "business")
	contract, sub, quote := contractPath(b.contract.ID), subPath(b.contract.Subscriptions[0].ID), quotePath(b.quote.ID)
	org := orgPath(b.org.ID)
	lines := []map[string]any{{"plan_id": pro.ID}}
	return []isolationCase{
		{route: "GET /api/v1/catalog/plans/{id}", path: planPath(pro.ID), public: true},
		{route: "PUT /api/v1/catalog/plans/{id}", path: planPath(pro.ID), body: planBody("Overgenomen", "0.01")},
		{route: "GET /api/v1/catalog/plans", path: "/api/v1/catalog/plans?product_id=" + itoa(pro.ProductID), list: true},
		{route: "POST /api/v1/catalog/plans", path: "/api/v1/catalog/plans", body: func() map[string]any {
			p := planBody("Insider", "0.00")
			p["product_id"], p["code"] = pro.ProductID, "insider"
			return p
		}()},
		{route: "POST /api/v1/checkout", path: "/api/v1/checkout", body: map[string]any{"org_id": b.org.ID, "lines": lines}},
		{route: "POST /api/v1/orders", path: "/api/v1/orders", body: map[string]any{"org_id": b.org.ID, "lines": lines,
			"terms_version": f.termsVersion(), "accept_terms": true, "idempotency_key": "isolation-order-b"}},
		{route: "GET /api/v1/contracts", path: "/api/v1/contracts?org_id=" + itoa(b.org.ID)},
		{route: "GET /api/v1/contracts/{id}", path: contract},
		{route: "POST /api/v1/contracts/{id}/withdrawal-preview", path: contract + "/withdrawal-preview", body: map[string]any{}},
		{route: "POST /api/v1/contracts/{id}/withdraw", path: contract + "/withdraw", body: map[string]any{}},
		{route: "GET /api/v1/subscriptions/{id}", path: sub},
		{route: "POST /api/v1/subscriptions/{id}/cancellation-preview", path: sub + "/cancellation-preview", body: map[string]any{}},
		{route: "POST /api/v1/subscriptions/{id}/cancel", path: sub + "/cancel", body: map[string]any{}},
		{route: "POST /api/v1/subscriptions/{id}/change-plan", path: sub + "/change-plan", body: map[string]any{"plan_id": business.ID}},
		{route: "GET /api/v1/quotes", path: "/api/v1/quotes?org_id=" + itoa(b.org.ID)},
		{route: "POST /api/v1/quotes", path: "/api/v1/quotes", body: map[string]any{"org_id": b.org.ID, "title": "Insider",
			"lines": []map[string]any{{"plan_id": pro.ID}}}},
		{route: "GET /api/v1/quotes/{id}", path: quote},
		{route: "GET /api/v1/quotes/{id}/pdf", path: quote + "/pdf"},
		{route: "POST /api/v1/quotes/{id}/send", path: quote + "/send"},
		{route: "POST /api/v1/quotes/{id}/accept", path: quote + "/accept", body: map[string]any{"idempotency_key": "isolation-accept-b"}},
		{route: "POST /api/v1/quotes/{id}/decline", path: quote + "/decline", body: map[string]any{"reason": "no"}},
		{route: "POST /api/v1/quotes/{id}/allow-late-acceptance", path: quote + "/allow-late-acceptance"},
		{route: "POST /api/v1/price-increases", path: "/api/v1/price-increases", body: map[string]any{"plan_id": pro.ID,
			"new_price": "8.25", "effective": "2026-06-01"}},
		{route: "POST /api/v1/terms-versions/{id}/objection", path: "/api/v1/terms-versions/" + itoa(f.tvID) + "/objection",
			body: map[string]any{"org_id": b.org.ID, "reason": "Ik ben het er niet mee eens."}},
		{route: "POST /api/v1/force-majeure/{id}/end", path: "/api/v1/force-majeure/" + itoa(f.fmID) + "/end", body: map[string]any{"ended_on": "2026-03-02"}},
		{route: "POST /api/v1/organisations/{id}/refuse", path: org + "/refuse", body: map[string]any{"reason": "A says so"}},
		{route: "POST /api/v1/organisations/{id}/accept-customer", path: org + "/accept-customer"},
	}
}

// takesObjectID reports whether an operation names an object by id: a path
// parameter, a query parameter ending in "id", or a body property ending in "_id".
func takesObjectID(doc openAPIDoc, op openAPIOp) bool {
	for _, p := range op.Parameters {
		if p.In == "path" || (p.In == "query" && strings.HasSuffix(p.Name, "id")) {
			return true
		}
	}
	if op.RequestBody == nil {
		return false
	}
	for _, c := range op.RequestBody.Content {
		s := c.Schema
		if s.Ref != "" {
			s = doc.Components.Schemas[strings.TrimPrefix(s.Ref, "#/components/schemas/")]
		}
		for name := range s.Properties {
			if strings.HasSuffix(name, "_id") {
				return true
			}
		}
	}
	return false
}

// TestTenantIsolation: the administrative user of customer A — a reseller, the most
// powerful kind of customer — calls every operation that takes an object id with
// customer B's ids. Each call is refused (404 or 403) without revealing B's data, and
// B's data is unchanged afterwards.
func TestTenantIsolation(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		ctx := seedCtx()
		// A becomes a reseller with a customer C of its own, so the test also proves
		// that the refusals are about B and not a broken token.
		in := orgInput("Klant A")
		in.Kind, in.KvK, in.IsReseller = accounts.Business, "12345678", true
		var err error
		f.a.org, err = f.acc.UpdateOrganisation(ctx, f.staff, f.a.org.ID, in)
		must(t, err)
		cIn := orgInput("Klant C")
		cIn.ResellerID = f.a.org.ID
		c, err := f.acc.CreateOrganisation(ctx, f.staff, cIn, nil)
		must(t, err)

		// Both customers have a contract and a quote; there is a published terms version
		// and a force majeure, so every id in the cases names a real object.
		f.sell(&f.a)
		f.sell(&f.b)
		f.staffObjects()
		// Both have an invoice, a mandate and a credit in the unmatched queue.
		f.invoices()
		f.payables(&f.a)
		f.payables(&f.b)

		cases := isolationCases(f)
		doc := fetchDoc(t, f.h)

		// Coverage: every operation that takes an id has a case, and every case is
		// an operation of the document.
		covered := map[string]bool{}
		for _, c := range cases {
			covered[c.route] = true
		}
		var missing []string
		for path, ops := range doc.Paths {
			for method, op := range ops {
				route := strings.ToUpper(method) + " " + path
				if takesObjectID(doc, op) && !covered[route] {
					missing = append(missing, route)
				}
				delete(covered, route)
			}
		}
		sort.Strings(missing)
		if len(missing) > 0 {
			t.Errorf("operations that take an object id without a tenant-isolation case:\n%s", strings.Join(missing, "\n"))
		}
		if len(covered) > 0 {
			t.Errorf("isolation cases for operations not in the document: %v", covered)
		}

		// Positive controls: A reaches its own and its customer's objects.
		for _, path := range []string{orgPath(f.a.org.ID), orgPath(c.ID), orgPath(f.a.org.ID) + "/users",
			userPath(f.a.sub.ID), "/api/v1/audit?org_id=" + itoa(f.a.org.ID),
			contractPath(f.a.contract.ID), subPath(f.a.contract.Subscriptions[0].ID), quotePath(f.a.quote.ID), quotePath(f.a.quote.ID) + "/pdf",
			"/api/v1/contracts?org_id=" + itoa(f.a.org.ID), "/api/v1/quotes?org_id=" + itoa(f.a.org.ID),
			invoicePath(f.a.invoice.ID), invoicePath(f.a.invoice.ID) + "/pdf", invoicePath(f.a.invoice.ID) + "/ubl",
			"/api/v1/invoices?org_id=" + itoa(f.a.org.ID), "/api/v1/account-credit?org_id=" + itoa(f.a.org.ID),
			mandatePath(f.a.mandate.ID), "/api/v1/mandates?org_id=" + itoa(f.a.org.ID)} {
			expect(t, f.get(path, f.a.token), http.StatusOK, nil)
		}

		before := f.snapshot(f.b)
		orgs := f.orgCount()
		secrets := []string{f.b.org.LegalName, f.b.org.Email, f.b.admin.Email, f.b.sub.Email}
		for _, tc := range cases {
			for _, tok := range []string{f.a.token, f.a.readToken} {
				method, _, _ := strings.Cut(tc.route, " ")
				rec := f.do(request{method: method, path: tc.path, token: tok, body: tc.body})
				desc := tc.route + " as " + map[bool]string{true: "A (write)", false: "A (read)"}[tok == f.a.token] + " on " + tc.path
				for _, s := range secrets {
					if strings.Contains(rec.Body.String(), s) {
						t.Errorf("%s: the answer reveals B's %q: %s", desc, s, rec.Body.String())
					}
				}
				switch {
				case rec.Code == http.StatusNotFound || rec.Code == http.StatusForbidden:
					expectProblem(t, rec, rec.Code)
				case (tc.list || tc.public) && rec.Code == http.StatusOK:
					// Checked above: nothing of B's in the answer.
				case tc.create && rec.Code == http.StatusCreated:
					var made struct {
						OrgID      int64 `json:"org_id"`
						ResellerID int64 `json:"reseller_id"`
					}
					expect(t, rec, http.StatusCreated, &made)
					if made.OrgID == f.b.org.ID || made.ResellerID == f.b.org.ID {
						t.Errorf("%s: created inside B: %s", desc, rec.Body.String())
					}
					if made.ResellerID != 0 {
						orgs++ // a customer of A's, counted below
					}
				default:
					t.Errorf("%s: %d, want 404 or 403: %s", desc, rec.Code, rec.Body.String())
				}
			}
		}

		if after := f.snapshot(f.b); after != before {
			t.Errorf("B's data changed:\nbefore %s\nafter  %s", before, after)
		}
		if n := f.orgCount(); n != orgs {
			t.Errorf("%d organisations, want %d", n, orgs)
		}
		// B still works for B.
		var me Me
		expect(t, f.get("/api/v1/me", f.b.token), http.StatusOK, &me)
		if me.Organisation == nil || me.Organisation.ID != f.b.org.ID || me.Organisation.Disabled {
			t.Errorf("B after the attempts: %+v", me.Organisation)
		}
	})
}

// TestTenantIsolationListings: lists never include another customer's objects.
func TestTenantIsolationListings(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		var toks APITokenList
		expect(t, f.get("/api/v1/tokens", f.a.token), http.StatusOK, &toks)
		for _, tk := range toks.Items {
			if tk.OrgID != f.a.org.ID {
				t.Errorf("A lists token %+v", tk)
			}
		}
		rec := f.get("/api/v1/organisations", f.a.token)
		if rec.Code == http.StatusOK {
			var list OrganisationList
			expect(t, rec, http.StatusOK, &list)
			if slices.ContainsFunc(list.Items, func(o Organisation) bool { return o.ID == f.b.org.ID }) {
				t.Errorf("A lists B: %+v", list.Items)
			}
		} else if rec.Code != http.StatusForbidden {
			t.Errorf("A lists organisations: %d %s", rec.Code, rec.Body.String())
		}
		var page AuditPage
		expect(t, f.get("/api/v1/audit?limit=500", f.a.token), http.StatusOK, &page)
		raw, _ := json.Marshal(page)
		if strings.Contains(string(raw), f.b.admin.Email) {
			t.Error("A's audit trail mentions B's admin user")
		}
	})
}
