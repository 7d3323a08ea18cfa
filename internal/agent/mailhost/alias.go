package mailhost

import (
	"context"
	"slices"
	"strings"

	"github.com/hostpact/hostpact/internal/provision/driver"
)

// MaxAliasTargets bounds one alias's targets: an alias is a forward, not a mailing list.
const MaxAliasTargets = 20

// AddAlias makes local@domain forward to targets, replacing its targets when the alias
// exists (so a retried request does no harm). A target in the account's own domain
// must be one of its mailboxes or aliases, so mail to the alias cannot bounce for want
// of a mailbox; a target elsewhere is a forward that Postfix relays out.
func (m *Mailhost) AddAlias(ctx context.Context, ref, local string, targets []string) error {
	const op = "add alias"
	if err := validLocal(local); err != nil {
		return driver.Refused(op, "%v", err)
	}
	if len(targets) == 0 || len(targets) > MaxAliasTargets {
		return driver.Refused(op, "an alias needs 1 to %d targets", MaxAliasTargets)
	}
	clean := make([]string, 0, len(targets))
	for _, t := range targets {
		t = strings.ToLower(strings.TrimSpace(t))
		if err := validTarget(t); err != nil {
			return driver.Refused(op, "%v", err)
		}
		if !slices.Contains(clean, t) {
			clean = append(clean, t)
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	acc, err := m.change(op, ref)
	if err != nil {
		return err
	}
	if acc.mailbox(local) >= 0 {
		return driver.Refused(op, "%s is a mailbox", acc.address(local))
	}
	self := acc.address(local)
	for _, t := range clean {
		tl, td, _ := strings.Cut(t, "@")
		if t == self {
			return driver.Refused(op, "%s cannot forward to itself", self)
		}
		if td == acc.Domain && acc.mailbox(tl) < 0 && acc.alias(tl) < 0 {
			return driver.Refused(op, "%s is neither a mailbox nor an alias of this account", t)
		}
	}
	if i := acc.alias(local); i >= 0 {
		acc.Aliases[i].Targets = clean
	} else {
		if len(acc.Aliases) >= m.cfg.MaxAliases {
			return driver.Refused(op, "account %s has the most aliases allowed (%d)", ref, m.cfg.MaxAliases)
		}
		acc.Aliases = append(acc.Aliases, alias{Local: local, Targets: clean})
	}
	acc.UpdatedAt = m.cfg.Clock.Now()
	if err := m.store.save(acc); err != nil {
		return err
	}
	return m.apply(ctx, true)
}

// RemoveAlias removes local@domain's alias; removing one that is not there succeeds.
// An alias another alias forwards to stays until that one is changed.
func (m *Mailhost) RemoveAlias(ctx context.Context, ref, local string) error {
	const op = "remove alias"
	if err := validLocal(local); err != nil {
		return driver.Refused(op, "%v", err)
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	acc, err := m.change(op, ref)
	if err != nil {
		return err
	}
	i := acc.alias(local)
	if i < 0 {
		return nil
	}
	if x := acc.aliasTo(acc.address(local)); x != "" {
		return driver.Refused(op, "alias %s forwards to %s; change it first", x, acc.address(local))
	}
	acc.Aliases = slices.Delete(acc.Aliases, i, i+1)
	acc.UpdatedAt = m.cfg.Clock.Now()
	if err := m.store.save(acc); err != nil {
		return err
	}
	return m.apply(ctx, true)
}
