package app_test

import (
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestPaymentPaysCostsThenInterestThenPrincipal: once interest and collection costs
// are charged on a defaulted invoice (a staff claim), a payment naming the invoice
// pays the costs first, then the interest, then the principal (art. 6:44 BW).
func TestPaymentPaysCostsThenInterestThenPrincipal(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org, _ := e.customer(accounts.Business, "Bram Bakker BV", "webhosting/business")
		e.runThrough(e.today())
		inv := e.firstInvoice(org.ID)
		pol, err := e.a.Pack.At(inv.IssueDate)
		if err != nil {
			t.Fatal(err)
		}
		pay, _, err := pol.Payment(terms.PaymentInput{Customer: terms.Business, InvoiceDate: inv.IssueDate})
		if err != nil {
			t.Fatal(err)
		}
		e.runThrough(pay.DefaultFrom.AddDays(3))
		claim, err := e.a.Dunning.Claim(e.ctx, e.staff, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		costs := e.steps(inv.ID)[dunning.StepDefault].Amount
		interest := claim.Amount - costs
		if costs <= 0 || interest <= 0 || claim.ChargeInvoiceID == 0 {
			t.Fatalf("claim %+v, costs %s", claim, costs)
		}
		open := func(id int64) terms.Money {
			t.Helper()
			o, err := e.a.Billing.OpenInvoiceByID(e.ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return o.Open
		}
		principal := open(inv.ID)

		// A first payment smaller than the costs: all of it pays costs.
		first := costs - 500
		e.pay(inv, first)
		eq(t, "charge open after the first payment", open(claim.ChargeInvoiceID), costs+interest-first)
		eq(t, "principal open after the first payment", open(inv.ID), principal)

		// The second pays the rest of the costs, the interest and 10.00 of the principal.
		second := 500 + interest + 1000
		e.pay(inv, second)
		eq(t, "charge open after the second payment", open(claim.ChargeInvoiceID), 0)
		eq(t, "principal open after the second payment", open(inv.ID), principal-1000)
		if e.steps(inv.ID)[dunning.StepSettled].ID != 0 {
			t.Error("dunning settled an invoice whose principal is still open")
		}

		// The rest of the principal settles it.
		e.pay(inv, principal-1000)
		eq(t, "principal open at the end", open(inv.ID), 0)
		e.nextDay(e.today().AddDays(1))
		if e.steps(inv.ID)[dunning.StepSettled].ID == 0 {
			t.Error("not settled after the principal was paid")
		}
	})
}
