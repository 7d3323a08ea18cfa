package web

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hostpact/hostpact/internal/web/browsertest"
)

// TestBrowserSignInJourneys drives real Chromium through both sign-ins: staff with a
// TOTP code to the dashboard, a customer to the portal, signing out after each. It runs
// on SQLite only: the handler tests cover both engines, this one covers the browser
// (cookies, fetch metadata, the forms as rendered). Set HOSTPACT_SCREENSHOTS to a folder
// to keep a screenshot of each page.
func TestBrowserSignInJourneys(t *testing.T) {
	ctx := browsertest.Start(t)
	e := newEnv(t, openSQLite(t), Config{ProviderName: "Cloud Provider", Demo: true})
	e.staff("anna@provider.test")
	e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)

	shot := func(name string) chromedp.Action[chromedp.Void] {
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			dir := os.Getenv("HOSTPACT_SCREENSHOTS")
			if dir == "" {
				return nil
			}
			png, err := chromedp.FullScreenshot(100)(ctx, tg) // quality 100: PNG
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
		})
	}
	// The sign-in form is the one inside main; the header has forms of its own.
	submit := chromedp.CSS(`main form button[type="submit"]`)
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	location := func() string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	// Staff: password, then the TOTP code computed at the server's (fake) time. The
	// switcher picks Dutch, whatever the browser's own language.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+"/staff/"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.Click(chromedp.CSS(`.lang-switch button[value="nl"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.lang-switch button[value="nl"][aria-pressed="true"]`)),
		shot("login"),
		chromedp.SendKeys(chromedp.ID("f-email"), "anna@provider.test"),
		chromedp.SendKeys(chromedp.ID("f-password"), testPW),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.ID("f-code")),
		shot("login-mfa"),
		chromedp.SendKeys(chromedp.ID("f-code"), e.code(staffSecret)),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.CSS(`.stats`)),
		shot("staff-dashboard"),
	); err != nil {
		t.Fatalf("staff sign-in: %v", err)
	}
	if h1, loc := text("main h1"), location(); h1 != "Dashboard" || !strings.HasSuffix(loc, "/staff/") {
		t.Fatalf("staff landed on %s with heading %q", loc, h1)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
	); err != nil {
		t.Fatalf("staff sign-out: %v", err)
	}
	if flash := text(".flash"); flash != "Je bent uitgelogd." {
		t.Fatalf("after signing out: %q", flash)
	}

	// Customer: password only, to the portal.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-email"), "marieke@jansen.test"),
		chromedp.SendKeys(chromedp.ID("f-password"), testPW),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.CSS(`.stats`)),
		shot("portal-overview"),
	); err != nil {
		t.Fatalf("customer sign-in: %v", err)
	}
	if h1, loc := text("main h1"), location(); !strings.HasPrefix(h1, "Welkom") || !strings.HasSuffix(loc, "/portal/") {
		t.Fatalf("customer landed on %s with heading %q", loc, h1)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("f-email")),
	); err != nil {
		t.Fatalf("customer sign-out: %v", err)
	}
	if loc := location(); !strings.HasSuffix(loc, "/login") {
		t.Fatalf("after signing out: %s", loc)
	}
}
