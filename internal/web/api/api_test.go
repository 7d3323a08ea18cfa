package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/contracts"
)

func TestMe(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		me := func(token string) (m Me) {
			t.Helper()
			expect(t, f.get("/api/v1/me", token), http.StatusOK, &m)
			return m
		}
		if m := me(f.a.token); m.User.ID != f.a.admin.ID || !m.User.OrgAdmin || m.Organisation == nil || m.Organisation.ID != f.a.org.ID ||
			m.Staff || !m.CanWrite || m.Token == nil || m.Token.ID != f.a.tokenID {
			t.Errorf("me = %+v", m)
		}
		if m := me(f.a.readToken); m.CanWrite || !slices.Equal(m.Token.Scopes, []string{"read"}) {
			t.Errorf("read token: %+v", m)
		}
		if m := me(f.staffToken); !m.Staff || m.Organisation != nil || m.User.OrgID != 0 || !slices.Contains(m.User.Roles, "admin") {
			t.Errorf("staff me = %+v", m)
		}
	})
}

func TestInvalidTokens(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		for _, tok := range []string{"nonsense", f.a.token + "x", strings.Repeat("a", 600)} {
			rec := f.get("/api/v1/me", tok)
			expectProblem(t, rec, http.StatusUnauthorized)
			if !strings.Contains(rec.Header().Get("WWW-Authenticate"), "invalid_token") &&
				!strings.Contains(rec.Header().Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("no challenge: %v", rec.Header())
			}
		}

		// A revoked token stops working at once.
		secret, id := f.token(f.a.p, accounts.ScopeRead)
		expect(t, f.get("/api/v1/me", secret), http.StatusOK, nil)
		must(t, f.acc.RevokeAPIToken(seedCtx(), f.a.p, id))
		expectProblem(t, f.get("/api/v1/me", secret), http.StatusUnauthorized)

		// An expired token too.
		_, secret, err := f.acc.CreateAPIToken(seedCtx(), f.a.p, "short-lived", []accounts.Scope{accounts.ScopeRead}, 1)
		must(t, err)
		expect(t, f.get("/api/v1/me", secret), http.StatusOK, nil)
		f.clk.Advance(49 * time.Hour)
		expectProblem(t, f.get("/api/v1/me", secret), http.StatusUnauthorized)

		// A disabled organisation's tokens are refused.
		must(t, f.acc.SetOrganisationDisabled(seedCtx(), f.staff, f.b.org.ID, true))
		rec := f.get("/api/v1/me", f.b.token)
		if rec.Code != http.StatusUnauthorized && rec.Code != http.StatusForbidden {
			t.Errorf("disabled organisation's token: %d %s", rec.Code, rec.Body.String())
		}
	})
}

// TestIPAllowlistEnforced: a token is refused from outside its organisation's
// allowlist with 403, and works from inside it.
func TestIPAllowlistEnforced(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		expect(t, f.do(request{method: http.MethodPut, path: orgPath(f.a.org.ID) + "/ip-allowlist", token: f.a.token,
			body: map[string]any{"ip_allowlist": []string{"198.51.100.0/24"}}, ip: "198.51.100.7"}), http.StatusOK, nil)
		expectProblem(t, f.get("/api/v1/me", f.a.token), http.StatusForbidden)
		expect(t, f.do(request{method: http.MethodGet, path: "/api/v1/me", token: f.a.token, ip: "198.51.100.8"}), http.StatusOK, nil)

		// Setting a list that would lock out the caller is refused and changes nothing.
		rec := f.do(request{method: http.MethodPut, path: orgPath(f.a.org.ID) + "/ip-allowlist", token: f.a.token,
			body: map[string]any{"ip_allowlist": []string{"203.0.113.0/24"}}, ip: "198.51.100.7"})
		if rec.Code < 400 || rec.Code >= 500 {
			t.Fatalf("lock-out allowlist: %d %s", rec.Code, rec.Body.String())
		}
		o, err := f.acc.GetOrganisation(seedCtx(), f.staff, f.a.org.ID)
		must(t, err)
		if !slices.Equal(o.IPAllowlist, []string{"198.51.100.0/24"}) {
			t.Errorf("allowlist = %v", o.IPAllowlist)
		}
	})
}

