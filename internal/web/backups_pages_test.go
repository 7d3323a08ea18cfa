package web

import (
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/backup"
)

// backedUp puts a provisioning service on the demo backup server and makes three
// nightly backups of it.
func (e *env) backedUp(serviceID int64) backup.Enrolled {
	e.t.Helper()
	by := e.provStaff()
	svs, err := e.bk.Servers(e.ctx, by)
	if err != nil {
		e.t.Fatal(err)
	}
	var sv backup.Server
	if len(svs) > 0 {
		sv = svs[0]
	} else if sv, err = e.bk.AddServer(e.ctx, by, backup.ServerInput{Name: "backup01.fra", Repository: "demo://backup01", Password: "a long demo password", Demo: true}); err != nil {
		e.t.Fatal(err)
	}
	v, err := e.prov.Service(e.ctx, by, serviceID)
	if err != nil {
		e.t.Fatal(err)
	}
	en, err := e.bk.Enroll(e.ctx, by, backup.Enrolment{ServiceID: v.ID, OrgID: v.OrgID, Ref: v.Ref, Kind: string(v.Kind), Name: v.Name, Domain: v.Domain, ServerID: sv.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	for i := 3; i >= 1; i-- {
		if err := e.bk.RunDaily(e.ctx, e.clk.Now().Add(-time.Duration(i)*24*time.Hour)); err != nil {
			e.t.Fatal(err)
		}
	}
	return en
}

var bkRestoreLink = regexp.MustCompile(`href="(/portal/backups/\d+/restore\?run=\d+)"`)

// TestBackupPages walks a customer through choosing a day's backup and asking for it
// to be restored after a confirmation, and support staff through the list of every
// service's last good backup (with the 36-hour filter) and a restore recorded from a
// ticket.
func TestBackupPages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		_, u := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		c := e.client()
		c.login("gert@slagerijbos.test", "", "/portal/")
		contains(t, c.get("/portal/").Body, `href="/portal/backups"`)
		r := c.get("/portal/backups")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Er zijn nog geen diensten waarvan back-ups worden gemaakt.")

		e.provServer("web01.ams", "Amsterdam", 10)
		svc := e.provision(e.order(e.customerPrincipal(u), "webhosting", "start", "slagerijbos.nl").Subscriptions[0])
		en := e.backedUp(svc.ID)
		base := "/portal/backups/" + itoa(en.ID)
		contains(t, c.get("/portal/backups").Body, `href="`+base+`"`, "slagerijbos.nl")
		r = c.get(base)
		c.expect(r, http.StatusOK, "")
		links := bkRestoreLink.FindAllStringSubmatch(r.Body, -1)
		if len(links) != 3 {
			t.Fatalf("%d restore links, want one per backup:\n%s", len(links), r.Body)
		}
		r = c.get(links[1][1])
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "terugzetten in", "Bestanden die later zijn toegevoegd, blijven staan.")
		r = c.post(links[1][1], nil)
		c.expect(r, http.StatusSeeOther, "")
		contains(t, c.get(r.Location()).Body, "Het terugzetten staat klaar.")
		contains(t, c.get("/portal/backups").Body, "staat klaar", "via het portaal")
		// A run id of no backup of this service is not found.
		c.expect(c.get(base+"/restore?run=999999"), http.StatusNotFound, "")

		e.staff("sam@provider.test", accounts.RoleSupport)
		s := e.client()
		s.login("sam@provider.test", staffSecret, "/staff/")
		contains(t, s.get("/staff/").Body, `href="/staff/backups"`)
		r = s.get("/staff/backups")
		s.expect(r, http.StatusOK, "")
		contains(t, r.Body, "backup01.fra", "de demo-back-upserver", en.Ref, "Geen goede back-up in 36 uur", "Nog geen hersteltests.")
		// The last backup was a day ago: within 36 hours, so the filter leaves it out.
		contains(t, s.get("/staff/backups?stale=1").Body, "Elke dienst heeft een goede back-up van de afgelopen 36 uur.")
		e.clk.Advance(48 * time.Hour)
		s = e.client() // the session timed out meanwhile
		s.login("sam@provider.test", staffSecret, "/staff/")
		contains(t, s.get("/staff/backups?stale=1").Body, `href="/staff/backups/`+itoa(en.ID)+`"`)

		sbase := "/staff/backups/" + itoa(en.ID)
		r = s.get(sbase)
		s.expect(r, http.StatusOK, "")
		m := regexp.MustCompile(`href="(/staff/backups/\d+/restore\?run=\d+)"`).FindStringSubmatch(r.Body)
		if m == nil {
			t.Fatal("no restore link for staff")
		}
		r = s.post(m[1], url.Values{"ticket": {""}})
		s.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "ticket")
		r = s.post(m[1], url.Values{"ticket": {"#2044"}})
		s.expect(r, http.StatusSeeOther, "")
		contains(t, s.get("/staff/backups").Body, "via ticket", "#2044", `href="/staff/backups/servers/new"`, `href="/staff/backups/enrol"`)

		// Staff add a backup server; the password is never sent back.
		s.expect(s.get("/staff/backups/servers/new"), http.StatusOK, "")
		r = s.post("/staff/backups/servers/new", url.Values{"name": {"backup02.ams"}, "repository": {"demo://backup02"}, "password": {"kort"}})
		s.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "password")
		lacks(t, r.Body, `value="kort"`)
		r = s.post("/staff/backups/servers/new", url.Values{"name": {"backup02.ams"}, "repository": {"demo://backup02"}, "password": {"een lang geheim wachtwoord"}})
		s.expect(r, http.StatusSeeOther, "")
		contains(t, s.get("/staff/backups").Body, "backup02.ams")
		lacks(t, s.get("/staff/backups").Body, "een lang geheim wachtwoord")
		// … and put a service on a server; a number of no service is refused at the field.
		s.expect(s.get("/staff/backups/enrol"), http.StatusOK, "")
		r = s.post("/staff/backups/enrol", url.Values{"service_id": {"999999"}, "server_id": {"1"}})
		s.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "service_id")
		r = s.post("/staff/backups/enrol", url.Values{"service_id": {itoa(svc.ID)}, "server_id": {"1"}})
		s.expect(r, http.StatusSeeOther, "")
		if r.Location() != sbase {
			t.Fatalf("enrolling again went to %s, want the service's page %s", r.Location(), sbase)
		}
		// … and link a provisioning server to the new backup server, so its services are
		// enrolled by the job; an unknown backup server is refused and changes nothing.
		r = s.get("/staff/backups/hosts")
		s.expect(r, http.StatusOK, "")
		contains(t, r.Body, `name="prov_server_id"`, "backup02.ams")
		var provServer, bk02 int64
		if err := e.db.QueryRowContext(e.ctx, `SELECT MIN(id) FROM provision_servers`).Scan(&provServer); err != nil {
			t.Fatal(err)
		}
		if err := e.db.QueryRowContext(e.ctx, `SELECT id FROM backup_servers WHERE name = 'backup02.ams'`).Scan(&bk02); err != nil {
			t.Fatal(err)
		}
		r = s.post("/staff/backups/hosts", url.Values{"prov_server_id": {itoa(provServer)}, "server_id": {"999999"}})
		if r.Code == http.StatusSeeOther {
			t.Fatal("an unknown backup server was linked")
		}
		r = s.post("/staff/backups/hosts", url.Values{"prov_server_id": {itoa(provServer)}, "server_id": {itoa(bk02)}})
		s.expect(r, http.StatusSeeOther, "/staff/backups")
		var linked int64
		if err := e.db.QueryRowContext(e.ctx, `SELECT server_id FROM backup_hosts WHERE prov_server_id = $1`, provServer).Scan(&linked); err != nil || linked != bk02 {
			t.Fatalf("linked %d (%v), want %d", linked, err, bk02)
		}
		// A customer cannot reach the staff forms.
		c = e.client()
		c.login("gert@slagerijbos.test", "", "/portal/")
		if r := c.get("/staff/backups/servers/new"); r.Code != http.StatusNotFound && r.Code != http.StatusForbidden {
			t.Fatalf("a customer reached the staff form: %d", r.Code)
		}
	})
}
