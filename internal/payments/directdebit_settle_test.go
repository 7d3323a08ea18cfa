package payments

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// ddBatch exports, on Friday 16 January 2026, the batch that camt053_ing_dd.xml
// settles and partly returns: invoices 10, 11 and 12 collected on Monday 2 February
// (EndToEndIds HP-DD-000001-0001..0003). Invoice 11's customer reads English.
func (e *env) ddBatch() {
	e.t.Helper()
	e.clk.Set(time.Date(2026, 1, 16, 9, 0, 0, 0, time.UTC))
	a := e.mandate(201, "Jansen Webdesign B.V.", "NL44RABO0123456789", "RABONL2U")
	b := e.mandate(202, "P. de Vries", "NL75ABNA0555555555", "")
	c := e.mandate(203, "M.A. Bakker", "NL70TRIO0123456789", "TRIONL2U")
	e.ledger.add(10, 201, "F2026-0010", "3000000000000510", 2420)
	e.ledger.add(11, 202, "F2026-0011", "3000000000000528", 4840)
	e.ledger.add(12, 203, "F2026-0012", "3000000000000536", 1210)
	e.ledger.mu.Lock()
	e.ledger.invoices[11].Lang = "en"
	e.ledger.mu.Unlock()
	_, _, err := e.s.ExportDirectDebitBatch(e.ctx, e.billing, terms.D(2026, 2, 2),
		[]DebitItem{{InvoiceID: 10, MandateID: a.ID}, {InvoiceID: 11, MandateID: b.ID}, {InvoiceID: 12, MandateID: c.ID}})
	if err != nil {
		e.t.Fatal(err)
	}
}

// A pre-notified direct debit is "collection pending" until its settlement date has
// passed without a return; it is then paid, dated on the collection date — never paid
// on a day still to come.
func TestDirectDebitPaidOnlyAfterSettlementDate(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		e.ddBatch()
		for _, day := range []time.Time{
			time.Date(2026, 1, 30, 12, 0, 0, 0, time.UTC),
			time.Date(2026, 2, 2, 22, 59, 0, 0, time.UTC), // 23:59 in Amsterdam: still the collection date
		} {
			e.clk.Set(day)
			if n, err := e.s.SettleDirectDebits(e.ctx, e.clk.Now()); err != nil || n != 0 {
				t.Fatalf("%s: booked %d, %v", day, n, err)
			}
			if inv := e.ledger.get(10); !inv.CollectionPending || inv.Open != 2420 || e.ledger.totalCalls() != 0 {
				t.Fatalf("%s: paid before the settlement date passed: %+v", day, inv)
			}
		}
		e.clk.Set(time.Date(2026, 2, 2, 23, 0, 0, 0, time.UTC)) // 3 February in Amsterdam
		if n, err := e.s.SettleDirectDebits(e.ctx, e.clk.Now()); err != nil || n != 3 {
			t.Fatalf("booked %d, %v", n, err)
		}
		for _, id := range []int64{10, 11, 12} {
			if inv := e.ledger.get(id); inv.Open != 0 || inv.CollectionPending || inv.paidOn != terms.D(2026, 2, 2) {
				t.Fatalf("invoice %d: %+v", id, inv)
			}
		}
		if n, err := e.s.SettleDirectDebits(e.ctx, e.clk.Now()); err != nil || n != 0 || e.ledger.totalCalls() != 3 || e.auditCount("payment.dd_booked") != 3 {
			t.Fatalf("second run booked %d (%v), %d ledger calls", n, err, e.ledger.totalCalls())
		}
	})
}

// A return read before the settlement date leaves the invoice unpaid and open again;
// the settlement job then books only the collection that was not returned.
func TestDirectDebitReturnBeforeSettlementKeepsItUnpaid(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		e.ddBatch()
		res := e.importFile("camt053_ing_dd.xml")
		if res.Reversed != 2 {
			t.Fatalf("import %+v", res)
		}
		e.clk.Set(time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC))
		if n, err := e.s.SettleDirectDebits(e.ctx, e.clk.Now()); err != nil || n != 1 {
			t.Fatalf("booked %d, %v", n, err)
		}
		for id, open := range map[int64]terms.Money{10: 0, 11: 4840, 12: 1210} {
			if inv := e.ledger.get(id); inv.Open != open || inv.CollectionPending {
				t.Fatalf("invoice %d: %+v", id, inv)
			}
		}
		if e.ledger.callCount(SourceDirectDebit+"|HP-DD-000001-0002") != 0 || len(e.ledger.reversed) != 0 {
			t.Fatal("a returned collection was booked")
		}
		// The returned invoice can be collected again, pre-notified again.
		_, _, err := e.s.ExportDirectDebitBatch(e.ctx, e.billing, terms.D(2026, 3, 2), []DebitItem{{InvoiceID: 11, MandateID: 2}})
		if err != nil {
			t.Fatal(err)
		}
		if n := e.count("mail_outbox"); n != 4 {
			t.Fatalf("%d pre-notifications", n)
		}
	})
}

