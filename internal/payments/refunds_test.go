package payments

import (
	"context"
	"encoding/xml"
	"errors"
	"net/http/httptest"
	"path"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

// demoPaid makes a demo payment of amount and reports it paid, as a customer paying an
// invoice online; it returns the provider's payment id.
func (e *env) demoPaid(demo *DemoProvider, invoiceID, org int64, amount terms.Money) string {
	e.t.Helper()
	e.ledger.add(invoiceID, org, "F2026-"+strconv.FormatInt(invoiceID, 10), "", amount)
	u, err := e.s.StartOnlinePayment(e.ctx, customer(org), invoiceID, "/invoices")
	if err != nil {
		e.t.Fatal(err)
	}
	id := path.Base(u)
	hook, _, err := demo.Complete(id, true)
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.s.HandleWebhook(e.ctx, "demo", hook); err != nil {
		e.t.Fatal(err)
	}
	return id
}

// A refund of money paid online goes back through the provider's refund call, once;
// the provider reports it refunded and the refund is paid.
func TestRefundThroughProvider(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		demo := NewDemoProvider("demo-secret", e.clk)
		e.s = New(e.db, e.clk, e.ledger, Config{Creditor: testCreditor, BaseURL: "https://portal.example", Pack: testPack(t), Providers: map[string]Provider{"demo": demo}})
		pid := e.demoPaid(demo, 1, 101, 10000)
		e.ledger.addRefund(Refund{ID: 1, OrgID: 101, Amount: 4727, DueBy: terms.D(2026, 2, 11), Source: "credit_note", CustomerName: "Org 101",
			Origins: []RefundOrigin{{Source: SourcePSPPrefix + "demo", SourceRef: pid, Amount: 10000, On: terms.D(2026, 1, 28)}}})
		_, err := e.s.PayRefunds(e.ctx, e.support)
		wantErr(t, err, accounts.ErrForbidden)
		run, err := e.s.PayRefunds(e.ctx, e.billing)
		if err != nil || run.Provider != 1 || run.Batch != 0 || demo.RefundCount() != 1 {
			t.Fatalf("run %+v %v, %d demo refunds", run, err, demo.RefundCount())
		}
		if r := e.ledger.refund(1); r.Status != "paid" || !strings.HasPrefix(r.ref, "demo re_demo") || r.paidOn != e.s.today() {
			t.Fatalf("refund %+v", r)
		}
		again, err := e.s.PayRefunds(e.ctx, e.billing)
		if err != nil || again.Provider != 0 || demo.RefundCount() != 1 {
			t.Fatalf("second run %+v %v", again, err)
		}
		if e.auditCount("payment.refund_paid") != 1 {
			t.Fatal("not audited")
		}
	})
}

