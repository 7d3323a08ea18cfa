package web

import (
	"cmp"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/monitor/probe"
)

// The staff monitoring pages: the provider's servers grouped by kind and location with
// the current state of every measured component, the open outages and recent alerts,
// the probe locations; a server's page with its components (and the checks that
// measure them), the services placed on it, and the forms that change all of these.
// The monitor service decides who may read (all staff) and who may change (support,
// security); these pages only hide forms a person could not send anyway.

func (s *server) monitorRoutes(staff func(string, handlerFunc)) {
	staff("GET /staff/monitoring", s.monOverview)
	staff("GET /staff/monitoring/outages", s.monOutages)
	staff("GET /staff/monitoring/servers/new", s.monServerNew)
	staff("POST /staff/monitoring/servers/new", s.monServerCreate)
	staff("GET /staff/monitoring/servers/{id}", s.monServer)
	staff("POST /staff/monitoring/servers/{id}", s.monServerUpdate)
	staff("POST /staff/monitoring/servers/{id}/components", s.monComponentAdd)
	staff("GET /staff/monitoring/servers/{id}/place", s.confirmGet(s.monPlacePage))
	staff("POST /staff/monitoring/servers/{id}/place", s.confirmPost(s.monPlacePage, nil, s.monPlace))
	staff("GET /staff/monitoring/servers/{id}/unplace", s.confirmGet(s.monUnplacePage))
	staff("POST /staff/monitoring/servers/{id}/unplace", s.confirmPost(s.monUnplacePage, nil, s.monUnplace))
	staff("GET /staff/monitoring/servers/{id}/delete", s.confirmGet(s.monDeletePage))
	staff("POST /staff/monitoring/servers/{id}/delete", s.confirmPost(s.monDeletePage, nil, s.monDelete))
	staff("GET /staff/monitoring/components/{id}/edit", s.monComponentEdit)
	staff("POST /staff/monitoring/components/{id}/edit", s.monComponentUpdate)
	for _, on := range []bool{false, true} {
		verb := "/disable"
		if on {
			verb = "/enable"
		}
		show := s.monEnablePage(on)
		staff("GET /staff/monitoring/components/{id}"+verb, s.confirmGet(show))
		staff("POST /staff/monitoring/components/{id}"+verb, s.confirmPost(show, nil, s.monSetEnabled(on)))
	}
}

// MonitorNav reports whether the navigation offers the monitoring pages: they are
// mounted and the person may read them (the service decides for real).
func (p *page) MonitorNav() bool {
	return p.Monitor && p.P != nil && p.P.Can(accounts.MonitorRead, accounts.Provider)
}

func monBase(serverID int64) string {
	return "/staff/monitoring/servers/" + strconv.FormatInt(serverID, 10)
}

// monErrors puts the monitor service's field errors on the form. The service words
// them as catalogue keys; anything else (a check's own message) is shown as written.
func monErrors(f *form, lang string, err error, rename map[string]string) bool {
	var fe accounts.FieldErrors
	if !errors.As(err, &fe) {
		return false
	}
	for k, msg := range fe {
		if to, ok := rename[k]; ok {
			k = to
		}
		if _, dup := f.Errors[k]; dup {
			continue
		}
		f.Errors[k] = say(lang, msg)
	}
	return true
}

// monOption labels a value with its catalogue entry when there is one, else as is.
func monOption(prefix, v string) option {
	if hasMessage(prefix + v) {
		return option{Value: v, Label: prefix + v}
	}
	return option{Value: v, Text: v}
}

var placeholderRE = regexp.MustCompile(`\{[a-z_]+\}`)

// monReason is a failure reason for staff. Only its key is stored with the results
// (the details vary per check), so the sentence's blanks are left out.
func monReason(lang, key string) string {
	if key == "" {
		return ""
	}
	t := (&probe.Reason{Key: key}).Text(lang)
	if t == key {
		return key
	}
	t = placeholderRE.ReplaceAllString(t, "…")
	return t
}

