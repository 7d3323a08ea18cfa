package web

import (
	"encoding/base64"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// The staff provisioning pages (issue 13, "Staff and customers"): the servers services
// run on with their room and health, a server's services and its last comparison with
// what the server lists, the queue of steps with the server's own words when one failed
// or was refused, and a service's page with its history. The provisioning service
// decides who may read (support, security, abuse) and change (support); these pages
// only hide what a person could not send anyway.

func (s *server) provisionStaffRoutes(staff func(string, handlerFunc)) {
	staff("GET /staff/provisioning", s.provOverview)
	staff("GET /staff/provisioning/queue", s.provQueue)
	staff("GET /staff/provisioning/servers/new", s.provServerNew)
	staff("POST /staff/provisioning/servers/new", s.provServerCreate)
	staff("GET /staff/provisioning/servers/{id}", s.provServer)
	staff("POST /staff/provisioning/servers/{id}", s.provServerUpdate)
	staff("POST /staff/provisioning/servers/{id}/test", s.provServerTest)
	staff("POST /staff/provisioning/servers/{id}/sync", s.provServerSync)
	staff("GET /staff/provisioning/tasks/{id}/retry", s.confirmGet(s.provRetryPage))
	staff("POST /staff/provisioning/tasks/{id}/retry", s.confirmPost(s.provRetryPage, nil, s.provRetry))
	staff("GET /staff/provisioning/services/{id}", s.provService)
	staff("GET /staff/provisioning/services/{id}/move", s.confirmGet(s.provMovePage))
	staff("POST /staff/provisioning/services/{id}/move", s.confirmPost(s.provMovePage, map[string]string{"server": "server_id"}, s.provMove))
	staff("GET /staff/provisioning/services/{id}/suspend", s.confirmGet(s.provSuspendPage(true)))
	staff("POST /staff/provisioning/services/{id}/suspend", s.confirmPost(s.provSuspendPage(true), nil, s.provSuspend(true)))
	staff("GET /staff/provisioning/services/{id}/unsuspend", s.confirmGet(s.provSuspendPage(false)))
	staff("POST /staff/provisioning/services/{id}/unsuspend", s.confirmPost(s.provSuspendPage(false), nil, s.provSuspend(false)))
}

// ProvisionNav reports whether the navigation offers the provisioning pages: they are
// mounted and the person may read them (the service decides for real).
func (p *page) ProvisionNav() bool {
	return p.Provision && p.P != nil && p.P.Can(accounts.ProvisionRead, accounts.Provider)
}

func provServerBase(id int64) string {
	return "/staff/provisioning/servers/" + strconv.FormatInt(id, 10)
}
func provServiceBase(id int64) string {
	return "/staff/provisioning/services/" + strconv.FormatInt(id, 10)
}

// provPerPage is the page size of the queue and of a server's services.
const provPerPage = 50

// provHealth is a server's health as the last comparison with the server found it.
type provHealth struct {
	Checked bool
	At      string
	Error   string
	Drift   int // orphans, missing accounts and suspensions that differ
}

func healthOf(pg *page, r provision.SyncReport) provHealth {
	if r.At.IsZero() {
		return provHealth{}
	}
	return provHealth{Checked: true, At: pg.Time(r.At), Error: r.Error, Drift: len(r.Orphans) + len(r.Missing) + len(r.Differ)}
}

type provServerRow struct {
	Server provision.Server
	provHealth
}

type provOverviewView struct {
	Servers  []provServerRow
	Problems int
	Manage   bool
	// Waiting are services no server with room took yet.
	Waiting []provServiceRow
}

func (s *server) provOverview(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	pg := s.newPage(w, r, "prov.title")
	pg.Nav = "provisioning"
	svs, err := s.prov.Servers(ctx, *p)
	if err != nil {
		return err
	}
	v := provOverviewView{Manage: p.Can(accounts.ProvisionManage, accounts.Provider)}
	for _, sv := range svs {
		rep, err := s.prov.SyncReport(ctx, *p, sv.ID)
		if err != nil && !errors.Is(err, accounts.ErrNotFound) {
			return err
		}
		v.Servers = append(v.Servers, provServerRow{Server: sv, provHealth: healthOf(pg, rep)})
	}
	if v.Problems, err = s.prov.Problems(ctx, *p); err != nil {
		return err
	}
	waiting, err := s.prov.Unplaced(ctx, *p)
	if err != nil {
		return err
	}
	v.Waiting = s.provServiceRows(r, p, waiting)
	pg.Data = v
	s.render(w, http.StatusOK, "staff_provisioning", pg)
	return nil
}

// provTaskList is a table of steps: Manage offers "run again" on failed ones.
type provTaskList struct {
	Tasks       []provision.Task
	ShowService bool
	Manage      bool
}

type provQueueView struct {
	Tasks    provTaskList
	Status   string
	Statuses []option
	Cursor   cursor
}

// provQueueMax bounds the steps a service's history shows.
const provQueueMax = 1000

func (s *server) provQueue(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	pg := s.newPage(w, r, "prov.queue_title")
	pg.Nav = "provisioning"
	status := r.URL.Query().Get("status")
	// A page by keyset (?before=): the queue's cost does not grow with its history
	// (issue 16).
	f := provision.QueueFilter{Limit: provPerPage + 1, Before: beforeParam(r)}
	switch {
	case status == "all":
	case slices.Contains(provision.TaskStatuses, provision.TaskStatus(status)):
		f.Status = provision.TaskStatus(status)
	default:
		status, f.Open = "", true
	}
	list, err := s.prov.Queue(ctx, *p, f)
	if err != nil {
		return err
	}
	v := provQueueView{Status: status, Statuses: []option{{Value: "", Label: "prov.status_open"}, {Value: "all", Label: "prov.status_all"}}}
	for _, st := range provision.TaskStatuses {
		v.Statuses = append(v.Statuses, option{Value: string(st), Label: "prov.task." + string(st)})
	}
	more := len(list) > provPerPage
	list = list[:min(len(list), provPerPage)]
	var last int64
	if len(list) > 0 {
		last = list[len(list)-1].ID
	}
	v.Cursor = newCursor(r, "before", more, last)
	v.Tasks = provTaskList{Tasks: list, ShowService: true, Manage: p.Can(accounts.ProvisionManage, accounts.Provider)}
	pg.Data = v
	s.render(w, http.StatusOK, "staff_provisioning_queue", pg)
	return nil
}

// ---- registering a server ----

type provNewView struct {
	Types  []option
	Type   string
	Enrols bool
	Sets   []fieldset
}

func (s *server) provType(name string) (driver.Type, bool) {
	for _, t := range s.prov.Types() {
		if t.Name == name {
			return t, true
		}
	}
	return driver.Type{}, false
}

func kindNames(pg *page, kinds []driver.Kind) string {
	var out []string
	for _, k := range kinds {
		out = append(out, pg.T("prov.kind."+string(k)))
	}
	return strings.Join(out, ", ")
}

// provServerFields is the form of a server of driver type t. Settings and credentials
// are named by the driver type, so their labels are its own field names.
func (s *server) provServerFields(r *http.Request, p *accounts.Principal, t driver.Type, edit bool) []fieldset {
	main := []field{
		{Name: "name", Label: "prov.f.name", Type: "text", Required: true, Auto: "off", Max: 100, Hint: "prov.f.name_hint"},
		{Name: "endpoint", Label: "prov.f.endpoint", Type: "text", Required: true, Auto: "off", Max: 500, Hint: "prov.f.endpoint_hint", Wide: true},
		{Name: "location", Label: "prov.f.location", Type: "text", Required: true, Auto: "off", Max: 50},
		{Name: "capacity", Label: "prov.f.capacity", Type: "text", Mode: "numeric", Required: true, Max: 6, Hint: "prov.f.capacity_hint"},
	}
	if len(t.Kinds) > 1 {
		var kinds []option
		for _, k := range t.Kinds {
			kinds = append(kinds, option{Value: string(k), Label: "prov.kind." + string(k)})
		}
		main = append(main, field{Name: "only_kinds", Label: "prov.f.only_kinds", Type: "checkboxes", Options: kinds, Hint: "prov.f.only_kinds_hint"})
	}
	if s.mon != nil {
		opts := []option{{Value: "", Label: "prov.f.monitor_none"}}
		if svs, err := s.mon.Servers(r.Context(), *p); err == nil {
			for _, sv := range svs {
				opts = append(opts, option{Value: strconv.FormatInt(sv.ID, 10), Text: sv.Name + " (" + sv.Location + ")"})
			}
		}
		main = append(main, field{Name: "monitor_server_id", Label: "prov.f.monitor", Type: "select", Options: opts, Hint: "prov.f.monitor_hint"})
	}
	if edit {
		main = append(main,
			field{Name: "enabled", Label: "prov.f.enabled", Type: "checkbox", Hint: "prov.f.enabled_hint"},
			field{Name: "draining", Label: "prov.f.draining", Type: "checkbox", Hint: "prov.f.draining_hint"})
	} else {
		main = append(main, field{Name: "type", Type: "hidden"})
	}
	sets := []fieldset{{Fields: main}}
	if len(t.SettingFields) > 0 {
		var fs []field
		for _, n := range t.SettingFields {
			fs = append(fs, field{Name: "setting." + n, Label: "prov.settings", Text: n, Type: "text", Auto: "off", Max: 500, Wide: true})
		}
		sets = append(sets, fieldset{Legend: "prov.settings", Fields: fs})
	}
	if len(t.CredentialFields) > 0 && t.Enroll == nil {
		var fs []field
		for _, n := range t.CredentialFields {
			fs = append(fs, field{Name: "credential." + n, Label: "prov.credentials", Text: n, Type: "password", Auto: "new-password", Max: 4000, Wide: true})
		}
		hint := "prov.credentials_hint"
		if edit {
			hint = "prov.credentials_keep"
		}
		sets = append(sets, fieldset{Legend: "prov.credentials", Hint: hint, Fields: fs})
	}
	return sets
}

// provServerInput reads the server form; credentials left empty are not sent, so an
// update keeps the stored ones.
func provServerInput(f *form, t driver.Type, lang string) provision.ServerInput {
	in := provision.ServerInput{Name: strings.TrimSpace(f.Get("name")), Type: t.Name, Endpoint: strings.TrimSpace(f.Get("endpoint")),
		Location: strings.TrimSpace(f.Get("location"))}
	n, err := strconv.Atoi(strings.TrimSpace(f.Get("capacity")))
	if err != nil || n < 1 {
		f.Errors["capacity"] = translate(lang, "prov.err.capacity")
	}
	in.Capacity = n
	if v := f.Get("monitor_server_id"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			f.Errors["monitor_server_id"] = translate(lang, "form.not_a_number")
		}
		in.MonitorServerID = id
	}
	for _, k := range f.Values["only_kinds"] {
		in.OnlyKinds = append(in.OnlyKinds, driver.Kind(k))
	}
	for _, k := range t.SettingFields {
		if v := strings.TrimSpace(f.Get("setting." + k)); v != "" {
			if in.Settings == nil {
				in.Settings = map[string]string{}
			}
			in.Settings[k] = v
		}
	}
	for _, k := range t.CredentialFields {
		if v := f.Get("credential." + k); v != "" {
			if in.Credentials == nil {
				in.Credentials = map[string]string{}
			}
			in.Credentials[k] = v
		}
	}
	return in
}

