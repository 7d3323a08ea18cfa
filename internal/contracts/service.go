// Package contracts owns the life of an agreement: quotes (cp.av.2.1-2.6, fo.av.2.1-2.3), web
// orders, the contract (agreement) with its subscriptions, renewal, cancellation
// (cp.av.13.1-13.4, fo.av.20.1-20.3), consumer withdrawal (cp.av.13.9, cp.withdrawal.*), plan changes
// (cp.av.9.1), price increases (cp.av.4.3, fo.av.15.3-15.4), new versions of the terms
// (cp.av.18.2-18.3, fo.av.22.1-22.3), force majeure (cp.av.12.4, fo.av.18.3) and the end of a service
// with its deprovisioning and data deletion schedule.
//
// Every date, period and amount comes from the terms engine (package terms), and every
// decision stores the terms.Explanation that produced it, as JSON, next to the record,
// with an audit entry in the same transaction. Jobs (RenewDue, ApplyDue, EndDue,
// ProvisionPending) are idempotent: a renewal is a row keyed by (subscription, term), a
// mail has a dedupe key, and a state change is a conditional UPDATE.
//
// Authorization is decided here: staff by role (sales for quotes, price increases and
// terms versions; support records cancellations and withdrawals; admin everything),
// customers only within their own organisation — another organisation's ids answer
// accounts.ErrNotFound, and a read-only user may look but not cancel.
package contracts

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

//go:embed mail/*.txt
var mailFS embed.FS

// Schema holds the contracts tables. It references no other package's tables.
var Schema = store.SchemaFrom("contracts", migrations, "migrations")

var templates = notify.NewTemplates(mustSub(mailFS, "mail"))

// Customers reads an organisation as the acting principal may see it; the accounts
// service implements it.
type Customers interface {
	GetOrganisation(ctx context.Context, by accounts.Principal, id int64) (accounts.Organisation, error)
}

// Plans reads the catalog; the catalog service implements it.
type Plans interface {
	GetPlan(ctx context.Context, id int64) (catalog.Plan, error)
}

// Provisioner sets a service up and takes it down. It is called outside the
// database transaction, after the change is committed, and must be idempotent: a
// subscription whose provisioning failed is tried again by ProvisionPending.
type Provisioner interface {
	Provision(ctx context.Context, sub Subscription) error
	Deprovision(ctx context.Context, sub Subscription) error
}

// NoopProvisioner does nothing; the subscription is then simply marked active (or
// ended).
type NoopProvisioner struct{}

// Provision does nothing.
func (NoopProvisioner) Provision(context.Context, Subscription) error { return nil }

// Deprovision does nothing.
func (NoopProvisioner) Deprovision(context.Context, Subscription) error { return nil }

// Ledger tells contracts what was invoiced and paid for a subscription, which a
// withdrawal refunds (cp.av.13.9, A16); the billing service implements it through
// internal/app. q is the caller's transaction.
type Ledger interface {
	SubscriptionAccount(ctx context.Context, q store.Querier, subID int64) (Account, error)
}

// Account is what billing invoiced for one subscription and what of it was paid.
type Account struct {
	// Invoiced is the subscription's part of its invoices, including VAT, less credit
	// notes.
	Invoiced terms.Money
	// Paid is what of Invoiced the customer paid: payments and account credit set off
	// against the invoices, less what went back to the customer.
	Paid terms.Money
	// VATRate is the rate of the subscription's invoice lines (0 when none).
	VATRate terms.Rate
}

// ShownDocuments records, in the contract's transaction q, which published documents
// (the terms, the privacy statement, the withdrawal information or the DPA) the order
// showed and linked, with the hash of each version (art. 6:234 BW); the documents
// service implements it through internal/app.
type ShownDocuments interface {
	RecordShown(ctx context.Context, q store.Querier, contractID, orgID int64, consumer bool, lang string, on terms.Date) ([]ShownDocument, error)
}

// ShownDocument is a document version an order showed, as its confirmation links it.
type ShownDocument struct{ Title, Version, URL, Hash string }

