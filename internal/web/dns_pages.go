package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	dnssvc "github.com/hostpact/hostpact/internal/dns"
)

// The DNS pages (issue 14, "DNS"): the portal's zones of the organisation and a zone's
// records with an editor per type whose every change is shown as a preview before it
// is applied (cp.security.change.3), DNSSEC on and off with the DS records for the
// registry; staff see the DNS servers, every zone, and remove a zone after typing its
// name. The dns service decides who may read and change what; a zone of another
// organisation is not found.

func (s *server) dnsRoutes(staff, portal func(string, handlerFunc)) {
	portal("GET /portal/dns", s.dnsPortalZones)
	portal("POST /portal/dns/services", s.dnsServiceZones)
	staff("GET /staff/dns", s.dnsStaff)
	staff("GET /staff/dns/servers/new", s.dnsServerNew)
	staff("POST /staff/dns/servers/new", s.dnsServerCreate)
	staff("POST /staff/dns/servers/{id}/test", s.dnsServerTest)
	staff("GET /staff/dns/servers/{id}/monitor", s.dnsMonitorForm)
	staff("POST /staff/dns/servers/{id}/monitor", s.dnsMonitorCreate)
	staff("GET /staff/dns/zones/new", s.dnsZoneNew)
	staff("POST /staff/dns/zones/new", s.dnsZoneCreate)
	staff("GET /staff/dns/zones/{id}/remove", s.confirmGet(s.dnsRemovePage))
	staff("POST /staff/dns/zones/{id}/remove", s.confirmPost(s.dnsRemovePage, nil, s.dnsRemove))
	for _, z := range []struct {
		reg  func(string, handlerFunc)
		base string
	}{{portal, "/portal/dns"}, {staff, "/staff/dns/zones"}} {
		z.reg("GET "+z.base+"/{id}", s.dnsZone)
		z.reg("GET "+z.base+"/{id}/edit", s.dnsEdit)
		z.reg("GET "+z.base+"/{id}/delete", s.dnsDelete)
		z.reg("POST "+z.base+"/{id}/preview", s.dnsPreview)
		z.reg("POST "+z.base+"/{id}/apply", s.dnsApply)
		z.reg("GET "+z.base+"/{id}/dnssec", s.confirmGet(s.dnssecPage))
		z.reg("POST "+z.base+"/{id}/dnssec", s.confirmPost(s.dnssecPage, nil, s.dnssecSet))
	}
}

// DNSNav reports whether the portal offers the DNS pages.
func (p *page) DNSNav() bool {
	return p.DNS && p.P != nil && p.P.Org != nil && p.P.Can(accounts.DNSRead, p.P.Org.Ref())
}

// DNSStaffNav reports whether the staff navigation offers the DNS pages.
func (p *page) DNSStaffNav() bool {
	return p.DNS && p.P != nil && p.P.IsStaff() && p.P.Can(accounts.DNSRead, accounts.Provider)
}

// dnsBase is where a zone's pages are for the area the request came from.
func dnsBase(r *http.Request, id int64) string {
	if strings.HasPrefix(r.URL.Path, "/staff/") {
		return "/staff/dns/zones/" + strconv.FormatInt(id, 10)
	}
	return "/portal/dns/" + strconv.FormatInt(id, 10)
}

// dnsNav is the navigation entry of the DNS pages, in the staff app and the portal.
func dnsNav(*http.Request) string { return "dns" }

// dnsServerError puts a DNS server's refusal or silence on the form; nothing changed.
func dnsServerError(f *form, lang string, err error) bool {
	var se *dnssvc.ServerError
	if !errors.As(err, &se) {
		return false
	}
	if se.Err != nil {
		f.General = append(f.General, translate(lang, "dns.err.server_down"))
	} else {
		f.General = append(f.General, translate(lang, "dns.err.server", se.Message))
	}
	return true
}

type dnsZonesView struct {
	Zones   []dnssvc.Zone
	Next    string
	CanEdit bool
}

