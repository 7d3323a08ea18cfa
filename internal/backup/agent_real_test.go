package backup_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/accounts"
	"github.com/hostpact/hostpact/internal/agent"
	"github.com/hostpact/hostpact/internal/agent/agenttest"
	"github.com/hostpact/hostpact/internal/agent/webhost"
	"github.com/hostpact/hostpact/internal/agent/webhost/webhosttest"
	"github.com/hostpact/hostpact/internal/audit"
	"github.com/hostpact/hostpact/internal/backup"
	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/notify"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/terms"
)

var staff = accounts.Principal{User: accounts.User{ID: 2, Email: "support@provider.test", Roles: []accounts.Role{accounts.RoleSupport}}}

// oneAgent is the Remote of a hostpact with one agent server.
type oneAgent struct{ h backup.Host }

func (o oneAgent) For(context.Context, backup.Enrolled) (backup.Host, error) { return o.h, nil }

// provisioned is the provisioning layer as the enrolment job reads it.
type provisioned struct {
	mu sync.Mutex
	ps []backup.Provisioned
}

func (p *provisioned) ServicesAfter(_ context.Context, after int64, limit int) ([]backup.Provisioned, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []backup.Provisioned
	for _, x := range p.ps {
		if x.ServiceID > after && len(out) < limit {
			out = append(out, x)
		}
	}
	return out, nil
}

type noStaff struct{}

func (noStaff) SupportContacts(context.Context, store.Querier) ([]backup.Contact, error) {
	return []backup.Contact{{Email: "support@provider.test", Lang: "en"}}, nil
}

type oneCustomer struct{}

func (oneCustomer) Contact(context.Context, store.Querier, int64) (backup.Contact, error) {
	return backup.Contact{Email: "admin@org.test", Name: "Org", Lang: "nl"}, nil
}

