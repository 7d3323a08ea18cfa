// Package domainstest is an in-memory registry.Registry that keeps SIDN's states
// (active → scheduled delete → quarantine → released; transfer token rotation) on an
// injected clock, for tests and the demo. It counts the changes it made, so a test can
// tell that a retried operation changed the registry once.
package domainstest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/domains/registry"
)

// QuarantineDays is SIDN's quarantine (registry rules, cp.av.6.2).
const QuarantineDays = 40

type domain struct {
	d        registry.Domain
	sponsor  string // registrar holding it
	token    string
	previous string // last registrant, who alone can redeem from quarantine
}

// Registry is the in-memory registry. Use New; Conn gives a registrar's connection.
type Registry struct {
	mu       sync.Mutex
	clk      clock.Clock
	domains  map[string]*domain
	contacts map[string]registry.Contact
	queue    map[string][]registry.Message
	nextID   int
	// Changes counts the changing calls that took effect, by command.
	Changes map[string]int
	// Down makes every call fail with registry.ErrUnavailable.
	Down bool
}

// New returns an empty registry on clk.
func New(clk clock.Clock) *Registry {
	return &Registry{clk: clk, domains: map[string]*domain{}, contacts: map[string]registry.Contact{}, queue: map[string][]registry.Message{}, Changes: map[string]int{}}
}

// Hold registers name to another registrar with the given transfer token, as a name
// taken by someone else (token "" makes it not transferable to us).
func (r *Registry) Hold(name, registrar, token string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.clk.Now().UTC()
	r.domains[name] = &domain{d: registry.Domain{Name: name, ROID: r.id("D"), State: registry.StateActive, Registrant: "OTHER1", Created: now,
		Expires: now.AddDate(1, 0, 0)}, sponsor: registrar, token: token}
}

// Count is how many changes of a kind took effect.
func (r *Registry) Count(cmd string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.Changes[cmd]
}

// Lookup is the registry's view of a name.
func (r *Registry) Lookup(name string) (registry.Domain, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tick()
	d, ok := r.domains[name]
	if !ok {
		return registry.Domain{}, false
	}
	return d.d, true
}

// Conn is registrar's connection.
func (r *Registry) Conn(registrar string) registry.Registry { return &conn{r: r, me: registrar} }

func (r *Registry) id(prefix string) string {
	r.nextID++
	return fmt.Sprintf("%s%06d", prefix, r.nextID)
}

func newToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return strings.ToUpper(hex.EncodeToString(b))
}

// tick moves domains along SIDN's states as the clock passed their dates.
func (r *Registry) tick() {
	now := r.clk.Now().UTC()
	for name, d := range r.domains {
		switch d.d.State {
		case registry.StateScheduledDelete:
			if !now.Before(d.d.DeleteDate) {
				d.previous = d.d.Registrant
				d.d.State = registry.StateQuarantine
				d.d.DeleteDate = d.d.DeleteDate.AddDate(0, 0, QuarantineDays)
				r.queue[d.sponsor] = append(r.queue[d.sponsor], registry.Message{ID: r.id("M"), Queued: now, Domain: name, Kind: "quarantine",
					Text: name + " is in quarantine"})
			}
		case registry.StateQuarantine:
			if !now.Before(d.d.DeleteDate) {
				delete(r.domains, name)
			}
		}
	}
}

type conn struct {
	r  *Registry
	me string
}

func (c *conn) lock() (func(), error) {
	c.r.mu.Lock()
	if c.r.Down {
		c.r.mu.Unlock()
		return nil, fmt.Errorf("%w: connection refused", registry.ErrUnavailable)
	}
	c.r.tick()
	return c.r.mu.Unlock, nil
}

func (c *conn) mine(name string) (*domain, error) {
	d, ok := c.r.domains[name]
	if !ok {
		return nil, fmt.Errorf("%w: %s (2303 Object does not exist)", registry.ErrNotFound, name)
	}
	if d.sponsor != c.me {
		return nil, fmt.Errorf("%w: %s is sponsored by another registrar (2201)", registry.ErrAuthorization, name)
	}
	return d, nil
}

func (c *conn) Check(_ context.Context, names ...string) ([]registry.Availability, error) {
	unlock, err := c.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	out := make([]registry.Availability, len(names))
	for i, n := range names {
		_, taken := c.r.domains[n]
		out[i] = registry.Availability{Name: n, Available: !taken}
		if taken {
			out[i].Reason = "In use"
		}
	}
	return out, nil
}

func (c *conn) Info(_ context.Context, name string) (registry.Domain, error) {
	unlock, err := c.lock()
	if err != nil {
		return registry.Domain{}, err
	}
	defer unlock()
	d, err := c.mine(name)
	if err != nil {
		return registry.Domain{}, err
	}
	return d.d, nil
}

