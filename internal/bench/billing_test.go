package bench

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestBillingBaseline: the baseline writes exactly the run's invoice, line, audit and
// outbox rows again, on each engine, and the command prints the ratio.
func TestBillingBaseline(t *testing.T) {
	engines := map[string]string{"sqlite": ""}
	if u := os.Getenv(storetest.EnvPostgres); u != "" {
		engines["postgres"] = u
	}
	for name, u := range engines {
		t.Run(name, func(t *testing.T) {
			res, err := BillingRun(context.Background(), Config{Subscriptions: 30, PerCustomer: 2, DatabaseURL: u, Baseline: true})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{"invoices": 15, "invoice_lines": 30, "audit_entries": 15, "mail_outbox": 15}
			for table, n := range want {
				if res.BaselineRows[table] != n {
					t.Errorf("baseline %s: %d rows, want %d", table, res.BaselineRows[table], n)
				}
			}
			if res.Baseline <= 0 {
				t.Errorf("baseline time %v", res.Baseline)
			}
		})
	}
	var out bytes.Buffer
	if err := Billing(context.Background(), []string{"--subscriptions", "10", "--baseline"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "run / baseline:") {
		t.Fatalf("no ratio printed:\n%s", out.String())
	}
}
