package terms

import (
	"slices"
	"testing"
)

func days(from Date, n int) []Date {
	out := make([]Date, n)
	for i := range out {
		out[i] = from.AddDays(i)
	}
	return out
}

// TestBackupRetention checks the A05 reading of cp.sla.backups.2: 7 daily plus the
// most recent backup of each of the 4 most recent ISO weeks that have one.
func TestBackupRetention(t *testing.T) {
	t.Parallel()
	pol := mustPolicy(t, "cloudprovider")
	cases := []struct {
		name  string
		dates []Date
		keep  []Date
	}{
		{"forty daily backups", days(D(2026, 1, 1), 40), // 1 Jan (Thu) .. 9 Feb (Mon)
			// daily: 3..9 Feb; weeks: 9 Feb (wk 7), 8 Feb (wk 6, Sunday), 1 Feb (wk 5), 25 Jan (wk 4)
			[]Date{D(2026, 1, 25), D(2026, 2, 1), D(2026, 2, 3), D(2026, 2, 4), D(2026, 2, 5), D(2026, 2, 6), D(2026, 2, 7), D(2026, 2, 8), D(2026, 2, 9)}},
		{"fewer than seven", days(D(2026, 3, 2), 3), days(D(2026, 3, 2), 3)},
		{"none", nil, []Date{}},
		{"weeks without backups are not counted",
			[]Date{D(2026, 1, 5), D(2026, 1, 6), D(2026, 2, 2), D(2026, 3, 2), D(2026, 3, 3), D(2026, 3, 4), D(2026, 3, 5), D(2026, 3, 6), D(2026, 3, 7), D(2026, 3, 8), D(2026, 3, 9)},
			// daily: 3..9 Mar; weeks: 9 Mar, 8 Mar (wk 10), 2 Feb (wk 6), 6 Jan (wk 2)
			[]Date{D(2026, 1, 6), D(2026, 2, 2), D(2026, 3, 3), D(2026, 3, 4), D(2026, 3, 5), D(2026, 3, 6), D(2026, 3, 7), D(2026, 3, 8), D(2026, 3, 9)}},
		{"a date twice is one backup", []Date{D(2026, 3, 2), D(2026, 3, 2)}, []Date{D(2026, 3, 2)}},
		{"ISO week across the new year", // 28 Dec 2026 (Mon) .. 3 Jan 2027 (Sun) is 2026-W53
			append(days(D(2026, 12, 1), 10), D(2026, 12, 28), D(2027, 1, 3)),
			// daily: 3 Jan, 28 Dec, 10..6 Dec; weeks: 3 Jan (W53), 10 Dec (W50), 6 Dec (W49), no fourth
			[]Date{D(2026, 12, 6), D(2026, 12, 7), D(2026, 12, 8), D(2026, 12, 9), D(2026, 12, 10), D(2026, 12, 28), D(2027, 1, 3)}},
	}
	for _, c := range cases {
		res, ex, err := pol.BackupRetention(c.dates)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(res.Keep, c.keep) {
			t.Errorf("%s: keep %v, want %v", c.name, res.Keep, c.keep)
		}
		if len(res.Keep) > pol.Terms.Backups.Daily+pol.Terms.Backups.Weekly {
			t.Errorf("%s: kept %d, more than daily+weekly", c.name, len(res.Keep))
		}
		if got := ex.Clauses(); !slices.Contains(got, "cp.sla.backups.2") {
			t.Errorf("%s: explanation cites %v", c.name, got)
		}
	}
}

func TestBackupRetentionNotPromised(t *testing.T) {
	t.Parallel()
	pol := mustPolicy(t, "5online")
	if _, _, err := pol.BackupRetention([]Date{D(2026, 1, 1)}); err == nil {
		t.Fatal("5online promises no backups, the rule must say so")
	}
}

func TestRestoreTestPeriod(t *testing.T) {
	t.Parallel()
	pol := mustPolicy(t, "cloudprovider")
	first, last, name, err := pol.RestoreTestPeriod(D(2026, 11, 17))
	if err != nil || first != D(2026, 10, 1) || last != D(2026, 12, 31) || name != "2026-Q4" {
		t.Fatalf("got %v %v %q %v", first, last, name, err)
	}
}