func (s *server) dnsPortalZones(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	after := r.URL.Query().Get("after")
	zs, err := s.zones.Zones(r.Context(), *p, p.Org.ID, after)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "dns.title")
	pg.Nav = "dns"
	v := dnsZonesView{Zones: zs, CanEdit: p.Can(accounts.DNSEdit, p.Org.Ref())}
	if len(zs) == dnssvc.PageSize {
		v.Next = "/portal/dns?" + url.Values{"after": {zs[len(zs)-1].Name}}.Encode()
	}
	pg.Data = v
	s.render(w, http.StatusOK, "portal_dns", pg)
	return nil
}

func (s *server) dnsServiceZones(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	if err := parseForm(r); err != nil {
		return err
	}
	zs, err := s.zones.ServiceZones(r.Context(), *p, p.Org.ID)
	var fe accounts.FieldErrors
	var se *dnssvc.ServerError
	switch {
	case errors.As(err, &fe), errors.As(err, &se):
		s.log.Warn("dns: zones for services", "org", p.Org.ID, "err", err)
		s.flash(w, "dns_services_failed")
	case err != nil:
		return err
	case len(zs) == 0:
		s.flash(w, "dns_services_none")
	default:
		s.flash(w, "dns_services_made")
	}
	s.redirect(w, r, "/portal/dns")
	return nil
}

// dnsRow is a record as the zone's table shows it.
type dnsRow struct {
	dnssvc.Record
	Key string
}

type dnsZoneView struct {
	Zone     dnssvc.ZoneView
	Rows     []dnsRow
	Base     string
	CanEdit  bool
	Staff    bool
	Sets     []fieldset // the add form
	DNSSECOn bool
}

// dnsRecordSets is the record form: every field of every type, each with a hint saying
// which types use it; the service refuses what a type does not take.
func dnsRecordSets(lim dnssvc.Limits) []fieldset {
	types := make([]option, len(dnssvc.Types))
	for i, t := range dnssvc.Types {
		types[i] = option{Value: t, Text: t}
	}
	tags := make([]option, len(dnssvc.CAATags))
	for i, t := range dnssvc.CAATags {
		tags[i] = option{Value: t, Text: t}
	}
	return []fieldset{{Fields: []field{
		{Name: "type", Label: "dns.f.type", Type: "select", Options: types, Required: true},
		{Name: "name", Label: "dns.f.name", Type: "text", Hint: "dns.hint.name", Max: 253},
		{Name: "value", Label: "dns.f.value", Type: "textarea", Hint: "dns.hint.value", Max: lim.MaxTXT, Wide: true},
		{Name: "ttl", Label: "dns.f.ttl", Type: "number", Mode: "numeric", Hint: "dns.hint.ttl"},
		{Name: "priority", Label: "dns.f.priority", Type: "number", Mode: "numeric", Hint: "dns.hint.priority"},
		{Name: "weight", Label: "dns.f.weight", Type: "number", Mode: "numeric", Hint: "dns.hint.srv"},
		{Name: "port", Label: "dns.f.port", Type: "number", Mode: "numeric", Hint: "dns.hint.srv"},
		{Name: "flags", Label: "dns.f.flags", Type: "number", Mode: "numeric", Hint: "dns.hint.caa"},
		{Name: "tag", Label: "dns.f.tag", Type: "select", Options: append([]option{{Value: "", Text: "—"}}, tags...), Hint: "dns.hint.caa"},
	}}}
}

func (s *server) dnsZonePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	v, err := s.zones.View(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg.Title, pg.Nav = v.Name, dnsNav(r)
	zv := dnsZoneView{Zone: v, Base: dnsBase(r, id), CanEdit: p.Can(accounts.DNSEdit, accounts.OrgID(v.OrgID)), Staff: p.IsStaff(), DNSSECOn: v.DNSSEC}
	for _, rec := range v.Records {
		zv.Rows = append(zv.Rows, dnsRow{Record: rec, Key: rec.Key()})
	}
	if zv.CanEdit {
		if pg.Form == nil {
			pg.Form = newForm(nil)
			pg.Form.set("type", "A")
		}
		zv.Sets = pg.useFields(dnsRecordSets(s.zones.Limits())...)
	}
	pg.Data = zv
	s.render(w, status, "portal_dns_zone", pg)
	return nil
}

func (s *server) dnsZone(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.dnsZonePage(w, r, p, s.newPage(w, r, ""), id, http.StatusOK)
}

