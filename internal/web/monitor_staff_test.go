package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/monitor/probe"
)

// monIDRoutes lists every monitoring route that takes an id; a route added without
// being listed here fails TestMonitorRoutesAreListed, so that the read-only and
// not-found walks below cover it.
var monIDRoutes = []struct {
	pattern string
	object  string // "server" or "component"
	form    url.Values
}{
	{"GET /staff/monitoring/servers/{id}", "server", nil},
	{"POST /staff/monitoring/servers/{id}", "server", url.Values{"name": {"x"}, "kind": {"webhosting"}, "location": {"ams1"}}},
	{"POST /staff/monitoring/servers/{id}/components", "server", url.Values{"check": {"http"}, "component": {"http"}, "url": {"http://127.0.0.1/"}, "interval": {"60"}}},
	{"GET /staff/monitoring/servers/{id}/place", "server", nil},
	{"POST /staff/monitoring/servers/{id}/place", "server", nil},
	{"GET /staff/monitoring/servers/{id}/unplace", "server", nil},
	{"POST /staff/monitoring/servers/{id}/unplace", "server", nil},
	{"GET /staff/monitoring/servers/{id}/delete", "server", nil},
	{"POST /staff/monitoring/servers/{id}/delete", "server", nil},
	{"GET /staff/monitoring/components/{id}/edit", "component", nil},
	{"POST /staff/monitoring/components/{id}/edit", "component", url.Values{"check": {"http"}, "component": {"http"}, "url": {"http://127.0.0.1/"}, "interval": {"60"}}},
	{"GET /staff/monitoring/components/{id}/disable", "component", nil},
	{"POST /staff/monitoring/components/{id}/disable", "component", nil},
	{"GET /staff/monitoring/components/{id}/enable", "component", nil},
	{"POST /staff/monitoring/components/{id}/enable", "component", nil},
}

func TestMonitorRoutesAreListed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t), Config{})
	listed := map[string]bool{}
	for _, r := range monIDRoutes {
		listed[r.pattern] = true
	}
	n := 0
	for _, p := range e.srv.patterns {
		if strings.Contains(p, "/staff/monitoring/") && strings.Contains(p, "{id}") {
			n++
			if !listed[p] {
				t.Errorf("route %q takes an id but is not in monIDRoutes", p)
			}
		}
	}
	if n != len(monIDRoutes) {
		t.Errorf("%d monitoring id routes registered, %d listed", n, len(monIDRoutes))
	}
}

var idInLocation = regexp.MustCompile(`/staff/monitoring/servers/(\d+)`)

