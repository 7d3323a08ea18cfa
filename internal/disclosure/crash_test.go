package disclosure

import (
	"errors"
	"testing"
)

// The alert job killed half way alerts the rest on its next run, and none twice.
func TestDeadlinesJobCrash(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, k := range []string{"a", "b", "c"} {
			_, err := e.svc.Submit(e.ctx, Submission{Title: k, Affected: k + ".test", Description: k, Email: k + "@x.test", Key: k})
			e.ok(err)
		}
		e.at(4, 24)
		n := 0
		e.svc.fail = func(string) error {
			if n++; n == 2 {
				return errors.New("killed")
			}
			return nil
		}
		if err := e.svc.RunDeadlines(e.ctx, e.clk.Now()); err == nil {
			t.Fatal("no crash")
		}
		e.svc.fail = func(string) error { return nil }
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		if got := e.count(`SELECT COUNT(*) FROM mail_outbox WHERE to_addr = 'security@provider.test'`); got != 3 {
			t.Fatalf("alerts %d", got)
		}
	})
}
