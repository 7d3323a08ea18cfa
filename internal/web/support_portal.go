package web

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/support"
)

// The support desk's pages (issue 11, "Support desk"): customers see their
// organisation's tickets, open one with a category, read the public thread, reply and
// close; staff work the queue (supportStaffRoutes). The support service decides who may
// see and do what; these pages only hide what a person could not use.

func (s *server) supportRoutes(staff, portal func(string, handlerFunc)) {
	portal("GET /portal/tickets", s.portalTickets)
	portal("GET /portal/tickets/new", s.portalTicketNew)
	portal("POST /portal/tickets", s.portalTicketCreate)
	portal("GET /portal/tickets/{id}", s.portalTicket)
	portal("POST /portal/tickets/{id}/reply", s.portalTicketReply)
	portal("GET /portal/tickets/{id}/close", s.confirmGet(s.ticketClosePage("/portal")))
	portal("POST /portal/tickets/{id}/close", s.confirmPost(s.ticketClosePage("/portal"), nil, s.ticketClose("/portal")))
	portal("GET /portal/tickets/{id}/file", s.ticketFile)
	s.supportStaffRoutes(staff)
}

// TicketsNav reports whether the page offers the ticket pages.
func (p *page) TicketsNav() bool {
	if !p.Support || p.P == nil {
		return false
	}
	if p.P.User.IsStaff() {
		return p.P.Can(accounts.TicketRead, accounts.Provider)
	}
	return p.P.Org != nil && p.P.Can(accounts.TicketRead, p.P.Org.Ref())
}

type ticketListView struct {
	Tickets    []support.Ticket
	Cursor     cursor
	Now        any
	Staff      bool
	Filter     support.Filter
	Statuses   []support.Status
	Categories []support.Category
}

func (s *server) portalTickets(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	ts, more, err := s.sup.List(r.Context(), *p, support.Filter{OrgID: p.Org.ID, Before: before})
	if err != nil {
		return err
	}
	var last int64
	if len(ts) > 0 {
		last = ts[len(ts)-1].ID
	}
	pg := s.newPage(w, r, "tk.title")
	pg.Nav = "tickets"
	pg.Data = ticketListView{Tickets: ts, Cursor: newCursor(r, "before", more, last), Now: s.clock.Now()}
	s.render(w, http.StatusOK, "portal_tickets", pg)
	return nil
}

type ticketNewView struct {
	Categories []support.Category
	Fields     map[support.Category][]string
	Error      string
	Max        int64
}

func (s *server) ticketNewPage(w http.ResponseWriter, r *http.Request, f *form, errMsg string, status int) {
	pg := s.newPage(w, r, "tk.new")
	pg.Nav = "tickets"
	if f == nil {
		f = newForm(nil)
	}
	pg.Form = f
	cats := append([]support.Category(nil), support.Categories...)
	pg.Data = ticketNewView{Categories: cats, Fields: support.CategoryFields, Error: errMsg, Max: maxFormBytes >> 10}
	s.render(w, status, "portal_ticket_new", pg)
}

func (s *server) portalTicketNew(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	f := newForm(nil)
	f.set("category", r.URL.Query().Get("category"))
	s.ticketNewPage(w, r, f, "", http.StatusOK)
	return nil
}

