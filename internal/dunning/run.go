package dunning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

func jobCtx(ctx context.Context) context.Context {
	if a := audit.ActorFrom(ctx); a.Kind == audit.ActorSystem && a.Label != "unknown" {
		return ctx
	}
	return audit.WithActor(ctx, audit.System("dunning"))
}

// RunDue evaluates every open invoice as of now and takes the steps that are due;
// it then settles invoices that were being dunned and are now paid (lifting their
// suspension and charging interest and costs), and runs the suspension hooks. Each step
// happens once however often RunDue runs: running it twice adds nothing.
func (s *Service) RunDue(ctx context.Context, now time.Time) error {
	ctx = jobCtx(ctx)
	today := dateOf(now)
	open, err := s.inv.OpenInvoices(ctx, today)
	if err != nil {
		return fmt.Errorf("dunning: open invoices: %w", err)
	}
	var errs []error
	isOpen := map[int64]bool{}
	for _, inv := range open {
		if inv.Open <= 0 {
			continue
		}
		isOpen[inv.ID] = true
		if err := s.advance(ctx, inv, today); err != nil {
			errs = append(errs, err)
		}
	}
	// Invoices being dunned that are no longer open have been paid.
	ids, err := s.unsettled(ctx)
	if err != nil {
		errs = append(errs, err)
	}
	for _, id := range ids {
		if isOpen[id] {
			continue
		}
		if err := s.settle(ctx, id, today); err != nil && !errors.Is(err, ErrNotOpen) {
			errs = append(errs, err)
		}
	}
	if s.susp != nil {
		if err := s.susp.SyncSuspensions(ctx); err != nil {
			errs = append(errs, fmt.Errorf("dunning: suspension hooks: %w", err))
		}
	}
	return errors.Join(errs...)
}

