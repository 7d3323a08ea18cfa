package contracts

import (
	"errors"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
)

// A cancellation is withdrawn before its end date by the customer or by staff; the
// subscription runs on, the cancellation moves to the history, the withdrawal is
// audited, the service can be cancelled again, and after the end date or without a
// cancellation nothing is withdrawn. Another customer's subscription is not found.
func TestWithdrawCancellation(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		cust := e.org(accounts.Consumer, "Karin Klant")
		other := e.org(accounts.Consumer, "Andere Klant")
		c := e.order(e.cp, cust, true, OrderLine{PlanID: e.plan("cloudprovider", "webhosting", "start").ID, Quantity: 1})
		sub := c.Subscriptions[0].ID

		_, err := e.cp.WithdrawCancellation(e.ctx, cust, sub)
		fieldErr(t, err, "subscription")
		can, err := e.cp.ConfirmCancellation(e.ctx, cust, sub, CancelInput{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.cp.WithdrawCancellation(e.ctx, other, sub); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("another customer: %v", err)
		}
		w, err := e.cp.WithdrawCancellation(e.ctx, cust, sub)
		if err != nil {
			t.Fatal(err)
		}
		if w.WasEndingOn != can.EndsOn || w.ByStaff || w.Explanation.Key != "contracts.withdraw_cancellation_courtesy" {
			t.Fatalf("withdrawal: %+v", w)
		}
		if s := e.sub(sub); !s.EndsOn.IsZero() || s.EndReason != "" {
			t.Fatalf("still ending: %+v", s)
		}
		if e.count("cancellations", "subscription_id = $1", sub) != 0 || e.count("cancellation_withdrawals", "subscription_id = $1", sub) != 1 ||
			e.count("audit_entries", "action = 'subscription.cancel_withdrawn'") != 1 {
			t.Fatal("not moved to the history or not audited")
		}
		_, err = e.cp.WithdrawCancellation(e.ctx, cust, sub)
		fieldErr(t, err, "subscription")

		// Cancelled again, staff withdraw it on the customer's request.
		can, err = e.cp.ConfirmCancellation(e.ctx, cust, sub, CancelInput{})
		if err != nil {
			t.Fatal(err)
		}
		if w, err := e.cp.WithdrawCancellation(e.ctx, e.support, sub); err != nil || !w.ByStaff {
			t.Fatalf("staff: %+v %v", w, err)
		}
		// Cancelled a third time and the end date reached: too late.
		can, err = e.cp.ConfirmCancellation(e.ctx, cust, sub, CancelInput{})
		if err != nil {
			t.Fatal(err)
		}
		e.setDay(can.EndsOn)
		_, err = e.cp.WithdrawCancellation(e.ctx, cust, sub)
		if err == nil {
			t.Fatal("withdrawn on the end date")
		}
	})
}
