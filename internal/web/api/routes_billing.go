package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"sort"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/terms"
)

// maxStatementBytes bounds an uploaded bank statement; a day's CAMT.053 of a hosting
// provider is well below it.
const maxStatementBytes = 10 << 20

// --- inputs ---

type invoiceIDInput struct {
	ID int64 `path:"id" minimum:"1" example:"501" doc:"Invoice or credit note id."`
}

type listInvoicesInput struct {
	OrgID   int64  `query:"org_id" minimum:"0" example:"42" doc:"Only this organisation's documents (staff). A customer always sees its own; another id is not found."`
	Status  string `query:"status" enum:"open,collection_pending,paid,credited,applied" doc:"Only documents with this status."`
	DocType string `query:"doc_type" enum:"invoice,credit_note" doc:"Only invoices or only credit notes."`
	Before  int64  `query:"before" minimum:"0" example:"480" doc:"Only documents with an id below this: pass next_before of the previous page."`
	Limit   int    `query:"limit" minimum:"1" maximum:"200" default:"25" doc:"Page size."`
}

type onlinePaymentInput struct {
	ID   int64 `path:"id" minimum:"1" example:"501" doc:"Invoice id."`
	Body *OnlinePaymentInput
}

type creditNoteInput struct {
	ID   int64 `path:"id" minimum:"1" example:"501" doc:"Invoice id."`
	Body CreditNoteInput
}

type accountCreditInput struct {
	OrgID int64 `query:"org_id" minimum:"0" example:"42" doc:"The organisation (staff). A customer always sees its own; another id is not found."`
}

type importStatementInput struct {
	ContentType string `header:"Content-Type" doc:"application/xml (or text/xml)."`
	Filename    string `query:"filename" maxLength:"200" example:"camt053-2026-03-02.xml" doc:"The file's name, for messages and the record of the import."`
	RawBody     []byte `contentType:"application/xml"`
}

type unmatchedInput struct {
	Page    int `query:"page" minimum:"1" maximum:"100000" default:"1" doc:"Page, 1-based."`
	PerPage int `query:"per_page" minimum:"1" maximum:"100" default:"25" doc:"Page size."`
}

type assignInput struct {
	ID   int64 `path:"id" minimum:"1" example:"77" doc:"Bank transaction id."`
	Body AssignInput
}

type ignoreInput struct {
	ID   int64 `path:"id" minimum:"1" example:"77" doc:"Bank transaction id."`
	Body IgnoreInput
}

type mandateIDInput struct {
	ID int64 `path:"id" minimum:"1" example:"9" doc:"Mandate id."`
}

type listMandatesInput struct {
	OrgID int64 `query:"org_id" minimum:"0" example:"42" doc:"The organisation (staff: required). A customer always sees its own; another id is not found."`
}

type createMandateInput struct {
	Body MandateInput
}

type revokeMandateInput struct {
	ID   int64 `path:"id" minimum:"1" example:"9" doc:"Mandate id."`
	Body *ReasonInput
}

type directDebitInput struct {
	Body DirectDebitBatchInput
}

type batchIDInput struct {
	ID int64 `path:"id" minimum:"1" example:"4" doc:"Direct debit batch id."`
}

type refundBatchInput struct {
	ID int64 `path:"id" minimum:"1" example:"2" doc:"Refund transfer file id."`
}

type refundBatchConfirmInput struct {
	ID   int64 `path:"id" minimum:"1" example:"2" doc:"Refund transfer file id."`
	Body RefundBatchConfirm
}

type refundIDInput struct {
	ID   int64 `path:"id" minimum:"1" example:"12" doc:"Refund id."`
	Body RefundPaidInput
}

