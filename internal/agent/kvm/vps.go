package kvm

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/digitalocean/go-libvirt"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// found is a domain and, when it is one of ours, its metadata.
type found struct {
	dom  libvirt.Domain
	meta meta
	ours bool
}

// lookup finds the domain named ref; nil when there is none.
func (d *Driver) lookup(l *libvirt.Libvirt, ref string) (*found, error) {
	dom, err := l.DomainLookupByName(ref)
	if libvirt.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kvm: look up %s: %w", ref, err)
	}
	f := &found{dom: dom}
	s, err := l.DomainGetMetadata(dom, int32(libvirt.DomainMetadataElement), libvirt.OptString{MetadataNS}, libvirt.DomainAffectConfig)
	if isLibvirtError(err, libvirt.ErrNoDomainMetadata) {
		return f, nil
	}
	if err != nil {
		return nil, fmt.Errorf("kvm: metadata of %s: %w", ref, err)
	}
	if f.meta, err = parseMeta(s); err != nil {
		return nil, err
	}
	f.ours = true
	return f, nil
}

// ours finds the domain named ref and refuses one hostpact did not make.
func (d *Driver) ours(l *libvirt.Libvirt, op, ref string) (*found, error) {
	if err := driver.ValidRef(ref); err != nil {
		return nil, driver.Refused(op, "%v", err)
	}
	f, err := d.lookup(l, ref)
	if err != nil || f == nil {
		return f, err
	}
	if !f.ours {
		return nil, driver.Refused(op, "domain %s exists on this host but was not made by hostpact", ref)
	}
	return f, nil
}

func (d *Driver) mustFind(l *libvirt.Libvirt, op, ref string) (*found, error) {
	f, err := d.ours(l, op, ref)
	if err == nil && f == nil {
		err = fmt.Errorf("kvm: %s %s: %w", op, ref, driver.ErrNotFound)
	}
	return f, err
}

func isLibvirtError(err error, code libvirt.ErrorNumber) bool {
	var e libvirt.Error
	return errors.As(err, &e) && e.Code == uint32(code)
}

// define replaces the domain's persistent definition with v. A running guest keeps
// its current vCPUs and memory until it next boots.
func (d *Driver) define(l *libvirt.Libvirt, v vps) (libvirt.Domain, error) {
	x, err := v.render()
	if err != nil {
		return libvirt.Domain{}, err
	}
	dom, err := l.DomainDefineXML(x)
	if err != nil {
		return libvirt.Domain{}, fmt.Errorf("kvm: define %s: %w", v.Name, err)
	}
	return dom, nil
}

func uuidString(u libvirt.UUID) string {
	return fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
}

