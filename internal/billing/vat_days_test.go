package billing

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestVATDaysMatchTheDocuments: the VAT report read from vat_days is what the
// documents' own breakdowns add up to (domestic, reverse charge, OSS, a credit note,
// two months), for the whole period and for part of it; the migration's backfill from
// the documents gives the same rows; pages by key and the streamed CSV hold every row
// once (issue 16).
func TestVATDaysMatchTheDocuments(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		nl := e.org(accounts.Business, "nl", "NL", "")
		for _, o := range []int64{nl, e.org(accounts.Business, "be", "BE", "BE0123456749"), e.org(accounts.Consumer, "de", "DE", ""), e.org(accounts.Consumer, "fr", "FR", "")} {
			e.sub(o, "Pro", "P1M", eur(100, 0), terms.D(2027, 1, 1))
			e.sub(o, "Domain", "P1M", eur(9, 99), terms.D(2027, 1, 1))
		}
		e.run()
		e.setDay(terms.D(2027, 2, 1))
		e.run()
		if _, err := e.svc.CreditInvoice(e.ctx, e.staff, e.invoices(nl)[0].ID, CreditInput{Reason: "goodwill"}); err != nil {
			t.Fatal(err)
		}
		check := func(what string, from, to terms.Date) []VATRow {
			t.Helper()
			want, err := e.svc.vatFromDocuments(e.ctx, from, to)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.svc.VATReport(e.ctx, e.staff, from, to)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Fatalf("%s: %d rows, the documents %d: %v / %v", what, len(got), len(want), got, want)
			}
			for _, r := range got {
				if w := want[r.Key()]; w != [2]terms.Money{r.Base, r.VAT} {
					t.Errorf("%s %v: %s/%s, the documents %s/%s", what, r.Key(), r.Base, r.VAT, w[0], w[1])
				}
			}
			return got
		}
		all := check("year", terms.D(2027, 1, 1), terms.D(2027, 12, 31))
		if len(all) < 4 {
			t.Fatalf("too few rows to test: %v", all)
		}
		check("february", terms.D(2027, 2, 1), terms.D(2027, 2, 28))

		// The backfill of migration 0017 from the documents gives the same rows.
		text, err := migrations.ReadFile("migrations/0017_vat_days.sql")
		if err != nil {
			t.Fatal(err)
		}
		sqlText := e.db.Dialect.Render(string(text))
		backfill := sqlText[strings.Index(sqlText, "INSERT INTO vat_days"):]
		if _, err := e.db.ExecContext(e.ctx, `DELETE FROM vat_days`); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.ExecContext(e.ctx, backfill); err != nil {
			t.Fatalf("backfill: %v", err)
		}
		if again := check("after the backfill", terms.D(2027, 1, 1), terms.D(2027, 12, 31)); fmt.Sprint(again) != fmt.Sprint(all) {
			t.Errorf("backfill: %v, kept: %v", again, all)
		}

		var paged []VATRow
		var after *VATKey
		for range len(all) + 1 {
			page, err := e.svc.VATPage(e.ctx, e.staff, terms.D(2027, 1, 1), terms.D(2027, 12, 31), after, 3)
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, page...)
			if len(page) < 3 {
				break
			}
			k := page[len(page)-1].Key()
			after = &k
		}
		if fmt.Sprint(paged) != fmt.Sprint(all) {
			t.Errorf("pages: %v, report: %v", paged, all)
		}
		var streamed, written bytes.Buffer
		if err := e.svc.StreamVATCSV(e.ctx, e.staff, terms.D(2027, 1, 1), terms.D(2027, 12, 31), &streamed); err != nil {
			t.Fatal(err)
		}
		_ = WriteVATCSV(&written, all)
		if streamed.String() != written.String() {
			t.Errorf("streamed CSV:\n%s\nwritten:\n%s", streamed.String(), written.String())
		}
		if err := e.svc.StreamVATCSV(e.ctx, e.principal(nl), terms.D(2027, 1, 1), terms.D(2027, 12, 31), &streamed); err == nil {
			t.Error("a customer streamed the VAT report")
		}
	})
}

// TestVATReportReadsTheDays: the VAT report and its pages read a range of vat_days'
// primary key (the period's days), never every document or every day (issue 16).
func TestVATReportReadsTheDays(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, after := range []*VATKey{nil, {"oss", "DE", "S", terms.Percent(19)}} {
			q, args := vatDaysQuery(terms.D(2027, 1, 1), terms.D(2027, 12, 31), after, 26)
			text := strings.Join(storetest.NoFullScan(t, db, []string{"vat_days", "invoices"}, q, args...), "\n")
			want := "sqlite_autoindex_vat_days_1 (issue_date>? AND issue_date<?)"
			if db.Dialect == store.Postgres {
				want = "vat_days_pkey"
			}
			if !strings.Contains(text, want) {
				t.Errorf("after %v: not a range of the days (%s):\n%s", after, want, text)
			}
		}
	}, Schema)
}
