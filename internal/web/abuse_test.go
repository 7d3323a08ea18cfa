package web

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/disclosure"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/store"
)

// pageAbuseCustomers reads the organisations table as internal/app does.
type pageAbuseCustomers struct{}

func (pageAbuseCustomers) Contact(ctx context.Context, q store.Querier, orgID int64) (abuse.Recipient, error) {
	var r abuse.Recipient
	err := q.QueryRowContext(ctx, `SELECT email, legal_name, language, legal_name, postal_city FROM organisations WHERE id = $1`, orgID).
		Scan(&r.Email, &r.Name, &r.Lang, &r.LegalName, &r.Address)
	return r, err
}

// abuseForm fills the public notice form's fields (one value each) with the solved
// proof of work of the page.
func abuseFormValues(t *testing.T, page, url string) map[string]string {
	pow := solvePow(t, page)
	v := map[string]string{"notifier_name": "Rechthebbende", "notifier_email": "rechten@example.test", "urls": url, "ground": "copyright",
		"asks": "removal", "description": "Onze foto's staan zonder toestemming op deze pagina.", "accurate": "1", "key": hidden(page, "key")}
	for k, vs := range pow {
		v[k] = vs[0]
	}
	return v
}

var numberRE = regexp.MustCompile(`NTD-[0-9]+`)