// clearCredentials drops typed credentials from a form shown again: they are never
// echoed back.
func clearCredentials(f *form) {
	for k := range f.Values {
		if strings.HasPrefix(k, "credential.") {
			delete(f.Values, k)
		}
	}
}

// provRename puts the service's field errors on the form's fields.
func provRename(t driver.Type) map[string]string {
	m := map[string]string{}
	for _, k := range t.SettingFields {
		m["settings."+k] = "setting." + k
	}
	for _, k := range t.CredentialFields {
		m["credentials."+k] = "credential." + k
	}
	return m
}

func (s *server) provServerFormPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, typ string, status int) {
	pg.Nav = "provisioning"
	v := provNewView{}
	types := s.prov.Types()
	for _, t := range types {
		v.Types = append(v.Types, option{Value: t.Name, Text: t.Name + " — " + pg.T("prov.types_hint_kinds", kindNames(pg, t.Kinds))})
	}
	t, ok := s.provType(typ)
	if !ok && len(types) > 0 {
		t = types[0]
	}
	v.Type, v.Enrols = t.Name, t.Enroll != nil
	if pg.Form == nil {
		pg.Form = newForm(nil)
	}
	clearCredentials(pg.Form)
	pg.Form.set("type", t.Name)
	if len(types) > 0 {
		v.Sets = pg.useFields(s.provServerFields(r, p, t, false)...)
	}
	pg.Data = v
	s.render(w, status, "staff_provisioning_new", pg)
}

