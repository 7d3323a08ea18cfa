package web

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/terms"
)

func TestPortalInvoicePayOnline(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		_, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		inv := e.invoiced(e.customerPrincipal(u), "webhosting", "start")
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		pg := &page{Lang: "nl"}
		base := "/portal/invoices/" + itoa(inv.ID)

		r := c.get("/portal/invoices")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Facturen", inv.Number, "Openstaand", "Vervaldatum", pg.Money(inv.State.Open), "Tegoed op je account", `href="`+base+`"`)
		contains(t, c.get("/portal/invoices?status=paid").Body, "Geen facturen gevonden")

		r = c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Factuur "+inv.Number, inv.Lines[0].Description, "Btw 21% over", "Totaal incl. btw", inv.Reference,
			pg.Date(inv.DueDate), `action="`+base+`/pay"`, "Betalen ("+pg.Money(inv.State.Open)+")", base+"/pdf", base+"/ubl")

		// The documents, as downloads.
		r = c.get(base + "/pdf")
		c.expect(r, http.StatusOK, "")
		if ct, cd := r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"); ct != "application/pdf" ||
			cd != `attachment; filename=factuur-`+inv.Number+`.pdf` || !strings.HasPrefix(r.Body, "%PDF") {
			t.Fatalf("PDF: %q %q %q", ct, cd, r.Body[:min(len(r.Body), 10)])
		}
		r = c.get(base + "/ubl")
		c.expect(r, http.StatusOK, "")
		if ct, cd := r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"); ct != "application/xml; charset=utf-8" ||
			cd != `attachment; filename=factuur-`+inv.Number+`.xml` || !strings.Contains(r.Body, "<Invoice") || !strings.Contains(r.Body, inv.Number) {
			t.Fatalf("UBL: %q %q", ct, cd)
		}

		// Pay now: to the provider's checkout page, back to the invoice, paid.
		r = c.post(base+"/pay", nil)
		c.expect(r, http.StatusSeeOther, "")
		checkout := r.Location()
		if !regexp.MustCompile(`^/demo-psp/demo_\d+$`).MatchString(checkout) {
			t.Fatalf("checkout %q", checkout)
		}
		r = c.get(checkout)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, pg.Money(inv.State.Open), "Factuur "+inv.Number, `id="psp-pay"`, `id="psp-fail"`)
		contains(t, c.get(base).Body, "Je betaling wordt verwerkt")
		c.expect(c.post(checkout, url.Values{"result": {"paid"}}), http.StatusSeeOther, base)
		r = c.get(base)
		contains(t, r.Body, "Betaald", "Online betaling (demo)", `<dd class="open-amount"><strong>€ 0,00</strong>`)
		lacks(t, r.Body, `action="`+base+`/pay"`, "Je betaling wordt verwerkt")
		if got := e.invoice(inv.ID); got.State.Status != billing.StatusPaid || got.State.Open != 0 {
			t.Fatalf("state after paying: %+v", got.State)
		}
		// Paying a paid invoice starts nothing.
		c.expect(c.post(base+"/pay", nil), http.StatusSeeOther, base)
		contains(t, c.get(base).Body, "Er staat op deze factuur niets meer open")
	})
}

