package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/i18n"
)

const langCookie = "lang"

// supported reports whether the UI speaks l: Dutch first, English too (DESIGN.md,
// principle 10).
func supported(l string) bool { return l == "nl" || l == "en" }

// translate looks key up in the page catalogue, then in the domain catalogue
// (internal/i18n). A missing key shows as ⟦key⟧, which the tests look for on every
// rendered page. Arguments that write themselves per language (terms.Money,
// terms.Date, i18n.Msg) are written in lang.
func translate(lang, key string, args ...any) string {
	m, ok := messages[key]
	if !ok {
		return i18n.T(key, args...).In(lang)
	}
	s := m[0]
	if lang == "en" {
		s = m[1]
	}
	if len(args) > 0 {
		return i18n.OneDot(fmt.Sprintf(s, i18n.Args(lang, args)...))
	}
	return s
}

func hasMessage(key string) bool {
	if _, ok := messages[key]; ok {
		return true
	}
	_, ok := i18n.Lookup("en", key)
	return ok
}

// say renders a domain message (a field error, a parser's complaint) in lang as a
// sentence: the catalogue words them as fragments for the API.
func say(lang string, m i18n.Msg) string { return i18n.Sentence(m.In(lang)) }

// language picks the page language: the switcher's cookie, else the signed-in user's
// preference, else the browser's Accept-Language, else Dutch.
func (s *server) language(r *http.Request, p *accounts.Principal) string {
	if c, err := r.Cookie(langCookie); err == nil && supported(c.Value) {
		return c.Value
	}
	if p != nil && supported(p.User.Language) {
		return p.User.Language
	}
	if l := fromAcceptLanguage(r.Header.Get("Accept-Language")); l != "" {
		return l
	}
	return "nl"
}

// fromAcceptLanguage returns the supported language the browser weighs highest, or "".
func fromAcceptLanguage(h string) string {
	best, bestQ := "", 0.0
	for _, part := range strings.Split(h, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if !supported(base) {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				continue
			}
			q = f
		}
		if q > bestQ {
			best, bestQ = base, q
		}
	}
	return best
}

// setLanguage is the switcher: it stores the choice for a year and returns to the page
// the user was on.
func (s *server) setLanguage(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(r); err != nil {
		s.badForm(w, r, err)
		return
	}
	l := r.PostForm.Get("lang")
	if supported(l) {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600,
			HttpOnly: true, Secure: s.cfg.SecureCookies, SameSite: http.SameSiteLaxMode})
	}
	s.redirect(w, r, safeRedirect(r.PostForm.Get("next")))
}