// Mollie's refunds endpoint, against recorded responses: the refund is created with
// the amount and an idempotency key, is pending (the ledger's refund "sent") until the
// provider reports it refunded (paid).
func TestRefundThroughMollie(t *testing.T) {
	fm := &fakeMollie{status: "paid", refundStatus: "pending"}
	srv := httptest.NewServer(fm.handler(t))
	defer srv.Close()
	m := &Mollie{APIKey: "test_dHar4XY7LxsDOtmnkVtjNVWXLSlXsM", BaseURL: srv.URL, HTTP: srv.Client()}
	// The client alone: fields sent, response read, errors named.
	st, err := m.Refund(context.Background(), RefundRequest{PaymentID: "tr_WDqYK6vllg", Amount: 900, Description: "Terugbetaling", Reference: "HP-RF-000001", Key: "k1"})
	if err != nil || st.ID != "re_4qqhO89gsT" || st.Status != RefundPending || st.Amount != 900 || st.PaymentID != "tr_WDqYK6vllg" {
		t.Fatalf("refund %+v %v", st, err)
	}
	if b := fm.refundBodies[0]; b["amount"].(map[string]any)["value"] != "9.00" || b["amount"].(map[string]any)["currency"] != "EUR" || b["description"] != "Terugbetaling" {
		t.Fatalf("request %v", b)
	}
	if _, err := m.Refund(context.Background(), RefundRequest{PaymentID: "tr_WDqYK6vllg", Amount: 50000, Key: "k2"}); err == nil ||
		!strings.Contains(err.Error(), "higher than the amount that is refundable") || !strings.Contains(err.Error(), "field amount") {
		t.Fatalf("422: %v", err)
	}
	if _, err := m.Refund(context.Background(), RefundRequest{PaymentID: "../x", Amount: 900}); err == nil {
		t.Fatal("a bad payment id was sent")
	}
	fm.mu.Lock()
	fm.refundKeys, fm.refundBodies = nil, nil
	fm.mu.Unlock()

	each(t, Config{Providers: map[string]Provider{"mollie": m}}, func(t *testing.T, e *env) {
		fm.mu.Lock()
		fm.refundKeys, fm.refundBodies, fm.refundStatus = nil, nil, "pending"
		fm.mu.Unlock()
		e.ledger.add(1, 101, "F2026-0001", "3000000000000421", 12100)
		if _, err := e.s.StartOnlinePayment(e.ctx, customer(101), 1, "/invoices/1"); err != nil {
			t.Fatal(err)
		}
		if err := e.s.HandleWebhook(e.ctx, "mollie", mollieWebhook("tr_WDqYK6vllg")); err != nil {
			t.Fatal(err)
		}
		e.ledger.addRefund(Refund{ID: 1, OrgID: 101, Amount: 900, DueBy: terms.D(2026, 2, 27), Source: "payment",
			Origins: []RefundOrigin{{Source: "psp:mollie", SourceRef: "tr_WDqYK6vllg", Amount: 12100, On: terms.D(2026, 1, 28)}}})
		run, err := e.s.PayRefunds(e.ctx, e.billing)
		if err != nil || run.Provider != 1 {
			t.Fatalf("run %+v %v", run, err)
		}
		if r := e.ledger.refund(1); r.Status != "sent" || r.ref != "mollie re_4qqhO89gsT" {
			t.Fatalf("refund after create %+v", r)
		}
		if fm.refundKeys[refundKey(1, 1)] != 1 {
			t.Fatalf("idempotency keys %v", fm.refundKeys)
		}
		if err := e.s.PollProviderRefunds(e.ctx, e.clk.Now()); err != nil || e.ledger.refund(1).Status != "sent" {
			t.Fatalf("still pending: %v %+v", err, e.ledger.refund(1))
		}
		fm.mu.Lock()
		fm.refundStatus = "refunded"
		fm.mu.Unlock()
		if err := e.s.PollProviderRefunds(e.ctx, e.clk.Now()); err != nil || e.ledger.refund(1).Status != "paid" {
			t.Fatalf("refunded: %v %+v", err, e.ledger.refund(1))
		}
		if err := e.s.PollProviderRefunds(e.ctx, e.clk.Now()); err != nil || e.auditCount("payment.refund_paid") != 1 {
			t.Fatalf("polled again: %v", err)
		}
	})
}

// Killed after the provider refunded but before anything was recorded: the next run
// sends the same idempotency key, and the money goes back once.
func TestProviderRefundCrashAfterCall(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		demo := NewDemoProvider("demo-secret", e.clk)
		e.s = New(e.db, e.clk, e.ledger, Config{Creditor: testCreditor, BaseURL: "https://portal.example", Pack: testPack(t), Providers: map[string]Provider{"demo": demo}})
		pid := e.demoPaid(demo, 1, 101, 10000)
		e.ledger.addRefund(Refund{ID: 1, OrgID: 101, Amount: 2500, DueBy: terms.D(2026, 2, 11), Source: "payment",
			Origins: []RefundOrigin{{Source: "psp:demo", SourceRef: pid, Amount: 10000}}})
		e.s.hooks.afterProviderRefund = func() error { return errors.New("killed") }
		if _, err := e.s.PayRefunds(e.ctx, e.billing); err == nil {
			t.Fatal("the crash was not reported")
		}
		if demo.RefundCount() != 1 || e.ledger.refund(1).Status != "open" {
			t.Fatalf("after the crash: %d refunds, %+v", demo.RefundCount(), e.ledger.refund(1))
		}
		e.s.hooks.afterProviderRefund = nil
		run, err := e.s.PayRefunds(e.ctx, e.billing)
		if err != nil || run.Provider != 1 || demo.RefundCount() != 1 || e.ledger.refund(1).Status != "paid" {
			t.Fatalf("after restart: %+v %v, %d refunds, %+v", run, err, demo.RefundCount(), e.ledger.refund(1))
		}
	})
}

