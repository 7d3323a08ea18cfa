package terms

import (
	"errors"
	"math/rand"
	"strings"
	"testing"
)

func TestQuoteExpiry(t *testing.T) {
	tests := []struct {
		pack       string
		sent, want Date
	}{
		{"cloudprovider", D(2025, 1, 31), D(2025, 3, 2)},
		{"cloudprovider", D(2024, 1, 31), D(2024, 3, 1)}, // leap year
		{"5online", D(2025, 12, 20), D(2026, 1, 3)},
		{"5online", D(2025, 2, 15), D(2025, 3, 1)},
	}
	for _, tt := range tests {
		res, ex, err := mustPolicy(t, tt.pack).QuoteExpiry(tt.sent)
		if err != nil || res.Expires != tt.want {
			t.Errorf("%s quote sent %s expires %s (%v), want %s", tt.pack, tt.sent, res.Expires, err, tt.want)
		}
		if len(ex) == 0 || ex[0].Clause == "" || ex[0].Value != tt.want.String() {
			t.Errorf("explanation = %+v", ex)
		}
	}
	if _, _, err := mustPolicy(t, "cloudprovider").QuoteExpiry(Date{}); err == nil {
		t.Error("zero date accepted")
	}
}

func TestCancellation(t *testing.T) {
	tests := []struct {
		name            string
		pack            string
		customer        CustomerKind
		start, received Date
		ends, deadline  Date
		renewed         bool
	}{
		// cp consumers (cp.av.13.1, cp.av.13.2; A08).
		{"consumer on the deadline", "cloudprovider", Consumer, D(2024, 1, 31), D(2024, 12, 31), D(2025, 1, 31), D(2024, 12, 31), false},
		{"consumer a day late", "cloudprovider", Consumer, D(2024, 1, 31), D(2025, 1, 1), D(2025, 2, 1), D(2025, 1, 1), true},
		{"consumer early", "cloudprovider", Consumer, D(2024, 3, 15), D(2024, 4, 1), D(2025, 3, 15), D(2025, 2, 15), false},
		{"consumer on the renewal date", "cloudprovider", Consumer, D(2024, 1, 31), D(2025, 1, 31), D(2025, 2, 28), D(2025, 1, 31), true},
		{"consumer after renewal, month end", "cloudprovider", Consumer, D(2024, 1, 31), D(2025, 3, 31), D(2025, 4, 30), D(2025, 3, 31), true},
		{"consumer 29 Jan to short February", "cloudprovider", Consumer, D(2023, 6, 1), D(2025, 1, 29), D(2025, 2, 28), D(2025, 1, 31), true},
		{"consumer leap-day start", "cloudprovider", Consumer, D(2024, 2, 29), D(2025, 1, 28), D(2025, 2, 28), D(2025, 1, 28), false},
		{"consumer leap-day start, late", "cloudprovider", Consumer, D(2024, 2, 29), D(2025, 1, 29), D(2025, 2, 28), D(2025, 1, 31), false},
		{"consumer in a leap February", "cloudprovider", Consumer, D(2022, 5, 10), D(2024, 1, 30), D(2024, 2, 29), D(2024, 1, 31), true},
		{"consumer on the start day", "cloudprovider", Consumer, D(2025, 1, 10), D(2025, 1, 10), D(2026, 1, 10), D(2025, 12, 10), false},
		// cp businesses (cp.av.13.3 overrides cp.av.13.1; A07).
		{"business on the deadline", "cloudprovider", Business, D(2024, 3, 15), D(2025, 1, 15), D(2025, 3, 15), D(2025, 1, 15), false},
		{"business a day late", "cloudprovider", Business, D(2024, 3, 15), D(2025, 1, 16), D(2026, 3, 15), D(2026, 1, 15), true},
		{"business in the second term", "cloudprovider", Business, D(2024, 3, 15), D(2025, 6, 1), D(2026, 3, 15), D(2026, 1, 15), true},
		{"business late in the second term", "cloudprovider", Business, D(2024, 3, 15), D(2026, 1, 16), D(2027, 3, 15), D(2027, 1, 15), true},
		{"business month end", "cloudprovider", Business, D(2024, 4, 30), D(2025, 2, 28), D(2025, 4, 30), D(2025, 2, 28), false},
		{"business month end, late", "cloudprovider", Business, D(2024, 4, 30), D(2025, 3, 1), D(2026, 4, 30), D(2026, 2, 28), true},
		{"business year end", "cloudprovider", Business, D(2023, 12, 31), D(2024, 10, 31), D(2024, 12, 31), D(2024, 10, 31), false},
		// 5online: business rule with one month (fo.av.20.3, C07).
		{"fo on the deadline", "5online", Business, D(2024, 1, 31), D(2024, 12, 31), D(2025, 1, 31), D(2024, 12, 31), false},
		{"fo a day late", "5online", Business, D(2024, 1, 31), D(2025, 1, 1), D(2026, 1, 31), D(2025, 12, 31), true},
		{"fo leap start", "5online", Business, D(2024, 2, 29), D(2025, 1, 28), D(2025, 2, 28), D(2025, 1, 28), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ex, err := mustPolicy(t, tt.pack).Cancellation(CancellationInput{Customer: tt.customer, Start: tt.start, Received: tt.received})
			if err != nil {
				t.Fatal(err)
			}
			if res.Ends != tt.ends || res.Deadline != tt.deadline || res.Renewed != tt.renewed {
				t.Errorf("got ends %s deadline %s renewed %v; want %s %s %v\n%s", res.Ends, res.Deadline, res.Renewed, tt.ends, tt.deadline, tt.renewed, ex.Text())
			}
		})
	}
}

