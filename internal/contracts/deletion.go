package contracts

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/hostpact/hostpact/internal/store"
)

// ---- data deletion after the end (cp.av.13.6, INTERPRETATION.md "Retention") ----

// PlanChanger is implemented by a Provisioner that follows plan changes: PlanChanged
// is called after a change of the subscription's plan committed, both for a raise that
// takes effect at once and for a reduction that takes effect at the renewal
// (cp.av.9.1). It must be idempotent; a failure is logged and does not undo the change.
type PlanChanger interface {
	PlanChanged(ctx context.Context, sub Subscription) error
}

// DueDeletion is a service whose data the terms let the provider keep no longer: its
// deletion_schedule row's delete_after has passed and it was not yet done.
type DueDeletion struct {
	SubscriptionID int64
	OrgID          int64
	Category       string
	DeleteAfter    string // YYYY-MM-DD, the last day the data are kept
}

// DueDeletions lists the deletions due at now (delete_after before today), oldest first.
func (s *Service) DueDeletions(ctx context.Context, now time.Time) ([]DueDeletion, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT subscription_id, org_id, category, delete_after FROM deletion_schedule
		WHERE done_at IS NULL AND delete_after < $1 ORDER BY delete_after, id`, dateOf(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DueDeletion
	for rows.Next() {
		var d DueDeletion
		if err := rows.Scan(&d.SubscriptionID, &d.OrgID, &d.Category, &d.DeleteAfter); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// DeletionDone records that a subscription's data were deleted; doing so twice does
// nothing.
func (s *Service) DeletionDone(ctx context.Context, subscriptionID int64) error {
	ctx = jobCtx(ctx, "contracts.deletion")
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var orgID int64
		err := q.QueryRowContext(ctx, `UPDATE deletion_schedule SET done_at = $1, status = 'deleted' WHERE subscription_id = $2 AND done_at IS NULL
			RETURNING org_id`, now, subscriptionID).Scan(&orgID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		return record(ctx, q, now, orgID, "subscription.data_deleted", "subscription", subscriptionID, "the service's data were deleted after the retention period")
	})
}

// planChanged tells a PlanChanger about a committed plan change.
func (s *Service) planChanged(ctx context.Context, subID int64) {
	pc, ok := s.prov.(PlanChanger)
	if !ok {
		return
	}
	sub, err := getSub(ctx, s.db, subID)
	if err == nil {
		err = pc.PlanChanged(ctx, sub)
	}
	if err != nil {
		s.log.Error("contracts: plan change hook", "subscription", subID, "err", err)
	}
}

// UseProvisioner sets the provisioning hook once the service exists: internal/app
// builds the provisioning layer after contracts, since it reads deletions from it.
// Call it before the service is used.
func (s *Service) UseProvisioner(p Provisioner) {
	if p == nil {
		p = NoopProvisioner{}
	}
	s.prov = p
}
