package kvm

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

var update = flag.Bool("update", false, "rewrite golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update to accept):\n%s", name, got)
	}
}

func testDriver(t *testing.T, cfg Config) *Driver {
	t.Helper()
	if cfg.TemplatesDir == "" {
		cfg.TemplatesDir = "/var/lib/hostpact/templates"
	}
	if cfg.ImagesDir == "" {
		cfg.ImagesDir = "/var/lib/libvirt/images/hostpact"
	}
	d, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The domain definitions the module gives libvirt: without a network (the default,
// and all the tests run), and with one, its MAC address fixed by the UUID.
func TestDomainXML(t *testing.T) {
	const uuid = "6f1c3a52-8f0e-4c2b-9d5e-0a1b2c3d4e5f"
	p := driver.Package{Name: "vps-m", CPUMilli: 1500, MemoryMB: 2048, DiskMB: 20480, Template: "debian-12.qcow2"}

	d := testDriver(t, Config{})
	x, err := d.vps("hp42", uuid, d.metaFor(p)).render()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "domain.xml", x)

	d = testDriver(t, Config{Network: "default", Machine: "q35", CPUMode: "host-model"})
	m := d.metaFor(p)
	m.State = stateSuspended
	x, err = d.vps("hp42", uuid, m).render()
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "domain-network.xml", x)
	if mac := macFor(uuid); !strings.Contains(x, mac) || macFor(uuid) != mac {
		t.Errorf("MAC %s not in the definition or not stable", mac)
	}
}

// The element libvirt hands back is what render wrote, so a redefinition keeps the
// state and the package.
func TestMetaRoundTrip(t *testing.T) {
	d := testDriver(t, Config{Network: "default"})
	m := d.metaFor(driver.Package{CPUMilli: 2001, MemoryMB: 512, DiskMB: 4096, Template: "boot.img"})
	m.State = stateTerminated
	x, err := d.vps("hp42", "6f1c3a52-8f0e-4c2b-9d5e-0a1b2c3d4e5f", m).render()
	if err != nil {
		t.Fatal(err)
	}
	i := strings.Index(x, "<hostpact:vps")
	j := strings.Index(x[i:], "</hostpact:vps>")
	// libvirt returns the element without the prefix, as it was selected by namespace.
	el := strings.ReplaceAll(x[i:i+j], "hostpact:vps", "vps") + "</vps>"
	got, err := parseMeta(el)
	if err != nil {
		t.Fatal(err)
	}
	if got.State != stateTerminated || got.VCPUs != 3 || got.MemoryMB != 512 || got.DiskMB != 4096 || got.Template != "boot.img" || got.Network != "default" {
		t.Errorf("parseMeta(%s) = %+v", el, got)
	}
}

func TestVCPUs(t *testing.T) {
	for milli, want := range map[int64]int{0: 1, 1: 1, 500: 1, 1000: 1, 1001: 2, 1500: 2, 4000: 4} {
		if got := vcpusFor(milli); got != want {
			t.Errorf("vcpusFor(%d) = %d, want %d", milli, got, want)
		}
	}
}

func TestSeedFiles(t *testing.T) {
	ud := userData("debian", "$6$rounds=100000$abc$def")
	if !strings.HasPrefix(ud, "#cloud-config\n") || strings.Contains(ud, "disable_root") ||
		!strings.Contains(ud, "    - name: 'debian'\n      password: '$6$rounds=100000$abc$def'\n      type: hash\n") {
		t.Errorf("user-data:\n%s", ud)
	}
	if m := hashLine.FindStringSubmatch(ud); m == nil || m[1] != "$6$rounds=100000$abc$def" {
		t.Errorf("the hash is not read back from\n%s", ud)
	}
	if !strings.Contains(userData("root", "$6$x$y"), "disable_root: false\n") {
		t.Errorf("root's user-data keeps root disabled")
	}
	if md := metaData("hp42", "hp42"); md != "instance-id: hp42\nlocal-hostname: hp42\n" {
		t.Errorf("meta-data:\n%s", md)
	}
}

