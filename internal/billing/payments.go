package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// lockState takes the invoice's state row for the rest of q's transaction (a row lock
// on PostgreSQL; SQLite transactions hold the write lock from BEGIN IMMEDIATE) and
// returns it.
func lockState(ctx context.Context, q store.Querier, invoiceID int64, now time.Time) (orgID int64, docType string, st State, err error) {
	var settled sql.NullString
	err = q.QueryRowContext(ctx, `UPDATE invoice_state SET updated_at = $2 WHERE invoice_id = $1
		RETURNING org_id, doc_type, status, open_amount, paid, credited, settled_on`, invoiceID, now).
		Scan(&orgID, &docType, &st.Status, &st.Open, &st.Paid, &st.Credited, &settled)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", State{}, ErrNotFound
	}
	if err == nil && settled.Valid && settled.String != "" {
		if st.SettledOn, err = terms.ParseDate(settled.String); err != nil {
			err = &store.CorruptError{Record: fmt.Sprintf("invoice %d", invoiceID), Field: "settled_on", Err: err}
		}
	}
	return orgID, docType, st, err
}

// saveState stores an invoice's new state and, when what it leaves open changes,
// receivable_days with it (migration 0018): every change of an open amount or status
// after the issue goes through here, in the transaction of the change.
func saveState(ctx context.Context, q store.Querier, invoiceID int64, st State, now time.Time) error {
	var orgID int64
	var oldStatus string
	var oldOpen terms.Money
	var due string
	if err := q.QueryRowContext(ctx, `SELECT s.org_id, s.status, s.open_amount, i.due_date FROM invoice_state s JOIN invoices i ON i.id = s.invoice_id
		WHERE s.invoice_id = $1`, invoiceID).Scan(&orgID, &oldStatus, &oldOpen, &due); err != nil {
		return err
	}
	oldAmount, oldN := openPart(oldStatus, oldOpen)
	newAmount, newN := openPart(st.Status, st.Open)
	changed := oldAmount != newAmount || oldN != newN
	var before map[int64]string
	if changed && (oldN == 0 || newN == 0) {
		// Only an invoice that opens or closes can change the customer's oldest open one.
		var err error
		if before, err = firstDue(ctx, q, []int64{orgID}); err != nil {
			return err
		}
	}
	if _, err := q.ExecContext(ctx, `UPDATE invoice_state SET status = $2, open_amount = $3, paid = $4, credited = $5, settled_on = $6, updated_at = $7
		WHERE invoice_id = $1`, invoiceID, st.Status, st.Open, st.Paid, st.Credited, nullDate(st.SettledOn), now); err != nil {
		return err
	}
	if !changed {
		return nil
	}
	d := receivableDelta{}
	d.add(due, newAmount-oldAmount, newN-oldN, 0)
	if before != nil {
		after, err := firstDue(ctx, q, []int64{orgID})
		if err != nil {
			return err
		}
		d.moveDebtors(before, after)
	}
	return d.apply(ctx, q)
}

