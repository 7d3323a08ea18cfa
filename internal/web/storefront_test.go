package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify/notifytest"
)

// solvePow does what static/pow.js does in a browser.
func solvePow(t *testing.T, body string) url.Values {
	t.Helper()
	salt, ch := hidden(body, "pow_salt"), hidden(body, "pow_challenge")
	for n := int64(0); n < signupPowMax; n++ {
		if powHash(salt, n) == ch {
			return url.Values{"pow_salt": {salt}, "pow_challenge": {ch}, "pow_signature": {hidden(body, "pow_signature")}, "pow_number": {strconv.FormatInt(n, 10)}}
		}
	}
	t.Fatal("no solution to the proof of work")
	return nil
}

func signupValues(pow url.Values, plan int64, email string) url.Values {
	v := url.Values{"kind": {"consumer"}, "legal_name": {"Sanne Bakker"}, "email": {email}, "language": {"nl"},
		"postal_address.street": {"Oudegracht 12"}, "postal_address.postal_code": {"3511 AR"},
		"postal_address.city": {"Utrecht"}, "postal_address.country": {"NL"}, "plan": {strconv.FormatInt(plan, 10)}}
	for k, vs := range pow {
		v[k] = vs
	}
	return v
}

var signupLinkRE = regexp.MustCompile(`/signup/verify\?token=([A-Za-z0-9_\-]+)`)

// TestSignupConfirmAndOrder: a visitor sees the shop at /, signs up with a solved
// proof of work, confirms with the mailed link (once only), chooses a password and
// lands on the order page of the plan chosen. A challenge is accepted once; a refused
// customer's e-mail address or postal address blocks a new sign-up.
func TestSignupConfirmAndOrder(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		plan := e.plan("webhosting", "start")
		c := e.client()
		r := c.get("/")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `href="/shop/`+itoa(plan.ID)+`"`, "inclusief btw")
		r = c.get("/shop/" + itoa(plan.ID))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `/signup?plan=`+itoa(plan.ID))

		r = c.get("/signup?plan=" + itoa(plan.ID))
		c.expect(r, http.StatusOK, "")
		pow := solvePow(t, r.Body)
		// Without the work done, nothing happens.
		bad := signupValues(pow, plan.ID, "sanne@bakker.test")
		bad.Set("pow_number", "-1")
		c.expect(c.post("/signup", bad), http.StatusUnprocessableEntity, "")
		r = c.post("/signup", signupValues(pow, plan.ID, "sanne@bakker.test"))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "sanne@bakker.test")
		// The same solution twice: refused.
		c.expect(c.post("/signup", signupValues(pow, plan.ID, "sanne2@bakker.test")), http.StatusUnprocessableEntity, "")

		var token string
		for _, m := range notifytest.Deliver(t, e.db, e.clk, e.keys) {
			if mm := signupLinkRE.FindStringSubmatch(m.Text); m.To == "sanne@bakker.test" && mm != nil {
				token = mm[1]
			}
		}
		if token == "" {
			t.Fatal("no sign-up link mailed")
		}
		var stored int
		_ = e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM signups WHERE token_hash = $1`, token).Scan(&stored)
		if stored != 0 {
			t.Fatal("the plain token is stored")
		}
		r = c.get("/signup/verify?token=" + token)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Sanne Bakker")
		r = c.post("/signup/verify", url.Values{"token": {token}, "new_password": {testPW}, "confirm_password": {testPW}})
		c.expect(r, http.StatusSeeOther, "/portal/order/"+itoa(plan.ID))
		r = c.get("/portal/order/" + itoa(plan.ID))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `href="/terms#`)
		u, err := e.acc.FindUserByEmail(e.ctx, "sanne@bakker.test")
		if err != nil || !u.OrgAdmin {
			t.Fatalf("user after sign-up: %+v %v", u, err)
		}
		// Used once.
		c2 := e.client()
		c2.expect(c2.get("/signup/verify?token="+token), http.StatusGone, "")
		c2.expect(c2.post("/signup/verify", url.Values{"token": {token}, "new_password": {testPW}, "confirm_password": {testPW}}), http.StatusGone, "")

		// Refused: the same postal address under another e-mail address.
		if err := e.con.RefuseCustomer(e.ctx, e.admin(), u.OrgID, "fraude"); err != nil {
			t.Fatal(err)
		}
		r = c2.get("/signup")
		r = c2.post("/signup", signupValues(solvePow(t, r.Body), 0, "iemand@anders.test"))
		c2.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "We kunnen deze aanmelding niet aannemen")
	})
}

// TestSignupRefusedByEmailAndKvK: a refused business cannot sign up again with its
// KvK number or with one of its users' e-mail addresses.
func TestSignupRefusedByEmailAndKvK(t *testing.T) {
	t.Parallel()
	e := newEnv(t, openSQLite(t), Config{Demo: true})
	e.seedCatalog()
	org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
	if err := e.con.RefuseCustomer(e.ctx, e.admin(), org.ID, ""); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	for _, tc := range []struct{ email, kvk string }{{"marieke@jansen.test", ""}, {"nieuw@jansen.test", org.KvK}} {
		r := c.get("/signup")
		v := signupValues(solvePow(t, r.Body), 0, tc.email)
		v.Set("postal_address.street", "Ergens Anders 1")
		v.Set("postal_address.postal_code", "1011 AA")
		if tc.kvk != "" {
			v.Set("kind", string(accounts.Business))
			v.Set("kvk", tc.kvk)
		}
		r = c.post("/signup", v)
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "We kunnen deze aanmelding niet aannemen")
	}
}

// FuzzSignupForm: whatever a visitor posts, reading and validating the form neither
// panics nor lets a reseller through, and validation is stable.
func FuzzSignupForm(f *testing.F) {
	f.Add("consumer", "Sanne", "sanne@bakker.test", "3511 AR", "Oudegracht 12", "NL", "", "", "7")
	f.Add("business", "Jansen B.V.", "a@b.nl", "1011AA", "Dam 1", "NL", "12345678", "NL123456789B01", "x")
	f.Add("reseller", "\x00", "@", "", "", "ZZ", "1234567", "DE1", "-3")
	f.Fuzz(func(t *testing.T, kind, name, email, pc, street, country, kvk, vat, plan string) {
		fm := newForm(url.Values{"kind": {kind}, "legal_name": {name}, "email": {email}, "postal_address.postal_code": {pc},
			"postal_address.street": {street}, "postal_address.city": {"Utrecht"}, "postal_address.country": {country},
			"kvk": {kvk}, "vat_id": {vat}, "plan": {plan}})
		fm.lang = "nl"
		in, planID := signupInput(fm)
		if planID < 0 {
			t.Fatalf("plan %d", planID)
		}
		fe := accounts.ValidateSignUp(&in)
		if in.IsReseller || in.ResellerID != 0 {
			t.Fatal("a sign-up became a reseller")
		}
		if len(fe) == 0 {
			again := in
			if fe2 := accounts.ValidateSignUp(&again); len(fe2) != 0 || again != in {
				t.Fatalf("validation not stable: %v", fe2)
			}
		}
	})
}

// FuzzPowVerify: no posted values pass the proof of work but a real solution.
func FuzzPowVerify(f *testing.F) {
	f.Add("abc.99999999999", "00", "00", "1")
	f.Add("", "", "", "")
	f.Fuzz(func(t *testing.T, salt, ch, sig, n string) {
		e := newPowIssuer(clock.NewFake(t0), 50)
		if e.verify(salt, ch, sig, n) {
			t.Fatal("an unsigned challenge passed")
		}
	})
}
