package monitor

import (
	"context"
	"embed"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the monitoring tables.
var Schema = store.SchemaFrom("monitor", migrations, "migrations")

// AlertConfig says where staff alerts go and how they are damped. The numbers are the
// provider's operational settings, not terms.
type AlertConfig struct {
	// Webhook receives every alert as a JSON POST (optional).
	Webhook string
	// MailTo receives every alert by mail; empty: Staff's support addresses.
	MailTo []string
	// RecoverAfter: a recovery alert goes out once a component has been up this long,
	// so that a component that fails again at once does not page twice.
	RecoverAfter time.Duration
	// More than FlapCount outages of one component within FlapWindow is flapping: one
	// alert, then none for it until it has been quiet for FlapWindow.
	FlapWindow time.Duration
	FlapCount  int
}

// Contact is a staff member who gets alerts, in their language (nl or en).
type Contact struct{ Email, Lang string }

// StaffDirectory gives the addresses of the staff who get alerts by mail when
// AlertConfig.MailTo is empty (app wires it to the support role's users).
type StaffDirectory interface {
	SupportContacts(ctx context.Context, q store.Querier) ([]Contact, error)
}

// Deps are what the service needs besides the database and the clock.
type Deps struct {
	Pack   *terms.Pack
	Keys   *secrets.Keyring
	Hooks  Hooks          // may be nil
	Staff  StaffDirectory // may be nil
	Logger *slog.Logger
	Alerts AlertConfig
	// HTTPClient posts webhooks; nil: a client with a 10-second timeout.
	HTTPClient *http.Client
}

// Service keeps servers, components, placements, results and outages.
type Service struct {
	db     *store.DB
	clock  clock.Clock
	pack   *terms.Pack
	keys   *secrets.Keyring
	hooks  Hooks
	staff  StaffDirectory
	log    *slog.Logger
	alerts AlertConfig
	client *http.Client

	// failpoint, when set by a test, is called at named points of the jobs; an error
	// aborts the job there as a crash would.
	failpoint func(point string) error
}

var _ Store = (*Service)(nil)

// New returns the monitoring service.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	if d.Pack == nil || d.Keys == nil {
		panic("monitor: a policy pack and the secret keys are required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.HTTPClient == nil {
		d.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Service{db: db, clock: clk, pack: d.Pack, keys: d.Keys, hooks: d.Hooks, staff: d.Staff,
		log: d.Logger, alerts: d.Alerts, client: d.HTTPClient}
}

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

func (s *Service) fail(point string) error {
	if s.failpoint != nil {
		return s.failpoint(point)
	}
	return nil
}

// rules are the pack's measurement readings in force at t (sla.measurement). A pack
// without an availability guarantee still has its components measured for staff; its
// results are then confirmed by one failure and a gap is three check intervals, which
// is a storage choice and no term (it decides nothing for a customer).
func (s *Service) rules(t time.Time) (sla.Rules, error) {
	pol, err := s.pack.At(terms.DateIn(t, clock.Amsterdam))
	if err != nil {
		return sla.Rules{}, err
	}
	m := pol.Terms.SLA.Measurement
	return sla.Rules{
		ConfirmFailures: max(m.ConfirmFailures, 1),
		MaxCheckGap:     time.Duration(m.MaxCheckGapMinutes) * time.Minute,
		Components:      m.Components,
		AllTargetsDown:  m.AllTargetsDown,
		Clauses:         m.Clauses,
		Reading:         m.Reading,
	}, nil
}

// gapFor is the longest distance between two checks of a run of a component checked
// every interval.
func gapFor(r sla.Rules, interval time.Duration) time.Duration {
	if r.MaxCheckGap > 0 {
		return r.MaxCheckGap
	}
	return 3 * interval
}

func staffActor(ctx context.Context, by accounts.Principal) context.Context {
	a := audit.ActorFrom(ctx)
	if a == audit.System("unknown") {
		a = audit.Actor{}
	}
	a.Kind, a.ID, a.Label = audit.ActorStaff, by.User.ID, by.User.Email
	return audit.WithActor(ctx, a)
}

func mayRead(by accounts.Principal) error { return by.Check(accounts.MonitorRead, accounts.Provider) }
func mayManage(by accounts.Principal) error {
	return by.Check(accounts.MonitorManage, accounts.Provider)
}

func record(ctx context.Context, q store.Querier, at time.Time, action, kind string, id int64, orgID int64, summary string) error {
	return audit.Record(ctx, q, at, audit.Change{OrgID: orgID, Action: action, ObjectKind: kind, ObjectID: fmt.Sprint(id), Summary: summary})
}