// dnsEditForm shows the record form for an edit of the record named by its key.
func (s *server) dnsEditForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, key string, status int) error {
	v, err := s.zones.View(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if !p.Can(accounts.DNSEdit, accounts.OrgID(v.OrgID)) {
		return accounts.ErrForbidden
	}
	var rec *dnssvc.Record
	for _, x := range v.Records {
		if x.Key() == key && x.Editable() {
			rec = &x
			break
		}
	}
	if rec == nil {
		return accounts.ErrNotFound
	}
	if pg.Form == nil {
		in := dnssvc.InputOf(v.Name, *rec)
		pg.Form = newForm(nil)
		for k, val := range map[string]string{"type": in.Type, "name": in.Name, "ttl": in.TTL, "value": in.Value, "priority": in.Priority,
			"weight": in.Weight, "port": in.Port, "flags": in.Flags, "tag": in.Tag} {
			pg.Form.set(k, val)
		}
	}
	pg.Title, pg.Nav = pg.T("dns.edit_title", v.Name), dnsNav(r)
	base := dnsBase(r, id)
	sets := dnsRecordSets(s.zones.Limits())
	sets = append(sets, fieldset{Fields: []field{{Name: "op", Type: "hidden"}, {Name: "old", Type: "hidden"}}})
	pg.Form.set("op", string(dnssvc.OpEdit))
	pg.Form.set("old", key)
	pg.Data = formView{Action: base + "/preview", Sets: pg.useFields(sets...), Submit: "dns.to_preview", Cancel: base,
		Intro: pg.T("dns.edit_intro", dnsShow(*rec))}
	s.render(w, status, "form", pg)
	return nil
}

func dnsShow(r dnssvc.Record) string { return r.Name + " " + r.Type + " " + r.Content }

func (s *server) dnsEdit(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.dnsEditForm(w, r, p, s.newPage(w, r, ""), id, r.URL.Query().Get("record"), http.StatusOK)
}

// dnsDelete shows the preview of deleting a record: that page is the confirmation.
func (s *server) dnsDelete(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	ch := dnssvc.Change{Op: dnssvc.OpDelete, Old: r.URL.Query().Get("record")}
	prev, err := s.zones.Preview(r.Context(), *p, id, ch)
	var fe accounts.FieldErrors
	if errors.As(err, &fe) {
		// The record went meanwhile, or is the provider's: back to the zone with why.
		pg.Form = newForm(nil)
		pg.Form.lang = pg.Lang
		fieldErrors(pg.Form, err, nil)
		return s.dnsZonePage(w, r, p, pg, id, http.StatusUnprocessableEntity)
	}
	if err != nil {
		return err
	}
	return s.dnsPreviewPage(w, r, pg, id, prev, http.StatusOK)
}

func changeFrom(f *form) dnssvc.Change {
	op := dnssvc.Op(f.Get("op"))
	if op == "" {
		op = dnssvc.OpAdd
	}
	return dnssvc.Change{Op: op, Old: f.Get("old"), New: dnssvc.RecordInput{
		Name: f.Get("name"), Type: f.Get("type"), TTL: f.Get("ttl"), Value: f.Get("value"), Priority: f.Get("priority"),
		Weight: f.Get("weight"), Port: f.Get("port"), Flags: f.Get("flags"), Tag: f.Get("tag")}}
}

type dnsPreviewView struct {
	Preview dnssvc.Preview
	Base    string
	Hidden  map[string]string
	Serial  uint32
}

func (s *server) dnsPreviewPage(w http.ResponseWriter, r *http.Request, pg *page, id int64, prev dnssvc.Preview, status int) error {
	pg.Title, pg.Nav = pg.T("dns.preview_title", prev.Zone.Name), dnsNav(r)
	in := prev.Change.New
	pg.Data = dnsPreviewView{Preview: prev, Base: dnsBase(r, id), Serial: prev.Serial, Hidden: map[string]string{
		"op": string(prev.Change.Op), "old": prev.Change.Old, "type": in.Type, "name": in.Name, "ttl": in.TTL, "value": in.Value,
		"priority": in.Priority, "weight": in.Weight, "port": in.Port, "flags": in.Flags, "tag": in.Tag}}
	s.render(w, status, "portal_dns_preview", pg)
	return nil
}

// dnsFormAgain shows the form a change came from again with its errors: the edit form
// for an edit, the zone page for an add or a delete.
func (s *server) dnsFormAgain(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, ch dnssvc.Change) error {
	if ch.Op == dnssvc.OpEdit {
		return s.dnsEditForm(w, r, p, pg, id, ch.Old, http.StatusUnprocessableEntity)
	}
	return s.dnsZonePage(w, r, p, pg, id, http.StatusUnprocessableEntity)
}

func (s *server) dnsPreview(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	ch := changeFrom(f)
	if len(f.Errors) > 0 {
		return s.dnsFormAgain(w, r, p, pg, id, ch)
	}
	prev, err := s.zones.Preview(r.Context(), *p, id, ch)
	switch {
	case err == nil:
		return s.dnsPreviewPage(w, r, pg, id, prev, http.StatusOK)
	case fieldErrors(f, err, map[string]string{"record": "value"}), dnsServerError(f, pg.Lang, err):
		return s.dnsFormAgain(w, r, p, pg, id, ch)
	default:
		return err
	}
}

func (s *server) dnsApply(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	ch := changeFrom(f)
	serial, perr := strconv.ParseUint(f.Get("serial"), 10, 32)
	if perr != nil {
		return errBadID
	}
	if len(f.Errors) > 0 {
		return s.dnsFormAgain(w, r, p, pg, id, ch)
	}
	_, err = s.zones.Apply(r.Context(), *p, id, ch, uint32(serial))
	var fe accounts.FieldErrors
	switch {
	case err == nil:
		s.flash(w, "dns_applied")
		s.redirect(w, r, dnsBase(r, id))
		return nil
	case errors.As(err, &fe) && !fe["serial"].IsZero():
		// The zone moved since the preview: show the preview of the same change on the
		// zone as it is now, with why.
		prev, perr := s.zones.Preview(r.Context(), *p, id, ch)
		if perr == nil {
			f.General = append(f.General, say(pg.Lang, fe["serial"]))
			return s.dnsPreviewPage(w, r, pg, id, prev, http.StatusConflict)
		}
		fieldErrors(f, perr, map[string]string{"record": "value"})
		return s.dnsFormAgain(w, r, p, pg, id, ch)
	case fieldErrors(f, err, map[string]string{"record": "value"}), dnsServerError(f, pg.Lang, err):
		return s.dnsFormAgain(w, r, p, pg, id, ch)
	default:
		return err
	}
}

func (s *server) dnssecPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	v, err := s.zones.View(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if !p.Can(accounts.DNSEdit, accounts.OrgID(v.OrgID)) {
		return accounts.ErrForbidden
	}
	base := dnsBase(r, id)
	pg.Nav = dnsNav(r)
	if v.DNSSEC {
		pg.Title = pg.T("dns.dnssec_off_title", v.Name)
		pg.Data = confirmView{Question: pg.T("dns.dnssec_off_question", v.Name), Details: []string{pg.T("dns.dnssec_off_detail")},
			Action: base + "/dnssec", Submit: "dns.dnssec_off", Cancel: base, Danger: true}
	} else {
		pg.Title = pg.T("dns.dnssec_on_title", v.Name)
		pg.Data = confirmView{Question: pg.T("dns.dnssec_on_question", v.Name), Details: []string{pg.T("dns.dnssec_on_detail")},
			Action: base + "/dnssec", Submit: "dns.dnssec_on", Cancel: base}
	}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) dnssecSet(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	v, err := s.zones.View(r.Context(), *p, id)
	if err != nil {
		return "", "", err
	}
	if _, err := s.zones.SetDNSSEC(r.Context(), *p, id, !v.DNSSEC); err != nil {
		if dnsServerError(f, pg.Lang, err) {
			return "", "", nil
		}
		return "", "", err
	}
	if v.DNSSEC {
		return "dns_dnssec_off", dnsBase(r, id), nil
	}
	return "dns_dnssec_on", dnsBase(r, id), nil
}

// ---- staff ----

type dnsStaffView struct {
	Servers []dnssvc.Server
	Zones   []dnssvc.Zone
	Next    string
	Manage  bool
}

func (s *server) dnsStaff(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	svs, err := s.zones.Servers(r.Context(), *p)
	if err != nil {
		return err
	}
	after := r.URL.Query().Get("after")
	zs, err := s.zones.AllZones(r.Context(), *p, 0, after)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "dns.staff_title")
	pg.Nav = "dns"
	v := dnsStaffView{Servers: svs, Zones: zs, Manage: p.Can(accounts.DNSEdit, accounts.Provider)}
	if len(zs) == dnssvc.PageSize {
		v.Next = "/staff/dns?" + url.Values{"after": {zs[len(zs)-1].Name}}.Encode()
	}
	pg.Data = v
	s.render(w, http.StatusOK, "staff_dns", pg)
	return nil
}

