package realtest

import (
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
)

// Postfix is a private Postfix instance: its own configuration and queue directory,
// only smtpd on 127.0.0.1 (and the few helper services it talks to), accepting no mail
// for any domain.
type Postfix struct {
	*Process
	Addr string
}

// Banner is the private instance's greeting after "220 mx.test ".
const Banner = "ESMTP hostpact-test"

// StartPostfix starts Debian's Postfix master in the foreground with leaf as the
// STARTTLS certificate, or without STARTTLS when leaf is nil.
func StartPostfix(t testing.TB, leaf *Leaf) *Postfix {
	t.Helper()
	Require(t, "postfix", "postconf")
	master := "/usr/lib/postfix/sbin/master"
	if _, err := os.Stat(master); err != nil {
		Missing(t, "postfix", master+" not found")
	}
	dir := TempDir(t)
	q := filepath.Join(dir, "queue")
	owner := "postfix"
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		owner = u.Username
	}
	u, err := user.Lookup(owner)
	if err != nil {
		Missing(t, "postfix", "user "+owner+": "+err.Error())
	}
	uid, _ := strconv.Atoi(u.Uid)
	for _, d := range []string{"conf", "queue/pid", "queue/private", "queue/public", "data"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"queue/private", "queue/public", "data"} {
		if err := os.Chown(filepath.Join(dir, d), uid, -1); err != nil && os.Geteuid() == 0 {
			t.Fatal(err)
		}
	}
	port := FreePort(t)
	p := &Postfix{Addr: Addr(port)}
	tlsConf := "smtpd_tls_security_level = none\n"
	if leaf != nil {
		cert, key := leaf.Files(t, dir, "smtp")
		tlsConf = fmt.Sprintf("smtpd_tls_security_level = may\nsmtpd_tls_cert_file = %s\nsmtpd_tls_key_file = %s\nsmtpd_tls_protocols = >=TLSv1.2\n", cert, key)
	}
	WriteFile(t, dir, "conf/main.cf", fmt.Sprintf(`compatibility_level = 3.6
queue_directory = %s
data_directory = %s/data
mail_owner = %s
myhostname = mx.test
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mydestination =
relay_domains =
alias_maps =
alias_database =
local_recipient_maps =
smtpd_banner = $myhostname %s
maillog_file = /dev/stdout
%s`, q, dir, owner, Banner, tlsConf), 0o644)
	WriteFile(t, dir, "conf/master.cf", fmt.Sprintf(`127.0.0.1:%d inet n - n - - smtpd
postlog unix-dgram n - n - 1 postlogd
tlsmgr unix - - n 1000 1 tlsmgr
anvil unix - - n - 1 anvil
rewrite unix - - n - - trivial-rewrite
proxymap unix - - n - - proxymap
`, port), 0o644)
	p.Process = Start(t, "postfix", []string{p.Addr}, master, "-c", filepath.Join(dir, "conf"), "-d")
	return p
}
