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