func dnsServerSets() []fieldset {
	return []fieldset{{Fields: []field{
		{Name: "name", Label: "dns.f.server_name", Type: "text", Required: true, Max: 100},
		{Name: "api_url", Label: "dns.f.api_url", Type: "text", Required: true, Hint: "dns.hint.api_url", Mode: "url"},
		{Name: "api_key", Label: "dns.f.api_key", Type: "password", Hint: "dns.hint.api_key", Auto: "off"},
		{Name: "nameservers", Label: "dns.f.nameservers", Type: "textarea", Required: true, Hint: "dns.hint.nameservers", Wide: true},
	}}}
}

func (s *server) dnsServerFormPage(w http.ResponseWriter, pg *page, status int) {
	pg.Title, pg.Nav = pg.T("dns.server_new"), "dns"
	pg.Data = formView{Action: "/staff/dns/servers/new", Sets: pg.useFields(dnsServerSets()...), Submit: "dns.server_create",
		Cancel: "/staff/dns", Intro: pg.T("dns.server_new_intro")}
	s.render(w, status, "form", pg)
}

func (s *server) dnsServerNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	if !p.Can(accounts.DNSEdit, accounts.Provider) {
		return accounts.ErrForbidden
	}
	s.dnsServerFormPage(w, s.newPage(w, r, ""), http.StatusOK)
	return nil
}

