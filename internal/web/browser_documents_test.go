package web

import (
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/web/browsertest"
)

// TestBrowserDocuments: on a 390 px phone and a 1280 px desktop, a privacy officer
// writes a new version of the terms, previews it with its changes, and publishes it;
// a visitor without an account opens the terms at a clause anchor, the versions and
// the diff. No page is wider than the screen. Set HOSTPACT_SCREENSHOTS to a folder to
// keep a screenshot of each page.
func TestBrowserDocuments(t *testing.T) {
	ctx := browsertest.Start(t)
	e := newEnv(t, openSQLite(t), Config{ProviderName: "Cloud Provider", Demo: true})
	e.staff("pim@provider.test", accounts.RolePrivacy)
	today := e.srv.today()
	e.publishDoc(documents.Terms, "1", "nl", today, "Algemene voorwaarden", webTermsNL)
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
	fits := func(width int64, name string) {
		t.Helper()
		if w := eval(`String(document.documentElement.scrollWidth)`); w != fmt.Sprint(width) {
			t.Errorf("%s at %d px: the page is %s px wide", name, width, w)
		}
		if dir := os.Getenv("HOSTPACT_SCREENSHOTS"); dir != "" {
			png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			_ = os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.png", name, width)), png, 0o644)
		}
	}

	run("sign in",
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.Click(chromedp.CSS(`.lang-switch button[value="nl"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.lang-switch button[value="nl"][aria-pressed="true"]`)),
		chromedp.SendKeys(chromedp.ID("f-email"), "pim@provider.test"),
		chromedp.SendKeys(chromedp.ID("f-password"), testPW),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("f-code")),
		chromedp.SendKeys(chromedp.ID("f-code"), e.code(staffSecret)),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.stats`)),
	)
	for i, width := range []int64{390, 1280} {
		height := map[int64]int64{390: 844, 1280: 800}[width]
		version := fmt.Sprint(i + 2)
		run("to the documents", chromedp.EmulateViewport(width, height),
			chromedp.Navigate(srv.URL+"/staff/documents"),
			chromedp.WaitVisible(chromedp.ID("kind-terms")))
		fits(width, "staff-documents")
		run("new version",
			chromedp.Click(chromedp.CSS(`a[href^="/staff/documents/new?from="]`)),
			chromedp.WaitVisible(chromedp.ID("f-body")),
			chromedp.SetValue(chromedp.ID("f-version"), version),
			chromedp.SetValue(chromedp.ID("f-effective-on"), today.AddDays(40*(i+1)).String()),
			chromedp.SetValue(chromedp.ID("f-body"), strings.Replace(webTermsNL, "twee maanden", fmt.Sprintf("%d maanden", i+3), 1)),
		)
		fits(width, "staff-document-new")
		run("preview",
			chromedp.Click(chromedp.CSS(`main form[action="/staff/documents/preview"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.doc-diff ins`)),
		)
		fits(width, "staff-document-preview")
		if s := eval(`document.querySelector(".doc-preview #cp\\.av\\.13\\.3").textContent`); !strings.Contains(s, fmt.Sprintf("%d maanden", i+3)) {
			t.Fatalf("preview of cp.av.13.3: %q", s)
		}
		run("publish",
			chromedp.Click(chromedp.CSS(`form[action="/staff/documents/publish"] button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		)
		fits(width, "staff-document")
	}
	if vs, _ := e.docs.History(e.ctx, documents.Terms); len(vs) != 3 {
		t.Fatalf("%d versions published", len(vs))
	}

	run("sign out", chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.ID("f-email")))
	for _, width := range []int64{390, 1280} {
		run("terms at a clause", chromedp.EmulateViewport(width, 800),
			chromedp.Navigate(srv.URL+"/terms#cp.av.13.3"),
			chromedp.WaitVisible(chromedp.ID("versions")))
		fits(width, "terms")
		if id := eval(`document.querySelector(":target") ? document.querySelector(":target").id : ""`); id != "cp.av.13.3" {
			t.Errorf("the clause anchor opened %q", id)
		}
		// The paragraph is on screen: the browser scrolled to it.
		if top := eval(`String(Math.round(document.getElementById("cp.av.13.3").getBoundingClientRect().top))`); top == "" || strings.HasPrefix(top, "-") || len(top) > 3 {
			t.Errorf("at %d px the clause is at %s px from the top", width, top)
		}
		run("diff", chromedp.Navigate(srv.URL+"/terms?diff=2..3#diff"), chromedp.WaitVisible(chromedp.CSS(`.doc-diff del`)))
		fits(width, "terms-diff")
		if s := eval(`document.querySelector(".doc-diff ins").textContent`); !strings.Contains(s, "4") {
			t.Errorf("diff shows %q as new", s)
		}
	}
}
