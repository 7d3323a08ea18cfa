package contracts

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
)

// TestWithdrawalLastDayMoves: a withdrawal period whose 14th day is a Saturday or
// Easter Monday ends on the next werkdag (INTERPRETATION.md, Time); the checkout, the
// decision and its explanation show it, with both days.
func TestWithdrawalLastDayMoves(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		plan := e.plan("cloudprovider", "webhosting", "start")
		tests := []struct {
			name                 string
			concluded, end, last string
			received             string
			allowed              bool
		}{
			{"Saturday, received Monday", "2026-01-03", "2026-01-17", "2026-01-19", "2026-01-19", true},
			{"Saturday, received Tuesday", "2026-01-03", "2026-01-17", "2026-01-19", "2026-01-20", false},
			{"Easter Monday, received Tuesday", "2026-03-23", "2026-04-06", "2026-04-07", "2026-04-07", true},
			{"Easter Monday, received Wednesday", "2026-03-23", "2026-04-06", "2026-04-07", "2026-04-08", false},
		}
		for i, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				e.setDay(d(tt.concluded))
				by := e.org(accounts.Consumer, "Consument "+string(rune('A'+i)))
				co, err := e.cp.Checkout(e.ctx, by, CheckoutInput{OrgID: by.User.OrgID, Lines: []OrderLine{{PlanID: plan.ID, Quantity: 1}}})
				if err != nil {
					t.Fatal(err)
				}
				if co.Withdrawal == nil || co.Withdrawal.LastDay != d(tt.last) || !strings.Contains(co.Withdrawal.Text, tt.end) {
					t.Fatalf("checkout withdrawal information: %+v", co.Withdrawal)
				}
				c := e.order(e.cp, by, true, OrderLine{PlanID: plan.ID, Quantity: 1})
				e.setDay(d(tt.received))
				w, err := e.cp.ConfirmWithdrawal(e.ctx, by, c.ID)
				if err != nil {
					t.Fatal(err)
				}
				if w.Allowed != tt.allowed {
					t.Fatalf("withdrawal received %s: %+v", tt.received, w)
				}
				if !strings.Contains(w.Text, tt.end+" (") || !strings.Contains(w.Text, "next werkdag, "+tt.last) {
					t.Errorf("explanation lacks both days:\n%s", w.Text)
				}
			})
		}
	})
}
