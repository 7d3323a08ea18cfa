package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/terms"
)

// Customer audits of the provider as processor (issue 12; C11): the portal's request,
// the offered reports, the arguments, the schedule and the findings; staff publish
// reports, refuse, schedule, record and resolve findings and close. The service and
// the terms decide what may happen when.

func (s *server) privacyAuditRoutes(staff, portal func(string, handlerFunc)) {
	portal("GET /portal/privacy/audits", s.portalAudits)
	portal("POST /portal/privacy/audits", s.portalAuditRequest)
	portal("GET /portal/privacy/audits/{id}", s.portalAudit)
	portal("POST /portal/privacy/audits/{id}/justify", s.portalAuditJustify)
	portal("GET /portal/privacy/audits/{id}/withdraw", s.confirmGet(s.withdrawAuditPage))
	portal("POST /portal/privacy/audits/{id}/withdraw", s.confirmPost(s.withdrawAuditPage, nil, s.withdrawAuditAct))
	portal("GET /portal/privacy/audits/{id}/file", s.portalAuditReport)
	staff("GET /staff/privacy/audits", s.staffDPAAudits)
	staff("GET /staff/privacy/audits/reports/new", s.privForm(auditReportForm))
	staff("POST /staff/privacy/audits/reports/new", s.privPost(auditReportForm))
	staff("GET /staff/privacy/audits/{id}", s.staffDPAAudit)
	staff("POST /staff/privacy/audits/{id}/refuse", s.staffAuditAct("refuse"))
	staff("POST /staff/privacy/audits/{id}/schedule", s.staffAuditAct("schedule"))
	staff("POST /staff/privacy/audits/{id}/start", s.staffAuditAct("start"))
	staff("POST /staff/privacy/audits/{id}/findings", s.staffAuditAct("finding"))
	staff("POST /staff/privacy/audits/{id}/close", s.staffAuditAct("close"))
	staff("POST /staff/privacy/audits/{id}/findings/{finding}/resolve", s.staffAuditAct("resolve"))
}

// dpaAuditView is one audit as the portal and the staff page show it.
type dpaAuditView struct {
	A         privacy.Audit
	Reports   []privacy.AuditReport
	Error     string
	CanAct    bool // the customer may justify or withdraw; staff may manage
	Suspicion bool
	Implement []string
}

type portalAuditsView struct {
	Audits    []privacy.Audit
	CanAsk    bool
	HasOpen   bool
	Suspicion bool // the pack asks for a written suspicion (fo.dpa.7.1)
	Error     string
}

func (s *server) portalAudits(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.renderPortalAudits(w, r, p, "", http.StatusOK)
}

func (s *server) renderPortalAudits(w http.ResponseWriter, r *http.Request, p *accounts.Principal, msg string, status int) error {
	list, err := s.priv.Audits(r.Context(), *p, p.Org.ID)
	if err != nil {
		return err
	}
	v := portalAuditsView{Audits: list, Error: msg, CanAsk: p.Can(accounts.PrivacyAuditRequest, accounts.OrgID(p.Org.ID)) && p.Org.Kind == accounts.Business}
	for _, a := range list {
		v.HasOpen = v.HasOpen || a.Open()
	}
	v.Suspicion = s.priv.AuditPrecondition() == terms.AuditSuspicion
	pg := s.newPage(w, r, "privacy.audits.title")
	pg.Nav = "privacy"
	pg.Data = v
	s.render(w, status, "portal_privacy_audits", pg)
	return nil
}