// Collection dates are TARGET2 business days at least the pre-notification period
// ahead; a refused date changes nothing and the message names the next good day.
func TestDirectDebitCollectionDateRefused(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		e.clk.Set(time.Date(2026, 3, 16, 9, 0, 0, 0, time.UTC))
		m := e.mandate(201, "Jansen Webdesign B.V.", "NL44RABO0123456789", "RABONL2U")
		e.ledger.add(10, 201, "F2026-0010", "3000000000000510", 2420)
		for _, c := range []struct {
			on   terms.Date
			want []string
		}{
			{terms.D(2026, 4, 4), []string{"2026-04-04 is Saturday", "not a TARGET2 business day", "next one is 2026-04-07"}},
			{terms.D(2026, 4, 6), []string{"2026-04-06 is Easter Monday", "next one is 2026-04-07"}},
			{terms.D(2026, 4, 3), []string{"2026-04-03 is Good Friday"}},
			{terms.D(2026, 3, 27), []string{"less than 14 days", "earliest collection date is 2026-03-30"}},
		} {
			_, _, err := e.s.ExportDirectDebitBatch(e.ctx, e.billing, c.on, []DebitItem{{InvoiceID: 10, MandateID: m.ID}})
			var fe FieldErrors
			if !errors.As(err, &fe) {
				t.Fatalf("%s: err = %v", c.on, err)
			}
			for _, w := range c.want {
				if !strings.Contains(fe["collection_date"].Error(), w) {
					t.Errorf("%s: %q lacks %q", c.on, fe["collection_date"], w)
				}
			}
		}
		if e.count("dd_batches") != 0 || e.count("mail_outbox") != 0 || e.ledger.get(10).CollectionPending {
			t.Fatal("a refused date changed something")
		}
		// The proposal: 14 days after the invoice date at the earliest 14 days from
		// today, on a TARGET2 day (30 March is a Monday).
		d, ex, err := e.s.ProposeCollectionDate(terms.D(2026, 3, 1))
		if err != nil || d != terms.D(2026, 3, 30) || !strings.Contains(ex.Text(), "TARGET2") {
			t.Fatalf("proposal %s %v", d, err)
		}
	})
}

// The debtor is pre-notified once per collection, in the invoice's language, with the
// amount, the date, the mandate and the creditor identifier.
func TestDirectDebitPreNotificationOnceInLanguage(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		e.ddBatch()
		// Exported again: the same file, no second mail.
		_, _, err := e.s.ExportDirectDebitBatch(e.ctx, e.billing, terms.D(2026, 2, 2),
			[]DebitItem{{InvoiceID: 12, MandateID: 3}, {InvoiceID: 11, MandateID: 2}, {InvoiceID: 10, MandateID: 1}})
		if err != nil {
			t.Fatal(err)
		}
		type mail struct{ to, lang, subject, body string }
		var got []mail
		rows, err := e.db.QueryContext(e.ctx, `SELECT to_addr, lang, subject, body_text FROM mail_outbox ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var m mail
			if err := rows.Scan(&m.to, &m.lang, &m.subject, &m.body); err != nil {
				t.Fatal(err)
			}
			got = append(got, m)
		}
		rows.Close()
		if len(got) != 3 {
			t.Fatalf("%d mails", len(got))
		}
		nl, en := got[0], got[1]
		if nl.to != "admin@org201.test" || nl.lang != "nl" || nl.subject != "Aankondiging incasso € 24,20 op maandag 2 februari 2026 voor factuur F2026-0010" {
			t.Fatalf("nl mail %+v", nl)
		}
		for _, w := range []string{"€ 24,20", "maandag 2 februari 2026", "Kenmerk machtiging: HP-M-000001", "Incassant-ID: NL79ZZZ999999990000", "NL44RABO••••••6789"} {
			if !strings.Contains(nl.body, w) {
				t.Errorf("nl body lacks %q:\n%s", w, nl.body)
			}
		}
		if en.to != "admin@org202.test" || en.lang != "en" || !strings.HasPrefix(en.subject, "Direct debit of €48.40 on Monday 2 February 2026") {
			t.Fatalf("en mail %+v", en)
		}
		for _, w := range []string{"Mandate reference: HP-M-000002", "Creditor identifier: NL79ZZZ999999990000"} {
			if !strings.Contains(en.body, w) {
				t.Errorf("en body lacks %q:\n%s", w, en.body)
			}
		}
	})
}

// failingLedger fails ApplyPayment once for one source reference: the settlement job
// killed half-way.
type failingLedger struct {
	*fakeLedger
	failRef string
	failed  bool
}

func (f *failingLedger) ApplyPayment(ctx context.Context, q store.Querier, id int64, amount terms.Money, on terms.Date, source, ref string) (terms.Money, terms.Money, error) {
	if ref == f.failRef && !f.failed {
		f.failed = true
		return 0, 0, errors.New("killed")
	}
	return f.fakeLedger.ApplyPayment(ctx, q, id, amount, on, source, ref)
}

// The settlement job stopped half-way books the rest on its next run, and nothing twice.
func TestSettleDirectDebitsCrashHalfWay(t *testing.T) {
	each(t, Config{}, func(t *testing.T, e *env) {
		e.ddBatch()
		fl := &failingLedger{fakeLedger: e.ledger, failRef: "HP-DD-000001-0002"}
		s := New(e.db, e.clk, fl, Config{Creditor: testCreditor, Pack: testPack(t)})
		e.clk.Set(time.Date(2026, 2, 3, 9, 0, 0, 0, time.UTC))
		if n, err := s.SettleDirectDebits(e.ctx, e.clk.Now()); err == nil || n != 1 {
			t.Fatalf("first run: %d %v", n, err)
		}
		if n, err := s.SettleDirectDebits(e.ctx, e.clk.Now()); err != nil || n != 2 {
			t.Fatalf("second run: %d %v", n, err)
		}
		for _, ref := range []string{"HP-DD-000001-0001", "HP-DD-000001-0002", "HP-DD-000001-0003"} {
			if n := e.ledger.callCount(SourceDirectDebit + "|" + ref); n != 1 {
				t.Fatalf("%s booked %d times", ref, n)
			}
		}
	})
}
