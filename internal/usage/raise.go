package usage

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// PlanOption is a plan of the same product a subscription could move to.
type PlanOption struct {
	ID    int64
	Name  string
	Price terms.Money // per month, excluding VAT
	// Limits: nil means the plan states no limit.
	StorageMB *int64
	TrafficGB *int64
}

// Plans tells usage a subscription's current plan and the other active plans of its
// product (the catalog and contracts), for raising the plan (cp.av.9.1).
type Plans interface {
	Options(ctx context.Context, subscriptionID int64) (current PlanOption, others []PlanOption, err error)
}

// raisePrincipal is the settle job acting for the provider when it raises a plan.
var raisePrincipal = accounts.Principal{User: accounts.User{ID: -1, Email: "usage.settle@system", Roles: []accounts.Role{accounts.RoleSupport}}}

// fits reports whether a plan's limits hold the month's figures.
func (o PlanOption) fits(f Figures) bool {
	return (o.TrafficGB == nil || f.Traffic <= *o.TrafficGB*terms.BytesPerGB) &&
		(o.StorageMB == nil || f.Storage <= *o.StorageMB*terms.BytesPerMB)
}

// raiseOne raises the plan of a service whose month was above it (cp.av.9.1): to the
// cheapest dearer plan of the same product whose limits hold the month's figures,
// counted from the start of that month. The price difference for that month becomes a
// usage charge on the next invoice; from the change on, contracts' plan change applies
// the raise at once (with its own charge for the rest of the term). The days between
// the end of the month and the settle run are not charged, in the customer's favour.
// handled is false when there is nothing to raise to (no plan fits, or this
// installation cannot change plans): the caller bills the usage at the published
// price instead (cp.av.9.4).
func (s *Service) raiseOne(ctx context.Context, pol *terms.Policy, m Metered, month string, now time.Time) (n int, handled bool, err error) {
	f, err := monthFigures(ctx, s.db, m.ServiceID, month)
	if err != nil || f.Samples == 0 {
		return 0, true, err
	}
	over := false
	for _, r := range []string{terms.ResourceTraffic, terms.ResourceStorage} {
		if in := usageInput(m, f, r); !in.Unlimited && in.Used > in.Limit {
			over = true
		}
	}
	if !over {
		return 0, true, nil
	}
	if s.d.Plans == nil || s.d.Measures == nil {
		return 0, false, nil
	}
	// A raise recorded before (a rerun, or a crash after the record) is finished, not
	// chosen again.
	var id, to int64
	var status string
	read := func() error {
		return s.db.QueryRowContext(ctx, `SELECT id, to_plan_id, status FROM usage_raises WHERE service_id = $1 AND month = $2`, m.ServiceID, month).Scan(&id, &to, &status)
	}
	err = read()
	if errors.Is(err, errNoRows) {
		k, target, rerr := s.recordRaise(ctx, pol, m, f, now)
		if rerr != nil || target == 0 {
			return 0, target != 0, rerr
		}
		n = k
		err = read()
	}
	if err != nil || status == "done" {
		return n, true, err
	}
	if err := s.fail("raise.before_convert"); err != nil {
		return n, true, err
	}
	cur, err := s.d.Directory.MeteredService(ctx, m.ServiceID)
	if err != nil {
		return n, true, err
	}
	if cur.PlanID != to {
		if err := s.d.Measures.Convert(audit.JobContext(ctx, "usage.settle"), raisePrincipal, m.SubscriptionID, to); err != nil {
			return n, true, fmt.Errorf("usage: raising the plan of service %d: %w", m.ServiceID, err)
		}
	}
	_, err = s.db.ExecContext(ctx, `UPDATE usage_raises SET status = 'done' WHERE id = $1`, id)
	return n, true, err
}

// recordRaise chooses the plan and records the raise with the price difference for
// the month as a usage charge, in one transaction. target is 0 when no plan fits.
func (s *Service) recordRaise(ctx context.Context, pol *terms.Policy, m Metered, f Figures, now time.Time) (n int, target int64, err error) {
	cur, others, err := s.d.Plans.Options(ctx, m.SubscriptionID)
	if err != nil {
		return 0, 0, err
	}
	var best *PlanOption
	for i, o := range others {
		if o.ID != cur.ID && o.Price > cur.Price && o.fits(f) && (best == nil || o.Price < best.Price) {
			best = &others[i]
		}
	}
	if best == nil {
		return 0, 0, nil
	}
	diff := best.Price - cur.Price
	raise := strings.Join(pol.Terms.Usage.RaiseClauses, ", ")
	cl := terms.ClauseRef(pol.Terms.Usage.RaiseClauses)
	ex := terms.Explanation{
		{Clause: raise, Says: "Usage above the plan in a month raises the plan from the start of that month; a raise applies at once.",
			Key: "usage.raise", Args: terms.StepArgs(map[string]any{"month": f.Month, "from_plan": cur.Name, "to_plan": best.Name}),
			Reading: pol.Terms.Usage.Reading,
			Inputs: []terms.Input{{Name: "month", Value: f.Month}, {Name: "traffic_bytes", Value: fmt.Sprint(f.Traffic)}, {Name: "storage_bytes", Value: fmt.Sprint(f.Storage)},
				{Name: "from_plan", Value: cur.Name}, {Name: "to_plan", Value: best.Name}},
			Value: best.Name},
		{Clause: raise, Says: "The month in which the plan was exceeded is charged at the raised plan's price: the difference in monthly price.",
			Key: "usage.raise_charge", Args: terms.StepArgs(map[string]any{"old_price": cur.Price, "new_price": best.Price, "difference": diff}),
			Inputs: []terms.Input{{Name: "old_price", Value: cur.Price.String()}, {Name: "new_price", Value: best.Price.String()}},
			Value:  diff.String()},
	}
	desc := fmt.Sprintf("%s: plan raised from %s to %s from the start of %s (%s), difference for %s", m.Name, cur.Name, best.Name, f.Month, cl, f.Month)
	err = s.db.InTx(ctx, func(q store.Querier) error {
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO usage_raises (service_id, org_id, subscription_id, month, from_plan_id, to_plan_id, explanation, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (service_id, month) DO NOTHING RETURNING id`,
			m.ServiceID, m.OrgID, m.SubscriptionID, f.Month, cur.ID, best.ID, exJSON(ex), store.Now(now)).Scan(&id)
		if errors.Is(err, errNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		if diff > 0 {
			if _, err := q.ExecContext(ctx, `INSERT INTO usage_charges (service_id, org_id, subscription_id, month, resource, used, limit_bytes, amount,
				description, explanation, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (service_id, month, resource) DO NOTHING`,
				m.ServiceID, m.OrgID, m.SubscriptionID, f.Month, ResourceRaise, f.Traffic, limitBytes(m.TrafficGB, terms.BytesPerGB), diff, desc, exJSON(ex), store.Now(now)); err != nil {
				return err
			}
			n++
		}
		return audit.Record(ctx, q, store.Now(now), audit.Change{OrgID: m.OrgID, Action: "usage.plan_raise", ObjectKind: "usage_raise",
			ObjectID: fmt.Sprint(id), Summary: desc + ": " + diff.String()})
	})
	return n, best.ID, err
}

// ResourceRaise marks the usage charge of a raised plan's month (cp.av.9.1).
const ResourceRaise = "plan_raise"

func limitBytes(p *int64, unit int64) int64 {
	if p == nil {
		return 0
	}
	return *p * unit
}
