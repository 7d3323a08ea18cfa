package payments

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
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

// Status of a direct debit collection.
const (
	CollectionSubmitted = "submitted" // in an exported file; the invoice is collection pending
	CollectionSettled   = "settled"   // its credit appeared on a bank statement
	CollectionReturned  = "returned"  // came back (RtrInf): never booked, or reversed in the ledger
)

// DebitItem is one invoice to collect under a mandate.
type DebitItem struct {
	InvoiceID   int64
	MandateID   int64
	Amount      terms.Money // 0: the invoice's open amount
	Description string      // remittance text; empty: the invoice number
}

// MaxBatchItems bounds one direct debit file.
const MaxBatchItems = 10000

// endingReturnCodes are return reasons after which the mandate cannot be used again
// (ISO 20022 external return reason codes): incorrect or closed or blocked account,
// transaction forbidden, no mandate, debtor deceased.
var endingReturnCodes = map[string]string{
	"AC01": "incorrect account number", "AC04": "account closed", "AC06": "account blocked",
	"AG01": "direct debit forbidden on this account", "MD01": "no valid mandate", "MD07": "debtor deceased",
}

// ProposeCollectionDate returns the collection date offered for invoices dated up to
// latestInvoice: the pack's collection offset after it, at the earliest the
// pre-notification period after today, on a TARGET2 business day.
func (s *Service) ProposeCollectionDate(latestInvoice terms.Date) (terms.Date, terms.Explanation, error) {
	today := s.today()
	pol, err := s.policy(today)
	if err != nil {
		return terms.Date{}, nil, err
	}
	res, ex, err := pol.DirectDebitDate(terms.DirectDebitInput{Today: today, InvoiceDate: latestInvoice})
	return res.Date, ex, err
}

// debit is one validated item of a batch: the invoice as the ledger has it.
type debit struct {
	DebitItem
	inv OpenItem
}

