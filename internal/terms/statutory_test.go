package terms

import (
	"strings"
	"testing"
)

// TestStatutoryLastDayMoves: the last day of a period the law gives the consumer moves
// to the next werkdag when it is a Saturday, Sunday or holiday, and the explanation
// shows both days (INTERPRETATION.md, Time); periods the provider owes do not move.
func TestStatutoryLastDayMoves(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	tests := []struct {
		name           string
		concluded      Date
		end, last      Date
		refundReceived Date // a withdrawal received on the last day: the refund is due 14 days later, unmoved
		refundBy       Date
	}{
		{"ends on a Saturday", D(2026, 1, 3), D(2026, 1, 17), D(2026, 1, 19), D(2026, 1, 19), D(2026, 2, 2)},
		{"ends on a Sunday", D(2026, 1, 4), D(2026, 1, 18), D(2026, 1, 19), D(2026, 1, 19), D(2026, 2, 2)},
		{"ends on Easter Monday", D(2026, 3, 23), D(2026, 4, 6), D(2026, 4, 7), D(2026, 4, 7), D(2026, 4, 21)},
		{"ends on Good Friday", D(2026, 3, 20), D(2026, 4, 3), D(2026, 4, 7), D(2026, 4, 7), D(2026, 4, 21)}, // then the weekend and Easter Monday
		{"ends on a werkdag", D(2026, 1, 5), D(2026, 1, 19), D(2026, 1, 19), D(2026, 1, 19), D(2026, 2, 2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := WithdrawalInput{Customer: Consumer, Concluded: tt.concluded, Received: tt.last}
			res, ex, err := cp.Withdrawal(in)
			if err != nil {
				t.Fatal(err)
			}
			if !res.Allowed || res.PeriodEnd != tt.end || res.LastDay != tt.last || res.RefundBy != tt.refundBy {
				t.Fatalf("got %+v\n%s", res, ex.Text())
			}
			text := ex.Text()
			if tt.end != tt.last && (!strings.Contains(text, tt.end.String()) || !strings.Contains(text, "moves to the next werkdag, "+tt.last.String())) {
				t.Errorf("explanation lacks both days:\n%s", text)
			}
			if tt.end == tt.last && strings.Contains(text, "moves") {
				t.Errorf("a werkdag moved:\n%s", text)
			}
			in.Received = tt.last.AddDays(1)
			if late, _, _ := cp.Withdrawal(in); late.Allowed || late.LastDay != tt.last {
				t.Errorf("received the day after the moved last day: %+v", late)
			}
		})
	}
}

// TestReminderLastDayMoves: the 14 days of the art. 6:96 lid 6 letter.
func TestReminderLastDayMoves(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	// A reminder sent (late) on Sunday 1 March 2026: its 14th day is Sunday 15 March.
	payBy, end, ex := cp.ReminderPayBy(D(2026, 3, 1))
	if end != D(2026, 3, 15) || payBy != D(2026, 3, 16) {
		t.Fatalf("pay by %s (end %s)\n%s", payBy, end, ex.Text())
	}
	if s := ex.Text(); !strings.Contains(s, "2026-03-15 (Sunday)") || !strings.Contains(s, "next werkdag, 2026-03-16") {
		t.Errorf("explanation lacks both days:\n%s", s)
	}
	// Invoice of 20 February: due 20 March, reminder Monday 23 March, whose 14th day
	// is Easter Monday 6 April; the consumer may pay on 7 April and is in default
	// from 8 April.
	pay, ex, err := cp.Payment(PaymentInput{Customer: Consumer, InvoiceDate: D(2026, 2, 20)})
	if err != nil {
		t.Fatal(err)
	}
	if pay.Reminder != D(2026, 3, 23) || pay.PayWithinEnd != D(2026, 4, 6) || pay.PayBy != D(2026, 4, 7) || pay.DefaultFrom != D(2026, 4, 8) || pay.InterestFrom != D(2026, 4, 8) {
		t.Errorf("payment %+v\n%s", pay, ex.Text())
	}
	// The payment term itself is contractual and does not move: due Sunday 15 February.
	pay, _, _ = cp.Payment(PaymentInput{Customer: Business, InvoiceDate: D(2026, 1, 15)})
	if pay.Due != D(2026, 2, 15) {
		t.Errorf("the contractual due date moved: %s", pay.Due)
	}
}

// TestStatutoryEndIsAPackChoice: a provider's pack may keep the calendar day.
func TestStatutoryEndIsAPackChoice(t *testing.T) {
	pk, err := ParsePack([]byte(`extends: cloudprovider
versions:
  - version: "2027-01-01"
    effective_from: 2027-01-01
    withdrawal:
      last_day:
        moves_to_werkdag: false
    reminder:
      last_day:
        moves_to_werkdag: false
`))
	if err != nil {
		t.Fatal(err)
	}
	pol, err := pk.At(D(2027, 1, 2))
	if err != nil {
		t.Fatal(err)
	}
	// Concluded Saturday 2 January 2027: the 14th day is Saturday 16 January.
	res, _, err := pol.Withdrawal(WithdrawalInput{Customer: Consumer, Concluded: D(2027, 1, 2), Received: D(2027, 1, 18)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Allowed || res.LastDay != D(2027, 1, 16) {
		t.Errorf("unmoved last day: %+v", res)
	}
	if payBy, _, _ := pol.ReminderPayBy(D(2027, 1, 3)); payBy != D(2027, 1, 17) {
		t.Errorf("unmoved pay by %s", payBy)
	}
}
