package sla_test

import (
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestMonthExplainsInBothLanguages: every step of a month's explanation (outages,
// exclusions, overdue invoices, D, the credit) is keyed and reads in Dutch with Dutch
// words and formats, also for a kind whose components count only when all targets are
// down (webhosting's dns).
func TestMonthExplainsInBothLanguages(t *testing.T) {
	t.Parallel()
	cp := policy(t, "cloudprovider")
	start := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	outage := minutes(".", 60) + minutes("x", 107) + minutes(".", 60)
	for kind, comp := range map[string]string{"webhosting": "imap", "vps": "network"} {
		var checks []sla.Check
		checks = append(checks, series(comp, "t1", "ams1", start, outage)...)
		checks = append(checks, series(comp, "t1", "fra1", start, outage)...)
		in := sla.MonthInput{Kind: kind, Month: sla.Month{Year: 2026, Month: time.March}, Checks: checks, MonthlyFee: 2500,
			Exclusions:   []sla.Exclusion{{From: start.Add(90 * time.Minute), To: start.Add(120 * time.Minute), Reason: "maintenance-announced"}},
			OpenInvoices: []sla.Interval{{From: start.Add(-48 * time.Hour), To: start.Add(-24 * time.Hour)}}}
		_, ex, err := sla.Compute(cp, in)
		if err != nil {
			t.Fatal(err)
		}
		keys := map[string]bool{}
		for _, s := range ex {
			if s.Key == "" || !terms.HasExplainMessage(s.Key) {
				t.Errorf("%s: step %q has no catalogued key (%q)", kind, s.Says, s.Key)
				continue
			}
			keys[s.Key] = true
			nl, en := s.Text("nl"), s.Text("en")
			if strings.Contains(nl, terms.MissingArg) || strings.Contains(en, terms.MissingArg) || strings.ContainsAny(nl+en, "{}") {
				t.Errorf("%s: unfilled placeholder: %q / %q", kind, nl, en)
			}
			if nl == en {
				t.Errorf("%s: %s reads the same in both languages: %q", kind, s.Key, nl)
			}
		}
		for _, k := range []string{"sla.month.excluded", "sla.month.overdue", "sla.month.counted"} {
			if !keys[k] {
				t.Errorf("%s: no %s step", kind, k)
			}
		}
		if kind == "webhosting" && !keys["sla.month.outages_all"] {
			t.Errorf("webhosting: dns counts only when all targets are down, but the step does not say so")
		}
		if nl := ex.In("nl"); !strings.Contains(nl, "maart 2026") || !strings.Contains(nl, "minuten") {
			t.Errorf("%s: Dutch month or minutes missing: %s", kind, nl)
		}
		if en := ex.In("en"); !strings.Contains(en, "March 2026") {
			t.Errorf("%s: English month missing: %s", kind, en)
		}
	}
}
