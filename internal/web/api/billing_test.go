package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/billing/ledger"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// ledger is billing as payments sees it: the Find functions answer only invoices with
// something left to pay.
// dunningInvoices is billing as dunning sees it, as far as the API tests need it:
// billing has no exported list of an invoice's payments, nor a charge issued in the
// caller's transaction, so a claim that would charge fails here.
type dunningInvoices struct{ b *billing.Service }

func dunningOpen(inv billing.OpenInvoice) dunning.OpenInvoice {
	return dunning.OpenInvoice{ID: inv.ID, OrgID: inv.OrgID, Number: inv.Number, CustomerKind: inv.CustomerKind, Email: inv.Email,
		Lang: inv.Lang, InvoiceDate: inv.IssueDate, DueDate: inv.DueDate, Open: inv.Open, Total: inv.TotalIncl}
}

func (d dunningInvoices) OpenInvoices(ctx context.Context, asOf terms.Date) ([]dunning.OpenInvoice, error) {
	invs, err := d.b.OpenInvoices(ctx, asOf)
	out := make([]dunning.OpenInvoice, len(invs))
	for i, inv := range invs {
		out[i] = dunningOpen(inv)
	}
	return out, err
}

func (d dunningInvoices) Invoice(ctx context.Context, id int64) (dunning.OpenInvoice, error) {
	inv, err := d.b.GetInvoice(ctx, billing.SystemPrincipal, id)
	if err != nil {
		return dunning.OpenInvoice{}, err
	}
	return dunning.OpenInvoice{ID: inv.ID, OrgID: inv.OrgID, Number: inv.Number, CustomerKind: inv.CustomerKind, Email: inv.Customer.Email,
		Lang: inv.Lang, InvoiceDate: inv.IssueDate, DueDate: inv.DueDate, Open: inv.State.Open, Total: inv.TotalIncl}, nil
}

func (d dunningInvoices) Payments(context.Context, int64) ([]dunning.Payment, error) { return nil, nil }

func (d dunningInvoices) IssueCharge(context.Context, store.Querier, int64, []dunning.ChargeLine, string) (int64, error) {
	return 0, errors.New("api test: charges are not wired")
}

// invoices runs billing, which invoices every tenant with a contract (fixture.sell).
func (f *fixture) invoices() {
	f.t.Helper()
	_, err := f.bil.RunBilling(seedCtx(), f.clk.Now())
	must(f.t, err)
	for _, tn := range []*tenant{&f.a, &f.b} {
		invs, _, err := f.bil.ListInvoices(seedCtx(), f.staff, billing.InvoiceFilter{OrgID: tn.org.ID, DocType: billing.DocInvoice}, billing.Page{})
		must(f.t, err)
		if len(invs) == 0 {
			continue
		}
		tn.invoice, err = f.bil.GetInvoice(seedCtx(), f.staff, invs[0].ID)
		must(f.t, err)
	}
}

// payables gives the tenant a mandate and puts a credit naming it in the unmatched
// queue.
func (f *fixture) payables(tn *tenant) {
	f.t.Helper()
	var err error
	tn.mandate, err = f.pay.CreateMandate(seedCtx(), f.staff, payments.MandateInput{OrgID: tn.org.ID, SignedOn: today.AddDays(-1),
		DebtorName: tn.org.LegalName, IBAN: "NL91ABNA0417164300"})
	must(f.t, err)
	file := camt("MSG-"+tn.org.LegalName, camtEntry{amount: "7.77", acctRef: "Q-" + itoa(tn.org.ID), ustrd: "Gift from " + tn.org.LegalName})
	_, err = f.pay.ImportCAMT053(seedCtx(), f.staff, "queue.xml", strings.NewReader(file))
	must(f.t, err)
	q, err := f.pay.Unmatched(seedCtx(), f.staff, payments.Page{PerPage: 100})
	must(f.t, err)
	for _, t := range q.Items {
		if t.Amount == 777 && strings.Contains(t.Unstructured, tn.org.LegalName) {
			tn.unmatched = t.ID
		}
	}
	if tn.unmatched == 0 {
		f.t.Fatalf("no queued transaction for %s: %+v", tn.org.LegalName, q.Items)
	}
}

func invoicePath(id int64) string { return "/api/v1/invoices/" + itoa(id) }
func mandatePath(id int64) string { return "/api/v1/mandates/" + itoa(id) }
func bankTxPath(id int64) string  { return "/api/v1/bank-transactions/" + itoa(id) }