// TestMonitorStaffManageServers walks a support engineer through the pages: a server
// is added, a component measured, a customer's service placed on it; the state the
// results show appears on the overview, and a confirmed outage on the outage list.
func TestMonitorStaffManageServers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("sam@provider.test", accounts.RoleSupport)
		e.seedCatalog()
		org, u := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		con := e.order(e.customerPrincipal(u), "webhosting", "start", "slagerijbos.nl")
		subID := con.Subscriptions[0].ID

		c := e.client()
		c.login("sam@provider.test", staffSecret, "/staff/")
		contains(t, c.get("/staff/").Body, `href="/staff/monitoring"`)
		r := c.get("/staff/monitoring")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Er zijn nog geen servers", `href="/staff/monitoring/servers/new"`)

		// A server with a bad kind and no name comes back with the fields marked.
		c.expect(c.get("/staff/monitoring/servers/new"), http.StatusOK, "")
		r = c.post("/staff/monitoring/servers/new", url.Values{"name": {""}, "kind": {"mainframe"}, "location": {"ams1"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "name")
		fieldError(t, r.Body, "kind")
		contains(t, r.Body, "Kies een soort dienst uit de lijst", `value="ams1"`)

		r = c.post("/staff/monitoring/servers/new", url.Values{"name": {"web01.ams1"}, "kind": {"webhosting"}, "location": {"ams1"}, "description": {"Gedeelde hosting"}})
		c.expect(r, http.StatusSeeOther, "")
		m := idInLocation.FindStringSubmatch(r.Location())
		if m == nil {
			t.Fatalf("created server: redirect to %q", r.Location())
		}
		base := "/staff/monitoring/servers/" + m[1]
		r = c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "De server is toegevoegd.", "web01.ams1", "Gedeelde hosting", `name="component"`, `name="url"`)

		// The same name twice is refused at the field.
		r = c.post("/staff/monitoring/servers/new", url.Values{"name": {"web01.ams1"}, "kind": {"webhosting"}, "location": {"ams1"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "name")
		contains(t, r.Body, "Er is al een server met deze naam")

		// Editing: the new location shows.
		c.expect(c.post(base, url.Values{"name": {"web01.ams1"}, "kind": {"webhosting"}, "location": {"ams2"}}), http.StatusSeeOther, base)
		contains(t, c.get(base).Body, "ams2", "De server is opgeslagen.")

		// The IMAP form asks for a password; a component whose interval is longer than
		// the pack's largest gap between checks is refused, and the typed password is
		// not sent back.
		r = c.get(base + "?check=imap")
		contains(t, r.Body, `name="password"`, `name="security"`)
		r = c.post(base+"/components", url.Values{"check": {"imap"}, "component": {"imap"}, "address": {"127.0.0.1:993"},
			"security": {"tls"}, "user": {"monitor"}, "password": {"geheim-wachtwoord"}, "interval": {"3600"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "interval")
		lacks(t, r.Body, "geheim-wachtwoord")
		contains(t, r.Body, `value="127.0.0.1:993"`)
		r = c.post(base+"/components", url.Values{"check": {"imap"}, "component": {"imap"}, "address": {"127.0.0.1:993"},
			"security": {"tls"}, "user": {"monitor"}, "password": {"geheim-wachtwoord"}, "interval": {"60"}})
		c.expect(r, http.StatusSeeOther, base+"#components")
		r = c.post(base+"/components", url.Values{"check": {"http"}, "component": {"http"}, "url": {"http://127.0.0.1:8080/"}, "interval": {"60"}})
		c.expect(r, http.StatusSeeOther, base+"#components")

		sv := e.monServer("web01.ams1")
		cs, err := e.mon.Components(e.ctx, e.admin(), sv.ID)
		if err != nil || len(cs) != 2 {
			t.Fatalf("components: %v %v", cs, err)
		}
		var imap, web monitor.ComponentStatus
		for _, x := range cs {
			if x.Name == "imap" {
				imap = x
			} else {
				web = x
			}
		}

		// The edit page shows the check without its password; left empty, it is kept.
		edit := "/staff/monitoring/components/" + itoa(imap.ID) + "/edit"
		r = c.get(edit)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `value="monitor"`, `value="127.0.0.1:993"`)
		lacks(t, r.Body, "geheim-wachtwoord")
		c.expect(c.post(edit, url.Values{"check": {"imap"}, "component": {"imap"}, "address": {"127.0.0.1:993"}, "security": {"tls"},
			"user": {"monitor"}, "password": {""}, "interval": {"30"}}), http.StatusSeeOther, base+"#components")
		got, err := e.mon.Component(e.ctx, e.admin(), imap.ID)
		if err != nil || got.Spec.Password != "geheim-wachtwoord" || got.Interval != 30*time.Second {
			t.Fatalf("after editing without a password: %+v %v", got, err)
		}

		// Results from a probe location: IMAP answers, HTTP fails.
		if _, err := e.mon.Lease(e.ctx, "ams1", "probe-1", 10, e.clk.Now().Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		now := e.clk.Now()
		if err := e.mon.Record(e.ctx, []monitor.Result{
			{ComponentID: imap.ID, Location: "ams1", At: now, OK: true, Latency: 12 * time.Millisecond},
			{ComponentID: web.ID, Location: "ams1", At: now, OK: false, Reason: "probe.connect.refused"},
		}); err != nil {
			t.Fatal(err)
		}
		r = c.get("/staff/monitoring")
		contains(t, r.Body, "web01.ams1", "imap 127.0.0.1:993: in de lucht", "http http://127.0.0.1:8080/: faalt (onbevestigd)", "ams1")
		r = c.get(base)
		contains(t, r.Body, "12 ms", "Verbinding geweigerd door …")

		// Two more failures a minute apart confirm an outage.
		for i := 1; i <= 2; i++ {
			e.clk.Advance(time.Minute)
			if err := e.mon.Record(e.ctx, []monitor.Result{{ComponentID: web.ID, Location: "ams1", At: e.clk.Now(), OK: false, Reason: "probe.connect.refused"}}); err != nil {
				t.Fatal(err)
			}
		}
		if err := e.mon.Evaluate(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		r = c.get("/staff/monitoring")
		contains(t, r.Body, "http http://127.0.0.1:8080/: storing", "loopt nog")
		r = c.get("/staff/monitoring/outages?open=1&server=" + itoa(sv.ID))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "http://127.0.0.1:8080/", "loopt nog")
		contains(t, c.get("/staff/monitoring/outages?server=999999").Body, "Geen storingen.")

		// Placing: the number is shown with its service and customer before it counts.
		r = c.get(base + "/place?subscription=" + itoa(subID))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "slagerijbos.nl", "Slagerij Bos")
		r = c.post(base+"/place", url.Values{"subscription": {itoa(subID)}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "Controleer of dit de juiste dienst is", "Slagerij Bos")
		r = c.post(base+"/place", url.Values{"subscription": {"999999"}, "seen": {"999999"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "subscription")
		c.expect(c.post(base+"/place", url.Values{"subscription": {itoa(subID)}, "seen": {itoa(subID)}}), http.StatusSeeOther, base+"#placements")
		pl, err := e.mon.PlacementsOf(e.ctx, e.admin(), sv.ID)
		if err != nil || len(pl) != 1 || pl[0].SubscriptionID != subID || pl[0].OrgID != org.ID {
			t.Fatalf("placements: %+v %v", pl, err)
		}
		contains(t, c.get(base).Body, "De dienst is op de server geplaatst.", "Slagerij Bos", base+"/unplace?subscription="+itoa(subID))

		// Deleting is refused while a service is placed on it.
		r = c.get(base + "/delete")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Er staan nog 1 diensten op deze server")
		r = c.post(base+"/delete", nil)
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "haal ze er eerst af")

		// Unplacing asks first; then the server can go.
		r = c.get(base + "/unplace?subscription=" + itoa(subID))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Slagerij Bos", `name="subscription" value="`+itoa(subID)+`"`)
		c.expect(c.post(base+"/unplace", url.Values{"subscription": {itoa(subID)}}), http.StatusSeeOther, base+"#placements")
		c.expect(c.get(base+"/unplace?subscription="+itoa(subID)), http.StatusNotFound, "")

		// Disabling a component asks first and shows.
		dis := "/staff/monitoring/components/" + itoa(web.ID) + "/disable"
		contains(t, c.get(dis).Body, "telt voor de SLA als onbekend")
		c.expect(c.post(dis, nil), http.StatusSeeOther, base+"#components")
		contains(t, c.get(base).Body, "uitgeschakeld", "/staff/monitoring/components/"+itoa(web.ID)+"/enable")
		c.expect(c.post("/staff/monitoring/components/"+itoa(web.ID)+"/enable", nil), http.StatusSeeOther, base+"#components")

		c.expect(c.post(base+"/delete", nil), http.StatusSeeOther, "/staff/monitoring")
		c.expect(c.get(base), http.StatusNotFound, "")
	})
}

func (e *env) monServer(name string) monitor.Server {
	e.t.Helper()
	svs, err := e.mon.Servers(e.ctx, e.admin())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, sv := range svs {
		if sv.Name == name {
			return sv
		}
	}
	e.t.Fatalf("no server %s in %+v", name, svs)
	return monitor.Server{}
}

// monSeed adds a server with a component, placed subscription and all, as an
// administrator (who may manage).
func (e *env) monSeed() (monitor.Server, monitor.Component, int64) {
	e.t.Helper()
	admin := e.admin()
	sv, err := e.mon.CreateServer(e.ctx, admin, monitor.ServerInput{Name: "mail01.ams1", Kind: "email", Location: "ams1"})
	if err != nil {
		e.t.Fatal(err)
	}
	comp, err := e.mon.AddComponent(e.ctx, admin, sv.ID, monitor.ComponentInput{Name: "imap", Spec: monitorSpecIMAP(), Interval: time.Minute})
	if err != nil {
		e.t.Fatal(err)
	}
	e.seedCatalog()
	_, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
	con := e.order(e.customerPrincipal(u), "email", "plus", "jansen.nl")
	sub := con.Subscriptions[0]
	if err := e.mon.Place(e.ctx, admin, sub.ID, sub.OrgID, sv.ID); err != nil {
		e.t.Fatal(err)
	}
	return sv, comp, sub.ID
}

// TestMonitorStaffSalesReadsOnly: every member of staff reads the monitoring pages, but
// only support and security change them; the service refuses a sales member's POSTs,
// and the pages do not offer them the forms.
func TestMonitorStaffSalesReadsOnly(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		sv, comp, subID := e.monSeed()
		e.staff("sales@provider.test", accounts.RoleSales)
		c := e.client()
		c.login("sales@provider.test", staffSecret, "/staff/")
		base := "/staff/monitoring/servers/" + itoa(sv.ID)
		r := c.get("/staff/monitoring")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "mail01.ams1")
		lacks(t, r.Body, `href="/staff/monitoring/servers/new"`)
		r = c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "imap", "Bakkerij Jansen B.V.")
		lacks(t, r.Body, `action="`+base+`/components"`, base+"/delete", "/unplace")
		c.expect(c.get("/staff/monitoring/outages"), http.StatusOK, "")

		ids := map[string]int64{"server": sv.ID, "component": comp.ID}
		for _, rt := range monIDRoutes {
			method, path, _ := strings.Cut(rt.pattern, " ")
			if method != http.MethodPost {
				continue
			}
			form := rt.form
			if strings.HasSuffix(path, "place") {
				form = url.Values{"subscription": {itoa(subID)}, "seen": {itoa(subID)}}
			}
			r := c.post(strings.Replace(path, "{id}", itoa(ids[rt.object]), 1), form)
			if r.Code != http.StatusForbidden {
				t.Errorf("%s by sales: %d, want 403", rt.pattern, r.Code)
			}
		}
		r = c.post("/staff/monitoring/servers/new", url.Values{"name": {"x"}, "kind": {"email"}, "location": {"ams1"}})
		c.expect(r, http.StatusForbidden, "")
		svs, err := e.mon.Servers(e.ctx, e.admin())
		if err != nil || len(svs) != 1 || svs[0].Name != "mail01.ams1" {
			t.Fatalf("servers after sales' attempts: %+v %v", svs, err)
		}
		pl, err := e.mon.PlacementsOf(e.ctx, e.admin(), sv.ID)
		if err != nil || len(pl) != 1 {
			t.Fatalf("placements after sales' attempts: %+v %v", pl, err)
		}
	})
}

