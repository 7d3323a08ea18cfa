package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/notify"
)

const perPage = 25

type dashboardView struct {
	Customers     int // -1: not visible to this role
	CustomersMore bool
	StaffUsers    int
	Pending       int
	PendingMore   bool // more pending mails than were counted
	Today         int  // audit entries in the last 24 hours
	TodayMore     bool
	Recent        []audit.Entry
	Figures       staffFigures
}

// pendingScan, auditScan and customersScan bound how much of the outbox, the trail and
// the customers the dashboard reads to count; the page says "more than" beyond them.
const (
	pendingScan   = 200
	auditScan     = 500
	customersScan = 10_000
)

func (s *server) staffDashboard(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	pg := s.newPage(w, r, "dashboard.title")
	pg.Nav = "dashboard"
	v := dashboardView{Customers: -1, StaffUsers: -1}
	if n, more, err := s.acc.CountOrganisations(ctx, *p, customersScan); err == nil {
		v.Customers, v.CustomersMore = n, more
	} else if !errors.Is(err, accounts.ErrForbidden) {
		return err
	}
	if users, err := s.acc.ListUsers(ctx, *p, 0); err == nil {
		v.StaffUsers = len(users)
	} else if !errors.Is(err, accounts.ErrForbidden) {
		return err
	}
	mails, err := s.acc.Outbox(ctx, *p, 0, 0, pendingScan)
	if err != nil && !errors.Is(err, accounts.ErrForbidden) {
		return err
	}
	for _, m := range mails {
		if m.Status == "pending" {
			v.Pending++
		}
	}
	v.PendingMore = len(mails) == pendingScan && v.Pending == pendingScan
	entries, err := s.acc.AuditTrail(ctx, *p, audit.Filter{Limit: auditScan})
	if err != nil && !errors.Is(err, accounts.ErrForbidden) {
		return err
	}
	since := s.clock.Now().Add(-24 * time.Hour)
	for _, en := range entries {
		if en.At.After(since) {
			v.Today++
		}
	}
	v.TodayMore = v.Today == auditScan
	v.Recent = entries[:min(10, len(entries))]
	if v.Figures, err = s.staffFigures(ctx, p); err != nil {
		return err
	}
	pg.Data = v
	s.render(w, http.StatusOK, "staff_dashboard", pg)
	return nil
}

type customersView struct {
	Orgs     []accounts.Organisation
	Pager    pager  // a reseller's customers
	Cursor   cursor // staff: every customer, by keyset
	Query    string
	Kind     string
	Kinds    []option
	Filtered bool
}

func (s *server) staffCustomers(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "customers.title")
	pg.Nav = "customers"
	q := r.URL.Query()
	v := customersView{Query: strings.TrimSpace(q.Get("q")), Kinds: kindOptions}
	if k := q.Get("kind"); k == string(accounts.Consumer) || k == string(accounts.Business) {
		v.Kind = k
	}
	var err error
	if v.Orgs, v.Cursor, err = s.customerPage(r, *p, v.Query, v.Kind); err != nil {
		return err
	}
	v.Filtered = v.Query != "" || v.Kind != ""
	pg.Data = v
	s.render(w, http.StatusOK, "staff_customers", pg)
	return nil
}

type customerView struct {
	Org      accounts.Organisation
	Reseller *accounts.Organisation
	Users    []accounts.User
	Activity []activityRow
	// Refusal is known when the contracts pages are mounted and the staff member may
	// ask: then the page offers to refuse the customer, or to lift the refusal.
	RefusalKnown bool
	Refused      bool
	// Summary is the customer's services, money and open matters; Notes the staff
	// notes (never shown to the customer), NoteForm the note being written.
	Summary  customerSummary
	Notes    []accounts.Note
	NotesOK  bool
	NoteSets []fieldset
}

var noteFields = fieldset{Fields: []field{{Name: "body", Label: "note.body", Type: "textarea", Required: true,
	Max: accounts.MaxNoteLen, Wide: true, Hint: "note.hint"}}}

func (s *server) staffCustomer(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.staffCustomerPage(w, r, p, newForm(nil), http.StatusOK)
}

