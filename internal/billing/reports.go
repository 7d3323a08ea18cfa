package billing

import (
	"context"
	"encoding/json"
	"io"
	"strconv"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/csvsafe"
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

// Receivables reports what customers owe on asOf, per customer and ageing bucket,
// with a total row (OrgID 0). Staff only.
func (s *Service) Receivables(ctx context.Context, by accounts.Principal, asOf terms.Date) ([]ReceivableRow, error) {
	if err := by.Check(accounts.BillingReport, accounts.Provider); err != nil {
		return nil, err
	}
	open, err := s.OpenInvoices(ctx, asOf)
	if err != nil {
		return nil, err
	}
	rows := map[int64]*ReceivableRow{}
	var order []int64
	total := ReceivableRow{Name: "total"}
	for _, o := range open {
		r := rows[o.OrgID]
		if r == nil {
			r = &ReceivableRow{OrgID: o.OrgID, Name: o.Name}
			rows[o.OrgID] = r
			order = append(order, o.OrgID)
		}
		b := bucket(o.DueDate.DaysUntil(asOf))
		r.Buckets[b] += o.Open
		r.Total += o.Open
		total.Buckets[b] += o.Open
		total.Total += o.Open
	}
	out := make([]ReceivableRow, 0, len(order)+1)
	for _, id := range order {
		out = append(out, *rows[id])
	}
	return append(out, total), nil
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

// RevenuePerMonth reports invoiced revenue per month of issue date in [from, to],
// credit notes subtracted. Staff only.
func (s *Service) RevenuePerMonth(ctx context.Context, by accounts.Principal, from, to terms.Date) ([]RevenueRow, error) {
	if err := by.Check(accounts.BillingReport, accounts.Provider); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT SUBSTR(issue_date, 1, 7), doc_type, COUNT(*), SUM(total_excl), SUM(vat), SUM(total_incl)
		FROM invoices WHERE issue_date >= $1 AND issue_date <= $2 GROUP BY SUBSTR(issue_date, 1, 7), doc_type ORDER BY 1, 2`, from.String(), to.String())
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

// VATReport totals the VAT breakdowns of the documents issued in [from, to], credit
// notes subtracted. Staff only.
func (s *Service) VATReport(ctx context.Context, by accounts.Principal, from, to terms.Date) ([]VATRow, error) {
	if err := by.Check(accounts.BillingReport, accounts.Provider); err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT doc_type, vat_scheme, vat_country, vat_json FROM invoices WHERE issue_date >= $1 AND issue_date <= $2`,
		from.String(), to.String())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		scheme, country, code string
		rate                  terms.Rate
	}
	sums := map[key]*VATRow{}
	var order []key
	for rows.Next() {
		var doc, scheme, country, vj string
		if err := rows.Scan(&doc, &scheme, &country, &vj); err != nil {
			return nil, err
		}
		var lines []VATLine
		if err := jsonUnmarshal(vj, &lines); err != nil {
			return nil, err
		}
		for _, l := range lines {
			k := key{scheme, country, l.Code, l.Rate}
			r := sums[k]
			if r == nil {
				r = &VATRow{Scheme: scheme, Country: country, Code: l.Code, Rate: l.Rate}
				sums[k] = r
				order = append(order, k)
			}
			sign := terms.Money(1)
			if doc == string(DocCreditNote) {
				sign = -1
			}
			r.Base += sign * l.Base
			r.VAT += sign * l.VAT
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]VATRow, 0, len(order))
	for _, k := range order {
		out = append(out, *sums[k])
	}
	return out, nil
}

// WriteReceivablesCSV writes the receivables report as CSV.
func WriteReceivablesCSV(w io.Writer, rows []ReceivableRow) error {
	cw := csvsafe.NewWriter(w) // names are customers' input (issue 8, finding 2)
	if err := cw.Write(append(append([]string{"org_id", "name"}, AgeingBuckets...), "total")); err != nil {
		return err
	}
	for _, r := range rows {
		rec := []string{strconv.FormatInt(r.OrgID, 10), r.Name}
		for _, b := range r.Buckets {
			rec = append(rec, b.String())
		}
		if err := cw.Write(append(rec, r.Total.String())); err != nil {
			return err
		}
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
	if err := cw.Write([]string{"scheme", "country", "code", "rate", "base", "vat"}); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write([]string{r.Scheme, r.Country, r.Code, r.Rate.String(), r.Base.String(), r.VAT.String()}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
