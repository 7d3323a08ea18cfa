package contracts

import (
	"errors"
	"reflect"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/terms"
)

func ids[T any](items []T, id func(T) int64) []int64 {
	out := []int64{}
	for _, it := range items {
		out = append(out, id(it))
	}
	return out
}

func contractID(c Contract) int64 { return c.ID }
func quoteID(q Quote) int64       { return q.ID }

func TestListContractsAcrossOrganisations(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.org(accounts.Consumer, "Anna A")
		b := e.org(accounts.Business, "Bert B")
		c := e.org(accounts.Business, "Cora C")
		start, pro, vpn := e.plan("cloudprovider", "webhosting", "start"), e.plan("cloudprovider", "webhosting", "pro"), e.plan("cloudprovider", "vpn", "standard")
		a1 := e.order(e.cp, a, false, OrderLine{PlanID: start.ID, Quantity: 1})
		b1 := e.order(e.cp, b, false, OrderLine{PlanID: pro.ID, Quantity: 1}, OrderLine{PlanID: vpn.ID, Quantity: 1})
		a2 := e.order(e.cp, a, false, OrderLine{PlanID: vpn.ID, Quantity: 1})
		c1 := e.order(e.cp, c, false, OrderLine{PlanID: start.ID, Quantity: 1})
		// A consumer withdraws its second contract.
		if w, err := e.cp.ConfirmWithdrawal(e.ctx, a, a2.ID); err != nil || !w.Allowed {
			t.Fatalf("withdrawal: %+v %v", w, err)
		}

		list := func(by accounts.Principal, f ContractFilter, p Page) ([]Contract, int) {
			t.Helper()
			cs, total, err := e.cp.ListContracts(e.ctx, by, f, p)
			if err != nil {
				t.Fatalf("ListContracts(%+v, %+v): %v", f, p, err)
			}
			return cs, total
		}
		want := func(what string, got []Contract, total int, wantTotal int, wantIDs ...int64) {
			t.Helper()
			if g := ids(got, contractID); total != wantTotal || !reflect.DeepEqual(g, append([]int64{}, wantIDs...)) {
				t.Errorf("%s: ids %v total %d, want %v total %d", what, g, total, wantIDs, wantTotal)
			}
		}

		// Staff: every organisation, newest first, page by page, with the total.
		cs, total := list(e.support, ContractFilter{}, Page{})
		want("all", cs, total, 4, c1.ID, a2.ID, b1.ID, a1.ID)
		for _, got := range cs {
			one, err := e.cp.GetContract(e.ctx, e.support, got.ID)
			if err != nil || !reflect.DeepEqual(got, one) {
				t.Fatalf("listed contract differs from GetContract:\n%+v\n%+v %v", got, one, err)
			}
		}
		cs, total = list(e.sales, ContractFilter{}, Page{Limit: 2})
		want("page 1", cs, total, 4, c1.ID, a2.ID)
		cs, total = list(e.sales, ContractFilter{}, Page{Limit: 2, Offset: 2})
		want("page 2", cs, total, 4, b1.ID, a1.ID)
		if len(cs[0].Subscriptions) != 2 {
			t.Fatalf("contract with two services listed with %d", len(cs[0].Subscriptions))
		}
		cs, total = list(e.sales, ContractFilter{}, Page{Limit: 2, Offset: 10})
		want("past the end", cs, total, 4)
		cs, total = list(e.sales, ContractFilter{OrgID: a.User.OrgID}, Page{})
		want("one customer", cs, total, 2, a2.ID, a1.ID)
		cs, total = list(e.sales, ContractFilter{Status: ContractWithdrawn}, Page{})
		want("withdrawn", cs, total, 1, a2.ID)
		cs, total = list(e.sales, ContractFilter{Status: ContractActive}, Page{Limit: 1, Offset: 1})
		want("active, page 2 of 3", cs, total, 3, b1.ID)
		cs, total = list(e.sales, ContractFilter{OrgID: 999999}, Page{})
		want("unknown customer", cs, total, 0)
		_, _, err := e.cp.ListContracts(e.ctx, e.sales, ContractFilter{Status: "lost"}, Page{})
		fieldErr(t, err, "status")

		// A customer: only its own, whatever it asks; another organisation is not found.
		cs, total = list(a, ContractFilter{}, Page{})
		want("customer A", cs, total, 2, a2.ID, a1.ID)
		cs, total = list(subUser(a, accounts.PermReadOnly), ContractFilter{OrgID: a.User.OrgID, Status: ContractActive}, Page{})
		want("read-only user of A", cs, total, 1, a1.ID)
		if _, _, err := e.cp.ListContracts(e.ctx, a, ContractFilter{OrgID: b.User.OrgID}, Page{}); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("customer A listed B's contracts: %v", err)
		}
		// Staff without a role see nothing.
		norole := accounts.Principal{User: accounts.User{ID: 3, Email: "new@provider.test"}}
		if _, _, err := e.cp.ListContracts(e.ctx, norole, ContractFilter{}, Page{}); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("staff without a role listed contracts: %v", err)
		}
	})
}

