package web

import (
	"net/http"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/provision"
)

// TestProvisionPortalServices walks a customer through the service pages: the empty
// list, a service being set up, then running with its connection details, the
// credentials shown once behind a button, a reset after confirming, the control panel,
// a VPN's configuration with its QR code, and a suspension for an overdue invoice that
// links to the invoices.
func TestProvisionPortalServices(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		_, u := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		cp := e.customerPrincipal(u)

		c := e.client()
		c.login("gert@slagerijbos.test", "", "/portal/")
		contains(t, c.get("/portal/").Body, `href="/portal/services"`)
		r := c.get("/portal/services")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "U heeft nog geen diensten die op een server draaien.")

		// No server yet: the service waits, and the customer reads that it is being set up.
		con := e.order(cp, "webhosting", "start", "slagerijbos.nl")
		sub := con.Subscriptions[0]
		if err := e.prov.Provision(e.ctx, sub); err != nil {
			t.Fatal(err)
		}
		svc, err := e.prov.ServiceOf(e.ctx, e.provStaff(), sub.ID)
		if err != nil {
			t.Fatal(err)
		}
		base := "/portal/services/" + itoa(svc.ID)
		r = c.get("/portal/services")
		contains(t, r.Body, `href="`+base+`"`, "Wordt klaargezet")
		r = c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "We zetten uw dienst klaar", "De verbindingsgegevens verschijnen hier zodra de dienst klaar is.")
		lacks(t, r.Body, "/credentials\"", "/panel\"")

		// A server appears; the service is created there.
		e.provServer("web01.ams", "Amsterdam", 10)
		e.runQueue()
		e.runQueue()
		r = c.get(base)
		contains(t, r.Body, "Uw dienst werkt.", "srv.cloudprovider.test", "Gebruikersnaam", "Uw inloggegevens staan klaar", `action="`+base+`/credentials"`,
			`action="`+base+`/panel"`, `href="/portal/contracts/`+itoa(con.ID))
		// The overview and the contract link to the service.
		contains(t, c.get("/portal/").Body, `href="`+base+`"`)
		contains(t, c.get("/portal/contracts/"+itoa(con.ID)).Body, `href="`+base+`"`)

		// Shown once.
		r = c.post(base+"/credentials", nil)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "maar één keer getoond", `id="svc-secret"`)
		if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("credentials page Cache-Control %q", cc)
		}
		secret := hiddenValue(r.Body, "svc-secret")
		if len(secret) < 12 {
			t.Fatalf("secret shown: %q", secret)
		}
		r = c.get(base)
		lacks(t, r.Body, secret)
		contains(t, r.Body, "Uw inloggegevens zijn al getoond.")
		c.expect(c.post(base+"/credentials", nil), http.StatusSeeOther, base)
		contains(t, c.get(base).Body, "De inloggegevens zijn al eerder getoond.")

		// A reset, confirmed; the new secret shows once after the server took it.
		r = c.get(base + "/reset")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Nieuwe inloggegevens instellen voor Webhosting", "werkt daarna niet meer")
		c.expect(c.post(base+"/reset", nil), http.StatusSeeOther, base)
		r = c.get(base)
		contains(t, r.Body, "Er worden nieuwe inloggegevens ingesteld.", "Uw nieuwe inloggegevens worden ingesteld.")
		// A second reset while the first is under way is refused on the page.
		r = c.post(base+"/reset", nil)
		c.expect(r, http.StatusUnprocessableEntity, "")
		e.runQueue()
		r = c.post(base+"/credentials", nil)
		c.expect(r, http.StatusOK, "")
		if s2 := hiddenValue(r.Body, "svc-secret"); s2 == "" || s2 == secret {
			t.Fatalf("new secret %q (old %q)", s2, secret)
		}

		// The control panel: a link to click, never a form sent to another site.
		r = c.post(base+"/panel", nil)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `href="https://panel.cloudprovider.test/login?key=once-`+svc.Ref+`"`, "werkt maar kort")

		// VPN: the client configuration and its QR code, once.
		vpn := e.provision(e.order(cp, "vpn", "standard", "").Subscriptions[0])
		vbase := "/portal/services/" + itoa(vpn.ID)
		r = c.post(vbase+"/credentials", nil)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "VPN-configuratie", "[Interface]", `<svg class="qr"`, "QR-code met uw WireGuard-configuratie")

		// Suspended for non-payment: in plain words, with the way to the invoices.
		if err := e.prov.Suspend(e.ctx, sub); err != nil {
			t.Fatal(err)
		}
		e.runQueue()
		r = c.get(base)
		contains(t, r.Body, "Geblokkeerd omdat een factuur niet op tijd is betaald", `href="/portal/invoices?status=open"`)
		lacks(t, r.Body, `action="`+base+`/panel"`)
		contains(t, c.get("/portal/services").Body, "Geblokkeerd")
	})
}

// hiddenValue is the value of the input with id.
func hiddenValue(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	rest := body[i:]
	j := strings.Index(rest, `value="`)
	if j < 0 {
		return ""
	}
	rest = rest[j+len(`value="`):]
	return rest[:strings.Index(rest, `"`)]
}

