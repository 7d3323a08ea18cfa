package privacy

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

// requestsSource is the enquiries rule over this package's own closed requests, as
// the app wires it.
func requestsSource() RetentionSource {
	return RetentionSource{Rule: "enquiries", Kind: "privacy_request", Action: ActionAnonymise,
		Candidates: func(ctx context.Context, q store.Querier, until terms.Date) ([]Candidate, error) {
			rows, err := q.QueryContext(ctx, `SELECT CAST(r.id AS TEXT), r.closed_at FROM privacy_requests r WHERE r.closed_at < $1 AND `+
				NotDone("enquiries", "privacy_request", "r.id")+` ORDER BY r.id`, until.AddDays(1).Time(clock.Amsterdam))
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			var out []Candidate
			for rows.Next() {
				var c Candidate
				var at time.Time
				if err := rows.Scan(&c.ID, &at); err != nil {
					return nil, err
				}
				c.From = terms.DateIn(at, clock.Amsterdam)
				out = append(out, c)
			}
			return out, rows.Err()
		},
		Apply: func(ctx context.Context, q store.Querier, id string) error {
			_, err := q.ExecContext(ctx, `UPDATE privacy_requests SET subject_email = 'gone@anonymised.invalid', subject_name = '' WHERE CAST(id AS TEXT) = $1`, id)
			return err
		}}
}

// TestRetentionCrash kills the retention job after the second of three objects and
// runs it again: every object is anonymised and audited exactly once.
func TestRetentionCrash(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := audit.WithActor(context.Background(), audit.System("test"))
		pack, err := terms.LoadPack("cloudprovider")
		if err != nil {
			t.Fatal(err)
		}
		closed := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
		clk := clock.NewFake(time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC))
		s := New(db, clk, Deps{Pack: pack, Retention: []RetentionSource{requestsSource()}})
		for i := range 3 {
			if _, err := db.ExecContext(ctx, `INSERT INTO privacy_requests (kind, scope, subject_email, subject_name, received_at, received_on, due_on, status, closed_at, explanation, created_at)
				VALUES ('access', 'provider', $1, 'Jan', $2, '2026-01-01', '2026-02-01', 'closed', $2, '[]', $2)`, "p"+string(rune('a'+i))+"@example.test", closed); err != nil {
				t.Fatal(err)
			}
		}
		crash := errors.New("killed")
		s.failpoint = func(p string) error {
			if p == "retention.after:privacy_request:2" {
				return crash
			}
			return nil
		}
		if err := s.ApplyRetention(ctx, clk.Now()); !errors.Is(err, crash) {
			t.Fatalf("first run: %v, want the crash", err)
		}
		count := func(q string) int {
			var n int
			if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count(`SELECT COUNT(*) FROM privacy_requests WHERE subject_email = 'gone@anonymised.invalid'`); n != 2 {
			t.Fatalf("after the crash %d anonymised, want 2", n)
		}
		s.failpoint = nil
		for range 2 {
			if err := s.ApplyRetention(ctx, clk.Now()); err != nil {
				t.Fatal(err)
			}
		}
		if n := count(`SELECT COUNT(*) FROM privacy_requests WHERE subject_email = 'gone@anonymised.invalid'`); n != 3 {
			t.Fatalf("%d anonymised, want 3", n)
		}
		if n := count(`SELECT COUNT(*) FROM audit_entries WHERE action = 'privacy.retention'`); n != 3 {
			t.Fatalf("%d audit entries, want 3 (one per object)", n)
		}
		// The audit entry names the rule, not the removed content.
		if n := count(`SELECT COUNT(*) FROM audit_entries WHERE summary LIKE '%example.test%'`); n != 0 {
			t.Fatalf("the audit trail holds the deleted address")
		}
	}, audit.Schema, notify.Schema, Schema)
}
