package web

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/terms"
)

// contractRoutes registers the catalog, ordering, contract and quote pages of the
// portal and the staff app. The contracts service decides every permission; a
// customer names contracts, subscriptions and quotes by id only, and another
// organisation's ids answer "not found".
func (s *server) contractRoutes(staff, portal func(string, handlerFunc)) {
	portal("GET /portal/catalog", s.portalCatalog)
	portal("GET /portal/order/{plan}", s.portalOrder)
	portal("POST /portal/order/{plan}", s.portalOrderPlace)
	portal("GET /portal/contracts", s.portalContracts)
	portal("GET /portal/contracts/{id}", s.portalContract)
	portal("GET /portal/contracts/{id}/withdraw", s.portalWithdrawPreview)
	portal("POST /portal/contracts/{id}/withdraw", s.portalWithdrawConfirm)
	portal("GET /portal/subscriptions/{id}/cancel", s.portalCancelPreview)
	portal("POST /portal/subscriptions/{id}/cancel", s.portalCancelConfirm)
	portal("GET /portal/subscriptions/{id}/cancelled", s.portalCancelled)
	portal("GET /portal/quotes", s.portalQuotes)
	portal("GET /portal/quotes/{id}", s.portalQuote)
	portal("GET /portal/quotes/{id}/pdf", s.quotePDF)
	portal("POST /portal/quotes/{id}/accept", s.portalQuoteAccept)
	portal("GET /portal/quotes/{id}/decline", s.portalQuoteDeclineConfirm)
	portal("POST /portal/quotes/{id}/decline", s.portalQuoteDecline)
	portal("GET /portal/terms/{version}/object", s.portalTermsObjectForm)
	portal("POST /portal/terms/{version}/object", s.portalTermsObject)
	s.staffContractRoutes(staff)
}

// ---- catalog ----

type planRow struct {
	Plan    catalog.Plan
	Incl    terms.Money // price incl. Dutch VAT
	VATRate terms.Rate
}

type productRow struct {
	Product catalog.Product
	Plans   []planRow
}

type catalogView struct {
	Products []productRow
	Staff    bool
}

// planRows adds the price incl. VAT at the Dutch rate of each plan's category, as the
// terms set it today; the checkout computes the customer's exact VAT.
func (s *server) planRows(plans []catalog.Plan) ([]planRow, error) {
	today := s.today()
	pol, err := s.pack.At(today)
	if err != nil {
		return nil, err
	}
	out := make([]planRow, len(plans))
	for i, pl := range plans {
		out[i] = planRow{Plan: pl, Incl: pl.Price}
		if rate, _, err := pol.VATRate("NL", pl.VATCategory, today); err == nil {
			out[i].VATRate, out[i].Incl = rate, pl.Price+terms.VATAmount(pl.Price, rate)
		}
	}
	return out, nil
}

func (s *server) catalogRows(r *http.Request, activeOnly bool) ([]productRow, error) {
	ctx := r.Context()
	products, err := s.catalog.ListProducts(ctx, s.pack.Name, activeOnly)
	if err != nil {
		return nil, err
	}
	plans, err := s.catalog.ListPlans(ctx, catalog.PlanFilter{Pack: s.pack.Name, ActiveOnly: activeOnly})
	if err != nil {
		return nil, err
	}
	rows, err := s.planRows(plans)
	if err != nil {
		return nil, err
	}
	out := make([]productRow, 0, len(products))
	for _, pr := range products {
		row := productRow{Product: pr}
		for _, pl := range rows {
			if pl.Plan.ProductID == pr.ID {
				row.Plans = append(row.Plans, pl)
			}
		}
		if len(row.Plans) > 0 || !activeOnly {
			out = append(out, row)
		}
	}
	return out, nil
}

func (s *server) portalCatalog(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	rows, err := s.catalogRows(r, true)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "catalog.title")
	pg.Nav, pg.Data = "catalog", catalogView{Products: rows}
	s.render(w, http.StatusOK, "catalog", pg)
	return nil
}

// ---- ordering ----

type orderView struct {
	Plan      planRow
	Checkout  contracts.Checkout
	Example   bool // priced with an example domain name: the customer has not given one
	Consumer  bool
	Waivable  bool
	Action    string
	Sets      []fieldset
	AcceptErr string
	// TermsClauses are the clauses of the published terms the cancellation rests on,
	// linked to their paragraph (empty without published documents).
	TermsClauses []string
}

func planParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("plan"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadID
	}
	return id, nil
}

// orderPlan returns an orderable plan of the provider's catalog.
func (s *server) orderPlan(r *http.Request) (planRow, error) {
	id, err := planParam(r)
	if err != nil {
		return planRow{}, err
	}
	pl, err := s.catalog.GetPlan(r.Context(), id)
	if err != nil {
		return planRow{}, err
	}
	if pl.Pack != s.pack.Name || !pl.Active {
		return planRow{}, accounts.ErrNotFound
	}
	rows, err := s.planRows([]catalog.Plan{pl})
	if err != nil {
		return planRow{}, err
	}
	return rows[0], nil
}

// orderRename puts the service's errors about the one order line on the form's fields.
var orderRename = map[string]string{
	"lines[0].domain": "domain", "lines[0].waive_withdrawal": "waive_withdrawal", "lines[0].quantity": "domain",
	"terms_version": "accept_terms", "lines[0].plan_id": "plan", "lines": "plan",
}

// orderPage prices the order with the service's Checkout and shows the form. A domain
// plan is priced with an example name until the customer gives one: the price does not
// depend on the name.
func (s *server) orderPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, pl planRow, status int) error {
	domain := strings.TrimSpace(pg.Form.Get("domain"))
	v := orderView{Plan: pl, Action: "/portal/order/" + strconv.FormatInt(pl.Plan.ID, 10)}
	if pl.Plan.TLD != "" && (domain == "" || pg.Form.Err("domain") != "") {
		domain, v.Example = "voorbeeld."+pl.Plan.TLD, true
	}
	co, err := s.con.Checkout(r.Context(), *p, contracts.CheckoutInput{OrgID: p.Org.ID,
		Lines: []contracts.OrderLine{{PlanID: pl.Plan.ID, Quantity: 1, Domain: domain}}})
	var fe accounts.FieldErrors
	if errors.As(err, &fe) {
		// The name typed is not valid: price the example and keep the message.
		fieldErrors(pg.Form, err, orderRename)
		domain, v.Example = "", false
		if pl.Plan.TLD != "" {
			domain, v.Example = "voorbeeld."+pl.Plan.TLD, true
		}
		co, err = s.con.Checkout(r.Context(), *p, contracts.CheckoutInput{OrgID: p.Org.ID,
			Lines: []contracts.OrderLine{{PlanID: pl.Plan.ID, Quantity: 1, Domain: domain}}})
	}
	if err != nil {
		return err
	}
	v.Checkout, v.Consumer = co, co.CustomerKind == terms.Consumer
	v.Waivable = len(co.Lines) == 1 && co.Lines[0].WaiverAvailable
	details := []field{}
	if pl.Plan.TLD != "" {
		details = append(details, field{Name: "domain", Label: "order.domain", Type: "text", Required: true, Max: 253,
			Hint: "order.domain_register", Auto: "off"})
		details = append(details, s.orderTransferField(pl)...)
	} else {
		details = append(details, field{Name: "domain", Label: "order.hostname", Type: "text", Max: 253, Hint: "order.hostname_hint", Auto: "off"})
	}
	if v.Waivable {
		details = append(details, field{Name: "waive_withdrawal", Label: "order.waive", Type: "checkbox", Hint: "order.waive_hint"})
	} else if v.Consumer && co.Withdrawal != nil {
		details = append(details, field{Name: "express_start", Label: "order.express", Type: "checkbox", Hint: "order.express_hint"})
	}
	v.Sets = pg.useFields(fieldset{Fields: details})
	if s.docs != nil {
		for _, st := range co.Cancellation {
			for c := range strings.SplitSeq(st.Clause, ",") {
				if c = strings.TrimSpace(c); c != "" && !slices.Contains(v.TermsClauses, c) {
					v.TermsClauses = append(v.TermsClauses, c)
				}
			}
		}
	}
	// The acceptance box is drawn by the page (its label names the version); it is
	// registered here so the error summary links to it.
	pg.useFields(fieldset{Fields: []field{{Name: "accept_terms", Label: "order.accept_label"}}})
	pg.Form.set("terms_version", co.TermsVersion)
	if pg.Form.Get("idempotency_key") == "" {
		pg.Form.set("idempotency_key", newKey())
	}
	pg.Nav, pg.Data = "catalog", v
	pg.Title = pg.T("order.title", pl.Plan.Label())
	s.render(w, status, "order", pg)
	return nil
}

