package kvm

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/driver/drivertest"
)

const bootMessage = "HOSTPACT-VPS-OK"

// startReal starts a private libvirt daemon and makes the module for it, with the
// boot sector as the template "boot.img"; bins are genisoimage, isoinfo and qemu-img.
func startReal(t *testing.T) (*realtest.Libvirt, *Driver, []string) {
	lv := realtest.StartLibvirt(t)
	bins := realtest.Require(t, "genisoimage", "genisoimage", "isoinfo", "qemu-img")
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(nobody.Uid)
	gid, _ := strconv.Atoi(nobody.Gid)
	templates := filepath.Join(lv.Dir, "templates")
	images := filepath.Join(lv.Dir, "images")
	if err := os.Mkdir(templates, 0o755); err != nil {
		t.Fatal(err)
	}
	realtest.BootSector(t, filepath.Join(templates, "boot.img"), bootMessage)
	settings, _ := json.Marshal(Config{
		Socket: lv.Socket, URI: "qemu:///session",
		TemplatesDir: templates, ImagesDir: images, ImageUID: uid, ImageGID: gid,
		// The boot sector does not answer the ACPI power button: every shutdown is
		// the forced one after this timeout.
		ShutdownTimeoutSeconds: 1,
		Genisoimage:            bins[0], QemuImg: bins[2],
	})
	dd, err := Factory(settings, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return lv, dd.(*Driver), bins
}

// TestRealKVM takes one VPS through its life on a private libvirt daemon with KVM. The
// template is a one-sector guest that prints a line on its serial port, so the test
// sees the VPS boot from its overlay disk; it has no operating system, so the password
// is checked where the module puts it: hashed in the cloud-init seed ISO.
func TestRealKVM(t *testing.T) {
	t.Parallel()
	lv, d, bins := startReal(t)
	images := d.cfg.ImagesDir
	a := driver.Account{Ref: "hp42", Kind: driver.KindVPS, Secret: `Gr33n "tea" \ latte`,
		Package: driver.Package{Name: "vps-s", CPUMilli: 500, MemoryMB: 32, DiskMB: 16, Template: "boot.img"}}
	other := driver.Package{Name: "vps-m", CPUMilli: 1500, MemoryMB: 48, DiskMB: 32, Template: "boot.img"}
	dir := filepath.Join(images, a.Ref)
	boots := 0 // times the guest has printed its line, as of the last suspension

	drivertest.Run(t, d, a, other, drivertest.Checks{
		Works: func(t *testing.T, a driver.Account, c driver.Created, secret string) {
			if s := lv.Virsh(t, "domstate", a.Ref); s != "running" {
				t.Fatalf("domain state %q, want running", s)
			}
			// The guest booted (again, after a suspension) from its disk.
			deadline := time.Now().Add(30 * time.Second)
			for {
				b, _ := os.ReadFile(filepath.Join(dir, "console.log"))
				if strings.Count(string(b), bootMessage) > boots {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("the guest's console shows %q, want %d boots", b, boots+1)
				}
				time.Sleep(20 * time.Millisecond)
			}
			iso := filepath.Join(dir, "seed.iso")
			if info := run(t, bins[1], "-d", "-i", iso); !strings.Contains(info, "Volume id: cidata") {
				t.Errorf("seed is not a NoCloud volume:\n%s", info)
			}
			ud := run(t, bins[1], "-J", "-i", iso, "-x", "/user-data")
			m := regexp.MustCompile(`password: '(\$6\$[^']+)'`).FindStringSubmatch(ud)
			if m == nil || !passwordMatches(m[1], secret) {
				t.Errorf("the seed's user-data does not carry the secret's hash:\n%s", ud)
			}
			if strings.Contains(ud, secret) {
				t.Errorf("the seed carries the secret in the clear")
			}
			// QEMU reads the seed now on disk, not one a reset replaced, which a reboot
			// from inside the guest would still find.
			if stale := staleFiles(t, dir); len(stale) > 0 {
				t.Errorf("QEMU holds replaced files open: %v", stale)
			}
			md := run(t, bins[1], "-J", "-i", iso, "-x", "/meta-data")
			if !strings.HasPrefix(md, "instance-id: "+a.Ref) {
				t.Errorf("meta-data:\n%s", md)
			}
			if c.Details["username"] != "root" || c.Details["package_applies"] != "next-boot" {
				t.Errorf("details: %v", c.Details)
			}
		},
		Suspended: func(t *testing.T, a driver.Account) {
			if s := lv.Virsh(t, "domstate", a.Ref); s != "shut off" {
				t.Errorf("domain state %q, want shut off", s)
			}
			b, _ := os.ReadFile(filepath.Join(dir, "console.log"))
			boots = strings.Count(string(b), bootMessage)
		},
		Package: func(t *testing.T, a driver.Account, p driver.Package) {
			x := lv.Virsh(t, "dumpxml", "--inactive", a.Ref)
			if want := ">" + strconv.Itoa(vcpusFor(p.CPUMilli)) + "</vcpu>"; !strings.Contains(x, want) {
				t.Errorf("definition has no %s:\n%s", want, x)
			}
			if want := "<memory unit='KiB'>" + strconv.FormatInt(p.MemoryMB*1024, 10) + "</memory>"; !strings.Contains(x, want) {
				t.Errorf("definition has no %s:\n%s", want, x)
			}
			var info struct {
				Size   int64  `json:"virtual-size"`
				Format string `json:"format"`
			}
			if err := json.Unmarshal([]byte(run(t, bins[2], "info", "-U", "--output=json", filepath.Join(dir, "disk.qcow2"))), &info); err != nil {
				t.Fatal(err)
			}
			if info.Format != "qcow2" || info.Size != p.DiskMB<<20 {
				t.Errorf("disk is %s of %d bytes, want qcow2 of %d MB", info.Format, info.Size, p.DiskMB)
			}
		},
		Terminated: func(t *testing.T, a driver.Account) {
			if s := lv.Virsh(t, "domstate", a.Ref); s != "shut off" {
				t.Errorf("domain state %q, want shut off", s)
			}
			if _, err := os.Stat(filepath.Join(dir, "disk.qcow2")); err != nil {
				t.Errorf("terminated VPS lost its disk: %v", err)
			}
		},
		Gone: func(t *testing.T, a driver.Account) {
			if out := lv.Virsh(t, "list", "--all", "--name"); strings.Contains(out, a.Ref) {
				t.Errorf("domains left: %q", out)
			}
			if _, err := os.Stat(dir); !os.IsNotExist(err) {
				t.Errorf("files left in %s: %v", dir, err)
			}
		},
	})

	ctx := context.Background()
	t.Run("foreign domain", func(t *testing.T) {
		realtest.WriteFile(t, lv.Dir, "hp99.xml", `<domain type='kvm'><name>hp99</name><memory unit='MiB'>32</memory><vcpu>1</vcpu>
<os><type arch='x86_64' machine='pc'>hvm</type></os></domain>`, 0o644)
		lv.Virsh(t, "define", filepath.Join(lv.Dir, "hp99.xml"))
		b := a
		b.Ref = "hp99"
		if _, err := d.Create(ctx, b); !driver.IsRefusal(err) {
			t.Errorf("Create over a domain hostpact did not make: %v, want a refusal", err)
		}
		if err := d.DeleteData(ctx, "hp99"); !driver.IsRefusal(err) {
			t.Errorf("DeleteData of a domain hostpact did not make: %v, want a refusal", err)
		}
		l, err := d.List(ctx)
		if err != nil || len(l) != 0 {
			t.Errorf("List = %v, %v; want nothing", l, err)
		}
	})
	t.Run("refusals", func(t *testing.T) {
		b := a
		b.Ref = "hp43"
		b.Package.Template = "nothing.img"
		if _, err := d.Create(ctx, b); !driver.IsRefusal(err) {
			t.Errorf("Create with a missing template: %v, want a refusal", err)
		}
		b.Package.Template = "boot.img"
		if _, err := d.Create(ctx, b); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = d.DeleteData(ctx, b.Ref) })
		small := b.Package
		small.DiskMB = 8
		if err := d.ChangePackage(ctx, b.Ref, small); !driver.IsRefusal(err) {
			t.Errorf("shrinking the disk: %v, want a refusal", err)
		}
		if x := lv.Virsh(t, "dumpxml", "--inactive", b.Ref); !strings.Contains(x, "disk-mb=\"16\"") && !strings.Contains(x, "disk-mb='16'") {
			t.Errorf("a refused change changed the definition:\n%s", x)
		}
		u, err := d.Usage(ctx, b.Ref)
		if err != nil || u.DiskBytes <= 0 || u.CPUSeconds <= 0 || u.MemoryBytes <= 0 || u.MeasuredAt.IsZero() {
			t.Errorf("Usage = %+v, %v", u, err)
		}
		if err := d.Unsuspend(ctx, "hp44"); !strings.Contains(errString(err), driver.ErrNotFound.Error()) {
			t.Errorf("Unsuspend of nothing: %v, want not found", err)
		}
	})
}

