package terms

import (
	"fmt"
)

// ProrationDaysInPeriod is the proration basis in which a billing period cut short is
// charged by days: price × days charged ÷ days in the period.
const ProrationDaysInPeriod = "days_in_period"

// BillingSchedule is the sequence of billing periods of a subscription: period k
// (k ≥ 0) starts on Start + k × Length, always counted from Start by the month rule
// (A08), so a subscription that started on 31 January is billed from 28 or 29
// February and again from 31 March.
type BillingSchedule struct {
	Start  Date   `json:"start"`
	Length Period `json:"length"`
	months int
}

// Months returns the length of one billing period in months.
func (b BillingSchedule) Months() int { return b.months }

// Period returns the k-th billing period: its first day and the first day of the
// next one.
func (b BillingSchedule) Period(k int) (from, next Date) {
	return b.Start.AddMonths(k * b.months), b.Start.AddMonths((k + 1) * b.months)
}

// Index returns the number of the billing period that contains d (0 for the first;
// negative for a day before Start).
func (b BillingSchedule) Index(d Date) int {
	k := ((d.Year()-b.Start.Year())*12 + int(d.Month()) - int(b.Start.Month())) / b.months
	// The month count can be one period too many (Start on the 31st, d on the 1st)
	// or, before Start, too few; the period boundaries settle it.
	for from, _ := b.Period(k); from.After(d); from, _ = b.Period(k) {
		k--
	}
	for _, next := b.Period(k); !next.After(d); _, next = b.Period(k) {
		k++
	}
	return k
}

// BillingPeriods returns the billing periods of a subscription that started on start
// and whose price is stated per pricePeriod (cp.av.14.2, fo.av.16.2): continuing
// services are invoiced in advance per the period their price is stated for (monthly
// plans monthly, yearly plans yearly); a price stated for no period of months is
// invoiced per the pack's billing period, else per the contract's initial term.
func (p *Policy) BillingPeriods(start Date, pricePeriod Period) (BillingSchedule, Explanation, error) {
	if err := requireDate("start", start); err != nil {
		return BillingSchedule{}, nil, err
	}
	pay := p.Terms.Payment
	length, why := pricePeriod, "the period its price is stated for"
	m, ok := pricePeriod.InMonths()
	if !ok || m <= 0 {
		length, why = pay.BillingPeriod, "the billing period of the terms"
		if m, ok = length.InMonths(); !ok || m <= 0 {
			// The pack validator requires the initial term in months or years.
			length, why = p.Terms.Contract.InitialTerm, "the initial term of the contract"
			m, _ = length.InMonths()
		}
	}
	if m <= 0 {
		return BillingSchedule{}, nil, inputErr("price_period", "no billing period in months follows from %q", pricePeriod)
	}
	var ex Explanation
	ex.add(pay.Clauses,
		fmt.Sprintf("A continuing service is invoiced in advance per billing period: %s, %s.", why, length.Words()),
		fmt.Sprintf("A08: billing period k starts on the start date + k × %s (the same day number, or the last day of a shorter month), always counted from the start date.", length.Words()),
		inputs("start", start, "price_period", pricePeriod), length)
	ex.key("billing.periods", kv{"length": length, "basis": map[string]string{"the period its price is stated for": "price_period", "the billing period of the terms": "billing_period", "the initial term of the contract": "initial_term"}[why]})
	return BillingSchedule{Start: start, Length: length, months: m}, ex, nil
}

// ProrationInput is a charge for part of a billing period.
type ProrationInput struct {
	// Amount is the price of the whole period.
	Amount Money
	// PeriodStart is the period's first day, PeriodEnd the first day after it.
	PeriodStart Date
	PeriodEnd   Date
	// From is the first day charged, Until the first day after the part charged.
	From  Date
	Until Date
}

// ProrationResult is the charge for the part of a period.
type ProrationResult struct {
	Amount     Money `json:"amount"`
	Days       int   `json:"days"`
	PeriodDays int   `json:"period_days"`
}

