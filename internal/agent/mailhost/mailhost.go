// Package mailhost is the hostpact agent's e-mail hosting module (driver kind email):
// it makes a provider's mail server — Dovecot for IMAP/POP3 and the mailboxes, Postfix
// for SMTP — hold the accounts hostpact sold.
//
// An account is one mail domain (Account.Domain) owned by Account.Ref. It starts with
// one mailbox, postmaster@domain unless Config.FirstMailbox names another (every
// domain must take postmaster's mail, RFC 5321 section 4.5.1; with another first
// mailbox, postmaster@ is an alias of it). Its password is Account.Secret; the
// customer adds mailboxes up to the Package's Mailboxes (zero: no limit) and aliases.
//
// Quota: Package.DiskMB is the quota of each mailbox, enforced by Dovecot's quota
// plugin (a per-user quota_rule in the passwd-file); an account therefore stores at
// most Mailboxes × DiskMB. Dovecot has no per-domain quota without a shared quota
// dictionary, and a per-mailbox limit is what a customer can see in their mail client
// (IMAP GETQUOTAROOT). Mail that would exceed it is refused by LMTP, so the sender
// gets a bounce rather than the mail silently vanishing.
//
// Suspension refuses the mailboxes' IMAP and POP3 logins (nologin in the passdb) but
// mail is still accepted and delivered: refusing it would bounce the customer's mail to
// their correspondents and lose it for good, for a suspension that is meant to be
// lifted as soon as the invoice is paid. Termination refuses logins and delivery (the
// domain leaves Postfix's maps) and keeps the maildirs until DeleteData, which runs
// once the retention of e-mail data has passed (cp.privacy.email.4).
//
// The server side the provider sets up once, with the paths in Config:
//
//	# Dovecot
//	mail_location = maildir:~/Maildir
//	mail_plugins = $mail_plugins quota
//	passdb { driver = passwd-file  args = username_format=%u <PasswdFile> }
//	userdb { driver = passwd-file  args = username_format=%u <PasswdFile> }
//	plugin { quota = count:User quota  quota_vsizes = yes }
//	protocol imap { mail_plugins = $mail_plugins imap_quota }
//	service lmtp { inet_listener lmtp { address = 127.0.0.1  port = 24 } }
//	auth_cache_size = 0   # or leave it on: the module flushes it with doveadm
//
//	# Postfix main.cf
//	virtual_mailbox_domains = texthash:<DomainsMap>
//	virtual_mailbox_maps = texthash:<MailboxesMap>
//	virtual_alias_maps = texthash:<AliasesMap>
//	virtual_transport = lmtp:inet:127.0.0.1:24
//
// Debian 12's Dovecot (2.3.19) ships all of this in dovecot-core (quota plugin with the
// count backend, ARGON2ID via libsodium) plus dovecot-imapd, -pop3d and -lmtpd.
// texthash maps need no postmap; Postfix reads them when its processes start, so the
// module runs Config.PostfixReload after every change to them. Dovecot re-reads its
// passwd-file by itself when the file changes.
//
// The module is driven by the agent (internal/agent), which makes it with Factory for
// the kind email and hands it the routes under /v1/email/x/ (see ServeHTTP: mailboxes
// and aliases). One agent process owns the files; the module serialises its changes.
package mailhost

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// Mailhost is the module. Its methods are safe for concurrent use.
type Mailhost struct {
	cfg   Config
	store store
	mu    sync.Mutex // serialises every change: the rendered files cover all accounts
	// noSettle skips waiting for Dovecot to notice a new passwd-file, for tests
	// without Dovecot.
	noSettle bool
	mux      *http.ServeMux
}

var _ driver.Driver = (*Mailhost)(nil)

