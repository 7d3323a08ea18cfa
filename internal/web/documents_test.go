package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/documents"
	"github.com/hostpact/hostpact/internal/terms"
)

const webTermsNL = `# Algemene voorwaarden

## Artikel 13 Opzegging {#voorwaarden.artikel-13}

Een consument zegt na de verlenging op met een maand opzegtermijn. {#cp.av.13.2}

Een zakelijke klant zegt op met een termijn van twee maanden tegen het einde van de looptijd. {#cp.av.13.3}

<script>alert("xss")</script>
`

// publishDoc publishes a document as the admin, through the service.
func (e *env) publishDoc(k documents.Kind, version, lang string, eff terms.Date, title, body string) documents.Version {
	e.t.Helper()
	v, err := e.docs.Publish(e.ctx, e.admin(), documents.Input{Kind: k, Version: version, Lang: lang, Title: title, Body: body, EffectiveOn: eff}, "")
	if err != nil {
		e.t.Fatal(err)
	}
	return v
}

// curl /terms without signing in returns the version in force with its clause anchors.
func TestPublicTermsWithoutLogin(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		today := e.srv.today()
		anon := e.client()
		r := anon.get("/terms")
		anon.expect(r, http.StatusNotFound, "")
		contains(t, r.Body, "nog niet gepubliceerd")

		v1 := e.publishDoc(documents.Terms, "2026-03", "nl", today, "Algemene voorwaarden", webTermsNL)
		e.publishDoc(documents.Terms, "2026-03", "en", today, "General terms",
			"# General terms\n\nA business customer cancels with two months' notice to the end of the term. {#cp.av.13.3}\n")
		v2 := e.publishDoc(documents.Terms, "2026-05", "nl", today.AddDays(60), "Algemene voorwaarden",
			strings.Replace(webTermsNL, "twee maanden", "drie maanden", 1))

		for _, path := range []string{"/terms", "/voorwaarden", "/terms/v/2026-03"} {
			r := anon.get(path)
			anon.expect(r, http.StatusOK, "")
			contains(t, r.Body, `<p id="cp.av.13.3">Een zakelijke klant zegt op met een termijn van twee maanden`, `<h2 id="voorwaarden.artikel-13">`,
				"Versie 2026-03", v1.Hash, `href="/terms/v/2026-03?lang=nl"`, "Van kracht", "Aangekondigd", "2026-05")
			lacks(t, r.Body, `<script>alert`, "drie maanden")
		}
		// An English reader reads the English text of the same version.
		anon.header.Set("Accept-Language", "en-GB,en;q=0.9")
		r = anon.get("/terms")
		contains(t, r.Body, `<p id="cp.av.13.3">A business customer cancels`, "Version 2026-03", `href="/terms/v/2026-03?lang=nl"`)
		anon.header.Del("Accept-Language")

		// The announced version has its own stable address; the English text of it is
		// not there, so the Dutch text is shown with a note.
		r = anon.get("/terms/v/2026-05?lang=en")
		anon.expect(r, http.StatusOK, "")
		contains(t, r.Body, "drie maanden", "niet in het Engels beschikbaar", v2.Hash, "gaat in op")
		anon.expect(anon.get("/terms/v/1999"), http.StatusNotFound, "")
		anon.expect(anon.get("/privacy"), http.StatusNotFound, "")

		// The diff between the two versions, word by word.
		r = anon.get("/terms?diff=2026-03..2026-05")
		anon.expect(r, http.StatusOK, "")
		contains(t, r.Body, `id="diff"`, "Wijzigingen van versie 2026-03 naar versie 2026-05",
			`<del><span class="visually-hidden">verwijderd: </span>twee</del>`, `<ins><span class="visually-hidden">toegevoegd: </span>drie</ins>`)
		anon.expect(anon.get("/terms?diff=2026-03"), http.StatusBadRequest, "")
		anon.expect(anon.get("/terms?diff=2026-03..1999"), http.StatusNotFound, "")

		for _, path := range []string{"/terms/pdf", "/terms/v/2026-05/pdf?lang=en"} {
			r = anon.get(path)
			anon.expect(r, http.StatusOK, "")
			if r.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(r.Body, "%PDF") {
				t.Errorf("%s: %q, starts %q", path, r.Header.Get("Content-Type"), r.Body[:min(8, len(r.Body))])
			}
		}
		// Every page links the documents in its footer.
		contains(t, anon.get("/login").Body, `href="/terms"`, `href="/privacy"`, `href="/withdrawal"`)
	})
}

