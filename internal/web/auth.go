package web

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
)

// formView drives the generic form template.
type formView struct {
	Action string
	Sets   []fieldset
	Submit string // catalogue key
	Cancel string // URL; empty: no cancel link
	Intro  string // translated
	Narrow bool   // a small centred card (sign-in pages)
	Danger bool
	Links  []link
	More   string // catalogue key of a second button (name op, value more) that grows the form
}

type link struct {
	URL   string
	Label string // translated
}

// messageView drives the generic message template.
type messageView struct {
	Lines []string // translated paragraphs
	Links []link
}

// confirmView is the "are you sure?" step before a destructive action. GET shows it,
// POST to Action does it.
type confirmView struct {
	Question string // translated
	Details  []string
	Action   string
	Submit   string // catalogue key
	Cancel   string
	Danger   bool
	Sets     []fieldset
}

func (s *server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.db.PingContext(ctx); err != nil {
		s.log.Warn("health check: database unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unavailable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// --- sign-in ---

var loginFields = fieldset{Fields: []field{
	{Name: "email", Label: "field.email", Type: "email", Required: true, Auto: "username", Max: 254},
	{Name: "password", Label: "field.password", Type: "password", Required: true, Auto: "current-password"},
}}

func (s *server) loginPage(w http.ResponseWriter, pg *page, status int) {
	pg.Data = formView{Action: "/login", Sets: pg.useFields(loginFields), Submit: "login.submit", Narrow: true,
		Links: []link{{URL: "/forgot", Label: pg.T("login.forgot")}}}
	s.render(w, status, "form", pg)
}

func (s *server) loginForm(w http.ResponseWriter, r *http.Request) {
	if p := principalFrom(r.Context()); p != nil && p.Session != nil && !p.Session.MFAPending && !p.Session.MFAEnrolRequired {
		s.redirect(w, r, homeOf(p))
		return
	}
	pg := s.newPage(w, r, "login.title")
	s.loginPage(w, pg, http.StatusOK)
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "login.title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		s.badForm(w, r, err)
		return
	}
	pg.Form = f
	email, password := strings.TrimSpace(f.Get("email")), f.Get("password")
	delete(f.Values, "password") // a password is never sent back in a page
	requireFields(f, pg.Lang, map[string]string{"email": email, "password": password})
	if len(f.Errors) == 0 {
		sess, err := s.acc.Login(r.Context(), accounts.LoginRequest{Email: email, Password: password,
			IP: info(r.Context()).ip, UserAgent: truncate(r.UserAgent(), maxUserAgent)})
		switch {
		case err == nil:
			s.startSession(w, r, sess.Token)
			// "/" sends the now signed-in user to the MFA step, enrolment or their home.
			s.redirect(w, r, "/")
			return
		case errors.Is(err, accounts.ErrInvalidCredentials):
			// One message for both fields: which of the two was wrong is not revealed.
			f.General = append(f.General, pg.T("login.invalid"))
		case errors.Is(err, accounts.ErrDisabled):
			f.General = append(f.General, pg.T("login.disabled"))
		case fieldErrors(f, err, nil):
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.loginPage(w, pg, http.StatusUnprocessableEntity)
}

// startSession sets the cookie for a new session token. A session that the browser held
// before is ended, so signing in always rotates the token (no session fixation).
func (s *server) startSession(w http.ResponseWriter, r *http.Request, token string) {
	if old := info(r.Context()).token; old != "" && old != token {
		if err := s.acc.Logout(r.Context(), old); err != nil && !isSignedOut(err) {
			s.log.Warn("end previous session", "err", err)
		}
	}
	s.setSession(w, token)
}

var codeField = field{Name: "code", Label: "field.code", Type: "text", Required: true, Auto: "one-time-code",
	Mode: "numeric", Max: 64, Hint: "mfa.code_hint"}

func (s *server) loginMFAPage(w http.ResponseWriter, pg *page, status int) {
	pg.Data = formView{Action: "/login/mfa", Sets: pg.useFields(fieldset{Fields: []field{codeField}}),
		Submit: "mfa.verify", Narrow: true, Intro: pg.T("mfa.login_intro")}
	s.render(w, status, "form", pg)
}

func (s *server) loginMFAForm(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	s.loginMFAPage(w, s.newPage(w, r, "mfa.login_title"), http.StatusOK)
	return nil
}

func (s *server) loginMFA(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "mfa.login_title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		return err
	}
	pg.Form = f
	code := normaliseCode(f.Get("code"))
	requireFields(f, pg.Lang, map[string]string{"code": code})
	if len(f.Errors) == 0 {
		sess, err := s.acc.CompleteMFA(r.Context(), info(r.Context()).token, code, info(r.Context()).ip, truncate(r.UserAgent(), maxUserAgent))
		switch {
		case err == nil:
			s.setSession(w, sess.Token)
			s.redirect(w, r, "/")
			return nil
		case errors.Is(err, accounts.ErrInvalidCode):
			f.Errors["code"] = pg.T("mfa.invalid_code")
		case fieldErrors(f, err, nil):
		default:
			return err
		}
	}
	delete(f.Values, "code")
	s.loginMFAPage(w, pg, http.StatusUnprocessableEntity)
	return nil
}

// normaliseCode drops the spaces and dashes people type or paste into codes.
func normaliseCode(c string) string {
	return strings.NewReplacer(" ", "", "\t", "", "\u00a0", "").Replace(strings.TrimSpace(c))
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if tok := info(r.Context()).token; tok != "" {
		if err := s.acc.Logout(r.Context(), tok); err != nil && !isSignedOut(err) {
			s.log.Warn("logout", "err", err)
		}
	}
	s.clearSession(w)
	s.flash(w, "signed_out")
	s.redirect(w, r, "/login")
}

// --- password reset ---

var forgotFields = fieldset{Fields: []field{
	{Name: "email", Label: "field.email", Type: "email", Required: true, Auto: "email", Max: 254},
}}

func (s *server) forgotPage(w http.ResponseWriter, pg *page, status int) {
	pg.Data = formView{Action: "/forgot", Sets: pg.useFields(forgotFields), Submit: "forgot.submit", Narrow: true,
		Intro: pg.T("forgot.intro"), Links: []link{{URL: "/login", Label: pg.T("forgot.back")}}}
	s.render(w, status, "form", pg)
}

func (s *server) forgotForm(w http.ResponseWriter, r *http.Request) {
	s.forgotPage(w, s.newPage(w, r, "forgot.title"), http.StatusOK)
}

func (s *server) forgot(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "forgot.title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		s.badForm(w, r, err)
		return
	}
	pg.Form = f
	email := strings.TrimSpace(f.Get("email"))
	requireFields(f, pg.Lang, map[string]string{"email": email})
	if len(f.Errors) == 0 {
		err := s.acc.RequestPasswordReset(r.Context(), email, info(r.Context()).ip)
		switch {
		case err == nil:
			// The same answer whether or not the address is known.
			pg.Data = messageView{Lines: []string{pg.T("forgot.sent", email)},
				Links: []link{{URL: "/login", Label: pg.T("forgot.back")}}}
			s.render(w, http.StatusOK, "message", pg)
			return
		case fieldErrors(f, err, nil):
		default:
			s.fail(w, r, err)
			return
		}
	}
	s.forgotPage(w, pg, http.StatusUnprocessableEntity)
}

var resetFields = fieldset{Fields: []field{
	{Name: "token", Type: "hidden"},
	{Name: "new_password", Label: "field.new_password", Type: "password", Required: true, Auto: "new-password", Hint: "password.rules"},
	{Name: "confirm_password", Label: "field.confirm_password", Type: "password", Required: true, Auto: "new-password"},
}}

func (s *server) resetPage(w http.ResponseWriter, pg *page, status int) {
	pg.Data = formView{Action: "/reset", Sets: pg.useFields(resetFields), Submit: "reset.submit", Narrow: true}
	s.render(w, status, "form", pg)
}

func (s *server) invalidResetLink(w http.ResponseWriter, pg *page) {
	pg.Title = pg.T("reset.invalid_title")
	pg.Data = messageView{Lines: []string{pg.T("reset.invalid")}, Links: []link{{URL: "/forgot", Label: pg.T("reset.again")}}}
	s.render(w, http.StatusBadRequest, "message", pg)
}

func (s *server) resetForm(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "reset.title")
	token := r.URL.Query().Get("token")
	if token == "" {
		s.invalidResetLink(w, pg)
		return
	}
	pg.Form = newForm(nil)
	pg.Form.set("token", token)
	s.resetPage(w, pg, http.StatusOK)
}

func (s *server) reset(w http.ResponseWriter, r *http.Request) {
	pg := s.newPage(w, r, "reset.title")
	f, err := s.readForm(r, pg.Lang)
	if err != nil {
		s.badForm(w, r, err)
		return
	}
	pg.Form = f
	token, pw := f.Get("token"), f.Get("new_password")
	if token == "" {
		s.invalidResetLink(w, pg)
		return
	}
	checkNewPassword(f, pg.Lang)
	if len(f.Errors) == 0 {
		err := s.acc.ResetPassword(r.Context(), token, pw)
		switch {
		case err == nil:
			s.flash(w, "password_reset")
			s.redirect(w, r, "/login")
			return
		case errors.Is(err, accounts.ErrTokenInvalid), errors.Is(err, accounts.ErrNotFound):
			s.invalidResetLink(w, pg)
			return
		case fieldErrors(f, err, passwordRename):
		default:
			s.fail(w, r, err)
			return
		}
	}
	delete(f.Values, "new_password")
	delete(f.Values, "confirm_password")
	s.resetPage(w, pg, http.StatusUnprocessableEntity)
}

// passwordRename maps the services' names for a new password onto the form's field.
var passwordRename = map[string]string{"password": "new_password", "new_password": "new_password", "newPassword": "new_password"}

// requireFields marks empty required values before bothering a service.
func requireFields(f *form, lang string, values map[string]string) {
	for name, v := range values {
		if strings.TrimSpace(v) == "" && f.Errors[name] == "" {
			f.Errors[name] = translate(lang, "form.required_field")
		}
	}
}

// checkNewPassword checks that the two entries match: a typing check, not a policy (the
// accounts service owns the password rules).
func checkNewPassword(f *form, lang string) {
	requireFields(f, lang, map[string]string{"new_password": f.Get("new_password")})
	if f.Get("new_password") != f.Get("confirm_password") && f.Errors["confirm_password"] == "" {
		f.Errors["confirm_password"] = translate(lang, "password.mismatch")
	}
}
