package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/notify/notifytest"
	"github.com/hostpact/hostpact/internal/web/browsertest"
)

// TestBrowserSignupToPaidService: on a 390 × 844 phone, in Dutch, a new visitor opens
// the shop, chooses web hosting, signs up as a consumer (the browser solves the proof
// of work), confirms with the link from the mail outbox, chooses a password, orders on
// the portal's checkout, opens the linked terms at the cancellation paragraph, pays
// the invoice with the demo provider and sees the service and the paid invoice.
func TestBrowserSignupToPaidService(t *testing.T) {
	ctx := browsertest.Start(t)
	e := newEnv(t, openSQLite(t), Config{ProviderName: "Cloud Provider", Demo: true})
	e.seedCatalog()
	plan := e.plan("webhosting", "start")
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	run := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(js string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return s
	}
	fits := func(name string) {
		t.Helper()
		if w := eval(`String(document.documentElement.scrollWidth)`); w != "390" {
			t.Errorf("%s: the page is %s px wide", name, w)
		}
	}

	run("to the shop", chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(srv.URL+"/"),
		chromedp.Click(chromedp.CSS(`.lang-switch button[value="nl"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.lang-switch button[value="nl"][aria-pressed="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[data-plan="webhosting/start"]`)))
	fits("shop")
	if s := eval(`document.querySelector("main").innerText`); !strings.Contains(s, "inclusief btw") || !strings.Contains(s, "€ ") {
		t.Errorf("shop in Dutch: %q", s[:min(len(s), 300)])
	}
	run("plan and sign-up form",
		chromedp.Click(chromedp.CSS(`a[data-plan="webhosting/start"]`)),
		chromedp.WaitVisible(chromedp.ID("order-plan")))
	fits("shop-plan")
	run("sign up",
		chromedp.Click(chromedp.ID("order-plan")),
		chromedp.WaitVisible(chromedp.ID("f-legal-name")),
		chromedp.SendKeys(chromedp.ID("f-legal-name"), "Sanne Bakker"),
		chromedp.SendKeys(chromedp.ID("f-email"), "sanne@bakker.test"),
		chromedp.SendKeys(chromedp.ID("f-postal-address-street"), "Oudegracht 12"),
		chromedp.SendKeys(chromedp.ID("f-postal-address-postal-code"), "3511 AR"),
		chromedp.SendKeys(chromedp.ID("f-postal-address-city"), "Utrecht"),
		chromedp.WaitVisible(chromedp.CSS(`#pow-status.done`)))
	fits("signup")
	run("send", chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.links, main p`)))
	if s := eval(`document.querySelector("main").innerText`); !strings.Contains(s, "sanne@bakker.test") {
		t.Fatalf("after sign-up: %q", s)
	}

	var link string
	for _, m := range notifytest.Deliver(t, e.db, e.clk, e.keys) {
		if mm := signupLinkRE.FindString(m.Text); m.To == "sanne@bakker.test" && mm != "" {
			link = mm
		}
	}
	if link == "" {
		t.Fatal("no confirmation link in the outbox")
	}
	run("confirm and choose a password",
		chromedp.Navigate(srv.URL+link),
		chromedp.WaitVisible(chromedp.ID("f-new-password")),
		chromedp.SendKeys(chromedp.ID("f-new-password"), testPW),
		chromedp.SendKeys(chromedp.ID("f-confirm-password"), testPW),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("f-accept-terms")))
	fits("order")
	if loc := eval(`location.pathname`); loc != "/portal/order/"+itoa(plan.ID) {
		t.Fatalf("after confirming: %s", loc)
	}
	clause := eval(`decodeURIComponent(document.querySelector(".terms-links a").hash.slice(1))`)
	// The terms as published: a paragraph for the clause the order page links to.
	e.publishDoc(documents.Terms, "1", "nl", e.srv.today(), "Algemene voorwaarden",
		"# Algemene voorwaarden\n\n"+strings.Repeat("Een alinea over iets anders.\n\n", 40)+
			"Over opzeggen. {#"+clause+"}\n\n"+strings.Repeat("Nog een alinea.\n\n", 40))
	run("the terms at the paragraph", chromedp.Click(chromedp.CSS(`.terms-links a`)),
		chromedp.WaitVisible(chromedp.ID("versions")))
	fits("terms")
	if id := eval(`document.querySelector(":target") ? document.querySelector(":target").id : ""`); id == "" || id != clause {
		t.Errorf("the terms opened at %q, want %q", id, clause)
	}
	run("order", chromedp.Navigate(srv.URL+"/portal/order/"+itoa(plan.ID)),
		chromedp.WaitVisible(chromedp.ID("f-accept-terms")),
		chromedp.Click(chromedp.ID("f-accept-terms")),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)))
	fits("contract")

	// The billing job runs (as it does every night) and makes the invoice.
	if _, err := e.bill.RunBilling(e.ctx, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	run("pay",
		chromedp.Navigate(srv.URL+"/portal/invoices"),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/portal/invoices/"]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/portal/invoices/"]`)),
		chromedp.WaitVisible(chromedp.ID("pay-now")),
		chromedp.Click(chromedp.ID("pay-now")),
		chromedp.WaitVisible(chromedp.ID("psp-pay")),
		chromedp.Click(chromedp.ID("psp-pay")),
		chromedp.WaitVisible(chromedp.CSS(`.invoice-status .badge.ok`)))
	fits("invoice")
	run("portal home", chromedp.Navigate(srv.URL+"/portal/"), chromedp.WaitVisible(chromedp.CSS(`main h1`)))
	fits("portal-home")
	home := eval(`document.querySelector("main").innerText`)
	// The portal home lists the service and the paid invoice.
	if !strings.Contains(home, "Webhosting") || !strings.Contains(home, "Betaald") {
		t.Errorf("the portal home does not show the service and the paid invoice: %q", home)
	}
}
