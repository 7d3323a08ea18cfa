package webhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// run executes argv with stdin; its error carries the program's output, which never
// holds a secret (secrets go in on stdin only).
func run(ctx context.Context, stdin string, argv ...string) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", argv[0], err, strings.TrimSpace(out.String()))
	}
	return nil
}

// lookupUser returns the system user ref, or nil when there is none.
func lookupUser(ref string) (*user.User, error) {
	u, err := user.Lookup(ref)
	var unknown user.UnknownUserError
	if errors.As(err, &unknown) {
		return nil, nil
	}
	return u, err
}

// ensureUser creates the account's system user and its home: the home is traversable
// but not listable by others (nginx serves public_html's static files), public_html is
// the document root, tmp is PHP's private temporary directory.
func (m *Module) ensureUser(ctx context.Context, ref string) error {
	u, err := lookupUser(ref)
	if err != nil {
		return err
	}
	if u == nil {
		if err := run(ctx, "", "useradd", "--no-create-home", "--home-dir", m.home(ref), "--shell", m.cfg.Shell,
			"--user-group", "--no-log-init", "--comment", "hostpact webhosting", ref); err != nil {
			return err
		}
		if u, err = lookupUser(ref); err != nil || u == nil {
			return fmt.Errorf("user %s missing after useradd: %v", ref, err)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	for _, d := range []struct {
		path string
		mode os.FileMode
	}{{m.home(ref), 0o711}, {m.docRoot(ref), 0o755}, {m.tmpDir(ref), 0o700}} {
		if err := os.Mkdir(d.path, d.mode); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		if err := ownDir(d.path, uid, gid, d.mode); err != nil {
			return err
		}
	}
	return nil
}

// ownDir gives the directory path to uid and gid with mode without following a
// symbolic link: the customer owns the home and could have replaced public_html with a
// link to a system directory, which a retried create must not then hand over.
func ownDir(path string, uid, gid int, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_DIRECTORY|syscall.O_NOFOLLOW, 0)
	if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENOTDIR) {
		return driver.Refused("create", "%s is not a directory (a link or a file put there?); staff must look", path)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if err := f.Chown(uid, gid); err != nil {
		return err
	}
	return f.Chmod(mode)
}

// setSystemPassword gives the system user the secret (for SFTP); chpasswd reads it from
// stdin, so it never appears in a process list.
func (m *Module) setSystemPassword(ctx context.Context, ref, secret string) error {
	if !m.cfg.SFTP {
		return nil
	}
	return run(ctx, ref+":"+secret+"\n", "chpasswd")
}

// lockSystemUser locks or unlocks the system user's password (SFTP).
func (m *Module) lockSystemUser(ctx context.Context, ref string, lock bool) error {
	if !m.cfg.SFTP {
		return nil
	}
	flag := "--unlock"
	if lock {
		flag = "--lock"
	}
	return run(ctx, "", "usermod", flag, ref)
}

// removeUser removes the system user (forced: PHP workers may still be stopping) and
// its home.
func (m *Module) removeUser(ctx context.Context, ref string) error {
	u, err := lookupUser(ref)
	if err != nil {
		return err
	}
	if u != nil {
		if err := run(ctx, "", "userdel", "--force", ref); err != nil {
			return err
		}
	}
	return os.RemoveAll(m.home(ref))
}

// setQuota enforces the disk limit where the home lives on a quota-enabled file system.
func (m *Module) setQuota(ctx context.Context, ref string, diskMB int64) error {
	if m.cfg.QuotaFilesystem == "" {
		return nil
	}
	blocks := strconv.FormatInt(diskMB*1024, 10) // 1 KiB quota blocks; 0 lifts the limit
	return run(ctx, "", "setquota", "-u", ref, blocks, blocks, "0", "0", m.cfg.QuotaFilesystem)
}

// diskBytes is the space the files under dir take, the way du counts it (allocated
// blocks, symbolic links not followed).
func diskBytes(dir string) (int64, error) {
	var total int64
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		info, err := d.Info()
		if err != nil {
			return nil // removed while walking
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok {
			total += st.Blocks * 512
		} else {
			total += info.Size()
		}
		return nil
	})
	return total, err
}
