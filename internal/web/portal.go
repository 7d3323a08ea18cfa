package web

import (
	"context"
	"errors"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
)

// Every portal handler takes the organisation from the principal, never from the
// request: a customer names objects by id only, and the service checks each id.

type overviewView struct {
	Org      accounts.Organisation
	Users    int // -1: not visible to this user
	Tokens   int
	Activity []activityRow
	Summary  customerSummary
}

func (s *server) portalOverview(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	org, err := s.acc.OwnOrganisation(*p)
	if err != nil {
		return err
	}
	v := overviewView{Org: org, Users: -1, Tokens: -1}
	if n, err := s.acc.CountUsers(ctx, *p, org.ID); err == nil {
		v.Users = n
	} else if !errors.Is(err, accounts.ErrForbidden) {
		return err
	}
	if tokens, err := s.acc.ListAPITokens(ctx, *p); err == nil {
		v.Tokens = 0
		for _, t := range tokens {
			if t.RevokedAt == nil {
				v.Tokens++
			}
		}
	} else if !errors.Is(err, accounts.ErrForbidden) {
		return err
	}
	pg := s.newPage(w, r, "overview.title")
	if v.Summary, err = s.customerSummary(ctx, pg, p, org.ID, "/portal"); err != nil {
		return err
	}
	if entries, err := s.acc.AuditTrail(ctx, *p, audit.Filter{OrgID: org.ID, Limit: 5}); err == nil {
		v.Activity = s.activityRows(ctx, pg, *p, org.ID, entries)
	} else if !errors.Is(err, accounts.ErrForbidden) {
		return err
	}
	pg.Nav, pg.Data = "overview", v
	s.render(w, http.StatusOK, "portal_overview", pg)
	return nil
}

type profileView struct {
	Org      accounts.Organisation
	Editable bool
	Sets     []fieldset
}

func (s *server) profilePage(w http.ResponseWriter, pg *page, org accounts.Organisation, status int) {
	v := profileView{Org: org, Editable: pg.P.Can(accounts.CustomerEditContact, org.Ref())}
	if v.Editable {
		v.Sets = pg.useFields(orgFieldsets(false, false)...)
	}
	pg.Nav, pg.Data = "profile", v
	s.render(w, status, "portal_profile", pg)
}

func (s *server) portalProfile(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	org, err := s.acc.OwnOrganisation(*p)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "profile.title")
	pg.Form = orgForm(org)
	s.profilePage(w, pg, org, http.StatusOK)
	return nil
}

func (s *server) portalProfileUpdate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	org, err := s.acc.GetOrganisation(ctx, *p, p.Org.ID)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "profile.title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	// The form holds the contact details only; what the customer cannot change is sent
	// back as it is, so the update never touches it.
	in := orgInputFrom(f, pg.Lang)
	in.Kind, in.LegalName, in.KvK, in.VATID = org.Kind, org.LegalName, org.KvK, org.VATID
	in.IsReseller, in.ResellerID = org.IsReseller, org.ResellerID
	if len(f.Errors) == 0 {
		_, err := s.acc.UpdateOrganisation(ctx, *p, org.ID, in)
		switch {
		case err == nil:
			s.flash(w, "profile_saved")
			s.redirect(w, r, "/portal/profile")
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	s.profilePage(w, pg, org, http.StatusUnprocessableEntity)
	return nil
}

func (s *server) portalUsers(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	users, err := s.acc.ListUsers(r.Context(), *p, p.Org.ID)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "users.title")
	pg.Nav, pg.Data = "users", usersView{Users: users, Base: "/portal"}
	s.render(w, http.StatusOK, "users", pg)
	return nil
}

func (s *server) portalUserFormPage(w http.ResponseWriter, pg *page, status int) {
	pg.Nav = "users"
	pg.Data = formView{Action: "/portal/users/new", Sets: pg.useFields(userFieldsets(false, false)...),
		Submit: "user.create", Cancel: "/portal/users"}
	s.render(w, status, "form", pg)
}

func (s *server) portalUserNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "users.new_title")
	pg.Form = newForm(nil)
	pg.Form.set("language", p.Org.Language)
	s.portalUserFormPage(w, pg, http.StatusOK)
	return nil
}

