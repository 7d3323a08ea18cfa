package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/provision"
)

// provIDRoutes lists every staff provisioning route that takes an id; a route added
// without being listed here fails TestProvisionRoutesAreListed, so the not-found and
// read-only walks cover it.
var provIDRoutes = []struct {
	pattern string
	object  string // "server", "service" or "task"
	form    url.Values
}{
	{"GET /staff/provisioning/servers/{id}", "server", nil},
	{"POST /staff/provisioning/servers/{id}", "server", url.Values{"name": {"x"}, "endpoint": {"https://x:1"}, "location": {"ams"}, "capacity": {"5"}}},
	{"POST /staff/provisioning/servers/{id}/test", "server", nil},
	{"POST /staff/provisioning/servers/{id}/sync", "server", nil},
	{"GET /staff/provisioning/tasks/{id}/retry", "task", nil},
	{"POST /staff/provisioning/tasks/{id}/retry", "task", nil},
	{"GET /staff/provisioning/services/{id}", "service", nil},
	{"GET /staff/provisioning/services/{id}/move", "service", nil},
	{"POST /staff/provisioning/services/{id}/move", "service", url.Values{"server_id": {"1"}}},
	{"GET /staff/provisioning/services/{id}/suspend", "service", nil},
	{"POST /staff/provisioning/services/{id}/suspend", "service", url.Values{"note": {"misbruik van de server"}}},
	{"GET /staff/provisioning/services/{id}/unsuspend", "service", nil},
	{"POST /staff/provisioning/services/{id}/unsuspend", "service", nil},
}

func TestProvisionRoutesAreListed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t), Config{})
	listed := map[string]bool{}
	for _, r := range provIDRoutes {
		listed[r.pattern] = true
	}
	n := 0
	for _, p := range e.srv.patterns {
		if strings.Contains(p, "/staff/provisioning/") && strings.Contains(p, "{id}") {
			n++
			if !listed[p] {
				t.Errorf("route %q takes an id but is not in provIDRoutes", p)
			}
		}
	}
	if n != len(provIDRoutes) {
		t.Errorf("%d provisioning id routes registered, %d listed", n, len(provIDRoutes))
	}
}

var provServerInLocation = regexp.MustCompile(`^/staff/provisioning/servers/(\d+)$`)