func TestCancellationErrors(t *testing.T) {
	cp, fo := mustPolicy(t, "cloudprovider"), mustPolicy(t, "5online")
	if _, _, err := fo.Cancellation(CancellationInput{Customer: Consumer, Start: D(2025, 1, 1), Received: D(2025, 2, 1)}); !errors.Is(err, ErrNotInTerms) {
		t.Errorf("5online consumer: %v", err)
	}
	var ie *InputError
	if _, _, err := cp.Cancellation(CancellationInput{Customer: Business, Start: D(2025, 1, 2), Received: D(2025, 1, 1)}); !errors.As(err, &ie) || ie.Field != "received" {
		t.Errorf("received before start: %v", err)
	}
	if _, _, err := cp.Cancellation(CancellationInput{Customer: "reseller", Start: D(2025, 1, 2), Received: D(2025, 1, 3)}); !errors.As(err, &ie) || ie.Field != "customer" {
		t.Errorf("bad customer: %v", err)
	}
	if _, _, err := cp.Cancellation(CancellationInput{Customer: Business, Received: D(2025, 1, 3)}); !errors.As(err, &ie) || ie.Field != "start" {
		t.Errorf("no start: %v", err)
	}
}

// Property: a cancellation never ends the contract before receipt plus the notice
// period that applies, never ends before the contract would have ended anyway without
// notice, and a later receipt never ends the contract earlier.
func TestCancellationProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(42))
	for _, pack := range []string{"cloudprovider", "5online"} {
		p := mustPolicy(t, pack)
		for _, kind := range []CustomerKind{Consumer, Business} {
			if p.serves(kind) != nil {
				continue
			}
			ct := p.Terms.Contract.Business
			if kind == Consumer {
				ct = p.Terms.Contract.Consumer
			}
			minNotice := ct.NoticeBeforeTermEnd
			if !ct.NoticeAfterRenewal.IsZero() {
				minNotice = ct.NoticeAfterRenewal
			}
			for i := 0; i < 3000; i++ {
				start := D(2019, 1, 1).AddDays(rng.Intn(365 * 6))
				received := start.AddDays(rng.Intn(365 * 4))
				res, _, err := p.Cancellation(CancellationInput{Customer: kind, Start: start, Received: received})
				if err != nil {
					t.Fatal(err)
				}
				if min := minNotice.AddTo(received, nil); res.Ends.Before(min) {
					t.Fatalf("%s %s start %s received %s ends %s, before receipt + %s = %s", pack, kind, start, received, res.Ends, minNotice, min)
				}
				if res.Deadline.Before(received) {
					t.Fatalf("%s %s: deadline %s before receipt %s", pack, kind, res.Deadline, received)
				}
				if !res.Ends.After(received) {
					t.Fatalf("%s %s: ends %s not after receipt %s", pack, kind, res.Ends, received)
				}
				next, _, _ := p.Cancellation(CancellationInput{Customer: kind, Start: start, Received: received.AddDays(1)})
				if next.Ends.Before(res.Ends) {
					t.Fatalf("%s %s start %s: receipt %s ends %s but a day later ends %s", pack, kind, start, received, res.Ends, next.Ends)
				}
				// Receiving it on the deadline gives the same end.
				same, _, _ := p.Cancellation(CancellationInput{Customer: kind, Start: start, Received: res.Deadline})
				if same.Ends != res.Ends {
					t.Fatalf("%s %s start %s: deadline %s ends %s, not %s", pack, kind, start, res.Deadline, same.Ends, res.Ends)
				}
			}
		}
	}
}

