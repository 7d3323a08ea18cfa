package terms

import (
	"fmt"
	"math/big"
)

// PaymentInput describes an invoice.
type PaymentInput struct {
	Customer    CustomerKind
	InvoiceDate Date
	// StatedDue is the due date printed on the invoice, if it states one; it prevails
	// over the payment term (cp.av.14.1 "unless stated", fo.av.16.3).
	StatedDue Date
}

// PaymentResult gives the dates an invoice runs through when it is not paid.
type PaymentResult struct {
	// Due is the last day to pay.
	Due Date `json:"due"`
	// Reminder is the day the consumer's reminder goes out (consumers only); PayBy is
	// the last day the reminder gives, moved to the next werkdag from PayWithinEnd
	// (the reminder date + the period) when that day is closed.
	Reminder     Date `json:"reminder,omitzero"`
	PayBy        Date `json:"pay_by,omitzero"`
	PayWithinEnd Date `json:"pay_within_end,omitzero"`
	// DefaultFrom is the first day the customer is in default (verzuim).
	DefaultFrom Date `json:"default_from"`
	// InterestFrom is the first day on which late-payment interest accrues.
	InterestFrom Date `json:"interest_from"`
}

// Payment computes the due date, the consumer's reminder and the default date of an
// invoice (INTERPRETATION.md, Payment; C02, C03, A09). cp: due one month after the
// invoice date; a business is in default from due + 15 days, a consumer from reminder
// + 15 days, the reminder going out on the first werkdag after the due date. fo: due
// 14 days after the invoice date, in default from due + 15 days.
func (p *Policy) Payment(in PaymentInput) (PaymentResult, Explanation, error) {
	if err := p.serves(in.Customer); err != nil {
		return PaymentResult{}, nil, err
	}
	if err := requireDate("invoice_date", in.InvoiceDate); err != nil {
		return PaymentResult{}, nil, err
	}
	t := &p.Terms
	cal := p.Calendar()
	var ex Explanation
	var res PaymentResult
	if !in.StatedDue.IsZero() && in.StatedDue.Before(in.InvoiceDate) {
		return PaymentResult{}, nil, inputErr("stated_due", "the stated due date (%s) is before the invoice date (%s)", in.StatedDue, in.InvoiceDate)
	}
	res.Due = t.Payment.Term.AddTo(in.InvoiceDate, cal)
	ex.add(t.Payment.Clauses,
		fmt.Sprintf("An invoice must be paid within %s of the invoice date; the due date is the last day to pay.", t.Payment.Term.Words()),
		t.Payment.Reading, inputs("invoice_date", in.InvoiceDate), res.Due)
	ex.key("payment.due", kv{"term": t.Payment.Term, "invoice_date": in.InvoiceDate, "due": res.Due})
	if !in.StatedDue.IsZero() && in.StatedDue != res.Due {
		res.Due = in.StatedDue
		ex.add(t.Payment.Clauses, "The invoice states its own due date, which prevails over the payment term.",
			"INTERPRETATION.md, Payment: where the invoice states another due date, that date is the due date.",
			inputs("stated_due", in.StatedDue), res.Due)
		ex.key("payment.stated_due", kv{"due": res.Due})
	}

	if in.Customer == Consumer && t.Reminder.Enabled {
		res.Reminder = t.Reminder.SendAfterDue.AddTo(res.Due, cal)
		ex.add(t.Reminder.Clauses,
			fmt.Sprintf("A consumer who has not paid by the due date is sent a reminder %s after it (%s).",
				t.Reminder.SendAfterDue.Words(), describeClosed(cal.ClosedDays(res.Due.AddDays(1), res.Reminder))),
			t.Reminder.Reading, inputs("due", res.Due), res.Reminder)
		ex.key("payment.reminder", kv{"after": t.Reminder.SendAfterDue, "due": res.Due, "reminder": res.Reminder})
		var rex Explanation
		res.PayBy, res.PayWithinEnd, rex = p.ReminderPayBy(res.Reminder)
		ex = append(ex, rex...)
		res.DefaultFrom = res.PayBy.AddDays(1)
		ex.add(t.Reminder.Clauses, "The consumer is in default from the day after the reminder's period ends.",
			"", inputs("pay_by", res.PayBy), res.DefaultFrom)
		ex.key("payment.default_after_reminder", kv{"pay_by": res.PayBy, "default_from": res.DefaultFrom})
	} else {
		end := t.Payment.DefaultAfter.AddTo(res.Due, cal)
		res.DefaultFrom = end.AddDays(1)
		ex.add(t.Payment.Clauses,
			fmt.Sprintf("A customer who has not paid %s after the due date is in default by operation of law, without notice of default.", t.Payment.DefaultAfter.Words()),
			t.Payment.Reading, inputs("due", res.Due), res.DefaultFrom)
		ex.key("payment.default_by_law", kv{"after": t.Payment.DefaultAfter, "due": res.Due, "default_from": res.DefaultFrom})
	}
	k := p.interestKind(in.Customer)
	switch k.From {
	case "day_after_due":
		res.InterestFrom = res.Due.AddDays(1)
		ex.add(k.Clauses, "Late-payment interest runs from the day after the due date.", k.Reading, inputs("due", res.Due), res.InterestFrom)
		ex.key("interest.from_due", kv{"from": res.InterestFrom})
	default:
		res.InterestFrom = res.DefaultFrom
		ex.add(k.Clauses, "Late-payment interest runs from the first day of default.", k.Reading, inputs("default_from", res.DefaultFrom), res.InterestFrom)
		ex.key("interest.from_default", kv{"from": res.InterestFrom})
	}
	return res, ex, nil
}

