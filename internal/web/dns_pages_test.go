package web

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	dnssvc "github.com/hostpact/hostpact/internal/dns"
)

// dnsZoneFor registers the demo DNS server (once) and makes a zone for an organisation.
func (e *env) dnsZoneFor(orgID int64, name string) dnssvc.Zone {
	e.t.Helper()
	if svs, err := e.zones.Servers(e.ctx, e.admin()); err != nil || len(svs) == 0 {
		if _, err := e.zones.AddServer(e.ctx, e.admin(), dnssvc.ServerInput{Name: "dns-demo", APIURL: dnssvc.DemoURL,
			Nameservers: "ns1.provider.test 127.0.0.1:53\nns2.provider.test"}); err != nil {
			e.t.Fatal(err)
		}
	}
	z, err := e.zones.CreateZone(e.ctx, e.admin(), orgID, name)
	if err != nil {
		e.t.Fatal(err)
	}
	return z
}

// recordLink finds the edit or delete link of a record on the zone page.
func recordLink(t *testing.T, body, what, name, typ string) string {
	t.Helper()
	re := regexp.MustCompile(`href="(/[^"]*/` + what + `\?record=` + regexp.QuoteMeta(strings.ReplaceAll(name+" "+typ+" ", " ", "%20")) + `[^"]*)"`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s link for %s %s", what, name, typ)
	}
	return html.UnescapeString(m[1])
}

