// Package webhosttest starts what the webhosting module drives — nginx, PHP-FPM and
// MariaDB from Debian's packages, on loopback ports in a temporary directory — and
// checks a hosted site from the outside. The module's own tests and the end-to-end
// scenario of the provisioning layer use it.
package webhosttest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
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

	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
)

// Env is one hosting server's components.
type Env struct {
	Nginx *realtest.NginxSites
	FPM   *realtest.PHPFPM
	DB    *realtest.MariaDB
	Root  *sql.DB // MariaDB's root over its socket
	Home  string  // the module's home_base
	// Settings are the webhosting module's settings for this environment: the
	// "webhosting" section of an agent configuration.
	Settings json.RawMessage
}

// Start starts the components; it skips the test (fails it under
// HOSTPACT_REQUIRE_REAL=1) when they are missing or the test does not run as root,
// which making system users needs.
func Start(t testing.TB) *Env {
	t.Helper()
	if os.Geteuid() != 0 {
		realtest.Missing(t, "webhosting", "creating system users needs root")
	}
	realtest.Require(t, "webhosting", "useradd", "userdel", "usermod", "chpasswd")
	e := &Env{Nginx: realtest.StartNginxSites(t), FPM: realtest.StartPHPFPM(t), DB: realtest.StartMariaDB(t)}
	base := realtest.TempDir(t)
	e.Home = filepath.Join(base, "home")
	settings, err := json.Marshal(map[string]any{
		"home_base":       e.Home,
		"nginx_sites_dir": e.Nginx.SitesDir,
		"nginx_reload":    e.Nginx.Reload,
		"nginx_listen":    []string{realtest.Addr(e.Nginx.Port)},
		"php_pool_dir":    e.FPM.PoolDir,
		"php_reload":      e.FPM.Reload,
		"php_socket_dir":  e.FPM.SocketDir,
		"suspended_dir":   filepath.Join(base, "suspended"),
		"mariadb_dsn":     "root@unix(" + e.DB.Socket + ")/",
		"database_hosts":  []string{"localhost", "127.0.0.1"},
		"database_host":   "127.0.0.1",
		"sftp":            true,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.Settings = settings
	e.Root, err = sql.Open("mysql", "root@unix("+e.DB.Socket+")/")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Root.Close() })
	return e
}

// NewRef returns a ref that names no user on this machine, and removes a user of that
// name that a failed test left behind.
func NewRef(t testing.TB) string {
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

// Whoami is a PHP page that prints "user=" and the name of the user PHP runs as.
const Whoami = `<?php echo "user=" . posix_getpwuid(posix_geteuid())['name'];`

// Upload writes a file into the account's public_html as the customer would, owned by
// the account's user.
func (e *Env) Upload(t testing.TB, ref, name, content string) {
	t.Helper()
	u, err := user.Lookup(ref)
	if err != nil {
		t.Fatalf("system user: %v", err)
	}
	page := filepath.Join(e.Home, ref, "public_html", name)
	if err := os.WriteFile(page, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(page, uid, gid); err != nil {
		t.Fatal(err)
	}
}

// Get fetches path from nginx for the host name host.
func (e *Env) Get(t testing.TB, host, path string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, "http://"+realtest.Addr(e.Nginx.Port)+path, nil)
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

// Await polls until the site answers what want accepts: nginx applies a reload
// asynchronously. It fails the test after 30 seconds.
func (e *Env) Await(t testing.TB, host, path string, want func(code int, body string) bool, what string) (int, string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		code, body := e.Get(t, host, path)
		if want(code, body) {
			return code, body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %s%s answers %d %q", what, host, path, code, body)
		}
		time.Sleep(50 * time.Millisecond) // readiness poll for the reload, not a timed assertion
	}
}

// Login opens a connection to the account's database as the customer, over TCP.
func (e *Env) Login(ref, secret string) (*sql.DB, error) {
	cfg := mysql.NewConfig()
	cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName = ref, secret, "tcp", e.DB.Addr, ref
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

// DatabaseExists reports whether the database ref exists.
func (e *Env) DatabaseExists(t testing.TB, ref string) bool {
	t.Helper()
	var n int
	if err := e.Root.QueryRow("SELECT COUNT(*) FROM information_schema.schemata WHERE schema_name = ?", ref).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

// DatabaseUsers counts the database users named ref.
func (e *Env) DatabaseUsers(t testing.TB, ref string) int {
	t.Helper()
	var n int
	if err := e.Root.QueryRow("SELECT COUNT(*) FROM mysql.user WHERE User = ?", ref).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// ShadowPassword is the password field of the system user ref in /etc/shadow: a hash,
// or one starting with "!" while locked.
func ShadowPassword(t testing.TB, ref string) string {
	t.Helper()
	data, err := os.ReadFile("/etc/shadow")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 1 && f[0] == ref {
			return f[1]
		}
	}
	t.Fatalf("no shadow entry for %s", ref)
	return ""
}
