package billing

import (
	"errors"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
)

// issueAll issues a batch as issue would one by one: consecutive numbers in draft
// order, lines, states, audit entries and mail for each, and account credit set off
// once (a second invoice of the same customer in the batch sees what the first took).
func TestIssueAllBatch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.org(accounts.Consumer, "jansen", "NL", "")
		b := e.org(accounts.Business, "acme", "NL", "NL001234567B01")
		if err := e.svc.GrantCredit(e.ctx, e.db, a, eur(5, 0), "sla", "2027-01:a", "SLA credit"); err != nil {
			t.Fatal(err)
		}
		// One invoice issued alone first: the batch continues its series.
		if _, err := e.svc.IssueCharge(e.ctx, e.staff, b, []ChargeLine{{Description: "work", Amount: eur(1, 0), VATCategory: "standard"}}, "", "k0"); err != nil {
			t.Fatal(err)
		}
		mk := func(org int64, amount int64, key string) draft {
			d, err := e.svc.chargeDraft(e.ctx, e.staff, org, []ChargeLine{{Description: "work " + key, Amount: eur(amount, 0), VATCategory: "standard"}}, "", key)
			if err != nil {
				t.Fatal(err)
			}
			d.applyCredit = true
			return d
		}
		ds := []draft{mk(a, 3, "k1"), mk(b, 2, "k2"), mk(a, 4, "k3")}
		var invs []Invoice
		if err := e.svc.inTx(e.ctx, func(q store.Querier) error {
			var err error
			invs, err = e.svc.issueAll(e.ctx, q, e.svc.now(), ds)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		for i, want := range []string{"2027-000002", "2027-000003", "2027-000004"} {
			got, err := e.svc.GetInvoice(e.ctx, e.staff, invs[i].ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Number != want || got.OrgID != ds[i].orgID || len(got.Lines) != 1 || got.ContentHash != invs[i].ContentHash ||
				got.State.Open != got.AmountDue {
				t.Fatalf("invoice %d: %s org %d, %d lines, state %+v", i, got.Number, got.OrgID, len(got.Lines), got.State)
			}
		}
		// €5 of credit: all of the first invoice of a (€3.63), the rest (€1.37) of its second.
		if invs[0].CreditApplied != eur(3, 63) || invs[0].AmountDue != 0 || invs[2].CreditApplied != eur(1, 37) || invs[1].CreditApplied != 0 {
			t.Fatalf("credit applied %s, %s, %s", invs[0].CreditApplied, invs[1].CreditApplied, invs[2].CreditApplied)
		}
		if bal, _ := e.svc.CreditBalance(e.ctx, e.staff, a); bal != 0 {
			t.Fatalf("balance after set-off %s", bal)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'billing.invoice.issue'`); n != 4 {
			t.Fatalf("%d audit entries for 4 invoices", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM mail_outbox`); n != 4 {
			t.Fatalf("%d mails for 4 invoices", n)
		}
	})
}

// A batch with one item already billed issues nothing: its numbers go back to the
// series with the rolled back transaction.
func TestIssueAllAllOrNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org := e.org(accounts.Business, "acme", "NL", "NL001234567B01")
		if _, err := e.svc.IssueCharge(e.ctx, e.staff, org, []ChargeLine{{Description: "work", Amount: eur(1, 0), VATCategory: "standard"}}, "", "k2"); err != nil {
			t.Fatal(err)
		}
		var ds []draft
		for _, key := range []string{"k1", "k2", "k3"} {
			d, err := e.svc.chargeDraft(e.ctx, e.staff, org, []ChargeLine{{Description: "work", Amount: eur(1, 0), VATCategory: "standard"}}, "", key)
			if err != nil {
				t.Fatal(err)
			}
			ds = append(ds, d)
		}
		err := e.svc.inTx(e.ctx, func(q store.Querier) error {
			_, err := e.svc.issueAll(e.ctx, q, e.svc.now(), ds)
			return err
		})
		if !errors.Is(err, ErrAlreadyBilled) {
			t.Fatalf("err %v, want ErrAlreadyBilled", err)
		}
		if n := e.count(`SELECT COUNT(*) FROM invoices`); n != 1 {
			t.Fatalf("%d invoices after a failed batch", n)
		}
		if last := e.count(`SELECT last FROM invoice_series WHERE series = '2027'`); last != 1 {
			t.Fatalf("series counter at %d after a failed batch", last)
		}
		inv, err := e.svc.IssueCharge(e.ctx, e.staff, org, []ChargeLine{{Description: "work", Amount: eur(1, 0), VATCategory: "standard"}}, "", "k3")
		if err != nil || inv.Number != "2027-000002" {
			t.Fatalf("next invoice %s, %v", inv.Number, err)
		}
	})
}