func monDuration(lang string, d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d < time.Hour:
		return translate(lang, "monitor.dur_m", int(d/time.Minute))
	case d < 48*time.Hour:
		return translate(lang, "monitor.dur_hm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	default:
		return translate(lang, "monitor.dur_dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
	}
}

func monLatency(d time.Duration) string {
	if d <= 0 {
		return "—"
	}
	if d < 10*time.Millisecond {
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%d ms", d.Round(time.Millisecond)/time.Millisecond)
}

// ---- views ----

type monComponentRow struct {
	monitor.ComponentStatus
	ReasonText  string
	LatencyText string
	Badge       string // the badge class of State
}

func monRows(lang string, cs []monitor.ComponentStatus) []monComponentRow {
	out := make([]monComponentRow, len(cs))
	for i, c := range cs {
		out[i] = monComponentRow{ComponentStatus: c, ReasonText: monReason(lang, c.Reason), LatencyText: monLatency(c.Latency), Badge: monBadge(c.State)}
		if !c.Enabled {
			out[i].Badge = ""
		}
	}
	return out
}

func monBadge(state string) string {
	switch state {
	case "up":
		return "ok"
	case "down":
		return "warn"
	case "failing":
		return "soon"
	}
	return ""
}

type monServerRow struct {
	Server     monitor.Server
	Components []monComponentRow
}

type monGroup struct {
	Kind, Location string
	Servers        []monServerRow
}

type monOutageRow struct {
	monitor.Outage
	Server     string
	Duration   string
	ReasonText string
}

type monAlertRow struct {
	monitor.Alert
	Server string
}

type monOverviewView struct {
	Groups    []monGroup
	Open      []monOutageRow
	Alerts    []monAlertRow
	Locations []monitor.Location
	Manage    bool
}

func (s *server) monOutageRows(lang string, list []monitor.Outage, names map[int64]string) []monOutageRow {
	now := s.clock.Now()
	out := make([]monOutageRow, len(list))
	for i, o := range list {
		end := o.To
		if end.IsZero() {
			end = now
		}
		out[i] = monOutageRow{Outage: o, Server: names[o.ServerID], Duration: monDuration(lang, end.Sub(o.From)), ReasonText: monReason(lang, o.Reason)}
		if out[i].Server == "" {
			out[i].Server = "#" + strconv.FormatInt(o.ServerID, 10)
		}
	}
	return out
}

func serverNames(svs []monitor.Server) map[int64]string {
	m := make(map[int64]string, len(svs))
	for _, sv := range svs {
		m[sv.ID] = sv.Name
	}
	return m
}

func (s *server) monOverview(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	pg := s.newPage(w, r, "monitor.title")
	pg.Nav = "monitoring"
	svs, err := s.mon.Servers(ctx, *p)
	if err != nil {
		return err
	}
	v := monOverviewView{Manage: p.Can(accounts.MonitorManage, accounts.Provider)}
	sorted := slices.Clone(svs)
	slices.SortStableFunc(sorted, func(a, b monitor.Server) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Location, b.Location), cmp.Compare(a.Name, b.Name))
	})
	for _, sv := range sorted {
		cs, err := s.mon.Components(ctx, *p, sv.ID)
		if err != nil {
			return err
		}
		if n := len(v.Groups); n == 0 || v.Groups[n-1].Kind != sv.Kind || v.Groups[n-1].Location != sv.Location {
			v.Groups = append(v.Groups, monGroup{Kind: sv.Kind, Location: sv.Location})
		}
		g := &v.Groups[len(v.Groups)-1]
		g.Servers = append(g.Servers, monServerRow{Server: sv, Components: monRows(pg.Lang, cs)})
	}
	names := serverNames(svs)
	open, err := s.mon.Outages(ctx, *p, monitor.OutageFilter{Open: true}, monitor.Page{Limit: 100})
	if err != nil {
		return err
	}
	v.Open = s.monOutageRows(pg.Lang, open, names)
	alerts, err := s.mon.Alerts(ctx, *p, monitor.Page{Limit: 10})
	if err != nil {
		return err
	}
	for _, a := range alerts {
		v.Alerts = append(v.Alerts, monAlertRow{Alert: a, Server: names[a.ServerID]})
	}
	if v.Locations, err = s.mon.Locations(ctx, *p); err != nil {
		return err
	}
	pg.Data = v
	s.render(w, http.StatusOK, "staff_monitoring", pg)
	return nil
}

// ---- outages ----

type monOutagesView struct {
	Outages []monOutageRow
	Open    bool
	Server  int64
	Servers []option
	Cursor  cursor
}

const monOutagesPerPage = 50

