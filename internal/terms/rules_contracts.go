package terms

import (
	"fmt"
)

// CustomerKind distinguishes consumers (natural persons not acting in a profession or
// business) from business customers; many rules differ between them.
type CustomerKind string

// The kinds of customer.
const (
	Consumer CustomerKind = "consumer"
	Business CustomerKind = "business"
)

// ParseCustomerKind reads "consumer" or "business".
func ParseCustomerKind(s string) (CustomerKind, error) {
	switch CustomerKind(s) {
	case Consumer, Business:
		return CustomerKind(s), nil
	}
	return "", fmt.Errorf("customer kind %q must be consumer or business", s)
}

// serves checks that the terms serve this kind of customer (5online: businesses only,
// fo.av.1.6).
func (p *Policy) serves(k CustomerKind) error {
	switch k {
	case Consumer:
		if !p.Terms.Customers.Consumers {
			return notInTerms("%s serves business customers only (%s)", p.PackName(), joinIDs(p.Terms.Customers.Clauses))
		}
	case Business:
		if !p.Terms.Customers.Businesses {
			return notInTerms("%s serves consumers only (%s)", p.PackName(), joinIDs(p.Terms.Customers.Clauses))
		}
	default:
		return inputErr("customer", "must be consumer or business (got %q)", string(k))
	}
	return nil
}

func joinIDs(ids []string) string {
	s := ""
	for i, id := range ids {
		if i > 0 {
			s += ", "
		}
		s += id
	}
	return s
}

// QuoteResult is the last day a quote can be accepted.
type QuoteResult struct {
	Expires Date `json:"expires"`
}

// QuoteExpiry returns the last day on which a quote sent on sent is still valid
// (C01: cp 30 days, fo 14 days, unless the quote itself says otherwise).
func (p *Policy) QuoteExpiry(sent Date) (QuoteResult, Explanation, error) {
	var ex Explanation
	if err := requireDate("sent", sent); err != nil {
		return QuoteResult{}, nil, err
	}
	exp := p.Terms.Quote.Validity.AddTo(sent, p.Calendar())
	ex.add(p.Terms.Quote.Clauses,
		fmt.Sprintf("A quote is valid through the day %s after it was sent, unless the quote states otherwise.", p.Terms.Quote.Validity.Words()),
		p.Terms.Quote.Reading, inputs("sent", sent, "validity", p.Terms.Quote.Validity), exp)
	ex.key("quote.expiry", kv{"validity": p.Terms.Quote.Validity, "sent": sent, "expires": exp})
	return QuoteResult{Expires: exp}, ex, nil
}

// termEnd returns the end of the k-th term (k ≥ 1) of a subscription that started on
// start: the first day of term k+1. Each end is computed from the start date, not
// from the previous end, so a start on 31 January keeps returning to the 31st where
// the month allows (A08).
func (p *Policy) termEnd(start Date, k int) Date {
	initial, _ := p.Terms.Contract.InitialTerm.InMonths()
	renewal, _ := p.Terms.Contract.RenewalTerm.InMonths()
	return start.AddMonths(initial + (k-1)*renewal)
}

// RenewalResult lists the renewal dates of a subscription.
type RenewalResult struct {
	Renewals []Date `json:"renewals"`
}

// Renewals returns the first n renewal dates of a subscription that started on start
// (cp.av.13.1, fo.av.20.3): the dates on which a new term begins unless it was
// cancelled in time.
func (p *Policy) Renewals(start Date, n int) (RenewalResult, Explanation, error) {
	if err := requireDate("start", start); err != nil {
		return RenewalResult{}, nil, err
	}
	if n < 1 || n > 100 {
		return RenewalResult{}, nil, inputErr("count", "must be between 1 and 100 (got %d)", n)
	}
	var res RenewalResult
	for k := 1; k <= n; k++ {
		res.Renewals = append(res.Renewals, p.termEnd(start, k))
	}
	var ex Explanation
	ex.add(p.Terms.Contract.Clauses,
		fmt.Sprintf("The subscription runs for an initial term of %s and renews tacitly for terms of %s; each renewal date is counted from the start date by the month rule.",
			p.Terms.Contract.InitialTerm.Words(), p.Terms.Contract.RenewalTerm.Words()),
		p.Terms.Contract.Reading, inputs("start", start, "count", n), res.Renewals[0])
	ex.key("contract.renewals", kv{"initial": p.Terms.Contract.InitialTerm, "renewal": p.Terms.Contract.RenewalTerm, "first": res.Renewals[0]})
	return res, ex, nil
}

