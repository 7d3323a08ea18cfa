package billing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

// withdraw records an accepted withdrawal of subs as contracts does (withdrawals,
// withdrawal_items, refund_due), each item keeping deduction, and returns the
// refund_due id.
func (e *env) withdraw(orgID int64, subs []int64, deduction, refund terms.Money, dueBy terms.Date) int64 {
	e.t.Helper()
	var contractID int64
	if err := e.db.QueryRowContext(e.ctx, `SELECT contract_id FROM subscriptions WHERE id = $1`, subs[0]).Scan(&contractID); err != nil {
		e.t.Fatal(err)
	}
	now := e.clk.Now()
	var wid, rid int64
	if err := e.db.QueryRowContext(e.ctx, `INSERT INTO withdrawals (contract_id, org_id, status, channel, received_at, received_on, refund, refund_by,
		recorded_by, by_staff, explanation, created_at) VALUES ($1, $2, 'accepted', 'email', $3, $4, $5, $6, 7, TRUE, '[]', $3) RETURNING id`,
		contractID, orgID, now, dueBy.AddDays(-14), refund, dueBy).Scan(&wid); err != nil {
		e.t.Fatal(err)
	}
	for _, sub := range subs {
		if _, err := e.db.ExecContext(e.ctx, `INSERT INTO withdrawal_items (withdrawal_id, subscription_id, allowed, reason, deduction, refund, explanation)
			VALUES ($1, $2, TRUE, 'received within the withdrawal period', $3, 0, '[]')`, wid, sub, deduction); err != nil {
			e.t.Fatal(err)
		}
	}
	if err := e.db.QueryRowContext(e.ctx, `INSERT INTO refund_due (org_id, contract_id, source, source_id, amount, due_by, explanation, created_at)
		VALUES ($1, $2, 'withdrawal', $3, $4, $5, '[]', $6) RETURNING id`, orgID, contractID, wid, refund, dueBy, now).Scan(&rid); err != nil {
		e.t.Fatal(err)
	}
	return rid
}

// TestRefundsDueCrashAndRestart kills the withdrawal settlement job at random points
// (seeded: before the claim of a refund_due, between its credit notes, before the
// number, the mail and the audit entry) and runs it again until it completes. Every
// refund_due is settled exactly once: one credit note per invoice of the withdrawn
// services, none credited twice, one refund per credit note that pays something back,
// one audit entry; a later run does nothing.
func TestRefundsDueCrashAndRestart(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		type customer struct {
			org      int64
			subs     []int64
			paid     bool
			refundID int64
		}
		var cs []*customer
		for i := range 12 {
			c := &customer{org: e.org(accounts.Consumer, fmt.Sprintf("w%d", i), "NL", ""), paid: i%2 == 0}
			for j := range 1 + i%2 {
				c.subs = append(c.subs, e.sub(c.org, fmt.Sprintf("S%d", j), "P1M", eur(int64(4+j), 95), terms.D(2027, 1, 1)))
			}
			cs = append(cs, c)
		}
		// Two monthly invoices per customer; half of the customers paid the first.
		e.run()
		e.setDay(terms.D(2027, 2, 1))
		e.run()
		deduction := eur(1, 0)
		for _, c := range cs {
			if c.paid {
				inv := e.invoices(c.org)[0]
				if _, _, err := e.svc.ApplyPayment(e.ctx, e.db, inv.ID, inv.AmountDue, terms.D(2027, 1, 10), "bank", fmt.Sprintf("stmt-%d", c.org)); err != nil {
					t.Fatal(err)
				}
			}
		}
		e.setDay(terms.D(2027, 2, 3))
		for _, c := range cs {
			c.refundID = e.withdraw(c.org, c.subs, deduction, 0, terms.D(2027, 2, 17))
		}

		rng := rand.New(rand.NewPCG(7, uint64(len(t.Name()))))
		crashes, points := 0, map[string]bool{}
		for attempt := 0; ; attempt++ {
			ctx, cancel := context.WithCancel(e.ctx)
			var mu sync.Mutex
			e.svc.failpoint = func(point string) error {
				mu.Lock()
				defer mu.Unlock()
				points[point] = true
				if attempt < 20 && rng.IntN(6) == 0 {
					if rng.IntN(2) == 0 {
						cancel()
						return context.Canceled
					}
					return fmt.Errorf("injected crash at %s", point)
				}
				return nil
			}
			err := e.svc.ProcessRefundsDue(ctx, e.clk.Now())
			cancel()
			if err == nil {
				break
			}
			crashes++
			if attempt > 40 {
				t.Fatalf("the settlement keeps failing: %v", err)
			}
		}
		e.svc.failpoint = nil
		if crashes == 0 {
			t.Fatal("no crash was injected")
		}
		for _, p := range []string{"refund:claimed", "refund:before-credit", "issue:before-number", "issue:before-mail", "refund:before-audit"} {
			if !points[p] {
				t.Errorf("failpoint %s never reached", p)
			}
		}
		// And once more, as the next hourly run would.
		if err := e.svc.ProcessRefundsDue(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}

		for _, c := range cs {
			if n := e.count(`SELECT COUNT(*) FROM refund_due WHERE id = $1 AND status = 'billing'`, c.refundID); n != 1 {
				t.Fatalf("refund_due %d not handed to billing", c.refundID)
			}
			if n := e.count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'billing.refund.withdrawal' AND object_id = $1`, fmt.Sprint(c.refundID)); n != 1 {
				t.Fatalf("refund_due %d: %d audit entries", c.refundID, n)
			}
			invs := e.invoices(c.org)
			var credits, invoices int
			var credited, invoiced terms.Money
			for _, inv := range invs {
				switch inv.DocType {
				case DocCreditNote:
					credits++
					credited += inv.TotalIncl
				default:
					invoices++
					invoiced += inv.TotalIncl
				}
			}
			if invoices != 2 || credits != 2 {
				t.Fatalf("organisation %d: %d invoices, %d credit notes (want one per invoice)", c.org, invoices, credits)
			}
			// Everything invoiced is credited but the deduction the consumer paid for
			// the days used (A16); VAT rounding may add a cent per credit note.
			want := invoiced
			if c.paid {
				want -= deduction
			}
			if d := credited - want; d < 0 || d > 2 {
				t.Errorf("organisation %d: credited %s, want %s", c.org, credited, want)
			}
			for _, inv := range invs {
				if inv.DocType == DocInvoice && inv.State.Open != 0 {
					t.Errorf("invoice %s still open for %s", inv.Number, inv.State.Open)
				}
			}
			wantRefunds := 0
			if c.paid {
				wantRefunds = 1
			}
			if n := e.count(`SELECT COUNT(*) FROM refunds WHERE org_id = $1 AND source = 'credit_note'`, c.org); n != wantRefunds {
				t.Errorf("organisation %d: %d refunds, want %d", c.org, n, wantRefunds)
			}
		}
		if n := e.count(`SELECT COUNT(*) FROM (SELECT credits_invoice_id FROM invoices WHERE doc_type = 'credit_note'
			GROUP BY credits_invoice_id HAVING COUNT(*) > 1) x`); n != 0 {
			t.Fatalf("%d invoices credited more than once", n)
		}
		t.Logf("%d crashes injected", crashes)
	})
}
