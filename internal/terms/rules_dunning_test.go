package terms

import (
	"slices"
	"strings"
	"testing"
)

// TestEscalation: the warning before suspension and the delay before termination
// for non-payment are pack values on the clauses that allow them (cp.av.3.8,
// cp.av.13.10, fo.av.16.5.2, fo.av.20.4; INTERPRETATION.md, Payment).
func TestEscalation(t *testing.T) {
	tests := []struct {
		pack                     string
		suspendClause, endClause string
		suspendOn, terminateOn   Date
	}{
		{"cloudprovider", "cp.av.3.8", "cp.av.13.10", D(2026, 3, 10), D(2026, 4, 10)},
		{"5online", "fo.av.16.5.2", "fo.av.20.4", D(2026, 3, 10), D(2026, 4, 10)},
	}
	for _, tt := range tests {
		e := mustPolicy(t, tt.pack).Escalation()
		if !e.Suspend || !e.Terminate || !slices.Contains(e.SuspendClauses, tt.suspendClause) || !slices.Contains(e.TerminateClauses, tt.endClause) {
			t.Fatalf("%s: %+v", tt.pack, e)
		}
		on, step := e.Suspension(D(2026, 3, 3))
		if on != tt.suspendOn || !strings.Contains(step.Says, "7 days after the warning") || !strings.Contains(step.Clause, tt.suspendClause) {
			t.Errorf("%s suspension %s %+v", tt.pack, on, step)
		}
		on, step = e.Termination("suspension", on)
		if on != tt.terminateOn || !strings.Contains(step.Says, "1 month after the suspension") || !strings.Contains(step.Clause, tt.endClause) {
			t.Errorf("%s termination %s %+v", tt.pack, on, step)
		}
	}
}

// TestAccountCreditClausesFromThePack: 5online's invoices cite 5online's clauses.
func TestAccountCreditClausesFromThePack(t *testing.T) {
	if c := mustPolicy(t, "cloudprovider").AccountCreditClauses(); !slices.Contains(c, "cp.sla.compensation.5") {
		t.Errorf("cloudprovider: %v", c)
	}
	for _, c := range mustPolicy(t, "5online").AccountCreditClauses() {
		if !strings.HasPrefix(c, "fo.") {
			t.Errorf("5online cites %s", c)
		}
	}
}