func TestRenewals(t *testing.T) {
	res, _, err := mustPolicy(t, "cloudprovider").Renewals(D(2024, 2, 29), 3)
	if err != nil {
		t.Fatal(err)
	}
	want := []Date{D(2025, 2, 28), D(2026, 2, 28), D(2027, 2, 28)}
	for i := range want {
		if res.Renewals[i] != want[i] {
			t.Errorf("renewal %d = %s, want %s", i, res.Renewals[i], want[i])
		}
	}
	// Counted from the start, so the 29th returns in a leap year.
	res, _, _ = mustPolicy(t, "cloudprovider").Renewals(D(2024, 2, 29), 4)
	if res.Renewals[3] != D(2028, 2, 29) {
		t.Errorf("fourth renewal = %s", res.Renewals[3])
	}
	if r, _ := mustPolicy(t, "5online").NextRenewal(D(2024, 1, 31), D(2025, 1, 31)); r != D(2026, 1, 31) {
		t.Errorf("next renewal = %s", r)
	}
	if _, _, err := mustPolicy(t, "cloudprovider").Renewals(D(2024, 1, 1), 0); err == nil {
		t.Error("zero renewals accepted")
	}
}

func TestWithdrawal(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	tests := []struct {
		name     string
		pack     string
		in       WithdrawalInput
		allowed  bool
		lastDay  Date
		refundBy Date
		refund   Money
	}{
		{"last day", "cloudprovider", WithdrawalInput{Customer: Consumer, Concluded: D(2025, 1, 31), Received: D(2025, 2, 14)}, true, D(2025, 2, 14), D(2025, 2, 28), 0},
		{"too late", "cloudprovider", WithdrawalInput{Customer: Consumer, Concluded: D(2025, 1, 31), Received: D(2025, 2, 15)}, false, D(2025, 2, 14), Date{}, 0},
		{"leap February", "cloudprovider", WithdrawalInput{Customer: Consumer, Concluded: D(2024, 2, 20), Received: D(2024, 3, 5)}, true, D(2024, 3, 5), D(2024, 3, 19), 0},
		{"domain with waiver", "cloudprovider", WithdrawalInput{Customer: Consumer, Concluded: D(2025, 1, 2), Received: D(2025, 1, 3), Domain: true, Waived: true}, false, D(2025, 1, 16), Date{}, 0},
		{"domain without waiver", "cloudprovider", WithdrawalInput{Customer: Consumer, Concluded: D(2025, 1, 2), Received: D(2025, 1, 3), Domain: true}, true, D(2025, 1, 16), D(2025, 1, 17), 0},
		{"waiver on a service", "cloudprovider", WithdrawalInput{Customer: Consumer, Concluded: D(2025, 1, 2), Received: D(2025, 1, 3), Waived: true, Invoiced: 1000, Paid: 1000}, true, D(2025, 1, 16), D(2025, 1, 17), 1000},
		{"proportional", "cloudprovider", WithdrawalInput{Customer: Consumer, Concluded: D(2025, 1, 31), Received: D(2025, 2, 9), ServiceStarted: D(2025, 1, 31), Price: 12000, Invoiced: 12000, Paid: 12000}, true, D(2025, 2, 14), D(2025, 2, 23), 11671},
		{"business", "cloudprovider", WithdrawalInput{Customer: Business, Concluded: D(2025, 1, 2), Received: D(2025, 1, 3)}, false, Date{}, Date{}, 0},
		{"5online", "5online", WithdrawalInput{Customer: Consumer, Concluded: D(2025, 1, 2), Received: D(2025, 1, 3)}, false, Date{}, Date{}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ex, err := mustPolicy(t, tt.pack).Withdrawal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Allowed != tt.allowed || res.LastDay != tt.lastDay || res.RefundBy != tt.refundBy || res.Refund != tt.refund {
				t.Errorf("got %+v\n%s", res, ex.Text())
			}
			if res.Reason == "" {
				t.Error("no reason given")
			}
		})
	}
	// 120.00 × 10 days / 365 days = 3.2877 → 3.29.
	res, _, _ := cp.Withdrawal(tests[6].in)
	if res.Deduction != 329 || res.DaysUsed != 10 || res.TermDays != 365 {
		t.Errorf("deduction = %+v", res)
	}
	if _, _, err := cp.Withdrawal(WithdrawalInput{Customer: Consumer, Concluded: D(2025, 1, 5), Received: D(2025, 1, 4)}); err == nil {
		t.Error("withdrawal before conclusion accepted")
	}
	if _, _, err := cp.Withdrawal(WithdrawalInput{Customer: Consumer, Concluded: D(2025, 1, 5), Received: D(2025, 1, 6), Invoiced: 100, Paid: 200}); err == nil {
		t.Error("paid more than invoiced accepted")
	}
}

