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
// behave as plain substrings (issue 16). On SQLite the same answers come whatever part
// of the trail the SearchIndexer has reached: none, half (a page then spans the walk
// above the index and the index), all.
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
		indexer := &audit.SearchIndexer{DB: db}
		for _, stage := range []string{"none indexed", "half indexed", "all indexed"} {
			same(stage+": summary", seqs(audit.Filter{Query: "PHONE changed (2"}), 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 2)
			same(stage+": summary, page", seqs(audit.Filter{Query: "changed (2", BeforeSeq: 22, Limit: 2}), 21, 20)
			same(stage+": across the split", seqs(audit.Filter{Query: "changed (1", BeforeSeq: 20, Limit: 5}), 19, 18, 17, 16, 15)
			same(stage+": a common word, a page from the newest", seqs(audit.Filter{Query: "phone", Limit: 3}), 30, 29, 28)
			same(stage+": a common word, next page", seqs(audit.Filter{Query: "phone", Limit: 3, BeforeSeq: 28}), 27, 26, 25)
			same(stage+": summary, one customer", seqs(audit.Filter{Query: "changed (2", OrgID: 1}), 29, 27, 25, 23, 21)
			same(stage+": object id", seqs(audit.Filter{Query: "30"}), 30)
			if got := seqs(audit.Filter{Query: "cloudprovider.test", Limit: 500}); len(got) != 30 {
				t.Errorf("%s: actor label: %d entries", stage, len(got))
			}
			same(stage+": two characters", seqs(audit.Filter{Query: "(3"}), 30, 3)
			same(stage+": a wildcard is a character", seqs(audit.Filter{Query: "ph%ne"}))
			same(stage+": no entry", seqs(audit.Filter{Query: "nobody here"}))
			n, err := indexer.IndexBatch(ctx, 15)
			if err != nil {
				t.Fatal(err)
			}
			if want := map[bool]int{true: 15, false: 0}[db.Dialect == store.SQLite && stage != "all indexed"]; n != want {
				t.Fatalf("%s: a batch indexed %d entries, want %d", stage, n, want)
			}
		}
		// What leaves the table leaves the index (SQLite's triggers; PostgreSQL's index
		// is the table's own), for an entry indexed (12, 13) and one not yet (29, 28).
		if _, err := db.Exec(`INSERT INTO audit_entries (seq, at, actor_kind, actor_id, actor_label, org_id, action, object_kind, object_id, summary, ip, user_agent, prev_hash, hash)
			SELECT 31, at, actor_kind, actor_id, actor_label, org_id, action, object_kind, '31', 'phone changed (31)', ip, user_agent, prev_hash, hash FROM audit_entries WHERE seq = 30`); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{
			`DELETE FROM audit_entries WHERE seq IN (12, 29)`,
			`UPDATE audit_entries SET summary = 'mail sent' WHERE seq IN (13, 28)`,
			`UPDATE audit_entries SET summary = 'address changed' WHERE seq = 31`,
		} {
			if _, err := db.Exec(q); err != nil {
				t.Fatal(err)
			}
		}
		for _, stage := range []string{"after a delete and an update", "indexed after them"} {
			same(stage, seqs(audit.Filter{Query: "changed (2", Limit: 3}), 27, 26, 25)
			same(stage+": the updates", seqs(audit.Filter{Query: "mail sent"}), 28, 13)
			same(stage+": the deleted", seqs(audit.Filter{Query: "changed (12)"}))
			same(stage+": the tail's update", seqs(audit.Filter{Query: "address changed"}), 31)
			if _, err := indexer.Run(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if db.Dialect == store.SQLite {
			// FTS5 compares its index with the entries: a row indexed twice, missing,
			// or left behind by a delete fails here.
			if _, err := db.Exec(`INSERT INTO audit_search (audit_search) VALUES ('integrity-check')`); err != nil {
				t.Fatalf("the index does not match the entries: %v", err)
			}
		}
	}, audit.Schema)
}

// TestSearchIndexerCrash: an indexer killed inside a transaction, after it added rows
// to the index and before it moved its mark, keeps the batches it committed; the next
// run indexes the rest, each entry once.
func TestSearchIndexerCrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		if db.Dialect != store.SQLite {
			t.Skip("PostgreSQL's index is written with the row")
		}
		ctx := context.Background()
		writeN(t, db, 30)
		x := &audit.SearchIndexer{DB: db, Batch: 10}
		x.FailAt("indexed", 2)
		n, err := x.Run(ctx)
		if err == nil || n != 10 {
			t.Fatalf("killed run: %d indexed, %v", n, err)
		}
		x.FailAt("", 0)
		if n, err = x.Run(ctx); err != nil || n != 20 {
			t.Fatalf("rerun: %d indexed, %v; want the other 20", n, err)
		}
		if n, err = x.Run(ctx); err != nil || n != 0 {
			t.Fatalf("third run: %d indexed, %v; want none", n, err)
		}
		if _, err := db.Exec(`INSERT INTO audit_search (audit_search) VALUES ('integrity-check')`); err != nil {
			t.Fatalf("the index does not match the entries: %v", err)
		}
		var rows int
		if err := db.QueryRow(`SELECT COUNT(*) FROM audit_search WHERE audit_search MATCH '"changed (1"'`).Scan(&rows); err != nil || rows != 11 {
			t.Fatalf("index holds %d matches for 'changed (1', want 11 (%v)", rows, err)
		}
	}, audit.Schema)
}
