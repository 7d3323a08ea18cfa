package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/privacy/holders"
)

// The staff forms of the privacy duties (issue 12): announcing a subprocessor,
// recording a breach and sending updates, handling data subject requests (identity,
// extension, export, erasure) and legal holds. The service checks privacy.manage.

func (s *server) privacyStaffRoutes(staff func(string, handlerFunc)) {
	staff("GET /staff/privacy/subprocessors/new", s.privForm(announceForm))
	staff("POST /staff/privacy/subprocessors/new", s.privPost(announceForm))
	staff("GET /staff/privacy/breaches", s.staffBreaches)
	staff("GET /staff/privacy/breaches/new", s.privForm(breachForm))
	staff("POST /staff/privacy/breaches/new", s.privPost(breachForm))
	staff("GET /staff/privacy/breaches/{id}", s.staffBreach)
	staff("POST /staff/privacy/breaches/{id}/update", s.staffBreachUpdate)
	staff("POST /staff/privacy/breaches/{id}/notify", s.staffBreachNotify)
	staff("POST /staff/privacy/breaches/{id}/authority", s.staffBreachAuthority)
	staff("GET /staff/privacy/requests", s.staffRequests)
	staff("GET /staff/privacy/requests/new", s.privForm(requestForm))
	staff("POST /staff/privacy/requests/new", s.privPost(requestForm))
	staff("GET /staff/privacy/requests/{id}", s.staffRequest)
	staff("POST /staff/privacy/requests/{id}/identity", s.staffRequestAct("identity"))
	staff("POST /staff/privacy/requests/{id}/extend", s.staffRequestAct("extend"))
	staff("POST /staff/privacy/requests/{id}/close", s.staffRequestAct("close"))
	staff("GET /staff/privacy/requests/{id}/export", s.staffRequestExport)
	staff("GET /staff/privacy/requests/{id}/erase", s.confirmGet(s.erasePage))
	staff("POST /staff/privacy/requests/{id}/erase", s.confirmPost(s.erasePage, nil, s.eraseAct))
	staff("GET /staff/privacy/holds/new", s.privForm(holdForm))
	staff("POST /staff/privacy/holds/new", s.privPost(holdForm))
	staff("GET /staff/privacy/holds/{id}/lift", s.confirmGet(s.liftPage))
	staff("POST /staff/privacy/holds/{id}/lift", s.confirmPost(s.liftPage, nil, s.liftAct))
}

// privFormDef is one staff form: its fields, where it posts and what saving does.
type privFormDef struct {
	title, action, submit, cancel string
	sets                          func(s *server, ctx context.Context) []fieldset
	defaults                      func(s *server, f *form)
	save                          func(s *server, r *http.Request, p *accounts.Principal, f *form) (flash, next string, err error)
}

func (s *server) privRender(w http.ResponseWriter, pg *page, d privFormDef, status int, ctx context.Context) {
	pg.Title, pg.Nav = pg.T(d.title), "privacy"
	pg.Data = formView{Action: d.action, Sets: pg.useFields(d.sets(s, ctx)...), Submit: d.submit, Cancel: d.cancel}
	s.render(w, status, "form", pg)
}

func (s *server) privForm(d privFormDef) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		// Only someone who may change the register sees its forms.
		if err := p.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
			return err
		}
		pg := s.newPage(w, r, "")
		pg.Form = newForm(nil)
		if d.defaults != nil {
			d.defaults(s, pg.Form)
		}
		s.privRender(w, pg, d, http.StatusOK, r.Context())
		return nil
	}
}

func (s *server) privPost(d privFormDef) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		pg := s.newPage(w, r, "")
		f, err := s.readForm(r, pg.Lang)
		if err != nil {
			return err
		}
		pg.Form = f
		if len(f.Errors) == 0 {
			flash, next, err := d.save(s, r, p, f)
			switch {
			case err == nil && len(f.Errors) == 0:
				s.flash(w, flash)
				s.redirect(w, r, next)
				return nil
			case err == nil, fieldErrors(f, err, nil):
			default:
				return err
			}
		}
		s.privRender(w, pg, d, http.StatusUnprocessableEntity, r.Context())
		return nil
	}
}

// --- subprocessors ---

