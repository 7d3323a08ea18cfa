package web

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/backup"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/support"
)

// isolationRoutes lists every portal route that takes an object id, with the kind of
// object the id names. TestEveryIDRouteIsInTheIsolationTable fails when a route is added
// without adding it here.
var isolationRoutes = []struct {
	pattern string
	object  string // "user", "token", "contract", "subscription", "quote", "invoice", "customer", "service", "domain", "zone", "backup", "ticket", "announcement" or "breach"
	form    url.Values
}{
	{"GET /portal/users/{id}", "user", nil},
	{"POST /portal/users/{id}/permissions", "user", url.Values{"permissions": {"users", "billing", "technical"}}},
	{"GET /portal/users/{id}/reset-mfa", "user", nil},
	{"POST /portal/users/{id}/reset-mfa", "user", nil},
	{"GET /portal/users/{id}/disable", "user", nil},
	{"POST /portal/users/{id}/disable", "user", nil},
	{"GET /portal/users/{id}/enable", "user", nil},
	{"POST /portal/users/{id}/enable", "user", nil},
	{"GET /portal/tokens/{id}/revoke", "token", nil},
	{"POST /portal/tokens/{id}/revoke", "token", nil},
	{"GET /portal/contracts/{id}", "contract", nil},
	{"GET /portal/contracts/{id}/withdraw", "contract", nil},
	{"POST /portal/contracts/{id}/withdraw", "contract", nil},
	{"GET /portal/subscriptions/{id}/cancel", "subscription", nil},
	{"POST /portal/subscriptions/{id}/cancel", "subscription", url.Values{"expect_ends_on": {""}}},
	{"GET /portal/subscriptions/{id}/cancelled", "subscription", nil},
	{"GET /portal/subscriptions/{id}/uncancel", "subscription", nil},
	{"POST /portal/subscriptions/{id}/uncancel", "subscription", nil},
	{"GET /portal/quotes/{id}", "quote", nil},
	{"GET /portal/quotes/{id}/pdf", "quote", nil},
	{"POST /portal/quotes/{id}/accept", "quote", url.Values{"idempotency_key": {"isolation-test-key-1"}}},
	{"GET /portal/quotes/{id}/decline", "quote", nil},
	{"POST /portal/quotes/{id}/decline", "quote", url.Values{"reason": {"te duur"}}},
	{"GET /portal/invoices/{id}", "invoice", nil},
	{"GET /portal/invoices/{id}/pdf", "invoice", nil},
	{"GET /portal/invoices/{id}/ubl", "invoice", nil},
	{"POST /portal/invoices/{id}/pay", "invoice", nil},
	{"GET /portal/customers/{id}", "customer", nil},
	{"GET /portal/customers/{id}/users/new", "customer", nil},
	{"POST /portal/customers/{id}/users/new", "customer", url.Values{"name": {"Indringer"}, "email": {"indringer@example.test"}}},
	{"POST /portal/customers/{id}/act", "customer", nil},
	{"GET /portal/availability/{id}/{month}", "subscription", nil},
	{"POST /portal/availability/{id}/{month}/claim", "subscription", url.Values{"message": {"storing"}}},
	{"GET /portal/services/{id}", "service", nil},
	{"POST /portal/services/{id}/credentials", "service", nil},
	{"GET /portal/services/{id}/reset", "service", nil},
	{"POST /portal/services/{id}/reset", "service", nil},
	{"POST /portal/services/{id}/panel", "service", nil},
	{"GET /portal/domains/{id}", "domain", nil},
	{"POST /portal/domains/{id}/token", "domain", nil},
	{"POST /portal/domains/{id}/transfer", "domain", url.Values{"auth_code": {"GESTOLEN"}}},
	// DNS zones: TestDNSIsolation (dns_pages_test.go) asks them for another's zone.
	{"GET /portal/dns/{id}", "zone", nil},
	{"GET /portal/dns/{id}/edit", "zone", nil},
	{"GET /portal/dns/{id}/delete", "zone", nil},
	{"POST /portal/dns/{id}/preview", "zone", nil},
	{"POST /portal/dns/{id}/apply", "zone", nil},
	{"GET /portal/dns/{id}/dnssec", "zone", nil},
	{"POST /portal/dns/{id}/dnssec", "zone", nil},
	{"GET /portal/backups/{id}", "backup", nil},
	{"GET /portal/backups/{id}/restore", "backup", nil},
	{"POST /portal/backups/{id}/restore", "backup", nil},
	{"GET /portal/tickets/{id}", "ticket", nil},
	{"POST /portal/tickets/{id}/reply", "ticket", url.Values{"body": {"ik lees mee"}}},
	{"GET /portal/tickets/{id}/close", "ticket", nil},
	{"POST /portal/tickets/{id}/close", "ticket", nil},
	{"GET /portal/tickets/{id}/file", "ticket", nil},
	{"POST /portal/privacy/announcements/{id}/object", "announcement", url.Values{"reason": {"indringer"}}},
	{"POST /portal/privacy/breaches/{id}/decision", "breach", url.Values{"authority": {"notify"}, "subjects": {"notify"}}},
	{"GET /portal/privacy/audits/{id}", "audit", nil},
	{"POST /portal/privacy/audits/{id}/justify", "audit", url.Values{"insufficiency": {"indringer"}}},
	{"GET /portal/privacy/audits/{id}/withdraw", "audit", nil},
	{"POST /portal/privacy/audits/{id}/withdraw", "audit", nil},
	{"GET /portal/privacy/audits/{id}/file", "audit", nil},
	{"GET /portal/abuse/{id}", "abuse", nil},
	{"POST /portal/abuse/{id}", "abuse", url.Values{"answer": {"niet van ons"}}},
	// The evidence download is a staff route; a customer (even the one the notice is
	// about) must not fetch it (TestAbuseEvidenceDownload also tries it with a file id).
	{"GET /staff/abuse/{id}/file", "abuse", nil},
	{"GET /portal/usage/{id}", "service", nil},
	{"GET /portal/usage/{id}/mode", "service", nil},
	{"POST /portal/usage/{id}/mode", "service", url.Values{"mode": {"raise"}}},
}

