package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/hostpact/hostpact/internal/web/browsertest"
)

// TestBrowserSecretLink is issue 11's one-time secret on a phone (390 × 844): a customer
// makes a link, a chat program previews it (a plain GET, as Slack and Outlook do), the
// person who gets it still reveals it once with the button, and the link is gone after.
func TestBrowserSecretLink(t *testing.T) {
	ctx := browsertest.Start(t)
	e := newEnv(t, openSQLite(t), Config{ProviderName: "Cloud Provider", Demo: true})
	e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	run := func(what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	value := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(sel)))
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
	run("sign in", chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(srv.URL+"/login"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), "marieke@jansen.test"),
		chromedp.SendKeys(chromedp.ID("f-password"), testPW),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.stats`)),
	)
	run("make a link",
		chromedp.Navigate(srv.URL+"/portal/secrets/new"),
		chromedp.WaitVisible(chromedp.ID("f-text")),
		chromedp.SendKeys(chromedp.ID("f-text"), "ftp: marieke / Brood-en-Banket-7"),
		chromedp.Click(chromedp.CSS(`main form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("secret-url")),
	)
	fits("/portal/secrets/new")
	link := value("#secret-url")
	// The demo's base URL is not this test server's: keep the path and the key.
	i := strings.Index(link, "/s/")
	if i < 0 {
		t.Fatalf("link %q", link)
	}
	path := link[i:]

	// The chat program's preview: a GET, which must not burn the secret.
	res, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || strings.Contains(string(body), "Brood-en-Banket") {
		t.Fatalf("preview: %d, secret shown: %v", res.StatusCode, strings.Contains(string(body), "Brood-en-Banket"))
	}

	run("open and reveal",
		chromedp.Navigate(srv.URL+path),
		chromedp.WaitVisible(chromedp.ID("secret-reveal")),
		chromedp.Click(chromedp.ID("secret-reveal")),
		chromedp.WaitVisible(chromedp.ID("secret-text")),
	)
	if got := value("#secret-text"); got != "ftp: marieke / Brood-en-Banket-7" {
		t.Fatalf("revealed %q", got)
	}
	fits(path)
	run("open again",
		chromedp.Navigate(srv.URL+path),
		chromedp.WaitVisible(chromedp.CSS(`main h1`)),
	)
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#secret-reveal, #secret-text').length`)); err != nil || n != 0 {
		t.Fatalf("the link still offers or shows the secret (%d, %v)", n, err)
	}
}
