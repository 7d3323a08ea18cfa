package backup

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/terms"
)

var errCrash = errors.New("crash")

func (e *env) demo() *DemoEngine { return e.eng.(*DemoEngine) }

func (e *env) run() {
	e.t.Helper()
	if err := e.svc.RunDaily(e.ctx, e.clk.Now()); err != nil {
		e.t.Fatal(err)
	}
}

// TestDailyRunOncePerDay: the hourly job backs a service up once per day
// (cp.sla.backups.1), with the service's and the day's tags.
func TestDailyRunOncePerDay(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, e *env) {
		sv := e.server("backup1", "/srv/backup1")
		a := e.service(sv, 11, 1, "webhosting")
		e.run()
		e.clk.Advance(time.Hour)
		e.run()
		if n := e.demo().Calls("backup"); n != 1 {
			t.Fatalf("%d backups on one day", n)
		}
		e.clk.Advance(24 * time.Hour)
		e.run()
		if n := e.count("backup_runs", "bservice_id = $1 AND status = 'done'", a.ID); n != 2 {
			t.Fatalf("%d runs done over two days", n)
		}
		snaps, _ := e.eng.Snapshots(e.ctx, Repo{Location: "/srv/backup1"}, []string{"hp-service=hp11", "hp-day=2026-01-06"})
		if len(snaps) != 1 {
			t.Fatalf("snapshots of 6 January: %d", len(snaps))
		}
		_, runs, err := e.svc.ServiceBackups(e.ctx, customer(1), a.ID)
		if err != nil || len(runs) != 2 || runs[0].Day != "2026-01-06" || runs[0].Files == 0 || runs[0].SizeBytes == 0 {
			t.Fatalf("runs %+v %v", runs, err)
		}
	})
}

// TestRunCrashAdoptsSnapshot kills backup.run at each point; the next run after the
// lease finishes the day with exactly one snapshot, adopting one restic made before
// the crash.
func TestRunCrashAdoptsSnapshot(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, e *env) {
		sv := e.server("backup1", "/srv/backup1")
		for i, point := range []string{"claimed", "after-backup"} {
			a := e.service(sv, int64(20+i), 1, "webhosting")
			reached := false
			e.svc.failpoint = func(p string) error {
				if p == point && !reached {
					reached = true
					return errCrash
				}
				return nil
			}
			if err := e.svc.RunDaily(e.ctx, e.clk.Now()); !errors.Is(err, errCrash) {
				t.Fatalf("%s: run returned %v", point, err)
			}
			e.svc.failpoint = nil
			// Before the lease passes nobody takes it over.
			e.run()
			e.clk.Advance(e.svc.set.Lease + time.Second)
			e.run()
			e.run()
			day := terms.DateIn(e.clk.Now(), time.UTC).String()
			snaps, _ := e.eng.Snapshots(e.ctx, Repo{Location: "/srv/backup1"}, []string{serviceTag(a.Ref)})
			if len(snaps) != 1 {
				t.Fatalf("%s: %d snapshots", point, len(snaps))
			}
			_, runs, err := e.svc.ServiceBackups(e.ctx, support, a.ID)
			if err != nil || len(runs) != 1 || runs[0].Day != day {
				t.Fatalf("%s: runs %+v %v", point, runs, err)
			}
			if point == "after-backup" && (!runs[0].Adopted || !strings.HasPrefix(snaps[0].ID, runs[0].Snapshot)) {
				t.Fatalf("the snapshot made before the crash was not adopted: %+v vs %s", runs[0], snaps[0].ID)
			}
		}
	})
}

// TestVPSOnlyWithAddOn: a VPS is backed up only while its organisation bought the
// backup add-on (cp.sla.backups.3).
func TestVPSOnlyWithAddOn(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, e *env) {
		sv := e.server("backup1", "/srv/backup1")
		v := e.service(sv, 31, 3, "vps")
		e.run()
		if e.demo().Calls("backup") != 0 || e.count("backup_runs", "bservice_id = $1 AND status = 'skipped'", v.ID) != 1 {
			t.Fatal("a VPS without the add-on was backed up")
		}
		e.adds.has[3] = true
		e.clk.Advance(24 * time.Hour)
		e.run()
		if e.demo().Calls("backup") != 1 {
			t.Fatal("a VPS with the add-on was not backed up")
		}
	})
}

