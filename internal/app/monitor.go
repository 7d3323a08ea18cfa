package app

import (
	"context"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/store"
)

// monitorStaff gives monitoring alerts to the staff with the support role when
// HOSTPACT has no explicit alert addresses.
type monitorStaff struct{ acc *accounts.Service }

func (m monitorStaff) SupportContacts(ctx context.Context, _ store.Querier) ([]monitor.Contact, error) {
	users, err := m.acc.ListUsers(ctx, billing.SystemPrincipal, 0)
	if err != nil {
		return nil, err
	}
	var out []monitor.Contact
	for _, u := range users {
		if !u.Disabled && u.HasRole(accounts.RoleSupport) {
			out = append(out, monitor.Contact{Email: u.Email, Lang: u.Language})
		}
	}
	return out, nil
}

// outageHooks passes the monitor's confirmed outages to the status page's incidents;
// status is set once both services are built (each needs the other).
type outageHooks struct{ status *status.Service }

func (h *outageHooks) OutageStarted(ctx context.Context, q store.Querier, o monitor.Outage) error {
	if h.status == nil {
		return nil
	}
	return h.status.OutageStarted(ctx, q, o)
}

func (h *outageHooks) OutageEnded(ctx context.Context, q store.Querier, o monitor.Outage) error {
	if h.status == nil {
		return nil
	}
	return h.status.OutageEnded(ctx, q, o)
}
