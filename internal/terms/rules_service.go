package terms

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// The readings of the SLA credit (A01). Favourable is the default of both packs'
// interpretation; the others are selectable in a pack or per question.
const (
	SLAFavourable = "favourable" // 20 × (1 + ⌊(D − 45) / 60⌋) from 45 minutes
	SLALiteral    = "literal"    // 20 × ⌊(D − 45) / 60⌋
	SLAFullHours  = "full-hours" // 20 × ⌊D / 60⌋
)

// SLAReadings lists the SLA credit readings.
var SLAReadings = []string{SLAFavourable, SLALiteral, SLAFullHours}

// SLAInput describes a service's month.
type SLAInput struct {
	// DowntimeMinutes is D: unavailable minutes in the calendar month, after removing
	// the excluded minutes (cp.sla.exclusions.1-3 and 5-8).
	DowntimeMinutes int
	// MonthlyFee is the month's fee for the service excluding VAT. For a service
	// billed yearly give YearlyFee instead (and MonthlyFee zero): the credit is then
	// yearly fee × percent ÷ 12, rounded once (cp.sla.compensation.3).
	MonthlyFee Money
	YearlyFee  Money
	// Reading overrides the pack's credit reading when set.
	Reading string
	// Breach is set when a breach of the general terms was recorded for the month
	// (cp.sla.exclusions.4), which voids the credit.
	Breach bool
}

// SLAResult is the credit for a month.
type SLAResult struct {
	Percent int    `json:"percent"`
	Amount  Money  `json:"amount"`
	Reading string `json:"reading"`
}

// SLACredit computes the SLA credit of a month (cp.sla.compensation.2; A01): by the
// favourable reading 0% below 45 minutes, otherwise min(100, 20 × (1 + ⌊(D − 45)/60⌋))
// percent of the month's fee, rounded half away from zero to cents. The credit is
// account credit, set off against future invoices only (cp.sla.compensation.5).
func (p *Policy) SLACredit(in SLAInput) (SLAResult, Explanation, error) {
	s := p.Terms.SLA
	if !s.Enabled {
		return SLAResult{}, nil, notInTerms("%s gives no availability guarantee (%s)", p.PackName(), joinIDs(s.Clauses))
	}
	if in.DowntimeMinutes < 0 {
		return SLAResult{}, nil, inputErr("downtime_minutes", "cannot be negative")
	}
	if in.MonthlyFee < 0 {
		return SLAResult{}, nil, inputErr("monthly_fee", "cannot be negative")
	}
	if in.YearlyFee < 0 || (in.YearlyFee != 0 && in.MonthlyFee != 0) {
		return SLAResult{}, nil, inputErr("yearly_fee", "give either a monthly or a yearly fee, not negative")
	}
	reading := s.CreditReading
	if in.Reading != "" {
		reading = in.Reading
	}
	d, t, step := in.DowntimeMinutes, s.ThresholdMinutes, s.StepMinutes
	var pct int
	var formula string
	switch reading {
	case SLAFavourable:
		if d >= t {
			pct = s.StepPercent * (1 + (d-t)/step)
		}
		formula = fmt.Sprintf("0%% below %d minutes, then %d%% × (1 + ⌊(D − %d) / %d⌋)", t, s.StepPercent, t, step)
	case SLALiteral:
		if d >= t {
			pct = s.StepPercent * ((d - t) / step)
		}
		formula = fmt.Sprintf("%d%% × ⌊(D − %d) / %d⌋ from %d minutes", s.StepPercent, t, step, t)
	case SLAFullHours:
		pct = s.StepPercent * (d / step)
		formula = fmt.Sprintf("%d%% × ⌊D / %d⌋", s.StepPercent, step)
	default:
		return SLAResult{}, nil, inputErr("reading", "must be one of %s (got %q)", strings.Join(SLAReadings, ", "), reading)
	}
	pct = min(pct, s.CapPercent)
	var ex Explanation
	ex.add(s.CreditClauses, fmt.Sprintf("The credit is %s, at most %d%%, where D is the month's unavailable minutes after exclusions.", formula, s.CapPercent),
		"A01 reading "+reading+". "+s.Reading, inputs("downtime_minutes", d), fmt.Sprintf("%d%%", pct))
	ex.key("sla.credit_formula", kv{"minutes": d, "percent": pct, "cap": s.CapPercent})
	if in.Breach && pct > 0 {
		pct = 0
		ex.add(s.ExclusionClauses, "A breach of the general terms recorded for the month voids the credit.", "A03", inputs("breach", true), "0%")
		ex.key("sla.breach", kv{})
	}
	amt := in.MonthlyFee.MulRate(Percent(int64(pct)))
	if in.YearlyFee != 0 {
		x := in.YearlyFee.Rat()
		x.Mul(x, big.NewRat(int64(pct), 1200))
		amt = RoundCents(x)
		ex.add(s.CreditClauses, "A fee not paid monthly is converted to a monthly amount (yearly fee ÷ 12); the credit is that percentage of it, rounded once to cents, given as account credit against future invoices.",
			"", inputs("yearly_fee", in.YearlyFee, "percent", pct), amt)
		ex.key("sla.credit_yearly", kv{"yearly_fee": in.YearlyFee, "percent": pct, "amount": amt})
	} else {
		ex.add(s.CreditClauses, "The credit is that percentage of the month's fee for the service excluding VAT, rounded to cents, given as account credit against future invoices.",
			"", inputs("monthly_fee", in.MonthlyFee, "percent", pct), amt)
		ex.key("sla.credit_monthly", kv{"monthly_fee": in.MonthlyFee, "percent": pct, "amount": amt})
	}
	return SLAResult{Percent: pct, Amount: amt, Reading: reading}, ex, nil
}

