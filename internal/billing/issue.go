package billing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// billedKey marks an item as billed (billed_items); a second attempt finds it.
type billedKey struct {
	source   string
	sourceID int64
	period   string
}

// draft is a document about to be issued.
type draft struct {
	docType     DocType
	orgID       int64
	customer    Party
	kind        terms.CustomerKind
	lang        string
	pol         *terms.Policy
	vat         vatDecision
	issueDate   terms.Date
	lines       []Line // VATRate set; Position and Amount filled by issue
	keys        []billedKey
	reason      string
	credits     *Invoice // for a credit note: the invoice it credits
	applyCredit bool     // set off account credit (invoices only)
	ex          terms.Explanation
}

// series returns the number series of a document: the year of issue for invoices
// ("2027" → 2027-000001), "C" + year for credit notes (C2027-000001).
func series(t DocType, issue terms.Date) string {
	if t == DocCreditNote {
		return fmt.Sprintf("C%d", issue.Year())
	}
	return fmt.Sprintf("%d", issue.Year())
}

// nextNumber takes the next number of a series in the issuing transaction: the
// counter row is locked until commit (PostgreSQL row lock; SQLite's single writer),
// so concurrent issuers queue, a rolled back transaction returns its number, and
// numbers are gapless and never reused.
func nextNumber(ctx context.Context, q store.Querier, series string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `INSERT INTO invoice_series (series, last) VALUES ($1, 1)
		ON CONFLICT (series) DO UPDATE SET last = invoice_series.last + 1 RETURNING last`, series).Scan(&n)
	return n, err
}

// contentHash seals a document: sha256 of the JSON of every immutable field (the
// explanation, which records why, is kept beside the document but not sealed).
func contentHash(inv Invoice) string {
	c := inv
	c.ID, c.ContentHash, c.CreatedAt, c.State, c.Explanation = 0, "", time.Time{}, State{}, nil
	h := sha256.Sum256([]byte(mustJSON(c)))
	return hex.EncodeToString(h[:])
}

