package api

import (
	"time"

	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/terms"
)

// Types of invoices, payments, mandates, dunning and the reports. As elsewhere,
// amounts are decimal strings in euros ("425.00"), dates "YYYY-MM-DD", rates decimal
// percentages ("21"), and decisions carry their explanation.

// --- invoices ---

// InvoiceSummary is an invoice or credit note as a list shows it.
type InvoiceSummary struct {
	ID               int64  `json:"id" example:"501" doc:"Document id."`
	DocType          string `json:"doc_type" enum:"invoice,credit_note" doc:"An invoice or a credit note."`
	Number           string `json:"number" example:"2026-000014" doc:"The number, gapless per series (C… for credit notes)."`
	Reference        string `json:"reference" example:"RF712026000014" doc:"The structured payment reference (ISO 11649) to pay with."`
	OrgID            int64  `json:"org_id" example:"42" doc:"The customer's organisation."`
	CustomerName     string `json:"customer_name" doc:"The customer's name as on the document."`
	IssueDate        string `json:"issue_date" format:"date" example:"2026-03-02" doc:"Date of issue."`
	DueDate          string `json:"due_date" format:"date" example:"2026-03-16" doc:"Due date as printed (cp.av.14.1)."`
	PeriodStart      string `json:"period_start,omitempty" format:"date" doc:"First day of the period billed."`
	PeriodEnd        string `json:"period_end,omitempty" format:"date" doc:"Last day of the period billed."`
	Currency         string `json:"currency" example:"EUR" doc:"Currency."`
	TotalExcl        string `json:"total_excl" example:"10.00" doc:"Total excluding VAT."`
	VAT              string `json:"vat" example:"2.10" doc:"VAT."`
	TotalIncl        string `json:"total_incl" example:"12.10" doc:"Total including VAT."`
	CreditApplied    string `json:"credit_applied" example:"0.00" doc:"Account credit set off at issue."`
	AmountDue        string `json:"amount_due" example:"12.10" doc:"Total including VAT less the account credit set off."`
	Status           string `json:"status" enum:"open,collection_pending,paid,credited,applied" doc:"open: something left to pay; collection_pending: a direct debit collects it and it is paid once the collection date has passed without a return; paid; credited: a credit note cleared it; applied: a credit note applied to its invoice."`
	Open             string `json:"open" example:"12.10" doc:"What is still to pay."`
	Paid             string `json:"paid" example:"0.00" doc:"What was paid."`
	Credited         string `json:"credited" example:"0.00" doc:"What credit notes took off."`
	SettledOn        string `json:"settled_on,omitempty" format:"date" doc:"When nothing was left to pay."`
	CreditsInvoiceID int64  `json:"credits_invoice_id,omitempty" doc:"A credit note: the invoice it credits."`
	CreditsNumber    string `json:"credits_number,omitempty" doc:"A credit note: the number of the invoice it credits."`
}

func invoiceSummaryOut(inv billing.Invoice) InvoiceSummary {
	return InvoiceSummary{ID: inv.ID, DocType: string(inv.DocType), Number: inv.Number, Reference: inv.Reference, OrgID: inv.OrgID,
		CustomerName: inv.Customer.Name, IssueDate: dateOut(inv.IssueDate), DueDate: dateOut(inv.DueDate),
		PeriodStart: dateOut(inv.PeriodStart), PeriodEnd: dateOut(inv.PeriodEnd), Currency: inv.Currency,
		TotalExcl: inv.TotalExcl.String(), VAT: inv.VAT.String(), TotalIncl: inv.TotalIncl.String(),
		CreditApplied: inv.CreditApplied.String(), AmountDue: inv.AmountDue.String(), Status: inv.State.Status,
		Open: inv.State.Open.String(), Paid: inv.State.Paid.String(), Credited: inv.State.Credited.String(),
		SettledOn: dateOut(inv.State.SettledOn), CreditsInvoiceID: inv.CreditsInvoiceID, CreditsNumber: inv.CreditsNumber}
}

// InvoiceList is a page of documents, newest first.
type InvoiceList struct {
	Items      []InvoiceSummary `json:"items" doc:"The documents."`
	NextBefore int64            `json:"next_before,omitempty" doc:"Pass as before for the next page; absent on the last page."`
}

