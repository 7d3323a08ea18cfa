package agenttest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// Memory is a module that keeps its accounts in memory: the protocol's counterpart for
// tests of the agent and its client, not a stand-in for any real software. A domain
// starting with "refuse." is refused, so that a test can follow a refusal end to end.
type Memory struct {
	Kind driver.Kind

	mu       sync.Mutex
	accounts map[string]*MemoryAccount
}

// MemoryAccount is one account of a Memory module.
type MemoryAccount struct {
	driver.Account
	Suspended, Terminated bool
	Reason                driver.SuspendReason
}

var _ driver.Driver = (*Memory)(nil)

// Get returns a copy of the account ref, or false.
func (m *Memory) Get(ref string) (MemoryAccount, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[ref]
	if !ok {
		return MemoryAccount{}, false
	}
	return *a, true
}

func (m *Memory) Test(context.Context) error { return nil }

func (m *Memory) Create(_ context.Context, a driver.Account) (driver.Created, error) {
	if strings.HasPrefix(a.Domain, "refuse.") {
		return driver.Created{}, driver.Refused("create", "domain %s is refused", a.Domain)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.accounts == nil {
		m.accounts = map[string]*MemoryAccount{}
	}
	if old, ok := m.accounts[a.Ref]; ok {
		old.Account = a
	} else {
		m.accounts[a.Ref] = &MemoryAccount{Account: a}
	}
	return driver.Created{Details: map[string]string{"username": a.Ref, "domain": a.Domain}}, nil
}

func (m *Memory) with(ref string, f func(a *MemoryAccount) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	a, ok := m.accounts[ref]
	if !ok {
		return fmt.Errorf("memory %s: %w", ref, driver.ErrNotFound)
	}
	return f(a)
}

func (m *Memory) Suspend(_ context.Context, ref string, r driver.SuspendReason) error {
	return m.with(ref, func(a *MemoryAccount) error { a.Suspended, a.Reason = true, r; return nil })
}

func (m *Memory) Unsuspend(_ context.Context, ref string) error {
	return m.with(ref, func(a *MemoryAccount) error { a.Suspended, a.Reason = false, ""; return nil })
}

func (m *Memory) Terminate(_ context.Context, ref string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if a, ok := m.accounts[ref]; ok {
		a.Terminated = true
	}
	return nil
}

func (m *Memory) DeleteData(_ context.Context, ref string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.accounts, ref)
	return nil
}

func (m *Memory) ChangePackage(_ context.Context, ref string, p driver.Package) error {
	return m.with(ref, func(a *MemoryAccount) error { a.Package = p; return nil })
}

func (m *Memory) ResetCredentials(_ context.Context, ref, secret string) (driver.Created, error) {
	return driver.Created{}, m.with(ref, func(a *MemoryAccount) error { a.Secret = secret; return nil })
}

func (m *Memory) Usage(_ context.Context, ref string) (driver.Usage, error) {
	var u driver.Usage
	err := m.with(ref, func(a *MemoryAccount) error {
		u = driver.Usage{DiskBytes: int64(len(a.Ref)), MeasuredAt: time.Unix(0, 0).UTC()}
		return nil
	})
	return u, err
}

func (m *Memory) List(context.Context) ([]driver.Listed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := []driver.Listed{}
	for _, a := range m.accounts {
		out = append(out, driver.Listed{Ref: a.Ref, Kind: m.Kind, Suspended: a.Suspended})
	}
	slices.SortFunc(out, func(a, b driver.Listed) int { return strings.Compare(a.Ref, b.Ref) })
	return out, nil
}