// TestWithdrawalRefundIsWhatWasPaid: the refund is what was actually paid less the
// deduction, never the price of the term; what was invoiced and not paid is credited
// (A16). 121.00 a year incl. VAT, 10 days used: deduction 3.32.
func TestWithdrawalRefundIsWhatWasPaid(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	base := WithdrawalInput{Customer: Consumer, Concluded: D(2025, 1, 31), Received: D(2025, 2, 9), ServiceStarted: D(2025, 1, 31), Price: 12100}
	tests := []struct {
		name                   string
		invoiced, paid         Money
		refund, unpaid, credit Money
		says                   string
	}{
		{"nothing invoiced", 0, 0, 0, 0, 0, "Nothing was paid"},
		{"paid nothing", 1008, 0, 0, 1008, 1008, "Nothing was paid"},
		{"paid less than the deduction", 1008, 200, 0, 808, 808, "does not exceed the deduction"},
		{"paid part", 1008, 500, 168, 508, 676, "less the deduction, is refunded"},
		{"paid everything", 1008, 1008, 676, 0, 676, "less the deduction, is refunded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := base
			in.Invoiced, in.Paid = tt.invoiced, tt.paid
			res, ex, err := cp.Withdrawal(in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Deduction != 332 || res.Refund != tt.refund || res.Unpaid != tt.unpaid || res.Credit != tt.credit || res.Paid != tt.paid {
				t.Errorf("got %+v", res)
			}
			if !strings.Contains(ex.Text(), tt.says) {
				t.Errorf("explanation lacks %q:\n%s", tt.says, ex.Text())
			}
		})
	}
}

