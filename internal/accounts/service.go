package accounts

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// CONTRACT: the exported signatures of this package are what the web layer calls; keep
// them (add, do not rename). The operations live beside their subject: session.go
// (sign-in), reset.go (passwords), totp.go (MFA), orgs.go, users.go, tokens.go.

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the accounts tables.
var Schema = store.SchemaFrom("accounts", migrations, "migrations")

// Config holds the knobs of authentication.
type Config struct {
	SessionTTL    string // e.g. "12h"; idle sessions expire after this
	BaseURL       string // for links in mails, e.g. http://127.0.0.1:8080
	TOTPIssuer    string // shown in authenticator apps
	ProviderName  string // shown in mails
	ResetTokenTTL string // e.g. "1h"

	// Argon2 is the password hashing cost; the zero value means DefaultArgon2.
	Argon2 Argon2Params
	// HashWorkers is how many argon2id computations (hashing or checking a password)
	// run at once; the others queue. 0 means as many as fit in 128 MiB at the Argon2
	// cost, at least one and at most one per core: one at DefaultArgon2.
	HashWorkers int

	// Keys is the secret key held outside the database, which seals TOTP secrets and
	// mail with one-time links. nil (tests) means a key of this process only.
	Keys *secrets.Keyring
	// Logger receives what cannot be returned to a caller (nil: slog's default).
	Logger *slog.Logger
}

const (
	defaultSessionTTL = 12 * time.Hour
	defaultResetTTL   = time.Hour
	// inviteTTL: a new user without a password gets a link to choose one; people do not
	// always read that mail within the hour a reset link lasts.
	inviteTTL = 7 * 24 * time.Hour
)

// Validate reports settings that cannot be parsed (New falls back to the defaults).
func (c Config) Validate() error {
	var errs []error
	for name, v := range map[string]string{"session TTL": c.SessionTTL, "reset token TTL": c.ResetTokenTTL} {
		if v == "" {
			continue
		}
		if d, err := time.ParseDuration(v); err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("accounts: %s %q is not a positive duration like 12h", name, v))
		}
	}
	return errors.Join(errs...)
}

// Service is the accounts API.
type Service struct {
	db    *store.DB
	clock clock.Clock
	cfg   Config

	sessionTTL time.Duration
	resetTTL   time.Duration
	argon      Argon2Params
	hashes     *hashQueue
	keys       *secrets.Keyring
	log        *slog.Logger
}

// New returns the accounts service.
func New(db *store.DB, clk clock.Clock, cfg Config) *Service {
	s := &Service{db: db, clock: clk, cfg: cfg,
		sessionTTL: parseTTL(cfg.SessionTTL, defaultSessionTTL),
		resetTTL:   parseTTL(cfg.ResetTokenTTL, defaultResetTTL),
		argon:      cfg.Argon2,
		log:        cfg.Logger,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.keys = cfg.Keys; s.keys == nil {
		s.keys = secrets.Ephemeral()
	}
	if s.argon == (Argon2Params{}) {
		s.argon = DefaultArgon2
	}
	s.hashes = newHashQueue(hashWorkers(cfg, s.argon), s.argon.Memory)
	if s.cfg.TOTPIssuer == "" {
		s.cfg.TOTPIssuer = "hostpact"
	}
	if s.cfg.ProviderName == "" {
		s.cfg.ProviderName = s.cfg.TOTPIssuer
	}
	return s
}

func parseTTL(v string, def time.Duration) time.Duration {
	if d, err := time.ParseDuration(v); err == nil && d > 0 {
		return d
	}
	return def
}

// LoginRequest is a sign-in attempt.
type LoginRequest struct {
	Email, Password, IP, UserAgent string
}

// TOTPEnrolment is a secret being set up: shown as a QR/otpauth URL until confirmed.
type TOTPEnrolment struct {
	Secret string
	URL    string // otpauth://…
}

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

// tx runs fn in a transaction whose audit entries name the principal as actor: whoever
// acts through an account is responsible for it (cp.av.3.7). The web layer's actor in
// ctx still supplies the address and user agent.
func (s *Service) tx(ctx context.Context, by Principal, fn func(ctx context.Context, q store.Querier) error) error {
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error { return fn(ctx, q) })
}

// ActorContext puts by in ctx as the actor of the audit entries written with it: staff
// or customer, and the customer acted for when a reseller acts (the web layer's actor
// in ctx still supplies address and user agent). Every package's service functions
// use it, so that an entry says the same "who" whichever package wrote it.
func ActorContext(ctx context.Context, by Principal) context.Context { return actorFor(ctx, by) }

func actorFor(ctx context.Context, by Principal) context.Context {
	a := ctxActor(ctx)
	a.ID, a.Label = by.User.ID, by.User.Email
	a.OnBehalfOf, a.OnBehalfOfLabel = 0, ""
	if by.Acting() {
		a.OnBehalfOf, a.OnBehalfOfLabel = by.Org.ID, by.Org.LegalName
	}
	a.Kind = audit.ActorCustomer
	if by.IsStaff() {
		a.Kind = audit.ActorStaff
	}
	return audit.WithActor(ctx, a)
}

// ctxActor returns the actor the web layer put in ctx, or an empty one.
func ctxActor(ctx context.Context) audit.Actor {
	a := audit.ActorFrom(ctx)
	if a == audit.System("unknown") {
		return audit.Actor{}
	}
	return a
}

// systemCtx is for the command line and the demo seeder: it keeps a system actor the
// caller named and otherwise records "cli".
func systemCtx(ctx context.Context) context.Context {
	if a := audit.ActorFrom(ctx); a.Kind == audit.ActorSystem && a.Label != "unknown" {
		return ctx
	}
	return audit.WithActor(ctx, audit.System("cli"))
}

func record(ctx context.Context, q store.Querier, at time.Time, orgID int64, action, kind string, id int64, summary string) error {
	objectID := ""
	if id != 0 {
		objectID = fmt.Sprint(id)
	}
	return audit.Record(ctx, q, at, audit.Change{OrgID: orgID, Action: action, ObjectKind: kind,
		ObjectID: objectID, Summary: summary})
}