// staffCustomerPage shows the whole customer in one place; f is the note form (kept
// with its errors when a note was refused).
func (s *server) staffCustomerPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, f *form, code int) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	org, err := s.acc.GetOrganisation(ctx, *p, id)
	if err != nil {
		return err
	}
	v := customerView{Org: org}
	if org.ResellerID > 0 {
		if res, err := s.acc.GetOrganisation(ctx, *p, org.ResellerID); err == nil {
			v.Reseller = &res
		}
	}
	if v.Users, err = s.acc.ListUsers(ctx, *p, org.ID); err != nil && !errors.Is(err, accounts.ErrForbidden) {
		return err
	}
	activity, err := s.acc.AuditTrail(ctx, *p, audit.Filter{OrgID: org.ID, Limit: 10})
	if err != nil && !errors.Is(err, accounts.ErrForbidden) {
		return err
	}
	if s.contractsEnabled() {
		v.Refused, err = s.con.IsRefused(ctx, *p, org.ID)
		switch {
		case err == nil:
			v.RefusalKnown = true
		case !errors.Is(err, accounts.ErrForbidden):
			return err
		}
	}
	pg := s.newPage(w, r, "")
	v.Activity = s.activityRows(ctx, pg, *p, org.ID, activity)
	if v.Summary, err = s.customerSummary(ctx, pg, p, org.ID, "/staff"); err != nil {
		return err
	}
	v.Notes, err = s.acc.Notes(ctx, *p, org.ID, 50)
	if err := allowed(err); err != nil {
		return err
	}
	v.NotesOK = err == nil
	pg.Form = f
	if v.NotesOK {
		v.NoteSets = pg.useFields(noteFields)
	}
	pg.Title, pg.Nav, pg.Data = org.LegalName, "customers", v
	s.render(w, code, "staff_customer", pg)
	return nil
}

func (s *server) customerFormPage(w http.ResponseWriter, pg *page, action, cancel string, create bool, status int) {
	submit := "customer.save"
	if create {
		submit = "customer.create"
	}
	pg.Nav = "customers"
	pg.Data = formView{Action: action, Sets: pg.useFields(orgFieldsets(true, create)...), Submit: submit, Cancel: cancel}
	s.render(w, status, "form", pg)
}

func (s *server) staffCustomerNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "customer.new_title")
	pg.Form = newForm(nil)
	pg.Form.set("kind", string(accounts.Business))
	pg.Form.set("language", "nl")
	pg.Form.set("postal_address.country", "NL")
	s.customerFormPage(w, pg, "/staff/customers/new", "/staff/customers", true, http.StatusOK)
	return nil
}

// adminRename puts the service's errors about the new admin user on the admin fields.
var adminRename = map[string]string{"admin.email": "admin.email", "admin.name": "admin.name",
	"admin_email": "admin.email", "admin_name": "admin.name", "admin.password": "admin.email"}

func (s *server) staffCustomerCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "customer.new_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := orgInputFrom(f, pg.Lang)
	var admin *accounts.UserInput
	if name, email := strings.TrimSpace(f.Get("admin.name")), strings.TrimSpace(f.Get("admin.email")); name != "" || email != "" {
		admin = &accounts.UserInput{Name: name, Email: email, Language: in.Language, OrgAdmin: true}
	}
	if len(f.Errors) == 0 {
		org, err := s.acc.CreateOrganisation(r.Context(), *p, in, admin)
		switch {
		case err == nil:
			s.flash(w, "customer_created")
			s.redirect(w, r, "/staff/customers/"+strconv.FormatInt(org.ID, 10))
			return nil
		case fieldErrors(f, err, adminRename):
		default:
			return err
		}
	}
	s.customerFormPage(w, pg, "/staff/customers/new", "/staff/customers", true, http.StatusUnprocessableEntity)
	return nil
}

