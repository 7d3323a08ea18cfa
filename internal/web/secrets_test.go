package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestSecretLinkSurvivesPreviews: a customer makes a link from the security page; a mail
// program's preview (a GET, several times) shows only the button; the person's POST
// reveals the secret once; after that the link says it is gone. The key never reaches
// the request log.
func TestSecretLinkSurvivesPreviews(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.customer("Slagerij Bos", "gert@slagerijbos.test")
		c := e.client()
		c.login("gert@slagerijbos.test", "", "/portal/")
		contains(t, c.get("/portal/security").Body, `href="/portal/secrets/new"`)
		r := c.get("/portal/secrets/new")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Wachtwoord delen met een eenmalige link", `name="text"`, `name="lifetime"`)

		// Refused input keeps the form with a message and stores nothing.
		r = c.post("/portal/secrets/new", url.Values{"text": {"  "}, "lifetime": {"60"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "text")
		r = c.post("/portal/secrets/new", url.Values{"text": {"x"}, "lifetime": {"20000"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "Kies een looptijd van 1 uur tot 7 dagen.")

		r = c.post("/portal/secrets/new", url.Values{"text": {"wachtwoord: Zomer-2026!"}, "lifetime": {"1440"}})
		c.expect(r, http.StatusOK, "")
		start := strings.Index(r.Body, "https://portal.example/s/")
		if start < 0 {
			t.Fatalf("no link on the page:\n%s", excerpt(r.Body))
		}
		link := r.Body[start:]
		link = link[:strings.IndexByte(link, '"')]
		link = strings.ReplaceAll(link, "&amp;", "&")
		u, err := url.Parse(link)
		if err != nil {
			t.Fatal(err)
		}
		key := u.Query().Get("k")

		anon := e.client()
		for range 3 {
			r = anon.get(u.RequestURI())
			anon.expect(r, http.StatusOK, "")
			contains(t, r.Body, "Er staat een geheim voor u klaar", `id="secret-reveal"`)
			lacks(t, r.Body, "Zomer-2026")
		}
		r = anon.post(u.Path, url.Values{"k": {key}})
		anon.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Zomer-2026!", "het is nu bij ons gewist")
		r = anon.post(u.Path, url.Values{"k": {key}})
		anon.expect(r, http.StatusNotFound, "")
		contains(t, r.Body, "al gebruikt of verlopen")
		lacks(t, r.Body, "Zomer-2026")
		r = anon.get(u.RequestURI())
		anon.expect(r, http.StatusNotFound, "")
		if strings.Contains(e.log.String(), key) {
			t.Fatal("the link's key was written to the log")
		}
	})
}

// TestSecretHandOverOfServiceCredentials: a service's new credentials go to a colleague
// as a one-time link instead of onto the page (cp.security.passwords.4).
func TestSecretHandOverOfServiceCredentials(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		_, u := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		cp := e.customerPrincipal(u)
		con := e.order(cp, "webhosting", "start", "slagerijbos.nl")
		if err := e.prov.Provision(e.ctx, con.Subscriptions[0]); err != nil {
			t.Fatal(err)
		}
		e.provServer("web01.ams", "Amsterdam", 10)
		e.runQueue()
		e.runQueue()
		svc, err := e.prov.ServiceOf(e.ctx, e.provStaff(), con.Subscriptions[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		base := "/portal/services/" + itoa(svc.ID)
		c := e.client()
		c.login("gert@slagerijbos.test", "", "/portal/")
		contains(t, c.get(base).Body, `name="as" value="link"`)
		r := c.post(base+"/credentials", url.Values{"as": {"link"}})
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Eenmalige link met de inloggegevens", "https://portal.example/s/")
		lacks(t, r.Body, `id="svc-secret"`)
		// Shown nowhere else any more: the portal says they were handed over.
		lacks(t, c.get(base).Body, `action="`+base+`/credentials"`)
	})
}
