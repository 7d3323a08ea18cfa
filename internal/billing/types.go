package billing

import (
	"errors"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/terms"
)

// DocType says whether a document is an invoice or a credit note.
type DocType string

const (
	DocInvoice    DocType = "invoice"
	DocCreditNote DocType = "credit_note"
)

// VAT schemes of an invoice: who owes the VAT and at which country's rate.
const (
	SchemeDomestic      = "domestic"       // Dutch VAT at the Dutch rate
	SchemeReverseCharge = "reverse_charge" // EU business with a VAT id: btw verlegd, no VAT
	SchemeOSS           = "oss"            // EU consumer: that country's rate (One-Stop-Shop)
)

// VATNone is the VAT category of an amount outside the scope of VAT: late-payment
// interest and extrajudicial collection costs (damages, not a supply; cp.av.14.4).
const VATNone = "none"

// Invoice statuses (invoice_state.status).
const (
	StatusOpen     = "open"     // something left to pay
	StatusPaid     = "paid"     // paid (or set off) in full
	StatusCredited = "credited" // a credit note cleared what was open
	StatusApplied  = "applied"  // a credit note: applied to its invoice
	// StatusCollectionPending: a direct debit collects what is open; the invoice is
	// not paid until the collection's settlement date has passed without a return,
	// and is not dunned meanwhile.
	StatusCollectionPending = "collection_pending"
)

// Line sources: what an invoice line bills (the key of billed_items).
const (
	SourcePeriod        = "period"         // a subscription's billing period
	SourceSetup         = "setup"          // a subscription's setup fee
	SourceOneOff        = "oneoff"         // a one-off line billed by the run
	SourcePendingCharge = "pending_charge" // an upgrade's prorated difference (contracts)
	SourceUsage         = "usage"          // usage above the plan (internal/usage, cp.av.9.4)
	SourceDeposit       = "deposit"        // a project's deposit (fo.av.16.1)
	SourceBalance       = "balance"        // a project's balance on acceptance (fo.av.16.1)
	SourceCharge        = "charge"         // IssueCharge: interest, collection costs
	SourceCredit        = "credit"         // a credit note line
)