type receivablesInput struct {
	AsOf   string `query:"as_of" format:"date" example:"2026-03-31" doc:"The report date; absent: today."`
	After  int64  `query:"after" minimum:"0" example:"1200" doc:"Customers after this customer number (the next_after of the previous page); absent: from the first."`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"100" doc:"Customers per page."`
	Format string `query:"format" enum:"json,csv" default:"json" doc:"json, or csv for a spreadsheet."`
}

type periodReportInput struct {
	From   string `query:"from" format:"date" example:"2026-01-01" doc:"First issue date; absent: 1 January of this year."`
	To     string `query:"to" format:"date" example:"2026-12-31" doc:"Last issue date; absent: today."`
	Format string `query:"format" enum:"json,csv" default:"json" doc:"json, or csv for a spreadsheet."`
}

// --- outputs ---

// file is a document answered as is (PDF, XML).
type file struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// report is a report as JSON or, with format=csv, as CSV.
type report struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               any
}

// fileResponses documents a 200 whose body is a file of content type ct.
func fileResponses(ct, desc string) map[string]*huma.Response {
	return map[string]*huma.Response{"200": {Description: desc, Content: map[string]*huma.MediaType{
		ct: {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}},
	}}}
}

// reportResponses documents a report's JSON schema (of type T) and its CSV form.
func reportResponses[T any](s *server) map[string]*huma.Response {
	schema := s.api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[T](), true, "")
	return map[string]*huma.Response{"200": {Description: "The report, as JSON or (format=csv) CSV.", Content: map[string]*huma.MediaType{
		"application/json": {Schema: schema},
		"text/csv":         {Schema: &huma.Schema{Type: huma.TypeString}},
	}}}
}

func (s *server) today() terms.Date { return terms.DateIn(s.deps.Clock.Now(), clock.Amsterdam) }

// csvOrJSON answers a report in the format asked for.
func csvOrJSON(format, name string, v any, write func(w *bytes.Buffer) error) (*report, error) {
	if format != "csv" {
		return &report{ContentType: "application/json", Body: v}, nil
	}
	var b bytes.Buffer
	if err := write(&b); err != nil {
		return nil, err
	}
	return &report{ContentType: "text/csv; charset=utf-8", ContentDisposition: `attachment; filename="` + name + `.csv"`, Body: b.Bytes()}, nil
}

// reportPeriod reads from and to, defaulting to this year up to today.
func (s *server) reportPeriod(in *periodReportInput) (terms.Date, terms.Date, error) {
	fe := accounts.FieldErrors{}
	from, to := parseDate(fe, "from", in.From), parseDate(fe, "to", in.To)
	if err := fieldErrs(fe); err != nil {
		return from, to, queryErrs(fe)
	}
	today := s.today()
	if to.IsZero() {
		to = today
	}
	if from.IsZero() {
		from = terms.D(to.Year(), 1, 1)
	}
	if to.Before(from) {
		return from, to, queryErrs(accounts.FieldErrors{"to": i18n.T("api.end_lies_before_start")})
	}
	return from, to, nil
}

// queryErrs reports invalid query parameters at their place (query.<name>).
func queryErrs(fe accounts.FieldErrors) error {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	details := make([]error, len(keys))
	for i, k := range keys {
		details[i] = &huma.ErrorDetail{Location: "query." + k, Message: fe[k].Error()}
	}
	return huma.Error422UnprocessableEntity("validation failed", details...)
}

func (s *server) billingRoutes() {
	d := s.deps
	if d.Billing == nil {
		return
	}

	// invoiceDetail is an invoice with what happened to it: its online payments and
	// its dunning steps. The invoice is read with the caller's principal first, so the
	// dunning steps (which the dunning service does not authorise) are never another
	// customer's.
	invoiceDetail := func(ctx context.Context, p accounts.Principal, inv billing.Invoice) (Invoice, error) {
		out := invoiceOut(inv)
		if inv.DocType != billing.DocInvoice {
			return out, nil
		}
		if d.Payments != nil {
			ops, err := d.Payments.OnlinePayments(ctx, p, inv.ID)
			if err != nil {
				return out, err
			}
			for _, o := range ops {
				out.OnlinePayments = append(out.OnlinePayments, onlinePaymentOut(o))
			}
		}
		if d.Dunning != nil {
			steps, err := d.Dunning.Steps(ctx, p, inv.ID)
			if err != nil {
				return out, err
			}
			for _, st := range steps {
				out.Dunning = append(out.Dunning, dunningStepOut(st))
			}
		}
		return out, nil
	}

	// --- invoices ---

	register(s, huma.Operation{
		OperationID: "list-invoices", Method: http.MethodGet, Path: "/api/v1/invoices", Tags: []string{"invoices"},
		Summary: "List invoices",
		Description: "Invoices and credit notes, newest first, in pages (pass next_before as before). Staff see every customer's " +
			"(filter by org_id); a customer its own.",
	}, func(ctx context.Context, p accounts.Principal, in *listInvoicesInput) (*body[InvoiceList], error) {
		invs, next, err := d.Billing.ListInvoices(ctx, p, billing.InvoiceFilter{OrgID: in.OrgID, Status: in.Status,
			DocType: billing.DocType(in.DocType)}, billing.Page{Before: in.Before, Limit: in.Limit})
		if err != nil {
			return nil, err
		}
		out := InvoiceList{Items: make([]InvoiceSummary, len(invs)), NextBefore: next}
		for i, inv := range invs {
			out.Items[i] = invoiceSummaryOut(inv)
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "get-invoice", Method: http.MethodGet, Path: "/api/v1/invoices/{id}", Tags: []string{"invoices"},
		Summary: "Get an invoice",
		Description: "An invoice or credit note with its lines, VAT breakdown, totals and open amount, its online payments and " +
			"the dunning steps taken on it, each with the explanation from the terms.",
		Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *invoiceIDInput) (*body[Invoice], error) {
		inv, err := d.Billing.GetInvoice(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		out, err := invoiceDetail(ctx, p, inv)
		if err != nil {
			return nil, err
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "get-invoice-pdf", Method: http.MethodGet, Path: "/api/v1/invoices/{id}/pdf", Tags: []string{"invoices"},
		Summary: "Invoice as PDF", Description: "The document as PDF, in the language it was issued in.",
		Errors: []int{http.StatusNotFound}, Responses: fileResponses("application/pdf", "The PDF."),
	}, func(ctx context.Context, p accounts.Principal, in *invoiceIDInput) (*file, error) {
		inv, err := d.Billing.GetInvoice(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		pdf, err := inv.PDF()
		if err != nil {
			return nil, err
		}
		return &file{ContentType: "application/pdf", ContentDisposition: disposition(inv.Number, "pdf"), Body: pdf}, nil
	})

	register(s, huma.Operation{
		OperationID: "get-invoice-ubl", Method: http.MethodGet, Path: "/api/v1/invoices/{id}/ubl", Tags: []string{"invoices"},
		Summary: "Invoice as UBL",
		Description: "The document as UBL 2.1 in Peppol BIS Billing 3.0 (SI-UBL 2.0 when both parties are Dutch): an Invoice or " +
			"a CreditNote.",
		Errors: []int{http.StatusNotFound}, Responses: fileResponses("application/xml", "The UBL document."),
	}, func(ctx context.Context, p accounts.Principal, in *invoiceIDInput) (*file, error) {
		inv, err := d.Billing.GetInvoice(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return &file{ContentType: "application/xml", ContentDisposition: disposition(inv.Number, "xml"), Body: inv.UBL()}, nil
	})

	if d.Payments != nil {
		register(s, huma.Operation{
			OperationID: "pay-invoice-online", Method: http.MethodPost, Path: "/api/v1/invoices/{id}/payments/online", Tags: []string{"invoices"},
			Summary: "Pay an invoice online",
			Description: "Starts a payment of the open amount with the payment provider and returns the checkout page to send the " +
				"customer to. A customer's user needs the billing permission; billing staff may start one for any customer.",
			DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound},
		}, func(ctx context.Context, p accounts.Principal, in *onlinePaymentInput) (*body[OnlinePaymentStarted], error) {
			inv, err := d.Billing.GetInvoice(ctx, p, in.ID)
			if err != nil {
				return nil, err
			}
			if inv.DocType != billing.DocInvoice {
				return nil, accounts.FieldErrors{"invoice": i18n.T("api.credit_note_not_paid")}
			}
			redirect := "/portal/invoices/" + strconv.FormatInt(inv.ID, 10)
			if in.Body != nil && in.Body.Redirect != "" {
				redirect = in.Body.Redirect
			}
			url, err := d.Payments.StartOnlinePayment(ctx, p, inv.ID, redirect)
			if err != nil {
				return nil, err
			}
			return reply(OnlinePaymentStarted{CheckoutURL: url})
		})
	}

	register(s, huma.Operation{
		OperationID: "credit-invoice", Method: http.MethodPost, Path: "/api/v1/invoices/{id}/credit-notes", Tags: []string{"invoices"},
		Summary: "Issue a credit note",
		Description: "Credits an invoice in full (no lines) or per line — the only way an issued invoice is corrected. What was " +
			"already paid becomes account credit, or a refund when all the customer's services have ended (cp.av.13.5). " +
			"Staff with the billing role.",
		DefaultStatus: http.StatusCreated, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *creditNoteInput) (*body[Invoice], error) {
		if err := p.Check(accounts.InvoiceManage, accounts.Provider); err != nil {
			return nil, err
		}
		fe := accounts.FieldErrors{}
		ci := billing.CreditInput{Reason: in.Body.Reason}
		for i, l := range in.Body.Lines {
			ci.Lines = append(ci.Lines, billing.CreditLine{Position: l.Position,
				Amount: parseMoney(fe, fmt.Sprintf("lines[%d].amount", i), l.Amount)})
		}
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		cn, err := d.Billing.CreditInvoice(ctx, p, in.ID, ci)
		if err != nil {
			return nil, err
		}
		out, err := invoiceDetail(ctx, p, cn)
		if err != nil {
			return nil, err
		}
		return reply(out)
	})

	if d.Dunning != nil {
		register(s, huma.Operation{
			OperationID: "claim-invoice", Method: http.MethodPost, Path: "/api/v1/invoices/{id}/claim", Tags: []string{"invoices"},
			Summary: "Claim interest and costs",
			Description: "Charges now, on a charge invoice, the statutory interest accrued so far on an unpaid invoice and the " +
				"collection costs if the customer is in default (cp.av.14.4). Once per invoice: a repeat returns the same step. " +
				"When nothing is due yet the answer is 422 with key `claim.not_due`, saying from when interest runs and " +
				"collection costs are due. Staff with the billing role.",
			Errors: []int{http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity},
		}, func(ctx context.Context, p accounts.Principal, in *invoiceIDInput) (*body[DunningStep], error) {
			if err := p.Check(accounts.InvoiceManage, accounts.Provider); err != nil {
				return nil, err
			}
			inv, err := d.Billing.GetInvoice(ctx, p, in.ID)
			if err != nil {
				return nil, err
			}
			if inv.DocType != billing.DocInvoice {
				return nil, accounts.FieldErrors{"invoice": i18n.T("api.credit_note_bears_no")}
			}
			st, err := d.Dunning.Claim(ctx, p, inv.ID)
			if err != nil {
				return nil, err
			}
			return reply(dunningStepOut(st))
		})
	}

	register(s, huma.Operation{
		OperationID: "get-account-credit", Method: http.MethodGet, Path: "/api/v1/account-credit", Tags: []string{"invoices"},
		Summary: "Account credit",
		Description: "An organisation's account credit, set off against invoices issued from now on and never paid out " +
			"(cp.sla.compensation.5). A customer sees its own; staff give org_id.",
	}, func(ctx context.Context, p accounts.Principal, in *accountCreditInput) (*body[AccountCredit], error) {
		org, err := ownOrg(p, in.OrgID)
		if err != nil {
			return nil, queryErrs(accounts.FieldErrors{"org_id": i18n.T("api.staff_give_organisation")})
		}
		bal, err := d.Billing.CreditBalance(ctx, p, org)
		if err != nil {
			return nil, err
		}
		return reply(AccountCredit{OrgID: org, Balance: bal.String()})
	})

	// --- refunds and reports (staff) ---

	register(s, huma.Operation{
		OperationID: "list-refunds", Method: http.MethodGet, Path: "/api/v1/refunds", Tags: []string{"refunds"},
		Summary:     "List open refunds",
		Description: "Money owed back to customers and not yet paid out, oldest due first. Staff with the billing role.",
	}, func(ctx context.Context, p accounts.Principal, _ *struct{}) (*body[RefundList], error) {
		if err := p.Check(accounts.PaymentManage, accounts.Provider); err != nil {
			return nil, err
		}
		rs, err := d.Billing.RefundsOwed(ctx, p)
		if err != nil {
			return nil, err
		}
		out := RefundList{Items: make([]Refund, len(rs))}
		for i, r := range rs {
			out.Items[i] = refundOut(r)
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "mark-refund-paid", Method: http.MethodPost, Path: "/api/v1/refunds/{id}/paid", Tags: []string{"refunds"},
		Summary: "Record a refund paid",
		Description: "Records that an open refund was paid out, with the transfer's reference. A refund no longer open is not " +
			"found. Staff with the billing role.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *refundIDInput) (*noContent, error) {
		if err := p.Check(accounts.PaymentManage, accounts.Provider); err != nil {
			return nil, err
		}
		fe := accounts.FieldErrors{}
		on := parseDate(fe, "paid_on", in.Body.PaidOn)
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		if on.IsZero() {
			on = s.today()
		}
		if err := d.Payments.RecordRefundPaid(ctx, p, in.ID, on, in.Body.PaidRef); err != nil {
			return nil, err
		}
		return done, nil
	})

	register(s, huma.Operation{
		OperationID: "report-receivables", Method: http.MethodGet, Path: "/api/v1/reports/receivables", Tags: []string{"reports"},
		Summary: "Receivables",
		Description: "What customers owe on a date, per customer and ageing bucket, by customer number in pages (pass next_after " +
			"as after), each page ending with the total row of all customers. Staff.",
		Responses: reportResponses[ReceivablesReport](s),
	}, func(ctx context.Context, p accounts.Principal, in *receivablesInput) (*report, error) {
		fe := accounts.FieldErrors{}
		asOf := parseDate(fe, "as_of", in.AsOf)
		if len(fe) > 0 {
			return nil, queryErrs(fe)
		}
		if asOf.IsZero() {
			asOf = s.today()
		}
		// A page of customers by keyset and the total from one aggregate: an answer
		// costs the same at any number of customers (issue 16).
		limit := in.Limit
		if limit <= 0 {
			limit = 100
		}
		rows, err := d.Billing.ReceivablesPage(ctx, p, asOf, in.After, limit+1)
		if err != nil {
			return nil, err
		}
		var next int64
		if len(rows) > limit {
			rows = rows[:limit]
			next = rows[limit-1].OrgID
		}
		total, err := d.Billing.ReceivableTotals(ctx, p, asOf)
		if err != nil {
			return nil, err
		}
		rows = append(rows, total.ReceivableRow)
		out := receivablesOut(asOf, rows)
		out.NextAfter = next
		return csvOrJSON(in.Format, "receivables-"+asOf.String(), out, func(w *bytes.Buffer) error {
			return billing.WriteReceivablesCSV(w, rows)
		})
	})

	register(s, huma.Operation{
		OperationID: "report-revenue", Method: http.MethodGet, Path: "/api/v1/reports/revenue", Tags: []string{"reports"},
		Summary:     "Revenue per month",
		Description: "Invoiced revenue per month of issue, credit notes subtracted. Staff.",
		Responses:   reportResponses[RevenueReport](s),
	}, func(ctx context.Context, p accounts.Principal, in *periodReportInput) (*report, error) {
		from, to, err := s.reportPeriod(in)
		if err != nil {
			return nil, err
		}
		rows, err := d.Billing.RevenuePerMonth(ctx, p, from, to)
		if err != nil {
			return nil, err
		}
		return csvOrJSON(in.Format, "revenue-"+from.String()+"-"+to.String(), revenueOut(from, to, rows), func(w *bytes.Buffer) error {
			return billing.WriteRevenueCSV(w, rows)
		})
	})

	register(s, huma.Operation{
		OperationID: "report-vat", Method: http.MethodGet, Path: "/api/v1/reports/vat", Tags: []string{"reports"},
		Summary: "VAT report",
		Description: "Tax base and VAT per scheme, country, code and rate of the documents issued in the period, credit notes " +
			"subtracted: the VAT return, the ICP listing (reverse charge) and the OSS return. Staff.",
		Responses: reportResponses[VATReport](s),
	}, func(ctx context.Context, p accounts.Principal, in *periodReportInput) (*report, error) {
		from, to, err := s.reportPeriod(in)
		if err != nil {
			return nil, err
		}
		rows, err := d.Billing.VATReport(ctx, p, from, to)
		if err != nil {
			return nil, err
		}
		return csvOrJSON(in.Format, "vat-"+from.String()+"-"+to.String(), vatReportOut(from, to, rows), func(w *bytes.Buffer) error {
			return billing.WriteVATCSV(w, rows)
		})
	})

	if d.Payments != nil {
		s.paymentRoutes()
	}
}

// disposition names a downloaded document after its number.
func disposition(number, ext string) string {
	return mime.FormatMediaType("inline", map[string]string{"filename": number + "." + ext})
}

func (s *server) paymentRoutes() {
	d := s.deps

	// --- bank statements ---

	register(s, huma.Operation{
		OperationID: "import-bank-statement", Method: http.MethodPost, Path: "/api/v1/bank-statements", Tags: []string{"payments"},
		Summary: "Import a bank statement",
		Description: "Books a CAMT.053 (camt.053.001.02) statement, sent as the body with Content-Type application/xml (at most " +
			"10 MiB). Credits are matched to open invoices by structured reference, then by a reference or invoice number in " +
			"the description; the rest goes to the unmatched queue. Returns of our direct debits are reversed. The whole file " +
			"is checked first: a file that cannot be read is refused with 422 naming the entry and field, and nothing is saved. " +
			"Importing a file again changes nothing (duplicates). Staff with the billing role.",
		MaxBodyBytes: maxStatementBytes, Errors: []int{http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType},
	}, func(ctx context.Context, p accounts.Principal, in *importStatementInput) (*body[ImportResult], error) {
		if err := p.Check(accounts.PaymentManage, accounts.Provider); err != nil {
			return nil, err
		}
		if mt, _, err := mime.ParseMediaType(in.ContentType); err != nil || (mt != "application/xml" && mt != "text/xml") {
			return nil, huma.Error415UnsupportedMediaType("send the CAMT.053 statement as XML with Content-Type application/xml")
		}
		name := in.Filename
		if name == "" {
			name = "statement.xml"
		}
		res, err := d.Payments.ImportCAMT053(ctx, p, name, bytes.NewReader(in.RawBody))
		if err != nil {
			return nil, err
		}
		return reply(importResultOut(res))
	})

	register(s, huma.Operation{
		OperationID: "list-unmatched-transactions", Method: http.MethodGet, Path: "/api/v1/bank-transactions/unmatched", Tags: []string{"payments"},
		Summary:     "Unmatched bank transactions",
		Description: "The credits nothing matched, oldest first, each with a note why. Staff with the billing role.",
	}, func(ctx context.Context, p accounts.Principal, in *unmatchedInput) (*body[BankTransactionList], error) {
		pg, err := d.Payments.Unmatched(ctx, p, payments.Page{Page: in.Page, PerPage: in.PerPage})
		if err != nil {
			return nil, err
		}
		out := BankTransactionList{Items: make([]BankTransaction, len(pg.Items)), Total: pg.Total, Page: in.Page, PerPage: in.PerPage}
		for i, t := range pg.Items {
			out.Items[i] = bankTxOut(t)
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "assign-transaction", Method: http.MethodPost, Path: "/api/v1/bank-transactions/{id}/assign", Tags: []string{"payments"},
		Summary:     "Assign a transaction",
		Description: "Applies a credit from the unmatched queue to the open invoice named by its number or payment reference. Staff with the billing role.",
		Errors:      []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *assignInput) (*body[BankTransaction], error) {
		t, err := d.Payments.AssignUnmatched(ctx, p, in.ID, in.Body.Invoice, in.Body.Note)
		if err != nil {
			return nil, err
		}
		return reply(bankTxOut(t))
	})

	register(s, huma.Operation{
		OperationID: "ignore-transaction", Method: http.MethodPost, Path: "/api/v1/bank-transactions/{id}/ignore", Tags: []string{"payments"},
		Summary:     "Ignore a transaction",
		Description: "Takes a transaction out of the unmatched queue without booking it, for the reason given. Staff with the billing role.",
		Errors:      []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *ignoreInput) (*body[BankTransaction], error) {
		t, err := d.Payments.IgnoreUnmatched(ctx, p, in.ID, in.Body.Reason)
		if err != nil {
			return nil, err
		}
		return reply(bankTxOut(t))
	})

	// --- mandates ---

	register(s, huma.Operation{
		OperationID: "list-mandates", Method: http.MethodGet, Path: "/api/v1/mandates", Tags: []string{"mandates"},
		Summary:     "List mandates",
		Description: "An organisation's SEPA direct debit mandates, newest first. A customer sees its own; staff give org_id.",
	}, func(ctx context.Context, p accounts.Principal, in *listMandatesInput) (*body[MandateList], error) {
		org, err := ownOrg(p, in.OrgID)
		if err != nil {
			return nil, queryErrs(accounts.FieldErrors{"org_id": i18n.T("api.staff_give_organisation")})
		}
		ms, err := d.Payments.ListMandates(ctx, p, org)
		if err != nil {
			return nil, err
		}
		out := MandateList{Items: make([]Mandate, len(ms))}
		for i, m := range ms {
			out.Items[i] = mandateOut(m)
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "create-mandate", Method: http.MethodPost, Path: "/api/v1/mandates", Tags: []string{"mandates"},
		Summary: "Record a mandate",
		Description: "Records a signed SEPA Core mandate. A customer's user with the billing permission records its own " +
			"organisation's; billing staff give org_id. The IBAN is checked (country, length, check digits).",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, p accounts.Principal, in *createMandateInput) (*body[Mandate], error) {
		org, err := ownOrg(p, in.Body.OrgID)
		if err != nil {
			return nil, err
		}
		fe := accounts.FieldErrors{}
		signed := parseDate(fe, "signed_on", in.Body.SignedOn)
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		m, err := d.Payments.CreateMandate(ctx, p, payments.MandateInput{OrgID: org, Reference: in.Body.Reference, SignedOn: signed,
			DebtorName: in.Body.DebtorName, IBAN: in.Body.IBAN, BIC: in.Body.BIC})
		if err != nil {
			return nil, err
		}
		return reply(mandateOut(m))
	})

	register(s, huma.Operation{
		OperationID: "get-mandate", Method: http.MethodGet, Path: "/api/v1/mandates/{id}", Tags: []string{"mandates"},
		Summary: "Get a mandate", Description: "A customer sees its own organisation's.", Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *mandateIDInput) (*body[Mandate], error) {
		m, err := d.Payments.GetMandate(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return reply(mandateOut(m))
	})

	register(s, huma.Operation{
		OperationID: "revoke-mandate", Method: http.MethodPost, Path: "/api/v1/mandates/{id}/revoke", Tags: []string{"mandates"},
		Summary:     "Revoke a mandate",
		Description: "Ends a mandate: no collection uses it any more. Billing staff, or the customer for its own.",
		Errors:      []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *revokeMandateInput) (*body[Mandate], error) {
		reason := ""
		if in.Body != nil {
			reason = in.Body.Reason
		}
		m, err := d.Payments.RevokeMandate(ctx, p, in.ID, reason)
		if err != nil {
			return nil, err
		}
		return reply(mandateOut(m))
	})

	// --- direct debit ---

	register(s, huma.Operation{
		OperationID: "create-direct-debit-batch", Method: http.MethodPost, Path: "/api/v1/direct-debit-batches", Tags: []string{"mandates"},
		Summary: "Export a direct debit batch",
		Description: "Builds the pain.008.001.02 file that collects the invoices on the collection date, marks each invoice " +
			"collection_pending and e-mails each debtor the pre-notification (amount, date, mandate, creditor identifier). The " +
			"collection date must be a TARGET2 business day at least the terms' pre-notification period (14 days) ahead. An " +
			"invoice is paid only once the collection date has passed without a return; a return before then leaves it open, " +
			"a later one reverses the payment. The first collection of a mandate is FRST, later ones RCUR. The same items for " +
			"the same date again return the same batch. Staff with the billing role.",
		DefaultStatus: http.StatusCreated,
	}, func(ctx context.Context, p accounts.Principal, in *directDebitInput) (*body[DirectDebitBatch], error) {
		if err := p.Check(accounts.PaymentManage, accounts.Provider); err != nil {
			return nil, err
		}
		fe := accounts.FieldErrors{}
		date := parseDate(fe, "collection_date", in.Body.CollectionDate)
		items := make([]payments.DebitItem, 0, len(in.Body.Items))
		for i, it := range in.Body.Items {
			amount := parseMoney(fe, fmt.Sprintf("items[%d].amount", i), it.Amount)
			inv, err := d.Billing.GetInvoice(ctx, p, it.InvoiceID)
			if err != nil {
				if errors.Is(err, accounts.ErrNotFound) {
					fe[fmt.Sprintf("items[%d].invoice_id", i)] = i18n.T("api.no_such_invoice")
					continue
				}
				return nil, err
			}
			items = append(items, payments.DebitItem{InvoiceID: inv.ID, MandateID: it.MandateID, Amount: amount, Description: it.Description})
		}
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		_, id, err := d.Payments.ExportDirectDebitBatch(ctx, p, date, items)
		if err != nil {
			return nil, err
		}
		return reply(DirectDebitBatch{ID: id, CollectionDate: date.String(), Items: len(items)})
	})

	register(s, huma.Operation{
		OperationID: "get-direct-debit-batch", Method: http.MethodGet, Path: "/api/v1/direct-debit-batches/{id}", Tags: []string{"mandates"},
		Summary: "Direct debit file", Description: "The exported pain.008 file, to upload to the bank. Staff with the billing role.",
		Errors: []int{http.StatusNotFound}, Responses: fileResponses("application/xml", "The pain.008 file."),
	}, func(ctx context.Context, p accounts.Principal, in *batchIDInput) (*file, error) {
		b, err := d.Payments.DirectDebitBatchFile(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return &file{ContentType: "application/xml", ContentDisposition: disposition("pain008-"+strconv.FormatInt(in.ID, 10), "xml"), Body: b}, nil
	})

	// --- refunds paid out ---

	register(s, huma.Operation{
		OperationID: "pay-refunds", Method: http.MethodPost, Path: "/api/v1/refunds/payouts", Tags: []string{"refunds"},
		Summary: "Pay out the open refunds",
		Description: "Pays out every open refund once: money paid online goes back through the payment provider's refund of " +
			"that payment; the rest goes in one new SEPA credit transfer file (pain.001.001.03) to the account the customer paid " +
			"from or its mandate names. A refund is sent when its file is made and paid when its execution is confirmed (or " +
			"the provider reports it refunded). Refunds without a known account are listed for payment by hand. Staff with " +
			"the billing role.",
	}, func(ctx context.Context, p accounts.Principal, _ *struct{}) (*body[RefundRun], error) {
		run, err := d.Payments.PayRefunds(ctx, p)
		if err != nil {
			return nil, err
		}
		return reply(refundRunOut(run))
	})

	register(s, huma.Operation{
		OperationID: "list-refund-batches", Method: http.MethodGet, Path: "/api/v1/refund-batches", Tags: []string{"refunds"},
		Summary: "List refund transfer files", Description: "The pain.001 files of refunds, newest first. Staff with the billing role.",
	}, func(ctx context.Context, p accounts.Principal, _ *struct{}) (*body[RefundBatchList], error) {
		list, err := d.Payments.RefundBatches(ctx, p)
		if err != nil {
			return nil, err
		}
		out := RefundBatchList{Items: make([]RefundBatch, len(list))}
		for i, b := range list {
			out.Items[i] = refundBatchOut(b)
		}
		return reply(out)
	})

	register(s, huma.Operation{
		OperationID: "get-refund-batch", Method: http.MethodGet, Path: "/api/v1/refund-batches/{id}", Tags: []string{"refunds"},
		Summary: "Refund transfer file", Description: "A pain.001 file of refunds, to upload to the bank. Staff with the billing role.",
		Errors: []int{http.StatusNotFound}, Responses: fileResponses("application/xml", "The pain.001 file."),
	}, func(ctx context.Context, p accounts.Principal, in *refundBatchInput) (*file, error) {
		b, err := d.Payments.RefundBatchFile(ctx, p, in.ID)
		if err != nil {
			return nil, err
		}
		return &file{ContentType: "application/xml", ContentDisposition: disposition("pain001-refunds-"+strconv.FormatInt(in.ID, 10), "xml"), Body: b}, nil
	})

	register(s, huma.Operation{
		OperationID: "confirm-refund-batch", Method: http.MethodPost, Path: "/api/v1/refund-batches/{id}/confirm", Tags: []string{"refunds"},
		Summary: "Confirm a refund transfer file executed",
		Description: "Records that the bank executed a pain.001 file of refunds on executed_on: each of its refunds is paid. " +
			"Confirming again changes nothing. Staff with the billing role.",
		DefaultStatus: http.StatusNoContent, Errors: []int{http.StatusNotFound},
	}, func(ctx context.Context, p accounts.Principal, in *refundBatchConfirmInput) (*noContent, error) {
		fe := accounts.FieldErrors{}
		on := parseDate(fe, "executed_on", in.Body.ExecutedOn)
		if err := fieldErrs(fe); err != nil {
			return nil, err
		}
		if err := d.Payments.ConfirmRefundBatch(ctx, p, in.ID, on); err != nil {
			return nil, err
		}
		return done, nil
	})
}
