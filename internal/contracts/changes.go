package contracts

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// ---- plan changes (cp.av.9.1) ----

// PlanChange is a recorded change of plan.
type PlanChange struct {
	ID          int64             `json:"id"`
	Direction   string            `json:"direction"` // up or down
	FromPlanID  int64             `json:"from_plan_id"`
	ToPlanID    int64             `json:"to_plan_id"`
	EffectiveOn terms.Date        `json:"effective_on"`
	Charge      terms.Money       `json:"charge"` // prorated charge of an upgrade
	Explanation terms.Explanation `json:"explanation"`
}

// ChangePlan moves a subscription to another plan of the same product. A raise takes
// effect at once with a prorated charge for the rest of the term (recorded as a
// pending_charge for billing); a reduction takes effect at the end of the term
// (cp.av.9.1, terms.PlanChange).
func (s *Service) ChangePlan(ctx context.Context, by accounts.Principal, subID, planID int64) (PlanChange, error) {
	sub, _, err := s.subAndContract(ctx, by, subID, accounts.PlanChange)
	if err != nil {
		return PlanChange{}, err
	}
	fe := accounts.FieldErrors{}
	if sub.Status == SubEnded || sub.Billing != catalog.Subscription || sub.PlanID == 0 {
		fe["subscription"] = i18n.T("contracts.only_running_subscription_catalog")
		return PlanChange{}, fe
	}
	cur, err := s.plans.GetPlan(ctx, sub.PlanID)
	if err != nil {
		return PlanChange{}, err
	}
	next, err := s.plans.GetPlan(ctx, planID)
	if errors.Is(err, accounts.ErrNotFound) || (err == nil && (next.ProductID != cur.ProductID || !next.Active || next.ID == cur.ID)) {
		return PlanChange{}, accounts.FieldErrors{"plan_id": i18n.T("contracts.choose_another_plan_same")}
	} else if err != nil {
		return PlanChange{}, err
	}
	today := s.today()
	pol, err := s.policy(today)
	if err != nil {
		return PlanChange{}, err
	}
	oldTerm, oldx := termPrice(pol, sub.Billing, sub.Period, sub.Price)
	newTerm, newx := termPrice(pol, next.Billing, next.Period, next.Price)
	oldTerm, newTerm = oldTerm.Mul(int64(sub.Quantity)), newTerm.Mul(int64(sub.Quantity))
	pc := PlanChange{FromPlanID: cur.ID, ToPlanID: next.ID}
	usage := joinClauses(pol.Terms.Usage.Clauses)
	if newTerm > oldTerm {
		pc.Direction, pc.EffectiveOn = "up", today
		// The difference for the rest of the current term, the day of the change
		// counted as remaining; the terms set no other amount for a raise.
		pr, prx, err := pol.Prorate(terms.ProrationInput{Amount: newTerm - oldTerm, PeriodStart: sub.TermStart, PeriodEnd: sub.TermEnd,
			From: today, Until: sub.TermEnd})
		if err != nil {
			return PlanChange{}, termsErr(err, "plan_id")
		}
		pc.Charge = pr.Amount
		pc.Explanation = append(terms.Explanation{
			{Clause: usage, Says: "A raise of the plan the customer asks for is implemented at once; the difference in term price (new − old, × quantity) is charged for the rest of the current term.",
				Reading: pol.Terms.Usage.Reading,
				Inputs: []terms.Input{{Name: "requested_on", Value: today.String()}, {Name: "old_term_price", Value: oldTerm.String()},
					{Name: "new_term_price", Value: newTerm.String()}, {Name: "quantity", Value: fmt.Sprint(sub.Quantity)}}, Value: today.String(),
				Key: "plan.raise_charge", Args: terms.StepArgs(map[string]any{"requested": today, "old": oldTerm, "new": newTerm, "quantity": sub.Quantity})},
		}, slices.Concat(oldx, newx, prx)...)
	} else {
		if sub.PendingPlanID != 0 {
			return PlanChange{}, accounts.FieldErrors{"plan_id": i18n.T("contracts.reduction_already_scheduled_end")}
		}
		res, ex, err := pol.PlanChange(sub.StartOn, today, false)
		if err != nil {
			return PlanChange{}, termsErr(err, "plan_id")
		}
		if !sub.EndsOn.IsZero() && !sub.EndsOn.After(res.Effective) {
			return PlanChange{}, accounts.FieldErrors{"plan_id": i18n.T("contracts.service_ends_before_reduction")}
		}
		pc.Direction, pc.EffectiveOn, pc.Explanation = "down", res.Effective, ex
	}
	ctx = actorFor(ctx, by)
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if err := q.QueryRowContext(ctx, `INSERT INTO plan_changes (subscription_id, org_id, from_plan_id, to_plan_id, direction, requested_on, effective_on,
			applied, explanation, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			sub.ID, sub.OrgID, cur.ID, next.ID, pc.Direction, today, pc.EffectiveOn, pc.Direction == "up", exJSON(pc.Explanation), now).Scan(&pc.ID); err != nil {
			return err
		}
		if pc.Direction == "up" {
			if _, err := q.ExecContext(ctx, `UPDATE subscriptions SET plan_id = $1, name = $2, period = $3, price = $4, sla = $5, updated_at = $6 WHERE id = $7`,
				next.ID, next.Label(), periodString(next.Period), next.Price, next.SLA, now, sub.ID); err != nil {
				return err
			}
			if pc.Charge > 0 {
				if _, err := q.ExecContext(ctx, `INSERT INTO pending_charge (org_id, subscription_id, plan_change_id, amount, description, explanation, created_at)
					VALUES ($1, $2, $3, $4, $5, $6, $7)`, sub.OrgID, sub.ID, pc.ID, pc.Charge,
					fmt.Sprintf("%s → %s, %s until %s", cur.Label(), next.Label(), today, sub.TermEnd), exJSON(pc.Explanation), now); err != nil {
					return err
				}
			}
		} else if _, err := q.ExecContext(ctx, `UPDATE subscriptions SET pending_plan_id = $1, pending_plan_on = $2, updated_at = $3 WHERE id = $4`,
			next.ID, pc.EffectiveOn, now, sub.ID); err != nil {
			return err
		}
		return record(ctx, q, now, sub.OrgID, "subscription.plan_change", "subscription", sub.ID,
			fmt.Sprintf("plan %s → %s (%s), effective %s, charge %s", cur.Label(), next.Label(), pc.Direction, pc.EffectiveOn, pc.Charge))
	})
	if err == nil && pc.Direction == "up" {
		s.planChanged(ctx, sub.ID)
	}
	return pc, err
}

// ---- price increases (cp.av.4.3, fo.av.15.3-15.4) ----

// PriceIncreaseInput schedules a price increase of a plan for running subscriptions.
type PriceIncreaseInput struct {
	PlanID    int64       `json:"plan_id"`
	NewPrice  terms.Money `json:"new_price"` // per the plan's period, excl. VAT
	Effective terms.Date  `json:"effective"`
	Index     terms.Rate  `json:"index"` // the CBS price index change, where the terms cap increases by it
	Note      string      `json:"note"`
}

// PriceIncreaseItem is the decision for one subscription.
type PriceIncreaseItem struct {
	SubscriptionID int64             `json:"subscription_id"`
	OrgID          int64             `json:"org_id"`
	Allowed        bool              `json:"allowed"`
	Reasons        []string          `json:"reasons,omitempty"`
	OldPrice       terms.Money       `json:"old_price"`
	NewPrice       terms.Money       `json:"new_price"`
	Explanation    terms.Explanation `json:"explanation"`
}

// PriceIncrease is a scheduled increase.
type PriceIncrease struct {
	ID          int64               `json:"id"`
	PlanID      int64               `json:"plan_id"`
	OldPrice    terms.Money         `json:"old_price"` // the plan's price before, per its period
	NewPrice    terms.Money         `json:"new_price"`
	Increase    terms.Rate          `json:"increase"`
	AnnouncedOn terms.Date          `json:"announced_on"`
	EffectiveOn terms.Date          `json:"effective_on"`
	Note        string              `json:"note,omitempty"`
	Items       []PriceIncreaseItem `json:"items"` // not filled by ListPriceIncreases
	// Subscriptions and Allowed count the items: the subscriptions considered and those
	// the increase applies to (their customers were notified).
	Subscriptions int               `json:"subscriptions"`
	Allowed       int               `json:"allowed"`
	Explanation   terms.Explanation `json:"explanation"`
}

// SchedulePriceIncrease announces today a price increase of a plan. What the terms
// forbid for every contract (too little notice, above the index) refuses it and saves
// nothing; a contract for which it is too early (its first year, or a second increase
// in the period) is left out and recorded with the reasons. Every affected customer is
// notified once and offered the cancellation the terms then allow. Staff with the
// sales role.
func (s *Service) SchedulePriceIncrease(ctx context.Context, by accounts.Principal, in PriceIncreaseInput) (PriceIncrease, error) {
	if err := by.Check(accounts.CatalogManage, accounts.Provider); err != nil {
		return PriceIncrease{}, err
	}
	plan, err := s.plans.GetPlan(ctx, in.PlanID)
	if errors.Is(err, accounts.ErrNotFound) || (err == nil && plan.Pack != s.pack.Name) {
		return PriceIncrease{}, accounts.FieldErrors{"plan_id": i18n.T("contracts.choose_plan_from_catalog")}
	} else if err != nil {
		return PriceIncrease{}, err
	}
	fe := accounts.FieldErrors{}
	if plan.Billing != catalog.Subscription {
		fe["plan_id"] = i18n.T("contracts.only_subscriptions_price_can")
	}
	if in.NewPrice <= plan.Price {
		fe["new_price"] = i18n.T("contracts.price_above", plan.Price)
	}
	if in.Effective.IsZero() {
		fe["effective"] = i18n.T("contracts.give_date_new_price")
	}
	if len(in.Note) > 2000 {
		fe["note"] = i18n.T("contracts.most_2000_characters")
	}
	if len(fe) > 0 {
		return PriceIncrease{}, fe
	}
	today := s.today()
	pol, err := s.policy(today)
	if err != nil {
		return PriceIncrease{}, err
	}
	// The increase in hundredths of a percent, rounded up so that a cap is never
	// passed by rounding.
	diff := int64(in.NewPrice-plan.Price) * 10000
	inc := terms.Rate((diff + int64(plan.Price) - 1) / int64(plan.Price))
	// What holds for every contract: checked for a contract long past its first year
	// with no earlier increase.
	general, gex, err := pol.PriceIncrease(terms.PriceIncreaseInput{ContractStart: today.AddYears(-100), Announced: today, Effective: in.Effective,
		Increase: inc, Index: in.Index})
	if err != nil {
		return PriceIncrease{}, termsErr(err, "effective")
	}
	if !general.Allowed {
		return PriceIncrease{}, accounts.FieldErrors{"effective": i18n.T("contracts.increase_refused", joinClauses(pol.Terms.PriceIncrease.Clauses), strings.Join(general.Reasons, "; "))}
	}
	subs, err := listSubs(ctx, s.db, `WHERE pack = $1 AND plan_id = $2 AND status IN ('pending', 'active') AND (ends_on IS NULL OR ends_on > $3) ORDER BY id`,
		s.pack.Name, plan.ID, in.Effective)
	if err != nil {
		return PriceIncrease{}, err
	}
	pi := PriceIncrease{PlanID: plan.ID, OldPrice: plan.Price, NewPrice: in.NewPrice, Increase: inc, AnnouncedOn: today, EffectiveOn: in.Effective,
		Note: in.Note, Explanation: gex}
	type extra struct {
		res terms.PriceIncreaseResult
		sub Subscription
	}
	var extras []extra
	for _, sub := range subs {
		var prev []terms.Date
		rows, err := s.db.QueryContext(ctx, `SELECT effective_on FROM price_increase_items WHERE subscription_id = $1 AND allowed ORDER BY effective_on`, sub.ID)
		if err != nil {
			return PriceIncrease{}, err
		}
		for rows.Next() {
			var d terms.Date
			if err := rows.Scan(&d); err != nil {
				rows.Close()
				return PriceIncrease{}, err
			}
			prev = append(prev, d)
		}
		rows.Close()
		res, ex, err := pol.PriceIncrease(terms.PriceIncreaseInput{ContractStart: sub.StartOn, PreviousIncreases: prev, Announced: today,
			Effective: in.Effective, Increase: inc, Index: in.Index})
		if err != nil {
			return PriceIncrease{}, termsErr(err, "effective")
		}
		x := sub.Price.Rat()
		x.Mul(x, big.NewRat(int64(in.NewPrice), int64(plan.Price)))
		pi.Items = append(pi.Items, PriceIncreaseItem{SubscriptionID: sub.ID, OrgID: sub.OrgID, Allowed: res.Allowed, Reasons: res.Reasons,
			OldPrice: sub.Price, NewPrice: terms.RoundCents(x), Explanation: ex})
		extras = append(extras, extra{res: res, sub: sub})
		if res.Allowed {
			pi.Allowed++
		}
	}
	pi.Subscriptions = len(pi.Items)
	ctx = actorFor(ctx, by)
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if err := q.QueryRowContext(ctx, `INSERT INTO price_increases (pack, plan_id, old_price, new_price, increase_bp, index_bp, announced_on, effective_on,
			note, created_by, explanation, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			s.pack.Name, plan.ID, plan.Price, in.NewPrice, inc.BasisPoints(), in.Index.BasisPoints(), today, in.Effective, in.Note, by.User.ID,
			exJSON(gex), now).Scan(&pi.ID); err != nil {
			return err
		}
		notified := 0
		for i, it := range pi.Items {
			res, sub := extras[i].res, extras[i].sub
			notice := ""
			if !res.CancelNotice.IsZero() {
				notice = res.CancelNotice.String()
			}
			if _, err := q.ExecContext(ctx, `INSERT INTO price_increase_items (price_increase_id, subscription_id, org_id, allowed, reasons, old_price, new_price,
				effective_on, cancel_notice, objection_by, termination_as_of, explanation) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
				pi.ID, it.SubscriptionID, it.OrgID, it.Allowed, strings.Join(it.Reasons, "; "), it.OldPrice, it.NewPrice, in.Effective, notice,
				nullDate(res.ObjectionBy), nullDate(res.TerminationAsOf), exJSON(it.Explanation)); err != nil {
				return err
			}
			if !it.Allowed {
				continue
			}
			c, err := getContract(ctx, q, sub.ContractID)
			if err != nil {
				return err
			}
			noticeWords := ""
			if !res.CancelNotice.IsZero() {
				noticeWords = terms.PeriodWords(c.Lang, res.CancelNotice)
			}
			if err := s.mail(ctx, q, now, c.OrgID, c.OrgEmail, c.Lang, "price_increase", fmt.Sprintf("price-increase:%d:sub:%d", pi.ID, sub.ID), map[string]any{
				"Name": c.OrgName, "Service": serviceName(sub), "Effective": in.Effective, "OldPrice": it.OldPrice,
				"NewPrice": it.NewPrice, "Period": perPeriod(c.Lang, sub.Period), "CancelNotice": noticeWords,
				"ObjectionBy": mailDate(res.ObjectionBy), "TerminationAsOf": mailDate(res.TerminationAsOf), "Explanation": it.Explanation.Plain(c.Lang),
			}); err != nil {
				return err
			}
			if err := record(ctx, q, now, sub.OrgID, "subscription.price_increase_notice", "subscription", sub.ID,
				fmt.Sprintf("price of %s to rise from %s to %s on %s; customer notified", serviceName(sub), it.OldPrice, it.NewPrice, in.Effective)); err != nil {
				return err
			}
			notified++
		}
		return record(ctx, q, now, 0, "price_increase.schedule", "price_increase", pi.ID,
			fmt.Sprintf("plan %s: %s → %s (+%s%%) effective %s; %d of %d subscriptions notified", plan.Label(), plan.Price, in.NewPrice, inc, in.Effective, notified, len(pi.Items)))
	})
	return pi, err
}

// ---- force majeure (cp.av.12.4, fo.av.18.3) ----

// ForceMajeure is a recorded period of force majeure.
type ForceMajeure struct {
	ID          int64             `json:"id"`
	Description string            `json:"description"`
	StartedOn   terms.Date        `json:"started_on"`
	EndedOn     terms.Date        `json:"ended_on,omitzero"`
	RightsFrom  terms.Date        `json:"rights_from"` // from this day, if it still lasts, contracts may be ended
	Explanation terms.Explanation `json:"explanation"`
}

// RecordForceMajeure records the start of force majeure. If it lasts beyond the
// period of the terms, a contract may be ended with immediate effect (cancellation
// basis force-majeure). Staff with the support role.
func (s *Service) RecordForceMajeure(ctx context.Context, by accounts.Principal, started terms.Date, description string) (ForceMajeure, error) {
	if err := by.Check(accounts.ForceMajeure, accounts.Provider); err != nil {
		return ForceMajeure{}, err
	}
	fe := accounts.FieldErrors{}
	description = strings.TrimSpace(description)
	if description == "" || len(description) > 2000 {
		fe["description"] = i18n.T("contracts.describe_force_majeure_most")
	}
	if started.IsZero() || started.After(s.today()) {
		fe["started_on"] = i18n.T("contracts.give_day_started_not")
	}
	if len(fe) > 0 {
		return ForceMajeure{}, fe
	}
	pol, err := s.policy(started)
	if err != nil {
		return ForceMajeure{}, err
	}
	res, ex, err := pol.Deadline("force-majeure", started)
	if err != nil {
		return ForceMajeure{}, termsErr(err, "started_on")
	}
	fm := ForceMajeure{Description: description, StartedOn: started, RightsFrom: res.Deadline.AddDays(1), Explanation: ex}
	ctx = actorFor(ctx, by)
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if err := q.QueryRowContext(ctx, `INSERT INTO force_majeure (pack, description, started_on, rights_from, explanation, recorded_by, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, s.pack.Name, description, started, fm.RightsFrom, exJSON(ex), by.User.ID, now).Scan(&fm.ID); err != nil {
			return err
		}
		return record(ctx, q, now, 0, "force_majeure.start", "force_majeure", fm.ID,
			fmt.Sprintf("force majeure from %s: %s; if it still lasts after %s, contracts may be ended", started, description, res.Deadline))
	})
	return fm, err
}

// EndForceMajeure records the day force majeure ended.
func (s *Service) EndForceMajeure(ctx context.Context, by accounts.Principal, id int64, ended terms.Date) error {
	if err := by.Check(accounts.ForceMajeure, accounts.Provider); err != nil {
		return err
	}
	if ended.IsZero() || ended.After(s.today()) {
		return accounts.FieldErrors{"ended_on": i18n.T("contracts.give_day_ended_not")}
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		r, err := q.ExecContext(ctx, `UPDATE force_majeure SET ended_on = $1 WHERE id = $2 AND pack = $3 AND ended_on IS NULL AND started_on <= $1`, ended, id, s.pack.Name)
		if err != nil {
			return err
		}
		if n, err := r.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return accounts.FieldErrors{"ended_on": i18n.T("contracts.no_open_force_majeure")}
		}
		return record(ctx, q, s.now(), 0, "force_majeure.end", "force_majeure", id, "force majeure ended on "+ended.String())
	})
}

// perPeriod writes the period a price is per, in lang: "maand", "3 maanden" / "month",
// "3 months" (the mail says "per {{.Period}}"; the ISO form P1M is for machines).
func perPeriod(lang string, p terms.Period) string {
	if p.IsZero() {
		return ""
	}
	return strings.TrimPrefix(terms.PeriodWords(lang, p), "1 ")
}