// AvailabilityResult compares a month's downtime with the availability target.
type AvailabilityResult struct {
	MonthMinutes   int    `json:"month_minutes"`
	AllowedMinutes string `json:"allowed_minutes"`
	Availability   string `json:"availability"` // percent, four decimals
	Met            bool   `json:"met"`
}

// Availability reports whether the target (99.9% per calendar month,
// cp.sla.availability.1) was met in the month containing month. A01 notes that 99.9%
// of a 28-31 day month allows 40.3-44.6 minutes, so the target can be missed without a
// credit; hostpact reports both.
func (p *Policy) Availability(month Date, downtimeMinutes int) (AvailabilityResult, Explanation, error) {
	s := p.Terms.SLA
	if !s.Enabled {
		return AvailabilityResult{}, nil, notInTerms("%s gives no availability guarantee (%s)", p.PackName(), joinIDs(s.Clauses))
	}
	if err := requireDate("month", month); err != nil {
		return AvailabilityResult{}, nil, err
	}
	if downtimeMinutes < 0 {
		return AvailabilityResult{}, nil, inputErr("downtime_minutes", "cannot be negative")
	}
	total := month.LastOfMonth().Day() * 24 * 60
	allowed := new(big.Rat).Mul(big.NewRat(int64(total), 1), new(big.Rat).Sub(big.NewRat(1, 1), s.Target.Fraction()))
	avail := new(big.Rat).Mul(big.NewRat(int64(total-downtimeMinutes), int64(total)), big.NewRat(100, 1))
	res := AvailabilityResult{
		MonthMinutes:   total,
		AllowedMinutes: allowed.FloatString(1),
		Availability:   avail.FloatString(4),
		Met:            big.NewRat(int64(downtimeMinutes), 1).Cmp(allowed) <= 0,
	}
	var ex Explanation
	ex.add(s.Clauses, fmt.Sprintf("Availability must be at least %s%% of the calendar month.", s.Target), s.Reading,
		inputs("month", month.FirstOfMonth(), "downtime_minutes", downtimeMinutes), res.Availability+"%")
	ex.key("sla.availability", kv{"target": s.Target, "month": month.FirstOfMonth(), "minutes": downtimeMinutes, "availability": res.Availability})
	return res, ex, nil
}

// FairUseInput gives a customer's usage in a month and that of the other active
// customers on the same plan, in the same unit.
type FairUseInput struct {
	Usage int64
	Peers []int64
}

