package probe

import (
	"context"
	"strconv"
	"strings"
)

// IMAP checks an IMAP server (RFC 9051, RFC 3501): the greeting, STARTTLS or implicit
// TLS, and, with a monitoring mailbox, LOGIN and NOOP.
type IMAP Mailbox

// Kind is imap.
func (IMAP) Kind() Kind { return KindIMAP }

// Target is the address.
func (m IMAP) Target() string { return m.Address }

// Run performs the check.
func (m IMAP) Run(ctx context.Context) Result {
	return run(ctx, m.Clock, KindIMAP, m.Address, m.Timeout, m.check)
}

func (m IMAP) check(ctx context.Context, r *Result) *Reason {
	if m.User != "" {
		if rs := authAllowed(m.Security, m.AllowPlaintextAuth); rs != nil {
			return rs
		}
		if !printable(m.User) || !printable(m.Password) {
			return configReason("user", "user and password must be printable ASCII")
		}
	}
	c, rs := dialLines(ctx, m.Address, m.Security, m.TLS, r)
	if rs != nil {
		return rs
	}
	defer c.Close()
	line, rs := c.readLine("greeting")
	if rs != nil {
		return rs
	}
	g, err := parseIMAPLine(line)
	if err != nil || g.Tag != "*" || (g.Status != "OK" && g.Status != "PREAUTH") {
		return reason("probe.imap.greeting", err, "got", shorten(line))
	}
	r.Details.Greeting = shorten(g.Text)
	if m.Security == StartTLS {
		st, rs := c.imap("a1", "STARTTLS", "starttls")
		if rs != nil {
			return rs
		}
		if st.Status != "OK" {
			return reason("probe.starttls.missing", nil, "got", shorten(st.Text))
		}
		if rs := c.startTLS(m.TLS, r); rs != nil {
			return rs
		}
	}
	if m.User != "" {
		st, rs := c.imap("a2", "LOGIN "+imapQuote(m.User)+" "+imapQuote(m.Password), "auth")
		if rs != nil {
			return rs
		}
		if st.Status != "OK" {
			return reason("probe.imap.auth", nil, "user", m.User)
		}
		st, rs = c.imap("a3", "NOOP", "noop")
		if rs != nil {
			return rs
		}
		if st.Status != "OK" {
			return reason("probe.imap.command", nil, "command", "NOOP", "got", shorten(st.Status+" "+st.Text))
		}
	}
	_, _ = c.imap("a4", "LOGOUT", "logout")
	return nil
}

// imapLine is one response line: Tag is "*" for untagged and "+" for continuation.
type imapLine struct {
	Tag, Status, Text string
	// Literal is the byte count of a literal announced at the end of the line ({n}).
	Literal    int
	HasLiteral bool
}

// imap sends a tagged command and reads until its tagged completion, skipping untagged
// data (and the literals in it).
func (c *lineConn) imap(tag, cmd, stage string) (imapLine, *Reason) {
	if rs := c.writeLine(stage, tag+" "+cmd); rs != nil {
		return imapLine{}, rs
	}
	for range 1000 {
		line, rs := c.readLine(stage)
		if rs != nil {
			return imapLine{}, rs
		}
		for {
			l, err := parseIMAPLine(line)
			if err != nil {
				return imapLine{}, reason("probe.imap.command", err, "command", imapVerb(cmd), "got", shorten(line))
			}
			if !l.HasLiteral {
				if l.Tag == tag {
					return l, nil
				}
				if l.Tag == "+" {
					return imapLine{}, reason("probe.imap.command", nil, "command", imapVerb(cmd), "got", shorten(line))
				}
				break
			}
			// An untagged line carrying a literal continues after it.
			if rs := c.readN(stage, l.Literal); rs != nil {
				return imapLine{}, rs
			}
			if line, rs = c.readLine(stage); rs != nil {
				return imapLine{}, rs
			}
			line = "* " + line
		}
	}
	return imapLine{}, reason("probe.imap.command", nil, "command", imapVerb(cmd), "got", "too many untagged responses")
}

func imapVerb(cmd string) string {
	v, _, _ := strings.Cut(cmd, " ")
	return v
}

type imapError string

func (e imapError) Error() string { return string(e) }

// parseIMAPLine reads a response line: "tag STATUS text", "* STATUS text",
// "* 3 EXISTS", "+ continuation"; a line ending in {n} announces a literal of n bytes.
func parseIMAPLine(line string) (imapLine, error) {
	tag, rest, _ := strings.Cut(line, " ")
	if tag == "" {
		return imapLine{}, imapError("empty tag")
	}
	if tag != "*" && tag != "+" {
		for i := 0; i < len(tag); i++ {
			ch := tag[i]
			if ch <= 0x20 || ch > 0x7e || strings.IndexByte("(){%*\"\\]", ch) >= 0 {
				return imapLine{}, imapError("bad tag")
			}
		}
	}
	l := imapLine{Tag: tag}
	if tag == "+" {
		l.Text = rest
		return l, nil
	}
	status, text, _ := strings.Cut(rest, " ")
	l.Status, l.Text = strings.ToUpper(status), text
	if l.Status == "" {
		return imapLine{}, imapError("no status")
	}
	if tag != "*" {
		switch l.Status {
		case "OK", "NO", "BAD":
		default:
			return imapLine{}, imapError("tagged response without OK, NO or BAD")
		}
	}
	if strings.HasSuffix(line, "}") {
		if i := strings.LastIndexByte(line, '{'); i >= 0 {
			digits := strings.TrimSuffix(line[i+1:len(line)-1], "+")
			n, err := strconv.Atoi(digits)
			if err != nil || n < 0 || digits == "" || digits[0] == '+' || digits[0] == '-' {
				return imapLine{}, imapError("bad literal length")
			}
			if tag != "*" {
				return imapLine{}, imapError("literal in a tagged response")
			}
			l.Literal, l.HasLiteral = n, true
		}
	}
	return l, nil
}

// imapQuote writes s as an IMAP quoted string; the caller has checked it is printable
// ASCII.
func imapQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
