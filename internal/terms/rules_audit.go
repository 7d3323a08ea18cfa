package terms

import (
	"fmt"
	"slices"
)

// The preconditions of a customer's audit of the provider as processor (C11).
const (
	// AuditReportsFirst: the existing audit reports are offered first; the audit is
	// justified only when the customer argues they are insufficient (cp.dpa.11.2).
	AuditReportsFirst = "reports_first"
	// AuditSuspicion: the request itself must state a reasonable, written,
	// substantiated suspicion of breach (fo.dpa.7.1).
	AuditSuspicion = "suspicion"
)

// AuditScheduleInput is a customer's audit request as scheduling sees it.
type AuditScheduleInput struct {
	// Requested is the day the audit was announced: the day the request became
	// justified (the customer's arguments, or the written suspicion).
	Requested Date
	// Previous are the days of the customer's earlier audits (scheduled or held).
	Previous []Date
	// Proposed is the day the audit would take place; zero asks only for the earliest
	// day and whether the request may be answered with the existing report.
	Proposed Date
}

// AuditScheduleResult says when the audit may take place.
type AuditScheduleResult struct {
	Precondition string `json:"precondition"`
	// Earliest is the first day the audit may take place: after the notice and 12
	// months after the latest previous audit.
	Earliest Date `json:"earliest"`
	// Allowed: Proposed is set and on or after Earliest.
	Allowed bool `json:"allowed"`
	// AnswerWithReport: an audit took place within the interval and the terms let the
	// provider answer with the relevant parts of its report instead (fo.dpa.7.2).
	AnswerWithReport bool `json:"answer_with_report"`
	// InformationBy is when the provider supplies the auditor's information, where the
	// terms set it (the deadline "audit-information", cp.dpa.11.3).
	InformationBy Date `json:"information_by,omitzero"`
}

// AuditSchedule decides whether an audit announced on in.Requested may take place on
// in.Proposed (C11): the pack's notice (cp.dpa.11.2: two weeks), at most one audit per
// MinInterval counted from the latest previous audit ("per year" read as a rolling 12
// months), the precondition, the repeat answered with the report (fo.dpa.7.2) and the
// information deadline (cp.dpa.11.3). The costs are the customer's (CostClauses).
func (p *Policy) AuditSchedule(in AuditScheduleInput) (AuditScheduleResult, Explanation, error) {
	if err := requireDate("requested", in.Requested); err != nil {
		return AuditScheduleResult{}, nil, err
	}
	a := p.Terms.Audit
	if a.MinInterval.IsZero() {
		return AuditScheduleResult{}, nil, notInTerms("%s sets no audit terms", p.PackName())
	}
	cal := p.Calendar()
	res := AuditScheduleResult{Precondition: a.Precondition, Earliest: in.Requested}
	var ex Explanation
	switch a.Precondition {
	case AuditReportsFirst:
		ex.add(a.PreconditionClauses, "An audit takes place only after the existing audit reports were offered and the customer argued why they are insufficient.", a.Reading,
			inputs("requested", in.Requested), a.Precondition)
		ex.key("audit.reports_first", nil)
	case AuditSuspicion:
		ex.add(a.PreconditionClauses, "An audit takes place only on a reasonable, written and substantiated suspicion of breach.", a.Reading,
			inputs("requested", in.Requested), a.Precondition)
		ex.key("audit.suspicion", nil)
	}
	if !a.Notice.IsZero() {
		res.Earliest = a.Notice.AddTo(in.Requested, cal)
		ex.add(a.Clauses, fmt.Sprintf("An audit is announced at least %s ahead.", a.Notice.Words()), a.Reading,
			inputs("announced", in.Requested), res.Earliest)
		ex.key("audit.notice", kv{"notice": a.Notice, "earliest": res.Earliest})
	}
	if len(in.Previous) > 0 {
		last := slices.MaxFunc(in.Previous, func(x, y Date) int { return x.Compare(y) })
		next := a.MinInterval.AddTo(last, cal)
		ex.add(a.Clauses, fmt.Sprintf("At most one audit per %s.", a.MinInterval.Words()), a.Reading,
			inputs("previous", last), next)
		ex.key("audit.interval", kv{"interval": a.MinInterval, "next": next})
		if next.After(res.Earliest) {
			res.Earliest = next
		}
		if a.RepeatWithReport && next.After(in.Requested) {
			res.AnswerWithReport = true
			ex.add(a.RepeatClauses, "An audit took place within the interval: the provider may answer with the relevant parts of its report.", a.Reading,
				inputs("previous", last, "requested", in.Requested), true)
			ex.key("audit.repeat_report", kv{"previous": last})
		}
	}
	if _, ok := p.Terms.Deadlines["audit-information"]; ok {
		dl, dex, err := p.Deadline("audit-information", in.Requested)
		if err != nil {
			return AuditScheduleResult{}, nil, err
		}
		res.InformationBy = dl.Deadline
		ex = append(ex, dex...)
	}
	if !in.Proposed.IsZero() {
		res.Allowed = !in.Proposed.Before(res.Earliest)
		if res.Allowed {
			ex.add(a.Clauses, "The proposed day is on or after the earliest day.", a.Reading, inputs("proposed", in.Proposed, "earliest", res.Earliest), true)
			ex.key("audit.proposed_ok", kv{"proposed": in.Proposed, "earliest": res.Earliest})
		} else {
			ex.add(a.Clauses, "The proposed day is before the earliest day.", a.Reading, inputs("proposed", in.Proposed, "earliest", res.Earliest), false)
			ex.key("audit.too_early", kv{"proposed": in.Proposed, "earliest": res.Earliest})
		}
	}
	if len(a.CostClauses) > 0 {
		ex.add(a.CostClauses, "The reasonable costs of the audit and the auditor's costs are borne by the customer.", "", nil, "customer")
		ex.key("audit.costs", nil)
	}
	return res, ex, nil
}
