package web

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/web/browsertest"
)

// TestBrowserOrderAndCancel drives Chromium through the journey the terms care most
// about: a consumer orders webhosting in the portal, sees the end date before
// cancelling, cancels, and sees the confirmation with that end date.
func TestBrowserOrderAndCancel(t *testing.T) {
	ctx := browsertest.Start(t)
	e := newEnv(t, openSQLite(t), Config{ProviderName: "Cloud Provider", Demo: true})
	e.seedCatalog()
	org, _ := e.consumer("Sanne de Boer", "sanne@example.test")
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

	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.Click(chromedp.CSS(`.lang-switch button[value="nl"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.lang-switch button[value="nl"][aria-pressed="true"]`)),
		chromedp.SendKeys(chromedp.ID("f-email"), "sanne@example.test"),
		chromedp.SendKeys(chromedp.ID("f-password"), testPW),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.stats`)),
		// Order: the catalog, the checkout with its terms, the acceptance box.
		chromedp.Click(chromedp.CSS(`.main-nav a[href="/portal/catalog"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[data-plan="webhosting/start"]`)),
		chromedp.Click(chromedp.CSS(`a[data-plan="webhosting/start"]`)),
		chromedp.WaitVisible(chromedp.ID("f-accept-terms")),
	); err != nil {
		t.Fatalf("to the checkout: %v", err)
	}
	if s := text(".period-price"); s != "€ 3,95 excl. btw, € 4,78 incl. btw, per maand" {
		t.Fatalf("price on the checkout: %q", s)
	}
	if s := text(".price-incl"); s != "€ 57,35" {
		t.Fatalf("price incl. VAT on the checkout: %q", s)
	}
	if s := text(".withdrawal-info"); !strings.Contains(s, "herroepen") {
		t.Fatalf("withdrawal information: %q", s)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("f-accept-terms")),
		chromedp.Click(chromedp.CSS(`form[action^="/portal/order/"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.subscription`)),
	); err != nil {
		t.Fatalf("order: %v", err)
	}
	if s := text(".flash"); !strings.Contains(s, "Bedankt voor je bestelling") {
		t.Fatalf("after ordering: %q", s)
	}
	cs, _, err := e.con.ListContracts(e.ctx, e.admin(), contracts.ContractFilter{OrgID: org.ID}, contracts.Page{Limit: contracts.MaxLimit})
	if err != nil || len(cs) != 1 {
		t.Fatalf("contracts: %v %v", cs, err)
	}
	sub := cs[0].Subscriptions[0]
	prev, err := e.con.PreviewCancellation(e.ctx, e.customerPrincipal(mustUser(e, "sanne@example.test")), sub.ID, contracts.CancelInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := (&page{Lang: "nl"}).Date(prev.EndsOn)
	if s := text(".next-deadline"); !strings.Contains(s, want) {
		t.Fatalf("contract page: next deadline %q, want end %s", s, want)
	}

	// Cancel: the end date and its clause are on screen before confirming.
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a[href="/portal/subscriptions/`+itoa(sub.ID)+`/cancel"]`)),
		chromedp.WaitVisible(chromedp.ID("confirm-cancel")),
	); err != nil {
		t.Fatalf("to the cancellation: %v", err)
	}
	if s := text(".ends-on"); s != want {
		t.Fatalf("end date before confirming: %q, want %q", s, want)
	}
	// The customer reads the decision in words, with the clause named and linked.
	if s := text(".explanation"); !strings.Contains(s, "Je kunt opzeggen tot en met") || !strings.Contains(s, "13.1") {
		t.Fatalf("explanation before confirming: %q", s)
	}
	if got, _ := e.con.GetSubscription(e.ctx, e.admin(), sub.ID); !got.EndsOn.IsZero() {
		t.Fatal("cancelled before confirming")
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("confirm-cancel")),
		chromedp.WaitVisible(chromedp.CSS(`.confirmation`)),
	); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if s := text(".confirmation"); !strings.Contains(s, "Opzegging ontvangen") || !strings.Contains(s, "De dienst eindigt op "+want) {
		t.Fatalf("confirmation: %q", s)
	}
	if got, _ := e.con.GetSubscription(e.ctx, e.admin(), sub.ID); got.EndsOn != prev.EndsOn {
		t.Fatalf("recorded end %s, shown %s", got.EndsOn, prev.EndsOn)
	}
}
