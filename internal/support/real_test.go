package support_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hostpact/hostpact/internal/inbound"
	"github.com/hostpact/hostpact/internal/monitor/probe/realtest"
	"github.com/hostpact/hostpact/internal/secrets"
	"github.com/hostpact/hostpact/internal/store"
	"github.com/hostpact/hostpact/internal/store/storetest"
	"github.com/hostpact/hostpact/internal/support"
)

// countLog counts the receiver's log lines by message.
type countLog struct{ dup *atomic.Int32 }

func (c countLog) Enabled(context.Context, slog.Level) bool { return true }
func (c countLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "inbound: duplicate dropped" {
		c.dup.Add(1)
	}
	return nil
}
func (c countLog) WithAttrs([]slog.Attr) slog.Handler { return c }
func (c countLog) WithGroup(string) slog.Handler      { return c }

// waitFor polls cond until it holds; Postfix delivers asynchronously from its queue.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func send(t *testing.T, addr, from, to, msg string) {
	t.Helper()
	if err := smtp.SendMail(addr, nil, from, []string{to}, []byte(strings.ReplaceAll(msg, "\n", "\r\n"))); err != nil {
		t.Fatalf("SMTP to %s: %v", to, err)
	}
}

// TestRealSupportMail: mail from the outside reaches the support desk through a real
// Postfix (Debian's, private on loopback) that hands it over LMTP to hostpact's
// listener, and through Postfix into a real Dovecot mailbox that the poller reads over
// IMAP. Threading, de-duplication of a second delivery, and an auto-reply that is
// recorded and never answered.
func TestRealSupportMail(t *testing.T) {
	mh := realtest.StartMailHosting(t)
	postconf, err := exec.LookPath("postconf")
	if err != nil {
		realtest.Missing(t, "postfix", "postconf not found")
	}
	db := storetest.Open(t, store.SQLite, append(schemas, inbound.Schema)...)
	e := newEnv(t, db, time.Date(2027, 1, 5, 9, 0, 0, 0, time.UTC))
	var dups atomic.Int32
	rt := inbound.NewRouter()
	rt.Handle("support@provider.test", e.svc)
	rt.Handle("helpdesk@provider.test", e.svc) // the IMAP mailbox's address
	rc := &inbound.Receiver{DB: db, Clock: e.clk, Router: rt, Limits: inbound.DefaultLimits, Logger: slog.New(countLog{&dups})}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := &inbound.Listener{Receiver: rc, LMTP: true, Domain: "hostpact.test"}
	go func() { _ = ln.Serve(l) }()
	t.Cleanup(func() { _ = ln.Close() })

	// Postfix: provider.test is ours; support@ goes to hostpact's LMTP listener,
	// helpdesk@ to Dovecot (the virtual transport).
	home := filepath.Join(mh.MailDir, "provider.test", "helpdesk")
	if err := os.MkdirAll(home, 0o700); err != nil {
		t.Fatal(err)
	}
	_ = os.Chown(filepath.Dir(home), mh.UID, mh.GID)
	_ = os.Chown(home, mh.UID, mh.GID)
	if err := os.WriteFile(mh.PasswdFile, fmt.Appendf(nil, "helpdesk@provider.test:{PLAIN}imap-secret:%d:%d::%s::\n", mh.UID, mh.GID, home), 0o640); err != nil {
		t.Fatal(err)
	}
	write := func(path, content string) {
		if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(mh.DomainsMap, "provider.test OK\n")
	write(mh.MailboxesMap, "support@provider.test provider.test/support/\nhelpdesk@provider.test provider.test/helpdesk/\n")
	confDir := mh.PostfixReload[2]
	transport := filepath.Join(filepath.Dir(mh.DomainsMap), "transport")
	write(transport, "support@provider.test lmtp:inet:"+l.Addr().String()+"\n")
	if out, err := exec.Command(postconf, "-c", confDir, "-e", "transport_maps = texthash:"+transport).CombinedOutput(); err != nil {
		t.Fatalf("postconf: %v %s", err, out)
	}
	if out, err := exec.Command(mh.PostfixReload[0], mh.PostfixReload[1:]...).CombinedOutput(); err != nil {
		t.Fatalf("postfix reload: %v %s", err, out)
	}

	ctx := context.Background()
	tickets := func() []support.Ticket { return e.only(staff, support.Filter{}) }
	first := "From: Jan de Vries <jan@acme.test>\nTo: support@provider.test\nSubject: Mailbox vol\nMessage-ID: <real1@acme.test>\n\nMijn mailbox is vol, kunnen jullie helpen?"
	// Postfix may take a moment to read the new maps after the reload.
	waitFor(t, "postfix to accept provider.test", func() bool {
		return smtp.SendMail(mh.SMTP, nil, "jan@acme.test", []string{"support@provider.test"}, []byte(strings.ReplaceAll(first, "\n", "\r\n"))) == nil
	})
	waitFor(t, "the ticket from the LMTP delivery", func() bool { return len(tickets()) == 1 })
	tk := tickets()[0]
	if tk.OrgID != 1 || tk.Channel != support.Email {
		t.Fatalf("ticket %+v", tk)
	}
	// The same mail delivered again: dropped by Message-ID.
	send(t, mh.SMTP, "jan@acme.test", "support@provider.test", first)
	waitFor(t, "the duplicate to be dropped", func() bool { return dups.Load() == 1 })

	// The customer's out-of-office answers the acknowledgement.
	_, ms := e.ticket(staff, tk.ID)
	ack := lastOutgoingID(ms, support.Automatic)
	send(t, mh.SMTP, "jan@acme.test", "support@provider.test", "From: jan@acme.test\nTo: support@provider.test\nSubject: Afwezig\nAuto-Submitted: auto-replied\nMessage-ID: <ooo@acme.test>\nIn-Reply-To: <"+ack+">\n\nIk ben afwezig.")
	waitFor(t, "the auto-reply", func() bool { _, ms := e.ticket(staff, tk.ID); return len(ms) == 3 })

	// Staff answer; the customer's reply threads by In-Reply-To.
	if _, err := e.svc.Reply(ctx, staff, tk.ID, support.ReplyInput{Body: "We hebben de quotum verhoogd."}); err != nil {
		t.Fatal(err)
	}
	_, ms = e.ticket(staff, tk.ID)
	reply := lastOutgoingID(ms, support.StaffReply)
	send(t, mh.SMTP, "jan@acme.test", "support@provider.test", "From: jan@acme.test\nTo: support@provider.test\nSubject: Re: Mailbox vol\nMessage-ID: <real2@acme.test>\nIn-Reply-To: <"+reply+">\n\nDank je!")
	waitFor(t, "the threaded reply", func() bool { _, ms := e.ticket(staff, tk.ID); return len(ms) == 5 })
	var acks, replies int
	for _, m := range e.outbox() {
		switch {
		case strings.HasPrefix(m.Subject, "Ontvangen"):
			acks++
		case strings.HasPrefix(m.Subject, "Re: "):
			replies++
		}
	}
	if acks != 1 || replies != 1 || len(tickets()) != 1 {
		t.Fatalf("the robot was answered or a ticket split: %d acks, %d replies, %d tickets", acks, replies, len(tickets()))
	}

	// IMAP: two copies of one mail land in Dovecot's mailbox; the poller reads both
	// and keeps one.
	imapMail := "From: Eva Jansen <eva@globex.test>\nTo: helpdesk@provider.test\nSubject: Backup terugzetten\nMessage-ID: <imap1@globex.test>\n\nKunnen jullie de backup van maandag terugzetten?"
	send(t, mh.SMTP, "eva@globex.test", "helpdesk@provider.test", imapMail)
	send(t, mh.SMTP, "eva@globex.test", "helpdesk@provider.test", imapMail)
	keys, err := secrets.Generate()
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(mh.IMAP)
	var portN int
	fmt.Sscan(port, &portN)
	if _, err := inbound.SaveMailbox(ctx, db, keys, inbound.Mailbox{Address: "helpdesk@provider.test", Host: host, Port: portN, Username: "helpdesk@provider.test", TLS: "none"}, "imap-secret"); err != nil {
		t.Fatal(err)
	}
	var sealed string
	if err := db.QueryRowContext(ctx, `SELECT password_sealed FROM inbound_mailboxes`).Scan(&sealed); err != nil || strings.Contains(sealed, "imap-secret") {
		t.Fatalf("password stored in clear: %v", err)
	}
	p := &inbound.Poller{Receiver: rc, Keys: keys}
	seen := 0
	waitFor(t, "both copies in the IMAP mailbox", func() bool {
		n, err := p.PollAll(ctx)
		if err != nil {
			t.Fatal(err)
		}
		seen += n
		return seen == 2
	})
	if n, err := p.PollAll(ctx); err != nil || n != 0 {
		t.Fatalf("a second poll read %d again (%v)", n, err)
	}
	var eva []support.Ticket
	for _, x := range tickets() {
		if x.OrgID == 2 {
			eva = append(eva, x)
		}
	}
	if len(eva) != 1 {
		t.Fatalf("tickets from the IMAP mailbox: %d", len(eva))
	}
	if _, ms := e.ticket(staff, eva[0].ID); len(ms) != 2 { // the mail and its acknowledgement
		t.Fatalf("messages %d", len(ms))
	}
}