func (s *server) portalAuditRequest(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	lang := s.language(r, p)
	f, err := s.readForm(r, lang)
	if err != nil {
		return err
	}
	a, err := s.priv.RequestAudit(r.Context(), *p, p.Org.ID, f.Get("reasons"))
	if msg, ok := fieldMessage(lang, err); ok {
		return s.renderPortalAudits(w, r, p, msg, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	s.flash(w, "privacy_audit_requested")
	s.redirect(w, r, fmt.Sprintf("/portal/privacy/audits/%d", a.ID))
	return nil
}

// fieldMessage is a service's field errors as one sentence in lang.
func fieldMessage(lang string, err error) (string, bool) {
	var fe accounts.FieldErrors
	if !errors.As(err, &fe) {
		return "", false
	}
	var msgs []string
	for _, m := range fe {
		msgs = append(msgs, say(lang, m))
	}
	return strings.Join(msgs, " "), true
}

func (s *server) portalAudit(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.renderAudit(w, r, p, id, "", http.StatusOK, "portal_privacy_audit")
}

func (s *server) renderAudit(w http.ResponseWriter, r *http.Request, p *accounts.Principal, id int64, msg string, status int, tmpl string) error {
	a, err := s.priv.GetAudit(r.Context(), *p, id)
	if err != nil {
		return err
	}
	v := dpaAuditView{A: a, Error: msg, Suspicion: a.Precondition == terms.AuditSuspicion,
		Implement: []string{privacy.ImplementsProvider, privacy.ImplementsCustomer, privacy.ImplementsBoth}}
	if tmpl == "staff_privacy_audit" {
		v.CanAct = p.Can(accounts.PrivacyManage, accounts.Provider)
		if p.Can(accounts.PrivacyRead, accounts.Provider) {
			if v.Reports, err = s.priv.AuditReports(r.Context(), *p, 0); err != nil {
				return err
			}
		}
	} else {
		v.CanAct = p.Can(accounts.PrivacyAuditRequest, accounts.OrgID(a.OrgID))
		if v.Reports, err = s.priv.AuditReports(r.Context(), *p, a.OrgID); err != nil {
			return err
		}
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = pg.T("privacy.audit.title", a.ID), "privacy"
	pg.Data = v
	s.render(w, status, tmpl, pg)
	return nil
}

// portalAuditJustify records why the offered reports are not enough (cp.dpa.11.2).
func (s *server) portalAuditJustify(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, lang, f, err := s.idForm(r, p)
	if err != nil {
		return err
	}
	err = s.priv.JustifyAudit(r.Context(), *p, id, f.Get("insufficiency"))
	if msg, ok := fieldMessage(lang, err); ok {
		return s.renderAudit(w, r, p, id, msg, http.StatusUnprocessableEntity, "portal_privacy_audit")
	}
	if err != nil {
		return err
	}
	s.flash(w, "privacy_audit_justify")
	s.redirect(w, r, fmt.Sprintf("/portal/privacy/audits/%d", id))
	return nil
}

func (s *server) withdrawAuditPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	a, err := s.priv.GetAudit(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if err := p.Check(accounts.PrivacyAuditRequest, accounts.OrgID(a.OrgID)); err != nil {
		return err
	}
	pg.Title, pg.Nav = pg.T("privacy.audit.withdraw"), "privacy"
	pg.Data = confirmView{Question: pg.T("privacy.audit.withdraw_question", a.ID), Details: []string{a.Reasons},
		Action: fmt.Sprintf("/portal/privacy/audits/%d/withdraw", id), Submit: "privacy.audit.withdraw", Cancel: fmt.Sprintf("/portal/privacy/audits/%d", id), Danger: true}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) withdrawAuditAct(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	return "privacy_audit_withdrawn", "/portal/privacy/audits", s.priv.WithdrawAudit(r.Context(), *p, id)
}

// portalAuditReport downloads an offered report (?report=id) as text, for a customer
// who asked for this audit.
func (s *server) portalAuditReport(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.priv.GetAudit(r.Context(), *p, id)
	if err != nil {
		return err
	}
	rid, err := strconv.ParseInt(r.URL.Query().Get("report"), 10, 64)
	if err != nil || rid <= 0 {
		return accounts.ErrNotFound
	}
	rep, err := s.priv.AuditReportFor(r.Context(), *p, a.OrgID, rid)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="audit-report-%d.txt"`, rep.ID))
	_, _ = fmt.Fprintf(w, "%s\n%s\n\n%s\n", rep.Title, rep.IssuedOn, rep.Body)
	return nil
}

// --- staff ---

type staffAuditsView struct {
	Audits    []privacy.Audit
	Reports   []privacy.AuditReport
	CanManage bool
	Open      bool
	NextURL   string
}

func (s *server) staffDPAAudits(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	open := r.URL.Query().Get("all") == ""
	const size = 50
	list, err := s.priv.StaffAudits(r.Context(), *p, open, before, size)
	if err != nil {
		return err
	}
	reps, err := s.priv.AuditReports(r.Context(), *p, 0)
	if err != nil {
		return err
	}
	v := staffAuditsView{Audits: list, Reports: reps, CanManage: p.Can(accounts.PrivacyManage, accounts.Provider), Open: open}
	if len(list) == size {
		v.NextURL = fmt.Sprintf("/staff/privacy/audits?before=%d", list[len(list)-1].ID)
		if !open {
			v.NextURL += "&all=1"
		}
	}
	pg := s.newPage(w, r, "privacy.audits.title")
	pg.Nav = "privacy"
	pg.Data = v
	s.render(w, http.StatusOK, "staff_privacy_audits", pg)
	return nil
}

func (s *server) staffDPAAudit(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.renderAudit(w, r, p, id, "", http.StatusOK, "staff_privacy_audit")
}

// staffAuditAct refuses, schedules, starts, records or resolves a finding, or closes;
// a refusal by the service (a day the terms do not allow, open findings) shows the
// audit again with the message.
func (s *server) staffAuditAct(what string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		id, lang, f, err := s.idForm(r, p)
		if err != nil {
			return err
		}
		ctx := r.Context()
		switch what {
		case "refuse":
			err = s.priv.RefuseAudit(ctx, *p, id, f.Get("refusal"))
		case "schedule":
			on := parseDate(f, "on")
			if len(f.Errors) > 0 {
				return s.renderAudit(w, r, p, id, translate(lang, "form.not_a_date"), http.StatusUnprocessableEntity, "staff_privacy_audit")
			}
			_, err = s.priv.ScheduleAudit(ctx, *p, id, privacy.AuditPlan{On: on, Time: f.Get("time"), Scope: f.Get("scope"), Auditor: f.Get("auditor")})
		case "start":
			err = s.priv.StartAudit(ctx, *p, id)
		case "finding":
			due := parseDate(f, "due")
			if len(f.Errors) > 0 {
				return s.renderAudit(w, r, p, id, translate(lang, "form.not_a_date"), http.StatusUnprocessableEntity, "staff_privacy_audit")
			}
			_, err = s.priv.AddFinding(ctx, *p, id, privacy.FindingInput{Description: f.Get("description"), Implements: f.Get("implements"), Due: due})
		case "resolve":
			fid, perr := strconv.ParseInt(r.PathValue("finding"), 10, 64)
			if perr != nil {
				return accounts.ErrNotFound
			}
			if a, gerr := s.priv.GetAudit(ctx, *p, id); gerr != nil {
				return gerr
			} else if !findingOf(a, fid) {
				return accounts.ErrNotFound
			}
			err = s.priv.ResolveFinding(ctx, *p, fid, f.Get("resolution"))
		case "close":
			err = s.priv.CloseAudit(ctx, *p, id, f.Get("conclusion"))
		}
		if msg, ok := fieldMessage(lang, err); ok {
			return s.renderAudit(w, r, p, id, msg, http.StatusUnprocessableEntity, "staff_privacy_audit")
		}
		if err != nil {
			return err
		}
		s.flash(w, "privacy_audit_"+what)
		s.redirect(w, r, fmt.Sprintf("/staff/privacy/audits/%d", id))
		return nil
	}
}

func findingOf(a privacy.Audit, id int64) bool {
	for _, f := range a.Findings {
		if f.ID == id {
			return true
		}
	}
	return false
}

var auditReportForm = privFormDef{title: "privacy.audit_report.title", action: "/staff/privacy/audits/reports/new", submit: "privacy.audit_report.submit", cancel: "/staff/privacy/audits",
	sets: func(s *server, _ context.Context) []fieldset {
		return []fieldset{{Hint: "privacy.audit_report.hint", Fields: []field{
			{Name: "title", Label: "privacy.audit_report.name", Type: "text", Required: true, Max: 200},
			{Name: "issued_on", Label: "privacy.audit_report.issued", Type: "date", Required: true},
			{Name: "body", Label: "privacy.audit_report.body", Type: "textarea", Required: true},
		}}}
	},
	save: func(s *server, r *http.Request, p *accounts.Principal, f *form) (string, string, error) {
		issued := parseDate(f, "issued_on")
		if len(f.Errors) > 0 {
			return "", "", nil
		}
		_, err := s.priv.PublishAuditReport(r.Context(), *p, privacy.AuditReportInput{Title: f.Get("title"), IssuedOn: issued, Body: f.Get("body")})
		return "privacy_audit_report_published", "/staff/privacy/audits", err
	}}
