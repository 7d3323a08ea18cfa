package terms

import (
	"errors"
	"strings"
	"testing"
)

func TestCancellationWithBasis(t *testing.T) {
	// A business contract started on 2026-01-15 (first renewal 2027-01-15).
	start := D(2026, 1, 15)
	ordinary := func(t *testing.T, pol *Policy, received Date) CancellationResult {
		res, _, err := pol.Cancellation(CancellationInput{Customer: Business, Start: start, Received: received})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	tests := []struct {
		name     string
		pack     string
		in       BasisCancellationInput
		ends     Date
		deadline Date // zero: the ordinary deadline
		clauses  func(p *Policy) []string
		says     string
		badField string
	}{
		{name: "price increase: one month's notice is earlier", pack: "cloudprovider",
			in:   BasisCancellationInput{Basis: BasisPriceIncrease, Received: D(2026, 3, 31), Effective: D(2026, 6, 1), Notice: MustPeriod("P1M")},
			ends: D(2026, 4, 30), deadline: D(2026, 3, 31), clauses: func(p *Policy) []string { return p.Terms.PriceIncrease.Clauses }, says: "1 month notice"},
		{name: "price increase: the ordinary end is earlier", pack: "cloudprovider",
			in:   BasisCancellationInput{Basis: BasisPriceIncrease, Received: D(2026, 10, 1), Effective: D(2027, 2, 1), Notice: MustPeriod("P6M")},
			ends: D(2027, 1, 15), clauses: func(p *Policy) []string { return p.Terms.PriceIncrease.Clauses }, says: "6 months notice"},
		{name: "price increase: as of the day it applies", pack: "5online",
			in:   BasisCancellationInput{Basis: BasisPriceIncrease, Received: D(2026, 5, 2), Effective: D(2026, 5, 31), AsOf: D(2026, 5, 31)},
			ends: D(2026, 5, 31), deadline: D(2026, 5, 2), clauses: func(p *Policy) []string { return p.Terms.PriceIncrease.Clauses }, says: "as of the day it applies"},
		{name: "price increase: too late", pack: "cloudprovider",
			in:       BasisCancellationInput{Basis: BasisPriceIncrease, Received: D(2026, 6, 2), Effective: D(2026, 6, 1), Notice: MustPeriod("P1M")},
			badField: "basis"},
		{name: "terms change: as of the day they take effect", pack: "cloudprovider",
			in:   BasisCancellationInput{Basis: BasisTermsChange, Received: D(2026, 9, 10), Effective: D(2026, 10, 1), AsOf: D(2026, 10, 1)},
			ends: D(2026, 10, 1), deadline: D(2026, 9, 10), clauses: func(p *Policy) []string { return p.Terms.TermsChange.Clauses }, says: "new terms"},
		{name: "terms change: the effective day when no day is stored", pack: "5online",
			in:   BasisCancellationInput{Basis: BasisTermsChange, Received: D(2026, 9, 10), Effective: D(2026, 10, 1)},
			ends: D(2026, 10, 1), deadline: D(2026, 9, 10), clauses: func(p *Policy) []string { return p.Terms.TermsChange.Clauses }, says: "new terms"},
		{name: "terms change: the new terms apply already", pack: "cloudprovider",
			in:       BasisCancellationInput{Basis: BasisTermsChange, Received: D(2026, 10, 1), Effective: D(2026, 10, 1), AsOf: D(2026, 10, 1)},
			badField: "basis"},
		{name: "force majeure beyond its period: at once", pack: "cloudprovider",
			in:   BasisCancellationInput{Basis: BasisForceMajeure, Received: D(2026, 7, 1), RightsFrom: D(2026, 6, 30)},
			ends: D(2026, 7, 1), deadline: D(2026, 7, 1), clauses: func(p *Policy) []string { return p.Terms.Deadlines["force-majeure"].Clauses }, says: "90 days"},
		{name: "force majeure of 5online: three months", pack: "5online",
			in:   BasisCancellationInput{Basis: BasisForceMajeure, Received: D(2026, 7, 1), RightsFrom: D(2026, 6, 2)},
			ends: D(2026, 7, 1), deadline: D(2026, 7, 1), clauses: func(p *Policy) []string { return p.Terms.Deadlines["force-majeure"].Clauses }, says: "3 months"},
		{name: "force majeure still within its period", pack: "cloudprovider",
			in:       BasisCancellationInput{Basis: BasisForceMajeure, Received: D(2026, 6, 29), RightsFrom: D(2026, 6, 30)},
			badField: "basis"},
		{name: "force majeure that ended within its period", pack: "cloudprovider",
			in:       BasisCancellationInput{Basis: BasisForceMajeure, Received: D(2026, 7, 5), RightsFrom: D(2026, 6, 30), Ended: D(2026, 6, 1)},
			badField: "basis"},
		{name: "an unknown basis", pack: "cloudprovider",
			in: BasisCancellationInput{Basis: "whim", Received: D(2026, 7, 5)}, badField: "basis"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pol := mustPolicy(t, tt.pack)
			tt.in.Ordinary = ordinary(t, pol, tt.in.Received)
			res, ex, err := pol.CancellationWithBasis(tt.in)
			if tt.badField != "" {
				var ie *InputError
				if !errors.As(err, &ie) || ie.Field != tt.badField {
					t.Fatalf("err %v, want an input error on %s", err, tt.badField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := tt.deadline
			if want.IsZero() {
				want = tt.in.Ordinary.Deadline
			}
			if res.Ends != tt.ends || res.Deadline != want {
				t.Errorf("ends %s deadline %s, want %s %s (ordinary %s)", res.Ends, res.Deadline, tt.ends, want, tt.in.Ordinary.Ends)
			}
			if res.Renewed != res.Ends.After(res.FirstRenewal) {
				t.Errorf("renewed %v with end %s and first renewal %s", res.Renewed, res.Ends, res.FirstRenewal)
			}
			if len(ex) != 1 || ex[0].Clause != strings.Join(tt.clauses(pol), ", ") || ex[0].Value != tt.ends.String() ||
				!strings.Contains(strings.ReplaceAll(ex[0].Says, "'s", ""), tt.says) {
				t.Errorf("explanation %+v", ex)
			}
		})
	}
}
