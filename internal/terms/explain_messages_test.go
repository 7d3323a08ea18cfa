package terms

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// allExplanations runs every rule of pol over inputs that take each branch the packs
// reach and returns the explanations by a name for failure messages.
func allExplanations(t *testing.T, pol *Policy) map[string]Explanation {
	t.Helper()
	out := map[string]Explanation{}
	add := func(name string, ex Explanation, err error) {
		if err != nil {
			t.Logf("%s: %v (skipped)", name, err)
			return
		}
		out[fmt.Sprintf("%03d %s", len(out), name)] = ex
	}
	start := D(2026, 1, 31)
	_, ex, err := pol.BillingPeriods(start, MustPeriod("P1M"))
	add("billing periods", ex, err)
	_, ex, err = pol.BillingPeriods(start, Period{})
	add("billing periods unpriced", ex, err)
	_, ex, err = pol.Prorate(ProrationInput{Amount: Euros(30), PeriodStart: D(2026, 3, 1), PeriodEnd: D(2026, 4, 1), From: D(2026, 3, 10), Until: D(2026, 4, 1)})
	add("prorate", ex, err)
	_, ex = pol.TermPrice(Euros(10), MustPeriod("P1M"))
	add("term price", ex, nil)
	_, ex = pol.TermPrice(Euros(100), Period{})
	add("term price whole", ex, nil)
	_, ex, err = pol.QuoteExpiry(D(2026, 3, 2))
	add("quote", ex, err)
	_, ex, err = pol.Renewals(start, 3)
	add("renewals", ex, err)
	for _, kind := range []CustomerKind{Consumer, Business} {
		for _, rec := range []Date{D(2026, 2, 10), D(2026, 12, 30), D(2027, 6, 1), D(2028, 3, 3)} {
			name := "cancellation " + string(kind) + " " + rec.String()
			res, ex, err := pol.Cancellation(CancellationInput{Customer: kind, Start: start, Received: rec})
			add(name, ex, err)
			if err != nil {
				continue
			}
			for _, b := range []BasisCancellationInput{
				{Basis: BasisPriceIncrease, Effective: rec.AddDays(40), Notice: MustPeriod("P1M")},
				{Basis: BasisPriceIncrease, Effective: rec.AddDays(40), AsOf: rec.AddDays(40)},
				{Basis: BasisPriceIncrease, Effective: rec.AddDays(40)},
				{Basis: BasisTermsChange, Effective: rec.AddDays(20)},
				{Basis: BasisForceMajeure, RightsFrom: rec.AddDays(-1)},
			} {
				b.Received, b.Ordinary = rec, res
				_, ex, err := pol.CancellationWithBasis(b)
				add(name+" "+string(b.Basis), ex, err)
			}
		}
	}
	concluded := D(2026, 3, 2)
	for _, w := range []WithdrawalInput{
		{Customer: Business, Concluded: concluded, Received: concluded.AddDays(3)},
		{Customer: Consumer, Concluded: concluded, Received: concluded.AddDays(30)},
		{Customer: Consumer, Concluded: D(2026, 4, 13), Received: D(2026, 4, 28)}, // last day on a holiday weekend
		{Customer: Consumer, Concluded: concluded, Received: concluded.AddDays(3), Domain: true, Waived: true},
		{Customer: Consumer, Concluded: concluded, Received: concluded.AddDays(3), Domain: true},
		{Customer: Consumer, Concluded: concluded, Received: concluded.AddDays(5), ServiceStarted: concluded, Price: Euros(120), Invoiced: Euros(120), Paid: Euros(120)},
		{Customer: Consumer, Concluded: concluded, Received: concluded.AddDays(5), ServiceStarted: concluded, Price: Euros(120), Invoiced: Euros(120), Paid: Money(50)},
		{Customer: Consumer, Concluded: concluded, Received: concluded.AddDays(5), Price: Euros(120), Invoiced: Euros(120)},
	} {
		_, ex, err := pol.Withdrawal(w)
		add("withdrawal "+w.Received.String(), ex, err)
	}
	_, ex, err = pol.PriceIncrease(PriceIncreaseInput{ContractStart: D(2025, 1, 1), PreviousIncreases: []Date{D(2026, 1, 1)},
		Announced: D(2026, 3, 1), Effective: D(2026, 5, 1), Increase: Percent(3), Index: Percent(4)})
	add("price increase", ex, err)
	_, ex, err = pol.TermsChange(D(2026, 3, 1))
	add("terms change", ex, err)
	for _, raise := range []bool{true, false} {
		_, ex, err = pol.PlanChange(start, D(2026, 6, 15), raise)
		add("plan change", ex, err)
	}
	for _, kind := range []CustomerKind{Consumer, Business} {
		_, ex, err = pol.Payment(PaymentInput{Customer: kind, InvoiceDate: D(2026, 3, 2)})
		add("payment "+string(kind), ex, err)
		_, ex, err = pol.Payment(PaymentInput{Customer: kind, InvoiceDate: D(2026, 3, 2), StatedDue: D(2026, 4, 30)})
		add("payment stated "+string(kind), ex, err)
		_, ex, err = pol.Interest(InterestInput{Customer: kind, Principal: Euros(1000), From: D(2024, 3, 1), To: D(2026, 3, 1)})
		add("interest "+string(kind), ex, err)
		_, ex, err = pol.Interest(InterestInput{Customer: kind, Principal: Euros(1000), From: D(2026, 3, 1), To: D(2026, 3, 1)})
		add("interest empty "+string(kind), ex, err)
		for _, p := range []Money{Euros(100), Euros(5000), Euros(1_000_000)} {
			_, ex, err = pol.CollectionCosts(CollectionInput{Principal: p, Customer: kind, ActualCosts: Euros(80)})
			add("collection "+string(kind), ex, err)
		}
		_, ex, err = pol.LiabilityCap(LiabilityInput{Customer: kind, AnnualFees: Euros(500), AgreementFees: Euros(900), AgreementMonths: 3, PaidLast6Months: Euros(300)})
		add("liability "+string(kind), ex, err)
		_, ex, err = pol.LiabilityCap(LiabilityInput{Customer: kind, AnnualFees: Euros(500), AgreementFees: Euros(900), AgreementMonths: 30, PaidLast6Months: Euros(300)})
		add("liability long "+string(kind), ex, err)
	}
	_, _, ex = pol.ReminderPayBy(D(2026, 4, 20))
	add("reminder", ex, nil)
	_, ex, err = pol.Deposit(Euros(1000))
	add("deposit", ex, err)
	_, ex, err = pol.AllocatePayment(AllocationInput{Amount: Euros(100), Costs: Euros(40), Interest: Euros(5), Principal: Euros(500)})
	add("allocation", ex, err)
	_, ex, err = pol.DirectDebitDate(DirectDebitInput{Today: D(2026, 12, 18), InvoiceDate: D(2026, 12, 18)})
	add("direct debit", ex, err)
	_, ex, err = pol.DirectDebitDate(DirectDebitInput{Today: D(2026, 3, 2), Requested: D(2026, 3, 31)})
	add("direct debit requested", ex, err)
	_, ex, err = pol.MandateValidThrough(D(2026, 3, 2))
	add("mandate", ex, err)
	_, ex, err = pol.RefundWarningDate(D(2026, 3, 31))
	add("refund warning", ex, err)
	for _, in := range []SLAInput{{DowntimeMinutes: 130, MonthlyFee: Euros(50)}, {DowntimeMinutes: 130, YearlyFee: Euros(600)}, {DowntimeMinutes: 500, MonthlyFee: Euros(50), Breach: true}} {
		_, ex, err = pol.SLACredit(in)
		add("sla credit", ex, err)
	}
	_, ex, err = pol.Availability(D(2026, 3, 1), 45)
	add("availability", ex, err)
	_, ex, err = pol.SLAClaimDeadline(time.Date(2026, 3, 3, 14, 5, 0, 0, time.UTC))
	add("sla claim", ex, err)
	for _, starts := range []time.Time{time.Date(2026, 3, 20, 22, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 22, 0, 0, 0, time.UTC)} {
		_, ex, err = pol.MaintenanceNotice(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), starts)
		add("maintenance", ex, err)
	}
	_, ex, err = pol.FairUse(FairUseInput{Usage: 100, Peers: []int64{1}})
	add("fair use few", ex, err)
	peers := make([]int64, 50)
	for i := range peers {
		peers[i] = int64(10 + i)
	}
	_, ex, err = pol.FairUse(FairUseInput{Usage: 1000, Peers: peers})
	add("fair use", ex, err)
	for _, u := range []int64{40, 1000} {
		ps := []*big.Rat{big.NewRat(10, 1), big.NewRat(12, 1), big.NewRat(21, 2), big.NewRat(9, 1), big.NewRat(11, 1), big.NewRat(13, 1)}
		_, ex, err = pol.FairUseAmounts(big.NewRat(u, 1), ps)
		add("fair use amounts", ex, err)
	}
	for _, in := range []UsageInput{{Resource: ResourceTraffic, Month: "2026-03", Used: 90 * BytesPerGB, Limit: 100 * BytesPerGB},
		{Resource: ResourceStorage, Month: "2026-03", Used: 9 * BytesPerGB, Unlimited: true},
		{Resource: ResourceTraffic, Month: "2026-03", Used: 123_456_789_012, Limit: 100 * BytesPerGB}} {
		_, ex, err = pol.UsageThresholds(in)
		add("usage thresholds", ex, err)
		_, ex, err = pol.OverageCharge(in)
		add("overage", ex, err)
	}
	for _, proc := range pol.Processes() {
		_, ex, err = pol.Deadline(proc, D(2026, 4, 24))
		add("deadline "+proc, ex, err)
	}
	for _, cat := range pol.RetentionCategories() {
		_, ex, err = pol.Retention(cat, D(2026, 3, 2))
		add("retention "+cat, ex, err)
	}
	_, ex, err = pol.Audit(AuditInput{Announced: D(2026, 3, 2), Proposed: D(2026, 4, 1), Previous: D(2025, 6, 1)})
	add("audit", ex, err)
	_, ex, err = pol.AuditSchedule(AuditScheduleInput{Requested: D(2026, 3, 2), Previous: []Date{D(2025, 6, 1)}, Proposed: D(2026, 4, 1)})
	add("audit schedule", ex, err)
	_, ex, err = pol.AuditSchedule(AuditScheduleInput{Requested: D(2026, 3, 2), Proposed: D(2026, 8, 1)})
	add("audit schedule ok", ex, err)
	for _, c := range []string{"NL", "DE"} {
		_, ex, err = pol.VATRate(c, VATStandard, D(2026, 3, 2))
		add("vat "+c, ex, err)
	}
	esc := pol.Escalation()
	_, st := esc.Suspension(D(2026, 3, 2))
	add("suspension", Explanation{st}, nil)
	_, st = esc.Termination("suspension", D(2026, 3, 2))
	add("termination", Explanation{st}, nil)
	return out
}

