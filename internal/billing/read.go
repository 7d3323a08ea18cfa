package billing

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

const invCols = `i.id, i.doc_type, i.series, i.seq, i.number, i.reference, i.org_id, i.pack, i.terms_version, i.customer_kind, i.lang, i.currency,
	i.issue_date, i.due_date, i.period_start, i.period_end, i.vat_scheme, i.vat_country, i.total_excl, i.vat, i.total_incl, i.credit_applied,
	i.amount_due, i.credits_invoice_id, i.credits_number, i.credits_issue_date, i.reason, i.customer_json, i.provider_json, i.vat_json,
	i.explanation, i.content_hash, i.created_at, s.status, s.open_amount, s.paid, s.credited, s.settled_on, ` + restrictedCol

// invListCols are invCols for lists: a list shows a document's header and its
// customer's name, so the provider, the VAT breakdown and the explanation stay unread.
// Decoding them was half of reading a page of invoices (issue 16); GetInvoice gives them.
var invListCols = strings.Replace(invCols, `i.provider_json, i.vat_json,
	i.explanation,`, `'' AS provider_json, '' AS vat_json,
	'' AS explanation,`, 1)

const invFrom = ` FROM invoices i JOIN invoice_state s ON s.invoice_id = i.id`

type scanner interface{ Scan(dest ...any) error }

func scanInvoice(r scanner) (Invoice, error) {
	var inv Invoice
	var docType, kind, custJSON, provJSON, vatJSON, exJSONText string
	var ps, pe, cid string
	var settled sql.NullString
	var restricted int64
	err := r.Scan(&inv.ID, &docType, &inv.Series, &inv.Seq, &inv.Number, &inv.Reference, &inv.OrgID, &inv.Pack, &inv.TermsVersion, &kind,
		&inv.Lang, &inv.Currency, &inv.IssueDate, &inv.DueDate, &ps, &pe, &inv.VATScheme, &inv.VATCountry, &inv.TotalExcl, &inv.VAT,
		&inv.TotalIncl, &inv.CreditApplied, &inv.AmountDue, &inv.CreditsInvoiceID, &inv.CreditsNumber, &cid, &inv.Reason,
		&custJSON, &provJSON, &vatJSON, &exJSONText, &inv.ContentHash, &inv.CreatedAt,
		&inv.State.Status, &inv.State.Open, &inv.State.Paid, &inv.State.Credited, &settled, &restricted)
	inv.Restricted = restricted > 0
	if errors.Is(err, sql.ErrNoRows) {
		return Invoice{}, ErrNotFound
	}
	if err != nil {
		return Invoice{}, err
	}
	inv.DocType, inv.CustomerKind, inv.CreatedAt = DocType(docType), terms.CustomerKind(kind), inv.CreatedAt.UTC()
	rec := fmt.Sprintf("%s %d", inv.DocType, inv.ID)
	for _, p := range []struct {
		field, s string
		d        *terms.Date
	}{{"period_start", ps, &inv.PeriodStart}, {"period_end", pe, &inv.PeriodEnd}, {"credits_issue_date", cid, &inv.CreditsIssueDate},
		{"settled_on", settled.String, &inv.State.SettledOn}} {
		if p.s != "" {
			if *p.d, err = terms.ParseDate(p.s); err != nil {
				return Invoice{}, &store.CorruptError{Record: rec, Field: p.field, Err: err}
			}
		}
	}
	for _, j := range []struct {
		field, text string
		v           any
	}{{"customer_json", custJSON, &inv.Customer}, {"provider_json", provJSON, &inv.Provider}, {"vat_json", vatJSON, &inv.VATBreakdown},
		{"explanation", exJSONText, &inv.Explanation}} {
		if err := store.DecodeJSON(rec, j.field, j.text, j.v); err != nil {
			return Invoice{}, err
		}
	}
	return inv, nil
}

