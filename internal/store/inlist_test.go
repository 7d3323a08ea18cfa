package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

// TestInList: the list numbers its parameters from first and selects exactly the
// listed rows on both engines; an empty list selects none.
func TestInList(t *testing.T) {
	if in, args := store.InList(3, []int64{7, 9}); in != "($3, $4)" || len(args) != 2 || args[0] != int64(7) || args[1] != int64(9) {
		t.Fatalf("InList(3, [7 9]) = %q %v", in, args)
	}
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		t0 := store.Now(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))
		for _, name := range []string{"a", "b", "c", "d"} {
			if _, err := db.ExecContext(ctx, `INSERT INTO widgets (name, made_at) VALUES ($1, $2)`, name, t0); err != nil {
				t.Fatal(err)
			}
		}
		count := func(names []string) int {
			in, args := store.InList(2, names)
			var n int
			if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM widgets WHERE made_at = $1 AND name IN `+in, append([]any{t0}, args...)...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		if n := count([]string{"b", "d", "x"}); n != 2 {
			t.Errorf("b, d, x: %d rows, want 2", n)
		}
		if n := count(nil); n != 0 {
			t.Errorf("empty list: %d rows, want 0", n)
		}
	}, widgets)
}
