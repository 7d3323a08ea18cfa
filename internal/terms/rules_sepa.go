package terms

import (
	"fmt"
	"time"
)

// The TARGET2 calendar: the days on which SEPA payments settle between banks. A SEPA
// Core direct debit is collected on a TARGET2 business day only: every day but
// Saturday, Sunday, 1 January, Good Friday, Easter Monday, 1 May (Labour Day), 25 and
// 26 December (ECB, TARGET2 closing days). It is not the Dutch werkdagen calendar:
// King's Day and Ascension Day are TARGET2 business days, 1 May is not.

// TARGET2Closed returns why d is not a TARGET2 business day ("Saturday", "Good
// Friday", …), or "" when it is one.
func TARGET2Closed(d Date) string {
	switch d.Weekday() {
	case time.Saturday, time.Sunday:
		return d.Weekday().String()
	}
	y := d.Year()
	easter := Easter(y)
	switch d {
	case Date{y, time.January, 1}:
		return "New Year's Day"
	case easter.AddDays(-2):
		return "Good Friday"
	case easter.AddDays(1):
		return "Easter Monday"
	case Date{y, time.May, 1}:
		return "Labour Day"
	case Date{y, time.December, 25}:
		return "Christmas Day"
	case Date{y, time.December, 26}:
		return "Boxing Day"
	}
	return ""
}

// IsTARGET2Day reports whether d is a TARGET2 business day.
func IsTARGET2Day(d Date) bool { return TARGET2Closed(d) == "" }

// NextTARGET2Day returns d when it is a TARGET2 business day, else the first one after it.
func NextTARGET2Day(d Date) Date {
	for !IsTARGET2Day(d) {
		d = d.AddDays(1)
	}
	return d
}

// DirectDebitTerms are the provider's settings for SEPA Core direct debit. The terms
// of both packs have no direct debit clause, so these are provider settings, read
// like the rest of the terms from the pack (Clauses may be empty; Reading says why).
type DirectDebitTerms struct {
	// PreNotification: the debtor is told the amount, the date, the mandate and the
	// creditor identifier at least this long before the collection (the SEPA Core
	// rulebook's default is 14 calendar days unless agreed otherwise).
	PreNotification Period `yaml:"pre_notification"`
	// CollectionOffset: by default an invoice is collected this long after its date.
	CollectionOffset Period `yaml:"collection_offset"`
	// MandateExpiry: a mandate not used for a collection this long has expired
	// (rulebook: 36 months).
	MandateExpiry Period   `yaml:"mandate_expiry"`
	Clauses       []string `yaml:"clauses"`
	Reading       string   `yaml:"reading"`
}

// RefundTerms: how staff are warned of refunds owed (withdrawal, cp.withdrawal.right.3;
// overpayment after termination, cp.av.13.5). The deadlines themselves are the
// withdrawal's refund_within and the "overpayment-refund" deadline. A provider setting
// (no clause names a warning), so Clauses may be empty.
type RefundTerms struct {
	// WarnBefore: billing staff are warned this long before a refund's deadline.
	WarnBefore Period   `yaml:"warn_before"`
	Clauses    []string `yaml:"clauses"`
	Reading    string   `yaml:"reading"`
}

// DirectDebitInput asks for a collection date: Requested (zero: propose one) for
// an invoice dated InvoiceDate (zero: none in particular), pre-notified on Today.
type DirectDebitInput struct {
	Today       Date
	InvoiceDate Date
	Requested   Date
}

// DirectDebitResult is a collection date that respects the pre-notification period
// and the TARGET2 calendar.
type DirectDebitResult struct {
	// Earliest is the first day a collection pre-notified on Today may be taken.
	Earliest Date `json:"earliest"`
	// Date is the requested date when it is allowed, else the proposal.
	Date Date `json:"date"`
}

