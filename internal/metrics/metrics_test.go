package metrics_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/metrics"
)

func scrape(t *testing.T, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: %d", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); ct != "text/plain; version=0.0.4; charset=utf-8" {
		t.Fatalf("Content-Type = %q", ct)
	}
	return rec.Body.String()
}

func TestExpositionFormat(t *testing.T) {
	r := metrics.NewRegistry()
	mails := r.Counter("hostpact_mail_sent_total", "Mails handed to the SMTP server.", "lang", "kind")
	r.Counter("hostpact_never_used_total", "A labelled counter without series is left out.", "x")
	jobs := r.Counter("hostpact_job_runs_total", "Job runs.")
	pending := r.Gauge("hostpact_mail_pending", "Mails waiting in the outbox.\nSecond line with a \\ backslash.")
	r.GaugeFunc("hostpact_build_info", "Always 1.", func() float64 { return 1 })
	h := r.Histogram("hostpact_billing_run_seconds", "Billing run duration.", []float64{0.5, 1, 2.5}, "pack")

	mails.Inc("nl", "reminder")
	mails.Add(2, "en", "invoice")
	mails.Inc("nl", "invoice")
	mails.Inc("nl", "reminder")
	mails.Inc("en", `quote "x"`+"\n"+`\y`)
	pending.Set(7)
	pending.Dec()
	h.Observe(0.5, "cloudprovider")
	h.Observe(0.7, "cloudprovider")
	h.Observe(3, "cloudprovider")
	h.Observe(1, "5online")

	want := `# HELP hostpact_billing_run_seconds Billing run duration.
# TYPE hostpact_billing_run_seconds histogram
hostpact_billing_run_seconds_bucket{pack="5online",le="0.5"} 0
hostpact_billing_run_seconds_bucket{pack="5online",le="1"} 1
hostpact_billing_run_seconds_bucket{pack="5online",le="2.5"} 1
hostpact_billing_run_seconds_bucket{pack="5online",le="+Inf"} 1
hostpact_billing_run_seconds_sum{pack="5online"} 1
hostpact_billing_run_seconds_count{pack="5online"} 1
hostpact_billing_run_seconds_bucket{pack="cloudprovider",le="0.5"} 1
hostpact_billing_run_seconds_bucket{pack="cloudprovider",le="1"} 2
hostpact_billing_run_seconds_bucket{pack="cloudprovider",le="2.5"} 2
hostpact_billing_run_seconds_bucket{pack="cloudprovider",le="+Inf"} 3
hostpact_billing_run_seconds_sum{pack="cloudprovider"} 4.2
hostpact_billing_run_seconds_count{pack="cloudprovider"} 3
# HELP hostpact_build_info Always 1.
# TYPE hostpact_build_info gauge
hostpact_build_info 1
# HELP hostpact_job_runs_total Job runs.
# TYPE hostpact_job_runs_total counter
hostpact_job_runs_total 0
# HELP hostpact_mail_pending Mails waiting in the outbox.\nSecond line with a \\ backslash.
# TYPE hostpact_mail_pending gauge
hostpact_mail_pending 6
# HELP hostpact_mail_sent_total Mails handed to the SMTP server.
# TYPE hostpact_mail_sent_total counter
hostpact_mail_sent_total{lang="en",kind="invoice"} 2
hostpact_mail_sent_total{lang="en",kind="quote \"x\"\n\\y"} 1
hostpact_mail_sent_total{lang="nl",kind="invoice"} 1
hostpact_mail_sent_total{lang="nl",kind="reminder"} 2
`
	if got := scrape(t, r.Handler()); got != want {
		t.Fatalf("exposition:\n%s\nwant:\n%s", got, want)
	}
	jobs.Inc()
	if jobs.Value() != 1 || mails.Value("nl", "reminder") != 2 || pending.Value() != 6 {
		t.Fatal("Value does not read back")
	}
}

func TestMisuseIsAProgrammingError(t *testing.T) {
	r := metrics.NewRegistry()
	c := r.Counter("a_total", "", "x")
	for name, f := range map[string]func(){
		"duplicate name":        func() { r.Gauge("a_total", "") },
		"bad metric name":       func() { r.Counter("1abc", "") },
		"bad label name":        func() { r.Counter("b_total", "", "a-b") },
		"reserved label":        func() { r.Counter("c_total", "", "__x") },
		"le on a histogram":     func() { r.Histogram("d", "", nil, "le") },
		"unsorted buckets":      func() { r.Histogram("e", "", []float64{1, 0.5}) },
		"wrong number of label": func() { c.Inc() },
		"negative counter add":  func() { c.Add(-1, "v") },
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			f()
		})
	}
}

func TestHandlerRejectsOtherMethods(t *testing.T) {
	rec := httptest.NewRecorder()
	metrics.NewRegistry().Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/metrics", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST /metrics: %d", rec.Code)
	}
}

// fakeTime moves by step at every reading, so a request served alone takes exactly step.
type fakeTime struct {
	mu   sync.Mutex
	now  time.Time
	step time.Duration
}

func (f *fakeTime) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(f.step)
	return f.now
}

