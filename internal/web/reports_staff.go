package web

import (
	"bytes"
	"net/http"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/terms"
)

type reportsView struct {
	AsOf, From, To terms.Date
	Buckets        []string // catalogue keys of the ageing buckets
	Receivables    []billing.ReceivableRow
	Revenue        []billing.RevenueRow
	VAT            []billing.VATRow
	Query          string // the report dates, for the CSV links
	DateFields     []dateField
}

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
	ctx := r.Context()
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
		var err error
		if v.Receivables, err = s.bill.Receivables(ctx, *p, v.AsOf); err != nil {
			return err
		}
		if v.Revenue, err = s.bill.RevenuePerMonth(ctx, *p, v.From, v.To); err != nil {
			return err
		}
		if v.VAT, err = s.bill.VATReport(ctx, *p, v.From, v.To); err != nil {
			return err
		}
		v.Query = "as_of=" + v.AsOf.String() + "&from=" + v.From.String() + "&to=" + v.To.String()
	}
	pg.Nav, pg.Data = "reports", v
	s.render(w, status, "reports", pg)
	return nil
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
		var buf bytes.Buffer
		var name string
		switch report {
		case "receivables":
			rows, err := s.bill.Receivables(ctx, *p, asOf)
			if err != nil {
				return err
			}
			if err := billing.WriteReceivablesCSV(&buf, rows); err != nil {
				return err
			}
			name = "debiteuren-" + asOf.String() + ".csv"
		case "revenue":
			rows, err := s.bill.RevenuePerMonth(ctx, *p, from, to)
			if err != nil {
				return err
			}
			if err := billing.WriteRevenueCSV(&buf, rows); err != nil {
				return err
			}
			name = "omzet-" + from.String() + "-" + to.String() + ".csv"
		default:
			rows, err := s.bill.VATReport(ctx, *p, from, to)
			if err != nil {
				return err
			}
			if err := billing.WriteVATCSV(&buf, rows); err != nil {
				return err
			}
			name = "btw-" + from.String() + "-" + to.String() + ".csv"
		}
		download(w, "text/csv; charset=utf-8", name, buf.Bytes())
		return nil
	}
}