// Party is a snapshot of one side of an invoice as it was at issue.
type Party struct {
	Name       string `json:"name"`
	Street     string `json:"street"`
	PostalCode string `json:"postal_code"`
	City       string `json:"city"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2
	KvK        string `json:"kvk,omitempty"`
	VATID      string `json:"vat_id,omitempty"`
	Email      string `json:"email,omitempty"`
	Kind       string `json:"kind,omitempty"` // consumer or business (customer only)
	Website    string `json:"website,omitempty"`
	IBAN       string `json:"iban,omitempty"` // provider only
	BIC        string `json:"bic,omitempty"`
}

// Line is one line of a document. Amount = Quantity × UnitPrice, excl. VAT.
type Line struct {
	Position    int         `json:"position"`
	Source      string      `json:"source"`
	SourceID    int64       `json:"source_id,omitempty"`
	Description string      `json:"description"`
	PeriodStart terms.Date  `json:"period_start,omitzero"`
	PeriodEnd   terms.Date  `json:"period_end,omitzero"` // inclusive
	Quantity    int64       `json:"quantity"`
	Unit        string      `json:"unit"` // UN/ECE rec 20: MON, ANN, C62
	UnitPrice   terms.Money `json:"unit_price"`
	Amount      terms.Money `json:"amount"`
	VATCategory string      `json:"vat_category"` // standard, reduced, zero, none
	VATRate     terms.Rate  `json:"vat_rate"`
}

// VATLine is the VAT of one rate on a document, rounded once per rate per document
// (DESIGN.md principle 7).
type VATLine struct {
	Code     string      `json:"code"` // UNCL5305: S, Z, AE, O
	Category string      `json:"category"`
	Rate     terms.Rate  `json:"rate"`
	Base     terms.Money `json:"base"`
	VAT      terms.Money `json:"vat"`
}

// Invoice is an issued invoice or credit note. Everything but the State fields is
// immutable once issued.
type Invoice struct {
	ID               int64              `json:"id"`
	DocType          DocType            `json:"doc_type"`
	Series           string             `json:"series"`
	Seq              int64              `json:"seq"`
	Number           string             `json:"number"`
	Reference        string             `json:"reference"` // structured payment reference (ISO 11649)
	OrgID            int64              `json:"org_id"`
	Pack             string             `json:"pack"`
	TermsVersion     string             `json:"terms_version"`
	CustomerKind     terms.CustomerKind `json:"customer_kind"`
	Lang             string             `json:"lang"`
	Currency         string             `json:"currency"`
	IssueDate        terms.Date         `json:"issue_date"`
	DueDate          terms.Date         `json:"due_date"`
	PeriodStart      terms.Date         `json:"period_start,omitzero"`
	PeriodEnd        terms.Date         `json:"period_end,omitzero"`
	VATScheme        string             `json:"vat_scheme"`
	VATCountry       string             `json:"vat_country"`
	TotalExcl        terms.Money        `json:"total_excl"`
	VAT              terms.Money        `json:"vat"`
	TotalIncl        terms.Money        `json:"total_incl"`
	CreditApplied    terms.Money        `json:"credit_applied"` // account credit set off at issue
	AmountDue        terms.Money        `json:"amount_due"`     // TotalIncl − CreditApplied
	CreditsInvoiceID int64              `json:"credits_invoice_id,omitempty"`
	CreditsNumber    string             `json:"credits_number,omitempty"`
	CreditsIssueDate terms.Date         `json:"credits_issue_date,omitzero"`
	Reason           string             `json:"reason,omitempty"`
	Customer         Party              `json:"customer"`
	Provider         Party              `json:"provider"`
	VATBreakdown     []VATLine          `json:"vat_breakdown"`
	Lines            []Line             `json:"lines,omitempty"`
	Explanation      terms.Explanation  `json:"explanation"`
	ContentHash      string             `json:"content_hash"`
	CreatedAt        time.Time          `json:"created_at"`
	State            State              `json:"state"`
	// Restricted: the customer's person was erased while fiscal law keeps the document
	// (AVG art. 17(3)(b), art. 18); Customer is shown anonymised (redact.go).
	Restricted bool `json:"-"`
	// Redacted: the fiscal period has passed and the customer party was removed
	// through a sealed redaction (redact.go).
	Redacted bool `json:"-"`
}

// State is the part of a document that changes after issue.
type State struct {
	Status    string      `json:"status"`
	Open      terms.Money `json:"open"`
	Paid      terms.Money `json:"paid"`
	Credited  terms.Money `json:"credited"`
	SettledOn terms.Date  `json:"settled_on,omitzero"`
}

// Errors callers can test for with errors.Is.
var (
	ErrNotFound = accounts.ErrNotFound
	// ErrProviderIncomplete: the provider's details lack what a Dutch invoice must show.
	ErrProviderIncomplete = errors.New("billing: the provider's legal name, address, KvK number and VAT id must be set before invoices are issued")
	// ErrAlreadyBilled: another run issued these items first; nothing was changed.
	ErrAlreadyBilled = errors.New("billing: already billed")
	// ErrPaymentConflict: a payment key (source, source_ref) was used for another invoice.
	ErrPaymentConflict = errors.New("billing: this payment was already applied to another invoice")
	// ErrImmutable: issued documents are never changed; issue a credit note instead.
	ErrImmutable = errors.New("billing: an issued invoice cannot be changed; issue a credit note")
	// ErrTampered: a stored document no longer matches its seal.
	ErrTampered = errors.New("billing: stored invoice does not match its content hash")
)

// InvalidError reports input a person can fix; nothing was changed.
type InvalidError = accounts.FieldErrors

func invalid(field, key string, args ...any) error {
	return accounts.FieldErrors{field: i18n.T(key, args...)}
}
