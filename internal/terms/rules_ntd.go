package terms

import (
	"fmt"
	"time"
)

// NTDTerms: the notice-and-takedown desk (cp.ntd.2.1-2.6; fo.av.9.6-9.8). The deadlines
// themselves are the processes "ntd" and "ntd-urgent" of Deadlines; these are the
// provider's settings around them.
type NTDTerms struct {
	// MachineReports groups automatic reports (X-ARF, ARF) per service and kind:
	// a case is opened once EscalateAt[kind] reports arrived within Window.
	MachineReports MachineReportTerms `yaml:"machine_reports"`
	// EvidenceMaxBytes and EvidenceMaxFiles bound the uploads of the public form.
	EvidenceMaxBytes int `yaml:"evidence_max_bytes"`
	EvidenceMaxFiles int `yaml:"evidence_max_files"`
	// Hotline is the body child sexual abuse material is referred to.
	Hotline string   `yaml:"hotline"`
	Clauses []string `yaml:"clauses"`
	Reading string   `yaml:"reading"`
}

// MachineReportTerms: when automatic reports about one service become a case.
type MachineReportTerms struct {
	Window     Period         `yaml:"window"`
	EscalateAt map[string]int `yaml:"escalate_at"`
}

// NTDDue is the deadline of an open notice: the customer's response after
// forwarding (cp.ntd.2.3), or, for a notice staff judged urgent, every step within 1
// werkdag of receipt (cp.ntd.2.6).
func (p *Policy) NTDDue(urgent bool, from Date) (DeadlineResult, Explanation, error) {
	if urgent {
		return p.Deadline("ntd-urgent", from)
	}
	return p.Deadline("ntd", from)
}

// NTDEscalation says whether count machine reports of kind about one service, received
// within the pack's window, make a case.
func (p *Policy) NTDEscalation(kind string, count int) (bool, Explanation, error) {
	m := p.Terms.NTD.MachineReports
	at, ok := m.EscalateAt[kind]
	if !ok || at <= 0 {
		return false, nil, notInTerms("%s sets no escalation threshold for %q reports", p.PackName(), kind)
	}
	var ex Explanation
	ex.add(p.Terms.NTD.Clauses, fmt.Sprintf("automatic %s reports about one service become a notice at %d within %s; there are %d", kind, at, m.Window.Words(), count),
		p.Terms.NTD.Reading, inputs("kind", kind, "count", count), count >= at)
	ex.key("ntd.escalation", kv{"kind": kind, "threshold": at, "window": m.Window, "count": count})
	return count >= at, ex, nil
}

// NTDWindowStart is the first moment whose machine reports count towards escalation.
func (p *Policy) NTDWindowStart(now time.Time) time.Time {
	w := p.Terms.NTD.MachineReports.Window
	switch w.Unit {
	case Days:
		return now.Add(-time.Duration(w.N) * 24 * time.Hour)
	case Weeks:
		return now.Add(-time.Duration(w.N) * 7 * 24 * time.Hour)
	}
	return now.Add(-7 * 24 * time.Hour)
}
