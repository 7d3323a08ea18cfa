package payments

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Status of a bank transaction.
const (
	TxMatched    = "matched"    // applied to an invoice automatically
	TxUnmatched  = "unmatched"  // waiting for staff (the queue)
	TxAssigned   = "assigned"   // applied to an invoice by staff
	TxIgnored    = "ignored"    // staff decided it needs no booking, with a reason
	TxReversed   = "reversed"   // a return of one of our direct debits, reversed in the ledger
	TxDDSettled  = "dd_settled" // the credit of one of our direct debit collections
	TxNoAction   = "no_action"  // a debit without return information (costs, our own transfers)
	TxNotBooked  = "not_booked" // an entry with status PDNG or INFO
	ruleRef      = "reference"
	ruleUstrdRef = "reference_in_description"
	ruleNumber   = "invoice_number_in_description"
	ruleE2E      = "end_to_end_id"
	ruleManual   = "manual"
)

// BankTransaction is one booked transaction of an imported statement.
type BankTransaction struct {
	ID               int64       `json:"id"`
	EntryKey         string      `json:"entry_key"`
	EntryIndex       int         `json:"entry_index"`
	Credit           bool        `json:"credit"`
	Amount           terms.Money `json:"amount"`
	Currency         string      `json:"currency"`
	BookingDate      terms.Date  `json:"booking_date"`
	ValueDate        terms.Date  `json:"value_date"`
	AcctSvcrRef      string      `json:"acct_svcr_ref"`
	EndToEndID       string      `json:"end_to_end_id"`
	Reference        string      `json:"reference"`
	Unstructured     string      `json:"unstructured"`
	CounterpartyName string      `json:"counterparty_name"`
	CounterpartyIBAN string      `json:"counterparty_iban"`
	ReturnReason     string      `json:"return_reason,omitempty"`
	Status           string      `json:"status"`
	MatchRule        string      `json:"match_rule,omitempty"`
	MatchNote        string      `json:"match_note,omitempty"` // why it was not matched
	InvoiceID        int64       `json:"invoice_id,omitempty"`
	InvoiceNumber    string      `json:"invoice_number,omitempty"`
	OrgID            int64       `json:"org_id,omitempty"`
	Applied          terms.Money `json:"applied"`
	Excess           terms.Money `json:"excess"`
	ResolutionNote   string      `json:"resolution_note,omitempty"`
}

// ImportResult counts what an import did, per transaction (a batch entry with
// details counts each of its transactions).
type ImportResult struct {
	Statements int // statements in the file
	Entries    int // transactions in the file
	Matched    int // applied to an invoice, or recognised as our direct debit's credit
	Unmatched  int // put in the queue for staff
	Reversed   int // returns of our direct debits, reversed
	Other      int // debits without return information and entries not booked
	Duplicates int // already imported earlier: nothing done
}

// matchPlan is what the lookups before the transaction decided for one transaction.
type matchPlan struct {
	item OpenItem
	rule string
	note string
}

