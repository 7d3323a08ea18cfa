package contracts

import (
	"context"
	"sync"
	"testing"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/store"
)

// planHook is a provisioner that follows plan changes.
type planHook struct {
	recorder
	mu      sync.Mutex
	changed map[int64][]int64 // subscription → plans told
}

func (p *planHook) PlanChanged(_ context.Context, sub Subscription) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.changed[sub.ID] = append(p.changed[sub.ID], sub.PlanID)
	return nil
}

// TestPlanChangeHookAndDueDeletions: a raise tells the PlanChanger at once with the new
// plan; a service that ended has its deletion due only after the retention date the
// terms gave, and marking it done is recorded once.
func TestPlanChangeHookAndDueDeletions(t *testing.T) {
	t.Parallel()
	each(t, func(t *testing.T, e *env) {
		hook := &planHook{recorder: recorder{provisioned: map[int64]int{}, deprovisioned: map[int64]int{}}, changed: map[int64][]int64{}}
		e.cp.UseProvisioner(hook)
		acme := e.org(accounts.Business, "Acme BV")
		start, pro := e.plan("cloudprovider", "webhosting", "start"), e.plan("cloudprovider", "webhosting", "pro")
		c := e.order(e.cp, acme, false, OrderLine{PlanID: start.ID, Quantity: 1, Domain: "acme.nl"})
		sub := c.Subscriptions[0]
		if hook.count(hook.provisioned, sub.ID) != 1 {
			t.Fatal("the provisioner set with UseProvisioner was not called")
		}
		if _, err := e.cp.ChangePlan(e.ctx, acme, sub.ID, pro.ID); err != nil {
			t.Fatal(err)
		}
		if got := hook.changed[sub.ID]; len(got) != 1 || got[0] != pro.ID {
			t.Fatalf("plan change hook: %v", got)
		}

		today := e.cp.today()
		if err := e.db.InTx(e.ctx, func(q store.Querier) error {
			_, err := e.cp.TerminateForDefault(e.ctx, q, acme.User.OrgID, "invoice:9", today, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := e.cp.SyncSuspensions(e.ctx); err != nil {
			t.Fatal(err)
		}
		var after string
		if err := e.db.QueryRowContext(e.ctx, `SELECT delete_after FROM deletion_schedule WHERE subscription_id = $1`, sub.ID).Scan(&after); err != nil {
			t.Fatal(err)
		}
		last := d(after)
		e.setDay(last)
		if due, err := e.cp.DueDeletions(e.ctx, e.clk.Now()); err != nil || len(due) != 0 {
			t.Fatalf("due on the last day of retention: %+v %v", due, err)
		}
		e.setDay(last.AddDays(1))
		due, err := e.cp.DueDeletions(e.ctx, e.clk.Now())
		if err != nil || len(due) != 1 || due[0].SubscriptionID != sub.ID || due[0].Category != "hosting-data" || due[0].DeleteAfter != after {
			t.Fatalf("due the day after: %+v %v", due, err)
		}
		for range 2 {
			if err := e.cp.DeletionDone(e.ctx, sub.ID); err != nil {
				t.Fatal(err)
			}
		}
		if due, _ := e.cp.DueDeletions(e.ctx, e.clk.Now()); len(due) != 0 {
			t.Fatalf("still due after it was done: %+v", due)
		}
		if n := e.count("audit_entries", "action = 'subscription.data_deleted'"); n != 1 {
			t.Fatalf("%d audit entries for the deletion", n)
		}
	})
}
