package billing

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestReceivablesQueriesUseTheirIndex: a page of the receivables report walks the open
// invoices of its customers along invoice_state_open_org and reads invoices by primary
// key only; the export and the totals walk the open invoices (the partial index), never
// every invoice (issue 16).
func TestReceivablesQueriesUseTheirIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		asOf := terms.D(2027, 3, 15)
		tables := []string{"invoices", "i", "n"}
		type query struct {
			name string
			q    string
			args []any
		}
		var qs []query
		add := func(name, q string, args []any) { qs = append(qs, query{name, q, args}) }
		q, a := receivablesQuery(asOf, 0, 26)
		add("first page", q, a)
		q, a = receivablesQuery(asOf, 5000, 26)
		add("next page", q, a)
		q, a = receivablesQuery(asOf, 0, 0)
		add("export", q, a)
		q, a = receivableTotalsQuery(asOf)
		add("totals", q, a)
		period := []any{"2027-01-01", "2027-12-31"}
		for name, q := range map[string]string{"revenue": revenueQuery, "vat": vatQuery} {
			text := strings.Join(storetest.NoFullScan(t, db, tables, q, period...), "\n")
			if !strings.Contains(text, "invoices_issue") {
				t.Errorf("%s: not read along invoices_issue:\n%s", name, text)
			}
		}
		for _, c := range qs {
			text := strings.Join(storetest.NoFullScan(t, db, tables, c.q, c.args...), "\n")
			if !strings.Contains(text, "invoice_state_open_org") {
				t.Errorf("%s: not read along invoice_state_open_org:\n%s", c.name, text)
			}
			if db.Dialect == store.SQLite && c.name != "totals" && strings.Contains(text, "TEMP B-TREE") {
				t.Errorf("%s: sorts on SQLite:\n%s", c.name, text)
			}
			t.Logf("%s %s:\n%s", db.Dialect, c.name, text)
		}
	}, Schema)
}