// ImportCAMT053 reads a CAMT.053 statement file and books it: credits are matched to
// open invoices by structured reference, then by a reference or invoice number in the
// description; the Ledger decides what is applied and what is excess. Returns of our
// direct debits are reversed. Whatever cannot be matched goes to the queue (Unmatched).
// A statement or transaction imported before is skipped, so importing a file twice
// changes nothing. The whole file is validated first and booked in one transaction:
// a bad file changes nothing. Billing staff only.
func (s *Service) ImportCAMT053(ctx context.Context, by accounts.Principal, filename string, r io.Reader) (ImportResult, error) {
	var res ImportResult
	if err := by.Check(accounts.PaymentManage, accounts.Provider); err != nil {
		return res, err
	}
	ctx = actorFor(ctx, by)
	filename = clipLen(strings.TrimSpace(filename), 200)
	sts, err := ParseCAMT053(filename, r)
	if err != nil {
		return res, err
	}
	// A statement of someone else's account says nothing about payments to the
	// provider; booking it would mark invoices paid with money the provider never got.
	for _, st := range sts {
		if !s.ownAccount(st.IBAN) {
			return res, &ForeignAccountError{File: filename, Statement: st.ID, IBAN: st.IBAN, Accounts: s.accounts()}
		}
	}
	// Lookups in billing first, outside the transaction; the Ledger decides again
	// inside it when applying.
	plans := map[string]matchPlan{}
	for _, st := range sts {
		for _, e := range st.Entries {
			for i, tx := range e.Txs {
				if !e.Credit || e.Status != "BOOK" {
					continue
				}
				p, err := s.plan(ctx, e, tx)
				if err != nil {
					return res, err
				}
				plans[entryKey(st, e, i)] = p
			}
		}
	}
	err = s.db.InTx(ctx, func(q store.Querier) error {
		res = ImportResult{Statements: len(sts)}
		now := s.now()
		for _, st := range sts {
			n := 0
			for _, e := range st.Entries {
				n += len(e.Txs)
			}
			res.Entries += n
			var stID int64
			err := q.QueryRowContext(ctx, `INSERT INTO payment_statements (statement_key, account_iban, statement_id, msg_id, filename, transactions, imported_by, imported_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (statement_key) DO NOTHING RETURNING id`,
				st.IBAN+"|"+st.ID, st.IBAN, st.ID, st.MsgID, filename, n, by.User.ID, now).Scan(&stID)
			if errors.Is(err, sql.ErrNoRows) {
				res.Duplicates += n
				continue
			}
			if err != nil {
				return fmt.Errorf("payments: save statement: %w", err)
			}
			var sr ImportResult
			for _, e := range st.Entries {
				for i, tx := range e.Txs {
					if err := s.bookTx(ctx, q, stID, st, e, i, tx, plans[entryKey(st, e, i)], &sr); err != nil {
						return err
					}
				}
			}
			res.Matched += sr.Matched
			res.Unmatched += sr.Unmatched
			res.Reversed += sr.Reversed
			res.Other += sr.Other
			res.Duplicates += sr.Duplicates
			if err := record(ctx, q, now, 0, "payment.statement_import", "bank_statement", stID, fmt.Sprintf(
				"imported statement %s of %s from %s: %d transactions, %d matched, %d to the queue, %d reversed, %d other, %d already imported",
				st.ID, st.IBAN, filename, n, sr.Matched, sr.Unmatched, sr.Reversed, sr.Other, sr.Duplicates)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// ForeignAccountError refuses a statement of an account that is not one of the
// provider's configured accounts (Config.Creditor.IBAN, Config.Accounts).
type ForeignAccountError struct {
	File      string
	Statement string
	IBAN      string
	Accounts  []string
}

func (e *ForeignAccountError) Error() string {
	own := "none is configured"
	if len(e.Accounts) > 0 {
		own = strings.Join(e.Accounts, ", ")
	}
	return fmt.Sprintf("%s: statement %s is of account %s, which is not one of the provider's accounts (%s); nothing was imported",
		e.File, clip(e.Statement), e.IBAN, own)
}

// accounts lists the provider's own accounts: the creditor account and the others
// configured.
func (s *Service) accounts() []string {
	var out []string
	for _, a := range append([]string{s.cfg.Creditor.IBAN}, s.cfg.Accounts...) {
		if a = NormalizeIBAN(a); a != "" && !slices.Contains(out, a) {
			out = append(out, a)
		}
	}
	return out
}

func (s *Service) ownAccount(iban string) bool {
	return slices.Contains(s.accounts(), NormalizeIBAN(iban))
}

// entryKey identifies a booking across statements: the account and the bank's own
// reference of the entry (AcctSvcrRef, else NtryRef), with the transaction's position
// when the entry has several. Without a bank reference the statement id and the
// entry's position stand in (then only a second import of the same statement is
// recognised).
func entryKey(st Statement, e Entry, i int) string {
	base := e.AcctSvcrRef
	if base == "" {
		base = e.NtryRef
	}
	if base == "" {
		base = fmt.Sprintf("%s#%d", st.ID, entryPos(st, e))
	}
	k := st.IBAN + "|" + base
	if len(e.Txs) > 1 {
		k += fmt.Sprintf("/%d", i+1)
	}
	return k
}

func entryPos(st Statement, e Entry) int { return e.Index - st.Entries[0].Index + 1 }

// plan finds the invoice a credit pays: the structured reference; else a reference
// typed into the description; else invoice numbers named in the description (one
// invoice, or the one of several whose open amount is exactly the amount paid).
func (s *Service) plan(ctx context.Context, e Entry, tx Tx) (matchPlan, error) {
	if tx.Currency != "EUR" {
		return matchPlan{note: fmt.Sprintf("amount in %s, not EUR", tx.Currency)}, nil
	}
	var notes []string
	if tx.Reference != "" {
		it, err := s.ledger.FindByPaymentReference(ctx, tx.Reference)
		switch {
		case err == nil:
			return matchPlan{item: it, rule: ruleRef}, nil
		case !errors.Is(err, accounts.ErrNotFound):
			return matchPlan{}, fmt.Errorf("payments: find invoice by reference: %w", err)
		}
		notes = append(notes, fmt.Sprintf("reference %s is not an open invoice", tx.Reference))
	}
	if tx.Unstructured == "" {
		if len(notes) == 0 {
			notes = append(notes, "no reference or description")
		}
		return matchPlan{note: strings.Join(notes, "; ")}, nil
	}
	for _, ref := range digitRuns(tx.Unstructured) {
		if ref == tx.Reference {
			continue
		}
		it, err := s.ledger.FindByPaymentReference(ctx, ref)
		switch {
		case err == nil:
			return matchPlan{item: it, rule: ruleUstrdRef}, nil
		case !errors.Is(err, accounts.ErrNotFound):
			return matchPlan{}, fmt.Errorf("payments: find invoice by reference: %w", err)
		}
	}
	var found []OpenItem
	for _, tok := range numberTokens(tx.Unstructured) {
		it, err := s.ledger.FindByInvoiceNumber(ctx, tok)
		switch {
		case err == nil:
			if !containsInvoice(found, it.InvoiceID) {
				found = append(found, it)
			}
		case !errors.Is(err, accounts.ErrNotFound):
			return matchPlan{}, fmt.Errorf("payments: find invoice by number: %w", err)
		}
	}
	switch len(found) {
	case 0:
		notes = append(notes, "no open invoice named in the description")
	case 1:
		return matchPlan{item: found[0], rule: ruleNumber}, nil
	default:
		var exact []OpenItem
		var nums []string
		for _, it := range found {
			nums = append(nums, it.Number)
			if it.Open == tx.Amount {
				exact = append(exact, it)
			}
		}
		if len(exact) == 1 {
			return matchPlan{item: exact[0], rule: ruleNumber}, nil
		}
		notes = append(notes, "the description names several open invoices ("+strings.Join(nums, ", ")+"); split it by hand")
	}
	return matchPlan{note: strings.Join(notes, "; ")}, nil
}

func containsInvoice(items []OpenItem, id int64) bool {
	for _, it := range items {
		if it.InvoiceID == id {
			return true
		}
	}
	return false
}

// digitRuns returns the runs of 7 to 20 digits in s, where single spaces or dots
// inside a run are ignored ("kenmerk 3000 0000 0000 0455" → "3000000000000455"). At
// most 5 are returned.
func digitRuns(s string) []string {
	var out []string
	var cur strings.Builder
	flush := func() {
		if n := cur.Len(); n >= 7 && n <= 20 && len(out) < 5 {
			out = append(out, cur.String())
		}
		cur.Reset()
	}
	rs := []rune(s)
	for i, r := range rs {
		switch {
		case r >= '0' && r <= '9':
			cur.WriteRune(r)
		case (r == ' ' || r == '.') && cur.Len() > 0 && i+1 < len(rs) && rs[i+1] >= '0' && rs[i+1] <= '9':
		default:
			flush()
		}
	}
	flush()
	return out
}

// numberTokens returns the words of s that could be invoice numbers: 3 to 35 letters,
// digits and - / . _ with at least one digit, trailing punctuation removed. At most 8.
func numberTokens(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("-/._", r))
	}) {
		w = strings.Trim(w, "-/._")
		if len(w) < 3 || len(w) > 35 || !strings.ContainsFunc(w, unicode.IsDigit) {
			continue
		}
		if len(out) == 8 {
			break
		}
		out = append(out, w)
	}
	return out
}

// bookTx saves one transaction and does what it calls for, inside q.
func (s *Service) bookTx(ctx context.Context, q store.Querier, stID int64, st Statement, e Entry, i int, tx Tx, p matchPlan, res *ImportResult) error {
	key := entryKey(st, e, i)
	dir, cpName, cpIBAN := "DBIT", tx.CreditorName, tx.CreditorIBAN
	if e.Credit {
		dir, cpName, cpIBAN = "CRDT", tx.DebtorName, tx.DebtorIBAN
	}
	if tx.ReturnReason != "" || (!e.Credit && cpName == "") {
		// A return concerns the original debtor; the bank reports it as the debtor.
		if tx.DebtorName != "" {
			cpName, cpIBAN = tx.DebtorName, tx.DebtorIBAN
		}
	}
	acctRef := tx.AcctSvcrRef
	if acctRef == "" {
		acctRef = e.AcctSvcrRef
	}
	now := s.now()
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO bank_transactions (entry_key, statement_id, entry_index, direction, amount, currency, booking_date, value_date,
		acct_svcr_ref, end_to_end_id, mandate_ref, reference, unstructured, counterparty_name, counterparty_iban, return_reason, status, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) ON CONFLICT (entry_key) DO NOTHING RETURNING id`,
		key, stID, entryPos(st, e), dir, int64(tx.Amount), tx.Currency, e.BookingDate.String(), e.ValueDate.String(),
		acctRef, tx.EndToEndID, tx.MandateID, tx.Reference, tx.Unstructured, cpName, cpIBAN, tx.ReturnReason, TxUnmatched, now).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		res.Duplicates++
		return nil
	}
	if err != nil {
		return fmt.Errorf("payments: save bank transaction: %w", err)
	}
	setStatus := func(status, rule, note string) error {
		_, err := q.ExecContext(ctx, `UPDATE bank_transactions SET status = $1, match_rule = $2, match_note = $3 WHERE id = $4`, status, rule, note, id)
		return err
	}
	switch {
	case e.Status != "BOOK":
		res.Other++
		return setStatus(TxNotBooked, "", "entry status "+e.Status)
	case !e.Credit && tx.ReturnReason != "":
		done, note, err := s.bookReturn(ctx, q, id, e, tx)
		if err != nil {
			return err
		}
		if done {
			res.Reversed++
			return nil
		}
		res.Unmatched++
		return setStatus(TxUnmatched, "", note)
	case !e.Credit && e.Reversal:
		res.Unmatched++
		return setStatus(TxUnmatched, "", "the bank reversed an earlier booking; check which one")
	case !e.Credit:
		res.Other++
		return setStatus(TxNoAction, "", "")
	}
	// A credit: our own direct debit coming in?
	if settled, err := s.settleCollections(ctx, q, tx, e); err != nil {
		return err
	} else if settled {
		res.Matched++
		return setStatus(TxDDSettled, ruleE2E, "")
	}
	if p.rule == "" {
		res.Unmatched++
		return setStatus(TxUnmatched, "", p.note)
	}
	applied, excess, err := s.ledger.ApplyPayment(ctx, q, p.item.InvoiceID, tx.Amount, e.ValueDate, SourceBank, key)
	if err != nil {
		return fmt.Errorf("payments: apply payment %s to invoice %s: %w", key, p.item.Number, err)
	}
	if _, err := q.ExecContext(ctx, `UPDATE bank_transactions SET status = $1, match_rule = $2, invoice_id = $3, invoice_number = $4, org_id = $5, applied = $6, excess = $7 WHERE id = $8`,
		TxMatched, p.rule, p.item.InvoiceID, p.item.Number, p.item.OrgID, int64(applied), int64(excess), id); err != nil {
		return err
	}
	res.Matched++
	return record(ctx, q, now, p.item.OrgID, "payment.bank_applied", "bank_transaction", id, fmt.Sprintf(
		"bank transfer of %s from %s on %s applied to invoice %s (matched by %s): %s applied, %s excess",
		tx.Amount, orDash(cpName), e.ValueDate, p.item.Number, p.rule, applied, excess))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ---- the queue ----

const txColumns = `id, entry_key, entry_index, direction, amount, currency, booking_date, value_date, acct_svcr_ref, end_to_end_id, reference, unstructured,
	counterparty_name, counterparty_iban, return_reason, status, match_rule, match_note, invoice_id, invoice_number, org_id, applied, excess, resolution_note`

func scanTx(row interface{ Scan(...any) error }) (BankTransaction, error) {
	var t BankTransaction
	var dir, bd, vd string
	var amount, applied, excess int64
	err := row.Scan(&t.ID, &t.EntryKey, &t.EntryIndex, &dir, &amount, &t.Currency, &bd, &vd, &t.AcctSvcrRef, &t.EndToEndID, &t.Reference, &t.Unstructured,
		&t.CounterpartyName, &t.CounterpartyIBAN, &t.ReturnReason, &t.Status, &t.MatchRule, &t.MatchNote, &t.InvoiceID, &t.InvoiceNumber, &t.OrgID,
		&applied, &excess, &t.ResolutionNote)
	t.Credit, t.Amount, t.Applied, t.Excess = dir == "CRDT", terms.Money(amount), terms.Money(applied), terms.Money(excess)
	t.BookingDate, t.ValueDate = dateOrZero(bd), dateOrZero(vd)
	return t, err
}

// UnmatchedPage is a page of the queue.
type UnmatchedPage struct {
	Items []BankTransaction
	Total int
}

// Unmatched lists the transactions waiting for staff, oldest first. Billing staff only.
func (s *Service) Unmatched(ctx context.Context, by accounts.Principal, page Page) (UnmatchedPage, error) {
	var out UnmatchedPage
	if err := by.Check(accounts.PaymentRead, accounts.Provider); err != nil {
		return out, err
	}
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM bank_transactions WHERE status = $1`, TxUnmatched).Scan(&out.Total); err != nil {
		return out, err
	}
	limit, offset := page.limits()
	rows, err := s.db.QueryContext(ctx, `SELECT `+txColumns+` FROM bank_transactions WHERE status = $1 ORDER BY id LIMIT $2 OFFSET $3`, TxUnmatched, limit, offset)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTx(rows)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, t)
	}
	return out, rows.Err()
}

