package web

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/accounts"
)

// The public notice form (cp.ntd.2.1; issue 11 "Notice-and-takedown desk"): what a
// decision needs, evidence uploads (internal/files, refused whole with a message when
// one file is too large or of a type we do not take), bot protection by proof of work
// (pow.go) and a per-address limit. The receipt page shows the case number and the
// deadlines.

const (
	abusePath = "/abuse"
	// maxAbuseBody bounds the notice form's body: five files of 5 MiB and the fields.
	maxAbuseBody = 26 << 20
)

func (s *server) abusePublicRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+abusePath, s.abuseForm)
	mux.HandleFunc("POST "+abusePath, s.abuseSubmit)
}

func abuseFieldsets() []fieldset {
	grounds := []option{}
	for _, g := range abuse.FormGrounds {
		grounds = append(grounds, option{Value: g, Label: "abuse.ground." + g})
	}
	return []fieldset{
		{Legend: "abuse.f.you", Fields: []field{
			{Name: "notifier_name", Label: "abuse.f.name", Type: "text", Required: true, Auto: "name", Max: 200},
			{Name: "notifier_org", Label: "abuse.f.org", Type: "text", Auto: "organization", Max: 200},
			{Name: "notifier_email", Label: "abuse.f.email", Type: "email", Required: true, Auto: "email", Max: 254},
			{Name: "notifier_phone", Label: "abuse.f.phone", Type: "tel", Auto: "tel", Max: 40},
		}},
		{Legend: "abuse.f.content", Fields: []field{
			{Name: "urls", Label: "abuse.f.urls", Type: "textarea", Required: true, Hint: "abuse.f.urls_hint", Wide: true},
			{Name: "ground", Label: "abuse.f.ground", Type: "select", Required: true, Options: append([]option{{Value: "", Label: "abuse.f.choose"}}, grounds...)},
			{Name: "asks", Label: "abuse.f.asks", Type: "checkboxes", Options: []option{{Value: "removal", Label: "abuse.f.asks_removal"}, {Value: "identification", Label: "abuse.f.asks_identification"}}},
			{Name: "description", Label: "abuse.f.description", Type: "textarea", Required: true, Hint: "abuse.f.description_hint", Wide: true},
			{Name: "contacted_customer", Label: "abuse.f.contacted", Type: "checkbox"},
		}},
		{Legend: "abuse.f.urgency", Fields: []field{
			{Name: "urgent", Label: "abuse.f.urgent", Type: "checkbox"},
			{Name: "urgency_reasons", Label: "abuse.f.urgency_reasons", Type: "textarea", Hint: "abuse.f.urgency_hint", Wide: true},
		}},
		{Fields: []field{{Name: "accurate", Label: "abuse.f.accurate", Type: "checkbox"}}},
	}
}

type abuseFormView struct {
	Sets     []fieldset
	Pow      powChallenge
	Key      string
	MaxFiles int
	MaxMB    int
	Evidence string // the evidence field's error
}

func (s *server) abusePow() *powIssuer {
	if s.pow == nil {
		s.pow = newPowIssuer(s.clock, signupPowMax)
	}
	return s.pow
}

func (s *server) abusePage(w http.ResponseWriter, pg *page, status int) {
	pol := s.abuse.Pack().Latest().Terms.NTD
	key := pg.Form.Get("key")
	if key == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		key = hex.EncodeToString(b)
	}
	pg.Data = abuseFormView{Sets: pg.useFields(abuseFieldsets()...), Pow: s.abusePow().issue(), Key: key,
		MaxFiles: pol.EvidenceMaxFiles, MaxMB: pol.EvidenceMaxBytes >> 20, Evidence: pg.Form.Err("evidence")}
	s.render(w, status, "abuse_form", pg)
}

func (s *server) abuseForm(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "abuse.title")
	pg.Form = newForm(nil)
	s.abusePage(w, pg, http.StatusOK)
}