// englishWords are words that never occur in a Dutch sentence; finding one in the
// Dutch text of a keyed step means a value or a message was left in English.
var englishWords = regexp.MustCompile(`\b(the|and|after|before|within|which|month|months|days|year|years|invoice|customer|consumer's|business|refund|notice|period|through|until|from|is not|working)\b`)

// TestEveryRuleExplainsInBothLanguages: every step every rule produces has a key in
// the catalogue, renders in Dutch and English with all its arguments, and its Dutch
// text holds no English; the same holds after a JSON round trip (stored explanations).
func TestEveryRuleExplainsInBothLanguages(t *testing.T) {
	t.Parallel()
	used := map[string]bool{}
	for _, pack := range EmbeddedPackNames() {
		pol := mustPolicy(t, pack)
		exs := allExplanations(t, pol)
		names := make([]string, 0, len(exs))
		for n := range exs {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, name := range names {
			ex := exs[name]
			b, err := json.Marshal(ex)
			if err != nil {
				t.Fatal(err)
			}
			var stored Explanation
			if err := json.Unmarshal(b, &stored); err != nil {
				t.Fatal(err)
			}
			for i, s := range ex {
				where := pack + " " + name + " step " + s.Key
				if s.Key == "" {
					t.Errorf("%s %d has no key: %q", where, i, s.Says)
					continue
				}
				if !HasExplainMessage(s.Key) {
					t.Errorf("%s: key not in the catalogue", where)
					continue
				}
				used[s.Key] = true
				nl, en := s.Text("nl"), s.Text("en")
				for _, txt := range []string{nl, en} {
					if strings.Contains(txt, MissingArg) || strings.ContainsAny(txt, "{}") {
						t.Errorf("%s: unfilled placeholder in %q", where, txt)
					}
				}
				if m := englishWords.FindString(nl); m != "" {
					t.Errorf("%s: English %q in the Dutch text %q", where, m, nl)
				}
				if nl == en {
					t.Errorf("%s: Dutch and English are the same: %q", where, nl)
				}
				if got := stored[i].Text("nl"); got != nl {
					t.Errorf("%s: after JSON the Dutch text is %q, want %q", where, got, nl)
				}
				if got := stored[i].Text("en"); got != en {
					t.Errorf("%s: after JSON the English text is %q, want %q", where, got, en)
				}
			}
			if len(ex) > 0 && len(ex.Lead()) == 0 {
				t.Errorf("%s %s: no lead sentence", pack, name)
			}
		}
	}
	for _, k := range ExplainKeys() {
		if !used[k] && !labelKey(k) {
			t.Logf("catalogue key %s is not reached by the walk", k)
		}
	}
}

func labelKey(k string) bool {
	for _, g := range []string{"kind.", "basis.", "what.", "dunningfrom.", "vat.standard", "vat.reduced", "vat.zero", "process.", "retention.", "doc.", "service.", "resource."} {
		if strings.HasPrefix(k, g) && k != "retention" {
			return true
		}
	}
	return false
}

// TestExplainCatalogue: every message has both languages with the same placeholders,
// each with a known type or a label group the catalogue has.
func TestExplainCatalogue(t *testing.T) {
	t.Parallel()
	builtin := map[string]bool{"date": true, "time": true, "money": true, "period": true, "rate": true, "int": true, "text": true, "month": true}
	groups := map[string]bool{}
	for _, k := range ExplainKeys() {
		if g, _, ok := strings.Cut(k, "."); ok {
			groups[g] = true
		}
	}
	for _, k := range ExplainKeys() {
		m := explainMessages[k]
		if m.nl == "" || m.en == "" {
			t.Errorf("%s lacks a language", k)
		}
		phs := func(s string) string {
			out := placeholderRE.FindAllString(s, -1)
			sort.Strings(out)
			return strings.Join(out, " ")
		}
		if phs(m.nl) != phs(m.en) {
			t.Errorf("%s: placeholders differ: nl %s, en %s", k, phs(m.nl), phs(m.en))
		}
		for _, p := range placeholderRE.FindAllStringSubmatch(m.nl, -1) {
			if !builtin[p[2]] && !groups[p[2]] {
				t.Errorf("%s: unknown placeholder type %s", k, p[2])
			}
		}
	}
}

// TestStepTextFormats: values are written in the reader's language, and a step
// stored before keys existed reads as its Says.
func TestStepTextFormats(t *testing.T) {
	t.Parallel()
	s := Step{Key: "cancel.deadline", Args: StepArgs(kv{"deadline": D(2027, 11, 4), "ends": D(2027, 12, 4)})}
	if got, want := s.Text("nl"), "Je kunt opzeggen tot en met 4 november 2027; de dienst eindigt dan op 4 december 2027."; got != want {
		t.Errorf("nl = %q, want %q", got, want)
	}
	if got, want := s.Text("en"), "You can cancel up to and including 4 November 2027; the service then ends on 4 December 2027."; got != want {
		t.Errorf("en = %q, want %q", got, want)
	}
	r := Step{Key: "withdrawal.refund", Args: StepArgs(kv{"paid": Money(123456), "deduction": Money(0), "refund": Money(123456)})}
	if got := r.Text("nl"); !strings.Contains(got, "€ 1.234,56") {
		t.Errorf("nl money: %q", got)
	}
	if got := r.Text("en"); !strings.Contains(got, "€1,234.56") {
		t.Errorf("en money: %q", got)
	}
	p := Step{Key: "price.cancel_notice", Args: StepArgs(kv{"notice": MustPeriod("P3M")})}
	if got := p.Text("nl"); !strings.Contains(got, "3 maanden") {
		t.Errorf("nl period: %q", got)
	}
	old := Step{Clause: "x.y.1", Says: "An old English sentence."}
	if old.Text("nl") != old.Says || old.Text("en") != old.Says {
		t.Errorf("a step without a key reads as Says")
	}
	if got := (Step{Key: "cancel.deadline", Args: StepArgs(kv{"ends": D(2027, 12, 4)})}).Text("nl"); !strings.Contains(got, MissingArg) {
		t.Errorf("a missing argument is marked: %q", got)
	}
}
