// Package browsertest runs browser tests in Debian's Chromium through chromedp.
//
// It never downloads a browser (the machines reach no browser download site, and a
// pinned system package is what CI installs): it uses /usr/bin/chromium, or the
// executable named by HOSTPACT_CHROMIUM. Without one the test is skipped, unless
// HOSTPACT_BROWSER_REQUIRED=1 (as in CI), where a missing browser fails it.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	// EnvChromium names the variable that overrides the Chromium executable.
	EnvChromium = "HOSTPACT_CHROMIUM"
	// EnvRequired names the variable that turns a missing browser into a failure.
	EnvRequired = "HOSTPACT_BROWSER_REQUIRED"
	// DefaultChromium is where Debian's chromium package puts the browser.
	DefaultChromium = "/usr/bin/chromium"
)

// Timeout bounds a whole browser test, so a hung page fails instead of stalling CI.
var Timeout = 2 * time.Minute

// Start launches a headless Chromium with a fresh profile and returns a chromedp
// context for it; the browser is stopped when the test ends. limit, when given,
// replaces Timeout for a test that opens hundreds of pages.
func Start(t *testing.T, limit ...time.Duration) context.Context {
	t.Helper()
	path := os.Getenv(EnvChromium)
	if path == "" {
		path = DefaultChromium
	}
	if _, err := exec.LookPath(path); err != nil {
		if os.Getenv(EnvRequired) == "1" {
			t.Fatalf("browser test: no Chromium at %s (%v); install Debian's chromium package or set %s", path, err, EnvChromium)
		}
		t.Skipf("browser test skipped: no Chromium at %s; install Debian's chromium package or set %s", path, EnvChromium)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // containers and CI run as root, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
		// Nothing but the page under test may touch the network.
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-default-apps", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-breakpad", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		// A headless tab counts as hidden; unthrottled, a page loads in a fraction of
		// the time, which the tests that open hundreds of pages need.
		chromedp.Flag("disable-background-timer-throttling", true),
		chromedp.Flag("disable-backgrounding-occluded-windows", true),
		chromedp.Flag("disable-renderer-backgrounding", true),
		chromedp.Flag("disable-ipc-flooding-protection", true),
		chromedp.Flag("disable-features", "Translate,OptimizationHints,MediaRouter"),
		chromedp.Flag("metrics-recording-only", true),
		chromedp.Flag("safebrowsing-disable-auto-update", true),
		chromedp.Flag("password-store", "basic"),
		chromedp.Flag("use-mock-keychain", true),
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(allocCtx)
	// The deadline bounds the browser's whole life (chromedp ties the browser to the
	// context of the first run), which is what a test wants.
	bound := Timeout
	if len(limit) > 0 {
		bound = limit[0]
	}
	ctx, cancelTimeout := context.WithTimeout(ctx, bound)
	// Cancelling the allocator waits for the browser to exit, before t.TempDir removes
	// its profile.
	t.Cleanup(func() {
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("browser test: start %s: %v", path, err)
	}
	return ctx
}
