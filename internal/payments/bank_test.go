package payments

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

// ingInvoices are the open invoices the ING fixture pays.
func (e *env) ingInvoices() {
	e.ledger.add(1, 101, "F2026-0001", "3000000000000421", 12100)
	e.ledger.add(2, 102, "F2026-0002", "3000000000000439", 10000)
	e.ledger.add(3, 103, "F2026-0003", "3000000000000447", 12100)
	e.ledger.add(4, 104, "F2026-0004", "3000000000000462", 6050)
	e.ledger.add(5, 105, "F2026-0005", "3000000000000470", 3500)
}

func (e *env) importFile(name string) ImportResult {
	e.t.Helper()
	res, err := e.s.ImportCAMT053(e.ctx, e.billing, name, bytes.NewReader(readFixture(e.t, name)))
	if err != nil {
		e.t.Fatalf("import %s: %v", name, err)
	}
	return res
}

func TestImportCAMT053MatchesAndQueues(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		e.ingInvoices()
		res := e.importFile("camt053_ing.xml")
		want := ImportResult{Statements: 1, Entries: 7, Matched: 4, Unmatched: 2, Other: 1}
		if res != want {
			t.Fatalf("result %+v, want %+v", res, want)
		}
		// full, partial, overpayment, by invoice number in the description
		for _, c := range []struct {
			invoice         int64
			key             string
			applied, excess terms.Money
			open            terms.Money
		}{
			{1, "NL20INGB0001234567|2026020900001", 12100, 0, 0},
			{2, "NL20INGB0001234567|2026020900002", 5000, 0, 5000},
			{3, "NL20INGB0001234567|2026020900003", 12100, 900, 0},
			{4, "NL20INGB0001234567|2026020900004", 6050, 0, 0},
		} {
			p, ok := e.ledger.payments[SourceBank+"|"+c.key]
			if !ok || p.invoiceID != c.invoice || p.applied != c.applied || p.excess != c.excess || e.ledger.item(c.invoice).Open != c.open {
				t.Errorf("invoice %d: payment %+v ok=%v open %s", c.invoice, p, ok, e.ledger.item(c.invoice).Open)
			}
		}
		var rule, number string
		var excess int64
		if err := e.db.QueryRowContext(e.ctx, `SELECT match_rule, invoice_number, excess FROM bank_transactions WHERE entry_key = $1`,
			"NL20INGB0001234567|2026020900003").Scan(&rule, &number, &excess); err != nil || rule != ruleRef || number != "F2026-0003" || excess != 900 {
			t.Fatalf("overpayment row: %s %s %d %v", rule, number, excess, err)
		}
		if err := e.db.QueryRowContext(e.ctx, `SELECT match_rule FROM bank_transactions WHERE entry_key = $1`, "NL20INGB0001234567|2026020900004").Scan(&rule); err != nil || rule != ruleNumber {
			t.Fatalf("ustrd rule %q %v", rule, err)
		}
		if n := e.auditCount("payment.bank_applied"); n != 4 {
			t.Fatalf("%d bank_applied audit entries", n)
		}

		// Importing the same file again changes nothing.
		rows, audits, calls := e.count("bank_transactions"), e.auditCount(""), e.ledger.totalCalls()
		res = e.importFile("camt053_ing.xml")
		if res != (ImportResult{Statements: 1, Entries: 7, Duplicates: 7}) {
			t.Fatalf("second import %+v", res)
		}
		if e.count("bank_transactions") != rows || e.auditCount("") != audits || e.ledger.totalCalls() != calls || e.count("payment_statements") != 1 {
			t.Fatal("the second import changed something")
		}

		// The queue: the unknown transfer and the return that is not ours.
		q, err := e.s.Unmatched(e.ctx, e.billing, Page{})
		if err != nil {
			t.Fatal(err)
		}
		if q.Total != 2 || len(q.Items) != 2 || q.Items[0].Amount != 3500 || q.Items[0].CounterpartyName != "Stichting De Linde" ||
			q.Items[0].MatchNote == "" || q.Items[1].ReturnReason != "MD06" || q.Items[1].Credit {
			t.Fatalf("queue %+v", q)
		}
		// By keyset: one a page gives the same queue.
		first, err := e.s.UnmatchedAfter(e.ctx, e.billing, 0, 1)
		if err != nil || len(first) != 1 || first[0].ID != q.Items[0].ID {
			t.Fatalf("keyset first page %+v %v", first, err)
		}
		second, err := e.s.UnmatchedAfter(e.ctx, e.billing, first[0].ID, 1)
		if err != nil || len(second) != 1 || second[0].ID != q.Items[1].ID {
			t.Fatalf("keyset second page %+v %v", second, err)
		}
		if rest, err := e.s.UnmatchedAfter(e.ctx, e.billing, second[0].ID, 1); err != nil || len(rest) != 0 {
			t.Fatalf("keyset past the end %+v %v", rest, err)
		}
		_, err = e.s.UnmatchedAfter(e.ctx, e.support, 0, 25)
		wantErr(t, err, accounts.ErrForbidden)
		_, err = e.s.Unmatched(e.ctx, e.support, Page{})
		wantErr(t, err, accounts.ErrForbidden)
		_, err = e.s.Unmatched(e.ctx, customer(101), Page{})
		wantErr(t, err, accounts.ErrForbidden)

		unknown, ret := q.Items[0], q.Items[1]
		_, err = e.s.AssignUnmatched(e.ctx, e.billing, unknown.ID, "F2026-9999", "")
		wantFields(t, err, "invoice")
		_, err = e.s.AssignUnmatched(e.ctx, e.billing, ret.ID, "F2026-0005", "")
		wantFields(t, err, "invoice") // a debit cannot pay an invoice
		got, err := e.s.AssignUnmatched(e.ctx, e.billing, unknown.ID, "F2026-0005", "Stichting paid for member 105, confirmed by phone")
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != TxAssigned || got.InvoiceID != 5 || got.Applied != 3500 || got.MatchRule != ruleManual || e.ledger.item(5).Open != 0 {
			t.Fatalf("assigned %+v", got)
		}
		_, err = e.s.AssignUnmatched(e.ctx, e.billing, unknown.ID, "F2026-0002", "")
		wantFields(t, err, "status")
		_, err = e.s.IgnoreUnmatched(e.ctx, e.billing, ret.ID, "")
		wantFields(t, err, "reason")
		_, err = e.s.IgnoreUnmatched(e.ctx, e.support, ret.ID, "not ours")
		wantErr(t, err, accounts.ErrForbidden)
		got, err = e.s.IgnoreUnmatched(e.ctx, e.billing, ret.ID, "collected by the previous system; booked there")
		if err != nil || got.Status != TxIgnored {
			t.Fatalf("ignore: %+v %v", got, err)
		}
		q, _ = e.s.Unmatched(e.ctx, e.billing, Page{})
		if q.Total != 0 {
			t.Fatalf("queue after resolving: %+v", q)
		}
		if e.auditCount("payment.unmatched_assigned") != 1 || e.auditCount("payment.unmatched_ignored") != 1 || e.auditCount("payment.statement_import") != 1 {
			t.Fatal("resolutions not audited")
		}
	})
}

