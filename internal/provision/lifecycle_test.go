package provision

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/contracts"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestLifeThroughContracts takes one web hosting service through its life as
// contracts drives it: ordered → active; dunning suspends → suspended; paying one
// invoice while another still holds it, or while staff hold it, keeps it suspended;
// ended for default → terminated; the retention period of the terms passed → deleted.
func TestLifeThroughContracts(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		sv := e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "webhosting", "start")
		ref := Ref(sub.ID)

		v := e.of(sub)
		if v.State != StatePending || v.ServerID != sv.ID || v.Task == nil || v.Task.Op != OpCreate || v.Task.Status != TaskQueued {
			t.Fatalf("after the order: %+v", v)
		}
		if v.Package.Name != "start" || v.Package.DiskMB != e.plan("webhosting", "start").StorageMB {
			t.Errorf("package %+v", v.Package)
		}
		e.run()
		v = e.of(sub)
		if v.State != StateActive || v.Details["username"] != ref || !v.CredentialsReady || v.Task != nil {
			t.Fatalf("after the run: %+v", v)
		}
		acc, ok := e.kit.Get(sv.Endpoint, ref)
		if !ok || e.kit.Creates(ref) != 1 || acc.Package.Name != "start" {
			t.Fatalf("on the server: %+v %v (creates %d)", acc, ok, e.kit.Creates(ref))
		}
		if e.mon.count(sub.ID, 9) != 1 {
			t.Error("the service was not placed on its monitor server")
		}

		// The customer sees the secret once; it is the one the server got.
		cr, err := e.svc.RevealCredentials(e.ctx, acme, v.ID)
		if err != nil || cr.Secret != acc.Secret || len(cr.Secret) < 20 {
			t.Fatalf("reveal: %+v %v (server has %q)", cr, err, acc.Secret)
		}
		if _, err := e.svc.RevealCredentials(e.ctx, acme, v.ID); !errors.Is(err, ErrNothingToShow) {
			t.Fatalf("second reveal: %v", err)
		}
		if e.count("provision_services", "id = $1 AND secret = '' AND sensitive = ''", v.ID) != 1 {
			t.Error("the secret was not wiped after it was shown")
		}

		// Dunning: two invoices hold the services.
		e.hold(acme.User.OrgID, "invoice:1", true)
		e.hold(acme.User.OrgID, "invoice:2", true)
		e.run()
		if v = e.of(sub); v.State != StateSuspended || !v.Suspended(driver.SuspendNonPayment) {
			t.Fatalf("after dunning: %+v", v)
		}
		if acc, _ := e.kit.Get(sv.Endpoint, ref); !acc.Suspended || acc.Reason != driver.SuspendNonPayment {
			t.Fatalf("on the server after dunning: %+v", acc)
		}
		if n := e.kit.Calls("suspend"); n != 1 {
			t.Errorf("suspend called %d times for two holds, want 1", n)
		}
		// Paying invoice 1 leaves invoice 2's hold.
		e.hold(acme.User.OrgID, "invoice:1", false)
		e.run()
		if v = e.of(sub); v.State != StateSuspended {
			t.Fatalf("one invoice paid: %+v", v)
		}
		// Staff suspend too; paying invoice 2 lifts only non-payment.
		if err := e.svc.SuspendByStaff(e.ctx, support, v.ID, "the customer asked us to stop the site"); err != nil {
			t.Fatal(err)
		}
		e.hold(acme.User.OrgID, "invoice:2", false)
		e.run()
		v = e.of(sub)
		if v.State != StateSuspended || v.Suspended(driver.SuspendNonPayment) || !v.Suspended(driver.SuspendStaff) || e.kit.Calls("unsuspend") != 0 {
			t.Fatalf("paid while staff hold it: %+v (unsuspend calls %d)", v, e.kit.Calls("unsuspend"))
		}
		if err := e.svc.UnsuspendByStaff(e.ctx, support, v.ID); err != nil {
			t.Fatal(err)
		}
		e.run()
		if v = e.of(sub); v.State != StateActive || len(v.Reasons) != 0 {
			t.Fatalf("all holds lifted: %+v", v)
		}
		if acc, _ := e.kit.Get(sv.Endpoint, ref); acc.Suspended || e.kit.Calls("unsuspend") != 1 {
			t.Fatalf("on the server after the last hold: %+v", acc)
		}

		// Ended for default today: contracts ends it and the service is terminated.
		today := terms.DateIn(e.clk.Now(), clock.Amsterdam)
		if err := e.db.InTx(e.ctx, func(q store.Querier) error {
			_, err := e.con.TerminateForDefault(e.ctx, q, acme.User.OrgID, "invoice:3", today, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := e.con.SyncSuspensions(e.ctx); err != nil {
			t.Fatal(err)
		}
		e.run()
		if v = e.of(sub); v.State != StateTerminated {
			t.Fatalf("after the end: %+v", v)
		}
		if acc, ok := e.kit.Get(sv.Endpoint, ref); !ok || !acc.Terminated {
			t.Fatalf("on the server after the end: %+v %v", acc, ok)
		}
		var after string
		if err := e.db.QueryRowContext(e.ctx, `SELECT delete_after FROM deletion_schedule WHERE subscription_id = $1`, sub.ID).Scan(&after); err != nil {
			t.Fatal(err)
		}
		last, err := terms.ParseDate(after)
		if err != nil || !last.After(today) {
			t.Fatalf("delete_after %s (%v)", after, err)
		}
		// On the last day of retention the data stay.
		e.clk.Set(time.Date(last.Year(), last.Month(), last.Day(), 12, 0, 0, 0, time.UTC))
		e.run()
		if v = e.of(sub); v.State != StateTerminated {
			t.Fatalf("on the last day of retention: %+v", v)
		}
		// The day after, they are deleted and contracts records it.
		e.clk.Advance(24 * time.Hour)
		e.run()
		if v = e.of(sub); v.State != StateDeleted || len(v.Details) != 0 {
			t.Fatalf("after retention: %+v", v)
		}
		if _, ok := e.kit.Get(sv.Endpoint, ref); ok {
			t.Fatal("the account's data are still on the server")
		}
		if e.count("deletion_schedule", "subscription_id = $1 AND done_at IS NOT NULL", sub.ID) != 1 {
			t.Fatal("contracts does not know the data were deleted")
		}
		e.run()
		if n := e.kit.Calls("delete"); n != 1 {
			t.Errorf("delete called %d times", n)
		}
	})
}

