package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Refunds are owed by billing (a withdrawal, cp.withdrawal.right.3; an overpayment
// after termination, cp.av.13.5) and paid out here: money that came in through the
// payment provider goes back through the provider's refund of that payment; other
// money goes out in a SEPA credit transfer file (pain.001) to the account the
// customer paid from, or that its mandate names. Every refund has at most one payout
// (refund_payouts.refund_id is unique), so it never goes out twice.

// Status of a payout.
const (
	PayoutCreating = "creating" // provider refund: saved, the provider not asked or not answered yet
	PayoutPending  = "pending"  // provider refund: accepted, not refunded yet
	PayoutSent     = "sent"     // transfer: in a pain.001 file, execution not confirmed by staff yet
	PayoutPaid     = "paid"     // refunded by the provider, or the transfer confirmed
	PayoutFailed   = "failed"   // the provider refused or failed it; tried again by the next PayRefunds
)

// Methods of a payout.
const (
	PayoutProvider = "provider" // the payment provider's refund
	PayoutTransfer = "transfer" // a SEPA credit transfer
)

// Status of a credit transfer file.
const (
	BatchCreated   = "created"   // made; staff upload it to the bank
	BatchConfirmed = "confirmed" // staff confirmed the bank executed it
)

// RefundPayout is how a refund is being paid.
type RefundPayout struct {
	ID               int64       `json:"id"`
	RefundID         int64       `json:"refund_id"`
	OrgID            int64       `json:"org_id"`
	Amount           terms.Money `json:"amount"`
	DueBy            terms.Date  `json:"due_by"`
	Method           string      `json:"method"`
	Provider         string      `json:"provider,omitempty"`
	ProviderRefundID string      `json:"provider_refund_id,omitempty"`
	BatchID          int64       `json:"batch_id,omitempty"`
	EndToEndID       string      `json:"end_to_end_id"`
	CreditorName     string      `json:"creditor_name,omitempty"`
	IBAN             string      `json:"iban,omitempty"`
	Status           string      `json:"status"`
	Note             string      `json:"note,omitempty"`
	PaidOn           terms.Date  `json:"paid_on,omitzero"`
}

// RefundBatch is a pain.001 file of refunds.
type RefundBatch struct {
	ID            int64       `json:"id"`
	MsgID         string      `json:"msg_id"`
	ExecutionDate terms.Date  `json:"execution_date"`
	Transfers     int         `json:"transfers"`
	Total         terms.Money `json:"total"`
	Status        string      `json:"status"`
	ConfirmedOn   terms.Date  `json:"confirmed_on,omitzero"`
	CreatedAt     time.Time   `json:"created_at"`
}

// RefundRun is what PayRefunds did.
type RefundRun struct {
	Provider   int   // refunds sent to the payment provider
	Batch      int64 // the pain.001 file made (0: none)
	Transfers  int   // refunds in it
	Failed     int   // provider refunds that failed this time
	NoAccount  []int64
	NoAccounts []string // why, per refund in NoAccount
}

// RefundLine is an outstanding refund as staff see it: its deadline, the day staff are
// warned, and how it is being paid.
type RefundLine struct {
	Refund Refund        `json:"refund"`
	WarnOn terms.Date    `json:"warn_on,omitzero"`
	Payout *RefundPayout `json:"payout,omitempty"`
}

const payoutColumns = `id, refund_id, org_id, amount, due_by, method, provider, provider_payment_id, provider_refund_id, attempt, COALESCE(batch_id, 0),
	end_to_end_id, creditor_name, iban, bic, status, note, paid_on`

type payoutRow struct {
	RefundPayout
	paymentID string
	attempt   int
	bic       string
}

func scanPayout(r interface{ Scan(...any) error }) (payoutRow, error) {
	var p payoutRow
	var due, paid string
	err := r.Scan(&p.ID, &p.RefundID, &p.OrgID, &p.Amount, &due, &p.Method, &p.Provider, &p.paymentID, &p.ProviderRefundID, &p.attempt, &p.BatchID,
		&p.EndToEndID, &p.CreditorName, &p.IBAN, &p.bic, &p.Status, &p.Note, &paid)
	p.DueBy, p.PaidOn = dateOrZero(due), dateOrZero(paid)
	return p, err
}

// unpaidPayouts is the condition of Refunds' payouts: every status but PayoutPaid.
const unpaidPayouts = `status IN ($1, $2, $3, $4)`

func queryPayouts(ctx context.Context, q store.Querier, where string, args ...any) ([]payoutRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+payoutColumns+` FROM refund_payouts WHERE `+where+` ORDER BY id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []payoutRow
	for rows.Next() {
		p, err := scanPayout(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Refunds lists the outstanding refunds, oldest due first, with the day staff are
// warned and the payout under way. Billing staff only.
func (s *Service) Refunds(ctx context.Context, by accounts.Principal) ([]RefundLine, error) {
	if err := by.Check(accounts.PaymentRead, accounts.Provider); err != nil {
		return nil, err
	}
	list, err := s.ledger.OpenRefunds(ctx)
	if err != nil {
		return nil, err
	}
	// The payouts not yet paid, named one by one: "status <> 'paid'" read every
	// payout ever made; the IN list is a few ranges of refund_payouts_status (issue 16).
	payouts, err := queryPayouts(ctx, s.db, unpaidPayouts, PayoutCreating, PayoutPending, PayoutSent, PayoutFailed)
	if err != nil {
		return nil, err
	}
	byRefund := map[int64]RefundPayout{}
	for _, p := range payouts {
		byRefund[p.RefundID] = p.RefundPayout
	}
	out := make([]RefundLine, 0, len(list))
	for _, r := range list {
		l := RefundLine{Refund: r}
		if p, ok := byRefund[r.ID]; ok {
			l.Payout = &p
		}
		if pol, err := s.policy(r.DueBy); err == nil {
			if on, _, err := pol.RefundWarningDate(r.DueBy); err == nil {
				l.WarnOn = on
			}
		}
		out = append(out, l)
	}
	return out, nil
}

// RecordRefundPaid records that staff paid an outstanding refund themselves (no account
// was known, or it went another way) on the day given, with their reference. An unknown
// or already paid refund is not found. Billing staff only.
func (s *Service) RecordRefundPaid(ctx context.Context, by accounts.Principal, refundID int64, on terms.Date, ref string) error {
	if err := by.Check(accounts.PaymentManage, accounts.Provider); err != nil {
		return err
	}
	fe := FieldErrors{}
	if ref = strings.TrimSpace(ref); ref == "" || len(ref) > 140 {
		fe["paid_ref"] = i18n.T("payments.give_reference_payment_most")
	}
	if on.IsZero() || on.After(s.today()) {
		fe["paid_on"] = i18n.T("payments.give_day_was_paid")
	}
	if len(fe) > 0 {
		return fe
	}
	open, err := s.ledger.OpenRefunds(ctx)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(open, func(r Refund) bool { return r.ID == refundID }) {
		return ErrNotFound
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error { return s.ledger.MarkRefundPaid(ctx, q, refundID, on, ref) })
}

// RefundBatches lists the pain.001 files of refunds, newest first (at most 50). Billing
// staff only.
func (s *Service) RefundBatches(ctx context.Context, by accounts.Principal) ([]RefundBatch, error) {
	if err := by.Check(accounts.PaymentRead, accounts.Provider); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, msg_id, execution_date, nb_of_txs, ctrl_sum, status, confirmed_on, created_at FROM ct_batches ORDER BY id DESC LIMIT 50`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RefundBatch
	for rows.Next() {
		var b RefundBatch
		var exec, confirmed string
		if err := rows.Scan(&b.ID, &b.MsgID, &exec, &b.Transfers, &b.Total, &b.Status, &confirmed, &b.CreatedAt); err != nil {
			return nil, err
		}
		b.ExecutionDate, b.ConfirmedOn, b.CreatedAt = dateOrZero(exec), dateOrZero(confirmed), b.CreatedAt.UTC()
		out = append(out, b)
	}
	return out, rows.Err()
}

// RefundBatchFile returns a pain.001 file of refunds. Billing staff only.
func (s *Service) RefundBatchFile(ctx context.Context, by accounts.Principal, batchID int64) ([]byte, error) {
	if err := by.Check(accounts.PaymentRead, accounts.Provider); err != nil {
		return nil, err
	}
	var doc []byte
	err := s.db.QueryRowContext(ctx, `SELECT document FROM ct_batches WHERE id = $1`, batchID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return doc, err
}

// destination is where a refund goes.
type destination struct {
	method            string
	provider, payment string
	name, iban, bic   string
	why               string // no destination: why not
}

// destinationOf decides how a refund is paid: back through the payment provider when
// the money came in through it (the newest payment, large enough); else by transfer
// to the account of the newest payment that shows one (a bank transfer's
// counterparty, a direct debit's mandate); else to the account of the customer's
// active mandate.
func (s *Service) destinationOf(ctx context.Context, q store.Querier, r Refund) (destination, error) {
	if len(r.Origins) > 0 {
		o := r.Origins[0]
		if name, ok := strings.CutPrefix(o.Source, SourcePSPPrefix); ok {
			if p := s.cfg.Providers[name]; p != nil && o.Amount >= r.Amount {
				return destination{method: PayoutProvider, provider: name, payment: o.SourceRef}, nil
			}
		}
	}
	for _, o := range r.Origins {
		var d destination
		var err error
		switch o.Source {
		case SourceBank:
			err = q.QueryRowContext(ctx, `SELECT counterparty_name, counterparty_iban FROM bank_transactions WHERE entry_key = $1`, o.SourceRef).Scan(&d.name, &d.iban)
		case SourceDirectDebit:
			err = q.QueryRowContext(ctx, `SELECT m.debtor_name, m.iban, m.bic FROM dd_collections c JOIN mandates m ON m.id = c.mandate_id WHERE c.end_to_end_id = $1`,
				o.SourceRef).Scan(&d.name, &d.iban, &d.bic)
		default:
			continue
		}
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return d, err
		}
		if ValidateIBAN(d.iban) == nil {
			d.method = PayoutTransfer
			return d, nil
		}
	}
	var d destination
	err := q.QueryRowContext(ctx, `SELECT debtor_name, iban, bic FROM mandates WHERE org_id = $1 AND status = $2 ORDER BY id DESC LIMIT 1`,
		r.OrgID, MandateActive).Scan(&d.name, &d.iban, &d.bic)
	if err == nil {
		d.method = PayoutTransfer
		return d, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return d, err
	}
	if len(r.Origins) == 0 {
		return destination{why: "no payment was received for it"}, nil
	}
	return destination{why: "the payments it came with show no account to refund to, and the customer has no active mandate"}, nil
}

func refundKey(refundID int64, attempt int) string {
	return fmt.Sprintf("hostpact-refund-%d-%d", refundID, attempt)
}

// PayRefunds pays out every outstanding refund that has no payout yet: through the
// payment provider's refund, or in one new pain.001 file for the rest; it also
// retries provider refunds that failed or were cut off. A refund whose destination is
// unknown is reported in NoAccount and left for staff to pay by hand (MarkRefundPaid).
// Billing staff only.
func (s *Service) PayRefunds(ctx context.Context, by accounts.Principal) (RefundRun, error) {
	var run RefundRun
	if err := by.Check(accounts.PaymentManage, accounts.Provider); err != nil {
		return run, err
	}
	ctx = actorFor(ctx, by)
	list, err := s.ledger.OpenRefunds(ctx)
	if err != nil {
		return run, err
	}
	var transfers []int64
	for _, r := range list {
		if r.Status != "open" {
			continue
		}
		var d destination
		var skip bool
		err := s.db.InTx(ctx, func(q store.Querier) error {
			var n int
			if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM refund_payouts WHERE refund_id = $1`, r.ID).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				skip = true
				return nil
			}
			full, err := s.ledger.RefundForPayout(ctx, q, r.ID)
			if errors.Is(err, ErrNotFound) {
				skip = true
				return nil
			}
			if err != nil {
				return err
			}
			if d, err = s.destinationOf(ctx, q, full); err != nil {
				return err
			}
			if d.method != PayoutProvider {
				return nil
			}
			now := s.now()
			_, err = q.ExecContext(ctx, `INSERT INTO refund_payouts (refund_id, org_id, amount, due_by, method, provider, provider_payment_id, end_to_end_id, status, created_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
				r.ID, r.OrgID, int64(r.Amount), r.DueBy.String(), PayoutProvider, d.provider, d.payment, fmt.Sprintf("HP-RF-%06d", r.ID), PayoutCreating, by.User.ID, now)
			if store.IsUniqueViolation(err) {
				skip = true
				return nil
			}
			return err
		})
		if err != nil {
			return run, err
		}
		switch {
		case skip:
		case d.method == PayoutTransfer:
			transfers = append(transfers, r.ID)
		case d.method == "":
			run.NoAccount = append(run.NoAccount, r.ID)
			run.NoAccounts = append(run.NoAccounts, d.why)
		}
	}
	// Provider refunds: the new ones, those a crash cut off, and the failed ones.
	rows, err := queryPayouts(ctx, s.db, `method = $1 AND status IN ($2, $3)`, PayoutProvider, PayoutCreating, PayoutFailed)
	if err != nil {
		return run, err
	}
	for _, p := range rows {
		ok, err := s.providerRefund(ctx, p)
		if err != nil {
			return run, err
		}
		if ok {
			run.Provider++
		} else {
			run.Failed++
		}
	}
	if len(transfers) > 0 {
		id, n, err := s.transferBatch(ctx, by, transfers)
		if err != nil {
			return run, err
		}
		run.Batch, run.Transfers = id, n
	}
	return run, nil
}

// providerRefund asks the provider to refund payout p and records the answer. The
// idempotency key is the refund and the attempt: after a crash between the call and
// the record the same key is sent again and the provider answers with the refund it
// made, so the money goes back once. A failed attempt is tried again with a new key.
func (s *Service) providerRefund(ctx context.Context, p payoutRow) (bool, error) {
	prov := s.cfg.Providers[p.Provider]
	if prov == nil {
		return false, fmt.Errorf("payments: refund %d: provider %q is not configured", p.RefundID, p.Provider)
	}
	attempt := p.attempt
	if p.Status == PayoutFailed {
		attempt++
		res, err := s.db.ExecContext(ctx, `UPDATE refund_payouts SET attempt = $1, status = $2, updated_at = $3 WHERE id = $4 AND status = $5`,
			attempt, PayoutCreating, s.now(), p.ID, PayoutFailed)
		if err != nil {
			return false, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return false, err
		} else if n == 0 {
			return false, nil // someone else retries it
		}
	}
	st, perr := prov.Refund(ctx, RefundRequest{PaymentID: p.paymentID, Amount: p.Amount, Description: "Terugbetaling / refund " + p.EndToEndID,
		Reference: p.EndToEndID, Key: refundKey(p.RefundID, attempt)})
	if s.hooks.afterProviderRefund != nil {
		if err := s.hooks.afterProviderRefund(); err != nil {
			return false, err
		}
	}
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if perr != nil {
			if _, err := q.ExecContext(ctx, `UPDATE refund_payouts SET status = $1, note = $2, updated_at = $3 WHERE id = $4 AND status = $5`,
				PayoutFailed, clipLen(perr.Error(), 300), now, p.ID, PayoutCreating); err != nil {
				return err
			}
			return record(ctx, q, now, p.OrgID, "payment.refund_failed", "refund_payout", p.ID, fmt.Sprintf(
				"refund %s of %s through %s could not be made: %s", p.EndToEndID, p.Amount, p.Provider, clipLen(perr.Error(), 200)))
		}
		return s.recordProviderRefund(ctx, q, p, st, true)
	})
	return perr == nil, err
}

