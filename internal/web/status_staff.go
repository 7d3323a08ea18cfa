package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/terms"
)

// The staff pages of incidents and maintenance. Every staff member reads them
// (MonitorRead); support and security change them (IncidentManage). The status service
// decides both; the pages only use p.Can to leave out forms that would be refused.

func (s *server) statusStaffRoutes(staff func(string, handlerFunc)) {
	if s.status == nil {
		return
	}
	staff("GET /staff/incidents", s.staffIncidents)
	staff("GET /staff/incidents/new", s.staffIncidentNew)
	staff("POST /staff/incidents/new", s.staffIncidentCreate)
	staff("GET /staff/incidents/{id}", s.staffIncident)
	staff("POST /staff/incidents/{id}/updates", s.staffIncidentUpdate)
	staff("GET /staff/incidents/{id}/resolve", s.confirmGet(s.incidentResolvePage))
	staff("POST /staff/incidents/{id}/resolve", s.staffIncidentResolve)
	staff("GET /staff/maintenance", s.staffMaintenance)
	staff("GET /staff/maintenance/new", s.staffMaintenanceNew)
	staff("POST /staff/maintenance/new", s.staffMaintenanceCreate)
	staff("GET /staff/maintenance/{id}", s.staffMaintenanceOne)
	staff("GET /staff/maintenance/{id}/cancel", s.confirmGet(s.maintenanceCancelPage))
	staff("POST /staff/maintenance/{id}/cancel", s.staffMaintenanceCancel)
}

// servers returns the monitored servers by id, for names and the checkboxes.
func (s *server) servers(r *http.Request, p *accounts.Principal) ([]monitor.Server, map[int64]monitor.Server, error) {
	byID := map[int64]monitor.Server{}
	if s.mon == nil {
		return nil, byID, nil
	}
	list, err := s.mon.Servers(r.Context(), *p)
	if err != nil {
		return nil, nil, err
	}
	for _, sv := range list {
		byID[sv.ID] = sv
	}
	return list, byID, nil
}

func serverOptions(list []monitor.Server) []option {
	out := make([]option, 0, len(list))
	for _, sv := range list {
		out = append(out, option{Value: strconv.FormatInt(sv.ID, 10), Text: fmt.Sprintf("%s (%s, %s)", sv.Name, sv.Kind, sv.Location)})
	}
	return out
}

// serverNames names ids for a page: "web1, mail2"; a server no longer known keeps its id.
func incidentServerNames(ids []int64, byID map[int64]monitor.Server) string {
	names := make([]string, 0, len(ids))
	for _, id := range ids {
		if sv, ok := byID[id]; ok {
			names = append(names, sv.Name)
		} else {
			names = append(names, "#"+strconv.FormatInt(id, 10))
		}
	}
	return strings.Join(names, ", ")
}

