package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/web/browsertest"
)

// TestBrowserPayInvoiceOnline drives Chromium through paying an invoice: the customer
// opens the invoice the billing run made, clicks Pay, pays on the demo provider's page,
// and lands back on the invoice, which shows it paid with nothing left open (the
// provider's webhook was booked before the redirect).
func TestBrowserPayInvoiceOnline(t *testing.T) {
	ctx := browsertest.Start(t)
	e := newEnv(t, openSQLite(t), Config{ProviderName: "Cloud Provider", Demo: true})
	e.seedCatalog()
	_, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
	inv := e.invoiced(e.customerPrincipal(u), "webhosting", "start")
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	pg := &page{Lang: "nl"}
	invoicePath := "/portal/invoices/" + itoa(inv.ID)

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.Click(chromedp.CSS(`.lang-switch button[value="nl"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.lang-switch button[value="nl"][aria-pressed="true"]`)),
		chromedp.SendKeys(chromedp.ID("f-email"), "marieke@jansen.test"),
		chromedp.SendKeys(chromedp.ID("f-password"), testPW),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.stats`)),
		chromedp.Click(chromedp.CSS(`.main-nav a[href="/portal/invoices"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="`+invoicePath+`"]`)),
		chromedp.Click(chromedp.CSS(`a[href="`+invoicePath+`"]`)),
		chromedp.WaitVisible(chromedp.ID("pay-now")),
	); err != nil {
		t.Fatalf("to the invoice: %v", err)
	}
	if s := text(".invoice-status"); !strings.Contains(s, "Openstaand") {
		t.Fatalf("status before paying: %q", s)
	}
	if s := text(".open-amount"); s != pg.Money(inv.State.Open) {
		t.Fatalf("open before paying: %q, want %s", s, pg.Money(inv.State.Open))
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("pay-now")),
		chromedp.WaitVisible(chromedp.ID("psp-pay")),
	); err != nil {
		t.Fatalf("to the payment provider: %v", err)
	}
	if s := text(".psp-amount"); s != pg.Money(inv.State.Open) {
		t.Fatalf("amount at the provider: %q", s)
	}
	if e.invoice(inv.ID).State.Status != billing.StatusOpen {
		t.Fatal("paid before paying")
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("psp-pay")),
		chromedp.WaitVisible(chromedp.CSS(`.invoice-status .badge.ok`)),
	); err != nil {
		t.Fatalf("pay: %v", err)
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.HasSuffix(loc, invoicePath) {
		t.Fatalf("back on %q (%v), want the invoice", loc, err)
	}
	if s := text(".invoice-status"); s != "Betaald" {
		t.Fatalf("status after paying: %q", s)
	}
	if s := text(".open-amount"); s != "€ 0,00" {
		t.Fatalf("open after paying: %q", s)
	}
	if s := text(".paid-amount"); s != pg.Money(inv.State.Open) {
		t.Fatalf("paid after paying: %q", s)
	}
	if got := e.invoice(inv.ID).State; got.Status != billing.StatusPaid || got.Open != 0 {
		t.Fatalf("stored state: %+v", got)
	}
}
