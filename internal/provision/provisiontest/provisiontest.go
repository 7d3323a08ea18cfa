// Package provisiontest is the test kit of the provisioning layer: a driver type that
// keeps accounts in memory, counts what it really did (an account newly created, not a
// repeated Create) and can be told to be unreachable or to refuse. The provisioning
// tests and the pages' tests use it; it is no stand-in for a real component, which the
// drivers' own TestReal… tests run against.
package provisiontest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// ErrUnreachable is what a driver told to fail returns: not a refusal, so the layer
// retries.
var ErrUnreachable = errors.New("provisiontest: server unreachable")

// Account is what the kit keeps of one account on one server.
type Account struct {
	driver.Account
	Server     string // the endpoint
	Suspended  bool
	Reason     driver.SuspendReason
	Terminated bool
}

// Kit holds the accounts of every server of its type, by endpoint.
type Kit struct {
	mu       sync.Mutex
	accounts map[string]map[string]*Account
	creates  map[string]int // ref → accounts newly created (a side effect)
	calls    map[string]int // op → calls
	fail     map[string]int // op → unreachable answers left
	refuse   map[string]string
	sso      bool
}

// New returns an empty kit.
func New() *Kit {
	return &Kit{accounts: map[string]map[string]*Account{}, creates: map[string]int{}, calls: map[string]int{}, fail: map[string]int{},
		refuse: map[string]string{}, sso: true}
}

// Type is a registry entry named name delivering kinds (all when none), with one
// credential field "token" and one setting "note".
func (k *Kit) Type(name string, kinds ...driver.Kind) driver.Type {
	if len(kinds) == 0 {
		kinds = []driver.Kind{driver.KindWebhosting, driver.KindEmail, driver.KindContainers, driver.KindVPN, driver.KindVPS}
	}
	return driver.Type{Name: name, Kinds: kinds, CredentialFields: []string{"token"}, SettingFields: []string{"note"},
		New: func(sv driver.Server) (driver.Driver, error) {
			if sv.Credentials["token"] == "" {
				return nil, errors.New("provisiontest: no token")
			}
			return &Driver{k: k, endpoint: sv.Endpoint, token: sv.Credentials["token"]}, nil
		}, SingleSignOn: true}
}

// FailNext makes the next n calls of op ("create", "suspend", … as driver.Refusal ops
// are named; "*" for every op) unreachable.
func (k *Kit) FailNext(op string, n int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.fail[op] = n
}

// Refuse makes every call of op refused with message until Allow.
func (k *Kit) Refuse(op, message string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.refuse[op] = message
}

// Allow ends a Refuse.
func (k *Kit) Allow(op string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.refuse, op)
}

// NoSingleSignOn makes LoginURL refuse, as a driver without a panel would not have it.
func (k *Kit) NoSingleSignOn() {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.sso = false
}

// Creates is how many times an account with ref was newly created on any server.
func (k *Kit) Creates(ref string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.creates[ref]
}

// Calls is how many times op was called (failed calls included).
func (k *Kit) Calls(op string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.calls[op]
}

// Get returns the account with ref on the server at endpoint.
func (k *Kit) Get(endpoint, ref string) (Account, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	a, ok := k.accounts[endpoint][ref]
	if !ok {
		return Account{}, false
	}
	return *a, true
}

// Put places an account on a server behind hostpact's back (an orphan).
func (k *Kit) Put(endpoint string, a driver.Account) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.server(endpoint)[a.Ref] = &Account{Account: a, Server: endpoint}
}

// Remove takes an account off a server behind hostpact's back (missing).
func (k *Kit) Remove(endpoint, ref string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.server(endpoint), ref)
}

func (k *Kit) server(endpoint string) map[string]*Account {
	m, ok := k.accounts[endpoint]
	if !ok {
		m = map[string]*Account{}
		k.accounts[endpoint] = m
	}
	return m
}

// Driver is one server of the kit's type.
type Driver struct {
	k        *Kit
	endpoint string
	token    string
}

var (
	_ driver.Driver       = (*Driver)(nil)
	_ driver.SingleSignOn = (*Driver)(nil)
)

// enter counts the call and answers as the kit was told; it holds the kit's lock on
// success, which the caller releases.
func (d *Driver) enter(op string) error {
	k := d.k
	k.mu.Lock()
	k.calls[op]++
	for _, o := range []string{op, "*"} {
		if k.fail[o] > 0 {
			k.fail[o]--
			k.mu.Unlock()
			return fmt.Errorf("%s: %w", op, ErrUnreachable)
		}
	}
	if msg, ok := k.refuse[op]; ok {
		k.mu.Unlock()
		return driver.Refused(op, "%s", msg)
	}
	return nil
}

func (d *Driver) get(ref string) (*Account, error) {
	a, ok := d.k.server(d.endpoint)[ref]
	if !ok {
		return nil, fmt.Errorf("provisiontest: %s: %w", ref, driver.ErrNotFound)
	}
	return a, nil
}

