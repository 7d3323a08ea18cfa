package billing

// Settling a consumer's withdrawal (cp.av.13.9, cp.withdrawal.right.3; INTERPRETATION.md,
// Withdrawal, A16): the refund is what the consumer actually paid for the withdrawn
// services, less the deduction for the days used; what was invoiced but not paid is
// cancelled by a credit note. contracts decides (asking SubscriptionAccount what was
// paid); ProcessRefundsDue issues the credit note and records the refund.

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// SubscriptionAccount is what billing invoiced for one subscription and what of it was
// paid, both including VAT.
type SubscriptionAccount struct {
	// Invoiced is the subscription's part of its invoices, less credit notes.
	Invoiced terms.Money
	// Paid is what of Invoiced the customer paid: payments and account credit set off
	// against the invoices, less what went back (credit notes beyond the open amount).
	Paid terms.Money
	// VATRate is the rate of the subscription's period (or first) line.
	VATRate terms.Rate
	parts   []subPart
}

// subPart is a subscription's part of one invoice.
type subPart struct {
	inv      Invoice
	lines    []Line // the subscription's lines on it
	invoiced terms.Money
	paid     terms.Money
}

// subscriptionSources are the line sources that bill a subscription itself.
var subscriptionSources = map[string]bool{SourcePeriod: true, SourceSetup: true, SourceOneOff: true}

// AccountOf returns a subscription's account, in q's transaction. An invoice may bill
// several subscriptions: each one's share of what was paid and credited on it is in
// proportion to its lines (including VAT) in the invoice total, rounded to cents. A
// system call: contracts checked the principal.
func (s *Service) AccountOf(ctx context.Context, q store.Querier, subID int64) (SubscriptionAccount, error) {
	rows, err := q.QueryContext(ctx, `SELECT DISTINCT l.invoice_id FROM invoice_lines l JOIN invoices i ON i.id = l.invoice_id
		WHERE i.doc_type = 'invoice' AND l.source IN ('period', 'setup', 'oneoff') AND l.source_id = $1 ORDER BY l.invoice_id`, subID)
	if err != nil {
		return SubscriptionAccount{}, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return SubscriptionAccount{}, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return SubscriptionAccount{}, err
	}
	var acc SubscriptionAccount
	for _, id := range ids {
		inv, err := getInvoice(ctx, q, id)
		if err != nil {
			return SubscriptionAccount{}, err
		}
		p := subPart{inv: inv}
		var incl terms.Money
		for _, l := range inv.Lines {
			if subscriptionSources[l.Source] && l.SourceID == subID {
				p.lines = append(p.lines, l)
				incl += l.Amount + terms.VATAmount(l.Amount, l.VATRate)
				if acc.VATRate == 0 || l.Source == SourcePeriod {
					acc.VATRate = l.VATRate
				}
			}
		}
		if inv.TotalIncl <= 0 || incl <= 0 {
			continue
		}
		incl = min(incl, inv.TotalIncl)
		net := inv.TotalIncl - inv.State.Credited
		paid := max(net-max(inv.State.Open, 0), 0)
		p.invoiced = share(net, incl, inv.TotalIncl)
		p.paid = min(share(paid, incl, inv.TotalIncl), p.invoiced)
		acc.Invoiced += p.invoiced
		acc.Paid += p.paid
		acc.parts = append(acc.parts, p)
	}
	return acc, nil
}

// share is amount × part ÷ whole, rounded to cents half away from zero.
func share(amount, part, whole terms.Money) terms.Money {
	if part == whole {
		return amount
	}
	x := amount.Rat()
	x.Mul(x, big.NewRat(int64(part), int64(whole)))
	return terms.RoundCents(x)
}

// ProcessRefundsDue settles the withdrawals contracts decided: for each withdrawn
// subscription a credit note per invoice cancels what was invoiced but not paid and
// credits what was paid beyond the deduction, which is refunded by contracts' date
// (cp.withdrawal.right.3). Nothing invoiced means nothing to settle (the run bills
// the days used up to the withdrawal, as the subscription ended on it).
func (s *Service) ProcessRefundsDue(ctx context.Context, now time.Time) error {
	ctx = jobCtx(ctx, "billing.refunds")
	var after int64
	for {
		list, err := contracts.OpenRefundsDue(ctx, s.db, after, 200)
		if err != nil {
			return err
		}
		for _, r := range list {
			after = r.ID
			err := s.inTx(ctx, func(q store.Querier) error { return s.refundDue(ctx, q, now, r) })
			if err != nil && !errors.Is(err, contracts.ErrRefundDueHandled) {
				return fmt.Errorf("billing: refund %d: %w", r.ID, err)
			}
		}
		if len(list) < 200 {
			return nil
		}
	}
}

// invoiceSettlement is what a withdrawal credits on one invoice.
type invoiceSettlement struct {
	inv    Invoice
	lines  []Line
	target terms.Money // the credit note's total incl. VAT
	refund terms.Money // of which refunded
}

