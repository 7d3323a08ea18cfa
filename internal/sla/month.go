package sla

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/terms"
)

// Exclusion is time whose unavailability does not count, with its reason.
type Exclusion struct {
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	Reason string    `json:"reason"`
}

// ExclusionReasons lists the reasons an excluded interval may give under p: the keys of
// the pack's sla.exclusions, each tied to the clause that excludes it. A recorded breach
// is not an interval: it voids the month's credit (MonthInput.Breach); outages that began
// while an invoice was overdue come from MonthInput.OpenInvoices.
func ExclusionReasons(p *terms.Policy) []string {
	out := make([]string, 0, len(p.Terms.SLA.Exclusions))
	for r := range p.Terms.SLA.Exclusions {
		out = append(out, r)
	}
	sort.Strings(out)
	return out
}

// MonthInput is everything a service's month is computed from.
type MonthInput struct {
	Kind   string // a service kind of the pack's sla.measurement.components
	Month  Month
	Checks []Check
	// Manual are outages staff recorded from the customer's own evidence for time the
	// monitor did not measure.
	Manual     []Interval
	Exclusions []Exclusion
	// OpenInvoices are the times the customer had an invoice open in the pack's sense
	// (A03, open_invoice_means: overdue): an outage that began in one does not count.
	OpenInvoices []Interval
	MonthlyFee   terms.Money
	YearlyFee    terms.Money
	Breach       bool
	Reading      string // overrides the pack's credit reading when set
}

// MonthResult is a service's month under the SLA.
type MonthResult struct {
	Month           string      `json:"month"`
	DownMinutes     int         `json:"down_minutes"`
	ExcludedMinutes int         `json:"excluded_minutes"`
	CreditPercent   int         `json:"credit_percent"`
	Credit          terms.Money `json:"credit"`
	// Intervals are the service's outages within the month, before exclusions.
	Intervals []Interval `json:"intervals"`
	// Counted are the parts of them that count towards D.
	Counted []Interval `json:"counted"`
}

