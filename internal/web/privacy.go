package web

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/http"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/privacy"
	"github.com/hostpact/hostpact/internal/terms"
)

// The privacy pages (issue 12): the public subprocessor list with its history and
// Atom feed, the portal's notices (subprocessor announcements with the objection
// button, breach notices with the controller's decision) and the staff overview. The
// service decides who may see and do what.

func (s *server) privacyRoutes(mux *http.ServeMux, staff, portal func(string, handlerFunc)) {
	mux.HandleFunc("GET /subprocessors", s.publicSubprocessors)
	mux.HandleFunc("GET /subprocessors.atom", s.subprocessorsAtom)
	portal("GET /portal/privacy", s.portalPrivacy)
	portal("POST /portal/privacy/announcements/{id}/object", s.portalPrivacyObject)
	portal("POST /portal/privacy/breaches/{id}/decision", s.portalPrivacyDecision)
	staff("GET /staff/privacy", s.staffPrivacy)
	staff("POST /staff/privacy/objections/{id}/resolve", s.staffPrivacyResolve)
}

type privacyPublicView struct {
	List    []privacy.Subprocessor
	History []privacy.Change
}

func (s *server) publicSubprocessors(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "privacy.public.title")
	list, err := s.priv.Subprocessors(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	hist, err := s.priv.History(r.Context(), 0, 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg.Data = privacyPublicView{List: list, History: hist}
	s.render(w, http.StatusOK, "privacy_public", pg)
}

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Title   string      `xml:"title"`
	ID      string      `xml:"id"`
	Updated string      `xml:"updated"`
	Link    atomLink    `xml:"link"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Href string `xml:"href,attr"`
	Rel  string `xml:"rel,attr,omitempty"`
}

type atomEntry struct {
	Title   string   `xml:"title"`
	ID      string   `xml:"id"`
	Updated string   `xml:"updated"`
	Link    atomLink `xml:"link"`
	Summary string   `xml:"summary"`
}

// subprocessorsAtom is the change history as Atom (RFC 4287), in the page's language.
func (s *server) subprocessorsAtom(w http.ResponseWriter, r *http.Request) {
	hist, err := s.priv.History(r.Context(), 0, 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	lang := r.URL.Query().Get("lang")
	if lang != "en" && lang != "nl" {
		lang = s.language(r, nil)
	}
	base := s.cfg.BaseURL
	f := atomFeed{Title: translate(lang, "privacy.public.title") + " — " + s.cfg.ProviderName, ID: base + "/subprocessors",
		Link: atomLink{Href: base + "/subprocessors"}, Updated: time.Unix(0, 0).UTC().Format(time.RFC3339)}
	for i, c := range hist {
		if i == 0 {
			f.Updated = c.AnnouncedAt.UTC().Format(time.RFC3339)
		}
		sum := c.SummaryNL
		if lang == "en" {
			sum = c.SummaryEN
		}
		title := translate(lang, "privacy.atom.new", c.Name, c.EffectiveOn.In(lang))
		if c.Replaces != "" {
			title = translate(lang, "privacy.atom.replaces", c.Name, c.Replaces, c.EffectiveOn.In(lang))
		}
		f.Entries = append(f.Entries, atomEntry{Title: title, ID: fmt.Sprintf("%s/subprocessors#change-%d", base, c.ID),
			Updated: c.AnnouncedAt.UTC().Format(time.RFC3339), Link: atomLink{Href: fmt.Sprintf("%s/subprocessors#change-%d", base, c.ID)}, Summary: sum})
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(f); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/atom+xml; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

type portalPrivacyView struct {
	Announcements []privacy.Announcement
	Breaches      []privacy.Breach
	Today         terms.Date
	CanObject     bool
}

func (s *server) portalPrivacy(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	org := p.Org.ID
	anns, err := s.priv.Announcements(r.Context(), *p, org)
	if err != nil {
		return err
	}
	brs, err := s.priv.BreachNotices(r.Context(), *p, org)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "privacy.portal.title")
	pg.Nav = "privacy"
	pg.Data = portalPrivacyView{Announcements: anns, Breaches: brs, Today: terms.DateIn(s.clock.Now(), clock.Amsterdam),
		CanObject: p.Can(accounts.SubprocessorObject, accounts.OrgID(org))}
	s.render(w, http.StatusOK, "portal_privacy", pg)
	return nil
}

func (s *server) portalPrivacyObject(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := s.readForm(r, s.language(r, p))
	if err != nil {
		return err
	}
	if _, err := s.priv.Object(r.Context(), *p, id, f.Get("reason")); err != nil {
		return err
	}
	s.flash(w, "privacy_objected")
	s.redirect(w, r, "/portal/privacy")
	return nil
}

func (s *server) portalPrivacyDecision(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := s.readForm(r, s.language(r, p))
	if err != nil {
		return err
	}
	if err := s.priv.RecordBreachDecision(r.Context(), *p, id, p.Org.ID, f.Get("authority"), f.Get("subjects")); err != nil {
		return err
	}
	s.flash(w, "privacy_decided")
	s.redirect(w, r, "/portal/privacy")
	return nil
}

type staffPrivacyView struct {
	Objections []privacy.Objection
	Holds      []privacy.Hold
	Plan       []privacy.PlanItem
}

func (s *server) staffPrivacy(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	objs, err := s.priv.Objections(r.Context(), *p, false)
	if err != nil {
		return err
	}
	today := terms.DateIn(s.clock.Now(), clock.Amsterdam)
	plan, err := s.priv.RetentionPlan(r.Context(), *p, today.AddDays(90))
	if err != nil {
		return err
	}
	holds, err := s.priv.Holds(r.Context(), s.db)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "privacy.staff.title")
	pg.Nav = "privacy"
	pg.Data = staffPrivacyView{Objections: objs, Holds: holds, Plan: plan}
	s.render(w, http.StatusOK, "staff_privacy", pg)
	return nil
}

func (s *server) staffPrivacyResolve(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f, err := s.readForm(r, s.language(r, p))
	if err != nil {
		return err
	}
	if err := s.priv.Resolve(r.Context(), *p, id, f.Get("outcome"), f.Get("resolution")); err != nil {
		return err
	}
	s.flash(w, "privacy_resolved")
	s.redirect(w, r, "/staff/privacy")
	return nil
}
