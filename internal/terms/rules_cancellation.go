package terms

import (
	"fmt"
)

// CancellationBasis is a right to end a contract that a price increase, a change of
// the terms or force majeure gives besides the ordinary notice.
type CancellationBasis string

// The special bases of a cancellation.
const (
	BasisPriceIncrease CancellationBasis = "price-increase" // cp.av.4.3, fo.av.15.4
	BasisTermsChange   CancellationBasis = "terms-change"   // cp.av.18.3, fo.av.22.3
	BasisForceMajeure  CancellationBasis = "force-majeure"  // cp.av.12.4, fo.av.18.3
	// BasisSubprocessor: an objection to a new or replaced subprocessor that was made
	// in time and not accommodated (cp.dpa.6.2, fo.dpa.2.2; INTERPRETATION.md,
	// Processor duties); AsOf is the day of the change.
	BasisSubprocessor CancellationBasis = "subprocessor"
)

// BasisCancellationInput is a cancellation that rests on a special basis.
type BasisCancellationInput struct {
	Basis    CancellationBasis
	Received Date
	// Ordinary is what the ordinary notice gives for the same receipt
	// (Policy.Cancellation).
	Ordinary CancellationResult
	// Effective is the day the price increase applies or the new terms take effect.
	Effective Date
	// Notice is the notice with which the customer may cancel after a price increase
	// (cp.av.4.3); AsOf the day as of which the customer may end the contract (the
	// increase or the new terms apply, fo.av.15.4, cp.av.18.3, fo.av.22.3).
	Notice Period
	AsOf   Date
	// RightsFrom is the first day on which force majeure that still lasts gives the
	// right to end the contract; Ended the day it ended (zero while it lasts).
	RightsFrom Date
	Ended      Date
}

// CancellationWithBasis decides when a contract cancelled on a special basis ends: on
// the earlier of the end that basis gives and the ordinary end (a right the terms add
// cannot make the customer wait longer than ordinary notice). After a price increase
// the customer may cancel with the increase's notice, or end the contract as of the
// day it applies, until that day (cp.av.4.3, fo.av.15.4); after a change of terms, as
// of the day the new terms take effect, before they do (cp.av.18.3, fo.av.22.3);
// force majeure that lasts beyond the pack's period lets the contract be ended at once
// (cp.av.12.4, fo.av.18.3). A receipt outside the basis's window is an InputError on
// the field "basis".
func (p *Policy) CancellationWithBasis(in BasisCancellationInput) (CancellationResult, Explanation, error) {
	if err := requireDate("received", in.Received); err != nil {
		return CancellationResult{}, nil, err
	}
	if err := requireDate("ordinary_end", in.Ordinary.Ends); err != nil {
		return CancellationResult{}, nil, err
	}
	var (
		ex       Explanation
		end      Date
		clauses  []string
		reading  string
		says     string
		key      string
		fmPeriod Period
		inp      = inputs("received", in.Received, "ordinary_end", in.Ordinary.Ends)
	)
	switch in.Basis {
	case BasisPriceIncrease:
		if err := requireDate("effective", in.Effective); err != nil {
			return CancellationResult{}, nil, err
		}
		if in.Received.After(in.Effective) {
			return CancellationResult{}, nil, inputErr("basis", "the right to cancel because of the price increase ran until %s", in.Effective)
		}
		pi := p.Terms.PriceIncrease
		clauses, reading = pi.Clauses, pi.Reading
		switch {
		case !in.Notice.IsZero():
			end = in.Notice.AddTo(in.Received, p.Calendar())
			says, key = fmt.Sprintf("After a price increase the customer may cancel with %s notice; the contract ends on the earlier of that date and the ordinary end.", in.Notice.Words()), "cancel.basis.price_notice"
			inp = append(inp, Input{Name: "notice", Value: in.Notice.String()})
		case !in.AsOf.IsZero():
			end = in.AsOf
			says, key = "After a price increase the customer may end the contract as of the day it applies; the contract ends on the earlier of that date and the ordinary end.", "cancel.basis.price_as_of"
			inp = append(inp, Input{Name: "applies_on", Value: in.AsOf.String()})
		default:
			says, key = "This price increase gives no earlier end; the ordinary end applies.", "cancel.basis.price_none"
		}
	case BasisTermsChange:
		if err := requireDate("effective", in.Effective); err != nil {
			return CancellationResult{}, nil, err
		}
		if !in.Received.Before(in.Effective) {
			return CancellationResult{}, nil, inputErr("basis", "a contract can be ended because of the new terms only before they take effect on %s", in.Effective)
		}
		tc := p.Terms.TermsChange
		clauses, reading = tc.Clauses, tc.Reading
		end = in.AsOf
		if end.IsZero() {
			end = in.Effective
		}
		says, key = "A customer who does not accept the new terms may end the contract as of the day they take effect; it ends on the earlier of that date and the ordinary end.", "cancel.basis.terms_change"
		inp = append(inp, Input{Name: "effective", Value: in.Effective.String()})
	case BasisForceMajeure:
		if err := requireDate("rights_from", in.RightsFrom); err != nil {
			return CancellationResult{}, nil, err
		}
		if in.Received.Before(in.RightsFrom) || (!in.Ended.IsZero() && in.Ended.Before(in.RightsFrom)) {
			return CancellationResult{}, nil, inputErr("basis", "force majeure gives a right to end the contract only when it lasts after %s", in.RightsFrom.AddDays(-1))
		}
		fm, ok := p.Terms.Deadlines["force-majeure"]
		if !ok {
			return CancellationResult{}, nil, notInTerms("these terms give no right to end the contract for force majeure")
		}
		clauses, reading = fm.Clauses, fm.Reading
		end = in.Received
		says, key, fmPeriod = fmt.Sprintf("The force majeure lasted beyond %s, so the contract may be ended in writing with immediate effect.", fm.Period.Words()), "cancel.basis.force_majeure", fm.Period
		inp = append(inp, Input{Name: "rights_from", Value: in.RightsFrom.String()})
	case BasisSubprocessor:
		if err := requireDate("as_of", in.AsOf); err != nil {
			return CancellationResult{}, nil, err
		}
		pt := p.Terms.Privacy
		clauses, reading = pt.ObjectionClauses, pt.ObjectionReading
		// As of the change; an agreement is not ended in the past, so a later receipt
		// ends it on the day received.
		end = in.AsOf
		if in.Received.After(end) {
			end = in.Received
		}
		says, key = "A customer whose objection to a new subprocessor was not accommodated may end the affected agreements as of the change; it ends on the earlier of that date and the ordinary end.", "cancel.basis.subprocessor"
		inp = append(inp, Input{Name: "change", Value: in.AsOf.String()})
	default:
		return CancellationResult{}, nil, inputErr("basis", "choose price-increase, terms-change, force-majeure or subprocessor (got %q)", string(in.Basis))
	}
	res := in.Ordinary
	if !end.IsZero() && end.Before(res.Ends) {
		// Ending on a day of the customer's choosing: the receipt itself is the last
		// day that still gives this end.
		res.Ends, res.Deadline = end, in.Received
	}
	res.Renewed = !res.FirstRenewal.IsZero() && res.Ends.After(res.FirstRenewal)
	ex.add(clauses, says, reading, inp, res.Ends)
	ex.key(key, kv{"ends": res.Ends, "notice": in.Notice, "applies_on": in.AsOf, "effective": in.Effective, "period": fmPeriod})
	return res, ex, nil
}
