package metrics

import (
	"context"
	"net/http"
	"strings"
	"sync"
)

type httpMetrics struct {
	requests *Counter
	duration *Histogram
	inFlight *Gauge
}

func (r *Registry) httpMetrics() *httpMetrics {
	r.httpOnce.Do(func() {
		r.http = &httpMetrics{
			requests: r.Counter("http_requests_total", "HTTP requests by method, status class and route pattern.", "method", "status", "route"),
			duration: r.Histogram("http_request_duration_seconds", "Time from receiving a request to its handler returning, in seconds.", DefBuckets, "method", "route"),
			inFlight: r.Gauge("http_requests_in_flight", "HTTP requests being served."),
		}
	})
	return r.http
}

// unmatchedRoute labels requests that no pattern matched (404s, scanners): their paths
// are not used as labels, or every probe for /wp-login.php would make a new series.
const unmatchedRoute = "unmatched"

type routeKey struct{}

// routeHolder carries the matched pattern out of a request that was cloned on its way
// to the ServeMux.
type routeHolder struct {
	mu      sync.Mutex
	pattern string
}

// HTTPMiddleware counts requests by method, status class (2xx, 4xx, …) and route, and
// measures their duration. The route is the ServeMux pattern that matched (r.Pattern,
// without its method), so /invoices/{id} is one series however many invoices there are.
// Put it directly around the ServeMux, or, when middleware that clones the request
// (r.WithContext) sits in between, also wrap the mux itself in Routed.
func (r *Registry) HTTPMiddleware(next http.Handler) http.Handler {
	m := r.httpMetrics()
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		start := r.now()
		holder := &routeHolder{}
		req = req.WithContext(context.WithValue(req.Context(), routeKey{}, holder))
		rec := &statusRecorder{ResponseWriter: w}
		m.inFlight.Inc()
		defer func() {
			m.inFlight.Dec()
			p := recover()
			status := rec.status
			switch {
			case status == 0 && p != nil:
				status = http.StatusInternalServerError // net/http answers a panic by dropping the connection
			case status == 0:
				status = http.StatusOK
			}
			holder.mu.Lock()
			pattern := holder.pattern
			holder.mu.Unlock()
			if pattern == "" {
				pattern = req.Pattern
			}
			route := routeLabel(pattern)
			method := methodLabel(req.Method)
			m.requests.Inc(method, statusClass(status), route)
			m.duration.Observe(r.now().Sub(start).Seconds(), method, route)
			if p != nil {
				panic(p)
			}
		}()
		next.ServeHTTP(rec, req)
	})
}

// Routed reports the pattern that mux matched to an enclosing HTTPMiddleware. It is
// needed only when the request reaching mux is a copy of the one HTTPMiddleware saw.
func Routed(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		mux.ServeHTTP(w, req)
		if h, ok := req.Context().Value(routeKey{}).(*routeHolder); ok && req.Pattern != "" {
			h.mu.Lock()
			h.pattern = req.Pattern
			h.mu.Unlock()
		}
	})
}

func routeLabel(pattern string) string {
	if pattern == "" {
		return unmatchedRoute
	}
	// "GET /invoices/{id}" → "/invoices/{id}": the method has a label of its own.
	if method, rest, ok := strings.Cut(pattern, " "); ok && method != "" && !strings.Contains(method, "/") {
		return strings.TrimLeft(rest, " \t")
	}
	return pattern
}

func methodLabel(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

func statusClass(code int) string {
	if code < 100 || code > 599 {
		return "other"
	}
	return string(rune('0'+code/100)) + "xx"
}

// statusRecorder remembers the status code a handler sent.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	// 1xx responses are interim; the final status comes after them.
	if s.status == 0 && (code < 100 || code > 199) {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(b)
}

// Flush keeps streaming responses (server-sent events, htmx) working through the
// wrapper for handlers that assert http.Flusher.
func (s *statusRecorder) Flush() {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

// Unwrap lets http.ResponseController reach the underlying writer's other features.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }
