package privacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// A customer's audit of the provider as processor (C11). The pack decides what comes
// first — the existing reports (cp.dpa.11.2) or a written suspicion (fo.dpa.7.1) —,
// the notice, the once per rolling 12 months and whether a repeat may be answered
// with the report (fo.dpa.7.2); terms.Policy.AuditSchedule decides and its
// explanation is kept with the audit. Findings are tracked to their resolution
// (cp.dpa.11.4); the costs are the customer's (cp.dpa.11.5, fo.dpa.7.4).

// Audit states.
const (
	AuditRequested      = "requested"
	AuditReportsOffered = "reports_offered"
	AuditJustified      = "justified"
	AuditWithdrawn      = "withdrawn"
	AuditRefused        = "refused"
	AuditScheduled      = "scheduled"
	AuditInProgress     = "in_progress"
	AuditFindings       = "findings"
	AuditClosed         = "closed"
)

// Who implements a finding (cp.dpa.11.4).
const (
	ImplementsProvider = "provider"
	ImplementsCustomer = "customer"
	ImplementsBoth     = "both"
)

// Finding states.
const (
	FindingOpen     = "open"
	FindingResolved = "resolved"
)

// Audit is a customer's audit request and the audit it becomes.
type Audit struct {
	ID               int64             `json:"id"`
	OrgID            int64             `json:"org_id"`
	Status           string            `json:"status"`
	Precondition     string            `json:"precondition"`
	Reasons          string            `json:"reasons"`
	Insufficiency    string            `json:"insufficiency,omitempty"`
	RequestedAt      time.Time         `json:"requested_at"`
	RequestedOn      terms.Date        `json:"requested_on"`
	JustifiedOn      terms.Date        `json:"justified_on,omitzero"`
	AnswerWithReport bool              `json:"answer_with_report"`
	ScheduledOn      terms.Date        `json:"scheduled_on,omitzero"`
	ScheduledTime    string            `json:"scheduled_time,omitempty"`
	Scope            string            `json:"scope,omitempty"`
	Auditor          string            `json:"auditor,omitempty"`
	InformationBy    terms.Date        `json:"information_by,omitzero"`
	Refusal          string            `json:"refusal,omitempty"`
	Conclusion       string            `json:"conclusion,omitempty"`
	ClosedAt         time.Time         `json:"closed_at,omitzero"`
	Explanation      terms.Explanation `json:"explanation"`
	Findings         []Finding         `json:"findings,omitempty"`
}

// Open reports whether the audit still runs (not withdrawn, refused or closed).
func (a Audit) Open() bool {
	return a.Status != AuditWithdrawn && a.Status != AuditRefused && a.Status != AuditClosed
}

// MayJustify: the reports were offered and the customer may now argue why they are
// insufficient (cp.dpa.11.2); a repeat answered with the report may not (fo.dpa.7.2).
func (a Audit) MayJustify() bool {
	return a.Status == AuditReportsOffered && a.Precondition == terms.AuditReportsFirst && !a.AnswerWithReport
}

// MayWithdraw: before the audit is scheduled.
func (a Audit) MayWithdraw() bool {
	return a.Status == AuditRequested || a.Status == AuditReportsOffered || a.Status == AuditJustified
}

// OpenFindings counts the findings not yet resolved.
func (a Audit) OpenFindings() int {
	n := 0
	for _, f := range a.Findings {
		if f.Status == FindingOpen {
			n++
		}
	}
	return n
}

// Finding is one finding of an audit, tracked to its resolution.
type Finding struct {
	ID          int64      `json:"id"`
	AuditID     int64      `json:"audit_id"`
	OrgID       int64      `json:"org_id"`
	Description string     `json:"description"`
	Implements  string     `json:"implements"`
	DueOn       terms.Date `json:"due_on"`
	Status      string     `json:"status"`
	Resolution  string     `json:"resolution,omitempty"`
	ResolvedAt  time.Time  `json:"resolved_at,omitzero"`
}

// AuditReport is an existing audit report the provider offers.
type AuditReport struct {
	ID       int64      `json:"id"`
	Title    string     `json:"title"`
	IssuedOn terms.Date `json:"issued_on"`
	Body     string     `json:"body"`
}

