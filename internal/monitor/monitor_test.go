package monitor

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/monitor/probe"
	"github.com/hostpact/hostpact/internal/sla"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
)

func TestServersComponentsPlacements(t *testing.T) {
	each(t, AlertConfig{}, func(t *testing.T, e *env) {
		if _, err := e.svc.CreateServer(e.ctx, billingP, ServerInput{Name: "x", Kind: "webhosting", Location: "ams"}); !errors.Is(err, accounts.ErrForbidden) {
			t.Fatalf("billing may not manage monitoring: %v", err)
		}
		if _, err := e.svc.Servers(e.ctx, customer); err == nil {
			t.Fatal("a customer read the servers")
		}
		if _, err := e.svc.CreateServer(e.ctx, support, ServerInput{Name: "x", Kind: "mainframe", Location: "ams"}); err == nil {
			t.Fatal("a kind the pack does not measure was accepted")
		}
		sv := e.server("web1", "webhosting")
		if _, err := e.svc.CreateServer(e.ctx, support, ServerInput{Name: "web1", Kind: "email", Location: "ams"}); err == nil {
			t.Fatal("duplicate name accepted")
		}
		if _, err := e.svc.AddComponent(e.ctx, support, sv.ID, ComponentInput{Name: "wireguard", Spec: probe.Spec{Kind: probe.KindWireGuard, Address: "127.0.0.1:51820"}, Interval: time.Minute}); err == nil {
			t.Fatal("a component the kind is not measured by was accepted")
		}
		if _, err := e.svc.AddComponent(e.ctx, support, sv.ID, ComponentInput{Name: "imap", Spec: probe.Spec{Kind: probe.KindIMAP, Address: "127.0.0.1:143"}, Interval: time.Hour}); err == nil {
			t.Fatal("an interval beyond max_check_gap was accepted")
		}
		c := e.component(sv, "imap", "127.0.0.1:143")
		var stored string
		_ = e.db.QueryRowContext(e.ctx, `SELECT spec FROM monitor_components WHERE id = $1`, c.ID).Scan(&stored)
		if strings.Contains(stored, "s3cret") || stored == "" {
			t.Fatalf("spec not sealed: %q", stored)
		}
		// A form that leaves the password empty keeps it; the version moves on.
		up, err := e.svc.UpdateComponent(e.ctx, support, c.ID, ComponentInput{Name: "imap", Target: c.Target,
			Spec: probe.Spec{Kind: probe.KindIMAP, Address: "127.0.0.1:993", Security: "tls", User: "monitor"}, Interval: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		eq(t, "version", up.Version, int64(2))
		got, _ := e.svc.Component(e.ctx, support, c.ID)
		eq(t, "password kept", got.Spec.Password, "s3cret-pw")
		eq(t, "address changed", got.Spec.Address, "127.0.0.1:993")
		st, err := e.svc.Components(e.ctx, support, sv.ID)
		if err != nil || len(st) != 1 {
			t.Fatal(st, err)
		}
		eq(t, "status carries no secret", st[0].Spec.Password, "")
		eq(t, "no results yet", st[0].State, "unknown")

		if err := e.svc.Place(e.ctx, support, 41, 7, sv.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Place(e.ctx, support, 41, 7, sv.ID); err != nil {
			t.Fatal("placing twice:", err)
		}
		mail := e.server("mail1", "email")
		_ = e.svc.Place(e.ctx, support, 42, 8, mail.ID)
		ps, _ := e.svc.SubscriptionsOn(e.ctx, e.db, []int64{sv.ID, mail.ID})
		eq(t, "placements", len(ps), 2)
		eq(t, "first placement", ps[0], Placement{SubscriptionID: 41, OrgID: 7, ServerID: sv.ID})
		of, _ := e.svc.ServersOf(e.ctx, e.db, 41)
		if len(of) != 1 || of[0].ID != sv.ID {
			t.Fatalf("servers of 41: %v", of)
		}
		if err := e.svc.DeleteServer(e.ctx, support, sv.ID); !errors.Is(err, ErrHasPlacements) {
			t.Fatalf("delete with placements: %v", err)
		}
		if err := e.svc.Unplace(e.ctx, support, 41, sv.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.DeleteServer(e.ctx, support, sv.ID); err != nil {
			t.Fatal(err)
		}
		eq(t, "audit entries", e.count("audit_entries", "action LIKE 'monitor.%'"), 8)
	})
}

func TestRecordRunLength(t *testing.T) {
	each(t, AlertConfig{}, func(t *testing.T, e *env) {
		sv := e.server("web1", "webhosting")
		c := e.component(sv, "imap", "127.0.0.1:143")
		// 60 minutes: up, down for minutes 20-24 (5 checks), up; a 10-minute gap from
		// minute 40 at one location.
		var all []Result
		ams := results(c.ID, "ams", t0, 60, func(i int) bool { return i < 20 || i > 24 })
		all = append(all, ams...)
		fra := results(c.ID, "fra", t0, 60, func(i int) bool { return i < 21 || i > 23 })
		fra = append(fra[:40], fra[50:]...)
		all = append(all, fra...)
		// In two batches, the second overlapping the first: nothing is stored twice.
		if err := e.svc.Record(e.ctx, all[:70]); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Record(e.ctx, all[50:]); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Record(e.ctx, all); err != nil {
			t.Fatal(err)
		}
		eq(t, "ams runs", e.count("monitor_results", "location = 'ams'"), 3)
		eq(t, "fra runs (the gap starts a new one)", e.count("monitor_results", "location = 'fra'"), 4)
		var checks, maxUS int64
		_ = e.db.QueryRowContext(e.ctx, `SELECT SUM(checks), MAX(latency_max_us) FROM monitor_results`).Scan(&checks, &maxUS)
		eq(t, "checks counted", checks, int64(len(all)))
		eq(t, "max latency", maxUS, int64(69_000))

		// The expansion gives the calculator what the raw checks give it.
		var raw []sla.Check
		for _, r := range all {
			raw = append(raw, sla.Check{Component: "imap", Target: c.Target, Location: r.Location, At: r.At, OK: r.OK})
		}
		got, err := e.svc.ServerChecks(e.ctx, e.db, sv.ID, t0.Add(-time.Hour), t0.Add(2*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(got) >= len(raw) {
			t.Errorf("expansion is not smaller: %d checks for %d", len(got), len(raw))
		}
		rules, _ := e.svc.rules(t0)
		want, have := sla.ComponentDown(raw, rules), sla.ComponentDown(got, rules)
		if len(want) != 1 || len(have) != len(want) || !have[0].From.Equal(want[0].From) || !have[0].To.Equal(want[0].To) {
			t.Fatalf("down from stored runs %v, from raw checks %v", have, want)
		}
		_ = e.svc.Place(e.ctx, support, 41, 7, sv.ID)
		svc, _ := e.svc.ServiceChecks(e.ctx, e.db, 41, t0.Add(-time.Hour), t0.Add(2*time.Hour))
		eq(t, "service checks", len(svc), len(got))
		none, _ := e.svc.ServiceChecks(e.ctx, e.db, 99, t0, t0.Add(time.Hour))
		eq(t, "unplaced subscription", len(none), 0)
	})
}

func TestExpandKeepsConfirmAndGap(t *testing.T) {
	t.Parallel()
	r := run{first: t0, last: t0.Add(60 * time.Minute), count: 61}
	pts := expand(r, 2, 3*time.Minute)
	eq(t, "points", len(pts), 21)
	for i := 1; i < len(pts); i++ {
		if pts[i].Sub(pts[i-1]) > 3*time.Minute {
			t.Fatalf("gap between %v and %v", pts[i-1], pts[i])
		}
	}
	eq(t, "last", pts[len(pts)-1], r.last)
	short := expand(run{first: t0, last: t0.Add(2 * time.Minute), count: 3}, 3, 3*time.Minute)
	eq(t, "a run of 3 failures stays 3 checks", len(short), 3)
	eq(t, "single", len(expand(run{first: t0, last: t0, count: 1}, 2, time.Minute)), 1)
}

func TestLease(t *testing.T) {
	each(t, AlertConfig{}, func(t *testing.T, e *env) {
		sv := e.server("web1", "webhosting")
		var ids []int64
		for i, name := range []string{"http", "https", "imap", "pop3", "smtp"} {
			ids = append(ids, e.component(sv, name, "127.0.0.1:"+string(rune('1'+i))).ID)
		}
		until := t0.Add(2 * time.Minute)
		if _, err := e.svc.Lease(e.ctx, "ams", "a", 3, until); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Lease(e.ctx, "ams", "b", 0, until); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Lease(e.ctx, "fra", "c", 0, until); err != nil {
			t.Fatal(err)
		}
		eq(t, "a holds max", e.count("monitor_leases", "instance = 'a'"), 3)
		eq(t, "b holds the rest", e.count("monitor_leases", "instance = 'b'"), 2)
		eq(t, "another location holds all", e.count("monitor_leases", "location = 'fra'"), 5)
		// b renews; a dies; after a's lease ends b takes its components.
		e.clk.Advance(3 * time.Minute)
		if _, err := e.svc.Lease(e.ctx, "ams", "b", 0, e.clk.Now().Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		eq(t, "b took over", e.count("monitor_leases", "instance = 'b'"), 5)
		// A disabled component is let go.
		if err := e.svc.SetComponentEnabled(e.ctx, support, ids[0], false); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Lease(e.ctx, "ams", "b", 0, e.clk.Now().Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		eq(t, "disabled let go", e.count("monitor_leases", "instance = 'b'"), 4)
		locs, _ := e.svc.Locations(e.ctx, support)
		eq(t, "locations", len(locs), 2)
	})
}

// TestServicesFailedIsServiceFailed: the batch answers each window as ServiceFailed
// does, for subscriptions on one server, on two, sharing a server and on none, and
// windows around the failed runs' edges (issue 16).
func TestServicesFailedIsServiceFailed(t *testing.T) {
	each(t, AlertConfig{}, func(t *testing.T, e *env) {
		web, mail := e.server("web1", "webhosting"), e.server("mail1", "email")
		http, imap := e.component(web, "http", "web1.example.test"), e.component(mail, "imap", "mail1.example.test:143")
		for _, p := range []struct{ sub, server int64 }{{41, web.ID}, {42, mail.ID}, {43, web.ID}, {43, mail.ID}} {
			if err := e.svc.Place(e.ctx, support, p.sub, 7, p.server); err != nil {
				t.Fatal(err)
			}
		}
		// http fails at minutes 10-14 and 40; imap at minute 70-72 from one location.
		all := append(results(http.ID, "ams", t0, 60, func(i int) bool { return !(i >= 10 && i < 15) && i != 40 }),
			results(imap.ID, "fra", t0, 90, func(i int) bool { return i < 70 || i > 72 })...)
		if err := e.svc.Record(e.ctx, all); err != nil {
			t.Fatal(err)
		}
		var windows []FailureWindow
		edges := []time.Duration{0, 9, 10, 14, 15, 30, 40, 41, 69, 70, 72, 73, 120}
		for _, sub := range []int64{41, 42, 43, 44} {
			for _, a := range edges {
				for _, b := range edges {
					from, to := t0.Add(a*time.Minute), t0.Add(b*time.Minute)
					windows = append(windows, FailureWindow{SubscriptionID: sub, From: from, To: to},
						FailureWindow{SubscriptionID: sub, From: from.Add(time.Second), To: to.Add(-time.Second)})
				}
			}
		}
		got, err := e.svc.ServicesFailed(e.ctx, e.db, windows)
		if err != nil {
			t.Fatal(err)
		}
		var yes, no int
		for i, w := range windows {
			want, err := e.svc.ServiceFailed(e.ctx, e.db, w.SubscriptionID, w.From, w.To)
			if err != nil {
				t.Fatal(err)
			}
			if got[i] != want {
				t.Errorf("subscription %d, [%s, %s): batch %v, alone %v", w.SubscriptionID, w.From.Sub(t0), w.To.Sub(t0), got[i], want)
			}
			if want {
				yes++
			} else {
				no++
			}
		}
		if yes == 0 || no == 0 {
			t.Errorf("%d windows failed, %d did not: want both", yes, no)
		}
		if none, err := e.svc.ServicesFailed(e.ctx, e.db, nil); err != nil || len(none) != 0 {
			t.Errorf("no windows: %v, %v", none, err)
		}
	})
}

// TestFailedRunsUseTheirIndex: whether a service failed reads only the failed runs of
// its components in the window (monitor_results_failed), not every run they kept
// (issue 16).
func TestFailedRunsUseTheirIndex(t *testing.T) {
	each(t, AlertConfig{}, func(t *testing.T, e *env) {
		in, ids := store.InList(3, []int64{41, 42})
		for _, c := range []struct {
			query string
			args  []any
		}{{serviceFailedSQL, []any{t0, t0.Add(time.Hour), int64(41)}}, {servicesFailedSQL(in), append([]any{t0, t0.Add(time.Hour)}, ids...)}} {
			plan := storetest.NoFullScan(t, e.db, []string{"monitor_results", "r", "monitor_placements", "p"}, c.query, c.args...)
			if !strings.Contains(strings.Join(plan, "\n"), "monitor_results_failed") {
				t.Errorf("%s: failed runs without their index:\n%s", e.db.Dialect, strings.Join(plan, "\n"))
			}
		}
	})
}
