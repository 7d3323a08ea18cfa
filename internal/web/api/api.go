// Package api is hostpact's JSON API (/api/v1) and its OpenAPI 3.1 document
// (/api/openapi.json), built with huma on a net/http ServeMux.
//
// The API is a thin door onto the domain services: it authenticates a bearer token,
// rate-limits, validates the shape of the input, puts the actor in the context for the
// audit trail, and translates service errors into RFC 9457 problems. Who may see or
// change what is decided by the services (tenant isolation lives there), so the API
// and the portal cannot disagree.
package api

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
	"github.com/hostpact/hostpact/internal/usage"
)

// Deps is what the API needs from the application.
type Deps struct {
	DB       *store.DB
	Clock    clock.Clock
	Accounts *accounts.Service
	// Catalog and Contracts serve the catalog, quotes, orders and contracts; Pack is the
	// provider's terms, whose catalog the API lists.
	Catalog   *catalog.Service
	Contracts *contracts.Service
	Pack      *terms.Pack
	// Billing serves invoices, credit notes, account credit, refunds and the reports;
	// Payments bank statements, the unmatched queue, mandates, direct debit files and
	// online payments; Dunning the dunning steps of an invoice and claims. The routes
	// of each register only when it is set (Payments and Dunning also need Billing).
	Billing  *billing.Service
	Payments *payments.Service
	Dunning  *dunning.Service
	// Usage takes usage samples from a provider's collectors (POST /api/v1/usage).
	Usage  *usage.Service
	Logger *slog.Logger
	// Demo enables GET /api/v1/mail, the outbox as staff see it, so a demo can follow
	// password-reset and notice mails without an SMTP server.
	Demo bool
	// TokenRate, when positive, replaces the per-token rate limit (requests per
	// second, and as many at once): only a load measurement sets it (hostpact bench
	// portal, issue 16), so that it measures the handlers rather than the limiter.
	TokenRate float64
}

// maxBodyBytes bounds a request body; the largest legitimate body (an organisation
// with its admin user) is a few kilobytes.
const maxBodyBytes = 1 << 20

// securityScheme names the bearer scheme in the OpenAPI document.
const securityScheme = "bearer"

// New returns the API handler. It serves full paths (/api/v1/…, /api/openapi.json);
// the web layer mounts it at /api/. The client address is taken from
// Request.RemoteAddr: behind a reverse proxy the web layer must set it from the
// trusted forwarding header first, or every client shares the proxy's rate limit and
// IP allowlist checks see the proxy.
func New(d Deps) http.Handler {
	l := defaultLimits
	if d.TokenRate > 0 {
		l.PerToken = rate{PerSecond: d.TokenRate, Burst: d.TokenRate}
	}
	return newServer(d, l)
}

type server struct {
	deps   Deps
	log    *slog.Logger
	mux    *http.ServeMux
	api    huma.API
	tokens *limiter // per API token
	fails  *limiter // failed authentications per client network
	// orderKeys serialises submissions that share an idempotency key.
	orderKeys keyLocks
}

func newServer(d Deps, l limits) *server {
	if d.Clock == nil {
		d.Clock = clock.Real{}
	}
	s := &server{
		deps:   d,
		log:    logger(d.Logger),
		mux:    http.NewServeMux(),
		tokens: newLimiter(d.Clock, l.PerToken),
		fails:  newLimiter(d.Clock, l.AuthFailPerIP),
	}
	s.api = humago.New(s.mux, config())
	s.api.UseMiddleware(s.authenticate)
	s.routes()
	return s
}