func (s *server) provServerNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "prov.server_new")
	s.provServerFormPage(w, r, p, pg, r.URL.Query().Get("type"), http.StatusOK)
	return nil
}

type provRegisteredView struct {
	ID   int64
	Name string
	File string
	Href template.URL
}

func (s *server) provServerCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "prov.server_new")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	t, ok := s.provType(f.Get("type"))
	if !ok {
		f.Errors["type"] = pg.T("prov.err.type")
	}
	in := provServerInput(f, t, pg.Lang)
	if len(f.Errors) == 0 {
		reg, err := s.prov.RegisterServer(r.Context(), *p, in)
		switch {
		case err == nil && len(reg.Bundle) > 0:
			// The bundle is shown this once and kept nowhere: the page carries it as a
			// download, and is not cached (render sets no-store).
			pg.Title = pg.T("prov.registered_title")
			pg.Nav = "provisioning"
			pg.Form = nil
			pg.Data = provRegisteredView{ID: reg.Server.ID, Name: reg.Server.Name, File: bundleFile(reg.Server.Name),
				Href: template.URL("data:application/octet-stream;base64," + base64.StdEncoding.EncodeToString(reg.Bundle))}
			s.render(w, http.StatusOK, "staff_provisioning_registered", pg)
			return nil
		case err == nil:
			s.flash(w, "prov_server_registered")
			s.redirect(w, r, provServerBase(reg.Server.ID))
			return nil
		case monErrors(f, pg.Lang, err, provRename(t)):
		default:
			return err
		}
	}
	s.provServerFormPage(w, r, p, pg, t.Name, http.StatusUnprocessableEntity)
	return nil
}