func (c *conn) CreateContact(_ context.Context, ct registry.Contact) (string, error) {
	unlock, err := c.lock()
	if err != nil {
		return "", err
	}
	defer unlock()
	h := c.r.id("C")
	ct.Handle = h
	c.r.contacts[h] = ct
	c.r.Changes["contact:create"]++
	return h, nil
}

func (c *conn) UpdateContact(_ context.Context, ct registry.Contact) error {
	unlock, err := c.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if _, ok := c.r.contacts[ct.Handle]; !ok {
		return fmt.Errorf("%w: contact %s", registry.ErrNotFound, ct.Handle)
	}
	c.r.contacts[ct.Handle] = ct
	c.r.Changes["contact:update"]++
	return nil
}

func (c *conn) Create(_ context.Context, reg registry.Registration) (registry.Domain, error) {
	unlock, err := c.lock()
	if err != nil {
		return registry.Domain{}, err
	}
	defer unlock()
	if d, ok := c.r.domains[reg.Name]; ok {
		if d.sponsor == c.me && d.d.Registrant == reg.Registrant {
			return d.d, nil // done before: a retry
		}
		return registry.Domain{}, fmt.Errorf("%w: %s (2302 Object exists)", registry.ErrNotAvailable, reg.Name)
	}
	now := c.r.clk.Now().UTC()
	d := &domain{d: registry.Domain{Name: reg.Name, ROID: c.r.id("D"), State: registry.StateActive, Registrant: reg.Registrant,
		Nameservers: reg.Nameservers, Created: now, Expires: now.AddDate(max(reg.Period, 1), 0, 0)}, sponsor: c.me, token: newToken()}
	c.r.domains[reg.Name] = d
	c.r.Changes["domain:create"]++
	return d.d, nil
}

func (c *conn) Renew(_ context.Context, name string, current time.Time, years int) (time.Time, error) {
	unlock, err := c.lock()
	if err != nil {
		return time.Time{}, err
	}
	defer unlock()
	d, err := c.mine(name)
	if err != nil {
		return time.Time{}, err
	}
	want := current.AddDate(years, 0, 0)
	if sameDay(d.d.Expires, want) {
		return d.d.Expires, nil // done before
	}
	if !sameDay(d.d.Expires, current) {
		return time.Time{}, fmt.Errorf("%w: current expiry is %s (2306)", registry.ErrNotAllowed, d.d.Expires.Format(time.DateOnly))
	}
	d.d.Expires = d.d.Expires.AddDate(years, 0, 0)
	c.r.Changes["domain:renew"]++
	return d.d.Expires, nil
}

func sameDay(a, b time.Time) bool {
	return a.UTC().Format(time.DateOnly) == b.UTC().Format(time.DateOnly)
}

func (c *conn) UpdateNameservers(_ context.Context, name string, ns []string) error {
	unlock, err := c.lock()
	if err != nil {
		return err
	}
	defer unlock()
	d, err := c.mine(name)
	if err != nil {
		return err
	}
	d.d.Nameservers = append([]string(nil), ns...)
	c.r.Changes["domain:update"]++
	return nil
}

func (c *conn) RequestTransfer(_ context.Context, name, code string) (registry.Transfer, error) {
	unlock, err := c.lock()
	if err != nil {
		return registry.Transfer{}, err
	}
	defer unlock()
	d, ok := c.r.domains[name]
	if !ok {
		return registry.Transfer{}, fmt.Errorf("%w: %s", registry.ErrNotFound, name)
	}
	now := c.r.clk.Now().UTC()
	if d.sponsor == c.me {
		return registry.Transfer{Name: name, Status: "serverApproved", Acted: now}, nil // done before
	}
	if d.d.State != registry.StateActive {
		return registry.Transfer{}, fmt.Errorf("%w: %s is %s", registry.ErrNotAllowed, name, d.d.State)
	}
	if d.token == "" || code != d.token {
		return registry.Transfer{}, fmt.Errorf("%w: Invalid authorization information (2202)", registry.ErrAuthorization)
	}
	// SIDN completes a transfer with a valid token at once and gives a new token.
	old := d.sponsor
	d.sponsor, d.token = c.me, newToken()
	c.r.Changes["domain:transfer"]++
	c.r.queue[old] = append(c.r.queue[old], registry.Message{ID: c.r.id("M"), Queued: now, Domain: name, Kind: "transfer", Text: name + " transferred away"})
	return registry.Transfer{Name: name, Status: "serverApproved", Requested: now, Acted: now, NewToken: d.token}, nil
}

