package realtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// NginxSites is an nginx that serves the server blocks a test (or the module under
// test) writes into SitesDir, on one loopback port, and reloads them with Reload.
type NginxSites struct {
	*Process
	Port     int
	SitesDir string
	// Reload is the command that makes nginx read SitesDir again. nginx applies it
	// asynchronously: a test polls for the effect it expects.
	Reload []string
}

// NoSite is what the catch-all server block answers (status 404) for a host name no
// block in SitesDir serves.
const NoSite = "hostpact-no-site"

// StartNginxSites starts nginx with a catch-all server block on a free port and an
// include of SitesDir/*.conf; blocks written there listen on Addr(Port).
func StartNginxSites(t testing.TB) *NginxSites {
	t.Helper()
	bin := Require(t, "nginx", "nginx")[0]
	dir := TempDir(t)
	n := &NginxSites{Port: FreePort(t), SitesDir: filepath.Join(dir, "sites")}
	if err := os.MkdirAll(n.SitesDir, 0o755); err != nil {
		t.Fatal(err)
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user www-data;\n"
	}
	conf := fmt.Sprintf(`%sworker_processes 1;
daemon off;
master_process on;
pid %[2]s/nginx.pid;
error_log stderr warn;
events { worker_connections 256; }
http {
  access_log off;
  server_names_hash_bucket_size 128;
  client_body_temp_path %[2]s/body;
  proxy_temp_path %[2]s/proxy;
  fastcgi_temp_path %[2]s/fastcgi;
  uwsgi_temp_path %[2]s/uwsgi;
  scgi_temp_path %[2]s/scgi;
  default_type text/html;
  server {
    listen 127.0.0.1:%[3]d default_server;
    server_name _;
    location / { default_type text/plain; return 404 "%[4]s\n"; }
  }
  include %[5]s/*.conf;
}
`, user, dir, n.Port, NoSite, n.SitesDir)
	path := WriteFile(t, dir, "nginx.conf", conf, 0o644)
	n.Reload = []string{bin, "-e", "stderr", "-p", dir, "-c", path, "-s", "reload"}
	n.Process = Start(t, "nginx", []string{Addr(n.Port)}, bin, "-e", "stderr", "-p", dir, "-c", path)
	// Reload finds the master by its pid file, which nginx may write after it listens.
	waitFile(t, n.Process, filepath.Join(dir, "nginx.pid"))
	return n
}

// PHPFPM is a PHP-FPM master running as root (so that each pool runs as its own user)
// with the pools a test writes into PoolDir.
type PHPFPM struct {
	*Process
	PoolDir, SocketDir string
	// Reload makes PHP-FPM read PoolDir again and returns once it is ready: PHP-FPM
	// re-executes itself on SIGUSR2 and would die of a second one that arrived before
	// its handlers are back, so the command waits for the "ready" line in its log.
	Reload []string
}

// StartPHPFPM starts Debian's php-fpm (8.2 or the unversioned name) in the foreground
// with an include of PoolDir/*.conf and one idle pool on a loopback port, which PHP-FPM
// needs to start at all and which tells when it is ready.
func StartPHPFPM(t testing.TB) *PHPFPM {
	t.Helper()
	bin := ""
	for _, name := range []string{"php-fpm8.2", "/usr/sbin/php-fpm8.2", "php-fpm", "/usr/sbin/php-fpm"} {
		if p, err := exec.LookPath(name); err == nil {
			bin = p
			break
		}
	}
	if bin == "" {
		Missing(t, "php-fpm", "php-fpm8.2 not found")
	}
	if os.Geteuid() != 0 {
		Missing(t, "php-fpm", "pools that run as other users need root")
	}
	dir := TempDir(t)
	f := &PHPFPM{PoolDir: filepath.Join(dir, "pools"), SocketDir: filepath.Join(dir, "sockets")}
	for _, d := range []string{f.PoolDir, f.SocketDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	port := FreePort(t)
	log := filepath.Join(dir, "php-fpm.log")
	pid := filepath.Join(dir, "php-fpm.pid")
	conf := fmt.Sprintf(`[global]
pid = %s
error_log = %s
log_level = notice
daemonize = no
include = %s/*.conf

[hostpact-ready]
user = www-data
group = www-data
listen = 127.0.0.1:%d
pm = ondemand
pm.max_children = 1
`, pid, log, f.PoolDir, port)
	path := WriteFile(t, dir, "php-fpm.conf", conf, 0o644)
	reload := fmt.Sprintf(`log=%[1]q
pidfile=%[2]q
ready() { grep -c 'ready to handle connections' "$log"; }
# php-fpm removes its pid file while it re-executes and writes it again after.
i=0
while [ ! -s "$pidfile" ]; do
  i=$((i+1))
  if [ $i -gt 600 ]; then echo "php-fpm has no pid file" >&2; exit 1; fi
  sleep 0.05
done
pid=$(cat "$pidfile")
n=$(ready)
kill -USR2 "$pid" || exit 1
i=0
while [ "$(ready)" -le "$n" ]; do
  i=$((i+1))
  if [ $i -gt 600 ]; then echo "php-fpm did not reload" >&2; tail -n 20 "$log" >&2; exit 1; fi
  if ! kill -0 "$pid" 2>/dev/null; then echo "php-fpm died on reload" >&2; tail -n 20 "$log" >&2; exit 1; fi
  sleep 0.05
done
`, log, pid)
	script := WriteFile(t, dir, "reload.sh", reload, 0o755)
	f.Reload = []string{"/bin/sh", script}
	f.Process = Start(t, "php-fpm", []string{Addr(port)}, bin, "--nodaemonize", "--fpm-config", path)
	waitFile(t, f.Process, pid)
	t.Cleanup(func() {
		if t.Failed() {
			if data, err := os.ReadFile(log); err == nil {
				t.Logf("php-fpm log:\n%s", data)
			}
		}
	})
	return f
}

// waitFile polls until the server has written path (its pid file), or fails the test
// when the server exits or 30 seconds pass.
func waitFile(t testing.TB, p *Process, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		if data, err := os.ReadFile(path); err == nil && len(data) > 0 {
			return
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited: %v\n%s", p.Name, p.err, p.Output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not write %s\n%s", p.Name, path, p.Output())
		}
		time.Sleep(10 * time.Millisecond) // readiness poll
	}
}

// waitUnix polls until the server accepts connections on the Unix socket path.
func waitUnix(t testing.TB, p *Process, path string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("unix", path)
		if err == nil {
			c.Close()
			return
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited: %v\n%s", p.Name, p.err, p.Output())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s does not accept connections on %s: %v\n%s", p.Name, path, err, p.Output())
		}
		time.Sleep(10 * time.Millisecond) // readiness poll
	}
}
