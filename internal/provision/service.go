package provision

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the provisioning tables. It references no other package's tables.
var Schema = store.SchemaFrom("provision", migrations, "migrations")

// Placer records which monitor server measures a subscription (monitor.Service).
type Placer interface {
	Place(ctx context.Context, by accounts.Principal, subscriptionID, orgID, serverID int64) error
}

// Plans reads the catalog (catalog.Service).
type Plans interface {
	GetPlan(ctx context.Context, id int64) (catalog.Plan, error)
}

// Deletions lists the services whose data the terms say must now be deleted and
// records that they were (contracts.Service); the retention period is the terms',
// never this package's (cp.av.13.6, INTERPRETATION.md "Retention").
type Deletions interface {
	DueDeletions(ctx context.Context, now time.Time) ([]contracts.DueDeletion, error)
	DeletionDone(ctx context.Context, subscriptionID int64) error
}

// Settings are operational choices of the provider, not terms.
type Settings struct {
	// MaxAttempts a task is tried before it fails and waits for staff.
	MaxAttempts int
	// Backoff is the wait after the first failed attempt; it doubles with every
	// further one, up to MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
	// Lease is how long a running task is held before another run may take it over
	// (a run that was killed).
	Lease time.Duration
	// Batch is the most tasks one run executes.
	Batch int
}

// DefaultSettings are the operational defaults.
var DefaultSettings = Settings{MaxAttempts: 8, Backoff: time.Minute, MaxBackoff: 6 * time.Hour, Lease: 10 * time.Minute, Batch: 100}

// SystemPrincipal is who the provisioning jobs act as toward other services (the
// monitor's placements): support staff, which runs the platform.
var SystemPrincipal = accounts.Principal{User: accounts.User{ID: -1, Email: "provisioning@system", Roles: []accounts.Role{accounts.RoleSupport}}}

// Deps are the collaborators of the service.
type Deps struct {
	Keys *secrets.Keyring
	// Types is the registry of driver types servers can be of.
	Types []driver.Type
	Plans Plans
	// Monitor: nil places nothing.
	Monitor Placer
	// Deletions: nil deletes nothing (see SetDeletions).
	Deletions Deletions
	// System is who jobs act as; zero: SystemPrincipal.
	System   accounts.Principal
	Settings Settings // zero fields: DefaultSettings
	// Customers: nil mails nobody. BaseURL and Provider (its legal name) go into the
	// mails that say a service is ready or has new credentials.
	Customers Customers
	BaseURL   string
	Provider  string
	Logger    *slog.Logger
}

// Service is the provisioning layer.
type Service struct {
	db        *store.DB
	clock     clock.Clock
	keys      *secrets.Keyring
	types     map[string]driver.Type
	typeNames []string
	plans     Plans
	monitor   Placer
	deletions Deletions
	system    accounts.Principal
	set       Settings
	log       *slog.Logger
	customers Customers
	baseURL   string
	provider  string

	// failpoint, when set by a test, is called at named points of the jobs; an error
	// aborts the job there as a crash would.
	failpoint func(point string) error
}

// New returns the provisioning service.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	if d.Keys == nil {
		panic("provision: the secret keys are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.System.User.ID == 0 {
		d.System = SystemPrincipal
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
	s := &Service{db: db, clock: clk, keys: d.Keys, types: map[string]driver.Type{}, plans: d.Plans, monitor: d.Monitor,
		deletions: d.Deletions, system: d.System, set: d.Settings, log: d.Logger,
		customers: d.Customers, baseURL: strings.TrimRight(d.BaseURL, "/"), provider: d.Provider}
	for _, t := range d.Types {
		if _, dup := s.types[t.Name]; dup || t.Name == "" || t.New == nil {
			panic(fmt.Sprintf("provision: driver type %q registered twice or incomplete", t.Name))
		}
		s.types[t.Name] = t
		s.typeNames = append(s.typeNames, t.Name)
	}
	slices.Sort(s.typeNames)
	return s
}

// SetDeletions lets the service delete data the contracts service schedules; app calls
// it once both exist (contracts holds the service as its Provisioner).
func (s *Service) SetDeletions(d Deletions) { s.deletions = d }

// Types lists the registered driver types by name.
func (s *Service) Types() []driver.Type {
	out := make([]driver.Type, 0, len(s.typeNames))
	for _, n := range s.typeNames {
		out = append(out, s.types[n])
	}
	return out
}

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

func (s *Service) fail(point string) error {
	if s.failpoint != nil {
		return s.failpoint(point)
	}
	return nil
}

func actorFor(ctx context.Context, by accounts.Principal) context.Context {
	return accounts.ActorContext(ctx, by)
}

func jobCtx(ctx context.Context, name string) context.Context { return audit.JobContext(ctx, name) }

func record(ctx context.Context, q store.Querier, at time.Time, orgID int64, action, kind string, id int64, summary string) error {
	return audit.Record(ctx, q, at, audit.Change{OrgID: orgID, Action: action, ObjectKind: kind, ObjectID: fmt.Sprint(id), Summary: summary})
}

func mayRead(by accounts.Principal) error { return by.Check(accounts.ProvisionRead, accounts.Provider) }
func mayManage(by accounts.Principal) error {
	return by.Check(accounts.ProvisionManage, accounts.Provider)
}