func (s *server) abuseSubmit(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.abuseLimit.allow(limitKey(info(r.Context()).ip)); !ok {
		s.tooMany(w, r, wait)
		return
	}
	pg := s.newPage(w, r, "abuse.title")
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			pg.Form = newForm(nil)
			pg.Form.lang = pg.Lang
			pg.Form.Errors["evidence"] = pg.T("abuse.err.body_too_large", maxAbuseBody>>20)
			s.abusePage(w, pg, http.StatusRequestEntityTooLarge)
			return
		}
		if err := r.ParseForm(); err != nil {
			s.badForm(w, r, err)
			return
		}
	}
	defer func() {
		if r.MultipartForm != nil {
			_ = r.MultipartForm.RemoveAll()
		}
	}()
	f := newForm(map[string][]string(r.PostForm))
	f.lang = pg.Lang
	for name, vs := range r.PostForm {
		for _, v := range vs {
			if len(v) > maxField*5 {
				f.Errors[name] = translate(pg.Lang, "form.too_long", maxField*5)
			}
		}
	}
	pg.Form = f
	if !s.abusePow().verify(f.Get("pow_salt"), f.Get("pow_challenge"), f.Get("pow_signature"), f.Get("pow_number")) {
		f.General = append(f.General, pg.T("signup.pow_failed"))
	}
	n := abuse.Notice{NotifierName: f.Get("notifier_name"), NotifierOrg: f.Get("notifier_org"), NotifierEmail: f.Get("notifier_email"),
		NotifierPhone: f.Get("notifier_phone"), Lang: pg.Lang, URLs: []string{f.Get("urls")}, AsksRemoval: slices.Contains(f.Values["asks"], "removal"),
		AsksIdentification: slices.Contains(f.Values["asks"], "identification"), Ground: f.Get("ground"), Description: f.Get("description"),
		Accurate: f.Get("accurate") != "", ContactedCustomer: f.Get("contacted_customer") != "", Urgent: f.Get("urgent") != "",
		UrgencyReasons: f.Get("urgency_reasons"), Key: f.Get("key")}
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["evidence"] {
			if fh.Size == 0 && fh.Filename == "" {
				continue
			}
			fl, err := fh.Open()
			if err != nil {
				s.fail(w, r, err)
				return
			}
			defer fl.Close()
			n.Evidence = append(n.Evidence, abuse.Upload{Name: fh.Filename, Data: fl})
		}
	}
	if len(f.Errors) == 0 && len(f.General) == 0 {
		c, err := s.abuse.Submit(r.Context(), n)
		switch {
		case err == nil:
			s.abuseReceipt(w, pg, c)
			return
		case fieldErrors(f, err, nil):
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.abusePage(w, pg, http.StatusUnprocessableEntity)
}

// abuseReceipt is the page after a notice: its number and what happens by when.
func (s *server) abuseReceipt(w http.ResponseWriter, pg *page, c abuse.Case) {
	pg.Title = pg.T("abuse.receipt.title")
	lines := []string{pg.T("abuse.receipt.number", c.Number()), pg.T("abuse.receipt.mail", c.NotifierEmail)}
	if c.State == abuse.StateClosed {
		lines = append(lines, pg.T("abuse.receipt.not_ours"))
	} else {
		pol := s.abuse.Pack().Latest()
		lines = append(lines, pg.T("abuse.receipt.steps", pol.Terms.Deadlines["ntd"].Period.Words()))
		if !c.DueOn.IsZero() {
			lines = append(lines, pg.T("abuse.receipt.urgent", c.DueOn))
		}
	}
	pg.Data = messageView{Lines: lines, Links: []link{{URL: "/ntd", Label: pg.T("abuse.receipt.policy")}}}
	s.render(w, http.StatusOK, "message", pg)
}

// AbuseNav reports whether the staff app shows the notice-and-takedown desk.
func (p *page) AbuseNav() bool {
	return p.Abuse && p.P != nil && p.P.Can(accounts.AbuseRead, accounts.Provider)
}

// AbusePortalNav reports whether the portal shows the notices about the organisation.
func (p *page) AbusePortalNav() bool {
	return p.Abuse && p.P != nil && p.P.Org != nil && p.P.Can(accounts.AbuseRespond, p.P.Org.Ref())
}

// abuseDue words a case's running deadline.
func abuseDue(pg *page, c abuse.Case) string {
	if c.DueOn.IsZero() {
		return "—"
	}
	s := pg.T("abuse.due."+c.DueKind, c.DueOn)
	if c.Overdue(pg.Today) {
		s += " — " + pg.T("abuse.overdue")
	}
	return s
}