// NextRenewal returns the first renewal date after on.
func (p *Policy) NextRenewal(start, on Date) (Date, error) {
	if err := requireDate("start", start); err != nil {
		return Date{}, err
	}
	if err := requireDate("on", on); err != nil {
		return Date{}, err
	}
	for k := 1; ; k++ {
		if r := p.termEnd(start, k); r.After(on) {
			return r, nil
		}
	}
}

// CancellationInput describes a cancellation received from a customer.
type CancellationInput struct {
	Customer CustomerKind
	Start    Date // the day the contract started (acceptance received, cp.av.2.8)
	Received Date // the day the cancellation was received
}

// CancellationResult says when a cancelled contract ends.
type CancellationResult struct {
	// Ends is the first day on which the contract no longer runs.
	Ends Date `json:"ends"`
	// Deadline is the last day on which this cancellation could have been received and
	// still end the contract on Ends.
	Deadline Date `json:"deadline"`
	// Renewed reports whether the contract renews (or renewed) at least once before it
	// ends.
	Renewed bool `json:"renewed"`
	// FirstRenewal is the first renewal date, start + the initial term.
	FirstRenewal Date `json:"first_renewal"`
	// Notice is the notice period that decided Ends.
	Notice Period `json:"notice"`
}

// Cancellation computes when a contract ends after a cancellation (INTERPRETATION.md,
// Contracts). Consumers in the initial term: received on or before the renewal date
// minus the notice period ends on the renewal date, later ends one month after
// receipt, as after any renewal (cp.av.13.1, cp.av.13.2, Wet Van Dam). Businesses:
// received on or before a term end minus the notice ends at that term end, later at
// the next one (cp.av.13.3 over cp.av.13.1, A07; fo.av.20.3 with one month, C07).
func (p *Policy) Cancellation(in CancellationInput) (CancellationResult, Explanation, error) {
	if err := p.serves(in.Customer); err != nil {
		return CancellationResult{}, nil, err
	}
	if err := requireDate("start", in.Start); err != nil {
		return CancellationResult{}, nil, err
	}
	if err := requireDate("received", in.Received); err != nil {
		return CancellationResult{}, nil, err
	}
	if in.Received.Before(in.Start) {
		return CancellationResult{}, nil, inputErr("received", "the cancellation (%s) cannot be received before the contract started (%s)", in.Received, in.Start)
	}
	ct := p.Terms.Contract.Business
	if in.Customer == Consumer {
		ct = p.Terms.Contract.Consumer
	}
	cal := p.Calendar()
	var ex Explanation
	r1 := p.termEnd(in.Start, 1)
	ex.add(p.Terms.Contract.Clauses,
		fmt.Sprintf("The contract started on %s and runs for %s, renewing tacitly for terms of %s; its first renewal date is start + %s.",
			in.Start, p.Terms.Contract.InitialTerm.Words(), p.Terms.Contract.RenewalTerm.Words(), p.Terms.Contract.InitialTerm.Words()),
		p.Terms.Contract.Reading, inputs("start", in.Start), r1)
	ex.key("contract.start", kv{"start": in.Start, "initial": p.Terms.Contract.InitialTerm, "renewal": p.Terms.Contract.RenewalTerm, "first": r1})

	// k is the term in which the cancellation was received; tk its end.
	k := 1
	for !p.termEnd(in.Start, k).After(in.Received) {
		k++
	}
	res := CancellationResult{FirstRenewal: r1}
	tk := p.termEnd(in.Start, k)
	dk := ct.NoticeBeforeTermEnd.SubtractFrom(tk, cal)
	switch {
	case k == 1 && !in.Received.After(dk):
		res.Ends, res.Deadline, res.Notice = tk, dk, ct.NoticeBeforeTermEnd
		ex.add(ct.Clauses,
			fmt.Sprintf("A %s cancellation received on or before the end of the initial term minus %s (%s) ends the contract at the end of that term.",
				in.Customer, ct.NoticeBeforeTermEnd.Words(), dk),
			ct.Reading, inputs("customer", in.Customer, "received", in.Received, "term_end", tk), tk)
		ex.key("cancel.initial_term", kv{"customer": in.Customer, "notice": ct.NoticeBeforeTermEnd, "deadline": dk, "ends": tk})
	case !ct.NoticeAfterRenewal.IsZero():
		res.Notice = ct.NoticeAfterRenewal
		res.Ends = ct.NoticeAfterRenewal.AddTo(in.Received, cal)
		res.Deadline = in.Received
		for next := in.Received.AddDays(1); ct.NoticeAfterRenewal.AddTo(next, cal) == res.Ends; next = next.AddDays(1) {
			res.Deadline = next
		}
		why := "after the first renewal"
		if k == 1 {
			why = fmt.Sprintf("after %s, too late for the end of the initial term, so the contract renews and", dk)
		}
		ex.add(ct.Clauses,
			fmt.Sprintf("A %s cancellation received %s may end the contract on any day with %s notice: it ends %s after receipt (same day number, or the last day of a shorter month).",
				in.Customer, why, ct.NoticeAfterRenewal.Words(), ct.NoticeAfterRenewal.Words()),
			ct.Reading, inputs("customer", in.Customer, "received", in.Received), res.Ends)
		ex.key(cancelAfterKey(k), kv{"customer": in.Customer, "deadline": dk, "notice": ct.NoticeAfterRenewal, "ends": res.Ends})
	default:
		for in.Received.After(dk) {
			k++
			tk = p.termEnd(in.Start, k)
			dk = ct.NoticeBeforeTermEnd.SubtractFrom(tk, cal)
		}
		res.Ends, res.Deadline, res.Notice = tk, dk, ct.NoticeBeforeTermEnd
		ex.add(ct.Clauses,
			fmt.Sprintf("A %s cancellation ends the contract at the first term end at least %s after receipt: received on or before %s, it ends on %s.",
				in.Customer, ct.NoticeBeforeTermEnd.Words(), dk, tk),
			ct.Reading, inputs("customer", in.Customer, "received", in.Received), tk)
		ex.key("cancel.term_end", kv{"customer": in.Customer, "notice": ct.NoticeBeforeTermEnd, "deadline": dk, "ends": tk})
	}
	res.Renewed = res.Ends.After(r1)
	ex.add(ct.Clauses, "The contract renews before it ends when it ends after the first renewal date.", "",
		inputs("ends", res.Ends, "first_renewal", r1), fmt.Sprint(res.Renewed))
	ex.key(renewedKey(res.Renewed), kv{"ends": res.Ends, "first": r1})
	ex.add(ct.Clauses, "The last day on which a cancellation still ends the contract on this date.", "",
		inputs("ends", res.Ends), res.Deadline)
	ex.key("cancel.deadline", kv{"deadline": res.Deadline, "ends": res.Ends})
	return res, ex, nil
}