func privKindOptions() []option {
	var out []option
	for _, k := range []catalog.Kind{catalog.KindWebhosting, catalog.KindHosting, catalog.KindEmail, catalog.KindVPS, catalog.KindVPSBackup,
		catalog.KindContainers, catalog.KindVPN, catalog.KindDomain, catalog.KindEmailMarketing, catalog.KindWebsite} {
		out = append(out, option{Value: string(k), Text: string(k)})
	}
	return out
}

var announceForm = privFormDef{title: "privacy.announce.title", action: "/staff/privacy/subprocessors/new", submit: "privacy.announce.submit", cancel: "/staff/privacy",
	sets: func(s *server, ctx context.Context) []fieldset {
		replaces := []option{{Value: "", Label: "privacy.announce.none"}}
		if list, err := s.priv.Subprocessors(ctx); err == nil {
			for _, sp := range list {
				if sp.Until.IsZero() {
					replaces = append(replaces, option{Value: strconv.FormatInt(sp.ID, 10), Text: sp.Name})
				}
			}
		}
		return []fieldset{{Hint: "privacy.announce.hint", Fields: []field{
			{Name: "name", Label: "privacy.col.name", Type: "text", Required: true, Max: 200},
			{Name: "purpose", Label: "privacy.col.purpose", Type: "text", Required: true, Max: 1000},
			{Name: "location", Label: "privacy.col.location", Type: "text", Required: true, Max: 200},
			{Name: "transfer", Label: "privacy.col.transfer", Type: "text", Max: 1000, Hint: "privacy.announce.transfer_hint"},
			{Name: "kinds", Label: "privacy.col.kinds", Type: "checkboxes", Options: privKindOptions()},
			{Name: "since", Label: "privacy.announce.since", Type: "date", Required: true},
			{Name: "replaces", Label: "privacy.replaces", Type: "select", Options: replaces},
			{Name: "summary_nl", Label: "privacy.announce.summary_nl", Type: "textarea", Required: true},
			{Name: "summary_en", Label: "privacy.announce.summary_en", Type: "textarea", Required: true},
		}}}
	},
	save: func(s *server, r *http.Request, p *accounts.Principal, f *form) (string, string, error) {
		since := parseDate(f, "since")
		requireFields(f, f.lang, map[string]string{"summary_nl": f.Get("summary_nl"), "summary_en": f.Get("summary_en")})
		repl, _ := strconv.ParseInt(f.Get("replaces"), 10, 64)
		if len(f.Errors) > 0 {
			return "", "", nil
		}
		_, err := s.priv.Announce(r.Context(), *p, privacy.AnnounceInput{SubprocessorInput: privacy.SubprocessorInput{Name: f.Get("name"), Purpose: f.Get("purpose"),
			Location: f.Get("location"), Transfer: f.Get("transfer"), Kinds: f.Values["kinds"], Since: since},
			ReplacesID: repl, SummaryNL: strings.TrimSpace(f.Get("summary_nl")), SummaryEN: strings.TrimSpace(f.Get("summary_en"))})
		return "privacy_announced", "/subprocessors", err
	}}

// --- breaches ---

type staffBreachesView struct {
	Breaches  []privacy.Breach
	CanManage bool
	NextURL   string
}

func (s *server) staffBreaches(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	list, err := s.priv.Breaches(r.Context(), *p, before)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "privacy.breaches.title")
	pg.Nav = "privacy"
	v := staffBreachesView{Breaches: list, CanManage: p.Can(accounts.PrivacyManage, accounts.Provider)}
	if len(list) == privacy.PageSize {
		v.NextURL = fmt.Sprintf("/staff/privacy/breaches?before=%d", list[len(list)-1].ID)
	}
	pg.Data = v
	s.render(w, http.StatusOK, "staff_privacy_breaches", pg)
	return nil
}

