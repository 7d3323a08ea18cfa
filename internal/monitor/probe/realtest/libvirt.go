package realtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Libvirt is a private libvirt daemon in session mode: it runs as the unprivileged user
// nobody (with the kvm group for /dev/kvm), keeps its sockets, configuration, images and
// guests under the test's temporary directory, and defines no network, so its guests
// have no interface and nothing listens anywhere. It is stopped, with its guests, when
// the test ends.
type Libvirt struct {
	*Process
	Dir    string // the daemon's home; images belong here (owned by nobody)
	Socket string // the daemon's unix socket
	URI    string // for virsh -c
	virsh  string
}

// StartLibvirt starts libvirtd (Debian's libvirt-daemon, libvirt-daemon-driver-qemu,
// libvirt-clients, qemu-system-x86, qemu-utils) when /dev/kvm is there, and skips the
// test otherwise.
func StartLibvirt(t testing.TB) *Libvirt {
	t.Helper()
	// Without /dev/kvm the test is skipped even under HOSTPACT_REQUIRE_REAL: KVM is a
	// property of the machine, not a package CI could install.
	if _, err := os.Stat("/dev/kvm"); err != nil {
		t.Skip("no KVM on this machine: " + err.Error())
	}
	bins := Require(t, "libvirt", "/usr/sbin/libvirtd", "virsh", "qemu-system-x86_64", "qemu-img")
	if os.Geteuid() != 0 {
		Missing(t, "libvirt", "the kit starts libvirtd as nobody, which needs root")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		Missing(t, "libvirt", "no user nobody: "+err.Error())
	}
	kvm, err := user.LookupGroup("kvm")
	if err != nil {
		Missing(t, "libvirt", "no group kvm: "+err.Error())
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	kvmGID, _ := strconv.Atoi(kvm.Gid)

	dir := TempDir(t)
	home := filepath.Join(dir, "home")
	for _, d := range []string{home, filepath.Join(dir, "run"), filepath.Join(dir, "config", "libvirt"), filepath.Join(dir, "cache")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	// Guests' console output goes to files rather than through virtlogd, which would
	// outlive the daemon.
	WriteFile(t, dir, "config/libvirt/qemu.conf", "stdio_handler = \"file\"\n", 0o644)
	if err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	}); err != nil {
		t.Fatal(err)
	}

	cmd := exec.Command(bins[0])
	cmd.Dir = home
	cmd.Env = []string{
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + home,
		"XDG_RUNTIME_DIR=" + filepath.Join(dir, "run"),
		"XDG_CONFIG_HOME=" + filepath.Join(dir, "config"),
		"XDG_CACHE_HOME=" + filepath.Join(dir, "cache"),
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid: true, Pdeathsig: syscall.SIGKILL,
		Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{uint32(kvmGID)}},
	}
	p := &Process{Name: "libvirtd", cmd: cmd, log: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.log, p.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("start libvirtd: %v", err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	l := &Libvirt{Process: p, Dir: home, Socket: filepath.Join(dir, "run", "libvirt", "libvirt-sock"), virsh: bins[1]}
	l.URI = "qemu+unix:///session?socket=" + l.Socket
	t.Cleanup(func() {
		l.destroyAll(t, dir)
		p.Stop()
		if t.Failed() {
			t.Logf("libvirtd output:\n%s", p.log.String())
		}
	})
	waitUnix(t, p, l.Socket)
	return l
}

// Virsh runs virsh against the daemon and returns its output; it fails the test when
// virsh fails.
func (l *Libvirt) Virsh(t testing.TB, args ...string) string {
	t.Helper()
	out, err := l.TryVirsh(args...)
	if err != nil {
		t.Fatalf("virsh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// TryVirsh is Virsh that returns the error.
func (l *Libvirt) TryVirsh(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, l.virsh, append([]string{"-q", "-c", l.URI}, args...)...).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// destroyAll powers off every guest (qemu processes are the daemon's children only in
// name: they keep running without it) and, as a last resort, kills those whose pid
// files are in the daemon's directory.
func (l *Libvirt) destroyAll(t testing.TB, dir string) {
	if out, err := l.TryVirsh("list", "--name", "--state-running", "--state-paused"); err == nil {
		for _, name := range strings.Fields(out) {
			_, _ = l.TryVirsh("destroy", name)
		}
	}
	pids, _ := filepath.Glob(filepath.Join(dir, "config", "libvirt", "qemu", "run", "*.pid"))
	more, _ := filepath.Glob(filepath.Join(dir, "run", "libvirt", "qemu", "run", "*.pid"))
	for _, f := range append(pids, more...) {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 1 {
			continue
		}
		// A stale pid file may name another process by now: only a qemu started for
		// this daemon's guests is killed.
		cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if !strings.Contains(string(cmdline), "qemu-system") || !strings.Contains(string(cmdline), dir) {
			continue
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err == nil {
			t.Logf("killed leftover qemu %d (%s)", pid, f)
		}
	}
}

// BootSector writes a raw disk image of one sector that a PC BIOS boots: it prints
// message and a line break on the first serial port and halts. It is a guest that needs
// no operating system, for tests that only need a virtual machine to run.
func BootSector(t testing.TB, path, message string) {
	t.Helper()
	code := []byte{0xFC, 0x31, 0xC0, 0x8E, 0xD8} // cld; xor ax,ax; mov ds,ax
	movSI := len(code)
	code = append(code, 0xBE, 0, 0) // mov si, message
	loop := len(code)
	code = append(code, 0xAC, 0x84, 0xC0) // lodsb; test al,al
	jz := len(code)
	code = append(code, 0x74, 0)                        // jz done
	code = append(code, 0xBA, 0xF8, 0x03, 0xEE)         // mov dx,0x3f8; out dx,al
	code = append(code, 0xEB, byte(loop-(len(code)+2))) // jmp loop
	done := len(code)
	code = append(code, 0xFA, 0xF4)                     // cli; hlt
	code = append(code, 0xEB, byte(done-(len(code)+2))) // jmp done
	code[jz+1] = byte(done - (jz + 2))
	msg := 0x7C00 + len(code)
	code[movSI+1], code[movSI+2] = byte(msg), byte(msg>>8)
	code = append(code, message+"\r\n\x00"...)
	if len(code) > 510 {
		t.Fatalf("boot sector message too long")
	}
	img := make([]byte, 512)
	copy(img, code)
	img[510], img[511] = 0x55, 0xAA
	if err := os.WriteFile(path, img, 0o644); err != nil {
		t.Fatal(err)
	}
}
