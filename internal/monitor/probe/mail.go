package probe

import (
	"bufio"
	"context"
	"errors"
	"net"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// Mailbox is what a POP3 or IMAP check is given: the server and, to check a login too,
// a monitoring mailbox.
type Mailbox struct {
	Address  string // host:port
	Security Security
	TLS      TLSPolicy
	// User and Password of the monitoring mailbox; empty User checks the greeting only.
	User, Password     string
	AllowPlaintextAuth bool
	Timeout            time.Duration
	Clock              clock.Clock
}

// Security is how a mail protocol connection is protected.
type Security int

// The connection security of a mail check.
const (
	// PlainText speaks the protocol unencrypted; a check then logs in only when the
	// provider explicitly allows a password over plain text.
	PlainText Security = iota
	// StartTLS upgrades the plain connection (POP3 STLS, IMAP and SMTP STARTTLS) and
	// fails when the server does not offer it.
	StartTLS
	// ImplicitTLS starts TLS at once (POP3S 995, IMAPS 993).
	ImplicitTLS
)

// maxLine bounds one line read from a server, so a broken or hostile server cannot make
// the monitor read without end.
const maxLine = 8 << 10

var errLineTooLong = errors.New("line too long")

// lineConn is a line-oriented protocol connection (POP3, IMAP, SMTP).
type lineConn struct {
	ctx  context.Context
	conn net.Conn
	r    *bufio.Reader
	addr string
	tls  bool
}

func dialLines(ctx context.Context, address string, sec Security, pol TLSPolicy, r *Result) (*lineConn, *Reason) {
	conn, rs := dial(ctx, address)
	if rs != nil {
		return nil, rs
	}
	lc := &lineConn{ctx: ctx, conn: conn, r: bufio.NewReaderSize(conn, 4096), addr: address}
	if sec == ImplicitTLS {
		if rs := lc.startTLS(pol, r); rs != nil {
			conn.Close()
			return nil, rs
		}
	}
	return lc, nil
}

func (c *lineConn) Close() error { return c.conn.Close() }

// startTLS runs the TLS handshake on the connection and replaces its reader.
func (c *lineConn) startTLS(pol TLSPolicy, r *Result) *Reason {
	host, _, err := net.SplitHostPort(c.addr)
	if err != nil {
		host = c.addr
	}
	tc, rs := pol.handshake(c.ctx, c.conn, host, r)
	if rs != nil {
		return rs
	}
	c.conn, c.r, c.tls = tc, bufio.NewReaderSize(tc, 4096), true
	return nil
}

// readLine reads one CRLF- (or LF-) terminated line without its terminator.
func (c *lineConn) readLine(stage string) (string, *Reason) {
	var b []byte
	for {
		chunk, isPrefix, err := c.r.ReadLine()
		if err != nil {
			return "", netReason(c.ctx, stage, c.addr, err)
		}
		b = append(b, chunk...)
		if len(b) > maxLine {
			return "", reason("probe.io", errLineTooLong, "stage", stage)
		}
		if !isPrefix {
			return string(b), nil
		}
	}
}

// readN reads exactly n bytes (an IMAP literal).
func (c *lineConn) readN(stage string, n int) *Reason {
	if n > maxLine {
		return reason("probe.io", errLineTooLong, "stage", stage)
	}
	buf := make([]byte, n)
	for got := 0; got < n; {
		k, err := c.r.Read(buf[got:])
		if err != nil {
			return netReason(c.ctx, stage, c.addr, err)
		}
		got += k
	}
	return nil
}

func (c *lineConn) writeLine(stage, line string) *Reason {
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		return netReason(c.ctx, stage, c.addr, err)
	}
	return nil
}

// authAllowed refuses to send a monitoring mailbox's password unencrypted unless the
// provider allowed it for this check.
func authAllowed(sec Security, allowPlain bool) *Reason {
	if sec == PlainText && !allowPlain {
		return configReason("security", "a password is sent only over TLS (use StartTLS or ImplicitTLS, or allow plain text)")
	}
	return nil
}

// printable reports whether s is non-empty printable ASCII, what the line protocols
// can carry in a command argument.
func printable(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}
