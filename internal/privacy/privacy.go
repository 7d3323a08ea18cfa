// Package privacy runs the provider's duties under the AVG (GDPR): as processor of its
// customers' data (cp.dpa, fo.dpa) — subprocessors with their objection window, breach
// notices, passing on data subject requests, destruction after the agreement — and as
// controller of its own customer data (cp.privacy) — data subject requests, the
// retention schedule and the register of processing. Periods come from the pack
// (terms.PrivacyTerms, the deadlines "subprocessor-objection" and the retention
// categories); each decision stores its explanation.
//
// Every package that holds personal data answers "what do you hold about this person"
// and "anonymise this person" through one interface, Holder; the app registers them
// in one list and a guard test fails when a table with personal-looking columns is
// covered by none of them and not exempted with a reason.
package privacy

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the privacy tables.
var Schema = store.SchemaFrom("privacy", migrations, "migrations")

// Recipient is where an organisation's mail goes, and in which language.
type Recipient struct {
	Email, Name, Lang string
}

// Customers gives an organisation's contact, in the caller's transaction.
type Customers interface {
	Contact(ctx context.Context, q store.Querier, orgID int64) (Recipient, error)
}

// Affected is a customer with running subscriptions of some kinds, or placed on some
// servers.
type Affected struct {
	OrgID         int64
	Subscriptions []int64
}

// Subscriptions finds the customers a subprocessor change affects: those with a
// subscription of one of kinds that runs on day (not ended, not pending).
type Subscriptions interface {
	RunningOfKinds(ctx context.Context, q store.Querier, kinds []string, day terms.Date) ([]Affected, error)
}

// Placements finds the customers whose services are placed on servers (a breach on a
// shared server).
type Placements interface {
	OnServers(ctx context.Context, q store.Querier, serverIDs []int64) ([]Affected, error)
}

// Deps are the service's collaborators.
type Deps struct {
	Pack          *terms.Pack
	Customers     Customers
	Subscriptions Subscriptions
	Placements    Placements
	// Holders answer for every package with personal data (the app's list).
	Holders []Holder
	// Retention are the sources of data the retention job deletes or anonymises.
	Retention []RetentionSource
	BaseURL   string
	Provider  string
	// ReplyDomain is the domain of the provider's mail; announcement replies come to
	// privacy@ReplyDomain and name the announcement's outbox row (notify's Message-ID).
	ReplyDomain string
	Logger      *slog.Logger
}

// Service is the privacy duties.
type Service struct {
	db  *store.DB
	clk clock.Clock
	d   Deps
	log *slog.Logger
	// failpoint, set by crash tests, fails the retention job at a named point.
	failpoint func(point string) error
}

// New returns the service.
func New(db *store.DB, clk clock.Clock, d Deps) *Service {
	if d.Pack == nil {
		panic("privacy: a policy pack is required")
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Provider == "" {
		d.Provider = d.Pack.Provider.LegalName
	}
	return &Service{db: db, clk: clk, d: d, log: d.Logger}
}

// Errors callers tell apart.
var (
	ErrNotFound = accounts.ErrNotFound
	// ErrLate: the objection window has passed (cp.dpa.6.2, fo.dpa.2.2).
	ErrLate = errors.New("privacy: the objection period has passed")
	// ErrHeld: a legal hold stops the deletion.
	ErrHeld = errors.New("privacy: a legal hold stops this deletion")
	// ErrIdentity: the requester's identity has not been checked (cp.privacy.rights.2).
	ErrIdentity = errors.New("privacy: the requester's identity has not been checked")
)

func invalid(field, key string, args ...any) error {
	return accounts.FieldErrors{field: i18n.T(key, args...)}
}

func (s *Service) now() time.Time                 { return store.Now(s.clk.Now()) }
func (s *Service) today() terms.Date              { return terms.DateIn(s.clk.Now(), clock.Amsterdam) }
func (s *Service) policy() (*terms.Policy, error) { return s.d.Pack.At(s.today()) }

func (s *Service) fail(point string) error {
	if s.failpoint == nil {
		return nil
	}
	return s.failpoint(point)
}

func actorFor(ctx context.Context, by accounts.Principal) context.Context {
	return accounts.ActorContext(ctx, by)
}

func record(ctx context.Context, q store.Querier, at time.Time, orgID int64, action, kind string, id any, summary string) error {
	return audit.Record(ctx, q, at, audit.Change{OrgID: orgID, Action: action, ObjectKind: kind, ObjectID: fmt.Sprint(id), Summary: summary})
}

func exJSON(ex terms.Explanation) string {
	if ex == nil {
		return "[]"
	}
	b, _ := json.Marshal(ex)
	return string(b)
}

func parseEx(record, s string) (terms.Explanation, error) {
	var ex terms.Explanation
	if s == "" {
		return nil, nil
	}
	if err := store.DecodeJSON(record, "explanation", s, &ex); err != nil {
		return nil, err
	}
	return ex, nil
}

func lang(l string) string {
	if l == "en" {
		return "en"
	}
	return "nl"
}

func notifyEnqueue(ctx context.Context, q store.Querier, now time.Time, key string, orgID int64, to Recipient, l, subject, body string) (int64, error) {
	id, err := notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: key, OrgID: orgID, To: to.Email, ToName: to.Name, Lang: l, Subject: subject, Text: body})
	if errors.Is(err, notify.ErrDuplicate) {
		return 0, nil
	}
	return id, err
}