// FairUseResult says whether the fair-use threshold applies and is exceeded.
type FairUseResult struct {
	// Action is false when there are too few peers to judge (no action is taken).
	Action    bool   `json:"action"`
	PeerCount int    `json:"peer_count"`
	Mean      string `json:"mean,omitempty"`
	// Threshold is the highest fair usage, rounded down (usage above it is unfair).
	Threshold int64 `json:"threshold,omitempty"`
	Exceeded  bool  `json:"exceeded"`
	// WarningsRequired is how many warnings must precede a conversion, limit or block.
	WarningsRequired int `json:"warnings_required"`
}

// FairUse applies 5online's fair-use policy (fo.av.12.3, fo.av.12.4; A20): a customer
// may use up to 2 × the mean monthly usage of the other active customers on the same
// plan; with fewer than 5 of them no action is taken; at least one warning precedes
// any measure.
func (p *Policy) FairUse(in FairUseInput) (FairUseResult, Explanation, error) {
	f := p.Terms.Usage.FairUse
	if !f.Enabled {
		return FairUseResult{}, nil, notInTerms("%s has no fair-use policy; usage above the plan is billed (%s)", p.PackName(), joinIDs(p.Terms.Usage.Clauses))
	}
	if in.Usage < 0 {
		return FairUseResult{}, nil, inputErr("usage", "cannot be negative")
	}
	var sum big.Int
	for i, u := range in.Peers {
		if u < 0 {
			return FairUseResult{}, nil, inputErr("peers", "usage %d of peer %d is negative", u, i)
		}
		sum.Add(&sum, big.NewInt(u))
	}
	res := FairUseResult{PeerCount: len(in.Peers), WarningsRequired: f.WarningsRequired}
	var ex Explanation
	if len(in.Peers) < f.MinPeers {
		ex.add(f.Clauses, fmt.Sprintf("With fewer than %d other active customers on the plan there is no reliable baseline, so no action is taken.", f.MinPeers),
			f.Reading, inputs("peers", len(in.Peers)), "no action")
		ex.key("fairuse.few_peers", kv{"min": f.MinPeers, "peers": len(in.Peers)})
		return res, ex, nil
	}
	res.Action = true
	mean := new(big.Rat).SetFrac(&sum, big.NewInt(int64(len(in.Peers))))
	res.Mean = mean.FloatString(2)
	limit := new(big.Rat).Mul(mean, big.NewRat(int64(f.Multiplier), 1))
	th := new(big.Int).Quo(limit.Num(), limit.Denom())
	res.Threshold = th.Int64()
	res.Exceeded = big.NewRat(in.Usage, 1).Cmp(limit) > 0
	ex.add(f.Clauses, fmt.Sprintf("Fair use is at most %d × the mean usage of the other active customers on the same plan.", f.Multiplier),
		f.Reading, inputs("peers", len(in.Peers), "mean", res.Mean), res.Threshold)
	ex.key("fairuse.threshold", kv{"multiplier": f.Multiplier, "peers": len(in.Peers)})
	ex.add(f.Clauses, fmt.Sprintf("Usage above the threshold may, after at least %d warning(s), lead to a conversion, a limit or a block.", f.WarningsRequired),
		"", inputs("usage", in.Usage), fmt.Sprint(res.Exceeded))
	ex.key("fairuse.exceeded", kv{"warnings": f.WarningsRequired})
	return res, ex, nil
}

// LiabilityInput gives the fees that bound the provider's liability for an event.
type LiabilityInput struct {
	Customer CustomerKind
	// AnnualFees: fees payable per year excluding VAT (cp).
	AnnualFees Money
	// AgreementFees: all fees excluding VAT under the agreement; AgreementMonths: how
	// long the agreement runs; PaidLast6Months: fees paid in the 6 months before the
	// event (fo).
	AgreementFees   Money
	AgreementMonths int
	PaidLast6Months Money
}

// LiabilityResult is the cap on liability for direct damage per event.
type LiabilityResult struct {
	Capped bool   `json:"capped"`
	Cap    Money  `json:"cap"`
	Basis  string `json:"basis"`
}

