package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/domains"
)

// The domain pages (issue 14): staff see each domain's registry state, expiry, steps,
// history and the differences the synchronisation found, run a failed step again and
// redeem a domain from quarantine on the customer's request; customers see their
// domains in plain words, cancel or withdraw through the contract's cancellation,
// fetch the transfer token and give a new code when a transfer was refused. Anyone may
// ask whether a name is free before ordering. The domains service decides who may.

func (s *server) domainRoutes(staff, portal func(string, handlerFunc)) {
	staff("GET /staff/domains", s.staffDomains)
	staff("GET /staff/domains/registries", s.staffDomainRegistries)
	staff("GET /staff/domains/{id}", s.staffDomain)
	staff("GET /staff/domains/{id}/restore", s.confirmGet(s.domainRestorePage))
	staff("POST /staff/domains/{id}/restore", s.confirmPost(s.domainRestorePage, nil, s.domainRestore))
	staff("GET /staff/domains/operations/{id}/retry", s.confirmGet(s.domainRetryPage))
	staff("POST /staff/domains/operations/{id}/retry", s.confirmPost(s.domainRetryPage, nil, s.domainRetry))
	portal("GET /portal/domains", s.portalDomains)
	portal("GET /portal/domains/check", s.portalDomainCheck)
	portal("GET /portal/domains/{id}", s.portalDomain)
	portal("POST /portal/domains/{id}/token", s.portalDomainToken)
	portal("POST /portal/domains/{id}/transfer", s.portalDomainTransfer)
}

// DomainsNav reports whether the staff navigation offers the domain pages.
func (p *page) DomainsNav() bool {
	return p.Domains && p.P != nil && p.P.IsStaff() && p.P.Can(accounts.DomainRead, accounts.Provider)
}

// PortalDomainsNav reports whether the portal offers the domain pages.
func (p *page) PortalDomainsNav() bool {
	return p.Domains && p.P != nil && p.P.Org != nil && p.P.Can(accounts.DomainRead, p.P.Org.Ref())
}

const domainsPerPage = 50

type domainListView struct {
	Domains []domains.Domain
	States  []string
	State   string
	Search  string
	Next    string // the next page's query, empty on the last
}

func (s *server) domainList(r *http.Request, p *accounts.Principal, orgID int64) (domainListView, error) {
	q := r.URL.Query()
	f := domains.Filter{OrgID: orgID, State: q.Get("state"), Search: q.Get("q")}
	valid := f.State == ""
	for _, st := range domains.States {
		valid = valid || st == f.State
	}
	if !valid {
		f.State = ""
	}
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	list, more, err := s.domains.List(r.Context(), *p, f, before, domainsPerPage)
	if err != nil {
		return domainListView{}, err
	}
	v := domainListView{Domains: list, States: domains.States, State: f.State, Search: f.Search}
	if more && len(list) > 0 {
		nq := q
		nq.Set("before", strconv.FormatInt(list[len(list)-1].ID, 10))
		v.Next = nq.Encode()
	}
	return v, nil
}

func (s *server) staffDomains(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	v, err := s.domainList(r, p, 0)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "dom.title")
	pg.Nav, pg.Data = "domains", v
	s.render(w, http.StatusOK, "staff_domains", pg)
	return nil
}

type staffDomainView struct {
	domains.Detail
	Customer string
	CanAct   bool
}

func (s *server) staffDomain(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	d, err := s.domains.Get(r.Context(), *p, id)
	if err != nil {
		return err
	}
	v := staffDomainView{Detail: d, Customer: "#" + strconv.FormatInt(d.Domain.OrgID, 10), CanAct: p.Can(accounts.DomainManage, accounts.Provider)}
	if org, err := s.acc.GetOrganisation(r.Context(), *p, d.Domain.OrgID); err == nil {
		v.Customer = org.LegalName
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav, pg.Data = d.Domain.Name, "domains", v
	s.render(w, http.StatusOK, "staff_domain", pg)
	return nil
}

func (s *server) staffDomainRegistries(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	cs, err := s.domains.Connections(r.Context(), *p)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "dom.registries")
	pg.Nav, pg.Data = "domains", cs
	s.render(w, http.StatusOK, "staff_domain_registries", pg)
	return nil
}

func (s *server) domainRestorePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	d, err := s.domains.Get(r.Context(), *p, id)
	if err != nil {
		return err
	}
	base := "/staff/domains/" + strconv.FormatInt(id, 10)
	pg.Title, pg.Nav = pg.T("dom.restore_title"), "domains"
	v := confirmView{Question: pg.T("dom.restore_question", d.Domain.Name), Action: base + "/restore", Submit: "dom.restore", Cancel: base, Danger: true,
		Details: []string{pg.T("dom.restore_detail")}}
	v.Sets = pg.useFields(fieldset{Fields: []field{{Name: "request", Label: "dom.f.request", Type: "textarea", Required: true, Max: 2000, Wide: true, Hint: "dom.f.request_hint"}}})
	pg.Data = v
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) domainRestore(r *http.Request, p *accounts.Principal, _ *page, f *form, id int64) (string, string, error) {
	if _, err := s.domains.Restore(r.Context(), *p, id, f.Get("request")); err != nil {
		return "", "", err
	}
	return "flash.dom_restore_queued", "/staff/domains/" + strconv.FormatInt(id, 10), nil
}