// New checks cfg and creates the data directory.
func New(cfg Config) (*Mailhost, error) {
	for name, p := range map[string]string{"DataDir": cfg.DataDir, "PasswdFile": cfg.PasswdFile, "MailDir": cfg.MailDir,
		"DomainsMap": cfg.DomainsMap, "MailboxesMap": cfg.MailboxesMap, "AliasesMap": cfg.AliasesMap} {
		if !filepath.IsAbs(p) {
			return nil, fmt.Errorf("mailhost: %s must be an absolute path, not %q", name, p)
		}
	}
	if cfg.UID <= 0 || cfg.GID <= 0 {
		return nil, errors.New("mailhost: UID and GID must be a non-root user and group")
	}
	if cfg.FirstMailbox == "" {
		cfg.FirstMailbox = "postmaster"
	}
	if err := validLocal(cfg.FirstMailbox); err != nil {
		return nil, fmt.Errorf("mailhost: FirstMailbox: %w", err)
	}
	if cfg.MaxAliases <= 0 {
		cfg.MaxAliases = 100
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.Real{}
	}
	dir := filepath.Join(cfg.DataDir, "accounts")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("mailhost: %w", err)
	}
	m := &Mailhost{cfg: cfg, store: store{dir: dir}}
	m.mux = m.routes()
	return m, nil
}

// Sync renders the files from the accounts and reloads Postfix. The agent calls it at
// start, so a change a crash interrupted is completed before the first request.
func (m *Mailhost) Sync(ctx context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.apply(ctx, true)
}

// Test checks that the directories exist and are writable and that the commands can
// be found.
func (m *Mailhost) Test(ctx context.Context) error {
	for _, dir := range []string{m.store.dir, m.cfg.MailDir, filepath.Dir(m.cfg.PasswdFile),
		filepath.Dir(m.cfg.DomainsMap), filepath.Dir(m.cfg.MailboxesMap), filepath.Dir(m.cfg.AliasesMap)} {
		f, err := os.CreateTemp(dir, ".hostpact-test-*")
		if err != nil {
			return fmt.Errorf("mailhost: %s is not writable: %w", dir, err)
		}
		f.Close()
		os.Remove(f.Name())
	}
	for _, argv := range [][]string{m.cfg.PostfixReload, m.cfg.Doveadm} {
		if len(argv) > 0 {
			if _, err := exec.LookPath(argv[0]); err != nil {
				return fmt.Errorf("mailhost: %w", err)
			}
		}
	}
	return ctx.Err()
}