// crashAt makes d fail once at point, as if the agent were killed there, and reports
// whether it was reached.
func crashAt(d *Driver, point string) *bool {
	reached := new(bool)
	d.failpoint = func(p string) error {
		if p != point || *reached {
			return nil
		}
		*reached = true
		return errors.New("crash at " + p)
	}
	return reached
}

// TestRealKVMCrash interrupts each step of a VPS's life where the agent could be killed
// and runs the call again: the retry completes it, with one domain and whole files.
func TestRealKVMCrash(t *testing.T) {
	t.Parallel()
	lv, d, bins := startReal(t)
	ctx := context.Background()
	a := driver.Account{Ref: "hp45", Kind: driver.KindVPS, Secret: "first-secret",
		Package: driver.Package{Name: "vps-s", MemoryMB: 32, DiskMB: 8, Template: "boot.img"}}
	dir := filepath.Join(d.cfg.ImagesDir, a.Ref)
	seedHash := func(t *testing.T) string {
		ud := run(t, bins[1], "-J", "-i", filepath.Join(dir, "seed.iso"), "-x", "/user-data")
		m := regexp.MustCompile(`password: '(\$6\$[^']+)'`).FindStringSubmatch(ud)
		if m == nil {
			t.Fatalf("no hash in the seed:\n%s", ud)
		}
		return m[1]
	}
	for _, point := range []string{"create:disk", "seed:iso", "create:seed", "create:defined"} {
		t.Run(point, func(t *testing.T) {
			reached := crashAt(d, point)
			if _, err := d.Create(ctx, a); err == nil || !*reached {
				t.Fatalf("Create with a crash at %s: %v (reached %v)", point, err, *reached)
			}
			d.failpoint = nil
			if _, err := d.Create(ctx, a); err != nil {
				t.Fatalf("Create after a crash at %s: %v", point, err)
			}
			if l, err := d.List(ctx); err != nil || len(l) != 1 || l[0].Ref != a.Ref || l[0].Suspended {
				t.Errorf("List = %v, %v", l, err)
			}
			if s := lv.Virsh(t, "domstate", a.Ref); s != "running" {
				t.Errorf("domain state %q", s)
			}
			if h := seedHash(t); !passwordMatches(h, a.Secret) {
				t.Errorf("the seed's hash %s is not the secret's", h)
			}
			if left, _ := filepath.Glob(filepath.Join(dir, "*.tmp")); len(left) > 0 {
				t.Errorf("files left over: %v", left)
			}
			if err := d.DeleteData(ctx, a.Ref); err != nil {
				t.Fatal(err)
			}
		})
	}

	if _, err := d.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	t.Run("reset", func(t *testing.T) {
		reached := crashAt(d, "seed:iso")
		if _, err := d.ResetCredentials(ctx, a.Ref, "second-secret"); err == nil || !*reached {
			t.Fatalf("ResetCredentials with a crash: %v", err)
		}
		d.failpoint = nil
		if _, err := d.ResetCredentials(ctx, a.Ref, "second-secret"); err != nil {
			t.Fatal(err)
		}
		if h := seedHash(t); !passwordMatches(h, "second-secret") {
			t.Errorf("the seed's hash %s is not the new secret's", h)
		}
		md := run(t, bins[1], "-J", "-i", filepath.Join(dir, "seed.iso"), "-x", "/meta-data")
		if strings.HasPrefix(md, "instance-id: "+a.Ref+"\n") {
			t.Errorf("a new password under the old instance id, which cloud-init would not apply:\n%s", md)
		}
	})
	t.Run("suspend", func(t *testing.T) {
		reached := crashAt(d, "suspend:marked")
		if err := d.Suspend(ctx, a.Ref, driver.SuspendNonPayment); err == nil || !*reached {
			t.Fatalf("Suspend with a crash: %v", err)
		}
		d.failpoint = nil
		if err := d.Suspend(ctx, a.Ref, driver.SuspendNonPayment); err != nil {
			t.Fatal(err)
		}
		if s := lv.Virsh(t, "domstate", a.Ref); s != "shut off" {
			t.Errorf("domain state %q", s)
		}
	})
	t.Run("delete", func(t *testing.T) {
		reached := crashAt(d, "delete:undefined")
		if err := d.DeleteData(ctx, a.Ref); err == nil || !*reached {
			t.Fatalf("DeleteData with a crash: %v", err)
		}
		d.failpoint = nil
		if err := d.DeleteData(ctx, a.Ref); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("files left: %v", err)
		}
		if l, err := d.List(ctx); err != nil || len(l) != 0 {
			t.Errorf("List = %v, %v", l, err)
		}
	})
}

// staleFiles returns the files under dir that a QEMU process holds open although they
// have been replaced or removed; it fails the test when no QEMU has the seed open.
func staleFiles(t *testing.T, dir string) []string {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	var stale []string
	seen := false
	for _, p := range procs {
		cmdline, _ := os.ReadFile(p)
		if !strings.Contains(string(cmdline), "qemu-system") || !strings.Contains(string(cmdline), dir) {
			continue
		}
		fds, _ := filepath.Glob(filepath.Join(filepath.Dir(p), "fd", "*"))
		for _, fd := range fds {
			target, err := os.Readlink(fd)
			if err != nil || !strings.HasPrefix(target, dir) {
				continue
			}
			if strings.HasSuffix(target, " (deleted)") {
				stale = append(stale, target)
			} else if target == filepath.Join(dir, "seed.iso") {
				seen = true
			}
		}
	}
	if !seen && len(stale) == 0 {
		t.Fatalf("no QEMU process has %s open", filepath.Join(dir, "seed.iso"))
	}
	return stale
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
