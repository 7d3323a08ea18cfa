package realtest

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// MailHosting is a private mail hosting server as hostpact's e-mail module expects it
// on a provider's server: Dovecot with virtual users from one passwd-file (passdb and
// userdb), maildirs under one base directory, the quota plugin (count backend, the
// limit in each user's quota_rule) and IMAP, POP3 and LMTP on 127.0.0.1; and Postfix taking
// mail over SMTP for the domains, mailboxes and aliases in three texthash maps and
// handing it to Dovecot over LMTP. The files start empty; the module under test fills
// them.
type MailHosting struct {
	Dovecot, Postfix       *Process
	IMAP, POP3, LMTP, SMTP string // 127.0.0.1:port
	// PasswdFile is Dovecot's passwd-file; MailDir the base of the users' homes.
	PasswdFile, MailDir string
	// DomainsMap, MailboxesMap and AliasesMap are Postfix's texthash maps for
	// virtual_mailbox_domains, virtual_mailbox_maps and virtual_alias_maps.
	DomainsMap, MailboxesMap, AliasesMap string
	// UID and GID own the maildirs (Dovecot's mail processes run as them).
	UID, GID int
	// PasswdGID is the group that may read PasswdFile (Dovecot's auth process).
	PasswdGID int
	// Doveadm runs doveadm against this Dovecot (append the command);
	// PostfixReload makes this Postfix re-read its maps.
	Doveadm, PostfixReload []string
}