// AuditReportInput publishes a report.
type AuditReportInput struct {
	Title    string
	IssuedOn terms.Date
	Body     string
}

// AuditPlan is what the parties agreed for the audit (fo.dpa.7.3: date, time and
// scope jointly).
type AuditPlan struct {
	On      terms.Date
	Time    string
	Scope   string
	Auditor string // the independent expert bound by confidentiality (cp.dpa.11.1, fo.dpa.7.1)
}

// FindingInput records a finding.
type FindingInput struct {
	Description string
	Implements  string
	Due         terms.Date
}

func needText(field, key string, v *string, max int) error {
	*v = strings.TrimSpace(*v)
	if *v == "" || len(*v) > max {
		return invalid(field, key)
	}
	return nil
}

// --- reports ---

// PublishAuditReport adds an existing audit report to those offered to customers.
func (s *Service) PublishAuditReport(ctx context.Context, by accounts.Principal, in AuditReportInput) (AuditReport, error) {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return AuditReport{}, err
	}
	if err := needText("title", "privacy.audit.give_title", &in.Title, 200); err != nil {
		return AuditReport{}, err
	}
	if err := needText("body", "privacy.audit.give_body", &in.Body, 100000); err != nil {
		return AuditReport{}, err
	}
	if in.IssuedOn.IsZero() || in.IssuedOn.After(s.today()) {
		return AuditReport{}, invalid("issued_on", "privacy.audit.give_issued")
	}
	ctx = actorFor(ctx, by)
	var id int64
	err := s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if err := q.QueryRowContext(ctx, `INSERT INTO privacy_audit_reports (title, issued_on, body, published_by, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			in.Title, in.IssuedOn, in.Body, by.User.ID, now).Scan(&id); err != nil {
			return err
		}
		return record(ctx, q, now, 0, "audit_report.publish", "audit_report", id, fmt.Sprintf("audit report %q of %s published", in.Title, in.IssuedOn))
	})
	if err != nil {
		return AuditReport{}, err
	}
	return AuditReport{ID: id, Title: in.Title, IssuedOn: in.IssuedOn, Body: in.Body}, nil
}

// AuditReports lists the existing reports, newest first: for staff (orgID 0), or for
// a customer who has asked for an audit — the reports are offered to those who ask
// (cp.dpa.11.2, fo.dpa.7.2). Without a request the list is empty.
func (s *Service) AuditReports(ctx context.Context, by accounts.Principal, orgID int64) ([]AuditReport, error) {
	if err := s.mayReadReports(ctx, by, orgID); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil, nil
		}
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, title, issued_on, '' FROM privacy_audit_reports ORDER BY issued_on DESC, id DESC LIMIT 100`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditReport
	for rows.Next() {
		var r AuditReport
		if err := rows.Scan(&r.ID, &r.Title, &r.IssuedOn, &r.Body); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AuditReportFor is one report with its text, under the rule of AuditReports.
func (s *Service) AuditReportFor(ctx context.Context, by accounts.Principal, orgID, id int64) (AuditReport, error) {
	if err := s.mayReadReports(ctx, by, orgID); err != nil {
		return AuditReport{}, err
	}
	var r AuditReport
	err := s.db.QueryRowContext(ctx, `SELECT id, title, issued_on, body FROM privacy_audit_reports WHERE id = $1`, id).Scan(&r.ID, &r.Title, &r.IssuedOn, &r.Body)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrNotFound
	}
	return r, err
}

func (s *Service) mayReadReports(ctx context.Context, by accounts.Principal, orgID int64) error {
	if orgID == 0 {
		return by.Check(accounts.PrivacyRead, accounts.Provider)
	}
	if err := by.CheckAny(accounts.OrgID(orgID), accounts.PrivacyNotices, accounts.PrivacyRead); err != nil {
		return err
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM privacy_audits WHERE org_id = $1`, orgID).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

// --- requests ---

// processorKinds are the kinds of service in which the provider processes the
// customer's data (the register's processor activities).
func processorKinds() []string {
	var out []string
	for _, a := range seedActivities {
		if a.role == RoleProcessor {
			for _, k := range a.in.Kinds {
				if !slices.Contains(out, k) {
					out = append(out, k)
				}
			}
		}
	}
	return out
}

// processorCustomer reports whether orgID has a processing agreement with the
// provider: a business customer (fo.dpa applies to business customers) with a
// running service in which the provider processes its data.
func (s *Service) processorCustomer(ctx context.Context, q store.Querier, by accounts.Principal, orgID int64) error {
	if by.Org != nil && by.Org.ID == orgID && by.Org.Kind != accounts.Business {
		return invalid("reasons", "privacy.audit.not_processor")
	}
	if s.d.Subscriptions == nil {
		return nil
	}
	aff, err := s.d.Subscriptions.RunningOfKinds(ctx, q, processorKinds(), s.today())
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(aff, func(a Affected) bool { return a.OrgID == orgID }) {
		return invalid("reasons", "privacy.audit.not_processor")
	}
	return nil
}

// previousAudits are the days of orgID's audits that were scheduled or held, other
// than except.
func previousAudits(ctx context.Context, q store.Querier, orgID, except int64) ([]terms.Date, error) {
	rows, err := q.QueryContext(ctx, `SELECT scheduled_on FROM privacy_audits WHERE org_id = $1 AND id <> $2 AND scheduled_on IS NOT NULL
		AND status IN ('scheduled', 'in_progress', 'findings', 'closed') ORDER BY scheduled_on`, orgID, except)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []terms.Date
	for rows.Next() {
		var d terms.Date
		if err := rows.Scan(&d); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RequestAudit records a customer's audit request with its reasons and scope. Under
// cp the existing reports are offered at once (cp.dpa.11.2); under fo the reasons are
// the written suspicion (fo.dpa.7.1) and the request waits for staff, unless an audit
// took place within the interval: then the report is offered instead (fo.dpa.7.2).
func (s *Service) RequestAudit(ctx context.Context, by accounts.Principal, orgID int64, reasons string) (Audit, error) {
	if err := by.Check(accounts.PrivacyAuditRequest, accounts.OrgID(orgID)); err != nil {
		return Audit{}, err
	}
	if err := needText("reasons", "privacy.audit.give_reasons", &reasons, 4000); err != nil {
		return Audit{}, err
	}
	pol, err := s.policy()
	if err != nil {
		return Audit{}, err
	}
	ctx = actorFor(ctx, by)
	var id int64
	err = s.db.InTx(ctx, func(q store.Querier) error {
		if err := s.processorCustomer(ctx, q, by, orgID); err != nil {
			return err
		}
		prev, err := previousAudits(ctx, q, orgID, 0)
		if err != nil {
			return err
		}
		today := s.today()
		res, ex, err := pol.AuditSchedule(terms.AuditScheduleInput{Requested: today, Previous: prev})
		if err != nil {
			return err
		}
		status, justified := AuditReportsOffered, terms.Date{}
		if res.Precondition == terms.AuditSuspicion && !res.AnswerWithReport {
			status, justified = AuditJustified, today
		}
		now := s.now()
		err = q.QueryRowContext(ctx, `INSERT INTO privacy_audits (org_id, status, precondition, reasons, requested_at, requested_on, justified_on, answer_with_report, explanation, updated_at, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $5, $5) RETURNING id`, orgID, status, res.Precondition, reasons, now, today, justified, res.AnswerWithReport, exJSON(ex)).Scan(&id)
		if store.IsUniqueViolation(err) {
			return invalid("reasons", "privacy.audit.already_open")
		}
		if err != nil {
			return err
		}
		if err := record(ctx, q, now, orgID, "audit.request", "privacy_audit", id, "audit requested"); err != nil {
			return err
		}
		if status == AuditReportsOffered {
			why := "the existing audit reports are offered first"
			if res.AnswerWithReport {
				why = "an audit took place within the interval; the relevant parts of its report are offered"
			}
			return record(ctx, q, now, orgID, "audit.reports_offered", "privacy_audit", id, why)
		}
		if err := record(ctx, q, now, orgID, "audit.justify", "privacy_audit", id, "the request states a written suspicion of breach"); err != nil {
			return err
		}
		return s.alertAuditWaits(ctx, q, now, id, orgID)
	})
	if err != nil {
		return Audit{}, err
	}
	return s.audit(ctx, s.db, id)
}

// JustifyAudit records why the offered reports are insufficient: the request becomes
// a justified audit request and waits for staff to schedule it (cp.dpa.11.2).
func (s *Service) JustifyAudit(ctx context.Context, by accounts.Principal, id int64, insufficiency string) error {
	a, err := s.audit(ctx, s.db, id)
	if err != nil {
		return err
	}
	if err := by.Check(accounts.PrivacyAuditRequest, accounts.OrgID(a.OrgID)); err != nil {
		return err
	}
	if !a.MayJustify() {
		return invalid("insufficiency", "privacy.audit.wrong_state")
	}
	if err := needText("insufficiency", "privacy.audit.give_insufficiency", &insufficiency, 4000); err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if err := s.move(ctx, q, id, now, []string{AuditReportsOffered}, AuditJustified, `insufficiency = $4, justified_on = $5`, insufficiency, s.today()); err != nil {
			return err
		}
		if err := record(ctx, q, now, a.OrgID, "audit.justify", "privacy_audit", id, "the customer explained why the existing reports are insufficient"); err != nil {
			return err
		}
		return s.alertAuditWaits(ctx, q, now, id, a.OrgID)
	})
}

// WithdrawAudit is the customer withdrawing its request before it is scheduled.
func (s *Service) WithdrawAudit(ctx context.Context, by accounts.Principal, id int64) error {
	a, err := s.audit(ctx, s.db, id)
	if err != nil {
		return err
	}
	if err := by.Check(accounts.PrivacyAuditRequest, accounts.OrgID(a.OrgID)); err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if err := s.move(ctx, q, id, now, []string{AuditRequested, AuditReportsOffered, AuditJustified}, AuditWithdrawn, `closed_at = $2`); err != nil {
			return err
		}
		return record(ctx, q, now, a.OrgID, "audit.withdraw", "privacy_audit", id, "audit request withdrawn")
	})
}

// RefuseAudit is staff refusing a request with reasons: no substantiated suspicion
// (fo.dpa.7.1), or arguments that do not show the reports insufficient
// (cp.dpa.11.2). The customer is told by mail.
func (s *Service) RefuseAudit(ctx context.Context, by accounts.Principal, id int64, reason string) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	if err := needText("refusal", "privacy.audit.give_refusal", &reason, 4000); err != nil {
		return err
	}
	a, err := s.audit(ctx, s.db, id)
	if err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if err := s.move(ctx, q, id, now, []string{AuditRequested, AuditReportsOffered, AuditJustified}, AuditRefused, `refusal = $4, closed_at = $2`, reason); err != nil {
			return err
		}
		if err := record(ctx, q, now, a.OrgID, "audit.refuse", "privacy_audit", id, "audit request refused with reasons"); err != nil {
			return err
		}
		a.Refusal = reason
		return s.mailAudit(ctx, q, now, a, "refused")
	})
}

// ScheduleAudit fixes the agreed date, time and scope (fo.dpa.7.3) after the terms
// allow the day: the notice after the request (cp.dpa.11.2) and 12 months after the
// previous audit. The information the auditor needs is due by the pack's deadline
// (cp.dpa.11.3). The customer gets the schedule by mail.
func (s *Service) ScheduleAudit(ctx context.Context, by accounts.Principal, id int64, plan AuditPlan) (terms.Explanation, error) {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return nil, err
	}
	plan.Time = strings.TrimSpace(plan.Time)
	if _, err := time.Parse("15:04", plan.Time); err != nil {
		return nil, invalid("time", "privacy.audit.give_time")
	}
	if err := needText("scope", "privacy.audit.give_scope", &plan.Scope, 4000); err != nil {
		return nil, err
	}
	if err := needText("auditor", "privacy.audit.give_auditor", &plan.Auditor, 200); err != nil {
		return nil, err
	}
	if plan.On.IsZero() {
		return nil, invalid("on", "privacy.audit.give_date")
	}
	a, err := s.audit(ctx, s.db, id)
	if err != nil {
		return nil, err
	}
	if a.Status != AuditJustified {
		return nil, invalid("on", "privacy.audit.wrong_state")
	}
	pol, err := s.policy()
	if err != nil {
		return nil, err
	}
	ctx = actorFor(ctx, by)
	var ex terms.Explanation
	err = s.db.InTx(ctx, func(q store.Querier) error {
		prev, err := previousAudits(ctx, q, a.OrgID, id)
		if err != nil {
			return err
		}
		var res terms.AuditScheduleResult
		res, ex, err = pol.AuditSchedule(terms.AuditScheduleInput{Requested: a.JustifiedOn, Previous: prev, Proposed: plan.On})
		if err != nil {
			return err
		}
		if !res.Allowed {
			return invalid("on", "privacy.audit.too_early", res.Earliest)
		}
		now := s.now()
		if err := s.move(ctx, q, id, now, []string{AuditJustified}, AuditScheduled,
			`scheduled_on = $4, scheduled_time = $5, agreed_scope = $6, auditor = $7, information_by = $8, explanation = $9`,
			plan.On, plan.Time, plan.Scope, plan.Auditor, res.InformationBy, exJSON(ex)); err != nil {
			return err
		}
		if err := record(ctx, q, now, a.OrgID, "audit.schedule", "privacy_audit", id, fmt.Sprintf("audit scheduled on %s %s", plan.On, plan.Time)); err != nil {
			return err
		}
		a.ScheduledOn, a.ScheduledTime, a.Scope, a.Auditor, a.InformationBy = plan.On, plan.Time, plan.Scope, plan.Auditor, res.InformationBy
		return s.mailAudit(ctx, q, now, a, "scheduled")
	})
	return ex, err
}

// StartAudit records that the scheduled audit has begun (not before its day).
func (s *Service) StartAudit(ctx context.Context, by accounts.Principal, id int64) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	a, err := s.audit(ctx, s.db, id)
	if err != nil {
		return err
	}
	if a.Status == AuditScheduled && s.today().Before(a.ScheduledOn) {
		return invalid("audit", "privacy.audit.not_yet", a.ScheduledOn)
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if err := s.move(ctx, q, id, now, []string{AuditScheduled}, AuditInProgress, ``); err != nil {
			return err
		}
		return record(ctx, q, now, a.OrgID, "audit.start", "privacy_audit", id, "audit in progress")
	})
}

// AddFinding records a finding of an audit in progress and who implements it, as the
// parties agreed (cp.dpa.11.4).
func (s *Service) AddFinding(ctx context.Context, by accounts.Principal, auditID int64, in FindingInput) (Finding, error) {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return Finding{}, err
	}
	if err := needText("description", "privacy.audit.give_finding", &in.Description, 4000); err != nil {
		return Finding{}, err
	}
	if in.Implements != ImplementsProvider && in.Implements != ImplementsCustomer && in.Implements != ImplementsBoth {
		return Finding{}, invalid("implements", "privacy.audit.choose_implements")
	}
	if in.Due.IsZero() {
		return Finding{}, invalid("due", "privacy.audit.give_due")
	}
	a, err := s.audit(ctx, s.db, auditID)
	if err != nil {
		return Finding{}, err
	}
	ctx = actorFor(ctx, by)
	var id int64
	err = s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		if err := s.move(ctx, q, auditID, now, []string{AuditInProgress, AuditFindings}, AuditFindings, ``); err != nil {
			return err
		}
		if err := q.QueryRowContext(ctx, `INSERT INTO privacy_audit_findings (audit_id, org_id, description, implements, due_on, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			auditID, a.OrgID, in.Description, in.Implements, in.Due, now).Scan(&id); err != nil {
			return err
		}
		return record(ctx, q, now, a.OrgID, "audit.finding", "privacy_audit_finding", id, fmt.Sprintf("finding of audit %d recorded, implemented by %s, due %s", auditID, in.Implements, in.Due))
	})
	if err != nil {
		return Finding{}, err
	}
	return Finding{ID: id, AuditID: auditID, OrgID: a.OrgID, Description: in.Description, Implements: in.Implements, DueOn: in.Due, Status: FindingOpen}, nil
}

