// Package web serves hostpact's HTML: the public pages (sign-in, password reset), the
// staff back office under /staff/ and the customer portal under /portal/, server-rendered
// with html/template in Dutch and English. It also mounts the JSON API, health check and
// metrics handlers it is given.
//
// The web layer holds no business rules: every page asks the services, which check on
// the server what the signed-in principal may do. What this package adds is the HTTP
// side of security: session cookies, cross-origin protection, security headers, body
// limits, a per-IP rate limit on the sign-in forms, and the audit actor (who, from which
// address) in every request's context.
package web

import (
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/backup"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/compensation"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/disclosure"
	dnssvc "github.com/hostpact/hostpact/internal/dns"
	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/domains"
	"github.com/hostpact/hostpact/internal/dunning"
	"github.com/hostpact/hostpact/internal/monitor"
	"github.com/hostpact/hostpact/internal/newsletter"
	"github.com/hostpact/hostpact/internal/onetime"
	"github.com/hostpact/hostpact/internal/payments"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/signup"
	"github.com/hostpact/hostpact/internal/status"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/support"
	"github.com/hostpact/hostpact/internal/terms"
	"github.com/hostpact/hostpact/internal/usage"
)

// Config is the deployment's view of the web layer.
type Config struct {
	BaseURL       string // public URL, e.g. https://portal.example.nl
	Demo          bool   // demo mode: the staff app shows the outbox (/staff/mail)
	ProviderName  string // shown in the header and titles
	SecureCookies bool   // Secure cookies and HSTS: set when served over HTTPS
	// TrustedProxies lists the CIDRs of reverse proxies whose X-Forwarded-For header is
	// believed. Empty (the default): the client address is the TCP peer's, because a
	// header anyone can send must not decide IP allowlists, rate limits or the audit
	// trail.
	TrustedProxies []string
}

// Deps is what the web layer needs.
type Deps struct {
	DB       *store.DB
	Clock    clock.Clock
	Accounts *accounts.Service
	// Catalog, Contracts and Pack (the provider's terms) serve the catalog, ordering,
	// contracts and quotes pages; without them those pages are not mounted.
	Catalog   *catalog.Service
	Contracts *contracts.Service
	Pack      *terms.Pack
	// Billing serves the invoice pages of the portal and the staff app, and the
	// reports; Payments the online payments, bank statement import, the unmatched
	// queue, mandates, direct debits and the PSP webhooks; Dunning the dunning steps
	// on invoices. Without Billing none of these pages is mounted; without Payments
	// the payment pages are not. DemoPSP, when set, serves the demo payment provider's
	// checkout pages (/demo-psp/{id}) in this process.
	Billing  *billing.Service
	Payments *payments.Service
	Dunning  *dunning.Service
	DemoPSP  *payments.DemoProvider
	Logger   *slog.Logger
	API      http.Handler // mounted at /api/ when non-nil
	Metrics  http.Handler // served at /metrics when non-nil
	Config   Config

	// Documents serves the published documents (/terms, /privacy, …) and the staff
	// pages that publish them; without it those pages are not mounted.
	Documents *documents.Service

	// Status serves the public status page (/status, /status.json, /status/feed.atom,
	// subscriptions) and the staff incident and maintenance pages; without it those
	// pages are not mounted.
	Status *status.Service
	// Monitor serves the staff monitoring pages (servers, components, placements,
	// outages) and gives the incident and maintenance pages the servers to choose from
	// and the services placed on them; without it the monitoring pages are not mounted.
	Monitor *monitor.Service
	// Compensation serves the portal's availability pages and the staff SLA pages
	// (claims, corrections, exclusions, breaches); without it they are not mounted.
	Compensation *compensation.Service
	// Provision serves the staff provisioning pages (servers, queue, services) and the
	// portal's service pages; without it they are not mounted.
	Provision *provision.Service
	// Secrets serves the one-time secret links (/s/…) and the pages that make them;
	// without it they are not mounted.
	Secrets *onetime.Service
	// Privacy serves /subprocessors (and its Atom feed), the portal's privacy notices
	// and the staff privacy page; without it they are not mounted.
	Privacy *privacy.Service
	// Domains serves the staff and portal domain pages; without it they are not mounted.
	Domains *domains.Service
	// DNS serves the portal's and staff's DNS zone pages and the staff DNS server
	// pages; without it they are not mounted.
	DNS *dnssvc.Service
	// Backup serves the portal's and staff's backup pages; without it they are not
	// mounted.
	Backup *backup.Service
	// Support serves the ticket pages of staff and customers; without it they are not
	// mounted.
	Support *support.Service
	// Abuse serves the public notice form (/abuse), the staff desk and the portal's
	// notices; Disclosure the public report form (/security), security.txt and the
	// security desk's pages. SecurityContact is the address security.txt names.
	Abuse           *abuse.Service
	Disclosure      *disclosure.Service
	SecurityContact string
	// SecurityTxtSigner, when set, clear-signs security.txt (disclosure.Signer).
	SecurityTxtSigner interface {
		Sign(text []byte, now time.Time) ([]byte, error)
	}
	// Usage serves the portal's usage pages and the staff usage report; without it
	// they are not mounted.
	Usage *usage.Service
	// Newsletter serves the public sign-up, the one-click unsubscribe and preference
	// pages, the staff newsletter pages and the portal's own subscription, and adds the
	// opt-out box to the order; without it none of these is mounted.
	Newsletter *newsletter.Service
}

