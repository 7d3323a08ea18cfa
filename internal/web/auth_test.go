package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/notify/notifytest"
)

func TestLoginWithTOTP(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test")
		c := e.client()

		r := c.get("/login")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Inloggen", "Wachtwoord vergeten?", `autocomplete="current-password"`)

		r = c.post("/login", url.Values{"email": {"anna@provider.test"}, "password": {"Verkeerd-ww1!"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "Het e-mailadres of het wachtwoord klopt niet.", `value="anna@provider.test"`)
		lacks(t, r.Body, "Verkeerd-ww1!")
		if _, ok := c.cookies[sessionCookie]; ok {
			t.Fatal("a failed sign-in set a session cookie")
		}

		r = c.post("/login", url.Values{"email": {"anna@provider.test"}, "password": {testPW}})
		c.expect(r, http.StatusSeeOther, "/")
		ck := r.Cookie[sessionCookie]
		if ck == nil || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Secure {
			t.Fatalf("session cookie attributes: %+v", ck)
		}
		pending := ck.Value

		// The password alone reaches nothing but the code step.
		for _, path := range []string{"/", "/staff/", "/staff/customers", "/staff/audit", "/portal/", "/mfa/enrol"} {
			c.expect(c.get(path), http.StatusSeeOther, "/login/mfa")
		}
		before := e.orgCount()
		c.expect(c.post("/staff/customers/new", url.Values{"legal_name": {"Sneaky B.V."}}), http.StatusSeeOther, "/login/mfa")
		if e.orgCount() != before {
			t.Fatal("an MFA-pending session created a customer")
		}

		r = c.get("/login/mfa")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Tweestapsverificatie", `autocomplete="one-time-code"`)

		r = c.post("/login/mfa", url.Values{"code": {"000000"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "code")
		contains(t, r.Body, "Deze code klopt niet")

		r = c.post("/login/mfa", url.Values{"code": {e.code(staffSecret)}})
		c.expect(r, http.StatusSeeOther, "/")
		if r.Cookie[sessionCookie] == nil || r.Cookie[sessionCookie].Value == pending {
			t.Fatal("completing MFA did not rotate the session token")
		}
		c.expect(c.get("/"), http.StatusSeeOther, "/staff/")
		r = c.get("/staff/")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Dashboard", "Klanten", `aria-current="page"`)

		// The pending token died with the rotation.
		old := e.client()
		old.cookies[sessionCookie] = pending
		c.expect(old.get("/staff/"), http.StatusSeeOther, "/login")

		c.logout()
		r = c.get("/login")
		contains(t, r.Body, "Je bent uitgelogd.")
		lacks(t, c.get("/login").Body, "Je bent uitgelogd.") // one-shot
		c.expect(c.get("/staff/"), http.StatusSeeOther, "/login")
	})
}

func TestRecoveryCodeSignsIn(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staffNoMFA("bart@provider.test")
		c := e.client()
		c.expect(c.post("/login", url.Values{"email": {"bart@provider.test"}, "password": {testPW}}), http.StatusSeeOther, "/")

		// Staff without TOTP are held at enrolment.
		c.expect(c.get("/"), http.StatusSeeOther, "/mfa/enrol")
		for _, path := range []string{"/staff/", "/staff/customers", "/staff/security", "/login/mfa"} {
			if got := c.get(path); got.Code != http.StatusSeeOther || !strings.HasPrefix(got.Location(), "/mfa/enrol") && got.Location() != "/" {
				t.Fatalf("%s: %d %s", path, got.Code, got.Location())
			}
		}
		r := c.get("/mfa/enrol")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Medewerkers loggen altijd in met tweestapsverificatie")

		r = c.post("/mfa/enrol/begin", nil)
		c.expect(r, http.StatusOK, "")
		secret := hidden(r.Body, "secret")
		if secret == "" || !strings.Contains(r.Body, "otpauth://totp/") {
			t.Fatalf("enrolment page shows no secret or otpauth URL\n%s", excerpt(r.Body))
		}

		r = c.post("/mfa/enrol/confirm", url.Values{"code": {"123456"}, "secret": {secret}, "url": {hidden(r.Body, "url")}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "code")
		if hidden(r.Body, "secret") != secret {
			t.Fatal("a wrong code lost the secret on the page")
		}
		c.expect(c.get("/staff/"), http.StatusSeeOther, "/mfa/enrol")

		r = c.post("/mfa/enrol/confirm", url.Values{"code": {e.code(secret)}, "secret": {secret}})
		c.expect(r, http.StatusOK, "")
		codes := regexp.MustCompile(`<li><code>([^<]+)</code></li>`).FindAllStringSubmatch(r.Body, -1)
		if len(codes) < 5 {
			t.Fatalf("expected recovery codes, got %d\n%s", len(codes), excerpt(r.Body))
		}
		contains(t, r.Body, "maar één keer getoond")
		c.expect(c.get("/staff/"), http.StatusOK, "")
		e.clk.Advance(30 * time.Second)
		c.logout()

		// Next time the TOTP step accepts a recovery code instead.
		c.expect(c.post("/login", url.Values{"email": {"bart@provider.test"}, "password": {testPW}}), http.StatusSeeOther, "/")
		c.expect(c.get("/"), http.StatusSeeOther, "/login/mfa")
		c.expect(c.post("/login/mfa", url.Values{"code": {codes[0][1]}}), http.StatusSeeOther, "/")
		c.expect(c.get("/staff/"), http.StatusOK, "")
	})
}

func TestPrivateAreasAreSeparate(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("anna@provider.test")
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")

		cust := e.client()
		cust.login("marieke@jansen.test", "", "/portal/")
		before := e.orgCount()
		for _, path := range []string{"/staff/", "/staff/customers", "/staff/customers/new", "/staff/audit", "/staff/mail", "/staff/users"} {
			r := cust.get(path)
			cust.expect(r, http.StatusForbidden, "")
			contains(t, r.Body, "alleen voor medewerkers")
		}
		cust.expect(cust.post("/staff/customers/new", url.Values{"kind": {"business"}, "legal_name": {"Nep B.V."}, "email": {"x@nep.test"}}), http.StatusForbidden, "")
		if e.orgCount() != before {
			t.Fatal("a customer created an organisation through the staff app")
		}

		staff := e.client()
		staff.login("anna@provider.test", staffSecret, "/staff/")
		staff.expect(staff.get("/portal/"), http.StatusForbidden, "")
		staff.expect(staff.get("/portal/users"), http.StatusForbidden, "")

		anon := e.client()
		anon.expect(anon.get("/staff/customers"), http.StatusSeeOther, "/login")
		anon.expect(anon.get("/portal/tokens"), http.StatusSeeOther, "/login")
		anon.expect(anon.post("/portal/tokens", url.Values{"name": {"x"}}), http.StatusSeeOther, "/login")
	})
}