func TestPaymentWebhook(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		_, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		by := e.customerPrincipal(u)
		inv := e.invoiced(by, "webhosting", "start")
		checkout, err := e.pay.StartOnlinePayment(e.ctx, by, inv.ID, "/portal/invoices/"+itoa(inv.ID))
		if err != nil {
			t.Fatal(err)
		}
		id := strings.TrimPrefix(checkout, "/demo-psp/")
		hook := func(path string, body string, sig string) resp {
			req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			// Server to server: a browser would call this cross-site; no cookie, no origin.
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			req.Header.Set("Origin", "https://psp.example")
			if sig != "" {
				req.Header.Set(payments.DemoSignatureHeader, sig)
			}
			c := e.client()
			c.ip = "198.51.100.77"
			return c.do(req)
		}
		body := url.Values{"id": {id}}.Encode()
		// A forged webhook: 400, nothing said, nothing booked.
		for _, sig := range []string{"", "sha256=00", payments.SignWebhook("wrong-secret", []byte(body))} {
			r := hook("/webhooks/psp/demo", body, sig)
			if r.Code != http.StatusBadRequest || strings.Contains(r.Body, "signature") {
				t.Fatalf("forged webhook %q: %d %q", sig, r.Code, r.Body)
			}
		}
		if e.invoice(inv.ID).State.Open == 0 {
			t.Fatal("a forged webhook paid the invoice")
		}
		// The provider completes the payment and reports it, to either address.
		if _, _, err := e.psp.Complete(id, true); err != nil {
			t.Fatal(err)
		}
		sig := payments.SignWebhook("demo-webhook-secret", []byte(body))
		for _, path := range []string{"/webhooks/psp/demo", payments.WebhookPath("demo")} {
			if r := hook(path, body, sig); r.Code != http.StatusOK {
				t.Fatalf("webhook %s: %d %s", path, r.Code, r.Body)
			}
		}
		if got := e.invoice(inv.ID).State; got.Open != 0 || got.Paid != inv.State.Open {
			t.Fatalf("after the webhook: %+v", got)
		}
		if r := hook("/webhooks/psp/nope", body, sig); r.Code != http.StatusNotFound {
			t.Fatalf("unknown provider: %d", r.Code)
		}
		// The endpoint is rate limited per address.
		var last resp
		for range 70 {
			last = hook("/webhooks/psp/demo", body, "sha256=00")
		}
		if last.Code != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
			t.Fatalf("after a flood: %d", last.Code)
		}
	})
}

