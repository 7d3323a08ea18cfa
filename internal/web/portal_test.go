package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/hostpact/hostpact/internal/accounts"
)

func TestPortalProfileAndUsers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")

		r := c.get("/portal/")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Welkom, Admin Bakkerij Jansen B.V.", "Bakkerij Jansen B.V.", "Klantportaal", "Gebruikers")

		// Profile: the admin edits contact details; the legal name is not in the form.
		r = c.get("/portal/profile")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `name="contact_name"`, `name="postal_address.street"`, "12345678")
		lacks(t, r.Body, `name="legal_name"`, `name="kvk"`, `name="is_reseller"`)
		form := url.Values{"contact_name": {"Marieke Jansen"}, "email": {"info@jansen.test"}, "phone": {"030 123 4567"}, "language": {"nl"},
			"postal_address.street": {"Bakkerstraat 1"}, "postal_address.postal_code": {"3511 AB"}, "postal_address.city": {"Utrecht"},
			"postal_address.country": {"NL"}, "legal_name": {"Overgenomen B.V."}}
		r = c.post("/portal/profile", with(form, "email", "geen-adres"))
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "email")
		contains(t, r.Body, `value="Bakkerstraat 1"`)
		c.expect(c.post("/portal/profile", form), http.StatusSeeOther, "/portal/profile")
		got, err := e.acc.GetOrganisation(e.ctx, e.admin(), org.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ContactName != "Marieke Jansen" || got.PostalAddress.Street != "Bakkerstraat 1" || got.LegalName != "Bakkerij Jansen B.V." {
			t.Fatalf("profile update: %+v", got)
		}

		// Users: create a sub-user, change permissions, disable after confirming.
		r = c.post("/portal/users/new", url.Values{"name": {"Piet"}, "email": {"piet@@jansen"}, "permissions": {"billing"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "email")
		contains(t, r.Body, `value="billing" checked`)
		r = c.post("/portal/users/new", url.Values{"name": {"Piet Jansen"}, "email": {"piet@jansen.test"}, "language": {"nl"}, "permissions": {"billing"}})
		c.expect(r, http.StatusSeeOther, "")
		loc := r.Location()
		r = c.get(loc)
		contains(t, r.Body, "Piet Jansen", `value="billing" checked`)
		c.expect(c.post(loc+"/permissions", url.Values{"permissions": {"technical", "users"}}), http.StatusSeeOther, loc)
		piet, err := e.acc.FindUserByEmail(e.ctx, "piet@jansen.test")
		if err != nil {
			t.Fatal(err)
		}
		if len(piet.Permissions) != 2 {
			t.Fatalf("permissions: %v", piet.Permissions)
		}
		r = c.get(loc + "/disable")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Weet je zeker dat je Piet Jansen (piet@jansen.test) wilt blokkeren?")
		if piet, _ = e.acc.FindUserByEmail(e.ctx, "piet@jansen.test"); piet.Disabled {
			t.Fatal("the confirmation page disabled the user")
		}
		c.expect(c.post(loc+"/disable", nil), http.StatusSeeOther, loc)
		if piet, _ = e.acc.FindUserByEmail(e.ctx, "piet@jansen.test"); !piet.Disabled {
			t.Fatal("user not disabled")
		}
		contains(t, c.get("/portal/users").Body, "piet@jansen.test", "Geblokkeerd")

		r = c.get("/portal/activity")
		c.expect(r, http.StatusOK, "")
		// The feed says what happened in Dutch, not the audit code.
		contains(t, r.Body, "Admin Bakkerij Jansen B.V. heeft gebruiker Piet Jansen toegevoegd", "geblokkeerd", "192.0.2.10")
		if strings.Contains(r.Body, "user.create") {
			t.Error("the customer's feed shows the raw action code")
		}
	})
}