// WithdrawalInput describes a consumer's withdrawal from a distance contract.
type WithdrawalInput struct {
	Customer  CustomerKind
	Concluded Date // the day the contract was concluded
	Received  Date // the day the withdrawal was received
	// Domain is set when the order was a domain registration.
	Domain bool
	// Waived is set when the order recorded the consumer's consent to immediate
	// delivery and the waiver of the right of withdrawal.
	Waived bool
	// ServiceStarted is the day the service started at the consumer's express request
	// (zero when it had not started); Price is the price of the term including VAT, as
	// the consumer pays it. They decide the proportional deduction.
	ServiceStarted Date
	Price          Money
	// Invoiced is what was invoiced for the service, including VAT and less credit
	// notes; Paid is what of it the consumer actually paid (payments booked against
	// the invoices, less refunds made). The refund is Paid less the deduction; what
	// was invoiced but not paid is cancelled (A16).
	Invoiced Money
	Paid     Money
}

// WithdrawalResult says whether a withdrawal is valid and what follows from it.
type WithdrawalResult struct {
	Allowed bool   `json:"allowed"`
	Reason  string `json:"reason"`
	LastDay Date   `json:"last_day,omitzero"`
	// PeriodEnd is conclusion + the period; LastDay differs from it when that day was
	// closed and the last day moved to the next werkdag.
	PeriodEnd Date  `json:"period_end,omitzero"`
	RefundBy  Date  `json:"refund_by,omitzero"`
	DaysUsed  int   `json:"days_used,omitempty"`
	TermDays  int   `json:"term_days,omitempty"`
	Deduction Money `json:"deduction"`
	Paid      Money `json:"paid"`
	Refund    Money `json:"refund"`
	// Unpaid is what was invoiced but not paid; a credit note cancels it.
	Unpaid Money `json:"unpaid"`
	// Credit is the credit note's total: the unpaid part plus the refund.
	Credit Money `json:"credit"`
}

