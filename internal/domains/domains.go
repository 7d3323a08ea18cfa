// Package domains carries domain names through the product: a domain plan's
// subscription becomes a registration (or a transfer in) at the registry of its TLD,
// renews with the subscription, is cancelled at the registry when the subscription is
// (the scheduled delete at term end, cp.av.6.2, cp.av.6.6), and can be redeemed from
// quarantine for its last registrant by staff on the customer's request.
//
// The registry is reached through registry.Registry (EPP with SIDN's profile for .nl,
// issue 14). Every registry step is an operation row with an idempotency key, executed
// by domains.run one at a time per domain with a lease, as provision tasks are; every
// registry call is safe to repeat (the registry package promises so), and an operation
// is marked done only by the claim that ran it, so a run killed half-way is finished by
// the next without a second change at the registry.
//
// The subscription drives the domain: domains.run reads it and queues what follows
// from it (a later term renews, an end date schedules the delete, a withdrawn end date
// cancels it, an end for non-payment sends the registrant the registry's notice,
// cp.av.6.9, fo.av.10.6). domains.sync compares the registry's view with ours and
// stores poll messages before acknowledging them.
package domains

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
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/domains/registry"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the domain tables. It references no other package's tables.
var Schema = store.SchemaFrom("domains", migrations, "migrations")

// Connection is the registrar's login at one registry, as Dial needs it.
type Connection struct {
	ID          int64
	TLD         string
	Address     string // host:port of the registry's EPP service
	Username    string
	Credentials map[string]string // password, client certificate and key (PEM), …
	Enabled     bool
}

// Dialer opens a registry connection (the EPP client with the TLD's profile).
type Dialer func(ctx context.Context, c Connection) (registry.Registry, error)

// ZoneKeeper is told when a domain becomes active and when it leaves, so that its DNS
// zone follows (internal/dns). Both must be idempotent.
type ZoneKeeper interface {
	DomainActive(ctx context.Context, orgID int64, name string) error
	DomainGone(ctx context.Context, orgID int64, name string) error
}

// Customers reads an organisation (accounts.Service): the registrant's data and where
// mail goes.
type Customers interface {
	GetOrganisation(ctx context.Context, by accounts.Principal, id int64) (accounts.Organisation, error)
}

// Subscriptions reads a subscription (contracts.Service).
type Subscriptions interface {
	GetSubscription(ctx context.Context, by accounts.Principal, id int64) (contracts.Subscription, error)
}

// Settings are operational choices, not terms.
type Settings struct {
	MaxAttempts int           // a step is tried this often before it waits for staff
	Backoff     time.Duration // first wait after a failure; doubles up to MaxBackoff
	MaxBackoff  time.Duration
	Lease       time.Duration // a claimed step is held this long
	Batch       int           // steps per run
	Nameservers []string      // for new registrations; empty: the registry's default
}

// DefaultSettings are the operational defaults.
var DefaultSettings = Settings{MaxAttempts: 10, Backoff: time.Minute, MaxBackoff: 6 * time.Hour, Lease: 10 * time.Minute, Batch: 100}

// SystemPrincipal is who the jobs act as toward accounts and contracts.
var SystemPrincipal = accounts.Principal{User: accounts.User{ID: -1, Email: "domains@system", Roles: []accounts.Role{accounts.RoleSupport}}}

// Deps are the collaborators of the service.
type Deps struct {
	Keys          *secrets.Keyring
	Dial          Dialer // nil: no registry is reachable (operations wait)
	Customers     Customers
	Subscriptions Subscriptions
	Pack          *terms.Pack // the notice of a cancellation for non-payment (cp.av.6.9)
	Zones         ZoneKeeper  // nil: no DNS
	Settings      Settings
	BaseURL       string
	Provider      string
	Logger        *slog.Logger
}

