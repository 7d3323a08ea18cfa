package dunning

import (
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/terms"
)

// Policy is how dunning escalates for one version of the terms. It is read from the
// version's dunning section (terms.DunningTerms), where the provider's choices for what
// the terms leave open — the warning before suspension, the delay before termination —
// live beside every other number of the terms (DESIGN.md principle 1). Tests may pass
// their own through Deps.Policy.
type Policy struct {
	// Suspend: once the customer is in default, the default notice warns that the
	// services will be suspended, and they are, SuspendWarning after it was sent.
	Suspend        bool
	SuspendClauses []string
	SuspendWarning terms.Period
	SuspendReading string
	// Terminate: when the default continues TerminateAfter after the suspension (or
	// after the default notice, when not suspending), the customer's agreements are
	// terminated as of that day. The suspension notice warns of it.
	Terminate        bool
	TerminateClauses []string
	TerminateAfter   terms.Period
	TerminateReading string
	// OverdueNotice mails a business customer the day after the due date (consumers
	// get the reminder instead).
	OverdueNotice bool
	// MinimumCharge: interest and collection costs that together stay below it are
	// recorded but not charged.
	MinimumCharge terms.Money
}

// PolicyFor reads the dunning policy of a terms version.
func PolicyFor(pol *terms.Policy) Policy {
	d := pol.Terms.Dunning
	return Policy{
		Suspend: !d.Suspension.After.IsZero(), SuspendClauses: d.Suspension.Clauses,
		SuspendWarning: d.Suspension.After, SuspendReading: d.Suspension.Reading,
		Terminate: !d.Termination.After.IsZero(), TerminateClauses: d.Termination.Clauses,
		TerminateAfter: d.Termination.After, TerminateReading: d.Termination.Reading,
		OverdueNotice: d.OverdueNotice, MinimumCharge: d.MinimumCharge,
	}
}

// suspends reports whether an invoice under pol leads to suspension, and on which
// clauses.
func (p Policy) suspends(pol *terms.Policy) (bool, []string) {
	if pol.Terms.Payment.SuspendWhenInDefault && p.Suspend {
		if len(p.SuspendClauses) > 0 {
			return true, p.SuspendClauses
		}
		return true, pol.Terms.Payment.Clauses
	}
	return p.Suspend, p.SuspendClauses
}

func (p Policy) suspendStep(clauses []string, warnedOn, on terms.Date) terms.Step {
	return terms.Step{Clause: strings.Join(clauses, ", "),
		Says: fmt.Sprintf("While the customer is in default the provider may take the services out of use; they are suspended %s after the warning unless the invoice is paid.",
			p.SuspendWarning.Words()),
		Reading: p.SuspendReading,
		Inputs:  []terms.Input{{Name: "warning_sent", Value: warnedOn.String()}, {Name: "warning_period", Value: p.SuspendWarning.String()}},
		Value:   on.String()}
}

func (p Policy) terminateStep(from string, since, on terms.Date) terms.Step {
	return terms.Step{Clause: strings.Join(p.TerminateClauses, ", "),
		Says: fmt.Sprintf("When the customer is still in default %s after the %s, the provider terminates the customer's agreements.",
			p.TerminateAfter.Words(), from),
		Reading: p.TerminateReading,
		Inputs:  []terms.Input{{Name: from, Value: since.String()}, {Name: "delay", Value: p.TerminateAfter.String()}},
		Value:   on.String()}
}