func TestPriceIncrease(t *testing.T) {
	tests := []struct {
		name    string
		pack    string
		in      PriceIncreaseInput
		allowed bool
		reasons int
	}{
		{"cp allowed", "cloudprovider", PriceIncreaseInput{ContractStart: D(2024, 3, 1), Announced: D(2025, 1, 1), Effective: D(2025, 3, 1)}, true, 0},
		{"cp first year and short notice", "cloudprovider", PriceIncreaseInput{ContractStart: D(2024, 3, 1), Announced: D(2025, 1, 1), Effective: D(2025, 2, 28)}, false, 2},
		{"cp twice in a calendar year", "cloudprovider", PriceIncreaseInput{ContractStart: D(2023, 3, 1), PreviousIncreases: []Date{D(2025, 3, 1)}, Announced: D(2025, 8, 1), Effective: D(2025, 11, 1)}, false, 1},
		{"cp new calendar year", "cloudprovider", PriceIncreaseInput{ContractStart: D(2023, 3, 1), PreviousIncreases: []Date{D(2024, 12, 31)}, Announced: D(2024, 11, 1), Effective: D(2025, 1, 1)}, true, 0},
		{"fo within the index", "5online", PriceIncreaseInput{ContractStart: D(2024, 1, 1), PreviousIncreases: []Date{D(2024, 5, 1)}, Announced: D(2025, 4, 1), Effective: D(2025, 5, 1), Increase: 300, Index: 350}, true, 0},
		{"fo within 12 months", "5online", PriceIncreaseInput{ContractStart: D(2024, 1, 1), PreviousIncreases: []Date{D(2024, 6, 1)}, Announced: D(2025, 4, 1), Effective: D(2025, 5, 1), Increase: 300, Index: 350}, false, 1},
		{"fo above the index", "5online", PriceIncreaseInput{ContractStart: D(2024, 1, 1), Announced: D(2025, 4, 1), Effective: D(2025, 5, 1), Increase: 400, Index: 350}, false, 1},
		{"fo short notice, no index", "5online", PriceIncreaseInput{ContractStart: D(2024, 1, 1), Announced: D(2025, 4, 2), Effective: D(2025, 5, 1), Increase: 100}, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ex, err := mustPolicy(t, tt.pack).PriceIncrease(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if res.Allowed != tt.allowed || len(res.Reasons) != tt.reasons {
				t.Errorf("got %+v\n%s", res, ex.Text())
			}
		})
	}
	res, _, _ := mustPolicy(t, "5online").PriceIncrease(tests[4].in)
	if res.ObjectionBy != D(2025, 4, 15) || res.TerminationAsOf != D(2025, 5, 1) {
		t.Errorf("fo objection = %+v", res)
	}
	res, _, _ = mustPolicy(t, "cloudprovider").PriceIncrease(tests[0].in)
	if !res.CustomerMayCancel || res.CancelNotice != MustPeriod("P1M") || res.EarliestEffective != D(2025, 3, 1) {
		t.Errorf("cp cancel right = %+v", res)
	}
}

func TestTermsChange(t *testing.T) {
	res, _, err := mustPolicy(t, "cloudprovider").TermsChange(D(2025, 1, 31))
	if err != nil || res.Effective != D(2025, 3, 2) || !res.ObjectionBy.IsZero() || res.TerminationAsOf != D(2025, 3, 2) {
		t.Errorf("cp = %+v, %v", res, err)
	}
	res, _, err = mustPolicy(t, "5online").TermsChange(D(2025, 1, 31))
	if err != nil || res.Effective != D(2025, 3, 2) || res.ObjectionBy != D(2025, 2, 14) {
		t.Errorf("fo = %+v, %v", res, err)
	}
}

func TestPlanChange(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	if res, _, _ := cp.PlanChange(D(2024, 3, 15), D(2025, 6, 20), true); res.Effective != D(2025, 6, 1) {
		t.Errorf("raise = %s", res.Effective)
	}
	if res, _, _ := cp.PlanChange(D(2025, 6, 15), D(2025, 6, 20), true); res.Effective != D(2025, 6, 15) {
		t.Errorf("raise in the first month = %s", res.Effective)
	}
	if res, _, _ := cp.PlanChange(D(2024, 3, 15), D(2025, 6, 20), false); res.Effective != D(2026, 3, 15) {
		t.Errorf("reduction = %s", res.Effective)
	}
}
