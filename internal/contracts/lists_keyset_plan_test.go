package contracts

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestKeysetListsUseTheirIndex: every filter of the staff's and the customer's
// contract and quote lists by keyset reads a range of an index (the primary key,
// contracts_status/quotes_status, contracts_org/quotes_org), on both engines, without
// a full scan of contracts or quotes; on SQLite the only sort is of the page (issue 16).
func TestKeysetListsUseTheirIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range []struct {
			name  string
			query string
			args  []any
		}{
			{"contracts", contractsBeforeQuery(0, ""), []any{int64(0), "", beforeKey(0), 26}},
			{"contracts, next page", contractsBeforeQuery(0, ""), []any{int64(0), "", int64(1000), 26}},
			{"contracts by status", contractsBeforeQuery(0, ContractActive), []any{int64(0), ContractActive, int64(1000), 26}},
			{"a customer's contracts", contractsBeforeQuery(7, ""), []any{int64(7), "", int64(1000), 26}},
			{"a customer's contracts by status", contractsBeforeQuery(7, ContractEnded), []any{int64(7), ContractEnded, int64(1000), 26}},
			{"quotes", quotesBeforeQuery(0, ""), []any{int64(0), "", true, beforeKey(0), 26}},
			{"quotes by status", quotesBeforeQuery(0, QuoteDraft), []any{int64(0), QuoteDraft, true, int64(1000), 26}},
			{"a customer's quotes", quotesBeforeQuery(7, ""), []any{int64(7), "", false, int64(1000), 26}},
		} {
			plan := storetest.NoFullScan(t, db, []string{"contracts", "c", "quotes", "q", "subscriptions", "s", "quote_lines", "l"}, c.query, c.args...)
			text := strings.Join(plan, "\n")
			// The one sort SQLite may plan is the outer one, of the page's rows and their
			// subscriptions or lines; the page itself comes in index order.
			if db.Dialect == store.SQLite && strings.Count(text, "TEMP B-TREE") > 1 {
				t.Errorf("%s: sorts more than the page:\n%s", c.name, text)
			}
			t.Logf("%s:\n  %s", c.name, strings.Join(plan, "\n  "))
		}
	}, Schema)
}
