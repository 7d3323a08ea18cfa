package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/newsletter"
)

// The newsletter's pages (cp.privacy.newsletter.1-.5): the public sign-up (double
// opt-in, with the same proof of work and limits as the other public forms), the
// confirmation, the one-click unsubscribe of the mails' List-Unsubscribe header (RFC
// 8058) and the preference page reached with a subscriber's token; the staff pages
// that write and send newsletters and show subscribers with their consent history;
// the portal's own subscription.

// newsletterUnsubscribePattern is the one-click route: mail providers POST to it from
// their own servers, without a session, a form token or an Origin to check (RFC 8058
// section 3), so it alone bypasses cross-origin protection. It changes nothing but the
// unsubscribe the token proves.
const newsletterUnsubscribePattern = "POST " + newsletter.UnsubscribePath

func (s *server) newsletterPublicRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /newsletter", s.newsletterForm)
	mux.HandleFunc("POST /newsletter", s.newsletterSignUp)
	mux.HandleFunc("GET "+newsletter.ConfirmPath, s.newsletterConfirmForm)
	mux.HandleFunc("POST "+newsletter.ConfirmPath, s.newsletterConfirm)
	mux.HandleFunc("GET "+newsletter.UnsubscribePath, s.newsletterUnsubscribeForm)
	mux.HandleFunc(newsletterUnsubscribePattern, s.newsletterUnsubscribe)
	mux.HandleFunc("GET "+newsletter.PreferencesPath, s.newsletterPreferences)
	mux.HandleFunc("POST "+newsletter.PreferencesPath, s.newsletterPreferencesSave)
}

func (s *server) newsletterStaffRoutes(staff func(string, handlerFunc)) {
	staff("GET /staff/newsletter", s.staffNewsletters)
	staff("GET /staff/newsletter/new", s.staffNewsletterNew)
	staff("POST /staff/newsletter/new", s.staffNewsletterCreate)
	staff("GET /staff/newsletter/{id}", s.staffNewsletter)
	staff("GET /staff/newsletter/{id}/edit", s.staffNewsletterEdit)
	staff("POST /staff/newsletter/{id}/edit", s.staffNewsletterUpdate)
	staff("GET /staff/newsletter/{id}/send", s.staffNewsletterSendConfirm)
	staff("POST /staff/newsletter/{id}/send", s.staffNewsletterSend)
	staff("GET /staff/subscribers", s.staffSubscribers)
	staff("GET /staff/subscribers/{id}", s.staffSubscriber)
	staff("GET /staff/subscribers/{id}/unsubscribe", s.staffSubscriberUnsubscribeConfirm)
	staff("POST /staff/subscribers/{id}/unsubscribe", s.staffSubscriberUnsubscribe)
}

func (s *server) newsletterPortalRoutes(portal func(string, handlerFunc)) {
	portal("GET /portal/newsletter", s.portalNewsletter)
	portal("POST /portal/newsletter", s.portalNewsletterSave)
}

// NewsletterNav reports whether the staff app shows the newsletter.
func (p *page) NewsletterNav() bool {
	return p.Newsletter && p.P != nil && p.P.Can(accounts.NewsletterManage, accounts.Provider)
}

// ---- public ----

type newsletterFormView struct {
	Sets []fieldset
	Pow  powChallenge
}

func newsletterFields() []fieldset {
	return []fieldset{{Fields: []field{{Name: "email", Label: "newsletter.f.email", Type: "email", Required: true, Auto: "email", Max: 254}}}}
}

func (s *server) newsletterFormPage(w http.ResponseWriter, pg *page, status int) {
	pg.Data = newsletterFormView{Sets: pg.useFields(newsletterFields()...), Pow: s.abusePow().issue()}
	s.render(w, status, "newsletter_signup", pg)
}

func (s *server) newsletterForm(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "newsletter.title")
	pg.Form = newForm(nil)
	s.newsletterFormPage(w, pg, http.StatusOK)
}