func TestImportCAMT053ReferenceInDescription(t *testing.T) {
	each(t, Config{Accounts: []string{"NL39 RABO 0300 0652 64"}}, func(t *testing.T, e *env) {
		e.ledger.add(7, 107, "F2026-0007", "3000000000000455", 7500)
		res := e.importFile("camt053_rabo.xml")
		if res != (ImportResult{Statements: 1, Entries: 2, Matched: 1, Other: 1}) {
			t.Fatalf("result %+v", res)
		}
		if e.ledger.item(7).Open != 0 {
			t.Fatal("not applied")
		}
	})
}

func TestImportCAMT053BadFileChangesNothing(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		e.ingInvoices()
		bad := strings.Replace(string(readFixture(t, "camt053_ing.xml")), "<Amt Ccy=\"EUR\">35.00</Amt>", "<Amt Ccy=\"EUR\">35,00</Amt>", 1)
		_, err := e.s.ImportCAMT053(e.ctx, e.billing, "upload.xml", strings.NewReader(bad))
		if err == nil || !strings.Contains(err.Error(), "upload.xml: entry 5: Amt") {
			t.Fatalf("err = %v", err)
		}
		if e.count("bank_transactions") != 0 || e.ledger.totalCalls() != 0 || e.auditCount("") != 0 {
			t.Fatal("a bad file changed something")
		}
		_, err = e.s.ImportCAMT053(e.ctx, e.support, "x.xml", strings.NewReader(""))
		wantErr(t, err, accounts.ErrForbidden)
		_, err = e.s.ImportCAMT053(e.ctx, customer(101), "x.xml", strings.NewReader(""))
		wantErr(t, err, accounts.ErrForbidden)
	})
}

// The first statement of a new account opens at 0.00; it is imported like any other.
func TestImportCAMT053ZeroBalance(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		e.ingInvoices()
		res := e.importFile("camt053_zero_balance.xml")
		if res != (ImportResult{Statements: 1, Entries: 1, Matched: 1}) {
			t.Fatalf("result %+v", res)
		}
		if e.ledger.item(1).Open != 0 || e.auditCount("payment.statement_import") != 1 {
			t.Fatal("the payment on a statement with a 0.00 opening balance was not booked")
		}
	})
}

// A statement of an account that is not the provider's is refused, naming the
// account, and changes nothing: the money on it was never the provider's.
func TestImportCAMT053ForeignAccountRefused(t *testing.T) {
	each(t, Config{Accounts: []string{"NL39RABO0300065264"}}, func(t *testing.T, e *env) {
		e.ingInvoices()
		_, err := e.s.ImportCAMT053(e.ctx, e.billing, "klant.xml", bytes.NewReader(readFixture(t, "camt053_foreign.xml")))
		var fa *ForeignAccountError
		if !errors.As(err, &fa) || fa.IBAN != "NL91ABNA0417164300" {
			t.Fatalf("err = %v", err)
		}
		for _, want := range []string{"klant.xml", "NL91ABNA0417164300", "NL20INGB0001234567, NL39RABO0300065264", "nothing was imported"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q lacks %q", err, want)
			}
		}
		if e.ledger.item(1).Open != 12100 || e.ledger.totalCalls() != 0 || e.count("payment_statements") != 0 || e.count("bank_transactions") != 0 || e.auditCount("") != 0 {
			t.Fatal("a foreign statement changed something")
		}
	})
}

func TestMatchingHelpers(t *testing.T) {
	if got := digitRuns("kenmerk 3000 0000 0000 0455 en 12.34"); len(got) != 1 || got[0] != "3000000000000455" {
		t.Fatalf("digitRuns %v", got)
	}
	if got := numberTokens("Betaling factuur F2026-0004, klantnr 1044."); strings.Join(got, " ") != "F2026-0004 1044" {
		t.Fatalf("numberTokens %v", got)
	}
}
