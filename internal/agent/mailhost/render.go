package mailhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// files is what the module renders from its accounts.
type files struct {
	passwd, domains, mailboxes, aliases []byte
}

// render writes Dovecot's passwd-file and Postfix's three maps for accounts.
//
// passwd-file (one line per mailbox, passdb and userdb at once):
//
//	user@domain:{ARGON2ID}...:uid:gid::home::userdb_quota_rule=*:storage=NM [nologin=y reason=suspended]
//
// A suspended account's lines carry nologin, which makes Dovecot refuse the login even
// with the right password, while LMTP (a userdb lookup, no passdb) still delivers; a
// terminated account has no lines and no map entries, so Postfix refuses its mail
// ("Relay access denied": the domain is no longer hosted) and its maildirs are only
// kept (cp.privacy.email.4).
func (m *Mailhost) render(accounts []*account) files {
	var f files
	var pw, dom, mbx, als bytes.Buffer
	for _, a := range accounts {
		if a.Terminated {
			continue
		}
		fmt.Fprintf(&dom, "%s OK\n", a.Domain)
		for _, b := range a.Mailboxes {
			fmt.Fprintf(&pw, "%s:%s:%d:%d::%s::", a.address(b.Local), b.Hash, m.cfg.UID, m.cfg.GID, m.home(a.Domain, b.Local))
			var extra []string
			if a.Package.DiskMB > 0 {
				extra = append(extra, fmt.Sprintf("userdb_quota_rule=*:storage=%dM", a.Package.DiskMB))
			}
			if a.Suspended {
				// Dovecot answers "[CONTACTADMIN] suspended"; the reason itself
				// (non-payment, abuse) is not told to whoever tries the password.
				extra = append(extra, "nologin=y", "reason=suspended")
			}
			pw.WriteString(strings.Join(extra, " "))
			pw.WriteByte('\n')
			fmt.Fprintf(&mbx, "%s OK\n", a.address(b.Local))
		}
		for _, x := range a.Aliases {
			fmt.Fprintf(&als, "%s %s\n", a.address(x.Local), strings.Join(x.Targets, ","))
		}
		// Every domain must take mail for postmaster (RFC 5321 section 4.5.1); when
		// the customer has no such mailbox or alias it reaches the first mailbox.
		if a.mailbox("postmaster") < 0 && a.alias("postmaster") < 0 {
			fmt.Fprintf(&als, "%s %s\n", a.address("postmaster"), a.address(a.Mailboxes[0].Local))
		}
	}
	f.passwd, f.domains, f.mailboxes, f.aliases = pw.Bytes(), dom.Bytes(), mbx.Bytes(), als.Bytes()
	return f
}

// home is a mailbox's home directory; Dovecot keeps the maildir in it (mail_location
// = maildir:~/Maildir).
func (m *Mailhost) home(domain, local string) string {
	return filepath.Join(m.cfg.MailDir, domain, local)
}

// apply renders every account into the files Dovecot and Postfix read, and has Postfix
// re-read its maps when reloadPostfix is set. Dovecot needs no reload: it notices that
// its passwd-file changed.
func (m *Mailhost) apply(ctx context.Context, reloadPostfix bool) error {
	accounts, err := m.store.all()
	if err != nil {
		return err
	}
	f := m.render(accounts)
	if err := m.writePasswd(ctx, f.passwd); err != nil {
		return fmt.Errorf("mailhost: write passwd-file: %w", err)
	}
	for _, w := range []struct {
		path string
		data []byte
	}{{m.cfg.DomainsMap, f.domains}, {m.cfg.MailboxesMap, f.mailboxes}, {m.cfg.AliasesMap, f.aliases}} {
		if err := writeAtomic(w.path, w.data, 0o644, -1); err != nil {
			return fmt.Errorf("mailhost: write postfix map: %w", err)
		}
	}
	if reloadPostfix && len(m.cfg.PostfixReload) > 0 {
		if err := run(ctx, m.cfg.PostfixReload); err != nil {
			return fmt.Errorf("mailhost: reload postfix: %w", err)
		}
	}
	return nil
}

// writePasswd replaces the passwd-file when its content changes, and returns once
// Dovecot cannot miss the change. Dovecot 2.3 (db-passwd-file.c) looks at the file at
// most once a second and re-reads it only when its mtime (in whole seconds) or size
// differ from what it read: a new password of the same length written in the same
// second as the previous version would go unnoticed, and a lookup in the second of the
// write may still answer from the old version. So after a write the module waits until
// the clock has passed the file's mtime second: every later lookup then sees the new
// file, and the next write gets a later mtime. A change costs at most a second; they
// are rare (orders, suspensions, a customer adding a mailbox).
func (m *Mailhost) writePasswd(ctx context.Context, data []byte) error {
	if old, err := os.ReadFile(m.cfg.PasswdFile); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := writeAtomic(m.cfg.PasswdFile, data, 0o640, m.cfg.PasswdGID); err != nil {
		return err
	}
	if m.noSettle {
		return nil
	}
	st, err := os.Stat(m.cfg.PasswdFile)
	if err != nil {
		return err
	}
	// The file system's clock is coarse and may lag the process's by a few
	// milliseconds, hence the margin.
	until := st.ModTime().Truncate(time.Second).Add(time.Second + 20*time.Millisecond)
	if wait := time.Until(until); wait > 0 {
		t := time.NewTimer(wait)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// kick ends the open IMAP and POP3 sessions of the given users, so that a suspension,
// a removal or a new password takes effect at once and not at the next login; it also
// flushes Dovecot's auth cache in case the provider enabled it.
func (m *Mailhost) kick(ctx context.Context, users ...string) error {
	if len(m.cfg.Doveadm) == 0 {
		return nil
	}
	if err := run(ctx, append(m.cfg.Doveadm, "auth", "cache", "flush")); err != nil {
		return fmt.Errorf("mailhost: doveadm auth cache flush: %w", err)
	}
	for _, u := range users {
		// doveadm kick exits with 68 (EX_NOUSER) when nobody was logged in.
		err := run(ctx, append(m.cfg.Doveadm, "kick", u))
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 68 {
			continue
		}
		if err != nil {
			return fmt.Errorf("mailhost: doveadm kick %s: %w", u, err)
		}
	}
	return nil
}

// run runs argv and returns its output in the error when it fails.
func run(ctx context.Context, argv []string) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		if len(out) > 0 {
			return &cmdError{err: err, out: strings.TrimSpace(string(out))}
		}
		return err
	}
	return nil
}

type cmdError struct {
	err error
	out string
}

func (e *cmdError) Error() string { return e.err.Error() + ": " + e.out }
func (e *cmdError) Unwrap() error { return e.err }
