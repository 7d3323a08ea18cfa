package web

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/web/browsertest"
)

// TestBrowserStatusClaimAndCredit is issue 10's browser test on a phone (390 × 844):
// the public status page during an incident, the customer's claim button on the
// month of an outage, and the approved credit set off on the next invoice.
func TestBrowserStatusClaimAndCredit(t *testing.T) {
	ctx := browsertest.Start(t)
	e := newEnv(t, openSQLite(t), Config{ProviderName: "Cloud Provider", Demo: true})
	e.seedCatalog()
	_, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
	by := e.customerPrincipal(u)
	first := e.invoiced(by, "webhosting", "start")
	sub := e.order(by, "webhosting", "start", "").Subscriptions[0].ID // the order placed above, found by its key
	web := e.server("web01.ams", "webhosting", "Amsterdam")
	if err := e.mon.Place(e.ctx, e.supportPrincipal(), sub, u.OrgID, web.ID); err != nil {
		t.Fatal(err)
	}
	ams := func(d, h, m int) time.Time { return time.Date(2026, 3, d, h, m, 0, 0, clock.Amsterdam) }
	e.slaMon.outage(ams(4, 10, 0), 107)
	e.clk.Set(ams(10, 12, 0))
	if _, err := e.stat.OpenIncident(e.ctx, e.supportPrincipal(), status.IncidentInput{
		TitleNL: "Websites op web01 reageren traag", MessageNL: "We onderzoeken de oorzaak.", Impact: "major", ServerIDs: []int64{web.ID}}); err != nil {
		t.Fatal(err)
	}
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
	// The first sign-in picks Dutch; the language cookie keeps it for the second, whose
	// login page is then already Dutch (a click would reload it under the next step).
	login := func(pickDutch bool) {
		t.Helper()
		if pickDutch {
			run("pick Dutch",
				chromedp.Navigate(srv.URL+"/login"),
				chromedp.WaitVisible(chromedp.ID("f-email")),
				chromedp.Click(chromedp.CSS(`.lang-switch button[value="nl"]`)),
				chromedp.WaitVisible(chromedp.CSS(`.lang-switch button[value="nl"][aria-pressed="true"]`)),
			)
		}
		run("sign in",
			chromedp.Navigate(srv.URL+"/login"),
			chromedp.WaitVisible(chromedp.CSS(`.lang-switch button[value="nl"][aria-pressed="true"]`)),
			chromedp.SendKeys(chromedp.ID("f-email"), "marieke@jansen.test"),
			chromedp.SendKeys(chromedp.ID("f-password"), testPW),
			chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.stats`)),
		)
	}

	// The public status page, without signing in, during the incident.
	run("status page", chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(srv.URL+"/status"),
		chromedp.WaitVisible(chromedp.CSS(`main section.card h2`)),
	)
	if s := text(`main section.card h2`); !strings.Contains(s, "Websites op web01 reageren traag") {
		t.Errorf("incident on the status page: %q", s)
	}
	if s := text(`.page-head .badge`); s == "" || strings.Contains(strings.ToLower(s), "operational") {
		t.Errorf("state during an incident: %q", s)
	}
	fits("/status")

	// The customer claims March from the portal.
	login(true)
	month := fmt.Sprintf("/portal/availability/%d/2026-03", sub)
	run("to the month",
		chromedp.Navigate(srv.URL+month),
		chromedp.WaitVisible(chromedp.ID("sla-claim")),
	)
	fits(month)
	// The month's page already shows a #sla-claim-state (the deadline), so waiting for it
	// alone returned before the POST was handled, and the clock moved to April under it:
	// wait until the page without the claim button has replaced this one.
	run("claim",
		chromedp.Click(chromedp.ID("sla-claim")),
		chromedp.WaitNotPresent(chromedp.ID("sla-claim")),
		chromedp.WaitVisible(chromedp.ID("sla-claim-state")),
	)
	if s := text("#sla-claim-state"); !strings.Contains(s, "wordt beoordeeld") {
		t.Errorf("after the claim: %q", s)
	}

	// April: March is frozen, support approves, the next invoice sets the credit off.
	e.clk.Set(time.Date(2026, 4, 2, 2, 0, 0, 0, clock.Amsterdam))
	if err := e.comp.Freeze(e.ctx, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	claims, err := e.comp.Claims(e.ctx, e.supportPrincipal(), 10)
	if err != nil || len(claims) != 1 {
		t.Fatalf("claims %v %v", claims, err)
	}
	approved, err := e.comp.Decide(e.ctx, e.supportPrincipal(), claims[0].ID, true, "gemeten")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.bill.RunBilling(e.ctx, e.clk.Now()); err != nil {
		t.Fatal(err)
	}
	list, _, err := e.bill.ListInvoices(e.ctx, by, billing.InvoiceFilter{OrgID: u.OrgID, DocType: billing.DocInvoice}, billing.Page{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var next billing.Invoice
	for _, inv := range list {
		if inv.ID != first.ID {
			next = inv
		}
	}
	if next.ID == 0 {
		t.Fatalf("no invoice after the first: %+v", list)
	}
	login(false) // the March session has expired
	invoicePath := "/portal/invoices/" + itoa(next.ID)
	run("to the next invoice",
		chromedp.Navigate(srv.URL+invoicePath),
		chromedp.WaitVisible(chromedp.CSS(`.invoice-status`)),
	)
	fits(invoicePath)
	pg := &page{Lang: "nl"}
	body := text("main")
	if !strings.Contains(body, "-"+pg.Money(approved.Credit)) {
		t.Errorf("the invoice does not set off the credit of %s:\n%s", pg.Money(approved.Credit), body)
	}
}