// recordProviderRefund stores what the provider reported of payout p's refund, inside
// q: refunded marks the refund paid in the ledger, failed or canceled makes it failed
// (tried again later), anything else pending (and the ledger's refund sent).
func (s *Service) recordProviderRefund(ctx context.Context, q store.Querier, p payoutRow, st RefundStatus, created bool) error {
	now := s.now()
	today := s.today()
	ref := p.Provider + " " + st.ID
	status, paidOn, note := PayoutPending, "", ""
	switch st.Status {
	case RefundRefunded:
		status, paidOn = PayoutPaid, today.String()
	case RefundFailed, RefundCanceled:
		status, note = PayoutFailed, "the provider reports the refund "+st.Status
	}
	res, err := q.ExecContext(ctx, `UPDATE refund_payouts SET status = $1, provider_refund_id = $2, paid_on = $3, note = $4, updated_at = $5
		WHERE id = $6 AND status IN ($7, $8) AND NOT (status = $1 AND provider_refund_id = $2)`,
		status, st.ID, paidOn, note, now, p.ID, PayoutCreating, PayoutPending)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return nil
	}
	switch status {
	case PayoutPaid:
		if err := s.ledger.MarkRefundPaid(ctx, q, p.RefundID, today, ref); err != nil {
			return err
		}
	case PayoutPending:
		if err := s.ledger.MarkRefundSent(ctx, q, p.RefundID, ref); err != nil {
			return err
		}
	}
	what := "is " + st.Status
	if created {
		what = "was made, " + st.Status
	}
	return record(ctx, q, now, p.OrgID, "payment.refund_"+status, "refund_payout", p.ID, fmt.Sprintf(
		"refund %s of %s through %s (%s, payment %s) %s", p.EndToEndID, p.Amount, p.Provider, st.ID, p.paymentID, what))
}

