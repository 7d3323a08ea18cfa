package termscli

import "testing"

// FuzzDateList: the --backups list parser never panics and returns only dates it
// could read, or an error.
func FuzzDateList(f *testing.F) {
	f.Add("2026-01-01,2026-01-02")
	f.Add(",,")
	f.Add("2026-02-30")
	f.Fuzz(func(t *testing.T, s string) {
		ds, err := dateListFlag("backups", s)
		if err == nil && len(ds) == 0 {
			t.Fatalf("%q: no dates and no error", s)
		}
		for _, d := range ds {
			if d.IsZero() {
				t.Fatalf("%q: a zero date", s)
			}
		}
	})
}