func newUUID() (string, error) {
	var u libvirt.UUID
	if _, err := rand.Read(u[:]); err != nil {
		return "", err
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return uuidString(u), nil
}

func (d *Driver) metaFor(p driver.Package) meta {
	return meta{State: stateActive, Template: p.Template, VCPUs: vcpusFor(p.CPUMilli), MemoryMB: p.MemoryMB, DiskMB: p.DiskMB, Network: d.cfg.Network}
}

func checkPackage(op string, p driver.Package) error {
	if p.MemoryMB <= 0 {
		return driver.Refused(op, "package %s has no memory", p.Name)
	}
	if p.MemoryMB > 16<<20 || p.DiskMB < 0 || p.DiskMB > 1<<30 || p.CPUMilli > 4096*1000 {
		return driver.Refused(op, "package %s is larger than a VPS can be", p.Name)
	}
	return nil
}

func (d *Driver) details(m meta) map[string]string {
	det := map[string]string{
		"username":  d.cfg.User,
		"vcpus":     itoa(m.VCPUs),
		"memory_mb": itoa(m.MemoryMB),
		"template":  m.Template,
		// vCPUs and memory of a changed package are the definition's, used from the
		// guest's next boot.
		"package_applies": "next-boot",
	}
	if m.DiskMB > 0 {
		det["disk_mb"] = itoa(m.DiskMB)
	}
	if m.Network != "" {
		det["network"] = m.Network
	}
	return det
}

// Create makes the VPS or, when it exists, makes it match the request: disk (grown to
// the plan), seed with the secret, definition. It starts it unless it is suspended or
// terminated.
func (d *Driver) Create(ctx context.Context, a driver.Account) (driver.Created, error) {
	const op = "create"
	if err := checkPackage(op, a.Package); err != nil {
		return driver.Created{}, err
	}
	base, err := d.template(op, a.Package.Template)
	if err != nil {
		return driver.Created{}, err
	}
	l, done, err := d.connect(ctx)
	if err != nil {
		return driver.Created{}, err
	}
	defer done()
	f, err := d.ours(l, op, a.Ref)
	if err != nil {
		return driver.Created{}, err
	}
	if d.cfg.Network != "" {
		if _, err := l.NetworkLookupByName(d.cfg.Network); err != nil {
			return driver.Created{}, fmt.Errorf("kvm: network %s: %w", d.cfg.Network, err)
		}
	}
	m := d.metaFor(a.Package)
	var uuid string
	if f != nil {
		uuid = uuidString(f.dom.UUID)
		m.State = f.meta.State
		m.DiskMB = max(m.DiskMB, f.meta.DiskMB)
	} else if uuid, err = newUUID(); err != nil {
		return driver.Created{}, err
	}
	if err := d.mkdir(a.Ref); err != nil {
		return driver.Created{}, err
	}
	if err := d.makeDisk(ctx, a.Ref, base); err != nil {
		return driver.Created{}, err
	}
	if err := d.fail("create:disk"); err != nil {
		return driver.Created{}, err
	}
	running := false
	if f != nil {
		running, err = d.active(l, f.dom)
		if err != nil {
			return driver.Created{}, err
		}
	}
	if err := d.grow(ctx, l, f, running, a.Ref, m.DiskMB); err != nil {
		return driver.Created{}, err
	}
	if err := d.writeSeed(ctx, a.Ref, a.Secret); err != nil {
		return driver.Created{}, err
	}
	if running {
		if err := d.changeSeed(l, f.dom, d.vps(a.Ref, uuid, m)); err != nil {
			return driver.Created{}, err
		}
	}
	if err := d.fail("create:seed"); err != nil {
		return driver.Created{}, err
	}
	dom, err := d.define(l, d.vps(a.Ref, uuid, m))
	if err != nil {
		return driver.Created{}, err
	}
	if err := d.fail("create:defined"); err != nil {
		return driver.Created{}, err
	}
	if m.State == stateActive {
		if err := d.start(l, dom); err != nil {
			return driver.Created{}, err
		}
	}
	return driver.Created{Details: d.details(m)}, nil
}

// grow makes the disk at least mb: live through libvirt when the guest runs (QEMU
// holds the image), with qemu-img otherwise.
func (d *Driver) grow(ctx context.Context, l *libvirt.Libvirt, f *found, running bool, ref string, mb int64) error {
	if mb <= 0 {
		return nil
	}
	if !running {
		return d.growOffline(ctx, ref, mb)
	}
	size, err := d.diskSize(ctx, ref)
	if err != nil {
		return err
	}
	if mb<<20 <= size {
		return nil
	}
	if err := l.DomainBlockResize(f.dom, "vda", uint64(mb)<<20, libvirt.DomainBlockResizeBytes); err != nil {
		return fmt.Errorf("kvm: grow the disk of %s: %w", ref, err)
	}
	return nil
}

// changeSeed puts the new seed in a running guest's drive. The new file replaced the
// old one by a rename, so QEMU still reads the old one; a reboot from inside the guest
// keeps the QEMU process, and only a change of medium makes it open the new file.
// The medium is ejected first: libvirt does nothing when asked to insert the medium
// of the path that is already in the drive. It is changed on every call, also when the
// seed was already written: a retry cannot tell whether the agent was killed between
// writing the seed and changing the medium, or between ejecting and inserting.
func (d *Driver) changeSeed(l *libvirt.Libvirt, dom libvirt.Domain, v vps) error {
	for _, eject := range []bool{true, false} {
		x, err := v.seedXML(eject)
		if err != nil {
			return err
		}
		if err := l.DomainUpdateDeviceFlags(dom, x, libvirt.DomainDeviceModifyLive|libvirt.DomainDeviceModifyForce); err != nil {
			return fmt.Errorf("kvm: change the seed of %s: %w", v.Name, err)
		}
	}
	return nil
}

// state reads the domain's power state.
func (d *Driver) state(l *libvirt.Libvirt, dom libvirt.Domain) (libvirt.DomainState, error) {
	s, _, err := l.DomainGetState(dom, 0)
	if err != nil {
		return 0, fmt.Errorf("kvm: state of %s: %w", dom.Name, err)
	}
	return libvirt.DomainState(s), nil
}

func (d *Driver) active(l *libvirt.Libvirt, dom libvirt.Domain) (bool, error) {
	s, err := d.state(l, dom)
	return s != libvirt.DomainShutoff && s != libvirt.DomainCrashed, err
}

// start boots a guest that is off and resumes one that is paused (by staff, or by
// libvirt when the host's disk was full).
func (d *Driver) start(l *libvirt.Libvirt, dom libvirt.Domain) error {
	s, err := d.state(l, dom)
	if err != nil {
		return err
	}
	switch s {
	case libvirt.DomainShutoff, libvirt.DomainCrashed:
		err = l.DomainCreate(dom)
	case libvirt.DomainPaused:
		err = l.DomainResume(dom)
	}
	if err != nil {
		return fmt.Errorf("kvm: start %s: %w", dom.Name, err)
	}
	return nil
}

// stop powers the guest off: the ACPI power button, and destroy (pulling the plug)
// when it is not off after the shutdown timeout or is paused and cannot react.
func (d *Driver) stop(ctx context.Context, l *libvirt.Libvirt, dom libvirt.Domain) error {
	s, err := d.state(l, dom)
	if err != nil {
		return err
	}
	switch s {
	case libvirt.DomainShutoff, libvirt.DomainCrashed:
		return nil
	case libvirt.DomainRunning, libvirt.DomainBlocked, libvirt.DomainShutdown:
		if err := l.DomainShutdownFlags(dom, libvirt.DomainShutdownAcpiPowerBtn); err != nil {
			if off, _ := d.active(l, dom); !off {
				return nil
			}
			return fmt.Errorf("kvm: shut down %s: %w", dom.Name, err)
		}
		deadline := time.NewTimer(d.timeout)
		defer deadline.Stop()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
	wait:
		for {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-deadline.C:
				break wait
			case <-tick.C:
				if on, err := d.active(l, dom); err != nil {
					return err
				} else if !on {
					return nil
				}
			}
		}
	}
	if err := l.DomainDestroy(dom); err != nil {
		if on, _ := d.active(l, dom); !on {
			return nil
		}
		return fmt.Errorf("kvm: destroy %s: %w", dom.Name, err)
	}
	return nil
}

