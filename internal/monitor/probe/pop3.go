package probe

import (
	"context"
	"errors"
	"strconv"
	"strings"
)

// POP3 checks a POP3 server (RFC 1939): the greeting, STLS (RFC 2595) or implicit TLS,
// and, with a monitoring mailbox, USER/PASS and STAT.
type POP3 Mailbox

// Kind is pop3.
func (POP3) Kind() Kind { return KindPOP3 }

// Target is the address.
func (p POP3) Target() string { return p.Address }

// Run performs the check.
func (p POP3) Run(ctx context.Context) Result {
	return run(ctx, p.Clock, KindPOP3, p.Address, p.Timeout, p.check)
}

func (p POP3) check(ctx context.Context, r *Result) *Reason {
	if p.User != "" {
		if rs := authAllowed(p.Security, p.AllowPlaintextAuth); rs != nil {
			return rs
		}
		if !printable(p.User) || !printable(p.Password) || strings.Contains(p.User, " ") {
			return configReason("user", "user and password must be printable ASCII, the user without spaces")
		}
	}
	c, rs := dialLines(ctx, p.Address, p.Security, p.TLS, r)
	if rs != nil {
		return rs
	}
	defer c.Close()
	line, rs := c.readLine("greeting")
	if rs != nil {
		return rs
	}
	ok, text := parsePOP3Status(line)
	if !ok {
		return reason("probe.pop3.greeting", nil, "got", shorten(line))
	}
	r.Details.Greeting = shorten(text)
	if p.Security == StartTLS {
		if rs := c.writeLine("starttls", "STLS"); rs != nil {
			return rs
		}
		line, rs := c.readLine("starttls")
		if rs != nil {
			return rs
		}
		if ok, _ := parsePOP3Status(line); !ok {
			return reason("probe.starttls.missing", nil, "got", shorten(line))
		}
		if rs := c.startTLS(p.TLS, r); rs != nil {
			return rs
		}
	}
	if p.User != "" {
		for _, cmd := range []string{"USER " + p.User, "PASS " + p.Password} {
			if _, rs := c.pop3(cmd, "auth"); rs != nil {
				if rs.Key == "probe.pop3.command" {
					return reason("probe.pop3.auth", nil, "user", p.User)
				}
				return rs
			}
		}
		text, rs := c.pop3("STAT", "stat")
		if rs != nil {
			return rs
		}
		if _, _, err := parsePOP3Stat(text); err != nil {
			return reason("probe.pop3.command", err, "command", "STAT", "got", shorten(text))
		}
	}
	_, _ = c.pop3("QUIT", "quit")
	return nil
}

// pop3 sends a command and reads its status line; -ERR becomes probe.pop3.command with
// the command's verb only, so a password never reaches a result.
func (c *lineConn) pop3(cmd, stage string) (string, *Reason) {
	if rs := c.writeLine(stage, cmd); rs != nil {
		return "", rs
	}
	line, rs := c.readLine(stage)
	if rs != nil {
		return "", rs
	}
	ok, text := parsePOP3Status(line)
	if !ok {
		verb, _, _ := strings.Cut(cmd, " ")
		return "", reason("probe.pop3.command", nil, "command", verb, "got", shorten(line))
	}
	return text, nil
}

// parsePOP3Status splits a status line into its indicator and text: "+OK text" is true,
// "-ERR text" and anything else false.
func parsePOP3Status(line string) (ok bool, text string) {
	switch {
	case line == "+OK" || strings.HasPrefix(line, "+OK "):
		return true, strings.TrimPrefix(strings.TrimPrefix(line, "+OK"), " ")
	case line == "-ERR" || strings.HasPrefix(line, "-ERR "):
		return false, strings.TrimPrefix(strings.TrimPrefix(line, "-ERR"), " ")
	}
	return false, line
}

var errBadStat = errors.New("STAT reply is not \"count size\"")

// parsePOP3Stat reads the text of a STAT reply: "count size" (RFC 1939 §5), possibly
// followed by more text.
func parsePOP3Stat(text string) (count, size int64, err error) {
	f := strings.Fields(text)
	if len(f) < 2 {
		return 0, 0, errBadStat
	}
	count, err1 := strconv.ParseInt(f[0], 10, 64)
	size, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil || count < 0 || size < 0 || f[0][0] == '+' || f[1][0] == '+' {
		return 0, 0, errBadStat
	}
	return count, size, nil
}