// TestReadScopeCannotWrite calls every changing operation in the document with a
// read-only token of the organisation's own admin user, on its own objects: each is
// refused with 403 and nothing changes.
func TestReadScopeCannotWrite(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		before := f.snapshot(f.a)
		doc := fetchDoc(t, f.h)
		n := 0
		for _, route := range routesOf(doc) {
			method, pattern, _ := strings.Cut(route, " ")
			if method == http.MethodGet {
				continue
			}
			n++
			id := f.a.org.ID
			switch {
			case strings.HasPrefix(pattern, "/api/v1/users/"):
				id = f.a.sub.ID
			case strings.HasPrefix(pattern, "/api/v1/tokens/"):
				id = f.a.tokenID
			}
			path := strings.ReplaceAll(pattern, "{id}", strconv.FormatInt(id, 10))
			p := expectProblem(t, f.do(request{method: method, path: path, token: f.a.readToken, body: writeBody(pattern)}), http.StatusForbidden)
			if !strings.Contains(p.Detail, "read") {
				t.Errorf("%s: detail %q does not mention the read scope", route, p.Detail)
			}
		}
		if n < 10 {
			t.Fatalf("only %d changing operations found", n)
		}
		if after := f.snapshot(f.a); after != before {
			t.Errorf("read-only calls changed data:\nbefore %s\nafter  %s", before, after)
		}
	})
}

// writeBody is a valid body for a changing operation, so that only the scope can be
// the reason for a refusal.
func writeBody(pattern string) any {
	switch {
	case pattern == "/api/v1/organisations" || pattern == "/api/v1/organisations/{id}":
		return orgBody("Veranderd")
	case strings.HasSuffix(pattern, "/ip-allowlist"):
		return map[string]any{"ip_allowlist": []string{"198.51.100.0/24"}}
	case pattern == "/api/v1/users":
		return map[string]any{"email": "nieuw@example.test", "name": "Nieuw", "password": testPassword, "permissions": []string{"read"}}
	case strings.HasSuffix(pattern, "/permissions"):
		return map[string]any{"permissions": []string{"read", "billing", "technical", "users"}}
	case pattern == "/api/v1/tokens":
		return map[string]any{"name": "new", "scopes": []string{"read", "write"}}
	}
	return nil
}

