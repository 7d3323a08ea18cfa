package web

import (
	"net/http"

	"github.com/hostpact/hostpact/internal/accounts"
)

// confirmPage renders a confirm-with-fields page (the "confirm" template) for the object
// whose id is in the path: a reason to give, a date to fill in, before something is done
// that cannot be taken back lightly.
type confirmPage func(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error

// confirmAct does what a confirm page asks once its form is read. It reports problems
// with the input as errors on f (or as a service's field errors), and otherwise returns
// the flash to show and where to go next.
type confirmAct func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (flash, next string, err error)

// confirmGet serves a confirm page.
func (s *server) confirmGet(show confirmPage) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		return show(w, r, p, s.newPage(w, r, ""), id, http.StatusOK)
	}
}

// confirmPost reads a confirm page's form and runs act; on success it flashes and
// redirects, on field errors (from the form or the service, renamed by rename) it shows
// the page again with them, and any other error goes to the error page.
func (s *server) confirmPost(show confirmPage, rename map[string]string, act confirmAct) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
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
		if len(f.Errors) == 0 {
			flash, next, err := act(r, p, pg, f, id)
			switch {
			case err == nil && len(f.Errors) == 0:
				s.flash(w, flash)
				s.redirect(w, r, next)
				return nil
			case err == nil, fieldErrors(f, err, rename):
			default:
				return err
			}
		}
		return show(w, r, p, pg, id, http.StatusUnprocessableEntity)
	}
}