// ExportDirectDebitBatch builds the pain.008 file that collects items on collectionDate,
// marks each invoice "collection pending" and mails each debtor the pre-notification
// (amount, date, mandate, creditor identifier) in the invoice's language. The
// collection date must be a TARGET2 business day at least the pack's pre-notification
// period away; the payment is booked only once that day has passed without a return
// (SettleDirectDebits). A mandate's first collection is FRST, the ones after it RCUR.
// Exporting the same items for the same date again returns the same file and batch
// id and changes nothing. Billing staff only.
func (s *Service) ExportDirectDebitBatch(ctx context.Context, by accounts.Principal, collectionDate terms.Date, items []DebitItem) ([]byte, int64, error) {
	if err := by.Check(accounts.PaymentManage, accounts.Provider); err != nil {
		return nil, 0, err
	}
	ctx = actorFor(ctx, by)
	if err := s.cfg.Creditor.Validate(); err != nil {
		return nil, 0, err
	}
	if len(items) == 0 {
		return nil, 0, FieldErrors{"items": i18n.T("payments.choose_least_one_invoice")}
	}
	if len(items) > MaxBatchItems {
		return nil, 0, FieldErrors{"items": i18n.T("payments.most_d_collections_one", MaxBatchItems)}
	}
	// The invoices as the ledger has them: the caller names them, the ledger says
	// whose they are and what is open.
	debits := make([]debit, len(items))
	for i, it := range items {
		debits[i].DebitItem = it
		inv, err := s.ledger.Invoice(ctx, it.InvoiceID)
		if errors.Is(err, ErrNotFound) {
			return nil, 0, FieldErrors{fmt.Sprintf("items[%d].invoice", i): i18n.T("payments.no_such_invoice")}
		}
		if err != nil {
			return nil, 0, err
		}
		debits[i].inv = inv
		if debits[i].Amount == 0 {
			debits[i].Amount = inv.Open
		}
		debits[i].Description = strings.TrimSpace(debits[i].Description)
		if debits[i].Description == "" {
			debits[i].Description = inv.Number
		}
	}
	slices.SortStableFunc(debits, func(a, b debit) int { return int(sign64(a.InvoiceID - b.InvoiceID)) })
	key := batchKey(collectionDate, debits)
	var doc []byte
	var batchID int64
	err := s.db.InTx(ctx, func(q store.Querier) error {
		err := q.QueryRowContext(ctx, `SELECT id, document FROM dd_batches WHERE batch_key = $1`, key).Scan(&batchID, &doc)
		if err == nil {
			return nil // exported before: the same file
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		today := s.today()
		pol, err := s.policy(today)
		if err != nil {
			return err
		}
		if _, _, err := pol.DirectDebitDate(terms.DirectDebitInput{Today: today, Requested: collectionDate}); err != nil {
			var ie *terms.InputError
			if errors.As(err, &ie) {
				return FieldErrors{"collection_date": i18n.Raw(ie.Msg)}
			}
			return err
		}
		if collectionDate.After(today.AddDays(365)) {
			return FieldErrors{"collection_date": i18n.T("payments.collection_date_more_than")}
		}
		// Validate every item against its mandate and earlier collections.
		fe := FieldErrors{}
		mandates := map[int64]Mandate{}
		seenInvoice := map[int64]bool{}
		firsts := map[int64]bool{}
		for i, it := range debits {
			f := fmt.Sprintf("items[%d]", i)
			if seenInvoice[it.InvoiceID] {
				fe[f+".invoice"] = i18n.T("payments.invoice_s_appears_twice", it.inv.Number)
			}
			seenInvoice[it.InvoiceID] = true
			switch {
			case it.inv.CollectionPending:
				fe[f+".invoice"] = i18n.T("payments.invoice_s_already_being", it.inv.Number)
			case it.Amount <= 0 || it.Amount > it.inv.Open:
				fe[f+".amount"] = i18n.T("payments.invoice_s_amount_must", it.inv.Number, it.inv.Open)
			case strings.TrimSpace(it.inv.Email) == "":
				fe[f+".invoice"] = i18n.T("payments.invoice_s_names_no", it.inv.Number)
			}
			m, ok := mandates[it.MandateID]
			if !ok {
				m, err = getMandate(ctx, q, it.MandateID)
				if errors.Is(err, ErrNotFound) {
					fe[f+".mandate"] = i18n.T("payments.no_such_mandate")
					continue
				}
				if err != nil {
					return err
				}
				mandates[it.MandateID] = m
			}
			expired := false
			if !m.LastCollectionOn.IsZero() {
				until, _, err := pol.MandateValidThrough(m.LastCollectionOn)
				if err != nil {
					return err
				}
				expired = collectionDate.After(until)
			}
			switch {
			case m.OrgID != it.inv.OrgID:
				fe[f+".mandate"] = i18n.T("payments.mandate_s_belongs_another", m.Reference, it.inv.Number)
			case m.Status != MandateActive:
				fe[f+".mandate"] = i18n.T("payments.mandate_s_s_s", m.Reference, m.Status, m.StatusReason)
			case expired:
				fe[f+".mandate"] = i18n.T("payments.mandate_s_was_last", m.Reference, m.LastCollectionOn, pol.Terms.DirectDebit.MandateExpiry.Words())
			case m.NextSequence == SeqFirst && firsts[m.ID]:
				fe[f+".mandate"] = i18n.T("payments.mandate_s_has_first", m.Reference)
			}
			if m.NextSequence == SeqFirst {
				firsts[m.ID] = true
			}
			var busy string
			err := q.QueryRowContext(ctx, `SELECT end_to_end_id FROM dd_collections WHERE invoice_id = $1 AND status <> $2 AND booked_at IS NULL LIMIT 1`,
				it.InvoiceID, CollectionReturned).Scan(&busy)
			if err == nil {
				fe[f+".invoice"] = i18n.T("payments.invoice_s_already_being2", it.inv.Number, busy)
			} else if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if len(fe) > 0 {
			return fe
		}
		now := s.now()
		if err := q.QueryRowContext(ctx, `INSERT INTO dd_batches (batch_key, msg_id, collection_date, nb_of_txs, ctrl_sum, created_by, created_at)
			VALUES ($1, '', $2, 0, 0, $3, $4) RETURNING id`, key, collectionDate.String(), by.User.ID, now).Scan(&batchID); err != nil {
			return err
		}
		f := DirectDebitFile{MsgID: fmt.Sprintf("HP-DD-%06d", batchID), CreatedAt: now, Creditor: s.cfg.Creditor, CollectionDate: collectionDate}
		for i, it := range debits {
			m := mandates[it.MandateID]
			c := Collection{EndToEndID: fmt.Sprintf("%s-%04d", f.MsgID, i+1), SeqType: m.NextSequence, Amount: it.Amount,
				MandateID: m.Reference, SignedOn: m.SignedOn, DebtorName: m.DebtorName, DebtorIBAN: m.IBAN, DebtorBIC: m.BIC,
				Remittance: it.Description, Amendment: m.PendingAmendment}
			f.Collections = append(f.Collections, c)
			if err := s.ledger.MarkCollectionPending(ctx, q, it.InvoiceID, c.EndToEndID, collectionDate); err != nil {
				var fe FieldErrors
				if errors.As(err, &fe) {
					return FieldErrors{fmt.Sprintf("items[%d].invoice", i): i18n.T("payments.invoice_s_has_nothing", it.inv.Number)}
				}
				return fmt.Errorf("payments: mark invoice %s collection pending: %w", it.inv.Number, err)
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO dd_collections (batch_id, end_to_end_id, pmt_inf_id, mandate_id, seq_type, invoice_id, invoice_number, org_id, amount, status, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
				batchID, c.EndToEndID, PmtInfID(f.MsgID, c.SeqType), m.ID, c.SeqType, it.InvoiceID, it.inv.Number, it.inv.OrgID,
				int64(it.Amount), CollectionSubmitted, now); err != nil {
				return err
			}
			// After this collection the mandate's series has started and the bank
			// knows its amendments.
			if _, err := q.ExecContext(ctx, `UPDATE mandates SET next_sequence = $1, last_collection_on = $2, amend_orig_reference = '', amend_orig_iban = '',
				amend_other_bank = 0, updated_at = $3 WHERE id = $4`, SeqRecurring, collectionDate.String(), now, m.ID); err != nil {
				return err
			}
			if err := s.preNotify(ctx, q, now, it.inv, m, c, collectionDate); err != nil {
				return err
			}
			if err := record(ctx, q, now, it.inv.OrgID, "payment.dd_collect", "dd_collection", c.EndToEndID, fmt.Sprintf(
				"direct debit %s of %s for invoice %s under mandate %s (%s) on %s; debtor pre-notified", c.EndToEndID, it.Amount, it.inv.Number, m.Reference, c.SeqType, collectionDate)); err != nil {
				return err
			}
		}
		doc, err = MarshalPain008(f)
		if err != nil {
			return err
		}
		n, sum := f.Totals()
		if _, err := q.ExecContext(ctx, `UPDATE dd_batches SET msg_id = $1, nb_of_txs = $2, ctrl_sum = $3, document = $4 WHERE id = $5`,
			f.MsgID, n, int64(sum), doc, batchID); err != nil {
			return err
		}
		return record(ctx, q, now, 0, "payment.dd_export", "dd_batch", batchID, fmt.Sprintf(
			"direct debit file %s: %d collections, %s in total, on %s", f.MsgID, n, sum, collectionDate))
	})
	if err != nil {
		return nil, 0, err
	}
	return doc, batchID, nil
}

// preNotify queues the debtor's pre-notification of collection c, once (the dedupe
// key is the collection's EndToEndId), in the invoice's language.
func (s *Service) preNotify(ctx context.Context, q store.Querier, now time.Time, inv OpenItem, m Mandate, c Collection, on terms.Date) error {
	data := map[string]any{"Name": inv.Name, "Invoice": inv.Number, "Amount": c.Amount.In(inv.Lang), "Date": dateText(inv.Lang, on),
		"Mandate": m.Reference, "CreditorID": s.cfg.Creditor.CreditorID, "Creditor": s.cfg.Creditor.Name, "Account": maskIBAN(m.IBAN)}
	subject, body, err := templates.Render("dd_prenotification", inv.Lang, data)
	if err != nil {
		return err
	}
	_, err = notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: "payments:dd-prenotification:" + c.EndToEndID, OrgID: inv.OrgID,
		To: inv.Email, ToName: inv.Name, Lang: inv.Lang, Subject: subject, Text: body})
	if errors.Is(err, notify.ErrDuplicate) {
		return nil
	}
	return err
}

func sign64(n int64) int64 {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}
	return 0
}

