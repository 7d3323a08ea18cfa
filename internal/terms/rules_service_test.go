package terms

import (
	"errors"
	"testing"
)

func TestSLACredit(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	tests := []struct {
		reading string
		minutes int
		pct     int
	}{
		// The worked examples of INTERPRETATION.md (A01, favourable reading).
		{"", 0, 0}, {"", 44, 0}, {"", 45, 20}, {"", 104, 20}, {"", 105, 40}, {"", 165, 60},
		{"", 225, 80}, {"", 285, 100}, {"", 10000, 100},
		{SLALiteral, 44, 0}, {SLALiteral, 45, 0}, {SLALiteral, 104, 0}, {SLALiteral, 105, 20},
		{SLALiteral, 285, 80}, {SLALiteral, 345, 100},
		{SLAFullHours, 45, 0}, {SLAFullHours, 59, 0}, {SLAFullHours, 60, 20}, {SLAFullHours, 119, 20},
		{SLAFullHours, 120, 40}, {SLAFullHours, 300, 100},
	}
	for _, tt := range tests {
		res, ex, err := cp.SLACredit(SLAInput{DowntimeMinutes: tt.minutes, MonthlyFee: 2500, Reading: tt.reading})
		if err != nil || res.Percent != tt.pct || res.Amount != Money(25*tt.pct) {
			t.Errorf("%s D=%d: %d%% %s (%v), want %d%%\n%s", tt.reading, tt.minutes, res.Percent, res.Amount, err, tt.pct, ex.Text())
		}
	}
	res, _, _ := cp.SLACredit(SLAInput{DowntimeMinutes: 50, MonthlyFee: 1234})
	if res.Amount != 247 { // 20% of 12.34 = 2.468
		t.Errorf("rounding: %s", res.Amount)
	}
	res, _, _ = cp.SLACredit(SLAInput{DowntimeMinutes: 50, YearlyFee: 10000}) // 20% of 100.00 / 12 = 1.6667
	if res.Amount != 167 {
		t.Errorf("yearly fee: %s", res.Amount)
	}
	res, _, _ = cp.SLACredit(SLAInput{DowntimeMinutes: 500, MonthlyFee: 1234, Breach: true})
	if res.Percent != 0 || res.Amount != 0 {
		t.Errorf("breach does not void: %+v", res)
	}
	if _, _, err := cp.SLACredit(SLAInput{DowntimeMinutes: 50, MonthlyFee: 100, Reading: "generous"}); err == nil {
		t.Error("unknown reading accepted")
	}
	if _, _, err := cp.SLACredit(SLAInput{DowntimeMinutes: -1, MonthlyFee: 100}); err == nil {
		t.Error("negative downtime accepted")
	}
	if _, _, err := mustPolicy(t, "5online").SLACredit(SLAInput{DowntimeMinutes: 50, MonthlyFee: 100}); !errors.Is(err, ErrNotInTerms) {
		t.Errorf("5online SLA: %v", err)
	}
}

// Properties: under every reading the credit never decreases as downtime grows and
// never exceeds 100% (or the fee).
func TestSLACreditProperties(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	for _, reading := range SLAReadings {
		prev := -1
		for d := 0; d <= 2000; d++ {
			res, _, err := cp.SLACredit(SLAInput{DowntimeMinutes: d, MonthlyFee: 99999, Reading: reading})
			if err != nil {
				t.Fatal(err)
			}
			if res.Percent < prev {
				t.Fatalf("%s: %d minutes gives %d%%, less than %d%% for one minute less", reading, d, res.Percent, prev)
			}
			if res.Percent > 100 || res.Amount > 99999 {
				t.Fatalf("%s: %d minutes gives %d%% = %s", reading, d, res.Percent, res.Amount)
			}
			prev = res.Percent
		}
		if prev != 100 {
			t.Errorf("%s: never reaches 100%%", reading)
		}
	}
}

func TestAvailability(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	res, _, err := cp.Availability(D(2025, 2, 10), 41)
	if err != nil || res.Met || res.MonthMinutes != 40320 || res.AllowedMinutes != "40.3" {
		t.Errorf("February 41 minutes = %+v, %v", res, err)
	}
	res, _, _ = cp.Availability(D(2025, 1, 10), 44)
	if !res.Met {
		t.Errorf("January 44 minutes = %+v", res)
	}
}