func (s *server) domainRetryPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	if !p.Can(accounts.DomainManage, accounts.Provider) {
		return accounts.ErrForbidden
	}
	pg.Title, pg.Nav = pg.T("dom.retry_title"), "domains"
	pg.Data = confirmView{Question: pg.T("dom.retry_question"), Action: "/staff/domains/operations/" + strconv.FormatInt(id, 10) + "/retry",
		Submit: "dom.retry", Cancel: "/staff/domains", Details: []string{pg.T("dom.retry_safe")}}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) domainRetry(r *http.Request, p *accounts.Principal, _ *page, _ *form, id int64) (string, string, error) {
	op, err := s.domains.RunAgain(r.Context(), *p, id)
	if err != nil {
		return "", "", err
	}
	return "flash.dom_retry_queued", "/staff/domains/" + strconv.FormatInt(op.DomainID, 10), nil
}

func (s *server) portalDomains(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	v, err := s.domainList(r, p, p.Org.ID)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "dom.portal_title")
	pg.Nav, pg.Data = "domains", v
	s.render(w, http.StatusOK, "portal_domains", pg)
	return nil
}

type portalDomainView struct {
	domains.Detail
	Says       string
	Token      string
	MayToken   bool
	ContractID int64
	Cancelled  bool
	Retry      bool
}

func (s *server) portalDomainPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, id int64, token string, status int) error {
	d, err := s.domains.Get(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = d.Domain.Name, "domains"
	v := portalDomainView{Detail: d, Says: pg.T(domains.PlainState(d.Domain.State)), Token: token,
		MayToken: p.Can(accounts.DomainTransferToken, accounts.OrgID(d.Domain.OrgID)) && (d.Domain.State == domains.StateActive || d.Domain.State == domains.StateScheduledDelete),
		Retry:    d.Domain.State == domains.StateTransferFailed}
	if d.Domain.State == domains.StateScheduledDelete {
		v.Says = pg.T(domains.PlainState(d.Domain.State), d.Domain.DeleteOn.String())
	}
	if s.con != nil {
		if sub, err := s.con.GetSubscription(r.Context(), *p, d.Domain.SubscriptionID); err == nil {
			v.ContractID, v.Cancelled = sub.ContractID, !sub.EndsOn.IsZero()
		}
	}
	if pg.Form == nil {
		pg.Form = &form{Values: map[string][]string{}, Errors: map[string]string{}}
	}
	pg.Data = v
	s.render(w, status, "portal_domain", pg)
	return nil
}

func (s *server) portalDomain(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.portalDomainPage(w, r, p, id, "", http.StatusOK)
}

// portalDomainToken shows the transfer token as this POST's answer (never in a URL).
func (s *server) portalDomainToken(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	tok, err := s.domains.TransferToken(r.Context(), *p, id)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	return s.portalDomainPage(w, r, p, id, tok, http.StatusOK)
}

func (s *server) portalDomainTransfer(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	_, err = s.domains.RetryTransfer(r.Context(), *p, id, r.PostForm.Get("auth_code"))
	var fe accounts.FieldErrors
	if errors.As(err, &fe) {
		s.flash(w, "dom_transfer_refused")
		s.redirect(w, r, "/portal/domains/"+strconv.FormatInt(id, 10))
		return nil
	}
	if err != nil {
		return err
	}
	s.flash(w, "dom_transfer_queued")
	s.redirect(w, r, "/portal/domains/"+strconv.FormatInt(id, 10))
	return nil
}

type domainCheckView struct {
	Name      string
	Checked   bool
	Available bool
	Problem   string
}

// portalDomainCheck tells whether a name is free before the customer orders it.
func (s *server) portalDomainCheck(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "dom.check_title")
	pg.Nav = "domains"
	v := domainCheckView{Name: strings.TrimSpace(r.URL.Query().Get("name"))}
	if v.Name != "" {
		a, err := s.domains.Availability(r.Context(), v.Name)
		var fe accounts.FieldErrors
		switch {
		case errors.As(err, &fe):
			v.Problem = pg.T("domains.name_invalid")
		case errors.Is(err, domains.ErrNoRegistry):
			v.Problem = pg.T("dom.check_no_registry")
		case err != nil:
			v.Problem = pg.T("domains.registry_unreachable_order")
		default:
			v.Checked, v.Available = true, a.Available
		}
	}
	pg.Data = v
	s.render(w, http.StatusOK, "portal_domain_check", pg)
	return nil
}
