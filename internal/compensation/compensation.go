// Package compensation keeps the SLA's promise in money: per subscription and calendar
// month the unavailable minutes D, the excluded minutes, the credit and its explanation
// (cp.sla.availability.1, cp.sla.compensation.2), frozen once after the month ends;
// corrections with a reason; exclusions and breaches recorded by staff
// (cp.sla.exclusions.1-8); claims (cp.sla.compensation.4) and, once approved, account credit
// in billing set off against future invoices only (cp.sla.compensation.5). Numbers and
// periods come from the pack (terms.Policy.Terms.SLA); measurements from the monitor,
// maintenance from the status package and overdue invoices from billing, each through a
// small interface of this package.
package compensation

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the SLA's tables.
var Schema = store.SchemaFrom("compensation", migrations, "migrations")

// Measurements is what the month needs of the monitor: the servers a subscription is
// placed on and every check of their components, as the calculator reads them.
type Measurements interface {
	ServersOf(ctx context.Context, q store.Querier, subscriptionID int64) ([]monitor.Server, error)
	ServiceChecks(ctx context.Context, q store.Querier, subscriptionID int64, from, to time.Time) ([]sla.Check, error)
}

// failureFinder is what a Measurements may add: whether any check of a subscription's
// servers failed within a window, asked before loading the checks themselves; and the
// same for many windows at once, asked by the customer's home (issue 16).
type failureFinder interface {
	ServiceFailed(ctx context.Context, q store.Querier, subscriptionID int64, from, to time.Time) (bool, error)
	ServicesFailed(ctx context.Context, q store.Querier, windows []monitor.FailureWindow) ([]bool, error)
}

// MaintenanceSource gives announced (in time) and emergency maintenance as exclusions
// (cp.sla.exclusions.1).
type MaintenanceSource interface {
	MaintenanceFor(ctx context.Context, q store.Querier, serverIDs []int64, from, to time.Time) ([]sla.Exclusion, error)
}

// BillingSource gives the overdue periods (cp.sla.exclusions.8, A03) and takes the
// approved credit.
type BillingSource interface {
	// times the organisation had an invoice past its due date and unpaid (A03)
	OverdueIntervals(ctx context.Context, q store.Querier, orgID int64, from, to time.Time) ([]billing.Span, error)
	GrantCredit(ctx context.Context, q store.Querier, orgID int64, amount terms.Money, source, sourceRef, description string) error
}

// Subscription is what a month needs of a subscription.
type Subscription struct {
	ID    int64
	OrgID int64
	Name  string
	// Kind is the pack's measurement kind (webhosting, email, vps, container, vpn), or ""
	// when the service's kind is not measured.
	Kind string
	SLA  bool
	// MonthlyFee or YearlyFee (one of them) excluding VAT (cp.sla.compensation.3).
	MonthlyFee terms.Money
	YearlyFee  terms.Money
	StartOn    terms.Date
	EndsOn     terms.Date // zero while it runs on
}

// SubscriptionSource reads subscriptions without a principal; compensation checks the
// caller itself.
type SubscriptionSource interface {
	Subscription(ctx context.Context, q store.Querier, id int64) (Subscription, error)
	// SLASubscriptions are the subscriptions with the guarantee that ran on a day in
	// [from, to); orgID 0 for every organisation.
	SLASubscriptions(ctx context.Context, q store.Querier, orgID int64, from, to terms.Date) ([]Subscription, error)
}

// Deps are the service's collaborators.
type Deps struct {
	Pack          *terms.Pack
	Monitor       Measurements
	Maintenance   MaintenanceSource // nil: no maintenance is excluded
	Billing       BillingSource
	Subscriptions SubscriptionSource
	// Customers, when set, receive a mail when their claim is decided.
	Customers Customers
	Logger    *slog.Logger
}

// Service is the SLA's month figures, exclusions, breaches, corrections and claims.
type Service struct {
	db  *store.DB
	clk clock.Clock
	d   Deps
	log *slog.Logger
	// failpoint, set by crash tests, fails the job at a named point.
	failpoint func(point string) error
}

// New returns the service.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	if d.Pack == nil {
		panic("compensation: a policy pack is required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, clk: clk, d: d, log: d.Logger}
}

// Errors callers tell apart.
var (
	ErrNotFound = accounts.ErrNotFound
	// ErrNoSLA: the subscription has no availability guarantee.
	ErrNoSLA = errors.New("compensation: the service has no availability guarantee")
	// ErrNotFrozen: the month's figure is not final yet.
	ErrNotFrozen = errors.New("compensation: the month's figure is not final yet")
	// ErrNoCredit: the month has no credit to claim.
	ErrNoCredit = errors.New("compensation: no credit is due for the month")
	// ErrLate: the claim window has passed (cp.sla.compensation.4).
	ErrLate = errors.New("compensation: the claim window has passed")
	// ErrClaimed: the month was claimed already.
	ErrClaimed = errors.New("compensation: the month was claimed already")
	// ErrDecided: the claim was decided already.
	ErrDecided = errors.New("compensation: the claim was decided already")
)

func invalid(field, key string, args ...any) error {
	return accounts.FieldErrors{field: i18n.T(key, args...)}
}

func (s *Service) now() time.Time { return store.Now(s.clk.Now()) }

func (s *Service) fail(point string) error {
	if s.failpoint == nil {
		return nil
	}
	return s.failpoint(point)
}

func (s *Service) inTx(ctx context.Context, fn func(q store.Querier) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("compensation: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("compensation: commit: %w", err)
	}
	return nil
}

// actorFor puts the principal in ctx as the audit actor.
func actorFor(ctx context.Context, by accounts.Principal) context.Context {
	return accounts.ActorContext(ctx, by)
}

func jobCtx(ctx context.Context, name string) context.Context { return audit.JobContext(ctx, name) }

func record(ctx context.Context, q store.Querier, at time.Time, orgID int64, action, kind string, id any, summary string) error {
	return audit.Record(ctx, q, at, audit.Change{OrgID: orgID, Action: action, ObjectKind: kind, ObjectID: fmt.Sprint(id), Summary: summary})
}

// policy is the version of the terms in force on the month's first day, or, for the
// month in which the first version took effect, on its last day.
func (s *Service) policy(m sla.Month) (*terms.Policy, error) {
	iv := m.Interval()
	if p, err := s.d.Pack.At(terms.DateIn(iv.From, clock.Amsterdam)); err == nil {
		return p, nil
	}
	return s.d.Pack.At(terms.DateIn(iv.To.Add(-time.Second), clock.Amsterdam))
}

// ParseMonth reads YYYY-MM.
func ParseMonth(str string) (sla.Month, error) {
	t, err := time.Parse("2006-01", str)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		return sla.Month{}, invalid("month", "compensation.give_month_like_2026")
	}
	return sla.Month{Year: t.Year(), Month: t.Month()}, nil
}
