package terms

import "fmt"

// Escalation is how dunning escalates under one version of the terms, read from its
// dunning section (DunningTerms): the terms give the right to suspend (cp.av.3.8,
// fo.av.16.5.2, fo.av.16.6) and to terminate (cp.av.13.10, fo.av.20.4) but name no
// period, so the warning before suspension and the delay before termination are the
// provider's pack values (INTERPRETATION.md, Payment). Package dunning reads it here
// and holds no policy of its own.
type Escalation struct {
	// Suspend: once the customer is in default, the default notice warns that the
	// services will be suspended, and they are, SuspendWarning after it was sent.
	Suspend        bool
	SuspendClauses []string
	SuspendWarning Period
	SuspendReading string
	// Terminate: when the default continues TerminateAfter after the suspension (or
	// after the default notice, when not suspending), the agreements are terminated.
	Terminate        bool
	TerminateClauses []string
	TerminateAfter   Period
	TerminateReading string
	// OverdueNotice mails a business customer the day after the due date.
	OverdueNotice bool
	// MinimumCharge: interest and collection costs that together stay below it are
	// recorded but not charged.
	MinimumCharge Money

	cal *Calendar
}

// Escalation returns the dunning escalation of this version of the terms.
func (p *Policy) Escalation() Escalation {
	d := p.Terms.Dunning
	e := Escalation{
		Suspend: !d.Suspension.After.IsZero(), SuspendClauses: d.Suspension.Clauses,
		SuspendWarning: d.Suspension.After, SuspendReading: d.Suspension.Reading,
		Terminate: !d.Termination.After.IsZero(), TerminateClauses: d.Termination.Clauses,
		TerminateAfter: d.Termination.After, TerminateReading: d.Termination.Reading,
		OverdueNotice: d.OverdueNotice, MinimumCharge: d.MinimumCharge, cal: p.Calendar(),
	}
	// Terms that suspend while the customer is in default rest the suspension on
	// their payment clauses where the dunning section names none.
	if len(e.SuspendClauses) == 0 && p.Terms.Payment.SuspendWhenInDefault {
		e.SuspendClauses = p.Terms.Payment.Clauses
	}
	return e
}

// Suspension returns the day services are suspended after a warning sent on warnedOn,
// with its explanation.
func (e Escalation) Suspension(warnedOn Date) (Date, Step) {
	on := e.SuspendWarning.AddTo(warnedOn, e.cal)
	return on, Step{Clause: joinIDs(e.SuspendClauses),
		Says: fmt.Sprintf("While the customer is in default the provider may take the services out of use; they are suspended %s after the warning unless the invoice is paid.",
			e.SuspendWarning.Words()),
		Reading: e.SuspendReading,
		Inputs:  inputs("warning_sent", warnedOn, "warning_period", e.SuspendWarning),
		Value:   on.String(),
		Key:     "dunning.suspension", Args: StepArgs(kv{"period": e.SuspendWarning, "warned": warnedOn, "on": on})}
}

// Termination returns the day the agreements are terminated when the default
// continues after from ("suspension" or "default notice") on since, with its
// explanation.
func (e Escalation) Termination(from string, since Date) (Date, Step) {
	on := e.TerminateAfter.AddTo(since, e.cal)
	return on, Step{Clause: joinIDs(e.TerminateClauses),
		Says: fmt.Sprintf("When the customer is still in default %s after the %s, the provider terminates the customer's agreements.",
			e.TerminateAfter.Words(), from),
		Reading: e.TerminateReading,
		Inputs:  inputs(from, since, "delay", e.TerminateAfter),
		Value:   on.String(),
		Key:     "dunning.termination", Args: StepArgs(kv{"period": e.TerminateAfter, "from": from, "since": since, "on": on})}
}
