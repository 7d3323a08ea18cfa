package kvm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// The files of one VPS, in its own directory under ImagesDir.
func (d *Driver) dir(ref string) string         { return filepath.Join(d.cfg.ImagesDir, ref) }
func (d *Driver) diskPath(ref string) string    { return filepath.Join(d.dir(ref), "disk.qcow2") }
func (d *Driver) seedPath(ref string) string    { return filepath.Join(d.dir(ref), "seed.iso") }
func (d *Driver) seedDir(ref string) string     { return filepath.Join(d.dir(ref), "seed") }
func (d *Driver) consolePath(ref string) string { return filepath.Join(d.dir(ref), "console.log") }

func (d *Driver) vps(ref, uuid string, m meta) vps {
	return vps{Name: ref, UUID: uuid, Machine: d.cfg.Machine, CPUMode: d.cfg.CPUMode, Meta: m,
		Disk: d.diskPath(ref), Seed: d.seedPath(ref), Console: d.consolePath(ref)}
}

func lookPath(p string) (string, error) { return exec.LookPath(p) }

func (d *Driver) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("kvm: %s %s: %w: %s", filepath.Base(name), strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}

// own gives a file the module made to ImageUID and ImageGID.
func (d *Driver) own(path string) error {
	if d.cfg.ImageUID == 0 && d.cfg.ImageGID == 0 {
		return nil
	}
	return os.Lchown(path, d.cfg.ImageUID, d.cfg.ImageGID)
}

// template returns the path of a plan's base image.
func (d *Driver) template(op, name string) (string, error) {
	if !namePattern.MatchString(name) {
		return "", driver.Refused(op, "template %q is not a file name in the templates directory", name)
	}
	p := filepath.Join(d.cfg.TemplatesDir, name)
	if st, err := os.Stat(p); err != nil || !st.Mode().IsRegular() {
		return "", driver.Refused(op, "no template %q on this host", name)
	}
	return p, nil
}

type imageInfo struct {
	Format      string `json:"format"`
	VirtualSize int64  `json:"virtual-size"`
}

// info reads an image's format and virtual size; -U because the image may be in use by
// a running guest, whose lock would otherwise refuse the read.
func (d *Driver) info(ctx context.Context, path string) (imageInfo, error) {
	out, err := d.run(ctx, d.cfg.QemuImg, "info", "-U", "--output=json", path)
	if err != nil {
		return imageInfo{}, err
	}
	var i imageInfo
	if err := json.Unmarshal(out, &i); err != nil {
		return imageInfo{}, fmt.Errorf("kvm: qemu-img info %s: %w", path, err)
	}
	return i, nil
}

// makeDisk creates the VPS's disk from the template unless it exists. It is made under
// a temporary name and renamed, so a disk that exists is a whole one.
func (d *Driver) makeDisk(ctx context.Context, ref, base string) error {
	disk := d.diskPath(ref)
	if _, err := os.Stat(disk); err == nil {
		return nil
	}
	bi, err := d.info(ctx, base)
	if err != nil {
		return err
	}
	tmp := disk + ".tmp"
	_ = os.Remove(tmp)
	switch bi.Format {
	case "qcow2":
		// An overlay: the template is shared read-only, the VPS writes only its changes.
		_, err = d.run(ctx, d.cfg.QemuImg, "create", "-q", "-f", "qcow2", "-F", "qcow2", "-b", base, tmp)
	case "raw":
		// A raw template is copied whole: it is usually an image staff still write to,
		// which must not be a backing file.
		_, err = d.run(ctx, d.cfg.QemuImg, "convert", "-q", "-f", "raw", "-O", "qcow2", base, tmp)
	default:
		return driver.Refused("create", "template %s is %q, not qcow2 or raw", filepath.Base(base), bi.Format)
	}
	if err != nil {
		return err
	}
	if err := d.own(tmp); err != nil {
		return err
	}
	return os.Rename(tmp, disk)
}

// diskSize returns the disk's virtual size in bytes.
func (d *Driver) diskSize(ctx context.Context, ref string) (int64, error) {
	i, err := d.info(ctx, d.diskPath(ref))
	return i.VirtualSize, err
}

// growOffline grows the disk of a guest that is not running to mb; a disk already as
// large stays as it is.
func (d *Driver) growOffline(ctx context.Context, ref string, mb int64) error {
	size, err := d.diskSize(ctx, ref)
	if err != nil {
		return err
	}
	if mb<<20 <= size {
		return nil
	}
	_, err = d.run(ctx, d.cfg.QemuImg, "resize", "-q", d.diskPath(ref), itoa(mb)+"M")
	return err
}

// removeFiles removes the VPS's directory; a missing one is already removed.
func (d *Driver) removeFiles(ref string) error {
	err := os.RemoveAll(d.dir(ref))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// mkdir makes the VPS's directory, traversable by QEMU, which may run as another user.
func (d *Driver) mkdir(ref string) error {
	if err := os.MkdirAll(d.cfg.ImagesDir, 0o711); err != nil {
		return err
	}
	if err := os.Mkdir(d.dir(ref), 0o711); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return d.own(d.dir(ref))
}