func (s *server) monOutages(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	pg := s.newPage(w, r, "monitor.outages_title")
	pg.Nav = "monitoring"
	q := r.URL.Query()
	f := monitor.OutageFilter{Open: q.Get("open") != ""}
	if id, err := strconv.ParseInt(q.Get("server"), 10, 64); err == nil && id > 0 {
		f.ServerID = id
	}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	list, err := s.mon.Outages(ctx, *p, f, monitor.Page{Before: max(before, 0), Limit: monOutagesPerPage + 1})
	if err != nil {
		return err
	}
	more := len(list) > monOutagesPerPage
	list = list[:min(len(list), monOutagesPerPage)]
	svs, err := s.mon.Servers(ctx, *p)
	if err != nil {
		return err
	}
	v := monOutagesView{Outages: s.monOutageRows(pg.Lang, list, serverNames(svs)), Open: f.Open, Server: f.ServerID}
	for _, sv := range svs {
		v.Servers = append(v.Servers, option{Value: strconv.FormatInt(sv.ID, 10), Text: sv.Name + " (" + sv.Location + ")"})
	}
	var last int64
	if len(list) > 0 {
		last = list[len(list)-1].ID
	}
	v.Cursor = newCursor(r, "before", more, last)
	pg.Data = v
	s.render(w, http.StatusOK, "staff_monitoring_outages", pg)
	return nil
}

// ---- servers ----

func (s *server) monServerFields() []fieldset {
	var kinds []option
	for _, k := range s.mon.Kinds() {
		kinds = append(kinds, monOption("monitor.kind.", k))
	}
	return []fieldset{{Fields: []field{
		{Name: "name", Label: "monitor.f.server_name", Type: "text", Required: true, Auto: "off", Max: 100, Hint: "monitor.f.server_name_hint"},
		{Name: "kind", Label: "monitor.f.kind", Type: "select", Required: true, Options: kinds, Hint: "monitor.f.kind_hint"},
		{Name: "location", Label: "monitor.f.location", Type: "text", Required: true, Auto: "off", Max: 50, Hint: "monitor.f.location_hint"},
		{Name: "description", Label: "monitor.f.description", Type: "text", Auto: "off", Max: 500, Wide: true},
	}}}
}

func monServerInput(f *form) monitor.ServerInput {
	return monitor.ServerInput{Name: f.Get("name"), Kind: f.Get("kind"), Location: f.Get("location"), Description: f.Get("description")}
}

func setServerForm(f *form, sv monitor.Server) {
	f.set("name", sv.Name)
	f.set("kind", sv.Kind)
	f.set("location", sv.Location)
	f.set("description", sv.Description)
}

func (s *server) monServerFormPage(w http.ResponseWriter, pg *page, status int) {
	pg.Nav = "monitoring"
	pg.Data = formView{Action: "/staff/monitoring/servers/new", Sets: pg.useFields(s.monServerFields()...), Submit: "monitor.server_create",
		Cancel: "/staff/monitoring", Intro: pg.T("monitor.server_new_intro")}
	s.render(w, status, "form", pg)
}

func (s *server) monServerNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "monitor.server_new_title")
	pg.Form = newForm(nil)
	s.monServerFormPage(w, pg, http.StatusOK)
	return nil
}

func (s *server) monServerCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "monitor.server_new_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	if len(f.Errors) == 0 {
		sv, err := s.mon.CreateServer(r.Context(), *p, monServerInput(f))
		switch {
		case err == nil:
			s.flash(w, "monitor_server_created")
			s.redirect(w, r, monBase(sv.ID))
			return nil
		case monErrors(f, pg.Lang, err, nil):
		default:
			return err
		}
	}
	s.monServerFormPage(w, pg, http.StatusUnprocessableEntity)
	return nil
}

type monPlacementRow struct {
	monitor.Placement
	Customer string // the organisation's name, when the person may see it
	Service  string // the subscription's name and domain, when known
}

type monServerView struct {
	Server     monitor.Server
	Components []monComponentRow
	Placements []monPlacementRow
	Outages    []monOutageRow
	Manage     bool
	EditSets   []fieldset
	EditOpen   bool // the edit form had errors: show it unfolded
	Check      string
	Checks     []option
	AddSets    []fieldset
	PlaceSets  []fieldset
}

