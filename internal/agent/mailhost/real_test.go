package mailhost_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/agent/mailhost"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/provision/driver"
	"github.com/hostpact/hostpact/internal/provision/driver/drivertest"
)

// realServer is a private Dovecot and Postfix and the module pointed at them.
type realServer struct {
	*realtest.MailHosting
	m       *mailhost.Mailhost
	dataDir string
}

func startReal(t *testing.T) *realServer {
	t.Helper()
	s := realtest.StartMailHosting(t)
	dataDir := t.TempDir()
	// Made as the agent makes it: from its JSON settings.
	settings, err := json.Marshal(mailhost.Config{
		PasswdFile: s.PasswdFile, PasswdGID: s.PasswdGID,
		MailDir: s.MailDir, UID: s.UID, GID: s.GID,
		DomainsMap: s.DomainsMap, MailboxesMap: s.MailboxesMap, AliasesMap: s.AliasesMap,
		PostfixReload: s.PostfixReload,
		Doveadm:       s.Doveadm,
		Host:          "mail.example.test",
		IMAPPort:      993, SubmissionPort: 587,
	})
	if err != nil {
		t.Fatal(err)
	}
	d, err := mailhost.Factory(settings, dataDir)
	if err != nil {
		t.Fatal(err)
	}
	return &realServer{MailHosting: s, m: d.(*mailhost.Mailhost), dataDir: dataDir}
}

// TestRealMailhost takes one account through its life on real Dovecot and Postfix:
// the mailbox accepts IMAP logins with the secret and receives mail sent through
// Postfix; suspended it refuses logins but still receives mail; the package sets the
// quota Dovecot reports; a reset password replaces the old one; terminated it refuses
// logins and mail but keeps the maildir; deleted nothing is left.
func TestRealMailhost(t *testing.T) {
	t.Parallel()
	s := startReal(t)
	a := driver.Account{Ref: "hp42", Kind: driver.KindEmail, Domain: "Example.TEST",
		Package: driver.Package{Name: "mail-s", DiskMB: 10, Mailboxes: 3}, Secret: `Gr33n "tea" \ latte`}
	other := driver.Package{Name: "mail-l", DiskMB: 50, Mailboxes: 10}
	const user = "postmaster@example.test"
	home := filepath.Join(s.MailDir, "example.test", "postmaster")

	drivertest.Run(t, s.m, a, other, drivertest.Checks{
		Works: func(t *testing.T, a driver.Account, c driver.Created, secret string) {
			if c.Details["username"] != user || c.Details["host"] != "mail.example.test" || c.Details["imap_port"] != "993" {
				t.Errorf("details: %v", c.Details)
			}
			if err := imapLogin(s.IMAP, user, secret); err != nil {
				t.Fatalf("IMAP login with the secret: %v", err)
			}
			if err := pop3Login(s.POP3, user, secret); err != nil {
				t.Fatalf("POP3 login with the secret: %v", err)
			}
			if secret != a.Secret {
				if err := imapLogin(s.IMAP, user, a.Secret); err == nil {
					t.Error("the old password still logs in after the reset")
				}
			}
			s.deliver(t, user, home)
		},
		Suspended: func(t *testing.T, a driver.Account) {
			err := imapLogin(s.IMAP, user, a.Secret)
			if err == nil || !strings.Contains(err.Error(), "suspended") {
				t.Errorf("IMAP login of a suspended mailbox: %v, want refused as suspended", err)
			}
			if err := pop3Login(s.POP3, user, a.Secret); err == nil || !strings.Contains(err.Error(), "suspended") {
				t.Errorf("POP3 login of a suspended mailbox: %v, want refused as suspended", err)
			}
			// Mail keeps arriving while the account is suspended.
			s.deliver(t, user, home)
		},
		Package: func(t *testing.T, a driver.Account, p driver.Package) {
			// Both package checks run before the credentials are reset.
			limit, err := imapQuota(s.IMAP, user, a.Secret)
			if err != nil {
				t.Fatalf("GETQUOTAROOT: %v", err)
			}
			if limit != p.DiskMB*1024 {
				t.Errorf("Dovecot's storage limit is %d KiB, want %d (package %s)", limit, p.DiskMB*1024, p.Name)
			}
		},
		Terminated: func(t *testing.T, a driver.Account) {
			if err := imapLogin(s.IMAP, user, a.Secret+"-Reset2"); err == nil {
				t.Error("a terminated mailbox still logs in")
			}
			s.waitRefused(t, user)
			if _, err := os.Stat(filepath.Join(home, "Maildir", "new")); err != nil {
				t.Errorf("the maildir of a terminated account is gone: %v", err)
			}
		},
		Gone: func(t *testing.T, a driver.Account) {
			if err := imapLogin(s.IMAP, user, a.Secret+"-Reset2"); err == nil {
				t.Error("a deleted mailbox still logs in")
			}
			if _, err := os.Stat(filepath.Join(s.MailDir, "example.test")); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the domain's maildirs are still there: %v", err)
			}
			if b, _ := os.ReadFile(s.PasswdFile); len(b) != 0 {
				t.Errorf("the passwd-file still has users: %q", b)
			}
		},
	})
}

