// Package registry is what hostpact asks of a domain name registry, whatever protocol
// reaches it. The EPP client with a registry profile (SIDN for .nl) implements it; the
// domains package drives it from contracts and keeps the registry's view beside its own.
//
// Every call that changes something is safe to repeat after a dropped connection: the
// implementation first asks the registry whether the change already happened (a create
// that finds the name registered to this registrar and registrant is done, a renew whose
// expiry already moved is done), so a retry finishes an operation once (cp.av.6.1-6.9).
package registry

import (
	"context"
	"errors"
	"time"
)

// State is a domain's state at the registry, in SIDN's terms; generic registries map
// their statuses onto these.
type State string

const (
	StateActive          State = "active"           // registered and in use
	StatePendingCreate   State = "pending_create"   // asked for, not yet confirmed by the registry
	StatePendingTransfer State = "pending_transfer" // a transfer is under way
	StateScheduledDelete State = "scheduled_delete" // cancellation ("opheffen") set for a date; withdrawable
	StateQuarantine      State = "quarantine"       // cancelled; only the last registrant can redeem (SIDN: 40 days)
	StateReleased        State = "released"         // free again for anyone
	StateUnknown         State = "unknown"          // not ours at this registry
)

// Availability is the answer to a check.
type Availability struct {
	Name      string
	Available bool
	Reason    string // the registry's words when not available
}

// Contact is a registrant or other contact, from the customer's data.
type Contact struct {
	Handle       string // the registry's id; empty when it is to be created
	Name         string
	Organisation string
	Street       []string
	City         string
	PostalCode   string
	CountryCode  string // ISO 3166-1 alpha-2
	Email        string
	Phone        string // +31.201234567
	LegalForm    string // SIDN: PERSOON, BV, ANDERS, …
}

// Registration asks for a new domain.
type Registration struct {
	Name        string
	Period      int // years
	Registrant  string
	AdminC      string
	TechC       string
	Nameservers []string
	AuthCode    string // generic registries ask the registrar for one; SIDN makes its own
}

// Domain is the registry's view of one domain.
type Domain struct {
	Name        string
	ROID        string
	State       State
	Statuses    []string // the registry's own status values
	Registrant  string
	Nameservers []string
	Created     time.Time
	Expires     time.Time
	DeleteDate  time.Time // scheduled delete or the end of quarantine, when set
	AuthCode    string    // only when the registry returned one (info by the sponsor, a completed transfer)
}

// Transfer is the state of a transfer.
type Transfer struct {
	Name      string
	Status    string // pending, clientApproved, clientRejected, clientCancelled, serverApproved, serverCancelled
	Requested time.Time
	Acted     time.Time
	Expires   time.Time
	NewToken  string // SIDN hands the gaining registrar a fresh transfer token on completion
}

// When a scheduled delete takes effect.
type DeleteAt struct {
	EndOfPeriod bool      // at the end of the current registration period
	Date        time.Time // otherwise on this date
}

// Message is one registry poll message.
type Message struct {
	ID     string
	Queued time.Time
	Text   string
	Domain string
	Kind   string // transfer, expiry, delete, quarantine, other
	Raw    []byte
}

// Registry is a registrar's connection to one registry.
type Registry interface {
	Check(ctx context.Context, names ...string) ([]Availability, error)
	Info(ctx context.Context, name string) (Domain, error)
	CreateContact(ctx context.Context, c Contact) (handle string, err error)
	UpdateContact(ctx context.Context, c Contact) error
	Create(ctx context.Context, r Registration) (Domain, error)
	Renew(ctx context.Context, name string, currentExpiry time.Time, years int) (time.Time, error)
	UpdateNameservers(ctx context.Context, name string, nameservers []string) error
	RequestTransfer(ctx context.Context, name, authCode string) (Transfer, error)
	QueryTransfer(ctx context.Context, name string) (Transfer, error)
	ApproveTransfer(ctx context.Context, name string) (Transfer, error)
	RejectTransfer(ctx context.Context, name string) (Transfer, error)
	// ScheduleDelete cancels the domain at a date (SIDN's "opheffen"); CancelDelete
	// withdraws it while it has not taken effect.
	ScheduleDelete(ctx context.Context, name string, at DeleteAt) (Domain, error)
	CancelDelete(ctx context.Context, name string) (Domain, error)
	// Restore redeems a domain from quarantine for its last registrant.
	Restore(ctx context.Context, name string) (Domain, error)
	// TransferToken returns the domain's transfer token for its registrant, asking the
	// registry to generate one where it must.
	TransferToken(ctx context.Context, name string) (string, error)
	Poll(ctx context.Context) (*Message, error) // nil when the queue is empty
	Ack(ctx context.Context, id string) error
	Close() error
}

// Rules are a registry's own periods and rules that the product must honour (SIDN's for
// .nl: a 40-day quarantine, a 30-day window for the registrant before a registrar
// cancels for its own reasons). They are the registry's, not the provider's terms.
type Rules struct {
	QuarantineDays            int  // after a delete, days in which the domain can be redeemed
	RegistrantNoticeDays      int  // a registrar-initiated cancellation waits this long after notifying the registrant
	RestoreOnlyLastRegistrant bool // only the last registrant can redeem during quarantine
	NewTokenAfterTransfer     bool // a completed transfer hands out a fresh transfer token
	ScheduledDelete           bool // the registry itself keeps a cancellation date that can be withdrawn
	AutoRenew                 bool // the registry renews every period until cancelled (no renew command)
}

// RuleSource is implemented by a Registry that knows its registry's rules.
type RuleSource interface {
	Rules() Rules
}

// Errors a caller acts on. An implementation wraps them with the registry's words.
var (
	ErrNotAvailable  = errors.New("registry: name not available")
	ErrNotFound      = errors.New("registry: object does not exist")
	ErrAuthorization = errors.New("registry: authorization error (wrong transfer token)")
	ErrNotAllowed    = errors.New("registry: operation not allowed in the domain's state")
	ErrUnavailable   = errors.New("registry: registry unreachable")
)