// TestBadInput sends invalid input to the changing operations: each answers 422
// naming the field, and nothing is saved.
func TestBadInput(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		withOrg := func(mod func(b map[string]any)) map[string]any {
			b := orgBody("Nieuwe Klant")
			mod(b)
			return b
		}
		long := strings.Repeat("x", 201)
		cases := []struct {
			name         string
			method, path string
			token        string
			body         any
			field        string
		}{
			{"malformed e-mail", "POST", "/api/v1/organisations", f.staffToken,
				withOrg(func(b map[string]any) { b["email"] = "not-an-address" }), "body.email"},
			{"e-mail with display name", "POST", "/api/v1/organisations", f.staffToken,
				withOrg(func(b map[string]any) { b["email"] = "Jan <jan@example.nl>" }), "body.email"},
			{"VAT id", "POST", "/api/v1/organisations", f.staffToken,
				withOrg(func(b map[string]any) { b["kind"] = "business"; b["kvk"] = "12345678"; b["vat_id"] = "NL123" }), "body.vat_id"},
			{"Dutch postal code", "POST", "/api/v1/organisations", f.staffToken,
				withOrg(func(b map[string]any) { b["postal_address"].(map[string]any)["postal_code"] = "12" }), "body.postal_address.postal_code"},
			{"oversized name", "POST", "/api/v1/organisations", f.staffToken,
				withOrg(func(b map[string]any) { b["legal_name"] = long }), "body.legal_name"},
			{"oversized street", "POST", "/api/v1/organisations", f.staffToken,
				withOrg(func(b map[string]any) { b["postal_address"].(map[string]any)["street"] = long }), "body.postal_address.street"},
			{"unknown field", "POST", "/api/v1/organisations", f.staffToken,
				withOrg(func(b map[string]any) { b["colour"] = "blue" }), "body.colour"},
			{"kind", "POST", "/api/v1/organisations", f.staffToken,
				withOrg(func(b map[string]any) { b["kind"] = "government" }), "body.kind"},
			{"admin e-mail", "POST", "/api/v1/organisations", f.staffToken,
				withOrg(func(b map[string]any) { b["admin"] = map[string]any{"email": "nope", "name": "X"} }), "body.admin.email"},
			{"update VAT id", "PUT", orgPath(f.a.org.ID), f.a.token,
				withOrg(func(b map[string]any) { b["kind"] = "business"; b["kvk"] = "12345678"; b["vat_id"] = "XX999" }), "body.vat_id"},
			{"CIDR", "PUT", orgPath(f.a.org.ID) + "/ip-allowlist", f.a.token,
				map[string]any{"ip_allowlist": []string{"192.0.2.0/24", "10.0.0.0/33"}}, "body.ip_allowlist"},
			{"oversized CIDR", "PUT", orgPath(f.a.org.ID) + "/ip-allowlist", f.a.token,
				map[string]any{"ip_allowlist": []string{strings.Repeat("1", 65)}}, "body.ip_allowlist"},
			{"user e-mail", "POST", "/api/v1/users", f.a.token,
				map[string]any{"org_id": f.a.org.ID, "email": "x@", "name": "X", "password": testPassword}, "body.email"},
			{"weak password", "POST", "/api/v1/users", f.a.token,
				map[string]any{"org_id": f.a.org.ID, "email": "x@a.test", "name": "X", "password": "password"}, "body.password"},
			{"oversized user name", "POST", "/api/v1/users", f.a.token,
				map[string]any{"org_id": f.a.org.ID, "email": "x@a.test", "name": long}, "body.name"},
			{"permission", "PUT", userPath(f.a.sub.ID) + "/permissions", f.a.token,
				map[string]any{"permissions": []string{"root"}}, "body.permissions"},
			{"token name", "POST", "/api/v1/tokens", f.a.token,
				map[string]any{"name": strings.Repeat("t", 101), "scopes": []string{"read"}}, "body.name"},
			{"token scope", "POST", "/api/v1/tokens", f.a.token,
				map[string]any{"name": "ci", "scopes": []string{"admin"}}, "body.scopes"},
			{"page size", "GET", "/api/v1/organisations?per_page=1000", f.staffToken, nil, "query.per_page"},
			{"unknown query parameter", "GET", "/api/v1/organisations?perpage=10", f.staffToken, nil, "query.perpage"},
		}
		before := f.snapshot(f.a)
		orgsBefore := f.orgCount()
		for _, c := range cases {
			p := expectProblem(t, f.do(request{method: c.method, path: c.path, token: c.token, body: c.body}), http.StatusUnprocessableEntity)
			if !slices.ContainsFunc(p.locations(), func(l string) bool { return strings.HasPrefix(l, c.field) }) {
				t.Errorf("%s: errors at %v, want %s", c.name, p.locations(), c.field)
			}
			for _, e := range p.Errors {
				if e.Message == "" {
					t.Errorf("%s: error at %s without a message", c.name, e.Location)
				}
			}
		}
		if after := f.snapshot(f.a); after != before {
			t.Errorf("invalid input changed data:\nbefore %s\nafter  %s", before, after)
		}
		if n := f.orgCount(); n != orgsBefore {
			t.Errorf("%d organisations after invalid creates, want %d", n, orgsBefore)
		}
	})
}

// TestMalformedRequests: bodies that are not JSON, too large, or of another type.
func TestMalformedRequests(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		expectProblem(t, f.do(request{method: "POST", path: "/api/v1/organisations", token: f.staffToken, body: `{"kind":`}), http.StatusBadRequest)
		huge := `{"legal_name":"` + strings.Repeat("x", maxBodyBytes) + `"}`
		expectProblem(t, f.do(request{method: "POST", path: "/api/v1/organisations", token: f.staffToken, body: huge}), http.StatusRequestEntityTooLarge)
		expectProblem(t, f.do(request{method: "GET", path: "/api/v1/organisations/abc", token: f.staffToken}), http.StatusUnprocessableEntity)
		expectProblem(t, f.do(request{method: "GET", path: "/api/v1/organisations/0", token: f.staffToken}), http.StatusUnprocessableEntity)

		// Errors name the problem without repeating the input, which may be a secret.
		secret := "Very-Secret-Pass-42"
		for _, body := range []string{
			`{"email":"x@a.test","name":"X","password":"` + secret + `","bogus":1}`,
			`{"email":"x@a.test","name":"X","password":"` + secret + `"`,
		} {
			rec := f.do(request{method: "POST", path: "/api/v1/users", token: f.a.token, body: body})
			if rec.Code < 400 || strings.Contains(rec.Body.String(), secret) {
				t.Errorf("%d: the error echoes the input: %s", rec.Code, rec.Body.String())
			}
		}
		if n := f.orgCount(); n != 2 {
			t.Errorf("%d organisations, want 2", n)
		}
	})
}