func TestPasswordReset(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.customer("Fietsenmaker Pietersen", "henk@pietersen.test")
		c := e.client()

		r := c.post("/forgot", url.Values{"email": {"henk@pietersen.test"}})
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "henk@pietersen.test")
		// Unknown addresses get the same answer.
		r2 := c.post("/forgot", url.Values{"email": {"nobody@pietersen.test"}})
		c.expect(r2, http.StatusOK, "")
		contains(t, r2.Body, "Als nobody@pietersen.test bij ons bekend is")

		// The outbox keeps the link sealed; read it as delivered.
		var token string
		mails := notifytest.Deliver(t, e.db, e.clk, e.keys)
		for _, m := range mails {
			if m.To == "henk@pietersen.test" {
				if mm := regexp.MustCompile(`/reset\?token=([A-Za-z0-9_\-]+)`).FindStringSubmatch(m.Text); mm != nil {
					token = mm[1]
				}
			}
		}
		if token == "" {
			t.Fatalf("no reset link in the delivered mail: %d mails", len(mails))
		}

		r = c.get("/reset?token=" + token)
		c.expect(r, http.StatusOK, "")
		if hidden(r.Body, "token") != token {
			t.Fatal("the reset form does not carry the token")
		}
		r = c.post("/reset", url.Values{"token": {token}, "new_password": {"zwak"}, "confirm_password": {"zwak"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "new_password")
		lacks(t, r.Body, `value="zwak"`)
		r = c.post("/reset", url.Values{"token": {token}, "new_password": {"Nieuw-Wachtw00rd!"}, "confirm_password": {"Nieuw-Wachtw00rd?"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "confirm_password")

		c.expect(c.post("/reset", url.Values{"token": {token}, "new_password": {"Nieuw-Wachtw00rd!"}, "confirm_password": {"Nieuw-Wachtw00rd!"}}),
			http.StatusSeeOther, "/login")
		contains(t, c.get("/login").Body, "Je nieuwe wachtwoord is ingesteld")
		c.expect(c.post("/login", url.Values{"email": {"henk@pietersen.test"}, "password": {"Nieuw-Wachtw00rd!"}}), http.StatusSeeOther, "/")

		// The token is used up.
		r = c.post("/reset", url.Values{"token": {token}, "new_password": {"Nog-een-Wachtw00rd!"}, "confirm_password": {"Nog-een-Wachtw00rd!"}})
		c.expect(r, http.StatusBadRequest, "")
		contains(t, r.Body, "Deze link is ongeldig")
		c.expect(c.get("/reset"), http.StatusBadRequest, "")

		// The token never reaches the log.
		lacks(t, e.log.String(), token)
	})
}

func TestServiceThrottlingShowsRetryAfter(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		var last resp
		// Each attempt from its own address, so only the service's per-account
		// throttling can answer 429.
		for i := range 8 {
			c := e.client()
			c.ip = "198.51.100." + itoa(int64(i+1))
			last = c.post("/login", url.Values{"email": {"marieke@jansen.test"}, "password": {"Fout-Wachtw00rd!"}})
			if last.Code == http.StatusTooManyRequests {
				break
			}
		}
		if last.Code != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
			t.Fatalf("repeated failures: status %d, Retry-After %q", last.Code, last.Header.Get("Retry-After"))
		}
		contains(t, last.Body, "Te veel pogingen", "Wacht ")
	})
}
