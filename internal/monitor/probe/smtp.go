package probe

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/hostpact/hostpact/internal/clock"
)

// SMTP checks a mail server's SMTP service (RFC 5321): the 220 banner, EHLO and, with
// StartTLS, STARTTLS (RFC 3207) under the TLS policy followed by a second EHLO; then
// QUIT. It sends no mail.
type SMTP struct {
	Address  string // host:port
	Security Security
	TLS      TLSPolicy
	// Hello is the name given in EHLO; empty is "hostpact-monitor.invalid".
	Hello   string
	Timeout time.Duration
	Clock   clock.Clock
}

// Kind is smtp.
func (SMTP) Kind() Kind { return KindSMTP }

// Target is the address.
func (s SMTP) Target() string { return s.Address }

// Run performs the check.
func (s SMTP) Run(ctx context.Context) Result {
	return run(ctx, s.Clock, KindSMTP, s.Address, s.Timeout, s.check)
}

func (s SMTP) check(ctx context.Context, r *Result) *Reason {
	hello := s.Hello
	if hello == "" {
		hello = "hostpact-monitor.invalid"
	}
	if !printable(hello) || strings.Contains(hello, " ") {
		return configReason("hello", "must be a host name")
	}
	c, rs := dialLines(ctx, s.Address, s.Security, s.TLS, r)
	if rs != nil {
		return rs
	}
	defer c.Close()
	code, msg, rs := c.smtpReply("greeting")
	if rs != nil {
		return rs
	}
	if code != 220 {
		return reason("probe.smtp.banner", nil, "got", shorten(smtpLine(code, msg)))
	}
	r.Details.Greeting = shorten(firstLine(msg))
	ext, rs := c.ehlo(hello)
	if rs != nil {
		return rs
	}
	if s.Security == StartTLS {
		if _, ok := ext["STARTTLS"]; !ok {
			return reason("probe.starttls.missing", nil, "got", "EHLO without STARTTLS")
		}
		if rs := c.smtpCmd("starttls", "STARTTLS", 220); rs != nil {
			return rs
		}
		if rs := c.startTLS(s.TLS, r); rs != nil {
			return rs
		}
		if _, rs := c.ehlo(hello); rs != nil {
			return rs
		}
	}
	_ = c.smtpCmd("quit", "QUIT", 221)
	return nil
}

// ehlo sends EHLO and returns the extensions the server announced.
func (c *lineConn) ehlo(hello string) (map[string]string, *Reason) {
	if rs := c.writeLine("ehlo", "EHLO "+hello); rs != nil {
		return nil, rs
	}
	code, msg, rs := c.smtpReply("ehlo")
	if rs != nil {
		return nil, rs
	}
	if code != 250 {
		return nil, reason("probe.smtp.command", nil, "command", "EHLO", "got", shorten(smtpLine(code, msg)))
	}
	return parseEHLO(msg), nil
}

func (c *lineConn) smtpCmd(stage, cmd string, want int) *Reason {
	if rs := c.writeLine(stage, cmd); rs != nil {
		return rs
	}
	code, msg, rs := c.smtpReply(stage)
	if rs != nil {
		return rs
	}
	if code != want {
		return reason("probe.smtp.command", nil, "command", cmd, "got", shorten(smtpLine(code, msg)))
	}
	return nil
}

// smtpReply reads a reply, which may span several lines ("250-…" then "250 …").
func (c *lineConn) smtpReply(stage string) (int, string, *Reason) {
	var lines []string
	for range 100 {
		line, rs := c.readLine(stage)
		if rs != nil {
			return 0, "", rs
		}
		lines = append(lines, line)
		if len(line) < 4 || line[3] != '-' {
			break
		}
	}
	code, msg, err := parseSMTPReply(lines)
	if err != nil {
		return 0, "", reason("probe.smtp.command", err, "command", stage, "got", shorten(strings.Join(lines, " / ")))
	}
	return code, msg, nil
}

type smtpError string

func (e smtpError) Error() string { return string(e) }

// parseSMTPReply reads the lines of one reply (RFC 5321 §4.2): each starts with the
// same three-digit code, every line but the last has "-" after it, and the texts are
// joined with newlines.
func parseSMTPReply(lines []string) (int, string, error) {
	if len(lines) == 0 {
		return 0, "", smtpError("no reply")
	}
	var code int
	texts := make([]string, 0, len(lines))
	for i, l := range lines {
		if len(l) < 3 || l[0] < '2' || l[0] > '5' || l[1] < '0' || l[1] > '9' || l[2] < '0' || l[2] > '9' {
			return 0, "", smtpError("reply without a status code")
		}
		c := int(l[0]-'0')*100 + int(l[1]-'0')*10 + int(l[2]-'0')
		if i == 0 {
			code = c
		} else if c != code {
			return 0, "", smtpError("status code changes within a reply")
		}
		last := i == len(lines)-1
		switch {
		case len(l) == 3 && last:
		case len(l) > 3 && l[3] == ' ' && last, len(l) > 3 && l[3] == '-' && !last:
			texts = append(texts, l[4:])
		default:
			return 0, "", smtpError("malformed reply line")
		}
	}
	return code, strings.Join(texts, "\n"), nil
}

// parseEHLO turns the text of a 250 reply to EHLO into its extensions: the first line
// is the server's greeting, each further line a keyword and its parameters.
func parseEHLO(msg string) map[string]string {
	ext := map[string]string{}
	lines := strings.Split(msg, "\n")
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(strings.TrimSpace(l), " ")
		if k != "" {
			ext[strings.ToUpper(k)] = v
		}
	}
	return ext
}

func smtpLine(code int, msg string) string {
	return strings.TrimSpace(strings.ReplaceAll(strconv.Itoa(code)+" "+msg, "\n", " / "))
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