// Invoice is a document with everything on it, what happened to it since and, for an
// invoice, its dunning.
type Invoice struct {
	InvoiceSummary
	Lang           string            `json:"lang" enum:"nl,en" doc:"The language it was issued in."`
	VATScheme      string            `json:"vat_scheme" enum:"domestic,reverse_charge,oss" doc:"Who owes the VAT, at which country's rate."`
	VATCountry     string            `json:"vat_country" example:"NL" doc:"The country whose VAT applies."`
	Reason         string            `json:"reason,omitempty" doc:"Why a credit note or charge was issued."`
	Customer       Party             `json:"customer" doc:"The customer as at issue."`
	Provider       Party             `json:"provider" doc:"The provider as at issue."`
	Lines          []InvoiceLine     `json:"lines" doc:"The lines."`
	VATBreakdown   []InvoiceVATLine  `json:"vat_breakdown" doc:"VAT per rate, rounded once per rate (DESIGN.md principle 7)."`
	Explanation    []ExplanationStep `json:"explanation" doc:"The terms behind the dates and amounts."`
	OnlinePayments []OnlinePayment   `json:"online_payments" doc:"Payments started through the payment provider, newest first."`
	Dunning        []DunningStep     `json:"dunning" doc:"The dunning steps taken, in order, each with its explanation."`
	ContentHash    string            `json:"content_hash" doc:"SHA-256 seal of the content made at issue."`
	CreatedAt      time.Time         `json:"created_at" doc:"When it was issued."`
}

// Party is one side of a document as it was at issue.
type Party struct {
	Name       string `json:"name" doc:"Name."`
	Street     string `json:"street" doc:"Street and number."`
	PostalCode string `json:"postal_code" doc:"Postal code."`
	City       string `json:"city" doc:"City."`
	Country    string `json:"country" example:"NL" doc:"ISO 3166-1 alpha-2."`
	KvK        string `json:"kvk,omitempty" doc:"KvK number."`
	VATID      string `json:"vat_id,omitempty" doc:"VAT id."`
	Email      string `json:"email,omitempty" doc:"E-mail address."`
	Kind       string `json:"kind,omitempty" enum:"consumer,business" doc:"The customer's kind."`
	IBAN       string `json:"iban,omitempty" doc:"The account to pay to (provider)."`
	BIC        string `json:"bic,omitempty" doc:"Its BIC (provider)."`
}

func partyOut(p billing.Party) Party {
	return Party{Name: p.Name, Street: p.Street, PostalCode: p.PostalCode, City: p.City, Country: p.Country, KvK: p.KvK,
		VATID: p.VATID, Email: p.Email, Kind: p.Kind, IBAN: p.IBAN, BIC: p.BIC}
}

// InvoiceLine is one line of a document.
type InvoiceLine struct {
	Position    int    `json:"position" example:"1" doc:"Position on the document; credit a line by it."`
	Source      string `json:"source" example:"period" doc:"What the line bills."`
	Description string `json:"description" doc:"Description."`
	PeriodStart string `json:"period_start,omitempty" format:"date" doc:"First day of the period."`
	PeriodEnd   string `json:"period_end,omitempty" format:"date" doc:"Last day of the period (inclusive)."`
	Quantity    int64  `json:"quantity" example:"1" doc:"Quantity."`
	Unit        string `json:"unit" example:"MON" doc:"UN/ECE rec. 20 unit."`
	UnitPrice   string `json:"unit_price" example:"10.00" doc:"Price per unit, excl. VAT."`
	Amount      string `json:"amount" example:"10.00" doc:"Quantity × unit price, excl. VAT."`
	VATCategory string `json:"vat_category" enum:"standard,reduced,zero,none" doc:"VAT category; none: outside the scope of VAT."`
	VATRate     string `json:"vat_rate" example:"21" doc:"VAT rate in percent."`
}

// InvoiceVATLine is the VAT of one rate on an issued document, with its UNCL5305 code.
type InvoiceVATLine struct {
	Code     string `json:"code" example:"S" doc:"UNCL5305 category code."`
	Category string `json:"category" example:"standard" doc:"Category."`
	Rate     string `json:"rate" example:"21" doc:"Rate in percent."`
	Base     string `json:"base" example:"10.00" doc:"Taxable amount."`
	VAT      string `json:"vat" example:"2.10" doc:"VAT."`
}

