package contracts

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/terms"
)

func TestQuotePDF(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.org(accounts.Business, "Alfa BV")      // en
		b := e.org(accounts.Consumer, "Bea de Vries") // nl
		plan := e.plan("cloudprovider", "webhosting", "pro")
		q := e.sentQuote(a, plan)

		pdfOf := func(by accounts.Principal, id int64) []byte {
			t.Helper()
			_, pdf, err := e.cp.QuotePDF(e.ctx, by, id)
			if err != nil {
				t.Fatal(err)
			}
			if len(pdf) < 1000 || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("PDF of quote %d: %d bytes, %q", id, len(pdf), pdf[:min(len(pdf), 8)])
			}
			return pdf
		}
		first := pdfOf(a, q.ID)
		for _, want := range []string{fmt.Sprintf("Quote %d", q.ID), "sha256:" + q.ContentHash} {
			if !bytes.Contains(first, []byte(want)) {
				t.Fatalf("PDF metadata lacks %q", want)
			}
		}
		if staff := pdfOf(e.sales, q.ID); !bytes.Contains(staff, []byte("sha256:"+q.ContentHash)) {
			t.Fatal("staff's PDF lacks the content hash")
		}

		// Customer B cannot fetch A's quote.
		if _, _, err := e.cp.QuotePDF(e.ctx, b, q.ID); !errors.Is(err, accounts.ErrNotFound) && !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("B fetched A's quote PDF: %v", err)
		}

		// The document is made from the frozen content: a later catalog price and even
		// edited quote lines do not change it.
		doc, err := e.cp.quoteDoc(q, *a.Org)
		if err != nil {
			t.Fatal(err)
		}
		in := catalog.PlanInput{Name: plan.Name, Description: plan.Description, Billing: plan.Billing, Period: plan.Period.String(),
			Price: plan.Price + terms.Euros(7), SetupFee: plan.SetupFee, StorageMB: plan.StorageMB, TrafficGB: plan.TrafficGB, SLA: plan.SLA,
			WithdrawalWaivable: plan.WithdrawalWaivable, TLD: plan.TLD, VATCategory: plan.VATCategory}
		if _, err := e.cat.UpdatePlan(e.ctx, e.sales, plan.ID, in); err != nil {
			t.Fatal(err)
		}
		if _, err := e.db.ExecContext(e.ctx, `UPDATE quote_lines SET unit_price = unit_price + 100, amount = amount + 100, description = 'changed' WHERE quote_id = $1`, q.ID); err != nil {
			t.Fatal(err)
		}
		q2, err := e.cp.GetQuote(e.ctx, a, q.ID)
		if err != nil || q2.Lines[0].Description != "changed" {
			t.Fatalf("lines not changed: %v", err)
		}
		doc2, err := e.cp.quoteDoc(q2, *a.Org)
		if err != nil {
			t.Fatal(err)
		}
		if doc2.Lines[0].UnitPrice != plan.Price || doc2.Lines[0].Description == "changed" || doc2.Totals.TotalExcl != q.Totals.TotalExcl ||
			fmt.Sprint(doc2) != fmt.Sprint(doc) {
			t.Fatalf("document after the changes = %+v, want %+v", doc2.Lines, doc.Lines)
		}
		// (The PDF bytes themselves vary: maroto stamps ModDate and orders fonts by map.)
		if again := pdfOf(a, q.ID); !bytes.Contains(again, []byte("sha256:"+q.ContentHash)) {
			t.Fatal("the PDF changed with the catalog and the quote lines")
		}

		// Content that no longer matches its hash gives no document.
		if _, err := e.db.ExecContext(e.ctx, `UPDATE quotes SET content_json = replace(content_json, '"quantity":1', '"quantity":2') WHERE id = $1`, q.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.cp.QuotePDF(e.ctx, e.sales, q.ID); !errors.Is(err, ErrContentMismatch) {
			t.Fatalf("tampered content: %v", err)
		}

		// A draft: staff only, marked, without hash; B's quote in Dutch.
		draft, err := e.cp.CreateQuote(e.ctx, e.sales, QuoteInput{OrgID: b.User.OrgID, Title: "Migratie für Čapek", Lines: []QuoteLineInput{
			{Description: "Migratie", Quantity: 2, Billing: catalog.OneOff, UnitPrice: terms.Euros(90)},
			{PlanID: plan.ID, Quantity: 1, Domain: "bea.nl"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.cp.QuotePDF(e.ctx, b, draft.ID); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("customer fetched a draft's PDF: %v", err)
		}
		if pdf := pdfOf(e.sales, draft.ID); !bytes.Contains(pdf, []byte(fmt.Sprintf("Offerte %d", draft.ID))) || bytes.Contains(pdf, []byte("sha256:")) {
			t.Fatal("draft PDF: want the Dutch number and no hash")
		}
		sent, err := e.cp.SendQuote(e.ctx, e.sales, draft.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pdf := pdfOf(b, draft.ID); !bytes.Contains(pdf, []byte("sha256:"+sent.ContentHash)) {
			t.Fatal("sent PDF lacks its hash")
		}
		d, err := e.cp.quoteDoc(sent, *b.Org)
		if err != nil || d.Lang != "nl" || d.Expires != sent.ExpiresOn || d.ExpiryClause == "" || d.TermsVersion != sent.TermsVersion ||
			!strings.HasSuffix(d.Link, fmt.Sprintf("/portal/quotes/%d", sent.ID)) {
			t.Fatalf("document = %+v, %v", d, err)
		}

		// The mail links the PDF.
		if n := e.count("mail_outbox", "body_text LIKE $1", fmt.Sprintf("%%/portal/quotes/%d/pdf%%", sent.ID)); n != 1 {
			t.Fatalf("%d quote mails link the PDF", n)
		}
	})
}
