package webhost_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/hostpact/hostpact/internal/agent"
	"github.com/hostpact/hostpact/internal/agent/agenttest"
	"github.com/hostpact/hostpact/internal/agent/webhost"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/driver/drivertest"
)

// realSetup is one hosting server in a temporary directory: nginx, PHP-FPM and MariaDB
// on loopback ports, the agent with the webhosting module over mutual TLS, and the
// agentdriver that hostpact would use.
type realSetup struct {
	nginx  *realtest.NginxSites
	fpm    *realtest.PHPFPM
	db     *realtest.MariaDB
	root   *sql.DB
	driver driver.Driver
	home   string
}

func startReal(t *testing.T) *realSetup {
	t.Helper()
	if os.Geteuid() != 0 {
		realtest.Missing(t, "webhosting", "creating system users needs root")
	}
	realtest.Require(t, "webhosting", "useradd", "userdel", "usermod", "chpasswd")
	s := &realSetup{nginx: realtest.StartNginxSites(t), fpm: realtest.StartPHPFPM(t), db: realtest.StartMariaDB(t)}
	base := realtest.TempDir(t)
	s.home = filepath.Join(base, "home")
	settings, err := json.Marshal(map[string]any{
		"home_base":       s.home,
		"nginx_sites_dir": s.nginx.SitesDir,
		"nginx_reload":    s.nginx.Reload,
		"nginx_listen":    []string{realtest.Addr(s.nginx.Port)},
		"php_pool_dir":    s.fpm.PoolDir,
		"php_reload":      s.fpm.Reload,
		"php_socket_dir":  s.fpm.SocketDir,
		"suspended_dir":   filepath.Join(base, "suspended"),
		"mariadb_dsn":     "root@unix(" + s.db.Socket + ")/",
		"database_hosts":  []string{"localhost", "127.0.0.1"},
		"database_host":   "127.0.0.1",
	})
	if err != nil {
		t.Fatal(err)
	}
	cfg := agent.Config{DataDir: filepath.Join(base, "agent"), Modules: map[string]json.RawMessage{"webhosting": settings}}
	mods, err := cfg.Build(agent.Factories{driver.KindWebhosting: webhost.Factory})
	if err != nil {
		t.Fatal(err)
	}
	s.root, err = sql.Open("mysql", "root@unix("+s.db.Socket+")/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.root.Close() })

	s.driver = agenttest.Start(t, mods).Driver
	return s
}

// newRef is a ref no user or database on this machine has.
func newRef(t *testing.T) string {
	t.Helper()
	for range 20 {
		var b [3]byte
		_, _ = rand.Read(b[:])
		ref := "hpt" + hex.EncodeToString(b[:])
		if _, err := user.Lookup(ref); err != nil {
			t.Cleanup(func() {
				if _, err := user.Lookup(ref); err == nil {
					_ = exec.Command("userdel", "--force", ref).Run()
				}
			})
			return ref
		}
	}
	t.Fatal("no free ref")
	return ""
}

// get fetches path from the site for host on nginx.
func (s *realSetup) get(t *testing.T, host, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+realtest.Addr(s.nginx.Port)+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Host = host
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// await polls the site until it answers want (nginx applies a reload asynchronously).
func (s *realSetup) await(t *testing.T, host, path string, want func(int, string) bool, what string) (int, string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := s.get(t, host, path)
		if want(code, body) {
			return code, body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s%s answers %d %q", what, host, path, code, body)
		}
		time.Sleep(50 * time.Millisecond) // readiness poll for the reload, not a timed assertion
	}
}

// login opens a connection as the customer over TCP and returns it, or the error.
func (s *realSetup) login(ref, secret string) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = ref, secret, "tcp", s.db.Addr, ref
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, err
	}
	db := sql.OpenDB(conn)
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

