// Package dns keeps the DNS zones of the provider's customers on PowerDNS
// Authoritative (issue 14): a zone per registered domain or hosted domain with default
// records for its services, a record editor with validation per type and a preview of
// every change, DNSSEC on and off, and removal of the zone when the domain leaves.
//
// hostpact's table says which organisation holds which zone; the records themselves
// live only in PowerDNS (read through its API each time), so there is one truth for
// what the nameservers answer.
package dns

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/dns/pdns"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the DNS tables. It references no other package's tables.
var Schema = store.SchemaFrom("dns", migrations, "migrations")

// Origin says why a zone exists.
type Origin string

// The origins of zones.
const (
	OriginDomain  Origin = "domain"  // a domain registered through internal/domains
	OriginService Origin = "service" // the domain of a hosting or mail service
)

// Hosted is a hosting or mail service of an organisation as the default records need
// it: its domain and the addresses of the server it runs on.
type Hosted struct {
	Kind   string // "webhosting" or "email"
	Domain string
	IPv4   string // the server's IPv4 address (empty: none)
	IPv6   string // the server's IPv6 address (empty: none)
	// MailHost is the host name of the mail server (the MX target); empty: mail.<domain>
	// with the addresses above.
	MailHost string
}

// Hosting lists an organisation's hosting and mail services (internal/provision, through
// an adapter in internal/app).
type Hosting interface {
	HostedServices(ctx context.Context, orgID int64) ([]Hosted, error)
}

// Monitor registers a nameserver as a measured component (monitor.Service).
type Monitor interface {
	AddComponent(ctx context.Context, by accounts.Principal, serverID int64, in monitor.ComponentInput) (monitor.Component, error)
}

// Backend is what the service asks of a DNS server: the part of the PowerDNS API it
// uses (*pdns.Client, or the demo's stand-in).
type Backend interface {
	Ping(ctx context.Context) error
	Zone(ctx context.Context, name string) (pdns.Zone, error)
	CreateZone(ctx context.Context, z pdns.Zone) (pdns.Zone, error)
	PatchRRSets(ctx context.Context, zone string, sets []pdns.RRSet) error
	DeleteZone(ctx context.Context, zone string) error
	CryptoKeys(ctx context.Context, zone string) ([]pdns.CryptoKey, error)
	AddCryptoKey(ctx context.Context, zone string, k pdns.CryptoKey) (pdns.CryptoKey, error)
	DeleteCryptoKey(ctx context.Context, zone string, id int) error
	Rectify(ctx context.Context, zone string) error
}

// Customers finds an organisation (accounts.Service): a zone is made only for one that
// exists.
type Customers interface {
	GetOrganisation(ctx context.Context, by accounts.Principal, id int64) (accounts.Organisation, error)
}

// Deps are the collaborators of the service.
type Deps struct {
	Keys *secrets.Keyring
	// Customers: nil takes every organisation id as given.
	Customers Customers
	// Hosting: nil gives zones without service records.
	Hosting Hosting
	// Monitor: nil registers no components.
	Monitor Monitor
	Limits  Limits // zero: DefaultLimits
	// Timeout bounds one call to PowerDNS; zero: 10 seconds.
	Timeout time.Duration
	Logger  *slog.Logger
}

// Service keeps zones.
type Service struct {
	db      *store.DB
	clock   clock.Clock
	keys    *secrets.Keyring
	hosting Hosting
	custs   Customers
	monitor Monitor
	lim     Limits
	timeout time.Duration
	log     *slog.Logger
	// backendFor, when set by a test, replaces how a server's backend is made.
	backendFor func(Server) Backend
}

// New returns the DNS service.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	if d.Keys == nil {
		panic("dns: the secret keys are required")
	}
	if d.Limits.MaxTTL == 0 {
		d.Limits = DefaultLimits
	}
	if d.Timeout <= 0 {
		d.Timeout = 10 * time.Second
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{db: db, clock: clk, keys: d.Keys, hosting: d.Hosting, custs: d.Customers, monitor: d.Monitor, lim: d.Limits, timeout: d.Timeout, log: d.Logger}
}

// Limits are the editor's bounds.
func (s *Service) Limits() Limits { return s.lim }

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

func record(ctx context.Context, q store.Querier, at time.Time, orgID int64, action, kind string, id int64, summary string) error {
	return audit.Record(ctx, q, at, audit.Change{OrgID: orgID, Action: action, ObjectKind: kind, ObjectID: fmt.Sprint(id), Summary: summary})
}

// backendError turns what a DNS server answered into an error a person can act on;
// nothing was changed when the call failed.
func backendError(err error) error {
	if err == nil {
		return nil
	}
	var pe *pdns.Error
	if errors.As(err, &pe) {
		return &ServerError{Status: pe.Status, Message: pe.Message}
	}
	return &ServerError{Err: err}
}

// ServerError is a DNS server's refusal (Status and its Message) or its silence (Err).
type ServerError struct {
	Status  int
	Message string
	Err     error
}

func (e *ServerError) Error() string {
	if e.Err != nil {
		return "dns: server unreachable: " + e.Err.Error()
	}
	return fmt.Sprintf("dns: server refused (%d): %s", e.Status, e.Message)
}

func (e *ServerError) Unwrap() error { return e.Err }
