package monitor

import (
	"errors"
	"testing"
	"time"
)

// Runs older than keep_results (P30D) go, in chunks, also when a run is aborted
// half-way; outages stay.
func TestRetainCrashAndRestart(t *testing.T) {
	each(t, damping, func(t *testing.T, e *env) {
		sv := e.server("web1", "webhosting")
		c := e.component(sv, "imap", "127.0.0.1:143")
		// 2,500 runs (alternating outcomes), one every minute from t0.
		rs := results(c.ID, "ams", t0, 2500, func(i int) bool { return i%2 == 0 })
		if err := e.svc.Record(e.ctx, rs); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Evaluate(e.ctx, t0.Add(2500*time.Minute)); err != nil {
			t.Fatal(err)
		}
		outages := e.count("monitor_outages", "TRUE")
		eq(t, "runs stored", e.count("monitor_results", "TRUE"), 2500)
		// On 3 April, P30D back is 4 March 00:00 in Amsterdam: 2,280 runs are older.
		now := time.Date(2026, 4, 3, 10, 0, 0, 0, time.UTC)
		cutoff := time.Date(2026, 3, 3, 23, 0, 0, 0, time.UTC)
		cut := e.count("monitor_results", "last_at < $1", cutoff)
		eq(t, "old runs", cut, 2280)
		calls := 0
		e.svc.failpoint = func(string) error {
			calls++
			if calls == 2 {
				return errors.New("injected crash")
			}
			return nil
		}
		if err := e.svc.Retain(e.ctx, now); err == nil {
			t.Fatal("crash not injected")
		}
		if err := e.svc.Retain(e.ctx, now); err != nil {
			t.Fatal(err)
		}
		eq(t, "runs left", e.count("monitor_results", "TRUE"), 2500-cut)
		eq(t, "nothing old left", e.count("monitor_results", "last_at < $1", cutoff), 0)
		eq(t, "outages kept", e.count("monitor_outages", "TRUE"), outages)
	})
}