// TestKindsNotDelivered: a subscription of a kind no registered type delivers (a
// domain, a design) is left alone, and contracts activates it.
func TestKindsNotDelivered(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "vps", "s")
		if _, err := e.svc.ServiceOf(e.ctx, support, sub.ID); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("a VPS with no VPS type: %v", err)
		}
	})
}

// TestNoRoomWaitsForCapacity: without a server with room the service stays pending
// with the reason; once capacity appears the next run places and creates it.
func TestNoRoomWaitsForCapacity(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		sv := e.server("web1", 1)
		acme := e.org("Acme BV")
		first := e.order(acme, "webhosting", "start")
		second := e.order(acme, "webhosting", "pro")
		e.run()
		if v := e.of(first); v.State != StateActive {
			t.Fatalf("first: %+v", v)
		}
		v := e.of(second)
		if v.State != StatePending || v.ServerID != 0 || v.Problem != problemNoRoom {
			t.Fatalf("second without room: %+v", v)
		}
		if subs, err := e.svc.Unplaced(e.ctx, support); err != nil || len(subs) != 1 {
			t.Fatalf("unplaced: %v %v", subs, err)
		}
		in := ServerInput{Name: sv.Name, Endpoint: sv.Endpoint, Location: sv.Location, Capacity: 2, MonitorServerID: 9}
		if _, err := e.svc.UpdateServer(e.ctx, support, sv.ID, in); err != nil {
			t.Fatal(err)
		}
		e.run()
		if v := e.of(second); v.State != StateActive || v.ServerID != sv.ID || v.Problem != "" {
			t.Fatalf("second with room: %+v", v)
		}
		servers, err := e.svc.Servers(e.ctx, support)
		if err != nil || len(servers) != 1 || servers[0].Services != 2 || servers[0].Room() != 0 {
			t.Fatalf("servers: %+v %v", servers, err)
		}
	})
}

// TestPlacementFewestFirst: a new service goes to the server with the fewest
// services; a draining or disabled server takes none.
func TestPlacementFewestFirst(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		a := e.server("web1", 10)
		b := e.server("web2", 10)
		acme := e.org("Acme BV")
		s1 := e.order(acme, "webhosting", "start")
		s2 := e.order(acme, "webhosting", "start")
		if e.of(s1).ServerID == e.of(s2).ServerID {
			t.Fatal("two services on one server while another is empty")
		}
		if err := e.svc.SetServerDraining(e.ctx, support, a.ID, true); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.SetServerEnabled(e.ctx, support, b.ID, false); err != nil {
			t.Fatal(err)
		}
		s3 := e.order(acme, "webhosting", "start")
		if v := e.of(s3); v.ServerID != 0 || v.Problem != problemNoRoom {
			t.Fatalf("placed on a draining or disabled server: %+v", v)
		}
	})
}