// newsletterSignUp starts a double opt-in: limited per client address (with the
// notice and report forms) and per e-mail address, and guarded by proof of work, as a
// confirmation mail to someone else's address is what a visitor could make us send.
func (s *server) newsletterSignUp(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.abuseLimit.allow("newsletter:" + limitKey(info(r.Context()).ip)); !ok {
		s.tooMany(w, r, wait)
		return
	}
	pg := s.newPage(w, r, "newsletter.title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		s.badForm(w, r, err)
		return
	}
	pg.Form = f
	if !s.abusePow().verify(f.Get("pow_salt"), f.Get("pow_challenge"), f.Get("pow_signature"), f.Get("pow_number")) {
		f.General = append(f.General, pg.T("signup.pow_failed"))
	}
	email, err := newsletter.NormalizeEmail(f.Get("email"))
	if err != nil {
		fieldErrors(f, err, nil)
	}
	if len(f.Errors) == 0 && len(f.General) == 0 {
		if ok, wait := s.newsLimit.allow(email); !ok {
			s.tooMany(w, r, wait)
			return
		}
		err := s.news.SignUp(r.Context(), email, pg.Lang, info(r.Context()).ip)
		switch {
		case err == nil:
			pg.Data = messageView{Lines: []string{pg.T("newsletter.signup_sent", email)}}
			s.render(w, http.StatusOK, "message", pg)
			return
		case fieldErrors(f, err, nil):
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.newsletterFormPage(w, pg, http.StatusUnprocessableEntity)
}

func (s *server) newsletterMessage(w http.ResponseWriter, r *http.Request, code int, key string, args ...any) {
	pg := s.newPage(w, r, "newsletter.title")
	pg.Data = messageView{Lines: []string{pg.T(key, args...)}}
	s.render(w, code, "message", pg)
}

// newsletterConfirmForm asks before confirming: a mail scanner that follows the link
// must not subscribe anybody.
func (s *server) newsletterConfirmForm(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "newsletter.title")
	pg.Data = confirmView{Question: pg.T("newsletter.confirm_q"), Action: newsletter.ConfirmPath + "?t=" + url.QueryEscape(r.URL.Query().Get("t")),
		Submit: "newsletter.confirm_button"}
	s.render(w, http.StatusOK, "confirm", pg)
}

func (s *server) newsletterConfirm(w http.ResponseWriter, r *http.Request) {
	if ok, wait := s.limiter.allow("newsletter-token:" + limitKey(info(r.Context()).ip)); !ok {
		s.tooMany(w, r, wait)
		return
	}
	err := s.news.Confirm(r.Context(), r.URL.Query().Get("t"), info(r.Context()).ip)
	switch {
	case errors.Is(err, newsletter.ErrBadToken):
		s.newsletterMessage(w, r, http.StatusNotFound, "newsletter.bad_link")
	case err != nil:
		s.fail(w, r, err)
	default:
		s.newsletterMessage(w, r, http.StatusOK, "newsletter.confirmed")
	}
}

// newsletterUnsubscribeForm shows a button: a GET never unsubscribes, because mail
// scanners follow links. Mail clients use the one-click POST.
func (s *server) newsletterUnsubscribeForm(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "newsletter.title")
	t := r.URL.Query().Get("t")
	pg.Data = confirmView{Question: pg.T("newsletter.unsubscribe_q"), Action: newsletter.UnsubscribePath + "?t=" + url.QueryEscape(t),
		Submit: "newsletter.unsubscribe_button", Details: []string{pg.T("newsletter.service_mail_note")}}
	s.render(w, http.StatusOK, "confirm", pg)
}

// newsletterUnsubscribe is the one-click unsubscribe (RFC 8058): a POST with body
// List-Unsubscribe=One-Click from the mail provider, or the button above. The token
// alone decides; it takes effect at once.
func (s *server) newsletterUnsubscribe(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		s.badForm(w, r, err)
		return
	}
	method, channel := newsletter.MethodPreferencePage, info(r.Context()).ip
	if r.PostForm.Get("List-Unsubscribe") == "One-Click" {
		method = newsletter.MethodOneClick
	}
	err := s.news.Unsubscribe(r.Context(), r.URL.Query().Get("t"), method, channel)
	switch {
	case errors.Is(err, newsletter.ErrBadToken):
		s.newsletterMessage(w, r, http.StatusNotFound, "newsletter.bad_link")
	case err != nil:
		s.fail(w, r, err)
	default:
		s.newsletterMessage(w, r, http.StatusOK, "newsletter.unsubscribed")
	}
}

func languageFields() []field {
	return []field{{Name: "lang", Label: "newsletter.f.lang", Type: "select", Options: []option{{Value: "nl", Label: "newsletter.lang.nl"}, {Value: "en", Label: "newsletter.lang.en"}}}}
}

