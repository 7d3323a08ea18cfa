package contracts

import (
	"errors"
	"sync"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/catalog"
	"github.com/hostpact/hostpact/internal/terms"
)

func (e *env) sentQuote(by accounts.Principal, plan catalog.Plan) Quote {
	e.t.Helper()
	q, err := e.cp.CreateQuote(e.ctx, e.sales, QuoteInput{OrgID: by.User.OrgID, Title: "Hosting and migration", Lines: []QuoteLineInput{
		{PlanID: plan.ID, Quantity: 1},
		{Description: "Migration of the existing site", Quantity: 1, Billing: catalog.OneOff, UnitPrice: terms.Euros(250)},
	}})
	if err != nil {
		e.t.Fatal(err)
	}
	if q, err = e.cp.SendQuote(e.ctx, e.sales, q.ID); err != nil {
		e.t.Fatal(err)
	}
	return q
}

func TestDoubleSubmitCreatesOneContract(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org(accounts.Business, "Dubbel BV")
		plan := e.plan("cloudprovider", "webhosting", "pro")
		v, _ := e.cp.CurrentTermsVersion(e.ctx)
		in := OrderInput{OrgID: cust.User.OrgID, Lines: []OrderLine{{PlanID: plan.ID, Quantity: 1}}, TermsVersion: v, AcceptTerms: true, IdempotencyKey: "order-key-0001"}

		// Sequentially.
		a, err := e.cp.PlaceOrder(e.ctx, cust, in)
		if err != nil {
			t.Fatal(err)
		}
		b, err := e.cp.PlaceOrder(e.ctx, cust, in)
		if err != nil || b.ID != a.ID {
			t.Fatalf("second submit: %d %v", b.ID, err)
		}
		// Concurrently, with a fresh key.
		in.IdempotencyKey = "order-key-0002"
		ids := race(t, 8, func() (int64, error) {
			c, err := e.cp.PlaceOrder(e.ctx, cust, in)
			return c.ID, err
		})
		if len(ids) != 1 {
			t.Fatalf("concurrent orders created contracts %v", ids)
		}
		if n := e.count("contracts", ""); n != 2 {
			t.Fatalf("%d contracts, want 2", n)
		}
		if n := e.count("subscriptions", ""); n != 2 {
			t.Fatalf("%d subscriptions, want 2", n)
		}
		if n := e.count("mail_outbox", ""); n != 2 {
			t.Fatalf("%d mails, want 2", n)
		}

		// A quote accepted twice, then by eight goroutines at once.
		q := e.sentQuote(cust, plan)
		acc := AcceptInput{IdempotencyKey: "accept-key-0001", ContentHash: q.ContentHash, IP: "198.51.100.7", UserAgent: "Firefox"}
		ids = race(t, 8, func() (int64, error) {
			c, err := e.cp.AcceptQuote(e.ctx, cust, q.ID, acc)
			return c.ID, err
		})
		if len(ids) != 1 {
			t.Fatalf("concurrent acceptances created contracts %v", ids)
		}
		c, err := e.cp.AcceptQuote(e.ctx, cust, q.ID, acc)
		if err != nil || !ids[c.ID] {
			t.Fatalf("repeat acceptance: %d %v", c.ID, err)
		}
		if c.ContentHash != q.ContentHash || c.AcceptedIP != "198.51.100.7" || c.AcceptedUA != "Firefox" || c.QuoteID != q.ID || len(c.Subscriptions) != 2 {
			t.Fatalf("acceptance record: %+v", c)
		}
		// Another key cannot accept it again.
		_, err = e.cp.AcceptQuote(e.ctx, cust, q.ID, AcceptInput{IdempotencyKey: "accept-key-0002"})
		fieldErr(t, err, "quote")
		if n := e.count("contracts", "quote_id = $1", q.ID); n != 1 {
			t.Fatalf("%d contracts from the quote", n)
		}
		got, _ := e.cp.GetQuote(e.ctx, cust, q.ID)
		if got.Status != QuoteAccepted || got.ContractID != c.ID {
			t.Fatalf("quote after acceptance: %+v", got)
		}
	})
}

// race runs fn n times at once and returns the distinct ids it produced.
func race(t *testing.T, n int, fn func() (int64, error)) map[int64]bool {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ids := map[int64]bool{}
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			id, err := fn()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				t.Errorf("concurrent call: %v", err)
				return
			}
			ids[id] = true
		}()
	}
	close(start)
	wg.Wait()
	return ids
}