// TestPlanChangeChangesPackage: a raise takes effect at once and the server gets the
// new plan's package.
func TestPlanChangeChangesPackage(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		sv := e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "webhosting", "start")
		e.run()
		pro := e.plan("webhosting", "pro")
		if _, err := e.con.ChangePlan(e.ctx, acme, sub.ID, pro.ID); err != nil {
			t.Fatal(err)
		}
		e.run()
		acc, _ := e.kit.Get(sv.Endpoint, Ref(sub.ID))
		if acc.Package.Name != "pro" || acc.Package.DiskMB != pro.StorageMB {
			t.Fatalf("package on the server: %+v", acc.Package)
		}
		if v := e.of(sub); v.Package.Name != "pro" || v.State != StateActive {
			t.Fatalf("service: %+v", v)
		}
		// Told twice, nothing is queued twice.
		if err := e.svc.PlanChanged(e.ctx, contracts.Subscription{ID: sub.ID, PlanID: pro.ID}); err != nil {
			t.Fatal(err)
		}
		if n := e.count("provision_tasks", "op = 'change_package'"); n != 1 {
			t.Fatalf("%d package changes", n)
		}
	})
}

// TestRefusalKeepsState: a server's refusal leaves the service as it was and shows
// staff the server's words; run again after the cause is gone, the step is done.
func TestRefusalKeepsState(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "webhosting", "start")
		e.run()
		e.kit.Refuse("suspend", "account is locked by the panel")
		v := e.of(sub)
		if err := e.svc.Block(e.ctx, support, v.ID, "notice 2026-17: phishing page"); err != nil {
			t.Fatal(err)
		}
		e.run()
		v = e.of(sub)
		if v.State != StateActive || v.Task == nil || v.Task.Status != TaskRefused || v.Problem != "provision.problem.refused" ||
			v.ProblemText != "account is locked by the panel" {
			t.Fatalf("after the refusal: %+v %+v", v, v.Task)
		}
		q, err := e.svc.Queue(e.ctx, support, QueueFilter{Status: TaskRefused})
		if err != nil || len(q) != 1 || q[0].Message != "account is locked by the panel" {
			t.Fatalf("queue: %+v %v", q, err)
		}
		// Running it again does nothing while it is still refused…
		e.run()
		if e.kit.Calls("suspend") != 1 {
			t.Fatal("a refused task ran again by itself")
		}
		if err := e.svc.RunAgain(e.ctx, support, q[0].ID); err != nil {
			t.Fatal(err)
		}
		e.kit.Allow("suspend")
		e.run()
		if v = e.of(sub); v.State != StateSuspended || !v.Suspended(driver.SuspendAbuse) || v.Problem != "" {
			t.Fatalf("after run again: %+v", v)
		}
		if err := e.svc.RunAgain(e.ctx, support, q[0].ID); !errors.Is(err, ErrNotRetryable) {
			t.Fatalf("run again of a done task: %v", err)
		}
	})
}

// TestBackoffAndFailure: an unreachable server is tried again after a back-off that
// doubles, and after MaxAttempts the task fails and waits for staff.
func TestBackoffAndFailure(t *testing.T) {
	each(t, Settings{MaxAttempts: 3, Backoff: time.Minute, MaxBackoff: time.Hour}, func(t *testing.T, e *env) {
		e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "webhosting", "start")
		e.kit.FailNext("create", 2)
		e.run()
		v := e.of(sub)
		if v.State != StatePending || v.Task.Attempts != 1 || !v.Task.NextAttemptAt.Equal(e.clk.Now().Add(time.Minute)) ||
			!strings.Contains(v.Task.Message, "unreachable") {
			t.Fatalf("after one failure: %+v %+v", v, v.Task)
		}
		e.run() // not due yet
		if n := e.kit.Calls("create"); n != 1 {
			t.Fatalf("tried %d times before the back-off passed", n)
		}
		e.clk.Advance(time.Minute)
		e.run()
		if v = e.of(sub); v.Task.Attempts != 2 || !v.Task.NextAttemptAt.Equal(e.clk.Now().Add(2*time.Minute)) {
			t.Fatalf("after two failures: %+v", v.Task)
		}
		e.clk.Advance(2 * time.Minute)
		e.run()
		if v = e.of(sub); v.State != StateActive {
			t.Fatalf("third attempt: %+v", v)
		}

		// Always unreachable: failed after three attempts.
		other := e.order(acme, "webhosting", "start")
		e.kit.FailNext("create", 100)
		for range 3 {
			e.run()
			e.clk.Advance(time.Hour)
		}
		v = e.of(other)
		if v.Task == nil || v.Task.Status != TaskFailed || v.Problem != "provision.problem.failed" || e.kit.Calls("create") != 6 {
			t.Fatalf("after three failures: %+v %+v (calls %d)", v, v.Task, e.kit.Calls("create"))
		}
		e.kit.FailNext("create", 0)
		if err := e.svc.RunAgain(e.ctx, support, v.Task.ID); err != nil {
			t.Fatal(err)
		}
		e.run()
		if v = e.of(other); v.State != StateActive || e.kit.Creates(Ref(other.ID)) != 1 {
			t.Fatalf("after run again: %+v", v)
		}
	})
}