// readUploads reads the form with its attachments; a form over the limit is answered
// by fail with the limit's message.
func readUploads(r *http.Request) ([]support.Upload, error) {
	if err := r.ParseMultipartForm(maxFormBytes); err != nil {
		if errors.Is(err, http.ErrNotMultipart) {
			return nil, parseForm(r)
		}
		return nil, &formError{err}
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }()
	var ups []support.Upload
	for _, fh := range r.MultipartForm.File["file"] {
		if fh.Filename == "" {
			continue
		}
		data, err := readPart(fh)
		if err != nil {
			return nil, &formError{err}
		}
		ups = append(ups, support.Upload{Name: fh.Filename, Data: data})
	}
	return ups, nil
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// supportErr is the person's message for a refused ticket request, or "".
func supportErr(pg *page, err error) string {
	var se *support.Error
	var fe *files.Error
	switch {
	case errors.As(err, &se):
		key := se.Key
		if !hasMessage(key) {
			key = "support.err.generic"
		}
		args := se.Args
		if len(args) == 1 {
			if f, ok := args[0].(string); ok {
				args = []any{pg.T("tk.field." + f)}
			}
		}
		return pg.T(key, args...)
	case errors.As(err, &fe):
		switch fe.Key {
		case "files.too_large":
			return pg.T("tk.err.too_large", fe.Args[0], fe.Args[1].(int64)>>10)
		case "files.empty":
			return pg.T("tk.err.empty_file", fe.Args[0])
		}
		return pg.T("tk.err.bad_file")
	}
	return ""
}

func (s *server) portalTicketCreate(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	ups, err := readUploads(r)
	if err != nil {
		var fe *formError
		if errors.As(err, &fe) {
			pg := s.newPage(w, r, "")
			s.ticketNewPage(w, r, newForm(nil), pg.T("tk.err.too_large_form", maxFormBytes>>10), http.StatusRequestEntityTooLarge)
			return nil
		}
		return err
	}
	in := support.OpenInput{OrgID: p.Org.ID, Subject: r.FormValue("subject"), Body: r.FormValue("body"),
		Category: support.Category(r.FormValue("category")), Fields: map[string]string{}, Files: ups}
	for _, fs := range support.CategoryFields {
		for _, f := range fs {
			if v := r.FormValue("f_" + f); v != "" {
				in.Fields[f] = v
			}
		}
	}
	t, err := s.sup.Open(r.Context(), *p, in)
	if err != nil {
		pg := s.newPage(w, r, "")
		if msg := supportErr(pg, err); msg != "" {
			f := newForm(nil)
			for k, v := range r.Form {
				f.Values[k] = v
			}
			s.ticketNewPage(w, r, f, msg, http.StatusUnprocessableEntity)
			return nil
		}
		return err
	}
	s.flash(w, "ticket_opened")
	s.redirect(w, r, "/portal/tickets/"+strconv.FormatInt(t.ID, 10))
	return nil
}

type ticketView struct {
	Base     string
	Ticket   support.Ticket
	Messages []support.Message
	Error    string
	Staff    bool
	Overdue  bool
	Closed   bool
	Explain  []string
	Canned   []support.Canned
	Prefill  string
	Roles    []accounts.Role
	Statuses []support.Status
	Cats     []support.Category
}

func (s *server) ticketPage(w http.ResponseWriter, r *http.Request, p *accounts.Principal, id int64, errMsg string, status int) error {
	t, ms, err := s.sup.Get(r.Context(), *p, id)
	if err != nil {
		return err
	}
	pg := s.newPage(w, r, "")
	pg.Title, pg.Nav = t.Subject+" "+t.Token(), "tickets"
	v := ticketView{Base: "/portal/tickets/" + strconv.FormatInt(id, 10), Ticket: t, Messages: ms, Error: errMsg,
		Overdue: t.Overdue(s.clock.Now()), Closed: t.Status == support.StatusClosed}
	if p.User.IsStaff() {
		v.Base, v.Staff = "/staff/tickets/"+strconv.FormatInt(id, 10), true
		v.Roles, v.Statuses, v.Cats = accounts.Roles, support.Statuses, support.Categories
		if c, err := s.sup.CannedReplies(r.Context(), *p, t.Lang); err == nil {
			v.Canned = c
			if cid, _ := strconv.ParseInt(r.URL.Query().Get("canned"), 10, 64); cid != 0 {
				for _, x := range c {
					if x.ID == cid {
						v.Prefill = x.Body
					}
				}
			}
		}
	}
	for _, name := range []string{"complaint", "response"} {
		if ex := t.Explanations()[name]; len(ex) > 0 {
			v.Explain = append(v.Explain, explainText(pg.Lang, ex))
		}
	}
	pg.Data = v
	tmpl := "portal_ticket"
	if v.Staff {
		tmpl = "staff_ticket"
	}
	s.render(w, status, tmpl, pg)
	return nil
}

func (s *server) portalTicket(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.ticketPage(w, r, p, id, "", http.StatusOK)
}

func (s *server) ticketReply(w http.ResponseWriter, r *http.Request, p *accounts.Principal, in support.ReplyInput) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	ups, err := readUploads(r)
	if err != nil {
		var fe *formError
		if errors.As(err, &fe) {
			pg := s.newPage(w, r, "")
			return s.ticketPage(w, r, p, id, pg.T("tk.err.too_large_form", maxFormBytes>>10), http.StatusRequestEntityTooLarge)
		}
		return err
	}
	in.Body, in.Files = r.FormValue("body"), ups
	if p.User.IsStaff() {
		in.Internal = r.FormValue("internal") == "on"
		in.Substantive = r.FormValue("substantive") == "on"
		in.Status = support.Status(r.FormValue("status"))
	}
	if _, err := s.sup.Reply(r.Context(), *p, id, in); err != nil {
		pg := s.newPage(w, r, "")
		if msg := supportErr(pg, err); msg != "" {
			return s.ticketPage(w, r, p, id, msg, http.StatusUnprocessableEntity)
		}
		return err
	}
	s.flash(w, "ticket_replied")
	base := "/portal/tickets/"
	if p.User.IsStaff() {
		base = "/staff/tickets/"
	}
	s.redirect(w, r, base+strconv.FormatInt(id, 10))
	return nil
}

func (s *server) portalTicketReply(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.ticketReply(w, r, p, support.ReplyInput{})
}

func (s *server) ticketClosePage(base string) confirmPage {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal, pg *page, id int64, status int) error {
		t, _, err := s.sup.Get(r.Context(), *p, id)
		if err != nil {
			return err
		}
		pg.Title, pg.Nav = pg.T("tk.close_title"), "tickets"
		b := base + "/tickets/" + strconv.FormatInt(id, 10)
		pg.Data = confirmView{Question: pg.T("tk.close_question", t.Token()+" "+t.Subject), Details: []string{pg.T("tk.close_detail")},
			Action: b + "/close", Submit: "tk.close", Cancel: b}
		s.render(w, status, "confirm", pg)
		return nil
	}
}

func (s *server) ticketClose(base string) confirmAct {
	return func(r *http.Request, p *accounts.Principal, pg *page, f *form, id int64) (string, string, error) {
		if err := s.sup.Close(r.Context(), *p, id); err != nil {
			return "", "", err
		}
		return "ticket_closed", base + "/tickets/" + strconv.FormatInt(id, 10), nil
	}
}

func (s *server) ticketFile(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	fid, err := strconv.ParseInt(r.URL.Query().Get("f"), 10, 64)
	if err != nil || fid <= 0 {
		return errBadID
	}
	f, data, err := s.sup.Attachment(r.Context(), *p, id, fid)
	if errors.Is(err, support.ErrNotFound) || errors.Is(err, files.ErrNotFound) {
		return accounts.ErrNotFound
	}
	if err != nil {
		return err
	}
	// Served as a download, never rendered: an uploaded HTML file cannot run here.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < 32 {
			return '_'
		}
		return r
	}, f.Name)+`"`)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, err = w.Write(data)
	return err
}