func loadLines(ctx context.Context, q store.Querier, id int64) ([]Line, error) {
	rows, err := q.QueryContext(ctx, `SELECT position, source, source_id, description, period_start, period_end, quantity, unit,
		unit_price, amount, vat_category, vat_rate FROM invoice_lines WHERE invoice_id = $1 ORDER BY position`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Line
	for rows.Next() {
		var l Line
		var ps, pe string
		var rate int64
		if err := rows.Scan(&l.Position, &l.Source, &l.SourceID, &l.Description, &ps, &pe, &l.Quantity, &l.Unit, &l.UnitPrice, &l.Amount,
			&l.VATCategory, &rate); err != nil {
			return nil, err
		}
		l.VATRate = terms.Rate(rate)
		for _, p := range []struct {
			field, s string
			d        *terms.Date
		}{{"period_start", ps, &l.PeriodStart}, {"period_end", pe, &l.PeriodEnd}} {
			if p.s == "" {
				continue
			}
			var err error
			if *p.d, err = terms.ParseDate(p.s); err != nil {
				return nil, &store.CorruptError{Record: fmt.Sprintf("line %d of invoice %d", l.Position, id), Field: p.field, Err: err}
			}
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// getInvoice reads a document with its lines and checks its seal.
func getInvoice(ctx context.Context, q store.Querier, id int64) (Invoice, error) {
	inv, err := scanInvoice(q.QueryRowContext(ctx, `SELECT `+invCols+invFrom+` WHERE i.id = $1`, id))
	if err != nil {
		return Invoice{}, err
	}
	if inv.Lines, err = loadLines(ctx, q, id); err != nil {
		return Invoice{}, err
	}
	if h := contentHash(inv); h != inv.ContentHash {
		// A redacted document is sealed by its redaction record (redact.go).
		ok, err := redactionSeals(ctx, q, inv.ID, inv.ContentHash, h)
		if err != nil {
			return inv, err
		}
		if !ok {
			return inv, fmt.Errorf("%w: %s", ErrTampered, inv.Number)
		}
		inv.Redacted = true
	}
	inv.Customer = shownParty(inv)
	return inv, nil
}

// GetInvoice returns a document with its lines. A customer sees only its own
// organisation's documents (another's answer ErrNotFound). ErrTampered means the
// stored rows no longer match the seal made at issue.
func (s *Service) GetInvoice(ctx context.Context, by accounts.Principal, id int64) (Invoice, error) {
	inv, err := getInvoice(ctx, s.db, id)
	if err != nil && !errors.Is(err, ErrTampered) {
		return Invoice{}, err
	}
	if cerr := by.Check(accounts.InvoiceRead, accounts.OrgID(inv.OrgID)); cerr != nil {
		return Invoice{}, cerr
	}
	return inv, err
}

// InvoiceFilter selects documents for ListInvoices.
type InvoiceFilter struct {
	OrgID    int64      // 0: every organisation the principal may see (a customer: its own)
	DocType  DocType    // "" = both
	Status   string     // "" = any
	From, To terms.Date // issue date range, inclusive; zero = open-ended
	Series   string     // only this numbering series ("F2026"), along invoices_series
	Query    string     // number or reference prefix
}

// Page is keyset pagination, newest first: pass the previous page's Next as Before.
type Page struct {
	Before int64 // >0: documents with id below it
	Limit  int   // default 25, max 200
}

// ListInvoices lists documents newest first, and the cursor of the next page (0 at the
// end). They are headers with the customer: without lines, provider, VAT breakdown and
// explanation, which GetInvoice gives.
func (s *Service) ListInvoices(ctx context.Context, by accounts.Principal, f InvoiceFilter, p Page) ([]Invoice, int64, error) {
	if f.OrgID == 0 {
		f.OrgID = by.Own().ID
	}
	if err := by.Check(accounts.InvoiceRead, accounts.OrgID(f.OrgID)); err != nil {
		return nil, 0, err
	}
	if p.Limit <= 0 {
		p.Limit = 25
	}
	p.Limit = min(p.Limit, 200)
	sqlText, args := invoiceListQuery(s.db.Dialect, f, p)
	rows, err := s.db.QueryContext(ctx, sqlText, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Invoice
	for rows.Next() {
		inv, err := scanInvoice(rows)
		if err != nil {
			return nil, 0, err
		}
		inv.Customer = shownParty(inv)
		out = append(out, inv)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	var next int64
	if len(out) > p.Limit {
		out = out[:p.Limit]
		next = out[len(out)-1].ID
	}
	return out, next, nil
}

// invoiceListQuery is ListInvoices' query for f and p (p.Limit set): one row more than
// the page, to tell whether another follows. Filtered by status across customers, the
// list walks invoice_state_open (status, invoice_id) backwards, ordering and paging by
// s.invoice_id (the same number as i.id): ordered by i.id, SQLite read every invoice
// newest first and looked up the state of each until a page of open ones was found
// (issue 16). Otherwise the order is i.id, along the primary key or, for one customer,
// invoices_org (org_id, id), for a document type invoices_doc_type (doc_type, id), for
// a series invoices_series (series, id): each filter a range of an index in the list's
// order, so that a page of credit notes or of last year's series does not walk every
// newer invoice. A number or reference prefix (Query) across customers is a range of
// the number's (or reference's) unique index, listed in that order, newest number
// first: the walk stops after a page whether the prefix matches one invoice or a
// million (see prefixSearch). For one customer it stays a filter on that customer's
// invoices, which are few.
func invoiceListQuery(d store.Dialect, f InvoiceFilter, p Page) (string, []any) {
	if q := strings.ToUpper(strings.TrimSpace(f.Query)); q != "" && f.OrgID == 0 {
		return invoiceSearchQuery(d, q, f, p)
	}
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	key := "i.id"
	if f.Status != "" && f.OrgID == 0 {
		key = "s.invoice_id"
	}
	if f.OrgID != 0 {
		add("i.org_id = $%d", f.OrgID)
	}
	if f.DocType != "" {
		add("i.doc_type = $%d", string(f.DocType))
	}
	if f.Series != "" {
		add("i.series = $%d", f.Series)
	}
	if f.Status != "" {
		add("s.status = $%d", f.Status)
	}
	if !f.From.IsZero() {
		add("i.issue_date >= $%d", f.From.String())
	}
	if !f.To.IsZero() {
		add("i.issue_date <= $%d", f.To.String())
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		args = append(args, likeEscape(strings.ToUpper(q))+"%")
		where = append(where, fmt.Sprintf(`(i.number LIKE $%d ESCAPE '\' OR i.reference LIKE $%d ESCAPE '\')`, len(args), len(args)))
	}
	if p.Before > 0 {
		add(key+" < $%d", p.Before)
	}
	sqlText := `SELECT ` + invListCols + invFrom
	if len(where) > 0 {
		sqlText += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, p.Limit+1)
	sqlText += fmt.Sprintf(" ORDER BY %s DESC LIMIT $%d", key, len(args))
	return sqlText, args
}

// invoiceSearchQuery is the number or reference prefix search across customers: the
// range [q, q+U+10FFFF) of the unique index on invoices.number (on PostgreSQL the
// index invoices_number_c, the same column in the "C" collation: a prefix is a range
// only in byte order, and a linguistic collation such as en_US ignores the hyphen of
// F2026-000123). A query that starts like an RF creditor reference ("RF" and two check
// digits) searches the references instead. The page is in that column's order, newest
// number first, and the cursor (an invoice id) is turned into its number, so a page
// walks no further than itself (issue 16).
func invoiceSearchQuery(d store.Dialect, q string, f InvoiceFilter, p Page) (string, []any) {
	col := "number"
	if isRFPrefix(q) {
		col = "reference"
	}
	key := "i." + col
	sub := col
	if d == store.Postgres {
		key += ` COLLATE "C"`
		sub += ` COLLATE "C"`
	}
	args := []any{q, q + "\U0010FFFF"}
	where := []string{key + " >= $1", key + " < $2", "s.invoice_id = i.id"}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.DocType != "" {
		add("i.doc_type = $%d", string(f.DocType))
	}
	if f.Series != "" {
		add("i.series = $%d", f.Series)
	}
	if f.Status != "" {
		add("s.status = $%d", f.Status)
	}
	if !f.From.IsZero() {
		add("i.issue_date >= $%d", f.From.String())
	}
	if !f.To.IsZero() {
		add("i.issue_date <= $%d", f.To.String())
	}
	if p.Before > 0 {
		add(key+" < (SELECT "+sub+" FROM invoices WHERE id = $%d)", p.Before)
	}
	args = append(args, p.Limit+1)
	// CROSS JOIN keeps SQLite's loop on invoices (PostgreSQL treats it as the inner
	// join it is): with a status, SQLite chose invoice_state_open_org and sorted every
	// open invoice.
	return `SELECT ` + invListCols + ` FROM invoices i CROSS JOIN invoice_state s WHERE ` + strings.Join(where, " AND ") +
		fmt.Sprintf(` ORDER BY %s DESC LIMIT $%d`, key, len(args)), args
}

// isRFPrefix: q starts as an RF creditor reference (ISO 11649) does, "RF" and two
// check digits.
func isRFPrefix(q string) bool {
	return len(q) >= 4 && strings.HasPrefix(q, "RF") && q[2] >= '0' && q[2] <= '9' && q[3] >= '0' && q[3] <= '9'
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// OpenInvoice is what dunning needs of an invoice with something left to pay.
type OpenInvoice struct {
	ID           int64              `json:"id"`
	Number       string             `json:"number"`
	OrgID        int64              `json:"org_id"`
	CustomerKind terms.CustomerKind `json:"customer_kind"`
	Pack         string             `json:"pack"`
	IssueDate    terms.Date         `json:"issue_date"`
	DueDate      terms.Date         `json:"due_date"`
	Open         terms.Money        `json:"open"`
	TotalIncl    terms.Money        `json:"total_incl"`
	Reference    string             `json:"reference"`
	Lang         string             `json:"lang"`
	Email        string             `json:"email"`
	Name         string             `json:"name"` // the customer's name on the invoice
	TermsVersion string             `json:"terms_version"`
}

const openCols = `i.id, i.number, i.org_id, i.customer_kind, i.pack, i.issue_date, i.due_date, s.open_amount, i.total_incl, i.reference, i.lang, i.customer_json, i.terms_version, ` + restrictedCol

func scanOpen(r scanner) (OpenInvoice, error) {
	var o OpenInvoice
	var kind, cust string
	var restricted int64
	if err := r.Scan(&o.ID, &o.Number, &o.OrgID, &kind, &o.Pack, &o.IssueDate, &o.DueDate, &o.Open, &o.TotalIncl, &o.Reference, &o.Lang, &cust, &o.TermsVersion, &restricted); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return o, ErrNotFound
		}
		return o, err
	}
	o.CustomerKind = terms.CustomerKind(kind)
	var p Party
	if err := store.DecodeJSON(fmt.Sprintf("invoice %d", o.ID), "customer_json", cust, &p); err != nil {
		return o, err
	}
	if restricted > 0 {
		p = restrictParty(p)
	}
	o.Email, o.Name = p.Email, p.Name
	return o, nil
}

// OpenInvoices returns the invoices issued on or before asOf that still have an open
// amount, oldest first, for dunning. It is a system call (no principal): dunning runs
// as a job.
func (s *Service) OpenInvoices(ctx context.Context, asOf terms.Date) ([]OpenInvoice, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+openCols+invFrom+`
		WHERE s.status = 'open' AND s.open_amount > 0 AND i.issue_date <= $1 ORDER BY i.id`, asOf.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OpenInvoice
	for rows.Next() {
		o, err := scanOpen(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// FindByPaymentReference returns the invoice a structured payment reference points at
// (spaces and case ignored; a reference failing its check digits is not found).
func (s *Service) FindByPaymentReference(ctx context.Context, ref string) (OpenInvoice, error) {
	r := NormaliseReference(ref)
	if r == "" {
		return OpenInvoice{}, ErrNotFound
	}
	return scanOpen(s.db.QueryRowContext(ctx, `SELECT `+openCols+invFrom+` WHERE i.reference = $1`, r))
}

// OpenInvoiceByID returns an invoice as OpenInvoices reports it, whatever its status:
// Open is 0 once it is paid or credited (dunning reads an invoice it follows). A credit
// note is not found. A system call (no principal).
func (s *Service) OpenInvoiceByID(ctx context.Context, id int64) (OpenInvoice, error) {
	return scanOpen(s.db.QueryRowContext(ctx, `SELECT `+openCols+invFrom+` WHERE i.id = $1 AND i.doc_type = 'invoice'`, id))
}

// AppliedPayment is a payment booked against an invoice and not reversed.
type AppliedPayment struct {
	On        terms.Date  `json:"on"`
	Amount    terms.Money `json:"amount"` // the part applied to the invoice
	Source    string      `json:"source"`
	SourceRef string      `json:"source_ref"`
}

// PaymentsOn lists the payments applied to an invoice the principal may see.
func (s *Service) PaymentsOn(ctx context.Context, by accounts.Principal, invoiceID int64) ([]AppliedPayment, error) {
	if _, err := s.GetInvoice(ctx, by, invoiceID); err != nil {
		return nil, err
	}
	return s.InvoicePayments(ctx, invoiceID)
}

// InvoicePayments lists the payments applied to an invoice and not reversed, oldest
// first (by payment date), for dunning's interest up to each payment. A system call
// between packages; people read them through PaymentsOn.
func (s *Service) InvoicePayments(ctx context.Context, invoiceID int64) ([]AppliedPayment, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT paid_on, applied, source, source_ref FROM payments
		WHERE invoice_id = $1 AND reversed_at IS NULL AND applied > 0 ORDER BY paid_on, id`, invoiceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AppliedPayment
	for rows.Next() {
		var p AppliedPayment
		var on string
		if err := rows.Scan(&on, &p.Amount, &p.Source, &p.SourceRef); err != nil {
			return nil, err
		}
		if p.On, err = terms.ParseDate(on); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Verify recomputes the seal of every issued document and checks that each series is
// gapless (1..last); it returns the problems found.
func (s *Service) Verify(ctx context.Context) (checked int, problems []string, err error) {
	rows, err := s.db.QueryContext(ctx, `SELECT i.id FROM invoices i ORDER BY i.id`)
	if err != nil {
		return 0, nil, err
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	for _, id := range ids {
		if _, err := getInvoice(ctx, s.db, id); err != nil {
			problems = append(problems, err.Error())
		}
		checked++
	}
	srows, err := s.db.QueryContext(ctx, `SELECT x.series, x.last, COUNT(i.id), COALESCE(MIN(i.seq), 0), COALESCE(MAX(i.seq), 0)
		FROM invoice_series x LEFT JOIN invoices i ON i.series = x.series GROUP BY x.series, x.last ORDER BY x.series`)
	if err != nil {
		return checked, problems, err
	}
	defer srows.Close()
	for srows.Next() {
		var series string
		var last, n, lo, hi int64
		if err := srows.Scan(&series, &last, &n, &lo, &hi); err != nil {
			return checked, problems, err
		}
		if n != last || (n > 0 && (lo != 1 || hi != last)) {
			problems = append(problems, fmt.Sprintf("series %s: %d documents for numbers 1..%d (min %d, max %d)", series, n, last, lo, hi))
		}
	}
	return checked, problems, srows.Err()
}

// OpenInvoicesMax bounds the invoices OpenInvoicesOf returns.
const OpenInvoicesMax = 1000

// openInvoicesOfQuery reads the open invoices (not credit notes) with something left
// to pay of a few customers along invoice_state_open_org (status, org_id, invoice_id),
// in that index's order: the walk covers those customers' open invoices only, whatever
// the number of invoices (issue 16); ordered by invoice alone, SQLite walked every open
// invoice along invoice_state_open instead. The customers are $2.. ; the limit is $1.
func openInvoicesOfQuery(orgs int) string {
	ph := make([]string, orgs)
	for i := range ph {
		ph[i] = fmt.Sprintf("$%d", i+2)
	}
	return `SELECT ` + invCols + invFrom + ` WHERE s.status = 'open' AND s.org_id IN (` + strings.Join(ph, ", ") + `)
		AND s.open_amount > 0 AND i.doc_type = 'invoice' ORDER BY s.org_id, s.invoice_id LIMIT $1`
}

// OpenInvoicesOf lists the open invoices with something left to pay of the customers
// orgIDs (at most 200), by customer and oldest first, at most limit (≤
// OpenInvoicesMax): the
// candidates of a direct-debit batch once payments names the customers with a
// mandate. Staff only.
func (s *Service) OpenInvoicesOf(ctx context.Context, by accounts.Principal, orgIDs []int64, limit int) ([]Invoice, error) {
	if err := by.Check(accounts.InvoiceRead, accounts.Provider); err != nil {
		return nil, err
	}
	if len(orgIDs) == 0 {
		return nil, nil
	}
	if len(orgIDs) > 200 {
		return nil, fmt.Errorf("billing: open invoices of %d customers at once", len(orgIDs))
	}
	args := []any{min(max(limit, 1), OpenInvoicesMax)}
	for _, id := range orgIDs {
		args = append(args, id)
	}
	rows, err := s.db.QueryContext(ctx, openInvoicesOfQuery(len(orgIDs)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Invoice
	for rows.Next() {
		inv, err := scanInvoice(rows)
		if err != nil {
			return nil, err
		}
		inv.Customer = shownParty(inv)
		out = append(out, inv)
	}
	return out, rows.Err()
}
