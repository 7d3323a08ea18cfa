package main

import (
	"context"
	"io"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"github.com/hostpact/hostpact/internal/demo"
	"github.com/hostpact/hostpact/internal/web/browsertest"
)

// urlWriter passes what the demo prints to the test log and reports the URL it
// announces.
type urlWriter struct {
	once sync.Once
	url  chan string
	buf  strings.Builder
	mu   sync.Mutex
}

var runningAt = regexp.MustCompile(`running at (http://\S+)`)

func (w *urlWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	// The announcement ends with how to stop the demo; wait for all of it.
	if m := runningAt.FindStringSubmatch(w.buf.String()); m != nil && strings.Contains(w.buf.String(), "Ctrl+C") {
		w.once.Do(func() { w.url <- m[1] })
	}
	return len(p), nil
}

func (w *urlWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// The README's first command, end to end: `hostpact demo` starts on a fresh database,
// and a browser signs in as demo staff (password + TOTP) and as a demo customer, and
// signs out each time.
func TestDemoInBrowser(t *testing.T) {
	bctx := browsertest.Start(t)
	t.Setenv("HOSTPACT_LOG_LEVEL", "warn")
	ctx, cancel := context.WithCancel(context.Background())
	out := &urlWriter{url: make(chan string, 1)}
	done := make(chan int, 1)
	db := filepath.Join(t.TempDir(), "demo.db")
	go func() {
		done <- run(ctx, []string{"demo", "--addr", "127.0.0.1:0", "--db", db}, strings.NewReader(""), out, io.Discard)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != 0 {
			t.Errorf("demo exited %d", code)
		}
	})
	var base string
	select {
	case base = <-out.url:
	case code := <-done:
		t.Fatalf("demo exited %d before serving", code)
	case <-bctx.Done():
		t.Fatal("demo did not start")
	}
	if printed := out.String(); !strings.Contains(printed, "admin@cloudprovider.test") || !strings.Contains(printed, demo.Password) {
		t.Fatalf("the demo must print how to log in; printed:\n%s", printed)
	}

	submit := chromedp.CSS(`main form button[type="submit"]`)
	code, err := totp.GenerateCode(demo.StaffTOTPSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var heading string
	if err := chromedp.Do(bctx,
		chromedp.Navigate(base+"/staff/"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), "admin@cloudprovider.test"),
		chromedp.SendKeys(chromedp.ID("f-password"), demo.Password),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.ID("f-code")),
		chromedp.SendKeys(chromedp.ID("f-code"), code),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.CSS(`.stats`)),
	); err != nil {
		t.Fatalf("staff sign-in with TOTP: %v", err)
	}
	if heading, err = chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`main h1`))); err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(heading) != "Dashboard" {
		t.Fatalf("staff landed on %q", heading)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.Navigate(base+"/staff/"),
		chromedp.WaitVisible(chromedp.ID("f-email")), // signed out: back to the login form
	); err != nil {
		t.Fatalf("staff sign-out: %v", err)
	}

	var portal string
	if err := chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.ID("f-email"), "marieke@bakkerijjansen.test"),
		chromedp.SendKeys(chromedp.ID("f-password"), demo.Password),
		chromedp.Click(submit),
		chromedp.WaitVisible(chromedp.CSS(`.stats`)),
	); err != nil {
		t.Fatalf("customer sign-in: %v", err)
	}
	if portal, err = chromedp.Run(bctx, chromedp.Text(chromedp.CSS(`main`))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.Navigate(base+"/portal/"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
	); err != nil {
		t.Fatalf("customer sign-out: %v", err)
	}
	if !strings.Contains(portal, "Bakkerij Jansen") {
		t.Fatalf("the portal does not show the customer's organisation:\n%s", portal)
	}
}