// Withdrawal decides a consumer's withdrawal (cp.av.13.9, cp.withdrawal.*; A16): the
// last day is conclusion + 14 days; a domain registration is excluded only when the
// order recorded consent to immediate delivery and the waiver; a service started at the
// consumer's request is refunded minus price × days used ÷ days in the term; the refund
// is due within 14 days of receipt.
func (p *Policy) Withdrawal(in WithdrawalInput) (WithdrawalResult, Explanation, error) {
	if err := requireDate("concluded", in.Concluded); err != nil {
		return WithdrawalResult{}, nil, err
	}
	if err := requireDate("received", in.Received); err != nil {
		return WithdrawalResult{}, nil, err
	}
	if in.Received.Before(in.Concluded) {
		return WithdrawalResult{}, nil, inputErr("received", "the withdrawal (%s) cannot be received before the contract was concluded (%s)", in.Received, in.Concluded)
	}
	if in.Price < 0 || in.Paid < 0 || in.Invoiced < 0 {
		return WithdrawalResult{}, nil, inputErr("price", "amounts cannot be negative")
	}
	if in.Paid > in.Invoiced {
		return WithdrawalResult{}, nil, inputErr("paid", "cannot exceed what was invoiced (%s > %s)", in.Paid, in.Invoiced)
	}
	if !in.ServiceStarted.IsZero() && in.Received.Before(in.ServiceStarted) {
		return WithdrawalResult{}, nil, inputErr("service_started", "the service cannot start (%s) after the withdrawal was received (%s)", in.ServiceStarted, in.Received)
	}
	w := p.Terms.Withdrawal
	var ex Explanation
	var end, last Date
	refuse := func(code, reason string) (WithdrawalResult, Explanation, error) {
		res := WithdrawalResult{Allowed: false, Reason: reason, LastDay: last, PeriodEnd: end}
		ex.add(w.Clauses, "The withdrawal is not valid: "+reason+".", w.Reading, nil, "not allowed")
		ex.key("withdrawal.refused."+code, kv{"received": in.Received, "last": last})
		return res, ex, nil
	}
	if !w.Enabled || !p.Terms.Customers.Consumers {
		return refuse("no_right", "these terms give no right of withdrawal")
	}
	if in.Customer == Business {
		return refuse("business", "business customers have no right of withdrawal")
	}
	end = w.Period.AddTo(in.Concluded, p.Calendar())
	ex.add(w.Clauses,
		fmt.Sprintf("A consumer may withdraw without giving reasons until %s after the contract was concluded.", w.Period.Words()),
		w.Reading, inputs("concluded", in.Concluded), end)
	ex.key("withdrawal.period", kv{"period": w.Period, "concluded": in.Concluded, "end": end})
	last = p.statutoryLastDay(end, w.LastDay, w.Clauses, "to withdraw", &ex)
	if in.Received.After(last) {
		return refuse("late", fmt.Sprintf("it was received on %s, after the last day %s", in.Received, last))
	}
	if in.Domain {
		excluded := w.DomainExclusion == "always" || (w.DomainExclusion == "with_waiver" && in.Waived)
		says := "A domain registration can be withdrawn because the order did not record consent to immediate delivery and the waiver."
		if excluded {
			says = "A domain registration is excluded from withdrawal because the order recorded consent to immediate delivery and the waiver."
		}
		ex.add(w.Clauses, says, "A16: exclusion "+w.DomainExclusion, inputs("domain", true, "waived", in.Waived), fmt.Sprint(!excluded))
		ex.key(map[bool]string{true: "withdrawal.domain_excluded", false: "withdrawal.domain_allowed"}[excluded], kv{})
		if excluded {
			return refuse("domain", "the domain registration was delivered at once with the consumer's consent and waiver")
		}
	}
	res := WithdrawalResult{Allowed: true, Reason: "received within the withdrawal period", LastDay: last, PeriodEnd: end}
	res.RefundBy = w.RefundWithin.AddTo(in.Received, p.Calendar())
	if w.ProportionalDeduction && !in.ServiceStarted.IsZero() && in.Price > 0 {
		termEnd := p.Terms.Contract.InitialTerm.AddTo(in.ServiceStarted, p.Calendar())
		res.TermDays = in.ServiceStarted.DaysUntil(termEnd)
		res.DaysUsed = min(in.ServiceStarted.DaysUntil(in.Received)+1, res.TermDays)
		x := in.Price.Rat()
		x.Mul(x, bigRat(int64(res.DaysUsed), int64(res.TermDays)))
		res.Deduction = RoundCents(x)
		ex.add(w.Clauses,
			"The service started at the consumer's express request, so the refund is reduced by the price × days used ÷ days in the term (the start day and the day of receipt both count as used).",
			w.Reading, inputs("price", in.Price, "service_started", in.ServiceStarted, "days_used", res.DaysUsed, "term_days", res.TermDays), res.Deduction)
		ex.key("withdrawal.deduction", kv{"price": in.Price, "started": in.ServiceStarted, "days_used": res.DaysUsed, "term_days": res.TermDays, "deduction": res.Deduction})
	}
	res.Paid = in.Paid
	res.Refund = max(in.Paid-res.Deduction, 0)
	switch {
	case in.Paid == 0:
		ex.add(w.Clauses, "Nothing was paid for this service, so nothing is refunded.",
			"A16: the refund is what the consumer actually paid, less the deduction.", inputs("invoiced", in.Invoiced, "paid", in.Paid), res.Refund)
		ex.key("withdrawal.nothing_paid", kv{})
	case res.Refund == 0:
		ex.add(w.Clauses, "What was paid does not exceed the deduction for the days used, so nothing is refunded.",
			"A16: the refund is what the consumer actually paid, less the deduction.", inputs("paid", in.Paid, "deduction", res.Deduction), res.Refund)
		ex.key("withdrawal.paid_within_deduction", kv{"paid": in.Paid, "deduction": res.Deduction})
	default:
		ex.add(w.Clauses, "What the consumer paid for this service, less the deduction, is refunded.",
			"A16: the refund is what the consumer actually paid, less the deduction.", inputs("paid", in.Paid, "deduction", res.Deduction), res.Refund)
		ex.key("withdrawal.refund", kv{"paid": in.Paid, "deduction": res.Deduction, "refund": res.Refund})
		ex.add(w.Clauses,
			fmt.Sprintf("The refund is made free of charge within %s after the withdrawal was received.", w.RefundWithin.Words()),
			"", inputs("received", in.Received, "refund_within", w.RefundWithin), res.RefundBy)
		ex.key("withdrawal.refund_by", kv{"within": w.RefundWithin, "refund_by": res.RefundBy})
	}
	res.Unpaid = in.Invoiced - in.Paid
	if res.Unpaid > 0 {
		ex.add(w.Clauses, "What was invoiced for this service but not paid is cancelled by a credit note; the consumer need not pay it.",
			"A16: invoiced but unpaid amounts of a withdrawn contract are cancelled.", inputs("invoiced", in.Invoiced, "paid", in.Paid), res.Unpaid)
		ex.key("withdrawal.unpaid_cancelled", kv{"unpaid": res.Unpaid})
	}
	res.Credit = res.Unpaid + res.Refund
	return res, ex, nil
}

