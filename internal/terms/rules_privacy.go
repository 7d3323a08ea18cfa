package terms

import (
	"fmt"
	"time"
)

// PrivacyTerms are the numbers of the provider's duties as processor (cp.dpa, fo.dpa)
// and as controller of its own customer data (cp.privacy), as INTERPRETATION.md
// ("Processor duties") reads them.
type PrivacyTerms struct {
	// BreachNoticeHours: affected customers are informed within this many hours of
	// discovery; staff are alerted from BreachAlertHours (cp.dpa.8.1 "as soon as
	// possible", fo.dpa.4.1 "without undue delay", both read as 24 hours).
	BreachNoticeHours int      `yaml:"breach_notice_hours"`
	BreachAlertHours  int      `yaml:"breach_alert_hours"`
	BreachClauses     []string `yaml:"breach_clauses"`
	BreachReading     string   `yaml:"breach_reading"`
	// AuthorityNoticeHours: where the provider is itself controller, the supervisory
	// authority is notified within this many hours (a statute, AuthorityBasis).
	AuthorityNoticeHours int    `yaml:"authority_notice_hours"`
	AuthorityBasis       string `yaml:"authority_basis"`
	// DSARPeriod: a data subject's request about the provider's own data is answered
	// within it, extendable by DSARExtension with a reasoned notice inside DSARPeriod.
	DSARPeriod    Period   `yaml:"dsar_period"`
	DSARExtension Period   `yaml:"dsar_extension"`
	DSARClauses   []string `yaml:"dsar_clauses"`
	DSARBasis     string   `yaml:"dsar_basis"`
	// ObjectionClauses: an objection to a subprocessor that is not accommodated lets
	// the customer end the affected agreements as of the change.
	ObjectionClauses []string `yaml:"objection_clauses"`
	ObjectionReading string   `yaml:"objection_reading"`
}

func (v *validator) privacy(p string, t PrivacyTerms) {
	q := p + ".privacy"
	if t.BreachNoticeHours < 1 {
		v.fail(q+".breach_notice_hours", "must be at least 1")
	}
	if t.BreachAlertHours < 1 || t.BreachAlertHours >= t.BreachNoticeHours {
		v.fail(q+".breach_alert_hours", "must be at least 1 and below breach_notice_hours")
	}
	v.clauses(q+".breach_clauses", t.BreachClauses)
	if t.AuthorityNoticeHours < 1 || t.AuthorityBasis == "" {
		v.fail(q+".authority_notice_hours", "must be at least 1, with its statutory basis in authority_basis")
	}
	v.need(q+".dsar_period", t.DSARPeriod, Days, Months)
	v.need(q+".dsar_extension", t.DSARExtension, Days, Months)
	if len(t.DSARClauses) == 0 && t.DSARBasis == "" {
		v.fail(q+".dsar_clauses", "must cite a clause id, or give a statutory basis in dsar_basis")
	} else if len(t.DSARClauses) > 0 {
		v.clauses(q+".dsar_clauses", t.DSARClauses)
	}
	v.clauses(q+".objection_clauses", t.ObjectionClauses)
}

// BreachDeadlines are the moments a breach sets.
type BreachDeadlines struct {
	NotifyBy    time.Time `json:"notify_by"`
	AlertAt     time.Time `json:"alert_at"`
	AuthorityBy time.Time `json:"authority_by,omitzero"` // only where the provider is controller
}

