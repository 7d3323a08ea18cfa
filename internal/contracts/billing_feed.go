package contracts

// The billing feed: what package billing reads of contracts, and the few state changes
// billing makes on contracts' rows (always through these functions, in billing's
// transaction, so that a charge or a refund is consumed exactly once with the invoice
// that uses it). Billing never reads contracts' tables itself.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// FeedKey is a position in the billing feed: subscriptions come ordered by
// (OrgID, ID), so that all of one customer's subscriptions arrive together.
type FeedKey struct {
	OrgID int64
	SubID int64
}

// BillableSubscriptions returns up to limit subscriptions of pack after key, ordered by
// (org_id, id), that may still have something to invoice: subscriptions and one-off
// lines that have not ended before they started. Which periods are still unbilled is
// billing's business (its own keys); the feed only leaves out what can never bill.
func BillableSubscriptions(ctx context.Context, q store.Querier, pack string, after FeedKey, limit int) ([]Subscription, error) {
	if limit <= 0 || limit > 10000 {
		limit = 1000
	}
	return listSubsCap(ctx, q, limit, `WHERE pack = $1 AND (org_id, id) > ($2, $3)
		AND (ends_on IS NULL OR ends_on > start_on)
		ORDER BY org_id, id LIMIT $4`, pack, after.OrgID, after.SubID, limit)
}

// SubscriptionForBilling returns one subscription without a principal check; billing
// checks the caller itself.
func SubscriptionForBilling(ctx context.Context, q store.Querier, id int64) (Subscription, error) {
	return getSub(ctx, q, id)
}

