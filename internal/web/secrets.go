package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
	"github.com/hostpact/hostpact/internal/onetime"
)

// One-time secrets (issue 11, cp.security.passwords.4): staff and customers make a link
// for a password instead of sending it by mail, phone or chat. The link's page shows a
// button; only its POST reveals and destroys the secret, so a link preview in a mail or
// chat program (a GET) cannot burn it. The key travels in the query string, which the
// request log never writes, and in the form that posts it back.

func (s *server) secretRoutes(mux *http.ServeMux, staff, portal func(string, handlerFunc)) {
	staff("GET /staff/secrets/new", s.secretNew("/staff"))
	staff("POST /staff/secrets/new", s.secretCreate("/staff"))
	portal("GET /portal/secrets/new", s.secretNew("/portal"))
	portal("POST /portal/secrets/new", s.secretCreate("/portal"))
	mux.HandleFunc("GET /s/{id}", s.secretPeek)
	mux.HandleFunc("POST /s/{id}", s.secretReveal)
}

// secretLifetimes are the choices the form offers, inside the pack's bounds.
var secretLifetimes = []struct {
	d   time.Duration
	key string
}{
	{time.Hour, "secret.life_1h"},
	{24 * time.Hour, "secret.life_1d"},
	{3 * 24 * time.Hour, "secret.life_3d"},
	{7 * 24 * time.Hour, "secret.life_7d"},
}

func (s *server) secretFields() fieldset {
	lim := s.secrets.Limits()
	var opts []option
	for _, l := range secretLifetimes {
		if l.d >= lim.Shortest.Duration && l.d <= lim.Longest.Duration {
			opts = append(opts, option{Value: strconv.FormatInt(int64(l.d/time.Minute), 10), Label: l.key})
		}
	}
	return fieldset{Fields: []field{
		{Name: "text", Label: "secret.text", Type: "textarea", Required: true, Max: lim.MaxBytes, Wide: true, Auto: "off", Hint: "secret.text_hint"},
		{Name: "lifetime", Label: "secret.lifetime", Type: "select", Options: opts, Required: true},
	}}
}

func (s *server) secretFormPage(w http.ResponseWriter, pg *page, base string, status int) {
	pg.Title = pg.T("secret.new_title")
	pg.Nav = "secrets"
	pg.Data = formView{Action: base + "/secrets/new", Sets: pg.useFields(s.secretFields()), Submit: "secret.create",
		Intro: pg.T("secret.new_intro", s.secrets.Limits().MaxBytes/1024)}
	s.render(w, status, "form", pg)
}

func (s *server) secretNew(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		if err := p.Check(accounts.SecretCreate, p.Own()); err != nil {
			return err
		}
		pg := s.newPage(w, r, "")
		pg.Form = newForm(nil)
		pg.Form.set("lifetime", strconv.Itoa(24*60))
		s.secretFormPage(w, pg, base, http.StatusOK)
		return nil
	}
}

type secretCreatedView struct {
	URL     string
	Expires time.Time
	Back    string
}

func (s *server) secretCreate(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		pg := s.newPage(w, r, "")
		f, err := s.readForm(r, pg.Lang)
		if err != nil {
			return err
		}
		pg.Form = f
		minutes, _ := strconv.Atoi(f.Get("lifetime"))
		link, err := s.secrets.Create(r.Context(), *p, f.Get("text"), time.Duration(minutes)*time.Minute)
		var oe *onetime.Error
		if errors.As(err, &oe) {
			name := "text"
			if errors.Is(err, onetime.ErrLifetime) {
				name = "lifetime"
			}
			f.Errors[name] = say(pg.Lang, i18n.From(err))
			s.secretFormPage(w, pg, base, http.StatusUnprocessableEntity)
			return nil
		}
		if err != nil {
			return err
		}
		pg.Title, pg.Nav = pg.T("secret.created_title"), "secrets"
		pg.Data = secretCreatedView{URL: link.URL, Expires: link.Expires, Back: base + "/secrets/new"}
		s.render(w, http.StatusOK, "secret", pg)
		return nil
	}
}

type secretPeekView struct {
	ID, Key string
	Expires time.Time
	Text    string // set once revealed
	Gone    bool
}

// secretPeek is what a link opens: whether a secret waits, and a button. It never
// touches the secret.
func (s *server) secretPeek(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "secret.peek_title")
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	id, key := r.PathValue("id"), r.URL.Query().Get("k")
	v := secretPeekView{ID: id, Key: key}
	peek, err := s.secrets.Look(r.Context(), id, key)
	status := http.StatusOK
	switch {
	case errors.Is(err, onetime.ErrGone):
		v.Gone, status = true, http.StatusNotFound
	case err != nil:
		s.fail(w, r, err)
		return
	default:
		v.Expires = peek.Expires
	}
	pg.Data = v
	s.render(w, status, "secret_open", pg)
}

// secretReveal answers the button: the secret, once; then it is gone for everyone.
func (s *server) secretReveal(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "secret.peek_title")
	w.Header().Set("X-Robots-Tag", "noindex, nofollow")
	if ok, _ := s.secretLimit.allow(s.clientIP(r)); !ok {
		s.errorPage(w, r, http.StatusTooManyRequests, "error.429.title", "error.429.body")
		return
	}
	if err := parseForm(r); err != nil {
		s.fail(w, r, err)
		return
	}
	id, key := r.PathValue("id"), strings.TrimSpace(r.PostForm.Get("k"))
	text, err := s.secrets.Reveal(r.Context(), id, key)
	v := secretPeekView{ID: id}
	status := http.StatusOK
	switch {
	case errors.Is(err, onetime.ErrGone):
		v.Gone, status = true, http.StatusNotFound
	case err != nil:
		s.fail(w, r, err)
		return
	default:
		v.Text = text
	}
	pg.Data = v
	s.render(w, status, "secret_open", pg)
}