func invoiceOut(inv billing.Invoice) Invoice {
	out := Invoice{InvoiceSummary: invoiceSummaryOut(inv), Lang: inv.Lang, VATScheme: inv.VATScheme, VATCountry: inv.VATCountry,
		Reason: inv.Reason, Customer: partyOut(inv.Customer), Provider: partyOut(inv.Provider), Lines: []InvoiceLine{},
		VATBreakdown: []InvoiceVATLine{}, Explanation: explanationOut(inv.Explanation), OnlinePayments: []OnlinePayment{},
		Dunning: []DunningStep{}, ContentHash: inv.ContentHash, CreatedAt: inv.CreatedAt}
	for _, l := range inv.Lines {
		out.Lines = append(out.Lines, InvoiceLine{Position: l.Position, Source: l.Source, Description: l.Description,
			PeriodStart: dateOut(l.PeriodStart), PeriodEnd: dateOut(l.PeriodEnd), Quantity: l.Quantity, Unit: l.Unit,
			UnitPrice: l.UnitPrice.String(), Amount: l.Amount.String(), VATCategory: l.VATCategory, VATRate: l.VATRate.String()})
	}
	for _, v := range inv.VATBreakdown {
		out.VATBreakdown = append(out.VATBreakdown, InvoiceVATLine{Code: v.Code, Category: v.Category, Rate: v.Rate.String(),
			Base: v.Base.String(), VAT: v.VAT.String()})
	}
	return out
}

// OnlinePayment is a payment started through the payment provider.
type OnlinePayment struct {
	ID        int64     `json:"id" doc:"Payment id."`
	Provider  string    `json:"provider" example:"mollie" doc:"The payment provider."`
	Status    string    `json:"status" enum:"creating,open,pending,authorized,paid,failed,expired,canceled" doc:"Status, as the provider reports it."`
	Amount    string    `json:"amount" example:"12.10" doc:"Amount."`
	Applied   string    `json:"applied" example:"12.10" doc:"Part applied to the invoice once paid."`
	Excess    string    `json:"excess" example:"0.00" doc:"Part paid too much (account credit or a refund)."`
	CreatedAt time.Time `json:"created_at" doc:"When it was started."`
}

func onlinePaymentOut(o payments.OnlinePayment) OnlinePayment {
	return OnlinePayment{ID: o.ID, Provider: o.Provider, Status: o.Status, Amount: o.Amount.String(), Applied: o.Applied.String(),
		Excess: o.Excess.String(), CreatedAt: o.CreatedAt}
}

// DunningStep is a step taken on an unpaid invoice, with the explanation that produced it.
type DunningStep struct {
	Step            string            `json:"step" enum:"overdue,reminder,default,suspend,terminate,claim,unsuspend,charge,settled" doc:"The step."`
	DueOn           string            `json:"due_on" format:"date" doc:"When the terms made it due."`
	PerformedOn     string            `json:"performed_on" format:"date" doc:"When it was taken."`
	OpenAmount      string            `json:"open_amount" example:"12.10" doc:"What was open then."`
	Amount          string            `json:"amount" example:"40.00" doc:"Interest or collection costs of the step, if any."`
	NextOn          string            `json:"next_on,omitempty" format:"date" doc:"When the next step is due."`
	ChargeInvoiceID int64             `json:"charge_invoice_id,omitempty" doc:"The invoice that charged interest and costs."`
	Explanation     []ExplanationStep `json:"explanation" doc:"Why, by the terms."`
}

func dunningStepOut(s dunning.Step) DunningStep {
	return DunningStep{Step: s.Step, DueOn: dateOut(s.DueOn), PerformedOn: dateOut(s.PerformedOn), OpenAmount: s.OpenAmount.String(),
		Amount: s.Amount.String(), NextOn: dateOut(s.NextOn), ChargeInvoiceID: s.ChargeInvoiceID, Explanation: explanationOut(s.Explanation)}
}

// OnlinePaymentInput starts an online payment.
type OnlinePaymentInput struct {
	Redirect string `json:"redirect,omitempty" maxLength:"2000" example:"/portal/invoices/501" doc:"Where the provider sends the customer back: an absolute http(s) URL or a path on the portal. Default: the invoice in the portal."`
}

// OnlinePaymentStarted is where to send the customer to pay.
type OnlinePaymentStarted struct {
	CheckoutURL string `json:"checkout_url" doc:"The payment provider's checkout page."`
}