// Create makes the account exist as a: its domain hosted, its first mailbox with
// a.Secret as password and the package's quota. Again with the same Ref it changes
// what differs (package, secret) and keeps the mailboxes, aliases and mail.
func (m *Mailhost) Create(ctx context.Context, a driver.Account) (driver.Created, error) {
	const op = "create"
	if a.Kind != "" && a.Kind != driver.KindEmail {
		return driver.Created{}, driver.Refused(op, "this module delivers e-mail, not %s", a.Kind)
	}
	if err := driver.ValidRef(a.Ref); err != nil {
		return driver.Created{}, driver.Refused(op, "%v", err)
	}
	domain := strings.TrimSuffix(strings.ToLower(a.Domain), ".")
	if err := validDomain(domain); err != nil {
		return driver.Created{}, driver.Refused(op, "%v", err)
	}
	if err := checkSecret(a.Secret); err != nil {
		return driver.Created{}, driver.Refused(op, "%v", err)
	}
	if err := checkPackage(a.Package); err != nil {
		return driver.Created{}, driver.Refused(op, "%v", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	all, err := m.store.all()
	if err != nil {
		return driver.Created{}, err
	}
	for _, o := range all {
		if o.Domain == domain && o.Ref != a.Ref {
			return driver.Created{}, driver.Refused(op, "domain %s is already hosted here by account %s", domain, o.Ref)
		}
	}
	now := m.cfg.Clock.Now()
	acc, err := m.store.load(a.Ref)
	switch {
	case errors.Is(err, driver.ErrNotFound):
		hash, err := hashPassword(a.Secret)
		if err != nil {
			return driver.Created{}, err
		}
		acc = &account{Ref: a.Ref, Domain: domain, Package: a.Package, CreatedAt: now,
			Mailboxes: []mailbox{{Local: m.cfg.FirstMailbox, Hash: hash}}}
	case err != nil:
		return driver.Created{}, err
	default:
		if acc.Domain != domain {
			return driver.Created{}, driver.Refused(op, "account %s hosts %s, not %s", a.Ref, acc.Domain, domain)
		}
		if err := fits(acc, a.Package); err != nil {
			return driver.Created{}, driver.Refused(op, "%v", err)
		}
		acc.Package = a.Package
		if !passwordMatches(acc.Mailboxes[0].Hash, a.Secret) {
			if acc.Mailboxes[0].Hash, err = hashPassword(a.Secret); err != nil {
				return driver.Created{}, err
			}
		}
		acc.Terminated = false
	}
	acc.UpdatedAt = now
	for _, b := range acc.Mailboxes {
		if err := m.makeHome(acc.Domain, b.Local); err != nil {
			return driver.Created{}, err
		}
	}
	if err := m.store.save(acc); err != nil {
		return driver.Created{}, err
	}
	if err := m.apply(ctx, true); err != nil {
		return driver.Created{}, err
	}
	return driver.Created{Details: m.details(acc)}, nil
}

// details are the connection facts of an account: its first mailbox's user name and
// where to connect.
func (m *Mailhost) details(a *account) map[string]string {
	d := map[string]string{"domain": a.Domain, "username": a.address(a.Mailboxes[0].Local)}
	if m.cfg.Host != "" {
		d["host"] = m.cfg.Host
	}
	for k, p := range map[string]int{"imap_port": m.cfg.IMAPPort, "pop3_port": m.cfg.POP3Port, "submission_port": m.cfg.SubmissionPort} {
		if p > 0 {
			d[k] = strconv.Itoa(p)
		}
	}
	return d
}

func checkPackage(p driver.Package) error {
	if p.DiskMB < 0 || p.Mailboxes < 0 {
		return fmt.Errorf("package %q has a negative limit", p.Name)
	}
	if p.DiskMB > 1<<30 {
		return fmt.Errorf("package %q has a quota beyond a petabyte", p.Name)
	}
	return nil
}

// fits reports whether acc's mailboxes fit in package p.
func fits(acc *account, p driver.Package) error {
	if p.Mailboxes > 0 && len(acc.Mailboxes) > p.Mailboxes {
		return fmt.Errorf("account %s has %d mailboxes and package %q allows %d; remove %d first",
			acc.Ref, len(acc.Mailboxes), p.Name, p.Mailboxes, len(acc.Mailboxes)-p.Mailboxes)
	}
	return nil
}

// makeHome creates a mailbox's home (and its domain's directory) owned by the mail
// user, so Dovecot, running as that user, can create the maildir in it.
func (m *Mailhost) makeHome(domain, local string) error {
	for _, dir := range []string{filepath.Join(m.cfg.MailDir, domain), m.home(domain, local)} {
		if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("mailhost: %w", err)
		}
		if os.Geteuid() == 0 {
			if err := os.Chown(dir, m.cfg.UID, m.cfg.GID); err != nil {
				return fmt.Errorf("mailhost: %w", err)
			}
		}
	}
	return nil
}

// Suspend refuses the account's logins; mail keeps arriving (see the package comment).
func (m *Mailhost) Suspend(ctx context.Context, ref string, reason driver.SuspendReason) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	acc, err := m.store.load(ref)
	if err != nil {
		return err
	}
	if acc.Terminated {
		return nil
	}
	if !acc.Suspended || acc.Reason != reason {
		acc.Suspended, acc.Reason, acc.UpdatedAt = true, reason, m.cfg.Clock.Now()
		if err := m.store.save(acc); err != nil {
			return err
		}
	}
	if err := m.apply(ctx, false); err != nil {
		return err
	}
	return m.kick(ctx, "*@"+acc.Domain)
}

// Unsuspend lets the account's mailboxes log in again.
func (m *Mailhost) Unsuspend(ctx context.Context, ref string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	acc, err := m.store.load(ref)
	if err != nil {
		return err
	}
	if acc.Suspended {
		acc.Suspended, acc.Reason, acc.UpdatedAt = false, "", m.cfg.Clock.Now()
		if err := m.store.save(acc); err != nil {
			return err
		}
	}
	return m.apply(ctx, false)
}

// Terminate refuses the account's logins and mail and keeps its maildirs.
func (m *Mailhost) Terminate(ctx context.Context, ref string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, err := m.terminate(ctx, ref)
	if errors.Is(err, driver.ErrNotFound) {
		return nil
	}
	return err
}