func config() huma.Config {
	cfg := huma.DefaultConfig("hostpact API", "v1")
	cfg.Info.Description = "The JSON API of hostpact: the same operations as the staff app and the " +
		"customer portal, with the same permissions. Authenticate with an API token " +
		"(`Authorization: Bearer <token>`) created in the portal (customers) or on the staff tokens page (staff). " +
		"Tokens with only the read scope may use GET. Errors are RFC 9457 problem details; " +
		"invalid input is answered with 422 and an `errors` list naming each field " +
		"(`location`, e.g. `body.vat_id`); unknown body fields and query parameters are rejected the same way. " +
		"Requests are rate-limited per token (429 with Retry-After). " +
		"Explanation steps carry their message key, arguments in machine form and the sentence in Dutch and English; " +
		"`sentence` is the one in the language asked for with `?lang=nl|en` or Accept-Language " +
		"(else the token user's language, else Dutch), and so are the text fields written from explanations " +
		"(a checkout's `term_text` and `withdrawal.text`, a cancellation's and a withdrawal's `text`). " +
		"Other values stay in machine form."
	cfg.OpenAPIPath = "/api/openapi"
	// The docs page loads its renderer from a CDN and the schema links add `$schema`
	// to every response; hostpact ships neither.
	cfg.DocsPath = ""
	cfg.SchemasPath = ""
	cfg.CreateHooks = nil
	cfg.RejectUnknownQueryParameters = true
	cfg.Transformers = []huma.Transformer{redactErrorValues, localizeExplanations}
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		securityScheme: {
			Type:        "http",
			Scheme:      "bearer",
			Description: "An API token; its scopes (read, write) limit what it may do.",
		},
	}
	cfg.Security = []map[string][]string{{securityScheme: {}}}
	return cfg
}

// ServeHTTP answers unknown paths and methods with a problem too, so a client never
// has to parse the mux's plain-text errors.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if h, pattern := s.mux.Handler(r); pattern == "" {
		c := &statusOnly{header: w.Header()}
		h.ServeHTTP(c, r)
		switch c.status {
		case http.StatusNotFound:
			writeProblem(w, c.status, "no such endpoint; see /api/openapi.json")
		case http.StatusMethodNotAllowed:
			writeProblem(w, c.status, "method not allowed; see the Allow header")
		default: // redirects to the cleaned path
			w.WriteHeader(c.status)
		}
		return
	}
	s.mux.ServeHTTP(w, langParam(r))
}

// statusOnly records the status of the mux's fallback handlers and discards their body.
type statusOnly struct {
	header http.Header
	status int
}

func (c *statusOnly) Header() http.Header { return c.header }
func (c *statusOnly) Write(b []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return len(b), nil
}
func (c *statusOnly) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

type principalKey struct{}

func principalFrom(ctx context.Context) (accounts.Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(accounts.Principal)
	return p, ok
}