// CreditNoteInput says what a credit note credits.
type CreditNoteInput struct {
	Lines  []CreditNoteLine `json:"lines,omitempty" maxItems:"500" doc:"Lines to credit; none: the whole invoice."`
	Reason string           `json:"reason" maxLength:"500" doc:"Why (printed on the credit note)."`
}

// CreditNoteLine credits (part of) one line.
type CreditNoteLine struct {
	Position int    `json:"position" minimum:"1" example:"1" doc:"The line's position on the invoice."`
	Amount   string `json:"amount,omitempty" pattern:"^[0-9]{1,10}(\\.[0-9]{1,2})?$" example:"5.00" doc:"Amount excl. VAT; absent: the whole line."`
}

// AccountCredit is an organisation's account credit.
type AccountCredit struct {
	OrgID   int64  `json:"org_id" example:"42" doc:"The organisation."`
	Balance string `json:"balance" example:"15.00" doc:"Credit set off against invoices issued from now on (never paid out)."`
}

// --- bank statements ---

// ImportResult counts what a statement import did, per transaction.
type ImportResult struct {
	Statements int `json:"statements" doc:"Statements in the file."`
	Entries    int `json:"entries" doc:"Transactions in the file."`
	Matched    int `json:"matched" doc:"Applied to an invoice, or our direct debit's credit."`
	Unmatched  int `json:"unmatched" doc:"Put in the queue for staff."`
	Reversed   int `json:"reversed" doc:"Returns of our direct debits, reversed."`
	Other      int `json:"other" doc:"Debits without return information and entries not booked."`
	Duplicates int `json:"duplicates" doc:"Imported before: nothing done."`
}

func importResultOut(r payments.ImportResult) ImportResult {
	return ImportResult{Statements: r.Statements, Entries: r.Entries, Matched: r.Matched, Unmatched: r.Unmatched,
		Reversed: r.Reversed, Other: r.Other, Duplicates: r.Duplicates}
}

// BankTransaction is one booked transaction of an imported statement.
type BankTransaction struct {
	ID               int64  `json:"id" doc:"Transaction id."`
	Credit           bool   `json:"credit" doc:"Money in (true) or out."`
	Amount           string `json:"amount" example:"12.10" doc:"Amount."`
	Currency         string `json:"currency" example:"EUR" doc:"Currency."`
	BookingDate      string `json:"booking_date" format:"date" doc:"Booking date."`
	ValueDate        string `json:"value_date,omitempty" format:"date" doc:"Value date."`
	EndToEndID       string `json:"end_to_end_id,omitempty" doc:"The payer's end-to-end id."`
	Reference        string `json:"reference,omitempty" doc:"Structured reference."`
	Description      string `json:"description,omitempty" doc:"Unstructured remittance text."`
	CounterpartyName string `json:"counterparty_name,omitempty" doc:"Who paid."`
	CounterpartyIBAN string `json:"counterparty_iban,omitempty" doc:"From which account."`
	ReturnReason     string `json:"return_reason,omitempty" doc:"The return reason code of a returned direct debit."`
	Status           string `json:"status" enum:"matched,unmatched,assigned,ignored,reversed,dd_settled,no_action,not_booked" doc:"Status."`
	MatchNote        string `json:"match_note,omitempty" doc:"Why it was not matched."`
	InvoiceID        int64  `json:"invoice_id,omitempty" doc:"The invoice it was applied to."`
	InvoiceNumber    string `json:"invoice_number,omitempty" doc:"Its number."`
	OrgID            int64  `json:"org_id,omitempty" doc:"The customer."`
	Applied          string `json:"applied" example:"12.10" doc:"Applied to the invoice."`
	Excess           string `json:"excess" example:"0.00" doc:"Paid too much."`
	ResolutionNote   string `json:"resolution_note,omitempty" doc:"Staff's note on assigning or ignoring."`
}

