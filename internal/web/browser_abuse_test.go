package web

import (
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/web/browsertest"
)

// TestBrowserAbuseDesk is issue 11's browser test for the notice-and-takedown desk: the
// public notice form on a phone (390 × 844) with its proof of work, the customer's
// view of the forwarded case and its answer, and the staff decision that blocks the
// service.
func TestBrowserAbuseDesk(t *testing.T) {
	ctx := browsertest.Start(t)
	e := newEnv(t, openSQLite(t), Config{ProviderName: "Cloud Provider", Demo: true})
	e.seedCatalog()
	_, admin := e.customer("Webwinkel Veld", "anna@veld.test")
	con := e.order(e.customerPrincipal(admin), "webhosting", "start", "")
	e.provServer("web01.ams", "Amsterdam", 10)
	svc := e.provision(con.Subscriptions[0])
	if _, err := e.db.ExecContext(e.ctx, `UPDATE provision_services SET domain = 'veld-shop.nl' WHERE id = $1`, svc.ID); err != nil {
		t.Fatal(err)
	}
	e.staff("desk@provider.test", accounts.RoleAbuse)
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	fits := func(where string) {
		t.Helper()
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](overflowJS))
		if err != nil || got != "" {
			t.Errorf("%s is wider than the phone: %s %v", where, got, err)
		}
	}

	// The notifier, on a phone, in Dutch.
	run("notice form", chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(srv.URL+"/abuse"),
		chromedp.WaitVisible(chromedp.ID("f-notifier-name")),
		chromedp.Click(chromedp.CSS(`.lang-switch button[value="nl"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.lang-switch button[value="nl"][aria-pressed="true"]`)),
		chromedp.WaitVisible(chromedp.ID("f-notifier-name")),
	)
	fits("/abuse")
	run("fill in",
		chromedp.SendKeys(chromedp.ID("f-notifier-name"), "Femke Bakker"),
		chromedp.SendKeys(chromedp.ID("f-notifier-email"), "femke@fotostudio.test"),
		chromedp.SetValue(chromedp.ID("f-urls"), "https://www.veld-shop.nl/galerij"),
		chromedp.SetValue(chromedp.ID("f-ground"), "copyright"),
		chromedp.Click(chromedp.ID("f-asks-removal")),
		chromedp.SetValue(chromedp.ID("f-description"), "Zes van mijn foto's staan zonder licentie op deze pagina."),
		chromedp.Click(chromedp.ID("f-accurate")),
		chromedp.WaitVisible(chromedp.CSS(`#pow-status.done`)),
	)
	run("send", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`main .card h1`)))
	receipt := text("main")
	number := regexp.MustCompile(`NTD-[0-9]+`).FindString(receipt)
	if number == "" || !strings.Contains(receipt, "femke@fotostudio.test") {
		t.Fatalf("receipt: %q", receipt)
	}
	fits("the receipt")
	id := strings.TrimPrefix(number, "NTD-")

	// The desk forwards it (2 werkdagen), the customer answers in the portal.
	desk := accounts.Principal{User: accounts.User{ID: -2, Email: "desk@test", Roles: []accounts.Role{accounts.RoleAbuse}}}
	if err := e.srv.abuse.Forward(e.ctx, desk, abuseID(t, id)); err != nil {
		t.Fatal(err)
	}
	run("customer signs in",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), "anna@veld.test"),
		chromedp.SendKeys(chromedp.ID("f-password"), testPW),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.main-nav`)),
		chromedp.Navigate(srv.URL+"/portal/abuse/"+id),
		chromedp.WaitVisible(chromedp.ID("f-answer")),
	)
	fits("/portal/abuse/{id}")
	if s := text("main"); !strings.Contains(s, "veld-shop.nl/galerij") || strings.Contains(s, "femke@fotostudio.test") {
		t.Errorf("the customer's view: %q", s)
	}
	run("answer",
		chromedp.SetValue(chromedp.ID("f-answer"), "Wij hebben de foto's van een beeldbank gekocht."),
		chromedp.Click(chromedp.CSS(`main form.card button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.ID("f-answer")),
	)
	if s := text("main"); !strings.Contains(s, "beeldbank") {
		t.Errorf("after the answer: %q", s)
	}
	run("customer signs out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("f-email")))

	// Staff decide on a desktop: justified, the service is blocked.
	run("staff sign in", chromedp.EmulateViewport(1280, 800),
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), "desk@provider.test"),
		chromedp.SendKeys(chromedp.ID("f-password"), testPW),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("f-code")),
		chromedp.SendKeys(chromedp.ID("f-code"), e.code(staffSecret)),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.main-nav`)),
		chromedp.Navigate(srv.URL+"/staff/abuse/"+id),
		chromedp.WaitVisible(chromedp.ID("f-reasons")),
	)
	if s := text("main"); !strings.Contains(s, "beeldbank") {
		t.Errorf("staff do not see the answer: %q", s)
	}
	run("decide",
		chromedp.SetValue(chromedp.ID("f-reasons"), "De beeldbank heeft geen rechten op deze foto's; de melder wel."),
		chromedp.Click(chromedp.CSS(`form[action$="/decide"] button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.ID("f-reasons")),
	)
	if s := text("main"); !strings.Contains(s, "gegrond") || !strings.Contains(s, "Geblokkeerd") {
		t.Errorf("after the decision: %q", s)
	}
	v, err := e.prov.Service(e.ctx, e.provStaff(), svc.ID)
	if err != nil || !slices.Contains(v.Reasons, driver.SuspendAbuse) {
		t.Fatalf("service after the decision: %v %v", v.Reasons, err)
	}
	// The customer sees the decision on the phone.
	run("staff signs out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("f-email")))
	run("customer again", chromedp.EmulateViewport(390, 844),
		chromedp.SendKeys(chromedp.ID("f-email"), "anna@veld.test"),
		chromedp.SendKeys(chromedp.ID("f-password"), testPW),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.main-nav`)),
		chromedp.Navigate(srv.URL+"/portal/abuse/"+id),
		chromedp.WaitVisible(chromedp.CSS(`dl.facts`)),
	)
	fits("the decided case")
	if s := text("main"); !strings.Contains(s, "geen rechten op deze foto's") || !strings.Contains(s, "niets verwijderd") {
		t.Errorf("the customer's view of the decision: %q", s)
	}
}

func abuseID(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