// TestTasksRunInOrder: a service's steps run one at a time in the order they were
// queued; a step waiting for its back-off holds back the ones after it.
func TestTasksRunInOrder(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		sv := e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "webhosting", "start")
		v := e.of(sub)
		// Suspended before it was even created: the suspension follows the creation.
		if err := e.svc.SuspendByStaff(e.ctx, support, v.ID, "checking the order"); err != nil {
			t.Fatal(err)
		}
		e.kit.FailNext("create", 1)
		e.run()
		if e.kit.Calls("suspend") != 0 {
			t.Fatal("the suspension ran before the creation")
		}
		e.clk.Advance(time.Hour)
		e.run()
		acc, _ := e.kit.Get(sv.Endpoint, Ref(sub.ID))
		if v = e.of(sub); v.State != StateSuspended || !acc.Suspended {
			t.Fatalf("after both steps: %+v %+v", v, acc)
		}
	})
}

// TestDowngradeAtRenewal: a reduction takes effect at the renewal (cp.av.9.1); only
// then does the server get the smaller package.
func TestDowngradeAtRenewal(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		sv := e.server("web1", 10)
		acme := e.org("Acme BV")
		sub := e.order(acme, "webhosting", "pro")
		e.run()
		start := e.plan("webhosting", "start")
		pc, err := e.con.ChangePlan(e.ctx, acme, sub.ID, start.ID)
		if err != nil || pc.Direction != "down" {
			t.Fatalf("%+v %v", pc, err)
		}
		e.run()
		if acc, _ := e.kit.Get(sv.Endpoint, Ref(sub.ID)); acc.Package.Name != "pro" {
			t.Fatalf("reduced before the renewal: %+v", acc.Package)
		}
		on := pc.EffectiveOn
		e.clk.Set(time.Date(on.Year(), on.Month(), on.Day(), 9, 0, 0, 0, time.UTC))
		if _, err := e.con.RenewDue(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		e.run()
		if acc, _ := e.kit.Get(sv.Endpoint, Ref(sub.ID)); acc.Package.Name != "start" || acc.Package.DiskMB != start.StorageMB {
			t.Fatalf("after the renewal: %+v", acc.Package)
		}
	})
}

// TestServerKeptToKinds: a server kept to some kinds takes only those; a kind it
// does not take waits for another server.
func TestServerKeptToKinds(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		r, err := e.svc.RegisterServer(e.ctx, support, ServerInput{Name: "mail1", Type: "test", Endpoint: "mail1.test", Capacity: 10,
			OnlyKinds: []driver.Kind{driver.KindEmail}, Credentials: map[string]string{"token": "t"}})
		if err != nil || len(r.Server.Kinds) != 1 || r.Server.Kinds[0] != driver.KindEmail || r.Server.Input().OnlyKinds[0] != driver.KindEmail {
			t.Fatalf("%+v %v", r.Server, err)
		}
		acme := e.org("Acme BV")
		mail := e.order(acme, "email", "basic")
		web := e.order(acme, "webhosting", "start")
		if v := e.of(mail); v.ServerID != r.Server.ID {
			t.Fatalf("mail not on the mail server: %+v", v)
		}
		if v := e.of(web); v.ServerID != 0 || v.Problem != problemNoRoom {
			t.Fatalf("web hosting on the mail server: %+v", v)
		}
		if _, err := e.svc.RegisterServer(e.ctx, support, ServerInput{Name: "x", Type: "test", Endpoint: "x.test", Capacity: 1,
			OnlyKinds: []driver.Kind{driver.KindVPS}, Credentials: map[string]string{"token": "t"}}); err == nil {
			t.Fatal("a kind the type does not deliver was accepted")
		}
	})
}

// TestWaitingKindsDoNotBlockEachOther: a kind without room does not keep another kind
// with room waiting.
func TestWaitingKindsDoNotBlockEachOther(t *testing.T) {
	each(t, Settings{}, func(t *testing.T, e *env) {
		acme := e.org("Acme BV")
		web := e.order(acme, "webhosting", "start")
		mail := e.order(acme, "email", "basic")
		if _, err := e.svc.RegisterServer(e.ctx, support, ServerInput{Name: "mail1", Type: "test", Endpoint: "mail1.test", Capacity: 10,
			OnlyKinds: []driver.Kind{driver.KindEmail}, Credentials: map[string]string{"token": "t"}}); err != nil {
			t.Fatal(err)
		}
		e.run()
		if v := e.of(web); v.State != StatePending || v.ServerID != 0 {
			t.Fatalf("web: %+v", v)
		}
		if v := e.of(mail); v.State != StateActive {
			t.Fatalf("mail waited behind web hosting: %+v", v)
		}
	})
}