// ReminderPayBy returns the last day to pay that a consumer's reminder sent on sent
// gives (cp.av.14.7, art. 6:96 lid 6 BW): sent + the reminder's period, which ends on
// end, moved to the next werkdag when end is a Saturday, Sunday or holiday and the
// pack says this statutory period moves (art. 1 Algemene termijnenwet).
func (p *Policy) ReminderPayBy(sent Date) (payBy, end Date, ex Explanation) {
	r := p.Terms.Reminder
	end = r.PayWithin.AddTo(sent, p.Calendar())
	ex.add(r.Clauses,
		fmt.Sprintf("The reminder gives %s from the day after it is received; an e-mail is received the day it is sent.", r.PayWithin.Words()),
		"", inputs("reminder", sent), end)
	ex.key("reminder.pay_within", kv{"period": r.PayWithin, "sent": sent, "end": end})
	payBy = p.statutoryLastDay(end, r.LastDay, r.Clauses, "to pay the reminder", &ex)
	return payBy, end, ex
}

func (p *Policy) interestKind(c CustomerKind) InterestKind {
	if c == Consumer {
		return p.Terms.Interest.Consumer
	}
	return p.Terms.Interest.Business
}

// InterestInput describes an unpaid principal over a period.
type InterestInput struct {
	Customer  CustomerKind
	Principal Money
	// From is the first day of interest; To is the day of payment, which bears no
	// interest.
	From, To Date
}

// InterestPeriod is a stretch of days at one rate on one principal.
type InterestPeriod struct {
	From      Date   `json:"from"`
	To        Date   `json:"to"` // exclusive
	Days      int    `json:"days"`
	Rate      Rate   `json:"rate"`
	Principal Money  `json:"principal"`
	Amount    string `json:"amount"` // exact, to four decimals of a cent, before rounding
}

// InterestResult is the interest owed.
type InterestResult struct {
	Amount Money `json:"amount"`
	Days   int   `json:"days"`
	// Basis is "statutory" or "monthly" (5online's 2% a month when higher).
	Basis     string           `json:"basis"`
	Statutory Money            `json:"statutory"`
	Monthly   Money            `json:"monthly,omitzero"`
	Periods   []InterestPeriod `json:"periods"`
}

const maxInterestYears = 50

