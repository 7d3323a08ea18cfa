package billing

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/csvsafe"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Ageing buckets of receivables, by days past the due date on the report date.
var AgeingBuckets = []string{"not_due", "1-30", "31-60", "61-90", "90+"}

func bucket(daysLate int) int {
	switch {
	case daysLate <= 0:
		return 0
	case daysLate <= 30:
		return 1
	case daysLate <= 60:
		return 2
	case daysLate <= 90:
		return 3
	}
	return 4
}

// ReceivableRow is one customer's open amounts by ageing bucket (AgeingBuckets).
type ReceivableRow struct {
	OrgID   int64          `json:"org_id"`
	Name    string         `json:"name"`
	Buckets [5]terms.Money `json:"buckets"`
	Total   terms.Money    `json:"total"`
}

// ReceivableTotals are the receivables of every customer together, from one aggregate
// query: the total row of the report and the dashboard's figures.
type ReceivableTotals struct {
	ReceivableRow             // OrgID 0, Name "total"
	Customers     int         `json:"customers"` // customers with something open
	Overdue       terms.Money `json:"overdue"`   // past the due date (buckets 1–4)
	Debtors       int         `json:"debtors"`   // customers with something overdue
	// FromInvoices: added up from the open invoices (receivableTotalsQuery), because
	// documents were issued after the report date; otherwise read from the maintained
	// receivable_days.
	FromInvoices bool `json:"from_invoices"`
}

// ReceivablesPageMax bounds a page of ReceivablesPage.
const ReceivablesPageMax = 1000

// The buckets' sums (ageingSumsAs) take $1 = asOf and $2…$4 = asOf less 30, 60 and 90
// days: due on or after asOf is not due yet; before it, 1–30 days late back to
// asOf−30, and so on. ISO dates compare as text on both engines.

// openWhere selects the invoices open on asOf ($1) the way OpenInvoices does: issued by
// then and with something left to pay now.
const openWhere = `s.status = 'open' AND s.open_amount > 0 AND i.issue_date <= $1`

func ageingArgs(asOf terms.Date) []any {
	return []any{asOf.String(), asOf.AddDays(-30).String(), asOf.AddDays(-60).String(), asOf.AddDays(-90).String()}
}

// receivablesGrouped is the receivables of each customer after customer $5, by
// customer id: the grouped walk follows invoice_state_open_org (status, org_id) in the
// order of the GROUP BY, so it streams without a sort and a LIMIT stops it after its
// customers.
const receivablesGrouped = `SELECT s.org_id AS org_id, MIN(s.invoice_id) AS first_id, ` + ageingSumsAs + `
		FROM invoice_state s JOIN invoices i ON i.id = s.invoice_id
		WHERE ` + openWhere + ` AND s.org_id > $5
		GROUP BY s.org_id ORDER BY s.org_id`

const ageingSumsAs = `SUM(CASE WHEN i.due_date >= $1 THEN s.open_amount ELSE 0 END) AS b0,
	SUM(CASE WHEN i.due_date < $1 AND i.due_date >= $2 THEN s.open_amount ELSE 0 END) AS b1,
	SUM(CASE WHEN i.due_date < $2 AND i.due_date >= $3 THEN s.open_amount ELSE 0 END) AS b2,
	SUM(CASE WHEN i.due_date < $3 AND i.due_date >= $4 THEN s.open_amount ELSE 0 END) AS b3,
	SUM(CASE WHEN i.due_date < $4 THEN s.open_amount ELSE 0 END) AS b4,
	SUM(s.open_amount) AS total`

// receivablesQuery is the report's rows after customer `after`, at most limit of them
// (all when limit is 0), each named as on the customer's oldest open invoice.
func receivablesQuery(asOf terms.Date, after int64, limit int) (string, []any) {
	args := append(ageingArgs(asOf), after)
	lim := ""
	if limit > 0 {
		args = append(args, limit)
		lim = " LIMIT $6"
	}
	return `SELECT g.org_id, n.customer_json, g.b0, g.b1, g.b2, g.b3, g.b4, g.total,
		(SELECT COUNT(*) FROM invoice_restrictions r WHERE r.org_id = g.org_id) FROM (` + receivablesGrouped + lim + `) g
		JOIN invoices n ON n.id = g.first_id ORDER BY g.org_id`, args
}

