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
	return listSubs(ctx, q, `WHERE sla = TRUE AND status <> 'pending' AND start_on < $1
		AND (ends_on IS NULL OR ends_on > $2) AND (ends_on IS NULL OR ends_on > start_on)
		AND (CAST($3 AS BIGINT) = 0 OR org_id = $3) ORDER BY org_id, id`, to.String(), from.String(), orgID)
}

// SubscriptionForSLA returns one subscription without a principal check; compensation
// checks the caller itself.
func SubscriptionForSLA(ctx context.Context, q store.Querier, id int64) (Subscription, error) {
	return getSub(ctx, q, id)
}
