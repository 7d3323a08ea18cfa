package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/contracts"
)

func contractCount(e *env, orgID int64) int {
	e.t.Helper()
	cs, _, err := e.con.ListContracts(e.ctx, e.admin(), contracts.ContractFilter{OrgID: orgID}, contracts.Page{Limit: contracts.MaxLimit})
	if err != nil {
		e.t.Fatal(err)
	}
	return len(cs)
}

func TestPortalOrderCancelWithdraw(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		org, _ := e.consumer("Sanne de Boer", "sanne@example.test")
		c := e.client()
		c.login("sanne@example.test", "", "/portal/")

		r := c.get("/portal/catalog")
		c.expect(r, http.StatusOK, "")
		start := e.plan("webhosting", "start")
		contains(t, r.Body, "Webhosting", "€ 3,95 per maand", "€ 4,78", `href="/portal/order/`+itoa(start.ID)+`"`)

		// The checkout: prices, term, rules, withdrawal information, the terms version.
		r = c.get("/portal/order/" + itoa(start.ID))
		c.expect(r, http.StatusOK, "")
		version, err := e.con.CurrentTermsVersion(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		contains(t, r.Body, "Totaal excl. btw", "Totaal incl. btw", "Herroepingsrecht", "Opzegtermijn", "Eerste verlenging",
			"Ik ga akkoord met de algemene voorwaarden, versie "+version, "cp.av.13.1", `name="express_start"`)
		lacks(t, r.Body, `name="waive_withdrawal"`)
		key := hidden(r.Body, "idempotency_key")
		if len(key) < 16 {
			t.Fatalf("idempotency key %q", key)
		}

		// Without ticking the terms: the field says so and nothing is ordered.
		form := url.Values{"idempotency_key": {key}, "terms_version": {version}, "domain": {""}}
		r = c.post("/portal/order/"+itoa(start.ID), form)
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "accept_terms")
		if n := contractCount(e, org.ID); n != 0 {
			t.Fatalf("%d contracts after a refused order", n)
		}
		if hidden(r.Body, "idempotency_key") != key {
			t.Fatal("the key changed on the re-rendered form")
		}
		// A bad domain name is shown at the field.
		r = c.post("/portal/order/"+itoa(start.ID), with(form, "accept_terms", "1", "domain", "niet geldig"))
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "domain")

		// Ordering twice with the same key (a double click) makes one contract.
		form.Set("accept_terms", "1")
		r = c.post("/portal/order/"+itoa(start.ID), form)
		c.expect(r, http.StatusSeeOther, "")
		loc := r.Location()
		if !regexp.MustCompile(`^/portal/contracts/\d+$`).MatchString(loc) {
			t.Fatalf("order redirect %q", loc)
		}
		c.expect(c.post("/portal/order/"+itoa(start.ID), form), http.StatusSeeOther, loc)
		if n := contractCount(e, org.ID); n != 1 {
			t.Fatalf("%d contracts after a double submit", n)
		}

		// The contract shows the term and the next cancellation deadline with its reasons.
		r = c.get(loc)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Bedankt voor je bestelling", "Webhosting", "Zeg uiterlijk", "cp.av.13.1", "Opzeggen", "Contract herroepen")
		cs, _, _ := e.con.ListContracts(e.ctx, e.admin(), contracts.ContractFilter{OrgID: org.ID}, contracts.Page{Limit: contracts.MaxLimit})
		sub := cs[0].Subscriptions[0]
		cancel := "/portal/subscriptions/" + itoa(sub.ID) + "/cancel"
		contains(t, r.Body, `href="`+cancel+`"`)

		// Cancelling shows the end date and clause before anything is saved.
		r = c.get(cancel)
		c.expect(r, http.StatusOK, "")
		prev, err := e.con.PreviewCancellation(e.ctx, e.customerPrincipal(mustUser(e, "sanne@example.test")), sub.ID, contracts.CancelInput{})
		if err != nil {
			t.Fatal(err)
		}
		pg := &page{Lang: "nl"}
		contains(t, r.Body, "Opzegging bevestigen", pg.Date(prev.EndsOn), "cp.av.13.1", `name="expect_ends_on" value="`+prev.EndsOn.String()+`"`)
		if s, _ := e.con.GetSubscription(e.ctx, e.admin(), sub.ID); !s.EndsOn.IsZero() {
			t.Fatal("the preview cancelled")
		}
		r = c.post(cancel, url.Values{"expect_ends_on": {prev.EndsOn.String()}})
		c.expect(r, http.StatusSeeOther, "/portal/subscriptions/"+itoa(sub.ID)+"/cancelled")
		r = c.get(r.Location())
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Opzegging ontvangen", "De dienst eindigt op "+pg.Date(prev.EndsOn))
		if s, _ := e.con.GetSubscription(e.ctx, e.admin(), sub.ID); s.EndsOn != prev.EndsOn {
			t.Fatalf("ends on %s, shown %s", s.EndsOn, prev.EndsOn)
		}
		// Cancelling again is refused with a message; nothing changes.
		r = c.post(cancel, url.Values{"expect_ends_on": {prev.EndsOn.String()}})
		if r.Code < 400 {
			t.Fatalf("second cancellation: %d", r.Code)
		}
		contains(t, c.get(loc).Body, "Einddatum", pg.Date(prev.EndsOn))

		// Withdrawal from a second contract: preview, then confirm.
		pro := e.plan("webhosting", "pro")
		r = c.get("/portal/order/" + itoa(pro.ID))
		r = c.post("/portal/order/"+itoa(pro.ID), url.Values{"idempotency_key": {hidden(r.Body, "idempotency_key")},
			"terms_version": {version}, "accept_terms": {"1"}})
		c.expect(r, http.StatusSeeOther, "")
		second := r.Location()
		r = c.get(second + "/withdraw")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Herroeping bevestigen", "Herroeping mogelijk")
		c.expect(c.post(second+"/withdraw", nil), http.StatusSeeOther, second)
		r = c.get(second)
		contains(t, r.Body, "Je herroeping is ontvangen en verwerkt", "Herroepen")
		lacks(t, r.Body, "Contract herroepen")
	})
}