// TestFailureAlertsStaff: a failed backup is recorded with restic's error, alerts the
// support staff once per attempt, is tried again and stops after MaxAttempts; the
// repository password appears nowhere.
func TestFailureAlertsStaff(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, e *env) {
		sv := e.server("backup1", "/srv/backup1")
		a, err := e.svc.Enroll(e.ctx, support, Enrolment{ServiceID: 41, OrgID: 4, Ref: "hp41", Kind: "webhosting", ServerID: sv.ID})
		if err != nil {
			t.Fatal(err)
		}
		for range 5 {
			_ = e.svc.RunDaily(e.ctx, e.clk.Now())
			e.clk.Advance(time.Hour)
		}
		var status, msg string
		var attempts int
		if err := e.db.QueryRowContext(e.ctx, `SELECT status, errors, attempts FROM backup_runs WHERE bservice_id = $1`, a.ID).Scan(&status, &msg, &attempts); err != nil {
			t.Fatal(err)
		}
		if status != RunFailed || attempts != e.svc.set.MaxAttempts || !strings.Contains(msg, "hp41") {
			t.Fatalf("run %s after %d attempts: %s", status, attempts, msg)
		}
		if n := e.count("mail_outbox", "to_addr = 'support@provider.test' AND subject LIKE 'Backup failed%'"); n != attempts {
			t.Fatalf("%d alerts for %d attempts", n, attempts)
		}
		if n := e.count("mail_outbox", "body_text LIKE '%horse battery%'") + e.count("backup_runs", "errors LIKE '%horse battery%'") +
			e.count("backup_servers", "password LIKE '%horse battery%'"); n != 0 {
			t.Fatal("the repository password was stored or sent in the clear")
		}
		list, err := e.svc.StaffServices(e.ctx, support, StaffFilter{Stale: true}, Page{})
		if err != nil || len(list) != 1 || list[0].ID != a.ID {
			t.Fatalf("stale list %+v %v", list, err)
		}
	})
}

// TestRestoreRequest: a customer asks for a day's backup; another customer's id is
// not found; the job restores it once and mails the customer once, even when it is
// killed after restoring.
func TestRestoreRequest(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, e *env) {
		sv := e.server("backup1", "/srv/backup1")
		a := e.service(sv, 51, 5, "webhosting")
		e.run()
		_, runs, _ := e.svc.ServiceBackups(e.ctx, customer(5), a.ID)
		if _, _, err := e.svc.ServiceBackups(e.ctx, customer(6), a.ID); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("another customer read the backups: %v", err)
		}
		if _, err := e.svc.RequestRestore(e.ctx, customer(6), RestoreRequest{ServiceID: a.ID, RunID: runs[0].ID}); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("another customer asked for a restore: %v", err)
		}
		if _, err := e.svc.RequestRestore(e.ctx, customer(5), RestoreRequest{ServiceID: a.ID, RunID: runs[0].ID, Ticket: "T-1"}); err == nil {
			t.Fatal("a customer recorded a ticket request")
		}
		r, err := e.svc.RequestRestore(e.ctx, customer(5), RestoreRequest{ServiceID: a.ID, RunID: runs[0].ID})
		if err != nil || r.Status != RestoreQueued || r.Via != "portal" {
			t.Fatalf("%+v %v", r, err)
		}
		again, _ := e.svc.RequestRestore(e.ctx, customer(5), RestoreRequest{ServiceID: a.ID, RunID: runs[0].ID})
		if again.ID != r.ID {
			t.Fatal("the same request twice made two restores")
		}
		reached := false
		e.svc.failpoint = func(p string) error {
			if p == "after-restore" && !reached {
				reached = true
				return errCrash
			}
			return nil
		}
		if err := e.svc.RunRestores(e.ctx, e.clk.Now()); !errors.Is(err, errCrash) {
			t.Fatalf("restore run: %v", err)
		}
		e.svc.failpoint = nil
		e.clk.Advance(e.svc.set.Lease + time.Second)
		if err := e.svc.RunRestores(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RunRestores(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		list, _ := e.svc.Restores(e.ctx, customer(5), 5, Page{})
		if len(list) != 1 || list[0].Status != RestoreDone {
			t.Fatalf("restores %+v", list)
		}
		if n := e.count("mail_outbox", "org_id = 5 AND subject LIKE 'Back-up teruggezet%'"); n != 1 {
			t.Fatalf("%d mails to the customer", n)
		}
		if other, _ := e.svc.Restores(e.ctx, customer(6), 6, Page{}); len(other) != 0 {
			t.Fatal("another customer sees the restore")
		}
		// Staff record a request from a ticket.
		s, err := e.svc.RequestRestore(e.ctx, support, RestoreRequest{ServiceID: a.ID, RunID: runs[0].ID, Ticket: "T-77"})
		if err != nil || s.Via != "ticket" || s.Ticket != "T-77" {
			t.Fatalf("%+v %v", s, err)
		}
	})
}

