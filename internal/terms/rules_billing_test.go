package terms

import (
	"errors"
	"strings"
	"testing"
)

func TestBillingPeriods(t *testing.T) {
	tests := []struct {
		name   string
		pack   string
		start  Date
		price  Period
		months int
		k      int
		from   Date
		next   Date
	}{
		{"month end into February", "cloudprovider", D(2027, 1, 31), MustPeriod("P1M"), 1, 1, D(2027, 2, 28), D(2027, 3, 31)},
		{"month end into a leap February", "cloudprovider", D(2028, 1, 31), MustPeriod("P1M"), 1, 1, D(2028, 2, 29), D(2028, 3, 31)},
		{"back to the 31st after February", "cloudprovider", D(2027, 1, 31), MustPeriod("P1M"), 1, 2, D(2027, 3, 31), D(2027, 4, 30)},
		{"30 April stays 30", "cloudprovider", D(2027, 1, 31), MustPeriod("P1M"), 1, 3, D(2027, 4, 30), D(2027, 5, 31)},
		{"29 February yearly", "cloudprovider", D(2028, 2, 29), MustPeriod("P1Y"), 12, 1, D(2029, 2, 28), D(2030, 2, 28)},
		{"29 February again in a leap year", "cloudprovider", D(2028, 2, 29), MustPeriod("P1Y"), 12, 4, D(2032, 2, 29), D(2033, 2, 28)},
		{"quarterly from 30 November", "cloudprovider", D(2027, 11, 30), MustPeriod("P3M"), 3, 1, D(2028, 2, 29), D(2028, 5, 30)},
		{"no price period: the pack's billing period", "cloudprovider", D(2027, 1, 31), Period{}, 1, 1, D(2027, 2, 28), D(2027, 3, 31)},
		{"a price per days: the pack's billing period", "cloudprovider", D(2027, 1, 15), MustPeriod("P14D"), 1, 0, D(2027, 1, 15), D(2027, 2, 15)},
		{"no billing period in the pack: the initial term", "5online", D(2027, 1, 31), Period{}, 12, 1, D(2028, 1, 31), D(2029, 1, 31)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := mustPolicy(t, tt.pack)
			b, ex, err := pol.BillingPeriods(tt.start, tt.price)
			if err != nil {
				t.Fatal(err)
			}
			if b.Months() != tt.months {
				t.Errorf("months = %d, want %d", b.Months(), tt.months)
			}
			from, next := b.Period(tt.k)
			if from != tt.from || next != tt.next {
				t.Errorf("period %d = %s to %s, want %s to %s", tt.k, from, next, tt.from, tt.next)
			}
			for _, d := range []Date{from, from.AddDays(1), next.AddDays(-1)} {
				if got := b.Index(d); got != tt.k && d.Before(next) {
					t.Errorf("Index(%s) = %d, want %d", d, got, tt.k)
				}
			}
			if got := b.Index(next); got != tt.k+1 {
				t.Errorf("Index(%s) = %d, want %d", next, got, tt.k+1)
			}
			if len(ex) != 1 || ex[0].Clause != strings.Join(pol.Terms.Payment.Clauses, ", ") || !strings.Contains(ex[0].Reading, "A08") ||
				ex[0].Value != b.Length.String() {
				t.Errorf("explanation = %+v", ex)
			}
		})
	}
	b, _, _ := mustPolicy(t, "cloudprovider").BillingPeriods(D(2027, 1, 31), MustPeriod("P1M"))
	if got := b.Index(D(2027, 1, 30)); got != -1 {
		t.Errorf("a day before the start is in period %d, want -1", got)
	}
	if _, _, err := mustPolicy(t, "cloudprovider").BillingPeriods(Date{}, MustPeriod("P1M")); err == nil {
		t.Error("zero start accepted")
	}
}

