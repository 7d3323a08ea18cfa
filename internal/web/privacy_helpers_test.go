package web

import (
	"context"
	"log/slog"
	"slices"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/privacy/holders"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// The privacy service as internal/app wires it: contacts from the organisations,
// affected customers from the contracts feed and the monitor's placements.

func newTestPrivacy(db *store.DB, clk clock.Clock, pack *terms.Pack, mon *monitor.Service, logger *slog.Logger) *privacy.Service {
	return privacy.New(db, clk, privacy.Deps{Pack: pack, Customers: testPrivCustomers{}, Subscriptions: testPrivSubs{pack: pack.Name},
		Placements: testPrivPlacements{mon}, Holders: holders.All(), BaseURL: "https://portal.example", Logger: logger})
}

type testPrivCustomers struct{}

func (testPrivCustomers) Contact(ctx context.Context, q store.Querier, orgID int64) (privacy.Recipient, error) {
	var r privacy.Recipient
	err := q.QueryRowContext(ctx, `SELECT email, legal_name, language FROM organisations WHERE id = $1`, orgID).Scan(&r.Email, &r.Name, &r.Lang)
	return r, err
}

type testPrivSubs struct{ pack string }

func (p testPrivSubs) RunningOfKinds(ctx context.Context, q store.Querier, kinds []string, day terms.Date) ([]privacy.Affected, error) {
	subs, err := contracts.BillableSubscriptions(ctx, q, p.pack, contracts.FeedKey{}, 10000)
	if err != nil {
		return nil, err
	}
	var out []privacy.Affected
	for _, s := range subs {
		if s.Status != contracts.SubActive || !slices.Contains(kinds, string(s.Kind)) || (!s.EndsOn.IsZero() && !s.EndsOn.After(day)) {
			continue
		}
		if n := len(out); n > 0 && out[n-1].OrgID == s.OrgID {
			out[n-1].Subscriptions = append(out[n-1].Subscriptions, s.ID)
		} else {
			out = append(out, privacy.Affected{OrgID: s.OrgID, Subscriptions: []int64{s.ID}})
		}
	}
	return out, nil
}

type testPrivPlacements struct{ m *monitor.Service }

func (p testPrivPlacements) OnServers(ctx context.Context, q store.Querier, serverIDs []int64) ([]privacy.Affected, error) {
	ps, err := p.m.SubscriptionsOn(ctx, q, serverIDs)
	if err != nil {
		return nil, err
	}
	var out []privacy.Affected
	for _, pl := range ps {
		i := slices.IndexFunc(out, func(a privacy.Affected) bool { return a.OrgID == pl.OrgID })
		if i < 0 {
			out = append(out, privacy.Affected{OrgID: pl.OrgID})
			i = len(out) - 1
		}
		if !slices.Contains(out[i].Subscriptions, pl.SubscriptionID) {
			out[i].Subscriptions = append(out[i].Subscriptions, pl.SubscriptionID)
		}
	}
	return out, nil
}