func bankTxOut(t payments.BankTransaction) BankTransaction {
	return BankTransaction{ID: t.ID, Credit: t.Credit, Amount: t.Amount.String(), Currency: t.Currency, BookingDate: dateOut(t.BookingDate),
		ValueDate: dateOut(t.ValueDate), EndToEndID: t.EndToEndID, Reference: t.Reference, Description: t.Unstructured,
		CounterpartyName: t.CounterpartyName, CounterpartyIBAN: t.CounterpartyIBAN, ReturnReason: t.ReturnReason, Status: t.Status,
		MatchNote: t.MatchNote, InvoiceID: t.InvoiceID, InvoiceNumber: t.InvoiceNumber, OrgID: t.OrgID, Applied: t.Applied.String(),
		Excess: t.Excess.String(), ResolutionNote: t.ResolutionNote}
}

// BankTransactionList is a page of the unmatched queue, oldest first.
type BankTransactionList struct {
	Items   []BankTransaction `json:"items" doc:"The transactions."`
	Total   int               `json:"total" doc:"How many wait in all."`
	Page    int               `json:"page" doc:"This page."`
	PerPage int               `json:"per_page" doc:"Page size."`
}

// AssignInput applies a queued credit to an invoice.
type AssignInput struct {
	Invoice string `json:"invoice" minLength:"1" maxLength:"100" example:"2026-000014" doc:"The invoice: its number or payment reference."`
	Note    string `json:"note,omitempty" maxLength:"500" doc:"Why (for the audit trail)."`
}

// IgnoreInput takes a transaction out of the queue without booking it.
type IgnoreInput struct {
	Reason string `json:"reason" minLength:"1" maxLength:"500" example:"Private transfer" doc:"Why it needs no booking."`
}

// --- mandates and direct debit ---

// Mandate is a SEPA Core direct debit mandate.
type Mandate struct {
	ID               int64     `json:"id" doc:"Mandate id."`
	OrgID            int64     `json:"org_id" doc:"The customer."`
	Reference        string    `json:"reference" example:"HP-M-000001" doc:"The unique mandate reference."`
	SignedOn         string    `json:"signed_on" format:"date" doc:"When it was signed."`
	DebtorName       string    `json:"debtor_name" doc:"Account holder."`
	IBAN             string    `json:"iban" example:"NL91ABNA0417164300" doc:"Account."`
	BIC              string    `json:"bic,omitempty" doc:"BIC."`
	Status           string    `json:"status" enum:"active,revoked,blocked" doc:"Status."`
	StatusReason     string    `json:"status_reason,omitempty" doc:"Why it was revoked or blocked."`
	NextSequence     string    `json:"next_sequence" enum:"FRST,RCUR" doc:"The sequence type of the next collection."`
	LastCollectionOn string    `json:"last_collection_on,omitempty" format:"date" doc:"The last collection (a mandate unused for 36 months expires)."`
	CreatedAt        time.Time `json:"created_at" doc:"When it was recorded."`
}

func mandateOut(m payments.Mandate) Mandate {
	return Mandate{ID: m.ID, OrgID: m.OrgID, Reference: m.Reference, SignedOn: dateOut(m.SignedOn), DebtorName: m.DebtorName,
		IBAN: m.IBAN, BIC: m.BIC, Status: m.Status, StatusReason: m.StatusReason, NextSequence: m.NextSequence,
		LastCollectionOn: dateOut(m.LastCollectionOn), CreatedAt: m.CreatedAt}
}

// MandateList is an organisation's mandates, newest first.
type MandateList struct {
	Items []Mandate `json:"items" doc:"The mandates."`
}

// MandateInput records a signed mandate.
type MandateInput struct {
	OrgID      int64  `json:"org_id,omitempty" minimum:"0" example:"42" doc:"The customer (staff); a customer records its own."`
	Reference  string `json:"reference,omitempty" maxLength:"35" doc:"The mandate reference; absent: one is assigned."`
	SignedOn   string `json:"signed_on" format:"date" example:"2026-03-02" doc:"When it was signed."`
	DebtorName string `json:"debtor_name" maxLength:"70" doc:"Account holder."`
	IBAN       string `json:"iban" maxLength:"50" example:"NL91ABNA0417164300" doc:"Account (spaces allowed)."`
	BIC        string `json:"bic,omitempty" maxLength:"11" doc:"BIC."`
}

// DirectDebitBatchInput collects invoices by direct debit.
type DirectDebitBatchInput struct {
	CollectionDate string            `json:"collection_date" format:"date" example:"2026-03-10" doc:"The day the bank collects."`
	Items          []DirectDebitItem `json:"items" minItems:"1" maxItems:"10000" doc:"Invoices to collect."`
}

