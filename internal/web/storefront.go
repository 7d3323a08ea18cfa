package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/signup"
)

// The storefront (issue 9): the public catalog with prices excluding and including
// VAT, a page per plan, and the sign-up that ends in the portal's checkout with the
// plan chosen. Bot protection is a proof of work (pow.go) and a per-address limit;
// the e-mail address is confirmed with a one-time link (internal/signup).

// signupPowMax is the proof of work's search space: about a second in a phone's
// browser, half that on average.
const signupPowMax = 50000

func (s *server) storefrontRoutes(mux *http.ServeMux) {
	public := func(pattern string, h http.HandlerFunc) {
		s.patterns = append(s.patterns, pattern)
		mux.HandleFunc(pattern, h)
	}
	public("GET /shop", s.shop)
	public("GET /shop/{plan}", s.shopPlan)
	public("GET /signup", s.signupForm)
	mux.HandleFunc("POST /signup", s.signupPost)
	mux.HandleFunc("GET /signup/verify", s.signupVerifyForm)
	mux.HandleFunc("POST /signup/verify", s.signupVerify)
}

func (s *server) storefrontEnabled() bool { return s.contractsEnabled() && s.signups != nil }

// home shows the storefront to a visitor and sends a signed-in user to their home.
func (s *server) home(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if s.storefrontEnabled() && (p == nil || p.Session == nil) {
		s.shop(w, r)
		return
	}
	s.redirect(w, r, homeOf(p))
}

type shopView struct {
	Products []productRow
	Business bool // prices for businesses: excluding VAT first
}