var breachForm = privFormDef{title: "privacy.breach_new.title", action: "/staff/privacy/breaches/new", submit: "privacy.breach_new.submit", cancel: "/staff/privacy/breaches",
	sets: func(s *server, ctx context.Context) []fieldset {
		return []fieldset{{Hint: "privacy.breach_new.hint", Fields: []field{
			{Name: "discovered_at", Label: "privacy.breach.discovered", Type: "datetime-local", Required: true},
			{Name: "description", Label: "privacy.breach.description", Type: "textarea", Required: true},
			{Name: "data_categories", Label: "privacy.breach.data", Type: "text", Required: true, Max: 2000},
			{Name: "subject_categories", Label: "privacy.breach.subjects", Type: "text", Required: true, Max: 2000},
			{Name: "subjects_estimate", Label: "privacy.breach.estimate", Type: "text", Max: 200},
			{Name: "cause", Label: "privacy.breach.cause", Type: "textarea", Required: true},
			{Name: "consequences", Label: "privacy.breach.consequences", Type: "textarea", Required: true},
			{Name: "solution", Label: "privacy.breach.solution", Type: "textarea", Required: true},
			{Name: "measures", Label: "privacy.breach.measures", Type: "textarea", Required: true},
			{Name: "secured", Label: "privacy.breach.secured", Type: "text", Max: 2000},
			{Name: "contact", Label: "privacy.breach.contact", Type: "text", Required: true, Max: 500},
			{Name: "informed", Label: "privacy.breach.informed", Type: "text", Max: 2000},
			{Name: "servers", Label: "privacy.breach.servers", Type: "text", Hint: "privacy.breach.servers_hint", Max: 500},
			{Name: "provider_controller", Label: "privacy.breach.provider_controller", Type: "checkbox"},
			{Name: "notify_now", Label: "privacy.breach.notify_now", Type: "checkbox"},
		}}}
	},
	save: func(s *server, r *http.Request, p *accounts.Principal, f *form) (string, string, error) {
		at := parseDateTime(f, "discovered_at")
		var servers []int64
		for _, part := range strings.FieldsFunc(f.Get("servers"), func(r rune) bool { return r == ',' || r == ' ' }) {
			id, err := strconv.ParseInt(part, 10, 64)
			if err != nil || id <= 0 {
				f.Errors["servers"] = translate(f.lang, "privacy.breach.servers_hint")
				break
			}
			servers = append(servers, id)
		}
		if len(f.Errors) > 0 {
			return "", "", nil
		}
		b, err := s.priv.RecordBreach(r.Context(), *p, privacy.BreachInput{DiscoveredAt: at, Description: f.Get("description"), DataCategories: f.Get("data_categories"),
			SubjectCategories: f.Get("subject_categories"), SubjectsEstimate: f.Get("subjects_estimate"), Cause: f.Get("cause"), Consequences: f.Get("consequences"),
			Solution: f.Get("solution"), Measures: f.Get("measures"), Secured: f.Get("secured"), Contact: f.Get("contact"), Informed: f.Get("informed"),
			ServerIDs: servers, ProviderController: f.Get("provider_controller") != "", NotifyNow: f.Get("notify_now") != ""})
		if err != nil {
			return "", "", err
		}
		return "privacy_breach_recorded", fmt.Sprintf("/staff/privacy/breaches/%d", b.ID), nil
	}}

type staffBreachView struct {
	B         privacy.Breach
	CanManage bool
}

func (s *server) staffBreach(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	b, err := s.priv.GetBreach(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = pg.T("privacy.breach.title", b.ID), "privacy"
	pg.Data = staffBreachView{B: b, CanManage: p.Can(accounts.PrivacyManage, accounts.Provider)}
	s.render(w, http.StatusOK, "staff_privacy_breach", pg)
	return nil
}

func (s *server) staffBreachUpdate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.privAct(w, r, p, "privacy_breach_updated", "/staff/privacy/breaches/", func(ctx context.Context, id int64, f *form) error {
		return s.priv.AddBreachUpdate(ctx, *p, id, f.Get("text"))
	})
}

func (s *server) staffBreachNotify(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.privAct(w, r, p, "privacy_breach_notified", "/staff/privacy/breaches/", func(ctx context.Context, id int64, f *form) error {
		return s.priv.NotifyBreach(ctx, *p, id)
	})
}

func (s *server) staffBreachAuthority(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.privAct(w, r, p, "privacy_breach_authority", "/staff/privacy/breaches/", func(ctx context.Context, id int64, f *form) error {
		at := parseDateTime(f, "at")
		if at.IsZero() || at.After(s.clock.Now()) {
			return accounts.FieldErrors{"at": i18n.T("privacy.breach_field")}
		}
		return s.priv.AuthorityNotified(ctx, *p, id, at)
	})
}

