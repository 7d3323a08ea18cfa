package mailhost

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// View is an account's mailboxes and aliases as the customer may see them (no
// password hashes).
type View struct {
	Ref        string         `json:"ref"`
	Domain     string         `json:"domain"`
	Suspended  bool           `json:"suspended"`
	Terminated bool           `json:"terminated"`
	Mailboxes  []MailboxView  `json:"mailboxes"`
	Aliases    []AliasView    `json:"aliases"`
	Package    driver.Package `json:"package"`
}

// MailboxView is one mailbox; QuotaMB zero means no quota. The first is the account's
// own, whose password is the account's secret.
type MailboxView struct {
	Address string `json:"address"`
	QuotaMB int64  `json:"quota_mb,omitempty"`
}

// AliasView is one alias.
type AliasView struct {
	Address string   `json:"address"`
	Targets []string `json:"targets"`
}

// Show returns the account's mailboxes and aliases.
func (m *Mailhost) Show(ctx context.Context, ref string) (View, error) {
	m.mu.Lock()
	acc, err := m.store.load(ref)
	m.mu.Unlock()
	if err != nil {
		return View{}, err
	}
	v := View{Ref: acc.Ref, Domain: acc.Domain, Suspended: acc.Suspended, Terminated: acc.Terminated,
		Package: acc.Package, Mailboxes: []MailboxView{}, Aliases: []AliasView{}}
	for _, b := range acc.Mailboxes {
		v.Mailboxes = append(v.Mailboxes, MailboxView{Address: acc.address(b.Local), QuotaMB: acc.Package.DiskMB})
	}
	for _, x := range acc.Aliases {
		v.Aliases = append(v.Aliases, AliasView{Address: acc.address(x.Local), Targets: slices.Clone(x.Targets)})
	}
	return v, ctx.Err()
}

// change loads ref's account for a customer's change: a terminated account takes none.
func (m *Mailhost) change(op, ref string) (*account, error) {
	acc, err := m.store.load(ref)
	if err != nil {
		return nil, err
	}
	if acc.Terminated {
		return nil, driver.Refused(op, "account %s is terminated", ref)
	}
	return acc, nil
}

// AddMailbox creates local@domain in ref's account with password, within the
// package's mailbox limit. Adding an existing mailbox sets its password, so a retried
// request does no harm.
func (m *Mailhost) AddMailbox(ctx context.Context, ref, local, password string) error {
	const op = "add mailbox"
	if err := validLocal(local); err != nil {
		return driver.Refused(op, "%v", err)
	}
	if err := checkPassword(password); err != nil {
		return driver.Refused(op, "%v", err)
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	acc, err := m.change(op, ref)
	if err != nil {
		return err
	}
	if i := acc.mailbox(local); i >= 0 {
		acc.Mailboxes[i].Hash = hash
	} else {
		if acc.alias(local) >= 0 {
			return driver.Refused(op, "%s is an alias; remove it first", acc.address(local))
		}
		if p := acc.Package.Mailboxes; p > 0 && len(acc.Mailboxes) >= p {
			return driver.Refused(op, "package %q allows %d mailboxes and account %s has them all", acc.Package.Name, p, ref)
		}
		// A home left by a removal that a crash interrupted holds someone's old mail.
		if err := os.RemoveAll(m.home(acc.Domain, local)); err != nil {
			return fmt.Errorf("mailhost: %w", err)
		}
		if err := m.makeHome(acc.Domain, local); err != nil {
			return err
		}
		acc.Mailboxes = append(acc.Mailboxes, mailbox{Local: local, Hash: hash})
	}
	acc.UpdatedAt = m.cfg.Clock.Now()
	if err := m.store.save(acc); err != nil {
		return err
	}
	if err := m.apply(ctx, true); err != nil {
		return err
	}
	return m.kick(ctx, acc.address(local))
}

// SetMailboxPassword changes the password of local@domain and ends its open sessions.
// The first mailbox's password is the account's secret, which only ResetCredentials
// changes: hostpact keeps it and would otherwise show the customer a stale one.
func (m *Mailhost) SetMailboxPassword(ctx context.Context, ref, local, password string) error {
	const op = "set mailbox password"
	if err := checkPassword(password); err != nil {
		return driver.Refused(op, "%v", err)
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	acc, err := m.change(op, ref)
	if err != nil {
		return err
	}
	i := acc.mailbox(local)
	switch {
	case i < 0:
		return fmt.Errorf("%w: mailbox %s", driver.ErrNotFound, acc.address(local))
	case i == 0:
		return driver.Refused(op, "%s is the account's own mailbox; reset the account's credentials instead", acc.address(local))
	}
	acc.Mailboxes[i].Hash, acc.UpdatedAt = hash, m.cfg.Clock.Now()
	if err := m.store.save(acc); err != nil {
		return err
	}
	if err := m.apply(ctx, false); err != nil {
		return err
	}
	return m.kick(ctx, acc.address(local))
}

// RemoveMailbox removes local@domain and its mail (the customer deletes their own
// data, cp.privacy.email.4). The account's first mailbox stays as long as the account,
// and a mailbox an alias forwards to stays until the alias is changed. Removing a
// mailbox that is not there succeeds.
func (m *Mailhost) RemoveMailbox(ctx context.Context, ref, local string) error {
	const op = "remove mailbox"
	if err := validLocal(local); err != nil {
		return driver.Refused(op, "%v", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	acc, err := m.change(op, ref)
	if err != nil {
		return err
	}
	if i := acc.mailbox(local); i >= 0 {
		if i == 0 {
			return driver.Refused(op, "%s is the account's own mailbox", acc.address(local))
		}
		if x := acc.aliasTo(acc.address(local)); x != "" {
			return driver.Refused(op, "alias %s forwards to %s; change it first", x, acc.address(local))
		}
		acc.Mailboxes = slices.Delete(acc.Mailboxes, i, i+1)
		acc.UpdatedAt = m.cfg.Clock.Now()
		if err := m.store.save(acc); err != nil {
			return err
		}
	}
	if err := m.apply(ctx, true); err != nil {
		return err
	}
	if err := m.kick(ctx, acc.address(local)); err != nil {
		return err
	}
	if err := os.RemoveAll(m.home(acc.Domain, local)); err != nil {
		return fmt.Errorf("mailhost: %w", err)
	}
	return nil
}

// aliasTo returns the address of an alias of a that forwards to addr, or "".
func (a *account) aliasTo(addr string) string {
	for _, x := range a.Aliases {
		if slices.Contains(x.Targets, addr) {
			return a.address(x.Local)
		}
	}
	return ""
}