// TestRealMailhostMailboxesAndAliases: extra mailboxes log in with their own password
// and receive mail, an alias delivers to its target, the package's mailbox limit and
// quota are enforced, and a removed mailbox is gone.
func TestRealMailhostMailboxesAndAliases(t *testing.T) {
	t.Parallel()
	s := startReal(t)
	ctx := context.Background()
	a := driver.Account{Ref: "hp7", Domain: "shop.test", Package: driver.Package{Name: "duo", DiskMB: 1, Mailboxes: 2}, Secret: "Acc0unt-secret!"}
	if _, err := s.m.Create(ctx, a); err != nil {
		t.Fatal(err)
	}
	const infoPW = "Inf0-mailbox!pw"
	if err := s.m.AddMailbox(ctx, a.Ref, "info", infoPW); err != nil {
		t.Fatal(err)
	}
	infoHome := filepath.Join(s.MailDir, "shop.test", "info")
	if err := imapLogin(s.IMAP, "info@shop.test", infoPW); err != nil {
		t.Fatalf("login of the added mailbox: %v", err)
	}
	s.deliver(t, "info@shop.test", infoHome)

	if err := s.m.AddMailbox(ctx, a.Ref, "sales", "S4les-mailbox!pw"); !driver.IsRefusal(err) {
		t.Errorf("a third mailbox in a package of two: %v, want a refusal", err)
	}
	if err := s.m.AddAlias(ctx, a.Ref, "sales", []string{"info@shop.test"}); err != nil {
		t.Fatal(err)
	}
	s.deliver(t, "sales@shop.test", infoHome)

	// Dovecot refuses a message that does not fit in the 1 MB quota.
	if reply := lmtpSend(t, s.LMTP, "info@shop.test", strings.Repeat("x", 1200*1024)); !strings.HasPrefix(reply, "552") {
		t.Errorf("LMTP reply to a message over quota: %q, want 552", reply)
	}
	if reply := lmtpSend(t, s.LMTP, "info@shop.test", "small"); !strings.HasPrefix(reply, "250") {
		t.Errorf("LMTP reply to a message within quota: %q, want 250", reply)
	}

	// A new password ends the sessions opened with the old one (doveadm kick).
	session := imapOpen(t, s.IMAP, "info@shop.test", infoPW)
	const newPW = "N3w-info!password"
	if err := s.m.SetMailboxPassword(ctx, a.Ref, "info", newPW); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, session)
	if err := imapLogin(s.IMAP, "info@shop.test", newPW); err != nil {
		t.Errorf("login with the new password: %v", err)
	}
	if err := imapLogin(s.IMAP, "info@shop.test", infoPW); err == nil {
		t.Error("the old password still logs in")
	}

	if err := s.m.RemoveMailbox(ctx, a.Ref, "info"); !driver.IsRefusal(err) {
		t.Errorf("removing a mailbox an alias forwards to: %v, want a refusal", err)
	}
	if err := s.m.RemoveAlias(ctx, a.Ref, "sales"); err != nil {
		t.Fatal(err)
	}
	s.waitRefused(t, "sales@shop.test")
	if err := s.m.RemoveMailbox(ctx, a.Ref, "info"); err != nil {
		t.Fatal(err)
	}
	if err := imapLogin(s.IMAP, "info@shop.test", newPW); err == nil {
		t.Error("a removed mailbox still logs in")
	}
	if _, err := os.Stat(infoHome); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the removed mailbox's home is still there: %v", err)
	}
	s.waitRefused(t, "info@shop.test")
	// postmaster@ is the first mailbox itself.
	s.deliver(t, "postmaster@shop.test", filepath.Join(s.MailDir, "shop.test", "postmaster"))

	// A suspension ends the sessions already open, of every mailbox of the domain.
	session = imapOpen(t, s.IMAP, "postmaster@shop.test", a.Secret)
	if err := s.m.Suspend(ctx, a.Ref, driver.SuspendAbuse); err != nil {
		t.Fatal(err)
	}
	waitClosed(t, session)
	if err := s.m.Unsuspend(ctx, a.Ref); err != nil {
		t.Fatal(err)
	}

	u, err := s.m.Usage(ctx, a.Ref)
	if err != nil {
		t.Fatal(err)
	}
	if u.Mailboxes != 1 || u.DiskBytes <= 0 {
		t.Errorf("usage: %+v, want 1 mailbox and some bytes", u)
	}
}

