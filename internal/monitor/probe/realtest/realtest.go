// Package realtest starts real servers from Debian's packages for the probe tests:
// nginx, Dovecot, Postfix and PowerDNS, each as a foreground child process with its own
// configuration in the test's temporary directory, listening on 127.0.0.1 only, on free
// ports, and stopped when the test ends. MariaDB is the machine's own server.
//
// A test that needs a component calls Require: the test is skipped when the component
// is not installed, and fails instead when HOSTPACT_REQUIRE_REAL=1 (set by .ci/run
// after it installed the packages), so CI cannot pass by skipping.
package realtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Required reports whether missing components fail tests instead of skipping them.
func Required() bool { return os.Getenv("HOSTPACT_REQUIRE_REAL") == "1" }

// Require finds the named programs (in PATH or at absolute paths) and returns their
// paths; when one is missing it skips the test, or fails it under HOSTPACT_REQUIRE_REAL.
func Require(t testing.TB, component string, programs ...string) []string {
	t.Helper()
	paths := make([]string, len(programs))
	for i, p := range programs {
		path, err := exec.LookPath(p)
		if err != nil {
			Missing(t, component, fmt.Sprintf("%s not found (%v)", p, err))
		}
		paths[i] = path
	}
	return paths
}

// Missing skips or fails the test for a component that is not available.
func Missing(t testing.TB, component, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s is required (HOSTPACT_REQUIRE_REAL=1) but unavailable: %s", component, why)
	}
	t.Skipf("%s unavailable: %s", component, why)
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. A server started
// on it may still lose a race with another process; Start reports that clearly.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreeUDPPort is FreePort for UDP (DNS).
func FreeUDPPort(t testing.TB) int {
	t.Helper()
	for range 20 {
		p := FreePort(t)
		c, err := net.ListenPacket("udp", "127.0.0.1:"+strconv.Itoa(p))
		if err == nil {
			c.Close()
			return p
		}
	}
	t.Fatal("no port free for both TCP and UDP on 127.0.0.1")
	return 0
}

// Addr is "127.0.0.1:port".
func Addr(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }

// Process is a server started by the kit.
type Process struct {
	Name string
	cmd  *exec.Cmd
	log  *syncBuffer
	done chan struct{}
	err  error
}

// Start runs a server in the foreground as a child process, waits until every address
// in ready accepts TCP connections, and stops it when the test ends. The server's
// output is shown when the test fails.
func Start(t testing.TB, name string, ready []string, argv ...string) *Process {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p := &Process{Name: name, cmd: cmd, log: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", name, p.log.String())
		}
	})
	for _, a := range ready {
		if err := p.waitListening(a, 30*time.Second); err != nil {
			t.Fatalf("%s did not start: %v\n%s", name, err, p.log.String())
		}
	}
	return p
}

// Stop ends the server (SIGTERM to its process group, SIGKILL after 10 seconds) and
// waits for it. Stopping twice is harmless.
func (p *Process) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	}
}

// Output is what the server printed so far.
func (p *Process) Output() string { return p.log.String() }

// waitListening polls until address accepts a connection or the server exits: a
// daemon has no other way to say it is ready.
func (p *Process) waitListening(address string, limit time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		var d net.Dialer
		c, err := d.DialContext(ctx, "tcp", address)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%s exited: %v", p.Name, p.err)
		case <-ctx.Done():
			return fmt.Errorf("%s not listening on %s after %s: %w", p.Name, address, limit, errors.Join(ctx.Err(), err))
		case <-tick.C:
		}
	}
}

// WriteFile writes a file under dir, creating parent directories, and returns its path.
func WriteFile(t testing.TB, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	return path
}

// TempDir is a temporary directory that daemons which drop privileges can traverse
// (t.TempDir is 0700 and owned by the test's user).
func TempDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for d := dir; d != filepath.Dir(d) && d != os.TempDir(); d = filepath.Dir(d) {
		_ = os.Chmod(d, 0o755)
	}
	return dir
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