func TestStaffPublishesADocument(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.staff("pim@provider.test", accounts.RolePrivacy)
		c := e.client()
		c.login("pim@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/documents")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Privacyverklaring", "Nog niet gepubliceerd.")
		c.expect(c.get("/staff/documents/new?kind=privacy&lang=nl"), http.StatusOK, "")

		today := e.srv.today().String()
		form := url.Values{"kind": {"privacy"}, "lang": {"nl"}, "version": {"2026-03"}, "effective_on": {today},
			"title": {"Privacyverklaring"}, "body": {"# Privacy\r\n\r\nServerlogs bewaren we een maand. {#cp.privacy.serverlogs.1}\r\n\r\n<img src=x onerror=alert(1)>\r\n"}}
		r = c.post("/staff/documents/preview", form)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, `<p id="cp.privacy.serverlogs.1">Serverlogs bewaren we een maand.</p>`, "cp.privacy.serverlogs.1", "Definitief publiceren")
		lacks(t, r.Body, "<img src=x")
		hash := hidden(r.Body, "expect_hash")
		if len(hash) != 64 {
			t.Fatalf("no hash on the preview: %q", hash)
		}
		// Nothing is published by the preview.
		if vs, _ := e.docs.History(e.ctx, documents.Privacy); len(vs) != 0 {
			t.Fatal("the preview published")
		}

		// Changed after the preview: refused, nothing published.
		changed := url.Values{}
		for k, v := range form {
			changed[k] = v
		}
		changed.Set("body", form.Get("body")+"Stiekem erbij.\n")
		changed.Set("expect_hash", hash)
		r = c.post("/staff/documents/publish", changed)
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "veranderd sinds het voorbeeld")

		form.Set("expect_hash", hash)
		r = c.post("/staff/documents/publish", form)
		c.expect(r, http.StatusSeeOther, "")
		loc := r.Location()
		if !regexp.MustCompile(`^/staff/documents/\d+$`).MatchString(loc) {
			t.Fatalf("redirect to %q", loc)
		}
		r = c.get(loc)
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "De nieuwe versie is gepubliceerd.", hash, "tekst klopt", "pim@provider.test")
		contains(t, c.get("/privacy").Body, `id="cp.privacy.serverlogs.1"`)
		contains(t, c.get("/staff/audit?action=document.publish").Body, "privacy version 2026-03 (nl)")

		// Published versions never change: the same version again is refused.
		r = c.post("/staff/documents/preview", form)
		c.expect(r, http.StatusUnprocessableEntity, "")
		fieldError(t, r.Body, "version")
		contains(t, r.Body, "al gepubliceerd en kan niet meer veranderen")

		// A malformed clause anchor is named in the reader's language.
		form.Set("version", "2026-04")
		form.Set("body", "Tekst. {#CP.Privacy}\n")
		c.header.Set("Accept-Language", "en")
		c.post("/lang", url.Values{"lang": {"en"}, "next": {"/"}})
		r = c.post("/staff/documents/preview", form)
		c.expect(r, http.StatusUnprocessableEntity, "")
		contains(t, r.Body, "The clause anchor {#CP.Privacy} is invalid")
	})
}

// docGuardRoutes lists every staff route of the documents. Only staff who may publish
// reach them; TestEveryDocumentRouteIsGuarded fails when a route is added without
// adding it here.
var docGuardRoutes = []string{
	"GET /staff/documents",
	"GET /staff/documents/new",
	"POST /staff/documents/new",
	"POST /staff/documents/preview",
	"POST /staff/documents/publish",
	"GET /staff/documents/{id}",
}

