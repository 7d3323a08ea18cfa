package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
	"github.com/hostpact/hostpact/internal/contracts"
)

// The reseller's pages (cp.av.7.1): a reseller's admin user lists, creates and manages
// its own customers, and may act for one of them in the portal. The pages work with the
// reseller's own principal (Real), whatever the session acts for; every service call
// checks the customer's organisation with the reseller relation, so another reseller's
// customer, or a customer of the provider, is not found.

func (s *server) resellerRoutes(portal func(string, handlerFunc)) {
	portal("GET /portal/customers", s.resellerCustomers)
	portal("GET /portal/customers/new", s.resellerCustomerNew)
	portal("POST /portal/customers/new", s.resellerCustomerCreate)
	portal("GET /portal/customers/{id}", s.resellerCustomer)
	portal("GET /portal/customers/{id}/users/new", s.resellerUserNew)
	portal("POST /portal/customers/{id}/users/new", s.resellerUserCreate)
	portal("POST /portal/customers/{id}/act", s.resellerActStart)
	portal("POST /portal/act/stop", s.resellerActStop)
}

// IsResellerAdmin says whether the page shows the reseller's customer pages in the
// navigation: the service decides for real.
func (p *page) IsResellerAdmin() bool {
	return p.P != nil && !p.P.Acting() && resellerAdmin(*p.P)
}

// resellerAdmin says whether p's own organisation may have customers of its own.
func resellerAdmin(p accounts.Principal) bool {
	rp := p.Real()
	return rp.Org != nil && rp.Can(accounts.CustomerCreate, accounts.OrgRef{ResellerID: rp.Org.ID})
}

func (s *server) resellerCustomers(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	rp := p.Real()
	pg := s.newPage(w, r, "reseller.customers_title")
	q := r.URL.Query()
	v := customersView{Query: strings.TrimSpace(q.Get("q")), Kinds: kindOptions}
	if k := q.Get("kind"); k == string(accounts.Consumer) || k == string(accounts.Business) {
		v.Kind = k
	}
	if !resellerAdmin(rp) {
		return accounts.ErrNotFound
	}
	// Along organisations_reseller_name (issue 16).
	var err error
	if v.Orgs, v.Cursor, err = s.customerPage(r, rp, v.Query, v.Kind); err != nil {
		return err
	}
	v.Filtered = v.Query != "" || v.Kind != ""
	pg.Nav, pg.Data = "customers", v
	s.render(w, http.StatusOK, "reseller_customers", pg)
	return nil
}

// resellerOrgFieldsets is the staff's customer form without what only staff decide
// (whether it is a reseller, and whose customer it is: the reseller's own).
func resellerOrgFieldsets() []fieldset {
	var out []fieldset
	for _, fs := range orgFieldsets(true, true) {
		var keep []field
		for _, f := range fs.Fields {
			if f.Name != "is_reseller" && f.Name != "reseller_id" {
				keep = append(keep, f)
			}
		}
		fs.Fields = keep
		out = append(out, fs)
	}
	return out
}

func (s *server) resellerCustomerFormPage(w http.ResponseWriter, pg *page, status int) {
	pg.Nav = "customers"
	pg.Data = formView{Action: "/portal/customers/new", Sets: pg.useFields(resellerOrgFieldsets()...),
		Submit: "customer.create", Cancel: "/portal/customers"}
	s.render(w, status, "form", pg)
}

func (s *server) resellerCustomerNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "reseller.new_title")
	if !resellerAdmin(*p) {
		return accounts.ErrNotFound
	}
	pg.Form = newForm(nil)
	pg.Form.set("kind", string(accounts.Business))
	pg.Form.set("language", p.Real().Org.Language)
	pg.Form.set("postal_address.country", "NL")
	s.resellerCustomerFormPage(w, pg, http.StatusOK)
	return nil
}

func (s *server) resellerCustomerCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	rp := p.Real()
	pg := s.newPage(w, r, "reseller.new_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := orgInputFrom(f, pg.Lang)
	// The service makes the customer the reseller's own and refuses a reseller.
	in.IsReseller, in.ResellerID = false, 0
	var admin *accounts.UserInput
	if name, email := strings.TrimSpace(f.Get("admin.name")), strings.TrimSpace(f.Get("admin.email")); name != "" || email != "" {
		admin = &accounts.UserInput{Name: name, Email: email, Language: in.Language, OrgAdmin: true}
	}
	if len(f.Errors) == 0 {
		org, err := s.acc.CreateOrganisation(r.Context(), rp, in, admin)
		switch {
		case err == nil:
			s.flash(w, "customer_created")
			s.redirect(w, r, "/portal/customers/"+strconv.FormatInt(org.ID, 10))
			return nil
		case fieldErrors(f, err, adminRename):
		case errors.Is(err, accounts.ErrForbidden):
			return accounts.ErrNotFound
		default:
			return err
		}
	}
	s.resellerCustomerFormPage(w, pg, http.StatusUnprocessableEntity)
	return nil
}