// transferBatch puts refunds in one new pain.001 file, in one transaction with their
// payouts and the ledger's "sent": a crash anywhere leaves either all of it or none,
// and a refund that got a payout meanwhile (refund_id is unique) is left out.
func (s *Service) transferBatch(ctx context.Context, by accounts.Principal, refundIDs []int64) (int64, int, error) {
	if err := s.cfg.Creditor.Validate(); err != nil {
		return 0, 0, err
	}
	var batchID int64
	var n int
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		exec := terms.NextTARGET2Day(s.today())
		if err := q.QueryRowContext(ctx, `INSERT INTO ct_batches (msg_id, execution_date, nb_of_txs, ctrl_sum, status, created_by, created_at)
			VALUES ($1, $2, 0, 0, $3, $4, $5) RETURNING id`, fmt.Sprintf("pending-%d", now.UnixNano()), exec.String(), BatchCreated, by.User.ID, now).Scan(&batchID); err != nil {
			return err
		}
		f := CreditTransferFile{MsgID: fmt.Sprintf("HP-CT-%06d", batchID), CreatedAt: now, ExecutionDate: exec,
			Debtor: Debtor{Name: s.cfg.Creditor.Name, IBAN: s.cfg.Creditor.IBAN, BIC: s.cfg.Creditor.BIC}}
		var marked []payoutRow
		for _, id := range refundIDs {
			r, err := s.ledger.RefundForPayout(ctx, q, id)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			d, err := s.destinationOf(ctx, q, r)
			if err != nil {
				return err
			}
			if d.method != PayoutTransfer {
				continue
			}
			name := d.name
			if SEPAText(name, 70) == "" {
				name = r.CustomerName
			}
			e2e := fmt.Sprintf("HP-RF-%06d", r.ID)
			var pid int64
			err = q.QueryRowContext(ctx, `INSERT INTO refund_payouts (refund_id, org_id, amount, due_by, method, batch_id, end_to_end_id, creditor_name, iban, bic, status, created_by, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) ON CONFLICT (refund_id) DO NOTHING RETURNING id`,
				r.ID, r.OrgID, int64(r.Amount), r.DueBy.String(), PayoutTransfer, batchID, e2e, name, d.iban, d.bic, PayoutSent, by.User.ID, now).Scan(&pid)
			if errors.Is(err, sql.ErrNoRows) {
				continue // paid out meanwhile
			}
			if err != nil {
				return err
			}
			remit := "Terugbetaling " + e2e
			if r.Lang == "en" {
				remit = "Refund " + e2e
			}
			f.Transfers = append(f.Transfers, Transfer{EndToEndID: e2e, Amount: r.Amount, CreditorName: name, CreditorIBAN: d.iban, CreditorBIC: d.bic, Remittance: remit})
			marked = append(marked, payoutRow{RefundPayout: RefundPayout{ID: pid, RefundID: r.ID, OrgID: r.OrgID, Amount: r.Amount, EndToEndID: e2e, IBAN: d.iban}})
		}
		if len(f.Transfers) == 0 {
			return errNothingToTransfer
		}
		doc, err := MarshalPain001(f)
		if err != nil {
			return err
		}
		cnt, sum := f.Totals()
		if _, err := q.ExecContext(ctx, `UPDATE ct_batches SET msg_id = $1, nb_of_txs = $2, ctrl_sum = $3, document = $4 WHERE id = $5`,
			f.MsgID, cnt, int64(sum), doc, batchID); err != nil {
			return err
		}
		if s.hooks.afterRefundFile != nil {
			if err := s.hooks.afterRefundFile(); err != nil {
				return err
			}
		}
		for _, p := range marked {
			if err := s.ledger.MarkRefundSent(ctx, q, p.RefundID, f.MsgID+" "+p.EndToEndID); err != nil {
				return err
			}
			if err := record(ctx, q, now, p.OrgID, "payment.refund_sent", "refund_payout", p.ID, fmt.Sprintf(
				"refund %s of %s to %s in credit transfer file %s", p.EndToEndID, p.Amount, maskIBAN(p.IBAN), f.MsgID)); err != nil {
				return err
			}
		}
		n = cnt
		return record(ctx, q, now, 0, "payment.refund_file", "ct_batch", batchID, fmt.Sprintf(
			"credit transfer file %s: %d refunds, %s in total, to execute on %s", f.MsgID, cnt, sum, exec))
	})
	if errors.Is(err, errNothingToTransfer) {
		return 0, 0, nil
	}
	return batchID, n, err
}

