package web

import (
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/onetime"
	"github.com/hostpact/hostpact/internal/provision"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// The portal's service pages (issue 13, "Staff and customers"): each service's state in
// plain words and what is happening to it, its connection details, the credentials
// shown once (issue 13: "until that exists, shown once in the portal after creation"),
// a credential reset, the service's own control panel where its driver has one, and a
// VPN's client configuration with its QR code. The provisioning service decides who may
// read (the organisation's users, its reseller) and who may see credentials (users with
// technical permission); these pages only hide buttons a person could not use.

func (s *server) provisionPortalRoutes(portal func(string, handlerFunc)) {
	portal("GET /portal/services", s.portalServices)
	portal("GET /portal/services/{id}", s.portalService)
	portal("POST /portal/services/{id}/credentials", s.portalServiceReveal)
	portal("GET /portal/services/{id}/reset", s.confirmGet(s.portalResetPage))
	portal("POST /portal/services/{id}/reset", s.confirmPost(s.portalResetPage, nil, s.portalReset))
	portal("POST /portal/services/{id}/panel", s.portalServicePanel)
}

// ServicesNav reports whether the portal offers the service pages.
func (p *page) ServicesNav() bool {
	return p.Provision && p.P != nil && p.P.Org != nil && p.P.Can(accounts.ServiceRead, p.P.Org.Ref())
}

func portalServiceBase(id int64) string { return "/portal/services/" + strconv.FormatInt(id, 10) }

type portalServicesView struct {
	Services []provision.ServiceView
}

func (s *server) portalServices(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	list, err := s.prov.Services(r.Context(), *p, p.Org.ID)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "svc.title")
	pg.Nav, pg.Data = "services", portalServicesView{Services: list}
	s.render(w, http.StatusOK, "portal_services", pg)
	return nil
}

// svcSensitive is one sensitive connection fact shown once; Config marks a WireGuard
// client configuration, shown as text and as a QR code for the phone app.
type svcSensitive struct {
	Label  string
	Value  string
	Config bool
	QR     template.HTML
}

type svcRevealed struct {
	Secret    string
	Sensitive []svcSensitive
	// Link, when set, holds the credentials instead of the page: the customer asked to
	// hand them over as a one-time link (cp.security.passwords.4).
	Link *onetime.Link
}

type portalServiceView struct {
	Service        provision.ServiceView
	Says           []string // the state in plain words, one paragraph each
	Overdue        bool     // suspended for non-payment: link to the invoices
	Doing          string   // what is happening now
	Delayed        bool     // a step failed or was refused: staff know
	Details        []provLabelled
	ContractID     int64
	MayCredentials bool
	CanReset       bool
	Panel          bool
	PanelURL       string
	Revealed       *svcRevealed
}