// creditBalance is the organisation's account credit available now.
func creditBalance(ctx context.Context, q store.Querier, orgID int64) (terms.Money, error) {
	var b terms.Money
	err := q.QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM account_credit WHERE org_id = $1`, orgID).Scan(&b)
	return b, err
}

// issue numbers, seals and stores a document in q's transaction, with its audit entry
// and mail. It returns ErrAlreadyBilled (and the caller must roll back) when one of the
// draft's items was billed meanwhile.
func (s *Service) issue(ctx context.Context, q store.Querier, now time.Time, d draft) (Invoice, error) {
	if err := s.checkProvider(); err != nil {
		return Invoice{}, err
	}
	if len(d.lines) == 0 {
		return Invoice{}, errors.New("billing: a document needs at least one line")
	}
	inv := Invoice{DocType: d.docType, OrgID: d.orgID, Pack: d.pol.PackName(), TermsVersion: d.pol.Version, CustomerKind: d.kind,
		Lang: d.lang, Currency: "EUR", IssueDate: d.issueDate, VATScheme: d.vat.scheme, VATCountry: d.vat.country,
		Reason: d.reason, Customer: d.customer, Provider: s.provider, Explanation: append(terms.Explanation{}, d.vat.ex...)}
	inv.Explanation = append(inv.Explanation, d.ex...)
	for i := range d.lines {
		l := &d.lines[i]
		l.Position = i + 1
		if l.Quantity == 0 {
			l.Quantity = 1
		}
		if l.Unit == "" {
			l.Unit = "C62"
		}
		l.Amount = l.UnitPrice.Mul(l.Quantity)
		if inv.PeriodStart.IsZero() || (!l.PeriodStart.IsZero() && l.PeriodStart.Before(inv.PeriodStart)) {
			inv.PeriodStart = l.PeriodStart
		}
		if l.PeriodEnd.After(inv.PeriodEnd) {
			inv.PeriodEnd = l.PeriodEnd
		}
	}
	inv.Lines = d.lines
	inv.VATBreakdown, inv.TotalExcl, inv.VAT = breakdown(d.vat.scheme, d.lines)
	inv.TotalIncl = inv.TotalExcl + inv.VAT
	if inv.TotalExcl < 0 {
		return Invoice{}, invalid("lines", "the total of a document cannot be negative; issue a credit note instead")
	}
	if d.docType == DocCreditNote {
		inv.DueDate = d.issueDate
		inv.CreditsInvoiceID, inv.CreditsNumber, inv.CreditsIssueDate = d.credits.ID, d.credits.Number, d.credits.IssueDate
	} else {
		pr, ex, err := d.pol.Payment(terms.PaymentInput{Customer: d.kind, InvoiceDate: d.issueDate})
		if err != nil {
			return Invoice{}, err
		}
		inv.DueDate = pr.Due
		inv.Explanation = append(inv.Explanation, ex[0])
	}
	if err := s.fail("issue:before-number"); err != nil {
		return Invoice{}, err
	}
	inv.Series = series(d.docType, d.issueDate)
	seq, err := nextNumber(ctx, q, inv.Series)
	if err != nil {
		return Invoice{}, fmt.Errorf("billing: number: %w", err)
	}
	inv.Seq = seq
	inv.Number = fmt.Sprintf("%s-%06d", inv.Series, seq)
	inv.Reference = rfReference(inv.Series, seq)

	inv.AmountDue = inv.TotalIncl
	if d.applyCredit && d.docType == DocInvoice && inv.TotalIncl > 0 {
		bal, err := creditBalance(ctx, q, d.orgID)
		if err != nil {
			return Invoice{}, err
		}
		if bal > 0 {
			inv.CreditApplied = min(bal, inv.TotalIncl)
			inv.AmountDue = inv.TotalIncl - inv.CreditApplied
			inv.Explanation = append(inv.Explanation, terms.Step{Clause: "cp.sla.compensation.5",
				Says:   "Account credit is set off against a new invoice, never against one already open, and never paid out.",
				Inputs: []terms.Input{{Name: "balance", Value: bal.String()}}, Value: inv.CreditApplied.String()})
		}
	}
	inv.ContentHash = contentHash(inv)
	inv.CreatedAt = now

	err = q.QueryRowContext(ctx, `INSERT INTO invoices (doc_type, series, seq, number, reference, org_id, pack, terms_version, customer_kind,
		lang, currency, issue_date, due_date, period_start, period_end, vat_scheme, vat_country, total_excl, vat, total_incl, credit_applied,
		amount_due, credits_invoice_id, credits_number, credits_issue_date, reason, customer_json, provider_json, vat_json, explanation,
		content_hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26,
		$27, $28, $29, $30, $31, $32) RETURNING id`,
		string(inv.DocType), inv.Series, inv.Seq, inv.Number, inv.Reference, inv.OrgID, inv.Pack, inv.TermsVersion, string(inv.CustomerKind),
		inv.Lang, inv.Currency, inv.IssueDate.String(), inv.DueDate.String(), dateText(inv.PeriodStart), dateText(inv.PeriodEnd),
		inv.VATScheme, inv.VATCountry, inv.TotalExcl, inv.VAT, inv.TotalIncl, inv.CreditApplied, inv.AmountDue, inv.CreditsInvoiceID,
		inv.CreditsNumber, dateText(inv.CreditsIssueDate), inv.Reason, mustJSON(inv.Customer), mustJSON(inv.Provider),
		mustJSON(inv.VATBreakdown), exJSON(inv.Explanation), inv.ContentHash, now).Scan(&inv.ID)
	if err != nil {
		return Invoice{}, fmt.Errorf("billing: insert invoice: %w", err)
	}
	if err := insertLines(ctx, q, inv.ID, inv.Lines); err != nil {
		return Invoice{}, err
	}
	if err := insertKeys(ctx, q, inv.ID, d.keys); err != nil {
		return Invoice{}, err
	}
	if inv.CreditApplied > 0 {
		if _, err := q.ExecContext(ctx, `INSERT INTO account_credit (org_id, amount, source, source_ref, invoice_id, description, created_at)
			VALUES ($1, $2, 'invoice', $3, $4, $5, $6)`, inv.OrgID, -inv.CreditApplied, inv.Number, inv.ID,
			"set off against invoice "+inv.Number, now); err != nil {
			return Invoice{}, err
		}
	}
	st := State{Status: StatusOpen, Open: inv.AmountDue}
	if d.docType == DocCreditNote {
		st = State{Status: StatusApplied}
	} else if inv.AmountDue == 0 {
		st = State{Status: StatusPaid, SettledOn: inv.IssueDate}
	}
	if _, err := q.ExecContext(ctx, `INSERT INTO invoice_state (invoice_id, org_id, doc_type, open_amount, status, settled_on, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, inv.ID, inv.OrgID, string(inv.DocType), st.Open, st.Status, nullDate(st.SettledOn), now); err != nil {
		return Invoice{}, err
	}
	inv.State = st
	what := "invoice"
	if d.docType == DocCreditNote {
		what = "credit note"
	}
	if err := record(ctx, q, now, inv.OrgID, "billing."+string(d.docType)+".issue", string(d.docType), inv.ID,
		fmt.Sprintf("%s %s issued: %s excl. VAT, %s VAT, %s due by %s", what, inv.Number, inv.TotalExcl, inv.VAT, inv.AmountDue, inv.DueDate)); err != nil {
		return Invoice{}, err
	}
	if err := s.fail("issue:before-mail"); err != nil {
		return Invoice{}, err
	}
	if s.cfg.Mail && inv.Customer.Email != "" {
		if err := s.mailIssued(ctx, q, now, inv); err != nil {
			return Invoice{}, err
		}
	}
	return inv, nil
}