// bundleFile names the enrolment bundle after the server, in characters any file
// system takes.
func bundleFile(name string) string {
	b := []byte(strings.ToLower(name))
	for i, c := range b {
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '.' && c != '-' {
			b[i] = '-'
		}
	}
	return strings.Trim(string(b), ".-") + "-hostpact-agent.bundle"
}

// ---- a server ----

type provLabelled struct {
	Label string
	Value string
}

type provServiceRow struct {
	provision.ServiceView
	Customer string
}

// provServiceRows names each service's customer, as far as the person may read it.
func (s *server) provServiceRows(r *http.Request, p *accounts.Principal, list []provision.ServiceView) []provServiceRow {
	ids := make([]int64, 0, len(list))
	for _, x := range list {
		ids = append(ids, x.OrgID)
	}
	// The customers' names in one query, not one per row (issue 16); a name that
	// cannot be read leaves the column empty, as before.
	names, err := s.acc.OrganisationNames(r.Context(), *p, ids)
	if err != nil {
		s.log.Error("provisioning list: customer names", "err", err)
	}
	out := make([]provServiceRow, 0, len(list))
	for _, x := range list {
		out = append(out, provServiceRow{ServiceView: x, Customer: names[x.OrgID]})
	}
	return out
}

type provServerView struct {
	Server      provision.Server
	Health      provHealth
	MonitorName string
	Settings    []provLabelled
	Credentials []provLabelled
	Services    []provServiceRow
	Pager       pager
	Sync        *provision.SyncReport
	Tasks       provTaskList
	Manage      bool
	EditSets    []fieldset
	EditOpen    bool
	TestResult  string
}