type resellerCustomerView struct {
	Org       accounts.Organisation
	Users     []accounts.User
	Contracts []contracts.Contract
	Invoices  []billing.Invoice
	Shop      bool
	Billing   bool
	Acting    bool // the session acts for this customer now
}

// resellerOrg is the customer named in the path, as the reseller (never the customer
// it may be acting for) sees it.
func (s *server) resellerOrg(r *http.Request, p *accounts.Principal) (accounts.Principal, accounts.Organisation, error) {
	rp := p.Real()
	id, err := pathID(r)
	if err != nil {
		return rp, accounts.Organisation{}, err
	}
	// ActingPrincipal refuses anyone but this customer's reseller, so a customer's own
	// user (who may read its organisation) does not reach the reseller's pages either.
	ap, err := s.acc.ActingPrincipal(r.Context(), rp, id)
	switch {
	case errors.Is(err, accounts.ErrForbidden):
		// Staff or a disabled customer: the reseller's pages show only what the reseller
		// may read of it.
		org, gerr := s.acc.GetOrganisation(r.Context(), rp, id)
		if gerr != nil || org.ResellerID == 0 || org.ResellerID != rp.Org.ID {
			return rp, accounts.Organisation{}, accounts.ErrNotFound
		}
		return rp, org, nil
	case err != nil:
		return rp, accounts.Organisation{}, err
	}
	return ap, *ap.Org, nil
}

func (s *server) resellerCustomer(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	ap, org, err := s.resellerOrg(r, p)
	if err != nil {
		return err
	}
	rp := p.Real()
	v := resellerCustomerView{Org: org, Acting: p.Acting() && p.Org.ID == org.ID}
	if v.Users, err = s.acc.ListUsers(ctx, rp, org.ID); err != nil {
		return err
	}
	if ap.Acting() {
		if s.contractsEnabled() {
			v.Shop = true
			if v.Contracts, _, err = s.con.ListContracts(ctx, ap, contracts.ContractFilter{OrgID: org.ID}, contracts.Page{Limit: 10}); err != nil {
				return err
			}
		}
		if s.billingEnabled() {
			v.Billing = true
			if v.Invoices, _, err = s.bill.ListInvoices(ctx, ap, billing.InvoiceFilter{OrgID: org.ID}, billing.Page{Limit: 10}); err != nil {
				return err
			}
		}
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav, pg.Data = org.LegalName, "customers", v
	s.render(w, http.StatusOK, "reseller_customer", pg)
	return nil
}

func (s *server) resellerUserFormPage(w http.ResponseWriter, pg *page, org accounts.Organisation, status int) {
	base := "/portal/customers/" + strconv.FormatInt(org.ID, 10)
	pg.Title, pg.Nav = pg.T("user.new_for", org.LegalName), "customers"
	pg.Data = formView{Action: base + "/users/new", Sets: pg.useFields(userFieldsets(false, false)...),
		Submit: "user.create", Cancel: base}
	s.render(w, status, "form", pg)
}

func (s *server) resellerUserNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	_, org, err := s.resellerOrg(r, p)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Form = newForm(nil)
	pg.Form.set("language", org.Language)
	s.resellerUserFormPage(w, pg, org, http.StatusOK)
	return nil
}

func (s *server) resellerUserCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	_, org, err := s.resellerOrg(r, p)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := userInputFrom(f)
	// A reseller adds sub-users; the customer's admin user is made with the customer
	// (or by staff).
	in.OrgID, in.Roles, in.OrgAdmin = org.ID, nil, false
	if len(f.Errors) == 0 {
		_, err := s.acc.CreateUser(r.Context(), p.Real(), in)
		switch {
		case err == nil:
			s.flash(w, "user_created")
			s.redirect(w, r, "/portal/customers/"+strconv.FormatInt(org.ID, 10))
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	s.resellerUserFormPage(w, pg, org, http.StatusUnprocessableEntity)
	return nil
}

// resellerActStart puts the session in "act for this customer" mode and goes to the
// customer's portal home, or to its catalog to order for it.
func (s *server) resellerActStart(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := parseForm(r); err != nil {
		return err
	}
	if _, err := s.acc.StartActing(r.Context(), p.Real(), id); err != nil {
		return err
	}
	to := "/portal/"
	if r.PostForm.Get("next") == "order" && s.contractsEnabled() {
		to = "/portal/catalog"
	}
	s.flash(w, "acting_started")
	s.redirect(w, r, to)
	return nil
}

func (s *server) resellerActStop(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	to := "/portal/"
	if p.Acting() {
		to = "/portal/customers/" + strconv.FormatInt(p.Org.ID, 10)
	}
	if _, err := s.acc.StopActing(r.Context(), *p); err != nil {
		return err
	}
	s.flash(w, "acting_stopped")
	s.redirect(w, r, to)
	return nil
}
