package contracts

import (
	"errors"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/terms"
)

func TestUpdateDraftQuote(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org(accounts.Business, "Concept BV")
		plan := e.plan("cloudprovider", "webhosting", "pro")
		q, err := e.cp.CreateQuote(e.ctx, e.sales, QuoteInput{OrgID: cust.User.OrgID, Title: "Eerste versie", Lines: []QuoteLineInput{
			{PlanID: plan.ID, Quantity: 1},
		}})
		if err != nil {
			t.Fatal(err)
		}
		// A line added, the title changed: totals follow the new lines.
		u, err := e.cp.UpdateQuote(e.ctx, e.sales, q.ID, QuoteInput{OrgID: 999, Title: "Tweede versie", Lines: []QuoteLineInput{
			{PlanID: plan.ID, Quantity: 2},
			{Description: "Migratie", Quantity: 1, Billing: catalog.OneOff, UnitPrice: terms.Euros(150)},
		}})
		if err != nil {
			t.Fatal(err)
		}
		if u.Title != "Tweede versie" || len(u.Lines) != 2 || u.OrgID != cust.User.OrgID || u.Totals.TotalExcl <= q.Totals.TotalExcl || u.Status != QuoteDraft {
			t.Fatalf("updated quote %+v (was %+v)", u, q)
		}
		// Invalid input changes nothing.
		_, err = e.cp.UpdateQuote(e.ctx, e.sales, q.ID, QuoteInput{Title: "", Lines: nil})
		fieldErr(t, err, "title")
		// Only sales edits; a customer does not find it.
		if _, err := e.cp.UpdateQuote(e.ctx, cust, q.ID, QuoteInput{Title: "x", Lines: []QuoteLineInput{{PlanID: plan.ID, Quantity: 1}}}); err == nil {
			t.Fatal("a customer edited a draft")
		}
		// Sent: frozen.
		if _, err := e.cp.SendQuote(e.ctx, e.sales, q.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.cp.UpdateQuote(e.ctx, e.sales, q.ID, QuoteInput{Title: "Derde", Lines: []QuoteLineInput{{PlanID: plan.ID, Quantity: 1}}}); !errors.Is(err, ErrNotDraft) {
			t.Fatalf("edit after sending: %v", err)
		}
		got, err := e.cp.GetQuote(e.ctx, e.sales, q.ID)
		if err != nil || got.Title != "Tweede versie" || len(got.Lines) != 2 {
			t.Fatalf("sent quote changed: %+v %v", got, err)
		}
		if e.count("audit_entries", "action = 'quote.update'") != 1 {
			t.Error("one audit entry per edit")
		}
	})
}
