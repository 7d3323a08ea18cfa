// Package status keeps customers informed about the availability the SLA promises
// (cp.sla.availability.1): incidents with their updates and the outages they explain,
// planned maintenance announced the pack's maintenance.notice ahead to every customer it
// touches (cp.av.12.1, cp.av.12.2) and emergency maintenance recorded with its reason —
// both excluded from the SLA (cp.sla.exclusions.1), which MaintenanceFor gives the
// compensation package — and the public status page with its JSON, Atom feed and e-mail
// subscribers.
//
// Incidents open themselves: *Service implements monitor.Hooks, so a confirmed outage
// of a server that has services placed on it opens an incident (or joins the open one
// of that server). When the last outage of an automatic incident ends, the incident
// resolves itself with a "recovered" update; an incident staff opened or updated gets a
// "monitoring" update instead and staff resolve it, because they said something a
// recovery does not answer.
//
// The public page is served from a snapshot (Snapshot) rebuilt after every change made
// through this service and whenever it is older than a minute, so a request never
// touches the database.
package status

import (
	"context"
	"embed"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the status tables.
var Schema = store.SchemaFrom("status", migrations, "migrations")

// MonitorReader is what the status page needs of the monitor.
type MonitorReader interface {
	AllServers(ctx context.Context, q store.Querier) ([]monitor.Server, error)
	OutagesBetween(ctx context.Context, q store.Querier, from, to time.Time) ([]monitor.Outage, error)
	SubscriptionsOn(ctx context.Context, q store.Querier, serverIDs []int64) ([]monitor.Placement, error)
}

// Recipient is who at a customer organisation hears about maintenance.
type Recipient struct {
	Email string
	Name  string
	Lang  string
}

// Customers gives the contact of an organisation, in the transaction of the caller.
type Customers interface {
	Contact(ctx context.Context, q store.Querier, orgID int64) (Recipient, error)
}

// Deps is what the service needs.
type Deps struct {
	Pack      *terms.Pack
	Monitor   MonitorReader
	Customers Customers
	// Keys seals the subscribers' unsubscribe tokens, which every status mail carries.
	Keys    *secrets.Keyring
	BaseURL string // public URL of the portal, for links in mail
	Logger  *slog.Logger
}

// Service is the status page, incidents and maintenance.
type Service struct {
	db   *store.DB
	clk  clock.Clock
	d    Deps
	log  *slog.Logger
	base string

	snap     atomic.Pointer[Snapshot]
	dirty    atomic.Bool
	building atomic.Bool
	buildMu  sync.Mutex
}

// New returns the service.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	s := &Service{db: db, clk: clk, d: d, log: d.Logger, base: strings.TrimRight(d.BaseURL, "/")}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return s
}

// Impacts are how badly an incident touches services, mildest first.
var Impacts = []string{"minor", "major", "critical"}

// The states of an incident, in the order it normally passes them.
const (
	Investigating = "investigating"
	Identified    = "identified"
	Monitoring    = "monitoring"
	Resolved      = "resolved"
)

// States lists the incident states.
var States = []string{Investigating, Identified, Monitoring, Resolved}

// The kinds of maintenance.
const (
	Planned   = "planned"
	Emergency = "emergency"
)

// The SLA exclusion reasons MaintenanceFor gives (the keys of the pack's
// sla.exclusions).
const (
	ReasonAnnounced = "maintenance-announced"
	ReasonEmergency = "maintenance-emergency"
)

// FieldErrors are input problems by form field, with a message key each.
type FieldErrors = accounts.FieldErrors

func withActor(ctx context.Context, by accounts.Principal) context.Context {
	a := audit.ActorFrom(ctx)
	if a == audit.System("unknown") {
		a = audit.Actor{}
	}
	if a.Kind == audit.ActorSystem {
		return ctx
	}
	a.Kind, a.ID, a.Label = audit.ActorStaff, by.User.ID, by.User.Email
	return audit.WithActor(ctx, a)
}

func (s *Service) now() time.Time { return store.Now(s.clk.Now()) }

func (s *Service) policy(at time.Time) (*terms.Policy, error) {
	if s.d.Pack == nil {
		return nil, errors.New("status: no terms pack")
	}
	return s.d.Pack.At(terms.DateIn(at, clock.Amsterdam))
}

// or returns a, or b when a is empty: English text falls back to Dutch.
func or(a, b string) string {
	if strings.TrimSpace(a) == "" {
		return b
	}
	return a
}

// Text picks the language of a nl/en pair, English falling back to Dutch.
func Text(lang, nl, en string) string {
	if lang == "en" {
		return or(en, nl)
	}
	return nl
}

func idList(ids []int64) []int64 {
	out := make([]int64, 0, len(ids))
	seen := map[int64]bool{}
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