func (s *server) portalUserCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "users.new_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	in := userInputFrom(f)
	// A customer creates sub-users of its own organisation, never an admin user.
	in.OrgID, in.OrgAdmin, in.Roles = p.Org.ID, false, nil
	if len(f.Errors) == 0 {
		u, err := s.acc.CreateUser(r.Context(), *p, in)
		switch {
		case err == nil:
			s.flash(w, "user_created")
			s.redirect(w, r, "/portal/users/"+strconv.FormatInt(u.ID, 10))
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	s.portalUserFormPage(w, pg, http.StatusUnprocessableEntity)
	return nil
}

func (s *server) portalUserPage(w http.ResponseWriter, pg *page, p *accounts.Principal, u accounts.User, status int) {
	v := userView{User: u, Base: "/portal", Action: "/portal/users/" + strconv.FormatInt(u.ID, 10) + "/permissions",
		Self: u.ID == p.User.ID}
	if !u.OrgAdmin {
		v.Sets = pg.useFields(fieldset{Fields: []field{{Name: "permissions", Label: "field.permissions",
			Type: "checkboxes", Options: permissionOptions(), Hint: "field.permissions_hint"}}})
	}
	pg.Title, pg.Nav, pg.Data = u.Name, "users", v
	s.render(w, status, "user", pg)
}

// pathUser fetches the user named in the path as the principal may see it. A customer
// only ever gets a user of its own organisation: the service already refuses others, and
// the page checks again because a page that shows another tenant's user is the one
// mistake isolation must never make.
func (s *server) pathUser(r *http.Request, p *accounts.Principal) (accounts.User, error) {
	id, err := pathID(r)
	if err != nil {
		return accounts.User{}, err
	}
	u, err := s.acc.GetUser(r.Context(), *p, id)
	if err != nil {
		return accounts.User{}, err
	}
	return u, nil
}

func (s *server) portalUser(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	u, err := s.pathUser(r, p)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Form = userAccessForm(u)
	s.portalUserPage(w, pg, p, u, http.StatusOK)
	return nil
}

func (s *server) portalUserPermissions(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
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
	_, err = s.acc.SetUserPermissions(r.Context(), *p, id, permissionsFrom(f), nil)
	switch {
	case err == nil:
		s.flash(w, "access_saved")
		s.redirect(w, r, "/portal/users/"+strconv.FormatInt(id, 10))
		return nil
	case fieldErrors(f, err, nil):
		u, err := s.pathUser(r, p)
		if err != nil {
			return err
		}
		s.portalUserPage(w, pg, p, u, http.StatusUnprocessableEntity)
		return nil
	default:
		return err
	}
}

type allowlistView struct {
	Current  []string
	ClientIP string
	Editable bool
	Sets     []fieldset
}

var allowlistFields = fieldset{Fields: []field{
	{Name: "ip_allowlist", Label: "field.ip_allowlist", Type: "textarea", Hint: "allowlist.hint", Wide: true},
}}

func (s *server) allowlistPage(w http.ResponseWriter, r *http.Request, pg *page, org accounts.Organisation, status int) {
	v := allowlistView{Current: org.IPAllowlist, ClientIP: info(r.Context()).ip, Editable: pg.P.Can(accounts.AllowlistSet, org.Ref())}
	if v.Editable {
		v.Sets = pg.useFields(allowlistFields)
	}
	pg.Nav, pg.Data = "allowlist", v
	s.render(w, status, "portal_allowlist", pg)
}

func (s *server) portalAllowlist(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	org, err := s.acc.OwnOrganisation(*p)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "allowlist.title")
	pg.Form = newForm(nil)
	pg.Form.set("ip_allowlist", strings.Join(org.IPAllowlist, "\n"))
	s.allowlistPage(w, r, pg, org, http.StatusOK)
	return nil
}

