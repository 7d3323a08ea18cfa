package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
)

// wantRoutes is every operation of the API. The test below fails when the document
// and this list differ, so a route cannot appear or vanish unnoticed.
var wantRoutes = []string{
	"GET /api/v1/me",
	"GET /api/v1/organisations",
	"POST /api/v1/organisations",
	"GET /api/v1/organisations/{id}",
	"PUT /api/v1/organisations/{id}",
	"POST /api/v1/organisations/{id}/disable",
	"POST /api/v1/organisations/{id}/enable",
	"PUT /api/v1/organisations/{id}/ip-allowlist",
	"GET /api/v1/organisations/{id}/users",
	"GET /api/v1/staff-users",
	"POST /api/v1/users",
	"GET /api/v1/users/{id}",
	"PUT /api/v1/users/{id}/permissions",
	"POST /api/v1/users/{id}/disable",
	"POST /api/v1/users/{id}/enable",
	"GET /api/v1/tokens",
	"POST /api/v1/tokens",
	"DELETE /api/v1/tokens/{id}",
	"GET /api/v1/audit",
	"GET /api/v1/mail",
	"GET /api/v1/catalog/products",
	"GET /api/v1/catalog/plans",
	"POST /api/v1/catalog/plans",
	"GET /api/v1/catalog/plans/{id}",
	"PUT /api/v1/catalog/plans/{id}",
	"POST /api/v1/checkout",
	"POST /api/v1/orders",
	"GET /api/v1/contracts",
	"GET /api/v1/contracts/{id}",
	"POST /api/v1/contracts/{id}/withdrawal-preview",
	"POST /api/v1/contracts/{id}/withdraw",
	"GET /api/v1/subscriptions/{id}",
	"POST /api/v1/subscriptions/{id}/cancellation-preview",
	"POST /api/v1/subscriptions/{id}/cancel",
	"POST /api/v1/subscriptions/{id}/change-plan",
	"GET /api/v1/quotes",
	"POST /api/v1/quotes",
	"GET /api/v1/quotes/{id}",
	"GET /api/v1/quotes/{id}/pdf",
	"POST /api/v1/quotes/{id}/send",
	"POST /api/v1/quotes/{id}/accept",
	"POST /api/v1/quotes/{id}/decline",
	"POST /api/v1/quotes/{id}/allow-late-acceptance",
	"POST /api/v1/price-increases",
	"GET /api/v1/terms-versions",
	"POST /api/v1/terms-versions",
	"POST /api/v1/terms-versions/{id}/objection",
	"POST /api/v1/force-majeure",
	"POST /api/v1/force-majeure/{id}/end",
	"POST /api/v1/organisations/{id}/refuse",
	"POST /api/v1/organisations/{id}/accept-customer",
	"GET /api/v1/invoices",
	"GET /api/v1/invoices/{id}",
	"GET /api/v1/invoices/{id}/pdf",
	"GET /api/v1/invoices/{id}/ubl",
	"POST /api/v1/invoices/{id}/payments/online",
	"POST /api/v1/invoices/{id}/credit-notes",
	"POST /api/v1/invoices/{id}/claim",
	"GET /api/v1/account-credit",
	"GET /api/v1/refunds",
	"POST /api/v1/refunds/{id}/paid",
	"POST /api/v1/refunds/payouts",
	"GET /api/v1/refund-batches",
	"GET /api/v1/refund-batches/{id}",
	"POST /api/v1/refund-batches/{id}/confirm",
	"GET /api/v1/reports/receivables",
	"GET /api/v1/reports/revenue",
	"GET /api/v1/reports/vat",
	"POST /api/v1/bank-statements",
	"GET /api/v1/bank-transactions/unmatched",
	"POST /api/v1/bank-transactions/{id}/assign",
	"POST /api/v1/bank-transactions/{id}/ignore",
	"GET /api/v1/mandates",
	"POST /api/v1/mandates",
	"GET /api/v1/mandates/{id}",
	"POST /api/v1/mandates/{id}/revoke",
	"POST /api/v1/direct-debit-batches",
	"GET /api/v1/direct-debit-batches/{id}",
}