type server struct {
	db      *store.DB
	clock   clock.Clock
	acc     *accounts.Service
	catalog *catalog.Service
	con     *contracts.Service
	pack    *terms.Pack
	bill    *billing.Service
	pay     *payments.Service
	dun     *dunning.Service
	demoPSP *payments.DemoProvider
	docs    *documents.Service
	status  *status.Service
	mon     *monitor.Service
	comp    *compensation.Service
	prov    *provision.Service
	secrets *onetime.Service
	// secretLimit bounds reveals per client address, so a link cannot be guessed at.
	secretLimit *limiter
	priv        *privacy.Service
	domains     *domains.Service
	zones       *dnssvc.Service
	bk          *backup.Service
	sup         *support.Service
	abuse       *abuse.Service
	disc        *disclosure.Service
	// abuseLimit limits the public notice and report forms per address;
	// securityContact is the mail address of security.txt.
	abuseLimit      *limiter
	securityContact string
	securityTxtSign interface {
		Sign(text []byte, now time.Time) ([]byte, error)
	}
	usage *usage.Service
	// news runs the newsletter; newsLimit limits its sign-ups per e-mail address.
	news      *newsletter.Service
	newsLimit *limiter
	// statusCache holds the rendered public status page (status.go).
	statusCache *statusPages
	log         *slog.Logger
	cfg         Config
	api         http.Handler
	metrics     http.Handler
	pages       map[string]*template.Template // language → every page (render.go)
	proxies     []netip.Prefix
	limiter     *limiter
	admission   *admission
	// hooks limits the payment providers' webhooks per address: a provider sends a
	// few per payment, a flood is somebody else.
	hooks *limiter
	// signups runs the storefront's sign-ups; pow and signupLimit protect its form
	// (storefront.go).
	signups     *signup.Service
	pow         *powIssuer
	signupLimit *limiter
	origin      string // scheme://host of BaseURL, trusted by cross-origin protection
	assetVer    string // cache-busting suffix for static asset URLs
	// patterns lists the staff, portal and public document routes, so the tenant
	// isolation and guard tests can insist that every route taking an id is in a table.
	patterns []string
}

// New builds the web handler.
func New(d Deps) (http.Handler, error) {
	_, h, err := build(d)
	return h, err
}

