package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/contracts"
)

// handlerFunc is a page handler for a signed-in principal. It returns the services'
// errors unchanged; fail turns them into the right page.
type handlerFunc func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error

// signedIn sends a request without a full session where it belongs: to the sign-in
// page, or to the MFA step its session is waiting for.
func (s *server) signedIn(w http.ResponseWriter, r *http.Request) (*accounts.Principal, bool) {
	p := principalFrom(r.Context())
	switch {
	case p == nil || p.Session == nil:
		s.redirect(w, r, "/login")
	case p.Session.MFAPending:
		s.redirect(w, r, "/login/mfa")
	case p.Session.MFAEnrolRequired:
		s.redirect(w, r, "/mfa/enrol")
	default:
		return p, true
	}
	return nil, false
}

func (s *server) staffOnly(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.signedIn(w, r)
		if !ok {
			return
		}
		if !p.IsStaff() {
			s.errorPage(w, r, http.StatusForbidden, "error.403.title", "error.staffonly.body")
			return
		}
		s.run(w, r, p, h)
	})
}

func (s *server) portalOnly(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := s.signedIn(w, r)
		if !ok {
			return
		}
		if p.IsStaff() || p.Org == nil {
			s.errorPage(w, r, http.StatusForbidden, "error.403.title", "error.portalonly.body")
			return
		}
		s.run(w, r, p, h)
	})
}

// mfaPending admits only a session that has passed the password and awaits its code.
func (s *server) mfaPending(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principalFrom(r.Context())
		if p == nil || p.Session == nil || !p.Session.MFAPending {
			s.redirect(w, r, homeOf(p))
			return
		}
		s.run(w, r, p, h)
	})
}

// mfaEnrolOnly admits only a staff session that must set up TOTP before anything else.
func (s *server) mfaEnrolOnly(h handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principalFrom(r.Context())
		if p == nil || p.Session == nil || !p.Session.MFAEnrolRequired || p.Session.MFAPending {
			s.redirect(w, r, homeOf(p))
			return
		}
		s.run(w, r, p, h)
	})
}

// homeOf is where a principal starts.
func homeOf(p *accounts.Principal) string {
	switch {
	case p == nil || p.Session == nil:
		return "/login"
	case p.Session.MFAPending:
		return "/login/mfa"
	case p.Session.MFAEnrolRequired:
		return "/mfa/enrol"
	case p.IsStaff():
		return "/staff/"
	default:
		return "/portal/"
	}
}

func (s *server) run(w http.ResponseWriter, r *http.Request, p *accounts.Principal, h handlerFunc) {
	if err := h(w, r, p); err != nil {
		s.fail(w, r, err)
	}
}

var errBadID = errors.New("web: malformed id")

// fail maps a service error onto the page a person should see.
func (s *server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var throttled *accounts.ThrottledError
	var tooLarge *http.MaxBytesError
	var fe accounts.FieldErrors
	var bad *formError
	switch {
	case errors.As(err, &bad):
		s.badForm(w, r, err)
	case errors.As(err, &throttled):
		s.tooMany(w, r, throttled.RetryAfter)
	case errors.Is(err, contracts.ErrIdempotencyConflict):
		// A form that concludes a contract was sent again with other choices under its
		// one-time key (back button, edited, resubmitted): nothing was ordered.
		s.errorPage(w, r, http.StatusConflict, "error.409.title", "error.idempotency.body")
	case errors.Is(err, accounts.ErrIPNotAllowed):
		s.ipNotAllowed(w, r)
	case errors.Is(err, accounts.ErrForbidden):
		s.errorPage(w, r, http.StatusForbidden, "error.403.title", "error.403.body")
	case errors.Is(err, accounts.ErrNotFound), errors.Is(err, errBadID):
		s.errorPage(w, r, http.StatusNotFound, "error.404.title", "error.404.body")
	case errors.Is(err, accounts.ErrSessionExpired):
		s.clearSession(w)
		s.flash(w, "session_expired")
		s.redirect(w, r, "/login")
	case errors.Is(err, accounts.ErrDisabled):
		s.errorPage(w, r, http.StatusForbidden, "error.403.title", "error.disabled.body")
	case errors.As(err, &tooLarge):
		s.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.413.title", "error.413.body")
	case errors.As(err, &fe):
		// A handler that did not expect field errors: still tell the person what is wrong.
		pg := s.newPage(w, r, "error.400.title")
		pg.Data = errorView{Status: http.StatusBadRequest, Message: fe.Error()}
		s.render(w, http.StatusBadRequest, "error", pg)
	case errors.Is(err, context.Canceled):
		// The client went away; nobody will read a page.
	default:
		s.log.Error("request failed", "method", r.Method, "pattern", r.Pattern, "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, "error.500.title", "error.500.body")
	}
}

func (s *server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	secs := int((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.Itoa(secs))
	s.errorPage(w, r, http.StatusTooManyRequests, "error.429.title", "error.429.body", secs)
}

func (s *server) ipNotAllowed(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusForbidden, "error.ip.title", "error.ip.body", info(r.Context()).ip)
}

func (s *server) notFound(w http.ResponseWriter, r *http.Request) {
	s.errorPage(w, r, http.StatusNotFound, "error.404.title", "error.404.body")
}

// badForm answers a form that could not be parsed: too large (413), or too many fields
// or malformed (400). Neither is the server's fault, so neither is logged as an error
// (issue 8, finding 6).
func (s *server) badForm(w http.ResponseWriter, r *http.Request, err error) {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		s.errorPage(w, r, http.StatusRequestEntityTooLarge, "error.413.title", "error.413.body")
		return
	}
	s.errorPage(w, r, http.StatusBadRequest, "error.400.title", "error.form.body")
}

