package billing

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestCorruptStoredValueIsAnError: an invoice whose stored explanation, customer
// snapshot or line period no longer decodes is not read as an invoice with an empty
// explanation; reading it fails with an error that names the invoice and the field.
func TestCorruptStoredValueIsAnError(t *testing.T) {
	tests := []struct {
		name, table, col, key, bad string
	}{
		{"explanation", "invoices", "explanation", "id", `[{"clause": 7`},
		{"customer snapshot", "invoices", "customer_json", "id", `null,`},
		{"line period", "invoice_lines", "period_end", "invoice_id", "2027-02-30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			each(t, func(t *testing.T, e *env) {
				org := e.org(accounts.Business, "acme", "NL", "NL001234567B01")
				e.sub(org, "Pro", "P1M", eur(10, 0), terms.D(2027, 1, 1))
				e.run()
				inv := e.invoices(org)[0]
				if len(inv.Explanation) == 0 {
					t.Fatal("the invoice has no explanation to corrupt")
				}
				where := " WHERE " + tt.key + " = $2"
				var orig string
				if err := e.db.QueryRowContext(e.ctx, "SELECT "+tt.col+" FROM "+tt.table+" WHERE "+tt.key+" = $1", inv.ID).Scan(&orig); err != nil {
					t.Fatal(err)
				}
				if _, err := e.db.ExecContext(e.ctx, "UPDATE "+tt.table+" SET "+tt.col+" = $1"+where, tt.bad, inv.ID); err != nil {
					t.Fatal(err)
				}
				_, err := e.svc.GetInvoice(e.ctx, e.staff, inv.ID)
				var ce *store.CorruptError
				if !errors.As(err, &ce) || !errors.Is(err, store.ErrCorrupt) || ce.Field != tt.col ||
					!strings.Contains(err.Error(), fmt.Sprintf("invoice %d", inv.ID)) {
					t.Fatalf("reading a corrupt %s: %v", tt.col, err)
				}
				// Verify reports it too.
				if _, problems, err := e.svc.Verify(e.ctx); err != nil || len(problems) != 1 || !strings.Contains(problems[0], tt.col) {
					t.Fatalf("verify: %v %q", err, problems)
				}
				// Put it back for the checks after the test.
				if _, err := e.db.ExecContext(e.ctx, "UPDATE "+tt.table+" SET "+tt.col+" = $1"+where, orig, inv.ID); err != nil {
					t.Fatal(err)
				}
			})
		})
	}
}