// mark records the VPS's state in its definition.
func (d *Driver) mark(l *libvirt.Libvirt, ref string, f *found, state string) error {
	if f.meta.State == state {
		return nil
	}
	m := f.meta
	m.State = state
	_, err := d.define(l, d.vps(ref, uuidString(f.dom.UUID), m))
	return err
}

// Suspend marks the VPS suspended and shuts it down (see the package comment for why
// it is not paused).
func (d *Driver) Suspend(ctx context.Context, ref string, _ driver.SuspendReason) error {
	const op = "suspend"
	l, done, err := d.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	f, err := d.mustFind(l, op, ref)
	if err != nil {
		return err
	}
	if f.meta.State == stateTerminated {
		// Out of service already, and it stays marked terminated: Unsuspend must not
		// bring it back.
		return d.stop(ctx, l, f.dom)
	}
	if err := d.mark(l, ref, f, stateSuspended); err != nil {
		return err
	}
	if err := d.fail("suspend:marked"); err != nil {
		return err
	}
	return d.stop(ctx, l, f.dom)
}

// Unsuspend starts the VPS, then removes the mark.
func (d *Driver) Unsuspend(ctx context.Context, ref string) error {
	const op = "unsuspend"
	l, done, err := d.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	f, err := d.mustFind(l, op, ref)
	if err != nil {
		return err
	}
	if f.meta.State == stateTerminated {
		return driver.Refused(op, "VPS %s is terminated", ref)
	}
	if err := d.start(l, f.dom); err != nil {
		return err
	}
	return d.mark(l, ref, f, stateActive)
}