// Service is the domains layer.
type Service struct {
	db       *store.DB
	clock    clock.Clock
	keys     *secrets.Keyring
	dial     Dialer
	custs    Customers
	subs     Subscriptions
	pack     *terms.Pack
	zones    ZoneKeeper
	set      Settings
	baseURL  string
	provider string
	log      *slog.Logger

	// failpoint, set by tests, is called at named points of the jobs; an error aborts
	// the job there as a crash would.
	failpoint func(point string) error
}

// New returns the domains service.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	if d.Keys == nil {
		panic("domains: the secret keys are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	def := DefaultSettings
	if d.Settings.MaxAttempts <= 0 {
		d.Settings.MaxAttempts = def.MaxAttempts
	}
	if d.Settings.Backoff <= 0 {
		d.Settings.Backoff = def.Backoff
	}
	if d.Settings.MaxBackoff <= 0 {
		d.Settings.MaxBackoff = def.MaxBackoff
	}
	if d.Settings.Lease <= 0 {
		d.Settings.Lease = def.Lease
	}
	if d.Settings.Batch <= 0 {
		d.Settings.Batch = def.Batch
	}
	return &Service{db: db, clock: clk, keys: d.Keys, dial: d.Dial, custs: d.Customers, subs: d.Subscriptions, pack: d.Pack,
		zones: d.Zones, set: d.Settings, baseURL: strings.TrimRight(d.BaseURL, "/"), provider: d.Provider, log: d.Logger}
}

// SetSubscriptions lets app hand over the contracts service once both exist (contracts
// holds this service as the Provisioner of domain plans).
func (s *Service) SetSubscriptions(sub Subscriptions) { s.subs = sub }

// SetZones lets app hand over the DNS service once it exists.
func (s *Service) SetZones(z ZoneKeeper) { s.zones = z }

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

func (s *Service) today() terms.Date { return terms.DateIn(s.clock.Now(), amsterdam()) }

func (s *Service) fail(point string) error {
	if s.failpoint != nil {
		return s.failpoint(point)
	}
	return nil
}

func jobCtx(ctx context.Context, name string) context.Context { return audit.JobContext(ctx, name) }

func record(ctx context.Context, q store.Querier, at time.Time, orgID int64, action string, id int64, summary string) error {
	return audit.Record(ctx, q, at, audit.Change{OrgID: orgID, Action: action, ObjectKind: "domain", ObjectID: fmt.Sprint(id), Summary: summary})
}

// Domain states in hostpact's view.
const (
	StatePending         = "pending"          // waiting for its registration
	StatePendingTransfer = "pending_transfer" // a transfer in is under way
	StateTransferFailed  = "transfer_failed"  // the registry refused the transfer (the customer may give another code)
	StateActive          = "active"
	StateScheduledDelete = "scheduled_delete" // cancelled at the registry for a date; withdrawable
	StateQuarantine      = "quarantine"       // deleted; only the last registrant can redeem it
	StateReleased        = "released"         // free for anyone again
	StateFailed          = "failed"           // a step failed for good; staff look
)

// States lists the states, for the staff filter.
var States = []string{StatePending, StatePendingTransfer, StateTransferFailed, StateActive, StateScheduledDelete, StateQuarantine, StateReleased, StateFailed}

// Modes: how the domain came to us.
const (
	ModeRegister = "register"
	ModeTransfer = "transfer"
)

// Op names a registry step.
type Op string

// The registry steps.
const (
	OpRegister       Op = "register"
	OpTransferIn     Op = "transfer_in"
	OpRenew          Op = "renew"
	OpScheduleDelete Op = "schedule_delete"
	OpCancelDelete   Op = "cancel_delete"
	OpRegistrarDel   Op = "registrar_cancel" // for non-payment, with the registrant's notice (cp.av.6.9)
	OpRestore        Op = "restore"
	OpContactUpdate  Op = "contact_update"
)

// Operation states.
const (
	OpQueued  = "queued"
	OpRunning = "running"
	OpDone    = "done"
	OpFailed  = "failed"
)

// Errors a caller acts on.
var (
	ErrNoRegistry = errors.New("domains: no registry connection for this extension")
	ErrTaken      = errors.New("domains: the name is not available")
)