// TestProvisionStaffServers walks support staff through registering servers: the
// empty overview, a form per driver type with its credential fields as password
// inputs that never come back, the server's page with "set" in place of the
// credential, the services placed on it, the connection test, and a server of a
// driver type that enrols, whose bundle is shown once as a download.
func TestProvisionStaffServers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("sam@provider.test", accounts.RoleSupport)
		e.seedCatalog()
		c := e.client()
		c.login("sam@provider.test", staffSecret, "/staff/")
		contains(t, c.get("/staff/").Body, `href="/staff/provisioning"`)
		r := c.get("/staff/provisioning")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Er zijn nog geen servers voor levering", `href="/staff/provisioning/servers/new"`, "Geen mislukte of geweigerde stappen")
		lacks(t, r.Body, "Wachten op een server")
		// An order without a server waits, and staff see it wait.
		_, u := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		if err := e.prov.Provision(e.ctx, e.order(e.customerPrincipal(u), "webhosting", "start", "slagerijbos.nl").Subscriptions[0]); err != nil {
			t.Fatal(err)
		}
		r = c.get("/staff/provisioning")
		contains(t, r.Body, "Wachten op een server", "slagerijbos.nl", "Slagerij Bos")
		waiting := regexp.MustCompile(`href="(/staff/provisioning/services/\d+)"`).FindStringSubmatch(r.Body)
		if waiting == nil {
			t.Fatal("no link to the waiting service")
		}
		contains(t, c.get(waiting[1]).Body, "wacht", "nog op geen server", "Nog geen stappen.", "Nog geen verbindingsgegevens.")

		r = c.get("/staff/provisioning/servers/new?type=pagetest")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `name="credential.api_token"`, `type="password"`, `name="setting.region"`, `value="pagetest"`)
		// A bad capacity comes back marked, without the typed token.
		r = c.post("/staff/provisioning/servers/new", url.Values{"type": {"pagetest"}, "name": {"web02.ams"}, "endpoint": {"https://web02.ams:8443"},
			"location": {"Amsterdam"}, "capacity": {"veel"}, "credential.api_token": {"geheim-token-123"}, "setting.region": {"eu-west"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "capacity")
		lacks(t, r.Body, "geheim-token-123")
		contains(t, r.Body, `value="eu-west"`, `value="web02.ams"`)
		// Without the credential the service refuses at the field.
		r = c.post("/staff/provisioning/servers/new", url.Values{"type": {"pagetest"}, "name": {"web02.ams"}, "endpoint": {"https://web02.ams:8443"},
			"location": {"Amsterdam"}, "capacity": {"10"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "credential.api_token")

		r = c.post("/staff/provisioning/servers/new", url.Values{"type": {"pagetest"}, "name": {"web02.ams"}, "endpoint": {"https://web02.ams:8443"},
			"location": {"Amsterdam"}, "capacity": {"10"}, "credential.api_token": {"geheim-token-123"}, "setting.region": {"eu-west"},
			"only_kinds": {"webhosting", "email"}})
		c.expect(r, http.StatusSeeOther, "")
		m := provServerInLocation.FindStringSubmatch(r.Location())
		if m == nil {
			t.Fatalf("registered: redirect to %q", r.Location())
		}
		base := "/staff/provisioning/servers/" + m[1]
		// The queue's next run places the waiting service on the new server.
		e.runQueue()
		r = c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "De server is geregistreerd.", "web02.ams", "eu-west", "api_token", "ingesteld", "nog niet gecontroleerd",
			"<dd>E-mail, Webhosting</dd>", `value="email" checked`,
			"slagerijbos.nl", "Deze server is nog niet vergeleken.", `action="`+base+`/test"`)
		lacks(t, r.Body, "geheim-token-123")

		// The connection test answers on the page; a server that does not answer says why.
		c.expect(c.post(base+"/test", nil), http.StatusSeeOther, base)
		contains(t, c.get(base).Body, "De server antwoordt en de inloggegevens werken.")
		e.servers.mu.Lock()
		e.servers.down["https://web02.ams:8443"] = true
		e.servers.mu.Unlock()
		r = c.post(base+"/test", nil)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "De test is mislukt", "connection refused")
		e.servers.mu.Lock()
		e.servers.down["https://web02.ams:8443"] = false
		e.servers.mu.Unlock()

		// "Compare now" runs the comparison at once and the report replaces "not yet".
		c.expect(c.post(base+"/sync", nil), http.StatusSeeOther, base)
		r = c.get(base)
		contains(t, r.Body, "De server is vergeleken")
		lacks(t, r.Body, "Deze server is nog niet vergeleken.")

		// Changing the server keeps the stored credential when the field is left empty,
		// and draining shows on the overview.
		c.expect(c.post(base, url.Values{"name": {"web02.ams"}, "endpoint": {"https://web02.ams:8443"}, "location": {"Amsterdam-Zuid"},
			"capacity": {"12"}, "enabled": {"1"}, "draining": {"1"}, "setting.region": {"eu-west"}, "only_kinds": {"webhosting"}}), http.StatusSeeOther, base)
		sv, err := e.prov.Server(e.ctx, e.provStaff(), mustID(t, m[1]))
		if err != nil || sv.Location != "Amsterdam-Zuid" || sv.Capacity != 12 || !sv.Draining || !sv.CredentialsSet ||
			len(sv.OnlyKinds) != 1 || sv.OnlyKinds[0] != "webhosting" {
			t.Fatalf("server after the change: %+v %v", sv, err)
		}
		r = c.get("/staff/provisioning")
		contains(t, r.Body, "web02.ams", "1 van 12", "neemt geen nieuwe diensten")
		lacks(t, r.Body, "Wachten op een server")

		// A driver type that enrols: no credential fields, the bundle once.
		r = c.get("/staff/provisioning/servers/new?type=pageagent")
		contains(t, r.Body, "downloadt u eenmalig het pakket")
		lacks(t, r.Body, `name="credential.client_key"`)
		r = c.post("/staff/provisioning/servers/new", url.Values{"type": {"pageagent"}, "name": {"mail02.ams"}, "endpoint": {"https://mail02.ams:9443"},
			"location": {"Amsterdam"}, "capacity": {"100"}})
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Server geregistreerd", "maar één keer getoond", `download="mail02.ams-hostpact-agent.bundle"`,
			`href="data:application/octet-stream;base64,QlVORExFIEZPUiBtYWlsMDIuYW1z"`)
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("bundle page Cache-Control %q", cc)
		}
		m = regexp.MustCompile(`href="(/staff/provisioning/servers/\d+)"`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatal("no link to the enrolled server")
		}
		r = c.get(m[1])
		contains(t, r.Body, "mail02.ams", "Er staan nog geen diensten op deze server.", "client_key", "ingesteld")
	})
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	id, err := parseID(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func parseID(s string) (int64, error) {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetPathValue("id", s)
	return pathID(r)
}

// TestProvisionStaffServicesAndQueue: services on a server, a refused step in the
// queue with the server's words, run again after confirming, a service's page with its
// history, a suspension by hand and its lifting, and a move to another server.
func TestProvisionStaffServicesAndQueue(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("sam@provider.test", accounts.RoleSupport)
		e.seedCatalog()
		web1 := e.provServer("web01.ams", "Amsterdam", 50)
		web2 := e.provServer("web02.ams", "Amsterdam", 50)
		// web02 is full of nothing yet but takes no services until web01 has one more:
		// placement picks the emptiest, so give web02 a draining spell.
		if err := e.prov.SetServerDraining(e.ctx, e.provStaff(), web2.ID, true); err != nil {
			t.Fatal(err)
		}
		org, u := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		con := e.order(e.customerPrincipal(u), "webhosting", "start", "slagerijbos.nl")
		sub := con.Subscriptions[0]
		svc := e.provision(sub)
		if svc.State != provision.StateActive || svc.ServerID != web1.ID {
			t.Fatalf("service: %+v", svc)
		}
		if err := e.prov.SetServerDraining(e.ctx, e.provStaff(), web2.ID, false); err != nil {
			t.Fatal(err)
		}
		// The next step is refused by the server.
		e.servers.refuseOp("suspend", "account hp"+itoa(sub.ID)+" is locked by the panel's backup run")

		c := e.client()
		c.login("sam@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/provisioning/servers/" + itoa(web1.ID))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Slagerij Bos", svc.Ref, `href="/staff/provisioning/services/`+itoa(svc.ID)+`"`, "1 van 50")

		sbase := "/staff/provisioning/services/" + itoa(svc.ID)
		r = c.get(sbase)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, svc.Ref, "Slagerij Bos", "slagerijbos.nl", "aanmaken", "klaar", "srv.cloudprovider.test", `href="`+sbase+`/suspend"`, `href="`+sbase+`/move"`)

		// Suspending by hand asks for a reason; the server refuses the step.
		r = c.get(sbase + "/suspend")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "met de hand blokkeren", `name="note"`)
		r = c.post(sbase+"/suspend", url.Values{"note": {""}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "note")
		c.expect(c.post(sbase+"/suspend", url.Values{"note": {"klant vroeg om blokkade"}}), http.StatusSeeOther, sbase)
		e.runQueue()
		r = c.get("/staff/provisioning/queue")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "blokkeren", "geweigerd", "is locked by the panel", `href="/staff/provisioning/tasks/`)
		m := regexp.MustCompile(`href="/staff/provisioning/tasks/(\d+)/retry"`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatal("no run again link")
		}
		contains(t, c.get("/staff/provisioning").Body, "Mislukte of geweigerde stappen: 1.")
		contains(t, c.get("/staff/provisioning/queue?status=done").Body, "aanmaken")
		contains(t, c.get("/staff/provisioning/queue?status=failed").Body, "Er staan geen stappen in de wachtrij.")

		// Run again: the confirmation shows the server's words; then it runs and succeeds.
		retry := "/staff/provisioning/tasks/" + m[1] + "/retry"
		r = c.get(retry)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "opnieuw uitvoeren", "is locked by the panel", "nooit een tweede account")
		e.servers.refuseOp("suspend", "")
		c.expect(c.post(retry, nil), http.StatusSeeOther, sbase+"#history")
		e.runQueue()
		r = c.get(sbase)
		contains(t, r.Body, "geblokkeerd", "door een medewerker", `href="`+sbase+`/unsuspend"`)
		// A step that is done cannot be run again: its confirmation is not found.
		c.expect(c.get(retry), http.StatusNotFound, "")

		// Lifting the staff suspension.
		contains(t, c.get(sbase+"/unsuspend").Body, "blijven staan")
		c.expect(c.post(sbase+"/unsuspend", nil), http.StatusSeeOther, sbase)
		e.runQueue()
		if v := e.provService(svc.ID); v.State != provision.StateActive {
			t.Fatalf("after unsuspending: %+v", v)
		}

		// Moving: only web02 is offered; the move is queued and runs.
		r = c.get(sbase + "/move")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "web02.ams (Amsterdam, nog 50 vrij)")
		lacks(t, r.Body, "web01.ams (")
		r = c.post(sbase+"/move", url.Values{"server_id": {"x"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "server_id")
		c.expect(c.post(sbase+"/move", url.Values{"server_id": {itoa(web2.ID)}}), http.StatusSeeOther, sbase+"#history")
		e.runQueue()
		if v := e.provService(svc.ID); v.ServerID != web2.ID {
			t.Fatalf("after the move: %+v", v)
		}
		contains(t, c.get(sbase).Body, "verhuizen", "web02.ams")
		_ = org

		// The comparison: an account web02 has that hostpact does not know, shown with
		// the server's health.
		e.servers.mu.Lock()
		e.servers.accounts["https://web02.ams:8443"]["oldsite7"] = &pageAccount{kind: "webhosting"}
		e.servers.mu.Unlock()
		if err := e.prov.Sync(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		r = c.get("/staff/provisioning/servers/" + itoa(web2.ID))
		contains(t, r.Body, "Op de server maar niet bij hostpact", "oldsite7", "verschillen: 1")
		contains(t, c.get("/staff/provisioning").Body, "verschillen: 1", "gecontroleerd")
	})
}

