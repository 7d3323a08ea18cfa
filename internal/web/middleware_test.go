package web

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/payments"
)

func TestSecurityHeaders(t *testing.T) {
	check := func(t *testing.T, e *env, hsts bool) {
		c := e.client()
		for _, path := range []string{"/login", "/nope", "/static/app.css", "/healthz"} {
			r := c.get(path)
			h := r.Header
			if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
				t.Errorf("%s: CSP %q", path, csp)
			}
			for k, want := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY"} {
				if h.Get(k) != want {
					t.Errorf("%s: %s = %q, want %q", path, k, h.Get(k), want)
				}
			}
			if !strings.Contains(h.Get("Permissions-Policy"), "camera=()") {
				t.Errorf("%s: Permissions-Policy %q", path, h.Get("Permissions-Policy"))
			}
			if got := h.Get("Strict-Transport-Security") != ""; got != hsts {
				t.Errorf("%s: HSTS present = %v, want %v", path, got, hsts)
			}
		}
		r := c.get("/login")
		if r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("pages must not be cached: %q", r.Header.Get("Cache-Control"))
		}
	}
	// One engine run per Config: storetest names a second run "sqlite#01", and a '#'
	// in the SQLite file URI cuts the path short (reported to the store's owner).
	check(t, newEnv(t, openSQLite(t), Config{}), false)
	each := func(t *testing.T, fn func(t *testing.T, e *env)) { eachWith(t, Config{SecureCookies: true}, fn) }
	each(t, func(t *testing.T, e *env) {
		check(t, e, true)
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		c := e.client()
		r := c.post("/login", url.Values{"email": {"marieke@jansen.test"}, "password": {testPW}})
		if ck := r.Cookie[sessionCookie]; ck == nil || !ck.Secure || !ck.HttpOnly {
			t.Fatalf("session cookie not Secure: %+v", ck)
		}
	})
}

func TestCrossOriginPostRejected(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		before := e.orgCount()

		post := func(path string, form url.Values, hdr map[string]string) resp {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			for k, v := range hdr {
				req.Header.Set(k, v)
			}
			return c.do(req)
		}
		for name, hdr := range map[string]map[string]string{
			"fetch metadata": {"Sec-Fetch-Site": "cross-site"},
			"origin header":  {"Origin": "https://evil.example"},
		} {
			r := post("/staff/customers/new", validCustomer(), hdr)
			if r.Code != http.StatusForbidden {
				t.Fatalf("%s: cross-origin POST got %d", name, r.Code)
			}
			contains(t, r.Body, "Verzoek geweigerd")
			r = post("/login", url.Values{"email": {"anna@provider.test"}, "password": {testPW}}, hdr)
			if r.Code != http.StatusForbidden {
				t.Fatalf("%s: cross-origin login got %d", name, r.Code)
			}
		}
		if e.orgCount() != before {
			t.Fatal("a cross-origin POST created a customer")
		}
		// The configured public origin is our own.
		r := post("/staff/customers/new", validCustomer(), map[string]string{"Origin": "https://portal.example"})
		c.expect(r, http.StatusSeeOther, "")
		// Cross-site navigation (GET) still works: links from mail must open pages.
		req := httptest.NewRequest(http.MethodGet, "/staff/", nil)
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		c.expect(c.do(req), http.StatusOK, "")
	})
}