// Interest computes late-payment interest on a principal for each day from From up to,
// not including, To (INTERPRETATION.md, Payment). Statutory interest accrues per day
// at the rate of that day × 1/365; after each full year from From the year's interest,
// rounded to cents, is added to the principal (art. 6:119 lid 2 / 6:119a lid 3 BW); the
// rest is rounded at the end, half away from zero. Consumers get the rates of art.
// 6:119, businesses those of art. 6:119a. Where the terms add a monthly rate when
// higher (fo.av.16.5.1, A23), that simple interest is computed as well and the higher
// total is owed.
func (p *Policy) Interest(in InterestInput) (InterestResult, Explanation, error) {
	if err := p.serves(in.Customer); err != nil {
		return InterestResult{}, nil, err
	}
	if err := requireDate("from", in.From); err != nil {
		return InterestResult{}, nil, err
	}
	if err := requireDate("to", in.To); err != nil {
		return InterestResult{}, nil, err
	}
	if in.To.Before(in.From) {
		return InterestResult{}, nil, inputErr("to", "the end (%s) is before the start (%s)", in.To, in.From)
	}
	if in.Principal < 0 {
		return InterestResult{}, nil, inputErr("principal", "cannot be negative")
	}
	// A claim for interest prescribes after five years (art. 3:308 BW); fifty years is
	// far beyond any real claim and keeps compounded amounts inside Money's range.
	if in.From.AddYears(maxInterestYears).Before(in.To) {
		return InterestResult{}, nil, inputErr("to", "the period is longer than %d years", maxInterestYears)
	}
	k := p.interestKind(in.Customer)
	table := p.Tables().StatutoryInterest.Commercial
	law := "art. 6:119a BW (commercial)"
	if k.Table == "consumer" {
		table, law = p.Tables().StatutoryInterest.Consumer, "art. 6:119 BW"
	}
	if !in.From.Before(in.To) {
		var ex Explanation
		ex.add(k.Clauses, "No interest accrues over an empty period.", k.Reading, inputs("from", in.From, "to", in.To), Money(0))
		ex.key("interest.empty", kv{})
		return InterestResult{Basis: "statutory"}, ex, nil
	}
	if in.From.Before(table[0].From) {
		return InterestResult{}, nil, inputErr("from", "no statutory rate is known before %s", table[0].From)
	}
	var ex Explanation
	res := InterestResult{Days: in.From.DaysUntil(in.To), Basis: "statutory"}
	dayCount := int64(p.Terms.Interest.DayCount)

	principal := in.Principal
	total := new(big.Rat)
	reading := k.Reading // shown on the first step only
	for year := 0; ; year++ {
		ys := in.From.AddYears(year)
		if !ys.Before(in.To) {
			break
		}
		ye := in.From.AddYears(year + 1)
		end := MinDate(ye, in.To)
		yearInterest := new(big.Rat)
		for d := ys; d.Before(end); {
			i := rateIndex(table, d)
			next := end
			if i+1 < len(table) && table[i+1].From.Before(end) {
				next = table[i+1].From
			}
			days := d.DaysUntil(next)
			x := principal.Rat()
			x.Mul(x, table[i].Rate.Fraction())
			x.Mul(x, big.NewRat(int64(days), dayCount))
			yearInterest.Add(yearInterest, x)
			res.Periods = append(res.Periods, InterestPeriod{From: d, To: next, Days: days, Rate: table[i].Rate, Principal: principal, Amount: centsText(x)})
			ex.add(k.Clauses,
				fmt.Sprintf("Statutory interest (%s) at %s%% a year accrues per day at 1/%d of the rate on the principal.", law, table[i].Rate, dayCount),
				reading, inputs("from", d, "to_exclusive", next, "days", days, "principal", principal, "rate", table[i].Rate.String()+"%"), centsText(x))
			ex.key("interest.period", kv{"rate": table[i].Rate, "from": d, "to": next.AddDays(-1), "days": days, "principal": principal})
			d, reading = next, ""
		}
		if end == ye && p.Terms.Interest.CapitaliseYearly {
			y := RoundCents(yearInterest)
			total.Add(total, y.Rat())
			principal += y
			ex.add(k.Clauses, "After each full year the year's interest, rounded to cents, is added to the principal.",
				"art. 6:119 lid 2 / 6:119a lid 3 BW", inputs("year_end", ye, "year_interest", y), principal)
			ex.key("interest.compound", kv{"year_end": ye, "principal": principal})
		} else {
			total.Add(total, yearInterest)
		}
	}
	res.Statutory = RoundCents(total)
	res.Amount = res.Statutory
	ex.add(k.Clauses, "The total is rounded to cents, half away from zero.", "", inputs("days", res.Days), res.Statutory)
	ex.key("interest.total", kv{"days": res.Days, "amount": res.Statutory})

	if k.HigherOfMonthly > 0 {
		yearly := Rate(int64(k.HigherOfMonthly) * 12)
		x := in.Principal.Rat()
		x.Mul(x, yearly.Fraction())
		x.Mul(x, big.NewRat(int64(res.Days), dayCount))
		res.Monthly = RoundCents(x)
		ex.add(k.Clauses,
			fmt.Sprintf("Alternatively %s%% a month as simple interest, %s%%/%d per day, never compounded.", k.HigherOfMonthly, yearly, dayCount),
			k.Reading, inputs("principal", in.Principal, "days", res.Days), res.Monthly)
		ex.key("interest.monthly", kv{"rate": k.HigherOfMonthly, "amount": res.Monthly})
		if res.Monthly > res.Statutory {
			res.Amount, res.Basis = res.Monthly, "monthly"
		}
		ex.add(k.Clauses, "The higher of the two totals is owed.", k.Reading,
			inputs("statutory", res.Statutory, "monthly", res.Monthly), res.Amount)
		ex.key("interest.higher", kv{"statutory": res.Statutory, "monthly": res.Monthly, "amount": res.Amount})
	}
	return res, ex, nil
}

