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
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor"
)

// server adds a monitored server, as support does on the monitoring pages.
func (e *env) server(name, kind, loc string) monitor.Server {
	e.t.Helper()
	sv, err := e.mon.CreateServer(e.ctx, e.supportPrincipal(), monitor.ServerInput{Name: name, Kind: kind, Location: loc})
	if err != nil {
		e.t.Fatal(err)
	}
	return sv
}

func (e *env) supportPrincipal() accounts.Principal {
	e.t.Helper()
	u, err := e.acc.FindUserByEmail(e.ctx, "ops@provider.test")
	if err != nil {
		u = e.staff("ops@provider.test", accounts.RoleSupport)
	}
	return accounts.Principal{User: u}
}

var idIn = regexp.MustCompile(`/(\d+)$`)

// Support opens an incident on a server, posts updates and resolves it after a
// confirmation; the public status page follows.
func TestStaffIncidentLifecycle(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		sv := e.server("web1.ams", "webhosting", "ams1")
		e.supportPrincipal()
		c := e.client()
		c.login("ops@provider.test", staffSecret, "/staff/")

		r := c.get("/staff/incidents/new")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "web1.ams", `name="server_ids"`)

		// Required texts are named beside their fields.
		r = c.post("/staff/incidents/new", url.Values{"impact": {"major"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "title_nl")
		fieldError(t, r.Body, "message_nl")

		r = c.post("/staff/incidents/new", url.Values{"title_nl": {"Websites traag"}, "title_en": {"Websites slow"},
			"message_nl": {"We onderzoeken het."}, "impact": {"major"}, "status": {"investigating"}, "server_ids": {itoa(sv.ID)}})
		c.expect(r, http.StatusSeeOther, "")
		loc := r.Location()
		if !idIn.MatchString(loc) || !strings.HasPrefix(loc, "/staff/incidents/") {
			t.Fatalf("redirect to %q", loc)
		}
		r = c.get(loc)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Websites traag", "We onderzoeken het.", "web1.ams", "ops@provider.test", loc+"/resolve", loc+"/updates")

		e.clk.Advance(10 * time.Minute)
		c.expect(c.post(loc+"/updates", url.Values{"status": {"identified"}, "message_nl": {"Een schijf is vol."},
			"message_en": {"A disk is full."}}), http.StatusSeeOther, loc)
		r = c.get(loc)
		contains(t, r.Body, "Het bericht is geplaatst.", "Oorzaak gevonden", "Een schijf is vol.", "A disk is full.")
		// An update needs a message.
		r = c.post(loc+"/updates", url.Values{"status": {"monitoring"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "message_nl")

		// The public page shows the open incident.
		contains(t, c.get("/status").Body, "Websites traag", "Een schijf is vol.")

		// Resolving asks first, and needs the resolution.
		r = c.get(loc + "/resolve")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `action="`+loc+`/resolve"`, "Websites traag")
		r = c.post(loc+"/resolve", url.Values{})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "resolution_nl")
		c.expect(c.post(loc+"/resolve", url.Values{"resolution_nl": {"De schijf is vergroot."}}), http.StatusSeeOther, loc)
		r = c.get(loc)
		contains(t, r.Body, "De verstoring is opgelost.", "De schijf is vergroot.")
		lacks(t, r.Body, `action="`+loc+`/updates"`, loc+"/resolve")

		// The list has it under history; the public page under past incidents.
		r = c.get("/staff/incidents")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Er is nu geen verstoring.", "Websites traag", `href="/staff/incidents/new"`)
		contains(t, c.get("/status").Body, "Eerdere verstoringen", "Websites traag")
		contains(t, c.get("/staff/audit").Body, "incident.open", "incident.update")

		// A resolved incident takes no more updates.
		r = c.post(loc+"/updates", url.Values{"status": {"monitoring"}, "message_nl": {"Nog iets."}})
		c.expect(r, http.StatusUnprocessableEntity, "")
	})
}

// Every staff member reads incidents and maintenance; only support and security change
// them, which the service decides.
func TestStaffIncidentsReadOnlyForSales(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		sv := e.server("mail1", "email", "ams1")
		inc := e.openIncident("IMAP hapert", sv.ID)
		e.staff("sales@provider.test", accounts.RoleSales)
		c := e.client()
		c.login("sales@provider.test", staffSecret, "/staff/")
		id := itoa(inc)
		for _, path := range []string{"/staff/incidents", "/staff/incidents/" + id, "/staff/maintenance"} {
			r := c.get(path)
			c.expect(r, http.StatusOK, "")
			lacks(t, r.Body, `href="/staff/incidents/new"`, `href="/staff/maintenance/new"`, "/resolve", `action="/staff/incidents/`+id+`/updates"`)
		}
		contains(t, c.get("/staff/incidents").Body, "IMAP hapert", `href="/staff/incidents"`)
		start := e.clk.Now().Add(72 * time.Hour).In(clock.Amsterdam)
		for path, form := range map[string]url.Values{
			"/staff/incidents/new":                {"title_nl": {"Nep"}, "message_nl": {"Nep."}, "impact": {"minor"}},
			"/staff/incidents/" + id + "/updates": {"status": {"monitoring"}, "message_nl": {"Nep."}},
			"/staff/incidents/" + id + "/resolve": {"resolution_nl": {"Nep."}},
			"/staff/maintenance/new": {"kind": {"planned"}, "title_nl": {"Nep"}, "starts_at": {start.Format("2006-01-02T15:04")},
				"ends_at": {start.Add(time.Hour).Format("2006-01-02T15:04")}, "server_ids": {itoa(sv.ID)}},
		} {
			r := c.post(path, form)
			c.expect(r, http.StatusForbidden, "")
		}
		got, err := e.stat.Incident(e.ctx, e.supportPrincipal(), inc)
		if err != nil || len(got.Updates) != 1 || !got.Open() {
			t.Fatalf("incident changed by sales: %+v %v", got, err)
		}
	})
}

