package contracts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// CancellationWithdrawal is a cancellation taken back before its end date.
type CancellationWithdrawal struct {
	SubscriptionID int64      `json:"subscription_id"`
	WasEndingOn    terms.Date `json:"was_ending_on"`
	ByStaff        bool       `json:"by_staff"`
	// Explanation says on what the withdrawal rests. Neither set of terms gives a right
	// to take a cancellation back (cp.av.13.1–13.4 and fo.av.20.3 only say how and when to cancel), so it
	// is the provider's courtesy, and the subscription simply runs on and renews.
	Explanation i18n.Msg `json:"explanation"`
}

// WithdrawCancellation takes a subscription's cancellation back before its end date:
// the subscription runs on as if never cancelled (its renewals follow the terms
// again). The customer does it in the portal (subscription.cancel), staff on the
// customer's request (cancellation.record). Only a cancellation ends a subscription
// this way: an end for non-payment or another reason is not withdrawn here. Whatever
// follows the subscription picks the cleared end date up by itself (internal/domains
// withdraws the registry's scheduled delete).
func (s *Service) WithdrawCancellation(ctx context.Context, by accounts.Principal, subID int64) (CancellationWithdrawal, error) {
	sub, _, err := s.subAndContract(ctx, by, subID, accounts.SubscriptionCancel, accounts.CancellationRecord)
	if err != nil {
		return CancellationWithdrawal{}, err
	}
	if err := s.withdrawable(sub); err != nil {
		return CancellationWithdrawal{}, err
	}
	ctx = actorFor(ctx, by)
	out := CancellationWithdrawal{SubscriptionID: sub.ID, WasEndingOn: sub.EndsOn, ByStaff: by.IsStaff(), Explanation: i18n.T("contracts.withdraw_cancellation_courtesy")}
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var cancID int64
		var received string
		err := q.QueryRowContext(ctx, `SELECT id, received_on FROM cancellations WHERE subscription_id = $1`, sub.ID).Scan(&cancID, &received)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		// The end date must still be the cancellation's and still ahead: a second
		// request, or one racing the day's end, changes nothing.
		res, err := q.ExecContext(ctx, `UPDATE subscriptions SET ends_on = NULL, end_reason = '', updated_at = $1
			WHERE id = $2 AND ends_on = $3 AND end_reason = 'cancelled' AND status <> 'ended' AND ends_on > $4`,
			now, sub.ID, sub.EndsOn, s.today())
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return accounts.FieldErrors{"subscription": i18n.T("contracts.no_cancellation_to_withdraw")}
		}
		if cancID != 0 {
			if _, err := q.ExecContext(ctx, `INSERT INTO cancellation_withdrawals (cancellation_id, subscription_id, org_id, received_on, ends_on, withdrawn_by,
				by_staff, explanation, withdrawn_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
				cancID, sub.ID, sub.OrgID, received, sub.EndsOn, by.User.ID, by.IsStaff(), out.Explanation.In("en"), now); err != nil {
				return err
			}
			if _, err := q.ExecContext(ctx, `DELETE FROM cancellations WHERE id = $1`, cancID); err != nil {
				return err
			}
		}
		return record(ctx, q, now, sub.OrgID, "subscription.cancel_withdrawn", "subscription", sub.ID,
			fmt.Sprintf("%s: cancellation (ending on %s) withdrawn before its end date; the provider's courtesy", serviceName(sub), sub.EndsOn))
	})
	if err != nil {
		return CancellationWithdrawal{}, err
	}
	return out, nil
}

// CanWithdrawCancellation reports whether sub has a cancellation that can still be
// withdrawn (the pages offer the button only then).
func (s *Service) CanWithdrawCancellation(sub Subscription) bool { return s.withdrawable(sub) == nil }

func (s *Service) withdrawable(sub Subscription) error {
	if sub.EndsOn.IsZero() || sub.EndReason != "cancelled" || sub.Status == SubEnded {
		return accounts.FieldErrors{"subscription": i18n.T("contracts.no_cancellation_to_withdraw")}
	}
	if !sub.EndsOn.After(s.today()) {
		return accounts.FieldErrors{"subscription": i18n.T("contracts.cancellation_already_effect", sub.EndsOn)}
	}
	return nil
}