func (c *conn) QueryTransfer(_ context.Context, name string) (registry.Transfer, error) {
	unlock, err := c.lock()
	if err != nil {
		return registry.Transfer{}, err
	}
	defer unlock()
	if d, ok := c.r.domains[name]; ok && d.sponsor == c.me {
		return registry.Transfer{Name: name, Status: "serverApproved"}, nil
	}
	return registry.Transfer{}, fmt.Errorf("%w: no transfer of %s", registry.ErrNotFound, name)
}

func (c *conn) ApproveTransfer(context.Context, string) (registry.Transfer, error) {
	return registry.Transfer{}, fmt.Errorf("%w: transfers complete at once here", registry.ErrNotAllowed)
}

func (c *conn) RejectTransfer(context.Context, string) (registry.Transfer, error) {
	return registry.Transfer{}, fmt.Errorf("%w: transfers complete at once here", registry.ErrNotAllowed)
}

func (c *conn) ScheduleDelete(_ context.Context, name string, at registry.DeleteAt) (registry.Domain, error) {
	unlock, err := c.lock()
	if err != nil {
		return registry.Domain{}, err
	}
	defer unlock()
	d, err := c.mine(name)
	if err != nil {
		return registry.Domain{}, err
	}
	when := at.Date
	if at.EndOfPeriod {
		when = d.d.Expires
	}
	if d.d.State == registry.StateScheduledDelete && sameDay(d.d.DeleteDate, when) {
		return d.d, nil
	}
	if d.d.State != registry.StateActive && d.d.State != registry.StateScheduledDelete {
		return registry.Domain{}, fmt.Errorf("%w: %s is %s", registry.ErrNotAllowed, name, d.d.State)
	}
	d.d.State, d.d.DeleteDate = registry.StateScheduledDelete, when.UTC()
	c.r.Changes["domain:delete"]++
	return d.d, nil
}

func (c *conn) CancelDelete(_ context.Context, name string) (registry.Domain, error) {
	unlock, err := c.lock()
	if err != nil {
		return registry.Domain{}, err
	}
	defer unlock()
	d, err := c.mine(name)
	if err != nil {
		return registry.Domain{}, err
	}
	if d.d.State == registry.StateActive {
		return d.d, nil
	}
	if d.d.State != registry.StateScheduledDelete {
		return registry.Domain{}, fmt.Errorf("%w: %s is %s", registry.ErrNotAllowed, name, d.d.State)
	}
	d.d.State, d.d.DeleteDate = registry.StateActive, time.Time{}
	c.r.Changes["domain:cancel-delete"]++
	return d.d, nil
}

func (c *conn) Restore(_ context.Context, name string) (registry.Domain, error) {
	unlock, err := c.lock()
	if err != nil {
		return registry.Domain{}, err
	}
	defer unlock()
	d, err := c.mine(name)
	if err != nil {
		return registry.Domain{}, err
	}
	if d.d.State == registry.StateActive {
		return d.d, nil
	}
	if d.d.State != registry.StateQuarantine {
		return registry.Domain{}, fmt.Errorf("%w: %s is %s", registry.ErrNotAllowed, name, d.d.State)
	}
	d.d.State, d.d.DeleteDate, d.d.Registrant = registry.StateActive, time.Time{}, d.previous
	now := c.r.clk.Now().UTC()
	for !d.d.Expires.After(now) {
		d.d.Expires = d.d.Expires.AddDate(1, 0, 0)
	}
	c.r.Changes["domain:restore"]++
	return d.d, nil
}

func (c *conn) TransferToken(_ context.Context, name string) (string, error) {
	unlock, err := c.lock()
	if err != nil {
		return "", err
	}
	defer unlock()
	d, err := c.mine(name)
	if err != nil {
		return "", err
	}
	if d.token == "" {
		d.token = newToken()
	}
	return d.token, nil
}

func (c *conn) Poll(context.Context) (*registry.Message, error) {
	unlock, err := c.lock()
	if err != nil {
		return nil, err
	}
	defer unlock()
	q := c.r.queue[c.me]
	if len(q) == 0 {
		return nil, nil
	}
	m := q[0]
	return &m, nil
}

func (c *conn) Ack(_ context.Context, id string) error {
	unlock, err := c.lock()
	if err != nil {
		return err
	}
	defer unlock()
	q := c.r.queue[c.me]
	if len(q) == 0 || q[0].ID != id {
		return fmt.Errorf("%w: message %s", registry.ErrNotFound, id)
	}
	c.r.queue[c.me] = q[1:]
	return nil
}

func (c *conn) Close() error { return nil }

// Queued is how many poll messages wait for registrar.
func (r *Registry) Queued(registrar string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.queue[registrar])
}
