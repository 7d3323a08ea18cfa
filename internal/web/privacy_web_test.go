package web

import (
	"archive/zip"
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/privacy"
)

// privacyNoticesFor gives a customer with a web hosting subscription a subprocessor
// announcement and a breach notice (its subscription placed on the breached server),
// and returns their ids.
func (e *env) privacyNoticesFor(orgID, subID int64) (ann, breach int64) {
	e.t.Helper()
	if _, err := e.priv.Announce(e.ctx, e.admin(), privacy.AnnounceInput{SubprocessorInput: privacy.SubprocessorInput{Name: "Backup Noord B.V.",
		Purpose: "off-site backups", Location: "Netherlands", Kinds: []string{"webhosting"}, Since: e.srv.today().AddDays(30)},
		SummaryNL: "Back-ups naar een tweede datacenter.", SummaryEN: "Backups to a second data centre."}); err != nil {
		e.t.Fatal(err)
	}
	anns, err := e.priv.Announcements(e.ctx, e.admin(), orgID)
	if err != nil || len(anns) == 0 {
		e.t.Fatalf("announcements of %d: %v %v", orgID, anns, err)
	}
	srv, err := e.mon.CreateServer(e.ctx, e.admin(), monitor.ServerInput{Name: fmt.Sprintf("shared%d.ams", orgID), Kind: "webhosting", Location: "Amsterdam"})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.mon.Place(e.ctx, e.admin(), subID, orgID, srv.ID); err != nil {
		e.t.Fatal(err)
	}
	b, err := e.priv.RecordBreach(e.ctx, e.admin(), privacy.BreachInput{DiscoveredAt: e.clk.Now().Add(-time.Hour), Description: "A backup was readable without a password.",
		DataCategories: "website files", SubjectCategories: "website visitors", Cause: "a misconfigured bucket", Consequences: "files may have been copied",
		Solution: "bucket closed", Measures: "keys rotated", Contact: "privacy@provider.test", ServerIDs: []int64{srv.ID}, NotifyNow: true})
	if err != nil {
		e.t.Fatal(err)
	}
	return anns[0].ID, b.ID
}