func TestLanguageSwitch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := e.client()
		r := c.get("/login")
		contains(t, r.Body, `<html lang="nl">`, "Inloggen", "Wachtwoord vergeten?", "E-mailadres")

		c.header.Set("Accept-Language", "en-GB,en;q=0.9,nl;q=0.5")
		r = c.get("/login")
		contains(t, r.Body, `<html lang="en">`, "Sign in", "Forgot your password?")

		c.header.Set("Accept-Language", "de-DE,de;q=0.9")
		contains(t, c.get("/login").Body, "Inloggen") // neither: Dutch

		r = c.post("/lang", url.Values{"lang": {"en"}, "next": {"/forgot"}})
		c.expect(r, http.StatusSeeOther, "/forgot")
		if ck := r.Cookie[langCookie]; ck == nil || ck.Value != "en" || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode {
			t.Fatalf("language cookie: %+v", ck)
		}
		r = c.get("/forgot")
		contains(t, r.Body, `<html lang="en">`, "Forgot password", "Send link", `aria-pressed="true">English`)

		// The choice beats the browser's preference.
		c.header.Set("Accept-Language", "nl")
		contains(t, c.get("/login").Body, "Sign in")
		c.expect(c.post("/lang", url.Values{"lang": {"nl"}, "next": {"/login"}}), http.StatusSeeOther, "/login")
		contains(t, c.get("/login").Body, "Inloggen")

		for _, next := range []string{"//evil.example/", "https://evil.example/", "/\\evil.example", ""} {
			c.expect(c.post("/lang", url.Values{"lang": {"en"}, "next": {next}}), http.StatusSeeOther, "/")
		}
		c.post("/lang", url.Values{"lang": {"fr"}, "next": {"/login"}})
		contains(t, c.get("/login").Body, "Sign in") // unsupported: unchanged
	})
}

func TestEveryPageInBothLanguages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test")
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		admin, _ := e.acc.FindUserByEmail(e.ctx, "marieke@jansen.test")
		e.seedCatalog()
		// An invoice past its due date, with dunning steps; a bank statement whose
		// credits wait in the queue; a mandate; an online payment started.
		inv := e.invoiced(e.customerPrincipal(admin), "webhosting", "start")
		e.clk.Advance(40 * 24 * time.Hour)
		if err := e.dun.RunDue(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if steps, err := e.dun.Steps(e.ctx, e.customerPrincipal(admin), inv.ID); err != nil || len(steps) == 0 {
			t.Fatalf("dunning steps: %v %v", steps, err)
		}
		ing, err := os.ReadFile("../payments/testdata/camt053_ing.xml")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.pay.ImportCAMT053(e.ctx, e.admin(), "ing.xml", bytes.NewReader(ing)); err != nil {
			t.Fatal(err)
		}
		queue, err := e.pay.Unmatched(e.ctx, e.admin(), payments.Page{})
		if err != nil || len(queue.Items) == 0 {
			t.Fatalf("queue: %v %v", queue, err)
		}
		tx := "/staff/payments/unmatched/" + itoa(queue.Items[0].ID)
		mandate, err := e.pay.CreateMandate(e.ctx, e.admin(), payments.MandateInput{OrgID: org.ID, SignedOn: e.srv.today(),
			DebtorName: "Bakkerij Jansen B.V.", IBAN: "NL02ABNA0123456789"})
		if err != nil {
			t.Fatal(err)
		}
		checkout, err := e.pay.StartOnlinePayment(e.ctx, e.customerPrincipal(admin), inv.ID, "/portal/invoices/"+itoa(inv.ID))
		if err != nil {
			t.Fatal(err)
		}
		staff, cust, anon := e.client(), e.client(), e.client()
		staff.login("anna@provider.test", staffSecret, "/staff/")
		cust.login("marieke@jansen.test", "", "/portal/")
		con := e.order(e.customerPrincipal(admin), "webhosting", "start", "")
		ended := e.order(e.customerPrincipal(admin), "email", "basic", "")
		if _, err := e.con.ConfirmCancellation(e.ctx, e.customerPrincipal(admin), ended.Subscriptions[0].ID, contracts.CancelInput{}); err != nil {
			t.Fatal(err)
		}
		quote := e.sentQuote(org.ID, "Nieuwe website")
		sub := itoa(con.Subscriptions[0].ID)
		plan := itoa(e.plan("domains", "nl").ID)
		pages := []struct {
			c     *client
			paths []string
		}{
			{anon, []string{"/login", "/forgot", "/reset?token=x", "/nope", checkout, "/demo-psp/demo_999999"}},
			{staff, []string{"/staff/", "/staff/customers", "/staff/customers/new", "/staff/customers/" + itoa(org.ID),
				"/staff/customers/" + itoa(org.ID) + "/edit", "/staff/customers/" + itoa(org.ID) + "/disable",
				"/staff/customers/" + itoa(org.ID) + "/users/new", "/staff/users", "/staff/users/new",
				"/staff/users/" + itoa(admin.ID), "/staff/audit", "/staff/mail", "/staff/security", "/staff/password",
				"/staff/logout-everywhere", "/staff/contracts", "/staff/contracts?status=ended", "/staff/contracts/" + itoa(con.ID),
				"/staff/subscriptions/" + sub + "/cancel", "/staff/contracts/" + itoa(con.ID) + "/withdraw",
				"/staff/customers/" + itoa(org.ID) + "/refuse", "/staff/customers/" + itoa(org.ID) + "/unrefuse",
				"/staff/catalog", "/staff/catalog/plans/new", "/staff/catalog/plans/" + plan, "/staff/quotes", "/staff/quotes?status=draft",
				"/staff/quotes/new", "/staff/quotes/" + itoa(quote.ID), "/staff/price-increases", "/staff/terms", "/staff/force-majeure",
				"/staff/invoices", "/staff/invoices?status=open&kind=invoice&series=2026", "/staff/invoices?customer=" + itoa(org.ID),
				"/staff/invoices/" + itoa(inv.ID), "/staff/invoices/" + itoa(inv.ID) + "/credit", "/staff/invoices/" + itoa(inv.ID) + "/claim",
				"/staff/payments/import", "/staff/payments/unmatched", tx + "/assign", tx + "/ignore", "/staff/mandates",
				"/staff/mandates/new", "/staff/mandates/" + itoa(mandate.ID) + "/revoke", "/staff/direct-debits", "/staff/refunds",
				"/staff/reports", "/staff/reports?from=2026-05-01&to=2026-01-01"}},
			{cust, []string{"/portal/", "/portal/profile", "/portal/users", "/portal/users/new", "/portal/users/" + itoa(admin.ID),
				"/portal/allowlist", "/portal/tokens", "/portal/activity", "/portal/security", "/portal/password",
				"/portal/logout-everywhere", "/portal/mfa/disable", "/portal/catalog", "/portal/order/" + plan,
				"/portal/contracts", "/portal/contracts/" + itoa(con.ID), "/portal/contracts/" + itoa(ended.ID),
				"/portal/subscriptions/" + sub + "/cancel", "/portal/subscriptions/" + itoa(ended.Subscriptions[0].ID) + "/cancelled",
				"/portal/quotes", "/portal/quotes/" + itoa(quote.ID), "/portal/quotes/" + itoa(quote.ID) + "/decline",
				"/portal/terms/1/object", "/portal/invoices", "/portal/invoices?status=open", "/portal/invoices/" + itoa(inv.ID),
				"/portal/mandates"}},
		}
		for _, lang := range []string{"nl", "en"} {
			for _, p := range pages {
				p.c.cookies[langCookie] = lang
				for _, path := range p.paths {
					r := p.c.get(path) // the client fails the test on an untranslated key
					if r.Code >= 500 || !strings.Contains(r.Body, `<html lang="`+lang+`">`) {
						t.Errorf("%s %s: status %d", lang, path, r.Code)
					}
					if !strings.Contains(r.Body, `<main id="main"`) || !strings.Contains(r.Body, `href="#main"`) {
						t.Errorf("%s: no main landmark or skip link", path)
					}
				}
			}
		}
	})
}

