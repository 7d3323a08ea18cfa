// Package dunning follows an unpaid invoice through the steps the terms give it
// (INTERPRETATION.md, Payment; cp.av.14.1-14.7, fo.av.16.3-16.5.2): overdue the day
// after the due date; for a consumer the reminder that is the 14-day letter of art. 6:96
// lid 6 BW and states the collection costs that will be due (cp.av.14.7); default
// (cp.av.14.3, fo.av.16.4) with statutory interest and collection costs (cp.av.14.4);
// suspension of the customer's services after a warning (cp.av.3.8, fo.av.16.5.2);
// termination on continued default (cp.av.13.10, fo.av.20.4); and, when the invoice is
// paid, lifting the suspension and claiming the interest and costs through a charge
// invoice.
//
// Every date and amount comes from the terms engine (terms.Policy.Payment, Interest and
// CollectionCosts). What the terms leave open — whether to suspend and terminate
// automatically, the warning period and the termination delay — is the pack's dunning
// section, read through terms.Policy.Escalation.
//
// Each step is a row keyed by (invoice, step), taken in one transaction with its
// explanation (terms.Explanation as JSON), its audit entry, its mail (a dedupe key per
// invoice and step) and the suspension, termination or charge it causes. RunDue can run
// twice, on two instances at once, or again after a crash: every step happens once.
//
// Dunning reaches billing only through Invoices and contracts only through Suspender;
// it owns no other package's tables.
package dunning

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

//go:embed mail/*.txt
var mailFS embed.FS

// Schema holds the dunning tables.
var Schema = store.SchemaFrom("dunning", migrations, "migrations")

var templates = notify.NewTemplates(mustSub(mailFS, "mail"))

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err)
	}
	return sub
}

// OpenInvoice is an invoice as dunning needs it. Open is the amount still unpaid,
// including VAT; it is 0 once the invoice is paid.
type OpenInvoice struct {
	ID           int64
	OrgID        int64
	Number       string
	CustomerKind terms.CustomerKind
	Email        string
	Lang         string // nl or en
	InvoiceDate  terms.Date
	DueDate      terms.Date // as printed on the invoice, which prevails; zero when it states none
	Open         terms.Money
	Total        terms.Money
	// PackVersion names the version of the terms the invoice was issued under; empty
	// means the version in force on the invoice date.
	PackVersion string
}

// Payment is an amount applied to an invoice on a day.
type Payment struct {
	On     terms.Date
	Amount terms.Money
}

// Kinds of charge line.
const (
	ChargeInterest        = "interest"
	ChargeCollectionCosts = "collection_costs"
)

// ChargeLine is one line of a charge invoice. Neither kind carries VAT: interest is
// outside the scope of VAT and collection costs are charged without VAT on top
// (cp.av.14.4; the provider deducts VAT).
type ChargeLine struct {
	Kind        string // ChargeInterest or ChargeCollectionCosts
	Description string // in the customer's language
	Amount      terms.Money
	Explanation terms.Explanation
}

// Invoices is what dunning needs from billing.
type Invoices interface {
	// OpenInvoices lists invoices with an open amount as of a date.
	OpenInvoices(ctx context.Context, asOf terms.Date) ([]OpenInvoice, error)
	// Invoice returns one invoice with its current open amount (0 once paid).
	Invoice(ctx context.Context, id int64) (OpenInvoice, error)
	// Payments lists the payments applied to an invoice, oldest first.
	Payments(ctx context.Context, invoiceID int64) ([]Payment, error)
	// IssueCharge issues an invoice for interest and collection costs inside q, the
	// transaction of the dunning step, and returns its id.
	IssueCharge(ctx context.Context, q store.Querier, orgID int64, lines []ChargeLine, reason string) (invoiceID int64, err error)
}

// Suspender suspends and terminates an organisation's services; contracts.Service
// implements it. Suspend, Unsuspend and TerminateForDefault run inside the dunning
// step's transaction; ref names the hold ("invoice:123"), so one organisation can be
// held by several invoices. SyncSuspensions runs the provisioning hooks after commit.
type Suspender interface {
	Suspend(ctx context.Context, q store.Querier, orgID int64, ref string, ex terms.Explanation) (int, error)
	Unsuspend(ctx context.Context, q store.Querier, orgID int64, ref string) (int, error)
	TerminateForDefault(ctx context.Context, q store.Querier, orgID int64, ref string, endsOn terms.Date, ex terms.Explanation) (int, error)
	SyncSuspensions(ctx context.Context) error
}

// Steps an invoice goes through, in order.
const (
	StepOverdue   = "overdue"   // the day after the due date
	StepReminder  = "reminder"  // consumers: the 14-day letter (cp.av.14.7)
	StepDefault   = "default"   // in default; the notice warns of suspension
	StepSuspend   = "suspend"   // services suspended; the notice warns of termination
	StepTerminate = "terminate" // agreements terminated
	StepClaim     = "claim"     // staff claimed interest and costs before payment
	StepUnsuspend = "unsuspend" // paid: suspension lifted
	StepCharge    = "charge"    // paid: interest and collection costs charged
	StepSettled   = "settled"   // paid: dunning closed
)

// Deps are the collaborators of the service.
type Deps struct {
	Pack      *terms.Pack
	Invoices  Invoices
	Suspender Suspender // nil: no suspension or termination
	// Escalation overrides the terms' escalation (tests); nil: each invoice's terms
	// version decides (terms.Policy.Escalation).
	Escalation *terms.Escalation
	Logger     *slog.Logger
}

// Service runs dunning for one provider's terms.
type Service struct {
	db     *store.DB
	clock  clock.Clock
	pack   *terms.Pack
	inv    Invoices
	susp   Suspender
	policy *terms.Escalation // an override for tests; nil in production
	log    *slog.Logger
}

// New returns the dunning service.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	if d.Pack == nil || d.Invoices == nil {
		panic("dunning: a policy pack and invoices are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, clock: clk, pack: d.Pack, inv: d.Invoices, susp: d.Suspender, policy: d.Escalation, log: d.Logger}
}

// rules returns the escalation for an invoice under the terms version pol.
func (s *Service) rules(pol *terms.Policy) terms.Escalation {
	if s.policy != nil {
		return *s.policy
	}
	return pol.Escalation()
}

// Job returns the dunning job for the jobs runner.
func (s *Service) Job() jobs.Job {
	return jobs.Job{Name: "dunning", Every: time.Hour, Run: s.RunDue}
}

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

func dateOf(t time.Time) terms.Date { return terms.DateIn(t, clock.Amsterdam) }

// Errors callers can test for.
var (
	ErrNotFound = errors.New("dunning: no such invoice")
	ErrNotOpen  = errors.New("dunning: the invoice has no open amount")
)

func exJSON(ex terms.Explanation) string {
	if ex == nil {
		ex = terms.Explanation{}
	}
	b, _ := json.Marshal(ex) // cannot fail: steps are strings, and Money and Date always encode
	return string(b)
}

func nullDate(d terms.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

func refFor(invoiceID int64) string { return fmt.Sprintf("invoice:%d", invoiceID) }

func dedupeKey(invoiceID int64, step string) string {
	return fmt.Sprintf("dunning:%d:%s", invoiceID, step)
}

func fmtErr(inv int64, step string, err error) error {
	return fmt.Errorf("dunning: invoice %d, step %s: %w", inv, step, err)
}
