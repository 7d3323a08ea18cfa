package web

import (
	"errors"
	"html/template"
	"net/http"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
)

// mfaFlow is one place TOTP is set up: the forced enrolment of staff after sign-in, or
// the security page of staff and customers.
type mfaFlow struct {
	base string // POST base+"/begin", base+"/confirm"
	done string // where "continue" leads after the recovery codes
}

type mfaSetupView struct {
	Secret  string
	Grouped string // the secret in groups of four, easier to type
	URL     string
	QR      template.HTML // the URL as a QR code to scan; empty if it cannot be drawn
	Action  string
	Sets    []fieldset
}

type mfaCodesView struct {
	Codes []string
	Next  string
}

func (s *server) enrolIntro(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	pg := s.newPage(w, r, "mfa.enrol_title")
	pg.Data = confirmView{Question: pg.T("mfa.enrol_intro"), Action: "/mfa/enrol/begin", Submit: "mfa.start"}
	s.render(w, http.StatusOK, "confirm", pg)
	return nil
}

var setupFields = fieldset{Fields: []field{
	{Name: "secret", Type: "hidden"},
	{Name: "url", Type: "hidden"},
	{Name: "code", Label: "field.code", Type: "text", Required: true, Auto: "one-time-code", Mode: "numeric", Max: 16, Hint: "mfa.setup_code_hint"},
}}

func (s *server) mfaSetupPage(w http.ResponseWriter, pg *page, flow mfaFlow, status int) {
	secret := pg.Form.Get("secret")
	v := mfaSetupView{Secret: secret, Grouped: groupSecret(secret), URL: pg.Form.Get("url"),
		Action: flow.base + "/confirm", Sets: pg.useFields(setupFields)}
	// The secret and the link beside it stay the way in when the code cannot be drawn
	// (a URL too long for a QR code, which an otpauth link never is).
	if strings.HasPrefix(v.URL, "otpauth://") {
		v.QR, _ = qrSVG(v.URL, pg.T("mfa.qr_alt"))
	}
	pg.Data = v
	s.render(w, status, "mfa_setup", pg)
}

// mfaBegin starts (or restarts) enrolment and shows the secret. It is a POST because it
// stores a new pending secret.
func (s *server) mfaBegin(flow mfaFlow) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		pg := s.newPage(w, r, "mfa.setup_title")
		if _, err := s.readForm(r, pg.Lang); err != nil {
			return err
		}
		enr, err := s.acc.BeginTOTP(r.Context(), *p)
		if err != nil {
			return err
		}
		pg.Form = newForm(nil)
		pg.Form.set("secret", enr.Secret)
		pg.Form.set("url", enr.URL)
		s.mfaSetupPage(w, pg, flow, http.StatusOK)
		return nil
	}
}

// mfaConfirm checks the first code and shows the recovery codes, once. On a wrong code
// the page shows the same secret again: it comes back from the form's hidden fields,
// for display only (the service checks against the secret it stored).
func (s *server) mfaConfirm(flow mfaFlow) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		pg := s.newPage(w, r, "mfa.setup_title")
		f, err := s.readForm(r, pg.Lang)
		if err != nil {
			return err
		}
		pg.Form = f
		code := normaliseCode(f.Get("code"))
		requireFields(f, pg.Lang, map[string]string{"code": code})
		if len(f.Errors) == 0 {
			codes, rotated, err := s.acc.ConfirmTOTPAndRotate(r.Context(), *p, code)
			switch {
			case err == nil:
				if rotated != nil {
					// Finishing a forced enrolment replaces the restricted session.
					s.setSession(w, rotated.Token)
				}
				pg.Title = pg.T("mfa.codes_title")
				pg.Data = mfaCodesView{Codes: codes, Next: flow.done}
				s.render(w, http.StatusOK, "mfa_codes", pg)
				return nil
			case errors.Is(err, accounts.ErrInvalidCode):
				f.Errors["code"] = pg.T("mfa.invalid_code")
			case fieldErrors(f, err, nil):
			default:
				return err
			}
		}
		delete(f.Values, "code")
		s.mfaSetupPage(w, pg, flow, http.StatusUnprocessableEntity)
		return nil
	}
}

func groupSecret(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

type securityView struct {
	Base       string
	MFAEnabled bool
	CanDisable bool
}

func (s *server) security(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		pg := s.newPage(w, r, "security.title")
		pg.Nav = "security"
		pg.Data = securityView{Base: base, MFAEnabled: p.User.MFAEnabled, CanDisable: p.User.MFAEnabled && p.Can(accounts.MFADisable, p.Own())}
		s.render(w, http.StatusOK, "security", pg)
		return nil
	}
}

