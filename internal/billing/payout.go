package billing

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// What the payments package needs of billing to collect by direct debit and to pay
// refunds out. These are system calls in the caller's transaction q: the payments
// service checks its own caller.

// MarkCollectionPending records that a direct debit (ref, collected on on) collects
// what is open on an invoice: the invoice is "collection pending", not paid, until
// the payment is booked after the settlement date (ApplyPayment), and dunning leaves
// it alone. Marking an invoice already pending is a no-op; one with nothing open is
// refused.
func (s *Service) MarkCollectionPending(ctx context.Context, q store.Querier, invoiceID int64, ref string, on terms.Date) error {
	ctx = jobCtx(ctx, "billing.collection")
	now := s.now()
	orgID, docType, st, err := lockState(ctx, q, invoiceID, now)
	if err != nil {
		return err
	}
	switch {
	case docType != string(DocInvoice):
		return invalid("invoice_id", "billing.only_invoice_collected")
	case st.Status == StatusCollectionPending:
		return nil
	case st.Status != StatusOpen || st.Open <= 0:
		return invalid("invoice_id", "billing.invoice_has_nothing_open")
	}
	st.Status = StatusCollectionPending
	if err := saveState(ctx, q, invoiceID, st, now); err != nil {
		return err
	}
	return record(ctx, q, now, orgID, "billing.collection_pending", "invoice", invoiceID,
		fmt.Sprintf("direct debit %s collects %s on %s; the invoice is paid once that day has passed without a return", ref, st.Open, on))
}

// EndCollectionPending makes a collection-pending invoice open again: its collection
// came back before it was booked, or was booked for less than was open.
func (s *Service) EndCollectionPending(ctx context.Context, q store.Querier, invoiceID int64, ref, why string) error {
	ctx = jobCtx(ctx, "billing.collection")
	now := s.now()
	orgID, _, st, err := lockState(ctx, q, invoiceID, now)
	if err != nil {
		return err
	}
	if st.Status != StatusCollectionPending {
		return nil
	}
	st.Status = StatusOpen
	if err := saveState(ctx, q, invoiceID, st, now); err != nil {
		return err
	}
	return record(ctx, q, now, orgID, "billing.collection_ended", "invoice", invoiceID,
		fmt.Sprintf("direct debit %s no longer collects the invoice (%s): %s open", ref, why, st.Open))
}

// RefundOrigin is a payment that money being refunded came in with: where a refund
// goes back to (the payment provider's payment, the account a transfer came from, the
// mandate a collection used).
type RefundOrigin struct {
	Source    string      `json:"source"` // as ApplyPayment got it: bank, sepa_dd, psp:mollie
	SourceRef string      `json:"source_ref"`
	Amount    terms.Money `json:"amount"` // what the payment brought in
	On        terms.Date  `json:"on"`
}

// RefundInfo is a refund with what payments needs to pay it out.
type RefundInfo struct {
	Refund
	CustomerName string         `json:"customer_name"`
	Lang         string         `json:"lang"`
	Origins      []RefundOrigin `json:"origins"` // newest first
}

// RefundForPayout returns an outstanding refund (open or sent) with the payments its
// money came in with, newest first: the payment whose excess it is, or the payments
// of the invoice a credit note credits. ErrNotFound when it is paid, cancelled or
// unknown.
func (s *Service) RefundForPayout(ctx context.Context, q store.Querier, id int64) (RefundInfo, error) {
	var r RefundInfo
	err := q.QueryRowContext(ctx, `SELECT id, org_id, amount, due_by, source, source_ref, status FROM refunds WHERE id = $1 AND status IN ('open', 'sent')`, id).
		Scan(&r.ID, &r.OrgID, &r.Amount, &r.DueBy, &r.Source, &r.SourceRef, &r.Status)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	if err != nil {
		return r, err
	}
	var where string
	var arg any
	switch r.Source {
	case "payment":
		id, err := strconv.ParseInt(r.SourceRef, 10, 64)
		if err != nil {
			return r, fmt.Errorf("billing: refund %d: payment reference %q: %w", r.ID, r.SourceRef, err)
		}
		where, arg = `p.id = $1`, id
	case "credit_note":
		where, arg = `p.invoice_id = (SELECT credits_invoice_id FROM invoices WHERE number = $1 AND doc_type = 'credit_note')`, r.SourceRef
	default:
		return r, nil
	}
	rows, err := q.QueryContext(ctx, `SELECT p.source, p.source_ref, p.amount, p.paid_on, i.customer_json, i.lang FROM payments p JOIN invoices i ON i.id = p.invoice_id
		WHERE `+where+` AND p.reversed_at IS NULL ORDER BY p.paid_on DESC, p.id DESC`, arg)
	if err != nil {
		return r, err
	}
	defer rows.Close()
	for rows.Next() {
		var o RefundOrigin
		var cust string
		if err := rows.Scan(&o.Source, &o.SourceRef, &o.Amount, &o.On, &cust, &r.Lang); err != nil {
			return r, err
		}
		if r.CustomerName == "" {
			var p Party
			if err := json.Unmarshal([]byte(cust), &p); err != nil {
				return r, err
			}
			r.CustomerName = p.Name
		}
		r.Origins = append(r.Origins, o)
	}
	return r, rows.Err()
}

// MarkRefundSent records that an open refund went out (ref: the transfer file or the
// provider's refund) and waits for confirmation; idempotent.
func (s *Service) MarkRefundSent(ctx context.Context, q store.Querier, id int64, ref string) error {
	now := s.now()
	var orgID int64
	var amount terms.Money
	err := q.QueryRowContext(ctx, `UPDATE refunds SET status = 'sent', paid_ref = $2 WHERE id = $1 AND status = 'open' RETURNING org_id, amount`,
		id, strings.TrimSpace(ref)).Scan(&orgID, &amount)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	return record(jobCtx(ctx, "billing.refund"), q, now, orgID, "billing.refund.sent", "refund", id, fmt.Sprintf("refund of %s sent (%s)", amount, ref))
}
