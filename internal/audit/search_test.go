package audit_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestTextSearch: the trail's text search finds a substring of the summary, the actor
// label or the object id, case folded, newest first, with filters and pages; entries
// removed or changed leave the index with them; short queries and LIKE's wildcards
// behave as plain substrings (issue 16).
func TestTextSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		writeN(t, db, 30) // "phone changed (i)", object id i, org i%2, actor anna@cloudprovider.test
		seqs := func(f audit.Filter) []int64 {
			t.Helper()
			es, err := audit.List(ctx, db, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			var out []int64
			for _, e := range es {
				out = append(out, e.Seq)
			}
			return out
		}
		same := func(what string, got []int64, want ...int64) {
			t.Helper()
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: %v, want %v", what, got, want)
			}
		}
		same("summary", seqs(audit.Filter{Query: "PHONE changed (2"}), 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 2)
		same("summary, page", seqs(audit.Filter{Query: "changed (2", BeforeSeq: 22, Limit: 2}), 21, 20)
		same("a common word, a page from the newest", seqs(audit.Filter{Query: "phone", Limit: 3}), 30, 29, 28)
		same("a common word, next page", seqs(audit.Filter{Query: "phone", Limit: 3, BeforeSeq: 28}), 27, 26, 25)
		same("summary, one customer", seqs(audit.Filter{Query: "changed (2", OrgID: 1}), 29, 27, 25, 23, 21)
		same("object id", seqs(audit.Filter{Query: "30"}), 30)
		if got := seqs(audit.Filter{Query: "cloudprovider.test", Limit: 500}); len(got) != 30 {
			t.Errorf("actor label: %d entries", len(got))
		}
		same("two characters", seqs(audit.Filter{Query: "(3"}), 30, 3)
		same("a wildcard is a character", seqs(audit.Filter{Query: "ph%ne"}))
		same("no entry", seqs(audit.Filter{Query: "nobody here"}))
		// What leaves the table leaves the index (SQLite's triggers; PostgreSQL's index
		// is the table's own).
		if _, err := db.Exec(`DELETE FROM audit_entries WHERE seq = 29`); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(`UPDATE audit_entries SET summary = 'mail sent' WHERE seq = 28`); err != nil {
			t.Fatal(err)
		}
		same("after a delete and an update", seqs(audit.Filter{Query: "changed (2", Limit: 3}), 27, 26, 25)
		same("the update", seqs(audit.Filter{Query: "mail sent"}), 28)
	}, audit.Schema)
}