func TestRateLimitOnSignInForms(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := e.client()
		c.ip = "198.51.100.20"
		var last resp
		for range 11 {
			last = c.post("/forgot", url.Values{"email": {"iemand@example.test"}})
		}
		c.expect(last, http.StatusTooManyRequests, "")
		if ra := last.Header.Get("Retry-After"); ra == "" || ra == "0" {
			t.Fatalf("Retry-After %q", ra)
		}
		contains(t, last.Body, "Te veel pogingen")
		c.expect(c.post("/login", url.Values{"email": {"x@example.test"}, "password": {"x"}}), http.StatusTooManyRequests, "")
		c.expect(c.get("/login"), http.StatusOK, "") // pages still open

		other := e.client()
		other.ip = "198.51.100.21"
		other.expect(other.post("/forgot", url.Values{"email": {"iemand@example.test"}}), http.StatusOK, "")

		e.clk.Advance(time.Minute)
		c.expect(c.post("/forgot", url.Values{"email": {"iemand@example.test"}}), http.StatusOK, "")
	})
}

func TestHealthzMetricsAPI(t *testing.T) {
	db := openSQLite(t)
	e := newEnv(t, db, Config{})
	c := e.client()
	r := c.get("/healthz")
	c.expect(r, http.StatusOK, "")
	if strings.TrimSpace(r.Body) != "ok" {
		t.Fatalf("healthz body %q", r.Body)
	}
	c.expect(c.get("/metrics"), http.StatusNotFound, "")
	c.expect(c.get("/api/v1/anything"), http.StatusNotFound, "")

	var apiActor audit.Actor
	h, err := New(Deps{DB: db, Clock: e.clk, Accounts: e.acc,
		Metrics: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "hostpact_up 1\n") }),
		API: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			apiActor = audit.ActorFrom(r.Context())
			w.WriteHeader(http.StatusTeapot)
		})})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	c.expect(c.get("/metrics"), http.StatusOK, "")
	contains(t, c.get("/metrics").Body, "hostpact_up 1")
	c.expect(c.get("/api/v1/customers"), http.StatusTeapot, "")
	if apiActor.IP != "192.0.2.10" || apiActor.Kind != audit.ActorPublic {
		t.Fatalf("the API did not get the request's actor: %+v", apiActor)
	}

	db.Close()
	r = c.get("/healthz")
	c.expect(r, http.StatusServiceUnavailable, "")
}

