package app

import (
	"context"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/store"
)

// monitorStaff gives monitoring alerts to the staff with the support role when
// HOSTPACT has no explicit alert addresses.
type monitorStaff struct{ acc *accounts.Service }

func (m monitorStaff) SupportAddresses(ctx context.Context, _ store.Querier) ([]string, error) {
	users, err := m.acc.ListUsers(ctx, billing.SystemPrincipal, 0)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, u := range users {
		if !u.Disabled && u.HasRole(accounts.RoleSupport) {
			out = append(out, u.Email)
		}
	}
	return out, nil
}
