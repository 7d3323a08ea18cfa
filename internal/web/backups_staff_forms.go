package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/backup"
)

// Staff with backup.manage register backup servers (a restic repository each; the
// password is sealed by the service and never shown again) and put provisioning
// services on one. The service decides who may; these forms only collect the input.

func (s *server) backupStaffFormRoutes(staff func(string, handlerFunc)) {
	staff("GET /staff/backups/servers/new", s.bkServerForm)
	staff("POST /staff/backups/servers/new", s.bkServerCreate)
	staff("GET /staff/backups/enrol", s.bkEnrolForm)
	staff("POST /staff/backups/enrol", s.bkEnrol)
	staff("GET /staff/backups/hosts", s.bkHostForm)
	staff("POST /staff/backups/hosts", s.bkHostAssign)
}

// bkHostPage links a provisioning server to the backup server that takes its services:
// from then on the enrolment job puts every web hosting and e-mail service on it.
func (s *server) bkHostPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, status int) error {
	if s.prov == nil {
		return accounts.ErrNotFound
	}
	bks, err := s.bk.Servers(r.Context(), *p)
	if err != nil {
		return err
	}
	provs, err := s.prov.Servers(r.Context(), *p)
	if err != nil {
		return err
	}
	from := make([]option, 0, len(provs))
	for _, sv := range provs {
		from = append(from, option{Value: strconv.FormatInt(sv.ID, 10), Text: sv.Name})
	}
	to := []option{{Value: "0", Label: "bk.host_none"}}
	for _, sv := range bks {
		to = append(to, option{Value: strconv.FormatInt(sv.ID, 10), Text: sv.Name})
	}
	pg.Title, pg.Nav = pg.T("bk.hosts"), "backups"
	pg.Data = formView{Action: "/staff/backups/hosts", Submit: "bk.hosts_submit", Cancel: "/staff/backups", Intro: pg.T("bk.hosts_intro"),
		Sets: pg.useFields(fieldset{Fields: []field{
			{Name: "prov_server_id", Label: "bk.f.prov_server", Type: "select", Required: true, Options: from},
			{Name: "server_id", Label: "bk.f.server", Type: "select", Required: true, Options: to},
		}})}
	s.render(w, status, "form", pg)
	return nil
}

func (s *server) bkHostForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	if err := p.Check(accounts.BackupManage, accounts.Provider); err != nil {
		return err
	}
	return s.bkHostPage(w, r, p, s.newPage(w, r, ""), http.StatusOK)
}

func (s *server) bkHostAssign(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	provID, _ := strconv.ParseInt(f.Get("prov_server_id"), 10, 64)
	serverID, _ := strconv.ParseInt(f.Get("server_id"), 10, 64)
	if err := s.bk.AssignHost(r.Context(), *p, provID, serverID); err != nil {
		if fieldErrors(f, err, map[string]string{"prov_server_id": "prov_server_id", "server_id": "server_id"}) {
			return s.bkHostPage(w, r, p, pg, http.StatusUnprocessableEntity)
		}
		return err
	}
	s.flash(w, "bk_host_assigned")
	s.redirect(w, r, "/staff/backups")
	return nil
}

var bkServerFields = fieldset{Fields: []field{
	{Name: "name", Label: "bk.f.server_name", Type: "text", Required: true, Max: 100},
	{Name: "repository", Label: "bk.f.repository", Type: "text", Required: true, Max: 1000, Hint: "bk.f.repository_hint", Wide: true},
	{Name: "password", Label: "bk.f.password", Type: "password", Required: true, Auto: "new-password", Hint: "bk.f.password_hint"},
}}

func (s *server) bkServerPage(w http.ResponseWriter, pg *page, status int) {
	pg.Title, pg.Nav = pg.T("bk.server_new"), "backups"
	pg.Data = formView{Action: "/staff/backups/servers/new", Sets: pg.useFields(bkServerFields), Submit: "bk.server_add", Cancel: "/staff/backups"}
	s.render(w, status, "form", pg)
}

func (s *server) bkServerForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	if err := p.Check(accounts.BackupManage, accounts.Provider); err != nil {
		return err
	}
	s.bkServerPage(w, s.newPage(w, r, ""), http.StatusOK)
	return nil
}

func (s *server) bkServerCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := backup.ServerInput{Name: f.Get("name"), Repository: f.Get("repository"), Password: f.Get("password")}
	delete(f.Values, "password") // never sent back in a page
	if _, err := s.bk.AddServer(r.Context(), *p, in); err != nil {
		if fieldErrors(f, err, nil) {
			s.bkServerPage(w, pg, http.StatusUnprocessableEntity)
			return nil
		}
		return err
	}
	s.flash(w, "bk_server_added")
	s.redirect(w, r, "/staff/backups")
	return nil
}

func (s *server) bkEnrolPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, status int) error {
	svs, err := s.bk.Servers(r.Context(), *p)
	if err != nil {
		return err
	}
	opts := make([]option, 0, len(svs))
	for _, sv := range svs {
		opts = append(opts, option{Value: strconv.FormatInt(sv.ID, 10), Text: sv.Name})
	}
	pg.Title, pg.Nav = pg.T("bk.enrol"), "backups"
	pg.Data = formView{Action: "/staff/backups/enrol", Submit: "bk.enrol_submit", Cancel: "/staff/backups", Intro: pg.T("bk.enrol_intro"),
		Sets: pg.useFields(fieldset{Fields: []field{
			{Name: "service_id", Label: "bk.f.service_id", Type: "number", Required: true, Mode: "numeric", Hint: "bk.f.service_id_hint"},
			{Name: "server_id", Label: "bk.f.server", Type: "select", Required: true, Options: opts},
		}})}
	s.render(w, status, "form", pg)
	return nil
}

func (s *server) bkEnrolForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	if err := p.Check(accounts.BackupManage, accounts.Provider); err != nil {
		return err
	}
	return s.bkEnrolPage(w, r, p, s.newPage(w, r, ""), http.StatusOK)
}

func (s *server) bkEnrol(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	ctx := r.Context()
	svcID, err1 := strconv.ParseInt(strings.TrimSpace(f.Get("service_id")), 10, 64)
	serverID, _ := strconv.ParseInt(f.Get("server_id"), 10, 64)
	if err1 != nil || svcID <= 0 || s.prov == nil {
		f.Errors["service_id"] = pg.T("bk.no_such_service")
		return s.bkEnrolPage(w, r, p, pg, http.StatusUnprocessableEntity)
	}
	v, err := s.prov.Service(ctx, *p, svcID)
	if err != nil {
		f.Errors["service_id"] = pg.T("bk.no_such_service")
		return s.bkEnrolPage(w, r, p, pg, http.StatusUnprocessableEntity)
	}
	e, err := s.bk.Enroll(ctx, *p, backup.Enrolment{ServiceID: v.ID, OrgID: v.OrgID, Ref: v.Ref, Kind: string(v.Kind), Name: v.Name, Domain: v.Domain, ServerID: serverID})
	if err != nil {
		if fieldErrors(f, err, nil) {
			return s.bkEnrolPage(w, r, p, pg, http.StatusUnprocessableEntity)
		}
		return err
	}
	s.flash(w, "bk_enrolled")
	s.redirect(w, r, backupBase(true, e.ID))
	return nil
}
