package terms

import (
	"errors"
	"math/rand"
	"testing"
)

func TestPayment(t *testing.T) {
	tests := []struct {
		name                string
		pack                string
		customer            CustomerKind
		invoice             Date
		due, reminder, dflt Date
		interestFrom        Date
	}{
		{"cp business, month end", "cloudprovider", Business, D(2025, 1, 31), D(2025, 2, 28), Date{}, D(2025, 3, 15), D(2025, 3, 1)},
		{"cp business, leap year", "cloudprovider", Business, D(2024, 1, 31), D(2024, 2, 29), Date{}, D(2024, 3, 15), D(2024, 3, 1)},
		{"cp consumer, King's Day on Saturday", "cloudprovider", Consumer, D(2025, 3, 26), D(2025, 4, 26), D(2025, 4, 28), D(2025, 5, 13), D(2025, 5, 13)},
		{"cp consumer, 5 May", "cloudprovider", Consumer, D(2025, 4, 4), D(2025, 5, 4), D(2025, 5, 6), D(2025, 5, 21), D(2025, 5, 21)},
		{"cp consumer, Easter", "cloudprovider", Consumer, D(2025, 3, 17), D(2025, 4, 17), D(2025, 4, 22), D(2025, 5, 7), D(2025, 5, 7)},
		{"cp consumer, Ascension", "cloudprovider", Consumer, D(2025, 4, 28), D(2025, 5, 28), D(2025, 5, 30), D(2025, 6, 14), D(2025, 6, 14)},
		{"cp consumer, King's Day on Thursday", "cloudprovider", Consumer, D(2023, 3, 26), D(2023, 4, 26), D(2023, 4, 28), D(2023, 5, 13), D(2023, 5, 13)},
		{"cp consumer, New Year", "cloudprovider", Consumer, D(2024, 11, 30), D(2024, 12, 30), D(2024, 12, 31), D(2025, 1, 15), D(2025, 1, 15)},
		{"fo business", "5online", Business, D(2025, 1, 31), D(2025, 2, 14), Date{}, D(2025, 3, 1), D(2025, 3, 1)},
		{"fo business, leap year", "5online", Business, D(2024, 2, 15), D(2024, 2, 29), Date{}, D(2024, 3, 15), D(2024, 3, 15)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ex, err := mustPolicy(t, tt.pack).Payment(PaymentInput{Customer: tt.customer, InvoiceDate: tt.invoice})
			if err != nil {
				t.Fatal(err)
			}
			if res.Due != tt.due || res.Reminder != tt.reminder || res.DefaultFrom != tt.dflt || res.InterestFrom != tt.interestFrom {
				t.Errorf("got %+v\n%s", res, ex.Text())
			}
		})
	}
	if _, _, err := mustPolicy(t, "5online").Payment(PaymentInput{Customer: Consumer, InvoiceDate: D(2025, 1, 1)}); !errors.Is(err, ErrNotInTerms) {
		t.Errorf("5online consumer: %v", err)
	}
}

