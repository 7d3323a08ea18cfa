package metrics_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/hostpact/hostpact/internal/metrics"
)

// Finding 7 of issue 8: /metrics answers only a scraper that shows the configured token.
func TestBearerGuardsTheScrape(t *testing.T) {
	t.Parallel()
	h := metrics.Bearer("s3cret-scrape-token-0123456789", metrics.NewRegistry().Handler())
	for _, tc := range []struct {
		header string
		want   int
	}{
		{"", http.StatusUnauthorized},
		{"Bearer wrong", http.StatusUnauthorized},
		{"Bearer s3cret-scrape-token-012345678", http.StatusUnauthorized},
		{"Bearer s3cret-scrape-token-01234567890", http.StatusUnauthorized},
		{"Basic czNjcmV0", http.StatusUnauthorized},
		{"Bearer s3cret-scrape-token-0123456789", http.StatusOK},
		{"bearer s3cret-scrape-token-0123456789", http.StatusOK},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		if tc.header != "" {
			req.Header.Set("Authorization", tc.header)
		}
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("Authorization %q: %d, want %d", tc.header, rec.Code, tc.want)
		}
		if rec.Code == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: 401 without WWW-Authenticate", tc.header)
		}
	}
}