// LiabilityCap computes the cap on liability for direct damage per event (C04, A10).
// cp.av.11.1: the lower of the annual fees excluding VAT and €1,000, for business
// customers only (cp.av.11.8). fo.av.17.2: the agreement's fees excluding VAT, or for
// an agreement of more than 6 months the fees paid in the 6 months before the event,
// at most €10,000. Neither cap applies to intent or gross fault (cp.av.11.3,
// fo.av.17.5); that is for staff to establish.
func (p *Policy) LiabilityCap(in LiabilityInput) (LiabilityResult, Explanation, error) {
	l := p.Terms.Liability
	var ex Explanation
	if in.AnnualFees < 0 || in.AgreementFees < 0 || in.PaidLast6Months < 0 {
		return LiabilityResult{}, nil, inputErr("fees", "cannot be negative")
	}
	if l.BusinessOnly && in.Customer == Consumer {
		ex.add(l.Clauses, "The limitation of liability applies to business customers only; a consumer's damage is not capped by the terms.",
			l.Reading, inputs("customer", in.Customer), "no cap")
		ex.key("liability.consumer", kv{})
		return LiabilityResult{Capped: false, Basis: "consumer"}, ex, nil
	}
	var base Money
	var basis string
	switch l.Model {
	case "annual_fees":
		base, basis = in.AnnualFees, "annual fees"
		ex.add(l.Clauses, "Liability per event is limited to the fees payable per year excluding VAT.", l.Reading,
			inputs("annual_fees", in.AnnualFees), base)
		ex.key("liability.annual", kv{"amount": base})
	case "agreement_fees":
		if in.AgreementMonths < 0 {
			return LiabilityResult{}, nil, inputErr("agreement_months", "cannot be negative")
		}
		if in.AgreementMonths > l.LongAgreementMonths {
			base, basis = in.PaidLast6Months, fmt.Sprintf("fees paid in the last %d months", l.LongAgreementMonths)
			ex.add(l.Clauses, fmt.Sprintf("For an agreement running more than %d months liability is limited to the fees paid in the %d months before the event.", l.LongAgreementMonths, l.LongAgreementMonths),
				l.Reading, inputs("agreement_months", in.AgreementMonths, "paid_last_6_months", in.PaidLast6Months), base)
			ex.key("liability.long", kv{"months": l.LongAgreementMonths, "amount": base})
		} else {
			base, basis = in.AgreementFees, "fees under the agreement"
			ex.add(l.Clauses, "Liability per event is limited to the fees excluding VAT under the agreement.",
				l.Reading, inputs("agreement_months", in.AgreementMonths, "agreement_fees", in.AgreementFees), base)
			ex.key("liability.agreement", kv{"amount": base})
		}
	}
	limit := base
	if limit > l.AbsoluteCap {
		limit, basis = l.AbsoluteCap, "absolute cap"
	}
	ex.add(l.Clauses, fmt.Sprintf("In no case more than %s excluding VAT.", l.AbsoluteCap), "", inputs("base", base), limit)
	ex.key("liability.cap", kv{"cap": l.AbsoluteCap, "amount": limit})
	return LiabilityResult{Capped: true, Cap: limit, Basis: basis}, ex, nil
}

// DeadlineResult is the deadline of a process step.
type DeadlineResult struct {
	Process  string `json:"process"`
	Deadline Date   `json:"deadline"`
	Period   Period `json:"period"`
	Meaning  string `json:"meaning"`
}

// Processes lists the process names the policy has deadlines for.
func (p *Policy) Processes() []string { return sortedKeys(p.Terms.Deadlines) }

