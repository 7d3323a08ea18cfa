package web

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/privacy"
)

// The register of processing activities (issue 12): a staff page, an edit form per
// activity (privacy.manage) and the CSV and PDF exports.

func (s *server) privacyRegisterRoutes(staff func(string, handlerFunc)) {
	staff("GET /staff/privacy/register", s.staffRegister)
	staff("GET /staff/privacy/register.csv", s.staffRegisterCSV)
	staff("GET /staff/privacy/register/pdf", s.staffRegisterPDF)
	staff("GET /staff/privacy/register/{id}", s.staffActivityEdit)
	staff("POST /staff/privacy/register/{id}", s.staffActivityUpdate)
}

type staffRegisterView struct {
	Activities []privacy.Activity
	CanManage  bool
}

func (s *server) staffRegister(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	acts, err := s.priv.Register(r.Context(), *p)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "privacy.register.title")
	pg.Nav = "privacy"
	pg.Data = staffRegisterView{Activities: acts, CanManage: p.Can(accounts.PrivacyManage, accounts.Provider)}
	s.render(w, http.StatusOK, "staff_privacy_register", pg)
	return nil
}

func (s *server) staffRegisterCSV(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	acts, err := s.priv.Register(r.Context(), *p)
	if err != nil {
		return err
	}
	b, err := privacy.RegisterCSV(acts, s.language(r, p))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="register-of-processing.csv"`)
	_, _ = w.Write(b)
	return nil
}

func (s *server) staffRegisterPDF(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	acts, err := s.priv.Register(r.Context(), *p)
	if err != nil {
		return err
	}
	b, err := privacy.RegisterPDF(acts, s.cfg.ProviderName, s.language(r, p), s.clock.Now())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="register-of-processing.pdf"`)
	_, _ = w.Write(b)
	return nil
}

var activityFields = fieldset{Fields: []field{
	{Name: "name", Label: "privacy.register.name", Type: "text", Required: true, Max: 200},
	{Name: "purpose", Label: "privacy.col.purpose", Type: "textarea", Required: true},
	{Name: "data_categories", Label: "privacy.breach.data", Type: "textarea", Required: true},
	{Name: "subject_categories", Label: "privacy.breach.subjects", Type: "textarea", Required: true},
	{Name: "legal_basis", Label: "privacy.register.basis", Type: "text", Required: true, Max: 4000},
	{Name: "retention", Label: "privacy.register.retention", Type: "text", Required: true, Max: 4000},
	{Name: "recipients", Label: "privacy.register.recipients", Type: "text", Max: 4000},
	{Name: "transfers", Label: "privacy.col.transfer", Type: "text", Max: 4000, Hint: "privacy.register.transfers_hint"},
}}

func (s *server) activityPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	a, err := s.priv.Activity(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if err := p.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	if pg.Form == nil {
		pg.Form = newForm(nil)
		for k, v := range map[string]string{"name": a.Name, "purpose": a.Purpose, "data_categories": a.DataCategories, "subject_categories": a.SubjectCategories,
			"legal_basis": a.LegalBasis, "retention": a.Retention, "recipients": a.Recipients, "transfers": a.Transfers} {
			pg.Form.set(k, v)
		}
		pg.Form.Values["kinds"] = a.Kinds
	}
	sets := []fieldset{activityFields, {Fields: []field{{Name: "kinds", Label: "privacy.col.kinds", Type: "checkboxes", Options: privKindOptions()}}}}
	pg.Title, pg.Nav = a.Name, "privacy"
	pg.Data = formView{Action: fmt.Sprintf("/staff/privacy/register/%d", id), Sets: pg.useFields(sets...), Submit: "privacy.register.save",
		Cancel: "/staff/privacy/register", Intro: pg.T("privacy.register.clauses", a.Clauses)}
	s.render(w, status, "form", pg)
	return nil
}

func (s *server) staffActivityEdit(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmGet(s.activityPage)(w, r, p)
}

func (s *server) staffActivityUpdate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmPost(s.activityPage, nil, func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
		return "privacy_register_saved", "/staff/privacy/register#a-" + strconv.FormatInt(id, 10), s.priv.UpdateActivity(r.Context(), *p, id, privacy.ActivityInput{
			Name: f.Get("name"), Purpose: f.Get("purpose"), DataCategories: f.Get("data_categories"), SubjectCategories: f.Get("subject_categories"),
			LegalBasis: f.Get("legal_basis"), Retention: f.Get("retention"), Recipients: f.Get("recipients"), Transfers: f.Get("transfers"), Kinds: f.Values["kinds"]})
	})(w, r, p)
}