// Deps are the collaborators of the service.
type Deps struct {
	Pack      *terms.Pack // the provider's terms
	Plans     Plans
	Customers Customers
	// Ledger: nil means nothing was ever invoiced or paid (a withdrawal refunds nothing).
	Ledger      Ledger
	Provisioner Provisioner // nil: NoopProvisioner
	BaseURL     string      // for links in mail, e.g. "https://portal.example/"
	Logger      *slog.Logger
	Documents   ShownDocuments // nil: no document versions are recorded
}

// Service is the contracts domain's operations.
type Service struct {
	db        *store.DB
	clock     clock.Clock
	pack      *terms.Pack
	plans     Plans
	customers Customers
	ledger    Ledger
	prov      Provisioner
	dnames    DomainNames
	baseURL   string
	log       *slog.Logger
	docs      ShownDocuments
	// objections, when set, answers whether an objection to a subprocessor gives a
	// subscription the right to end as of the change (BasisSubprocessor).
	objections SubprocessorObjections
}

// New returns the contracts service for one policy pack.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	if d.Pack == nil {
		panic("contracts: a policy pack is required")
	}
	if d.Provisioner == nil {
		d.Provisioner = NoopProvisioner{}
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, clock: clk, pack: d.Pack, plans: d.Plans, customers: d.Customers, ledger: d.Ledger, prov: d.Provisioner,
		baseURL: strings.TrimRight(d.BaseURL, "/"), log: d.Logger, docs: d.Documents}
}

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

// today is the calendar date in Europe/Amsterdam (INTERPRETATION.md, Time).
func (s *Service) today() terms.Date { return terms.DateIn(s.clock.Now(), clock.Amsterdam) }

func dateOf(t time.Time) terms.Date { return terms.DateIn(t, clock.Amsterdam) }

func (s *Service) policy(on terms.Date) (*terms.Policy, error) { return s.pack.At(on) }

// Errors callers can test for.
var (
	// ErrCustomerRefused: the provider refuses this customer (cp.av.2.6). The error
	// returned is a *RefusedError that names the pack's clauses.
	ErrCustomerRefused = fmt.Errorf("%w: the provider does not accept orders from this customer", accounts.ErrForbidden)
)

// RefusedError is ErrCustomerRefused with the clauses of the pack in force that let
// the provider refuse a customer (terms.Policy.RefusalClauses).
type RefusedError struct{ Clauses []string }

func (e *RefusedError) Error() string {
	return "the provider does not accept orders from this customer" + cites(e.Clauses)
}

func (e *RefusedError) Unwrap() error { return ErrCustomerRefused }

// refusedErr is the refusal as the customer is told it today.
func (s *Service) refusedErr() error {
	pol, err := s.policy(s.today())
	if err != nil {
		return err
	}
	return &RefusedError{Clauses: pol.RefusalClauses()}
}

// cites renders clause ids for a summary or message: " (cp.av.2.6)", or nothing when
// the terms name none.
func cites(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return " (" + terms.ClauseRef(ids) + ")"
}

// actorFor names the principal as the actor of the audit entries; the web layer's
// actor in ctx still supplies address and user agent.
func actorFor(ctx context.Context, by accounts.Principal) context.Context {
	return accounts.ActorContext(ctx, by)
}

func jobCtx(ctx context.Context, name string) context.Context { return audit.JobContext(ctx, name) }

func record(ctx context.Context, q store.Querier, at time.Time, orgID int64, action, kind string, id int64, summary string) error {
	return audit.Record(ctx, q, at, audit.Change{OrgID: orgID, Action: action, ObjectKind: kind, ObjectID: fmt.Sprint(id), Summary: summary})
}

// ---- customers ----

// customer is what a contract keeps of the organisation at conclusion.
type customer struct {
	ID      int64
	Kind    terms.CustomerKind
	Name    string
	Email   string
	Lang    string
	Country string
	VATID   string
}

func fromOrg(o accounts.Organisation) customer {
	c := customer{ID: o.ID, Kind: terms.Business, Name: o.LegalName, Email: o.Email, Lang: o.Language, VATID: o.VATID}
	if o.Kind == accounts.Consumer {
		c.Kind = terms.Consumer
	}
	if c.Lang != "en" {
		c.Lang = "nl"
	}
	c.Country = strings.ToUpper(o.BillingAddress.Country)
	if c.Country == "" {
		c.Country = strings.ToUpper(o.PostalAddress.Country)
	}
	if c.Country == "" {
		c.Country = "NL"
	}
	return c
}