func (s *server) staffCustomerEdit(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	org, err := s.acc.GetOrganisation(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title = pg.T("customer.edit_title", org.LegalName)
	pg.Form = orgForm(org)
	base := "/staff/customers/" + strconv.FormatInt(id, 10)
	s.customerFormPage(w, pg, base+"/edit", base, false, http.StatusOK)
	return nil
}

func (s *server) staffCustomerUpdate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "customer.edit_title_plain")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := orgInputFrom(f, pg.Lang)
	base := "/staff/customers/" + strconv.FormatInt(id, 10)
	if len(f.Errors) == 0 {
		_, err := s.acc.UpdateOrganisation(r.Context(), *p, id, in)
		switch {
		case err == nil:
			s.flash(w, "customer_saved")
			s.redirect(w, r, base)
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	s.customerFormPage(w, pg, base+"/edit", base, false, http.StatusUnprocessableEntity)
	return nil
}

func (s *server) staffCustomerDisableConfirm(disable bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		org, err := s.acc.GetOrganisation(r.Context(), *p, id)
		if err != nil {
			return err
		}
		base := "/staff/customers/" + strconv.FormatInt(id, 10)
		pg := s.newPage(w, r, "")
		pg.Nav = "customers"
		v := confirmView{Cancel: base}
		if disable {
			pg.Title = pg.T("customer.disable_title")
			v.Question, v.Action, v.Submit, v.Danger = pg.T("customer.disable_question", org.LegalName), base+"/disable", "customer.disable", true
		} else {
			pg.Title = pg.T("customer.enable_title")
			v.Question, v.Action, v.Submit = pg.T("customer.enable_question", org.LegalName), base+"/enable", "customer.enable"
		}
		pg.Data = v
		s.render(w, http.StatusOK, "confirm", pg)
		return nil
	}
}

func (s *server) staffCustomerSetDisabled(disable bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := s.acc.SetOrganisationDisabled(r.Context(), *p, id, disable); err != nil {
			return err
		}
		if disable {
			s.flash(w, "customer_disabled")
		} else {
			s.flash(w, "customer_enabled")
		}
		s.redirect(w, r, "/staff/customers/"+strconv.FormatInt(id, 10))
		return nil
	}
}

type usersView struct {
	Users []accounts.User
	Base  string
}

func (s *server) staffUsers(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	users, err := s.acc.ListUsers(r.Context(), *p, 0)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "staffusers.title")
	pg.Nav, pg.Data = "users", usersView{Users: users, Base: "/staff"}
	s.render(w, http.StatusOK, "users", pg)
	return nil
}

func (s *server) staffUserFormPage(w http.ResponseWriter, pg *page, status int) {
	pg.Nav = "users"
	pg.Data = formView{Action: "/staff/users/new", Sets: pg.useFields(userFieldsets(true, false)...),
		Submit: "user.create", Cancel: "/staff/users"}
	s.render(w, status, "form", pg)
}

func (s *server) staffUserNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "staffusers.new_title")
	pg.Form = newForm(nil)
	pg.Form.set("language", "nl")
	s.staffUserFormPage(w, pg, http.StatusOK)
	return nil
}

func (s *server) staffUserCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "staffusers.new_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := userInputFrom(f)
	in.OrgID, in.OrgAdmin, in.Permissions = 0, false, nil
	if len(f.Errors) == 0 {
		u, err := s.acc.CreateUser(r.Context(), *p, in)
		switch {
		case err == nil:
			s.flash(w, "user_created")
			s.redirect(w, r, "/staff/users/"+strconv.FormatInt(u.ID, 10))
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	s.staffUserFormPage(w, pg, http.StatusUnprocessableEntity)
	return nil
}

type userView struct {
	User   accounts.User
	Org    *accounts.Organisation
	Base   string // "/staff" or "/portal"
	Sets   []fieldset
	Action string
	Self   bool
}

func (s *server) staffUserPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, u accounts.User, status int) {
	v := userView{User: u, Base: "/staff", Action: "/staff/users/" + strconv.FormatInt(u.ID, 10) + "/access", Self: u.ID == p.User.ID}
	if u.IsStaff() {
		v.Sets = pg.useFields(fieldset{Fields: []field{{Name: "roles", Label: "field.roles", Type: "checkboxes", Options: roleOptions()}}})
	} else {
		if org, err := s.acc.GetOrganisation(r.Context(), *p, u.OrgID); err == nil {
			v.Org = &org
		}
		v.Sets = pg.useFields(fieldset{Fields: []field{{Name: "permissions", Label: "field.permissions", Type: "checkboxes", Options: permissionOptions(), Hint: "field.permissions_hint"}}})
	}
	pg.Title, pg.Nav, pg.Data = u.Name, "users", v
	if !u.IsStaff() {
		pg.Nav = "customers"
	}
	s.render(w, status, "user", pg)
}

func userAccessForm(u accounts.User) *form {
	f := newForm(nil)
	for _, r := range u.Roles {
		f.Values["roles"] = append(f.Values["roles"], string(r))
	}
	for _, p := range u.Permissions {
		f.Values["permissions"] = append(f.Values["permissions"], string(p))
	}
	return f
}