// TestMonitorStaffNotFoundAndCustomers: ids that name nothing are 404 for staff, and a
// customer reaches none of the monitoring pages.
func TestMonitorStaffNotFoundAndCustomers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		sv, comp, _ := e.monSeed()
		e.staff("sam@provider.test", accounts.RoleSupport)
		c := e.client()
		c.login("sam@provider.test", staffSecret, "/staff/")
		cust := e.client()
		cust.login("marieke@jansen.test", "", "/portal/")
		ids := map[string]int64{"server": sv.ID, "component": comp.ID}
		for _, rt := range monIDRoutes {
			method, path, _ := strings.Cut(rt.pattern, " ")
			missing := strings.Replace(path, "{id}", "999999", 1)
			mine := strings.Replace(path, "{id}", itoa(ids[rt.object]), 1)
			var r, rc resp
			if method == http.MethodPost {
				r, rc = c.post(missing, rt.form), cust.post(mine, rt.form)
			} else {
				r, rc = c.get(missing), cust.get(mine)
			}
			if r.Code != http.StatusNotFound {
				t.Errorf("%s %s by support: %d, want 404", method, missing, r.Code)
			}
			if rc.Code != http.StatusForbidden {
				t.Errorf("%s %s by a customer: %d, want 403", method, mine, rc.Code)
			}
			lacks(t, rc.Body, "mail01.ams1")
		}
		for _, path := range []string{"/staff/monitoring", "/staff/monitoring/outages", "/staff/monitoring/servers/new"} {
			cust.expect(cust.get(path), http.StatusForbidden, "")
		}
	})
}