func TestPanicBecomesErrorPage(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	h := e.srv.securityHeaders(e.srv.recoverPanic(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { panic("boom") })))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/x", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), "Er ging iets mis") {
		t.Fatalf("status %d\n%s", rec.Code, rec.Body.String())
	}
	if rec.Header().Get("Content-Security-Policy") == "" {
		t.Fatal("the error page lacks security headers")
	}
	contains(t, e.log.String(), "panic serving request", "boom")
}

func TestRequestLogKeepsSecretsOut(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		c.get("/reset?token=GEHEIM-TOKEN-123")
		c.post("/portal/password", url.Values{"current_password": {testPW}, "new_password": {"Nieuw-Geheim-99!"}, "confirm_password": {"Nieuw-Geheim-99!"}})
		logs := e.log.String()
		contains(t, logs, `pattern="GET /reset"`, `pattern="POST /login"`, "status=303", "duration=")
		lacks(t, logs, "GEHEIM-TOKEN-123", testPW, "Nieuw-Geheim-99!", c.cookies[sessionCookie], "marieke@jansen.test")
	})
}

func TestBodyLimit(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	c := e.client()
	big := url.Values{"email": {strings.Repeat("a", 2<<20)}}
	r := c.post("/forgot", big)
	c.expect(r, http.StatusRequestEntityTooLarge, "")
}

func TestClientIP(t *testing.T) {
	s := &server{}
	for _, p := range []string{"10.0.0.0/8", "2001:db8:1::/48"} {
		s.proxies = append(s.proxies, mustPrefix(p))
	}
	cases := []struct{ remote, xff, want string }{
		{"192.0.2.1:1234", "203.0.113.9", "192.0.2.1"},                     // untrusted peer: header ignored
		{"10.1.2.3:1234", "203.0.113.9", "203.0.113.9"},                    // trusted proxy
		{"10.1.2.3:1234", "6.6.6.6, 203.0.113.9, 10.9.9.9", "203.0.113.9"}, // rightmost untrusted hop
		{"10.1.2.3:1234", "", "10.1.2.3"},
		{"10.1.2.3:1234", "garbage", "10.1.2.3"},
		{"[::ffff:192.0.2.7]:1", "", "192.0.2.7"},
	}
	for _, tc := range cases {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.RemoteAddr = tc.remote
		if tc.xff != "" {
			r.Header.Set("X-Forwarded-For", tc.xff)
		}
		if got := s.clientIP(r); got != tc.want {
			t.Errorf("%s / %q: %s, want %s", tc.remote, tc.xff, got, tc.want)
		}
	}
	if (&server{}).clientIP(&http.Request{RemoteAddr: "10.1.2.3:1", Header: http.Header{"X-Forwarded-For": {"1.2.3.4"}}}) != "10.1.2.3" {
		t.Error("without trusted proxies the header must be ignored")
	}
}