func TestInterest(t *testing.T) {
	tests := []struct {
		name      string
		pack      string
		customer  CustomerKind
		principal Money
		from, to  Date
		want      Money
		basis     string
	}{
		{"commercial, one rate", "cloudprovider", Business, 100000, D(2025, 1, 1), D(2025, 1, 31), 916, "statutory"},
		{"consumer, leap year capitalised", "cloudprovider", Consumer, 100000, D(2024, 1, 1), D(2025, 1, 1), 7019, "statutory"},
		{"consumer, from a leap day over four years", "cloudprovider", Consumer, 100000, D(2020, 2, 29), D(2024, 3, 1), 12332, "statutory"},
		{"commercial, rate changes and two capitalisations", "cloudprovider", Business, 100000, D(2023, 3, 1), D(2025, 3, 15), 25717, "statutory"},
		{"commercial, ten years", "cloudprovider", Business, 123456, D(2016, 6, 15), D(2026, 2, 1), 162031, "statutory"},
		{"fo, 2% a month is higher", "5online", Business, 100000, D(2025, 3, 1), D(2025, 3, 31), 1973, "monthly"},
		{"one day", "cloudprovider", Business, 100000, D(2025, 1, 1), D(2025, 1, 2), 31, "statutory"},
		{"empty period", "cloudprovider", Business, 100000, D(2025, 1, 1), D(2025, 1, 1), 0, "statutory"},
		{"zero principal", "5online", Business, 0, D(2025, 1, 1), D(2025, 6, 1), 0, "statutory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, ex, err := mustPolicy(t, tt.pack).Interest(InterestInput{Customer: tt.customer, Principal: tt.principal, From: tt.from, To: tt.to})
			if err != nil {
				t.Fatal(err)
			}
			if res.Amount != tt.want || res.Basis != tt.basis {
				t.Errorf("interest = %s (%s), want %s (%s)\n%s", res.Amount, res.Basis, tt.want, tt.basis, ex.Text())
			}
		})
	}
	cp := mustPolicy(t, "cloudprovider")
	if _, _, err := cp.Interest(InterestInput{Customer: Business, Principal: 100, From: D(2025, 2, 1), To: D(2025, 1, 1)}); err == nil {
		t.Error("period ending before it starts accepted")
	}
	if _, _, err := cp.Interest(InterestInput{Customer: Business, Principal: 100, From: D(2010, 1, 1), To: D(2011, 1, 1)}); err == nil {
		t.Error("period before the rate table accepted")
	}
	if _, _, err := cp.Interest(InterestInput{Customer: Business, Principal: -100, From: D(2025, 1, 1), To: D(2025, 2, 1)}); err == nil {
		t.Error("negative principal accepted")
	}
}

// Properties: interest is zero over an empty period, never decreases as the period
// grows, and grows strictly over long enough stretches.
func TestInterestProperties(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	for _, pack := range []string{"cloudprovider", "5online"} {
		p := mustPolicy(t, pack)
		for _, kind := range []CustomerKind{Consumer, Business} {
			if p.serves(kind) != nil {
				continue
			}
			for i := 0; i < 200; i++ {
				principal := Money(rng.Int63n(10_000_000) + 100)
				from := D(2015, 1, 1).AddDays(rng.Intn(3650))
				zero, _, err := p.Interest(InterestInput{Customer: kind, Principal: principal, From: from, To: from})
				if err != nil || zero.Amount != 0 {
					t.Fatalf("empty period: %s, %v", zero.Amount, err)
				}
				prev := Money(0)
				for days := 1; days <= 800; days += 1 + rng.Intn(60) {
					res, _, err := p.Interest(InterestInput{Customer: kind, Principal: principal, From: from, To: from.AddDays(days)})
					if err != nil {
						t.Fatal(err)
					}
					if res.Amount < prev {
						t.Fatalf("%s %s %s from %s: %d days gives %s, less than %s before", pack, kind, principal, from, days, res.Amount, prev)
					}
					prev = res.Amount
				}
				if prev == 0 {
					t.Fatalf("%s %s: no interest on %s over two years", pack, kind, principal)
				}
			}
		}
	}
}

func TestCollectionCosts(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	tests := []struct {
		principal, want Money
	}{
		{42500, 6375},       // 15% of 425.00
		{10000, 4000},       // minimum €40
		{26667, 4000},       // 40.0005 rounds to the minimum
		{26700, 4005},       // just above the minimum
		{250000, 37500},     // end of the first bracket
		{300000, 42500},     // 375 + 10% of 500
		{1000000, 87500},    // 375 + 250 + 250
		{20000000, 277500},  // + 1% of 190,000
		{100000000, 677500}, // + 0.5% of 800,000 = the maximum
		{500000000, 677500}, // capped
		{12345, 4000},
		{333333, 45833}, // 375 + 83.3333 → 458.33
	}
	for _, tt := range tests {
		res, ex, err := cp.CollectionCosts(CollectionInput{Principal: tt.principal})
		if err != nil || res.Amount != tt.want {
			t.Errorf("collection costs on %s = %s (%v), want %s\n%s", tt.principal, res.Amount, err, tt.want, ex.Text())
		}
	}
	res, _, _ := cp.CollectionCosts(CollectionInput{Principal: 42500, Customer: Business, ActualCosts: 12000})
	if res.Amount != 12000 || res.Basis != "actual" {
		t.Errorf("business actual costs = %+v", res)
	}
	res, _, _ = mustPolicy(t, "5online").CollectionCosts(CollectionInput{Principal: 42500, Customer: Business, ActualCosts: 12000})
	if res.Amount != 6375 {
		t.Errorf("5online charges the scale: %+v", res)
	}
	if _, _, err := cp.CollectionCosts(CollectionInput{Principal: 0}); err == nil {
		t.Error("zero principal accepted")
	}
}