// TestRealResticAgentWebhosting backs up a real web hosting account through a real
// agent: nginx, PHP-FPM and MariaDB in a temporary directory, the agent with the
// webhosting module over mutual TLS, restic run by the agent on the account's home
// with the repository's password sent per call. The account is enrolled by the
// enrolment job because its provisioning server has a backup server; ten days of
// backups (one killed after restic made its snapshot, adopted the next run) leave the
// retention rule's snapshots (cp.sla.backups.2); the customer's restore of a chosen
// day puts that day's page back in place, owned by the account, and nginx serves it;
// the restore test verifies on the agent (cp.security.backup.3); after termination
// no backup is made and the snapshots go once the terms' retention has passed.
func TestRealResticAgentWebhosting(t *testing.T) {
	bin, repo := realtest.Restic(t)
	env := webhosttest.Start(t)
	dataDir := filepath.Join(realtest.TempDir(t), "agent")
	cfg := agent.Config{DataDir: dataDir, Modules: map[string]json.RawMessage{"webhosting": env.Settings}}
	mods, err := cfg.Build(agent.Factories{driver.KindWebhosting: webhost.Factory})
	if err != nil {
		t.Fatal(err)
	}
	scratch := filepath.Join(dataDir, "backup-scratch")
	ag := agenttest.StartWithBackups(t, mods, agent.NewBackups(agent.BackupConfig{Restic: bin, CacheDir: t.TempDir(), Scratch: scratch}, dataDir))
	ctx := context.Background()

	ref := webhosttest.NewRef(t)
	acct := driver.Account{Ref: ref, Kind: driver.KindWebhosting, Domain: ref + ".example.test",
		Package: driver.Package{Name: "small", DiskMB: 500, MemoryMB: 256}, Secret: "S3cret-" + ref}
	if _, err := ag.Driver.Create(ctx, acct); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ag.Driver.DeleteData(context.Background(), ref) })

	db := storetest.Open(t, store.SQLite, audit.Schema, notify.Schema, backup.Schema)
	clk := clock.NewFake(time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC))
	pk, err := terms.LoadPack("cloudprovider")
	if err != nil {
		t.Fatal(err)
	}
	const password = "correct horse battery staple"
	prov := &provisioned{ps: []backup.Provisioned{{ServiceID: 5, OrgID: 7, Ref: ref, Kind: "webhosting", Name: "Site", Domain: acct.Domain, ProvServerID: 3, Live: true}}}
	svc := backup.New(db, clk, backup.Deps{Keys: secrets.Ephemeral(), Pack: pk, Engine: backup.Restic{Bin: bin},
		Remote: oneAgent{ag.Driver.BackupHost()}, Staff: noStaff{}, Customers: oneCustomer{}, BaseURL: "https://portal.test", Provider: "Cloud Provider B.V."})
	svc.SetProvisioning(prov)
	sv, err := svc.AddServer(ctx, staff, backup.ServerInput{Name: "backup-ams", Repository: repo, Password: password})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.AssignHost(ctx, staff, 3, sv.ID); err != nil {
		t.Fatal(err)
	}
	if err := svc.EnrolAll(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	list, err := svc.StaffServices(ctx, staff, backup.StaffFilter{}, backup.Page{})
	if err != nil || len(list) != 1 || list[0].Ref != ref || !list[0].Enabled {
		t.Fatalf("enrolled %+v %v", list, err)
	}
	en := list[0]

	const days = 10
	var all []terms.Date
	for day := range days {
		d := terms.DateIn(clk.Now(), clock.Amsterdam)
		env.Upload(t, ref, "day.txt", "backup of "+d.String())
		if day == 3 {
			// Killed after the agent's restic made the day's snapshot: the next run
			// finds it by its tags and adopts it instead of making a second one.
			backup.SetFailpoint(svc, func(p string) error {
				if p == "after-backup" {
					return errors.New("killed")
				}
				return nil
			})
			if err := svc.RunDaily(ctx, clk.Now()); err == nil {
				t.Fatal("the failpoint did not fire")
			}
			backup.SetFailpoint(svc, nil)
			clk.Advance(svc.Settings().Lease + time.Second)
		}
		if err := svc.RunDaily(ctx, clk.Now()); err != nil {
			t.Fatal(err)
		}
		all = append(all, d)
		clk.Set(time.Date(d.Year(), d.Month(), d.Day(), 2, 0, 0, 0, time.UTC).Add(24 * time.Hour))
	}
	if err := svc.Forget(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	runs, err := svc.Runs(ctx, staff, en.ID, backup.Page{})
	if err != nil || len(runs) != days {
		t.Fatalf("%d runs (%v)", len(runs), err)
	}
	adopted := 0
	for _, r := range runs {
		if r.Status != backup.RunDone || (r.Files < 1 && !r.Adopted) {
			t.Fatalf("run %+v", r)
		}
		if r.Adopted {
			adopted++
		}
	}
	if adopted != 1 {
		t.Fatalf("%d adopted runs", adopted)
	}
	want, _, _ := pk.Latest().BackupRetention(all)
	snaps, err := ag.Driver.BackupHost().Snapshots(ctx, backup.Repo{Location: repo, Password: password}, []string{"hp-service=" + ref})
	if err != nil {
		t.Fatal(err)
	}
	var got, w []string
	for _, s := range snaps {
		got = append(got, s.Tag("hp-day"))
		if len(s.Paths) != 1 || s.Paths[0] != filepath.Join(env.Home, ref) {
			t.Fatalf("snapshot of %v, want the account's home", s.Paths)
		}
	}
	for _, d := range want.Keep {
		w = append(w, d.String())
	}
	slices.Sort(got)
	if !slices.Equal(got, w) {
		t.Fatalf("restic keeps %v, the rule keeps %v", got, w)
	}

	// The customer changed the page since; they ask for day 5's backup back.
	env.Upload(t, ref, "day.txt", "broken by the customer")
	chosen := all[4].String()
	_, offered, err := svc.ServiceBackups(ctx, custOf(7), en.ID)
	if err != nil {
		t.Fatal(err)
	}
	var pick backup.Run
	for _, r := range offered {
		if r.Day == chosen {
			pick = r
		}
	}
	if pick.ID == 0 {
		t.Fatalf("day %s not offered: %+v", chosen, offered)
	}
	if _, err := svc.RequestRestore(ctx, custOf(7), backup.RestoreRequest{ServiceID: en.ID, RunID: pick.ID}); err != nil {
		t.Fatal(err)
	}
	if err := svc.RunRestores(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(env.Home, ref, "public_html", "day.txt")
	if b, _ := os.ReadFile(page); string(b) != "backup of "+chosen {
		t.Fatalf("after the restore day.txt reads %q", b)
	}
	home, _ := os.Stat(filepath.Join(env.Home, ref))
	fi, _ := os.Stat(page)
	if fi.Sys().(*syscall.Stat_t).Uid != home.Sys().(*syscall.Stat_t).Uid {
		t.Fatal("the restored page is not the account's own")
	}
	if code, body := env.Get(t, acct.Domain, "/day.txt"); code != 200 || body != "backup of "+chosen {
		t.Fatalf("nginx serves %d %q", code, body)
	}
	rs, err := svc.Restores(ctx, staff, 0, backup.Page{})
	if err != nil || len(rs) != 1 || rs[0].Status != backup.RestoreDone {
		t.Fatalf("restores %+v %v", rs, err)
	}

	// The quarter's restore test runs on the agent, into its scratch directory.
	if err := svc.RunRestoreTest(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	tests, err := svc.RestoreTests(ctx, staff, 10)
	if err != nil || len(tests) != 1 || tests[0].Status != "passed" || tests[0].Files < 1 || tests[0].Mismatches != 0 {
		t.Fatalf("restore tests %+v %v", tests, err)
	}
	if entries, _ := os.ReadDir(scratch); len(entries) != 0 {
		t.Fatalf("scratch left behind on the agent: %v", entries)
	}

	// The password reached restic alone: nothing the agent keeps holds it.
	_ = filepath.WalkDir(dataDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if b, _ := os.ReadFile(p); bytes.Contains(b, []byte(password)) {
				t.Errorf("%s holds the repository password", p)
			}
		}
		return nil
	})

	// Terminated: no backup is made any more; once the terms' month has passed for
	// the last backup, its snapshots are forgotten.
	prov.mu.Lock()
	prov.ps[0].Live, prov.ps[0].Ended = false, true
	prov.mu.Unlock()
	if err := svc.EnrolAll(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if err := svc.RunDaily(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if runs, _ := svc.Runs(ctx, staff, en.ID, backup.Page{}); len(runs) != days {
		t.Fatalf("%d runs after the termination", len(runs))
	}
	if err := svc.Forget(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if snaps, _ := ag.Driver.BackupHost().Snapshots(ctx, backup.Repo{Location: repo, Password: password}, nil); len(snaps) != len(w) {
		t.Fatalf("%d snapshots right after the termination, want %d", len(snaps), len(w))
	}
	clk.Advance(40 * 24 * time.Hour)
	if err := svc.Forget(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if snaps, err := ag.Driver.BackupHost().Snapshots(ctx, backup.Repo{Location: repo, Password: password}, nil); err != nil || len(snaps) != 0 {
		t.Fatalf("%d snapshots a month after the termination (%v)", len(snaps), err)
	}
	if _, problems, err := audit.Verify(ctx, db); err != nil || len(problems) > 0 {
		t.Fatalf("audit chain: %v %v", err, problems)
	}
}

func custOf(orgID int64) accounts.Principal {
	o := accounts.Organisation{ID: orgID}
	return accounts.Principal{User: accounts.User{ID: 1000 + orgID, OrgID: orgID, OrgAdmin: true, Email: "admin@org.test"}, Org: &o}
}