func TestFairUse(t *testing.T) {
	fo := mustPolicy(t, "5online")
	tests := []struct {
		usage     int64
		peers     []int64
		action    bool
		threshold int64
		exceeded  bool
	}{
		{1000, []int64{10, 10, 10, 10}, false, 0, false},
		{60, []int64{10, 20, 30, 40, 50}, true, 60, false},
		{61, []int64{10, 20, 30, 40, 50}, true, 60, true},
		{2, []int64{1, 1, 1, 1, 2}, true, 2, false}, // threshold 2.4
		{3, []int64{1, 1, 1, 1, 2}, true, 2, true},
		{0, []int64{0, 0, 0, 0, 0}, true, 0, false},
	}
	for _, tt := range tests {
		res, ex, err := fo.FairUse(FairUseInput{Usage: tt.usage, Peers: tt.peers})
		if err != nil || res.Action != tt.action || res.Threshold != tt.threshold || res.Exceeded != tt.exceeded {
			t.Errorf("FairUse(%d, %v) = %+v, %v\n%s", tt.usage, tt.peers, res, err, ex.Text())
		}
		if res.WarningsRequired != 1 {
			t.Errorf("warnings = %d", res.WarningsRequired)
		}
	}
	if _, _, err := mustPolicy(t, "cloudprovider").FairUse(FairUseInput{Usage: 1, Peers: []int64{1, 1, 1, 1, 1}}); !errors.Is(err, ErrNotInTerms) {
		t.Errorf("cp fair use: %v", err)
	}
}

func TestLiabilityCap(t *testing.T) {
	tests := []struct {
		name   string
		pack   string
		in     LiabilityInput
		capped bool
		cap    Money
	}{
		{"cp below the cap", "cloudprovider", LiabilityInput{Customer: Business, AnnualFees: 80000}, true, 80000},
		{"cp above the cap", "cloudprovider", LiabilityInput{Customer: Business, AnnualFees: 500000}, true, 100000},
		{"cp consumer", "cloudprovider", LiabilityInput{Customer: Consumer, AnnualFees: 500000}, false, 0},
		{"fo short agreement", "5online", LiabilityInput{Customer: Business, AgreementFees: 400000, AgreementMonths: 3}, true, 400000},
		{"fo six months is not more than six", "5online", LiabilityInput{Customer: Business, AgreementFees: 1200000, AgreementMonths: 6, PaidLast6Months: 100}, true, 1000000},
		{"fo long agreement", "5online", LiabilityInput{Customer: Business, AgreementFees: 2000000, AgreementMonths: 12, PaidLast6Months: 300000}, true, 300000},
		{"fo long agreement capped", "5online", LiabilityInput{Customer: Business, AgreementFees: 2000000, AgreementMonths: 24, PaidLast6Months: 1500000}, true, 1000000},
	}
	for _, tt := range tests {
		res, ex, err := mustPolicy(t, tt.pack).LiabilityCap(tt.in)
		if err != nil || res.Capped != tt.capped || res.Cap != tt.cap {
			t.Errorf("%s: %+v, %v\n%s", tt.name, res, err, ex.Text())
		}
	}
}

func TestDeadlines(t *testing.T) {
	tests := []struct {
		pack, process string
		from, want    Date
	}{
		{"cloudprovider", "complaint", D(2025, 4, 30), D(2025, 5, 8)},   // 5 May
		{"cloudprovider", "complaint", D(2025, 4, 24), D(2025, 5, 1)},   // King's Day on Saturday
		{"cloudprovider", "ntd", D(2025, 4, 18), D(2025, 4, 23)},        // received on Good Friday
		{"cloudprovider", "ntd", D(2023, 4, 26), D(2023, 5, 1)},         // King's Day on Thursday
		{"cloudprovider", "ntd-urgent", D(2025, 5, 28), D(2025, 5, 30)}, // Ascension
		{"cloudprovider", "disclosure-ack", D(2025, 6, 6), D(2025, 6, 10)},
		{"cloudprovider", "disclosure-assessment", D(2025, 12, 23), D(2025, 12, 30)},
		{"cloudprovider", "disclosure-fix", D(2025, 1, 1), D(2025, 3, 2)},
		{"cloudprovider", "dsar", D(2025, 1, 31), D(2025, 2, 28)},
		{"cloudprovider", "dsar", D(2024, 1, 31), D(2024, 2, 29)},
		{"cloudprovider", "subprocessor-objection", D(2025, 2, 20), D(2025, 3, 6)},
		{"cloudprovider", "audit-notice", D(2025, 2, 20), D(2025, 3, 6)},
		{"cloudprovider", "damage-report", D(2025, 2, 1), D(2025, 3, 3)},
		{"cloudprovider", "force-majeure", D(2025, 1, 1), D(2025, 4, 1)},
		{"cloudprovider", "overpayment-refund", D(2025, 1, 31), D(2025, 3, 2)},
		{"cloudprovider", "sla-claim", D(2025, 2, 20), D(2025, 3, 7)},
		{"5online", "ntd", D(2025, 4, 17), D(2025, 4, 23)},
		{"5online", "subprocessor-objection", D(2025, 2, 20), D(2025, 3, 6)},
		{"5online", "force-majeure", D(2024, 11, 30), D(2025, 2, 28)},
		{"5online", "delivery-acceptance", D(2025, 1, 1), D(2025, 1, 15)},
	}
	for _, tt := range tests {
		res, ex, err := mustPolicy(t, tt.pack).Deadline(tt.process, tt.from)
		if err != nil || res.Deadline != tt.want {
			t.Errorf("%s %s from %s = %s (%v), want %s\n%s", tt.pack, tt.process, tt.from, res.Deadline, err, tt.want, ex.Text())
		}
	}
	for _, process := range []string{"complaint", "nosuch"} {
		if _, _, err := mustPolicy(t, "5online").Deadline(process, D(2025, 1, 1)); !errors.Is(err, ErrNotInTerms) {
			t.Errorf("5online %s: %v", process, err)
		}
	}
}