func insertLines(ctx context.Context, q store.Querier, id int64, lines []Line) error {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO invoice_lines (invoice_id, position, source, source_id, description, period_start, period_end, quantity,
		unit, unit_price, amount, vat_category, vat_rate) VALUES `)
	args := make([]any, 0, len(lines)*13)
	for i, l := range lines {
		if i > 0 {
			sb.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d, $%d)",
			n+1, n+2, n+3, n+4, n+5, n+6, n+7, n+8, n+9, n+10, n+11, n+12, n+13)
		args = append(args, id, l.Position, l.Source, l.SourceID, l.Description, dateText(l.PeriodStart), dateText(l.PeriodEnd),
			l.Quantity, l.Unit, l.UnitPrice, l.Amount, l.VATCategory, l.VATRate.BasisPoints())
	}
	_, err := q.ExecContext(ctx, sb.String(), args...)
	if err != nil {
		return fmt.Errorf("billing: insert lines: %w", err)
	}
	return nil
}

// insertKeys claims the draft's items; any already claimed means another run billed
// them first, and the whole transaction must roll back.
func insertKeys(ctx context.Context, q store.Querier, id int64, keys []billedKey) error {
	if len(keys) == 0 {
		return nil
	}
	var sb strings.Builder
	sb.WriteString(`INSERT INTO billed_items (source, source_id, period_start, invoice_id) VALUES `)
	args := make([]any, 0, len(keys)*4)
	for i, k := range keys {
		if i > 0 {
			sb.WriteString(", ")
		}
		n := len(args)
		fmt.Fprintf(&sb, "($%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4)
		args = append(args, k.source, k.sourceID, k.period, id)
	}
	sb.WriteString(" ON CONFLICT (source, source_id, period_start) DO NOTHING")
	res, err := q.ExecContext(ctx, sb.String(), args...)
	if err != nil {
		return fmt.Errorf("billing: claim items: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil || n != int64(len(keys)) {
		return ErrAlreadyBilled
	}
	return nil
}

func (s *Service) mailIssued(ctx context.Context, q store.Querier, now time.Time, inv Invoice) error {
	name := "invoice_issued"
	if inv.DocType == DocCreditNote {
		name = "credit_note_issued"
	}
	data := map[string]any{"Name": inv.Customer.Name, "Number": inv.Number, "Date": inv.IssueDate.String(), "Due": inv.DueDate.String(),
		"AmountDue": "€ " + inv.AmountDue.String(), "Total": "€ " + inv.TotalIncl.String(), "Reference": inv.Reference,
		"IBAN": inv.Provider.IBAN, "Provider": inv.Provider.Name, "Credits": inv.CreditsNumber}
	subject, body, err := templates.Render(name, inv.Lang, data)
	if err != nil {
		return err
	}
	_, err = notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: "billing:" + inv.Number, OrgID: inv.OrgID, To: inv.Customer.Email,
		ToName: inv.Customer.Name, Lang: inv.Lang, Subject: subject, Text: body})
	if errors.Is(err, notify.ErrDuplicate) {
		return nil
	}
	return err
}