// TestPrivacyPortalObjectionAndDecision: through the real handler, a customer's admin
// sees the announcement with its objection button, objects in time (the objection is
// recorded as in time, by portal), and records its decision on a breach notice; once
// objected the button is gone. A user without billing rights sees no button.
func TestPrivacyPortalObjectionAndDecision(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		org, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		con := e.order(e.customerPrincipal(u), "webhosting", "start", "")
		e.provServer("web01.ams", "Amsterdam", 10)
		e.provision(con.Subscriptions[0])
		ann, breach := e.privacyNoticesFor(org.ID, con.Subscriptions[0].ID)

		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r := c.get("/portal/privacy")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Backup Noord B.V.", fmt.Sprintf(`action="/portal/privacy/announcements/%d/object"`, ann),
			fmt.Sprintf(`action="/portal/privacy/breaches/%d/decision"`, breach), "A backup was readable without a password.")

		c.expect(c.post(fmt.Sprintf("/portal/privacy/announcements/%d/object", ann), url.Values{"reason": {"Onze klanten willen geen tweede datacenter."}}),
			http.StatusSeeOther, "/portal/privacy")
		objs, err := e.priv.Objections(e.ctx, e.admin(), true)
		if err != nil || len(objs) != 1 || objs[0].Channel != "portal" || !objs[0].InTime || objs[0].OrgID != org.ID {
			t.Fatalf("objection: %+v %v", objs, err)
		}
		r = c.get("/portal/privacy")
		contains(t, r.Body, "Je bezwaar is vastgelegd.", "Bezwaar ontvangen op")
		lacks(t, r.Body, fmt.Sprintf(`action="/portal/privacy/announcements/%d/object"`, ann))

		c.expect(c.post(fmt.Sprintf("/portal/privacy/breaches/%d/decision", breach), url.Values{"authority": {"notify"}, "subjects": {"no_notify"}}),
			http.StatusSeeOther, "/portal/privacy")
		notes, err := e.priv.BreachNotices(e.ctx, e.admin(), org.ID)
		if err != nil || len(notes) != 1 || len(notes[0].Customers) != 1 || notes[0].Customers[0].Authority != "notify" || notes[0].Customers[0].Subjects != "no_notify" {
			t.Fatalf("decision: %+v %v", notes, err)
		}
		// A decision outside the list is refused and changes nothing.
		r = c.post(fmt.Sprintf("/portal/privacy/breaches/%d/decision", breach), url.Values{"authority": {"maybe"}})
		if r.Code != http.StatusBadRequest {
			t.Fatalf("bad decision: %d", r.Code)
		}

		// A technical user (no billing permission) sees the notice but no button.
		if _, err := e.acc.CreateUser(e.ctx, e.customerPrincipal(u), accounts.UserInput{OrgID: org.ID, Email: "tech@jansen.test", Name: "Tech",
			Language: "nl", Password: testPW, Permissions: []accounts.Permission{accounts.PermTechnical}}); err != nil {
			t.Fatal(err)
		}
		e.clk.Advance(time.Minute)
		org2, u2 := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		con2 := e.order(e.customerPrincipal(u2), "webhosting", "start", "")
		e.provision(con2.Subscriptions[0])
		ann2, _ := e.privacyNoticesFor(org2.ID, con2.Subscriptions[0].ID)
		tc := e.client()
		tc.login("tech@jansen.test", "", "/portal/")
		r = tc.get("/portal/privacy")
		c.expect(r, http.StatusOK, "")
		lacks(t, r.Body, "/object\"")
		// … and cannot object to another customer's notice by guessing its id.
		if r := c.post(fmt.Sprintf("/portal/privacy/announcements/%d/object", ann2), url.Values{"reason": {"x"}}); r.Code != http.StatusNotFound {
			t.Fatalf("objecting to another customer's notice: %d", r.Code)
		}
	})
}

