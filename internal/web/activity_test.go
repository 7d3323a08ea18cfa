package web

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/audit"
)

// The feed names objects as people know them — the invoice by its number, the payer by
// name — in the reader's language; an object that is gone, or of another organisation,
// keeps its id and never shows the other organisation's number (issue 9, part T).
func TestActivityNamesInvoiceAndPayer(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		org, admin := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		piet, err := e.acc.CreateUser(e.ctx, e.customerPrincipal(admin), accounts.UserInput{OrgID: org.ID, Email: "piet@jansen.test",
			Name: "Piet", Language: "nl", Password: testPW, Permissions: []accounts.Permission{accounts.PermBilling}})
		if err != nil {
			t.Fatal(err)
		}
		inv := e.invoiced(e.customerPrincipal(admin), "webhosting", "start")
		_, other := e.customer("Slagerij Vos", "els@vos.test")
		theirs := e.invoiced(e.customerPrincipal(other), "webhosting", "start")

		// Piet pays online; the provider's webhook books it, yet Piet paid.
		p := e.client()
		p.login(piet.Email, "", "/portal/")
		base := "/portal/invoices/" + itoa(inv.ID)
		r := p.post(base+"/pay", nil)
		p.expect(r, http.StatusSeeOther, "")
		p.expect(p.post(r.Location(), url.Values{"result": {"paid"}}), http.StatusSeeOther, base)
		ctx := audit.WithActor(e.ctx, audit.Actor{Kind: audit.ActorCustomer, ID: piet.ID, Label: piet.Email})
		// Entries naming an invoice that does not exist and one of another organisation.
		for _, id := range []string{"999999", itoa(theirs.ID)} {
			if err := audit.Record(ctx, e.db, e.clk.Now(), audit.Change{OrgID: org.ID, Action: "billing.payment.reverse", ObjectKind: "invoice", ObjectID: id, Summary: "test"}); err != nil {
				t.Fatal(err)
			}
		}

		c := e.client()
		c.login("marieke@jansen.test", "", "/portal/")
		r = c.get("/portal/activity")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Piet heeft factuur "+inv.Number+" betaald", "Piet is een online betaling van factuur "+inv.Number+" begonnen", "Een betaling op factuur 999999 is teruggedraaid",
			"Een betaling op factuur "+itoa(theirs.ID)+" is teruggedraaid")
		lacks(t, r.Body, theirs.Number, "factuur "+itoa(inv.ID)+" ")
		c.post("/lang", url.Values{"lang": {"en"}, "next": {"/portal/activity"}})
		contains(t, c.get("/portal/activity").Body, "Piet paid invoice "+inv.Number)

		// Staff read the same sentence on the customer's page.
		s := e.client()
		e.staff("anna@provider.test")
		s.login("anna@provider.test", staffSecret, "/staff/")
		contains(t, s.get("/staff/customers/"+itoa(org.ID)).Body, "Piet heeft factuur "+inv.Number+" betaald")
	})
}
