package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/newsletter"
	"github.com/hostpact/hostpact/internal/store"
)

// seedNewsletterSubscribers inserts n active subscribers with multi-row inserts.
func seedNewsletterSubscribers(t *testing.T, db *store.DB, n int) {
	t.Helper()
	for i := 0; i < n; i += 1000 {
		var sb strings.Builder
		sb.WriteString(`INSERT INTO newsletter_subscribers (email, lang, status, source, token_nonce, created_at, confirmed_at) VALUES `)
		args := []any{t0}
		for j := i; j < min(i+1000, n); j++ {
			if j > i {
				sb.WriteString(", ")
			}
			lang := "nl"
			if j%2 == 0 {
				lang = "en"
			}
			args = append(args, fmt.Sprintf("lezer%05d@example.nl", j), lang, fmt.Sprintf("n%d", j))
			fmt.Fprintf(&sb, "($%d, $%d, 'active', 'order_soft_opt_in', $%d, $1, $1)", len(args)-2, len(args)-1, len(args))
		}
		if _, err := db.ExecContext(context.Background(), sb.String(), args...); err != nil {
			t.Fatal(err)
		}
	}
}

func subscriberStatus(t *testing.T, e *env, email string) string {
	t.Helper()
	var st string
	if err := e.db.QueryRowContext(e.ctx, `SELECT status FROM newsletter_subscribers WHERE email = $1`, email).Scan(&st); err != nil {
		return "none"
	}
	return st
}