// parseList splits a textarea into entries: one per line, commas and spaces allowed too.
func parseList(s string) []string {
	out := []string{}
	for _, e := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' || r == '\t' || r == ';' }) {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

func (s *server) portalAllowlistUpdate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ctx := r.Context()
	pg := s.newPage(w, r, "allowlist.title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	if len(f.Errors) == 0 {
		err := s.acc.SetIPAllowlist(ctx, *p, p.Org.ID, parseList(f.Get("ip_allowlist")), info(ctx).ip)
		var fe accounts.FieldErrors
		switch {
		case err == nil:
			s.flash(w, "allowlist_saved")
			s.redirect(w, r, "/portal/allowlist")
			return nil
		case errors.As(err, &fe):
			// Whatever the service calls the entries ("ip_allowlist", "ip_allowlist.2",
			// "cidrs"), every refusal belongs to the one textarea.
			keys := make([]string, 0, len(fe))
			for k := range fe {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			msgs := make([]string, len(keys))
			for i, k := range keys {
				msgs[i] = say(pg.Lang, fe[k])
			}
			f.Errors["ip_allowlist"] = strings.Join(msgs, " ")
		default:
			return err
		}
	}
	org, err := s.acc.GetOrganisation(ctx, *p, p.Org.ID)
	if err != nil {
		return err
	}
	s.allowlistPage(w, r, pg, org, http.StatusUnprocessableEntity)
	return nil
}

type tokensView struct {
	Base      string // /portal or /staff
	Tokens    []accounts.APIToken
	Created   *accounts.APIToken
	Plaintext string
	Sets      []fieldset
}

var scopeOptions = []option{{Value: string(accounts.ScopeRead), Label: "scope.read"}, {Value: string(accounts.ScopeWrite), Label: "scope.write"}}

var expiryOptions = []option{
	{Value: "30", Label: "tokens.days_30"}, {Value: "90", Label: "tokens.days_90"},
	{Value: "365", Label: "tokens.days_365"}, {Value: "0", Label: "tokens.never"},
}

var tokenFields = fieldset{Fields: []field{
	{Name: "name", Label: "field.token_name", Type: "text", Required: true, Max: 100, Hint: "tokens.name_hint"},
	{Name: "scopes", Label: "field.scopes", Type: "checkboxes", Options: scopeOptions, Hint: "tokens.scopes_hint"},
	{Name: "expires_in_days", Label: "field.expires", Type: "select", Options: expiryOptions},
}}

// tokenRoutes registers the API token pages that customers (/portal) and staff
// (/staff, for the staff API; issue 8, finding 10) share. Tokens are made and revoked
// by a signed-in person only (accounts.CreateAPIToken), and a new token's plaintext is
// shown once.
func (s *server) tokenRoutes(base string, reg func(string, handlerFunc)) {
	reg("GET "+base+"/tokens", s.tokens(base))
	reg("POST "+base+"/tokens", s.tokenCreate(base))
	reg("GET "+base+"/tokens/{id}/revoke", s.tokenRevokeConfirm(base))
	reg("POST "+base+"/tokens/{id}/revoke", s.tokenRevoke(base))
}

func (s *server) tokensPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, v tokensView, status int) error {
	tokens, err := s.acc.ListAPITokens(r.Context(), *p)
	if err != nil {
		return err
	}
	v.Tokens, v.Sets = tokens, pg.useFields(tokenFields)
	if p.Can(accounts.UsageSubmit, accounts.Provider) {
		v.Sets = pg.useFields(usageTokenFields()) // a collector's token (usage_pages.go)
	}
	pg.Nav, pg.Data = "tokens", v
	s.render(w, status, "portal_tokens", pg)
	return nil
}

func defaultTokenForm() *form {
	f := newForm(nil)
	f.set("scopes", string(accounts.ScopeRead))
	f.set("expires_in_days", "90")
	return f
}

func (s *server) tokens(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		pg := s.newPage(w, r, "tokens.title")
		pg.Form = defaultTokenForm()
		return s.tokensPage(w, r, p, pg, tokensView{Base: base}, http.StatusOK)
	}
}