func (s *server) portalOrder(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pl, err := s.orderPlan(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Form = newForm(nil)
	pg.Form.lang = pg.Lang
	return s.orderPage(w, r, p, pg, pl, http.StatusOK)
}

func (s *server) portalOrderPlace(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pl, err := s.orderPlan(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	if f.Get("accept_terms") == "" {
		f.Errors["accept_terms"] = pg.T("order.accept_required")
	}
	if len(f.Errors) == 0 {
		s.orderTransferRequest(r, p, pl, f)
	}
	if len(f.Errors) == 0 {
		c, err := s.con.PlaceOrder(r.Context(), *p, contracts.OrderInput{
			OrgID: p.Org.ID,
			Lines: []contracts.OrderLine{{PlanID: pl.Plan.ID, Quantity: 1, Domain: strings.TrimSpace(f.Get("domain")),
				WaiveWithdrawal: f.Get("waive_withdrawal") != ""}},
			TermsVersion: f.Get("terms_version"), AcceptTerms: true, ExpressStart: f.Get("express_start") != "",
			IdempotencyKey: f.Get("idempotency_key"), IP: info(r.Context()).ip, UserAgent: truncate(r.UserAgent(), maxUserAgent),
		})
		switch {
		case err == nil:
			// Telecommunicatiewet art. 11.7: the soft opt-in of the order, or the box
			// below the terms that says no (cp.privacy.newsletter.1, conflict A15).
			s.newsletterAtOrder(r, p, f.Get("no_newsletter") != "", "contract "+strconv.FormatInt(c.ID, 10))
			s.flash(w, "order_placed")
			s.redirect(w, r, "/portal/contracts/"+strconv.FormatInt(c.ID, 10))
			return nil
		case fieldErrors(f, err, orderRename):
		default:
			return err
		}
	}
	return s.orderPage(w, r, p, pg, pl, http.StatusUnprocessableEntity)
}

// ---- contracts ----

type contractsView struct {
	Contracts []contracts.Contract
	Cursor    cursor
	Status    string
	Statuses  []option
	Filtered  bool
	Base      string
	Customer  string // staff: the customer filter
}

var contractStatusOptions = []option{
	{Value: contracts.ContractActive, Label: "contract.status.active"},
	{Value: contracts.ContractEnded, Label: "contract.status.ended"},
	{Value: contracts.ContractWithdrawn, Label: "contract.status.withdrawn"},
}

// listBefore reads the keyset cursor of a newest-first list (?before=ID).
func listBefore(r *http.Request) int64 {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	return max(before, 0)
}

// contractsPage lists contracts for staff (every customer's, or one customer's) and
// customers (their own) with one call of the service.
func (s *server) contractsPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, v contractsView, orgID int64) error {
	// By keyset, without a count (issue 16).
	cs, err := s.con.ListContractsBefore(r.Context(), *p, contracts.ContractFilter{OrgID: orgID, Status: v.Status}, listBefore(r), perPage+1)
	if err != nil {
		return err
	}
	more := len(cs) > perPage
	cs = cs[:min(len(cs), perPage)]
	var last int64
	if len(cs) > 0 {
		last = cs[len(cs)-1].ID
	}
	v.Contracts, v.Cursor = cs, newCursor(r, "before", more, last)
	pg := s.newPage(w, r, "contracts.title")
	pg.Nav, pg.Data = "contracts", v
	s.render(w, http.StatusOK, "contracts", pg)
	return nil
}

func statusParam(r *http.Request, opts []option) string {
	v := r.URL.Query().Get("status")
	for _, o := range opts {
		if o.Value == v {
			return v
		}
	}
	return ""
}

func (s *server) portalContracts(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	v := contractsView{Status: statusParam(r, contractStatusOptions), Statuses: contractStatusOptions, Base: "/portal"}
	v.Filtered = v.Status != ""
	return s.contractsPage(w, r, p, v, p.Org.ID)
}

// subRow is a subscription with its next cancellation: when a cancellation received
// today would end it, the deadline for that, and why.
type subRow struct {
	Sub       contracts.Subscription
	Next      *contracts.CancellationPreview
	CanCancel bool
	// CanUncancel: a cancellation this user may still withdraw (cancel_withdraw.go).
	CanUncancel bool
	Plans       []option // staff: other plans of the same product
	// Service is the subscription's service on a server (0: none), State its state.
	Service int64
	State   string
}

type contractView struct {
	Contract    contracts.Contract
	Subs        []subRow
	Base        string
	CanWithdraw bool
	Org         *accounts.Organisation
	NewTerms    []newTerms // portal: published versions not yet in force
}

// newTerms is a published version of the terms that has not yet taken effect, with
// what the customer may do about it: object (where the terms provide for objection,
// fo.av.22.3) or end its services as of the day it takes effect (cp.av.18.3).
type newTerms struct {
	Version contracts.TermsVersion
	Object  bool     // the objection form is open to this user
	Ends    []subRow // the services this user may end because of it
}

// pendingTerms lists the versions of the terms announced but not yet in force, for a
// running contract; the links offered depend on the terms and on what the user may
// do (a service it may cancel, it may also end or object for).
func (s *server) pendingTerms(r *http.Request, p *accounts.Principal, v contractView) ([]newTerms, error) {
	if v.Contract.Status != contracts.ContractActive {
		return nil, nil
	}
	versions, err := s.con.ListTermsVersions(r.Context(), *p)
	if err != nil {
		return nil, err
	}
	today := s.today()
	var cancellable []subRow
	for _, row := range v.Subs {
		if row.CanCancel {
			cancellable = append(cancellable, row)
		}
	}
	var out []newTerms
	for _, tv := range versions {
		if !today.Before(tv.EffectiveOn) {
			continue
		}
		nt := newTerms{Version: tv}
		if !tv.ObjectionBy.IsZero() {
			nt.Object = len(cancellable) > 0 && !today.After(tv.ObjectionBy)
		} else {
			nt.Ends = cancellable
		}
		out = append(out, nt)
	}
	return out, nil
}

func (s *server) contractView(r *http.Request, p *accounts.Principal, c contracts.Contract, base string) (contractView, error) {
	v := contractView{Contract: c, Base: base}
	running := 0
	for _, sub := range c.Subscriptions {
		row := subRow{Sub: sub, CanUncancel: s.mayWithdrawCancellation(p, sub)}
		if sub.Status != contracts.SubEnded {
			running++
		}
		if sub.Status != contracts.SubEnded && sub.EndsOn.IsZero() && sub.Billing == catalog.Subscription {
			prev, err := s.con.PreviewCancellation(r.Context(), *p, sub.ID, contracts.CancelInput{})
			var fe accounts.FieldErrors
			switch {
			case err == nil:
				row.Next, row.CanCancel = &prev, true
			case errors.Is(err, accounts.ErrForbidden), errors.As(err, &fe):
				// A read-only user sees no preview; a service that cannot be cancelled
				// shows its status.
			default:
				return contractView{}, err
			}
		}
		v.Subs = append(v.Subs, row)
	}
	rows := make([]serviceRow, len(v.Subs))
	for i, row := range v.Subs {
		rows[i].Sub = row.Sub
	}
	if err := s.linkServices(r.Context(), p, c.OrgID, rows); err != nil {
		return contractView{}, err
	}
	for i := range rows {
		v.Subs[i].Service, v.Subs[i].State = rows[i].Service, rows[i].State
	}
	v.CanWithdraw = c.CustomerKind == terms.Consumer && c.WithdrawalInfo != "" && c.Status == contracts.ContractActive && running > 0
	return v, nil
}

func (s *server) portalContract(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	c, err := s.con.GetContract(r.Context(), *p, id)
	if err != nil {
		return err
	}
	v, err := s.contractView(r, p, c, "/portal")
	if err != nil {
		return err
	}
	if v.NewTerms, err = s.pendingTerms(r, p, v); err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav, pg.Data = pg.T("contract.title", c.ID), "contracts", v
	pg.ExplainDocs = s.contractDocs(r.Context(), c.ID, pg.Lang, pg.Today)
	s.render(w, http.StatusOK, "contract", pg)
	return nil
}

// ---- cancellation ----

type cancelView struct {
	Sub      contracts.Subscription
	Preview  contracts.CancellationPreview
	Action   string
	Back     string
	Basis    string
	BasisID  int64
	Received string // staff: the moment entered
}

// cancelInput reads the basis of a cancellation (a price increase, a change of terms)
// from the query or the form; the service checks that it applies.
func cancelInput(basis, basisID string) contracts.CancelInput {
	in := contracts.CancelInput{}
	switch basis {
	case contracts.BasisPriceIncrease, contracts.BasisTermsChange, contracts.BasisForceMajeure:
		in.Basis = basis
		in.BasisID, _ = strconv.ParseInt(basisID, 10, 64)
	}
	return in
}

func (s *server) cancelPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, in contracts.CancelInput, status int) error {
	ctx := r.Context()
	sub, err := s.con.GetSubscription(ctx, *p, id)
	if err != nil {
		return err
	}
	prev, err := s.con.PreviewCancellation(ctx, *p, id, in)
	if err != nil {
		return err
	}
	pg.Title, pg.Nav = pg.T("cancel.title", serviceName(sub)), "contracts"
	pg.Data = cancelView{Sub: sub, Preview: prev, Action: "/portal/subscriptions/" + strconv.FormatInt(id, 10) + "/cancel",
		Back: "/portal/contracts/" + strconv.FormatInt(sub.ContractID, 10), Basis: in.Basis, BasisID: in.BasisID}
	pg.ExplainDocs = s.contractDocs(ctx, sub.ContractID, pg.Lang, pg.Today)
	s.render(w, status, "cancel", pg)
	return nil
}

