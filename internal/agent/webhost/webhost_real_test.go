package webhost_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hostpact/hostpact/internal/agent"
	"github.com/hostpact/hostpact/internal/agent/agenttest"
	"github.com/hostpact/hostpact/internal/agent/webhost"
	"github.com/hostpact/hostpact/internal/agent/webhost/webhosttest"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/driver/drivertest"
)

// realSetup is one hosting server in a temporary directory: nginx, PHP-FPM and MariaDB
// on loopback ports, the agent with the webhosting module over mutual TLS, and the
// agentdriver that hostpact would use.
type realSetup struct {
	*webhosttest.Env
	driver driver.Driver
}

func startReal(t *testing.T) *realSetup {
	t.Helper()
	s := &realSetup{Env: webhosttest.Start(t)}
	cfg := agent.Config{DataDir: filepath.Join(realtest.TempDir(t), "agent"), Modules: map[string]json.RawMessage{"webhosting": s.Settings}}
	mods, err := cfg.Build(agent.Factories{driver.KindWebhosting: webhost.Factory})
	if err != nil {
		t.Fatal(err)
	}
	s.driver = agenttest.Start(t, mods).Driver
	return s
}

func TestRealAgentWebhosting(t *testing.T) {
	s := startReal(t)
	ref := webhosttest.NewRef(t)
	a := driver.Account{
		Ref: ref, Kind: driver.KindWebhosting, Domain: ref + ".example.test",
		Package: driver.Package{Name: "small", DiskMB: 500, MemoryMB: 256},
		Secret:  "S3cret-" + ref + "'\"\\;",
	}
	other := driver.Package{Name: "large", DiskMB: 2000, MemoryMB: 512}
	shadows := map[string]string{} // secret → its hash in /etc/shadow

	drivertest.Run(t, s.driver, a, other, drivertest.Checks{
		Works: func(t *testing.T, a driver.Account, c driver.Created, secret string) {
			if c.Details["database"] != a.Ref || c.Details["username"] != a.Ref || c.Details["database_host"] != "127.0.0.1" {
				t.Errorf("details %v", c.Details)
			}
			// The customer uploads a page; PHP must run it as the account's own user.
			s.Upload(t, a.Ref, "whoami.php", webhosttest.Whoami)
			s.Await(t, a.Domain, "/whoami.php", func(code int, body string) bool {
				return code == 200 && body == "user="+a.Ref
			}, "the site's PHP page as its user")
			s.Await(t, "www."+a.Domain, "/whoami.php", func(code int, body string) bool {
				return code == 200 && body == "user="+a.Ref
			}, "the www name")

			db, err := s.Login(a.Ref, secret)
			if err != nil {
				t.Fatalf("the customer's database login with the secret: %v", err)
			}
			defer db.Close()
			if _, err := db.Exec("CREATE TABLE IF NOT EXISTS visits (id INT PRIMARY KEY)"); err != nil {
				t.Fatalf("create a table in the own database: %v", err)
			}
			if _, err := db.Exec("CREATE DATABASE " + a.Ref + "x"); err == nil {
				t.Error("the customer could create another database")
			}
			if _, err := s.Login(a.Ref, secret+"wrong"); err == nil {
				t.Error("a wrong password logs in")
			}
			// SFTP: the system user has the secret as its password (a hash per secret).
			pw := webhosttest.ShadowPassword(t, a.Ref)
			if pw == "" || strings.HasPrefix(pw, "!") {
				t.Errorf("system password %q", pw)
			}
			for other, hash := range shadows {
				if other != secret && hash == pw {
					t.Error("the system password did not change with the secret")
				}
			}
			shadows[secret] = pw
			use, err := s.driver.Usage(t.Context(), a.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if use.DiskBytes <= 0 || use.DatabaseBytes <= 0 {
				t.Errorf("usage %+v: want disk and database sizes", use)
			}
		},
		Suspended: func(t *testing.T, a driver.Account) {
			_, body := s.Await(t, a.Domain, "/whoami.php", func(code int, body string) bool { return code == 503 }, "the suspension page")
			if !strings.Contains(body, "suspended") || !strings.Contains(body, "opgeschort") {
				t.Errorf("suspension page: %q", body)
			}
			if strings.Contains(body, "payment") || strings.Contains(body, "user=") {
				t.Errorf("the suspension page discloses the reason or the site: %q", body)
			}
			if code, _ := s.Get(t, a.Domain, "/"); code != 503 {
				t.Errorf("/ answers %d while suspended", code)
			}
			if db, err := s.Login(a.Ref, a.Secret); err == nil {
				db.Close()
				t.Error("the database accepts the login while suspended")
			}
			if pw := webhosttest.ShadowPassword(t, a.Ref); !strings.HasPrefix(pw, "!") {
				t.Error("the SFTP password is not locked while suspended")
			}
		},
		Package: func(t *testing.T, a driver.Account, p driver.Package) {
			pool, err := os.ReadFile(filepath.Join(s.FPM.PoolDir, "hostpact-"+a.Ref+".conf"))
			if err != nil {
				t.Fatal(err)
			}
			children := int(p.MemoryMB / 64)
			if !strings.Contains(string(pool), fmt.Sprintf("pm.max_children = %d\n", children)) {
				t.Errorf("pool for %d MB lacks pm.max_children = %d:\n%s", p.MemoryMB, children, pool)
			}
			var conns int
			if err := s.Root.QueryRow("SELECT max_user_connections FROM mysql.user WHERE User = ? AND Host = '127.0.0.1'", a.Ref).Scan(&conns); err != nil {
				t.Fatal(err)
			}
			if conns != children+2 {
				t.Errorf("max_user_connections = %d, want %d", conns, children+2)
			}
		},
		Terminated: func(t *testing.T, a driver.Account) {
			s.Await(t, a.Domain, "/whoami.php", func(code int, body string) bool {
				return code == 404 && strings.Contains(body, realtest.NoSite)
			}, "no site after terminate")
			if db, err := s.Login(a.Ref, a.Secret+"-Reset2"); err == nil {
				db.Close()
				t.Error("the database accepts the login after terminate")
			}
			if _, err := os.Stat(filepath.Join(s.Home, a.Ref, "public_html", "whoami.php")); err != nil {
				t.Errorf("terminate removed the files: %v", err)
			}
			if !s.DatabaseExists(t, a.Ref) {
				t.Error("terminate removed the database")
			}
		},
		Gone: func(t *testing.T, a driver.Account) {
			if _, err := user.Lookup(a.Ref); err == nil {
				t.Error("the system user is left")
			}
			if _, err := os.Stat(filepath.Join(s.Home, a.Ref)); !os.IsNotExist(err) {
				t.Errorf("the home is left: %v", err)
			}
			if s.DatabaseExists(t, a.Ref) {
				t.Error("the database is left")
			}
			if n := s.DatabaseUsers(t, a.Ref); n != 0 {
				t.Errorf("%d database users are left", n)
			}
			if code, body := s.Get(t, a.Domain, "/"); code != 404 || !strings.Contains(body, realtest.NoSite) {
				t.Errorf("the site still answers: %d %q", code, body)
			}
		},
	})
}

func TestRealAgentWebhostingRefusesAndRecovers(t *testing.T) {
	s := startReal(t)
	ctx := t.Context()
	// A ref that names a system user hostpact did not make is never taken over.
	_, err := s.driver.Create(ctx, driver.Account{Ref: "daemon", Kind: driver.KindWebhosting, Domain: "daemon.example.test", Secret: "s"})
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), "system user daemon") {
		t.Fatalf("Create of ref daemon: %v", err)
	}
	if _, err := s.Root.Exec("CREATE DATABASE foreigndb"); err != nil {
		t.Fatal(err)
	}
	_, err = s.driver.Create(ctx, driver.Account{Ref: "foreigndb", Kind: driver.KindWebhosting, Domain: "f.example.test", Secret: "s"})
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), "database foreigndb") {
		t.Fatalf("Create over an existing database: %v", err)
	}

	ref, other := webhosttest.NewRef(t), webhosttest.NewRef(t)
	a := driver.Account{Ref: ref, Kind: driver.KindWebhosting, Domain: ref + ".example.test", Secret: "first-" + ref,
		Package: driver.Package{Name: "small", MemoryMB: 128}}
	if _, err := s.driver.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.driver.DeleteData(context.Background(), ref) })
	_, err = s.driver.Create(ctx, driver.Account{Ref: other, Kind: driver.KindWebhosting, Domain: a.Domain, Secret: "s"})
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), ref) {
		t.Fatalf("Create with a domain another account hosts: %v", err)
	}
	if _, err := user.Lookup(other); err == nil {
		t.Error("the refused account's user was made")
	}

	// A create that was cut off half-way: no site, no pool, no database user. The retry
	// (with the same secret, as the provisioning layer sends it) finishes the account.
	for _, f := range []string{filepath.Join(s.Nginx.SitesDir, "hostpact-"+ref+".conf"), filepath.Join(s.FPM.PoolDir, "hostpact-"+ref+".conf")} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Root.Exec("DROP USER '" + ref + "'@'127.0.0.1'"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.driver.Create(ctx, a); err != nil {
		t.Fatalf("Create after a half-made account: %v", err)
	}
	s.Upload(t, ref, "index.php", webhosttest.Whoami)
	s.Await(t, a.Domain, "/", func(code int, body string) bool { return code == 200 && body == "user="+ref }, "the finished site")
	db, err := s.Login(ref, a.Secret)
	if err != nil {
		t.Fatalf("login after the retry: %v", err)
	}
	db.Close()
	// The customer replaces public_html with a link to a system directory; a retried
	// create must not give that directory to the customer.
	target := realtest.TempDir(t)
	docRoot := filepath.Join(s.Home, ref, "public_html")
	if err := os.Rename(docRoot, docRoot+".old"); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, docRoot); err != nil {
		t.Fatal(err)
	}
	if _, err := s.driver.Create(ctx, a); !driver.IsRefusal(err) {
		t.Errorf("Create with public_html a link: %v, want a refusal", err)
	}
	if fi, err := os.Stat(target); err != nil || fi.Sys().(*syscall.Stat_t).Uid != 0 {
		t.Errorf("the link's target changed owner: %v", err)
	}
	if err := os.Remove(docRoot); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(docRoot+".old", docRoot); err != nil {
		t.Fatal(err)
	}

	l, err := s.driver.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 1 || l[0].Ref != ref || l[0].Kind != driver.KindWebhosting {
		t.Errorf("List = %+v, want only %s", l, ref)
	}
}