// Deadline returns the deadline of a process counted from the event that starts it
// (INTERPRETATION.md, Deadlines for processes): complaint, ntd, ntd-urgent,
// disclosure-ack, disclosure-assessment, disclosure-fix, dsar, subprocessor-objection,
// audit-notice, damage-report, force-majeure, overpayment-refund, sla-claim and any
// other the pack defines. Werkdagen deadlines end on the Nth werkdag after from.
func (p *Policy) Deadline(process string, from Date) (DeadlineResult, Explanation, error) {
	dl, ok := p.Terms.Deadlines[process]
	if !ok {
		return DeadlineResult{}, nil, notInTerms("%s sets no deadline for process %q (it has: %s)", p.PackName(), process, strings.Join(p.Processes(), ", "))
	}
	if err := requireDate("received", from); err != nil {
		return DeadlineResult{}, nil, err
	}
	cal := p.Calendar()
	d := dl.Period.AddTo(from, cal)
	says := fmt.Sprintf("Within %s of %s, %s.", dl.Period.Words(), dl.From, dl.Meaning)
	if dl.Period.Unit == Werkdagen {
		says += " Werkdagen are Monday to Friday except public holidays and closed days: " + describeClosed(cal.ClosedDays(from.AddDays(1), d)) + "."
	}
	var ex Explanation
	ex.add(dl.Clauses, says, dl.Reading, inputs("from", from, "period", dl.Period), d)
	ex.key("deadline", kv{"process": process, "period": dl.Period, "from": from, "deadline": d})
	return DeadlineResult{Process: process, Deadline: d, Period: dl.Period, Meaning: dl.Meaning}, ex, nil
}

// RetentionResult is how long data of a category are kept.
type RetentionResult struct {
	Category string `json:"category"`
	// Until is the last day the data may (or must) be kept; they are deleted after it.
	Until  Date   `json:"until"`
	Period Period `json:"period"`
}

// RetentionCategories lists the data categories the policy has retention periods for.
func (p *Policy) RetentionCategories() []string { return sortedKeys(p.Terms.Retention) }

// Retention returns until when data of a category are kept, counted from the event
// that triggers the period (cp.privacy.serverlogs.2, cp.security.logging.1; A06, A14).
func (p *Policy) Retention(category string, from Date) (RetentionResult, Explanation, error) {
	r, ok := p.Terms.Retention[category]
	if !ok {
		return RetentionResult{}, nil, notInTerms("%s sets no retention period for %q (it has: %s)", p.PackName(), category, strings.Join(p.RetentionCategories(), ", "))
	}
	if err := requireDate("from", from); err != nil {
		return RetentionResult{}, nil, err
	}
	until := r.Period.AddTo(from, p.Calendar())
	clauses := r.Clauses
	reading := r.Reading
	if r.Basis != "" {
		reading = strings.TrimSpace(r.Basis + ". " + reading)
	}
	var ex Explanation
	ex.add(clauses, fmt.Sprintf("Data of category %s are kept %s after %s, then deleted.", category, r.Period.Words(), r.From),
		reading, inputs("from", from, "period", r.Period), until)
	ex.key("retention", kv{"category": category, "period": r.Period, "from": from, "until": until})
	return RetentionResult{Category: category, Until: until, Period: r.Period}, ex, nil
}

// AuditInput describes a requested audit.
type AuditInput struct {
	Announced Date // the day the controller announced the audit
	Proposed  Date // the day the audit would take place
	Previous  Date // the day of the previous audit, if any
}

// AuditResult says whether an audit may take place on the proposed day.
type AuditResult struct {
	Allowed  bool     `json:"allowed"`
	Earliest Date     `json:"earliest"`
	Reasons  []string `json:"reasons,omitempty"`
}

// Audit checks a requested audit of the provider as processor (C11): cp.dpa.11.2 at
// most once per year and announced two weeks ahead; fo.dpa.7.1 at most once per year,
// scheduled jointly. "Per year" is read as 12 months from the previous audit.
func (p *Policy) Audit(in AuditInput) (AuditResult, Explanation, error) {
	if err := requireDate("announced", in.Announced); err != nil {
		return AuditResult{}, nil, err
	}
	if err := requireDate("proposed", in.Proposed); err != nil {
		return AuditResult{}, nil, err
	}
	a := p.Terms.Audit
	cal := p.Calendar()
	var ex Explanation
	res := AuditResult{Earliest: in.Announced}
	if !a.Notice.IsZero() {
		res.Earliest = a.Notice.AddTo(in.Announced, cal)
		ex.add(a.Clauses, fmt.Sprintf("An audit is announced at least %s ahead.", a.Notice.Words()), a.Reading,
			inputs("announced", in.Announced), res.Earliest)
		ex.key("audit.notice", kv{"notice": a.Notice, "earliest": res.Earliest})
	}
	if !in.Previous.IsZero() {
		next := a.MinInterval.AddTo(in.Previous, cal)
		ex.add(a.Clauses, fmt.Sprintf("At most one audit per %s.", a.MinInterval.Words()), a.Reading,
			inputs("previous", in.Previous), next)
		ex.key("audit.interval", kv{"interval": a.MinInterval, "next": next})
		if next.After(res.Earliest) {
			res.Earliest = next
		}
	}
	if in.Proposed.Before(res.Earliest) {
		res.Reasons = append(res.Reasons, fmt.Sprintf("the audit cannot take place before %s", res.Earliest))
	}
	res.Allowed = len(res.Reasons) == 0
	return res, ex, nil
}

