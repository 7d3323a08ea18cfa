// Package kvm is the hostpact agent's module for virtual private servers (kind vps) on
// a KVM host, managed through the host's own libvirt daemon over its local unix socket
// (github.com/digitalocean/go-libvirt, libvirt's RPC protocol in pure Go).
//
// A VPS is a libvirt domain named by the account's Ref. Its files are in one directory
// per VPS under Config.ImagesDir: the disk (a qcow2 overlay on the plan's template
// image, or a qcow2 copy of a raw template), the cloud-init NoCloud seed ISO (volume
// cidata) that carries the customer's password as a SHA-512 crypt hash, the seed's
// source files, and the serial console's log. The domain carries hostpact's libvirt
// metadata (namespace MetadataNS) with the VPS's state and package: List reports only
// domains with it, and Create refuses a domain of that name without it rather than
// take over a guest hostpact did not make.
//
// Choices, consistent with the Proxmox driver (internal/provision/drivers/proxmox):
//   - Suspend shuts the guest down (ACPI power button, destroyed after
//     Config.ShutdownTimeoutSeconds) and marks it suspended in the metadata. It does not
//     pause it (DomainSuspend), which would keep its memory reserved on the host for as
//     long as the customer does not pay and resume it with a stale clock. Unsuspend
//     starts it. The mark, not the power state, is what List reports, because a
//     customer may shut the guest down from inside.
//   - Terminate shuts the guest down and marks it terminated; the definition and the
//     disk stay until DeleteData, which destroys and undefines the domain (with its
//     NVRAM, managed save image and snapshot and checkpoint metadata) and removes the
//     VPS's directory.
//   - ChangePackage redefines the domain: vCPUs and memory are its persistent
//     configuration and take effect when the guest next boots (every answer's detail
//     "package_applies" = "next-boot" says so); the disk grows at once (live through libvirt
//     when the guest runs, qemu-img otherwise) and never shrinks: a smaller disk is a
//     refusal, checked before anything changes.
//   - The password is set by cloud-init, which applies it once per instance, at boot.
//     ResetCredentials rebuilds the seed with a new instance id, so the new password is
//     applied at the next boot (detail "password_applies" = "next-boot"), as Proxmox's
//     cloud-init drive does.
//   - A VPS has no network interface unless Config.Network names a libvirt network
//     that exists on the host.
package kvm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/digitalocean/go-libvirt"
	"github.com/digitalocean/go-libvirt/socket/dialers"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// Config is the module's section of the agent's configuration, e.g. on a Debian KVM
// host with libvirt-daemon-system, qemu-utils and genisoimage:
//
//	"vps": {
//	  "templates_dir": "/var/lib/hostpact/templates",
//	  "images_dir": "/var/lib/libvirt/images/hostpact",
//	  "network": "default",
//	  "user": "debian"
//	}
type Config struct {
	// Socket is libvirtd's unix socket; /var/run/libvirt/libvirt-sock when empty. URI
	// is the connection the daemon opens on it; "qemu:///system" when empty.
	Socket string `json:"socket"`
	URI    string `json:"uri"`
	// TemplatesDir holds the base images a plan's Package.Template names (a file name,
	// qcow2 or raw). They are read, never changed: a qcow2 template is the backing file
	// of every disk made from it.
	TemplatesDir string `json:"templates_dir"`
	// ImagesDir holds one directory per VPS; Factory defaults it to "images" in the
	// module's data directory.
	ImagesDir string `json:"images_dir"`
	// ImageUID and ImageGID own the files the module makes, for a daemon whose QEMU
	// does not run as root and does not change ownership itself (a session daemon);
	// zero leaves them to root, which the system daemon's dynamic ownership handles.
	ImageUID int `json:"image_uid"`
	ImageGID int `json:"image_gid"`
	// Network is the libvirt network a VPS's one interface joins; empty: no interface.
	Network string `json:"network"`
	// User is the guest's account cloud-init sets the password of; "root" when empty.
	User string `json:"user"`
	// Machine is QEMU's machine type; "pc" when empty.
	Machine string `json:"machine"`
	// CPUMode is libvirt's <cpu mode>: "host-model" gives guests the host's CPU
	// features (what modern distributions need beyond x86-64 v1) but fails on some
	// nested hosts; empty leaves QEMU's default model.
	CPUMode string `json:"cpu_mode"`
	// ShutdownTimeoutSeconds is how long a guest may take to power off after the ACPI
	// power button before it is destroyed; 120 (Proxmox's timeout) when zero.
	ShutdownTimeoutSeconds int `json:"shutdown_timeout_seconds"`
	// QemuImg and Genisoimage are the programs; found on PATH when empty.
	QemuImg     string      `json:"qemu_img"`
	Genisoimage string      `json:"genisoimage"`
	Clock       clock.Clock `json:"-"` // clock.Real when nil
}

// MetadataNS is the namespace of hostpact's element in a domain's <metadata>.
const MetadataNS = "https://hostpact.org/xmlns/vps/1"

var (
	userPattern = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	namePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// Factory makes the module from its section of the agent's configuration (see Config)
// and the data directory the agent gives it. It does not reach the daemon: Test does.
func Factory(settings json.RawMessage, dataDir string) (driver.Driver, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(settings))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("kvm: settings: %w", err)
	}
	if dec.More() {
		return nil, errors.New("kvm: settings: more than one JSON value")
	}
	if cfg.ImagesDir == "" && dataDir != "" {
		cfg.ImagesDir = filepath.Join(dataDir, "images")
	}
	return New(cfg)
}