// provServerPage renders a server's page; f, when set, is the edit form that came back
// with errors.
func (s *server) provServerPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, id int64, f *form, testResult string, status int) error {
	ctx := r.Context()
	sv, err := s.prov.Server(ctx, *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = sv.Name, "provisioning"
	v := provServerView{Server: sv, Manage: p.Can(accounts.ProvisionManage, accounts.Provider), EditOpen: f != nil, TestResult: testResult}
	rep, err := s.prov.SyncReport(ctx, *p, id)
	switch {
	case err == nil && !rep.At.IsZero():
		v.Sync = &rep
	case err == nil, errors.Is(err, accounts.ErrNotFound):
	default:
		return err
	}
	v.Health = healthOf(pg, rep)
	if sv.MonitorServerID != 0 && s.mon != nil {
		if m, err := s.mon.Server(ctx, *p, sv.MonitorServerID); err == nil {
			v.MonitorName = m.Name
		}
	}
	t, _ := s.provType(sv.Type)
	for _, k := range t.SettingFields {
		if val := sv.Settings[k]; val != "" {
			v.Settings = append(v.Settings, provLabelled{Label: k, Value: val})
		}
	}
	for _, k := range t.CredentialFields {
		word := pg.T("prov.credential_unset")
		if slices.Contains(sv.CredentialNames, k) {
			word = pg.T("prov.credential_set")
		}
		v.Credentials = append(v.Credentials, provLabelled{Label: k, Value: word})
	}
	list, err := s.prov.ServicesOn(ctx, *p, id)
	if err != nil {
		return err
	}
	n := intParam(r.URL.Query().Get("page"), 1)
	v.Pager = newPager(r, n, provPerPage, len(list))
	from := min((n-1)*provPerPage, len(list))
	v.Services = s.provServiceRows(r, p, list[from:min(from+provPerPage, len(list))])
	tasks, err := s.prov.Queue(ctx, *p, provision.QueueFilter{ServerID: id, Open: true, Limit: provPerPage})
	if err != nil {
		return err
	}
	v.Tasks = provTaskList{Tasks: tasks, ShowService: true, Manage: v.Manage}
	if v.Manage {
		if f == nil {
			f = newForm(nil)
			f.set("name", sv.Name)
			f.set("endpoint", sv.Endpoint)
			f.set("location", sv.Location)
			f.set("capacity", strconv.Itoa(sv.Capacity))
			if sv.MonitorServerID != 0 {
				f.set("monitor_server_id", strconv.FormatInt(sv.MonitorServerID, 10))
			}
			if sv.Enabled {
				f.set("enabled", "1")
			}
			if sv.Draining {
				f.set("draining", "1")
			}
			for _, k := range sv.OnlyKinds {
				f.Values["only_kinds"] = append(f.Values["only_kinds"], string(k))
			}
			for k, val := range sv.Settings {
				f.set("setting."+k, val)
			}
		}
		clearCredentials(f)
		f.lang = pg.Lang
		pg.Form = f
		v.EditSets = pg.useFields(s.provServerFields(r, p, t, true)...)
	}
	pg.Data = v
	s.render(w, status, "staff_provisioning_server", pg)
	return nil
}

func (s *server) provServer(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.provServerPage(w, r, p, id, nil, "", http.StatusOK)
}

func (s *server) provServerUpdate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	lang := s.language(r, p)
	f, err := s.readForm(r, lang)
	if err != nil {
		return err
	}
	sv, err := s.prov.Server(ctx, *p, id)
	if err != nil {
		return err
	}
	t, _ := s.provType(sv.Type)
	in := provServerInput(f, t, lang)
	if len(f.Errors) == 0 {
		err := s.provSaveServer(r, p, sv, in, f.Get("enabled") != "", f.Get("draining") != "")
		switch {
		case err == nil:
			s.flash(w, "prov_server_saved")
			s.redirect(w, r, provServerBase(id))
			return nil
		case monErrors(f, lang, err, provRename(t)):
		default:
			return err
		}
	}
	return s.provServerPage(w, r, p, id, f, "", http.StatusUnprocessableEntity)
}

// provSaveServer saves the form and then the two switches, each only when it changed.
func (s *server) provSaveServer(r *http.Request, p *accounts.Principal, sv provision.Server, in provision.ServerInput, enabled, draining bool) error {
	ctx := r.Context()
	if _, err := s.prov.UpdateServer(ctx, *p, sv.ID, in); err != nil {
		return err
	}
	if enabled != sv.Enabled {
		if err := s.prov.SetServerEnabled(ctx, *p, sv.ID, enabled); err != nil {
			return err
		}
	}
	if draining != sv.Draining {
		if err := s.prov.SetServerDraining(ctx, *p, sv.ID, draining); err != nil {
			return err
		}
	}
	return nil
}

// provServerTest asks the server whether it answers and shows the answer on its page:
// the driver's words when it does not, which a flash (catalogue keys only) cannot carry.
func (s *server) provServerTest(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	lang := s.language(r, p)
	err = s.prov.TestServer(r.Context(), *p, id)
	switch {
	case err == nil:
		s.flash(w, "prov_test_ok")
		s.redirect(w, r, provServerBase(id))
		return nil
	case errors.Is(err, accounts.ErrForbidden), errors.Is(err, accounts.ErrNotFound):
		return err
	}
	return s.provServerPage(w, r, p, id, nil, translate(lang, "prov.test_failed", err.Error()), http.StatusOK)
}

// provServerSync compares the server with hostpact's records now and shows the report.
func (s *server) provServerSync(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if err := s.prov.SyncNow(r.Context(), *p, id); err != nil {
		return err
	}
	s.flash(w, "prov_synced")
	s.redirect(w, r, provServerBase(id))
	return nil
}

