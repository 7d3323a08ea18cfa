package web

import (
	"bytes"
	"context"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/backup"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/compensation"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/disclosure"
	dnssvc "github.com/hostpact/hostpact/internal/dns"
	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/domains"
	"github.com/hostpact/hostpact/internal/domains/domainstest"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/newsletter"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/onetime"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/signup"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/support"
	"github.com/hostpact/hostpact/internal/terms"
	"github.com/hostpact/hostpact/internal/usage"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

const (
	testPW      = "Sterk-Wachtw00rd!"
	staffSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
)

// lightArgon keeps password hashing cheap in tests.
var lightArgon = accounts.Argon2Params{Memory: 64, Time: 1, Threads: 1}

type env struct {
	t    *testing.T
	db   *store.DB
	clk  *clock.Fake
	keys *secrets.Keyring // the secret key: mail with one-time links is sealed with it
	acc  *accounts.Service
	cat  *catalog.Service
	con  *contracts.Service
	// bill, pay and dun are the real billing, payments and dunning services, wired as
	// internal/app wires them (the adapters are in billing_helpers_test.go); psp is
	// the demo payment provider.
	bill *billing.Service
	pay  *payments.Service
	dun  *dunning.Service
	psp  *payments.DemoProvider
	docs *documents.Service
	// mon and stat are the real monitor and status services (status reads the
	// monitor's servers and placements, as internal/app wires them).
	mon  *monitor.Service
	stat *status.Service
	// comp is the SLA service; slaMon feeds it checks (sla_test.go).
	comp   *compensation.Service
	slaMon *slaMonitor
	// prov is the provisioning service with the page tests' driver types, whose
	// servers are servers (provision_helpers_test.go).
	prov    *provision.Service
	servers *pageServers
	// dreg is the in-memory registry behind doms (domains_test.go).
	dreg  *domainstest.Registry
	doms  *domains.Service
	h     http.Handler
	srv   *server
	ctx   context.Context
	log   *syncBuffer
	zones *dnssvc.Service // DNS zones on the demo's stand-in server (dns_pages_test.go)
	// bk is the backup service over the demo engine (backups_pages_test.go).
	bk *backup.Service
	// sup is the support desk (support_test.go).
	sup *support.Service
	// priv is the privacy service with the adapters of privacy_helpers_test.go.
	priv *privacy.Service
	news *newsletter.Service
	// usage meters the page tests' services (usage_pages_test.go).
	usage *usage.Service
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var schemas = []store.Schema{audit.Schema, notify.Schema, accounts.Schema, catalog.Schema, contracts.Schema,
	billing.Schema, payments.Schema, dunning.Schema, documents.Schema, monitor.Schema, status.Schema, compensation.Schema, signup.Schema,
	provision.Schema, onetime.Schema, domains.Schema, dnssvc.Schema, backup.Schema, files.Schema, support.Schema, privacy.Schema, abuse.Schema, disclosure.Schema, usage.Schema, newsletter.Schema}

// each runs fn on SQLite and, when HOSTPACT_TEST_POSTGRES is set, PostgreSQL, with a
// web handler in demo mode on a fake clock.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	eachWith(t, Config{Demo: true, ProviderName: "Cloud Provider", BaseURL: "https://portal.example"}, fn)
}

func eachWith(t *testing.T, cfg Config, fn func(t *testing.T, e *env)) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		fn(t, newEnv(t, db, cfg))
	}, schemas...)
}

func newEnv(t *testing.T, db *store.DB, cfg Config) *env {
	t.Helper()
	return newEnvPack(t, db, cfg, "cloudprovider")
}