func serviceName(sub contracts.Subscription) string {
	if sub.Domain != "" {
		return sub.Name + " (" + sub.Domain + ")"
	}
	return sub.Name
}

func (s *server) portalCancelPreview(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	return s.cancelPage(w, r, p, s.newPage(w, r, ""), id, cancelInput(q.Get("basis"), q.Get("basis_id")), http.StatusOK)
}

func (s *server) portalCancelConfirm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := cancelInput(f.Get("basis"), f.Get("basis_id"))
	in.ExpectEndsOn = parseDate(f, "expect_ends_on")
	if len(f.Errors) == 0 {
		_, err := s.con.ConfirmCancellation(r.Context(), *p, id, in)
		var fe accounts.FieldErrors
		switch {
		case err == nil:
			s.redirect(w, r, "/portal/subscriptions/"+strconv.FormatInt(id, 10)+"/cancelled")
			return nil
		case errors.As(err, &fe):
			for _, msg := range fe {
				f.General = append(f.General, say(pg.Lang, msg))
			}
		default:
			return err
		}
	}
	return s.cancelPage(w, r, p, pg, id, in, http.StatusUnprocessableEntity)
}

// portalCancelled confirms a cancellation with the end date that was recorded.
func (s *server) portalCancelled(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	sub, err := s.con.GetSubscription(r.Context(), *p, id)
	if err != nil {
		return err
	}
	back := "/portal/contracts/" + strconv.FormatInt(sub.ContractID, 10)
	if sub.EndsOn.IsZero() {
		s.redirect(w, r, back)
		return nil
	}
	pg := s.newPage(w, r, "cancelled.title")
	pg.Nav = "contracts"
	pg.Data = messageView{Lines: []string{pg.T("cancelled.body", serviceName(sub), pg.Date(sub.EndsOn)), pg.T("cancelled.mail")},
		Links: []link{{URL: back, Label: pg.T("cancelled.back")}}}
	s.render(w, http.StatusOK, "cancelled", pg)
	return nil
}

