package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/metrics"
)

const (
	sessionCookie = "hostpact_session"
	maxFormBytes  = 1 << 20
	maxUserAgent  = 256
)

// reqInfo is shared by the middleware layers of one request. It is a pointer in the
// context because the inner layers (the mux, the session lookup) learn things the outer
// ones log.
type reqInfo struct {
	ip        string
	pattern   string
	principal *accounts.Principal
	token     string // the session cookie's value, for logout and rotation
}

type ctxKey struct{}

func info(ctx context.Context) *reqInfo {
	if ri, ok := ctx.Value(ctxKey{}).(*reqInfo); ok {
		return ri
	}
	return &reqInfo{}
}

func principalFrom(ctx context.Context) *accounts.Principal { return info(ctx).principal }

// middleware wraps the mux, outermost first: logging sees the final status, recovery
// turns a panic into a 500 page that still carries the security headers, and
// cross-origin protection runs before anything reads a form.
func (s *server) middleware(mux *http.ServeMux) (http.Handler, error) {
	// The request metrics are counted outside this package, around a copy of the request
	// made before the one the mux sees; Routed carries the matched pattern (the API's
	// own, for /api/ routes) out to them (issue 8, finding 7).
	routed := metrics.Routed(mux)
	var h http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A catch-all "GET /" would clash with "/api/", so unknown pages are found here.
		if _, pattern := mux.Handler(r); pattern == "" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
			s.notFound(w, r)
			return
		}
		routed.ServeHTTP(w, r)
		// ServeMux sets Pattern on the request it was handed, so it is readable here.
		info(r.Context()).pattern = r.Pattern
	})
	h = s.withSession(h)
	h = s.admit(h)
	h = s.limitBody(h)
	h = s.rateLimit(h)
	cop := http.NewCrossOriginProtection()
	if s.origin != "" {
		if err := cop.AddTrustedOrigin(s.origin); err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
	}
	// Payment providers post their webhooks from their own servers: no browser, no
	// session, no Origin to check. They are authenticated by their signature instead
	// (payments.HandleWebhook), so they bypass the cross-origin check, and only they.
	for _, pattern := range webhookPatterns {
		cop.AddInsecureBypassPattern(pattern)
	}
	// The newsletter's one-click unsubscribe is posted by mail providers' servers
	// (RFC 8058 section 3); the token in its URL is its authentication.
	if s.news != nil {
		cop.AddInsecureBypassPattern(newsletterUnsubscribePattern)
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "error.crossorigin.title", "error.crossorigin.body")
	}))
	h = cop.Handler(h)
	h = s.securityHeaders(h)
	h = s.recoverPanic(h)
	h = s.logRequests(h)
	return h, nil
}

type statusWriter struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request. It logs the route pattern and the path, never
// the query string (a reset token travels in it), cookies or form values.
func (s *server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ri := &reqInfo{ip: s.clientIP(r)}
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		r2 := r.WithContext(context.WithValue(r.Context(), ctxKey{}, ri))
		if host, port, err := net.SplitHostPort(r.RemoteAddr); err == nil && host != ri.ip {
			// Behind a trusted proxy: handlers that read RemoteAddr (the API) see the client.
			r2.RemoteAddr = net.JoinHostPort(ri.ip, port)
		}
		next.ServeHTTP(sw, r2)
		level := slog.LevelInfo
		if sw.status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(r.Context(), level, "http request",
			slog.String("method", r.Method),
			slog.String("pattern", ri.pattern),
			slog.String("path", r.URL.Path),
			slog.Int("status", sw.status),
			slog.Duration("duration", time.Since(start)))
	})
}

func (s *server) recoverPanic(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			s.log.Error("panic serving request", "method", r.Method, "path", r.URL.Path,
				"panic", fmt.Sprint(v), "stack", string(debug.Stack()))
			if sw, ok := w.(*statusWriter); ok && sw.wrote {
				return // too late for an error page; the client sees a truncated response
			}
			s.errorPage(w, r, http.StatusInternalServerError, "error.500.title", "error.500.body")
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		// No inline script or style anywhere: everything comes from /static/.
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.cfg.SecureCookies {
			h.Set("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
		}
		next.ServeHTTP(w, r)
	})
}

