// Package onetime hands passwords and other secrets over through a link that opens once
// and also expires after a chosen time (cp.security.passwords.4: passwords never go by
// mail, phone or chat).
//
// The text is encrypted with a random key that only the link carries, and the result is
// sealed again with the provider's key: a copy of the database cannot read a secret
// without the link, and the link cannot be read without the database and the key file.
// Opening a link shows a page with a button; only its POST reveals and destroys the
// secret, so the link previews of mail and chat programs cannot burn it.
package onetime

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"database/sql"
	"embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

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

// Schema holds the onetime_secrets table.
var Schema = store.SchemaFrom("onetime", migrations, "migrations")

// Service creates, reveals and purges one-time secrets.
type Service struct {
	db   *store.DB
	clk  clock.Clock
	keys *secrets.Keyring
	pack *terms.Pack
	base string
}

// New returns the service; baseURL starts the links it makes.
func New(db *store.DB, clk clock.Clock, keys *secrets.Keyring, pack *terms.Pack, baseURL string) *Service {
	return &Service{db: db, clk: clk, keys: keys, pack: pack, base: strings.TrimRight(baseURL, "/")}
}

// Link is a created secret: its URL holds the key and is shown once to its creator.
type Link struct {
	ID      string
	URL     string
	Expires time.Time
}

// Peek is what the page behind a link shows before the reveal: that a secret waits, and
// until when.
type Peek struct {
	Expires time.Time
}

// Errors, each with the message its reader sees.
var (
	ErrGone     = &Error{Key: "onetime.gone"}
	ErrEmpty    = &Error{Key: "onetime.empty"}
	ErrTooLong  = &Error{Key: "onetime.too_long"}
	ErrLifetime = &Error{Key: "onetime.lifetime"}
)

// Error is a refusal with a message key.
type Error struct {
	Key  string
	Args []any
}

func (e *Error) Error() string { return i18n.T(e.Key, e.Args...).Error() }

// As lets i18n.From find the message.
func (e *Error) As(target any) bool {
	if m, ok := target.(*i18n.Msg); ok {
		*m = i18n.T(e.Key, e.Args...)
		return true
	}
	return false
}

// Is makes every refusal with the same key match its sentinel.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Key == e.Key
}

// Limits are the pack's bounds for a new link.
func (s *Service) Limits() terms.SecretLinkTerms {
	return s.policy().Terms.SecretLinks
}

func (s *Service) policy() *terms.Policy {
	if p, err := s.pack.At(terms.DateIn(s.now(), time.UTC)); err == nil {
		return p
	}
	return s.pack.Latest()
}

func (s *Service) now() time.Time { return s.clk.Now().UTC() }

