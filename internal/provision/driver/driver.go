// Package driver is the contract between hostpact's provisioning layer and the software
// that runs a customer's service: a hostpact agent on the provider's own servers (web
// hosting, e-mail), the Docker Engine (containers), a WireGuard device (VPN), Proxmox VE
// (VPS) or an existing DirectAdmin panel.
//
// The provisioning layer (internal/provision) decides what should exist and keeps the
// state machine; a driver only makes the server match. Every call is idempotent by the
// account's Ref: creating an account that already exists with that Ref makes it match
// the request and returns its details, never a second account; suspending a suspended
// account, deleting a deleted one and so on succeed without doing anything. That is what
// lets a provisioning job that was killed half-way simply run again.
//
// Secrets are chosen by the provisioning layer, not by the driver: the layer generates
// Account.Secret, stores it sealed before it calls Create or ResetCredentials, and a
// retry passes the same secret. A driver therefore never has to return a password it
// cannot recover.
//
// This package imports nothing of hostpact's, so drivers and the agent depend on it and
// not on the provisioning layer.
package driver

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Kind is the kind of service a driver delivers, the catalog's product kind.
type Kind string

const (
	KindWebhosting Kind = "webhosting"
	KindEmail      Kind = "email"
	KindContainers Kind = "containers"
	KindVPN        Kind = "vpn"
	KindVPS        Kind = "vps"
)

// Package is what a plan gives an account: the limits a driver enforces. Zero means
// "no limit of this kind" or "not applicable". Name is the plan's code, which a control
// panel with its own packages (DirectAdmin) uses as the package name.
type Package struct {
	Name      string            `json:"name"`
	DiskMB    int64             `json:"disk_mb,omitempty"`
	MemoryMB  int64             `json:"memory_mb,omitempty"`
	CPUMilli  int64             `json:"cpu_milli,omitempty"` // thousandths of a CPU
	Mailboxes int               `json:"mailboxes,omitempty"`
	Databases int               `json:"databases,omitempty"`
	Image     string            `json:"image,omitempty"`    // containers: the image to run
	Template  string            `json:"template,omitempty"` // VPS: the template to clone
	Extra     map[string]string `json:"extra,omitempty"`
}

// Account is one customer service on one server.
type Account struct {
	// Ref is the external reference: lower-case letters and digits, starting with a
	// letter, at most 10 characters (DirectAdmin's limit), unique per server. It is the
	// system user, database, container or VM name on the server.
	Ref     string  `json:"ref"`
	Kind    Kind    `json:"kind"`
	Domain  string  `json:"domain,omitempty"` // ASCII (punycode) where the service has one
	Package Package `json:"package"`
	// Secret is the password (or the seed of a key pair) the customer's credentials are
	// made from. It is never logged and never stored unsealed.
	Secret string `json:"secret"`
	// Email is the customer's contact address, for panels that require one.
	Email string `json:"email,omitempty"`
}

var refPattern = regexp.MustCompile(`^[a-z][a-z0-9]{1,9}$`)

// ValidRef reports whether ref can be an account's Ref.
func ValidRef(ref string) error {
	if !refPattern.MatchString(ref) {
		return fmt.Errorf("driver: ref %q is not 2-10 lower-case letters and digits starting with a letter", ref)
	}
	return nil
}

// Created is what a driver reports of an account it created (or found).
type Created struct {
	// Details are connection facts the customer may see at any time: host names,
	// ports, user names, database names, a panel address.
	Details map[string]string `json:"details,omitempty"`
	// Sensitive are connection facts that carry a secret (a WireGuard client
	// configuration with its private key). The provisioning layer seals them and
	// shows them once.
	Sensitive map[string]string `json:"sensitive,omitempty"`
}

// SuspendReason says why an account is suspended; the provisioning layer keeps the set
// of reasons and calls Unsuspend only when the last one is lifted.
type SuspendReason string

const (
	SuspendNonPayment SuspendReason = "non-payment"
	SuspendAbuse      SuspendReason = "abuse"
	SuspendStaff      SuspendReason = "staff"
)