// TestPrivacyStaffForms: a privacy officer announces a subprocessor, records a breach
// and sends an update, handles a data subject request (record, identity, extension
// mailed in Dutch and English, ZIP export, erasure after a confirmation page) and
// places and lifts a legal hold, all through the forms; a support user may read
// nothing of it.
func TestPrivacyStaffForms(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		org, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		con := e.order(e.customerPrincipal(u), "webhosting", "start", "")
		e.provServer("web01.ams", "Amsterdam", 10)
		e.provision(con.Subscriptions[0])
		srv, err := e.mon.CreateServer(e.ctx, e.admin(), monitor.ServerInput{Name: "shared.ams", Kind: "webhosting", Location: "Amsterdam"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.mon.Place(e.ctx, e.admin(), con.Subscriptions[0].ID, org.ID, srv.ID); err != nil {
			t.Fatal(err)
		}
		e.staff("pim@provider.test", accounts.RolePrivacy)
		c := e.client()
		c.login("pim@provider.test", staffSecret, "/staff/")

		// Announce.
		c.expect(c.get("/staff/privacy/subprocessors/new"), http.StatusOK, "")
		r := c.post("/staff/privacy/subprocessors/new", url.Values{"name": {""}, "kinds": {"webhosting"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		since := e.srv.today().AddDays(30).String()
		c.expect(c.post("/staff/privacy/subprocessors/new", url.Values{"name": {"Backup Noord B.V."}, "purpose": {"backups"}, "location": {"Nederland"},
			"kinds": {"webhosting"}, "since": {since}, "summary_nl": {"Tweede kopie."}, "summary_en": {"Second copy."}}), http.StatusSeeOther, "/subprocessors")
		if n := e.countQ(`SELECT COUNT(*) FROM mail_outbox WHERE dedupe_key LIKE 'privacy-announcement:%'`); n != 1 {
			t.Fatalf("announcement mails: %d", n)
		}

		// Breach.
		at := e.clk.Now().Add(-2 * time.Hour).In(time.FixedZone("CET", 3600)).Format("2006-01-02T15:04")
		r = c.post("/staff/privacy/breaches/new", url.Values{"discovered_at": {at}, "description": {"Open backup"}, "data_categories": {"files"},
			"subject_categories": {"visitors"}, "cause": {"bucket"}, "consequences": {"copied"}, "solution": {"closed"}, "measures": {"rotated"},
			"contact": {"privacy@provider.test"}, "servers": {fmt.Sprint(srv.ID)}, "notify_now": {"1"}})
		c.expect(r, http.StatusSeeOther, "")
		loc := r.Location()
		page := c.get(loc)
		c.expect(page, http.StatusOK, "")
		contains(t, page.Body, "Open backup", fmt.Sprintf(`href="/staff/customers/%d"`, org.ID))
		c.expect(c.post(loc+"/update", url.Values{"text": {"Alle sleutels zijn vervangen."}}), http.StatusSeeOther, loc)
		if n := e.countQ(`SELECT COUNT(*) FROM mail_outbox WHERE dedupe_key LIKE 'privacy-breach-update:%'`); n != 1 {
			t.Fatalf("update mails: %d", n)
		}
		contains(t, c.get("/staff/privacy/breaches").Body, "Open backup")

		// A data subject request: identity first, then the extension, export and erasure.
		r = c.post("/staff/privacy/requests/new", url.Values{"kind": {"erasure"}, "scope": {"provider"}, "email": {"marieke@jansen.test"}, "name": {"Marieke"}})
		c.expect(r, http.StatusSeeOther, "")
		req := r.Location()
		r = c.get(req + "/export")
		c.expect(r, http.StatusConflict, "")
		contains(t, r.Body, "Stel eerst de identiteit")
		c.expect(c.post(req+"/identity", url.Values{"method": {"ingelogd in het portaal"}}), http.StatusSeeOther, req)
		c.expect(c.post(req+"/extend", url.Values{"reason": {""}}), http.StatusUnprocessableEntity, "")
		c.expect(c.post(req+"/extend", url.Values{"reason": {"veel systemen"}}), http.StatusSeeOther, req)
		var body string
		if err := e.db.QueryRowContext(e.ctx, `SELECT body_text FROM mail_outbox WHERE dedupe_key LIKE 'privacy-request-extend:%'`).Scan(&body); err != nil {
			t.Fatal(err)
		}
		contains(t, body, "Beste Marieke", "Dear Marieke", "veel systemen")
		r = c.get(req + "/export")
		c.expect(r, http.StatusOK, "")
		if ct := r.Header.Get("Content-Type"); ct != "application/zip" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("export headers %q %q", ct, r.Header.Get("Content-Disposition"))
		}
		zr, err := zip.NewReader(bytes.NewReader([]byte(r.Body)), int64(len(r.Body)))
		if err != nil || len(zr.File) == 0 {
			t.Fatalf("zip: %v", err)
		}
		r = c.get(req + "/erase")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "marieke@jansen.test", "Definitief wissen")
		c.expect(c.post(req+"/erase", nil), http.StatusSeeOther, req)
		if n := e.countQ(`SELECT COUNT(*) FROM organisations WHERE email = 'marieke@jansen.test'`); n != 0 {
			t.Fatalf("organisation not anonymised")
		}

		// Legal hold.
		c.expect(c.post("/staff/privacy/holds/new", url.Values{"case_ref": {"breach:1"}, "reason": {"politieonderzoek"}}), http.StatusSeeOther, "/staff/privacy")
		holds, _ := e.priv.Holds(e.ctx, e.db)
		if len(holds) != 1 {
			t.Fatalf("holds: %+v", holds)
		}
		lift := fmt.Sprintf("/staff/privacy/holds/%d/lift", holds[0].ID)
		contains(t, c.get("/staff/privacy").Body, "politieonderzoek", lift)
		contains(t, c.get(lift).Body, "politieonderzoek")
		c.expect(c.post(lift, nil), http.StatusSeeOther, "/staff/privacy")
		if holds, _ := e.priv.Holds(e.ctx, e.db); len(holds) != 0 {
			t.Fatalf("hold not lifted")
		}
		if n := e.countQ(`SELECT COUNT(*) FROM audit_entries WHERE action IN ('privacy.hold', 'privacy.hold_lift', 'privacy.erase', 'privacy.request_extend', 'breach.update')`); n != 5 {
			t.Fatalf("audited actions: %d", n)
		}

		// Support may not see the privacy register.
		e.staff("sam@provider.test", accounts.RoleSupport)
		sc := e.client()
		sc.login("sam@provider.test", staffSecret, "/staff/")
		for _, p := range []string{"/staff/privacy/requests", req, "/staff/privacy/breaches", "/staff/privacy/holds/new"} {
			if r := sc.get(p); r.Code != http.StatusForbidden {
				t.Errorf("support GET %s: %d", p, r.Code)
			}
		}
	})
}

func (e *env) countQ(query string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.db.QueryRowContext(e.ctx, query, args...).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// layoutPrivacy makes a breach, a data subject request and a legal hold for the page
// walks, and returns the ids of their pages.
func layoutPrivacy(t *testing.T, e *env, serverID int64) map[string]string {
	t.Helper()
	b, err := e.priv.RecordBreach(e.ctx, e.admin(), privacy.BreachInput{DiscoveredAt: e.clk.Now().Add(-time.Hour),
		Description: "Een back-up van het gedeelde webhostingcluster was zonder wachtwoord te lezen", DataCategories: "websitebestanden en databases",
		SubjectCategories: "bezoekers van de websites van klanten", Cause: "een verkeerd ingestelde opslagbucket", Consequences: "bestanden kunnen gekopieerd zijn",
		Solution: "bucket gesloten", Measures: "sleutels vervangen", Contact: "privacy@cloudprovider.test", ServerIDs: []int64{serverID}})
	if err != nil {
		t.Fatal(err)
	}
	req, err := e.priv.RecordRequest(e.ctx, e.admin(), privacy.RequestInput{Kind: privacy.RequestAccess, Scope: privacy.ScopeProvider,
		Email: "aanvrager.met.een.lang.adres@voorbeeld-organisatie.test", Name: "Aanvrager"})
	if err != nil {
		t.Fatal(err)
	}
	hold, err := e.priv.PlaceHold(e.ctx, e.admin(), 0, fmt.Sprintf("breach:%d", b.ID), "onderzoek door de politie naar de inbraak")
	if err != nil {
		t.Fatal(err)
	}
	acts, err := e.priv.Register(e.ctx, e.admin())
	if err != nil || len(acts) == 0 {
		t.Fatalf("register: %v", err)
	}
	return map[string]string{"/staff/privacy/breaches/": fmt.Sprint(b.ID), "/staff/privacy/requests/": fmt.Sprint(req.ID),
		"/staff/privacy/holds/": fmt.Sprint(hold), "/staff/privacy/register/": fmt.Sprint(acts[0].ID)}
}

// TestPrivacyRegister: the register of processing lists every purpose of cp.privacy and
// the processor activities, with subprocessors and transfers outside the EEA taken from
// the subprocessor register; staff edit an activity; the CSV is formula-safe and the
// PDF a PDF; support sees none of it.
func TestPrivacyRegister(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		if _, err := e.priv.AddSubprocessor(e.ctx, e.admin(), privacy.SubprocessorInput{Name: "Mailversand Inc.", Purpose: "sending",
			Location: "Verenigde Staten", Transfer: "modelcontractbepalingen (SCC 2021/914)", Kinds: []string{"email-marketing"}, Since: e.srv.today()}); err != nil {
			t.Fatal(err)
		}
		e.staff("pim@provider.test", accounts.RolePrivacy)
		c := e.client()
		c.login("pim@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/privacy/register")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Nieuwsbrief", "Sollicitaties", "Serverlogs", "Webhosting (verwerker)", "cp.privacy.newsletter.1",
			"Mailversand Inc. (Verenigde Staten): modelcontractbepalingen (SCC 2021/914)")
		acts, _ := e.priv.Register(e.ctx, e.admin())
		var news privacy.Activity
		for _, a := range acts {
			if a.Key == "newsletter" {
				news = a
			}
		}
		edit := fmt.Sprintf("/staff/privacy/register/%d", news.ID)
		c.expect(c.get(edit), http.StatusOK, "")
		c.expect(c.post(edit, url.Values{"name": {""}}), http.StatusUnprocessableEntity, "")
		c.expect(c.post(edit, url.Values{"name": {"=HYPERLINK(\"x\")"}, "purpose": {"nieuws"}, "data_categories": {"e-mailadres"},
			"subject_categories": {"abonnees"}, "legal_basis": {"toestemming"}, "retention": {"tot afmelding"}}), http.StatusSeeOther, "")
		r = c.get("/staff/privacy/register.csv")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Activiteit,Doel", "'=HYPERLINK", "Mailversand Inc.")
		r = c.get("/staff/privacy/register/pdf")
		c.expect(r, http.StatusOK, "")
		if !strings.HasPrefix(r.Body, "%PDF") {
			t.Fatalf("not a PDF")
		}
		if n := e.countQ(`SELECT COUNT(*) FROM audit_entries WHERE action = 'privacy.register'`); n != 1 {
			t.Fatalf("register edits audited: %d", n)
		}
		e.staff("sam@provider.test", accounts.RoleSupport)
		sc := e.client()
		sc.login("sam@provider.test", staffSecret, "/staff/")
		for _, p := range []string{"/staff/privacy/register", "/staff/privacy/register.csv", edit} {
			if r := sc.get(p); r.Code != http.StatusForbidden {
				t.Errorf("support GET %s: %d", p, r.Code)
			}
		}
	})
}

