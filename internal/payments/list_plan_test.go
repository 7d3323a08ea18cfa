package payments

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestUnmatchedQueueUsesItsIndex: a page of the unmatched queue is read along
// bank_transactions_status after the cursor, without a sort, on both engines
// (issue 16).
func TestUnmatchedQueueUsesItsIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		plan := storetest.NoFullScan(t, db, []string{"bank_transactions"}, unmatchedAfterQuery, TxUnmatched, int64(1000), 26)
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, "bank_transactions_status") || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("not along bank_transactions_status:\n%s", text)
		}
	}, Schema)
}

// TestRefundListsUseTheirIndex: the staff's refund page reads the payouts not yet paid
// along refund_payouts_status, not every payout ever made (issue 16).
func TestRefundListsUseTheirIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		q := `SELECT ` + payoutColumns + ` FROM refund_payouts WHERE ` + unpaidPayouts + ` ORDER BY id`
		plan := storetest.NoFullScan(t, db, []string{"refund_payouts"}, q, PayoutCreating, PayoutPending, PayoutSent, PayoutFailed)
		if text := strings.Join(plan, "\n"); !strings.Contains(text, "refund_payouts_status") {
			t.Errorf("not along refund_payouts_status:\n%s", text)
		}
	}, Schema)
}

// TestMandateListUsesItsIndex: the staff's list of every customer's mandates is a
// range of the primary key, newest first, without a sort (issue 16).
func TestMandateListUsesItsIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		plan := storetest.NoFullScan(t, db, []string{"mandates"}, mandatesBeforeQuery, int64(1<<62), 26)
		// PostgreSQL costs a sort of an empty test table's rows as cheaper than an
		// ordered walk; SQLite's plan is held to "no sort".
		if text := strings.Join(plan, "\n"); strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("sorts the mandates:\n%s", text)
		}
	}, Schema)
}

// TestActiveMandatesUseTheirIndex: the customers with an active mandate (the
// direct-debit page) are a range of mandates_active in customer order, without a sort
// on SQLite (issue 16).
func TestActiveMandatesUseTheirIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		plan := storetest.NoFullScan(t, db, []string{"mandates"}, activeMandatesQuery, int64(1000), 200)
		if text := strings.Join(plan, "\n"); !strings.Contains(text, "mandates_active") || strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("not along mandates_active without a sort:\n%s", text)
		}
	}, Schema)
}