// seedOpenInvoices writes n customers with one open invoice each straight into the
// tables (no billing run: the report reads only what is there), each with a long
// name, due on days spread over the ageing buckets.
func seedOpenInvoices(t testing.TB, db *store.DB, n int, nameLen int) {
	t.Helper()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback() //nolint:errcheck // committed below
	inv, err := tx.PrepareContext(ctx, `INSERT INTO invoices (id, doc_type, series, seq, number, reference, org_id, pack, terms_version, customer_kind,
		lang, currency, issue_date, due_date, vat_scheme, vat_country, total_excl, vat, total_incl, credit_applied, amount_due,
		customer_json, provider_json, vat_json, explanation, content_hash, created_at)
		VALUES ($1, 'invoice', 'F', $1, $2, $3, $4, 'cloudprovider', 'v1', 'consumer', 'nl', 'EUR', $5, $6, 'domestic', 'NL', 10000, 2100, 12100, 0, 12100,
		$7, '{}', '[]', '', '', $8)`)
	if err != nil {
		t.Fatal(err)
	}
	st, err := tx.PrepareContext(ctx, `INSERT INTO invoice_state (invoice_id, org_id, doc_type, open_amount, status, updated_at) VALUES ($1, $2, 'invoice', 12100, 'open', $3)`)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	issued := terms.D(2026, 11, 1)
	pad := strings.Repeat("x", nameLen)
	for k := 1; k <= n; k++ {
		cust, _ := json.Marshal(Party{Name: fmt.Sprintf("Klant %d %s", k, pad), Email: "k@example.test"})
		due := terms.D(2027, 3, 15).AddDays(20 - k%140)
		if _, err := inv.ExecContext(ctx, k, fmt.Sprintf("F%08d", k), fmt.Sprintf("RF%08d", k), k, issued.String(), due.String(), string(cust), now); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ExecContext(ctx, k, k, now); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rebuildTotals(t, db)
}

// peakWriter follows the heap while the export is written to it: every 256 KiB it
// reads the live heap and keeps the highest.
type peakWriter struct {
	written, next int64
	peak          uint64
}

func (w *peakWriter) Write(p []byte) (int, error) {
	w.written += int64(len(p))
	if w.written >= w.next {
		w.next = w.written + 256<<10
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		w.peak = max(w.peak, m.HeapAlloc)
	}
	return len(p), nil
}

func reportService(t testing.TB, db *store.DB) *Service {
	pk, err := terms.LoadPack("cloudprovider")
	if err != nil {
		t.Fatal(err)
	}
	return New(db, clock.NewFake(time.Date(2027, 3, 15, 9, 0, 0, 0, time.UTC)), Deps{Pack: pk, Customers: &fakeCustomers{}, Config: testConfig})
}

func heapNow() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

const mib = 1 << 20

// TestReceivablesExportMemoryIsBounded: the receivables export of 100,000 customers
// (a CSV of about 30 MB) streams from the database with a heap growth far below the
// size of what it writes and under 50 MiB; the page of 25 customers holds only its
// rows. Heap, not time, is measured (issue 16).
func TestReceivablesExportMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds 100,000 customers")
	}
	db := storetest.Open(t, store.SQLite, Schema)
	const customers = 100_000
	seedOpenInvoices(t, db, customers, 250)
	svc := reportService(t, db)
	staff := accounts.Principal{User: accounts.User{ID: 7, Roles: []accounts.Role{accounts.RoleBilling}}}
	ctx := context.Background()
	asOf := terms.D(2027, 3, 15)

	base := heapNow()
	w := &peakWriter{}
	if err := svc.StreamReceivablesCSV(ctx, staff, asOf, w); err != nil {
		t.Fatal(err)
	}
	growth := int64(w.peak) - int64(base)
	t.Logf("SQLite, %d customers: export of %.1f MiB, peak heap growth %.1f MiB", customers, float64(w.written)/mib, float64(growth)/mib)
	if w.written < 25*mib {
		t.Fatalf("the export is only %d bytes: the test proves nothing", w.written)
	}
	if growth > 50*mib || growth > w.written/4 {
		t.Errorf("the export grew the heap by %.1f MiB for %.1f MiB written", float64(growth)/mib, float64(w.written)/mib)
	}

	// For the figures: the whole report held as rows and the CSV built in a buffer, as
	// the page and the download did before.
	base = heapNow()
	held, err := svc.Receivables(ctx, staff, asOf)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteReceivablesCSV(&buf, held); err != nil {
		t.Fatal(err)
	}
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	t.Logf("held in memory instead: heap growth %.1f MiB", (float64(m.HeapAlloc)-float64(base))/mib)
	held, buf = nil, bytes.Buffer{}
	_, _ = held, buf

	base = heapNow()
	var alloc runtime.MemStats
	rows, err := svc.ReceivablesPage(ctx, staff, asOf, 50_000, 25)
	runtime.ReadMemStats(&alloc)
	if err != nil || len(rows) != 25 || rows[0].OrgID != 50_001 {
		t.Fatalf("page: %d rows %v", len(rows), err)
	}
	t.Logf("a page of 25 customers: heap %+.2f MiB", (float64(alloc.HeapAlloc)-float64(base))/mib)
	began := time.Now()
	tot, err := svc.ReceivableTotals(ctx, staff, asOf)
	t.Logf("the totals over %d open invoices took %v (logged, not asserted)", customers, time.Since(began))
	if err != nil || tot.Customers != customers || tot.Total != terms.Money(customers)*12100 {
		t.Fatalf("totals %+v %v", tot, err)
	}
}

