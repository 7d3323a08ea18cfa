package app_test

import (
	"math/big"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestWithdrawalRefundsWhatWasPaid: three consumers withdraw on day 5 of their first
// invoice's month after paying nothing, half and everything. Each gets back exactly
// what they paid less the deduction for the days used (INTERPRETATION.md, Withdrawal;
// A16), the confirmation mail states that amount or that nothing is refunded, and a
// credit note cancels what was invoiced but not paid, leaving nothing open.
func TestWithdrawalRefundsWhatWasPaid(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		type consumer struct {
			name string
			pay  func(total terms.Money) terms.Money
			org  accounts.Organisation
			sub  int64
			inv  billing.Invoice
			paid terms.Money
		}
		cs := []*consumer{
			{name: "Niels Niets", pay: func(terms.Money) terms.Money { return 0 }},
			{name: "Hanna Half", pay: func(t terms.Money) terms.Money { return t / 2 }},
			{name: "Vera Volledig", pay: func(t terms.Money) terms.Money { return t }},
		}
		for _, c := range cs {
			c.org, c.sub = e.customer(accounts.Consumer, c.name, "webhosting/business")
		}
		e.runThrough(e.today())
		for _, c := range cs {
			c.inv = e.firstInvoice(c.org.ID)
			if c.paid = c.pay(c.inv.AmountDue); c.paid > 0 {
				e.pay(c.inv, c.paid)
			}
		}
		received := d("2026-01-20")
		e.runThrough(received)

		for _, c := range cs {
			t.Run(c.name, func(t *testing.T) {
				sub, err := e.a.Contracts.GetSubscription(e.ctx, e.staff, c.sub)
				if err != nil {
					t.Fatal(err)
				}
				// The deduction: the term's price incl. VAT × days used (15 to 20 January,
				// both counted) ÷ 365.
				line := c.inv.Lines[0]
				termIncl := sub.Price.Mul(12) + terms.VATAmount(sub.Price.Mul(12), line.VATRate)
				ded := terms.RoundCents(new(big.Rat).SetFrac64(int64(termIncl)*6, 365))
				want := max(c.paid-ded, 0)

				w, err := e.a.Contracts.RecordWithdrawal(e.ctx, e.staff, sub.ContractID,
					contracts.WithdrawalInput{Channel: contracts.ChannelEmail, ReceivedAt: e.clk.Now()})
				if err != nil {
					t.Fatal(err)
				}
				eq(t, "deduction", w.Items[0].Deduction, ded)
				eq(t, "paid", w.Items[0].Paid, c.paid)
				eq(t, "refund", w.Refund, want)
				eq(t, "unpaid", w.Unpaid, c.inv.AmountDue-c.paid)
				var due terms.Money
				if err := e.db.QueryRowContext(e.ctx, `SELECT amount FROM refund_due WHERE source = 'withdrawal' AND source_id = $1`, w.ID).Scan(&due); err != nil {
					t.Fatal(err)
				}
				eq(t, "refund_due amount", due, want)

				mails := e.mails("withdrawal:" + itoa(w.ID))
				if len(mails) != 1 {
					t.Fatalf("%d confirmations", len(mails))
				}
				body := mails[0]
				if want > 0 {
					if !strings.Contains(body, "Wij betalen "+want.In("nl")+" uiterlijk op "+w.RefundBy.In("nl")) {
						t.Errorf("confirmation does not state the refund %s:\n%s", want, body)
					}
				} else if !strings.Contains(body, "U krijgt niets terugbetaald.") {
					t.Errorf("confirmation does not say nothing is refunded:\n%s", body)
				}
				// The promise is above the explanation, which may name the term's price
				// as the base of the deduction.
				promise, _, _ := strings.Cut(body, "Toelichting:")
				if strings.Contains(promise, termIncl.In("nl")) {
					t.Errorf("confirmation promises the price of the term:\n%s", body)
				}
				if unpaid := c.inv.AmountDue - c.paid; unpaid > 0 && !strings.Contains(body, "De "+unpaid.In("nl")+" die gefactureerd maar niet betaald is") {
					t.Errorf("confirmation does not cancel the unpaid %s:\n%s", unpaid, body)
				}
			})
		}

		// The billing job settles the withdrawals: credit notes, refunds, nothing open.
		e.nextDay(received.AddDays(1))
		for _, c := range cs {
			inv, err := e.a.Billing.GetInvoice(e.ctx, e.staff, c.inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			eq(t, c.name+": open after the withdrawal", inv.State.Open, 0)
			notes, _, err := e.a.Billing.ListInvoices(e.ctx, e.staff, billing.InvoiceFilter{OrgID: c.org.ID, DocType: billing.DocCreditNote}, billing.Page{Limit: 10})
			if err != nil || len(notes) != 1 {
				t.Fatalf("%s: credit notes %d %v", c.name, len(notes), err)
			}
			var refunded terms.Money
			if err := e.db.QueryRowContext(e.ctx, `SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE org_id = $1`, c.org.ID).Scan(&refunded); err != nil {
				t.Fatal(err)
			}
			var promised terms.Money
			if err := e.db.QueryRowContext(e.ctx, `SELECT amount FROM refund_due WHERE org_id = $1`, c.org.ID).Scan(&promised); err != nil {
				t.Fatal(err)
			}
			eq(t, c.name+": refunded", refunded, promised)
			// The credit note cancels the unpaid part and credits the refund.
			if got, want := notes[0].TotalIncl, c.inv.AmountDue-c.paid+promised; got < want || got > want+1 {
				t.Errorf("%s: credit note %s, want %s (unpaid + refund)", c.name, got, want)
			}
			if n := e.count(`SELECT COUNT(*) FROM dunning_steps WHERE invoice_id = $1`, c.inv.ID); n != 0 {
				t.Errorf("%s: the withdrawn invoice is dunned (%d steps)", c.name, n)
			}
		}
		// Running the jobs again settles nothing twice.
		e.nextDay(received.AddDays(2))
		eq(t, "credit notes after a second run", e.count(`SELECT COUNT(*) FROM invoices WHERE doc_type = 'credit_note'`), 3)
	})
}