func TestProrate(t *testing.T) {
	feb27 := [2]Date{D(2027, 2, 1), D(2027, 3, 1)}
	feb28 := [2]Date{D(2028, 2, 1), D(2028, 3, 1)}
	tests := []struct {
		name        string
		amount      Money
		period      [2]Date
		from, until Date
		want        Money
		days, of    int
	}{
		{"half of February", Euros(10), feb27, D(2027, 2, 1), D(2027, 2, 15), Euros(5), 14, 28},
		{"14 days of a leap February", Euros(10), feb28, D(2028, 2, 1), D(2028, 2, 15), 483, 14, 29},
		{"the whole period", Euros(10), feb28, D(2028, 2, 1), D(2028, 3, 1), Euros(10), 29, 29},
		{"nothing", Euros(10), feb27, D(2027, 2, 10), D(2027, 2, 10), 0, 0, 28},
		{"the rest of the period", Euros(31), [2]Date{D(2027, 1, 31), D(2027, 2, 28)}, D(2027, 2, 27), D(2027, 2, 28), 111, 1, 28}, // 31.00 ÷ 28 = 1.107…
		{"half a cent rounds away from zero", 1, [2]Date{D(2027, 1, 1), D(2027, 1, 3)}, D(2027, 1, 1), D(2027, 1, 2), 1, 1, 2},
		{"half a negative cent rounds away from zero", -1, [2]Date{D(2027, 1, 1), D(2027, 1, 3)}, D(2027, 1, 1), D(2027, 1, 2), -1, 1, 2},
		{"a leap year", Euros(366), [2]Date{D(2028, 1, 1), D(2029, 1, 1)}, D(2028, 1, 1), D(2028, 3, 1), Euros(60), 60, 366},
	}
	for _, pack := range []string{"cloudprovider", "5online"} {
		pol := mustPolicy(t, pack)
		for _, tt := range tests {
			res, ex, err := pol.Prorate(ProrationInput{Amount: tt.amount, PeriodStart: tt.period[0], PeriodEnd: tt.period[1], From: tt.from, Until: tt.until})
			if err != nil {
				t.Fatalf("%s %s: %v", pack, tt.name, err)
			}
			if res.Amount != tt.want || res.Days != tt.days || res.PeriodDays != tt.of {
				t.Errorf("%s %s: %s (%d/%d), want %s (%d/%d)", pack, tt.name, res.Amount, res.Days, res.PeriodDays, tt.want, tt.days, tt.of)
			}
			if len(ex) != 1 || ex[0].Clause != strings.Join(pol.Terms.Payment.Clauses, ", ") || ex[0].Value != res.Amount.String() {
				t.Errorf("%s %s: explanation %+v", pack, tt.name, ex)
			}
		}
	}
	pol := mustPolicy(t, "cloudprovider")
	for _, bad := range []ProrationInput{
		{Amount: 100, PeriodStart: feb27[0], PeriodEnd: feb27[1], From: D(2027, 1, 31), Until: D(2027, 2, 10)},
		{Amount: 100, PeriodStart: feb27[0], PeriodEnd: feb27[1], From: D(2027, 2, 10), Until: D(2027, 3, 2)},
		{Amount: 100, PeriodStart: feb27[0], PeriodEnd: feb27[1], From: D(2027, 2, 10), Until: D(2027, 2, 9)},
		{Amount: 100, PeriodStart: feb27[1], PeriodEnd: feb27[0], From: D(2027, 2, 10), Until: D(2027, 2, 11)},
		{Amount: 100, PeriodStart: feb27[0], From: D(2027, 2, 10), Until: D(2027, 2, 11)},
	} {
		var ie *InputError
		if _, _, err := pol.Prorate(bad); !errors.As(err, &ie) {
			t.Errorf("%+v: err %v, want an input error", bad, err)
		}
	}
}

func TestTermPrice(t *testing.T) {
	tests := []struct {
		pack   string
		price  Money
		period Period
		want   Money
	}{
		{"cloudprovider", 495, MustPeriod("P1M"), 5940},
		{"cloudprovider", Euros(100), MustPeriod("P1Y"), Euros(100)},
		{"cloudprovider", Euros(10), MustPeriod("P5M"), Euros(24)},
		{"cloudprovider", 333, MustPeriod("P7M"), 571}, // 3.33 × 12 ÷ 7 = 5.708…
		{"5online", Euros(25), MustPeriod("P3M"), Euros(100)},
		{"cloudprovider", Euros(99), Period{}, Euros(99)},
		{"cloudprovider", Euros(99), MustPeriod("P14D"), Euros(99)},
	}
	for _, tt := range tests {
		pol := mustPolicy(t, tt.pack)
		got, ex := pol.TermPrice(tt.price, tt.period)
		if got != tt.want {
			t.Errorf("%s %s per %s: term price %s, want %s", tt.pack, tt.price, tt.period, got, tt.want)
		}
		if len(ex) != 1 || ex[0].Clause != strings.Join(pol.Terms.Contract.Clauses, ", ") || ex[0].Value != got.String() {
			t.Errorf("explanation %+v", ex)
		}
	}
}