func TestEveryIDRouteIsInTheIsolationTable(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	listed := map[string]bool{}
	for _, r := range isolationRoutes {
		listed[r.pattern] = true
	}
	for _, p := range e.srv.patterns {
		if strings.Contains(p, " /portal/") && strings.Contains(p, "{id}") && !listed[p] {
			t.Errorf("route %q takes an id but is not in isolationRoutes", p)
		}
	}
}

// tenantB is everything of customer B that customer A must not reach.
type tenantB struct {
	org    accounts.Organisation
	admin  accounts.User
	sub    accounts.User
	tokens []accounts.APIToken
	con    contracts.Contract
	quote  contracts.Quote
	inv    billing.Invoice
	svc    int64 // the service of B's subscription on a server
	domain int64 // B's domain name
	bk     int64 // that service's backups
	ticket int64 // a ticket of B's
	// ann and breach are B's subprocessor announcement and breach notice (issue 12).
	ann    int64
	breach int64
	notice int64 // a notice about B's service, forwarded to B
	audit  int64 // B's audit request, the reports offered (cp.dpa.11.2)
}

func (e *env) snapshotB(b tenantB) any {
	e.t.Helper()
	org, err := e.acc.GetOrganisation(e.ctx, e.admin(), b.org.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	users, err := e.acc.ListUsers(e.ctx, e.admin(), b.org.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	tokens, err := e.acc.ListAPITokens(e.ctx, e.customerPrincipal(b.admin))

	if err != nil {
		e.t.Fatal(err)
	}
	cs, _, err := e.con.ListContracts(e.ctx, e.admin(), contracts.ContractFilter{OrgID: b.org.ID}, contracts.Page{Limit: contracts.MaxLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	qs, _, err := e.con.ListQuotes(e.ctx, e.admin(), contracts.QuoteFilter{OrgID: b.org.ID}, contracts.Page{Limit: contracts.MaxLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	invs, _, err := e.bill.ListInvoices(e.ctx, e.admin(), billing.InvoiceFilter{OrgID: b.org.ID}, billing.Page{})
	if err != nil {
		e.t.Fatal(err)
	}
	online, err := e.pay.OnlinePayments(e.ctx, e.admin(), b.inv.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	credit, err := e.bill.CreditBalance(e.ctx, e.admin(), b.org.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	svc, err := e.prov.Service(e.ctx, e.provStaff(), b.svc)
	if err != nil {
		e.t.Fatal(err)
	}
	dom, err := e.doms.Get(e.ctx, e.admin(), b.domain)
	if err != nil {
		e.t.Fatal(err)
	}
	restores, err := e.bk.Restores(e.ctx, e.provStaff(), b.org.ID, backup.Page{})
	if err != nil {
		e.t.Fatal(err)
	}
	tk, msgs, err := e.sup.Get(e.ctx, e.admin(), b.ticket)
	if err != nil {
		e.t.Fatal(err)
	}
	anns, err := e.priv.Announcements(e.ctx, e.admin(), b.org.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	breaches, err := e.priv.BreachNotices(e.ctx, e.admin(), b.org.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	notice, err := e.srv.abuse.Get(e.ctx, accounts.Principal{User: accounts.User{ID: -2, Email: "desk@test", Roles: []accounts.Role{accounts.RoleAbuse}}}, b.notice)
	if err != nil {
		e.t.Fatal(err)
	}
	use, err := e.usage.ServiceMonths(e.ctx, e.provStaff(), b.svc, 1)
	if err != nil {
		e.t.Fatal(err)
	}
	audits, err := e.priv.Audits(e.ctx, e.admin(), b.org.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return []any{org, users, tokens, cs, qs, invs, online, credit, svc, dom, restores, tk, msgs, anns, breaches, notice, use, audits}
}

func TestTenantIsolation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		var b tenantB
		b.org, b.admin = e.customer("Slagerij Bos", "gert@slagerijbos.test")
		bp := e.customerPrincipal(b.admin)
		var err error
		if b.sub, err = e.acc.CreateUser(e.ctx, bp, accounts.UserInput{OrgID: b.org.ID, Email: "kees@slagerijbos.test",
			Name: "Kees Bos", Language: "nl", Password: testPW, Permissions: []accounts.Permission{accounts.PermBilling}}); err != nil {
			t.Fatal(err)
		}
		if err := e.acc.SetTOTPSecretForDemo(e.ctx, b.sub.ID, staffSecret); err != nil {
			t.Fatal(err)
		}
		// Tokens are made by signed-in people only, so B's admin makes them in the portal.
		bc := e.client()
		bc.ip = "203.0.113.5"
		bc.login("gert@slagerijbos.test", "", "/portal/")
		for _, name := range []string{"Kassa", "Website"} {
			bc.expect(bc.post("/portal/tokens", url.Values{"name": {name}, "scopes": {"read"}, "expires_in_days": {"30"}}), http.StatusOK, "")
		}
		if b.tokens, err = e.acc.ListAPITokens(e.ctx, bp); err != nil || len(b.tokens) != 2 {
			t.Fatalf("B's tokens: %v %v", b.tokens, err)
		}
		// B holds a contract (ordered in the portal's way, through the service) and a
		// quote it was sent.
		e.seedCatalog()
		b.con = e.order(bp, "webhosting", "start", "")
		// … which runs on a server, its credentials waiting to be shown.
		e.provServer("web01.ams", "Amsterdam", 10)
		b.svc = e.provision(b.con.Subscriptions[0]).ID
		// … and is backed up.
		b.bk = e.backedUp(b.svc).ID
		// … and metered.
		e.meter(b.svc, e.clk.Now().Add(-time.Hour), 3, 1)
		// … and an invoice for it, from the billing run.
		if _, err := e.bill.RunBilling(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		invs, _, err := e.bill.ListInvoices(e.ctx, bp, billing.InvoiceFilter{}, billing.Page{})
		if err != nil || len(invs) != 1 {
			t.Fatalf("B's invoices: %v %v", invs, err)
		}
		b.inv = invs[0]
		if _, err := e.pay.CreateMandate(e.ctx, e.admin(), payments.MandateInput{OrgID: b.org.ID, SignedOn: e.srv.today(),
			DebtorName: "Slagerij Bos", IBAN: "NL02ABNA0123456789"}); err != nil {
			t.Fatal(err)
		}
		b.quote = e.sentQuote(b.org.ID, "Maatwerk Bos")
		b.domain = e.domainOrder(b.org, b.admin, "slagerijbos.nl").ID
		tk, err := e.sup.Open(e.ctx, bp, support.OpenInput{OrgID: b.org.ID, Subject: "Vraag van Slagerij Bos", Body: "Kassa werkt niet"})
		if err != nil {
			t.Fatal(err)
		}
		b.ticket = tk.ID
		b.ann, b.breach = e.privacyNoticesFor(b.org.ID, b.con.Subscriptions[0].ID)
		b.notice = e.noticeAbout(b.svc, "slagerijbos-shop.nl")
		b.audit = e.auditFor(b.admin)
		before := e.snapshotB(b)

		ids := map[string][]int64{"user": {b.admin.ID, b.sub.ID}, "token": {b.tokens[0].ID, b.tokens[1].ID},
			"contract": {b.con.ID}, "subscription": {b.con.Subscriptions[0].ID}, "quote": {b.quote.ID}, "invoice": {b.inv.ID},
			"customer": {b.org.ID}, "service": {b.svc}, "domain": {b.domain}, "backup": {b.bk}, "ticket": {b.ticket}, "announcement": {b.ann}, "breach": {b.breach}, "abuse": {b.notice}, "audit": {b.audit}}
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		// A's admin holds a token too, so A's own pages are not trivially empty.
		c.expect(c.post("/portal/tokens", url.Values{"name": {"Eigen sleutel"}, "scopes": {"read"}, "expires_in_days": {"30"}}), http.StatusOK, "")
		for _, rt := range isolationRoutes {
			method, path, _ := strings.Cut(rt.pattern, " ")
			for _, id := range ids[rt.object] {
				target := strings.Replace(path, "{id}", fmt.Sprint(id), 1)
				var r resp
				if method == http.MethodPost {
					r = c.post(target, rt.form)
				} else {
					r = c.get(target)
				}
				if r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
					t.Errorf("%s %s by customer A: status %d, want 403 or 404", method, target, r.Code)
				}
				lacks(t, r.Body, "slagerijbos.test", "Kees Bos", "Kassa", "Slagerij Bos", "Maatwerk Bos", b.inv.Number)
				if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || r.Header.Get("Content-Disposition") != "" {
					t.Errorf("%s %s by customer A: answered %q %q, want an HTML error page", method, target, ct, r.Header.Get("Content-Disposition"))
				}
			}
		}
		if after := e.snapshotB(b); !reflect.DeepEqual(before, after) {
			t.Fatalf("customer B changed:\nbefore %+v\nafter  %+v", before, after)
		}

		// A's own pages list nothing of B.
		for _, path := range []string{"/portal/", "/portal/users", "/portal/tokens", "/portal/activity", "/portal/profile", "/portal/allowlist",
			"/portal/contracts", "/portal/quotes", "/portal/catalog", "/portal/invoices", "/portal/invoices?status=open", "/portal/mandates", "/portal/availability", "/portal/services", "/portal/backups", "/portal/abuse", "/portal/usage"} {
			r := c.get(path)
			c.expect(r, http.StatusOK, "")
			lacks(t, r.Body, "Slagerij Bos", "slagerijbos.test", "Kees Bos", "Kassa", "Maatwerk Bos", "Contract "+itoa(b.con.ID), b.inv.Number,
				"NL02ABNA0123456789")
		}
		contains(t, c.get("/portal/tokens").Body, "Eigen sleutel")
	})
}
