package app

import (
	"context"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/backup"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/store"
)

// backupStaff gives backup alerts to the staff with the support role.
type backupStaff struct{ acc *accounts.Service }

func (b backupStaff) SupportContacts(ctx context.Context, _ store.Querier) ([]backup.Contact, error) {
	users, err := b.acc.ListUsers(ctx, billing.SystemPrincipal, 0)
	if err != nil {
		return nil, err
	}
	var out []backup.Contact
	for _, u := range users {
		if !u.Disabled && u.HasRole(accounts.RoleSupport) {
			out = append(out, backup.Contact{Email: u.Email, Name: u.Name, Lang: u.Language})
		}
	}
	return out, nil
}

// backupCustomers gives the backup service an organisation's contact, to say that a
// restore is done.
type backupCustomers struct{}

func (backupCustomers) Contact(ctx context.Context, q store.Querier, orgID int64) (backup.Contact, error) {
	r, err := statusCustomers{}.Contact(ctx, q, orgID)
	return backup.Contact{Email: r.Email, Name: r.Name, Lang: r.Lang}, err
}

// backupAddOns reads the contracts' subscriptions: a VPS is backed up while its
// organisation has a running backup add-on for the same domain (the catalog links
// the add-on to its VPS by the subscription's domain; cp.sla.backups.3).
type backupAddOns struct{ db *store.DB }

func (b backupAddOns) HasVPSBackup(ctx context.Context, orgID int64, domain string) (bool, error) {
	var n int
	err := b.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM subscriptions WHERE org_id = $1 AND kind = $2 AND domain = $3 AND status = 'active'`,
		orgID, string(catalog.KindVPSBackup), domain).Scan(&n)
	return n > 0, err
}