// The public form in both languages: a bad upload is refused with a message and
// nothing stored; a good notice gets a receipt with its number.
func TestAbusePublicForm(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := e.client()
		r := c.get("/abuse")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Onrechtmatige inhoud melden", "enctype=\"multipart/form-data\"", "Auteursrecht")
		lacks(t, r.Body, "⟦")
		en := e.client()
		en.post("/lang", url.Values{"lang": {"en"}, "next": {"/abuse"}})
		contains(t, en.get("/abuse").Body, "Report unlawful content", "Child sexual abuse material")
		r = c.upload("/abuse", "evidence", "tool.exe", []byte("MZ\x90\x00binary"), abuseFormValues(t, r.Body, "https://elders.example.com/x"))
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "Het bestand tool.exe is geen PDF, afbeelding, tekst of e-mail; niets is opgeslagen.")
		var n int
		if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM abuse_cases`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("cases after a refused upload: %d %v", n, err)
		}
		r = c.upload("/abuse", "evidence", "proof.png", []byte("\x89PNG\r\n\x1a\n0000"), abuseFormValues(t, r.Body, "https://elders.example.com/x"))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Uw meldingsnummer is NTD-", "niet (meer) bij ons online")
		// Without the proof of work nothing is taken.
		bad := abuseFormValues(t, c.get("/abuse").Body, "https://elders.example.com/y")
		bad["pow_number"] = "-1"
		c.expect(c.upload("/abuse", "evidence", "a.txt", []byte("text"), bad), http.StatusUnprocessableEntity, "")
	})
}

// A notice about a customer's service: staff forward it, the customer answers in the
// portal, another customer cannot see it, staff decide and the service is blocked in
// provisioning.
func TestAbuseStaffAndPortal(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		_, admin := e.customer("Webwinkel Veld", "anna@veld.test")
		con := e.order(e.customerPrincipal(admin), "webhosting", "start", "")
		e.provServer("web01.ams", "Amsterdam", 10)
		svc := e.provision(con.Subscriptions[0])
		if _, err := e.db.ExecContext(e.ctx, `UPDATE provision_services SET domain = 'veld-shop.nl' WHERE id = $1`, svc.ID); err != nil {
			t.Fatal(err)
		}
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		pub := e.client()
		r := pub.get("/abuse")
		r = pub.upload("/abuse", "evidence", "proof.png", []byte("\x89PNG\r\n\x1a\n0000"), abuseFormValues(t, r.Body, "https://www.veld-shop.nl/fotos"))
		pub.expect(r, http.StatusOK, "")
		number := numberRE.FindString(r.Body)
		id := strings.TrimPrefix(number, "NTD-")

		e.staff("desk@provider.test", accounts.RoleAbuse)
		s := e.client()
		s.login("desk@provider.test", staffSecret, "/staff/")
		list := s.get("/staff/abuse?state=new")
		s.expect(list, http.StatusOK, "")
		contains(t, list.Body, number, "Auteursrecht")
		page := s.get("/staff/abuse/" + id)
		contains(t, page.Body, "veld-shop.nl", "proof.png", "Doorsturen naar de klant")
		lacks(t, page.Body, "⟦")
		s.expect(s.post("/staff/abuse/"+id+"/forward", nil), http.StatusSeeOther, "/staff/abuse/"+id)

		other := e.client()
		other.login("marieke@jansen.test", "", "/portal/")
		other.expect(other.get("/portal/abuse/"+id), http.StatusNotFound, "")
		other.expect(other.post("/portal/abuse/"+id, url.Values{"answer": {"niet van ons"}}), http.StatusNotFound, "")
		lacks(t, other.get("/portal/abuse").Body, number)

		cust := e.client()
		cust.login("anna@veld.test", "", "/portal/")
		mine := cust.get("/portal/abuse/" + id)
		cust.expect(mine, http.StatusOK, "")
		contains(t, mine.Body, "Reageer uiterlijk", "veld-shop.nl/fotos")
		lacks(t, mine.Body, "rechten@example.test", "Rechthebbende", "⟦")
		cust.expect(cust.post("/portal/abuse/"+id, url.Values{"answer": {"Wij hebben een licentie."}}), http.StatusSeeOther, "/portal/abuse/"+id)

		page = s.get("/staff/abuse/" + id)
		contains(t, page.Body, "Wij hebben een licentie.")
		s.expect(s.post("/staff/abuse/"+id+"/decide", url.Values{"decision": {"justified"}, "reasons": {""}}), http.StatusUnprocessableEntity, "")
		s.expect(s.post("/staff/abuse/"+id+"/decide", url.Values{"decision": {"justified"}, "reasons": {"Geen licentie getoond."}}), http.StatusSeeOther, "/staff/abuse/"+id)
		v, err := e.prov.Service(e.ctx, e.provStaff(), svc.ID)
		if err != nil || !slices.Contains(v.Reasons, driver.SuspendAbuse) {
			t.Fatalf("service after the decision: %+v %v", v.Reasons, err)
		}
		contains(t, cust.get("/portal/abuse/"+id).Body, "Geen licentie getoond.", "niets verwijderd")
		// Lifting the block asks first.
		contains(t, s.get("/staff/abuse/"+id+"/unblock").Body, "Blokkade opheffen")
		s.expect(s.post("/staff/abuse/"+id+"/unblock", url.Values{"note": {"licentie alsnog getoond"}}), http.StatusSeeOther, "/staff/abuse/"+id)
		// The desk's other staff may read but not decide.
		e.staff("sam@provider.test", accounts.RoleSales)
		sales := e.client()
		sales.login("sam@provider.test", staffSecret, "/staff/")
		sales.expect(sales.get("/staff/abuse"), http.StatusForbidden, "")
	})
}

// security.txt per RFC 9116, the report form and the desk's pages.
func TestDisclosurePages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := e.client()
		txt := c.get("/.well-known/security.txt")
		c.expect(txt, http.StatusOK, "")
		contains(t, txt.Body, "Contact: mailto:security@provider.example", "Policy: https://portal.example/security",
			"Preferred-Languages: nl, en", "Canonical: https://portal.example/.well-known/security.txt")
		m := regexp.MustCompile(`Expires: (\S+)`).FindStringSubmatch(txt.Body)
		exp, err := time.Parse(time.RFC3339, m[1])
		if err != nil || !exp.After(e.clk.Now()) || exp.After(e.clk.Now().AddDate(1, 0, 0)) {
			t.Fatalf("Expires %v %v", m, err)
		}
		form := c.get("/security")
		contains(t, form.Body, "cp.rd.expect.8", "€ 300,00")
		lacks(t, form.Body, "⟦")
		vals := solvePow(t, form.Body)
		vals.Set("key", hidden(form.Body, "key"))
		vals.Set("title", "XSS")
		vals.Set("affected", "https://portal.example/profile")
		vals.Set("description", "De naam wordt niet ontsnapt.")
		r := c.post("/security", vals)
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "e-mailadres of telefoonnummer")
		form = c.get("/security")
		vals = solvePow(t, form.Body)
		for k, v := range map[string]string{"key": hidden(form.Body, "key"), "title": "XSS", "affected": "https://portal.example/profile",
			"description": "De naam wordt niet ontsnapt.", "email": "eva@research.test"} {
			vals.Set(k, v)
		}
		r = c.post("/security", vals)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "SEC-1")
		contains(t, c.get("/security/thanks").Body, "Nog niemand")

		e.staff("sec@provider.test", accounts.RoleSecurity)
		s := e.client()
		s.login("sec@provider.test", staffSecret, "/staff/")
		contains(t, s.get("/staff/security-reports").Body, "SEC-1", "XSS")
		s.expect(s.post("/staff/security-reports/1/acknowledge", nil), http.StatusSeeOther, "/staff/security-reports/1")
		s.expect(s.post("/staff/security-reports/1/accept", url.Values{"severity": {"high"}, "assessment": {"Bevestigd."}, "fix_date": {"2099-01-01"}}), http.StatusUnprocessableEntity, "")
		page := s.get("/staff/security-reports/1")
		contains(t, page.Body, "bevestigd", "eva@research.test")
		lacks(t, page.Body, "⟦")
	})
}

// noticeAbout gives a service a domain and files a notice about it that the desk
// forwards to its customer; it returns the case id.
func (e *env) noticeAbout(serviceID int64, domain string) int64 {
	e.t.Helper()
	if _, err := e.db.ExecContext(e.ctx, `UPDATE provision_services SET domain = $1 WHERE id = $2`, domain, serviceID); err != nil {
		e.t.Fatal(err)
	}
	c, err := e.srv.abuse.Submit(e.ctx, abuse.Notice{NotifierName: "Melder", NotifierEmail: "melder@example.test", URLs: []string{"https://" + domain + "/x"},
		AsksRemoval: true, Ground: "copyright", Description: "Kopie.", Accurate: true})
	if err != nil || c.OrgID == 0 {
		e.t.Fatalf("notice: %+v %v", c, err)
	}
	desk := accounts.Principal{User: accounts.User{ID: -2, Email: "desk@test", Roles: []accounts.Role{accounts.RoleAbuse}}}
	if err := e.srv.abuse.Forward(e.ctx, desk, c.ID); err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// With a configured key, security.txt is an OpenPGP clear-signed message that
// verifies against the key (RFC 9116 section 2.3).
func TestSecurityTxtSigned(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{BaseURL: "https://portal.example"})
	ent, err := openpgp.NewEntity("Security", "", "security@provider.example", nil)
	if err != nil {
		t.Fatal(err)
	}
	var priv bytes.Buffer
	w, _ := armor.Encode(&priv, openpgp.PrivateKeyType, nil)
	if err := ent.SerializePrivate(w, nil); err != nil {
		t.Fatal(err)
	}
	w.Close()
	signer, err := disclosure.NewSigner(priv.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	e.srv.securityTxtSign = signer
	c := e.client()
	r := c.get("/.well-known/security.txt")
	c.expect(r, http.StatusOK, "")
	b, _ := clearsign.Decode([]byte(r.Body))
	if b == nil || !strings.Contains(string(b.Plaintext), "Expires: ") || !strings.Contains(string(b.Plaintext), "Canonical: https://portal.example/.well-known/security.txt") {
		t.Fatalf("not signed:\n%s", r.Body)
	}
	if _, err := b.VerifySignature(openpgp.EntityList{ent}, nil); err != nil {
		t.Fatal(err)
	}
}