// TestProvisionStaffReadOnly: security staff read the pages but are offered no forms,
// and what they post is refused; billing staff do not reach the pages; ids that do not
// exist are not found.
func TestProvisionStaffReadOnly(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		sv := e.provServer("web01.ams", "Amsterdam", 5)
		_, u := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		svc := e.provision(e.order(e.customerPrincipal(u), "webhosting", "start", "slagerijbos.nl").Subscriptions[0])
		e.staff("sec@provider.test", accounts.RoleSecurity)
		e.staff("fin@provider.test", accounts.RoleBilling)
		ids := map[string]int64{"server": sv.ID, "service": svc.ID, "task": 1}

		c := e.client()
		c.login("sec@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/provisioning")
		c.expect(r, http.StatusOK, "")
		lacks(t, r.Body, `href="/staff/provisioning/servers/new"`)
		r = c.get("/staff/provisioning/servers/" + itoa(sv.ID))
		c.expect(r, http.StatusOK, "")
		lacks(t, r.Body, `/test"`, "Server wijzigen")
		r = c.get("/staff/provisioning/services/" + itoa(svc.ID))
		c.expect(r, http.StatusOK, "")
		lacks(t, r.Body, "/suspend\"", "/move\"")
		for _, rt := range provIDRoutes {
			method, path, _ := strings.Cut(rt.pattern, " ")
			if method != http.MethodPost {
				continue
			}
			r := c.post(strings.Replace(path, "{id}", itoa(ids[rt.object]), 1), rt.form)
			if r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
				t.Errorf("security staff %s: %d, want 403 or 404", path, r.Code)
			}
		}
		c.logout()

		c.login("fin@provider.test", staffSecret, "/staff/")
		lacks(t, c.get("/staff/").Body, `href="/staff/provisioning"`)
		c.expect(c.get("/staff/provisioning"), http.StatusForbidden, "")
		c.expect(c.get("/staff/provisioning/queue"), http.StatusForbidden, "")
	})
}

