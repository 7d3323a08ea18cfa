package audit_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

var t0 = time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)

func writeN(t *testing.T, db *store.DB, n int) {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{Kind: audit.ActorStaff, ID: 7, Label: "anna@cloudprovider.test", IP: "192.0.2.1", UserAgent: "test"})
	for i := 1; i <= n; i++ {
		err := db.InTx(ctx, func(q store.Querier) error {
			return audit.Record(ctx, q, t0.Add(time.Duration(i)*time.Minute), audit.Change{
				OrgID: int64(i % 2), Action: "customer.update", ObjectKind: "organisation", ObjectID: fmt.Sprint(i), Summary: fmt.Sprintf("phone changed (%d)", i)})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func verify(t *testing.T, db *store.DB) []audit.Problem {
	t.Helper()
	_, problems, err := audit.Verify(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	return problems
}

func TestVerifyDetectsTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper []string
		want   string
	}{
		{"intact", nil, ""},
		{"edited", []string{`UPDATE audit_entries SET summary = 'nothing happened' WHERE seq = 3`}, "entry 3: content does not match"},
		{"deleted", []string{`DELETE FROM audit_entries WHERE seq = 3`}, "entries 3 to 3 are missing"},
		{"deleted at the end", []string{`DELETE FROM audit_entries WHERE seq = 5`}, "removed from the end"},
		// Swapping two entries' sequence numbers (and even re-hashing them would not help:
		// each hash covers its predecessor's).
		{"reordered", []string{
			`UPDATE audit_entries SET seq = 100 WHERE seq = 2`,
			`UPDATE audit_entries SET seq = 2 WHERE seq = 3`,
			`UPDATE audit_entries SET seq = 3 WHERE seq = 100`,
		}, "entry 2: "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				writeN(t, db, 5)
				for _, s := range tc.tamper {
					if _, err := db.Exec(s); err != nil {
						t.Fatal(err)
					}
				}
				problems := verify(t, db)
				if tc.want == "" {
					if len(problems) != 0 {
						t.Fatalf("intact trail reported %v", problems)
					}
					return
				}
				var all []string
				for _, p := range problems {
					all = append(all, p.String())
				}
				if !strings.Contains(strings.Join(all, "\n"), tc.want) {
					t.Fatalf("problems %q do not mention %q", all, tc.want)
				}
			}, audit.Schema)
		})
	}
}

func TestConcurrentWritersKeepOneChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 40)
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- db.InTx(ctx, func(q store.Querier) error {
					return audit.Record(ctx, q, t0, audit.Change{Action: "test.write", ObjectID: fmt.Sprint(i)})
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		checked, problems, err := audit.Verify(ctx, db)
		if err != nil || len(problems) != 0 || checked != 40 {
			t.Fatalf("checked %d, problems %v, err %v", checked, problems, err)
		}
	}, audit.Schema)
}

func TestRolledBackChangeLeavesNoEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		writeN(t, db, 1)
		_ = db.InTx(ctx, func(q store.Querier) error {
			if err := audit.Record(ctx, q, t0, audit.Change{Action: "x.fail"}); err != nil {
				return err
			}
			return fmt.Errorf("the change failed")
		})
		writeN(t, db, 1)
		if p := verify(t, db); len(p) != 0 {
			t.Fatalf("problems after a rolled-back entry: %v", p)
		}
		es, err := audit.List(ctx, db, audit.Filter{OrgID: 1})
		if err != nil || len(es) != 2 {
			t.Fatalf("org 1 entries = %d (%v), want 2", len(es), err)
		}
		if es[0].Actor.Label != "anna@cloudprovider.test" || es[0].Actor.IP != "192.0.2.1" {
			t.Fatalf("actor not kept: %+v", es[0].Actor)
		}
	}, audit.Schema)
}

func changes(n int, action string) []audit.Change {
	cs := make([]audit.Change, n)
	for i := range cs {
		cs[i] = audit.Change{OrgID: int64(i % 3), Action: action, ObjectKind: "invoice", ObjectID: fmt.Sprint(i), Summary: fmt.Sprintf("entry %d", i)}
	}
	return cs
}