// newEnvPack is newEnv for the provider whose terms are the policy pack packName.
func newEnvPack(t *testing.T, db *store.DB, cfg Config, packName string) *env {
	t.Helper()
	clk := clock.NewFake(t0)
	keys := secrets.Ephemeral()
	acc := accounts.New(db, clk, accounts.Config{BaseURL: "https://portal.example", ProviderName: "Cloud Provider",
		TOTPIssuer: "Cloud Provider", Argon2: lightArgon, Keys: keys})
	logs := &syncBuffer{}
	pack, err := terms.LoadPack(packName)
	if err != nil {
		t.Fatal(err)
	}
	cat := catalog.New(db, clk)
	con := contracts.New(db, clk, contracts.Deps{Pack: pack, Plans: cat, Customers: acc, BaseURL: "https://portal.example/"})
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	bill, pay, dun, psp := billingServices(db, clk, pack, acc, con, logger)
	docs := documents.New(db, clk, documents.Config{BaseURL: "https://portal.example"})
	mon := monitor.New(db, clk, monitor.Deps{Pack: pack, Keys: keys, Logger: logger})
	stat := status.New(db, clk, status.Deps{Pack: pack, Monitor: mon, Keys: keys, BaseURL: "https://portal.example", Logger: logger})
	slaMon := &slaMonitor{}
	comp := compensation.New(db, clk, compensation.Deps{Pack: pack, Monitor: slaMon, Billing: bill,
		Subscriptions: compensation.Contracts{Pack: pack}, Logger: logger})
	servers := newPageServers()
	prov := provision.New(db, clk, provision.Deps{Keys: keys, Types: servers.types(), Plans: cat, Monitor: mon, Logger: logger})
	dreg, doms := domainServices(db, clk, keys, acc, con, pack)
	zones := dnssvc.New(db, clk, dnssvc.Deps{Keys: keys, Customers: acc, Monitor: mon, Logger: logger})
	bk := backup.New(db, clk, backup.Deps{Keys: keys, Pack: pack, Engine: &backup.DemoEngine{}, Source: backup.DemoSource{}, Logger: logger})
	us := usage.New(db, clk, usage.Deps{Pack: pack, Directory: testUsageDirectory{db: db, prov: prov, cat: cat}, BaseURL: "https://portal.example", Logger: logger})
	sup := support.New(db, clk, support.Deps{Pack: pack, Users: acc, Address: "support@cloudprovider.test", PortalURL: "https://portal.example"})
	d := Deps{DB: db, Clock: clk, Accounts: acc, Config: cfg, Catalog: cat, Contracts: con, Pack: pack,
		Billing: bill, Payments: pay, Dunning: dun, DemoPSP: psp, Logger: logger, Documents: docs, Status: stat, Monitor: mon, Compensation: comp,
		Provision: prov, Secrets: onetime.New(db, clk, keys, pack, "https://portal.example"), Domains: doms, DNS: zones, Backup: bk, Support: sup, Usage: us}
	priv := newTestPrivacy(db, clk, pack, mon, logger)
	d.Privacy = priv
	abuseDesk := abuse.New(db, clk, abuse.Deps{Pack: pack, Locator: abuse.SQLLocator{}, Customers: pageAbuseCustomers{}, Blocker: prov,
		DeskEmail: "abuse@provider.example", BaseURL: "https://portal.example", Provider: "Cloud Provider", Logger: logger})
	disc := disclosure.New(db, clk, disclosure.Deps{Pack: pack, DeskEmail: "security@provider.example", BaseURL: "https://portal.example",
		Provider: "Cloud Provider", Logger: logger})
	d.Abuse, d.Disclosure, d.SecurityContact = abuseDesk, disc, "security@provider.example"
	news, err := newsletter.New(db, clk, newsletter.Config{BaseURL: "https://portal.example", TokenKey: []byte("test newsletter token key 32 byt"),
		UnsubscribeMailbox: "unsubscribe@portal.example", BatchSize: 400})
	if err != nil {
		t.Fatal(err)
	}
	d.Newsletter = news
	srv, h, err := build(d)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, clk: clk, keys: keys, acc: acc, cat: cat, con: con, bill: bill, pay: pay, dun: dun, psp: psp, docs: docs, mon: mon, stat: stat, comp: comp, slaMon: slaMon, prov: prov, servers: servers, dreg: dreg, doms: doms, zones: zones, bk: bk, h: h, srv: srv, ctx: audit.WithActor(context.Background(), audit.System("test")), log: logs, sup: sup, priv: priv, usage: us, news: news}
	t.Cleanup(func() {
		if t.Failed() {
			lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
			t.Logf("server log (last lines):\n%s", strings.Join(lines[max(0, len(lines)-15):], "\n"))
		}
	})
	return e
}