// monServerPage renders a server's page. f, when set, is a form sent from this page
// that came back with errors: its values and errors are shown over the saved ones.
func (s *server) monServerPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, id int64, f *form, editErr bool, status int) error {
	ctx := r.Context()
	sv, err := s.mon.Server(ctx, *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = sv.Name, "monitoring"
	cs, err := s.mon.Components(ctx, *p, id)
	if err != nil {
		return err
	}
	pl, err := s.mon.PlacementsOf(ctx, *p, id)
	if err != nil {
		return err
	}
	recent, err := s.mon.Outages(ctx, *p, monitor.OutageFilter{ServerID: id}, monitor.Page{Limit: 10})
	if err != nil {
		return err
	}
	v := monServerView{Server: sv, Components: monRows(pg.Lang, cs), Outages: s.monOutageRows(pg.Lang, recent, map[int64]string{sv.ID: sv.Name}),
		Manage: p.Can(accounts.MonitorManage, accounts.Provider), EditOpen: editErr}
	for _, x := range pl {
		v.Placements = append(v.Placements, s.monPlacement(r, p, x))
	}
	base := newForm(nil)
	setServerForm(base, sv)
	check := probe.Kind(r.URL.Query().Get("check"))
	if f != nil {
		if !editErr {
			// The component form came back: the edit form keeps the saved server.
			for k, vs := range f.Values {
				if k != "name" && k != "kind" && k != "location" && k != "description" {
					base.Values[k] = vs
				}
			}
		} else {
			copyValues(base.Values, f.Values)
		}
		base.Errors, base.General = f.Errors, f.General
		if c := f.Get("check"); c != "" {
			check = probe.Kind(c)
		}
	}
	if !slices.Contains(probeKinds, check) {
		check = probe.KindHTTP
	}
	base.lang = pg.Lang
	clearSecrets(base)
	if base.Get("interval") == "" {
		base.set("interval", "60")
	}
	base.set("check", string(check))
	pg.Form = base
	v.Check, v.Checks = string(check), checkOptions()
	v.EditSets = pg.useFields(s.monServerFields()...)
	v.AddSets = pg.useFields(s.monComponentFields(sv, check, false)...)
	v.PlaceSets = pg.useFields(fieldset{Fields: []field{placeField}})
	pg.Data = v
	s.render(w, status, "staff_monitoring_server", pg)
	return nil
}

func copyValues(dst, src map[string][]string) {
	for k, v := range src {
		dst[k] = v
	}
}

var placeField = field{Name: "subscription", Label: "monitor.f.subscription", Type: "text", Mode: "numeric", Required: true, Max: 20,
	Hint: "monitor.f.subscription_hint"}

// monPlacement describes a placement with what this person may read of it.
func (s *server) monPlacement(r *http.Request, p *accounts.Principal, x monitor.Placement) monPlacementRow {
	row := monPlacementRow{Placement: x}
	if s.con != nil {
		if sub, err := s.con.GetSubscription(r.Context(), *p, x.SubscriptionID); err == nil {
			row.Service = sub.Name
			if sub.Domain != "" {
				row.Service += " · " + sub.Domain
			}
		}
	}
	if org, err := s.acc.GetOrganisation(r.Context(), *p, x.OrgID); err == nil {
		row.Customer = org.LegalName
	}
	return row
}

func (s *server) monServer(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.monServerPage(w, r, p, id, nil, false, http.StatusOK)
}

func (s *server) monServerUpdate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, lang, f, err := s.idForm(r, p)
	if err != nil {
		return err
	}
	if len(f.Errors) == 0 {
		_, err := s.mon.UpdateServer(r.Context(), *p, id, monServerInput(f))
		switch {
		case err == nil:
			s.flash(w, "monitor_server_saved")
			s.redirect(w, r, monBase(id))
			return nil
		case monErrors(f, lang, err, nil):
		default:
			return err
		}
	}
	return s.monServerPage(w, r, p, id, f, true, http.StatusUnprocessableEntity)
}

// ---- components ----

var probeKinds = []probe.Kind{probe.KindHTTP, probe.KindHTTPS, probe.KindTCP, probe.KindICMP, probe.KindMySQL,
	probe.KindPOP3, probe.KindIMAP, probe.KindSMTP, probe.KindDNS, probe.KindWireGuard}

func checkOptions() []option {
	out := make([]option, len(probeKinds))
	for i, k := range probeKinds {
		out[i] = option{Value: string(k), Label: "monitor.check." + string(k)}
	}
	return out
}

// secretFields are the parts of a check that are never shown back: left empty on a
// change, the stored ones are kept.
var secretFields = []string{"password", "private_key", "preshared_key"}

func clearSecrets(f *form) {
	for _, n := range secretFields {
		delete(f.Values, n)
	}
}