func head(t *testing.T, db *store.DB) (int64, string) {
	t.Helper()
	var seq int64
	var hash string
	if err := db.QueryRow(`SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash); err != nil {
		t.Fatal(err)
	}
	return seq, hash
}

// RecordMany writes the entries Record would, in order, chained onto the trail before
// and after them, across its INSERT chunks.
func TestRecordManyKeepsTheChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.System("billing.run"))
		writeN(t, db, 2)
		const n = 1203 // three INSERT chunks, the last partial
		if err := db.InTx(ctx, func(q store.Querier) error {
			if err := audit.RecordMany(ctx, q, t0, nil); err != nil {
				return err
			}
			return audit.RecordMany(ctx, q, t0, changes(n, "billing.invoice.issue"))
		}); err != nil {
			t.Fatal(err)
		}
		writeN(t, db, 1)
		checked, problems, err := audit.Verify(ctx, db)
		if err != nil || len(problems) != 0 || checked != n+3 {
			t.Fatalf("checked %d, problems %v, err %v", checked, problems, err)
		}
		es, err := audit.List(ctx, db, audit.Filter{Action: "billing.invoice.issue", Limit: 500})
		if err != nil || len(es) != 500 {
			t.Fatalf("%d entries, %v", len(es), err)
		}
		// Newest first: the last change has the highest seq, the entries keep the actor.
		if e := es[0]; e.Seq != n+2 || e.ObjectID != fmt.Sprint(n-1) || e.Summary != fmt.Sprintf("entry %d", n-1) || e.Actor.Label != "billing.run" || !e.At.Equal(t0) {
			t.Fatalf("last entry %+v", e)
		}
		if e := es[499]; e.Seq != n+2-499 || e.ObjectID != fmt.Sprint(n-500) {
			t.Fatalf("entry %+v", e)
		}
	}, audit.Schema)
}

// A batch is all or nothing: an invalid change writes nothing at all, and a failure
// part way (here the second INSERT chunk collides) rolls back with the transaction,
// leaving the trail and its head as they were.
func TestRecordManyAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		writeN(t, db, 3)
		seq0, hash0 := head(t, db)

		cs := changes(10, "x.batch")
		cs[7].Action = ""
		if err := audit.RecordMany(ctx, db, t0, cs); err == nil {
			t.Fatal("a change without an action was recorded")
		}
		if seq, hash := head(t, db); seq != seq0 || hash != hash0 {
			t.Fatalf("head moved to %d after a rejected batch", seq)
		}

		err := db.InTx(ctx, func(q store.Querier) error {
			if _, err := q.ExecContext(ctx, `INSERT INTO audit_entries (seq, at, actor_kind, action, prev_hash, hash)
				VALUES ($1, $2, 'system', 'x.plant', '', '')`, seq0+700, t0); err != nil {
				return err
			}
			return audit.RecordMany(ctx, q, t0, changes(1000, "x.batch"))
		})
		if err == nil {
			t.Fatal("colliding batch recorded")
		}
		if seq, hash := head(t, db); seq != seq0 || hash != hash0 {
			t.Fatalf("head moved to %d after a rolled back batch", seq)
		}
		if checked, problems, err := audit.Verify(ctx, db); err != nil || len(problems) != 0 || checked != 3 {
			t.Fatalf("checked %d, problems %v, err %v", checked, problems, err)
		}
		writeN(t, db, 1)
		if p := verify(t, db); len(p) != 0 {
			t.Fatalf("problems after a rolled back batch: %v", p)
		}
	}, audit.Schema)
}

// Batches and single entries from concurrent transactions still form one chain.
func TestConcurrentRecordManyKeepsOneChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- db.InTx(ctx, func(q store.Querier) error {
					if i%2 == 0 {
						return audit.Record(ctx, q, t0, audit.Change{Action: "test.one", ObjectID: fmt.Sprint(i)})
					}
					return audit.RecordMany(ctx, q, t0, changes(7, "test.many"))
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		checked, problems, err := audit.Verify(ctx, db)
		if err != nil || len(problems) != 0 || checked != 10+10*7 {
			t.Fatalf("checked %d, problems %v, err %v", checked, problems, err)
		}
	}, audit.Schema)
}
