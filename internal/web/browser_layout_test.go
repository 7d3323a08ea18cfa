package web

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/disclosure"
	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/newsletter"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/terms"
	"github.com/hostpact/hostpact/internal/web/browsertest"
)

// layoutWidths are the screens every page must fit (issue 9, pages that work on a
// phone): a 390 × 844 phone and a 1280 × 800 desktop.
var layoutWidths = [][2]int64{{390, 844}, {1280, 800}}

// layoutLogin is one person the layout test signs in as, with the ids that the
// person's {id} routes open: keyed by the path up to the placeholder
// ("/portal/invoices/") or, for any path, by the placeholder ("{version}").
type layoutLogin struct {
	who, email string
	totp       bool
	ids        map[string]string
}

// layoutWorld seeds a provider like the demo's (internal/demo cannot be used here: it
// imports internal/app, which imports this package): staff in every role, a consumer,
// a business with an administrative user and a billing sub-user, a reseller with a
// customer of its own; contracts, invoices, quotes, a mandate, refunds (one paid out
// in a file, one open), unmatched bank payments, API tokens and every published
// document. Names, domains and IBANs are as long as real ones.
func layoutWorld(t *testing.T, e *env) (staff, customers []layoutLogin) {
	t.Helper()
	admin := e.admin()
	e.seedCatalog()
	today := e.srv.today()
	var staffIDs []int64
	for _, r := range accounts.Roles {
		u := e.staff(string(r)+"@cloudprovider.test", r)
		staffIDs = append(staffIDs, u.ID)
		staff = append(staff, layoutLogin{who: "staff " + string(r), email: u.Email, totp: true})
	}

	newOrg := func(in accounts.OrganisationInput, user string) (accounts.Organisation, accounts.User) {
		t.Helper()
		in.ContactName, in.Language = user, "nl"
		org, err := e.acc.CreateOrganisation(e.ctx, admin, in, &accounts.UserInput{Email: in.Email, Name: user, Language: "nl", Password: testPW})
		if err != nil {
			t.Fatal(err)
		}
		u, err := e.acc.FindUserByEmail(e.ctx, in.Email)
		if err != nil {
			t.Fatal(err)
		}
		return org, u
	}
	addr := accounts.Address{Street: "Burgemeester van Roijensingel 112", PostalCode: "8011 CZ", City: "Zwolle", Country: "NL"}
	consumer, jan := newOrg(accounts.OrganisationInput{Kind: accounts.Consumer, LegalName: "Jan de Vries", Email: "jan@devries.test",
		Phone: "+31 6 12345678", PostalAddress: addr}, "Jan de Vries")
	business, marieke := newOrg(accounts.OrganisationInput{Kind: accounts.Business, LegalName: "Bakkerij en Banketbakkerij Jansen-Verhoeven B.V.",
		Email: "marieke@bakkerijjansen.test", Phone: "+31 30 2345678", PostalAddress: addr, KvK: "30123456", VATID: "NL123456782B01"}, "Marieke Jansen")
	piet, err := e.acc.CreateUser(e.ctx, admin, accounts.UserInput{OrgID: business.ID, Email: "piet@bakkerijjansen.test", Name: "Piet Jansen",
		Language: "nl", Password: testPW, Permissions: []accounts.Permission{accounts.PermBilling}})
	if err != nil {
		t.Fatal(err)
	}
	reseller, lotte := newOrg(accounts.OrganisationInput{Kind: accounts.Business, LegalName: "WebBouwers B.V.", Email: "info@webbouwers.test",
		PostalAddress: addr, KvK: "24123456", IsReseller: true}, "Lotte Bakker")
	fietsen, _ := newOrg(accounts.OrganisationInput{Kind: accounts.Business, LegalName: "Fietsenmaker Pietersen", Email: "henk@fietsenpietersen.test",
		PostalAddress: addr, KvK: "02123456", ResellerID: reseller.ID}, "Henk Pietersen")

	orders := map[int64][][3]string{
		consumer.ID: {{"webhosting", "pro", "devries-fotografie-en-reisverhalen.nl"}, {"domains", "nl", "janvries.nl"}},
		business.ID: {{"vps", "m", "vps1.bakkerijjansen-verhoeven.nl"}, {"vps-backup", "m", "vps1.bakkerijjansen-verhoeven.nl"},
			{"email", "plus", "bakkerijjansen-verhoeven.nl"}},
		reseller.ID: {{"webhosting", "business", "webbouwers.nl"}},
	}
	users := map[int64]accounts.User{consumer.ID: jan, business.ID: marieke, reseller.ID: lotte}
	type held struct{ contract, subscription, quote string }
	holds := map[int64]held{}
	for _, org := range []accounts.Organisation{consumer, business, reseller} {
		var c held
		for i, l := range orders[org.ID] {
			con := e.order(e.customerPrincipal(users[org.ID]), l[0], l[1], l[2])
			if i == 0 {
				c.contract, c.subscription = itoa(con.ID), itoa(con.Subscriptions[0].ID)
			}
		}
		c.quote = itoa(e.sentQuote(org.ID, "Nieuwe website met webwinkel en koppeling met het kassasysteem").ID)
		holds[org.ID] = c
	}
	if _, err := e.bill.RunBilling(e.ctx, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	invoiceOf := func(orgID int64) string {
		t.Helper()
		list, _, err := e.bill.ListInvoices(e.ctx, admin, billing.InvoiceFilter{OrgID: orgID}, billing.Page{})
		if err != nil || len(list) == 0 {
			t.Fatalf("invoices of %d: %v %v", orgID, list, err)
		}
		return itoa(list[0].ID)
	}

	mandate, err := e.pay.CreateMandate(e.ctx, admin, payments.MandateInput{OrgID: business.ID, SignedOn: today,
		DebtorName: business.LegalName, IBAN: "NL02ABNA0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	// Two charges paid 10.00 too much by a customer with nothing else open: the first
	// refund goes out in a transfer file, the second stays open.
	overpay := func(n int) {
		t.Helper()
		inv, err := e.bill.IssueCharge(e.ctx, admin, fietsen.ID, []billing.ChargeLine{{Description: "Migratie van de oude website en e-mail",
			Amount: 10000, VATCategory: terms.VATStandard}}, "", fmt.Sprintf("layout-%d", n))
		if err != nil {
			t.Fatal(err)
		}
		file := statement(fmt.Sprintf("S%d", n), today, inv.AmountDue+1000, inv.Reference, fietsen.LegalName, "NL22SNSB0912345678")
		if _, err := e.pay.ImportCAMT053(e.ctx, admin, fmt.Sprintf("s%d.xml", n), strings.NewReader(file)); err != nil {
			t.Fatal(err)
		}
	}
	overpay(1)
	if _, err := e.pay.PayRefunds(e.ctx, admin); err != nil {
		t.Fatal(err)
	}
	overpay(2)
	batches, err := e.pay.RefundBatches(e.ctx, admin)
	if err != nil || len(batches) == 0 {
		t.Fatalf("refund batches: %v %v", batches, err)
	}
	refunds, err := e.pay.Refunds(e.ctx, admin)
	if err != nil || len(refunds) == 0 {
		t.Fatalf("refunds: %v %v", refunds, err)
	}
	ing, err := os.ReadFile("../payments/testdata/camt053_ing.xml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.pay.ImportCAMT053(e.ctx, admin, "ing.xml", bytes.NewReader(ing)); err != nil {
		t.Fatal(err)
	}
	queue, err := e.pay.Unmatched(e.ctx, admin, payments.Page{})
	if err != nil || len(queue.Items) == 0 {
		t.Fatalf("unmatched: %v %v", queue, err)
	}

	var termsDoc documents.Version
	for _, k := range documents.Kinds {
		v := e.publishDoc(k, "1", "nl", today, "Document "+string(k), webTermsNL)
		if k == documents.Terms {
			termsDoc = v
		}
	}
	termsVersion, err := e.con.CurrentTermsVersion(e.ctx)
	if err != nil {
		t.Fatal(err)
	}

	// API tokens are made by signed-in people only.
	token := func(email, secret, home string) string {
		t.Helper()
		c := e.client()
		c.login(email, secret, home)
		base := strings.TrimSuffix(home, "/")
		c.expect(c.post(base+"/tokens", url.Values{"name": {"Koppeling boekhouding"}, "scopes": {"read"}, "expires_in_days": {"30"}}), http.StatusOK, "")
		m := regexp.MustCompile(`href="` + base + `/tokens/(\d+)/revoke"`).FindStringSubmatch(c.get(base + "/tokens").Body)
		if m == nil {
			t.Fatalf("%s: no token to revoke", email)
		}
		return m[1]
	}

	mon, comp := layoutMonitoring(t, e, holds[business.ID].subscription)
	// An open incident on a server with a long name, and planned maintenance to come.
	srvLong, err := e.mon.CreateServer(e.ctx, e.supportPrincipal(), monitor.ServerInput{Name: "shared-webhosting-cluster-07.ams1.cloudprovider.test",
		Kind: "webhosting", Location: "ams1"})
	if err != nil {
		t.Fatal(err)
	}
	inc, err := e.stat.OpenIncident(e.ctx, e.supportPrincipal(), status.IncidentInput{TitleNL: "Websites op het gedeelde webhostingcluster reageren traag",
		MessageNL: "We onderzoeken waarom de webservers van het gedeelde cluster traag antwoorden.", Impact: "major", ServerIDs: []int64{srvLong.ID}})
	if err != nil {
		t.Fatal(err)
	}
	maint, err := e.stat.ScheduleMaintenance(e.ctx, e.supportPrincipal(), status.MaintenanceInput{Kind: status.Planned,
		TitleNL: "Vervanging van de opslagcontrollers van het gedeelde webhostingcluster", StartsAt: e.clk.Now().Add(96 * time.Hour),
		EndsAt: e.clk.Now().Add(98 * time.Hour), ServerIDs: []int64{srvLong.ID}})
	if err != nil {
		t.Fatal(err)
	}

	// An outage of the consumer's web server this month and the consumer's claim for it
	// (issue 10): the SLA pages have something to show.
	e.slaMon.outage(e.clk.Now().Add(-3*time.Hour), 107)
	slaMonth := sla.MonthOf(e.clk.Now()).String()
	consumerSub, _ := strconv.ParseInt(holds[consumer.ID].subscription, 10, 64)
	slaClaim, err := e.comp.Claim(e.ctx, e.customerPrincipal(jan), consumerSub, slaMonth, "")
	if err != nil {
		t.Fatalf("SLA claim: %v", err)
	}

	provServer, provService, provTask, provByOrg := layoutProvisioning(t, e, consumer.ID, business.ID, reseller.ID)
	dnsZones := map[int64]string{}
	for _, org := range []accounts.Organisation{consumer, business, reseller} {
		dnsZones[org.ID] = itoa(e.dnsZoneFor(org.ID, "zone-"+itoa(org.ID)+".test").ID)
	}
	bkByOrg := map[int64]string{}
	for org, sid := range provByOrg {
		bkByOrg[org] = itoa(e.backedUp(mustID(t, sid)).ID)
		// … and metered, for the usage pages.
		e.meter(mustID(t, sid), e.clk.Now().Add(-48*time.Hour), 0, 1)
		e.meter(mustID(t, sid), e.clk.Now().Add(-time.Hour), 7, 1)
	}
	tickets := layoutTickets(t, e, jan, marieke, lotte)
	// A domain name of each customer's, with a name as long as real ones (issue 14).
	doms := map[int64]string{}
	for _, o := range []struct {
		org  accounts.Organisation
		user accounts.User
	}{{consumer, jan}, {business, marieke}, {reseller, lotte}} {
		doms[o.org.ID] = itoa(e.domainOrder(o.org, o.user, fmt.Sprintf("klant-%d-met-een-lange-domeinnaam.nl", o.org.ID)).ID)
	}

	// A notice about each customer's service, forwarded to it (issue 11), and a
	// vulnerability report.
	notices := map[int64]string{}
	for _, org := range []int64{consumer.ID, business.ID, reseller.ID} {
		sid, _ := strconv.ParseInt(provByOrg[org], 10, 64)
		notices[org] = itoa(e.noticeAbout(sid, fmt.Sprintf("klant-%d-webwinkel-met-een-lange-naam.nl", org)))
	}
	secReport, err := e.srv.disc.Submit(e.ctx, disclosure.Submission{Title: "Open redirect na het inloggen op het klantportaal",
		Affected: "https://portal.example/login?next=https://elders.example", Description: "De parameter next wordt niet gecontroleerd.", Email: "eva@onderzoek.test"})
	if err != nil {
		t.Fatal(err)
	}
	// A newsletter sent to a subscriber with a long address (issue 12).
	if err := e.news.SubscribeAtOrderTx(e.ctx, newsletter.OrderConsent{OrgID: business.ID, Email: "marieke.van.der.heijden-de-groot@fietsenwinkel-de-lange-naam.nl",
		Name: "Marieke van der Heijden-de Groot", Lang: "nl", IP: "192.0.2.44", Order: "contract 1"}); err != nil {
		t.Fatal(err)
	}
	letter, err := e.news.Create(e.ctx, e.admin(), newsletter.DraftInput{SubjectNL: "Nieuw in december: back-ups per uur voor alle webhostingpakketten en een vernieuwd klantportaal",
		BodyNL: "Beste klant,\n\nVanaf deze maand maken we elk uur een back-up.", SubjectEN: "New in December: hourly backups for every web hosting plan and a renewed customer portal",
		BodyEN: "Dear customer,\n\nFrom this month on we back up every hour."})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.news.Send(e.ctx, e.admin(), letter.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.news.SendPending(e.ctx); err != nil {
		t.Fatal(err)
	}
	var subscriber int64
	if err := e.db.QueryRowContext(e.ctx, `SELECT MIN(id) FROM newsletter_subscribers`).Scan(&subscriber); err != nil {
		t.Fatal(err)
	}
	staffIDMap := map[string]string{
		"/staff/newsletter/": itoa(letter.ID), "/staff/subscribers/": itoa(subscriber),
		"/staff/abuse/": notices[consumer.ID], "/staff/security-reports/": itoa(secReport.ID),
		"/staff/provisioning/servers/": provServer, "/staff/provisioning/services/": provService, "/staff/provisioning/tasks/": provTask,
		"/staff/monitoring/servers/": mon, "/staff/monitoring/components/": comp,
		"/staff/incidents/": itoa(inc.ID), "/staff/maintenance/": itoa(maint.ID),
		"/staff/sla/claims/": itoa(slaClaim.ID), "/staff/sla/months/": holds[consumer.ID].subscription, "{month}": slaMonth,
		"/staff/customers/": itoa(business.ID), "/staff/users/": itoa(staffIDs[len(staffIDs)-1]),
		"/staff/tokens/":    token(staff[0].email, staffSecret, "/staff/"),
		"/staff/contracts/": holds[business.ID].contract, "/staff/subscriptions/": holds[business.ID].subscription,
		"/staff/catalog/plans/": itoa(e.plan("vps", "m").ID), "/staff/quotes/": holds[business.ID].quote,
		"/staff/invoices/": invoiceOf(business.ID), "/staff/refunds/": itoa(refunds[len(refunds)-1].Refund.ID),
		"/staff/refunds/batches/": itoa(batches[0].ID), "/staff/payments/unmatched/": itoa(queue.Items[0].ID),
		"/staff/mandates/": itoa(mandate.ID), "/staff/documents/": itoa(termsDoc.ID),
		"/staff/dns/zones/": dnsZones[business.ID], "/staff/dns/servers/": "1",
		"/staff/backups/": bkByOrg[business.ID],
		"/staff/tickets/": tickets[business.ID],
		"/staff/domains/": doms[business.ID], "/staff/domains/operations/": domainOp(t, e, doms[business.ID]),
		"/staff/usage/": provByOrg[business.ID],
	}
	maps.Copy(staffIDMap, layoutPrivacy(t, e, srvLong.ID))
	// The business's audit request, the reports offered (issue 12; cp.dpa.11.2).
	auditID := itoa(e.auditFor(marieke))
	staffIDMap["/staff/privacy/audits/"] = auditID
	for i := range staff {
		staff[i].ids = staffIDMap
	}
	portal := func(who string, u accounts.User, orgID int64, user accounts.User) layoutLogin {
		h := holds[orgID]
		return layoutLogin{who: who, email: u.Email, ids: map[string]string{
			"/portal/users/": itoa(user.ID), "/portal/tokens/": token(u.Email, "", "/portal/"),
			"/portal/contracts/": h.contract, "/portal/subscriptions/": h.subscription, "/portal/quotes/": h.quote,
			"/portal/invoices/": invoiceOf(orgID), "/portal/order/": itoa(e.plan("webhosting", "pro").ID),
			"/portal/terms/":        termsVersion,
			"/portal/availability/": h.subscription, "{month}": slaMonth,
			"/portal/customers/":      itoa(fietsen.ID),
			"/portal/services/":       provByOrg[orgID],
			"/portal/dns/":            dnsZones[orgID],
			"/portal/backups/":        bkByOrg[orgID],
			"/portal/tickets/":        tickets[orgID],
			"/portal/abuse/":          notices[orgID],
			"/portal/domains/":        doms[orgID],
			"/portal/usage/":          provByOrg[orgID],
			"/portal/privacy/audits/": auditID,
		}}
	}
	customers = []layoutLogin{
		portal("consumer", jan, consumer.ID, jan),
		portal("business admin user", marieke, business.ID, piet),
		portal("business sub-user", piet, business.ID, piet),
		portal("reseller admin user", lotte, reseller.ID, lotte),
	}
	return staff, customers
}

// domainOp is the first registry step of a domain.
func domainOp(t *testing.T, e *env, domainID string) string {
	t.Helper()
	var id int64
	if err := e.db.QueryRowContext(e.ctx, `SELECT MIN(id) FROM domain_operations WHERE domain_id = $1`, mustID(t, domainID)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return itoa(id)
}

// layoutPages lists the GET pages under prefix from the registered routes, so a new
// page is covered without touching this test, with the placeholders filled in from ids.
// Downloads (PDF, UBL, CSV, payment files) are no pages.
func layoutPages(t *testing.T, e *env, prefix string, ids map[string]string) []string {
	t.Helper()
	var out []string
	for _, pattern := range e.srv.patterns {
		path, ok := strings.CutPrefix(pattern, "GET ")
		if !ok || !strings.HasPrefix(path, prefix) {
			continue
		}
		if slices.ContainsFunc([]string{"/pdf", "/ubl", ".csv", "/file", "/export"}, func(s string) bool { return strings.HasSuffix(path, s) }) {
			continue
		}
		path = strings.TrimSuffix(path, "{$}")
		for {
			i := strings.Index(path, "{")
			if i < 0 {
				break
			}
			j := strings.Index(path[i:], "}") + i
			id, ok := ids[path[:i]]
			if !ok {
				id, ok = ids[path[i:j+1]]
			}
			if !ok {
				t.Fatalf("no id for %s in %s: add one to layoutWorld", path[i:j+1], pattern)
			}
			path = path[:i] + id + path[j+1:]
		}
		out = append(out, path)
	}
	return out
}

// overflowJS reports, when the document is wider than the window, how wide it is and
// which element reaches furthest right (the deepest such one, outside any scrolling
// box, whose content does not widen the page).
const overflowJS = `(() => {
  const w = window.innerWidth, sw = document.documentElement.scrollWidth;
  if (sw <= w) return "";
  // An element is clipped by a scrolling or clipping ancestor only if that ancestor is
  // in its containing-block chain: an absolutely positioned one escapes every box up
  // to its positioned ancestor (a visually hidden label in a scrolling table does).
  const clipped = el => {
    let pos = getComputedStyle(el).position;
    if (pos === "fixed") return false;
    let skip = pos === "absolute";
    for (let p = el.parentElement; p && p !== document.documentElement; p = p.parentElement) {
      const cs = getComputedStyle(p);
      if (skip && cs.position === "static") continue;
      skip = false;
      if (cs.overflowX !== "visible") return true;
      if (cs.position === "fixed") return false;
      skip = cs.position === "absolute";
    }
    return false;
  };
  const name = el => el.tagName.toLowerCase() + (typeof el.className === "string" && el.className.trim() ? "." + el.className.trim().split(/\s+/).join(".") : "");
  let worst = null, right = w;
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect().right;
    if (r >= right && r > w + 0.5 && !clipped(el)) { worst = el; right = r; }
  }
  let path = worst ? name(worst) : "?";
  for (let p = worst && worst.parentElement, i = 0; p && p !== document.body && i < 3; p = p.parentElement, i++) path = name(p) + " > " + path;
  return sw + " px wide; widest element " + path + " (right edge " + Math.round(right) + " px)";
})()`

// TestBrowserEveryPageFitsTheScreen signs in as every staff role and every kind of
// customer user, and opens every page that person has (and the public pages) at 390
// and 1280 px: no page may be wider than the screen (issue 9). It runs on SQLite only,
// in one browser and one tab. Set HOSTPACT_SCREENSHOTS to a folder to keep a
// screenshot of each page at each width.
func TestBrowserEveryPageFitsTheScreen(t *testing.T) {
	// Every page of every role, at two widths and in two languages: several hundred
	// loads, which take minutes under the race detector on a busy machine.
	ctx := browsertest.Start(t, 10*time.Minute)
	e := newEnv(t, openSQLite(t), Config{ProviderName: "Cloud Provider", Demo: true})
	staff, customers := layoutWorld(t, e)
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	started := time.Now()

	// A page whose HTML another person's visit has laid out already (staff in different
	// roles often see the same page) is not laid out again: the server's answer, fetched
	// with the browser's cookies, tells. One-time form keys and the name in the header
	// differ and change nothing of the layout.
	var cookies []*network.Cookie
	laidOut := map[[32]byte]bool{}
	varying := regexp.MustCompile(`(<input type="hidden" name="[a-z_]+" value=")[^"]*|<span class="who">[^<]*`)
	fetch := func(path string) (int, [32]byte) {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cookies {
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
		}
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, sha256.Sum256(varying.ReplaceAll(body, []byte("$1")))
	}
	// Every page is also rendered in English and in Dutch, whatever the browser chose: a
	// key the catalogues lack shows as ⟦key⟧ (translate), and a raw key of either
	// catalogue as a whole text (an activity.do… or accounts.… key printed unrendered)
	// is caught as well.
	rawKey := regexp.MustCompile(`>\s*([a-z_]+(?:\.[a-z0-9_]+){1,4})\s*<`)
	codeSpan := regexp.MustCompile(`<code[^>]*>[^<]*</code>`)
	inLanguages := func(who, path string) {
		t.Helper()
		for _, lang := range []string{"en", "nl"} {
			req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range cookies {
				if c.Name != langCookie {
					req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
				}
			}
			req.AddCookie(&http.Cookie{Name: langCookie, Value: lang})
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if i := bytes.Index(body, []byte("⟦")); i >= 0 {
				end := min(len(body), i+80)
				t.Errorf("%s: %s in %s has an untranslated key: %s", who, path, lang, body[i:end])
			}
			// Staff's audit trail shows action codes on purpose, in <code>.
			for _, m := range rawKey.FindAllSubmatch(codeSpan.ReplaceAll(body, nil), -1) {
				if k := string(m[1]); hasMessage(k) {
					t.Errorf("%s: %s in %s shows the raw key %s", who, path, lang, k)
				}
			}
		}
	}
	pages, same := 0, 0
	check := func(who, path string) {
		t.Helper()
		inLanguages(who, path)
		status, sum := fetch(path)
		// A page this person may not open is not one of theirs; the error page itself
		// is measured once, for the visitor.
		if status == http.StatusForbidden {
			return
		}
		if laidOut[sum] {
			same++
			return
		}
		laidOut[sum] = true
		if err := chromedp.Do(ctx, chromedp.Navigate(srv.URL+path)); err != nil {
			t.Fatalf("%s: open %s: %v", who, path, err)
		}
		pages++
		// Every other page starts at the other width, so each page is laid out at both
		// with one resize.
		widths := layoutWidths
		if pages%2 == 0 {
			widths = [][2]int64{widths[1], widths[0]}
		}
		for _, wh := range widths {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(wh[0], wh[1])); err != nil {
				t.Fatalf("%s: %s at %d px: %v", who, path, wh[0], err)
			}
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](overflowJS))
			if err != nil {
				t.Fatalf("%s: measure %s at %d px: %v", who, path, wh[0], err)
			}
			if got != "" {
				t.Errorf("%s: %s at %d px is %s", who, path, wh[0], got)
			}
			if dir := os.Getenv("HOSTPACT_SCREENSHOTS"); dir != "" {
				png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
				if err != nil {
					t.Fatal(err)
				}
				name := strings.Trim(strings.NewReplacer("/", "-", " ", "-").Replace(who+path), "-")
				if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, wh[0])), png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	signOut := func() {
		t.Helper()
		if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		cookies = nil
	}

	// Public pages, in Dutch (the longer words).
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.Click(chromedp.CSS(`.lang-switch button[value="nl"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.lang-switch button[value="nl"][aria-pressed="true"]`)),
	); err != nil {
		t.Fatalf("to Dutch: %v", err)
	}
	public := []string{"/", "/login", "/forgot", "/no-such-page", "/signup/verify?token=x", "/shop?for=business", "/newsletter", "/newsletter/unsubscribe?t=x"}
	for _, prefix := range []string{"/shop", "/signup"} {
		public = append(public, layoutPages(t, e, prefix, map[string]string{"{plan}": itoa(e.plan("webhosting", "start").ID)})...)
	}
	for _, k := range documents.Kinds {
		public = append(public, layoutPages(t, e, "/"+string(k), map[string]string{"{version}": "1"})...)
	}
	for _, path := range public {
		check("visitor", path)
	}

	signIn := func(l layoutLogin) {
		t.Helper()
		steps := []chromedp.Action[chromedp.Void]{
			chromedp.Navigate(srv.URL + "/login"),
			chromedp.SendKeys(chromedp.ID("f-email"), l.email),
			chromedp.SendKeys(chromedp.ID("f-password"), testPW),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		}
		area := "portal"
		if l.totp {
			area = "staff"
			steps = append(steps, chromedp.WaitVisible(chromedp.ID("f-code")),
				chromedp.SendKeys(chromedp.ID("f-code"), e.code(staffSecret)),
				chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)))
			// A TOTP code works once.
			e.clk.Advance(30 * time.Second)
		}
		steps = append(steps, chromedp.WaitReady(chromedp.CSS(`body.area-`+area)))
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: sign in: %v", l.who, err)
		}
		res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{srv.URL}})
		if err != nil {
			t.Fatal(err)
		}
		cookies = res.Cookies
	}
	for _, l := range append(staff, customers...) {
		prefix := "/portal/"
		if l.totp {
			prefix = "/staff/"
		}
		signIn(l)
		for _, path := range layoutPages(t, e, prefix, l.ids) {
			check(l.who, path)
		}
		signOut()
	}
	t.Logf("%d pages at %d widths, %d more the same as one of those, in %s", pages, len(layoutWidths), same, time.Since(started).Round(time.Second))
}
