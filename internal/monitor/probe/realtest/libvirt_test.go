package realtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestRealLibvirtKVMGuest shows that a KVM guest runs under the kit's private libvirt
// daemon: it boots, pauses and resumes, its persistent memory can be changed, and it is
// removed. It is the base a libvirt VPS driver's TestReal… would build on.
func TestRealLibvirtKVMGuest(t *testing.T) {
	l := StartLibvirt(t)
	img := filepath.Join(l.Dir, "boot.img")
	BootSector(t, img, "HOSTPACT-KVM-OK")
	serial := filepath.Join(l.Dir, "hp42.serial")
	xml := WriteFile(t, l.Dir, "hp42.xml", fmt.Sprintf(`<domain type='kvm'>
  <name>hp42</name>
  <memory unit='MiB'>32</memory>
  <vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><boot dev='hd'/></os>
  <devices>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='%s'/><target dev='hda' bus='ide'/></disk>
    <serial type='file'><source path='%s'/><target port='0'/></serial>
    <memballoon model='none'/>
  </devices>
</domain>`, img, serial), 0o644)
	for _, f := range []string{img, xml} {
		if err := os.Chown(f, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	l.Virsh(t, "define", xml)
	l.Virsh(t, "start", "hp42")
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, _ := os.ReadFile(serial)
		if strings.Contains(string(b), "HOSTPACT-KVM-OK") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the guest printed %q on its serial port", b)
		}
		time.Sleep(20 * time.Millisecond)
	}
	state := func() string { return l.Virsh(t, "domstate", "hp42") }
	if s := state(); s != "running" {
		t.Fatalf("state %q after start", s)
	}
	l.Virsh(t, "suspend", "hp42")
	if s := state(); s != "paused" {
		t.Errorf("state %q after suspend", s)
	}
	l.Virsh(t, "resume", "hp42")
	if s := state(); s != "running" {
		t.Errorf("state %q after resume", s)
	}
	l.Virsh(t, "setmaxmem", "hp42", "64M", "--config")
	if out := l.Virsh(t, "dumpxml", "hp42", "--inactive"); !strings.Contains(out, "<memory unit='KiB'>65536</memory>") {
		t.Errorf("persistent memory not changed:\n%s", out)
	}
	l.Virsh(t, "destroy", "hp42")
	l.Virsh(t, "undefine", "hp42")
	if out := l.Virsh(t, "list", "--all", "--name"); strings.TrimSpace(out) != "" {
		t.Errorf("guests left: %q", out)
	}
}
