package audit

import (
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestListUsesItsIndex: every filter of the audit trail, on the first page and after a
// cursor, reads a range of the primary key or of the filter's index on both engines,
// without a sort of the trail on SQLite (issue 16).
func TestListUsesItsIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, c := range []struct {
			name  string
			f     Filter
			index string
		}{
			{"everything", Filter{}, ""},
			{"everything, next page", Filter{BeforeSeq: 1000}, ""},
			{"a customer", Filter{OrgID: 7, BeforeSeq: 1000}, "audit_entries_org"},
			{"an action", Filter{Action: "customer.create"}, "audit_entries_action"},
			{"staff", Filter{ActorKind: ActorStaff, BeforeSeq: 1000}, "audit_entries_actor_kind"},
		} {
			q, args := listQuery(c.f)
			plan := storetest.NoFullScan(t, db, []string{"audit_entries"}, q, args...)
			text := strings.Join(plan, "\n")
			if !strings.Contains(text, c.index) || strings.Contains(text, "TEMP B-TREE") {
				t.Errorf("%s: not along %q without a sort:\n%s", c.name, c.index, text)
			}
		}
	}, Schema)
}