func TestListQuotesAcrossOrganisations(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.org(accounts.Business, "Anna BV")
		b := e.org(accounts.Business, "Bert BV")
		plan := e.plan("cloudprovider", "webhosting", "pro")
		qa := e.sentQuote(a, plan)
		draft, err := e.cp.CreateQuote(e.ctx, e.sales, QuoteInput{OrgID: a.User.OrgID, Title: "Concept", Lines: []QuoteLineInput{
			{Description: "Advice", Quantity: 2, Billing: catalog.OneOff, UnitPrice: terms.Euros(90)}}})
		if err != nil {
			t.Fatal(err)
		}
		qb := e.sentQuote(b, plan)
		if err := e.cp.DeclineQuote(e.ctx, b, qb.ID, "too expensive"); err != nil {
			t.Fatal(err)
		}

		list := func(by accounts.Principal, f QuoteFilter, p Page) ([]int64, int) {
			t.Helper()
			qs, total, err := e.cp.ListQuotes(e.ctx, by, f, p)
			if err != nil {
				t.Fatalf("ListQuotes(%+v): %v", f, err)
			}
			for _, q := range qs {
				one, err := e.cp.GetQuote(e.ctx, by, q.ID)
				if err != nil || !reflect.DeepEqual(q, one) {
					t.Fatalf("listed quote differs from GetQuote:\n%+v\n%+v %v", q, one, err)
				}
			}
			return ids(qs, quoteID), total
		}
		check := func(what string, got []int64, total, wantTotal int, wantIDs ...int64) {
			t.Helper()
			if total != wantTotal || !reflect.DeepEqual(got, append([]int64{}, wantIDs...)) {
				t.Errorf("%s: %v total %d, want %v total %d", what, got, total, wantIDs, wantTotal)
			}
		}
		got, total := list(e.sales, QuoteFilter{}, Page{})
		check("staff, all", got, total, 3, qb.ID, draft.ID, qa.ID)
		got, total = list(e.sales, QuoteFilter{}, Page{Limit: 1, Offset: 1})
		check("staff, page 2", got, total, 3, draft.ID)
		got, total = list(e.sales, QuoteFilter{Status: QuoteDraft}, Page{})
		check("staff, drafts", got, total, 1, draft.ID)
		got, total = list(e.support, QuoteFilter{OrgID: b.User.OrgID}, Page{})
		check("staff, customer B", got, total, 1, qb.ID)
		got, total = list(e.sales, QuoteFilter{Status: QuoteDeclined}, Page{Offset: 5})
		check("past the end", got, total, 1)

		// A customer never sees drafts, nor another organisation's quotes.
		got, total = list(a, QuoteFilter{}, Page{})
		check("customer A", got, total, 1, qa.ID)
		got, total = list(a, QuoteFilter{Status: QuoteDraft}, Page{})
		check("customer A, drafts", got, total, 0)
		if _, _, err := e.cp.ListQuotes(e.ctx, a, QuoteFilter{OrgID: b.User.OrgID}, Page{}); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("customer A listed B's quotes: %v", err)
		}
		_, _, err = e.cp.ListQuotes(e.ctx, e.sales, QuoteFilter{Status: "lost"}, Page{})
		fieldErr(t, err, "status")
	})
}

