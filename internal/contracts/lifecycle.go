package contracts

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// RunDue runs every contracts job for the moment now, in order: renewals, scheduled
// changes (price increases), ends, and provisioning retries.
func (s *Service) RunDue(ctx context.Context, now time.Time) error {
	if _, err := s.RenewDue(ctx, now); err != nil {
		return err
	}
	if _, err := s.ApplyDue(ctx, now); err != nil {
		return err
	}
	if _, err := s.EndDue(ctx, now); err != nil {
		return err
	}
	return s.ProvisionPending(ctx)
}

// RenewDue renews every subscription whose term ended on or before today and that was
// not cancelled to end by then (cp.av.13.1, fo.av.20.3). A renewal is a row keyed by
// (subscription, term number), so running the job twice, on two instances at once or
// after a crash renews a term once. A pending downgrade takes effect at the renewal
// (cp.av.9.1). It returns the number of terms renewed.
func (s *Service) RenewDue(ctx context.Context, now time.Time) (int, error) {
	ctx = jobCtx(ctx, "contracts.renew")
	today := dateOf(now)
	subs, err := listSubs(ctx, s.db, `WHERE pack = $1 AND billing = 'subscription' AND status IN ('pending', 'active') AND term_end <= $2
		AND (ends_on IS NULL OR ends_on > term_end) ORDER BY id`, s.pack.Name, today)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sub := range subs {
		for !sub.TermEnd.After(today) && (sub.EndsOn.IsZero() || sub.EndsOn.After(sub.TermEnd)) {
			next, renewed, err := s.renewOne(ctx, sub)
			if err != nil {
				return n, fmt.Errorf("contracts: renew subscription %d: %w", sub.ID, err)
			}
			if renewed {
				n++
			}
			if next.TermNo == sub.TermNo {
				break // someone else holds it; the next run continues
			}
			sub = next
		}
	}
	return n, nil
}

func (s *Service) renewOne(ctx context.Context, sub Subscription) (Subscription, bool, error) {
	pol, err := s.policy(sub.TermEnd)
	if err != nil {
		return sub, false, err
	}
	res, ex, err := pol.Renewals(sub.StartOn, sub.TermNo+1)
	if err != nil {
		return sub, false, err
	}
	newStart, newEnd := sub.TermEnd, res.Renewals[sub.TermNo]
	ex = append(ex, terms.Step{Clause: joinClauses(pol.Terms.Contract.Clauses),
		Says: fmt.Sprintf("Not cancelled in time, the subscription renews tacitly: term %d runs from %s until %s.", sub.TermNo+1, newStart, newEnd),
		Inputs: []terms.Input{{Name: "start", Value: sub.StartOn.String()}, {Name: "term", Value: fmt.Sprint(sub.TermNo + 1)},
			{Name: "ends_on", Value: dateText(sub.EndsOn)}}, Value: newEnd.String(),
		Key: "contract.renewed", Args: terms.StepArgs(map[string]any{"term": sub.TermNo + 1, "from": newStart, "until": newEnd})})
	renewed, downgraded := false, false
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var id int64
		err := q.QueryRowContext(ctx, `INSERT INTO renewals (subscription_id, term_no, term_start, term_end, price, explanation, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (subscription_id, term_no) DO NOTHING RETURNING id`,
			sub.ID, sub.TermNo+1, newStart, newEnd, sub.Price, exJSON(ex), now).Scan(&id)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		r, err := q.ExecContext(ctx, `UPDATE subscriptions SET term_no = $1, term_start = $2, term_end = $3, updated_at = $4 WHERE id = $5 AND term_no = $6`,
			sub.TermNo+1, newStart, newEnd, now, sub.ID, sub.TermNo)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("subscription %d changed while renewing", sub.ID)
		}
		summary := fmt.Sprintf("%s renewed: term %d from %s until %s", serviceName(sub), sub.TermNo+1, newStart, newEnd)
		if sub.PendingPlanID != 0 && !sub.PendingPlanOn.After(newStart) {
			applied, err := s.applyDowngrade(ctx, q, now, sub)
			if err != nil {
				return err
			}
			summary += "; " + applied
			downgraded = true
		}
		if _, err := q.ExecContext(ctx, `UPDATE renewals SET price = (SELECT price FROM subscriptions WHERE id = $1) WHERE id = $2`, sub.ID, id); err != nil {
			return err
		}
		renewed = true
		return record(ctx, q, now, sub.OrgID, "subscription.renew", "subscription", sub.ID, summary)
	})
	if err != nil {
		return sub, false, err
	}
	if downgraded {
		s.planChanged(ctx, sub.ID)
	}
	next, err := getSub(ctx, s.db, sub.ID)
	return next, renewed, err
}