// TestMonitorStaffCSRF: a monitoring form posted from another site changes nothing.
func TestMonitorStaffCSRF(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("sam@provider.test", accounts.RoleSupport)
		c := e.client()
		c.login("sam@provider.test", staffSecret, "/staff/")
		c.header.Set("Sec-Fetch-Site", "cross-site")
		c.header.Set("Origin", "https://evil.example")
		r := c.post("/staff/monitoring/servers/new", url.Values{"name": {"web09"}, "kind": {"webhosting"}, "location": {"ams1"}})
		if r.Code != http.StatusForbidden {
			t.Fatalf("cross-site POST: %d, want 403", r.Code)
		}
		svs, err := e.mon.Servers(e.ctx, e.admin())
		if err != nil || len(svs) != 0 {
			t.Fatalf("servers after a cross-site POST: %+v %v", svs, err)
		}
	})
}

func monitorSpecIMAP() probe.Spec {
	return probe.Spec{Kind: probe.KindIMAP, Address: "127.0.0.1:993", Security: "tls"}
}

// layoutMonitoring gives the layout test a server with long names, components in every
// state, a placed subscription and an ongoing outage; it returns the server's and a
// component's id.
func layoutMonitoring(t *testing.T, e *env, subscription string) (string, string) {
	t.Helper()
	admin := e.admin()
	sv, err := e.mon.CreateServer(e.ctx, admin, monitor.ServerInput{Name: "shared-webhosting-cluster-07.amsterdam-science-park", Kind: "webhosting",
		Location: "ams1-science-park", Description: "Gedeelde webhosting met PHP 8.3, MariaDB 11 en Dovecot voor de klanten van het pakket Pro"})
	if err != nil {
		t.Fatal(err)
	}
	add := func(name string, sp probe.Spec) monitor.Component {
		t.Helper()
		c, err := e.mon.AddComponent(e.ctx, admin, sv.ID, monitor.ComponentInput{Name: name, Spec: sp, Interval: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	web := add("https", probe.Spec{Kind: probe.KindHTTPS, URL: "https://shared-webhosting-cluster-07.cloudprovider-voorbeeld.nl/.well-known/hostpact-health-check"})
	imap := add("imap", monitorSpecIMAP())
	add("dns", probe.Spec{Kind: probe.KindDNS, Address: "ns1.cloudprovider-voorbeeld.nl:53", Zone: "cloudprovider-voorbeeld.nl"})
	id, err := strconv.ParseInt(subscription, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := e.con.GetSubscription(e.ctx, admin, id)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.mon.Place(e.ctx, admin, sub.ID, sub.OrgID, sv.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.mon.Lease(e.ctx, "ams1-science-park", "probe-1", 10, e.clk.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		at := e.clk.Now().Add(time.Duration(i-3) * time.Minute)
		if err := e.mon.Record(e.ctx, []monitor.Result{
			{ComponentID: web.ID, Location: "ams1-science-park", At: at, OK: false, Reason: "probe.tls.expired"},
			{ComponentID: imap.ID, Location: "ams1-science-park", At: at, OK: true, Latency: 35 * time.Millisecond},
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.mon.Evaluate(e.ctx, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	return itoa(sv.ID), itoa(web.ID)
}