func TestListTermsVersionsPriceIncreasesForceMajeure(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org(accounts.Business, "Klant BV")
		other := e.org(accounts.Business, "Ander BV")
		mail := e.plan("cloudprovider", "email", "basic")
		e.order(e.cp, cust, false, OrderLine{PlanID: mail.ID, Quantity: 1})

		// Terms versions: newest first, for staff and customers, per pack.
		if vs, err := e.cp.ListTermsVersions(e.ctx, e.sales); err != nil || len(vs) != 0 {
			t.Fatalf("no versions yet: %v %v", vs, err)
		}
		v1, err := e.cp.PublishTermsVersion(e.ctx, e.sales, TermsVersionInput{Version: "cp-2", Effective: d("2026-06-01")})
		if err != nil {
			t.Fatal(err)
		}
		v2, err := e.cp.PublishTermsVersion(e.ctx, e.sales, TermsVersionInput{Version: "cp-3", Effective: d("2026-09-01"), Summary: "SLA"})
		if err != nil {
			t.Fatal(err)
		}
		for _, by := range []accounts.Principal{e.sales, e.support, cust} {
			vs, err := e.cp.ListTermsVersions(e.ctx, by)
			if err != nil || len(vs) != 2 || !reflect.DeepEqual(vs, []TermsVersion{v2, v1}) {
				t.Fatalf("versions for %s: %+v %v", by.User.Email, vs, err)
			}
		}
		if vs, err := e.fo.ListTermsVersions(e.ctx, e.sales); err != nil || len(vs) != 0 {
			t.Fatalf("5online lists cloudprovider's versions: %v %v", vs, err)
		}

		// Price increases: staff only, newest first, with counts and a total.
		pi, err := e.cp.SchedulePriceIncrease(e.ctx, e.sales, PriceIncreaseInput{PlanID: mail.ID, NewPrice: mail.Price + 50, Effective: d("2026-04-01"), Note: "energy"})
		if err != nil {
			t.Fatal(err)
		}
		pis, total, err := e.cp.ListPriceIncreases(e.ctx, e.support, PriceIncreaseFilter{}, Page{})
		if err != nil || total != 1 || len(pis) != 1 {
			t.Fatalf("price increases: %+v %d %v", pis, total, err)
		}
		got := pis[0]
		if got.ID != pi.ID || got.PlanID != mail.ID || got.OldPrice != mail.Price || got.NewPrice != mail.Price+50 || got.Increase != pi.Increase ||
			got.EffectiveOn != d("2026-04-01") || got.AnnouncedOn != pi.AnnouncedOn || got.Note != "energy" ||
			got.Subscriptions != pi.Subscriptions || got.Subscriptions != 1 || got.Allowed != pi.Allowed || len(got.Explanation) == 0 {
			t.Fatalf("listed increase %+v, scheduled %+v", got, pi)
		}
		if pis, total, err := e.cp.ListPriceIncreases(e.ctx, e.sales, PriceIncreaseFilter{PlanID: mail.ID + 1000}, Page{}); err != nil || total != 0 || len(pis) != 0 {
			t.Fatalf("other plan: %v %d %v", pis, total, err)
		}
		e.setDay(d("2026-04-02"))
		if pis, total, err := e.cp.ListPriceIncreases(e.ctx, e.sales, PriceIncreaseFilter{Upcoming: true}, Page{}); err != nil || total != 0 || len(pis) != 0 {
			t.Fatalf("upcoming after the date: %v %d %v", pis, total, err)
		}
		if _, _, err := e.cp.ListPriceIncreases(e.ctx, cust, PriceIncreaseFilter{}, Page{}); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("customer listed price increases: %v", err)
		}

		// Force majeure: staff only, newest first, an ended one with its end.
		f1, err := e.cp.RecordForceMajeure(e.ctx, e.support, d("2026-03-01"), "flood")
		if err != nil {
			t.Fatal(err)
		}
		f2, err := e.cp.RecordForceMajeure(e.ctx, e.support, d("2026-04-01"), "power")
		if err != nil {
			t.Fatal(err)
		}
		if err := e.cp.EndForceMajeure(e.ctx, e.support, f1.ID, d("2026-03-20")); err != nil {
			t.Fatal(err)
		}
		fms, err := e.cp.ListForceMajeure(e.ctx, e.sales)
		if err != nil || len(fms) != 2 || fms[0].ID != f2.ID || !fms[0].EndedOn.IsZero() || fms[1].ID != f1.ID || fms[1].EndedOn != d("2026-03-20") ||
			fms[1].RightsFrom != f1.RightsFrom || fms[1].Description != "flood" || len(fms[1].Explanation) == 0 {
			t.Fatalf("force majeure: %+v %v", fms, err)
		}
		if _, err := e.cp.ListForceMajeure(e.ctx, cust); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("customer listed force majeure: %v", err)
		}
		if fms, err := e.fo.ListForceMajeure(e.ctx, e.sales); err != nil || len(fms) != 0 {
			t.Fatalf("5online lists cloudprovider's force majeure: %v %v", fms, err)
		}

		// Refusal (cp.av.2.6).
		refused := func(by accounts.Principal, orgID int64) bool {
			t.Helper()
			r, err := e.cp.IsRefused(e.ctx, by, orgID)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		if refused(e.sales, cust.User.OrgID) || refused(cust, cust.User.OrgID) {
			t.Fatal("refused before the refusal")
		}
		if err := e.cp.RefuseCustomer(e.ctx, e.sales, cust.User.OrgID, "abuse"); err != nil {
			t.Fatal(err)
		}
		if !refused(e.support, cust.User.OrgID) || !refused(cust, cust.User.OrgID) || refused(e.sales, other.User.OrgID) {
			t.Fatal("refusal not reported")
		}
		if _, err := e.cp.IsRefused(e.ctx, other, cust.User.OrgID); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("another customer asked about a refusal: %v", err)
		}
		if err := e.cp.AcceptCustomer(e.ctx, e.sales, cust.User.OrgID); err != nil || refused(e.sales, cust.User.OrgID) {
			t.Fatalf("refusal not lifted: %v", err)
		}
	})
}