// refundDue settles one refund_due in q's transaction: the claim, the credit notes and
// the audit entry commit together or not at all, so a run killed half way leaves it
// open for the next run, and a refund_due another run took is left alone.
func (s *Service) refundDue(ctx context.Context, q store.Querier, now time.Time, r contracts.RefundDue) error {
	if err := contracts.MarkRefundDueHandled(ctx, q, r.ID); err != nil {
		return err
	}
	if err := s.fail("refund:claimed"); err != nil {
		return err
	}
	items, err := contracts.WithdrawnItems(ctx, q, r.SourceID)
	if err != nil {
		return err
	}
	byInv := map[int64]*invoiceSettlement{}
	var order []int64
	var refund, cancelled terms.Money
	for _, it := range items {
		acc, err := s.AccountOf(ctx, q, it.SubscriptionID)
		if err != nil {
			return err
		}
		// What the consumer keeps paying: the deduction, as far as it was paid (A16);
		// it stays on the earliest invoices.
		keep := min(acc.Paid, it.Deduction)
		for _, p := range acc.parts {
			k := min(p.paid, keep)
			keep -= k
			credit := p.invoiced - k
			if credit <= 0 {
				continue
			}
			st, ok := byInv[p.inv.ID]
			if !ok {
				st = &invoiceSettlement{inv: p.inv}
				byInv[p.inv.ID] = st
				order = append(order, p.inv.ID)
			}
			lines, err := creditLinesFor(p.lines, credit, p.inv.Lang)
			if err != nil {
				return err
			}
			st.lines = append(st.lines, lines...)
			st.target += credit
			st.refund += p.paid - k
			refund += p.paid - k
			cancelled += p.invoiced - p.paid
		}
	}
	if len(order) == 0 {
		return record(ctx, q, now, r.OrgID, "billing.refund.none", "refund_due", r.ID, "withdrawal: nothing was invoiced, so nothing is credited or refunded")
	}
	for _, id := range order {
		if err := s.fail("refund:before-credit"); err != nil {
			return err
		}
		st := byInv[id]
		reason := "withdrawal"
		if pol, err := s.pack.At(r.DueBy); err == nil && len(pol.Terms.Withdrawal.Clauses) > 0 {
			reason += " (" + pol.Terms.Withdrawal.Clauses[0] + ")"
		}
		if _, err := s.creditNote(ctx, q, now, st.inv, st.lines, reason,
			excessRule{refund: true, exact: true, amount: st.refund, dueBy: r.DueBy}); err != nil {
			return err
		}
	}
	if err := s.fail("refund:before-audit"); err != nil {
		return err
	}
	return record(ctx, q, now, r.OrgID, "billing.refund.withdrawal", "refund_due", r.ID,
		fmt.Sprintf("withdrawal settled: %d credit notes, unpaid %s cancelled, %s to refund by %s (promised %s)", len(order), cancelled, refund, r.DueBy, r.Amount))
}

// creditLinesFor are the credit note lines that credit target (incl. VAT) of a
// subscription's lines on one invoice: one line per VAT rate, the target split in
// proportion to the lines, each line's amount excl. VAT chosen so that with its VAT
// it comes to its part of the target exactly where VAT rounding allows (else one
// cent more, which the credit note's excess rule places as credit).
func creditLinesFor(lines []Line, target terms.Money, lang string) ([]Line, error) {
	type group struct {
		tmpl Line
		incl terms.Money
	}
	var groups []*group
	var total terms.Money
	for _, l := range lines {
		var g *group
		for _, x := range groups {
			if x.tmpl.VATRate == l.VATRate && x.tmpl.VATCategory == l.VATCategory {
				g = x
			}
		}
		if g == nil {
			g = &group{tmpl: l}
			groups = append(groups, g)
		}
		inc := l.Amount + terms.VATAmount(l.Amount, l.VATRate)
		g.incl += inc
		total += inc
	}
	if total <= 0 {
		return nil, fmt.Errorf("billing: nothing to credit on the subscription's lines")
	}
	var out []Line
	rest := target
	for i, g := range groups {
		part := share(target, g.incl, total)
		if i == len(groups)-1 {
			part = rest
		}
		rest -= part
		if part <= 0 {
			continue
		}
		excl := exclFor(part, g.tmpl.VATRate)
		out = append(out, Line{Source: SourceCredit, SourceID: g.tmpl.SourceID,
			Description: pick(lang, "Herroeping: ", "Withdrawal: ") + g.tmpl.Description,
			Quantity:    1, Unit: "C62", UnitPrice: excl, VATCategory: g.tmpl.VATCategory, VATRate: g.tmpl.VATRate})
	}
	return out, nil
}

// exclFor returns the amount excl. VAT whose VAT brings it to incl, or when VAT
// rounding skips incl, the smallest amount that comes to more.
func exclFor(incl terms.Money, r terms.Rate) terms.Money {
	x := incl.Rat()
	x.Mul(x, big.NewRat(10000, 10000+r.BasisPoints()))
	e := terms.RoundCents(x)
	for c := e - 2; c <= e+2; c++ {
		if c+terms.VATAmount(c, r) >= incl {
			return c
		}
	}
	return e
}