func (s *server) dnsServerCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	if len(f.Errors) == 0 {
		_, err := s.zones.AddServer(r.Context(), *p, dnssvc.ServerInput{Name: f.Get("name"), APIURL: f.Get("api_url"),
			APIKey: f.Get("api_key"), Nameservers: f.Get("nameservers")})
		switch {
		case err == nil:
			s.flash(w, "dns_server_added")
			s.redirect(w, r, "/staff/dns")
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	f.set("api_key", "") // a key is never sent back to the browser
	s.dnsServerFormPage(w, pg, http.StatusUnprocessableEntity)
	return nil
}

func (s *server) dnsServerTest(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	err = s.zones.TestServer(r.Context(), *p, id)
	var se *dnssvc.ServerError
	switch {
	case err == nil:
		s.flash(w, "dns_server_ok")
	case errors.As(err, &se):
		s.log.Warn("dns: server test", "server", id, "err", err)
		s.flash(w, "dns_server_failed")
	default:
		return err
	}
	s.redirect(w, r, "/staff/dns")
	return nil
}

func (s *server) dnsMonitorFormPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	if s.mon == nil {
		return accounts.ErrNotFound
	}
	svs, err := s.mon.Servers(r.Context(), *p)
	if err != nil {
		return err
	}
	opts := make([]option, 0, len(svs))
	for _, sv := range svs {
		opts = append(opts, option{Value: strconv.FormatInt(sv.ID, 10), Text: sv.Name + " (" + sv.Kind + ", " + sv.Location + ")"})
	}
	if pg.Form == nil {
		pg.Form = newForm(nil)
		pg.Form.set("interval", "60")
	}
	pg.Title, pg.Nav = pg.T("dns.monitor_title"), "dns"
	pg.Data = formView{Action: "/staff/dns/servers/" + strconv.FormatInt(id, 10) + "/monitor", Submit: "dns.monitor_submit", Cancel: "/staff/dns",
		Intro: pg.T("dns.monitor_intro"), Sets: pg.useFields(fieldset{Fields: []field{
			{Name: "monitor_server", Label: "dns.f.monitor_server", Type: "select", Options: opts, Required: true},
			{Name: "zone", Label: "dns.f.monitor_zone", Type: "text", Required: true, Hint: "dns.hint.monitor_zone"},
			{Name: "interval", Label: "dns.f.interval", Type: "number", Mode: "numeric", Required: true},
		}})}
	s.render(w, status, "form", pg)
	return nil
}