var errNothingToTransfer = errors.New("payments: nothing to transfer")

// ConfirmRefundBatch records that the bank executed a pain.001 file of refunds on
// executedOn: each of its refunds is paid. Confirming again changes nothing. Billing
// staff only.
func (s *Service) ConfirmRefundBatch(ctx context.Context, by accounts.Principal, batchID int64, executedOn terms.Date) error {
	if err := by.Check(accounts.PaymentManage, accounts.Provider); err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		var msgID, status string
		var created time.Time
		err := q.QueryRowContext(ctx, `SELECT msg_id, status, created_at FROM ct_batches WHERE id = $1`, batchID).Scan(&msgID, &status, &created)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}
		if status == BatchConfirmed {
			return nil
		}
		switch {
		case executedOn.IsZero():
			return FieldErrors{"executed_on": i18n.T("payments.enter_day_bank_executed")}
		case executedOn.After(s.today()):
			return FieldErrors{"executed_on": i18n.T("payments.execution_date_cannot_future")}
		case executedOn.Before(terms.DateIn(created, clock.Amsterdam)):
			return FieldErrors{"executed_on": i18n.T("payments.bank_cannot_have_executed")}
		}
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE ct_batches SET status = $1, confirmed_by = $2, confirmed_on = $3, confirmed_at = $4 WHERE id = $5 AND status = $6`,
			BatchConfirmed, by.User.ID, executedOn.String(), now, batchID, BatchCreated)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return nil
		}
		payouts, err := queryPayouts(ctx, q, `batch_id = $1 AND status = $2`, batchID, PayoutSent)
		if err != nil {
			return err
		}
		for _, p := range payouts {
			if _, err := q.ExecContext(ctx, `UPDATE refund_payouts SET status = $1, paid_on = $2, updated_at = $3 WHERE id = $4`,
				PayoutPaid, executedOn.String(), now, p.ID); err != nil {
				return err
			}
			if err := s.ledger.MarkRefundPaid(ctx, q, p.RefundID, executedOn, msgID+" "+p.EndToEndID); err != nil {
				return err
			}
		}
		return record(ctx, q, now, 0, "payment.refund_file_confirmed", "ct_batch", batchID, fmt.Sprintf(
			"credit transfer file %s executed on %s: %d refunds paid", msgID, executedOn, len(payouts)))
	})
}

// PollProviderRefunds asks the providers about their pending refunds and records what
// they report (refunded: the refund is paid). A system job.
func (s *Service) PollProviderRefunds(ctx context.Context, _ time.Time) error {
	ctx = jobCtx(ctx, "payments.refunds")
	rows, err := queryPayouts(ctx, s.db, `method = $1 AND status = $2`, PayoutProvider, PayoutPending)
	if err != nil {
		return err
	}
	var errs []error
	for _, p := range rows {
		prov := s.cfg.Providers[p.Provider]
		if prov == nil {
			continue
		}
		st, err := prov.GetRefund(ctx, p.paymentID, p.ProviderRefundID)
		if err != nil {
			errs = append(errs, fmt.Errorf("refund %s: %w", p.EndToEndID, err))
			continue
		}
		if err := s.db.InTx(ctx, func(q store.Querier) error { return s.recordProviderRefund(ctx, q, p, st, false) }); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// WarnRefundDeadlines mails every billing staff member once per outstanding refund
// whose warning day (the pack's refunds.warn_before before its deadline) has come: the
// dedupe key (refund, staff member) makes it once, also when the job is stopped
// half-way and run again. A system job.
func (s *Service) WarnRefundDeadlines(ctx context.Context, now time.Time) (int, error) {
	ctx = jobCtx(ctx, "payments.refund_warnings")
	if s.cfg.BillingStaff == nil {
		return 0, nil
	}
	today := terms.DateIn(now, clock.Amsterdam)
	list, err := s.ledger.OpenRefunds(ctx)
	if err != nil {
		return 0, err
	}
	var staff []StaffContact
	sent := 0
	for _, r := range list {
		pol, err := s.policy(r.DueBy)
		if err != nil {
			return sent, err
		}
		warnOn, ex, err := pol.RefundWarningDate(r.DueBy)
		if errors.Is(err, terms.ErrNotInTerms) {
			continue
		}
		if err != nil {
			return sent, err
		}
		if today.Before(warnOn) {
			continue
		}
		if staff == nil {
			if staff, err = s.cfg.BillingStaff(ctx); err != nil {
				return sent, err
			}
		}
		err = s.db.InTx(ctx, func(q store.Querier) error {
			full, err := s.ledger.RefundForPayout(ctx, q, r.ID)
			if errors.Is(err, ErrNotFound) {
				return nil
			}
			if err != nil {
				return err
			}
			var mailed []string
			for _, st := range staff {
				data := map[string]any{"Name": st.Name, "Customer": orDash(full.CustomerName), "Org": r.OrgID, "Refund": r.ID,
					"Amount": r.Amount.In(st.Lang), "DueBy": dateText(st.Lang, r.DueBy), "Overdue": today.After(r.DueBy),
					"Status": r.Status, "Why": ex.In(st.Lang), "Link": s.cfg.BaseURL + "/staff/refunds"}
				subject, body, err := templates.Render("refund_warning", st.Lang, data)
				if err != nil {
					return err
				}
				_, err = notify.Enqueue(ctx, q, s.now(), notify.Message{DedupeKey: fmt.Sprintf("payments:refund-warning:%d:%d", r.ID, st.ID),
					To: st.Email, ToName: st.Name, Lang: st.Lang, Subject: subject, Text: body})
				if errors.Is(err, notify.ErrDuplicate) {
					continue
				}
				if err != nil {
					return err
				}
				mailed = append(mailed, st.Email)
			}
			if len(mailed) == 0 {
				return nil
			}
			sent += len(mailed)
			return record(ctx, q, s.now(), r.OrgID, "payment.refund_warning", "refund", r.ID, fmt.Sprintf(
				"billing staff (%s) warned that refund %d of %s is due by %s", strings.Join(mailed, ", "), r.ID, r.Amount, r.DueBy))
		})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}