// deliver sends a message with a fresh token to rcpt through Postfix and waits until
// it lies in the maildir under home.
func (s *realServer) deliver(t *testing.T, rcpt, home string) {
	t.Helper()
	token := newToken(t)
	deadline := time.Now().Add(30 * time.Second)
	// Postfix re-reads its maps after a reload; until the new smtpd runs the
	// recipient may still be unknown.
	for {
		err := smtpSend(s.SMTP, rcpt, token)
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("SMTP to %s: %v", rcpt, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for !maildirHas(home, token) {
		if time.Now().After(deadline) {
			t.Fatalf("the message to %s did not reach %s/Maildir\n%s", rcpt, home, s.Postfix.Output())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitRefused waits until Postfix refuses rcpt at RCPT time.
func (s *realServer) waitRefused(t *testing.T, rcpt string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := smtpSend(s.SMTP, rcpt, "should not arrive")
		var perr *textproto.Error
		if errors.As(err, &perr) && perr.Code >= 500 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("Postfix still takes mail for %s: %v", rcpt, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func newToken(t *testing.T) string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return "token-" + hex.EncodeToString(b)
}

func smtpSend(addr, rcpt, body string) error {
	c, err := smtp.Dial(addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.Mail("sender@client.test"); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "From: sender@client.test\r\nTo: %s\r\nSubject: test\r\n\r\n%s\r\n", rcpt, body)
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func maildirHas(home, token string) bool {
	for _, sub := range []string{"new", "cur"} {
		entries, _ := os.ReadDir(filepath.Join(home, "Maildir", sub))
		for _, e := range entries {
			b, _ := os.ReadFile(filepath.Join(home, "Maildir", sub, e.Name()))
			if bytes.Contains(b, []byte(token)) {
				return true
			}
		}
	}
	return false
}

// lmtpSend hands Dovecot one message for rcpt over LMTP and returns its reply to the
// data.
func lmtpSend(t *testing.T, addr, rcpt, body string) string {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := textproto.NewConn(conn)
	expect := func(code int) {
		if _, _, err := c.ReadResponse(code); err != nil {
			t.Fatalf("LMTP: %v", err)
		}
	}
	expect(220)
	c.PrintfLine("LHLO client.test")
	expect(250)
	c.PrintfLine("MAIL FROM:<sender@client.test>")
	expect(250)
	c.PrintfLine("RCPT TO:<%s>", rcpt)
	expect(250)
	c.PrintfLine("DATA")
	expect(354)
	w := c.DotWriter()
	fmt.Fprintf(w, "From: sender@client.test\r\nSubject: big\r\n\r\n%s\r\n", body)
	w.Close()
	line, err := c.ReadLine()
	if err != nil {
		t.Fatal(err)
	}
	return line
}

// pop3Login logs in over POP3 (USER and PASS) and returns nil when the server said
// +OK, or its answer as the error.
func pop3Login(addr, user, password string) error {
	n := sourceAddr.Add(1)
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+n/250), byte(1+n%250))}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	c := textproto.NewConn(conn)
	for _, cmd := range []string{"", "USER " + user, "PASS " + password, "QUIT"} {
		if cmd != "" {
			if err := c.PrintfLine("%s", cmd); err != nil {
				return err
			}
		}
		line, err := c.ReadLine()
		if err != nil {
			return err
		}
		if !strings.HasPrefix(line, "+OK") {
			return errors.New(line)
		}
	}
	return nil
}

// imapLogin logs in over IMAP and returns nil when the server said OK, or the
// server's answer as the error.
func imapLogin(addr, user, password string) error {
	_, err := imapSession(addr, user, password, "")
	return err
}

var sourceAddr atomic.Uint32

var quotaLine = regexp.MustCompile(`^\* QUOTA .*\(STORAGE (\d+) (\d+)\)`)

// imapQuota returns the storage limit (KiB) Dovecot reports for INBOX.
func imapQuota(addr, user, password string) (int64, error) {
	lines, err := imapSession(addr, user, password, "GETQUOTAROOT INBOX")
	if err != nil {
		return 0, err
	}
	for _, l := range lines {
		if m := quotaLine.FindStringSubmatch(l); m != nil {
			return strconv.ParseInt(m[2], 10, 64)
		}
	}
	return 0, fmt.Errorf("no STORAGE quota in %q", lines)
}

// imapSession logs in and, when cmd is given, runs it and returns its untagged lines.
func imapSession(addr, user, password, cmd string) ([]string, error) {
	// Each login comes from another loopback address: Dovecot delays the logins from
	// an address after a failed one (2 s doubling up to 15 s), and the refusals here
	// are meant.
	n := sourceAddr.Add(1)
	d := net.Dialer{Timeout: 10 * time.Second, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, byte(1+n/250), byte(1+n%250))}}
	conn, err := d.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(60 * time.Second))
	r := bufio.NewReader(conn)
	if _, err := r.ReadString('\n'); err != nil {
		return nil, err
	}
	send := func(tag, line string) ([]string, error) {
		if _, err := fmt.Fprintf(conn, "%s %s\r\n", tag, line); err != nil {
			return nil, err
		}
		var untagged []string
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return nil, err
			}
			l = strings.TrimRight(l, "\r\n")
			if rest, ok := strings.CutPrefix(l, tag+" "); ok {
				if !strings.HasPrefix(rest, "OK") {
					return nil, errors.New(rest)
				}
				return untagged, nil
			}
			untagged = append(untagged, l)
		}
	}
	if _, err := send("a1", "LOGIN "+imapQuote(user)+" "+imapQuote(password)); err != nil {
		return nil, err
	}
	var lines []string
	if cmd != "" {
		if lines, err = send("a2", cmd); err != nil {
			return nil, err
		}
	}
	_, _ = send("a3", "LOGOUT")
	return lines, nil
}

func imapQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// imapOpen logs in and leaves the session open.
func imapOpen(t *testing.T, addr, user, password string) net.Conn {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	r := bufio.NewReader(conn)
	if _, err := r.ReadString('\n'); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "a1 LOGIN %s %s\r\n", imapQuote(user), imapQuote(password))
	for {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(l, "a1 ") {
			if !strings.HasPrefix(l, "a1 OK") {
				t.Fatalf("login: %s", l)
			}
			return conn
		}
	}
}

// waitClosed waits until the server ends the session.
func waitClosed(t *testing.T, conn net.Conn) {
	t.Helper()
	_ = conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 512)
	for {
		if _, err := conn.Read(buf); err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				t.Fatal("the session was not ended")
			}
			return
		}
	}
}
