package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/privacy"
)

// auditFor gives a customer (a business with a running web hosting service) an audit
// request with the existing reports offered, and returns its id.
func (e *env) auditFor(u accounts.User) int64 {
	e.t.Helper()
	p := e.customerPrincipal(u)
	a, err := e.priv.RequestAudit(e.ctx, p, p.Org.ID, "We willen de logging van onze webwinkel controleren.")
	if err != nil {
		e.t.Fatal(err)
	}
	return a.ID
}

// TestPrivacyAuditPages: through the real handlers, a customer's admin asks for an
// audit (the costs are stated), is offered the existing report and downloads it,
// explains why it is insufficient (cp.dpa.11.2); a privacy officer is refused a day
// under two weeks with the terms' message, schedules it, starts it and records a
// finding the customer then sees; a technical user can read but not ask.
func TestPrivacyAuditPages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		_, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		con := e.order(e.customerPrincipal(u), "webhosting", "start", "")
		e.provServer("web01.ams", "Amsterdam", 10)
		e.provision(con.Subscriptions[0])
		e.staff("pim@provider.test", accounts.RolePrivacy)
		s := e.client()
		s.login("pim@provider.test", staffSecret, "/staff/")
		s.expect(s.get("/staff/privacy/audits/reports/new"), http.StatusOK, "")
		s.expect(s.post("/staff/privacy/audits/reports/new", url.Values{"title": {""}}), http.StatusUnprocessableEntity, "")
		s.expect(s.post("/staff/privacy/audits/reports/new", url.Values{"title": {"ISAE 3402 type II 2025"}, "issued_on": {e.srv.today().AddDays(-30).String()},
			"body": {"Geen afwijkingen in toegangsbeheer."}}), http.StatusSeeOther, "/staff/privacy/audits")

		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r := c.get("/portal/privacy/audits")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "kosten van de audit", `action="/portal/privacy/audits"`)
		c.expect(c.post("/portal/privacy/audits", url.Values{"reasons": {""}}), http.StatusUnprocessableEntity, "")
		r = c.post("/portal/privacy/audits", url.Values{"reasons": {"We willen de logging van onze webwinkel controleren."}})
		if r.Code != http.StatusSeeOther {
			t.Fatalf("request: %d %s", r.Code, r.Body)
		}
		page := r.Header.Get("Location")
		id := strings.TrimPrefix(page, "/portal/privacy/audits/")
		r = c.get(page)
		contains(t, r.Body, "ISAE 3402 type II 2025", "/file?report=", `action="`+page+`/justify"`)
		reps, err := e.priv.AuditReports(e.ctx, e.admin(), 0)
		if err != nil || len(reps) != 1 {
			t.Fatalf("reports: %v %v", reps, err)
		}
		r = c.get(fmt.Sprintf("%s/file?report=%d", page, reps[0].ID))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Geen afwijkingen in toegangsbeheer.")
		c.expect(c.post(page+"/justify", url.Values{"insufficiency": {"Het rapport dekt de webhosting niet."}}), http.StatusSeeOther, page)

		staffPage := "/staff/privacy/audits/" + id
		r = s.get("/staff/privacy/audits")
		contains(t, r.Body, `href="`+staffPage+`"`)
		plan := url.Values{"on": {e.srv.today().AddDays(7).String()}, "time": {"10:00"}, "auditor": {"Veilig Audit B.V."}, "scope": {"logging"}}
		r = s.post(staffPage+"/schedule", plan)
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "op zijn vroegst op")
		on := e.srv.today().AddDays(21)
		plan.Set("on", on.String())
		s.expect(s.post(staffPage+"/schedule", plan), http.StatusSeeOther, staffPage)
		// The day of the audit: sessions have ended by then.
		e.clk.Set(on.Time(clock.Amsterdam).Add(9 * time.Hour))
		s, c = e.client(), e.client()
		s.login("pim@provider.test", staffSecret, "/staff/")
		c.login("marieke@jansen.test", "", "/portal/")
		s.expect(s.post(staffPage+"/start", nil), http.StatusSeeOther, staffPage)
		s.expect(s.post(staffPage+"/findings", url.Values{"description": {"Toegangslogs worden maar 7 dagen bewaard."}, "implements": {"provider"},
			"due": {on.AddDays(30).String()}}), http.StatusSeeOther, staffPage)
		r = s.post(staffPage+"/close", url.Values{"conclusion": {"klaar"}})
		c.expect(r, http.StatusUnprocessableEntity, "")

		r = c.get(page)
		contains(t, r.Body, "Toegangslogs worden maar 7 dagen bewaard.", "uit te voeren door ons", "Veilig Audit B.V.")

		// A technical user sees the audit but may not ask or withdraw; support staff
		// cannot schedule.
		if _, err := e.acc.CreateUser(e.ctx, e.customerPrincipal(u), accounts.UserInput{OrgID: u.OrgID, Email: "tech@jansen.test", Name: "Tech",
			Language: "nl", Password: testPW, Permissions: []accounts.Permission{accounts.PermTechnical}}); err != nil {
			t.Fatal(err)
		}
		tc := e.client()
		tc.login("tech@jansen.test", "", "/portal/")
		r = tc.get(page)
		tc.expect(r, http.StatusOK, "")
		lacks(t, r.Body, "/withdraw\"")
		if r := tc.post("/portal/privacy/audits", url.Values{"reasons": {"x"}}); r.Code != http.StatusForbidden {
			t.Fatalf("a technical user asked for an audit: %d", r.Code)
		}
		a, err := e.priv.GetAudit(e.ctx, e.admin(), mustID(t, id))
		if err != nil || a.Status != privacy.AuditFindings || len(a.Findings) != 1 || a.ScheduledOn != on {
			t.Fatalf("audit: %+v %v", a, err)
		}
	})
}