// TestProvisionStaffNotFound: every id route answers 404 for an id that does not exist.
func TestProvisionStaffNotFound(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t), Config{})
	e.staff("sam@provider.test", accounts.RoleSupport)
	c := e.client()
	c.login("sam@provider.test", staffSecret, "/staff/")
	for _, rt := range provIDRoutes {
		method, path, _ := strings.Cut(rt.pattern, " ")
		target := strings.Replace(path, "{id}", "987654", 1)
		var r resp
		if method == http.MethodPost {
			r = c.post(target, rt.form)
		} else {
			r = c.get(target)
		}
		if r.Code != http.StatusNotFound {
			t.Errorf("%s %s: %d, want 404", method, target, r.Code)
		}
	}
}

// TestProvisionStaffCSRF: a provisioning form posted from another site changes nothing.
func TestProvisionStaffCSRF(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("sam@provider.test", accounts.RoleSupport)
		c := e.client()
		c.login("sam@provider.test", staffSecret, "/staff/")
		c.header.Set("Sec-Fetch-Site", "cross-site")
		r := c.post("/staff/provisioning/servers/new", url.Values{"type": {"pagetest"}, "name": {"evil"}, "endpoint": {"https://evil:1"},
			"location": {"x"}, "capacity": {"5"}, "credential.api_token": {"x"}})
		if r.Code != http.StatusForbidden {
			t.Fatalf("cross-site POST: %d, want 403", r.Code)
		}
		if svs, err := e.prov.Servers(e.ctx, e.provStaff()); err != nil || len(svs) != 0 {
			t.Fatalf("servers after a cross-site POST: %+v %v", svs, err)
		}
	})
}
