package app

import (
	"context"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
	"github.com/hostpact/hostpact/internal/usage"
)

// usagePrincipal reads services and their drivers for the usage collector.
var usagePrincipal = accounts.Principal{User: accounts.User{ID: -1, Email: "usage@system", Roles: []accounts.Role{accounts.RoleSupport}}}

// usageDirectory tells usage, from provisioning, contracts and the catalog, whose a
// service is, its plan's limits and whether it runs.
type usageDirectory struct{ a *App }

func (d usageDirectory) metered(ctx context.Context, v provision.ServiceView) (usage.Metered, error) {
	m := usage.Metered{ServiceID: v.ID, OrgID: v.OrgID, SubscriptionID: v.SubscriptionID, Kind: string(v.Kind), Name: v.Name,
		Active: v.State == provision.StateActive || v.State == provision.StateSuspended}
	if v.Domain != "" {
		m.Name = v.Name + " (" + v.Domain + ")"
	}
	sub, err := contracts.SubscriptionForBilling(ctx, d.a.DB, v.SubscriptionID)
	if err != nil {
		return m, err
	}
	m.PlanID = sub.PlanID
	if sub.PlanID == 0 {
		return m, nil
	}
	pl, err := d.a.Catalog.GetPlan(ctx, sub.PlanID)
	if err != nil {
		return m, err
	}
	m.PlanName = pl.Label()
	if l := pl.TrafficLimit(); !l.Unlimited {
		m.TrafficGB = &l.Amount
	}
	if l := pl.StorageLimit(); !l.Unlimited {
		m.StorageMB = &l.Amount
	}
	return m, nil
}

func (d usageDirectory) MeteredService(ctx context.Context, id int64) (usage.Metered, error) {
	v, err := d.a.Provision.Service(ctx, usagePrincipal, id)
	if err != nil {
		return usage.Metered{}, err
	}
	return d.metered(ctx, v)
}

// Running lists the services on every server that are active or suspended; a
// terminated or deleted service is never asked.
func (d usageDirectory) Running(ctx context.Context) ([]usage.Metered, error) {
	servers, err := d.a.Provision.Servers(ctx, usagePrincipal)
	if err != nil {
		return nil, err
	}
	var out []usage.Metered
	for _, srv := range servers {
		vs, err := d.a.Provision.ServicesOn(ctx, usagePrincipal, srv.ID)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			if v.State != provision.StateActive && v.State != provision.StateSuspended {
				continue
			}
			m, err := d.metered(ctx, v)
			if err != nil {
				return nil, err
			}
			out = append(out, m)
		}
	}
	return out, nil
}

func (d usageDirectory) Measure(ctx context.Context, id int64) (driver.Usage, error) {
	return d.a.Provision.Usage(ctx, usagePrincipal, id)
}

// usageMeasures carries out fair-use measures (fo.av.12.4) through provisioning
// (a staff suspension) and contracts (a plan change).
type usageMeasures struct{ a *App }

func (m usageMeasures) Block(ctx context.Context, by accounts.Principal, serviceID int64, note string) error {
	return m.a.Provision.SuspendByStaff(ctx, by, serviceID, note)
}

func (m usageMeasures) Convert(ctx context.Context, by accounts.Principal, subID, planID int64) error {
	_, err := m.a.Contracts.ChangePlan(ctx, by, subID, planID)
	return err
}

// usageCustomers gives usage the customer's contact for its warnings.
type usageCustomers struct{}

func (usageCustomers) Contact(ctx context.Context, q store.Querier, orgID int64) (usage.Recipient, error) {
	r, err := statusCustomers{}.Contact(ctx, q, orgID)
	return usage.Recipient{Email: r.Email, Name: r.Name, Lang: r.Lang}, err
}

// UsageDirectory is what the usage service knows of services (the demo seeds samples
// with it).
func (a *App) UsageDirectory() usage.Directory { return usageDirectory{a} }

// usagePlans tells usage, from contracts and the catalog, a subscription's plan and the
// other active plans of its product, with their price per month, for raising a plan
// (cp.av.9.1).
type usagePlans struct{ a *App }

func (u usagePlans) option(p catalog.Plan) usage.PlanOption {
	o := usage.PlanOption{ID: p.ID, Name: p.Label(), Price: p.Price}
	// A plan billed per several months is compared by its price per month, rounded
	// down to the cent.
	if m, ok := p.Period.InMonths(); ok && m > 1 {
		o.Price = p.Price / terms.Money(m)
	}
	if l := p.TrafficLimit(); !l.Unlimited {
		o.TrafficGB = &l.Amount
	}
	if l := p.StorageLimit(); !l.Unlimited {
		o.StorageMB = &l.Amount
	}
	return o
}

func (u usagePlans) Options(ctx context.Context, subID int64) (usage.PlanOption, []usage.PlanOption, error) {
	sub, err := contracts.SubscriptionForBilling(ctx, u.a.DB, subID)
	if err != nil {
		return usage.PlanOption{}, nil, err
	}
	cur, err := u.a.Catalog.GetPlan(ctx, sub.PlanID)
	if err != nil {
		return usage.PlanOption{}, nil, err
	}
	plans, err := u.a.Catalog.ListPlans(ctx, catalog.PlanFilter{Pack: cur.Pack, ProductID: cur.ProductID, ActiveOnly: true})
	if err != nil {
		return usage.PlanOption{}, nil, err
	}
	var out []usage.PlanOption
	for _, p := range plans {
		if p.Billing == catalog.Subscription {
			out = append(out, u.option(p))
		}
	}
	return u.option(cur), out, nil
}