// privAct runs a small POST on an object's page; field errors come back as a 422 page
// with the message, everything else as the usual error pages.
func (s *server) privAct(w http.ResponseWriter, r *http.Request, p *accounts.Principal, flash, base string, act func(ctx context.Context, id int64, f *form) error) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := s.readForm(r, s.language(r, p))
	if err != nil {
		return err
	}
	if err := act(r.Context(), id, f); err != nil {
		return err
	}
	s.flash(w, flash)
	s.redirect(w, r, base+strconv.FormatInt(id, 10))
	return nil
}

// --- data subject requests ---

type staffRequestsView struct {
	Requests  []privacy.Request
	CanManage bool
	NextURL   string
	Open      bool
}

func (s *server) staffRequests(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	open := r.URL.Query().Get("all") == ""
	list, err := s.priv.Requests(r.Context(), *p, open, before)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "privacy.requests.title")
	pg.Nav = "privacy"
	v := staffRequestsView{Requests: list, CanManage: p.Can(accounts.PrivacyManage, accounts.Provider), Open: open}
	if len(list) == privacy.PageSize {
		v.NextURL = fmt.Sprintf("/staff/privacy/requests?before=%d", list[len(list)-1].ID)
		if !open {
			v.NextURL += "&all=1"
		}
	}
	pg.Data = v
	s.render(w, http.StatusOK, "staff_privacy_requests", pg)
	return nil
}

func requestKindOptions() []option {
	var out []option
	for _, k := range privacy.RequestKinds {
		out = append(out, option{Value: k, Label: "privacy.kind." + k})
	}
	return out
}

var requestForm = privFormDef{title: "privacy.request_new.title", action: "/staff/privacy/requests/new", submit: "privacy.request_new.submit", cancel: "/staff/privacy/requests",
	sets: func(s *server, ctx context.Context) []fieldset {
		return []fieldset{{Hint: "privacy.request_new.hint", Fields: []field{
			{Name: "kind", Label: "privacy.request.kind", Type: "select", Options: requestKindOptions(), Required: true},
			{Name: "scope", Label: "privacy.request.scope", Type: "select", Required: true, Options: []option{
				{Value: privacy.ScopeProvider, Label: "privacy.scope.provider"}, {Value: privacy.ScopeCustomer, Label: "privacy.scope.customer"}}},
			{Name: "org_id", Label: "privacy.request.org", Type: "number", Mode: "numeric", Hint: "privacy.request.org_hint"},
			{Name: "email", Label: "field.email", Type: "email", Required: true, Max: 254},
			{Name: "name", Label: "field.name", Type: "text", Max: 200},
			{Name: "details", Label: "privacy.request.details", Type: "textarea"},
		}}}
	},
	save: func(s *server, r *http.Request, p *accounts.Principal, f *form) (string, string, error) {
		org, _ := strconv.ParseInt(f.Get("org_id"), 10, 64)
		if f.Get("scope") != privacy.ScopeCustomer {
			org = 0
		}
		req, err := s.priv.RecordRequest(r.Context(), *p, privacy.RequestInput{Kind: f.Get("kind"), Scope: f.Get("scope"), Email: f.Get("email"),
			Name: f.Get("name"), Details: f.Get("details"), OrgID: org})
		if err != nil {
			return "", "", err
		}
		return "privacy_request_recorded", fmt.Sprintf("/staff/privacy/requests/%d", req.ID), nil
	}}

type staffRequestView struct {
	R         privacy.Request
	CanManage bool
	Error     string
}

func (s *server) staffRequest(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.renderRequest(w, r, p, id, "", http.StatusOK)
}