// limitBody caps form bodies. The API sets its own limit: it may one day accept larger
// documents (bank statements) than a form ever sends.
func (s *server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil && !strings.HasPrefix(r.URL.Path, "/api/") {
			limit := int64(maxFormBytes)
			if r.URL.Path == importPath {
				limit = maxUploadBytes
			}
			if r.URL.Path == abusePath {
				limit = maxAbuseBody
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// rateLimited lists the forms an attacker would hammer: passwords, codes, reset mails
// and reset tokens.
var rateLimited = map[string]bool{"/login": true, "/login/mfa": true, "/forgot": true, "/reset": true,
	"/signup/verify": true}

func (s *server) rateLimit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost && rateLimited[r.URL.Path] {
			if ok, wait := s.limiter.allow(limitKey(info(r.Context()).ip)); !ok {
				s.tooMany(w, r, wait)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// noSession lists path prefixes that never need the signed-in user: the API
// authenticates its own bearer tokens, and assets, health and metrics are anonymous.
// The public status page is the same for everyone and must hold under load, so it
// does not look up sessions either.
var noSession = []string{"/static/", "/healthz", "/metrics", "/api/", "/webhooks/", "/status"}

// withSession resolves the session cookie on every request and puts the principal and
// the audit actor in the context, so every change a service makes is recorded with who
// made it and from where.
func (s *server) withSession(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		ri := info(ctx)
		actor := audit.Actor{Kind: audit.ActorPublic, IP: ri.ip, UserAgent: truncate(r.UserAgent(), maxUserAgent)}
		c, err := r.Cookie(sessionCookie)
		if err == nil && c.Value != "" && !hasAnyPrefix(r.URL.Path, noSession) {
			p, err := s.acc.Authenticate(ctx, c.Value, ri.ip)
			switch {
			case err == nil:
				ri.principal, ri.token = &p, c.Value
				actor.Kind, actor.ID, actor.Label = audit.ActorCustomer, p.User.ID, p.User.Email
				if p.IsStaff() {
					actor.Kind = audit.ActorStaff
				}
				if p.Acting() {
					// A reseller's user acting for its customer stays the actor (reseller.go).
					actor.OnBehalfOf, actor.OnBehalfOfLabel = p.Org.ID, p.Org.LegalName
				}
			case errors.Is(err, accounts.ErrIPNotAllowed):
				// The session is valid but this address is not: keep the cookie (the user
				// may be back on an allowed network soon) and explain on the private pages.
				if hasAnyPrefix(r.URL.Path, []string{"/staff/", "/portal/"}) {
					s.ipNotAllowed(w, r.WithContext(audit.WithActor(ctx, actor)))
					return
				}
			case isSignedOut(err):
				s.clearSession(w)
			default:
				// A database failure is not a reason to sign everybody out.
				s.log.Error("authenticate session", "err", err)
				s.errorPage(w, r, http.StatusInternalServerError, "error.500.title", "error.500.body")
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(audit.WithActor(ctx, actor)))
	})
}

// isSignedOut reports whether Authenticate refused the cookie because the session is
// over (expired, ended, unknown, user or organisation disabled).
func isSignedOut(err error) bool {
	for _, e := range []error{accounts.ErrSessionExpired, accounts.ErrNotFound, accounts.ErrDisabled,
		accounts.ErrForbidden, accounts.ErrTokenInvalid, accounts.ErrInvalidCredentials} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// clientIP is the TCP peer, unless that peer is a trusted proxy: then the rightmost
// X-Forwarded-For address that is not itself a trusted proxy (the leftmost entries are
// whatever the client chose to send).
func (s *server) clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	addr = addr.Unmap()
	if !s.trusted(addr) {
		return addr.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		addr = a.Unmap()
		if !s.trusted(addr) {
			break
		}
	}
	return addr.String()
}

func (s *server) trusted(a netip.Addr) bool {
	for _, p := range s.proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func hasAnyPrefix(s string, prefixes []string) bool {
	for _, p := range prefixes {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

func (s *server) setSession(w http.ResponseWriter, token string) {
	// No Expires: the cookie ends with the browser; the server ends idle sessions.
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}

func (s *server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
}