// rateIndex returns the index of the table row in force on d; the caller has checked
// that d is not before the first row.
func rateIndex(table []RateFrom, d Date) int {
	i := 0
	for i+1 < len(table) && !table[i+1].From.After(d) {
		i++
	}
	return i
}

// centsText renders an exact amount in cents as euros with four decimals of a cent,
// for explanations of amounts that are only rounded later.
func centsText(x *big.Rat) string {
	e := new(big.Rat).Quo(x, big.NewRat(100, 1))
	return e.FloatString(6)
}

// CollectionInput describes an unpaid principal on which collection costs are charged.
type CollectionInput struct {
	// Principal is the unpaid amount including VAT.
	Principal Money
	Customer  CustomerKind
	// ActualCosts are the costs staff recorded for a business customer, if any.
	ActualCosts Money
}

// CollectionBracket shows the part of the costs one bracket of the scale contributes.
type CollectionBracket struct {
	Over   Money `json:"over"`
	UpTo   Money `json:"up_to,omitzero"`
	Rate   Rate  `json:"rate"`
	Amount Money `json:"amount"`
}

// CollectionResult is the extrajudicial collection costs owed.
type CollectionResult struct {
	Amount   Money               `json:"amount"`
	Basis    string              `json:"basis"` // scale or actual
	Brackets []CollectionBracket `json:"brackets,omitempty"`
}

// CollectionCosts computes extrajudicial collection costs on an unpaid principal by the
// statutory scale (cp.av.14.4, cp.av.14.7; Besluit vergoeding voor buitengerechtelijke
// incassokosten): 15% of the first €2,500, 10% of the next €2,500, 5% of the next
// €5,000, 1% of the next €190,000, 0.5% above, at least €40 and at most €6,775, with no
// VAT on top. A business customer is charged recorded actual costs instead where the
// pack allows it and staff recorded them.
func (p *Policy) CollectionCosts(in CollectionInput) (CollectionResult, Explanation, error) {
	if in.Principal <= 0 {
		return CollectionResult{}, nil, inputErr("principal", "must be an amount above 0")
	}
	if in.ActualCosts < 0 {
		return CollectionResult{}, nil, inputErr("actual_costs", "cannot be negative")
	}
	ct := p.Terms.CollectionCosts
	var ex Explanation
	if in.Customer == Business && ct.BusinessActualCosts && in.ActualCosts > 0 {
		ex.add(ct.Clauses, "A business customer owes the actual collection costs the provider recorded.", ct.Reading,
			inputs("actual_costs", in.ActualCosts), in.ActualCosts)
		ex.key("collection.actual", kv{"amount": in.ActualCosts})
		return CollectionResult{Amount: in.ActualCosts, Basis: "actual"}, ex, nil
	}
	scale := p.Tables().CollectionCosts
	res := CollectionResult{Basis: "scale"}
	var lower Money
	for _, b := range scale.Brackets {
		if in.Principal <= lower {
			break
		}
		part := in.Principal - lower
		if b.UpTo != 0 && in.Principal > b.UpTo {
			part = b.UpTo - lower
		}
		amt := part.MulRate(b.Rate)
		res.Brackets = append(res.Brackets, CollectionBracket{Over: lower, UpTo: b.UpTo, Rate: b.Rate, Amount: amt})
		res.Amount += amt
		upto := "above"
		if b.UpTo != 0 {
			upto = "up to " + b.UpTo.String()
		}
		ex.add(ct.Clauses, fmt.Sprintf("%s%% of the principal over %s %s.", b.Rate, lower, upto), ct.Reading,
			inputs("part", part), amt)
		ex.key(map[bool]string{true: "collection.bracket_top", false: "collection.bracket"}[b.UpTo == 0], kv{"rate": b.Rate, "over": lower, "up_to": b.UpTo, "amount": amt})
		lower = b.UpTo
		if b.UpTo == 0 {
			break
		}
	}
	switch {
	case res.Amount < scale.Minimum:
		res.Amount = scale.Minimum
		ex.add(ct.Clauses, "The scale's minimum applies.", scale.Source, inputs("minimum", scale.Minimum), res.Amount)
		ex.key("collection.minimum", kv{"amount": res.Amount})
	case res.Amount > scale.Maximum:
		res.Amount = scale.Maximum
		ex.add(ct.Clauses, "The scale's maximum applies.", scale.Source, inputs("maximum", scale.Maximum), res.Amount)
		ex.key("collection.maximum", kv{"amount": res.Amount})
	}
	ex.add(ct.Clauses, "Collection costs on the unpaid principal including VAT, without VAT on top.", "",
		inputs("principal", in.Principal), res.Amount)
	ex.key("collection.total", kv{"principal": in.Principal, "amount": res.Amount})
	return res, ex, nil
}