// TestForgetKeepsTheRule: forty days of backups leave exactly the dates of the
// terms' rule, and the runs of the others are marked forgotten.
func TestForgetKeepsTheRule(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, e *env) {
		sv := e.server("backup1", "/srv/backup1")
		a := e.service(sv, 61, 6, "webhosting")
		var all []terms.Date
		for range 40 {
			e.run()
			if err := e.svc.Forget(e.ctx, e.clk.Now()); err != nil {
				t.Fatal(err)
			}
			all = append(all, terms.DateIn(e.clk.Now(), time.UTC))
			e.clk.Advance(24 * time.Hour)
		}
		want, _, _ := pack(t).Latest().BackupRetention(all)
		snaps, _ := e.eng.Snapshots(e.ctx, Repo{Location: "/srv/backup1"}, []string{serviceTag(a.Ref)})
		var got []string
		for _, s := range snaps {
			got = append(got, s.Tag("hp-day"))
		}
		slices.Sort(got)
		var w []string
		for _, d := range want.Keep {
			w = append(w, d.String())
		}
		if !slices.Equal(got, w) {
			t.Fatalf("kept %v, the rule keeps %v", got, w)
		}
		if n := e.count("backup_runs", "bservice_id = $1 AND forgotten_at IS NULL AND status = 'done'", a.ID); n != len(w) {
			t.Fatalf("%d runs restorable, want %d", n, len(w))
		}
	})
}

// TestMissedRestoreTest: a quarter whose restore test did not pass is flagged once
// the quarter is over (cp.security.backup.3); a failed test alerts staff.
func TestMissedRestoreTest(t *testing.T) {
	t.Parallel()
	each(t, nil, func(t *testing.T, e *env) {
		sv := e.server("backup1", "/srv/backup1")
		e.service(sv, 81, 8, "webhosting")
		e.run()
		if missed, err := e.svc.MissedRestoreTests(e.ctx, support); err != nil || len(missed) != 0 {
			t.Fatalf("the current quarter is not missed yet: %v %v", missed, err)
		}
		// The demo engine lists no files, so the test cannot pass.
		if err := e.svc.RunRestoreTest(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		tests, _ := e.svc.RestoreTests(e.ctx, support, 5)
		if len(tests) != 1 || tests[0].Status != "failed" || tests[0].Period != "2026-Q1" {
			t.Fatalf("tests %+v", tests)
		}
		if n := e.count("mail_outbox", "subject LIKE 'Restore test failed%'"); n != 1 {
			t.Fatalf("%d alerts", n)
		}
		e.clk.Set(time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC))
		missed, err := e.svc.MissedRestoreTests(e.ctx, support)
		if err != nil || !slices.Equal(missed, []string{"2026-Q1"}) {
			t.Fatalf("missed %v %v", missed, err)
		}
		if _, err := e.svc.MissedRestoreTests(e.ctx, customer(8)); err == nil {
			t.Fatal("a customer read the staff's restore tests")
		}
	})
}
