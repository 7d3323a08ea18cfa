package bench

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestPortalServe: `bench portal --serve` serves the demo data until interrupted and
// prints, per endpoint, a load generator's command line whose header and URL answer
// 200 from another client.
func TestPortalServe(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := servePortal(ctx, "", 50, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	wrk := regexp.MustCompile(`^wrk .* -H '([^:]+): ([^']+)' (http://127\.0\.0\.1:\d+/\S*)$`)
	sc := bufio.NewScanner(pr)
	seen := 0
	for seen < len(portalEndpoints) && sc.Scan() {
		m := wrk.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		seen++
		req, err := http.NewRequest(http.MethodGet, m[3], nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set(m[1], m[2])
		res, err := http.DefaultTransport.RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", m[3], res.StatusCode)
		}
	}
	if seen != len(portalEndpoints) {
		t.Fatalf("%d load commands printed, want %d (%v)", seen, len(portalEndpoints), sc.Err())
	}
	cancel()
	go io.Copy(io.Discard, pr) // the closing lines
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// BenchmarkPortalPages serves each portal endpoint one request at a time through the
// real handler, without a network: the CPU and the allocations of one request, which
// bound what `bench portal` can reach at 50 connections on two cores (issue 16).
func BenchmarkPortalPages(b *testing.B) {
	tg, err := startPortalTarget(context.Background(), "")
	if err != nil {
		b.Fatal(err)
	}
	defer tg.close()
	for _, path := range portalEndpoints {
		b.Run(strings.ReplaceAll(strings.Trim(path, "/"), "/", "_"), func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, path, nil)
			if strings.HasPrefix(path, "/api/") {
				req.Header.Set("Authorization", "Bearer "+tg.Token)
			} else {
				req.Header.Set("Cookie", tg.Cookie)
			}
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				tg.h.ServeHTTP(w, req)
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, w.Code)
				}
			}
		})
	}
}