func TestDeposit(t *testing.T) {
	res, _, err := mustPolicy(t, "5online").Deposit(100001)
	if err != nil || res.Deposit != 50001 || res.Balance != 50000 {
		t.Errorf("deposit = %+v, %v", res, err)
	}
	res, _, _ = mustPolicy(t, "cloudprovider").Deposit(100000)
	if res.Deposit != 0 || res.Balance != 100000 {
		t.Errorf("cp has no deposit: %+v", res)
	}
}

func TestVAT(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	tests := []struct {
		country, category string
		on                Date
		want              Rate
		ok                bool
	}{
		{"NL", VATStandard, D(2025, 6, 1), 2100, true},
		{"nl", VATReduced, D(2018, 12, 31), 600, true},
		{"NL", VATReduced, D(2019, 1, 1), 900, true},
		{"NL", VATZero, D(2025, 6, 1), 0, true},
		{"DE", VATStandard, D(2025, 6, 1), 1900, true},
		{"FI", VATStandard, D(2024, 8, 31), 2400, true},
		{"FI", VATStandard, D(2024, 9, 1), 2550, true},
		{"NL", "luxury", D(2025, 6, 1), 0, false},
		{"DE", VATReduced, D(2025, 6, 1), 0, false},
		{"US", VATStandard, D(2025, 6, 1), 0, false},
		{"NL", VATStandard, D(2010, 1, 1), 0, false},
	}
	for _, tt := range tests {
		got, _, err := cp.VATRate(tt.country, tt.category, tt.on)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("VATRate(%s, %s, %s) = %s, %v", tt.country, tt.category, tt.on, got, err)
		}
	}
	if got := VATAmount(1999, 2100); got != 420 { // 419.79 cents
		t.Errorf("VAT on 19.99 = %s", got)
	}
}

// TestStatedDueDatePrevails: a due date printed on the invoice is the due date
// (cp.av.14.1 "unless stated", fo.av.16.3); the reminder and default follow it.
func TestStatedDueDatePrevails(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	res, ex, err := cp.Payment(PaymentInput{Customer: Business, InvoiceDate: D(2026, 1, 15), StatedDue: D(2026, 1, 29)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Due != D(2026, 1, 29) || res.DefaultFrom != D(2026, 2, 13) || res.InterestFrom != D(2026, 1, 30) {
		t.Errorf("business %+v\n%s", res, ex.Text())
	}
	res, _, _ = cp.Payment(PaymentInput{Customer: Consumer, InvoiceDate: D(2026, 1, 15), StatedDue: D(2026, 1, 29)})
	if res.Due != D(2026, 1, 29) || res.Reminder != D(2026, 1, 30) {
		t.Errorf("consumer %+v", res)
	}
	if _, _, err := cp.Payment(PaymentInput{Customer: Business, InvoiceDate: D(2026, 1, 15), StatedDue: D(2026, 1, 14)}); err == nil {
		t.Error("a stated due date before the invoice date was accepted")
	}
}

// TestAllocatePayment: costs, then interest, then principal (art. 6:44 BW).
func TestAllocatePayment(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	tests := []struct {
		in   AllocationInput
		want AllocationResult
	}{
		{AllocationInput{Amount: 3000, Costs: 4000, Interest: 500, Principal: 10000}, AllocationResult{Costs: 3000}},
		{AllocationInput{Amount: 4200, Costs: 4000, Interest: 500, Principal: 10000}, AllocationResult{Costs: 4000, Interest: 200}},
		{AllocationInput{Amount: 6000, Costs: 4000, Interest: 500, Principal: 10000}, AllocationResult{Costs: 4000, Interest: 500, Principal: 1500}},
		{AllocationInput{Amount: 20000, Costs: 4000, Interest: 500, Principal: 10000}, AllocationResult{Costs: 4000, Interest: 500, Principal: 10000, Excess: 5500}},
	}
	for _, tt := range tests {
		got, ex, err := cp.AllocatePayment(tt.in)
		if err != nil || got != tt.want || len(ex) != 1 {
			t.Errorf("%+v: got %+v %v", tt.in, got, err)
		}
	}
}