// Terminate marks the VPS terminated and shuts it down; definition and disk stay.
func (d *Driver) Terminate(ctx context.Context, ref string) error {
	const op = "terminate"
	l, done, err := d.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	f, err := d.ours(l, op, ref)
	if err != nil || f == nil {
		return err
	}
	if err := d.mark(l, ref, f, stateTerminated); err != nil {
		return err
	}
	return d.stop(ctx, l, f.dom)
}

// DeleteData destroys and undefines the domain with everything libvirt keeps of it
// and removes the VPS's directory.
func (d *Driver) DeleteData(ctx context.Context, ref string) error {
	const op = "delete"
	l, done, err := d.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	f, err := d.ours(l, op, ref)
	if err != nil {
		return err
	}
	if f != nil {
		if on, err := d.active(l, f.dom); err != nil {
			return err
		} else if on {
			if err := l.DomainDestroy(f.dom); err != nil {
				return fmt.Errorf("kvm: destroy %s: %w", ref, err)
			}
		}
		// Snapshots' and checkpoints' data are inside the disk, removed below.
		flags := libvirt.DomainUndefineManagedSave | libvirt.DomainUndefineSnapshotsMetadata |
			libvirt.DomainUndefineNvram | libvirt.DomainUndefineCheckpointsMetadata
		if err := l.DomainUndefineFlags(f.dom, flags); err != nil && !libvirt.IsNotFound(err) {
			return fmt.Errorf("kvm: undefine %s: %w", ref, err)
		}
		if err := d.fail("delete:undefined"); err != nil {
			return err
		}
	}
	return d.removeFiles(ref)
}

// ChangePackage redefines the VPS with the new vCPUs and memory, which apply at its
// next boot, and grows its disk now. A smaller disk is refused before anything changes.
func (d *Driver) ChangePackage(ctx context.Context, ref string, p driver.Package) error {
	const op = "change_package"
	if err := checkPackage(op, p); err != nil {
		return err
	}
	l, done, err := d.connect(ctx)
	if err != nil {
		return err
	}
	defer done()
	f, err := d.mustFind(l, op, ref)
	if err != nil {
		return err
	}
	size, err := d.diskSize(ctx, ref)
	if err != nil {
		return err
	}
	if p.DiskMB > 0 && p.DiskMB<<20 < size {
		return driver.Refused(op, "the disk of %s is %d MB; it cannot shrink to %d MB", ref, size>>20, p.DiskMB)
	}
	running, err := d.active(l, f.dom)
	if err != nil {
		return err
	}
	if err := d.grow(ctx, l, f, running, ref, p.DiskMB); err != nil {
		return err
	}
	m := f.meta
	m.VCPUs, m.MemoryMB, m.DiskMB = vcpusFor(p.CPUMilli), p.MemoryMB, max(p.DiskMB, f.meta.DiskMB)
	if p.Template != "" {
		// The disk was made from the old template; the new name is recorded for the
		// next VPS made from this definition, not applied to this disk.
		m.Template = p.Template
	}
	_, err = d.define(l, d.vps(ref, uuidString(f.dom.UUID), m))
	return err
}

