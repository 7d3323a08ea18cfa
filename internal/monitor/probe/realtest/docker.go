package realtest

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Docker is a private Docker Engine: its own dockerd with its own containerd, data,
// state and API socket in a temporary directory, no bridge and no firewall rules, so
// that it changes nothing on the machine and containers reach only what host
// networking on 127.0.0.1 gives them.
type Docker struct {
	*Process
	// Host is the API address for a client: unix://DIR/docker.sock.
	Host string
	// Socket is the socket's path.
	Socket string
}

// StartDocker starts Debian's dockerd as root; without root (or without dockerd) the
// test is skipped, or fails under HOSTPACT_REQUIRE_REAL. When the test ends every
// container of the engine is removed before the daemon stops, so no container process
// outlives the test.
func StartDocker(t testing.TB) *Docker {
	t.Helper()
	paths := Require(t, "docker engine", "dockerd", "containerd", "runc")
	if os.Geteuid() != 0 {
		Missing(t, "docker engine", "dockerd needs root")
	}
	// A short directory of its own: the engine's and containerd's unix sockets live
	// under it and a socket path may not exceed 108 bytes.
	dir, err := os.MkdirTemp("", "hpd")
	if err != nil {
		t.Fatal(err)
	}
	// Runs after the daemon stopped: dockerd leaves its network namespace bind-mounted.
	t.Cleanup(func() {
		unmountUnder(t, dir)
		_ = os.RemoveAll(dir)
	})
	sock := filepath.Join(dir, "docker.sock")
	p := Start(t, "dockerd", nil, paths[0],
		"--bridge=none", "--iptables=false", "--ip6tables=false", "--ip-forward=false", "--ip-masq=false",
		"--data-root", filepath.Join(dir, "data"),
		"--exec-root", filepath.Join(dir, "exec"),
		"--pidfile", filepath.Join(dir, "docker.pid"),
		"--config-file", WriteFile(t, dir, "daemon.json", "{}", 0o600),
		"--host", "unix://"+sock,
		"--userland-proxy=false",
		"--log-level", "warn",
	)
	d := &Docker{Process: p, Host: "unix://" + sock, Socket: sock}
	hc := d.HTTPClient()
	t.Cleanup(func() { d.removeAll(t, hc) })
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/_ping", nil)
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return d
			}
		}
		select {
		case <-p.done:
			t.Fatalf("dockerd exited: %v\n%s", p.err, p.Output())
		case <-ctx.Done():
			t.Fatalf("dockerd did not answer on %s: %v\n%s", sock, err, p.Output())
		case <-tick.C:
		}
	}
}

// unmountUnder detaches every mount below dir, deepest first.
func unmountUnder(t testing.TB, dir string) {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return
	}
	var points []string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4], dir+"/") {
			points = append(points, f[4])
		}
	}
	slices.SortFunc(points, func(a, b string) int { return len(b) - len(a) })
	for _, p := range points {
		if err := syscall.Unmount(p, syscall.MNT_DETACH); err != nil {
			t.Logf("dockerd: unmount %s: %v", p, err)
		}
	}
}

// HTTPClient talks to the engine's API over its socket (any host name in the URL).
func (d *Docker) HTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var dl net.Dialer
			return dl.DialContext(ctx, "unix", d.Socket)
		},
	}}
}

// removeAll force-removes every container (and its anonymous volumes) through the
// engine's API (GET /containers/json?all=1, DELETE /containers/{id}?force=1&v=1).
func (d *Docker) removeAll(t testing.TB, hc *http.Client) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://docker/containers/json?all=1", nil)
	resp, err := hc.Do(req)
	if err != nil {
		t.Logf("dockerd: list containers for cleanup: %v", err)
		return
	}
	var cs []struct{ ID string }
	err = json.NewDecoder(resp.Body).Decode(&cs)
	resp.Body.Close()
	if err != nil {
		t.Logf("dockerd: list containers for cleanup: %v", err)
		return
	}
	for _, c := range cs {
		req, _ := http.NewRequestWithContext(ctx, http.MethodDelete, "http://docker/containers/"+url.PathEscape(c.ID)+"?force=1&v=1", nil)
		resp, err := hc.Do(req)
		if err != nil {
			t.Errorf("dockerd: remove container %s: %v", c.ID, err)
			continue
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 && resp.StatusCode != http.StatusNotFound {
			t.Errorf("dockerd: remove container %s: %s", c.ID, resp.Status)
		}
	}
	if len(cs) > 0 {
		t.Logf("dockerd: removed %d container(s) left at the end of the test", len(cs))
	}
}
