package app

import (
	"context"
	"errors"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/backup"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/provision/drivers/agentdriver"
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

// backupRemote finds the agent that holds a service's data: the service's
// provisioning server, when it is of the agent type. Services on servers of other
// types are backed up with the local engine and source (none in production yet).
type backupRemote struct{ prov *provision.Service }

func (b backupRemote) For(ctx context.Context, e backup.Enrolled) (backup.Host, error) {
	d, typ, err := b.prov.DriverOfService(ctx, e.ServiceID)
	if errors.Is(err, accounts.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c, ok := d.(*agentdriver.Client)
	if typ != "agent" || !ok {
		provision.Release(d)
		return nil, nil
	}
	// The client is made for this call; its idle connection closes after
	// IdleConnTimeout, as the provisioning layer's own per-use clients do.
	return c.BackupHost(), nil
}

// backupProvisioning lists the provisioning services for the backup enrolment job
// (a read of the provisioning layer's table, as backupAddOns reads the contracts').
type backupProvisioning struct{ db *store.DB }

func (b backupProvisioning) ServicesAfter(ctx context.Context, after int64, limit int) ([]backup.Provisioned, error) {
	rows, err := b.db.QueryContext(ctx, `SELECT id, org_id, ref, kind, name, domain, COALESCE(server_id, 0), state FROM provision_services
		WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []backup.Provisioned
	for rows.Next() {
		var p backup.Provisioned
		var state string
		if err := rows.Scan(&p.ServiceID, &p.OrgID, &p.Ref, &p.Kind, &p.Name, &p.Domain, &p.ProvServerID, &state); err != nil {
			return nil, err
		}
		switch provision.State(state) {
		case provision.StateActive, provision.StateSuspended:
			p.Live = true
		case provision.StateTerminated, provision.StateDeleted:
			p.Ended = true
		}
		out = append(out, p)
	}
	return out, rows.Err()
}
