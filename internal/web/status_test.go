package web

import (
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/jobs"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/status/statustest"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// The public status page needs no sign-in, shows an ongoing incident in the visitor's
// language, answers If-None-Match with 304, and serves its JSON and Atom forms.
func TestPublicStatusPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		clk := clock.NewFake(t0)
		pack, err := terms.LoadPack("cloudprovider")
		if err != nil {
			t.Fatal(err)
		}
		mon := &statustest.Monitor{Servers: []monitor.Server{{ID: 1, Name: "web1", Kind: "webhosting", Location: "ams1"}}}
		svc := status.New(db, clk, status.Deps{Pack: pack, Monitor: mon, Keys: secrets.Ephemeral(), BaseURL: "https://portal.example"})
		acc := accounts.New(db, clk, accounts.Config{BaseURL: "https://portal.example", ProviderName: "Cloud Provider", Argon2: lightArgon})
		_, h, err := build(Deps{DB: db, Clock: clk, Accounts: acc, Status: svc, Config: Config{BaseURL: "https://portal.example", ProviderName: "Cloud Provider"}})
		if err != nil {
			t.Fatal(err)
		}
		support := accounts.Principal{User: accounts.User{ID: 1, Email: "s@example.test", Roles: []accounts.Role{accounts.RoleSupport}}}
		if _, err := svc.OpenIncident(ctx, support, status.IncidentInput{TitleNL: "Mail traag", TitleEN: "Mail slow", MessageNL: "We kijken.", MessageEN: "Looking.", Impact: "minor", ServerIDs: []int64{1}}); err != nil {
			t.Fatal(err)
		}
		get := func(path, lang, inm string) *httptest.ResponseRecorder {
			r := httptest.NewRequest("GET", path, nil)
			r.Header.Set("Accept-Language", lang)
			if inm != "" {
				r.Header.Set("If-None-Match", inm)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		en := get("/status", "en", "")
		if en.Code != 200 || !strings.Contains(en.Body.String(), "Mail slow") || !strings.Contains(en.Body.String(), "Web hosting") || en.Header().Get("ETag") == "" {
			t.Fatalf("en page %d: %s", en.Code, en.Body.String())
		}
		nl := get("/status", "nl", "")
		if !strings.Contains(nl.Body.String(), "Mail traag") || !strings.Contains(nl.Body.String(), "Status van de dienstverlening") {
			t.Fatal("nl page lacks the Dutch texts")
		}
		if w := get("/status", "en", en.Header().Get("ETag")); w.Code != http.StatusNotModified {
			t.Fatalf("If-None-Match: %d", w.Code)
		}
		if w := get("/status.json", "en", ""); w.Code != 200 || !strings.Contains(w.Body.String(), `"state":"degraded"`) {
			t.Fatalf("json: %d %s", w.Code, w.Body.String())
		}
		if w := get("/status/feed.atom?lang=en", "", ""); w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "application/atom+xml") || !strings.Contains(w.Body.String(), "Mail slow") {
			t.Fatalf("feed: %d %s", w.Code, w.Body.String())
		}
		// Subscribing answers the same for any address and queues one confirmation.
		r := httptest.NewRequest("POST", "/status/subscribe", strings.NewReader(url.Values{"email": {"fan@example.test"}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != 200 {
			t.Fatalf("subscribe: %d %s", w.Code, w.Body.String())
		}
		var n int
		_ = db.QueryRowContext(ctx, `SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'fan@example.test'`).Scan(&n)
		if n != 1 {
			t.Fatalf("confirmation mails: %d", n)
		}
		// A GET of the unsubscribe link changes nothing (mail scanners follow links).
		if w := get("/status/unsubscribe?t=x", "en", ""); w.Code != 200 || !strings.Contains(w.Body.String(), `action="/status/unsubscribe?t=x"`) {
			t.Fatalf("unsubscribe form: %d", w.Code)
		}
		r = httptest.NewRequest("POST", "/status/unsubscribe?t=nope", strings.NewReader("List-Unsubscribe=One-Click"))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		w = httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusNotFound {
			t.Fatalf("unknown token: %d", w.Code)
		}
	}, audit.Schema, notify.Schema, jobs.Schema, accounts.Schema, status.Schema)
}

// The status page, its JSON and feed come precompressed to clients that accept gzip,
// under their own ETag, and as they are to those that do not; caches are told to keep
// them apart (Vary).
func TestPublicStatusGzip(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{ProviderName: "Cloud Provider"})
	sv := e.server("web1", "webhosting", "ams1")
	e.openIncident("Websites traag", sv.ID)
	for _, path := range []string{"/status", "/status.json", "/status/feed.atom"} {
		c := e.client()
		plain := c.get(path)
		c.expect(plain, http.StatusOK, "")
		if plain.Header.Get("Content-Encoding") != "" || !strings.Contains(plain.Body, "Websites traag") {
			t.Fatalf("%s without Accept-Encoding: %q", path, plain.Header.Get("Content-Encoding"))
		}
		c.header.Set("Accept-Encoding", "br;q=1.0, gzip;q=0.8")
		gz := c.get(path)
		c.expect(gz, http.StatusOK, "")
		if gz.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(gz.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("%s: Content-Encoding %q, Vary %q", path, gz.Header.Get("Content-Encoding"), gz.Header.Get("Vary"))
		}
		zr, err := gzip.NewReader(strings.NewReader(gz.Body))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(zr)
		if err != nil || string(body) != plain.Body {
			t.Fatalf("%s: gzip body differs from the plain one (%v)", path, err)
		}
		if len(gz.Body) >= len(plain.Body) || gz.Header.Get("Content-Length") != strconv.Itoa(len(gz.Body)) {
			t.Errorf("%s: %d bytes gzipped of %d, Content-Length %s", path, len(gz.Body), len(plain.Body), gz.Header.Get("Content-Length"))
		}
		tag := gz.Header.Get("ETag")
		if tag == "" || tag == plain.Header.Get("ETag") {
			t.Fatalf("%s: ETag %q for both encodings", path, tag)
		}
		c.header.Set("If-None-Match", tag)
		c.expect(c.get(path), http.StatusNotModified, "")
	}
	// One element per day, titled only when the day saw downtime.
	page := e.client().get("/status").Body
	if n := strings.Count(page, "<i></i>"); n != status.HistoryDays {
		t.Errorf("%d plain day bars, want %d", n, status.HistoryDays)
	}
	if len(page) > 12000 {
		t.Errorf("status page is %d bytes", len(page))
	}
}

func TestAcceptsGzip(t *testing.T) {
	t.Parallel()
	for h, want := range map[string]bool{
		"": false, "gzip": true, "gzip, deflate, br": true, "br;q=1.0, gzip;q=0.8": true, "GZIP": true, "x-gzip": true,
		"gzip;q=0": false, "gzip; q=0.0": false, "*": true, "*;q=0": false, "identity": false, "br": false, "*, gzip;q=0": false,
		"deflate, *;q=0.1": true, "gzipx": false,
	} {
		if got := acceptsGzip(h); got != want {
			t.Errorf("acceptsGzip(%q) = %t, want %t", h, got, want)
		}
	}
}

func FuzzAcceptsGzip(f *testing.F) {
	for _, s := range []string{"gzip", "br;q=1.0, gzip;q=0.8", "*;q=0", "gzip;q=", ";;,,", "gzip;q=1e400"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		if acceptsGzip(h) && !strings.Contains(strings.ToLower(h), "gzip") && !strings.Contains(h, "*") {
			t.Fatalf("acceptsGzip(%q) without gzip or *", h)
		}
	})
}
