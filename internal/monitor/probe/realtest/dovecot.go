package realtest

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"testing"
)

// Dovecot is a running Dovecot with IMAP and POP3, plain (with STARTTLS) and implicit
// TLS, and one mailbox.
type Dovecot struct {
	*Process
	IMAP, IMAPS, POP3, POP3S string // 127.0.0.1:port
	User, Password           string
}

// StartDovecot starts Debian's Dovecot with leaf as its certificate and one
// passwd-file user, monitor@test with password "monitor-secret".
func StartDovecot(t testing.TB, leaf Leaf) *Dovecot {
	t.Helper()
	bin := Require(t, "dovecot", "dovecot")[0]
	for _, p := range []string{"/usr/lib/dovecot/imap", "/usr/lib/dovecot/pop3"} {
		if _, err := os.Stat(p); err != nil {
			Missing(t, "dovecot", p+" not installed (dovecot-imapd, dovecot-pop3d)")
		}
	}
	dir := TempDir(t)
	d := &Dovecot{User: "monitor@test", Password: "monitor-secret"}
	ports := []int{FreePort(t), FreePort(t), FreePort(t), FreePort(t)}
	d.IMAP, d.IMAPS, d.POP3, d.POP3S = Addr(ports[0]), Addr(ports[1]), Addr(ports[2]), Addr(ports[3])
	cert, key := leaf.Files(t, dir, "mail")

	// As root Dovecot runs its login and internal processes as Debian's dovenull and
	// dovecot users and the mailbox as nobody; as another user everything runs as that
	// user.
	loginUser, internalUser, mailUID, mailGID := "dovenull", "dovecot", 65534, 65534
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		loginUser, internalUser = u.Username, u.Username
		mailUID, mailGID = os.Geteuid(), os.Getegid()
	}
	home := filepath.Join(dir, "home")
	if err := os.MkdirAll(home, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(home, mailUID, mailGID); err != nil && os.Geteuid() == 0 {
		t.Fatal(err)
	}
	users := WriteFile(t, dir, "users", fmt.Sprintf("%s:{PLAIN}%s::::\n", d.User, d.Password), 0o644)
	conf := fmt.Sprintf(`protocols = imap pop3
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = /dev/stderr
info_log_path = /dev/stderr
default_login_user = %[2]s
default_internal_user = %[3]s
first_valid_uid = 1
ssl = yes
ssl_cert = <%[4]s
ssl_key = <%[5]s
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[6]s
}
userdb {
  driver = static
  args = uid=%[7]d gid=%[8]d home=%[9]s/%%n
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[10]d
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[11]d
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = %[12]d
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = %[13]d
    ssl = yes
  }
}
`, dir, loginUser, internalUser, cert, key, users, mailUID, mailGID, home, ports[0], ports[1], ports[2], ports[3])
	path := WriteFile(t, dir, "dovecot.conf", conf, 0o644)
	d.Process = Start(t, "dovecot", []string{d.IMAP, d.IMAPS, d.POP3, d.POP3S}, bin, "-F", "-c", path)
	return d
}