// ---- withdrawal ----

type withdrawView struct {
	Contract   contracts.Contract
	Withdrawal contracts.Withdrawal
	Action     string
	Back       string
	Staff      bool
	Sets       []fieldset
}

func (s *server) portalWithdrawPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	ctx := r.Context()
	c, err := s.con.GetContract(ctx, *p, id)
	if err != nil {
		return err
	}
	wd, err := s.con.PreviewWithdrawal(ctx, *p, id, contracts.WithdrawalInput{})
	if err != nil {
		return err
	}
	base := "/portal/contracts/" + strconv.FormatInt(id, 10)
	pg.Title, pg.Nav = pg.T("withdraw.title", c.ID), "contracts"
	pg.Data = withdrawView{Contract: c, Withdrawal: wd, Action: base + "/withdraw", Back: base}
	pg.ExplainDocs = s.contractDocs(ctx, c.ID, pg.Lang, pg.Today)
	s.render(w, status, "withdraw", pg)
	return nil
}

func (s *server) portalWithdrawPreview(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.portalWithdrawPage(w, r, p, s.newPage(w, r, ""), id, http.StatusOK)
}

func (s *server) portalWithdrawConfirm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	wd, err := s.con.ConfirmWithdrawal(r.Context(), *p, id)
	var fe accounts.FieldErrors
	switch {
	case err == nil:
		s.flash(w, "withdrawal_"+wd.Status)
		s.redirect(w, r, "/portal/contracts/"+strconv.FormatInt(id, 10))
		return nil
	case errors.As(err, &fe):
		pg := s.newPage(w, r, "")
		pg.Form = newForm(nil)
		for _, msg := range fe {
			pg.Form.General = append(pg.Form.General, say(pg.Lang, msg))
		}
		return s.portalWithdrawPage(w, r, p, pg, id, http.StatusUnprocessableEntity)
	default:
		return err
	}
}

