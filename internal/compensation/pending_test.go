package compensation

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestPendingClaimsUseTheirIndex: the dashboard's pending claims are read along
// sla_claims_status on both engines, not by sorting every claim (issue 16).
func TestPendingClaimsUseTheirIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		plan := storetest.NoFullScan(t, db, []string{"sla_claims"}, pendingClaimsQuery, PendingClaimsMax)
		if text := strings.Join(plan, "\n"); !strings.Contains(text, "sla_claims_status") {
			t.Errorf("not read along sla_claims_status:\n%s", text)
		}
	}, schemas...)
}