func previewForm(body string) url.Values {
	f := url.Values{}
	for _, m := range regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`).FindAllStringSubmatch(body, -1) {
		if m[1] != "csrf" {
			f.Set(m[1], html.UnescapeString(m[2]))
		}
	}
	return f
}

// TestDNSPortalEditor: a customer sees its zones, adds a record through the preview,
// gets field errors for a bad one, edits and deletes records, turns DNSSEC on and sees
// the DS records; a preview applied after the zone changed is shown again.
func TestDNSPortalEditor(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		z := e.dnsZoneFor(org.ID, "bakkerijjansen.test")
		base := fmt.Sprintf("/portal/dns/%d", z.ID)
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r := c.get("/portal/dns")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "bakkerijjansen.test", base)
		r = c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "ns1.provider.test", "demo-DNS-server", `name="type"`)

		// A bad address: the field says what is wrong, nothing changes.
		r = c.post(base+"/preview", url.Values{"op": {"add"}, "type": {"A"}, "name": {"shop"}, "value": {"300.1.2.3"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "value")
		r = c.post(base+"/preview", url.Values{"op": {"add"}, "type": {"MX"}, "name": {"@"}, "priority": {"99999"}, "value": {"mx.example.net"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "priority")

		// A good one: the preview shows it, nothing is applied until the button.
		r = c.post(base+"/preview", url.Values{"op": {"add"}, "type": {"A"}, "name": {"shop"}, "ttl": {"300"}, "value": {"192.0.2.5"}})
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "shop 300 A 192.0.2.5", "Toegevoegd")
		form := previewForm(r.Body)
		lacks(t, c.get(base).Body, "192.0.2.5")
		c.expect(c.post(base+"/apply", form), http.StatusSeeOther, base)
		r = c.get(base)
		contains(t, r.Body, "192.0.2.5", "De wijziging is doorgevoerd.")
		// The same preview again is stale: the zone's serial moved.
		stale := form
		stale.Set("name", "shop2")
		r = c.post(base+"/apply", stale)
		c.expect(r, http.StatusConflict, "")
		contains(t, r.Body, "gewijzigd sinds de voorvertoning")

		// Edit: the form comes filled in; the preview says changed.
		r = c.get(recordLink(t, c.get(base).Body, "edit", "shop", "A"))
		c.expect(r, http.StatusOK, "")
		if hidden(r.Body, "op") != "edit" || !strings.Contains(r.Body, `>192.0.2.5</textarea>`) {
			t.Fatalf("edit form not filled in\n%s", excerpt(r.Body))
		}
		f := previewForm(r.Body)
		f.Set("type", "A")
		f.Set("name", "shop")
		f.Set("ttl", "600")
		f.Set("value", "192.0.2.6")
		r = c.post(base+"/preview", f)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Gewijzigd", "shop 600 A 192.0.2.6")
		c.expect(c.post(base+"/apply", previewForm(r.Body)), http.StatusSeeOther, base)

		// Delete: the preview is the confirmation.
		r = c.get(recordLink(t, c.get(base).Body, "delete", "shop", "A"))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Verwijderd")
		c.expect(c.post(base+"/apply", previewForm(r.Body)), http.StatusSeeOther, base)
		lacks(t, c.get(base).Body, "192.0.2.6")

		// DNSSEC on after a confirmation: the DS records are shown.
		r = c.get(base + "/dnssec")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "DNSSEC aanzetten")
		c.expect(c.post(base+"/dnssec", nil), http.StatusSeeOther, base)
		r = c.get(base)
		contains(t, r.Body, "Geef deze DS-records", " 13 2 ")

		// In English too.
		c.cookies[langCookie] = "en"
		r = c.get(base)
		contains(t, r.Body, "Add a record", "Give these DS records")
	})
}

// TestDNSIsolation: every zone route answers another customer with not-found and
// changes nothing; a user without the technical permission cannot change records.
func TestDNSIsolation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		orgB, adminB := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		z := e.dnsZoneFor(orgB.ID, "slagerijbos.test")
		before, err := e.zones.View(e.ctx, e.admin(), z.ID)
		if err != nil {
			t.Fatal(err)
		}
		key := before.Records[0].Key()
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		form := url.Values{"op": {"add"}, "type": {"A"}, "name": {"x"}, "value": {"192.0.2.1"}, "serial": {fmt.Sprint(before.Serial)}}
		n := 0
		for _, rt := range isolationRoutes {
			if rt.object != "zone" {
				continue
			}
			n++
			method, path, _ := strings.Cut(rt.pattern, " ")
			target := strings.Replace(path, "{id}", fmt.Sprint(z.ID), 1)
			var r resp
			if method == http.MethodPost {
				r = c.post(target, form)
			} else {
				r = c.get(target + "?record=" + url.QueryEscape(key))
			}
			if r.Code != http.StatusNotFound {
				t.Errorf("%s %s by another customer: %d, want 404", method, target, r.Code)
			}
			lacks(t, r.Body, "slagerijbos.test", "Slagerij Bos")
		}
		if n < 7 {
			t.Fatalf("only %d zone routes in the isolation table", n)
		}
		lacks(t, c.get("/portal/dns").Body, "slagerijbos.test")
		after, err := e.zones.View(e.ctx, e.admin(), z.ID)
		if err != nil || after.Serial != before.Serial || len(after.Records) != len(before.Records) || after.DNSSEC {
			t.Fatalf("B's zone changed: %+v %v", after, err)
		}
		// B's billing-only user reads the zone but cannot change it.
		bp := e.customerPrincipal(adminB)
		if _, err := e.acc.CreateUser(e.ctx, bp, accounts.UserInput{OrgID: orgB.ID, Email: "kees@slagerijbos.test", Name: "Kees Bos",
			Language: "nl", Password: testPW, Permissions: []accounts.Permission{accounts.PermBilling}}); err != nil {
			t.Fatal(err)
		}
		kc := e.client()
		kc.login("kees@slagerijbos.test", "", "/portal/")
		base := fmt.Sprintf("/portal/dns/%d", z.ID)
		r := kc.get(base)
		kc.expect(r, http.StatusOK, "")
		lacks(t, r.Body, `action="`+base+`/preview"`)
		if r := kc.post(base+"/preview", form); r.Code != http.StatusForbidden && r.Code != http.StatusNotFound {
			t.Fatalf("billing user previewed: %d", r.Code)
		}
	})
}

// TestDNSStaffPages: staff register a server (its key never comes back), see every
// zone, open one, and remove it only after typing its name.
func TestDNSStaffPages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		e.staff("sam@provider.test", accounts.RoleSupport)
		c := e.client()
		c.login("sam@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/dns")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Er is nog geen DNS-server")
		r = c.post("/staff/dns/servers/new", url.Values{"name": {"pdns1"}, "api_url": {"ftp://x"}, "api_key": {"geheim-123"}, "nameservers": {"ns1.provider.test"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "api_url")
		lacks(t, r.Body, "geheim-123")
		c.expect(c.post("/staff/dns/servers/new", url.Values{"name": {"pdns1"}, "api_url": {"http://127.0.0.1:8081"}, "api_key": {"geheim-123"},
			"nameservers": {"ns1.provider.test 127.0.0.1:53\nns2.provider.test"}}), http.StatusSeeOther, "/staff/dns")
		r = c.get("/staff/dns")
		contains(t, r.Body, "pdns1", "ns2.provider.test")
		lacks(t, r.Body, "geheim-123")
		// Monitoring the nameservers: the form offers the monitor's servers.
		c.expect(c.get("/staff/dns/servers/1/monitor"), http.StatusOK, "")

		// A zone by hand for a customer that does not exist: the field says so.
		r = c.get("/staff/dns/zones/new")
		c.expect(r, http.StatusOK, "")
		r = c.post("/staff/dns/zones/new", url.Values{"org_id": {"999999"}, "name": {"x.test"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "org_id")
		r = c.get("/staff/dns/zones/new")
		contains(t, r.Body, "Klantnummer")
		_ = org
	})
}

// TestDNSStaffRemove: removal asks for the zone's name and then removes it.
func TestDNSStaffRemove(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		z := e.dnsZoneFor(org.ID, "bakkerijjansen.test")
		e.staff("sam@provider.test", accounts.RoleSupport)
		c := e.client()
		c.login("sam@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/dns")
		contains(t, r.Body, "bakkerijjansen.test", "Demo (geen nameserver)")
		base := fmt.Sprintf("/staff/dns/zones/%d", z.ID)
		r = c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, base+"/remove", `action="`+base+`/preview"`)
		// Support edits a customer's zone on the staff page too.
		r = c.post(base+"/preview", url.Values{"op": {"add"}, "type": {"TXT"}, "name": {"_dmarc"}, "value": {"v=DMARC1; p=none"}})
		c.expect(r, http.StatusOK, "")
		c.expect(c.post(base+"/apply", previewForm(r.Body)), http.StatusSeeOther, base)
		r = c.post(base+"/remove", url.Values{"confirm": {"andere.test"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "confirm")
		if _, err := e.zones.View(e.ctx, e.admin(), z.ID); err != nil {
			t.Fatal(err)
		}
		c.expect(c.post(base+"/remove", url.Values{"confirm": {"bakkerijjansen.test"}}), http.StatusSeeOther, "/staff/dns")
		if _, err := e.zones.View(e.ctx, e.admin(), z.ID); err == nil {
			t.Fatal("zone still there")
		}
		lacks(t, c.get("/staff/dns").Body, "bakkerijjansen.test")
	})
}
