package web

import (
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/boombuler/barcode/qr"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestPortalHome: the customer's home shows its services with their state, the open
// invoice and the balance, the account credit, the next renewal, and what needs its
// action (the invoice to pay, the quote to answer).
func TestPortalHome(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		org, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		inv := e.invoiced(e.customerPrincipal(u), "webhosting", "pro")
		q := e.sentQuote(org.ID, "Nieuwe webwinkel")
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r := c.get("/portal/")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Je diensten", "Wat je aandacht vraagt", "Openstaande facturen", "tegoed",
			"/portal/invoices/"+itoa(inv.ID), "/portal/quotes/"+itoa(q.ID), "Nieuwe webwinkel",
			"Factuur "+inv.Number, inv.State.Open.In("nl"), "Komende verlengingen", "Actief")
		lacks(t, r.Body, "⟦")

		// In English the same home, in English formats.
		c.expect(c.post("/lang", url.Values{"lang": {"en"}}), http.StatusSeeOther, "")
		r = c.get("/portal/")
		contains(t, r.Body, "Your services", "What needs your attention", inv.State.Open.In("en"))
		lacks(t, r.Body, "⟦")
	})
}

// TestStaffDashboardFigures: receivables, monthly recurring revenue, today's orders and
// open cases, with links; a role that may not see the money does not get the figures.
func TestStaffDashboardFigures(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		_, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		e.invoiced(e.customerPrincipal(u), "webhosting", "pro")
		e.staff("anna@provider.test", accounts.RoleBilling)
		e.staff("piet@provider.test", accounts.RolePrivacy)
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "openstaand bij klanten", "terugkerende omzet per maand (1 diensten", "bestellingen vandaag",
			`href="/staff/reports"`, `href="/staff/incidents"`, "Bakkerij Jansen B.V.")
		lacks(t, r.Body, "⟦")

		c2 := e.client()
		c2.login("piet@provider.test", staffSecret, "/staff/")
		r = c2.get("/staff/")
		c2.expect(r, http.StatusOK, "")
		lacks(t, r.Body, "openstaand bij klanten")
	})
}