func (s *server) staffUser(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	u, err := s.pathUser(r, p)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Form = userAccessForm(u)
	s.staffUserPage(w, r, p, pg, u, http.StatusOK)
	return nil
}

func (s *server) staffUserAccess(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	u, err := s.acc.GetUser(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg.Form = f
	if len(f.Errors) == 0 {
		var perms []accounts.Permission
		var roles []accounts.Role
		if u.IsStaff() {
			roles = rolesFrom(f)
		} else {
			perms = permissionsFrom(f)
		}
		_, err := s.acc.SetUserPermissions(r.Context(), *p, id, perms, roles)
		switch {
		case err == nil:
			s.flash(w, "access_saved")
			s.redirect(w, r, "/staff/users/"+strconv.FormatInt(id, 10))
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	s.staffUserPage(w, r, p, pg, u, http.StatusUnprocessableEntity)
	return nil
}

// userDisableConfirm and userSetDisabled serve staff (any user) and the portal (the
// organisation's own users); the service decides which users the principal may touch.
func (s *server) userDisableConfirm(base string, disable bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		u, err := s.pathUser(r, p)
		if err != nil {
			return err
		}
		back := base + "/users/" + strconv.FormatInt(u.ID, 10)
		pg := s.newPage(w, r, "")
		pg.Nav = "users"
		v := confirmView{Cancel: back}
		if disable {
			pg.Title = pg.T("user.disable_title")
			v.Question, v.Action, v.Submit, v.Danger = pg.T("user.disable_question", u.Name, u.Email), back+"/disable", "user.disable", true
		} else {
			pg.Title = pg.T("user.enable_title")
			v.Question, v.Action, v.Submit = pg.T("user.enable_question", u.Name, u.Email), back+"/enable", "user.enable"
		}
		pg.Data = v
		s.render(w, http.StatusOK, "confirm", pg)
		return nil
	}
}

func (s *server) userSetDisabled(base string, disable bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := s.acc.SetUserDisabled(r.Context(), *p, id, disable); err != nil {
			return err
		}
		if disable {
			s.flash(w, "user_disabled")
		} else {
			s.flash(w, "user_enabled")
		}
		s.redirect(w, r, base+"/users/"+strconv.FormatInt(id, 10))
		return nil
	}
}

// resetMFAConfirm and resetMFA remove a user's TOTP, for someone who lost their phone and
// their recovery codes; the user sets it up again at the next sign-in.
func (s *server) resetMFAConfirm(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		u, err := s.pathUser(r, p)
		if err != nil {
			return err
		}
		back := base + "/users/" + strconv.FormatInt(u.ID, 10)
		pg := s.newPage(w, r, "user.reset_mfa_title")
		pg.Nav = "users"
		pg.Data = confirmView{Question: pg.T("user.reset_mfa_question", u.Name, u.Email), Action: back + "/reset-mfa",
			Submit: "user.reset_mfa", Cancel: back, Danger: true}
		s.render(w, http.StatusOK, "confirm", pg)
		return nil
	}
}

func (s *server) resetMFA(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := s.acc.ResetUserMFA(r.Context(), *p, id); err != nil {
			return err
		}
		s.flash(w, "mfa_reset")
		s.redirect(w, r, base+"/users/"+strconv.FormatInt(id, 10))
		return nil
	}
}

type auditView struct {
	Entries    []audit.Entry
	Cursor     cursor
	Action     string
	ActorKind  string
	Query      string
	Org        string
	ActorKinds []option
	Filtered   bool
}

var actorKindOptions = []option{
	{Value: string(audit.ActorStaff), Label: "actor.staff"},
	{Value: string(audit.ActorCustomer), Label: "actor.customer"},
	{Value: string(audit.ActorSystem), Label: "actor.system"},
	{Value: string(audit.ActorPublic), Label: "actor.public"},
}

const auditPage = 50

