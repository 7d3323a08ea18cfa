package web

import (
	"errors"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/terms"
)

// The invoice, payment and report pages. The billing, payments and dunning services
// decide who may see and do what; the web layer checks only what a service leaves to
// its caller (dunning reads no principal, so its steps are shown only after
// billing.GetInvoice let the principal see the invoice; refunds are a system call, so
// the page asks for the billing role).

const (
	// importPath is the bank statement upload, the one form with a larger body.
	importPath = "/staff/payments/import"
	// maxUploadBytes bounds the upload: a 10 MiB statement plus the form around it.
	maxUploadBytes = maxStatementUpload + 64<<10
	// maxStatementUpload is the largest statement the import page accepts; banks
	// write a day's statement in far less.
	maxStatementUpload = 10 << 20
)

// webhookPatterns are the payment providers' webhook routes: the address the payments
// service gives providers (payments.WebhookPath) and the short /webhooks/psp/ form.
var webhookPatterns = []string{
	"POST /webhooks/psp/{provider}",
	"POST " + payments.WebhookPath("{provider}"),
}

// billingEnabled reports whether the invoice pages are mounted.
func (s *server) billingEnabled() bool { return s.bill != nil }

func (s *server) billingRoutes(mux *http.ServeMux, staff, portal func(string, handlerFunc)) {
	portal("GET /portal/invoices", s.portalInvoices)
	portal("GET /portal/invoices/{id}", s.portalInvoice)
	portal("GET /portal/invoices/{id}/pdf", s.invoicePDF)
	portal("GET /portal/invoices/{id}/ubl", s.invoiceUBL)

	staff("GET /staff/invoices", s.staffInvoices)
	staff("GET /staff/invoices/{id}", s.staffInvoice)
	staff("GET /staff/invoices/{id}/pdf", s.invoicePDF)
	staff("GET /staff/invoices/{id}/ubl", s.invoiceUBL)
	staff("GET /staff/invoices/{id}/credit", s.staffCreditForm)
	staff("POST /staff/invoices/{id}/credit", s.staffCredit)
	if s.dun != nil {
		staff("GET /staff/invoices/{id}/claim", s.staffClaimConfirm)
		staff("POST /staff/invoices/{id}/claim", s.staffClaim)
	}
	staff("GET /staff/refunds", s.staffRefunds)
	staff("GET /staff/refunds/{id}/paid", s.staffRefundPaidForm)
	staff("POST /staff/refunds/{id}/paid", s.staffRefundPaid)
	staff("GET /staff/reports", s.staffReports)
	staff("GET /staff/reports/receivables.csv", s.staffReportCSV("receivables"))
	staff("GET /staff/reports/revenue.csv", s.staffReportCSV("revenue"))
	staff("GET /staff/reports/vat.csv", s.staffReportCSV("vat"))

	if s.pay == nil {
		return
	}
	portal("POST /portal/invoices/{id}/pay", s.portalPay)
	portal("GET /portal/mandates", s.portalMandates)

	staff("POST /staff/refunds/pay", s.staffPayRefunds)
	staff("GET /staff/refunds/batches/{id}/file", s.staffRefundBatchFile)
	staff("GET /staff/refunds/batches/{id}/confirm", s.staffRefundBatchConfirmForm)
	staff("POST /staff/refunds/batches/{id}/confirm", s.staffRefundBatchConfirm)

	staff("GET "+importPath, s.staffImportForm)
	staff("POST "+importPath, s.staffImport)
	staff("GET /staff/payments/unmatched", s.staffUnmatched)
	staff("GET /staff/payments/unmatched/{id}/assign", s.staffAssignForm)
	staff("POST /staff/payments/unmatched/{id}/assign", s.staffAssign)
	staff("GET /staff/payments/unmatched/{id}/ignore", s.staffIgnoreForm)
	staff("POST /staff/payments/unmatched/{id}/ignore", s.staffIgnore)
	staff("GET /staff/mandates", s.staffMandates)
	staff("GET /staff/mandates/new", s.staffMandateNew)
	staff("POST /staff/mandates/new", s.staffMandateCreate)
	staff("GET /staff/mandates/{id}/revoke", s.staffMandateRevokeForm)
	staff("POST /staff/mandates/{id}/revoke", s.staffMandateRevoke)
	staff("GET /staff/direct-debits", s.staffDirectDebits)
	staff("POST /staff/direct-debits", s.staffDirectDebitExport)
	staff("GET /staff/direct-debits/file", s.staffDirectDebitFile)

	for _, pattern := range webhookPatterns {
		mux.HandleFunc(pattern, s.webhook)
	}
	if s.demoPSP != nil {
		mux.HandleFunc("GET /demo-psp/{id}", s.demoPSPPage)
		mux.HandleFunc("POST /demo-psp/{id}", s.demoPSPComplete)
	}
}