func TestQuoteExpiry(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org(accounts.Business, "Laat BV")
		q := e.sentQuote(cust, e.plan("cloudprovider", "vps", "m"))
		if q.ExpiresOn != d("2026-02-04") || q.ExpiryExplanation[0].Clause != "cp.av.2.2" {
			t.Fatalf("expiry %s %+v", q.ExpiresOn, q.ExpiryExplanation)
		}
		if e.count("mail_outbox", "subject LIKE 'Quote%' AND body_text LIKE '%/portal/quotes/%'") != 1 {
			t.Fatal("quote mail with link not sent")
		}
		e.setDay(d("2026-02-05"))
		_, err := e.cp.AcceptQuote(e.ctx, cust, q.ID, AcceptInput{IdempotencyKey: "late-accept-1"})
		fieldErr(t, err, "quote")
		if err := e.cp.AllowLateAcceptance(e.ctx, cust, q.ID); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("customer allowed itself: %v", err)
		}
		if err := e.cp.AllowLateAcceptance(e.ctx, e.sales, q.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.cp.AcceptQuote(e.ctx, cust, q.ID, AcceptInput{IdempotencyKey: "late-accept-1"}); err != nil {
			t.Fatalf("late acceptance allowed by staff: %v", err)
		}
		// A refused customer can neither accept nor order (cp.av.2.6).
		other := e.org(accounts.Consumer, "Geweigerd Persoon")
		q2 := e.sentQuote(other, e.plan("cloudprovider", "vpn", "standard"))
		if err := e.cp.RefuseCustomer(e.ctx, e.sales, other.User.OrgID, "repeated abuse"); err != nil {
			t.Fatal(err)
		}
		if _, err := e.cp.AcceptQuote(e.ctx, other, q2.ID, AcceptInput{IdempotencyKey: "refused-accept"}); !errors.Is(err, ErrCustomerRefused) {
			t.Fatalf("refused customer accepted: %v", err)
		}
		v, _ := e.cp.CurrentTermsVersion(e.ctx)
		_, err = e.cp.PlaceOrder(e.ctx, other, OrderInput{OrgID: other.User.OrgID, Lines: []OrderLine{{PlanID: e.plan("cloudprovider", "vpn", "standard").ID, Quantity: 1}},
			TermsVersion: v, AcceptTerms: true, IdempotencyKey: "refused-order"})
		if !errors.Is(err, ErrCustomerRefused) {
			t.Fatalf("refused customer ordered: %v", err)
		}
	})
}

