// Package monitor measures the availability the SLA promises (cp.sla.availability.1,
// cp.sla.availability.2): the provider's servers and their components, the checks that
// probe locations run on them, the results (stored compactly, kept as the pack's
// monitoring.keep_results says), and the confirmed outages derived from them with the
// calculator of internal/sla (INTERPRETATION.md, "Measuring availability"). Outages
// are kept indefinitely; staff are alerted when one starts and ends, and Hooks let the
// status page and incidents follow.
package monitor

import (
	"context"
	"time"

	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/store"
)

// The component names of the pack's sla.measurement.components.
const (
	ComponentHTTP      = "http"
	ComponentHTTPS     = "https"
	ComponentMySQL     = "mysql"
	ComponentPOP3      = "pop3"
	ComponentIMAP      = "imap"
	ComponentSMTP      = "smtp"
	ComponentDNS       = "dns"
	ComponentWireGuard = "wireguard"
	ComponentNetwork   = "network"
	ComponentPlatform  = "platform"
)

// Server is a platform of the provider that services are placed on: a shared web
// server, a mail server, a hypervisor, a VPN concentrator. Kind is the service kind of
// the pack's sla.measurement.components that it hosts (webhosting, email, vps,
// container, vpn); Location is its data centre, as the status page groups it.
type Server struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Location    string    `json:"location"`
	Description string    `json:"description,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
}

// Component is one measured part of a server (its IMAP, one of its nameservers) and
// the check that measures it. Target tells components of the same name apart (each
// nameserver); the calculator treats components named in all_targets_down as down
// only while every target is.
type Component struct {
	ID       int64         `json:"id"`
	ServerID int64         `json:"server_id"`
	Name     string        `json:"name"`
	Target   string        `json:"target"`
	Spec     probe.Spec    `json:"-"` // sealed at rest; never shown with its secrets
	Interval time.Duration `json:"interval"`
	Enabled  bool          `json:"enabled"`
	// Version changes with every change of the check, so a probe location that holds
	// the component reschedules it.
	Version int64 `json:"version"`
}

// Outage is a confirmed down interval of one component: at least the pack's
// confirm_failures consecutive failed checks, seen by a majority of the locations.
// To is zero while it lasts. Reason is the key of the last failure reason seen.
type Outage struct {
	ID          int64     `json:"id"`
	ComponentID int64     `json:"component_id"`
	ServerID    int64     `json:"server_id"`
	Component   string    `json:"component"`
	Target      string    `json:"target"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to,omitzero"`
	Reason      string    `json:"reason,omitempty"`
}

// Assignment is a check a probe instance runs for its location until its lease ends.
type Assignment struct {
	ComponentID int64
	Version     int64
	Check       probe.Check
	Interval    time.Duration
}

// Result is one check's outcome at one location, as the probe runner reports it.
type Result struct {
	ComponentID int64
	Location    string
	At          time.Time
	OK          bool
	Reason      string // the failure reason's message key; empty when OK
	Latency     time.Duration
}

// Store is what the probe runner needs of the database: the checks of its location
// that this instance holds (several instances at one location share the work through
// leases), and a place to put results in batches.
type Store interface {
	// Lease returns the enabled components that instance holds for location until
	// until: those it held already (renewed) and, up to max in all, those nobody holds
	// or whose lease expired. It also records that the location is alive.
	Lease(ctx context.Context, location, instance string, max int, until time.Time) ([]Assignment, error)
	// Record stores results; a result already stored (same component, location and
	// time) is not stored twice.
	Record(ctx context.Context, results []Result) error
}

// Hooks are told, in the transaction that records it, when an outage is confirmed and
// when it ends; the status page's incidents implement them.
type Hooks interface {
	OutageStarted(ctx context.Context, q store.Querier, o Outage) error
	OutageEnded(ctx context.Context, q store.Querier, o Outage) error
}

// Placement says that a subscription of an organisation runs on a server.
type Placement struct{ SubscriptionID, OrgID, ServerID int64 }
