package terms

import (
	"errors"
	"math/big"
	"slices"
	"testing"
)

func gbs(xs ...string) []*big.Rat {
	out := make([]*big.Rat, len(xs))
	for i, x := range xs {
		out[i], _ = new(big.Rat).SetString(x)
	}
	return out
}

// TestFairUseAmounts: fo.av.12.3 with A20's reading — 2 × the mean of the other
// active customers, no action with fewer than 5 of them, exact comparison.
func TestFairUseAmounts(t *testing.T) {
	t.Parallel()
	fo := mustPolicy(t, "5online")
	tests := []struct {
		usage       string
		peers       []string
		over        bool
		limit, mean string
		action      string
	}{
		{"25", []string{"10", "12", "10.5", "9", "11", "13"}, true, "21.83", "10.92", "warn_first"},
		{"21.83", []string{"10", "12", "10.5", "9", "11", "13"}, false, "21.83", "10.92", "warn_first"}, // 21.8333… is the limit
		{"20", []string{"10", "10", "10", "10", "10"}, false, "20.00", "10.00", "warn_first"},           // at the limit is fair
		{"20.001", []string{"10", "10", "10", "10", "10"}, true, "20.00", "10.00", "warn_first"},
		{"1000", []string{"10", "10", "10", "10"}, false, "", "", "none"}, // 4 peers: no action possible
		{"0", []string{"0", "0", "0", "0", "0"}, false, "0.00", "0.00", "warn_first"},
	}
	for _, tt := range tests {
		u, _ := new(big.Rat).SetString(tt.usage)
		res, ex, err := fo.FairUseAmounts(u, gbs(tt.peers...))
		if err != nil {
			t.Fatal(err)
		}
		if res.OverLimit != tt.over || res.Limit != tt.limit || res.Mean != tt.mean || res.Action != tt.action {
			t.Errorf("usage %s peers %v: got %+v", tt.usage, tt.peers, res)
		}
		if !slices.Contains(ex.Clauses(), "fo.av.12.3") {
			t.Errorf("explanation cites %v", ex.Clauses())
		}
	}
	if _, _, err := fo.FairUseAmounts(big.NewRat(-1, 1), nil); err == nil {
		t.Error("negative usage accepted")
	}
	if _, _, err := mustPolicy(t, "cloudprovider").FairUseAmounts(big.NewRat(1, 1), gbs("1", "1", "1", "1", "1")); !errors.Is(err, ErrNotInTerms) {
		t.Errorf("cp fair use: %v", err)
	}
}

// TestOverageCharge: cp.av.9.4 — the part above the limit × the published price,
// exact to the cent; nothing at or below the limit or under an unlimited plan.
func TestOverageCharge(t *testing.T) {
	t.Parallel()
	cp := mustPolicy(t, "cloudprovider")
	price := cp.Terms.Usage.OveragePrices.TrafficGB
	tests := []struct {
		used, limit int64
		unlimited   bool
		over        string
		amount      Money
	}{
		{100 * BytesPerGB, 100 * BytesPerGB, false, "0.000", 0},
		{123_456_789_012, 100 * BytesPerGB, false, "23.457", RoundCents(new(big.Rat).Mul(big.NewRat(23_456_789_012, BytesPerGB), price.Rat()))},
		{150 * BytesPerGB, 100 * BytesPerGB, false, "50.000", price.Mul(50)},
		{500 * BytesPerGB, 0, true, "0.000", 0},
	}
	for _, tt := range tests {
		res, ex, err := cp.OverageCharge(UsageInput{Resource: ResourceTraffic, Month: "2026-03", Used: tt.used, Limit: tt.limit, Unlimited: tt.unlimited})
		if err != nil {
			t.Fatal(err)
		}
		if res.OverGB != tt.over || res.Amount != tt.amount {
			t.Errorf("used %d limit %d: got %+v, want %s GB %s", tt.used, tt.limit, res, tt.over, tt.amount)
		}
		if !slices.Contains(ex.Clauses(), "cp.av.9.4") {
			t.Errorf("explanation cites %v", ex.Clauses())
		}
	}
	// 23.456789012 GB × €0.50 = €11.728… → €11.73 (half up to the cent).
	if res, _, _ := cp.OverageCharge(UsageInput{Resource: ResourceTraffic, Month: "2026-03", Used: 123_456_789_012, Limit: 100 * BytesPerGB}); price == Money(50) && res.Amount != Money(1173) {
		t.Errorf("amount %s", res.Amount)
	}
	st, ex, err := cp.OverageCharge(UsageInput{Resource: ResourceStorage, Month: "2026-03", Used: 12 * BytesPerGB, Limit: 10 * BytesPerGB})
	if err != nil || st.Amount != cp.Terms.Usage.OveragePrices.StorageGB.Mul(2) || !slices.Contains(ex.Clauses(), "cp.av.5.11") {
		t.Errorf("storage: %+v %v %v", st, ex.Clauses(), err)
	}
	if _, _, err := mustPolicy(t, "5online").OverageCharge(UsageInput{Resource: ResourceTraffic, Used: 2, Limit: 1}); !errors.Is(err, ErrNotInTerms) {
		t.Errorf("5online overage: %v", err)
	}
	if _, _, err := cp.OverageCharge(UsageInput{Resource: "cpu", Used: 2, Limit: 1}); err == nil {
		t.Error("unknown resource accepted")
	}
}

// TestUsageThresholds: warned at 80% and at 100% of the limit, never under an
// unlimited plan.
func TestUsageThresholds(t *testing.T) {
	t.Parallel()
	cp := mustPolicy(t, "cloudprovider")
	tests := []struct {
		used    int64
		reached []int
		over    bool
	}{
		{79 * BytesPerGB, nil, false},
		{80 * BytesPerGB, []int{80}, false},
		{100 * BytesPerGB, []int{80, 100}, false},
		{100*BytesPerGB + 1, []int{80, 100}, true},
	}
	for _, tt := range tests {
		res, _, err := cp.UsageThresholds(UsageInput{Resource: ResourceTraffic, Month: "2026-03", Used: tt.used, Limit: 100 * BytesPerGB})
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(res.Reached, tt.reached) || res.Over != tt.over {
			t.Errorf("used %d: %+v", tt.used, res)
		}
	}
	res, _, err := cp.UsageThresholds(UsageInput{Resource: ResourceTraffic, Used: 1 << 50, Unlimited: true})
	if err != nil || !res.Unlimited || res.Over || len(res.Reached) > 0 {
		t.Errorf("unlimited: %+v %v", res, err)
	}
	if _, _, err := cp.UsageThresholds(UsageInput{Resource: ResourceTraffic, Used: 1, Limit: 0}); err == nil {
		t.Error("a limit of 0 without unlimited was accepted")
	}
}