func TestFactory(t *testing.T) {
	d, err := Factory(json.RawMessage(`{"templates_dir": "/srv/templates"}`), "/var/lib/hostpact-agent/vps")
	if err != nil {
		t.Fatal(err)
	}
	cfg := d.(*Driver).cfg
	if cfg.ImagesDir != "/var/lib/hostpact-agent/vps/images" || cfg.Socket != "/var/run/libvirt/libvirt-sock" ||
		cfg.URI != "qemu:///system" || cfg.User != "root" || cfg.ShutdownTimeoutSeconds != 120 {
		t.Errorf("defaults: %+v", cfg)
	}
	for _, bad := range []string{
		`{}`,
		`{"templates_dir": "templates"}`,
		`{"templates_dir": "/srv/t", "images_dir": "/srv/t/"}`,
		`{"templates_dir": "/srv/t", "user": "Root; rm"}`,
		`{"templates_dir": "/srv/t", "network": "a b"}`,
		`{"templates_dir": "/srv/t", "uri": "lxc:///"}`,
		`{"templates_dir": "/srv/t", "cpu_mode": "custom"}`,
		`{"templates_dir": "/srv/t", "shutdown_timeout_seconds": -1}`,
		`{"templates_dir": "/srv/t", "image_uid": -5}`,
		`{"templates_dir": "/srv/t", "unknown": 1}`,
		`{"templates_dir": "/srv/t"} {}`,
	} {
		if _, err := Factory(json.RawMessage(bad), "/var/lib/hostpact-agent/vps"); err == nil {
			t.Errorf("Factory(%s) accepted", bad)
		}
	}
}

// FuzzFactory: the settings come from the agent's configuration file. Whatever it
// accepts has absolute, distinct directories and names that are safe in XML and
// cloud-config.
func FuzzFactory(f *testing.F) {
	f.Add(`{"templates_dir": "/srv/templates"}`)
	f.Add(`{"templates_dir": "/t", "images_dir": "/i", "network": "default", "user": "debian", "machine": "q35", "cpu_mode": "host-model", "shutdown_timeout_seconds": 30}`)
	f.Add(`{"socket": "/run/x", "uri": "qemu+unix:///session?socket=/run/x", "templates_dir": "/t"}`)
	f.Add(`{"templates_dir": "/t", "image_uid": 65534, "image_gid": 65534}`)
	f.Fuzz(func(t *testing.T, settings string) {
		d, err := Factory(json.RawMessage(settings), "/data")
		if err != nil {
			return
		}
		c := d.(*Driver).cfg
		if !filepath.IsAbs(c.TemplatesDir) || !filepath.IsAbs(c.ImagesDir) || filepath.Clean(c.TemplatesDir) == filepath.Clean(c.ImagesDir) {
			t.Errorf("accepted directories %q and %q", c.TemplatesDir, c.ImagesDir)
		}
		if !userPattern.MatchString(c.User) || !namePattern.MatchString(c.Machine) || (c.Network != "" && !namePattern.MatchString(c.Network)) {
			t.Errorf("accepted names %q %q %q", c.User, c.Machine, c.Network)
		}
		if d.(*Driver).timeout <= 0 {
			t.Errorf("shutdown timeout %v", d.(*Driver).timeout)
		}
	})
}

// FuzzParseMeta: the element comes from the libvirt daemon, where anyone with access
// to the host can edit a domain's metadata.
func FuzzParseMeta(f *testing.F) {
	f.Add(`<vps state="active" template="boot.img" vcpus="1" memory-mb="32" disk-mb="16"/>`)
	f.Add(`<vps state="suspended" template="" vcpus="4" memory-mb="4096" disk-mb="0" network="default"/>`)
	f.Add(`<vps state="gone" vcpus="-1"/>`)
	f.Add(`<vps state="active" template="../../etc/passwd" vcpus="1" memory-mb="1"/>`)
	f.Fuzz(func(t *testing.T, s string) {
		m, err := parseMeta(s)
		if err != nil {
			return
		}
		if m.VCPUs < 1 || m.MemoryMB < 1 || (m.Template != "" && !namePattern.MatchString(m.Template)) {
			t.Errorf("accepted %+v", m)
		}
		d := &Driver{cfg: Config{ImagesDir: "/i", Machine: "pc"}}
		if _, err := d.vps("hp42", "6f1c3a52-8f0e-4c2b-9d5e-0a1b2c3d4e5f", m).render(); err != nil {
			t.Errorf("render of accepted metadata: %v", err)
		}
	})
}