// receivableTotalsQuery adds up the customers' rows in the database: one walk of the
// open invoices (invoice_state_open_org from status = 'open', covering), each one's
// dates read by primary key. An aggregate over all open invoices is inherent to a
// total of what is owed; paid invoices are never read, and counting the customers
// needs no set of ids because the walk is in customer order.
func receivableTotalsQuery(asOf terms.Date) (string, []any) {
	return `SELECT COALESCE(SUM(g.b0), 0), COALESCE(SUM(g.b1), 0), COALESCE(SUM(g.b2), 0), COALESCE(SUM(g.b3), 0),
		COALESCE(SUM(g.b4), 0), COALESCE(SUM(g.total), 0), COUNT(*), COUNT(CASE WHEN g.b0 < g.total THEN 1 END)
		FROM (` + receivablesGrouped + `) g`, append(ageingArgs(asOf), int64(0))
}

// ReceivablesPage reports what customers owe on asOf, per customer and ageing bucket:
// the customers after `after` by id, at most limit of them (keyset, issue 16). Staff
// only.
func (s *Service) ReceivablesPage(ctx context.Context, by accounts.Principal, asOf terms.Date, after int64, limit int) ([]ReceivableRow, error) {
	if err := by.Check(accounts.BillingReport, accounts.Provider); err != nil {
		return nil, err
	}
	limit = min(max(limit, 1), ReceivablesPageMax)
	var out []ReceivableRow
	err := s.eachReceivable(ctx, asOf, after, limit, func(r ReceivableRow) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

// EachReceivable calls fn with each customer's row of the receivables report on asOf,
// by customer id, as the database returns them: the report's memory does not grow
// with the number of customers. Staff only.
func (s *Service) EachReceivable(ctx context.Context, by accounts.Principal, asOf terms.Date, fn func(ReceivableRow) error) error {
	if err := by.Check(accounts.BillingReport, accounts.Provider); err != nil {
		return err
	}
	return s.eachReceivable(ctx, asOf, 0, 0, fn)
}

func (s *Service) eachReceivable(ctx context.Context, asOf terms.Date, after int64, limit int, fn func(ReceivableRow) error) error {
	q, args := receivablesQuery(asOf, after, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r ReceivableRow
		var cust string
		var restricted int64
		b := &r.Buckets
		if err := rows.Scan(&r.OrgID, &cust, &b[0], &b[1], &b[2], &b[3], &b[4], &r.Total, &restricted); err != nil {
			return err
		}
		var p Party
		if err := store.DecodeJSON(fmt.Sprintf("receivables of organisation %d", r.OrgID), "customer_json", cust, &p); err != nil {
			return err
		}
		if restricted > 0 {
			p = restrictParty(p)
		}
		r.Name = p.Name
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// receivableDaysQuery is the total row from receivable_days: the ageing buckets of
// the due days on asOf ($1…$4 as ageingArgs), the customers with something open, and
// those whose oldest open invoice was due before asOf. It reads the days with
// something open, a few thousand rows at most, never an invoice.
const receivableDaysQuery = `SELECT
	COALESCE(SUM(CASE WHEN due_on >= $1 THEN open_amount ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN due_on < $1 AND due_on >= $2 THEN open_amount ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN due_on < $2 AND due_on >= $3 THEN open_amount ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN due_on < $3 AND due_on >= $4 THEN open_amount ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN due_on < $4 THEN open_amount ELSE 0 END), 0),
	COALESCE(SUM(open_amount), 0), COALESCE(SUM(debtors), 0), COALESCE(SUM(CASE WHEN due_on < $1 THEN debtors ELSE 0 END), 0)
	FROM receivable_days`

// lastIssueQuery is the latest issue date, from the end of invoices_issue.
const lastIssueQuery = `SELECT MAX(issue_date) FROM invoices`

// ReceivableTotals sums what every customer owes on asOf. receivable_days holds every
// open invoice whatever its issue date, so it answers for a report date on or after
// the last document's issue date (today's, the dashboard's); for an earlier date,
// which must leave out the documents issued after it, the open invoices are added up
// (FromInvoices), a cost that grows with them. Staff only.
func (s *Service) ReceivableTotals(ctx context.Context, by accounts.Principal, asOf terms.Date) (ReceivableTotals, error) {
	t := ReceivableTotals{ReceivableRow: ReceivableRow{Name: "total"}}
	if err := by.Check(accounts.BillingReport, accounts.Provider); err != nil {
		return t, err
	}
	var last sql.NullString
	if err := s.db.QueryRowContext(ctx, lastIssueQuery).Scan(&last); err != nil {
		return t, err
	}
	if last.Valid && last.String > asOf.String() {
		return s.receivableTotalsExact(ctx, asOf)
	}
	b := &t.Buckets
	err := s.db.QueryRowContext(ctx, receivableDaysQuery, ageingArgs(asOf)...).Scan(&b[0], &b[1], &b[2], &b[3], &b[4], &t.Total, &t.Customers, &t.Debtors)
	t.Overdue = b[1] + b[2] + b[3] + b[4]
	return t, err
}

// receivableTotalsExact adds up the open invoices issued by asOf in one aggregate
// query: what receivable_days must always equal (TestReceivableDaysMatchTheInvoices).
func (s *Service) receivableTotalsExact(ctx context.Context, asOf terms.Date) (ReceivableTotals, error) {
	t := ReceivableTotals{ReceivableRow: ReceivableRow{Name: "total"}, FromInvoices: true}
	b := &t.Buckets
	q, args := receivableTotalsQuery(asOf)
	err := s.db.QueryRowContext(ctx, q, args...).Scan(&b[0], &b[1], &b[2], &b[3], &b[4], &t.Total, &t.Customers, &t.Debtors)
	t.Overdue = b[1] + b[2] + b[3] + b[4]
	return t, err
}

// Receivables reports what customers owe on asOf, per customer (by id) and ageing
// bucket, with a total row (OrgID 0) from ReceivableTotals. It holds every row: pages
// use ReceivablesPage and exports EachReceivable. Staff only.
func (s *Service) Receivables(ctx context.Context, by accounts.Principal, asOf terms.Date) ([]ReceivableRow, error) {
	var out []ReceivableRow
	if err := s.EachReceivable(ctx, by, asOf, func(r ReceivableRow) error {
		out = append(out, r)
		return nil
	}); err != nil {
		return nil, err
	}
	t, err := s.ReceivableTotals(ctx, by, asOf)
	if err != nil {
		return nil, err
	}
	return append(out, t.ReceivableRow), nil
}

// RevenueRow is one month's invoiced revenue net of credit notes.
type RevenueRow struct {
	Month     string      `json:"month"` // YYYY-MM of the issue date
	Invoices  int         `json:"invoices"`
	Credits   int         `json:"credit_notes"`
	TotalExcl terms.Money `json:"total_excl"`
	VAT       terms.Money `json:"vat"`
	TotalIncl terms.Money `json:"total_incl"`
}

// revenueQuery and vatQuery read the documents of a period along invoices_issue: the
// checks of revenue_days (revenueFromDocuments) and vat_days (vatFromDocuments); the
// reports themselves read the maintained days, a period's cost is its days.
const (
	revenueDaysQuery = `SELECT SUBSTR(issue_date, 1, 7), doc_type, SUM(documents), SUM(total_excl), SUM(vat), SUM(total_incl)
		FROM revenue_days WHERE issue_date >= $1 AND issue_date <= $2 GROUP BY SUBSTR(issue_date, 1, 7), doc_type ORDER BY 1, 2`
	revenueQuery = `SELECT SUBSTR(issue_date, 1, 7), doc_type, COUNT(*), SUM(total_excl), SUM(vat), SUM(total_incl)
		FROM invoices WHERE issue_date >= $1 AND issue_date <= $2 GROUP BY SUBSTR(issue_date, 1, 7), doc_type ORDER BY 1, 2`
	vatQuery = `SELECT doc_type, vat_scheme, vat_country, vat_json FROM invoices WHERE issue_date >= $1 AND issue_date <= $2`
)

// RevenuePerMonth reports invoiced revenue per month of issue date in [from, to],
// credit notes subtracted, from revenue_days. Staff only.
func (s *Service) RevenuePerMonth(ctx context.Context, by accounts.Principal, from, to terms.Date) ([]RevenueRow, error) {
	if err := by.Check(accounts.BillingReport, accounts.Provider); err != nil {
		return nil, err
	}
	return s.revenuePerMonth(ctx, revenueDaysQuery, from, to)
}

// revenueFromDocuments is RevenuePerMonth added up from the documents: what
// revenue_days must always equal (TestReceivableDaysMatchTheInvoices).
func (s *Service) revenueFromDocuments(ctx context.Context, from, to terms.Date) ([]RevenueRow, error) {
	return s.revenuePerMonth(ctx, revenueQuery, from, to)
}

func (s *Service) revenuePerMonth(ctx context.Context, query string, from, to terms.Date) ([]RevenueRow, error) {
	rows, err := s.db.QueryContext(ctx, query, from.String(), to.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RevenueRow
	for rows.Next() {
		var month, doc string
		var n int
		var excl, vat, incl terms.Money
		if err := rows.Scan(&month, &doc, &n, &excl, &vat, &incl); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].Month != month {
			out = append(out, RevenueRow{Month: month})
		}
		r := &out[len(out)-1]
		if doc == string(DocCreditNote) {
			r.Credits += n
			excl, vat, incl = -excl, -vat, -incl
		} else {
			r.Invoices += n
		}
		r.TotalExcl += excl
		r.VAT += vat
		r.TotalIncl += incl
	}
	return out, rows.Err()
}

// revenueTotalsQuery is the revenue of the whole period in one row, credit notes
// subtracted, read from a range of revenue_days' primary key.
const revenueTotalsQuery = `SELECT
	COALESCE(SUM(CASE WHEN doc_type = 'credit_note' THEN 0 ELSE documents END), 0),
	COALESCE(SUM(CASE WHEN doc_type = 'credit_note' THEN documents ELSE 0 END), 0),
	COALESCE(SUM(CASE WHEN doc_type = 'credit_note' THEN -total_excl ELSE total_excl END), 0),
	COALESCE(SUM(CASE WHEN doc_type = 'credit_note' THEN -vat ELSE vat END), 0),
	COALESCE(SUM(CASE WHEN doc_type = 'credit_note' THEN -total_incl ELSE total_incl END), 0)
	FROM revenue_days WHERE issue_date >= $1 AND issue_date <= $2`

// RevenueTotals is the revenue invoiced in [from, to], credit notes subtracted, in one
// aggregate query: the total row of the revenue and VAT reports (its Month is empty).
// Staff only.
func (s *Service) RevenueTotals(ctx context.Context, by accounts.Principal, from, to terms.Date) (RevenueRow, error) {
	var r RevenueRow
	if err := by.Check(accounts.BillingReport, accounts.Provider); err != nil {
		return r, err
	}
	err := s.db.QueryRowContext(ctx, revenueTotalsQuery, from.String(), to.String()).Scan(&r.Invoices, &r.Credits, &r.TotalExcl, &r.VAT, &r.TotalIncl)
	return r, err
}

// VATRow is the tax base and VAT of one scheme, country, code and rate, for the VAT
// return (domestic rates), the ICP listing (reverse charge per country) and the OSS
// return (per member state).
type VATRow struct {
	Scheme  string      `json:"scheme"`
	Country string      `json:"country"`
	Code    string      `json:"code"`
	Rate    terms.Rate  `json:"rate"`
	Base    terms.Money `json:"base"`
	VAT     terms.Money `json:"vat"`
}

// VATKey is where a page of the VAT report ends: the next page starts after it.
type VATKey struct {
	Scheme, Country, Code string
	Rate                  terms.Rate
}

// Key is the row's VATKey.
func (r VATRow) Key() VATKey { return VATKey{r.Scheme, r.Country, r.Code, r.Rate} }

// VATPageMax bounds a page of VATPage.
const VATPageMax = 500

// vatDaysQuery is the VAT report's rows of [from, to] after the key in $3…$6 (when
// after), at most limit (all when 0): the days of the period read along vat_days'
// primary key (issue_date first), a few rows a day, grouped by scheme, country, code
// and rate in that order (issue 16).
func vatDaysQuery(from, to terms.Date, after *VATKey, limit int) (string, []any) {
	args := []any{from.String(), to.String()}
	q := `SELECT scheme, country, code, rate, SUM(base), SUM(vat) FROM vat_days WHERE issue_date >= $1 AND issue_date <= $2`
	if after != nil {
		args = append(args, after.Scheme, after.Country, after.Code, int64(after.Rate))
		q += ` AND (scheme, country, code, rate) > ($3, $4, $5, $6)`
	}
	q += ` GROUP BY scheme, country, code, rate ORDER BY scheme, country, code, rate`
	if limit > 0 {
		args = append(args, limit)
		q += ` LIMIT $` + strconv.Itoa(len(args))
	}
	return q, args
}

// VATReport totals the VAT breakdowns of the documents issued in [from, to], credit
// notes subtracted, by scheme, country, code and rate, from vat_days. Staff only.
func (s *Service) VATReport(ctx context.Context, by accounts.Principal, from, to terms.Date) ([]VATRow, error) {
	if err := by.Check(accounts.BillingReport, accounts.Provider); err != nil {
		return nil, err
	}
	var out []VATRow
	err := s.eachVAT(ctx, from, to, nil, 0, func(r VATRow) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

// VATPage is up to limit rows of the VAT report of [from, to] after the row with key
// after (nil: from the first), in the report's order (keyset, issue 16). Staff only.
func (s *Service) VATPage(ctx context.Context, by accounts.Principal, from, to terms.Date, after *VATKey, limit int) ([]VATRow, error) {
	if err := by.Check(accounts.BillingReport, accounts.Provider); err != nil {
		return nil, err
	}
	var out []VATRow
	err := s.eachVAT(ctx, from, to, after, min(max(limit, 1), VATPageMax), func(r VATRow) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

func (s *Service) eachVAT(ctx context.Context, from, to terms.Date, after *VATKey, limit int, fn func(VATRow) error) error {
	q, args := vatDaysQuery(from, to, after, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r VATRow
		if err := rows.Scan(&r.Scheme, &r.Country, &r.Code, &r.Rate, &r.Base, &r.VAT); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}

// vatFromDocuments is the VAT report of [from, to] summed from each document's own
// breakdown, one document at a time: what vat_days must always equal
// (TestVATDaysMatchTheDocuments). It reads every document of the period.
func (s *Service) vatFromDocuments(ctx context.Context, from, to terms.Date) (map[VATKey][2]terms.Money, error) {
	rows, err := s.db.QueryContext(ctx, vatQuery, from.String(), to.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	sums := map[VATKey][2]terms.Money{}
	for rows.Next() {
		var doc, scheme, country, vj string
		if err := rows.Scan(&doc, &scheme, &country, &vj); err != nil {
			return nil, err
		}
		var lines []VATLine
		if err := jsonUnmarshal(vj, &lines); err != nil {
			return nil, err
		}
		sign := terms.Money(1)
		if doc == string(DocCreditNote) {
			sign = -1
		}
		for _, l := range lines {
			k := VATKey{scheme, country, l.Code, l.Rate}
			v := sums[k]
			sums[k] = [2]terms.Money{v[0] + sign*l.Base, v[1] + sign*l.VAT}
		}
	}
	return sums, rows.Err()
}

// receivablesHeader is the receivables export's header line.
func receivablesHeader() []string {
	return append(append([]string{"org_id", "name"}, AgeingBuckets...), "total")
}

func receivableRecord(r ReceivableRow) []string {
	rec := make([]string, 0, 8)
	rec = append(rec, strconv.FormatInt(r.OrgID, 10), r.Name)
	for _, b := range r.Buckets {
		rec = append(rec, b.String())
	}
	return append(rec, r.Total.String())
}

// WriteReceivablesCSV writes the receivables report as CSV.
func WriteReceivablesCSV(w io.Writer, rows []ReceivableRow) error {
	cw := csvsafe.NewWriter(w) // names are customers' input (issue 8, finding 2)
	if err := cw.Write(receivablesHeader()); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(receivableRecord(r)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// StreamReceivablesCSV writes the receivables report on asOf as CSV, as
// WriteReceivablesCSV does, row by row from the database to w, the total row last
// from ReceivableTotals: memory stays the same at any number of customers (issue 16).
// Staff only; nothing is written when the principal may not read it.
func (s *Service) StreamReceivablesCSV(ctx context.Context, by accounts.Principal, asOf terms.Date, w io.Writer) error {
	if err := by.Check(accounts.BillingReport, accounts.Provider); err != nil {
		return err
	}
	cw := csvsafe.NewWriter(w) // names are customers' input (issue 8, finding 2)
	if err := cw.Write(receivablesHeader()); err != nil {
		return err
	}
	if err := s.eachReceivable(ctx, asOf, 0, 0, func(r ReceivableRow) error {
		return cw.Write(receivableRecord(r))
	}); err != nil {
		return err
	}
	t, err := s.ReceivableTotals(ctx, by, asOf)
	if err != nil {
		return err
	}
	if err := cw.Write(receivableRecord(t.ReceivableRow)); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// WriteRevenueCSV writes the revenue report as CSV.
func WriteRevenueCSV(w io.Writer, rows []RevenueRow) error {
	cw := csvsafe.NewWriter(w)
	if err := cw.Write([]string{"month", "invoices", "credit_notes", "total_excl", "vat", "total_incl"}); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write([]string{r.Month, strconv.Itoa(r.Invoices), strconv.Itoa(r.Credits), r.TotalExcl.String(), r.VAT.String(), r.TotalIncl.String()}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteVATCSV writes the VAT report as CSV.
func WriteVATCSV(w io.Writer, rows []VATRow) error {
	cw := csvsafe.NewWriter(w)
	if err := cw.Write(vatHeader); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(vatRecord(r)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

var vatHeader = []string{"scheme", "country", "code", "rate", "base", "vat"}

func vatRecord(r VATRow) []string {
	return []string{r.Scheme, r.Country, r.Code, r.Rate.String(), r.Base.String(), r.VAT.String()}
}

// StreamVATCSV writes the VAT report of [from, to] as CSV, as WriteVATCSV does, row by
// row from the database to w (issue 16). Staff only; nothing is written when the
// principal may not read it.
func (s *Service) StreamVATCSV(ctx context.Context, by accounts.Principal, from, to terms.Date, w io.Writer) error {
	if err := by.Check(accounts.BillingReport, accounts.Provider); err != nil {
		return err
	}
	cw := csvsafe.NewWriter(w)
	if err := cw.Write(vatHeader); err != nil {
		return err
	}
	if err := s.eachVAT(ctx, from, to, nil, 0, func(r VATRow) error { return cw.Write(vatRecord(r)) }); err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