func mustUser(e *env, email string) accounts.User {
	e.t.Helper()
	u, err := e.acc.FindUserByEmail(e.ctx, email)
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

func TestPortalQuoteAcceptAndDecline(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		q1 := e.sentQuote(org.ID, "Nieuwe website")
		q2 := e.sentQuote(org.ID, "Extra opslag")
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r := c.get("/portal/quotes")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Nieuwe website", "Extra opslag", "Verstuurd")
		r = c.get("/portal/quotes/" + itoa(q1.ID))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Migratie van de oude website", "Totaal incl. btw", "Offerte aanvaarden", "/portal/quotes/"+itoa(q1.ID)+"/pdf")
		// The quote as PDF, rendered from its frozen content.
		pdf := c.get("/portal/quotes/" + itoa(q1.ID) + "/pdf")
		c.expect(pdf, http.StatusOK, "")
		if ct, cd := pdf.Header.Get("Content-Type"), pdf.Header.Get("Content-Disposition"); ct != "application/pdf" ||
			cd != `attachment; filename=offerte-`+itoa(q1.ID)+`.pdf` || !strings.HasPrefix(pdf.Body, "%PDF-") ||
			!strings.Contains(pdf.Body, "Offerte "+itoa(q1.ID)) || !strings.Contains(pdf.Body, "sha256:"+q1.ContentHash) {
			t.Fatalf("quote PDF: %q %q %q", ct, cd, pdf.Body[:min(len(pdf.Body), 10)])
		}
		draft, err := e.con.CreateQuote(e.ctx, e.admin(), contracts.QuoteInput{OrgID: org.ID, Title: "Nog niet verstuurd",
			Lines: []contracts.QuoteLineInput{{PlanID: e.plan("webhosting", "pro").ID, Quantity: 1}}})
		if err != nil {
			t.Fatal(err)
		}
		c.expect(c.get("/portal/quotes/"+itoa(draft.ID)+"/pdf"), http.StatusNotFound, "")
		r = c.post("/portal/quotes/"+itoa(q1.ID)+"/accept", url.Values{"idempotency_key": {hidden(r.Body, "idempotency_key")},
			"content_hash": {hidden(r.Body, "content_hash")}})
		c.expect(r, http.StatusSeeOther, "")
		cs, _, err := e.con.ListContracts(e.ctx, e.admin(), contracts.ContractFilter{OrgID: org.ID}, contracts.Page{Limit: contracts.MaxLimit})
		if err != nil || len(cs) != 1 || cs[0].AcceptedIP != "192.0.2.10" || cs[0].QuoteID != q1.ID {
			t.Fatalf("contract after acceptance: %+v %v", cs, err)
		}
		contains(t, c.get(r.Location()).Body, "De offerte is aanvaard")

		c.expect(c.get("/portal/quotes/"+itoa(q2.ID)+"/decline"), http.StatusOK, "")
		c.expect(c.post("/portal/quotes/"+itoa(q2.ID)+"/decline", url.Values{"reason": {"Te duur"}}), http.StatusSeeOther, "/portal/quotes/"+itoa(q2.ID))
		r = c.get("/portal/quotes/" + itoa(q2.ID))
		contains(t, r.Body, "Afgewezen", "Te duur")
		lacks(t, r.Body, "Offerte aanvaarden")
		if !strings.Contains(c.get("/portal/quotes?status=accepted").Body, "Nieuwe website") {
			t.Error("status filter")
		}
	})
}