// Create stores text for lifetime and returns its link. Staff and customers may create
// one for themselves (secret.create); what it holds is never audited, only that a link
// was made and until when.
func (s *Service) Create(ctx context.Context, by accounts.Principal, text string, lifetime time.Duration) (Link, error) {
	if err := by.Check(accounts.SecretCreate, by.Own()); err != nil {
		return Link{}, err
	}
	lim := s.Limits()
	switch {
	case strings.TrimSpace(text) == "":
		return Link{}, ErrEmpty
	case len(text) > lim.MaxBytes || !utf8.ValidString(text):
		return Link{}, &Error{Key: "onetime.too_long", Args: []any{lim.MaxBytes / 1024}}
	case lifetime < lim.Shortest.Duration || lifetime > lim.Longest.Duration:
		return Link{}, &Error{Key: "onetime.lifetime", Args: []any{int(lim.Shortest.Hours()), int(lim.Longest.Hours() / 24)}}
	}
	id, err := randomToken(16)
	if err != nil {
		return Link{}, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return Link{}, fmt.Errorf("onetime: %w", err)
	}
	inner, err := encrypt(key, id, []byte(text))
	if err != nil {
		return Link{}, err
	}
	sealed, err := s.keys.Seal(secrets.PurposeOneTime, "onetime:"+id, inner)
	if err != nil {
		return Link{}, err
	}
	now := s.now()
	expires := now.Add(lifetime)
	orgID := by.Own().ID
	ctx = accounts.ActorContext(ctx, by)
	err = s.db.InTx(ctx, func(q store.Querier) error {
		if _, err := q.ExecContext(ctx, `INSERT INTO onetime_secrets (id, sealed, created_by, org_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			id, string(sealed), by.User.ID, orgID, now, expires); err != nil {
			return fmt.Errorf("onetime: store: %w", err)
		}
		return audit.Record(ctx, q, now, audit.Change{OrgID: orgID, Action: "secret.create", ObjectKind: "onetime_secret", ObjectID: id[:8],
			Summary: fmt.Sprintf("one-time link made, open until %s UTC", expires.Format("2006-01-02 15:04"))})
	})
	if err != nil {
		return Link{}, err
	}
	return Link{ID: id, URL: fmt.Sprintf("%s/s/%s?k=%s", s.base, id, base64.RawURLEncoding.EncodeToString(key)), Expires: expires}, nil
}

// Look says whether the link's secret still waits, without touching it: anyone holding
// a link may ask, and a previewing robot asking changes nothing.
func (s *Service) Look(ctx context.Context, id, key string) (Peek, error) {
	sealed, expires, err := s.load(ctx, s.db, id)
	if err != nil {
		return Peek{}, err
	}
	if _, err := s.open(id, key, sealed); err != nil {
		return Peek{}, err
	}
	return Peek{Expires: expires}, nil
}

// Reveal returns the secret and destroys it, in one transaction: of two people pressing
// the button at once, one reads it and the other is told it is gone. A wrong key reveals
// nothing and destroys nothing, so guessing cannot burn someone else's link.
func (s *Service) Reveal(ctx context.Context, id, key string) (string, error) {
	var out string
	err := s.db.InTx(ctx, func(q store.Querier) error {
		sealed, _, err := s.load(ctx, q, id)
		if err != nil {
			return err
		}
		plain, err := s.open(id, key, sealed)
		if err != nil {
			return err
		}
		res, err := q.ExecContext(ctx, `DELETE FROM onetime_secrets WHERE id = $1`, id)
		if err != nil {
			return fmt.Errorf("onetime: destroy: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return ErrGone
		}
		out = string(plain)
		return nil
	})
	return out, err
}

// Purge deletes expired secrets; the onetime.purge job runs it.
func (s *Service) Purge(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM onetime_secrets WHERE expires_at <= $1`, now.UTC())
	if err != nil {
		return 0, fmt.Errorf("onetime: purge: %w", err)
	}
	return res.RowsAffected()
}

func (s *Service) load(ctx context.Context, q store.Querier, id string) (secrets.Sealed, time.Time, error) {
	if !validToken(id, 16) {
		return "", time.Time{}, ErrGone
	}
	var sealed string
	var expires time.Time
	err := q.QueryRowContext(ctx, `SELECT sealed, expires_at FROM onetime_secrets WHERE id = $1 AND expires_at > $2`, id, s.now()).Scan(&sealed, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, ErrGone
	}
	if err != nil {
		return "", time.Time{}, fmt.Errorf("onetime: load: %w", err)
	}
	return secrets.Sealed(sealed), expires.UTC(), nil
}

// open removes both layers; any failure reads as "gone", so a wrong key and a missing
// secret look the same to whoever holds a link.
func (s *Service) open(id, key string, sealed secrets.Sealed) ([]byte, error) {
	k, err := base64.RawURLEncoding.DecodeString(key)
	if err != nil || len(k) != 32 {
		return nil, ErrGone
	}
	inner, err := s.keys.Open(secrets.PurposeOneTime, "onetime:"+id, sealed)
	if err != nil {
		var ke *secrets.KeyError
		if errors.As(err, &ke) {
			return nil, err
		}
		return nil, ErrGone
	}
	plain, err := decrypt(k, id, inner)
	if err != nil {
		return nil, ErrGone
	}
	return plain, nil
}

func encrypt(key []byte, id string, plain []byte) ([]byte, error) {
	a, err := gcm(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, a.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("onetime: %w", err)
	}
	return a.Seal(nonce, nonce, plain, []byte(id)), nil
}

func decrypt(key []byte, id string, box []byte) ([]byte, error) {
	a, err := gcm(key)
	if err != nil {
		return nil, err
	}
	if len(box) < a.NonceSize() {
		return nil, ErrGone
	}
	return a.Open(nil, box[:a.NonceSize()], box[a.NonceSize():], []byte(id))
}

func gcm(key []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(b)
}

func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("onetime: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func validToken(s string, n int) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == n
}
