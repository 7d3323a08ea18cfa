package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/support"
)

// TestSupportPages: a customer opens a ticket in the portal, staff answer it with an
// internal note beside, the customer reads the answer but not the note, replies and
// closes; the staff queue filters and the pages read in Dutch and English.
func TestSupportPages(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		_, u := e.customer("Slagerij Bos", "gert@slagerijbos.test")
		e.staff("sanne@provider.test", accounts.RoleSupport)

		c := e.client()
		c.login("gert@slagerijbos.test", "", "/portal/")
		contains(t, c.get("/portal/").Body, `href="/portal/tickets"`)
		r := c.get("/portal/tickets")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Je organisatie heeft nog geen tickets.")
		contains(t, c.get("/portal/tickets/new").Body, "Wijzigingsverzoek", "Backup terugzetten", "5 werkdagen")

		// A change request without its fields is refused with a message.
		r = c.post("/portal/tickets", url.Values{"category": {"change_request"}, "subject": {"Extra schijf"}, "body": {"Graag 50 GB erbij"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "Vul dit veld in: Dienst.")
		r = c.post("/portal/tickets", url.Values{"category": {"complaint"}, "subject": {"Site traag"}, "body": {"Al dagen traag."}})
		c.expect(r, http.StatusSeeOther, "")
		base := r.Location()
		r = c.get(base)
		contains(t, r.Body, "Site traag", "[#T-", "Klacht", "Een klacht wordt binnen 5 werkdagen na ontvangst inhoudelijk beantwoord")

		id := strings.TrimPrefix(base, "/portal/tickets/")
		s := e.client()
		s.login("sanne@provider.test", staffSecret, "/staff/")
		r = s.get("/staff/tickets?due=due")
		contains(t, r.Body, "Site traag", `href="/staff/tickets/`+id+`"`)
		s.expect(s.post("/staff/tickets/"+id+"/reply", url.Values{"body": {"Notitie: cache staat uit."}, "internal": {"on"}}), http.StatusSeeOther, "/staff/tickets/"+id)
		s.expect(s.post("/staff/tickets/"+id+"/reply", url.Values{"body": {"We hebben de cache aangezet."}, "substantive": {"on"}, "status": {"resolved"}}), http.StatusSeeOther, "/staff/tickets/"+id)
		s.expect(s.post("/staff/tickets/"+id+"/assign", url.Values{"to": {"me"}}), http.StatusSeeOther, "/staff/tickets/"+id)
		r = s.get("/staff/tickets/" + id)
		contains(t, r.Body, "Notitie: cache staat uit.", "inhoudelijk antwoord op de klacht", "toegewezen aan medewerker")

		r = c.get(base)
		contains(t, r.Body, "We hebben de cache aangezet.")
		lacks(t, r.Body, "cache staat uit")
		c.expect(c.post(base+"/reply", url.Values{"body": {"Dank, het werkt."}}), http.StatusSeeOther, base)
		c.expect(c.post(base+"/close", nil), http.StatusSeeOther, base)
		contains(t, c.get(base).Body, "Dit ticket is gesloten.")

		// A call logged by staff opens a ticket; a complaint by phone is refused.
		r = s.post("/staff/tickets/contact", url.Values{"channel": {"phone"}, "subject": {"Belt over DNS"}, "body": {"MX-record uitgelegd"}, "category": {"question"}})
		s.expect(r, http.StatusSeeOther, "")
		r = s.post("/staff/tickets/contact", url.Values{"channel": {"phone"}, "subject": {"Boos"}, "body": {"Klaagt"}, "category": {"complaint"}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "schriftelijk")

		// English.
		c.cookies["lang"] = "en"
		contains(t, c.get("/portal/tickets").Body, "Questions and complaints", "Complaint")
		s.cookies["lang"] = "en"
		contains(t, s.get("/staff/tickets?status=all").Body, "Belt over DNS", "Site traag", "Closed")

		// The ticket list of another organisation's user stays empty.
		_, other := e.customer("Bakkerij Jansen", "marieke@jansen.test")
		o := e.client()
		o.login("marieke@jansen.test", "", "/portal/")
		lacks(t, o.get("/portal/tickets").Body, "Site traag")
		_ = u
		_ = other
		_ = support.Complaint
	})
}

// layoutTickets gives each customer of the layout test a ticket with a long thread, and
// returns their ids by organisation.
func layoutTickets(t *testing.T, e *env, users ...accounts.User) map[int64]string {
	t.Helper()
	out := map[int64]string{}
	for _, u := range users {
		p := e.customerPrincipal(u)
		tk, err := e.sup.Open(e.ctx, p, support.OpenInput{OrgID: u.OrgID, Category: support.ChangeRequest,
			Subject: "Verzoek om de PHP-versie van alle websites op het pakket naar 8.3 te brengen",
			Body:    "Kunnen jullie de PHP-versie ophogen? https://een-heel-lang-domein-zonder-afbreekpunten.example/pad/naar/een/pagina/die/niet/afbreekt",
			Fields:  map[string]string{"service": "webhosting", "change": "PHP 8.2 naar 8.3"},
			Files:   []support.Upload{{Name: "phpinfo-uitvoer-van-de-website.txt", Data: []byte("PHP Version 8.2.12")}}})
		if err != nil {
			t.Fatal(err)
		}
		out[u.OrgID] = itoa(tk.ID)
	}
	return out
}
