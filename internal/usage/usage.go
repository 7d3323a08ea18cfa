// Package usage meters what customers' services use and applies the terms' limits to
// it (cp.av.5.11, cp.av.9.1-9.4; fo.av.12.1-12.4; INTERPRETATION "Limits and fair use").
//
// Samples come from the provisioning drivers (the usage.collect job) and from a
// provider's own collectors through POST /api/v1/usage. Each carries an idempotency key:
// a repeated delivery changes nothing. Counters (traffic, CPU time) count up; a value
// below the one before starts a new counter run, and a month's figure is the sum of the
// increases. Gauges (disk, mailbox, database, memory) count as the month's highest value.
// The monthly aggregate per service and metric is folded from the samples (Fold), so the
// decisions that use it (a warning at 80% and 100% of the plan, the overage charge,
// the fair-use test) read one row and keep it as their evidence.
//
// Months are calendar months in Europe/Amsterdam; an increase between two samples
// counts in the month of the later one.
package usage

import (
	"context"
	"embed"
	"errors"
	"log/slog"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the usage tables.
var Schema = store.SchemaFrom("usage", migrations, "migrations")

// Metric is what a sample measures.
type Metric string

// The metrics. Amounts are bytes, except CPU (milliseconds of CPU time).
const (
	Disk       Metric = "disk"        // gauge: the service's disk use
	Mailbox    Metric = "mailbox"     // gauge: mailbox size
	Database   Metric = "database"    // gauge: database size
	Memory     Metric = "memory"      // gauge: container memory
	CPU        Metric = "cpu"         // counter: container CPU time in ms
	TrafficIn  Metric = "traffic_in"  // counter: inbound bytes
	TrafficOut Metric = "traffic_out" // counter: outbound bytes
	Traffic    Metric = "traffic"     // counter: both directions, from meters that do not split them
	VPNTraffic Metric = "vpn_traffic" // counter: VPN bytes, per day and location only (cp.privacy VPN)
)

// Metrics lists every metric in display order.
var Metrics = []Metric{TrafficIn, TrafficOut, Traffic, VPNTraffic, Disk, Mailbox, Database, Memory, CPU}

// Counter reports whether m counts up (its month is the sum of increases) rather than
// being a level (its month is the highest value).
func (m Metric) Counter() bool {
	switch m {
	case CPU, TrafficIn, TrafficOut, Traffic, VPNTraffic:
		return true
	}
	return false
}

// Valid reports whether m is a known metric.
func (m Metric) Valid() bool {
	for _, x := range Metrics {
		if x == m {
			return true
		}
	}
	return false
}

// trafficMetrics add up to the month's data traffic: inbound plus outbound
// (cp.av.9.3), whichever way the meter reports them.
var trafficMetrics = []Metric{TrafficIn, TrafficOut, Traffic, VPNTraffic}

// Sample is one measurement of one metric of one service.
type Sample struct {
	Key        string    `json:"key"` // idempotency key, unique per delivery
	ServiceID  int64     `json:"service_id"`
	Metric     Metric    `json:"metric"`
	Value      int64     `json:"value"`
	MeasuredAt time.Time `json:"measured_at"`
}

// Metered is what usage needs of a service: whose it is, its plan and that plan's
// limits, and whether it runs.
type Metered struct {
	ServiceID      int64
	OrgID          int64
	SubscriptionID int64
	PlanID         int64
	PlanName       string
	Kind           string
	Name           string
	Active         bool // active or suspended: metered; terminated or deleted: not
	// Limits: nil means the plan states no limit (never a number for "unlimited").
	StorageMB *int64
	TrafficGB *int64
}

// Directory finds the metered facts of a service; accounts.ErrNotFound when it does not
// exist.
type Directory interface {
	MeteredService(ctx context.Context, serviceID int64) (Metered, error)
}

// Meter is what the collector asks: the services that run, and what one uses now
// through its provisioning driver.
type Meter interface {
	// Running returns the services to meter (active or suspended), never terminated
	// or deleted ones.
	Running(ctx context.Context) ([]Metered, error)
	Measure(ctx context.Context, serviceID int64) (driver.Usage, error)
}

// Recipient is where an organisation's mail goes.
type Recipient struct{ Email, Name, Lang string }

// Customers gives an organisation's contact in the caller's transaction.
type Customers interface {
	Contact(ctx context.Context, q store.Querier, orgID int64) (Recipient, error)
}

// Measures carry out a fair-use measure (fo.av.12.4) in the provisioning and
// contracts services; nil fields are measures this installation cannot take.
type Measures interface {
	// Block suspends the service (provisioning's staff suspension).
	Block(ctx context.Context, by accounts.Principal, serviceID int64, note string) error
	// Convert moves the subscription to another plan of the same product; a raise
	// applies at once, a reduction at the end of the term (contracts).
	Convert(ctx context.Context, by accounts.Principal, subscriptionID, planID int64) error
}

// Deps are the collaborators of the service.
type Deps struct {
	Pack      *terms.Pack
	Directory Directory
	Meter     Meter
	Customers Customers
	Measures  Measures
	// Plans gives the plans a subscription can be raised to (cp.av.9.1); without it a
	// raise is billed at the published price instead.
	Plans    Plans
	BaseURL  string
	Provider string
	// FoldLater leaves the monthly aggregates to the usage.fold job: a delivery only
	// inserts its samples. Without it each delivery folds before it returns, so its
	// figures and warnings are there at once (tests, small installations).
	FoldLater bool
	Logger    *slog.Logger
}

// Service is the usage domain's operations.
type Service struct {
	db    *store.DB
	clock clock.Clock
	d     Deps

	// failpoint, when set (tests), is called at named points of the collector; an
	// error it returns aborts there as a crash would.
	failpoint func(point string) error
}

// New returns the usage service.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	if d.Pack == nil {
		panic("usage: a policy pack is required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, clock: clk, d: d}
}

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

func (s *Service) fail(point string) error {
	if s.failpoint == nil {
		return nil
	}
	return s.failpoint(point)
}

func (s *Service) policy(at time.Time) (*terms.Policy, error) {
	return s.d.Pack.At(terms.DateIn(at, clock.Amsterdam))
}

// MonthOf is the calendar month (Europe/Amsterdam) t falls in, as "2026-03".
func MonthOf(t time.Time) string { return t.In(clock.Amsterdam).Format("2006-01") }

// monthStart is the first moment of month m in Europe/Amsterdam.
func monthStart(m string) (time.Time, error) {
	return time.ParseInLocation("2006-01", m, clock.Amsterdam)
}

func actorFor(ctx context.Context, by accounts.Principal) context.Context {
	a := audit.ActorFrom(ctx)
	if a == audit.System("unknown") {
		a = audit.Actor{}
	}
	a.Kind, a.ID, a.Label = audit.ActorStaff, by.User.ID, by.User.Email
	if !by.IsStaff() {
		a.Kind = audit.ActorCustomer
	}
	return audit.WithActor(ctx, a)
}

// ErrInvalid is returned (wrapped in a BatchError) when samples were refused.
var ErrInvalid = errors.New("usage: invalid samples")