func (s *server) newsletterPreferences(w http.ResponseWriter, r *http.Request) {
	t := r.URL.Query().Get("t")
	x, err := s.news.ByToken(r.Context(), t)
	if errors.Is(err, newsletter.ErrBadToken) {
		s.newsletterMessage(w, r, http.StatusNotFound, "newsletter.bad_link")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := s.newPage(w, r, "newsletter.prefs_title")
	pg.Form = newForm(map[string][]string{"lang": {x.Lang}})
	q := "?t=" + url.QueryEscape(t)
	v := formView{Action: newsletter.PreferencesPath + q, Submit: "newsletter.save", Intro: pg.T("newsletter.prefs_status."+x.Status, x.Email)}
	if x.Status == newsletter.Active {
		v.Sets = pg.useFields(fieldset{Fields: languageFields()})
		v.Links = []link{{URL: newsletter.UnsubscribePath + q, Label: pg.T("newsletter.unsubscribe_button")}}
	} else {
		v.Submit = ""
	}
	pg.Data = v
	if v.Submit == "" {
		pg.Data = messageView{Lines: []string{v.Intro}}
		s.render(w, http.StatusOK, "message", pg)
		return
	}
	s.render(w, http.StatusOK, "form", pg)
}

func (s *server) newsletterPreferencesSave(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "newsletter.prefs_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		s.badForm(w, r, err)
		return
	}
	err = s.news.SetLanguage(r.Context(), r.URL.Query().Get("t"), f.Get("lang"), info(r.Context()).ip)
	switch {
	case errors.Is(err, newsletter.ErrBadToken):
		s.newsletterMessage(w, r, http.StatusNotFound, "newsletter.bad_link")
	case err != nil:
		s.fail(w, r, err)
	default:
		s.newsletterMessage(w, r, http.StatusOK, "newsletter.prefs_saved")
	}
}

// ---- staff ----

type newslettersView struct {
	Letters []newsletter.Newsletter
	Cursor  cursor
}

func (s *server) staffNewsletters(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	const n = 25
	ls, err := s.news.List(r.Context(), *p, listBefore(r), n+1)
	if err != nil {
		return err
	}
	more := len(ls) > n
	if more {
		ls = ls[:n]
	}
	var last int64
	if len(ls) > 0 {
		last = ls[len(ls)-1].ID
	}
	pg := s.newPage(w, r, "newsletter.staff_title")
	pg.Nav, pg.Data = "newsletter", newslettersView{Letters: ls, Cursor: newCursor(r, "before", more, last)}
	s.render(w, http.StatusOK, "staff_newsletters", pg)
	return nil
}

func composeFields() []fieldset {
	return []fieldset{
		{Legend: "newsletter.f.dutch", Fields: []field{
			{Name: "subject_nl", Label: "newsletter.f.subject", Type: "text", Required: true, Max: 200, Wide: true},
			{Name: "body_nl", Label: "newsletter.f.body", Type: "textarea", Required: true, Wide: true}}},
		{Legend: "newsletter.f.english", Fields: []field{
			{Name: "subject_en", Label: "newsletter.f.subject", Type: "text", Required: true, Max: 200, Wide: true},
			{Name: "body_en", Label: "newsletter.f.body", Type: "textarea", Required: true, Wide: true}}},
	}
}

func (s *server) composePage(w http.ResponseWriter, pg *page, action, cancel string, status int) {
	pg.Nav = "newsletter"
	pg.Data = formView{Action: action, Sets: pg.useFields(composeFields()...), Submit: "newsletter.save_draft", Cancel: cancel,
		Intro: pg.T("newsletter.compose_intro")}
	s.render(w, status, "form", pg)
}

func (s *server) staffNewsletterNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	if err := p.Check(accounts.NewsletterManage, accounts.Provider); err != nil {
		return err
	}
	pg := s.newPage(w, r, "newsletter.new_title")
	pg.Form = newForm(nil)
	s.composePage(w, pg, "/staff/newsletter/new", "/staff/newsletter", http.StatusOK)
	return nil
}

func draftFrom(f *form) newsletter.DraftInput {
	return newsletter.DraftInput{SubjectNL: f.Get("subject_nl"), BodyNL: f.Get("body_nl"), SubjectEN: f.Get("subject_en"), BodyEN: f.Get("body_en")}
}

func (s *server) staffNewsletterCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "newsletter.new_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	if len(f.Errors) == 0 {
		n, err := s.news.Create(r.Context(), *p, draftFrom(f))
		switch {
		case err == nil:
			s.flash(w, "newsletter_saved")
			s.redirect(w, r, "/staff/newsletter/"+strconv.FormatInt(n.ID, 10))
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	s.composePage(w, pg, "/staff/newsletter/new", "/staff/newsletter", http.StatusUnprocessableEntity)
	return nil
}