// openAPIDoc is the part of the OpenAPI document the tests read.
type openAPIDoc struct {
	OpenAPI string `json:"openapi"`
	Info    struct {
		Title   string `json:"title"`
		Version string `json:"version"`
	} `json:"info"`
	Security   []map[string][]string           `json:"security"`
	Paths      map[string]map[string]openAPIOp `json:"paths"`
	Components struct {
		Schemas         map[string]openAPISchema `json:"schemas"`
		SecuritySchemes map[string]struct {
			Type   string `json:"type"`
			Scheme string `json:"scheme"`
		} `json:"securitySchemes"`
	} `json:"components"`
}

type openAPIOp struct {
	OperationID string `json:"operationId"`
	Summary     string `json:"summary"`
	Parameters  []struct {
		Name string `json:"name"`
		In   string `json:"in"`
	} `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema openAPISchema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema openAPISchema `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

type openAPISchema struct {
	Ref        string                   `json:"$ref"`
	Type       any                      `json:"type"`
	Properties map[string]openAPISchema `json:"properties"`
	Items      *openAPISchema           `json:"items"`
}

// fetchDoc reads /api/openapi.json from h, without a token.
func fetchDoc(t *testing.T, h http.Handler) openAPIDoc {
	t.Helper()
	rec := serve(h, request{method: http.MethodGet, path: "/api/openapi.json"})
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /api/openapi.json: %d %s", rec.Code, rec.Body.String())
	}
	if !json.Valid(rec.Body.Bytes()) {
		t.Fatalf("/api/openapi.json is not valid JSON")
	}
	var doc openAPIDoc
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// routesOf lists the document's operations as "METHOD path".
func routesOf(doc openAPIDoc) []string {
	var out []string
	for path, ops := range doc.Paths {
		for method := range ops {
			out = append(out, strings.ToUpper(method)+" "+path)
		}
	}
	sort.Strings(out)
	return out
}

func TestOpenAPIDocument(t *testing.T) {
	doc := fetchDoc(t, New(docDeps()))
	if !regexp.MustCompile(`^3\.1\.\d+$`).MatchString(doc.OpenAPI) {
		t.Errorf("openapi %q, want 3.1.x", doc.OpenAPI)
	}
	if doc.Info.Title != "hostpact API" || doc.Info.Version != "v1" {
		t.Errorf("info %+v", doc.Info)
	}
	if s := doc.Components.SecuritySchemes[securityScheme]; s.Type != "http" || s.Scheme != "bearer" {
		t.Errorf("security scheme %q is %+v, want http bearer", securityScheme, s)
	}
	if len(doc.Security) != 1 || doc.Security[0][securityScheme] == nil {
		t.Errorf("document security %v does not require the bearer scheme", doc.Security)
	}

	got := routesOf(doc)
	want := slices.Clone(wantRoutes)
	sort.Strings(want)
	if !slices.Equal(got, want) {
		t.Errorf("routes in the document:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			if op.OperationID == "" || op.Summary == "" {
				t.Errorf("%s %s lacks an operationId or summary", method, path)
			}
			if _, ok := op.Responses["401"]; !ok {
				t.Errorf("%s %s does not document 401", method, path)
			}
		}
	}

	// The demo outbox is not part of a production instance.
	prod := routesOf(fetchDoc(t, New(Deps{})))
	if slices.Contains(prod, "GET /api/v1/mail") {
		t.Error("GET /api/v1/mail is in the document of a non-demo instance")
	}
	// Billing's operations are there only with the billing service.
	if slices.Contains(prod, "GET /api/v1/invoices") {
		t.Error("GET /api/v1/invoices is in the document of an instance without billing")
	}

	// Documents and reports name their content types.
	for _, c := range []struct{ path, method, ct string }{
		{"/api/v1/invoices/{id}/pdf", "get", "application/pdf"},
		{"/api/v1/quotes/{id}/pdf", "get", "application/pdf"},
		{"/api/v1/invoices/{id}/ubl", "get", "application/xml"},
		{"/api/v1/direct-debit-batches/{id}", "get", "application/xml"},
		{"/api/v1/refund-batches/{id}", "get", "application/xml"},
		{"/api/v1/reports/vat", "get", "text/csv"},
		{"/api/v1/reports/vat", "get", "application/json"},
	} {
		if _, ok := doc.Paths[c.path][c.method].Responses["200"].Content[c.ct]; !ok {
			t.Errorf("%s %s: 200 does not document %s", c.method, c.path, c.ct)
		}
	}
	if _, ok := doc.Paths["/api/v1/bank-statements"]["post"].RequestBody.Content["application/xml"]; !ok {
		t.Error("POST /api/v1/bank-statements does not take application/xml")
	}
}