func (s *server) renderRequest(w http.ResponseWriter, r *http.Request, p *accounts.Principal, id int64, msg string, status int) error {
	req, err := s.priv.GetRequest(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = pg.T("privacy.request.title", req.ID), "privacy"
	pg.Data = staffRequestView{R: req, CanManage: p.Can(accounts.PrivacyManage, accounts.Provider), Error: msg}
	s.render(w, status, "staff_privacy_request", pg)
	return nil
}

// staffRequestAct records the identity check, an extension with its reasons, or the
// outcome; a refusal by the service (a late extension, an empty reason) shows the
// request again with the message.
func (s *server) staffRequestAct(what string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		id, lang, f, err := s.idForm(r, p)
		if err != nil {
			return err
		}
		switch what {
		case "identity":
			err = s.priv.CheckIdentity(r.Context(), *p, id, f.Get("method"))
		case "extend":
			_, err = s.priv.ExtendRequest(r.Context(), *p, id, f.Get("reason"))
		case "close":
			err = s.priv.CloseRequest(r.Context(), *p, id, f.Get("outcome"))
		}
		var fe accounts.FieldErrors
		if errors.As(err, &fe) {
			var msgs []string
			for _, m := range fe {
				msgs = append(msgs, say(lang, m))
			}
			return s.renderRequest(w, r, p, id, strings.Join(msgs, " "), http.StatusUnprocessableEntity)
		}
		if err != nil {
			return err
		}
		s.flash(w, "privacy_request_"+what)
		s.redirect(w, r, fmt.Sprintf("/staff/privacy/requests/%d", id))
		return nil
	}
}

// staffRequestExport is the access answer as a ZIP download (JSON per package and a
// readable index.html), only after the identity check.
func (s *server) staffRequestExport(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	zipped, err := s.priv.Export(r.Context(), *p, id, holders.Person)
	if err == privacy.ErrIdentity {
		return s.renderRequest(w, r, p, id, translate(s.language(r, p), "privacy.request.identity_first"), http.StatusConflict)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="privacy-request-%d.zip"`, id))
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(zipped)
	return nil
}

func (s *server) erasePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	req, err := s.priv.GetRequest(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if err := p.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	pg.Title, pg.Nav = pg.T("privacy.erase.title"), "privacy"
	pg.Data = confirmView{Question: pg.T("privacy.erase.question", req.Email), Details: []string{pg.T("privacy.erase.invoices")},
		Action: fmt.Sprintf("/staff/privacy/requests/%d/erase", id), Submit: "privacy.erase.submit", Cancel: fmt.Sprintf("/staff/privacy/requests/%d", id), Danger: true}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) eraseAct(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	err := s.priv.Erase(r.Context(), *p, id, holders.Person)
	if err == privacy.ErrIdentity {
		f.General = append(f.General, pg.T("privacy.request.identity_first"))
		return "", "", nil
	}
	return "privacy_erased", fmt.Sprintf("/staff/privacy/requests/%d", id), err
}

// --- legal holds ---

var holdForm = privFormDef{title: "privacy.hold.title", action: "/staff/privacy/holds/new", submit: "privacy.hold.submit", cancel: "/staff/privacy",
	sets: func(s *server, ctx context.Context) []fieldset {
		return []fieldset{{Hint: "privacy.hold.hint", Fields: []field{
			{Name: "org_id", Label: "privacy.hold.org", Type: "number", Mode: "numeric"},
			{Name: "case_ref", Label: "privacy.hold.case", Type: "text", Max: 200, Hint: "privacy.hold.case_hint"},
			{Name: "reason", Label: "privacy.hold.reason", Type: "textarea", Required: true},
		}}}
	},
	save: func(s *server, r *http.Request, p *accounts.Principal, f *form) (string, string, error) {
		org, _ := strconv.ParseInt(f.Get("org_id"), 10, 64)
		_, err := s.priv.PlaceHold(r.Context(), *p, org, f.Get("case_ref"), f.Get("reason"))
		return "privacy_hold_placed", "/staff/privacy", err
	}}

func (s *server) liftPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	h, err := s.priv.Hold(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if err := p.Check(accounts.PrivacyManage, accounts.Provider); err != nil {
		return err
	}
	target := h.CaseRef
	if h.OrgID != 0 {
		target = pg.T("privacy.staff.customer") + " " + strconv.FormatInt(h.OrgID, 10)
	}
	pg.Title, pg.Nav = pg.T("privacy.lift.title"), "privacy"
	pg.Data = confirmView{Question: pg.T("privacy.lift.question", target), Details: []string{h.Reason},
		Action: fmt.Sprintf("/staff/privacy/holds/%d/lift", id), Submit: "privacy.lift.submit", Cancel: "/staff/privacy", Danger: true}
	s.render(w, status, "confirm", pg)
	return nil
}

func (s *server) liftAct(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
	return "privacy_hold_lifted", "/staff/privacy", s.priv.LiftHold(r.Context(), *p, id)
}