// ---- the queue: run again ----

func (s *server) provTask(r *http.Request, p *accounts.Principal, id int64) (provision.Task, error) {
	// Only a failed or refused step can be run again; any other answers as not found.
	t, err := s.prov.Task(r.Context(), *p, id)
	if err != nil {
		return provision.Task{}, err
	}
	if t.Status != provision.TaskFailed && t.Status != provision.TaskRefused {
		return provision.Task{}, accounts.ErrNotFound
	}
	return t, nil
}

func (s *server) provRetryPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	t, err := s.provTask(r, p, id)
	if err != nil {
		return err
	}
	server := "#" + strconv.FormatInt(t.ServerID, 10)
	if sv, err := s.prov.Server(r.Context(), *p, t.ServerID); err == nil {
		server = sv.Name
	}
	pg.Title, pg.Nav = pg.T("prov.retry_title"), "provisioning"
	v := confirmView{Question: pg.T("prov.retry_question", pg.T("prov.op."+string(t.Op)), t.Ref, server),
		Action: "/staff/provisioning/tasks/" + strconv.FormatInt(id, 10) + "/retry", Submit: "prov.retry",
		Cancel: provServiceBase(t.ServiceID) + "#history"}
	if t.Message != "" {
		v.Details = append(v.Details, pg.T("prov.retry_detail", t.Message))
	}
	v.Details = append(v.Details, pg.T("prov.retry_safe"))
	pg.Data = v
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) provRetry(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	t, err := s.provTask(r, p, id)
	if err != nil {
		return "", "", err
	}
	if err := s.prov.RunAgain(r.Context(), *p, id); err != nil {
		if provRefused(f, err) {
			return "", "", nil
		}
		return "", "", err
	}
	return "prov_retried", provServiceBase(t.ServiceID) + "#history", nil
}

// provRefused puts a provisioning refusal that belongs to no field (the service is not
// running, a reset is under way, the step cannot run again) on the form, and reports
// whether err was one.
func provRefused(f *form, err error) bool {
	for _, e := range []error{provision.ErrNothingToShow, provision.ErrNotRunning, provision.ErrNoPanel, provision.ErrResetUnderway,
		provision.ErrNotRetryable, provision.ErrGone} {
		if errors.Is(err, e) {
			var m i18n.Msg
			if errors.As(err, &m) {
				f.Errors["service"] = say(f.lang, m)
			} else {
				f.Errors["service"] = err.Error()
			}
			return true
		}
	}
	return false
}

// ---- a service ----

type provServiceView struct {
	Service        provision.ServiceView
	Customer       string
	Details        []provLabelled
	ProblemText    string
	Tasks          provTaskList
	Manage         bool
	CanMove        bool
	CanSuspend     bool
	StaffSuspended bool
}

func (s *server) provService(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	sv, err := s.prov.Service(ctx, *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = pg.T("prov.service_title", sv.Ref), "provisioning"
	v := provServiceView{Service: sv, Details: detailRows(pg, sv.Details), Manage: p.Can(accounts.ProvisionManage, accounts.Provider),
		StaffSuspended: sv.Suspended(driver.SuspendStaff)}
	if sv.Problem != "" && hasMessage(sv.Problem) {
		v.ProblemText = pg.T(sv.Problem)
	}
	live := sv.State != provision.StateTerminated && sv.State != provision.StateDeleted
	v.CanMove = live && sv.ServerID != 0
	v.CanSuspend = live && sv.State != provision.StatePending
	if org, err := s.acc.GetOrganisation(ctx, *p, sv.OrgID); err == nil {
		v.Customer = org.LegalName
	}
	// Staff who may read services but not the queue (billing) see the service without
	// its steps.
	tasks, err := s.prov.Queue(ctx, *p, provision.QueueFilter{ServiceID: id, Limit: provQueueMax})
	if err := allowed(err); err != nil {
		return err
	}
	v.Tasks = provTaskList{Tasks: tasks, Manage: v.Manage}
	pg.Data = v
	s.render(w, http.StatusOK, "staff_provisioning_service", pg)
	return nil
}

// detailRows labels a service's connection facts: the catalogue's words for the facts
// drivers commonly report, the driver's own name for the rest, in a stable order.
func detailRows(pg *page, m map[string]string) []provLabelled {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]provLabelled, 0, len(keys))
	for _, k := range keys {
		label := k
		if hasMessage("svc.detail." + k) {
			label = pg.T("svc.detail." + k)
		}
		out = append(out, provLabelled{Label: label, Value: m[k]})
	}
	return out
}