// PriceIncreaseInput describes a proposed price increase on a running contract.
type PriceIncreaseInput struct {
	ContractStart     Date
	PreviousIncreases []Date // effective dates of earlier increases on this contract
	Announced         Date
	Effective         Date
	Increase          Rate // the increase, in percent
	Index             Rate // the CBS price index change the provider entered (fo)
}

// PriceIncreaseResult says whether an increase may go ahead and what the customer may do.
type PriceIncreaseResult struct {
	Allowed           bool     `json:"allowed"`
	Reasons           []string `json:"reasons,omitempty"`
	EarliestEffective Date     `json:"earliest_effective"`
	ObjectionBy       Date     `json:"objection_by,omitzero"`
	CustomerMayCancel bool     `json:"customer_may_cancel"`
	CancelNotice      Period   `json:"cancel_notice,omitzero"`
	TerminationAsOf   Date     `json:"termination_as_of,omitzero"`
}

// PriceIncrease checks a price increase against the terms (C08). cp.av.4.3: only
// after the first contract year, once per calendar year, announced at least 2 months
// ahead, after which the customer may cancel with a month's notice. fo.av.15.3-15.4:
// once per 12 months, at most the CBS index, announced like a change of terms.
func (p *Policy) PriceIncrease(in PriceIncreaseInput) (PriceIncreaseResult, Explanation, error) {
	for _, f := range []struct {
		name string
		d    Date
	}{{"contract_start", in.ContractStart}, {"announced", in.Announced}, {"effective", in.Effective}} {
		if err := requireDate(f.name, f.d); err != nil {
			return PriceIncreaseResult{}, nil, err
		}
	}
	pi := p.Terms.PriceIncrease
	if !pi.Enabled {
		return PriceIncreaseResult{}, nil, notInTerms("these terms allow no price increase on a running contract")
	}
	if in.Effective.Before(in.Announced) {
		return PriceIncreaseResult{}, nil, inputErr("effective", "cannot be before the announcement (%s)", in.Announced)
	}
	cal := p.Calendar()
	var ex Explanation
	res := PriceIncreaseResult{}
	earliest := pi.Notice.AddTo(in.Announced, cal)
	ex.add(pi.Clauses, fmt.Sprintf("An increase must be announced at least %s before it applies.", pi.Notice.Words()),
		pi.Reading, inputs("announced", in.Announced), earliest)
	ex.key("price.notice", kv{"notice": pi.Notice, "announced": in.Announced, "earliest": earliest})
	if in.Effective.Before(earliest) {
		res.Reasons = append(res.Reasons, fmt.Sprintf("announced on %s, so it cannot apply before %s", in.Announced, earliest))
	}
	if !pi.FirstAfter.IsZero() {
		first := pi.FirstAfter.AddTo(in.ContractStart, cal)
		ex.add(pi.Clauses, fmt.Sprintf("No increase may apply during the first %s of the contract.", pi.FirstAfter.Words()),
			"", inputs("contract_start", in.ContractStart), first)
		ex.key("price.first_period", kv{"period": pi.FirstAfter, "start": in.ContractStart, "first": first})
		if in.Effective.Before(first) {
			res.Reasons = append(res.Reasons, fmt.Sprintf("the first contract year runs until %s", first.AddDays(-1)))
		}
		earliest = MaxDate(earliest, first)
	}
	for _, prev := range in.PreviousIncreases {
		switch pi.MaxOncePer {
		case "calendar_year":
			if prev.Year() == in.Effective.Year() && prev != in.Effective {
				res.Reasons = append(res.Reasons, fmt.Sprintf("prices already rose on %s in calendar year %d", prev, prev.Year()))
			}
			if prev.Year() >= earliest.Year() {
				earliest = MaxDate(earliest, D(prev.Year()+1, 1, 1))
			}
		case "12_months":
			next := prev.AddMonths(12)
			if in.Effective.Before(next) && !in.Effective.Before(prev) {
				res.Reasons = append(res.Reasons, fmt.Sprintf("prices already rose on %s; the next increase can apply from %s", prev, next))
			}
			earliest = MaxDate(earliest, next)
		}
	}
	ex.add(pi.Clauses, "Prices may rise at most once per "+map[string]string{"calendar_year": "calendar year", "12_months": "12 months"}[pi.MaxOncePer]+".",
		"", inputs("previous_increases", fmt.Sprint(in.PreviousIncreases)), fmt.Sprint(len(res.Reasons) == 0))
	ex.key("price.once_per."+pi.MaxOncePer, kv{})
	if pi.IndexCapped {
		ok := in.Index > 0 && in.Increase <= in.Index
		ex.add(pi.Clauses, "The increase may not exceed the change of the CBS price index the provider entered.",
			"", inputs("increase", in.Increase, "index", in.Index), fmt.Sprint(ok))
		ex.key("price.index_cap", kv{"increase": in.Increase, "index": in.Index})
		switch {
		case in.Index <= 0:
			res.Reasons = append(res.Reasons, "no CBS price index was entered")
		case in.Increase > in.Index:
			res.Reasons = append(res.Reasons, fmt.Sprintf("the increase of %s%% exceeds the CBS index of %s%%", in.Increase, in.Index))
		}
	}
	res.Allowed = len(res.Reasons) == 0
	res.EarliestEffective = earliest
	if !pi.CustomerCancelNotice.IsZero() {
		res.CustomerMayCancel, res.CancelNotice = true, pi.CustomerCancelNotice
		ex.add(pi.Clauses, fmt.Sprintf("After the announcement the customer may cancel with %s notice.", pi.CustomerCancelNotice.Words()),
			"", nil, pi.CustomerCancelNotice)
		ex.key("price.cancel_notice", kv{"notice": pi.CustomerCancelNotice})
	}
	if !pi.ObjectionWithin.IsZero() {
		res.ObjectionBy = pi.ObjectionWithin.AddTo(in.Announced, cal)
		res.CustomerMayCancel, res.TerminationAsOf = true, in.Effective
		ex.add(pi.Clauses, fmt.Sprintf("The customer may object within %s of the announcement and, if the increase is not withdrawn, end the contract as of the day it applies.", pi.ObjectionWithin.Words()),
			"", inputs("announced", in.Announced), res.ObjectionBy)
		ex.key("price.objection", kv{"within": pi.ObjectionWithin, "objection_by": res.ObjectionBy, "effective": in.Effective})
	}
	return res, ex, nil
}