func (s *server) shop(w http.ResponseWriter, r *http.Request) {
	rows, err := s.catalogRows(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := s.newPage(w, r, "shop.title")
	pg.Data = shopView{Products: rows, Business: r.URL.Query().Get("for") == "business"}
	s.render(w, http.StatusOK, "shop", pg)
}

type shopPlanView struct {
	Plan     planRow
	OrderURL string
	Business bool
}

func (s *server) shopPlan(w http.ResponseWriter, r *http.Request) {
	pl, err := s.orderPlan(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := s.newPage(w, r, "")
	pg.Title = pl.Plan.Label()
	id := strconv.FormatInt(pl.Plan.ID, 10)
	v := shopPlanView{Plan: pl, OrderURL: "/signup?plan=" + id, Business: r.URL.Query().Get("for") == "business"}
	if p := pg.P; p != nil && p.Session != nil && !p.IsStaff() {
		v.OrderURL = "/portal/order/" + id
	}
	pg.Data = v
	s.render(w, http.StatusOK, "shop_plan", pg)
}

// ---- sign-up ----

var signupFieldsets = []fieldset{
	{Legend: "signup.you", Fields: []field{
		{Name: "kind", Label: "signup.kind", Type: "select", Options: []option{
			{Value: string(accounts.Consumer), Label: "kind.consumer"}, {Value: string(accounts.Business), Label: "kind.business"}}, Required: true},
		{Name: "legal_name", Label: "signup.name", Type: "text", Required: true, Auto: "name", Max: 200, Wide: true, Hint: "signup.name_hint"},
		{Name: "contact_name", Label: "field.contact_name", Type: "text", Auto: "name", Max: 200, Hint: "signup.contact_hint"},
		{Name: "email", Label: "field.email", Type: "email", Required: true, Auto: "email", Max: 254, Hint: "signup.email_hint"},
		{Name: "phone", Label: "field.phone", Type: "tel", Auto: "tel", Max: 40},
		{Name: "language", Label: "field.language", Type: "select", Options: languageOptions},
	}},
	{Legend: "customer.postal_address", Fields: addressFields("postal_address", true)},
	{Legend: "customer.business", Hint: "signup.business_hint", Fields: []field{
		{Name: "kvk", Label: "field.kvk", Type: "text", Mode: "numeric", Max: 8, Hint: "field.kvk_hint"},
		{Name: "vat_id", Label: "field.vat_id", Type: "text", Max: 20, Hint: "field.vat_id_hint"},
	}},
}

// signupInput reads the sign-up form: the customer's details and the plan chosen.
// Validation is the accounts service's (accounts.ValidateSignUp).
func signupInput(f *form) (accounts.OrganisationInput, int64) {
	in := accounts.OrganisationInput{
		Kind:          accounts.OrgKind(strings.TrimSpace(f.Get("kind"))),
		LegalName:     strings.TrimSpace(f.Get("legal_name")),
		ContactName:   strings.TrimSpace(f.Get("contact_name")),
		Email:         strings.TrimSpace(f.Get("email")),
		Phone:         strings.TrimSpace(f.Get("phone")),
		Language:      f.Get("language"),
		PostalAddress: addressFrom(f, "postal_address"),
		KvK:           strings.TrimSpace(f.Get("kvk")),
		VATID:         strings.TrimSpace(f.Get("vat_id")),
	}
	if in.Language == "" {
		in.Language = f.lang
	}
	plan, err := strconv.ParseInt(strings.TrimSpace(f.Get("plan")), 10, 64)
	if err != nil || plan < 0 {
		plan = 0
	}
	return in, plan
}

type signupView struct {
	Sets []fieldset
	Pow  powChallenge
	Plan string
	Name string // the plan's label, when one was chosen
}

func (s *server) signupPage(w http.ResponseWriter, r *http.Request, pg *page, status int) {
	v := signupView{Sets: pg.useFields(signupFieldsets...), Pow: s.pow.issue(), Plan: pg.Form.Get("plan")}
	if id, err := strconv.ParseInt(v.Plan, 10, 64); err == nil && id > 0 {
		if pl, err := s.catalog.GetPlan(r.Context(), id); err == nil && pl.Active && pl.Pack == s.pack.Name {
			v.Name = pl.Label()
		} else {
			v.Plan = ""
		}
	}
	pg.Data = v
	s.render(w, status, "signup", pg)
}

func (s *server) signupForm(w http.ResponseWriter, r *http.Request) {
	if !s.storefrontEnabled() {
		s.notFound(w, r)
		return
	}
	pg := s.newPage(w, r, "signup.title")
	pg.Form = newForm(nil)
	pg.Form.lang = pg.Lang
	pg.Form.set("kind", string(accounts.Consumer))
	pg.Form.set("language", pg.Lang)
	pg.Form.set("postal_address.country", "NL")
	pg.Form.set("plan", r.URL.Query().Get("plan"))
	s.signupPage(w, r, pg, http.StatusOK)
}

func (s *server) signupPost(w http.ResponseWriter, r *http.Request) {
	if !s.storefrontEnabled() {
		s.notFound(w, r)
		return
	}
	if ok, wait := s.signupLimit.allow(limitKey(info(r.Context()).ip)); !ok {
		s.tooMany(w, r, wait)
		return
	}
	pg := s.newPage(w, r, "signup.title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		s.badForm(w, r, err)
		return
	}
	pg.Form = f
	in, plan := signupInput(f)
	if !s.pow.verify(f.Get("pow_salt"), f.Get("pow_challenge"), f.Get("pow_signature"), f.Get("pow_number")) {
		f.General = append(f.General, pg.T("signup.pow_failed"))
	}
	if len(f.Errors) == 0 && len(f.General) == 0 {
		err := s.signups.Start(r.Context(), signup.Request{Org: in, PlanID: plan, IP: info(r.Context()).ip})
		switch {
		case err == nil:
			pg.Data = messageView{Lines: []string{pg.T("signup.sent", in.Email), pg.T("signup.sent_more")}}
			s.render(w, http.StatusOK, "message", pg)
			return
		case errors.Is(err, signup.ErrRefused):
			f.General = append(f.General, pg.T("signup.refused"))
		case fieldErrors(f, err, nil):
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.signupPage(w, r, pg, http.StatusUnprocessableEntity)
}

var signupPasswordFields = fieldset{Fields: []field{
	{Name: "token", Type: "hidden"},
	{Name: "new_password", Label: "field.new_password", Type: "password", Required: true, Auto: "new-password", Hint: "password.rules"},
	{Name: "confirm_password", Label: "field.confirm_password", Type: "password", Required: true, Auto: "new-password"},
}}

func (s *server) signupPasswordPage(w http.ResponseWriter, pg *page, p signup.Pending, status int) {
	pg.Data = formView{Action: "/signup/verify", Sets: pg.useFields(signupPasswordFields), Submit: "signup.finish", Narrow: true,
		Intro: pg.T("signup.verified", p.Org.ContactName, p.Org.Email)}
	s.render(w, status, "form", pg)
}

func (s *server) signupInvalidLink(w http.ResponseWriter, pg *page) {
	pg.Title = pg.T("signup.invalid_title")
	pg.Data = messageView{Lines: []string{pg.T("signup.invalid")}, Links: []link{{URL: "/signup", Label: pg.T("signup.again")}}}
	s.render(w, http.StatusGone, "message", pg)
}

func (s *server) signupVerifyForm(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "signup.verify_title")
	if !s.storefrontEnabled() {
		s.notFound(w, r)
		return
	}
	// The token leaves the address bar's history as the page's referrer policy and
	// no-store cache headers keep it; it is used up by the POST.
	w.Header().Set("Cache-Control", "no-store")
	token := r.URL.Query().Get("token")
	p, err := s.signups.Lookup(r.Context(), token)
	if errors.Is(err, signup.ErrLinkInvalid) {
		s.signupInvalidLink(w, pg)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg.Form = newForm(nil)
	pg.Form.lang = pg.Lang
	pg.Form.set("token", token)
	s.signupPasswordPage(w, pg, p, http.StatusOK)
}

func (s *server) signupVerify(w http.ResponseWriter, r *http.Request) {
	if !s.storefrontEnabled() {
		s.notFound(w, r)
		return
	}
	if ok, wait := s.limiter.allow(limitKey(info(r.Context()).ip)); !ok {
		s.tooMany(w, r, wait)
		return
	}
	pg := s.newPage(w, r, "signup.verify_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		s.badForm(w, r, err)
		return
	}
	pg.Form = f
	token, pw := f.Get("token"), f.Get("new_password")
	confirm := f.Get("confirm_password")
	delete(f.Values, "new_password")
	delete(f.Values, "confirm_password")
	p, err := s.signups.Lookup(r.Context(), token)
	if errors.Is(err, signup.ErrLinkInvalid) {
		s.signupInvalidLink(w, pg)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	requireFields(f, pg.Lang, map[string]string{"new_password": pw, "confirm_password": confirm})
	if len(f.Errors) == 0 && pw != confirm {
		f.Errors["confirm_password"] = pg.T("password.mismatch")
	}
	if len(f.Errors) == 0 {
		ip := info(r.Context()).ip
		_, p, err := s.signups.Complete(r.Context(), token, pw, ip)
		switch {
		case err == nil:
			sess, err := s.acc.Login(r.Context(), accounts.LoginRequest{Email: p.Org.Email, Password: pw,
				IP: ip, UserAgent: truncate(r.UserAgent(), maxUserAgent)})
			if err != nil {
				// The account exists; signing in by hand still works.
				s.log.Warn("sign-in after sign-up", "err", err)
				s.redirect(w, r, "/login")
				return
			}
			s.startSession(w, r, sess.Token)
			s.flash(w, "signup_done")
			to := "/portal/"
			if p.PlanID > 0 {
				to = "/portal/order/" + strconv.FormatInt(p.PlanID, 10)
			}
			s.redirect(w, r, to)
			return
		case errors.Is(err, signup.ErrLinkInvalid):
			s.signupInvalidLink(w, pg)
			return
		case errors.Is(err, signup.ErrRefused):
			pg.Data = messageView{Lines: []string{pg.T("signup.refused")}}
			s.render(w, http.StatusForbidden, "message", pg)
			return
		case fieldErrors(f, err, map[string]string{"password": "new_password", "email": "new_password"}):
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.signupPasswordPage(w, pg, p, http.StatusUnprocessableEntity)
}

// signupLimitEvery: five sign-ups at once from one address, then one every ten
// minutes: a household or an office signs up a few people, a bot gets nowhere.
const signupLimitEvery = 10 * time.Minute