func serverIDsFrom(f *form) []int64 {
	var out []int64
	for _, v := range f.Values["server_ids"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}

var impactOptions = []option{{Value: "minor", Label: "status.impact.minor"}, {Value: "major", Label: "status.impact.major"},
	{Value: "critical", Label: "status.impact.critical"}}

func stateOptions(withResolved bool) []option {
	var out []option
	for _, st := range status.States {
		if st != status.Resolved || withResolved {
			out = append(out, option{Value: st, Label: "status.incident." + st})
		}
	}
	return out
}

// ---- incidents ----

type incidentRow struct {
	status.Incident
	Servers string
}

type staffIncidentsView struct {
	Open, Past []incidentRow
	Pager      pager
	CanManage  bool
}

const incidentsPerPage = 25

func (s *server) staffIncidents(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	// Open incidents come first and are few; the page numbers run over all of them.
	list, err := s.status.Incidents(r.Context(), *p, 500)
	if err != nil {
		return err
	}
	_, byID, err := s.servers(r, p)
	if err != nil {
		return err
	}
	page := intParam(r.URL.Query().Get("page"), 1)
	v := staffIncidentsView{Pager: newPager(r, page, incidentsPerPage, len(list)), CanManage: p.Can(accounts.IncidentManage, accounts.Provider)}
	from := min((page-1)*incidentsPerPage, len(list))
	for _, inc := range list[from:min(from+incidentsPerPage, len(list))] {
		row := incidentRow{Incident: inc, Servers: incidentServerNames(inc.ServerIDs, byID)}
		if inc.Open() {
			v.Open = append(v.Open, row)
		} else {
			v.Past = append(v.Past, row)
		}
	}
	pg := s.newPage(w, r, "inc.title")
	pg.Nav, pg.Data = "incidents", v
	s.render(w, http.StatusOK, "staff_incidents", pg)
	return nil
}

func (s *server) incidentFormPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, code int) error {
	list, _, err := s.servers(r, p)
	if err != nil {
		return err
	}
	fields := []field{
		{Name: "title_nl", Label: "inc.title_nl", Type: "text", Required: true, Max: 200, Wide: true},
		{Name: "title_en", Label: "inc.title_en", Type: "text", Max: 200, Wide: true, Hint: "inc.en_hint"},
		{Name: "message_nl", Label: "inc.message_nl", Type: "textarea", Required: true, Wide: true},
		{Name: "message_en", Label: "inc.message_en", Type: "textarea", Wide: true, Hint: "inc.en_hint"},
		{Name: "impact", Label: "inc.impact", Type: "select", Options: impactOptions, Required: true},
		{Name: "status", Label: "inc.status", Type: "select", Options: stateOptions(false)},
	}
	if len(list) > 0 {
		fields = append(fields, field{Name: "server_ids", Label: "inc.servers", Type: "checkboxes", Options: serverOptions(list), Hint: "inc.servers_hint"})
	}
	pg.Title, pg.Nav = pg.T("inc.new_title"), "incidents"
	pg.Data = formView{Action: "/staff/incidents/new", Sets: pg.useFields(fieldset{Fields: fields}), Submit: "inc.open",
		Cancel: "/staff/incidents", Intro: pg.T("inc.new_intro")}
	s.render(w, code, "form", pg)
	return nil
}

func (s *server) staffIncidentNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "")
	pg.Form = newForm(nil)
	pg.Form.set("impact", "major")
	pg.Form.set("status", status.Investigating)
	return s.incidentFormPage(w, r, p, pg, http.StatusOK)
}

func (s *server) staffIncidentCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	if len(f.Errors) == 0 {
		inc, err := s.status.OpenIncident(r.Context(), *p, status.IncidentInput{TitleNL: f.Get("title_nl"), TitleEN: f.Get("title_en"),
			MessageNL: f.Get("message_nl"), MessageEN: f.Get("message_en"), Impact: f.Get("impact"), Status: f.Get("status"),
			ServerIDs: serverIDsFrom(f)})
		if err == nil {
			s.flash(w, "incident_opened")
			s.redirect(w, r, "/staff/incidents/"+strconv.FormatInt(inc.ID, 10))
			return nil
		}
		if !fieldErrors(f, err, nil) {
			return err
		}
	}
	return s.incidentFormPage(w, r, p, pg, http.StatusUnprocessableEntity)
}

type staffIncidentView struct {
	I         status.Incident
	Servers   string
	Updates   []status.Update // newest first
	Outages   []linkedRow
	CanManage bool
	Sets      []fieldset
}

type linkedRow struct {
	status.Linked
	Server string
}

var incidentUpdateFields = []field{
	{Name: "status", Label: "inc.status", Type: "select", Options: stateOptions(true), Required: true},
	{Name: "message_nl", Label: "inc.message_nl", Type: "textarea", Required: true, Wide: true},
	{Name: "message_en", Label: "inc.message_en", Type: "textarea", Wide: true, Hint: "inc.en_hint"},
}

