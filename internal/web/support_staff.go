package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/support"
	"github.com/hostpact/hostpact/internal/terms"
)

// The staff side of the support desk: the queue with its filters (status, assignee,
// category, due and overdue, without an organisation), a ticket with its public thread,
// internal notes, canned replies, assignment, status, category, the link to an
// organisation, and the record of a phone call or chat.

func (s *server) supportStaffRoutes(staff func(string, handlerFunc)) {
	staff("GET /staff/tickets", s.staffTickets)
	staff("POST /staff/tickets/contact", s.staffTicketContact)
	staff("GET /staff/tickets/{id}", s.staffTicket)
	staff("POST /staff/tickets/{id}/reply", s.staffTicketReply)
	staff("POST /staff/tickets/{id}/status", s.staffTicketSet("status"))
	staff("POST /staff/tickets/{id}/assign", s.staffTicketSet("assign"))
	staff("POST /staff/tickets/{id}/category", s.staffTicketSet("category"))
	staff("POST /staff/tickets/{id}/link", s.staffTicketSet("link"))
	staff("POST /staff/tickets/{id}/contact", s.staffTicketSet("contact"))
	staff("GET /staff/tickets/{id}/file", s.ticketFile)
}

func explainText(lang string, ex terms.Explanation) string {
	parts := make([]string, 0, len(ex))
	for _, st := range ex {
		parts = append(parts, st.Text(lang))
	}
	return strings.Join(parts, " ")
}

func (s *server) staffTickets(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	q := r.URL.Query()
	f := support.Filter{Status: support.Status(q.Get("status")), Category: support.Category(q.Get("category")), Due: q.Get("due"),
		Unlinked: q.Get("unlinked") == "1", Open: q.Get("status") == ""}
	if q.Get("status") == "all" {
		f.Status, f.Open = "", false
	}
	if q.Get("mine") == "1" {
		f.Assignee = p.User.ID
	}
	f.OrgID, _ = strconv.ParseInt(q.Get("org"), 10, 64)
	f.Before, _ = strconv.ParseInt(q.Get("before"), 10, 64)
	ts, more, err := s.sup.List(r.Context(), *p, f)
	if err != nil {
		return err
	}
	var last int64
	if len(ts) > 0 {
		last = ts[len(ts)-1].ID
	}
	pg := s.newPage(w, r, "tk.queue")
	pg.Nav = "tickets"
	pg.Form = newForm(q)
	pg.Data = ticketListView{Tickets: ts, Cursor: newCursor(r, "before", more, last), Now: s.clock.Now(), Staff: true, Filter: f,
		Statuses: support.Statuses, Categories: support.Categories}
	s.render(w, http.StatusOK, "staff_tickets", pg)
	return nil
}

func (s *server) staffTicket(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.ticketPage(w, r, p, id, "", http.StatusOK)
}

func (s *server) staffTicketReply(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	return s.ticketReply(w, r, p, support.ReplyInput{})
}

// staffTicketSet runs one of the small staff forms of a ticket's page.
func (s *server) staffTicketSet(what string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
		id, err := pathID(r)
		if err != nil {
			return err
		}
		if err := parseForm(r); err != nil {
			return err
		}
		ctx := r.Context()
		switch what {
		case "status":
			err = s.sup.SetStatus(ctx, *p, id, support.Status(r.FormValue("status")))
		case "assign":
			var uid int64
			role := r.FormValue("role")
			if r.FormValue("to") == "me" {
				uid, role = p.User.ID, ""
			}
			err = s.sup.Assign(ctx, *p, id, uid, role)
		case "category":
			err = s.sup.SetCategory(ctx, *p, id, support.Category(r.FormValue("category")))
		case "link":
			org, perr := strconv.ParseInt(strings.TrimSpace(r.FormValue("org")), 10, 64)
			if perr != nil || org <= 0 {
				pg := s.newPage(w, r, "")
				return s.ticketPage(w, r, p, id, pg.T("tk.err.org"), http.StatusUnprocessableEntity)
			}
			err = s.sup.LinkOrganisation(ctx, *p, id, org)
		case "contact":
			_, err = s.sup.LogContact(ctx, *p, support.ContactInput{TicketID: id, Channel: support.Channel(r.FormValue("channel")), Body: r.FormValue("body")})
		}
		if err != nil {
			pg := s.newPage(w, r, "")
			if msg := supportErr(pg, err); msg != "" {
				return s.ticketPage(w, r, p, id, msg, http.StatusUnprocessableEntity)
			}
			return err
		}
		s.flash(w, "ticket_saved")
		s.redirect(w, r, "/staff/tickets/"+strconv.FormatInt(id, 10))
		return nil
	}
}

// staffTicketContact records a phone call or chat as a new ticket.
func (s *server) staffTicketContact(w http.ResponseWriter, r *http.Request, p *accounts.Principal) error {
	if err := parseForm(r); err != nil {
		return err
	}
	org, _ := strconv.ParseInt(strings.TrimSpace(r.FormValue("org")), 10, 64)
	t, err := s.sup.LogContact(r.Context(), *p, support.ContactInput{OrgID: org, Channel: support.Channel(r.FormValue("channel")),
		Subject: r.FormValue("subject"), Body: r.FormValue("body"), Category: support.Category(r.FormValue("category")),
		Email: r.FormValue("email"), Name: r.FormValue("name")})
	if err != nil {
		pg := s.newPage(w, r, "")
		if msg := supportErr(pg, err); msg != "" {
			pg.Title, pg.Nav = pg.T("tk.queue"), "tickets"
			pg.Data = errorView{Status: http.StatusUnprocessableEntity, Message: msg}
			s.render(w, http.StatusUnprocessableEntity, "error", pg)
			return nil
		}
		return err
	}
	s.flash(w, "ticket_opened")
	s.redirect(w, r, "/staff/tickets/"+strconv.FormatInt(t.ID, 10))
	return nil
}