// TestListCurrentSubscriptions: an organisation's current subscriptions are those of
// its contracts that have not ended, in the contracts' order, newest first; another
// organisation's are not found, as with the contracts.
func TestListCurrentSubscriptions(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.org(accounts.Consumer, "Anna A")
		b := e.org(accounts.Business, "Bert B")
		start, pro, vpn := e.plan("cloudprovider", "webhosting", "start"), e.plan("cloudprovider", "webhosting", "pro"), e.plan("cloudprovider", "vpn", "standard")
		e.order(e.cp, a, false, OrderLine{PlanID: start.ID, Quantity: 1})
		e.order(e.cp, a, false, OrderLine{PlanID: pro.ID, Quantity: 1}, OrderLine{PlanID: vpn.ID, Quantity: 1})
		a3 := e.order(e.cp, a, false, OrderLine{PlanID: vpn.ID, Quantity: 1})
		e.order(e.cp, b, false, OrderLine{PlanID: start.ID, Quantity: 1})
		if w, err := e.cp.ConfirmWithdrawal(e.ctx, a, a3.ID); err != nil || !w.Allowed {
			t.Fatalf("withdrawal: %+v %v", w, err)
		}
		subID := func(s Subscription) int64 { return s.ID }
		for _, by := range []accounts.Principal{a, e.support, subUser(a, accounts.PermReadOnly)} {
			cs, _, err := e.cp.ListContracts(e.ctx, by, ContractFilter{OrgID: a.User.OrgID}, Page{})
			if err != nil {
				t.Fatal(err)
			}
			var want []Subscription
			for _, c := range cs {
				for _, s := range c.Subscriptions {
					if s.Status != SubEnded {
						want = append(want, s)
					}
				}
			}
			got, err := e.cp.ListCurrentSubscriptions(e.ctx, by, a.User.OrgID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 3 || !reflect.DeepEqual(got, want) {
				t.Errorf("%s: current subscriptions %v, want those of the contracts list %v", by.User.Email, ids(got, subID), ids(want, subID))
			}
			if two, _ := e.cp.ListCurrentSubscriptions(e.ctx, by, a.User.OrgID, 2); !reflect.DeepEqual(two, want[:2]) {
				t.Errorf("%s: limit 2 gave %v", by.User.Email, ids(two, subID))
			}
		}
		if _, err := e.cp.ListCurrentSubscriptions(e.ctx, a, b.User.OrgID, 0); !errors.Is(err, accounts.ErrNotFound) {
			t.Errorf("customer A listed B's subscriptions: %v", err)
		}
		norole := accounts.Principal{User: accounts.User{ID: 3, Email: "new@provider.test"}}
		if _, err := e.cp.ListCurrentSubscriptions(e.ctx, norole, a.User.OrgID, 0); !errors.Is(err, accounts.ErrForbidden) {
			t.Errorf("staff without a role listed subscriptions: %v", err)
		}
	})
}