// TestProvisionPortalPermissions: a user without technical permission sees the service
// but not its credentials, and cannot take them; staff cannot take them either.
func TestProvisionPortalPermissions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.provServer("web01.ams", "Amsterdam", 10)
		org, u := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		svc := e.provision(e.order(e.customerPrincipal(u), "webhosting", "start", "slagerijbos.nl").Subscriptions[0])
		if _, err := e.acc.CreateUser(e.ctx, e.customerPrincipal(u), accounts.UserInput{OrgID: org.ID, Email: "kees@slagerijbos.test",
			Name: "Kees Bos", Language: "nl", Password: testPW, Permissions: []accounts.Permission{accounts.PermBilling}}); err != nil {
			t.Fatal(err)
		}
		base := "/portal/services/" + itoa(svc.ID)
		c := e.client()
		c.login("kees@slagerijbos.test", "", "/portal/")
		r := c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Alleen gebruikers met technische rechten")
		lacks(t, r.Body, `action="`+base+`/credentials"`, `href="`+base+`/reset"`)
		c.expect(c.post(base+"/credentials", nil), http.StatusForbidden, "")
		c.expect(c.post(base+"/reset", nil), http.StatusForbidden, "")
		c.expect(c.post(base+"/panel", nil), http.StatusForbidden, "")
		if v := e.provService(svc.ID); !v.CredentialsReady {
			t.Fatal("the credentials were taken")
		}
	})
}

// TestProvisionPortalCSRF: a reveal posted from another site shows and wipes nothing.
func TestProvisionPortalCSRF(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.provServer("web01.ams", "Amsterdam", 10)
		_, u := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		svc := e.provision(e.order(e.customerPrincipal(u), "webhosting", "start", "slagerijbos.nl").Subscriptions[0])
		c := e.client()
		c.login("gert@slagerijbos.test", "", "/portal/")
		c.header.Set("Sec-Fetch-Site", "cross-site")
		for _, path := range []string{"/credentials", "/reset", "/panel"} {
			if r := c.post("/portal/services/"+itoa(svc.ID)+path, nil); r.Code != http.StatusForbidden {
				t.Errorf("cross-site POST %s: %d, want 403", path, r.Code)
			}
		}
		v := e.provService(svc.ID)
		if !v.CredentialsReady || v.Task != nil && v.Task.Op == provision.OpResetCredentials {
			t.Fatalf("after cross-site POSTs: %+v", v)
		}
	})
}

// TestProvisionPortalResellers: a reseller's admin acting for its own customer opens
// that customer's service but not another reseller's customer's, nor a direct
// customer's, whose credentials stay untouched.
func TestProvisionPortalResellers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.provServer("web01.ams", "Amsterdam", 10)
		res := e.resellerOrg("WebBouwers B.V.", "lotte@webbouwers.test", true, 0)
		mine := e.resellerOrg("Fietsenmaker Pietersen", "henk@pietersen.test", false, res.ID)
		other := e.resellerOrg("Andere Reseller B.V.", "info@andere.test", true, 0)
		theirs := e.resellerOrg("Klant Van Een Ander", "klant@ander.test", false, other.ID)
		direct := e.resellerOrg("Bakkerij Jansen", "marieke@jansen.test", false, 0)
		svcOf := func(email, domain string) provision.ServiceView {
			u, err := e.acc.FindUserByEmail(e.ctx, email)
			if err != nil {
				t.Fatal(err)
			}
			return e.provision(e.order(e.customerPrincipal(u), "webhosting", "start", domain).Subscriptions[0])
		}
		own := svcOf("henk@pietersen.test", "pietersen.nl")
		foreign := svcOf("klant@ander.test", "klantvaneenander.nl")
		direct1 := svcOf("marieke@jansen.test", "bakkerijjansen.nl")
		_, _ = theirs, direct

		c := e.client()
		c.login("lotte@webbouwers.test", "", "/portal/")
		// The reseller works on its customer's services acting for it.
		c.expect(c.post("/portal/customers/"+itoa(mine.ID)+"/act", nil), http.StatusSeeOther, "/portal/")
		r := c.get("/portal/services/" + itoa(own.ID))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "pietersen.nl")
		contains(t, c.get("/portal/services").Body, "pietersen.nl")
		for _, v := range []provision.ServiceView{foreign, direct1} {
			for _, path := range []string{"", "/reset"} {
				r := c.get("/portal/services/" + itoa(v.ID) + path)
				if r.Code != http.StatusNotFound && r.Code != http.StatusForbidden {
					t.Errorf("reseller opens %s%s: %d", v.Domain, path, r.Code)
				}
				lacks(t, r.Body, v.Domain)
			}
			for _, path := range []string{"/credentials", "/reset", "/panel"} {
				if r := c.post("/portal/services/"+itoa(v.ID)+path, nil); r.Code != http.StatusNotFound && r.Code != http.StatusForbidden {
					t.Errorf("reseller posts %s%s: %d", v.Domain, path, r.Code)
				}
			}
			if got := e.provService(v.ID); !got.CredentialsReady {
				t.Errorf("%s: credentials taken", v.Domain)
			}
		}
		lacks(t, c.get("/portal/services").Body, "klantvaneenander.nl", "bakkerijjansen.nl")
	})
}
