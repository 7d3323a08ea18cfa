package billing

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// insertInvoice writes the columns OverdueIntervals reads, with placeholders for the
// rest: the rule under test is the dates, not issuing.
func insertInvoice(t *testing.T, db *store.DB, id, org int64, docType, due string, settled any) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	_, err := db.ExecContext(ctx, `INSERT INTO invoices (id, doc_type, series, seq, number, reference, org_id, pack, terms_version, customer_kind, lang, currency,
		issue_date, due_date, vat_scheme, vat_country, total_excl, vat, total_incl, credit_applied, amount_due, customer_json, provider_json, vat_json, explanation, content_hash, created_at)
		VALUES ($1, $2, 'T', $1, $3, $3, $4, 'cloudprovider', '1', 'business', 'nl', 'EUR', '2026-01-01', $5, 'domestic', 'NL', 100, 21, 121, 0, 121, '{}', '{}', '{}', '[]', 'h', $6)`,
		id, docType, fmt.Sprintf("T-%d", id), org, due, now)
	if err != nil {
		t.Fatal(err)
	}
	status := "open"
	if settled != nil {
		status = "paid"
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO invoice_state (invoice_id, org_id, doc_type, open_amount, status, settled_on, updated_at) VALUES ($1, $2, $3, 121, $4, $5, $6)`,
		id, org, docType, status, settled, now); err != nil {
		t.Fatal(err)
	}
}

func TestOverdueIntervals(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		ams := func(y int, m time.Month, d, h int) time.Time {
			loc, _ := time.LoadLocation("Europe/Amsterdam")
			return time.Date(y, m, d, h, 0, 0, 0, loc).UTC()
		}
		insertInvoice(t, db, 1, 7, "invoice", "2026-03-05", "2026-03-10") // overdue 6-10 March
		insertInvoice(t, db, 2, 7, "invoice", "2026-03-20", nil)          // still open
		insertInvoice(t, db, 3, 7, "invoice", "2026-03-01", "2026-03-01") // paid on its due date
		insertInvoice(t, db, 4, 7, "credit_note", "2026-03-01", nil)      // not owed
		insertInvoice(t, db, 5, 8, "invoice", "2026-03-01", nil)          // another organisation
		from, to := ams(2026, 3, 1, 0), ams(2026, 4, 1, 0)
		got, err := OverdueIntervals(ctx, db, 7, from, to)
		if err != nil {
			t.Fatal(err)
		}
		want := []Span{{ams(2026, 3, 6, 0), ams(2026, 3, 10, 0)}, {ams(2026, 3, 21, 0), to}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got %v\nwant %v", got, want)
		}
		// Clipped to the window; nothing before the first due date passes.
		got, err = OverdueIntervals(ctx, db, 7, ams(2026, 3, 8, 12), ams(2026, 3, 21, 6))
		if err != nil {
			t.Fatal(err)
		}
		want = []Span{{ams(2026, 3, 8, 12), ams(2026, 3, 10, 0)}, {ams(2026, 3, 21, 0), ams(2026, 3, 21, 6)}}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("clipped: got %v\nwant %v", got, want)
		}
		if got, _ := OverdueIntervals(ctx, db, 7, from, ams(2026, 3, 6, 0)); len(got) != 0 {
			t.Fatalf("before the first overdue day: %v", got)
		}
	}, Schema)
}