// Usage is an account's measured use. Zero fields were not measured.
type Usage struct {
	DiskBytes     int64     `json:"disk_bytes,omitempty"`
	DatabaseBytes int64     `json:"database_bytes,omitempty"`
	MemoryBytes   int64     `json:"memory_bytes,omitempty"`
	CPUSeconds    float64   `json:"cpu_seconds,omitempty"`
	TransferBytes int64     `json:"transfer_bytes,omitempty"`
	Mailboxes     int       `json:"mailboxes,omitempty"`
	MeasuredAt    time.Time `json:"measured_at"`
}

// Listed is an account as the server knows it, for synchronisation.
type Listed struct {
	Ref       string `json:"ref"`
	Kind      Kind   `json:"kind,omitempty"`
	Suspended bool   `json:"suspended"`
}

// Driver makes one server match what the provisioning layer decided. All methods are
// idempotent by Ref (see the package comment). A method that cannot do what is asked
// returns an error; a *Refusal when the server answered and said no (the provisioning
// layer then leaves the state unchanged and shows staff the message), any other error
// when it could not be reached (the layer retries with back-off).
type Driver interface {
	// Test checks that the server answers and the credentials work.
	Test(ctx context.Context) error
	Create(ctx context.Context, a Account) (Created, error)
	Suspend(ctx context.Context, ref string, reason SuspendReason) error
	Unsuspend(ctx context.Context, ref string) error
	// Terminate takes the account out of service for good but keeps its data, which
	// DeleteData removes once the retention period has passed.
	Terminate(ctx context.Context, ref string) error
	DeleteData(ctx context.Context, ref string) error
	ChangePackage(ctx context.Context, ref string, p Package) error
	// ResetCredentials makes secret the account's new password (or key seed) and
	// returns the details that changed with it.
	ResetCredentials(ctx context.Context, ref string, secret string) (Created, error)
	Usage(ctx context.Context, ref string) (Usage, error)
	// List returns every account on the server that this driver manages.
	List(ctx context.Context) ([]Listed, error)
}

// SingleSignOn is implemented by a driver whose service has its own panel: it returns
// a short-lived link that logs the customer in there.
type SingleSignOn interface {
	LoginURL(ctx context.Context, ref string) (string, error)
}

// Server is what a driver needs to reach one server. Credentials are the unsealed
// secrets staff entered (or enrolment produced); Settings are plain options.
type Server struct {
	Name        string            `json:"name"`
	Endpoint    string            `json:"endpoint"`
	Location    string            `json:"location"`
	Credentials map[string]string `json:"-"`
	Settings    map[string]string `json:"settings,omitempty"`
}

// Factory makes a driver for one server.
type Factory func(Server) (Driver, error)

// Enroller is implemented by a driver type whose servers get their credentials from
// hostpact rather than from staff (the hostpact agent: a certificate authority per
// server). Enroll returns the credentials hostpact keeps (sealed) and a bundle staff
// install on the server once.
type Enroller interface {
	Enroll(name, endpoint string) (credentials map[string]string, bundle []byte, err error)
}

// Type describes one driver type for the registry.
type Type struct {
	Name  string // "agent", "docker", "wireguard", "proxmox", "directadmin", "demo"
	Kinds []Kind // the service kinds it can deliver
	// CredentialFields and SettingFields name what staff enter when registering a
	// server of this type; Credentials are sealed at rest.
	CredentialFields []string
	SettingFields    []string
	New              Factory
	Enroll           Enroller // nil: staff enter the credentials
	// SingleSignOn says that its drivers implement SingleSignOn, so pages can offer
	// "open the control panel" without making a driver.
	SingleSignOn bool
}

// Refusal is a server's "no": the request reached it and was refused (a name taken,
// a quota exceeded, an unknown package). Message is the server's own words, for staff.
type Refusal struct {
	Op      string
	Message string
}

func (r *Refusal) Error() string { return fmt.Sprintf("%s refused: %s", r.Op, r.Message) }

// Refused builds a *Refusal.
func Refused(op, format string, args ...any) error {
	return &Refusal{Op: op, Message: fmt.Sprintf(format, args...)}
}

// IsRefusal reports whether err is (or wraps) a *Refusal.
func IsRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}

// ErrNotFound is returned (wrapped) by calls other than Create and the idempotent
// removals for a Ref the server does not know.
var ErrNotFound = errors.New("driver: account not found")