func TestTenantIsolation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		a := e.org(accounts.Consumer, "Anna A")
		b := e.org(accounts.Consumer, "Bert B")
		cb := e.order(e.cp, b, true, OrderLine{PlanID: e.plan("cloudprovider", "webhosting", "start").ID, Quantity: 1})
		qb := e.sentQuote(b, e.plan("cloudprovider", "email", "plus"))
		subB := cb.Subscriptions[0].ID
		notFound := func(what string, err error) {
			t.Helper()
			if !errors.Is(err, accounts.ErrNotFound) {
				t.Errorf("%s: A reached B's data: %v", what, err)
			}
		}
		_, err := e.cp.GetContract(e.ctx, a, cb.ID)
		notFound("GetContract", err)
		_, _, err = e.cp.ListContracts(e.ctx, a, ContractFilter{OrgID: b.User.OrgID}, Page{})
		notFound("ListContracts", err)
		_, err = e.cp.GetSubscription(e.ctx, a, subB)
		notFound("GetSubscription", err)
		_, err = e.cp.PreviewCancellation(e.ctx, a, subB, CancelInput{})
		notFound("PreviewCancellation", err)
		_, err = e.cp.ConfirmCancellation(e.ctx, a, subB, CancelInput{})
		notFound("ConfirmCancellation", err)
		_, err = e.cp.PreviewWithdrawal(e.ctx, a, cb.ID, WithdrawalInput{})
		notFound("PreviewWithdrawal", err)
		_, err = e.cp.ConfirmWithdrawal(e.ctx, a, cb.ID)
		notFound("ConfirmWithdrawal", err)
		_, err = e.cp.ChangePlan(e.ctx, a, subB, e.plan("cloudprovider", "webhosting", "pro").ID)
		notFound("ChangePlan", err)
		_, err = e.cp.GetQuote(e.ctx, a, qb.ID)
		notFound("GetQuote", err)
		_, _, err = e.cp.ListQuotes(e.ctx, a, QuoteFilter{OrgID: b.User.OrgID}, Page{})
		notFound("ListQuotes", err)
		_, err = e.cp.IsRefused(e.ctx, a, b.User.OrgID)
		notFound("IsRefused", err)
		_, err = e.cp.AcceptQuote(e.ctx, a, qb.ID, AcceptInput{IdempotencyKey: "steal-quote-1"})
		notFound("AcceptQuote", err)
		notFound("DeclineQuote", e.cp.DeclineQuote(e.ctx, a, qb.ID, ""))
		_, err = e.cp.Checkout(e.ctx, a, CheckoutInput{OrgID: b.User.OrgID})
		notFound("Checkout", err)
		_, err = e.cp.PlaceOrder(e.ctx, a, OrderInput{OrgID: b.User.OrgID, IdempotencyKey: "order-for-b-1"})
		notFound("PlaceOrder", err)
		// B's own read-only user sees but cannot act; a customer is never staff.
		ro := subUser(b, accounts.PermReadOnly)
		if _, err := e.cp.GetContract(e.ctx, ro, cb.ID); err != nil {
			t.Fatalf("read-only user cannot read: %v", err)
		}
		if _, err := e.cp.ConfirmWithdrawal(e.ctx, ro, cb.ID); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("read-only withdrawal: %v", err)
		}
		if _, err := e.cp.RecordCancellation(e.ctx, b, subB, CancelInput{Channel: ChannelEmail, ReceivedAt: e.clk.Now()}); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("customer recorded as staff: %v", err)
		}
		if _, err := e.cp.SchedulePriceIncrease(e.ctx, e.support, PriceIncreaseInput{}); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("support scheduled a price increase: %v", err)
		}
		// The 5online service does not see cloudprovider's contracts.
		_, err = e.fo.ConfirmWithdrawal(e.ctx, b, cb.ID)
		notFound("other pack", err)
		if n := e.count("cancellations", "") + e.count("withdrawals", "") + e.count("contracts", "org_id = $1", a.User.OrgID); n != 0 {
			t.Fatalf("isolation failures left %d rows", n)
		}
	})
}

