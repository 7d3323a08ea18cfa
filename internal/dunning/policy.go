package dunning

import (
	"fmt"
	"strings"

	"github.com/hostpact/hostpact/internal/terms"
)

// Policy holds the provider's dunning settings that the terms leave open. The terms
// allow the provider to take services out of use while the customer fails to pay
// (cp.av.3.8, fo.av.16.5.2) and to terminate the agreements (cp.av.13.10, fo.av.20.4),
// but name no warning period and no delay; these are provider settings, not terms,
// until the terms pack gives them a place (the packs list cp.av.3.8, cp.av.13.10 and
// fo.av.20.4 under not_automated as staff decisions; a provider that keeps them so sets
// Suspend and Terminate to false and suspends by hand).
//
// Where the terms themselves decide (terms.PaymentTerms.SuspendWhenInDefault,
// fo.av.16.5.2), the terms win: suspension is then on whatever Suspend says.
type Policy struct {
	// Suspend: once the customer is in default, the default notice warns that the
	// services will be suspended, and they are, SuspendWarning after it was sent.
	Suspend        bool
	SuspendClauses []string
	SuspendWarning terms.Period
	// Terminate: when the default continues TerminateAfter after the suspension (or
	// after the default notice, when not suspending), the customer's agreements are
	// terminated as of that day. The suspension notice warns of it.
	Terminate        bool
	TerminateClauses []string
	TerminateAfter   terms.Period
	// OverdueNotice mails a business customer the day after the due date (consumers
	// get the reminder instead). A courtesy, not a requirement of the terms.
	OverdueNotice bool
	// MinimumCharge: interest and collection costs that together stay below it are
	// recorded but not charged. 0 charges every cent the terms give.
	MinimumCharge terms.Money
	// Reading says why these values; it is shown in every explanation that uses them.
	Reading string
}

// DefaultPolicy returns the defaults for a pack. They are provider settings, not
// terms: the terms give the right to suspend and terminate but no period.
//
//   - cloudprovider: suspend 7 days after the default notice (cp.av.3.8); terminate
//     1 month after the suspension (cp.av.13.10).
//   - 5online: suspend 7 days after the default notice (fo.av.16.5.2, the terms allow
//     it from the first day of default); terminate 1 month after the suspension
//     (fo.av.20.4).
//   - any other pack: no automatic suspension or termination.
func DefaultPolicy(pk *terms.Pack) Policy {
	reading := "Provider setting, not a term: the terms allow suspension and termination for non-payment but name no warning period or delay; hostpact's default warns 7 days ahead and terminates 1 month after suspension."
	switch pk.Name {
	case "cloudprovider":
		return Policy{Suspend: true, SuspendClauses: []string{"cp.av.3.8"}, SuspendWarning: terms.MustPeriod("P7D"),
			Terminate: true, TerminateClauses: []string{"cp.av.13.10"}, TerminateAfter: terms.MustPeriod("P1M"),
			OverdueNotice: true, Reading: reading}
	case "5online":
		return Policy{Suspend: true, SuspendClauses: []string{"fo.av.16.5.2"}, SuspendWarning: terms.MustPeriod("P7D"),
			Terminate: true, TerminateClauses: []string{"fo.av.20.4"}, TerminateAfter: terms.MustPeriod("P1M"),
			OverdueNotice: true, Reading: reading}
	}
	return Policy{OverdueNotice: true, Reading: "No dunning settings for this pack: services are suspended and terminated by staff."}
}

// suspends reports whether an invoice under pol leads to suspension, and on which
// clauses.
func (p Policy) suspends(pol *terms.Policy) (bool, []string) {
	if pol.Terms.Payment.SuspendWhenInDefault {
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
		Reading: p.Reading,
		Inputs:  []terms.Input{{Name: "warning_sent", Value: warnedOn.String()}, {Name: "warning_period", Value: p.SuspendWarning.String()}},
		Value:   on.String()}
}

func (p Policy) terminateStep(from string, since, on terms.Date) terms.Step {
	return terms.Step{Clause: strings.Join(p.TerminateClauses, ", "),
		Says: fmt.Sprintf("When the customer is still in default %s after the %s, the provider terminates the customer's agreements.",
			p.TerminateAfter.Words(), from),
		Reading: p.Reading,
		Inputs:  []terms.Input{{Name: from, Value: since.String()}, {Name: "delay", Value: p.TerminateAfter.String()}},
		Value:   on.String()}
}