func TestRetention(t *testing.T) {
	tests := []struct {
		pack, category string
		from, want     Date
	}{
		{"cloudprovider", "account-data", D(2025, 8, 31), D(2026, 2, 28)},
		{"cloudprovider", "server-logs", D(2025, 2, 1), D(2025, 3, 4)},
		{"cloudprovider", "hosting-data", D(2025, 1, 31), D(2025, 2, 28)},
		{"cloudprovider", "invoices", D(2025, 12, 31), D(2032, 12, 31)},
		{"cloudprovider", "job-applications", D(2024, 1, 30), D(2024, 2, 29)},
		{"5online", "customer-data", D(2025, 3, 1), D(2025, 3, 1)},
		{"5online", "invoices", D(2024, 12, 31), D(2031, 12, 31)},
	}
	for _, tt := range tests {
		res, ex, err := mustPolicy(t, tt.pack).Retention(tt.category, tt.from)
		if err != nil || res.Until != tt.want {
			t.Errorf("%s %s from %s = %s (%v), want %s", tt.pack, tt.category, tt.from, res.Until, err, tt.want)
		}
		if len(ex) != 1 || (ex[0].Clause == "" && ex[0].Reading == "") {
			t.Errorf("explanation lacks a basis: %+v", ex)
		}
	}
	if _, _, err := mustPolicy(t, "cloudprovider").Retention("nosuch", D(2025, 1, 1)); !errors.Is(err, ErrNotInTerms) {
		t.Errorf("unknown category: %v", err)
	}
}

func TestAudit(t *testing.T) {
	cp, fo := mustPolicy(t, "cloudprovider"), mustPolicy(t, "5online")
	res, _, _ := cp.Audit(AuditInput{Announced: D(2025, 3, 1), Proposed: D(2025, 3, 14)})
	if res.Allowed || res.Earliest != D(2025, 3, 15) {
		t.Errorf("cp short notice: %+v", res)
	}
	res, _, _ = cp.Audit(AuditInput{Announced: D(2025, 3, 1), Proposed: D(2025, 4, 1), Previous: D(2024, 4, 2)})
	if res.Allowed || res.Earliest != D(2025, 4, 2) {
		t.Errorf("cp within 12 months: %+v", res)
	}
	res, _, _ = fo.Audit(AuditInput{Announced: D(2025, 3, 1), Proposed: D(2025, 3, 2), Previous: D(2024, 3, 1)})
	if !res.Allowed {
		t.Errorf("fo: %+v", res)
	}
}

// Every step of every explanation names a clause and a value.
func TestExplanationsCiteClauses(t *testing.T) {
	cp := mustPolicy(t, "cloudprovider")
	_, ex1, _ := cp.Payment(PaymentInput{Customer: Consumer, InvoiceDate: D(2025, 3, 26)})
	_, ex2, _ := cp.Interest(InterestInput{Customer: Business, Principal: 100000, From: D(2023, 3, 1), To: D(2025, 3, 15)})
	_, ex3, _ := cp.CollectionCosts(CollectionInput{Principal: 300000})
	_, ex4, _ := cp.SLACredit(SLAInput{DowntimeMinutes: 500, MonthlyFee: 1000, Breach: true})
	_, ex5, _ := cp.Cancellation(CancellationInput{Customer: Business, Start: D(2024, 1, 1), Received: D(2025, 6, 1)})
	for i, ex := range []Explanation{ex1, ex2, ex3, ex4, ex5} {
		if len(ex) == 0 {
			t.Errorf("explanation %d is empty", i)
		}
		for _, s := range ex {
			if s.Clause == "" || s.Says == "" || s.Value == "" {
				t.Errorf("explanation %d has an incomplete step: %+v", i, s)
			}
		}
		if len(ex.Clauses()) == 0 || ex.Text() == "" {
			t.Errorf("explanation %d renders nothing", i)
		}
	}
}