// RunningSubscriptions counts an organisation's subscriptions that have not ended (an
// overpayment after termination is refunded, cp.av.13.5; otherwise it is account
// credit).
func RunningSubscriptions(ctx context.Context, q store.Querier, orgID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions WHERE org_id = $1 AND status <> 'ended'`, orgID).Scan(&n)
	return n, err
}

// PendingCharge is an amount contracts asks billing to invoice (the prorated difference
// of an upgrade, cp.av.9.1). Amount excludes VAT.
type PendingCharge struct {
	ID             int64
	OrgID          int64
	SubscriptionID int64
	Amount         terms.Money
	Description    string
	CreatedAt      time.Time
}

// OpenPendingCharges returns an organisation's charges not yet invoiced (orgID 0:
// every organisation's).
func OpenPendingCharges(ctx context.Context, q store.Querier, orgID int64) ([]PendingCharge, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, org_id, subscription_id, amount, description, created_at FROM pending_charge
		WHERE `+orgWhere(orgID)+` AND status = 'open' ORDER BY org_id, id`, orgID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PendingCharge
	for rows.Next() {
		var c PendingCharge
		if err := rows.Scan(&c.ID, &c.OrgID, &c.SubscriptionID, &c.Amount, &c.Description, &c.CreatedAt); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MarkPendingChargeInvoiced records that a charge is on an invoice; call it in the
// transaction that issues the invoice.
func MarkPendingChargeInvoiced(ctx context.Context, q store.Querier, id int64) error {
	_, err := q.ExecContext(ctx, `UPDATE pending_charge SET status = 'invoiced' WHERE id = $1 AND status = 'open'`, id)
	return err
}

// RefundDue is money contracts decided is owed back to a customer (a withdrawal,
// cp.av.13.9, cp.withdrawal.right.3).
type RefundDue struct {
	ID          int64
	OrgID       int64
	ContractID  int64
	Source      string
	SourceID    int64
	Amount      terms.Money // incl. VAT, as paid
	DueBy       terms.Date
	Explanation string
}

// OpenRefundsDue returns up to limit open refunds after id afterID.
func OpenRefundsDue(ctx context.Context, q store.Querier, afterID int64, limit int) ([]RefundDue, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, org_id, contract_id, source, source_id, amount, due_by, explanation FROM refund_due
		WHERE status = 'open' AND id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RefundDue
	for rows.Next() {
		var r RefundDue
		if err := rows.Scan(&r.ID, &r.OrgID, &r.ContractID, &r.Source, &r.SourceID, &r.Amount, &r.DueBy, &r.Explanation); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// WithdrawnItem is a subscription a withdrawal ended, with what the consumer keeps
// paying for the days used (Deduction, incl. VAT) and the refund promised.
type WithdrawnItem struct {
	SubscriptionID int64
	Deduction      terms.Money
	Refund         terms.Money
}

// WithdrawnItems returns the subscriptions an accepted withdrawal ended (billing
// settles each: credit note and refund).
func WithdrawnItems(ctx context.Context, q store.Querier, withdrawalID int64) ([]WithdrawnItem, error) {
	rows, err := q.QueryContext(ctx, `SELECT subscription_id, deduction, refund FROM withdrawal_items
		WHERE withdrawal_id = $1 AND allowed ORDER BY subscription_id`, withdrawalID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WithdrawnItem
	for rows.Next() {
		var it WithdrawnItem
		if err := rows.Scan(&it.SubscriptionID, &it.Deduction, &it.Refund); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// ErrRefundDueHandled: billing already took this refund over (another run did).
var ErrRefundDueHandled = errors.New("contracts: refund already handed to billing")

// MarkRefundDueHandled records that billing took a refund over (it now owns the
// payout); call it in billing's transaction, before settling, as the claim that makes
// settling it happen once: it fails with ErrRefundDueHandled when another run took it
// (on PostgreSQL the row lock makes a concurrent run wait for the first to commit).
func MarkRefundDueHandled(ctx context.Context, q store.Querier, id int64) error {
	res, err := q.ExecContext(ctx, `UPDATE refund_due SET status = 'billing' WHERE id = $1 AND status = 'open'`, id)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrRefundDueHandled
	}
	return nil
}

// OverpaymentCheck asks billing whether a customer paid for time after a service ended
// (cp.av.13.5).
type OverpaymentCheck struct {
	ID             int64
	SubscriptionID int64
	OrgID          int64
	EndedOn        terms.Date
}

// OpenOverpaymentChecks returns up to limit open checks after id afterID.
func OpenOverpaymentChecks(ctx context.Context, q store.Querier, afterID int64, limit int) ([]OverpaymentCheck, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, subscription_id, org_id, ended_on FROM overpayment_checks
		WHERE status = 'open' AND id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OverpaymentCheck
	for rows.Next() {
		var c OverpaymentCheck
		if err := rows.Scan(&c.ID, &c.SubscriptionID, &c.OrgID, &c.EndedOn); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// MarkOverpaymentChecked closes a check; call it in billing's transaction.
func MarkOverpaymentChecked(ctx context.Context, q store.Querier, id int64) error {
	_, err := q.ExecContext(ctx, `UPDATE overpayment_checks SET status = 'checked' WHERE id = $1 AND status = 'open'`, id)
	return err
}

// BulkSubscription is one active subscription for BulkLoad.
type BulkSubscription struct {
	OrgID        int64
	CustomerKind terms.CustomerKind
	OrgName      string
	Country      string
	Name         string
	Kind         catalog.Kind
	Billing      catalog.Billing
	Period       terms.Period
	Price        terms.Money
	VATCategory  string
	StartOn      terms.Date
	TermEnd      terms.Date
}

// BulkLoad inserts active subscriptions, each under a contract of its own, in batches
// of multi-row INSERTs. It exists for load tests and benchmarks (hostpact bench
// billing): it records no acceptance evidence, audit entry or mail, so it must never
// be used for real orders.
func BulkLoad(ctx context.Context, db *store.DB, pack string, subs []BulkSubscription) error {
	const batch, perTx = 100, 5000
	now := store.Now(time.Now())
	contractSQL := func(n int) string {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO contracts (pack, org_id, source, idempotency_key, status, customer_kind, org_name, org_email, org_lang,
			org_country, terms_version, concluded_on, channel, accepted_at, accepted_by, accepted_by_label, content_json, content_hash,
			total_excl, vat, total_incl, created_at) VALUES `)
		for j := range n {
			if j > 0 {
				sb.WriteString(", ")
			}
			k := j * 8
			fmt.Fprintf(&sb, "($%d, $%d, 'bulk', $%d, 'active', $%d, $%d, '', 'nl', $%d, 'bulk', $%d, 'bulk', $%d, 0, 'bulk', '{}', '', 0, 0, 0, $%d)",
				k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+8, k+8)
		}
		sb.WriteString(" RETURNING id")
		return sb.String()
	}
	subSQL := func(n int) string {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO subscriptions (contract_id, org_id, pack, position, kind, name, quantity, billing, period, price, setup_fee,
			vat_category, status, start_on, term_no, term_start, term_end, created_at, updated_at) VALUES `)
		for j := range n {
			if j > 0 {
				sb.WriteString(", ")
			}
			k := j * 12
			fmt.Fprintf(&sb, "($%d, $%d, $%d, 1, $%d, $%d, 1, $%d, $%d, $%d, 0, $%d, 'active', $%d, 1, $%d, $%d, $%d, $%d)",
				k+1, k+2, k+3, k+4, k+5, k+6, k+7, k+8, k+9, k+10, k+10, k+11, k+12, k+12)
		}
		return sb.String()
	}
	nonce := now.UnixNano()
	for t := 0; t < len(subs); t += perTx {
		chunk := subs[t:min(t+perTx, len(subs))]
		err := db.InTx(ctx, func(q store.Querier) error {
			for i := 0; i < len(chunk); i += batch {
				part := chunk[i:min(i+batch, len(chunk))]
				args := make([]any, 0, len(part)*12)
				for j, s := range part {
					args = append(args, pack, s.OrgID, fmt.Sprintf("bulk-%d-%d-%d", s.OrgID, t+i+j, nonce), string(s.CustomerKind), s.OrgName,
						s.Country, s.StartOn.String(), now)
				}
				rows, err := q.QueryContext(ctx, contractSQL(len(part)), args...)
				if err != nil {
					return err
				}
				ids := make([]int64, 0, len(part))
				for rows.Next() {
					var id int64
					if err := rows.Scan(&id); err != nil {
						rows.Close()
						return err
					}
					ids = append(ids, id)
				}
				rows.Close()
				if err := rows.Err(); err != nil {
					return err
				}
				if len(ids) != len(part) {
					return fmt.Errorf("%d contracts for %d rows", len(ids), len(part))
				}
				args = args[:0]
				for j, s := range part {
					args = append(args, ids[j], s.OrgID, pack, string(s.Kind), s.Name, string(s.Billing), periodString(s.Period), s.Price,
						s.VATCategory, s.StartOn.String(), s.TermEnd.String(), now)
				}
				if _, err := q.ExecContext(ctx, subSQL(len(part)), args...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("contracts: bulk load: %w", err)
		}
	}
	return nil
}

// ContractSubscriptionIDs returns the ids of a contract's subscriptions.
func ContractSubscriptionIDs(ctx context.Context, q store.Querier, contractID int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, `SELECT id FROM subscriptions WHERE contract_id = $1 ORDER BY id`, contractID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