// ---- quotes ----

type quotesView struct {
	Quotes   []contracts.Quote
	Cursor   cursor
	Status   string
	Statuses []option
	Filtered bool
	Base     string
	Customer string
	Orgs     map[int64]string
}

var quoteStatusOptions = []option{
	{Value: contracts.QuoteDraft, Label: "quote.status.draft"},
	{Value: contracts.QuoteSent, Label: "quote.status.sent"},
	{Value: contracts.QuoteAccepted, Label: "quote.status.accepted"},
	{Value: contracts.QuoteDeclined, Label: "quote.status.declined"},
}

// quotesPage lists quotes for staff (every customer's, drafts included, or one
// customer's) and customers (those sent to them) with one call of the service; staff
// see the customers' names.
func (s *server) quotesPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, v quotesView, orgID int64) error {
	// By keyset, without a count (issue 16).
	qs, err := s.con.ListQuotesBefore(r.Context(), *p, contracts.QuoteFilter{OrgID: orgID, Status: v.Status}, listBefore(r), perPage+1)
	if err != nil {
		return err
	}
	more := len(qs) > perPage
	qs = qs[:min(len(qs), perPage)]
	var last int64
	if len(qs) > 0 {
		last = qs[len(qs)-1].ID
	}
	v.Quotes, v.Cursor = qs, newCursor(r, "before", more, last)
	pg := s.newPage(w, r, "quotes.title")
	if p.IsStaff() {
		v.Orgs = map[int64]string{}
		for _, q := range qs {
			if _, ok := v.Orgs[q.OrgID]; ok {
				continue
			}
			v.Orgs[q.OrgID] = pg.T("customer.number") + " " + strconv.FormatInt(q.OrgID, 10)
			if org, err := s.acc.GetOrganisation(r.Context(), *p, q.OrgID); err == nil {
				v.Orgs[q.OrgID] = org.LegalName
			}
		}
	}
	pg.Nav, pg.Data = "quotes", v
	s.render(w, http.StatusOK, "quotes", pg)
	return nil
}

func (s *server) portalQuotes(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	opts := quoteStatusOptions[1:] // customers never see drafts
	v := quotesView{Status: statusParam(r, opts), Statuses: opts, Base: "/portal"}
	v.Filtered = v.Status != ""
	return s.quotesPage(w, r, p, v, p.Org.ID)
}

type quoteView struct {
	Quote     contracts.Quote
	Base      string
	Expired   bool
	CanAccept bool
	Org       *accounts.Organisation
}

func (s *server) quotePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, base string, status int) error {
	qt, err := s.con.GetQuote(r.Context(), *p, id)
	if err != nil {
		return err
	}
	v := quoteView{Quote: qt, Base: base}
	v.Expired = qt.Status == contracts.QuoteSent && !qt.ExpiresOn.IsZero() && s.today().After(qt.ExpiresOn)
	v.CanAccept = qt.Status == contracts.QuoteSent && (!v.Expired || qt.LateAcceptanceAllowed)
	if pg.Form == nil {
		pg.Form = newForm(nil)
	}
	if pg.Form.Get("idempotency_key") == "" {
		pg.Form.set("idempotency_key", newKey())
	}
	if p.IsStaff() {
		if org, err := s.acc.GetOrganisation(r.Context(), *p, qt.OrgID); err == nil {
			v.Org = &org
		}
	}
	pg.Title, pg.Nav, pg.Data = pg.T("quote.title", qt.ID, qt.Title), "quotes", v
	s.render(w, status, "quote", pg)
	return nil
}

func (s *server) portalQuote(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.quotePage(w, r, p, s.newPage(w, r, ""), id, "/portal", http.StatusOK)
}

// quotePDF downloads a quote as PDF (portal and staff): the contracts service checks
// the principal, renders a sent quote from its frozen content and a draft for staff
// only, in the customer's language.
func (s *server) quotePDF(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	qt, pdf, err := s.con.QuotePDF(r.Context(), *p, id)
	if err != nil {
		return err
	}
	download(w, "application/pdf", quoteFilename(s.language(r, p), qt), pdf)
	return nil
}