// ResolveFinding records how a finding was resolved.
func (s *Service) ResolveFinding(ctx context.Context, by accounts.Principal, findingID int64, resolution string) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	if err := needText("resolution", "privacy.audit.give_resolution", &resolution, 4000); err != nil {
		return err
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var orgID, auditID int64
		err := q.QueryRowContext(ctx, `UPDATE privacy_audit_findings SET status = 'resolved', resolution = $1, resolved_at = $2 WHERE id = $3 AND status = 'open' RETURNING org_id, audit_id`,
			resolution, now, findingID).Scan(&orgID, &auditID)
		if errors.Is(err, sql.ErrNoRows) {
			return invalid("resolution", "privacy.audit.finding_resolved_or_missing")
		}
		if err != nil {
			return err
		}
		return record(ctx, q, now, orgID, "audit.finding_resolve", "privacy_audit_finding", findingID, fmt.Sprintf("finding of audit %d resolved", auditID))
	})
}

// CloseAudit closes an audit whose findings are all resolved, with its conclusion;
// the customer gets it by mail.
func (s *Service) CloseAudit(ctx context.Context, by accounts.Principal, id int64, conclusion string) error {
	if err := by.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	if err := needText("conclusion", "privacy.audit.give_conclusion", &conclusion, 4000); err != nil {
		return err
	}
	a, err := s.audit(ctx, s.db, id)
	if err != nil {
		return err
	}
	if a.OpenFindings() > 0 {
		return invalid("conclusion", "privacy.audit.findings_open", a.OpenFindings())
	}
	ctx = actorFor(ctx, by)
	return s.db.InTx(ctx, func(q store.Querier) error {
		now := s.now()
		var open int
		if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM privacy_audit_findings WHERE audit_id = $1 AND status = 'open'`, id).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return invalid("conclusion", "privacy.audit.findings_open", open)
		}
		if err := s.move(ctx, q, id, now, []string{AuditInProgress, AuditFindings}, AuditClosed, `conclusion = $4, closed_at = $2`, conclusion); err != nil {
			return err
		}
		if err := record(ctx, q, now, a.OrgID, "audit.close", "privacy_audit", id, fmt.Sprintf("audit closed with %d findings", len(a.Findings))); err != nil {
			return err
		}
		a.Conclusion = conclusion
		return s.mailAudit(ctx, q, now, a, "closed")
	})
}

// move changes an audit's status from one of from (the state constants) to to,
// setting set as well ($1 is to, $2 now, $3 the id; set's own arguments start at $4).
func (s *Service) move(ctx context.Context, q store.Querier, id int64, now time.Time, from []string, to, set string, args ...any) error {
	if set != "" {
		set = ", " + set
	}
	var got int64
	err := q.QueryRowContext(ctx, `UPDATE privacy_audits SET status = $1, updated_at = $2`+set+` WHERE id = $3 AND status IN ('`+strings.Join(from, "', '")+`') RETURNING id`,
		append([]any{to, now, id}, args...)...).Scan(&got)
	if errors.Is(err, sql.ErrNoRows) {
		return invalid("audit", "privacy.audit.wrong_state")
	}
	return err
}

// --- reading ---

const auditCols = `id, org_id, status, precondition, reasons, insufficiency, requested_at, requested_on, justified_on, answer_with_report, scheduled_on,
	scheduled_time, agreed_scope, auditor, information_by, refusal, conclusion, closed_at, explanation`

func scanAudit(sc interface{ Scan(...any) error }) (Audit, error) {
	var a Audit
	var closed sql.NullTime
	var ex string
	if err := sc.Scan(&a.ID, &a.OrgID, &a.Status, &a.Precondition, &a.Reasons, &a.Insufficiency, &a.RequestedAt, &a.RequestedOn, &a.JustifiedOn, &a.AnswerWithReport,
		&a.ScheduledOn, &a.ScheduledTime, &a.Scope, &a.Auditor, &a.InformationBy, &a.Refusal, &a.Conclusion, &closed, &ex); err != nil {
		return a, err
	}
	a.ClosedAt = closed.Time
	var err error
	a.Explanation, err = parseEx(fmt.Sprintf("audit %d", a.ID), ex)
	return a, err
}

func (s *Service) audit(ctx context.Context, q store.Querier, id int64) (Audit, error) {
	a, err := scanAudit(q.QueryRowContext(ctx, `SELECT `+auditCols+` FROM privacy_audits WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, err
	}
	a.Findings, err = findingsOf(ctx, q, id)
	return a, err
}

func findingsOf(ctx context.Context, q store.Querier, auditID int64) ([]Finding, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, audit_id, org_id, description, implements, due_on, status, resolution, resolved_at FROM privacy_audit_findings WHERE audit_id = $1 ORDER BY id`, auditID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Finding
	for rows.Next() {
		var f Finding
		var at sql.NullTime
		if err := rows.Scan(&f.ID, &f.AuditID, &f.OrgID, &f.Description, &f.Implements, &f.DueOn, &f.Status, &f.Resolution, &at); err != nil {
			return nil, err
		}
		f.ResolvedAt = at.Time
		out = append(out, f)
	}
	return out, rows.Err()
}

// GetAudit is one audit with its findings, for staff or its own customer.
func (s *Service) GetAudit(ctx context.Context, by accounts.Principal, id int64) (Audit, error) {
	a, err := s.audit(ctx, s.db, id)
	if err != nil {
		return a, err
	}
	if err := by.CheckAny(accounts.OrgID(a.OrgID), accounts.PrivacyNotices, accounts.PrivacyRead); err != nil {
		return Audit{}, err
	}
	return a, nil
}

// Audits lists an organisation's audits with their findings, newest first.
func (s *Service) Audits(ctx context.Context, by accounts.Principal, orgID int64) ([]Audit, error) {
	if err := by.CheckAny(accounts.OrgID(orgID), accounts.PrivacyNotices, accounts.PrivacyRead); err != nil {
		return nil, err
	}
	return s.auditList(ctx, `WHERE org_id = $1 ORDER BY id DESC LIMIT 50`, orgID)
}

// StaffAudits lists audits for staff, newest first, before the id before (0: from the
// newest), up to limit; open only when open is set.
func (s *Service) StaffAudits(ctx context.Context, by accounts.Principal, open bool, before int64, limit int) ([]Audit, error) {
	if err := by.Check(accounts.PrivacyRead, accounts.Provider); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	if before <= 0 {
		before = 1 << 62
	}
	where := `WHERE id < $1`
	if open {
		where += ` AND status NOT IN ('withdrawn', 'refused', 'closed')`
	}
	return s.auditList(ctx, where+` ORDER BY id DESC LIMIT $2`, before, limit)
}

func (s *Service) auditList(ctx context.Context, where string, args ...any) ([]Audit, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+auditCols+` FROM privacy_audits `+where, args...)
	if err != nil {
		return nil, err
	}
	var out []Audit
	for rows.Next() {
		a, err := scanAudit(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Findings, err = findingsOf(ctx, s.db, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// --- mail ---

// alertAuditWaits tells staff a justified request waits to be scheduled.
func (s *Service) alertAuditWaits(ctx context.Context, q store.Querier, now time.Time, id, orgID int64) error {
	to := s.staffAddress()
	if to == "" {
		return nil
	}
	_, err := notify.Enqueue(ctx, q, now, notify.Message{DedupeKey: fmt.Sprintf("privacy-audit-waits:%d", id), To: to, Lang: "nl",
		Subject: fmt.Sprintf("Auditverzoek #%d wacht op planning / audit request waits to be scheduled", id),
		Text: fmt.Sprintf("Auditverzoek #%d van klant %d is gerechtvaardigd en wacht op een datum, tijd en reikwijdte.\nAudit request #%d of customer %d is justified and waits for a date, time and scope.\n%s/staff/privacy/audits/%d\n",
			id, orgID, id, orgID, s.d.BaseURL, id)})
	if errors.Is(err, notify.ErrDuplicate) {
		return nil
	}
	return err
}

// mailAudit tells the customer an audit was scheduled, closed or refused, in its
// language.
func (s *Service) mailAudit(ctx context.Context, q store.Querier, now time.Time, a Audit, what string) error {
	if s.d.Customers == nil {
		return nil
	}
	to, err := s.d.Customers.Contact(ctx, q, a.OrgID)
	if err != nil {
		return err
	}
	if to.Email == "" {
		return nil
	}
	l := lang(to.Lang)
	link := fmt.Sprintf("%s/portal/privacy/audits/%d", s.d.BaseURL, a.ID)
	var subject, body string
	switch what + "/" + l {
	case "scheduled/nl":
		subject = fmt.Sprintf("Je audit is gepland op %s", a.ScheduledOn.In("nl"))
		body = fmt.Sprintf("Beste %s,\n\nDe audit die je hebt aangevraagd (#%d) vindt plaats op %s om %s, uitgevoerd door %s.\n\nAfgesproken reikwijdte:\n%s\n\n",
			to.Name, a.ID, a.ScheduledOn.In("nl"), a.ScheduledTime, a.Auditor, a.Scope)
		if !a.InformationBy.IsZero() {
			body += fmt.Sprintf("De informatie die de auditor nodig heeft, leveren we uiterlijk %s.\n", a.InformationBy.In("nl"))
		}
		body += fmt.Sprintf("De kosten van de audit en van de auditor zijn voor jou. Behandel de audit en de resultaten vertrouwelijk.\n\n%s\n\nMet vriendelijke groet,\n%s\n", link, s.d.Provider)
	case "scheduled/en":
		subject = fmt.Sprintf("Your audit is scheduled on %s", a.ScheduledOn.In("en"))
		body = fmt.Sprintf("Dear %s,\n\nThe audit you requested (#%d) takes place on %s at %s, carried out by %s.\n\nAgreed scope:\n%s\n\n",
			to.Name, a.ID, a.ScheduledOn.In("en"), a.ScheduledTime, a.Auditor, a.Scope)
		if !a.InformationBy.IsZero() {
			body += fmt.Sprintf("We supply the information the auditor needs by %s.\n", a.InformationBy.In("en"))
		}
		body += fmt.Sprintf("The costs of the audit and of the auditor are yours. Please treat the audit and its results as confidential.\n\n%s\n\nKind regards,\n%s\n", link, s.d.Provider)
	case "closed/nl":
		subject = fmt.Sprintf("Je audit #%d is afgerond", a.ID)
		body = fmt.Sprintf("Beste %s,\n\nDe audit (#%d) is afgerond. Alle bevindingen zijn afgehandeld.\n\nConclusie:\n%s\n\nDe bevindingen en hun afhandeling staan in het portaal:\n%s\n\nMet vriendelijke groet,\n%s\n",
			to.Name, a.ID, a.Conclusion, link, s.d.Provider)
	case "closed/en":
		subject = fmt.Sprintf("Your audit #%d is closed", a.ID)
		body = fmt.Sprintf("Dear %s,\n\nThe audit (#%d) is closed. Every finding has been resolved.\n\nConclusion:\n%s\n\nThe findings and how they were resolved are in the portal:\n%s\n\nKind regards,\n%s\n",
			to.Name, a.ID, a.Conclusion, link, s.d.Provider)
	case "refused/nl":
		subject = fmt.Sprintf("Je auditverzoek #%d", a.ID)
		body = fmt.Sprintf("Beste %s,\n\nWe kunnen je auditverzoek (#%d) niet honoreren, om deze reden:\n%s\n\n%s\n\nMet vriendelijke groet,\n%s\n", to.Name, a.ID, a.Refusal, link, s.d.Provider)
	default:
		subject = fmt.Sprintf("Your audit request #%d", a.ID)
		body = fmt.Sprintf("Dear %s,\n\nWe cannot grant your audit request (#%d), for this reason:\n%s\n\n%s\n\nKind regards,\n%s\n", to.Name, a.ID, a.Refusal, link, s.d.Provider)
	}
	_, err = notifyEnqueue(ctx, q, now, fmt.Sprintf("privacy-audit-%s:%d", what, a.ID), a.OrgID, to, l, subject, body)
	return err
}

// AuditPrecondition is what the terms ask before an audit today: terms.AuditReportsFirst
// or terms.AuditSuspicion (the portal words its form by it).
func (s *Service) AuditPrecondition() string {
	pol, err := s.policy()
	if err != nil {
		return ""
	}
	return pol.Terms.Audit.Precondition
}
