package contracts

import (
	"testing"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestCustomerListsUseTheirIndex: a customer's own contracts, quotes and open charges
// are read through the organisation's index on both engines, so their cost does not
// grow with what other customers hold (issue 16). Each plan is logged.
func TestCustomerListsUseTheirIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range []struct {
			name   string
			tables []string
			query  string
			args   []any
		}{
			{"contracts", []string{"contracts", "c", "subscriptions", "s"}, contractsPageQuery(7), []any{int64(7), "", 20, 0}},
			{"contracts by status", []string{"contracts", "c", "subscriptions", "s"}, contractsPageQuery(7), []any{int64(7), ContractActive, 20, 0}},
			{"quotes", []string{"quotes", "q", "quote_lines", "l"}, quotesPageQuery(7), []any{int64(7), "", false, 20, 0}},
			{"current subscriptions", []string{"subscriptions"}, `SELECT ` + subCols + ` FROM subscriptions ` + currentSubsWhere, []any{int64(7), SubEnded, 20}},
			{"open charges", []string{"pending_charge"}, `SELECT id FROM pending_charge WHERE ` + orgWhere(7) + ` AND status = 'open' ORDER BY org_id, id`, []any{int64(7)}},
			{"every customer's open charges", []string{"pending_charge"}, `SELECT id FROM pending_charge WHERE ` + orgWhere(0) + ` AND status = 'open' ORDER BY org_id, id`, []any{int64(0)}},
		} {
			plan := storetest.NoFullScan(t, db, c.tables, c.query, c.args...)
			t.Logf("%s:\n  %v", c.name, plan)
		}
		// The check sees what it is for: SQLite plans the former "either every
		// organisation or this one" condition as a scan of every customer's contracts.
		if db.Dialect == store.SQLite {
			old := `SELECT id FROM contracts WHERE (CAST($1 AS BIGINT) = 0 OR org_id = $1) ORDER BY id DESC LIMIT 20`
			if plan := storetest.Plan(t, db, old, int64(7)); len(storetest.FullScans(plan, "contracts")) == 0 {
				t.Errorf("the OR form is not reported as a full scan: %v", plan)
			}
		}
	}, Schema)
}