// TestOperations walks through what the staff app and the portal do, over the API.
func TestOperations(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		st := f.staffToken

		// Staff create a customer with its admin user.
		body := orgBody("Bakkerij Jansen")
		body["admin"] = map[string]any{"email": "jan@bakkerij.test", "name": "Jan Jansen", "password": testPassword}
		var org Organisation
		expect(t, f.do(request{method: "POST", path: "/api/v1/organisations", token: st, body: body}), http.StatusCreated, &org)
		if org.ID == 0 || org.LegalName != "Bakkerij Jansen" || org.PostalAddress.PostalCode != "1015 CJ" || org.IPAllowlist == nil {
			t.Fatalf("created %+v", org)
		}
		var got Organisation
		expect(t, f.get(orgPath(org.ID), st), http.StatusOK, &got)
		if got.ID != org.ID || got.Email != org.Email {
			t.Errorf("get = %+v", got)
		}

		// Update, then find it.
		body = orgBody("Bakkerij Jansen & Zn")
		body["phone"] = "+31 20 123 4567"
		expect(t, f.do(request{method: "PUT", path: orgPath(org.ID), token: st, body: body}), http.StatusOK, &got)
		if got.LegalName != "Bakkerij Jansen & Zn" || got.Phone != "+31 20 123 4567" {
			t.Errorf("updated %+v", got)
		}
		var list OrganisationList
		expect(t, f.get("/api/v1/organisations?q=jansen&kind=consumer&per_page=10", st), http.StatusOK, &list)
		if list.Total != 1 || len(list.Items) != 1 || list.Items[0].ID != org.ID || list.PerPage != 10 || list.Page != 1 {
			t.Errorf("search = %+v", list)
		}
		expect(t, f.get("/api/v1/organisations", st), http.StatusOK, &list)
		if list.Total != 3 || list.PerPage != 25 {
			t.Errorf("list = total %d per page %d", list.Total, list.PerPage)
		}

		// Disable and enable.
		expect(t, f.do(request{method: "POST", path: orgPath(org.ID) + "/disable", token: st}), http.StatusNoContent, nil)
		expect(t, f.get("/api/v1/organisations?disabled=true", st), http.StatusOK, &list)
		if list.Total != 1 || list.Items[0].ID != org.ID || !list.Items[0].Disabled {
			t.Errorf("disabled list = %+v", list)
		}
		expect(t, f.do(request{method: "POST", path: orgPath(org.ID) + "/enable", token: st}), http.StatusNoContent, nil)
		expect(t, f.get(orgPath(org.ID), st), http.StatusOK, &got)
		if got.Disabled {
			t.Error("still disabled after enable")
		}

		// Allowlist: single addresses and duplicates are normalised by the service.
		expect(t, f.do(request{method: "PUT", path: orgPath(org.ID) + "/ip-allowlist", token: st,
			body: map[string]any{"ip_allowlist": []string{"192.0.2.0/24", "2001:db8::1"}}}), http.StatusOK, &got)
		if !slices.Equal(got.IPAllowlist, []string{"192.0.2.0/24", "2001:db8::1/128"}) {
			t.Errorf("allowlist %v", got.IPAllowlist)
		}
		expect(t, f.do(request{method: "PUT", path: orgPath(org.ID) + "/ip-allowlist", token: st,
			body: map[string]any{"ip_allowlist": []string{}}}), http.StatusOK, &got)
		if len(got.IPAllowlist) != 0 {
			t.Errorf("allowlist not cleared: %v", got.IPAllowlist)
		}

		// Users: the customer's admin adds a sub-user and changes its permissions.
		var users UserList
		expect(t, f.get(orgPath(f.a.org.ID)+"/users", f.a.token), http.StatusOK, &users)
		if len(users.Items) != 2 {
			t.Errorf("users of A: %+v", users)
		}
		var u User
		expect(t, f.do(request{method: "POST", path: "/api/v1/users", token: f.a.token, body: map[string]any{
			"org_id": f.a.org.ID, "email": "Piet@A.test", "name": "Piet", "password": testPassword, "permissions": []string{"billing"},
		}}), http.StatusCreated, &u)
		if u.OrgID != f.a.org.ID || u.Email != "piet@a.test" || !slices.Equal(u.Permissions, []string{"billing"}) {
			t.Errorf("created user %+v", u)
		}
		expect(t, f.get(userPath(u.ID), f.a.token), http.StatusOK, &u)
		expect(t, f.do(request{method: "PUT", path: userPath(u.ID) + "/permissions", token: f.a.token,
			body: map[string]any{"permissions": []string{"read", "technical"}}}), http.StatusOK, &u)
		if !slices.Equal(u.Permissions, []string{"read", "technical"}) {
			t.Errorf("permissions %v", u.Permissions)
		}
		expect(t, f.do(request{method: "POST", path: userPath(u.ID) + "/disable", token: f.a.token}), http.StatusNoContent, nil)
		expect(t, f.get(userPath(u.ID), f.a.token), http.StatusOK, &u)
		if !u.Disabled {
			t.Error("user not disabled")
		}
		expect(t, f.do(request{method: "POST", path: userPath(u.ID) + "/enable", token: f.a.token}), http.StatusNoContent, nil)

		// Staff users are for staff.
		expect(t, f.get("/api/v1/staff-users", st), http.StatusOK, &users)
		if len(users.Items) != 1 || users.Items[0].Email != "root@provider.test" || !slices.Contains(users.Items[0].Roles, "admin") {
			t.Errorf("staff users %+v", users)
		}
		expectProblem(t, f.get("/api/v1/staff-users", f.a.token), http.StatusForbidden)

		// Tokens: listed without secrets.
		var toks APITokenList
		rec := f.get("/api/v1/tokens", f.a.token)
		expect(t, rec, http.StatusOK, &toks)
		if len(toks.Items) < 2 {
			t.Errorf("tokens %+v", toks)
		}
		if strings.Contains(rec.Body.String(), f.a.token) || strings.Contains(rec.Body.String(), f.a.readToken) {
			t.Error("the token list contains a secret")
		}
	})
}