// Prorate charges the part From..Until of a billing period PeriodStart..PeriodEnd
// (both ends exclusive) on the pack's proration basis: days_in_period charges Amount ×
// days charged ÷ days in the period, in exact arithmetic rounded half away from zero
// to cents. A whole period is charged Amount.
func (p *Policy) Prorate(in ProrationInput) (ProrationResult, Explanation, error) {
	for _, f := range []struct {
		name string
		d    Date
	}{{"period_start", in.PeriodStart}, {"period_end", in.PeriodEnd}, {"from", in.From}, {"until", in.Until}} {
		if err := requireDate(f.name, f.d); err != nil {
			return ProrationResult{}, nil, err
		}
	}
	switch {
	case !in.PeriodStart.Before(in.PeriodEnd):
		return ProrationResult{}, nil, inputErr("period_end", "the period must end after it starts (%s)", in.PeriodStart)
	case in.From.Before(in.PeriodStart) || in.Until.After(in.PeriodEnd):
		return ProrationResult{}, nil, inputErr("from", "the part charged (%s to %s) must lie within the period (%s to %s)", in.From, in.Until, in.PeriodStart, in.PeriodEnd)
	case in.Until.Before(in.From):
		return ProrationResult{}, nil, inputErr("until", "cannot be before from (%s)", in.From)
	}
	pay := p.Terms.Payment
	if pay.Proration != ProrationDaysInPeriod {
		return ProrationResult{}, nil, notInTerms("proration basis %q", pay.Proration)
	}
	res := ProrationResult{Days: in.From.DaysUntil(in.Until), PeriodDays: in.PeriodStart.DaysUntil(in.PeriodEnd)}
	res.Amount = in.Amount
	if res.Days < res.PeriodDays {
		x := in.Amount.Rat()
		x.Mul(x, bigRat(int64(res.Days), int64(res.PeriodDays)))
		res.Amount = RoundCents(x)
	}
	var ex Explanation
	ex.add(pay.Clauses,
		"Part of a billing period is charged by days: the price of the period × days charged ÷ days in the period, rounded half away from zero to cents.",
		"hostpact: proration basis "+pay.Proration+"; the terms price per period and name no other basis; computed in exact rational arithmetic",
		inputs("amount", in.Amount, "period", in.PeriodStart.String()+" to "+in.PeriodEnd.AddDays(-1).String(),
			"charged", in.From.String()+" to "+in.Until.AddDays(-1).String(), "days", res.Days, "period_days", res.PeriodDays), res.Amount)
	ex.key("billing.prorate", kv{"amount": in.Amount, "from": in.From, "to": in.Until.AddDays(-1), "days": res.Days, "period_days": res.PeriodDays, "result": res.Amount})
	return res, ex, nil
}

// TermPrice returns the price of one term of a subscription whose price is stated per
// pricePeriod: the price × the number of those periods in the contract's initial term
// (cp.av.13.1, fo.av.20.3), exact and rounded half away from zero to cents. A price
// stated for no period of months is the price of the term.
func (p *Policy) TermPrice(price Money, pricePeriod Period) (Money, Explanation) {
	ct := p.Terms.Contract
	var ex Explanation
	tm, ok1 := ct.InitialTerm.InMonths()
	pm, ok2 := pricePeriod.InMonths()
	if !ok1 || !ok2 || pm <= 0 {
		ex.add(ct.Clauses, "The price is stated for the whole term.", "", inputs("price", price, "price_period", pricePeriod), price)
		ex.key("billing.term_price_whole", kv{"price": price})
		return price, ex
	}
	x := price.Rat()
	x.Mul(x, bigRat(int64(tm), int64(pm)))
	tp := RoundCents(x)
	ex.add(ct.Clauses,
		fmt.Sprintf("The price of one term is the price per %s × the number of those periods in the initial term of %s.", pricePeriod.Words(), ct.InitialTerm.Words()),
		"", inputs("price", price, "price_period", pricePeriod, "term", ct.InitialTerm), tp)
	ex.key("billing.term_price", kv{"price": price, "price_period": pricePeriod, "term": ct.InitialTerm, "result": tp})
	return tp, ex
}