// TestReceivablesPagesAndExport: the pages of the receivables report follow each
// other by customer id, the totals equal the sum of the rows, and the streamed
// export is the same CSV as the one written from the rows, formulas neutralised.
func TestReceivablesPagesAndExport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		seedOpenInvoices(t, db, 7, 3)
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, `UPDATE invoices SET customer_json = $1 WHERE id = 3`, `{"name":"=HYPERLINK(\"x\")"}`); err != nil {
			t.Fatal(err)
		}
		// A paid invoice is no receivable.
		if _, err := db.ExecContext(ctx, `UPDATE invoice_state SET status = 'paid', open_amount = 0 WHERE invoice_id = 5`); err != nil {
			t.Fatal(err)
		}
		rebuildTotals(t, db)
		svc := reportService(t, db)
		staff := accounts.Principal{User: accounts.User{ID: 7, Roles: []accounts.Role{accounts.RoleBilling}}}
		asOf := terms.D(2027, 3, 15)
		var all []ReceivableRow
		var after int64
		for range 4 {
			page, err := svc.ReceivablesPage(ctx, staff, asOf, after, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(page) == 0 {
				break
			}
			all = append(all, page...)
			after = page[len(page)-1].OrgID
		}
		var ids []int64
		var sum ReceivableRow
		for _, r := range all {
			ids = append(ids, r.OrgID)
			for k := range r.Buckets {
				sum.Buckets[k] += r.Buckets[k]
			}
			sum.Total += r.Total
			// Due 20 − k days after 15 March: customer k is k − 20 days late.
			want := bucket(int(r.OrgID) - 20)
			if r.Buckets[want] != 12100 || r.Total != 12100 {
				t.Errorf("customer %d: %+v, want bucket %d", r.OrgID, r, want)
			}
		}
		if fmt.Sprint(ids) != "[1 2 3 4 6 7]" {
			t.Fatalf("pages: %v", ids)
		}
		tot, err := svc.ReceivableTotals(ctx, staff, asOf)
		if err != nil || tot.Buckets != sum.Buckets || tot.Total != sum.Total || tot.Customers != 6 || tot.Debtors != 0 || tot.Overdue != 0 {
			t.Fatalf("totals %+v, rows %+v, %v", tot, sum, err)
		}
		// Later, everything is overdue.
		late, err := svc.ReceivableTotals(ctx, staff, terms.D(2027, 6, 1))
		if err != nil || late.Debtors != 6 || late.Overdue != 6*12100 {
			t.Fatalf("late totals %+v %v", late, err)
		}
		rows, err := svc.Receivables(ctx, staff, asOf)
		if err != nil {
			t.Fatal(err)
		}
		var want, got bytes.Buffer
		if err := WriteReceivablesCSV(&want, rows); err != nil {
			t.Fatal(err)
		}
		if err := svc.StreamReceivablesCSV(ctx, staff, asOf, &got); err != nil {
			t.Fatal(err)
		}
		if got.String() != want.String() {
			t.Fatalf("streamed:\n%s\nwritten:\n%s", got.String(), want.String())
		}
		recs, err := csv.NewReader(&got).ReadAll()
		if err != nil || len(recs) != 8 || recs[3][1] != `'=HYPERLINK("x")` || recs[7][0] != "0" {
			t.Fatalf("csv %q %v", recs, err)
		}
		customer := accounts.Principal{User: accounts.User{ID: 9, OrgID: 1, OrgAdmin: true}}
		if err := svc.StreamReceivablesCSV(ctx, customer, asOf, io.Discard); err == nil {
			t.Fatal("a customer exported the receivables")
		}
		if _, err := svc.ReceivablesPage(ctx, customer, asOf, 0, 25); err == nil {
			t.Fatal("a customer read the receivables")
		}
	}, Schema)
}

// BenchmarkReceivablesExport streams the receivables export of 20,000 customers; its
// allocations per export (-benchmem) are garbage collected as it goes, and the heap
// peak is what TestReceivablesExportMemoryIsBounded checks.
func BenchmarkReceivablesExport(b *testing.B) {
	db := storetest.Open(b, store.SQLite, Schema)
	seedOpenInvoices(b, db, 20_000, 100)
	svc := reportService(b, db)
	staff := accounts.Principal{User: accounts.User{ID: 7, Roles: []accounts.Role{accounts.RoleBilling}}}
	b.ReportAllocs()
	for b.Loop() {
		if err := svc.StreamReceivablesCSV(context.Background(), staff, terms.D(2027, 3, 15), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