// ResetCredentials rebuilds the seed with the new secret, which cloud-init applies at
// the guest's next boot.
func (d *Driver) ResetCredentials(ctx context.Context, ref, secret string) (driver.Created, error) {
	const op = "reset_credentials"
	l, done, err := d.connect(ctx)
	if err != nil {
		return driver.Created{}, err
	}
	defer done()
	f, err := d.mustFind(l, op, ref)
	if err != nil {
		return driver.Created{}, err
	}
	if err := d.writeSeed(ctx, ref, secret); err != nil {
		return driver.Created{}, err
	}
	if running, err := d.active(l, f.dom); err != nil {
		return driver.Created{}, err
	} else if running {
		if err := d.changeSeed(l, f.dom, d.vps(ref, uuidString(f.dom.UUID), f.meta)); err != nil {
			return driver.Created{}, err
		}
	}
	det := d.details(f.meta)
	det["password_applies"] = "next-boot"
	return driver.Created{Details: det}, nil
}

// Usage reads the guest's CPU time and memory from libvirt's statistics (zero while it
// is off) and the space its files take on the host.
func (d *Driver) Usage(ctx context.Context, ref string) (driver.Usage, error) {
	const op = "usage"
	l, done, err := d.connect(ctx)
	if err != nil {
		return driver.Usage{}, err
	}
	defer done()
	f, err := d.mustFind(l, op, ref)
	if err != nil {
		return driver.Usage{}, err
	}
	u := driver.Usage{MeasuredAt: d.cfg.Clock.Now()}
	stats, err := l.ConnectGetAllDomainStats([]libvirt.Domain{f.dom},
		uint32(libvirt.DomainStatsState|libvirt.DomainStatsCPUTotal|libvirt.DomainStatsBalloon), 0)
	if err != nil {
		return driver.Usage{}, fmt.Errorf("kvm: statistics of %s: %w", ref, err)
	}
	for _, r := range stats {
		var rss, current uint64
		for _, p := range r.Params {
			v, ok := unsigned(p.Value.I)
			if !ok {
				continue
			}
			switch p.Field {
			case "cpu.time": // nanoseconds
				u.CPUSeconds = float64(v) / 1e9
			case libvirt.DomainStatsBalloonRss: // KiB
				rss = v
			case libvirt.DomainStatsBalloonCurrent:
				current = v
			}
		}
		if rss == 0 {
			rss = current
		}
		if on, _ := d.active(l, f.dom); on {
			u.MemoryBytes = int64(rss) << 10
		}
	}
	u.DiskBytes = allocated(d.dir(ref))
	return u, nil
}

func unsigned(v any) (uint64, bool) {
	switch x := v.(type) {
	case uint64:
		return x, true
	case uint32:
		return uint64(x), true
	case int64:
		return uint64(max(x, 0)), true
	case int32:
		return uint64(max(x, 0)), true
	}
	return 0, false
}

// allocated is the space the files under dir take on the host's disk (a qcow2 overlay
// takes only what the guest wrote).
func allocated(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return nil
		}
		if info, err := e.Info(); err == nil {
			n += blocks(info)
		}
		return nil
	})
	return n
}

// List returns the domains with hostpact's metadata; suspended and terminated ones as
// suspended.
func (d *Driver) List(ctx context.Context) ([]driver.Listed, error) {
	l, done, err := d.connect(ctx)
	if err != nil {
		return nil, err
	}
	defer done()
	doms, _, err := l.ConnectListAllDomains(1, libvirt.ConnectListDomainsPersistent)
	if err != nil {
		return nil, fmt.Errorf("kvm: list domains: %w", err)
	}
	var out []driver.Listed
	for _, dom := range doms {
		if driver.ValidRef(dom.Name) != nil {
			continue
		}
		f, err := d.lookup(l, dom.Name)
		if err != nil {
			return nil, err
		}
		if f == nil || !f.ours {
			continue
		}
		out = append(out, driver.Listed{Ref: dom.Name, Kind: driver.KindVPS, Suspended: f.meta.State != stateActive})
	}
	return out, nil
}
