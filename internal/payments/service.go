package payments

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the payments tables. It references no other package's tables.
var Schema = store.SchemaFrom("payments", migrations, "migrations")

// OpenItem is an invoice as the ledger (billing) reports it.
type OpenItem struct {
	InvoiceID int64
	OrgID     int64
	Number    string      // the invoice number, e.g. F2026-0004
	Open      terms.Money // the amount still to pay
	Reference string      // the structured payment reference (betalingskenmerk)
	IssueDate terms.Date
	// The customer as the invoice names it: who is told of a collection, in its language.
	Name, Email, Lang string
	// CollectionPending: a direct debit collects it; it is not paid until the
	// collection's settlement date has passed without a return.
	CollectionPending bool
}

// Refund is money billing owes a customer back (a withdrawal, an overpayment after
// termination), with the payments it came in with, newest first.
type Refund struct {
	ID           int64
	OrgID        int64
	Amount       terms.Money
	DueBy        terms.Date
	Status       string // open or sent
	Source       string // payment, credit_note
	CustomerName string
	Lang         string
	Origins      []RefundOrigin
}

// RefundOrigin is a payment (Source and SourceRef as ApplyPayment got them) whose
// money is being refunded.
type RefundOrigin struct {
	Source    string
	SourceRef string
	Amount    terms.Money
	On        terms.Date
}

// Ledger is what payments needs of the invoices and refunds; billing implements it
// (package billing/ledger adapts it). The Find methods return ErrNotFound
// (accounts.ErrNotFound) when no open invoice fits. Methods that take q run in the
// caller's transaction.
type Ledger interface {
	// Invoice returns the invoice with this id, whatever is still open on it (Open 0
	// once paid or credited); a credit note or an unknown id is ErrNotFound.
	Invoice(ctx context.Context, id int64) (OpenItem, error)
	// FindByPaymentReference returns the open invoice with this structured reference
	// (spaces removed).
	FindByPaymentReference(ctx context.Context, ref string) (OpenItem, error)
	// FindByInvoiceNumber returns the open invoice with this number; it is how a
	// transfer that names the invoice in its description is matched.
	FindByInvoiceNumber(ctx context.Context, number string) (OpenItem, error)
	// ApplyPayment books amount received on date on against the invoice, inside q, and
	// returns the part applied to it and the excess (an overpayment). It is idempotent
	// by (source, sourceRef): a second call returns the first call's result.
	ApplyPayment(ctx context.Context, q store.Querier, invoiceID int64, amount terms.Money, on terms.Date, source, sourceRef string) (applied, excess terms.Money, err error)
	// ReversePayment undoes the payment booked under (source, sourceRef), inside q.
	ReversePayment(ctx context.Context, q store.Querier, source, sourceRef string) error
	// MarkCollectionPending: a direct debit (ref) collects the invoice on on; it is
	// not paid until ApplyPayment books the collection after that day.
	MarkCollectionPending(ctx context.Context, q store.Querier, invoiceID int64, ref string, on terms.Date) error
	// EndCollectionPending: the collection came back before it was booked, or was
	// booked for less than was open; the invoice is open again.
	EndCollectionPending(ctx context.Context, q store.Querier, invoiceID int64, ref, why string) error
	// OpenRefunds lists the refunds not yet paid (open or sent), oldest due first;
	// Origins are not filled in.
	OpenRefunds(ctx context.Context) ([]Refund, error)
	// RefundForPayout returns an outstanding refund with its origins, inside q;
	// ErrNotFound once it is paid or cancelled.
	RefundForPayout(ctx context.Context, q store.Querier, id int64) (Refund, error)
	// MarkRefundSent and MarkRefundPaid record a payout, inside q; both idempotent.
	MarkRefundSent(ctx context.Context, q store.Querier, id int64, ref string) error
	MarkRefundPaid(ctx context.Context, q store.Querier, id int64, on terms.Date, ref string) error
}

// Sources of payments, as passed to the Ledger.
const (
	SourceBank        = "bank"    // a credit transfer on a bank statement; sourceRef is the entry key
	SourceDirectDebit = "sepa_dd" // a SEPA direct debit collection; sourceRef is its EndToEndId
	SourcePSPPrefix   = "psp:"    // an online payment; "psp:mollie", sourceRef is the provider's id
)