func (s *Service) customer(ctx context.Context, by accounts.Principal, orgID int64) (customer, error) {
	if s.customers == nil {
		return customer{}, errors.New("contracts: no customer directory configured")
	}
	o, err := s.customers.GetOrganisation(ctx, by, orgID)
	if err != nil {
		return customer{}, err
	}
	if o.Disabled {
		return customer{}, accounts.ErrForbidden
	}
	return fromOrg(o), nil
}

func (s *Service) refused(ctx context.Context, q store.Querier, orgID int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM refused_customers WHERE org_id = $1`, orgID).Scan(&n)
	return n > 0, err
}

// RefuseCustomer records that the provider refuses a customer (cp.av.2.6); from then
// on the customer cannot order or accept a quote. Staff with the sales role.
func (s *Service) RefuseCustomer(ctx context.Context, by accounts.Principal, orgID int64, reason string) error {
	if err := by.Check(accounts.CustomerRefuse, accounts.OrgID(orgID)); err != nil {
		return err
	}
	if _, err := s.customer(ctx, by, orgID); err != nil {
		return err
	}
	if len(reason) > 2000 {
		return accounts.FieldErrors{"reason": i18n.T("contracts.most_2000_characters")}
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		res, err := q.ExecContext(ctx, `INSERT INTO refused_customers (org_id, reason, refused_by, refused_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (org_id) DO NOTHING`, orgID, reason, by.User.ID, now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return nil
		}
		pol, err := s.policy(dateOf(now))
		if err != nil {
			return err
		}
		return record(ctx, q, now, orgID, "customer.refuse", "organisation", orgID, "the provider refuses this customer"+cites(pol.RefusalClauses()))
	})
}

// AcceptCustomer lifts a refusal.
func (s *Service) AcceptCustomer(ctx context.Context, by accounts.Principal, orgID int64) error {
	if err := by.Check(accounts.CustomerRefuse, accounts.OrgID(orgID)); err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM refused_customers WHERE org_id = $1`, orgID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return nil
		}
		return record(ctx, q, s.now(), orgID, "customer.unrefuse", "organisation", orgID, "refusal of this customer lifted")
	})
}

// ---- helpers ----

func exJSON(ex terms.Explanation) string {
	if ex == nil {
		ex = terms.Explanation{}
	}
	b, _ := json.Marshal(ex) // cannot fail: steps are strings, and Money and Date always encode
	return string(b)
}

// parseEx decodes the explanation stored with record ("terms version 3"); a stored
// explanation that does not decode is a *store.CorruptError naming the record.
func parseEx(record, s string) (terms.Explanation, error) {
	var ex terms.Explanation
	err := store.DecodeJSON(record, "explanation", s, &ex)
	return ex, err
}

func joinClauses(ids []string) string { return strings.Join(ids, ", ") }

// termsErr turns a rule's input error into field errors a person can act on.
func termsErr(err error, field string) error {
	var ie *terms.InputError
	if errors.As(err, &ie) {
		return accounts.FieldErrors{field: i18n.Raw(ie.Msg)}
	}
	if errors.Is(err, terms.ErrNotInTerms) {
		return accounts.FieldErrors{field: i18n.From(err)}
	}
	return err
}

func validKey(fe accounts.FieldErrors, key string) {
	if l := len(strings.TrimSpace(key)); l < 8 || l > 200 {
		fe["idempotency_key"] = i18n.T("contracts.send_unique_key_8")
	}
}

func nullDate(d terms.Date) any {
	if d.IsZero() {
		return nil
	}
	return d.String()
}

// render fills a mail template and enqueues it; a duplicate dedupe key is no error.
func (s *Service) mail(ctx context.Context, q store.Querier, now time.Time, orgID int64, to, lang, name, dedupe string, data any) error {
	subject, body, err := templates.Render(name, lang, data)
	if err != nil {
		return err
	}
	_, err = notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: dedupe, OrgID: orgID, To: to, Lang: lang, Subject: subject, Text: body})
	if errors.Is(err, notify.ErrDuplicate) {
		return nil
	}
	return err
}