type readPain001 struct {
	XMLName xml.Name `xml:"Document"`
	MsgID   string   `xml:"CstmrCdtTrfInitn>GrpHdr>MsgId"`
	NbOfTxs int      `xml:"CstmrCdtTrfInitn>GrpHdr>NbOfTxs"`
	CtrlSum string   `xml:"CstmrCdtTrfInitn>GrpHdr>CtrlSum"`
	Exec    string   `xml:"CstmrCdtTrfInitn>PmtInf>ReqdExctnDt"`
	Dbtr    string   `xml:"CstmrCdtTrfInitn>PmtInf>DbtrAcct>Id>IBAN"`
	Txs     []struct {
		E2E  string `xml:"PmtId>EndToEndId"`
		Amt  string `xml:"Amt>InstdAmt"`
		Name string `xml:"Cdtr>Nm"`
		IBAN string `xml:"CdtrAcct>Id>IBAN"`
	} `xml:"CstmrCdtTrfInitn>PmtInf>CdtTrfTxInf"`
}

// transferRefunds owes three refunds: one of an overpaid bank transfer (back to the
// account it came from), one of a direct debit (to the mandate's account), and one
// with no account known.
func (e *env) transferRefunds() {
	e.t.Helper()
	e.ingInvoices()
	e.importFile("camt053_ing.xml") // invoice 3 is overpaid by 9.00 from NL20KNAB0987654321
	m := e.mandate(202, "P. de Vries", "NL75ABNA0555555555", "")
	if _, err := e.db.ExecContext(e.ctx, `INSERT INTO dd_batches (batch_key, msg_id, collection_date, nb_of_txs, ctrl_sum, created_by, created_at)
		VALUES ('k', 'HP-DD-000009', '2026-01-20', 1, 4840, 1, $1)`, e.s.now()); err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.db.ExecContext(e.ctx, `INSERT INTO dd_collections (batch_id, end_to_end_id, pmt_inf_id, mandate_id, seq_type, invoice_id, invoice_number, org_id, amount, status, created_at, updated_at)
		VALUES (1, 'HP-DD-000009-0001', 'HP-DD-000009-RCUR', $1, 'RCUR', 2, 'F2026-0002', 202, 4840, 'settled', $2, $2)`, m.ID, e.s.now()); err != nil {
		e.t.Fatal(err)
	}
	e.ledger.addRefund(Refund{ID: 1, OrgID: 103, Amount: 900, DueBy: terms.D(2026, 3, 11), Source: "payment", CustomerName: "Bakkerij Smit",
		Origins: []RefundOrigin{{Source: SourceBank, SourceRef: "NL20INGB0001234567|2026020900003", Amount: 13000}}})
	e.ledger.addRefund(Refund{ID: 2, OrgID: 202, Amount: 1210, DueBy: terms.D(2026, 2, 11), Source: "credit_note", Lang: "en",
		Origins: []RefundOrigin{{Source: SourceDirectDebit, SourceRef: "HP-DD-000009-0001", Amount: 4840}}})
	e.ledger.addRefund(Refund{ID: 3, OrgID: 999, Amount: 500, DueBy: terms.D(2026, 2, 11), Source: "credit_note"})
}

