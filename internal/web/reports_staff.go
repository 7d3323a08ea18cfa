package web

import (
	"bytes"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/terms"
)

type reportsView struct {
	AsOf, From, To terms.Date
	Buckets        []string // catalogue keys of the ageing buckets
	// Receivables is one page of customers, by customer number (keyset ?after=), and
	// ReceivableTotals every customer's together, from an aggregate query: the page
	// costs the same at any number of customers (issue 16).
	Receivables      []billing.ReceivableRow
	ReceivableTotals billing.ReceivableTotals
	ReceivablesPager cursor
	// Revenue is up to a year of months from ?months= (keyset by month), and
	// RevenueTotal the whole period's, from an aggregate query; the VAT report's total
	// is the same period's base and VAT.
	Revenue      []billing.RevenueRow
	RevenueTotal billing.RevenueRow
	RevenuePager cursor
	// VAT is a page of the VAT report's rows (keyset ?vat_after=), read from the
	// maintained day totals; its total row is RevenueTotal's base and VAT.
	VAT        []billing.VATRow
	VATPager   cursor
	Query      string // the report dates, for the CSV links
	DateFields []dateField
}

// Report pages: customers of the receivables per page, months of revenue per page.
const (
	receivablesPerPage = perPage
	revenueMonths      = 12
	vatPerPage         = perPage
)

type dateField struct{ Name, ID, Label string }

var reportDateFields = []dateField{
	{"as_of", fieldID("as_of"), "reports.as_of"}, {"from", fieldID("from"), "reports.from"}, {"to", fieldID("to"), "reports.to"},
}

// reportDates reads the report dates: receivables as of a day (today), revenue and
// VAT over a period (this year up to today).
func (s *server) reportDates(r *http.Request, f *form) (asOf, from, to terms.Date) {
	today := s.today()
	asOf = dateParam(r, f, "as_of", today)
	from = dateParam(r, f, "from", today.AddMonths(1-int(today.Month())).FirstOfMonth())
	to = dateParam(r, f, "to", today)
	if to.Before(from) && f.Errors["to"] == "" {
		f.Errors["to"] = translate(f.lang, "reports.to_before_from")
	}
	return asOf, from, to
}

func (s *server) staffReports(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "reports.title")
	pg.Form = newForm(nil)
	pg.Form.lang = pg.Lang
	v := reportsView{DateFields: reportDateFields}
	v.AsOf, v.From, v.To = s.reportDates(r, pg.Form)
	pg.useFields(fieldset{Fields: []field{{Name: "as_of", Label: "reports.as_of"}, {Name: "from", Label: "reports.from"}, {Name: "to", Label: "reports.to"}}})
	for _, b := range billing.AgeingBuckets {
		v.Buckets = append(v.Buckets, "reports.bucket."+b)
	}
	status := http.StatusOK
	if len(pg.Form.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	} else {
		if err := s.reportPages(r, p, &v); err != nil {
			return err
		}
		v.Query = "as_of=" + v.AsOf.String() + "&from=" + v.From.String() + "&to=" + v.To.String()
	}
	pg.Nav, pg.Data = "reports", v
	s.render(w, status, "reports", pg)
	return nil
}