func (d *Driver) details(a driver.Account) driver.Created {
	c := driver.Created{Details: map[string]string{"host": hostOf(d.endpoint), "username": a.Ref}}
	if a.Kind == driver.KindVPN {
		c.Sensitive = map[string]string{"config": "[Interface]\nPrivateKey = derived-from-" + a.Secret + "\n"}
	}
	return c
}

func hostOf(endpoint string) string {
	h := endpoint
	if i := strings.Index(h, "://"); i >= 0 {
		h = h[i+3:]
	}
	if i := strings.IndexAny(h, ":/"); i >= 0 {
		h = h[:i]
	}
	return h
}

// Test answers unless told otherwise.
func (d *Driver) Test(context.Context) error {
	if err := d.enter("test"); err != nil {
		return err
	}
	d.k.mu.Unlock()
	return nil
}

// Create keeps the account; a ref already there is made to match.
func (d *Driver) Create(_ context.Context, a driver.Account) (driver.Created, error) {
	if err := d.enter("create"); err != nil {
		return driver.Created{}, err
	}
	defer d.k.mu.Unlock()
	if err := driver.ValidRef(a.Ref); err != nil {
		return driver.Created{}, driver.Refused("create", "%v", err)
	}
	if a.Secret == "" {
		return driver.Created{}, driver.Refused("create", "no secret")
	}
	srv := d.k.server(d.endpoint)
	if cur, ok := srv[a.Ref]; ok {
		cur.Account, cur.Terminated = a, false
	} else {
		srv[a.Ref] = &Account{Account: a, Server: d.endpoint}
		d.k.creates[a.Ref]++
	}
	return d.details(a), nil
}

// Suspend marks the account suspended.
func (d *Driver) Suspend(_ context.Context, ref string, r driver.SuspendReason) error {
	if err := d.enter("suspend"); err != nil {
		return err
	}
	defer d.k.mu.Unlock()
	a, err := d.get(ref)
	if err == nil {
		a.Suspended, a.Reason = true, r
	}
	return err
}

// Unsuspend marks it in use.
func (d *Driver) Unsuspend(_ context.Context, ref string) error {
	if err := d.enter("unsuspend"); err != nil {
		return err
	}
	defer d.k.mu.Unlock()
	a, err := d.get(ref)
	if err == nil {
		a.Suspended, a.Reason = false, ""
	}
	return err
}

// Terminate marks it out of service; an unknown ref is no error.
func (d *Driver) Terminate(_ context.Context, ref string) error {
	if err := d.enter("terminate"); err != nil {
		return err
	}
	defer d.k.mu.Unlock()
	if a, err := d.get(ref); err == nil {
		a.Terminated = true
	}
	return nil
}

// DeleteData forgets it.
func (d *Driver) DeleteData(_ context.Context, ref string) error {
	if err := d.enter("delete"); err != nil {
		return err
	}
	defer d.k.mu.Unlock()
	delete(d.k.server(d.endpoint), ref)
	return nil
}

// ChangePackage keeps the package.
func (d *Driver) ChangePackage(_ context.Context, ref string, p driver.Package) error {
	if err := d.enter("change_package"); err != nil {
		return err
	}
	defer d.k.mu.Unlock()
	a, err := d.get(ref)
	if err == nil {
		a.Package = p
	}
	return err
}

// ResetCredentials keeps the secret.
func (d *Driver) ResetCredentials(_ context.Context, ref, secret string) (driver.Created, error) {
	if err := d.enter("reset_credentials"); err != nil {
		return driver.Created{}, err
	}
	defer d.k.mu.Unlock()
	a, err := d.get(ref)
	if err != nil {
		return driver.Created{}, err
	}
	a.Secret = secret
	return d.details(a.Account), nil
}

// Usage reports the package's disk as used.
func (d *Driver) Usage(_ context.Context, ref string) (driver.Usage, error) {
	if err := d.enter("usage"); err != nil {
		return driver.Usage{}, err
	}
	defer d.k.mu.Unlock()
	a, err := d.get(ref)
	if err != nil {
		return driver.Usage{}, err
	}
	return driver.Usage{DiskBytes: a.Package.DiskMB << 20}, nil
}

// List lists the server's accounts, terminated ones included.
func (d *Driver) List(context.Context) ([]driver.Listed, error) {
	if err := d.enter("list"); err != nil {
		return nil, err
	}
	defer d.k.mu.Unlock()
	var out []driver.Listed
	for _, a := range d.k.server(d.endpoint) {
		out = append(out, driver.Listed{Ref: a.Ref, Kind: a.Kind, Suspended: a.Suspended})
	}
	slices.SortFunc(out, func(a, b driver.Listed) int { return strings.Compare(a.Ref, b.Ref) })
	return out, nil
}

// LoginURL is a link on the server's host.
func (d *Driver) LoginURL(_ context.Context, ref string) (string, error) {
	if err := d.enter("login"); err != nil {
		return "", err
	}
	defer d.k.mu.Unlock()
	if !d.k.sso {
		return "", driver.Refused("login", "no panel")
	}
	if _, err := d.get(ref); err != nil {
		return "", err
	}
	return "https://" + hostOf(d.endpoint) + "/login/" + ref, nil
}