// Refunds of money not paid online go out in one pain.001 file to the account the
// customer paid from or its mandate names; "sent" when the file is made, "paid" when
// staff confirm its execution.
func TestRefundsInPain001(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		e.clk.Set(time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC))
		e.transferRefunds()
		run, err := e.s.PayRefunds(e.ctx, e.billing)
		if err != nil || run.Batch == 0 || run.Transfers != 2 || len(run.NoAccount) != 1 || run.NoAccount[0] != 3 {
			t.Fatalf("run %+v %v", run, err)
		}
		doc, err := e.s.RefundBatchFile(e.ctx, e.billing, run.Batch)
		if err != nil {
			t.Fatal(err)
		}
		var p readPain001
		if err := xml.Unmarshal(doc, &p); err != nil || p.XMLName.Space != Pain001Namespace {
			t.Fatalf("pain.001: %v %s", err, doc)
		}
		if p.MsgID != "HP-CT-000001" || p.NbOfTxs != 2 || p.CtrlSum != "21.10" || p.Exec != "2026-02-10" || p.Dbtr != testCreditor.IBAN ||
			p.Txs[0].IBAN != "NL20KNAB0987654321" || p.Txs[0].Name != "Bakkerij Smit V.O.F." || p.Txs[0].Amt != "9.00" ||
			p.Txs[1].IBAN != "NL75ABNA0555555555" || p.Txs[1].Name != "P. de Vries" || p.Txs[1].E2E != "HP-RF-000002" {
			t.Fatalf("pain.001 %+v", p)
		}
		for id, want := range map[int64]string{1: "sent", 2: "sent", 3: "open"} {
			if r := e.ledger.refund(id); r.Status != want {
				t.Fatalf("refund %d: %+v", id, r)
			}
		}
		// Nothing goes out twice.
		again, err := e.s.PayRefunds(e.ctx, e.billing)
		if err != nil || again.Batch != 0 || again.Transfers != 0 || e.count("ct_batches") != 1 {
			t.Fatalf("second run %+v %v", again, err)
		}
		lines, err := e.s.Refunds(e.ctx, e.billing)
		if err != nil || len(lines) != 3 || lines[0].Payout == nil || lines[0].Payout.Status != PayoutSent || lines[0].WarnOn.IsZero() {
			t.Fatalf("lines %+v %v", lines, err)
		}
		// Staff confirm the bank executed it.
		wantFields(t, e.s.ConfirmRefundBatch(e.ctx, e.billing, run.Batch, terms.D(2026, 2, 12)), "executed_on")
		if err := e.s.ConfirmRefundBatch(e.ctx, e.billing, run.Batch, terms.D(2026, 2, 10)); err != nil {
			t.Fatal(err)
		}
		if r := e.ledger.refund(2); r.Status != "paid" || r.paidOn != terms.D(2026, 2, 10) || r.ref != "HP-CT-000001 HP-RF-000002" {
			t.Fatalf("confirmed refund %+v", r)
		}
		if err := e.s.ConfirmRefundBatch(e.ctx, e.billing, run.Batch, terms.D(2026, 2, 10)); err != nil || e.auditCount("payment.refund_file_confirmed") != 1 {
			t.Fatalf("confirmed twice: %v", err)
		}
		wantErr(t, e.s.ConfirmRefundBatch(e.ctx, e.billing, 99, terms.D(2026, 2, 10)), ErrNotFound)
		wantErr(t, e.s.ConfirmRefundBatch(e.ctx, customer(103), run.Batch, terms.D(2026, 2, 10)), accounts.ErrForbidden)
	})
}

