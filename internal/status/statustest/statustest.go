// Package statustest holds in-memory stand-ins for what the status service reads of
// other packages: the monitor's servers, outages and placements, and the customers'
// contacts. Tests and the status benchmark use them instead of the monitor's tables.
package statustest

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/store"
)

// Monitor is an in-memory status.MonitorReader.
type Monitor struct {
	mu         sync.Mutex
	Servers    []monitor.Server
	Outages    []monitor.Outage
	Placements []monitor.Placement
}

var _ status.MonitorReader = (*Monitor)(nil)

// AllServers returns the servers.
func (m *Monitor) AllServers(context.Context, store.Querier) ([]monitor.Server, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.Servers), nil
}

// OutagesBetween returns the outages overlapping [from, to); ongoing ones have zero To.
func (m *Monitor) OutagesBetween(_ context.Context, _ store.Querier, from, to time.Time) ([]monitor.Outage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []monitor.Outage
	for _, o := range m.Outages {
		if o.From.Before(to) && (o.To.IsZero() || o.To.After(from)) {
			out = append(out, o)
		}
	}
	return out, nil
}

// SubscriptionsOn returns the placements on serverIDs.
func (m *Monitor) SubscriptionsOn(_ context.Context, _ store.Querier, serverIDs []int64) ([]monitor.Placement, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []monitor.Placement
	for _, p := range m.Placements {
		if slices.Contains(serverIDs, p.ServerID) {
			out = append(out, p)
		}
	}
	return out, nil
}

// Start records an ongoing outage and returns it.
func (m *Monitor) Start(o monitor.Outage) monitor.Outage {
	m.mu.Lock()
	defer m.mu.Unlock()
	o.ID = int64(len(m.Outages) + 1)
	m.Outages = append(m.Outages, o)
	return o
}

// End ends outage id at to and returns it.
func (m *Monitor) End(id int64, to time.Time) monitor.Outage {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.Outages[id-1].To = to
	return m.Outages[id-1]
}

// Customers answers contacts from a map by organisation id.
type Customers map[int64]status.Recipient

// Contact returns the organisation's contact.
func (c Customers) Contact(_ context.Context, _ store.Querier, orgID int64) (status.Recipient, error) {
	return c[orgID], nil
}