// DirectDebitDate checks a requested collection date, or proposes one: the invoice date
// plus the collection offset, at the earliest the pre-notification period after today,
// moved to the next TARGET2 business day. A requested date that comes too soon or
// falls on a TARGET2 closing day is an *InputError that names the first good day.
func (p *Policy) DirectDebitDate(in DirectDebitInput) (DirectDebitResult, Explanation, error) {
	dd := p.Terms.DirectDebit
	if dd.PreNotification.IsZero() {
		return DirectDebitResult{}, nil, notInTerms("%s sets no pre-notification period for direct debits (direct_debit.pre_notification)", p.PackName())
	}
	if err := requireDate("today", in.Today); err != nil {
		return DirectDebitResult{}, nil, err
	}
	var ex Explanation
	var res DirectDebitResult
	cal := p.Calendar()
	res.Earliest = dd.PreNotification.AddTo(in.Today, cal)
	ex.add(dd.Clauses, fmt.Sprintf("The debtor is told of a collection (amount, date, mandate, creditor identifier) at least %s before it; "+
		"a collection pre-notified today is taken on or after this day.", dd.PreNotification.Words()), dd.Reading,
		inputs("today", in.Today, "pre_notification", dd.PreNotification), res.Earliest)
	ex.key("sepa.prenotification", kv{"period": dd.PreNotification, "earliest": res.Earliest})
	want := in.Requested
	if want.IsZero() {
		want = res.Earliest
		if !in.InvoiceDate.IsZero() && !dd.CollectionOffset.IsZero() {
			byOffset := dd.CollectionOffset.AddTo(in.InvoiceDate, cal)
			ex.add(dd.Clauses, fmt.Sprintf("An invoice is collected %s after its date.", dd.CollectionOffset.Words()), dd.Reading,
				inputs("invoice_date", in.InvoiceDate, "collection_offset", dd.CollectionOffset), byOffset)
			ex.key("sepa.offset", kv{"offset": dd.CollectionOffset, "invoice_date": in.InvoiceDate, "date": byOffset})
			want = MaxDate(want, byOffset)
		}
		res.Date = NextTARGET2Day(want)
		says := "A SEPA direct debit is collected on a TARGET2 business day (not on Saturday, Sunday, 1 January, Good Friday, Easter Monday, 1 May, 25 or 26 December)."
		if res.Date != want {
			says += fmt.Sprintf(" %s is %s, so the collection moves to %s.", want, TARGET2Closed(want), res.Date)
		}
		ex.add(nil, says, "", inputs("date", want), res.Date)
		ex.key(map[bool]string{true: "sepa.target2", false: "sepa.target2_moved"}[res.Date == want], kv{"date": want, "moved": res.Date})
		return res, ex, nil
	}
	if want.Before(res.Earliest) {
		return DirectDebitResult{}, ex, inputErr("collection_date",
			"%s is less than %s after today (%s): the debtor must be pre-notified at least %s before; the earliest collection date is %s",
			want, dd.PreNotification.Words(), in.Today, dd.PreNotification.Words(), NextTARGET2Day(res.Earliest))
	}
	if why := TARGET2Closed(want); why != "" {
		return DirectDebitResult{}, ex, inputErr("collection_date",
			"%s is %s, not a TARGET2 business day on which a direct debit can be collected; the next one is %s", want, why, NextTARGET2Day(want))
	}
	res.Date = want
	ex.add(nil, "A SEPA direct debit is collected on a TARGET2 business day; this one is.", "", inputs("date", want), want)
	ex.key("sepa.target2", kv{"date": want})
	return res, ex, nil
}

// MandateValidThrough returns the last collection date a mandate last used on
// lastCollection may still be used for (SEPA Core rulebook: a mandate unused for 36
// months expires). A mandate never used does not expire this way.
func (p *Policy) MandateValidThrough(lastCollection Date) (Date, Explanation, error) {
	dd := p.Terms.DirectDebit
	if dd.MandateExpiry.IsZero() {
		return Date{}, nil, notInTerms("%s sets no mandate expiry (direct_debit.mandate_expiry)", p.PackName())
	}
	if err := requireDate("last_collection", lastCollection); err != nil {
		return Date{}, nil, err
	}
	until := dd.MandateExpiry.AddTo(lastCollection, p.Calendar())
	var ex Explanation
	ex.add(dd.Clauses, fmt.Sprintf("A mandate not used for a collection for %s has expired; a new mandate is needed.", dd.MandateExpiry.Words()),
		dd.Reading, inputs("last_collection", lastCollection, "mandate_expiry", dd.MandateExpiry), until)
	ex.key("sepa.mandate_expiry", kv{"period": dd.MandateExpiry, "last_collection": lastCollection, "until": until})
	return until, ex, nil
}

// RefundWarningDate returns the day billing staff are warned of a refund due by dueBy:
// the pack's refunds.warn_before earlier (werkdagen counted back on the calendar).
func (p *Policy) RefundWarningDate(dueBy Date) (Date, Explanation, error) {
	r := p.Terms.Refunds
	if r.WarnBefore.IsZero() {
		return Date{}, nil, notInTerms("%s sets no warning before refund deadlines (refunds.warn_before)", p.PackName())
	}
	if err := requireDate("due_by", dueBy); err != nil {
		return Date{}, nil, err
	}
	on := r.WarnBefore.SubtractFrom(dueBy, p.Calendar())
	var ex Explanation
	ex.add(r.Clauses, fmt.Sprintf("Billing staff are warned %s before a refund's deadline.", r.WarnBefore.Words()), r.Reading,
		inputs("due_by", dueBy, "warn_before", r.WarnBefore), on)
	ex.key("refund.warning", kv{"before": r.WarnBefore, "due_by": dueBy, "on": on})
	return on, ex, nil
}

// moneyOut validates the direct debit and refund settings: all optional (the rules
// above say so when one is missing), each in its unit.
func (v *validator) moneyOut(pol *Terms, p string) {
	dd := pol.DirectDebit
	for name, per := range map[string]Period{"pre_notification": dd.PreNotification, "collection_offset": dd.CollectionOffset} {
		if !per.IsZero() {
			v.need(p+".direct_debit."+name, per, Days, Werkdagen)
		}
	}
	if !dd.MandateExpiry.IsZero() {
		v.need(p+".direct_debit.mandate_expiry", dd.MandateExpiry, Months, Years)
	}
	if r := pol.Refunds; !r.WarnBefore.IsZero() {
		v.need(p+".refunds.warn_before", r.WarnBefore, Days, Werkdagen)
	}
	for section, ids := range map[string][]string{"direct_debit": dd.Clauses, "refunds": pol.Refunds.Clauses} {
		for i, id := range ids {
			if !clauseRE.MatchString(id) {
				v.fail(fmt.Sprintf("%s.%s.clauses[%d]", p, section, i), "must be a clause id like cp.av.13.1 (got %q)", id)
			}
		}
	}
}