// TestTokenLifecycle creates a token over the API, uses it and revokes it. The accounts
// service manages credentials interactively only (a leaked token cannot mint more), so
// a token may not create another: that is answered with 403 and nothing is created.
func TestTokenLifecycle(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		before := f.snapshot(f.a)
		rec := f.do(request{method: "POST", path: "/api/v1/tokens", token: f.a.token,
			body: map[string]any{"name": "ci", "scopes": []string{"read"}, "expires_in_days": 30}})
		var secret string
		var id int64
		switch rec.Code {
		case http.StatusForbidden:
			expectProblem(t, rec, http.StatusForbidden)
			if after := f.snapshot(f.a); after != before {
				t.Fatalf("a refused create changed tokens:\nbefore %s\nafter  %s", before, after)
			}
			secret, id = f.token(f.a.p, accounts.ScopeRead)
		default:
			var nt NewAPIToken
			expect(t, rec, http.StatusCreated, &nt)
			if nt.Secret == "" || nt.Token.Name != "ci" || !slices.Equal(nt.Token.Scopes, []string{"read"}) || nt.Token.ExpiresAt == nil {
				t.Fatalf("new token %+v", nt)
			}
			secret, id = nt.Secret, nt.Token.ID
		}
		var me Me
		expect(t, f.get("/api/v1/me", secret), http.StatusOK, &me)
		if me.Token == nil || me.Token.ID != id || me.CanWrite {
			t.Errorf("me with new token: %+v", me)
		}
		var list APITokenList
		expect(t, f.get("/api/v1/tokens", f.a.token), http.StatusOK, &list)
		if !slices.ContainsFunc(list.Items, func(tk APIToken) bool { return tk.ID == id && tk.RevokedAt == nil }) {
			t.Errorf("new token not listed: %+v", list.Items)
		}
		expect(t, f.do(request{method: "DELETE", path: tokenPath(id), token: f.a.token}), http.StatusNoContent, nil)
		expectProblem(t, f.get("/api/v1/me", secret), http.StatusUnauthorized)
		expect(t, f.get("/api/v1/tokens", f.a.token), http.StatusOK, &list)
		if !slices.ContainsFunc(list.Items, func(tk APIToken) bool { return tk.ID == id && tk.RevokedAt != nil }) {
			t.Errorf("revoked token not marked: %+v", list.Items)
		}
	})
}