func TestPortalSubUserSeesLess(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org, admin := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		if _, err := e.acc.CreateUser(e.ctx, e.customerPrincipal(admin), accounts.UserInput{OrgID: org.ID, Email: "piet@jansen.test",
			Name: "Piet", Language: "en", Password: testPW, Permissions: []accounts.Permission{accounts.PermBilling}}); err != nil {
			t.Fatal(err)
		}
		c := e.client()
		c.login("piet@jansen.test", "", "/portal/")
		r := c.get("/portal/")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Welcome, Piet") // the user's language preference
		lacks(t, c.get("/portal/users").Body, `href="/portal/users/new"`)
		r = c.get("/portal/profile")
		lacks(t, r.Body, `<form method="post" action="/portal/profile"`)
		before, _ := e.acc.GetOrganisation(e.ctx, e.admin(), org.ID)
		c.expect(c.post("/portal/profile", url.Values{"contact_name": {"Piet"}, "email": {"piet@jansen.test"},
			"postal_address.street": {"X 1"}, "postal_address.postal_code": {"1234 AB"}, "postal_address.city": {"X"}, "postal_address.country": {"NL"}}),
			http.StatusForbidden, "")
		after, _ := e.acc.GetOrganisation(e.ctx, e.admin(), org.ID)
		if after.ContactName != before.ContactName {
			t.Fatal("a sub-user without permission changed the profile")
		}
		c.expect(c.post("/portal/users/new", url.Values{"name": {"X"}, "email": {"x@jansen.test"}}), http.StatusForbidden, "")
		c.expect(c.post("/portal/allowlist", url.Values{"ip_allowlist": {"192.0.2.0/24"}}), http.StatusForbidden, "")
	})
}

func TestPortalMFA(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r := c.get("/portal/security")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Tweestapsverificatie aanzetten", "Uitloggen op alle apparaten", "Wachtwoord wijzigen")

		r = c.post("/portal/mfa/begin", nil)
		c.expect(r, http.StatusOK, "")
		secret := hidden(r.Body, "secret")
		contains(t, r.Body, "otpauth://totp/", groupSecret(secret))
		r = c.post("/portal/mfa/confirm", url.Values{"code": {e.code(secret)}, "secret": {secret}})
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Je herstelcodes", `href="/portal/security"`)
		e.clk.Advance(30 * time.Second)
		contains(t, c.get("/portal/security").Body, "Nieuwe app koppelen", `href="/portal/mfa/disable"`)

		// Signing in now takes the code.
		c2 := e.client()
		c2.login("marieke@jansen.test", secret, "/portal/")

		// Turning it off asks for a code.
		r = c.get("/portal/mfa/disable")
		c.expect(r, http.StatusOK, "")
		r = c.post("/portal/mfa/disable", url.Values{"code": {"000000"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "code")
		code, _ := totp.GenerateCode(secret, e.clk.Now())
		c.expect(c.post("/portal/mfa/disable", url.Values{"code": {code}}), http.StatusSeeOther, "/portal/security")
		contains(t, c.get("/portal/security").Body, "Tweestapsverificatie staat uit.")
	})
}

func TestPortalAllowlist(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r := c.get("/portal/allowlist")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "192.0.2.10", "Elk adres toegestaan")

		current := func() []string {
			o, err := e.acc.GetOrganisation(e.ctx, e.admin(), org.ID)
			if err != nil {
				t.Fatal(err)
			}
			return o.IPAllowlist
		}
		for name, list := range map[string]string{
			"bad CIDR":          "192.0.2.0/24\n10.0.0.0/33",
			"not an address":    "kantoor",
			"locks oneself out": "198.51.100.0/24",
		} {
			r = c.post("/portal/allowlist", url.Values{"ip_allowlist": {list}})
			c.expect(r, http.StatusUnprocessableEntity, "")
			fieldError(t, r.Body, "ip_allowlist")
			if !strings.Contains(r.Body, strings.Split(list, "\n")[0]) {
				t.Errorf("%s: the input was not kept", name)
			}
			if len(current()) != 0 {
				t.Fatalf("%s: allowlist saved: %v", name, current())
			}
		}
		c.expect(c.post("/portal/allowlist", url.Values{"ip_allowlist": {"192.0.2.0/24, 2001:db8::/48"}}), http.StatusSeeOther, "/portal/allowlist")
		if got := current(); len(got) != 2 {
			t.Fatalf("allowlist: %v", got)
		}

		// From another address the session is refused with an explanation.
		c.ip = "198.51.100.7"
		r = c.get("/portal/")
		c.expect(r, http.StatusForbidden, "")
		contains(t, r.Body, "198.51.100.7", "Geen toegang vanaf dit adres")
		c.ip = "192.0.2.10"
		c.expect(c.get("/portal/"), http.StatusOK, "")
	})
}