// Breach returns when the affected customers must be informed of a breach discovered
// at discovered, when staff are alerted, and — where the provider is itself controller
// of the data — when the authority must be notified (INTERPRETATION.md, Processor
// duties; cp.dpa.8.1, fo.dpa.4.1; AVG art. 33).
func (p *Policy) Breach(discovered time.Time, providerController bool) (BreachDeadlines, Explanation, error) {
	if discovered.IsZero() {
		return BreachDeadlines{}, nil, inputErr("discovered_at", "is required")
	}
	t := p.Terms.Privacy
	if t.BreachNoticeHours == 0 {
		return BreachDeadlines{}, nil, notInTerms("%s sets no breach notice period", p.PackName())
	}
	out := BreachDeadlines{
		NotifyBy: discovered.Add(time.Duration(t.BreachNoticeHours) * time.Hour),
		AlertAt:  discovered.Add(time.Duration(t.BreachAlertHours) * time.Hour),
	}
	var ex Explanation
	ex.add(t.BreachClauses, fmt.Sprintf("The affected customers are informed within %d hours of discovery; staff are alerted after %d hours.", t.BreachNoticeHours, t.BreachAlertHours),
		t.BreachReading, inputs("discovered", discovered.UTC().Format(time.RFC3339)), out.NotifyBy.UTC().Format(time.RFC3339))
	ex.key("privacy.breach_notice", kv{"discovered": discovered, "hours": t.BreachNoticeHours, "notify_by": out.NotifyBy, "alert_hours": t.BreachAlertHours})
	if providerController {
		out.AuthorityBy = discovered.Add(time.Duration(t.AuthorityNoticeHours) * time.Hour)
		ex.add(nil, fmt.Sprintf("The provider is itself controller of these data, so it notifies the supervisory authority within %d hours (%s).", t.AuthorityNoticeHours, t.AuthorityBasis),
			t.AuthorityBasis, inputs("discovered", discovered.UTC().Format(time.RFC3339)), out.AuthorityBy.UTC().Format(time.RFC3339))
		ex.key("privacy.breach_authority", kv{"hours": t.AuthorityNoticeHours, "authority_by": out.AuthorityBy, "basis": t.AuthorityBasis})
	}
	return out, ex, nil
}

// DSARResult is the deadline of a data subject request about the provider's own data.
type DSARResult struct {
	Due Date `json:"due"`
	// ExtendedTo is the deadline once extended; the extension must be given with
	// reasons on or before Due.
	ExtendedTo Date `json:"extended_to"`
}

// DSAR returns when a request received on received must be answered, and the latest
// deadline an extension gives (cp.privacy.rights.3; AVG art. 12(3)).
func (p *Policy) DSAR(received Date) (DSARResult, Explanation, error) {
	if err := requireDate("received", received); err != nil {
		return DSARResult{}, nil, err
	}
	t := p.Terms.Privacy
	if t.DSARPeriod.IsZero() {
		return DSARResult{}, nil, notInTerms("%s sets no period for data subject requests", p.PackName())
	}
	cal := p.Calendar()
	due := t.DSARPeriod.AddTo(received, cal)
	ext := t.DSARExtension.AddTo(due, cal)
	var ex Explanation
	ex.add(t.DSARClauses, fmt.Sprintf("A data subject's request is answered within %s of receipt; with a reasoned notice given within that period it may be extended by %s.", t.DSARPeriod.Words(), t.DSARExtension.Words()),
		t.DSARBasis, inputs("received", received, "period", t.DSARPeriod, "extension", t.DSARExtension), due)
	ex.key("privacy.dsar", kv{"received": received, "period": t.DSARPeriod, "due": due, "extension": t.DSARExtension, "extended_to": ext})
	return DSARResult{Due: due, ExtendedTo: ext}, ex, nil
}

// ObjectionResult says whether an objection to a subprocessor came in time.
type ObjectionResult struct {
	By     Date `json:"by"`
	InTime bool `json:"in_time"`
}

// SubprocessorObjection decides whether an objection received on received to a
// subprocessor the customer was informed of on informed is within the pack's window
// (cp.dpa.6.2, fo.dpa.2.2: the deadline "subprocessor-objection").
func (p *Policy) SubprocessorObjection(informed, received Date) (ObjectionResult, Explanation, error) {
	dl, ex, err := p.Deadline("subprocessor-objection", informed)
	if err != nil {
		return ObjectionResult{}, nil, err
	}
	if err := requireDate("received", received); err != nil {
		return ObjectionResult{}, nil, err
	}
	in := !received.After(dl.Deadline)
	says := "The objection was received within the period."
	if !in {
		says = "The objection was received after the period ended."
	}
	ex.add(p.Terms.Deadlines["subprocessor-objection"].Clauses, says, "", inputs("received", received, "objection_by", dl.Deadline), in)
	ex.key("privacy.objection_in_time", kv{"received": received, "by": dl.Deadline, "in_time": fmt.Sprint(in)})
	if !in {
		ex.key("privacy.objection_late", kv{"received": received, "by": dl.Deadline})
	}
	return ObjectionResult{By: dl.Deadline, InTime: in}, ex, nil
}
