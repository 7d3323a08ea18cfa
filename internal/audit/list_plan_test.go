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
			q, args := listQuery(db.Dialect, c.f)
			plan := storetest.NoFullScan(t, db, []string{"audit_entries"}, q, args...)
			text := strings.Join(plan, "\n")
			if !strings.Contains(text, c.index) || strings.Contains(text, "TEMP B-TREE") {
				t.Errorf("%s: not along %q without a sort:\n%s", c.name, c.index, text)
			}
		}
	}, Schema)
}

// TestSearchUsesItsIndex: a text search of the trail is answered by its index on both
// engines: on SQLite FTS5's audit_search walked in seq order (no scan of the entries,
// no sort), also with a filter and after a cursor; on PostgreSQL the search's
// expression is the one pg_trgm's GIN index audit_entries_search covers, and the list
// query reads no entry by a sequential scan (issue 16).
func TestSearchUsesItsIndex(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		for _, f := range []Filter{
			{Query: "F2027-000123"},
			{Query: "klant", BeforeSeq: 1000},
			{Query: "issued", OrgID: 7, BeforeSeq: 1000},
			{Query: "Jan", ActorKind: ActorStaff},
		} {
			q, args := listQuery(db.Dialect, f)
			text := strings.Join(storetest.NoFullScan(t, db, []string{"audit_entries", "a"}, q, args...), "\n")
			want := "audit_search VIRTUAL TABLE"
			if db.Dialect == store.Postgres {
				want = "audit_entries"
			}
			if !strings.Contains(text, want) || strings.Contains(text, "TEMP B-TREE") {
				t.Errorf("%+v: not through the search index without a sort:\n%s", f, text)
			}
		}
		// SQLite's window before FTS5: a range of the key or the filter's index.
		for _, f := range []Filter{{Query: "invoice", BeforeSeq: 1000}, {Query: "invoice", OrgID: 7, BeforeSeq: 1000}} {
			q, args := searchWindowQuery(f)
			storetest.NoFullScan(t, db, []string{"audit_entries"}, q, args...)
		}
		if db.Dialect == store.Postgres {
			plan := strings.Join(storetest.Plan(t, db, `SELECT seq FROM audit_entries WHERE `+searchPostgres+` LIKE $1`, "%klant%"), "\n")
			if !strings.Contains(plan, "audit_entries_search") {
				t.Errorf("the search expression is not the index's:\n%s", plan)
			}
		}
	}, Schema)
}