func (s *server) dnsMonitorForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.dnsMonitorFormPage(w, r, p, s.newPage(w, r, ""), id, http.StatusOK)
}

func (s *server) dnsMonitorCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	monID, _ := strconv.ParseInt(f.Get("monitor_server"), 10, 64)
	secs, serr := strconv.Atoi(f.Get("interval"))
	if serr != nil || secs < 1 {
		f.Errors["interval"] = pg.T("monitor.err.interval")
	}
	if len(f.Errors) == 0 {
		_, err := s.zones.RegisterMonitoring(r.Context(), *p, id, monID, f.Get("zone"), time.Duration(secs)*time.Second)
		switch {
		case err == nil:
			s.flash(w, "dns_monitored")
			s.redirect(w, r, "/staff/dns")
			return nil
		case fieldErrors(f, err, map[string]string{"spec": "zone", "target": "zone", "name": "monitor_server"}):
		default:
			return err
		}
	}
	return s.dnsMonitorFormPage(w, r, p, pg, id, http.StatusUnprocessableEntity)
}

func dnsZoneNewSets() []fieldset {
	return []fieldset{{Fields: []field{
		{Name: "org_id", Label: "dns.f.org_id", Type: "number", Mode: "numeric", Required: true},
		{Name: "name", Label: "dns.f.zone", Type: "text", Required: true, Max: 253},
	}}}
}

func (s *server) dnsZoneNewPage(w http.ResponseWriter, pg *page, status int) {
	pg.Title, pg.Nav = pg.T("dns.zone_new"), "dns"
	pg.Data = formView{Action: "/staff/dns/zones/new", Sets: pg.useFields(dnsZoneNewSets()...), Submit: "dns.zone_create", Cancel: "/staff/dns",
		Intro: pg.T("dns.zone_new_intro")}
	s.render(w, status, "form", pg)
}

func (s *server) dnsZoneNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	s.dnsZoneNewPage(w, s.newPage(w, r, ""), http.StatusOK)
	return nil
}

func (s *server) dnsZoneCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	org, oerr := strconv.ParseInt(f.Get("org_id"), 10, 64)
	if oerr != nil || org <= 0 {
		f.Errors["org_id"] = pg.T("dns.err_org")
	}
	if len(f.Errors) == 0 {
		z, err := s.zones.CreateZone(r.Context(), *p, org, f.Get("name"))
		switch {
		case err == nil:
			s.flash(w, "dns_zone_created")
			s.redirect(w, r, dnsBase(r, z.ID))
			return nil
		case errors.Is(err, accounts.ErrNotFound):
			f.Errors["org_id"] = pg.T("dns.err_org")
		case fieldErrors(f, err, map[string]string{"server": "name"}), dnsServerError(f, pg.Lang, err):
		default:
			return err
		}
	}
	s.dnsZoneNewPage(w, pg, http.StatusUnprocessableEntity)
	return nil
}

func (s *server) dnsRemovePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	v, err := s.zones.View(r.Context(), *p, id)
	if err != nil {
		return err
	}
	base := dnsBase(r, id)
	pg.Title, pg.Nav = pg.T("dns.remove_title", v.Name), "dns"
	pg.Data = confirmView{Question: pg.T("dns.remove_question", v.Name, len(v.Records)), Details: []string{pg.T("dns.remove_detail")},
		Action: base + "/remove", Submit: "dns.remove", Cancel: base, Danger: true,
		Sets: pg.useFields(fieldset{Fields: []field{{Name: "confirm", Label: "dns.f.confirm", Type: "text", Required: true, Auto: "off"}}})}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) dnsRemove(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	if err := s.zones.RemoveZone(r.Context(), *p, id, f.Get("confirm")); err != nil {
		if dnsServerError(f, pg.Lang, err) {
			return "", "", nil
		}
		return "", "", err
	}
	return "dns_zone_removed", "/staff/dns", nil
}
