package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/terms"
)

// ---- invoice lists ----

type invoicesView struct {
	Invoices []billing.Invoice
	Cursor   cursor
	Status   string
	Statuses []option
	Kind     string
	Kinds    []option
	Series   string
	Customer string
	Query    string // staff: an invoice number or payment reference prefix
	Filtered bool
	Base     string
	Today    terms.Date
	Credit   terms.Money // portal: the organisation's account credit
	Payments bool        // portal: the mandates page is mounted
}

var invoiceStatusOptions = []option{
	{Value: billing.StatusOpen, Label: "invoice.status.open"},
	{Value: billing.StatusCollectionPending, Label: "invoice.status.collection_pending"},
	{Value: billing.StatusPaid, Label: "invoice.status.paid"},
	{Value: billing.StatusCredited, Label: "invoice.status.credited"},
	{Value: billing.StatusApplied, Label: "invoice.status.applied"},
}

var docTypeOptions = []option{
	{Value: string(billing.DocInvoice), Label: "invoice.kind.invoice"},
	{Value: string(billing.DocCreditNote), Label: "invoice.kind.credit_note"},
}

func optionParam(r *http.Request, name string, opts []option) string {
	v := r.URL.Query().Get(name)
	for _, o := range opts {
		if o.Value == v {
			return v
		}
	}
	return ""
}

// beforeParam reads the keyset cursor of the invoice lists.
func beforeParam(r *http.Request) int64 {
	n, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	if err != nil || n < 1 {
		return 0
	}
	return n
}

const invoicesPerPage = 25

func (s *server) portalInvoices(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	v := invoicesView{Status: optionParam(r, "status", invoiceStatusOptions), Statuses: invoiceStatusOptions,
		Base: "/portal", Today: s.today(), Payments: s.pay != nil}
	v.Filtered = v.Status != ""
	list, next, err := s.bill.ListInvoices(ctx, *p, billing.InvoiceFilter{Status: v.Status},
		billing.Page{Before: beforeParam(r), Limit: invoicesPerPage})
	if err != nil {
		return err
	}
	v.Invoices, v.Cursor = list, newCursor(r, "before", next != 0, next)
	if v.Credit, err = s.bill.CreditBalance(ctx, *p, p.Org.ID); err != nil {
		return err
	}
	pg := s.newPage(w, r, "invoices.title")
	pg.Nav, pg.Data = "invoices", v
	s.render(w, http.StatusOK, "invoices", pg)
	return nil
}

// ---- one invoice ----

type invoiceView struct {
	Inv       billing.Invoice
	Base      string
	Today     terms.Date
	Steps     []dunning.Step
	Payments  []billing.AppliedPayment
	Online    []payments.OnlinePayment
	Pending   bool // an online payment was started and has not been reported paid
	CanPay    bool
	CanCredit bool
	CanClaim  bool
	// ClaimNotDue says from when interest and collection costs can be claimed, when
	// nothing is due yet (staff).
	ClaimNotDue *dunning.NotDueError
	Org         *accounts.Organisation
}

// invoiceView loads what the invoice page shows, each part as p may see it.
func (s *server) invoiceView(r *http.Request, p *accounts.Principal, id int64, base string) (invoiceView, error) {
	ctx := r.Context()
	inv, err := s.bill.GetInvoice(ctx, *p, id)
	if err != nil {
		return invoiceView{}, err
	}
	v := invoiceView{Inv: inv, Base: base, Today: s.today()}
	if inv.DocType == billing.DocInvoice {
		if v.Payments, err = s.bill.PaymentsOn(ctx, *p, inv.ID); err != nil {
			return invoiceView{}, err
		}
	}
	if s.dun != nil && inv.DocType == billing.DocInvoice {
		if v.Steps, err = s.dun.Steps(ctx, *p, inv.ID); err != nil {
			return invoiceView{}, err
		}
	}
	if s.pay != nil && inv.DocType == billing.DocInvoice {
		online, err := s.pay.OnlinePayments(ctx, *p, inv.ID)
		if err != nil && !errors.Is(err, accounts.ErrForbidden) {
			return invoiceView{}, err
		}
		v.Online = online
		for _, o := range online {
			if o.Status == payments.PSPOpen || o.Status == payments.PSPPending || o.Status == payments.PSPAuthorized {
				v.Pending = inv.State.Open > 0
			}
		}
		v.CanPay = mayPay(p, inv)
	}
	return v, nil
}

func (s *server) portalInvoice(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	v, err := s.invoiceView(r, p, id, "/portal")
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav, pg.Data = pg.DocTitle(v.Inv), "invoices", v
	// An invoice rests on the terms in force on its issue date.
	pg.ExplainDocs = s.docsAt(r.Context(), pg.Lang, v.Inv.IssueDate)
	s.render(w, http.StatusOK, "invoice", pg)
	return nil
}

// portalPay starts an online payment of what is open on the invoice and sends the
// customer to the provider's checkout page; the provider sends them back to the
// invoice, which shows the payment once the provider's webhook has reported it.
func (s *server) portalPay(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	inv, err := s.bill.GetInvoice(r.Context(), *p, id)
	if err != nil {
		return err
	}
	back := "/portal/invoices/" + strconv.FormatInt(inv.ID, 10)
	if inv.DocType != billing.DocInvoice || inv.State.Open <= 0 {
		s.flash(w, "nothing_to_pay")
		s.redirect(w, r, back)
		return nil
	}
	checkout, err := s.pay.StartOnlinePayment(r.Context(), *p, inv.ID, back)
	var fe accounts.FieldErrors
	switch {
	case err == nil:
	case errors.As(err, &fe):
		s.flash(w, "nothing_to_pay")
		s.redirect(w, r, back)
		return nil
	case isProviderErr(err):
		s.log.Warn("online payment could not be started", "invoice", inv.ID, "err", err)
		s.errorPage(w, r, http.StatusBadGateway, "pay.failed_title", "pay.failed_body")
		return nil
	default:
		return err
	}
	// The provider's checkout page: our own /demo-psp/ page or the provider's site.
	http.Redirect(w, r, checkout, http.StatusSeeOther)
	return nil
}

// ---- mandates ----

type mandatesView struct {
	Mandates []payments.Mandate
	Base     string
	Customer string
	Orgs     map[int64]string
	Filtered bool
	Cursor   cursor // staff, every customer's: by keyset
}

func (s *server) portalMandates(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ms, err := s.pay.ListMandates(r.Context(), *p, p.Org.ID)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "mandates.title")
	pg.Nav, pg.Data = "invoices", mandatesView{Mandates: ms, Base: "/portal"}
	s.render(w, http.StatusOK, "mandates", pg)
	return nil
}

// ---- helpers shared with the staff pages ----

// seriesParam accepts an invoice series as numbers are written: "2026" or "C2026".
func seriesParam(r *http.Request) string {
	v := strings.ToUpper(strings.TrimSpace(r.URL.Query().Get("series")))
	if len(v) > 20 {
		return ""
	}
	for _, c := range v {
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') {
			return ""
		}
	}
	return v
}