// Compute works out a service's month: its outages from the checks (and manual
// intervals), the month's part of them, the excluded time, D in whole minutes rounded
// down, and the credit by the pack's rule, with the explanation.
func Compute(p *terms.Policy, in MonthInput) (MonthResult, terms.Explanation, error) {
	r, err := RulesOf(p)
	if err != nil {
		return MonthResult{}, nil, err
	}
	if in.Month.Year < 2000 || in.Month.Month < 1 || in.Month.Month > 12 {
		return MonthResult{}, nil, &terms.InputError{Field: "month", Msg: "a calendar month is required"}
	}
	for i, iv := range append(append([]Interval{}, in.Manual...), in.OpenInvoices...) {
		if !iv.To.After(iv.From) {
			return MonthResult{}, nil, &terms.InputError{Field: "intervals", Msg: fmt.Sprintf("interval %d ends before it starts", i)}
		}
	}
	var excluded []Interval
	used := map[string]bool{}
	for i, e := range in.Exclusions {
		c, ok := p.Terms.SLA.Exclusions[e.Reason]
		if !ok {
			return MonthResult{}, nil, &terms.InputError{Field: "exclusions", Msg: fmt.Sprintf("exclusion %d: reason must be one of %s (got %q)", i, strings.Join(ExclusionReasons(p), ", "), e.Reason)}
		}
		if !e.To.After(e.From) {
			return MonthResult{}, nil, &terms.InputError{Field: "exclusions", Msg: fmt.Sprintf("exclusion %d ends before it starts", i)}
		}
		used[c] = true
		excluded = append(excluded, Interval{e.From, e.To})
	}
	measured, err := ServiceDown(in.Kind, in.Checks, r)
	if err != nil {
		return MonthResult{}, nil, err
	}
	outages := Union(measured, in.Manual)
	// cp.sla.exclusions.8 (A03): an outage that began while an invoice was overdue does
	// not count at all, also for its part after the invoice was paid.
	var overdue []Interval
	for _, o := range outages {
		for _, inv := range in.OpenInvoices {
			if !o.From.Before(inv.From) && o.From.Before(inv.To) {
				overdue = append(overdue, o)
				break
			}
		}
	}
	month := []Interval{in.Month.Interval()}
	inMonth := Intersect(outages, month)
	allExcluded := Union(excluded, overdue)
	counted := Subtract(inMonth, allExcluded)
	res := MonthResult{
		Month:           in.Month.String(),
		DownMinutes:     WholeMinutes(Length(counted)),
		ExcludedMinutes: WholeMinutes(Length(Intersect(inMonth, allExcluded))),
		Intervals:       inMonth,
		Counted:         counted,
	}

	var ex terms.Explanation
	locations := map[string]bool{}
	for _, c := range in.Checks {
		locations[c.Location] = true
	}
	all := ""
	var allDown []string
	for _, c := range r.Components[in.Kind] {
		if slices.Contains(r.AllTargetsDown, c) {
			all += fmt.Sprintf(" (%s only while every target is down)", c)
			allDown = append(allDown, c)
		}
	}
	outArgs := map[string]any{"kind": in.Kind, "components": strings.Join(r.Components[in.Kind], ", "), "confirm": r.ConfirmFailures,
		"month": res.Month, "outages": len(inMonth), "minutes": WholeMinutes(Length(inMonth))}
	outKey := "sla.month.outages"
	if len(allDown) > 0 {
		outKey, outArgs["all_down"] = "sla.month.outages_all", strings.Join(allDown, ", ")
	}
	ex = append(ex, terms.Step{
		Clause:  strings.Join(r.Clauses, ", "),
		Says:    fmt.Sprintf("A %s service is unavailable while any of %s is down%s; a component is down from the first of %d consecutive failed checks until the next successful one, while a majority of the probe locations that measured it see it down.", in.Kind, strings.Join(r.Components[in.Kind], ", "), all, r.ConfirmFailures),
		Reading: "INTERPRETATION.md, Measuring availability (A01, A03). " + r.Reading,
		Inputs: []terms.Input{
			{Name: "checks", Value: fmt.Sprint(len(in.Checks))},
			{Name: "locations", Value: fmt.Sprint(len(locations))},
			{Name: "manual_intervals", Value: fmt.Sprint(len(in.Manual))},
		},
		Value: fmt.Sprintf("%d outage(s), %s in %s", len(inMonth), Length(inMonth), res.Month),
		Key:   outKey, Args: terms.StepArgs(outArgs),
	})
	if len(excluded) > 0 {
		var ids []string
		for id := range used {
			ids = append(ids, id)
		}
		sort.Strings(ids)
		ex = append(ex, terms.Step{
			Clause: strings.Join(ids, ", "),
			Says:   "Unavailability during maintenance and the other recorded exclusions does not count.",
			Inputs: []terms.Input{{Name: "exclusions", Value: fmt.Sprint(len(excluded))}},
			Value:  Length(Intersect(inMonth, excluded)).String(),
			Key:    "sla.month.excluded",
			Args:   terms.StepArgs(map[string]any{"exclusions": len(excluded), "minutes": WholeMinutes(Length(Intersect(inMonth, excluded)))}),
		})
	}
	if len(in.OpenInvoices) > 0 {
		ex = append(ex, terms.Step{
			Clause:  strings.Join(p.Terms.SLA.OverdueClauses, ", "),
			Says:    "An outage that began while the customer had an overdue invoice does not count.",
			Reading: "A03: open invoices are read as " + p.Terms.SLA.OpenInvoiceMeans + " invoices.",
			Inputs:  []terms.Input{{Name: "open_invoice_periods", Value: fmt.Sprint(len(in.OpenInvoices))}},
			Value:   Length(Intersect(inMonth, overdue)).String(),
			Key:     "sla.month.overdue",
			Args:    terms.StepArgs(map[string]any{"minutes": WholeMinutes(Length(Intersect(inMonth, overdue)))}),
		})
	}
	ex = append(ex, terms.Step{
		Clause:  strings.Join(p.Terms.SLA.Measurement.Clauses, ", "),
		Says:    "D is the length of the outages inside the calendar month (Europe/Amsterdam) after exclusions, in whole minutes rounded down.",
		Reading: "INTERPRETATION.md, Measuring availability.",
		Inputs:  []terms.Input{{Name: "month", Value: res.Month}, {Name: "counted", Value: Length(counted).String()}},
		Value:   fmt.Sprint(res.DownMinutes),
		Key:     "sla.month.counted",
		Args:    terms.StepArgs(map[string]any{"month": res.Month, "minutes": res.DownMinutes}),
	})
	credit, cex, err := p.SLACredit(terms.SLAInput{
		DowntimeMinutes: res.DownMinutes,
		MonthlyFee:      in.MonthlyFee,
		YearlyFee:       in.YearlyFee,
		Reading:         in.Reading,
		Breach:          in.Breach,
	})
	if err != nil {
		return MonthResult{}, nil, err
	}
	res.CreditPercent, res.Credit = credit.Percent, credit.Amount
	return res, append(ex, cex...), nil
}