func (f *fakeTime) setStep(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.step = d
}

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /invoices/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "invoice %s", r.PathValue("id"))
	})
	mux.HandleFunc("POST /orders", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("/boom", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nee", http.StatusBadGateway)
	})
	mux.HandleFunc("/panic", func(w http.ResponseWriter, r *http.Request) { panic("kapot") })
	return mux
}

func TestHTTPMiddleware(t *testing.T) {
	r := metrics.NewRegistry()
	// Concurrent requests interleave their clock readings, so they take no time at all;
	// the sequential ones below take 15 ms each.
	clock := &fakeTime{now: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	metrics.SetNow(r, clock.Now)
	handler := r.HTTPMiddleware(newMux())
	srv := httptest.NewServer(handler)
	defer srv.Close()

	do := func(method, path string) int {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	const workers, each = 8, 25
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if code := do(http.MethodGet, fmt.Sprintf("/invoices/%d-%d", w, i)); code != 200 {
					t.Errorf("GET invoice: %d", code)
				}
				_ = scrape(t, r.Handler()) // scraping while serving must be race-free
			}
		})
	}
	wg.Wait()
	clock.setStep(15 * time.Millisecond)
	do(http.MethodPost, "/orders")
	do(http.MethodGet, "/boom")
	do(http.MethodGet, "/wp-login.php")
	do("PROPFIND", "/orders")
	// Served directly: over HTTP the client would retry the dropped connection.
	func() {
		defer func() {
			if p := recover(); p != "kapot" {
				t.Errorf("panic not passed on: %v", p)
			}
		}()
		handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/panic", nil))
	}()

	got := scrape(t, r.Handler())
	var lines []string
	for _, l := range strings.Split(got, "\n") {
		if strings.HasPrefix(l, "http_requests_total") || strings.HasPrefix(l, "http_requests_in_flight") ||
			strings.Contains(l, `le="0.025"`) || strings.HasPrefix(l, "http_request_duration_seconds_count") ||
			strings.HasPrefix(l, "# TYPE http_") {
			lines = append(lines, l)
		}
	}
	want := `# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{method="GET",route="/boom",le="0.025"} 1
http_request_duration_seconds_count{method="GET",route="/boom"} 1
http_request_duration_seconds_bucket{method="GET",route="/invoices/{id}",le="0.025"} 200
http_request_duration_seconds_count{method="GET",route="/invoices/{id}"} 200
http_request_duration_seconds_bucket{method="GET",route="/panic",le="0.025"} 1
http_request_duration_seconds_count{method="GET",route="/panic"} 1
http_request_duration_seconds_bucket{method="GET",route="unmatched",le="0.025"} 1
http_request_duration_seconds_count{method="GET",route="unmatched"} 1
http_request_duration_seconds_bucket{method="OTHER",route="unmatched",le="0.025"} 1
http_request_duration_seconds_count{method="OTHER",route="unmatched"} 1
http_request_duration_seconds_bucket{method="POST",route="/orders",le="0.025"} 1
http_request_duration_seconds_count{method="POST",route="/orders"} 1
# TYPE http_requests_in_flight gauge
http_requests_in_flight 0
# TYPE http_requests_total counter
http_requests_total{method="GET",status="2xx",route="/invoices/{id}"} 200
http_requests_total{method="GET",status="4xx",route="unmatched"} 1
http_requests_total{method="GET",status="5xx",route="/boom"} 1
http_requests_total{method="GET",status="5xx",route="/panic"} 1
http_requests_total{method="OTHER",status="4xx",route="unmatched"} 1
http_requests_total{method="POST",status="2xx",route="/orders"} 1`
	if g := strings.Join(lines, "\n"); g != want {
		t.Fatalf("got:\n%s\nwant:\n%s", g, want)
	}
	if !strings.Contains(got, `http_request_duration_seconds_sum{method="POST",route="/orders"} 0.015`) {
		t.Fatalf("duration sum not the faked 15ms:\n%s", got)
	}
}

// A middleware between HTTPMiddleware and the mux that clones the request hides the
// matched pattern unless the mux is wrapped in Routed.
func TestRoutedThroughCloningMiddleware(t *testing.T) {
	type key struct{}
	cloning := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(contextWith(r, key{})))
		})
	}
	for _, tc := range []struct {
		name  string
		inner http.Handler
		route string
	}{
		{"without Routed", newMux(), "unmatched"},
		{"with Routed", metrics.Routed(newMux()), "/invoices/{id}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := metrics.NewRegistry()
			h := r.HTTPMiddleware(cloning(tc.inner))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/invoices/7", nil))
			want := fmt.Sprintf(`http_requests_total{method="GET",status="2xx",route=%q} 1`, tc.route)
			if out := scrape(t, r.Handler()); !strings.Contains(out, want) {
				t.Fatalf("want %s in\n%s", want, out)
			}
		})
	}
}

func TestStreamingStillFlushes(t *testing.T) {
	r := metrics.NewRegistry()
	var flushed bool
	h := r.HTTPMiddleware(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		f, ok := w.(http.Flusher)
		if !ok {
			t.Fatal("wrapped writer is not a Flusher")
		}
		_, _ = io.WriteString(w, "data: 1\n\n")
		f.Flush()
		flushed = true
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/events", nil))
	if !flushed || !rec.Flushed || !bytes.Contains(rec.Body.Bytes(), []byte("data: 1")) {
		t.Fatal("not flushed")
	}
}