// TermsChangeResult gives the dates that follow from announcing changed terms.
type TermsChangeResult struct {
	Effective       Date `json:"effective"`
	ObjectionBy     Date `json:"objection_by,omitzero"`
	TerminationAsOf Date `json:"termination_as_of"`
}

// TermsChange returns when announced changes of the terms apply to existing contracts
// and what the customer may do (C09: cp.av.18.2-18.3, fo.av.22.1-22.3).
func (p *Policy) TermsChange(announced Date) (TermsChangeResult, Explanation, error) {
	if err := requireDate("announced", announced); err != nil {
		return TermsChangeResult{}, nil, err
	}
	tc := p.Terms.TermsChange
	cal := p.Calendar()
	var ex Explanation
	res := TermsChangeResult{Effective: tc.EffectiveAfter.AddTo(announced, cal)}
	ex.add(tc.Clauses, fmt.Sprintf("Changed terms apply to existing contracts %s after they were announced.", tc.EffectiveAfter.Words()),
		tc.Reading, inputs("announced", announced), res.Effective)
	ex.key("terms_change.effective", kv{"after": tc.EffectiveAfter, "announced": announced, "effective": res.Effective})
	if !tc.ObjectionWithin.IsZero() {
		res.ObjectionBy = tc.ObjectionWithin.AddTo(announced, cal)
		ex.add(tc.Clauses, fmt.Sprintf("The customer who does not accept the change objects in writing, with reasons, within %s of the announcement.", tc.ObjectionWithin.Words()),
			"", inputs("announced", announced), res.ObjectionBy)
		ex.key("terms_change.objection", kv{"within": tc.ObjectionWithin, "objection_by": res.ObjectionBy})
	}
	res.TerminationAsOf = res.Effective
	ex.add(tc.Clauses, "A customer who does not accept the change may end the contract as of the day the new terms apply.",
		"", nil, res.TerminationAsOf)
	ex.key("terms_change.termination", kv{"as_of": res.TerminationAsOf})
	return res, ex, nil
}