// Driver is the module.
type Driver struct {
	cfg     Config
	timeout time.Duration
	// failpoint, when set (tests), is called at named points between the steps of a
	// call; an error it returns ends the call there, as a crash of the agent would.
	failpoint func(point string) error
}

func (d *Driver) fail(point string) error {
	if d.failpoint == nil {
		return nil
	}
	return d.failpoint(point)
}

// New checks cfg and fills in its defaults.
func New(cfg Config) (*Driver, error) {
	if cfg.Socket == "" {
		cfg.Socket = "/var/run/libvirt/libvirt-sock"
	}
	if cfg.URI == "" {
		cfg.URI = "qemu:///system"
	}
	if cfg.User == "" {
		cfg.User = "root"
	}
	if cfg.Machine == "" {
		cfg.Machine = "pc"
	}
	if cfg.ShutdownTimeoutSeconds == 0 {
		cfg.ShutdownTimeoutSeconds = 120
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	if cfg.QemuImg == "" {
		cfg.QemuImg = "qemu-img"
	}
	if cfg.Genisoimage == "" {
		cfg.Genisoimage = "genisoimage"
	}
	for name, p := range map[string]string{"socket": cfg.Socket, "templates_dir": cfg.TemplatesDir, "images_dir": cfg.ImagesDir} {
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("kvm: %s %q is not an absolute path", name, p)
		}
	}
	if filepath.Clean(cfg.TemplatesDir) == filepath.Clean(cfg.ImagesDir) {
		return nil, errors.New("kvm: templates_dir and images_dir must differ")
	}
	if u, err := url.Parse(cfg.URI); err != nil || !strings.HasPrefix(u.Scheme, "qemu") {
		return nil, fmt.Errorf("kvm: uri %q is not a qemu:// connection", cfg.URI)
	}
	if !userPattern.MatchString(cfg.User) {
		return nil, fmt.Errorf("kvm: user %q is not a Linux user name", cfg.User)
	}
	if !namePattern.MatchString(cfg.Machine) {
		return nil, fmt.Errorf("kvm: machine %q is not a machine type", cfg.Machine)
	}
	switch cfg.CPUMode {
	case "", "host-model", "host-passthrough", "maximum":
	default:
		return nil, fmt.Errorf("kvm: cpu_mode %q is not host-model, host-passthrough or maximum", cfg.CPUMode)
	}
	if cfg.Network != "" && !namePattern.MatchString(cfg.Network) {
		return nil, fmt.Errorf("kvm: network %q is not a libvirt network name", cfg.Network)
	}
	if cfg.ShutdownTimeoutSeconds < 0 || cfg.ShutdownTimeoutSeconds > 3600 {
		return nil, fmt.Errorf("kvm: shutdown_timeout_seconds %d is not between 1 and 3600", cfg.ShutdownTimeoutSeconds)
	}
	if cfg.ImageUID < 0 || cfg.ImageGID < 0 {
		return nil, errors.New("kvm: image_uid and image_gid must not be negative")
	}
	return &Driver{cfg: cfg, timeout: time.Duration(cfg.ShutdownTimeoutSeconds) * time.Second}, nil
}

// connect opens a connection to the daemon for one call. A connection per call costs a
// unix socket round trip and survives the daemon's restarts without reconnect logic.
func (d *Driver) connect(ctx context.Context) (*libvirt.Libvirt, func(), error) {
	l := libvirt.NewWithDialer(dialers.NewLocal(dialers.WithSocket(d.cfg.Socket), dialers.WithLocalTimeout(10*time.Second)))
	if err := l.ConnectToURI(libvirt.ConnectURI(d.cfg.URI)); err != nil {
		return nil, nil, fmt.Errorf("kvm: connect to libvirt at %s: %w", d.cfg.Socket, err)
	}
	// go-libvirt takes no context: a cancelled call closes the connection, which ends
	// the request waiting on it.
	stop := context.AfterFunc(ctx, func() { _ = l.Disconnect() })
	return l, func() {
		if stop() {
			_ = l.Disconnect()
		}
	}, nil
}

// Test checks that the daemon answers, that the configured network exists, and that
// the directories and programs are there.
func (d *Driver) Test(ctx context.Context) error {
	l, done, err := d.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	if _, err := l.ConnectGetLibVersion(); err != nil {
		return fmt.Errorf("kvm: libvirt: %w", err)
	}
	if d.cfg.Network != "" {
		if _, err := l.NetworkLookupByName(d.cfg.Network); err != nil {
			return fmt.Errorf("kvm: network %s: %w", d.cfg.Network, err)
		}
	}
	if st, err := os.Stat(d.cfg.TemplatesDir); err != nil || !st.IsDir() {
		return fmt.Errorf("kvm: templates_dir %s is not a directory", d.cfg.TemplatesDir)
	}
	for _, p := range []string{d.cfg.QemuImg, d.cfg.Genisoimage} {
		if _, err := lookPath(p); err != nil {
			return fmt.Errorf("kvm: %w", err)
		}
	}
	return os.MkdirAll(d.cfg.ImagesDir, 0o711)
}