// terminate marks the account terminated, takes it out of Dovecot's and Postfix's
// files and ends its open sessions; it returns the account. m.mu is held.
func (m *Mailhost) terminate(ctx context.Context, ref string) (*account, error) {
	acc, err := m.store.load(ref)
	if err != nil {
		return nil, err
	}
	if !acc.Terminated {
		acc.Terminated, acc.UpdatedAt = true, m.cfg.Clock.Now()
		if err := m.store.save(acc); err != nil {
			return nil, err
		}
	}
	if err := m.apply(ctx, true); err != nil {
		return nil, err
	}
	return acc, m.kick(ctx, "*@"+acc.Domain)
}

// DeleteData removes the account: its lines and map entries, its maildirs, and
// finally its record, so that a retry after a crash finds the record and finishes.
func (m *Mailhost) DeleteData(ctx context.Context, ref string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	acc, err := m.terminate(ctx, ref)
	if errors.Is(err, driver.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(m.cfg.MailDir, acc.Domain)); err != nil {
		return fmt.Errorf("mailhost: remove maildirs: %w", err)
	}
	return m.store.remove(ref)
}

// ChangePackage sets the quota of every mailbox to p's and its mailbox limit. A
// package with fewer mailboxes than the account has is refused: which mailbox to give
// up, and its mail, is the customer's choice. A new quota holds from each mailbox's
// next login or delivery.
func (m *Mailhost) ChangePackage(ctx context.Context, ref string, p driver.Package) error {
	const op = "change package"
	if err := checkPackage(p); err != nil {
		return driver.Refused(op, "%v", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	acc, err := m.store.load(ref)
	if err != nil {
		return err
	}
	if err := fits(acc, p); err != nil {
		return driver.Refused(op, "%v", err)
	}
	acc.Package, acc.UpdatedAt = p, m.cfg.Clock.Now()
	if err := m.store.save(acc); err != nil {
		return err
	}
	return m.apply(ctx, false)
}

// ResetCredentials makes secret the first mailbox's password and ends its open
// sessions.
func (m *Mailhost) ResetCredentials(ctx context.Context, ref string, secret string) (driver.Created, error) {
	if err := checkSecret(secret); err != nil {
		return driver.Created{}, driver.Refused("reset credentials", "%v", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	acc, err := m.store.load(ref)
	if err != nil {
		return driver.Created{}, err
	}
	if !passwordMatches(acc.Mailboxes[0].Hash, secret) {
		if acc.Mailboxes[0].Hash, err = hashPassword(secret); err != nil {
			return driver.Created{}, err
		}
		acc.UpdatedAt = m.cfg.Clock.Now()
		if err := m.store.save(acc); err != nil {
			return driver.Created{}, err
		}
	}
	if err := m.apply(ctx, false); err != nil {
		return driver.Created{}, err
	}
	if err := m.kick(ctx, acc.address(acc.Mailboxes[0].Local)); err != nil {
		return driver.Created{}, err
	}
	return driver.Created{Details: m.details(acc)}, nil
}

// Usage counts the mailboxes and the bytes under the domain's directory (the mail and
// Dovecot's indexes: what the account occupies on disk).
func (m *Mailhost) Usage(ctx context.Context, ref string) (driver.Usage, error) {
	m.mu.Lock()
	acc, err := m.store.load(ref)
	m.mu.Unlock()
	if err != nil {
		return driver.Usage{}, err
	}
	var size int64
	err = filepath.WalkDir(filepath.Join(m.cfg.MailDir, acc.Domain), func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			// A message Dovecot moved or expunged while we walked.
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err == nil {
				size += info.Size()
			} else if !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return ctx.Err()
	})
	if err != nil {
		return driver.Usage{}, fmt.Errorf("mailhost: usage of %s: %w", ref, err)
	}
	return driver.Usage{DiskBytes: size, Mailboxes: len(acc.Mailboxes), MeasuredAt: m.cfg.Clock.Now()}, nil
}

// List returns every account the module keeps, terminated ones (whose data are still
// here) as suspended.
func (m *Mailhost) List(ctx context.Context) ([]driver.Listed, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	all, err := m.store.all()
	if err != nil {
		return nil, err
	}
	out := make([]driver.Listed, 0, len(all))
	for _, a := range all {
		out = append(out, driver.Listed{Ref: a.Ref, Kind: driver.KindEmail, Suspended: a.Suspended || a.Terminated})
	}
	return out, ctx.Err()
}