// TestAuditTrail: changes over the API are recorded with the principal, its address
// and user agent; staff filter the trail; a customer reads its own part only.
func TestAuditTrail(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		body := orgBody("Klant A")
		body["phone"] = "+31 20 765 4321"
		expect(t, f.do(request{method: "PUT", path: orgPath(f.a.org.ID), token: f.a.token, body: body}), http.StatusOK, nil)
		es, err := audit.List(context.Background(), f.db, audit.Filter{OrgID: f.a.org.ID, Limit: 1})
		must(t, err)
		if len(es) != 1 {
			t.Fatal("no audit entry for the update")
		}
		a := es[0].Actor
		if a.Kind != audit.ActorCustomer || a.ID != f.a.admin.ID || a.Label != f.a.admin.Email || a.IP != testIP || a.UserAgent != testUA {
			t.Errorf("actor %+v", a)
		}

		// A User-Agent that is not text is cleaned, not a reason for the change to fail.
		body["phone"] = "+31 20 111 2222"
		expect(t, f.do(request{method: "PUT", path: orgPath(f.a.org.ID), token: f.a.token, body: body, ua: "bad\xff\xfe\x01agent"}), http.StatusOK, nil)
		es, err = audit.List(context.Background(), f.db, audit.Filter{OrgID: f.a.org.ID, Limit: 1})
		must(t, err)
		if es[0].Actor.UserAgent != "badagent" {
			t.Errorf("user agent recorded as %q", es[0].Actor.UserAgent)
		}

		// Staff: everything, filtered.
		var page AuditPage
		expect(t, f.get("/api/v1/audit?org_id="+itoa(f.b.org.ID), f.staffToken), http.StatusOK, &page)
		if len(page.Items) == 0 {
			t.Fatal("staff see no entries of B")
		}
		for _, e := range page.Items {
			if e.OrgID != f.b.org.ID {
				t.Errorf("org filter returned %+v", e)
			}
		}
		expect(t, f.get("/api/v1/audit?actor_kind=customer", f.staffToken), http.StatusOK, &page)
		if len(page.Items) == 0 || page.Items[0].Actor.Kind != "customer" || page.Items[0].Actor.IP != testIP {
			t.Errorf("actor filter: %+v", page.Items)
		}
		expect(t, f.get("/api/v1/audit?limit=2", f.staffToken), http.StatusOK, &page)
		if len(page.Items) != 2 || page.NextBefore != page.Items[1].Seq {
			t.Fatalf("page %+v", page)
		}
		var next AuditPage
		expect(t, f.get("/api/v1/audit?limit=2&before="+itoa(page.NextBefore), f.staffToken), http.StatusOK, &next)
		if len(next.Items) == 0 || next.Items[0].Seq >= page.NextBefore {
			t.Errorf("next page %+v after %d", next.Items, page.NextBefore)
		}

		// A customer: only its own organisation, whatever it asks; staff addresses hidden.
		expect(t, f.get("/api/v1/audit?limit=500", f.a.token), http.StatusOK, &page)
		if len(page.Items) == 0 {
			t.Fatal("customer sees no entries")
		}
		for _, e := range page.Items {
			if e.OrgID != f.a.org.ID {
				t.Errorf("customer A sees %+v", e)
			}
			if e.Actor.Kind != "customer" && (e.Actor.IP != "" || e.Actor.UserAgent != "") {
				t.Errorf("customer sees where staff worked from: %+v", e.Actor)
			}
		}
		expect(t, f.get("/api/v1/audit?org_id="+itoa(f.a.org.ID), f.a.token), http.StatusOK, nil)
		// Another organisation's trail is none of A's business: not found, as every id.
		expectProblem(t, f.get("/api/v1/audit?org_id="+itoa(f.b.org.ID), f.a.token), http.StatusNotFound)
	})
}

