package backup

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/terms"
)

// TestRealResticFortyDays runs the backup layer against Debian's restic and a local
// repository: forty daily backups on the fake clock (restic's --time dates each
// snapshot) leave exactly the snapshots of the terms' retention rule
// (cp.sla.backups.2, A05); a customer's restore of a chosen day brings back that
// day's files into the service; a run killed after restic made its snapshot adopts it;
// the quarterly restore test (cp.security.backup.3) restores and verifies a sample
// and is recorded.
func TestRealResticFortyDays(t *testing.T) {
	t.Parallel()
	bin, repoDir := realtest.Restic(t)
	cache := t.TempDir()
	onSQLite(t, func(t *testing.T) Engine { return Restic{Bin: bin, CacheDir: cache} }, func(t *testing.T, e *env) {
		repo := repoDir + "-" + string(e.db.Dialect)
		sv := e.server("backup-ams", repo)
		if _, err := os.Stat(filepath.Join(repo, "config")); err != nil {
			t.Fatalf("the repository was not created: %v", err)
		}
		a := e.service(sv, 71, 7, "webhosting")
		var all []terms.Date
		for day := range 40 {
			d := terms.DateIn(e.clk.Now(), time.UTC)
			e.write(a, "day.txt", "backup of "+d.String())
			if day == 37 {
				e.write(a, "later.txt", "made on day 38")
			}
			if day == 20 {
				// Killed after restic made the day's snapshot: the next run adopts it.
				e.svc.failpoint = func(p string) error {
					if p == "after-backup" {
						return errCrash
					}
					return nil
				}
				if err := e.svc.RunDaily(e.ctx, e.clk.Now()); err == nil {
					t.Fatal("the failpoint did not fire")
				}
				e.svc.failpoint = nil
				e.clk.Advance(e.svc.set.Lease + time.Second)
			}
			e.run()
			all = append(all, d)
			if day%10 == 9 {
				if err := e.svc.Forget(e.ctx, e.clk.Now()); err != nil {
					t.Fatal(err)
				}
			}
			e.clk.Set(time.Date(d.Year(), d.Month(), d.Day(), 2, 0, 0, 0, time.UTC).Add(24 * time.Hour))
		}
		// Exactly the rule's snapshots remain.
		want, _, _ := pack(t).Latest().BackupRetention(all)
		snaps, err := e.eng.Snapshots(e.ctx, Repo{Location: repo, Password: "correct horse battery staple"}, []string{serviceTag(a.Ref)})
		if err != nil {
			t.Fatal(err)
		}
		var got, w []string
		for _, s := range snaps {
			got = append(got, s.Tag("hp-day"))
		}
		for _, d := range want.Keep {
			w = append(w, d.String())
		}
		slices.Sort(got)
		if !slices.Equal(got, w) {
			t.Fatalf("restic keeps %v, the rule keeps %v", got, w)
		}
		var adopted int
		_ = e.db.QueryRowContext(e.ctx, `SELECT COUNT(*) FROM backup_runs WHERE adopted AND bservice_id = $1`, a.ID).Scan(&adopted)
		if adopted != 1 || e.count("backup_runs", "bservice_id = $1", a.ID) != 40 {
			t.Fatalf("%d adopted runs; %d runs", adopted, e.count("backup_runs", "bservice_id = $1", a.ID))
		}

		// The customer picks day 36 (kept as a daily backup) and gets its files back.
		_, runs, err := e.svc.ServiceBackups(e.ctx, customer(7), a.ID)
		if err != nil || len(runs) != len(w) {
			t.Fatalf("restorable %d, want %d (%v)", len(runs), len(w), err)
		}
		chosen := all[35].String()
		var pick Run
		for _, r := range runs {
			if r.Day == chosen {
				pick = r
			}
		}
		if pick.ID == 0 {
			t.Fatalf("day %s not offered: %+v", chosen, runs)
		}
		if _, err := e.svc.RequestRestore(e.ctx, customer(7), RestoreRequest{ServiceID: a.ID, RunID: pick.ID}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.RunRestores(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		if got := e.read(a, "day.txt"); got != "backup of "+chosen {
			t.Fatalf("after the restore day.txt reads %q", got)
		}
		if n := e.count("mail_outbox", "org_id = 7 AND body_text LIKE '%teruggezet%'"); n != 1 {
			t.Fatalf("%d mails to the customer", n)
		}

		// The quarter's restore test restores into scratch and checks every file.
		if err := e.svc.RunRestoreTest(e.ctx, e.clk.Now()); err != nil {
			t.Fatal(err)
		}
		tests, err := e.svc.RestoreTests(e.ctx, support, 10)
		if err != nil || len(tests) != 1 || tests[0].Status != "passed" || tests[0].Files < 1 || tests[0].Period != "2026-Q1" {
			t.Fatalf("restore tests %+v %v", tests, err)
		}
		if missed, _ := e.svc.MissedRestoreTests(e.ctx, support); len(missed) != 0 {
			t.Fatalf("missed %v", missed)
		}
		if entries, _ := os.ReadDir(e.svc.set.Scratch); len(entries) != 0 {
			t.Fatalf("scratch left behind: %v", entries)
		}
	})
}
