package app_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/app"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/config"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// Finding 7 of issue 8: /metrics is not public. With a token it answers scrapers that
// send it; with an address of its own it is served there and not on the main listener;
// with neither it is not served, and the log says how to turn it on.
func TestMetricsEndpointIsNotPublic(t *testing.T) {
	const token = "scrape-token-0123456789abcdef"
	build := func(t *testing.T, env ...string) (*app.App, *bytes.Buffer) {
		t.Helper()
		db := storetest.Open(t, store.SQLite, app.Schemas()...)
		cfg, err := config.Load("", append([]string{"HOSTPACT_ADDR=127.0.0.1:0"}, env...))
		if err != nil {
			t.Fatal(err)
		}
		cfg.Keys = testKeys
		cfg.PasswordHashCost = lightHash
		pack, err := app.LoadPack(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var logs bytes.Buffer
		a, err := app.Build(cfg, pack, db, slog.New(slog.NewTextHandler(&logs, nil)), clock.NewFake(start))
		if err != nil {
			t.Fatal(err)
		}
		return a, &logs
	}
	scrape := func(t *testing.T, h http.Handler, auth string) int {
		t.Helper()
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		req.RemoteAddr = "127.0.0.1:50000"
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Code
	}

	t.Run("neither", func(t *testing.T) {
		a, logs := build(t)
		h, err := a.Handler()
		if err != nil {
			t.Fatal(err)
		}
		if code := scrape(t, h, ""); code != http.StatusNotFound {
			t.Fatalf("/metrics without configuration: %d, want 404", code)
		}
		serveBriefly(t, a)
		if !strings.Contains(logs.String(), "HOSTPACT_METRICS_TOKEN") {
			t.Fatalf("no log line on how to enable metrics:\n%s", logs)
		}
	})
	t.Run("token", func(t *testing.T) {
		a, _ := build(t, "HOSTPACT_METRICS_TOKEN="+token)
		h, err := a.Handler()
		if err != nil {
			t.Fatal(err)
		}
		if code := scrape(t, h, ""); code != http.StatusUnauthorized {
			t.Fatalf("/metrics without the token: %d, want 401", code)
		}
		if code := scrape(t, h, "wrong-token-0123456789abcdef"); code != http.StatusUnauthorized {
			t.Fatalf("/metrics with a wrong token: %d, want 401", code)
		}
		if code := scrape(t, h, token); code != http.StatusOK {
			t.Fatalf("/metrics with the token: %d, want 200", code)
		}
	})
	t.Run("own address", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		a, _ := build(t, "HOSTPACT_METRICS_ADDR="+addr, "HOSTPACT_METRICS_TOKEN="+token)
		h, err := a.Handler()
		if err != nil {
			t.Fatal(err)
		}
		if code := scrape(t, h, token); code != http.StatusNotFound {
			t.Fatalf("/metrics on the main listener with its own address: %d, want 404", code)
		}
		get := func(auth string) (int, string) {
			req, _ := http.NewRequest(http.MethodGet, "http://"+addr+"/metrics", nil)
			if auth != "" {
				req.Header.Set("Authorization", "Bearer "+auth)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		var code int
		var body string
		serveBriefly(t, a, func() {
			if c, _ := get(""); c != http.StatusUnauthorized {
				t.Errorf("own listener without the token: %d, want 401", c)
			}
			code, body = get(token)
		})
		if code != http.StatusOK || !strings.Contains(body, "http_requests_in_flight") {
			t.Fatalf("own listener: %d\n%s", code, body)
		}
	})
}

// serveBriefly runs a's web role until the checks are done.
func serveBriefly(t *testing.T, a *app.App, checks ...func()) {
	t.Helper()
	a.Config.Roles = []string{"web"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := make(chan struct{})
	go func() { done <- a.Serve(ctx, func(string) { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("serve: %v", err)
	}
	for _, c := range checks {
		c()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