// camtEntry is one booked entry of a test statement.
type camtEntry struct {
	amount, acctRef, ref, ustrd string
	debit                       bool
}

// camt writes a camt.053.001.02 statement of the provider's account with the entries.
func camt(msgID string, entries ...camtEntry) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
<BkToCstmrStmt><GrpHdr><MsgId>%s</MsgId><CreDtTm>2026-03-02T06:00:00+01:00</CreDtTm></GrpHdr>
<Stmt><Id>%s</Id><Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>
`, msgID, strings.ReplaceAll(msgID, " ", "")[:min(35, len(strings.ReplaceAll(msgID, " ", "")))])
	for _, e := range entries {
		dir := "CRDT"
		if e.debit {
			dir = "DBIT"
		}
		rmt := ""
		if e.ref != "" {
			rmt += `<Strd><CdtrRefInf><Ref>` + e.ref + `</Ref></CdtrRefInf></Strd>`
		}
		if e.ustrd != "" {
			rmt += `<Ustrd>` + e.ustrd + `</Ustrd>`
		}
		fmt.Fprintf(&b, `<Ntry><Amt Ccy="EUR">%s</Amt><CdtDbtInd>%s</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt>
<AcctSvcrRef>%s</AcctSvcrRef><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>
<RltdPties><Dbtr><Nm>Betaler</Nm></Dbtr><DbtrAcct><Id><IBAN>NL44RABO0123456789</IBAN></Id></DbtrAcct></RltdPties>
<RmtInf>%s</RmtInf></TxDtls></NtryDtls></Ntry>
`, e.amount, dir, e.acctRef, rmt)
	}
	b.WriteString("</Stmt></BkToCstmrStmt></Document>\n")
	return b.String()
}

func xmlRequest(path, token, body string) request {
	return request{method: http.MethodPost, path: path, token: token, body: body, header: map[string]string{"Content-Type": "application/xml"}}
}

// billingCases are the invoice, payment, mandate and refund operations, tried on B's
// objects (fixture.invoices and fixture.payables must have run for B).
func billingCases(f *fixture) []isolationCase {
	b := f.b
	inv, mandate, tx := invoicePath(b.invoice.ID), mandatePath(b.mandate.ID), bankTxPath(b.unmatched)
	return []isolationCase{
		{route: "GET /api/v1/invoices", path: "/api/v1/invoices?org_id=" + itoa(b.org.ID)},
		{route: "GET /api/v1/invoices/{id}", path: inv},
		{route: "GET /api/v1/invoices/{id}/pdf", path: inv + "/pdf"},
		{route: "GET /api/v1/invoices/{id}/ubl", path: inv + "/ubl"},
		{route: "POST /api/v1/invoices/{id}/payments/online", path: inv + "/payments/online", body: map[string]any{}},
		{route: "POST /api/v1/invoices/{id}/credit-notes", path: inv + "/credit-notes", body: map[string]any{"reason": "A says so"}},
		{route: "POST /api/v1/invoices/{id}/claim", path: inv + "/claim"},
		{route: "GET /api/v1/account-credit", path: "/api/v1/account-credit?org_id=" + itoa(b.org.ID)},
		{route: "POST /api/v1/bank-transactions/{id}/assign", path: tx + "/assign", body: map[string]any{"invoice": f.a.invoice.Number}},
		{route: "POST /api/v1/bank-transactions/{id}/ignore", path: tx + "/ignore", body: map[string]any{"reason": "A says so"}},
		{route: "GET /api/v1/mandates", path: "/api/v1/mandates?org_id=" + itoa(b.org.ID)},
		{route: "POST /api/v1/mandates", path: "/api/v1/mandates", body: map[string]any{"org_id": b.org.ID, "signed_on": "2026-03-01",
			"debtor_name": "Insider", "iban": "NL91ABNA0417164300"}},
		{route: "GET /api/v1/mandates/{id}", path: mandate},
		{route: "POST /api/v1/mandates/{id}/revoke", path: mandate + "/revoke", body: map[string]any{"reason": "A says so"}},
		{route: "POST /api/v1/direct-debit-batches", path: "/api/v1/direct-debit-batches", body: map[string]any{"collection_date": "2026-03-10",
			"items": []map[string]any{{"invoice_id": b.invoice.ID, "mandate_id": b.mandate.ID}}}},
		{route: "GET /api/v1/direct-debit-batches/{id}", path: "/api/v1/direct-debit-batches/1"},
		{route: "POST /api/v1/refunds/{id}/paid", path: "/api/v1/refunds/1/paid", body: map[string]any{"paid_ref": "A"}},
		{route: "GET /api/v1/refund-batches/{id}", path: "/api/v1/refund-batches/1"},
		{route: "POST /api/v1/refund-batches/{id}/confirm", path: "/api/v1/refund-batches/1/confirm", body: map[string]any{"executed_on": "2026-03-02"}},
	}
}

// billingSnapshot renders what billing and payments hold of a tenant.
func (f *fixture) billingSnapshot(tn tenant) map[string]any {
	f.t.Helper()
	ctx := seedCtx()
	out := map[string]any{}
	if tn.invoice.ID != 0 {
		inv, err := f.bil.GetInvoice(ctx, f.staff, tn.invoice.ID)
		must(f.t, err)
		ops, err := f.pay.OnlinePayments(ctx, f.staff, inv.ID)
		must(f.t, err)
		out["invoice"], out["online"] = inv.State, ops
	}
	invs, _, err := f.bil.ListInvoices(ctx, f.staff, billing.InvoiceFilter{OrgID: tn.org.ID}, billing.Page{Limit: 200})
	must(f.t, err)
	out["documents"] = len(invs)
	ms, err := f.pay.ListMandates(ctx, f.staff, tn.org.ID)
	must(f.t, err)
	out["mandates"] = ms
	bal, err := f.bil.CreditBalance(ctx, f.staff, tn.org.ID)
	must(f.t, err)
	out["credit"] = bal
	if tn.unmatched != 0 {
		tx, err := f.pay.BankTransaction(ctx, f.staff, tn.unmatched)
		must(f.t, err)
		out["unmatched"] = tx
	}
	return out
}

// TestInvoices: a customer reads its invoice with lines, VAT and explanations, as
// PDF and UBL, and pays it online; staff credit it.
func TestInvoices(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.sell(&f.a)
		f.sell(&f.b)
		f.invoices()
		if f.a.invoice.ID == 0 || f.b.invoice.ID == 0 {
			t.Fatal("the billing run issued no invoice")
		}

		var list InvoiceList
		expect(t, f.get("/api/v1/invoices", f.a.token), http.StatusOK, &list)
		if len(list.Items) == 0 || slices.ContainsFunc(list.Items, func(i InvoiceSummary) bool { return i.OrgID != f.a.org.ID }) {
			t.Fatalf("A's invoices: %+v", list.Items)
		}
		expect(t, f.get("/api/v1/invoices?status=paid", f.a.token), http.StatusOK, &list)
		if len(list.Items) != 0 {
			t.Errorf("A's paid invoices: %+v", list.Items)
		}
		expect(t, f.get("/api/v1/invoices?org_id="+itoa(f.b.org.ID), f.staffToken), http.StatusOK, &list)
		if len(list.Items) == 0 || slices.ContainsFunc(list.Items, func(i InvoiceSummary) bool { return i.OrgID != f.b.org.ID }) {
			t.Fatalf("staff's list of B: %+v", list.Items)
		}
		expectProblem(t, f.get("/api/v1/invoices?status=late", f.a.token), http.StatusUnprocessableEntity)

		var inv Invoice
		expect(t, f.get(invoicePath(f.a.invoice.ID), f.a.readToken), http.StatusOK, &inv)
		if inv.Number != f.a.invoice.Number || len(inv.Lines) == 0 || len(inv.VATBreakdown) == 0 || inv.Status != "open" ||
			inv.Open != inv.AmountDue || inv.TotalIncl != f.a.invoice.TotalIncl.String() || inv.Reference == "" {
			t.Fatalf("invoice %+v", inv)
		}
		if inv.VATBreakdown[0].Rate != "21" || inv.Provider.VATID == "" || inv.Customer.Name != f.a.org.LegalName {
			t.Errorf("VAT and parties: %+v %+v %+v", inv.VATBreakdown, inv.Provider, inv.Customer)
		}
		if len(inv.Dunning) != 0 || len(inv.OnlinePayments) != 0 {
			t.Errorf("a new invoice has dunning %+v or payments %+v", inv.Dunning, inv.OnlinePayments)
		}

		rec := f.get(invoicePath(f.a.invoice.ID)+"/pdf", f.a.readToken)
		expect(t, rec, http.StatusOK, nil)
		if !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF-")) || rec.Header().Get("Content-Type") != "application/pdf" {
			t.Errorf("PDF: %q %q", rec.Header().Get("Content-Type"), rec.Body.Bytes()[:min(20, rec.Body.Len())])
		}
		if !strings.Contains(rec.Header().Get("Content-Disposition"), f.a.invoice.Number+".pdf") {
			t.Errorf("Content-Disposition %q", rec.Header().Get("Content-Disposition"))
		}
		rec = f.get(invoicePath(f.a.invoice.ID)+"/ubl", f.a.readToken)
		expect(t, rec, http.StatusOK, nil)
		if !strings.Contains(rec.Body.String(), "<Invoice") || !strings.Contains(rec.Body.String(), f.a.invoice.Number) ||
			rec.Header().Get("Content-Type") != "application/xml" {
			t.Errorf("UBL: %q %.200s", rec.Header().Get("Content-Type"), rec.Body.String())
		}

		// Paying online: the read token may not, the write token gets a checkout page.
		pay := invoicePath(f.a.invoice.ID) + "/payments/online"
		expectProblem(t, f.do(request{method: "POST", path: pay, token: f.a.readToken, body: map[string]any{}}), http.StatusForbidden)
		var started OnlinePaymentStarted
		expect(t, f.do(request{method: "POST", path: pay, token: f.a.token, body: map[string]any{}}), http.StatusCreated, &started)
		if started.CheckoutURL == "" {
			t.Fatal("no checkout URL")
		}
		expect(t, f.get(invoicePath(f.a.invoice.ID), f.a.token), http.StatusOK, &inv)
		if len(inv.OnlinePayments) != 1 || inv.OnlinePayments[0].Amount != inv.Open || inv.OnlinePayments[0].Provider != "demo" {
			t.Errorf("online payments: %+v", inv.OnlinePayments)
		}
		p := expectProblem(t, f.do(request{method: "POST", path: pay, token: f.a.token, body: map[string]any{"redirect": "javascript:alert(1)"}}),
			http.StatusUnprocessableEntity)
		if !slices.Contains(p.locations(), "body.redirect") {
			t.Errorf("bad redirect: %v", p.locations())
		}

		// Account credit: the customer's own; staff name the organisation.
		var credit AccountCredit
		expect(t, f.get("/api/v1/account-credit", f.a.token), http.StatusOK, &credit)
		if credit.OrgID != f.a.org.ID || credit.Balance != "0.00" {
			t.Errorf("credit %+v", credit)
		}
		expectProblem(t, f.get("/api/v1/account-credit", f.staffToken), http.StatusUnprocessableEntity)
		expect(t, f.get("/api/v1/account-credit?org_id="+itoa(f.b.org.ID), f.staffToken), http.StatusOK, &credit)
		if credit.OrgID != f.b.org.ID {
			t.Errorf("credit %+v", credit)
		}

		// Claiming before anything is due is refused with the reason; the customer may not.
		expectProblem(t, f.do(request{method: "POST", path: invoicePath(f.a.invoice.ID) + "/claim", token: f.a.token}), http.StatusForbidden)
		p = expectProblem(t, f.do(request{method: "POST", path: invoicePath(f.a.invoice.ID) + "/claim", token: f.staffToken}), http.StatusUnprocessableEntity)
		if !slices.Contains(p.locations(), "path.id") || p.Key != "claim.not_due" || !strings.Contains(p.Detail, "a claim can be made from ") {
			t.Errorf("claim: %+v", p)
		}

		// Credit notes: staff only; more than the line is refused and issues nothing.
		credit1 := invoicePath(f.a.invoice.ID) + "/credit-notes"
		expectProblem(t, f.do(request{method: "POST", path: credit1, token: f.a.token, body: map[string]any{"reason": "korting"}}), http.StatusForbidden)
		line := f.a.invoice.Lines[0]
		p = expectProblem(t, f.do(request{method: "POST", path: credit1, token: f.staffToken, body: map[string]any{"reason": "korting",
			"lines": []map[string]any{{"position": line.Position, "amount": (line.Amount + 100).String()}}}}), http.StatusUnprocessableEntity)
		if len(p.Errors) == 0 || !strings.HasPrefix(p.Errors[0].Location, "body.") {
			t.Errorf("excess credit: %+v", p)
		}
		expect(t, f.get("/api/v1/invoices?org_id="+itoa(f.a.org.ID)+"&doc_type=credit_note", f.staffToken), http.StatusOK, &list)
		if len(list.Items) != 0 {
			t.Fatalf("a refused credit note was issued: %+v", list.Items)
		}
		var cn Invoice
		expect(t, f.do(request{method: "POST", path: credit1, token: f.staffToken, body: map[string]any{"reason": "Dubbel gefactureerd"}}),
			http.StatusCreated, &cn)
		if cn.DocType != "credit_note" || cn.CreditsInvoiceID != f.a.invoice.ID || !strings.HasPrefix(cn.Number, "C") {
			t.Errorf("credit note %+v", cn)
		}
		expect(t, f.get(invoicePath(f.a.invoice.ID), f.a.token), http.StatusOK, &inv)
		if inv.Status != "credited" || inv.Open != "0.00" {
			t.Errorf("credited invoice: %s open %s", inv.Status, inv.Open)
		}
		rec = f.get(invoicePath(cn.ID)+"/ubl", f.a.token)
		expect(t, rec, http.StatusOK, nil)
		if !strings.Contains(rec.Body.String(), "<CreditNote") {
			t.Errorf("credit note UBL: %.200s", rec.Body.String())
		}
	})
}

// TestBankStatements: staff import a statement; a bad one names the entry and field
// and saves nothing; the queue is worked through.
func TestBankStatements(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.sell(&f.a)
		f.sell(&f.b)
		f.invoices()
		good := camt("STMT-1",
			camtEntry{amount: f.a.invoice.AmountDue.String(), acctRef: "R1", ref: f.a.invoice.Reference},
			camtEntry{amount: "5.00", acctRef: "R2", ustrd: "Onbekend"},
			camtEntry{amount: "3.00", acctRef: "R3", ustrd: "Ook onbekend"})
		bad := strings.Replace(good, `<Amt Ccy="EUR">5.00</Amt>`, `<Amt Ccy="EUR">5,00</Amt>`, 1)

		expectProblem(t, f.do(xmlRequest("/api/v1/bank-statements", f.a.token, good)), http.StatusForbidden)
		expectProblem(t, f.do(request{method: "POST", path: "/api/v1/bank-statements", token: f.staffToken, body: good,
			header: map[string]string{"Content-Type": "text/csv"}}), http.StatusUnsupportedMediaType)

		p := expectProblem(t, f.do(xmlRequest("/api/v1/bank-statements?filename=bad.xml", f.staffToken, bad)), http.StatusUnprocessableEntity)
		if len(p.Errors) != 1 || p.Errors[0].Location != "body.entries[2].Amt" || !strings.Contains(p.Detail, "entry 2") ||
			!strings.Contains(p.Detail, "bad.xml") {
			t.Errorf("bad statement: %+v", p)
		}
		var q BankTransactionList
		expect(t, f.get("/api/v1/bank-transactions/unmatched", f.staffToken), http.StatusOK, &q)
		if q.Total != 0 {
			t.Fatalf("a refused statement queued %+v", q.Items)
		}
		var inv Invoice
		expect(t, f.get(invoicePath(f.a.invoice.ID), f.a.token), http.StatusOK, &inv)
		if inv.Status != "open" {
			t.Fatalf("a refused statement paid the invoice: %s", inv.Status)
		}
		huge := strings.Repeat(" ", maxStatementBytes+1)
		expectProblem(t, f.do(xmlRequest("/api/v1/bank-statements", f.staffToken, huge)), http.StatusRequestEntityTooLarge)

		var res ImportResult
		expect(t, f.do(xmlRequest("/api/v1/bank-statements?filename=good.xml", f.staffToken, good)), http.StatusOK, &res)
		if res != (ImportResult{Statements: 1, Entries: 3, Matched: 1, Unmatched: 2}) {
			t.Fatalf("import %+v", res)
		}
		expect(t, f.do(xmlRequest("/api/v1/bank-statements", f.staffToken, good)), http.StatusOK, &res)
		if res.Duplicates != 3 || res.Matched != 0 {
			t.Errorf("second import %+v", res)
		}
		expect(t, f.get(invoicePath(f.a.invoice.ID), f.a.token), http.StatusOK, &inv)
		if inv.Status != "paid" || inv.Open != "0.00" {
			t.Errorf("paid by transfer: %s open %s", inv.Status, inv.Open)
		}

		expectProblem(t, f.get("/api/v1/bank-transactions/unmatched", f.a.token), http.StatusForbidden)
		expect(t, f.get("/api/v1/bank-transactions/unmatched", f.staffToken), http.StatusOK, &q)
		if q.Total != 2 || len(q.Items) != 2 || q.Items[0].Status != "unmatched" || q.Items[0].MatchNote == "" {
			t.Fatalf("queue %+v", q)
		}
		five, three := q.Items[0], q.Items[1]
		if five.Amount != "5.00" {
			five, three = three, five
		}
		expectProblem(t, f.do(request{method: "POST", path: bankTxPath(five.ID) + "/assign", token: f.a.token,
			body: map[string]any{"invoice": f.b.invoice.Number}}), http.StatusForbidden)
		p = expectProblem(t, f.do(request{method: "POST", path: bankTxPath(five.ID) + "/assign", token: f.staffToken,
			body: map[string]any{"invoice": "nope"}}), http.StatusUnprocessableEntity)
		if len(p.Errors) == 0 {
			t.Errorf("assign to nothing: %+v", p)
		}
		var tx BankTransaction
		expect(t, f.do(request{method: "POST", path: bankTxPath(five.ID) + "/assign", token: f.staffToken,
			body: map[string]any{"invoice": f.b.invoice.Number, "note": "B betaalde deels"}}), http.StatusOK, &tx)
		if tx.Status != "assigned" || tx.InvoiceID != f.b.invoice.ID || tx.Applied != "5.00" {
			t.Errorf("assigned %+v", tx)
		}
		expectProblem(t, f.do(request{method: "POST", path: bankTxPath(three.ID) + "/ignore", token: f.staffToken,
			body: map[string]any{"reason": ""}}), http.StatusUnprocessableEntity)
		expect(t, f.do(request{method: "POST", path: bankTxPath(three.ID) + "/ignore", token: f.staffToken,
			body: map[string]any{"reason": "Privé"}}), http.StatusOK, &tx)
		if tx.Status != "ignored" {
			t.Errorf("ignored %+v", tx)
		}
		expect(t, f.get("/api/v1/bank-transactions/unmatched", f.staffToken), http.StatusOK, &q)
		if q.Total != 0 {
			t.Errorf("queue after working it: %+v", q)
		}
		expect(t, f.get(invoicePath(f.b.invoice.ID), f.b.token), http.StatusOK, &inv)
		if inv.Paid != "5.00" {
			t.Errorf("B's invoice after the assignment: paid %s", inv.Paid)
		}
	})
}

// TestMandatesAndDirectDebit: a customer records its mandate (a bad IBAN is refused),
// staff collect an invoice under it and fetch the pain.008 file.
func TestMandatesAndDirectDebit(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.sell(&f.a)
		f.invoices()
		body := map[string]any{"signed_on": "2026-03-01", "debtor_name": "Klant A", "iban": "NL91 ABNA 0417 1643 01"}
		p := expectProblem(t, f.do(request{method: "POST", path: "/api/v1/mandates", token: f.a.token, body: body}), http.StatusUnprocessableEntity)
		if !slices.Contains(p.locations(), "body.iban") {
			t.Errorf("bad IBAN: %v", p.locations())
		}
		var ms MandateList
		expect(t, f.get("/api/v1/mandates", f.a.token), http.StatusOK, &ms)
		if len(ms.Items) != 0 {
			t.Fatalf("a refused mandate was saved: %+v", ms.Items)
		}
		body["iban"] = "NL91 ABNA 0417 1643 00"
		var m Mandate
		expect(t, f.do(request{method: "POST", path: "/api/v1/mandates", token: f.a.token, body: body}), http.StatusCreated, &m)
		if m.OrgID != f.a.org.ID || m.IBAN != "NL91ABNA0417164300" || m.Status != "active" || m.NextSequence != "FRST" || m.Reference == "" {
			t.Errorf("mandate %+v", m)
		}
		expect(t, f.get("/api/v1/mandates", f.a.token), http.StatusOK, &ms)
		if len(ms.Items) != 1 {
			t.Errorf("mandates %+v", ms.Items)
		}
		expectProblem(t, f.get("/api/v1/mandates", f.staffToken), http.StatusUnprocessableEntity)
		expect(t, f.get(mandatePath(m.ID), f.staffToken), http.StatusOK, &m)

		// Saturday 21 March and Easter Monday 6 April are no TARGET2 days; the 10th is
		// too soon to pre-notify the debtor.
		for _, day := range []string{"2026-03-10", "2026-03-21", "2026-04-06"} {
			p := expectProblem(t, f.do(request{method: "POST", path: "/api/v1/direct-debit-batches", token: f.staffToken,
				body: map[string]any{"collection_date": day, "items": []map[string]any{{"invoice_id": f.a.invoice.ID, "mandate_id": m.ID}}}}),
				http.StatusUnprocessableEntity)
			if !slices.Contains(p.locations(), "body.collection_date") {
				t.Errorf("%s: %v", day, p.locations())
			}
		}
		batch := map[string]any{"collection_date": "2026-03-17", "items": []map[string]any{{"invoice_id": f.a.invoice.ID, "mandate_id": m.ID}}}
		expectProblem(t, f.do(request{method: "POST", path: "/api/v1/direct-debit-batches", token: f.a.token, body: batch}), http.StatusForbidden)
		p = expectProblem(t, f.do(request{method: "POST", path: "/api/v1/direct-debit-batches", token: f.staffToken,
			body: map[string]any{"collection_date": "2026-03-17", "items": []map[string]any{{"invoice_id": 999999, "mandate_id": m.ID}}}}),
			http.StatusUnprocessableEntity)
		if !slices.Contains(p.locations(), "body.items[0].invoice_id") {
			t.Errorf("unknown invoice: %v", p.locations())
		}
		var db DirectDebitBatch
		expect(t, f.do(request{method: "POST", path: "/api/v1/direct-debit-batches", token: f.staffToken, body: batch}), http.StatusCreated, &db)
		if db.ID == 0 || db.Items != 1 || db.CollectionDate != "2026-03-17" {
			t.Fatalf("batch %+v", db)
		}
		var inv Invoice
		expect(t, f.get("/api/v1/invoices/"+itoa(f.a.invoice.ID), f.a.token), http.StatusOK, &inv)
		if inv.Status != "collection_pending" {
			t.Errorf("collected invoice is %q", inv.Status)
		}
		expectProblem(t, f.get("/api/v1/direct-debit-batches/"+itoa(db.ID), f.a.token), http.StatusForbidden)
		rec := f.get("/api/v1/direct-debit-batches/"+itoa(db.ID), f.staffToken)
		expect(t, rec, http.StatusOK, nil)
		if !strings.Contains(rec.Body.String(), payments.Pain008Namespace) || !strings.Contains(rec.Body.String(), m.Reference) ||
			rec.Header().Get("Content-Type") != "application/xml" {
			t.Errorf("pain.008: %q %.300s", rec.Header().Get("Content-Type"), rec.Body.String())
		}
		expectProblem(t, f.get("/api/v1/direct-debit-batches/999999", f.staffToken), http.StatusNotFound)

		expect(t, f.do(request{method: "POST", path: mandatePath(m.ID) + "/revoke", token: f.a.token, body: map[string]any{"reason": "Overstap"}}),
			http.StatusOK, &m)
		if m.Status != "revoked" {
			t.Errorf("revoked %+v", m)
		}
	})
}

// TestBillingStaffOnly: a customer's administrator is refused every staff operation
// of billing and payments with 403; staff get the reports as JSON and CSV.
func TestBillingStaffOnly(t *testing.T) {
	eachEngine(t, func(t *testing.T, f *fixture) {
		f.sell(&f.a)
		f.invoices()
		f.payables(&f.a)
		inv := invoicePath(f.a.invoice.ID)
		for _, r := range []request{
			xmlRequest("/api/v1/bank-statements", f.a.token, camt("X", camtEntry{amount: "1.00", acctRef: "X1"})),
			{method: "GET", path: "/api/v1/bank-transactions/unmatched"},
			{method: "POST", path: bankTxPath(f.a.unmatched) + "/assign", body: map[string]any{"invoice": f.a.invoice.Number}},
			{method: "POST", path: bankTxPath(f.a.unmatched) + "/ignore", body: map[string]any{"reason": "x"}},
			{method: "POST", path: "/api/v1/direct-debit-batches", body: map[string]any{"collection_date": "2026-03-10",
				"items": []map[string]any{{"invoice_id": f.a.invoice.ID, "mandate_id": f.a.mandate.ID}}}},
			{method: "GET", path: "/api/v1/direct-debit-batches/1"},
			{method: "GET", path: "/api/v1/refunds"},
			{method: "POST", path: "/api/v1/refunds/1/paid", body: map[string]any{"paid_ref": "x"}},
			{method: "POST", path: "/api/v1/refunds/payouts"},
			{method: "GET", path: "/api/v1/refund-batches"},
			{method: "GET", path: "/api/v1/refund-batches/1"},
			{method: "POST", path: "/api/v1/refund-batches/1/confirm", body: map[string]any{"executed_on": "2026-03-02"}},
			{method: "GET", path: "/api/v1/reports/receivables"},
			{method: "GET", path: "/api/v1/reports/revenue"},
			{method: "GET", path: "/api/v1/reports/vat?format=csv"},
			{method: "POST", path: inv + "/credit-notes", body: map[string]any{"reason": "x"}},
			{method: "POST", path: inv + "/claim"},
		} {
			r.token = f.a.token
			expectProblem(t, f.do(r), http.StatusForbidden)
		}
		// Nothing owed: paying out makes no file; an unknown file is not found.
		var run RefundRun
		expect(t, f.do(request{method: "POST", path: "/api/v1/refunds/payouts", token: f.staffToken}), http.StatusOK, &run)
		if run.BatchID != 0 || run.Provider != 0 || run.Transfers != 0 {
			t.Errorf("payouts %+v", run)
		}
		var batches RefundBatchList
		expect(t, f.get("/api/v1/refund-batches", f.staffToken), http.StatusOK, &batches)
		expectProblem(t, f.get("/api/v1/refund-batches/9", f.staffToken), http.StatusNotFound)
		expectProblem(t, f.do(request{method: "POST", path: "/api/v1/refund-batches/9/confirm", token: f.staffToken,
			body: map[string]any{"executed_on": "2026-03-02"}}), http.StatusNotFound)
		var tx BankTransaction
		expect(t, f.do(request{method: "POST", path: bankTxPath(f.a.unmatched) + "/ignore", token: f.staffToken,
			body: map[string]any{"reason": "Test"}}), http.StatusOK, &tx)

		var rec ReceivablesReport
		expect(t, f.get("/api/v1/reports/receivables", f.staffToken), http.StatusOK, &rec)
		if rec.AsOf != today.String() || len(rec.Rows) == 0 || len(rec.Buckets) != len(billing.AgeingBuckets) {
			t.Errorf("receivables %+v", rec)
		}
		var rev RevenueReport
		expect(t, f.get("/api/v1/reports/revenue?from=2026-01-01&to=2026-12-31", f.staffToken), http.StatusOK, &rev)
		if len(rev.Rows) != 1 || rev.Rows[0].Month != "2026-03" || rev.Rows[0].TotalIncl != f.a.invoice.TotalIncl.String() {
			t.Errorf("revenue %+v", rev)
		}
		var vat VATReport
		expect(t, f.get("/api/v1/reports/vat", f.staffToken), http.StatusOK, &vat)
		if vat.From != "2026-01-01" || vat.To != today.String() || len(vat.Rows) == 0 {
			t.Errorf("vat %+v", vat)
		}
		r := f.get("/api/v1/reports/vat?format=csv", f.staffToken)
		expect(t, r, http.StatusOK, nil)
		if !strings.HasPrefix(r.Header().Get("Content-Type"), "text/csv") || !strings.Contains(r.Body.String(), "domestic") {
			t.Errorf("VAT CSV: %q %s", r.Header().Get("Content-Type"), r.Body.String())
		}
		r = f.get("/api/v1/reports/revenue?format=csv", f.staffToken)
		expect(t, r, http.StatusOK, nil)
		if !strings.HasPrefix(r.Header().Get("Content-Type"), "text/csv") || !strings.Contains(r.Body.String(), "2026-03") {
			t.Errorf("revenue CSV: %q %s", r.Header().Get("Content-Type"), r.Body.String())
		}
		p := expectProblem(t, f.get("/api/v1/reports/revenue?from=2026-05-01&to=2026-04-01", f.staffToken), http.StatusUnprocessableEntity)
		if !slices.Contains(p.locations(), "query.to") {
			t.Errorf("reversed period: %v", p.locations())
		}
		var refunds RefundList
		expect(t, f.get("/api/v1/refunds", f.staffToken), http.StatusOK, &refunds)
		expectProblem(t, f.do(request{method: "POST", path: "/api/v1/refunds/999999/paid", token: f.staffToken,
			body: map[string]any{"paid_ref": "x"}}), http.StatusNotFound)
	})
}

// docDeps are services enough to put every operation in the OpenAPI document; they
// are never called.
func docDeps() Deps {
	pack, err := terms.LoadPack("cloudprovider")
	if err != nil {
		panic(err)
	}
	clk := clock.Real{}
	db := &store.DB{}
	bil := billing.New(db, clk, billing.Deps{Pack: pack})
	return Deps{Demo: true, Billing: bil, Payments: payments.New(db, clk, ledger.New(bil, nil), payments.Config{Pack: pack}),
		Dunning: dunning.New(db, clk, dunning.Deps{Pack: pack, Invoices: dunningInvoices{bil}})}
}