// provTargets are the servers a service can move to: enabled, taking new services,
// delivering its kind, with room, and not the one it is on.
func (s *server) provTargets(r *http.Request, p *accounts.Principal, pg *page, sv provision.ServiceView) ([]option, error) {
	list, err := s.prov.Servers(r.Context(), *p)
	if err != nil {
		return nil, err
	}
	var out []option
	for _, x := range list {
		if x.ID == sv.ServerID || !x.Enabled || x.Draining || x.Room() == 0 || !slices.Contains(x.Kinds, sv.Kind) {
			continue
		}
		out = append(out, option{Value: strconv.FormatInt(x.ID, 10), Text: pg.T("prov.target_option", x.Name, x.Location, x.Room())})
	}
	return out, nil
}

func (s *server) provMovePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	sv, err := s.prov.Service(r.Context(), *p, id)
	if err != nil {
		return err
	}
	targets, err := s.provTargets(r, p, pg, sv)
	if err != nil {
		return err
	}
	pg.Title, pg.Nav = pg.T("prov.move_title"), "provisioning"
	base := provServiceBase(id)
	v := confirmView{Question: pg.T("prov.move_question", sv.Ref, sv.ServerName), Action: base + "/move", Submit: "prov.move",
		Cancel: base, Details: []string{pg.T("prov.move_detail")}}
	if len(targets) == 0 {
		if pg.Form == nil {
			pg.Form = newForm(nil)
		}
		pg.Form.General = append(pg.Form.General, pg.T("prov.move_none"))
	} else {
		v.Sets = pg.useFields(fieldset{Fields: []field{{Name: "server_id", Label: "prov.f.target", Type: "select", Required: true, Options: targets}}})
	}
	pg.Data = v
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) provMove(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	to, err := strconv.ParseInt(f.Get("server_id"), 10, 64)
	if err != nil || to <= 0 {
		f.Errors["server_id"] = pg.T("prov.err.target")
		return "", "", nil
	}
	if err := s.prov.Move(r.Context(), *p, id, to); err != nil {
		if provRefused(f, err) {
			return "", "", nil
		}
		return "", "", err
	}
	return "prov_moved", provServiceBase(id) + "#history", nil
}

func (s *server) provSuspendPage(suspend bool) confirmPage {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
		sv, err := s.prov.Service(r.Context(), *p, id)
		if err != nil {
			return err
		}
		customer := "#" + strconv.FormatInt(sv.OrgID, 10)
		if org, err := s.acc.GetOrganisation(r.Context(), *p, sv.OrgID); err == nil {
			customer = org.LegalName
		}
		pg.Nav = "provisioning"
		base := provServiceBase(id)
		v := confirmView{Cancel: base}
		if suspend {
			pg.Title = pg.T("prov.suspend_title")
			v.Question, v.Action, v.Submit, v.Danger = pg.T("prov.suspend_question", sv.Ref, customer), base+"/suspend", "prov.suspend", true
			v.Details = []string{pg.T("prov.suspend_detail")}
			v.Sets = pg.useFields(fieldset{Fields: []field{{Name: "note", Label: "prov.f.note", Type: "text", Required: true, Max: 2000, Wide: true, Hint: "prov.f.note_hint"}}})
		} else {
			pg.Title = pg.T("prov.unsuspend_title")
			v.Question, v.Action, v.Submit = pg.T("prov.unsuspend_question", sv.Ref), base+"/unsuspend", "prov.unsuspend"
			v.Details = []string{pg.T("prov.unsuspend_detail")}
		}
		pg.Data = v
		s.render(w, status, "confirm", pg)
		return nil
	}
}

func (s *server) provSuspend(suspend bool) confirmAct {
	return func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
		if suspend {
			if err := s.prov.SuspendByStaff(r.Context(), *p, id, strings.TrimSpace(f.Get("note"))); err != nil {
				if provRefused(f, err) {
					return "", "", nil
				}
				return "", "", err
			}
			return "prov_suspended", provServiceBase(id), nil
		}
		if err := s.prov.UnsuspendByStaff(r.Context(), *p, id); err != nil {
			if provRefused(f, err) {
				return "", "", nil
			}
			return "", "", err
		}
		return "prov_unsuspended", provServiceBase(id), nil
	}
}