func (s *realSetup) databaseExists(t *testing.T, ref string) bool {
	t.Helper()
	var n int
	if err := s.root.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", ref).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func (s *realSetup) databaseUsers(t *testing.T, ref string) int {
	t.Helper()
	var n int
	if err := s.root.QueryRow("SELECT COUNT(*) FROM mysql.user WHERE User = ?", ref).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

const whoami = `<?php echo "user=" . posix_getpwuid(posix_geteuid())['name'];`

func TestRealAgentWebhosting(t *testing.T) {
	s := startReal(t)
	ref := newRef(t)
	a := driver.Account{
		Ref: ref, Kind: driver.KindWebhosting, Domain: ref + ".example.test",
		Package: driver.Package{Name: "small", DiskMB: 500, MemoryMB: 256},
		Secret:  "S3cret-" + ref + "'\"\\;",
	}
	other := driver.Package{Name: "large", DiskMB: 2000, MemoryMB: 512}

	drivertest.Run(t, s.driver, a, other, drivertest.Checks{
		Works: func(t *testing.T, a driver.Account, c driver.Created, secret string) {
			if c.Details["database"] != a.Ref || c.Details["username"] != a.Ref || c.Details["database_host"] != "127.0.0.1" {
				t.Errorf("details %v", c.Details)
			}
			// The customer uploads a page; PHP must run it as the account's own user.
			u, err := user.Lookup(a.Ref)
			if err != nil {
				t.Fatalf("system user: %v", err)
			}
			page := filepath.Join(s.home, a.Ref, "public_html", "whoami.php")
			if err := os.WriteFile(page, []byte(whoami), 0o644); err != nil {
				t.Fatal(err)
			}
			uid, _ := strconv.Atoi(u.Uid)
			gid, _ := strconv.Atoi(u.Gid)
			if err := os.Chown(page, uid, gid); err != nil {
				t.Fatal(err)
			}
			s.await(t, a.Domain, "/whoami.php", func(code int, body string) bool {
				return code == 200 && body == "user="+a.Ref
			}, "the site's PHP page as its user")
			s.await(t, "www."+a.Domain, "/whoami.php", func(code int, body string) bool {
				return code == 200 && body == "user="+a.Ref
			}, "the www name")

			db, err := s.login(a.Ref, secret)
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
			if _, err := s.login(a.Ref, secret+"wrong"); err == nil {
				t.Error("a wrong password logs in")
			}
			use, err := s.driver.Usage(t.Context(), a.Ref)
			if err != nil {
				t.Fatal(err)
			}
			if use.DiskBytes <= 0 || use.DatabaseBytes <= 0 {
				t.Errorf("usage %+v: want disk and database sizes", use)
			}
		},
		Suspended: func(t *testing.T, a driver.Account) {
			_, body := s.await(t, a.Domain, "/whoami.php", func(code int, body string) bool { return code == 503 }, "the suspension page")
			if !strings.Contains(body, "suspended") || !strings.Contains(body, "opgeschort") {
				t.Errorf("suspension page: %q", body)
			}
			if strings.Contains(body, "payment") || strings.Contains(body, "user=") {
				t.Errorf("the suspension page discloses the reason or the site: %q", body)
			}
			if code, _ := s.get(t, a.Domain, "/"); code != 503 {
				t.Errorf("/ answers %d while suspended", code)
			}
			if db, err := s.login(a.Ref, a.Secret); err == nil {
				db.Close()
				t.Error("the database accepts the login while suspended")
			}
		},
		Package: func(t *testing.T, a driver.Account, p driver.Package) {
			pool, err := os.ReadFile(filepath.Join(s.fpm.PoolDir, "hostpact-"+a.Ref+".conf"))
			if err != nil {
				t.Fatal(err)
			}
			children := int(p.MemoryMB / 64)
			if !strings.Contains(string(pool), fmt.Sprintf("pm.max_children = %d\n", children)) {
				t.Errorf("pool for %d MB lacks pm.max_children = %d:\n%s", p.MemoryMB, children, pool)
			}
			var conns int
			if err := s.root.QueryRow("SELECT max_user_connections FROM mysql.user WHERE User = ? AND Host = '127.0.0.1'", a.Ref).Scan(&conns); err != nil {
				t.Fatal(err)
			}
			if conns != children+2 {
				t.Errorf("max_user_connections = %d, want %d", conns, children+2)
			}
		},
		Terminated: func(t *testing.T, a driver.Account) {
			s.await(t, a.Domain, "/whoami.php", func(code int, body string) bool {
				return code == 404 && strings.Contains(body, realtest.NoSite)
			}, "no site after terminate")
			if db, err := s.login(a.Ref, a.Secret+"-Reset2"); err == nil {
				db.Close()
				t.Error("the database accepts the login after terminate")
			}
			if _, err := os.Stat(filepath.Join(s.home, a.Ref, "public_html", "whoami.php")); err != nil {
				t.Errorf("terminate removed the files: %v", err)
			}
			if !s.databaseExists(t, a.Ref) {
				t.Error("terminate removed the database")
			}
		},
		Gone: func(t *testing.T, a driver.Account) {
			if _, err := user.Lookup(a.Ref); err == nil {
				t.Error("the system user is left")
			}
			if _, err := os.Stat(filepath.Join(s.home, a.Ref)); !os.IsNotExist(err) {
				t.Errorf("the home is left: %v", err)
			}
			if s.databaseExists(t, a.Ref) {
				t.Error("the database is left")
			}
			if n := s.databaseUsers(t, a.Ref); n != 0 {
				t.Errorf("%d database users are left", n)
			}
			if code, body := s.get(t, a.Domain, "/"); code != 404 || !strings.Contains(body, realtest.NoSite) {
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
	if _, err := s.root.Exec("CREATE DATABASE foreigndb"); err != nil {
		t.Fatal(err)
	}
	_, err = s.driver.Create(ctx, driver.Account{Ref: "foreigndb", Kind: driver.KindWebhosting, Domain: "f.example.test", Secret: "s"})
	if !driver.IsRefusal(err) || !strings.Contains(err.Error(), "database foreigndb") {
		t.Fatalf("Create over an existing database: %v", err)
	}

	ref, other := newRef(t), newRef(t)
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
	for _, f := range []string{filepath.Join(s.nginx.SitesDir, "hostpact-"+ref+".conf"), filepath.Join(s.fpm.PoolDir, "hostpact-"+ref+".conf")} {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.root.Exec("DROP USER '" + ref + "'@'127.0.0.1'"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.driver.Create(ctx, a); err != nil {
		t.Fatalf("Create after a half-made account: %v", err)
	}
	page := filepath.Join(s.home, ref, "public_html", "index.php")
	if err := os.WriteFile(page, []byte(whoami), 0o644); err != nil {
		t.Fatal(err)
	}
	s.await(t, a.Domain, "/", func(code int, body string) bool { return code == 200 && body == "user="+ref }, "the finished site")
	db, err := s.login(ref, a.Secret)
	if err != nil {
		t.Fatalf("login after the retry: %v", err)
	}
	db.Close()
	l, err := s.driver.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(l) != 1 || l[0].Ref != ref || l[0].Kind != driver.KindWebhosting {
		t.Errorf("List = %+v, want only %s", l, ref)
	}
}