func TestStaffContractsAndCancellation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.staff("anna@provider.test")
		org, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		other, ou := e.consumer("Sanne de Boer", "sanne@example.test")
		con := e.order(e.customerPrincipal(u), "webhosting", "start", "")
		e.order(e.customerPrincipal(ou), "webhosting", "pro", "")
		sub := con.Subscriptions[0]
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")

		r := c.get("/staff/contracts")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Bakkerij Jansen B.V.", "Sanne de Boer")
		lacks(t, r.Body, "Oudere →") // both on the first page (by keyset, without a count)
		r = c.get("/staff/contracts?customer=" + itoa(other.ID))
		contains(t, r.Body, "Sanne de Boer")
		lacks(t, r.Body, "Bakkerij Jansen B.V.")
		r = c.get("/staff/contracts?status=ended")
		contains(t, r.Body, "Geen contracten gevonden")

		base := "/staff/contracts/" + itoa(con.ID)
		r = c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Webhosting", "cp.av.13.1", "Opzegging vastleggen", "Pakket wijzigen", con.ContentHash)

		// A cancellation received by letter: no moment given → the field says so and
		// nothing is saved.
		cancel := "/staff/subscriptions/" + itoa(sub.ID) + "/cancel"
		c.expect(c.get(cancel), http.StatusOK, "")
		r = c.post(cancel, url.Values{"channel": {"letter"}, "received_at": {""}, "action": {"record"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "received_at")
		r = c.post(cancel, url.Values{"channel": {"letter"}, "received_at": {"gisteren"}, "action": {"record"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "received_at")
		r = c.post(cancel, url.Values{"channel": {"letter"}, "received_at": {"2027-01-01T10:00"}, "action": {"record"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "received_at") // in the future
		if s, _ := e.con.GetSubscription(e.ctx, e.admin(), sub.ID); !s.EndsOn.IsZero() {
			t.Fatal("a refused recording cancelled")
		}
		// Compute first, then record.
		r = c.post(cancel, url.Values{"channel": {"letter"}, "received_at": {"2026-03-02T09:30"}, "action": {"preview"}})
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Berekende einddatum", "cp.av.13.1", `value="record"`)
		ends := hidden(r.Body, "expect_ends_on")
		r = c.post(cancel, url.Values{"channel": {"letter"}, "received_at": {"2026-03-02T09:30"}, "action": {"record"}, "expect_ends_on": {ends}})
		c.expect(r, http.StatusSeeOther, base)
		s, _ := e.con.GetSubscription(e.ctx, e.admin(), sub.ID)
		if s.EndsOn.String() != ends {
			t.Fatalf("ends on %s, previewed %s", s.EndsOn, ends)
		}
		r = c.get(base)
		contains(t, r.Body, "De opzegging is vastgelegd", "Einddatum", (&page{Lang: "nl"}).Date(s.EndsOn))

		// Refusing a customer asks first; the customer then cannot order.
		cust := "/staff/customers/" + itoa(org.ID)
		contains(t, c.get(cust).Body, cust+"/refuse")
		c.expect(c.get(cust+"/refuse"), http.StatusOK, "")
		c.expect(c.post(cust+"/refuse", url.Values{"reason": {"Wanbetaling"}}), http.StatusSeeOther, cust)
		cc := e.client()
		cc.login("marieke@jansen.test", "", "/portal/")
		pl := e.plan("webhosting", "pro")
		r = cc.get("/portal/order/" + itoa(pl.ID))
		r = cc.post("/portal/order/"+itoa(pl.ID), url.Values{"idempotency_key": {hidden(r.Body, "idempotency_key")},
			"terms_version": {hidden(r.Body, "terms_version")}, "accept_terms": {"1"}})
		cc.expect(r, http.StatusForbidden, "")
		c.expect(c.post(cust+"/unrefuse", nil), http.StatusSeeOther, cust)
	})
}

func TestStaffSalesPages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.staff("anna@provider.test")
		org, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")

		// Catalog: a bad price is refused at the field and saves nothing.
		start := e.plan("webhosting", "start")
		edit := "/staff/catalog/plans/" + itoa(start.ID)
		r := c.get(edit)
		c.expect(r, http.StatusOK, "")
		form := url.Values{"name": {"Start"}, "billing": {"subscription"}, "period": {"P1M"}, "price": {"vier euro"},
			"vat_category": {"standard"}, "sla": {"1"}, "active": {"1"}}
		r = c.post(edit, form)
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "price")
		if pl := e.plan("webhosting", "start"); pl.Price != start.Price {
			t.Fatalf("price changed to %s", pl.Price)
		}
		c.expect(c.post(edit, with(form, "price", "4,25")), http.StatusSeeOther, "/staff/catalog")
		if pl := e.plan("webhosting", "start"); pl.Price != 425 {
			t.Fatalf("price %s", pl.Price)
		}
		contains(t, c.get("/staff/catalog").Body, "Het pakket is opgeslagen", "€ 4,25 per maand")

		// Quotes: a draft with a catalog line and a free line, then sent.
		r = c.post("/staff/quotes/new", url.Values{"customer": {itoa(org.ID)}, "title": {"Nieuwe website"},
			"plan_id.0": {itoa(e.plan("webhosting", "pro").ID)}, "quantity.0": {"1"},
			"description.50": {"Ontwerp"}, "billing.50": {"one-off"}, "period.50": {""}, "unit_price.50": {"450"}, "quantity.50": {"1"}})
		c.expect(r, http.StatusSeeOther, "")
		q := r.Location()
		r = c.get(q)
		contains(t, r.Body, "De offerte is als concept opgeslagen", "Ontwerp", "Concept", "Offerte versturen", q+"/pdf")
		// Staff may download a draft as PDF (marked as a draft, without a hash).
		if pdf := c.get(q + "/pdf"); pdf.Code != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(pdf.Body, "%PDF-") || strings.Contains(pdf.Body, "sha256:") {
			t.Fatalf("draft PDF: %d %q", pdf.Code, pdf.Header.Get("Content-Type"))
		}
		c.expect(c.post(q+"/send", nil), http.StatusSeeOther, q)
		contains(t, c.get(q).Body, "Verstuurd", "Aanvaarding na verloop toestaan")
		contains(t, c.get("/staff/quotes?status=sent").Body, "Nieuwe website")
		// A free line without a description is refused at its field.
		r = c.post("/staff/quotes/new", url.Values{"customer": {itoa(org.ID)}, "title": {"Leeg"},
			"description.50": {""}, "plan_id.0": {"999999"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "plan_id.0")

		// A price increase is announced with its decisions and reasons.
		e.order(e.customerPrincipal(u), "webhosting", "pro", "")
		r = c.post("/staff/price-increases", url.Values{"plan_id": {itoa(e.plan("webhosting", "pro").ID)}, "new_price": {"8,50"},
			"effective": {"2026-03-03"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "effective")

		// Terms: a version effective too early is refused; a later one is published.
		r = c.post("/staff/terms", url.Values{"version": {"2026.2"}, "effective": {"2026-03-03"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "effective")
		r = c.post("/staff/terms", url.Values{"version": {"2026.2"}, "effective": {"2026-06-01"}, "summary": {"Nieuwe privacyparagraaf"}})
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Versie 2026.2 gepubliceerd", "Klant mag beëindigen per")

		// Force majeure: recorded with the day rights arise, then ended.
		r = c.post("/staff/force-majeure", url.Values{"started_on": {"2026-03-01"}, "description": {"Brand in datacenter"}})
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Overmacht", "contracten mogen worden beëindigd vanaf")
		c.expect(c.post("/staff/force-majeure/end", url.Values{"fm_id": {hidden(r.Body, "fm_id")}, "ended_on": {"2026-03-02"}}),
			http.StatusSeeOther, "/staff/force-majeure")
	})
}