// mayPay reports whether the portal should offer "Pay now"; the payments service
// decides for real (the billing permission, the own organisation).
func mayPay(p *accounts.Principal, inv billing.Invoice) bool {
	return p != nil && p.Org != nil && p.Can(accounts.InvoicePay, accounts.OrgID(inv.OrgID)) &&
		inv.DocType == billing.DocInvoice && inv.State.Status == billing.StatusOpen && inv.State.Open > 0
}

// download sends a file as an attachment, never cached.
func download(w http.ResponseWriter, contentType, filename string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": filename}))
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// invoiceFilename names a document's download: "factuur-2026-000001.pdf".
func invoiceFilename(lang string, inv billing.Invoice, ext string) string {
	kind := "factuur"
	if inv.DocType == billing.DocCreditNote {
		kind = "creditnota"
	}
	if lang == "en" {
		kind = "invoice"
		if inv.DocType == billing.DocCreditNote {
			kind = "credit-note"
		}
	}
	return kind + "-" + unsafeFileChars.ReplaceAllString(inv.Number, "_") + "." + ext
}

func (s *server) invoicePDF(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	inv, err := s.bill.GetInvoice(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pdf, err := inv.PDF()
	if err != nil {
		return err
	}
	download(w, "application/pdf", invoiceFilename(s.language(r, p), inv, "pdf"), pdf)
	return nil
}

func (s *server) invoiceUBL(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	inv, err := s.bill.GetInvoice(r.Context(), *p, id)
	if err != nil {
		return err
	}
	download(w, "application/xml; charset=utf-8", invoiceFilename(s.language(r, p), inv, "xml"), inv.UBL())
	return nil
}

// DocTitle names a document: "Factuur 2026-000001", "Creditnota C2026-000001".
func (p *page) DocTitle(inv billing.Invoice) string {
	if inv.DocType == billing.DocCreditNote {
		return p.T("invoice.credit_title", inv.Number)
	}
	return p.T("invoice.title", inv.Number)
}

// Period formats an invoice period, "1 maart 2026 – 31 maart 2026".
func (p *page) Period(from, to terms.Date) string {
	if from.IsZero() {
		return ""
	}
	return p.Date(from) + " – " + p.Date(to)
}

// Overdue reports whether an invoice is open past its due date (one a direct debit is
// collecting is not).
func (p *page) Overdue(inv billing.Invoice, today terms.Date) bool {
	return inv.DocType == billing.DocInvoice && inv.State.Status == billing.StatusOpen && inv.State.Open > 0 && !inv.DueDate.IsZero() && today.After(inv.DueDate)
}

// parseErrorText words a bank statement's parse error for the page: where in the file
// (entry, transaction, field) and what is wrong.
func parseErrorText(lang string, pe *payments.ParseError) string {
	var parts []string
	if pe.Entry > 0 {
		parts = append(parts, translate(lang, "import.at_entry", pe.Entry))
	}
	if pe.Tx > 0 {
		parts = append(parts, translate(lang, "import.at_tx", pe.Tx))
	}
	if pe.Field != "" {
		parts = append(parts, translate(lang, "import.at_field", pe.Field))
	}
	if len(parts) == 0 {
		return say(lang, pe.Msg)
	}
	return i18n.Sentence(strings.Join(parts, ", ") + ": " + pe.Msg.In(lang))
}

// isProviderErr reports a payment provider that failed; the customer can try again
// later.
func isProviderErr(err error) bool { return errors.Is(err, payments.ErrProvider) }

// dateParam reads a date from the query; a bad one is reported on f.
func dateParam(r *http.Request, f *form, name string, def terms.Date) terms.Date {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		f.set(name, def.String())
		return def
	}
	f.set(name, v)
	d, err := terms.ParseDate(v)
	if err != nil {
		f.Errors[name] = translate(f.lang, "form.not_a_date")
		return def
	}
	return d
}

// PaymentSource names where a payment came from: a bank transfer, a direct debit, an
// online payment (and through which provider).
func (p *page) PaymentSource(src string) string {
	if name, ok := strings.CutPrefix(src, payments.SourcePSPPrefix); ok {
		return p.T("payment.source.psp", name)
	}
	return p.Label("payment.source.", src)
}