func TestDemoMail(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		// A user without a password is invited by mail.
		expect(t, f.do(request{method: "POST", path: "/api/v1/users", token: f.a.token, body: map[string]any{
			"org_id": f.a.org.ID, "email": "invite@a.test", "name": "Invited", "permissions": []string{"read"},
		}}), http.StatusCreated, nil)
		var page MailPage
		expect(t, f.get("/api/v1/mail", f.staffToken), http.StatusOK, &page)
		if !slices.ContainsFunc(page.Items, func(m Mail) bool { return m.To == "invite@a.test" }) {
			t.Errorf("invitation not in the outbox: %+v", page.Items)
		}
		expectProblem(t, f.get("/api/v1/mail", f.a.token), http.StatusForbidden)

		prod := newServer(Deps{DB: f.db, Clock: f.clk, Accounts: f.acc}, defaultLimits)
		expectProblem(t, serve(prod, request{method: "GET", path: "/api/v1/mail", token: f.staffToken}), http.StatusNotFound)
	})
}

func TestRateLimits(t *testing.T) {
	l := limits{PerToken: rate{PerSecond: 1, Burst: 3}, AuthFailPerIP: rate{PerSecond: 0.1, Burst: 2}}
	eachEngineWith(t, l, func(t *testing.T, f *fixture) {
		// Per token: the burst, then 429 with Retry-After; other tokens unaffected.
		for range 3 {
			expect(t, f.get("/api/v1/me", f.a.token), http.StatusOK, nil)
		}
		rec := f.get("/api/v1/me", f.a.token)
		expectProblem(t, rec, http.StatusTooManyRequests)
		if rec.Header().Get("Retry-After") != "1" {
			t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
		}
		expect(t, f.get("/api/v1/me", f.b.token), http.StatusOK, nil)
		f.clk.Advance(time.Second)
		expect(t, f.get("/api/v1/me", f.a.token), http.StatusOK, nil)

		// Failed authentications per address: after the burst even a valid token from
		// that address waits; other addresses do not.
		const guesser = "198.51.100.66"
		for range 2 {
			expectProblem(t, f.do(request{method: "GET", path: "/api/v1/me", token: "guess", ip: guesser}), http.StatusUnauthorized)
		}
		rec = f.do(request{method: "GET", path: "/api/v1/me", token: f.b.token, ip: guesser})
		expectProblem(t, rec, http.StatusTooManyRequests)
		if ra, _ := strconv.Atoi(rec.Header().Get("Retry-After")); ra < 1 {
			t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
		}
		f.clk.Advance(10 * time.Second)
		expect(t, f.do(request{method: "GET", path: "/api/v1/me", token: f.b.token, ip: guesser}), http.StatusOK, nil)
	})
}

// snapshot renders what a tenant owns, as staff and its admin see it, to compare
// before and after calls that must not change it.
func (f *fixture) snapshot(tn tenant) string {
	f.t.Helper()
	ctx := seedCtx()
	org, err := f.acc.GetOrganisation(ctx, f.staff, tn.org.ID)
	must(f.t, err)
	users, err := f.acc.ListUsers(ctx, f.staff, tn.org.ID)
	must(f.t, err)
	toks, err := f.acc.ListAPITokens(ctx, tn.p)
	must(f.t, err)
	for i := range toks {
		toks[i].LastUsedAt = nil // using a token is not a change to it
	}
	cs, _, err := f.con.ListContracts(ctx, f.staff, contracts.ContractFilter{OrgID: tn.org.ID}, contracts.Page{Limit: contracts.MaxLimit})
	must(f.t, err)
	qs, _, err := f.con.ListQuotes(ctx, f.staff, contracts.QuoteFilter{OrgID: tn.org.ID}, contracts.Page{Limit: contracts.MaxLimit})
	must(f.t, err)
	b, err := json.Marshal(map[string]any{"org": org, "users": users, "tokens": toks, "contracts": cs, "quotes": qs,
		"billing": f.billingSnapshot(tn)})
	must(f.t, err)
	return string(b)
}

func (f *fixture) orgCount() int {
	f.t.Helper()
	_, n, err := f.acc.ListOrganisations(seedCtx(), f.staff, accounts.OrgFilter{})
	must(f.t, err)
	return n
}

func orgPath(id int64) string   { return "/api/v1/organisations/" + itoa(id) }
func userPath(id int64) string  { return "/api/v1/users/" + itoa(id) }
func tokenPath(id int64) string { return "/api/v1/tokens/" + itoa(id) }
func itoa(id int64) string      { return fmt.Sprint(id) }