// authenticate runs before every operation (not before the OpenAPI document): it
// resolves the bearer token, applies the rate limits and the token's scope, and puts
// the principal and the audit actor in the request context.
func (s *server) authenticate(ctx huma.Context, next func(huma.Context)) {
	ip := clientIP(ctx.RemoteAddr())
	ua := userAgent(ctx.Header("User-Agent"))
	netKey := networkKey(ip)
	if ok, wait := s.fails.check(netKey); !ok {
		s.fail(ctx, throttled(wait))
		return
	}
	token, ok := bearer(ctx.Header("Authorization"))
	if !ok {
		// Not counted as a failure: it costs no lookup and guesses nothing.
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="hostpact"`)
		s.fail(ctx, huma.Error401Unauthorized("missing bearer token: send Authorization: Bearer <token>"))
		return
	}
	// Until the token is known, anything the service records (a refused address) is by
	// an anonymous caller from this address.
	base := audit.WithActor(ctx.Context(), audit.Actor{Kind: audit.ActorPublic, IP: ip, UserAgent: ua})
	p, err := s.deps.Accounts.AuthenticateToken(base, token, ip)
	if err != nil {
		var te *accounts.ThrottledError
		switch {
		case errors.Is(err, accounts.ErrIPNotAllowed) || errors.Is(err, accounts.ErrDisabled) || errors.As(err, &te):
			s.fail(ctx, s.problem(ctx.Context(), err))
		case isInvalidToken(err):
			s.fails.take(netKey)
			ctx.SetHeader("WWW-Authenticate", `Bearer realm="hostpact", error="invalid_token"`)
			s.fail(ctx, huma.Error401Unauthorized("the token is invalid, expired or revoked"))
		default:
			s.fail(ctx, s.problem(ctx.Context(), err))
		}
		return
	}
	key := "user:" + strconv.FormatInt(p.User.ID, 10)
	if p.Token != nil {
		key = "token:" + strconv.FormatInt(p.Token.ID, 10)
	}
	if ok, wait := s.tokens.take(key); !ok {
		s.fail(ctx, throttled(wait))
		return
	}
	// A usage token delivers samples and reaches nothing else (issue 15); the service's
	// check (usage.submit) decides again.
	usageSubmit := ctx.Method() == http.MethodPost && ctx.URL().Path == "/api/v1/usage"
	if p.UsageOnly() && !usageSubmit {
		s.fail(ctx, huma.Error403Forbidden("this token has only the usage scope: it may only deliver usage samples (POST /api/v1/usage)"))
		return
	}
	if !readOnlyMethod(ctx.Method()) && !p.CanWrite() && !(usageSubmit && p.UsageOnly()) {
		s.fail(ctx, huma.Error403Forbidden("this token has only the read scope; create one with the write scope to make changes"))
		return
	}
	kind := audit.ActorCustomer
	if p.IsStaff() {
		kind = audit.ActorStaff
	}
	c := audit.WithActor(ctx.Context(), audit.Actor{Kind: kind, ID: p.User.ID, Label: p.User.Email, IP: ip, UserAgent: ua})
	c = context.WithValue(c, principalKey{}, p)
	c = context.WithValue(c, langKey{}, requestLang(huma.WithContext(ctx, c)))
	next(huma.WithContext(ctx, c))
}

// fail writes err (a huma status error, possibly with headers) as the response.
func (s *server) fail(ctx huma.Context, err error) {
	var he huma.HeadersError
	if errors.As(err, &he) {
		for k, vs := range he.GetHeaders() {
			for _, v := range vs {
				ctx.AppendHeader(k, v)
			}
		}
	}
	var se huma.StatusError
	if !errors.As(err, &se) {
		se = huma.Error500InternalServerError("internal error")
	}
	_ = huma.WriteErr(s.api, ctx, se.GetStatus(), se.Error(), problemDetails(se)...)
}

// problemDetails carries a problem's per-field errors over to huma.WriteErr, which
// builds the response anew.
func problemDetails(se huma.StatusError) []error {
	em, ok := se.(*huma.ErrorModel)
	if !ok {
		return nil
	}
	out := make([]error, 0, len(em.Errors))
	for _, d := range em.Errors {
		out = append(out, d)
	}
	return out
}

func isInvalidToken(err error) bool {
	for _, target := range []error{accounts.ErrTokenInvalid, accounts.ErrInvalidCredentials,
		accounts.ErrSessionExpired, accounts.ErrNotFound, accounts.ErrForbidden} {
		if errors.Is(err, target) {
			return true
		}
	}
	return false
}

func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	// A token is short and printable; anything else is not worth a database lookup.
	if token == "" || len(token) > 512 || strings.ContainsAny(token, " \t\r\n") {
		return "", false
	}
	return token, true
}

// userAgent makes the client's User-Agent fit for the audit trail: a header may carry
// any bytes, and PostgreSQL refuses text that is not UTF-8, which would fail the change
// being recorded.
func userAgent(ua string) string {
	ua = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, strings.ToValidUTF8(ua, ""))
	if r := []rune(ua); len(r) > 256 {
		ua = string(r[:256])
	}
	return ua
}

func readOnlyMethod(m string) bool {
	return slices.Contains([]string{http.MethodGet, http.MethodHead, http.MethodOptions}, m)
}

func clientIP(remoteAddr string) string {
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		return remoteAddr
	}
	return host
}