// docPublicRoutes are the routes anyone may read, signed in or not.
var docPublicRoutes = func() map[string]bool {
	m := map[string]bool{"GET /voorwaarden": true}
	for _, k := range documents.Kinds {
		for _, p := range []string{"", "/pdf", "/v/{version}", "/v/{version}/pdf"} {
			m["GET /"+string(k)+p] = true
		}
	}
	return m
}()

func TestEveryDocumentRouteIsGuarded(t *testing.T) {
	e := newEnv(t, openSQLite(t), Config{})
	listed := map[string]bool{}
	for _, p := range docGuardRoutes {
		listed[p] = true
	}
	seen := 0
	for _, p := range e.srv.patterns {
		switch {
		case strings.Contains(p, "/staff/documents"):
			if !listed[p] {
				t.Errorf("route %q is not in docGuardRoutes", p)
			}
		case docPublicRoutes[p]:
			seen++
		}
	}
	if seen != len(docPublicRoutes) {
		t.Errorf("%d public document routes registered, want %d", seen, len(docPublicRoutes))
	}
}

func TestDocumentRoutesRefuseOthers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		v := e.publishDoc(documents.Terms, "1", "nl", e.srv.today(), "Algemene voorwaarden", webTermsNL)
		e.staff("bart@provider.test", accounts.RoleBilling)
		e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		billing := e.client()
		billing.login("bart@provider.test", staffSecret, "/staff/")
		customer := e.client()
		customer.login("marieke@jansen.test", "", "/portal/")
		anon := e.client()
		form := url.Values{"kind": {"terms"}, "lang": {"nl"}, "version": {"2"}, "effective_on": {e.srv.today().AddDays(40).String()},
			"title": {"Gewijzigd"}, "body": {"Anders. {#cp.av.1.1}\n"}}
		for _, rt := range docGuardRoutes {
			method, path, _ := strings.Cut(rt, " ")
			path = strings.Replace(path, "{id}", fmt.Sprint(v.ID), 1)
			for _, tc := range []struct {
				who  string
				c    *client
				want int
			}{{"billing staff", billing, http.StatusForbidden}, {"customer", customer, http.StatusForbidden}, {"anonymous", anon, http.StatusSeeOther}} {
				var r resp
				if method == http.MethodPost {
					r = tc.c.post(path, form)
				} else {
					r = tc.c.get(path + "?from=" + fmt.Sprint(v.ID))
				}
				if r.Code != tc.want || tc.want == http.StatusSeeOther && r.Location() != "/login" {
					t.Errorf("%s %s by %s: %d %q, want %d", method, path, tc.who, r.Code, r.Location(), tc.want)
				}
				lacks(t, r.Body, "root@provider.test")
			}
		}
		if vs, _ := e.docs.History(e.ctx, documents.Terms); len(vs) != 1 {
			t.Fatalf("%d versions after refused attempts", len(vs))
		}
		// The public pages answer everyone.
		for _, c := range []*client{billing, customer, anon} {
			c.expect(c.get("/terms/v/1"), http.StatusOK, "")
		}
	})
}

// Every problem the documents service reports, and every kind, reads in both languages.
func TestDocumentMessagesAreTranslated(t *testing.T) {
	t.Parallel()
	var keys []string
	for _, k := range documents.ProblemKeys {
		keys = append(keys, "docs.err."+k)
	}
	for _, k := range documents.Kinds {
		keys = append(keys, "doc."+string(k))
	}
	for _, l := range documents.Languages {
		keys = append(keys, "doc.fallback."+l, "lang."+l)
	}
	for _, k := range keys {
		m, ok := messages[k]
		if !ok || m[0] == "" || m[1] == "" {
			t.Errorf("message %s lacks a translation", k)
		}
	}
}