func TestStaffInvoicesAndCreditNote(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.staff("anna@provider.test")
		org, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		_, ou := e.consumer("Sanne de Boer", "sanne@example.test")
		inv := e.invoiced(e.customerPrincipal(u), "webhosting", "start")
		e.invoiced(e.customerPrincipal(ou), "webhosting", "pro")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		pg := &page{Lang: "nl"}

		r := c.get("/staff/invoices")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Bakkerij Jansen B.V.", "Sanne de Boer", inv.Number)
		r = c.get("/staff/invoices?customer=" + itoa(org.ID))
		contains(t, r.Body, "Bakkerij Jansen B.V.")
		lacks(t, r.Body, "Sanne de Boer")
		contains(t, c.get("/staff/invoices?series="+inv.Series).Body, inv.Number)
		contains(t, c.get("/staff/invoices?series=1999").Body, "Geen facturen gevonden")
		contains(t, c.get("/staff/invoices?kind=credit_note").Body, "Geen facturen gevonden")

		base := "/staff/invoices/" + itoa(inv.ID)
		r = c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Factuur "+inv.Number, "Creditnota maken", base+"/pdf", base+"/ubl")
		c.expect(c.get(base+"/pdf"), http.StatusOK, "")

		// A credit note for more than the line: refused at the line's field, nothing issued.
		credit := base + "/credit"
		c.expect(c.get(credit), http.StatusOK, "")
		line := inv.Lines[0]
		amt := itoa(int64(line.Amount)/100+1) + ",00"
		r = c.post(credit, url.Values{"scope": {"lines"}, "reason": {"Verkeerd pakket"}, "amount.1": {amt}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "amount.1")
		contains(t, r.Body, "Het bedrag is te groot: hoogstens "+pg.Money(line.Amount))
		r = c.post(credit, url.Values{"scope": {"lines"}, "reason": {"Verkeerd pakket"}, "amount.1": {"veel"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "amount.1")
		r = c.post(credit, url.Values{"scope": {"all"}, "reason": {""}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "reason")
		if notes := creditNotes(e, org.ID); len(notes) != 0 {
			t.Fatalf("refused credit notes issued %v", notes)
		}
		// Part of the line: the credit note is issued and the invoice's open amount drops.
		r = c.post(credit, url.Values{"scope": {"lines"}, "reason": {"Korting"}, "amount.1": {"1,00"}})
		c.expect(r, http.StatusSeeOther, "")
		r = c.get(r.Location())
		contains(t, r.Body, "De creditnota is uitgegeven", "Creditnota C", inv.Number, "Korting")
		if got := e.invoice(inv.ID); got.State.Open >= inv.State.Open || got.State.Credited == 0 {
			t.Fatalf("after the credit note: %+v", got.State)
		}

		// Nothing is due yet: the page offers no claim but says from when; a claim posted
		// anyway changes nothing and points there.
		r = c.get(base)
		lacks(t, r.Body, "Rente en kosten vorderen")
		contains(t, r.Body, "Er zijn nog geen rente of incassokosten verschuldigd", "Vorderen kan vanaf")
		nBefore := len(invoicesOf(e, org.ID))
		c.expect(c.post(base+"/claim", nil), http.StatusSeeOther, base)
		contains(t, c.get(base).Body, "Er is nog niets verschuldigd")
		if n := len(invoicesOf(e, org.ID)); n != nBefore {
			t.Fatalf("a claim before anything was due issued a document")
		}

		// Claiming interest asks first.
		r = c.get(base + "/claim")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Rente en incassokosten vorderen", inv.Number, `action="`+base+`/claim"`)

		// A support colleague sees invoices but may not credit.
		e.staff("piet@provider.test", accounts.RoleSupport)
		sc := e.client()
		sc.login("piet@provider.test", staffSecret, "/staff/")
		r = sc.get(base)
		c.expect(r, http.StatusOK, "")
		lacks(t, r.Body, "Creditnota maken")
		sc.expect(sc.post(credit, url.Values{"scope": {"all"}, "reason": {"x"}}), http.StatusForbidden, "")
		sc.expect(sc.get("/staff/refunds"), http.StatusForbidden, "")
		sc.expect(sc.post(base+"/claim", nil), http.StatusForbidden, "")

		// Past the default date, billing staff claim interest and costs: a charge invoice.
		e.clk.Advance(60 * 24 * time.Hour)
		if err := e.dun.RunDue(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		c = e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		before := len(invoicesOf(e, org.ID))
		c.expect(c.post(base+"/claim", nil), http.StatusSeeOther, base)
		r = c.get(base)
		contains(t, r.Body, "Rente en incassokosten zijn in rekening gebracht", "In verzuim", "cp.av.14.4")
		lacks(t, r.Body, "Rente en kosten vorderen") // once per invoice
		if after := len(invoicesOf(e, org.ID)); after != before+1 {
			t.Fatalf("%d documents after claiming, %d before", after, before)
		}
	})
}

func invoicesOf(e *env, orgID int64) []billing.Invoice {
	e.t.Helper()
	list, _, err := e.bill.ListInvoices(e.ctx, e.admin(), billing.InvoiceFilter{OrgID: orgID, DocType: billing.DocInvoice}, billing.Page{})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

func creditNotes(e *env, orgID int64) []billing.Invoice {
	e.t.Helper()
	list, _, err := e.bill.ListInvoices(e.ctx, e.admin(), billing.InvoiceFilter{OrgID: orgID, DocType: billing.DocCreditNote}, billing.Page{})
	if err != nil {
		e.t.Fatal(err)
	}
	return list
}

func statementCount(e *env) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM payment_statements`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestStaffBankImportAndQueue(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.staff("anna@provider.test")
		_, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		inv := e.invoiced(e.customerPrincipal(u), "webhosting", "start")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")

		c.expect(c.get("/staff/payments/import"), http.StatusOK, "")
		// Not XML: the file field says what is wrong, and nothing is saved.
		r := c.upload("/staff/payments/import", "file", "afschrift.csv", []byte("datum;bedrag\n2026-03-02;12,50\n"), nil)
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "file")
		contains(t, r.Body, "Geen XML gevonden")
		// Broken XML names the line.
		r = c.upload("/staff/payments/import", "file", "kapot.xml", []byte("<Document><BkToCstmrStmt>"), nil)
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "file")
		// No file at all.
		r = c.upload("/staff/payments/import", "other", "x.xml", []byte("x"), nil)
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "Kies het bestand met het rekeningafschrift")
		// A statement whose entry breaks a rule: the entry and the field are named.
		ing, err := os.ReadFile("../payments/testdata/camt053_ing.xml")
		if err != nil {
			t.Fatal(err)
		}
		bad := bytes.Replace(ing, []byte("<Sts>BOOK</Sts>"), []byte("<Sts>KLAAR</Sts>"), 1)
		r = c.upload("/staff/payments/import", "file", "ing.xml", bad, nil)
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "Post 1, veld Sts:")
		// Someone else's account: refused, naming the account.
		foreign, err := os.ReadFile("../payments/testdata/camt053_foreign.xml")
		if err != nil {
			t.Fatal(err)
		}
		r = c.upload("/staff/payments/import", "file", "klant.xml", foreign, nil)
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "file")
		contains(t, r.Body, "van rekening NL91ABNA0417164300, die niet een van onze rekeningen is (NL20INGB0001234567)")
		if n := statementCount(e); n != 0 {
			t.Fatalf("%d statements saved from bad files", n)
		}

		// A good statement: its credits name no open invoice of ours, so they queue.
		r = c.upload("/staff/payments/import", "file", "ing.xml", ing, nil)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Resultaat van ing.xml", "Niet gematcht", `href="/staff/payments/unmatched"`)
		if n := statementCount(e); n != 1 {
			t.Fatalf("%d statements after importing", n)
		}
		// Again: nothing new.
		r = c.upload("/staff/payments/import", "file", "ing.xml", ing, nil)
		c.expect(r, http.StatusOK, "")

		queue, err := e.pay.Unmatched(e.ctx, e.admin(), payments.Page{})
		if err != nil || len(queue.Items) < 2 {
			t.Fatalf("queue: %+v %v", queue, err)
		}
		r = c.get("/staff/payments/unmatched")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Niet-gematchte betalingen", "/staff/payments/unmatched/"+itoa(queue.Items[0].ID)+"/assign")

		// Assign the first to our invoice; a number that is no open invoice is refused.
		assign := "/staff/payments/unmatched/" + itoa(queue.Items[0].ID) + "/assign"
		c.expect(c.get(assign), http.StatusOK, "")
		r = c.post(assign, url.Values{"invoice": {"2099-999999"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "invoice")
		r = c.post(assign, url.Values{"invoice": {""}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "invoice")
		c.expect(c.post(assign, url.Values{"invoice": {inv.Number}, "note": {"Klant noemde het oude nummer"}}), http.StatusSeeOther, "/staff/payments/unmatched")
		contains(t, c.get("/staff/payments/unmatched").Body, "De betaling is aan de factuur gekoppeld")
		if got := e.invoice(inv.ID); got.State.Paid == 0 {
			t.Fatalf("assigned payment not booked: %+v", got.State)
		}

		// Ignore the second: asks first, needs a reason.
		ignore := "/staff/payments/unmatched/" + itoa(queue.Items[1].ID) + "/ignore"
		r = c.get(ignore)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Betaling negeren", "Weet je zeker")
		r = c.post(ignore, url.Values{"reason": {""}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "reason")
		c.expect(c.post(ignore, url.Values{"reason": {"Privéoverboeking"}}), http.StatusSeeOther, "/staff/payments/unmatched")
		after, _ := e.pay.Unmatched(e.ctx, e.admin(), payments.Page{})
		if after.Total != queue.Total-2 {
			t.Fatalf("queue %d after resolving two of %d", after.Total, queue.Total)
		}
	})
}

func TestStaffMandatesDirectDebitsRefundsReports(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.staff("anna@provider.test")
		org, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		inv := e.invoiced(e.customerPrincipal(u), "webhosting", "start")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")

		// Mandates: a bad IBAN is refused at its field; a good one is recorded.
		c.expect(c.get("/staff/mandates/new?customer="+itoa(org.ID)), http.StatusOK, "")
		form := url.Values{"customer": {itoa(org.ID)}, "debtor_name": {"Bakkerij Jansen B.V."}, "iban": {"NL00 GEEN 1234"},
			"signed_on": {e.srv.today().String()}}
		r := c.post("/staff/mandates/new", form)
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "iban")
		form.Set("iban", "NL02 ABNA 0123 4567 89")
		c.expect(c.post("/staff/mandates/new", form), http.StatusSeeOther, "/staff/mandates?customer="+itoa(org.ID))
		r = c.get("/staff/mandates?customer=" + itoa(org.ID))
		contains(t, r.Body, "De machtiging is vastgelegd", "NL02ABNA0123456789", "Actief")
		ms, err := e.pay.ListMandates(e.ctx, e.admin(), org.ID)
		if err != nil || len(ms) != 1 {
			t.Fatalf("mandates %v %v", ms, err)
		}
		// Every customer's, by keyset, with the customer's name.
		r = c.get("/staff/mandates")
		contains(t, r.Body, "NL02ABNA0123456789", org.LegalName, "/staff/customers/"+itoa(org.ID))
		lacks(t, r.Body, "Oudere →")
		// The customer sees it.
		cc := e.client()
		cc.login("marieke@jansen.test", "", "/portal/")
		contains(t, cc.get("/portal/mandates").Body, "Incassomachtigingen", "NL02ABNA0123456789")

		// Reports, with CSV downloads.
		r = c.get("/staff/reports")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Ouderdomsanalyse debiteuren", "Omzet per maand", "Btw-overzicht", "Bakkerij Jansen B.V.")
		for _, csv := range []string{"receivables", "revenue", "vat"} {
			r = c.get("/staff/reports/" + csv + ".csv")
			c.expect(r, http.StatusOK, "")
			if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("%s.csv: %q %q", csv, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
			}
		}
		r = c.get("/staff/reports?from=2026-04-01&to=2026-03-01")
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "De einddatum ligt voor de begindatum")

		// Direct debits: the open invoice of a customer with a mandate is offered.
		r = c.get("/staff/direct-debits")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, inv.Number, ms[0].Reference)
		r = c.post("/staff/direct-debits", url.Values{"collection_date": {"gisteren"}, "invoice": {itoa(inv.ID)}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		// Too soon to pre-notify, or not a TARGET2 day: refused with the day to use.
		r = c.post("/staff/direct-debits", url.Values{"collection_date": {e.srv.today().AddDays(7).String()}, "invoice": {itoa(inv.ID)}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "collection_date")
		collect := terms.NextTARGET2Day(e.srv.today().AddDays(14))
		saturday := collect
		for saturday.Weekday() != time.Saturday {
			saturday = saturday.AddDays(1)
		}
		r = c.post("/staff/direct-debits", url.Values{"collection_date": {saturday.String()}, "invoice": {itoa(inv.ID)}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "TARGET2")
		r = c.post("/staff/direct-debits", url.Values{"collection_date": {collect.String()}, "invoice": {itoa(inv.ID)}})
		c.expect(r, http.StatusSeeOther, "")
		if got := e.invoice(inv.ID); got.State.Status != billing.StatusCollectionPending || got.State.Paid != 0 {
			t.Fatalf("collected invoice: %+v", got.State)
		}
		batch := strings.TrimPrefix(r.Location(), "/staff/direct-debits?batch=")
		contains(t, c.get(r.Location()).Body, "Het incassobestand is gemaakt", "/staff/direct-debits/file?batch="+batch)
		r = c.get("/staff/direct-debits/file?batch=" + batch)
		c.expect(r, http.StatusOK, "")
		if !strings.Contains(r.Body, payments.Pain008Namespace) || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("pain.008 download: %q", r.Header.Get("Content-Disposition"))
		}
		contains(t, c.get("/staff/invoices/"+itoa(inv.ID)).Body, "Incasso loopt")

		// Revoking asks first.
		revoke := "/staff/mandates/" + itoa(ms[0].ID) + "/revoke"
		c.expect(c.get(revoke), http.StatusOK, "")
		c.expect(c.post(revoke, url.Values{"reason": {""}}), http.StatusUnprocessableEntity, "")
		c.expect(c.post(revoke, url.Values{"reason": {"Klant wil per factuur betalen"}}), http.StatusSeeOther, "")
		if m, _ := e.pay.GetMandate(e.ctx, e.admin(), ms[0].ID); m.Status != payments.MandateRevoked {
			t.Fatalf("mandate %s", m.Status)
		}

		// Refunds: none open.
		contains(t, c.get("/staff/refunds").Body, "Er staan geen terugbetalingen open")

	})
}