// TestNewsletterToTenThousandWithOneClickUnsubscribe is the must-show test: staff
// write and send a newsletter to 10,000 subscribers, queued in batches, each exactly
// once in their language; the List-Unsubscribe URL of a queued mail, POSTed the way
// a mail provider does (RFC 8058: no session, no form token, from another origin) to
// the real handler, unsubscribes at once, and the next newsletter skips the address.
func TestNewsletterToTenThousandWithOneClickUnsubscribe(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		seedNewsletterSubscribers(t, e.db, 10000)
		e.staff("verkoop@provider.test", accounts.RoleSales)
		c := e.client()
		c.login("verkoop@provider.test", staffSecret, "/staff/")

		c.expect(c.get("/staff/newsletter"), http.StatusOK, "")
		r := c.get("/staff/newsletter/new")
		c.expect(r, http.StatusOK, "")
		r = c.post("/staff/newsletter/new", url.Values{"subject_nl": {"Nieuws van december"}, "body_nl": {"Back-ups per uur."},
			"subject_en": {"News for December"}, "body_en": {""}})
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "body_en")
		r = c.post("/staff/newsletter/new", url.Values{"subject_nl": {"Nieuws van december"}, "body_nl": {"Back-ups per uur."},
			"subject_en": {"News for December"}, "body_en": {"Hourly backups."}})
		c.expect(r, http.StatusSeeOther, "")
		page := r.Location()
		r = c.get(page)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Voorbeeld Nederlands", "Back-ups per uur.", "Hourly backups.", "/newsletter/unsubscribe?t=")
		// Sending asks first, then starts; the job queues in batches.
		r = c.get(page + "/send")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "10000 ingeschreven adressen")
		c.expect(c.post(page+"/send", nil), http.StatusSeeOther, page)
		queued, err := e.news.SendPending(e.ctx)
		if err != nil || queued != 10000 {
			t.Fatalf("SendPending = %d, %v", queued, err)
		}
		var mails, addrs, en int
		if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*), COUNT(DISTINCT to_addr), SUM(CASE WHEN subject = 'News for December' THEN 1 ELSE 0 END)
			FROM mail_outbox WHERE to_addr LIKE 'lezer%'`).Scan(&mails, &addrs, &en); err != nil {
			t.Fatal(err)
		}
		if mails != 10000 || addrs != 10000 || en != 5000 {
			t.Fatalf("outbox: %d mails, %d addresses, %d English", mails, addrs, en)
		}
		contains(t, c.get(page).Body, "10000 in de wachtrij", "verstuurd")

		// The header of one queued mail, as the sender writes it.
		var lu string
		if err := e.db.QueryRowContext(e.ctx, `SELECT list_unsubscribe FROM mail_outbox WHERE to_addr = 'lezer00777@example.nl'`).Scan(&lu); err != nil {
			t.Fatal(err)
		}
		header := "<" + strings.Join(strings.Fields(lu), ">, <") + ">"
		m := regexp.MustCompile(`^<(https://portal\.example(/newsletter/unsubscribe\?t=[^>]+))>, <mailto:[^>]+>$`).FindStringSubmatch(header)
		if m == nil {
			t.Fatalf("List-Unsubscribe: %s", header)
		}
		// A GET (a mail scanner) changes nothing.
		outsider := e.client()
		r = outsider.get(m[2])
		c.expect(r, http.StatusOK, "")
		if subscriberStatus(t, e, "lezer00777@example.nl") != newsletter.Active {
			t.Fatal("a GET unsubscribed")
		}
		// The mail provider's one-click POST.
		req, _ := http.NewRequest(http.MethodPost, m[1], strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://mail.example")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		r = outsider.do(req)
		c.expect(r, http.StatusOK, "")
		if st := subscriberStatus(t, e, "lezer00777@example.nl"); st != newsletter.Unsubscribed {
			t.Fatalf("after one click: %s", st)
		}
		// Only that route is exempt from cross-origin protection.
		req, _ = http.NewRequest(http.MethodPost, "https://portal.example/newsletter", strings.NewReader("email=x%40example.nl"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		c.expect(outsider.do(req), http.StatusForbidden, "")
		// A forged token does nothing.
		req, _ = http.NewRequest(http.MethodPost, "https://portal.example/newsletter/unsubscribe?t=1.AAAAAAAAAAAAAAAAAAAAAA", strings.NewReader("List-Unsubscribe=One-Click"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		c.expect(outsider.do(req), http.StatusNotFound, "")

		// The consent history shows how.
		var id int64
		if err := e.db.QueryRowContext(e.ctx, `SELECT id FROM newsletter_subscribers WHERE email = 'lezer00777@example.nl'`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		r = c.get(fmt.Sprintf("/staff/subscribers/%d", id))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "één klik vanuit de mail")
		r = c.get("/staff/subscribers?q=lezer0077")
		contains(t, r.Body, "lezer00777@example.nl", "afgemeld")

		// The next newsletter skips the address.
		r = c.post("/staff/newsletter/new", url.Values{"subject_nl": {"Januari"}, "body_nl": {"Nieuw jaar."}, "subject_en": {"January"}, "body_en": {"New year."}})
		c.expect(r, http.StatusSeeOther, "")
		c.expect(c.post(r.Location()+"/send", nil), http.StatusSeeOther, r.Location())
		if queued, err := e.news.SendPending(e.ctx); err != nil || queued != 9999 {
			t.Fatalf("second newsletter: %d, %v", queued, err)
		}
		var to777 int
		if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'lezer00777@example.nl'`).Scan(&to777); err != nil || to777 != 1 {
			t.Fatalf("mails to the unsubscribed address: %d, %v", to777, err)
		}
	})
}

// TestNewsletterSignUpOrderAndPortal: the public form is double opt-in behind proof of
// work; the order subscribes unless the box is ticked; the portal shows and changes
// the customer's own subscription; a customer cannot reach the staff pages.
func TestNewsletterSignUpOrderAndPortal(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		c := e.client()
		r := c.get("/newsletter")
		c.expect(r, http.StatusOK, "")
		form := solvePow(t, r.Body)
		form.Set("email", "nieuw@example.nl")
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("pow_number", "-1")
		c.expect(c.post("/newsletter", bad), http.StatusUnprocessableEntity, "")
		r = c.post("/newsletter", form)
		c.expect(r, http.StatusOK, "")
		if subscriberStatus(t, e, "nieuw@example.nl") != newsletter.Pending {
			t.Fatal("no pending sign-up")
		}
		var body string
		if err := e.db.QueryRowContext(e.ctx, `SELECT body_text FROM mail_outbox WHERE to_addr = 'nieuw@example.nl'`).Scan(&body); err != nil {
			t.Fatal(err)
		}
		link := regexp.MustCompile(`https://portal\.example(/newsletter/confirm\?t=\S+)`).FindStringSubmatch(body)
		if link == nil {
			t.Fatalf("mail: %s", body)
		}
		c.expect(c.get(link[1]), http.StatusOK, "")
		if subscriberStatus(t, e, "nieuw@example.nl") != newsletter.Pending {
			t.Fatal("a GET of the confirmation link subscribed")
		}
		c.expect(c.post(link[1], nil), http.StatusOK, "")
		if subscriberStatus(t, e, "nieuw@example.nl") != newsletter.Active {
			t.Fatal("not confirmed")
		}
		bad.Set("email", "geen adres")
		c.expect(c.post("/newsletter", solvePowWith(t, c, "geen adres")), http.StatusUnprocessableEntity, "")

		// Orders: the soft opt-in, and the box that says no.
		e.seedCatalog()
		start := e.plan("webhosting", "start")
		version, err := e.con.CurrentTermsVersion(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			email, box, want string
		}{{"koper@example.test", "", newsletter.Active}, {"weiger@example.test", "1", "none"}} {
			e.consumer("Klant "+tc.email, tc.email)
			cc := e.client()
			cc.login(tc.email, "", "/portal/")
			r := cc.get("/portal/order/" + itoa(start.ID))
			contains(t, r.Body, `name="no_newsletter"`, "Ik wil geen nieuwsbrief ontvangen")
			f := url.Values{"idempotency_key": {hidden(r.Body, "idempotency_key")}, "terms_version": {version}, "domain": {""}, "accept_terms": {"1"}, "no_newsletter": {tc.box}}
			cc.expect(cc.post("/portal/order/"+itoa(start.ID), f), http.StatusSeeOther, "")
			if st := subscriberStatus(t, e, tc.email); st != tc.want {
				t.Fatalf("%s after the order: %s, want %s", tc.email, st, tc.want)
			}
			if tc.box == "" {
				// The portal shows it and unsubscribes.
				r = cc.get("/portal/newsletter")
				contains(t, r.Body, "ontvangt de maandelijkse nieuwsbrief")
				contains(t, cc.get("/portal/profile").Body, `href="/portal/newsletter"`)
				cc.expect(cc.post("/portal/newsletter", url.Values{"lang": {"en"}}), http.StatusSeeOther, "/portal/newsletter")
				if st := subscriberStatus(t, e, tc.email); st != newsletter.Unsubscribed {
					t.Fatalf("after the portal: %s", st)
				}
				cc.expect(cc.get("/staff/newsletter"), http.StatusForbidden, "")
			}
		}
	})
}

func solvePowWith(t *testing.T, c *client, email string) url.Values {
	t.Helper()
	f := solvePow(t, c.get("/newsletter").Body)
	f.Set("email", email)
	return f
}