func (s *server) staffAudit(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	q := r.URL.Query()
	v := auditView{Action: truncate(strings.TrimSpace(q.Get("action")), 100), Query: truncate(strings.TrimSpace(q.Get("q")), 200),
		ActorKinds: actorKindOptions}
	filter := audit.Filter{Action: v.Action, Query: v.Query, Limit: auditPage + 1}
	for _, o := range actorKindOptions {
		if q.Get("actor") == o.Value {
			v.ActorKind, filter.ActorKind = o.Value, audit.ActorKind(o.Value)
		}
	}
	if org, err := strconv.ParseInt(q.Get("org"), 10, 64); err == nil && org > 0 {
		v.Org, filter.OrgID = strconv.FormatInt(org, 10), org
	}
	if before, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && before > 0 {
		filter.BeforeSeq = before
	}
	entries, err := s.acc.AuditTrail(r.Context(), *p, filter)
	if err != nil {
		return err
	}
	more := len(entries) > auditPage
	if more {
		entries = entries[:auditPage]
	}
	var last int64
	if len(entries) > 0 {
		last = entries[len(entries)-1].Seq
	}
	v.Entries, v.Cursor = entries, newCursor(r, "before", more, last)
	v.Filtered = v.Action != "" || v.Query != "" || v.ActorKind != "" || v.Org != ""
	pg := s.newPage(w, r, "audit.title")
	pg.Nav, pg.Data = "audit", v
	s.render(w, http.StatusOK, "audit", pg)
	return nil
}

type mailView struct {
	Mails  []notify.Mail
	Cursor cursor
}

// staffMail shows the outbox with bodies. Only in demo mode: in production the bodies
// hold password reset links, which staff must not be able to use.
func (s *server) staffMail(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	if !s.cfg.Demo {
		return accounts.ErrNotFound
	}
	var before int64
	if b, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64); err == nil && b > 0 {
		before = b
	}
	const n = 20
	mails, err := s.acc.Outbox(r.Context(), *p, 0, before, n+1)
	if err != nil {
		return err
	}
	more := len(mails) > n
	if more {
		mails = mails[:n]
	}
	var last int64
	if len(mails) > 0 {
		last = mails[len(mails)-1].ID
	}
	pg := s.newPage(w, r, "mail.title")
	pg.Nav, pg.Data = "mail", mailView{Mails: mails, Cursor: newCursor(r, "before", more, last)}
	s.render(w, http.StatusOK, "staff_mail", pg)
	return nil
}

// customerUserNew lets staff add a user to a customer (for instance the admin user of a
// customer created without one).
func (s *server) staffCustomerUserNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	org, err := s.acc.GetOrganisation(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Form = newForm(nil)
	pg.Form.set("language", org.Language)
	s.customerUserFormPage(w, pg, org, http.StatusOK)
	return nil
}

func (s *server) customerUserFormPage(w http.ResponseWriter, pg *page, org accounts.Organisation, status int) {
	base := "/staff/customers/" + strconv.FormatInt(org.ID, 10)
	pg.Title, pg.Nav = pg.T("user.new_for", org.LegalName), "customers"
	pg.Data = formView{Action: base + "/users/new", Sets: pg.useFields(userFieldsets(false, true)...),
		Submit: "user.create", Cancel: base}
	s.render(w, status, "form", pg)
}

func (s *server) staffCustomerUserCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	org, err := s.acc.GetOrganisation(r.Context(), *p, id)
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
	in.OrgID, in.Roles = org.ID, nil
	if len(f.Errors) == 0 {
		_, err := s.acc.CreateUser(r.Context(), *p, in)
		switch {
		case err == nil:
			s.flash(w, "user_created")
			s.redirect(w, r, "/staff/customers/"+strconv.FormatInt(org.ID, 10))
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	s.customerUserFormPage(w, pg, org, http.StatusUnprocessableEntity)
	return nil
}

// customerPage reads one page of the customers by sees, by keyset and without a count,
// so a page costs the same at any depth and any number of customers (issue 16); staff
// and a reseller's portal share it.
func (s *server) customerPage(r *http.Request, by accounts.Principal, query, kind string) ([]accounts.Organisation, cursor, error) {
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	orgs, err := s.acc.ListOrganisationsAfter(r.Context(), by, accounts.OrgFilter{
		Query: truncate(query, 200), Kind: accounts.OrgKind(kind), PerPage: perPage + 1, AfterID: max(after, 0)})
	if err != nil {
		return nil, cursor{}, err
	}
	more := len(orgs) > perPage
	orgs = orgs[:min(len(orgs), perPage)]
	var last int64
	if len(orgs) > 0 {
		last = orgs[len(orgs)-1].ID
	}
	c := newCursor(r, "after", more, last)
	c.Ordered = true
	return orgs, c, nil
}