// portalServicePage renders a service's page; revealed and panelURL, when set, are
// shown this once (the answer to a POST, never a redirect target).
func (s *server) portalServicePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, id int64, revealed *svcRevealed, panelURL string) error {
	ctx := r.Context()
	sv, err := s.prov.Service(ctx, *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = sv.Name, "services"
	live := sv.State != provision.StateTerminated && sv.State != provision.StateDeleted
	v := portalServiceView{Service: sv, Details: detailRows(pg, sv.Details), Revealed: revealed, PanelURL: panelURL,
		MayCredentials: p.Can(accounts.ServiceCredentials, accounts.OrgID(sv.OrgID))}
	v.CanReset = v.MayCredentials && live && sv.ServerID != 0 && sv.State != provision.StatePending && sv.State != provision.StateProvisioning
	v.Panel = v.MayCredentials && sv.State == provision.StateActive && sv.Panel
	if sv.State == provision.StateSuspended {
		for _, reason := range sv.Reasons {
			key := "svc.reason." + string(reason)
			if !hasMessage(key) {
				key = "svc.reason." + string(driver.SuspendStaff)
			}
			v.Says = append(v.Says, pg.T(key))
			v.Overdue = v.Overdue || reason == driver.SuspendNonPayment
		}
	}
	if len(v.Says) == 0 {
		v.Says = []string{pg.T("svc.says." + string(sv.State))}
	}
	if t := sv.Task; t != nil {
		switch t.Status {
		case provision.TaskQueued, provision.TaskRunning:
			v.Doing = pg.T("svc.doing." + string(t.Op))
		case provision.TaskFailed, provision.TaskRefused:
			// The server's words are for staff; the customer hears that staff know.
			v.Doing, v.Delayed = pg.T("svc.doing."+string(t.Op)), true
		}
	}
	if s.con != nil {
		if sub, err := s.con.GetSubscription(ctx, *p, sv.SubscriptionID); err == nil {
			v.ContractID = sub.ContractID
		}
	}
	pg.Data = v
	s.render(w, http.StatusOK, "portal_service", pg)
	return nil
}

func (s *server) portalService(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.portalServicePage(w, r, p, id, nil, "")
}

// portalServiceReveal shows the credentials that wait to be shown, once: the service
// wipes them as it returns them, so the page that shows them is this POST's answer and
// is never cached (render sets no-store).
func (s *server) portalServiceReveal(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	sv, err := s.prov.Service(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if !sv.CredentialsReady {
		// Shown already (another tab, the back button): say so rather than fail.
		s.flash(w, "svc_creds_gone")
		s.redirect(w, r, portalServiceBase(id))
		return nil
	}
	c, err := s.prov.RevealCredentials(r.Context(), *p, id)
	if errors.Is(err, provision.ErrNothingToShow) {
		s.flash(w, "svc_creds_gone")
		s.redirect(w, r, portalServiceBase(id))
		return nil
	}
	if err != nil {
		return err
	}
	lang := s.language(r, p)
	if r.PostForm.Get("as") == "link" && s.secrets != nil {
		link, err := s.secrets.Create(r.Context(), *p, credentialsText(lang, c, detailRows(&page{Lang: lang}, c.Sensitive)), s.handOverLifetime())
		if err != nil {
			return err
		}
		return s.portalServicePage(w, r, p, id, &svcRevealed{Link: &link}, "")
	}
	rv := &svcRevealed{Secret: c.Secret}
	pg := &page{Lang: lang}
	for _, row := range detailRows(pg, c.Sensitive) {
		x := svcSensitive{Label: row.Label, Value: row.Value}
		if isWireGuardConfig(row.Value) {
			x.Config = true
			x.QR, _ = qrSVG(row.Value, translate(lang, "svc.vpn_qr_alt"))
		}
		rv.Sensitive = append(rv.Sensitive, x)
	}
	return s.portalServicePage(w, r, p, id, rv, "")
}

// credentialsText is what a hand-over link holds: the password and the sensitive facts,
// labelled in the reader's language.
func credentialsText(lang string, c provision.Credentials, rows []provLabelled) string {
	var b strings.Builder
	if c.Secret != "" {
		b.WriteString(translate(lang, "svc.password") + ": " + c.Secret + "\n")
	}
	for _, row := range rows {
		if strings.Contains(row.Value, "\n") {
			b.WriteString(row.Label + ":\n" + row.Value + "\n")
			continue
		}
		b.WriteString(row.Label + ": " + row.Value + "\n")
	}
	return b.String()
}

// handOverLifetime is a day, inside the pack's bounds for secret links.
func (s *server) handOverLifetime() time.Duration {
	lim := s.secrets.Limits()
	return min(max(24*time.Hour, lim.Shortest.Duration), lim.Longest.Duration)
}

// isWireGuardConfig recognises a WireGuard client configuration, whatever name its
// driver gives the fact.
func isWireGuardConfig(v string) bool { return strings.Contains(v, "[Interface]") }

func (s *server) portalResetPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	sv, err := s.prov.Service(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg.Title, pg.Nav = pg.T("svc.reset_title"), "services"
	name := sv.Name
	if sv.Domain != "" {
		name += " (" + sv.Domain + ")"
	}
	base := portalServiceBase(id)
	pg.Data = confirmView{Question: pg.T("svc.reset_question", name), Details: []string{pg.T("svc.reset_detail")},
		Action: base + "/reset", Submit: "svc.reset", Cancel: base, Danger: true}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) portalReset(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	if err := s.prov.ResetCredentials(r.Context(), *p, id); err != nil {
		if provRefused(f, err) {
			return "", "", nil
		}
		return "", "", err
	}
	return "svc_reset", portalServiceBase(id), nil
}

// portalServicePanel makes a short-lived login link into the service's own panel and
// shows it as a button on the service's page: a form may not send the browser to
// another site (the security headers' form-action 'self'), a link may.
func (s *server) portalServicePanel(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	link, err := s.prov.LoginURL(r.Context(), *p, id)
	switch {
	case err == nil:
	case errors.Is(err, accounts.ErrNotFound), errors.Is(err, accounts.ErrForbidden):
		return err
	default:
		// No panel, the service not running, or the panel's server not answering: the
		// customer can do nothing about any of them but try later.
		s.log.Warn("control panel login link", "service", id, "err", err)
		s.flash(w, "svc_panel_failed")
		s.redirect(w, r, portalServiceBase(id))
		return nil
	}
	if u, err := url.Parse(link); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
		// Only a web address becomes a link: a driver's javascript: or data: answer
		// never reaches the page.
		return errors.New("web: the panel's login link is not a web address")
	}
	return s.portalServicePage(w, r, p, id, nil, link)
}