type newsletterView struct {
	Letter      newsletter.Newsletter
	Previews    []newsletterPreview
	Percent     int
	LastSent    time.Time
	StillToSend bool
}

type newsletterPreview struct {
	Lang, Subject, Body string
}

func (s *server) staffNewsletter(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	n, err := s.news.Get(r.Context(), *p, id)
	if err != nil {
		return err
	}
	v := newsletterView{Letter: n}
	for _, l := range []string{"nl", "en"} {
		subj, body := s.news.Preview(n, l)
		v.Previews = append(v.Previews, newsletterPreview{Lang: l, Subject: subj, Body: body})
	}
	if n.Status == newsletter.Sent {
		v.Percent = 100
	} else if n.Total > 0 {
		v.Percent = min(100, n.Queued*100/n.Total)
	}
	if v.LastSent, err = s.news.LastSent(r.Context()); err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title = n.SubjectNL
	if pg.Lang == "en" {
		pg.Title = n.SubjectEN
	}
	pg.Nav, pg.Data = "newsletter", v
	s.render(w, http.StatusOK, "staff_newsletter", pg)
	return nil
}

func (s *server) staffNewsletterEdit(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	n, err := s.news.Get(r.Context(), *p, id)
	if err != nil {
		return err
	}
	if n.Status != newsletter.Draft {
		return accounts.ErrNotFound
	}
	pg := s.newPage(w, r, "newsletter.edit_title")
	pg.Form = newForm(map[string][]string{"subject_nl": {n.SubjectNL}, "body_nl": {n.BodyNL}, "subject_en": {n.SubjectEN}, "body_en": {n.BodyEN}})
	base := "/staff/newsletter/" + strconv.FormatInt(id, 10)
	s.composePage(w, pg, base+"/edit", base, http.StatusOK)
	return nil
}

func (s *server) staffNewsletterUpdate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "newsletter.edit_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	base := "/staff/newsletter/" + strconv.FormatInt(id, 10)
	if len(f.Errors) == 0 {
		err := s.news.Update(r.Context(), *p, id, draftFrom(f))
		switch {
		case err == nil:
			s.flash(w, "newsletter_saved")
			s.redirect(w, r, base)
			return nil
		case errors.Is(err, newsletter.ErrNotDraft):
			s.flash(w, "newsletter_not_draft")
			s.redirect(w, r, base)
			return nil
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	s.composePage(w, pg, base+"/edit", base, http.StatusUnprocessableEntity)
	return nil
}

func (s *server) staffNewsletterSendConfirm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	n, err := s.news.Get(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "newsletter.send_title")
	base := "/staff/newsletter/" + strconv.FormatInt(id, 10)
	details := []string{pg.T("newsletter.send_subject", n.SubjectNL, n.SubjectEN)}
	if last, err := s.news.LastSent(r.Context()); err != nil {
		return err
	} else if !last.IsZero() {
		details = append(details, pg.T("newsletter.last_sent", pg.Time(last)))
	}
	pg.Nav, pg.Data = "newsletter", confirmView{Question: pg.T("newsletter.send_q", n.Total), Details: details,
		Action: base + "/send", Submit: "newsletter.send_button", Cancel: base}
	s.render(w, http.StatusOK, "confirm", pg)
	return nil
}

func (s *server) staffNewsletterSend(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.news.Send(r.Context(), *p, id); err != nil {
		return err
	}
	s.flash(w, "newsletter_sending")
	s.redirect(w, r, "/staff/newsletter/"+strconv.FormatInt(id, 10))
	return nil
}

type subscribersView struct {
	Subscribers []newsletter.Subscriber
	Query       string
	Status      string
	Statuses    []option
	Cursor      cursor
}

var subscriberStatusOptions = []option{
	{Value: newsletter.Active, Label: "newsletter.status.active"},
	{Value: newsletter.Pending, Label: "newsletter.status.pending"},
	{Value: newsletter.Unsubscribed, Label: "newsletter.status.unsubscribed"},
}