var disableMFAFields = fieldset{Fields: []field{codeField}}

func (s *server) mfaDisablePage(w http.ResponseWriter, pg *page, base string, status int) {
	pg.Nav = "security"
	pg.Data = confirmView{Question: pg.T("mfa.disable_question"), Action: base + "/mfa/disable",
		Submit: "mfa.disable", Cancel: base + "/security", Danger: true, Sets: pg.useFields(disableMFAFields)}
	s.render(w, status, "confirm", pg)
}

func (s *server) mfaDisableForm(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		s.mfaDisablePage(w, s.newPage(w, r, "mfa.disable_title"), base, http.StatusOK)
		return nil
	}
}

func (s *server) mfaDisable(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		pg := s.newPage(w, r, "mfa.disable_title")
		f, err := s.readForm(r, pg.Lang)
		if err != nil {
			return err
		}
		pg.Form = f
		code := normaliseCode(f.Get("code"))
		requireFields(f, pg.Lang, map[string]string{"code": code})
		if len(f.Errors) == 0 {
			err := s.acc.DisableTOTP(r.Context(), *p, code)
			switch {
			case err == nil:
				s.flash(w, "mfa_disabled")
				s.redirect(w, r, base+"/security")
				return nil
			case errors.Is(err, accounts.ErrInvalidCode):
				f.Errors["code"] = pg.T("mfa.invalid_code")
			case fieldErrors(f, err, nil):
			default:
				return err
			}
		}
		delete(f.Values, "code")
		s.mfaDisablePage(w, pg, base, http.StatusUnprocessableEntity)
		return nil
	}
}

var passwordFields = fieldset{Fields: []field{
	{Name: "current_password", Label: "field.current_password", Type: "password", Required: true, Auto: "current-password"},
	{Name: "new_password", Label: "field.new_password", Type: "password", Required: true, Auto: "new-password", Hint: "password.rules"},
	{Name: "confirm_password", Label: "field.confirm_password", Type: "password", Required: true, Auto: "new-password"},
}}

func (s *server) passwordPage(w http.ResponseWriter, pg *page, base string, status int) {
	pg.Nav = "security"
	pg.Data = formView{Action: base + "/password", Sets: pg.useFields(passwordFields), Submit: "password.submit",
		Cancel: base + "/security"}
	s.render(w, status, "form", pg)
}

func (s *server) passwordForm(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		s.passwordPage(w, s.newPage(w, r, "password.title"), base, http.StatusOK)
		return nil
	}
}

func (s *server) changePassword(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		pg := s.newPage(w, r, "password.title")
		f, err := s.readForm(r, pg.Lang)
		if err != nil {
			return err
		}
		pg.Form = f
		requireFields(f, pg.Lang, map[string]string{"current_password": f.Get("current_password")})
		checkNewPassword(f, pg.Lang)
		if len(f.Errors) == 0 {
			err := s.acc.ChangePassword(r.Context(), *p, f.Get("current_password"), f.Get("new_password"))
			switch {
			case err == nil:
				s.flash(w, "password_changed")
				s.redirect(w, r, base+"/security")
				return nil
			case errors.Is(err, accounts.ErrInvalidCredentials):
				f.Errors["current_password"] = pg.T("password.current_wrong")
			case fieldErrors(f, err, map[string]string{"password": "new_password", "current": "current_password"}):
			default:
				return err
			}
		}
		for _, k := range []string{"current_password", "new_password", "confirm_password"} {
			delete(f.Values, k)
		}
		s.passwordPage(w, pg, base, http.StatusUnprocessableEntity)
		return nil
	}
}

func (s *server) logoutEverywhereConfirm(base string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		pg := s.newPage(w, r, "logout_all.title")
		pg.Nav = "security"
		pg.Data = confirmView{Question: pg.T("logout_all.question"), Action: base + "/logout-everywhere",
			Submit: "logout_all.submit", Cancel: base + "/security", Danger: true,
			Sets: pg.useFields(fieldset{Fields: []field{{Name: "revoke_tokens", Label: "logout_all.revoke_tokens", Type: "checkbox", Hint: "logout_all.revoke_tokens_hint"}}})}
		s.render(w, http.StatusOK, "confirm", pg)
		return nil
	}
}

func (s *server) logoutEverywhere(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	f, err := s.readForm(r, "")
	if err != nil {
		return err
	}
	if err := s.acc.LogoutEverywhere(r.Context(), *p, f.Get("revoke_tokens") != ""); err != nil {
		return err
	}
	s.clearSession(w)
	s.flash(w, "logged_out_everywhere")
	s.redirect(w, r, "/login")
	return nil
}