// PlanChangeResult gives the day a plan change takes effect.
type PlanChangeResult struct {
	Effective Date `json:"effective"`
}

// PlanChange returns when a change of plan takes effect (cp.av.9.1, A18): a raise
// after usage above the plan applies from the start of the month in which the plan
// was exceeded (cp) or on the given day after the warning (fo.av.12.4); a reduction
// applies at the end of the current term.
func (p *Policy) PlanChange(start, on Date, raise bool) (PlanChangeResult, Explanation, error) {
	if err := requireDate("start", start); err != nil {
		return PlanChangeResult{}, nil, err
	}
	if err := requireDate("on", on); err != nil {
		return PlanChangeResult{}, nil, err
	}
	u := p.Terms.Usage
	var ex Explanation
	var eff Date
	if raise {
		switch u.UpgradeEffective {
		case "start_of_month_exceeded":
			eff = MaxDate(on.FirstOfMonth(), start)
			ex.add(u.Clauses, "A raise of the plan after usage above it applies from the start of the month in which the plan was exceeded.",
				u.Reading, inputs("exceeded_on", on), eff)
			ex.key("plan.raise_month", kv{"exceeded_on": on, "effective": eff})
		default:
			eff = on
			ex.add(u.Clauses, "A raise of the plan applies from the day it is made.", u.Reading, inputs("on", on), eff)
			ex.key("plan.raise", kv{"effective": eff})
		}
	} else {
		r, err := p.NextRenewal(start, on)
		if err != nil {
			return PlanChangeResult{}, nil, err
		}
		eff = r
		ex.add(append(u.Clauses, p.Terms.Contract.Clauses...), "A reduction of the plan applies at the end of the current term.",
			u.Reading, inputs("start", start, "requested_on", on), eff)
		ex.key("plan.reduce", kv{"requested_on": on, "effective": eff})
	}
	return PlanChangeResult{Effective: eff}, ex, nil
}

// cancelAfterKey names the sentence of a cancellation with notice from receipt: after
// the first renewal, or too late for the end of the initial term (k == 1).
func cancelAfterKey(k int) string {
	if k == 1 {
		return "cancel.notice_renews"
	}
	return "cancel.notice_after_renewal"
}

// renewedKey names the sentence that says whether the contract renews before it ends.
func renewedKey(renewed bool) string {
	if renewed {
		return "cancel.renews_first"
	}
	return "cancel.no_renewal"
}