// UnmatchedAfter is the queue by keyset: up to limit (at most 200) transactions after
// the one with id after, oldest first, along bank_transactions_status and without a
// count, so that a page costs the same however long the queue is (issue 16).
func (s *Service) UnmatchedAfter(ctx context.Context, by accounts.Principal, after int64, limit int) ([]BankTransaction, error) {
	if err := by.Check(accounts.PaymentRead, accounts.Provider); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, unmatchedAfterQuery, TxUnmatched, max(after, 0), min(max(limit, 1), 200))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []BankTransaction
	for rows.Next() {
		t, err := scanTx(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

const unmatchedAfterQuery = `SELECT ` + txColumns + ` FROM bank_transactions WHERE status = $1 AND id > $2 ORDER BY id LIMIT $3`

// BankTransaction returns one imported transaction. Billing staff only.
func (s *Service) BankTransaction(ctx context.Context, by accounts.Principal, id int64) (BankTransaction, error) {
	if err := by.Check(accounts.PaymentRead, accounts.Provider); err != nil {
		return BankTransaction{}, err
	}
	return getTx(ctx, s.db, id)
}

func getTx(ctx context.Context, q store.Querier, id int64) (BankTransaction, error) {
	t, err := scanTx(q.QueryRowContext(ctx, `SELECT `+txColumns+` FROM bank_transactions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return t, ErrNotFound
	}
	return t, err
}

// AssignUnmatched applies a credit from the queue to the open invoice that invoice
// names (its number or its payment reference), as staff decided. Billing staff only.
func (s *Service) AssignUnmatched(ctx context.Context, by accounts.Principal, txID int64, invoice, note string) (BankTransaction, error) {
	if err := by.Check(accounts.PaymentManage, accounts.Provider); err != nil {
		return BankTransaction{}, err
	}
	ctx = actorFor(ctx, by)
	invoice, note = strings.TrimSpace(invoice), strings.TrimSpace(note)
	if len(note) > 500 {
		return BankTransaction{}, FieldErrors{"note": i18n.T("payments.keep_note_under_500")}
	}
	if invoice == "" {
		return BankTransaction{}, FieldErrors{"invoice": i18n.T("payments.enter_invoice_number_payment")}
	}
	it, err := s.ledger.FindByInvoiceNumber(ctx, invoice)
	if errors.Is(err, accounts.ErrNotFound) {
		it, err = s.ledger.FindByPaymentReference(ctx, strings.Join(strings.Fields(invoice), ""))
	}
	if errors.Is(err, accounts.ErrNotFound) {
		return BankTransaction{}, FieldErrors{"invoice": i18n.T("payments.no_open_invoice_has", clip(invoice))}
	}
	if err != nil {
		return BankTransaction{}, err
	}
	var out BankTransaction
	err = s.db.InTx(ctx, func(q store.Querier) error {
		t, err := getTx(ctx, q, txID)
		if err != nil {
			return err
		}
		if t.Status != TxUnmatched {
			return FieldErrors{"status": i18n.T("payments.this_transaction_s_no", t.Status)}
		}
		if !t.Credit || t.Currency != "EUR" {
			return FieldErrors{"invoice": i18n.T("payments.only_credit_eur_can")}
		}
		now := s.now()
		applied, excess, err := s.ledger.ApplyPayment(ctx, q, it.InvoiceID, t.Amount, t.ValueDate, SourceBank, t.EntryKey)
		if err != nil {
			return fmt.Errorf("payments: apply payment: %w", err)
		}
		res, err := q.ExecContext(ctx, `UPDATE bank_transactions SET status = $1, match_rule = $2, invoice_id = $3, invoice_number = $4, org_id = $5,
			applied = $6, excess = $7, resolution_note = $8, resolved_by = $9, resolved_at = $10 WHERE id = $11 AND status = $12`,
			TxAssigned, ruleManual, it.InvoiceID, it.Number, it.OrgID, int64(applied), int64(excess), note, by.User.ID, now, txID, TxUnmatched)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return FieldErrors{"status": i18n.T("payments.this_transaction_was_resolved")}
		}
		if err := record(ctx, q, now, it.OrgID, "payment.unmatched_assigned", "bank_transaction", txID, fmt.Sprintf(
			"bank transfer of %s from %s on %s assigned by hand to invoice %s: %s applied, %s excess%s",
			t.Amount, orDash(t.CounterpartyName), t.ValueDate, it.Number, applied, excess, noteSuffix(note))); err != nil {
			return err
		}
		out, err = getTx(ctx, q, txID)
		return err
	})
	return out, err
}

// IgnoreUnmatched takes a transaction out of the queue without booking it, for the
// reason given (a private transfer, a refund to pay back, ...). Billing staff only.
func (s *Service) IgnoreUnmatched(ctx context.Context, by accounts.Principal, txID int64, reason string) (BankTransaction, error) {
	if err := by.Check(accounts.PaymentManage, accounts.Provider); err != nil {
		return BankTransaction{}, err
	}
	ctx = actorFor(ctx, by)
	reason = strings.TrimSpace(reason)
	if len(reason) < 3 {
		return BankTransaction{}, FieldErrors{"reason": i18n.T("payments.say_why_this_transaction")}
	}
	if len(reason) > 500 {
		return BankTransaction{}, FieldErrors{"reason": i18n.T("payments.keep_reason_under_500")}
	}
	var out BankTransaction
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `UPDATE bank_transactions SET status = $1, resolution_note = $2, resolved_by = $3, resolved_at = $4 WHERE id = $5 AND status = $6`,
			TxIgnored, reason, by.User.ID, now, txID, TxUnmatched)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			t, err := getTx(ctx, q, txID)
			if err != nil {
				return err
			}
			return FieldErrors{"status": i18n.T("payments.this_transaction_s_no", t.Status)}
		}
		t, err := getTx(ctx, q, txID)
		if err != nil {
			return err
		}
		out = t
		return record(ctx, q, now, 0, "payment.unmatched_ignored", "bank_transaction", txID, fmt.Sprintf(
			"bank transaction of %s from %s on %s ignored: %s", t.Amount, orDash(t.CounterpartyName), t.ValueDate, reason))
	})
	return out, err
}

func noteSuffix(note string) string {
	if note == "" {
		return ""
	}
	return " (" + note + ")"
}