// The privacy statement in force lists the subprocessors from the register that
// /subprocessors reads, including one announced to start later; an earlier version of
// the statement, which is evidence of what was shown then, lists none.
func TestPrivacyStatementListsTheRegister(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		today := e.srv.today()
		e.publishDoc(documents.Privacy, "2026-01", "nl", today, "Privacyverklaring", "# Privacyverklaring\n\nWij verwerken weinig.\n")
		e.publishDoc(documents.Privacy, "2026-02", "nl", today.AddDays(1), "Privacyverklaring", "# Privacyverklaring\n\nWij verwerken nog minder.\n")
		e.clk.Advance(24 * time.Hour)
		anon := e.client()
		r := anon.get("/privacy")
		anon.expect(r, http.StatusOK, "")
		lacks(t, r.Body, `id="subprocessors"`)

		if _, err := e.priv.Announce(e.ctx, e.admin(), privacy.AnnounceInput{SubprocessorInput: privacy.SubprocessorInput{Name: "Backup Noord B.V.",
			Purpose: "off-site backups", Location: "Nederland", Kinds: []string{"webhosting"}, Since: today.AddDays(30)},
			SummaryNL: "Back-ups naar een tweede datacenter.", SummaryEN: "Backups to a second data centre."}); err != nil {
			t.Fatal(err)
		}
		r = anon.get("/privacy")
		anon.expect(r, http.StatusOK, "")
		contains(t, r.Body, `id="subprocessors"`, "Onze subverwerkers", "Backup Noord B.V.", "off-site backups", `href="/subprocessors?lang=nl"`)
		r = anon.get("/privacy/v/2026-01")
		anon.expect(r, http.StatusOK, "")
		lacks(t, r.Body, `id="subprocessors"`, "Backup Noord B.V.")
	})
}
