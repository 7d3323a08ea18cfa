package inbound

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Schema holds the inbound tables.
var Schema = store.SchemaFrom("inbound", migrations, "migrations")

// Router hands a message to the Handler registered for the address it was delivered
// to. Addresses come from configuration (support@, abuse@, security@ of the provider's
// domain); the domain packages register their Handler under the role, the Router maps
// the role to the configured address.
type Router struct {
	mu       sync.RWMutex
	handlers map[string]Handler // lower-case address → handler
	fallback Handler
}

// NewRouter returns an empty router.
func NewRouter() *Router { return &Router{handlers: map[string]Handler{}} }

// Handle registers h for address (case is ignored). A second registration for the same
// address replaces the first.
func (r *Router) Handle(address string, h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.handlers[strings.ToLower(strings.TrimSpace(address))] = h
}

// Fallback registers the handler for mail to an address nobody registered (a reply to
// noreply@, a typo'd alias the mail server still delivers); nil refuses such mail.
func (r *Router) Fallback(h Handler) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fallback = h
}

// Accepts says whether mail to address has a handler; the listener refuses the RCPT of
// one that has not, so the sender's server bounces it instead of hostpact losing it.
func (r *Router) Accepts(address string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.handlers[strings.ToLower(address)]
	return ok || r.fallback != nil
}

// Addresses returns the registered addresses: mail from one of them is hostpact's own,
// come back (a loop).
func (r *Router) Addresses() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.handlers))
	for a := range r.handlers {
		out = append(out, a)
	}
	return out
}

func (r *Router) handler(address string) (Handler, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if h, ok := r.handlers[strings.ToLower(address)]; ok {
		return h, true
	}
	return r.fallback, r.fallback != nil
}

// ErrNoHandler is mail for an address no handler takes.
var ErrNoHandler = errors.New("inbound: no handler for this address")

// Receiver parses, de-duplicates and routes received mail. The listener and the poller
// both call Receive.
type Receiver struct {
	DB     *store.DB
	Clock  clock.Clock
	Router *Router
	Limits Limits
	Logger *slog.Logger
	// Own are extra addresses of hostpact's own (the outbox's From): mail from them is a
	// loop and marked automatic.
	Own []string
}

// Outcome says what Receive did with a message.
type Outcome string

const (
	Handled   Outcome = "handled"
	Duplicate Outcome = "duplicate" // seen before for this recipient: dropped
)

// Receive handles raw, delivered to recipient. It returns an error when the message
// should be offered again later (the handler failed, the database is away) and a parse
// error (wrapping ErrNotMail or ErrTooLarge) when it never will be any good.
//
// The message is recorded as seen after its handler returned: a crash between the two
// offers it again, and handlers are idempotent by Message-ID (support keeps every
// Message-ID under a unique key), so a message is never lost and never handled twice
// to any effect.
func (rc *Receiver) Receive(ctx context.Context, recipient string, raw []byte) (*Message, Outcome, error) {
	recipient = strings.ToLower(strings.TrimSpace(recipient))
	m, err := Parse(raw, rc.Limits)
	if err != nil {
		return nil, "", err
	}
	m.Recipient = recipient
	if !m.Automatic {
		own := append(rc.Router.Addresses(), rc.Own...)
		for _, a := range own {
			if strings.EqualFold(a, m.From.Address) {
				m.Automatic, m.AutomaticWhy = true, "From: hostpact's own address "+a
			}
		}
		for _, v := range m.Header["X-Loop"] {
			for _, a := range own {
				if strings.Contains(strings.ToLower(v), strings.ToLower(a)) {
					m.Automatic, m.AutomaticWhy = true, "X-Loop: "+v
				}
			}
		}
	}
	var seen int
	if err := rc.DB.QueryRowContext(ctx, `SELECT COUNT(*) FROM inbound_seen WHERE recipient = $1 AND message_id = $2`,
		recipient, m.MessageID).Scan(&seen); err != nil {
		return nil, "", fmt.Errorf("inbound: seen: %w", err)
	}
	if seen > 0 {
		rc.log().Info("inbound: duplicate dropped", "recipient", recipient, "message_id", m.MessageID)
		return m, Duplicate, nil
	}
	h, ok := rc.Router.handler(recipient)
	if !ok {
		return m, "", ErrNoHandler
	}
	if err := h.HandleMail(ctx, m); err != nil {
		return m, "", fmt.Errorf("inbound: handle mail to %s: %w", recipient, err)
	}
	if _, err := rc.DB.ExecContext(ctx, `INSERT INTO inbound_seen (recipient, message_id, received_at, automatic) VALUES ($1, $2, $3, $4)
		ON CONFLICT (recipient, message_id) DO NOTHING`, recipient, m.MessageID, store.Now(rc.Clock.Now()), m.Automatic); err != nil {
		return m, "", fmt.Errorf("inbound: record seen: %w", err)
	}
	rc.log().Info("inbound: handled", "recipient", recipient, "message_id", m.MessageID, "automatic", m.Automatic)
	return m, Handled, nil
}

func (rc *Receiver) log() *slog.Logger {
	if rc.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return rc.Logger
}