// quoteFilename names a quote's download: "offerte-12.pdf".
func quoteFilename(lang string, qt contracts.Quote) string {
	if lang == "en" {
		return "quote-" + strconv.FormatInt(qt.ID, 10) + ".pdf"
	}
	return "offerte-" + strconv.FormatInt(qt.ID, 10) + ".pdf"
}

func (s *server) portalQuoteAccept(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	c, err := s.con.AcceptQuote(r.Context(), *p, id, contracts.AcceptInput{IdempotencyKey: f.Get("idempotency_key"),
		ContentHash: f.Get("content_hash"), IP: info(r.Context()).ip, UserAgent: truncate(r.UserAgent(), maxUserAgent)})
	var fe accounts.FieldErrors
	switch {
	case err == nil:
		s.flash(w, "quote_accepted")
		s.redirect(w, r, "/portal/contracts/"+strconv.FormatInt(c.ID, 10))
		return nil
	case errors.As(err, &fe):
		for _, msg := range fe {
			f.General = append(f.General, say(pg.Lang, msg))
		}
		return s.quotePage(w, r, p, pg, id, "/portal", http.StatusUnprocessableEntity)
	default:
		return err
	}
}

var declineFields = fieldset{Fields: []field{{Name: "reason", Label: "quote.decline_reason", Type: "textarea", Wide: true, Hint: "quote.decline_hint"}}}

func (s *server) declinePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	qt, err := s.con.GetQuote(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if pg.Form == nil {
		pg.Form = newForm(nil)
	}
	base := "/portal/quotes/" + strconv.FormatInt(id, 10)
	pg.Title, pg.Nav = pg.T("quote.decline_title"), "quotes"
	pg.Data = confirmView{Question: pg.T("quote.decline_question", qt.ID, qt.Title), Action: base + "/decline",
		Submit: "quote.decline", Cancel: base, Danger: true, Sets: pg.useFields(declineFields)}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) portalQuoteDeclineConfirm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmGet(s.declinePage)(w, r, p)
}

func (s *server) portalQuoteDecline(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.confirmPost(s.declinePage, map[string]string{"quote": "reason"}, func(r *http.Request, p *accounts.Principal, _ *page, f *form, id int64) (string, string, error) {
		err := s.con.DeclineQuote(r.Context(), *p, id, strings.TrimSpace(f.Get("reason")))
		return "quote_declined", "/portal/quotes/" + strconv.FormatInt(id, 10), err
	})(w, r, p)
}

// ---- terms changes ----

var objectFields = fieldset{Fields: []field{{Name: "reason", Label: "terms.object_reason", Type: "textarea", Required: true, Wide: true, Hint: "terms.object_hint"}}}

func (s *server) objectPage(w http.ResponseWriter, pg *page, id int64, status int) {
	base := "/portal/terms/" + strconv.FormatInt(id, 10)
	pg.Title, pg.Nav = pg.T("terms.object_title"), "contracts"
	pg.Data = formView{Action: base + "/object", Sets: pg.useFields(objectFields), Submit: "terms.object_submit",
		Cancel: "/portal/contracts", Intro: pg.T("terms.object_intro")}
	s.render(w, status, "form", pg)
}

// versionParam reads the {version} wildcard: the id of a published terms version,
// which is public (every customer is told about it), not an object of one customer.
func versionParam(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("version"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadID
	}
	return id, nil
}

func (s *server) portalTermsObjectForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := versionParam(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Form = newForm(nil)
	s.objectPage(w, pg, id, http.StatusOK)
	return nil
}

func (s *server) portalTermsObject(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := versionParam(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	requireFields(f, pg.Lang, map[string]string{"reason": f.Get("reason")})
	if len(f.Errors) == 0 {
		err := s.con.ObjectToTermsChange(r.Context(), *p, id, p.Org.ID, strings.TrimSpace(f.Get("reason")))
		switch {
		case err == nil:
			s.flash(w, "terms_objected")
			s.redirect(w, r, "/portal/contracts")
			return nil
		case fieldErrors(f, err, map[string]string{"terms_version": "reason"}):
		default:
			return err
		}
	}
	s.objectPage(w, pg, id, http.StatusUnprocessableEntity)
	return nil
}