// monComponentFields is the form of a component measured by a check of kind: the
// fields of probe.Spec that kind uses.
func (s *server) monComponentFields(sv monitor.Server, kind probe.Kind, edit bool) []fieldset {
	var names []option
	for _, n := range s.mon.ComponentNames(sv.Kind) {
		names = append(names, monOption("monitor.component.", n))
	}
	secretHint := ""
	if edit {
		secretHint = "monitor.f.secret_keep"
	}
	text := func(name, label, hint string, max int) field {
		return field{Name: name, Label: label, Type: "text", Auto: "off", Max: max, Hint: hint}
	}
	secret := func(name, label string) field {
		return field{Name: name, Label: label, Type: "password", Auto: "new-password", Max: 200, Hint: secretHint}
	}
	tls := []field{
		text("server_name", "monitor.f.server_name_tls", "monitor.f.server_name_tls_hint", 253),
		{Name: "root_cas_pem", Label: "monitor.f.root_cas", Type: "textarea", Hint: "monitor.f.root_cas_hint", Wide: true},
	}
	var spec []field
	addr := text("address", "monitor.f.address", "monitor.f.address_hint", 260)
	switch kind {
	case probe.KindHTTP, probe.KindHTTPS:
		spec = append(spec, field{Name: "url", Label: "monitor.f.url", Type: "text", Mode: "url", Required: true, Auto: "off", Max: 2000, Wide: true},
			text("address", "monitor.f.connect_to", "monitor.f.connect_to_hint", 260),
			text("status", "monitor.f.status", "monitor.f.status_hint", 100),
			text("keyword", "monitor.f.keyword", "monitor.f.keyword_hint", 200))
		if kind == probe.KindHTTPS {
			spec = append(spec, tls...)
		}
	case probe.KindTCP:
		spec = append(spec, addr)
	case probe.KindICMP:
		spec = append(spec, text("address", "monitor.f.host", "monitor.f.host_hint", 253))
	case probe.KindMySQL:
		spec = append(spec, addr, text("user", "monitor.f.user", "monitor.f.user_hint", 100), secret("password", "monitor.f.password"))
	case probe.KindPOP3, probe.KindIMAP, probe.KindSMTP:
		spec = append(spec, addr, field{Name: "security", Label: "monitor.f.security", Type: "select", Options: []option{
			{Value: "tls", Label: "monitor.sec.tls"}, {Value: "starttls", Label: "monitor.sec.starttls"}, {Value: "plain", Label: "monitor.sec.plain"}}})
		if kind != probe.KindSMTP {
			spec = append(spec, text("user", "monitor.f.user", "monitor.f.user_hint", 100), secret("password", "monitor.f.password"),
				field{Name: "allow_plaintext_auth", Label: "monitor.f.plaintext", Type: "checkbox", Hint: "monitor.f.plaintext_hint"})
		}
		spec = append(spec, tls...)
	case probe.KindDNS:
		spec = append(spec, text("address", "monitor.f.nameserver", "monitor.f.address_hint", 260),
			text("zone", "monitor.f.zone", "monitor.f.zone_hint", 253),
			field{Name: "tcp", Label: "monitor.f.tcp", Type: "checkbox"})
	case probe.KindWireGuard:
		spec = append(spec, text("address", "monitor.f.endpoint", "monitor.f.address_hint", 260),
			text("server_public_key", "monitor.f.server_public_key", "", 60),
			secret("private_key", "monitor.f.private_key"), secret("preshared_key", "monitor.f.preshared_key"),
			text("tunnel_address", "monitor.f.tunnel_address", "monitor.f.tunnel_address_hint", 60),
			text("ping_address", "monitor.f.ping_address", "monitor.f.ping_address_hint", 60))
	}
	return []fieldset{
		{Fields: []field{
			{Name: "check", Type: "hidden"},
			{Name: "component", Label: "monitor.f.component", Type: "select", Required: true, Options: names, Hint: "monitor.f.component_hint"},
			text("target", "monitor.f.target", "monitor.f.target_hint", 200),
			{Name: "interval", Label: "monitor.f.interval", Type: "number", Mode: "numeric", Required: true, Max: 6, Hint: "monitor.f.interval_hint"},
			{Name: "timeout", Label: "monitor.f.timeout", Type: "number", Mode: "numeric", Max: 4, Hint: "monitor.f.timeout_hint"},
		}},
		{Legend: "monitor.check." + string(kind), Fields: spec},
	}
}