// DirectDebitItem is one invoice to collect under a mandate.
type DirectDebitItem struct {
	InvoiceID   int64  `json:"invoice_id" minimum:"1" doc:"The invoice."`
	MandateID   int64  `json:"mandate_id" minimum:"1" doc:"The mandate to collect under."`
	Amount      string `json:"amount,omitempty" pattern:"^[0-9]{1,10}(\\.[0-9]{1,2})?$" doc:"Amount; absent: what is open."`
	Description string `json:"description,omitempty" maxLength:"140" doc:"Remittance text; absent: the invoice number."`
}

// DirectDebitBatch is an exported pain.008 file.
type DirectDebitBatch struct {
	ID             int64  `json:"id" doc:"Batch id; GET /api/v1/direct-debit-batches/{id} returns the file."`
	CollectionDate string `json:"collection_date" format:"date" doc:"The collection date."`
	Items          int    `json:"items" doc:"Collections in the file."`
}

// --- refunds and reports ---

// Refund is money owed back to a customer.
type Refund struct {
	ID        int64  `json:"id" doc:"Refund id."`
	OrgID     int64  `json:"org_id" doc:"The customer."`
	Amount    string `json:"amount" example:"9.00" doc:"Amount."`
	DueBy     string `json:"due_by" format:"date" doc:"When it must be paid (cp.av.13.5, cp.av.13.9)."`
	Source    string `json:"source" doc:"What it came from."`
	SourceRef string `json:"source_ref" doc:"The source's reference."`
	Status    string `json:"status" enum:"open,sent,paid,cancelled" doc:"open: not paid out yet; sent: in a transfer file or with the payment provider, execution not confirmed yet; paid; cancelled."`
}

func refundOut(r billing.Refund) Refund {
	return Refund{ID: r.ID, OrgID: r.OrgID, Amount: r.Amount.String(), DueBy: dateOut(r.DueBy), Source: r.Source,
		SourceRef: r.SourceRef, Status: r.Status}
}

// RefundList is the refunds not yet paid out, oldest due first.
type RefundList struct {
	Items []Refund `json:"items" doc:"The refunds."`
}

// RefundPaidInput records a payout.
type RefundPaidInput struct {
	PaidOn  string `json:"paid_on,omitempty" format:"date" doc:"When it was paid; absent: today."`
	PaidRef string `json:"paid_ref" minLength:"1" maxLength:"200" doc:"The transfer's reference."`
}

// ReceivablesReport is what customers owe, per customer and ageing bucket.
type ReceivablesReport struct {
	AsOf    string          `json:"as_of" format:"date" doc:"The report date."`
	Buckets []string        `json:"buckets" doc:"The ageing buckets, by days past the due date."`
	Rows    []ReceivableRow `json:"rows" doc:"One row per customer of this page, then the total of all customers (org_id 0)."`
	// NextAfter pages by keyset (issue 16).
	NextAfter int64 `json:"next_after,omitempty" example:"1200" doc:"Pass as after to get the next page; absent on the last page."`
}

// ReceivableRow is one customer's open amounts.
type ReceivableRow struct {
	OrgID   int64    `json:"org_id" doc:"The customer; 0 for the total."`
	Name    string   `json:"name" doc:"Name."`
	Buckets []string `json:"buckets" doc:"Open amounts per bucket."`
	Total   string   `json:"total" doc:"Total open."`
}