func build(d Deps) (*server, http.Handler, error) {
	if d.DB == nil || d.Clock == nil || d.Accounts == nil {
		return nil, nil, errors.New("web: DB, Clock and Accounts are required")
	}
	s := &server{
		db: d.DB, clock: d.Clock, acc: d.Accounts, log: d.Logger, cfg: d.Config,
		catalog: d.Catalog, con: d.Contracts, pack: d.Pack,
		bill: d.Billing, pay: d.Payments, dun: d.Dunning, demoPSP: d.DemoPSP, docs: d.Documents, status: d.Status, mon: d.Monitor, comp: d.Compensation, prov: d.Provision, secrets: d.Secrets,
		priv: d.Privacy, domains: d.Domains, zones: d.DNS, bk: d.Backup, sup: d.Support,
		abuse: d.Abuse, disc: d.Disclosure, securityContact: d.SecurityContact, securityTxtSign: d.SecurityTxtSigner,
		usage: d.Usage, news: d.Newsletter,
		api: d.API, metrics: d.Metrics,
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.cfg.ProviderName == "" {
		s.cfg.ProviderName = "hostpact"
	}
	for _, c := range s.cfg.TrustedProxies {
		p, err := netip.ParsePrefix(strings.TrimSpace(c))
		if err != nil {
			return nil, nil, fmt.Errorf("web: trusted proxy %q: %w", c, err)
		}
		s.proxies = append(s.proxies, p.Masked())
	}
	if s.cfg.BaseURL != "" {
		u, err := url.Parse(s.cfg.BaseURL)
		if err != nil || u.Scheme == "" || u.Host == "" {
			return nil, nil, fmt.Errorf("web: base URL %q is not an absolute URL", s.cfg.BaseURL)
		}
		s.origin = u.Scheme + "://" + u.Host
	}
	// Ten attempts at once, then one every six seconds per address: enough for a person
	// who mistypes, too slow for guessing. The accounts service throttles per account
	// as well; this limit also covers /forgot, which must not become a mail cannon.
	s.limiter = newLimiter(d.Clock, 10, time.Minute/10)
	s.admission = newAdmission(admissionSlots(), admissionMaxWait)
	s.hooks = newLimiter(d.Clock, 60, time.Second)
	s.secretLimit = newLimiter(d.Clock, 20, time.Minute)
	// Five notices or reports at once from one address, then one every ten minutes.
	s.abuseLimit = newLimiter(d.Clock, 5, signupLimitEvery)
	s.newsLimit = newLimiter(d.Clock, 3, time.Hour/3)
	if s.contractsEnabled() {
		s.signups = signup.New(d.DB, d.Clock, d.Accounts, d.Contracts, signup.Config{BaseURL: s.cfg.BaseURL})
		s.pow = newPowIssuer(d.Clock, signupPowMax)
		s.signupLimit = newLimiter(d.Clock, 5, signupLimitEvery)
	}
	var err error
	if s.pages, err = languagePages(); err != nil {
		return nil, nil, err
	}
	s.assetVer = assetVersion()
	mux := http.NewServeMux()
	s.routes(mux)
	h, err := s.middleware(mux)
	return s, h, err
}

func (s *server) routes(mux *http.ServeMux) {
	mux.Handle("GET /static/", staticHandler())
	mux.HandleFunc("GET /healthz", s.healthz)
	if s.metrics != nil {
		mux.Handle("GET /metrics", s.metrics)
	}
	if s.api != nil {
		mux.Handle("/api/", s.api)
	}
	mux.HandleFunc("GET /{$}", s.home)
	if s.storefrontEnabled() {
		s.storefrontRoutes(mux)
	}
	s.statusRoutes(mux)
	mux.HandleFunc("POST /lang", s.setLanguage)

	mux.HandleFunc("GET /login", s.loginForm)
	mux.HandleFunc("POST /login", s.login)
	mux.Handle("GET /login/mfa", s.mfaPending(s.loginMFAForm))
	mux.Handle("POST /login/mfa", s.mfaPending(s.loginMFA))
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /forgot", s.forgotForm)
	mux.HandleFunc("POST /forgot", s.forgot)
	mux.HandleFunc("GET /reset", s.resetForm)
	mux.HandleFunc("POST /reset", s.reset)

	// Forced enrolment: a staff user without TOTP reaches nothing else.
	enrol := mfaFlow{base: "/mfa/enrol", done: "/"}
	mux.Handle("GET /mfa/enrol", s.mfaEnrolOnly(s.enrolIntro))
	mux.Handle("POST /mfa/enrol/begin", s.mfaEnrolOnly(s.mfaBegin(enrol)))
	mux.Handle("POST /mfa/enrol/confirm", s.mfaEnrolOnly(s.mfaConfirm(enrol)))

	staff := func(pattern string, h handlerFunc) {
		s.patterns = append(s.patterns, pattern)
		mux.Handle(pattern, s.staffOnly(h))
	}
	mux.Handle("GET /staff", http.RedirectHandler("/staff/", http.StatusMovedPermanently))
	staff("GET /staff/{$}", s.staffDashboard)
	staff("GET /staff/customers", s.staffCustomers)
	staff("GET /staff/customers/new", s.staffCustomerNew)
	staff("POST /staff/customers/new", s.staffCustomerCreate)
	staff("GET /staff/customers/{id}", s.staffCustomer)
	staff("GET /staff/customers/{id}/edit", s.staffCustomerEdit)
	staff("POST /staff/customers/{id}/edit", s.staffCustomerUpdate)
	staff("GET /staff/customers/{id}/disable", s.staffCustomerDisableConfirm(true))
	staff("POST /staff/customers/{id}/disable", s.staffCustomerSetDisabled(true))
	staff("GET /staff/customers/{id}/enable", s.staffCustomerDisableConfirm(false))
	staff("POST /staff/customers/{id}/enable", s.staffCustomerSetDisabled(false))
	staff("POST /staff/customers/{id}/notes", s.staffCustomerNote)
	staff("GET /staff/customers/{id}/users/new", s.staffCustomerUserNew)
	staff("POST /staff/customers/{id}/users/new", s.staffCustomerUserCreate)
	staff("GET /staff/users", s.staffUsers)
	staff("GET /staff/users/new", s.staffUserNew)
	staff("POST /staff/users/new", s.staffUserCreate)
	staff("GET /staff/users/{id}", s.staffUser)
	staff("POST /staff/users/{id}/access", s.staffUserAccess)
	staff("GET /staff/users/{id}/reset-mfa", s.resetMFAConfirm("/staff"))
	staff("POST /staff/users/{id}/reset-mfa", s.resetMFA("/staff"))
	staff("GET /staff/users/{id}/disable", s.userDisableConfirm("/staff", true))
	staff("POST /staff/users/{id}/disable", s.userSetDisabled("/staff", true))
	staff("GET /staff/users/{id}/enable", s.userDisableConfirm("/staff", false))
	staff("POST /staff/users/{id}/enable", s.userSetDisabled("/staff", false))
	staff("GET /staff/audit", s.staffAudit)
	staff("GET /staff/mail", s.staffMail)
	s.securityRoutes("/staff", staff)
	s.tokenRoutes("/staff", staff)

	portal := func(pattern string, h handlerFunc) {
		s.patterns = append(s.patterns, pattern)
		mux.Handle(pattern, s.portalOnly(h))
	}
	mux.Handle("GET /portal", http.RedirectHandler("/portal/", http.StatusMovedPermanently))
	portal("GET /portal/{$}", s.portalOverview)
	portal("GET /portal/profile", s.portalProfile)
	portal("POST /portal/profile", s.portalProfileUpdate)
	portal("GET /portal/users", s.portalUsers)
	portal("GET /portal/users/new", s.portalUserNew)
	portal("POST /portal/users/new", s.portalUserCreate)
	portal("GET /portal/users/{id}", s.portalUser)
	portal("POST /portal/users/{id}/permissions", s.portalUserPermissions)
	portal("GET /portal/users/{id}/reset-mfa", s.resetMFAConfirm("/portal"))
	portal("POST /portal/users/{id}/reset-mfa", s.resetMFA("/portal"))
	portal("GET /portal/users/{id}/disable", s.userDisableConfirm("/portal", true))
	portal("POST /portal/users/{id}/disable", s.userSetDisabled("/portal", true))
	portal("GET /portal/users/{id}/enable", s.userDisableConfirm("/portal", false))
	portal("POST /portal/users/{id}/enable", s.userSetDisabled("/portal", false))
	portal("GET /portal/allowlist", s.portalAllowlist)
	portal("POST /portal/allowlist", s.portalAllowlistUpdate)
	s.tokenRoutes("/portal", portal)
	portal("GET /portal/activity", s.portalActivity)
	s.securityRoutes("/portal", portal)
	s.resellerRoutes(portal)
	if s.contractsEnabled() {
		s.contractRoutes(staff, portal)
		s.cancelWithdrawRoutes(staff, portal)
	}
	if s.billingEnabled() {
		s.billingRoutes(mux, staff, portal)
	}
	if s.docs != nil {
		s.documentRoutes(mux, staff)
	}
	if s.mon != nil {
		s.monitorRoutes(staff)
	}
	s.statusStaffRoutes(staff)
	if s.comp != nil {
		s.slaRoutes(staff, portal)
	}
	if s.prov != nil {
		s.provisionStaffRoutes(staff)
		s.provisionPortalRoutes(portal)
	}
	if s.secrets != nil {
		s.secretRoutes(mux, staff, portal)
	}
	if s.priv != nil {
		s.privacyRoutes(mux, staff, portal)
		s.privacyStaffRoutes(staff)
		s.privacyRegisterRoutes(staff)
		s.privacyAuditRoutes(staff, portal)
	}
	if s.domains != nil {
		s.domainRoutes(staff, portal)
	}
	if s.zones != nil {
		s.dnsRoutes(staff, portal)
	}
	if s.bk != nil {
		s.backupRoutes(staff, portal)
	}
	if s.sup != nil {
		s.supportRoutes(staff, portal)
	}
	if s.abuse != nil {
		s.abusePublicRoutes(mux)
		s.abuseStaffRoutes(staff)
		s.abusePortalRoutes(portal)
	}
	if s.disc != nil {
		s.disclosureRoutes(mux, staff)
	}
	if s.usage != nil {
		s.usageRoutes(staff, portal)
	}
	if s.news != nil {
		s.newsletterPublicRoutes(mux)
		s.newsletterStaffRoutes(staff)
		s.newsletterPortalRoutes(portal)
	}
}

// securityRoutes registers the own-account pages that staff and customers share.
func (s *server) securityRoutes(base string, reg func(string, handlerFunc)) {
	flow := mfaFlow{base: base + "/mfa", done: base + "/security"}
	reg("GET "+base+"/security", s.security(base))
	reg("GET "+base+"/password", s.passwordForm(base))
	reg("POST "+base+"/password", s.changePassword(base))
	reg("GET "+base+"/logout-everywhere", s.logoutEverywhereConfirm(base))
	reg("POST "+base+"/logout-everywhere", s.logoutEverywhere)
	reg("POST "+base+"/mfa/begin", s.mfaBegin(flow))
	reg("POST "+base+"/mfa/confirm", s.mfaConfirm(flow))
	reg("GET "+base+"/mfa/disable", s.mfaDisableForm(base))
	reg("POST "+base+"/mfa/disable", s.mfaDisable(base))
}