// monComponentInput reads the component form. Only what is no text (numbers) is
// checked here; the check itself is the service's (probe.Spec.Validate) to judge.
func monComponentInput(f *form, lang string) monitor.ComponentInput {
	kind := probe.Kind(f.Get("check"))
	sp := probe.Spec{
		Kind: kind, URL: strings.TrimSpace(f.Get("url")), Address: strings.TrimSpace(f.Get("address")),
		Keyword: f.Get("keyword"), ServerName: strings.TrimSpace(f.Get("server_name")), RootCAsPEM: strings.TrimSpace(f.Get("root_cas_pem")),
		Security: f.Get("security"), User: strings.TrimSpace(f.Get("user")), Password: f.Get("password"),
		AllowPlaintextAuth: f.Get("allow_plaintext_auth") != "", Zone: strings.TrimSpace(f.Get("zone")), TCP: f.Get("tcp") != "",
		ServerPublicKey: strings.TrimSpace(f.Get("server_public_key")), PrivateKey: strings.TrimSpace(f.Get("private_key")),
		PresharedKey: strings.TrimSpace(f.Get("preshared_key")), TunnelAddress: strings.TrimSpace(f.Get("tunnel_address")),
		PingAddress: strings.TrimSpace(f.Get("ping_address")),
	}
	if !slices.Contains(probeKinds, kind) {
		f.Errors["check"] = translate(lang, "monitor.err.check")
	}
	for _, c := range strings.FieldsFunc(f.Get("status"), func(r rune) bool { return r == ',' || r == ' ' }) {
		n, err := strconv.Atoi(c)
		if err != nil || n < 100 || n > 599 {
			f.Errors["status"] = translate(lang, "monitor.err.status")
			break
		}
		sp.Status = append(sp.Status, n)
	}
	in := monitor.ComponentInput{Name: f.Get("component"), Target: strings.TrimSpace(f.Get("target")), Spec: sp}
	secs, err := strconv.Atoi(strings.TrimSpace(f.Get("interval")))
	if err != nil || secs < 1 {
		f.Errors["interval"] = translate(lang, "monitor.err.interval")
	}
	in.Interval = time.Duration(secs) * time.Second
	if t := strings.TrimSpace(f.Get("timeout")); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 {
			f.Errors["timeout"] = translate(lang, "form.not_a_number")
		}
		in.Spec.TimeoutSeconds = n
	}
	return in
}

// setComponentForm fills the component form from a saved component, without its
// secrets.
func setComponentForm(f *form, c monitor.Component) {
	sp := c.Spec
	f.set("check", string(sp.Kind))
	f.set("component", c.Name)
	f.set("target", c.Target)
	f.set("interval", strconv.Itoa(int(c.Interval/time.Second)))
	if sp.TimeoutSeconds > 0 {
		f.set("timeout", strconv.Itoa(sp.TimeoutSeconds))
	}
	var codes []string
	for _, n := range sp.Status {
		codes = append(codes, strconv.Itoa(n))
	}
	for k, v := range map[string]string{"url": sp.URL, "address": sp.Address, "status": strings.Join(codes, ", "), "keyword": sp.Keyword,
		"server_name": sp.ServerName, "root_cas_pem": sp.RootCAsPEM, "security": sp.Security, "user": sp.User, "zone": sp.Zone,
		"server_public_key": sp.ServerPublicKey, "tunnel_address": sp.TunnelAddress, "ping_address": sp.PingAddress} {
		if v != "" {
			f.set(k, v)
		}
	}
	if sp.AllowPlaintextAuth {
		f.set("allow_plaintext_auth", "1")
	}
	if sp.TCP {
		f.set("tcp", "1")
	}
}

// componentRename puts the service's errors on the form's fields.
var componentRename = map[string]string{"name": "component"}

func (s *server) monComponentAdd(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, lang, f, err := s.idForm(r, p)
	if err != nil {
		return err
	}
	in := monComponentInput(f, lang)
	if len(f.Errors) == 0 {
		_, err := s.mon.AddComponent(r.Context(), *p, id, in)
		switch {
		case err == nil:
			s.flash(w, "monitor_component_added")
			s.redirect(w, r, monBase(id)+"#components")
			return nil
		case monErrors(f, lang, err, componentRename):
		default:
			return err
		}
	}
	return s.monServerPage(w, r, p, id, f, false, http.StatusUnprocessableEntity)
}

type monComponentView struct {
	Server    monitor.Server
	Component monitor.Component
	Action    string
	Check     string
	Checks    []option
	Sets      []fieldset
}

func (s *server) monComponentFormPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, id int64, f *form, status int) error {
	ctx := r.Context()
	c, err := s.mon.Component(ctx, *p, id)
	if err != nil {
		return err
	}
	sv, err := s.mon.Server(ctx, *p, c.ServerID)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = pg.T("monitor.component_edit_title", c.Name, c.Target), "monitoring"
	if f == nil {
		f = newForm(nil)
		setComponentForm(f, c)
		if k := probe.Kind(r.URL.Query().Get("check")); slices.Contains(probeKinds, k) && k != c.Spec.Kind {
			// Another kind of check: its fields start empty.
			f = newForm(nil)
			f.set("component", c.Name)
			f.set("target", c.Target)
			f.set("interval", strconv.Itoa(int(c.Interval/time.Second)))
			f.set("check", string(k))
		}
	}
	clearSecrets(f)
	f.lang = pg.Lang
	pg.Form = f
	check := probe.Kind(f.Get("check"))
	if !slices.Contains(probeKinds, check) {
		check = c.Spec.Kind
		f.set("check", string(check))
	}
	c.Spec = probe.Spec{}
	action := "/staff/monitoring/components/" + strconv.FormatInt(id, 10) + "/edit"
	pg.Data = monComponentView{Server: sv, Component: c, Action: action, Check: string(check), Checks: checkOptions(),
		Sets: pg.useFields(s.monComponentFields(sv, check, true)...)}
	s.render(w, status, "staff_monitoring_component", pg)
	return nil
}

