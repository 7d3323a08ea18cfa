// Package signup lets a visitor become a customer without staff (issue 9, storefront):
// the visitor gives their details, confirms the e-mail address with a one-time link,
// chooses a password and lands in the portal's checkout with the plan they chose.
//
// The package owns the pending sign-ups. Whatever concerns the customer records is
// asked of internal/accounts (validation, existing customers with the same details,
// the sealed mail, creating the organisation) and of internal/contracts (refusals).
//
// Refused customers (cp.av.2.6): a sign-up is refused when an organisation the
// provider refuses shares one of these details with it: the e-mail address (the
// organisation's or any of its users'), the KvK number, the VAT id, or the postal
// address (postal code and street with number, ignoring case, spaces and
// punctuation). The IBAN is not asked at sign-up, so it cannot be compared; a
// direct-debit mandate comes later, under the customer's account. The check runs when
// the sign-up starts and again when the link is used (a refusal may come in between).
// The visitor is told plainly that the provider does not accept the sign-up, not
// which detail matched.
package signup

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the pending sign-ups.
var Schema = store.SchemaFrom("signup", migrations, "migrations")

// Accounts is what the sign-up needs of internal/accounts.
type Accounts interface {
	MatchingOrganisations(ctx context.Context, q store.Querier, in accounts.OrganisationInput) ([]int64, error)
	EmailTaken(ctx context.Context, q store.Querier, email string) (bool, error)
	MailSignUpLink(ctx context.Context, q store.Querier, now time.Time, to, name, lang, link string, validFor time.Duration) error
	CreateSignedUp(ctx context.Context, in accounts.OrganisationInput, admin accounts.UserInput, ip string,
		within func(ctx context.Context, q store.Querier) error) (accounts.Organisation, error)
}

// Refusals is what the sign-up needs of internal/contracts.
type Refusals interface {
	AnyRefused(ctx context.Context, q store.Querier, orgIDs []int64) (bool, error)
}

// Config holds the sign-up's settings.
type Config struct {
	BaseURL string // the link in the mail is BaseURL + /signup/verify?token=…
	// LinkTTL is how long the link works; zero: 24 hours.
	LinkTTL time.Duration
	// PerAddress is how many sign-ups one e-mail address may start per day; zero: 3.
	// With the web's per-IP limit and the proof of work it keeps the form from being
	// used to flood someone's mailbox.
	PerAddress int
}

// Service runs sign-ups.
type Service struct {
	db       *store.DB
	clock    clock.Clock
	acc      Accounts
	refusals Refusals
	cfg      Config
}

// New returns the sign-up service.
func New(db *store.DB, clk clock.Clock, acc Accounts, refusals Refusals, cfg Config) *Service {
	if cfg.LinkTTL <= 0 {
		cfg.LinkTTL = 24 * time.Hour
	}
	if cfg.PerAddress <= 0 {
		cfg.PerAddress = 3
	}
	return &Service{db: db, clock: clk, acc: acc, refusals: refusals, cfg: cfg}
}

var (
	// ErrRefused: the provider does not accept this visitor as a customer (cp.av.2.6).
	ErrRefused = errors.New("signup: the provider does not accept this sign-up")
	// ErrLinkInvalid: the link is unknown, used or expired.
	ErrLinkInvalid = errors.New("signup: the link is not valid (any more)")
)

// Request is what a visitor fills in.
type Request struct {
	Org    accounts.OrganisationInput
	PlanID int64 // the plan the visitor chose in the shop; 0: none
	IP     string
}

// Pending is a sign-up waiting for its password.
type Pending struct {
	ID     int64
	Org    accounts.OrganisationInput
	PlanID int64
}

// LinkMarker is the part of a sign-up link no other mail contains.
const LinkMarker = "/signup/verify?token="

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

func hashToken(t string) string {
	sum := sha256.Sum256([]byte(t))
	return hex.EncodeToString(sum[:])
}

// refused reports whether the details match a refused customer's.
func (s *Service) refused(ctx context.Context, q store.Querier, in accounts.OrganisationInput) (bool, error) {
	ids, err := s.acc.MatchingOrganisations(ctx, q, in)
	if err != nil || len(ids) == 0 {
		return false, err
	}
	return s.refusals.AnyRefused(ctx, q, ids)
}