// Killed between making the file and marking its refunds: nothing of it was kept, and
// the next run makes one file with each refund once.
func TestRefundFileCrashBeforeMarking(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		e.transferRefunds()
		e.s.hooks.afterRefundFile = func() error { return errors.New("killed") }
		if _, err := e.s.PayRefunds(e.ctx, e.billing); err == nil {
			t.Fatal("the crash was not reported")
		}
		if e.count("ct_batches") != 0 || e.count("refund_payouts") != 0 || e.ledger.refund(1).Status != "open" || e.auditCount("payment.refund_file") != 0 {
			t.Fatal("the interrupted file left something behind")
		}
		e.s.hooks.afterRefundFile = nil
		run, err := e.s.PayRefunds(e.ctx, e.billing)
		if err != nil || run.Transfers != 2 || e.count("ct_batches") != 1 || e.count("refund_payouts") != 2 {
			t.Fatalf("after restart %+v %v", run, err)
		}
		// A refund can have one payout only, whatever tries.
		_, err = e.db.ExecContext(e.ctx, `INSERT INTO refund_payouts (refund_id, org_id, amount, due_by, method, end_to_end_id, status, created_by, created_at, updated_at)
			VALUES (1, 103, 900, '2026-03-11', 'transfer', 'HP-RF-X', 'sent', 1, $1, $1)`, e.s.now())
		if err == nil {
			t.Fatal("a second payout of refund 1 was stored")
		}
	})
}

// Billing staff are warned once per refund, the pack's warn_before (3 werkdagen)
// before its deadline.
func TestRefundDeadlineWarningOnce(t *testing.T) {
	staff := []StaffContact{{ID: 1, Name: "Bea Billing", Email: "billing@provider.test", Lang: "nl"}, {ID: 7, Name: "Ann Admin", Email: "admin@provider.test", Lang: "en"}}
	each(t, Config{BillingStaff: func(context.Context) ([]StaffContact, error) { return staff, nil }}, func(t *testing.T, e *env) {
		// Due Wednesday 11 February 2026: warned from Friday 6 February.
		e.ledger.addRefund(Refund{ID: 1, OrgID: 101, Amount: 4727, DueBy: terms.D(2026, 2, 11), Source: "credit_note", CustomerName: "Jan de Vries"})
		e.ledger.addRefund(Refund{ID: 2, OrgID: 102, Amount: 100, DueBy: terms.D(2026, 3, 31), Source: "payment"})
		e.clk.Set(time.Date(2026, 2, 5, 9, 0, 0, 0, time.UTC))
		if n, err := e.s.WarnRefundDeadlines(e.ctx, e.clk.Now()); err != nil || n != 0 {
			t.Fatalf("too early: %d %v", n, err)
		}
		e.clk.Set(time.Date(2026, 2, 6, 9, 0, 0, 0, time.UTC))
		for range 2 {
			if err := e.s.RunDue(e.ctx, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		e.clk.Set(time.Date(2026, 2, 12, 9, 0, 0, 0, time.UTC))
		if n, err := e.s.WarnRefundDeadlines(e.ctx, e.clk.Now()); err != nil || n != 0 {
			t.Fatalf("warned again: %d %v", n, err)
		}
		rows, err := e.db.QueryContext(e.ctx, `SELECT to_addr, lang, subject, body_text FROM mail_outbox ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var to, lang, subject, body string
			if err := rows.Scan(&to, &lang, &subject, &body); err != nil {
				t.Fatal(err)
			}
			got = append(got, to+" "+lang+" "+subject)
			if !strings.Contains(body, "Jan de Vries") || !strings.Contains(body, "https://portal.example/staff/refunds") {
				t.Errorf("body %s", body)
			}
			// The Dutch letter writes its amount the Dutch way and says why, in Dutch.
			if lang == "nl" && (!strings.Contains(body, "Bedrag: € 47,27") || !strings.Contains(body, "Waarom deze waarschuwing: ") || strings.Contains(body, "EUR")) {
				t.Errorf("Dutch body %s", body)
			}
		}
		if len(got) != 2 || got[0] != "billing@provider.test nl Terugbetaling 1 van € 47,27 moet uiterlijk woensdag 11 februari 2026 betaald zijn" ||
			got[1] != "admin@provider.test en Refund 1 of €47.27 must be paid by Wednesday 11 February 2026" {
			t.Fatalf("mails %q", got)
		}
		if e.auditCount("payment.refund_warning") != 1 {
			t.Fatal("not audited once")
		}
	})
}
