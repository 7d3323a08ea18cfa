package contracts

import (
	"errors"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
)

// Finding 9 of issue 8: an idempotency key answers a retry of the same request only. The
// same key with a different order or acceptance is refused with ErrIdempotencyConflict
// and creates nothing, instead of being answered with the first contract.
func TestSameKeyDifferentRequestIsRefused(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org(accounts.Business, "Sleutel BV")
		pro := e.plan("cloudprovider", "webhosting", "pro")
		start := e.plan("cloudprovider", "webhosting", "start")
		v, _ := e.cp.CurrentTermsVersion(e.ctx)
		in := OrderInput{OrgID: cust.User.OrgID, Lines: []OrderLine{{PlanID: pro.ID, Quantity: 1}}, TermsVersion: v, AcceptTerms: true,
			IdempotencyKey: "same-key-0001", IP: "198.51.100.7", UserAgent: "Firefox"}
		first, err := e.cp.PlaceOrder(e.ctx, cust, in)
		if err != nil {
			t.Fatal(err)
		}
		before := e.count("contracts", "")
		for name, change := range map[string]func(*OrderInput){
			"another plan":   func(o *OrderInput) { o.Lines = []OrderLine{{PlanID: start.ID, Quantity: 1}} },
			"more of it":     func(o *OrderInput) { o.Lines = []OrderLine{{PlanID: pro.ID, Quantity: 2}} },
			"express start":  func(o *OrderInput) { o.ExpressStart = true },
			"another domain": func(o *OrderInput) { o.Lines = []OrderLine{{PlanID: pro.ID, Quantity: 1, Domain: "voorbeeld.nl"}} },
		} {
			other := in
			change(&other)
			if _, err := e.cp.PlaceOrder(e.ctx, cust, other); !errors.Is(err, ErrIdempotencyConflict) {
				t.Errorf("%s under the same key: err = %v, want ErrIdempotencyConflict", name, err)
			}
		}
		if n := e.count("contracts", ""); n != before {
			t.Fatalf("%d contracts, want %d", n, before)
		}
		// The same request from another address or browser is still a retry.
		retry := in
		retry.IP, retry.UserAgent = "203.0.113.9", "Safari"
		if c, err := e.cp.PlaceOrder(e.ctx, cust, retry); err != nil || c.ID != first.ID {
			t.Fatalf("retry: %d %v", c.ID, err)
		}

		// Quote acceptance: another quote, or another content, under the same key.
		q1 := e.sentQuote(cust, pro)
		q2 := e.sentQuote(cust, pro)
		acc := AcceptInput{IdempotencyKey: "accept-same-0001", ContentHash: q1.ContentHash}
		c1, err := e.cp.AcceptQuote(e.ctx, cust, q1.ID, acc)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.cp.AcceptQuote(e.ctx, cust, q2.ID, acc); !errors.Is(err, ErrIdempotencyConflict) {
			t.Errorf("another quote under the same key: err = %v", err)
		}
		if _, err := e.cp.AcceptQuote(e.ctx, cust, q1.ID, AcceptInput{IdempotencyKey: "accept-same-0001", ContentHash: q2.ContentHash}); !errors.Is(err, ErrIdempotencyConflict) {
			t.Errorf("another content under the same key: err = %v", err)
		}
		if c, err := e.cp.AcceptQuote(e.ctx, cust, q1.ID, acc); err != nil || c.ID != c1.ID {
			t.Fatalf("retry of the acceptance: %d %v", c.ID, err)
		}
		// An order under a key an acceptance used is a different request too.
		in.IdempotencyKey = "accept-same-0001"
		if _, err := e.cp.PlaceOrder(e.ctx, cust, in); !errors.Is(err, ErrIdempotencyConflict) {
			t.Errorf("an order under an acceptance's key: err = %v", err)
		}
	})
}
