package compensation

import (
	"context"
	"math/big"

	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// Contracts reads subscriptions from the contracts package: the SubscriptionSource of
// a running hostpact.
type Contracts struct{ Pack *terms.Pack }

// Subscription implements SubscriptionSource.
func (c Contracts) Subscription(ctx context.Context, q store.Querier, id int64) (Subscription, error) {
	sub, err := contracts.SubscriptionForSLA(ctx, q, id)
	if err != nil {
		return Subscription{}, err
	}
	return c.of(sub), nil
}

// SLASubscriptions implements SubscriptionSource.
func (c Contracts) SLASubscriptions(ctx context.Context, q store.Querier, orgID int64, from, to terms.Date) ([]Subscription, error) {
	subs, err := contracts.SLASubscriptions(ctx, q, orgID, from, to)
	if err != nil {
		return nil, err
	}
	out := make([]Subscription, 0, len(subs))
	for _, s := range subs {
		out = append(out, c.of(s))
	}
	return out, nil
}

func (c Contracts) of(sub contracts.Subscription) Subscription {
	out := Subscription{ID: sub.ID, OrgID: sub.OrgID, Name: sub.Name, SLA: sub.SLA, StartOn: sub.StartOn, EndsOn: sub.EndsOn,
		Kind: MeasurementKind(c.Pack.Latest(), sub.Kind)}
	if sub.EndsOn.IsZero() && !sub.EndedOn.IsZero() {
		out.EndsOn = sub.EndedOn
	}
	// The fee is the price per period times the quantity, as billing invoices it; a
	// period of whole months that divides a year becomes a yearly fee so that the credit
	// is rounded once (cp.sla.compensation.3), others a monthly fee.
	fee := sub.Price.Mul(int64(max(sub.Quantity, 1)))
	switch n, ok := sub.Period.InMonths(); {
	case !ok || n <= 1:
		out.MonthlyFee = fee
	case 12%n == 0:
		out.YearlyFee = fee.Mul(int64(12 / n))
	default:
		x := fee.Rat()
		out.YearlyFee = terms.RoundCents(x.Mul(x, big.NewRat(12, int64(n))))
	}
	return out
}

// MeasurementKind maps a catalogue kind to the pack's measurement kind: the catalogue
// sells "containers", the SLA measures a "container" service (sla.measurement.components).
// A kind the pack does not measure gives "".
func MeasurementKind(p *terms.Policy, k catalog.Kind) string {
	kind := string(k)
	if k == catalog.KindContainers {
		kind = "container"
	}
	if _, ok := p.Terms.SLA.Measurement.Components[kind]; !ok {
		return ""
	}
	return kind
}