// TestStaffCustomerNotes: the staff customer page shows the whole customer and its
// staff notes; a note is added by any staff member, refused when empty, audited, and
// never reaches the customer's portal.
func TestStaffCustomerNotes(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		org, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		inv := e.invoiced(e.customerPrincipal(u), "webhosting", "pro")
		e.staff("anna@provider.test", accounts.RolePrivacy)
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		base := "/staff/customers/" + itoa(org.ID)
		r := c.get(base)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Notities van medewerkers", "Nog geen notities.", "Je diensten", "Laatste facturen",
			"/staff/invoices/"+itoa(inv.ID), `action="`+base+`/notes"`)

		r = c.post(base+"/notes", url.Values{"body": {"  "}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "body")
		c.expect(c.post(base+"/notes", url.Values{"body": {"Belde over de factuur.\nBetaalt vrijdag."}}), http.StatusSeeOther, base+"#notes-h")
		r = c.get(base)
		contains(t, r.Body, "De notitie is toegevoegd.", "Belde over de factuur.\nBetaalt vrijdag.", "Staff anna@provider.test")

		// The customer sees nothing of it: not on its pages, not in its activity.
		cc := e.client()
		cc.login("marieke@jansen.test", "", "/portal/")
		for _, path := range []string{"/portal/", "/portal/activity"} {
			r := cc.get(path)
			lacks(t, r.Body, "Belde over de factuur", "customer.note", "notitie")
		}
		// A customer cannot post one (the staff area is not theirs).
		r = cc.post(base+"/notes", url.Values{"body": {"hallo"}})
		if r.Code == http.StatusSeeOther && strings.Contains(r.Location(), "#notes") {
			t.Fatal("a customer added a staff note")
		}
		var n int
		if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM staff_notes WHERE org_id = $1`, org.ID).Scan(&n); err != nil || n != 1 {
			t.Fatalf("%d notes (%v), want 1", n, err)
		}
	})
}

// TestMFAEnrolmentShowsQRCode: the enrolment page draws the otpauth link as a QR code
// in inline SVG, with an alt text, beside the secret; the security headers stay as
// they are (inline SVG needs no img-src data:).
func TestMFAEnrolmentShowsQRCode(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r := c.post("/portal/mfa/begin", nil)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `<svg class="qr"`, `role="img"`, `aria-label="QR-code om te scannen met je authenticator-app"`,
			"<title>QR-code om te scannen", hidden(r.Body, "secret")[:4])
		if csp := r.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "data:") {
			t.Errorf("CSP %q", csp)
		}
	})
}

// TestQRSVGDrawsTheSymbol: the SVG's dark modules are exactly the encoder's, shifted
// by the quiet zone, so a phone reads what the encoder wrote.
func TestQRSVGDrawsTheSymbol(t *testing.T) {
	t.Parallel()
	text := "otpauth://totp/Cloud%20Provider:marieke@jansen.test?secret=JBSWY3DPEHPK3PXP&issuer=Cloud%20Provider"
	svg, err := qrSVG(text, `alt "quoted" <b>`)
	if err != nil {
		t.Fatal(err)
	}
	s := string(svg)
	if !strings.Contains(s, `aria-label="alt &#34;quoted&#34; &lt;b&gt;"`) {
		t.Errorf("alt text not escaped: %s", s[:200])
	}
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		t.Fatal(err)
	}
	want := map[[2]int]bool{}
	for y := range code.Bounds().Dy() {
		for x := range code.Bounds().Dx() {
			if r, _, _, _ := code.At(x, y).RGBA(); r == 0 {
				want[[2]int{x + 4, y + 4}] = true
			}
		}
	}
	got := map[[2]int]bool{}
	for _, m := range regexp.MustCompile(`M(\d+) (\d+)h1v1h-1z`).FindAllStringSubmatch(s, -1) {
		x, _ := strconv.Atoi(m[1])
		y, _ := strconv.Atoi(m[2])
		got[[2]int{x, y}] = true
	}
	if len(got) == 0 || len(got) != len(want) {
		t.Fatalf("%d dark modules drawn, want %d", len(got), len(want))
	}
	for k := range want {
		if !got[k] {
			t.Fatalf("module %v missing", k)
		}
	}
	size := code.Bounds().Dx() + 8
	if !strings.Contains(s, `viewBox="0 0 `+strconv.Itoa(size)+` `+strconv.Itoa(size)+`"`) {
		t.Errorf("viewBox without the quiet zone")
	}
}

// TestQuoteEditor: the customer is found by name, lines are added and removed, a
// draft is edited, and durations are words, not ISO 8601.
func TestQuoteEditor(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		org, _ := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		e.customer("Bakkerij de Vries B.V.", "info@devries.test")
		e.staff("sam@provider.test", accounts.RoleSales)
		c := e.client()
		c.login("sam@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/quotes/new")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "per 3 maanden", "Meer regels")
		lacks(t, r.Body, ">P3M<", "⟦")

		plan := itoa(e.plan("webhosting", "pro").ID)
		form := url.Values{"customer": {"Bakkerij"}, "title": {"Nieuwe website"}, "plan_id.0": {plan}, "quantity.0": {"1"},
			"description.50": {"Ontwerp"}, "billing.50": {"one-off"}, "unit_price.50": {"450"}, "quantity.50": {"1"}}
		// Two customers match: both are named with their numbers.
		r = c.post("/staff/quotes/new", form)
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "customer")
		contains(t, r.Body, "2 klanten passen hierbij", "(nr. "+itoa(org.ID)+")")
		// More lines: the form comes back with one more of each, values kept.
		form.Set("op", "more")
		r = c.post("/staff/quotes/new", form)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `name="plan_id.3"`, `name="description.52"`, `value="Ontwerp"`)
		form.Del("op")
		form.Set("customer", "Jansen")
		r = c.post("/staff/quotes/new", form)
		c.expect(r, http.StatusSeeOther, "")
		loc := r.Location()
		qid := loc[strings.LastIndex(loc, "/")+1:]
		contains(t, c.get(loc).Body, `href="/staff/quotes/`+qid+`/edit"`)

		// Edit the draft: remove the free line, change the title.
		r = c.get(loc + "/edit")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `value="Nieuwe website"`, `value="Ontwerp"`, `name="remove.50"`)
		lacks(t, r.Body, `name="customer"`)
		edit := url.Values{"title": {"Nieuwe website, zonder ontwerp"}, "slots_catalog": {"3"}, "slots_free": {"2"},
			"plan_id.0": {plan}, "quantity.0": {"2"}, "description.50": {"Ontwerp"}, "billing.50": {"one-off"},
			"unit_price.50": {"450"}, "quantity.50": {"1"}, "remove.50": {"1"}}
		c.expect(c.post(loc+"/edit", edit), http.StatusSeeOther, loc)
		id, _ := strconv.ParseInt(qid, 10, 64)
		q, err := e.con.GetQuote(e.ctx, e.admin(), id)
		if err != nil || q.Title != "Nieuwe website, zonder ontwerp" || len(q.Lines) != 1 || q.Lines[0].Quantity != 2 || q.OrgID != org.ID {
			t.Fatalf("edited quote %+v %v", q, err)
		}
		// Once sent, the editor refuses and says why.
		c.expect(c.post(loc+"/send", nil), http.StatusSeeOther, loc)
		c.expect(c.get(loc+"/edit"), http.StatusSeeOther, loc)
		c.expect(c.post(loc+"/edit", edit), http.StatusSeeOther, loc)
		contains(t, c.get(loc).Body, "kan niet meer worden gewijzigd")
	})
}

// TestDescribeServices: a services row links to its contract and, once it runs on a
// server, to the service on the portal or the staff side, with the state's badge; an
// ending service says when, and has no renewal date.
func TestDescribeServices(t *testing.T) {
	t.Parallel()
	pg := &page{Lang: "en"}
	running := contracts.Subscription{Name: "VPS M", Status: contracts.SubActive, Price: terms.Euros(20), Period: terms.MustPeriod("P1M"),
		TermEnd: terms.D(2027, 12, 5)}
	ending := running
	ending.EndsOn = terms.D(2027, 3, 1)
	for _, base := range []string{"/portal", "/staff"} {
		rows := []serviceRow{
			{Sub: running, Contract: 2, Service: 4, State: "active"},
			{Sub: running, Contract: 2, Service: 5, State: "suspended"},
			{Sub: running, Contract: 3, Service: 6, State: "provisioning"},
			{Sub: ending, Contract: 3},
		}
		describeServices(pg, base, rows)
		manage := map[string]string{"/portal": "/portal/services/", "/staff": "/staff/provisioning/services/"}[base]
		for i, want := range []struct{ link, class, contract string }{
			{manage + "4", " ok", base + "/contracts/2"},
			{manage + "5", " warn", base + "/contracts/2"},
			{manage + "6", " soon", base + "/contracts/3"},
			{"", "", base + "/contracts/3"},
		} {
			r := rows[i]
			if r.ServiceLink != want.link || r.StateClass != want.class || r.ContractLink != want.contract {
				t.Errorf("%s row %d: link %q class %q contract %q, want %+v", base, i, r.ServiceLink, r.StateClass, r.ContractLink, want)
			}
			if (r.Service != 0) != (r.StateLabel != "" && !strings.HasPrefix(r.StateLabel, "svc.state.")) {
				t.Errorf("%s row %d: state label %q", base, i, r.StateLabel)
			}
		}
		if r := rows[0]; r.Renews != pg.Date(running.TermEnd) || r.Ends != "" || !strings.Contains(r.Price, pg.Money(running.Price)) {
			t.Errorf("running service: renews %q, ends %q, price %q", r.Renews, r.Ends, r.Price)
		}
		if r := rows[3]; r.Renews != "—" || !strings.Contains(r.Ends, pg.Date(ending.EndsOn)) {
			t.Errorf("ending service: renews %q, ends %q", r.Renews, r.Ends)
		}
	}
}