// tokenCreate shows the new token's plaintext in the response to the POST itself: it
// is never stored, so there is no page to redirect to that could show it.
func (s *server) tokenCreate(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		pg := s.newPage(w, r, "tokens.title")
		f, err := s.readForm(r, pg.Lang)
		if err != nil {
			return err
		}
		pg.Form = f
		var scopes []accounts.Scope
		for _, sc := range f.Values["scopes"] {
			scopes = append(scopes, accounts.Scope(sc))
		}
		days, err := strconv.Atoi(f.Get("expires_in_days"))
		if err != nil || days < 0 {
			f.Errors["expires_in_days"] = pg.T("form.not_a_number")
		}
		requireFields(f, pg.Lang, map[string]string{"name": f.Get("name")})
		if len(f.Errors) == 0 {
			tok, plain, err := s.acc.CreateAPIToken(r.Context(), *p, strings.TrimSpace(f.Get("name")), scopes, days)
			switch {
			case err == nil:
				pg.Form = defaultTokenForm()
				return s.tokensPage(w, r, p, pg, tokensView{Base: base, Created: &tok, Plaintext: plain}, http.StatusOK)
			case fieldErrors(f, err, map[string]string{"expires_in_days": "expires_in_days", "expires": "expires_in_days"}):
			default:
				return err
			}
		}
		return s.tokensPage(w, r, p, pg, tokensView{Base: base}, http.StatusUnprocessableEntity)
	}
}

func (s *server) tokenRevokeConfirm(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		tokens, err := s.acc.ListAPITokens(r.Context(), *p)
		if err != nil {
			return err
		}
		for _, t := range tokens {
			if t.ID == id && t.RevokedAt == nil {
				pg := s.newPage(w, r, "tokens.revoke_title")
				pg.Nav = "tokens"
				pg.Data = confirmView{Question: pg.T("tokens.revoke_question", t.Name, t.Prefix),
					Action: base + "/tokens/" + strconv.FormatInt(id, 10) + "/revoke", Submit: "tokens.revoke",
					Cancel: base + "/tokens", Danger: true}
				s.render(w, http.StatusOK, "confirm", pg)
				return nil
			}
		}
		return accounts.ErrNotFound
	}
}

func (s *server) tokenRevoke(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := s.acc.RevokeAPIToken(r.Context(), *p, id); err != nil {
			return err
		}
		s.flash(w, "token_revoked")
		s.redirect(w, r, base+"/tokens")
		return nil
	}
}

// activityRow is an audit entry as a customer sees it. Provider staff appear as the
// provider, not by name: the customer learns that the provider acted and when, while
// staff members' addresses stay internal.
type activityRow struct {
	At       string
	Who      string
	Sentence string // what happened, in the reader's language
	Action   string // the technical record, for staff to unfold
	Summary  string
	IP       string
}

func (s *server) activityRows(ctx context.Context, pg *page, p accounts.Principal, orgID int64, entries []audit.Entry) []activityRow {
	names := s.activityNames(ctx, p, orgID, entries)
	rows := make([]activityRow, len(entries))
	for i, e := range entries {
		row := activityRow{At: pg.Time(e.At), Sentence: s.activitySentence(pg, names, e), Action: e.Action, Summary: e.Summary}
		switch e.Actor.Kind {
		case audit.ActorStaff:
			row.Who = pg.T("activity.by_staff", s.cfg.ProviderName)
			if pg.Staff() {
				// Staff reading a customer's feed see which colleague acted.
				row.Who = e.Actor.Label
			}
		case audit.ActorSystem:
			row.Who = pg.T("actor.system")
		case audit.ActorPublic:
			row.Who = pg.T("actor.public")
			row.IP = e.Actor.IP
		default:
			row.Who, row.IP = s.activityActor(pg, names, e), e.Actor.IP
		}
		if e.Actor.OnBehalfOf != 0 {
			row.Who = pg.T("activity.on_behalf", row.Who, e.Actor.OnBehalfOfLabel)
		}
		rows[i] = row
	}
	return rows
}

type activityView struct {
	Rows   []activityRow
	Cursor cursor
}

func (s *server) portalActivity(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	filter := audit.Filter{OrgID: p.Org.ID, Limit: auditPage + 1}
	if before, err := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64); err == nil && before > 0 {
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
	pg := s.newPage(w, r, "activity.title")
	pg.Nav, pg.Data = "activity", activityView{Rows: s.activityRows(r.Context(), pg, *p, p.Org.ID, entries), Cursor: newCursor(r, "before", more, last)}
	s.render(w, http.StatusOK, "activity", pg)
	return nil
}