// VAT categories.
const (
	VATStandard = "standard"
	VATReduced  = "reduced"
	VATZero     = "zero"
)

// VATRate returns the VAT rate of a category in a country on a date: Dutch standard,
// reduced and zero rates, and the standard rate of other EU member states for the
// One-Stop-Shop. Prices in the terms exclude VAT (cp.av.4.1, fo.av.15.1).
func (p *Policy) VATRate(country, category string, on Date) (Rate, Explanation, error) {
	if err := requireDate("on", on); err != nil {
		return 0, nil, err
	}
	country = strings.ToUpper(country)
	vt := p.Tables().VAT
	var ex Explanation
	if country == "NL" {
		i := sort.Search(len(vt.NL), func(i int) bool { return vt.NL[i].From.After(on) }) - 1
		if i < 0 {
			return 0, nil, inputErr("on", "no Dutch VAT rates are known before %s", vt.NL[0].From)
		}
		row := vt.NL[i]
		var r Rate
		switch category {
		case VATStandard:
			r = row.Standard
		case VATReduced:
			r = row.Reduced
		case VATZero:
			r = 0
		default:
			return 0, nil, inputErr("category", "must be standard, reduced or zero (got %q)", category)
		}
		ex.add(p.Terms.VAT.Clauses, fmt.Sprintf("Prices exclude VAT; the Dutch %s rate in force on that day applies.", category), vt.Source,
			inputs("country", country, "on", on, "rates_from", row.From), r.String()+"%")
		ex.key("vat.nl", kv{"category": category, "rate": r, "on": on})
		return r, ex, nil
	}
	if category != VATStandard {
		return 0, nil, inputErr("category", "only standard rates of other member states are kept (got %q)", category)
	}
	rows, ok := vt.EUStandard[country]
	if !ok {
		return 0, nil, inputErr("country", "no VAT rate is known for %q", country)
	}
	i := rateIndex(rows, on)
	if on.Before(rows[0].From) {
		return 0, nil, inputErr("on", "no VAT rate of %s is known before %s", country, rows[0].From)
	}
	ex.add(p.Terms.VAT.Clauses, "Prices exclude VAT; for a consumer in another member state (One-Stop-Shop) that state's standard rate applies.",
		vt.Source, inputs("country", country, "on", on, "rates_from", rows[i].From), rows[i].Rate.String()+"%")
	ex.key("vat.oss", kv{"country": country, "rate": rows[i].Rate, "on": on})
	return rows[i].Rate, ex, nil
}

// VATAmount returns the VAT on a base amount at a rate, rounded half away from zero
// to cents; invoices apply it once per rate per invoice (DESIGN.md, principle 7).
func VATAmount(base Money, r Rate) Money { return base.MulRate(r) }

// AccountCreditClauses are the clauses under which account credit is set off against
// new invoices only and never paid out: the SLA's credit clauses where the terms give
// SLA credit (cp.sla.compensation.5), else the payment clauses.
func (p *Policy) AccountCreditClauses() []string {
	if p.Terms.SLA.Enabled && len(p.Terms.SLA.CreditClauses) > 0 {
		return p.Terms.SLA.CreditClauses
	}
	return p.Terms.Payment.Clauses
}

// ClauseRef renders clause ids for a document or summary: "cp.av.13.9" or
// "cp.av.13.9, cp.withdrawal.right.1".
func ClauseRef(ids []string) string { return joinIDs(ids) }
