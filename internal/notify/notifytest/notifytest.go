// Package notifytest delivers the outbox in tests: an Inbox deliverer that keeps what it
// was given, so a test reads a mail as its recipient would — including the one-time
// links that the outbox itself keeps sealed and then redacts.
package notifytest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
)

// Inbox is a notify.Deliverer that accepts every mail and keeps it.
type Inbox struct {
	mu    sync.Mutex
	mails []notify.Outgoing
}

// Deliver keeps batch.
func (i *Inbox) Deliver(_ context.Context, _ time.Time, batch []notify.Outgoing) []error {
	i.mu.Lock()
	defer i.mu.Unlock()
	i.mails = append(i.mails, batch...)
	return make([]error, len(batch))
}

// Mails returns what was delivered, oldest first.
func (i *Inbox) Mails() []notify.Outgoing {
	i.mu.Lock()
	defer i.mu.Unlock()
	return append([]notify.Outgoing(nil), i.mails...)
}

// Deliver sends the mail that is due at clk's time through a sender holding keys, and
// returns what was delivered, oldest first.
func Deliver(t testing.TB, db *store.DB, clk clock.Clock, keys *secrets.Keyring) []notify.Outgoing {
	t.Helper()
	in := &Inbox{}
	s := notify.NewSender(db, clk, notify.SMTPConfig{}, nil, in)
	s.Keys = keys
	if _, err := s.SendPending(context.Background(), clk.Now()); err != nil {
		t.Fatalf("deliver mail: %v", err)
	}
	return in.Mails()
}
