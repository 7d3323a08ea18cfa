package abuse

import (
	"errors"
	"testing"
)

// The deadline job killed half way alerts the rest on its next run, and none twice.
func TestDeadlinesJobCrash(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		for _, mail := range []string{"a@x.test", "b@x.test", "c@x.test"} {
			c, err := e.svc.Submit(e.ctx, notice(mail, "https://shop-example.nl/"+mail))
			e.ok(err)
			e.ok(e.svc.Forward(e.ctx, abuseDesk, c.ID))
		}
		e.at(2026, 4, 9, 9)
		n := 0
		e.svc.fail = func(string) error {
			if n++; n == 2 {
				return errors.New("killed")
			}
			return nil
		}
		if err := e.svc.RunDeadlines(e.ctx, e.clk.Now()); err == nil {
			t.Fatal("the crash did not happen")
		}
		if got := len(e.mails("abuse@provider.test")); got != 1 {
			t.Fatalf("alerts before the crash: %d", got)
		}
		e.svc.fail = func(string) error { return nil }
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		e.ok(e.svc.RunDeadlines(e.ctx, e.clk.Now()))
		if got := len(e.mails("abuse@provider.test")); got != 3 {
			t.Fatalf("alerts after the rerun: %d", got)
		}
		cs, _ := e.svc.List(e.ctx, abuseDesk, Filter{State: StateDeciding})
		if len(cs) != 3 {
			t.Fatalf("%d cases went to decision", len(cs))
		}
		if cs, _ := e.svc.List(e.ctx, abuseDesk, Filter{Due: "overdue", Limit: 2}); len(cs) != 2 {
			t.Fatalf("overdue page: %d", len(cs))
		} else if more, _ := e.svc.List(e.ctx, abuseDesk, Filter{Due: "overdue", Before: cs[1].ID}); len(more) != 1 {
			t.Fatalf("next page: %d", len(more))
		}
	})
}