// DepositResult splits a fixed price into the part due at the start and the rest.
type DepositResult struct {
	Deposit Money `json:"deposit"`
	Balance Money `json:"balance"`
}

// Deposit splits a fixed price (fo.av.16.1: 50% when the work starts, the rest on
// acceptance). Terms without a deposit return the whole price as balance.
func (p *Policy) Deposit(total Money) (DepositResult, Explanation, error) {
	if total < 0 {
		return DepositResult{}, nil, inputErr("total", "cannot be negative")
	}
	pay := p.Terms.Payment
	dep := total.MulRate(pay.DepositPercent)
	var ex Explanation
	ex.add(pay.Clauses, fmt.Sprintf("%s%% of a fixed price is due when the work starts, the rest on acceptance.", pay.DepositPercent),
		pay.Reading, inputs("total", total), dep)
	ex.key("deposit", kv{"percent": pay.DepositPercent, "total": total, "deposit": dep})
	return DepositResult{Deposit: dep, Balance: total - dep}, ex, nil
}

// AllocationInput is what a debtor owes on a claim when a payment of Amount arrives:
// the collection costs and interest charged and still open, and the principal.
type AllocationInput struct {
	Amount, Costs, Interest, Principal Money
}

// AllocationResult is how the payment is applied; Excess is what is left over.
type AllocationResult struct {
	Costs     Money `json:"costs"`
	Interest  Money `json:"interest"`
	Principal Money `json:"principal"`
	Excess    Money `json:"excess"`
}

// AllocatePayment applies a payment first to the collection costs, then to the
// interest, then to the principal (art. 6:44 lid 1 BW; INTERPRETATION.md, Payment).
func (p *Policy) AllocatePayment(in AllocationInput) (AllocationResult, Explanation, error) {
	if in.Amount < 0 || in.Costs < 0 || in.Interest < 0 || in.Principal < 0 {
		return AllocationResult{}, nil, inputErr("amount", "amounts cannot be negative")
	}
	var res AllocationResult
	rest := in.Amount
	take := func(owed Money) Money {
		t := min(rest, owed)
		rest -= t
		return t
	}
	res.Costs = take(in.Costs)
	res.Interest = take(in.Interest)
	res.Principal = take(in.Principal)
	res.Excess = rest
	var ex Explanation
	clauses := append(append([]string{}, p.Terms.Payment.Clauses...), p.Terms.CollectionCosts.Clauses...)
	ex.add(clauses, "A payment is applied first to the collection costs, then to the interest, then to the principal.",
		"art. 6:44 lid 1 BW", inputs("payment", in.Amount, "costs_open", in.Costs, "interest_open", in.Interest, "principal_open", in.Principal),
		fmt.Sprintf("costs %s, interest %s, principal %s", res.Costs, res.Interest, res.Principal))
	ex.key("payment.allocation", kv{"payment": in.Amount, "costs": res.Costs, "interest": res.Interest, "principal": res.Principal})
	return res, ex, nil
}