func (s *server) staffSubscribers(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	const n = 50
	after, _ := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	v := subscribersView{Query: strings.TrimSpace(r.URL.Query().Get("q")), Status: optionParam(r, "status", subscriberStatusOptions), Statuses: subscriberStatusOptions}
	if len(v.Query) > 254 {
		v.Query = v.Query[:254]
	}
	xs, err := s.news.ListSubscribers(r.Context(), *p, newsletter.SubscriberFilter{Query: v.Query, Status: v.Status}, after, n+1)
	if err != nil {
		return err
	}
	more := len(xs) > n
	if more {
		xs = xs[:n]
	}
	var last int64
	if len(xs) > 0 {
		last = xs[len(xs)-1].ID
	}
	v.Subscribers, v.Cursor = xs, newCursor(r, "after", more, last)
	v.Cursor.Ordered = true
	pg := s.newPage(w, r, "newsletter.subscribers_title")
	pg.Nav, pg.Data = "newsletter", v
	s.render(w, http.StatusOK, "staff_newsletter_subscribers", pg)
	return nil
}

type subscriberView struct {
	Subscriber newsletter.Subscriber
	History    []newsletter.Consent
}

func (s *server) staffSubscriber(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, hs, err := s.news.SubscriberWithHistory(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title = x.Email
	pg.Nav, pg.Data = "newsletter", subscriberView{Subscriber: x, History: hs}
	s.render(w, http.StatusOK, "staff_newsletter_subscriber", pg)
	return nil
}

func (s *server) staffSubscriberUnsubscribeConfirm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	x, _, err := s.news.SubscriberWithHistory(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "newsletter.unsubscribe_button")
	base := "/staff/subscribers/" + strconv.FormatInt(id, 10)
	pg.Nav, pg.Data = "newsletter", confirmView{Question: pg.T("newsletter.staff_unsubscribe_q", x.Email), Action: base + "/unsubscribe",
		Submit: "newsletter.unsubscribe_button", Cancel: base, Danger: true}
	s.render(w, http.StatusOK, "confirm", pg)
	return nil
}

func (s *server) staffSubscriberUnsubscribe(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if err := s.news.StaffUnsubscribe(r.Context(), *p, id); err != nil {
		return err
	}
	s.flash(w, "newsletter_unsubscribed")
	s.redirect(w, r, "/staff/subscribers/"+strconv.FormatInt(id, 10))
	return nil
}

// ---- portal ----

func (s *server) portalNewsletterPage(w http.ResponseWriter, pg *page, x newsletter.Subscriber, found bool, status int) {
	intro := pg.T("newsletter.portal_off")
	if found && x.Status == newsletter.Active {
		intro = pg.T("newsletter.portal_on", x.Email)
	}
	pg.Nav = "profile"
	pg.Data = formView{Action: "/portal/newsletter", Submit: "newsletter.save", Cancel: "/portal/profile", Intro: intro + " " + pg.T("newsletter.service_mail_note"),
		Sets: pg.useFields(fieldset{Fields: append([]field{{Name: "subscribed", Label: "newsletter.f.subscribed", Type: "checkbox"}}, languageFields()...)})}
	s.render(w, status, "form", pg)
}

func (s *server) portalNewsletter(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	x, found, err := s.news.Mine(r.Context(), *p)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "newsletter.portal_title")
	vals := map[string][]string{"lang": {pg.Lang}}
	if found {
		vals["lang"] = []string{x.Lang}
		if x.Status == newsletter.Active {
			vals["subscribed"] = []string{"1"}
		}
	}
	pg.Form = newForm(vals)
	s.portalNewsletterPage(w, pg, x, found, http.StatusOK)
	return nil
}

func (s *server) portalNewsletterSave(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "newsletter.portal_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	if err := s.news.SetMine(r.Context(), *p, f.Get("subscribed") != "", f.Get("lang"), info(r.Context()).ip); err != nil {
		return err
	}
	s.flash(w, "newsletter_prefs_saved")
	s.redirect(w, r, "/portal/newsletter")
	return nil
}

// newsletterAtOrder records the order's soft opt-in, or the box that says no, after the
// order was placed. The order stands whatever happens here; a failure is logged.
func (s *server) newsletterAtOrder(r *http.Request, p *accounts.Principal, optOut bool, ref string) {
	if s.news == nil {
		return
	}
	var orgID int64
	if p.Org != nil {
		orgID = p.Org.ID
	}
	in := newsletter.OrderConsent{OrgID: orgID, Email: p.User.Email, Name: p.User.Name, Lang: p.User.Language, OptOut: optOut, IP: info(r.Context()).ip, Order: ref}
	if err := s.news.SubscribeAtOrderTx(r.Context(), in); err != nil {
		s.log.Error("newsletter at order", "err", err)
	}
}