// ApplyPayment books a payment of amount received on date on against an invoice, in
// the caller's transaction q, and returns the part applied and the excess. It is
// idempotent by (source, sourceRef): a second call with the same key returns the
// first call's result and changes nothing; the same key for another invoice is
// ErrPaymentConflict. An excess becomes account credit while the customer has running
// services, and a refund when they have all ended (cp.av.13.5: refunded within the
// pack's "overpayment-refund" deadline).
func (s *Service) ApplyPayment(ctx context.Context, q store.Querier, invoiceID int64, amount terms.Money, on terms.Date, source, sourceRef string) (applied, excess terms.Money, err error) {
	source, sourceRef = strings.TrimSpace(source), strings.TrimSpace(sourceRef)
	switch {
	case amount <= 0:
		return 0, 0, invalid("amount", "billing.payment_must_more_than")
	case on.IsZero():
		return 0, 0, invalid("on", "billing.payment_date_required")
	case source == "" || sourceRef == "" || len(source) > 100 || len(sourceRef) > 200:
		return 0, 0, invalid("source", "billing.payment_needs_source_sources")
	}
	ctx = jobCtx(ctx, "billing.payment")
	now := s.now()
	orgID, docType, st, err := lockState(ctx, q, invoiceID, now)
	if err != nil {
		return 0, 0, err
	}
	if docType != string(DocInvoice) {
		return 0, 0, invalid("invoice_id", "billing.payments_are_booked_against")
	}
	var prevInvoice int64
	err = q.QueryRowContext(ctx, `SELECT invoice_id, applied, excess FROM payments WHERE source = $1 AND source_ref = $2`, source, sourceRef).
		Scan(&prevInvoice, &applied, &excess)
	switch {
	case err == nil && prevInvoice != invoiceID:
		return 0, 0, ErrPaymentConflict
	case err == nil:
		var first terms.Money
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(applied), 0) FROM payments WHERE source = $1 AND source_ref = $2`,
			source, chargesRef(sourceRef)).Scan(&first); err != nil {
			return 0, 0, err
		}
		return applied + first, excess, nil
	case !errors.Is(err, sql.ErrNoRows):
		return 0, 0, err
	}
	// Art. 6:44 BW: interest and collection costs charged on the invoice are paid
	// before its principal; that part is booked on their charge invoice.
	charged, err := s.payChargesFirst(ctx, q, now, invoiceID, st.Open, amount, on, source, sourceRef)
	if err != nil {
		return 0, 0, err
	}
	principal := amount - charged
	applied = min(principal, max(st.Open, 0))
	excess = principal - applied
	var payID int64
	if err := q.QueryRowContext(ctx, `INSERT INTO payments (invoice_id, org_id, amount, applied, excess, paid_on, source, source_ref, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`, invoiceID, orgID, principal, applied, excess, on.String(), source, sourceRef, now).Scan(&payID); err != nil {
		if store.IsUniqueViolation(err) {
			return 0, 0, ErrPaymentConflict
		}
		return 0, 0, err
	}
	st.Open -= applied
	st.Paid += applied
	if st.Open == 0 && (st.Status == StatusOpen || st.Status == StatusCollectionPending) {
		st.Status, st.SettledOn = StatusPaid, on
	}
	if err := saveState(ctx, q, invoiceID, st, now); err != nil {
		return 0, 0, err
	}
	var number string
	if err := q.QueryRowContext(ctx, `SELECT number FROM invoices WHERE id = $1`, invoiceID).Scan(&number); err != nil {
		return 0, 0, err
	}
	if excess > 0 {
		if err := s.placeExcess(ctx, q, now, orgID, excess, on, "payment", fmt.Sprint(payID),
			fmt.Sprintf("overpayment of invoice %s (%s %s)", number, source, sourceRef)); err != nil {
			return 0, 0, err
		}
	}
	if err := record(ctx, q, now, orgID, "billing.payment.apply", "invoice", invoiceID,
		fmt.Sprintf("payment of %s on %s (%s %s) applied to %s: %s, excess %s", amount, on, source, sourceRef, number, applied, excess)); err != nil {
		return 0, 0, err
	}
	return applied + charged, excess, nil
}

// chargesRef is the payment key of the part of a payment that paid the interest and
// collection costs charged on the invoice it named (art. 6:44 BW).
func chargesRef(sourceRef string) string { return sourceRef + "#art6:44" }

// payChargesFirst books the part of a payment on invoiceID that pays the interest and
// collection costs charged on it and still open — costs first, then interest
// (terms.Policy.AllocatePayment) — on their charge invoice, and returns that part.
func (s *Service) payChargesFirst(ctx context.Context, q store.Querier, now time.Time, invoiceID int64, principalOpen, amount terms.Money,
	on terms.Date, source, sourceRef string) (terms.Money, error) {
	if s.claims == nil {
		return 0, nil
	}
	claim, ok, err := s.claims.ChargedOn(ctx, q, invoiceID)
	if err != nil || !ok || claim.ChargeInvoiceID == invoiceID {
		return 0, err
	}
	chOrg, _, cst, err := lockState(ctx, q, claim.ChargeInvoiceID, now)
	if err != nil {
		return 0, err
	}
	if cst.Open <= 0 {
		return 0, nil
	}
	// What was paid on the charge invoice went to the costs first.
	paid := claim.Costs + claim.Interest - cst.Open
	costsOpen := max(claim.Costs-max(paid, 0), 0)
	pol, err := s.pack.At(on)
	if err != nil {
		return 0, err
	}
	alloc, ex, err := pol.AllocatePayment(terms.AllocationInput{Amount: amount, Costs: min(costsOpen, cst.Open),
		Interest: cst.Open - min(costsOpen, cst.Open), Principal: max(principalOpen, 0)})
	if err != nil {
		return 0, err
	}
	part := alloc.Costs + alloc.Interest
	if part <= 0 {
		return 0, nil
	}
	ref := chargesRef(sourceRef)
	if _, err := q.ExecContext(ctx, `INSERT INTO payments (invoice_id, org_id, amount, applied, excess, paid_on, source, source_ref, created_at)
		VALUES ($1, $2, $3, $4, 0, $5, $6, $7, $8)`, claim.ChargeInvoiceID, chOrg, part, part, on.String(), source, ref, now); err != nil {
		if store.IsUniqueViolation(err) {
			return 0, ErrPaymentConflict
		}
		return 0, err
	}
	cst.Open -= part
	cst.Paid += part
	if cst.Open == 0 && cst.Status == StatusOpen {
		cst.Status, cst.SettledOn = StatusPaid, on
	}
	if err := saveState(ctx, q, claim.ChargeInvoiceID, cst, now); err != nil {
		return 0, err
	}
	return part, record(ctx, q, now, chOrg, "billing.payment.apply", "invoice", claim.ChargeInvoiceID,
		fmt.Sprintf("payment %s %s on invoice %d: %s applied to its interest and collection costs first (%s)", source, sourceRef, invoiceID, part, ex.Result()))
}

// placeExcess puts money the customer paid too much where the terms say: account
// credit while a service runs, a refund once all have ended (cp.av.13.5).
func (s *Service) placeExcess(ctx context.Context, q store.Querier, now time.Time, orgID int64, amount terms.Money, on terms.Date, source, ref, what string) error {
	running, err := contracts.RunningSubscriptions(ctx, q, orgID)
	if err != nil {
		return err
	}
	if running > 0 {
		_, err := q.ExecContext(ctx, `INSERT INTO account_credit (org_id, amount, source, source_ref, description, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, source_ref) DO NOTHING`, orgID, amount, source, ref, what, now)
		return err
	}
	pol, err := s.pack.At(on)
	if err != nil {
		return err
	}
	due, ex := on, terms.Explanation(nil)
	if dl, e, err := pol.Deadline("overpayment-refund", on); err == nil {
		due, ex = dl.Deadline, e
	} else if !errors.Is(err, terms.ErrNotInTerms) {
		return err
	}
	_, err = q.ExecContext(ctx, `INSERT INTO refunds (org_id, amount, due_by, source, source_ref, status, explanation, created_at)
		VALUES ($1, $2, $3, $4, $5, 'open', $6, $7) ON CONFLICT (source, source_ref) DO NOTHING`, orgID, amount, due.String(), source, ref, exJSON(ex), now)
	return err
}

// ReversePayment undoes the payment booked under (source, sourceRef) in q's
// transaction: a returned direct debit, a charged-back card payment. The invoice opens
// again for what the payment settled; credit the excess created is taken back (the
// balance may go below zero, which the next invoices do not set off) and a refund
// not yet paid is cancelled. Reversing twice, or a payment never booked, is a no-op
// for the second call and ErrNotFound for the latter.
func (s *Service) ReversePayment(ctx context.Context, q store.Querier, source, sourceRef string) error {
	ctx = jobCtx(ctx, "billing.payment")
	now := s.now()
	var payID, invoiceID, orgID int64
	var applied, excess terms.Money
	var reversed sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT id, invoice_id, org_id, applied, excess, reversed_at FROM payments WHERE source = $1 AND source_ref = $2`,
		source, sourceRef).Scan(&payID, &invoiceID, &orgID, &applied, &excess, &reversed)
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if err != nil {
		return err
	}
	if reversed.Valid {
		return nil
	}
	_, _, st, err := lockState(ctx, q, invoiceID, now)
	if err != nil {
		return err
	}
	res, err := q.ExecContext(ctx, `UPDATE payments SET reversed_at = $2 WHERE id = $1 AND reversed_at IS NULL`, payID, now)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return nil
	}
	st.Open += applied
	st.Paid -= applied
	if st.Open > 0 && st.Status == StatusPaid {
		st.Status, st.SettledOn = StatusOpen, terms.Date{}
	}
	if err := saveState(ctx, q, invoiceID, st, now); err != nil {
		return err
	}
	if excess > 0 {
		ref := fmt.Sprint(payID)
		var cancelled int64
		if r, err := q.ExecContext(ctx, `UPDATE refunds SET status = 'cancelled' WHERE source = 'payment' AND source_ref = $1 AND status = 'open'`, ref); err != nil {
			return err
		} else if cancelled, err = r.RowsAffected(); err != nil {
			return err
		}
		var credited int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM account_credit WHERE source = 'payment' AND source_ref = $1`, ref).Scan(&credited); err != nil {
			return err
		}
		if credited > 0 || cancelled == 0 {
			if _, err := q.ExecContext(ctx, `INSERT INTO account_credit (org_id, amount, source, source_ref, description, created_at)
				VALUES ($1, $2, 'payment-reversal', $3, $4, $5) ON CONFLICT (source, source_ref) DO NOTHING`,
				orgID, -excess, ref, "reversal of overpayment "+source+" "+sourceRef, now); err != nil {
				return err
			}
		}
	}
	if err := record(ctx, q, now, orgID, "billing.payment.reverse", "invoice", invoiceID,
		fmt.Sprintf("payment %s %s reversed: %s open again", source, sourceRef, applied)); err != nil {
		return err
	}
	// The part that paid interest and costs first (art. 6:44 BW) is reversed with it.
	if err := s.ReversePayment(ctx, q, source, chargesRef(sourceRef)); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// GrantCredit adds account credit to an organisation in q's transaction, idempotent by
// (source, sourceRef) — the SLA package grants its credits with it
// (cp.sla.compensation.5). Credit is set off only against invoices issued later, never
// against invoices already open, and never paid out.
func (s *Service) GrantCredit(ctx context.Context, q store.Querier, orgID int64, amount terms.Money, source, sourceRef, description string) error {
	if amount <= 0 {
		return invalid("amount", "billing.credit_must_more_than")
	}
	if strings.TrimSpace(source) == "" || strings.TrimSpace(sourceRef) == "" || source == "invoice" || strings.HasPrefix(source, "payment") {
		return invalid("source", "billing.name_source_credit_reference")
	}
	now := s.now()
	res, err := q.ExecContext(ctx, `INSERT INTO account_credit (org_id, amount, source, source_ref, description, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, source_ref) DO NOTHING`, orgID, amount, source, sourceRef, description, now)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return nil
	}
	return record(jobCtx(ctx, "billing.credit"), q, now, orgID, "billing.credit.grant", "organisation", orgID,
		fmt.Sprintf("account credit of %s granted (%s %s): %s", amount, source, sourceRef, description))
}

// CreditBalance returns an organisation's account credit.
func (s *Service) CreditBalance(ctx context.Context, by accounts.Principal, orgID int64) (terms.Money, error) {
	if err := by.Check(accounts.InvoiceRead, accounts.OrgID(orgID)); err != nil {
		return 0, err
	}
	return creditBalance(ctx, s.db, orgID)
}

// Refund is money owed back to a customer.
type Refund struct {
	ID        int64       `json:"id"`
	OrgID     int64       `json:"org_id"`
	Amount    terms.Money `json:"amount"`
	DueBy     terms.Date  `json:"due_by"`
	Source    string      `json:"source"`
	SourceRef string      `json:"source_ref"`
	Status    string      `json:"status"` // open, sent, paid, cancelled
}

// RefundsOwed is OpenRefunds for staff who may read payments.
func (s *Service) RefundsOwed(ctx context.Context, by accounts.Principal) ([]Refund, error) {
	if err := by.Check(accounts.PaymentRead, accounts.Provider); err != nil {
		return nil, err
	}
	return s.OpenRefunds(ctx)
}

// OpenRefunds lists refunds not yet paid: open ones and those sent (in a transfer file
// or to the payment provider) whose execution is not confirmed yet, oldest due first.
// A system call for payments; people read them through RefundsOwed.
func (s *Service) OpenRefunds(ctx context.Context) ([]Refund, error) {
	rows, err := s.db.QueryContext(ctx, refundsOwedQuery)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Refund
	for rows.Next() {
		var r Refund
		if err := rows.Scan(&r.ID, &r.OrgID, &r.Amount, &r.DueBy, &r.Source, &r.SourceRef, &r.Status); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// MarkRefundPaid records that a refund (open, or sent) was paid out, in q's
// transaction; idempotent.
func (s *Service) MarkRefundPaid(ctx context.Context, q store.Querier, id int64, on terms.Date, paidRef string) error {
	now := s.now()
	var orgID int64
	var amount terms.Money
	err := q.QueryRowContext(ctx, `UPDATE refunds SET status = 'paid', paid_on = $2, paid_ref = $3 WHERE id = $1 AND status IN ('open', 'sent')
		RETURNING org_id, amount`, id, on.String(), paidRef).Scan(&orgID, &amount)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return record(jobCtx(ctx, "billing.refund"), q, now, orgID, "billing.refund.paid", "refund", id, fmt.Sprintf("refund of %s paid on %s (%s)", amount, on, paidRef))
}

// refundsOwedQuery reads the refunds still owed along refunds_status (status, id): its
// cost follows the refunds outstanding, not every refund ever made.
const refundsOwedQuery = `SELECT id, org_id, amount, due_by, source, source_ref, status FROM refunds WHERE status IN ('open', 'sent') ORDER BY due_by, id`
