package billing

import (
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// An invoice a direct debit collects is "collection pending": not paid, not dunned,
// until the payment is booked; a return before that makes it open again.
func TestCollectionPending(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org := e.org(accounts.Business, "acme", "NL", "NL001234567B01")
		e.sub(org, "Pro", "P1M", eur(31, 0), terms.D(2027, 1, 1))
		e.sub(org, "Mail", "P1M", eur(5, 0), terms.D(2027, 1, 1))
		e.run()
		invs := e.invoices(org)
		if len(invs) == 0 {
			t.Fatal("no invoice")
		}
		inv := invs[0]
		if err := e.svc.MarkCollectionPending(e.ctx, e.db, inv.ID, "HP-DD-000001-0001", terms.D(2027, 1, 20)); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.MarkCollectionPending(e.ctx, e.db, inv.ID, "HP-DD-000001-0001", terms.D(2027, 1, 20)); err != nil {
			t.Fatalf("again: %v", err)
		}
		got, _ := e.svc.GetInvoice(e.ctx, e.staff, inv.ID)
		if got.State.Status != StatusCollectionPending || got.State.Open != inv.AmountDue {
			t.Fatalf("pending: %+v", got.State)
		}
		open, err := e.svc.OpenInvoices(e.ctx, terms.D(2027, 3, 1))
		if err != nil || len(open) != 0 {
			t.Fatalf("dunning sees %+v %v", open, err)
		}
		// A return before the booking: open again.
		if err := e.svc.EndCollectionPending(e.ctx, e.db, inv.ID, "HP-DD-000001-0001", "returned, reason AM04"); err != nil {
			t.Fatal(err)
		}
		if got, _ = e.svc.GetInvoice(e.ctx, e.staff, inv.ID); got.State.Status != StatusOpen {
			t.Fatalf("after return: %+v", got.State)
		}
		// Collected again, then booked after the collection date: paid on it.
		if err := e.svc.MarkCollectionPending(e.ctx, e.db, inv.ID, "HP-DD-000002-0001", terms.D(2027, 2, 5)); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.svc.ApplyPayment(e.ctx, e.db, inv.ID, inv.AmountDue, terms.D(2027, 2, 5), "sepa_dd", "HP-DD-000002-0001"); err != nil {
			t.Fatal(err)
		}
		if got, _ = e.svc.GetInvoice(e.ctx, e.staff, inv.ID); got.State.Status != StatusPaid || got.State.SettledOn != terms.D(2027, 2, 5) {
			t.Fatalf("booked: %+v", got.State)
		}
		if err := e.svc.MarkCollectionPending(e.ctx, e.db, inv.ID, "x", terms.D(2027, 3, 5)); err == nil {
			t.Fatal("a paid invoice was marked for collection")
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'billing.collection_pending'`); n != 2 {
			t.Fatalf("%d audit entries", n)
		}
	})
}

// The refunds payments pays out: with the payments they came in with, sent, then paid.
func TestRefundPayoutCalls(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org := e.org(accounts.Consumer, "jansen", "NL", "")
		sub := e.sub(org, "Pro", "P1M", eur(31, 0), terms.D(2027, 1, 1))
		e.run()
		inv := e.invoices(org)[0]
		if _, _, err := e.svc.ApplyPayment(e.ctx, e.db, inv.ID, inv.AmountDue, terms.D(2027, 1, 2), "bank", "NL91ABNA0417164300|1"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.ExecContext(e.ctx, `UPDATE subscriptions SET status = 'ended', ends_on = '2027-01-22', ended_on = '2027-01-22' WHERE id = $1`, sub); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.ExecContext(e.ctx, `INSERT INTO overpayment_checks (subscription_id, org_id, ended_on, explanation, created_at) VALUES ($1, $2, '2027-01-22', '[]', $3)`,
			sub, org, store.Now(e.clk.Now())); err != nil {
			t.Fatal(err)
		}
		e.setDay(terms.D(2027, 1, 23))
		if err := e.svc.ProcessOverpaymentChecks(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		// And an overpayment by online payment, now that nothing runs any more.
		if _, _, err := e.svc.ApplyPayment(e.ctx, e.db, inv.ID, eur(5, 0), terms.D(2027, 1, 24), "psp:mollie", "tr_abcdef"); err != nil {
			t.Fatal(err)
		}
		refunds, _ := e.svc.OpenRefunds(e.ctx)
		if len(refunds) != 2 {
			t.Fatalf("refunds %+v", refunds)
		}
		credit, err := e.svc.RefundForPayout(e.ctx, e.db, refunds[0].ID)
		if err != nil || credit.Source != "credit_note" || credit.CustomerName != "jansen" || len(credit.Origins) != 2 ||
			credit.Origins[0].Source != "psp:mollie" || credit.Origins[1].SourceRef != "NL91ABNA0417164300|1" || credit.Origins[1].Amount != inv.AmountDue {
			t.Fatalf("credit note refund %+v %v", credit, err)
		}
		over, err := e.svc.RefundForPayout(e.ctx, e.db, refunds[1].ID)
		if err != nil || over.Source != "payment" || over.Amount != eur(5, 0) || len(over.Origins) != 1 || over.Origins[0].SourceRef != "tr_abcdef" {
			t.Fatalf("overpayment refund %+v %v", over, err)
		}
		if err := e.svc.MarkRefundSent(e.ctx, e.db, over.ID, "mollie re_1"); err != nil {
			t.Fatal(err)
		}
		if refunds, _ = e.svc.OpenRefunds(e.ctx); len(refunds) != 2 || refunds[1].Status != "sent" {
			t.Fatalf("sent: %+v", refunds)
		}
		if err := e.svc.MarkRefundPaid(e.ctx, e.db, over.ID, terms.D(2027, 1, 25), "mollie re_1"); err != nil {
			t.Fatal(err)
		}
		if refunds, _ = e.svc.OpenRefunds(e.ctx); len(refunds) != 1 {
			t.Fatalf("paid: %+v", refunds)
		}
		if _, err := e.svc.RefundForPayout(e.ctx, e.db, over.ID); err != ErrNotFound {
			t.Fatalf("paid refund: %v", err)
		}
	})
}