func TestPortalTokens(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r := c.get("/portal/tokens")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Je hebt nog geen API-sleutels.")

		r = c.post("/portal/tokens", url.Values{"name": {""}, "scopes": {"read"}, "expires_in_days": {"90"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "name")
		r = c.post("/portal/tokens", url.Values{"name": {"Boekhouding"}, "scopes": {"read", "write"}, "expires_in_days": {"99999"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "expires_in_days")

		r = c.post("/portal/tokens", url.Values{"name": {"Boekhouding"}, "scopes": {"read"}, "expires_in_days": {"30"}})
		c.expect(r, http.StatusOK, "")
		plain := regexp.MustCompile(`id="new-token" type="text" readonly value="([^"]+)"`).FindStringSubmatch(r.Body)
		if plain == nil {
			t.Fatalf("no plaintext token on the page\n%s", excerpt(r.Body))
		}
		contains(t, r.Body, "Sleutel ‘Boekhouding’ is aangemaakt", "maar één keer getoond")
		if _, err := e.acc.AuthenticateToken(e.ctx, plain[1], "192.0.2.10"); err != nil {
			t.Fatalf("the token shown does not work: %v", err)
		}
		r = c.get("/portal/tokens")
		lacks(t, r.Body, plain[1])
		contains(t, r.Body, "Boekhouding")
		link := regexp.MustCompile(`href="(/portal/tokens/\d+/revoke)"`).FindStringSubmatch(r.Body)
		if link == nil {
			t.Fatal("no revoke link")
		}
		r = c.get(link[1])
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Weet je zeker dat je sleutel ‘Boekhouding’")
		c.expect(c.post(link[1], nil), http.StatusSeeOther, "/portal/tokens")
		contains(t, c.get("/portal/tokens").Body, "De sleutel is ingetrokken.", "Ingetrokken")
		if _, err := e.acc.AuthenticateToken(e.ctx, plain[1], "192.0.2.10"); err == nil {
			t.Fatal("a revoked token still works")
		}
		c.expect(c.get(link[1]), http.StatusNotFound, "")
	})
}

func TestPasswordChangeAndLogoutEverywhere(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		phone := e.client()
		phone.login("marieke@jansen.test", "", "/portal/")
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")

		r := c.post("/portal/password", url.Values{"current_password": {testPW}, "new_password": {"kort"}, "confirm_password": {"kort"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "new_password")
		r = c.post("/portal/password", url.Values{"current_password": {"Fout-Wachtw00rd!"}, "new_password": {"Nieuw-Wachtw00rd!"}, "confirm_password": {"Nieuw-Wachtw00rd!"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "current_password")
		lacks(t, r.Body, "Fout-Wachtw00rd!", "Nieuw-Wachtw00rd!")
		c.expect(c.post("/portal/password", url.Values{"current_password": {testPW}, "new_password": {"Nieuw-Wachtw00rd!"}, "confirm_password": {"Nieuw-Wachtw00rd!"}}),
			http.StatusSeeOther, "/portal/security")
		contains(t, c.get("/portal/security").Body, "Je wachtwoord is gewijzigd.")

		r = c.get("/portal/logout-everywhere")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Weet je het zeker?")
		c.expect(c.get("/portal/"), http.StatusOK, "") // the confirmation page changed nothing
		c.expect(c.post("/portal/logout-everywhere", nil), http.StatusSeeOther, "/login")
		c.expect(c.get("/portal/"), http.StatusSeeOther, "/login")
		phone.expect(phone.get("/portal/"), http.StatusSeeOther, "/login")
	})
}
