package billing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

// The seal prepared ahead of the transaction (sealOf, hash) is the content hash of the
// document as issued, whatever its fields hold: quotes, HTML, a field's own JSON in
// a string, negative amounts, credit notes.
func TestSealPartsMatchContentHash(t *testing.T) {
	tricky := []string{"", "Jansen & Zn <b>", `quote " and \ backslash`, `"seq":0,"number":"","reference":""`,
		`"credit_applied":"0.00","amount_due":"0.00"`, "ünïcode €", "line\nbreak\u2028"}
	n := 0
	for i, name := range tricky {
		for _, doc := range []DocType{DocInvoice, DocCreditNote} {
			for _, credit := range []terms.Money{0, 150, 10_000} {
				inv := Invoice{DocType: doc, Series: "2027", OrgID: int64(100 + i), Pack: "cloudprovider", TermsVersion: "1",
					CustomerKind: terms.Business, Lang: "nl", Currency: "EUR", IssueDate: terms.D(2027, 1, 5), DueDate: terms.D(2027, 1, 19),
					PeriodStart: terms.D(2027, 1, 1), PeriodEnd: terms.D(2027, 1, 31), VATScheme: SchemeDomestic, VATCountry: "NL",
					TotalExcl: -1000, VAT: -210, TotalIncl: -1210, Reason: name,
					Customer:     Party{Name: name, Street: name, City: "Stad", Country: "NL", Email: "a@b.test"},
					Provider:     Party{Name: "Provider", IBAN: "NL91ABNA0417164300"},
					VATBreakdown: []VATLine{{Code: "S", Category: "standard", Rate: 2100, Base: -1000, VAT: -210}},
					Lines: []Line{{Position: 1, Source: SourcePeriod, SourceID: 7, Description: name, PeriodStart: terms.D(2027, 1, 1),
						PeriodEnd: terms.D(2027, 1, 31), Quantity: 1, Unit: "MON", UnitPrice: -1000, Amount: -1000, VATCategory: "standard", VATRate: 2100}},
					Explanation: terms.Explanation{{Clause: "x", Says: name}}}
				if doc == DocCreditNote {
					inv.Series, inv.CreditsInvoiceID, inv.CreditsNumber, inv.CreditsIssueDate = "C2027", 9, "2027-000009", terms.D(2027, 1, 2)
				}
				p := sealOf(inv)
				if !p.ok {
					t.Fatalf("%q: no seal parts", name)
				}
				inv.Seq = int64(1 + n*999)
				inv.Number = fmt.Sprintf("%s-%06d", inv.Series, inv.Seq)
				inv.Reference = rfReference(inv.Series, inv.Seq)
				inv.CreditApplied, inv.AmountDue = credit, inv.TotalIncl-credit
				inv.Explanation = append(inv.Explanation, terms.Step{Clause: "credit", Says: "set off"})
				inv.ID, inv.CreatedAt, inv.State = 42, time.Now(), State{Status: StatusOpen, Open: 5}
				if got, want := p.hash(&inv), contentHash(inv); got != want {
					t.Fatalf("%q %s credit %s: seal %s, content hash %s", name, doc, credit, got, want)
				}
				n++
			}
		}
	}
}

// cancellingCustomers cancels the run when it is asked for one organisation, as a
// shutdown would in the middle of preparing a batch.
type cancellingCustomers struct {
	*fakeCustomers
	at     int64
	cancel context.CancelFunc
}

func (c cancellingCustomers) GetOrganisation(ctx context.Context, by accounts.Principal, id int64) (accounts.Organisation, error) {
	if id == c.at {
		c.cancel()
		return accounts.Organisation{}, ctx.Err()
	}
	return c.fakeCustomers.GetOrganisation(ctx, by, id)
}

// A run whose preparation is cancelled half way stops with the cancellation, leaves
// no goroutine of its pipeline behind, and the next run bills every customer once,
// with gapless numbers.
func TestPipelineCancelledInPreparation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.svc.cfg.RunBatch = 3
		orgs := e.monthlyConsumers(20)
		ctx, cancel := context.WithCancel(e.ctx)
		defer cancel()
		e.svc.customers = cancellingCustomers{fakeCustomers: e.custs, at: orgs[11], cancel: cancel}
		if _, err := e.svc.RunBilling(ctx, e.clk.Now()); !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled run: %v", err)
		}
		var buf bytes.Buffer
		if err := pprof.Lookup("goroutine").WriteTo(&buf, 1); err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(buf.Bytes(), []byte("runFeed")) {
			t.Fatalf("the run's producer is still running:\n%s", buf.String())
		}
		issued := e.count(`SELECT COUNT(*) FROM invoices`)
		if issued >= 11 {
			t.Fatalf("%d invoices issued before the customer that cancelled (index 11)", issued)
		}
		e.svc.customers = e.custs
		res := e.run()
		if res.Invoices+issued != 20 || res.Failed != 0 {
			t.Fatalf("rerun: %+v after %d", res, issued)
		}
		if n := e.count(`SELECT COUNT(DISTINCT org_id) FROM invoices`); n != 20 {
			t.Fatalf("%d customers invoiced, want 20", n)
		}
		if last := e.count(`SELECT last FROM invoice_series WHERE series = '2027'`); last != 20 {
			t.Fatalf("series counter at %d for 20 invoices", last)
		}
	})
}

// A customer whose invoice cannot be prepared fails alone: the batches before and
// after it are issued, in feed order, with consecutive numbers.
func TestPipelinePreparationFailureIsTheCustomers(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		e.svc.cfg.RunBatch = 4
		orgs := e.monthlyConsumers(10)
		e.custs.mu.Lock()
		delete(e.custs.orgs, orgs[5])
		e.custs.mu.Unlock()
		res, err := e.svc.RunBilling(e.ctx, e.clk.Now())
		if err == nil || !errors.Is(err, accounts.ErrNotFound) || res.Invoices != 9 || res.Failed != 1 || res.Customers != 10 {
			t.Fatalf("run: %+v %v", res, err)
		}
		var prev int64
		for i, org := range orgs {
			if i == 5 {
				continue
			}
			var seq int64
			if err := e.db.QueryRowContext(e.ctx, `SELECT seq FROM invoices WHERE org_id = $1`, org).Scan(&seq); err != nil {
				t.Fatal(err)
			}
			if seq != prev+1 {
				t.Fatalf("customer %d: number %d after %d", i, seq, prev)
			}
			prev = seq
		}
	})
}