func (s *server) incidentPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, code int) error {
	inc, err := s.status.Incident(r.Context(), *p, id)
	if err != nil {
		return err
	}
	_, byID, err := s.servers(r, p)
	if err != nil {
		return err
	}
	v := staffIncidentView{I: inc, Servers: incidentServerNames(inc.ServerIDs, byID), CanManage: inc.Open() && p.Can(accounts.IncidentManage, accounts.Provider)}
	for k := len(inc.Updates) - 1; k >= 0; k-- {
		v.Updates = append(v.Updates, inc.Updates[k])
	}
	for _, o := range inc.Outages {
		v.Outages = append(v.Outages, linkedRow{Linked: o, Server: incidentServerNames([]int64{o.ServerID}, byID)})
	}
	if v.CanManage {
		if pg.Form == nil {
			pg.Form = newForm(nil)
			pg.Form.set("status", inc.Status)
		}
		v.Sets = pg.useFields(fieldset{Fields: incidentUpdateFields})
	}
	pg.Title, pg.Nav, pg.Data = inc.Title(pg.Lang), "incidents", v
	s.render(w, code, "staff_incident", pg)
	return nil
}

func (s *server) staffIncident(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.incidentPage(w, r, p, s.newPage(w, r, ""), id, http.StatusOK)
}

func (s *server) staffIncidentUpdate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmPost(s.incidentPage, nil, func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
		_, err := s.status.PostUpdate(r.Context(), *p, id, status.UpdateInput{Status: f.Get("status"), MessageNL: f.Get("message_nl"), MessageEN: f.Get("message_en")})
		return "incident_updated", "/staff/incidents/" + strconv.FormatInt(id, 10), err
	})(w, r, p)
}

var incidentResolveFields = fieldset{Fields: []field{
	{Name: "resolution_nl", Label: "inc.resolution_nl", Type: "textarea", Required: true, Wide: true},
	{Name: "resolution_en", Label: "inc.resolution_en", Type: "textarea", Wide: true, Hint: "inc.en_hint"},
}}

func (s *server) incidentResolvePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, code int) error {
	inc, err := s.status.Incident(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg.Title, pg.Nav = pg.T("inc.resolve_title"), "incidents"
	pg.Data = confirmView{Question: pg.T("inc.resolve_question", inc.Title(pg.Lang)), Details: []string{pg.T("inc.resolve_detail")},
		Action: "/staff/incidents/" + strconv.FormatInt(id, 10) + "/resolve", Submit: "inc.resolve",
		Cancel: "/staff/incidents/" + strconv.FormatInt(id, 10), Sets: pg.useFields(incidentResolveFields)}
	s.render(w, code, "confirm", pg)
	return nil
}

func (s *server) staffIncidentResolve(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	rename := map[string]string{"message_nl": "resolution_nl", "message_en": "resolution_en", "status": "resolution_nl"}
	return s.confirmPost(s.incidentResolvePage, rename, func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
		_, err := s.status.Resolve(r.Context(), *p, id, f.Get("resolution_nl"), f.Get("resolution_en"))
		return "incident_resolved", "/staff/incidents/" + strconv.FormatInt(id, 10), err
	})(w, r, p)
}

// ---- maintenance ----

type maintRow struct {
	status.Maintenance
	Servers string
}

type staffMaintenanceView struct {
	Upcoming, Running, Past []maintRow
	CanManage               bool
}

func (s *server) staffMaintenance(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	list, err := s.status.MaintenanceList(r.Context(), *p, 500)
	if err != nil {
		return err
	}
	_, byID, err := s.servers(r, p)
	if err != nil {
		return err
	}
	now := s.clock.Now()
	v := staffMaintenanceView{CanManage: p.Can(accounts.IncidentManage, accounts.Provider)}
	for _, m := range list { // latest start first
		row := maintRow{Maintenance: m, Servers: incidentServerNames(m.ServerIDs, byID)}
		switch {
		case m.CancelledAt != nil || !m.EndsAt.After(now):
			v.Past = append(v.Past, row)
		case m.StartsAt.After(now):
			v.Upcoming = append(v.Upcoming, row)
		default:
			v.Running = append(v.Running, row)
		}
	}
	slices.Reverse(v.Upcoming) // the next one first
	pg := s.newPage(w, r, "maint.title")
	pg.Nav, pg.Data = "maintenance", v
	s.render(w, http.StatusOK, "staff_maintenance", pg)
	return nil
}