// TestOpenAPINoSecrets checks that no response schema has a field for a password, a
// hash of a credential or a TOTP secret. The one secret the API hands out, a new
// token's plaintext, is listed.
func TestOpenAPINoSecrets(t *testing.T) {
	doc := fetchDoc(t, New(docDeps()))
	allowed := map[string]bool{"NewAPIToken.secret": true}
	forbidden := regexp.MustCompile(`(?i)password|totp|secret|token_hash|code_hash|recovery`)
	seen := map[string]bool{}
	var walk func(name string, s openAPISchema)
	walk = func(name string, s openAPISchema) {
		if s.Ref != "" {
			ref := strings.TrimPrefix(s.Ref, "#/components/schemas/")
			if seen[ref] {
				return
			}
			seen[ref] = true
			walk(ref, doc.Components.Schemas[ref])
			return
		}
		for prop, ps := range s.Properties {
			if forbidden.MatchString(prop) && !allowed[name+"."+prop] {
				t.Errorf("response schema %s exposes %q", name, prop)
			}
			walk(name, ps)
		}
		if s.Items != nil {
			walk(name, *s.Items)
		}
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			for code, r := range op.Responses {
				for _, c := range r.Content {
					walk(method+" "+path+" "+code, c.Schema)
				}
			}
		}
	}
	if !seen["NewAPIToken"] || !seen["User"] {
		t.Fatalf("walk missed schemas: %v", seen)
	}
}

// TestUnauthenticated calls every operation in the document without a token, and with
// a malformed Authorization header: each answers 401 with a problem and a challenge.
func TestUnauthenticated(t *testing.T) {
	h := New(docDeps())
	doc := fetchDoc(t, h)
	for _, route := range routesOf(doc) {
		method, pattern, _ := strings.Cut(route, " ")
		path := strings.ReplaceAll(pattern, "{id}", "1")
		for _, auth := range []string{"", "Basic cm9vdDpyb290", "Bearer "} {
			rec := serve(h, request{method: method, path: path, auth: auth, body: unauthBody(method)})
			p := expectProblem(t, rec, http.StatusUnauthorized)
			if p.Detail == "" {
				t.Errorf("%s %q: problem without detail", route, auth)
			}
			if !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("%s %q: no Bearer challenge", route, auth)
			}
		}
	}
}

func unauthBody(method string) any {
	if method == http.MethodPost || method == http.MethodPut {
		return map[string]any{}
	}
	return nil
}

func TestUnknownPathIsProblem(t *testing.T) {
	h := New(Deps{})
	expectProblem(t, serve(h, request{method: http.MethodGet, path: "/api/v1/nope"}), http.StatusNotFound)
	rec := serve(h, request{method: http.MethodPatch, path: "/api/v1/me"})
	expectProblem(t, rec, http.StatusMethodNotAllowed)
	if !strings.Contains(rec.Header().Get("Allow"), http.MethodGet) {
		t.Errorf("405 without Allow: %v", rec.Header())
	}
}
