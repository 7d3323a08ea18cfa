package billing

import (
	"errors"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestRestrictAndRedact (issue 12): a restricted customer's invoices show an
// anonymised name in every read while the sealed rows stay as issued (Verify finds
// nothing); after the fiscal period the sealed redaction removes the party from the
// document, Verify accepts it, a second redaction does nothing, and tampering after
// the redaction is still detected. A tampered document is never redacted.
func TestRestrictAndRedact(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		org := e.org(accounts.Consumer, "jansen", "NL", "")
		other := e.org(accounts.Consumer, "pietersen", "NL", "")
		e.sub(org, "Pro", "P1M", eur(7, 95), terms.D(2027, 1, 1))
		e.sub(other, "Pro", "P1M", eur(7, 95), terms.D(2027, 1, 1))
		e.run()
		inv := e.invoices(org)[0]
		name := inv.Customer.Name
		if name == "" || name == AnonymisedName {
			t.Fatalf("name on the invoice: %q", name)
		}
		var before string
		_ = e.db.QueryRowContext(e.ctx, `SELECT customer_json FROM invoices WHERE id = $1`, inv.ID).Scan(&before)

		if err := e.db.InTx(e.ctx, func(q store.Querier) error { return RestrictCustomer(e.ctx, q, org, "erasure request 1") }); err != nil {
			t.Fatal(err)
		}
		got, err := e.svc.GetInvoice(e.ctx, e.staff, inv.ID)
		if err != nil || got.Customer.Name != AnonymisedName || got.Customer.Street != "" || got.Customer.Email != "" || !got.Restricted {
			t.Fatalf("restricted invoice read: %+v %v", got.Customer, err)
		}
		list, _, err := e.svc.ListInvoices(e.ctx, e.staff, InvoiceFilter{OrgID: org}, Page{})
		if err != nil || len(list) == 0 || list[0].Customer.Name != AnonymisedName {
			t.Fatalf("restricted list: %+v %v", list, err)
		}
		open, err := e.svc.OpenInvoices(e.ctx, terms.D(2030, 1, 1))
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range open {
			if (o.OrgID == org) != (o.Name == AnonymisedName) {
				t.Fatalf("open invoice of %d shows %q", o.OrgID, o.Name)
			}
		}
		if others := e.invoices(other); others[0].Customer.Name == AnonymisedName {
			t.Fatalf("another customer's invoice anonymised")
		}
		var after string
		_ = e.db.QueryRowContext(e.ctx, `SELECT customer_json FROM invoices WHERE id = $1`, inv.ID).Scan(&after)
		if after != before || !strings.Contains(after, name) {
			t.Fatalf("the sealed row changed during the fiscal period")
		}
		if _, problems, err := e.svc.Verify(e.ctx); err != nil || len(problems) != 0 {
			t.Fatalf("verify while restricted: %v %v", problems, err)
		}

		// After the fiscal period.
		redact := func() error {
			return e.db.InTx(e.ctx, func(q store.Querier) error { return Redact(e.ctx, q, e.clk.Now(), inv.ID, "invoices") })
		}
		for range 2 {
			if err := redact(); err != nil {
				t.Fatal(err)
			}
		}
		_ = e.db.QueryRowContext(e.ctx, `SELECT customer_json FROM invoices WHERE id = $1`, inv.ID).Scan(&after)
		if strings.Contains(after, name) || !strings.Contains(after, "anonymised") {
			t.Fatalf("redacted row still names the customer: %s", after)
		}
		got, err = e.svc.GetInvoice(e.ctx, e.staff, inv.ID)
		if err != nil || !got.Redacted || got.Customer.Name != AnonymisedName || got.ContentHash != inv.ContentHash {
			t.Fatalf("redacted invoice: %+v %v", got, err)
		}
		if _, problems, err := e.svc.Verify(e.ctx); err != nil || len(problems) != 0 {
			t.Fatalf("verify after redaction: %v %v", problems, err)
		}
		var redactions int
		_ = e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM invoice_redactions WHERE invoice_id = $1`, inv.ID).Scan(&redactions)
		if redactions != 1 {
			t.Fatalf("redactions: %d", redactions)
		}
		// Tampering after the redaction is detected; a tampered document is not
		// redacted. (The rows are put back after, for the harness's own Verify.)
		oinv := e.invoices(other)[0]
		tamper := func(id int64, amount any) {
			if _, err := e.db.ExecContext(e.ctx, `UPDATE invoice_lines SET amount = $1 WHERE invoice_id = $2`, amount, id); err != nil {
				t.Fatal(err)
			}
		}
		var amount, oamount int64
		_ = e.db.QueryRowContext(e.ctx, `SELECT amount FROM invoice_lines WHERE invoice_id = $1`, inv.ID).Scan(&amount)
		_ = e.db.QueryRowContext(e.ctx, `SELECT amount FROM invoice_lines WHERE invoice_id = $1`, oinv.ID).Scan(&oamount)
		tamper(inv.ID, 1)
		if _, err := e.svc.GetInvoice(e.ctx, e.staff, inv.ID); !errors.Is(err, ErrTampered) {
			t.Fatalf("tampered redacted invoice: %v", err)
		}
		tamper(oinv.ID, 1)
		if err := e.db.InTx(e.ctx, func(q store.Querier) error { return Redact(e.ctx, q, e.clk.Now(), oinv.ID, "invoices") }); !errors.Is(err, ErrTampered) {
			t.Fatalf("redacting a tampered invoice: %v", err)
		}
		tamper(inv.ID, amount)
		tamper(oinv.ID, oamount)
	})
}
