package web

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/billing"
)

// TestStaffReportsPageAndStream: the receivables report shows one page of customers
// with the total of all of them, pages on by customer number, and its CSV export is
// streamed (no length known in advance) with every customer and the total row; in
// Dutch and English (issue 16).
func TestStaffReportsPageAndStream(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.seedCatalog()
		e.staff("anna@provider.test", accounts.RoleBilling)
		_, u := e.customer("Bakkerij Jansen B.V.", "marieke@jansen.test")
		inv := e.invoiced(e.customerPrincipal(u), "webhosting", "pro")
		// Thirty more customers owe the same invoice: copies of it under other
		// customers (the report reads only invoices and their state).
		for k := 1; k <= 30; k++ {
			org := int64(100000 + k)
			if _, err := e.db.ExecContext(e.ctx, `INSERT INTO invoices (doc_type, series, seq, number, reference, org_id, pack, terms_version, customer_kind,
				lang, currency, issue_date, due_date, period_start, period_end, vat_scheme, vat_country, total_excl, vat, total_incl, credit_applied,
				amount_due, customer_json, provider_json, vat_json, explanation, content_hash, created_at)
				SELECT doc_type, 'T', $1, $2, $3, $4, pack, terms_version, customer_kind, lang, currency, issue_date, due_date, period_start, period_end,
				vat_scheme, vat_country, total_excl, vat, total_incl, credit_applied, amount_due, REPLACE(customer_json, 'Bakkerij Jansen B.V.', $5),
				provider_json, vat_json, explanation, content_hash, created_at FROM invoices WHERE id = $6`,
				k, fmt.Sprintf("T-%03d", k), fmt.Sprintf("RFT%03d", k), org, fmt.Sprintf("Klant %03d", k), inv.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := e.db.ExecContext(e.ctx, `INSERT INTO invoice_state (invoice_id, org_id, doc_type, open_amount, status, updated_at)
				SELECT i.id, i.org_id, s.doc_type, s.open_amount, s.status, s.updated_at FROM invoices i, invoice_state s WHERE i.number = $1 AND s.invoice_id = $2`,
				fmt.Sprintf("T-%03d", k), inv.ID); err != nil {
				t.Fatal(err)
			}
		}
		if err := billing.RebuildTotals(e.ctx, e.db); err != nil {
			t.Fatal(err)
		}
		c := e.client()
		c.login("anna@provider.test", staffSecret, "/staff/")
		r := c.get("/staff/reports")
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Bakkerij Jansen B.V.", "Klant 024", "Klanten met een openstaand bedrag: 31", "Totaal alle klanten", "Volgende →")
		lacks(t, r.Body, "Klant 025", "⟦")
		next := regexp.MustCompile(`href="(/staff/reports\?[^"]*after=[0-9]+[^"]*)"`).FindStringSubmatch(r.Body)
		if next == nil {
			t.Fatalf("no next page:\n%s", r.Body)
		}
		r = c.get(strings.ReplaceAll(next[1], "&amp;", "&"))
		c.expect(r, http.StatusOK, "")
		contains(t, r.Body, "Klant 025", "Klant 030", "← Eerste pagina", "Klanten met een openstaand bedrag: 31")
		lacks(t, r.Body, "Klant 024", "Bakkerij Jansen B.V.")

		lacks(t, r.Body, "opgeteld uit alle openstaande facturen")
		// A report date before the last invoice date is added up from the invoices,
		// and the page says so.
		past := c.get("/staff/reports?as_of=" + inv.IssueDate.AddDays(-1).String())
		c.expect(past, http.StatusOK, "")
		contains(t, past.Body, "opgeteld uit alle openstaande facturen")

		c.header.Set("Accept-Language", "en")
		c.cookies[langCookie] = "en"
		r = c.get("/staff/reports")
		contains(t, r.Body, "Customers with an amount outstanding: 31", "Total of all customers", "Total for the period", "Next →")
		lacks(t, r.Body, "⟦")

		r = c.get("/staff/reports/receivables.csv")
		c.expect(r, http.StatusOK, "")
		if r.Header.Get("Content-Length") != "" || !strings.HasPrefix(r.Header.Get("Content-Disposition"), "attachment") || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Errorf("headers %v", r.Header)
		}
		recs, err := csv.NewReader(strings.NewReader(r.Body)).ReadAll()
		if err != nil || len(recs) != 33 || recs[0][0] != "org_id" || recs[32][0] != "0" || recs[32][7] != (31*inv.State.Open).String() {
			t.Fatalf("csv %d rows %v", len(recs), err)
		}

		// Revenue over two years pages by month, a year at a time.
		r = c.get("/staff/reports?from=2024-01-01&to=2025-12-31")
		c.expect(r, http.StatusOK, "")
		if !strings.Contains(r.Body, "months=2025-01") || !strings.Contains(r.Body, `href="/staff/reports/revenue.csv?as_of=`) {
			t.Errorf("no next year of revenue, or no CSV link with the dates:\n%s", r.Body)
		}
	})
}