func TestLimiter(t *testing.T) {
	clk := clock.NewFake(t0)
	l := newLimiter(clk, 3, 10*time.Second)
	for i := range 3 {
		if ok, _ := l.allow("a"); !ok {
			t.Fatalf("attempt %d refused", i)
		}
	}
	ok, wait := l.allow("a")
	if ok || wait != 10*time.Second {
		t.Fatalf("fourth: %v %v", ok, wait)
	}
	clk.Advance(10 * time.Second)
	if ok, _ := l.allow("a"); !ok {
		t.Fatal("no refill")
	}
	l.maxKeys = 4
	for _, k := range []string{"b", "c", "d", "e", "f", "g"} {
		l.allow(k)
	}
	if len(l.buckets) > 4 {
		t.Fatalf("%d buckets kept", len(l.buckets))
	}
	if limitKey("2001:db8:1:2:3:4:5:6") != limitKey("2001:db8:1:2:ffff::1") || limitKey("192.0.2.1") != "192.0.2.1" {
		t.Fatal("IPv6 addresses of one /64 must share a bucket")
	}
}

func TestAcceptLanguage(t *testing.T) {
	for h, want := range map[string]string{
		"":                         "",
		"en":                       "en",
		"nl-BE,nl;q=0.9,en;q=0.8":  "nl",
		"fr, en;q=0.5, nl;q=0.7":   "nl",
		"EN-us":                    "en",
		"en;q=0, nl;q=0.1":         "nl",
		"de, fr":                   "",
		"en;q=garbage, nl;q=0.001": "nl",
	} {
		if got := fromAcceptLanguage(h); got != want {
			t.Errorf("%q: %q, want %q", h, got, want)
		}
	}
}

func TestCatalogue(t *testing.T) {
	verbs := regexp.MustCompile(`%[dsv]`)
	for k, m := range messages {
		if strings.TrimSpace(m[0]) == "" || strings.TrimSpace(m[1]) == "" {
			t.Errorf("%s: empty translation", k)
		}
		if a, b := verbs.FindAllString(m[0], -1), verbs.FindAllString(m[1], -1); strings.Join(a, "") != strings.Join(b, "") {
			t.Errorf("%s: verbs differ: %v vs %v", k, a, b)
		}
	}
	for _, c := range accounts.Countries {
		if !hasMessage("country." + c) {
			t.Errorf("country %s has no name", c)
		}
	}
	// Every key a template names exists (keys built at run time are covered by the
	// client's check for untranslated text on every page it loads).
	used := regexp.MustCompile(`\.T "([a-z0-9_.]+)"`)
	entries, _ := templateFS.ReadDir("templates")
	for _, en := range entries {
		b, _ := templateFS.ReadFile("templates/" + en.Name())
		for _, m := range used.FindAllStringSubmatch(string(b), -1) {
			if !hasMessage(m[1]) {
				t.Errorf("%s: unknown key %s", en.Name(), m[1])
			}
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	db := openSQLite(t)
	e := newEnv(t, db, Config{})
	for _, d := range []Deps{
		{},
		{DB: db, Clock: e.clk, Accounts: e.acc, Config: Config{TrustedProxies: []string{"not a cidr"}}},
		{DB: db, Clock: e.clk, Accounts: e.acc, Config: Config{BaseURL: "portal.example"}},
	} {
		if _, err := New(d); err == nil {
			t.Errorf("New(%+v) accepted", d.Config)
		}
	}
	if _, err := New(Deps{DB: db, Clock: e.clk, Accounts: e.acc, Logger: slog.Default()}); err != nil {
		t.Fatal(err)
	}
}

func TestTrustedProxyReachesTheAPI(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	var remote string
	var actor audit.Actor
	h, err := New(Deps{DB: e.db, Clock: e.clk, Accounts: e.acc, Config: Config{TrustedProxies: []string{"10.0.0.0/8"}},
		API: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			remote, actor = r.RemoteAddr, audit.ActorFrom(r.Context())
		})})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h
	c := e.client()
	c.ip = "10.1.2.3"
	c.header.Set("X-Forwarded-For", "203.0.113.9")
	c.get("/api/v1/customers")
	if !strings.HasPrefix(remote, "203.0.113.9:") || actor.IP != "203.0.113.9" {
		t.Fatalf("API saw %q, actor %+v", remote, actor)
	}
}
