package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/abuse"
	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/files"
	"github.com/hostpact/hostpact/internal/store"
)

// TestAbuseEvidenceDownload: the abuse desk downloads a notice's evidence as an
// attachment with its sniffed type and nosniff, audited; an uploaded HTML page is sent
// as text, never rendered; other staff, customers and another case's file id get
// nothing.
func TestAbuseEvidenceDownload(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		_, admin := e.customer("Webwinkel Veld", "anna@veld.test")
		con := e.order(e.customerPrincipal(admin), "webhosting", "start", "")
		e.provServer("web01.ams", "Amsterdam", 10)
		svc := e.provision(con.Subscriptions[0])
		pub := e.client()
		r := pub.get("/abuse")
		if _, err := e.db.ExecContext(e.ctx, `UPDATE provision_services SET domain = 'veld-shop.nl' WHERE id = $1`, svc.ID); err != nil {
			t.Fatal(err)
		}
		png := []byte("\x89PNG\r\n\x1a\n0000")
		r = pub.upload("/abuse", "evidence", "bewijs foto.png", png, abuseFormValues(t, r.Body, "https://www.veld-shop.nl/fotos"))
		pub.expect(r, http.StatusOK, "")
		id := strings.TrimPrefix(numberRE.FindString(r.Body), "NTD-")
		var caseID int64
		fmt.Sscan(id, &caseID)
		other := e.noticeAbout(svc.ID, "veld-shop.nl")
		// An HTML page among the evidence (say, a saved copy of the site): stored as
		// text by its sniffed type.
		var page, otherFile files.File
		if err := e.db.InTx(e.ctx, func(q store.Querier) error {
			var err error
			if page, err = files.Put(e.ctx, q, abuse.EvidenceOwner(caseID), "kopie.html", strings.NewReader("<html><script>alert(1)</script></html>"), 1<<20, e.clk.Now()); err != nil {
				return err
			}
			otherFile, err = files.Put(e.ctx, q, abuse.EvidenceOwner(other), "ander.png", strings.NewReader(string(png)+"1"), 1<<20, e.clk.Now())
			return err
		}); err != nil {
			t.Fatal(err)
		}
		ev, err := files.ByOwner(e.ctx, e.db, abuse.EvidenceOwner(caseID))
		if err != nil || len(ev) != 2 {
			t.Fatalf("evidence: %v %v", ev, err)
		}
		pngURL := fmt.Sprintf("/staff/abuse/%s/file?f=%d", id, ev[0].ID)

		e.staff("desk@provider.test", accounts.RoleAbuse)
		desk := e.client()
		desk.login("desk@provider.test", staffSecret, "/staff/")
		contains(t, desk.get("/staff/abuse/"+id).Body, `href="`+strings.ReplaceAll(pngURL, "&", "&amp;")+`"`)
		d := desk.get(pngURL)
		desk.expect(d, http.StatusOK, "")
		eqEvidence(t, "body", d.Body, string(png))
		eqEvidence(t, "type", d.Header.Get("Content-Type"), "image/png")
		eqEvidence(t, "disposition", d.Header.Get("Content-Disposition"), `attachment; filename="bewijs foto.png"`)
		eqEvidence(t, "nosniff", d.Header.Get("X-Content-Type-Options"), "nosniff")
		h := desk.get(fmt.Sprintf("/staff/abuse/%s/file?f=%d", id, page.ID))
		desk.expect(h, http.StatusOK, "")
		if ct := h.Header.Get("Content-Type"); strings.Contains(ct, "html") || !strings.HasPrefix(h.Header.Get("Content-Disposition"), "attachment") {
			t.Errorf("uploaded HTML served as %q, %q", ct, h.Header.Get("Content-Disposition"))
		}
		var audits int
		if err := e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM audit_entries WHERE action = 'abuse.evidence_download' AND object_id = $1 AND summary NOT LIKE '%bewijs%'`, id).Scan(&audits); err != nil {
			t.Fatal(err)
		}
		eqEvidence(t, "audited downloads", audits, 2)
		// Another case's file through this case, and no file: nothing.
		desk.expect(desk.get(fmt.Sprintf("/staff/abuse/%s/file?f=%d", id, otherFile.ID)), http.StatusNotFound, "")
		if r := desk.get("/staff/abuse/" + id + "/file"); r.Code == http.StatusOK {
			t.Errorf("no file id: %d", r.Code)
		}

		// Support staff read the case but do not download its evidence.
		e.staff("sam@provider.test", accounts.RoleSupport)
		sup := e.client()
		sup.login("sam@provider.test", staffSecret, "/staff/")
		lacks(t, sup.get("/staff/abuse/"+id).Body, "/file?f=")
		sup.expect(sup.get(pngURL), http.StatusForbidden, "")
		// The customer the notice is about gets nothing either.
		cust := e.client()
		cust.login("anna@veld.test", "", "/portal/")
		if r := cust.get(pngURL); r.Code == http.StatusOK || r.Body == string(png) || r.Header.Get("Content-Disposition") != "" {
			t.Errorf("customer fetched the evidence: %d %q", r.Code, r.Header.Get("Content-Disposition"))
		}
	})
}

func eqEvidence[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}