func (s *server) monComponentEdit(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.monComponentFormPage(w, r, p, id, nil, http.StatusOK)
}

func (s *server) monComponentUpdate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, lang, f, err := s.idForm(r, p)
	if err != nil {
		return err
	}
	in := monComponentInput(f, lang)
	if len(f.Errors) == 0 {
		c, err := s.mon.UpdateComponent(r.Context(), *p, id, in)
		switch {
		case err == nil:
			s.flash(w, "monitor_component_saved")
			s.redirect(w, r, monBase(c.ServerID)+"#components")
			return nil
		case monErrors(f, lang, err, componentRename):
		default:
			return err
		}
	}
	return s.monComponentFormPage(w, r, p, id, f, http.StatusUnprocessableEntity)
}

func (s *server) monEnablePage(enable bool) confirmPage {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
		c, err := s.mon.Component(r.Context(), *p, id)
		if err != nil {
			return err
		}
		pg.Nav = "monitoring"
		base := "/staff/monitoring/components/" + strconv.FormatInt(id, 10)
		v := confirmView{Cancel: monBase(c.ServerID) + "#components"}
		if enable {
			pg.Title = pg.T("monitor.enable_title")
			v.Question, v.Action, v.Submit = pg.T("monitor.enable_question", c.Name, c.Target), base+"/enable", "monitor.enable"
		} else {
			pg.Title = pg.T("monitor.disable_title")
			v.Question, v.Action, v.Submit, v.Danger = pg.T("monitor.disable_question", c.Name, c.Target), base+"/disable", "monitor.disable", true
			v.Details = []string{pg.T("monitor.disable_detail")}
		}
		pg.Data = v
		s.render(w, status, "confirm", pg)
		return nil
	}
}

func (s *server) monSetEnabled(enable bool) confirmAct {
	return func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
		c, err := s.mon.Component(r.Context(), *p, id)
		if err != nil {
			return "", "", err
		}
		if err := s.mon.SetComponentEnabled(r.Context(), *p, id, enable); err != nil {
			return "", "", err
		}
		flash := "monitor_component_disabled"
		if enable {
			flash = "monitor_component_enabled"
		}
		return flash, monBase(c.ServerID) + "#components", nil
	}
}

// ---- placements ----

// monPlacePage asks to confirm placing a subscription on a server, showing whose
// service it is, so that a mistyped number is caught before it counts for an SLA.
func (s *server) monPlacePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	sv, err := s.mon.Server(r.Context(), *p, id)
	if err != nil {
		return err
	}
	detail, _ := pg.Data.(placeDetail)
	if pg.Form == nil {
		pg.Form = newForm(nil)
		if q := strings.TrimSpace(r.URL.Query().Get("subscription")); q != "" {
			pg.Form.set("subscription", truncate(q, 20))
			if _, _, detail, err = s.monSubscription(r, p, pg, pg.Form); err != nil {
				return err
			}
		}
	}
	pg.Title, pg.Nav = pg.T("monitor.place_title"), "monitoring"
	v := confirmView{Question: pg.T("monitor.place_question", sv.Name, sv.Kind, sv.Location), Action: monBase(id) + "/place",
		Submit: "monitor.place", Cancel: monBase(id) + "#placements"}
	if detail != "" {
		v.Details = []string{string(detail)}
	}
	v.Sets = pg.useFields(fieldset{Fields: []field{placeField, {Name: "seen", Type: "hidden"}}})
	pg.Data = v
	s.render(w, status, "confirm", pg)
	return nil
}

// placeDetail describes the subscription a place page is about (translated).
type placeDetail string