// batchKey identifies a batch by its content, so that exporting it again finds it.
func batchKey(on terms.Date, items []debit) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s;", on)
	for _, it := range items {
		fmt.Fprintf(h, "%d:%d:%d:%d:%s;", it.InvoiceID, it.MandateID, it.Amount, len(it.Description), it.Description)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// DirectDebitBatchFile returns an exported file again. Billing staff only.
func (s *Service) DirectDebitBatchFile(ctx context.Context, by accounts.Principal, batchID int64) ([]byte, error) {
	if err := by.Check(accounts.PaymentRead, accounts.Provider); err != nil {
		return nil, err
	}
	var doc []byte
	err := s.db.QueryRowContext(ctx, `SELECT document FROM dd_batches WHERE id = $1`, batchID).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	return doc, err
}

// settleCollections marks our collections whose credit tx is as settled: by
// EndToEndId, or for a batch booking without details by its PmtInfId.
func (s *Service) settleCollections(ctx context.Context, q store.Querier, tx Tx, e Entry) (bool, error) {
	var res sql.Result
	var err error
	switch {
	case tx.EndToEndID != "":
		res, err = q.ExecContext(ctx, `UPDATE dd_collections SET status = $1, updated_at = $2 WHERE end_to_end_id = $3 AND status = $4 AND amount = $5`,
			CollectionSettled, s.now(), tx.EndToEndID, CollectionSubmitted, int64(tx.Amount))
	case tx.PmtInfID != "" && len(e.Txs) == 1:
		var sum int64
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM dd_collections WHERE pmt_inf_id = $1 AND status = $2`,
			tx.PmtInfID, CollectionSubmitted).Scan(&sum); err != nil {
			return false, err
		}
		if sum == 0 || terms.Money(sum) != tx.Amount {
			return false, nil
		}
		res, err = q.ExecContext(ctx, `UPDATE dd_collections SET status = $1, updated_at = $2 WHERE pmt_inf_id = $3 AND status = $4`,
			CollectionSettled, s.now(), tx.PmtInfID, CollectionSubmitted)
	default:
		return false, nil
	}
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// bookReturn handles a returned direct debit: the ledger reverses the collection, the
// collection is marked returned, and the mandate is blocked (for a reason that ends it)
// or, when its first collection came back, starts again with FRST. It reports false
// with a note when the return is not one of our collections.
func (s *Service) bookReturn(ctx context.Context, q store.Querier, txID int64, e Entry, tx Tx) (bool, string, error) {
	if tx.EndToEndID == "" {
		return false, fmt.Sprintf("return (%s) without an EndToEndId; find the original by hand", tx.ReturnReason), nil
	}
	var colID, mandateID, orgID, amount, invoiceID int64
	var seq, status, number string
	var booked sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT id, mandate_id, org_id, amount, invoice_id, invoice_number, seq_type, status, booked_at FROM dd_collections WHERE end_to_end_id = $1`,
		tx.EndToEndID).Scan(&colID, &mandateID, &orgID, &amount, &invoiceID, &number, &seq, &status, &booked)
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Sprintf("return (%s) of %s, which is not one of our direct debits", tx.ReturnReason, tx.EndToEndID), nil
	}
	if err != nil {
		return false, "", err
	}
	if status == CollectionReturned {
		return false, fmt.Sprintf("direct debit %s was returned before; check for a double booking", tx.EndToEndID), nil
	}
	if terms.Money(amount) != tx.Amount {
		return false, fmt.Sprintf("return of %s is %s but the collection was %s", tx.EndToEndID, tx.Amount, terms.Money(amount)), nil
	}
	// Returned before it was booked (its settlement date had not passed): the invoice
	// was never paid and is simply open again. Booked already: the payment is reversed.
	ledgerEffect := "payment reversed"
	if booked.Valid {
		if err := s.ledger.ReversePayment(ctx, q, SourceDirectDebit, tx.EndToEndID); err != nil {
			return false, "", fmt.Errorf("payments: reverse direct debit %s: %w", tx.EndToEndID, err)
		}
	} else {
		ledgerEffect = "invoice open again, never paid"
		if err := s.ledger.EndCollectionPending(ctx, q, invoiceID, tx.EndToEndID, "returned, reason "+tx.ReturnReason); err != nil {
			return false, "", fmt.Errorf("payments: end collection %s: %w", tx.EndToEndID, err)
		}
	}
	now := s.now()
	if _, err := q.ExecContext(ctx, `UPDATE dd_collections SET status = $1, return_reason = $2, updated_at = $3 WHERE id = $4`,
		CollectionReturned, tx.ReturnReason, now, colID); err != nil {
		return false, "", err
	}
	m, err := getMandate(ctx, q, mandateID)
	if err != nil {
		return false, "", err
	}
	effect := "mandate unchanged"
	if why, ending := endingReturnCodes[tx.ReturnReason]; ending {
		if m.Status == MandateActive {
			if _, err := q.ExecContext(ctx, `UPDATE mandates SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $4`,
				MandateBlocked, tx.ReturnReason+": "+why, now, mandateID); err != nil {
				return false, "", err
			}
		}
		effect = "mandate blocked (" + why + ")"
	} else if seq == SeqFirst {
		// The series did not start: unless another collection under the mandate still
		// stands, the next one is a first collection again.
		var others int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM dd_collections WHERE mandate_id = $1 AND id <> $2 AND status <> $3`,
			mandateID, colID, CollectionReturned).Scan(&others); err != nil {
			return false, "", err
		}
		if others == 0 && m.Status == MandateActive {
			if _, err := q.ExecContext(ctx, `UPDATE mandates SET next_sequence = $1, updated_at = $2 WHERE id = $3`, SeqFirst, now, mandateID); err != nil {
				return false, "", err
			}
			effect = "next collection is FRST again"
		}
	}
	if _, err := q.ExecContext(ctx, `UPDATE bank_transactions SET status = $1, match_rule = $2, invoice_id = $3, invoice_number = $4, org_id = $5 WHERE id = $6`,
		TxReversed, ruleE2E, invoiceID, number, orgID, txID); err != nil {
		return false, "", err
	}
	return true, "", record(ctx, q, now, orgID, "payment.dd_returned", "dd_collection", tx.EndToEndID, fmt.Sprintf(
		"direct debit %s of %s for invoice %s returned on %s, reason %s%s; %s; %s",
		tx.EndToEndID, tx.Amount, number, e.BookingDate, tx.ReturnReason, noteSuffix(tx.ReturnInfo), ledgerEffect, effect))
}

// SettleDirectDebits books the collections whose settlement date (the collection
// date) has passed without a return: the ledger gets the payment, dated on the
// collection date, and the invoice is paid (or open again for what a partial
// collection left). Each collection is booked once: the conditional update of
// booked_at and the ledger's key (sepa_dd, EndToEndId) are in one transaction, so a
// run killed half-way books the rest next time and never twice. A system job.
func (s *Service) SettleDirectDebits(ctx context.Context, now time.Time) (int, error) {
	ctx = jobCtx(ctx, "payments.dd_settle")
	today := terms.DateIn(now, clock.Amsterdam)
	ids, err := store.Int64s(ctx, s.db, `SELECT c.id FROM dd_collections c JOIN dd_batches b ON b.id = c.batch_id
		WHERE c.status IN ($1, $2) AND c.booked_at IS NULL AND b.collection_date < $3 ORDER BY c.id`,
		CollectionSubmitted, CollectionSettled, today.String())
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		err := s.db.InTx(ctx, func(q store.Querier) error {
			var e2e, number, on string
			var invoiceID, orgID, amount, batchID int64
			err := q.QueryRowContext(ctx, `UPDATE dd_collections SET booked_at = $1, updated_at = $1 WHERE id = $2 AND booked_at IS NULL AND status <> $3
				RETURNING end_to_end_id, invoice_id, invoice_number, org_id, amount, batch_id`,
				s.now(), id, CollectionReturned).Scan(&e2e, &invoiceID, &number, &orgID, &amount, &batchID)
			if errors.Is(err, sql.ErrNoRows) {
				return nil // returned or booked meanwhile
			}
			if err != nil {
				return err
			}
			if err := q.QueryRowContext(ctx, `SELECT collection_date FROM dd_batches WHERE id = $1`, batchID).Scan(&on); err != nil {
				return err
			}
			collected := dateOrZero(on)
			applied, excess, err := s.ledger.ApplyPayment(ctx, q, invoiceID, terms.Money(amount), collected, SourceDirectDebit, e2e)
			if err != nil {
				return fmt.Errorf("payments: book direct debit %s: %w", e2e, err)
			}
			if err := s.ledger.EndCollectionPending(ctx, q, invoiceID, e2e, "booked"); err != nil {
				return err
			}
			n++
			return record(ctx, q, s.now(), orgID, "payment.dd_booked", "dd_collection", e2e, fmt.Sprintf(
				"direct debit %s of %s for invoice %s settled on %s without a return: %s applied, %s excess", e2e, terms.Money(amount), number, collected, applied, excess))
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