func (e *env) openIncident(title string, serverIDs ...int64) int64 {
	e.t.Helper()
	c := e.client()
	e.supportPrincipal()
	c.login("ops@provider.test", staffSecret, "/staff/")
	form := url.Values{"title_nl": {title}, "message_nl": {"We kijken ernaar."}, "impact": {"minor"}}
	for _, id := range serverIDs {
		form.Add("server_ids", itoa(id))
	}
	r := c.post("/staff/incidents/new", form)
	c.expect(r, http.StatusSeeOther, "")
	m := idIn.FindStringSubmatch(r.Location())
	if m == nil {
		e.t.Fatalf("redirect to %q", r.Location())
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	c.logout()
	return id
}

// Planned maintenance keeps the terms' notice: an earlier start is refused with the
// notice named; emergency maintenance needs its reason; cancelling asks first.
func TestStaffMaintenance(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		sv := e.server("web2.ams", "webhosting", "ams1")
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		if err := e.mon.Place(e.ctx, e.supportPrincipal(), 501, org.ID, sv.ID); err != nil {
			t.Fatal(err)
		}
		c := e.client()
		c.login("ops@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/maintenance/new")
		c.expect(r, http.StatusOK, "")
		// The cloudprovider pack asks for 2 days' notice.
		earliest := e.clk.Now().Add(48 * time.Hour)
		contains(t, r.Body, "2 dagen", (&page{Lang: "nl"}).Time(earliest), "web2.ams")

		at := func(d time.Duration) string { return e.clk.Now().Add(d).In(clock.Amsterdam).Format("2006-01-02T15:04") }
		form := url.Values{"kind": {"planned"}, "title_nl": {"Nieuwe schijven"}, "message_nl": {"Korte onderbreking."},
			"starts_at": {at(24 * time.Hour)}, "ends_at": {at(26 * time.Hour)}, "server_ids": {itoa(sv.ID)}}
		r = c.post("/staff/maintenance/new", form)
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "starts_at")
		contains(t, r.Body, "2 dagen van tevoren worden aangekondigd", "aankondigingstermijn")
		c.header.Set("Accept-Language", "en")
		c.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		r = c.post("/staff/maintenance/new", form)
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "announced 2 days ahead")
		c.post("/lang", url.Values{"lang": {"nl"}, "next": {"/"}})

		emergency := url.Values{"kind": {"emergency"}, "title_nl": {"Spoedpatch"}, "starts_at": {at(time.Hour)}, "ends_at": {at(2 * time.Hour)},
			"server_ids": {itoa(sv.ID)}}
		r = c.post("/staff/maintenance/new", emergency)
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "reason")
		emergency.Set("reason", "Lek in OpenSSL")
		c.expect(c.post("/staff/maintenance/new", emergency), http.StatusSeeOther, "")

		// Announced anyway: it is scheduled, and its time counts towards the SLA.
		late := url.Values{"kind": {"planned"}, "title_nl": {"Late schijven"}, "starts_at": {at(24 * time.Hour)}, "ends_at": {at(25 * time.Hour)},
			"server_ids": {itoa(sv.ID)}, "late_ok": {"1"}}
		r = c.post("/staff/maintenance/new", late)
		c.expect(r, http.StatusSeeOther, "")
		r = c.get(r.Location())
		contains(t, r.Body, "Late schijven", "Telt mee voor de beschikbaarheid.")

		form.Set("starts_at", at(72*time.Hour))
		form.Set("ends_at", at(74*time.Hour))
		r = c.post("/staff/maintenance/new", form)
		c.expect(r, http.StatusSeeOther, "")
		loc := r.Location()
		r = c.get(loc)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Nieuwe schijven", "web2.ams", "Op tijd aangekondigd", loc+"/cancel")
		// The notice rule is explained by the shared partial: the Dutch sentence, then
		// the trace staff can unfold.
		contains(t, r.Body, `class="explain-lead">Het onderhoud begint op`, "explain-trace", "maintenance.announced")
		if !regexp.MustCompile(`Geraakte klanten</dt><dd>1</dd>`).MatchString(r.Body) {
			t.Errorf("affected customers not 1\n%s", excerpt(r.Body))
		}
		r = c.get("/staff/maintenance")
		contains(t, r.Body, "Nieuwe schijven", "Spoedpatch")

		r = c.get(loc + "/cancel")
		c.expect(r, http.StatusOK, "")
		r = c.post(loc+"/cancel", url.Values{})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "reason")
		c.expect(c.post(loc+"/cancel", url.Values{"reason": {"Leverancier te laat"}}), http.StatusSeeOther, loc)
		r = c.get(loc)
		contains(t, r.Body, "Het onderhoud is geannuleerd.", "Leverancier te laat")
		lacks(t, r.Body, loc+"/cancel")
	})
}