// monSubscription looks up the subscription the form names, describes it, and notes
// on the form as "seen" the number that description is about.
func (s *server) monSubscription(r *http.Request, p *accounts.Principal, pg *page, f *form) (subID, orgID int64, detail placeDetail, err error) {
	delete(f.Values, "seen")
	subID, err = strconv.ParseInt(strings.TrimSpace(f.Get("subscription")), 10, 64)
	if err != nil || subID <= 0 {
		f.Errors["subscription"] = pg.T("monitor.err.subscription")
		return 0, 0, "", nil
	}
	if s.con == nil {
		f.Errors["subscription"] = pg.T("monitor.err.no_contracts")
		return 0, 0, "", nil
	}
	sub, err := s.con.GetSubscription(r.Context(), *p, subID)
	if errors.Is(err, accounts.ErrNotFound) {
		f.Errors["subscription"] = pg.T("monitor.err.no_subscription", subID)
		return 0, 0, "", nil
	}
	if err != nil {
		return 0, 0, "", err
	}
	customer := "#" + strconv.FormatInt(sub.OrgID, 10)
	if org, err := s.acc.GetOrganisation(r.Context(), *p, sub.OrgID); err == nil {
		customer = org.LegalName
	}
	what := sub.Name
	if sub.Domain != "" {
		what += " (" + sub.Domain + ")"
	}
	f.set("seen", strconv.FormatInt(subID, 10))
	return subID, sub.OrgID, placeDetail(pg.T("monitor.place_detail", subID, what, customer)), nil
}

func (s *server) monPlace(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	seen := f.Get("seen")
	subID, orgID, detail, err := s.monSubscription(r, p, pg, f)
	if err != nil || subID == 0 {
		return "", "", err
	}
	pg.Data = detail
	if seen != strconv.FormatInt(subID, 10) {
		// A number typed on this page has not been shown to the person yet.
		f.Errors["subscription"] = pg.T("monitor.place_check")
		return "", "", nil
	}
	err = s.mon.Place(r.Context(), *p, subID, orgID, id)
	if err != nil {
		if monErrors(f, pg.Lang, err, nil) {
			return "", "", nil
		}
		return "", "", err
	}
	return "monitor_placed", monBase(id) + "#placements", nil
}

func (s *server) monUnplacePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	ctx := r.Context()
	sv, err := s.mon.Server(ctx, *p, id)
	if err != nil {
		return err
	}
	if pg.Form == nil {
		pg.Form = newForm(nil)
		pg.Form.set("subscription", truncate(r.URL.Query().Get("subscription"), 20))
	}
	subID, _ := strconv.ParseInt(pg.Form.Get("subscription"), 10, 64)
	pl, err := s.mon.PlacementsOf(ctx, *p, id)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(pl, func(x monitor.Placement) bool { return x.SubscriptionID == subID })
	if i < 0 {
		return accounts.ErrNotFound
	}
	row := s.monPlacement(r, p, pl[i])
	pg.Title, pg.Nav = pg.T("monitor.unplace_title"), "monitoring"
	v := confirmView{Question: pg.T("monitor.unplace_question", subID, sv.Name), Action: monBase(id) + "/unplace",
		Submit: "monitor.unplace", Cancel: monBase(id) + "#placements", Danger: true,
		Details: []string{pg.T("monitor.unplace_detail")},
		Sets:    pg.useFields(fieldset{Fields: []field{{Name: "subscription", Type: "hidden"}}})}
	if row.Service != "" || row.Customer != "" {
		v.Details = append([]string{strings.Trim(row.Service+" · "+row.Customer, " ·")}, v.Details...)
	}
	pg.Data = v
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) monUnplace(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	subID, err := strconv.ParseInt(f.Get("subscription"), 10, 64)
	if err != nil || subID <= 0 {
		return "", "", accounts.ErrNotFound
	}
	if err := s.mon.Unplace(r.Context(), *p, subID, id); err != nil {
		return "", "", err
	}
	return "monitor_unplaced", monBase(id) + "#placements", nil
}

// ---- deleting a server ----

func (s *server) monDeletePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	ctx := r.Context()
	sv, err := s.mon.Server(ctx, *p, id)
	if err != nil {
		return err
	}
	pl, err := s.mon.PlacementsOf(ctx, *p, id)
	if err != nil {
		return err
	}
	pg.Title, pg.Nav = pg.T("monitor.delete_title"), "monitoring"
	v := confirmView{Question: pg.T("monitor.delete_question", sv.Name), Action: monBase(id) + "/delete",
		Submit: "monitor.delete", Cancel: monBase(id), Danger: true, Details: []string{pg.T("monitor.delete_detail")}}
	if len(pl) > 0 && status == http.StatusOK {
		pg.Form = newForm(nil)
		pg.Form.General = append(pg.Form.General, pg.T("monitor.err.placed", len(pl)))
	}
	pg.Data = v
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) monDelete(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	pl, err := s.mon.PlacementsOf(r.Context(), *p, id)
	if err != nil {
		return "", "", err
	}
	err = s.mon.DeleteServer(r.Context(), *p, id)
	if errors.Is(err, monitor.ErrHasPlacements) {
		f.Errors["server"] = pg.T("monitor.err.placed", len(pl))
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	return "monitor_server_deleted", "/staff/monitoring", nil
}