// staff creates a staff user with TOTP set up (secret staffSecret).
func (e *env) staff(email string, roles ...accounts.Role) accounts.User {
	e.t.Helper()
	u := e.staffNoMFA(email, roles...)
	if err := e.acc.SetTOTPSecretForDemo(e.ctx, u.ID, staffSecret); err != nil {
		e.t.Fatal(err)
	}
	u.MFAEnabled = true
	return u
}

func (e *env) staffNoMFA(email string, roles ...accounts.Role) accounts.User {
	e.t.Helper()
	if len(roles) == 0 {
		roles = []accounts.Role{accounts.RoleAdmin}
	}
	u, err := e.acc.CreateUserCLI(e.ctx, accounts.UserInput{Email: email, Name: "Staff " + email, Language: "nl",
		Password: testPW, Roles: roles})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// admin returns a principal for an administrator, creating one on first use.
func (e *env) admin() accounts.Principal {
	e.t.Helper()
	u, err := e.acc.FindUserByEmail(e.ctx, "root@provider.test")
	if err != nil {
		u = e.staffNoMFA("root@provider.test")
	}
	return accounts.Principal{User: u}
}

// customer creates a business customer with an admin user (password testPW).
func (e *env) customer(name, adminEmail string) (accounts.Organisation, accounts.User) {
	e.t.Helper()
	org, err := e.acc.CreateOrganisation(e.ctx, e.admin(), accounts.OrganisationInput{
		Kind: accounts.Business, LegalName: name, ContactName: "Contact " + name, Email: adminEmail,
		Language: "nl", KvK: "12345678",
		PostalAddress: accounts.Address{Street: "Stationsplein 1", PostalCode: "3511 AB", City: "Utrecht", Country: "NL"},
	}, &accounts.UserInput{Email: adminEmail, Name: "Admin " + name, Language: "nl", Password: testPW})
	if err != nil {
		e.t.Fatal(err)
	}
	u, err := e.acc.FindUserByEmail(e.ctx, adminEmail)
	if err != nil {
		e.t.Fatal(err)
	}
	return org, u
}

// customerPrincipal acts as a customer user directly, without a session.
func (e *env) customerPrincipal(u accounts.User) accounts.Principal {
	e.t.Helper()
	org, err := e.acc.GetOrganisation(e.ctx, e.admin(), u.OrgID)
	if err != nil {
		e.t.Fatal(err)
	}
	return accounts.Principal{User: u, Org: &org}
}

func (e *env) orgCount() int {
	e.t.Helper()
	_, n, err := e.acc.ListOrganisations(e.ctx, e.admin(), accounts.OrgFilter{PerPage: 1})
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) code(secret string) string {
	e.t.Helper()
	c, err := totp.GenerateCode(secret, e.clk.Now())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// client is a browser against the handler: it keeps cookies, sends same-origin fetch
// metadata on POSTs like a browser does, and follows no redirects by itself.
type client struct {
	e       *env
	t       *testing.T
	cookies map[string]string
	ip      string
	header  http.Header
}

func (e *env) client() *client {
	return &client{e: e, t: e.t, cookies: map[string]string{}, ip: "192.0.2.10", header: http.Header{}}
}

type resp struct {
	Code   int
	Body   string
	Header http.Header
	Cookie map[string]*http.Cookie
}

func (r resp) Location() string { return r.Header.Get("Location") }

func (c *client) do(req *http.Request) resp {
	c.t.Helper()
	req.RemoteAddr = c.ip + ":40000"
	for k, vs := range c.header {
		req.Header[k] = vs
	}
	for name, v := range c.cookies {
		req.AddCookie(&http.Cookie{Name: name, Value: v})
	}
	rec := httptest.NewRecorder()
	c.e.h.ServeHTTP(rec, req)
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	out := resp{Code: res.StatusCode, Body: string(body), Header: res.Header, Cookie: map[string]*http.Cookie{}}
	for _, ck := range res.Cookies() {
		out.Cookie[ck.Name] = ck
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck.Value
		}
	}
	if strings.Contains(out.Body, "⟦") {
		c.t.Errorf("%s %s: page has an untranslated key: %s", req.Method, req.URL, regexp.MustCompile(`⟦[^⟧]*⟧`).FindString(out.Body))
	}
	return out
}

func (c *client) get(path string) resp {
	c.t.Helper()
	return c.do(httptest.NewRequest(http.MethodGet, path, nil))
}

func (c *client) post(path string, form url.Values) resp {
	c.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

// expect checks a response's status and, for redirects, where it leads.
func (c *client) expect(r resp, code int, location string) {
	c.t.Helper()
	if r.Code != code {
		c.t.Fatalf("status %d, want %d (Location %q)\n%s", r.Code, code, r.Location(), excerpt(r.Body))
	}
	if location != "" && r.Location() != location {
		c.t.Fatalf("redirect to %q, want %q", r.Location(), location)
	}
}

func excerpt(body string) string {
	if i := strings.Index(body, `<main`); i >= 0 {
		body = body[i:]
	}
	if len(body) > 3000 {
		body = body[:3000]
	}
	return body
}

// login signs in with a password and, when secret is set, the TOTP step, and checks
// that the user lands on home.
func (c *client) login(email, secret, home string) {
	c.t.Helper()
	r := c.post("/login", url.Values{"email": {email}, "password": {testPW}})
	c.expect(r, http.StatusSeeOther, "/")
	if secret != "" {
		c.expect(c.get("/"), http.StatusSeeOther, "/login/mfa")
		c.expect(c.post("/login/mfa", url.Values{"code": {c.e.code(secret)}}), http.StatusSeeOther, "/")
		// A TOTP code works once; the next sign-in in the same test needs the next one.
		c.e.clk.Advance(30 * time.Second)
	}
	c.expect(c.get("/"), http.StatusSeeOther, home)
}

func (c *client) logout() {
	c.t.Helper()
	c.expect(c.post("/logout", nil), http.StatusSeeOther, "/login")
}

// hidden returns the value of a hidden (or any) input named name on the page.
func hidden(body, name string) string {
	m := regexp.MustCompile(`name="` + regexp.QuoteMeta(name) + `" value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

func contains(t *testing.T, body string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("page lacks %q\n%s", w, excerpt(body))
		}
	}
}

func lacks(t *testing.T, body string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(body, w) {
			t.Errorf("page shows %q but must not", w)
		}
	}
}

// fieldError asserts that the page marks field name invalid and shows a message beside it.
func fieldError(t *testing.T, body, name string) {
	t.Helper()
	id := fieldID(name)
	if !regexp.MustCompile(`id="` + id + `"[^>]*aria-invalid="true"`).MatchString(body) {
		t.Errorf("field %s is not marked aria-invalid\n%s", name, excerpt(body))
	}
	if !strings.Contains(body, `id="`+id+`-error"`) {
		t.Errorf("field %s has no error message", name)
	}
}

func openSQLite(t *testing.T) *store.DB {
	t.Helper()
	return storetest.Open(t, store.SQLite, schemas...)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func mustPrefix(s string) netip.Prefix { return netip.MustParsePrefix(s) }
