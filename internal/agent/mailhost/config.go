package mailhost

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"

	"github.com/hostpact/hostpact/internal/clock"
	"github.com/hostpact/hostpact/internal/provision/driver"
)

// Config is where the provider's Dovecot and Postfix read what the module writes, and
// how the module tells them. Every path is absolute. In the agent's configuration file
// it is the "email" module's section, e.g. on Debian with a vmail user (uid and gid
// 5000):
//
//	"email": {
//	  "passwd_file": "/etc/dovecot/hostpact-users", "passwd_gid": 119,
//	  "mail_dir": "/var/vmail", "uid": 5000, "gid": 5000,
//	  "domains_map": "/etc/postfix/hostpact/domains",
//	  "mailboxes_map": "/etc/postfix/hostpact/mailboxes",
//	  "aliases_map": "/etc/postfix/hostpact/aliases",
//	  "postfix_reload": ["postfix", "reload"],
//	  "doveadm": ["doveadm"],
//	  "host": "mail.provider.nl", "imap_port": 993, "pop3_port": 995, "submission_port": 587
//	}
type Config struct {
	// DataDir holds the module's state: one file per account under DataDir/accounts.
	// Factory sets it to the directory the agent gives the module.
	DataDir string `json:"data_dir"`
	// PasswdFile is Dovecot's passwd-file for virtual users, written whole by the
	// module (no other users may be kept in it). PasswdGID is the group that may read
	// it (Dovecot's auth process runs as "dovecot"); zero leaves the group as it is.
	PasswdFile string `json:"passwd_file"`
	PasswdGID  int    `json:"passwd_gid"`
	// MailDir is the base of the mailboxes' homes, MailDir/<domain>/<local>, owned by
	// UID and GID (Debian has no vmail user by default; create one). Both must be
	// non-zero: Dovecot refuses to run a mailbox as root.
	MailDir string `json:"mail_dir"`
	UID     int    `json:"uid"`
	GID     int    `json:"gid"`
	// DomainsMap, MailboxesMap and AliasesMap are Postfix's texthash maps for
	// virtual_mailbox_domains, virtual_mailbox_maps and virtual_alias_maps.
	DomainsMap   string `json:"domains_map"`
	MailboxesMap string `json:"mailboxes_map"`
	AliasesMap   string `json:"aliases_map"`
	// PostfixReload makes Postfix re-read the maps, e.g. ["postfix", "reload"].
	// Empty: the maps are written and Postfix picks them up when it restarts.
	PostfixReload []string `json:"postfix_reload"`
	// Doveadm is doveadm with any options (e.g. ["doveadm", "-c", "/etc/dovecot/dovecot.conf"]);
	// the module runs it to end open sessions of a suspended or removed mailbox.
	// Empty: open sessions last until the client disconnects.
	Doveadm []string `json:"doveadm"`
	// Host is the mail server's name customers configure in their mail clients;
	// IMAPPort, POP3Port and SubmissionPort are reported to them when non-zero.
	Host           string `json:"host"`
	IMAPPort       int    `json:"imap_port"`
	POP3Port       int    `json:"pop3_port"`
	SubmissionPort int    `json:"submission_port"`
	// FirstMailbox is the local part of an account's first mailbox; "postmaster" when
	// empty.
	FirstMailbox string `json:"first_mailbox"`
	// MaxAliases bounds the aliases of one account; 100 when zero.
	MaxAliases int         `json:"max_aliases"`
	Clock      clock.Clock `json:"-"` // clock.Real when nil
}

// Factory makes the module from its section of the agent's configuration (see Config)
// and the data directory the agent gives it, and renders the files from the accounts it
// already keeps, so a change a crash interrupted is complete before the first request.
func Factory(settings json.RawMessage, dataDir string) (driver.Driver, error) {
	var cfg Config
	dec := json.NewDecoder(bytes.NewReader(settings))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return nil, fmt.Errorf("mailhost: settings: %w", err)
	}
	if cfg.DataDir == "" {
		cfg.DataDir = dataDir
	}
	m, err := New(cfg)
	if err != nil {
		return nil, err
	}
	if err := m.Sync(context.Background()); err != nil {
		return nil, err
	}
	return m, nil
}
