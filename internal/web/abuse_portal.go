package web

import (
	"net/http"
	"strconv"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/accounts"
)

// The customer's view of a notice about its service (cp.ntd.2.3): the notice without
// the notifier's identity, the deadline, the answer form, and the decision with its
// reasons. Another organisation's case is not found.

func (s *server) abusePortalRoutes(portal func(string, handlerFunc)) {
	portal("GET /portal/abuse", s.portalAbuseList)
	portal("GET /portal/abuse/{id}", s.portalAbuseCase)
	portal("POST /portal/abuse/{id}", s.portalAbuseRespond)
}

func (s *server) portalAbuseList(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	cases, err := s.abuse.CustomerCases(r.Context(), *p, p.Org.ID, before, 50)
	if err != nil {
		return err
	}
	v := abuseListView{Cases: cases}
	if len(cases) == 50 {
		v.Next = "/portal/abuse?before=" + strconv.FormatInt(cases[len(cases)-1].ID, 10)
	}
	pg := s.newPage(w, r, "abuse.portal.title")
	pg.Nav, pg.Data = "abuse", v
	s.render(w, http.StatusOK, "portal_abuse", pg)
	return nil
}

type portalAbuseView struct {
	C      abuse.CustomerCase
	Number string
	Sets   []fieldset
}

func (s *server) portalAbuseCase(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.portalAbusePage(w, r, p, s.newPage(w, r, ""), id, http.StatusOK)
}

func (s *server) portalAbusePage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
	c, err := s.abuse.ForCustomer(r.Context(), *p, p.Org.ID, id)
	if err != nil {
		return err
	}
	pg.Title = pg.T("abuse.case.title", abuse.Number(id))
	sets := pg.useFields(fieldset{Fields: []field{{Name: "answer", Label: "abuse.f.answer", Type: "textarea", Required: true, Wide: true}}})
	pg.Nav, pg.Data = "abuse", portalAbuseView{C: c, Number: abuse.Number(id), Sets: sets}
	s.render(w, status, "portal_abuse_case", pg)
	return nil
}

func (s *server) portalAbuseRespond(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
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
	err = s.abuse.Respond(r.Context(), *p, p.Org.ID, id, f.Get("answer"))
	if err == nil {
		s.flash(w, "abuse_answered")
		s.redirect(w, r, "/portal/abuse/"+strconv.FormatInt(id, 10))
		return nil
	}
	if !fieldErrors(f, err, nil) {
		m, ok := stepMessage(err)
		if !ok {
			return err
		}
		f.General = append(f.General, say(pg.Lang, m))
	}
	return s.portalAbusePage(w, r, p, pg, id, http.StatusUnprocessableEntity)
}