func receivablesOut(asOf terms.Date, rows []billing.ReceivableRow) ReceivablesReport {
	out := ReceivablesReport{AsOf: asOf.String(), Buckets: billing.AgeingBuckets, Rows: []ReceivableRow{}}
	for _, r := range rows {
		row := ReceivableRow{OrgID: r.OrgID, Name: r.Name, Total: r.Total.String()}
		for _, b := range r.Buckets {
			row.Buckets = append(row.Buckets, b.String())
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

// RevenueReport is invoiced revenue per month, net of credit notes.
type RevenueReport struct {
	From string       `json:"from" format:"date" doc:"First issue date."`
	To   string       `json:"to" format:"date" doc:"Last issue date."`
	Rows []RevenueRow `json:"rows" doc:"One row per month."`
}

// RevenueRow is one month.
type RevenueRow struct {
	Month       string `json:"month" example:"2026-03" doc:"Month of issue."`
	Invoices    int    `json:"invoices" doc:"Invoices issued."`
	CreditNotes int    `json:"credit_notes" doc:"Credit notes issued."`
	TotalExcl   string `json:"total_excl" doc:"Excluding VAT."`
	VAT         string `json:"vat" doc:"VAT."`
	TotalIncl   string `json:"total_incl" doc:"Including VAT."`
}

func revenueOut(from, to terms.Date, rows []billing.RevenueRow) RevenueReport {
	out := RevenueReport{From: from.String(), To: to.String(), Rows: []RevenueRow{}}
	for _, r := range rows {
		out.Rows = append(out.Rows, RevenueRow{Month: r.Month, Invoices: r.Invoices, CreditNotes: r.Credits,
			TotalExcl: r.TotalExcl.String(), VAT: r.VAT.String(), TotalIncl: r.TotalIncl.String()})
	}
	return out
}

// VATReport totals VAT per scheme, country, code and rate.
type VATReport struct {
	From string   `json:"from" format:"date" doc:"First issue date."`
	To   string   `json:"to" format:"date" doc:"Last issue date."`
	Rows []VATRow `json:"rows" doc:"One row per scheme, country, code and rate."`
}

// VATRow is one line of the VAT report.
type VATRow struct {
	Scheme  string `json:"scheme" enum:"domestic,reverse_charge,oss" doc:"VAT scheme."`
	Country string `json:"country" doc:"Country."`
	Code    string `json:"code" doc:"UNCL5305 code."`
	Rate    string `json:"rate" doc:"Rate in percent."`
	Base    string `json:"base" doc:"Taxable amount."`
	VAT     string `json:"vat" doc:"VAT."`
}

func vatReportOut(from, to terms.Date, rows []billing.VATRow) VATReport {
	out := VATReport{From: from.String(), To: to.String(), Rows: []VATRow{}}
	for _, r := range rows {
		out.Rows = append(out.Rows, VATRow{Scheme: r.Scheme, Country: r.Country, Code: r.Code, Rate: r.Rate.String(),
			Base: r.Base.String(), VAT: r.VAT.String()})
	}
	return out
}

// RefundRun is what paying out the refunds did.
type RefundRun struct {
	Provider  int     `json:"provider" doc:"Refunds sent through the payment provider."`
	BatchID   int64   `json:"batch_id,omitempty" doc:"The transfer file made (none: 0)."`
	Transfers int     `json:"transfers" doc:"Refunds in it."`
	Failed    int     `json:"failed" doc:"Provider refunds that failed; tried again next time."`
	ByHand    []int64 `json:"by_hand" doc:"Refunds with no known account: pay them by hand and record them paid."`
}

func refundRunOut(r payments.RefundRun) RefundRun {
	return RefundRun{Provider: r.Provider, BatchID: r.Batch, Transfers: r.Transfers, Failed: r.Failed, ByHand: append([]int64{}, r.NoAccount...)}
}

// RefundBatch is a pain.001 file of refunds.
type RefundBatch struct {
	ID            int64  `json:"id" doc:"File id."`
	MsgID         string `json:"msg_id" example:"HP-CT-000001" doc:"The file's message id."`
	ExecutionDate string `json:"execution_date" format:"date" doc:"Requested execution date."`
	Transfers     int    `json:"transfers" doc:"Number of refunds."`
	Total         string `json:"total" example:"47.27" doc:"Their sum."`
	Status        string `json:"status" enum:"created,confirmed" doc:"created: to upload to the bank; confirmed: executed."`
	ConfirmedOn   string `json:"confirmed_on,omitempty" format:"date" doc:"Executed on."`
}

func refundBatchOut(b payments.RefundBatch) RefundBatch {
	return RefundBatch{ID: b.ID, MsgID: b.MsgID, ExecutionDate: dateOut(b.ExecutionDate), Transfers: b.Transfers, Total: b.Total.String(),
		Status: b.Status, ConfirmedOn: dateOut(b.ConfirmedOn)}
}

// RefundBatchList is the refund transfer files, newest first.
type RefundBatchList struct {
	Items []RefundBatch `json:"items" doc:"The files."`
}

// RefundBatchConfirm records a file's execution.
type RefundBatchConfirm struct {
	ExecutedOn string `json:"executed_on" format:"date" example:"2026-02-11" doc:"The day the bank executed the file."`
}
