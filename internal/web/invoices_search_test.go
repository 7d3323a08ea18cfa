package web

import (
	"net/http"
	"net/url"
	"testing"
)

// TestStaffInvoiceNumberSearch: staff find an invoice by the start of its number or of
// its payment reference on the invoice list (issue 16).
func TestStaffInvoiceNumberSearch(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.staff("anna@provider.test")
		_, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		_, ou := e.consumer("Sanne de Boer", "sanne@example.test")
		inv := e.invoiced(e.customerPrincipal(u), "webhosting", "start")
		other := e.invoiced(e.customerPrincipal(ou), "webhosting", "pro")
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/invoices?q=" + url.QueryEscape(inv.Number))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, inv.Number, "Bakkerij Jansen B.V.", `name="q"`)
		lacks(t, r.Body, other.Number, "⟦")
		r = c.get("/staff/invoices?q=" + url.QueryEscape(other.Reference))
		contains(t, r.Body, other.Number)
		lacks(t, r.Body, inv.Number)
		contains(t, c.get("/staff/invoices?q=ZZZ").Body, "Geen facturen gevonden")
	})
}