// notice is the terms' maintenance notice as of now: the earliest start planned
// maintenance announced now may have (cp.av.12.1), and the notice in words.
func (s *server) notice(lang string) (earliest time.Time, words string, err error) {
	if s.pack == nil {
		return time.Time{}, "", nil
	}
	now := s.clock.Now()
	pol, err := s.pack.At(s.today())
	if err != nil {
		return time.Time{}, "", err
	}
	res, _, err := pol.MaintenanceNotice(now, now)
	if err != nil {
		return time.Time{}, "", err
	}
	return res.EarliestStart, periodWords(lang, pol.Terms.Maintenance.Notice), nil
}

// periodWords says a period of the terms in lang: "2 dagen", "5 werkdagen".
func periodWords(lang string, p terms.Period) string {
	unit := map[terms.Unit]string{terms.Days: "day", terms.Weeks: "week", terms.Werkdagen: "werkdag", terms.Months: "month", terms.Years: "year"}[p.Unit]
	if unit == "" {
		return p.String()
	}
	if p.N != 1 {
		return translate(lang, "maint.unit."+unit+"s", p.N)
	}
	return translate(lang, "maint.unit."+unit, p.N)
}

var maintKindOptions = []option{{Value: status.Planned, Label: "maint.kind.planned"}, {Value: status.Emergency, Label: "maint.kind.emergency"}}

func (s *server) maintenanceFormPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, code int) error {
	list, _, err := s.servers(r, p)
	if err != nil {
		return err
	}
	earliest, words, err := s.notice(pg.Lang)
	if err != nil {
		return err
	}
	fields := []field{
		{Name: "kind", Label: "maint.kind", Type: "select", Options: maintKindOptions, Required: true},
		{Name: "title_nl", Label: "inc.title_nl", Type: "text", Required: true, Max: 200, Wide: true},
		{Name: "title_en", Label: "inc.title_en", Type: "text", Max: 200, Wide: true, Hint: "inc.en_hint"},
		{Name: "message_nl", Label: "maint.message_nl", Type: "textarea", Wide: true},
		{Name: "message_en", Label: "maint.message_en", Type: "textarea", Wide: true, Hint: "inc.en_hint"},
		{Name: "reason", Label: "maint.reason", Type: "textarea", Wide: true, Hint: "maint.reason_hint"},
		{Name: "starts_at", Label: "maint.starts_at", Type: "datetime-local", Required: true},
		{Name: "ends_at", Label: "maint.ends_at", Type: "datetime-local", Required: true},
		{Name: "server_ids", Label: "inc.servers", Type: "checkboxes", Options: serverOptions(list)},
		{Name: "late_ok", Label: "maint.late_ok", Type: "checkbox", Hint: "maint.late_ok_hint"},
	}
	intro := pg.T("maint.new_intro")
	if !earliest.IsZero() {
		intro += " " + pg.T("maint.earliest", words, pg.Time(earliest))
	}
	pg.Title, pg.Nav = pg.T("maint.new_title"), "maintenance"
	pg.Data = formView{Action: "/staff/maintenance/new", Sets: pg.useFields(fieldset{Fields: fields}), Submit: "maint.schedule",
		Cancel: "/staff/maintenance", Intro: intro}
	s.render(w, code, "form", pg)
	return nil
}

func (s *server) staffMaintenanceNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "")
	pg.Form = newForm(nil)
	pg.Form.set("kind", status.Planned)
	if earliest, _, err := s.notice(pg.Lang); err == nil && !earliest.IsZero() {
		// The first whole hour that the notice allows, for two hours.
		start := earliest.Add(time.Hour - 1).Truncate(time.Hour)
		pg.Form.set("starts_at", start.In(clock.Amsterdam).Format("2006-01-02T15:04"))
		pg.Form.set("ends_at", start.Add(2*time.Hour).In(clock.Amsterdam).Format("2006-01-02T15:04"))
	}
	return s.maintenanceFormPage(w, r, p, pg, http.StatusOK)
}

