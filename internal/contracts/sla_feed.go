package contracts

import (
	"context"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// SLASubscriptions returns the subscriptions with the availability guarantee that ran
// on some day in [from, to) (dates), for the SLA's month figures (cp.sla.scope.2);
// orgID 0 means every organisation. No principal: the SLA job and compensation's own
// checked functions call it.
func SLASubscriptions(ctx context.Context, q store.Querier, orgID int64, from, to terms.Date) ([]Subscription, error) {
	query, args := slaQuery(orgID, from, to)
	return listSubs(ctx, q, query, args...)
}

// slaQuery is SLASubscriptions' condition. One organisation's is its own query along
// subscriptions_org: written as "$3 = 0 OR org_id = $3" it read every subscription with
// the guarantee (9 ms of a customer's portal home at 100,000 customers), and a
// customer's pages must cost the same whatever other customers hold (issue 16).
func slaQuery(orgID int64, from, to terms.Date) (string, []any) {
	const running = `sla = TRUE AND status <> 'pending' AND start_on < $1
		AND (ends_on IS NULL OR ends_on > $2) AND (ends_on IS NULL OR ends_on > start_on)`
	if orgID > 0 {
		return `WHERE org_id = $3 AND ` + running + ` ORDER BY org_id, id`, []any{to.String(), from.String(), orgID}
	}
	return `WHERE ` + running + ` ORDER BY org_id, id`, []any{to.String(), from.String()}
}

// SubscriptionForSLA returns one subscription without a principal check; compensation
// checks the caller itself.
func SubscriptionForSLA(ctx context.Context, q store.Querier, id int64) (Subscription, error) {
	return getSub(ctx, q, id)
}