// formError is a request body that ParseForm refused. Go's parser stops at 10,000
// fields (GODEBUG urlmaxqueryparams) with an unexported error, so the error is marked
// here, where it is known to come from the client's form.
type formError struct{ err error }

func (e *formError) Error() string { return "unreadable form: " + e.err.Error() }
func (e *formError) Unwrap() error { return e.err }

// parseForm is r.ParseForm with its error marked as the client's; every handler parses
// its form through it (or readForm), so fail answers such an error with badForm.
func parseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &formError{err}
	}
	return nil
}

// maxField bounds any single form value before it reaches a service: a generous limit
// that no real name, address or allowlist reaches, so a pasted novel gets a message at
// the field instead of a database error.
const maxField = 4000

// readForm parses a POSTed form. Oversized fields come back as field errors (translated)
// so the page can show them next to the field; the caller then saves nothing.
func (s *server) readForm(r *http.Request, lang string) (*form, error) {
	if err := parseForm(r); err != nil {
		return nil, err
	}
	f := newForm(map[string][]string(r.PostForm))
	f.lang = lang
	for name, vs := range r.PostForm {
		for _, v := range vs {
			if len(v) > maxField {
				f.Errors[name] = translate(lang, "form.too_long", maxField)
			} else if !utf8.ValidString(v) {
				f.Errors[name] = translate(lang, "form.bad_text")
			}
		}
	}
	return f, nil
}

// idForm reads the {id} wildcard and the POSTed form in the reader's language, for the
// handlers that act on one object.
func (s *server) idForm(r *http.Request, p *accounts.Principal) (int64, string, *form, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, "", nil, err
	}
	lang := s.language(r, p)
	f, err := s.readForm(r, lang)
	return id, lang, f, err
}

// pathID reads the {id} wildcard. It only parses: whether the principal may touch the
// object is the service's decision.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, errBadID
	}
	return id, nil
}

// fieldErrors translates a service's FieldErrors into the form, renaming service field
// names to the form's where they differ. It reports whether err was field errors.
func fieldErrors(f *form, err error, rename map[string]string) bool {
	var fe accounts.FieldErrors
	if !errors.As(err, &fe) {
		return false
	}
	for k, msg := range fe {
		if to, ok := rename[k]; ok {
			k = to
		}
		if _, dup := f.Errors[k]; !dup {
			f.Errors[k] = say(f.lang, msg)
		}
	}
	return true
}

// withQuery returns path with q encoded, dropping empty values.
func withQuery(path string, q url.Values) string {
	for k, vs := range q {
		if len(vs) == 0 || vs[0] == "" {
			delete(q, k)
		}
	}
	if len(q) == 0 {
		return path
	}
	return path + "?" + q.Encode()
}

func intParam(v string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < 1 {
		return def
	}
	return n
}
