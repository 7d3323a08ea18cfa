// Package newsletter runs the provider's newsletter (cp.privacy.newsletter.1-.5): who
// receives it and on what consent, the consent history kept as evidence, the
// newsletters staff write in Dutch and English, and the job that queues them through
// the outbox in batches.
//
// Who is subscribed (conflict A15; Telecommunicatiewet art. 11.7): the terms add every
// customer automatically (cp.privacy.newsletter.1) and name consent as the basis. The
// reading taken: a customer is subscribed when placing an order (the soft opt-in for
// one's own customers), with a box at the order to say no that is shown and respected;
// anybody else only after confirming the address with a link (double opt-in). An
// unconfirmed sign-up mails nothing but the link and expires. Unsubscribing works at
// any time, from every newsletter (cp.privacy.newsletter.4): one-click from the mail's
// List-Unsubscribe header (RFC 8058), the preference page, the portal or staff. The
// newsletter also carries service news (cp.privacy.newsletter.3), but notices the
// customer must get (terms changes, cp.av.18.2; maintenance) go to them as service
// mail by their own packages, so an unsubscribed customer misses none of them.
//
// An unsubscribed address keeps its row, without its name, as the record of the
// objection (so a later order does not subscribe it again); erasure removes the row
// and anonymises the consent history.
package newsletter

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the subscribers, the consent history, the newsletters and their
// deliveries.
var Schema = store.SchemaFrom("newsletter", migrations, "migrations")

// Subscriber states.
const (
	Pending      = "pending"
	Active       = "active"
	Unsubscribed = "unsubscribed"
)

// How a consent event happened (newsletter_consents.method).
const (
	MethodOrder          = "order_soft_opt_in"
	MethodOrderOptOut    = "order_opt_out"
	MethodSignUp         = "double_opt_in_request"
	MethodConfirm        = "double_opt_in_confirm"
	MethodOneClick       = "one_click_header"
	MethodPreferencePage = "preference_page"
	MethodPortal         = "portal"
	MethodStaff          = "staff"
	MethodMail           = "mailto"
)

// Consent events (newsletter_consents.event).
const (
	EventSubscribe   = "subscribe"
	EventRequest     = "request"
	EventConfirm     = "confirm"
	EventUnsubscribe = "unsubscribe"
	EventLanguage    = "language"
)

// The versions of the texts a person saw when giving or refusing consent; a change of
// wording gets a new version, so the evidence says what was shown.
const (
	TextOrder  = "order-optout-2026-12"
	TextSignUp = "signup-2026-12"
)

// Config holds the newsletter's settings.
type Config struct {
	// BaseURL is the public URL the links in mails start with.
	BaseURL string
	// TokenKey is the HMAC key of the unsubscribe tokens (derive it from the secret key).
	TokenKey []byte
	// UnsubscribeMailbox, when set, is the address offered as mailto: in List-Unsubscribe.
	UnsubscribeMailbox string
	// BatchSize is the subscribers queued per transaction; zero: 500.
	BatchSize int
	// ConfirmTTL is how long a confirmation link works; zero: 48 hours.
	ConfirmTTL time.Duration
	// PerAddress is how many confirmation mails one address gets per day; zero: 3.
	PerAddress int
}

// Service runs the newsletter.
type Service struct {
	db    *store.DB
	clock clock.Clock
	cfg   Config
	// beforeCommit, in tests, fails a batch just before it commits (a crash).
	beforeCommit func(batch int) error
}

// New returns the newsletter service.
func New(db *store.DB, clk clock.Clock, cfg Config) (*Service, error) {
	if len(cfg.TokenKey) < 16 {
		return nil, errors.New("newsletter: a token key of at least 16 bytes is required")
	}
	if cfg.BatchSize <= 0 {
		cfg.BatchSize = 500
	}
	if cfg.ConfirmTTL <= 0 {
		cfg.ConfirmTTL = 48 * time.Hour
	}
	if cfg.PerAddress <= 0 {
		cfg.PerAddress = 3
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	return &Service{db: db, clock: clk, cfg: cfg}, nil
}

func (s *Service) now() time.Time { return store.Now(s.clock.Now()) }

var (
	// ErrBadToken is a link that matches no subscriber (or no longer works).
	ErrBadToken = errors.New("newsletter: unknown or expired link")
	// ErrNotDraft is a change to a newsletter that is already sending or sent.
	ErrNotDraft = errors.New("newsletter: the newsletter was already sent")
)

func randomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// macLen is the bytes of the HMAC a token carries: 128 bits cannot be guessed.
const macLen = 16

func (s *Service) mac(id int64, nonce string) []byte {
	m := hmac.New(sha256.New, s.cfg.TokenKey)
	m.Write([]byte("newsletter-unsubscribe:" + strconv.FormatInt(id, 10) + ":" + nonce))
	return m.Sum(nil)[:macLen]
}

// token is a subscriber's unsubscribe and preferences token: the id and an HMAC of
// it with the subscriber's nonce. Nothing secret is stored; a new nonce revokes it.
func (s *Service) token(id int64, nonce string) string {
	return strconv.FormatInt(id, 10) + "." + base64.RawURLEncoding.EncodeToString(s.mac(id, nonce))
}

// ParseToken reads a token's subscriber id and MAC without looking anything up.
func ParseToken(t string) (id int64, mac []byte, err error) {
	if len(t) > 64 {
		return 0, nil, ErrBadToken
	}
	ids, m, ok := strings.Cut(t, ".")
	if !ok || ids == "" || len(ids) > 19 || ids[0] == '0' {
		return 0, nil, ErrBadToken
	}
	for _, c := range ids {
		if c < '0' || c > '9' {
			return 0, nil, ErrBadToken
		}
	}
	id, err = strconv.ParseInt(ids, 10, 64)
	if err != nil || id <= 0 {
		return 0, nil, ErrBadToken
	}
	mac, err = base64.RawURLEncoding.Strict().DecodeString(m)
	if err != nil || len(mac) != macLen {
		return 0, nil, ErrBadToken
	}
	return id, mac, nil
}

// UnsubscribeURL is the one-click URL of a token.
func (s *Service) UnsubscribeURL(token string) string {
	return s.cfg.BaseURL + UnsubscribePath + "?t=" + token
}

// PreferencesURL is the preference page of a token.
func (s *Service) PreferencesURL(token string) string {
	return s.cfg.BaseURL + PreferencesPath + "?t=" + token
}

// The public paths the mails link to.
const (
	UnsubscribePath = "/newsletter/unsubscribe"
	PreferencesPath = "/newsletter/preferences"
	ConfirmPath     = "/newsletter/confirm"
)