func TestBadInputSavesNothing(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org(accounts.Consumer, "Karin Klant")
		c := e.order(e.cp, cust, true, OrderLine{PlanID: e.plan("cloudprovider", "webhosting", "start").ID, Quantity: 1})
		sub := c.Subscriptions[0].ID
		tables := []string{"contracts", "subscriptions", "quotes", "quote_lines", "cancellations", "withdrawals", "refund_due", "price_increases",
			"price_increase_items", "terms_versions", "plan_changes", "pending_charge", "force_majeure", "audit_entries", "mail_outbox"}
		before := map[string]int{}
		for _, tb := range tables {
			before[tb] = e.count(tb, "")
		}
		v, _ := e.cp.CurrentTermsVersion(e.ctx)
		_, err := e.cp.PlaceOrder(e.ctx, cust, OrderInput{OrgID: cust.User.OrgID, TermsVersion: v, AcceptTerms: true, IdempotencyKey: "bad-order-1",
			Lines: []OrderLine{{PlanID: 424242, Quantity: 1}, {PlanID: e.plan("cloudprovider", "domains", "com").ID, Quantity: 1, Domain: "not a domain"}}})
		fieldErr(t, err, "lines[0].plan_id")
		fieldErr(t, err, "lines[1].domain")
		_, err = e.cp.PlaceOrder(e.ctx, cust, OrderInput{OrgID: cust.User.OrgID, TermsVersion: "old", IdempotencyKey: "x",
			Lines: []OrderLine{{PlanID: e.plan("cloudprovider", "webhosting", "pro").ID, Quantity: 1, WaiveWithdrawal: true}}})
		fieldErr(t, err, "lines[0].waive_withdrawal")
		_, err = e.cp.PlaceOrder(e.ctx, cust, OrderInput{OrgID: cust.User.OrgID, TermsVersion: "old", IdempotencyKey: "x",
			Lines: []OrderLine{{PlanID: e.plan("cloudprovider", "webhosting", "pro").ID, Quantity: 1}}})
		fieldErr(t, err, "terms_version")
		fieldErr(t, err, "accept_terms")
		fieldErr(t, err, "idempotency_key")
		_, err = e.cp.CreateQuote(e.ctx, e.sales, QuoteInput{OrgID: cust.User.OrgID, Lines: []QuoteLineInput{{Quantity: 0, Billing: "weekly", UnitPrice: -5}}})
		fieldErr(t, err, "title")
		fieldErr(t, err, "lines[0].billing")
		fieldErr(t, err, "lines[0].description")
		fieldErr(t, err, "lines[0].unit_price")
		_, err = e.cp.RecordCancellation(e.ctx, e.support, sub, CancelInput{Channel: "pigeon"})
		fieldErr(t, err, "channel")
		fieldErr(t, err, "received_at")
		_, err = e.cp.ConfirmCancellation(e.ctx, cust, sub, CancelInput{ExpectEndsOn: d("2026-02-01")})
		fieldErr(t, err, "expect_ends_on")
		_, err = e.cp.ConfirmCancellation(e.ctx, cust, sub, CancelInput{Basis: "whim"})
		fieldErr(t, err, "basis")
		_, err = e.cp.SchedulePriceIncrease(e.ctx, e.sales, PriceIncreaseInput{PlanID: e.plan("cloudprovider", "webhosting", "start").ID, NewPrice: 100})
		fieldErr(t, err, "new_price")
		_, err = e.cp.PublishTermsVersion(e.ctx, e.sales, TermsVersionInput{Version: "2026-02", Effective: d("2026-01-20")})
		fieldErr(t, err, "effective")
		_, err = e.cp.ChangePlan(e.ctx, cust, sub, e.plan("cloudprovider", "vps", "l").ID)
		fieldErr(t, err, "plan_id")
		_, err = e.cp.RecordForceMajeure(e.ctx, e.support, d("2027-01-01"), "")
		fieldErr(t, err, "description")
		fieldErr(t, err, "started_on")
		if err := e.cp.ObjectToTermsChange(e.ctx, cust, 999, cust.User.OrgID, "no"); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("objection to unknown version: %v", err)
		}
		for _, tb := range tables {
			if n := e.count(tb, ""); n != before[tb] {
				t.Errorf("%s: %d rows after bad input, had %d", tb, n, before[tb])
			}
		}
	})
}

func TestPlanChanges(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org(accounts.Business, "Groei BV")
		c := e.order(e.cp, cust, false, OrderLine{PlanID: e.plan("cloudprovider", "vps", "s").ID, Quantity: 1})
		sub := c.Subscriptions[0].ID
		e.setDay(d("2026-07-05")) // 184 of the term's 365 days remain
		tech := subUser(cust, accounts.PermTechnical)
		up, err := e.cp.ChangePlan(e.ctx, tech, sub, e.plan("cloudprovider", "vps", "m").ID)
		if err != nil {
			t.Fatal(err)
		}
		// (12 × 19.95 − 12 × 9.95) × 184 / 365 = 120.00 × 184 / 365 = 60.49
		if up.Direction != "up" || up.EffectiveOn != d("2026-07-05") || up.Charge != terms.Money(6049) {
			t.Fatalf("upgrade: %+v", up)
		}
		if s := e.sub(sub); s.Price != terms.Money(1995) {
			t.Fatalf("upgrade not at once: %s", s.Price)
		}
		if e.count("pending_charge", "subscription_id = $1 AND amount = 6049", sub) != 1 {
			t.Fatal("no pending charge")
		}
		down, err := e.cp.ChangePlan(e.ctx, cust, sub, e.plan("cloudprovider", "vps", "s").ID)
		if err != nil || down.Direction != "down" || down.EffectiveOn != d("2027-01-05") {
			t.Fatalf("downgrade: %+v %v", down, err)
		}
		for day := d("2026-07-06"); !day.After(d("2027-01-05")); day = day.AddDays(1) {
			e.setDay(day)
			e.runJobs()
		}
		if s := e.sub(sub); s.Price != terms.Money(995) || s.TermNo != 2 || s.PendingPlanID != 0 {
			t.Fatalf("downgrade at renewal: %+v", s)
		}
	})
}
