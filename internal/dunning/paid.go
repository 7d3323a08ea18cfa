package dunning

import (
	"context"
	"errors"
	"fmt"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// ErrStillOpen is returned by OnPaid for an invoice that still has an open amount.
var ErrStillOpen = errors.New("dunning: the invoice still has an open amount")

// OnPaid settles an invoice whose open amount has become 0: a suspension it caused is
// lifted (unless its agreements were terminated), the interest from the first day of
// interest up to each payment and the collection costs that became due are charged
// through a charge invoice, and dunning of the invoice is closed. Billing calls it when
// a payment settles an invoice; RunDue does the same for invoices it was dunning. An
// invoice paid on time leaves no trace; calling OnPaid again changes nothing.
func (s *Service) OnPaid(ctx context.Context, invoiceID int64) error {
	ctx = jobCtx(ctx)
	if err := s.settle(ctx, invoiceID, dateOf(s.clock.Now())); err != nil {
		return err
	}
	if s.susp != nil {
		return s.susp.SyncSuspensions(ctx)
	}
	return nil
}

func (s *Service) settle(ctx context.Context, id int64, today terms.Date) error {
	inv, err := s.inv.Invoice(ctx, id)
	if err != nil {
		return fmt.Errorf("dunning: invoice %d: %w", id, err)
	}
	if inv.Open > 0 {
		return ErrStillOpen
	}
	steps, err := s.loadSteps(ctx, id)
	if err != nil {
		return err
	}
	if steps.has(StepSettled) {
		return nil
	}
	sc, err := s.scheduleFor(inv)
	if err != nil {
		return fmt.Errorf("dunning: invoice %d: %w", id, err)
	}
	payments, err := s.inv.Payments(ctx, id)
	if err != nil {
		return fmt.Errorf("dunning: payments of invoice %d: %w", id, err)
	}
	paidOn := today
	if n := len(payments); n > 0 {
		paidOn = payments[n-1].On
	}
	if len(steps) == 0 && !paidOn.After(sc.pay.Due) {
		return nil // paid on time
	}
	if len(payments) == 0 {
		// Billing knows no payment (a write-off, a credit note): the principal counts as
		// paid today.
		payments = []Payment{{On: paidOn, Amount: principalOf(inv, steps)}}
	}
	charge, err := s.isCharge(ctx, id)
	if err != nil {
		return err
	}

	if steps.has(StepSuspend) && !steps.has(StepTerminate) && !steps.has(StepUnsuspend) && s.susp != nil {
		ex := terms.Explanation{{Clause: joinIDs(s.rules(sc.pol).SuspendClauses), Says: "The invoice is paid, so the services taken out of use for it are put back in use.",
			Inputs: []terms.Input{{Name: "paid_on", Value: paidOn.String()}}, Value: "unsuspended",
			Key: "dunning.unsuspended", Args: terms.StepArgs(map[string]any{"paid_on": paidOn})}}
		a := action{inv: inv, step: StepUnsuspend, dueOn: paidOn, ex: ex, mail: "unsuspended", data: baseData(inv),
			summary: fmt.Sprintf("invoice %s paid on %s: suspension for it lifted", inv.Number, paidOn)}
		a.data.PaidOn = paidOn
		a.do = func(ctx context.Context, q store.Querier) (int64, error) {
			_, err := s.susp.Unsuspend(ctx, q, inv.OrgID, refFor(inv.ID))
			return 0, err
		}
		if _, err := s.perform(ctx, a); err != nil {
			return err
		}
	}

	if !charge && !steps.has(StepCharge) {
		from := sc.interestFrom(steps)
		costsClaimed := false
		if c, ok := steps[StepClaim]; ok {
			if c.NextOn.After(from) {
				from = c.NextOn
			}
			d, ok := steps[StepDefault]
			costsClaimed = ok && d.ID < c.ID
		}
		var tranches []Payment
		for _, p := range payments {
			if p.On.After(from) && p.Amount > 0 {
				tranches = append(tranches, p)
			}
		}
		var costs terms.Money
		var costsEx terms.Explanation
		if d, ok := steps[StepDefault]; ok && !costsClaimed && d.Amount > 0 {
			costs = d.Amount
			costsEx = s.costsDue(sc, d)
		}
		a, err := s.chargeAction(inv, sc, StepCharge, from, tranches, costs, costsEx, paidOn)
		if err != nil {
			return err
		}
		if _, err := s.perform(ctx, a); err != nil {
			return err
		}
	}

	a := action{inv: inv, step: StepSettled, dueOn: paidOn,
		ex: terms.Explanation{{Clause: joinIDs(sc.pol.Terms.Payment.Clauses), Says: "The invoice is paid; dunning of it is closed.", Inputs: []terms.Input{{Name: "paid_on", Value: paidOn.String()}}, Value: "settled",
			Key: "dunning.settled", Args: terms.StepArgs(map[string]any{"paid_on": paidOn})}},
		summary: fmt.Sprintf("invoice %s paid on %s; dunning closed", inv.Number, paidOn)}
	_, err = s.perform(ctx, a)
	return err
}

// principalOf is the largest open amount dunning saw, or the invoice total.
func principalOf(inv OpenInvoice, steps stepSet) terms.Money {
	var m terms.Money
	for _, st := range steps {
		m = max(m, st.OpenAmount)
	}
	if m == 0 {
		m = inv.Total
	}
	return m
}

// costsDue explains that the collection costs computed when the customer went into
// default are owed: for a consumer only once the reminder's 14 days have passed (art.
// 6:96 lid 6 BW, cp.av.14.7), for a business from the default (cp.av.14.3-14.4,
// fo.av.16.4).
func (s *Service) costsDue(sc schedule, d Step) terms.Explanation {
	ct := sc.pol.Terms.CollectionCosts
	says := "The customer was in default, so the extrajudicial collection costs computed on the unpaid principal at that day are owed."
	key, args := "dunning.costs_due_default", map[string]any{"default_from": d.DueOn, "open": d.OpenAmount, "amount": d.Amount}
	if sc.reminderRequired() {
		says = fmt.Sprintf("The reminder's %s passed without payment, so the collection costs it stated are owed (art. 6:96 lid 6 BW).",
			sc.pol.Terms.Reminder.PayWithin.Words())
		key, args = "dunning.costs_due_reminder", map[string]any{"period": sc.pol.Terms.Reminder.PayWithin, "amount": d.Amount}
	}
	ex := append(terms.Explanation{}, d.Explanation...)
	return append(ex, terms.Step{Clause: joinIDs(ct.Clauses), Says: says, Reading: ct.Reading,
		Inputs: []terms.Input{{Name: "default_from", Value: d.DueOn.String()}, {Name: "open_at_default", Value: d.OpenAmount.String()}},
		Value:  d.Amount.String(), Key: key, Args: terms.StepArgs(args)})
}

// chargeAction computes the interest on each tranche from from up to the day it was
// paid (terms.Policy.Interest), adds the collection costs, and returns the step that
// issues the charge. Each payment is a tranche of the principal that bore interest
// until it was paid, so a partly paid invoice is charged interest on what stayed open.
func (s *Service) chargeAction(inv OpenInvoice, sc schedule, step string, from terms.Date, tranches []Payment, costs terms.Money, costsEx terms.Explanation, paidOn terms.Date) (action, error) {
	var interest terms.Money
	var iex terms.Explanation
	var lines []ChargeLine
	for _, p := range tranches {
		res, ex, err := sc.pol.Interest(terms.InterestInput{Customer: inv.CustomerKind, Principal: p.Amount, From: from, To: p.On})
		if err != nil {
			return action{}, err
		}
		iex = append(iex, terms.Step{Clause: joinIDs(sc.kind.Clauses), Says: "Interest runs on this part of the principal from the first day of interest up to the day it was paid.",
			Reading: sc.kind.Reading, Inputs: []terms.Input{{Name: "principal", Value: p.Amount.String()}, {Name: "from", Value: from.String()}, {Name: "paid_on", Value: p.On.String()}},
			Value: res.Amount.String(),
			Key:   "dunning.interest_tranche", Args: terms.StepArgs(map[string]any{"principal": p.Amount, "from": from, "paid_on": p.On, "amount": res.Amount})})
		iex = append(iex, ex...)
		interest += res.Amount
	}
	if interest > 0 {
		last := tranches[len(tranches)-1].On
		lines = append(lines, ChargeLine{Kind: ChargeInterest, Amount: interest, Explanation: iex,
			Description: describe(inv.Lang, "Rente wegens te late betaling van factuur %s, van %s tot %s", "Late-payment interest on invoice %s, from %s until %s", inv.Number, from, last)})
	}
	if costs > 0 {
		lines = append(lines, ChargeLine{Kind: ChargeCollectionCosts, Amount: costs, Explanation: costsEx,
			Description: describe(inv.Lang, "Buitengerechtelijke incassokosten factuur %s (geen btw)", "Extrajudicial collection costs, invoice %s (no VAT)", inv.Number)})
	}
	total := interest + costs
	ex := append(append(terms.Explanation{}, iex...), costsEx...)
	ex = append(ex, terms.Step{Clause: joinIDs(append(append([]string{}, sc.kind.Clauses...), sc.pol.Terms.CollectionCosts.Clauses...)),
		Says:   "The interest and the collection costs are charged together on a charge invoice, without VAT.",
		Inputs: []terms.Input{{Name: "interest", Value: interest.String()}, {Name: "collection_costs", Value: costs.String()}},
		Value:  total.String(),
		Key:    "dunning.charge", Args: terms.StepArgs(map[string]any{"interest": interest, "costs": costs, "total": total})})
	a := action{inv: inv, step: step, dueOn: paidOn, amount: total, nextOn: paidOn, ex: ex}
	if total <= 0 || total < s.rules(sc.pol).MinimumCharge {
		if total > 0 {
			a.ex = append(a.ex, terms.Step{Says: "The amount is below the provider's minimum charge and is not charged.", Reading: "Provider setting (dunning.minimum_charge in the terms pack).",
				Inputs: []terms.Input{{Name: "minimum", Value: s.rules(sc.pol).MinimumCharge.String()}}, Value: "0.00",
				Key: "dunning.below_minimum", Args: terms.StepArgs(map[string]any{"minimum": s.rules(sc.pol).MinimumCharge})})
		}
		a.summary = fmt.Sprintf("invoice %s: nothing charged (interest %s, collection costs %s)", inv.Number, interest, costs)
		return a, nil
	}
	a.summary = fmt.Sprintf("invoice %s: interest %s and collection costs %s charged", inv.Number, interest, costs)
	a.mail, a.data = "charge", baseData(inv)
	a.data.Interest, a.data.CollectionCosts, a.data.Charge, a.data.PaidOn = interest, costs, total, paidOn
	a.do = func(ctx context.Context, q store.Querier) (int64, error) {
		reason := fmt.Sprintf("interest and collection costs on invoice %s (dunning %s)", inv.Number, step)
		return s.inv.IssueCharge(ctx, q, inv.OrgID, lines, reason)
	}
	return a, nil
}

func describe(lang, nl, en string, args ...any) string {
	if lang == "en" {
		return fmt.Sprintf(en, args...)
	}
	return fmt.Sprintf(nl, args...)
}

// Claim charges, at a moment staff choose, the interest accrued so far on an open
// invoice (on what is open, and on what was paid late, up to today) and the collection
// costs if the customer is in default. It happens once per invoice; when the invoice is
// paid, only the interest after today is charged. Staff with the billing role.
func (s *Service) Claim(ctx context.Context, by accounts.Principal, invoiceID int64) (Step, error) {
	if err := by.Check(accounts.InvoiceManage, accounts.Provider); err != nil {
		return Step{}, err
	}
	ctx = audit.WithActor(ctx, audit.Actor{Kind: audit.ActorStaff, ID: by.User.ID, Label: by.User.Email,
		IP: audit.ActorFrom(ctx).IP, UserAgent: audit.ActorFrom(ctx).UserAgent})
	today := dateOf(s.clock.Now())
	inv, err := s.inv.Invoice(ctx, invoiceID)
	if err != nil {
		return Step{}, fmt.Errorf("dunning: invoice %d: %w", invoiceID, err)
	}
	if inv.Open <= 0 {
		return Step{}, ErrNotOpen
	}
	if c, err := s.isCharge(ctx, invoiceID); err != nil || c {
		if err == nil {
			err = accounts.FieldErrors{"invoice": i18n.T("billing.charge_invoice_bears_no")}
		}
		return Step{}, err
	}
	steps, err := s.loadSteps(ctx, invoiceID)
	if err != nil {
		return Step{}, err
	}
	if st, ok := steps[StepClaim]; ok {
		return st, nil
	}
	sc, err := s.scheduleFor(inv)
	if err != nil {
		return Step{}, err
	}
	from := sc.interestFrom(steps)
	if !from.Before(today) && !steps.has(StepDefault) {
		return Step{}, &NotDueError{InterestFrom: from, DefaultFrom: sc.defaultFromPlanned(steps)}
	}
	payments, err := s.inv.Payments(ctx, invoiceID)
	if err != nil {
		return Step{}, err
	}
	var tranches []Payment
	for _, p := range payments {
		if p.On.After(from) && !p.On.After(today) && p.Amount > 0 {
			tranches = append(tranches, p)
		}
	}
	if today.After(from) {
		tranches = append(tranches, Payment{On: today, Amount: inv.Open})
	}
	var costs terms.Money
	var costsEx terms.Explanation
	if d, ok := steps[StepDefault]; ok && d.Amount > 0 {
		costs, costsEx = d.Amount, s.costsDue(sc, d)
	}
	a, err := s.chargeAction(inv, sc, StepClaim, from, tranches, costs, costsEx, today)
	if err != nil {
		return Step{}, err
	}
	a.nextOn = terms.MaxDate(today, from) // interest is claimed up to this day (exclusive)
	if _, err := s.perform(ctx, a); err != nil {
		return Step{}, err
	}
	steps, err = s.loadSteps(ctx, invoiceID)
	if err != nil {
		return Step{}, err
	}
	return steps[StepClaim], nil
}

// ChargedClaim is the interest and collection costs charged on an invoice before it
// was paid (a staff claim), on a charge invoice of their own.
type ChargedClaim struct {
	ChargeInvoiceID int64
	Costs           terms.Money
	Interest        terms.Money
}

// ChargedOn reports the claim charged on an invoice, read in q's transaction: a
// payment on the invoice pays it before the principal (art. 6:44 BW). ok is false
// when nothing was charged. Billing asks it while booking a payment.
func (s *Service) ChargedOn(ctx context.Context, q store.Querier, invoiceID int64) (ChargedClaim, bool, error) {
	steps, err := listSteps(ctx, q, `WHERE invoice_id = $1 AND step IN ($2, $3) ORDER BY id`, invoiceID, StepDefault, StepClaim)
	if err != nil {
		return ChargedClaim{}, false, err
	}
	var def, claim *Step
	for i := range steps {
		switch steps[i].Step {
		case StepDefault:
			def = &steps[i]
		case StepClaim:
			claim = &steps[i]
		}
	}
	if claim == nil || claim.ChargeInvoiceID == 0 || claim.Amount <= 0 {
		return ChargedClaim{}, false, nil
	}
	// Claim charges the costs of the default notice when one was taken before it.
	var costs terms.Money
	if def != nil && def.ID < claim.ID {
		costs = min(def.Amount, claim.Amount)
	}
	return ChargedClaim{ChargeInvoiceID: claim.ChargeInvoiceID, Costs: costs, Interest: claim.Amount - costs}, true, nil
}

// NotDueError says that nothing can be claimed on an invoice yet, and from when
// something will be: interest accrues from InterestFrom (a claim can be made from the
// day after it) and collection costs are due from DefaultFrom.
type NotDueError struct {
	InterestFrom terms.Date
	DefaultFrom  terms.Date
}

// Key is the message key pages and the API show for the error.
func (e *NotDueError) Key() string { return "claim.not_due" }

// ClaimableFrom is the first day a claim can be made: the day after interest starts,
// or the first day of default when that comes first.
func (e *NotDueError) ClaimableFrom() terms.Date {
	d := e.InterestFrom.AddDays(1)
	if !e.DefaultFrom.IsZero() && e.DefaultFrom.Before(d) {
		return e.DefaultFrom
	}
	return d
}

func (e *NotDueError) Error() string {
	return fmt.Sprintf("no interest or collection costs are due yet: interest runs from %s and collection costs are due from %s; a claim can be made from %s",
		e.InterestFrom, dateStr(e.DefaultFrom), e.ClaimableFrom())
}

// ClaimOutlook says whether staff can claim interest and collection costs on an
// invoice today, and if not, why: already claimed, nothing open, or not yet due
// (NotDue, from when). The caller has checked that the principal may see the invoice.
type ClaimOutlook struct {
	Claimable bool
	Claimed   bool
	Charge    bool // a charge invoice bears no interest of its own
	NotDue    *NotDueError
}

// Outlook returns the claim outlook today of an invoice the principal may see.
func (s *Service) Outlook(ctx context.Context, by accounts.Principal, invoiceID int64) (ClaimOutlook, error) {
	inv, err := s.inv.Invoice(ctx, invoiceID)
	if err != nil {
		return ClaimOutlook{}, err
	}
	if err := by.Check(accounts.InvoiceRead, accounts.OrgID(inv.OrgID)); err != nil {
		return ClaimOutlook{}, err
	}
	if inv.Open <= 0 {
		return ClaimOutlook{}, nil
	}
	if c, err := s.isCharge(ctx, invoiceID); err != nil || c {
		return ClaimOutlook{Charge: c}, err
	}
	steps, err := s.loadSteps(ctx, invoiceID)
	if err != nil {
		return ClaimOutlook{}, err
	}
	if steps.has(StepClaim) {
		return ClaimOutlook{Claimed: true}, nil
	}
	sc, err := s.scheduleFor(inv)
	if err != nil {
		return ClaimOutlook{}, err
	}
	today := dateOf(s.clock.Now())
	if from := sc.interestFrom(steps); !from.Before(today) && !steps.has(StepDefault) {
		return ClaimOutlook{NotDue: &NotDueError{InterestFrom: from, DefaultFrom: sc.defaultFromPlanned(steps)}}, nil
	}
	return ClaimOutlook{Claimable: true}, nil
}