// Start validates the details and mails the one-time link. It returns
// accounts.FieldErrors for details to fix and ErrRefused for a refused customer. An
// address that already has an account, or that asked too often today, gets no mail
// and the same answer as any other, so the form tells nobody which addresses exist.
func (s *Service) Start(ctx context.Context, r Request) error {
	if fe := accounts.ValidateSignUp(&r.Org); len(fe) > 0 {
		return fe
	}
	if r.Org.ContactName == "" {
		r.Org.ContactName = r.Org.LegalName
	}
	ctx = visitorCtx(ctx, r.IP)
	return s.db.InTx(ctx, func(q store.Querier) error {
		if refused, err := s.refused(ctx, q, r.Org); err != nil {
			return err
		} else if refused {
			return ErrRefused
		}
		if taken, err := s.acc.EmailTaken(ctx, q, r.Org.Email); err != nil || taken {
			return err
		}
		now := s.now()
		var n int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM signups WHERE email = $1 AND created_at > $2`,
			r.Org.Email, now.Add(-24*time.Hour)).Scan(&n); err != nil {
			return err
		}
		if n >= s.cfg.PerAddress {
			return nil
		}
		details, err := json.Marshal(r.Org)
		if err != nil {
			return err
		}
		b := make([]byte, 32)
		_, _ = rand.Read(b)
		token := base64.RawURLEncoding.EncodeToString(b)
		var id int64
		if err := q.QueryRowContext(ctx, `INSERT INTO signups (email, token_hash, details, plan_id, ip, created_at, expires_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
			r.Org.Email, hashToken(token), string(details), r.PlanID, r.IP, now, now.Add(s.cfg.LinkTTL)).Scan(&id); err != nil {
			return err
		}
		link := strings.TrimRight(s.cfg.BaseURL, "/") + LinkMarker + token
		if err := s.acc.MailSignUpLink(ctx, q, now, r.Org.Email, r.Org.ContactName, r.Org.Language, link, s.cfg.LinkTTL); err != nil {
			return err
		}
		return audit.Record(ctx, q, now, audit.Change{Action: "signup.start", ObjectKind: "signup", ObjectID: fmt.Sprint(id),
			Summary: fmt.Sprintf("sign-up as %s started; confirmation link mailed to %s", r.Org.Kind, r.Org.Email)})
	})
}

// Lookup returns the sign-up a link confirms, or ErrLinkInvalid.
func (s *Service) Lookup(ctx context.Context, token string) (Pending, error) {
	return s.lookup(ctx, s.db, token)
}

func (s *Service) lookup(ctx context.Context, q store.Querier, token string) (Pending, error) {
	if token == "" || len(token) > 128 {
		return Pending{}, ErrLinkInvalid
	}
	var p Pending
	var details string
	var expires time.Time
	var used *time.Time
	err := q.QueryRowContext(ctx, `SELECT id, details, plan_id, expires_at, used_at FROM signups WHERE token_hash = $1`,
		hashToken(token)).Scan(&p.ID, &details, &p.PlanID, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) || err == nil && (used != nil || !s.now().Before(expires)) {
		return Pending{}, ErrLinkInvalid
	}
	if err != nil {
		return Pending{}, err
	}
	if err := json.Unmarshal([]byte(details), &p.Org); err != nil {
		return Pending{}, err
	}
	return p, nil
}

// Complete uses the link: it creates the customer and its admin user with password,
// in one transaction with using the link up, so a link makes at most one customer.
func (s *Service) Complete(ctx context.Context, token, password, ip string) (accounts.Organisation, Pending, error) {
	p, err := s.Lookup(ctx, token)
	if err != nil {
		return accounts.Organisation{}, Pending{}, err
	}
	admin := accounts.UserInput{Email: p.Org.Email, Name: p.Org.ContactName, Language: p.Org.Language, Password: password}
	org, err := s.acc.CreateSignedUp(ctx, p.Org, admin, ip, func(ctx context.Context, q store.Querier) error {
		if refused, err := s.refused(ctx, q, p.Org); err != nil {
			return err
		} else if refused {
			return ErrRefused
		}
		res, err := q.ExecContext(ctx, `UPDATE signups SET used_at = $1 WHERE id = $2 AND used_at IS NULL AND expires_at > $1`, s.now(), p.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return ErrLinkInvalid
		}
		return nil
	})
	if err != nil {
		return accounts.Organisation{}, Pending{}, err
	}
	// Which customer the sign-up became; outside the transaction above, which accounts
	// owns: losing this write loses nothing but the cross-reference.
	if _, err := s.db.ExecContext(ctx, `UPDATE signups SET org_id = $1 WHERE id = $2`, org.ID, p.ID); err != nil {
		return org, p, err
	}
	return org, p, nil
}

// visitorCtx makes the audit actor the anonymous visitor at ip.
func visitorCtx(ctx context.Context, ip string) context.Context {
	a := audit.ActorFrom(ctx)
	if a == audit.System("unknown") {
		a = audit.Actor{}
	}
	a.Kind, a.ID, a.Label = audit.ActorPublic, 0, ""
	if a.IP == "" {
		a.IP = ip
	}
	return audit.WithActor(ctx, a)
}
