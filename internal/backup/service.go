// Package backup makes, keeps, restores and tests the backups of services (issue 15;
// cp.sla.backups.1-3, cp.security.backup.1-3, INTERPRETATION.md A05). Each backup
// server is one restic repository; each service is backed up once a day with the
// tag hp-service=<ref>, and the day's run is recorded once (backup_runs, unique per
// service and day). Which snapshots stay is the terms' rule
// (terms.Policy.BackupRetention), applied by forgetting exactly the other snapshots,
// so restic's keep-flags never decide. Customers ask for a restore of a day in the
// portal, staff for one that came in a ticket; a job restores it into the same
// service and mails the customer. Every calendar quarter a job restores a sample of
// services into a scratch directory and checks the files against the snapshot.
package backup

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the backup tables. It references no other package's tables.
var Schema = store.SchemaFrom("backup", migrations, "migrations")

// AddOns says whether an organisation bought backups for a VPS: an active
// subscription of catalog.KindVPSBackup of the same organisation for the same domain
// (the VPS's name), which is how the catalog's add-on links to its VPS
// (cp.sla.backups.3). app wires it to the contracts.
type AddOns interface {
	HasVPSBackup(ctx context.Context, orgID int64, domain string) (bool, error)
}

// Contact is someone who gets a mail.
type Contact struct{ Email, Name, Lang string }

// Staff gives the addresses of the staff who get backup alerts (the support role).
type Staff interface {
	SupportContacts(ctx context.Context, q store.Querier) ([]Contact, error)
}

// Customers gives the contact of an organisation, told when a restore is done.
type Customers interface {
	Contact(ctx context.Context, q store.Querier, orgID int64) (Contact, error)
}

// Settings are operational choices of the provider, not terms.
type Settings struct {
	// StaleAfter: staff's filter for services without a good backup that recently
	// (the backups are daily, cp.sla.backups.1; 36 h allows for one late run).
	StaleAfter time.Duration
	// Lease: how long a running backup or restore is held before another run takes it
	// over (a run that was killed).
	Lease time.Duration
	// MaxAttempts of one day's backup and of one restore before staff are alerted.
	MaxAttempts int
	// RestoreTestSample: how many services the quarterly restore test restores.
	RestoreTestSample int
	// Scratch is where the restore test writes (default: the system's temp dir).
	Scratch string
	// Batch: services per page of the daily job.
	Batch int
}

// DefaultSettings are the operational defaults.
var DefaultSettings = Settings{StaleAfter: 36 * time.Hour, Lease: 2 * time.Hour, MaxAttempts: 3, RestoreTestSample: 3, Batch: 200}

// SystemPrincipal is who the backup jobs act as: support staff.
var SystemPrincipal = accounts.Principal{User: accounts.User{ID: -1, Email: "backups@system", Roles: []accounts.Role{accounts.RoleSupport}}}

// Deps are the collaborators of the service.
type Deps struct {
	Keys *secrets.Keyring
	Pack *terms.Pack
	// Engine makes the backups; nil: restic from PATH.
	Engine Engine
	// Source says what of a service is backed up; nil: nothing can be, and runs fail
	// with a clear error that alerts staff.
	Source Source
	// Remote runs restic on the agent that holds a service's data; nil: every
	// service is backed up here with Engine and Source.
	Remote    Remote
	AddOns    AddOns
	Staff     Staff
	Customers Customers
	BaseURL   string
	Provider  string
	Settings  Settings
	Logger    *slog.Logger
}

// Service is the backup layer.
type Service struct {
	db        *store.DB
	clock     clock.Clock
	keys      *secrets.Keyring
	pack      *terms.Pack
	engine    Engine
	source    Source
	remote    Remote
	prov      Provisioning
	addOns    AddOns
	staff     Staff
	customers Customers
	baseURL   string
	provider  string
	set       Settings
	log       *slog.Logger

	// failpoint, when set by a test, is called at named points of the jobs; an error
	// aborts the job there as a crash would.
	failpoint func(point string) error
}

// New returns the backup service.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	if d.Keys == nil || d.Pack == nil {
		panic("backup: the secret keys and the pack are required")
	}
	if d.Engine == nil {
		d.Engine = Restic{}
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	def := DefaultSettings
	set := d.Settings
	if set.StaleAfter <= 0 {
		set.StaleAfter = def.StaleAfter
	}
	if set.Lease <= 0 {
		set.Lease = def.Lease
	}
	if set.MaxAttempts <= 0 {
		set.MaxAttempts = def.MaxAttempts
	}
	if set.RestoreTestSample <= 0 {
		set.RestoreTestSample = def.RestoreTestSample
	}
	if set.Batch <= 0 {
		set.Batch = def.Batch
	}
	if set.Scratch == "" {
		set.Scratch = filepath.Join(os.TempDir(), "hostpact-restore-test")
	}
	return &Service{db: db, clock: clk, keys: d.Keys, pack: d.Pack, engine: d.Engine, source: d.Source, remote: d.Remote, addOns: d.AddOns,
		staff: d.Staff, customers: d.Customers, baseURL: strings.TrimRight(d.BaseURL, "/"), provider: d.Provider, set: set, log: d.Logger}
}

// SetSource sets what is backed up (app, once the drivers' sources are known).
func (s *Service) SetSource(src Source) { s.source = src }

// Settings returns the operational settings in force.
func (s *Service) Settings() Settings { return s.set }

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

func (s *Service) fail(point string) error {
	if s.failpoint != nil {
		return s.failpoint(point)
	}
	return nil
}

func (s *Service) policy(d terms.Date) (*terms.Policy, error) {
	if p, err := s.pack.At(d); err == nil {
		return p, nil
	}
	return s.pack.Latest(), nil
}

func today(t time.Time) terms.Date { return terms.DateIn(t, clock.Amsterdam) }

func invalid(field, key string, args ...any) error {
	return accounts.FieldErrors{field: i18n.T(key, args...)}
}

func record(ctx context.Context, q store.Querier, at time.Time, orgID int64, action, kind string, id int64, summary string) error {
	return audit.Record(ctx, q, at, audit.Change{OrgID: orgID, Action: action, ObjectKind: kind, ObjectID: fmt.Sprint(id), Summary: summary})
}

func mayManage(by accounts.Principal) error {
	return by.Check(accounts.BackupManage, accounts.Provider)
}

// ErrNoBackups: the pack promises no backups (5online), so nothing is run.
var ErrNoBackups = errors.New("backup: the terms promise no backups")