func (s *Service) unsettled(ctx context.Context) ([]int64, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT DISTINCT invoice_id FROM dunning_steps d WHERE pack = $1 AND NOT EXISTS
		(SELECT 1 FROM dunning_steps x WHERE x.invoice_id = d.invoice_id AND x.step = $2) ORDER BY invoice_id`, s.pack.Name, StepSettled)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// terms returns the version of the terms an invoice was issued under.
func (s *Service) terms(inv OpenInvoice) (*terms.Policy, error) {
	if inv.PackVersion != "" {
		if p, ok := s.pack.Version(inv.PackVersion); ok {
			return p, nil
		}
	}
	return s.pack.At(inv.InvoiceDate)
}

// schedule is an invoice's payment dates from the terms, with the consumer's default
// moved when the reminder went out later than the terms planned.
type schedule struct {
	pol  *terms.Policy
	pay  terms.PaymentResult
	ex   terms.Explanation
	kind terms.InterestKind
}

func (s *Service) scheduleFor(inv OpenInvoice) (schedule, error) {
	pol, err := s.terms(inv)
	if err != nil {
		return schedule{}, err
	}
	// A due date printed on the invoice prevails over the payment term (cp.av.14.1
	// "unless stated", fo.av.16.3).
	pay, ex, err := pol.Payment(terms.PaymentInput{Customer: inv.CustomerKind, InvoiceDate: inv.InvoiceDate, StatedDue: inv.DueDate})
	if err != nil {
		return schedule{}, err
	}
	k := pol.Terms.Interest.Business
	if inv.CustomerKind == terms.Consumer {
		k = pol.Terms.Interest.Consumer
	}
	return schedule{pol: pol, pay: pay, ex: ex, kind: k}, nil
}

// reminderRequired: the terms send this customer a reminder before default.
func (sc schedule) reminderRequired() bool { return !sc.pay.Reminder.IsZero() }

// defaultFrom is the first day of default: the terms' date, or for a consumer the day
// after the period of the reminder actually sent. Zero while a required reminder has
// not gone out.
func (sc schedule) defaultFrom(steps stepSet) terms.Date {
	if !sc.reminderRequired() {
		return sc.pay.DefaultFrom
	}
	r, ok := steps[StepReminder]
	if !ok {
		return terms.Date{}
	}
	return r.NextOn.AddDays(1)
}

// defaultFromPlanned is the first day of default as far as it is known: the actual
// one once the reminder went out, else the one the terms plan.
func (sc schedule) defaultFromPlanned(steps stepSet) terms.Date {
	if d := sc.defaultFrom(steps); !d.IsZero() {
		return d
	}
	return sc.pay.DefaultFrom
}

// interestFrom is the first day of interest: the terms' date, moved with the default
// when the terms let interest run from the default.
func (sc schedule) interestFrom(steps stepSet) terms.Date {
	if sc.pay.InterestFrom == sc.pay.DefaultFrom {
		if d := sc.defaultFrom(steps); !d.IsZero() {
			return d
		}
	}
	return sc.pay.InterestFrom
}

// advance takes the steps of an open invoice that are due on today.
func (s *Service) advance(ctx context.Context, inv OpenInvoice, today terms.Date) error {
	sc, err := s.scheduleFor(inv)
	if err != nil {
		return fmt.Errorf("dunning: invoice %d: %w", inv.ID, err)
	}
	steps, err := s.loadSteps(ctx, inv.ID)
	if err != nil {
		return err
	}
	if steps.has(StepSettled) {
		return nil // settled before; an invoice opened again is staff's to handle
	}
	charge, err := s.isCharge(ctx, inv.ID)
	if err != nil {
		return err
	}
	steppers := []func(context.Context, OpenInvoice, schedule, stepSet, terms.Date, bool) (*action, error){
		s.overdue, s.reminder, s.defaulted, s.suspend, s.terminate,
	}
	for _, next := range steppers {
		a, err := next(ctx, inv, sc, steps, today, charge)
		if err != nil {
			return fmtErr(inv.ID, "evaluate", err)
		}
		if a == nil {
			continue
		}
		if _, err := s.perform(ctx, *a); err != nil {
			return err
		}
		// Taken now or by someone else meanwhile: read what was stored.
		if steps, err = s.loadSteps(ctx, inv.ID); err != nil {
			return err
		}
		if !steps.has(a.step) {
			return fmtErr(inv.ID, a.step, errors.New("step not recorded"))
		}
	}
	return nil
}

func (s *Service) overdue(_ context.Context, inv OpenInvoice, sc schedule, steps stepSet, today terms.Date, _ bool) (*action, error) {
	on := sc.pay.Due.AddDays(1)
	if steps.has(StepOverdue) || today.Before(on) {
		return nil, nil
	}
	a := &action{inv: inv, step: StepOverdue, dueOn: on, ex: sc.ex,
		summary: fmt.Sprintf("invoice %s overdue: due %s, open %s; in default from %s unless paid", inv.Number, sc.pay.Due, inv.Open, dateStr(sc.pay.DefaultFrom))}
	if inv.CustomerKind != terms.Consumer && s.rules(sc.pol).OverdueNotice {
		a.mail = "overdue"
		a.data = baseData(inv)
		a.data.Due, a.data.DefaultFrom, a.data.InterestFrom = sc.pay.Due, sc.pay.DefaultFrom, sc.pay.InterestFrom
	}
	return a, nil
}

func (s *Service) reminder(_ context.Context, inv OpenInvoice, sc schedule, steps stepSet, today terms.Date, charge bool) (*action, error) {
	if !sc.reminderRequired() || steps.has(StepReminder) || today.Before(sc.pay.Reminder) {
		return nil, nil
	}
	ex := append(terms.Explanation{}, sc.ex...)
	payBy := sc.pay.PayBy
	if today.After(sc.pay.Reminder) {
		rt := sc.pol.Terms.Reminder
		var rex terms.Explanation
		payBy, _, rex = sc.pol.ReminderPayBy(today)
		ex = append(ex, terms.Step{Clause: joinIDs(rt.Clauses),
			Says:    fmt.Sprintf("The reminder went out after the planned day, so its %s run from the day it was sent.", rt.PayWithin.Words()),
			Reading: "art. 6:96 lid 6 BW: " + rt.PayWithin.Words() + " after receipt of the letter",
			Inputs:  []terms.Input{{Name: "planned", Value: sc.pay.Reminder.String()}, {Name: "sent", Value: today.String()}},
			Value:   today.String(),
			Key:     "dunning.reminder_late", Args: terms.StepArgs(map[string]any{"planned": sc.pay.Reminder, "period": rt.PayWithin, "sent": today})})
		ex = append(ex, rex...)
	}
	a := &action{inv: inv, step: StepReminder, dueOn: sc.pay.Reminder, nextOn: payBy, mail: "reminder", data: baseData(inv)}
	a.data.Due, a.data.PayBy, a.data.DefaultFrom = sc.pay.Due, payBy, payBy.AddDays(1)
	a.data.InterestFrom = sc.pay.InterestFrom
	if sc.pay.InterestFrom == sc.pay.DefaultFrom {
		a.data.InterestFrom = a.data.DefaultFrom
	}
	if !charge {
		cc, ccEx, err := sc.pol.CollectionCosts(terms.CollectionInput{Principal: inv.Open, Customer: inv.CustomerKind})
		if err != nil {
			return nil, err
		}
		ex = append(ex, ccEx...)
		a.amount = cc.Amount
		a.data.CollectionCosts = cc.Amount
	}
	a.ex = ex
	a.summary = fmt.Sprintf("reminder (%s letter, art. 6:96 lid 6 BW) for invoice %s: open %s, pay by %s, collection costs %s due after that",
		sc.pol.Terms.Reminder.PayWithin.Words(), inv.Number, inv.Open, payBy, a.amount)
	return a, nil
}

func (s *Service) defaulted(_ context.Context, inv OpenInvoice, sc schedule, steps stepSet, today terms.Date, charge bool) (*action, error) {
	from := sc.defaultFrom(steps)
	if from.IsZero() || steps.has(StepDefault) || today.Before(from) {
		return nil, nil
	}
	ex := append(terms.Explanation{}, sc.ex...)
	if r, ok := steps[StepReminder]; ok && from != sc.pay.DefaultFrom {
		ex = append(ex, terms.Step{Clause: joinIDs(sc.pol.Terms.Reminder.Clauses), Says: "The consumer is in default from the day after the period the reminder gave.",
			Inputs: []terms.Input{{Name: "pay_by", Value: r.NextOn.String()}}, Value: from.String(),
			Key: "dunning.default_after_reminder", Args: terms.StepArgs(map[string]any{"pay_by": r.NextOn, "default_from": from})})
	}
	interestFrom := sc.interestFrom(steps)
	a := &action{inv: inv, step: StepDefault, dueOn: from, mail: "default", data: baseData(inv)}
	a.data.Due, a.data.DefaultFrom = sc.pay.Due, from
	if !charge {
		a.data.InterestFrom = interestFrom
		cc, ccEx, err := sc.pol.CollectionCosts(terms.CollectionInput{Principal: inv.Open, Customer: inv.CustomerKind})
		if err != nil {
			return nil, err
		}
		ex = append(ex, ccEx...)
		a.amount = cc.Amount
		a.data.CollectionCosts = cc.Amount
	}
	summary := fmt.Sprintf("invoice %s in default from %s: open %s", inv.Number, from, inv.Open)
	if !charge {
		summary += fmt.Sprintf(", interest from %s, collection costs %s", interestFrom, a.amount)
	}
	esc := s.rules(sc.pol)
	if esc.Suspend && s.susp != nil {
		var step terms.Step
		a.nextOn, step = esc.Suspension(today)
		ex = append(ex, step)
		a.data.SuspendOn = a.nextOn
		summary += fmt.Sprintf("; services will be suspended on %s unless paid", a.nextOn)
	} else if esc.Terminate && s.susp != nil {
		on, step := esc.Termination("default notice", today)
		ex = append(ex, step)
		a.data.TerminateOn = on
		summary += fmt.Sprintf("; agreements will be terminated on %s unless paid", on)
	}
	a.ex, a.summary = ex, summary
	return a, nil
}

func (s *Service) suspend(_ context.Context, inv OpenInvoice, sc schedule, steps stepSet, today terms.Date, _ bool) (*action, error) {
	d, ok := steps[StepDefault]
	if !ok || d.NextOn.IsZero() || steps.has(StepSuspend) || today.Before(d.NextOn) || s.susp == nil {
		return nil, nil
	}
	esc := s.rules(sc.pol)
	_, step := esc.Suspension(d.PerformedOn)
	step.Value = d.NextOn.String() // the day the default notice announced
	ex := terms.Explanation{step}
	a := &action{inv: inv, step: StepSuspend, dueOn: d.NextOn, mail: "suspended", data: baseData(inv)}
	summary := fmt.Sprintf("services suspended for unpaid invoice %s (open %s)", inv.Number, inv.Open)
	if esc.Terminate {
		var tstep terms.Step
		a.nextOn, tstep = esc.Termination("suspension", today)
		ex = append(ex, tstep)
		a.data.TerminateOn = a.nextOn
		summary += fmt.Sprintf("; agreements will be terminated on %s unless paid", a.nextOn)
	}
	a.ex, a.summary = ex, summary
	a.do = func(ctx context.Context, q store.Querier) (int64, error) {
		_, err := s.susp.Suspend(ctx, q, inv.OrgID, refFor(inv.ID), ex)
		return 0, err
	}
	return a, nil
}

func (s *Service) terminate(_ context.Context, inv OpenInvoice, sc schedule, steps stepSet, today terms.Date, _ bool) (*action, error) {
	esc := s.rules(sc.pol)
	if !esc.Terminate || s.susp == nil || steps.has(StepTerminate) {
		return nil, nil
	}
	var on terms.Date
	var ex terms.Explanation
	if sp, ok := steps[StepSuspend]; ok {
		on = sp.NextOn
		_, step := esc.Termination("suspension", sp.PerformedOn)
		step.Value = on.String() // the day the suspension notice announced
		ex = terms.Explanation{step}
	} else if d, ok := steps[StepDefault]; ok && d.NextOn.IsZero() {
		// Not suspending: the delay runs from the default notice.
		var step terms.Step
		on, step = esc.Termination("default notice", d.PerformedOn)
		ex = terms.Explanation{step}
	}
	if on.IsZero() || today.Before(on) {
		return nil, nil
	}
	a := &action{inv: inv, step: StepTerminate, dueOn: on, ex: ex, mail: "terminated", data: baseData(inv),
		summary: fmt.Sprintf("agreements terminated as of %s for unpaid invoice %s (open %s)", today, inv.Number, inv.Open)}
	a.data.TerminateOn = today
	a.do = func(ctx context.Context, q store.Querier) (int64, error) {
		_, err := s.susp.TerminateForDefault(ctx, q, inv.OrgID, refFor(inv.ID), today, ex)
		return 0, err
	}
	return a, nil
}

func joinIDs(ids []string) string {
	out := ""
	for i, id := range ids {
		if i > 0 {
			out += ", "
		}
		out += id
	}
	return out
}
