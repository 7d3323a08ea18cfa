package kvm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// The cloud-init NoCloud seed: an ISO 9660 image with the volume id "cidata" holding
// user-data and meta-data, which cloud-init finds on any attached disk at boot. Its
// source files are kept next to it (seed/), readable by root only, so that a retry
// sees the hash it already wrote.

// userData is the cloud-config that sets the password of user to hash. chpasswd's
// users list with type hash is cloud-init 22.3 or later (Debian 12, Ubuntu 22.04 and
// their successors).
func userData(user, hash string) string {
	var b strings.Builder
	b.WriteString("#cloud-config\n")
	if user == "root" {
		b.WriteString("disable_root: false\n")
	}
	b.WriteString("ssh_pwauth: true\n")
	b.WriteString("chpasswd:\n  expire: false\n  users:\n")
	// Both are from a fixed alphabet (userPattern, crypt's), which needs no quoting
	// beyond single quotes.
	fmt.Fprintf(&b, "    - name: '%s'\n      password: '%s'\n      type: hash\n", user, hash)
	return b.String()
}

func metaData(instanceID, ref string) string {
	return fmt.Sprintf("instance-id: %s\nlocal-hostname: %s\n", instanceID, ref)
}

var (
	hashLine     = regexp.MustCompile(`(?m)^      password: '(\$6\$[^']*)'$`)
	instanceLine = regexp.MustCompile(`(?m)^instance-id: (\S+)$`)
)

// seedHash returns the password hash and instance id of the seed the module last
// wrote for ref; "" when there is none.
func (d *Driver) seedHash(ref string) (hash, instanceID string) {
	u, err := os.ReadFile(filepath.Join(d.seedDir(ref), "user-data"))
	if err != nil {
		return "", ""
	}
	m, err := os.ReadFile(filepath.Join(d.seedDir(ref), "meta-data"))
	if err != nil {
		return "", ""
	}
	if _, err := os.Stat(d.seedPath(ref)); err != nil {
		return "", ""
	}
	h := hashLine.FindSubmatch(u)
	i := instanceLine.FindSubmatch(m)
	if h == nil || i == nil {
		return "", ""
	}
	return string(h[1]), string(i[1])
}

// writeSeed makes the seed carry secret. It keeps a seed that already does (a retry).
func (d *Driver) writeSeed(ctx context.Context, ref, secret string) error {
	oldHash, oldID := d.seedHash(ref)
	if oldHash != "" && passwordMatches(oldHash, secret) {
		return nil
	}
	hash, err := hashPassword(secret)
	if err != nil {
		return err
	}
	// cloud-init sets passwords once per instance: a seed that replaces another gets
	// a new instance id, so the guest applies the new password at its next boot. The
	// first seed's id is the Ref.
	instanceID := ref
	if oldID != "" {
		sum := sha256.Sum256([]byte(hash))
		instanceID = ref + "-" + hex.EncodeToString(sum[:4])
	}
	// The new sources are staged, the ISO made from them and renamed into place, and
	// only then the sources: a crash in between leaves sources that do not match the
	// secret, and the retry makes the seed again.
	src := d.seedDir(ref) + ".new"
	if err := os.RemoveAll(src); err != nil {
		return err
	}
	if err := os.Mkdir(src, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "user-data"), []byte(userData(d.cfg.User, hash)), 0o600); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "meta-data"), []byte(metaData(instanceID, ref)), 0o600); err != nil {
		return err
	}
	tmp := d.seedPath(ref) + ".tmp"
	_ = os.Remove(tmp)
	if _, err := d.run(ctx, d.cfg.Genisoimage, "-quiet", "-output", tmp, "-volid", "cidata", "-joliet", "-rock",
		filepath.Join(src, "user-data"), filepath.Join(src, "meta-data")); err != nil {
		return err
	}
	// The ISO holds only the hash; QEMU must read it.
	if err := os.Chmod(tmp, 0o644); err != nil {
		return err
	}
	if err := d.own(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, d.seedPath(ref)); err != nil {
		return err
	}
	if err := d.fail("seed:iso"); err != nil {
		return err
	}
	if err := os.RemoveAll(d.seedDir(ref)); err != nil {
		return err
	}
	return os.Rename(src, d.seedDir(ref))
}