// reportPages reads the page of each report that the query asks for.
func (s *server) reportPages(r *http.Request, p *accounts.Principal, v *reportsView) error {
	ctx := r.Context()
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	rows, err := s.bill.ReceivablesPage(ctx, *p, v.AsOf, max(after, 0), receivablesPerPage+1)
	if err != nil {
		return err
	}
	more := len(rows) > receivablesPerPage
	v.Receivables = rows[:min(len(rows), receivablesPerPage)]
	var last int64
	if len(v.Receivables) > 0 {
		last = v.Receivables[len(v.Receivables)-1].OrgID
	}
	v.ReceivablesPager = newCursor(r, "after", more, last)
	v.ReceivablesPager.Ordered = true
	if v.ReceivableTotals, err = s.bill.ReceivableTotals(ctx, *p, v.AsOf); err != nil {
		return err
	}

	// Revenue: the months from ?months=YYYY-MM (within the period) for a year at most.
	from := v.From
	if m, err := terms.ParseDate(q.Get("months") + "-01"); err == nil && m.After(from) && !m.After(v.To) {
		from = m
	}
	to := from.FirstOfMonth().AddMonths(revenueMonths).AddDays(-1)
	if v.To.Before(to) {
		to = v.To
	}
	if v.Revenue, err = s.bill.RevenuePerMonth(ctx, *p, from, to); err != nil {
		return err
	}
	if from != v.From {
		u := r.URL.Query()
		u.Del("months")
		v.RevenuePager.NewestURL = withQuery(r.URL.Path, u) + "#revenue-h"
	}
	if to.Before(v.To) {
		u := r.URL.Query()
		u.Set("months", to.AddDays(1).String()[:7])
		v.RevenuePager.OlderURL = withQuery(r.URL.Path, u) + "#revenue-h"
	}
	v.RevenuePager.Ordered = true
	if v.RevenueTotal, err = s.bill.RevenueTotals(ctx, *p, v.From, v.To); err != nil {
		return err
	}
	vatAfter := vatAfterParam(q.Get("vat_after"))
	vat, err := s.bill.VATPage(ctx, *p, v.From, v.To, vatAfter, vatPerPage+1)
	if err != nil {
		return err
	}
	v.VAT = vat[:min(len(vat), vatPerPage)]
	if vatAfter != nil {
		u := r.URL.Query()
		u.Del("vat_after")
		v.VATPager.NewestURL = withQuery(r.URL.Path, u) + "#vat-h"
	}
	if len(vat) > vatPerPage {
		u := r.URL.Query()
		u.Set("vat_after", vatAfterValue(v.VAT[len(v.VAT)-1].Key()))
		v.VATPager.OlderURL = withQuery(r.URL.Path, u) + "#vat-h"
	}
	v.VATPager.Ordered = true
	return nil
}

// vatAfterValue and vatAfterParam write and read the VAT report's cursor, the key of
// the last row shown: scheme/country/code/rate. A cursor that does not read starts
// from the first row.
func vatAfterValue(k billing.VATKey) string {
	return k.Scheme + "/" + k.Country + "/" + k.Code + "/" + k.Rate.String()
}

func vatAfterParam(v string) *billing.VATKey {
	parts := strings.Split(v, "/")
	if len(parts) != 4 {
		return nil
	}
	rate, err := terms.ParseRate(parts[3])
	if err != nil {
		return nil
	}
	return &billing.VATKey{Scheme: parts[0], Country: parts[1], Code: parts[2], Rate: rate}
}

// staffReportCSV downloads one report as CSV, for the books and the tax returns.
func (s *server) staffReportCSV(report string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		ctx := r.Context()
		f := newForm(nil)
		f.lang = s.language(r, p)
		asOf, from, to := s.reportDates(r, f)
		if len(f.Errors) > 0 {
			s.errorPage(w, r, http.StatusBadRequest, "error.400.title", "reports.bad_dates")
			return nil
		}
		if report == "receivables" || report == "vat" {
			// Row by row from the database to the client: the export of 100,000
			// customers takes no more memory than that of ten (issue 16).
			d := &streamedDownload{w: w, contentType: "text/csv; charset=utf-8", name: "debiteuren-" + asOf.String() + ".csv"}
			var err error
			if report == "vat" {
				d.name = "btw-" + from.String() + "-" + to.String() + ".csv"
				err = s.bill.StreamVATCSV(ctx, *p, from, to, d)
			} else {
				err = s.bill.StreamReceivablesCSV(ctx, *p, asOf, d)
			}
			if err != nil && d.started {
				// Too late for an error page: the client sees the download cut off
				// rather than a file that looks complete.
				s.log.Error("report export failed", "report", report, "err", err)
				panic(http.ErrAbortHandler)
			}
			return err
		}
		// The revenue report: a row per month, at most a few hundred.
		rows, err := s.bill.RevenuePerMonth(ctx, *p, from, to)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := billing.WriteRevenueCSV(&buf, rows); err != nil {
			return err
		}
		name := "omzet-" + from.String() + "-" + to.String() + ".csv"
		download(w, "text/csv; charset=utf-8", name, buf.Bytes())
		return nil
	}
}

// streamedDownload sends a download's headers with its first bytes, so that an error
// before them (a principal who may not read it) still gets an error page. No length:
// the body is written as it is read.
type streamedDownload struct {
	w                 http.ResponseWriter
	contentType, name string
	started           bool
}

func (d *streamedDownload) Write(b []byte) (int, error) {
	if !d.started {
		d.started = true
		h := d.w.Header()
		h.Set("Content-Type", d.contentType)
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.name}))
		h.Set("Cache-Control", "no-store")
		d.w.WriteHeader(http.StatusOK)
	}
	return d.w.Write(b)
}