// Config is the provider's payment set-up.
type Config struct {
	// Creditor is the account and creditor identifier direct debits are collected to.
	Creditor Creditor
	// Accounts are the provider's other accounts whose statements may be imported;
	// the creditor's account is always one.
	Accounts []string
	// Providers are the online payment providers by name ("mollie", "demo").
	Providers map[string]Provider
	// OnlineProvider names the provider StartOnlinePayment uses; empty: the only one.
	OnlineProvider string
	// BaseURL is the portal's public address; webhooks go to BaseURL + WebhookPath(name).
	BaseURL string
	// Pack holds the rules payments asks: the direct debit pre-notification period,
	// collection offset and mandate expiry, and the warning before refund deadlines.
	Pack *terms.Pack
	// BillingStaff lists the staff to warn of refund deadlines (name, address).
	BillingStaff func(ctx context.Context) ([]StaffContact, error)
	Logger       *slog.Logger
}

// StaffContact is a staff member mail is sent to.
type StaffContact struct {
	ID    int64
	Name  string
	Email string
	Lang  string
}

// WebhookPath is where the web layer receives provider name's webhooks.
func WebhookPath(name string) string { return "/webhooks/payments/" + name }

// Service is the payments domain's operations.
type Service struct {
	db     *store.DB
	clock  clock.Clock
	ledger Ledger
	cfg    Config
	log    *slog.Logger
	hooks  testHooks
}

// testHooks let a test stop an operation at a point where a crash could hit it.
type testHooks struct {
	afterProviderRefund func() error // the provider refunded, nothing recorded yet
	afterRefundFile     func() error // the pain.001 file is stored, the refunds not marked sent yet
}

// New returns the payments service.
func New(db *store.DB, clk clock.Clock, ledger Ledger, cfg Config) *Service {
	if ledger == nil {
		panic("payments: a ledger is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	cfg.Creditor.IBAN = NormalizeIBAN(cfg.Creditor.IBAN)
	cfg.Creditor.BIC = strings.ToUpper(strings.TrimSpace(cfg.Creditor.BIC))
	cfg.Creditor.CreditorID = NormalizeCreditorID(cfg.Creditor.CreditorID)
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Service{db: db, clock: clk, ledger: ledger, cfg: cfg, log: cfg.Logger}
}

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

// today is the calendar date in Europe/Amsterdam (INTERPRETATION.md, Time).
func (s *Service) today() terms.Date { return terms.DateIn(s.clock.Now(), clock.Amsterdam) }

// policy returns the terms in force on d.
func (s *Service) policy(d terms.Date) (*terms.Policy, error) {
	if s.cfg.Pack == nil {
		return nil, errors.New("payments: no terms pack is configured")
	}
	return s.cfg.Pack.At(d)
}

// Errors callers can test for with errors.Is.
var (
	ErrNotFound  = accounts.ErrNotFound
	ErrForbidden = accounts.ErrForbidden
	// ErrWebhook: a webhook request that is not from the provider or not readable.
	ErrWebhook = errors.New("payments: webhook rejected")
	// ErrProvider: the payment provider failed or answered something unexpected.
	ErrProvider = errors.New("payments: payment provider error")
)

// FieldErrors is accounts.FieldErrors: a field name and a message a person can act on.
type FieldErrors = accounts.FieldErrors

// Page selects a page of a list (1-based; PerPage default 25, at most 100).
type Page struct {
	Page    int
	PerPage int
}

func (p Page) limits() (limit, offset int) {
	if p.PerPage < 1 {
		p.PerPage = 25
	}
	if p.PerPage > 100 {
		p.PerPage = 100
	}
	if p.Page < 1 {
		p.Page = 1
	}
	return p.PerPage, (p.Page - 1) * p.PerPage
}

// ---- authorization ----

// actorFor names the principal as the actor of the audit entries; the web layer's
// actor in ctx still supplies address and user agent.
func actorFor(ctx context.Context, by accounts.Principal) context.Context {
	return accounts.ActorContext(ctx, by)
}

func record(ctx context.Context, q store.Querier, at time.Time, orgID int64, action, kind string, id any, summary string) error {
	return audit.Record(ctx, q, at, audit.Change{OrgID: orgID, Action: action, ObjectKind: kind, ObjectID: fmt.Sprint(id), Summary: summary})
}

func dateOrZero(s string) terms.Date {
	d, err := terms.ParseDate(s)
	if err != nil {
		return terms.Date{}
	}
	return d
}

func jobCtx(ctx context.Context, name string) context.Context { return audit.JobContext(ctx, name) }