// StartMailHosting starts Dovecot and Postfix for mail hosting (see MailHosting).
// There is no TLS: everything is on loopback, where Dovecot allows plaintext logins.
func StartMailHosting(t testing.TB) *MailHosting {
	t.Helper()
	bins := Require(t, "dovecot", "dovecot", "doveadm")
	for _, p := range []string{"/usr/lib/dovecot/imap", "/usr/lib/dovecot/pop3", "/usr/lib/dovecot/lmtp", "/usr/lib/dovecot/modules/lib10_quota_plugin.so"} {
		if _, err := os.Stat(p); err != nil {
			Missing(t, "dovecot", p+" not installed (dovecot-imapd, dovecot-pop3d, dovecot-lmtpd)")
		}
	}
	postfixBin := Require(t, "postfix", "postfix")[0]
	master := "/usr/lib/postfix/sbin/master"
	if _, err := os.Stat(master); err != nil {
		Missing(t, "postfix", master+" not found")
	}
	dir := TempDir(t)
	m := &MailHosting{}

	loginUser, internalUser, postfixOwner := "dovenull", "dovecot", "postfix"
	m.UID, m.GID = 65534, 65534
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		loginUser, internalUser, postfixOwner = u.Username, u.Username, u.Username
		m.UID, m.GID = os.Geteuid(), os.Getegid()
	}
	iu, err := user.Lookup(internalUser)
	if err != nil {
		Missing(t, "dovecot", "user "+internalUser+": "+err.Error())
	}
	m.PasswdGID, _ = strconv.Atoi(iu.Gid)
	pu, err := user.Lookup(postfixOwner)
	if err != nil {
		Missing(t, "postfix", "user "+postfixOwner+": "+err.Error())
	}
	postfixUID, _ := strconv.Atoi(pu.Uid)

	m.MailDir = filepath.Join(dir, "vmail")
	if err := os.MkdirAll(m.MailDir, 0o755); err != nil {
		t.Fatal(err)
	}
	m.PasswdFile = WriteFile(t, dir, "dovecot/users", "", 0o640)
	if os.Geteuid() == 0 {
		if err := os.Chown(m.PasswdFile, 0, m.PasswdGID); err != nil {
			t.Fatal(err)
		}
	}
	m.DomainsMap = WriteFile(t, dir, "postfix/maps/domains", "", 0o644)
	m.MailboxesMap = WriteFile(t, dir, "postfix/maps/mailboxes", "", 0o644)
	m.AliasesMap = WriteFile(t, dir, "postfix/maps/aliases", "", 0o644)

	imapPort, pop3Port, lmtpPort, smtpPort := FreePort(t), FreePort(t), FreePort(t), FreePort(t)
	m.IMAP, m.POP3, m.LMTP, m.SMTP = Addr(imapPort), Addr(pop3Port), Addr(lmtpPort), Addr(smtpPort)

	conf := fmt.Sprintf(`protocols = imap pop3 lmtp
listen = 127.0.0.1
base_dir = %[1]s/dovecot/run
state_dir = %[1]s/dovecot/state
log_path = /dev/stderr
info_log_path = /dev/stderr
default_login_user = %[2]s
default_internal_user = %[3]s
first_valid_uid = 1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
auth_cache_size = 0
auth_failure_delay = 0
login_trusted_networks = 127.0.0.0/8
mail_location = maildir:~/Maildir
mail_plugins = $mail_plugins quota
passdb {
  driver = passwd-file
  args = username_format=%%u %[4]s
}
userdb {
  driver = passwd-file
  args = username_format=%%u %[4]s
}
plugin {
  quota = count:User quota
  quota_vsizes = yes
}
protocol imap {
  mail_plugins = $mail_plugins imap_quota
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[5]d
  }
  inet_listener imaps {
    port = 0
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = %[6]d
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = %[7]d
  }
  inet_listener pop3s {
    port = 0
  }
}
`, dir, loginUser, internalUser, m.PasswdFile, imapPort, lmtpPort, pop3Port)
	dconf := WriteFile(t, dir, "dovecot/dovecot.conf", conf, 0o644)
	m.Doveadm = []string{bins[1], "-c", dconf}
	m.Dovecot = Start(t, "dovecot", []string{m.IMAP, m.POP3, m.LMTP}, bins[0], "-F", "-c", dconf)

	q := filepath.Join(dir, "postfix/queue")
	for _, d := range []string{"conf", "data", "queue/pid", "queue/private", "queue/public", "queue/incoming",
		"queue/active", "queue/deferred", "queue/bounce", "queue/defer", "queue/flush", "queue/hold",
		"queue/corrupt", "queue/trace", "queue/saved", "queue/maildrop"} {
		p := filepath.Join(dir, "postfix", d)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if d != "conf" && d != "queue/pid" {
			if err := os.Chown(p, postfixUID, -1); err != nil && os.Geteuid() == 0 {
				t.Fatal(err)
			}
		}
	}
	// Only the virtual mailbox domains are deliverable, and only to Dovecot: relaying
	// is refused to every client (loopback included) and every other transport is an
	// error, so nothing ever leaves the machine.
	WriteFile(t, dir, "postfix/conf/main.cf", fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %[1]s
data_directory = %[2]s/postfix/data
mail_owner = %[3]s
myhostname = mx.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
relay_domains =
alias_maps =
alias_database =
local_recipient_maps =
smtpd_banner = $myhostname %[4]s
maillog_file = /dev/stdout
smtpd_tls_security_level = none
smtputf8_enable = no
smtpd_relay_restrictions = reject_unauth_destination
smtpd_recipient_restrictions =
virtual_mailbox_domains = texthash:%[5]s
virtual_mailbox_maps = texthash:%[6]s
virtual_alias_maps = texthash:%[7]s
virtual_transport = lmtp:inet:%[8]s
default_transport = error:no mail leaves a test
relay_transport = error:no mail leaves a test
local_transport = error:no local delivery in a test
`, q, dir, postfixOwner, Banner, m.DomainsMap, m.MailboxesMap, m.AliasesMap, m.LMTP), 0o644)
	WriteFile(t, dir, "postfix/conf/master.cf", fmt.Sprintf(`127.0.0.1:%d inet n - n - - smtpd
postlog unix-dgram n - n - 1 postlogd
cleanup unix n - n - 0 cleanup
qmgr unix n - n 300 1 qmgr
rewrite unix - - n - - trivial-rewrite
bounce unix - - n - 0 bounce
defer unix - - n - 0 bounce
trace unix - - n - 0 bounce
verify unix - - n - 1 verify
flush unix n - n 1000? 0 flush
proxymap unix - - n - - proxymap
error unix - - n - - error
retry unix - - n - - error
discard unix - - n - - discard
lmtp unix - - n - - lmtp
anvil unix - - n - 1 anvil
scache unix - - n - 1 scache
tlsmgr unix - - n 1000? 1 tlsmgr
`, smtpPort), 0o644)
	confDir := filepath.Join(dir, "postfix/conf")
	m.PostfixReload = []string{postfixBin, "-c", confDir, "reload"}
	m.Postfix = Start(t, "postfix", []string{m.SMTP}, master, "-c", confDir, "-d")
	return m
}