func (s *server) staffMaintenanceCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := status.MaintenanceInput{Kind: f.Get("kind"), TitleNL: f.Get("title_nl"), TitleEN: f.Get("title_en"), MessageNL: f.Get("message_nl"),
		MessageEN: f.Get("message_en"), Reason: f.Get("reason"), StartsAt: parseDateTime(f, "starts_at"), EndsAt: parseDateTime(f, "ends_at"),
		ServerIDs: serverIDsFrom(f)}
	if in.Kind == status.Emergency && strings.TrimSpace(in.Reason) == "" {
		f.Errors["reason"] = pg.T("maint.reason_required")
	}
	// Planned maintenance announced too late is still announced and mailed, but its
	// time counts towards the SLA (the terms' MaintenanceNotice decides, cp.av.12.1);
	// the form asks staff to say so explicitly, or to record emergency maintenance.
	if in.Kind == status.Planned && !in.StartsAt.IsZero() && f.Get("late_ok") == "" {
		earliest, words, err := s.notice(pg.Lang)
		if err != nil {
			return err
		}
		if in.StartsAt.Before(earliest) {
			f.Errors["starts_at"] = pg.T("maint.too_early", words, pg.Time(earliest))
		}
	}
	if len(f.Errors) == 0 {
		m, err := s.status.ScheduleMaintenance(r.Context(), *p, in)
		if err == nil {
			s.flash(w, "maintenance_scheduled")
			s.redirect(w, r, "/staff/maintenance/"+strconv.FormatInt(m.ID, 10))
			return nil
		}
		if !fieldErrors(f, err, nil) {
			return err
		}
	}
	return s.maintenanceFormPage(w, r, p, pg, http.StatusUnprocessableEntity)
}

type staffMaintView struct {
	M         status.Maintenance
	Servers   string
	Customers int
	State     string // upcoming, running, past or cancelled
	CanCancel bool
}

func (s *server) staffMaintenanceOne(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	m, err := s.status.MaintenanceByID(r.Context(), *p, id)
	if err != nil {
		return err
	}
	_, byID, err := s.servers(r, p)
	if err != nil {
		return err
	}
	v := staffMaintView{M: m, Servers: incidentServerNames(m.ServerIDs, byID)}
	if s.mon != nil {
		orgs := map[int64]bool{}
		for _, sid := range m.ServerIDs {
			placed, err := s.mon.PlacementsOf(r.Context(), *p, sid)
			if err != nil {
				return err
			}
			for _, pl := range placed {
				orgs[pl.OrgID] = true
			}
		}
		v.Customers = len(orgs)
	}
	now := s.clock.Now()
	switch {
	case m.CancelledAt != nil:
		v.State = "cancelled"
	case !m.EndsAt.After(now):
		v.State = "past"
	case m.StartsAt.After(now):
		v.State = "upcoming"
	default:
		v.State = "running"
	}
	v.CanCancel = (v.State == "upcoming" || v.State == "running") && p.Can(accounts.IncidentManage, accounts.Provider)
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav, pg.Data = m.Title(pg.Lang), "maintenance", v
	// The notice rule that applied is the one in force when the maintenance was announced.
	pg.ExplainDocs = s.docsAt(r.Context(), pg.Lang, terms.DateIn(m.AnnouncedAt, clock.Amsterdam))
	s.render(w, http.StatusOK, "staff_maintenance_one", pg)
	return nil
}

var maintenanceCancelFields = fieldset{Fields: []field{{Name: "reason", Label: "maint.cancel_reason", Type: "textarea", Required: true, Wide: true}}}

func (s *server) maintenanceCancelPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, code int) error {
	m, err := s.status.MaintenanceByID(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg.Title, pg.Nav = pg.T("maint.cancel_title"), "maintenance"
	pg.Data = confirmView{Question: pg.T("maint.cancel_question", m.Title(pg.Lang), pg.Time(m.StartsAt)), Details: []string{pg.T("maint.cancel_detail")},
		Action: "/staff/maintenance/" + strconv.FormatInt(id, 10) + "/cancel", Submit: "maint.cancel", Danger: true,
		Cancel: "/staff/maintenance/" + strconv.FormatInt(id, 10), Sets: pg.useFields(maintenanceCancelFields)}
	s.render(w, code, "confirm", pg)
	return nil
}

func (s *server) staffMaintenanceCancel(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmPost(s.maintenanceCancelPage, nil, func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
		_, err := s.status.CancelMaintenance(r.Context(), *p, id, f.Get("reason"))
		return "maintenance_cancelled", "/staff/maintenance/" + strconv.FormatInt(id, 10), err
	})(w, r, p)
}
