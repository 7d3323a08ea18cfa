// Package demo is the driver type "demo": a demonstration that keeps accounts in the
// memory of the hostpact process and runs nothing. It lets `hostpact demo` show
// services on servers, their states, the queue and connection details; the details it
// returns are made up from the server's endpoint and say so (the "demo" detail). The
// accounts are gone when the process stops, which the synchronisation report then
// shows as missing.
package demo

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// TypeName is the registry name of the demo type.
const TypeName = "demo"

// Type is the registry entry: every kind, no credentials.
func Type() driver.Type {
	return driver.Type{Name: TypeName, Kinds: []driver.Kind{driver.KindWebhosting, driver.KindEmail, driver.KindContainers, driver.KindVPN, driver.KindVPS},
		New: New, SingleSignOn: true}
}

type account struct {
	a          driver.Account
	suspended  bool
	terminated bool
}

type server struct {
	mu       sync.Mutex
	accounts map[string]*account
}

// servers holds the accounts of each demo server by endpoint, so that every driver
// made for one server sees the same accounts.
var servers sync.Map

// Driver is a demo server.
type Driver struct {
	host string
	s    *server
}

var (
	_ driver.Driver       = (*Driver)(nil)
	_ driver.SingleSignOn = (*Driver)(nil)
)

// New makes the driver of a demo server.
func New(sv driver.Server) (driver.Driver, error) {
	host := hostOf(sv.Endpoint)
	if host == "" {
		return nil, fmt.Errorf("demo: endpoint %q names no host", sv.Endpoint)
	}
	s, _ := servers.LoadOrStore(sv.Endpoint, &server{accounts: map[string]*account{}})
	return &Driver{host: host, s: s.(*server)}, nil
}

func hostOf(endpoint string) string {
	if strings.Contains(endpoint, "://") {
		if u, err := url.Parse(endpoint); err == nil {
			return u.Hostname()
		}
		return ""
	}
	if h, _, err := net.SplitHostPort(endpoint); err == nil {
		return h
	}
	return endpoint
}

// Test always answers: the demo server is this process.
func (d *Driver) Test(context.Context) error { return nil }

func (d *Driver) details(a driver.Account) driver.Created {
	c := driver.Created{Details: map[string]string{"demo": "this is a demonstration: nothing runs on " + d.host}}
	switch a.Kind {
	case driver.KindWebhosting:
		c.Details["host"], c.Details["sftp_user"], c.Details["database"] = d.host, a.Ref, a.Ref
	case driver.KindEmail:
		c.Details["imap"], c.Details["smtp"], c.Details["username"] = d.host+":993", d.host+":587", "postmaster@"+cmpOr(a.Domain, a.Ref+".invalid")
	case driver.KindVPN:
		c.Details["endpoint"] = d.host + ":51820"
		c.Sensitive = map[string]string{"config": "# demonstration WireGuard configuration for " + a.Ref + "\n[Interface]\n# no key: nothing runs\n"}
	case driver.KindContainers, driver.KindVPS:
		c.Details["host"], c.Details["ssh_user"] = d.host, a.Ref
	}
	return c
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Create keeps the account (or makes the one kept match).
func (d *Driver) Create(_ context.Context, a driver.Account) (driver.Created, error) {
	if err := driver.ValidRef(a.Ref); err != nil {
		return driver.Created{}, driver.Refused("create", "%v", err)
	}
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if acc, ok := d.s.accounts[a.Ref]; ok {
		acc.a, acc.terminated = a, false
	} else {
		d.s.accounts[a.Ref] = &account{a: a}
	}
	return d.details(a), nil
}

func (d *Driver) with(ref string, fn func(*account)) error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	acc, ok := d.s.accounts[ref]
	if !ok {
		return fmt.Errorf("demo: %s: %w", ref, driver.ErrNotFound)
	}
	fn(acc)
	return nil
}

// Suspend marks the account suspended.
func (d *Driver) Suspend(_ context.Context, ref string, _ driver.SuspendReason) error {
	return d.with(ref, func(a *account) { a.suspended = true })
}

// Unsuspend marks it in use.
func (d *Driver) Unsuspend(_ context.Context, ref string) error {
	return d.with(ref, func(a *account) { a.suspended = false })
}

// Terminate marks it out of service; an unknown ref is no error.
func (d *Driver) Terminate(_ context.Context, ref string) error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	if a, ok := d.s.accounts[ref]; ok {
		a.terminated = true
	}
	return nil
}

// DeleteData forgets the account.
func (d *Driver) DeleteData(_ context.Context, ref string) error {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	delete(d.s.accounts, ref)
	return nil
}

// ChangePackage keeps the new package.
func (d *Driver) ChangePackage(_ context.Context, ref string, p driver.Package) error {
	return d.with(ref, func(a *account) { a.a.Package = p })
}

// ResetCredentials keeps the new secret.
func (d *Driver) ResetCredentials(_ context.Context, ref, secret string) (driver.Created, error) {
	var c driver.Created
	err := d.with(ref, func(a *account) {
		a.a.Secret = secret
		c = d.details(a.a)
	})
	return c, err
}

// Usage is nothing: nothing runs.
func (d *Driver) Usage(_ context.Context, ref string) (driver.Usage, error) {
	return driver.Usage{MeasuredAt: time.Now().UTC()}, d.with(ref, func(*account) {})
}

// List lists the accounts kept, terminated ones included (their data are kept).
func (d *Driver) List(context.Context) ([]driver.Listed, error) {
	d.s.mu.Lock()
	defer d.s.mu.Unlock()
	out := make([]driver.Listed, 0, len(d.s.accounts))
	for _, a := range d.s.accounts {
		out = append(out, driver.Listed{Ref: a.a.Ref, Kind: a.a.Kind, Suspended: a.suspended})
	}
	slices.SortFunc(out, func(a, b driver.Listed) int { return strings.Compare(a.Ref, b.Ref) })
	return out, nil
}

// LoginURL is a made-up address on the demo host.
func (d *Driver) LoginURL(_ context.Context, ref string) (string, error) {
	return "https://" + d.host + "/demo-panel/" + ref, d.with(ref, func(*account) {})
}