func (s *Service) applyDowngrade(ctx context.Context, q store.Querier, now time.Time, sub Subscription) (string, error) {
	plan, err := s.plans.GetPlan(ctx, sub.PendingPlanID)
	if err != nil {
		return "", err
	}
	if _, err := q.ExecContext(ctx, `UPDATE subscriptions SET plan_id = $1, name = $2, period = $3, price = $4, sla = $5, pending_plan_id = 0,
		pending_plan_on = NULL, updated_at = $6 WHERE id = $7`, plan.ID, plan.Label(), periodString(plan.Period), plan.Price, plan.SLA, now, sub.ID); err != nil {
		return "", err
	}
	if _, err := q.ExecContext(ctx, `UPDATE plan_changes SET applied = TRUE WHERE subscription_id = $1 AND to_plan_id = $2 AND NOT applied`, sub.ID, plan.ID); err != nil {
		return "", err
	}
	pol, err := s.policy(dateOf(now))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("downgraded to %s at %s per %s%s", plan.Label(), plan.Price, periodString(plan.Period), cites(pol.PlanChangeClauses())), nil
}

// ApplyDue applies price increases whose effective date has come, once each.
func (s *Service) ApplyDue(ctx context.Context, now time.Time) (int, error) {
	ctx = jobCtx(ctx, "contracts.apply")
	today := dateOf(now)
	rows, err := s.db.QueryContext(ctx, `SELECT i.id, i.subscription_id, i.org_id, i.new_price, i.old_price, i.effective_on FROM price_increase_items i
		JOIN subscriptions s ON s.id = i.subscription_id
		WHERE s.pack = $1 AND i.allowed AND NOT i.applied AND i.effective_on <= $2 AND s.status <> 'ended'
		AND (s.ends_on IS NULL OR s.ends_on > i.effective_on) ORDER BY i.id`, s.pack.Name, today)
	if err != nil {
		return 0, err
	}
	type item struct {
		id, sub, org int64
		newP, oldP   terms.Money
		eff          terms.Date
	}
	var items []item
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.sub, &it.org, &it.newP, &it.oldP, &it.eff); err != nil {
			rows.Close()
			return 0, err
		}
		items = append(items, it)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	n := 0
	for _, it := range items {
		err := s.db.InTx(ctx, func(q store.Querier) error {
			now := s.now()
			r, err := q.ExecContext(ctx, `UPDATE price_increase_items SET applied = TRUE WHERE id = $1 AND NOT applied`, it.id)
			if err != nil {
				return err
			}
			if c, err := r.RowsAffected(); err != nil {
				return err
			} else if c == 0 {
				return nil
			}
			if _, err := q.ExecContext(ctx, `UPDATE subscriptions SET price = $1, updated_at = $2 WHERE id = $3`, it.newP, now, it.sub); err != nil {
				return err
			}
			n++
			return record(ctx, q, now, it.org, "subscription.price_increase", "subscription", it.sub,
				fmt.Sprintf("price raised from %s to %s as of %s, as announced", it.oldP, it.newP, it.eff))
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// EndDue ends every service whose end date has come: the deprovisioning hook runs,
// the deletion of its data is scheduled per the retention rules (cp.av.13.6,
// cp.privacy.*, fo.av.21.1) and, where the terms promise it, an overpayment check is
// flagged for billing (cp.av.13.5). It returns the number of services ended.
func (s *Service) EndDue(ctx context.Context, now time.Time) (int, error) {
	ctx = jobCtx(ctx, "contracts.end")
	today := dateOf(now)
	subs, err := listSubs(ctx, s.db, `WHERE pack = $1 AND status IN ('pending', 'active') AND ends_on IS NOT NULL AND ends_on <= $2 ORDER BY id`, s.pack.Name, today)
	if err != nil {
		return 0, err
	}
	n := 0
	var errs []error
	for _, sub := range subs {
		ended, err := s.endOne(ctx, sub)
		if err != nil {
			errs = append(errs, fmt.Errorf("contracts: end subscription %d: %w", sub.ID, err))
		}
		if ended {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// endDueSub ends one subscription now if its end date has come.
func (s *Service) endDueSub(ctx context.Context, id int64) error {
	sub, err := getSub(ctx, s.db, id)
	if err != nil {
		return err
	}
	if sub.Status == SubEnded || sub.EndsOn.IsZero() || sub.EndsOn.After(s.today()) {
		return nil
	}
	_, err = s.endOne(jobCtx(ctx, "contracts.end"), sub)
	return err
}

func (s *Service) endOne(ctx context.Context, sub Subscription) (bool, error) {
	if err := s.prov.Deprovision(ctx, sub); err != nil {
		return false, err
	}
	pol, err := s.policy(sub.EndsOn)
	if err != nil {
		return false, err
	}
	ended := false
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		r, err := q.ExecContext(ctx, `UPDATE subscriptions SET status = 'ended', ended_on = ends_on, deprovisioned_at = $1, updated_at = $1
			WHERE id = $2 AND status <> 'ended'`, now, sub.ID)
		if err != nil {
			return err
		}
		if c, err := r.RowsAffected(); err != nil {
			return err
		} else if c == 0 {
			return nil
		}
		ended = true
		summary := fmt.Sprintf("%s ended on %s (%s) and deprovisioned", serviceName(sub), sub.EndsOn, sub.EndReason)
		if sub.RetentionCategory != "" {
			res, ex, err := pol.Retention(sub.RetentionCategory, sub.EndsOn)
			switch {
			case errors.Is(err, terms.ErrNotInTerms):
				summary += "; no retention period in the terms for " + sub.RetentionCategory
			case err != nil:
				return err
			default:
				if _, err := q.ExecContext(ctx, `INSERT INTO deletion_schedule (subscription_id, org_id, category, ended_on, delete_after, explanation, created_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (subscription_id) DO NOTHING`,
					sub.ID, sub.OrgID, sub.RetentionCategory, sub.EndsOn, res.Until, exJSON(ex), now); err != nil {
					return err
				}
				summary += fmt.Sprintf("; %s deleted after %s", sub.RetentionCategory, res.Until)
			}
		}
		// A withdrawn service is settled by its withdrawal (refund_due: the credit note
		// of the unpaid part and the refund); an overpayment check would credit the
		// same invoice lines a second time.
		if sub.EndReason == "withdrawal" {
			summary += "; settled by the withdrawal"
		} else if _, ex, err := pol.Deadline("overpayment-refund", sub.EndsOn); err == nil {
			if _, err := q.ExecContext(ctx, `INSERT INTO overpayment_checks (subscription_id, org_id, ended_on, explanation, created_at)
				VALUES ($1, $2, $3, $4, $5) ON CONFLICT (subscription_id) DO NOTHING`, sub.ID, sub.OrgID, sub.EndsOn, exJSON(ex), now); err != nil {
				return err
			}
			summary += "; overpayment check flagged for billing"
		} else if !errors.Is(err, terms.ErrNotInTerms) {
			return err
		}
		var running, withdrawn, all int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(SUM(CASE WHEN status <> 'ended' THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN end_reason = 'withdrawal' THEN 1 ELSE 0 END), 0) FROM subscriptions WHERE contract_id = $1`,
			sub.ContractID).Scan(&all, &running, &withdrawn); err != nil {
			return err
		}
		if running == 0 {
			status := ContractEnded
			if withdrawn == all {
				status = ContractWithdrawn
			}
			if _, err := q.ExecContext(ctx, `UPDATE contracts SET status = $1, ended_on = $2 WHERE id = $3 AND status = 'active'`, status, sub.EndsOn, sub.ContractID); err != nil {
				return err
			}
			summary += fmt.Sprintf("; contract %d %s", sub.ContractID, status)
		}
		return record(ctx, q, now, sub.OrgID, "subscription.end", "subscription", sub.ID, summary)
	})
	return ended, err
}
